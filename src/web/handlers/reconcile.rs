//! After submission: where each file stands (one review, two that agree, two that disagree,
//! or decided by 合议), the team leader's 合议 queue and form, the approval of the team's
//! results, the administrator's reassignment of a review, calibration of reviewers, and the
//! unit's view of its results (without reviewer names when the round is blind).

use crate::domain::UnitScope;
use crate::domain::assignment::{Change, Placement, check_change};
use crate::domain::ids::{CaseFileId, PersonId, RoundId, UnitId};
use crate::domain::people::Role;
use crate::domain::rubric::{Method, Points, Rubric};
use crate::domain::scoring::calibration::{CalibrationRow, CalibrationSettings, calibrate};
use crate::domain::scoring::reconciliation::{
    DisagreementEntry, Reconciliation, ReconciliationInput,
};
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetError, SheetStatus};
use crate::domain::scoring::{ExplanationLine, ScoreResult, score};
use crate::storage::assignments::{self, Version};
use crate::storage::reconciliations::{self, RecordError, StoredReconciliation, TeamApproval};
use crate::storage::results::{self, FileResult, Outcome, RoundResults};
use crate::storage::rounds::{Round, RoundView};
use crate::storage::sheets::{self, StoredSheet};
use crate::storage::{self, DbConn, audit, rubrics};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::rounds::{load_round, parse_round_id};
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Where one file stands after review.
#[derive(Debug, Clone)]
pub enum Standing {
    /// Not every assigned reviewer has submitted yet.
    Pending { submitted: usize, needed: usize },
    /// The file's result: one review, agreeing reviews combined, or 合议.
    Final {
        total: Option<Points>,
        grade: String,
        how: &'static str,
    },
    /// The reviews disagree beyond the round's rule: the file waits for 合议.
    Disagreement(DisagreementEntry),
}

impl Standing {
    fn label(&self) -> &'static str {
        match self {
            Standing::Pending { .. } => "评查中",
            Standing::Final { .. } => "已确定",
            Standing::Disagreement(_) => "待合议",
        }
    }
}

/// Everything about a round's review work, loaded once per request.
pub struct ReviewData {
    pub round: Round,
    pub version: Version,
    pub sheets: Vec<StoredSheet>,
    pub reconciliations: Vec<StoredReconciliation>,
    pub approvals: Vec<TeamApproval>,
    rubrics: BTreeMap<String, Rubric>,
    standings: BTreeMap<CaseFileId, Standing>,
}

impl Standing {
    /// A file's result from `storage::results` (the one place results are computed).
    fn of(file: &FileResult) -> Standing {
        match &file.outcome {
            Outcome::InProgress {
                submitted,
                expected,
            } => Standing::Pending {
                submitted: *submitted,
                needed: *expected,
            },
            Outcome::Disagreement(entry) => Standing::Disagreement(entry.clone()),
            Outcome::Final(result) => Standing::Final {
                total: result.total,
                grade: result.grade.name.clone(),
                how: if result.reconciliation.is_some() {
                    "合议确定"
                } else if file.sheets.len() == 1 {
                    "一人评查"
                } else {
                    "两人评查一致"
                },
            },
        }
    }
}

impl ReviewData {
    pub fn load(conn: &mut DbConn, round: Round) -> WebResult<ReviewData> {
        let loaded = results::load(conn, round.id)?.ok_or(WebError::NotFound)?;
        let standings = loaded
            .files
            .iter()
            .map(|file| (file.file, Standing::of(file)))
            .collect();
        let RoundResults { round, version, .. } = loaded;
        let files: Vec<CaseFileId> = version
            .assignment
            .placements
            .iter()
            .map(|placement| placement.file)
            .collect();
        let sheets = sheets::for_files(conn, round.id, &files)?;
        let mut rubrics = BTreeMap::new();
        for sheet in &sheets {
            if !rubrics.contains_key(&sheet.rubric_hash) {
                let rubric = rubrics::load(conn, &sheet.rubric_hash)?;
                rubrics.insert(sheet.rubric_hash.clone(), rubric);
            }
        }
        let reconciliations = reconciliations::for_round(conn, round.id)?;
        let approvals = reconciliations::approvals(conn, round.id)?;
        Ok(ReviewData {
            round,
            version,
            sheets,
            reconciliations,
            approvals,
            rubrics,
            standings,
        })
    }

