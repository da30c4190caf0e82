//! The exact cost of one team with its units: composition, visits and the optimal split of its
//! files among its members (min-cost flow with convex load costs). The objective is a sum over
//! teams, so the search re-prices only the teams a move touches.

use super::flow::MinCostFlow;
use super::model::{Problem, Reviewer, SampledFile, Weights};
use super::rules::RecusalIndex;
use crate::domain::CaseType;
use crate::domain::ids::UnitId;
use std::collections::HashMap;

/// Added per broken hard rule (or per review that cannot be placed) while searching, so the
/// search can walk through infeasible states towards feasible ones. Far above any objective.
pub const BREACH_PENALTY: i64 = 1_000_000_000;

/// A team's share of the objective and the hard-rule breaches the search still has to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TeamCost {
    pub objective: i64,
    pub breaches: i64,
}

impl TeamCost {
    pub fn total(self) -> i64 {
        self.objective
            .saturating_add(self.breaches.saturating_mul(BREACH_PENALTY))
    }
}

/// Files sharing case type, reviewers needed and eligible members: interchangeable inside a
/// team, so the flow carries them as one node.
#[derive(Debug)]
struct FileClass {
    case_type: CaseType,
    needed: u8,
    mask: u64,
    files: Vec<usize>,
    /// (member position, arc into the member), grouped so members of one unit are adjacent.
    arcs: Vec<(usize, usize)>,
}

/// Reusable buffers for pricing teams.
#[derive(Debug, Default)]
pub struct Scratch {
    net: MinCostFlow,
    classes: Vec<FileClass>,
}

/// Precomputed lookups over a problem, by index.
#[derive(Debug)]
pub struct Evaluator<'p> {
    pub problem: &'p Problem,
    pub weights: Weights,
    index: RecusalIndex,
    pub unit_files: Vec<Vec<usize>>,
    pub unit_criminal: Vec<bool>,
    pub unit_demand: Vec<i64>,
    /// Reviews per unit and case type, in the order of [`CaseType::ALL`].
    pub unit_type_demand: Vec<[i64; 3]>,
    /// Reviewers with a declared conflict or an objection take the slow, full check.
    flagged: Vec<bool>,
    reviewer_name: Vec<u32>,
    handler_name: Vec<u32>,
    /// Per reviewer: (unit index, repeat penalty) for units visited in past rounds.
    repeat: Vec<Vec<(usize, i64)>>,
    /// Eligibility by reviewer and file, worked out once for small rounds (empty otherwise).
    eligibility: Vec<Vec<bool>>,
}

/// Rounds with at most this many (reviewer, file) pairs keep the eligibility table.
const ELIGIBILITY_TABLE: usize = 1_000_000;

fn name_key(names: &mut HashMap<String, u32>, name: &str) -> u32 {
    let normalized: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let next = u32::try_from(names.len()).unwrap_or(u32::MAX);
    *names.entry(normalized).or_insert(next)
}

