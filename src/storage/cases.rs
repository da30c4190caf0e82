//! The case registry (案件台账) as imported from units: one row per (unit, case number).
//! Imports are all-or-nothing and idempotent: the same file twice changes nothing.

use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, UnitId};
use crate::domain::masking::{mask_id_no, mask_name, mask_phone};
use crate::domain::registry::CaseRecord;
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{case_files, units};
use crate::storage::{DbConn, Error, Result, new_id, parse_id, transaction};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::Sqlite;
use serde::Serialize;
use std::collections::HashMap;

/// A case as inserted: borrowed from the record it comes from, so writing a batch copies no
/// text.
#[derive(Insertable)]
#[diesel(table_name = case_files)]
#[diesel(treat_none_as_default_value = false)]
struct NewCase<'a> {
    id: &'a str,
    unit_id: &'a str,
    case_no: &'a str,
    recipient: &'a str,
    recipient_id_no: Option<&'a str>,
    recipient_phone: Option<&'a str>,
    handler: &'a str,
    firm: &'a str,
    case_type: &'static str,
    sub_type: Option<&'a str>,
    cause: &'a str,
    applied_at: Option<BoundDate>,
    assigned_at: Option<BoundDate>,
    closed_at: BoundDate,
    archived_at: Option<BoundDate>,
    terminated: bool,
    guilty_plea: bool,
    notified_defense: bool,
    created_at: BoundTimestamp<'a>,
    updated_at: BoundTimestamp<'a>,
}

/// A date bound as diesel binds a `NaiveDate` (PostgreSQL's native date; on SQLite the text
/// chrono's `%F` gives, `2023-04-05`), written without chrono parsing a format string for each
/// value: a 200,000-row import binds close to a million dates, and that parsing showed in
/// profiles.
#[derive(Debug, Clone, Copy, diesel::expression::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Date)]
struct BoundDate(NaiveDate);

impl ToSql<diesel::sql_types::Date, Sqlite> for BoundDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        let date = self.0;
        if !(0..=9999).contains(&date.year()) {
            return <NaiveDate as ToSql<diesel::sql_types::Date, Sqlite>>::to_sql(&self.0, out);
        }
        out.set_value(format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            date.month(),
            date.day()
        ));
        Ok(IsNull::No)
    }
}

impl ToSql<diesel::sql_types::Date, Pg> for BoundDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDate as ToSql<diesel::sql_types::Date, Pg>>::to_sql(&self.0, out)
    }
}

/// The import's one timestamp, formatted for SQLite once rather than once per row and column
/// (native on PostgreSQL).
#[derive(Debug, Clone, Copy, diesel::expression::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
struct BoundTimestamp<'a> {
    value: NaiveDateTime,
    /// `value` as diesel writes a `NaiveDateTime` into SQLite.
    sqlite_text: &'a str,
}

/// diesel's SQLite text form of a timestamp.
fn sqlite_timestamp(value: NaiveDateTime) -> String {
    value.format("%F %T%.f").to_string()
}

impl ToSql<diesel::sql_types::Timestamp, Sqlite> for BoundTimestamp<'_> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.sqlite_text);
        Ok(IsNull::No)
    }
}

impl ToSql<diesel::sql_types::Timestamp, Pg> for BoundTimestamp<'_> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<diesel::sql_types::Timestamp, Pg>>::to_sql(&self.value, out)
    }
}

/// A case file's stored fields: what an import compares, what lists and records read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = case_files)]
pub(crate) struct StoredFields {
    pub(crate) id: String,
    case_no: String,
    recipient: String,
    recipient_id_no: Option<String>,
    recipient_phone: Option<String>,
    handler: String,
    firm: String,
    case_type: String,
    sub_type: Option<String>,
    cause: String,
    applied_at: Option<NaiveDate>,
    assigned_at: Option<NaiveDate>,
    closed_at: NaiveDate,
    archived_at: Option<NaiveDate>,
    terminated: bool,
    guilty_plea: bool,
    notified_defense: bool,
}

