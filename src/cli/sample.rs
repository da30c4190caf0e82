//! `pingcha sample verify ROUND`: redraw a frozen sample from its stored seed, plan and
//! candidate list, and say whether it matches what was stored.

use crate::domain::sampling::VerifyOutcome;
use crate::storage::{DatabaseUrl, cases, rounds, sampling};
use anyhow::Context;

#[derive(Debug, clap::Subcommand)]
pub enum SampleCommand {
    /// Check that a round's frozen sample is exactly what its seed draws.
    Verify {
        /// The round, by id or exact name.
        round: String,
    },
}

pub fn run(url: &DatabaseUrl, command: SampleCommand) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    match command {
        SampleCommand::Verify { round } => {
            let round = rounds::find_by_id_or_name(&mut conn, &round)
                .with_context(|| format!("评查轮次“{round}”不存在"))?;
            let outcome = sampling::verify_frozen(&mut conn, &round)?;
            let Some(outcome) = outcome else {
                anyhow::bail!("评查轮次“{}”尚未确定抽查清单", round.settings.name);
            };
            match outcome {
                VerifyOutcome::Matches { proof } => {
                    println!(
                        "一致：评查轮次“{}”的抽查清单与随机种子 {} 重新抽取的结果完全相同。",
                        round.settings.name, proof.seed
                    );
                    println!(
                        "  候选 {} 件，抽取 {} 件",
                        proof.candidate_count, proof.selected_count
                    );
                    println!("  抽样方案 SHA-256 {}", proof.plan_sha256);
                    println!("  候选清单 SHA-256 {}", proof.candidates_sha256);
                    println!("  抽查清单 SHA-256 {}", proof.selection_sha256);
                    Ok(())
                }
                VerifyOutcome::Differs {
                    missing,
                    unexpected,
                    ..
                } => {
                    let describe = |conn: &mut crate::storage::DbConn,
                                    ids: &[crate::domain::ids::CaseFileId]|
                     -> anyhow::Result<String> {
                        let found = cases::list(
                            conn,
                            crate::domain::UnitScope::All,
                            &cases::CaseFilter {
                                ids: Some(ids.to_vec()),
                                ..Default::default()
                            },
                            None,
                        )?;
                        Ok(found
                            .iter()
                            .map(|case| format!("{} {}", case.unit_code, case.case_no))
                            .collect::<Vec<_>>()
                            .join("、"))
                    };
                    println!(
                        "不一致：评查轮次“{}”的抽查清单与随机种子重新抽取的结果不同。",
                        round.settings.name
                    );
                    if !missing.is_empty() {
                        println!("  应抽取但清单中没有：{}", describe(&mut conn, &missing)?);
                    }
                    if !unexpected.is_empty() {
                        println!(
                            "  清单中有但不应抽取：{}",
                            describe(&mut conn, &unexpected)?
                        );
                    }
                    anyhow::bail!("抽查清单复核未通过")
                }
            }
        }
    }
}
