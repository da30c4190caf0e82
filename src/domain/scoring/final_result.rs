//! A file's final result: what its submitted reviews add up to under the round's combining
//! rule, or what 合议 decided, with decided objections (变更/撤销) applied. Pure rules: storage
//! reads the sheets, decisions and adjustments, and hands them here.

use crate::domain::ids::CaseFileId;
use crate::domain::objection::{self, Adjustment, TargetKind};
use crate::domain::round::CombineSetting;
use crate::domain::rubric::{Grade, Method, Points, Rubric};
use crate::domain::scoring::combine::{CombineError, CombineRule, ReviewMark, decide};
use crate::domain::scoring::reconciliation::{
    AssessError, DisagreementEntry, FileVerdict, SubmittedReview, assess_file,
};
use chrono::NaiveDateTime;

/// Where a file stands.
pub enum Outcome {
    /// Not every assigned reviewer has submitted yet.
    InProgress { submitted: usize, expected: usize },
    /// The reviews disagree beyond the round's rule: waiting for 合议.
    Disagreement(DisagreementEntry),
    /// The file's final result.
    Final(FinalResult),
}

/// A file's final total and grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalResult {
    /// `None` for indicator grading.
    pub total: Option<Points>,
    pub grade: Grade,
    pub vetoed: bool,
    /// One sentence on how the result came about (combined, single review, or 合议).
    pub explanation: String,
    /// Set when 合议 decided the result.
    pub reconciliation: Option<ReconciliationRecord>,
    /// The total and grade before decided objections (变更/撤销) changed them.
    pub before_objections: Option<(Option<Points>, Grade)>,
}

/// The stored 合议 decision of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciliationRecord {
    pub reason: String,
    pub participants: Vec<String>,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
}

/// A file's final total and grade, without the sentence on how they came about (summaries
/// count figures; the documents read [`FinalResult`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalFigure {
    /// `None` for indicator grading.
    pub total: Option<Points>,
    pub grade: Grade,
    pub vetoed: bool,
    /// The total and grade before decided objections (变更/撤销) changed them.
    pub before_objections: Option<(Option<Points>, Grade)>,
}

impl From<FinalResult> for FinalFigure {
    fn from(result: FinalResult) -> Self {
        FinalFigure {
            total: result.total,
            grade: result.grade,
            vetoed: result.vetoed,
            before_objections: result.before_objections,
        }
    }
}

/// Why stored reviews or a stored decision give no result (the stored data is inconsistent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinalResultError {
    #[error("reconciled grade {0} is not in the rubric")]
    UnknownGrade(String),
    #[error("{0}")]
    Assess(AssessError),
    #[error("{0}")]
    Combine(CombineError),
}

/// The rule the combining engine applies for a round's setting.
pub fn combine_rule(setting: CombineSetting) -> CombineRule {
    match setting {
        CombineSetting::Average => CombineRule::Average,
        CombineSetting::Escalate { max_gap } => CombineRule::Escalate { max_gap },
    }
}

/// The result a stored 合议 decided.
pub fn reconciled(
    rubric: &Rubric,
    total: Option<Points>,
    grade_name: &str,
    vetoed: bool,
    record: ReconciliationRecord,
) -> Result<FinalResult, FinalResultError> {
    let grade = rubric
        .grades()
        .into_iter()
        .find(|grade| grade.name == grade_name)
        .cloned()
        .ok_or_else(|| FinalResultError::UnknownGrade(grade_name.to_string()))?;
    Ok(FinalResult {
        total,
        grade,
        vetoed,
        explanation: format!("经合议确定：{}", record.reason),
        reconciliation: Some(record),
        before_objections: None,
    })
}

/// Where a file stands from its submitted reviews (`expected`: the reviewers placed on it).
pub fn outcome(
    rubric: &Rubric,
    rule: CombineRule,
    file: CaseFileId,
    expected: usize,
    reviews: &[SubmittedReview],
) -> Result<Outcome, FinalResultError> {
    if reviews.len() < expected.max(1) {
        return Ok(Outcome::InProgress {
            submitted: reviews.len(),
            expected,
        });
    }
    if let [only] = reviews {
        return Ok(Outcome::Final(FinalResult {
            total: only.result.total,
            grade: only.result.grade.clone(),
            vetoed: !only.result.vetoes.is_empty(),
            explanation: "一人评查，以其评分为准".to_string(),
            reconciliation: None,
            before_objections: None,
        }));
    }
    match assess_file(rubric, rule, file, reviews).map_err(FinalResultError::Assess)? {
        FileVerdict::Agreed(combined) => Ok(Outcome::Final(FinalResult {
            total: combined.total,
            grade: combined.grade,
            vetoed: reviews
                .iter()
                .all(|review| !review.result.vetoes.is_empty()),
            explanation: combined.explanation,
            reconciliation: None,
            before_objections: None,
        })),
        FileVerdict::Disagreement(entry) => Ok(Outcome::Disagreement(entry)),
    }
}

