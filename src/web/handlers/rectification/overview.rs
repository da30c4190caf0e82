//! The lists: the notices the caller may see, and a round's findings (administrators and
//! leadership) with generating findings and drafting notices.

use super::views::{FindingView, NoticeView};
use super::{json_ok, query_notice, render};
use crate::app::messages::rectification as text;
use crate::app::rectification::{self as use_case, RoundFindings};
use crate::domain::findings::typical_problems;
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::people::Role;
use crate::domain::round_actions::{self, RoundAction};
use crate::storage::{self, audit::Actor};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::see_other;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------
// Overview

#[derive(Serialize)]
struct RoundItem<'a> {
    id: RoundId,
    name: &'a str,
    status_label: &'static str,
}

#[derive(Serialize)]
struct NoticeList<'a> {
    notices: Vec<NoticeView<'a>>,
}

#[derive(Serialize)]
struct OverviewPage<'a> {
    notices: Vec<NoticeView<'a>>,
    rounds: Vec<RoundItem<'a>>,
    is_admin: bool,
    is_manager: bool,
}

async fn overview_data(state: &AppState, user: &CurrentUser) -> WebResult<use_case::Overview> {
    let scope = user.scope()?;
    let role = user.account.role;
    state
        .run(move |conn| use_case::overview(conn, scope, role, storage::today()))
        .await
}

pub async fn overview(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let data = overview_data(&state, &user).await?;
    let role = user.account.role;
    let view = OverviewPage {
        notices: NoticeView::list(&data.notices, storage::today()),
        rounds: data
            .rounds
            .iter()
            .map(|round| RoundItem {
                id: round.id,
                name: &round.settings.name,
                status_label: round.status.label(),
            })
            .collect(),
        is_admin: role == Role::BureauAdmin,
        is_manager: role == Role::CenterManager,
    };
    render(
        &request,
        "rectification/overview",
        text::OVERVIEW_TITLE,
        &user,
        &view,
    )
}

pub async fn api_overview(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    let data = overview_data(&state, &user).await?;
    json_ok(&NoticeList {
        notices: NoticeView::list(&data.notices, storage::today()),
    })
}

// ---------------------------------------------------------------------------------------
// A round's findings (administrators and leadership)

#[derive(Serialize)]
struct RoundHead<'a> {
    id: RoundId,
    name: &'a str,
    status: &'static str,
    status_label: &'static str,
    rectification_days: u32,
}

#[derive(Serialize)]
struct TypicalView {
    case_type: &'static str,
    item_code: String,
    item_text: String,
    count: usize,
    file_count: usize,
    points: String,
    units: String,
}

#[derive(Serialize)]
struct HandlerCount {
    handler: String,
    firm: Option<String>,
    count: usize,
}

#[derive(Serialize)]
struct UnitFindings<'a> {
    unit_id: UnitId,
    unit_name: Option<&'a str>,
    count: usize,
    notice: Option<NoticeView<'a>>,
    findings: Vec<FindingView<'a>>,
}

/// The writes the round's status allows, for the administrator's buttons.
#[derive(Serialize)]
struct RoundWrites {
    generate: bool,
    add: bool,
    draft: bool,
}

#[derive(Serialize)]
struct RoundFindingsView<'a> {
    round: RoundHead<'a>,
    finding_count: usize,
    typical: Vec<TypicalView>,
    by_handler: Vec<HandlerCount>,
    units: Vec<UnitFindings<'a>>,
}

#[derive(Serialize)]
struct RoundFindingsPage<'a> {
    #[serde(flatten)]
    data: RoundFindingsView<'a>,
    is_admin: bool,
    writes: RoundWrites,
    notice: Option<&'static str>,
}