impl StoredFields {
    fn matches(&self, record: &CaseRecord) -> bool {
        self.recipient == record.recipient
            && self.recipient_id_no == record.recipient_id_no
            && self.recipient_phone == record.recipient_phone
            && self.handler == record.handler
            && self.firm == record.firm
            && self.case_type == record.case_type.code()
            && self.sub_type == record.sub_type
            && self.cause == record.cause
            && self.applied_at == record.applied_at
            && self.assigned_at == record.assigned_at
            && self.closed_at == record.closed_at
            && self.archived_at == record.archived_at
            && self.terminated == record.terminated
            && self.guilty_plea == record.guilty_plea
            && self.notified_defense == record.notified_defense
    }
}

/// What an import would do (preview) or did (commit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// A record with the unit it was resolved to.
pub struct ResolvedCase<'a> {
    pub unit_id: UnitId,
    pub record: &'a CaseRecord,
}

/// The stored cases with the keys of `cases` (at most [`BATCH`] of them), by (unit id, case
/// number): one query per unit.
fn existing_for_keys<'c>(
    conn: &mut DbConn,
    cases: &[ResolvedCase<'c>],
) -> Result<HashMap<(UnitId, &'c str), StoredFields>> {
    let mut by_unit: Vec<(UnitId, Vec<&'c str>)> = Vec::new();
    for case in cases {
        match by_unit.iter_mut().find(|(unit, _)| *unit == case.unit_id) {
            Some((_, numbers)) => numbers.push(case.record.case_no.as_str()),
            None => by_unit.push((case.unit_id, vec![case.record.case_no.as_str()])),
        }
    }
    let mut existing = HashMap::new();
    for (unit, numbers) in by_unit {
        let rows: Vec<StoredFields> = case_files::table
            .filter(case_files::unit_id.eq(unit.to_string()))
            .filter(case_files::case_no.eq_any(&numbers))
            .select(StoredFields::as_select())
            .load(conn)?;
        for fields in rows {
            if let Some(number) = numbers.iter().find(|number| **number == fields.case_no) {
                existing.insert((unit, *number), fields);
            }
        }
    }
    Ok(existing)
}

/// Counts what committing would do, without changing anything.
pub fn preview(conn: &mut DbConn, cases: &[ResolvedCase<'_>]) -> Result<ImportCounts> {
    let mut counts = ImportCounts::default();
    for chunk in cases.chunks(BATCH) {
        let existing = existing_for_keys(conn, chunk)?;
        for case in chunk {
            match existing.get(&(case.unit_id, case.record.case_no.as_str())) {
                None => counts.new += 1,
                Some(stored) if stored.matches(case.record) => counts.unchanged += 1,
                Some(_) => counts.changed += 1,
            }
        }
    }
    Ok(counts)
}

fn new_case<'a>(
    id: &'a str,
    unit_id: &'a str,
    record: &'a CaseRecord,
    now: BoundTimestamp<'a>,
) -> NewCase<'a> {
    NewCase {
        id,
        unit_id,
        case_no: &record.case_no,
        recipient: &record.recipient,
        recipient_id_no: record.recipient_id_no.as_deref(),
        recipient_phone: record.recipient_phone.as_deref(),
        handler: &record.handler,
        firm: &record.firm,
        case_type: record.case_type.code(),
        sub_type: record.sub_type.as_deref(),
        cause: &record.cause,
        applied_at: record.applied_at.map(BoundDate),
        assigned_at: record.assigned_at.map(BoundDate),
        closed_at: BoundDate(record.closed_at),
        archived_at: record.archived_at.map(BoundDate),
        terminated: record.terminated,
        guilty_plea: record.guilty_plea,
        notified_defense: record.notified_defense,
        created_at: now,
        updated_at: now,
    }
}

/// Rows per INSERT: 20 columns × 500 stays under both backends' parameter limits.
const BATCH: usize = 500;

