//! Calibration (校准): how far each reviewer's totals and item deductions sit from their
//! co-reviewers' on the same files and from their team, and how often paired reviewers agree
//! on each rubric item, so harsh or lenient reviewers are found while the round is running.
//!
//! Inputs are plain rows, one per submitted deduction-method sheet (indicator grading has no
//! totals to compare); outputs are serialisable rows for the pages of leaders and
//! administrators.

use crate::domain::ids::{CaseFileId, PersonId};
use crate::domain::rubric::Points;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One submitted sheet as calibration reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationRow {
    pub reviewer_id: PersonId,
    pub case_file_id: CaseFileId,
    /// The team's number in the round (第N组).
    pub team: u32,
    pub total: Points,
    /// Points taken off per item code; items left out took nothing off.
    pub deductions: BTreeMap<String, Points>,
}

/// When a reviewer is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalibrationSettings {
    /// A mean deviation from co-reviewers at least this large (either way) flags a reviewer.
    pub threshold: Points,
    /// Fewer paired files than this say too little to flag anyone.
    pub min_paired_files: usize,
}

impl Default for CalibrationSettings {
    /// 5 points over at least 3 paired files: large enough to move a file across a grade band.
    fn default() -> Self {
        CalibrationSettings {
            threshold: Points::whole(5),
            min_paired_files: 3,
        }
    }
}

/// Which way a reviewer leans against their co-reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leaning {
    /// 偏严: totals lower than co-reviewers' by the threshold or more.
    Harsh,
    /// 偏松: totals higher by the threshold or more.
    Lenient,
    /// 正常
    Normal,
    /// 样本不足: too few paired files to judge.
    TooFewFiles,
}

impl Leaning {
    pub fn label(self) -> &'static str {
        match self {
            Leaning::Harsh => "偏严",
            Leaning::Lenient => "偏松",
            Leaning::Normal => "正常",
            Leaning::TooFewFiles => "样本不足",
        }
    }
}

/// A reviewer's total on one file against the mean of the file's other reviewers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileDeviation {
    pub case_file_id: CaseFileId,
    pub reviewer_id: PersonId,
    /// Own total less the co-reviewers' mean, in points; negative is harsher.
    pub deviation: f64,
}

/// One reviewer's calibration row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewerCalibration {
    pub reviewer_id: PersonId,
    pub team: u32,
    pub sheets: usize,
    /// Files on which someone else also submitted a sheet.
    pub paired_files: usize,
    pub mean_total: f64,
    /// Mean of [`FileDeviation::deviation`] over paired files; `None` with no paired file.
    pub deviation_from_co_reviewers: Option<f64>,
    /// Mean of own totals less the mean of all totals in the row's team.
    pub deviation_from_team: f64,
    pub leaning: Leaning,
    /// 偏严 / 偏松 / 正常 / 样本不足.
    pub leaning_label: &'static str,
    /// Per item, in item order: own deduction less the co-reviewers' mean, over paired files.
    pub items: Vec<ItemDeviation>,
}

/// How a reviewer deducts on one item compared with their co-reviewers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDeviation {
    pub item_code: String,
    /// Positive: deducts more than co-reviewers (harsher on this item).
    pub mean_deviation: f64,
}

/// How paired reviewers agree on one rubric item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemAgreement {
    pub item_code: String,
    /// Pairs of reviewers of the same file.
    pub pairs: usize,
    /// Pairs where both deducted or neither did.
    pub agreeing: usize,
    /// `agreeing / pairs`, 0..=1; `None` with no pair.
    pub agreement_rate: Option<f64>,
    /// Mean of |a − b| over all pairs, in points; `None` with no pair.
    pub mean_abs_difference: Option<f64>,
}

/// The calibration page: reviewers by team, then items in rubric order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    pub reviewers: Vec<ReviewerCalibration>,
    pub items: Vec<ItemAgreement>,
}

/// Rows calibration cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    #[error("同一评查员对同一案卷有两份评分表")]
    DuplicateSheet {
        reviewer_id: PersonId,
        case_file_id: CaseFileId,
    },
}

/// Each reviewer's deviation on each file that has two or more sheets, by file then reviewer.
///
/// On any one file the deviations sum to zero: with totals x₁…xₖ and sum S, each is
/// (k·xᵢ − S) / (k − 1).
pub fn co_reviewer_deviations(rows: &[CalibrationRow]) -> Vec<FileDeviation> {
    let mut deviations = Vec::new();
    for (case_file_id, sheets) in by_file(rows) {
        let count = sheets.len();
        if count < 2 {
            continue;
        }
        let sum: i64 = sheets.iter().map(|row| i64::from(row.total.tenths())).sum();
        let others = count as f64 - 1.0;
        for row in sheets {
            let own = i64::from(row.total.tenths());
            let numerator = own * count as i64 - sum;
            deviations.push(FileDeviation {
                case_file_id,
                reviewer_id: row.reviewer_id,
                deviation: numerator as f64 / others / 10.0,
            });
        }
    }
    deviations
}

