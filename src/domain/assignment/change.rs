//! Manual changes to a proposed or published assignment, re-checked against the hard rules at
//! once, and the diff between two versions (for the published-version history).

use super::model::{Assignment, CaseFileId, Problem};
use super::rules::{Rule, RuleBreach, breach, check_assignment};
use crate::domain::ids::{PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What an administrator can change by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    /// One review of `file` passes from `from` to `to`.
    MoveFile {
        file: CaseFileId,
        from: PersonId,
        to: PersonId,
    },
    /// Two reviewers trade places: teams, leadership and files.
    SwapReviewers { first: PersonId, second: PersonId },
    /// `replacement`, in no team, takes over `out`'s place, leadership and files.
    ReplaceMember {
        out: PersonId,
        replacement: PersonId,
    },
    /// Another member of the team becomes its leader.
    SetLeader { team: u32, leader: PersonId },
}

/// Carries out a change without judging it against the hard rules; refuses only a change that
/// cannot be carried out at all (a reviewer not on the file, a team that does not exist …).
/// Used directly when an administrator overrides a breach and records a reason.
pub fn apply_change(
    problem: &Problem,
    assignment: &Assignment,
    change: Change,
) -> Result<Assignment, RuleBreach> {
    let mut next = assignment.clone();
    match change {
        Change::MoveFile { file, from, to } => {
            let case = problem.case_number(file);
            let placement = next
                .placements
                .iter_mut()
                .find(|p| p.file == file)
                .ok_or_else(|| breach(Rule::FileCoverage, format!("案卷{case}不在本方案中")))?;
            if placement.reviewers.contains(&to) {
                return Err(breach(
                    Rule::FileCoverage,
                    format!("{}已是{case}的评查员", problem.reviewer_name(to)),
                ));
            }
            let slot = placement
                .reviewers
                .iter_mut()
                .find(|r| **r == from)
                .ok_or_else(|| {
                    breach(
                        Rule::FileCoverage,
                        format!("{}不是{case}的评查员", problem.reviewer_name(from)),
                    )
                })?;
            *slot = to;
            placement.reviewers.sort();
        }
        Change::SwapReviewers { first, second } => {
            for id in [first, second] {
                if next.team_of_member(id).is_none() {
                    return Err(breach(
                        Rule::TeamSize,
                        format!("{}不在任何检查组中", problem.reviewer_name(id)),
                    ));
                }
            }
            exchange(&mut next, |id| {
                if id == first {
                    second
                } else if id == second {
                    first
                } else {
                    id
                }
            });
        }
        Change::ReplaceMember { out, replacement } => {
            if next.team_of_member(out).is_none() {
                return Err(breach(
                    Rule::TeamSize,
                    format!("{}不在任何检查组中", problem.reviewer_name(out)),
                ));
            }
            if next.team_of_member(replacement).is_some() {
                return Err(breach(
                    Rule::TeamSize,
                    format!(
                        "{}已在检查组中，请改用“对调两名评查员”",
                        problem.reviewer_name(replacement)
                    ),
                ));
            }
            exchange(&mut next, |id| if id == out { replacement } else { id });
        }
        Change::SetLeader { team, leader } => {
            let found = next
                .teams
                .iter_mut()
                .find(|t| t.number == team)
                .ok_or_else(|| breach(Rule::Leader, format!("没有第{team}组")))?;
            found.leader = leader;
        }
    }
    Ok(next)
}

/// Renames reviewers everywhere: team members, leaders and files.
fn exchange(assignment: &mut Assignment, map: impl Fn(PersonId) -> PersonId) {
    for team in &mut assignment.teams {
        team.leader = map(team.leader);
        for member in &mut team.members {
            *member = map(*member);
        }
    }
    for placement in &mut assignment.placements {
        for reviewer in &mut placement.reviewers {
            *reviewer = map(*reviewer);
        }
        placement.reviewers.sort();
    }
}

