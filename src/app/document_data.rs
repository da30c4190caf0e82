//! The documents' data, read from storage: score sheets and feedback reports as the PDF layer
//! (`documents`) prints them. Web downloads and `pingcha pdf` share these functions, so a
//! document looks the same whichever way it was asked for.

use crate::documents::{
    Deduction, FeedbackCase, FeedbackFindingGroup, FeedbackReportView, NoticeFinding,
    RectificationNoticeView, RubricItemRow, RubricSection, ScoreSheetView, VetoRow, chinese_date,
};
use crate::domain::UnitScope;
use crate::domain::citation;
use crate::domain::findings::{self, FindingSource};
use crate::domain::ids::{CaseFileId, PersonId, UnitId};
use crate::domain::notice_text;
use crate::domain::registry::CaseRecord;
use crate::domain::rubric::{GradeLevel, Method, Points};
use crate::domain::scoring::{ExplanationLine, Mark, ScoreResult};
use crate::storage::results::{FileResult, RoundResults, ScoredSheet};
use crate::storage::{DbConn, cases, rectification, units};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Why a document cannot be made from what is stored.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(transparent)]
    Storage(#[from] crate::storage::Error),
    #[error("评分表“{case_no}”按指标评定法评分，暂不能生成扣分制评分表 PDF")]
    IndicatorMethod { case_no: String },
    #[error("没有可以打印的评分表：所选案卷尚无已提交的评分表")]
    Nothing,
    #[error("整改通知书尚未下发，没有正式文本")]
    NotIssued,
    #[error("整改通知书模板有误：{0}")]
    Template(String),
}

/// Which score sheets to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetSelection {
    File(CaseFileId),
    Unit(UnitId),
    Round,
}

impl SheetSelection {
    fn includes(self, file: &FileResult) -> bool {
        match self {
            SheetSelection::File(id) => file.file == id,
            SheetSelection::Unit(unit) => file.unit == unit,
            SheetSelection::Round => true,
        }
    }
}

/// The registry records of a round's files, by id.
fn records(
    conn: &mut DbConn,
    files: &[&FileResult],
) -> Result<BTreeMap<CaseFileId, CaseRecord>, crate::storage::Error> {
    let ids: Vec<CaseFileId> = files.iter().map(|file| file.file).collect();
    let filter = cases::CaseFilter {
        ids: Some(ids),
        ..Default::default()
    };
    Ok(cases::records(conn, UnitScope::All, &filter)?
        .into_iter()
        .collect())
}

fn points(value: Points) -> f64 {
    f64::from(value.tenths()) / 10.0
}

/// What a sheet's page prints besides its answers: the bureau, the unit, whether the round
/// is blind, and the file's catalogue (卷内目录) that names the documents cited pages fall in.
struct SheetFacts<'a> {
    bureau: &'a str,
    unit_name: &'a str,
    blind: bool,
    catalogue: &'a [citation::CatalogueSpan<'a>],
}

impl SheetFacts<'_> {
    /// 「第12、15–17页《会见笔录》」.
    fn pages(&self, pages: &citation::Citation) -> String {
        pages.describe(self.catalogue)
    }
}

