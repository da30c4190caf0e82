//! The reviewer's score form (评分表): generated from the round's rubric snapshot, saved as a
//! draft at any time (guarded by the sheet's version), previewed by the server's own scoring
//! engine while typing, and locked on submission.

use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::masking::mask_name;
use crate::domain::rubric::{
    DeductionRule, IndicatorScheme, Method, NotApplicablePolicy, Points, Rubric,
};
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetError, SheetState};
use crate::domain::scoring::{
    IndicatorAnswer, IndicatorMark, ItemAnswer, Mark, SheetAnswers, VetoAnswer, score,
};
use crate::storage::sheets::{self, SaveError, StoredSheet};
use crate::storage::{self, assignments, rubrics};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Everything the form needs, checked: the caller is the assigned reviewer of this file.
pub(crate) struct Context {
    round_id: RoundId,
    /// The round's status when the form was read.
    round_status: crate::domain::round::RoundStatus,
    file: CaseFileId,
    rubric: std::sync::Arc<Rubric>,
    header: Value,
    sheet: StoredSheet,
    /// The round's objection and borderline settings (a submission near a grade boundary
    /// may call for a second reviewer).
    objection: crate::domain::objection::ObjectionSettings,
}

fn parse_ids(path: &(String, String)) -> WebResult<(RoundId, CaseFileId)> {
    let round = parse_round_id(&path.0)?;
    let file = path.1.parse().map_err(|_| WebError::NotFound)?;
    Ok((round, file))
}

async fn context(
    state: &AppState,
    user: &CurrentUser,
    round_id: RoundId,
    file: CaseFileId,
) -> WebResult<Context> {
    let reviewer = user.account.person_id.ok_or(WebError::Forbidden)?;
    let offline = state.config.offline.is_some();
    state
        .db(move |conn| load_context(conn, offline, reviewer, round_id, file))
        .await
}

fn load_context(
    conn: &mut storage::DbConn,
    offline: bool,
    reviewer: crate::domain::ids::PersonId,
    round_id: RoundId,
    file: CaseFileId,
) -> WebResult<Context> {
    // The round, its settings and its published version in one query, the file and the
    // sheet in another: under a burst of submissions every query is another round trip.
    let round = crate::storage::rounds::for_review(conn, round_id)?;
    let found = sheets::with_records(conn, round_id, &[(file, reviewer)])?
        .pop()
        .flatten();
    context_from(conn, offline, reviewer, &round, file, found)
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
) -> WebResult<Context> {
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
            .ok_or(WebError::NotFound)?;
        published
            .placements
            .iter()
            .any(|placement| placement.file == file && placement.reviewers.contains(&reviewer))
    };
    if !assigned {
        return Err(WebError::Forbidden);
    }
    let (record, sheet) = found.ok_or(WebError::NotFound)?;
    let hash = round
        .settings
        .rubrics
        .get(&record.case_type)
        .cloned()
        .ok_or_else(|| {
            WebError::Conflict(format!(
                "本轮没有为{}案卷选择评分标准，请联系管理员。",
                record.case_type.label()
            ))
        })?;
    let rubric = rubrics::load_shared(conn, &hash)?;
    let sheet = match sheet {
        Some(sheet) => sheet,
        None => sheets::find_or_create(conn, round_id, file, reviewer, &hash, storage::now())?,
    };
    let header = json!({
        "round": round.settings.name, "case_no": record.case_no,
        "recipient": mask_name(&record.recipient, false).to_string(),
        "handler": record.handler, "firm": record.firm, "case_type": record.case_type.label(),
        "sub_type": record.sub_type, "cause": record.cause, "assigned_at": record.assigned_at,
        "closed_at": record.closed_at, "archived_at": record.archived_at,
        "deadline": round.settings.review_deadline,
    });
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

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The posted form as answers; a malformed number is reported naming the item.
fn answers_from(rubric: &Rubric, fields: &[(String, String)]) -> Result<SheetAnswers, String> {
    let scheme = match rubric.method() {
        Method::Deduction(scheme) => scheme,
        Method::Indicator(scheme) => return indicator_answers_from(rubric, scheme, fields),
    };
    let mut answers = SheetAnswers::default();
    for item in scheme.items() {
        let code = &item.code;
        let page = match field(fields, &format!("page_{code}")) {
            Some(text) => Some(
                text.parse::<u32>()
                    .map_err(|_| format!("项目 {code}：卷宗页码“{text}”不是页码"))?,
            ),
            None => None,
        };
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
                            let count: u32 = text
                                .parse()
                                .map_err(|_| format!("项目 {code}：处数“{text}”不是整数"))?;
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
                        let points: Points = text
                            .parse()
                            .map_err(|_| format!("项目 {code}：扣分“{text}”不是分数"))?;
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
                page,
            });
        }
    }
    answers.vetoes = veto_answers(rubric, fields);
    Ok(answers)
}