/// The outcome of a file's reviews with its decided objections applied to every sheet; the
/// result before them is kept in [`FinalResult::before_objections`].
pub fn objected_outcome(
    rubric: &Rubric,
    rule: CombineRule,
    file: CaseFileId,
    expected: usize,
    reviews: Vec<SubmittedReview>,
    adjusting: &[Adjustment],
) -> Result<Outcome, FinalResultError> {
    let plain = outcome(rubric, rule, file, expected, &reviews)?;
    if adjusting.is_empty() {
        return Ok(plain);
    }
    let adjusted: Vec<SubmittedReview> = reviews
        .into_iter()
        .map(|review| SubmittedReview {
            reviewer_id: review.reviewer_id,
            result: objection::adjust(rubric, &review.result, adjusting),
        })
        .collect();
    let mut after = outcome(rubric, rule, file, expected, &adjusted)?;
    if let (Outcome::Final(before), Outcome::Final(after)) = (&plain, &mut after) {
        mark_adjusted(after, before.total, before.grade.clone());
    }
    Ok(after)
}

fn mark_adjusted(result: &mut FinalResult, total: Option<Points>, grade: Grade) {
    if result.total == total && result.grade == grade {
        return;
    }
    let was = match total {
        Some(total) => format!("原总分 {total} 分、{}", grade.name),
        None => format!("原等次{}", grade.name),
    };
    result.explanation = format!("{}；经异议裁决调整（{was}）", result.explanation);
    result.before_objections = Some((total, grade));
}

/// A 合议 result with decided objections applied: each lowered deduction gives its points
/// back to the decided total, a withdrawn veto lets the bands grade it.
pub fn adjust_reconciled(
    rubric: &Rubric,
    result: FinalResult,
    adjusting: &[Adjustment],
) -> FinalResult {
    if adjusting.is_empty() {
        return result;
    }
    let Method::Deduction(scheme) = rubric.method() else {
        return result;
    };
    let mut after = result.clone();
    let mut given_back = Points::ZERO;
    for adjustment in adjusting {
        match adjustment.target {
            TargetKind::Deduction if adjustment.old_points > adjustment.new_points => {
                given_back = given_back + (adjustment.old_points - adjustment.new_points);
            }
            TargetKind::Veto => after.vetoed = false,
            TargetKind::Deduction => {}
        }
    }
    if let Some(total) = after.total {
        let total = (total + given_back).min(Points::HUNDRED);
        after.total = Some(total);
        if !after.vetoed {
            after.grade = scheme.band_for(total).grade.clone();
        }
    }
    mark_adjusted(&mut after, result.total, result.grade);
    after
}

/// A file's figures from its reviews' marks, by the same rule as [`outcome`]: `None` while
/// reviews are missing or disagree.
pub fn settle(
    rubric: &Rubric,
    rule: CombineRule,
    expected: usize,
    marks: &[ReviewMark<'_>],
) -> Result<Option<FinalFigure>, FinalResultError> {
    if marks.len() < expected.max(1) {
        return Ok(None);
    }
    if let [only] = marks {
        return Ok(Some(FinalFigure {
            total: only.total,
            grade: only.grade.clone(),
            vetoed: only.vetoed,
            before_objections: None,
        }));
    }
    let decision = decide(rubric, rule, marks).map_err(FinalResultError::Combine)?;
    Ok(decision.agreed().then(|| FinalFigure {
        total: decision.total,
        grade: decision.grade.clone(),
        vetoed: marks.iter().all(|mark| mark.vetoed),
        before_objections: None,
    }))
}

/// What combining needs of a sheet, from its stored total and grade. Under a deduction rubric
/// the engine grades by the total's band unless a 一票否决 was found, which always gives the
/// failing grade: so a passing grade means no veto, and a failing grade on a total whose band
/// passes means a veto. `None` when only the answers can tell: a failing grade on a failing
/// total (a veto or not), indicator rubrics, a grade the rubric does not know.
pub fn light_mark<'r>(
    rubric: &'r Rubric,
    total: Option<i32>,
    grade: Option<&str>,
) -> Option<ReviewMark<'r>> {
    let Method::Deduction(scheme) = rubric.method() else {
        return None;
    };
    let grade = rubric
        .grades_iter()
        .find(|known| Some(known.name.as_str()) == grade)?;
    let total = Points::from_tenths(total?);
    let band = &scheme.band_for(total).grade;
    let vetoed = if grade == band && grade.passes() {
        false
    } else if !grade.passes() && band.passes() && grade == rubric.failing_grade() {
        true
    } else {
        return None;
    };
    Some(ReviewMark {
        total: Some(total),
        grade,
        vetoed,
    })
}
