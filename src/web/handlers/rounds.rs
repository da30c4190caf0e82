//! Review rounds: list, create, the round's overview page and its forward-only status.

use crate::app::messages;
use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::ids::RoundId;
use crate::domain::people::Role;
use crate::domain::round::{CombineSetting, RoundSettings, RoundStatus};
use crate::domain::rubric::Points;
use crate::storage::rounds::{self, AdvanceError, Round, RoundView};
use crate::storage::{self, rubrics, sampling, units};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::{page, refused_if, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn parse_round_id(raw: &str) -> WebResult<RoundId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn load_round(state: &AppState, id: RoundId) -> WebResult<Round> {
    state.db(move |conn| Ok(rounds::find(conn, id)?)).await
}

/// The current rubric snapshots that apply to each case type, for the creation form.
async fn rubric_choices(state: &AppState) -> WebResult<Value> {
    let snapshots = state.db(|conn| Ok(rubrics::list(conn)?)).await?;
    let mut seen = std::collections::BTreeSet::new();
    let current: Vec<_> = snapshots
        .into_iter()
        .filter(|snapshot| seen.insert(snapshot.rubric_id.clone()))
        .collect();
    let choices: Vec<Value> = CaseType::ALL
        .iter()
        .map(|case_type| {
            let options: Vec<Value> = current
                .iter()
                .filter(|snapshot| {
                    snapshot
                        .case_types
                        .split(',')
                        .any(|code| code == case_type.code())
                })
                .map(|snapshot| {
                    json!({
                        "hash": snapshot.content_hash,
                        "label": format!("{}（{}）", snapshot.title, snapshot.version),
                    })
                })
                .collect();
            json!({ "case_type": case_type.code(), "label": case_type.label(), "options": options })
        })
        .collect();
    Ok(Value::Array(choices))
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
    let choices = rubric_choices(state).await?;
    let failed = error.is_some();
    let response = page(
        request,
        "rounds/list",
        "评查轮次",
        Some(user),
        json!({
            "rounds": views,
            "rubric_choices": choices,
            "can_edit": user.account.role == Role::BureauAdmin,
            "error": error,
            "notice": notice,
            "form": RoundForm::view(typed),
        }),
    )?;
    Ok(refused_if(failed, response))
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    list_page(&request, &state, &user, None, None, None).await
}

pub async fn api_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rounds = state.db(|conn| Ok(rounds::list(conn)?)).await?;
    let views: Vec<RoundView> = rounds.iter().map(RoundView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "rounds": views })))
}

/// The creation form and its JSON twin.
#[derive(Debug, Deserialize)]
pub struct RoundForm {
    name: String,
    period_start: String,
    period_end: String,
    #[serde(default)]
    rubric_criminal: Option<String>,
    #[serde(default)]
    rubric_civil: Option<String>,
    #[serde(default)]
    rubric_administrative: Option<String>,
    combine_rule: String,
    #[serde(default)]
    escalate_gap: Option<String>,
    #[serde(default)]
    review_deadline: Option<String>,
    #[serde(default)]
    rectification_days: Option<String>,
    #[serde(default)]
    blind: Option<String>,
}

fn date_field(label: &str, text: &str) -> Result<NaiveDate, String> {
    crate::import::dates::parse_date_text(text.trim())
        .map_err(|_| format!("“{label}”不是有效日期：{text}"))
}

impl RoundForm {
    /// What the creation form shows: the values just typed when they were refused, so nothing
    /// typed is lost, or the defaults.
    fn view(typed: Option<&RoundForm>) -> Value {
        let text = |value: &Option<String>, default: &str| {
            value.clone().unwrap_or_else(|| default.to_string())
        };
        let name_max = crate::domain::text_limits::TextField::RoundName.max_chars();
        match typed {
            Some(form) => json!({
                "name_max": name_max,
                "name": form.name,
                "period_start": form.period_start,
                "period_end": form.period_end,
                "review_deadline": text(&form.review_deadline, ""),
                "escalate_gap": text(&form.escalate_gap, "10"),
                "rectification_days": text(&form.rectification_days, "30"),
                "average": form.combine_rule == "average",
                "blind": matches!(form.blind.as_deref(), Some("on" | "true" | "1")),
            }),
            None => json!({
                "name_max": name_max, "name": "", "period_start": "", "period_end": "", "review_deadline": "",
                "escalate_gap": "10", "rectification_days": "30", "average": false, "blind": false,
            }),
        }
    }

