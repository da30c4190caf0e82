//! `pingcha import cases|people|units FILE`: the same validation as the pages, with a
//! progress bar and a summary. A file with any problem changes nothing.

use crate::app::imports::{self, Failure};
use crate::domain::UnitScope;
use crate::storage::audit::Actor;
use crate::storage::{DatabaseUrl, rounds, units};
use anyhow::Context;
use chrono::Datelike;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import a case registry (案件台账) for a round, from XLSX or CSV (UTF-8 or GBK).
    Cases {
        file: PathBuf,
        /// The round, by id or exact name.
        #[arg(long)]
        round: String,
        /// Unit code, when the file has no unit column (one unit's own registry).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Import reviewers (评查员名单) into the pool.
    People { file: PathBuf },
    /// Import units (单位名单) with their annual case targets.
    Units {
        file: PathBuf,
        /// Year the annual targets in the file apply to (default: this year).
        #[arg(long)]
        year: Option<i32>,
    },
}

fn read(file: &PathBuf) -> anyhow::Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    Ok((name, bytes))
}

/// Prints every problem (one per line) and turns the failure into the exit error.
fn report(failure: Failure) -> anyhow::Error {
    match failure {
        Failure::Invalid { file, problems } => {
            for problem in &problems {
                eprintln!("{file}：{problem}");
            }
            anyhow::anyhow!("“{file}”有 {} 处问题，未导入任何数据", problems.len())
        }
        Failure::Unreadable(message) => anyhow::anyhow!(message),
        Failure::Storage(error) => anyhow::Error::new(error),
    }
}

pub fn run(url: &DatabaseUrl, command: ImportCommand) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    let actor = Actor::cli();
    match command {
        ImportCommand::Cases { file, round, unit } => {
            let round = rounds::find_by_id_or_name(&mut conn, &round)
                .with_context(|| format!("评查轮次“{round}”不存在"))?;
            crate::domain::round_actions::check(
                round.status,
                crate::domain::round_actions::RoundAction::ImportRegistry,
            )?;
            let default_unit = match unit {
                Some(code) => Some(
                    units::find_by_code(&mut conn, &code)?
                        .with_context(|| format!("单位代码 {code} 不存在"))?,
                ),
                None => None,
            };
            let (name, bytes) = read(&file)?;
            let bar = ProgressBar::new(0).with_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 件 ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("写入案件");
            let started = std::time::Instant::now();
            let counts = imports::commit_cases(
                &mut conn,
                &actor,
                &name,
                &bytes,
                default_unit.as_ref(),
                &mut |done, total| {
                    bar.set_length(u64::try_from(total).unwrap_or(0));
                    bar.set_position(u64::try_from(done).unwrap_or(0));
                },
            )
            .map_err(report)?;
            bar.finish_and_clear();
            let in_period = crate::storage::cases::count_in_period(
                &mut conn,
                round.settings.period_start,
                round.settings.period_end,
            )?;
            println!(
                "已导入“{name}”：新增 {} 件，更新 {} 件，未变化 {} 件，用时 {:.1} 秒。本轮期间内结案共 {in_period} 件。",
                counts.new,
                counts.changed,
                counts.unchanged,
                started.elapsed().as_secs_f64()
            );
        }
        ImportCommand::People { file } => {
            let (name, bytes) = read(&file)?;
            let counts =
                imports::commit_people(&mut conn, &actor, &name, &bytes).map_err(report)?;
            let total = crate::storage::people::list(&mut conn, UnitScope::All)?.len();
            println!(
                "已导入“{name}”：新增 {} 人，已存在 {} 人。评查员库共 {total} 人。",
                counts.new, counts.unchanged
            );
        }
        ImportCommand::Units { file, year } => {
            let (name, bytes) = read(&file)?;
            let year = year.unwrap_or_else(|| chrono::Utc::now().year());
            let counts =
                imports::commit_units(&mut conn, &actor, &name, &bytes, year).map_err(report)?;
            println!(
                "已导入“{name}”：新增 {} 个单位，已存在 {} 个。",
                counts.new, counts.unchanged
            );
        }
    }
    Ok(())
}
