//! Forms the cross-check teams, gives them units and splits the files, in stages, minimising one
//! objective while never breaking a hard rule.
//!
//! # The objective (the same one `quality.rs` recomputes and the MILP in benches/ solves)
//!
//! With weights w from [`Weights`](super::model::Weights), all integers:
//!
//! ```text
//!   Σ over reviews (file f, reviewer r)   w.expertise_mismatch · [type(f) ∉ expertise(r)]
//! + Σ over reviewers r                    w.load · load(r)²
//! + Σ over teams t                        w.same_unit_pair · #{pairs of members of t from one unit}
//! + Σ over teams t, members m, units u of t   repeat(m, u)
//! + Σ over teams t                        w.extra_unit · (units(t) − 1)²
//! ```
//!
//! where repeat(m, u) = w.repeat_visit >> a when m's team visited u `a` rounds back (a = 0 is
//! the newest past round, the newest visit counts), else 0.
//!
//! # Method
//!
//! 1. Teams: leaders first (one member who may lead per team, criminal experts and seniority
//!    first), then the other members by capacity, each placed in the team where it adds the
//!    least (mixing units, spreading criminal experts).
//! 2. Teams to units: largest units first, each to the team where the exact cost rises least
//!    (every team gets one unit before any gets two); a team may take a unit only if its
//!    members can review all the unit's files (the flow below says so exactly).
//! 3. Files to members: inside a team, a min-cost flow with convex load arcs (the k-th file of a
//!    reviewer costs w.load·(2k−1)), recusal as missing arcs, and a gate per unit so a doubly
//!    reviewed file gets reviewers of different units. It is exact for the team.
//!
//! Then simulated annealing (seeded SplitMix64) moves units and members between teams (and in
//! from the unused pool), re-pricing only the two teams touched, with stages 2–3 priced exactly;
//! a sweep tries every single unit move where the instance is small enough. Then an iterated
//! local search over pair moves: the members of two teams are pooled and dealt again in the best
//! way (every split within the size range, each team keeping its units, each side priced exactly
//! by the flow unless a cheap lower bound — fixed part, water-filled load, expertise room —
//! shows it cannot win); a few random swaps or moves kick it out of each local optimum, and the
//! best state is kept. Its work budget is counted, not timed, so the result depends only on the
//! input and the seed. The result is checked by `rules::check_assignment` before it is
//! returned; nothing partial ever is.

use super::diagnosis::{Infeasible, Reason, diagnose};
use super::model::{Assignment, Placement, Problem, Team};
use super::random::{SplitMix64, exp_neg};
use super::rules::check_assignment;
use super::team_cost::{BREACH_PENALTY, Evaluator, PoolBound, Scratch, TeamCost};
use crate::domain::CaseType;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// Work units of pair moves and iterated local search per annealing step, and at most in all
/// (about half a second): small rounds get much of their quality here, large ones from the
/// annealing.
const POLISH_WORK_PER_STEP: u64 = 80;
const POLISH_WORK_CAP: u64 = 500_000;

/// Solves the round, or says why it cannot be solved.
pub fn solve(problem: &Problem) -> Result<Assignment, Infeasible> {
    let reasons = diagnose(problem);
    if !reasons.is_empty() {
        return Err(Infeasible { reasons });
    }
    let evaluator = Evaluator::new(problem);
    let mut rng = SplitMix64::new(problem.config.seed);
    let mut search = Search::new(&evaluator, &mut rng);
    search.anneal(&mut rng);
    search.sweep();
    search.budget = search
        .steps()
        .saturating_mul(POLISH_WORK_PER_STEP)
        .min(POLISH_WORK_CAP);
    search.iterate(&mut rng);
    search.sweep();
    let assignment = search.assignment();
    let breaches = check_assignment(problem, &assignment);
    if search.breaches() > 0 || !breaches.is_empty() {
        let mut reasons = vec![Reason::search_failed(search.breaches())];
        reasons.extend(breaches.into_iter().map(Reason::from_breach));
        return Err(Infeasible { reasons });
    }
    Ok(assignment)
}

#[derive(Debug, Clone)]
struct TeamState {
    members: Vec<usize>,
    units: Vec<usize>,
    cost: TeamCost,
}

