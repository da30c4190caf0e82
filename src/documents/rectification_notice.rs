//! 整改通知书: the notice a bureau sends a unit after a round, laid out after GB/T 9704.
//!
//! The wording around the findings comes from an editable template
//! (`templates/documents/rectification_notice_*.txt`); the caller fills it with
//! `domain::notice_text::fill` and passes the text in, so the document function stays pure.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Error;
use super::chinese::{chinese_date, score};
use super::official;
use super::pdf::{
    Align, Cell, Column, FontRole, Fonts, Layout, PageSetup, Paragraph, Row, Table, TextStyle,
};

/// One notice to one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RectificationNoticeView {
    /// The red mark, e.g. 银川市司法局文件 (or just the bureau's name)
    pub organ_mark: String,
    /// e.g. 银司法评〔2025〕12号
    pub doc_number: String,
    /// e.g. 关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知
    pub title: String,
    /// 主送: the inspected unit
    pub addressee: String,
    /// The opening paragraphs (up to 通知如下：), one per line, template already filled.
    pub body: String,
    pub findings: Vec<NoticeFinding>,
    /// The numbered requirements after 通知如下：, one paragraph per line; may be empty.
    pub closing: String,
    pub deadline: NaiveDate,
    /// 发文机关署名, e.g. 银川市司法局
    pub issuer: String,
    pub issued_on: NaiveDate,
    /// 附注, e.g. 联系人：马玥，电话：0951-1234567
    pub contact: Option<String>,
    /// 抄送 organs
    pub copy_to: Vec<String>,
    /// 印发机关 for the 版记, e.g. 银川市司法局办公室; without it the 版记 names the issuer
    pub printed_by: Option<String>,
}

/// A problem the unit must fix: one row of the attachment 评查发现问题清单.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeFinding {
    pub case_number: String,
    pub handler: String,
    /// Rubric item, e.g. C2 会见笔录要素齐全
    pub item: String,
    pub deduction: f64,
    pub problem: String,
    pub requirement: String,
}

/// The notice as a PDF.
pub fn rectification_notice(
    view: &RectificationNoticeView,
    fonts: &Fonts,
) -> Result<Vec<u8>, Error> {
    rectification_notice_with_code(view, fonts, None)
}

/// The notice's one attachment: the problem list, on pages of its own after the body.
const ATTACHMENT: &str = "评查发现问题清单";

/// The notice with its 核验码 printed inside the text block of the last page, above the
/// 版记 (not in the page margin, where GB/T 9704 puts only the page number).
///
/// Order after GB/T 9704 §7.3–§8: 版头, title, 主送, body, 附件说明 (附件：1. …), signature
/// and date, 附注; then the attachment on a new page (附件1 top left, its title centred on
/// the third line, the problem table); the 版记 at the foot of the last page.
pub(crate) fn rectification_notice_with_code(
    view: &RectificationNoticeView,
    fonts: &Fonts,
    code: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let mut layout = Layout::new(fonts, PageSetup::official(), &view.title, view.issued_on);
    official::red_header(&mut layout, &view.organ_mark, &view.doc_number)?;
    official::title(&mut layout, &view.title)?;
    official::addressee(&mut layout, &view.addressee)?;
    official::body(&mut layout, &view.body, "通知正文")?;
    official::body(&mut layout, &view.closing, "通知正文")?;
    let body = official::body_style();
    let deadline = format!(
        "整改期限：请于{}前完成整改，并报送整改报告及佐证材料。",
        chinese_date(view.deadline)
    );
    // The deadline, the 附件说明 (a blank line and one line) and the signature stay together.
    let tail = (2.0 + official::SIGNATURE_LINES) * body.leading;
    let paragraph = Paragraph {
        keep_after: tail,
        ..Paragraph::body(body)
    };
    layout.paragraph(&deadline, &paragraph, "整改期限")?;
    official::attachment_list(&mut layout, &[ATTACHMENT])?;
    official::signature(&mut layout, &view.issuer, view.issued_on)?;
    if let Some(contact) = &view.contact {
        official::note(&mut layout, contact)?;
    }

    official::attachment_start(&mut layout, 1, ATTACHMENT)?;
    let cell = TextStyle::new(FontRole::Body, 10.5, 15.0);
    let mut rows = Vec::with_capacity(view.findings.len());
    for (index, finding) in view.findings.iter().enumerate() {
        rows.push(
            Row::new(vec![
                Cell::new((index + 1).to_string()),
                Cell::new(finding.case_number.clone()),
                Cell::new(finding.handler.clone()),
                Cell::new(finding.item.clone()),
                Cell::new(score(finding.deduction)),
                Cell::new(finding.problem.clone()),
                Cell::new(finding.requirement.clone()),
            ])
            .record(format!("第{}项（案号{}）", index + 1, finding.case_number)),
        );
    }
    let columns = [
        (0.6, Align::Centre),
        (2.4, Align::Left),
        (1.0, Align::Centre),
        (1.5, Align::Left),
        (0.6, Align::Centre),
        (2.7, Align::Left),
        (2.0, Align::Left),
    ];
    layout.table(&Table {
        columns: Column::list(&columns),
        header: Some(Row::texts([
            "序号",
            "案号",
            "承办人",
            "评查项目",
            "扣分",
            "存在问题",
            "整改要求",
        ])),
        rows,
        style: cell,
        context: format!("整改通知书（{}）问题清单", view.addressee),
    })?;
    official::imprint(
        &mut layout,
        &official::Imprint {
            copy_to: &view.copy_to,
            printed_by: view.printed_by.as_deref(),
            date: view.issued_on,
            code,
        },
    )?;
    layout.finish()
}
