//! Review rounds (评查轮次): their settings and a status that only moves forward
//! (草稿 → 抽样 → 分组 → 评查 → 反馈整改 → 结束).

use crate::domain::CaseType;
use crate::domain::rubric::Points;
use crate::domain::text_limits::{TextError, TextField};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Where a round stands. Each status allows the work of its step and of no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// 草稿: settings can change; registries can be imported.
    Draft,
    /// 抽样: registries imported, the sampling plan is previewed and frozen.
    Sampling,
    /// 分组: cross-check teams are formed and published.
    Teaming,
    /// 评查: reviewers score the sampled files.
    Reviewing,
    /// 反馈整改: results fed back, rectification under way.
    Feedback,
    /// 结束: closed; nothing changes any more.
    Closed,
}

impl RoundStatus {
    pub const ALL: [RoundStatus; 6] = [
        RoundStatus::Draft,
        RoundStatus::Sampling,
        RoundStatus::Teaming,
        RoundStatus::Reviewing,
        RoundStatus::Feedback,
        RoundStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RoundStatus::Draft => "draft",
            RoundStatus::Sampling => "sampling",
            RoundStatus::Teaming => "teaming",
            RoundStatus::Reviewing => "reviewing",
            RoundStatus::Feedback => "feedback",
            RoundStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RoundStatus::Draft => "草稿",
            RoundStatus::Sampling => "抽样",
            RoundStatus::Teaming => "分组",
            RoundStatus::Reviewing => "评查",
            RoundStatus::Feedback => "反馈整改",
            RoundStatus::Closed => "结束",
        }
    }

    /// The one status that may follow this one.
    pub fn next(self) -> Option<RoundStatus> {
        let position = RoundStatus::ALL.iter().position(|status| *status == self)?;
        RoundStatus::ALL.get(position + 1).copied()
    }

    /// Registries may be imported and the sampling plan edited until the sample is frozen.
    /// (The round-state rule, `round_actions`, says so.)
    pub fn allows_registry_changes(self) -> bool {
        crate::domain::round_actions::check(
            self,
            crate::domain::round_actions::RoundAction::ImportRegistry,
        )
        .is_ok()
    }
}

display_by_label!(RoundStatus);

impl FromStr for RoundStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RoundStatus::ALL
            .into_iter()
            .find(|status| status.code() == text || status.label() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// Why a round cannot move as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("评查轮次只能从“{from}”进入“{expected}”，不能进入“{requested}”")]
    NotNext {
        from: RoundStatus,
        expected: RoundStatus,
        requested: RoundStatus,
    },
    #[error("评查轮次已结束，状态不能再改变")]
    AlreadyClosed,
    #[error("进入“{requested}”之前需要：{missing}")]
    Unready {
        requested: RoundStatus,
        missing: String,
    },
    /// Files without a settled result (unscored or awaiting 合议): entering 反馈整改 then
    /// needs an explicit confirmation.
    #[error(
        "尚有 {count} 份案卷未评完或未合议（{files}）；如确需进入“反馈整改”，请勾选确认后再提交（接口须传 \"confirm\": true）"
    )]
    UnfinishedFiles { count: usize, files: String },
}

/// What the caller knows about the round's work, for the readiness checks of a transition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub imported_cases: usize,
    pub sample_frozen: bool,
}

/// Checks a requested move: only forward, one step at a time, and only when the step's work
/// is done (cases imported before sampling, the sample frozen before teams are formed).
pub fn check_transition(
    from: RoundStatus,
    requested: RoundStatus,
    progress: Progress,
) -> Result<(), TransitionError> {
    let Some(expected) = from.next() else {
        return Err(TransitionError::AlreadyClosed);
    };
    if requested != expected {
        return Err(TransitionError::NotNext {
            from,
            expected,
            requested,
        });
    }
    let missing = match requested {
        RoundStatus::Sampling if progress.imported_cases == 0 => {
            Some("导入本轮期间内结案的案件台账")
        }
        RoundStatus::Teaming if !progress.sample_frozen => Some("确定（冻结）抽查案卷清单"),
        _ => None,
    };
    match missing {
        Some(missing) => Err(TransitionError::Unready {
            requested,
            missing: missing.to_string(),
        }),
        None => Ok(()),
    }
}

/// How two (or three) reviews of one file are combined (DOMAIN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CombineSetting {
    /// The totals are averaged.
    Average,
    /// Escalated to 合议 when totals differ by more than the gap, or one passes and one fails.
    Escalate { max_gap: Points },
}

