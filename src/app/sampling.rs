//! Sampling (抽样): the plan, the preview draw and freezing the sample, behind the sampling
//! pages. Each write re-checks inside its transaction that the round's status allows it and
//! that the sample is not frozen yet.

use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::sampling::{CaseKey, Sample, SamplingPlan};
use crate::storage::audit::Actor;
use crate::storage::sampling::{self, PreviousResults, SampleError};
use crate::storage::{self, DbConn, rounds};
use chrono::NaiveDateTime;
use std::collections::BTreeSet;

/// A seed from the operating system: chosen at freeze time, never by a person.
pub fn fresh_seed() -> Result<u64, getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    Ok(u64::from_le_bytes(bytes))
}

/// What the plan form builds on: the current plan, the files reviewed in other rounds (for
/// the "reviewed before" exclusion) and last round's results (for risk weighting).
pub struct PlanBasis {
    pub current: SamplingPlan,
    pub reviewed: BTreeSet<CaseKey>,
    pub previous: Option<PreviousResults>,
}

pub fn plan_basis(conn: &mut DbConn, round: RoundId) -> Result<PlanBasis, storage::Error> {
    Ok(PlanBasis {
        current: sampling::plan(conn, round)?,
        reviewed: sampling::reviewed_in_other_rounds(conn, round)?,
        previous: sampling::previous_results(conn, round)?,
    })
}

/// Saves the plan, unless the sample is frozen already.
pub fn save_plan(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    plan: &SamplingPlan,
    now: NaiveDateTime,
) -> Result<(), SampleError> {
    storage::transaction(conn, |conn| {
        if sampling::is_frozen(conn, round)? {
            return Err(SampleError::AlreadyFrozen);
        }
        Ok(sampling::save_plan(conn, actor, round, plan, now)?)
    })
}

/// The draw `seed` gives under the round's plan, stored nowhere.
pub fn preview(
    conn: &mut DbConn,
    round: RoundId,
    seed: u64,
) -> Result<Sample<CaseFileId>, SampleError> {
    let round = rounds::find(conn, round)?;
    sampling::preview(conn, &round, seed)
}

/// Draws with `seed` and stores the sample with its proof (once, in the 抽样 status).
pub fn freeze(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    seed: u64,
    now: NaiveDateTime,
) -> Result<Sample<CaseFileId>, SampleError> {
    let round = rounds::find(conn, round)?;
    sampling::freeze(conn, actor, &round, seed, now)
}
