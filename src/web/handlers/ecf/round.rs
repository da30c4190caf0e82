//! A round's electronic case files: which sampled files have one (a manager sees their own
//! unit's), the bulk ZIP upload with its report, and the reminder to units still missing some.

use super::error;
use super::spool;
use crate::app::ecf::{self as use_case, Caller, FileStatus};
use crate::app::ecf_bulk::{self, Matched};
use crate::app::messages::ecf as text;
use crate::domain::ecf::MAX_BULK_BYTES;
use crate::domain::ids::RoundId;
use crate::domain::people::Role;
use crate::storage;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::{page, see_other, view_data};
use crate::web::upload::Parts;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct RoundView {
    round: String,
    files: Vec<FileStatus>,
    uploaded: usize,
    missing: usize,
    can_upload: bool,
    can_remind: bool,
    limits: String,
    notice: Option<String>,
    report: Option<ReportView>,
}

#[derive(Serialize)]
struct ReportView {
    matched: Vec<Matched>,
    unmatched: Vec<String>,
    refused: Vec<String>,
    stored: usize,
    summary: String,
}

fn parse_round(raw: &str) -> WebResult<RoundId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

async fn view(
    state: &AppState,
    user: &CurrentUser,
    round: RoundId,
    report: Option<ReportView>,
    notice: Option<String>,
) -> WebResult<RoundView> {
    let scope = user.scope()?;
    let role = user.account.role;
    let files = state
        .db(move |conn| {
            storage::rounds::find(conn, round)?;
            use_case::round_overview(conn, scope, round).map_err(error)
        })
        .await?;
    let uploaded = files.iter().filter(|file| file.documents > 0).count();
    Ok(RoundView {
        round: round.to_string(),
        missing: files.len() - uploaded,
        uploaded,
        files,
        can_upload: matches!(role, Role::BureauAdmin | Role::CenterManager),
        can_remind: role == Role::BureauAdmin,
        limits: text::limits_text(),
        notice,
        report,
    })
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `GET /rounds/{id}/case-files`.
pub async fn overview(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    let round = parse_round(&path)?;
    let notice = query
        .notice
        .as_deref()
        .and_then(|count| count.parse::<usize>().ok())
        .map(text::reminded);
    let data = view(&state, &user, round, None, notice).await?;
    page(
        &request,
        "ecf/round",
        text::ROUND_TITLE,
        Some(&user),
        view_data(&data)?,
    )
}

/// `POST /rounds/{id}/case-files/bulk`: a ZIP whose file or folder names carry the 案号.
pub async fn bulk(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    parts: Parts,
) -> WebResult<HttpResponse> {
    let round = parse_round(&path)?;
    let form = spool::read(parts, MAX_BULK_BYTES, |_| text::bulk_too_large()).await?;
    let matched_only = form.text("matched_only") == Some("yes");
    let Some(zip) = form.files.into_iter().next() else {
        return Err(WebError::BadRequest(text::CHOOSE_ZIP.to_string()));
    };
    let received = web::block(move || {
        let workspace = ecf_bulk::Workspace::new()?;
        let received = ecf_bulk::read_zip(&zip.path, &workspace);
        Ok::<_, ecf_bulk::ReadError>((workspace, received?))
    })
    .await?
    .map_err(|refusal| match refusal {
        ecf_bulk::ReadError::NotZip(_) => WebError::BadRequest(text::BULK_NOT_ZIP.to_string()),
        ecf_bulk::ReadError::TooManyEntries => {
            WebError::BadRequest(text::BULK_TOO_MANY.to_string())
        }
        ecf_bulk::ReadError::TooLarge => WebError::PayloadTooLarge(text::bulk_too_large()),
        ecf_bulk::ReadError::Io(cause) => WebError::internal(cause),
    })?;
    let (workspace, received) = received;
    let actor = user.actor(&request);
    let account = user.account.clone();
    let report = state
        .db(move |conn| {
            storage::rounds::find(conn, round)?;
            let report = ecf_bulk::import(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                round,
                received,
                matched_only,
                &mut |_, _| {},
                storage::now(),
            )
            .map_err(error);
            drop(workspace);
            report
        })
        .await?;
    let summary = if report.stored > 0 {
        text::bulk_stored(report.stored)
    } else if report.clean() {
        text::bulk_stored(0)
    } else {
        text::BULK_NOTHING_STORED.to_string()
    };
    let report_view = ReportView {
        refused: report
            .refused
            .iter()
            .map(|(name, refusal)| text::bulk_refusal(name, refusal))
            .collect(),
        matched: report.matched,
        unmatched: report.unmatched,
        stored: report.stored,
        summary,
    };
    let data = view(&state, &user, round, Some(report_view), None).await?;
    page(
        &request,
        "ecf/round",
        text::ROUND_TITLE,
        Some(&user),
        view_data(&data)?,
    )
}

/// `POST /rounds/{id}/case-files/remind`: a message to each unit listing its sampled files
/// still without an electronic case file.
pub async fn remind(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round = parse_round(&path)?;
    let actor = user.actor(&request);
    let account = user.account.clone();
    let units = state
        .db(move |conn| {
            storage::rounds::find(conn, round)?;
            use_case::remind_missing(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                round,
                text::missing_message,
                storage::now(),
            )
            .map_err(error)
        })
        .await?;
    Ok(see_other(&format!(
        "/rounds/{round}/case-files?notice={units}"
    )))
}
