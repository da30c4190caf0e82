//! Calibration of reviewers (校准) for a round: the rows the domain's rule reads, gathered
//! from the round's submitted sheets and, for the pairing with co-reviewers, from the
//! bureau's earlier rounds in the window (`domain::scoring::calibration::POOLED_ROUNDS`).

use crate::app::reconciliation::{Error, ReviewData};
use crate::domain::rubric::Method;
use crate::domain::scoring::ExplanationLine;
use crate::domain::scoring::calibration::{
    CalibrationReport, CalibrationRow, CalibrationSettings, ItemKey, POOLED_ROUNDS, calibrate,
};
use crate::domain::scoring::sheet::SheetStatus;
use crate::storage::{self, DbConn, rounds};
use std::collections::BTreeMap;

/// A round's calibration and what it was computed over.
pub struct RoundCalibration {
    pub report: CalibrationReport,
    pub settings: CalibrationSettings,
    /// This round's sheets read.
    pub sheets: usize,
    /// How many rounds the pairs were pooled over (this one included).
    pub rounds: usize,
}

/// The calibration of `data`'s round, of one team when `team` is given, as `viewer` may see
/// it: files the viewer reviews without having submitted their own sheet are left out (a
/// team leader does not learn a co-reviewer's total before scoring).
pub fn of_round(
    conn: &mut DbConn,
    data: &ReviewData,
    team: Option<u32>,
    viewer: Option<crate::domain::ids::PersonId>,
) -> Result<RoundCalibration, Error> {
    let (mut rows, keys) = rows_of(data, team, true);
    rows.retain(|row| data.sees_co_reviews(viewer, row.case_file_id));
    let sheets = rows.len();
    let window = rounds::window_ending_with(conn, data.round.id, POOLED_ROUNDS)?;
    let rounds = window.len();
    for earlier in window.into_iter().skip(1) {
        let earlier_data = match crate::app::reconciliation::review_data(conn, earlier) {
            Ok(earlier_data) => earlier_data,
            // A round without a published assignment has no sheets to pool.
            Err(Error::NotFound) => continue,
            Err(error) => return Err(error),
        };
        rows.extend(rows_of(&earlier_data, None, false).0);
    }
    let settings = CalibrationSettings::default();
    let report = calibrate(&rows, &keys, settings)
        .map_err(|error| Error::Storage(storage::Error::Corrupt(error.to_string())))?;
    Ok(RoundCalibration {
        report,
        settings,
        sheets,
        rounds,
    })
}

/// The rows calibration reads: every submitted or reconciled deduction-method sheet, with
/// its file's case type; and each case type's rubric items in order.
fn rows_of(
    data: &ReviewData,
    team: Option<u32>,
    current: bool,
) -> (Vec<CalibrationRow>, Vec<ItemKey>) {
    let mut rows = Vec::new();
    let mut keys: Vec<ItemKey> = Vec::new();
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
        let Some(case_type) = data
            .version
            .problem
            .file(sheet.case_file_id)
            .map(|file| file.case_type)
        else {
            continue;
        };
        let Some(rubric) = data.rubric_of(sheet) else {
            continue;
        };
        if let Method::Deduction(scheme) = rubric.method() {
            for item in scheme.items() {
                let key = ItemKey::new(case_type, item.code.clone());
                if !keys.contains(&key) {
                    keys.push(key);
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
            case_type,
            team: member_team,
            total,
            deductions,
            current,
        });
    }
    (rows, keys)
}

/// What the summary page says of calibration beyond the counts: the window, the teams
/// flagged as 一团和气 and the rule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OverviewNotes {
    /// The leaning rule's threshold in points and least number of paired files.
    pub threshold: String,
    pub min_files: usize,
    /// Rounds the pairs were pooled over.
    pub rounds: usize,
    /// Teams whose totals cluster near the top (一团和气), one sentence each.
    pub uniform_high: Vec<String>,
    pub uniform_high_rule: String,
}

pub fn overview_notes(overview: &crate::storage::summary::CalibrationOverview) -> OverviewNotes {
    use crate::app::messages::scoring as messages;
    let settings = CalibrationSettings::default();
    OverviewNotes {
        threshold: settings.threshold.to_string(),
        min_files: settings.min_paired_files,
        rounds: overview.rounds,
        uniform_high: overview
            .uniform_high_teams
            .iter()
            .map(|team| {
                messages::uniform_high_team(team.team, team.sheets, team.mean_total, team.sd_total)
            })
            .collect(),
        uniform_high_rule: messages::calibration_uniform_high_rule(&settings.uniform_high),
    }
}