impl CombineSetting {
    pub fn label(self) -> String {
        match self {
            CombineSetting::Average => "取平均分".to_string(),
            CombineSetting::Escalate { max_gap } => {
                format!("分差超过 {max_gap} 分或一过一不过时提交合议")
            }
        }
    }
}

/// A round's settings as the administrator enters them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSettings {
    pub name: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The rubric snapshot (content hash) used for each case type.
    pub rubrics: BTreeMap<CaseType, String>,
    pub combine: CombineSetting,
    pub review_deadline: Option<NaiveDate>,
    pub rectification_days: u32,
    /// Units never see who scored their files.
    pub blind: bool,
}

/// A mistake in round settings, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("轮次名称不能为空")]
    EmptyName,
    #[error("期间开始日期 {start} 晚于结束日期 {end}")]
    PeriodReversed { start: NaiveDate, end: NaiveDate },
    #[error("评查截止日期 {deadline} 早于期间结束日期 {end}")]
    DeadlineBeforePeriod { deadline: NaiveDate, end: NaiveDate },
    #[error("至少为一个案件类别选择评分标准")]
    NoRubric,
    #[error("整改期限须为 1 至 365 天")]
    RectificationDays,
    #[error("{0}")]
    Text(TextError),
}

impl RoundSettings {
    pub fn check(&self) -> Result<(), SettingsError> {
        if self.name.trim().is_empty() {
            return Err(SettingsError::EmptyName);
        }
        TextField::RoundName
            .check(&self.name)
            .map_err(SettingsError::Text)?;
        if self.period_start > self.period_end {
            return Err(SettingsError::PeriodReversed {
                start: self.period_start,
                end: self.period_end,
            });
        }
        if let Some(deadline) = self.review_deadline
            && deadline < self.period_end
        {
            return Err(SettingsError::DeadlineBeforePeriod {
                deadline,
                end: self.period_end,
            });
        }
        if self.rubrics.is_empty() {
            return Err(SettingsError::NoRubric);
        }
        if !(1..=365).contains(&self.rectification_days) {
            return Err(SettingsError::RectificationDays);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_status() -> impl Strategy<Value = RoundStatus> {
        proptest::sample::select(RoundStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn status_only_moves_one_step_forward(from in any_status(), to in any_status()) {
            let ready = Progress { imported_cases: 1, sample_frozen: true };
            let allowed = check_transition(from, to, ready).is_ok();
            prop_assert_eq!(allowed, from.next() == Some(to));
            prop_assert!(!allowed || to > from);
        }
    }

    #[test]
    fn readiness_is_checked() {
        let none = Progress::default();
        assert!(matches!(
            check_transition(RoundStatus::Draft, RoundStatus::Sampling, none),
            Err(TransitionError::Unready { .. })
        ));
        let imported = Progress {
            imported_cases: 3,
            sample_frozen: false,
        };
        assert!(check_transition(RoundStatus::Draft, RoundStatus::Sampling, imported).is_ok());
        assert!(check_transition(RoundStatus::Sampling, RoundStatus::Teaming, imported).is_err());
        assert_eq!(
            check_transition(RoundStatus::Closed, RoundStatus::Draft, imported),
            Err(TransitionError::AlreadyClosed)
        );
    }

    #[test]
    fn settings_name_the_field_at_fault() {
        let date = |text: &str| text.parse::<NaiveDate>().unwrap();
        let mut settings = RoundSettings {
            name: "2025年第三季度案卷评查".into(),
            period_start: date("2025-07-01"),
            period_end: date("2025-09-30"),
            rubrics: BTreeMap::from([(CaseType::Criminal, "abc".to_string())]),
            combine: CombineSetting::Escalate {
                max_gap: Points::whole(10),
            },
            review_deadline: Some(date("2025-10-31")),
            rectification_days: 30,
            blind: false,
        };
        assert_eq!(settings.check(), Ok(()));
        settings.review_deadline = Some(date("2025-09-01"));
        assert!(matches!(
            settings.check(),
            Err(SettingsError::DeadlineBeforePeriod { .. })
        ));
        settings.review_deadline = None;
        settings.period_start = date("2025-10-01");
        assert!(matches!(
            settings.check(),
            Err(SettingsError::PeriodReversed { .. })
        ));
    }
}
