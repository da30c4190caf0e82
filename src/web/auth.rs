//! Who is calling, and may they: the session cookie, the access rule and body limit of every
//! route (applied by [`access_control`], which `routes.rs` wraps around each resource), CSRF
//! checks on every state-changing request, and the `CurrentUser` extractor handlers take.

use crate::app::messages;
use crate::domain::UnitScope;
use crate::domain::people::{Account, Role};
use crate::security;
use crate::storage::sessions::{self, Session};
use crate::web::AppState;
use crate::web::body::{self, BodyLimit};
use crate::web::error::WebError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use std::future::{Ready, ready};
use std::rc::Rc;

pub const SESSION_COOKIE: &str = "pc_session";
/// Double-submit token for forms shown before sign-in (the login form).
pub const PRE_SESSION_CSRF_COOKIE: &str = "pc_csrf";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, health check, stylesheet).
    Public,
    /// Any signed-in account.
    AnyUser,
    /// Signed-in accounts holding one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (Access::AnyUser, Some(_)) => true,
            (Access::Roles(roles), Some(role)) => roles.contains(&role),
            (Access::AnyUser | Access::Roles(_), None) => false,
        }
    }
}

/// The session found for this request, if any; put in the request extensions by
/// [`access_control`] before any handler runs.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<Session>);

/// The number on the navigation's 消息 link, computed for signed-in page requests.
#[derive(Debug, Clone, Copy)]
pub struct NotificationCount(pub i64);

/// The signed-in account of the request; handlers on non-public routes take this.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub csrf_token: String,
}

impl CurrentUser {
    /// What units this user may see; `Forbidden` for a center manager without a unit.
    pub fn scope(&self) -> Result<UnitScope, WebError> {
        UnitScope::for_user(self.account.role, self.account.unit_id).ok_or(WebError::Forbidden)
    }

    pub fn actor(&self, request: &HttpRequest) -> crate::storage::audit::Actor {
        crate::storage::audit::Actor {
            user_id: Some(self.account.id),
            login: self.account.login.clone(),
            client_ip: Some(client_ip(request)),
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = match request.extensions().get::<Viewer>() {
            Some(Viewer(Some(session))) => Ok(CurrentUser {
                account: session.account.clone(),
                csrf_token: session.csrf_token.clone(),
            }),
            _ => Err(WebError::Unauthenticated),
        };
        ready(user)
    }
}

/// The signed-in account if there is one, for public pages that adapt to it.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(request, payload)
            .into_inner()
            .ok();
        ready(Ok(MaybeUser(user)))
    }
}

/// The client's address: the TCP peer, or behind a trusted proxy the address it forwarded
/// (see `client_address`). Headers from anyone else are ignored, so throttling cannot be
/// escaped by writing one.
pub fn client_ip(request: &HttpRequest) -> String {
    let Some(peer) = request.peer_addr().map(|address| address.ip()) else {
        return "unknown".to_string();
    };
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok());
    match request.app_data::<web::Data<AppState>>() {
        Some(state) => state.config.trusted_proxies.client(peer, forwarded),
        None => peer,
    }
    .to_string()
}

pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The session cookie for a new session.
pub fn session_cookie(token: &str, secure: bool, max_age_hours: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::hours(max_age_hours))
        .finish()
}

/// A cookie that tells the browser to forget `name`.
pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}

/// The pre-session CSRF cookie for the login form.
pub fn pre_session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(PRE_SESSION_CSRF_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// One method's rules on a resource: who may call it, and how much it may send.
pub type Rule = (Method, Access, BodyLimit);

/// The middleware (`actix_web::middleware::from_fn`) that `routes.rs` wraps around each
/// resource: per method, the body limit, access, and the CSRF check. A method without a rule
/// passes: actix answers 405 without running any handler.
pub async fn access_control<B: MessageBody>(
    rules: Rc<[Rule]>,
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let rule = rules
        .iter()
        .find(|(method, _, _)| method == request.method())
        .map(|(_, access, limit)| (*access, *limit));
    let refusal = match rule {
        Some((access, limit)) => authorize(&mut request, access, limit).await.err(),
        None => None,
    };
    crate::web::pass_unless(refusal, request, next).await
}

/// Bounds the body, looks up the session, checks the route's access rule, then the CSRF
/// token.
async fn authorize(
    request: &mut ServiceRequest,
    access: Access,
    limit: BodyLimit,
) -> Result<(), HttpResponse> {
    let api = is_api(request.path());
    let path = request.path().to_string();
    let reject = |error: WebError| error.response_for(&path);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.total as u64) {
        return Err(reject(WebError::PayloadTooLarge(body::too_large(limit))));
    }
    let payload = request.take_payload();
    request.set_payload(body::limited(payload, limit.total));
    request.extensions_mut().insert(limit);
    let session = load_session(request.request()).await.map_err(reject)?;
    request.extensions_mut().insert(Viewer(session.clone()));
    let role = session.as_ref().map(|session| session.account.role);
    if !access.allows(role) {
        if session.is_none() && !api && request.method() == Method::GET {
            return Err(redirect_to_login(request));
        }
        let error = if session.is_none() {
            WebError::Unauthenticated
        } else {
            WebError::Forbidden
        };
        return Err(reject(error));
    }
    if !is_safe(request.method()) {
        let expected = match &session {
            Some(session) => Some(session.csrf_token.clone()),
            None => request
                .cookie(PRE_SESSION_CSRF_COOKIE)
                .map(|cookie| cookie.value().to_string()),
        };
        let presented = presented_csrf(request).await.map_err(|error| match error {
            body::ReadError::TooLarge => reject(WebError::PayloadTooLarge(body::too_large(limit))),
            body::ReadError::Broken => {
                reject(WebError::BadRequest(messages::BODY_UNREADABLE.to_string()))
            }
        })?;
        let valid = matches!((&expected, &presented),
            (Some(expected), Some(presented)) if !expected.is_empty() && security::constant_time_eq(expected, presented));
        if !valid {
            // The request's span names the route (never the raw path, which may hold a token).
            tracing::warn!("csrf token missing or wrong");
            return Err(reject(WebError::Csrf));
        }
    } else if !api && let Some(session) = &session {
        let count = notification_count(request, session.account.clone()).await;
        request.extensions_mut().insert(NotificationCount(count));
    }
    Ok(())
}

