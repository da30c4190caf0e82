//! Double review and 合议: whether the submitted sheets of one file agree under the round's
//! rule, the team leader's queue of files that do not, and the checked record of a 合议
//! decision (final score, reason, who took part, when).

use super::combine::{
    CombineError, CombineOutcome, CombineRule, CombinedResult, ReconciliationReason, combine,
};
use super::engine::ScoreResult;
use crate::domain::ids::{CaseFileId, PersonId};
use crate::domain::rubric::{Grade, Method, Points, Rubric};
use crate::domain::text_limits::{TextError, TextField};
use chrono::NaiveDateTime;
use serde::Serialize;
use std::collections::BTreeSet;

/// One submitted sheet of a file, scored by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedReview {
    pub reviewer_id: PersonId,
    pub result: ScoreResult,
}

/// What the submitted sheets of a file lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileVerdict {
    /// The reviews agree: the combined score stands.
    Agreed(CombinedResult),
    /// The reviews disagree beyond the round's rule: the file joins the leader's queue.
    Disagreement(DisagreementEntry),
}

/// A file in the team leader's 合议 queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisagreementEntry {
    pub case_file_id: CaseFileId,
    /// One per submitted sheet, lowest total first (grade order for indicator grading).
    pub reviews: Vec<ReviewSummary>,
    /// Highest minus lowest total; `None` for indicator grading.
    pub gap: Option<Points>,
    /// Why combining refused, as [`combine`] found it.
    pub reasons: Vec<ReconciliationReason>,
}

impl DisagreementEntry {
    /// The reasons as the sentences the queue page shows.
    pub fn reason_lines(&self) -> Vec<String> {
        self.reasons.iter().map(ToString::to_string).collect()
    }
}

/// One reviewer's result as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewSummary {
    pub reviewer_id: PersonId,
    pub total: Option<Points>,
    /// The grade's name (优秀 …).
    pub grade: String,
    pub vetoed: bool,
}

/// Why a file's reviews could not be assessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessError {
    #[error(transparent)]
    Combine(#[from] CombineError),
    #[error("同一评查员对该案卷提交了两份评分表")]
    DuplicateReviewer { reviewer_id: PersonId },
}

/// Combines a file's 2–3 submitted sheets with the round's rule and says whether the file
/// needs 合议. The verdict does not depend on the order of `reviews`.
pub fn assess_file(
    rubric: &Rubric,
    rule: CombineRule,
    case_file_id: CaseFileId,
    reviews: &[SubmittedReview],
) -> Result<FileVerdict, AssessError> {
    let mut seen = BTreeSet::new();
    for review in reviews {
        if !seen.insert(review.reviewer_id) {
            return Err(AssessError::DuplicateReviewer {
                reviewer_id: review.reviewer_id,
            });
        }
    }
    let results: Vec<ScoreResult> = reviews.iter().map(|review| review.result.clone()).collect();
    match combine(rubric, rule, &results)? {
        CombineOutcome::Combined(result) => Ok(FileVerdict::Agreed(result)),
        CombineOutcome::NeedsReconciliation { reasons } => {
            let grade_rank = |name: &str| {
                rubric
                    .grades()
                    .iter()
                    .position(|grade| grade.name == name)
                    .unwrap_or(usize::MAX)
            };
            let mut summaries: Vec<ReviewSummary> = reviews
                .iter()
                .map(|review| ReviewSummary {
                    reviewer_id: review.reviewer_id,
                    total: review.result.total,
                    grade: review.result.grade.name.clone(),
                    vetoed: !review.result.vetoes.is_empty(),
                })
                .collect();
            summaries.sort_by(|left, right| {
                (
                    left.total,
                    std::cmp::Reverse(grade_rank(&left.grade)),
                    left.reviewer_id,
                )
                    .cmp(&(
                        right.total,
                        std::cmp::Reverse(grade_rank(&right.grade)),
                        right.reviewer_id,
                    ))
            });
            let totals: Vec<Points> = summaries.iter().filter_map(|review| review.total).collect();
            let gap = match (totals.iter().min(), totals.iter().max()) {
                (Some(lowest), Some(highest)) => Some(*highest - *lowest),
                _ => None,
            };
            Ok(FileVerdict::Disagreement(DisagreementEntry {
                case_file_id,
                reviews: summaries,
                gap,
                reasons,
            }))
        }
    }
}

