//! Which buttons the score form, the team's review and the 合议 pages show: one function per
//! page over the sheet's or the file's state, the caller's part and the round's status
//! ([`crate::domain::round_actions`]), so no page re-derives them.

use crate::domain::round::RoundStatus;
use crate::domain::round_actions::{RoundAction, check};
use crate::domain::scoring::sheet::SheetStatus;

fn round_allows(round: RoundStatus, action: RoundAction) -> bool {
    check(round, action).is_ok()
}

/// The score form's actions for its assigned reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SheetActions {
    /// Save the draft and submit.
    pub edit: bool,
}

/// The score form's actions: the reviewer edits a sheet in an editable state while the
/// round allows scoring.
pub fn sheet_actions(round: RoundStatus, sheet: SheetStatus) -> SheetActions {
    SheetActions {
        edit: sheet.is_editable() && round_allows(round, RoundAction::ScoreSheet),
    }
}

/// The team review page's actions on one review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewActions {
    /// The leader returns a submitted sheet to its reviewer.
    pub send_back: bool,
}

/// The leader may return a submitted sheet while the round allows it.
pub fn review_actions(round: RoundStatus, sheet: Option<SheetStatus>) -> ReviewActions {
    ReviewActions {
        send_back: sheet == Some(SheetStatus::Submitted)
            && round_allows(round, RoundAction::ReturnSheet),
    }
}

/// The 合议 queue's actions for the team's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TeamActions {
    /// Approve the team's results: every file final, not yet approved, round allows it.
    pub approve: bool,
}

pub fn team_actions(
    round: RoundStatus,
    files: usize,
    finals: usize,
    approved: bool,
) -> TeamActions {
    TeamActions {
        approve: files > 0
            && finals == files
            && !approved
            && round_allows(round, RoundAction::Reconcile),
    }
}

/// The 合议 form's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReconcileActions {
    /// Record the 合议: the reviews disagree and the round allows it.
    pub decide: bool,
}

pub fn reconcile_actions(round: RoundStatus, disagreement: bool) -> ReconcileActions {
    ReconcileActions {
        decide: disagreement && round_allows(round, RoundAction::Reconcile),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_write_button_in_a_round_that_forbids_the_write() {
        assert!(sheet_actions(RoundStatus::Reviewing, SheetStatus::Draft).edit);
        assert!(!sheet_actions(RoundStatus::Feedback, SheetStatus::Draft).edit);
        assert!(!sheet_actions(RoundStatus::Reviewing, SheetStatus::Submitted).edit);
        assert!(team_actions(RoundStatus::Reviewing, 2, 2, false).approve);
        assert!(!team_actions(RoundStatus::Reviewing, 2, 1, false).approve);
        assert!(!team_actions(RoundStatus::Reviewing, 0, 0, false).approve);
        assert!(!team_actions(RoundStatus::Reviewing, 2, 2, true).approve);
        assert!(!team_actions(RoundStatus::Closed, 2, 2, false).approve);
        assert!(reconcile_actions(RoundStatus::Reviewing, true).decide);
        assert!(!reconcile_actions(RoundStatus::Feedback, true).decide);
        assert!(review_actions(RoundStatus::Reviewing, Some(SheetStatus::Submitted)).send_back);
        assert!(!review_actions(RoundStatus::Reviewing, Some(SheetStatus::Draft)).send_back);
    }
}

/// Whether a viewer may see another reviewer's sheet of a file (its total, grade or
/// answers): not while the viewer is one of the file's reviewers and has not submitted their
/// own sheet, so a team leader who is a file's other reviewer scores it unprompted.
/// `own` is the viewer's own sheet's status on the file (`None`: not started).
pub fn sees_co_reviews(viewer_reviews_file: bool, own: Option<SheetStatus>) -> bool {
    !viewer_reviews_file || matches!(own, Some(SheetStatus::Submitted | SheetStatus::Reconciled))
}

#[cfg(test)]
mod co_review_tests {
    use super::*;

    #[test]
    fn a_reviewer_sees_co_reviews_only_after_submitting() {
        assert!(sees_co_reviews(false, None));
        assert!(!sees_co_reviews(true, None));
        assert!(!sees_co_reviews(true, Some(SheetStatus::Draft)));
        assert!(!sees_co_reviews(true, Some(SheetStatus::Returned)));
        assert!(!sees_co_reviews(true, Some(SheetStatus::Reopened)));
        assert!(sees_co_reviews(true, Some(SheetStatus::Submitted)));
        assert!(sees_co_reviews(true, Some(SheetStatus::Reconciled)));
    }
}
