//! Rubric snapshots: every rubric version as the exact text it was loaded from, keyed by its
//! content hash. A snapshot is never changed or deleted; a new version is a new row.

use crate::domain::rubric::{Method, Rubric, parse_rubric};
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::rubric_snapshots;
use crate::storage::{DbConn, Error, Result, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A file in scoring-rubrics/, read at start-up.
    File,
    /// Uploaded by an administrator in the web UI.
    Upload,
}

impl Origin {
    fn code(self) -> &'static str {
        match self {
            Origin::File => "file",
            Origin::Upload => "upload",
        }
    }
}

/// A snapshot as lists show it, without its text.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rubric_snapshots)]
pub struct SnapshotSummary {
    pub content_hash: String,
    pub rubric_id: String,
    pub title: String,
    pub version: String,
    pub method: String,
    pub case_types: String,
    pub file_name: String,
    pub origin: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// Stores the rubric unless a snapshot with the same content exists; true when stored.
pub fn store(
    conn: &mut DbConn,
    actor: &Actor,
    rubric: &Rubric,
    origin: Origin,
    now: NaiveDateTime,
) -> Result<bool> {
    let hash = rubric.content_hash();
    transaction(conn, |conn| {
        let exists: i64 = rubric_snapshots::table
            .filter(rubric_snapshots::content_hash.eq(&hash))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Ok(false);
        }
        let method = match rubric.method() {
            Method::Deduction(_) => "deduction",
            Method::Indicator(_) => "indicator",
        };
        let case_types: Vec<&str> = rubric
            .case_types()
            .iter()
            .map(|case_type| case_type.code())
            .collect();
        diesel::insert_into(rubric_snapshots::table)
            .values((
                rubric_snapshots::content_hash.eq(&hash),
                rubric_snapshots::rubric_id.eq(rubric.id()),
                rubric_snapshots::title.eq(rubric.title()),
                rubric_snapshots::version.eq(rubric.version()),
                rubric_snapshots::method.eq(method),
                rubric_snapshots::case_types.eq(case_types.join(",")),
                rubric_snapshots::file_name.eq(rubric.file_name()),
                rubric_snapshots::origin.eq(origin.code()),
                rubric_snapshots::source.eq(rubric.source()),
                rubric_snapshots::created_at.eq(now),
                rubric_snapshots::created_by.eq(&actor.login),
            ))
            .execute(conn)?;
        Change::of("rubric.snapshot", "rubric", &hash)
            .after(serde_json::json!({
                "rubric_id": rubric.id(), "version": rubric.version(),
                "file_name": rubric.file_name(), "origin": origin.code(),
            }))
            .record(conn, actor, now)?;
        Ok(true)
    })
}

/// Every snapshot, newest first within each rubric id.
pub fn list(conn: &mut DbConn) -> Result<Vec<SnapshotSummary>> {
    Ok(rubric_snapshots::table
        .select(SnapshotSummary::as_select())
        .order((
            rubric_snapshots::rubric_id.asc(),
            rubric_snapshots::created_at.desc(),
        ))
        .load(conn)?)
}

/// The rubric of a snapshot, parsed again from its stored text (bit-identical to the original).
pub fn load(conn: &mut DbConn, content_hash: &str) -> Result<Rubric> {
    load_shared(conn, content_hash).map(|rubric| (*rubric).clone())
}

/// [`load`] without copying: the score form loads the rubric on every save and preview.
pub fn load_shared(conn: &mut DbConn, content_hash: &str) -> Result<std::sync::Arc<Rubric>> {
    // A snapshot never changes once stored (its key is the hash of its content), so a parsed
    // copy can be reused.
    type Parsed = std::collections::HashMap<String, std::sync::Arc<Rubric>>;
    static PARSED: std::sync::OnceLock<std::sync::Mutex<Parsed>> = std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(Default::default);
    if let Some(rubric) = parsed
        .lock()
        .ok()
        .and_then(|cache| cache.get(content_hash).cloned())
    {
        return Ok(rubric);
    }
    let rubric = std::sync::Arc::new(load_uncached(conn, content_hash)?);
    if rubric.content_hash() == content_hash
        && let Ok(mut cache) = parsed.lock()
    {
        cache.insert(content_hash.to_string(), rubric.clone());
    }
    Ok(rubric)
}

fn load_uncached(conn: &mut DbConn, content_hash: &str) -> Result<Rubric> {
    let (file_name, source): (String, String) = rubric_snapshots::table
        .filter(rubric_snapshots::content_hash.eq(content_hash))
        .select((rubric_snapshots::file_name, rubric_snapshots::source))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    parse_rubric(&file_name, &source).map_err(|errors| Error::Corrupt(errors.to_string()))
}
