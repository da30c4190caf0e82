//! Which writes each round status allows: the one rule every write path of a round's data
//! checks (inside the write's own transaction), so that a closed quarter (结束) cannot be
//! changed and each step's work happens in its step.
//!
//! | action | 草稿 | 抽样 | 分组 | 评查 | 反馈整改 | 结束 |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | settings (objection window, borderline review) | ✓ | ✓ | ✓ | ✓ | ✓ | |
//! | move to the next status | ✓ | ✓ | ✓ | ✓ | ✓ | |
//! | registry import, sampling plan | ✓ | ✓ | | | | |
//! | freeze the sample | | ✓ | | | | |
//! | teams: generate, publish, change, reassign a file | | | ✓ | ✓ | | |
//! | score sheets: save, submit, return, reopen; offline packets; 合议, approval | | | ✓ | ✓ | | |
//! | findings: add by hand (team leader, administrator) | | | ✓ | ✓ | ✓ | |
//! | findings: generate from the submitted sheets | | | | ✓ | ✓ | |
//! | notices: draft, select, issue; rectification steps; objections | | | | | ✓ | |
//!
//! Scoring starts as soon as teams are published (分组), as the offline packets and the team
//! pages always allowed; the results are fed back (反馈整改) once scoring is over.

use crate::domain::round::RoundStatus;
use std::fmt;

/// Every kind of write to a round's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoundAction {
    /// The round's own settings (objection window, borderline second review).
    EditSettings,
    /// Moving the round to its next status.
    Advance,
    /// Importing the case registry of the round's period.
    ImportRegistry,
    /// Editing the sampling plan.
    EditSamplingPlan,
    /// Freezing the sample (抽查清单).
    FreezeSample,
    /// Generating, publishing or changing the cross-check teams, reassigning a file.
    ChangeTeams,
    /// A reviewer saving or submitting a score sheet (on the server or by offline packet).
    ScoreSheet,
    /// Downloading an offline review packet (it reserves the sheets it carries).
    OfflinePacket,
    /// The team leader returning a submitted sheet.
    ReturnSheet,
    /// The administrator reopening a submitted sheet.
    ReopenSheet,
    /// The team leader's 合议 of two reviews, or approval of the team's results.
    Reconcile,
    /// Adding a finding by hand (a team leader, as soon as scoring starts; the bureau).
    AddFinding,
    /// Generating findings from the submitted sheets' deductions.
    GenerateFindings,
    /// Drafting notices and choosing the findings they carry.
    DraftNotices,
    /// Issuing (numbering) a notice.
    IssueNotice,
    /// A step of the rectification state machine (report, measures, evidence, submit,
    /// verify, send back, close, follow-up).
    Rectify,
    /// Filing an objection (异议).
    FileObjection,
    /// Deciding an objection.
    DecideObjection,
}

impl RoundAction {
    pub const ALL: [RoundAction; 18] = [
        RoundAction::EditSettings,
        RoundAction::Advance,
        RoundAction::ImportRegistry,
        RoundAction::EditSamplingPlan,
        RoundAction::FreezeSample,
        RoundAction::ChangeTeams,
        RoundAction::ScoreSheet,
        RoundAction::OfflinePacket,
        RoundAction::ReturnSheet,
        RoundAction::ReopenSheet,
        RoundAction::Reconcile,
        RoundAction::AddFinding,
        RoundAction::GenerateFindings,
        RoundAction::DraftNotices,
        RoundAction::IssueNotice,
        RoundAction::Rectify,
        RoundAction::FileObjection,
        RoundAction::DecideObjection,
    ];

