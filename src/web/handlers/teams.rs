//! Cross-check teams (交叉检查组): generate a proposal, look at it with its explanations and
//! quality figures, change it by hand (hard rules re-checked at once), publish, restore an
//! earlier version, export the team list; reviewers see their own team and files.

use crate::domain::assignment::{
    Change, DoubleReview, Problem, check_change, diagnose, diff, explain, solve,
};
use crate::domain::ids::{CaseFileId, PersonId, RoundId, UnitId};
use crate::domain::people::Role;
use crate::domain::round_actions::{self, RoundAction};
use crate::domain::text_limits::TextField;
use crate::storage::assignments::{self, Options, Version};
use crate::storage::{self, rounds};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::rounds::{load_round, parse_round_id};
use crate::web::handlers::sampling::fresh_seed;
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

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

fn teams_view(
    problem: &Problem,
    version: &Version,
    unit_names: &BTreeMap<UnitId, String>,
) -> Value {
    let unit_of = |unit: UnitId| {
        unit_names
            .get(&unit)
            .map_or_else(|| problem.unit_name(unit), String::as_str)
    };
    let explanation = explain(problem, &version.assignment);
    let teams: Vec<Value> = explanation
        .teams
        .iter()
        .map(|team| {
            let members: Vec<Value> = team
                .members
                .iter()
                .map(|member| {
                    let reviewer = problem.reviewer(member.reviewer);
                    json!({
                        "id": member.reviewer.to_string(),
                        "name": problem.reviewer_name(member.reviewer),
                        "unit": reviewer.map_or("", |r| unit_of(r.unit)),
                        "is_leader": member.reviewer == team.leader,
                        "load": member.load, "capacity": member.capacity, "text": member.text,
                    })
                })
                .collect();
            let units: Vec<&str> = team
                .units
                .iter()
                .map(|unit| problem.unit_name(*unit))
                .collect();
            let placements: Vec<Value> = explanation
                .placements
                .iter()
                .filter(|placement| {
                    team.members
                        .iter()
                        .any(|member| member.reviewer == placement.reviewer)
                })
                .map(|placement| {
                    let file = problem.file(placement.file);
                    json!({
                        "file": placement.file.to_string(),
                        "case_number": problem.case_number(placement.file),
                        "case_type": file.map_or("", |f| f.case_type.label()),
                        "unit": file.map_or("", |f| problem.unit_name(f.unit)),
                        "reviewer": problem.reviewer_name(placement.reviewer),
                        "reviewer_id": placement.reviewer.to_string(),
                        "reasons": placement.reasons,
                    })
                })
                .collect();
            json!({
                "number": team.number,
                "leader": problem.reviewer_name(team.leader),
                "units": units,
                "members": members,
                "summary": team.summary,
                "placement_count": placements.len(),
                "placements": placements,
            })
        })
        .collect();
    json!({
        "version": version.version,
        "status": version.status,
        "status_label": version_status_label(&version.status),
        "is_draft": version.status == "draft",
        "seed": version.assignment.seed.to_string(),
        "note": version.note,
        "created_at": version.created_at.format("%Y-%m-%d %H:%M").to_string(),
        "created_by": version.created_by,
        "quality": {
            "breaches": version.quality.hard_rule_breaches,
            "max_load": version.quality.max_load,
            "min_load": version.quality.min_load,
            "expertise": format!("{:.1}%", version.quality.expertise_match_rate * 100.0),
            "repeat": format!("{:.1}%", version.quality.repeat_pairing_rate * 100.0),
            "objective": version.quality.objective,
        },
        "teams": teams,
        "files": problem.files.len(),
        "reviews": version.assignment.placements.iter().map(|p| p.reviewers.len()).sum::<usize>(),
    })
}

