//! Calibration (校准): how far each reviewer's totals and item deductions sit from their
//! co-reviewers' on the same files and from their team, and how often paired reviewers agree
//! on each rubric item, so harsh or lenient reviewers are found while the round is running.
//!
//! Inputs are plain rows, one per submitted deduction-method sheet (indicator grading has no
//! totals to compare); outputs are serialisable rows for the pages of leaders and
//! administrators.
//!
//! Three rules live here:
//! - Items are keyed by (case type, item code): the criminal rubric's B1 and the civil
//!   rubric's B1 are different questions and are never pooled.
//! - A reviewer's leaning is judged on paired files pooled over a window of the bureau's
//!   rounds ([`POOLED_ROUNDS`]: the round and the rounds before it, one year of quarterly
//!   rounds), so that a normal quarter with one or two double-reviewed files per reviewer
//!   still says something. Rows of earlier rounds carry `current: false`; they count for the
//!   co-reviewer deviation only, never for this round's totals or team figures.
//! - 一团和气: a team or reviewer whose totals cluster near the top with little spread
//!   ([`UniformHigh`]) is flagged.

use crate::domain::CaseType;
use crate::domain::ids::{CaseFileId, PersonId};
use crate::domain::rubric::Points;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One submitted sheet as calibration reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationRow {
    pub reviewer_id: PersonId,
    pub case_file_id: CaseFileId,
    /// The file's case type: item codes are compared within one case type only.
    pub case_type: CaseType,
    /// The team's number in the round (第N组); ignored on rows of earlier rounds.
    pub team: u32,
    pub total: Points,
    /// Points taken off per item code; items left out took nothing off.
    pub deductions: BTreeMap<String, Points>,
    /// `true` for a sheet of the round being calibrated, `false` for one of an earlier round
    /// in the window (it counts for the reviewer's pairing with co-reviewers only).
    pub current: bool,
}

/// How many of the bureau's rounds a reviewer's paired files are pooled over: the round
/// being calibrated and the three before it (a year of quarterly rounds).
pub const POOLED_ROUNDS: usize = 4;

/// An item of one case type's rubric: (case type, item code).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKey {
    pub case_type: CaseType,
    pub code: String,
}

impl ItemKey {
    pub fn new(case_type: CaseType, code: impl Into<String>) -> Self {
        ItemKey {
            case_type,
            code: code.into(),
        }
    }
}

/// 一团和气: totals clustered near the top with little spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UniformHigh {
    /// The mean total at or above which a cluster is suspicious.
    pub min_mean: f64,
    /// The (population) standard deviation below which the totals are a cluster.
    pub max_sd: f64,
    /// Fewer sheets than this say too little.
    pub min_sheets: usize,
}

impl Default for UniformHigh {
    /// Mean ≥ 97 and standard deviation < 2 over at least 5 sheets: a team that gives
    /// nearly every file full marks.
    fn default() -> Self {
        UniformHigh {
            min_mean: 97.0,
            max_sd: 2.0,
            min_sheets: 5,
        }
    }
}

impl UniformHigh {
    /// Whether these totals are a high, tight cluster.
    pub fn flags(&self, totals: &[f64]) -> bool {
        if totals.len() < self.min_sheets {
            return false;
        }
        let (Some(mean), Some(sd)) = (mean(totals), standard_deviation(totals)) else {
            return false;
        };
        mean >= self.min_mean - 1e-9 && sd < self.max_sd
    }
}

/// When a reviewer is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationSettings {
    /// A mean deviation from co-reviewers at least this large (either way) flags a reviewer.
    pub threshold: Points,
    /// Fewer paired files (pooled over [`POOLED_ROUNDS`]) than this say too little to flag
    /// anyone.
    pub min_paired_files: usize,
    /// When totals are flagged as 一团和气.
    pub uniform_high: UniformHigh,
}