    fn settings(&self) -> Result<RoundSettings, String> {
        let mut rubrics = BTreeMap::new();
        for (case_type, hash) in [
            (CaseType::Criminal, &self.rubric_criminal),
            (CaseType::Civil, &self.rubric_civil),
            (CaseType::Administrative, &self.rubric_administrative),
        ] {
            if let Some(hash) = hash
                .as_deref()
                .map(str::trim)
                .filter(|hash| !hash.is_empty())
            {
                rubrics.insert(case_type, hash.to_string());
            }
        }
        let combine = match self.combine_rule.as_str() {
            "average" => CombineSetting::Average,
            "escalate" => {
                let gap_text = self.escalate_gap.as_deref().unwrap_or("10").trim();
                let gap: Points = gap_text
                    .parse()
                    .map_err(|_| format!("“合议分差”不是有效分数：{gap_text}"))?;
                CombineSetting::Escalate { max_gap: gap }
            }
            other => return Err(format!("未知的合并规则：{other}")),
        };
        let review_deadline = match self.review_deadline.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(date_field("评查截止日期", text)?),
        };
        let days_text = self.rectification_days.as_deref().unwrap_or("30").trim();
        let rectification_days = days_text
            .parse()
            .map_err(|_| format!("“整改期限”须为天数：{days_text}"))?;
        let settings = RoundSettings {
            name: self.name.trim().to_string(),
            period_start: date_field("期间开始", &self.period_start)?,
            period_end: date_field("期间结束", &self.period_end)?,
            rubrics,
            combine,
            review_deadline,
            rectification_days,
            blind: matches!(self.blind.as_deref(), Some("on" | "true" | "1")),
        };
        settings.check().map_err(|error| error.to_string())?;
        Ok(settings)
    }
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
            move |conn| match rounds::create(conn, &actor, &settings, storage::now()) {
                Ok(round) => Ok(Ok(round)),
                Err(storage::Error::Duplicate(_)) => {
                    Ok(Err(messages::ROUND_NAME_TAKEN.to_string()))
                }
                Err(storage::Error::NotFound | storage::Error::Corrupt(_)) => {
                    Ok(Err(messages::ROUND_RUBRIC_MISMATCH.to_string()))
                }
                Err(other) => Err(other.into()),
            },
        )
        .await
}

pub async fn create(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<RoundForm>,
) -> WebResult<HttpResponse> {
    match create_round(&request, &state, &user, &form).await? {
        Ok(round) => Ok(see_other(&format!("/rounds/{}", round.id))),
        Err(message) => list_page(&request, &state, &user, Some(message), None, Some(&form)).await,
    }
}

pub async fn api_create(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Json<RoundForm>,
) -> Result<HttpResponse, ApiError> {
    match create_round(&request, &state, &user, &form).await? {
        Ok(round) => Ok(HttpResponse::Created().json(json!({ "round": RoundView::from(&round) }))),
        Err(message) => Err(WebError::BadRequest(message).into()),
    }
}

