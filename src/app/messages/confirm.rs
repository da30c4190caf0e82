//! What the confirmation of an irreversible step says: what cannot be undone, the box the
//! administrator ticks, and the refusal when it was not ticked (pages and API alike).

/// The three sentences of one irreversible step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irreversible {
    /// What happens and what cannot be undone afterwards.
    pub warning: String,
    /// The label of the box that confirms it.
    pub label: String,
    /// The refusal when the box was not ticked (nothing was changed).
    pub refusal: String,
}

fn step(action: &str, warning: String) -> Irreversible {
    Irreversible {
        label: format!("我已了解：{action}后不能撤销"),
        refusal: format!(
            "未{action}：这一步不能撤销，须先勾选“我已了解：{action}后不能撤销”再提交（接口请求须带 confirm=true）。"
        ),
        warning,
    }
}

/// 确定抽查清单.
pub fn freeze_sample() -> Irreversible {
    step(
        "确定抽查清单",
        "确定后抽查清单即冻结：抽样方案不能再修改，也不能重新抽样；随机种子和清单指纹记入审计日志，被查单位可以看到本单位被抽中的案卷。".into(),
    )
}

/// Moving a round from `current` to `next`.
pub fn advance(current: &str, next: &str) -> Irreversible {
    step(
        &format!("进入“{next}”阶段"),
        format!(
            "进入“{next}”阶段后，本轮不能退回“{current}”阶段；“{current}”阶段的操作将不再允许。"
        ),
    )
}

/// 发布 a team version.
pub fn publish_teams(version: i32) -> Irreversible {
    step(
        &format!("发布第 {version} 版分组"),
        format!(
            "发布后第 {version} 版即为本轮正式分组：评查员立即看到本组和分到的案卷；此后的调整只能形成新版本再发布，已发布的版本记入版本记录，不能删除。"
        ),
    )
}

/// The second, named confirmation of publishing a version that breaks hard rules.
pub fn publish_breaches(count: usize) -> Irreversible {
    Irreversible {
        warning: format!(
            "该版本违反 {count} 项硬性规则（见下列各项，写明规则、案卷和人员）。发布即表示本局接受这些违反，发布人和各项违反记入审计日志。"
        ),
        label: format!("我确认接受上述 {count} 项违反硬性规则的情况，仍然发布"),
        refusal: format!(
            "未发布：该版本违反 {count} 项硬性规则，须另行勾选“我确认接受上述 {count} 项违反硬性规则的情况，仍然发布”（接口请求须带 confirm_breaches=true）。"
        ),
    }
}

/// 下发 (numbering) a rectification notice.
pub fn issue_notice() -> Irreversible {
    step(
        "下发整改通知书",
        "下发后通知书即编号、定稿并生成核验码，被查单位立即可以看到并开始计算整改期限；已下发的通知书不能撤回或删除。".into(),
    )
}
