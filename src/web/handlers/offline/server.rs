//! The server's 离线评查 page: download a packet, upload a result, and their API twins.

use crate::app::messages;
use crate::app::offline::{
    self as offline_store, Applied, ApplyError, IssueError, IssueRequest, Issued,
};
use crate::domain::offline::PacketError;
use crate::storage::{self, assignments, rounds, sheets};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::download::attachment;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, view_data};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::local_time;

/// Largest result packet accepted.
pub const MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;

// ---- Server: download ----

#[derive(Debug, Deserialize)]
pub struct DownloadForm {
    pub round: String,
    /// A member of the caller's team (team leaders); the caller when absent or empty.
    pub reviewer: Option<String>,
}

async fn issue_for(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    form: DownloadForm,
) -> WebResult<Issued> {
    let me = user.account.person_id.ok_or(WebError::Forbidden)?;
    let round = parse_round_id(&form.round)?;
    let reviewer = match form.reviewer.as_deref().map(str::trim) {
        None | Some("") => me,
        Some(text) => text.parse().map_err(|_| WebError::NotFound)?,
    };
    let issue = IssueRequest {
        round,
        reviewer,
        requester: me,
        valid_for: chrono::Duration::days(state.config.offline_packet_days),
    };
    let actor = user.actor(request);
    state
        .db(
            move |conn| match offline_store::issue(conn, &actor, &issue, storage::now()) {
                Ok(issued) => Ok(issued),
                Err(IssueError::NoAssignment) => {
                    Err(WebError::Conflict(messages::OFFLINE_NO_ASSIGNMENT.into()))
                }
                Err(IssueError::NotPermitted) => Err(WebError::Forbidden),
                Err(IssueError::NothingOpen) => {
                    Err(WebError::Conflict(messages::OFFLINE_NOTHING_OPEN.into()))
                }
                Err(IssueError::Storage(error)) => Err(error.into()),
            },
        )
        .await
}

fn packet_download(issued: Issued) -> HttpResponse {
    let short: String = issued.packet_id.chars().rev().take(8).collect();
    attachment(
        "application/json",
        Some(&format!("pingcha-{short}.pcpkt")),
        &format!("离线评查包-{short}.pcpkt"),
        issued.text.into_bytes(),
    )
}

/// POST /offline/packets: the packet file.
pub async fn download(
    Ctx(request, state, user): Ctx,
    form: web::Form<DownloadForm>,
) -> WebResult<HttpResponse> {
    let issued = issue_for(&request, &state, &user, form.into_inner()).await?;
    Ok(packet_download(issued))
}

/// POST /api/offline/packets `{"round": …, "reviewer": …}`: the packet file.
pub async fn api_download(
    Ctx(request, state, user): Ctx,
    body: web::Json<DownloadForm>,
) -> Result<HttpResponse, ApiError> {
    let issued = issue_for(&request, &state, &user, body.into_inner()).await?;
    Ok(packet_download(issued))
}

// ---- Server: the page ----

/// A member of the caller's team, whose packet a leader may download.
#[derive(Serialize)]
struct MemberView {
    id: String,
    name: String,
    is_me: bool,
}

/// A round in which the caller has a team and files.
#[derive(Serialize)]
struct RoundPackets {
    id: String,
    name: String,
    team: u32,
    is_leader: bool,
    members: Vec<MemberView>,
    open: usize,
    files: usize,
}

async fn index_data(state: &AppState, user: &CurrentUser) -> WebResult<Vec<RoundPackets>> {
    let Some(me) = user.account.person_id else {
        return Ok(Vec::new());
    };
    state
        .db(move |conn| {
            let mut found = Vec::new();
            for round in rounds::list(conn)? {
                let Some(version) = assignments::published(conn, round.id)? else {
                    continue;
                };
                let Some(team) = version.assignment.team_of_member(me) else {
                    continue;
                };
                let mine = sheets::for_reviewer(conn, round.id, me)?;
                let placed = version
                    .assignment
                    .placements
                    .iter()
                    .filter(|placement| placement.reviewers.contains(&me))
                    .count();
                let closed = mine
                    .iter()
                    .filter(|sheet| !sheet.sheet.state.is_editable())
                    .count();
                let members = team
                    .members
                    .iter()
                    .map(|member| MemberView {
                        id: member.to_string(),
                        name: version.problem.reviewer_name(*member).to_string(),
                        is_me: *member == me,
                    })
                    .collect();
                found.push(RoundPackets {
                    id: round.id.to_string(),
                    name: round.settings.name,
                    team: team.number,
                    is_leader: team.leader == me,
                    members,
                    open: placed.saturating_sub(closed),
                    files: placed,
                });
            }
            Ok(found)
        })
        .await
}

/// The 离线评查 page.
#[derive(Serialize)]
struct IndexPage {
    rounds: Vec<RoundPackets>,
    days: i64,
    outcome: Option<Outcome>,
}

