//! Domain values → spreadsheet bytes, one function per exported table. Nothing here writes files:
//! the web and CLI layers decide where the bytes go.

pub mod sample_list;
pub mod summary;
pub mod teams;

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use std::borrow::Cow;

/// The media type of the workbooks made here.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Excel's limit on the text of one cell, in UTF-16 code units; rust_xlsxwriter refuses the
/// whole workbook when one cell is longer.
pub const MAX_CELL_CHARS: usize = 32_767;

/// What replaces the end of a text too long for a cell, so the reader sees it was cut.
pub const TRUNCATION_MARKER: &str = "…（已截断，全文见系统）";

/// The text as a cell can hold it: unchanged when it fits, otherwise cut at a character
/// boundary and ended with [`TRUNCATION_MARKER`]. Stored texts are limited far below this
/// (see `domain::text_limits`), but rows written before the limits, or cells that join many
/// values, may not be.
pub fn cell_text(value: &str) -> Cow<'_, str> {
    if value.encode_utf16().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(value);
    }
    let budget = MAX_CELL_CHARS - TRUNCATION_MARKER.encode_utf16().count();
    let mut used = 0;
    let mut cut = String::new();
    for character in value.chars() {
        used += character.len_utf16();
        if used > budget {
            break;
        }
        cut.push(character);
    }
    cut.push_str(TRUNCATION_MARKER);
    Cow::Owned(cut)
}

/// Writes a text cell: always a string (never a formula), quote-prefixed when it starts like a
/// formula, and cut to fit Excel's cell limit. Every exporter writes its text through here.
pub fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    value: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    let value = cell_text(value);
    if needs_formula_guard(&value) {
        let guarded = format.clone().set_quote_prefix();
        sheet.write_string_with_format(row, column, value.as_ref(), &guarded)?;
    } else {
        sheet.write_string_with_format(row, column, value.as_ref(), format)?;
    }
    Ok(())
}

/// True for text a spreadsheet would read as a formula, or that turns into one when a user
/// edits the cell: `=`, `+`, `-`, `@`, tab or carriage return first. Every exporter writes
/// such a value as a string cell with Excel's quote prefix (the hidden apostrophe Excel adds
/// itself for `'=…`), so the visible text is unchanged and nothing is ever evaluated.
pub fn needs_formula_guard(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_a_marker_and_short_text_kept() {
        assert_eq!(cell_text("王某"), "王某");
        let exact = "字".repeat(MAX_CELL_CHARS);
        assert_eq!(cell_text(&exact), exact);
        let long = "字".repeat(MAX_CELL_CHARS + 1);
        let cut = cell_text(&long);
        assert!(cut.ends_with(TRUNCATION_MARKER));
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_CHARS);
        // Characters outside the BMP count twice in Excel and are never split.
        let wide = "𠀾".repeat(MAX_CELL_CHARS);
        let cut = cell_text(&wide);
        assert!(cut.encode_utf16().count() <= MAX_CELL_CHARS);
        assert!(cut.ends_with(TRUNCATION_MARKER));
    }

    #[test]
    fn a_workbook_with_an_overlong_cell_is_still_written() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let long = "=".repeat(100_000);
        write_text(sheet, 0, 0, &long, &Format::new()).unwrap();
        assert!(workbook.save_to_buffer().is_ok());
    }

    #[test]
    fn formula_starts_are_guarded_and_ordinary_text_is_not() {
        for value in ["=1+1", "+86 139", "-2023-1", "@SUM(A1)", "\t=x", "\r=x"] {
            assert!(super::needs_formula_guard(value), "{value:?}");
        }
        for value in ["", "王某", "（2025）银法援1字第001号", " =1", "'=1", "＝1"] {
            assert!(!super::needs_formula_guard(value), "{value:?}");
        }
    }
}
