//! After submission: where each file stands (one review, two that agree, two that disagree,
//! or decided by 合议), the team leader's 合议 queue and form, the approval of the team's
//! results, the administrator's reassignment of a review, calibration of reviewers, and the
//! unit's view of its results (without reviewer names when the round is blind). The rules and
//! the loading are in [`crate::app::reconciliation`]; this module parses, authorises and
//! renders.

mod calibration;
mod form;
mod reassign;
mod results;

pub use calibration::calibration;
pub use form::{decide, form};
pub use reassign::{ReassignView, reassign, reassign_rows};
pub use results::unit_results;

use crate::app::messages::scoring as messages;
use crate::app::reconciliation::{self as app, ReviewData, Standing};
use crate::domain::assignment::Placement;
use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::rubric::Points;
use crate::domain::scoring::actions::team_actions;
use crate::storage::rounds::RoundView;
use crate::storage::sheets::StoredSheet;
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

impl From<app::Error> for WebError {
    fn from(error: app::Error) -> Self {
        match error {
            app::Error::NotFound => WebError::NotFound,
            app::Error::Forbidden => WebError::Forbidden,
            app::Error::Storage(error) => storage_error(error),
            other => WebError::Conflict(messages::reconciliation_error(&other)),
        }
    }
}

/// A storage error of the 合议 tables; a record stored twice is named as the pages name it.
pub(crate) fn storage_error(error: crate::storage::Error) -> WebError {
    match error {
        crate::storage::Error::Duplicate(what) => WebError::Conflict(messages::duplicate(&what)),
        other => other.into(),
    }
}

/// Renders a page from its typed view.
pub(crate) fn page_of<T: Serialize>(
    request: &HttpRequest,
    template: &str,
    title: &str,
    user: &CurrentUser,
    view: &T,
) -> WebResult<HttpResponse> {
    let data = serde_json::to_value(view).map_err(WebError::internal)?;
    page(request, template, title, Some(user), data)
}

pub(crate) fn points_text(points: Option<Points>) -> Option<String> {
    points.map(|points| points.to_string())
}

/// A stored sheet's total as the pages print it.
pub(crate) fn sheet_total(sheet: Option<&StoredSheet>) -> Option<String> {
    sheet
        .and_then(|sheet| sheet.total_tenths)
        .map(|tenths| Points::from_tenths(tenths).to_string())
}

/// A review's state as the pages print it (未开始 without a sheet).
pub(crate) fn sheet_state(sheet: Option<&StoredSheet>) -> &'static str {
    sheet.map_or(messages::NOT_STARTED, |sheet| {
        sheet.sheet.state.status().label()
    })
}

fn parse_file(path: &(String, String)) -> WebResult<(RoundId, CaseFileId)> {
    Ok((
        parse_round_id(&path.0)?,
        path.1.parse().map_err(|_| WebError::NotFound)?,
    ))
}

async fn review_data(state: &AppState, round_id: RoundId) -> WebResult<ReviewData> {
    state
        .run(move |conn| app::review_data(conn, round_id))
        .await
}

/// The team the caller leads in this round, or 403.
fn led_team(data: &ReviewData, user: &CurrentUser) -> WebResult<u32> {
    Ok(data.led_team(user.account.person_id, user.account.role)?)
}

#[derive(Serialize)]
struct ReviewerCell {
    name: String,
    state: &'static str,
    total: Option<String>,
}

/// One file of the team's queue.
#[derive(Serialize)]
struct StandingRow {
    file: String,
    case_number: String,
    status: &'static str,
    disagreement: bool,
    #[serde(rename = "final")]
    is_final: bool,
    total: Option<String>,
    grade: Option<String>,
    how: Option<&'static str>,
    reasons: Vec<String>,
    progress: Option<String>,
    reviewers: Vec<ReviewerCell>,
}

fn standing_row(
    data: &ReviewData,
    placement: &Placement,
    viewer: Option<crate::domain::ids::PersonId>,
) -> StandingRow {
    let standing = data.standing(placement);
    let sees = data.sees_co_reviews(viewer, placement.file);
    let mut row = StandingRow {
        file: placement.file.to_string(),
        case_number: data.case_number(placement.file),
        status: messages::standing_label(&standing),
        disagreement: matches!(standing, Standing::Disagreement(_)),
        is_final: standing.is_final(),
        total: None,
        grade: None,
        how: None,
        reasons: Vec::new(),
        progress: None,
        reviewers: placement
            .reviewers
            .iter()
            .map(|reviewer| {
                let sheet = data.sheet(placement.file, *reviewer);
                ReviewerCell {
                    name: data.reviewer_name(*reviewer),
                    state: sheet_state(sheet),
                    total: if sees || Some(*reviewer) == viewer {
                        sheet_total(sheet)
                    } else {
                        None
                    },
                }
            })
            .collect(),
    };
    match standing {
        Standing::Pending { submitted, needed } => {
            row.progress = Some(format!("{submitted}/{needed}"));
        }
        Standing::Final { total, grade, how } => {
            row.total = points_text(total);
            row.grade = Some(grade);
            row.how = Some(messages::how_label(how));
        }
        Standing::Disagreement(entry) => row.reasons = entry.reason_lines(),
    }
    row
}

#[derive(Serialize)]
struct ApprovalView {
    by: String,
    at: String,
}

#[derive(Serialize)]
struct QueueView<'a> {
    round: RoundView,
    team: u32,
    rule: String,
    waiting_count: usize,
    waiting: Vec<&'a StandingRow>,
    rows: &'a [StandingRow],
    files: usize,
    finals: usize,
    ready: bool,
    approval: Option<ApprovalView>,
}

/// GET /rounds/{id}/reconciliations: the leader's queue of the team's files that need 合议,
/// with where every other file stands and the approval of the team's results.
pub async fn queue(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let data = review_data(&state, round_id).await?;
    let team = led_team(&data, &user)?;
    let placements = data.team_placements(team);
    let rows: Vec<StandingRow> = placements
        .iter()
        .map(|placement| standing_row(&data, placement, user.account.person_id))
        .collect();
    let finals = rows.iter().filter(|row| row.is_final).count();
    let approval = data.approval(team);
    let actions = team_actions(
        data.round.status,
        placements.len(),
        finals,
        approval.is_some(),
    );
    let view = QueueView {
        round: RoundView::from(&data.round),
        team,
        rule: data.round.settings.combine.label(),
        waiting_count: rows.iter().filter(|row| row.disagreement).count(),
        waiting: rows.iter().filter(|row| row.disagreement).collect(),
        rows: &rows,
        files: placements.len(),
        finals,
        ready: actions.approve,
        approval: approval.map(|approval| ApprovalView {
            by: approval.approved_by.clone(),
            at: crate::domain::local_time::minutes(approval.approved_at),
        }),
    };
    page_of(
        &request,
        "sheets/reconciliations",
        "合议与审核",
        &user,
        &view,
    )
}

/// POST /rounds/{id}/team/approve: the leader approves the team's results once every file
/// has a final result (checked in the transaction that records the approval).
pub async fn approve(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let actor = user.actor(&request);
    let (person, role) = (user.account.person_id, user.account.role);
    state
        .run(move |conn| {
            app::approve_team(conn, &actor, person, role, round_id, crate::storage::now())
        })
        .await?;
    Ok(see_other(&format!("/rounds/{round_id}/reconciliations")))
}
