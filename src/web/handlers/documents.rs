//! The round's documents as PDF downloads: score sheets (one file, one unit, the whole round)
//! and each unit's feedback report. Administrators and leadership get every unit's; a center
//! manager only their own unit's, and only once the round has reached 反馈整改. In a blind
//! round the sheets a center manager downloads name no reviewer.

use crate::app::document_data::{self, DataError, SheetSelection};
use crate::app::issuing;
use crate::documents;
use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, RoundId, UnitId};
use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::storage::results::{self, RoundResults};
use crate::storage::units;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::download::attachment;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::page;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::verify::issue_pdf;
use actix_web::{HttpRequest, HttpResponse, web};

const PDF: &str = "application/pdf";

/// What the caller may see of a round's results.
struct Access {
    scope: UnitScope,
    /// Reviewer names hidden (a center manager in a blind round).
    blind: bool,
}

fn round_visible(user: &CurrentUser, results: &RoundResults) -> WebResult<Access> {
    let scope = user.scope()?;
    if user.account.role == Role::CenterManager {
        let status = results.round.status;
        if !matches!(status, RoundStatus::Feedback | RoundStatus::Closed) {
            return Err(WebError::Forbidden);
        }
    }
    let blind = user.account.role == Role::CenterManager && results.round.settings.blind;
    Ok(Access { scope, blind })
}

fn unit_allowed(access: &Access, unit: UnitId) -> WebResult<()> {
    match access.scope {
        UnitScope::Unit(own) if own != unit => Err(WebError::Forbidden),
        _ => Ok(()),
    }
}

async fn load(state: &AppState, round: RoundId) -> WebResult<RoundResults> {
    state
        .db(move |conn| results::load(conn, round)?.ok_or(WebError::NotFound))
        .await
}

pub(crate) fn data_error(error: DataError) -> WebError {
    match error {
        DataError::Storage(error) => error.into(),
        other => WebError::BadRequest(other.to_string()),
    }
}

async fn sheets_pdf(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    results: RoundResults,
    selection: SheetSelection,
    blind: bool,
    name: String,
) -> WebResult<HttpResponse> {
    let fonts = state.fonts()?;
    let actor = user.actor(&request);
    let bytes = state
        .db(move |conn| {
            let views = document_data::score_sheets(conn, &results, selection, blind)
                .map_err(data_error)?;
            let subject = issuing::sheets_subject(results.round.id, selection);
            issue_pdf(
                conn,
                &user,
                &actor,
                documents::Document::ScoreSheets(&views),
                &subject,
                &fonts,
            )
        })
        .await?;
    Ok(attachment(PDF, Some("score-sheets.pdf"), &name, bytes))
}

/// GET /rounds/{id}/documents: the round's documents, per unit the caller may see.
pub async fn index(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let results = load(&state, round_id).await?;
    let access = round_visible(&user, &results)?;
    let scope = access.scope;
    let visible = state.run(move |conn| units::list(conn, scope)).await?;
    let rows: Vec<_> = visible
        .iter()
        .filter_map(|unit| {
            let files: Vec<_> = results
                .files
                .iter()
                .filter(|file| file.unit == unit.id)
                .collect();
            if files.is_empty() {
                return None;
            }
            let finished = files
                .iter()
                .filter(|file| file.final_result().is_some())
                .count();
            let sheets: usize = files.iter().map(|file| file.sheets.len()).sum();
            Some(UnitDocuments {
                id: unit.id,
                name: &unit.name,
                files: files.len(),
                finished,
                sheets,
            })
        })
        .collect();
    let is_manager = user.account.role == Role::CenterManager;
    let view = DocumentsPage {
        round: RoundName {
            id: round_id,
            name: &results.round.settings.name,
        },
        units: rows,
        whole_round: !is_manager,
        blind: access.blind,
    };
    page(
        &request,
        "rounds/documents",
        &format!("{} 文书", results.round.settings.name),
        Some(&user),
        serde_json::to_value(&view).map_err(WebError::internal)?,
    )
}

