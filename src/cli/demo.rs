//! `pingcha demo`: load the demo data set into an empty database.

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
    let summary = demo::load(&mut conn)?;
    println!(
        "已装入演示数据：{} 个单位，{} 名评查员，{} 家律师事务所。",
        summary.units, summary.people, summary.law_firms
    );
    let history = demo::history::load(&mut conn)?;
    println!(
        "已装入此前两个季度的评查：{} 轮，{} 份评分表，{} 份整改通知书。",
        history.rounds, history.sheets, history.notices
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
