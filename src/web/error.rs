//! `WebError`: every way a request can fail, mapped to a status and a calm Chinese page (or
//! JSON under /api). A 500 shows a request id and logs the cause chain; users never see
//! internals.

use crate::app::messages;
use crate::storage;
use crate::web::render;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use std::fmt;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    Unauthenticated,
    Csrf,
    /// The user's input was wrong; the message says which field and why.
    BadRequest(String),
    /// The change collides with existing data; the message says with what.
    Conflict(String),
    Throttled,
    /// An upload over its limit; the message names the limit.
    PayloadTooLarge(String),
    Unavailable,
    Internal {
        request_id: String,
        cause: String,
    },
}

impl WebError {
    /// An unexpected failure: logs the cause under the request's id (`web::trace`; a fresh
    /// one outside a request), which the error page shows.
    pub fn internal(cause: impl fmt::Display) -> WebError {
        let request_id = crate::web::trace::RequestId::current()
            .unwrap_or_else(crate::web::trace::RequestId::fresh)
            .to_string();
        tracing::error!(%request_id, cause = %cause, "request failed");
        WebError::Internal {
            request_id,
            cause: cause.to_string(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            WebError::NotFound => messages::NOT_FOUND.to_string(),
            WebError::Forbidden => messages::FORBIDDEN.to_string(),
            WebError::Unauthenticated => messages::UNAUTHENTICATED.to_string(),
            WebError::Csrf => messages::CSRF.to_string(),
            WebError::BadRequest(message)
            | WebError::Conflict(message)
            | WebError::PayloadTooLarge(message) => message.clone(),
            WebError::Throttled => messages::THROTTLED.to_string(),
            WebError::Unavailable => messages::UNAVAILABLE.to_string(),
            WebError::Internal { .. } => messages::INTERNAL.to_string(),
        }
    }

    fn request_id(&self) -> Option<&str> {
        match self {
            WebError::Internal { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// A short stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not_found",
            WebError::Forbidden => "forbidden",
            WebError::Unauthenticated => "unauthenticated",
            WebError::Csrf => "csrf",
            WebError::BadRequest(_) => "bad_request",
            WebError::Conflict(_) => "conflict",
            WebError::Throttled => "throttled",
            WebError::PayloadTooLarge(_) => "payload_too_large",
            WebError::Unavailable => "unavailable",
            WebError::Internal { .. } => "internal",
        }
    }

    /// The answer in the caller's format: JSON under /api, the page elsewhere.
    pub fn response_for(&self, path: &str) -> HttpResponse {
        if crate::web::auth::is_api(path) {
            self.json_response()
        } else {
            self.error_response()
        }
    }

    /// The JSON form used under /api.
    pub fn json_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).json(json!({
            "error": self.code(),
            "message": self.message(),
            "request_id": self.request_id(),
        }))
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebError::Internal { request_id, cause } => {
                write!(f, "internal error {request_id}: {cause}")
            }
            other => f.write_str(other.code()),
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            WebError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = render::error_page(status.as_u16(), &self.message(), self.request_id());
        let mut response = HttpResponse::build(status);
        if matches!(self, WebError::Unavailable) {
            response.insert_header(("Retry-After", "5"));
        }
        let mut built = response.content_type("text/html; charset=utf-8").body(body);
        // For `error_page::complete`, which adds the signed-in user's navigation.
        built.extensions_mut().insert(ErrorPage {
            message: self.message(),
            request_id: self.request_id().map(str::to_string),
        });
        built
    }
}

/// What an error page said, kept on the response so that `web::error_page` can render it
/// again with the signed-in user's navigation.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message: String,
    pub request_id: Option<String>,
}

/// Errors of /api handlers: the same kinds, rendered as JSON.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }
    fn error_response(&self) -> HttpResponse {
        self.0.json_response()
    }
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> Self {
        ApiError(error)
    }
}

impl From<storage::Error> for ApiError {
    fn from(error: storage::Error) -> Self {
        ApiError(error.into())
    }
}

impl From<storage::Error> for WebError {
    fn from(error: storage::Error) -> Self {
        match error {
            storage::Error::NotFound => WebError::NotFound,
            storage::Error::OutOfScope => WebError::Forbidden,
            storage::Error::Duplicate(what) => {
                WebError::Conflict(messages::frame::duplicate(&what))
            }
            storage::Error::RoundState(refusal) => WebError::Conflict(refusal.to_string()),
            // A write that lost a race with another request (or another server): the same
            // record created at the same moment, or a transaction the database could not
            // order. Nothing of it was written; it is a conflict, not a failure.
            storage::Error::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => WebError::Conflict(messages::CONCURRENT_DUPLICATE.to_string()),
            storage::Error::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::SerializationFailure,
                _,
            )) => WebError::Conflict(messages::CONCURRENT_CHANGE.to_string()),
            storage::Error::Pool(_) | storage::Error::Connect { .. } => WebError::Unavailable,
            storage::Error::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection
                | diesel::result::DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => WebError::Unavailable,
            other => WebError::internal(other),
        }
    }
}

impl From<diesel::result::Error> for WebError {
    fn from(error: diesel::result::Error) -> Self {
        storage::Error::from(error).into()
    }
}

impl From<crate::security::Error> for WebError {
    fn from(error: crate::security::Error) -> Self {
        WebError::internal(error)
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        WebError::internal(error)
    }
}

pub type WebResult<T> = Result<T, WebError>;
