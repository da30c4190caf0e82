//! One notice: its page and API answer, selecting findings into a draft, issuing, the unit's
//! report, the bureau's send-back and closing, 回头看, and the PDF as issued.

use super::views::{FindingView, NoticeDetail, NoticeView, RoundLink};
use super::{Moved, TextForm, TransitionRequest, caller, json_ok, parse_finding, parse_notice};
use super::{query_notice, render};
use crate::app::issuing::Issuer;
use crate::app::messages::confirm as confirm_text;
use crate::app::messages::rectification as text;
use crate::app::rectification::{self as use_case, NoticePage};
use crate::domain::ids::{NoticeId, RoundId};
use crate::domain::people::Role;
use crate::domain::rectification::{
    Action, AllowedActions, DEFAULT_RECTIFICATION_DAYS, RectificationState, Subject, days_allowed,
};
use crate::storage::{self, rectification::Notice};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::confirm::{self, Confirm, ConfirmView};
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::see_other;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct NoticePageView<'a> {
    #[serde(flatten)]
    detail: NoticeDetail<'a>,
    others: Vec<FindingView<'a>>,
    later_rounds: Vec<RoundLink<'a>>,
    is_admin: bool,
    is_manager: bool,
    /// What the caller may do with the notice, by the state machine and the round's status.
    actions: AllowedActions,
    has_pdf: bool,
    /// An administrator may issue a corrected version (更正) of an issued, unverified notice.
    may_correct: bool,
    default_days: i32,
    notice_message: Option<&'static str>,
    /// The confirmation box of 下发.
    issue_confirm: ConfirmView,
}

fn detail(data: &NoticePage) -> NoticeDetail<'_> {
    NoticeDetail::new(
        &data.notice,
        &data.findings,
        &data.evidence,
        &data.history,
        storage::today(),
    )
}

async fn notice_data(state: &AppState, user: &CurrentUser, id: NoticeId) -> WebResult<NoticePage> {
    let scope = user.scope()?;
    let role = user.account.role;
    state
        .run(move |conn| use_case::notice_page(conn, scope, role, id))
        .await
}

pub async fn show_notice(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let data = notice_data(&state, &user, id).await?;
    let role = user.account.role;
    let notice = &data.notice;
    let view = NoticePageView {
        detail: detail(&data),
        others: FindingView::list(&data.others),
        later_rounds: RoundLink::list(&data.later_rounds),
        is_admin: role == Role::BureauAdmin,
        is_manager: role == Role::CenterManager,
        actions: AllowedActions::of(Subject::Notice, notice.state, role)
            .in_round(data.round_status),
        has_pdf: notice.doc_number.is_some(),
        may_correct: role == Role::BureauAdmin
            && notice.doc_number.is_some()
            && !matches!(
                notice.state,
                RectificationState::Draft | RectificationState::Verified
            ),
        default_days: notice.days,
        notice_message: query_notice(&request),
        issue_confirm: ConfirmView::of(confirm_text::issue_notice()),
    };
    let title = notice
        .doc_number
        .clone()
        .unwrap_or_else(|| text::draft_title(&notice.unit_name));
    render(&request, "rectification/notice", &title, &user, &view)
}

pub async fn api_show_notice(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_notice(&id)?;
    let data = notice_data(&state, &user, id).await?;
    json_ok(&detail(&data))
}

#[derive(Debug, Deserialize)]
pub struct SelectForm {
    finding: String,
    selected: String,
}

pub async fn select(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<SelectForm>,
) -> WebResult<HttpResponse> {
    let notice = parse_notice(&id)?;
    let finding = parse_finding(&form.finding)
        .map_err(|_| WebError::BadRequest(text::CHOOSE_FINDING.to_string()))?;
    let selected = form.selected == "1";
    let actor = user.actor(&request);
    state
        .run(move |conn| {
            use_case::set_selected(conn, &actor, notice, finding, selected, storage::now())
        })
        .await?;
    Ok(see_other(&format!("/notices/{notice}")))
}

fn parse_days(raw: Option<&str>) -> WebResult<u32> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(WebError::BadRequest(text::DAYS_MISSING.to_string()));
    }
    match text.parse::<u32>() {
        Ok(days) if days_allowed(days) => Ok(days),
        _ => Err(WebError::BadRequest(text::days_invalid(text))),
    }
}

