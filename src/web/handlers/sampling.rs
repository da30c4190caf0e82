//! The sampling plan form, the preview draw, freezing, and the per-unit sample lists
//! (抽查案卷清单) as XLSX.

use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, UnitId};
use crate::domain::masking::{mask_id_no, mask_name, mask_phone};
use crate::domain::registry::normalize_case_no;
use crate::domain::sampling::{CaseKey, Rounding, Sample, SamplingPlan, Strategy, StratumRule};
use crate::domain::text_limits::{TextField, check_all};
use crate::export::sample_list::{SampleListRow, sample_list_xlsx};
use crate::storage::sampling::{self, SampleError};
use crate::storage::{self, cases, units};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::rounds::{load_round, parse_round_id, round_page};
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The plan as the form shows it: percentages and plain numbers.
pub fn plan_form_view(plan: &SamplingPlan) -> Value {
    let (strategy, rate, min, max, quotas) = match &plan.strategy {
        Strategy::Rate { default, .. } => (
            "rate",
            format!("{}", f64::from(default.rate_bp) / 100.0),
            default.min,
            default.max.map(|max| max.to_string()).unwrap_or_default(),
            BTreeMap::new(),
        ),
        Strategy::Quota { per_case_type } => (
            "quota",
            "10".into(),
            1,
            String::new(),
            per_case_type.clone(),
        ),
        Strategy::Census => ("census", "10".into(), 1, String::new(), BTreeMap::new()),
    };
    let quota = |case_type: CaseType| quotas.get(&case_type).copied().unwrap_or(0);
    let designated: Vec<String> = plan
        .designated
        .iter()
        .map(|key| format!("{} {}", key.unit, key.case_no))
        .collect();
    json!({
        "strategy": strategy,
        "is_rate": strategy == "rate", "is_quota": strategy == "quota", "is_census": strategy == "census",
        "rate_percent": rate, "min": min, "max": max,
        "quota_criminal": quota(CaseType::Criminal), "quota_civil": quota(CaseType::Civil),
        "quota_administrative": quota(CaseType::Administrative),
        "exclude_terminated": plan.exclusions.terminated,
        "exclude_guilty_plea": plan.exclusions.guilty_plea,
        "exclude_reviewed": !plan.exclusions.reviewed_before.is_empty(),
        "exclude_reviewed_count": plan.exclusions.reviewed_before.len(),
        "by_sub_type": plan.strata.by_sub_type,
        "by_archive_month": plan.strata.by_archive_month,
        "designated": designated.join("\n"),
        "risk_multipliers": plan.risk_multipliers,
        "risk_weighting": !plan.risk_multipliers.is_empty(),
    })
}

/// The plan form. Checkboxes are absent when unticked.
#[derive(Debug, Deserialize)]
pub struct PlanForm {
    strategy: String,
    #[serde(default)]
    rate_percent: Option<String>,
    #[serde(default)]
    min: Option<String>,
    #[serde(default)]
    max: Option<String>,
    #[serde(default)]
    quota_criminal: Option<String>,
    #[serde(default)]
    quota_civil: Option<String>,
    #[serde(default)]
    quota_administrative: Option<String>,
    #[serde(default)]
    exclude_terminated: Option<String>,
    #[serde(default)]
    exclude_guilty_plea: Option<String>,
    #[serde(default)]
    exclude_reviewed: Option<String>,
    #[serde(default)]
    by_sub_type: Option<String>,
    #[serde(default)]
    by_archive_month: Option<String>,
    #[serde(default)]
    designated: Option<String>,
    #[serde(default)]
    risk_weighting: Option<String>,
    #[serde(default)]
    risk_gain: Option<String>,
    #[serde(default)]
    risk_cap: Option<String>,
}

fn number(label: &str, text: Option<&str>, default: u32) -> Result<u32, String> {
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("“{label}”须为非负整数：{text}")),
    }
}

fn ticked(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1"))
}

