//! The life of one score sheet (评分表): who may save, submit, return, reopen or close it by
//! 合议, from which state, and what each step requires. Pure: storage loads the sheet, asks
//! here, and writes the new state, the next version and the audit rows in one transaction.
//!
//! A submitted sheet is locked: its answers change only after a team leader returns it or an
//! administrator reopens it, and both leave their comment or reason on the sheet.

use super::answers::{IndicatorMark, Mark, ScoringError, SheetAnswers, check_texts};
use super::engine::score;
use crate::domain::people::Role;
use crate::domain::rubric::Rubric;
use crate::domain::text_limits::TextField;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a sheet is in its life; the comment or reason travels with the state that needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SheetState {
    /// 草稿: the reviewer is still scoring.
    Draft,
    /// 已提交: locked; counts towards the file's result.
    Submitted,
    /// 退回: the team leader sent it back; editable again, the comment stays on the form.
    Returned { comment: String },
    /// 重新开放: an administrator unlocked it; editable again, the reason is kept.
    Reopened { reason: String },
    /// 已合议: the file's result was decided by 合议; the sheet is final.
    Reconciled,
}

impl SheetState {
    /// The state without its text, as storage keeps it in one column.
    pub fn status(&self) -> SheetStatus {
        match self {
            SheetState::Draft => SheetStatus::Draft,
            SheetState::Submitted => SheetStatus::Submitted,
            SheetState::Returned { .. } => SheetStatus::Returned,
            SheetState::Reopened { .. } => SheetStatus::Reopened,
            SheetState::Reconciled => SheetStatus::Reconciled,
        }
    }

    /// Whether the assigned reviewer may change the answers.
    pub fn is_editable(&self) -> bool {
        self.status().is_editable()
    }
}

/// A sheet's state without its text: the stored status column and the page's badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetStatus {
    Draft,
    Submitted,
    Returned,
    Reopened,
    Reconciled,
}

impl SheetStatus {
    pub const ALL: [SheetStatus; 5] = [
        SheetStatus::Draft,
        SheetStatus::Submitted,
        SheetStatus::Returned,
        SheetStatus::Reopened,
        SheetStatus::Reconciled,
    ];

    /// The stable identifier used in storage.
    pub fn code(self) -> &'static str {
        match self {
            SheetStatus::Draft => "draft",
            SheetStatus::Submitted => "submitted",
            SheetStatus::Returned => "returned",
            SheetStatus::Reopened => "reopened",
            SheetStatus::Reconciled => "reconciled",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            SheetStatus::Draft => "草稿",
            SheetStatus::Submitted => "已提交",
            SheetStatus::Returned => "退回",
            SheetStatus::Reopened => "重新开放",
            SheetStatus::Reconciled => "已合议",
        }
    }

    /// Reads a stored code back.
    pub fn from_code(code: &str) -> Option<SheetStatus> {
        SheetStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    /// Draft, returned and reopened sheets are open to their reviewer; the others are locked.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            SheetStatus::Draft | SheetStatus::Returned | SheetStatus::Reopened
        )
    }
}

display_by_label!(SheetStatus);

/// Something a user asks to do to a sheet, with what that step needs.
#[derive(Debug, Clone, Copy)]
pub enum SheetAction<'a> {
    /// Save the answers as they are; incomplete answers are fine in a draft.
    SaveDraft { answers: &'a SheetAnswers },
    /// Submit and lock; the answers must score against the round's rubric snapshot.
    Submit {
        rubric: &'a Rubric,
        answers: &'a SheetAnswers,
    },
    /// The team leader sends a submitted sheet back to its reviewer.
    Return { comment: &'a str },
    /// An administrator unlocks a submitted or reconciled sheet.
    Reopen { reason: &'a str },
    /// The team leader closes a submitted sheet once 合议 has decided the file.
    Reconcile,
}

impl SheetAction<'_> {
    pub fn kind(&self) -> SheetActionKind {
        match self {
            SheetAction::SaveDraft { .. } => SheetActionKind::SaveDraft,
            SheetAction::Submit { .. } => SheetActionKind::Submit,
            SheetAction::Return { .. } => SheetActionKind::Return,
            SheetAction::Reopen { .. } => SheetActionKind::Reopen,
            SheetAction::Reconcile => SheetActionKind::Reconcile,
        }
    }
}

/// An action without its data: for errors, audit rows and the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetActionKind {
    SaveDraft,
    Submit,
    Return,
    Reopen,
    Reconcile,
}

