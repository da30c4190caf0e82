//! The assignment problem as the bureau states it, and the assignment the solver hands back.
//!
//! Everything here is plain data (serde, so the benchmark can hand the same instance to an exact
//! solver). The rules over this data live in `rules.rs`; the search lives in `solver.rs`.

use crate::domain::CaseType;
use crate::domain::ids::{LawFirmId, PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use crate::domain::ids::CaseFileId;

/// A person in the reviewer pool as seen by one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub id: PersonId,
    /// Compared with each file's handler name: nobody reviews their own case.
    pub name: String,
    /// The reviewer's own unit; a team never visits a unit one of its members comes from.
    pub unit: UnitId,
    pub law_firm: Option<LawFirmId>,
    pub expertise: BTreeSet<CaseType>,
    pub years_of_practice: u32,
    pub may_lead: bool,
    /// Most files this reviewer takes in this round (each review of a file counts once).
    pub capacity: u32,
    pub available: bool,
}

/// A unit whose files are inspected this round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectedUnit {
    pub id: UnitId,
    pub name: String,
}

/// A sampled file and how many reviewers it needs.
///
/// `reviewers_needed` is the single source of truth for double review: 1, 2 (double review)
/// or 3 (major case). The caller sets it, by hand or with [`apply_double_review`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampledFile {
    pub id: CaseFileId,
    /// The assigning unit (the inspected unit whose file this is).
    pub unit: UnitId,
    pub case_type: CaseType,
    /// Case number as registered, shown in explanations (e.g. 兴法援〔2025〕12号).
    pub case_number: String,
    pub handler_name: String,
    pub handling_firm: Option<LawFirmId>,
    pub reviewers_needed: u8,
}

/// What a declared conflict of interest is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum ConflictWith {
    Unit(UnitId),
    LawFirm(LawFirmId),
    CaseFile(CaseFileId),
}

/// A conflict a reviewer declared (relatives, former colleagues, …): they review none of the
/// files it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Conflict {
    pub reviewer: PersonId,
    pub with: ConflictWith,
}

/// An inspected unit's objection to a named reviewer: that reviewer reviews none of its files
/// (they may still travel with the team and review the team's other units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Objection {
    pub unit: UnitId,
    pub reviewer: PersonId,
}

/// One earlier round: which reviewer was in the team that visited which unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PastRound {
    /// How users name the round (e.g. 2025年第三季度).
    pub label: String,
    pub visits: Vec<PastVisit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PastVisit {
    pub reviewer: PersonId,
    pub unit: UnitId,
}

/// The weights of the objective (see `solver.rs`). Integers, so every solver computes the same
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    /// Per review of a file whose case type is not among the reviewer's expertise.
    pub expertise_mismatch: i64,
    /// Times load² per reviewer: convex, so files spread evenly.
    pub load: i64,
    /// Per pair of members of one team who come from the same unit.
    pub same_unit_pair: i64,
    /// Per member and unit visited that the member visited in the newest past round; halved
    /// for each round further back.
    pub repeat_visit: i64,
    /// Times (units of the team − 1)²: travel between units.
    pub extra_unit: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            expertise_mismatch: 20,
            load: 1,
            same_unit_pair: 30,
            repeat_visit: 40,
            extra_unit: 10,
        }
    }
}

/// Team size bounds, leader included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSize {
    pub min: u32,
    pub max: u32,
}

/// How hard the search works. The same effort and seed always give the same answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchEffort {
    /// Local-search steps per team plus unit; the product is capped by `max_steps`.
    pub steps_per_item: u64,
    pub max_steps: u64,
}

