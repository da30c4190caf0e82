//! Cross-check teams (交叉检查组): generate a proposal, look at it with its explanations and
//! quality figures, change it by hand (hard rules re-checked at once), publish, restore an
//! earlier version, export the team list; reviewers see their own team and files. The work
//! itself is [`crate::app::teams`]; this module parses, authorises and renders.

mod forms;
mod view;

pub use forms::{ChangeForm, GenerateForm, GenerateSettings};

use crate::app::messages::confirm as confirm_text;
use crate::app::messages::teams as text;
use crate::app::teams::{self as use_case, Error as TeamError};
use crate::domain::assignment::diff;
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::round_actions::{self, RoundAction};
use crate::domain::round_pages::team_actions;
use crate::storage::assignments::{self, Options};
use crate::storage::{self, rounds};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::confirm::{self, Confirm, ConfirmView};
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::{load_round, parse_round_id, typed_page};
use crate::web::handlers::see_other;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::collections::BTreeMap;
use view::{HistoryLine, MinePage, MyFile, MyMember, MyRound, TeamsPage};

/// Every unit's name: reviewers come from units the round does not inspect, which the
/// problem does not name.
async fn unit_names(state: &AppState) -> WebResult<BTreeMap<UnitId, String>> {
    state
        .db(|conn| {
            Ok(
                crate::storage::units::list(conn, crate::domain::UnitScope::All)?
                    .into_iter()
                    .map(|unit| (unit.id, unit.name))
                    .collect(),
            )
        })
        .await
}

/// Why the teams page is shown again after a post, with the generation settings entered.
struct Refused {
    errors: Vec<String>,
    entered: Option<GenerateSettings>,
}

impl Refused {
    fn of(errors: Option<Vec<String>>, entered: Option<GenerateSettings>) -> Option<Refused> {
        errors.map(|errors| Refused { errors, entered })
    }
}

/// A refusal of the team use cases as the pages answer it.
fn team_error(error: TeamError) -> WebError {
    match error {
        TeamError::NoSample => WebError::Conflict(text::NO_SAMPLE.into()),
        TeamError::UnjustifiedPublish => WebError::Conflict(text::UNJUSTIFIED_PUBLISH.into()),
        TeamError::Impossible(message) => WebError::Conflict(message),
        TeamError::Unsolvable(reasons) | TeamError::Breaches(reasons) => {
            WebError::Conflict(reasons.join("\n"))
        }
        TeamError::UnacceptedBreaches(breaches) => {
            let mut lines = vec![confirm_text::publish_breaches(breaches.len()).refusal];
            lines.extend(breaches);
            WebError::BadRequest(lines.join("\n"))
        }
        TeamError::Storage(error) => error.into(),
    }
}

#[derive(Deserialize)]
pub struct TeamsQuery {
    version: Option<i32>,
    notice: Option<String>,
}

async fn teams_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    shown: Option<i32>,
    notice: Option<&str>,
    refused: Option<Refused>,
) -> WebResult<HttpResponse> {
    let (errors, entered) = match refused {
        Some(Refused { errors, entered }) => (Some(errors), entered),
        None => (None, None),
    };
    let round = load_round(state, id).await?;
    let versions = state
        .run(move |conn| assignments::versions(conn, id))
        .await?;
    let published = versions
        .iter()
        .find(|version| version.status == "published");
    // Without a version asked for, the administrator's place is the published version (the
    // one reviewers work from), else the newest draft.
    let selected = match shown {
        Some(number) => versions.iter().find(|version| version.version == number),
        None => published.or(versions.first()),
    };
    let names = unit_names(state).await?;
    let changes: Vec<String> = match (selected, published) {
        (Some(selected), Some(published)) if selected.version != published.version => {
            diff(&published.assignment, &selected.assignment).lines(&selected.problem)
        }
        _ => Vec::new(),
    };
    let failed = errors.is_some();
    let breaches = selected.map(use_case::breaches_of).unwrap_or_default();
    let settings = entered.unwrap_or_else(|| {
        selected.map_or_else(GenerateSettings::default, |version| {
            GenerateSettings::of_problem(&version.problem)
        })
    });
    let data = TeamsPage {
        settings,
        idle_members: selected.map(view::idle_members).unwrap_or_default(),
        publish_confirm: selected
            .map(|version| ConfirmView::of(confirm_text::publish_teams(version.version))),
        breaches_confirm: (!breaches.is_empty())
            .then(|| ConfirmView::second(confirm_text::publish_breaches(breaches.len()), breaches)),
        round: rounds::RoundView::from(&round),
        view: selected.map(|version| view::version_view(&version.problem, version, &names)),
        changes,
        history: versions.iter().map(HistoryLine::from).collect(),
        reviewers: selected
            .map(|version| view::reviewer_choices(version, &names))
            .unwrap_or_default(),
        actions: team_actions(
            round.status,
            user.account.role,
            selected.map(|version| version.status == "published"),
        ),
        notice,
        errors,
    };
    let response = typed_page(request, "teams/show", text::TITLE, Some(user), &data)?;
    Ok(super::refused_if(failed, response))
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    query: web::Query<TeamsQuery>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let notice = match query.notice.as_deref() {
        Some("generated") => Some(text::GENERATED),
        Some("published") => Some(text::PUBLISHED),
        Some("changed") => Some(text::CHANGED),
        _ => None,
    };
    teams_page(
        &request,
        &state,
        &user,
        id,
        query.version,
        notice,
        Refused::of(None, None),
    )
    .await
}

