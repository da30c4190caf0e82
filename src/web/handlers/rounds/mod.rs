//! Review rounds: list, create, the round's overview page and its forward-only status. The
//! work itself is [`crate::app::rounds`]; this module parses, authorises and renders.

mod form;

pub use form::RoundForm;

use crate::app::messages::confirm as confirm_text;
use crate::app::messages::{self, rounds as text};
use crate::app::rounds::{self as use_case, CreateError, RegistrySummary};
use crate::domain::CaseType;
use crate::domain::ids::RoundId;
use crate::domain::people::Unit;
use crate::domain::round::RoundStatus;
use crate::domain::round_pages::{OverviewActions, may_create_round, overview_actions};
use crate::storage::rounds::{self, AdvanceError, Round, RoundView};
use crate::storage::{self, rubrics};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::confirm::{self, Confirm, ConfirmView};
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::sampling::PlanFormView;
use crate::web::handlers::{page, refused_if, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use form::RoundFormView;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Renders a page from a typed view: the same context `page` builds, with the view's fields.
pub fn typed_page<T: Serialize>(
    request: &HttpRequest,
    template: &str,
    title: &str,
    user: Option<&CurrentUser>,
    view: &T,
) -> WebResult<HttpResponse> {
    let data = serde_json::to_value(view).map_err(WebError::internal)?;
    page(request, template, title, user, data)
}

pub fn parse_round_id(raw: &str) -> WebResult<RoundId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn load_round(state: &AppState, id: RoundId) -> WebResult<Round> {
    state.run(move |conn| rounds::find(conn, id)).await
}

/// A rubric snapshot the creation form offers.
#[derive(Serialize)]
struct RubricOption {
    hash: String,
    label: String,
}

/// The rubrics that apply to one case type.
#[derive(Serialize)]
struct RubricChoice {
    case_type: &'static str,
    label: &'static str,
    options: Vec<RubricOption>,
}

/// The current rubric snapshots that apply to each case type, for the creation form.
async fn rubric_choices(state: &AppState) -> WebResult<Vec<RubricChoice>> {
    let snapshots = state.db(|conn| Ok(rubrics::list(conn)?)).await?;
    let mut seen = std::collections::BTreeSet::new();
    let current: Vec<_> = snapshots
        .into_iter()
        .filter(|snapshot| seen.insert(snapshot.rubric_id.clone()))
        .collect();
    Ok(CaseType::ALL
        .iter()
        .map(|case_type| RubricChoice {
            case_type: case_type.code(),
            label: case_type.label(),
            options: current
                .iter()
                .filter(|snapshot| {
                    snapshot
                        .case_types
                        .split(',')
                        .any(|code| code == case_type.code())
                })
                .map(|snapshot| RubricOption {
                    hash: snapshot.content_hash.clone(),
                    label: text::rubric_choice(&snapshot.title, &snapshot.version),
                })
                .collect(),
        })
        .collect())
}

/// The round list with the creation form.
#[derive(Serialize)]
struct ListPage<'a> {
    rounds: Vec<RoundView>,
    rubric_choices: Vec<RubricChoice>,
    can_edit: bool,
    error: Option<String>,
    notice: Option<&'a str>,
    form: RoundFormView,
}

/// An answer carrying the rounds.
#[derive(Serialize)]
struct RoundsReply {
    rounds: Vec<RoundView>,
}

/// An answer carrying one round.
#[derive(Serialize)]
struct RoundReply {
    round: RoundView,
}

async fn list_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    error: Option<String>,
    notice: Option<&str>,
    typed: Option<&RoundForm>,
) -> WebResult<HttpResponse> {
    let rounds = state.db(|conn| Ok(rounds::list(conn)?)).await?;
    let views: Vec<RoundView> = rounds.iter().map(RoundView::from).collect();
    let failed = error.is_some();
    let data = ListPage {
        rounds: views,
        rubric_choices: rubric_choices(state).await?,
        can_edit: may_create_round(user.account.role),
        error,
        notice,
        form: RoundForm::view(typed),
    };
    let response = typed_page(request, "rounds/list", text::LIST_TITLE, Some(user), &data)?;
    Ok(refused_if(failed, response))
}

pub async fn list(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    list_page(&request, &state, &user, None, None, None).await
}