impl Default for SearchEffort {
    fn default() -> Self {
        SearchEffort {
            steps_per_item: 60,
            max_steps: 600_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentConfig {
    pub team_size: TeamSize,
    /// Number of teams. `None`: as many as there are units, limited by available reviewers
    /// divided by the minimum team size.
    pub team_count: Option<u32>,
    pub weights: Weights,
    pub effort: SearchEffort,
    /// Recorded with the result so anyone can redraw it.
    pub seed: u64,
}

impl Default for AssignmentConfig {
    fn default() -> Self {
        AssignmentConfig {
            team_size: TeamSize { min: 3, max: 4 },
            team_count: None,
            weights: Weights::default(),
            effort: SearchEffort::default(),
            seed: 0,
        }
    }
}

/// Everything the solver needs for one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub reviewers: Vec<Reviewer>,
    pub units: Vec<InspectedUnit>,
    pub files: Vec<SampledFile>,
    pub conflicts: Vec<Conflict>,
    pub objections: Vec<Objection>,
    /// Newest round first.
    pub history: Vec<PastRound>,
    pub config: AssignmentConfig,
}

impl Problem {
    /// The number of teams the solver forms (see [`AssignmentConfig::team_count`]).
    pub fn team_count(&self) -> u32 {
        if let Some(count) = self.config.team_count {
            return count;
        }
        let available = self.reviewers.iter().filter(|r| r.available).count();
        let by_people = available / (self.config.team_size.min.max(1) as usize);
        u32::try_from(self.units.len().min(by_people)).unwrap_or(u32::MAX)
    }

    pub fn reviewer(&self, id: PersonId) -> Option<&Reviewer> {
        self.reviewers.iter().find(|r| r.id == id)
    }

    pub fn unit(&self, id: UnitId) -> Option<&InspectedUnit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn file(&self, id: CaseFileId) -> Option<&SampledFile> {
        self.files.iter().find(|f| f.id == id)
    }

    /// The unit's name, or a neutral word for a reviewer's unit that is not inspected.
    pub fn unit_name(&self, id: UnitId) -> &str {
        self.unit(id).map_or("外单位", |u| u.name.as_str())
    }

    pub fn reviewer_name(&self, id: PersonId) -> &str {
        self.reviewer(id).map_or("未知评查员", |r| r.name.as_str())
    }

    pub fn case_number(&self, id: CaseFileId) -> &str {
        self.file(id).map_or("未知案卷", |f| f.case_number.as_str())
    }
}

/// How a round asks for double review; turned into `reviewers_needed` per file by
/// [`apply_double_review`] before solving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DoubleReview {
    None,
    /// This share of files (per mille, spread evenly over units in file order) get two.
    Share {
        per_mille: u32,
    },
    /// Every file of this case type gets two.
    AllOfType {
        case_type: CaseType,
    },
}

/// Sets `reviewers_needed` to 2 where the rule asks for double review. Files already marked 2 or
/// 3 (major cases, chosen by hand) keep their number; nothing is lowered.
pub fn apply_double_review(files: &mut [SampledFile], rule: DoubleReview) {
    match rule {
        DoubleReview::None => {}
        DoubleReview::AllOfType { case_type } => {
            for file in files.iter_mut().filter(|f| f.case_type == case_type) {
                file.reviewers_needed = file.reviewers_needed.max(2);
            }
        }
        DoubleReview::Share { per_mille } => {
            // A running quota: file k is doubled when the quota crosses a whole file, so any
            // prefix of the list holds the share (within one file) and the choice is stable.
            let mut quota: u64 = 0;
            for file in files.iter_mut() {
                quota += u64::from(per_mille);
                if quota >= 1000 {
                    quota -= 1000;
                    file.reviewers_needed = file.reviewers_needed.max(2);
                }
            }
        }
    }
}

/// One inspection team (交叉检查组) and the units it visits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// 1-based, as printed on the team list (第1组).
    pub number: u32,
    pub leader: PersonId,
    /// All members, leader included.
    pub members: Vec<PersonId>,
    pub units: Vec<UnitId>,
}

/// The reviewers of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub file: CaseFileId,
    pub reviewers: Vec<PersonId>,
}

/// A complete assignment: every team, every file's reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub seed: u64,
    pub teams: Vec<Team>,
    pub placements: Vec<Placement>,
}

impl Assignment {
    pub fn team_of_member(&self, reviewer: PersonId) -> Option<&Team> {
        self.teams.iter().find(|t| t.members.contains(&reviewer))
    }

    pub fn team_of_unit(&self, unit: UnitId) -> Option<&Team> {
        self.teams.iter().find(|t| t.units.contains(&unit))
    }

    pub fn placement(&self, file: CaseFileId) -> Option<&Placement> {
        self.placements.iter().find(|p| p.file == file)
    }

    /// The team that reviews `file`: the one definition of "this file's team", used for its
    /// leader everywhere (合议, returning a sheet, findings, objections, offline packets).
    ///
    /// It follows the file's placement, not the unit's coverage: the team that holds every
    /// reviewer placed on the file, or, where an administrator's override placed reviewers
    /// of several teams, the team of the first reviewer. A file nobody reviews has no team.
    pub fn team_of_file(&self, file: CaseFileId) -> Option<&Team> {
        let placement = self.placement(file)?;
        self.teams
            .iter()
            .find(|team| {
                placement
                    .reviewers
                    .iter()
                    .all(|reviewer| team.members.contains(reviewer))
            })
            .or_else(|| self.team_of_member(*placement.reviewers.first()?))
    }

    /// The leader (组长) of the team that reviews `file`.
    pub fn leader_of_file(&self, file: CaseFileId) -> Option<PersonId> {
        self.team_of_file(file).map(|team| team.leader)
    }

    /// Whether `person` leads the team that reviews `file`.
    pub fn leads_file(&self, person: PersonId, file: CaseFileId) -> bool {
        self.leader_of_file(file) == Some(person)
    }

    /// Files (reviews) per reviewer.
    pub fn load_of(&self, reviewer: PersonId) -> u32 {
        let count = self
            .placements
            .iter()
            .filter(|p| p.reviewers.contains(&reviewer))
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}