/// What the team leader enters on the 合议 form, before checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciliationInput {
    pub case_file_id: CaseFileId,
    /// Required on a deduction rubric, absent on an indicator rubric.
    pub final_total: Option<Points>,
    /// A grade name from the rubric.
    pub final_grade: String,
    /// Whether 合议 upheld a 一票否决; the grade must then be the failing one.
    pub vetoed: bool,
    pub reason: String,
    pub participants: Vec<PersonId>,
}

/// A checked 合议 decision: the file's final score, replacing the combined one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub case_file_id: CaseFileId,
    pub final_total: Option<Points>,
    pub final_grade: Grade,
    pub vetoed: bool,
    /// Trimmed, never empty.
    pub reason: String,
    /// At least two distinct people, the team leader among them; sorted.
    pub participants: Vec<PersonId>,
    pub decided_at: NaiveDateTime,
}

/// Why a 合议 record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconciliationError {
    #[error("合议必须填写理由")]
    ReasonRequired,
    #[error("{0}")]
    Text(TextError),
    #[error("合议至少需要 2 人参加，现为 {count} 人")]
    TooFewParticipants { count: usize },
    #[error("合议必须有本组组长参加")]
    LeaderAbsent { leader: PersonId },
    #[error("百分制评分标准的合议必须填写最终得分")]
    TotalRequired,
    #[error("单项指标等级制不计总分，合议只确定等次")]
    TotalNotAllowed,
    #[error("最终得分 {total} 分不在 0 至 100 分之间")]
    TotalOutOfRange { total: Points },
    #[error("等次“{grade}”无效，可选：{allowed}")]
    UnknownGrade { grade: String, allowed: String },
    #[error("最终得分 {total} 分对应的等次为“{expected}”，不是“{chosen}”")]
    GradeDoesNotMatchTotal {
        total: Points,
        expected: String,
        chosen: String,
    },
    #[error("合议认定一票否决的，等次只能为“{failing}”")]
    VetoNeedsFailingGrade { failing: String },
}

impl Reconciliation {
    /// Checks a 合议 decision against the rubric snapshot and the file's team leader.
    ///
    /// On a deduction rubric the grade must be the band of the final total, or the failing
    /// grade when 合议 upheld a veto; on an indicator rubric the grade is the panel's choice
    /// (a veto still forces the failing grade). Participants are deduplicated before counting.
    pub fn decide(
        rubric: &Rubric,
        team_leader: PersonId,
        input: ReconciliationInput,
        decided_at: NaiveDateTime,
    ) -> Result<Reconciliation, ReconciliationError> {
        let reason = input.reason.trim().to_string();
        if reason.is_empty() {
            return Err(ReconciliationError::ReasonRequired);
        }
        TextField::ReconciliationReason
            .check(&reason)
            .map_err(ReconciliationError::Text)?;
        let participants: Vec<PersonId> = input
            .participants
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if participants.len() < 2 {
            return Err(ReconciliationError::TooFewParticipants {
                count: participants.len(),
            });
        }
        if !participants.contains(&team_leader) {
            return Err(ReconciliationError::LeaderAbsent {
                leader: team_leader,
            });
        }
        let grades = rubric.grades();
        let chosen = input.final_grade.trim();
        let Some(grade) = grades.iter().find(|grade| grade.name == chosen) else {
            let names: Vec<&str> = grades.iter().map(|grade| grade.name.as_str()).collect();
            return Err(ReconciliationError::UnknownGrade {
                grade: chosen.to_string(),
                allowed: names.join("、"),
            });
        };
        let failing = rubric.failing_grade();
        if input.vetoed && *grade != failing {
            return Err(ReconciliationError::VetoNeedsFailingGrade {
                failing: failing.name.clone(),
            });
        }
        match (rubric.method(), input.final_total) {
            (Method::Deduction(_), None) => return Err(ReconciliationError::TotalRequired),
            (Method::Indicator(_), Some(_)) => return Err(ReconciliationError::TotalNotAllowed),
            (Method::Indicator(_), None) => {}
            (Method::Deduction(scheme), Some(total)) => {
                if total < Points::ZERO || total > Points::HUNDRED {
                    return Err(ReconciliationError::TotalOutOfRange { total });
                }
                let band = &scheme.band_for(total).grade;
                if !input.vetoed && band != *grade {
                    return Err(ReconciliationError::GradeDoesNotMatchTotal {
                        total,
                        expected: band.name.clone(),
                        chosen: grade.name.clone(),
                    });
                }
            }
        }
        Ok(Reconciliation {
            case_file_id: input.case_file_id,
            final_total: input.final_total,
            final_grade: (*grade).clone(),
            vetoed: input.vetoed,
            reason,
            participants,
            decided_at,
        })
    }
}

