//! 评查情况反馈: what one inspected unit is told after a round — the scores of its files,
//! the findings grouped by rubric item, typical problems and how it compares with the round.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Error;
use super::chinese::{chinese_numeral, percent, score};
use super::official;
use super::pdf::{
    Align, Cell, Column, FontRole, Fonts, Layout, PageSetup, Row, RowKind, Table, TextStyle,
};

/// The feedback for one unit in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackReportView {
    /// The issuing bureau, e.g. 银川市司法局
    pub bureau: String,
    /// e.g. 2025年第三季度法律援助案卷交叉评查
    pub round_name: String,
    pub unit: String,
    /// When the files were reviewed, e.g. 2025年10月9日至10日
    pub review_period: String,
    /// The team that inspected the unit, e.g. 第2评查组（组长张三，成员李四、王五）; the intro
    /// says 评查组 when absent.
    #[serde(default)]
    pub inspection_team: Option<String>,
    pub cases: Vec<FeedbackCase>,
    /// Round-wide figures to compare with.
    pub round_files: usize,
    pub round_average: f64,
    pub round_good_count: usize,
    pub round_pass_count: usize,
    /// The unit's rank by average among `units_in_round` units, when ranking is published.
    pub rank: Option<usize>,
    pub units_in_round: usize,
    pub finding_groups: Vec<FeedbackFindingGroup>,
    pub typical_problems: Vec<String>,
    /// Closing requirements, one paragraph per line; may be empty.
    pub requirements: String,
    pub issued_on: NaiveDate,
}

/// One of the unit's reviewed files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackCase {
    pub case_number: String,
    pub case_type: String,
    pub handler: String,
    pub handling_organisation: String,
    pub total: f64,
    pub grade: String,
}

/// The findings under one rubric item, across the unit's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackFindingGroup {
    /// e.g. C2 会见笔录要素齐全
    pub item: String,
    /// (case number, what was wrong, points deducted)
    pub findings: Vec<(String, String, f64)>,
}

fn good(grade: &str) -> bool {
    grade == "优秀" || grade == "良好"
}

/// The feedback report as a PDF.
pub fn feedback_report(view: &FeedbackReportView, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    feedback_report_with_code(view, fonts, None)
}

