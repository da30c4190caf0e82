//! The reviewer's score form (评分表): generated from the round's rubric snapshot, saved as a
//! draft at any time (guarded by the sheet's version), previewed by the server's own scoring
//! engine while typing, and locked on submission. The use cases are in
//! [`crate::app::score_forms`]; this module parses, authorises and renders.

mod form_view;

use crate::app::messages::scoring as messages;
use crate::app::score_forms::{self, Context, Error, FormJob, Outcome, Refusal, answers_from};
use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::rubric::Points;
use crate::domain::scoring::actions::sheet_actions;
use crate::domain::scoring::{SheetAnswers, score};
use crate::storage::sheets::StoredSheet;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::reconcile::page_of;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::see_other;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use form_view::{FormView, form_view};
use serde::Serialize;
use std::collections::BTreeMap;

impl From<Error> for WebError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => WebError::NotFound,
            Error::Forbidden => WebError::Forbidden,
            Error::NoRubric(case_type) => WebError::Conflict(messages::no_rubric(case_type)),
            Error::RoundState(refusal) => WebError::Conflict(refusal.to_string()),
            Error::StaleBeforeWriting => WebError::internal(error),
            Error::Unavailable => WebError::Unavailable,
            Error::Storage(error) => error.into(),
        }
    }
}

fn status_of(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::Conflict => StatusCode::CONFLICT,
        Refusal::BadRequest => StatusCode::BAD_REQUEST,
    }
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
        .db(move |conn| {
            let now = crate::storage::now();
            Ok(score_forms::load_context(
                conn, offline, reviewer, round_id, file, now,
            )?)
        })
        .await
}

#[derive(Serialize)]
struct RubricView<'a> {
    title: &'a str,
    version: &'a str,
    hash: String,
}

#[derive(Serialize)]
struct SheetView<'a> {
    round_id: String,
    file_id: String,
    header: &'a score_forms::Header,
    rubric: RubricView<'a>,
    form: FormView,
    version: i64,
    state: &'static str,
    state_label: &'static str,
    editable: bool,
    note: Option<String>,
    total: Option<String>,
    grade: Option<String>,
    message: Option<String>,
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
    let state = &context.sheet.sheet.state;
    let view = SheetView {
        round_id: context.round_id.to_string(),
        file_id: context.file.to_string(),
        header: &context.header,
        rubric: RubricView {
            title: context.rubric.title(),
            version: context.rubric.version(),
            hash: context.rubric.content_hash(),
        },
        form: form_view(&context.rubric, answers),
        version,
        state: state.status().code(),
        state_label: state.status().label(),
        editable: sheet_actions(context.round_status, state.status()).edit,
        note: messages::sheet_note(state),
        total: result
            .as_ref()
            .and_then(|result| result.total)
            .map(|total| total.to_string()),
        grade: result.as_ref().map(|result| result.grade.name.clone()),
        message,
    };
    page_of(request, "sheets/form", "评分表", user, &view)
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_ids(&path)?;
    let context = context(&state, &user, round_id, file).await?;
    let answers = context.sheet.sheet.answers.clone();
    let version = context.sheet.sheet.version;
    render(&request, &user, &context, &answers, version, None)
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
        now: crate::storage::now(),
    };
    state
        .sheet_forms
        .submit(job)
        .await
        .unwrap_or(Err(Error::Unavailable))
        .map_err(WebError::from)
}

/// POST: save the draft (`action=save`) or submit (`action=submit`).
pub async fn save(
    Ctx(request, state, user): Ctx,
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
            refusal,
            message,
            answers,
            version,
        } => {
            let mut response = render(&request, &user, &context, &answers, version, Some(message))?;
            *response.status_mut() = status_of(refusal);
            Ok(response)
        }
    }
}

/// The autosave's answer: the sheet's new version.
#[derive(Serialize)]
struct Saved {
    version: i64,
}

/// The autosave's refusal (nothing stored).
#[derive(Serialize)]
struct Refused {
    error: &'static str,
    message: String,
}

/// The running total shown while the reviewer types.
#[derive(Serialize)]
struct Preview {
    total: Option<String>,
    grade: Option<String>,
    vetoed: bool,
    explanation: String,
    problems: Vec<String>,
}

/// POST /api/…/sheet/draft: the form's autosave. Saves the answers as a draft under the
/// same version guard as the form; answers the new version, or 409 with the conflict message
/// (nothing stored, the page keeps what the reviewer typed).
pub async fn autosave(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let mut fields: Vec<(String, String)> = form
        .into_inner()
        .into_iter()
        .filter(|(key, _)| key != "action")
        .collect();
    fields.push(("action".into(), "save".into()));
    match load_and_apply(&request, &state, &user, &path, fields)
        .await?
        .1
    {
        Outcome::Saved { version } => Ok(HttpResponse::Ok().json(Saved { version })),
        Outcome::Refused {
            refusal, message, ..
        } => Ok(HttpResponse::build(status_of(refusal)).json(Refused {
            error: match refusal {
                Refusal::Conflict => "conflict",
                Refusal::BadRequest => "bad_request",
            },
            message,
        })),
    }
}

/// POST /api/…/sheet/preview: the total and grade as the server computes them, for the
/// running total shown while the reviewer types. Nothing is stored.
pub async fn preview(
    Ctx(_, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, file) = parse_ids(&path)?;
    let context = context(&state, &user, round_id, file).await?;
    let answers = answers_from(&context.rubric, &form).map_err(WebError::BadRequest)?;
    Ok(
        HttpResponse::Ok().json(match score(&context.rubric, &answers) {
            Ok(result) => Preview {
                total: result.total.map(|total| total.to_string()),
                grade: Some(result.grade.name),
                vetoed: !result.vetoes.is_empty(),
                explanation: result.explanation.to_string(),
                problems: Vec::new(),
            },
            Err(error) => Preview {
                total: None,
                grade: None,
                vetoed: false,
                explanation: String::new(),
                problems: error.problems.iter().map(ToString::to_string).collect(),
            },
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
