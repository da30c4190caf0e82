//! The tables of the leadership summaries, once: the pages show them and the XLSX export
//! writes them, one worksheet per table, so the spreadsheet holds the page's numbers.

use crate::domain::summary::{Group, Stats, percent_text, points_text};
use crate::export::ExportError;
use crate::storage::summary::{CalibrationOverview, RoundSummary, TrendSummary};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use serde::Serialize;

/// One cell: what the page prints and what the spreadsheet stores.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// Tenths of a percent: the page prints "87.5%", the sheet stores 87.5.
    Percent(u32),
    /// Tenths of a point; `None` (no total) prints "—".
    Points(Option<i32>),
    /// A signed change ("↑2", "↓1", "—").
    Change(Option<i64>),
    /// A signed difference in points, one decimal ("+2.5", "-1.0", "—").
    Difference(Option<f64>),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(count) => count.to_string(),
            Cell::Percent(permille) => percent_text(*permille),
            Cell::Points(tenths) => points_text(*tenths),
            Cell::Change(None) => "—".to_string(),
            Cell::Change(Some(0)) => "持平".to_string(),
            Cell::Change(Some(change)) if *change > 0 => format!("↑{change}"),
            Cell::Change(Some(change)) => format!("↓{}", -change),
            Cell::Difference(None) => "—".to_string(),
            Cell::Difference(Some(value)) => format!("{value:+.1}"),
        }
    }
}

/// A titled table with its column headers and widths (in characters).
#[derive(Debug, Clone)]
pub struct Table {
    /// Also the worksheet name (at most 31 characters).
    pub title: &'static str,
    pub columns: Vec<(String, f64)>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table as the page template reads it: every cell as text.
#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    pub title: &'static str,
    pub columns: Vec<String>,
    /// The number of columns (for the empty row's colspan).
    pub span: usize,
    pub rows: Vec<Vec<CellView>>,
}

/// A cell as the page prints it; numbers are right-aligned.
#[derive(Debug, Clone, Serialize)]
pub struct CellView {
    pub text: String,
    pub num: bool,
}

