//! `pingcha audit verify`: walks the audit log's hash chain with a progress bar and prints
//! either that it is intact (with the count and the head hash) or the first entry that does
//! not match and why; a broken chain exits non-zero.

use crate::storage::{DatabaseUrl, audit};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain and name the first entry that does not match.
    Verify,
}

pub fn run(url: &DatabaseUrl, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify => verify(url),
    }
}

fn verify(url: &DatabaseUrl) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    let total = audit::count(&mut conn)?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 条 ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("校验审计日志");
    let outcome = audit::verify(&mut conn, &mut |done| {
        if done % 256 == 0 {
            bar.set_position(done);
        }
    })?;
    bar.finish_and_clear();
    let message = crate::web::messages::audit_chain(&outcome);
    match outcome {
        Ok(_) => {
            println!("{message}");
            Ok(())
        }
        Err(_) => anyhow::bail!("{message}"),
    }
}
