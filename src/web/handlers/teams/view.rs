//! What the team pages and the team API show: typed views of a version, its history and a
//! reviewer's own work.

use crate::app::messages::teams::version_status_label;
use crate::domain::assignment::{Problem, explain};
use crate::domain::ids::UnitId;
use crate::storage::assignments::Version;
use crate::storage::rounds::RoundView;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct MemberView<'a> {
    id: String,
    name: &'a str,
    unit: &'a str,
    is_leader: bool,
    /// No file to review in this version (flagged on the page).
    idle: bool,
    load: u32,
    capacity: u32,
    text: String,
}

#[derive(Serialize)]
pub struct PlacementView<'a> {
    file: String,
    case_number: &'a str,
    case_type: &'a str,
    unit: &'a str,
    reviewer: &'a str,
    reviewer_id: String,
    reasons: Vec<String>,
}

#[derive(Serialize)]
pub struct TeamView<'a> {
    number: u32,
    leader: &'a str,
    units: Vec<&'a str>,
    members: Vec<MemberView<'a>>,
    summary: String,
    placement_count: usize,
    placements: Vec<PlacementView<'a>>,
}

#[derive(Serialize)]
pub struct QualityView {
    breaches: usize,
    max_load: u32,
    min_load: u32,
    expertise: String,
    repeat: String,
    objective: i64,
}

/// One version with its explanations and quality figures.
#[derive(Serialize)]
pub struct VersionView<'a> {
    version: i32,
    status: &'a str,
    status_label: &'static str,
    is_draft: bool,
    seed: String,
    note: Option<&'a str>,
    created_at: String,
    created_by: &'a str,
    quality: QualityView,
    teams: Vec<TeamView<'a>>,
    files: usize,
    reviews: usize,
}

/// The members of a version who review no file, each with their team.
pub fn idle_members(version: &Version) -> Vec<String> {
    let assignment = &version.assignment;
    assignment
        .teams
        .iter()
        .flat_map(|team| {
            team.members
                .iter()
                .filter(|member| {
                    !assignment
                        .placements
                        .iter()
                        .any(|placement| placement.reviewers.contains(member))
                })
                .map(move |member| {
                    crate::app::messages::teams::idle_member(
                        team.number,
                        version.problem.reviewer_name(*member),
                        *member == team.leader,
                    )
                })
        })
        .collect()
}

fn minutes(at: chrono::NaiveDateTime) -> String {
    crate::domain::local_time::minutes(at)
}

/// A unit's name: from the unit list (reviewers come from units the round does not inspect,
/// which the problem does not name), else from the problem.
fn unit_of<'a>(problem: &'a Problem, names: &'a BTreeMap<UnitId, String>, unit: UnitId) -> &'a str {
    names
        .get(&unit)
        .map_or_else(|| problem.unit_name(unit), String::as_str)
}

pub fn version_view<'a>(
    problem: &'a Problem,
    version: &'a Version,
    names: &'a BTreeMap<UnitId, String>,
) -> VersionView<'a> {
    let explanation = explain(problem, &version.assignment);
    let placements = explanation.placements;
    let teams = explanation
        .teams
        .into_iter()
        .map(|team| {
            let members: Vec<MemberView> = team
                .members
                .iter()
                .map(|member| MemberView {
                    id: member.reviewer.to_string(),
                    name: problem.reviewer_name(member.reviewer),
                    unit: problem
                        .reviewer(member.reviewer)
                        .map_or("", |reviewer| unit_of(problem, names, reviewer.unit)),
                    is_leader: member.reviewer == team.leader,
                    idle: member.load == 0,
                    load: member.load,
                    capacity: member.capacity,
                    text: member.text.clone(),
                })
                .collect();
            let placements: Vec<PlacementView> = placements
                .iter()
                .filter(|placement| {
                    team.members
                        .iter()
                        .any(|member| member.reviewer == placement.reviewer)
                })
                .map(|placement| {
                    let file = problem.file(placement.file);
                    PlacementView {
                        file: placement.file.to_string(),
                        case_number: problem.case_number(placement.file),
                        case_type: file.map_or("", |file| file.case_type.label()),
                        unit: file.map_or("", |file| problem.unit_name(file.unit)),
                        reviewer: problem.reviewer_name(placement.reviewer),
                        reviewer_id: placement.reviewer.to_string(),
                        reasons: placement.reasons.clone(),
                    }
                })
                .collect();
            TeamView {
                number: team.number,
                leader: problem.reviewer_name(team.leader),
                units: team
                    .units
                    .iter()
                    .map(|unit| problem.unit_name(*unit))
                    .collect(),
                members,
                summary: team.summary,
                placement_count: placements.len(),
                placements,
            }
        })
        .collect();
    let quality = &version.quality;
    VersionView {
        version: version.version,
        status: &version.status,
        status_label: version_status_label(&version.status),
        is_draft: version.status == "draft",
        seed: version.assignment.seed.to_string(),
        note: version.note.as_deref(),
        created_at: minutes(version.created_at),
        created_by: &version.created_by,
        quality: QualityView {
            breaches: quality.hard_rule_breaches,
            max_load: quality.max_load,
            min_load: quality.min_load,
            expertise: format!("{:.1}%", quality.expertise_match_rate * 100.0),
            repeat: format!("{:.1}%", quality.repeat_pairing_rate * 100.0),
            objective: quality.objective,
        },
        teams,
        files: problem.files.len(),
        reviews: version
            .assignment
            .placements
            .iter()
            .map(|placement| placement.reviewers.len())
            .sum(),
    }
}