impl PlanForm {
    /// Builds the plan, keeping what the form does not show (earlier-round exclusions, risk
    /// multipliers) from the current plan.
    fn plan(
        &self,
        current: &SamplingPlan,
        reviewed: BTreeSet<CaseKey>,
        previous: Option<&sampling::PreviousResults>,
    ) -> Result<SamplingPlan, String> {
        let strategy = match self.strategy.as_str() {
            "rate" => {
                let text = self.rate_percent.as_deref().unwrap_or("10").trim();
                let percent: f64 = text
                    .parse()
                    .map_err(|_| format!("“抽查比例”须为百分数：{text}"))?;
                if !(0.0..=100.0).contains(&percent) {
                    return Err(format!("“抽查比例”须在 0 到 100 之间：{text}"));
                }
                let rate_bp = (percent * 100.0).round() as u32;
                let max = match self.max.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(_) => Some(number("最多", self.max.as_deref(), 0)?),
                };
                Strategy::Rate {
                    default: StratumRule {
                        rate_bp,
                        min: number("最少", self.min.as_deref(), 0)?,
                        max,
                    },
                    by_case_type: BTreeMap::new(),
                    rounding: Rounding::Up,
                }
            }
            "quota" => Strategy::Quota {
                per_case_type: BTreeMap::from([
                    (
                        CaseType::Criminal,
                        number("刑事每单位", self.quota_criminal.as_deref(), 0)?,
                    ),
                    (
                        CaseType::Civil,
                        number("民事每单位", self.quota_civil.as_deref(), 0)?,
                    ),
                    (
                        CaseType::Administrative,
                        number("行政每单位", self.quota_administrative.as_deref(), 0)?,
                    ),
                ]),
            },
            "census" => Strategy::Census,
            other => return Err(format!("未知的抽样方式：{other}")),
        };
        let mut designated = BTreeSet::new();
        for (index, line) in self
            .designated
            .as_deref()
            .unwrap_or_default()
            .lines()
            .enumerate()
        {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((unit, case_no)) = line.split_once(char::is_whitespace) else {
                return Err(format!(
                    "指定案号第{}行“{line}”应为“单位代码 案号”",
                    index + 1
                ));
            };
            check_all([(TextField::UnitCode, unit), (TextField::CaseNo, case_no)])
                .map_err(|error| format!("指定案号第{}行：{error}", index + 1))?;
            designated.insert(designated_key(unit, case_no));
        }
        let mut plan = current.clone();
        plan.strategy = strategy;
        plan.exclusions.terminated = ticked(&self.exclude_terminated);
        plan.exclusions.guilty_plea = ticked(&self.exclude_guilty_plea);
        plan.exclusions.reviewed_before = if ticked(&self.exclude_reviewed) {
            reviewed
        } else {
            BTreeSet::new()
        };
        plan.strata.by_sub_type = ticked(&self.by_sub_type);
        plan.strata.by_archive_month = ticked(&self.by_archive_month);
        plan.designated = designated;
        plan.risk_multipliers = if ticked(&self.risk_weighting) {
            let gain = number("加权系数", self.risk_gain.as_deref(), 100)?;
            let cap = number("最高倍数", self.risk_cap.as_deref(), 200)?;
            if gain > 500 {
                return Err(format!("“加权系数”须在 0 到 500 之间：{gain}"));
            }
            if !(100..=500).contains(&cap) {
                return Err(format!("“最高倍数”须在 100 到 500 之间：{cap}"));
            }
            let previous = previous.ok_or_else(|| {
                "没有可用的上一轮评查结果，不能按上轮结果加权（请取消勾选）".to_string()
            })?;
            previous.multipliers(gain, cap)
        } else {
            BTreeMap::new()
        };
        Ok(plan)
    }
}

pub async fn save_plan(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<PlanForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    crate::domain::round_actions::check(
        round.status,
        crate::domain::round_actions::RoundAction::EditSamplingPlan,
    )
    .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    let (current, reviewed, previous) = state
        .db(move |conn| {
            Ok((
                sampling::plan(conn, id)?,
                sampling::reviewed_in_other_rounds(conn, id)?,
                sampling::previous_results(conn, id)?,
            ))
        })
        .await?;
    let plan = match form.plan(&current, reviewed, previous.as_ref()) {
        Ok(plan) => plan,
        Err(message) => return round_page(&request, &state, &user, id, None, Some(message)).await,
    };
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            if sampling::is_frozen(conn, id)? {
                return Err(WebError::Conflict(SampleError::AlreadyFrozen.to_string()));
            }
            Ok(sampling::save_plan(
                conn,
                &actor,
                id,
                &plan,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other(&format!("/rounds/{id}?notice=plan")))
}

/// A seed from the operating system: chosen at freeze time, never by a person.
pub fn fresh_seed() -> WebResult<u64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(WebError::internal)?;
    Ok(u64::from_le_bytes(bytes))
}

