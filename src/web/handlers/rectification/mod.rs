//! Rectification (整改) pages and API: the bureau's overview (overdue first), a round's
//! findings and draft notices, issuing with a number from the bureau's sequence, verifying
//! or sending back each finding, closing and 回头看; the unit's measures, evidence and
//! report; evidence and notice PDF downloads. A center manager reaches only their own unit:
//! every per-object check goes through the storage scope and answers 403 otherwise.
//!
//! The use cases are in [`crate::app::rectification`]; these handlers parse, authorise and
//! render. The buttons come from the domain's allowed actions
//! ([`crate::domain::rectification::AllowedActions`]) within what the round's status allows.
//! `overview` has the lists and the round's findings; `added` findings added by hand and the
//! settings; `notice` one notice; `finding` one finding and its evidence; `views` the typed
//! views all of them render.

mod added;
mod finding;
mod notice;
mod overview;
mod views;

pub use crate::app::document_data::check_notice_templates;
pub use added::{add_finding, new_finding, save_settings, settings_form};
pub use finding::{
    api_finding_transition, api_show_finding, api_upload_evidence, download_evidence,
    save_measures, send_back_finding, show_finding, submit_finding, upload_evidence,
    verify_finding,
};
pub use notice::{
    api_notice_transition, api_show_notice, close_notice, correct, follow_up, issue, notice_pdf,
    select, send_back_notice, show_notice, submit_report,
};
pub use overview::{
    api_draft_notices, api_generate_findings, api_overview, api_round_findings, draft_notices,
    generate_findings, overview, round_findings,
};

use crate::app::issuing::NoticeIssueError;
use crate::app::messages::rectification as text;
use crate::app::rectification::Error;
use crate::domain::ids::{FindingId, NoticeId};
use crate::domain::rectification::Action;
use crate::storage::rectification::{ActError, AddFindingError, Caller};
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

fn parse_notice(raw: &str) -> WebResult<NoticeId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

fn parse_finding(raw: &str) -> WebResult<FindingId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

fn caller(request: &HttpRequest, user: &CurrentUser) -> WebResult<Caller> {
    Ok(Caller {
        actor: user.actor(request),
        account: user.account.clone(),
        scope: user.scope()?,
    })
}

/// The line for `?notice=<key>` after a redirect.
fn query_notice(request: &HttpRequest) -> Option<&'static str> {
    request
        .query_string()
        .strip_prefix("notice=")
        .and_then(text::after)
}

/// A typed view as the JSON answer of an API route.
fn json_ok<T: Serialize>(view: &T) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(view))
}

/// Renders a typed view in `template` inside the layout.
fn render<T: Serialize>(
    request: &HttpRequest,
    template: &str,
    title: &str,
    user: &CurrentUser,
    view: &T,
) -> WebResult<HttpResponse> {
    let data = serde_json::to_value(view).map_err(WebError::internal)?;
    crate::web::handlers::page(request, template, title, Some(user), data)
}

impl From<ActError> for WebError {
    fn from(error: ActError) -> Self {
        use crate::domain::rectification::TransitionError as T;
        match error {
            ActError::Transition(T::RoleNotAllowed { .. }) => WebError::Forbidden,
            ActError::Transition(
                error @ (T::MissingMeasures { .. }
                | T::MissingReason { .. }
                | T::NotForSubject { .. }),
            ) => WebError::BadRequest(error.to_string()),
            ActError::Transition(error) => WebError::Conflict(error.to_string()),
            ActError::Refused(refusal) => WebError::Conflict(refusal.to_string()),
            ActError::Storage(error) => error.into(),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(error: ActError) -> Self {
        ApiError(error.into())
    }
}

impl From<Error> for WebError {
    fn from(error: Error) -> Self {
        match error {
            Error::Act(error) => error.into(),
            Error::AddFinding(AddFindingError::Storage(error)) => error.into(),
            Error::AddFinding(other) => WebError::BadRequest(other.to_string()),
            Error::Issue(NoticeIssueError::Act(error)) => error.into(),
            Error::Issue(NoticeIssueError::Storage(error)) => error.into(),
            Error::Issue(refused) => WebError::BadRequest(refused.to_string()),
            Error::Document(error) => crate::web::handlers::verify::issue_error(error),
            Error::Data(error) => crate::web::handlers::documents::data_error(error),
            Error::Round(refusal) => WebError::Conflict(refusal.to_string()),
            Error::Forbidden => WebError::Forbidden,
            Error::Invalid(message) => WebError::BadRequest(message),
            Error::NotIssued => WebError::Conflict(text::NOT_ISSUED.to_string()),
            Error::Storage(error) => error.into(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error.into())
    }
}

/// A form with one text (measures, report, a reason or a comment).
#[derive(Debug, Deserialize)]
pub struct TextForm {
    text: Option<String>,
}

impl TextForm {
    fn text(&self) -> String {
        self.text.clone().unwrap_or_default()
    }
}

/// The JSON transitions: one endpoint per subject, the action named in the body.
#[derive(Debug, Deserialize)]
pub struct TransitionRequest {
    /// issue, start_work, submit, verify, send_back, close
    action: String,
    /// The send-back reason or the verification comment.
    comment: Option<String>,
    /// A notice's 整改报告 (submit) or a finding's measures (saved before the action).
    text: Option<String>,
    /// Days to rectify (issue).
    days: Option<u32>,
    /// The confirmation of an irreversible step (issue), `web::confirm`.
    #[serde(default)]
    confirm: crate::web::confirm::Confirm,
}

impl TransitionRequest {
    fn action(&self) -> WebResult<Action> {
        let comment = self.comment.clone().unwrap_or_default();
        Ok(match self.action.trim() {
            "issue" => Action::Issue,
            "start_work" => Action::StartWork,
            "submit" => Action::Submit,
            "verify" => Action::Verify {
                comment: Some(comment),
            },
            "send_back" => Action::SendBack { reason: comment },
            "close" => Action::Close,
            other => return Err(WebError::BadRequest(text::unknown_action(other))),
        })
    }
}

/// The answer of a JSON transition.
#[derive(Debug, Serialize)]
struct Moved<T: Serialize> {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<T>,
}

/// Where a finding's form sends the browser: its notice when it has one.
fn back_to_notice(id: FindingId, notice: Option<NoticeId>) -> HttpResponse {
    crate::web::handlers::see_other(&notice.map_or_else(
        || format!("/findings/{id}"),
        |notice| format!("/notices/{notice}?notice=done"),
    ))
}
