//! Which write buttons the round pages draw: one decision per page, from the round's status
//! (the round-state rule, [`crate::domain::round_actions`]) and the viewer's role, so that no
//! page offers a write its round forbids (a closed 结束 round draws no edit, sampling or team
//! buttons) and no handler re-derives the rule.

use crate::domain::people::Role;
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::{RoundAction, check};

/// Whether `role` may do `action` in a round of `status`. Only the bureau's administrator
/// runs a round (creation, settings, registry, sampling, teams).
fn admin_may(status: RoundStatus, role: Role, action: RoundAction) -> bool {
    role == Role::BureauAdmin && check(status, action).is_ok()
}

/// Whether `role` may create a round (the form on the round list).
pub fn may_create_round(role: Role) -> bool {
    role == Role::BureauAdmin
}

/// The write buttons of a round's overview page and of its sample page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct OverviewActions {
    /// The round's settings form and the "next status" button.
    pub can_edit: bool,
    /// The registry import.
    pub can_import: bool,
    /// The sampling plan form (until the sample is frozen).
    pub can_plan: bool,
    /// Freezing the sample (once).
    pub can_freeze: bool,
}

/// The overview's buttons; `frozen` says whether the sample is frozen already.
pub fn overview_actions(status: RoundStatus, role: Role, frozen: bool) -> OverviewActions {
    OverviewActions {
        can_edit: admin_may(status, role, RoundAction::EditSettings),
        can_import: admin_may(status, role, RoundAction::ImportRegistry),
        can_plan: !frozen && admin_may(status, role, RoundAction::EditSamplingPlan),
        can_freeze: !frozen && admin_may(status, role, RoundAction::FreezeSample),
    }
}

/// The write buttons of the team page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct TeamActions {
    pub can_generate: bool,
    /// Publishing the version shown (not when it is the published one).
    pub can_publish: bool,
    /// Changing the version shown by hand.
    pub can_change: bool,
}

/// The team page's buttons. `shown` is the status of the version on the page, if any
/// (`published` for the published one).
pub fn team_actions(status: RoundStatus, role: Role, shown_published: Option<bool>) -> TeamActions {
    let editable = admin_may(status, role, RoundAction::ChangeTeams);
    TeamActions {
        can_generate: editable,
        can_publish: editable && shown_published == Some(false),
        can_change: editable && shown_published.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_round_draws_no_write_button() {
        for role in Role::ALL {
            assert_eq!(
                overview_actions(RoundStatus::Closed, role, false),
                OverviewActions::default()
            );
            assert_eq!(
                team_actions(RoundStatus::Closed, role, Some(false)),
                TeamActions::default()
            );
        }
    }

    #[test]
    fn only_the_administrator_gets_buttons() {
        for role in Role::ALL {
            for status in RoundStatus::ALL {
                if role != Role::BureauAdmin {
                    assert_eq!(
                        overview_actions(status, role, false),
                        OverviewActions::default()
                    );
                    assert_eq!(
                        team_actions(status, role, Some(false)),
                        TeamActions::default()
                    );
                }
            }
        }
    }

    #[test]
    fn each_button_follows_its_step() {
        let admin = Role::BureauAdmin;
        let draft = overview_actions(RoundStatus::Draft, admin, false);
        assert!(draft.can_edit && draft.can_import && draft.can_plan && !draft.can_freeze);
        let sampling = overview_actions(RoundStatus::Sampling, admin, false);
        assert!(sampling.can_freeze && sampling.can_plan);
        let frozen = overview_actions(RoundStatus::Sampling, admin, true);
        assert!(!frozen.can_freeze && !frozen.can_plan && frozen.can_import);
        let teaming = team_actions(RoundStatus::Teaming, admin, Some(true));
        assert!(teaming.can_generate && !teaming.can_publish && teaming.can_change);
        assert!(!team_actions(RoundStatus::Teaming, admin, None).can_change);
        assert!(!team_actions(RoundStatus::Feedback, admin, Some(false)).can_generate);
    }
}
