//! Rectification (整改) pages and API: the bureau's overview (overdue first), a round's
//! findings and draft notices, issuing with a number from the bureau's sequence, verifying
//! or sending back each finding, closing and 回头看; the unit's measures, evidence and
//! report; evidence and notice PDF downloads. A center manager reaches only their own unit:
//! every per-object check goes through the storage scope and answers 403 otherwise.

use crate::documents;
use crate::domain::UnitScope;
use crate::domain::doc_number::DocNumberFormat;
use crate::domain::evidence::{self, EvidenceKind};
use crate::domain::findings::{FindingSource, Severity, typical_problems};
use crate::domain::ids::{FindingId, NoticeId, RoundId};
use crate::domain::people::Role;
use crate::domain::rectification::{
    Action, DEFAULT_RECTIFICATION_DAYS, RectificationState, deadline_alert,
};
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::{self, RoundAction};
use crate::domain::rubric::Points;
use crate::domain::text_limits::{TextField, check_all};
use crate::storage::rectification::{
    self, ActError, AddFindingError, BureauSettings, Caller, FindingFilter, ManualFinding, Notice,
    StoredFinding,
};
use crate::storage::{self, rounds};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::rounds::{load_round, parse_round_id};
use crate::web::handlers::{page, see_other};
use crate::web::upload;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub use crate::app::document_data::check_notice_templates;

fn parse_notice(raw: &str) -> WebResult<NoticeId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

fn parse_finding(raw: &str) -> WebResult<FindingId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

fn caller(request: &HttpRequest, user: &CurrentUser) -> WebResult<Caller> {
    Ok(Caller {
        actor: user.actor(request),
        account: user.account.clone(),
        scope: user.scope()?,
    })
}

