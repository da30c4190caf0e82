//! Migrations embedded in the binary, one folder per backend with matching names; applied
//! at start by `serve` and by `pingcha migrate`.

use crate::storage::{DbConn, Error, Result};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The migration set for the connection's backend.
pub fn migrations_for(conn: &DbConn) -> EmbeddedMigrations {
    match conn {
        DbConn::Pg(_) => POSTGRES,
        DbConn::Sqlite(_) => SQLITE,
    }
}

/// Applies every pending migration, then seals audit entries written before the audit chain
/// existed (a no-op once done); returns the names of the migrations applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>> {
    let migrations = migrations_for(conn);
    let applied: Vec<String> = conn
        .run_pending_migrations(migrations)
        .map_err(|error| Error::Migration(error.to_string()))?
        .iter()
        .map(ToString::to_string)
        .collect();
    let sealed = crate::storage::audit::seal_existing(conn)?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed audit entries into the chain");
    }
    Ok(applied)
}