    pub fn sheet(&self, file: CaseFileId, reviewer: PersonId) -> Option<&StoredSheet> {
        self.sheets
            .iter()
            .find(|sheet| sheet.case_file_id == file && sheet.reviewer_id == reviewer)
    }

    fn rubric_of(&self, sheet: &StoredSheet) -> Option<&Rubric> {
        self.rubrics.get(&sheet.rubric_hash)
    }

    /// The engine's result for a submitted (or reconciled) sheet.
    fn result_of(&self, sheet: &StoredSheet) -> Option<ScoreResult> {
        let rubric = self.rubric_of(sheet)?;
        score(rubric, &sheet.sheet.answers).ok()
    }

    pub fn reconciliation(&self, file: CaseFileId) -> Option<&StoredReconciliation> {
        self.reconciliations
            .iter()
            .find(|decision| decision.case_file_id == file)
    }

    /// The team (by number) led by `person`, if any.
    pub fn team_led_by(&self, person: PersonId) -> Option<&crate::domain::assignment::Team> {
        self.version
            .assignment
            .teams
            .iter()
            .find(|team| team.leader == person)
    }

    /// The placements whose reviewers belong to the team.
    pub fn team_placements(&self, team: u32) -> Vec<&Placement> {
        let Some(team) = self
            .version
            .assignment
            .teams
            .iter()
            .find(|candidate| candidate.number == team)
        else {
            return Vec::new();
        };
        self.version
            .assignment
            .placements
            .iter()
            .filter(|placement| {
                placement
                    .reviewers
                    .iter()
                    .any(|reviewer| team.members.contains(reviewer))
            })
            .collect()
    }

    pub fn is_approved(&self, team: u32) -> bool {
        self.approvals
            .iter()
            .any(|approval| approval.team_number == team)
    }

    /// Where a file stands, as `storage::results` worked it out.
    pub fn standing(&self, placement: &Placement) -> Standing {
        self.standings
            .get(&placement.file)
            .cloned()
            .unwrap_or(Standing::Pending {
                submitted: 0,
                needed: placement.reviewers.len(),
            })
    }

    fn reviewer_name(&self, person: PersonId) -> String {
        self.version.problem.reviewer_name(person).to_string()
    }

    fn case_number(&self, file: CaseFileId) -> String {
        self.version.problem.case_number(file).to_string()
    }
}

fn points_text(points: Option<Points>) -> Option<String> {
    points.map(|points| points.to_string())
}

/// The team the caller leads in this round, or 403.
fn led_team(data: &ReviewData, user: &CurrentUser) -> WebResult<u32> {
    let person = user.account.person_id.ok_or(WebError::Forbidden)?;
    if user.account.role != Role::Reviewer {
        return Err(WebError::Forbidden);
    }
    data.team_led_by(person)
        .map(|team| team.number)
        .ok_or(WebError::Forbidden)
}

async fn review_data(state: &AppState, round_id: RoundId) -> WebResult<ReviewData> {
    let round = load_round(state, round_id).await?;
    state.db(move |conn| ReviewData::load(conn, round)).await
}

