//! Sampling plans, the frozen candidate list and sample of each round. Freezing stores the
//! seed, the plan and the candidate list with the picks, so `pingcha sample verify` can redraw
//! and compare: anyone can check that nobody picked files by hand.

use crate::domain::ids::{CaseFileId, RoundId};
use crate::domain::sampling::{
    Candidate, Exclusions, Rounding, Sample, SamplingPlan, Strategy, Stratification, StratumRule,
    VerifyOutcome, YearMonth, draw, verify,
};
use crate::storage::audit::{Actor, Change};
use crate::storage::cases::{self, CandidateRow};
use crate::storage::rounds::Round;
use crate::storage::schema::{sample_candidates, sample_picks, samples, sampling_plans};
use crate::storage::{DbConn, Error, Result, parse_id, transaction};
use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The plan a new round starts with: 10 % of each unit × case type, at least one file,
/// terminated files excluded.
pub fn default_plan() -> SamplingPlan {
    SamplingPlan {
        strata: Stratification::default(),
        strategy: Strategy::Rate {
            default: StratumRule {
                rate_bp: 1000,
                min: 1,
                max: None,
            },
            by_case_type: BTreeMap::new(),
            rounding: Rounding::Up,
        },
        exclusions: Exclusions {
            terminated: true,
            guilty_plea: false,
            reviewed_before: BTreeSet::new(),
        },
        designated: BTreeSet::new(),
        risk_multipliers: BTreeMap::new(),
        risk_weighting: None,
    }
}

fn corrupt(error: serde_json::Error) -> Error {
    Error::Corrupt(error.to_string())
}

/// The round's plan, or the default one if none was saved.
pub fn plan(conn: &mut DbConn, round: RoundId) -> Result<SamplingPlan> {
    let stored: Option<String> = sampling_plans::table
        .filter(sampling_plans::round_id.eq(round.to_string()))
        .select(sampling_plans::plan_json)
        .first(conn)
        .optional()?;
    match stored {
        Some(json) => serde_json::from_str(&json).map_err(corrupt),
        None => Ok(default_plan()),
    }
}

pub fn save_plan(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    plan: &SamplingPlan,
    now: NaiveDateTime,
) -> Result<()> {
    let json = serde_json::to_string(plan).map_err(corrupt)?;
    transaction(conn, |conn| {
        crate::storage::rounds::require(
            conn,
            round,
            crate::domain::round_actions::RoundAction::EditSamplingPlan,
        )?;
        let before = self::plan(conn, round)?;
        diesel::delete(
            sampling_plans::table.filter(sampling_plans::round_id.eq(round.to_string())),
        )
        .execute(conn)?;
        diesel::insert_into(sampling_plans::table)
            .values((
                sampling_plans::round_id.eq(round.to_string()),
                sampling_plans::plan_json.eq(&json),
                sampling_plans::updated_at.eq(now),
                sampling_plans::updated_by.eq(&actor.login),
            ))
            .execute(conn)?;
        Change::of("sampling.plan", "round", round)
            .before(serde_json::to_value(before).ok())
            .after(serde_json::to_value(plan).ok())
            .record(conn, actor, now)
    })
}

fn to_candidate(row: CandidateRow) -> Candidate<CaseFileId> {
    Candidate {
        id: row.id,
        unit: row.unit_code,
        case_no: row.case_no,
        case_type: row.case_type,
        sub_type: row.sub_type,
        archive_month: row.archived_at.map(|date| YearMonth {
            year: date.year(),
            month: date.month(),
        }),
        terminated: row.terminated,
        guilty_plea: row.guilty_plea,
    }
}

/// The round's candidates: the frozen list once frozen, else the cases closed in its period.
pub fn candidates(conn: &mut DbConn, round: &Round) -> Result<Vec<Candidate<CaseFileId>>> {
    let rows = if is_frozen(conn, round.id)? {
        let ids: Vec<String> = sample_candidates::table
            .filter(sample_candidates::round_id.eq(round.id.to_string()))
            .select(sample_candidates::case_file_id)
            .load(conn)?;
        cases::candidates(conn, None, Some(&ids))?
    } else {
        let period = (round.settings.period_start, round.settings.period_end);
        cases::candidates(conn, Some(period), None)?
    };
    Ok(rows.into_iter().map(to_candidate).collect())
}

