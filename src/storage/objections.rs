//! Objections (异议/申辩): a center manager objects to a deduction or veto of their own unit's
//! file, the panel decides 维持 / 变更 / 撤销 with a reason. Each step is one transaction with
//! its audit entry and notifications. A decided objection changes the file's result through
//! `storage::results` (see [`adjustments`]) and the finding it is about (its points, or
//! marked withdrawn), so every page and document that reads results shows the new figure.

use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, FindingId, ObjectionId, PersonId, RoundId, UnitId, UserId};
use crate::domain::objection::{
    self, Adjustment, Decider, DeciderRole, ObjectionSettings, ObjectionState, TargetKind,
};
use crate::domain::people::{Account, Role};
use crate::domain::rectification::RectificationState;
use crate::domain::round::RoundStatus;
use crate::domain::rubric::Points;
use crate::storage::schema::{
    case_files, findings, objections, review_rounds, round_panel_members, units, users,
};
use crate::storage::{DbConn, Error, Result, parse_id, rounds};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// A stored objection as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredObjection {
    pub id: ObjectionId,
    pub round_id: RoundId,
    pub round_name: String,
    pub case_file_id: CaseFileId,
    pub case_no: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub finding_id: FindingId,
    pub target: TargetKind,
    pub target_label: &'static str,
    pub item_code: String,
    pub item_text: String,
    pub state: ObjectionState,
    pub state_label: &'static str,
    pub open: bool,
    pub reason: String,
    /// The deduction when the objection was filed (0 for a veto); shown as text ("2.5").
    #[serde(serialize_with = "points_text")]
    pub old_points: Points,
    /// After the decision: the changed points, 0 when withdrawn; none while pending or upheld.
    #[serde(serialize_with = "optional_points_text")]
    pub new_points: Option<Points>,
    pub decision_reason: Option<String>,
    pub filed_by: String,
    pub filed_at: NaiveDateTime,
    pub filed_text: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_text: Option<String>,
    /// Calendar days open: until the decision, or until `today` while pending.
    pub age_days: i64,
    pub evidence_name: Option<String>,
    pub evidence_size: Option<i64>,
    pub evidence_sha256: Option<String>,
    /// The round is blind: the inspected unit reads roles, never people ([`as_seen_by_unit`]).
    #[serde(skip)]
    pub blind: bool,
    /// The round's status, for the actions the objection allows.
    #[serde(skip)]
    pub round_status: RoundStatus,
}

/// Points as pages and the API show them: "2.5", not tenths.
fn points_text<S: serde::Serializer>(
    points: &Points,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(points)
}

fn optional_points_text<S: serde::Serializer>(
    points: &Option<Points>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match points {
        Some(points) => serializer.collect_str(points),
        None => serializer.serialize_none(),
    }
}

/// The objection's own columns (all but the evidence's content and type).
#[derive(Queryable, Selectable)]
#[diesel(table_name = objections)]
struct ObjectionRow {
    id: String,
    round_id: String,
    case_file_id: String,
    unit_id: String,
    finding_id: String,
    target_kind: String,
    item_code: String,
    item_text: String,
    state: String,
    reason: String,
    old_points_tenths: i32,
    new_points_tenths: Option<i32>,
    decision_reason: Option<String>,
    filed_by: String,
    filed_at: NaiveDateTime,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    evidence_name: Option<String>,
    evidence_size: Option<i64>,
    evidence_sha256: Option<String>,
}

/// What an objection's page needs of its round.
#[derive(Queryable, Selectable)]
#[diesel(table_name = review_rounds)]
struct RoundColumns {
    name: String,
    blind: bool,
    status: String,
}

type Row = (ObjectionRow, String, String, RoundColumns);

fn load(conn: &mut DbConn, filter: Filter, today: NaiveDate) -> Result<Vec<StoredObjection>> {
    use crate::storage::schema::review_rounds;
    let mut query = objections::table
        .inner_join(case_files::table)
        .inner_join(units::table)
        .inner_join(review_rounds::table.on(review_rounds::id.eq(objections::round_id)))
        .select((
            ObjectionRow::as_select(),
            case_files::case_no,
            units::name,
            RoundColumns::as_select(),
        ))
        .into_boxed();
    if let UnitScope::Unit(unit) = filter.scope {
        query = query.filter(objections::unit_id.eq(unit.to_string()));
    }
    if let Some(round) = filter.round {
        query = query.filter(objections::round_id.eq(round.to_string()));
    }
    if let Some(id) = filter.id {
        query = query.filter(objections::id.eq(id.to_string()));
    }
    if let Some(ids) = filter.findings {
        query = query.filter(objections::finding_id.eq_any(ids.iter().map(ToString::to_string)));
    }
    let rows: Vec<Row> = query
        .order((objections::filed_at.desc(), objections::id.asc()))
        .load(conn)?;
    let mut stored = rows
        .into_iter()
        .map(|row| to_stored(row, today))
        .collect::<Result<Vec<_>>>()?;
    if let UnitScope::Unit(_) = filter.scope {
        for objection in &mut stored {
            as_seen_by_unit(conn, objection)?;
        }
    }
    Ok(stored)
}

