//! 抽查案卷清单: the list of sampled files a unit must pull from its archive, one workbook per
//! unit, printable and masked.
//!
//! Formula injection: every value is written with `write_string`, which stores a string cell
//! that Excel never evaluates. A value starting with `=`, `+`, `-`, `@`, tab or carriage return
//! additionally gets Excel's quote prefix (the hidden apostrophe Excel itself adds when a user
//! types `'=…`), so the cell stays text after a user edits it. The visible text is unchanged; no
//! literal apostrophe is added, which would corrupt case numbers like `-2023-1`.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::{ExportError, cell_text, write_text};
use crate::domain::CaseType;
use crate::domain::masking::Masked;

/// One sampled file as the unit sees it. Personal data arrives masked: the types say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleListRow {
    pub case_no: String,
    pub case_type: CaseType,
    pub sub_type: Option<String>,
    pub cause: String,
    pub recipient: Masked,
    pub recipient_id_no: Option<Masked>,
    pub recipient_phone: Option<Masked>,
    pub handler: String,
    pub firm: String,
    pub closed_at: NaiveDate,
    pub archived_at: Option<NaiveDate>,
    /// Drawn because it was designated (指定案号) rather than at random.
    pub designated: bool,
}

const SHEET_NAME: &str = "抽查案卷清单";

/// Header text and column width (in Excel character units).
const COLUMNS: [(&str, f64); 14] = [
    ("序号", 6.0),
    ("案号", 24.0),
    ("案件类别", 9.0),
    ("案件子类", 14.0),
    ("案由", 18.0),
    ("受援人", 10.0),
    ("身份证号", 21.0),
    ("联系电话", 14.0),
    ("承办人", 10.0),
    ("承办机构", 24.0),
    ("结案日期", 12.0),
    ("归档日期", 12.0),
    ("抽取方式", 10.0),
    ("调卷情况", 14.0),
];

/// The workbook for one unit: a title row (`{round_name}抽查案卷清单（{unit_name}）`), a bold,
/// framed, frozen header and one row per file, landscape A4 with the header repeated on every
/// printed page.
pub fn sample_list_xlsx(
    unit_name: &str,
    round_name: &str,
    rows: &[SampleListRow],
) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    write_sheet(sheet, unit_name, round_name, rows)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(
    sheet: &mut Worksheet,
    unit_name: &str,
    round_name: &str,
    rows: &[SampleListRow],
) -> Result<(), XlsxError> {
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let header_format = Format::new()
        .set_bold()
        .set_background_color(0xD9E1F2)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell_format = Format::new().set_border(FormatBorder::Thin);
    let date_format = cell_format.clone().set_num_format("yyyy-mm-dd");

    let last_column = (COLUMNS.len() - 1) as u16;
    let title_format = if needs_guard(round_name) {
        title_format.set_quote_prefix()
    } else {
        title_format
    };
    sheet.merge_range(
        0,
        0,
        0,
        last_column,
        &cell_text(&format!("{round_name}抽查案卷清单（{unit_name}）")),
        &title_format,
    )?;
    sheet.set_row_height(0, 30)?;
    for (column, (header, width)) in COLUMNS.iter().enumerate() {
        let column = column as u16;
        sheet.write_string_with_format(1, column, *header, &header_format)?;
        sheet.set_column_width(column, *width)?;
    }
    sheet.set_row_height(1, 22)?;
    sheet.set_freeze_panes(2, 0)?;
    sheet.set_repeat_rows(0, 1)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);

    for (offset, row) in rows.iter().enumerate() {
        let line = u32::try_from(offset + 2).map_err(|_| XlsxError::RowColumnLimitError)?;
        let mut text =
            |column: u16, value: &str| write_text(sheet, line, column, value, &cell_format);
        text(0, &(offset + 1).to_string())?;
        text(1, &row.case_no)?;
        text(2, row.case_type.label())?;
        text(3, row.sub_type.as_deref().unwrap_or(""))?;
        text(4, &row.cause)?;
        text(5, row.recipient.as_str())?;
        text(6, row.recipient_id_no.as_ref().map_or("", Masked::as_str))?;
        text(7, row.recipient_phone.as_ref().map_or("", Masked::as_str))?;
        text(8, &row.handler)?;
        text(9, &row.firm)?;
        text(12, if row.designated { "指定" } else { "随机" })?;
        text(13, "")?;
        write_date(
            sheet,
            line,
            10,
            Some(row.closed_at),
            &date_format,
            &cell_format,
        )?;
        write_date(sheet, line, 11, row.archived_at, &date_format, &cell_format)?;
    }
    Ok(())
}

fn write_date(
    sheet: &mut Worksheet,
    line: u32,
    column: u16,
    date: Option<NaiveDate>,
    date_format: &Format,
    blank_format: &Format,
) -> Result<(), XlsxError> {
    let Some(date) = date else {
        sheet.write_blank(line, column, blank_format)?;
        return Ok(());
    };
    let year =
        u16::try_from(date.year()).map_err(|_| XlsxError::DateTimeRangeError(date.to_string()))?;
    let excel = ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)?;
    sheet.write_datetime_with_format(line, column, &excel, date_format)?;
    Ok(())
}

/// Text a spreadsheet program could take for a formula.
fn needs_guard(value: &str) -> bool {
    super::needs_formula_guard(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::masking::{mask_id_no, mask_name, mask_phone};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn row(case_no: &str) -> SampleListRow {
        SampleListRow {
            case_no: case_no.to_string(),
            case_type: CaseType::Criminal,
            sub_type: Some("刑事辩护".to_string()),
            cause: "盗窃".to_string(),
            recipient: mask_name("张三", false),
            recipient_id_no: Some(mask_id_no("110105199001011234")),
            recipient_phone: Some(mask_phone("13812341234")),
            handler: "李律师".to_string(),
            firm: "某某律师事务所".to_string(),
            closed_at: NaiveDate::from_ymd_opt(2023, 4, 5).unwrap(),
            archived_at: None,
            designated: true,
        }
    }

    #[test]
    fn list_reads_back_masked_and_without_formulas() {
        let bytes = sample_list_xlsx(
            "兴庆区法律援助中心",
            "2025年第三季度案卷评查",
            &[row("（2023）兴法援12号"), row("=HYPERLINK(\"x\")")],
        )
        .unwrap();
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), vec![SHEET_NAME.to_string()]);
        let range = workbook.worksheet_range(SHEET_NAME).unwrap();
        let formulas = workbook.worksheet_formula(SHEET_NAME).unwrap();
        assert!(
            formulas
                .used_cells()
                .all(|(_, _, formula)| formula.is_empty())
        );
        let cell = |row: u32, column: u32| range.get_value((row, column)).cloned();
        assert_eq!(
            cell(0, 0),
            Some(Data::String(
                "2025年第三季度案卷评查抽查案卷清单（兴庆区法律援助中心）".to_string()
            ))
        );
        assert_eq!(cell(1, 1), Some(Data::String("案号".to_string())));
        assert_eq!(cell(2, 5), Some(Data::String("张某".to_string())));
        assert_eq!(
            cell(2, 6),
            Some(Data::String("110***********1234".to_string()))
        );
        assert_eq!(cell(2, 7), Some(Data::String("138****1234".to_string())));
        assert_eq!(cell(2, 12), Some(Data::String("指定".to_string())));
        assert_eq!(
            cell(3, 1),
            Some(Data::String("=HYPERLINK(\"x\")".to_string()))
        );
        assert!(matches!(cell(2, 10), Some(Data::DateTime(_))));
    }
}
