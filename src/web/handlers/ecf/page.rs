//! The file's electronic case file page: its documents and catalogue for everyone who may
//! read it; the upload form, removal and catalogue correction for the administrator and the
//! unit's manager.

use super::spool::{self, Spooled};
use super::{error, round_and_file};
use crate::app::ecf::{self as use_case, Caller, ManifestDocument, NewUpload};
use crate::app::messages::ecf as text;
use crate::domain::ecf::{CatalogueEntry, MAX_DOCUMENT_BYTES};
use crate::domain::ids::{CaseFileId, EcfDocumentId};
use crate::import::ecf as content_check;
use crate::storage;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::{page, see_other, view_data};
use crate::web::upload::Parts;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct DocumentView {
    #[serde(flatten)]
    document: ManifestDocument,
    last_page: u32,
    size_text: String,
}

#[derive(Serialize)]
struct EntryView {
    #[serde(flatten)]
    entry: CatalogueEntry,
    date_text: String,
}

#[derive(Serialize)]
struct FileView {
    round: String,
    file: String,
    case_number: String,
    pages: u32,
    document_count: usize,
    documents: Vec<DocumentView>,
    catalogue: Vec<EntryView>,
    kinds: Vec<String>,
    kinds_present: Vec<String>,
    can_edit: bool,
    limits: String,
    notice: Option<&'static str>,
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

/// `GET /rounds/{id}/files/{file}/case-file`.
pub async fn show(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    let (round, file) = round_and_file(&path)?;
    let account = user.account.clone();
    let mut view = state
        .db(move |conn| {
            let case = use_case::readable_in_round(conn, &account, round, file).map_err(error)?;
            let rows = storage::ecf::documents(conn, file)?;
            let catalogue = storage::ecf::catalogue(conn, file)?;
            let kinds = use_case::kinds(conn).map_err(error)?;
            let can_edit = use_case::may_edit(&account, &case).map_err(error)?;
            let documents: Vec<DocumentView> = use_case::listed_documents(&rows)
                .into_iter()
                .map(|document| DocumentView {
                    last_page: document.first_page + document.pages.saturating_sub(1),
                    size_text: size_text(document.size),
                    document,
                })
                .collect();
            let pages = documents.iter().map(|doc| doc.document.pages).sum();
            Ok(FileView {
                round: round.to_string(),
                file: file.to_string(),
                case_number: case.case_no,
                pages,
                document_count: documents.len(),
                documents,
                kinds_present: crate::domain::ecf::kinds_present(&catalogue)
                    .into_iter()
                    .collect(),
                catalogue: catalogue
                    .into_iter()
                    .map(|entry| EntryView {
                        date_text: entry.date.map(|date| date.to_string()).unwrap_or_default(),
                        entry,
                    })
                    .collect(),
                kinds: kinds.into_iter().map(|kind| kind.name).collect(),
                can_edit,
                limits: text::limits_text(),
                notice: None,
            })
        })
        .await?;
    view.notice = match query.notice.as_deref() {
        Some("uploaded") => Some(text::UPLOADED),
        Some("removed") => Some(text::REMOVED),
        Some("catalogue") => Some(text::CATALOGUE_SAVED),
        _ => None,
    };
    page(
        &request,
        "ecf/file",
        text::TITLE,
        Some(&user),
        view_data(&view)?,
    )
}

fn back(round: &str, file: &str, notice: &str) -> HttpResponse {
    see_other(&format!(
        "/rounds/{round}/files/{file}/case-file?notice={notice}"
    ))
}

/// Checks a spooled upload by its content (off the request thread: it reads the whole file).
pub async fn check_spooled(spooled: &Spooled) -> WebResult<content_check::Checked> {
    let mut opened = spooled.open()?;
    let size = spooled.size;
    let name = spooled.file_name.clone();
    web::block(move || content_check::check(&mut opened, size))
        .await?
        .map_err(|refusal| WebError::BadRequest(text::refusal(&name, &refusal)))
}

/// Stores a checked, spooled document in `file`'s electronic case file.
pub async fn store_spooled(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    file: CaseFileId,
    spooled: Spooled,
    checked: content_check::Checked,
) -> WebResult<use_case::Added> {
    let actor = user.actor(request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            let mut reader = std::io::BufReader::new(spooled.open()?);
            use_case::add_document(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                NewUpload {
                    file,
                    name: &spooled.file_name,
                    checked: &checked,
                    sha256: &spooled.sha256,
                    size: spooled.size,
                    content: &mut reader,
                },
                storage::now(),
            )
            .map_err(error)
        })
        .await
}

/// `POST /rounds/{id}/files/{file}/case-file/documents`: one document (PDF, JPEG, PNG).
pub async fn upload(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    parts: Parts,
) -> WebResult<HttpResponse> {
    let (round, file) = round_and_file(&path)?;
    // Refuse before reading a large body when the caller may not add to this file.
    let account = user.account.clone();
    state
        .db(move |conn| {
            let case = use_case::readable_in_round(conn, &account, round, file).map_err(error)?;
            match use_case::may_edit(&account, &case).map_err(error)? {
                true => Ok(()),
                false => Err(WebError::Forbidden),
            }
        })
        .await?;
    let form = spool::read(parts, MAX_DOCUMENT_BYTES, text::too_large).await?;
    let Some(spooled) = form.files.into_iter().next() else {
        return Err(WebError::BadRequest(text::CHOOSE_FILE.to_string()));
    };
    let checked = check_spooled(&spooled).await?;
    store_spooled(&state, &request, &user, file, spooled, checked).await?;
    Ok(back(&path.0, &path.1, "uploaded"))
}

/// The confirmation a removal carries (the page's button sends it).
#[derive(serde::Deserialize)]
pub struct Confirm {
    confirm: Option<String>,
}

