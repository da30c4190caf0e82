//! Objections (异议/申辩): a center manager objects to a deduction or veto of their own unit's
//! file, the panel decides 维持 / 变更 / 撤销 with a reason. Each step is one transaction with
//! its audit entry and notifications. A decided objection changes the file's result through
//! `storage::results` (see [`adjustments`]) and the finding it is about (its points, or
//! marked withdrawn), so every page and document that reads results shows the new figure.

use crate::domain::UnitScope;
use crate::domain::evidence::EvidenceKind;
use crate::domain::findings::FindingSource;
use crate::domain::ids::{CaseFileId, FindingId, ObjectionId, RoundId, UnitId, UserId};
use crate::domain::objection::{
    self, Adjustment, Decider, Decision, DecisionError, Filing, FilingError, ObjectionSettings,
    ObjectionState, TargetKind,
};
use crate::domain::people::{Account, Role};
use crate::domain::rectification::RectificationState;
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::RoundAction;
use crate::domain::rubric::Points;
use crate::security::sha256_hex;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::notifications::{self, Audience, Kind, Target};
use crate::storage::schema::{case_files, findings, objections, round_panel_members, units, users};
use crate::storage::{DbConn, Error, Result, new_id, parse_id, rectification, rounds, transaction};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// Who acts, as storage needs it.
pub struct Caller<'a> {
    pub actor: &'a Actor,
    pub account: &'a Account,
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
    /// The deduction when the objection was filed (0 for a veto).
    pub old_points: Points,
    /// After the decision: the changed points, 0 when withdrawn; none while pending or upheld.
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
}

type Row = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i32,
        Option<i32>,
    ),
    (
        Option<String>,
        String,
        NaiveDateTime,
        Option<String>,
        Option<NaiveDateTime>,
        Option<String>,
        Option<i64>,
        Option<String>,
    ),
    (String, String, String, bool),
);

fn load(conn: &mut DbConn, filter: Filter, today: NaiveDate) -> Result<Vec<StoredObjection>> {
    use crate::storage::schema::review_rounds;
    let mut query = objections::table
        .inner_join(case_files::table)
        .inner_join(units::table)
        .inner_join(review_rounds::table.on(review_rounds::id.eq(objections::round_id)))
        .select((
            (
                objections::id,
                objections::round_id,
                objections::case_file_id,
                objections::unit_id,
                objections::finding_id,
                objections::target_kind,
                objections::item_code,
                objections::item_text,
                objections::state,
                objections::reason,
                objections::old_points_tenths,
                objections::new_points_tenths,
            ),
            (
                objections::decision_reason,
                objections::filed_by,
                objections::filed_at,
                objections::decided_by,
                objections::decided_at,
                objections::evidence_name,
                objections::evidence_size,
                objections::evidence_sha256,
            ),
            (
                case_files::case_no,
                units::name,
                review_rounds::name,
                review_rounds::blind,
            ),
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
        objection.decided_by = Some(decider_role(conn, objection.round_id, &login)?.into());
    }
    Ok(())
}

/// The role in which an account decided an objection, as the inspected unit of a blind round
/// reads it: the bureau's administrator, a member of the round's named panel, or the leader
/// of the team that inspected the unit.
fn decider_role(conn: &mut DbConn, round: RoundId, login: &str) -> Result<&'static str> {
    let account: Option<(String, String)> = users::table
        .filter(users::login.eq(login))
        .select((users::id, users::role))
        .first(conn)
        .optional()?;
    let Some((id, role)) = account else {
        return Ok("异议裁决人");
    };
    if role == Role::BureauAdmin.code() {
        return Ok("司法局管理员");
    }
    let on_panel: i64 = round_panel_members::table
        .filter(round_panel_members::round_id.eq(round.to_string()))
        .filter(round_panel_members::user_id.eq(&id))
        .count()
        .get_result(conn)?;
    Ok(if on_panel > 0 {
        "异议复核小组成员"
    } else {
        "评查组组长"
    })
}