/// The checked vetoes with their reasons and pages.
fn veto_answers(rubric: &Rubric, fields: &[(String, String)]) -> Vec<VetoAnswer> {
    let mut vetoes = Vec::new();
    for veto in rubric.vetoes() {
        if field(fields, &format!("veto_{}", veto.code)).is_some() {
            let page = field(fields, &format!("veto_page_{}", veto.code))
                .and_then(|text| text.parse().ok());
            vetoes.push(VetoAnswer {
                code: veto.code.clone(),
                reason: field(fields, &format!("veto_reason_{}", veto.code))
                    .unwrap_or_default()
                    .to_string(),
                page,
            });
        }
    }
    vetoes
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
        let page = match field(fields, &format!("page_{code}")) {
            Some(text) => Some(
                text.parse::<u32>()
                    .map_err(|_| format!("指标 {code}：卷宗页码“{text}”不是页码"))?,
            ),
            None => None,
        };
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
            page,
        });
    }
    answers.overall_grade = field(fields, "overall_grade").map(str::to_string);
    answers.vetoes = veto_answers(rubric, fields);
    Ok(answers)
}

/// The form's rows: every item with the reviewer's current answer.
fn form_view(rubric: &Rubric, answers: &SheetAnswers) -> Value {
    let answer = |code: &str| answers.items.iter().find(|answer| answer.code == code);
    let vetoes = veto_view(rubric, answers);
    let scheme = match rubric.method() {
        Method::Deduction(scheme) => scheme,
        Method::Indicator(scheme) => {
            let indicators: Vec<Value> = scheme
                .indicators
                .iter()
                .map(|indicator| {
                    let current = answers
                        .indicators
                        .iter()
                        .find(|answer| answer.code == indicator.code);
                    let chosen = current.map(|answer| match &answer.grade {
                        IndicatorMark::Graded(grade) => grade.clone(),
                        IndicatorMark::NotApplicable => "na".to_string(),
                    });
                    let mut options: Vec<Value> = scheme
                        .scale
                        .iter()
                        .map(|grade| json!({ "value": grade, "label": grade, "selected": chosen.as_deref() == Some(grade.as_str()) }))
                        .collect();
                    if indicator.may_be_not_applicable {
                        options.push(json!({ "value": "na", "label": "不适用", "selected": chosen.as_deref() == Some("na") }));
                    }
                    json!({
                        "code": indicator.code, "text": indicator.title, "guidance": indicator.guidance,
                        "key": indicator.key, "options": options,
                        "reason": current.map(|answer| answer.reason.clone()).unwrap_or_default(),
                        "page": current.and_then(|answer| answer.page).map(|page| page.to_string()).unwrap_or_default(),
                    })
                })
                .collect();
            let overall: Vec<Value> = scheme
                .grades
                .iter()
                .map(|grade| json!({ "name": grade.name, "selected": answers.overall_grade.as_deref() == Some(grade.name.as_str()) }))
                .collect();
            return json!({ "sections": [], "vetoes": vetoes, "indicator": true,
                           "indicators": indicators, "overall": overall, "scale": scheme.scale.join(" / ") });
        }
    };
    let sections: Vec<Value> = scheme
        .sections
        .iter()
        .map(|section| {
            let items: Vec<Value> = section
                .items
                .iter()
                .map(|item| {
                    let current = answer(&item.code);
                    let mark = current.map(|answer| answer.mark);
                    let (kind, rule) = match item.deduction {
                        DeductionRule::Fixed { points } => ("fixed", format!("有此问题扣 {points} 分")),
                        DeductionRule::PerOccurrence { points, cap } => ("count", format!("每处扣 {points} 分，最多 {cap} 分")),
                        DeductionRule::Free => ("free", format!("酌情扣 0–{} 分", item.max)),
                    };
                    json!({
                        "code": item.code, "text": item.text, "guidance": item.guidance, "max": item.max.to_string(),
                        "rule": rule, "is_fixed": kind == "fixed", "is_count": kind == "count", "is_free": kind == "free",
                        "allows_na": item.not_applicable != NotApplicablePolicy::NotAllowed,
                        "na": mark == Some(Mark::NotApplicable),
                        "applied": mark == Some(Mark::Applied),
                        "count": match mark { Some(Mark::Occurrences(count)) => count.to_string(), _ => String::new() },
                        "points": match mark { Some(Mark::Points(points)) => points.to_string(), _ => String::new() },
                        "reason": current.map(|answer| answer.reason.clone()).unwrap_or_default(),
                        "page": current.and_then(|answer| answer.page).map(|page| page.to_string()).unwrap_or_default(),
                        "suggestions": crate::domain::scoring::findings_library::suggestions(rubric.id(), &item.code),
                    })
                })
                .collect();
            json!({ "code": section.code, "title": section.title, "max": section.max.to_string(), "items": items })
        })
        .collect();
    json!({ "sections": sections, "vetoes": vetoes, "indicator": false })
}

