//! What the round pages tell the user.

pub const LIST_TITLE: &str = "评查轮次";
pub const PERIOD_START: &str = "期间开始";
pub const PERIOD_END: &str = "期间结束";
pub const REVIEW_DEADLINE: &str = "评查截止日期";

pub fn bad_date(label: &str, text: &str) -> String {
    format!("“{label}”不是有效日期：{text}")
}

pub fn bad_gap(text: &str) -> String {
    format!("“合议分差”不是有效分数：{text}")
}

pub fn unknown_combine_rule(rule: &str) -> String {
    format!("未知的合并规则：{rule}")
}

pub fn bad_days(text: &str) -> String {
    format!("“整改期限”须为天数：{text}")
}

pub fn unknown_status(status: &str) -> String {
    format!("未知的状态：{status}")
}

/// A rubric as the creation form offers it.
pub fn rubric_choice(title: &str, version: &str) -> String {
    format!("{title}（{version}）")
}

/// A risk-weighting multiplier given in percent, as the overview shows it.
pub fn multiplier(percent: u32) -> String {
    format!("×{:.2}", f64::from(percent) / 100.0)
}
