//! Row digests: the audit log covers the data it describes. Every write of a score sheet, a
//! finding or a rectification notice records, in its audit entry's after-snapshot, the
//! SHA-256 of the row's content as written ([`ROW_KEY`]; a write of many rows records a map
//! under [`ROWS_KEY`]). `audit::verify` recomputes the digest of every stored row and names
//! each one whose content is not what its last audit entry recorded.
//!
//! A digest covers the content columns (ids, state, version, texts, points, numbers and
//! dates); not the created/updated times, which the audit entry itself carries. A score sheet
//! no entry speaks of must still be the empty draft it was created as (opening a form creates
//! it without an audit entry).

use crate::domain::scoring::sheet::ScoreSheet;
use crate::storage::rectification::{FindingRow, NoticeRow};
use crate::storage::schema::{findings, rectification_notices, score_sheets};
use crate::storage::sheets::SheetRow;
use crate::storage::{DbConn, Result};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The after-snapshot key of the digest of the entry's own entity.
pub const ROW_KEY: &str = "row_sha256";
/// The after-snapshot key of the digests of many rows: `{entity_type: {id: digest}}`.
pub const ROWS_KEY: &str = "rows_sha256";

/// The kinds of rows the audit log covers, by the entity type their entries carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    ScoreSheet,
    Finding,
    Notice,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::ScoreSheet, Kind::Finding, Kind::Notice];

    pub fn entity_type(self) -> &'static str {
        match self {
            Kind::ScoreSheet => "score_sheet",
            Kind::Finding => "finding",
            Kind::Notice => "rectification_notice",
        }
    }

    pub fn from_entity_type(entity_type: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.entity_type() == entity_type)
    }
}

fn digest(values: &Value) -> String {
    crate::security::sha256_hex(values.to_string().as_bytes())
}

fn date(value: Option<NaiveDate>) -> Option<String> {
    value.map(|date| date.format("%Y-%m-%d").to_string())
}

/// The content of a score sheet row, as written or as read.
#[derive(Debug, Clone, Copy)]
pub struct SheetContent<'a> {
    pub id: &'a str,
    pub round_id: &'a str,
    pub case_file_id: &'a str,
    pub reviewer_id: &'a str,
    pub rubric_hash: &'a str,
    pub state: &'a str,
    pub version: i64,
    pub answers_json: &'a str,
    pub total_tenths: Option<i32>,
    pub grade: Option<&'a str>,
    pub leader_comment: Option<&'a str>,
    pub reopen_reason: Option<&'a str>,
}

impl SheetContent<'_> {
    /// Computed from the values alone: the sheet save path records it without reading back.
    pub fn digest(&self) -> String {
        digest(&json!([
            self.id,
            self.round_id,
            self.case_file_id,
            self.reviewer_id,
            self.rubric_hash,
            self.state,
            self.version,
            self.answers_json,
            self.total_tenths,
            self.grade,
            self.leader_comment,
            self.reopen_reason,
        ]))
    }
}

/// The digest a sheet has as created on first opening (an empty draft), which needs no
/// audit entry.
fn fresh_sheet_digest(row: &SheetContent<'_>) -> Result<String> {
    let fresh = ScoreSheet::new_draft();
    let answers = serde_json::to_string(&fresh.answers)
        .map_err(|error| crate::storage::Error::Corrupt(error.to_string()))?;
    Ok(SheetContent {
        state: fresh.state.status().code(),
        version: fresh.version,
        answers_json: &answers,
        total_tenths: None,
        grade: None,
        leader_comment: None,
        reopen_reason: None,
        ..*row
    }
    .digest())
}

impl SheetRow {
    fn content(&self) -> SheetContent<'_> {
        SheetContent {
            id: &self.id,
            round_id: &self.round_id,
            case_file_id: &self.case_file_id,
            reviewer_id: &self.reviewer_id,
            rubric_hash: &self.rubric_hash,
            state: &self.state,
            version: self.version,
            answers_json: &self.answers_json,
            total_tenths: self.total_tenths,
            grade: self.grade.as_deref(),
            leader_comment: self.leader_comment.as_deref(),
            reopen_reason: self.reopen_reason.as_deref(),
        }
    }
}

