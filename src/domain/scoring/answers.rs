//! What a reviewer enters on a score sheet (一案一表), and the checks that refuse a sheet the
//! rubric cannot score, each naming the item so the form can show it next to the field.

use crate::domain::citation::Citation;
use crate::domain::rubric::{DeductionRule, Method, NotApplicablePolicy, Points, Rubric};
use crate::domain::text_limits::{TextError, TextField};
use std::collections::HashSet;
use std::fmt;

/// Everything a reviewer entered for one file. Items left out score full marks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SheetAnswers {
    /// Deduction method: one answer per item that has a deduction or is not applicable.
    pub items: Vec<ItemAnswer>,
    /// Triggered 一票否决 items only.
    pub vetoes: Vec<VetoAnswer>,
    /// Indicator method: one answer per indicator, none may be left out.
    pub indicators: Vec<IndicatorAnswer>,
    /// Indicator method: the overall grade the reviewer chose (a name from the rubric).
    pub overall_grade: Option<String>,
}

/// The reviewer's finding on one item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemAnswer {
    pub code: String,
    pub mark: Mark,
    /// Why points were taken off; required for every deduction.
    pub reason: String,
    /// Where in the case file the reviewer saw the fault (an old sheet's single page number
    /// reads as one page).
    #[serde(default, alias = "page")]
    pub pages: Citation,
}

/// What the reviewer marked; must match the item's deduction rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Mark {
    /// Nothing wrong: full marks.
    NoDeduction,
    /// Fixed-deduction item: the fault is present.
    Applied,
    /// Per-occurrence item: how many times the fault was found.
    Occurrences(u32),
    /// Free item: the points the reviewer takes off.
    Points(Points),
    /// 不适用: handled by the item's not-applicable policy.
    NotApplicable,
}

/// A triggered 一票否决 item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VetoAnswer {
    pub code: String,
    /// Required: a veto fails the file, so it must say why.
    pub reason: String,
    #[serde(default, alias = "page")]
    pub pages: Citation,
}

/// The reviewer's grade for one indicator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorAnswer {
    pub code: String,
    pub grade: IndicatorMark,
    /// Required for any grade below the best one.
    pub reason: String,
    #[serde(default, alias = "page")]
    pub pages: Citation,
}

/// A grade on the rubric's indicator scale, or 不适用.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum IndicatorMark {
    Graded(String),
    NotApplicable,
}

/// A sheet the engine refuses, with every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.problems))]
pub struct ScoringError {
    pub problems: Vec<AnswerProblem>,
}

fn join_lines(problems: &[AnswerProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

/// One problem, tied to an item, veto or indicator code when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerProblem {
    pub item: Option<String>,
    pub kind: ProblemKind,
}

impl fmt::Display for AnswerProblem {
    /// `项目 C3：扣分 5 分超过该项满分 3 分`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "项目 {item}：{}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// The facts of a problem; `Display` gives the sentence a reviewer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    UnknownItem,
    UnknownVeto,
    UnknownIndicator,
    AnsweredTwice,
    /// The mark does not fit the item's rule (e.g. occurrences on a fixed item).
    WrongMark {
        expected: &'static str,
    },
    DeductionAboveMax {
        deduction: Points,
        max: Points,
    },
    NegativeDeduction,
    OccurrencesAboveLimit {
        count: u32,
        limit: u32,
        cap: Points,
    },
    NotApplicableNotAllowed,
    ReasonRequired,
    /// Every item was marked not applicable and excluded: nothing left to score.
    NothingApplicable,
    /// Answers for the other method (items on an indicator rubric or the reverse).
    WrongMethod,
    IndicatorMissing,
    UnknownIndicatorGrade {
        grade: String,
        allowed: String,
    },
    OverallGradeMissing,
    UnknownOverallGrade {
        grade: String,
        allowed: String,
    },
    /// The chosen overall grade breaks the rubric's rules (or a veto).
    OverallGradeOutOfBounds {
        chosen: String,
        allowed: String,
        because: Vec<String>,
    },
    /// A reason over its length limit or holding a control character.
    Text(TextError),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProblemKind as P;
        match self {
            P::UnknownItem => f.write_str("评分标准中没有这个项目"),
            P::UnknownVeto => f.write_str("评分标准中没有这个一票否决项"),
            P::UnknownIndicator => f.write_str("评分标准中没有这个指标"),
            P::AnsweredTwice => f.write_str("同一项目填写了两次"),
            P::WrongMark { expected } => write!(f, "该项目应{expected}"),
            P::DeductionAboveMax { deduction, max } => {
                write!(f, "扣分 {deduction} 分超过该项满分 {max} 分")
            }
            P::NegativeDeduction => f.write_str("扣分不能为负数"),
            P::OccurrencesAboveLimit { count, limit, cap } => write!(
                f,
                "填写了 {count} 处，超过封顶 {cap} 分可计的 {limit} 处，请核对"
            ),
            P::NotApplicableNotAllowed => f.write_str("该项目不得标为不适用"),
            P::ReasonRequired => f.write_str("扣分、否决或评为较低等级时必须填写理由"),
            P::NothingApplicable => f.write_str("所有项目均为不适用，无法计算总分"),
            P::WrongMethod => f.write_str("填写内容与评分标准的评分方法不符"),
            P::IndicatorMissing => f.write_str("该指标尚未评定等级"),
            P::UnknownIndicatorGrade { grade, allowed } => {
                write!(f, "等级“{grade}”无效，可选：{allowed}")
            }
            P::OverallGradeMissing => f.write_str("请选择案卷总体等次"),
            P::UnknownOverallGrade { grade, allowed } => {
                write!(f, "总体等次“{grade}”无效，可选：{allowed}")
            }
            P::OverallGradeOutOfBounds {
                chosen,
                allowed,
                because,
            } => {
                write!(f, "总体等次不能评为“{chosen}”，只能评为{allowed}")?;
                if !because.is_empty() {
                    write!(f, "（依据：{}）", because.join("；"))?;
                }
                Ok(())
            }
            P::Text(error) => write!(f, "{error}"),
        }
    }
}

