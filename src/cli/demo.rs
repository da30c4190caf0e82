//! `pingcha demo`: load the demo data set into an empty database.

use crate::app::messages::cli as messages;
use crate::demo;
use crate::storage::DatabaseUrl;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder of rubric files installed first, so the demo round can use them.
    #[arg(long, env = "PINGCHA_RUBRICS_DIR", default_value = "scoring-rubrics")]
    pub rubrics: std::path::PathBuf,
}

pub fn run(url: &DatabaseUrl, args: DemoArgs) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    super::serve::install_rubrics(&pool, &args.rubrics)?;
    let mut conn = pool.get()?;
    if !demo::is_empty(&mut conn)? {
        anyhow::bail!("数据库 {url} 中已有数据；演示数据只能装入空数据库");
    }
    load_and_report(&mut conn)
}

/// Loads the demo data set and its earlier quarters, saying what was loaded and how to sign
/// in (`demo`, and `serve --demo` on an empty database).
pub fn load_and_report(conn: &mut crate::storage::DbConn) -> anyhow::Result<()> {
    let summary = demo::load(conn)?;
    println!(
        "{}",
        messages::demo_loaded(summary.units, summary.people, summary.law_firms)
    );
    let logins = demo::logins::load(conn)?;
    println!("{}", messages::demo_logins_loaded(logins));
    let history = demo::history::load(conn)?;
    println!(
        "{}",
        messages::demo_history_loaded(history.rounds, history.sheets, history.notices)
    );
    print_logins();
    Ok(())
}

/// The demo accounts, as printed by `demo` and `serve --demo`.
pub fn print_logins() {
    println!("演示账户（密码均为 {}）：", demo::DEMO_PASSWORD);
    for (login, description) in demo::DEMO_LOGINS {
        println!("  {login:<12} {description}");
    }
}