impl SheetActionKind {
    pub const ALL: [SheetActionKind; 5] = [
        SheetActionKind::SaveDraft,
        SheetActionKind::Submit,
        SheetActionKind::Return,
        SheetActionKind::Reopen,
        SheetActionKind::Reconcile,
    ];

    /// The stable identifier used in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            SheetActionKind::SaveDraft => "save_draft",
            SheetActionKind::Submit => "submit",
            SheetActionKind::Return => "return",
            SheetActionKind::Reopen => "reopen",
            SheetActionKind::Reconcile => "reconcile",
        }
    }

    /// The verb users read: "不能{verb}".
    pub fn verb(self) -> &'static str {
        match self {
            SheetActionKind::SaveDraft => "保存评分表",
            SheetActionKind::Submit => "提交评分表",
            SheetActionKind::Return => "退回评分表",
            SheetActionKind::Reopen => "重新开放评分表",
            SheetActionKind::Reconcile => "以合议结果确定评分表",
        }
    }

    /// Who may take this step.
    pub fn duty(self) -> Duty {
        match self {
            SheetActionKind::SaveDraft | SheetActionKind::Submit => Duty::AssignedReviewer,
            SheetActionKind::Return | SheetActionKind::Reconcile => Duty::TeamLeader,
            SheetActionKind::Reopen => Duty::BureauAdmin,
        }
    }

    /// The states this step may start from.
    pub fn allowed_from(self) -> &'static [SheetStatus] {
        match self {
            SheetActionKind::SaveDraft | SheetActionKind::Submit => &[
                SheetStatus::Draft,
                SheetStatus::Returned,
                SheetStatus::Reopened,
            ],
            SheetActionKind::Return | SheetActionKind::Reconcile => &[SheetStatus::Submitted],
            SheetActionKind::Reopen => &[SheetStatus::Submitted, SheetStatus::Reconciled],
        }
    }
}

/// The duty an action needs from the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// A reviewer account assigned to this file's sheet.
    AssignedReviewer,
    /// A reviewer account leading the team that holds the file.
    TeamLeader,
    /// 管理员.
    BureauAdmin,
}

impl Duty {
    pub fn label(self) -> &'static str {
        match self {
            Duty::AssignedReviewer => "分配到本案卷的评查员本人",
            Duty::TeamLeader => "本组组长",
            Duty::BureauAdmin => "管理员",
        }
    }
}

/// Who is asking, as the web layer knows them for this sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetActor {
    pub role: Role,
    /// The sheet is this person's own (the assignment placed them on the file).
    pub is_assigned_reviewer: bool,
    /// This person leads the team the file belongs to in this round.
    pub is_team_leader: bool,
}

impl SheetActor {
    /// Whether the actor holds a duty. Team leader is a duty of a reviewer account, never of
    /// an administrator's, so roles and duties cannot be mixed up by the caller.
    pub fn holds(self, duty: Duty) -> bool {
        match duty {
            Duty::AssignedReviewer => self.role == Role::Reviewer && self.is_assigned_reviewer,
            Duty::TeamLeader => self.role == Role::Reviewer && self.is_team_leader,
            Duty::BureauAdmin => self.role == Role::BureauAdmin,
        }
    }
}