impl From<ActError> for WebError {
    fn from(error: ActError) -> Self {
        use crate::domain::rectification::TransitionError as T;
        match error {
            ActError::Transition(T::RoleNotAllowed { .. }) => WebError::Forbidden,
            ActError::Transition(
                error @ (T::MissingMeasures { .. }
                | T::MissingReason { .. }
                | T::NotForSubject { .. }),
            ) => WebError::BadRequest(error.to_string()),
            ActError::Transition(error) => WebError::Conflict(error.to_string()),
            ActError::Refused(message) => WebError::Conflict(message),
            ActError::Storage(error) => error.into(),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(error: ActError) -> Self {
        ApiError(error.into())
    }
}

// ---------------------------------------------------------------------------------------
// Views

fn alert_view(state: RectificationState, deadline: Option<chrono::NaiveDate>) -> Value {
    let alert = deadline.and_then(|deadline| deadline_alert(state, deadline, storage::today()));
    json!({
        "overdue": matches!(alert, Some(crate::domain::rectification::DeadlineAlert::Overdue(_))),
        "text": alert.map(|alert| alert.describe()),
    })
}

fn notice_view(notice: &Notice) -> Value {
    json!({
        "id": notice.id, "round_id": notice.round_id, "round_name": notice.round_name,
        "unit_id": notice.unit_id, "unit_name": notice.unit_name,
        "state": notice.state.code(), "state_label": notice.state.notice_label(),
        "doc_number": notice.doc_number, "issued_on": notice.issued_on,
        "deadline": notice.deadline, "days": notice.days, "report": notice.report,
        "follow_up_round_id": notice.follow_up_round_id, "follow_up_note": notice.follow_up_note,
        "alert": alert_view(notice.state, notice.counted_deadline),
        "is_draft": notice.state == RectificationState::Draft,
    })
}

fn finding_view(stored: &StoredFinding) -> Value {
    let finding = &stored.finding;
    json!({
        "id": finding.id, "round_id": finding.round_id, "case_file_id": finding.case_file_id,
        "case_no": stored.case_no, "unit_id": finding.unit_id, "unit_name": stored.unit_name,
        "item_code": finding.item_code, "item_text": finding.item_text,
        "handler_name": finding.handler_name, "law_firm_name": finding.law_firm_name,
        "points_deducted": finding.points_deducted.to_string(),
        "reason": finding.reason, "page_ref": finding.page_ref,
        "source": finding.source.code(), "source_label": finding.source.label(),
        "severity": finding.severity.code(), "severity_label": finding.severity.label(),
        "state": stored.state.code(), "state_label": stored.state.label(),
        "measures": stored.measures, "notice_id": stored.notice_id, "reasons": stored.reasons,
        "objection": stored.objection,
    })
}

/// A finding's own deadline alert: the notice's deadline, stopped while an objection to the
/// finding is open and extended by the days it was open once decided.
fn finding_alert_view(stored: &StoredFinding, deadline: Option<chrono::NaiveDate>) -> Value {
    let deadline = deadline.and_then(|deadline| match &stored.objection {
        Some(objection) => crate::domain::rectification::deadline_under_objection(
            deadline,
            objection.open,
            u32::try_from(objection.days_open).unwrap_or(0),
        ),
        None => Some(deadline),
    });
    let mut view = alert_view(stored.state, deadline);
    if let Value::Object(map) = &mut view {
        map.insert("deadline".into(), json!(deadline));
        map.insert(
            "paused".into(),
            json!(
                stored
                    .objection
                    .as_ref()
                    .is_some_and(|objection| objection.open)
            ),
        );
    }
    view
}

/// Overdue first, then the nearest deadline, then drafts.
fn overview_order(notices: &mut [Notice]) {
    let today = storage::today();
    notices.sort_by_key(|notice| {
        let overdue = notice.counted_deadline.is_some_and(|deadline| {
            crate::domain::rectification::is_overdue(notice.state, deadline, today)
        });
        (
            !overdue,
            notice.deadline.is_none(),
            notice.deadline,
            notice.unit_name.clone(),
        )
    });
}

// ---------------------------------------------------------------------------------------
// Overview

async fn overview_data(state: &AppState, user: &CurrentUser) -> WebResult<Vec<Notice>> {
    let scope = user.scope()?;
    let mut notices = state
        .db(move |conn| Ok(rectification::notices(conn, scope, None)?))
        .await?;
    overview_order(&mut notices);
    Ok(notices)
}

pub async fn overview(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let notices = overview_data(&state, &user).await?;
    let rounds = if user.account.role == Role::CenterManager {
        Vec::new()
    } else {
        state.db(|conn| Ok(rounds::list(conn)?)).await?
    };
    let rounds: Vec<Value> = rounds
        .iter()
        .filter(|round| round.status >= RoundStatus::Reviewing)
        .map(|round| json!({ "id": round.id, "name": round.settings.name, "status_label": round.status.label() }))
        .collect();
    let views: Vec<Value> = notices.iter().map(notice_view).collect();
    page(
        &request,
        "rectification/overview",
        "整改通知书",
        Some(&user),
        json!({
            "notices": views,
            "rounds": rounds,
            "is_admin": user.account.role == Role::BureauAdmin,
            "is_manager": user.account.role == Role::CenterManager,
        }),
    )
}

pub async fn api_overview(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let notices = overview_data(&state, &user).await?;
    let views: Vec<Value> = notices.iter().map(notice_view).collect();
    Ok(HttpResponse::Ok().json(json!({ "notices": views })))
}

// ---------------------------------------------------------------------------------------
// A round's findings (administrators and leadership)

async fn round_findings_data(state: &AppState, round_id: RoundId) -> WebResult<Value> {
    let round = load_round(state, round_id).await?;
    let (findings, notices) = state
        .db(move |conn| {
            let findings = rectification::list_findings(
                conn,
                UnitScope::All,
                FindingFilter {
                    round: Some(round_id),
                    ..Default::default()
                },
            )?;
            let notices = rectification::notices(conn, UnitScope::All, Some(round_id))?;
            Ok((findings, notices))
        })
        .await?;
    let plain: Vec<_> = findings
        .iter()
        .map(|stored| stored.finding.clone())
        .collect();
    let names: BTreeMap<_, _> = findings
        .iter()
        .map(|stored| (stored.finding.unit_id, stored.unit_name.clone()))
        .collect();
    let typical: Vec<Value> = typical_problems(&plain, 10)
        .into_iter()
        .map(|problem| {
            let units: Vec<String> = problem
                .units
                .iter()
                .filter_map(|unit| names.get(unit).cloned())
                .collect();
            json!({
                "item_code": problem.item_code, "item_text": problem.item_text,
                "count": problem.count, "file_count": problem.file_count,
                "points": problem.points_deducted.to_string(), "units": units.join("、"),
            })
        })
        .collect();
    let mut handlers: Vec<_> = crate::domain::findings::by_handler(&plain)
        .into_iter()
        .collect();
    // Most findings first; the grouping's order (name, firm) breaks ties.
    handlers.sort_by_key(|(_, group)| std::cmp::Reverse(group.len()));
    let by_handler: Vec<Value> = handlers
        .into_iter()
        .map(|(handler, group)| {
            json!({
                "handler": handler.handler_name, "firm": handler.law_firm_name,
                "count": group.len(),
            })
        })
        .collect();
    let mut by_unit: Vec<Value> = Vec::new();
    for (unit, group) in crate::domain::findings::by_unit(&plain) {
        let notice = notices.iter().find(|notice| notice.unit_id == unit);
        let rows: Vec<Value> = findings
            .iter()
            .filter(|stored| stored.finding.unit_id == unit)
            .map(finding_view)
            .collect();
        by_unit.push(json!({
            "unit_id": unit, "unit_name": names.get(&unit), "count": group.len(),
            "notice": notice.map(notice_view), "findings": rows,
        }));
    }
    Ok(json!({
        "round": { "id": round.id, "name": round.settings.name, "status": round.status.code(),
                   "status_label": round.status.label(), "rectification_days": round.settings.rectification_days },
        "finding_count": findings.len(),
        "typical": typical,
        "by_handler": by_handler,
        "units": by_unit,
    }))
}

pub async fn round_findings(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let mut data = round_findings_data(&state, round_id).await?;
    if let Value::Object(map) = &mut data {
        map.insert(
            "is_admin".into(),
            json!(user.account.role == Role::BureauAdmin),
        );
        map.insert("notice".into(), json!(query_notice(&request)));
    }
    page(
        &request,
        "rectification/round",
        "问题与整改",
        Some(&user),
        data,
    )
}

pub async fn api_round_findings(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    Ok(HttpResponse::Ok().json(round_findings_data(&state, round_id).await?))
}

fn query_notice(request: &HttpRequest) -> Option<&'static str> {
    let query = request.query_string();
    [
        (
            "generated",
            "已根据评分表生成问题（重复生成不会产生重复问题）。",
        ),
        ("drafted", "已为有问题的单位起草整改通知书。"),
        ("added", "问题已添加。"),
        ("issued", "整改通知书已下发。"),
        ("saved", "已保存。"),
        ("uploaded", "佐证材料已上传。"),
        ("done", "操作已完成。"),
        ("closed", crate::app::messages::NOTICE_CLOSED),
    ]
    .into_iter()
    .find(|(key, _)| query == format!("notice={key}"))
    .map(|(_, text)| text)
}

async fn generate(
    state: &AppState,
    actor: storage::audit::Actor,
    round_id: RoundId,
) -> WebResult<usize> {
    let round = load_round(state, round_id).await?;
    round_actions::check(round.status, RoundAction::GenerateFindings)
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    state
        .db(move |conn| {
            Ok(rectification::generate_findings(
                conn,
                &actor,
                round_id,
                storage::now(),
            )?)
        })
        .await
}

pub async fn generate_findings(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    generate(&state, user.actor(&request), round_id).await?;
    Ok(see_other(&format!(
        "/rounds/{round_id}/rectification?notice=generated"
    )))
}

pub async fn api_generate_findings(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    let added = generate(&state, user.actor(&request), round_id).await?;
    Ok(HttpResponse::Ok().json(json!({ "added": added })))
}

async fn draft(
    state: &AppState,
    actor: storage::audit::Actor,
    round_id: RoundId,
) -> WebResult<usize> {
    let round = load_round(state, round_id).await?;
    round_actions::check(round.status, RoundAction::DraftNotices)
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    state
        .db(move |conn| {
            Ok(rectification::draft_notices(
                conn,
                &actor,
                &round,
                storage::now(),
            )?)
        })
        .await
}

pub async fn draft_notices(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    draft(&state, user.actor(&request), round_id).await?;
    Ok(see_other(&format!(
        "/rounds/{round_id}/rectification?notice=drafted"
    )))
}

pub async fn api_draft_notices(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    let created = draft(&state, user.actor(&request), round_id).await?;
    Ok(HttpResponse::Ok().json(json!({ "created": created })))
}

/// The files the caller may add findings to: every sampled file for an administrator; for
/// a reviewer, the files reviewed by a team they lead in this round (组长), and 403 when they
/// lead none.
async fn files_for_findings(
    state: &AppState,
    user: &CurrentUser,
    round: RoundId,
) -> WebResult<Vec<rectification::SampledFile>> {
    let role = user.account.role;
    let person = user.account.person_id;
    state
        .db(move |conn| {
            let sampled = rectification::sampled_files(conn, round)?;
            if role == Role::BureauAdmin {
                return Ok(sampled);
            }
            let person = person.ok_or(WebError::Forbidden)?;
            let published =
                crate::storage::assignments::published(conn, round)?.ok_or(WebError::Forbidden)?;
            let teams: Vec<_> = published
                .assignment
                .teams
                .iter()
                .filter(|team| team.leader == person)
                .collect();
            if teams.is_empty() {
                return Err(WebError::Forbidden);
            }
            let files: std::collections::BTreeSet<_> = published
                .assignment
                .placements
                .iter()
                .filter(|placement| {
                    placement
                        .reviewers
                        .iter()
                        .any(|reviewer| teams.iter().any(|team| team.members.contains(reviewer)))
                })
                .map(|placement| placement.file)
                .collect();
            Ok(sampled
                .into_iter()
                .filter(|file| files.contains(&file.id))
                .collect())
        })
        .await
}

/// The form for a finding of one's own (组长补充 / 管理员补充).
pub async fn new_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let round = load_round(&state, round_id).await?;
    let files = files_for_findings(&state, &user, round_id).await?;
    let severities: Vec<Value> = Severity::ALL
        .iter()
        .map(|severity| json!({ "code": severity.code(), "label": severity.label() }))
        .collect();
    page(
        &request,
        "rectification/new_finding",
        "补充问题",
        Some(&user),
        json!({
            "round": { "id": round.id, "name": round.settings.name },
            "files": files,
            "severities": severities,
            "is_admin": user.account.role == Role::BureauAdmin,
            "notice_message": query_notice(&request),
        }),
    )
}

