//! Which closed files a round pulls (抽查), drawn so that anyone holding the plan, the candidate
//! list and the seed can draw the same files again and see that nobody picked them by hand.
//!
//! # Plan
//! Candidates are grouped into strata: unit × case type, optionally also × sub-type and/or ×
//! archive month. Each stratum gets a target from the plan's [`Strategy`]:
//! - `Rate`: `raw = N × rate × multiplier`, in exact integer arithmetic with the rate in basis
//!   points (1/10,000) and the unit's risk multiplier in percent, so
//!   `raw = N · rate_bp · multiplier_pct / 1,000,000`, rounded up, to nearest (halves up) or down
//!   as the plan says; then raised to the stratum's minimum and lowered to its maximum.
//! - `Quota`: a fixed number per stratum by case type (e.g. 2 civil + 1 criminal per centre).
//! - `Census`: every eligible file.
//!
//! Then, in every strategy, the target is raised to the number of designated files (指定案号),
//! which are always drawn and count toward their stratum, and capped at the stratum's
//! population. Designated files are drawn even when an exclusion would drop them.
//!
//! Risk weighting: a unit's multiplier (default 100 %) scales its rate; [`risk_multiplier`]
//! derives it from last round's fail rate as `100 % + gain × failed / reviewed`, capped.
//!
//! Exclusions (terminated files, guilty-plea files, files reviewed in earlier rounds) remove
//! files from the population before the target is computed; they are counted per stratum.
//!
//! # Random draw
//! Candidates are first put in a canonical order — by unit, then by the FNV-1a 64-bit hash of
//! the case number, then by the case number — so the order the caller passes them in never
//! matters. For every stratum a ChaCha8 generator (`rand_chacha`, 8 rounds) is keyed with
//! `SHA-256("pingcha/sampling/v1" ‖ seed as u64 little-endian ‖ encoded stratum key)`, where the
//! encoding writes each string as its byte length (u64 LE) then its UTF-8 bytes. The stratum's
//! non-designated eligible files, in canonical order, are shuffled by a partial Fisher–Yates:
//! for `i` in `0..k`, swap `i` with `i + below(m − i)`, where `below(n)` takes `next_u64()`
//! values, rejects those at or above the largest multiple of `n` and returns the remainder mod
//! `n`. The first `k` are drawn. Only the raw 64-bit ChaCha8 output is used, never `rand`'s
//! distributions or shuffles, whose output may change between versions; a golden-value test
//! pins the generator.
//!
//! # Proof
//! [`SampleProof`] holds the seed and SHA-256 digests of the plan, of the candidate list (the
//! fields sampling reads, in canonical order) and of the drawn (unit, case number) list.
//! [`verify`] re-draws and compares with a stored selection.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::CaseType;
use crate::domain::registry::normalize_case_no;

/// Version tag of the drawing algorithm; part of every derived key and of the proof.
pub const ALGORITHM: &str = "pingcha/sampling/v1";

/// Basis points in 100 %.
pub const FULL_RATE_BP: u32 = 10_000;

/// A case as the registry keys it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CaseKey {
    pub unit: String,
    pub case_no: String,
}

/// A calendar month, for stratifying by archive month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// One file that may be drawn. `id` is the caller's and never influences the draw: the
/// natural key (unit, case number) does, so two databases with different ids draw alike.
/// Case numbers are expected as stored (normalised at import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate<Id> {
    pub id: Id,
    pub unit: String,
    pub case_no: String,
    pub case_type: CaseType,
    pub sub_type: Option<String>,
    pub archive_month: Option<YearMonth>,
    pub terminated: bool,
    pub guilty_plea: bool,
}

/// How a round draws its files. Stored with the round; its digest is in the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingPlan {
    pub strata: Stratification,
    pub strategy: Strategy,
    pub exclusions: Exclusions,
    /// 指定案号: always drawn, counted toward their stratum.
    pub designated: BTreeSet<CaseKey>,
    /// Risk multiplier per unit in percent (150 = ×1.5); units not listed use 100. Applies to
    /// the `Rate` strategy only.
    pub risk_multipliers: BTreeMap<String, u32>,
    /// The 加权系数 and 最高倍数 the multipliers were worked out with, kept so that the plan
    /// form shows what was stored (absent: no weighting, or a plan from before they were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_weighting: Option<RiskWeighting>,
}

