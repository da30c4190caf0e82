//! 合议 records (one per file and round) and team approvals (组长审核确认, one per team and
//! round). A 合议 is written together with the closing of the file's sheets, so a file is
//! either fully reconciled or not at all; both are audited in the same transaction.

use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::rubric::Points;
use crate::domain::scoring::reconciliation::Reconciliation;
use crate::domain::scoring::sheet::SheetUpdate;
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{reconciliations, team_approvals};
use crate::storage::sheets::{self, SaveError, StoredSheet};
use crate::storage::{DbConn, Error, Result, duplicate_as, new_id, parse_id, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// What [`Error::Duplicate`] names when a file's 合议 is recorded twice.
pub const DUPLICATE_RECONCILIATION: &str = "reconciliation";
/// What [`Error::Duplicate`] names when a team's results are approved twice.
pub const DUPLICATE_APPROVAL: &str = "team_approval";

/// A stored 合议 decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReconciliation {
    pub id: String,
    pub round_id: RoundId,
    pub case_file_id: CaseFileId,
    pub final_total: Option<Points>,
    pub final_grade: String,
    pub vetoed: bool,
    pub reason: String,
    pub participants: Vec<PersonId>,
    /// The disagreement that sent the file to 合议, as the queue showed it.
    pub triggers: Vec<String>,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

/// A 合议 decision's row as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = reconciliations)]
struct Row {
    id: String,
    round_id: String,
    case_file_id: String,
    final_total_tenths: Option<i32>,
    final_grade: String,
    vetoed: bool,
    reason: String,
    participants_json: String,
    trigger_reasons_json: String,
    decided_by: String,
    decided_at: NaiveDateTime,
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

fn to_stored(row: Row) -> Result<StoredReconciliation> {
    let Row {
        id,
        round_id,
        case_file_id,
        final_total_tenths: total,
        final_grade,
        vetoed,
        reason,
        participants_json: participants,
        trigger_reasons_json: triggers,
        decided_by,
        decided_at,
    } = row;
    let participants: Vec<String> = serde_json::from_str(&participants).map_err(corrupt)?;
    Ok(StoredReconciliation {
        id,
        round_id: parse_id(&round_id)?,
        case_file_id: parse_id(&case_file_id)?,
        final_total: total.map(Points::from_tenths),
        final_grade,
        vetoed,
        reason,
        participants: participants
            .iter()
            .map(|text| parse_id(text))
            .collect::<Result<_>>()?,
        triggers: serde_json::from_str(&triggers).map_err(corrupt)?,
        decided_by,
        decided_at,
    })
}

/// The 合议 records of a round.
pub fn for_round(conn: &mut DbConn, round: RoundId) -> Result<Vec<StoredReconciliation>> {
    let rows: Vec<Row> = reconciliations::table
        .filter(reconciliations::round_id.eq(round.to_string()))
        .select(Row::as_select())
        .order(reconciliations::decided_at)
        .load(conn)?;
    rows.into_iter().map(to_stored).collect()
}

/// The round's status allows 合议 and approvals (checked inside the writing transaction).
fn require_reconcile(conn: &mut DbConn, round: RoundId) -> Result<()> {
    crate::storage::rounds::require(
        conn,
        round,
        crate::domain::round_actions::RoundAction::Reconcile,
    )?;
    Ok(())
}

/// Why a 合议 could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// One of the sheets was saved by someone else since the page was loaded.
    #[error("stale sheet version")]
    Stale { reviewer: PersonId, stored: i64 },
    #[error(transparent)]
    Storage(#[from] Error),
}

crate::storage::diesel_into_storage_variant!(RecordError);

/// Stores the decision and closes every sheet of the file (已合议), all or nothing.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    decision: &Reconciliation,
    triggers: &[String],
    closing: &[(StoredSheet, SheetUpdate)],
    now: NaiveDateTime,
) -> std::result::Result<String, RecordError> {
    let id = new_id().to_string();
    let participants: Vec<String> = decision
        .participants
        .iter()
        .map(ToString::to_string)
        .collect();
    transaction(conn, |conn| {
        require_reconcile(conn, round)?;
        diesel::insert_into(reconciliations::table)
            .values((
                reconciliations::id.eq(&id),
                reconciliations::round_id.eq(round.to_string()),
                reconciliations::case_file_id.eq(decision.case_file_id.to_string()),
                reconciliations::final_total_tenths.eq(decision.final_total.map(Points::tenths)),
                reconciliations::final_grade.eq(&decision.final_grade.name),
                reconciliations::vetoed.eq(decision.vetoed),
                reconciliations::reason.eq(&decision.reason),
                reconciliations::participants_json
                    .eq(serde_json::to_string(&participants).map_err(corrupt)?),
                reconciliations::trigger_reasons_json
                    .eq(serde_json::to_string(triggers).map_err(corrupt)?),
                reconciliations::decided_by.eq(&actor.login),
                reconciliations::decided_at.eq(decision.decided_at),
            ))
            .execute(conn)
            .map_err(duplicate_as(DUPLICATE_RECONCILIATION))?;
        for (stored, update) in closing {
            match sheets::save(conn, actor, stored, update, None, now) {
                Ok(()) => {}
                Err(SaveError::Stale { stored: current }) => {
                    return Err(RecordError::Stale {
                        reviewer: stored.reviewer_id,
                        stored: current,
                    });
                }
                Err(SaveError::Refused(refusal)) => return Err(Error::RoundState(refusal).into()),
                Err(SaveError::Storage(error)) => return Err(error.into()),
            }
        }
        Change::of("reconciliation.record", "case_file", decision.case_file_id)
            .before(serde_json::json!({ "triggers": triggers }))
            .after(serde_json::json!({
                "round": round.to_string(),
                "final_total_tenths": decision.final_total.map(Points::tenths),
                "final_grade": decision.final_grade.name,
                "vetoed": decision.vetoed,
                "reason": decision.reason,
                "participants": participants,
            }))
            .record(conn, actor, now)?;
        Ok(id.clone())
    })
}

/// A team's approval of its results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamApproval {
    pub team_number: u32,
    pub files: u32,
    pub approved_by: String,
    pub approved_at: NaiveDateTime,
}