/// Builds the calibration report. `item_codes` gives the rubric's items in order, so items
/// nobody deducted still show full agreement; codes found only in rows follow, sorted.
pub fn calibrate(
    rows: &[CalibrationRow],
    item_codes: &[String],
    settings: CalibrationSettings,
) -> Result<CalibrationReport, CalibrationError> {
    let mut seen = BTreeSet::new();
    for row in rows {
        if !seen.insert((row.reviewer_id, row.case_file_id)) {
            return Err(CalibrationError::DuplicateSheet {
                reviewer_id: row.reviewer_id,
                case_file_id: row.case_file_id,
            });
        }
    }
    let items = item_universe(rows, item_codes);
    let files = by_file(rows);
    let file_deviations = co_reviewer_deviations(rows);
    let team_means = team_means(rows);

    let mut reviewers: BTreeMap<(u32, PersonId), Vec<&CalibrationRow>> = BTreeMap::new();
    for row in rows {
        reviewers
            .entry((row.team, row.reviewer_id))
            .or_default()
            .push(row);
    }
    let reviewer_rows = reviewers
        .into_iter()
        .map(|((team, reviewer_id), own_rows)| {
            let sheets = own_rows.len();
            let own: Vec<f64> = file_deviations
                .iter()
                .filter(|deviation| deviation.reviewer_id == reviewer_id)
                .filter(|deviation| {
                    own_rows
                        .iter()
                        .any(|row| row.case_file_id == deviation.case_file_id)
                })
                .map(|deviation| deviation.deviation)
                .collect();
            let paired_files = own.len();
            let deviation_from_co_reviewers = mean(&own);
            let totals: Vec<f64> = own_rows.iter().map(|row| points(row.total)).collect();
            let from_team: Vec<f64> = own_rows
                .iter()
                .map(|row| points(row.total) - team_means.get(&row.team).copied().unwrap_or(0.0))
                .collect();
            let leaning = leaning(deviation_from_co_reviewers, paired_files, settings);
            let item_deviations = items
                .iter()
                .map(|code| ItemDeviation {
                    item_code: code.clone(),
                    mean_deviation: rounded(
                        item_deviation(code, reviewer_id, &own_rows, &files).unwrap_or(0.0),
                    ),
                })
                .collect();
            ReviewerCalibration {
                reviewer_id,
                team,
                sheets,
                paired_files,
                mean_total: rounded(mean(&totals).unwrap_or(0.0)),
                deviation_from_co_reviewers: deviation_from_co_reviewers.map(rounded),
                deviation_from_team: rounded(mean(&from_team).unwrap_or(0.0)),
                leaning,
                leaning_label: leaning.label(),
                items: item_deviations,
            }
        })
        .collect();

    let item_rows = items
        .iter()
        .map(|code| item_agreement(code, &files))
        .collect();
    Ok(CalibrationReport {
        reviewers: reviewer_rows,
        items: item_rows,
    })
}

fn leaning(deviation: Option<f64>, paired_files: usize, settings: CalibrationSettings) -> Leaning {
    let Some(deviation) = deviation else {
        return Leaning::TooFewFiles;
    };
    if paired_files < settings.min_paired_files {
        return Leaning::TooFewFiles;
    }
    // The tolerance absorbs float error in thirds, so exactly the threshold flags.
    let threshold = points(settings.threshold) - 1e-9;
    if deviation <= -threshold {
        Leaning::Harsh
    } else if deviation >= threshold {
        Leaning::Lenient
    } else {
        Leaning::Normal
    }
}

fn by_file(rows: &[CalibrationRow]) -> BTreeMap<CaseFileId, Vec<&CalibrationRow>> {
    let mut files: BTreeMap<CaseFileId, Vec<&CalibrationRow>> = BTreeMap::new();
    for row in rows {
        files.entry(row.case_file_id).or_default().push(row);
    }
    for sheets in files.values_mut() {
        sheets.sort_by_key(|row| row.reviewer_id);
    }
    files
}

fn team_means(rows: &[CalibrationRow]) -> BTreeMap<u32, f64> {
    let mut totals: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for row in rows {
        totals.entry(row.team).or_default().push(points(row.total));
    }
    totals
        .into_iter()
        .filter_map(|(team, values)| mean(&values).map(|value| (team, value)))
        .collect()
}