#[derive(Debug, Deserialize)]
pub struct FindingForm {
    case_file: String,
    item_code: String,
    item_text: String,
    reason: String,
    points: Option<String>,
    page_ref: Option<String>,
    severity: Option<String>,
}

/// Adds a finding of the caller's own to a file they may reach (see [`files_for_findings`]).
pub async fn add_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<FindingForm>,
) -> WebResult<HttpResponse> {
    let round = parse_round_id(&id)?;
    let form = form.into_inner();
    let case_file: crate::domain::ids::CaseFileId = form
        .case_file
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("请选择案卷".to_string()))?;
    let allowed = files_for_findings(&state, &user, round).await?;
    if !allowed.iter().any(|file| file.id == case_file) {
        return Err(WebError::Forbidden);
    }
    let points = match form
        .points
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        Some(text) => text
            .parse::<Points>()
            .map_err(|_| WebError::BadRequest(format!("扣分“{text}”不是分数")))?,
        None => Points::ZERO,
    };
    let severity = match form
        .severity
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        Some(text) => text
            .parse::<Severity>()
            .map_err(|_| WebError::BadRequest(format!("问题性质“{text}”无法识别")))?,
        None => Severity::Minor,
    };
    let source = if user.account.role == Role::BureauAdmin {
        FindingSource::AddedByAdmin
    } else {
        FindingSource::AddedByTeamLeader
    };
    let input = ManualFinding {
        round,
        case_file,
        item_code: form.item_code,
        item_text: form.item_text,
        reason: form.reason,
        points,
        page_ref: form
            .page_ref
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty()),
        severity,
        source,
    };
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            rectification::add_finding(conn, &actor, &input, storage::now()).map_err(|error| {
                match error {
                    AddFindingError::Storage(error) => error.into(),
                    other => WebError::BadRequest(other.to_string()),
                }
            })
        })
        .await?;
    Ok(see_other(&format!(
        "/rounds/{round}/findings/new?notice=added"
    )))
}

