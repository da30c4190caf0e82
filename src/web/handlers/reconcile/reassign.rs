//! The administrator's reassignment of one review of a file, and the table of reviews with
//! its form on the progress page.

use super::{parse_file, sheet_state};
use crate::app::messages::teams as text;
use crate::app::reconciliation::ReviewData;
use crate::domain::assignment::{Change, check_change};
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::storage::{self, assignments, audit, sheets};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::see_other;
use crate::web::handlers::sheet_review::progress_page;
use actix_web::{HttpRequest, HttpResponse, web};
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
/// is stored and published at once. A submitted review cannot move (reopen it first). A
/// refusal comes back as the progress page with its message (nothing changed).
pub async fn reassign(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String)>,
    form: web::Form<ReassignForm>,
) -> WebResult<HttpResponse> {
    let (round_id, file) = parse_file(&path)?;
    match move_review(&request, &state, &user, round_id, file, form.into_inner()).await {
        Ok(()) => Ok(see_other(&format!("/rounds/{round_id}/progress"))),
        Err(error @ (WebError::BadRequest(_) | WebError::Conflict(_))) => {
            let status = actix_web::ResponseError::status_code(&error);
            let mut response =
                progress_page(&request, &state, &user, round_id, Some(error.message())).await?;
            *response.status_mut() = status;
            Ok(response)
        }
        Err(other) => Err(other),
    }
}

async fn move_review(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    round_id: RoundId,
    file: CaseFileId,
    form: ReassignForm,
) -> WebResult<()> {
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        return Err(WebError::BadRequest(text::REASSIGN_NEEDS_REASON.into()));
    }
    crate::domain::text_limits::TextField::AssignmentNote
        .check(&reason)
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let from: PersonId = form
        .from
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(text::REASSIGN_BAD_FROM.into()))?;
    let to: PersonId = form
        .to
        .trim()
        .parse()
        .map_err(|_| WebError::BadRequest(text::REASSIGN_CHOOSE.into()))?;
    let actor = user.actor(request);
    state
        .db(move |conn| {
            storage::transaction(conn, |conn| {
                let version = assignments::published(conn, round_id)?.ok_or(WebError::NotFound)?;
                if let Some(sheet) = sheets::find(conn, round_id, file, from)?
                    && !sheet.sheet.state.is_editable()
                {
                    return Err(WebError::Conflict(text::reassign_locked(
                        version.problem.reviewer_name(from),
                        sheet.sheet.state.status().label(),
                    )));
                }
                let next = check_change(
                    &version.problem,
                    &version.assignment,
                    Change::MoveFile { file, from, to },
                )
                .map_err(|breaches| {
                    let messages: Vec<String> =
                        breaches.into_iter().map(|breach| breach.message).collect();
                    WebError::Conflict(text::reassign_breaches(&messages))
                })?;
                let note = text::reassign_note(&reason);
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
        .await
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
    /// Who may take this review over under the rules (members of the team visiting the
    /// file's unit, not on the file, not recused); nobody is preselected.
    choices: Vec<PoolEntry>,
}

/// Every review with who may take it over, for the progress page's reassignment.
#[derive(Serialize)]
pub struct ReassignView {
    rows: Vec<ReviewRow>,
}

/// The reviewers who may take the review of `file` over from `from`: the rules re-checked
/// for each member of `from`'s team, so a conflicted person is never offered.
fn choices(data: &ReviewData, file: CaseFileId, from: PersonId) -> Vec<PoolEntry> {
    let version = &data.version;
    let Some(team) = version.assignment.team_of_member(from) else {
        return Vec::new();
    };
    team.members
        .iter()
        .filter(|member| **member != from)
        .filter(|member| {
            check_change(
                &version.problem,
                &version.assignment,
                Change::MoveFile {
                    file,
                    from,
                    to: **member,
                },
            )
            .is_ok()
        })
        .map(|member| PoolEntry {
            id: member.to_string(),
            name: version.problem.reviewer_name(*member).to_string(),
        })
        .collect()
}

/// The administrator's table of files and reviewers with the reassignment form, for the
/// progress page.
pub fn reassign_rows(data: &ReviewData) -> ReassignView {
    let rows = data
        .version
        .assignment
        .placements
        .iter()
        .flat_map(|placement| {
            placement.reviewers.iter().map(move |reviewer| {
                let sheet = data.sheet(placement.file, *reviewer);
                let movable = sheet.is_none_or(|sheet| sheet.sheet.state.is_editable());
                ReviewRow {
                    file: placement.file.to_string(),
                    case_number: data.case_number(placement.file),
                    reviewer: reviewer.to_string(),
                    reviewer_name: data.reviewer_name(*reviewer),
                    state: sheet_state(sheet),
                    movable,
                    choices: if movable {
                        choices(data, placement.file, *reviewer)
                    } else {
                        Vec::new()
                    },
                }
            })
        })
        .collect();
    ReassignView { rows }
}