fn to_stored(row: Row, today: NaiveDate) -> Result<StoredObjection> {
    let (
        (id, round, file, unit, finding, target, item_code, item_text, state, reason, old, new),
        (
            decision_reason,
            filed_by,
            filed_at,
            decided_by,
            decided_at,
            evidence_name,
            evidence_size,
            evidence_sha256,
        ),
        (case_no, unit_name, round_name, blind),
    ) = row;
    let state: ObjectionState = state.parse().map_err(corrupt)?;
    let target: TargetKind = target.parse().map_err(corrupt)?;
    let end = decided_at.map_or(today, |at| at.date());
    Ok(StoredObjection {
        id: parse_id(&id)?,
        round_id: parse_id(&round)?,
        round_name,
        case_file_id: parse_id(&file)?,
        case_no,
        unit_id: parse_id(&unit)?,
        unit_name,
        finding_id: parse_id(&finding)?,
        target,
        target_label: target.label(),
        item_code,
        item_text,
        state,
        state_label: state.label(),
        open: state.is_open(),
        reason,
        old_points: Points::from_tenths(old),
        new_points: new.map(Points::from_tenths),
        decision_reason,
        filed_by,
        filed_text: filed_at.format("%Y-%m-%d %H:%M").to_string(),
        filed_at,
        decided_by,
        decided_text: decided_at.map(|at| at.format("%Y-%m-%d %H:%M").to_string()),
        decided_at,
        age_days: end.signed_duration_since(filed_at.date()).num_days().max(0),
        evidence_name,
        evidence_size,
        evidence_sha256,
        blind,
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
    let rows: Vec<(String, String, String, i32, Option<i32>)> = objections::table
        .filter(objections::round_id.eq(round.to_string()))
        .filter(objections::state.eq_any([
            ObjectionState::Changed.code(),
            ObjectionState::Withdrawn.code(),
        ]))
        .order(objections::decided_at.asc())
        .select((
            objections::case_file_id,
            objections::target_kind,
            objections::item_code,
            objections::old_points_tenths,
            objections::new_points_tenths,
        ))
        .load(conn)?;
    let mut by_file: BTreeMap<CaseFileId, Vec<Adjustment>> = BTreeMap::new();
    for (file, target, code, old, new) in rows {
        by_file
            .entry(parse_id(&file)?)
            .or_default()
            .push(Adjustment {
                target: target.parse().map_err(corrupt)?,
                code,
                old_points: Points::from_tenths(old),
                new_points: Points::from_tenths(new.unwrap_or(0)),
            });
    }
    Ok(by_file)
}

/// The due date of the round's objection window, once the round is in 反馈整改.
pub fn window_due(conn: &mut DbConn, round: RoundId) -> Result<Option<NaiveDate>> {
    let settings = rounds::objection_settings(conn, round)?;
    Ok(rounds::feedback_on(conn, round)?
        .and_then(|day| objection::add_working_days(day, settings.objection_days)))
}

/// Why filing failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Refused(#[from] FilingError),
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<diesel::result::Error> for FileError {
    fn from(error: diesel::result::Error) -> Self {
        FileError::Storage(error.into())
    }
}

/// Optional evidence, already checked by `domain::evidence::check`.
pub struct Evidence<'a> {
    pub file_name: &'a str,
    pub kind: EvidenceKind,
    pub bytes: &'a [u8],
}

/// A center manager objects to the deduction or veto a finding records.
pub fn file(
    conn: &mut DbConn,
    caller: &Caller<'_>,
    finding: FindingId,
    reason: &str,
    evidence: Option<Evidence<'_>>,
    today: NaiveDate,
    now: NaiveDateTime,
) -> std::result::Result<ObjectionId, FileError> {
    transaction(conn, |conn| {
        // Scope first: another unit's finding is 403, whatever else is wrong.
        let caller_unit = match caller.account.role {
            Role::CenterManager => caller.account.unit_id,
            _ => None,
        };
        let scope = match caller_unit {
            Some(unit) => UnitScope::Unit(unit),
            None => UnitScope::All,
        };
        let found = rectification::finding(conn, scope, finding)?;
        rounds::require(conn, found.finding.round_id, RoundAction::FileObjection)?;
        let round = rounds::find(conn, found.finding.round_id)?;
        let due = window_due(conn, round.id)?;
        let existing = by_finding(conn, &[finding], today)?
            .remove(&finding)
            .map(|objection| objection.state);
        let target = match found.finding.source {
            FindingSource::Deduction => Some(TargetKind::Deduction),
            FindingSource::Veto => Some(TargetKind::Veto),
            _ => None,
        };
        let target = objection::check_filing(&Filing {
            caller_unit,
            file_unit: found.finding.unit_id,
            in_feedback: round.status == RoundStatus::Feedback,
            due,
            today,
            target,
            // Derived findings come only from submitted (or reconciled) sheets.
            on_submitted_sheet: target.is_some(),
            existing,
            reason,
        })?;
        let id = ObjectionId(new_id());
        let old_points = match target {
            TargetKind::Deduction => found.finding.points_deducted,
            TargetKind::Veto => Points::ZERO,
        };
        let (name, kind, size, sha, content) = match &evidence {
            Some(evidence) => (
                Some(evidence.file_name.to_string()),
                Some(evidence.kind.content_type()),
                Some(i64::try_from(evidence.bytes.len()).unwrap_or(i64::MAX)),
                Some(sha256_hex(evidence.bytes)),
                Some(evidence.bytes.to_vec()),
            ),
            None => (None, None, None, None, None),
        };
        diesel::insert_into(objections::table)
            .values((
                objections::id.eq(id.to_string()),
                objections::round_id.eq(round.id.to_string()),
                objections::case_file_id.eq(found.finding.case_file_id.to_string()),
                objections::unit_id.eq(found.finding.unit_id.to_string()),
                objections::finding_id.eq(finding.to_string()),
                objections::target_kind.eq(target.code()),
                objections::item_code.eq(&found.finding.item_code),
                objections::item_text.eq(&found.finding.item_text),
                objections::state.eq(ObjectionState::Pending.code()),
                objections::reason.eq(reason.trim()),
                objections::old_points_tenths.eq(old_points.tenths()),
                objections::filed_by.eq(&caller.actor.login),
                objections::filed_at.eq(now),
                objections::evidence_name.eq(&name),
                objections::evidence_type.eq(kind),
                objections::evidence_size.eq(size),
                objections::evidence_sha256.eq(&sha),
                objections::evidence_content.eq(content),
            ))
            .execute(conn)
            // The same objection filed at the same moment by another request (another
            // server): the unique finding index decides, and this one is the second.
            .map_err(|error| match error {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => FileError::Refused(FilingError::AlreadyOpen),
                other => other.into(),
            })?;
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "objection.file",
                entity_type: "objection",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "finding": finding.to_string(),
                    "file": found.finding.case_file_id.to_string(),
                    "target": target.code(),
                    "item": found.finding.item_code,
                    "old_points": old_points.to_string(),
                    "reason": reason.trim(),
                    "evidence_sha256": sha,
                })),
            },
            now,
        )?;
        let panel = panel_users(conn, round.id, found.finding.unit_id)?;
        let message = format!(
            "{}对案卷{}的“{} {}”提出异议，请处理",
            found.unit_name, found.case_no, found.finding.item_code, found.finding.item_text
        );
        notifications::notify_about(
            conn,
            Audience::Users(&panel),
            Kind::ObjectionFiled,
            Target::Objection(id),
            &message,
            now,
        )?;
        Ok(id)
    })
}

