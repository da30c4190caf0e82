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

/// The calibration pages' statement of how a reviewer's leaning is judged.
pub fn calibration_leaning_rule(
    settings: &crate::domain::scoring::calibration::CalibrationSettings,
    window: usize,
) -> String {
    format!(
        "倾向判定规则：本人总分与同一案卷其他评查员平均分之差，取本轮及此前共 {window} 轮（约一年）\
         全部双评案卷的平均值；平均相差 {} 分及以上、且双评案卷不少于 {} 份者，记为偏严或偏松，\
         不足 {} 份记为样本不足。",
        settings.threshold, settings.min_paired_files, settings.min_paired_files
    )
}

/// The calibration pages' statement of the 一团和气 rule.
pub fn calibration_uniform_high_rule(
    rule: &crate::domain::scoring::calibration::UniformHigh,
) -> String {
    format!(
        "“一团和气”判定规则：本轮评分表不少于 {} 份，总分平均 {} 分及以上且标准差小于 {} 分者（评分集中在高分、几乎不拉开差距），予以提示。",
        rule.min_sheets, rule.min_mean, rule.max_sd
    )
}

/// One team flagged as 一团和气, as the calibration page and the leadership report say it.
pub fn uniform_high_team(team: u32, sheets: usize, mean: f64, sd: f64) -> String {
    format!("第{team}组评分一团和气：{sheets} 份评分表平均 {mean:.1} 分，标准差 {sd:.1} 分")
}

/// One reviewer flagged as 一团和气.
pub fn uniform_high_reviewer(name: &str, team: u32, sheets: usize, mean: f64, sd: f64) -> String {
    format!("第{team}组{name}评分一团和气：{sheets} 份评分表平均 {mean:.1} 分，标准差 {sd:.1} 分")
}

/// The label of an item of one case type's rubric (刑事 B1).
pub fn case_type_item(case_type: crate::domain::CaseType, code: &str) -> String {
    format!("{} {code}", case_type.label())
}

/// A typical problem's title: the item under its case type's rubric (刑事 B1 …).
pub fn typical_problem_title(
    case_type: Option<crate::domain::CaseType>,
    code: &str,
    text: &str,
) -> String {
    match case_type {
        Some(case_type) => format!("{}案件 {code} {text}", case_type.label()),
        None => format!("{code} {text}"),
    }
}

/// One reviewer leaning harsh or lenient, as the leadership report says it.
pub fn leaning_reviewer(
    name: &str,
    team: u32,
    leaning: &str,
    paired_files: usize,
    deviation: f64,
) -> String {
    format!(
        "第{team}组{name}评分{leaning}：{paired_files} 份双评案卷平均与同卷评查员相差 {deviation:+.1} 分"
    )
}

/// To a reviewer when a version giving them files is published.
pub fn files_assigned_message(round: &str, files: usize) -> String {
    format!("{round}：已为您分配 {files} 件评查案卷，请在“我的评查工作”中开始评分")
}

/// To the team leader when a file's reviews disagree.
pub fn reconcile_waiting_message(case_number: &str) -> String {
    format!("案卷{case_number}的评查结果不一致，等待您组织合议")
}

/// To a reviewer whose sheet the team leader sent back.
pub fn sheet_returned_message(case_number: &str, comment: &str) -> String {
    format!("案卷{case_number}的评分表被组长退回：{comment}")
}

/// To a reviewer with open files when the review deadline is near.
pub fn review_deadline_near_message(
    round: &str,
    deadline: chrono::NaiveDate,
    days: i64,
    open: usize,
) -> String {
    let when = if days == 0 {
        "今天到期".to_string()
    } else {
        format!("还剩 {days} 天")
    };
    format!("{round}评查期限 {deadline}（{when}），您还有 {open} 件案卷未提交评分表")
}

/// To a reviewer with open files when the review deadline has passed.
pub fn review_deadline_passed_message(
    round: &str,
    deadline: chrono::NaiveDate,
    days: i64,
    open: usize,
) -> String {
    format!("{round}评查期限 {deadline} 已逾期 {days} 天，您还有 {open} 件案卷未提交评分表")
}

/// A team leader who reviews the file too, before submitting their own sheet.
pub const OWN_SHEET_FIRST: &str =
    "您也是该案卷的评查员：请先提交本人的评分表，再查看其他评查员的评分。";
