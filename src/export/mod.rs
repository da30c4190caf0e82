//! Domain values → spreadsheet bytes, one function per exported table. Nothing here writes files:
//! the web and CLI layers decide where the bytes go.

pub mod sample_list;
pub mod summary;
pub mod teams;

/// A workbook could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
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
