//! The scoring engine: a rubric and a reviewer's answers in, subtotals, total, grade and an
//! explanation out. Pure and deterministic, so a stored sheet always re-scores the same.

use super::answers::{
    IndicatorMark, Mark, ProblemKind, ScoringError, SheetAnswers, problem, validate_answers,
};
use super::explanation::{DeductionHow, Explanation, ExplanationLine};
use crate::domain::rubric::{
    Condition, DeductionRule, DeductionScheme, Grade, Indicator, IndicatorScheme, Item, Method,
    NotApplicablePolicy, Points, Rubric, RuleEffect,
};

/// The score of one sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreResult {
    /// Deduction method: one per section, in rubric order; empty for the indicator method.
    pub sections: Vec<SectionScore>,
    /// Indicator method: one per indicator, in rubric order; empty for the deduction method.
    pub indicators: Vec<IndicatorScore>,
    /// On the 100-point scale, 0..=100, a tenth at most; `None` for the indicator method.
    pub total: Option<Points>,
    pub grade: Grade,
    pub vetoes: Vec<TriggeredVeto>,
    pub explanation: Explanation,
}

/// A section's subtotal, before rescaling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionScore {
    pub code: String,
    pub title: String,
    pub max: Points,
    /// `max` less the items excluded as not applicable under the rescale policy.
    pub applicable_max: Points,
    pub earned: Points,
}

/// An indicator's grade; `None` when not applicable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorScore {
    pub code: String,
    pub title: String,
    pub key: bool,
    pub grade: Option<String>,
}

/// A 一票否决 item the reviewer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggeredVeto {
    pub code: String,
    pub text: String,
    pub reason: String,
    pub pages: crate::domain::citation::Citation,
}

/// Scores a sheet, or returns every problem that stops it from being scored.
///
/// Deduction method: each item earns its maximum less its deduction; an item marked not
/// applicable earns full marks (`full_marks`) or leaves both earned and possible points
/// (`rescale`), in which case the total is earned ÷ possible × 100, rounded half up to a
/// tenth. Indicator method: the rules whose conditions hold bound the overall grade and the
/// reviewer's choice must lie within. Either way a veto gives the lowest (failing) grade.
pub fn score(rubric: &Rubric, answers: &SheetAnswers) -> Result<ScoreResult, ScoringError> {
    validate_answers(rubric, answers)?;
    let mut explanation = Explanation::default();
    let vetoes = triggered_vetoes(rubric, answers);
    match rubric.method() {
        Method::Deduction(scheme) => {
            let (sections, total) = deduction_total(scheme, answers, &mut explanation)?;
            push_veto_lines(&vetoes, &mut explanation);
            let grade = if vetoes.is_empty() {
                let band = scheme.band_for(total);
                explanation.lines.push(ExplanationLine::GradeByBand {
                    total,
                    grade: band.grade.name.clone(),
                    min: band.min,
                    max: band.max,
                });
                band.grade.clone()
            } else {
                let failing = rubric.failing_grade().clone();
                explanation.lines.push(ExplanationLine::GradeByVeto {
                    grade: failing.name.clone(),
                });
                failing
            };
            Ok(ScoreResult {
                sections,
                indicators: Vec::new(),
                total: Some(total),
                grade,
                vetoes,
                explanation,
            })
        }
        Method::Indicator(scheme) => {
            let (indicators, grade) = indicator_grade(scheme, answers, &vetoes, &mut explanation)?;
            Ok(ScoreResult {
                sections: Vec::new(),
                indicators,
                total: None,
                grade,
                vetoes,
                explanation,
            })
        }
    }
}

fn triggered_vetoes(rubric: &Rubric, answers: &SheetAnswers) -> Vec<TriggeredVeto> {
    // Rubric order, so two sheets with the same vetoes list them the same way.
    rubric
        .vetoes()
        .iter()
        .filter_map(|veto| {
            let answer = answers
                .vetoes
                .iter()
                .find(|answer| answer.code == veto.code)?;
            Some(TriggeredVeto {
                code: veto.code.clone(),
                text: veto.text.clone(),
                reason: answer.reason.trim().to_string(),
                pages: answer.pages.clone(),
            })
        })
        .collect()
}

fn push_veto_lines(vetoes: &[TriggeredVeto], explanation: &mut Explanation) {
    for veto in vetoes {
        explanation.lines.push(ExplanationLine::Veto {
            code: veto.code.clone(),
            text: veto.text.clone(),
            reason: veto.reason.clone(),
            pages: veto.pages.clone(),
        });
    }
}

/// Points one answer takes off an item (clamped to the item), zero when nothing is taken off.
/// Documents and findings use it to print what each item lost.
pub fn item_deduction(item: &Item, mark: Mark) -> Points {
    deduction(item, mark).map_or(Points::ZERO, |(points, _)| points)
}

