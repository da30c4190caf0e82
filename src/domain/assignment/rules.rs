//! The hard rules of team forming and recusal (DOMAIN §7), as predicates that the solver, the
//! manual-change check and the tests all share, plus the full check of an assignment.

use super::model::{Assignment, CaseFileId, ConflictWith, Problem, Reviewer, SampledFile, Team};
use crate::domain::CaseType;
use crate::domain::ids::{PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A hard rule. None is ever broken by the solver; a manual change that breaks one is refused
/// unless an administrator records a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Nobody reviews a file of their own unit, and no team visits a member's own unit.
    OwnUnit,
    /// Nobody reviews a file handled by their own law firm.
    OwnLawFirm,
    /// Nobody reviews a file they handled themselves.
    OwnCase,
    /// Declared conflicts of interest.
    DeclaredConflict,
    /// A unit's objection to a named reviewer.
    UnitObjection,
    /// Only available reviewers take part.
    Unavailable,
    /// Nobody reviews more files than their capacity.
    Capacity,
    /// Every team has a leader, a member who may lead.
    Leader,
    /// A team inspecting criminal files has a criminal expert.
    CriminalExpert,
    /// A file with 2–3 reviewers gets them from different units.
    DistinctUnits,
    /// Each inspected unit is covered by exactly one team.
    UnitCoverage,
    /// Every file gets exactly the reviewers it needs, all members of the team visiting its
    /// unit, none twice.
    FileCoverage,
    /// Team sizes lie within the configured range and nobody is in two teams.
    TeamSize,
}

impl Rule {
    /// The rule as users read it.
    pub fn label(self) -> &'static str {
        match self {
            Rule::OwnUnit => "本单位回避",
            Rule::OwnLawFirm => "本所回避",
            Rule::OwnCase => "本人承办回避",
            Rule::DeclaredConflict => "申报的利益冲突",
            Rule::UnitObjection => "被检查单位提出回避",
            Rule::Unavailable => "评查员本轮不可用",
            Rule::Capacity => "评查容量",
            Rule::Leader => "组长",
            Rule::CriminalExpert => "刑事专长",
            Rule::DistinctUnits => "双人评查须来自不同单位",
            Rule::UnitCoverage => "每个被检查单位由且仅由一个组负责",
            Rule::FileCoverage => "案卷评查人数",
            Rule::TeamSize => "组的人数",
        }
    }
}

/// One broken rule, with the facts and a sentence in Chinese naming file, reviewer and unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleBreach {
    pub rule: Rule,
    pub team: Option<u32>,
    pub unit: Option<UnitId>,
    pub file: Option<CaseFileId>,
    pub reviewer: Option<PersonId>,
    pub message: String,
}

/// Lookup tables for the per-file rules, built once per problem.
#[derive(Debug, Clone, Default)]
pub struct RecusalIndex {
    conflicts: HashSet<(PersonId, ConflictWith)>,
    objections: HashSet<(UnitId, PersonId)>,
}

impl RecusalIndex {
    pub fn new(problem: &Problem) -> Self {
        RecusalIndex {
            conflicts: problem
                .conflicts
                .iter()
                .map(|c| (c.reviewer, c.with))
                .collect(),
            objections: problem
                .objections
                .iter()
                .map(|o| (o.unit, o.reviewer))
                .collect(),
        }
    }

    /// The first rule that keeps `reviewer` from reviewing `file`, if any. Capacity, teams and
    /// double review are checked elsewhere: this is what a single placement must satisfy.
    pub fn file_recusal(&self, reviewer: &Reviewer, file: &SampledFile) -> Option<Rule> {
        if !reviewer.available {
            return Some(Rule::Unavailable);
        }
        if reviewer.unit == file.unit {
            return Some(Rule::OwnUnit);
        }
        if reviewer.law_firm.is_some() && reviewer.law_firm == file.handling_firm {
            return Some(Rule::OwnLawFirm);
        }
        if same_person_name(&reviewer.name, &file.handler_name) {
            return Some(Rule::OwnCase);
        }
        let declared = [
            ConflictWith::Unit(file.unit),
            ConflictWith::CaseFile(file.id),
        ]
        .into_iter()
        .chain(file.handling_firm.map(ConflictWith::LawFirm))
        .any(|with| self.conflicts.contains(&(reviewer.id, with)));
        if declared {
            return Some(Rule::DeclaredConflict);
        }
        if self.objections.contains(&(file.unit, reviewer.id)) {
            return Some(Rule::UnitObjection);
        }
        None
    }
}

