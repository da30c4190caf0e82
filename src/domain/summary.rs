//! Leadership figures (领导查阅的汇总) over plain rows: a round's files with their final
//! results, grouped by unit, case type, law firm and handling lawyer; units ranked with their
//! change since the previous round; trends over rounds; caseload against the annual target.
//! No I/O: storage hands in the rows, the web and documents layers show the figures.

use crate::domain::ids::UnitId;
use crate::domain::rubric::GradeLevel;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// One sampled file with its final result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFigure {
    pub file: String,
    pub case_no: String,
    pub unit: UnitId,
    pub unit_name: String,
    pub case_type: String,
    pub firm: String,
    pub handler: String,
    /// `None` for indicator grading.
    pub total_tenths: Option<i32>,
    pub grade: String,
    #[serde(skip)]
    pub level: GradeLevel,
}

/// Figures over a set of files with final results.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub files: usize,
    pub excellent: usize,
    pub good: usize,
    pub pass: usize,
    pub fail: usize,
    /// 优良率 in tenths of a percent (excellent + good over files), rounded half up.
    pub excellent_good_permille: u32,
    /// 合格率 in tenths of a percent (every grade but 不合格), rounded half up.
    pub pass_permille: u32,
    /// Mean of the files' totals in tenths of a point, rounded half up; `None` without totals.
    pub mean_tenths: Option<i32>,
    pub max_tenths: Option<i32>,
    pub min_tenths: Option<i32>,
}

/// `numerator / denominator` in tenths of a percent, rounded half up; 0 for no files.
pub fn permille(numerator: usize, denominator: usize) -> u32 {
    if denominator == 0 {
        return 0;
    }
    let value = (numerator as u64 * 2000 + denominator as u64) / (denominator as u64 * 2);
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// "87.5%" from tenths of a percent.
pub fn percent_text(permille: u32) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

/// "87.5" from tenths of a point.
pub fn points_text(tenths: Option<i32>) -> String {
    match tenths {
        Some(tenths) => {
            let sign = if tenths < 0 { "-" } else { "" };
            let size = tenths.unsigned_abs();
            format!("{sign}{}.{}", size / 10, size % 10)
        }
        None => "—".to_string(),
    }
}

impl Stats {
    pub fn of<'a>(files: impl IntoIterator<Item = &'a FileFigure>) -> Stats {
        let mut stats = Stats::default();
        let mut sum: i64 = 0;
        let mut scored: i64 = 0;
        for file in files {
            stats.files += 1;
            match file.level {
                GradeLevel::Excellent => stats.excellent += 1,
                GradeLevel::Good => stats.good += 1,
                GradeLevel::Pass => stats.pass += 1,
                GradeLevel::Fail => stats.fail += 1,
            }
            if let Some(total) = file.total_tenths {
                sum += i64::from(total);
                scored += 1;
                stats.max_tenths = Some(stats.max_tenths.map_or(total, |max| max.max(total)));
                stats.min_tenths = Some(stats.min_tenths.map_or(total, |min| min.min(total)));
            }
        }
        if scored > 0 {
            stats.mean_tenths = i32::try_from((sum * 2 + scored) / (scored * 2)).ok();
        }
        stats.excellent_good_permille = permille(stats.excellent + stats.good, stats.files);
        stats.pass_permille = permille(stats.files - stats.fail, stats.files);
        stats
    }
}

/// Figures of one group (a unit, a case type, a firm, a lawyer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub stats: Stats,
}

/// Groups files by `key` (with its label), largest mean first, then by label.
pub fn group_by(files: &[FileFigure], key: impl Fn(&FileFigure) -> (String, String)) -> Vec<Group> {
    let mut groups: BTreeMap<(String, String), Vec<&FileFigure>> = BTreeMap::new();
    for file in files {
        groups.entry(key(file)).or_default().push(file);
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|((key, label), files)| Group {
            key,
            label,
            stats: Stats::of(files),
        })
        .collect();
    out.sort_by(|left, right| {
        right
            .stats
            .mean_tenths
            .cmp(&left.stats.mean_tenths)
            .then(right.stats.pass_permille.cmp(&left.stats.pass_permille))
            .then(left.label.cmp(&right.label))
    });
    out
}

/// A unit's place in the round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedUnit {
    pub unit: UnitId,
    pub name: String,
    pub rank: usize,
    /// Places gained since the previous round (positive: moved up); `None` when the unit was
    /// not in the previous round.
    pub change: Option<i64>,
    pub stats: Stats,
}

