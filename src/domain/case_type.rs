//! The three kinds of legal-aid case that rubrics, sampling and reviewer expertise speak of.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// 案件类别: every case file, rubric and reviewer expertise is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseType {
    /// 刑事
    Criminal,
    /// 民事
    Civil,
    /// 行政
    Administrative,
}

impl CaseType {
    pub const ALL: [CaseType; 3] = [
        CaseType::Criminal,
        CaseType::Civil,
        CaseType::Administrative,
    ];

    /// The stable identifier stored in the database and used in files.
    pub fn code(self) -> &'static str {
        match self {
            CaseType::Criminal => "criminal",
            CaseType::Civil => "civil",
            CaseType::Administrative => "administrative",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            CaseType::Criminal => "刑事",
            CaseType::Civil => "民事",
            CaseType::Administrative => "行政",
        }
    }
}

display_by_label!(CaseType);

/// A case type that could not be recognised; carries the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown case type: {0}")]
pub struct UnknownCaseType(pub String);

impl FromStr for CaseType {
    type Err = UnknownCaseType;

    /// Accepts the stored code, the Chinese label, and the longer forms found in registries
    /// (刑事案件, 民事类, 行政诉讼 …).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let found = CaseType::ALL.into_iter().find(|case_type| {
            trimmed.eq_ignore_ascii_case(case_type.code()) || trimmed.starts_with(case_type.label())
        });
        found.ok_or_else(|| UnknownCaseType(trimmed.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_labels_and_registry_variants() {
        assert_eq!("criminal".parse::<CaseType>(), Ok(CaseType::Criminal));
        assert_eq!("民事".parse::<CaseType>(), Ok(CaseType::Civil));
        assert_eq!(
            " 行政诉讼 ".parse::<CaseType>(),
            Ok(CaseType::Administrative)
        );
        assert_eq!("刑事案件".parse::<CaseType>(), Ok(CaseType::Criminal));
        assert!("值班律师".parse::<CaseType>().is_err());
    }
}