fn round_findings_view(data: &RoundFindings) -> RoundFindingsView<'_> {
    let today = storage::today();
    let plain: Vec<_> = data
        .findings
        .iter()
        .map(|stored| stored.finding.clone())
        .collect();
    let names: BTreeMap<UnitId, &str> = data
        .findings
        .iter()
        .map(|stored| (stored.finding.unit_id, stored.unit_name.as_str()))
        .collect();
    let typical = typical_problems(&plain, &data.case_types, 10)
        .into_iter()
        .map(|problem| {
            let units: Vec<&str> = problem
                .units
                .iter()
                .filter_map(|unit| names.get(unit).copied())
                .collect();
            TypicalView {
                case_type: problem.case_type.map_or("", |case_type| case_type.label()),
                item_code: problem.item_code,
                item_text: problem.item_text,
                count: problem.count,
                file_count: problem.file_count,
                points: problem.points_deducted.to_string(),
                units: units.join("、"),
            }
        })
        .collect();
    let mut handlers: Vec<_> = crate::domain::findings::by_handler(&plain)
        .into_iter()
        .collect();
    // Most findings first; the grouping's order (name, firm) breaks ties.
    handlers.sort_by_key(|(_, group)| std::cmp::Reverse(group.len()));
    let by_handler = handlers
        .into_iter()
        .map(|(handler, group)| HandlerCount {
            handler: handler.handler_name,
            firm: handler.law_firm_name,
            count: group.len(),
        })
        .collect();
    let units = crate::domain::findings::by_unit(&plain)
        .into_iter()
        .map(|(unit, group)| UnitFindings {
            unit_id: unit,
            unit_name: names.get(&unit).copied(),
            count: group.len(),
            notice: data
                .notices
                .iter()
                .find(|notice| notice.unit_id == unit)
                .map(|notice| NoticeView::new(notice, today)),
            findings: data
                .findings
                .iter()
                .filter(|stored| stored.finding.unit_id == unit)
                .map(FindingView::new)
                .collect(),
        })
        .collect();
    let round = &data.round;
    RoundFindingsView {
        round: RoundHead {
            id: round.id,
            name: &round.settings.name,
            status: round.status.code(),
            status_label: round.status.label(),
            rectification_days: round.settings.rectification_days,
        },
        finding_count: data.findings.len(),
        typical,
        by_handler,
        units,
    }
}

async fn round_findings_data(state: &AppState, round: RoundId) -> WebResult<RoundFindings> {
    state
        .run(move |conn| use_case::round_findings(conn, round))
        .await
}

pub async fn round_findings(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let data = round_findings_data(&state, round_id).await?;
    let allows = |action| round_actions::check(data.round.status, action).is_ok();
    let view = RoundFindingsPage {
        writes: RoundWrites {
            generate: allows(RoundAction::GenerateFindings),
            add: allows(RoundAction::AddFinding),
            draft: allows(RoundAction::DraftNotices),
        },
        data: round_findings_view(&data),
        is_admin: user.account.role == Role::BureauAdmin,
        notice: query_notice(&request),
    };
    render(
        &request,
        "rectification/round",
        text::ROUND_TITLE,
        &user,
        &view,
    )
}

pub async fn api_round_findings(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    let data = round_findings_data(&state, round_id).await?;
    json_ok(&round_findings_view(&data))
}

#[derive(Serialize)]
struct Added {
    added: usize,
}

#[derive(Serialize)]
struct Created {
    created: usize,
}

async fn generate(state: &AppState, actor: Actor, round: RoundId) -> WebResult<usize> {
    state
        .run(move |conn| use_case::generate_findings(conn, &actor, round, storage::now()))
        .await
}

async fn draft(state: &AppState, actor: Actor, round: RoundId) -> WebResult<usize> {
    state
        .run(move |conn| use_case::draft_notices(conn, &actor, round, storage::now()))
        .await
}

pub async fn generate_findings(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round = parse_round_id(&id)?;
    generate(&state, user.actor(&request), round).await?;
    Ok(see_other(&format!(
        "/rounds/{round}/rectification?notice=generated"
    )))
}

pub async fn api_generate_findings(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round = parse_round_id(&id)?;
    let added = generate(&state, user.actor(&request), round).await?;
    json_ok(&Added { added })
}

pub async fn draft_notices(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round = parse_round_id(&id)?;
    draft(&state, user.actor(&request), round).await?;
    Ok(see_other(&format!(
        "/rounds/{round}/rectification?notice=drafted"
    )))
}

pub async fn api_draft_notices(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round = parse_round_id(&id)?;
    let created = draft(&state, user.actor(&request), round).await?;
    json_ok(&Created { created })
}
