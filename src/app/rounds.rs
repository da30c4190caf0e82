//! Review rounds (评查轮次): creation, the overview's figures and the forward-only status,
//! behind the round pages. Creation and each status change are one transaction in storage,
//! which re-checks the rules there (a unique name, the rubrics, the transition's
//! preconditions).

use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::ids::RoundId;
use crate::domain::people::Unit;
use crate::domain::round::{RoundSettings, RoundStatus, TransitionError};
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
/// update's transaction). Entering 反馈整改 while files have no settled result (unscored or
/// awaiting 合议) needs `confirmed`; without it the refusal names how many and which.
pub fn advance(
    conn: &mut DbConn,
    actor: &Actor,
    id: RoundId,
    requested: RoundStatus,
    confirmed: bool,
    now: NaiveDateTime,
) -> Result<Round, AdvanceError> {
    storage::transaction(conn, |conn| {
        let round = rounds::find(conn, id)?;
        if requested == RoundStatus::Feedback && round.status == RoundStatus::Reviewing {
            let unfinished = unfinished_files(conn, id)?;
            if !unfinished.is_empty() && !confirmed {
                return Err(AdvanceError::Refused(TransitionError::UnfinishedFiles {
                    count: unfinished.len(),
                    files: file_list(&unfinished),
                }));
            }
        }
        rounds::advance(conn, actor, id, requested, now)
    })
}

/// The case numbers of the round's files whose result is not settled: a sheet not submitted,
/// or the reviews awaiting 合议. Empty before teams are published.
pub fn unfinished_files(conn: &mut DbConn, id: RoundId) -> storage::Result<Vec<String>> {
    let Some(finals) = crate::storage::results::finals(conn, id)? else {
        return Ok(Vec::new());
    };
    let ids: Vec<_> = finals
        .iter()
        .filter(|file| file.result.is_none())
        .map(|file| file.file)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = cases::CaseFilter {
        ids: Some(ids),
        ..Default::default()
    };
    Ok(cases::list(conn, UnitScope::All, &filter, None)?
        .into_iter()
        .map(|case| case.case_no)
        .collect())
}

/// At most ten case numbers, then 「等」.
fn file_list(files: &[String]) -> String {
    let shown: Vec<&str> = files.iter().take(10).map(String::as_str).collect();
    let mut list = crate::domain::rectification::list_text(shown);
    if files.len() > 10 {
        list.push('等');
    }
    list
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
    /// In 评查: the case numbers of files without a settled result.
    pub unfinished: Vec<String>,
}

pub fn overview(conn: &mut DbConn, round: &Round) -> storage::Result<Overview> {
    Ok(Overview {
        registry: registry_summary(conn, round)?,
        plan: sampling::plan(conn, round.id)?,
        frozen: sampling::frozen(conn, round.id)?,
        units: units::list(conn, UnitScope::All)?,
        previous: sampling::previous_results(conn, round.id)?,
        unfinished: if round.status == RoundStatus::Reviewing {
            unfinished_files(conn, round.id)?
        } else {
            Vec::new()
        },
    })
}