/// Points one answer takes off an item and how; `None` for no deduction.
fn deduction(item: &Item, mark: Mark) -> Option<(Points, DeductionHow)> {
    let (points, how) = match (item.deduction, mark) {
        (DeductionRule::Fixed { points }, Mark::Applied) => (points, DeductionHow::Fixed),
        (DeductionRule::PerOccurrence { points, cap }, Mark::Occurrences(count)) => {
            let raw = points.times(count);
            let capped = (raw > cap).then_some(cap);
            let how = DeductionHow::PerOccurrence {
                count,
                each: points,
                capped,
            };
            (raw.min(cap), how)
        }
        (DeductionRule::Free, Mark::Points(points)) => (points, DeductionHow::Free),
        _ => return None,
    };
    // Validation keeps every deduction within the item; the clamp makes the bound local.
    let points = points.clamp(Points::ZERO, item.max);
    (points > Points::ZERO).then_some((points, how))
}

fn deduction_total(
    scheme: &DeductionScheme,
    answers: &SheetAnswers,
    explanation: &mut Explanation,
) -> Result<(Vec<SectionScore>, Points), ScoringError> {
    let mut sections = Vec::new();
    let mut excluded = Vec::new();
    for section in &scheme.sections {
        let mut earned = Points::ZERO;
        let mut applicable_max = Points::ZERO;
        for item in &section.items {
            let answer = answers.items.iter().find(|answer| answer.code == item.code);
            let mark = answer.map_or(Mark::NoDeduction, |answer| answer.mark);
            if mark == Mark::NotApplicable {
                let line = ExplanationLine::NotApplicable {
                    item: item.code.clone(),
                    text: item.text.clone(),
                    policy: item.not_applicable,
                    max: item.max,
                };
                if item.not_applicable == NotApplicablePolicy::Rescale {
                    excluded.push(line);
                    continue;
                }
                explanation.lines.push(line);
            }
            applicable_max = applicable_max + item.max;
            earned = earned + item.max;
            let found =
                answer.and_then(|answer| deduction(item, answer.mark).map(|found| (answer, found)));
            if let Some((answer, (points, how))) = found {
                earned = earned - points;
                explanation.lines.push(ExplanationLine::Deduction {
                    item: item.code.clone(),
                    text: item.text.clone(),
                    points,
                    how,
                    reason: answer.reason.trim().to_string(),
                    pages: answer.pages.clone(),
                });
            }
        }
        sections.push(SectionScore {
            code: section.code.clone(),
            title: section.title.clone(),
            max: section.max,
            applicable_max,
            earned,
        });
    }
    explanation.lines.extend(excluded);
    let possible: Points = sections.iter().map(|section| section.applicable_max).sum();
    let earned: Points = sections.iter().map(|section| section.earned).sum();
    explanation.lines.push(ExplanationLine::Sum {
        possible,
        deducted: possible - earned,
        earned,
    });
    if possible == Points::HUNDRED {
        return Ok((sections, earned));
    }
    let total = Points::HUNDRED
        .ratio_of(earned, possible)
        .ok_or_else(|| ScoringError {
            problems: vec![problem(None, ProblemKind::NothingApplicable)],
        })?;
    explanation.lines.push(ExplanationLine::Rescaled {
        earned,
        possible,
        total,
    });
    Ok((sections, total))
}

/// Whether a condition holds for the graded indicators (not-applicable ones are left out).
fn holds(condition: &Condition, graded: &[(&Indicator, usize)]) -> bool {
    let count_where =
        |test: &dyn Fn(usize) -> bool| graded.iter().filter(|(_, grade)| test(*grade)).count();
    match condition {
        Condition::AnyKeyAtOrBelow(bound) => graded
            .iter()
            .any(|(indicator, grade)| indicator.key && grade >= bound),
        Condition::AnyAtOrBelow(bound) => graded.iter().any(|(_, grade)| grade >= bound),
        Condition::AllKeyAtOrAbove(bound) => graded
            .iter()
            .all(|(indicator, grade)| !indicator.key || grade <= bound),
        Condition::AllAtOrAbove(bound) => graded.iter().all(|(_, grade)| grade <= bound),
        Condition::CountAtOrAbove { grade, count } => {
            count_where(&|found| found <= *grade) >= *count
        }
        Condition::CountAtOrBelow { grade, count } => {
            count_where(&|found| found >= *grade) >= *count
        }
        Condition::IndicatorAtOrBelow { indicator, grade } => graded
            .iter()
            .any(|(found, given)| found.code == *indicator && given >= grade),
    }
}