/// Builds and solves; the reasons when the rules cannot all hold.
pub async fn generate_version(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    options: Options,
) -> WebResult<Result<i32, Vec<String>>> {
    let round = load_round(state, id).await?;
    round_actions::check(round.status, RoundAction::ChangeTeams)
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    let problem = state
        .db(move |conn| use_case::problem(conn, &round, options).map_err(team_error))
        .await?;
    let solved = web::block(move || {
        use_case::solve_problem(&problem).map(|assignment| (problem, assignment))
    })
    .await?;
    let (problem, assignment) = match solved {
        Ok(solved) => solved,
        Err(TeamError::Unsolvable(reasons)) => return Ok(Err(reasons)),
        Err(other) => return Err(team_error(other)),
    };
    let actor = user.actor(request);
    let number = state
        .db(move |conn| {
            use_case::store_draft(conn, &actor, id, &problem, &assignment, storage::now())
                .map_err(team_error)
        })
        .await?;
    Ok(Ok(number))
}

pub async fn generate(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<GenerateForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let outcome = match form.options() {
        Ok(options) => generate_version(&request, &state, &user, id, options).await?,
        Err(message) => Err(vec![message]),
    };
    let entered = Some(form.entered());
    match outcome {
        Ok(number) => Ok(see_other(&format!(
            "/rounds/{id}/teams?version={number}&notice=generated"
        ))),
        Err(reasons) => {
            teams_page(
                &request,
                &state,
                &user,
                id,
                None,
                None,
                Refused::of(Some(reasons), entered),
            )
            .await
        }
    }
}

/// The round and version numbers of a version's path.
fn version_path(path: web::Path<(String, String)>) -> WebResult<(RoundId, i32)> {
    let (round_raw, version_raw) = path.into_inner();
    let id = parse_round_id(&round_raw)?;
    let number = version_raw.parse().map_err(|_| WebError::NotFound)?;
    Ok((id, number))
}

/// The two confirmations of 发布: that it cannot be undone, and (for a version that breaks
/// hard rules) that each listed breach is accepted.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    confirm: Confirm,
    #[serde(default)]
    confirm_breaches: Confirm,
}

/// Publishes after both confirmations; the refusal lists the breaches.
async fn publish_version(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    number: i32,
    form: &PublishForm,
) -> WebResult<()> {
    confirm::require(form.confirm, &confirm_text::publish_teams(number))?;
    let actor = user.actor(request);
    let accepted = form.confirm_breaches.0;
    state
        .db(move |conn| {
            use_case::publish(conn, &actor, id, number, accepted, storage::now())
                .map_err(team_error)
        })
        .await
}

