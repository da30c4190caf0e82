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

/// What combining looks at in one review: its total, its grade and whether it found a
/// 一票否决.
#[derive(Debug, Clone, Copy)]
pub struct ReviewMark<'a> {
    pub total: Option<Points>,
    pub grade: &'a Grade,
    pub vetoed: bool,
}

impl<'a> From<&'a ScoreResult> for ReviewMark<'a> {
    fn from(result: &'a ScoreResult) -> Self {
        ReviewMark {
            total: result.total,
            grade: &result.grade,
            vetoed: !result.vetoes.is_empty(),
        }
    }
}

/// What the rule decides for one file, before any words: the combined total and grade, and
/// which disagreements (if any) send it to 合议. [`combine`] puts it into sentences; the
/// summaries, which need only the figures, use it as it is.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The reviews, lowest total first (among equal totals, the better grade first).
    pub sorted: Vec<ReviewMark<'a>>,
    /// Mean of the totals, rounded half up to a tenth; `None` for indicator grading.
    pub total: Option<Points>,
    pub grade: &'a Grade,
    pub vetoes_differ: bool,
    /// The lowest and highest totals, when they are further apart than the rule allows.
    pub totals_apart: Option<(Points, Points, Points)>,
    /// Some reviews pass and others fail (under the escalating rule).
    pub pass_and_fail: bool,
    /// Indicator-graded reviews that gave different grades.
    pub grades_differ: bool,
}

impl Decision<'_> {
    /// The reviews may be combined without 合议.
    pub fn agreed(&self) -> bool {
        !(self.vetoes_differ
            || self.totals_apart.is_some()
            || self.pass_and_fail
            || self.grades_differ)
    }
}

/// Decides how the reviews of one file scored against the same rubric combine. The decision
/// does not depend on the order of `reviews`: they are sorted before anything is compared.
pub fn decide<'a>(
    rubric: &'a Rubric,
    rule: CombineRule,
    reviews: &[ReviewMark<'a>],
) -> Result<Decision<'a>, CombineError> {
    if !(2..=3).contains(&reviews.len()) {
        return Err(CombineError::ReviewCount(reviews.len()));
    }
    let grade_rank = |grade: &Grade| {
        rubric
            .grades_iter()
            .position(|known| known == grade)
            .unwrap_or(usize::MAX)
    };
    let mut sorted = reviews.to_vec();
    sorted.sort_by_key(|review| (review.total, std::cmp::Reverse(grade_rank(review.grade))));
    let vetoed = sorted.iter().filter(|review| review.vetoed).count();
    let vetoes_differ = vetoed > 0 && vetoed < sorted.len();
    let (mut totals_apart, mut grades_differ) = (None, false);
    let (total, grade) = match rubric.method() {
        Method::Deduction(scheme) => {
            let totals: Option<Vec<Points>> = sorted.iter().map(|review| review.total).collect();
            let totals = totals.ok_or(CombineError::MixedMethods)?;
            let (Some(lowest), Some(highest)) = (totals.first(), totals.last()) else {
                return Err(CombineError::ReviewCount(0));
            };
            if let CombineRule::Escalate { max_gap } = rule
                && *highest - *lowest > max_gap
            {
                totals_apart = Some((*lowest, *highest, max_gap));
            }
            let mean = Points::mean(&totals).ok_or(CombineError::ReviewCount(0))?;
            let grade = if vetoed == sorted.len() {
                rubric.failing_grade()
            } else {
                &scheme.band_for(mean).grade
            };
            (Some(mean), grade)
        }
        Method::Indicator(_) => {
            if sorted.iter().any(|review| review.total.is_some()) {
                return Err(CombineError::MixedMethods);
            }
            let Some(first) = sorted.first() else {
                return Err(CombineError::ReviewCount(0));
            };
            let grade = first.grade;
            grades_differ = sorted.iter().any(|review| review.grade != grade);
            (None, grade)
        }
    };
    let pass_and_fail = matches!(rule, CombineRule::Escalate { .. })
        && sorted.iter().any(|review| review.grade.passes())
        && sorted.iter().any(|review| !review.grade.passes());
    Ok(Decision {
        sorted,
        total,
        grade,
        vetoes_differ,
        totals_apart,
        pass_and_fail,
        grades_differ,
    })
}

/// Combines the reviews of one file scored against the same rubric: [`decide`], in words.
///
/// The outcome does not depend on the order of `reviews`: they are sorted before anything is
/// compared or written.
pub fn combine(
    rubric: &Rubric,
    rule: CombineRule,
    reviews: &[ScoreResult],
) -> Result<CombineOutcome, CombineError> {
    let marks: Vec<ReviewMark<'_>> = reviews.iter().map(ReviewMark::from).collect();
    let decision = decide(rubric, rule, &marks)?;
    let labels: Vec<String> = decision.sorted.iter().map(label).collect();
    let mut reasons = Vec::new();
    if decision.vetoes_differ {
        reasons.push(ReconciliationReason::VetoesDiffer);
    }
    if let Some((lowest, highest, max_gap)) = decision.totals_apart {
        reasons.push(ReconciliationReason::TotalsApart {
            lowest,
            highest,
            max_gap,
        });
    }
    if decision.grades_differ {
        reasons.push(ReconciliationReason::GradesDiffer {
            grades: labels.clone(),
        });
    }
    if decision.pass_and_fail {
        let (passing, failing): (Vec<_>, Vec<_>) = decision
            .sorted
            .iter()
            .partition(|review| review.grade.passes());
        reasons.push(ReconciliationReason::PassAndFail {
            passing: passing.into_iter().map(label).collect(),
            failing: failing.into_iter().map(label).collect(),
        });
    }
    if !reasons.is_empty() {
        return Ok(CombineOutcome::NeedsReconciliation { reasons });
    }
    let grade = decision.grade.clone();
    let explanation = match decision.total {
        Some(mean) => format!(
            "评分分别为 {}，平均 {mean} 分，等次为{grade}",
            labels.join("、")
        ),
        None => format!("{} 份评分均评为{grade}", decision.sorted.len()),
    };
    Ok(CombineOutcome::Combined(CombinedResult {
        total: decision.total,
        grade,
        explanation,
    }))
}

/// "85.5 分（良好）" or "良好".
fn label(review: &ReviewMark<'_>) -> String {
    match review.total {
        Some(total) => format!("{total} 分（{}）", review.grade),
        None => review.grade.name.clone(),
    }
}
