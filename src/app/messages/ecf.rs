//! What the electronic case file's pages, API and command line tell the user.

use crate::domain::ecf::{
    CatalogueError, MAX_BULK_BYTES, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS, MAX_PAGES,
};
use crate::import::ecf::ContentError;

pub const TITLE: &str = "电子卷宗";
pub const NO_CASE_FILE: &str = "该案卷尚未上传电子卷宗。";
pub const CHOOSE_FILE: &str = "请选择要上传的文件（PDF、JPEG 或 PNG）。";
pub const UPLOADED: &str = "文件已上传并加入电子卷宗。";
pub const REMOVED: &str = "文件已从电子卷宗中移除。";
pub const CATALOGUE_SAVED: &str = "卷内目录已保存。";
pub const KINDS_SAVED: &str = "文书种类已保存。";
pub const CONFIRM_REMOVE: &str = "请在电子卷宗页面上点击“移除”按钮确认移除。";
pub const CATALOGUE_FORM_MISSING: &str = "未收到卷内目录表格，请在电子卷宗页面上修改后保存。";
pub const RANGE_UNSATISFIABLE: &str = "请求的字节范围超出文件大小。";

fn megabytes(bytes: u64) -> u64 {
    bytes / 1024 / 1024
}

/// The caps as the upload page and the README state them.
pub fn limits_text() -> String {
    format!(
        "每个文件不超过 {} MB、{} 页；每个案卷最多 {} 个文件；批量上传（ZIP）每次不超过 {} MB。",
        megabytes(MAX_DOCUMENT_BYTES),
        MAX_PAGES,
        MAX_DOCUMENTS,
        megabytes(MAX_BULK_BYTES)
    )
}

pub fn too_large(name: &str) -> String {
    format!(
        "“{name}”超过 {} MB，未上传。请分成几个文件后再上传。",
        megabytes(MAX_DOCUMENT_BYTES)
    )
}

pub fn bulk_too_large() -> String {
    format!(
        "批量上传的文件超过 {} MB，未上传。请分批上传，或由管理员用命令行 pingcha ecf import 导入文件夹。",
        megabytes(MAX_BULK_BYTES)
    )
}

pub fn too_many_documents() -> String {
    format!("该案卷已有 {MAX_DOCUMENTS} 个文件，不能再添加。")
}

/// Why a document was refused, naming it.
pub fn refusal(name: &str, error: &ContentError) -> String {
    match error {
        ContentError::Empty => format!("“{name}”是空文件，未上传。"),
        ContentError::Unsupported => {
            format!("“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断），未上传。")
        }
        ContentError::Tiff => format!(
            "“{name}”是 TIFF 图像，系统不接收 TIFF。请另存为 PDF、JPEG 或 PNG（多页 TIFF 请转为 PDF）后再上传。"
        ),
        ContentError::Encrypted => {
            format!("“{name}”是加密的 PDF，无法查看。请去除密码保护后再上传。")
        }
        ContentError::Active(what) => format!(
            "“{name}”含有活动内容（{what}：脚本、外部链接、启动程序或嵌入文件），出于安全原因未上传。请打印为 PDF 或重新扫描后再上传。"
        ),
        ContentError::Damaged(_) => {
            format!("“{name}”已损坏或不完整，无法读取，未上传。请重新导出或扫描后再上传。")
        }
        ContentError::TooManyPages(pages) => {
            format!("“{name}”有 {pages} 页，超过每个文件 {MAX_PAGES} 页的上限，未上传。")
        }
        ContentError::Read(_) => format!("“{name}”未能完整读取，请重新上传。"),
    }
}

/// Why a catalogue was refused, naming the row (`row` is the first data row's number in the
/// table the user gave: 1 for a form, 2 for a spreadsheet with a header row).
pub fn catalogue_refusal(error: &CatalogueError, first_row: usize) -> String {
    let row = |line: usize| line + first_row - 1;
    match error {
        CatalogueError::EmptyTitle { line } => {
            format!("卷内目录第 {} 行：文件名称为空。", row(*line))
        }
        CatalogueError::TitleTooLong { line } => format!(
            "卷内目录第 {} 行：文件名称超过 {} 个字。",
            row(*line),
            crate::domain::ecf::MAX_TITLE_CHARS
        ),
        CatalogueError::Reversed { line, from, to } => format!(
            "卷内目录第 {} 行：起始页 {from} 大于终止页 {to}。",
            row(*line)
        ),
        CatalogueError::BeyondEnd { line, page, total } => format!(
            "卷内目录第 {} 行：第 {page} 页超出电子卷宗的总页数（共 {total} 页）。",
            row(*line)
        ),
        CatalogueError::PageZero { line } => {
            format!("卷内目录第 {} 行：页码须从 1 开始。", row(*line))
        }
        CatalogueError::RepeatedSeq { line, seq } => {
            format!("卷内目录第 {} 行：序号 {seq} 重复。", row(*line))
        }
        CatalogueError::UnknownKind { line, kind } => format!(
            "卷内目录第 {} 行：文书种类“{kind}”不在文书种类清单中。",
            row(*line)
        ),
        CatalogueError::TooMany { count } => format!(
            "卷内目录有 {count} 行，超过上限 {} 行。",
            crate::domain::ecf::MAX_CATALOGUE_ENTRIES
        ),
    }
}

/// The watermark drawn on every page: who, which unit, when.
pub fn watermark(name: &str, unit: &str, at: &str) -> String {
    format!("{name} · {unit} · {at}")
}
