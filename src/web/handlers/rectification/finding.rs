//! One finding: its page and API answer, the unit's measures and evidence, submitting it,
//! the bureau's verify and send-back, and evidence downloads.

use super::views::{FindingDetail, FindingView, NoticeView};
use super::{Moved, TextForm, TransitionRequest, back_to_notice, caller, json_ok, parse_finding};
use super::{query_notice, render};
use crate::app::messages::rectification as text;
use crate::app::rectification::{self as use_case, FindingPage};
use crate::domain::evidence::{self, EvidenceKind};
use crate::domain::ids::{FindingId, NoticeId};
use crate::domain::people::Role;
use crate::domain::rectification::{Action, AllowedActions, RectificationState, Subject};
use crate::storage;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::see_other;
use crate::web::upload;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

fn detail(data: &FindingPage) -> FindingDetail<'_> {
    FindingDetail {
        finding: FindingView::new(&data.stored),
        notice: data
            .notice
            .as_ref()
            .map(|notice| NoticeView::new(notice, storage::today())),
        evidence: &data.evidence,
        history: &data.history,
    }
}

#[derive(Serialize)]
struct FindingPageView<'a> {
    #[serde(flatten)]
    detail: FindingDetail<'a>,
    /// What the caller may do with the finding, by the state machine and the round's status.
    actions: AllowedActions,
    notice_message: Option<&'static str>,
    max_mb: usize,
}

async fn finding_data(
    state: &AppState,
    user: &CurrentUser,
    id: FindingId,
) -> WebResult<FindingPage> {
    let scope = user.scope()?;
    state
        .run(move |conn| use_case::finding_page(conn, scope, id))
        .await
}

pub async fn show_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let data = finding_data(&state, &user, id).await?;
    let view = FindingPageView {
        detail: detail(&data),
        actions: AllowedActions::of(Subject::Finding, data.stored.state, user.account.role)
            .in_round(data.round_status)
            .unless_withdrawn(data.stored.withdrawn()),
        notice_message: query_notice(&request),
        max_mb: evidence::MAX_EVIDENCE_BYTES / 1024 / 1024,
    };
    render(
        &request,
        "rectification/finding",
        text::FINDING_TITLE,
        &user,
        &view,
    )
}

pub async fn api_show_finding(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    let data = finding_data(&state, &user, id).await?;
    json_ok(&detail(&data))
}

async fn save_measures_for(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    measures: String,
) -> WebResult<()> {
    let caller = caller(request, user)?;
    state
        .run(move |conn| use_case::save_measures(conn, &caller, id, &measures, storage::now()))
        .await
}

pub async fn save_measures(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    save_measures_for(&state, &request, &user, id, form.text()).await?;
    Ok(see_other(&format!("/findings/{id}?notice=saved")))
}

async fn on_finding(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    action: Action,
) -> WebResult<(RectificationState, Option<NoticeId>)> {
    let caller = caller(request, user)?;
    state
        .run(move |conn| use_case::act_on_finding(conn, &caller, id, &action, storage::now()))
        .await
}

pub async fn submit_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let (_, notice) = on_finding(&state, &request, &user, id, Action::Submit).await?;
    Ok(back_to_notice(id, notice))
}

pub async fn verify_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let action = Action::Verify {
        comment: Some(form.text()),
    };
    let (_, notice) = on_finding(&state, &request, &user, id, action).await?;
    Ok(back_to_notice(id, notice))
}

pub async fn send_back_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let action = Action::SendBack {
        reason: form.text(),
    };
    let (_, notice) = on_finding(&state, &request, &user, id, action).await?;
    Ok(back_to_notice(id, notice))
}

pub async fn api_finding_transition(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    let action = body.action()?;
    if let Some(text) = body.text.clone() {
        if user.account.role != Role::CenterManager {
            return Err(WebError::Forbidden.into());
        }
        save_measures_for(&state, &request, &user, id, text).await?;
    }
    let (to, _) = on_finding(&state, &request, &user, id, action).await?;
    json_ok(&Moved::<()> {
        state: to.code(),
        notice: None,
    })
}

// ---------------------------------------------------------------------------------------
// Evidence

async fn store_evidence(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    payload: upload::Parts,
) -> WebResult<String> {
    let too_large = text::evidence_too_large(evidence::MAX_EVIDENCE_BYTES / 1024 / 1024);
    let form = upload::read(payload, evidence::MAX_EVIDENCE_BYTES, &too_large).await?;
    let file = form
        .file("file")
        .ok_or_else(|| WebError::BadRequest(text::CHOOSE_EVIDENCE.to_string()))?;
    let kind: EvidenceKind = evidence::check(&file.file_name, &file.bytes)
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let file_name = file.file_name.clone();
    let bytes = file.bytes.clone();
    let caller = caller(request, user)?;
    state
        .run(move |conn| {
            use_case::add_evidence(conn, &caller, id, &file_name, kind, &bytes, storage::now())
        })
        .await
}

pub async fn upload_evidence(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    payload: upload::Parts,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    store_evidence(&state, &request, &user, id, payload).await?;
    Ok(see_other(&format!("/findings/{id}?notice=uploaded")))
}

#[derive(Serialize)]
struct Stored {
    id: String,
}

pub async fn api_upload_evidence(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    payload: upload::Parts,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    let id = store_evidence(&state, &request, &user, id, payload).await?;
    Ok(HttpResponse::Created().json(Stored { id }))
}

/// Downloads an evidence file: the bureau, leadership, and the unit's own manager.
pub async fn download_evidence(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let id = id.into_inner();
    let (meta, kind, bytes) = state
        .run(move |conn| use_case::evidence(conn, scope, &id))
        .await?;
    Ok(crate::web::download::attachment(
        kind.content_type(),
        None,
        &meta.file_name,
        bytes,
    ))
}