impl Table {
    pub fn view(&self) -> TableView {
        TableView {
            title: self.title,
            columns: self.columns.iter().map(|(name, _)| name.clone()).collect(),
            span: self.columns.len(),
            rows: self
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|cell| CellView {
                            text: cell.text(),
                            num: !matches!(cell, Cell::Text(_)),
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

const STATS_COLUMNS: [(&str, f64); 10] = [
    ("评查案卷数", 11.0),
    ("优秀", 7.0),
    ("良好", 7.0),
    ("合格", 7.0),
    ("不合格", 8.0),
    ("优良率(%)", 10.0),
    ("合格率(%)", 10.0),
    ("平均分", 9.0),
    ("最高分", 9.0),
    ("最低分", 9.0),
];

fn cols(columns: &[(&str, f64)]) -> Vec<(String, f64)> {
    columns
        .iter()
        .map(|(name, width)| ((*name).to_string(), *width))
        .collect()
}

fn count(value: usize) -> Cell {
    Cell::Count(i64::try_from(value).unwrap_or(i64::MAX))
}

fn stats_cells(stats: &Stats) -> Vec<Cell> {
    vec![
        count(stats.files),
        count(stats.excellent),
        count(stats.good),
        count(stats.pass),
        count(stats.fail),
        Cell::Percent(stats.excellent_good_permille),
        Cell::Percent(stats.pass_permille),
        Cell::Points(stats.mean_tenths),
        Cell::Points(stats.max_tenths),
        Cell::Points(stats.min_tenths),
    ]
}

fn group_table(title: &'static str, label: &'static str, groups: &[Group]) -> Table {
    let mut columns = cols(&[(label, 24.0)]);
    columns.extend(cols(&STATS_COLUMNS));
    Table {
        title,
        columns,
        rows: groups
            .iter()
            .map(|group| {
                let mut row = vec![Cell::Text(group.label.clone())];
                row.extend(stats_cells(&group.stats));
                row
            })
            .collect(),
    }
}

/// Every table of a round's summary page, in page order.
pub fn round_tables(summary: &RoundSummary) -> Vec<Table> {
    let mut overall_columns = cols(&[("抽查案卷数", 11.0)]);
    overall_columns.extend(cols(&STATS_COLUMNS));
    let mut overall = vec![count(summary.sampled)];
    overall.extend(stats_cells(&summary.overall));
    let mut tables = vec![
        Table {
            title: "总体情况",
            columns: overall_columns,
            rows: vec![overall],
        },
        Table {
            title: "单位排名",
            columns: cols(&[
                ("名次", 6.0),
                ("单位", 24.0),
                ("较上轮", 8.0),
                ("评查案卷数", 11.0),
                ("平均分", 9.0),
                ("优良率(%)", 10.0),
                ("合格率(%)", 10.0),
            ]),
            rows: summary
                .ranking
                .iter()
                .map(|row| {
                    vec![
                        count(row.rank),
                        Cell::Text(row.label.clone()),
                        Cell::Change(row.change),
                        count(row.stats.files),
                        Cell::Points(row.stats.mean_tenths),
                        Cell::Percent(row.stats.excellent_good_permille),
                        Cell::Percent(row.stats.pass_permille),
                    ]
                })
                .collect(),
        },
        group_table("按单位", "单位", &summary.by_unit),
        group_table("按案件类型", "案件类型", &summary.by_case_type),
        group_table("按承办机构", "承办机构", &summary.by_firm),
        group_table("按承办人", "承办人", &summary.by_handler),
        Table {
            title: "典型问题",
            columns: cols(&[
                ("评查项目", 10.0),
                ("问题", 40.0),
                ("次数", 7.0),
                ("涉及案卷数", 11.0),
                ("涉及单位", 40.0),
            ]),
            rows: summary
                .problems
                .iter()
                .map(|problem| {
                    let units: Vec<&str> = problem
                        .units
                        .iter()
                        .filter_map(|unit| summary.problem_units.get(unit).map(String::as_str))
                        .collect();
                    vec![
                        Cell::Text(match problem.case_type {
                            Some(case_type) => {
                                format!("{} {}", case_type.label(), problem.item_code)
                            }
                            None => problem.item_code.clone(),
                        }),
                        Cell::Text(problem.item_text.clone()),
                        count(problem.count),
                        count(problem.file_count),
                        Cell::Text(units.join("、")),
                    ]
                })
                .collect(),
        },
        Table {
            title: "整改进展",
            columns: cols(&[
                ("单位", 24.0),
                ("已下发通知书", 12.0),
                ("已报送整改", 11.0),
                ("已核验", 8.0),
                ("逾期", 7.0),
            ]),
            rows: summary
                .rectification
                .iter()
                .map(|row| {
                    vec![
                        Cell::Text(row.unit_name.clone()),
                        count(row.issued),
                        count(row.answered),
                        count(row.verified),
                        count(row.overdue),
                    ]
                })
                .collect(),
        },
        Table {
            title: "办案任务完成情况",
            columns: {
                let mut columns = cols(&[("单位", 24.0)]);
                columns.push((
                    format!("截至{}结案数", summary.caseload_as_of.format("%Y-%m-%d")),
                    16.0,
                ));
                columns.extend(cols(&[
                    ("年度办案任务", 12.0),
                    ("完成率(%)", 10.0),
                    ("时间进度(%)", 11.0),
                ]));
                columns
            },
            rows: summary
                .caseload
                .iter()
                .map(|row| {
                    vec![
                        Cell::Text(row.unit_name.clone()),
                        count(row.cases),
                        row.target.map_or(Cell::Text("未设定".into()), |target| {
                            Cell::Count(i64::from(target))
                        }),
                        row.completion_permille
                            .map_or(Cell::Text("—".into()), Cell::Percent),
                        Cell::Percent(row.time_progress_permille),
                    ]
                })
                .collect(),
        },
        Table {
            title: "案卷明细",
            columns: cols(&[
                ("案号", 22.0),
                ("单位", 24.0),
                ("案件类型", 10.0),
                ("承办机构", 24.0),
                ("承办人", 10.0),
                ("总分", 8.0),
                ("等次", 8.0),
            ]),
            rows: summary
                .files
                .iter()
                .map(|file| {
                    vec![
                        Cell::Text(file.case_no.clone()),
                        Cell::Text(file.unit_name.clone()),
                        Cell::Text(file.case_type.clone()),
                        Cell::Text(file.firm.clone()),
                        Cell::Text(file.handler.clone()),
                        Cell::Points(file.total_tenths),
                        Cell::Text(file.grade.clone()),
                    ]
                })
                .collect(),
        },
    ];
    // Before the file list, which stays last (the page shows it as the drill-down).
    if let Some(calibration) = &summary.calibration {
        tables.insert(tables.len() - 1, calibration_table(calibration));
    }
    tables
}

/// Every reviewer of the round against their co-reviewers (administrators and leadership).
fn calibration_table(calibration: &CalibrationOverview) -> Table {
    Table {
        title: "评查员校准",
        columns: cols(&[
            ("评查员", 12.0),
            ("检查组", 8.0),
            ("评分表数", 9.0),
            ("同卷对照案卷数", 14.0),
            ("平均分", 9.0),
            ("与同卷评查员偏差", 16.0),
            ("与本组平均偏差", 14.0),
            ("倾向", 9.0),
        ]),
        rows: calibration
            .reviewers
            .iter()
            .map(|row| {
                vec![
                    Cell::Text(row.name.clone()),
                    Cell::Text(format!("第{}组", row.team)),
                    count(row.sheets),
                    count(row.paired_files),
                    Cell::Points(Some((row.mean_total * 10.0).round() as i32)),
                    Cell::Difference(row.deviation_from_co_reviewers),
                    Cell::Difference(Some(row.deviation_from_team)),
                    Cell::Text(row.leaning.to_string()),
                ]
            })
            .collect(),
    }
}

/// The tables of the multi-round view.
pub fn trend_tables(trend: &TrendSummary) -> Vec<Table> {
    let mut overall_columns = cols(&[("评查轮次", 24.0)]);
    overall_columns.extend(cols(&STATS_COLUMNS));
    let mut unit_columns = cols(&[("单位", 24.0)]);
    unit_columns.extend(trend.rounds.iter().map(|round| (round.name.clone(), 12.0)));
    let per_unit = |pick: &dyn Fn(&crate::domain::summary::TrendPoint) -> Cell| {
        trend
            .lines
            .iter()
            .map(|line| {
                let mut row = vec![Cell::Text(line.name.clone())];
                row.extend(line.points.iter().map(|point| match point {
                    Some(point) => pick(point),
                    None => Cell::Text("—".into()),
                }));
                row
            })
            .collect::<Vec<_>>()
    };
    vec![
        Table {
            title: "各轮总体情况",
            columns: overall_columns,
            rows: trend
                .rounds
                .iter()
                .map(|round| {
                    let mut row = vec![Cell::Text(round.name.clone())];
                    row.extend(stats_cells(&round.overall));
                    row
                })
                .collect(),
        },
        Table {
            title: "平均分趋势",
            columns: unit_columns.clone(),
            rows: per_unit(&|point| Cell::Points(point.mean_tenths)),
        },
        Table {
            title: "合格率趋势",
            columns: unit_columns,
            rows: per_unit(&|point| Cell::Percent(point.pass_permille)),
        },
    ]
}

/// The tables as a workbook: one worksheet per table, a styled and frozen header row,
/// column widths.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_border(FormatBorder::Thin);
    let number = Format::new().set_border(FormatBorder::Thin);
    let decimal = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0");
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(table.title)?;
        for (column, (name, width)) in table.columns.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, column, name, &header)?;
            sheet.set_column_width(column, *width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (index, row) in table.rows.iter().enumerate() {
            let row_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                match cell {
                    Cell::Count(value) => {
                        sheet.write_number_with_format(
                            row_number,
                            column,
                            *value as f64,
                            &number,
                        )?;
                    }
                    Cell::Percent(permille) => {
                        sheet.write_number_with_format(
                            row_number,
                            column,
                            f64::from(*permille) / 10.0,
                            &decimal,
                        )?;
                    }
                    Cell::Points(Some(tenths)) => {
                        sheet.write_number_with_format(
                            row_number,
                            column,
                            f64::from(*tenths) / 10.0,
                            &decimal,
                        )?;
                    }
                    Cell::Difference(Some(value)) => {
                        sheet.write_number_with_format(
                            row_number,
                            column,
                            (value * 10.0).round() / 10.0,
                            &decimal,
                        )?;
                    }
                    Cell::Change(Some(change)) => {
                        sheet.write_number_with_format(
                            row_number,
                            column,
                            *change as f64,
                            &number,
                        )?;
                    }
                    // Always a string cell, quote-prefixed and cut to fit (see `write_text`).
                    other => {
                        super::write_text(sheet, row_number, column, &other.text(), &text)?;
                    }
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}