// ---------------------------------------------------------------------------------------
// One notice

struct NoticePage {
    notice: Notice,
    findings: Vec<StoredFinding>,
    others: Vec<StoredFinding>,
    history: Vec<rectification::HistoryLine>,
    evidence: Vec<rectification::EvidenceMeta>,
    later_rounds: Vec<Value>,
}

async fn notice_data(state: &AppState, user: &CurrentUser, id: NoticeId) -> WebResult<NoticePage> {
    let scope = user.scope()?;
    let admin = user.account.role == Role::BureauAdmin;
    state
        .db(move |conn| {
            let notice = rectification::notice(conn, scope, id)?;
            let findings = rectification::list_findings(
                conn,
                scope,
                FindingFilter {
                    notice: Some(id),
                    ..Default::default()
                },
            )?;
            // The unit's other findings of the round, which the administrator may add to a draft.
            let others = if admin && notice.state == RectificationState::Draft {
                rectification::list_findings(
                    conn,
                    scope,
                    FindingFilter {
                        round: Some(notice.round_id),
                        unit: Some(notice.unit_id),
                        ..Default::default()
                    },
                )?
                .into_iter()
                .filter(|stored| stored.notice_id.is_none())
                .collect()
            } else {
                Vec::new()
            };
            let history = rectification::history(conn, id)?;
            let evidence = rectification::evidence_for_notice(conn, id)?;
            let this_round = rounds::find(conn, notice.round_id)?;
            let later_rounds = if admin {
                rounds::list(conn)?
                    .into_iter()
                    .filter(|round| round.settings.period_start > this_round.settings.period_end)
                    .map(|round| json!({ "id": round.id, "name": round.settings.name }))
                    .collect()
            } else {
                Vec::new()
            };
            Ok(NoticePage {
                notice,
                findings,
                others,
                history,
                evidence,
                later_rounds,
            })
        })
        .await
}

