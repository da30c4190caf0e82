//! The command line (clap). Flags fall back to environment variables; nothing else reads the
//! environment. Each subcommand lives in its own file.

mod assign;
mod audit;
mod backup;
mod demo;
mod ecf;
pub mod fonts;
mod import;
mod migrate;
mod offline;
mod pdf;
mod rubric;
mod sample;
mod serve;
mod serving;
mod user;

use crate::app::messages::cli as messages;
use crate::storage::{self, DatabaseUrl, Pool};
use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "pingcha",
    version,
    about = messages::ABOUT,
    long_about = messages::LONG_ABOUT
)]
pub struct Cli {
    /// Database: a SQLite file path (default) or a postgres:// URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "pingcha.sqlite3"
    )]
    pub database_url: String,

    /// Log level when RUST_LOG is not set (error, warn, info, debug, trace).
    #[arg(long, env = "PINGCHA_LOG", global = true, default_value = "info")]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo data set into the configured (empty) database.
    Demo(demo::DemoArgs),
    /// Manage login accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Import case registries, reviewer pools and unit lists (XLSX or CSV).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Form a round's cross-check teams and store them as a draft.
    Assign(assign::AssignArgs),
    /// Check a round's frozen sample.
    #[command(subcommand)]
    Sample(sample::SampleCommand),
    /// Print a round's documents as PDF (score sheets, feedback reports).
    #[command(subcommand)]
    Pdf(pdf::PdfCommand),
    /// Work with rubric files (评分标准).
    #[command(subcommand)]
    Rubric(rubric::RubricCommand),
    /// Offline review (离线评查): open a packet on a laptop without network, export the result.
    #[command(subcommand)]
    Offline(offline::OfflineCommand),
    /// Copy the SQLite database to FILE while it is in use (PostgreSQL: use pg_dump).
    Backup(backup::BackupArgs),
    /// Replace the SQLite database with a checked backup FILE (PostgreSQL: use pg_restore).
    Restore(backup::RestoreArgs),
    /// Check the tamper-evident audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Electronic case files (电子卷宗): import a folder or ZIP for a round's sampled files.
    #[command(subcommand)]
    Ecf(ecf::EcfCommand),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let database_url = cli.database_url;
    let url = || DatabaseUrl::parse(&database_url).map_err(describe_storage_error);
    match cli.command {
        Command::Rubric(command) => rubric::run(command),
        Command::Offline(command) => offline::run(command),
        Command::Serve(args) => serve::run(&url()?, args),
        Command::Migrate => migrate::run(&url()?),
        Command::Demo(args) => demo::run(&url()?, args),
        Command::User(command) => user::run(&url()?, command),
        Command::Import(command) => import::run(&url()?, command),
        Command::Sample(command) => sample::run(&url()?, command),
        Command::Assign(args) => assign::run(&url()?, args),
        Command::Pdf(command) => pdf::run(&url()?, command),
        Command::Backup(args) => backup::backup(&url()?, args),
        Command::Restore(args) => backup::restore(&url()?, args),
        Command::Audit(command) => audit::run(&url()?, command),
        Command::Ecf(command) => ecf::run(&url()?, command),
    }
}

/// Connects and applies pending migrations, reporting a bad URL in one line.
fn open_database(url: &DatabaseUrl) -> anyhow::Result<Pool> {
    let pool = storage::connect(url).map_err(describe_storage_error)?;
    let mut conn = pool.get().context(messages::NO_POOLED_CONNECTION)?;
    let applied = storage::migrate::run_pending(&mut conn).map_err(describe_storage_error)?;
    // One quiet line for the operator; each migration's name only at debug level.
    for name in &applied {
        tracing::debug!(migration = %name, "applied migration");
    }
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "{}", messages::MIGRATIONS_APPLIED);
    }
    Ok(pool)
}

/// Storage errors the operator can act on, in one Chinese line with the URL masked.
fn describe_storage_error(error: storage::Error) -> anyhow::Error {
    match error {
        storage::Error::Connect { url, cause } => {
            let cause = cause.split_whitespace().collect::<Vec<_>>().join(" ");
            anyhow::anyhow!(messages::cannot_connect(url, &cause))
        }
        storage::Error::UnsupportedUrl { url } => anyhow::anyhow!(messages::unsupported_url(url)),
        other => anyhow::Error::new(other),
    }
}