    /// What the action is, in the words of a refusal.
    pub fn label(self) -> &'static str {
        match self {
            RoundAction::EditSettings => "修改轮次设置",
            RoundAction::Advance => "推进轮次状态",
            RoundAction::ImportRegistry => "导入案件台账",
            RoundAction::EditSamplingPlan => "修改抽样方案",
            RoundAction::FreezeSample => "确定抽查清单",
            RoundAction::ChangeTeams => "调整评查分组",
            RoundAction::ScoreSheet => "填写或提交评分表",
            RoundAction::OfflinePacket => "下载离线评查包",
            RoundAction::ReturnSheet => "退回评分表",
            RoundAction::ReopenSheet => "重新开放评分表",
            RoundAction::Reconcile => "合议或确认本组结果",
            RoundAction::AddFinding => "补充问题",
            RoundAction::GenerateFindings => "由评分表生成问题",
            RoundAction::DraftNotices => "起草整改通知书",
            RoundAction::IssueNotice => "下发整改通知书",
            RoundAction::Rectify => "办理整改",
            RoundAction::FileObjection => "提出异议",
            RoundAction::DecideObjection => "裁决异议",
        }
    }

    /// The statuses in which the action is allowed (see the table above).
    pub fn allowed_in(self) -> &'static [RoundStatus] {
        use RoundStatus::*;
        match self {
            RoundAction::EditSettings | RoundAction::Advance => {
                &[Draft, Sampling, Teaming, Reviewing, Feedback]
            }
            RoundAction::ImportRegistry | RoundAction::EditSamplingPlan => &[Draft, Sampling],
            RoundAction::FreezeSample => &[Sampling],
            RoundAction::ChangeTeams
            | RoundAction::ScoreSheet
            | RoundAction::OfflinePacket
            | RoundAction::ReturnSheet
            | RoundAction::ReopenSheet
            | RoundAction::Reconcile => &[Teaming, Reviewing],
            RoundAction::AddFinding => &[Teaming, Reviewing, Feedback],
            RoundAction::GenerateFindings => &[Reviewing, Feedback],
            RoundAction::DraftNotices
            | RoundAction::IssueNotice
            | RoundAction::Rectify
            | RoundAction::FileObjection
            | RoundAction::DecideObjection => &[Feedback],
        }
    }
}

display_by_label!(RoundAction);

/// A write refused because of the round's status; the message says what and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoundStateError {
    /// The round is closed: nothing of it changes any more.
    #[error("本轮评查已结束，不能再修改（{action}）。")]
    Closed { action: RoundAction },
    /// The round is not (yet, or any more) in a status that allows the action.
    #[error("本轮评查处于“{status}”阶段，不能{action}；此操作只能在{allowed}阶段进行。")]
    WrongStage {
        status: RoundStatus,
        action: RoundAction,
        allowed: AllowedStages,
    },
}

impl RoundStateError {
    pub fn action(self) -> RoundAction {
        match self {
            RoundStateError::Closed { action } | RoundStateError::WrongStage { action, .. } => {
                action
            }
        }
    }
}

/// The statuses an action is allowed in, for the message (“评查”或“反馈整改”).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedStages(pub RoundAction);

impl fmt::Display for AllowedStages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<String> = self
            .0
            .allowed_in()
            .iter()
            .map(|status| format!("“{}”", status.label()))
            .collect();
        f.write_str(&labels.join("或"))
    }
}

/// The words every round-state refusal starts with or contains, for callers (and tests) that
/// tell such a refusal from others.
pub const REFUSAL_MARK: &str = "本轮评查";