fn item_universe(rows: &[CalibrationRow], item_codes: &[String]) -> Vec<String> {
    let mut items: Vec<String> = item_codes.to_vec();
    let known: BTreeSet<&str> = item_codes.iter().map(String::as_str).collect();
    let extra: BTreeSet<&String> = rows
        .iter()
        .flat_map(|row| row.deductions.keys())
        .filter(|code| !known.contains(code.as_str()))
        .collect();
    items.extend(extra.into_iter().cloned());
    items
}

fn deduction(row: &CalibrationRow, code: &str) -> f64 {
    row.deductions.get(code).copied().map_or(0.0, points)
}

/// Own deduction on `code` less the co-reviewers' mean, averaged over paired files.
fn item_deviation(
    code: &str,
    reviewer_id: PersonId,
    own_rows: &[&CalibrationRow],
    files: &BTreeMap<CaseFileId, Vec<&CalibrationRow>>,
) -> Option<f64> {
    let deviations: Vec<f64> = own_rows
        .iter()
        .filter_map(|own| {
            let others: Vec<f64> = files
                .get(&own.case_file_id)?
                .iter()
                .filter(|row| row.reviewer_id != reviewer_id)
                .map(|row| deduction(row, code))
                .collect();
            Some(deduction(own, code) - mean(&others)?)
        })
        .collect();
    mean(&deviations)
}

fn item_agreement(code: &str, files: &BTreeMap<CaseFileId, Vec<&CalibrationRow>>) -> ItemAgreement {
    let mut pairs = 0;
    let mut agreeing = 0;
    let mut differences = Vec::new();
    for sheets in files.values() {
        for (index, first) in sheets.iter().enumerate() {
            for second in sheets.iter().skip(index + 1) {
                let a = deduction(first, code);
                let b = deduction(second, code);
                pairs += 1;
                if (a > 0.0) == (b > 0.0) {
                    agreeing += 1;
                }
                differences.push((a - b).abs());
            }
        }
    }
    ItemAgreement {
        item_code: code.to_string(),
        pairs,
        agreeing,
        agreement_rate: (pairs > 0).then(|| rounded(agreeing as f64 / pairs as f64)),
        mean_abs_difference: mean(&differences).map(rounded),
    }
}

