//! The feasibility check run before solving: when the hard rules cannot all hold, it names the
//! rule, the unit and the shortfall, so the bureau knows whom to add or what to change.

use super::model::Problem;
use super::rules::{Rule, RuleBreach};
use super::team_cost::Evaluator;
use crate::domain::CaseType;
use crate::domain::ids::UnitId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// One reason a round cannot be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The hard rule that cannot hold; `None` for a setting that makes no sense.
    pub rule: Option<Rule>,
    pub unit: Option<UnitId>,
    pub needed: Option<u64>,
    pub available: Option<u64>,
    /// The whole sentence in Chinese.
    pub message: String,
}

impl Reason {
    fn new(rule: Option<Rule>, message: String) -> Self {
        Reason {
            rule,
            unit: None,
            needed: None,
            available: None,
            message,
        }
    }

    fn shortfall(rule: Rule, needed: u64, available: u64, message: String) -> Self {
        Reason {
            needed: Some(needed),
            available: Some(available),
            ..Reason::new(Some(rule), message)
        }
    }

    /// The search ended with rules still broken although the quick checks passed.
    pub fn search_failed(breaches: i64) -> Self {
        Reason::new(
            None,
            format!(
                "未能找到满足全部硬性规则的方案（仍有 {breaches} 处冲突），请增加评查员、放宽组的人数或减少回避限制"
            ),
        )
    }

    pub fn from_breach(breach: RuleBreach) -> Self {
        Reason {
            unit: breach.unit,
            ..Reason::new(Some(breach.rule), breach.message)
        }
    }
}

/// The round cannot be assigned without breaking a hard rule; nothing partial is returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct Infeasible {
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("无法在不违反硬性规则的情况下组队：")?;
        let messages: Vec<&str> = self.reasons.iter().map(|r| r.message.as_str()).collect();
        f.write_str(&messages.join("；"))
    }
}

/// Every reason found, in a stable order; empty when the solver may start. Passing this check
/// does not promise a solution (the search may still fail, and says so), but each reason it
/// gives is a real impossibility.
pub fn diagnose(problem: &Problem) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let size = problem.config.team_size;
    if size.min == 0 || size.min > size.max || size.max > 64 {
        reasons.push(Reason::new(
            Some(Rule::TeamSize),
            format!(
                "组的人数设置有误：{}–{} 人（应至少 1 人、下限不大于上限、上限不超过 64 人）",
                size.min, size.max
            ),
        ));
        return reasons;
    }
    let team_count = u64::from(problem.team_count());
    let unit_count = problem.units.len() as u64;
    let available: Vec<_> = problem.reviewers.iter().filter(|r| r.available).collect();
    let available_count = available.len() as u64;

    let inspected: HashSet<UnitId> = problem.units.iter().map(|u| u.id).collect();
    for file in &problem.files {
        if !inspected.contains(&file.unit) {
            reasons.push(Reason::new(
                Some(Rule::UnitCoverage),
                format!("案卷{}所属单位不在本轮被检查单位中", file.case_number),
            ));
        }
        if !(1..=3).contains(&file.reviewers_needed) {
            reasons.push(Reason::new(
                Some(Rule::FileCoverage),
                format!(
                    "案卷{}的评查人数为 {}，应为 1–3 人",
                    file.case_number, file.reviewers_needed
                ),
            ));
        }
    }
    if unit_count == 0 {
        return reasons;
    }
    if team_count == 0 {
        reasons.push(Reason::shortfall(
            Rule::TeamSize,
            u64::from(size.min),
            available_count,
            format!(
                "可用评查员 {} 人，不足以组成一个 {} 人的检查组",
                available_count, size.min
            ),
        ));
        return reasons;
    }
    if team_count > unit_count {
        reasons.push(Reason::shortfall(
            Rule::UnitCoverage,
            team_count,
            unit_count,
            format!("检查组数 {team_count} 多于被检查单位数 {unit_count}，有的组将无单位可查"),
        ));
    }
    let min_people = team_count * u64::from(size.min);
    if available_count < min_people {
        reasons.push(Reason::shortfall(
            Rule::TeamSize,
            min_people,
            available_count,
            format!(
                "可用评查员 {available_count} 人，组成 {team_count} 个组至少需要 {min_people} 人"
            ),
        ));
    }
    let leaders = available.iter().filter(|r| r.may_lead).count() as u64;
    if leaders < team_count {
        reasons.push(Reason::shortfall(
            Rule::Leader,
            team_count,
            leaders,
            format!("可任组长的评查员 {leaders} 人，需要 {team_count} 个组"),
        ));
    }
    let evaluator = Evaluator::new(problem);
    let criminal_units = evaluator.unit_criminal.iter().filter(|&&c| c).count() as u64;
    let criminal_teams = team_count.saturating_sub(unit_count - criminal_units);
    let criminal_experts = available
        .iter()
        .filter(|r| r.expertise.contains(&CaseType::Criminal))
        .count() as u64;
    if criminal_experts < criminal_teams {
        reasons.push(Reason::shortfall(
            Rule::CriminalExpert,
            criminal_teams,
            criminal_experts,
            format!(
                "刑事专长评查员 {criminal_experts} 人，但至少 {criminal_teams} 个组要检查刑事案卷"
            ),
        ));
    }
    let demand: u64 = problem
        .files
        .iter()
        .map(|f| u64::from(f.reviewers_needed))
        .sum();
    let mut capacities: Vec<u64> = available.iter().map(|r| u64::from(r.capacity)).collect();
    capacities.sort_unstable_by(|a, b| b.cmp(a));
    let usable_people = usize::try_from(team_count * u64::from(size.max)).unwrap_or(usize::MAX);
    let capacity: u64 = capacities.iter().take(usable_people).sum();
    if capacity < demand {
        reasons.push(Reason::shortfall(
            Rule::Capacity,
            demand,
            capacity,
            format!(
                "总评查容量不足：需要 {demand} 人次，容量 {capacity}（容量的算法：本轮分 {team_count} 个组，每组最多 {} 人，最多 {} 人参加；取可用评查员 {} 人中“每人最多案卷数”最大的 {} 人相加）",
                size.max,
                usable_people.min(available.len()),
                available.len(),
                usable_people.min(available.len()),
            ),
        ));
    }
    unit_reasons(problem, &evaluator, &mut reasons);
    reasons
}