/// A line of the version history.
#[derive(Serialize)]
pub struct HistoryLine<'a> {
    version: i32,
    status: &'a str,
    status_label: &'static str,
    created_at: String,
    created_by: &'a str,
    note: Option<&'a str>,
    breaches: usize,
    objective: i64,
}

impl<'a> From<&'a Version> for HistoryLine<'a> {
    fn from(version: &'a Version) -> Self {
        HistoryLine {
            version: version.version,
            status: &version.status,
            status_label: version_status_label(&version.status),
            created_at: minutes(version.created_at),
            created_by: &version.created_by,
            note: version.note.as_deref(),
            breaches: version.quality.hard_rule_breaches,
            objective: version.quality.objective,
        }
    }
}

/// A reviewer of the shown version, for the change form's choices.
#[derive(Serialize)]
pub struct ReviewerChoice<'a> {
    id: String,
    name: &'a str,
    unit: &'a str,
}

pub fn reviewer_choices<'a>(
    version: &'a Version,
    names: &'a BTreeMap<UnitId, String>,
) -> Vec<ReviewerChoice<'a>> {
    version
        .problem
        .reviewers
        .iter()
        .map(|reviewer| ReviewerChoice {
            id: reviewer.id.to_string(),
            name: &reviewer.name,
            unit: unit_of(&version.problem, names, reviewer.unit),
        })
        .collect()
}

/// The team page.
#[derive(Serialize)]
pub struct TeamsPage<'a> {
    pub round: RoundView,
    pub view: Option<VersionView<'a>>,
    pub changes: Vec<String>,
    pub history: Vec<HistoryLine<'a>>,
    pub reviewers: Vec<ReviewerChoice<'a>>,
    #[serde(flatten)]
    pub actions: crate::domain::round_pages::TeamActions,
    pub notice: Option<&'a str>,
    pub errors: Option<Vec<String>>,
    /// The generation form's values.
    pub settings: super::GenerateSettings,
    /// Members of the version shown who review no file, flagged.
    pub idle_members: Vec<String>,
    /// The confirmation of publishing the version shown.
    pub publish_confirm: Option<crate::web::confirm::ConfirmView>,
    /// The second, named confirmation when the version shown breaks hard rules (each listed).
    pub breaches_confirm: Option<crate::web::confirm::ConfirmView>,
}

/// A member of the reviewer's own team.
#[derive(Serialize)]
pub struct MyMember {
    pub name: String,
    pub is_leader: bool,
    pub is_me: bool,
}

/// A file the reviewer reviews, with the state of their sheet.
#[derive(Serialize)]
pub struct MyFile {
    pub id: String,
    pub case_number: String,
    pub case_type: &'static str,
    pub unit: String,
    pub double: bool,
    pub state: &'static str,
    pub total: Option<String>,
}

/// A round in which the reviewer is on a published team.
#[derive(Serialize)]
pub struct MyRound {
    pub round: RoundView,
    pub team: u32,
    pub is_leader: bool,
    pub units: Vec<String>,
    pub members: Vec<MyMember>,
    pub files: Vec<MyFile>,
}

#[derive(Serialize)]
pub struct MinePage {
    pub rounds: Vec<MyRound>,
    pub has_person: bool,
}
