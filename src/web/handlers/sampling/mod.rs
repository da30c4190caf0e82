//! The sampling plan form, the preview draw, freezing, and the per-unit sample lists
//! (抽查案卷清单) as XLSX. The work itself is [`crate::app::sampling`]; this module parses,
//! authorises and renders.

mod plan_form;
mod view;

pub use plan_form::{PlanForm, PlanFormView, designated_key};
pub use view::sample_list_row;

use crate::app::messages::confirm as confirm_text;
use crate::app::messages::sampling as text;
use crate::app::sampling as use_case;
use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, RoundId, UnitId};
use crate::domain::round_actions::{self, RoundAction};
use crate::domain::round_pages::overview_actions;
use crate::domain::sampling::{Sample, SamplingPlan};
use crate::export::sample_list::{SampleListRow, sample_list_xlsx};
use crate::storage::sampling::{self, SampleError};
use crate::storage::{self, cases, units};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::confirm::{self, Confirm, ConfirmView};
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::{load_round, parse_round_id, round_page, typed_page};
use crate::web::handlers::see_other;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::collections::BTreeSet;
use view::{ApiSample, SamplePage};

/// A seed from the operating system: chosen at freeze time, never by a person.
pub fn fresh_seed() -> WebResult<u64> {
    use_case::fresh_seed().map_err(WebError::internal)
}

fn sample_error(error: SampleError) -> WebError {
    match error {
        SampleError::Storage(error) => error.into(),
        other => WebError::Conflict(text::refusal(&other)),
    }
}

/// Refuses a plan change in a round whose status forbids it, before the form is read.
async fn plannable(state: &AppState, id: RoundId) -> WebResult<()> {
    let round = load_round(state, id).await?;
    round_actions::check(round.status, RoundAction::EditSamplingPlan)
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))
}

/// Saves a plan through the use case (which refuses once the sample is frozen).
async fn store_plan(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    plan: SamplingPlan,
) -> WebResult<()> {
    let actor = user.actor(request);
    state
        .db(move |conn| {
            use_case::save_plan(conn, &actor, id, &plan, storage::now()).map_err(sample_error)
        })
        .await
}

pub async fn save_plan(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<PlanForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    plannable(&state, id).await?;
    let basis = state
        .run(move |conn| use_case::plan_basis(conn, id))
        .await?;
    let plan = match form.plan(&basis.current, basis.reviewed, basis.previous.as_ref()) {
        Ok(plan) => plan,
        Err(message) => return round_page(&request, &state, &user, id, None, Some(message)).await,
    };
    store_plan(&request, &state, &user, id, plan).await?;
    Ok(see_other(&format!("/rounds/{id}?notice=plan")))
}

/// The case details and all units a sample's view needs.
async fn sample_details(
    state: &AppState,
    sample: &Sample<CaseFileId>,
) -> WebResult<(Vec<cases::CaseView>, Vec<crate::domain::people::Unit>)> {
    let ids: Vec<CaseFileId> = sample.selected_ids().copied().collect();
    state
        .db(move |conn| {
            let filter = cases::CaseFilter {
                ids: Some(ids),
                ..Default::default()
            };
            let list = cases::list(conn, UnitScope::All, &filter, None)?;
            Ok((list, units::list(conn, UnitScope::All)?))
        })
        .await
}

/// The round's frozen sample's seed, if frozen.
async fn frozen_seed(state: &AppState, id: RoundId) -> WebResult<Option<u64>> {
    state
        .db(move |conn| Ok(sampling::frozen(conn, id)?.map(|frozen| frozen.seed)))
        .await
}

async fn draw(state: &AppState, id: RoundId, seed: u64) -> WebResult<Sample<CaseFileId>> {
    state
        .db(move |conn| use_case::preview(conn, id, seed).map_err(sample_error))
        .await
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    seed: Option<u64>,
}

/// GET /rounds/{id}/sample: the frozen sample, or a preview draw with a throwaway seed.
pub async fn show(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    let (seed, is_frozen) = match frozen_seed(&state, id).await? {
        Some(seed) => (seed, true),
        None => (query.seed.map_or_else(fresh_seed, Ok)?, false),
    };
    let sample = draw(&state, id, seed).await?;
    let (details, all_units) = sample_details(&state, &sample).await?;
    let round_view = crate::storage::rounds::RoundView::from(&round);
    let units = view::unit_counts(&round_view, &sample, &all_units);
    let data = SamplePage {
        round: round_view,
        sample: view::sample_view(&sample, &details, &all_units),
        seed: seed.to_string(),
        is_frozen,
        units,
        can_freeze: overview_actions(round.status, user.account.role, is_frozen).can_freeze,
        confirm: ConfirmView::of(confirm_text::freeze_sample()),
    };
    typed_page(&request, "rounds/sample", text::TITLE, Some(&user), &data)
}