fn standing_json(data: &ReviewData, placement: &Placement) -> Value {
    let standing = data.standing(placement);
    let (total, grade, how, reasons, progress) = match &standing {
        Standing::Pending { submitted, needed } => (
            None,
            None,
            None,
            Vec::new(),
            Some(format!("{submitted}/{needed}")),
        ),
        Standing::Final { total, grade, how } => (
            points_text(*total),
            Some(grade.clone()),
            Some(*how),
            Vec::new(),
            None,
        ),
        Standing::Disagreement(entry) => (None, None, None, entry.reason_lines(), None),
    };
    json!({
        "file": placement.file.to_string(),
        "case_number": data.case_number(placement.file),
        "status": standing.label(),
        "disagreement": matches!(standing, Standing::Disagreement(_)),
        "final": matches!(standing, Standing::Final { .. }),
        "total": total, "grade": grade, "how": how, "reasons": reasons, "progress": progress,
        "reviewers": placement.reviewers.iter().map(|reviewer| {
            let sheet = data.sheet(placement.file, *reviewer);
            json!({
                "name": data.reviewer_name(*reviewer),
                "state": sheet.map_or("未开始", |sheet| sheet.sheet.state.status().label()),
                "total": sheet.and_then(|sheet| sheet.total_tenths).map(|tenths| Points::from_tenths(tenths).to_string()),
            })
        }).collect::<Vec<_>>(),
    })
}

/// GET /rounds/{id}/reconciliations: the leader's queue of the team's files that need 合议,
/// with where every other file stands and the approval of the team's results.
pub async fn queue(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let data = review_data(&state, round_id).await?;
    let team = led_team(&data, &user)?;
    let placements = data.team_placements(team);
    let rows: Vec<Value> = placements
        .iter()
        .map(|placement| standing_json(&data, placement))
        .collect();
    let waiting: Vec<&Value> = rows
        .iter()
        .filter(|row| row["disagreement"] == true)
        .collect();
    let finals = rows.iter().filter(|row| row["final"] == true).count();
    let approval = data
        .approvals
        .iter()
        .find(|approval| approval.team_number == team)
        .map(|approval| {
            json!({ "by": approval.approved_by, "at": approval.approved_at.format("%Y-%m-%d %H:%M").to_string() })
        });
    page(
        &request,
        "sheets/reconciliations",
        "合议与审核",
        Some(&user),
        json!({
            "round": RoundView::from(&data.round),
            "team": team,
            "rule": data.round.settings.combine.label(),
            "waiting_count": waiting.len(),
            "waiting": waiting,
            "rows": rows,
            "files": placements.len(),
            "finals": finals,
            "ready": finals == placements.len() && !placements.is_empty(),
            "approval": approval,
        }),
    )
}

/// The file's placement, checked to belong to the team the caller leads.
fn leader_placement<'a>(
    data: &'a ReviewData,
    user: &CurrentUser,
    file: CaseFileId,
) -> WebResult<(u32, &'a Placement)> {
    let team = led_team(data, user)?;
    let placement = data
        .team_placements(team)
        .into_iter()
        .find(|placement| placement.file == file)
        .ok_or(WebError::Forbidden)?;
    Ok((team, placement))
}

/// Per item, each reviewer's deduction, for the side-by-side view of a 合议.
fn item_table(data: &ReviewData, placement: &Placement) -> Vec<Value> {
    let mut items: BTreeMap<String, (String, Vec<Value>)> = BTreeMap::new();
    let reviewers = &placement.reviewers;
    for (index, reviewer) in reviewers.iter().enumerate() {
        let Some(result) = data
            .sheet(placement.file, *reviewer)
            .and_then(|sheet| data.result_of(sheet))
        else {
            continue;
        };
        for line in &result.explanation.lines {
            let (item, text, cell) = match line {
                ExplanationLine::Deduction {
                    item,
                    text,
                    points,
                    reason,
                    page,
                    ..
                } => (
                    item,
                    text,
                    json!({
                        "points": points.to_string(), "reason": reason, "veto": false,
                        "page": page.map(|page| page.to_string()),
                    }),
                ),
                // A veto is what a 合议 most often turns on: show it beside the deductions.
                ExplanationLine::Veto {
                    code,
                    text,
                    reason,
                    page,
                } => (
                    code,
                    text,
                    json!({
                        "points": "", "reason": reason, "veto": true,
                        "page": page.map(|page| page.to_string()),
                    }),
                ),
                _ => continue,
            };
            let entry = items
                .entry(item.clone())
                .or_insert_with(|| (text.clone(), vec![Value::Null; reviewers.len()]));
            entry.1[index] = cell;
        }
    }
    items
        .into_iter()
        .map(|(code, (text, cells))| json!({ "code": code, "text": text, "cells": cells }))
        .collect()
}