/// GET /rounds/{id}/sheets.pdf: every submitted sheet of the round.
pub async fn round_sheets(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let results = load(&state, parse_round_id(&id)?).await?;
    let access = round_visible(&user, &results)?;
    if access.scope != UnitScope::All {
        return Err(WebError::Forbidden);
    }
    let name = format!("{}评分表.pdf", results.round.settings.name);
    sheets_pdf(
        request,
        state,
        user,
        results,
        SheetSelection::Round,
        access.blind,
        name,
    )
    .await
}

fn parse_unit(raw: &str) -> WebResult<UnitId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// GET /rounds/{id}/units/{unit}/sheets.pdf: one unit's sheets.
pub async fn unit_sheets(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let unit = parse_unit(&path.1)?;
    let results = load(&state, parse_round_id(&path.0)?).await?;
    let access = round_visible(&user, &results)?;
    unit_allowed(&access, unit)?;
    let unit_name = results.version.problem.unit_name(unit).to_string();
    let name = format!("{}{}评分表.pdf", results.round.settings.name, unit_name);
    sheets_pdf(
        request,
        state,
        user,
        results,
        SheetSelection::Unit(unit),
        access.blind,
        name,
    )
    .await
}

/// GET /rounds/{id}/files/{file}/sheets.pdf: the sheets of one file.
pub async fn file_sheets(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let file: CaseFileId = path.1.parse().map_err(|_| WebError::NotFound)?;
    let results = load(&state, parse_round_id(&path.0)?).await?;
    let access = round_visible(&user, &results)?;
    let unit = results
        .files
        .iter()
        .find(|result| result.file == file)
        .map(|result| result.unit)
        .ok_or(WebError::NotFound)?;
    unit_allowed(&access, unit)?;
    let case_no = results
        .version
        .problem
        .file(file)
        .map_or_else(String::new, |file| file.case_number.clone());
    let name = format!("评分表{case_no}.pdf");
    sheets_pdf(
        request,
        state,
        user,
        results,
        SheetSelection::File(file),
        access.blind,
        name,
    )
    .await
}

/// GET /rounds/{id}/units/{unit}/feedback.pdf: the unit's 评查情况反馈.
pub async fn unit_feedback(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let unit = parse_unit(&path.1)?;
    let results = load(&state, parse_round_id(&path.0)?).await?;
    let access = round_visible(&user, &results)?;
    unit_allowed(&access, unit)?;
    let fonts = state.fonts()?;
    let actor = user.actor(&request);
    let (name, bytes) = state
        .db(move |conn| {
            let round = results.round.id;
            let issued_on = crate::storage::rounds::feedback_date(conn, round)?
                .unwrap_or_else(crate::storage::today);
            let view =
                document_data::feedback(conn, &results, unit, issued_on).map_err(data_error)?;
            let bytes = issue_pdf(
                conn,
                &user,
                &actor,
                documents::Document::Feedback(&view),
                &issuing::feedback_subject(round, unit),
                &fonts,
            )?;
            Ok((
                format!("{}评查情况反馈（{}）.pdf", view.round_name, view.unit),
                bytes,
            ))
        })
        .await?;
    Ok(attachment(PDF, Some("feedback.pdf"), &name, bytes))
}

/// A unit's row on the documents page.
#[derive(serde::Serialize)]
struct UnitDocuments<'a> {
    id: crate::domain::ids::UnitId,
    name: &'a str,
    files: usize,
    finished: usize,
    sheets: usize,
}

#[derive(serde::Serialize)]
struct RoundName<'a> {
    id: crate::domain::ids::RoundId,
    name: &'a str,
}

/// The round's documents page.
#[derive(serde::Serialize)]
struct DocumentsPage<'a> {
    round: RoundName<'a>,
    units: Vec<UnitDocuments<'a>>,
    whole_round: bool,
    blind: bool,
}