impl Default for CalibrationSettings {
    /// 5 points over at least 3 paired files: large enough to move a file across a grade band.
    fn default() -> Self {
        CalibrationSettings {
            threshold: Points::whole(5),
            min_paired_files: 3,
            uniform_high: UniformHigh::default(),
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
    /// Sheets of this round.
    pub sheets: usize,
    /// Files on which someone else also submitted a sheet, pooled over the window.
    pub paired_files: usize,
    /// Of [`ReviewerCalibration::paired_files`], those of this round.
    pub paired_files_this_round: usize,
    pub mean_total: f64,
    /// Standard deviation of this round's totals.
    pub sd_total: f64,
    /// 一团和气: this round's totals are a high, tight cluster.
    pub uniform_high: bool,
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

/// One team's totals in this round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamCalibration {
    pub team: u32,
    pub sheets: usize,
    pub mean_total: f64,
    pub sd_total: f64,
    /// 一团和气: a high, tight cluster of totals.
    pub uniform_high: bool,
}

/// How a reviewer deducts on one item compared with their co-reviewers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDeviation {
    pub case_type: CaseType,
    pub item_code: String,
    /// Positive: deducts more than co-reviewers (harsher on this item).
    pub mean_deviation: f64,
}

/// How paired reviewers agree on one rubric item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemAgreement {
    pub case_type: CaseType,
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

/// The calibration page: reviewers by team, teams, then items by case type in rubric order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    pub reviewers: Vec<ReviewerCalibration>,
    pub teams: Vec<TeamCalibration>,
    /// Agreement on this round's paired files.
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

/// Builds the calibration report. `item_codes` gives each case type's rubric items in
/// order, so items nobody deducted still show full agreement; keys found only in rows
/// follow, sorted. Rows with `current: false` (earlier rounds of the window) count for the
/// reviewers' pairing with co-reviewers only.
pub fn calibrate(
    rows: &[CalibrationRow],
    item_codes: &[ItemKey],
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
    let current: Vec<CalibrationRow> = rows.iter().filter(|row| row.current).cloned().collect();
    let items = item_universe(rows, item_codes);
    let files = by_file(rows);
    let current_files = by_file(&current);
    let file_deviations = co_reviewer_deviations(rows);
    let team_means = team_means(&current);

    let mut reviewers: BTreeMap<(u32, PersonId), Vec<&CalibrationRow>> = BTreeMap::new();
    for row in &current {
        reviewers
            .entry((row.team, row.reviewer_id))
            .or_default()
            .push(row);
    }
    let reviewer_rows = reviewers
        .into_iter()
        .map(|((team, reviewer_id), own_rows)| {
            let sheets = own_rows.len();
            // Every sheet of the reviewer in the window: this round's and earlier rounds'.
            let pooled: Vec<&CalibrationRow> = rows
                .iter()
                .filter(|row| row.reviewer_id == reviewer_id)
                .collect();
            let own: Vec<&FileDeviation> = file_deviations
                .iter()
                .filter(|deviation| deviation.reviewer_id == reviewer_id)
                .collect();
            let paired_files = own.len();
            let paired_files_this_round = own
                .iter()
                .filter(|deviation| {
                    own_rows
                        .iter()
                        .any(|row| row.case_file_id == deviation.case_file_id)
                })
                .count();
            let own: Vec<f64> = own.iter().map(|deviation| deviation.deviation).collect();
            let deviation_from_co_reviewers = mean(&own);
            let totals: Vec<f64> = own_rows.iter().map(|row| points(row.total)).collect();
            let from_team: Vec<f64> = own_rows
                .iter()
                .map(|row| points(row.total) - team_means.get(&row.team).copied().unwrap_or(0.0))
                .collect();
            let leaning = leaning(deviation_from_co_reviewers, paired_files, settings);
            let item_deviations = items
                .iter()
                .map(|key| ItemDeviation {
                    case_type: key.case_type,
                    item_code: key.code.clone(),
                    mean_deviation: rounded(
                        item_deviation(key, reviewer_id, &pooled, &files).unwrap_or(0.0),
                    ),
                })
                .collect();
            ReviewerCalibration {
                reviewer_id,
                team,
                sheets,
                paired_files,
                paired_files_this_round,
                mean_total: rounded(mean(&totals).unwrap_or(0.0)),
                sd_total: rounded(standard_deviation(&totals).unwrap_or(0.0)),
                uniform_high: settings.uniform_high.flags(&totals),
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
        .map(|key| item_agreement(key, &current_files))
        .collect();
    Ok(CalibrationReport {
        reviewers: reviewer_rows,
        teams: team_rows(&current, settings.uniform_high),
        items: item_rows,
    })
}

fn team_rows(current: &[CalibrationRow], rule: UniformHigh) -> Vec<TeamCalibration> {
    let mut totals: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for row in current {
        totals.entry(row.team).or_default().push(points(row.total));
    }
    totals
        .into_iter()
        .map(|(team, values)| TeamCalibration {
            team,
            sheets: values.len(),
            mean_total: rounded(mean(&values).unwrap_or(0.0)),
            sd_total: rounded(standard_deviation(&values).unwrap_or(0.0)),
            uniform_high: rule.flags(&values),
        })
        .collect()
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

fn item_universe(rows: &[CalibrationRow], item_codes: &[ItemKey]) -> Vec<ItemKey> {
    let mut items: Vec<ItemKey> = Vec::new();
    for key in item_codes {
        if !items.contains(key) {
            items.push(key.clone());
        }
    }
    let known: BTreeSet<&ItemKey> = item_codes.iter().collect();
    let extra: BTreeSet<ItemKey> = rows
        .iter()
        .flat_map(|row| {
            row.deductions
                .keys()
                .map(|code| ItemKey::new(row.case_type, code.clone()))
        })
        .filter(|key| !known.contains(key))
        .collect();
    items.extend(extra);
    items
}

/// The deduction on `key`: a row of another case type never answers for it.
fn deduction(row: &CalibrationRow, key: &ItemKey) -> Option<f64> {
    (row.case_type == key.case_type)
        .then(|| row.deductions.get(&key.code).copied().map_or(0.0, points))
}

/// Own deduction on `key` less the co-reviewers' mean, averaged over paired files.
fn item_deviation(
    key: &ItemKey,
    reviewer_id: PersonId,
    own_rows: &[&CalibrationRow],
    files: &BTreeMap<CaseFileId, Vec<&CalibrationRow>>,
) -> Option<f64> {
    let deviations: Vec<f64> = own_rows
        .iter()
        .filter_map(|own| {
            let mine = deduction(own, key)?;
            let others: Vec<f64> = files
                .get(&own.case_file_id)?
                .iter()
                .filter(|row| row.reviewer_id != reviewer_id)
                .filter_map(|row| deduction(row, key))
                .collect();
            Some(mine - mean(&others)?)
        })
        .collect();
    mean(&deviations)
}

fn item_agreement(
    key: &ItemKey,
    files: &BTreeMap<CaseFileId, Vec<&CalibrationRow>>,
) -> ItemAgreement {
    let mut pairs = 0;
    let mut agreeing = 0;
    let mut differences = Vec::new();
    for sheets in files.values() {
        for (index, first) in sheets.iter().enumerate() {
            for second in sheets.iter().skip(index + 1) {
                let (Some(a), Some(b)) = (deduction(first, key), deduction(second, key)) else {
                    continue;
                };
                pairs += 1;
                if (a > 0.0) == (b > 0.0) {
                    agreeing += 1;
                }
                differences.push((a - b).abs());
            }
        }
    }
    ItemAgreement {
        case_type: key.case_type,
        item_code: key.code.clone(),
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

/// Population standard deviation; `None` with no value.
fn standard_deviation(values: &[f64]) -> Option<f64> {
    let centre = mean(values)?;
    let variance = values
        .iter()
        .map(|value| (value - centre).powi(2))
        .sum::<f64>()
        / values.len() as f64;
    Some(variance.sqrt())
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
            case_type: CaseType::Criminal,
            team: 1,
            total: Points::whole(total),
            deductions: deducted
                .iter()
                .map(|(code, points)| ((*code).to_string(), Points::whole(*points)))
                .collect(),
            current: true,
        }
    }

    fn codes() -> Vec<ItemKey> {
        ["C2", "D1"]
            .iter()
            .map(|code| ItemKey::new(CaseType::Criminal, *code))
            .collect()
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

    #[test]
    fn the_same_code_in_two_case_types_is_two_items() {
        // File 0 is criminal, file 1 civil; both rubrics have a B1.
        let mut civil_a = row(1, 1, 90, &[("B1", 2)]);
        civil_a.case_type = CaseType::Civil;
        let mut civil_b = row(2, 1, 92, &[]);
        civil_b.case_type = CaseType::Civil;
        let rows = vec![
            row(1, 0, 90, &[("B1", 2)]),
            row(2, 0, 90, &[("B1", 2)]),
            civil_a,
            civil_b,
        ];
        let keys = vec![
            ItemKey::new(CaseType::Criminal, "B1"),
            ItemKey::new(CaseType::Civil, "B1"),
        ];
        let report = calibrate(&rows, &keys, CalibrationSettings::default()).unwrap();
        assert_eq!(report.items.len(), 2);
        let criminal = &report.items[0];
        assert_eq!(criminal.case_type, CaseType::Criminal);
        assert_eq!((criminal.pairs, criminal.agreeing), (1, 1));
        let civil = &report.items[1];
        assert_eq!(civil.case_type, CaseType::Civil);
        assert_eq!((civil.pairs, civil.agreeing), (1, 0));
        assert_eq!(civil.mean_abs_difference, Some(2.0));
        // Reviewer 1 deducted like the co-reviewer on criminal B1, 2 more on civil B1.
        let first = &report.reviewers[0];
        assert_eq!(first.items[0].mean_deviation, 0.0);
        assert_eq!(first.items[1].mean_deviation, 2.0);
    }

    #[test]
    fn earlier_rounds_complete_the_pairs_but_not_this_rounds_figures() {
        // One paired file this round, two in earlier rounds: 3 in the window.
        let mut rows = vec![row(1, 0, 80, &[]), row(2, 0, 86, &[])];
        for case_file in 1..3 {
            for (reviewer, total) in [(1, 70), (3, 76)] {
                let mut earlier = row(reviewer, case_file, total, &[]);
                earlier.current = false;
                earlier.team = 9;
                rows.push(earlier);
            }
        }
        let report = calibrate(&rows, &codes(), CalibrationSettings::default()).unwrap();
        assert_eq!(
            report.reviewers.len(),
            2,
            "earlier-only reviewers are not listed"
        );
        let first = &report.reviewers[0];
        assert_eq!(first.reviewer_id, person(1));
        assert_eq!(first.sheets, 1);
        assert_eq!((first.paired_files, first.paired_files_this_round), (3, 1));
        assert_eq!(first.mean_total, 80.0);
        assert_eq!(first.deviation_from_co_reviewers, Some(-6.0));
        assert_eq!(first.leaning, Leaning::Harsh);
        assert_eq!(report.reviewers[1].leaning, Leaning::TooFewFiles);
        assert_eq!(
            report.teams.len(),
            1,
            "earlier rounds' teams are not this round's"
        );
        assert_eq!(
            report.items[0].pairs, 1,
            "agreement is on this round's files"
        );
    }

    #[test]
    fn a_team_near_full_marks_with_little_spread_is_flagged() {
        let mut rows = Vec::new();
        for (case_file, total) in [98, 99, 100, 97, 99].iter().enumerate() {
            rows.push(row(1, case_file as u128, *total, &[]));
        }
        let report = calibrate(&rows, &codes(), CalibrationSettings::default()).unwrap();
        assert!(report.teams[0].uniform_high);
        assert!(report.reviewers[0].uniform_high);
        assert_eq!(report.teams[0].mean_total, 98.6);
        // Four sheets are too few; a spread of 2 or more is not a cluster; nor a mean of 96.
        let rule = UniformHigh::default();
        assert!(!rule.flags(&[100.0, 100.0, 100.0, 100.0]));
        assert!(!rule.flags(&[100.0, 100.0, 100.0, 90.0, 100.0, 100.0]));
        assert!(!rule.flags(&[96.0; 6]));
        assert!(rule.flags(&[97.0; 5]));
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
                        case_type: CaseType::Civil,
                        team: 1,
                        total: Points::from_tenths(*total),
                        deductions: BTreeMap::new(),
                        current: true,
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
                        case_type: CaseType::Civil,
                        team: 1,
                        total: Points::from_tenths(*total),
                        deductions: BTreeMap::new(),
                        current: true,
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