/// Score sheets of the selected files, one per submitted sheet, in unit and case-number order
/// and reviewer order within a file. `blind` prints 评查员甲/乙 instead of names.
pub fn score_sheets(
    conn: &mut DbConn,
    results: &RoundResults,
    selection: SheetSelection,
    blind: bool,
) -> Result<Vec<ScoreSheetView>, DataError> {
    let selected: Vec<&FileResult> = results
        .files
        .iter()
        .filter(|file| selection.includes(file) && !file.sheets.is_empty())
        .collect();
    if selected.is_empty() {
        return Err(DataError::Nothing);
    }
    let records = records(conn, &selected)?;
    let bureau = crate::app::bureau::name(conn)?;
    let unit_names: BTreeMap<UnitId, String> = units::list(conn, UnitScope::All)?
        .into_iter()
        .map(|unit| (unit.id, unit.name))
        .collect();
    let mut ordered: Vec<(&FileResult, &CaseRecord)> = selected
        .iter()
        .filter_map(|file| records.get(&file.file).map(|record| (*file, record)))
        .collect();
    ordered.sort_by(|left, right| {
        (&left.1.unit, &left.1.case_no).cmp(&(&right.1.unit, &right.1.case_no))
    });
    let mut views = Vec::new();
    for (file, record) in ordered {
        let entries = crate::storage::ecf::catalogue(conn, file.file)?;
        let catalogue: Vec<citation::CatalogueSpan<'_>> = entries
            .iter()
            .map(|entry| citation::CatalogueSpan {
                title: &entry.title,
                from: entry.from,
                to: entry.to,
            })
            .collect();
        let facts = SheetFacts {
            bureau: &bureau,
            unit_name: unit_names.get(&file.unit).map_or("", String::as_str),
            blind,
            catalogue: &catalogue,
        };
        for sheet in &file.sheets {
            views.push(sheet_view(results, file, sheet, record, &facts)?);
        }
    }
    Ok(views)
}

fn reviewer_name(results: &RoundResults, person: PersonId) -> String {
    results.version.problem.reviewer_name(person).to_string()
}

