//! Objections (异议/申辩): a center manager objects to a deduction or veto of their own unit's
//! file, the panel decides 维持 / 变更 / 撤销 with a reason. Each step is one transaction with
//! its audit entry and notifications, re-checking inside it the round's status, the window
//! and the objection's state. A decided objection changes the file's result through
//! `storage::results` (the adjustments) and the finding it is about (its points, or marked
//! withdrawn), so every page and document that reads results shows the new figure.
//!
//! Who decides is the round's named panel, or the administrators and the leader of the
//! objection's file's team (`Assignment::leader_of_file`).

use crate::app::messages::objections as messages;
use crate::domain::UnitScope;
use crate::domain::evidence::EvidenceKind;
use crate::domain::findings::FindingSource;
use crate::domain::ids::{FindingId, ObjectionId, RoundId};
use crate::domain::objection::{
    self, Decision, DecisionError, Filing, FilingError, ObjectionActions, ObjectionState,
    TargetKind,
};
use crate::domain::people::{Account, Role};
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::RoundAction;
use crate::domain::rubric::Points;
use crate::security::sha256_hex;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::notifications::{self, Audience, Kind, Target};
use crate::storage::objections::{
    self as store, DecisionRecord, Filter, NewObjection, StoredObjection,
};
use crate::storage::rectification::{self, FindingFilter, FindingObjection};
use crate::storage::{DbConn, Error, Result, attest, new_id, rounds, transaction};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Who acts: the audit actor and the account (role, unit, person).
pub struct Caller<'a> {
    pub actor: &'a Actor,
    pub account: &'a Account,
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
        let due = store::window_due(conn, round.id)?;
        let existing = store::by_finding(conn, &[finding], today)?
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
        let sha = evidence.as_ref().map(|evidence| sha256_hex(evidence.bytes));
        store::insert(
            conn,
            &NewObjection {
                id: id.to_string(),
                round_id: round.id.to_string(),
                case_file_id: found.finding.case_file_id.to_string(),
                unit_id: found.finding.unit_id.to_string(),
                finding_id: finding.to_string(),
                target_kind: target.code(),
                item_code: &found.finding.item_code,
                item_text: &found.finding.item_text,
                state: ObjectionState::Pending.code(),
                reason: reason.trim(),
                old_points_tenths: old_points.tenths(),
                filed_by: &caller.actor.login,
                filed_at: now,
                evidence_name: evidence.as_ref().map(|evidence| evidence.file_name),
                evidence_type: evidence
                    .as_ref()
                    .map(|evidence| evidence.kind.content_type()),
                evidence_size: evidence
                    .as_ref()
                    .map(|evidence| i64::try_from(evidence.bytes.len()).unwrap_or(i64::MAX)),
                evidence_sha256: sha.as_deref(),
                evidence_content: evidence.as_ref().map(|evidence| evidence.bytes),
            },
        )
        .map_err(|error| match error {
            Error::Duplicate(_) => FileError::Refused(FilingError::AlreadyOpen),
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
        let panel = store::panel_users(conn, round.id, found.finding.case_file_id)?;
        let message = messages::filed(
            &found.unit_name,
            &found.case_no,
            &found.finding.item_code,
            &found.finding.item_text,
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
        let before = store::get(conn, UnitScope::All, id, today)?;
        if !store::may_decide(conn, caller.account, before.round_id, before.case_file_id)? {
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
        let recorded = store::record_decision(
            conn,
            id,
            &DecisionRecord {
                state,
                new_points,
                reason: reason.trim(),
                decided_by: &caller.actor.login,
                decided_at: now,
            },
        )?;
        if !recorded {
            return Err(DecisionError::AlreadyDecided(before.state).into());
        }
        if let (TargetKind::Deduction, Some(points)) = (before.target, new_points) {
            store::set_finding_points(conn, before.finding_id, points, now)?;
        }
        // The finding's content as it now is (changed or not), recorded with the decision.
        let finding_digest = std::collections::BTreeMap::from([(
            attest::Kind::Finding,
            attest::digests(
                conn,
                attest::Kind::Finding,
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
                after: Some(attest::with_rows(
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
        let message = messages::decided(
            &before.case_no,
            &before.item_code,
            &before.item_text,
            state,
            before.old_points,
            new_points,
        );
        notifications::notify_about(
            conn,
            Audience::Unit(before.unit_id),
            Kind::ObjectionDecided,
            Target::Objection(id),
            &message,
            now,
        )?;
        Ok(store::get(conn, UnitScope::All, id, today)?)
    })
}

/// The objections the account may see: a manager their unit's, a reviewer those they may
/// decide, administrators and leadership all.
pub fn visible(
    conn: &mut DbConn,
    account: &Account,
    scope: UnitScope,
    today: NaiveDate,
) -> Result<Vec<StoredObjection>> {
    let all = store::list(conn, Filter::scope(scope), today)?;
    if account.role != Role::Reviewer {
        return Ok(all);
    }
    let mut mine = Vec::new();
    for objection in all {
        if store::may_decide(conn, account, objection.round_id, objection.case_file_id)? {
            mine.push(objection);
        }
    }
    Ok(mine)
}

/// Why an objection is not shown to the caller.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    /// A reviewer who is not on its panel.
    #[error("not on the objection's panel")]
    NotOnPanel,
    #[error(transparent)]
    Storage(#[from] Error),
}

/// One objection for the account, with the actions it allows them; `OutOfScope` for a
/// manager of another unit, `NotOnPanel` for a reviewer who may not decide it.
pub fn one(
    conn: &mut DbConn,
    account: &Account,
    scope: UnitScope,
    id: ObjectionId,
    today: NaiveDate,
) -> std::result::Result<(StoredObjection, ObjectionActions), ShowError> {
    let objection = store::get(conn, scope, id, today)?;
    let may_decide = store::may_decide(conn, account, objection.round_id, objection.case_file_id)?;
    if account.role == Role::Reviewer && !may_decide {
        return Err(ShowError::NotOnPanel);
    }
    let actions = objection::allowed_actions(objection.state, may_decide, objection.round_status);
    Ok((objection, actions))
}

/// A deduction or veto a manager may object to.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectableRow {
    pub id: FindingId,
    pub case_no: String,
    pub item_code: String,
    pub item_text: String,
    pub points: String,
    pub is_veto: bool,
    pub reason: String,
    pub objection: Option<FindingObjection>,
}

/// A round in 反馈整改 with its objection window and the unit's objectable findings.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectableRound {
    pub id: RoundId,
    pub name: String,
    pub due: Option<NaiveDate>,
    /// The window is open (filing allowed by date).
    pub open: bool,
    pub days_left: Option<i64>,
    pub rows: Vec<ObjectableRow>,
}

/// For a center manager: each round in 反馈整改 with the window and the unit's deductions and
/// vetoes that may be objected to; nothing for other roles.
pub fn objectable(
    conn: &mut DbConn,
    account: &Account,
    today: NaiveDate,
) -> Result<Vec<ObjectableRound>> {
    let Some(unit) = account
        .unit_id
        .filter(|_| account.role == Role::CenterManager)
    else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for round in rounds::list(conn)?
        .into_iter()
        .filter(|round| round.status == RoundStatus::Feedback)
    {
        let due = store::window_due(conn, round.id)?;
        let findings = rectification::list_findings(
            conn,
            UnitScope::Unit(unit),
            FindingFilter {
                round: Some(round.id),
                ..Default::default()
            },
        )?;
        let rows = findings
            .into_iter()
            .filter(|stored| {
                matches!(
                    stored.finding.source,
                    FindingSource::Deduction | FindingSource::Veto
                )
            })
            .map(|stored| ObjectableRow {
                id: stored.finding.id,
                points: stored.finding.points_deducted.to_string(),
                is_veto: stored.finding.source == FindingSource::Veto,
                case_no: stored.case_no,
                item_code: stored.finding.item_code,
                item_text: stored.finding.item_text,
                reason: stored.finding.reason,
                objection: stored.objection,
            })
            .collect();
        let days_left = due.map(|due| objection::working_days_left(due, today));
        found.push(ObjectableRound {
            id: round.id,
            name: round.settings.name,
            due,
            open: days_left.is_some_and(|left| left >= 0),
            days_left,
            rows,
        });
    }
    Ok(found)
}

/// The round page's view of the objection settings.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsView {
    pub objection_days: u32,
    pub borderline_review: bool,
    pub borderline_points: String,
    /// The panel's logins, joined with 、.
    pub panel: String,
    pub due: Option<NaiveDate>,
    pub borderline_files: Vec<crate::storage::borderline::BorderlineFile>,
}

/// The round's objection window, panel and borderline second review, for the round page.
pub fn settings(conn: &mut DbConn, round: RoundId) -> Result<SettingsView> {
    let (settings, panel) = store::settings_view(conn, round)?;
    Ok(SettingsView {
        objection_days: settings.objection_days,
        borderline_review: settings.borderline_review,
        borderline_points: settings.borderline_points.to_string(),
        panel: panel.join("、"),
        due: store::window_due(conn, round)?,
        borderline_files: crate::storage::borderline::for_round(conn, round)?,
    })
}

/// Why the objection settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A panel login names no account.
    #[error("unknown panel login {0}")]
    UnknownLogin(String),
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<diesel::result::Error> for SettingsError {
    fn from(error: diesel::result::Error) -> Self {
        SettingsError::Storage(error.into())
    }
}

/// The administrator saves a round's objection window, panel (by login) and borderline
/// option, in one transaction with the check that every login names an account.
pub fn save_settings(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    settings: &objection::ObjectionSettings,
    panel: &[String],
    now: NaiveDateTime,
) -> std::result::Result<(), SettingsError> {
    transaction(conn, |conn| {
        for login in panel {
            if crate::storage::users::find_by_login(conn, login)?.is_none() {
                return Err(SettingsError::UnknownLogin(login.clone()));
            }
        }
        rounds::save_objection_settings(conn, actor, round, settings, panel, now)?;
        Ok(())
    })
}