impl<'p> Evaluator<'p> {
    pub fn new(problem: &'p Problem) -> Self {
        let unit_index: HashMap<UnitId, usize> = problem
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id, i))
            .collect();
        let mut unit_files = vec![Vec::new(); problem.units.len()];
        let mut unit_criminal = vec![false; problem.units.len()];
        let mut unit_demand = vec![0i64; problem.units.len()];
        let mut unit_type_demand = vec![[0i64; 3]; problem.units.len()];
        for (position, file) in problem.files.iter().enumerate() {
            if let Some(&unit) = unit_index.get(&file.unit) {
                if let Some(list) = unit_files.get_mut(unit) {
                    list.push(position);
                }
                if let Some(flag) = unit_criminal.get_mut(unit) {
                    *flag |= file.case_type == CaseType::Criminal;
                }
                if let Some(demand) = unit_demand.get_mut(unit) {
                    *demand += i64::from(file.reviewers_needed);
                }
                let kind = CaseType::ALL
                    .iter()
                    .position(|&t| t == file.case_type)
                    .unwrap_or(0);
                if let Some(slot) = unit_type_demand.get_mut(unit).and_then(|r| r.get_mut(kind)) {
                    *slot += i64::from(file.reviewers_needed);
                }
            }
        }
        let mut flagged = vec![false; problem.reviewers.len()];
        let reviewer_index: HashMap<_, usize> = problem
            .reviewers
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        let marked = problem
            .conflicts
            .iter()
            .map(|c| c.reviewer)
            .chain(problem.objections.iter().map(|o| o.reviewer));
        for id in marked {
            if let Some(flag) = reviewer_index.get(&id).and_then(|&i| flagged.get_mut(i)) {
                *flag = true;
            }
        }
        let mut names = HashMap::new();
        let reviewer_name = problem
            .reviewers
            .iter()
            .map(|r| name_key(&mut names, &r.name))
            .collect();
        let handler_name = problem
            .files
            .iter()
            .map(|f| name_key(&mut names, &f.handler_name))
            .collect();
        let mut repeat: Vec<Vec<(usize, i64)>> = vec![Vec::new(); problem.reviewers.len()];
        for (age, round) in problem.history.iter().enumerate() {
            let penalty = repeat_penalty(problem.config.weights.repeat_visit, age);
            for visit in &round.visits {
                let (Some(&reviewer), Some(&unit)) = (
                    reviewer_index.get(&visit.reviewer),
                    unit_index.get(&visit.unit),
                ) else {
                    continue;
                };
                if let Some(list) = repeat.get_mut(reviewer)
                    && !list.iter().any(|(u, _)| *u == unit)
                {
                    // Newest rounds come first, so the first entry holds the newest visit.
                    list.push((unit, penalty));
                }
            }
        }
        let mut evaluator = Evaluator {
            problem,
            weights: problem.config.weights,
            index: RecusalIndex::new(problem),
            unit_files,
            unit_criminal,
            unit_demand,
            unit_type_demand,
            flagged,
            reviewer_name,
            handler_name,
            repeat,
            eligibility: Vec::new(),
        };
        if problem.reviewers.len().saturating_mul(problem.files.len()) <= ELIGIBILITY_TABLE {
            evaluator.eligibility = (0..problem.reviewers.len())
                .map(|r| {
                    (0..problem.files.len())
                        .map(|f| evaluator.check_eligible(r, f))
                        .collect()
                })
                .collect();
        }
        evaluator
    }

    pub fn reviewer(&self, position: usize) -> Option<&'p Reviewer> {
        self.problem.reviewers.get(position)
    }

    fn file(&self, position: usize) -> Option<&'p SampledFile> {
        self.problem.files.get(position)
    }

    /// Same answer as [`RecusalIndex::file_recusal`] being `None`, with a fast path for
    /// reviewers who declared nothing and drew no objection.
    pub fn eligible(&self, reviewer: usize, file: usize) -> bool {
        if let Some(row) = self.eligibility.get(reviewer) {
            return row.get(file).copied().unwrap_or(false);
        }
        self.check_eligible(reviewer, file)
    }

    /// [`Evaluator::eligible`] without the table.
    pub(super) fn check_eligible(&self, reviewer: usize, file: usize) -> bool {
        let (Some(r), Some(f)) = (self.reviewer(reviewer), self.file(file)) else {
            return false;
        };
        if self.flagged.get(reviewer).copied().unwrap_or(true) {
            return self.index.file_recusal(r, f).is_none();
        }
        r.available
            && r.unit != f.unit
            && !(r.law_firm.is_some() && r.law_firm == f.handling_firm)
            && self.reviewer_name.get(reviewer) != self.handler_name.get(file)
    }

    /// Repeat penalty of `reviewer` visiting unit `unit` (both indices).
    pub fn repeat_cost(&self, reviewer: usize, unit: usize) -> i64 {
        self.repeat
            .get(reviewer)
            .and_then(|list| list.iter().find(|(u, _)| *u == unit))
            .map_or(0, |(_, penalty)| *penalty)
    }

    pub fn unit_id(&self, unit: usize) -> Option<UnitId> {
        self.problem.units.get(unit).map(|u| u.id)
    }

    /// Prices a team. With `split`, also writes each file's reviewers (reviewer indices) as
    /// (file index, reviewers) pairs.
    pub fn team_cost(
        &self,
        members: &[usize],
        units: &[usize],
        scratch: &mut Scratch,
        split: Option<&mut Vec<(usize, Vec<usize>)>>,
    ) -> TeamCost {
        let mut cost = self.fixed_cost(members, units);
        let (unplaced, split_cost) = self.split_files(members, units, scratch, split);
        cost.objective += split_cost;
        cost.breaches += unplaced;
        cost
    }

    /// Everything in a team's cost but the split of its files: composition, visits, travel and
    /// the rules checked per team (size, leader, availability, criminal expert, own unit).
    fn fixed_cost(&self, members: &[usize], units: &[usize]) -> TeamCost {
        let weights = self.weights;
        let mut cost = TeamCost::default();
        let size = self.problem.config.team_size;
        let count = u32::try_from(members.len()).unwrap_or(u32::MAX);
        if count < size.min || count > size.max || members.len() > 64 {
            cost.breaches += 1;
        }
        let mut has_leader = false;
        let mut criminal_expert = false;
        for (position, &member) in members.iter().enumerate() {
            let Some(person) = self.reviewer(member) else {
                continue;
            };
            has_leader |= person.may_lead && person.available;
            criminal_expert |= person.expertise.contains(&CaseType::Criminal);
            if !person.available {
                cost.breaches += 1;
            }
            let same = members
                .iter()
                .skip(position + 1)
                .filter_map(|&other| self.reviewer(other))
                .filter(|other| other.unit == person.unit)
                .count();
            cost.objective += weights.same_unit_pair * i64::try_from(same).unwrap_or(0);
        }
        if !has_leader {
            cost.breaches += 1;
        }
        for &unit in units {
            if self.unit_criminal.get(unit).copied().unwrap_or(false) && !criminal_expert {
                cost.breaches += 1;
            }
            let unit_id = self.unit_id(unit);
            let own = members
                .iter()
                .filter_map(|&m| self.reviewer(m))
                .filter(|p| Some(p.unit) == unit_id)
                .count();
            cost.breaches += i64::try_from(own).unwrap_or(i64::MAX);
            for &member in members {
                cost.objective += self.repeat_cost(member, unit);
            }
        }
        let extra_units = i64::try_from(units.len().saturating_sub(1)).unwrap_or(0);
        cost.objective += weights.extra_unit * extra_units * extra_units;
        cost
    }

    /// A lower bound on [`Evaluator::team_cost`]`(members, units).total()`, without the flow:
    /// the fixed part exactly; the reviews no member has room for as breaches; the load as if
    /// the reviews could go to anyone in the team (even water-filling under capacities); and
    /// the reviews of each case type beyond the capacity of the members who know it as
    /// mismatches.
    #[cfg(test)]
    pub fn team_bound(&self, members: &[usize], units: &[usize]) -> i64 {
        let mut cost = self.fixed_cost(members, units);
        let mut demand = 0i64;
        let mut by_type = [0i64; 3];
        for &unit in units {
            if let Some(row) = self.unit_type_demand.get(unit) {
                for (total, part) in by_type.iter_mut().zip(row) {
                    *total += part;
                }
            }
        }
        for part in by_type {
            demand += part;
        }
        let mut capacities: Vec<i64> = members
            .iter()
            .filter_map(|&m| self.reviewer(m))
            .map(|r| i64::from(r.capacity).min(demand))
            .collect();
        let room: i64 = capacities.iter().sum();
        let short = (demand - room).max(0);
        cost.breaches += short;
        cost.objective += self.weights.load * water_fill(&mut capacities, demand - short);
        if short == 0 {
            for (case_type, reviews) in CaseType::ALL.iter().zip(by_type) {
                let room: i64 = members
                    .iter()
                    .filter_map(|&m| self.reviewer(m))
                    .filter(|r| r.expertise.contains(case_type))
                    .map(|r| i64::from(r.capacity))
                    .sum();
                cost.objective += self.weights.expertise_mismatch * (reviews - room).max(0);
            }
        }
        cost.total()
    }

    /// The min-cost split of the team's files; returns (reviews left unplaced, cost).
    fn split_files(
        &self,
        members: &[usize],
        units: &[usize],
        scratch: &mut Scratch,
        split: Option<&mut Vec<(usize, Vec<usize>)>>,
    ) -> (i64, i64) {
        let weights = self.weights;
        let mut active = 0usize;
        let mut demand = 0i64;
        for &unit in units {
            for &file in self.unit_files.get(unit).map_or(&[][..], |v| v.as_slice()) {
                let Some(record) = self.file(file) else {
                    continue;
                };
                let mut mask = 0u64;
                for (position, &member) in members.iter().enumerate().take(64) {
                    if self.eligible(member, file) {
                        mask |= 1 << position;
                    }
                }
                demand += i64::from(record.reviewers_needed);
                let found = scratch.classes.iter_mut().take(active).find(|c| {
                    c.mask == mask
                        && c.case_type == record.case_type
                        && c.needed == record.reviewers_needed
                });
                if let Some(class) = found {
                    class.files.push(file);
                    continue;
                }
                // A new class; reuse an old slot's buffers when there is one.
                if let Some(slot) = scratch.classes.get_mut(active) {
                    slot.case_type = record.case_type;
                    slot.needed = record.reviewers_needed;
                    slot.mask = mask;
                    slot.files.clear();
                    slot.files.push(file);
                    slot.arcs.clear();
                } else {
                    scratch.classes.push(FileClass {
                        case_type: record.case_type,
                        needed: record.reviewers_needed,
                        mask,
                        files: vec![file],
                        arcs: Vec::new(),
                    });
                }
                active += 1;
            }
        }
        if demand == 0 {
            return (0, 0);
        }
        let net = &mut scratch.net;
        net.reset(2);
        let (source, sink) = (0, 1);
        let mut member_nodes = Vec::with_capacity(members.len());
        for &member in members {
            let node = net.add_node();
            member_nodes.push(node);
            let capacity = self
                .reviewer(member)
                .map_or(0, |r| i64::from(r.capacity))
                .min(demand);
            net.add_convex_arc(node, sink, capacity, 0, weights.load);
        }
        for class in scratch.classes.iter_mut().take(active) {
            let node = net.add_node();
            let files = i64::try_from(class.files.len()).unwrap_or(0);
            net.add_arc(source, node, files * i64::from(class.needed), 0);
            // Members of one unit share a gate of capacity `files`, so no file gets two of them.
            let mut done = 0u64;
            for (position, &member) in members.iter().enumerate().take(64) {
                let bit = 1u64 << position;
                if class.mask & bit == 0 || done & bit != 0 {
                    continue;
                }
                let unit = self.reviewer(member).map(|r| r.unit);
                let mut group = 0u64;
                for (p, m) in members.iter().enumerate().take(64) {
                    if class.mask & (1 << p) != 0 && self.reviewer(*m).map(|r| r.unit) == unit {
                        group |= 1 << p;
                    }
                }
                let gate = if class.needed > 1 && group.count_ones() > 1 {
                    let gate = net.add_node();
                    net.add_arc(node, gate, files, 0);
                    gate
                } else {
                    node
                };
                for p in (0..members.len().min(64)).filter(|p| group & (1 << p) != 0) {
                    done |= 1 << p;
                    let (Some(&target), Some(&m)) = (member_nodes.get(p), members.get(p)) else {
                        continue;
                    };
                    let expert = self
                        .reviewer(m)
                        .is_some_and(|r| r.expertise.contains(&class.case_type));
                    let arc_cost = if expert {
                        0
                    } else {
                        weights.expertise_mismatch
                    };
                    let arc = net.add_arc(gate, target, files, arc_cost);
                    class.arcs.push((p, arc));
                }
            }
        }
        let (flow, cost) = net.run(source, sink, demand);
        if let Some(out) = split {
            for class in scratch.classes.iter().take(active) {
                let mut slots = Vec::new();
                for &(position, arc) in &class.arcs {
                    let Some(&member) = members.get(position) else {
                        continue;
                    };
                    for _ in 0..net.flow_on(arc) {
                        slots.push(member);
                    }
                }
                // Slot k goes to file k mod n; a unit's slots are adjacent and at most n, so
                // no file gets two reviewers of one unit (nor one reviewer twice).
                let mut reviewers: Vec<Vec<usize>> = vec![Vec::new(); class.files.len()];
                let files = class.files.len().max(1);
                for (k, member) in slots.into_iter().enumerate() {
                    if let Some(list) = reviewers.get_mut(k % files) {
                        list.push(member);
                    }
                }
                out.extend(class.files.iter().copied().zip(reviewers));
            }
        }
        (demand - flow, cost)
    }
}

