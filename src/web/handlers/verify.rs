//! Verifiable documents. Every PDF download goes through [`issue_pdf`] (code in the footer,
//! issue recorded); the public page `/verify` takes a 核验码 (case, spaces and dashes
//! forgiven) and optionally the PDF or its SHA-256, and says whether a document with that
//! code was issued, its kind, when and by whom, and whether the file matches — never its
//! content. Failed look-ups count against the client address, apart from sign-ins
//! (`domain::throttle`); an uploaded file is hashed as it arrives, never kept.

use crate::app::issuing::{self, IssueError};
use crate::app::messages;
use crate::documents::{Document, Fonts};
use crate::domain::throttle::Kind;
use crate::domain::verification_code;
use crate::storage::audit::Actor;
use crate::storage::{self, DbConn, issued, throttle};
use crate::web::AppState;
use crate::web::auth::{CurrentUser, MaybeUser, client_ip};
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::login::{pre_session_token, with_pre_session_cookie};
use crate::web::handlers::page;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// Issues `document` for the signed-in `user` (see `issuing::issue`) and returns the bytes.
pub fn issue_pdf(
    conn: &mut DbConn,
    user: &CurrentUser,
    actor: &Actor,
    document: Document<'_>,
    subject: &str,
    fonts: &Fonts,
) -> WebResult<Vec<u8>> {
    let issuer = issuer(conn, user)?;
    issuing::issue(
        conn,
        document,
        subject,
        fonts,
        actor,
        &issuer,
        &mut |_, _| {},
    )
    .map(|issued| issued.bytes)
    .map_err(issue_error)
}

/// Who issues a document the signed-in `user` asks for, as `/verify` says it.
pub fn issuer(conn: &mut DbConn, user: &CurrentUser) -> WebResult<String> {
    Ok(issuing::issuer_name(
        conn,
        issuing::Issuer::Role(user.account.role),
    )?)
}

/// A failed issue as the user sees it.
pub fn issue_error(error: IssueError) -> WebError {
    match error {
        IssueError::Storage(error) => error.into(),
        IssueError::Document(error) => WebError::BadRequest(format!("文书无法生成：{error}")),
    }
}

/// An issued document as `/verify` describes it: never its content.
#[derive(Serialize)]
struct Found {
    code: String,
    kind: &'static str,
    issued_at: String,
    issuer: String,
    pages: i32,
    size_kb: i64,
    sha256: String,
    /// The corrected version that replaced it, if one did.
    superseded: Option<Superseded>,
}

/// What replaced a superseded document: its code and when, in local time.
#[derive(Serialize)]
struct Superseded {
    by: String,
    at: String,
}

/// Whether the file given matches the record.
#[derive(Serialize)]
struct FileCheck {
    matches: bool,
    message: &'static str,
    sha256: String,
}

/// The `/verify` page: the code typed, and a refusal or what was found.
#[derive(Serialize, Default)]
struct VerifyView<'a> {
    code: &'a str,
    error: Option<&'static str>,
    found: Option<Found>,
    file: Option<FileCheck>,
    csrf: String,
}

fn verify_page(
    request: &HttpRequest,
    user: &MaybeUser,
    status: StatusCode,
    mut view: VerifyView<'_>,
) -> WebResult<HttpResponse> {
    let token = match &user.0 {
        Some(user) => user.csrf_token.clone(),
        None => pre_session_token(request)?,
    };
    view.csrf = token.clone();
    let data = serde_json::to_value(&view).map_err(WebError::internal)?;
    let mut response = page(request, "verify", "文书核验", user.0.as_ref(), data)?;
    *response.status_mut() = status;
    if user.0.is_none() {
        with_pre_session_cookie(request, &mut response, &token)?;
    }
    Ok(response)
}

/// GET /verify
pub async fn form(request: HttpRequest, user: MaybeUser) -> WebResult<HttpResponse> {
    verify_page(&request, &user, StatusCode::OK, VerifyView::default())
}

/// POST /verify (multipart: the CSRF token first, code, optional file or sha256)
pub async fn check(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: MaybeUser,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let form = crate::web::upload::read_digests(
        payload,
        crate::web::body::VERIFY_FILE_BYTES,
        messages::VERIFY_TOO_LARGE,
    )
    .await?;
    let typed = form.text("code").unwrap_or_default().trim().to_string();
    let refuse = |status: StatusCode, error: &'static str| {
        let view = VerifyView {
            code: &typed,
            error: Some(error),
            ..VerifyView::default()
        };
        verify_page(&request, &user, status, view)
    };
    let given_hash = form
        .text("sha256")
        .map(|text| text.trim().to_ascii_lowercase())
        .filter(|text| !text.is_empty());
    if given_hash
        .as_ref()
        .is_some_and(|hash| hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return refuse(StatusCode::BAD_REQUEST, messages::VERIFY_BAD_HASH);
    }
    let file_hash = form
        .file("file")
        .and_then(|upload| upload.sha256.clone())
        .or(given_hash);
    let ip = client_ip(&request);
    let code = verification_code::normalise(&typed);
    let well_formed = code.is_some();
    let found = state
        .db(move |conn| {
            // Counted as a failure before the look-up (parallel guesses cannot outrun the
            // count), cleared when the code is found.
            let Some(attempt) = throttle::reserve(conn, Kind::Verify, "", &ip, storage::now())?
            else {
                return Ok(Err(StatusCode::TOO_MANY_REQUESTS));
            };
            let found = match &code {
                Some(code) => issued::find(conn, code)?,
                None => None,
            };
            let found = match found {
                Some(document) => {
                    throttle::clear(conn, &attempt)?;
                    let superseded = issued::superseded(conn, &document.code)?;
                    Some((document, superseded))
                }
                None => None,
            };
            Ok(Ok(found))
        })
        .await?;
    let document = match found {
        Err(status) => return refuse(status, messages::VERIFY_THROTTLED),
        Ok(None) if !well_formed => {
            return refuse(StatusCode::BAD_REQUEST, messages::VERIFY_BAD_CODE);
        }
        Ok(None) => return refuse(StatusCode::NOT_FOUND, messages::VERIFY_UNKNOWN),
        Ok(Some(found)) => found,
    };
    let (document, superseded) = document;
    let file = file_hash.map(|hash| {
        let matches = hash == document.sha256;
        FileCheck {
            matches,
            message: if matches {
                messages::VERIFY_FILE_MATCHES
            } else {
                messages::VERIFY_FILE_DIFFERS
            },
            sha256: hash,
        }
    });
    verify_page(
        &request,
        &user,
        StatusCode::OK,
        VerifyView {
            code: &document.code,
            found: Some(Found {
                code: document.code.clone(),
                kind: messages::document_kind(&document.kind),
                issued_at: crate::domain::local_time::minutes(document.issued_at),
                issuer: document.issuer.clone(),
                pages: document.pages,
                size_kb: (document.size_bytes + 1023) / 1024,
                sha256: document.sha256.clone(),
                superseded: superseded.map(|replaced| Superseded {
                    by: replaced.by,
                    at: crate::domain::local_time::minutes(replaced.at),
                }),
            }),
            file,
            ..VerifyView::default()
        },
    )
}