/// Whether `action` may be done in a round of `status`.
pub fn check(status: RoundStatus, action: RoundAction) -> Result<(), RoundStateError> {
    if action.allowed_in().contains(&status) {
        Ok(())
    } else if status == RoundStatus::Closed {
        Err(RoundStateError::Closed { action })
    } else {
        Err(RoundStateError::WrongStage {
            status,
            action,
            allowed: AllowedStages(action),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_closed_round_allows_nothing() {
        for action in RoundAction::ALL {
            let refusal = check(RoundStatus::Closed, action).unwrap_err();
            assert_eq!(refusal, RoundStateError::Closed { action });
            assert!(
                refusal
                    .to_string()
                    .starts_with("本轮评查已结束，不能再修改"),
                "{refusal}"
            );
        }
    }

    #[test]
    fn every_open_status_allows_some_work_and_settings() {
        for status in RoundStatus::ALL {
            if status == RoundStatus::Closed {
                continue;
            }
            assert!(check(status, RoundAction::EditSettings).is_ok());
            assert!(check(status, RoundAction::Advance).is_ok());
        }
    }

    #[test]
    fn each_step_allows_its_own_work() {
        use RoundAction::*;
        use RoundStatus::*;
        let cases = [
            (Draft, ImportRegistry, true),
            (Draft, FreezeSample, false),
            (Sampling, FreezeSample, true),
            (Teaming, ImportRegistry, false),
            (Teaming, ChangeTeams, true),
            (Reviewing, ScoreSheet, true),
            (Reviewing, ReturnSheet, true),
            (Reviewing, ReopenSheet, true),
            (Reviewing, Reconcile, true),
            (Reviewing, GenerateFindings, true),
            (Teaming, AddFinding, true),
            (Teaming, GenerateFindings, false),
            (Reviewing, IssueNotice, false),
            (Reviewing, FileObjection, false),
            (Feedback, ScoreSheet, false),
            (Feedback, ReturnSheet, false),
            (Feedback, ReopenSheet, false),
            (Feedback, AddFinding, true),
            (Feedback, DraftNotices, true),
            (Feedback, IssueNotice, true),
            (Feedback, Rectify, true),
            (Feedback, FileObjection, true),
            (Feedback, DecideObjection, true),
            (Draft, ScoreSheet, false),
        ];
        for (status, action, allowed) in cases {
            assert_eq!(
                check(status, action).is_ok(),
                allowed,
                "{status:?} {action:?}"
            );
        }
    }

    #[test]
    fn a_wrong_stage_names_the_stage_and_where_the_action_belongs() {
        let refusal = check(RoundStatus::Draft, RoundAction::GenerateFindings).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "本轮评查处于“草稿”阶段，不能由评分表生成问题；此操作只能在“评查”或“反馈整改”阶段进行。"
        );
    }

    fn any_status() -> impl Strategy<Value = RoundStatus> {
        (0..RoundStatus::ALL.len()).prop_map(|index| RoundStatus::ALL[index])
    }

    fn any_action() -> impl Strategy<Value = RoundAction> {
        (0..RoundAction::ALL.len()).prop_map(|index| RoundAction::ALL[index])
    }

    proptest! {
        /// The rule and its table agree, every refusal carries the mark and names its action,
        /// and no write of a round's results is allowed once feedback has been given except
        /// the feedback stage's own.
        #[test]
        fn the_rule_is_its_table(status in any_status(), action in any_action()) {
            let outcome = check(status, action);
            prop_assert_eq!(outcome.is_ok(), action.allowed_in().contains(&status));
            if let Err(refusal) = outcome {
                prop_assert_eq!(refusal.action(), action);
                let message = refusal.to_string();
                prop_assert!(message.contains(REFUSAL_MARK));
                prop_assert!(message.contains(action.label()));
                prop_assert!(message.contains(status.label()) || status == RoundStatus::Closed);
            }
            if status == RoundStatus::Closed {
                prop_assert!(outcome.is_err());
            }
        }

        /// Sheets are written only before feedback: once the unit has its results (反馈整改)
        /// they change only through an objection.
        #[test]
        fn sheets_change_only_before_feedback(status in any_status()) {
            for action in [RoundAction::ScoreSheet, RoundAction::ReturnSheet, RoundAction::ReopenSheet, RoundAction::Reconcile] {
                prop_assert_eq!(
                    check(status, action).is_ok(),
                    matches!(status, RoundStatus::Teaming | RoundStatus::Reviewing)
                );
            }
        }
    }
}
