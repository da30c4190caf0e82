//! The reviewer's score form (评分表) as use cases: its context (the caller is the assigned
//! reviewer of the file), the posted fields read as answers, and the batched writer: the forms
//! posted together are read in a few queries and their saves written in one transaction
//! (`AppState::sheet_forms` runs [`do_forms`] on the server's form combiner).

use crate::app::messages::scoring as messages;
use crate::domain::CaseType;
use crate::domain::citation::Citation;
use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::masking::mask_name;
use crate::domain::round_actions::RoundStateError;
use crate::domain::rubric::{DeductionRule, IndicatorScheme, Method, Points, Rubric};
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetError};
use crate::domain::scoring::{
    IndicatorAnswer, IndicatorMark, ItemAnswer, Mark, SheetAnswers, VetoAnswer, score,
};
use crate::storage::sheets::{self, SaveError, StoredSheet};
use crate::storage::{self, assignments, rubrics};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Why a score form could not be shown or saved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The caller is not the file's assigned reviewer.
    #[error("forbidden")]
    Forbidden,
    /// The round has no rubric for the file's case type.
    #[error("no rubric for {0:?}")]
    NoRubric(CaseType),
    #[error(transparent)]
    RoundState(RoundStateError),
    #[error("a save was found stale before writing")]
    StaleBeforeWriting,
    /// The database could not be read for the batch.
    #[error("unavailable")]
    Unavailable,
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

/// Why a posted form was refused and shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The sheet or the round changed (stale version, wrong state, round status).
    Conflict,
    /// The form itself is malformed or incomplete.
    BadRequest,
}

/// The file's facts at the top of the form.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    round: String,
    case_no: String,
    recipient: String,
    handler: String,
    firm: String,
    case_type: &'static str,
    sub_type: Option<String>,
    cause: String,
    assigned_at: Option<NaiveDate>,
    closed_at: NaiveDate,
    archived_at: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
}

/// Everything the form needs, checked: the caller is the assigned reviewer of this file.
pub struct Context {
    pub round_id: RoundId,
    /// The round's status when the form was read.
    pub round_status: crate::domain::round::RoundStatus,
    pub file: CaseFileId,
    pub rubric: std::sync::Arc<Rubric>,
    pub header: Header,
    pub sheet: StoredSheet,
    /// The round's objection and borderline settings (a submission near a grade boundary
    /// may call for a second reviewer).
    pub objection: crate::domain::objection::ObjectionSettings,
}

/// The form's context for the caller, read on its own (showing the form, the preview).
pub fn load_context(
    conn: &mut storage::DbConn,
    offline: bool,
    reviewer: crate::domain::ids::PersonId,
    round_id: RoundId,
    file: CaseFileId,
    now: NaiveDateTime,
) -> Result<Context, Error> {
    // The round, its settings and its published version in one query, the file and the
    // sheet in another: under a burst of submissions every query is another round trip.
    let round = crate::storage::rounds::for_review(conn, round_id)?;
    let found = sheets::with_records(conn, round_id, &[(file, reviewer)])?
        .pop()
        .flatten();
    context_from(conn, offline, reviewer, &round, file, found, now)
}