pub async fn api_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rounds = state.db(|conn| Ok(rounds::list(conn)?)).await?;
    let views: Vec<RoundView> = rounds.iter().map(RoundView::from).collect();
    Ok(HttpResponse::Ok().json(RoundsReply { rounds: views }))
}

async fn create_round(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    form: &RoundForm,
) -> WebResult<Result<Round, String>> {
    let settings = match form.settings() {
        Ok(settings) => settings,
        Err(message) => return Ok(Err(message)),
    };
    let actor = user.actor(request);
    state
        .db(
            move |conn| match use_case::create(conn, &actor, &settings, storage::now()) {
                Ok(round) => Ok(Ok(round)),
                Err(CreateError::NameTaken) => Ok(Err(messages::ROUND_NAME_TAKEN.to_string())),
                Err(CreateError::RubricMismatch) => {
                    Ok(Err(messages::ROUND_RUBRIC_MISMATCH.to_string()))
                }
                Err(CreateError::Storage(other)) => Err(other.into()),
            },
        )
        .await
}

pub async fn create(
    Ctx(request, state, user): Ctx,
    form: web::Form<RoundForm>,
) -> WebResult<HttpResponse> {
    match create_round(&request, &state, &user, &form).await? {
        Ok(round) => Ok(see_other(&format!("/rounds/{}", round.id))),
        Err(message) => list_page(&request, &state, &user, Some(message), None, Some(&form)).await,
    }
}

pub async fn api_create(
    Ctx(request, state, user): Ctx,
    form: web::Json<RoundForm>,
) -> Result<HttpResponse, ApiError> {
    match create_round(&request, &state, &user, &form).await? {
        Ok(round) => Ok(HttpResponse::Created().json(RoundReply {
            round: RoundView::from(&round),
        })),
        Err(message) => Err(WebError::BadRequest(message).into()),
    }
}

/// Cases of the round's period by unit and case type, for the overview.
async fn registry_summary(state: &AppState, round: &Round) -> WebResult<RegistrySummary> {
    let round = round.clone();
    state
        .run(move |conn| use_case::registry_summary(conn, &round))
        .await
}

/// Last round's fail rate of a unit, which risk weighting would use.
#[derive(Serialize)]
struct PreviousUnit<'a> {
    unit: &'a str,
    failed: u32,
    reviewed: u32,
    multiplier: Option<String>,
}

#[derive(Serialize)]
struct PreviousView<'a> {
    round_name: &'a str,
    units: Vec<PreviousUnit<'a>>,
}

/// The frozen sample's facts.
#[derive(Serialize)]
struct FrozenView<'a> {
    seed: String,
    count: usize,
    frozen_at: String,
    frozen_by: &'a str,
    proof: &'a crate::domain::sampling::SampleProof,
}

/// The round's overview page.
#[derive(Serialize)]
struct RoundPage<'a> {
    round: RoundView,
    registry: &'a RegistrySummary,
    plan: PlanFormView,
    previous: Option<PreviousView<'a>>,
    sample: Option<FrozenView<'a>>,
    units: &'a [Unit],
    #[serde(flatten)]
    actions: OverviewActions,
    notice: Option<&'a str>,
    error: Option<String>,
    objection_settings: Value,
    /// In 评查: the files without a settled result, listed beside 进入“反馈整改”.
    unfinished: Vec<String>,
    unfinished_count: usize,
    /// The confirmation box of the "next status" button.
    advance_confirm: Option<ConfirmView>,
}

/// A round with its registry figures, as the API answers it.
#[derive(Serialize)]
struct RoundWithRegistry {
    round: RoundView,
    registry: RegistrySummary,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
    error: Option<String>,
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("imported") => Some(messages::IMPORT_DONE),
        Some("advanced") => Some(messages::ROUND_ADVANCED),
        Some("plan") => Some(messages::PLAN_SAVED),
        Some("frozen") => Some(messages::SAMPLE_FROZEN),
        Some("objection-settings") => Some(messages::OBJECTION_SETTINGS_SAVED),
        _ => None,
    }
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    round_page(
        &request,
        &state,
        &user,
        id,
        notice_text(query.notice.as_deref()),
        query.error.clone(),
    )
    .await
}