fn version_status_label(status: &str) -> &'static str {
    match status {
        "published" => "已发布",
        "superseded" => "已被替换",
        _ => "草案",
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
    errors: Option<Vec<String>>,
) -> WebResult<HttpResponse> {
    let round = load_round(state, id).await?;
    let versions = state
        .db(move |conn| Ok(assignments::versions(conn, id)?))
        .await?;
    let published = versions
        .iter()
        .find(|version| version.status == "published");
    let selected = match shown {
        Some(number) => versions.iter().find(|version| version.version == number),
        None => versions.first(),
    };
    let names = unit_names(state).await?;
    let view = selected.map(|version| teams_view(&version.problem, version, &names));
    let changes: Vec<String> = match (selected, published) {
        (Some(selected), Some(published)) if selected.version != published.version => {
            diff(&published.assignment, &selected.assignment).lines(&selected.problem)
        }
        _ => Vec::new(),
    };
    let history: Vec<Value> = versions
        .iter()
        .map(|version| {
            json!({
                "version": version.version, "status": version.status,
                "status_label": version_status_label(&version.status),
                "created_at": version.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "created_by": version.created_by, "note": version.note,
                "breaches": version.quality.hard_rule_breaches, "objective": version.quality.objective,
            })
        })
        .collect();
    let reviewers: Vec<Value> = selected
        .map(|version| {
            version
                .problem
                .reviewers
                .iter()
                .map(|reviewer| {
                    let unit = names
                        .get(&reviewer.unit)
                        .map_or_else(|| version.problem.unit_name(reviewer.unit), String::as_str);
                    json!({ "id": reviewer.id.to_string(), "name": reviewer.name, "unit": unit })
                })
                .collect()
        })
        .unwrap_or_default();
    let is_admin = user.account.role == Role::BureauAdmin;
    let editable = round_actions::check(round.status, RoundAction::ChangeTeams).is_ok();
    let failed = errors.is_some();
    let response = page(
        request,
        "teams/show",
        "交叉检查组",
        Some(user),
        json!({
            "round": rounds::RoundView::from(&round),
            "view": view,
            "changes": changes,
            "history": history,
            "reviewers": reviewers,
            "can_generate": is_admin && editable,
            "can_publish": is_admin && editable && selected.is_some_and(|version| version.status != "published"),
            "can_change": is_admin && editable && selected.is_some(),
            "notice": notice,
            "errors": errors,
        }),
    )?;
    Ok(super::refused_if(failed, response))
}

pub async fn show(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<TeamsQuery>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let notice = match query.notice.as_deref() {
        Some("generated") => Some("已生成分组草案。请检查后发布。"),
        Some("published") => Some("分组已发布，评查员可在“我的评查工作”中看到本组和分到的案卷。"),
        Some("changed") => Some("已调整，生成了新的草案版本。"),
        _ => None,
    };
    teams_page(&request, &state, &user, id, query.version, notice, None).await
}

#[derive(Debug, Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    seed: Option<String>,
    #[serde(default)]
    team_min: Option<u32>,
    #[serde(default)]
    team_max: Option<u32>,
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    double_percent: Option<u32>,
}

impl GenerateForm {
    fn options(&self) -> Result<Options, String> {
        let seed = match self
            .seed
            .as_deref()
            .map(str::trim)
            .filter(|seed| !seed.is_empty())
        {
            Some(text) => text
                .parse()
                .map_err(|_| format!("随机种子须为非负整数：{text}"))?,
            None => fresh_seed().map_err(|error| error.message())?,
        };
        let defaults = Options::default();
        let team_min = self.team_min.unwrap_or(defaults.team_min);
        let team_max = self.team_max.unwrap_or(defaults.team_max);
        if team_min == 0 || team_min > team_max {
            return Err(format!("每组人数范围无效：{team_min}–{team_max}"));
        }
        let percent = self.double_percent.unwrap_or(20).min(100);
        Ok(Options {
            team_min,
            team_max,
            capacity: self.capacity.unwrap_or(defaults.capacity).max(1),
            double_review: if percent == 0 {
                DoubleReview::None
            } else {
                DoubleReview::Share {
                    per_mille: percent * 10,
                }
            },
            seed,
        })
    }
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
        .db(
            move |conn| match assignments::build_problem(conn, &round, options) {
                Ok(problem) => Ok(problem),
                Err(storage::Error::NotFound) => {
                    Err(WebError::Conflict("本轮尚未确定抽查清单，不能分组".into()))
                }
                Err(other) => Err(other.into()),
            },
        )
        .await?;
    let reasons = diagnose(&problem);
    if !reasons.is_empty() {
        return Ok(Err(reasons
            .into_iter()
            .map(|reason| reason.message)
            .collect()));
    }
    let solved =
        web::block(move || solve(&problem).map(|assignment| (problem, assignment))).await?;
    let (problem, assignment) = match solved {
        Ok(solved) => solved,
        Err(infeasible) => {
            return Ok(Err(infeasible
                .reasons
                .into_iter()
                .map(|reason| reason.message)
                .collect()));
        }
    };
    let actor = user.actor(request);
    let number = state
        .db(move |conn| {
            Ok(assignments::store_draft(
                conn,
                &actor,
                id,
                &problem,
                &assignment,
                None,
                storage::now(),
            )?)
        })
        .await?;
    Ok(Ok(number))
}

