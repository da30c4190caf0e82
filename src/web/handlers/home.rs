//! The home page: what each role needs first.

use crate::domain::UnitScope;
use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::storage::{people, rounds, units, users};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::WebResult;
use crate::web::handlers::page;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

pub async fn dashboard(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let role = user.account.role;
    let data = state
        .db(move |conn| {
            let visible_units = units::list(conn, scope)?;
            let own_unit = match scope {
                UnitScope::Unit(_) => visible_units.first().cloned(),
                UnitScope::All => None,
            };
            let counts = match role {
                Role::BureauAdmin | Role::Leader => Some(json!({
                    "units": units::count(conn)?,
                    "people": people::count(conn)?,
                    "law_firms": people::count_law_firms(conn)?,
                    "users": users::count(conn)?,
                })),
                Role::Reviewer | Role::CenterManager => None,
            };
            // Rounds whose results have been fed back: a center manager's documents are there.
            let fed_back: Vec<_> = match role {
                Role::CenterManager => rounds::list(conn)?
                    .into_iter()
                    .filter(|round| {
                        matches!(round.status, RoundStatus::Feedback | RoundStatus::Closed)
                    })
                    .map(|round| json!({ "id": round.id.to_string(), "name": round.settings.name }))
                    .collect(),
                _ => Vec::new(),
            };
            Ok(json!({ "counts": counts, "own_unit": own_unit, "fed_back": fed_back }))
        })
        .await?;
    let mut data = data;
    data["is_admin"] = json!(role == Role::BureauAdmin);
    data["is_leader"] = json!(role == Role::Leader);
    data["is_reviewer"] = json!(role == Role::Reviewer);
    data["is_manager"] = json!(role == Role::CenterManager);
    page(&request, "home", "首页", Some(&user), data)
}
