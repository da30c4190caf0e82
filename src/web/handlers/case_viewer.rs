//! The electronic case file (电子卷宗) viewer as a page of its own, and the vendored pdf.js it
//! runs on. The page is a frame: `templates/assets/viewer.js` reads the file's manifest from
//! the case-file API; access is the file's (`app::ecf::readable_in_round`), checked here too
//! so a refused reader gets 403/404 and not an empty frame. Citations elsewhere link here with
//! `#page=N`.

use crate::app::ecf as use_case;
use crate::app::messages::case_viewer as messages;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::ecf::{error, round_and_file};
use crate::web::handlers::reconcile::page_of;
use crate::web::render::Assets;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct ViewerPage {
    round_id: String,
    file_id: String,
    case_number: String,
    heading: &'static str,
}

/// GET /rounds/{id}/files/{file}/case-file/view: the viewer on its own page.
pub async fn page(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round, file) = round_and_file(&path)?;
    let account = user.account.clone();
    let case = state
        .db(move |conn| use_case::readable_in_round(conn, &account, round, file).map_err(error))
        .await?;
    let view = ViewerPage {
        round_id: round.to_string(),
        file_id: file.to_string(),
        case_number: case.case_no,
        heading: messages::HEADING,
    };
    page_of(
        &request,
        "case_viewer/page",
        messages::HEADING,
        &user,
        &view,
    )
}

/// GET /assets/pdfjs/{name}: pdf.js and its worker, as vendored (see its README).
pub async fn pdfjs(name: web::Path<String>) -> WebResult<HttpResponse> {
    let name = name.into_inner();
    let content_type = match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("mjs") => "text/javascript; charset=utf-8",
        Some("txt") | Some("md") => "text/plain; charset=utf-8",
        _ => return Err(WebError::NotFound),
    };
    let asset = Assets::get(&format!("pdfjs/{name}")).ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(asset.data.into_owned()))
}