fn render_index(
    request: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    rounds: Vec<RoundPackets>,
    outcome: Option<Outcome>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let view = IndexPage {
        rounds,
        days: state.config.offline_packet_days,
        outcome,
    };
    let mut response = page(
        request,
        "offline/index",
        "离线评查",
        Some(user),
        view_data(&view)?,
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// GET /offline.
pub async fn index(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let rounds = index_data(&state, &user).await?;
    render_index(&request, &user, &state, rounds, None, StatusCode::OK)
}

// ---- Server: upload ----

/// One sheet a result wrote.
#[derive(Serialize)]
struct AppliedView {
    case_no: String,
    submitted: bool,
    total: Option<String>,
    grade: Option<String>,
}

/// One refused file.
#[derive(Serialize)]
struct RefusalView {
    case_no: String,
    reason: String,
}

/// The outcome of an upload, as both the page and the API report it: applied with its files,
/// or refused with the refused files (none when the packet itself was refused).
#[derive(Serialize)]
struct Outcome {
    applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reviewer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Vec<AppliedView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusals: Option<Vec<RefusalView>>,
}

impl Outcome {
    /// Refused before anything was read (no file, not text).
    fn unread(message: &str) -> Outcome {
        Outcome {
            applied: false,
            packet_id: None,
            reviewer: None,
            error: None,
            message: message.to_string(),
            files: None,
            refusals: Some(Vec::new()),
        }
    }

    fn refused(message: String, refusals: Vec<RefusalView>) -> Outcome {
        Outcome {
            error: Some("refused"),
            message,
            refusals: Some(refusals),
            ..Outcome::unread("")
        }
    }
}

fn outcome_of(outcome: &Result<Applied, ApplyError>) -> (StatusCode, Option<Outcome>) {
    match outcome {
        Ok(applied) => {
            let files: Vec<AppliedView> = applied
                .files
                .iter()
                .map(|file| AppliedView {
                    case_no: file.case_no.clone(),
                    submitted: file.submitted,
                    total: file.total_tenths.map(|tenths| {
                        crate::domain::rubric::Points::from_tenths(tenths).to_string()
                    }),
                    grade: file.grade.clone(),
                })
                .collect();
            let outcome = Outcome {
                applied: true,
                packet_id: Some(applied.packet_id.clone()),
                reviewer: Some(applied.reviewer.clone()),
                error: None,
                message: messages::offline_applied(files.len()),
                files: Some(files),
                refusals: None,
            };
            (StatusCode::OK, Some(outcome))
        }
        Err(ApplyError::Files(refusals)) => {
            let message = format!(
                "{}{}",
                messages::OFFLINE_REFUSED,
                refusals
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("；")
            );
            let refusals = refusals
                .iter()
                .map(|refusal| RefusalView {
                    case_no: refusal.case_no.clone(),
                    reason: refusal.reason.to_string(),
                })
                .collect();
            (
                StatusCode::CONFLICT,
                Some(Outcome::refused(message, refusals)),
            )
        }
        Err(ApplyError::Packet(error)) => {
            let status = match error {
                PacketError::Malformed(_)
                | PacketError::WrongFormat(_)
                | PacketError::UnsupportedVersion(_)
                | PacketError::Inconsistent(_)
                | PacketError::NothingToApply => StatusCode::BAD_REQUEST,
                PacketError::WrongReviewer(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            let message = format!("{}{error}", messages::OFFLINE_REFUSED);
            (status, Some(Outcome::refused(message, Vec::new())))
        }
        Err(ApplyError::Storage(_)) => (StatusCode::INTERNAL_SERVER_ERROR, None),
    }
}

async fn apply_upload(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    text: String,
) -> WebResult<(StatusCode, Option<Outcome>)> {
    let uploader = user.account.person_id.ok_or(WebError::Forbidden)?;
    let actor = user.actor(request);
    let outcome = state
        .db(move |conn| {
            let outcome = offline_store::apply_result(
                conn,
                &actor,
                uploader,
                &text,
                storage::now(),
                &local_time,
            );
            if let Err(ApplyError::Storage(error)) = outcome {
                return Err(error.into());
            }
            Ok(outcome)
        })
        .await?;
    Ok(outcome_of(&outcome))
}

/// POST /offline/results (multipart, field `result`).
pub async fn upload(
    Ctx(request, state, user): Ctx,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let form =
        crate::web::upload::read(payload, MAX_RESULT_BYTES, messages::OFFLINE_TOO_LARGE).await?;
    let (status, outcome) = match form.file("result") {
        None => (
            StatusCode::BAD_REQUEST,
            Some(Outcome::unread(messages::OFFLINE_NO_FILE)),
        ),
        Some(upload) => match String::from_utf8(upload.bytes.clone()) {
            Ok(text) => apply_upload(&request, &state, &user, text).await?,
            Err(_) => (
                StatusCode::BAD_REQUEST,
                Some(Outcome::unread(messages::OFFLINE_NOT_TEXT)),
            ),
        },
    };
    let rounds = index_data(&state, &user).await?;
    render_index(&request, &user, &state, rounds, outcome, status)
}

/// POST /api/offline/results: the result file as the request body.
pub async fn api_upload(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| match error {
            actix_web::error::PayloadError::Overflow => {
                WebError::PayloadTooLarge(messages::OFFLINE_TOO_LARGE.into())
            }
            error => WebError::BadRequest(error.to_string()),
        })?;
        if bytes.len() + chunk.len() > MAX_RESULT_BYTES {
            return Err(WebError::PayloadTooLarge(messages::OFFLINE_TOO_LARGE.into()).into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| WebError::BadRequest(messages::OFFLINE_NOT_TEXT.into()))?;
    let (status, outcome) = apply_upload(&request, &state, &user, text).await?;
    Ok(HttpResponse::build(status).json(outcome))
}
