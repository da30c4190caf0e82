//! 评查评分表: one sheet per reviewed case file (一案一表), alone or many in one PDF.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Error;
use super::chinese::{chinese_date, chinese_numeral, mask_name, score};
use super::pdf::{
    Align, Cell, Column, FontRole, Fonts, Layout, PageSetup, Paragraph, Row, RowKind, Table,
    TextStyle,
};

/// Everything printed on one score sheet. Names are given in full; the recipient is masked
/// here, and reviewers are replaced by 评查员甲/乙 when the round is blind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSheetView {
    /// e.g. 2025年第三季度法律援助案卷交叉评查
    pub round_name: String,
    /// The organising bureau, e.g. 银川市司法局
    pub bureau: String,
    pub case_number: String,
    /// 刑事 / 民事 / 行政
    pub case_type: String,
    /// 案由
    pub cause: String,
    /// 受援人, unmasked; printed as 张某某
    pub recipient: String,
    pub recipient_is_minor: bool,
    /// 承办人
    pub handler: String,
    /// 承办机构 (law firm or centre)
    pub handling_organisation: String,
    /// The inspected unit that assigned the case (指派机构)
    pub aid_center: String,
    pub assigned_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    /// 《……评查评分标准》 without the book-title marks
    pub rubric_name: String,
    pub sections: Vec<RubricSection>,
    pub vetoes: Vec<VetoRow>,
    pub total: f64,
    pub max_total: f64,
    /// 优秀 / 良好 / 合格 / 不合格
    pub grade: String,
    /// 合议 outcome when the two reviews disagreed
    pub reconciliation_note: Option<String>,
    /// The final result of a double review that needed no 合议 (printed as 最终结果).
    #[serde(default)]
    pub final_result_note: Option<String>,
    pub reviewers: Vec<String>,
    pub team_leader: Option<String>,
    /// Blind round: reviewers' names are not printed.
    pub blind: bool,
    pub reviewed_on: NaiveDate,
}

/// A rubric section (一、受理指派与委托 10分) and its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricSection {
    pub title: String,
    pub max_points: f64,
    pub items: Vec<RubricItemRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricItemRow {
    /// e.g. C2
    pub code: String,
    pub title: String,
    pub max_points: f64,
    pub not_applicable: bool,
    pub deductions: Vec<Deduction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    pub points: f64,
    pub reason: String,
    /// 卷宗页码, e.g. 第12-13页
    pub pages: String,
}

/// A veto item that applied (一票否决).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VetoRow {
    pub item: String,
    pub reason: String,
    pub pages: String,
}

/// One score sheet as a PDF.
pub fn score_sheet(view: &ScoreSheetView, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    let mut layout = Layout::new(
        fonts,
        PageSetup::form(),
        &format!("评查评分表 {}", view.case_number),
        view.reviewed_on,
    );
    draw(&mut layout, view)?;
    layout.finish()
}