/// `POST /rounds/{id}/files/{file}/case-file/documents/{doc}/remove`.
pub async fn remove_document(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
    form: web::Form<Confirm>,
) -> WebResult<HttpResponse> {
    if form.confirm.as_deref() != Some("yes") {
        return Err(WebError::BadRequest(text::CONFIRM_REMOVE.to_string()));
    }
    let (round, file) = round_and_file(&(path.0.clone(), path.1.clone()))?;
    let document: EcfDocumentId = path.2.parse().map_err(|_| WebError::NotFound)?;
    let actor = user.actor(&request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            use_case::readable_in_round(conn, &account, round, file).map_err(error)?;
            use_case::remove_document(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                file,
                document,
                storage::now(),
            )
            .map_err(error)
        })
        .await?;
    Ok(back(&path.0, &path.1, "removed"))
}

/// The catalogue as the page's form sends it: rows of `title`, `kind`, `date`, `from`, `to`
/// (repeated fields, in order); blank rows are skipped, rows numbered in order.
pub fn catalogue_from_form<'a>(
    fields: &'a [(String, String)],
) -> Result<Vec<CatalogueEntry>, String> {
    let column = |name: &str| -> Vec<&'a str> {
        fields
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .collect()
    };
    let (titles, kinds, dates, froms, tos) = (
        column("title"),
        column("kind"),
        column("date"),
        column("from"),
        column("to"),
    );
    let mut entries = Vec::new();
    for (index, title) in titles.iter().enumerate() {
        let row = index + 1;
        let get = |values: &[&'a str]| -> &'a str { values.get(index).copied().unwrap_or("") };
        let (kind, date, from, to) = (get(&kinds), get(&dates), get(&froms), get(&tos));
        if title.is_empty() && from.is_empty() && to.is_empty() {
            continue;
        }
        let page = |text: &str, label: &str| {
            text.parse::<u32>()
                .map_err(|_| format!("卷内目录第 {row} 行：{label}“{text}”不是页码。"))
        };
        let from = page(from, "起始页")?;
        let to = if to.is_empty() {
            from
        } else {
            page(to, "终止页")?
        };
        let date = if date.is_empty() {
            None
        } else {
            Some(
                crate::import::dates::parse_date_text(date)
                    .map_err(|_| format!("卷内目录第 {row} 行：日期“{date}”无法识别。"))?,
            )
        };
        entries.push(CatalogueEntry {
            seq: u32::try_from(entries.len() + 1).unwrap_or(u32::MAX),
            title: title.to_string(),
            kind: (!kind.is_empty()).then(|| kind.to_string()),
            date,
            from,
            to,
        });
    }
    Ok(entries)
}

/// `POST /rounds/{id}/files/{file}/case-file/catalogue`: the corrected catalogue.
pub async fn save_catalogue(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> WebResult<HttpResponse> {
    let (round, file) = round_and_file(&path)?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| WebError::BadRequest(text::CATALOGUE_FORM_MISSING.to_string()))?;
    // The page's form always sends its marker: a bare post must not empty the catalogue.
    if !fields
        .iter()
        .any(|(key, value)| key == "catalogue" && value == "1")
    {
        return Err(WebError::BadRequest(
            text::CATALOGUE_FORM_MISSING.to_string(),
        ));
    }
    let entries = catalogue_from_form(&fields).map_err(WebError::BadRequest)?;
    let actor = user.actor(&request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            use_case::readable_in_round(conn, &account, round, file).map_err(error)?;
            use_case::save_catalogue(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                file,
                &entries,
                storage::now(),
            )
            .map_err(error)
        })
        .await?;
    Ok(back(&path.0, &path.1, "catalogue"))
}

/// `POST /rounds/{id}/files/{file}/case-file/catalogue/upload`: the catalogue as XLSX or CSV
/// (序号, 文件名称, 日期, 起止页); replaces the file's catalogue, all or nothing.
pub async fn upload_catalogue(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    parts: Parts,
) -> WebResult<HttpResponse> {
    let (round, file) = round_and_file(&path)?;
    let too_large = text::CATALOGUE_TOO_LARGE;
    let form = crate::web::upload::read(parts, CATALOGUE_BYTES, too_large).await?;
    let upload = form
        .file("file")
        .ok_or_else(|| WebError::BadRequest(text::CHOOSE_CATALOGUE.to_string()))?;
    let (name, bytes) = (upload.file_name.clone(), upload.bytes.clone());
    let actor = user.actor(&request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            use_case::readable_in_round(conn, &account, round, file).map_err(error)?;
            let kinds = use_case::kinds(conn).map_err(error)?;
            let rows = crate::import::ecf_catalogue::read_catalogue(&name, &bytes, &kinds)
                .map_err(|problem| {
                    WebError::BadRequest(text::catalogue_table_refusal(&name, &problem))
                })?;
            let entries: Vec<CatalogueEntry> =
                rows.iter().map(|(_, entry)| entry.clone()).collect();
            let caller = Caller {
                actor: &actor,
                account: &account,
            };
            use_case::save_catalogue(conn, caller, file, &entries, storage::now()).map_err(
                |refusal| match refusal {
                    use_case::Error::Catalogue(problem) => {
                        // Name the spreadsheet's row, not the entry's position.
                        let line = problem.line().unwrap_or(1);
                        let row = rows.get(line - 1).map_or(1, |(row, _)| *row as usize);
                        WebError::BadRequest(text::catalogue_refusal(&problem, row + 1 - line))
                    }
                    other => error(other),
                },
            )
        })
        .await?;
    Ok(back(&path.0, &path.1, "catalogue"))
}

/// The largest catalogue file accepted.
const CATALOGUE_BYTES: usize = 2 * 1024 * 1024;