fn sample_error(error: SampleError) -> WebError {
    match error {
        SampleError::Storage(error) => error.into(),
        other => WebError::Conflict(other.to_string()),
    }
}

/// The strata and picks with case details, for the sample page and the API.
async fn sample_view(state: &AppState, sample: &Sample<CaseFileId>) -> WebResult<Value> {
    let ids: Vec<CaseFileId> = sample.selected_ids().copied().collect();
    let (details, all_units) = state
        .db(move |conn| {
            let list = cases::list(
                conn,
                UnitScope::All,
                &cases::CaseFilter {
                    ids: Some(ids),
                    ..Default::default()
                },
                None,
            )?;
            Ok((list, units::list(conn, UnitScope::All)?))
        })
        .await?;
    let unit_name = |code: &str| {
        all_units
            .iter()
            .find(|unit| unit.code == code)
            .map_or_else(|| code.to_string(), |unit| unit.name.clone())
    };
    let by_id: BTreeMap<&str, &cases::CaseView> = details
        .iter()
        .map(|case| (case.id.as_str(), case))
        .collect();
    let strata: Vec<Value> = sample
        .strata
        .iter()
        .map(|stratum| {
            let picks: Vec<Value> = stratum
                .selected
                .iter()
                .filter_map(|pick| {
                    by_id
                        .get(pick.id.to_string().as_str())
                        .map(|case| json!({ "case": case, "designated": pick.designated }))
                })
                .collect();
            let mut title = format!(
                "{} · {}",
                unit_name(&stratum.key.unit),
                stratum.key.case_type.label()
            );
            if let Some(sub_type) = &stratum.key.sub_type {
                title.push_str(&format!(" · {sub_type}"));
            }
            if let Some(month) = stratum.key.archive_month {
                title.push_str(&format!(" · {month}归档"));
            }
            json!({
                "key": title,
                "population": stratum.population,
                "excluded": stratum.excluded,
                "target": stratum.target,
                "reason": stratum.reason.to_string(),
                "picks": picks,
            })
        })
        .collect();
    let unmatched: Vec<String> = sample
        .unmatched_designated
        .iter()
        .map(|key| format!("{} {}", key.unit, key.case_no))
        .collect();
    Ok(json!({
        "strata": strata,
        "selected": sample.selected_count(),
        "unmatched_designated": unmatched,
        "proof": sample.proof,
    }))
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    seed: Option<u64>,
}

/// GET /rounds/{id}/sample: the frozen sample, or a preview draw with a throwaway seed.
pub async fn show(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    let frozen = state
        .db(move |conn| Ok(sampling::frozen(conn, id)?))
        .await?;
    let (seed, is_frozen) = match &frozen {
        Some(frozen) => (frozen.seed, true),
        None => (query.seed.map_or_else(fresh_seed, Ok)?, false),
    };
    let round_for_draw = round.clone();
    let sample = state
        .db(move |conn| sampling::preview(conn, &round_for_draw, seed).map_err(sample_error))
        .await?;
    let view = sample_view(&state, &sample).await?;
    let units: Vec<Value> = {
        let mut seen = BTreeMap::new();
        for stratum in &sample.strata {
            if !stratum.selected.is_empty() {
                *seen.entry(stratum.key.unit.clone()).or_insert(0usize) += stratum.selected.len();
            }
        }
        seen.into_iter()
            .map(|(unit, count)| json!({ "code": unit, "count": count }))
            .collect()
    };
    page(
        &request,
        "rounds/sample",
        "抽查案卷清单",
        Some(&user),
        json!({
            "round": crate::storage::rounds::RoundView::from(&round),
            "sample": view,
            "seed": seed.to_string(),
            "is_frozen": is_frozen,
            "units": units,
            "can_freeze": !is_frozen && user.account.role == crate::domain::people::Role::BureauAdmin
                && round.status == crate::domain::round::RoundStatus::Sampling,
        }),
    )
}

#[derive(Deserialize)]
pub struct FreezeForm {
    #[serde(default)]
    seed: Option<String>,
}