/// Writes an import in one transaction: new cases inserted, changed ones updated (each change
/// audited with before and after), identical ones left alone. `progress` is told how many
/// records are done after each batch.
pub fn commit(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    cases: &[ResolvedCase<'_>],
    now: NaiveDateTime,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportCounts> {
    transaction(conn, |conn| {
        let mut writer = Writer::new(actor, now);
        for chunk in cases.chunks(BATCH) {
            writer.write(conn, chunk)?;
            progress(writer.written());
        }
        writer.finish(conn, file_name)
    })
}

/// Writes an import batch by batch, inside a transaction the caller holds (so a problem found
/// later can still roll everything back). Each batch is inserted at once, skipping the keys
/// already stored (`ON CONFLICT (unit_id, case_no) DO NOTHING`, on both backends); only when
/// some were skipped are the stored cases of that batch read, in one query per unit, and
/// compared: changed ones are updated and audited, identical ones left alone. So a new registry
/// costs one statement per batch and no read. A case number must not come twice in one import
/// (the registry parser refuses that).
pub struct Writer<'a> {
    actor: &'a Actor,
    now: NaiveDateTime,
    now_sqlite: String,
    unit_ids: HashMap<UnitId, String>,
    counts: ImportCounts,
}

impl<'a> Writer<'a> {
    pub fn new(actor: &'a Actor, now: NaiveDateTime) -> Self {
        Writer {
            actor,
            now,
            now_sqlite: sqlite_timestamp(now),
            unit_ids: HashMap::new(),
            counts: ImportCounts::default(),
        }
    }

    /// Records written (or found unchanged) so far.
    pub fn written(&self) -> usize {
        self.counts.new + self.counts.changed + self.counts.unchanged
    }

    pub fn write(&mut self, conn: &mut DbConn, cases: &[ResolvedCase<'_>]) -> Result<()> {
        for chunk in cases.chunks(BATCH) {
            for case in chunk {
                self.unit_ids
                    .entry(case.unit_id)
                    .or_insert_with(|| case.unit_id.to_string());
            }
            let ids: Vec<String> = chunk.iter().map(|_| new_id().to_string()).collect();
            let now = BoundTimestamp {
                value: self.now,
                sqlite_text: &self.now_sqlite,
            };
            let rows: Vec<NewCase<'_>> = chunk
                .iter()
                .zip(&ids)
                .map(|(case, id)| {
                    let unit_id = self.unit_ids.get(&case.unit_id).map_or("", String::as_str);
                    new_case(id, unit_id, case.record, now)
                })
                .collect();
            let inserted = insert_new(conn, rows)?;
            self.counts.new += inserted;
            if inserted == chunk.len() {
                continue;
            }
            // Some keys were stored already: compare those with the file.
            let existing = existing_for_keys(conn, chunk)?;
            for (case, id) in chunk.iter().zip(&ids) {
                let Some(stored) = existing.get(&(case.unit_id, case.record.case_no.as_str()))
                else {
                    return Err(Error::Corrupt(format!(
                        "case {} neither inserted nor stored",
                        case.record.case_no
                    )));
                };
                if stored.id == *id {
                    continue;
                }
                if stored.matches(case.record) {
                    self.counts.unchanged += 1;
                } else {
                    update_case(conn, self.actor, stored, case.record, self.now)?;
                    self.counts.changed += 1;
                }
            }
        }
        Ok(())
    }

    /// Audits the import as a whole; the caller then commits its transaction.
    pub fn finish(self, conn: &mut DbConn, file_name: &str) -> Result<ImportCounts> {
        Change::whole("cases.import", "case_registry")
            .after(serde_json::json!({ "file": file_name, "counts": self.counts }))
            .record(conn, self.actor, self.now)?;
        Ok(self.counts)
    }
}

/// Inserts the rows whose (unit, case number) is not stored yet; returns how many were. A full
/// batch goes through one cached prepared statement (a fixed-size array has a static query
/// id), a shorter one through a statement prepared for it. Batch inserts are not available
/// through the MultiConnection, so the statement is written per backend.
fn insert_new(conn: &mut DbConn, rows: Vec<NewCase<'_>>) -> Result<usize> {
    macro_rules! insert {
        ($conn:expr, $values:expr) => {
            diesel::insert_into(case_files::table)
                .values($values)
                .on_conflict((case_files::unit_id, case_files::case_no))
                .do_nothing()
                .execute($conn)?
        };
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let inserted = match <Box<[NewCase<'_>; BATCH]>>::try_from(rows.into_boxed_slice()) {
        Ok(full) => match conn {
            DbConn::Sqlite(sqlite) => insert!(sqlite, &*full),
            DbConn::Pg(pg) => insert!(pg, &*full),
        },
        Err(rows) => match conn {
            DbConn::Sqlite(sqlite) => insert!(sqlite, &*rows),
            DbConn::Pg(pg) => insert!(pg, &*rows),
        },
    };
    Ok(inserted)
}

fn masked_fields(fields: &StoredFields) -> serde_json::Value {
    serde_json::json!({
        "recipient": mask_name(&fields.recipient, false).to_string(),
        "handler": fields.handler, "firm": fields.firm, "case_type": fields.case_type,
        "sub_type": fields.sub_type, "cause": fields.cause, "applied_at": fields.applied_at,
        "assigned_at": fields.assigned_at, "closed_at": fields.closed_at,
        "archived_at": fields.archived_at, "terminated": fields.terminated,
        "guilty_plea": fields.guilty_plea, "notified_defense": fields.notified_defense,
    })
}

fn update_case(
    conn: &mut DbConn,
    actor: &Actor,
    stored: &StoredFields,
    record: &CaseRecord,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(case_files::table.filter(case_files::id.eq(&stored.id)))
        .set((
            case_files::recipient.eq(&record.recipient),
            case_files::recipient_id_no.eq(&record.recipient_id_no),
            case_files::recipient_phone.eq(&record.recipient_phone),
            case_files::handler.eq(&record.handler),
            case_files::firm.eq(&record.firm),
            case_files::case_type.eq(record.case_type.code()),
            case_files::sub_type.eq(&record.sub_type),
            case_files::cause.eq(&record.cause),
            case_files::applied_at.eq(record.applied_at),
            case_files::assigned_at.eq(record.assigned_at),
            case_files::closed_at.eq(record.closed_at),
            case_files::archived_at.eq(record.archived_at),
            case_files::terminated.eq(record.terminated),
            case_files::guilty_plea.eq(record.guilty_plea),
            case_files::notified_defense.eq(record.notified_defense),
            case_files::updated_at.eq(now),
        ))
        .execute(conn)?;
    let after = StoredFields {
        id: stored.id.clone(),
        case_no: stored.case_no.clone(),
        recipient: record.recipient.clone(),
        recipient_id_no: record.recipient_id_no.clone(),
        recipient_phone: record.recipient_phone.clone(),
        handler: record.handler.clone(),
        firm: record.firm.clone(),
        case_type: record.case_type.code().to_string(),
        sub_type: record.sub_type.clone(),
        cause: record.cause.clone(),
        applied_at: record.applied_at,
        assigned_at: record.assigned_at,
        closed_at: record.closed_at,
        archived_at: record.archived_at,
        terminated: record.terminated,
        guilty_plea: record.guilty_plea,
        notified_defense: record.notified_defense,
    };
    Change::of("case.update", "case_file", &stored.id)
        .before(masked_fields(stored))
        .after(masked_fields(&after))
        .record(conn, actor, now)
}

/// Cases closed within a period: a round's population.
pub fn count_in_period(conn: &mut DbConn, start: NaiveDate, end: NaiveDate) -> Result<usize> {
    let count: i64 = case_files::table
        .filter(case_files::closed_at.between(start, end))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// A case file as lists show it: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: String,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub case_no: String,
    pub recipient: String,
    pub recipient_id_no: Option<String>,
    pub recipient_phone: Option<String>,
    pub handler: String,
    pub firm: String,
    pub case_type: &'static str,
    pub case_type_label: &'static str,
    pub sub_type: Option<String>,
    pub cause: String,
    pub assigned_at: Option<NaiveDate>,
    pub closed_at: NaiveDate,
    pub archived_at: Option<NaiveDate>,
    pub terminated: bool,
    pub guilty_plea: bool,
}

/// The masked list view of a stored case.
fn to_view(
    fields: StoredFields,
    unit_id: String,
    unit_code: String,
    unit_name: String,
) -> Result<CaseView> {
    let case_type: CaseType = fields
        .case_type
        .parse()
        .map_err(|_| Error::Corrupt(format!("case type {}", fields.case_type)))?;
    Ok(CaseView {
        id: fields.id,
        unit_id,
        unit_code,
        unit_name,
        case_no: fields.case_no,
        recipient: mask_name(&fields.recipient, false).to_string(),
        recipient_id_no: fields
            .recipient_id_no
            .as_deref()
            .map(|id_no| mask_id_no(id_no).to_string()),
        recipient_phone: fields
            .recipient_phone
            .as_deref()
            .map(|phone| mask_phone(phone).to_string()),
        handler: fields.handler,
        firm: fields.firm,
        case_type: case_type.code(),
        case_type_label: case_type.label(),
        sub_type: fields.sub_type,
        cause: fields.cause,
        assigned_at: fields.assigned_at,
        closed_at: fields.closed_at,
        archived_at: fields.archived_at,
        terminated: fields.terminated,
        guilty_plea: fields.guilty_plea,
    })
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub ids: Option<Vec<CaseFileId>>,
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub unit: Option<UnitId>,
}

/// Cases the scope allows, masked, in unit and case-number order.
pub fn list(
    conn: &mut DbConn,
    scope: UnitScope,
    filter: &CaseFilter,
    limit: Option<i64>,
) -> Result<Vec<CaseView>> {
    let mut query = case_files::table
        .inner_join(units::table)
        .select((
            StoredFields::as_select(),
            case_files::unit_id,
            units::code,
            units::name,
        ))
        .into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query.filter(case_files::unit_id.eq(own.to_string()));
    }
    if let Some(unit) = filter.unit {
        query = query.filter(case_files::unit_id.eq(unit.to_string()));
    }
    if let Some((start, end)) = filter.period {
        query = query.filter(case_files::closed_at.between(start, end));
    }
    if let Some(ids) = &filter.ids {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        query = query.filter(case_files::id.eq_any(ids));
    }
    query = query.order((units::code.asc(), case_files::case_no.asc()));
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query
        .load::<(StoredFields, String, String, String)>(conn)?
        .into_iter()
        .map(|(fields, unit_id, unit_code, unit_name)| {
            to_view(fields, unit_id, unit_code, unit_name)
        })
        .collect()
}

/// The facts sampling needs about each case of a period.
pub struct CandidateRow {
    pub id: CaseFileId,
    pub unit_code: String,
    pub case_no: String,
    pub case_type: CaseType,
    pub sub_type: Option<String>,
    pub archived_at: Option<NaiveDate>,
    pub terminated: bool,
    pub guilty_plea: bool,
}

/// The case file columns sampling reads (the unit code comes from the join).
#[derive(Queryable, Selectable)]
#[diesel(table_name = case_files)]
struct CandidateColumns {
    id: String,
    case_no: String,
    case_type: String,
    sub_type: Option<String>,
    archived_at: Option<NaiveDate>,
    terminated: bool,
    guilty_plea: bool,
}

impl CandidateColumns {
    fn into_candidate(self, unit_code: String) -> Result<CandidateRow> {
        let case_type = self.case_type;
        Ok(CandidateRow {
            id: parse_id(&self.id)?,
            unit_code,
            case_no: self.case_no,
            case_type: case_type
                .parse()
                .map_err(|_| Error::Corrupt(format!("case type {case_type}")))?,
            sub_type: self.sub_type,
            archived_at: self.archived_at,
            terminated: self.terminated,
            guilty_plea: self.guilty_plea,
        })
    }
}

/// Candidate facts for cases closed in a period, or for the given ids (a frozen list, read in
/// chunks to stay under the backends' parameter limits).
pub fn candidates(
    conn: &mut DbConn,
    period: Option<(NaiveDate, NaiveDate)>,
    ids: Option<&[String]>,
) -> Result<Vec<CandidateRow>> {
    let rows: Vec<(CandidateColumns, String)> = match (ids, period) {
        (Some(ids), _) => {
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(BATCH) {
                rows.extend(
                    case_files::table
                        .inner_join(units::table)
                        .select((CandidateColumns::as_select(), units::code))
                        .filter(case_files::id.eq_any(chunk))
                        .load::<(CandidateColumns, String)>(conn)?,
                );
            }
            rows
        }
        (None, Some((start, end))) => case_files::table
            .inner_join(units::table)
            .select((CandidateColumns::as_select(), units::code))
            .filter(case_files::closed_at.between(start, end))
            .load(conn)?,
        (None, None) => case_files::table
            .inner_join(units::table)
            .select((CandidateColumns::as_select(), units::code))
            .load(conn)?,
    };
    rows.into_iter()
        .map(|(columns, unit_code)| columns.into_candidate(unit_code))
        .collect()
}

/// Unmasked records with their ids, for exports that mask on their own terms.
pub fn records(
    conn: &mut DbConn,
    scope: UnitScope,
    filter: &CaseFilter,
) -> Result<Vec<(CaseFileId, CaseRecord)>> {
    let mut query = case_files::table
        .inner_join(units::table)
        .select((case_files::id, units::code, StoredFields::as_select()))
        .into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query.filter(case_files::unit_id.eq(own.to_string()));
    }
    if let Some(unit) = filter.unit {
        query = query.filter(case_files::unit_id.eq(unit.to_string()));
    }
    if let Some((start, end)) = filter.period {
        query = query.filter(case_files::closed_at.between(start, end));
    }
    if let Some(ids) = &filter.ids {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        query = query.filter(case_files::id.eq_any(ids));
    }
    let rows: Vec<(String, String, StoredFields)> = query
        .order((units::code.asc(), case_files::case_no.asc()))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, unit_code, fields)| Ok((parse_id(&id)?, to_record(unit_code, fields)?)))
        .collect()
}

