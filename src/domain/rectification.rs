//! Rectification (整改, DOMAIN §8): the states a notice and each of its findings move through,
//! who may move them, and the deadline arithmetic that makes a notice overdue (逾期).
//!
//! A notice and a finding share one state machine:
//! 草稿 → 已下发 → 整改中 → 已提交 → 已核验, with 已退回 (sent back with a reason) from 已提交,
//! after which the unit works again (→ 整改中) or resubmits at once (→ 已提交). A finding is
//! verified one by one (核验); a notice is closed (办结) once every finding on it is verified.
//! Overdue is derived from the state, the deadline and today's date, never stored, so no
//! clock job has to keep it right.

use crate::domain::ids::UserId;
use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::{self, RoundAction};
use crate::domain::text_limits::{TextError, TextField};
use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a notice or a finding stands. Overdue is not a state: see [`is_overdue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationState {
    /// 草稿: prepared by the bureau, not yet visible to the unit.
    Draft,
    /// 已下发: sent to the unit; the deadline runs from the issue date.
    Issued,
    /// 整改中: the unit has started work.
    InProgress,
    /// 已提交: the unit has submitted its measures (a notice: its 整改报告) for checking.
    Submitted,
    /// 已核验: the bureau has checked the evidence; final.
    Verified,
    /// 已退回: the bureau sent the submission back with a reason; the unit works again.
    Returned,
}

impl RectificationState {
    pub const ALL: [RectificationState; 6] = [
        RectificationState::Draft,
        RectificationState::Issued,
        RectificationState::InProgress,
        RectificationState::Submitted,
        RectificationState::Verified,
        RectificationState::Returned,
    ];

    /// The stable identifier stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            RectificationState::Draft => "draft",
            RectificationState::Issued => "issued",
            RectificationState::InProgress => "in_progress",
            RectificationState::Submitted => "submitted",
            RectificationState::Verified => "verified",
            RectificationState::Returned => "returned",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            RectificationState::Draft => "草稿",
            RectificationState::Issued => "已下发",
            RectificationState::InProgress => "整改中",
            RectificationState::Submitted => "已提交",
            RectificationState::Verified => "已核验",
            RectificationState::Returned => "已退回",
        }
    }

    /// The label of a whole notice: a notice reaches `Verified` by being closed (办结).
    pub fn notice_label(self) -> &'static str {
        match self {
            RectificationState::Verified => "已办结",
            other => other.label(),
        }
    }

    /// The deadline binds the unit only while the work is in its hands: after issue and
    /// before submission (again after a send-back). A draft was never sent, so it cannot be late.
    pub fn deadline_runs(self) -> bool {
        matches!(
            self,
            RectificationState::Issued
                | RectificationState::InProgress
                | RectificationState::Returned
        )
    }
}

display_by_label!(RectificationState);

/// A state that could not be recognised; carries the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的整改状态：{0}")]
pub struct UnknownState(pub String);

impl FromStr for RectificationState {
    type Err = UnknownState;

    /// Accepts the stored code or the Chinese label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        RectificationState::ALL
            .into_iter()
            .find(|state| state.code() == text || state.label() == text)
            .ok_or_else(|| UnknownState(text.to_string()))
    }
}

/// What is being moved: the notice as a whole or one finding on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// 整改通知书
    Notice,
    /// 问题
    Finding,
}

impl Subject {
    pub fn code(self) -> &'static str {
        match self {
            Subject::Notice => "notice",
            Subject::Finding => "finding",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Subject::Notice => "整改通知书",
            Subject::Finding => "问题",
        }
    }
}

display_by_label!(Subject);

/// What the caller asks to do. Data an action needs travels with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// 下发: the bureau sends a draft to the unit.
    Issue,
    /// 开始整改: the unit starts (or, after a send-back, resumes) work.
    StartWork,
    /// 提交: the unit hands in its measures (a finding) or its 整改报告 (a notice).
    Submit,
    /// 核验: the bureau accepts a finding's fix, optionally with a comment.
    Verify { comment: Option<String> },
    /// 退回: the bureau sends a submission back; the reason tells the unit what is missing.
    SendBack { reason: String },
    /// 办结: the bureau closes a notice whose findings are all verified.
    Close,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Issue => ActionKind::Issue,
            Action::StartWork => ActionKind::StartWork,
            Action::Submit => ActionKind::Submit,
            Action::Verify { .. } => ActionKind::Verify,
            Action::SendBack { .. } => ActionKind::SendBack,
            Action::Close => ActionKind::Close,
        }
    }
}

/// An action without its data, for the history and for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Issue,
    StartWork,
    Submit,
    Verify,
    SendBack,
    Close,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::Issue,
        ActionKind::StartWork,
        ActionKind::Submit,
        ActionKind::Verify,
        ActionKind::SendBack,
        ActionKind::Close,
    ];

    /// The stable identifier stored in the history.
    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Issue => "issue",
            ActionKind::StartWork => "start_work",
            ActionKind::Submit => "submit",
            ActionKind::Verify => "verify",
            ActionKind::SendBack => "send_back",
            ActionKind::Close => "close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Issue => "下发",
            ActionKind::StartWork => "开始整改",
            ActionKind::Submit => "提交",
            ActionKind::Verify => "核验",
            ActionKind::SendBack => "退回",
            ActionKind::Close => "办结",
        }
    }

    /// The one role that may take this action. Leadership reads and reviewers score; neither
    /// moves a notice.
    pub fn allowed_role(self) -> Role {
        match self {
            ActionKind::StartWork | ActionKind::Submit => Role::CenterManager,
            ActionKind::Issue | ActionKind::Verify | ActionKind::SendBack | ActionKind::Close => {
                Role::BureauAdmin
            }
        }
    }

    /// A finding is verified one by one; a notice is closed instead, once they all are.
    pub fn applies_to(self, subject: Subject) -> bool {
        match self {
            ActionKind::Verify => subject == Subject::Finding,
            ActionKind::Close => subject == Subject::Notice,
            ActionKind::Issue
            | ActionKind::StartWork
            | ActionKind::Submit
            | ActionKind::SendBack => true,
        }
    }

    /// The states this action may start from.
    pub fn allowed_from(self) -> &'static [RectificationState] {
        use RectificationState::{Draft, InProgress, Issued, Returned, Submitted};
        match self {
            ActionKind::Issue => &[Draft],
            ActionKind::StartWork => &[Issued, Returned],
            ActionKind::Submit => &[InProgress, Returned],
            ActionKind::Verify | ActionKind::SendBack | ActionKind::Close => &[Submitted],
        }
    }

    /// The state this action leads to.
    pub fn target(self) -> RectificationState {
        match self {
            ActionKind::Issue => RectificationState::Issued,
            ActionKind::StartWork => RectificationState::InProgress,
            ActionKind::Submit => RectificationState::Submitted,
            ActionKind::Verify | ActionKind::Close => RectificationState::Verified,
            ActionKind::SendBack => RectificationState::Returned,
        }
    }
}

display_by_label!(ActionKind);

/// What the rules need to know beyond the state: a finding's measures (整改措施), or the
/// states of the findings on a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionContext<'a> {
    Finding { measures: &'a str },
    Notice { findings: &'a [RectificationState] },
}

impl TransitionContext<'_> {
    pub fn subject(&self) -> Subject {
        match self {
            TransitionContext::Finding { .. } => Subject::Finding,
            TransitionContext::Notice { .. } => Subject::Notice,
        }
    }
}

/// A list of states, shown as "已下发、已退回".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateList(pub &'static [RectificationState]);

impl fmt::Display for StateList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, state) in self.0.iter().enumerate() {
            if position > 0 {
                f.write_str("、")?;
            }
            f.write_str(state.label())?;
        }
        Ok(())
    }
}

/// Why a notice or finding cannot move as asked. Every variant names the current state and
/// the role that asked, so the refusal can be shown as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{subject}不能“{action}”（当前状态：{state}，操作人：{role}）")]
    NotForSubject {
        subject: Subject,
        action: ActionKind,
        state: RectificationState,
        role: Role,
    },
    #[error("{role}无权对{subject}执行“{action}”，只有{allowed}可以（当前状态：{state}）")]
    RoleNotAllowed {
        subject: Subject,
        action: ActionKind,
        state: RectificationState,
        role: Role,
        allowed: Role,
    },
    #[error(
        "{subject}当前状态为“{state}”，不能“{action}”；只有“{expected}”状态可以（操作人：{role}）"
    )]
    WrongState {
        subject: Subject,
        action: ActionKind,
        state: RectificationState,
        role: Role,
        expected: StateList,
    },
    #[error("整改通知书中没有任何问题，不能下发（当前状态：{state}，操作人：{role}）")]
    NoFindings {
        state: RectificationState,
        role: Role,
    },
    #[error("提交前须填写整改措施（当前状态：{state}，操作人：{role}）")]
    MissingMeasures {
        state: RectificationState,
        role: Role,
    },
    #[error("尚有 {pending} 项问题未提交，不能提交整改报告（当前状态：{state}，操作人：{role}）")]
    FindingsNotSubmitted {
        pending: usize,
        state: RectificationState,
        role: Role,
    },
    #[error("尚有 {pending} 项问题未核验，不能办结整改通知书（当前状态：{state}，操作人：{role}）")]
    FindingsNotVerified {
        pending: usize,
        state: RectificationState,
        role: Role,
    },
    #[error("退回须写明理由（当前状态：{state}，操作人：{role}）")]
    MissingReason {
        state: RectificationState,
        role: Role,
    },
    /// A reason, comment or measures text over its limit or holding a control character.
    #[error("{0}")]
    Text(TextError),
}

/// Decides one move. Checks, in order: the action fits the subject, the role may take it,
/// the current state allows it, and the action's own condition holds (measures written,
/// findings submitted or verified, a reason given).
pub fn transition(
    current: RectificationState,
    action: &Action,
    role: Role,
    ctx: &TransitionContext<'_>,
) -> Result<RectificationState, TransitionError> {
    let kind = action.kind();
    let subject = ctx.subject();
    let state = current;
    if !kind.applies_to(subject) {
        return Err(TransitionError::NotForSubject {
            subject,
            action: kind,
            state,
            role,
        });
    }
    let allowed = kind.allowed_role();
    if role != allowed {
        return Err(TransitionError::RoleNotAllowed {
            subject,
            action: kind,
            state,
            role,
            allowed,
        });
    }
    if !kind.allowed_from().contains(&current) {
        return Err(TransitionError::WrongState {
            subject,
            action: kind,
            state,
            role,
            expected: StateList(kind.allowed_from()),
        });
    }
    check_texts(action).map_err(TransitionError::Text)?;
    check_condition(action, ctx, state, role)?;
    Ok(kind.target())
}

/// The texts an action carries, each against its limit. Stored texts (a finding's measures)
/// were checked when saved and are not checked again, so data older than the limits can still
/// move.
fn check_texts(action: &Action) -> Result<(), TextError> {
    match action {
        Action::Verify { comment } => {
            TextField::TransitionComment.check_optional(comment.as_deref())
        }
        Action::SendBack { reason } => TextField::TransitionComment.check(reason),
        _ => Ok(()),
    }
}

fn check_condition(
    action: &Action,
    ctx: &TransitionContext<'_>,
    state: RectificationState,
    role: Role,
) -> Result<(), TransitionError> {
    let pending = |findings: &[RectificationState], done: &[RectificationState]| {
        findings
            .iter()
            .filter(|finding| !done.contains(finding))
            .count()
    };
    match (action, ctx) {
        (Action::Issue, TransitionContext::Notice { findings: [] }) => {
            Err(TransitionError::NoFindings { state, role })
        }
        (Action::Submit, TransitionContext::Finding { measures }) if measures.trim().is_empty() => {
            Err(TransitionError::MissingMeasures { state, role })
        }
        (Action::Submit, TransitionContext::Notice { findings }) => {
            use RectificationState::{Submitted, Verified};
            match pending(findings, &[Submitted, Verified]) {
                0 => Ok(()),
                pending => Err(TransitionError::FindingsNotSubmitted {
                    pending,
                    state,
                    role,
                }),
            }
        }
        (Action::Close, TransitionContext::Notice { findings }) => {
            match pending(findings, &[RectificationState::Verified]) {
                0 => Ok(()),
                pending => Err(TransitionError::FindingsNotVerified {
                    pending,
                    state,
                    role,
                }),
            }
        }
        (Action::SendBack { reason }, _) if reason.trim().is_empty() => {
            Err(TransitionError::MissingReason { state, role })
        }
        _ => Ok(()),
    }
}

/// One line of a notice's or finding's history (who moved it, when, and why), kept so the
/// bureau can show the whole path of a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub subject: Subject,
    pub from: RectificationState,
    pub to: RectificationState,
    pub action: ActionKind,
    pub actor: UserId,
    pub role: Role,
    /// Local time of the bureau, passed in by the caller.
    pub at: NaiveDateTime,
    /// The reason of a send-back, or the comment on a verification; trimmed, never empty.
    pub reason: Option<String>,
}

impl Transition {
    /// Decides the move with [`transition`] and, when it is allowed, returns the history line
    /// to store together with the new state.
    pub fn record(
        current: RectificationState,
        action: &Action,
        actor: UserId,
        role: Role,
        ctx: &TransitionContext<'_>,
        at: NaiveDateTime,
    ) -> Result<Transition, TransitionError> {
        let to = transition(current, action, role, ctx)?;
        let reason = match action {
            Action::SendBack { reason } => Some(reason.as_str()),
            Action::Verify { comment } => comment.as_deref(),
            Action::Issue | Action::StartWork | Action::Submit | Action::Close => None,
        }
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string);
        Ok(Transition {
            subject: ctx.subject(),
            from: current,
            to,
            action: action.kind(),
            actor,
            role,
            at,
            reason,
        })
    }
}

/// The default time a unit has to rectify, in calendar days (issue 8; a round may set
/// another value).
pub const DEFAULT_RECTIFICATION_DAYS: u32 = 30;

/// The time a notice may give, in calendar days: at least a day, at most a year.
pub const RECTIFICATION_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// Whether `days` is a time a notice may give (see [`RECTIFICATION_DAYS`]).
pub fn days_allowed(days: u32) -> bool {
    RECTIFICATION_DAYS.contains(&days)
}

/// The last day of rectification: `days` calendar days after the issue date.
///
/// The issue day itself is not counted and the count starts the next day (as 民法典
/// art. 201 counts periods in days), so 30 days from 2024-01-31 end on 2024-03-01 and from
/// 2023-01-31 on 2023-03-02. Weekends and public holidays count like any other day; a
/// deadline is not moved off a holiday, because the calendar of holidays is not known here.
/// `None` only past chrono's last representable date.
pub fn deadline(issued_on: NaiveDate, days: u32) -> Option<NaiveDate> {
    issued_on.checked_add_days(Days::new(u64::from(days)))
}

/// Days from `today` to the deadline: 0 on the deadline day, negative once it has passed
/// (-3 is three days late).
pub fn days_left(deadline: NaiveDate, today: NaiveDate) -> i64 {
    deadline.signed_duration_since(today).num_days()
}

/// 逾期: the deadline has passed while the work is still with the unit. The deadline day
/// itself is not overdue; a submitted or verified item never is, and neither is a draft.
pub fn is_overdue(state: RectificationState, deadline: NaiveDate, today: NaiveDate) -> bool {
    state.deadline_runs() && today > deadline
}

/// A finding's own deadline when an objection (异议) to it was filed: while the objection is
/// open the clock does not run at all (`None`: nothing can be late), and once it is decided
/// the days it stayed open are added to the notice's deadline, so the unit loses no time.
pub fn deadline_under_objection(
    deadline: NaiveDate,
    objection_open: bool,
    days_open: u32,
) -> Option<NaiveDate> {
    if objection_open {
        return None;
    }
    deadline.checked_add_days(Days::new(u64::from(days_open)))
}

/// How many days before the deadline the unit is reminded.
pub const REMINDER_DAYS: i64 = 7;

/// A reminder about a deadline, computed when it is read (no clock job stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "days")]
pub enum DeadlineAlert {
    /// 即将到期: the deadline is at most [`REMINDER_DAYS`] away (0 = today).
    Approaching(i64),
    /// 已逾期 by this many days.
    Overdue(i64),
}

impl DeadlineAlert {
    pub fn describe(self) -> String {
        match self {
            DeadlineAlert::Approaching(0) => "整改期限为今天".to_string(),
            DeadlineAlert::Approaching(days) => format!("距整改期限还有 {days} 天"),
            DeadlineAlert::Overdue(days) => format!("已逾期 {days} 天"),
        }
    }
}

/// The reminder for an item in `state` due on `deadline`, if any: none once the work has
/// left the unit's hands, and none while the deadline is comfortably far.
pub fn deadline_alert(
    state: RectificationState,
    deadline: NaiveDate,
    today: NaiveDate,
) -> Option<DeadlineAlert> {
    if !state.deadline_runs() {
        return None;
    }
    let left = days_left(deadline, today);
    if is_overdue(state, deadline, today) {
        Some(DeadlineAlert::Overdue(-left))
    } else if left <= REMINDER_DAYS {
        Some(DeadlineAlert::Approaching(left))
    } else {
        None
    }
}

/// A list as notices and pages write it: 甲、乙、丙.
pub fn list_text<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join("、")
}

/// How a notice names the objection (异议) to one of its findings.
pub fn objection_label(
    state: crate::domain::objection::ObjectionState,
    old_points: crate::domain::rubric::Points,
    new_points: Option<crate::domain::rubric::Points>,
) -> String {
    use crate::domain::objection::ObjectionState as O;
    match (state, new_points) {
        (O::Pending, _) => "异议处理中".to_string(),
        (O::Changed, Some(points)) => {
            format!("异议已裁决：变更（扣分由 {old_points} 分改为 {points} 分）")
        }
        (O::Withdrawn, _) => "异议已裁决：撤销（不再扣分，无需整改）".to_string(),
        (state, _) => format!("异议已裁决：{}", state.label()),
    }
}

/// The actions `role` may take on `subject` in `state`, by the state machine: the action fits
/// the subject, the role is the one allowed, and the state is one it may start from. Each
/// action's own condition (measures written, findings submitted, …) is checked when taken.
pub fn allowed_actions(subject: Subject, state: RectificationState, role: Role) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|kind| {
            kind.applies_to(subject)
                && kind.allowed_role() == role
                && kind.allowed_from().contains(&state)
        })
        .collect()
}

/// What a page offers `role` for a notice or a finding in `state`: one flag per action of
/// [`allowed_actions`], plus `work`, recording measures and evidence (整改措施、佐证材料),
/// which the unit may do while the work is in its hands (saving starts it when waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct AllowedActions {
    pub issue: bool,
    pub start_work: bool,
    pub submit: bool,
    pub verify: bool,
    pub send_back: bool,
    pub close: bool,
    pub work: bool,
}

impl AllowedActions {
    pub fn of(subject: Subject, state: RectificationState, role: Role) -> AllowedActions {
        let kinds = allowed_actions(subject, state, role);
        let has = |kind: ActionKind| kinds.contains(&kind);
        AllowedActions {
            issue: has(ActionKind::Issue),
            start_work: has(ActionKind::StartWork),
            submit: has(ActionKind::Submit),
            verify: has(ActionKind::Verify),
            send_back: has(ActionKind::SendBack),
            close: has(ActionKind::Close),
            work: role == ActionKind::StartWork.allowed_role() && state.deadline_runs(),
        }
    }

    /// Only what the round's status allows too (`round_actions`): issuing needs
    /// [`RoundAction::IssueNotice`], every other move [`RoundAction::Rectify`].
    pub fn in_round(self, status: RoundStatus) -> AllowedActions {
        let allows = |action| round_actions::check(status, action).is_ok();
        let rectify = allows(RoundAction::Rectify);
        AllowedActions {
            issue: self.issue && allows(RoundAction::IssueNotice),
            start_work: self.start_work && rectify,
            submit: self.submit && rectify,
            verify: self.verify && rectify,
            send_back: self.send_back && rectify,
            close: self.close && rectify,
            work: self.work && rectify,
        }
    }

    /// Nothing at all once a finding was withdrawn by objection (撤销): it is closed.
    pub fn unless_withdrawn(self, withdrawn: bool) -> AllowedActions {
        if withdrawn {
            AllowedActions::default()
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn allowed_actions_follow_the_state_machine() {
        use RectificationState::*;
        let notice = |state, role| AllowedActions::of(Subject::Notice, state, role);
        assert!(notice(Draft, Role::BureauAdmin).issue);
        assert!(!notice(Draft, Role::CenterManager).issue);
        // A report is not submitted while the notice merely waits in the unit's hands.
        assert!(!notice(Issued, Role::CenterManager).submit);
        assert!(notice(Issued, Role::CenterManager).work);
        assert!(notice(InProgress, Role::CenterManager).submit);
        assert!(notice(Returned, Role::CenterManager).submit);
        let review = notice(Submitted, Role::BureauAdmin);
        assert!(review.close && review.send_back && !review.verify);
        let finding = AllowedActions::of(Subject::Finding, Submitted, Role::BureauAdmin);
        assert!(finding.verify && finding.send_back && !finding.close);
        assert_eq!(
            AllowedActions::of(Subject::Finding, Verified, Role::CenterManager),
            AllowedActions::default()
        );
        for state in RectificationState::ALL {
            assert!(
                allowed_actions(Subject::Finding, state, Role::Leader).is_empty(),
                "leadership moves nothing in {state:?}"
            );
        }
    }

    #[test]
    fn a_notice_gives_a_day_to_a_year() {
        assert!(!days_allowed(0));
        assert!(days_allowed(1));
        assert!(days_allowed(365));
        assert!(!days_allowed(366));
    }

    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    use ActionKind as K;
    use RectificationState::{Draft, InProgress, Issued, Returned, Submitted, Verified};
    use Role::{BureauAdmin as Admin, CenterManager as Manager};
    use Subject::{Finding, Notice};

    /// The specification, written out independently of the code: every allowed move.
    /// Everything not listed here must be refused.
    const ALLOWED: &[(
        Subject,
        RectificationState,
        ActionKind,
        Role,
        RectificationState,
    )] = &[
        (Notice, Draft, K::Issue, Admin, Issued),
        (Finding, Draft, K::Issue, Admin, Issued),
        (Notice, Issued, K::StartWork, Manager, InProgress),
        (Notice, Returned, K::StartWork, Manager, InProgress),
        (Finding, Issued, K::StartWork, Manager, InProgress),
        (Finding, Returned, K::StartWork, Manager, InProgress),
        (Notice, InProgress, K::Submit, Manager, Submitted),
        (Notice, Returned, K::Submit, Manager, Submitted),
        (Finding, InProgress, K::Submit, Manager, Submitted),
        (Finding, Returned, K::Submit, Manager, Submitted),
        (Finding, Submitted, K::Verify, Admin, Verified),
        (Notice, Submitted, K::SendBack, Admin, Returned),
        (Finding, Submitted, K::SendBack, Admin, Returned),
        (Notice, Submitted, K::Close, Admin, Verified),
    ];

    fn action(kind: ActionKind) -> Action {
        match kind {
            K::Issue => Action::Issue,
            K::StartWork => Action::StartWork,
            K::Submit => Action::Submit,
            K::Verify => Action::Verify { comment: None },
            K::SendBack => Action::SendBack {
                reason: "会见笔录仍未补正".to_string(),
            },
            K::Close => Action::Close,
        }
    }

    const ALL_VERIFIED: [RectificationState; 2] = [Verified, Verified];

    /// A context in which every condition holds, so only subject, role and state decide.
    fn satisfied(subject: Subject) -> TransitionContext<'static> {
        match subject {
            Finding => TransitionContext::Finding {
                measures: "已补充会见笔录并归档",
            },
            Notice => TransitionContext::Notice {
                findings: &ALL_VERIFIED,
            },
        }
    }

    #[test]
    fn every_state_action_and_role_follows_the_table() {
        let mut allowed_seen = 0;
        for subject in [Notice, Finding] {
            for state in RectificationState::ALL {
                for kind in ActionKind::ALL {
                    for role in Role::ALL {
                        let result = transition(state, &action(kind), role, &satisfied(subject));
                        let expected = ALLOWED
                            .iter()
                            .find(|row| {
                                row.0 == subject && row.1 == state && row.2 == kind && row.3 == role
                            })
                            .map(|row| row.4);
                        let case = format!("{subject:?} {state:?} {kind:?} {role:?}");
                        match (expected, result) {
                            (Some(to), Ok(got)) => {
                                allowed_seen += 1;
                                assert_eq!(got, to, "{case}");
                            }
                            (Some(_), Err(error)) => panic!("{case} refused: {error}"),
                            (None, Ok(got)) => panic!("{case} allowed into {got:?}"),
                            (None, Err(error)) => {
                                let message = error.to_string();
                                assert!(message.contains(state.label()), "{case}: {message}");
                                assert!(message.contains(role.label()), "{case}: {message}");
                                let role_ok =
                                    ALLOWED.iter().any(|row| row.2 == kind && row.3 == role);
                                let subject_ok =
                                    ALLOWED.iter().any(|row| row.0 == subject && row.2 == kind);
                                let kind_matches = match error {
                                    TransitionError::NotForSubject { .. } => !subject_ok,
                                    TransitionError::RoleNotAllowed { .. } => {
                                        subject_ok && !role_ok
                                    }
                                    TransitionError::WrongState { .. } => subject_ok && role_ok,
                                    _ => false,
                                };
                                assert!(kind_matches, "{case}: {error:?}");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(allowed_seen, ALLOWED.len());
    }

    #[test]
    fn refusals_read_as_chinese_sentences() {
        let error = transition(
            Draft,
            &Action::Verify { comment: None },
            Manager,
            &satisfied(Finding),
        );
        assert_eq!(
            error.map_err(|error| error.to_string()),
            Err("中心负责人无权对问题执行“核验”，只有管理员可以（当前状态：草稿）".to_string())
        );
        let error = transition(Issued, &Action::Submit, Manager, &satisfied(Finding));
        assert_eq!(
            error.map_err(|error| error.to_string()),
            Err("问题当前状态为“已下发”，不能“提交”；只有“整改中、已退回”状态可以（操作人：中心负责人）".to_string())
        );
        let error = transition(
            Submitted,
            &Action::Verify { comment: None },
            Admin,
            &satisfied(Notice),
        );
        assert_eq!(
            error.map_err(|error| error.to_string()),
            Err("整改通知书不能“核验”（当前状态：已提交，操作人：管理员）".to_string())
        );
    }

    #[test]
    fn a_finding_is_submitted_only_with_measures() {
        for measures in ["", "  \n"] {
            assert_eq!(
                transition(
                    InProgress,
                    &Action::Submit,
                    Manager,
                    &TransitionContext::Finding { measures }
                ),
                Err(TransitionError::MissingMeasures {
                    state: InProgress,
                    role: Manager
                })
            );
        }
    }

    #[test]
    fn a_notice_is_submitted_only_when_every_finding_is() {
        let findings = [Submitted, Verified, InProgress, Returned];
        let ctx = TransitionContext::Notice {
            findings: &findings,
        };
        assert_eq!(
            transition(InProgress, &Action::Submit, Manager, &ctx),
            Err(TransitionError::FindingsNotSubmitted {
                pending: 2,
                state: InProgress,
                role: Manager
            })
        );
        let findings = [Submitted, Verified];
        let ctx = TransitionContext::Notice {
            findings: &findings,
        };
        assert_eq!(
            transition(Returned, &Action::Submit, Manager, &ctx),
            Ok(Submitted)
        );
    }

    #[test]
    fn a_notice_is_closed_only_when_every_finding_is_verified() {
        let findings = [Verified, Submitted];
        let ctx = TransitionContext::Notice {
            findings: &findings,
        };
        let refused = transition(Submitted, &Action::Close, Admin, &ctx);
        assert_eq!(
            refused,
            Err(TransitionError::FindingsNotVerified {
                pending: 1,
                state: Submitted,
                role: Admin
            })
        );
    }

    #[test]
    fn an_empty_notice_is_not_issued() {
        let ctx = TransitionContext::Notice { findings: &[] };
        assert_eq!(
            transition(Draft, &Action::Issue, Admin, &ctx),
            Err(TransitionError::NoFindings {
                state: Draft,
                role: Admin
            })
        );
    }

    #[test]
    fn a_send_back_needs_a_reason() {
        for subject in [Notice, Finding] {
            let refused = transition(
                Submitted,
                &Action::SendBack {
                    reason: " ".to_string(),
                },
                Admin,
                &satisfied(subject),
            );
            assert_eq!(
                refused,
                Err(TransitionError::MissingReason {
                    state: Submitted,
                    role: Admin
                })
            );
        }
    }

    #[test]
    fn a_send_back_reason_over_its_limit_or_with_a_nul_is_refused() {
        for reason in ["退".repeat(2001), "证据\u{0}不足".to_string()] {
            let refused = transition(
                Submitted,
                &Action::SendBack { reason },
                Admin,
                &satisfied(Finding),
            );
            let Err(TransitionError::Text(error)) = refused else {
                panic!("expected a text refusal, got {refused:?}");
            };
            assert_eq!(error.field(), TextField::TransitionComment);
        }
    }

    #[test]
    fn the_history_line_keeps_who_when_and_why() {
        let actor = UserId(Uuid::from_u128(7));
        let at = NaiveDate::from_ymd_opt(2025, 10, 15)
            .and_then(|day| day.and_hms_opt(9, 30, 0))
            .unwrap();
        let line = Transition::record(
            Submitted,
            &Action::SendBack {
                reason: "  证据不足，请补充阅卷笔录  ".to_string(),
            },
            actor,
            Admin,
            &satisfied(Finding),
            at,
        )
        .unwrap();
        assert_eq!(
            line,
            Transition {
                subject: Finding,
                from: Submitted,
                to: Returned,
                action: K::SendBack,
                actor,
                role: Admin,
                at,
                reason: Some("证据不足，请补充阅卷笔录".to_string()),
            }
        );
        let verified = Transition::record(
            Submitted,
            &Action::Verify {
                comment: Some(" ".to_string()),
            },
            actor,
            Admin,
            &satisfied(Finding),
            at,
        )
        .unwrap();
        assert_eq!(verified.reason, None);
    }

    #[test]
    fn states_round_trip_through_code_and_label() {
        for state in RectificationState::ALL {
            assert_eq!(state.code().parse(), Ok(state));
            assert_eq!(state.label().parse(), Ok(state));
        }
        assert!("逾期".parse::<RectificationState>().is_err());
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn deadlines_cross_month_ends_and_leap_years() {
        assert_eq!(deadline(date(2024, 1, 31), 30), Some(date(2024, 3, 1)));
        assert_eq!(deadline(date(2023, 1, 31), 30), Some(date(2023, 3, 2)));
        assert_eq!(deadline(date(2024, 2, 29), 365), Some(date(2025, 2, 28)));
        assert_eq!(deadline(date(2024, 2, 29), 366), Some(date(2025, 3, 1)));
        assert_eq!(deadline(date(2023, 12, 31), 1), Some(date(2024, 1, 1)));
        assert_eq!(deadline(date(2024, 2, 28), 1), Some(date(2024, 2, 29)));
        assert_eq!(deadline(date(2100, 2, 28), 1), Some(date(2100, 3, 1)));
        assert_eq!(deadline(date(2025, 10, 15), 0), Some(date(2025, 10, 15)));
        assert_eq!(deadline(NaiveDate::MAX, 1), None);
    }

    #[test]
    fn reminders_start_a_week_ahead_and_overdue_crosses_month_ends() {
        // Issued 2024-01-31 with 30 days: due 2024-03-01 in a leap year.
        let due = deadline(date(2024, 1, 31), 30).unwrap();
        assert_eq!(deadline_alert(InProgress, due, date(2024, 2, 22)), None);
        assert_eq!(
            deadline_alert(InProgress, due, date(2024, 2, 23)),
            Some(DeadlineAlert::Approaching(7))
        );
        assert_eq!(
            deadline_alert(Issued, due, date(2024, 2, 29)),
            Some(DeadlineAlert::Approaching(1))
        );
        assert_eq!(
            deadline_alert(Issued, due, due),
            Some(DeadlineAlert::Approaching(0))
        );
        assert_eq!(
            deadline_alert(Returned, due, date(2024, 3, 2)),
            Some(DeadlineAlert::Overdue(1))
        );
        assert_eq!(deadline_alert(Submitted, due, date(2024, 3, 2)), None);
        assert_eq!(deadline_alert(Draft, due, date(2024, 3, 2)), None);
        // The same issue date in a common year is due a day later.
        let due = deadline(date(2023, 1, 31), 30).unwrap();
        assert_eq!(due, date(2023, 3, 2));
        assert_eq!(
            deadline_alert(InProgress, due, date(2023, 3, 3)),
            Some(DeadlineAlert::Overdue(1))
        );
        // Across a year end: due 2025-01-14, overdue on 2025-01-15.
        let due = deadline(date(2024, 12, 15), 30).unwrap();
        assert_eq!(due, date(2025, 1, 14));
        assert_eq!(
            deadline_alert(InProgress, due, date(2025, 1, 15)),
            Some(DeadlineAlert::Overdue(1))
        );
        assert_eq!(deadline_alert(InProgress, due, date(2024, 12, 31)), None);
    }

    #[test]
    fn overdue_starts_the_day_after_the_deadline() {
        let due = date(2024, 3, 1);
        assert!(!is_overdue(InProgress, due, date(2024, 2, 29)));
        assert!(!is_overdue(InProgress, due, due));
        assert!(is_overdue(InProgress, due, date(2024, 3, 2)));
        assert!(is_overdue(Issued, due, date(2024, 3, 2)));
        assert!(is_overdue(Returned, due, date(2024, 3, 2)));
        assert!(!is_overdue(Submitted, due, date(2024, 3, 2)));
        assert!(!is_overdue(Verified, due, date(2024, 3, 2)));
        assert!(!is_overdue(Draft, due, date(2024, 3, 2)));
        assert_eq!(days_left(due, date(2024, 2, 28)), 2);
        assert_eq!(days_left(due, due), 0);
        assert_eq!(days_left(due, date(2024, 3, 4)), -3);
    }

    /// One step of a random session: which item (one of the findings, or the notice), which
    /// action, by whom, and whether the unit wrote measures or the bureau a reason. The role
    /// is usually the right one, so sessions get far enough to reach verification.
    #[derive(Debug, Clone)]
    struct Step {
        target: proptest::sample::Index,
        kind: ActionKind,
        role: Role,
        with_text: bool,
    }

    fn step() -> impl Strategy<Value = Step> {
        (
            any::<proptest::sample::Index>(),
            proptest::sample::select(ActionKind::ALL.to_vec()),
            proptest::option::weighted(0.15, proptest::sample::select(Role::ALL.to_vec())),
            proptest::bool::weighted(0.8),
        )
            .prop_map(|(target, kind, role, with_text)| Step {
                target,
                kind,
                role: role.unwrap_or(kind.allowed_role()),
                with_text,
            })
    }

    fn step_action(step: &Step) -> Action {
        let text = if step.with_text { "已整改" } else { "" };
        match step.kind {
            K::SendBack => Action::SendBack {
                reason: text.to_string(),
            },
            kind => action(kind),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn nothing_is_verified_before_it_was_submitted(
            finding_count in 1usize..4,
            steps in proptest::collection::vec(step(), 0..400),
        ) {
            let mut notice = Draft;
            let mut findings = vec![Draft; finding_count];
            for step in &steps {
                let action = step_action(step);
                let measures = if step.with_text { "已补正" } else { "" };
                let target = step.target.index(findings.len() + 1);
                match (target < findings.len()).then_some(target) {
                    None => {
                        let ctx = TransitionContext::Notice { findings: &findings };
                        if let Ok(to) = transition(notice, &action, step.role, &ctx) {
                            if to == Verified {
                                prop_assert_eq!(notice, Submitted);
                                prop_assert!(findings.iter().all(|finding| *finding == Verified));
                            }
                            notice = to;
                        }
                    }
                    Some(index) => {
                        let ctx = TransitionContext::Finding { measures };
                        let Some(finding) = findings.get_mut(index) else { continue };
                        if let Ok(to) = transition(*finding, &action, step.role, &ctx) {
                            if to == Verified {
                                prop_assert_eq!(*finding, Submitted);
                            }
                            *finding = to;
                        }
                    }
                }
                if notice == Verified {
                    prop_assert!(findings.iter().all(|finding| *finding == Verified));
                }
            }
        }

        #[test]
        fn deadline_counts_calendar_days(
            issued_on in (0i32..150_000).prop_map(|offset| date(1990, 1, 1) + chrono::Days::new(offset as u64)),
            days in 0u32..800,
        ) {
            // An independent oracle: walk the calendar one day at a time.
            let mut walked = issued_on;
            for _ in 0..days {
                walked = walked.succ_opt().unwrap();
            }
            let due = deadline(issued_on, days).unwrap();
            prop_assert_eq!(due, walked);
            prop_assert_eq!(days_left(due, issued_on), i64::from(days));
            for state in RectificationState::ALL {
                prop_assert!(!is_overdue(state, due, due));
                prop_assert_eq!(is_overdue(state, due, due.succ_opt().unwrap()), state.deadline_runs());
            }
        }
    }

    #[test]
    fn an_open_objection_stops_the_clock_and_its_days_are_given_back() {
        let due = date(2025, 3, 10);
        assert_eq!(deadline_under_objection(due, true, 4), None);
        assert_eq!(deadline_under_objection(due, false, 0), Some(due));
        let extended = deadline_under_objection(due, false, 4).unwrap();
        assert_eq!(extended, date(2025, 3, 14));
        assert!(!is_overdue(
            RectificationState::InProgress,
            extended,
            date(2025, 3, 12)
        ));
        assert!(is_overdue(
            RectificationState::InProgress,
            extended,
            date(2025, 3, 15)
        ));
    }
}