async fn reconcile_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    round_id: RoundId,
    file: CaseFileId,
    message: Option<String>,
    entered: Option<&[(String, String)]>,
) -> WebResult<HttpResponse> {
    let data = review_data(state, round_id).await?;
    let (team, placement) = leader_placement(&data, user, file)?;
    let standing = data.standing(placement);
    let reasons = match &standing {
        Standing::Disagreement(entry) => entry.reason_lines(),
        _ => Vec::new(),
    };
    let rubric = placement
        .reviewers
        .iter()
        .find_map(|reviewer| data.sheet(file, *reviewer))
        .and_then(|sheet| data.rubric_of(sheet));
    let grades: Vec<String> = rubric.map_or_else(Vec::new, |rubric| {
        rubric
            .grades()
            .iter()
            .map(|grade| grade.name.clone())
            .collect()
    });
    let indicator = rubric.is_some_and(|rubric| matches!(rubric.method(), Method::Indicator(_)));
    let value = |name: &str| {
        entered
            .and_then(|fields| fields.iter().find(|(key, _)| key == name))
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let chosen: Vec<String> = entered
        .map(|fields| {
            fields
                .iter()
                .filter(|(key, _)| key == "participant")
                .map(|(_, value)| value.clone())
                .collect()
        })
        .unwrap_or_default();
    let members: Vec<Value> = data
        .version
        .assignment
        .teams
        .iter()
        .find(|candidate| candidate.number == team)
        .map(|team| {
            team.members
                .iter()
                .map(|member| {
                    let id = member.to_string();
                    let checked = if entered.is_some() {
                        chosen.contains(&id)
                    } else {
                        *member == team.leader || placement.reviewers.contains(member)
                    };
                    json!({ "id": id, "name": data.reviewer_name(*member), "checked": checked,
                            "leader": *member == team.leader })
                })
                .collect()
        })
        .unwrap_or_default();
    let reviews: Vec<Value> = placement
        .reviewers
        .iter()
        .map(|reviewer| {
            let sheet = data.sheet(file, *reviewer);
            json!({
                "id": reviewer.to_string(),
                "name": data.reviewer_name(*reviewer),
                "state": sheet.map_or("未开始", |sheet| sheet.sheet.state.status().label()),
                "version": sheet.map_or(0, |sheet| sheet.sheet.version),
                "total": sheet.and_then(|sheet| sheet.total_tenths).map(|tenths| Points::from_tenths(tenths).to_string()),
                "grade": sheet.and_then(|sheet| sheet.grade.clone()),
            })
        })
        .collect();
    let decided = data.reconciliation(file).map(|decision| {
        json!({
            "total": points_text(decision.final_total), "grade": decision.final_grade,
            "vetoed": decision.vetoed, "reason": decision.reason,
            "participants": decision.participants.iter().map(|person| data.reviewer_name(*person)).collect::<Vec<_>>(),
            "by": decision.decided_by, "at": decision.decided_at.format("%Y-%m-%d %H:%M").to_string(),
        })
    });
    let mut response = page(
        request,
        "sheets/reconcile",
        "合议",
        Some(user),
        json!({
            "round": RoundView::from(&data.round),
            "file": file.to_string(),
            "case_number": data.case_number(file),
            "status": standing.label(),
            "open": matches!(standing, Standing::Disagreement(_)),
            "reasons": reasons,
            "reviews": reviews,
            "items": item_table(&data, placement),
            "grades": grades.iter().map(|grade| json!({ "name": grade, "selected": value("final_grade") == *grade })).collect::<Vec<_>>(),
            "indicator": indicator,
            "members": members,
            "decided": decided,
            "message": message,
            "entered": { "final_total": value("final_total"), "reason": value("reason"), "vetoed": !value("vetoed").is_empty() },
        }),
    )?;
    if entered.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

fn parse_file(path: &(String, String)) -> WebResult<(RoundId, CaseFileId)> {
    Ok((
        parse_round_id(&path.0)?,
        path.1.parse().map_err(|_| WebError::NotFound)?,
    ))
}

/// GET /rounds/{id}/files/{file}/reconcile: both reviews side by side and the 合议 form.
pub async fn form(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_file(&path)?;
    reconcile_page(&request, &state, &user, round_id, file, None, None).await
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.trim())
}

/// POST /rounds/{id}/files/{file}/reconcile: records the 合议 and closes the file's sheets.
pub async fn decide(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_file(&path)?;
    let fields = form.into_inner();
    let data = review_data(&state, round_id).await?;
    let (team, placement) = leader_placement(&data, &user, file)?;
    let refuse = |message: String| {
        let fields = fields.clone();
        let request = request.clone();
        let state = state.clone();
        let user = user.clone();
        async move {
            reconcile_page(
                &request,
                &state,
                &user,
                round_id,
                file,
                Some(message),
                Some(&fields),
            )
            .await
        }
    };
    let entry = match data.standing(placement) {
        Standing::Disagreement(entry) => entry,
        Standing::Final { how, .. } => {
            return Err(WebError::Conflict(format!(
                "该案卷的结果已{how}，不需要再合议"
            )));
        }
        Standing::Pending { .. } => {
            return Err(WebError::Conflict(
                "该案卷还有评查员未提交评分表，暂不能合议".into(),
            ));
        }
    };
    let leader = data
        .version
        .assignment
        .teams
        .iter()
        .find(|candidate| candidate.number == team)
        .map(|team| team.leader)
        .ok_or(WebError::Forbidden)?;
    let Some(rubric) = placement
        .reviewers
        .iter()
        .find_map(|reviewer| data.sheet(file, *reviewer))
        .and_then(|sheet| data.rubric_of(sheet))
        .cloned()
    else {
        return Err(WebError::Conflict("该案卷没有评分表".into()));
    };
    let total_text = field(&fields, "final_total");
    let final_total = if total_text.is_empty() {
        None
    } else {
        match total_text.parse::<Points>() {
            Ok(points) => Some(points),
            Err(_) => {
                return refuse(format!("最终得分“{total_text}”不是分数")).await;
            }
        }
    };
    let mut participants = Vec::new();
    for (key, value) in &fields {
        if key == "participant" {
            match value.parse::<PersonId>() {
                Ok(person) => participants.push(person),
                Err(_) => return refuse("参加合议人员无效".into()).await,
            }
        }
    }
    let members: Vec<PersonId> = data
        .version
        .assignment
        .teams
        .iter()
        .find(|candidate| candidate.number == team)
        .map(|team| team.members.clone())
        .unwrap_or_default();
    if let Some(outsider) = participants.iter().find(|person| !members.contains(person)) {
        return refuse(format!(
            "参加合议的{}不是本组成员",
            data.reviewer_name(*outsider)
        ))
        .await;
    }
    let input = ReconciliationInput {
        case_file_id: file,
        final_total,
        final_grade: field(&fields, "final_grade").to_string(),
        vetoed: !field(&fields, "vetoed").is_empty(),
        reason: field(&fields, "reason").to_string(),
        participants,
    };
    let decision = match Reconciliation::decide(&rubric, leader, input, storage::now()) {
        Ok(decision) => decision,
        Err(error) => return refuse(error.to_string()).await,
    };
    // Every sheet moves to 已合议 from the version the page showed.
    let actor_sheet = SheetActor {
        role: user.account.role,
        is_assigned_reviewer: false,
        is_team_leader: true,
    };
    let mut closing = Vec::new();
    for reviewer in &placement.reviewers {
        let Some(stored) = data.sheet(file, *reviewer) else {
            return Err(WebError::Conflict("该案卷缺少评分表".into()));
        };
        let presented: i64 = field(&fields, &format!("version_{reviewer}"))
            .parse()
            .unwrap_or(0);
        let update = stored
            .sheet
            .apply(presented, SheetAction::Reconcile, actor_sheet)
            .map_err(|error| match error {
                SheetError::NotPermitted { .. } => WebError::Forbidden,
                other => WebError::Conflict(format!(
                    "{}的评分表：{other}",
                    data.reviewer_name(*reviewer)
                )),
            })?;
        closing.push((stored.clone(), update));
    }
    let triggers = entry.reason_lines();
    let actor = user.actor(&request);
    let names: BTreeMap<PersonId, String> = placement
        .reviewers
        .iter()
        .map(|reviewer| (*reviewer, data.reviewer_name(*reviewer)))
        .collect();
    state
        .db(move |conn| {
            match reconciliations::record(
                conn,
                &actor,
                round_id,
                &decision,
                &triggers,
                &closing,
                storage::now(),
            ) {
                Ok(_) => Ok(()),
                Err(RecordError::Stale { reviewer, stored }) => Err(WebError::Conflict(format!(
                    "{}的评分表已有更新（第 {stored} 版），合议未保存，请刷新后重试",
                    names.get(&reviewer).cloned().unwrap_or_default()
                ))),
                Err(RecordError::Storage(error)) => Err(error.into()),
            }
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}/reconciliations")))
}

/// POST /rounds/{id}/team/approve: the leader approves the team's results once every file
/// has a final result.
pub async fn approve(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let data = review_data(&state, round_id).await?;
    let team = led_team(&data, &user)?;
    let placements = data.team_placements(team);
    let open: Vec<String> = placements
        .iter()
        .filter(|placement| !matches!(data.standing(placement), Standing::Final { .. }))
        .map(|placement| data.case_number(placement.file))
        .collect();
    if placements.is_empty() {
        return Err(WebError::Conflict("本组没有案卷".into()));
    }
    if !open.is_empty() {
        return Err(WebError::Conflict(format!(
            "还有 {} 份案卷没有确定结果（未提交或待合议），不能审核确认：{}",
            open.len(),
            open.join("、")
        )));
    }
    let actor = user.actor(&request);
    let files = u32::try_from(placements.len()).unwrap_or(u32::MAX);
    state
        .db(move |conn| {
            Ok(reconciliations::approve(
                conn,
                &actor,
                round_id,
                team,
                files,
                storage::now(),
            )?)
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}/reconciliations")))
}

#[derive(serde::Deserialize)]
pub struct ReassignForm {
    from: String,
    to: String,
    #[serde(default)]
    reason: String,
}

/// POST /rounds/{id}/files/{file}/reassign: the administrator moves one review of a file to
/// another reviewer. The hard rules are re-checked on the published assignment; a new version
/// is stored and published at once. A submitted review cannot move (reopen it first).
pub async fn reassign(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    form: web::Form<ReassignForm>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_file(&path)?;
    let form = form.into_inner();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        return Err(WebError::BadRequest("改派必须填写原因".into()));
    }
    crate::domain::text_limits::TextField::AssignmentNote
        .check(&reason)
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let from: PersonId = form
        .from
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("原评查员无效".into()))?;
    let to: PersonId = form
        .to
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest("请选择改派给哪位评查员".into()))?;
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            storage::transaction(conn, |conn| {
                let version = assignments::published(conn, round_id)?.ok_or(WebError::NotFound)?;
                if let Some(sheet) = sheets::find(conn, round_id, file, from)?
                    && !sheet.sheet.state.is_editable()
                {
                    return Err(WebError::Conflict(format!(
                        "{}的评分表{}，不能改派；如确需改派，请先重新开放该评分表",
                        version.problem.reviewer_name(from),
                        sheet.sheet.state.status().label()
                    )));
                }
                let next = check_change(
                    &version.problem,
                    &version.assignment,
                    Change::MoveFile { file, from, to },
                )
                .map_err(|breaches| {
                    WebError::Conflict(format!(
                        "改派违反分组规则，未保存：{}",
                        breaches
                            .iter()
                            .map(|breach| breach.message.clone())
                            .collect::<Vec<_>>()
                            .join("；")
                    ))
                })?;
                let note = format!("改派：{reason}");
                let number = assignments::store_draft(
                    conn,
                    &actor,
                    round_id,
                    &version.problem,
                    &next,
                    Some(&note),
                    storage::now(),
                )?;
                assignments::publish(conn, &actor, round_id, number, storage::now())?;
                audit::record(
                    conn,
                    &actor,
                    audit::Change {
                        action: "review.reassign",
                        entity_type: "case_file",
                        entity_id: Some(file.to_string()),
                        before: Some(json!({ "reviewer": from.to_string(), "version": version.version })),
                        after: Some(json!({ "reviewer": to.to_string(), "version": number, "reason": reason })),
                    },
                    storage::now(),
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}/progress")))
}

/// The rows calibration reads: every submitted or reconciled deduction-method sheet.
fn calibration_rows(data: &ReviewData, team: Option<u32>) -> (Vec<CalibrationRow>, Vec<String>) {
    let mut rows = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    for sheet in &data.sheets {
        if !matches!(
            sheet.sheet.state.status(),
            SheetStatus::Submitted | SheetStatus::Reconciled
        ) {
            continue;
        }
        let Some(member_team) = data
            .version
            .assignment
            .team_of_member(sheet.reviewer_id)
            .map(|team| team.number)
        else {
            continue;
        };
        if team.is_some_and(|team| team != member_team) {
            continue;
        }
        let Some(rubric) = data.rubric_of(sheet) else {
            continue;
        };
        if let Method::Deduction(scheme) = rubric.method() {
            for item in scheme.items() {
                if !codes.contains(&item.code) {
                    codes.push(item.code.clone());
                }
            }
        }
        let Some(result) = data.result_of(sheet) else {
            continue;
        };
        let Some(total) = result.total else {
            continue;
        };
        let mut deductions = BTreeMap::new();
        for line in &result.explanation.lines {
            if let ExplanationLine::Deduction { item, points, .. } = line {
                deductions.insert(item.clone(), *points);
            }
        }
        rows.push(CalibrationRow {
            reviewer_id: sheet.reviewer_id,
            case_file_id: sheet.case_file_id,
            team: member_team,
            total,
            deductions,
        });
    }
    (rows, codes)
}

fn one_decimal(value: f64) -> String {
    format!("{value:+.1}")
}

/// GET /rounds/{id}/calibration: administrators see every team, a team leader their own.
pub async fn calibration(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let data = review_data(&state, round_id).await?;
    let team = match user.account.role {
        Role::BureauAdmin => None,
        _ => Some(led_team(&data, &user)?),
    };
    let (rows, codes) = calibration_rows(&data, team);
    let report =
        calibrate(&rows, &codes, CalibrationSettings::default()).map_err(WebError::internal)?;
    let reviewers: Vec<Value> = report
        .reviewers
        .iter()
        .map(|row| {
            let flagged: Vec<Value> = row
                .items
                .iter()
                .filter(|item| item.mean_deviation.abs() >= 0.05)
                .map(|item| json!({ "code": item.item_code, "deviation": one_decimal(item.mean_deviation) }))
                .collect();
            json!({
                "name": data.reviewer_name(row.reviewer_id),
                "team": row.team,
                "sheets": row.sheets,
                "paired": row.paired_files,
                "mean_total": format!("{:.1}", row.mean_total),
                "co": row.deviation_from_co_reviewers.map(one_decimal),
                "team_deviation": one_decimal(row.deviation_from_team),
                "leaning": row.leaning_label,
                "flag": matches!(row.leaning_label, "偏严" | "偏松"),
                "items": flagged,
            })
        })
        .collect();
    let items: Vec<Value> = report
        .items
        .iter()
        .filter(|item| item.pairs > 0)
        .map(|item| {
            json!({
                "code": item.item_code, "pairs": item.pairs, "agreeing": item.agreeing,
                "rate": item.agreement_rate.map(|rate| format!("{:.0}%", rate * 100.0)),
                "difference": item.mean_abs_difference.map(|value| format!("{value:.1}")),
            })
        })
        .collect();
    page(
        &request,
        "sheets/calibration",
        "评查员校准",
        Some(&user),
        json!({
            "round": RoundView::from(&data.round),
            "team": team,
            "reviewers": reviewers,
            "items": items,
            "sheets": rows.len(),
        }),
    )
}

/// GET /rounds/{id}/units/{unit}/results: the unit's files with their results, once the team
/// has approved them. In a blind round a center manager never sees who scored the files.
pub async fn unit_results(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&path.0)?;
    let unit: UnitId = path.1.parse().map_err(|_| WebError::NotFound)?;
    let scope: UnitScope = user.scope()?;
    if !scope.allows(unit) {
        return Err(WebError::Forbidden);
    }
    let data = review_data(&state, round_id).await?;
    let hide_names = data.round.settings.blind && user.account.role == Role::CenterManager;
    let problem = &data.version.problem;
    let unit_name = problem.unit_name(unit).to_string();
    let rows: Vec<Value> = data
        .version
        .assignment
        .placements
        .iter()
        .filter(|placement| {
            problem
                .file(placement.file)
                .is_some_and(|file| file.unit == unit)
        })
        .map(|placement| {
            let team = placement.reviewers.iter().find_map(|reviewer| {
                data.version
                    .assignment
                    .team_of_member(*reviewer)
                    .map(|team| team.number)
            });
            let approved = team.is_some_and(|team| data.is_approved(team));
            let standing = data.standing(placement);
            let (total, grade) = match (&standing, approved) {
                (Standing::Final { total, grade, .. }, true) => {
                    (points_text(*total), Some(grade.clone()))
                }
                _ => (None, None),
            };
            let reviewers: Vec<String> = placement
                .reviewers
                .iter()
                .enumerate()
                .map(|(index, reviewer)| {
                    if hide_names {
                        format!(
                            "评查员{}",
                            ["甲", "乙", "丙", "丁"].get(index).unwrap_or(&"戊")
                        )
                    } else {
                        data.reviewer_name(*reviewer)
                    }
                })
                .collect();
            json!({
                "case_number": data.case_number(placement.file),
                "status": if approved { "已审核确认" } else { "评查中" },
                "total": total, "grade": grade,
                "reviewers": reviewers.join("、"),
            })
        })
        .collect();
    page(
        &request,
        "sheets/unit_results",
        "本单位评查结果",
        Some(&user),
        json!({
            "round": RoundView::from(&data.round),
            "unit": unit_name,
            "blind": hide_names,
            "rows": rows,
            // Score sheets and the feedback report are printed once results are fed back.
            "documents": matches!(
                data.round.status,
                crate::domain::round::RoundStatus::Feedback | crate::domain::round::RoundStatus::Closed
            ),
        }),
    )
}

/// The administrator's table of files and reviewers with the reassignment form, for the
/// progress page.
pub fn reassign_rows(data: &ReviewData) -> Value {
    let pool: Vec<Value> = data
        .version
        .problem
        .reviewers
        .iter()
        .map(|reviewer| json!({ "id": reviewer.id.to_string(), "name": reviewer.name }))
        .collect();
    let rows: Vec<Value> = data
        .version
        .assignment
        .placements
        .iter()
        .flat_map(|placement| {
            placement.reviewers.iter().map(move |reviewer| {
                let sheet = data.sheet(placement.file, *reviewer);
                json!({
                    "file": placement.file.to_string(),
                    "case_number": data.case_number(placement.file),
                    "reviewer": reviewer.to_string(),
                    "reviewer_name": data.reviewer_name(*reviewer),
                    "state": sheet.map_or("未开始", |sheet| sheet.sheet.state.status().label()),
                    "movable": sheet.is_none_or(|sheet| sheet.sheet.state.is_editable()),
                })
            })
        })
        .collect();
    json!({ "pool": pool, "rows": rows })
}
