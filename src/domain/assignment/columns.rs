//! Every single-unit team of a small round with its exact price, for the exact benchmark
//! (benches/highs_optimum.py, `--stage columns`): when there are as many teams as units, each
//! team inspects one unit, so an assignment is a choice of one (unit, members) column per unit
//! with nobody twice, and the objective is the sum of the columns' prices. The script solves that
//! set-partitioning problem to proven optimality with HiGHS.

use super::model::Problem;
use super::team_cost::{Evaluator, Scratch};

/// One possible team for one unit, by index into `problem.units` and `problem.reviewers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamColumn {
    pub unit: usize,
    /// Sorted, within the configured size range.
    pub members: Vec<usize>,
    /// The team's share of the objective: composition, visit, and the optimal split of the
    /// unit's files among the members (the same price the solver uses).
    pub cost: i64,
}

/// All teams (every member set within the size range of available reviewers) for every unit
/// that break no hard rule, with their prices; `None` when there would be more than `limit`
/// member sets to try.
pub fn single_unit_columns(problem: &Problem, limit: usize) -> Option<Vec<TeamColumn>> {
    let evaluator = Evaluator::new(problem);
    let size = problem.config.team_size;
    let available: Vec<usize> = (0..problem.reviewers.len())
        .filter(|&i| evaluator.reviewer(i).is_some_and(|r| r.available))
        .collect();
    let mut sets = Vec::new();
    let mut current = Vec::new();
    for take in size.min as usize..=size.max as usize {
        subsets(&available, take, 0, &mut current, &mut sets, limit)?;
    }
    let mut scratch = Scratch::default();
    let mut columns = Vec::new();
    for unit in 0..problem.units.len() {
        let units = [unit];
        for members in &sets {
            let cost = evaluator.team_cost(members, &units, &mut scratch, None);
            if cost.breaches == 0 {
                columns.push(TeamColumn {
                    unit,
                    members: members.clone(),
                    cost: cost.objective,
                });
            }
        }
    }
    Some(columns)
}

fn subsets(
    items: &[usize],
    take: usize,
    from: usize,
    current: &mut Vec<usize>,
    out: &mut Vec<Vec<usize>>,
    limit: usize,
) -> Option<()> {
    if current.len() == take {
        if out.len() >= limit {
            return None;
        }
        out.push(current.clone());
        return Some(());
    }
    for position in from..items.len() {
        if items.len() - position < take - current.len() {
            break;
        }
        current.push(*items.get(position)?);
        subsets(items, take, position + 1, current, out, limit)?;
        current.pop();
    }
    Some(())
}
