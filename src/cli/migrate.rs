//! `pingcha migrate`: apply pending migrations and say what was applied.

use crate::app::messages::cli as messages;
use crate::storage::{self, DatabaseUrl};

pub fn run(url: &DatabaseUrl) -> anyhow::Result<()> {
    let pool = storage::connect(url).map_err(super::describe_storage_error)?;
    let mut conn = pool.get()?;
    let applied =
        storage::migrate::run_pending(&mut conn).map_err(super::describe_storage_error)?;
    if applied.is_empty() {
        println!("{}", messages::up_to_date(url));
    } else {
        println!("{}", messages::migrations_applied(url, applied.len()));
        for name in applied {
            println!("  {name}");
        }
    }
    Ok(())
}
