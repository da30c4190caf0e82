//! Calibration of reviewers (校准): how each reviewer's deductions compare with their
//! co-reviewers' and their team's. Administrators see every team, a team leader their own.

use super::{led_team, page_of, review_data};
use crate::app::reconciliation::ReviewData;
use crate::domain::people::Role;
use crate::domain::rubric::Method;
use crate::domain::scoring::ExplanationLine;
use crate::domain::scoring::calibration::{CalibrationRow, CalibrationSettings, calibrate};
use crate::domain::scoring::sheet::SheetStatus;
use crate::storage::rounds::RoundView;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::collections::BTreeMap;

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

#[derive(Serialize)]
struct Deviation {
    code: String,
    deviation: String,
}

#[derive(Serialize)]
struct ReviewerRow {
    name: String,
    team: u32,
    sheets: usize,
    paired: usize,
    mean_total: String,
    co: Option<String>,
    team_deviation: String,
    leaning: &'static str,
    flag: bool,
    items: Vec<Deviation>,
}

#[derive(Serialize)]
struct ItemRow {
    code: String,
    pairs: usize,
    agreeing: usize,
    rate: Option<String>,
    difference: Option<String>,
}

#[derive(Serialize)]
struct CalibrationView {
    round: RoundView,
    team: Option<u32>,
    reviewers: Vec<ReviewerRow>,
    items: Vec<ItemRow>,
    sheets: usize,
}

/// GET /rounds/{id}/calibration: administrators see every team, a team leader their own.
pub async fn calibration(
    Ctx(request, state, user): Ctx,
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
    let reviewers = report
        .reviewers
        .iter()
        .map(|row| ReviewerRow {
            name: data.reviewer_name(row.reviewer_id),
            team: row.team,
            sheets: row.sheets,
            paired: row.paired_files,
            mean_total: format!("{:.1}", row.mean_total),
            co: row.deviation_from_co_reviewers.map(one_decimal),
            team_deviation: one_decimal(row.deviation_from_team),
            leaning: row.leaning_label,
            flag: matches!(row.leaning_label, "偏严" | "偏松"),
            items: row
                .items
                .iter()
                .filter(|item| item.mean_deviation.abs() >= 0.05)
                .map(|item| Deviation {
                    code: item.item_code.clone(),
                    deviation: one_decimal(item.mean_deviation),
                })
                .collect(),
        })
        .collect();
    let items = report
        .items
        .iter()
        .filter(|item| item.pairs > 0)
        .map(|item| ItemRow {
            code: item.item_code.clone(),
            pairs: item.pairs,
            agreeing: item.agreeing,
            rate: item
                .agreement_rate
                .map(|rate| format!("{:.0}%", rate * 100.0)),
            difference: item.mean_abs_difference.map(|value| format!("{value:.1}")),
        })
        .collect();
    let view = CalibrationView {
        round: RoundView::from(&data.round),
        team,
        reviewers,
        items,
        sheets: rows.len(),
    };
    page_of(&request, "sheets/calibration", "评查员校准", &user, &view)
}