/// Why a step on a sheet was refused. Each variant carries the facts; `Display` is the
/// sentence the user reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("只有{}可以{}", .needed.label(), .action.verb())]
    NotPermitted {
        action: SheetActionKind,
        needed: Duty,
        role: Role,
    },
    #[error("评分表{}，不能{}", state_phrase(*.state), .action.verb())]
    WrongState {
        action: SheetActionKind,
        state: SheetStatus,
    },
    #[error("退回评分表时必须填写退回意见")]
    CommentRequired,
    #[error("重新开放评分表时必须填写原因")]
    ReasonRequired,
    #[error("评分表尚未填写完整，不能提交：\n{0}")]
    Incomplete(ScoringError),
    /// A text on the sheet is over its limit or holds a control character.
    #[error("{0}")]
    Text(String),
    #[error(
        "保存未成功：您打开这份评分表后，有人（可能是您在另一个窗口）已保存了新的内容\
         （当前为第 {stored} 版，您的页面基于第 {presented} 版）。您填写的内容仍保留在本页，\
         没有丢失；请在新窗口中打开评分表查看最新内容，核对后再保存。"
    )]
    StaleVersion { stored: i64, presented: i64 },
}

fn state_phrase(state: SheetStatus) -> &'static str {
    match state {
        SheetStatus::Draft => "尚未提交",
        SheetStatus::Submitted => "已提交并锁定",
        SheetStatus::Returned => "已退回评查员修改",
        SheetStatus::Reopened => "已重新开放修改",
        SheetStatus::Reconciled => "已按合议结果确定",
    }
}

/// Decides the state a sheet moves to, or why it may not.
///
/// Checks run in a fixed order: the actor's duty, then the starting state, then what the step
/// needs (a comment, a reason, answers that score). Saving a draft keeps the state, so a
/// returned sheet still shows the leader's comment until it is submitted again.
pub fn sheet_transition(
    state: &SheetState,
    action: SheetAction<'_>,
    actor: SheetActor,
) -> Result<SheetState, SheetError> {
    let kind = action.kind();
    let needed = kind.duty();
    if !actor.holds(needed) {
        return Err(SheetError::NotPermitted {
            action: kind,
            needed,
            role: actor.role,
        });
    }
    let status = state.status();
    if !kind.allowed_from().contains(&status) {
        return Err(SheetError::WrongState {
            action: kind,
            state: status,
        });
    }
    match action {
        SheetAction::SaveDraft { answers } => {
            check_texts(answers).map_err(|error| SheetError::Text(error.to_string()))?;
            Ok(state.clone())
        }
        SheetAction::Submit { rubric, answers } => {
            check_texts(answers).map_err(|error| SheetError::Text(error.to_string()))?;
            score(rubric, answers).map_err(SheetError::Incomplete)?;
            Ok(SheetState::Submitted)
        }
        SheetAction::Return { comment } => {
            let comment = required_text(comment).ok_or(SheetError::CommentRequired)?;
            TextField::ReturnComment
                .check(&comment)
                .map_err(|error| SheetError::Text(error.to_string()))?;
            Ok(SheetState::Returned { comment })
        }
        SheetAction::Reopen { reason } => {
            let reason = required_text(reason).ok_or(SheetError::ReasonRequired)?;
            TextField::ReopenReason
                .check(&reason)
                .map_err(|error| SheetError::Text(error.to_string()))?;
            Ok(SheetState::Reopened { reason })
        }
        SheetAction::Reconcile => Ok(SheetState::Reconciled),
    }
}

fn required_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Refuses a save made from a page older than the stored sheet.
///
/// Every successful step stores `version + 1`; the page sends back the version it was
/// rendered from. Any difference, ahead or behind, means the page did not see the latest
/// save, so nothing is written and the user's input stays on their page.
pub fn check_version(stored: i64, presented: i64) -> Result<(), SheetError> {
    if stored == presented {
        Ok(())
    } else {
        Err(SheetError::StaleVersion { stored, presented })
    }
}

/// A stored sheet: its state, its version for optimistic concurrency, and its answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreSheet {
    pub state: SheetState,
    pub version: i64,
    pub answers: SheetAnswers,
}

/// What one accepted step does to a sheet; storage writes all of it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetUpdate {
    pub action: SheetActionKind,
    pub sheet: ScoreSheet,
    /// For the audit trail: every answer that differs from before (empty when none did).
    pub changes: Vec<AnswerChange>,
}

