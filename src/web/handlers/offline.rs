//! Offline review packets on the web. On the server: the 离线评查 page (download a packet,
//! upload a result) and its API twins. On the laptop (`pingcha offline open`): sign-in by the
//! one-time address, the work list built from the packet, and the result export; the score
//! form itself is the server's own (`handlers::sheets`).

use crate::app::messages;
use crate::domain::CaseType;
use crate::domain::offline::PacketError;
use crate::security;
use crate::storage::offline::{
    self as offline_store, Applied, ApplyError, IssueError, IssueRequest, Issued,
};
use crate::storage::{self, assignments, audit, rounds, sessions, sheets, users};
use crate::web::auth::{CurrentUser, session_cookie};
use crate::web::download::attachment;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, see_other};
use crate::web::render::NavLink;
use crate::web::{AppState, OfflineMode};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest result packet accepted.
const MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;

/// A UTC time as the bureau reads it (local time of the machine), to the minute.
pub fn local_time(at: NaiveDateTime) -> String {
    chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(at, chrono::Utc)
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The offline server's pages: the banner, and navigation limited to what exists offline.
pub fn adapt_page(context: &mut Value, mode: &OfflineMode, path: &str) {
    if let Value::Object(map) = context {
        map.insert(
            "offline".into(),
            json!({ "expires_at": mode.expires_at, "reviewer": mode.reviewer }),
        );
        if map.get("user").is_some_and(|user| !user.is_null()) {
            let nav = vec![NavLink {
                href: "/my/work".into(),
                label: "我的评查工作",
                active: path.starts_with("/my/work"),
                badge: 0,
            }];
            map.insert("nav".into(), json!(nav));
        }
    }
}

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
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<DownloadForm>,
) -> WebResult<HttpResponse> {
    let issued = issue_for(&request, &state, &user, form.into_inner()).await?;
    Ok(packet_download(issued))
}

/// POST /api/offline/packets `{"round": …, "reviewer": …}`: the packet file.
pub async fn api_download(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<DownloadForm>,
) -> Result<HttpResponse, ApiError> {
    let issued = issue_for(&request, &state, &user, body.into_inner()).await?;
    Ok(packet_download(issued))
}

// ---- Server: the page ----

async fn index_data(state: &AppState, user: &CurrentUser) -> WebResult<Vec<Value>> {
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
                let members: Vec<Value> = team
                    .members
                    .iter()
                    .map(|member| json!({ "id": member.to_string(), "name": version.problem.reviewer_name(*member), "is_me": *member == me }))
                    .collect();
                found.push(json!({
                    "id": round.id.to_string(), "name": round.settings.name, "team": team.number,
                    "is_leader": team.leader == me, "members": members,
                    "open": placed.saturating_sub(closed), "files": placed,
                }));
            }
            Ok(found)
        })
        .await
}