/// How last round's results weight this round's draw, both in percent: the extra share is
/// the unit's failure rate × `gain_pct`, and no unit is drawn more than `cap_pct` of the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskWeighting {
    pub gain_pct: u32,
    pub cap_pct: u32,
}

impl RiskWeighting {
    /// What a plan form offers before anything was stored.
    pub const DEFAULT: RiskWeighting = RiskWeighting {
        gain_pct: 100,
        cap_pct: 200,
    };
}

/// Strata are always unit × case type; these split them further.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratification {
    pub by_sub_type: bool,
    pub by_archive_month: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// A rate per stratum with a minimum and a maximum; `by_case_type` overrides `default`.
    Rate {
        default: StratumRule,
        by_case_type: BTreeMap<CaseType, StratumRule>,
        rounding: Rounding,
    },
    /// A fixed number per stratum of each case type (types not listed: 0).
    Quota {
        per_case_type: BTreeMap<CaseType, u32>,
    },
    /// Every eligible file (普查).
    Census,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumRule {
    /// Rate in basis points: 1000 = 10 %.
    pub rate_bp: u32,
    pub min: u32,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    Up,
    /// Halves round up.
    Nearest,
    Down,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusions {
    pub terminated: bool,
    pub guilty_plea: bool,
    /// Files reviewed in earlier rounds.
    pub reviewed_before: BTreeSet<CaseKey>,
}

/// A stratum: unit × case type, with sub-type and archive month when the plan splits by them
/// (`None` there means "not split", or "not stated" when it does).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StratumKey {
    pub unit: String,
    pub case_type: CaseType,
    pub sub_type: Option<String>,
    pub archive_month: Option<YearMonth>,
}

impl fmt::Display for StratumKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · {}", self.unit, self.case_type.label())?;
        if let Some(sub_type) = &self.sub_type {
            write!(f, " · {sub_type}")?;
        }
        if let Some(month) = &self.archive_month {
            write!(f, " · {month}")?;
        }
        Ok(())
    }
}

/// One drawn file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick<Id> {
    pub id: Id,
    pub designated: bool,
}

/// Files of a stratum left out, by the first exclusion that applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedCounts {
    pub terminated: usize,
    pub guilty_plea: usize,
    pub reviewed_before: usize,
}

/// Where a stratum's target came from, step by step; `Display` gives the Chinese sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetReason {
    pub basis: Basis,
    /// Set when the minimum raised the target.
    pub raised_to_min: Option<u32>,
    /// Set when the maximum lowered the target.
    pub lowered_to_max: Option<u32>,
    pub designated: usize,
    /// The designated files outnumbered the target, which was raised to them.
    pub raised_to_designated: bool,
    /// The target exceeded the population, so every eligible file is drawn.
    pub capped_at_population: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Rate {
        population: usize,
        rate_bp: u32,
        multiplier_pct: u32,
        rounding: Rounding,
        rounded: u64,
    },
    Quota {
        quota: u32,
    },
    Census,
}

/// A stratum's outcome: population, target and why, and the files drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumSample<Id> {
    pub key: StratumKey,
    /// Eligible files: not excluded, or designated.
    pub population: usize,
    pub excluded: ExcludedCounts,
    pub target: usize,
    pub reason: TargetReason,
    /// Drawn files in case-number order.
    pub selected: Vec<Pick<Id>>,
}

/// The outcome of a draw, for preview or freezing (the caller decides which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample<Id> {
    /// In stratum-key order; strata whose files were all excluded appear with population 0.
    pub strata: Vec<StratumSample<Id>>,
    /// Designated case numbers that match no candidate (typos, other rounds' files).
    pub unmatched_designated: Vec<CaseKey>,
    pub proof: SampleProof,
}

impl<Id> Sample<Id> {
    pub fn selected_ids(&self) -> impl Iterator<Item = &Id> {
        self.strata
            .iter()
            .flat_map(|stratum| stratum.selected.iter().map(|pick| &pick.id))
    }