/// Cases of the round's period by unit and case type, for the overview.
async fn registry_summary(state: &AppState, round: &Round) -> WebResult<Value> {
    let period = (round.settings.period_start, round.settings.period_end);
    state
        .db(move |conn| {
            let cases = storage::cases::list(
                conn,
                UnitScope::All,
                &storage::cases::CaseFilter {
                    period: Some(period),
                    ..Default::default()
                },
                None,
            )?;
            let mut by_unit: BTreeMap<(String, String), [usize; 3]> = BTreeMap::new();
            for case in &cases {
                let counts = by_unit
                    .entry((case.unit_code.clone(), case.unit_name.clone()))
                    .or_insert([0; 3]);
                let index = CaseType::ALL
                    .iter()
                    .position(|case_type| case_type.code() == case.case_type)
                    .unwrap_or(0);
                if let Some(slot) = counts.get_mut(index) {
                    *slot += 1;
                }
            }
            let rows: Vec<Value> = by_unit
                .into_iter()
                .map(|((code, name), counts)| {
                    json!({ "code": code, "name": name, "criminal": counts[0], "civil": counts[1],
                            "administrative": counts[2], "total": counts.iter().sum::<usize>() })
                })
                .collect();
            Ok(json!({ "total": cases.len(), "units": rows }))
        })
        .await
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
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
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
    let registry = registry_summary(state, &round).await?;
    let (plan, frozen, all_units, previous) = state
        .db(move |conn| {
            Ok((
                sampling::plan(conn, id)?,
                sampling::frozen(conn, id)?,
                units::list(conn, UnitScope::All)?,
                sampling::previous_results(conn, id)?,
            ))
        })
        .await?;
    let objection_settings = state
        .db(move |conn| super::objections::settings_json(conn, id))
        .await?;
    // Last round's fail rates per unit, which risk weighting would use.
    let previous = previous.map(|previous| {
        let rows: Vec<Value> = previous
            .by_unit
            .iter()
            .map(|(code, (failed, reviewed))| {
                let name = all_units
                    .iter()
                    .find(|unit| &unit.code == code)
                    .map_or(code.as_str(), |unit| unit.name.as_str());
                json!({
                    "unit": name,
                    "failed": failed,
                    "reviewed": reviewed,
                    "multiplier": plan.risk_multipliers.get(code).map(|pct| format!("×{:.2}", f64::from(*pct) / 100.0)),
                })
            })
            .collect();
        json!({ "round_name": previous.round_name, "units": rows })
    });
    let sample = frozen.as_ref().map(|frozen| {
        json!({
            "seed": frozen.seed.to_string(),
            "count": frozen.picks.len(),
            "frozen_at": frozen.frozen_at.format("%Y-%m-%d %H:%M").to_string(),
            "frozen_by": frozen.frozen_by,
            "proof": frozen.proof,
        })
    });
    let is_admin = user.account.role == Role::BureauAdmin;
    let failed = error.is_some();
    let response = page(
        request,
        "rounds/show",
        &round.settings.name,
        Some(user),
        json!({
            "round": RoundView::from(&round),
            "registry": registry,
            "plan": super::sampling::plan_form_view(&plan),
            "previous": previous,
            "sample": sample,
            "units": all_units,
            "can_edit": is_admin,
            "can_import": is_admin && round.status.allows_registry_changes(),
            "can_plan": is_admin && round.status.allows_registry_changes() && frozen.is_none(),
            "can_freeze": is_admin && round.status == RoundStatus::Sampling && frozen.is_none(),
            "notice": notice,
            "error": error,
            "objection_settings": objection_settings,
        }),
    )?;
    Ok(refused_if(failed, response))
}

pub async fn api_show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round = load_round(&state, parse_round_id(&id)?).await?;
    let registry = registry_summary(&state, &round).await?;
    Ok(HttpResponse::Ok().json(json!({ "round": RoundView::from(&round), "registry": registry })))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

async fn advance(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: RoundId,
    status: &str,
) -> WebResult<Result<Round, String>> {
    let requested: RoundStatus = status
        .parse()
        .map_err(|_| WebError::BadRequest(format!("未知的状态：{status}")))?;
    let actor = user.actor(request);
    state
        .db(
            move |conn| match rounds::advance(conn, &actor, id, requested, storage::now()) {
                Ok(round) => Ok(Ok(round)),
                Err(AdvanceError::Refused(reason)) => Ok(Err(reason.to_string())),
                Err(AdvanceError::Storage(error)) => Err(error.into()),
            },
        )
        .await
}

pub async fn set_status(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    match advance(&request, &state, &user, id, &form.status).await? {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}?notice=advanced"))),
        Err(message) => Err(WebError::Conflict(message)),
    }
}

pub async fn api_set_status(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Json<StatusForm>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_round_id(&id)?;
    match advance(&request, &state, &user, id, &form.status).await? {
        Ok(round) => Ok(HttpResponse::Ok().json(json!({ "round": RoundView::from(&round) }))),
        Err(message) => Err(WebError::Conflict(message).into()),
    }
}