fn points(value: Points) -> f64 {
    f64::from(value.tenths()) / 10.0
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Two decimals: enough for a page, and stable in snapshots.
fn rounded(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn person(n: u128) -> PersonId {
        PersonId(Uuid::from_u128(n))
    }

    fn file(n: u128) -> CaseFileId {
        CaseFileId(Uuid::from_u128(1000 + n))
    }

    fn row(
        reviewer: u128,
        case_file: u128,
        total: i32,
        deducted: &[(&str, i32)],
    ) -> CalibrationRow {
        CalibrationRow {
            reviewer_id: person(reviewer),
            case_file_id: file(case_file),
            team: 1,
            total: Points::whole(total),
            deductions: deducted
                .iter()
                .map(|(code, points)| ((*code).to_string(), Points::whole(*points)))
                .collect(),
        }
    }

    fn codes() -> Vec<String> {
        ["C2", "D1"].iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_reviewer_five_points_below_on_three_files_is_harsh() {
        let mut rows = Vec::new();
        for case_file in 0..3 {
            rows.push(row(1, case_file, 80, &[("C2", 5)]));
            rows.push(row(2, case_file, 85, &[]));
        }
        let report = calibrate(&rows, &codes(), CalibrationSettings::default()).unwrap();
        let harsh = &report.reviewers[0];
        assert_eq!(harsh.reviewer_id, person(1));
        assert_eq!(harsh.paired_files, 3);
        assert_eq!(harsh.deviation_from_co_reviewers, Some(-5.0));
        assert_eq!(harsh.deviation_from_team, -2.5);
        assert_eq!(harsh.leaning, Leaning::Harsh);
        assert_eq!(harsh.leaning_label, "偏严");
        assert_eq!(harsh.items[0].mean_deviation, 5.0);
        let lenient = &report.reviewers[1];
        assert_eq!(lenient.leaning_label, "偏松");
        let c2 = &report.items[0];
        assert_eq!((c2.pairs, c2.agreeing), (3, 0));
        assert_eq!(c2.agreement_rate, Some(0.0));
        assert_eq!(c2.mean_abs_difference, Some(5.0));
        let d1 = &report.items[1];
        assert_eq!(d1.agreement_rate, Some(1.0));
        assert_eq!(d1.mean_abs_difference, Some(0.0));
    }

    #[test]
    fn too_few_or_too_small_differences_are_not_flagged() {
        let two_files = vec![
            row(1, 0, 70, &[]),
            row(2, 0, 90, &[]),
            row(1, 1, 70, &[]),
            row(2, 1, 90, &[]),
        ];
        let report = calibrate(&two_files, &codes(), CalibrationSettings::default()).unwrap();
        assert!(
            report
                .reviewers
                .iter()
                .all(|reviewer| reviewer.leaning_label == "样本不足")
        );
        let mut close = Vec::new();
        for case_file in 0..4 {
            close.push(row(1, case_file, 84, &[]));
            close.push(row(2, case_file, 88, &[]));
        }
        let report = calibrate(&close, &codes(), CalibrationSettings::default()).unwrap();
        assert!(
            report
                .reviewers
                .iter()
                .all(|reviewer| reviewer.leaning == Leaning::Normal)
        );
        let alone = calibrate(
            &[row(3, 9, 60, &[])],
            &codes(),
            CalibrationSettings::default(),
        )
        .unwrap();
        assert_eq!(alone.reviewers[0].deviation_from_co_reviewers, None);
        assert_eq!(alone.items[0].agreement_rate, None);
    }

    #[test]
    fn three_reviewers_on_a_file() {
        let rows = vec![row(1, 0, 70, &[]), row(2, 0, 80, &[]), row(3, 0, 96, &[])];
        let deviations: Vec<f64> = co_reviewer_deviations(&rows)
            .iter()
            .map(|deviation| deviation.deviation)
            .collect();
        assert_eq!(deviations, vec![-18.0, -3.0, 21.0]);
        let report = calibrate(&rows, &codes(), CalibrationSettings::default()).unwrap();
        assert_eq!(report.items[0].pairs, 3);
    }

    #[test]
    fn a_duplicate_sheet_is_refused() {
        let rows = vec![row(1, 0, 70, &[]), row(1, 0, 75, &[])];
        assert_eq!(
            calibrate(&rows, &codes(), CalibrationSettings::default()),
            Err(CalibrationError::DuplicateSheet {
                reviewer_id: person(1),
                case_file_id: file(0),
            })
        );
    }

    #[test]
    fn the_report_serialises_with_chinese_labels() {
        let rows = vec![row(1, 0, 70, &[]), row(2, 0, 80, &[])];
        let report = calibrate(&rows, &codes(), CalibrationSettings::default()).unwrap();
        let item = toml::to_string(&report.items[0]).unwrap();
        assert!(item.contains("agreement_rate = 1.0"), "{item}");
        let reviewer = toml::to_string(&report.reviewers[0]).unwrap();
        assert!(
            reviewer.contains("leaning_label = \"样本不足\""),
            "{reviewer}"
        );
    }

    proptest! {
        #[test]
        fn deviations_cancel_out_within_each_file(
            files in prop::collection::vec(prop::collection::vec(0i32..=1000, 2..=3), 1..8),
        ) {
            let mut rows = Vec::new();
            for (case_file, totals) in files.iter().enumerate() {
                for (reviewer, total) in totals.iter().enumerate() {
                    rows.push(CalibrationRow {
                        reviewer_id: person(reviewer as u128),
                        case_file_id: file(case_file as u128),
                        team: 1,
                        total: Points::from_tenths(*total),
                        deductions: BTreeMap::new(),
                    });
                }
            }
            let deviations = co_reviewer_deviations(&rows);
            prop_assert_eq!(deviations.len(), rows.len());
            for case_file in 0..files.len() {
                let sum: f64 = deviations
                    .iter()
                    .filter(|deviation| deviation.case_file_id == file(case_file as u128))
                    .map(|deviation| deviation.deviation)
                    .sum();
                prop_assert!(sum.abs() < 1e-9, "file {} sums to {}", case_file, sum);
            }
        }

        #[test]
        fn a_pair_leans_in_opposite_directions(
            totals in prop::collection::vec((0i32..=1000, 0i32..=1000), 1..10),
        ) {
            let mut rows = Vec::new();
            for (case_file, (first, second)) in totals.iter().enumerate() {
                for (reviewer, total) in [(1, first), (2, second)] {
                    rows.push(CalibrationRow {
                        reviewer_id: person(reviewer),
                        case_file_id: file(case_file as u128),
                        team: 1,
                        total: Points::from_tenths(*total),
                        deductions: BTreeMap::new(),
                    });
                }
            }
            let report = calibrate(&rows, &[], CalibrationSettings::default()).unwrap();
            let [first, second] = [&report.reviewers[0], &report.reviewers[1]];
            let sum = first.deviation_from_co_reviewers.unwrap()
                + second.deviation_from_co_reviewers.unwrap();
            prop_assert!(sum.abs() < 1e-9, "{}", sum);
            prop_assert_eq!(first.paired_files, second.paired_files);
            let flipped = match first.leaning {
                Leaning::Harsh => Leaning::Lenient,
                Leaning::Lenient => Leaning::Harsh,
                other => other,
            };
            prop_assert_eq!(flipped, second.leaning);
        }
    }
}