impl FindingRow {
    fn digest(&self) -> String {
        digest(&json!([
            self.id,
            self.round_id,
            self.case_file_id,
            self.unit_id,
            self.item_code,
            self.item_text,
            self.handler_name,
            self.law_firm_name,
            self.points_tenths,
            self.reason,
            self.page_ref,
            self.source,
            self.severity,
            self.origin_key,
            self.state,
            self.measures,
            self.created_by,
        ]))
    }
}

impl NoticeRow {
    fn digest(&self) -> String {
        digest(&json!([
            self.id,
            self.round_id,
            self.unit_id,
            self.state,
            self.doc_number,
            self.doc_prefix,
            self.doc_year,
            self.doc_serial,
            date(self.issued_on),
            date(self.deadline),
            self.days,
            self.report,
            self.follow_up_round_id,
            self.follow_up_note,
            self.created_by,
            self.issued_code,
        ]))
    }
}

/// The digests of the given rows as they are now (inside the writer's transaction, after
/// its write), by id.
pub fn digests(conn: &mut DbConn, kind: Kind, ids: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(1000) {
        match kind {
            Kind::ScoreSheet => {
                for row in score_sheets::table
                    .filter(score_sheets::id.eq_any(chunk))
                    .select(SheetRow::as_select())
                    .load(conn)?
                {
                    let digest = row.content().digest();
                    out.insert(row.id, digest);
                }
            }
            Kind::Finding => {
                for row in findings::table
                    .filter(findings::id.eq_any(chunk))
                    .select(FindingRow::as_select())
                    .load(conn)?
                {
                    let digest = row.digest();
                    out.insert(row.id, digest);
                }
            }
            Kind::Notice => {
                for row in rectification_notices::table
                    .filter(rectification_notices::id.eq_any(chunk))
                    .select(NoticeRow::as_select())
                    .load(conn)?
                {
                    let digest = row.digest();
                    out.insert(row.id, digest);
                }
            }
        }
    }
    Ok(out)
}

/// The digest of one row as it is now (`None` if there is no such row).
pub fn digest_of(conn: &mut DbConn, kind: Kind, id: &str) -> Result<Option<String>> {
    Ok(digests(conn, kind, &[id.to_string()])?.remove(id))
}

/// `after` with the row's digest added (an object; anything else is wrapped).
pub fn with_row(after: Option<Value>, digest: Option<String>) -> Option<Value> {
    let Some(digest) = digest else {
        return after;
    };
    let mut object = match after {
        Some(Value::Object(map)) => map,
        Some(other) => {
            let mut map = serde_json::Map::new();
            map.insert("value".into(), other);
            map
        }
        None => serde_json::Map::new(),
    };
    object.insert(ROW_KEY.into(), Value::String(digest));
    Some(Value::Object(object))
}

/// `after` with the digests of many rows added, under [`ROWS_KEY`].
pub fn with_rows(after: Value, rows: &BTreeMap<Kind, BTreeMap<String, String>>) -> Value {
    let mut object = match after {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("value".into(), other);
            map
        }
    };
    let by_kind: serde_json::Map<String, Value> = rows
        .iter()
        .filter(|(_, digests)| !digests.is_empty())
        .map(|(kind, digests)| (kind.entity_type().to_string(), json!(digests)))
        .collect();
    object.insert(ROWS_KEY.into(), Value::Object(by_kind));
    Value::Object(object)
}