/// The veto rows with the reviewer's current answers.
fn veto_view(rubric: &Rubric, answers: &SheetAnswers) -> Vec<Value> {
    rubric
        .vetoes()
        .iter()
        .map(|veto| {
            let current = answers.vetoes.iter().find(|answer| answer.code == veto.code);
            json!({
                "code": veto.code, "text": veto.text, "guidance": veto.guidance, "checked": current.is_some(),
                "reason": current.map(|answer| answer.reason.clone()).unwrap_or_default(),
                "page": current.and_then(|answer| answer.page).map(|page| page.to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

fn render(
    request: &HttpRequest,
    user: &CurrentUser,
    context: &Context,
    answers: &SheetAnswers,
    version: i64,
    message: Option<String>,
) -> WebResult<HttpResponse> {
    let result = score(&context.rubric, answers).ok();
    page(
        request,
        "sheets/form",
        "评分表",
        Some(user),
        json!({
            "round_id": context.round_id.to_string(),
            "file_id": context.file.to_string(),
            "header": context.header,
            "rubric": { "title": context.rubric.title(), "version": context.rubric.version(), "hash": context.rubric.content_hash() },
            "form": form_view(&context.rubric, answers),
            "version": version,
            "state": context.sheet.sheet.state.status().code(),
            "state_label": context.sheet.sheet.state.status().label(),
            "editable": context.sheet.sheet.state.is_editable(),
            "note": match &context.sheet.sheet.state {
                SheetState::Returned { comment } => Some(format!("组长退回意见：{comment}")),
                SheetState::Reopened { reason } => Some(format!("管理员重新开放的理由：{reason}")),
                _ => None,
            },
            "total": result.as_ref().and_then(|result| result.total).map(|total| total.to_string()),
            "grade": result.as_ref().map(|result| result.grade.name.clone()),
            "message": message,
        }),
    )
}

pub async fn show(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_ids(&path)?;
    let context = context(&state, &user, round_id, file).await?;
    let answers = context.sheet.sheet.answers.clone();
    let version = context.sheet.sheet.version;
    render(&request, &user, &context, &answers, version, None)
}

/// What happened to a save or a submission.
pub(crate) enum Outcome {
    Saved {
        version: i64,
    },
    Refused {
        status: actix_web::http::StatusCode,
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
) -> WebResult<Checked> {
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
            status: actix_web::http::StatusCode::CONFLICT,
            message: refusal.to_string(),
            answers,
            version,
        }));
    }
    let answers = match answers_from(&context.rubric, fields) {
        Ok(answers) => answers,
        Err(message) => {
            return Ok(Checked::Done(Outcome::Refused {
                status: actix_web::http::StatusCode::BAD_REQUEST,
                message,
                answers: context.sheet.sheet.answers.clone(),
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
            let status = match error {
                SheetError::StaleVersion { .. } | SheetError::WrongState { .. } => {
                    actix_web::http::StatusCode::CONFLICT
                }
                SheetError::NotPermitted { .. } => return Err(WebError::Forbidden),
                _ => actix_web::http::StatusCode::BAD_REQUEST,
            };
            return Ok(Checked::Done(Outcome::Refused {
                status,
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
        storage::now(),
    )
    .map_err(|error| match error {
        SaveError::Storage(error) => WebError::from(error),
        SaveError::Refused(refusal) => WebError::Conflict(refusal.to_string()),
        SaveError::Stale { .. } => WebError::internal("a save was found stale before writing"),
    })?;
    Ok(Checked::Ready {
        save: Box::new(save),
        new_version: update.sheet.version,
        answers,
        presented: version,
    })
}

/// A posted score form, handed to the server's form combiner (`AppState::sheet_forms`).
pub(crate) struct FormJob {
    offline: bool,
    reviewer: crate::domain::ids::PersonId,
    round_id: RoundId,
    file: CaseFileId,
    actor: crate::storage::audit::Actor,
    role: crate::domain::people::Role,
    fields: Vec<(String, String)>,
}

/// What became of a posted form: its context (for the page) and the outcome.
pub(crate) type FormReply = WebResult<(Context, Outcome)>;

/// The combiner's work for the posted forms that arrived together: their rounds read once
/// each, their files and sheets in one query per round, each form checked on its own, and
/// the accepted saves written in one transaction (`sheets::write_together`), each with the
/// outcome it would have had alone. A database error in the shared reads answers every
/// form of the batch 503 (nothing was written).
pub(crate) fn do_forms(conn: &mut storage::DbConn, jobs: Vec<FormJob>) -> (Vec<FormReply>, bool) {
    let checked = match check_forms(conn, &jobs) {
        Ok(checked) => checked,
        Err(error) => {
            tracing::warn!(%error, forms = jobs.len(), "posted forms not read");
            return (
                jobs.iter().map(|_| Err(WebError::Unavailable)).collect(),
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
                    status: actix_web::http::StatusCode::CONFLICT,
                    message: SheetError::StaleVersion { stored, presented }.to_string(),
                    answers,
                    version: presented,
                },
            )),
            Err(SaveError::Refused(refusal)) => Ok((
                context,
                Outcome::Refused {
                    status: actix_web::http::StatusCode::CONFLICT,
                    message: refusal.to_string(),
                    answers,
                    version: presented,
                },
            )),
            Err(SaveError::Storage(error)) => {
                good = false;
                Err(error.into())
            }
        });
    }
    (
        replies
            .into_iter()
            .map(|reply| reply.unwrap_or(Err(WebError::Unavailable)))
            .collect(),
        good,
    )
}

/// Reads what the posted forms need and checks each: per form its context and what the
/// checks made of it, or why it was refused. Fails only on a database error in the reads
/// shared by the batch.
fn check_forms(
    conn: &mut storage::DbConn,
    jobs: &[FormJob],
) -> Result<Vec<WebResult<(Context, Checked)>>, storage::Error> {
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
                .ok_or(WebError::NotFound)?;
            let record = found
                .get(&(job.round_id, (job.file, job.reviewer)))
                .cloned()
                .flatten();
            let context = context_from(conn, job.offline, job.reviewer, round, job.file, record)?;
            let checked = apply(conn, &job.actor, job.role, &context, &job.fields)?;
            Ok((context, checked))
        })
        .collect())
}

/// Hands the posted fields to the server's form combiner, which loads the form's context,
/// checks the fields and stores the save together with the other forms posted at the same
/// time.
async fn load_and_apply(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    path: &(String, String),
    fields: Vec<(String, String)>,
) -> WebResult<(Context, Outcome)> {
    let (round_id, file) = parse_ids(path)?;
    let job = FormJob {
        offline: state.config.offline.is_some(),
        reviewer: user.account.person_id.ok_or(WebError::Forbidden)?,
        round_id,
        file,
        actor: user.actor(request),
        role: user.account.role,
        fields,
    };
    state
        .sheet_forms
        .submit(job)
        .await
        .unwrap_or(Err(WebError::Unavailable))
}

/// POST: save the draft (`action=save`) or submit (`action=submit`).
pub async fn save(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> WebResult<HttpResponse> {
    let (context, outcome) =
        load_and_apply(&request, &state, &user, &path, form.into_inner()).await?;
    match outcome {
        Outcome::Saved { .. } => Ok(see_other(&format!(
            "/rounds/{}/files/{}/sheet",
            context.round_id, context.file
        ))),
        Outcome::Refused {
            status,
            message,
            answers,
            version,
        } => {
            let mut response = render(&request, &user, &context, &answers, version, Some(message))?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

/// POST /api/…/sheet/draft: the form's autosave. Saves the answers as a draft under the
/// same version guard as the form; answers the new version, or 409 with the conflict message
/// (nothing stored, the page keeps what the reviewer typed).
pub async fn autosave(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let mut fields: Vec<(String, String)> = form
        .into_inner()
        .into_iter()
        .filter(|(key, _)| key != "action")
        .collect();
    fields.push(("action".into(), "save".into()));
    match load_and_apply(&request, &state, &user, &path, fields).await?.1 {
        Outcome::Saved { version } => Ok(HttpResponse::Ok().json(json!({ "version": version }))),
        Outcome::Refused {
            status, message, ..
        } => Ok(HttpResponse::build(status).json(json!({
            "error": if status == actix_web::http::StatusCode::CONFLICT { "conflict" } else { "bad_request" },
            "message": message,
        }))),
    }
}

/// POST /api/…/sheet/preview: the total and grade as the server computes them, for the
/// running total shown while the reviewer types. Nothing is stored.
pub async fn preview(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, file) = parse_ids(&path)?;
    let context = context(&state, &user, round_id, file).await?;
    let answers = answers_from(&context.rubric, &form).map_err(WebError::BadRequest)?;
    Ok(
        HttpResponse::Ok().json(match score(&context.rubric, &answers) {
            Ok(result) => json!({
                "total": result.total.map(|total| total.to_string()),
                "grade": result.grade.name,
                "vetoed": !result.vetoes.is_empty(),
                "explanation": result.explanation.to_string(),
                "problems": Vec::<String>::new(),
            }),
            Err(error) => json!({
                "total": Value::Null, "grade": Value::Null, "vetoed": false, "explanation": "",
                "problems": error.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        }),
    )
}

/// The reviewer's sheets of a round by file, for the work list.
pub fn states_by_file(
    sheets: &[StoredSheet],
) -> BTreeMap<CaseFileId, (&'static str, Option<String>)> {
    sheets
        .iter()
        .map(|sheet| {
            let total = sheet
                .total_tenths
                .map(|tenths| Points::from_tenths(tenths).to_string());
            (
                sheet.case_file_id,
                (sheet.sheet.state.status().label(), total),
            )
        })
        .collect()
}
