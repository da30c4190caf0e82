//! Borderline second review (临界复评): when a round asks for it, a file whose first review
//! lands within N points of a grade boundary, or fails, gets a second reviewer from another
//! unit at once (a new published assignment version, checked against every hard rule). The
//! reason is recorded on the file and in the audit log; when nobody fits, that is recorded
//! and shown to the administrator instead of being skipped.

use crate::domain::assignment::add_reviewer;
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::objection::borderline_reason;
use crate::domain::rubric::Method;
use crate::domain::scoring::ScoreResult;
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{borderline_reviews, case_files};
use crate::storage::{DbConn, Result, assignments, notifications, rounds, rubrics};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A second review the submission calls for, found by [`needed`] and carried out by [`send`].
pub struct Needed {
    round: RoundId,
    file: CaseFileId,
    reason: String,
    case_number: String,
    version: assignments::Version,
}

/// Why a submitted result may call for a second reviewer: the round's option is on and the
/// result (under the rubric the sheet was scored with) lies near a grade boundary or fails.
/// Settled from the round's settings and the rubric alone, so the submission reads it before
/// it takes the write lock; most submissions are not near a boundary and stop here.
#[derive(Debug, Clone)]
pub struct Candidate {
    reason: String,
}

/// See [`Candidate`]; `None` when the submission needs no second look.
pub fn candidate(
    conn: &mut DbConn,
    round: RoundId,
    rubric_hash: &str,
    result: &ScoreResult,
    known: Option<&crate::domain::objection::ObjectionSettings>,
) -> Result<Option<Candidate>> {
    let Some(total) = result.total else {
        return Ok(None);
    };
    let settings = match known {
        Some(settings) => *settings,
        None => rounds::objection_settings(conn, round)?,
    };
    if !settings.borderline_review {
        return Ok(None);
    }
    let rubric = rubrics::load_shared(conn, rubric_hash)?;
    let Method::Deduction(scheme) = rubric.method() else {
        return Ok(None);
    };
    Ok(borderline_reason(
        scheme,
        total,
        !result.grade.passes(),
        settings.borderline_points,
    )
    .map(|reason| Candidate { reason }))
}

/// Reads, inside the transaction that submits a candidate's sheet, whether the file must go
/// to a second reviewer: it so far has a single review, and it was not sent before.
pub fn needed(
    conn: &mut DbConn,
    round: RoundId,
    file: CaseFileId,
    candidate: Candidate,
) -> Result<Option<Needed>> {
    let Some(version) = assignments::published(conn, round)? else {
        return Ok(None);
    };
    let Some(placement) = version.assignment.placement(file) else {
        return Ok(None);
    };
    if placement.reviewers.len() != 1 {
        return Ok(None);
    }
    let Some(sampled) = version.problem.file(file) else {
        return Ok(None);
    };
    // A file goes to a second reviewer once.
    let already: i64 = borderline_reviews::table
        .filter(borderline_reviews::round_id.eq(round.to_string()))
        .filter(borderline_reviews::case_file_id.eq(file.to_string()))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Ok(None);
    }
    Ok(Some(Needed {
        round,
        file,
        reason: candidate.reason,
        case_number: sampled.case_number.clone(),
        version,
    }))
}