async fn issue_notice(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: NoticeId,
    days: u32,
) -> WebResult<Notice> {
    let caller = caller(request, user)?;
    let fonts = state.fonts()?;
    state
        .db(move |conn| {
            let issuer = Issuer::Role(caller.account.role);
            Ok(use_case::issue(
                conn,
                &caller,
                id,
                days,
                storage::today(),
                storage::now(),
                &fonts,
                issuer,
            )?)
        })
        .await
}

#[derive(Debug, Deserialize)]
pub struct IssueForm {
    days: Option<String>,
    /// The confirmation that issuing cannot be undone (`web::confirm`).
    #[serde(default)]
    confirm: Confirm,
}

pub async fn issue(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<IssueForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let days = parse_days(form.days.as_deref())?;
    confirm::require(form.confirm, &confirm_text::issue_notice())?;
    issue_notice(&state, &request, &user, id, days).await?;
    Ok(see_other(&format!("/notices/{id}?notice=issued")))
}

/// POST /notices/{notice}/correct: 更正 after an objection changed the findings.
pub async fn correct(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let caller = caller(&request, &user)?;
    let fonts = state.fonts()?;
    state
        .db(move |conn| {
            let issuer = Issuer::Role(caller.account.role);
            Ok(use_case::correct(
                conn,
                &caller,
                id,
                storage::today(),
                storage::now(),
                &fonts,
                issuer,
            )?)
        })
        .await?;
    Ok(see_other(&format!("/notices/{id}?notice=corrected")))
}

async fn on_notice(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: NoticeId,
    action: Action,
    report: Option<String>,
) -> WebResult<RectificationState> {
    let caller = caller(request, user)?;
    state
        .run(move |conn| {
            use_case::act_on_notice(
                conn,
                &caller,
                id,
                &action,
                report.as_deref(),
                storage::now(),
            )
        })
        .await
}

/// The unit submits its 整改报告 (the report text comes with it).
pub async fn submit_report(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let report = Some(form.text());
    on_notice(&state, &request, &user, id, Action::Submit, report).await?;
    Ok(see_other(&format!("/notices/{id}?notice=done")))
}

pub async fn send_back_notice(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let action = Action::SendBack {
        reason: form.text(),
    };
    on_notice(&state, &request, &user, id, action, None).await?;
    Ok(see_other(&format!("/notices/{id}?notice=done")))
}

pub async fn close_notice(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    on_notice(&state, &request, &user, id, Action::Close, None).await?;
    Ok(see_other(&format!("/notices/{id}?notice=closed")))
}

#[derive(Debug, Deserialize)]
pub struct FollowUpForm {
    round: Option<String>,
    note: Option<String>,
}

pub async fn follow_up(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<FollowUpForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let round: RoundId = form
        .round
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(text::CHOOSE_FOLLOW_UP_ROUND.to_string()))?;
    let note = form.note.clone().unwrap_or_default();
    let actor = user.actor(&request);
    state
        .run(move |conn| {
            use_case::schedule_follow_up(conn, &actor, id, round, &note, storage::now())
        })
        .await?;
    Ok(see_other(&format!("/notices/{id}?notice=saved")))
}

/// The notice as the unit received it: the exact PDF stored when it was issued
/// ([`use_case::notice_pdf`], which `pingcha pdf notice` calls too).
pub async fn notice_pdf(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let id = parse_notice(&id)?;
    let actor = user.actor(&request);
    let issuer = Issuer::Role(user.account.role);
    let fonts = state.fonts()?;
    let (bytes, number) = state
        .run(move |conn| {
            use_case::notice_pdf(conn, scope, id, &actor, issuer, &fonts, storage::now())
        })
        .await?;
    Ok(crate::web::download::attachment(
        "application/pdf",
        None,
        &format!("{number}.pdf"),
        bytes,
    ))
}

pub async fn api_notice_transition(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_notice(&id)?;
    let action = body.action()?;
    let to = if action == Action::Issue && user.account.role == Role::BureauAdmin {
        let days = body.days.unwrap_or(DEFAULT_RECTIFICATION_DAYS);
        confirm::require(body.confirm, &confirm_text::issue_notice())?;
        issue_notice(&state, &request, &user, id, days).await?.state
    } else {
        on_notice(&state, &request, &user, id, action, body.text.clone()).await?
    };
    let scope = user.scope()?;
    let notice = state
        .run(move |conn| use_case::notice(conn, scope, id))
        .await?;
    json_ok(&Moved {
        state: to.code(),
        notice: Some(NoticeView::new(&notice, storage::today())),
    })
}
