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

pub const ROUND_TITLE: &str = "电子卷宗上传情况";
pub const CHOOSE_ZIP: &str = "请选择要上传的 ZIP 文件。";
pub const BULK_NOT_ZIP: &str = "上传的文件不是有效的 ZIP 压缩包，未上传。";
pub const BULK_TOO_MANY: &str = "ZIP 中的文件超过 5000 个，请分批上传。";
pub const BULK_NOTHING_STORED: &str = "有未匹配或被拒收的文件，本次未保存任何文件。请更正后重新上传；或勾选“仅保存已匹配的文件”后重新上传，只保存已匹配且通过检查的文件。";

pub fn bulk_stored(count: usize) -> String {
    format!("已保存 {count} 个文件。")
}

/// Why a bulk entry was refused.
pub fn bulk_refusal(name: &str, refusal: &crate::app::ecf_bulk::Refusal) -> String {
    use crate::app::ecf_bulk::Refusal;
    match refusal {
        Refusal::Content(error) => self::refusal(name, error),
        Refusal::TooLarge => too_large(name),
        Refusal::OtherUnit => format!("“{name}”对应的案卷不属于本单位，未上传。"),
    }
}

/// The message a unit receives about its sampled files still without an electronic case file.
pub fn missing_message(round: &str, numbers: &[String]) -> String {
    format!(
        "{round}：本单位以下 {} 件被抽查案卷尚未上传电子卷宗，请尽快上传：{}",
        numbers.len(),
        numbers.join("、")
    )
}

pub fn reminded(units: usize) -> String {
    format!("已通知 {units} 个单位上传缺少的电子卷宗。")
}

pub const CLI_CHECKING: &str = "检查文件";
pub const CLI_NOTHING_STORED: &str = "有未匹配或被拒收的文件，未保存任何文件。更正后重新导入，或加 --matched-only 只保存已匹配的文件。";

pub fn cli_unknown_round(round: &str) -> String {
    format!("评查轮次“{round}”不存在")
}

pub fn cli_unreadable(source: &str, cause: &str) -> String {
    format!("无法读取“{source}”（须为文件夹或 ZIP 文件）：{cause}")
}

pub fn cli_matched(name: &str, case_number: &str, pages: u32) -> String {
    format!("已匹配  {name} → {case_number}（{pages} 页）")
}

pub fn cli_unmatched(name: &str) -> String {
    format!("未匹配  {name}：文件名和文件夹名中没有本轮抽查案卷的案号")
}

pub fn cli_summary(matched: usize, unmatched: usize, refused: usize, stored: usize) -> String {
    format!(
        "已匹配 {matched} 个，未匹配 {unmatched} 个，被拒收 {refused} 个；已保存 {stored} 个文件。"
    )
}

pub const CATALOGUE_TOO_LARGE: &str = "卷内目录文件超过 2 MB，请检查是否选错了文件。";
pub const CHOOSE_CATALOGUE: &str = "请选择卷内目录文件（XLSX 或 CSV）。";

/// Why an uploaded catalogue table was refused.
pub fn catalogue_table_refusal(
    name: &str,
    problem: &crate::import::ecf_catalogue::TableProblem,
) -> String {
    use crate::import::ecf_catalogue::TableProblem;
    match problem {
        TableProblem::Unreadable(sentence) => sentence.clone(),
        TableProblem::NoHeader => format!(
            "“{name}”中找不到表头：须有“文件名称”列，以及“起止页”列或“起始页”“终止页”列（可有“序号”“日期”“文书种类”）。"
        ),
        TableProblem::NoPageColumn => {
            format!("“{name}”缺少页码列：须有“起止页”列，或“起始页”和“终止页”列。")
        }
        TableProblem::Empty => format!("“{name}”中没有目录行。"),
        TableProblem::BadPages { row, text } => {
            format!("“{name}”第 {row} 行：页码“{text}”无法识别（应为如 5 或 3-7）。")
        }
        TableProblem::BadDate { row, text } => {
            format!("“{name}”第 {row} 行：日期“{text}”无法识别。")
        }
    }
}