/// The note on the assignment version that sends a file near a grade boundary to a second
/// reviewer (临界复评).
pub fn second_review_note(case_number: &str, reason: &str) -> String {
    format!("临界复评：案卷{case_number}，{reason}")
}

/// What the reviewer added for a borderline second review is told.
pub fn second_review_message(case_number: &str, reason: &str) -> String {
    format!("您被指派为案卷{case_number}的第二评查员（临界复评：{reason}），请进入评分表评查")
}

/// What the administrators are told when nobody could take a borderline second review.
pub fn second_review_unassigned_message(case_number: &str, reason: &str, why: &str) -> String {
    format!(
        "案卷{case_number}需临界复评（{reason}），但未能自动指派第二评查员：{why}。请在检查组页面手动调整"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rubric::parse_rubric;
    use crate::domain::scoring::answers::{Mark, SheetAnswers};
    use crate::domain::scoring::engine::score;
    use crate::domain::scoring::tests::{answer, small};
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn person(n: u128) -> PersonId {
        PersonId(Uuid::from_u128(n))
    }

    fn file() -> CaseFileId {
        CaseFileId(Uuid::from_u128(77))
    }

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 4, 1)
            .and_then(|date| date.and_hms_opt(10, 30, 0))
            .unwrap()
    }

    /// A review of the small rubric losing `points` on the free item B1.
    fn review(reviewer: u128, points: i32) -> SubmittedReview {
        let answers = SheetAnswers {
            items: vec![answer("B1", Mark::Points(Points::whole(points)))],
            ..SheetAnswers::default()
        };
        SubmittedReview {
            reviewer_id: person(reviewer),
            result: score(&small(), &answers).unwrap(),
        }
    }

    const GAP: CombineRule = CombineRule::Escalate {
        max_gap: Points::whole(10),
    };

    #[test]
    fn close_reviews_are_combined() {
        let verdict = assess_file(&small(), GAP, file(), &[review(1, 5), review(2, 10)]).unwrap();
        let FileVerdict::Agreed(result) = verdict else {
            panic!("expected agreement, got {verdict:?}");
        };
        assert_eq!(result.total, Some(Points::from_tenths(925)));
    }

    #[test]
    fn distant_reviews_join_the_queue_in_either_order() {
        let forward = assess_file(&small(), GAP, file(), &[review(1, 2), review(2, 25)]).unwrap();
        let backward = assess_file(&small(), GAP, file(), &[review(2, 25), review(1, 2)]).unwrap();
        assert_eq!(forward, backward);
        let FileVerdict::Disagreement(entry) = forward else {
            panic!("expected a disagreement, got {forward:?}");
        };
        assert_eq!(entry.case_file_id, file());
        assert_eq!(entry.gap, Some(Points::whole(23)));
        assert_eq!(entry.reviews[0].reviewer_id, person(2));
        assert_eq!(entry.reviews[0].total, Some(Points::whole(75)));
        assert_eq!(
            entry.reason_lines(),
            vec!["评分分别为 75 分和 98 分，相差 23 分，超过允许的 10 分".to_string()]
        );
    }

    #[test]
    fn assessing_needs_two_or_three_distinct_reviewers() {
        assert_eq!(
            assess_file(&small(), GAP, file(), &[review(1, 2)]),
            Err(AssessError::Combine(CombineError::ReviewCount(1)))
        );
        assert_eq!(
            assess_file(&small(), GAP, file(), &[review(1, 2), review(1, 3)]),
            Err(AssessError::DuplicateReviewer {
                reviewer_id: person(1)
            })
        );
    }

    fn input(
        total: Option<i32>,
        grade: &str,
        reason: &str,
        people: &[u128],
    ) -> ReconciliationInput {
        ReconciliationInput {
            case_file_id: file(),
            final_total: total.map(Points::whole),
            final_grade: grade.to_string(),
            vetoed: false,
            reason: reason.to_string(),
            participants: people.iter().map(|n| person(*n)).collect(),
        }
    }

    const LEADER: u128 = 9;

    #[test]
    fn a_reconciliation_records_score_reason_and_people() {
        let decided = Reconciliation::decide(
            &small(),
            person(LEADER),
            input(
                Some(85),
                "良好",
                " C2 扣分依据不足，改为不扣 ",
                &[2, LEADER, 1, 2],
            ),
            now(),
        )
        .unwrap();
        assert_eq!(decided.final_total, Some(Points::whole(85)));
        assert_eq!(decided.final_grade.name, "良好");
        assert_eq!(decided.reason, "C2 扣分依据不足，改为不扣");
        assert_eq!(
            decided.participants,
            vec![person(1), person(2), person(LEADER)]
        );
        assert_eq!(decided.decided_at, now());
    }

    #[test]
    fn each_refusal_of_a_reconciliation() {
        let check = |input: ReconciliationInput| {
            Reconciliation::decide(&small(), person(LEADER), input, now())
        };
        let both = &[1, LEADER];
        assert_eq!(
            check(input(Some(85), "良好", "  ", both)),
            Err(ReconciliationError::ReasonRequired)
        );
        assert_eq!(
            check(input(Some(85), "良好", "合议", &[LEADER, LEADER])),
            Err(ReconciliationError::TooFewParticipants { count: 1 })
        );
        assert_eq!(
            check(input(Some(85), "良好", "合议", &[1, 2])),
            Err(ReconciliationError::LeaderAbsent {
                leader: person(LEADER)
            })
        );
        assert_eq!(
            check(input(None, "良好", "合议", both)),
            Err(ReconciliationError::TotalRequired)
        );
        assert_eq!(
            check(input(Some(101), "优秀", "合议", both)),
            Err(ReconciliationError::TotalOutOfRange {
                total: Points::whole(101)
            })
        );
        assert!(matches!(
            check(input(Some(85), "很好", "合议", both)),
            Err(ReconciliationError::UnknownGrade { .. })
        ));
        assert_eq!(
            check(input(Some(85), "优秀", "合议", both)),
            Err(ReconciliationError::GradeDoesNotMatchTotal {
                total: Points::whole(85),
                expected: "良好".to_string(),
                chosen: "优秀".to_string(),
            })
        );
        let vetoed_good = ReconciliationInput {
            vetoed: true,
            ..input(Some(85), "良好", "合议", both)
        };
        assert_eq!(
            check(vetoed_good),
            Err(ReconciliationError::VetoNeedsFailingGrade {
                failing: "不合格".to_string()
            })
        );
        let vetoed = ReconciliationInput {
            vetoed: true,
            ..input(Some(85), "不合格", "合议", both)
        };
        assert!(check(vetoed).is_ok());
    }

    #[test]
    fn indicator_reconciliation_sets_a_grade_only() {
        let rubric = parse_rubric(
            "indicator.toml",
            include_str!("../../../scoring-rubrics/indicator-sft0084-0085.toml"),
        )
        .unwrap();
        let decide = |input| Reconciliation::decide(&rubric, person(LEADER), input, now());
        assert_eq!(
            decide(input(Some(80), "良好", "合议", &[1, LEADER])),
            Err(ReconciliationError::TotalNotAllowed)
        );
        assert!(decide(input(None, "良好", "合议", &[1, LEADER])).is_ok());
    }

    proptest! {
        #[test]
        fn reconciliation_needs_a_reason_and_two_people_with_the_leader(
            reason in "[ \t合议理由]{0,5}",
            people in prop::collection::vec(1u128..6, 0..5),
        ) {
            let leader = 1;
            let result = Reconciliation::decide(
                &small(),
                person(leader),
                input(Some(85), "良好", &reason, &people),
                now(),
            );
            let distinct: std::collections::BTreeSet<u128> = people.iter().copied().collect();
            let valid = !reason.trim().is_empty() && distinct.len() >= 2 && distinct.contains(&leader);
            prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
            if let Ok(decided) = result {
                prop_assert!(decided.participants.len() >= 2);
                prop_assert!(decided.participants.contains(&person(leader)));
                prop_assert!(!decided.reason.is_empty());
            }
        }
    }
}
