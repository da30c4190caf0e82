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

/// Applies every pending migration; returns the names of those applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>> {
    let migrations = migrations_for(conn);
    let applied = conn
        .run_pending_migrations(migrations)
        .map_err(|error| Error::Migration(error.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
