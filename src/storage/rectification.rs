//! Findings and rectification notices (整改): findings derived from the submitted sheets of a
//! round (idempotently) or added by hand, one notice per inspected unit and round, numbers
//! from a per-bureau, per-year sequence that never repeats, every state change with its
//! history line, the unit's measures and evidence. Every query serving a center manager
//! takes a `UnitScope`; a record of another unit is `OutOfScope`.

use crate::domain::UnitScope;
use crate::domain::doc_number::{DocNumberError, DocNumberFormat};
use crate::domain::evidence::EvidenceKind;
use crate::domain::findings::{self, Finding, FindingSource, Severity};
use crate::domain::ids::{CaseFileId, FindingId, NoticeId, RoundId, UnitId};
use crate::domain::people::{Account, Role};
use crate::domain::rectification::{
    Action, ActionKind, RectificationState, Subject, Transition, TransitionContext, TransitionError,
};
use crate::domain::round_actions::RoundAction;
use crate::domain::rubric::{GradeLevel, Points};
use crate::domain::scoring::ScoreResult;
use crate::domain::text_limits::{TextError, TextField};
use crate::storage::attest;
use crate::storage::audit::{Actor, Change};
use crate::storage::notifications::{self, Audience, Kind};
use crate::storage::rounds::Round;
use crate::storage::schema::{
    bureau_settings, case_files, doc_number_sequences, evidence_files, findings as findings_table,
    notice_findings, rectification_notices, rectification_transitions, review_rounds, units,
};
use crate::storage::{DbConn, Error, Result, new_id, parse_id, results, transaction};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

fn state_of(code: &str) -> Result<RectificationState> {
    code.parse().map_err(corrupt)
}

// ---------------------------------------------------------------------------------------
// Bureau settings

/// What the bureau sets once for all its notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BureauSettings {
    /// 发文机关, e.g. 银川市司法局
    pub bureau_name: String,
    /// 机关代字 of the document numbers, e.g. 银司法评
    pub doc_prefix: String,
    /// 联系人及电话, printed as the note of a notice; may be empty.
    pub contact: String,
}

pub fn settings(conn: &mut DbConn) -> Result<BureauSettings> {
    let (bureau_name, doc_prefix, contact) = bureau_settings::table
        .select((
            bureau_settings::bureau_name,
            bureau_settings::doc_prefix,
            bureau_settings::contact,
        ))
        .first::<(String, String, String)>(conn)?;
    Ok(BureauSettings {
        bureau_name,
        doc_prefix,
        contact,
    })
}

/// Who the migration names as the author of the seeded settings row: settings still by this
/// author were never saved by the bureau.
const SEEDED_BY: &str = "migration";

/// The bureau name as saved on the settings page, `None` while the seeded row is untouched.
pub fn saved_bureau_name(conn: &mut DbConn) -> Result<Option<String>> {
    Ok(bureau_settings::table
        .filter(bureau_settings::updated_by.ne(SEEDED_BY))
        .select(bureau_settings::bureau_name)
        .first::<String>(conn)
        .optional()?)
}

/// Saves the settings; the prefix is checked by the caller with `DocNumberFormat::new`.
pub fn save_settings(
    conn: &mut DbConn,
    actor: &Actor,
    new: &BureauSettings,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let before = settings(conn)?;
        diesel::update(bureau_settings::table)
            .set((
                bureau_settings::bureau_name.eq(&new.bureau_name),
                bureau_settings::doc_prefix.eq(&new.doc_prefix),
                bureau_settings::contact.eq(&new.contact),
                bureau_settings::updated_at.eq(now),
                bureau_settings::updated_by.eq(&actor.login),
            ))
            .execute(conn)?;
        Change::whole("bureau.settings", "bureau_settings")
            .before(serde_json::to_value(&before).ok())
            .after(serde_json::to_value(new).ok())
            .record(conn, actor, now)
    })
}

// ---------------------------------------------------------------------------------------
// Findings

/// A stored finding with where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFinding {
    pub finding: Finding,
    pub state: RectificationState,
    pub measures: String,
    pub case_no: String,
    pub unit_name: String,
    pub notice_id: Option<NoticeId>,
    /// Why the notice carries it (labels), when it is on one.
    pub reasons: Option<String>,
    /// The unit's objection (异议) to it, if any.
    pub objection: Option<FindingObjection>,
}

impl StoredFinding {
    /// Withdrawn by a decided objection (撤销): closed, nothing left to rectify.
    pub fn withdrawn(&self) -> bool {
        self.objection
            .as_ref()
            .is_some_and(|objection| objection.withdrawn)
    }
}

/// What an objection to a finding means for the notice.
#[derive(Debug, Clone, Serialize)]
pub struct FindingObjection {
    pub id: crate::domain::ids::ObjectionId,
    pub state: crate::domain::objection::ObjectionState,
    pub open: bool,
    /// A 撤销: the deduction no longer stands.
    pub withdrawn: bool,
    pub old_points: Points,
    pub new_points: Option<Points>,
    pub days_open: i64,
    /// 异议处理中 / 异议已裁决：维持 / … as the notice shows it.
    pub label: String,
}

/// A finding's own columns, as a stored finding shows them and its digest covers them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::findings)]
pub(crate) struct FindingRow {
    pub(crate) id: String,
    pub(crate) round_id: String,
    pub(crate) case_file_id: String,
    pub(crate) unit_id: String,
    pub(crate) item_code: String,
    pub(crate) item_text: String,
    pub(crate) handler_name: String,
    pub(crate) law_firm_name: Option<String>,
    pub(crate) points_tenths: i32,
    pub(crate) reason: String,
    pub(crate) page_ref: Option<String>,
    pub(crate) source: String,
    pub(crate) severity: String,
    pub(crate) origin_key: Option<String>,
    pub(crate) state: String,
    pub(crate) measures: String,
    pub(crate) created_by: String,
}

/// A finding with its file's case number, its unit's name and, when it is on a notice, the
/// notice and the reasons it carries it.
type FindingJoin = (FindingRow, String, String, (Option<String>, Option<String>));

fn to_finding(join: FindingJoin) -> Result<StoredFinding> {
    let (row, case_no, unit_name, (notice_id, reasons)) = join;
    Ok(StoredFinding {
        finding: Finding {
            id: parse_id(&row.id)?,
            round_id: parse_id(&row.round_id)?,
            case_file_id: parse_id(&row.case_file_id)?,
            unit_id: parse_id(&row.unit_id)?,
            item_code: row.item_code,
            item_text: row.item_text,
            handler_name: row.handler_name,
            law_firm_name: row.law_firm_name,
            points_deducted: Points::from_tenths(row.points_tenths),
            reason: row.reason,
            page_ref: row.page_ref,
            source: row.source.parse().map_err(corrupt)?,
            severity: row.severity.parse().map_err(corrupt)?,
        },
        state: state_of(&row.state)?,
        measures: row.measures,
        case_no,
        unit_name,
        notice_id: notice_id.map(|id| parse_id(&id)).transpose()?,
        reasons,
        objection: None,
    })
}

/// Which findings to list. A finding withdrawn by objection (撤销) is closed: it is left out
/// (of counts, reports, what a notice waits for) unless `include_withdrawn` asks for it, as
/// the finding's own page and its notice's list do to say that it was withdrawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingFilter {
    pub round: Option<RoundId>,
    pub unit: Option<UnitId>,
    pub notice: Option<NoticeId>,
    pub id: Option<FindingId>,
    pub include_withdrawn: bool,
}