pub async fn generate(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<GenerateForm>,
) -> WebResult<HttpResponse> {
    let id = parse_round_id(&id)?;
    let options = match form.options() {
        Ok(options) => options,
        Err(message) => {
            return teams_page(&request, &state, &user, id, None, None, Some(vec![message])).await;
        }
    };
    match generate_version(&request, &state, &user, id, options).await? {
        Ok(number) => Ok(see_other(&format!(
            "/rounds/{id}/teams?version={number}&notice=generated"
        ))),
        Err(reasons) => teams_page(&request, &state, &user, id, None, None, Some(reasons)).await,
    }
}

fn parse_version(raw: &str) -> WebResult<i32> {
    raw.parse().map_err(|_| WebError::NotFound)
}

pub async fn publish(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_raw, version_raw) = path.into_inner();
    let id = parse_round_id(&round_raw)?;
    let number = parse_version(&version_raw)?;
    let round = load_round(&state, id).await?;
    round_actions::check(round.status, RoundAction::ChangeTeams)
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            let version = assignments::version(conn, id, number)?;
            if version.quality.hard_rule_breaches > 0 && version.note.is_none() {
                return Err(WebError::Conflict(
                    "该版本违反硬性规则且没有记录理由，不能发布".into(),
                ));
            }
            Ok(assignments::publish(
                conn,
                &actor,
                id,
                number,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other(&format!("/rounds/{id}/teams?notice=published")))
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    kind: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    first: Option<String>,
    #[serde(default)]
    second: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

fn person(text: Option<&str>, label: &str) -> Result<PersonId, String> {
    text.and_then(|text| text.trim().parse().ok())
        .ok_or_else(|| format!("请选择{label}"))
}

impl ChangeForm {
    fn change(&self) -> Result<Change, String> {
        TextField::AssignmentNote
            .check_optional(self.reason.as_deref())
            .map_err(|error| error.to_string())?;
        let first = person(self.first.as_deref(), "评查员")?;
        let second = person(self.second.as_deref(), "另一名评查员")?;
        match self.kind.as_str() {
            "move_file" => {
                let file: CaseFileId = self
                    .file
                    .as_deref()
                    .and_then(|text| text.trim().parse().ok())
                    .ok_or("请选择案卷")?;
                Ok(Change::MoveFile {
                    file,
                    from: first,
                    to: second,
                })
            }
            "swap" => Ok(Change::SwapReviewers { first, second }),
            "replace" => Ok(Change::ReplaceMember {
                out: first,
                replacement: second,
            }),
            other => Err(format!("未知的调整方式：{other}")),
        }
    }
}

/// POST /rounds/{id}/teams/{version}/change: a manual change, re-checked at once. A hard-rule
/// breach is refused unless a reason is given, which goes to the audit log.
pub async fn change(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<ChangeForm>,
) -> WebResult<HttpResponse> {
    let (round_raw, version_raw) = path.into_inner();
    let id = parse_round_id(&round_raw)?;
    let number = parse_version(&version_raw)?;
    let change = match form.change() {
        Ok(change) => change,
        Err(message) => {
            return teams_page(
                &request,
                &state,
                &user,
                id,
                Some(number),
                None,
                Some(vec![message]),
            )
            .await;
        }
    };
    let reason = form
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|reason| !reason.is_empty())
        .map(str::to_string);
    let actor = user.actor(&request);
    let outcome = state
        .db(move |conn| {
            let version = assignments::version(conn, id, number)?;
            let next = match check_change(&version.problem, &version.assignment, change) {
                Ok(next) => (next, None),
                Err(breaches) => {
                    let messages: Vec<String> = breaches
                        .iter()
                        .map(|breach| breach.message.clone())
                        .collect();
                    let Some(reason) = reason.clone() else {
                        return Ok(Err(messages));
                    };
                    let applied = crate::domain::assignment::apply_change(
                        &version.problem,
                        &version.assignment,
                        change,
                    )
                    .map_err(|breach| WebError::Conflict(breach.message))?;
                    assignments::record_override(
                        conn,
                        &actor,
                        id,
                        &reason,
                        &messages,
                        storage::now(),
                    )?;
                    (applied, Some(format!("管理员越过规则调整：{reason}")))
                }
            };
            let number = assignments::store_draft(
                conn,
                &actor,
                id,
                &version.problem,
                &next.0,
                next.1.as_deref(),
                storage::now(),
            )?;
            Ok(Ok(number))
        })
        .await?;
    match outcome {
        Ok(number) => Ok(see_other(&format!(
            "/rounds/{id}/teams?version={number}&notice=changed"
        ))),
        Err(breaches) => {
            let mut messages = vec![
                "调整违反硬性规则，未保存。如确需调整，请填写理由后再提交（理由将记入审计日志）："
                    .to_string(),
            ];
            messages.extend(breaches);
            let response = teams_page(
                &request,
                &state,
                &user,
                id,
                Some(number),
                None,
                Some(messages),
            )
            .await?;
            let mut response = response;
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
        "交叉检查组.xlsx",
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
    Ok(HttpResponse::Ok().json(teams_view(&version.problem, &version, &names)))
}

/// GET /my/work: a reviewer's teams and files in every published assignment.
pub async fn mine(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let person = user.account.person_id;
    let rounds_of_mine = state
        .db(move |conn| {
            let Some(person) = person else {
                return Ok(Vec::new());
            };
            let mut found = Vec::new();
            for round in rounds::list(conn)? {
                let Some(version) = assignments::published(conn, round.id)? else {
                    continue;
                };
                let Some(team) = version.assignment.teams.iter().find(|team| team.members.contains(&person)) else {
                    continue;
                };
                let problem = &version.problem;
                let members: Vec<Value> = team
                    .members
                    .iter()
                    .map(|member| json!({ "name": problem.reviewer_name(*member), "is_leader": *member == team.leader, "is_me": *member == person }))
                    .collect();
                let my_sheets = crate::storage::sheets::for_reviewer(conn, round.id, person)?;
                let states = super::sheets::states_by_file(&my_sheets);
                let files: Vec<Value> = version
                    .assignment
                    .placements
                    .iter()
                    .filter(|placement| placement.reviewers.contains(&person))
                    .filter_map(|placement| problem.file(placement.file))
                    .map(|file| {
                        let (state, total) = states.get(&file.id).cloned().unwrap_or(("未开始", None));
                        json!({ "id": file.id.to_string(), "case_number": file.case_number, "case_type": file.case_type.label(),
                                "unit": problem.unit_name(file.unit), "double": file.reviewers_needed > 1,
                                "state": state, "total": total })
                    })
                    .collect();
                let units: Vec<&str> = team.units.iter().map(|unit| problem.unit_name(*unit)).collect();
                found.push(json!({
                    "round": rounds::RoundView::from(&round),
                    "team": team.number,
                    "is_leader": team.leader == person,
                    "units": units,
                    "members": members,
                    "files": files,
                }));
            }
            Ok(found)
        })
        .await?;
    page(
        &request,
        "teams/mine",
        "我的评查工作",
        Some(&user),
        json!({ "rounds": rounds_of_mine, "has_person": person.is_some() }),
    )
}
