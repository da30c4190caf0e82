//! The laptop's local server of `pingcha offline open`: sign-in by the one-time address, the
//! work list built from the packet, and the result export.

use crate::app::messages;
use crate::domain::CaseType;
use crate::security;
use crate::storage::offline as offline_store;
use crate::storage::{self, audit, rounds, sessions, sheets, users};
use crate::web::AppState;
use crate::web::auth::{CurrentUser, session_cookie};
use crate::web::download::attachment;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, see_other, view_data};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

// ---- Laptop: the local server of `pingcha offline open` ----

/// A page with one message.
#[derive(Serialize)]
struct Hint {
    message: &'static str,
}

/// GET /login offline: there is no password; the terminal shows a one-time address.
pub async fn login_hint(request: HttpRequest) -> WebResult<HttpResponse> {
    page(
        &request,
        "offline/login",
        "离线评查",
        None,
        view_data(&Hint {
            message: messages::OFFLINE_LOGIN_HINT,
        })?,
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

/// A file of the packet in the work list.
#[derive(Serialize)]
struct WorkFile {
    id: String,
    case_number: String,
    case_type: &'static str,
    unit: String,
    double: bool,
    state: &'static str,
    total: Option<String>,
}

/// The laptop's one reviewer, as the work list names team members.
#[derive(Serialize)]
struct WorkMember {
    name: String,
    is_leader: bool,
    is_me: bool,
}

/// The packet's round in the server's work-list template (`teams/mine`).
#[derive(Serialize)]
struct WorkRound {
    round: rounds::RoundView,
    team: i32,
    is_leader: bool,
    units: Vec<String>,
    members: Vec<WorkMember>,
    files: Vec<WorkFile>,
}

#[derive(Serialize)]
struct WorkPage {
    rounds: Vec<WorkRound>,
    has_person: bool,
}

/// GET /my/work offline: the packet's files in the server's work-list template.
pub async fn work(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let person = user.account.person_id.ok_or(WebError::Forbidden)?;
    let rounds_of_mine = state
        .db(move |conn| {
            let (_, packet) = offline_store::local_packet(conn)?.ok_or(WebError::NotFound)?;
            let payload = packet.payload;
            let round = rounds::find(conn, parse_round_id(&payload.round.id)?)?;
            let mine = sheets::for_reviewer(conn, round.id, person)?;
            let states = crate::web::handlers::sheets::states_by_file(&mine);
            let mut units: Vec<String> = Vec::new();
            let mut files = Vec::new();
            for file in payload.files {
                if !units.contains(&file.unit_name) {
                    units.push(file.unit_name.clone());
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
                files.push(WorkFile {
                    id: file.file_id,
                    case_number: file.case_no,
                    case_type,
                    unit: file.unit_name,
                    double: file.double_review,
                    state,
                    total,
                });
            }
            Ok(vec![WorkRound {
                round: rounds::RoundView::from(&round),
                team: payload.round.team,
                is_leader: false,
                units,
                members: vec![WorkMember {
                    name: payload.reviewer.name,
                    is_leader: false,
                    is_me: true,
                }],
                files,
            }])
        })
        .await?;
    let view = WorkPage {
        rounds: rounds_of_mine,
        has_person: true,
    };
    page(
        &request,
        "teams/mine",
        "我的评查工作",
        Some(&user),
        view_data(&view)?,
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