/// The accounts that decide objections on a unit's files: the round's named panel, or the
/// administrators and the account of the team leader of the team that inspected the unit.
pub fn panel_users(conn: &mut DbConn, round: RoundId, unit: UnitId) -> Result<Vec<UserId>> {
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
    if let Some(leader) = team_leader(conn, round, unit)? {
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

fn team_leader(
    conn: &mut DbConn,
    round: RoundId,
    unit: UnitId,
) -> Result<Option<crate::domain::ids::PersonId>> {
    Ok(
        crate::storage::assignments::published_assignment(conn, round)?
            .and_then(|assignment| assignment.team_of_unit(unit).map(|team| team.leader)),
    )
}

/// Whether the account may decide objections on the unit's files of the round.
pub fn may_decide(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
    unit: UnitId,
) -> Result<bool> {
    let named = rounds::panel(conn, round)?;
    let is_team_leader = match (account.role, account.person_id) {
        (Role::Reviewer, Some(person)) => team_leader(conn, round, unit)? == Some(person),
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

/// Why a decision failed.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Refused(#[from] DecisionError),
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<diesel::result::Error> for DecideError {
    fn from(error: diesel::result::Error) -> Self {
        DecideError::Storage(error.into())
    }
}

/// The panel decides. A 变更 lowers the finding's points and a 撤销 removes the deduction, as
/// long as the finding is not yet verified; the file's result follows through
/// `storage::results`.
pub fn decide(
    conn: &mut DbConn,
    caller: &Caller<'_>,
    id: ObjectionId,
    decision: &Decision,
    reason: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> std::result::Result<StoredObjection, DecideError> {
    transaction(conn, |conn| {
        let before = get(conn, UnitScope::All, id, today)?;
        if !may_decide(conn, caller.account, before.round_id, before.unit_id)? {
            return Err(DecisionError::NotOnPanel.into());
        }
        rounds::require(conn, before.round_id, RoundAction::DecideObjection)?;
        let state = objection::check_decision(
            before.state,
            before.target,
            before.old_points,
            decision,
            reason,
        )?;
        let new_points = decision.new_points();
        let updated = diesel::update(
            objections::table
                .filter(objections::id.eq(id.to_string()))
                .filter(objections::state.eq(ObjectionState::Pending.code())),
        )
        .set((
            objections::state.eq(state.code()),
            objections::new_points_tenths.eq(new_points.map(Points::tenths)),
            objections::decision_reason.eq(reason.trim()),
            objections::decided_by.eq(&caller.actor.login),
            objections::decided_at.eq(now),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(DecisionError::AlreadyDecided(before.state).into());
        }
        // The finding follows unless the bureau already verified its rectification.
        if let (TargetKind::Deduction, Some(points)) = (before.target, new_points) {
            diesel::update(
                findings::table
                    .filter(findings::id.eq(before.finding_id.to_string()))
                    .filter(findings::state.ne(RectificationState::Verified.code())),
            )
            .set((
                findings::points_tenths.eq(points.tenths()),
                findings::updated_at.eq(now),
            ))
            .execute(conn)?;
        }
        // The finding's content as it now is (changed or not), recorded with the decision.
        let finding_digest = std::collections::BTreeMap::from([(
            crate::storage::attest::Kind::Finding,
            crate::storage::attest::digests(
                conn,
                crate::storage::attest::Kind::Finding,
                &[before.finding_id.to_string()],
            )?,
        )]);
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "objection.decide",
                entity_type: "objection",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({
                    "state": before.state.code(),
                    "points": before.old_points.to_string(),
                })),
                after: Some(crate::storage::attest::with_rows(
                    serde_json::json!({
                        "state": state.code(),
                        "points": new_points.map(|points| points.to_string()),
                        "reason": reason.trim(),
                    }),
                    &finding_digest,
                )),
            },
            now,
        )?;
        let message = match new_points {
            Some(points) if state == ObjectionState::Changed => format!(
                "案卷{}“{} {}”的异议已裁决：变更，扣分由 {} 分改为 {} 分",
                before.case_no, before.item_code, before.item_text, before.old_points, points
            ),
            _ => format!(
                "案卷{}“{} {}”的异议已裁决：{}",
                before.case_no,
                before.item_code,
                before.item_text,
                state.label()
            ),
        };
        notifications::notify_about(
            conn,
            Audience::Unit(before.unit_id),
            Kind::ObjectionDecided,
            Target::Objection(id),
            &message,
            now,
        )?;
        Ok(get(conn, UnitScope::All, id, today)?)
    })
}

/// The evidence file of an objection: (name, content type, bytes).
pub fn evidence(
    conn: &mut DbConn,
    scope: UnitScope,
    id: ObjectionId,
) -> Result<(String, String, Vec<u8>)> {
    let row: (String, Option<String>, Option<String>, Option<Vec<u8>>) = objections::table
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
    if !scope.allows(parse_id(&row.0)?) {
        return Err(Error::OutOfScope);
    }
    match (row.1, row.2, row.3) {
        (Some(name), Some(kind), Some(bytes)) => Ok((name, kind, bytes)),
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
