//! Scoring a case file against a rubric snapshot: answers in, an explained grade out; and
//! combining two or three reviews of one file.

pub mod actions;
pub mod answers;
pub mod calibration;
pub mod combine;
pub mod engine;
pub mod explanation;
pub mod final_result;
pub mod findings_library;
pub mod reconciliation;
pub mod sheet;

pub use answers::{
    AnswerProblem, IndicatorAnswer, IndicatorMark, ItemAnswer, Mark, ProblemKind, ScoringError,
    SheetAnswers, VetoAnswer, check_texts, validate_answers,
};
pub use combine::{
    CombineError, CombineOutcome, CombineRule, CombinedResult, Decision, ReconciliationReason,
    ReviewMark, combine, decide,
};
pub use engine::{
    IndicatorScore, ScoreResult, SectionScore, TriggeredVeto, allowed_overall_grades,
    item_deduction, score,
};
pub use explanation::{DeductionHow, Explanation, ExplanationLine};

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