/// Units ranked by mean total, then pass rate (rank 1 is best); ties share no rank, they are
/// ordered by name so the order is stable.
pub fn rank_units(files: &[FileFigure], previous: &[FileFigure]) -> Vec<RankedUnit> {
    let order = |files: &[FileFigure]| -> Vec<(UnitId, String, Stats)> {
        group_by(files, |file| {
            (file.unit.to_string(), file.unit_name.clone())
        })
        .into_iter()
        .filter_map(|group| {
            let unit: UnitId = group.key.parse().ok()?;
            Some((unit, group.label, group.stats))
        })
        .collect()
    };
    let before: BTreeMap<UnitId, usize> = order(previous)
        .into_iter()
        .enumerate()
        .map(|(index, (unit, _, _))| (unit, index + 1))
        .collect();
    order(files)
        .into_iter()
        .enumerate()
        .map(|(index, (unit, name, stats))| {
            let rank = index + 1;
            RankedUnit {
                unit,
                name,
                rank,
                change: before
                    .get(&unit)
                    .map(|old| i64::try_from(*old).unwrap_or(0) - i64::try_from(rank).unwrap_or(0)),
                stats,
            }
        })
        .collect()
}

/// The label other units get in a center manager's ranking: 单位A, 单位B, … in rank order.
pub fn anonymous_label(index: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut label = String::new();
    let mut n = index;
    loop {
        label.insert(0, char::from(letters[n % 26]));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    format!("单位{label}")
}

/// Rectification progress of one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RectificationProgress {
    pub unit_name: String,
    /// Notices sent to the unit (drafts not counted).
    pub issued: usize,
    /// Of those, answered with a 整改报告 (submitted or verified).
    pub answered: usize,
    pub verified: usize,
    pub overdue: usize,
}

/// One point of a unit's trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub round: String,
    pub mean_tenths: Option<i32>,
    pub pass_permille: u32,
    pub files: usize,
}

/// A unit's line over the rounds (one point per round it took part in; `None` elsewhere).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendLine {
    pub unit: UnitId,
    pub name: String,
    pub points: Vec<Option<TrendPoint>>,
}

/// Per unit, the mean and pass rate of each round, rounds in the order given.
pub fn trends(rounds: &[(String, Vec<FileFigure>)]) -> Vec<TrendLine> {
    let mut names: BTreeMap<UnitId, String> = BTreeMap::new();
    for (_, files) in rounds {
        for file in files {
            names
                .entry(file.unit)
                .or_insert_with(|| file.unit_name.clone());
        }
    }
    let mut lines: Vec<TrendLine> = names
        .into_iter()
        .map(|(unit, name)| TrendLine {
            unit,
            points: rounds
                .iter()
                .map(|(round, files)| {
                    let stats = Stats::of(files.iter().filter(|file| file.unit == unit));
                    (stats.files > 0).then(|| TrendPoint {
                        round: round.clone(),
                        mean_tenths: stats.mean_tenths,
                        pass_permille: stats.pass_permille,
                        files: stats.files,
                    })
                })
                .collect(),
            name,
        })
        .collect();
    lines.sort_by(|left, right| left.name.cmp(&right.name));
    lines
}

/// A unit's caseload (办案数) against its annual target (办案任务).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caseload {
    pub unit_name: String,
    /// Cases closed from 1 January up to the round's period end.
    pub cases: usize,
    pub target: Option<i32>,
    /// 办案任务完成率 in tenths of a percent; `None` without a target.
    pub completion_permille: Option<u32>,
    /// 时间进度: the share of the year elapsed at the period end, in tenths of a percent.
    pub time_progress_permille: u32,
}

/// A unit's caseload as of `as_of` (the round's period end) against its annual target.
pub fn caseload(
    unit_name: String,
    cases: usize,
    target: Option<i32>,
    as_of: NaiveDate,
) -> Caseload {
    let completion_permille = target
        .and_then(|target| usize::try_from(target).ok())
        .filter(|target| *target > 0)
        .map(|target| permille(cases, target));
    Caseload {
        unit_name,
        cases,
        target,
        completion_permille,
        time_progress_permille: time_progress_permille(as_of),
    }
}

/// 时间进度 at `as_of`: its day of the year over the days of its year, in tenths of a percent
/// (31 December is 1000, 30 June 2025 is 496).
pub fn time_progress_permille(as_of: NaiveDate) -> u32 {
    let days_in_year =
        NaiveDate::from_ymd_opt(as_of.year(), 12, 31).map_or(365, |last| last.ordinal());
    let day = as_of.ordinal();
    (day * 1000 + days_in_year / 2) / days_in_year
}

/// A file's law firm as tables show it: a file the center handled itself has none.
pub fn firm_label(firm: String) -> String {
    if firm.trim().is_empty() {
        "（中心自办）".to_string()
    } else {
        firm
    }
}