/// The objection as the inspected unit reads it: in a blind round it sees roles, never
/// people, so who decided is named by role. Every read with a unit's scope goes through it.
fn as_seen_by_unit(conn: &mut DbConn, objection: &mut StoredObjection) -> Result<()> {
    if objection.blind
        && let Some(login) = objection.decided_by.take()
    {
        objection.decided_by = Some(
            decider_role(conn, objection.round_id, &login)?
                .label()
                .into(),
        );
    }
    Ok(())
}

/// The role in which an account decided an objection, as the inspected unit of a blind round
/// reads it: the bureau's administrator, a member of the round's named panel, or the leader
/// of the file's team.
fn decider_role(conn: &mut DbConn, round: RoundId, login: &str) -> Result<DeciderRole> {
    let account: Option<(String, String)> = users::table
        .filter(users::login.eq(login))
        .select((users::id, users::role))
        .first(conn)
        .optional()?;
    let Some((id, role)) = account else {
        return Ok(DeciderRole::Unknown);
    };
    if role == Role::BureauAdmin.code() {
        return Ok(DeciderRole::Admin);
    }
    let on_panel: i64 = round_panel_members::table
        .filter(round_panel_members::round_id.eq(round.to_string()))
        .filter(round_panel_members::user_id.eq(&id))
        .count()
        .get_result(conn)?;
    Ok(if on_panel > 0 {
        DeciderRole::NamedPanel
    } else {
        DeciderRole::TeamLeader
    })
}

fn to_stored((row, case_no, unit_name, round): Row, today: NaiveDate) -> Result<StoredObjection> {
    let state: ObjectionState = row.state.parse().map_err(corrupt)?;
    let target: TargetKind = row.target_kind.parse().map_err(corrupt)?;
    let end = row.decided_at.map_or(today, |at| at.date());
    Ok(StoredObjection {
        id: parse_id(&row.id)?,
        round_id: parse_id(&row.round_id)?,
        round_name: round.name,
        case_file_id: parse_id(&row.case_file_id)?,
        case_no,
        unit_id: parse_id(&row.unit_id)?,
        unit_name,
        finding_id: parse_id(&row.finding_id)?,
        target,
        target_label: target.label(),
        item_code: row.item_code,
        item_text: row.item_text,
        state,
        state_label: state.label(),
        open: state.is_open(),
        reason: row.reason,
        old_points: Points::from_tenths(row.old_points_tenths),
        new_points: row.new_points_tenths.map(Points::from_tenths),
        decision_reason: row.decision_reason,
        filed_by: row.filed_by,
        filed_text: crate::domain::local_time::minutes(row.filed_at),
        filed_at: row.filed_at,
        decided_by: row.decided_by,
        decided_text: row.decided_at.map(crate::domain::local_time::minutes),
        decided_at: row.decided_at,
        age_days: end
            .signed_duration_since(row.filed_at.date())
            .num_days()
            .max(0),
        evidence_name: row.evidence_name,
        evidence_size: row.evidence_size,
        evidence_sha256: row.evidence_sha256,
        blind: round.blind,
        round_status: round.status.parse().map_err(corrupt)?,
    })
}

/// Which objections to list.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    pub scope: UnitScope,
    pub round: Option<RoundId>,
    pub id: Option<ObjectionId>,
    pub findings: Option<&'a [FindingId]>,
}

impl Filter<'_> {
    pub fn scope(scope: UnitScope) -> Self {
        Filter {
            scope,
            round: None,
            id: None,
            findings: None,
        }
    }
}

pub fn list(
    conn: &mut DbConn,
    filter: Filter<'_>,
    today: NaiveDate,
) -> Result<Vec<StoredObjection>> {
    load(conn, filter, today)
}

