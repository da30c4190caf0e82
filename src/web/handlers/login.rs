//! Sign-in and sign-out. An unknown login and a wrong password get the same answer and take
//! the same time; repeated failures are throttled by `domain::throttle` (never stopping the
//! right password from an address that did not fail); a new session id is issued at every
//! sign-in (no fixation).

use crate::app::messages;
use crate::domain::throttle::Kind;
use crate::security;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::{self, sessions, throttle, transaction};
use crate::web::AppState;
use crate::web::auth::{
    MaybeUser, PRE_SESSION_CSRF_COOKIE, SESSION_COOKIE, client_ip, pre_session_cookie,
    removal_cookie, session_cookie,
};
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, see_other, view_data};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths: an attacker must not be able to send a user elsewhere after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The sign-in form.
#[derive(serde::Serialize)]
struct LoginView<'a> {
    csrf: &'a str,
    next: &'a str,
    login: &'a str,
    error: Option<&'a str>,
}

fn login_page(
    request: &HttpRequest,
    state: &AppState,
    next: &str,
    login: &str,
    error: Option<&str>,
    status: actix_web::http::StatusCode,
) -> WebResult<HttpResponse> {
    let token = pre_session_token(request)?;
    let mut response = page(
        request,
        "login",
        "登录",
        None,
        view_data(&LoginView {
            csrf: &token,
            next,
            login,
            error,
        })?,
    )?;
    *response.status_mut() = status;
    response
        .add_cookie(&pre_session_cookie(&token, state.config.secure_cookies))
        .map_err(WebError::internal)?;
    Ok(response)
}

/// The CSRF token of a public form before sign-in: the one in the pre-session cookie, or a
/// fresh one (then set with [`with_pre_session_cookie`]).
pub fn pre_session_token(request: &HttpRequest) -> WebResult<String> {
    Ok(request
        .cookie(PRE_SESSION_CSRF_COOKIE)
        .map(|cookie| cookie.value().to_string())
        .filter(|token| token.len() == 64)
        .map_or_else(security::random_token, Ok)?)
}

/// Sets the pre-session CSRF cookie holding `token` on a public form's response.
pub fn with_pre_session_cookie(
    request: &HttpRequest,
    response: &mut HttpResponse,
    token: &str,
) -> WebResult<()> {
    let secure = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.config.secure_cookies);
    response
        .add_cookie(&pre_session_cookie(token, secure))
        .map_err(WebError::internal)
}

