//! The unit's view of its results once the team has approved them. In a blind round a center
//! manager never sees who scored the files.

use super::{page_of, points_text, review_data};
use crate::app::messages::scoring as messages;
use crate::app::reconciliation::Standing;
use crate::domain::UnitScope;
use crate::domain::ids::UnitId;
use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::storage::rounds::RoundView;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use actix_web::{HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct ResultRow {
    case_number: String,
    status: &'static str,
    total: Option<String>,
    grade: Option<String>,
    reviewers: String,
}

#[derive(Serialize)]
struct UnitResultsView {
    round: RoundView,
    unit: String,
    blind: bool,
    rows: Vec<ResultRow>,
    /// Score sheets and the feedback report are printed once results are fed back.
    documents: bool,
}

/// GET /rounds/{id}/units/{unit}/results: the unit's files with their results, once the team
/// has approved them. In a blind round a center manager never sees who scored the files.
pub async fn unit_results(
    Ctx(request, state, user): Ctx,
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
    let rows = data
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
            let team = data
                .version
                .assignment
                .team_of_file(placement.file)
                .map(|team| team.number);
            let approved = team.is_some_and(|team| data.is_approved(team));
            let (total, grade) = match (data.standing(placement), approved) {
                (Standing::Final { total, grade, .. }, true) => (points_text(total), Some(grade)),
                _ => (None, None),
            };
            let reviewers: Vec<String> = placement
                .reviewers
                .iter()
                .enumerate()
                .map(|(index, reviewer)| {
                    if hide_names {
                        messages::anonymous_reviewer(index)
                    } else {
                        data.reviewer_name(*reviewer)
                    }
                })
                .collect();
            ResultRow {
                case_number: data.case_number(placement.file),
                status: if approved {
                    messages::APPROVED
                } else {
                    messages::IN_REVIEW
                },
                total,
                grade,
                reviewers: reviewers.join("、"),
            }
        })
        .collect();
    let view = UnitResultsView {
        round: RoundView::from(&data.round),
        unit: problem.unit_name(unit).to_string(),
        blind: hide_names,
        rows,
        documents: matches!(
            data.round.status,
            RoundStatus::Feedback | RoundStatus::Closed
        ),
    };
    page_of(
        &request,
        "sheets/unit_results",
        "本单位评查结果",
        &user,
        &view,
    )
}