/// One objection; `OutOfScope` for a center manager of another unit.
pub fn get(
    conn: &mut DbConn,
    scope: UnitScope,
    id: ObjectionId,
    today: NaiveDate,
) -> Result<StoredObjection> {
    let found = load(
        conn,
        Filter {
            id: Some(id),
            ..Filter::scope(UnitScope::All)
        },
        today,
    )?
    .into_iter()
    .next()
    .ok_or(Error::NotFound)?;
    if !scope.allows(found.unit_id) {
        return Err(Error::OutOfScope);
    }
    let mut found = found;
    if let UnitScope::Unit(_) = scope {
        as_seen_by_unit(conn, &mut found)?;
    }
    Ok(found)
}

/// The objection of each finding, if any.
pub fn by_finding(
    conn: &mut DbConn,
    finding_ids: &[FindingId],
    today: NaiveDate,
) -> Result<BTreeMap<FindingId, StoredObjection>> {
    if finding_ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut found = BTreeMap::new();
    for chunk in finding_ids.chunks(5000) {
        for objection in load(
            conn,
            Filter {
                findings: Some(chunk),
                ..Filter::scope(UnitScope::All)
            },
            today,
        )? {
            found.insert(objection.finding_id, objection);
        }
    }
    Ok(found)
}

/// What a decided 变更 or 撤销 does to each file of the round: the adjustments
/// `storage::results` applies to every reviewer's sheet of the file.
pub fn adjustments(
    conn: &mut DbConn,
    round: RoundId,
) -> Result<BTreeMap<CaseFileId, Vec<Adjustment>>> {
    let rows: Vec<AdjustmentRow> = objections::table
        .filter(objections::round_id.eq(round.to_string()))
        .filter(objections::state.eq_any([
            ObjectionState::Changed.code(),
            ObjectionState::Withdrawn.code(),
        ]))
        .order(objections::decided_at.asc())
        .select(AdjustmentRow::as_select())
        .load(conn)?;
    let mut by_file: BTreeMap<CaseFileId, Vec<Adjustment>> = BTreeMap::new();
    for row in rows {
        by_file
            .entry(parse_id(&row.case_file_id)?)
            .or_default()
            .push(Adjustment {
                target: row.target_kind.parse().map_err(corrupt)?,
                code: row.item_code,
                old_points: Points::from_tenths(row.old_points_tenths),
                new_points: Points::from_tenths(row.new_points_tenths.unwrap_or(0)),
            });
    }
    Ok(by_file)
}

/// A decided objection as the file's result needs it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = objections)]
struct AdjustmentRow {
    case_file_id: String,
    target_kind: String,
    item_code: String,
    old_points_tenths: i32,
    new_points_tenths: Option<i32>,
}

/// The due date of the round's objection window, once the round is in 反馈整改.
pub fn window_due(conn: &mut DbConn, round: RoundId) -> Result<Option<NaiveDate>> {
    let settings = rounds::objection_settings(conn, round)?;
    Ok(rounds::feedback_on(conn, round)?
        .and_then(|day| objection::add_working_days(day, settings.objection_days)))
}

/// A new objection as filed; the evidence is optional.
#[derive(Insertable)]
#[diesel(table_name = objections)]
pub struct NewObjection<'a> {
    pub id: String,
    pub round_id: String,
    pub case_file_id: String,
    pub unit_id: String,
    pub finding_id: String,
    pub target_kind: &'static str,
    pub item_code: &'a str,
    pub item_text: &'a str,
    pub state: &'static str,
    pub reason: &'a str,
    pub old_points_tenths: i32,
    pub filed_by: &'a str,
    pub filed_at: NaiveDateTime,
    pub evidence_name: Option<&'a str>,
    pub evidence_type: Option<&'static str>,
    pub evidence_size: Option<i64>,
    pub evidence_sha256: Option<&'a str>,
    pub evidence_content: Option<&'a [u8]>,
}

/// Stores a new objection. `Duplicate` when the finding already has one: the same objection
/// filed at the same moment by another request (another server) loses on the unique index.
pub fn insert(conn: &mut DbConn, objection: &NewObjection<'_>) -> Result<()> {
    diesel::insert_into(objections::table)
        .values(objection)
        .execute(conn)
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => Error::Duplicate(objection.finding_id.clone()),
            other => other.into(),
        })?;
    Ok(())
}

/// A decision as stored.
pub struct DecisionRecord<'a> {
    pub state: ObjectionState,
    pub new_points: Option<Points>,
    pub reason: &'a str,
    pub decided_by: &'a str,
    pub decided_at: NaiveDateTime,
}