    pub fn selected_count(&self) -> usize {
        self.strata
            .iter()
            .map(|stratum| stratum.selected.len())
            .sum()
    }
}

/// What anyone needs to check a draw: store it with the frozen list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleProof {
    pub algorithm: String,
    pub seed: u64,
    pub plan_sha256: String,
    pub candidates_sha256: String,
    pub selection_sha256: String,
    pub candidate_count: usize,
    pub selected_count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VerifyOutcome<Id> {
    /// The stored selection is exactly what the seed draws.
    Matches { proof: SampleProof },
    /// It is not; `missing` are drawn but not stored, `unexpected` stored but not drawn.
    Differs {
        proof: SampleProof,
        missing: Vec<Id>,
        unexpected: Vec<Id>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamplingError {
    #[error("案件“{unit} {case_no}”在候选清单中出现了两次")]
    DuplicateCase { unit: String, case_no: String },
    #[error("抽查比例不能超过100%（{rate_bp}个基点）")]
    RateAboveFull { rate_bp: u32 },
    #[error("最低抽查数{min}大于最高抽查数{max}")]
    MinAboveMax { min: u32, max: u32 },
}

/// `100 + gain_pct × failed / reviewed` percent (halves up), at most `cap_pct`: with gain 100 a
/// unit whose files failed at 20 % last round gets ×1.2. No files reviewed → 100.
pub fn risk_multiplier(failed: u32, reviewed: u32, gain_pct: u32, cap_pct: u32) -> u32 {
    if reviewed == 0 {
        return 100;
    }
    let failed = u64::from(failed.min(reviewed));
    let reviewed = u64::from(reviewed);
    let extra = (u64::from(gain_pct) * failed * 2 + reviewed) / (reviewed * 2);
    u32::try_from(100 + extra).unwrap_or(u32::MAX).min(cap_pct)
}

/// Draws the sample. Same plan, same candidates (in any order) and same seed give the same
/// sample on every platform.
pub fn draw<Id: Clone>(
    plan: &SamplingPlan,
    candidates: &[Candidate<Id>],
    seed: u64,
) -> Result<Sample<Id>, SamplingError> {
    check_plan(plan)?;
    let order = canonical_order(candidates)?;
    let candidates_sha256 = candidates_digest(candidates, &order);
    let designated: BTreeSet<CaseKey> = plan.designated.iter().map(normalized_key).collect();
    let reviewed_before: BTreeSet<CaseKey> = plan
        .exclusions
        .reviewed_before
        .iter()
        .map(normalized_key)
        .collect();

    let designated_lookup = natural_keys(&designated);
    let reviewed_lookup = natural_keys(&reviewed_before);
    let strata = group_by_stratum(candidates, order, plan.strata);

    let mut matched_designated: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut selection_digest = Sha256::new();
    let mut outcome = Vec::with_capacity(strata.len());
    for members in strata.chunk_by(|left, right| left.0 == right.0) {
        let members: Vec<usize> = members.iter().map(|(_, index)| *index).collect();
        let Some(key) = members
            .first()
            .and_then(|index| candidates.get(*index))
            .map(|candidate| StratumRef::of(candidate, plan.strata))
        else {
            continue;
        };
        let stratum = draw_stratum(
            plan,
            &designated_lookup,
            &reviewed_lookup,
            candidates,
            key,
            &members,
            seed,
        );
        for pick in &stratum.picks {
            if let Some(candidate) = candidates.get(pick.index) {
                if pick.designated {
                    matched_designated.insert((&candidate.unit, &candidate.case_no));
                }
                put_str(&mut selection_digest, &candidate.unit);
                put_str(&mut selection_digest, &candidate.case_no);
            }
        }
        outcome.push(stratum);
    }
    let unmatched_designated = designated
        .iter()
        .filter(|key| !matched_designated.contains(&(key.unit.as_str(), key.case_no.as_str())))
        .cloned()
        .collect();
    let strata: Vec<StratumSample<Id>> = outcome
        .into_iter()
        .map(|stratum| stratum.into_sample(candidates))
        .collect();
    let selected_count = strata.iter().map(|stratum| stratum.selected.len()).sum();
    let proof = SampleProof {
        algorithm: ALGORITHM.to_string(),
        seed,
        plan_sha256: plan_digest(plan),
        candidates_sha256,
        selection_sha256: hex(&selection_digest.finalize()),
        candidate_count: candidates.len(),
        selected_count,
    };
    Ok(Sample {
        strata,
        unmatched_designated,
        proof,
    })
}

/// Re-draws from the stored plan, candidates and seed and compares with the stored selection.
/// Comparing the returned proof's `candidates_sha256` with the stored proof tells whether the
/// registry changed since the draw.
pub fn verify<Id: Clone + Ord>(
    plan: &SamplingPlan,
    candidates: &[Candidate<Id>],
    seed: u64,
    stored_selection: &[Id],
) -> Result<VerifyOutcome<Id>, SamplingError> {
    let sample = draw(plan, candidates, seed)?;
    let drawn: BTreeSet<&Id> = sample.selected_ids().collect();
    let stored: BTreeSet<&Id> = stored_selection.iter().collect();
    let missing: Vec<Id> = drawn.difference(&stored).map(|id| (*id).clone()).collect();
    let unexpected: Vec<Id> = stored.difference(&drawn).map(|id| (*id).clone()).collect();
    let duplicates_stored = stored.len() != stored_selection.len();
    if missing.is_empty() && unexpected.is_empty() && !duplicates_stored {
        Ok(VerifyOutcome::Matches {
            proof: sample.proof,
        })
    } else {
        Ok(VerifyOutcome::Differs {
            proof: sample.proof,
            missing,
            unexpected,
        })
    }
}

fn check_plan(plan: &SamplingPlan) -> Result<(), SamplingError> {
    if let Strategy::Rate {
        default,
        by_case_type,
        ..
    } = &plan.strategy
    {
        for rule in std::iter::once(default).chain(by_case_type.values()) {
            if rule.rate_bp > FULL_RATE_BP {
                return Err(SamplingError::RateAboveFull {
                    rate_bp: rule.rate_bp,
                });
            }
            if let Some(max) = rule.max
                && rule.min > max
            {
                return Err(SamplingError::MinAboveMax { min: rule.min, max });
            }
        }
    }
    Ok(())
}

fn natural_keys(keys: &BTreeSet<CaseKey>) -> HashSet<(&str, &str)> {
    keys.iter()
        .map(|key| (key.unit.as_str(), key.case_no.as_str()))
        .collect()
}

fn normalized_key(key: &CaseKey) -> CaseKey {
    CaseKey {
        unit: key.unit.trim().to_string(),
        case_no: normalize_case_no(&key.case_no),
    }
}

/// Indices of `candidates`, with their unit's rank, in canonical order: by unit, then by the FNV-1a 64-bit hash of the
/// case number, then by the case number itself. Hashes make the million-row sort compare
/// integers instead of long shared prefixes. A (unit, case number) seen twice is an error,
/// since the order between the two would depend on the caller.
fn canonical_order<Id>(candidates: &[Candidate<Id>]) -> Result<Vec<(u32, usize)>, SamplingError> {
    let unit_rank = ranks(candidates.iter().map(|candidate| candidate.unit.as_str()));
    let case_no = |index: usize| candidates.get(index).map_or("", |c| c.case_no.as_str());
    let mut keys: Vec<(u32, u64, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(index, candidate)| {
            let unit = unit_rank.get(candidate.unit.as_str()).copied().unwrap_or(0);
            (unit, fnv1a(candidate.case_no.as_bytes()), index)
        })
        .collect();
    keys.sort_unstable_by(|left, right| {
        (left.0, left.1)
            .cmp(&(right.0, right.1))
            .then_with(|| case_no(left.2).cmp(case_no(right.2)))
    });
    for pair in keys.windows(2) {
        if let [left, right] = pair
            && left.0 == right.0
            && left.1 == right.1
            && case_no(left.2) == case_no(right.2)
            && let Some(candidate) = candidates.get(left.2)
        {
            return Err(SamplingError::DuplicateCase {
                unit: candidate.unit.clone(),
                case_no: candidate.case_no.clone(),
            });
        }
    }
    Ok(keys
        .into_iter()
        .map(|(unit, _, index)| (unit, index))
        .collect())
}

/// Rank of each distinct value in sorted order, so integer comparisons order like the strings.
fn ranks<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<&'a str, u32> {
    let mut distinct: Vec<&str> = values.collect::<HashSet<_>>().into_iter().collect();
    distinct.sort_unstable();
    distinct
        .into_iter()
        .enumerate()
        .map(|(rank, value)| (value, rank as u32))
        .collect()
}

/// FNV-1a, 64-bit: fixed and portable, unlike `std`'s hashers.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Stratum sort keys orderable like [`StratumKey`]: (unit rank, case type, sub-type rank with
/// 0 for none, month with 0 for none).
type StratumOrder = (u32, CaseType, u32, i64);

/// `order` regrouped into strata, in stratum-key order, keeping canonical order inside each.
fn group_by_stratum<Id>(
    candidates: &[Candidate<Id>],
    order: Vec<(u32, usize)>,
    strata: Stratification,
) -> Vec<(StratumOrder, usize)> {
    let sub_type_rank = if strata.by_sub_type {
        ranks(
            candidates
                .iter()
                .filter_map(|candidate| candidate.sub_type.as_deref()),
        )
    } else {
        HashMap::new()
    };
    let mut keyed: Vec<(StratumOrder, usize)> = order
        .into_iter()
        .filter_map(|(unit, index)| {
            let candidate = candidates.get(index)?;
            let key = StratumRef::of(candidate, strata);
            let sub_type = key
                .sub_type
                .and_then(|sub_type| sub_type_rank.get(sub_type))
                .map_or(0, |rank| rank + 1);
            let month = key.archive_month.map_or(0, |month| {
                1 + i64::from(month.year) * 16 + i64::from(month.month)
            });
            Some(((unit, key.case_type, sub_type, month), index))
        })
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StratumRef<'a> {
    unit: &'a str,
    case_type: CaseType,
    sub_type: Option<&'a str>,
    archive_month: Option<YearMonth>,
}

impl<'a> StratumRef<'a> {
    fn of<Id>(candidate: &'a Candidate<Id>, strata: Stratification) -> Self {
        StratumRef {
            unit: &candidate.unit,
            case_type: candidate.case_type,
            sub_type: if strata.by_sub_type {
                candidate.sub_type.as_deref()
            } else {
                None
            },
            archive_month: if strata.by_archive_month {
                candidate.archive_month
            } else {
                None
            },
        }
    }

    fn owned(&self) -> StratumKey {
        StratumKey {
            unit: self.unit.to_string(),
            case_type: self.case_type,
            sub_type: self.sub_type.map(str::to_string),
            archive_month: self.archive_month,
        }
    }

    /// The ChaCha8 key of this stratum's stream (see the module doc).
    fn stream_seed(&self, seed: u64) -> [u8; 32] {
        let mut digest = Sha256::new();
        put_str(&mut digest, ALGORITHM);
        digest.update(seed.to_le_bytes());
        put_str(&mut digest, self.unit);
        put_str(&mut digest, self.case_type.code());
        put_opt_str(&mut digest, self.sub_type);
        put_month(&mut digest, self.archive_month);
        digest.finalize().into()
    }
}

struct IndexPick {
    index: usize,
    designated: bool,
}

struct DrawnStratum {
    key: StratumKey,
    population: usize,
    excluded: ExcludedCounts,
    target: usize,
    reason: TargetReason,
    picks: Vec<IndexPick>,
}

impl DrawnStratum {
    fn into_sample<Id: Clone>(self, candidates: &[Candidate<Id>]) -> StratumSample<Id> {
        let selected = self
            .picks
            .iter()
            .filter_map(|pick| {
                candidates.get(pick.index).map(|candidate| Pick {
                    id: candidate.id.clone(),
                    designated: pick.designated,
                })
            })
            .collect();
        StratumSample {
            key: self.key,
            population: self.population,
            excluded: self.excluded,
            target: self.target,
            reason: self.reason,
            selected,
        }
    }
}

fn draw_stratum<Id>(
    plan: &SamplingPlan,
    designated: &HashSet<(&str, &str)>,
    reviewed_before: &HashSet<(&str, &str)>,
    candidates: &[Candidate<Id>],
    key: StratumRef<'_>,
    members: &[usize],
    seed: u64,
) -> DrawnStratum {
    let mut excluded = ExcludedCounts::default();
    // Positions in `members`, which is in canonical order.
    let mut chosen: Vec<usize> = Vec::new();
    let mut pool: Vec<usize> = Vec::with_capacity(members.len());
    for (position, candidate) in members
        .iter()
        .filter_map(|index| candidates.get(*index))
        .enumerate()
    {
        let natural_key = (candidate.unit.as_str(), candidate.case_no.as_str());
        if designated.contains(&natural_key) {
            chosen.push(position);
        } else if plan.exclusions.terminated && candidate.terminated {
            excluded.terminated += 1;
        } else if plan.exclusions.guilty_plea && candidate.guilty_plea {
            excluded.guilty_plea += 1;
        } else if reviewed_before.contains(&natural_key) {
            excluded.reviewed_before += 1;
        } else {
            pool.push(position);
        }
    }
    let population = chosen.len() + pool.len();
    let (target, reason) = target(plan, key.unit, key.case_type, population, chosen.len());
    let random = target.saturating_sub(chosen.len()).min(pool.len());
    let mut rng = ChaCha8Rng::from_seed(key.stream_seed(seed));
    partial_shuffle(&mut pool, random, &mut rng);
    let positions: Vec<(usize, bool)> = chosen
        .iter()
        .map(|&position| (position, true))
        .chain(pool.iter().take(random).map(|&position| (position, false)))
        .collect();
    let mut picks: Vec<IndexPick> = positions
        .into_iter()
        .filter_map(|(position, designated)| {
            members
                .get(position)
                .map(|&index| IndexPick { index, designated })
        })
        .collect();
    picks.sort_by(|left, right| {
        let case_no = |pick: &IndexPick| candidates.get(pick.index).map(|c| c.case_no.as_str());
        case_no(left).cmp(&case_no(right))
    });
    DrawnStratum {
        key: key.owned(),
        population,
        excluded,
        target,
        reason,
        picks,
    }
}

/// The stratum's target and the steps that led to it (see the module doc).
fn target(
    plan: &SamplingPlan,
    unit: &str,
    case_type: CaseType,
    population: usize,
    designated: usize,
) -> (usize, TargetReason) {
    let mut reason = TargetReason {
        basis: Basis::Census,
        raised_to_min: None,
        lowered_to_max: None,
        designated,
        raised_to_designated: false,
        capped_at_population: false,
    };
    let mut target: u64 = match &plan.strategy {
        Strategy::Census => population as u64,
        Strategy::Quota { per_case_type } => {
            let quota = per_case_type.get(&case_type).copied().unwrap_or(0);
            reason.basis = Basis::Quota { quota };
            u64::from(quota)
        }
        Strategy::Rate {
            default,
            by_case_type,
            rounding,
        } => {
            let rule = by_case_type.get(&case_type).unwrap_or(default);
            let multiplier_pct = plan.risk_multipliers.get(unit).copied().unwrap_or(100);
            let numerator =
                population as u128 * u128::from(rule.rate_bp) * u128::from(multiplier_pct);
            let denominator = u128::from(FULL_RATE_BP) * 100;
            let rounded = match rounding {
                Rounding::Up => numerator.div_ceil(denominator),
                Rounding::Nearest => (numerator + denominator / 2) / denominator,
                Rounding::Down => numerator / denominator,
            };
            let rounded = u64::try_from(rounded).unwrap_or(u64::MAX);
            reason.basis = Basis::Rate {
                population,
                rate_bp: rule.rate_bp,
                multiplier_pct,
                rounding: *rounding,
                rounded,
            };
            let mut target = rounded;
            if target < u64::from(rule.min) {
                target = u64::from(rule.min);
                reason.raised_to_min = Some(rule.min);
            }
            if let Some(max) = rule.max
                && target > u64::from(max)
            {
                target = u64::from(max);
                reason.lowered_to_max = Some(max);
            }
            target
        }
    };
    if target < designated as u64 {
        target = designated as u64;
        reason.raised_to_designated = true;
    }
    if target > population as u64 {
        target = population as u64;
        reason.capped_at_population = !matches!(plan.strategy, Strategy::Census);
    }
    (usize::try_from(target).unwrap_or(population), reason)
}

/// Moves a uniform random `count`-subset of `items` to the front (partial Fisher–Yates).
fn partial_shuffle<T, R: Rng>(items: &mut [T], count: usize, rng: &mut R) {
    let len = items.len();
    for i in 0..count.min(len) {
        let remaining = (len - i) as u64;
        let j = i + below(rng, remaining) as usize;
        items.swap(i, j);
    }
}

/// A uniform integer in `0..n` (n > 0) by rejection, so no value is favoured.
fn below<R: Rng>(rng: &mut R, n: u64) -> u64 {
    let zone = (u64::MAX / n) * n;
    loop {
        let value = rng.next_u64();
        if value < zone {
            return value % n;
        }
    }
}

fn put_str(digest: &mut Sha256, text: &str) {
    digest.update((text.len() as u64).to_le_bytes());
    digest.update(text.as_bytes());
}

fn put_opt_str(digest: &mut Sha256, text: Option<&str>) {
    match text {
        Some(text) => {
            digest.update([1]);
            put_str(digest, text);
        }
        None => digest.update([0]),
    }
}

fn put_month(digest: &mut Sha256, month: Option<YearMonth>) {
    match month {
        Some(month) => {
            digest.update([1]);
            digest.update(month.year.to_le_bytes());
            digest.update(month.month.to_le_bytes());
        }
        None => digest.update([0]),
    }
}

fn put_keys(digest: &mut Sha256, keys: &BTreeSet<CaseKey>) {
    digest.update((keys.len() as u64).to_le_bytes());
    for key in keys {
        put_str(digest, &key.unit);
        put_str(digest, &key.case_no);
    }
}

fn put_rule(digest: &mut Sha256, rule: &StratumRule) {
    digest.update(rule.rate_bp.to_le_bytes());
    digest.update(rule.min.to_le_bytes());
    match rule.max {
        Some(max) => {
            digest.update([1]);
            digest.update(max.to_le_bytes());
        }
        None => digest.update([0]),
    }
}

fn plan_digest(plan: &SamplingPlan) -> String {
    let mut digest = Sha256::new();
    put_str(&mut digest, ALGORITHM);
    digest.update([
        u8::from(plan.strata.by_sub_type),
        u8::from(plan.strata.by_archive_month),
    ]);
    match &plan.strategy {
        Strategy::Rate {
            default,
            by_case_type,
            rounding,
        } => {
            put_str(&mut digest, "rate");
            put_rule(&mut digest, default);
            digest.update((by_case_type.len() as u64).to_le_bytes());
            for (case_type, rule) in by_case_type {
                put_str(&mut digest, case_type.code());
                put_rule(&mut digest, rule);
            }
            put_str(
                &mut digest,
                match rounding {
                    Rounding::Up => "up",
                    Rounding::Nearest => "nearest",
                    Rounding::Down => "down",
                },
            );
        }
        Strategy::Quota { per_case_type } => {
            put_str(&mut digest, "quota");
            digest.update((per_case_type.len() as u64).to_le_bytes());
            for (case_type, quota) in per_case_type {
                put_str(&mut digest, case_type.code());
                digest.update(quota.to_le_bytes());
            }
        }
        Strategy::Census => put_str(&mut digest, "census"),
    }
    digest.update([
        u8::from(plan.exclusions.terminated),
        u8::from(plan.exclusions.guilty_plea),
    ]);
    put_keys(&mut digest, &plan.exclusions.reviewed_before);
    put_keys(&mut digest, &plan.designated);
    digest.update((plan.risk_multipliers.len() as u64).to_le_bytes());
    for (unit, multiplier) in &plan.risk_multipliers {
        put_str(&mut digest, unit);
        digest.update(multiplier.to_le_bytes());
    }
    hex(&digest.finalize())
}

fn candidates_digest<Id>(candidates: &[Candidate<Id>], order: &[(u32, usize)]) -> String {
    let mut digest = Sha256::new();
    put_str(&mut digest, ALGORITHM);
    digest.update((order.len() as u64).to_le_bytes());
    // Fields go through a buffer so SHA-256 sees large blocks, not eight tiny updates per file.
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
    for candidate in order.iter().filter_map(|(_, index)| candidates.get(*index)) {
        push_str(&mut buffer, &candidate.unit);
        push_str(&mut buffer, &candidate.case_no);
        push_str(&mut buffer, candidate.case_type.code());
        match &candidate.sub_type {
            Some(sub_type) => {
                buffer.push(1);
                push_str(&mut buffer, sub_type);
            }
            None => buffer.push(0),
        }
        match candidate.archive_month {
            Some(month) => {
                buffer.push(1);
                buffer.extend_from_slice(&month.year.to_le_bytes());
                buffer.extend_from_slice(&month.month.to_le_bytes());
            }
            None => buffer.push(0),
        }
        buffer.push(u8::from(candidate.terminated));
        buffer.push(u8::from(candidate.guilty_plea));
        if buffer.len() >= 1 << 15 {
            digest.update(&buffer);
            buffer.clear();
        }
    }
    digest.update(&buffer);
    hex(&digest.finalize())
}

fn push_str(buffer: &mut Vec<u8>, text: &str) {
    buffer.extend_from_slice(&(text.len() as u64).to_le_bytes());
    buffer.extend_from_slice(text.as_bytes());
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

impl fmt::Display for TargetReason {
    /// e.g. `40 × 10% × 1.5 = 6.00，向上取整为 6；不少于最低数 8，取 8；含指定案号 1 件`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.basis {
            Basis::Census => f.write_str("全部抽取（普查）")?,
            Basis::Quota { quota } => write!(f, "按定额抽取 {quota} 件")?,
            Basis::Rate {
                population,
                rate_bp,
                multiplier_pct,
                rounding,
                rounded,
            } => {
                write!(f, "{population} × {}", percent(*rate_bp))?;
                if *multiplier_pct != 100 {
                    write!(
                        f,
                        " × 风险系数 {}",
                        decimal(u64::from(*multiplier_pct), 100)
                    )?;
                }
                let exact = *population as u64 * u64::from(*rate_bp) * u64::from(*multiplier_pct);
                let rounding = match rounding {
                    Rounding::Up => "向上取整",
                    Rounding::Nearest => "四舍五入",
                    Rounding::Down => "向下取整",
                };
                write!(
                    f,
                    " = {}，{rounding}为 {rounded}",
                    decimal(exact, u64::from(FULL_RATE_BP) * 100)
                )?;
            }
        }
        if let Some(min) = self.raised_to_min {
            write!(f, "；不少于最低数 {min}，取 {min}")?;
        }
        if let Some(max) = self.lowered_to_max {
            write!(f, "；不超过最高数 {max}，取 {max}")?;
        }
        if self.designated > 0 {
            write!(f, "；含指定案号 {} 件", self.designated)?;
            if self.raised_to_designated {
                write!(f, "，目标提高到 {}", self.designated)?;
            }
        }
        if self.capped_at_population {
            f.write_str("；可抽案卷不足，全部抽取")?;
        }
        Ok(())
    }
}

/// `1330` basis points → `13.3%`.
fn percent(rate_bp: u32) -> String {
    format!("{}%", decimal(u64::from(rate_bp), 100))
}

/// `numerator / denominator` with up to two decimals, trailing zeros dropped.
fn decimal(numerator: u64, denominator: u64) -> String {
    let hundredths = (numerator * 100 + denominator / 2) / denominator.max(1);
    let whole = hundredths / 100;
    let fraction = hundredths % 100;
    match fraction {
        0 => format!("{whole}"),
        _ if fraction.is_multiple_of(10) => format!("{whole}.{}", fraction / 10),
        _ => format!("{whole}.{fraction:02}"),
    }
}

#[cfg(test)]
mod tests;