impl ScoreSheet {
    /// A new, empty draft.
    pub fn new_draft() -> ScoreSheet {
        ScoreSheet {
            state: SheetState::Draft,
            version: 1,
            answers: SheetAnswers::default(),
        }
    }

    /// Checks the version, then the transition, and returns the sheet as it must be stored.
    ///
    /// Only saving and submitting replace the answers; returning, reopening and 合议 leave
    /// them as the reviewer submitted them.
    pub fn apply(
        &self,
        presented_version: i64,
        action: SheetAction<'_>,
        actor: SheetActor,
    ) -> Result<SheetUpdate, SheetError> {
        check_version(self.version, presented_version)?;
        let state = sheet_transition(&self.state, action, actor)?;
        let answers = match action {
            SheetAction::SaveDraft { answers } | SheetAction::Submit { answers, .. } => {
                answers.clone()
            }
            SheetAction::Return { .. } | SheetAction::Reopen { .. } | SheetAction::Reconcile => {
                self.answers.clone()
            }
        };
        let changes = answer_changes(&self.answers, &answers);
        Ok(SheetUpdate {
            action: action.kind(),
            sheet: ScoreSheet {
                state,
                version: self.version.saturating_add(1),
                answers,
            },
            changes,
        })
    }
}

/// Which part of a sheet an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerPart {
    Item,
    Veto,
    Indicator,
    /// The indicator method's overall grade; its code is empty.
    OverallGrade,
}

/// One answer as the audit trail records it: readable, and serialisable as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerValue {
    /// "扣分", "3 处", "扣 2.5 分", "不适用", an indicator grade, "否决" or an overall grade.
    pub mark: String,
    pub reason: String,
    #[serde(default, alias = "page")]
    pub pages: crate::domain::citation::Citation,
}

/// One answer that differs between two versions of a sheet. `None` means not answered,
/// which for an item is full marks and for a veto is not triggered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerChange {
    pub part: AnswerPart,
    pub code: String,
    pub before: Option<AnswerValue>,
    pub after: Option<AnswerValue>,
}

/// Lists, per item, veto, indicator and the overall grade, what changed between two versions
/// of a sheet, ordered by part and code.
///
/// An item marked 不扣分 with no reason and no page is the same as no answer, so a form that
/// posts every item does not fill the audit trail with empty changes. When a code is answered
/// twice (possible in a draft) the first answer counts, as it does for the form.
pub fn answer_changes(before: &SheetAnswers, after: &SheetAnswers) -> Vec<AnswerChange> {
    let before = answer_values(before);
    let after = answer_values(after);
    let mut keys: Vec<&(AnswerPart, String)> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let old = before.get(key);
            let new = after.get(key);
            (old != new).then(|| AnswerChange {
                part: key.0,
                code: key.1.clone(),
                before: old.cloned(),
                after: new.cloned(),
            })
        })
        .collect()
}

fn answer_values(answers: &SheetAnswers) -> BTreeMap<(AnswerPart, String), AnswerValue> {
    let mut values = BTreeMap::new();
    for item in &answers.items {
        let blank = item.mark == Mark::NoDeduction
            && item.reason.trim().is_empty()
            && item.pages.is_empty();
        if !blank {
            values
                .entry((AnswerPart::Item, item.code.clone()))
                .or_insert_with(|| AnswerValue {
                    mark: mark_text(item.mark),
                    reason: item.reason.trim().to_string(),
                    pages: item.pages.clone(),
                });
        }
    }
    for veto in &answers.vetoes {
        values
            .entry((AnswerPart::Veto, veto.code.clone()))
            .or_insert_with(|| AnswerValue {
                mark: "否决".to_string(),
                reason: veto.reason.trim().to_string(),
                pages: veto.pages.clone(),
            });
    }
    for indicator in &answers.indicators {
        let mark = match &indicator.grade {
            IndicatorMark::Graded(grade) => grade.clone(),
            IndicatorMark::NotApplicable => "不适用".to_string(),
        };
        values
            .entry((AnswerPart::Indicator, indicator.code.clone()))
            .or_insert_with(|| AnswerValue {
                mark,
                reason: indicator.reason.trim().to_string(),
                pages: indicator.pages.clone(),
            });
    }
    if let Some(grade) = &answers.overall_grade {
        values.insert(
            (AnswerPart::OverallGrade, String::new()),
            AnswerValue {
                mark: grade.clone(),
                reason: String::new(),
                pages: crate::domain::citation::Citation::default(),
            },
        );
    }
    values
}