/// Findings the scope allows, by unit, file and item.
pub fn list_findings(
    conn: &mut DbConn,
    scope: UnitScope,
    filter: FindingFilter,
) -> Result<Vec<StoredFinding>> {
    let mut query = findings_table::table
        .inner_join(case_files::table)
        .inner_join(units::table)
        .left_join(notice_findings::table)
        .select((
            FindingRow::as_select(),
            case_files::case_no,
            units::name,
            (
                notice_findings::notice_id.nullable(),
                notice_findings::reasons.nullable(),
            ),
        ))
        .into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query.filter(findings_table::unit_id.eq(own.to_string()));
    }
    if let Some(round) = filter.round {
        query = query.filter(findings_table::round_id.eq(round.to_string()));
    }
    if let Some(unit) = filter.unit {
        query = query.filter(findings_table::unit_id.eq(unit.to_string()));
    }
    if let Some(notice) = filter.notice {
        query = query.filter(notice_findings::notice_id.eq(notice.to_string()));
    }
    if let Some(id) = filter.id {
        query = query.filter(findings_table::id.eq(id.to_string()));
    }
    let rows: Vec<FindingJoin> = query
        .order((
            units::code.asc(),
            case_files::case_no.asc(),
            findings_table::item_code.asc(),
            findings_table::id.asc(),
        ))
        .load(conn)?;
    let mut found: Vec<StoredFinding> = rows.into_iter().map(to_finding).collect::<Result<_>>()?;
    let ids: Vec<FindingId> = found.iter().map(|stored| stored.finding.id).collect();
    let mut objections =
        crate::storage::objections::by_finding(conn, &ids, crate::storage::today())?;
    for stored in &mut found {
        stored.objection = objections
            .remove(&stored.finding.id)
            .map(|objection| finding_objection(&objection));
    }
    if !filter.include_withdrawn {
        found.retain(|stored| !stored.withdrawn());
    }
    Ok(found)
}

fn finding_objection(objection: &crate::storage::objections::StoredObjection) -> FindingObjection {
    use crate::domain::objection::ObjectionState as O;
    let label = crate::domain::rectification::objection_label(
        objection.state,
        objection.old_points,
        objection.new_points,
    );
    FindingObjection {
        id: objection.id,
        state: objection.state,
        open: objection.open,
        withdrawn: objection.state == O::Withdrawn,
        old_points: objection.old_points,
        new_points: objection.new_points,
        days_open: objection.age_days,
        label,
    }
}

/// One finding; `OutOfScope` when it belongs to another unit than the caller's.
pub fn finding(conn: &mut DbConn, scope: UnitScope, id: FindingId) -> Result<StoredFinding> {
    let found = list_findings(
        conn,
        UnitScope::All,
        FindingFilter {
            id: Some(id),
            include_withdrawn: true,
            ..Default::default()
        },
    )?
    .into_iter()
    .next()
    .ok_or(Error::NotFound)?;
    if !scope.allows(found.finding.unit_id) {
        return Err(Error::OutOfScope);
    }
    Ok(found)
}

/// The digest of a finding row as it is now, for the audit entry of a write to it.
fn finding_digest(conn: &mut DbConn, id: FindingId) -> Result<Option<String>> {
    attest::digest_of(conn, attest::Kind::Finding, &id.to_string())
}

/// The digest of a notice row as it is now, for the audit entry of a write to it.
fn notice_digest(conn: &mut DbConn, id: NoticeId) -> Result<Option<String>> {
    attest::digest_of(conn, attest::Kind::Notice, &id.to_string())
}