/// Checks every reason on the sheet against [`TextField::DeductionReason`]. Drafts are checked
/// too: whatever is saved must be storable and printable.
pub fn check_texts(answers: &SheetAnswers) -> Result<(), ScoringError> {
    let reasons = answers
        .items
        .iter()
        .map(|answer| (&answer.code, &answer.reason))
        .chain(answers.vetoes.iter().map(|veto| (&veto.code, &veto.reason)))
        .chain(
            answers
                .indicators
                .iter()
                .map(|answer| (&answer.code, &answer.reason)),
        );
    let mut problems: Vec<AnswerProblem> = reasons
        .filter_map(|(code, reason)| {
            let error = TextField::DeductionReason.check(reason).err()?;
            Some(problem(Some(code), ProblemKind::Text(error)))
        })
        .collect();
    let codes = answers
        .items
        .iter()
        .map(|answer| &answer.code)
        .chain(answers.vetoes.iter().map(|veto| &veto.code))
        .chain(answers.indicators.iter().map(|answer| &answer.code))
        .map(|code| (TextField::RubricCode, code))
        .chain(
            answers
                .overall_grade
                .iter()
                .map(|grade| (TextField::RubricLabel, grade)),
        );
    for (field, code) in codes {
        if let Err(error) = field.check(code) {
            problems.push(problem(None, ProblemKind::Text(error)));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScoringError { problems })
    }
}

pub(super) fn problem(item: Option<&str>, kind: ProblemKind) -> AnswerProblem {
    AnswerProblem {
        item: item.map(str::to_string),
        kind,
    }
}