/// Carries out a change and re-checks every hard rule. Refused, with each breach the change
/// brings (breaches already present, e.g. recorded overrides, are not held against it).
pub fn check_change(
    problem: &Problem,
    assignment: &Assignment,
    change: Change,
) -> Result<Assignment, Vec<RuleBreach>> {
    let next = apply_change(problem, assignment, change).map_err(|b| vec![b])?;
    let before: HashSet<RuleBreach> = check_assignment(problem, assignment).into_iter().collect();
    let new: Vec<RuleBreach> = check_assignment(problem, &next)
        .into_iter()
        .filter(|b| !before.contains(b))
        .collect();
    if new.is_empty() { Ok(next) } else { Err(new) }
}

/// What changed between two versions of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssignmentDiff {
    pub files: Vec<FileChange>,
    pub teams: Vec<TeamChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub file: CaseFileId,
    pub before: Vec<PersonId>,
    pub after: Vec<PersonId>,
}

/// Teams are matched by number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChange {
    pub number: u32,
    pub joined: Vec<PersonId>,
    pub left: Vec<PersonId>,
    /// (before, after) when the leader changed.
    pub leader: Option<(Option<PersonId>, Option<PersonId>)>,
    pub units_added: Vec<UnitId>,
    pub units_removed: Vec<UnitId>,
}

impl AssignmentDiff {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.teams.is_empty()
    }

    /// One sentence per change, for the version history page.
    pub fn lines(&self, problem: &Problem) -> Vec<String> {
        let names = |ids: &[PersonId]| {
            let list: Vec<&str> = ids.iter().map(|id| problem.reviewer_name(*id)).collect();
            if list.is_empty() {
                "无".to_string()
            } else {
                list.join("、")
            }
        };
        let mut lines = Vec::new();
        for team in &self.teams {
            if !team.joined.is_empty() {
                lines.push(format!("第{}组加入：{}", team.number, names(&team.joined)));
            }
            if !team.left.is_empty() {
                lines.push(format!("第{}组退出：{}", team.number, names(&team.left)));
            }
            if let Some((before, after)) = team.leader {
                let name = |id: Option<PersonId>| id.map_or("无", |id| problem.reviewer_name(id));
                lines.push(format!(
                    "第{}组组长：{} → {}",
                    team.number,
                    name(before),
                    name(after)
                ));
            }
            for unit in &team.units_added {
                lines.push(format!(
                    "第{}组增加检查{}",
                    team.number,
                    problem.unit_name(*unit)
                ));
            }
            for unit in &team.units_removed {
                lines.push(format!(
                    "第{}组不再检查{}",
                    team.number,
                    problem.unit_name(*unit)
                ));
            }
        }
        for file in &self.files {
            lines.push(format!(
                "{}：{} → {}",
                problem.case_number(file.file),
                names(&file.before),
                names(&file.after)
            ));
        }
        lines
    }
}

/// The changes from `before` to `after`, in team-number and file order.
pub fn diff(before: &Assignment, after: &Assignment) -> AssignmentDiff {
    let mut result = AssignmentDiff::default();
    let numbers: BTreeSet<u32> = before
        .teams
        .iter()
        .chain(&after.teams)
        .map(|t| t.number)
        .collect();
    for number in numbers {
        let old = before.teams.iter().find(|t| t.number == number);
        let new = after.teams.iter().find(|t| t.number == number);
        let set = |team: Option<&super::model::Team>| -> BTreeSet<PersonId> {
            team.map(|t| t.members.iter().copied().collect())
                .unwrap_or_default()
        };
        let units = |team: Option<&super::model::Team>| -> BTreeSet<UnitId> {
            team.map(|t| t.units.iter().copied().collect())
                .unwrap_or_default()
        };
        let (old_members, new_members) = (set(old), set(new));
        let (old_units, new_units) = (units(old), units(new));
        let (old_leader, new_leader) = (old.map(|t| t.leader), new.map(|t| t.leader));
        let change = TeamChange {
            number,
            joined: new_members.difference(&old_members).copied().collect(),
            left: old_members.difference(&new_members).copied().collect(),
            leader: (old_leader != new_leader).then_some((old_leader, new_leader)),
            units_added: new_units.difference(&old_units).copied().collect(),
            units_removed: old_units.difference(&new_units).copied().collect(),
        };
        let unchanged = change.joined.is_empty()
            && change.left.is_empty()
            && change.leader.is_none()
            && change.units_added.is_empty()
            && change.units_removed.is_empty();
        if !unchanged {
            result.teams.push(change);
        }
    }
    let sorted = |reviewers: &[PersonId]| {
        let mut list = reviewers.to_vec();
        list.sort();
        list
    };
    let mut files: BTreeMap<CaseFileId, (Vec<PersonId>, Vec<PersonId>)> = BTreeMap::new();
    for placement in &before.placements {
        files.entry(placement.file).or_default().0 = sorted(&placement.reviewers);
    }
    for placement in &after.placements {
        files.entry(placement.file).or_default().1 = sorted(&placement.reviewers);
    }
    for (file, (old, new)) in files {
        if old != new {
            result.files.push(FileChange {
                file,
                before: old,
                after: new,
            });
        }
    }
    result
}