#[derive(Deserialize)]
pub struct FreezeForm {
    #[serde(default)]
    seed: Option<String>,
    /// The confirmation that the step cannot be undone (`web::confirm`).
    #[serde(default)]
    confirm: Confirm,
}

async fn freeze_round(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    seed: Option<&str>,
) -> WebResult<Sample<CaseFileId>> {
    let seed = match seed.map(str::trim).filter(|seed| !seed.is_empty()) {
        Some(seed) => seed
            .parse()
            .map_err(|_| WebError::BadRequest(text::bad_seed(seed)))?,
        None => fresh_seed()?,
    };
    load_round(state, id).await?;
    let actor = user.actor(request);
    state
        .db(move |conn| {
            use_case::freeze(conn, &actor, id, seed, storage::now()).map_err(sample_error)
        })
        .await
}

/// POST /rounds/{id}/sample/freeze. The seed is drawn now unless the administrator gives one
/// (to reproduce a draw announced in advance); either way it is stored with the list.
pub async fn freeze(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<FreezeForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    confirm::require(form.confirm, &confirm_text::freeze_sample())?;
    freeze_round(&request, &state, &user, id, form.seed.as_deref()).await?;
    Ok(see_other(&format!("/rounds/{id}?notice=frozen")))
}

pub async fn api_freeze(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Json<FreezeForm>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    confirm::require(form.confirm, &confirm_text::freeze_sample())?;
    let sample = freeze_round(&request, &state, &user, id, form.seed.as_deref()).await?;
    let (details, all_units) = sample_details(&state, &sample).await?;
    Ok(HttpResponse::Ok().json(view::sample_view(&sample, &details, &all_units)))
}

/// GET /api/rounds/{id}/sample: the frozen sample, or with `?seed=` a preview draw.
pub async fn api_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    load_round(&state, id).await?;
    let frozen = frozen_seed(&state, id).await?;
    let seed = match (frozen, query.seed) {
        (Some(seed), _) | (None, Some(seed)) => seed,
        (None, None) => return Err(WebError::NotFound.into()),
    };
    let sample = draw(&state, id, seed).await?;
    let (details, all_units) = sample_details(&state, &sample).await?;
    Ok(HttpResponse::Ok().json(ApiSample {
        sample: view::sample_view(&sample, &details, &all_units),
        frozen: frozen.is_some(),
        seed: seed.to_string(),
    }))
}

pub async fn api_plan(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let plan = state.run(move |conn| sampling::plan(conn, id)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

pub async fn api_save_plan(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    plan: web::Json<SamplingPlan>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    plannable(&state, id).await?;
    let plan = plan.into_inner();
    store_plan(&request, &state, &user, id, plan.clone()).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// GET /rounds/{id}/sample/units/{unit}: one unit's 抽查案卷清单 as XLSX. A center manager may
/// download only their own unit's list (they pull the paper files).
pub async fn unit_list(
    Ctx(_, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_raw, unit_raw) = path.into_inner();
    let id = parse_round_id(&round_raw)?;
    let unit_id: UnitId = unit_raw.parse().map_err(|_| WebError::NotFound)?;
    let scope = user.scope()?;
    let round = load_round(&state, id).await?;
    let (unit, rows) = state
        .db(move |conn| {
            let unit = units::find(conn, scope, unit_id)?;
            let frozen = sampling::frozen(conn, id)?.ok_or(WebError::NotFound)?;
            let ids: Vec<CaseFileId> = frozen.picks.iter().map(|(id, _, _)| *id).collect();
            let records = cases::records(
                conn,
                scope,
                &cases::CaseFilter {
                    ids: Some(ids),
                    unit: Some(unit_id),
                    ..Default::default()
                },
            )?;
            let designated: BTreeSet<CaseFileId> = frozen
                .picks
                .iter()
                .filter(|(_, _, designated)| *designated)
                .map(|(id, _, _)| *id)
                .collect();
            let rows: Vec<SampleListRow> = records
                .into_iter()
                .map(|(id, record)| sample_list_row(&record, designated.contains(&id)))
                .collect();
            Ok((unit, rows))
        })
        .await?;
    let bytes =
        sample_list_xlsx(&unit.name, &round.settings.name, &rows).map_err(WebError::internal)?;
    let file_name = text::unit_list_file_name(&round.settings.name, &unit.name);
    Ok(crate::web::download::attachment(
        crate::export::XLSX,
        Some("sample-list.xlsx"),
        &file_name,
        bytes,
    ))
}
