//! 评查情况通报: the round's bulletin for leadership — key figures, tables by unit and by case
//! type, charts (grade distribution, unit averages, trend across rounds), typical problems,
//! rectification progress, and the per-file scores as an attachment.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Error;
use super::chinese::{average, chinese_numeral, percent, score};
use super::official;
use super::pdf::{
    Align, BarChart, Cell, Column, FontRole, Fonts, Layout, LineChart, PageSetup, Row, RowKind,
    Table, TextStyle,
};

/// Everything in one bulletin. Carries no personal data beyond handlers' names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadershipReportView {
    /// e.g. 银川市司法局
    pub bureau: String,
    /// e.g. 2025年第三季度法律援助案卷交叉评查
    pub round_name: String,
    /// e.g. 银司法评〔2025〕15号, printed under the title when given
    pub doc_number: Option<String>,
    /// Opening paragraph(s): basis, period, who reviewed; one per line.
    pub introduction: String,
    pub reviewers: usize,
    pub grades: Vec<GradeCount>,
    pub by_unit: Vec<UnitRow>,
    pub by_case_type: Vec<CaseTypeRow>,
    /// Earlier rounds and this one, oldest first.
    pub trend: Vec<TrendPoint>,
    pub typical_problems: Vec<TypicalProblem>,
    /// 评查员校准提示: teams and reviewers flagged (一团和气, 偏严, 偏松), one sentence each,
    /// the rule last; printed after the typical problems when not empty.
    #[serde(default)]
    pub calibration_notes: Vec<String>,
    pub rectification: Vec<RectificationProgressRow>,
    /// 办案任务完成情况 as of the round's period end; `None` leaves the part out.
    #[serde(default)]
    pub caseload: Option<CaseloadPart>,
    /// Next steps, one paragraph per line; may be empty.
    pub requirements: String,
    /// 附件: every reviewed file's score.
    pub files: Vec<FileScoreRow>,
    pub issued_on: NaiveDate,
}

