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