/// [`Evaluator::team_bound`] for every way of dealing a small pool of reviewers (at most 32)
/// between two sides with fixed units, by bit mask, without allocating: the pair move bounds
/// dozens of splits per pair of teams.
#[derive(Debug)]
pub struct PoolBound {
    capacity: Vec<i64>,
    /// Per member, the later members of the same unit.
    same_after: Vec<u32>,
    leaders: u32,
    unavailable: u32,
    criminal: u32,
    experts: [u32; 3],
    sides: [Side; 2],
}

#[derive(Debug, Default)]
struct Side {
    /// Members whose own unit is among the side's units.
    own: u32,
    repeat: Vec<i64>,
    criminal_units: i64,
    extra: i64,
    demand: i64,
    by_type: [i64; 3],
}

impl PoolBound {
    pub fn new(evaluator: &Evaluator<'_>, pool: &[usize], units: [&[usize]; 2]) -> Self {
        let people: Vec<Option<&Reviewer>> = pool.iter().map(|&m| evaluator.reviewer(m)).collect();
        let bit = |position: usize| 1u32 << position;
        let mut bound = PoolBound {
            capacity: Vec::with_capacity(pool.len()),
            same_after: vec![0; pool.len()],
            leaders: 0,
            unavailable: 0,
            criminal: 0,
            experts: [0; 3],
            sides: [Side::default(), Side::default()],
        };
        for (position, person) in people.iter().enumerate() {
            let Some(person) = person else {
                bound.capacity.push(0);
                continue;
            };
            bound.capacity.push(i64::from(person.capacity));
            if person.may_lead && person.available {
                bound.leaders |= bit(position);
            }
            if !person.available {
                bound.unavailable |= bit(position);
            }
            if person.expertise.contains(&CaseType::Criminal) {
                bound.criminal |= bit(position);
            }
            for (mask, case_type) in bound.experts.iter_mut().zip(CaseType::ALL) {
                if person.expertise.contains(&case_type) {
                    *mask |= bit(position);
                }
            }
            for (later, other) in people.iter().enumerate().skip(position + 1) {
                if other.is_some_and(|o| o.unit == person.unit)
                    && let Some(slot) = bound.same_after.get_mut(position)
                {
                    *slot |= bit(later);
                }
            }
        }
        for (side, units) in bound.sides.iter_mut().zip(units) {
            side.repeat = pool
                .iter()
                .map(|&m| units.iter().map(|&u| evaluator.repeat_cost(m, u)).sum())
                .collect();
            for &unit in units {
                let unit_id = evaluator.unit_id(unit);
                for (position, person) in people.iter().enumerate() {
                    if person.is_some_and(|p| Some(p.unit) == unit_id) {
                        side.own |= bit(position);
                    }
                }
                if evaluator.unit_criminal.get(unit).copied().unwrap_or(false) {
                    side.criminal_units += 1;
                }
                if let Some(row) = evaluator.unit_type_demand.get(unit) {
                    for (total, part) in side.by_type.iter_mut().zip(row) {
                        *total += part;
                    }
                }
            }
            side.demand = side.by_type.iter().sum();
            let extra = i64::try_from(units.len().saturating_sub(1)).unwrap_or(0);
            side.extra = evaluator.weights.extra_unit * extra * extra;
        }
        bound
    }

