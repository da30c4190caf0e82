//! Every error answer in the reader's language and frame. Wraps the whole app: an error page
//! (`WebError`, marked by [`ErrorPage`]) is rendered again for a signed-in user with their
//! navigation, no 「登录」 and a way back; and an error actix answered by itself (405, a path
//! it could not parse, an empty or plain-text body) becomes the Chinese page, or Chinese
//! JSON under /api. Only error answers pay for this (one session lookup).

use crate::app::messages;
use crate::web::auth::{self, is_api};
use crate::web::error::{ErrorPage, WebError};
use crate::web::render;
use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};

/// A path of this site the Referer names, as the error page's way back.
fn back_link(request: &actix_web::HttpRequest) -> Option<String> {
    let referer = request.headers().get(header::REFERER)?.to_str().ok()?;
    let host = request.connection_info().host().to_string();
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host.as_str())?;
    (path.starts_with('/') && !path.starts_with("//") && path != request.path())
        .then(|| path.to_string())
}

/// The message for an error status actix answered without one of ours.
fn message_for(status: u16) -> String {
    match status {
        404 => messages::NOT_FOUND.to_string(),
        405 => messages::frame::METHOD_NOT_ALLOWED.to_string(),
        400..=499 => messages::frame::REQUEST_REFUSED.to_string(),
        _ => messages::INTERNAL.to_string(),
    }
}

fn is_json(response: &HttpResponse<impl MessageBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

pub async fn complete<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let response = next.call(request).await?;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response.map_into_left_body());
    }
    let ours = response.response().extensions().get::<ErrorPage>().cloned();
    let http = response.request().clone();
    let api = is_api(http.path());
    if api {
        if is_json(response.response()) {
            return Ok(response.map_into_left_body());
        }
        let error = WebError::BadRequest(message_for(status.as_u16()));
        let mut json = error.json_response();
        *json.status_mut() = status;
        return Ok(response.into_response(json).map_into_right_body());
    }
    let empty_or_plain = matches!(
        response.response().body().size(),
        BodySize::Sized(0) | BodySize::None
    ) || response
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/plain"));
    let (message, request_id) = match ours {
        Some(page) => (page.message, page.request_id),
        None if empty_or_plain => (message_for(status.as_u16()), None),
        None => return Ok(response.map_into_left_body()),
    };
    let known = http.extensions().get::<auth::Viewer>().cloned();
    let session = match known {
        Some(auth::Viewer(session)) => session,
        None => auth::load_session(&http).await.ok().flatten(),
    };
    let back = back_link(&http);
    let body = render::error_page_for(
        status.as_u16(),
        &message,
        request_id.as_deref(),
        session
            .as_ref()
            .map(|session| (&session.account, session.csrf_token.as_str())),
        back.as_deref(),
        http.path(),
    );
    let mut page = HttpResponse::build(status);
    for (name, value) in response.response().headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.append_header((name.clone(), value.clone()));
        }
    }
    let page = page.content_type("text/html; charset=utf-8").body(body);
    Ok(response.into_response(page).map_into_right_body())
}