fn notice_json(data: &NoticePage) -> Value {
    let findings: Vec<Value> = data
        .findings
        .iter()
        .map(|stored| {
            let mut view = finding_view(stored);
            let files: Vec<&rectification::EvidenceMeta> = data
                .evidence
                .iter()
                .filter(|file| file.finding_id == stored.finding.id)
                .collect();
            if let Value::Object(map) = &mut view {
                map.insert("evidence".into(), json!(files));
                map.insert(
                    "alert".into(),
                    finding_alert_view(stored, data.notice.deadline),
                );
            }
            view
        })
        .collect();
    json!({
        "notice": notice_view(&data.notice),
        "finding_count": findings.len(),
        "findings": findings,
        "history": data.history,
    })
}

pub async fn show_notice(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let data = notice_data(&state, &user, id).await?;
    let mut view = notice_json(&data);
    let role = user.account.role;
    let state_now = data.notice.state;
    let unit_works = matches!(
        state_now,
        RectificationState::Issued | RectificationState::InProgress | RectificationState::Returned
    );
    let others: Vec<Value> = data.others.iter().map(finding_view).collect();
    if let Value::Object(map) = &mut view {
        map.insert("others".into(), json!(others));
        map.insert("later_rounds".into(), json!(data.later_rounds));
        map.insert("is_admin".into(), json!(role == Role::BureauAdmin));
        map.insert("is_manager".into(), json!(role == Role::CenterManager));
        map.insert(
            "can_issue".into(),
            json!(role == Role::BureauAdmin && state_now == RectificationState::Draft),
        );
        map.insert(
            "can_report".into(),
            json!(role == Role::CenterManager && unit_works),
        );
        map.insert(
            "can_review".into(),
            json!(role == Role::BureauAdmin && state_now == RectificationState::Submitted),
        );
        map.insert("can_pdf".into(), json!(data.notice.doc_number.is_some()));
        map.insert("default_days".into(), json!(data.notice.days));
        map.insert("notice_message".into(), json!(query_notice(&request)));
    }
    let title = data
        .notice
        .doc_number
        .clone()
        .unwrap_or_else(|| format!("{}整改通知书（草稿）", data.notice.unit_name));
    page(&request, "rectification/notice", &title, Some(&user), view)
}

pub async fn api_show_notice(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_notice(&id)?;
    let data = notice_data(&state, &user, id).await?;
    Ok(HttpResponse::Ok().json(notice_json(&data)))
}

#[derive(Debug, Deserialize)]
pub struct SelectForm {
    finding: String,
    selected: String,
}

pub async fn select(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<SelectForm>,
) -> WebResult<HttpResponse> {
    let notice = parse_notice(&id)?;
    let finding =
        parse_finding(&form.finding).map_err(|_| WebError::BadRequest("请选择问题".to_string()))?;
    let selected = form.selected == "1";
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            Ok(rectification::set_selected(
                conn,
                &actor,
                notice,
                finding,
                selected,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other(&format!("/notices/{notice}")))
}

fn parse_days(raw: Option<&str>) -> WebResult<u32> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(WebError::BadRequest("请填写整改期限（天数）".to_string()));
    }
    match text.parse::<u32>() {
        Ok(days) if (1..=365).contains(&days) => Ok(days),
        _ => Err(WebError::BadRequest(format!(
            "整改期限“{text}”须为 1 至 365 之间的天数"
        ))),
    }
}

async fn issue_notice(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: NoticeId,
    days: u32,
) -> WebResult<Notice> {
    let caller = caller(request, user)?;
    let fonts = state.fonts()?;
    let user = user.clone();
    state
        .db(move |conn| {
            let issuer = crate::web::handlers::verify::issuer(conn, &user)?;
            crate::app::issuing::issue_notice(
                conn,
                &caller,
                id,
                days,
                storage::today(),
                storage::now(),
                &fonts,
                &issuer,
            )
            .map(|(notice, _)| notice)
            .map_err(|error| match error {
                crate::app::issuing::NoticeIssueError::Act(error) => error.into(),
                crate::app::issuing::NoticeIssueError::Storage(error) => error.into(),
                refused => WebError::BadRequest(refused.to_string()),
            })
        })
        .await
}

#[derive(Debug, Deserialize)]
pub struct IssueForm {
    days: Option<String>,
}

