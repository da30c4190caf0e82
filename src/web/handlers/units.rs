//! Units: the list and one unit's page, limited by the caller's `UnitScope` (a center manager
//! sees only their own unit; asking for another gets 403).

use crate::domain::UnitScope;
use crate::domain::ids::UnitId;
use crate::domain::people::Unit;
use crate::storage::{people, units};
use crate::web::AppState;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::page;
use actix_web::{HttpResponse, web};
use chrono::Datelike;
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct UnitRow {
    #[serde(flatten)]
    unit: Unit,
    kind_label: &'static str,
    parent_name: Option<String>,
    case_target: Option<i32>,
}

fn current_year() -> i32 {
    chrono::Utc::now().year()
}

async fn load_list(state: &AppState, scope: UnitScope) -> WebResult<(i32, Vec<UnitRow>)> {
    let year = current_year();
    state
        .db(move |conn| {
            let all = units::list(conn, UnitScope::All)?;
            let visible = units::list(conn, scope)?;
            let mut rows = Vec::with_capacity(visible.len());
            for unit in visible {
                let parent_name = unit
                    .parent_id
                    .and_then(|parent| all.iter().find(|candidate| candidate.id == parent))
                    .filter(|parent| scope.allows(parent.id))
                    .map(|parent| parent.name.clone());
                let case_target = units::target(conn, scope, unit.id, year)?;
                rows.push(UnitRow {
                    kind_label: unit.kind.label(),
                    parent_name,
                    case_target,
                    unit,
                });
            }
            Ok((year, rows))
        })
        .await
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn list(
    Ctx(request, state, user): Ctx,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    let (year, rows) = load_list(&state, user.scope()?).await?;
    page(
        &request,
        "units/list",
        "单位",
        Some(&user),
        json!({
            "units": rows, "year": year,
            "can_import": user.account.role == crate::domain::people::Role::BureauAdmin,
            "notice": (query.notice.as_deref() == Some("imported")).then_some(crate::app::messages::IMPORT_DONE),
        }),
    )
}

pub async fn api_list(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    let (year, rows) = load_list(&state, user.scope()?).await?;
    Ok(HttpResponse::Ok().json(json!({ "year": year, "units": rows })))
}

fn parse_unit_id(raw: &str) -> WebResult<UnitId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

async fn load_one(state: &AppState, scope: UnitScope, id: UnitId) -> WebResult<serde_json::Value> {
    let year = current_year();
    state
        .db(move |conn| {
            let unit = units::find(conn, scope, id)?;
            let parent = match unit.parent_id {
                Some(parent) => units::find(conn, UnitScope::All, parent).ok(),
                None => None,
            };
            let members: Vec<_> = people::list(conn, UnitScope::Unit(unit.id))?;
            let case_target = units::target(conn, scope, unit.id, year)?;
            Ok(json!({
                "unit": unit,
                "kind_label": unit.kind.label(),
                "parent_name": parent.map(|parent| parent.name),
                "year": year,
                "case_target": case_target,
                "people": members,
            }))
        })
        .await
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_unit_id(&id)?;
    let mut data = load_one(&state, user.scope()?, id).await?;
    let title = data["unit"]["name"].as_str().unwrap_or("单位").to_string();
    // Rounds whose teams are published: the unit's results page of each.
    let rounds = state
        .db(move |conn| {
            let mut found = Vec::new();
            for round in crate::storage::rounds::list(conn)? {
                if crate::storage::assignments::published(conn, round.id)?.is_some() {
                    found.push(serde_json::json!({
                        "href": format!("/rounds/{}/units/{id}/results", round.id),
                        "name": round.settings.name,
                    }));
                }
            }
            Ok(found)
        })
        .await?;
    data["result_rounds"] = serde_json::json!(rounds);
    page(&request, "units/show", &title, Some(&user), data)
}

pub async fn api_show(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_unit_id(&id)?;
    let data = load_one(&state, user.scope()?, id).await?;
    Ok(HttpResponse::Ok().json(data))
}
