//! Review rounds: settings, the rubric snapshot per case type, and the forward-only status.

use crate::domain::CaseType;
use crate::domain::ids::RoundId;
use crate::domain::ids::UserId;
use crate::domain::objection::ObjectionSettings;
use crate::domain::round::{
    CombineSetting, Progress, RoundSettings, RoundStatus, check_transition,
};
use crate::domain::round_actions::RoundAction;
use crate::domain::rubric::Points;
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{
    review_rounds, round_objection_settings, round_panel_members, round_rubrics, rubric_snapshots,
    users,
};
use crate::storage::{DbConn, Error, Result, duplicate_as, new_id, parse_id, transaction};
use chrono::NaiveDate;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// A stored round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: RoundId,
    pub status: RoundStatus,
    pub settings: RoundSettings,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable)]
struct RoundRow {
    id: String,
    name: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
    status: String,
    combine_rule: String,
    escalate_gap_tenths: i32,
    review_deadline: Option<NaiveDate>,
    rectification_days: i32,
    blind: bool,
    created_at: NaiveDateTime,
    _created_by: String,
    _updated_at: NaiveDateTime,
}

fn combine_columns(combine: CombineSetting) -> (&'static str, i32) {
    match combine {
        CombineSetting::Average => ("average", 0),
        CombineSetting::Escalate { max_gap } => ("escalate", max_gap.tenths()),
    }
}

fn to_round(row: RoundRow, rubrics: BTreeMap<CaseType, String>) -> Result<Round> {
    let combine = match row.combine_rule.as_str() {
        "average" => CombineSetting::Average,
        _ => CombineSetting::Escalate {
            max_gap: Points::from_tenths(row.escalate_gap_tenths),
        },
    };
    Ok(Round {
        id: parse_id(&row.id)?,
        status: row
            .status
            .parse()
            .map_err(|status| Error::Corrupt(format!("round status {status}")))?,
        settings: RoundSettings {
            name: row.name,
            period_start: row.period_start,
            period_end: row.period_end,
            rubrics,
            combine,
            review_deadline: row.review_deadline,
            rectification_days: u32::try_from(row.rectification_days).unwrap_or(30),
            blind: row.blind,
        },
        created_at: row.created_at,
    })
}

fn snapshot(round: &Round) -> serde_json::Value {
    let settings = &round.settings;
    serde_json::json!({
        "name": settings.name,
        "period_start": settings.period_start,
        "period_end": settings.period_end,
        "status": round.status.code(),
        "rubrics": settings.rubrics.iter().map(|(case_type, hash)| (case_type.code(), hash)).collect::<BTreeMap<_, _>>(),
        "combine": combine_columns(settings.combine),
        "review_deadline": settings.review_deadline,
        "rectification_days": settings.rectification_days,
        "blind": settings.blind,
    })
}

