//! The 合议 form: both reviews side by side, per item each reviewer's deduction, and the
//! leader's decision, which closes every sheet of the file.

use super::{page_of, parse_file, points_text, review_data, sheet_state, sheet_total};
use crate::app::messages::scoring as messages;
use crate::app::reconciliation::{Error as AppError, ReviewData, Standing};
use crate::domain::assignment::Placement;
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::rubric::{Method, Points};
use crate::domain::scoring::ExplanationLine;
use crate::domain::scoring::actions::reconcile_actions;
use crate::domain::scoring::reconciliation::{Reconciliation, ReconciliationInput};
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetError};
use crate::storage::reconciliations::{self, RecordError};
use crate::storage::rounds::RoundView;
use crate::storage::{self};
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::see_other;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::BTreeMap;

/// One reviewer's mark on an item or veto.
#[derive(Serialize, Clone)]
struct Cell {
    points: String,
    reason: String,
    veto: bool,
    page: Option<String>,
}

#[derive(Serialize)]
struct ItemRow {
    code: String,
    text: String,
    cells: Vec<Option<Cell>>,
}

/// Per item, each reviewer's deduction, for the side-by-side view of a 合议.
fn item_table(data: &ReviewData, placement: &Placement) -> Vec<ItemRow> {
    let mut items: BTreeMap<String, (String, Vec<Option<Cell>>)> = BTreeMap::new();
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
                    pages,
                    ..
                } => (
                    item,
                    text,
                    Cell {
                        points: points.to_string(),
                        reason: reason.clone(),
                        veto: false,
                        page: (!pages.is_empty()).then(|| pages.pages_text()),
                    },
                ),
                // A veto is what a 合议 most often turns on: show it beside the deductions.
                ExplanationLine::Veto {
                    code,
                    text,
                    reason,
                    pages,
                } => (
                    code,
                    text,
                    Cell {
                        points: String::new(),
                        reason: reason.clone(),
                        veto: true,
                        page: (!pages.is_empty()).then(|| pages.pages_text()),
                    },
                ),
                _ => continue,
            };
            let entry = items
                .entry(item.clone())
                .or_insert_with(|| (text.clone(), vec![None; reviewers.len()]));
            if let Some(slot) = entry.1.get_mut(index) {
                *slot = Some(cell);
            }
        }
    }
    items
        .into_iter()
        .map(|(code, (text, cells))| ItemRow { code, text, cells })
        .collect()
}

#[derive(Serialize)]
struct Member {
    id: String,
    name: String,
    checked: bool,
    leader: bool,
}

#[derive(Serialize)]
struct Review {
    id: String,
    name: String,
    state: &'static str,
    version: i64,
    total: Option<String>,
    grade: Option<String>,
}

#[derive(Serialize)]
struct Decided {
    total: Option<String>,
    grade: String,
    vetoed: bool,
    reason: String,
    participants: Vec<String>,
    by: String,
    at: String,
}

#[derive(Serialize)]
struct GradeOption {
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct Entered {
    final_total: String,
    reason: String,
    vetoed: bool,
}

#[derive(Serialize)]
struct ReconcileView {
    round: RoundView,
    file: String,
    case_number: String,
    status: &'static str,
    open: bool,
    reasons: Vec<String>,
    reviews: Vec<Review>,
    items: Vec<ItemRow>,
    grades: Vec<GradeOption>,
    indicator: bool,
    members: Vec<Member>,
    decided: Option<Decided>,
    message: Option<String>,
    entered: Entered,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.trim())
}

