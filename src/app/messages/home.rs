//! What the home page tells a center manager to do next in the current round.

use crate::domain::round::RoundStatus;

/// The manager's next step in a round in `status`; `picked` is how many of the unit's files
/// were drawn, `open_notices` how many of its notices are still with the unit.
pub fn manager_next_step(status: RoundStatus, picked: usize, open_notices: usize) -> String {
    match status {
        RoundStatus::Draft => "本轮尚在准备，暂无需办理的事项。".to_string(),
        RoundStatus::Sampling if picked == 0 => {
            "抽查案卷清单确定后，请按清单调取纸质案卷。".to_string()
        }
        RoundStatus::Sampling | RoundStatus::Teaming | RoundStatus::Reviewing => {
            if picked == 0 {
                "本单位没有案卷被抽中，暂无需办理的事项。".to_string()
            } else {
                format!(
                    "本单位 {picked} 件案卷被抽中：请下载抽查案卷清单，按清单调取纸质案卷送交评查组。"
                )
            }
        }
        RoundStatus::Feedback if open_notices > 0 => format!(
            "评查结果已反馈：请查阅评分表与评查情况反馈；{open_notices} 份整改通知书待办理，请逐项填写整改措施、上传佐证材料，全部提交后报送整改报告。"
        ),
        RoundStatus::Feedback => {
            "评查结果已反馈：请查阅评分表与评查情况反馈；对评查结果有异议的，可在异议期限内提出。"
                .to_string()
        }
        RoundStatus::Closed => "本轮已结束。".to_string(),
    }
}

/// 「N 份待本单位办理，其中 M 份已逾期」 on the manager's home.
pub fn notice_counts(open: usize, overdue: usize) -> String {
    match (open, overdue) {
        (0, _) => "没有待本单位办理的整改通知书".to_string(),
        (open, 0) => format!("{open} 份待本单位办理"),
        (open, overdue) => format!("{open} 份待本单位办理，其中 {overdue} 份已逾期"),
    }
}
