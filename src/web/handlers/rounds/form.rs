//! The round creation form (and its JSON twin): what it shows, and the settings it makes of
//! what was typed.

use crate::app::messages::rounds as text;
use crate::domain::CaseType;
use crate::domain::round::{CombineSetting, RoundSettings};
use crate::domain::rubric::Points;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The creation form and its JSON twin.
#[derive(Debug, Deserialize)]
pub struct RoundForm {
    name: String,
    period_start: String,
    period_end: String,
    #[serde(default)]
    rubric_criminal: Option<String>,
    #[serde(default)]
    rubric_civil: Option<String>,
    #[serde(default)]
    rubric_administrative: Option<String>,
    combine_rule: String,
    #[serde(default)]
    escalate_gap: Option<String>,
    #[serde(default)]
    review_deadline: Option<String>,
    #[serde(default)]
    rectification_days: Option<String>,
    #[serde(default)]
    blind: Option<String>,
}

fn date_field(label: &str, typed: &str) -> Result<NaiveDate, String> {
    crate::import::dates::parse_date_text(typed.trim()).map_err(|_| text::bad_date(label, typed))
}

/// The creation form's values: those just typed when they were refused, or the defaults.
#[derive(Serialize)]
pub struct RoundFormView {
    name_max: usize,
    name: String,
    period_start: String,
    period_end: String,
    review_deadline: String,
    escalate_gap: String,
    rectification_days: String,
    average: bool,
    blind: bool,
}

/// A ticked checkbox (absent when unticked).
fn ticked(value: Option<&str>) -> bool {
    matches!(value, Some("on" | "true" | "1"))
}

impl RoundForm {
    /// What the creation form shows: the values just typed when they were refused, so nothing
    /// typed is lost, or the defaults.
    pub fn view(typed: Option<&RoundForm>) -> RoundFormView {
        let or = |value: &Option<String>, default: &str| {
            value.clone().unwrap_or_else(|| default.to_string())
        };
        let name_max = crate::domain::text_limits::TextField::RoundName.max_chars();
        match typed {
            Some(form) => RoundFormView {
                name_max,
                name: form.name.clone(),
                period_start: form.period_start.clone(),
                period_end: form.period_end.clone(),
                review_deadline: or(&form.review_deadline, ""),
                escalate_gap: or(&form.escalate_gap, "10"),
                rectification_days: or(&form.rectification_days, "30"),
                average: form.combine_rule == "average",
                blind: ticked(form.blind.as_deref()),
            },
            None => RoundFormView {
                name_max,
                name: String::new(),
                period_start: String::new(),
                period_end: String::new(),
                review_deadline: String::new(),
                escalate_gap: "10".into(),
                rectification_days: "30".into(),
                average: false,
                blind: false,
            },
        }
    }

    pub fn settings(&self) -> Result<RoundSettings, String> {
        let mut rubrics = BTreeMap::new();
        for (case_type, hash) in [
            (CaseType::Criminal, &self.rubric_criminal),
            (CaseType::Civil, &self.rubric_civil),
            (CaseType::Administrative, &self.rubric_administrative),
        ] {
            if let Some(hash) = hash
                .as_deref()
                .map(str::trim)
                .filter(|hash| !hash.is_empty())
            {
                rubrics.insert(case_type, hash.to_string());
            }
        }
        let combine = match self.combine_rule.as_str() {
            "average" => CombineSetting::Average,
            "escalate" => {
                let gap_text = self.escalate_gap.as_deref().unwrap_or("10").trim();
                let gap: Points = gap_text.parse().map_err(|_| text::bad_gap(gap_text))?;
                CombineSetting::Escalate { max_gap: gap }
            }
            other => return Err(text::unknown_combine_rule(other)),
        };
        let review_deadline = match self.review_deadline.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(typed) => Some(date_field(text::REVIEW_DEADLINE, typed)?),
        };
        let days_text = self.rectification_days.as_deref().unwrap_or("30").trim();
        let rectification_days = days_text.parse().map_err(|_| text::bad_days(days_text))?;
        let settings = RoundSettings {
            name: self.name.trim().to_string(),
            period_start: date_field(text::PERIOD_START, &self.period_start)?,
            period_end: date_field(text::PERIOD_END, &self.period_end)?,
            rubrics,
            combine,
            review_deadline,
            rectification_days,
            blind: ticked(self.blind.as_deref()),
        };
        settings.check().map_err(|error| error.to_string())?;
        Ok(settings)
    }
}
