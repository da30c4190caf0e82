//! GET /assets/{name}: the self-hosted stylesheet and scripts, embedded in the binary. Nothing
//! is ever loaded from a CDN: deployments sit on government intranets.

use crate::web::error::WebError;
use crate::web::render::Assets;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

pub async fn file(name: web::Path<String>) -> Result<HttpResponse, WebError> {
    let name = name.into_inner();
    let asset = Assets::get(&name).ok_or(WebError::NotFound)?;
    let content_type = match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(asset.data.into_owned()))
}