pub async fn form(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    query: web::Query<NextQuery>,
) -> WebResult<HttpResponse> {
    let next = safe_next(query.next.as_deref());
    if user.0.is_some() {
        return Ok(see_other(&next));
    }
    login_page(
        &request,
        &state,
        &next,
        "",
        None,
        actix_web::http::StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

enum Outcome {
    SignedIn(String),
    Refused,
    Throttled,
}

pub async fn submit(
    request: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let login = form.login.trim().to_string();
    if login.is_empty() || form.password.is_empty() {
        return login_page(
            &request,
            &state,
            &next,
            &login,
            Some(messages::LOGIN_REQUIRED_FIELDS),
            actix_web::http::StatusCode::BAD_REQUEST,
        );
    }
    // Never reaches the database: a NUL would make PostgreSQL fail the query.
    if let Err(error) = crate::domain::text_limits::TextField::Login.check(&login) {
        return login_page(
            &request,
            &state,
            &next,
            &login,
            Some(&error.to_string()),
            actix_web::http::StatusCode::BAD_REQUEST,
        );
    }
    let ip = client_ip(&request);
    let old_token_hash = request
        .cookie(SESSION_COOKIE)
        .map(|cookie| security::sha256_hex(cookie.value().as_bytes()));
    let session_hours = state.config.session_hours;
    let outcome = state
        .db(move |conn| {
            sign_in(
                conn,
                &login,
                &form.password,
                &ip,
                old_token_hash,
                session_hours,
            )
        })
        .await?;
    let secure = state.config.secure_cookies;
    match outcome {
        Outcome::SignedIn(token) => {
            let mut response = see_other(&next);
            response
                .add_cookie(&session_cookie(&token, secure, session_hours))
                .map_err(WebError::internal)?;
            response
                .add_cookie(&removal_cookie(PRE_SESSION_CSRF_COOKIE, secure))
                .map_err(WebError::internal)?;
            Ok(response)
        }
        Outcome::Refused => login_page(
            &request,
            &state,
            &next,
            form.login.trim(),
            Some(messages::BAD_LOGIN),
            actix_web::http::StatusCode::UNAUTHORIZED,
        ),
        Outcome::Throttled => login_page(
            &request,
            &state,
            &next,
            form.login.trim(),
            Some(messages::THROTTLED),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        ),
    }
}

fn sign_in(
    conn: &mut storage::DbConn,
    login: &str,
    password: &str,
    ip: &str,
    old_token_hash: Option<String>,
    session_hours: i64,
) -> WebResult<Outcome> {
    let now = storage::now();
    let attempted_login: String = login.chars().take(64).collect();
    let actor = Actor {
        user_id: None,
        login: attempted_login.clone(),
        client_ip: Some(ip.to_string()),
    };
    // Counted as a failure before the password is checked, so parallel guesses cannot
    // outrun the count; cleared below when the password is right.
    let Some(attempt) = throttle::reserve(conn, Kind::SignIn, &attempted_login, ip, now)? else {
        audit::record(conn, &actor, change("login.throttled", None), now)?;
        return Ok(Outcome::Throttled);
    };
    let found = storage::users::find_by_login(conn, login)?;
    let (account, hash) = match &found {
        Some((account, hash)) if account.active => (Some(account), hash.as_str()),
        _ => (None, security::decoy_hash()),
    };
    let password_ok = security::verify_password(password, hash);
    let Some(account) = account.filter(|_| password_ok) else {
        audit::record(conn, &actor, change("login.failed", None), now)?;
        return Ok(Outcome::Refused);
    };
    let token = security::random_token()?;
    let csrf = security::random_token()?;
    let token_hash = security::sha256_hex(token.as_bytes());
    let actor = Actor {
        user_id: Some(account.id),
        login: account.login.clone(),
        client_ip: Some(ip.to_string()),
    };
    transaction(conn, |conn| {
        if let Some(old) = &old_token_hash {
            sessions::delete(conn, old)?;
        }
        sessions::purge_expired(conn, now)?;
        throttle::purge(conn, now - Duration::days(1))?;
        sessions::create(
            conn,
            &token_hash,
            account.id,
            &csrf,
            now,
            now + Duration::hours(session_hours),
        )?;
        throttle::clear(conn, &attempt)?;
        audit::record(
            conn,
            &actor,
            change("login", Some(account.id.to_string())),
            now,
        )
    })?;
    Ok(Outcome::SignedIn(token))
}

fn change(action: &str, user_id: Option<String>) -> Change<'_> {
    Change {
        action,
        entity_type: "session",
        entity_id: user_id,
        before: None,
        after: None,
    }
}

pub async fn logout(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let token_hash = request
        .cookie(SESSION_COOKIE)
        .map(|cookie| security::sha256_hex(cookie.value().as_bytes()));
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            transaction(conn, |conn| {
                if let Some(hash) = &token_hash {
                    sessions::delete(conn, hash)?;
                }
                audit::record(
                    conn,
                    &actor,
                    change("logout", actor.user_id.map(|id| id.to_string())),
                    storage::now(),
                )?;
                Ok::<(), WebError>(())
            })
        })
        .await?;
    let mut response = see_other("/login");
    response
        .add_cookie(&removal_cookie(SESSION_COOKIE, state.config.secure_cookies))
        .map_err(WebError::internal)?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/units?x=1")), "/units?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
