//! The data behind the leadership summaries: each round's final file results (from
//! `storage::results::finals`, the same rule as `results::load` read from the sheets' stored
//! totals and grades) with the registry details
//! leadership groups by, findings, notices, caseload and targets. A center manager's summary
//! holds only their own unit's files and names; other units appear in the ranking as 单位A,
//! 单位B, … and nowhere else.

use crate::domain::UnitScope;
use crate::domain::findings::{self, TypicalProblem};
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::rectification::{RectificationState, is_overdue};
use crate::domain::round::RoundStatus;
use crate::domain::summary::{
    self, Caseload, FileFigure, Group, RankedUnit, RectificationProgress, Stats, TrendLine,
};
use crate::storage::rectification::{self, FindingFilter};
use crate::storage::results::{self, FileFinal};
use crate::storage::rounds::{self, Round};
use crate::storage::schema::{case_files, unit_targets, units};
use crate::storage::{DbConn, Error, Result, parse_id};
use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Narrowing a round summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub unit: Option<UnitId>,
    pub case_type: Option<crate::domain::CaseType>,
}

/// A row of the ranking as the caller may see it.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// `None` for an anonymised unit.
    pub unit: Option<UnitId>,
    pub label: String,
    pub own: bool,
    pub rank: usize,
    pub change: Option<i64>,
    pub stats: Stats,
}

/// Everything on a round's summary page.
#[derive(Debug, Clone, Serialize)]
pub struct RoundSummary {
    pub round_id: RoundId,
    pub round_name: String,
    pub previous_round: Option<String>,
    /// Sampled files of the round (in the caller's scope), and how many have a final result.
    pub sampled: usize,
    pub overall: Stats,
    pub by_unit: Vec<Group>,
    pub by_case_type: Vec<Group>,
    pub by_firm: Vec<Group>,
    pub by_handler: Vec<Group>,
    pub ranking: Vec<RankRow>,
    pub problems: Vec<TypicalProblem>,
    pub problem_units: BTreeMap<UnitId, String>,
    pub rectification: Vec<RectificationProgress>,
    pub caseload_year: i32,
    /// The caseload counts cases closed from 1 January up to this day (the period end), so
    /// a round's figure does not change when a later registry is imported.
    pub caseload_as_of: NaiveDate,
    pub caseload: Vec<Caseload>,
    /// The files behind the figures (drill-down), filtered.
    pub files: Vec<FileFigure>,
    /// How reviewers' totals compare with their co-reviewers' (评查员校准): administrators and
    /// leadership only (`None` for a center manager, who never sees who scored what).
    pub calibration: Option<CalibrationOverview>,
}

/// One reviewer on the summary's calibration table.
#[derive(Debug, Clone, Serialize)]
pub struct CalibratedReviewer {
    pub name: String,
    pub team: u32,
    pub sheets: usize,
    pub paired_files: usize,
    pub mean_total: f64,
    /// Own total less the co-reviewers' mean on the same files, in points.
    pub deviation_from_co_reviewers: Option<f64>,
    pub deviation_from_team: f64,
    pub leaning: &'static str,
    pub sd_total: f64,
    /// 一团和气: this round's totals are a high, tight cluster.
    pub uniform_high: bool,
}

/// Reviewer calibration at a glance: how many lean which way, and every reviewer, those
/// furthest from their co-reviewers first. Item-level detail is on the calibration page.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationOverview {
    pub harsh: usize,
    pub lenient: usize,
    pub normal: usize,
    pub too_few: usize,
    pub reviewers: Vec<CalibratedReviewer>,
    /// Teams whose totals are a high, tight cluster (一团和气), by team number.
    pub uniform_high_teams: Vec<crate::domain::scoring::calibration::TeamCalibration>,
    /// How many rounds the reviewers' pairs were pooled over (this one included).
    pub rounds: usize,
}

/// A submitted sheet as the calibration overview reads it.
#[derive(Queryable)]
struct CalibrationSheet {
    reviewer_id: String,
    case_file_id: String,
    total_tenths: Option<i32>,
    case_type: String,
}