/// The form's context from what was read of its round and of its file and sheet (`found`:
/// `None` when there is no such file), checked: the caller is the assigned reviewer.
fn context_from(
    conn: &mut storage::DbConn,
    offline: bool,
    reviewer: crate::domain::ids::PersonId,
    for_review: &crate::storage::rounds::ForReview,
    file: CaseFileId,
    found: Option<sheets::RecordAndSheet>,
    now: NaiveDateTime,
) -> Result<Context, Error> {
    let crate::storage::rounds::ForReview {
        round,
        objection,
        published_version,
    } = for_review;
    let round_id = round.id;
    // Offline (`pingcha offline open`), the local database holds one packet: its files are
    // the ones assigned.
    let assigned = if offline {
        crate::storage::offline::local_holds_file(conn, file)?
    } else {
        let published = assignments::assignment_of_version(conn, published_version.as_deref())?
            .ok_or(Error::NotFound)?;
        published
            .placements
            .iter()
            .any(|placement| placement.file == file && placement.reviewers.contains(&reviewer))
    };
    if !assigned {
        return Err(Error::Forbidden);
    }
    let (record, sheet) = found.ok_or(Error::NotFound)?;
    let hash = round
        .settings
        .rubrics
        .get(&record.case_type)
        .cloned()
        .ok_or(Error::NoRubric(record.case_type))?;
    let rubric = rubrics::load_shared(conn, &hash)?;
    let sheet = match sheet {
        Some(sheet) => sheet,
        None => sheets::find_or_create(conn, round_id, file, reviewer, &hash, now)?,
    };
    let header = Header {
        round: round.settings.name.clone(),
        recipient: mask_name(&record.recipient, false).to_string(),
        case_type: record.case_type.label(),
        case_no: record.case_no,
        handler: record.handler,
        firm: record.firm,
        sub_type: record.sub_type,
        cause: record.cause,
        assigned_at: record.assigned_at,
        closed_at: record.closed_at,
        archived_at: record.archived_at,
        deadline: round.settings.review_deadline,
    };
    Ok(Context {
        round_id,
        round_status: round.status,
        file,
        rubric,
        header,
        sheet,
        objection: *objection,
    })
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// A page citation field ("12,15-17", "第3–4页"); an unreadable one names the item and says
/// why.
fn citation_field(
    fields: &[(String, String)],
    name: &str,
    code: &str,
    indicator: bool,
) -> Result<Citation, String> {
    match field(fields, name) {
        Some(text) => {
            Citation::parse(text).map_err(|error| messages::bad_page(code, text, indicator, &error))
        }
        None => Ok(Citation::default()),
    }
}

/// What a refused form shows again: everything the reviewer typed that can be read, with
/// unreadable page citations left blank (the message names them).
fn answers_kept(rubric: &Rubric, fields: &[(String, String)]) -> Option<SheetAnswers> {
    let readable: Vec<(String, String)> = fields
        .iter()
        .filter(|(name, value)| {
            !(name.starts_with("page_") || name.starts_with("veto_page_"))
                || Citation::parse(value).is_ok()
        })
        .cloned()
        .collect();
    answers_from(rubric, &readable).ok()
}

/// The posted form as answers; a malformed number is reported naming the item.
pub fn answers_from(rubric: &Rubric, fields: &[(String, String)]) -> Result<SheetAnswers, String> {
    let scheme = match rubric.method() {
        Method::Deduction(scheme) => scheme,
        Method::Indicator(scheme) => return indicator_answers_from(rubric, scheme, fields),
    };
    let mut answers = SheetAnswers::default();
    for item in scheme.items() {
        let code = &item.code;
        let pages = citation_field(fields, &format!("page_{code}"), code, false)?;
        let reason = field(fields, &format!("reason_{code}"))
            .unwrap_or_default()
            .to_string();
        let mark = if field(fields, &format!("na_{code}")).is_some() {
            Mark::NotApplicable
        } else {
            match item.deduction {
                DeductionRule::Fixed { .. } => {
                    if field(fields, &format!("applied_{code}")).is_some() {
                        Mark::Applied
                    } else {
                        Mark::NoDeduction
                    }
                }
                DeductionRule::PerOccurrence { .. } => {
                    match field(fields, &format!("count_{code}")) {
                        Some(text) => {
                            let count: u32 =
                                text.parse().map_err(|_| messages::bad_count(code, text))?;
                            if count == 0 {
                                Mark::NoDeduction
                            } else {
                                Mark::Occurrences(count)
                            }
                        }
                        None => Mark::NoDeduction,
                    }
                }
                DeductionRule::Free => match field(fields, &format!("points_{code}")) {
                    Some(text) => {
                        let points: Points =
                            text.parse().map_err(|_| messages::bad_points(code, text))?;
                        if points == Points::ZERO {
                            Mark::NoDeduction
                        } else {
                            Mark::Points(points)
                        }
                    }
                    None => Mark::NoDeduction,
                },
            }
        };
        if mark != Mark::NoDeduction || !reason.is_empty() {
            answers.items.push(ItemAnswer {
                code: code.clone(),
                mark,
                reason,
                pages,
            });
        }
    }
    answers.vetoes = veto_answers(rubric, fields)?;
    Ok(answers)
}

/// The checked vetoes with their reasons and pages.
fn veto_answers(rubric: &Rubric, fields: &[(String, String)]) -> Result<Vec<VetoAnswer>, String> {
    let mut vetoes = Vec::new();
    for veto in rubric.vetoes() {
        if field(fields, &format!("veto_{}", veto.code)).is_some() {
            let pages = citation_field(
                fields,
                &format!("veto_page_{}", veto.code),
                &veto.code,
                false,
            )?;
            vetoes.push(VetoAnswer {
                code: veto.code.clone(),
                reason: field(fields, &format!("veto_reason_{}", veto.code))
                    .unwrap_or_default()
                    .to_string(),
                pages,
            });
        }
    }
    Ok(vetoes)
}

/// Indicator grading (SF/T 0084/0085): a grade per indicator (`grade_{code}`, a grade of the
/// scale or `na`), its reason and page, and the reviewer's overall grade.
fn indicator_answers_from(
    rubric: &Rubric,
    scheme: &IndicatorScheme,
    fields: &[(String, String)],
) -> Result<SheetAnswers, String> {
    let mut answers = SheetAnswers::default();
    for indicator in &scheme.indicators {
        let code = &indicator.code;
        let pages = citation_field(fields, &format!("page_{code}"), code, true)?;
        let reason = field(fields, &format!("reason_{code}"))
            .unwrap_or_default()
            .to_string();
        let grade = match field(fields, &format!("grade_{code}")) {
            None => continue,
            Some("na") => IndicatorMark::NotApplicable,
            Some(text) => IndicatorMark::Graded(text.to_string()),
        };
        answers.indicators.push(IndicatorAnswer {
            code: code.clone(),
            grade,
            reason,
            pages,
        });
    }
    answers.overall_grade = field(fields, "overall_grade").map(str::to_string);
    answers.vetoes = veto_answers(rubric, fields)?;
    Ok(answers)
}

/// What happened to a save or a submission.
pub enum Outcome {
    Saved {
        version: i64,
    },
    Refused {
        refusal: Refusal,
        message: String,
        answers: SheetAnswers,
        version: i64,
    },
}

/// What the checks made of the posted fields: a save ready to be written, or a
/// refusal.
enum Checked {
    Ready {
        save: Box<sheets::PreparedSave>,
        new_version: i64,
        answers: SheetAnswers,
        presented: i64,
    },
    Done(Outcome),
}

/// Checks a save or submission and works it out, on the connection that loaded the context
/// (one database call per request before the write: under a burst of submissions every
/// extra call is another wait for a connection and another hand-over between threads).
fn apply(
    conn: &mut storage::DbConn,
    audit_actor: &crate::storage::audit::Actor,
    role: crate::domain::people::Role,
    context: &Context,
    fields: &[(String, String)],
    now: NaiveDateTime,
) -> Result<Checked, Error> {
    let version: i64 = field(fields, "version")
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    let submit = field(fields, "action") == Some("submit");
    // The round's status as read with the form (checked again inside the write).
    if let Err(refusal) = crate::domain::round_actions::check(
        context.round_status,
        crate::domain::round_actions::RoundAction::ScoreSheet,
    ) {
        let answers = answers_from(&context.rubric, fields)
            .unwrap_or_else(|_| context.sheet.sheet.answers.clone());
        return Ok(Checked::Done(Outcome::Refused {
            refusal: Refusal::Conflict,
            message: refusal.to_string(),
            answers,
            version,
        }));
    }
    let answers = match answers_from(&context.rubric, fields) {
        Ok(answers) => answers,
        Err(message) => {
            return Ok(Checked::Done(Outcome::Refused {
                refusal: Refusal::BadRequest,
                message,
                answers: answers_kept(&context.rubric, fields)
                    .unwrap_or_else(|| context.sheet.sheet.answers.clone()),
                version,
            }));
        }
    };
    let actor = SheetActor {
        role,
        is_assigned_reviewer: true,
        is_team_leader: false,
    };
    let action = if submit {
        SheetAction::Submit {
            rubric: &context.rubric,
            answers: &answers,
        }
    } else {
        SheetAction::SaveDraft { answers: &answers }
    };
    let update = match context.sheet.sheet.apply(version, action, actor) {
        Ok(update) => update,
        Err(error) => {
            let refusal = match error {
                SheetError::StaleVersion { .. } | SheetError::WrongState { .. } => {
                    Refusal::Conflict
                }
                SheetError::NotPermitted { .. } => return Err(Error::Forbidden),
                _ => Refusal::BadRequest,
            };
            return Ok(Checked::Done(Outcome::Refused {
                refusal,
                message: error.to_string(),
                answers,
                version,
            }));
        }
    };
    let result = if submit {
        score(&context.rubric, &update.sheet.answers).ok()
    } else {
        None
    };
    let save = sheets::prepare_save(
        conn,
        audit_actor,
        &context.sheet,
        &update,
        result.as_ref(),
        Some(&context.objection),
        now,
    )
    .map_err(|error| match error {
        SaveError::Storage(error) => Error::Storage(error),
        SaveError::Refused(refusal) => Error::RoundState(refusal),
        SaveError::Stale { .. } => Error::StaleBeforeWriting,
    })?;
    Ok(Checked::Ready {
        save: Box::new(save),
        new_version: update.sheet.version,
        answers,
        presented: version,
    })
}

/// A posted score form, handed to the server's form combiner (`AppState::sheet_forms`).
pub struct FormJob {
    pub offline: bool,
    pub reviewer: crate::domain::ids::PersonId,
    pub round_id: RoundId,
    pub file: CaseFileId,
    pub actor: crate::storage::audit::Actor,
    pub role: crate::domain::people::Role,
    pub fields: Vec<(String, String)>,
    /// When the form was posted.
    pub now: NaiveDateTime,
}

/// What became of a posted form: its context (for the page) and the outcome.
pub type FormReply = Result<(Context, Outcome), Error>;

/// The combiner's work for the posted forms that arrived together: their rounds read once
/// each, their files and sheets in one query per round, each form checked on its own, and
/// the accepted saves written in one transaction (`sheets::write_together`), each with the
/// outcome it would have had alone. A database error in the shared reads answers every
/// form of the batch 503 (nothing was written).
pub fn do_forms(conn: &mut storage::DbConn, jobs: Vec<FormJob>) -> (Vec<FormReply>, bool) {
    let checked = match check_forms(conn, &jobs) {
        Ok(checked) => checked,
        Err(error) => {
            tracing::warn!(%error, forms = jobs.len(), "posted forms not read");
            return (
                jobs.iter().map(|_| Err(Error::Unavailable)).collect(),
                false,
            );
        }
    };
    // The accepted saves, written together; the others are answered as they are.
    let mut replies: Vec<Option<FormReply>> = Vec::with_capacity(checked.len());
    let mut pending = Vec::new();
    let mut saves = Vec::new();
    for (index, checked) in checked.into_iter().enumerate() {
        match checked {
            Ok((
                context,
                Checked::Ready {
                    save,
                    new_version,
                    answers,
                    presented,
                },
            )) => {
                saves.push(*save);
                pending.push((index, context, new_version, answers, presented));
                replies.push(None);
            }
            Ok((context, Checked::Done(outcome))) => replies.push(Some(Ok((context, outcome)))),
            Err(error) => replies.push(Some(Err(error))),
        }
    }
    let outcomes = sheets::write_together(conn, &saves);
    let mut good = true;
    for ((index, context, new_version, answers, presented), outcome) in
        pending.into_iter().zip(outcomes)
    {
        replies[index] = Some(match outcome {
            Ok(()) => Ok((
                context,
                Outcome::Saved {
                    version: new_version,
                },
            )),
            Err(SaveError::Stale { stored }) => Ok((
                context,
                Outcome::Refused {
                    refusal: Refusal::Conflict,
                    message: SheetError::StaleVersion { stored, presented }.to_string(),
                    answers,
                    version: presented,
                },
            )),
            Err(SaveError::Refused(round_refusal)) => Ok((
                context,
                Outcome::Refused {
                    refusal: Refusal::Conflict,
                    message: round_refusal.to_string(),
                    answers,
                    version: presented,
                },
            )),
            Err(SaveError::Storage(error)) => {
                good = false;
                Err(Error::Storage(error))
            }
        });
    }
    (
        replies
            .into_iter()
            .map(|reply| reply.unwrap_or(Err(Error::Unavailable)))
            .collect(),
        good,
    )
}

/// One posted form's context and what the checks made of it, or why it was refused.
type CheckedForm = Result<(Context, Checked), Error>;

/// Reads what the posted forms need and checks each: per form its context and what the
/// checks made of it, or why it was refused. Fails only on a database error in the reads
/// shared by the batch.
fn check_forms(
    conn: &mut storage::DbConn,
    jobs: &[FormJob],
) -> Result<Vec<CheckedForm>, storage::Error> {
    let mut rounds = std::collections::BTreeMap::new();
    let mut found = std::collections::BTreeMap::new();
    for job in jobs {
        if rounds.contains_key(&job.round_id) {
            continue;
        }
        let round = match crate::storage::rounds::for_review(conn, job.round_id) {
            Ok(round) => Some(round),
            Err(storage::Error::NotFound) => None,
            Err(error) => return Err(error),
        };
        let pairs: Vec<(CaseFileId, crate::domain::ids::PersonId)> = jobs
            .iter()
            .filter(|other| other.round_id == job.round_id)
            .map(|other| (other.file, other.reviewer))
            .collect();
        if round.is_some() {
            let records = sheets::with_records(conn, job.round_id, &pairs)?;
            for (pair, record) in pairs.into_iter().zip(records) {
                found.insert((job.round_id, pair), record);
            }
        }
        rounds.insert(job.round_id, round);
    }
    Ok(jobs
        .iter()
        .map(|job| {
            let round = rounds
                .get(&job.round_id)
                .and_then(Option::as_ref)
                .ok_or(Error::NotFound)?;
            let record = found
                .get(&(job.round_id, (job.file, job.reviewer)))
                .cloned()
                .flatten();
            let context = context_from(
                conn,
                job.offline,
                job.reviewer,
                round,
                job.file,
                record,
                job.now,
            )?;
            let checked = apply(conn, &job.actor, job.role, &context, &job.fields, job.now)?;
            Ok((context, checked))
        })
        .collect())
}
