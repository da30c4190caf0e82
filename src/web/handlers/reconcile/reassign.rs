//! The administrator's reassignment of one review of a file, and the table of reviews with
//! its form on the progress page.

use super::{parse_file, sheet_state};
use crate::app::reconciliation::ReviewData;
use crate::domain::assignment::{Change, check_change};
use crate::domain::ids::PersonId;
use crate::storage::{self, assignments, audit, sheets};
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::see_other;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

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
    Ctx(request, state, user): Ctx,
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

#[derive(Serialize)]
pub struct PoolEntry {
    id: String,
    name: String,
}

#[derive(Serialize)]
pub struct ReviewRow {
    file: String,
    case_number: String,
    reviewer: String,
    reviewer_name: String,
    state: &'static str,
    movable: bool,
}

/// The reviewers to choose from and every review, for the progress page's reassignment.
#[derive(Serialize)]
pub struct ReassignView {
    pool: Vec<PoolEntry>,
    rows: Vec<ReviewRow>,
}

/// The administrator's table of files and reviewers with the reassignment form, for the
/// progress page.
pub fn reassign_rows(data: &ReviewData) -> ReassignView {
    let pool = data
        .version
        .problem
        .reviewers
        .iter()
        .map(|reviewer| PoolEntry {
            id: reviewer.id.to_string(),
            name: reviewer.name.clone(),
        })
        .collect();
    let rows = data
        .version
        .assignment
        .placements
        .iter()
        .flat_map(|placement| {
            placement.reviewers.iter().map(move |reviewer| {
                let sheet = data.sheet(placement.file, *reviewer);
                ReviewRow {
                    file: placement.file.to_string(),
                    case_number: data.case_number(placement.file),
                    reviewer: reviewer.to_string(),
                    reviewer_name: data.reviewer_name(*reviewer),
                    state: sheet_state(sheet),
                    movable: sheet.is_none_or(|sheet| sheet.sheet.state.is_editable()),
                }
            })
        })
        .collect();
    ReassignView { pool, rows }
}