/// Calibration rows of loaded sheets: `current` for the round's own, else earlier rounds'
/// (which count for the pairing only, under no team of this round). Indicator-graded sheets
/// have no total to compare and are left out.
fn calibration_rows(
    sheets: Vec<CalibrationSheet>,
    current: bool,
    team_of: &BTreeMap<crate::domain::ids::PersonId, u32>,
) -> Result<Vec<crate::domain::scoring::calibration::CalibrationRow>> {
    let mut rows = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        let reviewer_id = parse_id(&sheet.reviewer_id)?;
        let team = if current {
            team_of.get(&reviewer_id).copied()
        } else {
            Some(0)
        };
        let (Some(total), Some(team)) = (sheet.total_tenths, team) else {
            continue;
        };
        let case_type = sheet
            .case_type
            .parse()
            .map_err(|_| Error::Corrupt(format!("case type {}", sheet.case_type)))?;
        rows.push(crate::domain::scoring::calibration::CalibrationRow {
            reviewer_id,
            case_file_id: parse_id(&sheet.case_file_id)?,
            case_type,
            team,
            total: crate::domain::rubric::Points::from_tenths(total),
            deductions: BTreeMap::new(),
            current,
        });
    }
    Ok(rows)
}

/// The calibration overview of a round from the submitted sheets' stored totals (the engine's
/// totals at submission; item deductions are on the calibration page). Totals-only: enough
/// to find harsh and lenient reviewers, and cheap on large rounds.
pub fn calibration_overview(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<Option<CalibrationOverview>> {
    use crate::domain::scoring::calibration::{
        CalibrationSettings, Leaning, POOLED_ROUNDS, calibrate,
    };
    use crate::domain::scoring::sheet::SheetStatus;
    use crate::storage::schema::{people, score_sheets};
    let Some(assignment) = crate::storage::assignments::published_assignment(conn, round_id)?
    else {
        return Ok(None);
    };
    let team_of: BTreeMap<crate::domain::ids::PersonId, u32> = assignment
        .teams
        .iter()
        .flat_map(|team| {
            team.members
                .iter()
                .map(move |member| (*member, team.number))
        })
        .collect();
    let window = rounds::window_ending_with(conn, round_id, POOLED_ROUNDS)?;
    let window_ids: Vec<String> = window.iter().map(ToString::to_string).collect();
    let mut rows = Vec::new();
    // This round's sheets, then the earlier rounds' of the window.
    let (this_round, earlier) = window_ids.split_at(1);
    for (ids, current) in [(this_round, true), (earlier, false)] {
        let sheets: Vec<CalibrationSheet> = score_sheets::table
            .inner_join(case_files::table.on(case_files::id.eq(score_sheets::case_file_id)))
            .filter(score_sheets::round_id.eq_any(ids))
            .filter(score_sheets::state.eq_any([
                SheetStatus::Submitted.code(),
                SheetStatus::Reconciled.code(),
            ]))
            .select((
                score_sheets::reviewer_id,
                score_sheets::case_file_id,
                score_sheets::total_tenths,
                case_files::case_type,
            ))
            .load(conn)?;
        rows.extend(calibration_rows(sheets, current, &team_of)?);
    }
    let report = calibrate(&rows, &[], CalibrationSettings::default())
        .map_err(|error| Error::Corrupt(error.to_string()))?;
    let ids: Vec<String> = report
        .reviewers
        .iter()
        .map(|row| row.reviewer_id.to_string())
        .collect();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for chunk in ids.chunks(5000) {
        let found: Vec<(String, String)> = people::table
            .filter(people::id.eq_any(chunk))
            .select((people::id, people::name))
            .load(conn)?;
        names.extend(found);
    }
    let count = |leaning: Leaning| {
        report
            .reviewers
            .iter()
            .filter(|row| row.leaning == leaning)
            .count()
    };
    let mut reviewers: Vec<CalibratedReviewer> = report
        .reviewers
        .iter()
        .map(|row| CalibratedReviewer {
            name: names
                .get(&row.reviewer_id.to_string())
                .cloned()
                .unwrap_or_default(),
            team: row.team,
            sheets: row.sheets,
            paired_files: row.paired_files,
            mean_total: row.mean_total,
            deviation_from_co_reviewers: row.deviation_from_co_reviewers,
            deviation_from_team: row.deviation_from_team,
            leaning: row.leaning_label,
            sd_total: row.sd_total,
            uniform_high: row.uniform_high,
        })
        .collect();
    reviewers.sort_by(|left, right| {
        let distance = |row: &CalibratedReviewer| {
            row.deviation_from_co_reviewers
                .map_or(f64::NEG_INFINITY, f64::abs)
        };
        distance(right)
            .total_cmp(&distance(left))
            .then_with(|| left.team.cmp(&right.team))
            .then_with(|| left.name.cmp(&right.name))
    });
    Ok(Some(CalibrationOverview {
        harsh: count(Leaning::Harsh),
        lenient: count(Leaning::Lenient),
        normal: count(Leaning::Normal),
        too_few: count(Leaning::TooFewFiles),
        reviewers,
        uniform_high_teams: report
            .teams
            .into_iter()
            .filter(|team| team.uniform_high)
            .collect(),
        rounds: window.len(),
    }))
}

/// The rounds a scope may summarise: every round with a published assignment; a center
/// manager only those in 反馈整改 or 已结束 (before that the unit sees no scores).
pub fn visible(round: &Round, scope: UnitScope) -> bool {
    match scope {
        UnitScope::All => true,
        UnitScope::Unit(_) => matches!(round.status, RoundStatus::Feedback | RoundStatus::Closed),
    }
}

/// The final results of a round's files with the registry details, in assignment order;
/// `None` while the round has no published assignment.
pub fn file_figures(conn: &mut DbConn, round: RoundId) -> Result<Option<Vec<FileFigure>>> {
    let Some(finals) = results::finals(conn, round)? else {
        return Ok(None);
    };
    figures_of(conn, &finals).map(Some)
}

/// Figures without the registry details (case number, handler, firm): enough for rankings
/// and trends, and one query less per round. Takes the results, so each grade's name moves
/// into its figure rather than being copied.
fn light_figures(finals: Vec<FileFinal>, names: &BTreeMap<UnitId, String>) -> Vec<FileFigure> {
    finals
        .into_iter()
        .filter_map(|file| {
            let result = file.result?;
            Some(FileFigure {
                file: String::new(),
                case_no: String::new(),
                unit: file.unit,
                unit_name: names.get(&file.unit).cloned().unwrap_or_default(),
                case_type: file.case_type.label().to_string(),
                firm: String::new(),
                handler: String::new(),
                total_tenths: result.total.map(|points| points.tenths()),
                level: result.grade.level,
                grade: result.grade.name,
            })
        })
        .collect()
}

type CaseRow = (String, String, String, String);

/// The figures of a round's finished files.
pub fn figures_of(conn: &mut DbConn, finals: &[FileFinal]) -> Result<Vec<FileFigure>> {
    let finished = || {
        finals
            .iter()
            .filter_map(|file| file.result.as_ref().map(|result| (file, result)))
    };
    let ids: Vec<String> = finished().map(|(file, _)| file.file.to_string()).collect();
    let mut cases: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<CaseRow> = case_files::table
            .filter(case_files::id.eq_any(chunk))
            .select((
                case_files::id,
                case_files::case_no,
                case_files::handler,
                case_files::firm,
            ))
            .load(conn)?;
        for (id, case_no, handler, firm) in rows {
            cases.insert(id, (case_no, handler, firm));
        }
    }
    let names = unit_names(conn)?;
    let mut out = Vec::with_capacity(ids.len());
    for (file, result) in finished() {
        let id = file.file.to_string();
        let (case_no, handler, firm) = cases.remove(&id).ok_or(Error::NotFound)?;
        out.push(FileFigure {
            file: id,
            case_no,
            unit: file.unit,
            unit_name: names.get(&file.unit).cloned().unwrap_or_default(),
            case_type: file.case_type.label().to_string(),
            firm: crate::domain::summary::firm_label(firm),
            handler,
            total_tenths: result.total.map(|points| points.tenths()),
            grade: result.grade.name.clone(),
            level: result.grade.level,
        });
    }
    Ok(out)
}