/// The verification code of the PDF stored when the notice was issued (`None` for a draft,
/// or a notice numbered by a version that did not keep the PDF).
pub fn issued_code(conn: &mut DbConn, id: NoticeId) -> Result<Option<String>> {
    Ok(rectification_notices::table
        .find(id.to_string())
        .select(rectification_notices::issued_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The number of the version a corrected notice replaces (`None` for a first issue).
pub fn corrects_number(conn: &mut DbConn, id: NoticeId) -> Result<Option<String>> {
    Ok(rectification_notices::table
        .find(id.to_string())
        .select(rectification_notices::corrects_number)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// 更正: an issued notice whose findings changed (an objection decided) gets a new number
/// from the bureau's sequence and today's date, and names the number it replaces; its
/// deadline, state and findings stay. Returns the notice and the replaced number. The caller
/// issues the new version's PDF in the same transaction (`app::issuing::correct_notice`).
pub fn renumber(
    conn: &mut DbConn,
    caller: &Caller,
    notice_id: NoticeId,
    today: NaiveDate,
    now: NaiveDateTime,
) -> std::result::Result<(Notice, String), ActError> {
    transaction(conn, |conn| {
        let current = notice(conn, UnitScope::All, notice_id)?;
        crate::storage::rounds::require(conn, current.round_id, RoundAction::IssueNotice)?;
        let old_number = match (&current.doc_number, current.state) {
            (
                Some(number),
                RectificationState::Issued
                | RectificationState::InProgress
                | RectificationState::Returned
                | RectificationState::Submitted,
            ) => number.clone(),
            (_, state) => return Err(ActError::Refused(Refusal::CorrectionNotOpen(state))),
        };
        let bureau = settings(conn)?;
        let format = DocNumberFormat::new(&bureau.doc_prefix)?;
        let year = today.year();
        let serial = next_serial(conn, format.prefix(), year)?;
        let number = format.number(year, u32::try_from(serial).map_err(corrupt)?)?;
        let updated = diesel::update(
            rectification_notices::table
                .filter(rectification_notices::id.eq(notice_id.to_string()))
                .filter(rectification_notices::doc_number.eq(&old_number)),
        )
        .set((
            rectification_notices::doc_number.eq(number.to_string()),
            rectification_notices::doc_prefix.eq(format.prefix()),
            rectification_notices::doc_year.eq(year),
            rectification_notices::doc_serial.eq(serial),
            rectification_notices::issued_on.eq(today),
            rectification_notices::corrects_number.eq(&old_number),
            rectification_notices::updated_at.eq(now),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(ActError::Refused(Refusal::NoticeChanged));
        }
        let digest = notice_digest(conn, notice_id)?;
        Change::of("notice.correct", "rectification_notice", notice_id)
            .before(serde_json::json!({ "doc_number": old_number }))
            .after(attest::with_row(
                Some(serde_json::json!({
                    "doc_number": number.to_string(), "issued_on": today,
                })),
                digest,
            ))
            .record(conn, &caller.actor, now)?;
        let message = Told::NoticeCorrected {
            bureau: bureau.bureau_name.clone(),
            old_number: old_number.clone(),
            number: number.to_string(),
        }
        .to_string();
        notifications::notify(
            conn,
            Audience::Unit(current.unit_id),
            Kind::NoticeIssued,
            notice_id,
            &message,
            now,
        )?;
        Ok((notice(conn, UnitScope::All, notice_id)?, old_number))
    })
}

/// Ties the notice to the PDF issued for it (its exact bytes are in `issued_documents`),
/// audited with the notice's digest.
pub fn set_issued_code(
    conn: &mut DbConn,
    actor: &Actor,
    id: NoticeId,
    code: &str,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        diesel::update(rectification_notices::table.find(id.to_string()))
            .set(rectification_notices::issued_code.eq(code))
            .execute(conn)?;
        let digest = notice_digest(conn, id)?;
        Change::of("notice.document", "rectification_notice", id)
            .after(attest::with_row(
                Some(serde_json::json!({ "code": code })),
                digest,
            ))
            .record(conn, actor, now)
    })
}

fn insert_finding(
    conn: &mut DbConn,
    finding: &Finding,
    origin_key: Option<&str>,
    created_by: &str,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(findings_table::table)
        .values((
            findings_table::id.eq(finding.id.to_string()),
            findings_table::round_id.eq(finding.round_id.to_string()),
            findings_table::case_file_id.eq(finding.case_file_id.to_string()),
            findings_table::unit_id.eq(finding.unit_id.to_string()),
            findings_table::item_code.eq(&finding.item_code),
            findings_table::item_text.eq(&finding.item_text),
            findings_table::handler_name.eq(&finding.handler_name),
            findings_table::law_firm_name.eq(&finding.law_firm_name),
            findings_table::points_tenths.eq(finding.points_deducted.tenths()),
            findings_table::reason.eq(&finding.reason),
            findings_table::page_ref.eq(&finding.page_ref),
            findings_table::source.eq(finding.source.code()),
            findings_table::severity.eq(finding.severity.code()),
            findings_table::origin_key.eq(origin_key),
            findings_table::state.eq(RectificationState::Draft.code()),
            findings_table::measures.eq(""),
            findings_table::created_by.eq(created_by),
            findings_table::created_at.eq(now),
            findings_table::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The facts of a case file a finding copies.
struct FileFacts {
    unit_id: UnitId,
    handler: String,
    firm: String,
}

fn file_facts(conn: &mut DbConn, file: CaseFileId) -> Result<FileFacts> {
    let (unit_id, handler, firm): (String, String, String) = case_files::table
        .filter(case_files::id.eq(file.to_string()))
        .select((case_files::unit_id, case_files::handler, case_files::firm))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    Ok(FileFacts {
        unit_id: parse_id(&unit_id)?,
        handler,
        firm,
    })
}

/// The firm as a finding stores it: none when the centre's own staff handled the case.
fn firm_name(firm: &str) -> Option<String> {
    let firm = firm.trim();
    (!firm.is_empty()).then(|| firm.to_string())
}

/// A file's final result: total (none for indicator grading) and grade level.
type FileResult = (Option<Points>, GradeLevel);

/// Each file's final result as `storage::results` works it out (the 合议 decision, or the
/// submitted sheets combined by the round's rule once every assigned reviewer submitted). A
/// file still being reviewed, or awaiting 合议, has none yet.
fn file_results(conn: &mut DbConn, round: &Round) -> Result<BTreeMap<CaseFileId, FileResult>> {
    let Some(loaded) = results::load(conn, round.id)? else {
        return Ok(BTreeMap::new());
    };
    Ok(loaded
        .finished()
        .map(|(file, result)| (file.file, (result.total, result.grade.level)))
        .collect())
}

fn file_grades(conn: &mut DbConn, round: &Round) -> Result<BTreeMap<CaseFileId, GradeLevel>> {
    Ok(file_results(conn, round)?
        .into_iter()
        .map(|(file, (_, level))| (file, level))
        .collect())
}

/// What a notice's wording says of the unit's reviewed files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitResults {
    /// Files with a final result.
    pub files: usize,
    /// Mean of their totals, to a tenth; none when no file has a total.
    pub average: Option<Points>,
    pub by_level: BTreeMap<GradeLevel, usize>,
    /// Of these, files whose result a 合议 decided.
    pub reconciled: usize,
}

pub fn unit_results(conn: &mut DbConn, round: &Round, unit: UnitId) -> Result<UnitResults> {
    let results = file_results(conn, round)?;
    let files: Vec<String> = results.keys().map(ToString::to_string).collect();
    let of_unit: BTreeSet<String> = case_files::table
        .filter(case_files::id.eq_any(files))
        .filter(case_files::unit_id.eq(unit.to_string()))
        .select(case_files::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut summary = UnitResults::default();
    let mut totals = Vec::new();
    for (file, (total, level)) in &results {
        if !of_unit.contains(&file.to_string()) {
            continue;
        }
        summary.files += 1;
        *summary.by_level.entry(*level).or_default() += 1;
        totals.extend(*total);
    }
    summary.average = Points::mean(&totals);
    summary.reconciled = crate::storage::schema::reconciliations::table
        .filter(crate::storage::schema::reconciliations::round_id.eq(round.id.to_string()))
        .filter(crate::storage::schema::reconciliations::case_file_id.eq_any(&of_unit))
        .select(crate::storage::schema::reconciliations::case_file_id)
        .distinct()
        .load::<String>(conn)?
        .len();
    Ok(summary)
}

/// Turns every deduction and veto of the round's submitted sheets into a finding. Running it
/// again adds only what is new (a sheet submitted since), never a second copy.
pub fn generate_findings(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    now: NaiveDateTime,
) -> Result<usize> {
    transaction(conn, |conn| {
        crate::storage::rounds::require(conn, round, RoundAction::GenerateFindings)?;
        let Some(loaded) = results::load(conn, round)? else {
            return Ok(0);
        };
        let existing: BTreeSet<String> = findings_table::table
            .filter(findings_table::round_id.eq(round.to_string()))
            .filter(findings_table::origin_key.is_not_null())
            .select(findings_table::origin_key.assume_not_null())
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let mut added = 0;
        let mut inserted: Vec<String> = Vec::new();
        for file_result in loaded.files.iter().filter(|file| !file.sheets.is_empty()) {
            let file = &file_result.file;
            let facts = file_facts(conn, *file)?;
            let refs: Vec<&ScoreResult> = file_result
                .sheets
                .iter()
                .map(|sheet| &sheet.result)
                .collect();
            for derived in findings::derive_from_reviews(&refs) {
                let origin_key = format!("{file}:{}", derived.origin);
                if existing.contains(&origin_key) {
                    continue;
                }
                let finding = Finding {
                    id: FindingId(new_id()),
                    round_id: round,
                    case_file_id: *file,
                    unit_id: facts.unit_id,
                    item_code: derived.item_code,
                    item_text: derived.item_text,
                    handler_name: facts.handler.clone(),
                    law_firm_name: firm_name(&facts.firm),
                    points_deducted: derived.points_deducted,
                    reason: derived.reason,
                    page_ref: derived.page_ref,
                    source: derived.source,
                    severity: Severity::default_for(derived.source),
                };
                insert_finding(conn, &finding, Some(&origin_key), &actor.login, now)?;
                inserted.push(finding.id.to_string());
                added += 1;
            }
        }
        let digests = BTreeMap::from([(
            attest::Kind::Finding,
            attest::digests(conn, attest::Kind::Finding, &inserted)?,
        )]);
        Change::of("findings.generate", "round", round)
            .after(attest::with_rows(
                serde_json::json!({ "added": added }),
                &digests,
            ))
            .record(conn, actor, now)?;
        Ok(added)
    })
}

/// What a team leader or administrator types for a finding of their own.
#[derive(Debug, Clone)]
pub struct ManualFinding {
    pub round: RoundId,
    pub case_file: CaseFileId,
    pub item_code: String,
    pub item_text: String,
    pub reason: String,
    pub points: Points,
    pub page_ref: Option<String>,
    pub severity: Severity,
    pub source: FindingSource,
}

/// Why a hand-added finding was refused.
/// The sentence of each is in `app::messages::rectification`.
#[derive(Debug)]
pub enum AddFindingError {
    Invalid(findings::FindingError),
    NotSampled,
    Storage(Error),
}

impl std::error::Error for AddFindingError {}

impl From<findings::FindingError> for AddFindingError {
    fn from(error: findings::FindingError) -> Self {
        AddFindingError::Invalid(error)
    }
}

impl From<Error> for AddFindingError {
    fn from(error: Error) -> Self {
        AddFindingError::Storage(error)
    }
}

crate::storage::diesel_into_storage_variant!(AddFindingError);

pub fn add_finding(
    conn: &mut DbConn,
    actor: &Actor,
    input: &ManualFinding,
    now: NaiveDateTime,
) -> std::result::Result<FindingId, AddFindingError> {
    use crate::storage::schema::sample_picks;
    transaction(conn, |conn| {
        crate::storage::rounds::require(conn, input.round, RoundAction::AddFinding)?;
        let sampled: i64 = sample_picks::table
            .filter(sample_picks::round_id.eq(input.round.to_string()))
            .filter(sample_picks::case_file_id.eq(input.case_file.to_string()))
            .count()
            .get_result(conn)?;
        if sampled == 0 {
            return Err(AddFindingError::NotSampled);
        }
        let facts = file_facts(conn, input.case_file)?;
        let finding = Finding {
            id: FindingId(new_id()),
            round_id: input.round,
            case_file_id: input.case_file,
            unit_id: facts.unit_id,
            item_code: input.item_code.trim().to_string(),
            item_text: input.item_text.trim().to_string(),
            handler_name: facts.handler,
            law_firm_name: firm_name(&facts.firm),
            points_deducted: input.points,
            reason: input.reason.trim().to_string(),
            page_ref: input.page_ref.clone(),
            source: input.source,
            severity: input.severity,
        };
        finding.check()?;
        insert_finding(conn, &finding, None, &actor.login, now)?;
        let digest = finding_digest(conn, finding.id)?;
        Change::of("finding.add", "finding", finding.id)
            .after(attest::with_row(
                serde_json::to_value(&finding).ok(),
                digest,
            ))
            .record(conn, actor, now)?;
        Ok(finding.id)
    })
}

// ---------------------------------------------------------------------------------------
// Notices

/// A notice as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: NoticeId,
    pub round_id: RoundId,
    pub round_name: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub state: RectificationState,
    pub doc_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub days: i32,
    pub report: String,
    pub follow_up_round_id: Option<RoundId>,
    pub follow_up_note: Option<String>,
    pub created_at: NaiveDateTime,
    /// The deadline that counts against the unit: `deadline`, not running while an objection
    /// to one of the notice's findings is open (`None` then) and moved on by the longest time
    /// a decided objection stayed open (`domain::rectification::deadline_under_objection`).
    /// Overdue counts and reminders read this one.
    pub counted_deadline: Option<NaiveDate>,
}

/// A notice's own columns, as [`Notice`] shows them and its digest covers them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::rectification_notices)]
pub(crate) struct NoticeRow {
    pub(crate) id: String,
    pub(crate) round_id: String,
    pub(crate) unit_id: String,
    pub(crate) state: String,
    pub(crate) doc_number: Option<String>,
    pub(crate) doc_prefix: Option<String>,
    pub(crate) doc_year: Option<i32>,
    pub(crate) doc_serial: Option<i32>,
    pub(crate) issued_on: Option<NaiveDate>,
    pub(crate) deadline: Option<NaiveDate>,
    pub(crate) days: i32,
    pub(crate) report: String,
    pub(crate) follow_up_round_id: Option<String>,
    pub(crate) follow_up_note: Option<String>,
    pub(crate) created_by: String,
    pub(crate) issued_code: Option<String>,
    pub(crate) created_at: NaiveDateTime,
}

/// A notice with its round's name and its unit's name.
type NoticeJoin = (NoticeRow, String, String);

fn to_notice(join: NoticeJoin) -> Result<Notice> {
    let (row, round_name, unit_name) = join;
    Ok(Notice {
        id: parse_id(&row.id)?,
        round_id: parse_id(&row.round_id)?,
        round_name,
        unit_id: parse_id(&row.unit_id)?,
        unit_name,
        state: state_of(&row.state)?,
        doc_number: row.doc_number,
        issued_on: row.issued_on,
        deadline: row.deadline,
        days: row.days,
        report: row.report,
        follow_up_round_id: row.follow_up_round_id.map(|id| parse_id(&id)).transpose()?,
        follow_up_note: row.follow_up_note,
        created_at: row.created_at,
        counted_deadline: row.deadline,
    })
}

/// Notices the scope allows (a center manager never sees a draft), optionally of one round.
pub fn notices(conn: &mut DbConn, scope: UnitScope, round: Option<RoundId>) -> Result<Vec<Notice>> {
    load_notices(conn, scope, round, None)
}

fn load_notices(
    conn: &mut DbConn,
    scope: UnitScope,
    round: Option<RoundId>,
    id: Option<NoticeId>,
) -> Result<Vec<Notice>> {
    let mut query = rectification_notices::table
        .inner_join(units::table)
        .inner_join(review_rounds::table.on(review_rounds::id.eq(rectification_notices::round_id)))
        .select((NoticeRow::as_select(), review_rounds::name, units::name))
        .into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query
            .filter(rectification_notices::unit_id.eq(own.to_string()))
            .filter(rectification_notices::state.ne(RectificationState::Draft.code()));
    }
    if let Some(round) = round {
        query = query.filter(rectification_notices::round_id.eq(round.to_string()));
    }
    if let Some(id) = id {
        query = query.filter(rectification_notices::id.eq(id.to_string()));
    }
    let rows: Vec<NoticeJoin> = query
        .order((units::code.asc(), rectification_notices::created_at.desc()))
        .load(conn)?;
    let mut notices = rows
        .into_iter()
        .map(to_notice)
        .collect::<Result<Vec<_>>>()?;
    pause_for_objections(conn, &mut notices)?;
    Ok(notices)
}

/// Sets each notice's [`Notice::counted_deadline`] from the objections to its findings.
fn pause_for_objections(conn: &mut DbConn, notices: &mut [Notice]) -> Result<()> {
    let ids: Vec<String> = notices
        .iter()
        .filter(|notice| notice.deadline.is_some())
        .map(|notice| notice.id.to_string())
        .collect();
    let mut links: Vec<(String, String)> = Vec::new();
    for chunk in ids.chunks(5000) {
        links.extend(
            notice_findings::table
                .filter(notice_findings::notice_id.eq_any(chunk))
                .select((notice_findings::notice_id, notice_findings::finding_id))
                .load::<(String, String)>(conn)?,
        );
    }
    let findings: Vec<FindingId> = links
        .iter()
        .map(|(_, finding)| parse_id(finding))
        .collect::<Result<_>>()?;
    let objections =
        crate::storage::objections::by_finding(conn, &findings, crate::storage::today())?;
    // Per notice: is any objection open, and the longest a decided one stayed open.
    let mut pauses: BTreeMap<String, (bool, i64)> = BTreeMap::new();
    for ((notice, _), finding) in links.iter().zip(&findings) {
        if let Some(objection) = objections.get(finding) {
            let entry = pauses.entry(notice.clone()).or_default();
            entry.0 |= objection.open;
            entry.1 = entry.1.max(objection.age_days);
        }
    }
    for notice in notices.iter_mut() {
        notice.counted_deadline = match pauses.get(&notice.id.to_string()) {
            Some((open, days)) => notice.deadline.and_then(|deadline| {
                crate::domain::rectification::deadline_under_objection(
                    deadline,
                    *open,
                    u32::try_from(*days).unwrap_or(0),
                )
            }),
            None => notice.deadline,
        };
    }
    Ok(())
}

/// The notice carrying this document number, if any.
pub fn notice_by_number(conn: &mut DbConn, number: &str) -> Result<Option<NoticeId>> {
    rectification_notices::table
        .filter(rectification_notices::doc_number.eq(number))
        .select(rectification_notices::id)
        .first::<String>(conn)
        .optional()?
        .map(|id| parse_id(&id))
        .transpose()
}

/// One notice; `OutOfScope` for another unit's notice (or a draft, for a center manager).
pub fn notice(conn: &mut DbConn, scope: UnitScope, id: NoticeId) -> Result<Notice> {
    let found = load_notices(conn, UnitScope::All, None, Some(id))?
        .pop()
        .ok_or(Error::NotFound)?;
    let visible = match scope {
        UnitScope::All => true,
        UnitScope::Unit(own) => own == found.unit_id && found.state != RectificationState::Draft,
    };
    if !visible {
        return Err(Error::OutOfScope);
    }
    Ok(found)
}

/// Creates a draft notice for every unit of the round that has findings and no notice yet,
/// carrying the default selection (files below 合格, vetoes); adds newly selected findings to
/// drafts that exist. Returns how many notices were created.
pub fn draft_notices(
    conn: &mut DbConn,
    actor: &Actor,
    round: &Round,
    now: NaiveDateTime,
) -> Result<usize> {
    transaction(conn, |conn| {
        crate::storage::rounds::require(conn, round.id, RoundAction::DraftNotices)?;
        let grades = file_grades(conn, round)?;
        let all = list_findings(
            conn,
            UnitScope::All,
            FindingFilter {
                round: Some(round.id),
                ..Default::default()
            },
        )?;
        let plain: Vec<Finding> = all.iter().map(|stored| stored.finding.clone()).collect();
        let units_with_findings: BTreeSet<UnitId> =
            plain.iter().map(|finding| finding.unit_id).collect();
        let mut created = 0;
        for unit in units_with_findings {
            let existing: Option<(String, String)> = rectification_notices::table
                .filter(rectification_notices::round_id.eq(round.id.to_string()))
                .filter(rectification_notices::unit_id.eq(unit.to_string()))
                .select((rectification_notices::id, rectification_notices::state))
                .first(conn)
                .optional()?;
            let notice_id = match existing {
                Some((id, state)) if state == RectificationState::Draft.code() => id,
                Some(_) => continue,
                None => {
                    let id = new_id().to_string();
                    diesel::insert_into(rectification_notices::table)
                        .values((
                            rectification_notices::id.eq(&id),
                            rectification_notices::round_id.eq(round.id.to_string()),
                            rectification_notices::unit_id.eq(unit.to_string()),
                            rectification_notices::state.eq(RectificationState::Draft.code()),
                            rectification_notices::days
                                .eq(i32::try_from(round.settings.rectification_days).unwrap_or(30)),
                            rectification_notices::report.eq(""),
                            rectification_notices::created_by.eq(&actor.login),
                            rectification_notices::created_at.eq(now),
                            rectification_notices::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    let digest = attest::digest_of(conn, attest::Kind::Notice, &id)?;
                    Change::of("notice.draft", "rectification_notice", &id)
                        .after(attest::with_row(
                            Some(serde_json::json!({
                                "round": round.id, "unit": unit,
                            })),
                            digest,
                        ))
                        .record(conn, actor, now)?;
                    created += 1;
                    id
                }
            };
            let selection = findings::notice_selection(&plain, unit, &grades, &BTreeSet::new());
            for selected in selection {
                let on_a_notice = all.iter().any(|stored| {
                    stored.finding.id == selected.finding.id && stored.notice_id.is_some()
                });
                if on_a_notice {
                    continue;
                }
                let reasons = crate::domain::rectification::list_text(
                    selected.reasons.iter().map(|reason| reason.label()),
                );
                diesel::insert_into(notice_findings::table)
                    .values((
                        notice_findings::notice_id.eq(&notice_id),
                        notice_findings::finding_id.eq(selected.finding.id.to_string()),
                        notice_findings::reasons.eq(reasons),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(created)
    })
}

/// Who moves a notice or finding: the audit identity, the account whose role the state
/// machine checks, and the units it may reach.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub account: Account,
    pub scope: UnitScope,
}

/// Why a change to a notice or finding was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A refusal by the notice's rules; its sentence is in `app::messages::rectification`.
    #[error("{0}")]
    Refused(Refusal),
    #[error(transparent)]
    Storage(#[from] Error),
}

crate::storage::diesel_into_storage_variant!(ActError);

/// What a notice's move tells its readers through a notification (the sentence for each is
/// in `app::messages::rectification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// The unit: a notice was issued to it, with its deadline.
    NoticeIssued {
        bureau: String,
        number: String,
        deadline: NaiveDate,
    },
    /// The unit: a corrected notice replaces the one it had, deadline unchanged.
    NoticeCorrected {
        bureau: String,
        old_number: String,
        number: String,
    },
    /// The unit: a finding was sent back, with the reason.
    FindingSentBack {
        number: String,
        case_no: String,
        item_text: String,
        reason: String,
    },
    /// The bureau: the unit submitted its report.
    ReportSubmitted { unit: String, number: String },
    /// The unit: its report was sent back, with the reason.
    ReportSentBack { number: String, reason: String },
}

/// Why the notice's rules refused a change (the user's sentence for each is in
/// `app::messages::rectification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A text over its limit or holding a control character.
    Text(TextError),
    /// The bureau's document-number prefix is not valid.
    DocNumber(DocNumberError),
    /// The findings of an issued notice are fixed.
    NoticeAlreadyIssued,
    /// Only findings of the notice's round and unit may be put on it.
    FindingOfOtherUnitOrRound,
    /// The finding's stored state changed under the caller (compare-and-set failed).
    FindingChanged,
    /// The notice's stored state changed under the caller (compare-and-set failed).
    NoticeChanged,
    /// The deadline falls past the last representable date.
    DeadlineOutOfRange,
    /// The finding is on no notice.
    FindingOnNoNotice,
    /// The finding is not in the unit's hands, so its measures and evidence are fixed.
    FindingNotWorkable(RectificationState),
    /// The finding was withdrawn by objection (撤销): closed, nothing to rectify.
    FindingWithdrawn,
    /// A report is submitted with its text.
    ReportMissing,
    /// 回头看 belongs in a later round; the chosen round's name.
    FollowUpNotLater(String),
    /// 回头看 is scheduled for an issued notice only.
    FollowUpOfDraft,
    /// Only an issued notice not yet verified is corrected (a draft is simply edited).
    CorrectionNotOpen(RectificationState),
}

/// A text refused by its limit.
fn text_refused(error: TextError) -> ActError {
    ActError::Refused(Refusal::Text(error))
}

impl From<DocNumberError> for ActError {
    fn from(error: DocNumberError) -> Self {
        ActError::Refused(Refusal::DocNumber(error))
    }
}

/// Adds a finding of the notice's unit to a draft notice, or takes it off (管理员选定).
pub fn set_selected(
    conn: &mut DbConn,
    actor: &Actor,
    notice_id: NoticeId,
    finding_id: FindingId,
    selected: bool,
    now: NaiveDateTime,
) -> std::result::Result<(), ActError> {
    transaction(conn, |conn| {
        let notice = notice(conn, UnitScope::All, notice_id)?;
        crate::storage::rounds::require(conn, notice.round_id, RoundAction::DraftNotices)?;
        if notice.state != RectificationState::Draft {
            return Err(ActError::Refused(Refusal::NoticeAlreadyIssued));
        }
        let found = finding(conn, UnitScope::All, finding_id)?;
        if found.finding.unit_id != notice.unit_id || found.finding.round_id != notice.round_id {
            return Err(ActError::Refused(Refusal::FindingOfOtherUnitOrRound));
        }
        match (selected, found.notice_id) {
            (true, None) => {
                diesel::insert_into(notice_findings::table)
                    .values((
                        notice_findings::notice_id.eq(notice_id.to_string()),
                        notice_findings::finding_id.eq(finding_id.to_string()),
                        notice_findings::reasons
                            .eq(findings::SelectionReason::SelectedByAdmin.label()),
                    ))
                    .execute(conn)?;
            }
            (false, Some(on)) if on == notice_id => {
                diesel::delete(
                    notice_findings::table
                        .filter(notice_findings::notice_id.eq(notice_id.to_string()))
                        .filter(notice_findings::finding_id.eq(finding_id.to_string())),
                )
                .execute(conn)?;
            }
            _ => return Ok(()),
        }
        Change::of(
            if selected {
                "notice.select"
            } else {
                "notice.unselect"
            },
            "rectification_notice",
            notice_id,
        )
        .after(serde_json::json!({ "finding": finding_id }))
        .record(conn, actor, now)?;
        Ok(())
    })
}

/// Writes a transition into the notice's history and the audit log (with the moved row's digest).
fn record_transition(
    conn: &mut DbConn,
    caller: &Caller,
    notice: NoticeId,
    finding: Option<FindingId>,
    line: &Transition,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(rectification_transitions::table)
        .values((
            rectification_transitions::id.eq(new_id().to_string()),
            rectification_transitions::notice_id.eq(notice.to_string()),
            rectification_transitions::finding_id.eq(finding.map(|id| id.to_string())),
            rectification_transitions::subject.eq(line.subject.code()),
            rectification_transitions::action.eq(line.action.code()),
            rectification_transitions::from_state.eq(line.from.code()),
            rectification_transitions::to_state.eq(line.to.code()),
            rectification_transitions::actor_user_id.eq(line.actor.to_string()),
            rectification_transitions::actor_role.eq(line.role.code()),
            rectification_transitions::comment.eq(&line.reason),
            rectification_transitions::at.eq(line.at),
        ))
        .execute(conn)?;
    let change = match finding {
        Some(finding) => Change::of("finding.transition", "finding", finding).after(
            attest::with_row(transition_snapshot(line), finding_digest(conn, finding)?),
        ),
        None => Change::of("notice.transition", "rectification_notice", notice).after(
            attest::with_row(transition_snapshot(line), notice_digest(conn, notice)?),
        ),
    };
    change
        .before(serde_json::json!({ "state": line.from.code() }))
        .record(conn, &caller.actor, now)
}

/// A transition as its audit entry shows it.
fn transition_snapshot(line: &Transition) -> Option<serde_json::Value> {
    Some(serde_json::json!({
        "state": line.to.code(), "action": line.action.code(), "comment": line.reason,
    }))
}

/// Moves one finding, guarded by its stored state (compare-and-set), with history and audit.
fn move_finding(
    conn: &mut DbConn,
    caller: &Caller,
    stored: &StoredFinding,
    notice: NoticeId,
    action: &Action,
    now: NaiveDateTime,
) -> std::result::Result<RectificationState, ActError> {
    if stored.withdrawn() && !matches!(action, Action::Issue) {
        return Err(ActError::Refused(Refusal::FindingWithdrawn));
    }
    let line = Transition::record(
        stored.state,
        action,
        caller.account.id,
        caller.account.role,
        &TransitionContext::Finding {
            measures: &stored.measures,
        },
        now,
    )?;
    let changed = diesel::update(
        findings_table::table
            .filter(findings_table::id.eq(stored.finding.id.to_string()))
            .filter(findings_table::state.eq(stored.state.code())),
    )
    .set((
        findings_table::state.eq(line.to.code()),
        findings_table::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(ActError::Refused(Refusal::FindingChanged));
    }
    record_transition(conn, caller, notice, Some(stored.finding.id), &line, now)?;
    Ok(line.to)
}

/// Moves the notice itself, guarded by its stored state.
fn move_notice(
    conn: &mut DbConn,
    caller: &Caller,
    notice: &Notice,
    action: &Action,
    now: NaiveDateTime,
) -> std::result::Result<RectificationState, ActError> {
    let finding_states: Vec<RectificationState> = list_findings(
        conn,
        UnitScope::All,
        FindingFilter {
            notice: Some(notice.id),
            ..Default::default()
        },
    )?
    .iter()
    .map(|stored| stored.state)
    .collect();
    let line = Transition::record(
        notice.state,
        action,
        caller.account.id,
        caller.account.role,
        &TransitionContext::Notice {
            findings: &finding_states,
        },
        now,
    )?;
    let changed = diesel::update(
        rectification_notices::table
            .filter(rectification_notices::id.eq(notice.id.to_string()))
            .filter(rectification_notices::state.eq(notice.state.code())),
    )
    .set((
        rectification_notices::state.eq(line.to.code()),
        rectification_notices::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(ActError::Refused(Refusal::NoticeChanged));
    }
    record_transition(conn, caller, notice.id, None, &line, now)?;
    Ok(line.to)
}

/// Takes the next serial of the prefix's year in the caller's transaction: one atomic
/// upsert, so two notices issued at the same moment (on any number of servers) can never get
/// the same number; the row lock is held until the issuing transaction ends.
fn next_serial(conn: &mut DbConn, prefix: &str, year: i32) -> Result<i32> {
    // The same statement on both backends; diesel's MultiConnection cannot express
    // ON CONFLICT, so it is built once per concrete connection.
    macro_rules! upsert {
        ($conn:expr) => {
            diesel::insert_into(doc_number_sequences::table)
                .values((
                    doc_number_sequences::prefix.eq(prefix),
                    doc_number_sequences::year.eq(year),
                    doc_number_sequences::last_serial.eq(1),
                ))
                .on_conflict((doc_number_sequences::prefix, doc_number_sequences::year))
                .do_update()
                .set(doc_number_sequences::last_serial.eq(doc_number_sequences::last_serial + 1))
                .returning(doc_number_sequences::last_serial)
                .get_result::<i32>($conn)
        };
    }
    let serial = match conn {
        DbConn::Pg(pg) => upsert!(pg),
        DbConn::Sqlite(sqlite) => upsert!(sqlite),
    }?;
    Ok(serial)
}

/// 下发: numbers the notice from the bureau's sequence, dates it, sets the deadline `days`
/// after `today`, issues every finding on it, and tells the unit.
pub fn issue(
    conn: &mut DbConn,
    caller: &Caller,
    notice_id: NoticeId,
    days: u32,
    today: NaiveDate,
    now: NaiveDateTime,
) -> std::result::Result<Notice, ActError> {
    transaction(conn, |conn| {
        let current = notice(conn, UnitScope::All, notice_id)?;
        crate::storage::rounds::require(conn, current.round_id, RoundAction::IssueNotice)?;
        let deadline = crate::domain::rectification::deadline(today, days)
            .ok_or(ActError::Refused(Refusal::DeadlineOutOfRange))?;
        move_notice(conn, caller, &current, &Action::Issue, now)?;
        let bureau = settings(conn)?;
        let format = DocNumberFormat::new(&bureau.doc_prefix)?;
        let year = today.year();
        let serial = next_serial(conn, format.prefix(), year)?;
        let number = format.number(year, u32::try_from(serial).map_err(corrupt)?)?;
        diesel::update(
            rectification_notices::table
                .filter(rectification_notices::id.eq(notice_id.to_string())),
        )
        .set((
            rectification_notices::doc_number.eq(number.to_string()),
            rectification_notices::doc_prefix.eq(format.prefix()),
            rectification_notices::doc_year.eq(year),
            rectification_notices::doc_serial.eq(serial),
            rectification_notices::issued_on.eq(today),
            rectification_notices::deadline.eq(deadline),
            rectification_notices::days.eq(i32::try_from(days).map_err(corrupt)?),
        ))
        .execute(conn)?;
        let digest = notice_digest(conn, notice_id)?;
        Change::of("notice.number", "rectification_notice", notice_id)
            .after(attest::with_row(
                Some(serde_json::json!({
                    "doc_number": number.to_string(), "issued_on": today, "deadline": deadline,
                })),
                digest,
            ))
            .record(conn, &caller.actor, now)?;
        for stored in list_findings(
            conn,
            UnitScope::All,
            FindingFilter {
                notice: Some(notice_id),
                ..Default::default()
            },
        )? {
            move_finding(conn, caller, &stored, notice_id, &Action::Issue, now)?;
        }
        let message = Told::NoticeIssued {
            bureau: bureau.bureau_name.clone(),
            number: number.to_string(),
            deadline,
        }
        .to_string();
        notifications::notify(
            conn,
            Audience::Unit(current.unit_id),
            Kind::NoticeIssued,
            notice_id,
            &message,
            now,
        )?;
        Ok(notice(conn, UnitScope::All, notice_id)?)
    })
}

/// The unit records what it did (整改措施). Saving starts the work on the finding and on
/// the notice when they were waiting for it.
pub fn save_measures(
    conn: &mut DbConn,
    caller: &Caller,
    finding_id: FindingId,
    measures: &str,
    now: NaiveDateTime,
) -> std::result::Result<(), ActError> {
    TextField::Measures.check(measures).map_err(text_refused)?;
    transaction(conn, |conn| {
        let stored = finding(conn, caller.scope, finding_id)?;
        let notice_id = stored
            .notice_id
            .ok_or(ActError::Refused(Refusal::FindingOnNoNotice))?;
        let notice = notice(conn, caller.scope, notice_id)?;
        crate::storage::rounds::require(conn, notice.round_id, RoundAction::Rectify)?;
        start_work(conn, caller, &notice, &stored, now)?;
        diesel::update(findings_table::table.filter(findings_table::id.eq(finding_id.to_string())))
            .set((
                findings_table::measures.eq(measures.trim()),
                findings_table::updated_at.eq(now),
            ))
            .execute(conn)?;
        let digest = finding_digest(conn, finding_id)?;
        Change::of("finding.measures", "finding", finding_id)
            .before(serde_json::json!({ "measures": stored.measures }))
            .after(attest::with_row(
                Some(serde_json::json!({ "measures": measures.trim() })),
                digest,
            ))
            .record(conn, &caller.actor, now)?;
        Ok(())
    })
}

/// Starts (or resumes) work on a finding and its notice, if either is waiting; refuses a
/// finding that is not in the unit's hands.
fn start_work(
    conn: &mut DbConn,
    caller: &Caller,
    notice: &Notice,
    stored: &StoredFinding,
    now: NaiveDateTime,
) -> std::result::Result<(), ActError> {
    if stored.withdrawn() {
        return Err(ActError::Refused(Refusal::FindingWithdrawn));
    }
    let waiting = [RectificationState::Issued, RectificationState::Returned];
    if waiting.contains(&notice.state) {
        move_notice(conn, caller, notice, &Action::StartWork, now)?;
    }
    if waiting.contains(&stored.state) {
        move_finding(conn, caller, stored, notice.id, &Action::StartWork, now)?;
    } else if stored.state != RectificationState::InProgress {
        return Err(ActError::Refused(Refusal::FindingNotWorkable(stored.state)));
    }
    Ok(())
}

/// An action on one finding: submit (unit), verify or send back (bureau). Sending a finding
/// back also sends back its notice when the report was submitted, and tells the unit.
pub fn act_on_finding(
    conn: &mut DbConn,
    caller: &Caller,
    finding_id: FindingId,
    action: &Action,
    now: NaiveDateTime,
) -> std::result::Result<RectificationState, ActError> {
    transaction(conn, |conn| {
        let stored = finding(conn, caller.scope, finding_id)?;
        let notice_id = stored
            .notice_id
            .ok_or(ActError::Refused(Refusal::FindingOnNoNotice))?;
        let notice = notice(conn, caller.scope, notice_id)?;
        crate::storage::rounds::require(conn, notice.round_id, RoundAction::Rectify)?;
        // The unit's first move on any finding puts the whole notice in progress.
        let unit_move = matches!(action, Action::StartWork | Action::Submit);
        let waiting = [RectificationState::Issued, RectificationState::Returned];
        if unit_move
            && caller.account.role == Role::CenterManager
            && waiting.contains(&notice.state)
        {
            move_notice(conn, caller, &notice, &Action::StartWork, now)?;
        }
        let to = move_finding(conn, caller, &stored, notice_id, action, now)?;
        if let Action::SendBack { reason } = action {
            if notice.state == RectificationState::Submitted {
                move_notice(conn, caller, &notice, action, now)?;
            }
            let message = Told::FindingSentBack {
                number: notice.doc_number.clone().unwrap_or_default(),
                case_no: stored.case_no.clone(),
                item_text: stored.finding.item_text.clone(),
                reason: reason.trim().to_string(),
            }
            .to_string();
            notifications::notify(
                conn,
                Audience::Unit(notice.unit_id),
                Kind::SentBack,
                notice_id,
                &message,
                now,
            )?;
        }
        Ok(to)
    })
}

/// An action on a notice: submit the report (unit), send back or close (bureau).
pub fn act_on_notice(
    conn: &mut DbConn,
    caller: &Caller,
    notice_id: NoticeId,
    action: &Action,
    report: Option<&str>,
    now: NaiveDateTime,
) -> std::result::Result<RectificationState, ActError> {
    TextField::RectificationReport
        .check_optional(report)
        .map_err(text_refused)?;
    transaction(conn, |conn| {
        let current = notice(conn, caller.scope, notice_id)?;
        crate::storage::rounds::require(conn, current.round_id, RoundAction::Rectify)?;
        if let Some(report) = report {
            diesel::update(
                rectification_notices::table
                    .filter(rectification_notices::id.eq(notice_id.to_string())),
            )
            .set(rectification_notices::report.eq(report.trim()))
            .execute(conn)?;
        }
        let report_text = report.map_or(current.report.as_str(), str::trim);
        if action.kind() == ActionKind::Submit
            && caller.account.role == Role::CenterManager
            && report_text.is_empty()
        {
            return Err(ActError::Refused(Refusal::ReportMissing));
        }
        let to = move_notice(conn, caller, &current, action, now)?;
        let number = current.doc_number.clone().unwrap_or_default();
        match action {
            Action::Submit => notifications::notify(
                conn,
                Audience::Admins,
                Kind::ReportSubmitted,
                notice_id,
                &Told::ReportSubmitted {
                    unit: current.unit_name.clone(),
                    number: number.clone(),
                }
                .to_string(),
                now,
            )?,
            Action::SendBack { reason } => notifications::notify(
                conn,
                Audience::Unit(current.unit_id),
                Kind::SentBack,
                notice_id,
                &Told::ReportSentBack {
                    number: number.clone(),
                    reason: reason.trim().to_string(),
                }
                .to_string(),
                now,
            )?,
            _ => {}
        }
        Ok(to)
    })
}

/// 回头看: schedules a follow-up check of this notice's fixes in a later round.
pub fn schedule_follow_up(
    conn: &mut DbConn,
    actor: &Actor,
    notice_id: NoticeId,
    follow_up: RoundId,
    note: &str,
    now: NaiveDateTime,
) -> std::result::Result<(), ActError> {
    TextField::FollowUpNote.check(note).map_err(text_refused)?;
    transaction(conn, |conn| {
        let current = notice(conn, UnitScope::All, notice_id)?;
        crate::storage::rounds::require(conn, current.round_id, RoundAction::Rectify)?;
        let this_round = crate::storage::rounds::find(conn, current.round_id)?;
        let later = crate::storage::rounds::find(conn, follow_up)?;
        if later.id == this_round.id
            || later.settings.period_start <= this_round.settings.period_end
        {
            return Err(ActError::Refused(Refusal::FollowUpNotLater(
                later.settings.name.clone(),
            )));
        }
        if current.state == RectificationState::Draft {
            return Err(ActError::Refused(Refusal::FollowUpOfDraft));
        }
        diesel::update(
            rectification_notices::table
                .filter(rectification_notices::id.eq(notice_id.to_string())),
        )
        .set((
            rectification_notices::follow_up_round_id.eq(follow_up.to_string()),
            rectification_notices::follow_up_note.eq(note.trim()),
            rectification_notices::updated_at.eq(now),
        ))
        .execute(conn)?;
        let digest = notice_digest(conn, notice_id)?;
        Change::of("notice.follow_up", "rectification_notice", notice_id)
            .before(serde_json::json!({ "follow_up_round": current.follow_up_round_id }))
            .after(attest::with_row(
                Some(serde_json::json!({ "follow_up_round": follow_up, "note": note.trim() })),
                digest,
            ))
            .record(conn, actor, now)?;
        Ok(())
    })
}

/// One history line as the notice page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLine {
    pub finding_id: Option<String>,
    pub subject: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub actor: String,
    pub role: String,
    pub comment: Option<String>,
    pub at: NaiveDateTime,
    /// `at` to the second, as pages show it (UTC).
    pub at_text: String,
}

/// A transition's columns, as a history line shows them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::rectification_transitions)]
struct TransitionRow {
    finding_id: Option<String>,
    subject: String,
    action: String,
    from_state: String,
    to_state: String,
    actor_role: String,
    comment: Option<String>,
    at: NaiveDateTime,
}

impl TransitionRow {
    /// The history line, with the actor's display name (`None` for a deleted account).
    fn into_line(self, actor: Option<String>) -> HistoryLine {
        let label = |code: &str| {
            code.parse::<RectificationState>()
                .map_or_else(|_| code.to_string(), |state| state.label().to_string())
        };
        let Self {
            finding_id,
            subject,
            action,
            from_state,
            to_state,
            actor_role: role,
            comment,
            at,
        } = self;
        HistoryLine {
            finding_id,
            subject: if subject == Subject::Notice.code() {
                Subject::Notice.label().to_string()
            } else {
                Subject::Finding.label().to_string()
            },
            action: ActionKind::ALL
                .into_iter()
                .find(|kind| kind.code() == action)
                .map_or(action.clone(), |kind| kind.label().to_string()),
            from_state: label(&from_state),
            to_state: label(&to_state),
            actor: actor.unwrap_or_default(),
            role: role
                .parse::<Role>()
                .map_or(role.clone(), |role| role.label().to_string()),
            comment,
            at,
            at_text: crate::domain::local_time::seconds(at),
        }
    }
}

pub fn history(conn: &mut DbConn, notice_id: NoticeId) -> Result<Vec<HistoryLine>> {
    use crate::storage::schema::users;
    let rows: Vec<(TransitionRow, Option<String>)> = rectification_transitions::table
        .left_join(users::table.on(users::id.eq(rectification_transitions::actor_user_id)))
        .filter(rectification_transitions::notice_id.eq(notice_id.to_string()))
        .order((
            rectification_transitions::at.asc(),
            rectification_transitions::id.asc(),
        ))
        .select((TransitionRow::as_select(), users::display_name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, actor)| row.into_line(actor))
        .collect())
}

// ---------------------------------------------------------------------------------------
// Evidence

/// An evidence file without its bytes.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceMeta {
    pub id: String,
    pub finding_id: FindingId,
    pub unit_id: UnitId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
    /// `uploaded_at` to the second, as pages show it (UTC).
    pub uploaded_text: String,
}

/// An evidence file's columns but its bytes.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::evidence_files)]
struct EvidenceRow {
    id: String,
    finding_id: String,
    unit_id: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_at: NaiveDateTime,
}

fn to_meta(row: EvidenceRow) -> Result<EvidenceMeta> {
    Ok(EvidenceMeta {
        id: row.id,
        finding_id: parse_id(&row.finding_id)?,
        unit_id: parse_id(&row.unit_id)?,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_text: crate::domain::local_time::seconds(row.uploaded_at),
        uploaded_at: row.uploaded_at,
    })
}

/// Stores a checked upload for a finding the unit is working on (starting the work if it
/// had not started).
pub fn add_evidence(
    conn: &mut DbConn,
    caller: &Caller,
    finding_id: FindingId,
    file_name: &str,
    kind: EvidenceKind,
    bytes: &[u8],
    now: NaiveDateTime,
) -> std::result::Result<String, ActError> {
    TextField::FileName.check(file_name).map_err(text_refused)?;
    transaction(conn, |conn| {
        let stored = finding(conn, caller.scope, finding_id)?;
        let notice_id = stored
            .notice_id
            .ok_or(ActError::Refused(Refusal::FindingOnNoNotice))?;
        let notice = notice(conn, caller.scope, notice_id)?;
        crate::storage::rounds::require(conn, notice.round_id, RoundAction::Rectify)?;
        start_work(conn, caller, &notice, &stored, now)?;
        let id = new_id().to_string();
        let sha256 = crate::security::sha256_hex(bytes);
        diesel::insert_into(evidence_files::table)
            .values((
                evidence_files::id.eq(&id),
                evidence_files::finding_id.eq(finding_id.to_string()),
                evidence_files::notice_id.eq(notice_id.to_string()),
                evidence_files::unit_id.eq(stored.finding.unit_id.to_string()),
                evidence_files::file_name.eq(file_name),
                evidence_files::content_type.eq(kind.content_type()),
                evidence_files::size_bytes.eq(i64::try_from(bytes.len()).map_err(corrupt)?),
                evidence_files::sha256.eq(&sha256),
                evidence_files::content.eq(bytes),
                evidence_files::uploaded_by.eq(&caller.actor.login),
                evidence_files::uploaded_at.eq(now),
            ))
            .execute(conn)?;
        Change::of("evidence.upload", "evidence_file", &id)
            .after(serde_json::json!({
                "finding": finding_id, "file_name": file_name, "sha256": sha256,
                "size": bytes.len(), "type": kind.label(),
            }))
            .record(conn, &caller.actor, now)?;
        Ok(id)
    })
}

/// The evidence of a notice's findings (the scope was checked on the notice).
pub fn evidence_for_notice(conn: &mut DbConn, notice_id: NoticeId) -> Result<Vec<EvidenceMeta>> {
    let rows: Vec<EvidenceRow> = evidence_files::table
        .filter(evidence_files::notice_id.eq(notice_id.to_string()))
        .order(evidence_files::uploaded_at.asc())
        .select(EvidenceRow::as_select())
        .load(conn)?;
    rows.into_iter().map(to_meta).collect()
}

/// One file with its bytes; `OutOfScope` for another unit's file.
pub fn evidence(conn: &mut DbConn, scope: UnitScope, id: &str) -> Result<(EvidenceMeta, Vec<u8>)> {
    let row: Option<(EvidenceRow, Vec<u8>)> = evidence_files::table
        .filter(evidence_files::id.eq(id))
        .select((EvidenceRow::as_select(), evidence_files::content))
        .first(conn)
        .optional()?;
    let (row, bytes) = row.ok_or(Error::NotFound)?;
    let meta = to_meta(row)?;
    if !scope.allows(meta.unit_id) {
        return Err(Error::OutOfScope);
    }
    Ok((meta, bytes))
}

/// How many evidence files are stored in all (for tests and the overview).
pub fn evidence_count(conn: &mut DbConn) -> Result<i64> {
    Ok(evidence_files::table.count().get_result(conn)?)
}

/// A sampled file of a round, for choosing where a hand-added finding belongs.
#[derive(Debug, Clone, Serialize)]
pub struct SampledFile {
    pub id: CaseFileId,
    pub case_no: String,
    pub unit_name: String,
}

/// The round's sampled files, by unit and case number.
pub fn sampled_files(conn: &mut DbConn, round: RoundId) -> Result<Vec<SampledFile>> {
    use crate::storage::schema::sample_picks;
    let rows: Vec<(String, String, String)> = sample_picks::table
        .inner_join(case_files::table.inner_join(units::table))
        .filter(sample_picks::round_id.eq(round.to_string()))
        .order((units::code.asc(), case_files::case_no.asc()))
        .select((case_files::id, case_files::case_no, units::name))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, case_no, unit_name)| {
            Ok(SampledFile {
                id: parse_id(&id)?,
                case_no,
                unit_name,
            })
        })
        .collect()
}