/// How many files got a grade (优秀, 良好, 合格, 不合格 in that order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeCount {
    pub grade: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub unit: String,
    pub files: usize,
    pub average: f64,
    pub excellent: usize,
    pub good: usize,
    pub pass: usize,
    pub fail: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTypeRow {
    pub case_type: String,
    pub files: usize,
    pub average: f64,
    pub good_count: usize,
    pub pass_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Short label, e.g. 2025年二季度
    pub round: String,
    pub average: f64,
    /// 优良率 in percent (0–100)
    pub good_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypicalProblem {
    pub title: String,
    /// Files in which it was found.
    pub files: usize,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RectificationProgressRow {
    pub unit: String,
    pub findings: usize,
    pub fixed: usize,
    pub verified: usize,
    pub overdue: bool,
    /// Notice state as shown in the app, e.g. 整改中, 已核验
    pub status: String,
}

/// Each unit's cases closed from 1 January to `as_of` against its annual target, beside the
/// share of the year elapsed (时间进度).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseloadPart {
    pub as_of: NaiveDate,
    /// 时间进度 in percent (0–100).
    pub time_progress: f64,
    pub rows: Vec<CaseloadRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseloadRow {
    pub unit: String,
    pub cases: usize,
    pub target: Option<i32>,
    /// 完成率 in percent; `None` without a target.
    pub completion: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileScoreRow {
    pub unit: String,
    pub case_number: String,
    pub case_type: String,
    pub handler: String,
    pub total: f64,
    pub grade: String,
}

/// 六、办案任务完成情况: one row per unit, 完成率 beside 时间进度.
fn caseload_part(
    layout: &mut Layout<'_>,
    part: &CaseloadPart,
    cell: TextStyle,
) -> Result<(), Error> {
    official::heading(layout, "六、办案任务完成情况")?;
    let as_of = part.as_of.format("%Y年%-m月%-d日").to_string();
    official::body(
        layout,
        &format!(
            "截至{as_of}（本轮案件期间末），时间进度{:.1}%。",
            part.time_progress
        ),
        "办案任务完成情况",
    )?;
    let rows = part
        .rows
        .iter()
        .map(|row| {
            Row::texts([
                row.unit.clone(),
                row.cases.to_string(),
                row.target
                    .map_or_else(|| "未设定".to_string(), |target| target.to_string()),
                row.completion
                    .map_or_else(|| "—".to_string(), |completion| format!("{completion:.1}%")),
                format!("{:.1}%", part.time_progress),
            ])
        })
        .collect();
    layout.table(&Table {
        columns: Column::list(&[
            (3.0, Align::Left),
            (1.2, Align::Centre),
            (1.2, Align::Centre),
            (1.0, Align::Centre),
            (1.0, Align::Centre),
        ]),
        header: Some(Row::texts([
            "单位",
            "累计结案",
            "年度任务",
            "完成率",
            "时间进度",
        ])),
        rows,
        style: cell,
        context: "办案任务完成情况".to_owned(),
    })?;
    layout.skip(8.0);
    Ok(())
}

/// The bulletin as a PDF.
pub fn leadership_report(view: &LeadershipReportView, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    leadership_report_with_code(view, fonts, None)
}

/// The leadership report with its 核验码 at the foot of every page.
pub(crate) fn leadership_report_with_code(
    view: &LeadershipReportView,
    fonts: &Fonts,
    code: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let title = format!("关于{}情况的通报", view.round_name);
    let mut layout = Layout::new(fonts, PageSetup::official(), &title, view.issued_on);
    layout.set_verification_code(code);
    official::title(&mut layout, &title)?;
    if let Some(number) = &view.doc_number {
        official::subtitle(&mut layout, number)?;
    }
    official::body(&mut layout, &view.introduction, "通报正文")?;

    let files: usize = view.grades.iter().map(|grade| grade.count).sum();
    let count_of = |name: &str| {
        view.grades
            .iter()
            .filter(|grade| grade.grade == name)
            .map(|grade| grade.count)
            .sum::<usize>()
    };
    let total_score: f64 = view
        .by_unit
        .iter()
        .map(|unit| unit.average * unit.files as f64)
        .sum();
    let mean = if files == 0 {
        0.0
    } else {
        total_score / files as f64
    };
    let previous = view.trend.iter().rev().nth(1);
    let change = previous.map_or_else(String::new, |previous| {
        let difference = mean - previous.average;
        if difference.abs() < 0.05 {
            format!("，与{}持平", previous.round)
        } else if difference > 0.0 {
            format!("，较{}提高{}分", previous.round, score(difference))
        } else {
            format!("，较{}下降{}分", previous.round, score(-difference))
        }
    });
    let (excellent, good, fail) = (count_of("优秀"), count_of("良好"), count_of("不合格"));
    let figures = format!(
        "一、总体情况\n本轮共评查{}个单位的法律援助案卷{}件，参与评查人员{}名。案卷平均得分{}分{}。其中优秀{}件、良好{}件、合格{}件、不合格{}件，优良率{}，合格率{}，优秀率{}。",
        view.by_unit.len(),
        files,
        view.reviewers,
        score(mean),
        change,
        excellent,
        good,
        count_of("合格"),
        fail,
        percent(excellent + good, files),
        percent(files - fail, files),
        percent(excellent, files),
    );
    official::body(&mut layout, &figures, "总体情况")?;

    let label = TextStyle::new(FontRole::Body, 10.5, 14.0);
    let grade_chart = BarChart {
        title: "图1　案卷等次分布".to_owned(),
        bars: view
            .grades
            .iter()
            .map(|grade| (grade.grade.clone(), grade.count as f32))
            .collect(),
        max: nice_max(
            view.grades
                .iter()
                .map(|grade| grade.count as f32)
                .fold(0.0, f32::max),
        ),
        value_labels: view
            .grades
            .iter()
            .map(|grade| format!("{}件（{}）", grade.count, percent(grade.count, files)))
            .collect(),
        horizontal: false,
        height: 190.0,
    };
    layout.skip(6.0);
    layout.bar_chart(&grade_chart, &label)?;

    let cell = TextStyle::new(FontRole::Body, 12.0, 17.0);
    official::heading(&mut layout, "二、各单位评查情况")?;
    let mut ranked: Vec<&UnitRow> = view.by_unit.iter().collect();
    ranked.sort_by(|a, b| {
        b.average
            .total_cmp(&a.average)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let rows = ranked
        .iter()
        .enumerate()
        .map(|(index, unit)| {
            Row::texts([
                (index + 1).to_string(),
                unit.unit.clone(),
                unit.files.to_string(),
                average(unit.average),
                unit.excellent.to_string(),
                unit.good.to_string(),
                unit.pass.to_string(),
                unit.fail.to_string(),
                percent(unit.excellent + unit.good, unit.files),
            ])
        })
        .collect();
    layout.table(&Table {
        columns: Column::list(&[
            (0.6, Align::Centre),
            (3.0, Align::Left),
            (0.8, Align::Centre),
            (0.9, Align::Centre),
            (0.7, Align::Centre),
            (0.7, Align::Centre),
            (0.7, Align::Centre),
            (0.8, Align::Centre),
            (1.1, Align::Centre),
        ]),
        header: Some(Row::texts([
            "排名",
            "单位",
            "案卷",
            "平均分",
            "优秀",
            "良好",
            "合格",
            "不合格",
            "优良率",
        ])),
        rows,
        style: cell,
        context: "各单位评查情况".to_owned(),
    })?;
    layout.skip(8.0);
    let unit_chart = BarChart {
        title: "图2　各单位案卷平均分".to_owned(),
        bars: ranked
            .iter()
            .map(|unit| (unit.unit.clone(), unit.average as f32))
            .collect(),
        max: 100.0,
        value_labels: ranked.iter().map(|unit| average(unit.average)).collect(),
        horizontal: true,
        height: (ranked.len() as f32 * 18.0 + 24.0).clamp(80.0, 600.0),
    };
    layout.bar_chart(&unit_chart, &label)?;

    official::heading(&mut layout, "三、各类案件评查情况")?;
    let rows = view
        .by_case_type
        .iter()
        .map(|row| {
            Row::texts([
                row.case_type.clone(),
                row.files.to_string(),
                average(row.average),
                percent(row.good_count, row.files),
                percent(row.pass_count, row.files),
            ])
        })
        .collect();
    layout.table(&Table {
        columns: Column::list(&[
            (1.6, Align::Centre),
            (1.0, Align::Centre),
            (1.0, Align::Centre),
            (1.2, Align::Centre),
            (1.2, Align::Centre),
        ]),
        header: Some(Row::texts([
            "案件类型",
            "案卷数",
            "平均分",
            "优良率",
            "合格率",
        ])),
        rows,
        style: cell,
        context: "各类案件评查情况".to_owned(),
    })?;
    layout.skip(8.0);
    if view.trend.len() > 1 {
        let low = view
            .trend
            .iter()
            .map(|point| point.average.min(point.good_rate))
            .fold(100.0, f64::min);
        let trend_chart = LineChart {
            title: "图3　近期各轮评查平均分与优良率".to_owned(),
            categories: view.trend.iter().map(|point| point.round.clone()).collect(),
            series: vec![
                (
                    "平均分".to_owned(),
                    view.trend
                        .iter()
                        .map(|point| point.average as f32)
                        .collect(),
                ),
                (
                    "优良率（%）".to_owned(),
                    view.trend
                        .iter()
                        .map(|point| point.good_rate as f32)
                        .collect(),
                ),
            ],
            min: (((low - 5.0) / 10.0).floor() * 10.0).clamp(0.0, 80.0) as f32,
            max: 100.0,
            height: 210.0,
        };
        layout.line_chart(&trend_chart, &label)?;
    }

    official::heading(&mut layout, "四、发现的典型问题")?;
    let problems: Vec<String> = view
        .typical_problems
        .iter()
        .enumerate()
        .map(|(index, problem)| {
            format!(
                "（{}）{}（{}件）\n{}",
                chinese_numeral(index + 1),
                problem.title,
                problem.files,
                problem.description
            )
        })
        .collect();
    official::body(&mut layout, &problems.join("\n"), "典型问题")?;
    if !view.calibration_notes.is_empty() {
        official::body(&mut layout, &view.calibration_notes.join("\n"), "校准提示")?;
    }

    official::heading(&mut layout, "五、整改落实情况")?;
    let rows = view
        .rectification
        .iter()
        .map(|row| {
            Row::texts([
                row.unit.clone(),
                row.findings.to_string(),
                row.fixed.to_string(),
                row.verified.to_string(),
                percent(row.fixed, row.findings),
                if row.overdue {
                    format!("{}（逾期）", row.status)
                } else {
                    row.status.clone()
                },
            ])
        })
        .collect();
    layout.table(&Table {
        columns: Column::list(&[
            (3.0, Align::Left),
            (0.9, Align::Centre),
            (0.9, Align::Centre),
            (0.9, Align::Centre),
            (1.1, Align::Centre),
            (1.6, Align::Centre),
        ]),
        header: Some(Row::texts([
            "单位",
            "问题数",
            "已整改",
            "已核验",
            "整改率",
            "状态",
        ])),
        rows,
        style: cell,
        context: "整改落实情况".to_owned(),
    })?;
    layout.skip(8.0);
    let mut next_heading = "六";
    if let Some(caseload) = &view.caseload {
        caseload_part(&mut layout, caseload, cell)?;
        next_heading = "七";
    }
    if !view.requirements.trim().is_empty() {
        official::heading(&mut layout, &format!("{next_heading}、下一步工作要求"))?;
        official::body(&mut layout, &view.requirements, "工作要求")?;
    }
    official::body(&mut layout, "附件：本轮评查案卷得分明细", "附件说明")?;
    official::signature(&mut layout, &view.bureau, view.issued_on)?;

    if !view.files.is_empty() {
        layout.new_page();
        let heading = TextStyle {
            role: FontRole::Heading,
            ..official::body_style()
        };
        layout.line(&heading, "附件", Align::Left, "附件")?;
        official::title(&mut layout, "本轮评查案卷得分明细")?;
        let mut rows = Vec::new();
        let mut current_unit: Option<&str> = None;
        for (index, file) in view.files.iter().enumerate() {
            if current_unit != Some(file.unit.as_str()) {
                current_unit = Some(file.unit.as_str());
                rows.push(
                    Row::new(vec![Cell::spanning(file.unit.clone(), 6, Align::Left)])
                        .kind(RowKind::Group),
                );
            }
            rows.push(
                Row::texts([
                    (index + 1).to_string(),
                    file.case_number.clone(),
                    file.case_type.clone(),
                    file.handler.clone(),
                    score(file.total),
                    file.grade.clone(),
                ])
                .record(format!("第{}行", index + 1)),
            );
        }
        layout.table(&Table {
            columns: Column::list(&[
                (0.7, Align::Centre),
                (3.2, Align::Left),
                (0.9, Align::Centre),
                (1.2, Align::Centre),
                (0.9, Align::Centre),
                (0.9, Align::Centre),
            ]),
            header: Some(Row::texts([
                "序号",
                "案号",
                "类型",
                "承办人",
                "得分",
                "等次",
            ])),
            rows,
            style: cell,
            context: "案卷得分明细".to_owned(),
        })?;
    }
    layout.finish()
}

/// An axis maximum above `value` with four round ticks: 4, 8, 20, 40, 80, 200 …
fn nice_max(value: f32) -> f32 {
    let tick = (value / 4.0).max(1.0);
    let magnitude = 10f32.powf(tick.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|factor| factor * magnitude)
        .find(|candidate| *candidate >= tick)
        .unwrap_or(10.0 * magnitude);
    4.0 * nice
}