fn unit_names(conn: &mut DbConn) -> Result<BTreeMap<UnitId, String>> {
    let rows: Vec<(String, String)> = units::table.select((units::id, units::name)).load(conn)?;
    rows.into_iter()
        .map(|(id, name)| Ok((parse_id(&id)?, name)))
        .collect()
}

/// Rounds with a published assignment the scope may see, oldest first, at most `last`.
pub fn summarised_rounds(conn: &mut DbConn, scope: UnitScope, last: usize) -> Result<Vec<Round>> {
    use crate::storage::schema::assignment_versions;
    let published: Vec<String> = assignment_versions::table
        .filter(assignment_versions::status.eq("published"))
        .select(assignment_versions::round_id)
        .load(conn)?;
    let mut rounds: Vec<Round> = rounds::list(conn)?
        .into_iter()
        .filter(|round| published.contains(&round.id.to_string()) && visible(round, scope))
        .take(last)
        .collect();
    rounds.reverse();
    Ok(rounds)
}

/// The summary of one round for a scope; `None` without a published assignment.
pub fn round_summary(
    conn: &mut DbConn,
    round_id: RoundId,
    scope: UnitScope,
    filter: Filter,
    today: NaiveDate,
) -> Result<Option<RoundSummary>> {
    let round = rounds::find(conn, round_id)?;
    if !visible(&round, scope) {
        return Err(Error::OutOfScope);
    }
    if let (UnitScope::Unit(own), Some(unit)) = (scope, filter.unit)
        && own != unit
    {
        return Err(Error::OutOfScope);
    }
    let Some(finals) = results::finals(conn, round_id)? else {
        return Ok(None);
    };
    let all = figures_of(conn, &finals)?;
    // The previous round the scope may see, for the change in rank.
    let previous = rounds::list(conn)?
        .into_iter()
        .filter(|other| {
            other.id != round.id
                && other.settings.period_end < round.settings.period_end
                && visible(other, scope)
        })
        .find_map(|other| match results::finals(conn, other.id) {
            Ok(Some(finals)) => Some(
                unit_names(conn).map(|names| (other.settings.name, light_figures(finals, &names))),
            ),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        })
        .transpose()?;
    let of_type = |file: &&FileFigure| {
        filter
            .case_type
            .is_none_or(|case_type| file.case_type == case_type.label())
    };
    let ranking_files: Vec<FileFigure> = all.iter().filter(of_type).cloned().collect();
    let previous_files: Vec<FileFigure> = previous
        .as_ref()
        .map(|(_, files)| files.iter().filter(of_type).cloned().collect())
        .unwrap_or_default();
    let ranking = rank_rows(summary::rank_units(&ranking_files, &previous_files), scope);
    let in_scope = |unit: UnitId| scope.allows(unit) && filter.unit.is_none_or(|own| own == unit);
    let files: Vec<FileFigure> = all
        .into_iter()
        .filter(|file| in_scope(file.unit))
        .filter(|file| of_type(&file))
        .collect();
    let sampled = finals
        .iter()
        .filter(|file| in_scope(file.unit))
        .filter(|file| {
            filter
                .case_type
                .is_none_or(|case_type| case_type == file.case_type)
        })
        .count();
    // Typical problems from the round's findings.
    let stored = rectification::list_findings(
        conn,
        scope,
        FindingFilter {
            round: Some(round_id),
            unit: filter.unit,
            ..Default::default()
        },
    )?;
    let names = unit_names(conn)?;
    let file_ids: std::collections::BTreeSet<String> =
        files.iter().map(|file| file.file.clone()).collect();
    let found: Vec<_> = stored
        .into_iter()
        .filter(|finding| {
            filter.case_type.is_none()
                || file_ids.contains(&finding.finding.case_file_id.to_string())
        })
        .map(|finding| finding.finding)
        .collect();
    let found_files: Vec<_> = found.iter().map(|finding| finding.case_file_id).collect();
    let case_types = crate::storage::cases::case_types_of(conn, &found_files)?;
    let problems = findings::typical_problems(&found, &case_types, 10);
    let problem_units = problems
        .iter()
        .flat_map(|problem| problem.units.iter())
        .filter_map(|unit| names.get(unit).map(|name| (*unit, name.clone())))
        .collect();
    // Rectification progress by unit.
    let mut progress: BTreeMap<String, RectificationProgress> = BTreeMap::new();
    for notice in rectification::notices(conn, scope, Some(round_id))? {
        if notice.state == RectificationState::Draft
            || filter.unit.is_some_and(|unit| unit != notice.unit_id)
        {
            continue;
        }
        let entry =
            progress
                .entry(notice.unit_name.clone())
                .or_insert_with(|| RectificationProgress {
                    unit_name: notice.unit_name.clone(),
                    ..Default::default()
                });
        entry.issued += 1;
        if matches!(
            notice.state,
            RectificationState::Submitted | RectificationState::Verified
        ) {
            entry.answered += 1;
        }
        if notice.state == RectificationState::Verified {
            entry.verified += 1;
        }
        if notice
            .counted_deadline
            .is_some_and(|deadline| is_overdue(notice.state, deadline, today))
        {
            entry.overdue += 1;
        }
    }
    let caseload_year = round.settings.period_end.year();
    let caseload_as_of = round.settings.period_end;
    let caseload = caseload(conn, caseload_as_of, &|unit| in_scope(unit))?;
    let calibration = match scope {
        UnitScope::All => calibration_overview(conn, round_id)?,
        UnitScope::Unit(_) => None,
    };
    Ok(Some(RoundSummary {
        round_id,
        round_name: round.settings.name.clone(),
        previous_round: previous.map(|(name, _)| name),
        sampled,
        overall: Stats::of(&files),
        by_unit: summary::group_by(&files, |file| {
            (file.unit.to_string(), file.unit_name.clone())
        }),
        by_case_type: summary::group_by(&files, |file| {
            (file.case_type.clone(), file.case_type.clone())
        }),
        by_firm: summary::group_by(&files, |file| (file.firm.clone(), file.firm.clone())),
        by_handler: summary::group_by(&files, |file| {
            (
                format!("{}|{}", file.handler, file.firm),
                crate::domain::summary::handler_label(&file.handler, &file.firm),
            )
        }),
        ranking,
        problems,
        problem_units,
        rectification: progress.into_values().collect(),
        caseload_year,
        caseload_as_of,
        caseload,
        files,
        calibration,
    }))
}

