//! The home page: what each role needs first.

use crate::app::messages::home as text;
use crate::domain::UnitScope;
use crate::domain::people::Role;
use crate::domain::rectification::is_overdue;
use crate::domain::round::RoundStatus;
use crate::storage::{self, DbConn, people, rectification, rounds, sampling, units, users};
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, view_data};
use actix_web::HttpResponse;
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

/// The round a center manager works in now, and what it asks of their unit.
#[derive(Serialize)]
struct CurrentRound {
    id: String,
    name: String,
    status_label: &'static str,
    /// How many of the unit's files were drawn; the list's link once the sample is frozen.
    picked: usize,
    list_href: Option<String>,
    next_step: String,
}

/// The unit's notices as the manager's home counts them (one overdue rule for every page).
#[derive(Serialize)]
struct NoticeCounts {
    open: usize,
    overdue: usize,
    text: String,
}

#[derive(Serialize)]
struct HomeView {
    counts: Option<Counts>,
    own_unit: Option<crate::domain::people::Unit>,
    current: Option<CurrentRound>,
    notices: Option<NoticeCounts>,
    fed_back: Vec<FedBack>,
    is_admin: bool,
    is_leader: bool,
    is_reviewer: bool,
    is_manager: bool,
    /// The newest unread messages, each with its link.
    messages: Vec<crate::storage::notifications::Stored>,
}

pub async fn dashboard(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
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
            let (current, notices) = match (&own_unit, role) {
                (Some(unit), Role::CenterManager) => manager_work(conn, scope, unit)?,
                _ => (None, None),
            };
            Ok(HomeView {
                counts,
                own_unit,
                current,
                notices,
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

/// The manager's current round (the latest one under way, else the latest closed one) with
/// the unit's list and next step, and the unit's notices.
fn manager_work(
    conn: &mut DbConn,
    scope: UnitScope,
    unit: &crate::domain::people::Unit,
) -> Result<(Option<CurrentRound>, Option<NoticeCounts>), WebError> {
    let today = storage::today();
    let notices = rectification::notices(conn, scope, None)?;
    let with_unit: Vec<_> = notices
        .iter()
        .filter(|notice| notice.state.deadline_runs())
        .collect();
    let overdue = with_unit
        .iter()
        .filter(|notice| {
            notice
                .counted_deadline
                .is_some_and(|deadline| is_overdue(notice.state, deadline, today))
        })
        .count();
    let counts = NoticeCounts {
        open: with_unit.len(),
        overdue,
        text: text::notice_counts(with_unit.len(), overdue),
    };
    let all = rounds::list(conn)?;
    let round = all
        .iter()
        .find(|round| !matches!(round.status, RoundStatus::Draft | RoundStatus::Closed))
        .or_else(|| all.iter().find(|round| round.status == RoundStatus::Closed));
    let Some(round) = round else {
        return Ok((None, Some(counts)));
    };
    let prefix = format!("{} · ", unit.code);
    let frozen = sampling::frozen(conn, round.id)?;
    let picked = frozen.as_ref().map_or(0, |frozen| {
        frozen
            .picks
            .iter()
            .filter(|(_, stratum, _)| stratum.starts_with(&prefix))
            .count()
    });
    let open_in_round = with_unit
        .iter()
        .filter(|notice| notice.round_id == round.id)
        .count();
    let current = CurrentRound {
        id: round.id.to_string(),
        name: round.settings.name.clone(),
        status_label: round.status.label(),
        picked,
        list_href: (frozen.is_some() && picked > 0)
            .then(|| format!("/rounds/{}/sample/units/{}", round.id, unit.id)),
        next_step: text::manager_next_step(round.status, picked, open_in_round),
    };
    Ok((Some(current), Some(counts)))
}