/// POST /rounds/{id}/teams/{version}/publish; a refusal comes back as the page with its
/// message, on the same version.
pub async fn publish(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<PublishForm>,
) -> WebResult<HttpResponse> {
    let (id, number) = version_path(path)?;
    match publish_version(&request, &state, &user, id, number, &form).await {
        Ok(()) => Ok(see_other(&format!(
            "/rounds/{id}/teams?version={number}&notice=published"
        ))),
        Err(WebError::BadRequest(message) | WebError::Conflict(message)) => {
            let errors = Some(message.lines().map(str::to_string).collect());
            teams_page(
                &request,
                &state,
                &user,
                id,
                Some(number),
                None,
                Refused::of(errors, None),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// POST /rounds/{id}/teams/{version}/change: a manual change, re-checked at once. A hard-rule
/// breach is refused unless a reason is given, which goes to the audit log.
pub async fn change(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<ChangeForm>,
) -> WebResult<HttpResponse> {
    let (id, number) = version_path(path)?;
    let change = match form.change() {
        Ok(change) => change,
        Err(message) => {
            let errors = Some(vec![message]);
            return teams_page(
                &request,
                &state,
                &user,
                id,
                Some(number),
                None,
                Refused::of(errors, None),
            )
            .await;
        }
    };
    let reason = form.reason();
    let actor = user.actor(&request);
    let outcome = state
        .db(move |conn| {
            let stored = use_case::change(
                conn,
                &actor,
                id,
                number,
                change,
                reason.as_deref(),
                storage::now(),
            );
            match stored {
                Ok(number) => Ok(Ok(number)),
                Err(TeamError::Breaches(breaches)) => Ok(Err(breaches)),
                Err(other) => Err(team_error(other)),
            }
        })
        .await?;
    match outcome {
        Ok(number) => Ok(see_other(&format!(
            "/rounds/{id}/teams?version={number}&notice=changed"
        ))),
        Err(breaches) => {
            let mut messages = vec![text::BREACH_NEEDS_REASON.to_string()];
            messages.extend(breaches);
            let errors = Some(messages);
            let mut response = teams_page(
                &request,
                &state,
                &user,
                id,
                Some(number),
                None,
                Refused::of(errors, None),
            )
            .await?;
            *response.status_mut() = actix_web::http::StatusCode::CONFLICT;
            Ok(response)
        }
    }
}

/// GET /rounds/{id}/teams/export: the published team list as XLSX.
pub async fn export(state: web::Data<AppState>, id: web::Path<String>) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    let version = state
        .db(move |conn| assignments::published(conn, id)?.ok_or(WebError::NotFound))
        .await?;
    let names = unit_names(&state).await?;
    let bytes = crate::export::teams::team_list_xlsx(
        &round.settings.name,
        &version.problem,
        &version.assignment,
        &names,
    )
    .map_err(WebError::internal)?;
    Ok(crate::web::download::attachment(
        crate::export::XLSX,
        Some("teams.xlsx"),
        text::EXPORT_FILE_NAME,
        bytes,
    ))
}

/// GET /api/rounds/{id}/teams: the published version (or 404) with explanations.
pub async fn api_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let version = state
        .db(move |conn| assignments::published(conn, id)?.ok_or(WebError::NotFound))
        .await?;
    let names = unit_names(&state).await?;
    Ok(HttpResponse::Ok().json(view::version_view(&version.problem, &version, &names)))
}

/// The reviewer's team and files in one round's published assignment, if they are on a team.
fn my_round(
    conn: &mut storage::DbConn,
    round: &rounds::Round,
    person: crate::domain::ids::PersonId,
) -> WebResult<Option<MyRound>> {
    let Some(version) = assignments::published(conn, round.id)? else {
        return Ok(None);
    };
    let Some(team) = version
        .assignment
        .teams
        .iter()
        .find(|team| team.members.contains(&person))
    else {
        return Ok(None);
    };
    let problem = &version.problem;
    let members = team
        .members
        .iter()
        .map(|member| MyMember {
            name: problem.reviewer_name(*member).to_string(),
            is_leader: *member == team.leader,
            is_me: *member == person,
        })
        .collect();
    let my_sheets = crate::storage::sheets::for_reviewer(conn, round.id, person)?;
    let states = super::sheets::states_by_file(&my_sheets);
    let files = version
        .assignment
        .placements
        .iter()
        .filter(|placement| placement.reviewers.contains(&person))
        .filter_map(|placement| problem.file(placement.file))
        .map(|file| {
            let (state, total) = states
                .get(&file.id)
                .cloned()
                .unwrap_or((text::NOT_STARTED, None));
            MyFile {
                id: file.id.to_string(),
                case_number: file.case_number.clone(),
                case_type: file.case_type.label(),
                unit: problem.unit_name(file.unit).to_string(),
                double: file.reviewers_needed > 1,
                state,
                total,
            }
        })
        .collect();
    Ok(Some(MyRound {
        round: rounds::RoundView::from(round),
        team: team.number,
        is_leader: team.leader == person,
        units: team
            .units
            .iter()
            .map(|unit| problem.unit_name(*unit).to_string())
            .collect(),
        members,
        files,
    }))
}

/// GET /my/work: a reviewer's teams and files in every published assignment.
pub async fn mine(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let person = user.account.person_id;
    let rounds_of_mine = state
        .db(move |conn| {
            let Some(person) = person else {
                return Ok(Vec::new());
            };
            let mut found = Vec::new();
            for round in rounds::list(conn)? {
                found.extend(my_round(conn, &round, person)?);
            }
            Ok(found)
        })
        .await?;
    let data = MinePage {
        rounds: rounds_of_mine,
        has_person: person.is_some(),
    };
    typed_page(&request, "teams/mine", text::MINE_TITLE, Some(&user), &data)
}