/// Records the decision on a pending objection; false when it was no longer pending.
pub fn record_decision(
    conn: &mut DbConn,
    id: ObjectionId,
    record: &DecisionRecord<'_>,
) -> Result<bool> {
    let updated = diesel::update(
        objections::table
            .filter(objections::id.eq(id.to_string()))
            .filter(objections::state.eq(ObjectionState::Pending.code())),
    )
    .set((
        objections::state.eq(record.state.code()),
        objections::new_points_tenths.eq(record.new_points.map(Points::tenths)),
        objections::decision_reason.eq(record.reason),
        objections::decided_by.eq(record.decided_by),
        objections::decided_at.eq(record.decided_at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The finding follows a decided deduction, unless the bureau already verified its
/// rectification.
pub fn set_finding_points(
    conn: &mut DbConn,
    finding: FindingId,
    points: Points,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(
        findings::table
            .filter(findings::id.eq(finding.to_string()))
            .filter(findings::state.ne(RectificationState::Verified.code())),
    )
    .set((
        findings::points_tenths.eq(points.tenths()),
        findings::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// The accounts that decide objections on a file: the round's named panel, or the
/// administrators and the account of the leader of the file's team.
pub fn panel_users(conn: &mut DbConn, round: RoundId, file: CaseFileId) -> Result<Vec<UserId>> {
    let named = rounds::panel(conn, round)?;
    if !named.is_empty() {
        return Ok(named);
    }
    let mut ids: BTreeSet<String> = users::table
        .filter(users::role.eq(Role::BureauAdmin.code()))
        .filter(users::active.eq(true))
        .select(users::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    if let Some(leader) = file_leader(conn, round, file)? {
        ids.extend(
            users::table
                .filter(users::person_id.eq(leader.to_string()))
                .filter(users::role.eq(Role::Reviewer.code()))
                .select(users::id)
                .load::<String>(conn)?,
        );
    }
    ids.iter().map(|id| parse_id(id)).collect()
}

/// The leader of the file's team in the round's published assignment
/// (`Assignment::leader_of_file`, the one definition).
fn file_leader(conn: &mut DbConn, round: RoundId, file: CaseFileId) -> Result<Option<PersonId>> {
    Ok(
        crate::storage::assignments::published_assignment(conn, round)?
            .and_then(|assignment| assignment.leader_of_file(file)),
    )
}

/// Whether the account may decide objections on the file of the round.
pub fn may_decide(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
    file: CaseFileId,
) -> Result<bool> {
    let named = rounds::panel(conn, round)?;
    let is_team_leader = match (account.role, account.person_id) {
        (Role::Reviewer, Some(person)) => file_leader(conn, round, file)? == Some(person),
        _ => false,
    };
    Ok(objection::may_decide(
        Decider {
            is_admin: account.role == Role::BureauAdmin,
            is_team_leader,
            on_named_panel: named.contains(&account.id),
        },
        !named.is_empty(),
    ))
}

/// An objection's evidence file.
pub struct EvidenceFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The evidence file of an objection.
pub fn evidence(conn: &mut DbConn, scope: UnitScope, id: ObjectionId) -> Result<EvidenceFile> {
    let (unit, name, content_type, bytes): (
        String,
        Option<String>,
        Option<String>,
        Option<Vec<u8>>,
    ) = objections::table
        .filter(objections::id.eq(id.to_string()))
        .select((
            objections::unit_id,
            objections::evidence_name,
            objections::evidence_type,
            objections::evidence_content,
        ))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if !scope.allows(parse_id(&unit)?) {
        return Err(Error::OutOfScope);
    }
    match (name, content_type, bytes) {
        (Some(name), Some(content_type), Some(bytes)) => Ok(EvidenceFile {
            name,
            content_type,
            bytes,
        }),
        _ => Err(Error::NotFound),
    }
}

/// The round's objection settings with the panel's logins, for the round page.
pub fn settings_view(
    conn: &mut DbConn,
    round: RoundId,
) -> Result<(ObjectionSettings, Vec<String>)> {
    let settings = rounds::objection_settings(conn, round)?;
    let logins = round_panel_members::table
        .inner_join(users::table)
        .filter(round_panel_members::round_id.eq(round.to_string()))
        .select(users::login)
        .order(users::login.asc())
        .load::<String>(conn)?;
    Ok((settings, logins))
}
