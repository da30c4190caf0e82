//! Cross-check teams (交叉检查组): the use cases behind the team pages and `pingcha assign`.
//! Generating is split in three steps (build the problem, solve it, store the draft) because
//! solving is pure and may take seconds: the pages solve outside the database connection and
//! the command line shows a spinner meanwhile. Every write re-checks the round's status inside
//! its transaction (`storage::rounds::require`).

use crate::domain::assignment::{
    Assignment, Change, DoubleReview, Problem, apply_change, check_change, diagnose, solve,
};
use crate::domain::ids::RoundId;
use crate::domain::round_actions::RoundAction;
use crate::storage::assignments::{self, Options};
use crate::storage::audit::Actor;
use crate::storage::rounds::{self, Round};
use crate::storage::{self, DbConn};
use chrono::NaiveDateTime;

/// Why teams were not generated, published or changed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The round has no frozen sample (抽查清单) yet.
    #[error("the round has no frozen sample")]
    NoSample,
    /// The rules cannot all hold: the diagnosis or the solver's reasons, in Chinese.
    #[error("the rules cannot all hold")]
    Unsolvable(Vec<String>),
    /// A version that breaks a hard rule and carries no reason cannot be published.
    #[error("the version breaks a hard rule without a recorded reason")]
    UnjustifiedPublish,
    /// A manual change breaks hard rules and no reason was given.
    #[error("the change breaks hard rules")]
    Breaches(Vec<String>),
    /// Publishing a version that breaks hard rules without the second, named confirmation:
    /// the breaches (rule, file, reviewer, unit), in Chinese.
    #[error("the version breaks hard rules and the breaches were not accepted")]
    UnacceptedBreaches(Vec<String>),
    /// A change that cannot be applied at all (not a rule breach).
    #[error("the change cannot be applied: {0}")]
    Impossible(String),
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        Error::Storage(error.into())
    }
}

/// The solver's options from the figures a person gives (form or command line): at least one
/// file per reviewer, and a double-review share in percent (capped at 100, 0 = none).
pub fn options(seed: u64, team_min: u32, team_max: u32, capacity: u32, percent: u32) -> Options {
    let percent = percent.min(100);
    Options {
        team_min,
        team_max,
        capacity: capacity.max(1),
        double_review: if percent == 0 {
            DoubleReview::None
        } else {
            DoubleReview::Share {
                per_mille: percent * 10,
            }
        },
        seed,
    }
}

/// The assignment problem of a round: its frozen sample, its units and the reviewer pool.
pub fn problem(conn: &mut DbConn, round: &Round, options: Options) -> Result<Problem, Error> {
    assignments::build_problem(conn, round, options).map_err(|error| match error {
        storage::Error::NotFound => Error::NoSample,
        other => Error::Storage(other),
    })
}

/// Diagnoses and solves: the assignment, or every reason the rules cannot all hold.
pub fn solve_problem(problem: &Problem) -> Result<Assignment, Error> {
    let reasons = diagnose(problem);
    if !reasons.is_empty() {
        return Err(Error::Unsolvable(
            reasons.into_iter().map(|reason| reason.message).collect(),
        ));
    }
    solve(problem).map_err(|infeasible| {
        Error::Unsolvable(
            infeasible
                .reasons
                .into_iter()
                .map(|reason| reason.message)
                .collect(),
        )
    })
}

/// Stores a solved assignment as the round's next draft; its number.
pub fn store_draft(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    problem: &Problem,
    assignment: &Assignment,
    now: NaiveDateTime,
) -> Result<i32, Error> {
    Ok(assignments::store_draft(
        conn, actor, round, problem, assignment, None, now,
    )?)
}

/// Publishes a version. One that breaks a hard rule needs the reason recorded when it was
/// made (its note) and the publisher's acceptance of each breach (`breaches_accepted`, the
/// second confirmation), re-checked here inside the transaction.
pub fn publish(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    number: i32,
    breaches_accepted: bool,
    now: NaiveDateTime,
) -> Result<(), Error> {
    storage::transaction(conn, |conn| {
        rounds::require(conn, round, RoundAction::ChangeTeams)?;
        let version = assignments::version(conn, round, number)?;
        if version.quality.hard_rule_breaches > 0 && version.note.is_none() {
            return Err(Error::UnjustifiedPublish);
        }
        let breaches = breaches_of(&version);
        if !breaches.is_empty() && !breaches_accepted {
            return Err(Error::UnacceptedBreaches(breaches));
        }
        assignments::publish(conn, actor, round, number, now)?;
        // Each reviewer is told of their files.
        crate::app::review_messages::sweep_round(conn, round, now.date(), now).map_err(
            |error| match error {
                crate::app::reconciliation::Error::Storage(error) => Error::from(error),
                other => Error::from(crate::storage::Error::Corrupt(other.to_string())),
            },
        )?;
        Ok(())
    })
}

/// The hard rules a stored version breaks, one sentence each naming rule, file, reviewer
/// and unit (empty for every version the solver made).
pub fn breaches_of(version: &assignments::Version) -> Vec<String> {
    crate::domain::assignment::check_assignment(&version.problem, &version.assignment)
        .into_iter()
        .map(|breach| {
            crate::app::messages::teams::breach_line(breach.rule.label(), &breach.message)
        })
        .collect()
}

/// A manual change to a version, stored as a new draft; its number. A change that breaks hard
/// rules is refused unless `reason` is given; the override and its reason are then audited.
pub fn change(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    number: i32,
    change: Change,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<i32, Error> {
    storage::transaction(conn, |conn| {
        let version = assignments::version(conn, round, number)?;
        let (next, note) = match check_change(&version.problem, &version.assignment, change) {
            Ok(next) => (next, None),
            Err(breaches) => {
                let messages: Vec<String> =
                    breaches.into_iter().map(|breach| breach.message).collect();
                let Some(reason) = reason else {
                    return Err(Error::Breaches(messages));
                };
                let applied = apply_change(&version.problem, &version.assignment, change)
                    .map_err(|breach| Error::Impossible(breach.message))?;
                assignments::record_override(conn, actor, round, reason, &messages, now)?;
                (
                    applied,
                    Some(crate::app::messages::teams::override_note(reason)),
                )
            }
        };
        Ok(assignments::store_draft(
            conn,
            actor,
            round,
            &version.problem,
            &next,
            note.as_deref(),
            now,
        )?)
    })
}