pub fn is_frozen(conn: &mut DbConn, round: RoundId) -> Result<bool> {
    let count: i64 = samples::table
        .filter(samples::round_id.eq(round.to_string()))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Why a sample could not be drawn or frozen.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error(transparent)]
    Plan(#[from] crate::domain::sampling::SamplingError),
    #[error("the round's sample is frozen already")]
    AlreadyFrozen,
    #[error("no case of the round's period can be sampled")]
    NoCandidates,
    #[error(transparent)]
    Storage(#[from] Error),
}

crate::storage::diesel_into_storage_variant!(SampleError);

/// Draws with the given seed without storing anything (the preview).
pub fn preview(
    conn: &mut DbConn,
    round: &Round,
    seed: u64,
) -> std::result::Result<Sample<CaseFileId>, SampleError> {
    let plan = plan(conn, round.id)?;
    let candidates = candidates(conn, round)?;
    Ok(draw(&plan, &candidates, seed)?)
}

/// Draws with `seed` and stores the candidate list, the picks, the plan and the proof, in one
/// transaction. Only in the 抽样 status, and only once.
pub fn freeze(
    conn: &mut DbConn,
    actor: &Actor,
    round: &Round,
    seed: u64,
    now: NaiveDateTime,
) -> std::result::Result<Sample<CaseFileId>, SampleError> {
    transaction(conn, |conn| {
        crate::storage::rounds::require(
            conn,
            round.id,
            crate::domain::round_actions::RoundAction::FreezeSample,
        )?;
        if is_frozen(conn, round.id)? {
            return Err(SampleError::AlreadyFrozen);
        }
        let plan = plan(conn, round.id)?;
        let candidates = candidates(conn, round)?;
        if candidates.is_empty() {
            return Err(SampleError::NoCandidates);
        }
        let sample = draw(&plan, &candidates, seed)?;
        let round_id = round.id.to_string();
        diesel::insert_into(samples::table)
            .values((
                samples::round_id.eq(&round_id),
                samples::seed.eq(seed.to_string()),
                samples::plan_json.eq(serde_json::to_string(&plan).map_err(corrupt)?),
                samples::proof_json.eq(serde_json::to_string(&sample.proof).map_err(corrupt)?),
                samples::frozen_at.eq(now),
                samples::frozen_by.eq(&actor.login),
            ))
            .execute(conn)?;
        for candidate in &candidates {
            diesel::insert_into(sample_candidates::table)
                .values((
                    sample_candidates::round_id.eq(&round_id),
                    sample_candidates::case_file_id.eq(candidate.id.to_string()),
                ))
                .execute(conn)?;
        }
        for stratum in &sample.strata {
            for pick in &stratum.selected {
                diesel::insert_into(sample_picks::table)
                    .values((
                        sample_picks::round_id.eq(&round_id),
                        sample_picks::case_file_id.eq(pick.id.to_string()),
                        sample_picks::stratum.eq(stratum.key.to_string()),
                        sample_picks::designated.eq(pick.designated),
                    ))
                    .execute(conn)?;
            }
        }
        Change::of("sampling.freeze", "round", &round_id)
            .after(serde_json::to_value(&sample.proof).ok())
            .record(conn, actor, now)?;
        Ok(sample)
    })
}

/// A frozen sample as stored.
#[derive(Debug, Clone)]
pub struct Frozen {
    pub seed: u64,
    pub plan: SamplingPlan,
    pub proof: crate::domain::sampling::SampleProof,
    pub picks: Vec<(CaseFileId, String, bool)>,
    pub frozen_at: NaiveDateTime,
    pub frozen_by: String,
}

/// A frozen sample's own columns.
#[derive(Queryable, Selectable)]
#[diesel(table_name = samples)]
struct SampleRow {
    seed: String,
    plan_json: String,
    proof_json: String,
    frozen_at: NaiveDateTime,
    frozen_by: String,
}

impl SampleRow {
    /// The frozen sample, with its picks read separately.
    fn into_frozen(self, picks: Vec<(String, String, bool)>) -> Result<Frozen> {
        let seed = self.seed;
        Ok(Frozen {
            seed: seed
                .parse()
                .map_err(|_| Error::Corrupt(format!("seed {seed}")))?,
            plan: serde_json::from_str(&self.plan_json).map_err(corrupt)?,
            proof: serde_json::from_str(&self.proof_json).map_err(corrupt)?,
            picks: picks
                .into_iter()
                .map(|(id, stratum, designated)| Ok((parse_id(&id)?, stratum, designated)))
                .collect::<Result<_>>()?,
            frozen_at: self.frozen_at,
            frozen_by: self.frozen_by,
        })
    }
}

pub fn frozen(conn: &mut DbConn, round: RoundId) -> Result<Option<Frozen>> {
    let row: Option<SampleRow> = samples::table
        .filter(samples::round_id.eq(round.to_string()))
        .select(SampleRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    let picks: Vec<(String, String, bool)> = sample_picks::table
        .filter(sample_picks::round_id.eq(round.to_string()))
        .select((
            sample_picks::case_file_id,
            sample_picks::stratum,
            sample_picks::designated,
        ))
        .load(conn)?;
    row.into_frozen(picks).map(Some)
}

/// Redraws from the stored seed, plan and candidate list and compares with the stored picks.
pub fn verify_frozen(
    conn: &mut DbConn,
    round: &Round,
) -> std::result::Result<Option<VerifyOutcome<CaseFileId>>, SampleError> {
    let Some(frozen) = frozen(conn, round.id)? else {
        return Ok(None);
    };
    let candidates = candidates(conn, round)?;
    let stored: Vec<CaseFileId> = frozen.picks.iter().map(|(id, _, _)| *id).collect();
    Ok(Some(verify(
        &frozen.plan,
        &candidates,
        frozen.seed,
        &stored,
    )?))
}

/// Every file drawn in another round's frozen sample, as sampling keys: the exclusion
/// "files reviewed in earlier rounds". Stored in the plan, so a redraw needs no other round.
pub fn reviewed_in_other_rounds(
    conn: &mut DbConn,
    round: RoundId,
) -> Result<BTreeSet<crate::domain::sampling::CaseKey>> {
    use crate::storage::schema::{case_files, units};
    let rows: Vec<(String, String)> = sample_picks::table
        .inner_join(case_files::table.inner_join(units::table))
        .filter(sample_picks::round_id.ne(round.to_string()))
        .select((units::code, case_files::case_no))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(unit, case_no)| crate::domain::sampling::CaseKey { unit, case_no })
        .collect())
}