/// The best and worst overall grade indices the rules and vetoes allow, with the texts of the
/// rules that applied. Ceilings (`at_most`) win when they conflict with floors (`at_least`).
fn grade_bounds(
    scheme: &IndicatorScheme,
    graded: &[(&Indicator, usize)],
    vetoed: bool,
    explanation: &mut Explanation,
) -> (usize, usize, Vec<String>) {
    let last = scheme.grades.len().saturating_sub(1);
    let mut best = 0;
    let mut worst = last;
    let mut applied = Vec::new();
    for rule in &scheme.rules {
        if !rule
            .conditions
            .iter()
            .all(|condition| holds(condition, graded))
        {
            continue;
        }
        let (at_most, index) = match rule.effect {
            RuleEffect::AtMost(index) => {
                best = best.max(index);
                (true, index)
            }
            RuleEffect::AtLeast(index) => {
                worst = worst.min(index);
                (false, index)
            }
        };
        let grade = scheme
            .grades
            .get(index)
            .map_or_else(String::new, |grade| grade.name.clone());
        explanation.lines.push(ExplanationLine::RuleApplied {
            text: rule.text.clone(),
            at_most,
            grade,
        });
        applied.push(rule.text.clone());
    }
    if vetoed {
        best = last;
        applied.push("已触发一票否决".to_string());
    }
    (best, worst.max(best), applied)
}

fn indicator_grade(
    scheme: &IndicatorScheme,
    answers: &SheetAnswers,
    vetoes: &[TriggeredVeto],
    explanation: &mut Explanation,
) -> Result<(Vec<IndicatorScore>, Grade), ScoringError> {
    let mut scores = Vec::new();
    let mut graded = Vec::new();
    for indicator in &scheme.indicators {
        let answer = answers
            .indicators
            .iter()
            .find(|answer| answer.code == indicator.code);
        let grade = match answer.map(|answer| &answer.grade) {
            Some(IndicatorMark::Graded(name)) => {
                if let (Some(index), Some(answer)) = (scheme.scale_index(name), answer) {
                    graded.push((indicator, index));
                    explanation.lines.push(ExplanationLine::Indicator {
                        code: indicator.code.clone(),
                        title: indicator.title.clone(),
                        key: indicator.key,
                        grade: name.clone(),
                        reason: answer.reason.trim().to_string(),
                        pages: answer.pages.clone(),
                    });
                }
                Some(name.clone())
            }
            _ => {
                explanation
                    .lines
                    .push(ExplanationLine::IndicatorNotApplicable {
                        code: indicator.code.clone(),
                        title: indicator.title.clone(),
                    });
                None
            }
        };
        scores.push(IndicatorScore {
            code: indicator.code.clone(),
            title: indicator.title.clone(),
            key: indicator.key,
            grade,
        });
    }
    push_veto_lines(vetoes, explanation);
    let (best, worst, applied) = grade_bounds(scheme, &graded, !vetoes.is_empty(), explanation);
    let name_at = |index: usize| {
        scheme
            .grades
            .get(index)
            .map_or_else(String::new, |grade| grade.name.clone())
    };
    explanation.lines.push(ExplanationLine::GradeRange {
        best: name_at(best),
        worst: name_at(worst),
    });
    let chosen_name = answers.overall_grade.clone().unwrap_or_default();
    let chosen = scheme.grade_index(&chosen_name);
    match chosen.and_then(|index| scheme.grades.get(index).map(|grade| (index, grade))) {
        Some((index, grade)) if (best..=worst).contains(&index) => {
            explanation.lines.push(ExplanationLine::GradeChosen {
                grade: grade.name.clone(),
            });
            Ok((scores, grade.clone()))
        }
        _ => {
            let allowed: Vec<String> = (best..=worst).map(name_at).collect();
            Err(ScoringError {
                problems: vec![problem(
                    None,
                    ProblemKind::OverallGradeOutOfBounds {
                        chosen: chosen_name,
                        allowed: allowed.join("、"),
                        because: applied,
                    },
                )],
            })
        }
    }
}

/// The overall grades a reviewer may still choose given the indicator grades and vetoes
/// entered so far, best first; the form offers only these. Empty for a deduction rubric.
pub fn allowed_overall_grades<'a>(rubric: &'a Rubric, answers: &SheetAnswers) -> Vec<&'a Grade> {
    let Method::Indicator(scheme) = rubric.method() else {
        return Vec::new();
    };
    let graded: Vec<_> = scheme
        .indicators
        .iter()
        .filter_map(|indicator| {
            let answer = answers
                .indicators
                .iter()
                .find(|answer| answer.code == indicator.code)?;
            match &answer.grade {
                IndicatorMark::Graded(name) => Some((indicator, scheme.scale_index(name)?)),
                IndicatorMark::NotApplicable => None,
            }
        })
        .collect();
    let vetoed = answers
        .vetoes
        .iter()
        .any(|veto| rubric.veto(&veto.code).is_some());
    let (best, worst, _) = grade_bounds(scheme, &graded, vetoed, &mut Explanation::default());
    scheme
        .grades
        .iter()
        .skip(best)
        .take(worst + 1 - best)
        .collect()
}
