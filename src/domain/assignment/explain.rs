//! Why every person is where they are: reasons for each placement and each team's composition
//! and load, in Chinese, for the administrator's page and the team leaders.

use super::model::{Assignment, CaseFileId, Problem, Reviewer};
use super::quality::newest_visits;
use crate::domain::ids::{PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub teams: Vec<TeamExplanation>,
    pub placements: Vec<PlacementExplanation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamExplanation {
    pub number: u32,
    pub leader: PersonId,
    pub units: Vec<UnitId>,
    pub members: Vec<MemberLine>,
    /// e.g. 第3组：组长张三，4 人来自 4 个单位；检查甲、乙；28 本案卷，33 人次，容量 44
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLine {
    pub reviewer: PersonId,
    pub load: u32,
    pub capacity: u32,
    /// e.g. 李四（甲县法律援助中心，刑事/民事，执业 12 年），负荷 7/8
    pub text: String,
}

/// One reviewer on one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementExplanation {
    pub file: CaseFileId,
    pub reviewer: PersonId,
    /// e.g. ["刑事专长", "非本单位", "非承办律所", "上季度未检查该单位", "负荷 7/8"]
    pub reasons: Vec<String>,
}

fn expertise_labels(reviewer: &Reviewer) -> String {
    let labels: Vec<&str> = reviewer.expertise.iter().map(|t| t.label()).collect();
    if labels.is_empty() {
        "无专长登记".to_string()
    } else {
        labels.join("/")
    }
}

pub fn explain(problem: &Problem, assignment: &Assignment) -> Explanation {
    let reviewers: HashMap<PersonId, &Reviewer> =
        problem.reviewers.iter().map(|r| (r.id, r)).collect();
    let files: HashMap<_, _> = problem.files.iter().map(|f| (f.id, f)).collect();
    let newest = newest_visits(problem);
    let mut loads: HashMap<PersonId, u32> = HashMap::new();
    for placement in &assignment.placements {
        for id in &placement.reviewers {
            *loads.entry(*id).or_default() += 1;
        }
    }
    let load_of = |id: &PersonId| loads.get(id).copied().unwrap_or(0);
    let capacity_of = |id: &PersonId| reviewers.get(id).map_or(0, |r| r.capacity);

    let mut files_per_unit: HashMap<UnitId, usize> = HashMap::new();
    for file in &problem.files {
        *files_per_unit.entry(file.unit).or_default() += 1;
    }

    let mut teams = Vec::with_capacity(assignment.teams.len());
    for team in &assignment.teams {
        let members: Vec<MemberLine> = team
            .members
            .iter()
            .map(|id| {
                let (load, capacity) = (load_of(id), capacity_of(id));
                let text = match reviewers.get(id) {
                    Some(r) => format!(
                        "{}（{}，{}，执业 {} 年{}），负荷 {}/{}",
                        r.name,
                        problem.unit_name(r.unit),
                        expertise_labels(r),
                        r.years_of_practice,
                        if *id == team.leader { "，组长" } else { "" },
                        load,
                        capacity
                    ),
                    None => format!("{id}（不在评查员库中）"),
                };
                MemberLine {
                    reviewer: *id,
                    load,
                    capacity,
                    text,
                }
            })
            .collect();
        let mut member_units: Vec<UnitId> = team
            .members
            .iter()
            .filter_map(|id| reviewers.get(id).map(|r| r.unit))
            .collect();
        member_units.sort();
        member_units.dedup();
        let unit_names: Vec<&str> = team.units.iter().map(|u| problem.unit_name(*u)).collect();
        let file_count: usize = team
            .units
            .iter()
            .map(|u| files_per_unit.get(u).copied().unwrap_or(0))
            .sum();
        let reviews: u32 = team.members.iter().map(load_of).sum();
        let capacity: u32 = team.members.iter().map(capacity_of).sum();
        let summary = format!(
            "第{}组：组长{}，{} 人来自 {} 个单位；检查{}；{} 本案卷，{} 人次，容量 {}（各成员本轮最多可评案卷数之和）",
            team.number,
            problem.reviewer_name(team.leader),
            team.members.len(),
            member_units.len(),
            unit_names.join("、"),
            file_count,
            reviews,
            capacity
        );
        teams.push(TeamExplanation {
            number: team.number,
            leader: team.leader,
            units: team.units.clone(),
            members,
            summary,
        });
    }

    let mut placements = Vec::new();
    for placement in &assignment.placements {
        let Some(file) = files.get(&placement.file) else {
            continue;
        };
        for id in &placement.reviewers {
            let Some(reviewer) = reviewers.get(id) else {
                continue;
            };
            let mut reasons = Vec::new();
            if reviewer.expertise.contains(&file.case_type) {
                reasons.push(format!("{}专长", file.case_type.label()));
            } else {
                reasons.push(format!("非{}专长（组内分工所限）", file.case_type.label()));
            }
            if reviewer.unit != file.unit {
                reasons.push("非本单位".to_string());
            }
            if file.handling_firm.is_some() && reviewer.law_firm != file.handling_firm {
                reasons.push("非承办律所".to_string());
            }
            reasons.push(match newest.get(&(*id, file.unit)) {
                Some(0) => "上季度曾检查该单位".to_string(),
                Some(age) => format!("{} 轮前曾检查该单位", age + 1),
                None if problem.history.len() > 1 => {
                    format!("近 {} 轮未检查该单位", problem.history.len())
                }
                None => "上季度未检查该单位".to_string(),
            });
            if placement.reviewers.len() > 1 {
                let others: Vec<&str> = placement
                    .reviewers
                    .iter()
                    .filter(|other| *other != id)
                    .filter_map(|other| reviewers.get(other))
                    .map(|other| problem.unit_name(other.unit))
                    .collect();
                reasons.push(format!(
                    "{}人评查，其他评查员来自{}",
                    placement.reviewers.len(),
                    others.join("、")
                ));
            }
            reasons.push(format!("负荷 {}/{}", load_of(id), reviewer.capacity));
            placements.push(PlacementExplanation {
                file: file.id,
                reviewer: *id,
                reasons,
            });
        }
    }
    Explanation { teams, placements }
}