fn render_index(
    request: &HttpRequest,
    user: &CurrentUser,
    state: &AppState,
    rounds: Vec<Value>,
    outcome: Value,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let mut response = page(
        request,
        "offline/index",
        "离线评查",
        Some(user),
        json!({ "rounds": rounds, "days": state.config.offline_packet_days, "outcome": outcome }),
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// GET /offline.
pub async fn index(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let rounds = index_data(&state, &user).await?;
    render_index(&request, &user, &state, rounds, Value::Null, StatusCode::OK)
}

// ---- Server: upload ----

/// The outcome of an upload, as both the page and the API report it.
fn outcome_json(outcome: &Result<Applied, ApplyError>) -> (StatusCode, Value) {
    match outcome {
        Ok(applied) => {
            let files: Vec<Value> = applied
                .files
                .iter()
                .map(|file| json!({
                    "case_no": file.case_no, "submitted": file.submitted,
                    "total": file.total_tenths.map(|tenths| crate::domain::rubric::Points::from_tenths(tenths).to_string()),
                    "grade": file.grade,
                }))
                .collect();
            (
                StatusCode::OK,
                json!({ "applied": true, "packet_id": applied.packet_id, "reviewer": applied.reviewer,
                        "message": messages::offline_applied(files.len()), "files": files }),
            )
        }
        Err(ApplyError::Files(refusals)) => (
            StatusCode::CONFLICT,
            json!({
                "applied": false, "error": "refused",
                "message": format!("{}{}", messages::OFFLINE_REFUSED, refusals.iter().map(ToString::to_string).collect::<Vec<_>>().join("；")),
                "refusals": refusals.iter().map(|refusal| json!({ "case_no": refusal.case_no, "reason": refusal.reason.to_string() })).collect::<Vec<_>>(),
            }),
        ),
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
            (
                status,
                json!({ "applied": false, "error": "refused",
                        "message": format!("{}{error}", messages::OFFLINE_REFUSED), "refusals": [] }),
            )
        }
        Err(ApplyError::Storage(_)) => (StatusCode::INTERNAL_SERVER_ERROR, Value::Null),
    }
}

async fn apply_upload(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    text: String,
) -> WebResult<(StatusCode, Value)> {
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
    Ok(outcome_json(&outcome))
}

/// POST /offline/results (multipart, field `result`).
pub async fn upload(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let form =
        crate::web::upload::read(payload, MAX_RESULT_BYTES, messages::OFFLINE_TOO_LARGE).await?;
    let (status, outcome) = match form.file("result") {
        None => (
            StatusCode::BAD_REQUEST,
            json!({ "applied": false, "message": messages::OFFLINE_NO_FILE, "refusals": [] }),
        ),
        Some(upload) => match String::from_utf8(upload.bytes.clone()) {
            Ok(text) => apply_upload(&request, &state, &user, text).await?,
            Err(_) => (
                StatusCode::BAD_REQUEST,
                json!({ "applied": false, "message": messages::OFFLINE_NOT_TEXT, "refusals": [] }),
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

// ---- Laptop: the local server of `pingcha offline open` ----

/// GET /login offline: there is no password; the terminal shows a one-time address.
pub async fn login_hint(request: HttpRequest) -> WebResult<HttpResponse> {
    page(
        &request,
        "offline/login",
        "离线评查",
        None,
        json!({ "message": messages::OFFLINE_LOGIN_HINT }),
    )
}

/// GET /offline/signin/{token}: signs the local reviewer in, once per printed address.
pub async fn signin(
    request: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> WebResult<HttpResponse> {
    let mode = state.config.offline.clone().ok_or(WebError::NotFound)?;
    let presented = security::sha256_hex(token.as_bytes());
    let accepted = {
        let mut slot = mode
            .signin_token_hash
            .lock()
            .map_err(|_| WebError::Unavailable)?;
        let matches = slot
            .as_deref()
            .is_some_and(|expected| security::constant_time_eq(expected, &presented));
        if matches {
            *slot = None;
        }
        matches
    };
    if !accepted {
        let mut response = login_hint(request).await?;
        *response.status_mut() = StatusCode::FORBIDDEN;
        return Ok(response);
    }
    let session_hours = state.config.session_hours;
    let token = security::random_token()?;
    let csrf = security::random_token()?;
    let token_hash = security::sha256_hex(token.as_bytes());
    state
        .db(move |conn| {
            let (account, _) = users::find_by_login(conn, offline_store::LOCAL_LOGIN)?
                .ok_or(WebError::NotFound)?;
            let now = storage::now();
            storage::transaction(conn, |conn| {
                sessions::create(
                    conn,
                    &token_hash,
                    account.id,
                    &csrf,
                    now,
                    now + chrono::Duration::hours(session_hours),
                )?;
                audit::record(
                    conn,
                    &audit::Actor {
                        user_id: Some(account.id),
                        login: account.login.clone(),
                        client_ip: None,
                    },
                    audit::Change {
                        action: "login.offline",
                        entity_type: "session",
                        entity_id: Some(account.id.to_string()),
                        before: None,
                        after: None,
                    },
                    now,
                )
            })?;
            Ok(())
        })
        .await?;
    let mut response = see_other("/my/work");
    response
        .add_cookie(&session_cookie(
            &token,
            state.config.secure_cookies,
            session_hours,
        ))
        .map_err(WebError::internal)?;
    Ok(response)
}

/// GET / offline: the work list is the home page.
pub async fn home() -> HttpResponse {
    see_other("/my/work")
}

/// GET /my/work offline: the packet's files in the server's work-list template.
pub async fn work(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let person = user.account.person_id.ok_or(WebError::Forbidden)?;
    let rounds_of_mine = state
        .db(move |conn| {
            let (_, packet) = offline_store::local_packet(conn)?.ok_or(WebError::NotFound)?;
            let payload = packet.payload;
            let round = rounds::find(conn, parse_round_id(&payload.round.id)?)?;
            let mine = sheets::for_reviewer(conn, round.id, person)?;
            let states = super::sheets::states_by_file(&mine);
            let mut units: Vec<&str> = Vec::new();
            let files: Vec<Value> = payload
                .files
                .iter()
                .map(|file| {
                    if !units.contains(&file.unit_name.as_str()) {
                        units.push(&file.unit_name);
                    }
                    let (state, total) = file
                        .file_id
                        .parse()
                        .ok()
                        .and_then(|id| states.get(&id).cloned())
                        .unwrap_or(("未开始", None));
                    let case_type = file
                        .case_type
                        .parse::<CaseType>()
                        .map(CaseType::label)
                        .unwrap_or_default();
                    json!({ "id": file.file_id, "case_number": file.case_no, "case_type": case_type,
                            "unit": file.unit_name, "double": file.double_review, "state": state, "total": total })
                })
                .collect();
            Ok(vec![json!({
                "round": rounds::RoundView::from(&round),
                "team": payload.round.team,
                "is_leader": false,
                "units": units,
                "members": [{ "name": payload.reviewer.name, "is_leader": false, "is_me": true }],
                "files": files,
            })])
        })
        .await?;
    page(
        &request,
        "teams/mine",
        "我的评查工作",
        Some(&user),
        json!({ "rounds": rounds_of_mine, "has_person": true }),
    )
}

/// GET /offline/result: the result packet of this laptop's work so far.
pub async fn export(state: web::Data<AppState>, _user: CurrentUser) -> WebResult<HttpResponse> {
    let mode = state.config.offline.clone().ok_or(WebError::NotFound)?;
    let (text, _) = state
        .db(|conn| Ok(offline_store::export_result(conn, storage::now())?))
        .await?;
    let short: String = mode.packet_id.chars().rev().take(8).collect();
    Ok(attachment(
        "application/json",
        Some(&format!("pingcha-{short}.pcres")),
        &format!("离线评查结果-{short}.pcres"),
        text.into_bytes(),
    ))
}
