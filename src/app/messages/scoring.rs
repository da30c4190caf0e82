//! What a user reads about score sheets, 合议 and the team's results.

use crate::app::reconciliation::{Error, Standing};

/// The label of where a file stands after review.
pub fn standing_label(standing: &Standing) -> &'static str {
    match standing {
        Standing::Pending { .. } => "评查中",
        Standing::Final { .. } => "已确定",
        Standing::Disagreement(_) => "待合议",
    }
}

/// How a file's final result came about.
pub fn how_label(how: crate::app::reconciliation::How) -> &'static str {
    use crate::app::reconciliation::How;
    match how {
        How::Reconciled => "合议确定",
        How::Single => "一人评查",
        How::Agreed => "两人评查一致",
    }
}

/// The label of a review that has no sheet yet.
pub const NOT_STARTED: &str = "未开始";
/// A team's results that are approved, or not yet.
pub const APPROVED: &str = "已审核确认";
pub const IN_REVIEW: &str = "评查中";

/// A reviewer's anonymous name in a blind round's unit results (评查员甲, 乙 …).
pub fn anonymous_reviewer(index: usize) -> String {
    format!(
        "评查员{}",
        ["甲", "乙", "丙", "丁"].get(index).unwrap_or(&"戊")
    )
}

/// A team's name in the progress tables.
pub fn team_name(number: u32) -> String {
    format!("第{number}组")
}

/// The sentence for a refused 合议 or approval.
pub fn reconciliation_error(error: &Error) -> String {
    match error {
        Error::NoFiles => "本组没有案卷".to_string(),
        Error::OpenFiles(open) => format!(
            "还有 {} 份案卷没有确定结果（未提交或待合议），不能审核确认：{}",
            open.len(),
            open.join("、")
        ),
        Error::AlreadyFinal(how) => {
            format!("该案卷的结果已{}，不需要再合议", how_label(*how))
        }
        Error::NotSubmitted => "该案卷还有评查员未提交评分表，暂不能合议".to_string(),
        Error::NoSheets => "该案卷没有评分表".to_string(),
        Error::MissingSheet => "该案卷缺少评分表".to_string(),
        Error::NotFound | Error::Forbidden | Error::Storage(_) => String::new(),
    }
}

/// A page number of an item (or indicator) that is not a page number.
pub fn bad_page(
    code: &str,
    text: &str,
    indicator: bool,
    why: &crate::domain::citation::CitationError,
) -> String {
    let what = if indicator { "指标" } else { "项目" };
    format!("{what} {code}：卷宗页码“{text}”无法识别：{why}")
}

/// A count of occurrences that is not a whole number.
pub fn bad_count(code: &str, text: &str) -> String {
    format!("项目 {code}：处数“{text}”不是整数")
}

/// A deduction that is not a number of points.
pub fn bad_points(code: &str, text: &str) -> String {
    format!("项目 {code}：扣分“{text}”不是分数")
}

/// The round has no rubric for the file's case type.
pub fn no_rubric(case_type: crate::domain::CaseType) -> String {
    format!(
        "本轮没有为{}案卷选择评分标准，请联系管理员。",
        case_type.label()
    )
}

/// The note shown on a returned or reopened sheet.
pub fn sheet_note(state: &crate::domain::scoring::sheet::SheetState) -> Option<String> {
    use crate::domain::scoring::sheet::SheetState;
    match state {
        SheetState::Returned { comment } => Some(format!("组长退回意见：{comment}")),
        SheetState::Reopened { reason } => Some(format!("管理员重新开放的理由：{reason}")),
        _ => None,
    }
}

/// A record stored twice (`storage::Error::Duplicate` of the 合议 tables), as the pages say it.
pub fn duplicate(what: &str) -> String {
    use crate::storage::reconciliations::{DUPLICATE_APPROVAL, DUPLICATE_RECONCILIATION};
    let label = match what {
        DUPLICATE_RECONCILIATION => "合议记录",
        DUPLICATE_APPROVAL => "本组评查结果的审核确认",
        other => other,
    };
    format!("记录已存在：{label}")
}
