//! The home page: what each role needs first.

use crate::domain::UnitScope;
use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::storage::{people, rounds, units, users};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::WebResult;
use crate::web::handlers::{page, view_data};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// The bureau's figures on the administrator's and leadership's home.
#[derive(Serialize)]
struct Counts {
    units: i64,
    people: i64,
    law_firms: i64,
    users: i64,
}

/// A round whose results have been fed back to the unit.
#[derive(Serialize)]
struct FedBack {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct HomeView {
    counts: Option<Counts>,
    own_unit: Option<crate::domain::people::Unit>,
    fed_back: Vec<FedBack>,
    is_admin: bool,
    is_leader: bool,
    is_reviewer: bool,
    is_manager: bool,
    /// The newest unread messages, each with its link.
    messages: Vec<crate::storage::notifications::Stored>,
}

pub async fn dashboard(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let role = user.account.role;
    let account = user.account.id;
    let view = state
        .db(move |conn| {
            if role == Role::Reviewer {
                crate::app::review_messages::sweep(
                    conn,
                    crate::storage::today(),
                    crate::storage::now(),
                )?;
            }
            let messages: Vec<_> = crate::storage::notifications::for_user(conn, account, 20)?
                .into_iter()
                .filter(|message| !message.read)
                .take(5)
                .collect();
            let visible_units = units::list(conn, scope)?;
            let own_unit = match scope {
                UnitScope::Unit(_) => visible_units.first().cloned(),
                UnitScope::All => None,
            };
            let counts = match role {
                Role::BureauAdmin | Role::Leader => Some(Counts {
                    units: units::count(conn)?,
                    people: people::count(conn)?,
                    law_firms: people::count_law_firms(conn)?,
                    users: users::count(conn)?,
                }),
                Role::Reviewer | Role::CenterManager => None,
            };
            // Rounds whose results have been fed back: a center manager's documents are there.
            let fed_back: Vec<_> = match role {
                Role::CenterManager => rounds::list(conn)?
                    .into_iter()
                    .filter(|round| {
                        matches!(round.status, RoundStatus::Feedback | RoundStatus::Closed)
                    })
                    .map(|round| FedBack {
                        id: round.id.to_string(),
                        name: round.settings.name,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok(HomeView {
                counts,
                own_unit,
                fed_back,
                is_admin: role == Role::BureauAdmin,
                is_leader: role == Role::Leader,
                is_reviewer: role == Role::Reviewer,
                is_manager: role == Role::CenterManager,
                messages,
            })
        })
        .await?;
    page(&request, "home", "首页", Some(&user), view_data(&view)?)
}