/// Creates a round in 草稿. The rubric snapshots must exist and apply to their case type.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &RoundSettings,
    now: NaiveDateTime,
) -> Result<Round> {
    transaction(conn, |conn| {
        for (case_type, hash) in &settings.rubrics {
            let applies: Option<String> = rubric_snapshots::table
                .filter(rubric_snapshots::content_hash.eq(hash))
                .select(rubric_snapshots::case_types)
                .first(conn)
                .optional()?;
            let applies = applies.ok_or(Error::NotFound)?;
            if !applies.split(',').any(|code| code == case_type.code()) {
                return Err(Error::Corrupt(format!(
                    "rubric {hash} does not apply to {}",
                    case_type.code()
                )));
            }
        }
        let id = RoundId(new_id());
        let (combine_rule, gap) = combine_columns(settings.combine);
        diesel::insert_into(review_rounds::table)
            .values((
                review_rounds::id.eq(id.to_string()),
                review_rounds::name.eq(settings.name.trim()),
                review_rounds::period_start.eq(settings.period_start),
                review_rounds::period_end.eq(settings.period_end),
                review_rounds::status.eq(RoundStatus::Draft.code()),
                review_rounds::combine_rule.eq(combine_rule),
                review_rounds::escalate_gap_tenths.eq(gap),
                review_rounds::review_deadline.eq(settings.review_deadline),
                review_rounds::rectification_days
                    .eq(i32::try_from(settings.rectification_days).unwrap_or(30)),
                review_rounds::blind.eq(settings.blind),
                review_rounds::created_at.eq(now),
                review_rounds::created_by.eq(&actor.login),
                review_rounds::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(duplicate_as("round name"))?;
        for (case_type, hash) in &settings.rubrics {
            diesel::insert_into(round_rubrics::table)
                .values((
                    round_rubrics::round_id.eq(id.to_string()),
                    round_rubrics::case_type.eq(case_type.code()),
                    round_rubrics::content_hash.eq(hash),
                ))
                .execute(conn)?;
        }
        let round = Round {
            id,
            status: RoundStatus::Draft,
            settings: RoundSettings {
                name: settings.name.trim().to_string(),
                ..settings.clone()
            },
            created_at: now,
        };
        Change::of("round.create", "round", id)
            .after(snapshot(&round))
            .record(conn, actor, now)?;
        Ok(round)
    })
}

pub fn find(conn: &mut DbConn, id: RoundId) -> Result<Round> {
    // The round and its rubrics in one query (a row per rubric; one with none if it has none).
    let rows: Vec<(RoundRow, Option<(String, String)>)> = review_rounds::table
        .left_join(round_rubrics::table)
        .filter(review_rounds::id.eq(id.to_string()))
        .select((
            review_rounds::all_columns,
            (round_rubrics::case_type, round_rubrics::content_hash).nullable(),
        ))
        .load(conn)?;
    let (round, _) = assemble(rows.into_iter().map(|(row, rubric)| (row, rubric, ())))?;
    Ok(round)
}

/// The ids of up to `count` rounds whose period ended no later than `id`'s, `id` first, then
/// newest period first (calibration's window of the bureau's rounds).
pub fn window_ending_with(conn: &mut DbConn, id: RoundId, count: usize) -> Result<Vec<RoundId>> {
    let end: NaiveDate = review_rounds::table
        .filter(review_rounds::id.eq(id.to_string()))
        .select(review_rounds::period_end)
        .first(conn)?;
    let earlier: Vec<String> = review_rounds::table
        .filter(review_rounds::period_end.le(end))
        .filter(review_rounds::id.ne(id.to_string()))
        .order((review_rounds::period_end.desc(), review_rounds::name.asc()))
        .select(review_rounds::id)
        .limit(i64::try_from(count.saturating_sub(1)).unwrap_or(0))
        .load(conn)?;
    let mut ids = vec![id];
    for other in earlier {
        ids.push(parse_id(&other)?);
    }
    Ok(ids)
}

/// What a score form needs of its round on every request, read in one query: the round
/// with its rubrics, its objection and borderline settings, and the id of its published
/// assignment version (see `assignments::published_assignment_version`).
#[derive(Debug, Clone)]
pub struct ForReview {
    pub round: Round,
    pub objection: ObjectionSettings,
    pub published_version: Option<String>,
}

pub fn for_review(conn: &mut DbConn, id: RoundId) -> Result<ForReview> {
    use crate::storage::schema::assignment_versions;
    let rows: Vec<ReviewRow> = review_rounds::table
        .left_join(round_rubrics::table)
        .left_join(
            round_objection_settings::table
                .on(round_objection_settings::round_id.eq(review_rounds::id)),
        )
        .left_join(
            assignment_versions::table.on(assignment_versions::round_id
                .eq(review_rounds::id)
                .and(assignment_versions::status.eq("published"))),
        )
        .filter(review_rounds::id.eq(id.to_string()))
        .select((
            review_rounds::all_columns,
            (round_rubrics::case_type, round_rubrics::content_hash).nullable(),
            (
                (
                    round_objection_settings::objection_days,
                    round_objection_settings::borderline_review,
                    round_objection_settings::borderline_tenths,
                    round_objection_settings::feedback_on,
                )
                    .nullable(),
                assignment_versions::id.nullable(),
            ),
        ))
        .load(conn)?;
    let (round, (objection, published_version)) = assemble(rows)?;
    Ok(ForReview {
        round,
        objection: objection_from(objection),
        published_version,
    })
}

/// A round's row joined with one of its rubrics (case type, content hash), if it has any,
/// and with what else a query read beside them.
type Joined<T> = (RoundRow, Option<(String, String)>, T);

/// The row of [`for_review`]'s query: the round, a rubric, the objection settings and the
/// published version's id.
type ReviewRow = Joined<(Option<ObjectionRow>, Option<String>)>;

/// A round from the rows of a query joining its rubrics (one row per rubric, or one row
/// without a rubric), with whatever else the query read once per round (taken from the
/// first row).
fn assemble<T>(rows: impl IntoIterator<Item = Joined<T>>) -> Result<(Round, T)> {
    let mut rows = rows.into_iter();
    let (row, first_rubric, extra) = rows.next().ok_or(Error::NotFound)?;
    let rubrics = first_rubric
        .into_iter()
        .chain(rows.filter_map(|(_, rubric, _)| rubric))
        .map(|(case_type, hash)| {
            let case_type = case_type
                .parse()
                .map_err(|_| Error::Corrupt(format!("case type {case_type}")))?;
            Ok((case_type, hash))
        })
        .collect::<Result<BTreeMap<CaseType, String>>>()?;
    Ok((to_round(row, rubrics)?, extra))
}

/// A round by its id or its exact name (the command line accepts both).
pub fn find_by_id_or_name(conn: &mut DbConn, text: &str) -> Result<Round> {
    if let Ok(id) = text.parse::<RoundId>() {
        return find(conn, id);
    }
    let id: Option<String> = review_rounds::table
        .filter(review_rounds::name.eq(text.trim()))
        .select(review_rounds::id)
        .first(conn)
        .optional()?;
    find(conn, parse_id(&id.ok_or(Error::NotFound)?)?)
}

/// All rounds, newest period first (one query: each round's rows, a row per rubric, come
/// together since names are unique).
pub fn list(conn: &mut DbConn) -> Result<Vec<Round>> {
    let rows: Vec<(RoundRow, Option<(String, String)>)> = review_rounds::table
        .left_join(round_rubrics::table)
        .order((
            review_rounds::period_end.desc(),
            review_rounds::name.asc(),
            round_rubrics::case_type.nullable().asc(),
        ))
        .select((
            review_rounds::all_columns,
            (round_rubrics::case_type, round_rubrics::content_hash).nullable(),
        ))
        .load(conn)?;
    let mut rounds = Vec::new();
    let mut group: Vec<Joined<()>> = Vec::new();
    for (row, rubric) in rows {
        if group.first().is_some_and(|(first, ..)| first.id != row.id) {
            rounds.push(assemble(std::mem::take(&mut group))?.0);
        }
        group.push((row, rubric, ()));
    }
    if !group.is_empty() {
        rounds.push(assemble(group)?.0);
    }
    Ok(rounds)
}

/// The round's status read for a write, inside the write's transaction, checked against
/// the round-state rule (`domain::round_actions`): `Error::RoundState` when the status does
/// not allow `action`. On PostgreSQL the row is read `FOR SHARE`, so a status change
/// (`advance`, which updates the row) waits for the write to commit, and a write that
/// started after a status change committed sees the new status; SQLite's one writer at a
/// time gives the same order. Call it inside the transaction that writes.
pub fn require(conn: &mut DbConn, id: RoundId, action: RoundAction) -> Result<RoundStatus> {
    let status = locked_status(conn, id)?;
    crate::domain::round_actions::check(status, action)?;
    Ok(status)
}

/// The round's status, read `FOR SHARE` on PostgreSQL (see [`require`]).
pub fn locked_status(conn: &mut DbConn, id: RoundId) -> Result<RoundStatus> {
    let query = review_rounds::table
        .filter(review_rounds::id.eq(id.to_string()))
        .select(review_rounds::status);
    let code: Option<String> = match conn {
        DbConn::Pg(pg) => query.for_share().first(pg).optional()?,
        DbConn::Sqlite(sqlite) => query.first(sqlite).optional()?,
    };
    let code = code.ok_or(Error::NotFound)?;
    code.parse()
        .map_err(|_| Error::Corrupt(format!("round status {code}")))
}

/// A record that belongs to a round, named by its id as it appears in a request's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundOf<'a> {
    Round(&'a str),
    Notice(&'a str),
    Finding(&'a str),
    Objection(&'a str),
    /// A pending import: its round, if it names one.
    Import(&'a str),
}

/// The round a record belongs to and the round's status; `None` when there is no such
/// record (or, for an import, when it names no round): the handler answers that.
pub fn status_of(conn: &mut DbConn, of: RoundOf<'_>) -> Result<Option<(RoundId, RoundStatus)>> {
    use crate::storage::schema::{findings, objections, pending_imports, rectification_notices};
    // The same lookup on each table that names its round (a function cannot take the table).
    macro_rules! round_of {
        ($table:ident, $id:expr) => {
            $table::table
                .filter($table::id.eq($id))
                .select($table::round_id)
                .first(conn)
                .optional()?
        };
    }
    let round: Option<String> = match of {
        RoundOf::Round(id) => Some(id.to_string()),
        RoundOf::Notice(id) => round_of!(rectification_notices, id),
        RoundOf::Finding(id) => round_of!(findings, id),
        RoundOf::Objection(id) => round_of!(objections, id),
        RoundOf::Import(id) => round_of!(pending_imports, id).flatten(),
    };
    let Some(round) = round else {
        return Ok(None);
    };
    let status: Option<String> = review_rounds::table
        .filter(review_rounds::id.eq(&round))
        .select(review_rounds::status)
        .first(conn)
        .optional()?;
    match status {
        Some(code) => Ok(Some((
            parse_id(&round)?,
            code.parse()
                .map_err(|_| Error::Corrupt(format!("round status {code}")))?,
        ))),
        None => Ok(None),
    }
}

/// Why a status change was refused: the domain's reason, or storage trouble.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    #[error(transparent)]
    Refused(#[from] crate::domain::round::TransitionError),
    #[error(transparent)]
    Storage(#[from] Error),
}

crate::storage::diesel_into_storage_variant!(AdvanceError);

/// Moves the round to `requested` if the domain rules allow it; the check and the update
/// happen in one transaction so two administrators cannot both advance it.
pub fn advance(
    conn: &mut DbConn,
    actor: &Actor,
    id: RoundId,
    requested: RoundStatus,
    now: NaiveDateTime,
) -> std::result::Result<Round, AdvanceError> {
    transaction(conn, |conn| {
        let round = find(conn, id)?;
        let progress = Progress {
            imported_cases: crate::storage::cases::count_in_period(
                conn,
                round.settings.period_start,
                round.settings.period_end,
            )?,
            sample_frozen: crate::storage::sampling::is_frozen(conn, id)?,
        };
        check_transition(round.status, requested, progress)?;
        diesel::update(review_rounds::table.filter(review_rounds::id.eq(id.to_string())))
            .set((
                review_rounds::status.eq(requested.code()),
                review_rounds::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(Error::from)?;
        // Entering 反馈整改 turns the submitted sheets into findings (idempotent) and opens
        // the objection window.
        if requested == RoundStatus::Feedback {
            set_feedback_on(conn, id, now.date())?;
            crate::storage::rectification::generate_findings(conn, actor, id, now)?;
        }
        Change::of("round.status", "round", id)
            .before(serde_json::json!({ "status": round.status.code() }))
            .after(serde_json::json!({ "status": requested.code() }))
            .record(conn, actor, now)?;
        Ok(Round {
            status: requested,
            ..round
        })
    })
}

/// A round as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct RoundView {
    pub id: String,
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub status: &'static str,
    pub status_label: &'static str,
    pub next_status: Option<&'static str>,
    pub next_status_label: Option<&'static str>,
    pub combine_label: String,
    pub review_deadline: Option<NaiveDate>,
    pub rectification_days: u32,
    pub blind: bool,
    pub rubrics: Vec<RoundRubricView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundRubricView {
    pub case_type: &'static str,
    pub case_type_label: &'static str,
    pub content_hash: String,
}

impl From<&Round> for RoundView {
    fn from(round: &Round) -> Self {
        let settings = &round.settings;
        RoundView {
            id: round.id.to_string(),
            name: settings.name.clone(),
            period_start: settings.period_start,
            period_end: settings.period_end,
            status: round.status.code(),
            status_label: round.status.label(),
            next_status: round.status.next().map(RoundStatus::code),
            next_status_label: round.status.next().map(RoundStatus::label),
            combine_label: settings.combine.label(),
            review_deadline: settings.review_deadline,
            rectification_days: settings.rectification_days,
            blind: settings.blind,
            rubrics: settings
                .rubrics
                .iter()
                .map(|(case_type, hash)| RoundRubricView {
                    case_type: case_type.code(),
                    case_type_label: case_type.label(),
                    content_hash: hash.clone(),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Objection and borderline settings (issue 13), kept beside the round's other settings.

type ObjectionRow = (i32, bool, i32, Option<NaiveDate>);

fn objection_row(conn: &mut DbConn, round: RoundId) -> Result<Option<ObjectionRow>> {
    Ok(round_objection_settings::table
        .filter(round_objection_settings::round_id.eq(round.to_string()))
        .select((
            round_objection_settings::objection_days,
            round_objection_settings::borderline_review,
            round_objection_settings::borderline_tenths,
            round_objection_settings::feedback_on,
        ))
        .first(conn)
        .optional()?)
}

/// The round's objection window and borderline second-review option (defaults when unset).
pub fn objection_settings(conn: &mut DbConn, round: RoundId) -> Result<ObjectionSettings> {
    Ok(objection_from(objection_row(conn, round)?))
}

fn objection_from(row: Option<ObjectionRow>) -> ObjectionSettings {
    match row {
        Some((days, borderline, tenths, _)) => ObjectionSettings {
            objection_days: u32::try_from(days).unwrap_or(5),
            borderline_review: borderline,
            borderline_points: Points::from_tenths(tenths),
        },
        None => ObjectionSettings::default(),
    }
}

/// The day the round entered 反馈整改, once it has.
pub fn feedback_on(conn: &mut DbConn, round: RoundId) -> Result<Option<NaiveDate>> {
    Ok(objection_row(conn, round)?.and_then(|row| row.3))
}

fn upsert_objection_row(conn: &mut DbConn, round: RoundId, row: ObjectionRow) -> Result<()> {
    let (days, borderline, tenths, feedback) = row;
    diesel::delete(
        round_objection_settings::table
            .filter(round_objection_settings::round_id.eq(round.to_string())),
    )
    .execute(conn)?;
    diesel::insert_into(round_objection_settings::table)
        .values((
            round_objection_settings::round_id.eq(round.to_string()),
            round_objection_settings::objection_days.eq(days),
            round_objection_settings::borderline_review.eq(borderline),
            round_objection_settings::borderline_tenths.eq(tenths),
            round_objection_settings::feedback_on.eq(feedback),
        ))
        .execute(conn)?;
    Ok(())
}

fn set_feedback_on(conn: &mut DbConn, round: RoundId, day: NaiveDate) -> Result<()> {
    let settings = objection_settings(conn, round)?;
    upsert_objection_row(
        conn,
        round,
        (
            i32::try_from(settings.objection_days).unwrap_or(5),
            settings.borderline_review,
            settings.borderline_points.tenths(),
            Some(day),
        ),
    )
}

/// The accounts named as the round's objection panel (empty: team leader and administrators).
pub fn panel(conn: &mut DbConn, round: RoundId) -> Result<Vec<UserId>> {
    round_panel_members::table
        .filter(round_panel_members::round_id.eq(round.to_string()))
        .select(round_panel_members::user_id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

/// Saves the objection settings and the named panel (logins; unknown ones are `NotFound`,
/// named in the error by the caller's check first).
pub fn save_objection_settings(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    settings: &ObjectionSettings,
    panel_logins: &[String],
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        require(conn, round, RoundAction::EditSettings)?;
        let before = objection_settings(conn, round)?;
        let feedback = feedback_on(conn, round)?;
        let mut panel_ids = Vec::new();
        for login in panel_logins {
            let id: String = users::table
                .filter(users::login.eq(login))
                .select(users::id)
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound)?;
            panel_ids.push(id);
        }
        upsert_objection_row(
            conn,
            round,
            (
                i32::try_from(settings.objection_days).unwrap_or(5),
                settings.borderline_review,
                settings.borderline_points.tenths(),
                feedback,
            ),
        )?;
        diesel::delete(
            round_panel_members::table.filter(round_panel_members::round_id.eq(round.to_string())),
        )
        .execute(conn)?;
        for id in &panel_ids {
            diesel::insert_into(round_panel_members::table)
                .values((
                    round_panel_members::round_id.eq(round.to_string()),
                    round_panel_members::user_id.eq(id),
                ))
                .execute(conn)?;
        }
        Change::of("round.objection_settings", "round", round)
            .before(serde_json::to_value(before).ok())
            .after(serde_json::json!({
                "settings": settings,
                "panel": panel_logins,
            }))
            .record(conn, actor, now)
    })
}

/// When the round last entered 反馈整改 (from its audit entry), as a date where the server
/// runs: the issue date of its feedback reports, so that a report made again from the same
/// data carries the same date (and bytes). `None` if it never did.
pub fn feedback_date(conn: &mut DbConn, id: RoundId) -> Result<Option<NaiveDate>> {
    use crate::storage::schema::audit_log;
    use chrono::TimeZone;
    let entered: Option<NaiveDateTime> = audit_log::table
        .filter(audit_log::action.eq("round.status"))
        .filter(audit_log::entity_type.eq("round"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .filter(
            audit_log::after_json
                .like(format!("%\"status\":\"{}\"%", RoundStatus::Feedback.code())),
        )
        .order(audit_log::id.desc())
        .select(audit_log::at)
        .first(conn)
        .optional()?;
    Ok(entered.map(|at| chrono::Local.from_utc_datetime(&at).date_naive()))
}

/// The day the round last entered `status`, from its audit trail (`round.status` entries);
/// `None` for a round that never did (or whose entry predates the trail).
pub fn entered_on(
    conn: &mut DbConn,
    round: RoundId,
    status: RoundStatus,
) -> Result<Option<NaiveDate>> {
    use crate::storage::schema::audit_log;
    let entries: Vec<(NaiveDateTime, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("round.status"))
        .filter(audit_log::entity_id.eq(round.to_string()))
        .order(audit_log::at.desc())
        .select((audit_log::at, audit_log::after_json))
        .load(conn)?;
    Ok(entries.into_iter().find_map(|(at, after)| {
        let after: serde_json::Value = serde_json::from_str(after.as_deref()?).ok()?;
        (after.get("status")?.as_str()? == status.code()).then(|| at.date())
    }))
}