async fn freeze_round(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: crate::domain::ids::RoundId,
    seed: Option<&str>,
) -> WebResult<Sample<CaseFileId>> {
    let seed = match seed.map(str::trim).filter(|seed| !seed.is_empty()) {
        Some(text) => text
            .parse()
            .map_err(|_| WebError::BadRequest(format!("随机种子须为非负整数：{text}")))?,
        None => fresh_seed()?,
    };
    let round = load_round(state, id).await?;
    let actor = user.actor(request);
    state
        .db(move |conn| {
            sampling::freeze(conn, &actor, &round, seed, storage::now()).map_err(sample_error)
        })
        .await
}

/// POST /rounds/{id}/sample/freeze. The seed is drawn now unless the administrator gives one
/// (to reproduce a draw announced in advance); either way it is stored with the list.
pub async fn freeze(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<FreezeForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    freeze_round(&request, &state, &user, id, form.seed.as_deref()).await?;
    Ok(see_other(&format!("/rounds/{id}?notice=frozen")))
}

pub async fn api_freeze(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Json<FreezeForm>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let sample = freeze_round(&request, &state, &user, id, form.seed.as_deref()).await?;
    Ok(HttpResponse::Ok().json(sample_view(&state, &sample).await?))
}

/// GET /api/rounds/{id}/sample: the frozen sample, or with `?seed=` a preview draw.
pub async fn api_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PreviewQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    let frozen = state
        .db(move |conn| Ok(sampling::frozen(conn, id)?))
        .await?;
    let seed = match (&frozen, query.seed) {
        (Some(frozen), _) => frozen.seed,
        (None, Some(seed)) => seed,
        (None, None) => return Err(WebError::NotFound.into()),
    };
    let sample = state
        .db(move |conn| sampling::preview(conn, &round, seed).map_err(sample_error))
        .await?;
    let mut view = sample_view(&state, &sample).await?;
    view["frozen"] = json!(frozen.is_some());
    view["seed"] = json!(seed.to_string());
    Ok(HttpResponse::Ok().json(view))
}

pub async fn api_plan(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let plan = state.db(move |conn| Ok(sampling::plan(conn, id)?)).await?;
    Ok(HttpResponse::Ok().json(plan))
}

pub async fn api_save_plan(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    plan: web::Json<SamplingPlan>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    let round = load_round(&state, id).await?;
    crate::domain::round_actions::check(
        round.status,
        crate::domain::round_actions::RoundAction::EditSamplingPlan,
    )
    .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    let plan = plan.into_inner();
    let actor = user.actor(&request);
    let saved = plan.clone();
    state
        .db(move |conn| {
            if sampling::is_frozen(conn, id)? {
                return Err(WebError::Conflict(SampleError::AlreadyFrozen.to_string()));
            }
            Ok(sampling::save_plan(
                conn,
                &actor,
                id,
                &saved,
                storage::now(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// GET /rounds/{id}/sample/units/{unit}: one unit's 抽查案卷清单 as XLSX. A center manager may
/// download only their own unit's list (they pull the paper files).
pub async fn unit_list(
    state: web::Data<AppState>,
    user: CurrentUser,
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
    let file_name = format!("{}-{}-抽查案卷清单.xlsx", round.settings.name, unit.name);
    Ok(crate::web::download::attachment(
        crate::export::XLSX,
        Some("sample-list.xlsx"),
        &file_name,
        bytes,
    ))
}

/// A designated case number (指定案号) as sampling matches it: unit code and normalised number.
pub fn designated_key(unit: &str, case_no: &str) -> CaseKey {
    CaseKey {
        unit: unit.trim().to_string(),
        case_no: normalize_case_no(case_no),
    }
}

/// One line of a unit's list: personal data masked as on every page.
pub fn sample_list_row(
    record: &crate::domain::registry::CaseRecord,
    designated: bool,
) -> SampleListRow {
    SampleListRow {
        case_no: record.case_no.clone(),
        case_type: record.case_type,
        sub_type: record.sub_type.clone(),
        cause: record.cause.clone(),
        recipient: mask_name(&record.recipient, false),
        recipient_id_no: record.recipient_id_no.as_deref().map(mask_id_no),
        recipient_phone: record.recipient_phone.as_deref().map(mask_phone),
        handler: record.handler.clone(),
        firm: record.firm.clone(),
        closed_at: record.closed_at,
        archived_at: record.archived_at,
        designated,
    }
}