fn mark_text(mark: Mark) -> String {
    match mark {
        Mark::NoDeduction => "不扣分".to_string(),
        Mark::Applied => "扣分".to_string(),
        Mark::Occurrences(count) => format!("{count} 处"),
        Mark::Points(points) => format!("扣 {points} 分"),
        Mark::NotApplicable => "不适用".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rubric::Points;
    use crate::domain::scoring::answers::{ItemAnswer, VetoAnswer};
    use crate::domain::scoring::tests::{answer, small};
    use proptest::prelude::*;

    fn states() -> Vec<SheetState> {
        vec![
            SheetState::Draft,
            SheetState::Submitted,
            SheetState::Returned {
                comment: "C2 扣分理由不充分".to_string(),
            },
            SheetState::Reopened {
                reason: "单位申诉，复核".to_string(),
            },
            SheetState::Reconciled,
        ]
    }

    fn actors() -> Vec<SheetActor> {
        let mut actors = Vec::new();
        for role in Role::ALL {
            for is_assigned_reviewer in [false, true] {
                for is_team_leader in [false, true] {
                    actors.push(SheetActor {
                        role,
                        is_assigned_reviewer,
                        is_team_leader,
                    });
                }
            }
        }
        actors
    }

    fn valid_answers() -> SheetAnswers {
        SheetAnswers {
            items: vec![answer("A1", Mark::Applied)],
            ..SheetAnswers::default()
        }
    }

    fn action<'a>(
        kind: SheetActionKind,
        rubric: &'a Rubric,
        answers: &'a SheetAnswers,
    ) -> SheetAction<'a> {
        match kind {
            SheetActionKind::SaveDraft => SheetAction::SaveDraft { answers },
            SheetActionKind::Submit => SheetAction::Submit { rubric, answers },
            SheetActionKind::Return => SheetAction::Return {
                comment: "  请补充扣分页码 ",
            },
            SheetActionKind::Reopen => SheetAction::Reopen {
                reason: "单位对 C2 扣分提出异议",
            },
            SheetActionKind::Reconcile => SheetAction::Reconcile,
        }
    }

    /// Written out by hand, apart from the code under test: who may take each step.
    fn may_act(kind: SheetActionKind, actor: SheetActor) -> bool {
        match kind {
            SheetActionKind::SaveDraft | SheetActionKind::Submit => {
                actor.role == Role::Reviewer && actor.is_assigned_reviewer
            }
            SheetActionKind::Return | SheetActionKind::Reconcile => {
                actor.role == Role::Reviewer && actor.is_team_leader
            }
            SheetActionKind::Reopen => actor.role == Role::BureauAdmin,
        }
    }

    /// Written out by hand: every allowed (from, step) and where it leads.
    fn expected_state(from: &SheetState, kind: SheetActionKind) -> Option<SheetState> {
        use SheetActionKind as A;
        match (from, kind) {
            (
                SheetState::Draft | SheetState::Returned { .. } | SheetState::Reopened { .. },
                A::SaveDraft,
            ) => Some(from.clone()),
            (
                SheetState::Draft | SheetState::Returned { .. } | SheetState::Reopened { .. },
                A::Submit,
            ) => Some(SheetState::Submitted),
            (SheetState::Submitted, A::Return) => Some(SheetState::Returned {
                comment: "请补充扣分页码".to_string(),
            }),
            (SheetState::Submitted | SheetState::Reconciled, A::Reopen) => {
                Some(SheetState::Reopened {
                    reason: "单位对 C2 扣分提出异议".to_string(),
                })
            }
            (SheetState::Submitted, A::Reconcile) => Some(SheetState::Reconciled),
            _ => None,
        }
    }

    #[test]
    fn the_whole_transition_matrix() {
        let rubric = small();
        let answers = valid_answers();
        let mut allowed = 0;
        let mut cases = 0;
        for state in states() {
            for kind in SheetActionKind::ALL {
                for actor in actors() {
                    cases += 1;
                    let got = sheet_transition(&state, action(kind, &rubric, &answers), actor);
                    let expected = if !may_act(kind, actor) {
                        Err(SheetError::NotPermitted {
                            action: kind,
                            needed: kind.duty(),
                            role: actor.role,
                        })
                    } else {
                        expected_state(&state, kind).ok_or(SheetError::WrongState {
                            action: kind,
                            state: state.status(),
                        })
                    };
                    assert_eq!(got, expected, "{state:?} {kind:?} {actor:?}");
                    match &got {
                        Ok(_) => allowed += 1,
                        Err(error) => assert!(!error.to_string().is_empty()),
                    }
                }
            }
        }
        assert_eq!(cases, 5 * 5 * 16);
        // Reviewer steps: 3 states × 2 steps × 2 actors (leader or not); leader steps: 2
        // (Return, Reconcile) × 2 actors (assigned or not); Reopen: 2 states × 4 admin actors.
        assert_eq!(allowed, 3 * 2 * 2 + 2 * 2 + 2 * 4);
    }

    #[test]
    fn refusals_read_as_sentences() {
        let refused = SheetError::NotPermitted {
            action: SheetActionKind::Submit,
            needed: Duty::AssignedReviewer,
            role: Role::Reviewer,
        };
        assert_eq!(
            refused.to_string(),
            "只有分配到本案卷的评查员本人可以提交评分表"
        );
        let locked = SheetError::WrongState {
            action: SheetActionKind::SaveDraft,
            state: SheetStatus::Submitted,
        };
        assert_eq!(locked.to_string(), "评分表已提交并锁定，不能保存评分表");
        let stale = check_version(4, 3).unwrap_err();
        let text = stale.to_string();
        assert!(
            text.contains("第 4 版") && text.contains("第 3 版"),
            "{text}"
        );
        assert!(text.contains("仍保留在本页"), "{text}");
    }

    const REVIEWER: SheetActor = SheetActor {
        role: Role::Reviewer,
        is_assigned_reviewer: true,
        is_team_leader: false,
    };
    const LEADER: SheetActor = SheetActor {
        role: Role::Reviewer,
        is_assigned_reviewer: false,
        is_team_leader: true,
    };
    const ADMIN: SheetActor = SheetActor {
        role: Role::BureauAdmin,
        is_assigned_reviewer: false,
        is_team_leader: false,
    };

    #[test]
    fn return_and_reopen_need_text() {
        for comment in ["", "   ", "\n\t"] {
            assert_eq!(
                sheet_transition(
                    &SheetState::Submitted,
                    SheetAction::Return { comment },
                    LEADER
                ),
                Err(SheetError::CommentRequired)
            );
            assert_eq!(
                sheet_transition(
                    &SheetState::Reconciled,
                    SheetAction::Reopen { reason: comment },
                    ADMIN
                ),
                Err(SheetError::ReasonRequired)
            );
        }
    }

    #[test]
    fn submit_refuses_answers_that_do_not_score() {
        let rubric = small();
        let no_reason = SheetAnswers {
            items: vec![ItemAnswer {
                reason: " ".to_string(),
                ..answer("B1", Mark::Points(Points::whole(3)))
            }],
            ..SheetAnswers::default()
        };
        let veto_without_reason = SheetAnswers {
            vetoes: vec![VetoAnswer {
                code: "V1".to_string(),
                reason: String::new(),
                pages: crate::domain::citation::Citation::default(),
            }],
            ..SheetAnswers::default()
        };
        for answers in [&no_reason, &veto_without_reason] {
            let refused = sheet_transition(
                &SheetState::Draft,
                SheetAction::Submit {
                    rubric: &rubric,
                    answers,
                },
                REVIEWER,
            );
            let Err(SheetError::Incomplete(error)) = refused else {
                panic!("expected Incomplete, got {refused:?}");
            };
            assert!(error.to_string().contains("必须填写理由"), "{error}");
        }
        // A draft may hold the same answers.
        assert_eq!(
            sheet_transition(
                &SheetState::Draft,
                SheetAction::SaveDraft {
                    answers: &no_reason
                },
                REVIEWER
            ),
            Ok(SheetState::Draft)
        );
    }

    #[test]
    fn the_flow_draft_submit_return_resubmit_reopen() {
        let rubric = small();
        let first = valid_answers();
        let sheet = ScoreSheet::new_draft();
        let saved = sheet
            .apply(1, SheetAction::SaveDraft { answers: &first }, REVIEWER)
            .unwrap();
        assert_eq!(saved.sheet.version, 2);
        assert_eq!(saved.changes.len(), 1);
        let submitted = saved
            .sheet
            .apply(
                2,
                SheetAction::Submit {
                    rubric: &rubric,
                    answers: &first,
                },
                REVIEWER,
            )
            .unwrap();
        assert_eq!(submitted.sheet.state, SheetState::Submitted);
        assert!(submitted.changes.is_empty());
        let returned = submitted
            .sheet
            .apply(
                3,
                SheetAction::Return {
                    comment: "A1 请注明页码",
                },
                LEADER,
            )
            .unwrap();
        assert_eq!(returned.sheet.answers, first);
        let mut second = first.clone();
        second.items[0].pages = crate::domain::citation::Citation::page(7);
        let resubmitted = returned
            .sheet
            .apply(
                4,
                SheetAction::Submit {
                    rubric: &rubric,
                    answers: &second,
                },
                REVIEWER,
            )
            .unwrap();
        assert_eq!(resubmitted.sheet.version, 5);
        assert_eq!(resubmitted.changes.len(), 1);
        assert_eq!(
            resubmitted
                .sheet
                .apply(4, SheetAction::Reopen { reason: "申诉" }, ADMIN),
            Err(SheetError::StaleVersion {
                stored: 5,
                presented: 4
            })
        );
        let reopened = resubmitted
            .sheet
            .apply(5, SheetAction::Reopen { reason: "申诉" }, ADMIN)
            .unwrap();
        assert_eq!(
            reopened.sheet.state,
            SheetState::Reopened {
                reason: "申诉".to_string()
            }
        );
    }

    #[test]
    fn answer_changes_lists_before_and_after() {
        let before = SheetAnswers {
            items: vec![
                answer("A1", Mark::Applied),
                ItemAnswer {
                    reason: String::new(),
                    pages: crate::domain::citation::Citation::default(),
                    ..answer("B1", Mark::NoDeduction)
                },
            ],
            ..SheetAnswers::default()
        };
        assert!(answer_changes(&before, &before).is_empty());
        // A blank 不扣分 is the same as no answer.
        let without_blank = SheetAnswers {
            items: vec![answer("A1", Mark::Applied)],
            ..SheetAnswers::default()
        };
        assert!(answer_changes(&before, &without_blank).is_empty());
        let after = SheetAnswers {
            items: vec![answer("A2", Mark::Occurrences(3))],
            vetoes: vec![VetoAnswer {
                code: "V1".to_string(),
                reason: "回访查实收费".to_string(),
                pages: crate::domain::citation::Citation::page(40),
            }],
            ..SheetAnswers::default()
        };
        let changes = answer_changes(&before, &after);
        let summary: Vec<(AnswerPart, &str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|change| {
                (
                    change.part,
                    change.code.as_str(),
                    change.before.as_ref().map(|value| value.mark.as_str()),
                    change.after.as_ref().map(|value| value.mark.as_str()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (AnswerPart::Item, "A1", Some("扣分"), None),
                (AnswerPart::Item, "A2", None, Some("3 处")),
                (AnswerPart::Veto, "V1", None, Some("否决")),
            ]
        );
    }

    #[test]
    fn status_codes_round_trip() {
        for status in SheetStatus::ALL {
            assert_eq!(SheetStatus::from_code(status.code()), Some(status));
        }
        for state in states() {
            assert_eq!(state.is_editable(), state.status().is_editable());
        }
    }

    fn any_actor() -> impl Strategy<Value = SheetActor> {
        (0..Role::ALL.len(), any::<bool>(), any::<bool>()).prop_map(
            |(role, is_assigned_reviewer, is_team_leader)| SheetActor {
                role: Role::ALL[role],
                is_assigned_reviewer,
                is_team_leader,
            },
        )
    }

    fn any_answers() -> impl Strategy<Value = SheetAnswers> {
        let codes = ["A1", "A2", "B1", "B2", "B3", "X9"];
        prop::collection::vec((0..codes.len(), 0u8..5, 0u32..8, any::<bool>()), 0..6).prop_map(
            move |entries| SheetAnswers {
                items: entries
                    .into_iter()
                    .map(|(code, mark, size, reason)| ItemAnswer {
                        code: codes[code].to_string(),
                        mark: match mark {
                            0 => Mark::NoDeduction,
                            1 => Mark::Applied,
                            2 => Mark::Occurrences(size),
                            3 => Mark::Points(Points::from_tenths(
                                i32::try_from(size).unwrap_or(0) * 10,
                            )),
                            _ => Mark::NotApplicable,
                        },
                        reason: if reason {
                            "卷内未见".to_string()
                        } else {
                            String::new()
                        },
                        pages: crate::domain::citation::Citation::default(),
                    })
                    .collect(),
                ..SheetAnswers::default()
            },
        )
    }

    fn any_kind() -> impl Strategy<Value = SheetActionKind> {
        (0..SheetActionKind::ALL.len()).prop_map(|index| SheetActionKind::ALL[index])
    }

    proptest! {
        #[test]
        fn a_locked_sheet_changes_only_by_return_reopen_or_reconcile(
            locked in prop_oneof![Just(SheetState::Submitted), Just(SheetState::Reconciled)],
            stored in any_answers(),
            offered in any_answers(),
            kind in any_kind(),
            actor in any_actor(),
            text in "[ 组长意见]{0,6}",
            version in 1i64..1000,
        ) {
            let rubric = small();
            let sheet = ScoreSheet { state: locked.clone(), version, answers: stored.clone() };
            let action = match kind {
                SheetActionKind::SaveDraft => SheetAction::SaveDraft { answers: &offered },
                SheetActionKind::Submit => SheetAction::Submit { rubric: &rubric, answers: &offered },
                SheetActionKind::Return => SheetAction::Return { comment: &text },
                SheetActionKind::Reopen => SheetAction::Reopen { reason: &text },
                SheetActionKind::Reconcile => SheetAction::Reconcile,
            };
            match sheet.apply(version, action, actor) {
                Ok(update) => {
                    prop_assert!(matches!(
                        (kind, &locked),
                        (SheetActionKind::Return | SheetActionKind::Reconcile, SheetState::Submitted)
                            | (SheetActionKind::Reopen, _)
                    ));
                    prop_assert_eq!(update.sheet.answers, stored);
                    prop_assert!(update.changes.is_empty());
                    prop_assert_eq!(update.sheet.version, version + 1);
                }
                Err(error) => prop_assert!(!error.to_string().is_empty()),
            }
        }

        #[test]
        fn stale_versions_are_always_refused(
            stored in any::<i64>(),
            presented in any::<i64>(),
            state_index in 0usize..5,
            kind in any_kind(),
            actor in any_actor(),
            answers in any_answers(),
        ) {
            prop_assume!(stored != presented);
            prop_assert_eq!(
                check_version(stored, presented),
                Err(SheetError::StaleVersion { stored, presented })
            );
            prop_assert_eq!(check_version(stored, stored), Ok(()));
            let rubric = small();
            let sheet = ScoreSheet {
                state: states()[state_index].clone(),
                version: stored,
                answers: SheetAnswers::default(),
            };
            prop_assert_eq!(
                sheet.apply(presented, action(kind, &rubric, &answers), actor),
                Err(SheetError::StaleVersion { stored, presented })
            );
        }
    }
}
