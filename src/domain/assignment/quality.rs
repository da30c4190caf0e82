//! Quality figures of any assignment (the solver's, a manually changed one, an old version),
//! computed from the assignment alone, independently of the solver's own bookkeeping.

use super::model::{Assignment, Problem};
use super::rules::check_assignment;
use super::team_cost::repeat_penalty;
use crate::domain::ids::{PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The objective of `solver.rs`, term by term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObjectiveParts {
    pub expertise: i64,
    pub load: i64,
    pub same_unit: i64,
    pub repeat: i64,
    pub extra_units: i64,
    pub total: i64,
}

/// What the CLI prints and the benchmark reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    pub hard_rule_breaches: usize,
    /// Over team members.
    pub max_load: u32,
    pub min_load: u32,
    /// Reviews whose case type is among the reviewer's expertise, over all reviews.
    pub expertise_match_rate: f64,
    /// (member, unit visited) pairs seen in any past round, over all such pairs.
    pub repeat_pairing_rate: f64,
    pub objective: i64,
    pub parts: ObjectiveParts,
}

/// Recomputes the objective from the assignment.
pub fn objective(problem: &Problem, assignment: &Assignment) -> ObjectiveParts {
    let weights = problem.config.weights;
    let reviewers: HashMap<PersonId, _> = problem.reviewers.iter().map(|r| (r.id, r)).collect();
    let files: HashMap<_, _> = problem.files.iter().map(|f| (f.id, f)).collect();
    let newest_visit = newest_visits(problem);
    let mut parts = ObjectiveParts::default();
    let mut loads: HashMap<PersonId, i64> = HashMap::new();
    for placement in &assignment.placements {
        let Some(file) = files.get(&placement.file) else {
            continue;
        };
        for id in &placement.reviewers {
            *loads.entry(*id).or_default() += 1;
            if reviewers
                .get(id)
                .is_some_and(|r| !r.expertise.contains(&file.case_type))
            {
                parts.expertise += weights.expertise_mismatch;
            }
        }
    }
    parts.load = loads.values().map(|l| weights.load * l * l).sum();
    for team in &assignment.teams {
        for (position, first) in team.members.iter().enumerate() {
            let unit = reviewers.get(first).map(|r| r.unit);
            let same = team
                .members
                .iter()
                .skip(position + 1)
                .filter(|second| reviewers.get(*second).map(|r| r.unit) == unit)
                .count();
            parts.same_unit += weights.same_unit_pair * i64::try_from(same).unwrap_or(0);
            for unit in &team.units {
                if let Some(age) = newest_visit.get(&(*first, *unit)) {
                    parts.repeat += repeat_penalty(weights.repeat_visit, *age);
                }
            }
        }
        let extra = i64::try_from(team.units.len().saturating_sub(1)).unwrap_or(0);
        parts.extra_units += weights.extra_unit * extra * extra;
    }
    parts.total = parts.expertise + parts.load + parts.same_unit + parts.repeat + parts.extra_units;
    parts
}

/// For each (reviewer, unit) visited in a past round, how many rounds back the newest visit was.
pub fn newest_visits(problem: &Problem) -> HashMap<(PersonId, UnitId), usize> {
    let mut newest = HashMap::new();
    for (age, round) in problem.history.iter().enumerate() {
        for visit in &round.visits {
            newest.entry((visit.reviewer, visit.unit)).or_insert(age);
        }
    }
    newest
}

pub fn quality(problem: &Problem, assignment: &Assignment) -> Quality {
    let parts = objective(problem, assignment);
    let reviewers: HashMap<PersonId, _> = problem.reviewers.iter().map(|r| (r.id, r)).collect();
    let files: HashMap<_, _> = problem.files.iter().map(|f| (f.id, f)).collect();
    let mut loads: HashMap<PersonId, u32> = assignment
        .teams
        .iter()
        .flat_map(|t| t.members.iter().map(|m| (*m, 0)))
        .collect();
    let (mut reviews, mut matched) = (0u64, 0u64);
    for placement in &assignment.placements {
        for id in &placement.reviewers {
            *loads.entry(*id).or_default() += 1;
            reviews += 1;
            let case_type = files.get(&placement.file).map(|f| f.case_type);
            if reviewers
                .get(id)
                .zip(case_type)
                .is_some_and(|(r, t)| r.expertise.contains(&t))
            {
                matched += 1;
            }
        }
    }
    let newest = newest_visits(problem);
    let (mut pairs, mut repeats) = (0u64, 0u64);
    for team in &assignment.teams {
        for member in &team.members {
            for unit in &team.units {
                pairs += 1;
                if newest.contains_key(&(*member, *unit)) {
                    repeats += 1;
                }
            }
        }
    }
    let rate = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    Quality {
        hard_rule_breaches: check_assignment(problem, assignment).len(),
        max_load: loads.values().copied().max().unwrap_or(0),
        min_load: loads.values().copied().min().unwrap_or(0),
        expertise_match_rate: rate(matched, reviews),
        repeat_pairing_rate: rate(repeats, pairs),
        objective: parts.total,
        parts,
    }
}