pub async fn round_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    notice: Option<&str>,
    error: Option<String>,
) -> WebResult<HttpResponse> {
    let round = load_round(state, id).await?;
    let loaded = round.clone();
    let overview = state
        .run(move |conn| use_case::overview(conn, &loaded))
        .await?;
    let objection_settings = state
        .db(move |conn| super::objections::settings_json(conn, id))
        .await?;
    let plan = &overview.plan;
    let previous = overview.previous.as_ref().map(|previous| PreviousView {
        round_name: &previous.round_name,
        units: previous
            .by_unit
            .iter()
            .map(|(code, (failed, reviewed))| PreviousUnit {
                unit: overview
                    .units
                    .iter()
                    .find(|unit| &unit.code == code)
                    .map_or(code.as_str(), |unit| unit.name.as_str()),
                failed: *failed,
                reviewed: *reviewed,
                multiplier: plan
                    .risk_multipliers
                    .get(code)
                    .map(|pct| text::multiplier(*pct)),
            })
            .collect(),
    });
    let sample = overview.frozen.as_ref().map(|frozen| FrozenView {
        seed: frozen.seed.to_string(),
        count: frozen.picks.len(),
        frozen_at: crate::domain::local_time::minutes(frozen.frozen_at),
        frozen_by: &frozen.frozen_by,
        proof: &frozen.proof,
    });
    let failed = error.is_some();
    let data = RoundPage {
        round: RoundView::from(&round),
        registry: &overview.registry,
        plan: PlanFormView::from(plan),
        previous,
        sample,
        units: &overview.units,
        actions: overview_actions(round.status, user.account.role, overview.frozen.is_some()),
        notice,
        error,
        objection_settings,
        unfinished: overview.unfinished.clone(),
        unfinished_count: overview.unfinished.len(),
        advance_confirm: advance_confirmation(&round),
    };
    let response = typed_page(
        request,
        "rounds/show",
        &round.settings.name,
        Some(user),
        &data,
    )?;
    Ok(refused_if(failed, response))
}

pub async fn api_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round = load_round(&state, parse_round_id(&id)?).await?;
    let registry = registry_summary(&state, &round).await?;
    Ok(HttpResponse::Ok().json(RoundWithRegistry {
        round: RoundView::from(&round),
        registry,
    }))
}

/// The status form; `confirm` ticked to enter 反馈整改 with unfinished files.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// The confirmation that the step cannot be undone (`web::confirm`).
    #[serde(default)]
    confirm: Confirm,
}

/// The confirmation of moving `round` to its next status, when it has one.
fn advance_confirmation(round: &Round) -> Option<ConfirmView> {
    let next = round.status.next()?;
    Some(ConfirmView::of(confirm_text::advance(
        round.status.label(),
        next.label(),
    )))
}

/// Refuses an advance that was not confirmed, naming the step it asked for.
fn require_advance_confirmed(form: &StatusForm, current: &Round) -> WebResult<()> {
    let next = form
        .status
        .parse::<RoundStatus>()
        .map(RoundStatus::label)
        .unwrap_or(form.status.as_str());
    confirm::require(
        form.confirm,
        &confirm_text::advance(current.status.label(), next),
    )
}

async fn advance(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    status: &str,
    confirmed: bool,
) -> WebResult<Result<Round, String>> {
    let requested: RoundStatus = status
        .parse()
        .map_err(|_| WebError::BadRequest(text::unknown_status(status)))?;
    let actor = user.actor(request);
    state
        .db(move |conn| {
            match use_case::advance(conn, &actor, id, requested, confirmed, storage::now()) {
                Ok(round) => Ok(Ok(round)),
                Err(AdvanceError::Refused(reason)) => Ok(Err(reason.to_string())),
                Err(AdvanceError::Storage(error)) => Err(error.into()),
            }
        })
        .await
}

pub async fn set_status(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    require_advance_confirmed(&form, &load_round(&state, id).await?)?;
    match advance(&request, &state, &user, id, &form.status, form.confirm.0).await? {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}?notice=advanced"))),
        Err(message) => Err(WebError::Conflict(message)),
    }
}

pub async fn api_set_status(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Json<StatusForm>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    require_advance_confirmed(&form, &load_round(&state, id).await?)?;
    match advance(&request, &state, &user, id, &form.status, form.confirm.0).await? {
        Ok(round) => Ok(HttpResponse::Ok().json(RoundReply {
            round: RoundView::from(&round),
        })),
        Err(message) => Err(WebError::Conflict(message).into()),
    }
}
