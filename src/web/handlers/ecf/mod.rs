//! The electronic case file (电子卷宗) of a round's file: the manifest the viewer reads, the
//! documents' bytes (`content`), the file's page (documents, catalogue, upload) and its
//! forms. Access is decided per file in `app::ecf`.

pub mod content;
pub mod page;
pub mod round;
pub mod spool;

pub use content::content;
pub use page::{remove_document, save_catalogue, show, upload, upload_catalogue};
pub use round::{bulk, overview, remind};

use crate::app::ecf::{self as use_case, Error};
use crate::app::messages::ecf as text;
use crate::domain::ids::{CaseFileId, RoundId};
use crate::storage;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use actix_web::{HttpResponse, web};

/// The web's answer to a refused use case.
pub fn error(error: Error) -> WebError {
    match error {
        Error::NotFound => WebError::NotFound,
        Error::Forbidden => WebError::Forbidden,
        Error::NoDocuments => WebError::BadRequest(text::NO_CASE_FILE.to_string()),
        Error::TooManyDocuments => WebError::Conflict(text::too_many_documents()),
        Error::Catalogue(refusal) => WebError::BadRequest(text::catalogue_refusal(&refusal, 1)),
        Error::Storage(error) => error.into(),
    }
}

/// `{id}` and `{file}` of `/rounds/{id}/files/{file}/…`.
pub fn round_and_file(path: &(String, String)) -> WebResult<(RoundId, CaseFileId)> {
    let round = path.0.parse().map_err(|_| WebError::NotFound)?;
    let file = path.1.parse().map_err(|_| WebError::NotFound)?;
    Ok((round, file))
}

/// `GET /api/rounds/{id}/files/{file}/case-file`: the manifest the viewer reads; 404 with a
/// Chinese message when the file has no electronic case file.
pub async fn api_manifest(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (round, file) = round_and_file(&path)?;
    let account = user.account.clone();
    let manifest = state
        .db(move |conn| {
            let at = crate::web::handlers::offline::local_time(storage::now());
            let name = account.display_name.clone();
            match use_case::manifest(conn, &account, round, file, |unit| {
                text::watermark(&name, unit, &at)
            }) {
                Ok(manifest) => Ok(Some(manifest)),
                Err(Error::NoDocuments) => Ok(None),
                Err(other) => Err(error(other)),
            }
        })
        .await?;
    let Some(manifest) = manifest else {
        return Ok(HttpResponse::NotFound().json(Missing {
            error: "not_found",
            message: text::NO_CASE_FILE,
        }));
    };
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(manifest))
}

/// The 404 of a file without an electronic case file (the API's error shape).
#[derive(serde::Serialize)]
struct Missing {
    error: &'static str,
    message: &'static str,
}