/// The digests an audit entry records: (kind, id, digest) for its own entity and for each
/// row it lists. Only after-snapshots that mention a digest are parsed.
pub fn recorded(
    entity_type: &str,
    entity_id: Option<&str>,
    after_json: Option<&str>,
) -> Vec<(Kind, String, String)> {
    let Some(text) = after_json.filter(|text| text.contains("_sha256")) else {
        return Vec::new();
    };
    let Ok(Value::Object(after)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(kind), Some(id), Some(Value::String(digest))) = (
        Kind::from_entity_type(entity_type),
        entity_id,
        after.get(ROW_KEY),
    ) {
        out.push((kind, id.to_string(), digest.clone()));
    }
    if let Some(Value::Object(by_kind)) = after.get(ROWS_KEY) {
        for (entity_type, rows) in by_kind {
            let (Some(kind), Value::Object(rows)) = (Kind::from_entity_type(entity_type), rows)
            else {
                continue;
            };
            for (id, digest) in rows {
                if let Value::String(digest) = digest {
                    out.push((kind, id.clone(), digest.clone()));
                }
            }
        }
    }
    out
}

/// A stored row whose content is not what the audit log recorded for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    pub kind: Kind,
    pub id: String,
    /// False: no audit entry records a digest of this row at all.
    pub recorded: bool,
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.entity_type())
    }
}

/// Compares every stored row of every kind with the digest last recorded for it; returns
/// the rows that differ, in kind and id order.
pub fn compare(
    conn: &mut DbConn,
    recorded: &BTreeMap<(Kind, String), String>,
) -> Result<Vec<Mismatch>> {
    let mut mismatches = Vec::new();
    let mut check = |kind: Kind, id: &str, actual: &str, fresh: Option<String>| {
        let expected = recorded.get(&(kind, id.to_string())).cloned().or(fresh);
        match expected {
            Some(expected) if expected == actual => {}
            expected => mismatches.push(Mismatch {
                kind,
                id: id.to_string(),
                recorded: expected.is_some(),
            }),
        }
    };
    const PAGE: i64 = 500;
    let mut after = String::new();
    loop {
        let rows: Vec<SheetRow> = score_sheets::table
            .filter(score_sheets::id.gt(&after))
            .order(score_sheets::id.asc())
            .limit(PAGE)
            .select(SheetRow::as_select())
            .load(conn)?;
        for row in &rows {
            let content = row.content();
            let fresh = if recorded.contains_key(&(Kind::ScoreSheet, content.id.to_string())) {
                None
            } else {
                Some(fresh_sheet_digest(&content)?)
            };
            check(Kind::ScoreSheet, content.id, &content.digest(), fresh);
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.id.clone(),
            _ => break,
        }
    }
    after.clear();
    loop {
        let rows: Vec<FindingRow> = findings::table
            .filter(findings::id.gt(&after))
            .order(findings::id.asc())
            .limit(PAGE)
            .select(FindingRow::as_select())
            .load(conn)?;
        for row in &rows {
            check(Kind::Finding, &row.id, &row.digest(), None);
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.id.clone(),
            _ => break,
        }
    }
    let rows: Vec<NoticeRow> = rectification_notices::table
        .order(rectification_notices::id.asc())
        .select(NoticeRow::as_select())
        .load(conn)?;
    for row in &rows {
        check(Kind::Notice, &row.id, &row.digest(), None);
    }
    Ok(mismatches)
}

/// The digests of every stored row of every kind, for the one-time baseline entry written
/// when a database from before digests were recorded is migrated.
pub fn everything(conn: &mut DbConn) -> Result<BTreeMap<Kind, BTreeMap<String, String>>> {
    let mut all = BTreeMap::new();
    for kind in Kind::ALL {
        let ids: Vec<String> = match kind {
            Kind::ScoreSheet => score_sheets::table.select(score_sheets::id).load(conn)?,
            Kind::Finding => findings::table.select(findings::id).load(conn)?,
            Kind::Notice => rectification_notices::table
                .select(rectification_notices::id)
                .load(conn)?,
        };
        all.insert(kind, digests(conn, kind, &ids)?);
    }
    Ok(all)
}