/// Sends the file to a second reviewer from another unit (a new published assignment
/// version), or records that nobody fits; audited either way.
pub fn send(conn: &mut DbConn, actor: &Actor, needed: Needed, now: NaiveDateTime) -> Result<()> {
    let Needed {
        round,
        file,
        reason,
        case_number,
        version,
    } = needed;
    let (reviewer, problem_text) = match add_reviewer(&version.problem, &version.assignment, file) {
        Ok((problem, assignment, reviewer)) => {
            let note =
                crate::domain::scoring::reconciliation::second_review_note(&case_number, &reason);
            let number = assignments::store_draft(
                conn,
                actor,
                round,
                &problem,
                &assignment,
                Some(&note),
                now,
            )?;
            assignments::publish(conn, actor, round, number, now)?;
            (Some(reviewer), None)
        }
        Err(problem) => (None, Some(problem)),
    };
    // The added reviewer is told, with a link to the file's sheet; when nobody fits, the
    // administrators are told why.
    let once_key = format!("second_review:{round}:{file}");
    match (reviewer, &problem_text) {
        (Some(reviewer), _) => {
            let users = notifications::users_of_people(conn, &[reviewer])?;
            notifications::notify_once(
                conn,
                &users,
                notifications::Kind::SecondReview,
                &format!("/rounds/{round}/files/{file}/sheet"),
                &once_key,
                &crate::domain::scoring::reconciliation::second_review_message(
                    &case_number,
                    &reason,
                ),
                now,
            )?;
        }
        (None, Some(why)) => {
            let users = notifications::admin_ids(conn)?;
            notifications::notify_once(
                conn,
                &users,
                notifications::Kind::SecondReviewUnassigned,
                &format!("/rounds/{round}/teams"),
                &once_key,
                &crate::domain::scoring::reconciliation::second_review_unassigned_message(
                    &case_number,
                    &reason,
                    why,
                ),
                now,
            )?;
        }
        (None, None) => {}
    }
    diesel::insert_into(borderline_reviews::table)
        .values((
            borderline_reviews::round_id.eq(round.to_string()),
            borderline_reviews::case_file_id.eq(file.to_string()),
            borderline_reviews::reason.eq(&reason),
            borderline_reviews::reviewer_id.eq(reviewer.map(|id| id.to_string())),
            borderline_reviews::problem.eq(&problem_text),
            borderline_reviews::created_at.eq(now),
        ))
        .execute(conn)?;
    Change::of(
        if reviewer.is_some() {
            "borderline.assign"
        } else {
            "borderline.unassigned"
        },
        "case_file",
        file,
    )
    .after(serde_json::json!({
        "round": round.to_string(),
        "reason": reason,
        "reviewer": reviewer.map(|id| id.to_string()),
        "problem": problem_text,
    }))
    .record(conn, actor, now)
}

/// A file sent (or not) to a second reviewer, as the round page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BorderlineFile {
    pub case_file_id: CaseFileId,
    pub case_no: String,
    pub reason: String,
    pub reviewer_id: Option<PersonId>,
    pub reviewer_name: Option<String>,
    /// Why nobody could be assigned.
    pub problem: Option<String>,
}

/// A borderline review's columns, as [`BorderlineFile`] shows them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::storage::schema::borderline_reviews)]
struct BorderlineRow {
    case_file_id: String,
    reason: String,
    reviewer_id: Option<String>,
    problem: Option<String>,
}

impl BorderlineRow {
    /// The file as the round shows it, the reviewer named after the published assignment.
    fn into_file(
        self,
        case_no: String,
        version: Option<&assignments::Version>,
    ) -> Result<BorderlineFile> {
        let reviewer_id: Option<PersonId> = self
            .reviewer_id
            .as_deref()
            .map(crate::storage::parse_id)
            .transpose()?;
        Ok(BorderlineFile {
            case_file_id: crate::storage::parse_id(&self.case_file_id)?,
            case_no,
            reason: self.reason,
            reviewer_name: reviewer_id.and_then(|id| {
                version.map(|version| version.problem.reviewer_name(id).to_string())
            }),
            reviewer_id,
            problem: self.problem,
        })
    }
}

pub fn for_round(conn: &mut DbConn, round: RoundId) -> Result<Vec<BorderlineFile>> {
    let rows: Vec<(BorderlineRow, String)> = borderline_reviews::table
        .inner_join(case_files::table.on(case_files::id.eq(borderline_reviews::case_file_id)))
        .filter(borderline_reviews::round_id.eq(round.to_string()))
        .order(case_files::case_no.asc())
        .select((BorderlineRow::as_select(), case_files::case_no))
        .load(conn)?;
    let version = assignments::published(conn, round)?;
    rows.into_iter()
        .map(|(row, case_no)| row.into_file(case_no, version.as_ref()))
        .collect()
}