    /// The bound of side 0 or 1 taking the members in `mask` (size range not checked: the
    /// caller deals only sizes within it).
    pub fn bound(&self, evaluator: &Evaluator<'_>, side: usize, mask: u32) -> i64 {
        let Some(info) = self.sides.get(side) else {
            return 0;
        };
        let weights = evaluator.weights;
        let mut breaches = i64::from((mask & self.unavailable).count_ones())
            + i64::from((mask & info.own).count_ones());
        if mask & self.leaders == 0 {
            breaches += 1;
        }
        if mask & self.criminal == 0 {
            breaches += info.criminal_units;
        }
        let mut objective = info.extra;
        let mut capacities = [0i64; 32];
        let mut count = 0usize;
        for position in 0..self.capacity.len().min(32) {
            if mask & (1 << position) == 0 {
                continue;
            }
            let same = self
                .same_after
                .get(position)
                .map_or(0, |s| (s & mask).count_ones());
            objective += weights.same_unit_pair * i64::from(same);
            objective += info.repeat.get(position).copied().unwrap_or(0);
            if let Some(slot) = capacities.get_mut(count) {
                *slot = self
                    .capacity
                    .get(position)
                    .copied()
                    .unwrap_or(0)
                    .min(info.demand);
            }
            count += 1;
        }
        let capacities = capacities.get_mut(..count).unwrap_or_default();
        let room: i64 = capacities.iter().sum();
        let short = (info.demand - room).max(0);
        breaches += short;
        objective += weights.load * water_fill(capacities, info.demand - short);
        if short == 0 {
            // Reviews of a case type beyond what the members who know it can take.
            for (experts, reviews) in self.experts.iter().zip(info.by_type) {
                let room: i64 = (0..self.capacity.len().min(32))
                    .filter(|&p| mask & experts & (1 << p) != 0)
                    .map(|p| self.capacity.get(p).copied().unwrap_or(0))
                    .sum();
                objective += weights.expertise_mismatch * (reviews - room).max(0);
            }
        }
        objective.saturating_add(breaches.saturating_mul(BREACH_PENALTY))
    }
}

/// The least Σ load² when `total` reviews go to people with these capacities (each at most
/// its capacity; `total` must fit): the smallest capacities fill up first, the rest is split
/// evenly, which is optimal for a convex, separable cost.
fn water_fill(capacities: &mut [i64], total: i64) -> i64 {
    capacities.sort_unstable();
    let mut rest = total;
    let mut sum = 0;
    for (position, &capacity) in capacities.iter().enumerate() {
        let people = i64::try_from(capacities.len() - position).unwrap_or(1);
        if capacity * people <= rest {
            sum += capacity * capacity;
            rest -= capacity;
            continue;
        }
        let (quotient, remainder) = (rest / people, rest % people);
        return sum
            + remainder * (quotient + 1) * (quotient + 1)
            + (people - remainder) * quotient * quotient;
    }
    sum
}

/// The repeat penalty for a visit `age` rounds back (0 = the newest past round): halved per
/// round.
pub fn repeat_penalty(weight: i64, age: usize) -> i64 {
    u32::try_from(age)
        .ok()
        .and_then(|shift| weight.checked_shr(shift))
        .unwrap_or(0)
}