/// The badge of a page's navigation. A failure only loses the badge, never the page.
async fn notification_count(request: &ServiceRequest, account: Account) -> i64 {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return 0;
    };
    state
        .db(move |conn| {
            let today = crate::storage::today();
            // Overdue notices are told once, when the first page after the deadline is read.
            if let Err(error) =
                crate::app::rectification::record_overdue(conn, today, crate::storage::now())
            {
                tracing::warn!(%error, "overdue notifications not recorded");
            }
            Ok(crate::storage::notifications::badge_count(
                conn, &account, today,
            )?)
        })
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "notification count unavailable");
            0
        })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The signed-in session of the request's cookie, if any (also for error pages, which are
/// answered outside the routes' access rules).
pub(crate) async fn load_session(
    request: &actix_web::HttpRequest,
) -> Result<Option<Session>, WebError> {
    let Some(token) = request
        .cookie(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_string())
    else {
        return Ok(None);
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return Err(WebError::internal("application state missing"));
    };
    let token_hash = security::sha256_hex(token.as_bytes());
    state
        .db(move |conn| Ok(sessions::lookup(conn, &token_hash, crate::storage::now())?))
        .await
}

fn redirect_to_login(request: &ServiceRequest) -> HttpResponse {
    let next = request
        .uri()
        .path_and_query()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?{query}")))
        .finish()
}

/// The token from the `X-CSRF-Token` header, or the `csrf` field of the body: of a
/// URL-encoded form, or the first part of a multipart form. The body is read (within the
/// route's limit) and put back for the handler. Never from the query string: an address ends
/// up in proxy logs and browser history.
async fn presented_csrf(request: &mut ServiceRequest) -> Result<Option<String>, body::ReadError> {
    if let Some(value) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
    {
        return Ok(Some(value.to_string()));
    }
    let Ok(Some(mime)) = request.mime_type() else {
        return Ok(None);
    };
    if mime.essence_str() == "application/x-www-form-urlencoded" {
        let mut payload = request.take_payload();
        let body = body::read_all(&mut payload).await?;
        let token = field_of(&body, CSRF_FIELD);
        request.set_payload(Payload::from(body));
        return Ok(token);
    }
    if mime.essence_str() == "multipart/form-data"
        && let Some(boundary) = mime.get_param(actix_web::mime::BOUNDARY)
    {
        let boundary = boundary.as_str().to_string();
        let mut payload = request.take_payload();
        let (token, head) =
            body::first_multipart_field(&mut payload, &boundary, CSRF_FIELD).await?;
        request.set_payload(body::prepend(head, payload));
        return Ok(token);
    }
    Ok(None)
}

fn field_of(encoded: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_rules() {
        let admin_only = Access::Roles(&[Role::BureauAdmin]);
        assert!(Access::Public.allows(None));
        assert!(!Access::AnyUser.allows(None));
        assert!(Access::AnyUser.allows(Some(Role::Leader)));
        assert!(admin_only.allows(Some(Role::BureauAdmin)));
        assert!(!admin_only.allows(Some(Role::Leader)));
        assert!(!admin_only.allows(None));
    }

    #[test]
    fn csrf_field_is_found_in_url_encoded_bodies() {
        assert_eq!(
            field_of(b"a=1&csrf=abc%20d", "csrf").as_deref(),
            Some("abc d")
        );
        assert_eq!(field_of(b"a=1", "csrf"), None);
    }
}