/// Checks a sheet against the rubric without scoring it: every problem, each naming its item.
///
/// The indicator method's overall-grade bounds are checked by [`super::score`], which needs
/// the rules evaluated; this function checks that each answer fits its item.
pub fn validate_answers(rubric: &Rubric, answers: &SheetAnswers) -> Result<(), ScoringError> {
    let mut problems = match check_texts(answers) {
        Ok(()) => Vec::new(),
        Err(error) => error.problems,
    };
    match rubric.method() {
        Method::Deduction(scheme) => {
            if !answers.indicators.is_empty() || answers.overall_grade.is_some() {
                problems.push(problem(None, ProblemKind::WrongMethod));
            }
            let mut seen = HashSet::new();
            for answer in &answers.items {
                let code = Some(answer.code.as_str());
                if !seen.insert(answer.code.as_str()) {
                    problems.push(problem(code, ProblemKind::AnsweredTwice));
                    continue;
                }
                let Some(item) = scheme.item(&answer.code) else {
                    problems.push(problem(code, ProblemKind::UnknownItem));
                    continue;
                };
                if let Some(kind) =
                    mark_problem(item.deduction, item.max, item.not_applicable, answer.mark)
                {
                    problems.push(problem(code, kind));
                } else if deducts(answer.mark) && answer.reason.trim().is_empty() {
                    problems.push(problem(code, ProblemKind::ReasonRequired));
                }
            }
        }
        Method::Indicator(scheme) => {
            if !answers.items.is_empty() {
                problems.push(problem(None, ProblemKind::WrongMethod));
            }
            let mut seen = HashSet::new();
            for answer in &answers.indicators {
                let code = Some(answer.code.as_str());
                if !seen.insert(answer.code.as_str()) {
                    problems.push(problem(code, ProblemKind::AnsweredTwice));
                    continue;
                }
                let Some(indicator) = scheme.indicator(&answer.code) else {
                    problems.push(problem(code, ProblemKind::UnknownIndicator));
                    continue;
                };
                match &answer.grade {
                    IndicatorMark::NotApplicable if !indicator.may_be_not_applicable => {
                        problems.push(problem(code, ProblemKind::NotApplicableNotAllowed));
                    }
                    IndicatorMark::NotApplicable => {}
                    IndicatorMark::Graded(grade) => match scheme.scale_index(grade) {
                        None => problems.push(problem(
                            code,
                            ProblemKind::UnknownIndicatorGrade {
                                grade: grade.clone(),
                                allowed: scheme.scale.join("、"),
                            },
                        )),
                        Some(index) if index > 0 && answer.reason.trim().is_empty() => {
                            problems.push(problem(code, ProblemKind::ReasonRequired));
                        }
                        Some(_) => {}
                    },
                }
            }
            for indicator in &scheme.indicators {
                if !seen.contains(indicator.code.as_str()) {
                    problems.push(problem(
                        Some(&indicator.code),
                        ProblemKind::IndicatorMissing,
                    ));
                }
            }
            match &answers.overall_grade {
                None => problems.push(problem(None, ProblemKind::OverallGradeMissing)),
                Some(grade) if scheme.grade_index(grade).is_none() => {
                    let names: Vec<&str> = scheme
                        .grades
                        .iter()
                        .map(|grade| grade.name.as_str())
                        .collect();
                    problems.push(problem(
                        None,
                        ProblemKind::UnknownOverallGrade {
                            grade: grade.clone(),
                            allowed: names.join("、"),
                        },
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let mut seen = HashSet::new();
    for veto in &answers.vetoes {
        let code = Some(veto.code.as_str());
        if !seen.insert(veto.code.as_str()) {
            problems.push(problem(code, ProblemKind::AnsweredTwice));
        } else if rubric.veto(&veto.code).is_none() {
            problems.push(problem(code, ProblemKind::UnknownVeto));
        } else if veto.reason.trim().is_empty() {
            problems.push(problem(code, ProblemKind::ReasonRequired));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ScoringError { problems })
    }
}

/// Whether a mark takes points off (and so needs a reason).
fn deducts(mark: Mark) -> bool {
    match mark {
        Mark::Applied => true,
        Mark::Occurrences(count) => count > 0,
        Mark::Points(points) => points > Points::ZERO,
        Mark::NoDeduction | Mark::NotApplicable => false,
    }
}

fn mark_problem(
    rule: DeductionRule,
    max: Points,
    policy: NotApplicablePolicy,
    mark: Mark,
) -> Option<ProblemKind> {
    match (rule, mark) {
        (_, Mark::NoDeduction) => None,
        (_, Mark::NotApplicable) => (policy == NotApplicablePolicy::NotAllowed)
            .then_some(ProblemKind::NotApplicableNotAllowed),
        (DeductionRule::Fixed { .. }, Mark::Applied) => None,
        (DeductionRule::Fixed { .. }, _) => Some(ProblemKind::WrongMark {
            expected: "选择是否扣分（固定扣分）",
        }),
        (DeductionRule::PerOccurrence { cap, .. }, Mark::Occurrences(count)) => {
            let limit = rule.occurrence_limit().unwrap_or(u32::MAX);
            (count > limit).then_some(ProblemKind::OccurrencesAboveLimit { count, limit, cap })
        }
        (DeductionRule::PerOccurrence { .. }, _) => Some(ProblemKind::WrongMark {
            expected: "填写发现的处数（按处扣分）",
        }),
        (DeductionRule::Free, Mark::Points(points)) if points < Points::ZERO => {
            Some(ProblemKind::NegativeDeduction)
        }
        (DeductionRule::Free, Mark::Points(points)) if points > max => {
            Some(ProblemKind::DeductionAboveMax {
                deduction: points,
                max,
            })
        }
        (DeductionRule::Free, Mark::Points(_)) => None,
        (DeductionRule::Free, _) => Some(ProblemKind::WrongMark {
            expected: "填写扣分分值（酌情扣分）",
        }),
    }
}
