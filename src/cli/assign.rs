//! `pingcha assign ROUND [--seed N] [--dry-run]`: form the cross-check teams from the frozen
//! sample and the reviewer pool, print the summary and quality figures, and store the result
//! as a draft version (unless --dry-run) for the administrator to review and publish.

use crate::app::teams;
use crate::domain::assignment::quality;
use crate::storage::audit::Actor;
use crate::storage::{self, DatabaseUrl, rounds};
use anyhow::Context;
use indicatif::ProgressBar;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    /// The round, by id or exact name.
    pub round: String,
    /// Seed for the search (default: drawn from the operating system). Same seed, same teams.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Solve and print, but store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Smallest team.
    #[arg(long, default_value_t = 3)]
    pub team_min: u32,
    /// Largest team.
    #[arg(long, default_value_t = 4)]
    pub team_max: u32,
    /// Files each reviewer may take in this round.
    #[arg(long, default_value_t = 12)]
    pub capacity: u32,
    /// Share of files reviewed by two reviewers from different units, in percent.
    #[arg(long, default_value_t = 20)]
    pub double_percent: u32,
}

pub fn run(url: &DatabaseUrl, args: AssignArgs) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    let round = rounds::find_by_id_or_name(&mut conn, &args.round)
        .with_context(|| format!("评查轮次“{}”不存在", args.round))?;
    let seed = match args.seed {
        Some(seed) => seed,
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes)
                .map_err(|error| anyhow::anyhow!("无法生成随机种子：{error}"))?;
            u64::from_le_bytes(bytes)
        }
    };
    let options = crate::app::teams::options(
        seed,
        args.team_min,
        args.team_max,
        args.capacity,
        args.double_percent,
    );
    let problem = teams::problem(&mut conn, &round, options).map_err(|error| match error {
        teams::Error::NoSample => {
            anyhow::anyhow!("评查轮次“{}”尚未确定抽查清单", round.settings.name)
        }
        other => anyhow::Error::new(other),
    })?;
    println!(
        "评查轮次“{}”：{} 个被查单位，{} 份案卷，评查员 {} 人，随机种子 {seed}",
        round.settings.name,
        problem.units.len(),
        problem.files.len(),
        problem.reviewers.len()
    );
    let spinner = ProgressBar::new_spinner().with_message("正在分组……");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let started = std::time::Instant::now();
    let solved = teams::solve_problem(&problem);
    spinner.finish_and_clear();
    let assignment = match solved {
        Ok(assignment) => assignment,
        Err(teams::Error::Unsolvable(reasons)) => {
            for reason in &reasons {
                eprintln!("  {reason}");
            }
            anyhow::bail!("规则无法全部满足，未分组");
        }
        Err(other) => return Err(other.into()),
    };
    let figures = quality(&problem, &assignment);
    println!(
        "用时 {:.2} 秒，{} 个组：",
        started.elapsed().as_secs_f64(),
        assignment.teams.len()
    );
    for team in &assignment.teams {
        let units: Vec<&str> = team
            .units
            .iter()
            .map(|unit| problem.unit_name(*unit))
            .collect();
        let members: Vec<&str> = team
            .members
            .iter()
            .map(|member| problem.reviewer_name(*member))
            .collect();
        println!(
            "  第{}组 组长 {}：{}；检查 {}",
            team.number,
            problem.reviewer_name(team.leader),
            members.join("、"),
            units.join("、")
        );
    }
    println!(
        "质量：违反硬性规则 {}，每人案卷 {}–{}，专长匹配率 {:.1}%，重复检查率 {:.1}%，目标值 {}",
        figures.hard_rule_breaches,
        figures.min_load,
        figures.max_load,
        figures.expertise_match_rate * 100.0,
        figures.repeat_pairing_rate * 100.0,
        figures.objective
    );
    if args.dry_run {
        println!("（试运行，未保存）");
        return Ok(());
    }
    let number = teams::store_draft(
        &mut conn,
        &Actor::cli(),
        round.id,
        &problem,
        &assignment,
        storage::now(),
    )?;
    println!("已保存为第 {number} 版草案，请在“交叉检查组”页面检查后发布。");
    Ok(())
}