/// Many score sheets in one PDF, each starting on a new page with its own page numbers.
/// `progress` is called with (sheets done, sheets in all) after each sheet.
pub fn score_sheets_batch(
    views: &[ScoreSheetView],
    fonts: &Fonts,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, Error> {
    score_sheets_with_code(views, fonts, None, progress)
}

/// Score sheets in one PDF with its 核验码 at the foot of every page.
pub(crate) fn score_sheets_with_code(
    views: &[ScoreSheetView],
    fonts: &Fonts,
    code: Option<&str>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<u8>, Error> {
    let date = views
        .iter()
        .map(|view| view.reviewed_on)
        .max()
        .unwrap_or_default();
    let title = views.first().map_or_else(
        || "评查评分表".to_owned(),
        |view| format!("{} 评查评分表", view.round_name),
    );
    let mut layout = Layout::new(fonts, PageSetup::form(), &title, date);
    layout.set_verification_code(code);
    for (index, view) in views.iter().enumerate() {
        layout.start_group();
        draw(&mut layout, view)?;
        progress(index + 1, views.len());
    }
    layout.finish()
}

fn draw(layout: &mut Layout<'_>, view: &ScoreSheetView) -> Result<(), Error> {
    let context = |field: &str| format!("评查评分表（{}）{field}", view.case_number);
    let title = TextStyle::new(FontRole::Title, 20.0, 30.0);
    let subtitle = TextStyle::new(FontRole::Body, 11.0, 18.0);
    let cell = TextStyle::new(FontRole::Body, 10.5, 14.5);
    let text = TextStyle::new(FontRole::Body, 11.0, 18.0);

    layout.line(
        &title,
        "法律援助案件评查评分表",
        Align::Centre,
        &context("标题"),
    )?;
    layout.line(
        &subtitle,
        &format!("{}（{}）", view.round_name, view.bureau),
        Align::Centre,
        &context("评查轮次"),
    )?;
    layout.skip(6.0);

    let date = |value: Option<NaiveDate>| value.map_or_else(|| "—".to_owned(), chinese_date);
    let info = [
        (
            "案号",
            view.case_number.clone(),
            "案件类型",
            view.case_type.clone(),
        ),
        (
            "受援人",
            mask_name(&view.recipient, view.recipient_is_minor),
            "案由",
            view.cause.clone(),
        ),
        (
            "承办人",
            view.handler.clone(),
            "承办机构",
            view.handling_organisation.clone(),
        ),
        (
            "指派机构",
            view.aid_center.clone(),
            "评分标准",
            format!("《{}》", view.rubric_name),
        ),
        (
            "指派日期",
            date(view.assigned_on),
            "结案日期",
            date(view.closed_on),
        ),
    ];
    let mut rows = Vec::new();
    for (label, value, label2, value2) in info {
        rows.push(Row::new(vec![
            Cell::strong(label),
            Cell::new(value).field(label),
            Cell::strong(label2),
            Cell::new(value2).field(label2),
        ]));
    }
    let columns = [
        (1.1, Align::Centre),
        (2.4, Align::Left),
        (1.1, Align::Centre),
        (2.4, Align::Left),
    ];
    layout.table(&Table {
        columns: Column::list(&columns),
        header: None,
        rows,
        style: cell,
        context: context("案件信息"),
    })?;
    layout.skip(8.0);

    layout.set_running_header(Some(format!(
        "法律援助案件评查评分表　案号：{}",
        view.case_number
    )));
    layout.table(&rubric_table(view, cell, &context("评分明细"))?)?;
    layout.skip(8.0);

    let paragraph = Paragraph::plain(text, Align::Justify);
    let vetoes = if view.vetoes.is_empty() {
        "一票否决事项：无。".to_owned()
    } else {
        let listed: Vec<String> = view
            .vetoes
            .iter()
            .map(|veto| format!("{}（{}；卷宗{}）", veto.item, veto.reason, veto.pages))
            .collect();
        format!("一票否决事项：{}。本案卷评定为不合格。", listed.join("；"))
    };
    let mut closing = vec![(vetoes, "一票否决")];
    if let Some(note) = &view.reconciliation_note {
        closing.push((format!("合议意见：{note}"), "合议意见"));
    }
    if let Some(note) = &view.final_result_note {
        closing.push((format!("最终结果：{note}"), "最终结果"));
    }
    let names: Vec<String> = if view.blind {
        (0..view.reviewers.len())
            .map(|index| format!("评查员{}", heavenly_stem(index)))
            .collect()
    } else {
        view.reviewers.clone()
    };
    let reviewers = format!("评查员：{}", names.join("、"));
    let leader = view
        .team_leader
        .as_ref()
        .filter(|_| !view.blind)
        .map(|leader| format!("组长：{leader}"));

    // The signature block never stands alone on a last page. It takes six lines; where they
    // do not fit below the last paragraph, the names share one line and the blank line goes
    // (four lines); where even that does not fit, the last paragraph moves over with it.
    let width = layout.block_width();
    let mut heights = Vec::with_capacity(closing.len());
    for (note, field) in &closing {
        let lines = layout
            .wrap(&text, note, width, width, &context(field))?
            .len();
        heights.push(lines as f32 * text.leading);
    }
    let full_signature = 6.0 * text.leading + 10.0;
    let compact_signature = 4.0 * text.leading + 6.0;
    let paragraphs: f32 = heights.iter().sum::<f32>() + 6.0;
    let compact = layout.remaining() < paragraphs + full_signature
        && layout.remaining() >= paragraphs + compact_signature;
    let last = closing.len() - 1;
    for (index, (note, field)) in closing.iter().enumerate() {
        if index == last && !compact {
            layout.ensure(heights.get(index).copied().unwrap_or(0.0) + 6.0 + full_signature);
        }
        layout.paragraph(note, &paragraph, &context(field))?;
    }
    layout.skip(6.0);

    if compact {
        let names = match &leader {
            Some(leader) => format!("{reviewers}　　{leader}"),
            None => reviewers,
        };
        layout.paragraph(&names, &paragraph, &context("评查员"))?;
    } else {
        layout.ensure(full_signature);
        layout.paragraph(&reviewers, &paragraph, &context("评查员"))?;
        if let Some(leader) = &leader {
            layout.paragraph(leader, &paragraph, &context("组长"))?;
        }
        layout.skip(text.leading);
    }
    layout.paragraph(
        "评查员（签名）：　　　　　　　　　　组长（签名）：",
        &paragraph,
        &context("签名"),
    )?;
    layout.paragraph(
        &format!("评查日期：{}", chinese_date(view.reviewed_on)),
        &Paragraph::plain(text, Align::Right),
        &context("评查日期"),
    )?;
    Ok(())
}

fn heavenly_stem(index: usize) -> &'static str {
    ["甲", "乙", "丙", "丁", "戊", "己"]
        .get(index)
        .copied()
        .unwrap_or("")
}

fn rubric_table(view: &ScoreSheetView, style: TextStyle, context: &str) -> Result<Table, Error> {
    let mut rows = Vec::new();
    let mut deducted_total = 0.0;
    for (index, section) in view.sections.iter().enumerate() {
        rows.push(
            Row::new(vec![
                Cell::spanning(
                    format!(
                        "{}、{}（{}分）",
                        chinese_numeral(index + 1),
                        section.title,
                        score(section.max_points)
                    ),
                    5,
                    Align::Left,
                )
                .field("部分名称"),
            ])
            .kind(RowKind::Group)
            .record(format!("第{}部分", chinese_numeral(index + 1))),
        );
        let mut section_deducted = 0.0;
        for item in &section.items {
            let deducted: f64 = item
                .deductions
                .iter()
                .map(|deduction| deduction.points)
                .sum();
            let deducted = deducted.min(item.max_points);
            section_deducted += if item.not_applicable { 0.0 } else { deducted };
            let (points, reasons, pages) = if item.not_applicable {
                ("不适用".to_owned(), String::new(), String::new())
            } else if item.deductions.is_empty() {
                ("0".to_owned(), String::new(), String::new())
            } else {
                let numbered = item.deductions.len() > 1;
                let reasons: Vec<String> = item
                    .deductions
                    .iter()
                    .enumerate()
                    .map(|(index, deduction)| {
                        let prefix = if numbered {
                            format!("{}. ", index + 1)
                        } else {
                            String::new()
                        };
                        format!(
                            "{prefix}{}（扣{}分）",
                            deduction.reason,
                            score(deduction.points)
                        )
                    })
                    .collect();
                let pages: Vec<&str> = item
                    .deductions
                    .iter()
                    .map(|deduction| deduction.pages.as_str())
                    .filter(|pages| !pages.is_empty())
                    .collect();
                (score(deducted), reasons.join("\n"), pages.join("\n"))
            };
            rows.push(
                Row::new(vec![
                    Cell::new(format!("{} {}", item.code, item.title)),
                    Cell::new(score(item.max_points)),
                    Cell::new(points),
                    Cell::new(reasons),
                    Cell::new(pages),
                ])
                .record(format!("{}项", item.code)),
            );
        }
        deducted_total += section_deducted;
        rows.push(
            Row::new(vec![
                Cell::spanning("小计", 1, Align::Right),
                Cell::new(score(section.max_points)),
                Cell::new(score(section_deducted)),
                Cell::spanning(
                    format!(
                        "本部分得分 {}",
                        score(section.max_points - section_deducted)
                    ),
                    2,
                    Align::Left,
                ),
            ])
            .kind(RowKind::Total),
        );
    }
    rows.push(
        Row::new(vec![
            Cell::spanning("合计", 1, Align::Right),
            Cell::new(score(view.max_total)),
            Cell::new(score(deducted_total)),
            Cell::spanning(
                format!("总分 {}　等次 {}", score(view.total), view.grade),
                2,
                Align::Left,
            ),
        ])
        .kind(RowKind::Total),
    );
    let columns = [
        (3.2, Align::Left),
        (0.8, Align::Centre),
        (0.8, Align::Centre),
        (4.6, Align::Left),
        (1.4, Align::Centre),
    ];
    Ok(Table {
        columns: Column::list(&columns),
        header: Some(Row::texts(["项目", "分值", "扣分", "扣分理由", "卷宗页码"])),
        rows,
        style,
        context: context.to_owned(),
    })
}