/// A handling lawyer as tables show them: the name with the firm in brackets.
pub fn handler_label(handler: &str, firm: &str) -> String {
    format!("{handler}（{firm}）")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn points_print_with_their_sign_and_one_decimal() {
        assert_eq!(points_text(Some(875)), "87.5");
        assert_eq!(points_text(Some(0)), "0.0");
        assert_eq!(points_text(Some(-5)), "-0.5");
        assert_eq!(points_text(Some(-25)), "-2.5");
        assert_eq!(points_text(None), "—");
    }

    fn figure(unit: UnitId, name: &str, total: i32, level: GradeLevel) -> FileFigure {
        FileFigure {
            file: format!("f{total}"),
            case_no: format!("案{total}"),
            unit,
            unit_name: name.to_string(),
            case_type: "刑事".into(),
            firm: "某律所".into(),
            handler: "张三".into(),
            total_tenths: Some(total),
            grade: format!("{level:?}"),
            level,
        }
    }

    #[test]
    fn stats_count_grades_and_round_rates_half_up() {
        let unit = UnitId::from_uuid(uuid::Uuid::new_v4());
        let files = [
            figure(unit, "甲", 955, GradeLevel::Excellent),
            figure(unit, "甲", 850, GradeLevel::Good),
            figure(unit, "甲", 550, GradeLevel::Fail),
        ];
        let stats = Stats::of(&files);
        assert_eq!(stats.files, 3);
        assert_eq!(
            (stats.excellent, stats.good, stats.pass, stats.fail),
            (1, 1, 0, 1)
        );
        assert_eq!(stats.excellent_good_permille, 667);
        assert_eq!(stats.pass_permille, 667);
        // (955 + 850 + 550) / 3 = 785.0
        assert_eq!(stats.mean_tenths, Some(785));
        assert_eq!((stats.max_tenths, stats.min_tenths), (Some(955), Some(550)));
        assert_eq!(percent_text(667), "66.7%");
        assert_eq!(points_text(Some(785)), "78.5");
        assert_eq!(Stats::of(&[]).pass_permille, 0);
    }

    #[test]
    fn ranking_reports_places_gained() {
        let (a, b) = (
            UnitId::from_uuid(uuid::Uuid::new_v4()),
            UnitId::from_uuid(uuid::Uuid::new_v4()),
        );
        let before = [
            figure(a, "甲", 900, GradeLevel::Excellent),
            figure(b, "乙", 800, GradeLevel::Good),
        ];
        let now = [
            figure(a, "甲", 700, GradeLevel::Pass),
            figure(b, "乙", 880, GradeLevel::Good),
        ];
        let ranked = rank_units(&now, &before);
        assert_eq!(ranked[0].name, "乙");
        assert_eq!(ranked[0].change, Some(1));
        assert_eq!(ranked[1].change, Some(-1));
        assert_eq!(rank_units(&now, &[])[0].change, None);
    }

    #[test]
    fn anonymous_labels_run_past_z() {
        assert_eq!(anonymous_label(0), "单位A");
        assert_eq!(anonymous_label(25), "单位Z");
        assert_eq!(anonymous_label(26), "单位AA");
    }

    #[test]
    fn time_progress_is_the_share_of_the_year_elapsed() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(time_progress_permille(date(2025, 12, 31)), 1000);
        assert_eq!(time_progress_permille(date(2025, 3, 31)), 247);
        assert_eq!(time_progress_permille(date(2025, 6, 30)), 496);
        assert_eq!(time_progress_permille(date(2024, 6, 30)), 497);
    }

    #[test]
    fn caseload_completion() {
        let day = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
        assert_eq!(
            caseload("甲".into(), 45, Some(60), day).completion_permille,
            Some(750)
        );
        assert_eq!(
            caseload("甲".into(), 45, None, day).completion_permille,
            None
        );
        assert_eq!(
            caseload("甲".into(), 45, Some(0), day).completion_permille,
            None
        );
    }

    proptest! {
        #[test]
        fn stats_agree_with_a_direct_count(totals in proptest::collection::vec(0i32..=1000, 0..40)) {
            let unit = UnitId::from_uuid(uuid::Uuid::new_v4());
            let files: Vec<FileFigure> = totals
                .iter()
                .map(|total| figure(unit, "甲", *total, if *total >= 600 { GradeLevel::Pass } else { GradeLevel::Fail }))
                .collect();
            let stats = Stats::of(&files);
            let passing = totals.iter().filter(|total| **total >= 600).count();
            prop_assert_eq!(stats.files, totals.len());
            prop_assert_eq!(stats.pass + stats.fail, totals.len());
            prop_assert_eq!(stats.pass, passing);
            prop_assert_eq!(stats.max_tenths, totals.iter().max().copied());
            prop_assert_eq!(stats.min_tenths, totals.iter().min().copied());
            if !totals.is_empty() {
                let exact = f64::from(totals.iter().sum::<i32>()) / totals.len() as f64;
                let mean = f64::from(stats.mean_tenths.unwrap());
                prop_assert!((mean - exact).abs() <= 0.5);
                let rate = f64::from(stats.pass_permille) / 10.0;
                prop_assert!((rate - passing as f64 * 100.0 / totals.len() as f64).abs() <= 0.05 + 1e-9);
            }
        }
    }
}