/// Per unit: one team must carry all its files, and each case type needs enough reviewers free
/// of recusal.
fn unit_reasons(problem: &Problem, evaluator: &Evaluator<'_>, reasons: &mut Vec<Reason>) {
    let size = problem.config.team_size;
    let mut by_capacity: Vec<usize> = (0..problem.reviewers.len())
        .filter(|&i| evaluator.reviewer(i).is_some_and(|r| r.available))
        .collect();
    by_capacity.sort_by_key(|&i| {
        (
            std::cmp::Reverse(evaluator.reviewer(i).map_or(0, |r| r.capacity)),
            i,
        )
    });
    for (position, unit) in problem.units.iter().enumerate() {
        let files = evaluator
            .unit_files
            .get(position)
            .map_or(&[][..], |v| v.as_slice());
        let demand = evaluator.unit_demand.get(position).copied().unwrap_or(0);
        let team_capacity: i64 = by_capacity
            .iter()
            .filter_map(|&i| evaluator.reviewer(i))
            .filter(|r| r.unit != unit.id)
            .take(size.max as usize)
            .map(|r| i64::from(r.capacity))
            .sum();
        if team_capacity < demand {
            reasons.push(Reason {
                unit: Some(unit.id),
                ..Reason::shortfall(
                    Rule::Capacity,
                    u64::try_from(demand).unwrap_or(0),
                    u64::try_from(team_capacity).unwrap_or(0),
                    format!(
                        "{}：案卷需要 {} 人次评查，一个组最多 {} 人、容量最多 {}",
                        unit.name, demand, size.max, team_capacity
                    ),
                )
            });
        }
        if evaluator
            .unit_criminal
            .get(position)
            .copied()
            .unwrap_or(false)
        {
            let experts = problem
                .reviewers
                .iter()
                .filter(|r| r.available && r.unit != unit.id)
                .filter(|r| r.expertise.contains(&CaseType::Criminal))
                .count();
            if experts == 0 {
                reasons.push(Reason {
                    unit: Some(unit.id),
                    ..Reason::shortfall(
                        Rule::CriminalExpert,
                        1,
                        0,
                        format!("{}：有刑事案卷，但没有非本单位的刑事专长评查员", unit.name),
                    )
                });
            }
        }
        // Per case type, the file with the worst shortfall of eligible reviewers.
        let mut worst: BTreeMap<CaseType, (u64, u64)> = BTreeMap::new();
        for &file in files {
            let Some(record) = problem.files.get(file) else {
                continue;
            };
            let needed = u64::from(record.reviewers_needed);
            let found = eligible_from_distinct_units(problem, evaluator, file, false);
            if found < needed {
                let full = eligible_from_distinct_units(problem, evaluator, file, true);
                let entry = worst.entry(record.case_type).or_insert((needed, full));
                if needed.saturating_sub(full) > entry.0.saturating_sub(entry.1) {
                    *entry = (needed, full);
                }
            }
        }
        for (case_type, (needed, found)) in worst {
            reasons.push(Reason {
                unit: Some(unit.id),
                ..Reason::shortfall(
                    Rule::FileCoverage,
                    needed,
                    found,
                    format!(
                        "{}：可评查{}案卷且无回避冲突的评查员不足，需要 {} 人，仅有 {} 人",
                        unit.name,
                        case_type.label(),
                        needed,
                        found
                    ),
                )
            });
        }
    }
}

/// How many eligible reviewers from distinct units a file has. Unless `exhaustive`, it stops as
/// soon as the file's need is met (the common case, cheap).
fn eligible_from_distinct_units(
    problem: &Problem,
    evaluator: &Evaluator<'_>,
    file: usize,
    exhaustive: bool,
) -> u64 {
    let needed = problem
        .files
        .get(file)
        .map_or(0, |f| u64::from(f.reviewers_needed));
    let mut units: HashSet<UnitId> = HashSet::new();
    for (position, reviewer) in problem.reviewers.iter().enumerate() {
        if evaluator.eligible(position, file) {
            units.insert(reviewer.unit);
            if !exhaustive && units.len() as u64 >= needed {
                break;
            }
        }
    }
    units.len() as u64
}