/// An extra reviewer for `file` (a borderline second review): a member of the team visiting
/// the file's unit, not yet on the file, from another unit than its reviewers, chosen so the
/// assignment breaks no hard rule it did not already break (own unit, own firm, own case,
/// conflicts, objections, availability, capacity, distinct units) and who has the file's
/// case type among their expertise (a 行政-only reviewer never takes a criminal file's
/// second look). The least loaded such member is taken. Returns the problem with the file needing one more reviewer, the new
/// assignment and the reviewer, or the reason nobody fits.
pub fn add_reviewer(
    problem: &Problem,
    assignment: &Assignment,
    file: CaseFileId,
) -> Result<(Problem, Assignment, PersonId), String> {
    let sampled = problem
        .file(file)
        .ok_or_else(|| format!("案卷{}不在本方案中", problem.case_number(file)))?;
    let placement = assignment
        .placement(file)
        .ok_or_else(|| format!("案卷{}不在本方案中", sampled.case_number))?;
    let team = assignment
        .team_of_unit(sampled.unit)
        .ok_or_else(|| "没有检查组负责该案卷所属单位".to_string())?;
    let mut next_problem = problem.clone();
    if let Some(entry) = next_problem.files.iter_mut().find(|f| f.id == file) {
        entry.reviewers_needed = entry
            .reviewers_needed
            .max(u8::try_from(placement.reviewers.len() + 1).unwrap_or(u8::MAX));
    }
    let baseline: HashSet<RuleBreach> = check_assignment(problem, assignment).into_iter().collect();
    let mut candidates: Vec<PersonId> = team
        .members
        .iter()
        .copied()
        .filter(|member| !placement.reviewers.contains(member))
        .collect();
    candidates.sort_by_key(|member| (assignment.load_of(*member), *member));
    let mut refusals = Vec::new();
    for candidate in candidates {
        let expert = problem
            .reviewers
            .iter()
            .find(|reviewer| reviewer.id == candidate)
            .is_some_and(|reviewer| reviewer.expertise.contains(&sampled.case_type));
        if !expert {
            refusals.push(format!(
                "{}（不具备{}案件专长）",
                problem.reviewer_name(candidate),
                sampled.case_type.label()
            ));
            continue;
        }
        let mut next = assignment.clone();
        if let Some(slot) = next.placements.iter_mut().find(|p| p.file == file) {
            slot.reviewers.push(candidate);
            slot.reviewers.sort();
        }
        let new_breaches: Vec<RuleBreach> = check_assignment(&next_problem, &next)
            .into_iter()
            .filter(|breach| !baseline.contains(breach))
            .filter(|breach| {
                breach.rule != super::rules::Rule::FileCoverage || breach.file == Some(file)
            })
            .collect();
        match new_breaches.first() {
            None => return Ok((next_problem, next, candidate)),
            Some(breach) => refusals.push(format!(
                "{}（{}）",
                problem.reviewer_name(candidate),
                breach.rule.label()
            )),
        }
    }
    if refusals.is_empty() {
        Err(format!("第{}组没有其他成员可作第二评查员", team.number))
    } else {
        Err(format!(
            "第{}组没有符合规则的第二评查员：{}",
            team.number,
            refusals.join("；")
        ))
    }
}