/// Names are compared without surrounding or inner blanks (registries write 张 三 and 张三).
pub fn same_person_name(first: &str, second: &str) -> bool {
    let first = first.chars().filter(|c| !c.is_whitespace());
    let second = second.chars().filter(|c| !c.is_whitespace());
    first.eq(second)
}

/// A team whose units hold criminal files needs a member with criminal expertise.
pub fn has_criminal_expert<'a>(members: impl IntoIterator<Item = &'a Reviewer>) -> bool {
    members
        .into_iter()
        .any(|m| m.expertise.contains(&CaseType::Criminal))
}

/// Checks every hard rule on a whole assignment, independently of how it was made.
pub fn check_assignment(problem: &Problem, assignment: &Assignment) -> Vec<RuleBreach> {
    let context = Context::new(problem, assignment);
    let mut breaches = Vec::new();
    check_teams(&context, &mut breaches);
    check_files(&context, &mut breaches);
    breaches.sort();
    breaches.dedup();
    breaches
}

/// Lookups by id, so checking stays linear in the size of the round.
struct Context<'a> {
    problem: &'a Problem,
    assignment: &'a Assignment,
    index: RecusalIndex,
    reviewers: HashMap<PersonId, &'a Reviewer>,
    files: HashMap<CaseFileId, &'a SampledFile>,
    team_of_unit: HashMap<UnitId, &'a Team>,
    criminal_units: HashSet<UnitId>,
}

impl<'a> Context<'a> {
    fn new(problem: &'a Problem, assignment: &'a Assignment) -> Self {
        let mut team_of_unit = HashMap::new();
        for team in &assignment.teams {
            for unit in &team.units {
                team_of_unit.entry(*unit).or_insert(team);
            }
        }
        Context {
            problem,
            assignment,
            index: RecusalIndex::new(problem),
            reviewers: problem.reviewers.iter().map(|r| (r.id, r)).collect(),
            files: problem.files.iter().map(|f| (f.id, f)).collect(),
            team_of_unit,
            criminal_units: problem
                .files
                .iter()
                .filter(|f| f.case_type == CaseType::Criminal)
                .map(|f| f.unit)
                .collect(),
        }
    }

    fn name(&self, id: PersonId) -> &str {
        self.reviewers
            .get(&id)
            .map_or("未知评查员", |r| r.name.as_str())
    }
}

/// A breach of the whole assignment, with no team, unit, file or reviewer to point at.
pub(super) fn breach(rule: Rule, message: String) -> RuleBreach {
    RuleBreach {
        rule,
        team: None,
        unit: None,
        file: None,
        reviewer: None,
        message,
    }
}