pub async fn issue(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<IssueForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let days = parse_days(form.days.as_deref())?;
    issue_notice(&state, &request, &user, id, days).await?;
    Ok(see_other(&format!("/notices/{id}?notice=issued")))
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    text: Option<String>,
}

fn text_of(form: &TextForm) -> String {
    form.text.clone().unwrap_or_default()
}

async fn on_notice(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: NoticeId,
    action: Action,
    report: Option<String>,
) -> WebResult<RectificationState> {
    let caller = caller(request, user)?;
    state
        .db(move |conn| {
            Ok(rectification::act_on_notice(
                conn,
                &caller,
                id,
                &action,
                report.as_deref(),
                storage::now(),
            )?)
        })
        .await
}

async fn on_finding(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    action: Action,
) -> WebResult<(RectificationState, Option<NoticeId>)> {
    let caller = caller(request, user)?;
    state
        .db(move |conn| {
            let to = rectification::act_on_finding(conn, &caller, id, &action, storage::now())?;
            let notice = rectification::finding(conn, caller.scope, id)?.notice_id;
            Ok((to, notice))
        })
        .await
}

/// The unit submits its 整改报告 (the report text comes with it).
pub async fn submit_report(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    on_notice(
        &state,
        &request,
        &user,
        id,
        Action::Submit,
        Some(text_of(&form)),
    )
    .await?;
    Ok(see_other(&format!("/notices/{id}?notice=done")))
}

pub async fn send_back_notice(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let action = Action::SendBack {
        reason: text_of(&form),
    };
    on_notice(&state, &request, &user, id, action, None).await?;
    Ok(see_other(&format!("/notices/{id}?notice=done")))
}

pub async fn close_notice(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    on_notice(&state, &request, &user, id, Action::Close, None).await?;
    Ok(see_other(&format!("/notices/{id}?notice=closed")))
}

#[derive(Debug, Deserialize)]
pub struct FollowUpForm {
    round: Option<String>,
    note: Option<String>,
}

pub async fn follow_up(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<FollowUpForm>,
) -> WebResult<HttpResponse> {
    let id = parse_notice(&id)?;
    let round: RoundId = form
        .round
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("请选择“回头看”所在的评查轮次".to_string()))?;
    let note = form.note.clone().unwrap_or_default();
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            Ok(rectification::schedule_follow_up(
                conn,
                &actor,
                id,
                round,
                &note,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other(&format!("/notices/{id}?notice=saved")))
}

// ---------------------------------------------------------------------------------------
// One finding

pub async fn show_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let view = finding_json(&state, &user, id).await?;
    let role = user.account.role;
    let finding_state: RectificationState = view["finding"]["state"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .map_err(WebError::internal)?;
    let mut view = view;
    if let Value::Object(map) = &mut view {
        let unit_works = matches!(
            finding_state,
            RectificationState::Issued
                | RectificationState::InProgress
                | RectificationState::Returned
        );
        map.insert(
            "can_work".into(),
            json!(role == Role::CenterManager && unit_works),
        );
        map.insert(
            "can_review".into(),
            json!(role == Role::BureauAdmin && finding_state == RectificationState::Submitted),
        );
        map.insert("notice_message".into(), json!(query_notice(&request)));
        map.insert(
            "max_mb".into(),
            json!(evidence::MAX_EVIDENCE_BYTES / 1024 / 1024),
        );
    }
    page(
        &request,
        "rectification/finding",
        "问题整改",
        Some(&user),
        view,
    )
}

async fn finding_json(state: &AppState, user: &CurrentUser, id: FindingId) -> WebResult<Value> {
    let scope = user.scope()?;
    state
        .db(move |conn| {
            let stored = rectification::finding(conn, scope, id)?;
            // A center manager sees a finding only once it is on an issued notice.
            let notice = match stored.notice_id {
                Some(notice) => Some(rectification::notice(conn, scope, notice)?),
                None if matches!(scope, UnitScope::Unit(_)) => return Err(WebError::Forbidden),
                None => None,
            };
            let evidence: Vec<rectification::EvidenceMeta> = match &notice {
                Some(notice) => rectification::evidence_for_notice(conn, notice.id)?
                    .into_iter()
                    .filter(|file| file.finding_id == id)
                    .collect(),
                None => Vec::new(),
            };
            let history: Vec<rectification::HistoryLine> = match &notice {
                Some(notice) => rectification::history(conn, notice.id)?
                    .into_iter()
                    .filter(|line| line.finding_id.as_deref() == Some(id.to_string().as_str()))
                    .collect(),
                None => Vec::new(),
            };
            Ok(json!({
                "finding": finding_view(&stored),
                "notice": notice.as_ref().map(notice_view),
                "evidence": evidence,
                "history": history,
            }))
        })
        .await
}