/// The 合议 page's view; `entered`: the refused form's fields, shown again.
fn reconcile_view(
    data: &ReviewData,
    team: u32,
    placement: &Placement,
    message: Option<String>,
    entered: Option<&[(String, String)]>,
) -> ReconcileView {
    let file = placement.file;
    let standing = data.standing(placement);
    let rubric = data.rubric_of_file(placement);
    let value = |name: &str| {
        entered
            .and_then(|fields| fields.iter().find(|(key, _)| key == name))
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let chosen: Vec<&str> = entered
        .map(|fields| {
            fields
                .iter()
                .filter(|(key, _)| key == "participant")
                .map(|(_, value)| value.as_str())
                .collect()
        })
        .unwrap_or_default();
    let members = data.team(team).map_or_else(Vec::new, |team| {
        team.members
            .iter()
            .map(|member| {
                let id = member.to_string();
                let checked = if entered.is_some() {
                    chosen.contains(&id.as_str())
                } else {
                    *member == team.leader || placement.reviewers.contains(member)
                };
                Member {
                    id,
                    name: data.reviewer_name(*member),
                    checked,
                    leader: *member == team.leader,
                }
            })
            .collect()
    });
    let reviews = placement
        .reviewers
        .iter()
        .map(|reviewer| {
            let sheet = data.sheet(file, *reviewer);
            Review {
                id: reviewer.to_string(),
                name: data.reviewer_name(*reviewer),
                state: sheet_state(sheet),
                version: sheet.map_or(0, |sheet| sheet.sheet.version),
                total: sheet_total(sheet),
                grade: sheet.and_then(|sheet| sheet.grade.clone()),
            }
        })
        .collect();
    let decided = data.reconciliation(file).map(|decision| Decided {
        total: points_text(decision.final_total),
        grade: decision.final_grade.clone(),
        vetoed: decision.vetoed,
        reason: decision.reason.clone(),
        participants: decision
            .participants
            .iter()
            .map(|person| data.reviewer_name(*person))
            .collect(),
        by: decision.decided_by.clone(),
        at: crate::domain::local_time::minutes(decision.decided_at),
    });
    let final_grade = value("final_grade");
    let disagreement = matches!(standing, Standing::Disagreement(_));
    ReconcileView {
        round: RoundView::from(&data.round),
        file: file.to_string(),
        case_number: data.case_number(file),
        status: messages::standing_label(&standing),
        open: reconcile_actions(data.round.status, disagreement).decide,
        reasons: match &standing {
            Standing::Disagreement(entry) => entry.reason_lines(),
            _ => Vec::new(),
        },
        reviews,
        items: item_table(data, placement),
        grades: rubric.map_or_else(Vec::new, |rubric| {
            rubric
                .grades()
                .iter()
                .map(|grade| GradeOption {
                    name: grade.name.clone(),
                    selected: final_grade == grade.name,
                })
                .collect()
        }),
        indicator: rubric.is_some_and(|rubric| matches!(rubric.method(), Method::Indicator(_))),
        members,
        decided,
        message,
        entered: Entered {
            final_total: value("final_total"),
            reason: value("reason"),
            vetoed: !value("vetoed").is_empty(),
        },
    }
}

/// The 合议 page; a refused form (`entered`) is answered 400 with its fields shown again.
fn reconcile_page(
    request: &HttpRequest,
    user: &CurrentUser,
    data: &ReviewData,
    file: CaseFileId,
    message: Option<String>,
    entered: Option<&[(String, String)]>,
) -> WebResult<HttpResponse> {
    let (team, placement) = data.led_placement(user.account.person_id, user.account.role, file)?;
    if !data.sees_co_reviews(user.account.person_id, file) {
        return Err(WebError::Conflict(messages::OWN_SHEET_FIRST.to_string()));
    }
    let view = reconcile_view(data, team, placement, message, entered);
    let mut response = page_of(request, "sheets/reconcile", "合议", user, &view)?;
    if entered.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// GET /rounds/{id}/files/{file}/reconcile: both reviews side by side and the 合议 form.
pub async fn form(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_file(&path)?;
    let data = review_data(&state, round_id).await?;
    reconcile_page(&request, &user, &data, file, None, None)
}

/// What the posted 合议 form decides, or the sentence it is refused with.
struct Posted {
    decision: Reconciliation,
    triggers: Vec<String>,
    closing: Vec<(
        crate::storage::sheets::StoredSheet,
        crate::domain::scoring::sheet::SheetUpdate,
    )>,
}

/// Checks the posted form against the file's reviews. `Ok(Err(message))`: refused, the page
/// is shown again with the message.
fn check_posted(
    data: &ReviewData,
    user: &CurrentUser,
    file: CaseFileId,
    fields: &[(String, String)],
) -> WebResult<Result<Posted, String>> {
    let (team, placement) = data.led_placement(user.account.person_id, user.account.role, file)?;
    let entry = match data.standing(placement) {
        Standing::Disagreement(entry) => entry,
        Standing::Final { how, .. } => return Err(AppError::AlreadyFinal(how).into()),
        Standing::Pending { .. } => return Err(AppError::NotSubmitted.into()),
    };
    let leader = data
        .version
        .assignment
        .leader_of_file(file)
        .ok_or(WebError::Forbidden)?;
    let rubric = data
        .rubric_of_file(placement)
        .cloned()
        .ok_or(AppError::NoSheets)?;
    let total_text = field(fields, "final_total");
    let final_total = if total_text.is_empty() {
        None
    } else {
        match total_text.parse::<Points>() {
            Ok(points) => Some(points),
            Err(_) => return Ok(Err(format!("最终得分“{total_text}”不是分数"))),
        }
    };
    let mut participants = Vec::new();
    for (key, value) in fields {
        if key == "participant" {
            match value.parse::<PersonId>() {
                Ok(person) => participants.push(person),
                Err(_) => return Ok(Err("参加合议人员无效".into())),
            }
        }
    }
    let members = data.team(team).map(|team| &team.members[..]).unwrap_or(&[]);
    if let Some(outsider) = participants.iter().find(|person| !members.contains(person)) {
        return Ok(Err(format!(
            "参加合议的{}不是本组成员",
            data.reviewer_name(*outsider)
        )));
    }
    let input = ReconciliationInput {
        case_file_id: file,
        final_total,
        final_grade: field(fields, "final_grade").to_string(),
        vetoed: !field(fields, "vetoed").is_empty(),
        reason: field(fields, "reason").to_string(),
        participants,
    };
    let decision = match Reconciliation::decide(&rubric, leader, input, storage::now()) {
        Ok(decision) => decision,
        Err(error) => return Ok(Err(error.to_string())),
    };
    // Every sheet moves to 已合议 from the version the page showed.
    let actor_sheet = SheetActor {
        role: user.account.role,
        is_assigned_reviewer: false,
        is_team_leader: true,
    };
    let mut closing = Vec::new();
    for reviewer in &placement.reviewers {
        let stored = data.sheet(file, *reviewer).ok_or(AppError::MissingSheet)?;
        let presented: i64 = field(fields, &format!("version_{reviewer}"))
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
    Ok(Ok(Posted {
        decision,
        triggers: entry.reason_lines(),
        closing,
    }))
}

/// POST /rounds/{id}/files/{file}/reconcile: records the 合议 and closes the file's sheets.
pub async fn decide(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> WebResult<HttpResponse> {
    let (round_id, file): (RoundId, CaseFileId) = parse_file(&path)?;
    let fields = form.into_inner();
    let data = review_data(&state, round_id).await?;
    let posted = match check_posted(&data, &user, file, &fields)? {
        Ok(posted) => posted,
        Err(message) => {
            // Shown as the page is now (the refusal wrote nothing).
            let data = review_data(&state, round_id).await?;
            return reconcile_page(&request, &user, &data, file, Some(message), Some(&fields));
        }
    };
    let actor = user.actor(&request);
    let names: BTreeMap<PersonId, String> = posted
        .closing
        .iter()
        .map(|(stored, _)| (stored.reviewer_id, data.reviewer_name(stored.reviewer_id)))
        .collect();
    state
        .db(move |conn| {
            match reconciliations::record(
                conn,
                &actor,
                round_id,
                &posted.decision,
                &posted.triggers,
                &posted.closing,
                storage::now(),
            ) {
                Ok(_) => Ok(()),
                Err(RecordError::Stale { reviewer, stored }) => Err(WebError::Conflict(format!(
                    "{}的评分表已有更新（第 {stored} 版），合议未保存，请刷新后重试",
                    names.get(&reviewer).cloned().unwrap_or_default()
                ))),
                Err(RecordError::Storage(error)) => Err(super::storage_error(error)),
            }
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}/reconciliations")))
}
