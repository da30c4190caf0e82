//! Score sheets (评分表): one per file and reviewer, scored against the round's rubric
//! snapshot. Every save is guarded by the sheet's version, so a stale form is refused rather
//! than overwriting newer answers; every accepted change is audited with its answer diff.

use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::round_actions::RoundAction;
use crate::domain::scoring::sheet::{
    ScoreSheet, SheetActionKind, SheetState, SheetStatus, SheetUpdate,
};
use crate::domain::scoring::{ScoreResult, SheetAnswers};
use crate::storage::attest;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::schema::score_sheets;
use crate::storage::{DbConn, Error, Result, new_id, parse_id, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A sheet as stored, with where it belongs.
#[derive(Debug, Clone)]
pub struct StoredSheet {
    pub id: String,
    pub round_id: RoundId,
    pub case_file_id: CaseFileId,
    pub reviewer_id: PersonId,
    pub rubric_hash: String,
    pub sheet: ScoreSheet,
    pub total_tenths: Option<i32>,
    pub grade: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// A score sheet's row as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = score_sheets)]
pub(crate) struct SheetRow {
    pub(crate) id: String,
    pub(crate) round_id: String,
    pub(crate) case_file_id: String,
    pub(crate) reviewer_id: String,
    pub(crate) rubric_hash: String,
    pub(crate) state: String,
    pub(crate) version: i64,
    pub(crate) answers_json: String,
    pub(crate) total_tenths: Option<i32>,
    pub(crate) grade: Option<String>,
    pub(crate) leader_comment: Option<String>,
    pub(crate) reopen_reason: Option<String>,
    pub(crate) submitted_at: Option<NaiveDateTime>,
    pub(crate) updated_at: NaiveDateTime,
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

fn to_sheet(row: SheetRow) -> Result<StoredSheet> {
    let SheetRow {
        id,
        round_id,
        case_file_id,
        reviewer_id,
        rubric_hash,
        state,
        version,
        answers_json: answers,
        total_tenths,
        grade,
        leader_comment: comment,
        reopen_reason,
        submitted_at,
        updated_at,
    } = row;
    let status =
        SheetStatus::from_code(&state).ok_or_else(|| corrupt(format!("sheet state {state}")))?;
    let state = match status {
        SheetStatus::Draft => SheetState::Draft,
        SheetStatus::Submitted => SheetState::Submitted,
        SheetStatus::Returned => SheetState::Returned {
            comment: comment.unwrap_or_default(),
        },
        SheetStatus::Reopened => SheetState::Reopened {
            reason: reopen_reason.unwrap_or_default(),
        },
        SheetStatus::Reconciled => SheetState::Reconciled,
    };
    Ok(StoredSheet {
        id,
        round_id: parse_id(&round_id)?,
        case_file_id: parse_id(&case_file_id)?,
        reviewer_id: parse_id(&reviewer_id)?,
        rubric_hash,
        sheet: ScoreSheet {
            state,
            version,
            answers: serde_json::from_str::<SheetAnswers>(&answers).map_err(corrupt)?,
        },
        total_tenths,
        grade,
        submitted_at,
        updated_at,
    })
}

pub fn find(
    conn: &mut DbConn,
    round: RoundId,
    file: CaseFileId,
    reviewer: PersonId,
) -> Result<Option<StoredSheet>> {
    let row: Option<SheetRow> = score_sheets::table
        .filter(score_sheets::round_id.eq(round.to_string()))
        .filter(score_sheets::case_file_id.eq(file.to_string()))
        .filter(score_sheets::reviewer_id.eq(reviewer.to_string()))
        .select(SheetRow::as_select())
        .first(conn)
        .optional()?;
    row.map(to_sheet).transpose()
}

/// A file's record and one reviewer's sheet of it, if there is one.
pub type RecordAndSheet = (crate::domain::registry::CaseRecord, Option<StoredSheet>);

/// What the score form reads of its files, for several (file, reviewer) pairs of a round
/// at once, in one query: for each pair, in order, the file's record and the reviewer's
/// sheet of it (`None` until first opened, see [`find_or_create`]; the whole entry `None`
/// when there is no such file).
pub fn with_records(
    conn: &mut DbConn,
    round: RoundId,
    pairs: &[(CaseFileId, PersonId)],
) -> Result<Vec<Option<RecordAndSheet>>> {
    use crate::storage::cases::{StoredFields, to_record};
    use crate::storage::schema::{case_files, units};
    let files: std::collections::BTreeSet<String> =
        pairs.iter().map(|(file, _)| file.to_string()).collect();
    // A row per file and sheet of it in the round (any reviewer), or one without a sheet.
    let rows: Vec<(String, StoredFields, Option<SheetRow>)> = case_files::table
        .inner_join(units::table)
        .left_join(
            score_sheets::table.on(score_sheets::case_file_id
                .eq(case_files::id)
                .and(score_sheets::round_id.eq(round.to_string()))),
        )
        .filter(case_files::id.eq_any(files))
        // The sheet's columns in [`SheetRow`]'s field order (a nullable `as_select` does not
        // nest in a tuple here).
        .select((
            units::code,
            StoredFields::as_select(),
            (
                score_sheets::id,
                score_sheets::round_id,
                score_sheets::case_file_id,
                score_sheets::reviewer_id,
                score_sheets::rubric_hash,
                score_sheets::state,
                score_sheets::version,
                score_sheets::answers_json,
                score_sheets::total_tenths,
                score_sheets::grade,
                score_sheets::leader_comment,
                score_sheets::reopen_reason,
                score_sheets::submitted_at,
                score_sheets::updated_at,
            )
                .nullable(),
        ))
        .load(conn)?;
    let mut records = std::collections::BTreeMap::new();
    let mut sheets = std::collections::BTreeMap::new();
    for (unit, fields, sheet) in rows {
        let file: CaseFileId = parse_id(&fields.id)?;
        if let Some(sheet) = sheet {
            let sheet = to_sheet(sheet)?;
            sheets.insert((file, sheet.reviewer_id), sheet);
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = records.entry(file) {
            entry.insert(to_record(unit, fields)?);
        }
    }
    Ok(pairs
        .iter()
        .map(|pair| {
            records
                .get(&pair.0)
                .map(|record| (record.clone(), sheets.get(pair).cloned()))
        })
        .collect())
}

/// The reviewer's sheet for the file, created empty (草稿, version 1) on first opening.
pub fn find_or_create(
    conn: &mut DbConn,
    round: RoundId,
    file: CaseFileId,
    reviewer: PersonId,
    rubric_hash: &str,
    now: NaiveDateTime,
) -> Result<StoredSheet> {
    // Almost always the sheet exists: a plain read then, without taking SQLite's write lock.
    if let Some(sheet) = find(conn, round, file, reviewer)? {
        return Ok(sheet);
    }
    let created = transaction(conn, |conn| {
        if let Some(sheet) = find(conn, round, file, reviewer)? {
            return Ok(sheet);
        }
        let fresh = ScoreSheet::new_draft();
        diesel::insert_into(score_sheets::table)
            .values((
                score_sheets::id.eq(new_id().to_string()),
                score_sheets::round_id.eq(round.to_string()),
                score_sheets::case_file_id.eq(file.to_string()),
                score_sheets::reviewer_id.eq(reviewer.to_string()),
                score_sheets::rubric_hash.eq(rubric_hash),
                score_sheets::state.eq(fresh.state.status().code()),
                score_sheets::version.eq(fresh.version),
                score_sheets::answers_json
                    .eq(serde_json::to_string(&fresh.answers).map_err(corrupt)?),
                score_sheets::created_at.eq(now),
                score_sheets::updated_at.eq(now),
            ))
            .execute(conn)?;
        find(conn, round, file, reviewer)?.ok_or(Error::NotFound)
    });
    match created {
        // The form opened at the same moment elsewhere (another tab, another server) created
        // the sheet first: it is the one to use.
        Err(Error::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => find(conn, round, file, reviewer)?.ok_or(Error::NotFound),
        other => other,
    }
}

/// Why a save was refused by storage itself.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone saved the sheet since the form was loaded: nothing was written.
    #[error("stale version")]
    Stale { stored: i64 },
    /// The round's status does not allow this change of a sheet: nothing was written.
    #[error(transparent)]
    Refused(crate::domain::round_actions::RoundStateError),
    #[error(transparent)]
    Storage(#[from] Error),
}

/// The round-state action a change of a sheet is.
pub fn round_action(kind: SheetActionKind) -> RoundAction {
    match kind {
        SheetActionKind::SaveDraft | SheetActionKind::Submit => RoundAction::ScoreSheet,
        SheetActionKind::Return => RoundAction::ReturnSheet,
        SheetActionKind::Reopen => RoundAction::ReopenSheet,
        SheetActionKind::Reconcile => RoundAction::Reconcile,
    }
}

/// Checks, inside the writing transaction, that the round's status allows `action`;
/// `statuses` remembers what a batch has read already.
fn require_round(
    conn: &mut DbConn,
    round: RoundId,
    action: RoundAction,
    statuses: &mut std::collections::BTreeMap<RoundId, crate::domain::round::RoundStatus>,
) -> std::result::Result<(), SaveError> {
    let status = match statuses.get(&round) {
        Some(status) => *status,
        None => {
            let status = crate::storage::rounds::locked_status(conn, round)?;
            statuses.insert(round, status);
            status
        }
    };
    crate::domain::round_actions::check(status, action).map_err(SaveError::Refused)
}

crate::storage::diesel_into_storage_variant!(SaveError);

/// Writes an accepted update, only if the stored version is still the one the form was
/// loaded with (compare-and-set), and audits the answer changes in the same transaction.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    stored: &StoredSheet,
    update: &SheetUpdate,
    result: Option<&ScoreResult>,
    now: NaiveDateTime,
) -> std::result::Result<(), SaveError> {
    let save = prepare_save(conn, actor, stored, update, result, None, now)?;
    write(conn, &save)
}

/// A save worked out and ready to write: the guarded row, its audit entry and whether a
/// second review may be due. Saves worked out together can be written together
/// ([`write_together`]); the server's score-form combiner does (`storage::combiner`).
#[derive(Debug)]
pub struct PreparedSave {
    row: SaveRow,
    entry: audit::Prepared,
    candidate: Option<crate::storage::borderline::Candidate>,
    action: RoundAction,
    round_id: RoundId,
    case_file_id: CaseFileId,
    actor: Actor,
    now: NaiveDateTime,
}

/// Works out everything of a save that needs no lock (SQLite has one writer at a time, and
/// every submission waits for the write before it): the row, the audit entry, and whether
/// the result is near a grade boundary. `objection`: the round's objection settings if
/// the caller has read them already; `None` reads them when needed.
pub fn prepare_save(
    conn: &mut DbConn,
    actor: &Actor,
    stored: &StoredSheet,
    update: &SheetUpdate,
    result: Option<&ScoreResult>,
    objection: Option<&crate::domain::objection::ObjectionSettings>,
    now: NaiveDateTime,
) -> std::result::Result<PreparedSave, SaveError> {
    let (comment, reopen_reason) = match &update.sheet.state {
        SheetState::Returned { comment } => (Some(comment.clone()), None),
        SheetState::Reopened { reason } => (None, Some(reason.clone())),
        _ => (None, None),
    };
    let submitted = update.sheet.state.status() == SheetStatus::Submitted;
    let total = result
        .and_then(|result| result.total)
        .map(|total| total.tenths());
    let grade = result.map(|result| result.grade.name.clone());
    let row = SaveRow {
        id: stored.id.clone(),
        expected_version: stored.sheet.version,
        state: update.sheet.state.status().code(),
        version: update.sheet.version,
        answers_json: serde_json::to_string(&update.sheet.answers).map_err(corrupt)?,
        total_tenths: if submitted {
            total
        } else {
            stored.total_tenths
        },
        grade: if submitted {
            grade.clone()
        } else {
            stored.grade.clone()
        },
        leader_comment: comment,
        reopen_reason,
        submitted_at: if submitted {
            Some(now)
        } else {
            stored.submitted_at
        },
        updated_at: now,
    };
    // What the row holds once written, recorded in its audit entry (computed here, without
    // reading the row back, so the save path gains no query).
    let round_id = stored.round_id.to_string();
    let case_file_id = stored.case_file_id.to_string();
    let reviewer_id = stored.reviewer_id.to_string();
    let digest = attest::SheetContent {
        id: &row.id,
        round_id: &round_id,
        case_file_id: &case_file_id,
        reviewer_id: &reviewer_id,
        rubric_hash: &stored.rubric_hash,
        state: row.state,
        version: row.version,
        answers_json: &row.answers_json,
        total_tenths: row.total_tenths,
        grade: row.grade.as_deref(),
        leader_comment: row.leader_comment.as_deref(),
        reopen_reason: row.reopen_reason.as_deref(),
    }
    .digest();
    let entry = audit::Prepared::new(
        actor,
        Change::of(update.action.code(), "score_sheet", &stored.id)
            .before(
                serde_json::json!({ "state": stored.sheet.state, "version": stored.sheet.version }),
            )
            .after(serde_json::json!({
                "state": update.sheet.state, "version": update.sheet.version,
                "total_tenths": total, "grade": grade, "changes": update.changes,
                attest::ROW_KEY: digest,
            })),
        now,
    );
    // A first review near a grade boundary (or failing) may call for a second reviewer.
    let candidate = match result {
        Some(result) if submitted => crate::storage::borderline::candidate(
            conn,
            stored.round_id,
            &stored.rubric_hash,
            result,
            objection,
        )?,
        _ => None,
    };
    Ok(PreparedSave {
        row,
        entry,
        candidate,
        action: round_action(update.action),
        round_id: stored.round_id,
        case_file_id: stored.case_file_id,
        actor: actor.clone(),
        now,
    })
}

/// Writes one prepared save in its own transaction.
pub fn write(conn: &mut DbConn, save: &PreparedSave) -> std::result::Result<(), SaveError> {
    transaction(conn, |conn| {
        write_within(conn, save, &mut std::collections::BTreeMap::new())
    })
}

/// Writes prepared saves together, in one transaction and so with one commit (one flush to
/// disk), each with the outcome it would have had alone, answered in the order given: a
/// stale one changes nothing and is reported stale, the others are written. Should the transaction fail (a
/// lost connection, say), each save is tried again in its own, so that one save's trouble
/// is never another's.
pub fn write_together(
    conn: &mut DbConn,
    saves: &[PreparedSave],
) -> Vec<std::result::Result<(), SaveError>> {
    if let [save] = saves {
        return vec![write(conn, save)];
    }
    // Sheets are changed in the order of their ids (saves of one sheet keep their order of
    // arrival), so that the batches of two servers on one PostgreSQL database take their
    // row locks in the same order and never wait for each other in a circle.
    let mut order: Vec<usize> = (0..saves.len()).collect();
    order.sort_by(|&a, &b| saves[a].row.id.cmp(&saves[b].row.id));
    let together = transaction(conn, |conn| {
        let mut outcomes: Vec<Option<std::result::Result<(), SaveError>>> =
            saves.iter().map(|_| None).collect();
        let mut statuses = std::collections::BTreeMap::new();
        for &index in &order {
            match write_within(conn, &saves[index], &mut statuses) {
                Err(SaveError::Storage(error)) => return Err(error),
                outcome => outcomes[index] = Some(outcome),
            }
        }
        Ok::<_, Error>(outcomes.into_iter().flatten().collect::<Vec<_>>())
    });
    match together {
        Ok(outcomes) => outcomes,
        Err(error) => {
            tracing::warn!(%error, saves = saves.len(), "saves written one by one after a failed transaction");
            saves.iter().map(|save| write(conn, save)).collect()
        }
    }
}

/// The writes of one save, inside the caller's transaction. A stale save, or one the round's
/// status does not allow (read in this transaction), writes nothing.
fn write_within(
    conn: &mut DbConn,
    save: &PreparedSave,
    statuses: &mut std::collections::BTreeMap<RoundId, crate::domain::round::RoundStatus>,
) -> std::result::Result<(), SaveError> {
    require_round(conn, save.round_id, save.action, statuses)?;
    let changed = (&save.row).execute(conn)?;
    if changed == 0 {
        let current: i64 = score_sheets::table
            .filter(score_sheets::id.eq(&save.row.id))
            .select(score_sheets::version)
            .first(conn)?;
        return Err(SaveError::Stale { stored: current });
    }
    let second_review = match &save.candidate {
        Some(candidate) => crate::storage::borderline::needed(
            conn,
            save.round_id,
            save.case_file_id,
            candidate.clone(),
        )?,
        None => None,
    };
    audit::append(conn, &save.entry)?;
    if let Some(second_review) = second_review {
        crate::storage::borderline::send(conn, &save.actor, second_review, save.now)?;
    }
    Ok(())
}

/// The guarded update of a sheet, as fixed SQL that the connection's statement cache keeps
/// prepared (diesel re-prepares its own UPDATE builder on every run): it changes the row only
/// while the stored version is the one the form was opened at.
#[derive(Debug)]
struct SaveRow {
    id: String,
    expected_version: i64,
    state: &'static str,
    version: i64,
    answers_json: String,
    total_tenths: Option<i32>,
    grade: Option<String>,
    leader_comment: Option<String>,
    reopen_reason: Option<String>,
    submitted_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl diesel::query_builder::QueryId for SaveRow {
    type QueryId = SaveRow;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<crate::storage::DbBackend> for SaveRow {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, crate::storage::DbBackend>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
        out.push_sql("UPDATE score_sheets SET state = ");
        out.push_bind_param::<Text, _>(self.state)?;
        out.push_sql(", version = ");
        out.push_bind_param::<BigInt, _>(&self.version)?;
        out.push_sql(", answers_json = ");
        out.push_bind_param::<Text, _>(&self.answers_json)?;
        out.push_sql(", total_tenths = ");
        out.push_bind_param::<Nullable<Integer>, _>(&self.total_tenths)?;
        out.push_sql(", grade = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.grade)?;
        out.push_sql(", leader_comment = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.leader_comment)?;
        out.push_sql(", reopen_reason = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.reopen_reason)?;
        out.push_sql(", submitted_at = ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.submitted_at)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.updated_at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(&self.id)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<BigInt, _>(&self.expected_version)?;
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for &SaveRow {}

/// All of a reviewer's sheets in a round.
pub fn for_reviewer(
    conn: &mut DbConn,
    round: RoundId,
    reviewer: PersonId,
) -> Result<Vec<StoredSheet>> {
    let rows: Vec<SheetRow> = score_sheets::table
        .filter(score_sheets::round_id.eq(round.to_string()))
        .filter(score_sheets::reviewer_id.eq(reviewer.to_string()))
        .select(SheetRow::as_select())
        .load(conn)?;
    rows.into_iter().map(to_sheet).collect()
}

/// All sheets of a round for the given files (a team's files), any reviewer.
pub fn for_files(
    conn: &mut DbConn,
    round: RoundId,
    files: &[CaseFileId],
) -> Result<Vec<StoredSheet>> {
    let ids: Vec<String> = files.iter().map(ToString::to_string).collect();
    let rows: Vec<SheetRow> = score_sheets::table
        .filter(score_sheets::round_id.eq(round.to_string()))
        .filter(score_sheets::case_file_id.eq_any(ids))
        .select(SheetRow::as_select())
        .load(conn)?;
    rows.into_iter().map(to_sheet).collect()
}

/// All sheets of a round, any file and reviewer.
pub fn for_round(conn: &mut DbConn, round: RoundId) -> Result<Vec<StoredSheet>> {
    let rows: Vec<SheetRow> = score_sheets::table
        .filter(score_sheets::round_id.eq(round.to_string()))
        .select(SheetRow::as_select())
        .load(conn)?;
    rows.into_iter().map(to_sheet).collect()
}