/// The feedback report with its 核验码 at the foot of every page.
pub(crate) fn feedback_report_with_code(
    view: &FeedbackReportView,
    fonts: &Fonts,
    code: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let title = format!("关于{}情况的反馈", view.round_name);
    let mut layout = Layout::new(fonts, PageSetup::official(), &title, view.issued_on);
    layout.set_verification_code(code);
    official::title(&mut layout, &title)?;
    official::addressee(&mut layout, &view.unit)?;

    let files = view.cases.len();
    let average = if files == 0 {
        0.0
    } else {
        view.cases.iter().map(|case| case.total).sum::<f64>() / files as f64
    };
    let good_count = view.cases.iter().filter(|case| good(&case.grade)).count();
    let pass_count = view
        .cases
        .iter()
        .filter(|case| case.grade != "不合格")
        .count();
    let difference = average - view.round_average;
    let relation = if difference.abs() < 0.05 {
        "与全市平均分持平".to_owned()
    } else if difference > 0.0 {
        format!("高于全市平均分{}分", score(difference))
    } else {
        format!("低于全市平均分{}分", score(-difference))
    };
    let rank = view
        .rank
        .map(|rank| format!("，在{}个被评查单位中排第{}名", view.units_in_round, rank))
        .unwrap_or_default();
    let intro = format!(
        "{}，{}对你单位{}件法律援助案卷进行了交叉评查。现将评查情况反馈如下：\n一、评查结果\n你单位被评查案卷平均得分{}分，{}（全市{}件案卷平均得分{}分）{}；优良率{}（全市{}），合格率{}（全市{}）。各案卷得分如下：",
        view.review_period,
        view.inspection_team.as_deref().unwrap_or("评查组"),
        files,
        score(average),
        relation,
        view.round_files,
        score(view.round_average),
        rank,
        percent(good_count, files),
        percent(view.round_good_count, view.round_files),
        percent(pass_count, files),
        percent(view.round_pass_count, view.round_files),
    );
    official::body(&mut layout, &intro, "反馈正文")?;

    let cell = TextStyle::new(FontRole::Body, 12.0, 17.0);
    let rows = view
        .cases
        .iter()
        .enumerate()
        .map(|(index, case)| {
            Row::texts([
                (index + 1).to_string(),
                case.case_number.clone(),
                case.case_type.clone(),
                case.handler.clone(),
                case.handling_organisation.clone(),
                score(case.total),
                case.grade.clone(),
            ])
            .record(format!("第{}行", index + 1))
        })
        .collect();
    let columns = [
        (0.6, Align::Centre),
        (2.6, Align::Left),
        (0.8, Align::Centre),
        (1.0, Align::Centre),
        (2.4, Align::Left),
        (0.8, Align::Centre),
        (0.9, Align::Centre),
    ];
    layout.table(&Table {
        columns: Column::list(&columns),
        header: Some(Row::texts([
            "序号",
            "案号",
            "类型",
            "承办人",
            "承办机构",
            "得分",
            "等次",
        ])),
        rows,
        style: cell,
        context: format!("评查情况反馈（{}）案卷得分表", view.unit),
    })?;
    layout.skip(official::body_style().leading / 2.0);

    official::heading(&mut layout, "二、发现的问题")?;
    let count: usize = view
        .finding_groups
        .iter()
        .map(|group| group.findings.len())
        .sum();
    official::body(
        &mut layout,
        &format!("评查共发现问题{}项，按评查项目归类如下：", count),
        "反馈正文",
    )?;
    let mut rows = Vec::new();
    for group in &view.finding_groups {
        let deducted: f64 = group.findings.iter().map(|finding| finding.2).sum();
        let label = format!(
            "{}（{}项，共扣{}分）",
            group.item,
            group.findings.len(),
            score(deducted)
        );
        rows.push(Row::new(vec![Cell::spanning(label, 3, Align::Left)]).kind(RowKind::Group));
        for (case_number, problem, points) in &group.findings {
            rows.push(
                Row::texts([case_number.clone(), problem.clone(), score(*points)])
                    .record(format!("案号{case_number}（{}）", group.item)),
            );
        }
    }
    layout.table(&Table {
        columns: vec![
            Column {
                weight: 2.6,
                align: Align::Left,
            },
            Column {
                weight: 5.4,
                align: Align::Left,
            },
            Column {
                weight: 0.8,
                align: Align::Centre,
            },
        ],
        header: Some(Row::texts(["案号", "存在问题", "扣分"])),
        rows,
        style: cell,
        context: format!("评查情况反馈（{}）问题表", view.unit),
    })?;
    layout.skip(official::body_style().leading / 2.0);

    let signature = official::SIGNATURE_LINES * official::body_style().leading;
    if !view.typical_problems.is_empty() {
        official::heading(&mut layout, "三、典型问题")?;
        let listed: Vec<String> = view
            .typical_problems
            .iter()
            .enumerate()
            .map(|(index, problem)| format!("（{}）{}", chinese_numeral(index + 1), problem))
            .collect();
        let text = listed.join("\n");
        if view.requirements.trim().is_empty() {
            official::body_kept_with(&mut layout, &text, signature, "典型问题")?;
        } else {
            official::body(&mut layout, &text, "典型问题")?;
        }
    }
    if !view.requirements.trim().is_empty() {
        let number = if view.typical_problems.is_empty() {
            3
        } else {
            4
        };
        official::heading(
            &mut layout,
            &format!("{}、整改要求", chinese_numeral(number)),
        )?;
        official::body_kept_with(&mut layout, &view.requirements, signature, "整改要求")?;
    }
    official::signature(&mut layout, &view.bureau, view.issued_on)?;
    layout.finish()
}