fn check_teams(context: &Context<'_>, breaches: &mut Vec<RuleBreach>) {
    let problem = context.problem;
    let size = problem.config.team_size;
    let mut seen_members: HashMap<PersonId, u32> = HashMap::new();
    let mut covering: HashMap<UnitId, Vec<u32>> = HashMap::new();
    for team in &context.assignment.teams {
        let members: Vec<&Reviewer> = team
            .members
            .iter()
            .filter_map(|id| context.reviewers.get(id).copied())
            .collect();
        let count = u32::try_from(team.members.len()).unwrap_or(u32::MAX);
        if count < size.min || count > size.max {
            breaches.push(RuleBreach {
                team: Some(team.number),
                ..breach(
                    Rule::TeamSize,
                    format!(
                        "第{}组有 {} 人，应为 {}–{} 人",
                        team.number, count, size.min, size.max
                    ),
                )
            });
        }
        for id in &team.members {
            if let Some(first) = seen_members.insert(*id, team.number) {
                breaches.push(RuleBreach {
                    team: Some(team.number),
                    reviewer: Some(*id),
                    ..breach(
                        Rule::TeamSize,
                        format!(
                            "{}同时在第{}组和第{}组",
                            context.name(*id),
                            first,
                            team.number
                        ),
                    )
                });
            }
            match context.reviewers.get(id) {
                None => breaches.push(RuleBreach {
                    team: Some(team.number),
                    reviewer: Some(*id),
                    ..breach(
                        Rule::Unavailable,
                        format!("第{}组的成员 {} 不在评查员库中", team.number, id),
                    )
                }),
                Some(member) if !member.available => breaches.push(RuleBreach {
                    team: Some(team.number),
                    reviewer: Some(*id),
                    ..breach(
                        Rule::Unavailable,
                        format!("{}本轮不可用，不能编入第{}组", member.name, team.number),
                    )
                }),
                Some(_) => {}
            }
        }
        for unit in &team.units {
            covering.entry(*unit).or_default().push(team.number);
        }
        check_leader(context, team, breaches);
        check_team_units(context, team, &members, breaches);
    }
    for unit in &problem.units {
        let numbers = covering.get(&unit.id).map_or(&[][..], |v| v.as_slice());
        if numbers.len() != 1 {
            let message = if numbers.is_empty() {
                format!("{}没有检查组负责", unit.name)
            } else {
                let names: Vec<String> = numbers.iter().map(|n| format!("第{n}组")).collect();
                format!("{}由多个组负责：{}", unit.name, names.join("、"))
            };
            breaches.push(RuleBreach {
                unit: Some(unit.id),
                ..breach(Rule::UnitCoverage, message)
            });
        }
    }
}

fn check_leader(context: &Context<'_>, team: &Team, breaches: &mut Vec<RuleBreach>) {
    let leader_ok = team.members.contains(&team.leader)
        && context
            .reviewers
            .get(&team.leader)
            .is_some_and(|r| r.may_lead && r.available);
    if !leader_ok {
        breaches.push(RuleBreach {
            team: Some(team.number),
            reviewer: Some(team.leader),
            ..breach(
                Rule::Leader,
                format!(
                    "第{}组的组长{}不是本组可任组长的成员",
                    team.number,
                    context.name(team.leader)
                ),
            )
        });
    }
}

fn check_team_units(
    context: &Context<'_>,
    team: &Team,
    members: &[&Reviewer],
    breaches: &mut Vec<RuleBreach>,
) {
    let problem = context.problem;
    for unit in &team.units {
        if problem.unit(*unit).is_none() {
            breaches.push(RuleBreach {
                team: Some(team.number),
                unit: Some(*unit),
                ..breach(
                    Rule::UnitCoverage,
                    format!(
                        "第{}组负责的单位 {} 不在本轮被检查单位中",
                        team.number, unit
                    ),
                )
            });
        }
        if let Some(member) = members.iter().find(|m| m.unit == *unit) {
            breaches.push(RuleBreach {
                team: Some(team.number),
                unit: Some(*unit),
                reviewer: Some(member.id),
                ..breach(
                    Rule::OwnUnit,
                    format!(
                        "第{}组成员{}来自{}，该组不能检查本单位",
                        team.number,
                        member.name,
                        problem.unit_name(*unit)
                    ),
                )
            });
        }
        if context.criminal_units.contains(unit) && !has_criminal_expert(members.iter().copied()) {
            breaches.push(RuleBreach {
                team: Some(team.number),
                unit: Some(*unit),
                ..breach(
                    Rule::CriminalExpert,
                    format!(
                        "第{}组检查{}的刑事案卷，但组内没有刑事专长的评查员",
                        team.number,
                        problem.unit_name(*unit)
                    ),
                )
            });
        }
    }
}