pub async fn api_show_finding(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    Ok(HttpResponse::Ok().json(finding_json(&state, &user, id).await?))
}

async fn save_measures_for(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    measures: String,
) -> WebResult<()> {
    if measures.trim().is_empty() {
        return Err(WebError::BadRequest("整改措施不能为空".to_string()));
    }
    let caller = caller(request, user)?;
    state
        .db(move |conn| {
            Ok(rectification::save_measures(
                conn,
                &caller,
                id,
                &measures,
                storage::now(),
            )?)
        })
        .await
}

pub async fn save_measures(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    save_measures_for(&state, &request, &user, id, text_of(&form)).await?;
    Ok(see_other(&format!("/findings/{id}?notice=saved")))
}

pub async fn submit_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let (_, notice) = on_finding(&state, &request, &user, id, Action::Submit).await?;
    Ok(see_other(&notice.map_or_else(
        || format!("/findings/{id}"),
        |notice| format!("/notices/{notice}?notice=done"),
    )))
}

pub async fn verify_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let comment = Some(text_of(&form));
    let (_, notice) = on_finding(&state, &request, &user, id, Action::Verify { comment }).await?;
    Ok(see_other(&notice.map_or_else(
        || format!("/findings/{id}"),
        |notice| format!("/notices/{notice}?notice=done"),
    )))
}

pub async fn send_back_finding(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<TextForm>,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    let action = Action::SendBack {
        reason: text_of(&form),
    };
    let (_, notice) = on_finding(&state, &request, &user, id, action).await?;
    Ok(see_other(&notice.map_or_else(
        || format!("/findings/{id}"),
        |notice| format!("/notices/{notice}?notice=done"),
    )))
}

// ---------------------------------------------------------------------------------------
// Evidence

async fn store_evidence(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: FindingId,
    payload: crate::web::upload::Parts,
) -> WebResult<String> {
    let too_large = format!(
        "文件超过大小限制（最大 {} MB），未保存",
        evidence::MAX_EVIDENCE_BYTES / 1024 / 1024
    );
    let form = upload::read(payload, evidence::MAX_EVIDENCE_BYTES, &too_large).await?;
    let file = form
        .file("file")
        .ok_or_else(|| WebError::BadRequest("请选择要上传的佐证材料文件".to_string()))?;
    let kind: EvidenceKind = evidence::check(&file.file_name, &file.bytes)
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let file_name = file.file_name.clone();
    let bytes = file.bytes.clone();
    let caller = caller(request, user)?;
    state
        .db(move |conn| {
            Ok(rectification::add_evidence(
                conn,
                &caller,
                id,
                &file_name,
                kind,
                &bytes,
                storage::now(),
            )?)
        })
        .await
}

pub async fn upload_evidence(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let id = parse_finding(&id)?;
    store_evidence(&state, &request, &user, id, payload).await?;
    Ok(see_other(&format!("/findings/{id}?notice=uploaded")))
}

pub async fn api_upload_evidence(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    payload: crate::web::upload::Parts,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    let evidence = store_evidence(&state, &request, &user, id, payload).await?;
    Ok(HttpResponse::Created().json(json!({ "id": evidence })))
}

/// Downloads an evidence file: the bureau, leadership, and the unit's own manager.
pub async fn download_evidence(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let id = id.into_inner();
    let (meta, bytes) = state
        .db(move |conn| Ok(rectification::evidence(conn, scope, &id)?))
        .await?;
    let kind = EvidenceKind::from_content_type(&meta.content_type)
        .ok_or_else(|| WebError::internal("stored evidence of unknown type"))?;
    Ok(crate::web::download::attachment(
        kind.content_type(),
        None,
        &meta.file_name,
        bytes,
    ))
}

// ---------------------------------------------------------------------------------------
// Notice PDF

/// The notice as the unit received it: the exact PDF stored when it was issued (never laid
/// out again from data that may have changed since).
pub async fn notice_pdf(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let id = parse_notice(&id)?;
    let actor = user.actor(&request);
    let fonts = state.fonts()?;
    let (bytes, number) = state
        .db(move |conn| {
            let notice = rectification::notice(conn, scope, id)?;
            let Some(number) = notice.doc_number.clone() else {
                return Err(WebError::Conflict(
                    "整改通知书尚未下发，没有正式文本".to_string(),
                ));
            };
            let stored = match rectification::issued_code(conn, id)? {
                Some(code) => storage::issued::content(conn, &code)?,
                None => None,
            };
            if let Some(bytes) = stored {
                return Ok((bytes, number));
            }
            // Numbered by a version that did not keep the PDF (or the demo's history): made
            // once now, stored, and served as stored from then on.
            let view = crate::app::document_data::notice(conn, &notice)
                .map_err(crate::web::handlers::documents::data_error)?;
            let issuer = crate::web::handlers::verify::issuer(conn, &user)?;
            let issued = crate::app::issuing::issue(
                conn,
                documents::Document::Notice(&view),
                &crate::app::issuing::notice_subject(id),
                &fonts,
                &actor,
                &issuer,
                &mut |_, _| {},
            )
            .map_err(crate::web::handlers::verify::issue_error)?;
            rectification::set_issued_code(conn, &actor, id, &issued.record.code, storage::now())?;
            Ok((issued.bytes, number))
        })
        .await?;
    Ok(crate::web::download::attachment(
        "application/pdf",
        None,
        &format!("{number}.pdf"),
        bytes,
    ))
}

