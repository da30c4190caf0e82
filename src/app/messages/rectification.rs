//! What a user reads about rectification (整改): the notices shown after a form, and the
//! refusals of the pages, the API and `pingcha pdf notice`.

/// The line shown after a redirect with `?notice=<key>`.
pub fn after(key: &str) -> Option<&'static str> {
    [
        (
            "generated",
            "已根据评分表生成问题（重复生成不会产生重复问题）。",
        ),
        ("drafted", "已为有问题的单位起草整改通知书。"),
        ("added", "问题已添加。"),
        ("issued", "整改通知书已下发。"),
        (
            "corrected",
            "已下发更正后的整改通知书（新文号），原通知书作废并在核验时注明。",
        ),
        ("saved", "已保存。"),
        ("uploaded", "佐证材料已上传。"),
        ("done", "操作已完成。"),
        ("closed", super::NOTICE_CLOSED),
    ]
    .into_iter()
    .find(|(known, _)| *known == key)
    .map(|(_, text)| text)
}

/// The stored notification of an overdue notice (once per notice).
pub fn overdue(number: &str, unit: &str, deadline: chrono::NaiveDate) -> String {
    format!(
        "整改通知书{number}（{unit}）已逾期：整改期限为 {}，尚未全部整改完毕。",
        deadline.format("%Y年%-m月%-d日")
    )
}

/// The state a finding withdrawn by objection (撤销) shows instead of its stored one.
pub const WITHDRAWN_LABEL: &str = "已撤销（异议复核）";
pub const NOT_ISSUED: &str = "整改通知书尚未下发，没有正式文本";
pub const DAYS_OUT_OF_RANGE: &str = "整改期限须为 1 至 365 天";
pub const DAYS_MISSING: &str = "请填写整改期限（天数）";
pub const MEASURES_EMPTY: &str = "整改措施不能为空";
pub const BUREAU_NAME_EMPTY: &str = "发文机关名称不能为空";
pub const CHOOSE_FILE: &str = "请选择案卷";
pub const CHOOSE_FINDING: &str = "请选择问题";
pub const CHOOSE_EVIDENCE: &str = "请选择要上传的佐证材料文件";
pub const CHOOSE_FOLLOW_UP_ROUND: &str = "请选择“回头看”所在的评查轮次";
pub const OVERVIEW_TITLE: &str = "整改通知书";
pub const ROUND_TITLE: &str = "问题与整改";
pub const NEW_FINDING_TITLE: &str = "补充问题";
pub const FINDING_TITLE: &str = "问题整改";
pub const SETTINGS_TITLE: &str = "发文设置";

/// A days field that is not a number of days from 1 to 365.
pub fn days_invalid(text: &str) -> String {
    format!("整改期限“{text}”须为 1 至 365 之间的天数")
}

/// A deduction that is not a number of points.
pub fn points_invalid(text: &str) -> String {
    format!("扣分“{text}”不是分数")
}

/// A severity that is not one of the known ones.
pub fn severity_invalid(text: &str) -> String {
    format!("问题性质“{text}”无法识别")
}

/// An evidence file over the size limit.
pub fn evidence_too_large(max_mb: usize) -> String {
    format!("文件超过大小限制（最大 {max_mb} MB），未保存")
}

/// A transition the JSON API does not know.
pub fn unknown_action(action: &str) -> String {
    format!("未知的操作“{action}”，应为 issue、start_work、submit、verify、send_back 或 close")
}

/// The opening line of a corrected notice (更正): what it replaces and why.
pub fn correction_preamble(old_title: &str, old_number: &str) -> String {
    format!(
        "因评查结果经异议复核有所变更，现对《{old_title}》（{old_number}）予以更正并重新印发，原通知同时作废，整改期限不变。"
    )
}

/// The title of a notice page still a draft.
pub fn draft_title(unit: &str) -> String {
    format!("{unit}整改通知书（草稿）")
}

/// A notice named on the command line that does not exist.
pub fn unknown_notice(text: &str) -> String {
    format!("整改通知书“{text}”不存在（请写通知书编号或发文字号）")
}

/// `pingcha pdf notice` done.
pub fn notice_written(number: &str, path: &str, bytes: usize) -> String {
    format!(
        "已生成整改通知书 {number}：{path}（{:.1} KB）",
        bytes as f64 / 1024.0
    )
}

impl std::fmt::Display for crate::storage::rectification::Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::storage::rectification::Refusal as R;
        match self {
            R::Text(error) => write!(f, "{error}"),
            R::DocNumber(error) => write!(f, "发文字号设置有误：{error}"),
            R::NoticeAlreadyIssued => f.write_str("整改通知书已下发，问题清单不能再修改"),
            R::FindingOfOtherUnitOrRound => f.write_str("只能选择本轮、本单位的问题"),
            R::FindingChanged => f.write_str("该问题的状态刚被他人更改，请刷新页面后重试"),
            R::NoticeChanged => f.write_str("该整改通知书的状态刚被他人更改，请刷新页面后重试"),
            R::DeadlineOutOfRange => f.write_str("整改期限超出日期范围"),
            R::FindingOnNoNotice => f.write_str("该问题不在任何整改通知书中"),
            R::FindingNotWorkable(state) => write!(
                f,
                "该问题当前状态为“{}”，不能再修改整改措施或佐证材料",
                state.label()
            ),
            R::FindingWithdrawn => {
                f.write_str("该问题已经异议复核撤销，无需整改，不能再填写整改措施或佐证材料")
            }
            R::ReportMissing => f.write_str("提交前须填写整改报告"),
            R::FollowUpNotLater(round) => write!(
                f,
                "“回头看”须安排在本轮之后的评查轮次（所选轮次“{round}”的期间不晚于本轮）"
            ),
            R::FollowUpOfDraft => f.write_str("整改通知书尚未下发，不能安排“回头看”"),
            R::CorrectionNotOpen(state) => write!(
                f,
                "整改通知书当前状态为“{}”，不能更正（草稿直接修改；已核验的不再更正）",
                state.label()
            ),
        }
    }
}

impl std::fmt::Display for crate::storage::rectification::Told {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::storage::rectification::Told as T;
        match self {
            T::NoticeIssued {
                bureau,
                number,
                deadline,
            } => write!(
                f,
                "{bureau}下发整改通知书 {number}，请于{}前完成整改",
                crate::domain::notice_text::chinese_date(*deadline)
            ),
            T::NoticeCorrected {
                bureau,
                old_number,
                number,
            } => write!(
                f,
                "{bureau}更正整改通知书：{number} 替代 {old_number}，原通知作废，整改期限不变"
            ),
            T::FindingSentBack {
                number,
                case_no,
                item_text,
                reason,
            } => write!(
                f,
                "整改通知书 {number} 中的问题（{case_no} {item_text}）被退回：{reason}"
            ),
            T::ReportSubmitted { unit, number } => {
                write!(f, "{unit}已提交整改通知书 {number} 的整改报告")
            }
            T::ReportSentBack { number, reason } => {
                write!(f, "整改通知书 {number} 的整改报告被退回：{reason}")
            }
        }
    }
}

impl std::fmt::Display for crate::storage::rectification::AddFindingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::storage::rectification::AddFindingError as E;
        match self {
            E::Invalid(error) => write!(f, "{error}"),
            E::NotSampled => f.write_str("该案卷不在本轮抽查范围内"),
            E::Storage(error) => write!(f, "{error}"),
        }
    }
}
