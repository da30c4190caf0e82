//! Migrations embedded in the binary, one folder per backend with matching names; applied
//! at start by `serve` and by `pingcha migrate`.

use crate::storage::{DbConn, Error, Result};
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::collections::BTreeSet;

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
    if applied.iter().any(|name| name.starts_with(ROW_DIGESTS)) {
        baseline_row_digests(conn)?;
    }
    Ok(applied)
}

diesel::table! {
    /// Diesel's record of applied migrations (read only here; diesel writes it).
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// Is the database at exactly this binary's migrations: every one applied, none unknown?
/// Reads the record only (an unmigrated database answers `false`, and nothing is created).
pub fn is_current(conn: &mut DbConn) -> Result<bool> {
    let applied: BTreeSet<String> = match __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .load::<String>(conn)
    {
        Ok(versions) => versions.into_iter().collect(),
        // The connection is gone: unreachable, not unmigrated.
        Err(
            error @ diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                _,
            ),
        ) => return Err(error.into()),
        // No record at all: never migrated.
        Err(diesel::result::Error::DatabaseError(..)) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let known: BTreeSet<String> = match conn {
        DbConn::Pg(_) => versions(MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES))?,
        DbConn::Sqlite(_) => versions(MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &SQLITE,
        ))?,
    };
    Ok(applied == known)
}

fn versions<DB: diesel::backend::Backend>(
    migrations: diesel::migration::Result<Vec<Box<dyn diesel::migration::Migration<DB>>>>,
) -> Result<BTreeSet<String>> {
    Ok(migrations
        .map_err(|error| Error::Migration(error.to_string()))?
        .iter()
        .map(|migration| migration.name().version().to_string())
        .collect())
}

/// The migration from which audit entries record the digests of the rows they write.
const ROW_DIGESTS: &str = "2026-12-07-000003";

/// Once, when a database from before row digests is migrated: one audit entry records the
/// digest of every score sheet, finding and notice as they are, so that from then on
/// `audit verify` compares every row (what was changed before cannot be told any more).
fn baseline_row_digests(conn: &mut DbConn) -> Result<()> {
    use crate::storage::{attest, audit, transaction};
    transaction(conn, |conn| {
        let rows = attest::everything(conn)?;
        let count: usize = rows.values().map(std::collections::BTreeMap::len).sum();
        if count == 0 {
            return Ok(());
        }
        audit::Change::whole("audit.baseline", "database")
            .after(attest::with_rows(
                serde_json::json!({ "rows": count }),
                &rows,
            ))
            .record(conn, &audit::Actor::cli(), crate::storage::now())
    })
}
