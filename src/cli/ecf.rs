//! `pingcha ecf import <FOLDER|ZIP> --round ROUND [--matched-only]`: electronic case files
//! (电子卷宗) in bulk, matched to the round's sampled files by the 案号 in each file or folder
//! name, with a progress bar and a report. Nothing is stored when anything did not match or
//! was refused, unless `--matched-only`.

use crate::app::ecf::Caller;
use crate::app::ecf_bulk::{self, Workspace};
use crate::app::messages::ecf as text;
use crate::storage::audit::Actor;
use crate::storage::{self, DatabaseUrl, rounds};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum EcfCommand {
    /// Import electronic case files from a folder or a ZIP whose names carry the 案号.
    Import {
        /// A folder (searched recursively) or a ZIP file.
        source: PathBuf,
        /// The round, by id or exact name.
        #[arg(long)]
        round: String,
        /// Store the matched files even when others did not match or were refused.
        #[arg(long)]
        matched_only: bool,
    },
}

pub fn run(url: &DatabaseUrl, command: EcfCommand) -> anyhow::Result<()> {
    let EcfCommand::Import {
        source,
        round,
        matched_only,
    } = command;
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    let round = rounds::find_by_id_or_name(&mut conn, &round)
        .with_context(|| text::cli_unknown_round(&round))?;
    let workspace = Workspace::new()?;
    let received = if source.is_dir() {
        ecf_bulk::read_folder(&source)
    } else {
        ecf_bulk::read_zip(&source, &workspace)
    }
    .map_err(|error| {
        anyhow::anyhow!(text::cli_unreadable(
            &source.display().to_string(),
            &error.to_string()
        ))
    })?;
    let actor = Actor::cli();
    let operator = crate::app::ecf::operator(&actor);
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(text::CLI_CHECKING);
    let report = ecf_bulk::import(
        &mut conn,
        Caller {
            actor: &actor,
            account: &operator,
        },
        round.id,
        received,
        matched_only,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
        storage::now(),
    )
    .map_err(|error| anyhow::anyhow!("{error}"))?;
    bar.finish_and_clear();
    for matched in &report.matched {
        println!(
            "{}",
            text::cli_matched(&matched.name, &matched.case_number, matched.pages)
        );
    }
    for name in &report.unmatched {
        println!("{}", text::cli_unmatched(name));
    }
    for (name, refusal) in &report.refused {
        println!("{}", text::bulk_refusal(name, refusal));
    }
    println!(
        "{}",
        text::cli_summary(
            report.matched.len(),
            report.unmatched.len(),
            report.refused.len(),
            report.stored
        )
    );
    if report.stored == 0 && !report.clean() {
        anyhow::bail!(text::CLI_NOTHING_STORED);
    }
    Ok(())
}
