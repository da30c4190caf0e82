//! Review rounds (评查轮次): creation, the overview's figures and the forward-only status,
//! behind the round pages. Creation and each status change are one transaction in storage,
//! which re-checks the rules there (a unique name, the rubrics, the transition's
//! preconditions).

use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::ids::RoundId;
use crate::domain::people::Unit;
use crate::domain::round::{RoundSettings, RoundStatus};
use crate::domain::sampling::SamplingPlan;
use crate::storage::audit::Actor;
use crate::storage::rounds::{self, AdvanceError, Round};
use crate::storage::sampling::{self, Frozen, PreviousResults};
use crate::storage::{self, DbConn, cases, units};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a round was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a round of that name exists")]
    NameTaken,
    /// A chosen rubric does not exist or does not apply to its case type.
    #[error("a chosen rubric does not fit")]
    RubricMismatch,
    #[error(transparent)]
    Storage(storage::Error),
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    settings: &RoundSettings,
    now: NaiveDateTime,
) -> Result<Round, CreateError> {
    rounds::create(conn, actor, settings, now).map_err(|error| match error {
        storage::Error::Duplicate(_) => CreateError::NameTaken,
        storage::Error::NotFound | storage::Error::Corrupt(_) => CreateError::RubricMismatch,
        other => CreateError::Storage(other),
    })
}

/// Moves the round to `requested` when the transition rules allow it (checked in the
/// update's transaction).
pub fn advance(
    conn: &mut DbConn,
    actor: &Actor,
    id: RoundId,
    requested: RoundStatus,
    now: NaiveDateTime,
) -> Result<Round, AdvanceError> {
    rounds::advance(conn, actor, id, requested, now)
}

/// One unit's cases of the round's period, by case type.
#[derive(Debug, Clone, Serialize)]
pub struct UnitCases {
    pub code: String,
    pub name: String,
    pub criminal: usize,
    pub civil: usize,
    pub administrative: usize,
    pub total: usize,
}

/// The cases of the round's period (closed within it), by unit and case type.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrySummary {
    pub total: usize,
    pub units: Vec<UnitCases>,
}

pub fn registry_summary(conn: &mut DbConn, round: &Round) -> storage::Result<RegistrySummary> {
    let filter = cases::CaseFilter {
        period: Some((round.settings.period_start, round.settings.period_end)),
        ..Default::default()
    };
    let cases = cases::list(conn, UnitScope::All, &filter, None)?;
    let mut by_unit: BTreeMap<(String, String), [usize; 3]> = BTreeMap::new();
    for case in &cases {
        let counts = by_unit
            .entry((case.unit_code.clone(), case.unit_name.clone()))
            .or_insert([0; 3]);
        let index = CaseType::ALL
            .iter()
            .position(|case_type| case_type.code() == case.case_type)
            .unwrap_or(0);
        if let Some(slot) = counts.get_mut(index) {
            *slot += 1;
        }
    }
    let units = by_unit
        .into_iter()
        .map(
            |((code, name), [criminal, civil, administrative])| UnitCases {
                code,
                name,
                criminal,
                civil,
                administrative,
                total: criminal + civil + administrative,
            },
        )
        .collect();
    Ok(RegistrySummary {
        total: cases.len(),
        units,
    })
}

/// What a round's overview page shows besides the round itself.
pub struct Overview {
    pub registry: RegistrySummary,
    pub plan: SamplingPlan,
    pub frozen: Option<Frozen>,
    pub units: Vec<Unit>,
    pub previous: Option<PreviousResults>,
}

pub fn overview(conn: &mut DbConn, round: &Round) -> storage::Result<Overview> {
    Ok(Overview {
        registry: registry_summary(conn, round)?,
        plan: sampling::plan(conn, round.id)?,
        frozen: sampling::frozen(conn, round.id)?,
        units: units::list(conn, UnitScope::All)?,
        previous: sampling::previous_results(conn, round.id)?,
    })
}
