//! Rubrics (评分标准) as files a bureau edits: the file format, its checks, and the checked
//! model scoring reads. Parsing is pure: the caller reads the file and passes its text.

pub mod error;
pub mod file;
pub mod model;
pub mod points;

pub use error::{RubricError, RubricErrorKind, RubricErrors};
pub use model::{
    Band, Condition, DeductionRule, DeductionScheme, Grade, GradeLevel, GradeRule, Indicator,
    IndicatorScheme, Item, Method, NotApplicablePolicy, Rubric, RuleEffect, Section, Veto,
};
pub use points::Points;

use file::{RubricFile, RubricSource};

/// Parses and checks one rubric file's text; `file_name` only labels the errors.
///
/// The rubric keeps `text`, so a stored snapshot re-parses to an equal rubric with the same
/// [`Rubric::content_hash`]. A TOML or shape error (bad syntax, unknown or missing key) stops
/// at the first one; all other mistakes are reported together, in line order.
pub fn parse_rubric(file_name: &str, text: &str) -> Result<Rubric, RubricErrors> {
    let file: RubricFile = toml::from_str(text)
        .map_err(|error| RubricErrors(vec![file::toml_error(file_name, text, &error)]))?;
    let source = RubricSource {
        file_name,
        text,
        file,
    };
    Rubric::try_from(source).map_err(RubricErrors)
}
