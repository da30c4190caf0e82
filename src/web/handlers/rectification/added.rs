//! Findings added by hand (组长补充 / 管理员补充), and the bureau's settings (发文设置).

use super::{query_notice, render};
use crate::app::messages::rectification as text;
use crate::app::rectification::{self as use_case, SettingsInput};
use crate::domain::findings::{FindingSource, Severity};
use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::people::Role;
use crate::domain::rubric::Points;
use crate::storage;
use crate::storage::rectification::{BureauSettings, ManualFinding, SampledFile};
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::see_other;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct CodeLabel {
    code: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct RoundName<'a> {
    id: RoundId,
    name: &'a str,
}

#[derive(Serialize)]
struct NewFindingPage<'a> {
    round: RoundName<'a>,
    files: Vec<SampledFile>,
    severities: Vec<CodeLabel>,
    is_admin: bool,
    notice_message: Option<&'static str>,
}

/// The form for a finding of one's own (组长补充 / 管理员补充).
pub async fn new_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let account = user.account.clone();
    let (round, files) = state
        .db(move |conn| {
            let round = crate::storage::rounds::find(conn, round_id)?;
            let files = use_case::files_for_findings(conn, &account, round_id)?;
            Ok((round, files))
        })
        .await?;
    let view = NewFindingPage {
        round: RoundName {
            id: round.id,
            name: &round.settings.name,
        },
        files,
        severities: Severity::ALL
            .iter()
            .map(|severity| CodeLabel {
                code: severity.code(),
                label: severity.label(),
            })
            .collect(),
        is_admin: user.account.role == Role::BureauAdmin,
        notice_message: query_notice(&request),
    };
    render(
        &request,
        "rectification/new_finding",
        text::NEW_FINDING_TITLE,
        &user,
        &view,
    )
}

#[derive(Debug, Deserialize)]
pub struct FindingForm {
    case_file: String,
    item_code: String,
    item_text: String,
    reason: String,
    points: Option<String>,
    page_ref: Option<String>,
    severity: Option<String>,
}

/// The trimmed text of an optional field, `None` when left empty.
fn filled(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|text| !text.is_empty())
}

/// Adds a finding of the caller's own to a file they may reach.
pub async fn add_finding(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<FindingForm>,
) -> WebResult<HttpResponse> {
    let round = parse_round_id(&id)?;
    let form = form.into_inner();
    let case_file: CaseFileId = form
        .case_file
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(text::CHOOSE_FILE.to_string()))?;
    let points = match filled(form.points.as_deref()) {
        Some(text) => text
            .parse::<Points>()
            .map_err(|_| WebError::BadRequest(text::points_invalid(text)))?,
        None => Points::ZERO,
    };
    let severity = match filled(form.severity.as_deref()) {
        Some(text) => text
            .parse::<Severity>()
            .map_err(|_| WebError::BadRequest(text::severity_invalid(text)))?,
        None => Severity::Minor,
    };
    let source = if user.account.role == Role::BureauAdmin {
        FindingSource::AddedByAdmin
    } else {
        FindingSource::AddedByTeamLeader
    };
    let input = ManualFinding {
        round,
        case_file,
        page_ref: filled(form.page_ref.as_deref()).map(str::to_string),
        item_code: form.item_code,
        item_text: form.item_text,
        reason: form.reason,
        points,
        severity,
        source,
    };
    let actor = user.actor(&request);
    let account = user.account.clone();
    state
        .run(move |conn| use_case::add_finding(conn, &actor, &account, &input, storage::now()))
        .await?;
    Ok(see_other(&format!(
        "/rounds/{round}/findings/new?notice=added"
    )))
}

// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct SettingsPage {
    settings: BureauSettings,
    error: Option<&'static str>,
    notice_message: Option<&'static str>,
}

pub async fn settings_form(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let settings = state.db(|conn| Ok(use_case::settings(conn)?)).await?;
    let view = SettingsPage {
        settings,
        error: None,
        notice_message: query_notice(&request),
    };
    render(
        &request,
        "rectification/settings",
        text::SETTINGS_TITLE,
        &user,
        &view,
    )
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    bureau_name: String,
    doc_prefix: String,
    contact: Option<String>,
}

pub async fn save_settings(
    Ctx(request, state, user): Ctx,
    form: web::Form<SettingsForm>,
) -> WebResult<HttpResponse> {
    let actor = user.actor(&request);
    let form = form.into_inner();
    state
        .db(move |conn| {
            let input = SettingsInput {
                bureau_name: &form.bureau_name,
                doc_prefix: &form.doc_prefix,
                contact: form.contact.as_deref(),
            };
            Ok(use_case::save_settings(
                conn,
                &actor,
                &input,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other("/admin/bureau?notice=saved"))
}