// ---------------------------------------------------------------------------------------
// JSON transitions: one endpoint per subject, the action named in the body.

#[derive(Debug, Deserialize)]
pub struct TransitionRequest {
    /// issue, start_work, submit, verify, send_back, close
    action: String,
    /// The send-back reason or the verification comment.
    comment: Option<String>,
    /// A notice's 整改报告 (submit) or a finding's measures (saved before the action).
    text: Option<String>,
    /// Days to rectify (issue).
    days: Option<u32>,
}

fn action_from(request: &TransitionRequest) -> WebResult<Action> {
    let comment = request.comment.clone().unwrap_or_default();
    Ok(match request.action.trim() {
        "issue" => Action::Issue,
        "start_work" => Action::StartWork,
        "submit" => Action::Submit,
        "verify" => Action::Verify {
            comment: Some(comment),
        },
        "send_back" => Action::SendBack { reason: comment },
        "close" => Action::Close,
        other => {
            return Err(WebError::BadRequest(format!(
                "未知的操作“{other}”，应为 issue、start_work、submit、verify、send_back 或 close"
            )));
        }
    })
}

pub async fn api_notice_transition(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_notice(&id)?;
    let action = action_from(&body)?;
    let to = if action == Action::Issue && user.account.role == Role::BureauAdmin {
        let days = body.days.unwrap_or(DEFAULT_RECTIFICATION_DAYS);
        if !(1..=365).contains(&days) {
            return Err(WebError::BadRequest("整改期限须为 1 至 365 天".to_string()).into());
        }
        issue_notice(&state, &request, &user, id, days).await?.state
    } else {
        on_notice(&state, &request, &user, id, action, body.text.clone()).await?
    };
    let scope = user.scope()?;
    let notice = state
        .db(move |conn| Ok(rectification::notice(conn, scope, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "state": to.code(), "notice": notice_view(&notice) })))
}

pub async fn api_finding_transition(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_finding(&id)?;
    let action = action_from(&body)?;
    if let Some(text) = body.text.clone() {
        if user.account.role != Role::CenterManager {
            return Err(WebError::Forbidden.into());
        }
        save_measures_for(&state, &request, &user, id, text).await?;
    }
    let (to, _) = on_finding(&state, &request, &user, id, action).await?;
    Ok(HttpResponse::Ok().json(json!({ "state": to.code() })))
}

// ---------------------------------------------------------------------------------------
// Bureau settings

async fn bureau_settings(state: &AppState) -> WebResult<BureauSettings> {
    state.db(|conn| Ok(rectification::settings(conn)?)).await
}

pub async fn settings_form(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let settings = bureau_settings(&state).await?;
    page(
        &request,
        "rectification/settings",
        "发文设置",
        Some(&user),
        json!({ "settings": settings, "error": Value::Null, "notice_message": query_notice(&request) }),
    )
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    bureau_name: String,
    doc_prefix: String,
    contact: Option<String>,
}

pub async fn save_settings(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<SettingsForm>,
) -> WebResult<HttpResponse> {
    let bureau_name = form.bureau_name.trim().to_string();
    if bureau_name.is_empty() {
        return Err(WebError::BadRequest("发文机关名称不能为空".to_string()));
    }
    let format = DocNumberFormat::new(&form.doc_prefix)
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let settings = BureauSettings {
        bureau_name,
        doc_prefix: format.prefix().to_string(),
        contact: form.contact.clone().unwrap_or_default().trim().to_string(),
    };
    check_all([
        (TextField::BureauName, settings.bureau_name.as_str()),
        (TextField::DocPrefix, settings.doc_prefix.as_str()),
        (TextField::BureauContact, settings.contact.as_str()),
    ])
    .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            Ok(rectification::save_settings(
                conn,
                &actor,
                &settings,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other("/admin/bureau?notice=saved"))
}
