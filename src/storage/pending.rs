//! Uploaded files awaiting the administrator's confirmation (the preview step of an import).
//! The bytes are kept so the commit re-validates exactly what was previewed.

use crate::domain::ids::{ImportId, RoundId, UnitId};
use crate::storage::schema::pending_imports;
use crate::storage::{DbConn, Error, Result, new_id, parse_id};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// An upload waiting to be committed.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: ImportId,
    pub kind: String,
    pub round_id: Option<RoundId>,
    pub default_unit_id: Option<UnitId>,
    pub file_name: String,
    pub file_sha256: String,
    pub content: Vec<u8>,
    pub created_by: String,
}

/// How long an unconfirmed upload is kept.
pub const KEEP_HOURS: i64 = 24;

#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConn,
    kind: &str,
    round_id: Option<RoundId>,
    default_unit_id: Option<UnitId>,
    file_name: &str,
    content: &[u8],
    created_by: &str,
    now: NaiveDateTime,
) -> Result<ImportId> {
    diesel::delete(
        pending_imports::table
            .filter(pending_imports::created_at.lt(now - Duration::hours(KEEP_HOURS))),
    )
    .execute(conn)?;
    let id = ImportId(new_id());
    diesel::insert_into(pending_imports::table)
        .values((
            pending_imports::id.eq(id.to_string()),
            pending_imports::kind.eq(kind),
            pending_imports::round_id.eq(round_id.map(|round| round.to_string())),
            pending_imports::default_unit_id.eq(default_unit_id.map(|unit| unit.to_string())),
            pending_imports::file_name.eq(file_name),
            pending_imports::file_sha256.eq(crate::security::sha256_hex(content)),
            pending_imports::content.eq(content),
            pending_imports::created_at.eq(now),
            pending_imports::created_by.eq(created_by),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A pending import's row as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = pending_imports)]
struct PendingRow {
    id: String,
    kind: String,
    round_id: Option<String>,
    default_unit_id: Option<String>,
    file_name: String,
    file_sha256: String,
    content: Vec<u8>,
    created_by: String,
}

pub fn find(conn: &mut DbConn, id: ImportId) -> Result<Pending> {
    let row: PendingRow = pending_imports::table
        .filter(pending_imports::id.eq(id.to_string()))
        .select(PendingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let PendingRow {
        id,
        kind,
        round_id,
        default_unit_id,
        file_name,
        file_sha256,
        content,
        created_by,
    } = row;
    Ok(Pending {
        id: parse_id(&id)?,
        kind,
        round_id: round_id.as_deref().map(parse_id).transpose()?,
        default_unit_id: default_unit_id.as_deref().map(parse_id).transpose()?,
        file_name,
        file_sha256,
        content,
        created_by,
    })
}

pub fn delete(conn: &mut DbConn, id: ImportId) -> Result<()> {
    diesel::delete(pending_imports::table.filter(pending_imports::id.eq(id.to_string())))
        .execute(conn)?;
    Ok(())
}