fn sheet_view(
    results: &RoundResults,
    file: &FileResult,
    sheet: &ScoredSheet,
    record: &CaseRecord,
    facts: &SheetFacts<'_>,
) -> Result<ScoreSheetView, DataError> {
    let SheetFacts {
        bureau,
        unit_name,
        blind,
        ..
    } = *facts;
    let rubric = results.rubric(file.case_type).ok_or(DataError::Nothing)?;
    let Method::Deduction(scheme) = rubric.method() else {
        return Err(DataError::IndicatorMethod {
            case_no: record.case_no.clone(),
        });
    };
    let answers = &sheet.stored.sheet.answers;
    // The deductions as the sheet's result counts them (after any decided objection), so the
    // items listed add up to the total printed beneath them.
    let mut counted: BTreeMap<&str, Points> = BTreeMap::new();
    for line in &sheet.result.explanation.lines {
        if let ExplanationLine::Deduction { item, points, .. } = line {
            let entry = counted.entry(item.as_str()).or_insert(Points::ZERO);
            *entry = *entry + *points;
        }
    }
    let sections = scheme
        .sections
        .iter()
        .map(|section| RubricSection {
            title: section.title.clone(),
            max_points: points(section.max),
            items: section
                .items
                .iter()
                .map(|item| {
                    let answer = answers.items.iter().find(|answer| answer.code == item.code);
                    let not_applicable =
                        answer.is_some_and(|answer| answer.mark == Mark::NotApplicable);
                    let deductions = answer
                        .map(|answer| {
                            let deducted = counted
                                .get(item.code.as_str())
                                .copied()
                                .unwrap_or(Points::ZERO);
                            (answer, deducted)
                        })
                        .filter(|(_, deducted)| *deducted > Points::ZERO)
                        .map(|(answer, deducted)| Deduction {
                            points: points(deducted),
                            reason: answer.reason.clone(),
                            pages: facts.pages(&answer.pages),
                        })
                        .into_iter()
                        .collect();
                    RubricItemRow {
                        code: item.code.clone(),
                        title: item.text.clone(),
                        max_points: points(item.max),
                        not_applicable,
                        deductions,
                    }
                })
                .collect(),
        })
        .collect();
    let vetoes = sheet
        .result
        .vetoes
        .iter()
        .map(|veto| VetoRow {
            item: veto.text.clone(),
            reason: veto.reason.clone(),
            pages: facts.pages(&veto.pages),
        })
        .collect();
    // 合议意见 only on a file a 合议 decided, naming who took part (masked in a blind round);
    // a double review that agreed says its final result under its own label.
    let final_result = file.final_result();
    let reconciliation_note = final_result
        .and_then(|result| result.reconciliation.as_ref())
        .map(|record| {
            let participants = if blind {
                format!("{}人", record.participants.len())
            } else {
                record
                    .participants
                    .iter()
                    .map(|participant| match participant.parse::<PersonId>() {
                        Ok(person) => reviewer_name(results, person),
                        Err(_) => participant.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            };
            format!("{}（参加人员：{participants}）", record.reason)
        });
    let final_result_note = final_result
        .filter(|result| result.reconciliation.is_none() && file.sheets.len() > 1)
        .map(|result| {
            let total = result
                .total
                .map(|total| format!("{}分，", points(total)))
                .unwrap_or_default();
            format!(
                "本案卷最终结果为{total}{}。{}",
                result.grade.name, result.explanation
            )
        });
    let team_leader = results
        .version
        .assignment
        .leader_of_file(file.file)
        .map(|leader| reviewer_name(results, leader));
    Ok(ScoreSheetView {
        round_name: results.round.settings.name.clone(),
        bureau: bureau.to_string(),
        case_number: record.case_no.clone(),
        case_type: record.case_type.label().to_string(),
        cause: record.cause.clone(),
        recipient: record.recipient.clone(),
        recipient_is_minor: false,
        handler: record.handler.clone(),
        handling_organisation: record.firm.clone(),
        aid_center: unit_name.to_string(),
        assigned_on: record.assigned_at,
        closed_on: Some(record.closed_at),
        rubric_name: rubric.title().to_string(),
        sections,
        vetoes,
        total: sheet.result.total.map_or(0.0, points),
        max_total: 100.0,
        grade: sheet.result.grade.name.clone(),
        reconciliation_note,
        final_result_note,
        reviewers: vec![reviewer_name(results, sheet.stored.reviewer_id)],
        team_leader,
        blind,
        reviewed_on: crate::domain::local_time::local_date(
            sheet.stored.submitted_at.unwrap_or(sheet.stored.updated_at),
        ),
    })
}

/// The team that inspected a unit, as the feedback report names it: 第2评查组（组长甲，成员乙、丙）.
/// Blind rounds name only the team.
fn team_text(results: &RoundResults, unit: UnitId, blind: bool) -> Option<String> {
    let team = results.version.assignment.team_of_unit(unit)?;
    if blind {
        return Some(format!("第{}评查组", team.number));
    }
    let members: Vec<String> = team
        .members
        .iter()
        .filter(|member| **member != team.leader)
        .map(|member| reviewer_name(results, *member))
        .collect();
    Some(format!(
        "第{}评查组（组长{}，成员{}）",
        team.number,
        reviewer_name(results, team.leader),
        members.join("、")
    ))
}

/// The feedback report (评查情况反馈) for one inspected unit: its files' final results, the
/// deductions grouped by rubric item, typical problems, and the round's figures to compare.
pub fn feedback(
    conn: &mut DbConn,
    results: &RoundResults,
    unit: UnitId,
    issued_on: NaiveDate,
) -> Result<FeedbackReportView, DataError> {
    let finished: Vec<&FileResult> = results.finished().map(|(file, _)| file).collect();
    let records = records(conn, &finished)?;
    let unit_record = units::find(conn, UnitScope::All, unit)?;
    let mut unit_cases = Vec::new();
    let mut groups: BTreeMap<String, Vec<(String, String, f64)>> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    // Unit averages for the rank; files without a total (indicator grading) are left out.
    let mut by_unit: BTreeMap<UnitId, (f64, usize)> = BTreeMap::new();
    let (mut round_total, mut round_scored, mut round_good, mut round_pass) = (0.0, 0, 0, 0);
    for (file, result) in results.finished() {
        let level = result.grade.level;
        round_good += usize::from(matches!(level, GradeLevel::Excellent | GradeLevel::Good));
        round_pass += usize::from(level != GradeLevel::Fail);
        if let Some(total) = result.total {
            round_total += points(total);
            round_scored += 1;
            let entry = by_unit.entry(file.unit).or_default();
            entry.0 += points(total);
            entry.1 += 1;
        }
        if file.unit != unit {
            continue;
        }
        let Some(record) = records.get(&file.file) else {
            continue;
        };
        unit_cases.push(FeedbackCase {
            case_number: record.case_no.clone(),
            case_type: record.case_type.label().to_string(),
            handler: record.handler.clone(),
            handling_organisation: record.firm.clone(),
            total: result.total.map_or(0.0, points),
            grade: result.grade.name.clone(),
        });
        // The same derivation as the round's stored findings. Rubrics of different case
        // types reuse codes (A2 …), so an item is its code and text.
        let reviews: Vec<&ScoreResult> = file.sheets.iter().map(|sheet| &sheet.result).collect();
        for derived in findings::derive_from_reviews(&reviews) {
            let item = format!("{} {}", derived.item_code, derived.item_text);
            *counts.entry(item.clone()).or_default() += 1;
            let pages = citation::note(derived.page_ref.as_deref());
            let reason = match derived.source {
                FindingSource::Veto => format!("一票否决：{}{pages}", derived.reason),
                _ => format!("{}{pages}", derived.reason),
            };
            groups.entry(item).or_default().push((
                record.case_no.clone(),
                reason,
                points(derived.points_deducted),
            ));
        }
    }
    // Findings the team leaders and the administrator added by hand.
    let manual = rectification::list_findings(
        conn,
        UnitScope::Unit(unit),
        rectification::FindingFilter {
            round: Some(results.round.id),
            unit: Some(unit),
            ..Default::default()
        },
    )?;
    for stored in manual.into_iter().filter(|stored| {
        matches!(
            stored.finding.source,
            FindingSource::AddedByTeamLeader | FindingSource::AddedByAdmin
        )
    }) {
        let finding = stored.finding;
        let item = format!("{} {}", finding.item_code, finding.item_text);
        *counts.entry(item.clone()).or_default() += 1;
        let pages = citation::note(finding.page_ref.as_deref());
        groups.entry(item).or_default().push((
            stored.case_no,
            format!("{}{pages}", finding.reason),
            points(finding.points_deducted),
        ));
    }
    unit_cases.sort_by(|left, right| left.case_number.cmp(&right.case_number));
    let averages: Vec<(UnitId, f64)> = by_unit
        .iter()
        .map(|(unit, (sum, count))| (*unit, sum / *count as f64))
        .collect();
    let own = averages
        .iter()
        .find(|(id, _)| *id == unit)
        .map(|(_, avg)| *avg);
    let rank = own.map(|own| 1 + averages.iter().filter(|(_, avg)| *avg > own).count());
    let mut ranked: Vec<(&String, &usize)> = counts.iter().collect();
    ranked.sort_by(|left, right| right.1.cmp(left.1).then(left.0.cmp(right.0)));
    let typical_problems = ranked
        .iter()
        .take(5)
        .map(|(item, count)| format!("{item}（{count}件案卷）"))
        .collect();
    let finding_groups = groups
        .into_iter()
        .map(|(item, findings)| FeedbackFindingGroup { item, findings })
        .collect();
    let review_period = review_period(conn, results, Some(unit))?;
    Ok(FeedbackReportView {
        bureau: crate::app::bureau::name(conn)?,
        round_name: results.round.settings.name.clone(),
        unit: unit_record.name,
        review_period,
        inspection_team: team_text(results, unit, results.round.settings.blind),
        cases: unit_cases,
        round_files: round_scored,
        round_average: if round_scored == 0 {
            0.0
        } else {
            round_total / round_scored as f64
        },
        round_good_count: round_good,
        round_pass_count: round_pass,
        rank,
        units_in_round: averages.len(),
        finding_groups,
        typical_problems,
        requirements:
            "请你单位对照评查发现的问题，逐案逐项制定整改措施，按要求完成整改并报送整改情况。"
                .to_string(),
        issued_on,
    })
}

/// The round's 评查情况通报 (leadership report) from the same figures as the summary pages:
/// every unit, the trend over the last rounds, typical problems and rectification progress.
pub fn leadership_report(
    conn: &mut DbConn,
    round: crate::domain::ids::RoundId,
    today: chrono::NaiveDate,
) -> Result<crate::documents::LeadershipReportView, DataError> {
    use crate::documents as report;
    use crate::storage::summary;
    let figures = summary::round_summary(
        conn,
        round,
        UnitScope::All,
        summary::Filter::default(),
        today,
    )?
    .ok_or(DataError::Nothing)?;
    if figures.overall.files == 0 {
        return Err(DataError::Nothing);
    }
    let average = |tenths: Option<i32>| f64::from(tenths.unwrap_or(0)) / 10.0;
    let trend = summary::trend_summary(conn, UnitScope::All, 8)?;
    let this_period = crate::storage::rounds::find(conn, round)?
        .settings
        .period_end;
    let mut trend_points = Vec::new();
    for entry in &trend.rounds {
        let period = crate::storage::rounds::find(conn, entry.id)?
            .settings
            .period_end;
        if period <= this_period && entry.overall.files > 0 {
            trend_points.push(report::TrendPoint {
                round: entry.name.clone(),
                average: average(entry.overall.mean_tenths),
                good_rate: f64::from(entry.overall.excellent_good_permille) / 10.0,
            });
        }
    }
    let reviewers: std::collections::BTreeSet<String> =
        crate::storage::assignments::published(conn, round)?
            .map(|version| {
                version
                    .assignment
                    .placements
                    .iter()
                    .flat_map(|placement| placement.reviewers.iter().map(ToString::to_string))
                    .collect()
            })
            .unwrap_or_default();
    let stats = &figures.overall;
    Ok(report::LeadershipReportView {
        bureau: crate::app::bureau::name(conn)?,
        round_name: figures.round_name.clone(),
        doc_number: None,
        introduction: format!(
            "本轮评查共抽查案卷 {} 件，已得出评查结果 {} 件，平均 {} 分，优良率 {}，合格率 {}。",
            figures.sampled,
            stats.files,
            crate::domain::summary::points_text(stats.mean_tenths),
            crate::domain::summary::percent_text(stats.excellent_good_permille),
            crate::domain::summary::percent_text(stats.pass_permille),
        ),
        reviewers: reviewers.len(),
        grades: [
            ("优秀", stats.excellent),
            ("良好", stats.good),
            ("合格", stats.pass),
            ("不合格", stats.fail),
        ]
        .into_iter()
        .map(|(grade, count)| report::GradeCount {
            grade: grade.to_string(),
            count,
        })
        .collect(),
        by_unit: figures
            .by_unit
            .iter()
            .map(|group| report::UnitRow {
                unit: group.label.clone(),
                files: group.stats.files,
                average: average(group.stats.mean_tenths),
                excellent: group.stats.excellent,
                good: group.stats.good,
                pass: group.stats.pass,
                fail: group.stats.fail,
            })
            .collect(),
        by_case_type: figures
            .by_case_type
            .iter()
            .map(|group| report::CaseTypeRow {
                case_type: group.label.clone(),
                files: group.stats.files,
                average: average(group.stats.mean_tenths),
                good_count: group.stats.excellent + group.stats.good,
                pass_count: group.stats.files - group.stats.fail,
            })
            .collect(),
        trend: trend_points,
        calibration_notes: calibration_notes(figures.calibration.as_ref()),
        typical_problems: figures
            .problems
            .iter()
            .map(|problem| {
                let units: Vec<&str> = problem
                    .units
                    .iter()
                    .filter_map(|unit| figures.problem_units.get(unit).map(String::as_str))
                    .collect();
                report::TypicalProblem {
                    title: crate::app::messages::scoring::typical_problem_title(
                        problem.case_type,
                        &problem.item_code,
                        &problem.item_text,
                    ),
                    files: problem.file_count,
                    description: format!("共 {} 处，涉及{}", problem.count, units.join("、")),
                }
            })
            .collect(),
        rectification: figures
            .rectification
            .iter()
            .map(|row| report::RectificationProgressRow {
                unit: row.unit_name.clone(),
                findings: row.issued,
                fixed: row.answered,
                verified: row.verified,
                overdue: row.overdue > 0,
                status: if row.verified == row.issued {
                    "已核验".to_string()
                } else if row.answered == row.issued {
                    "已提交".to_string()
                } else {
                    "整改中".to_string()
                },
            })
            .collect(),
        caseload: (!figures.caseload.is_empty()).then(|| report::CaseloadPart {
            as_of: figures.caseload_as_of,
            time_progress: figures
                .caseload
                .first()
                .map_or(0.0, |row| f64::from(row.time_progress_permille) / 10.0),
            rows: figures
                .caseload
                .iter()
                .map(|row| report::CaseloadRow {
                    unit: row.unit_name.clone(),
                    cases: row.cases,
                    target: row.target,
                    completion: row
                        .completion_permille
                        .map(|permille| f64::from(permille) / 10.0),
                })
                .collect(),
        }),
        requirements: String::new(),
        files: figures
            .files
            .iter()
            .map(|file| report::FileScoreRow {
                unit: file.unit_name.clone(),
                case_number: file.case_no.clone(),
                case_type: file.case_type.clone(),
                handler: file.handler.clone(),
                total: average(file.total_tenths),
                grade: file.grade.clone(),
            })
            .collect(),
        issued_on: today,
    })
}

/// When the files were reviewed, as the first line of a feedback report or notice says it:
/// from the day the round entered 评查 to the last day a sheet (of `unit`'s files, or of
/// the round) was submitted — the review period, never the day the round moved on to
/// 反馈整改. Without the start in the audit trail, the first submission starts it.
fn review_period(
    conn: &mut DbConn,
    results: &RoundResults,
    unit: Option<UnitId>,
) -> Result<String, DataError> {
    let dates: Vec<NaiveDate> = results
        .files
        .iter()
        .filter(|file| unit.is_none_or(|unit| file.unit == unit))
        .flat_map(|file| &file.sheets)
        .filter_map(|sheet| sheet.stored.submitted_at.map(|at| at.date()))
        .collect();
    let started = crate::storage::rounds::entered_on(
        conn,
        results.round.id,
        crate::domain::round::RoundStatus::Reviewing,
    )?;
    let first = match (started, dates.iter().min()) {
        (Some(started), Some(first)) => Some(started.min(*first)),
        (started, first) => started.or(first.copied()),
    };
    Ok(match (first, dates.iter().max()) {
        (Some(first), Some(last)) if first == *last => chinese_date(first),
        (Some(first), Some(last)) => format!("{}至{}", chinese_date(first), chinese_date(*last)),
        _ => results.round.settings.name.clone(),
    })
}

const NOTICE_BODY: &str = include_str!("../../templates/documents/rectification_notice_body.txt");
const NOTICE_CLOSING: &str =
    include_str!("../../templates/documents/rectification_notice_closing.txt");

/// Checks the notice wording built into the binary, so a bad placeholder stops the server at
/// start instead of a notice at issue time.
pub fn check_notice_templates() -> Result<(), String> {
    for (name, template) in [("正文", NOTICE_BODY), ("结尾", NOTICE_CLOSING)] {
        notice_text::check_template(template)
            .map_err(|error| format!("整改通知书{name}模板：{error}"))?;
    }
    Ok(())
}

/// What the notice's wording is filled from.
struct NoticeFacts<'a> {
    notice: &'a rectification::Notice,
    round: &'a crate::storage::rounds::Round,
    bureau: &'a rectification::BureauSettings,
    results: &'a rectification::UnitResults,
}

fn notice_view(
    facts: &NoticeFacts<'_>,
    findings: &[rectification::StoredFinding],
    number: String,
    issued_on: chrono::NaiveDate,
    deadline: chrono::NaiveDate,
) -> Result<RectificationNoticeView, DataError> {
    let NoticeFacts {
        notice,
        round,
        bureau,
        results,
    } = *facts;
    let period = format!(
        "{}至{}",
        notice_text::chinese_date(round.settings.period_start),
        notice_text::chinese_date(round.settings.period_end)
    );
    let count = |level: GradeLevel| {
        results
            .by_level
            .get(&level)
            .copied()
            .unwrap_or(0)
            .to_string()
    };
    let values: BTreeMap<&str, String> = [
        (
            "评查方案",
            format!(
                "{}工作方案",
                notice_text::inspection_name(&round.settings.name)
            ),
        ),
        ("评查组", format!("{}交叉检查组", bureau.bureau_name)),
        ("评查日期", "本轮评查期间".to_string()),
        ("案卷期间", period),
        ("案卷数", results.files.to_string()),
        (
            "结果评定",
            match results.reconciled {
                0 => "据此确定了评查结果".to_string(),
                reconciled => format!("其中{reconciled}件案卷经合议确定了评查结果"),
            },
        ),
        (
            "平均分",
            results.average.map_or_else(
                || "（按等次评定）".to_string(),
                |average| average.to_string(),
            ),
        ),
        ("优秀数", count(GradeLevel::Excellent)),
        ("良好数", count(GradeLevel::Good)),
        ("合格数", count(GradeLevel::Pass)),
        ("不合格数", count(GradeLevel::Fail)),
        ("问题数", findings.len().to_string()),
        ("报送单位", bureau.bureau_name.clone()),
    ]
    .into_iter()
    .collect();
    let body = notice_text::fill(NOTICE_BODY.trim_end(), &values)
        .map_err(|error| DataError::Template(error.to_string()))?;
    let closing = notice_text::fill(NOTICE_CLOSING.trim_end(), &values)
        .map_err(|error| DataError::Template(error.to_string()))?;
    Ok(RectificationNoticeView {
        organ_mark: format!("{}文件", bureau.bureau_name),
        doc_number: number,
        title: notice_text::notice_title(&round.settings.name, false),
        addressee: notice.unit_name.clone(),
        body,
        findings: findings
            .iter()
            .map(|stored| {
                let objection = stored.objection.as_ref();
                let withdrawn = objection.is_some_and(|objection| objection.withdrawn);
                NoticeFinding {
                    case_number: stored.case_no.clone(),
                    handler: stored.finding.handler_name.clone(),
                    item: match objection {
                        Some(objection) if objection.open || withdrawn => format!(
                            "{} {}（{}）",
                            stored.finding.item_code,
                            stored.finding.item_text,
                            if withdrawn {
                                "已撤销"
                            } else {
                                "异议处理中"
                            }
                        ),
                        _ => format!("{} {}", stored.finding.item_code, stored.finding.item_text),
                    },
                    deduction: if withdrawn {
                        0.0
                    } else {
                        f64::from(stored.finding.points_deducted.tenths()) / 10.0
                    },
                    problem: format!(
                        "{}{}",
                        stored.finding.reason,
                        citation::note(stored.finding.page_ref.as_deref())
                    ),
                    requirement: match objection {
                        Some(objection) if objection.open => {
                            "异议处理中，待裁决后按裁决整改".to_string()
                        }
                        _ if withdrawn => "经异议复核撤销，无需整改".to_string(),
                        _ => "逐项整改，补正相关材料并说明原因".to_string(),
                    },
                }
            })
            .collect(),
        closing,
        deadline,
        issuer: bureau.bureau_name.clone(),
        issued_on,
        contact: (!bureau.contact.trim().is_empty())
            .then(|| format!("联系人及电话：{}", bureau.contact.trim())),
        copy_to: Vec::new(),
        printed_by: Some(format!("{}办公室", bureau.bureau_name)),
    })
}

/// The issued notice as the unit receives it, from what is stored now: read when the notice
/// is issued (its PDF is made and kept then), never again afterwards.
pub fn notice(
    conn: &mut DbConn,
    notice: &rectification::Notice,
) -> Result<RectificationNoticeView, DataError> {
    let (Some(number), Some(issued_on), Some(deadline)) =
        (notice.doc_number.clone(), notice.issued_on, notice.deadline)
    else {
        return Err(DataError::NotIssued);
    };
    let findings = rectification::list_findings(
        conn,
        UnitScope::All,
        rectification::FindingFilter {
            notice: Some(notice.id),
            include_withdrawn: true,
            ..Default::default()
        },
    )?;
    let round = crate::storage::rounds::find(conn, notice.round_id)?;
    // The name from the one source (`app::bureau`); the contact from the settings page.
    let mut bureau = rectification::settings(conn)?;
    bureau.bureau_name = crate::app::bureau::name(conn)?;
    let results = rectification::unit_results(conn, &round, notice.unit_id)?;
    let facts = NoticeFacts {
        notice,
        round: &round,
        bureau: &bureau,
        results: &results,
    };
    let mut view = notice_view(&facts, &findings, number, issued_on, deadline)?;
    if let Some(old_number) = rectification::corrects_number(conn, notice.id)? {
        let old_title = notice_text::notice_title(&round.settings.name, false);
        view.title = notice_text::notice_title(&round.settings.name, true);
        view.body = format!(
            "{}\n{}",
            crate::app::messages::rectification::correction_preamble(&old_title, &old_number),
            view.body
        );
    }
    Ok(view)
}

/// The leadership report's calibration notes: teams and reviewers whose totals cluster near
/// the top (一团和气), reviewers leaning harsh or lenient, then the rules applied.
fn calibration_notes(
    calibration: Option<&crate::storage::summary::CalibrationOverview>,
) -> Vec<String> {
    use crate::app::messages::scoring as messages;
    use crate::domain::scoring::calibration::CalibrationSettings;
    let Some(calibration) = calibration else {
        return Vec::new();
    };
    let mut notes: Vec<String> = calibration
        .uniform_high_teams
        .iter()
        .map(|team| {
            messages::uniform_high_team(team.team, team.sheets, team.mean_total, team.sd_total)
        })
        .collect();
    for reviewer in &calibration.reviewers {
        if reviewer.uniform_high {
            notes.push(messages::uniform_high_reviewer(
                &reviewer.name,
                reviewer.team,
                reviewer.sheets,
                reviewer.mean_total,
                reviewer.sd_total,
            ));
        }
    }
    for reviewer in &calibration.reviewers {
        if let (Some(deviation), "偏严" | "偏松") =
            (reviewer.deviation_from_co_reviewers, reviewer.leaning)
        {
            notes.push(messages::leaning_reviewer(
                &reviewer.name,
                reviewer.team,
                reviewer.leaning,
                reviewer.paired_files,
                deviation,
            ));
        }
    }
    if !notes.is_empty() {
        let settings = CalibrationSettings::default();
        notes.push(messages::calibration_leaning_rule(
            &settings,
            calibration.rounds,
        ));
        notes.push(messages::calibration_uniform_high_rule(
            &settings.uniform_high,
        ));
    }
    notes
}