struct Search<'e, 'p> {
    evaluator: &'e Evaluator<'p>,
    teams: Vec<TeamState>,
    /// Available reviewers in no team.
    bench: Vec<usize>,
    unit_team: Vec<usize>,
    scratch: Scratch,
    /// Exact prices of (sorted members, sorted units) already computed by the pair moves.
    cache: HashMap<(Vec<usize>, Vec<usize>), TeamCost>,
    /// Work the pair moves may still do (deterministic, unlike a clock): one unit per split
    /// bounded, [`PRICE_WORK`] per team priced.
    budget: u64,
    /// Fingerprints of pairs of teams no pair move improves.
    settled: HashSet<(u64, u64)>,
}

/// A flow pricing costs about as much as this many split bounds.
const PRICE_WORK: u64 = 8;

/// One proposed change: the new members and units of up to two teams.
struct Proposal {
    first: usize,
    first_members: Vec<usize>,
    first_units: Vec<usize>,
    second: usize,
    second_members: Vec<usize>,
    second_units: Vec<usize>,
    bench_slot: Option<(usize, usize)>,
}

impl<'e, 'p> Search<'e, 'p> {
    /// Stages 1 and 2: a greedy start.
    fn new(evaluator: &'e Evaluator<'p>, rng: &mut SplitMix64) -> Self {
        let problem = evaluator.problem;
        let team_count = usize::try_from(problem.team_count()).unwrap_or(0);
        let size = problem.config.team_size;
        let mut pool: Vec<usize> = (0..problem.reviewers.len())
            .filter(|&i| evaluator.reviewer(i).is_some_and(|r| r.available))
            .collect();
        rng.shuffle(&mut pool);
        let total_members = pool.len().min(team_count.saturating_mul(size.max as usize));

        let is_criminal = |i: usize| {
            evaluator
                .reviewer(i)
                .is_some_and(|r| r.expertise.contains(&CaseType::Criminal))
        };
        // Leaders: may lead; criminal experts and the most experienced first.
        let mut leaders: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| evaluator.reviewer(i).is_some_and(|r| r.may_lead))
            .collect();
        leaders.sort_by_key(|&i| {
            let years = evaluator.reviewer(i).map_or(0, |r| r.years_of_practice);
            (!is_criminal(i), std::cmp::Reverse(years))
        });
        leaders.truncate(team_count);
        let mut others: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|i| !leaders.contains(i))
            .collect();
        others.sort_by_key(|&i| std::cmp::Reverse(evaluator.reviewer(i).map_or(0, |r| r.capacity)));
        let chosen_others = total_members.saturating_sub(leaders.len());
        let bench = others.split_off(chosen_others.min(others.len()));
        // Criminal experts first, so each team gets one before any gets two.
        others.sort_by_key(|&i| !is_criminal(i));

        let mut teams: Vec<TeamState> = leaders
            .iter()
            .map(|&leader| TeamState {
                members: vec![leader],
                units: Vec::new(),
                cost: TeamCost::default(),
            })
            .collect();
        let base = total_members / team_count.max(1);
        let extra = total_members % team_count.max(1);
        let target = |t: usize| base + usize::from(t < extra);
        for member in others {
            let Some(person) = evaluator.reviewer(member) else {
                continue;
            };
            let best = teams
                .iter()
                .enumerate()
                .filter(|(t, team)| team.members.len() < target(*t))
                .min_by_key(|(_, team)| {
                    let same_unit = team
                        .members
                        .iter()
                        .filter(|&&m| evaluator.reviewer(m).is_some_and(|r| r.unit == person.unit))
                        .count();
                    let lacks_criminal = !team.members.iter().any(|&m| is_criminal(m));
                    (
                        !(lacks_criminal && is_criminal(member)),
                        same_unit,
                        team.members.len(),
                    )
                })
                .map(|(t, _)| t);
            if let Some(team) = best.and_then(|t| teams.get_mut(t)) {
                team.members.push(member);
            }
        }

        let mut search = Search {
            evaluator,
            teams,
            bench,
            unit_team: vec![0; problem.units.len()],
            scratch: Scratch::default(),
            cache: HashMap::new(),
            budget: 0,
            settled: HashSet::new(),
        };
        search.place_units(rng);
        search
    }

    fn price(&mut self, members: &[usize], units: &[usize]) -> TeamCost {
        self.evaluator
            .team_cost(members, units, &mut self.scratch, None)
    }

    /// Stage 2: largest units first, each to the team whose exact cost rises least.
    fn place_units(&mut self, rng: &mut SplitMix64) {
        const CANDIDATES: usize = 48;
        let mut order: Vec<usize> = (0..self.unit_team.len()).collect();
        rng.shuffle(&mut order);
        order.sort_by_key(|&u| {
            std::cmp::Reverse(self.evaluator.unit_demand.get(u).copied().unwrap_or(0))
        });
        for position in 0..self.teams.len() {
            let members = self.teams.get(position).map(|t| t.members.clone());
            if let Some(members) = members {
                let cost = self.price(&members, &[]);
                if let Some(team) = self.teams.get_mut(position) {
                    team.cost = cost;
                }
            }
        }
        for (placed, &unit) in order.iter().enumerate() {
            let remaining = order.len() - placed;
            let empty: Vec<usize> = (0..self.teams.len())
                .filter(|&t| self.teams.get(t).is_some_and(|team| team.units.is_empty()))
                .collect();
            let mut candidates: Vec<usize> = if remaining <= empty.len() {
                empty
            } else {
                (0..self.teams.len()).collect()
            };
            if candidates.len() > CANDIDATES {
                rng.shuffle(&mut candidates);
                candidates.truncate(CANDIDATES);
                candidates.sort_unstable();
            }
            let mut best: Option<(i64, usize, TeamCost)> = None;
            for team in candidates {
                let Some(state) = self.teams.get(team) else {
                    continue;
                };
                let members = state.members.clone();
                let mut units = state.units.clone();
                let old = state.cost.total();
                units.push(unit);
                let cost = self.price(&members, &units);
                let delta = cost.total().saturating_sub(old);
                if best.is_none_or(|(d, _, _)| delta < d) {
                    best = Some((delta, team, cost));
                }
            }
            if let Some((_, team, cost)) = best
                && let Some(state) = self.teams.get_mut(team)
            {
                state.units.push(unit);
                state.cost = cost;
                if let Some(slot) = self.unit_team.get_mut(unit) {
                    *slot = team;
                }
            }
        }
    }

    fn total(&self) -> i64 {
        self.teams.iter().map(|t| t.cost.total()).sum()
    }

    fn breaches(&self) -> i64 {
        self.teams.iter().map(|t| t.cost.breaches).sum()
    }

    fn steps(&self) -> u64 {
        let effort = self.evaluator.problem.config.effort;
        let items = (self.teams.len() + self.unit_team.len()) as u64;
        effort
            .steps_per_item
            .saturating_mul(items)
            .min(effort.max_steps)
    }

    /// A random move, or `None` when the draw does not apply (e.g. a team's last unit).
    fn propose(&self, rng: &mut SplitMix64) -> Option<Proposal> {
        let team_count = self.teams.len();
        if team_count < 2 {
            return None;
        }
        let size = self.evaluator.problem.config.team_size;
        let kind = rng.below(100);
        if kind < 55 {
            let unit = rng.below(self.unit_team.len());
            let first = *self.unit_team.get(unit)?;
            let second = rng.below(team_count);
            let a = self.teams.get(first)?;
            let b = self.teams.get(second)?;
            if first == second {
                return None;
            }
            let swap = kind >= 35;
            let mut first_units: Vec<usize> =
                a.units.iter().copied().filter(|&u| u != unit).collect();
            let mut second_units = b.units.clone();
            second_units.push(unit);
            if swap {
                let back = *b.units.get(rng.below(b.units.len()))?;
                second_units.retain(|&u| u != back);
                first_units.push(back);
            } else if first_units.is_empty() {
                return None;
            }
            return Some(Proposal {
                first,
                first_members: a.members.clone(),
                first_units,
                second,
                second_members: b.members.clone(),
                second_units,
                bench_slot: None,
            });
        }
        let first = rng.below(team_count);
        let a = self.teams.get(first)?;
        let out_position = rng.below(a.members.len());
        let out = *a.members.get(out_position)?;
        if kind >= 90 && !self.bench.is_empty() {
            let bench_position = rng.below(self.bench.len());
            let incoming = *self.bench.get(bench_position)?;
            let mut members = a.members.clone();
            *members.get_mut(out_position)? = incoming;
            return Some(Proposal {
                first,
                first_members: members,
                first_units: a.units.clone(),
                second: first,
                second_members: Vec::new(),
                second_units: Vec::new(),
                bench_slot: Some((bench_position, out)),
            });
        }
        let second = rng.below(team_count);
        let b = self.teams.get(second)?;
        if first == second {
            return None;
        }
        let mut first_members = a.members.clone();
        let mut second_members = b.members.clone();
        if kind >= 80 {
            if first_members.len() <= size.min as usize || second_members.len() >= size.max as usize
            {
                return None;
            }
            first_members.remove(out_position);
            second_members.push(out);
        } else {
            let in_position = rng.below(b.members.len());
            let incoming = *b.members.get(in_position)?;
            *first_members.get_mut(out_position)? = incoming;
            *second_members.get_mut(in_position)? = out;
        }
        Some(Proposal {
            first,
            first_members,
            first_units: a.units.clone(),
            second,
            second_members,
            second_units: b.units.clone(),
            bench_slot: None,
        })
    }

    /// Prices a proposal: (delta of the total, new costs of the two teams).
    fn delta(&mut self, proposal: &Proposal) -> Option<(i64, TeamCost, TeamCost)> {
        let old_first = self.teams.get(proposal.first)?.cost;
        let new_first = self.price_cached(&proposal.first_members, &proposal.first_units);
        if proposal.first == proposal.second {
            return Some((
                new_first.total() - old_first.total(),
                new_first,
                TeamCost::default(),
            ));
        }
        let old_second = self.teams.get(proposal.second)?.cost;
        let new_second = self.price_cached(&proposal.second_members, &proposal.second_units);
        Some((
            new_first.total() + new_second.total() - old_first.total() - old_second.total(),
            new_first,
            new_second,
        ))
    }

    fn apply(&mut self, proposal: Proposal, first_cost: TeamCost, second_cost: TeamCost) {
        if let Some((slot, out)) = proposal.bench_slot
            && let Some(entry) = self.bench.get_mut(slot)
        {
            *entry = out;
        }
        for &unit in &proposal.first_units {
            if let Some(slot) = self.unit_team.get_mut(unit) {
                *slot = proposal.first;
            }
        }
        if let Some(team) = self.teams.get_mut(proposal.first) {
            team.members = proposal.first_members;
            team.units = proposal.first_units;
            team.cost = first_cost;
        }
        if proposal.first != proposal.second {
            for &unit in &proposal.second_units {
                if let Some(slot) = self.unit_team.get_mut(unit) {
                    *slot = proposal.second;
                }
            }
            if let Some(team) = self.teams.get_mut(proposal.second) {
                team.members = proposal.second_members;
                team.units = proposal.second_units;
                team.cost = second_cost;
            }
        }
    }

    /// Simulated annealing with geometric cooling from a temperature sampled from the moves
    /// themselves down to 1/500 of it. Integer costs; the acceptance test uses our own
    /// `exp_neg`, so the run is the same on every platform.
    fn anneal(&mut self, rng: &mut SplitMix64) {
        let steps = self.steps();
        if steps == 0 || self.teams.len() < 2 {
            return;
        }
        let mut uphill = 0i64;
        let mut samples = 0i64;
        for _ in 0..200 {
            if let Some(proposal) = self.propose(rng)
                && let Some((delta, _, _)) = self.delta(&proposal)
                && delta > 0
                && delta < BREACH_PENALTY / 2
            {
                uphill += delta;
                samples += 1;
            }
        }
        let start = if samples > 0 {
            (uphill as f64 / samples as f64) * 0.5
        } else {
            1.0
        };
        // ln(500) = 6.2146…; the factor per step takes the temperature to start/500.
        let factor = exp_neg(6.214_608_098_422_191 / steps as f64);
        let mut temperature = start;
        for _ in 0..steps {
            temperature *= factor;
            let Some(proposal) = self.propose(rng) else {
                continue;
            };
            let Some((delta, first, second)) = self.delta(&proposal) else {
                continue;
            };
            let accept = delta <= 0
                || (delta < BREACH_PENALTY / 2
                    && rng.unit() < exp_neg(delta as f64 / temperature.max(1e-9)));
            if accept {
                self.apply(proposal, first, second);
            }
        }
    }

    /// An exact team price through the cache; spends budget on a miss.
    fn price_cached(&mut self, members: &[usize], units: &[usize]) -> TeamCost {
        const CACHE_LIMIT: usize = 200_000;
        let mut key = (members.to_vec(), units.to_vec());
        key.0.sort_unstable();
        key.1.sort_unstable();
        if let Some(&cost) = self.cache.get(&key) {
            return cost;
        }
        self.budget = self.budget.saturating_sub(PRICE_WORK);
        let cost = self.price(&key.0, &key.1);
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(key, cost);
        cost
    }

    /// The pair move: the members of two teams pooled and dealt again in the best way (every
    /// split within the size range, each side keeping its units), priced exactly; splits whose
    /// lower bound cannot beat the best so far are skipped. Returns whether it improved.
    fn resplit(&mut self, first: usize, second: usize) -> bool {
        const MAX_POOL: usize = 10;
        let (Some(a), Some(b)) = (self.teams.get(first), self.teams.get(second)) else {
            return false;
        };
        if first == second || a.members.len() + b.members.len() > MAX_POOL {
            return false;
        }
        let pool: Vec<usize> = a.members.iter().chain(&b.members).copied().collect();
        let (units_a, units_b) = (a.units.clone(), b.units.clone());
        let current = a.cost.total().saturating_add(b.cost.total());
        let original = (1u32 << a.members.len()) - 1;
        let size = self.evaluator.problem.config.team_size;
        let fits = |n: u32| n >= size.min && n <= size.max;
        let count = u32::try_from(pool.len()).unwrap_or(0);
        // (total, mask of the pool going to the first team, prices of the two sides).
        let mut best: Option<(i64, u32, TeamCost, TeamCost)> = None;
        let (mut side_a, mut side_b) = (Vec::new(), Vec::new());
        let evaluator = self.evaluator;
        let bounds = PoolBound::new(evaluator, &pool, [&units_a, &units_b]);
        let everyone = (1u32 << count) - 1;
        for mask in 0..(1u32 << count) {
            let taken = mask.count_ones();
            if mask == original || !fits(taken) || !fits(count - taken) {
                continue;
            }
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            let target = best.as_ref().map_or(current, |b| b.0);
            let bound_a = bounds.bound(evaluator, 0, mask);
            let bound_b = bounds.bound(evaluator, 1, everyone & !mask);
            if bound_a.saturating_add(bound_b) >= target {
                continue;
            }
            side_a.clear();
            side_b.clear();
            for (position, &member) in pool.iter().enumerate() {
                if mask & (1 << position) != 0 {
                    side_a.push(member);
                } else {
                    side_b.push(member);
                }
            }
            let cost_a = self.price_cached(&side_a, &units_a);
            if cost_a.total().saturating_add(bound_b) >= target {
                continue;
            }
            let cost_b = self.price_cached(&side_b, &units_b);
            let total = cost_a.total().saturating_add(cost_b.total());
            if total < target {
                best = Some((total, mask, cost_a, cost_b));
            }
        }
        let Some((_, mask, cost_a, cost_b)) = best else {
            return false;
        };
        let (mut first_members, mut second_members) = (Vec::new(), Vec::new());
        for (position, &member) in pool.iter().enumerate() {
            if mask & (1 << position) != 0 {
                first_members.push(member);
            } else {
                second_members.push(member);
            }
        }
        let proposal = Proposal {
            first,
            first_members,
            first_units: units_a,
            second,
            second_members,
            second_units: units_b,
            bench_slot: None,
        };
        self.apply(proposal, cost_a, cost_b);
        true
    }

    /// A fingerprint of a team's members and units (for remembering pairs already tried).
    fn signature(&self, team: usize) -> u64 {
        let Some(state) = self.teams.get(team) else {
            return 0;
        };
        let mut members = state.members.clone();
        members.sort_unstable();
        let mut units = state.units.clone();
        units.sort_unstable();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (members, units).hash(&mut hasher);
        hasher.finish()
    }

    /// Pair moves until none helps or the budget runs out: over every pair of teams when there
    /// are few, else over pairs drawn at random. A pair whose two teams are unchanged since it
    /// was last found locally optimal is not tried again.
    fn polish(&mut self, rng: &mut SplitMix64) {
        const ALL_PAIRS: usize = 2_000;
        let count = self.teams.len();
        if count < 2 {
            return;
        }
        let mut signatures: Vec<u64> = (0..count).map(|t| self.signature(t)).collect();
        if count * (count - 1) / 2 > ALL_PAIRS {
            while self.budget > 0 {
                let first = rng.below(count);
                let second = rng.below(count);
                self.try_pair(first, second, &mut signatures);
            }
            return;
        }
        loop {
            let mut improved = false;
            for first in 0..count {
                for second in first + 1..count {
                    if self.budget == 0 {
                        return;
                    }
                    improved |= self.try_pair(first, second, &mut signatures);
                }
            }
            if !improved {
                return;
            }
        }
    }

    fn try_pair(&mut self, first: usize, second: usize, signatures: &mut [u64]) -> bool {
        let key = (
            signatures.get(first).copied().unwrap_or(0),
            signatures.get(second).copied().unwrap_or(0),
        );
        if first == second || self.settled.contains(&key) {
            self.budget = self.budget.saturating_sub(1);
            return false;
        }
        if self.resplit(first, second) {
            for team in [first, second] {
                let signature = self.signature(team);
                if let Some(slot) = signatures.get_mut(team) {
                    *slot = signature;
                }
            }
            return true;
        }
        if self.budget > 0 {
            self.settled.insert(key);
        }
        false
    }

    /// Iterated local search around the pair moves: a few random member swaps, polish again,
    /// keep the result unless it is worse than the best (ties move on, to walk plateaus).
    fn iterate(&mut self, rng: &mut SplitMix64) {
        const KICK: usize = 3;
        self.polish(rng);
        let mut best = (
            self.total(),
            self.teams.clone(),
            self.bench.clone(),
            self.unit_team.clone(),
        );
        while self.budget > 0 && self.teams.len() >= 2 {
            for _ in 0..KICK {
                self.kick(rng);
            }
            self.polish(rng);
            let total = self.total();
            if total < best.0 {
                best = (
                    total,
                    self.teams.clone(),
                    self.bench.clone(),
                    self.unit_team.clone(),
                );
            } else if total > best.0 {
                self.teams.clone_from(&best.1);
                self.bench.clone_from(&best.2);
                self.unit_team.clone_from(&best.3);
            }
        }
        self.teams = best.1;
        self.bench = best.2;
        self.unit_team = best.3;
    }

    /// One random swap of two members of different teams (or with the bench), or one member
    /// moved to another team, whatever it costs.
    fn kick(&mut self, rng: &mut SplitMix64) {
        let count = self.teams.len();
        let first = rng.below(count);
        let second = rng.below(count + usize::from(!self.bench.is_empty()));
        let Some(a) = self.teams.get(first) else {
            return;
        };
        let out_position = rng.below(a.members.len());
        let Some(&out) = a.members.get(out_position) else {
            return;
        };
        let mut first_members = a.members.clone();
        let first_units = a.units.clone();
        let proposal = if second == count {
            let slot = rng.below(self.bench.len());
            let Some(&incoming) = self.bench.get(slot) else {
                return;
            };
            if let Some(m) = first_members.get_mut(out_position) {
                *m = incoming;
            }
            Proposal {
                first,
                first_members,
                first_units,
                second: first,
                second_members: Vec::new(),
                second_units: Vec::new(),
                bench_slot: Some((slot, out)),
            }
        } else {
            let Some(b) = self.teams.get(second) else {
                return;
            };
            if first == second {
                return;
            }
            let size = self.evaluator.problem.config.team_size;
            let mut second_members = b.members.clone();
            let relocate = rng.below(2) == 0
                && first_members.len() > size.min as usize
                && second_members.len() < size.max as usize;
            if relocate {
                // Moves one member over: the sizes of the teams change too.
                first_members.remove(out_position);
                second_members.push(out);
            } else {
                let in_position = rng.below(b.members.len());
                let Some(&incoming) = b.members.get(in_position) else {
                    return;
                };
                if let (Some(x), Some(y)) = (
                    first_members.get_mut(out_position),
                    second_members.get_mut(in_position),
                ) {
                    *x = incoming;
                    *y = out;
                }
            }
            Proposal {
                first,
                first_members,
                first_units,
                second,
                second_units: b.units.clone(),
                second_members,
                bench_slot: None,
            }
        };
        let cost_a = self.price_cached(&proposal.first_members, &proposal.first_units);
        let cost_b = if proposal.first == proposal.second {
            TeamCost::default()
        } else {
            self.price_cached(&proposal.second_members, &proposal.second_units)
        };
        self.budget = self.budget.saturating_sub(1);
        self.apply(proposal, cost_a, cost_b);
    }

    /// Steepest single-unit moves until none helps, where teams × units is small enough.
    fn sweep(&mut self) {
        const LIMIT: usize = 4_000;
        let team_count = self.teams.len();
        if team_count.saturating_mul(self.unit_team.len()) > LIMIT {
            return;
        }
        loop {
            let before = self.total();
            for unit in 0..self.unit_team.len() {
                for second in 0..team_count {
                    let Some(&first) = self.unit_team.get(unit) else {
                        continue;
                    };
                    let (Some(a), Some(b)) = (self.teams.get(first), self.teams.get(second)) else {
                        continue;
                    };
                    if first == second || a.units.len() < 2 {
                        continue;
                    }
                    let mut second_units = b.units.clone();
                    second_units.push(unit);
                    let proposal = Proposal {
                        first,
                        first_members: a.members.clone(),
                        first_units: a.units.iter().copied().filter(|&u| u != unit).collect(),
                        second,
                        second_members: b.members.clone(),
                        second_units,
                        bench_slot: None,
                    };
                    if let Some((delta, x, y)) = self.delta(&proposal)
                        && delta < 0
                    {
                        self.apply(proposal, x, y);
                    }
                }
            }
            if self.total() >= before {
                break;
            }
        }
    }

    /// Stage 3 written out: each team's files split by the exact flow.
    fn assignment(&mut self) -> Assignment {
        let problem = self.evaluator.problem;
        let mut teams = Vec::with_capacity(self.teams.len());
        let mut placements = Vec::with_capacity(problem.files.len());
        for (position, team) in self.teams.iter().enumerate() {
            let mut split = Vec::new();
            self.evaluator.team_cost(
                &team.members,
                &team.units,
                &mut self.scratch,
                Some(&mut split),
            );
            let person = |i: usize| self.evaluator.reviewer(i);
            let leader = team
                .members
                .iter()
                .filter_map(|&m| person(m))
                .filter(|r| r.may_lead)
                .max_by_key(|r| (r.years_of_practice, std::cmp::Reverse(r.id)))
                .or_else(|| team.members.first().and_then(|&m| person(m)));
            let mut units: Vec<_> = team
                .units
                .iter()
                .filter_map(|&u| problem.units.get(u).map(|unit| unit.id))
                .collect();
            units.sort();
            let mut members: Vec<_> = team
                .members
                .iter()
                .filter_map(|&m| person(m).map(|r| r.id))
                .collect();
            members.sort();
            if let Some(leader) = leader {
                // Leader first, as on the printed team list.
                members.retain(|&m| m != leader.id);
                members.insert(0, leader.id);
                teams.push(Team {
                    number: u32::try_from(position + 1).unwrap_or(u32::MAX),
                    leader: leader.id,
                    members,
                    units,
                });
            }
            for (file, reviewers) in split {
                let Some(record) = problem.files.get(file) else {
                    continue;
                };
                let mut ids: Vec<_> = reviewers
                    .into_iter()
                    .filter_map(|r| person(r).map(|p| p.id))
                    .collect();
                ids.sort();
                placements.push((
                    file,
                    Placement {
                        file: record.id,
                        reviewers: ids,
                    },
                ));
            }
        }
        placements.sort_by_key(|(file, _)| *file);
        Assignment {
            seed: problem.config.seed,
            teams,
            placements: placements.into_iter().map(|(_, p)| p).collect(),
        }
    }
}