/// Names other units than the caller's own as 单位A, 单位B, … in rank order.
fn rank_rows(ranked: Vec<RankedUnit>, scope: UnitScope) -> Vec<RankRow> {
    let mut anonymous = 0;
    ranked
        .into_iter()
        .map(|row| {
            let shown = scope.allows(row.unit);
            let own = matches!(scope, UnitScope::Unit(unit) if unit == row.unit);
            let label = if shown {
                row.name
            } else {
                anonymous += 1;
                summary::anonymous_label(anonymous - 1)
            };
            RankRow {
                unit: shown.then_some(row.unit),
                label,
                own,
                rank: row.rank,
                change: row.change,
                stats: row.stats,
            }
        })
        .collect()
}

/// Closed cases per unit in a year against the unit's target for that year.
fn caseload(
    conn: &mut DbConn,
    as_of: NaiveDate,
    in_scope: &dyn Fn(UnitId) -> bool,
) -> Result<Vec<Caseload>> {
    let year = as_of.year();
    let Some(start) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Ok(Vec::new());
    };
    let end = as_of;
    let counts: Vec<(String, i64)> = case_files::table
        .filter(case_files::closed_at.between(start, end))
        .group_by(case_files::unit_id)
        .select((case_files::unit_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: BTreeMap<String, i64> = counts.into_iter().collect();
    let targets: Vec<(String, i32)> = unit_targets::table
        .filter(unit_targets::year.eq(year))
        .select((unit_targets::unit_id, unit_targets::case_target))
        .load(conn)?;
    let targets: BTreeMap<String, i32> = targets.into_iter().collect();
    let rows: Vec<(String, String)> = units::table
        .order(units::code.asc())
        .select((units::id, units::name))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, name) in rows {
        let unit: UnitId = parse_id(&id)?;
        let cases = counts.get(&id).copied().unwrap_or(0);
        let target = targets.get(&id).copied();
        if !in_scope(unit) || (cases == 0 && target.is_none()) {
            continue;
        }
        out.push(summary::caseload(
            name,
            usize::try_from(cases).unwrap_or(0),
            target,
            as_of,
        ));
    }
    Ok(out)
}

