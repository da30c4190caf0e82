//! The team forms: generation options and a manual change, parsed into the domain's terms.

use crate::app::messages::teams as text;
use crate::domain::assignment::Change;
use crate::domain::ids::{CaseFileId, PersonId};
use crate::domain::text_limits::TextField;
use crate::storage::assignments::Options;
use crate::web::handlers::sampling::fresh_seed;
use serde::Deserialize;

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
