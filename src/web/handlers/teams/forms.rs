//! The team forms: generation options and a manual change, parsed into the domain's terms.

use crate::app::messages::teams as text;
use crate::domain::assignment::Change;
use crate::domain::assignment::Problem;
use crate::domain::ids::{CaseFileId, PersonId};
use crate::domain::text_limits::TextField;
use crate::storage::assignments::Options;
use crate::web::handlers::sampling::fresh_seed;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    seed: Option<String>,
    #[serde(default)]
    team_min: Option<u32>,
    #[serde(default)]
    team_max: Option<u32>,
    #[serde(default)]
    capacity: Option<u32>,
    #[serde(default)]
    double_percent: Option<u32>,
}

impl GenerateForm {
    pub fn options(&self) -> Result<Options, String> {
        let seed = match self
            .seed
            .as_deref()
            .map(str::trim)
            .filter(|seed| !seed.is_empty())
        {
            Some(seed) => seed.parse().map_err(|_| text::bad_seed(seed))?,
            None => fresh_seed().map_err(|error| error.message())?,
        };
        let defaults = Options::default();
        let team_min = self.team_min.unwrap_or(defaults.team_min);
        let team_max = self.team_max.unwrap_or(defaults.team_max);
        if team_min == 0 || team_min > team_max {
            return Err(text::bad_team_size(team_min, team_max));
        }
        Ok(crate::app::teams::options(
            seed,
            team_min,
            team_max,
            self.capacity.unwrap_or(defaults.capacity),
            self.double_percent.unwrap_or(20),
        ))
    }
}

/// The generation form's values as the page shows them: what the administrator entered
/// (kept after a refusal), else those of the version shown, else the defaults.
#[derive(Debug, Clone, Serialize)]
pub struct GenerateSettings {
    team_min: u32,
    team_max: u32,
    capacity: u32,
    double_percent: u32,
    seed: String,
}

impl Default for GenerateSettings {
    fn default() -> Self {
        let defaults = Options::default();
        GenerateSettings {
            team_min: defaults.team_min,
            team_max: defaults.team_max,
            capacity: defaults.capacity,
            double_percent: 20,
            seed: String::new(),
        }
    }
}

impl GenerateSettings {
    /// The settings a stored version was generated with (a new seed is drawn unless typed).
    pub fn of_problem(problem: &Problem) -> Self {
        let defaults = GenerateSettings::default();
        let files = problem.files.len();
        let doubled = problem
            .files
            .iter()
            .filter(|file| file.reviewers_needed > 1)
            .count();
        let percent = (doubled * 100 + files / 2)
            .checked_div(files)
            .map_or(0, |percent| u32::try_from(percent).unwrap_or(100));
        GenerateSettings {
            team_min: problem.config.team_size.min,
            team_max: problem.config.team_size.max,
            capacity: problem
                .reviewers
                .iter()
                .map(|reviewer| reviewer.capacity)
                .max()
                .unwrap_or(defaults.capacity),
            double_percent: percent,
            seed: String::new(),
        }
    }
}

impl GenerateForm {
    /// What was entered, for the page shown again after a refusal.
    pub fn entered(&self) -> GenerateSettings {
        let defaults = GenerateSettings::default();
        GenerateSettings {
            team_min: self.team_min.unwrap_or(defaults.team_min),
            team_max: self.team_max.unwrap_or(defaults.team_max),
            capacity: self.capacity.unwrap_or(defaults.capacity),
            double_percent: self.double_percent.unwrap_or(defaults.double_percent),
            seed: self.seed.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    kind: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    first: Option<String>,
    #[serde(default)]
    second: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

fn person(chosen: Option<&str>, label: &str) -> Result<PersonId, String> {
    chosen
        .and_then(|chosen| chosen.trim().parse().ok())
        .ok_or_else(|| text::choose(label))
}

impl ChangeForm {
    pub fn change(&self) -> Result<Change, String> {
        TextField::AssignmentNote
            .check_optional(self.reason.as_deref())
            .map_err(|error| error.to_string())?;
        let first = person(self.first.as_deref(), text::REVIEWER)?;
        let second = person(self.second.as_deref(), text::OTHER_REVIEWER)?;
        match self.kind.as_str() {
            "move_file" => {
                let file: CaseFileId = self
                    .file
                    .as_deref()
                    .and_then(|file| file.trim().parse().ok())
                    .ok_or(text::CHOOSE_FILE)?;
                Ok(Change::MoveFile {
                    file,
                    from: first,
                    to: second,
                })
            }
            "swap" => Ok(Change::SwapReviewers { first, second }),
            "replace" => Ok(Change::ReplaceMember {
                out: first,
                replacement: second,
            }),
            other => Err(text::unknown_change(other)),
        }
    }

    /// The reason for a change over a hard rule, when one was given.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|reason| !reason.is_empty())
            .map(str::to_string)
    }
}