/// One round on the trend view.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRound {
    pub id: RoundId,
    pub name: String,
    pub overall: Stats,
}

/// The multi-round view: overall figures per round and each unit's line.
#[derive(Debug, Clone, Serialize)]
pub struct TrendSummary {
    pub rounds: Vec<TrendRound>,
    pub lines: Vec<TrendLine>,
}

/// The last `last` rounds the scope may see, oldest first; a center manager's lines and
/// figures hold their own unit only. Rounds are worked out one after another on `conn`; see
/// [`trend_summary_in`] for the page, which works them out side by side.
pub fn trend_summary(conn: &mut DbConn, scope: UnitScope, last: usize) -> Result<TrendSummary> {
    let names = unit_names(conn)?;
    let rounds = summarised_rounds(conn, scope, last)?;
    let mut figures = Vec::with_capacity(rounds.len());
    for round in &rounds {
        figures.push(trend_figures(conn, round.id, scope, &names)?);
    }
    Ok(assemble_trend(rounds, figures))
}

/// [`trend_summary`] with the rounds worked out on up to one connection of `pool` per core:
/// each round's results are independent of the others', and a bureau's trend spans eight
/// rounds of thousands of files.
pub fn trend_summary_in(
    pool: &crate::storage::Pool,
    scope: UnitScope,
    last: usize,
) -> Result<TrendSummary> {
    let (names, rounds) = {
        let mut conn = crate::storage::checkout(pool)?;
        (
            unit_names(&mut conn)?,
            summarised_rounds(&mut conn, scope, last)?,
        )
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 4)
        .min(rounds.len().max(1));
    let ids: Vec<RoundId> = rounds.iter().map(|round| round.id).collect();
    let chunk = ids.len().div_ceil(workers).max(1);
    let figures: Vec<Vec<FileFigure>> = std::thread::scope(|threads| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|mine| {
                let names = &names;
                threads.spawn(move || -> Result<Vec<Vec<FileFigure>>> {
                    let mut conn = crate::storage::checkout(pool)?;
                    mine.iter()
                        .map(|round| trend_figures(&mut conn, *round, scope, names))
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(ids.len());
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| Error::Corrupt("a trend worker stopped".to_string()))??;
            all.extend(part);
        }
        Ok::<_, Error>(all)
    })?;
    Ok(assemble_trend(rounds, figures))
}

/// One round's finished files as the trend counts them, limited to the scope.
fn trend_figures(
    conn: &mut DbConn,
    round: RoundId,
    scope: UnitScope,
    names: &BTreeMap<UnitId, String>,
) -> Result<Vec<FileFigure>> {
    let mut finals = results::finals(conn, round)?.unwrap_or_default();
    finals.retain(|file| scope.allows(file.unit));
    Ok(light_figures(finals, names))
}

fn assemble_trend(rounds: Vec<Round>, figures: Vec<Vec<FileFigure>>) -> TrendSummary {
    let mut trend_rounds = Vec::with_capacity(rounds.len());
    let mut per_round = Vec::with_capacity(rounds.len());
    for (round, files) in rounds.into_iter().zip(figures) {
        trend_rounds.push(TrendRound {
            id: round.id,
            name: round.settings.name.clone(),
            overall: Stats::of(&files),
        });
        per_round.push((round.settings.name, files));
    }
    TrendSummary {
        rounds: trend_rounds,
        lines: summary::trends(&per_round),
    }
}
