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
//! a last sweep tries every single unit move where the instance is small enough. The result is
//! checked by `rules::check_assignment` before it is returned; nothing partial ever is.

use super::diagnosis::{Infeasible, Reason, diagnose};
use super::model::{Assignment, Placement, Problem, Team};
use super::random::{SplitMix64, exp_neg};
use super::rules::check_assignment;
use super::team_cost::{BREACH_PENALTY, Evaluator, Scratch, TeamCost};
use crate::domain::CaseType;

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
}

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
        let new_first = self.price(&proposal.first_members, &proposal.first_units);
        if proposal.first == proposal.second {
            return Some((
                new_first.total() - old_first.total(),
                new_first,
                TeamCost::default(),
            ));
        }
        let old_second = self.teams.get(proposal.second)?.cost;
        let new_second = self.price(&proposal.second_members, &proposal.second_units);
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
