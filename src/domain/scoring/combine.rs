//! Combining the two or three reviews of one file (一本卷宗两人评): a per-round rule decides
//! whether scores are averaged or the file goes to 复评/合议.

use super::engine::ScoreResult;
use crate::domain::rubric::{Grade, Method, Points, Rubric};
use std::fmt;

/// How a round combines the reviews of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CombineRule {
    /// Average the totals and grade the average. Reviews must still agree on vetoes, and
    /// indicator-graded reviews on the grade, since neither can be averaged.
    Average,
    /// Like `Average`, but send the file to 复评/合议 when the totals differ by more than
    /// `max_gap`, or when one review passes (合格 or better) and another fails.
    Escalate { max_gap: Points },
}

/// The result of combining reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CombineOutcome {
    Combined(CombinedResult),
    /// The reviews disagree beyond what the rule accepts: the team leader must reconcile.
    NeedsReconciliation {
        reasons: Vec<ReconciliationReason>,
    },
}

/// The file's combined score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombinedResult {
    /// Mean of the totals, rounded half up to a tenth; `None` for indicator grading.
    pub total: Option<Points>,
    pub grade: Grade,
    /// One Chinese sentence saying how the reviews were combined.
    pub explanation: String,
}

/// Why a file needs reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconciliationReason {
    TotalsApart {
        lowest: Points,
        highest: Points,
        max_gap: Points,
    },
    PassAndFail {
        passing: Vec<String>,
        failing: Vec<String>,
    },
    GradesDiffer {
        grades: Vec<String>,
    },
    VetoesDiffer,
}

impl fmt::Display for ReconciliationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconciliationReason::TotalsApart {
                lowest,
                highest,
                max_gap,
            } => write!(
                f,
                "评分分别为 {lowest} 分和 {highest} 分，相差 {} 分，超过允许的 {max_gap} 分",
                *highest - *lowest
            ),
            ReconciliationReason::PassAndFail { passing, failing } => write!(
                f,
                "评查结论不一致：{}与 {}",
                passing.join("、"),
                failing.join("、")
            ),
            ReconciliationReason::GradesDiffer { grades } => {
                write!(f, "评定等次不一致：{}", grades.join("、"))
            }
            ReconciliationReason::VetoesDiffer => {
                f.write_str("一票否决认定不一致，须合议确定是否否决")
            }
        }
    }
}

/// Combining was asked for something it cannot combine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CombineError {
    #[error("合并评分需要 2 至 3 份评分表，实际为 {0} 份")]
    ReviewCount(usize),
    #[error("评分表与评分标准的评分方法不一致")]
    MixedMethods,
}

/// Combines the reviews of one file scored against the same rubric.
///
/// The outcome does not depend on the order of `reviews`: they are sorted before anything is
/// compared or written.
pub fn combine(
    rubric: &Rubric,
    rule: CombineRule,
    reviews: &[ScoreResult],
) -> Result<CombineOutcome, CombineError> {
    if !(2..=3).contains(&reviews.len()) {
        return Err(CombineError::ReviewCount(reviews.len()));
    }
    let grade_rank = |grade: &Grade| {
        rubric
            .grades()
            .iter()
            .position(|known| *known == grade)
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<&ScoreResult> = reviews.iter().collect();
    sorted.sort_by_key(|review| (review.total, std::cmp::Reverse(grade_rank(&review.grade))));
    let mut reasons = Vec::new();
    let vetoed = sorted
        .iter()
        .filter(|review| !review.vetoes.is_empty())
        .count();
    if vetoed > 0 && vetoed < sorted.len() {
        reasons.push(ReconciliationReason::VetoesDiffer);
    }
    let labels: Vec<String> = sorted.iter().map(|review| label(review)).collect();
    let combined = match rubric.method() {
        Method::Deduction(scheme) => {
            let totals: Option<Vec<Points>> = sorted.iter().map(|review| review.total).collect();
            let totals = totals.ok_or(CombineError::MixedMethods)?;
            let (Some(lowest), Some(highest)) = (totals.first(), totals.last()) else {
                return Err(CombineError::ReviewCount(0));
            };
            if let CombineRule::Escalate { max_gap } = rule
                && *highest - *lowest > max_gap
            {
                reasons.push(ReconciliationReason::TotalsApart {
                    lowest: *lowest,
                    highest: *highest,
                    max_gap,
                });
            }
            let mean = Points::mean(&totals).ok_or(CombineError::ReviewCount(0))?;
            let grade = if vetoed == sorted.len() {
                rubric.failing_grade().clone()
            } else {
                scheme.band_for(mean).grade.clone()
            };
            let explanation = format!(
                "评分分别为 {}，平均 {mean} 分，等次为{grade}",
                labels.join("、")
            );
            CombinedResult {
                total: Some(mean),
                grade,
                explanation,
            }
        }
        Method::Indicator(_) => {
            if sorted.iter().any(|review| review.total.is_some()) {
                return Err(CombineError::MixedMethods);
            }
            let first = sorted.first().map(|review| review.grade.clone());
            let Some(grade) = first else {
                return Err(CombineError::ReviewCount(0));
            };
            if sorted.iter().any(|review| review.grade != grade) {
                reasons.push(ReconciliationReason::GradesDiffer {
                    grades: labels.clone(),
                });
            }
            let explanation = format!("{} 份评分均评为{grade}", sorted.len());
            CombinedResult {
                total: None,
                grade,
                explanation,
            }
        }
    };
    if matches!(rule, CombineRule::Escalate { .. }) {
        let (passing, failing): (Vec<&&ScoreResult>, Vec<&&ScoreResult>) =
            sorted.iter().partition(|review| review.grade.passes());
        if !passing.is_empty() && !failing.is_empty() {
            reasons.push(ReconciliationReason::PassAndFail {
                passing: passing.iter().map(|review| label(review)).collect(),
                failing: failing.iter().map(|review| label(review)).collect(),
            });
        }
    }
    if reasons.is_empty() {
        Ok(CombineOutcome::Combined(combined))
    } else {
        Ok(CombineOutcome::NeedsReconciliation { reasons })
    }
}

/// "85.5 分（良好）" or "良好".
fn label(review: &ScoreResult) -> String {
    match review.total {
        Some(total) => format!("{total} 分（{}）", review.grade),
        None => review.grade.name.clone(),
    }
}
