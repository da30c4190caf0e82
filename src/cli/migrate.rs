//! `pingcha migrate`: apply pending migrations and say what was applied.

use crate::storage::{self, DatabaseUrl};

pub fn run(url: &DatabaseUrl) -> anyhow::Result<()> {
    let pool = storage::connect(url).map_err(super::describe_storage_error)?;
    let mut conn = pool.get()?;
    let applied =
        storage::migrate::run_pending(&mut conn).map_err(super::describe_storage_error)?;
    if applied.is_empty() {
        println!("数据库 {url} 已是最新，无需迁移。");
    } else {
        println!("已在 {url} 应用 {} 个迁移：", applied.len());
        for name in applied {
            println!("  {name}");
        }
    }
    Ok(())
}
