//! Calibration of reviewers (校准): how each reviewer's deductions compare with their
//! co-reviewers' and their team's. Administrators see every team, a team leader their own.

use super::page_of;
use crate::app::messages::scoring as messages;
use crate::domain::people::Role;
use crate::storage::rounds::RoundView;
use crate::web::error::WebResult;
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use actix_web::{HttpResponse, web};
use serde::Serialize;

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
    paired_this_round: usize,
    mean_total: String,
    sd_total: String,
    uniform_high: bool,
    co: Option<String>,
    team_deviation: String,
    leaning: &'static str,
    flag: bool,
    items: Vec<Deviation>,
}

#[derive(Serialize)]
struct ItemRow {
    case_type: &'static str,
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
    /// Rounds the pairs were pooled over.
    rounds: usize,
    /// The leaning and 一团和气 rules as the page states them.
    leaning_rule: String,
    uniform_high_rule: String,
    /// Teams (and reviewers) flagged as 一团和气.
    uniform_high: Vec<String>,
}

/// GET /rounds/{id}/calibration: administrators and leaders see every team, a team leader
/// their own.
pub async fn calibration(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let (role, person) = (user.account.role, user.account.person_id);
    let (data, team, calibration) = state
        .db(move |conn| {
            let data = crate::app::reconciliation::review_data(conn, round_id)?;
            let team = match role {
                Role::BureauAdmin | Role::Leader => None,
                _ => Some(data.led_team(person, role)?),
            };
            let calibration = crate::app::calibration::of_round(conn, &data, team, person)?;
            Ok((data, team, calibration))
        })
        .await?;
    let report = &calibration.report;
    let mut uniform_high: Vec<String> = report
        .teams
        .iter()
        .filter(|row| row.uniform_high)
        .map(|row| messages::uniform_high_team(row.team, row.sheets, row.mean_total, row.sd_total))
        .collect();
    uniform_high.extend(
        report
            .reviewers
            .iter()
            .filter(|row| row.uniform_high)
            .map(|row| {
                messages::uniform_high_reviewer(
                    &data.reviewer_name(row.reviewer_id),
                    row.team,
                    row.sheets,
                    row.mean_total,
                    row.sd_total,
                )
            }),
    );
    let reviewers = report
        .reviewers
        .iter()
        .map(|row| ReviewerRow {
            name: data.reviewer_name(row.reviewer_id),
            team: row.team,
            sheets: row.sheets,
            paired: row.paired_files,
            paired_this_round: row.paired_files_this_round,
            mean_total: format!("{:.1}", row.mean_total),
            sd_total: format!("{:.1}", row.sd_total),
            uniform_high: row.uniform_high,
            co: row.deviation_from_co_reviewers.map(one_decimal),
            team_deviation: one_decimal(row.deviation_from_team),
            leaning: row.leaning_label,
            flag: matches!(row.leaning_label, "偏严" | "偏松") || row.uniform_high,
            items: row
                .items
                .iter()
                .filter(|item| item.mean_deviation.abs() >= 0.05)
                .map(|item| Deviation {
                    code: messages::case_type_item(item.case_type, &item.item_code),
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
            case_type: item.case_type.label(),
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
        sheets: calibration.sheets,
        rounds: calibration.rounds,
        leaning_rule: messages::calibration_leaning_rule(&calibration.settings, calibration.rounds),
        uniform_high_rule: messages::calibration_uniform_high_rule(
            &calibration.settings.uniform_high,
        ),
        uniform_high,
    };
    page_of(&request, "sheets/calibration", "评查员校准", &user, &view)
}