/// The approvals of a round, by team number.
pub fn approvals(conn: &mut DbConn, round: RoundId) -> Result<Vec<TeamApproval>> {
    let rows: Vec<(i32, i32, String, NaiveDateTime)> = team_approvals::table
        .filter(team_approvals::round_id.eq(round.to_string()))
        .select((
            team_approvals::team_number,
            team_approvals::files,
            team_approvals::approved_by,
            team_approvals::approved_at,
        ))
        .order(team_approvals::team_number)
        .load(conn)?;
    rows.into_iter()
        .map(|(team, files, approved_by, approved_at)| {
            Ok(TeamApproval {
                team_number: u32::try_from(team).map_err(corrupt)?,
                files: u32::try_from(files).map_err(corrupt)?,
                approved_by,
                approved_at,
            })
        })
        .collect()
}

/// Records that a team leader approved the team's results; a second approval is refused.
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    team_number: u32,
    files: u32,
    now: NaiveDateTime,
) -> Result<()> {
    let team = i32::try_from(team_number).map_err(corrupt)?;
    let count = i32::try_from(files).map_err(corrupt)?;
    transaction(conn, |conn| {
        require_reconcile(conn, round)?;
        diesel::insert_into(team_approvals::table)
            .values((
                team_approvals::id.eq(new_id().to_string()),
                team_approvals::round_id.eq(round.to_string()),
                team_approvals::team_number.eq(team),
                team_approvals::files.eq(count),
                team_approvals::approved_by.eq(&actor.login),
                team_approvals::approved_at.eq(now),
            ))
            .execute(conn)
            .map_err(duplicate_as(DUPLICATE_APPROVAL))?;
        Change::of("team.approve_results", "round", round)
            .after(serde_json::json!({ "team": team_number, "files": files }))
            .record(conn, actor, now)
    })
}