/// Last round's results per unit, for risk weighting: the newest other round whose period
/// ended before this one's began and that has final results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousResults {
    pub round_name: String,
    /// Unit code → (files failed (不合格), files with a final result).
    pub by_unit: BTreeMap<String, (u32, u32)>,
}

pub fn previous_results(conn: &mut DbConn, round: RoundId) -> Result<Option<PreviousResults>> {
    use crate::domain::rubric::GradeLevel;
    use crate::storage::{results, rounds};
    let current = rounds::find(conn, round)?;
    let mut earlier: Vec<_> = rounds::list(conn)?
        .into_iter()
        .filter(|other| {
            other.id != round && other.settings.period_end < current.settings.period_start
        })
        .collect();
    earlier.sort_by_key(|other| std::cmp::Reverse(other.settings.period_end));
    let codes: BTreeMap<crate::domain::ids::UnitId, String> =
        crate::storage::units::list(conn, crate::domain::UnitScope::All)?
            .into_iter()
            .map(|unit| (unit.id, unit.code))
            .collect();
    for other in earlier {
        let Some(loaded) = results::load(conn, other.id)? else {
            continue;
        };
        let mut by_unit: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for (file, result) in loaded.finished() {
            let Some(code) = codes.get(&file.unit) else {
                continue;
            };
            let entry = by_unit.entry(code.clone()).or_default();
            entry.0 += u32::from(result.grade.level == GradeLevel::Fail);
            entry.1 += 1;
        }
        if !by_unit.is_empty() {
            return Ok(Some(PreviousResults {
                round_name: other.settings.name,
                by_unit,
            }));
        }
    }
    Ok(None)
}

impl PreviousResults {
    /// Multipliers in percent per unit code (see `domain::sampling::risk_multiplier`).
    pub fn multipliers(&self, gain_pct: u32, cap_pct: u32) -> BTreeMap<String, u32> {
        self.by_unit
            .iter()
            .map(|(unit, (failed, reviewed))| {
                (
                    unit.clone(),
                    crate::domain::sampling::risk_multiplier(*failed, *reviewed, gain_pct, cap_pct),
                )
            })
            .collect()
    }
}