/// One file's registry record, by id (a statement SQLite keeps prepared: the score form reads
/// it on every request).
pub fn record(conn: &mut DbConn, id: CaseFileId) -> Result<Option<CaseRecord>> {
    let row: Option<(String, StoredFields)> = case_files::table
        .inner_join(units::table)
        .filter(case_files::id.eq(id.to_string()))
        .select((units::code, StoredFields::as_select()))
        .first(conn)
        .optional()?;
    row.map(|(unit_code, fields)| to_record(unit_code, fields))
        .transpose()
}

pub(crate) fn to_record(unit_code: String, fields: StoredFields) -> Result<CaseRecord> {
    let case_type = fields
        .case_type
        .parse()
        .map_err(|_| Error::Corrupt(format!("case type {}", fields.case_type)))?;
    Ok(CaseRecord {
        unit: unit_code,
        case_no: fields.case_no,
        recipient: fields.recipient,
        recipient_id_no: fields.recipient_id_no,
        recipient_phone: fields.recipient_phone,
        handler: fields.handler,
        firm: fields.firm,
        case_type,
        sub_type: fields.sub_type,
        cause: fields.cause,
        applied_at: fields.applied_at,
        assigned_at: fields.assigned_at,
        closed_at: fields.closed_at,
        archived_at: fields.archived_at,
        terminated: fields.terminated,
        guilty_plea: fields.guilty_plea,
        notified_defense: fields.notified_defense,
    })
}

/// The case type of each of these files (files not found are left out).
pub fn case_types_of(
    conn: &mut DbConn,
    files: &[CaseFileId],
) -> Result<std::collections::BTreeMap<CaseFileId, CaseType>> {
    let ids: Vec<String> = files.iter().map(ToString::to_string).collect();
    let mut types = std::collections::BTreeMap::new();
    for chunk in ids.chunks(5000) {
        let found: Vec<(String, String)> = case_files::table
            .filter(case_files::id.eq_any(chunk))
            .select((case_files::id, case_files::case_type))
            .load(conn)?;
        for (id, case_type) in found {
            let case_type = case_type
                .parse()
                .map_err(|_| Error::Corrupt(format!("case type {case_type}")))?;
            types.insert(parse_id(&id)?, case_type);
        }
    }
    Ok(types)
}
