//! What the team pages and `pingcha assign` tell the user.

pub const TITLE: &str = "交叉检查组";
pub const MINE_TITLE: &str = "我的评查工作";
pub const GENERATED: &str = "已生成分组草案。请检查后发布。";
pub const PUBLISHED: &str = "分组已发布，评查员可在“我的评查工作”中看到本组和分到的案卷。";
pub const CHANGED: &str = "已调整，生成了新的草案版本。";
pub const NO_SAMPLE: &str = "本轮尚未确定抽查清单，不能分组";
pub const UNJUSTIFIED_PUBLISH: &str = "该版本违反硬性规则且没有记录理由，不能发布";
pub const BREACH_NEEDS_REASON: &str =
    "调整违反硬性规则，未保存。如确需调整，请填写理由后再提交（理由将记入审计日志）：";
pub const CHOOSE_FILE: &str = "请选择案卷";
pub const REVIEWER: &str = "评查员";
pub const OTHER_REVIEWER: &str = "另一名评查员";
pub const NOT_STARTED: &str = "未开始";
pub const EXPORT_FILE_NAME: &str = "交叉检查组.xlsx";

/// The audit note of a version stored over a hard rule.
pub fn override_note(reason: &str) -> String {
    format!("管理员越过规则调整：{reason}")
}

/// One hard-rule breach of a version as the publish confirmation lists it.
pub fn breach_line(rule: &str, message: &str) -> String {
    format!("【{rule}】{message}")
}

pub const REASSIGN_NEEDS_REASON: &str = "改派必须填写原因";
pub const REASSIGN_BAD_FROM: &str = "原评查员无效";
pub const REASSIGN_CHOOSE: &str = "请选择改派给哪位评查员";

/// A reassignment refused because the review was submitted.
pub fn reassign_locked(reviewer: &str, state: &str) -> String {
    format!("{reviewer}的评分表{state}，不能改派；如确需改派，请先重新开放该评分表")
}

/// A reassignment refused by the rules, each broken rule named.
pub fn reassign_breaches(breaches: &[String]) -> String {
    format!("改派违反分组规则，未保存：{}", breaches.join("；"))
}

/// The note of the version a reassignment stores.
pub fn reassign_note(reason: &str) -> String {
    format!("改派：{reason}")
}

/// A member of a version who reviews no file.
pub fn idle_member(team: u32, name: &str, is_leader: bool) -> String {
    if is_leader {
        format!("第{team}组 {name}（组长，负责审核与合议，未分到案卷）")
    } else {
        format!("第{team}组 {name}（未分到案卷）")
    }
}

pub fn bad_seed(text: &str) -> String {
    format!("随机种子须为非负整数：{text}")
}

pub fn bad_team_size(min: u32, max: u32) -> String {
    format!("每组人数范围无效：{min}–{max}")
}

pub fn choose(label: &str) -> String {
    format!("请选择{label}")
}

pub fn unknown_change(kind: &str) -> String {
    format!("未知的调整方式：{kind}")
}

/// A version's status as the pages name it.
pub fn version_status_label(status: &str) -> &'static str {
    match status {
        "published" => "已发布",
        "superseded" => "已被替换",
        _ => "草案",
    }
}