fn check_files(context: &Context<'_>, breaches: &mut Vec<RuleBreach>) {
    let problem = context.problem;
    let mut placed: HashMap<CaseFileId, usize> = HashMap::new();
    for placement in &context.assignment.placements {
        *placed.entry(placement.file).or_default() += 1;
    }
    for file in &problem.files {
        let count = placed.get(&file.id).copied().unwrap_or(0);
        if count != 1 {
            breaches.push(RuleBreach {
                file: Some(file.id),
                unit: Some(file.unit),
                ..breach(
                    Rule::FileCoverage,
                    format!(
                        "{}（{}）在方案中出现 {} 次，应为 1 次",
                        file.case_number,
                        problem.unit_name(file.unit),
                        count
                    ),
                )
            });
        }
    }
    let mut loads: HashMap<PersonId, u32> = HashMap::new();
    for placement in &context.assignment.placements {
        for reviewer in &placement.reviewers {
            *loads.entry(*reviewer).or_default() += 1;
        }
        let Some(file) = context.files.get(&placement.file) else {
            breaches.push(RuleBreach {
                file: Some(placement.file),
                ..breach(
                    Rule::FileCoverage,
                    format!("案卷 {} 不在本轮抽查范围内", placement.file),
                )
            });
            continue;
        };
        check_placement(context, file, &placement.reviewers, breaches);
    }
    for (id, load) in loads {
        if let Some(reviewer) = context.reviewers.get(&id)
            && load > reviewer.capacity
        {
            breaches.push(RuleBreach {
                reviewer: Some(id),
                ..breach(
                    Rule::Capacity,
                    format!(
                        "{}分到 {} 本案卷，超过本轮容量 {}",
                        reviewer.name, load, reviewer.capacity
                    ),
                )
            });
        }
    }
}

fn check_placement(
    context: &Context<'_>,
    file: &SampledFile,
    reviewers: &[PersonId],
    breaches: &mut Vec<RuleBreach>,
) {
    let unit_name = context.problem.unit_name(file.unit);
    let base = RuleBreach {
        file: Some(file.id),
        unit: Some(file.unit),
        ..breach(Rule::FileCoverage, String::new())
    };
    let distinct: HashSet<&PersonId> = reviewers.iter().collect();
    if reviewers.len() != usize::from(file.reviewers_needed) || distinct.len() != reviewers.len() {
        breaches.push(RuleBreach {
            message: format!(
                "{}（{}）需要 {} 名不同的评查员，方案中为 {} 名",
                file.case_number,
                unit_name,
                file.reviewers_needed,
                distinct.len()
            ),
            ..base.clone()
        });
    }
    let team = context.team_of_unit.get(&file.unit);
    let mut units_seen: HashSet<UnitId> = HashSet::new();
    for id in reviewers {
        let Some(reviewer) = context.reviewers.get(id) else {
            breaches.push(RuleBreach {
                reviewer: Some(*id),
                message: format!("{}的评查员 {} 不在评查员库中", file.case_number, id),
                ..base.clone()
            });
            continue;
        };
        if let Some(rule) = context.index.file_recusal(reviewer, file) {
            breaches.push(RuleBreach {
                rule,
                reviewer: Some(*id),
                message: recusal_message(rule, reviewer, file, unit_name),
                ..base.clone()
            });
        }
        if !team.is_some_and(|t| t.members.contains(id)) {
            breaches.push(RuleBreach {
                reviewer: Some(*id),
                message: format!(
                    "{}不在检查{}的组内，不能评查{}",
                    reviewer.name, unit_name, file.case_number
                ),
                ..base.clone()
            });
        }
        if !units_seen.insert(reviewer.unit) {
            breaches.push(RuleBreach {
                rule: Rule::DistinctUnits,
                reviewer: Some(*id),
                message: format!(
                    "{}（{}）的评查员中有两人来自{}",
                    file.case_number,
                    unit_name,
                    context.problem.unit_name(reviewer.unit)
                ),
                ..base.clone()
            });
        }
    }
}

/// The sentence for a per-file recusal.
pub fn recusal_message(
    rule: Rule,
    reviewer: &Reviewer,
    file: &SampledFile,
    unit_name: &str,
) -> String {
    let who = &reviewer.name;
    let case = &file.case_number;
    match rule {
        Rule::OwnUnit => format!("{who}来自{unit_name}，不能评查本单位案卷{case}"),
        Rule::OwnLawFirm => format!("{case}由{who}所在律所承办，{who}须回避"),
        Rule::OwnCase => format!("{case}由{who}本人承办，须回避"),
        Rule::DeclaredConflict => format!("{who}已申报与{case}（{unit_name}）存在利益冲突"),
        Rule::UnitObjection => format!("{unit_name}对{who}提出回避，{who}不能评查{case}"),
        Rule::Unavailable => format!("{who}本轮不可用，不能评查{case}"),
        other => format!("{who}评查{case}违反规则：{}", other.label()),
    }
}
