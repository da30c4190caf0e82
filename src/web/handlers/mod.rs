//! Request handlers by feature. A page and its JSON twin share one code path: both call the
//! same storage function and differ only in how the result is written.

pub mod account;
pub mod admin_users;
pub mod assets;
pub mod audit;
pub mod case_viewer;
pub mod documents;
pub mod ecf;
pub mod health;
pub mod home;
pub mod imports;
pub mod login;
pub mod notifications;
pub mod objections;
pub mod offline;
pub mod people;
pub mod reconcile;
pub mod rectification;
pub mod rounds;
pub mod rubrics;
pub mod sampling;
pub mod sheet_review;
pub mod sheets;
pub mod summary;
pub mod teams;
pub mod units;
pub mod verify;

use crate::web::AppState;
use crate::web::auth::{CurrentUser, MaybeUser, NotificationCount, is_api};
use crate::web::error::{WebError, WebResult};
use crate::web::render;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::future::{Ready, ready};

/// What a signed-in page or API handler starts from: the request, the application's state
/// and the signed-in user, in that order. Handlers take it apart in their signature
/// (`Ctx(request, state, user): Ctx`), so their bodies read as with three extractors.
pub struct Ctx(pub HttpRequest, pub web::Data<AppState>, pub CurrentUser);

impl FromRequest for Ctx {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let state = request
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| WebError::internal("the application state is not configured"));
        let user = CurrentUser::from_request(request, payload).into_inner();
        ready(state.and_then(|state| Ok(Ctx(request.clone(), state, user?))))
    }
}

/// Renders `template` inside the layout, adding the common `page` object to `data`.
pub fn page(
    request: &HttpRequest,
    template: &str,
    title: &str,
    user: Option<&CurrentUser>,
    mut data: Value,
) -> WebResult<HttpResponse> {
    let context = render::page_context(
        title,
        user.map(|user| &user.account),
        user.map(|user| user.csrf_token.as_str()),
        request.path(),
        request
            .extensions()
            .get::<NotificationCount>()
            .map_or(0, |count| count.0),
    );
    let mut context = context;
    if let Some(mode) = request
        .app_data::<actix_web::web::Data<crate::web::AppState>>()
        .and_then(|state| state.config.offline.clone())
    {
        offline::adapt_page(&mut context, &mode, request.path());
    }
    if let Value::Object(map) = &mut data {
        map.insert("page".into(), context);
    }
    let body = render::render(template, &data).map_err(WebError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A typed view struct as a page's data (templates read the same field names).
pub fn view_data(view: &impl serde::Serialize) -> WebResult<Value> {
    serde_json::to_value(view).map_err(WebError::internal)
}

/// The page of a refused form: the same page, answered with 400 so scripts and tests see it.
pub fn refused_if(failed: bool, mut response: HttpResponse) -> HttpResponse {
    if failed {
        *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    response
}

/// 303 See Other: where a form post sends the browser next.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// The fallback for unknown paths: a friendly page, or JSON under /api.
pub async fn not_found(request: HttpRequest, _user: MaybeUser) -> HttpResponse {
    if is_api(request.path()) {
        WebError::NotFound.json_response()
    } else {
        actix_web::ResponseError::error_response(&WebError::NotFound)
    }
}
