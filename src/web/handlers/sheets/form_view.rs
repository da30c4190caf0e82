//! The score form's rows as the page shows them: every item (or indicator) and veto of the
//! rubric with the reviewer's current answer.

use crate::domain::citation::Citation;
use crate::domain::rubric::{DeductionRule, Method, NotApplicablePolicy, Rubric};
use crate::domain::scoring::{IndicatorMark, Mark, SheetAnswers};
use serde::Serialize;

#[derive(Serialize)]
struct GradeOption {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct IndicatorRow {
    code: String,
    text: String,
    guidance: String,
    key: bool,
    options: Vec<GradeOption>,
    reason: String,
    page: String,
}

#[derive(Serialize)]
struct OverallGrade {
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct ItemRow {
    code: String,
    text: String,
    guidance: String,
    max: String,
    rule: String,
    is_fixed: bool,
    is_count: bool,
    is_free: bool,
    allows_na: bool,
    na: bool,
    applied: bool,
    count: String,
    points: String,
    reason: String,
    page: String,
    suggestions: &'static [&'static str],
}

#[derive(Serialize)]
struct SectionRow {
    code: String,
    title: String,
    max: String,
    items: Vec<ItemRow>,
}

#[derive(Serialize)]
struct VetoRow {
    code: String,
    text: String,
    guidance: String,
    checked: bool,
    reason: String,
    page: String,
}

/// The form's rows: every item (or indicator) with the reviewer's current answer.
#[derive(Serialize)]
pub(super) struct FormView {
    sections: Vec<SectionRow>,
    vetoes: Vec<VetoRow>,
    indicator: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    indicators: Option<Vec<IndicatorRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overall: Option<Vec<OverallGrade>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<String>,
}

fn page_text(pages: Option<&Citation>) -> String {
    pages.map(Citation::to_plain).unwrap_or_default()
}

pub(super) fn form_view(rubric: &Rubric, answers: &SheetAnswers) -> FormView {
    let vetoes = veto_view(rubric, answers);
    let scheme = match rubric.method() {
        Method::Deduction(scheme) => scheme,
        Method::Indicator(scheme) => {
            let indicators = scheme
                .indicators
                .iter()
                .map(|indicator| {
                    let current = answers
                        .indicators
                        .iter()
                        .find(|answer| answer.code == indicator.code);
                    let chosen = current.map(|answer| match &answer.grade {
                        IndicatorMark::Graded(grade) => grade.clone(),
                        IndicatorMark::NotApplicable => "na".to_string(),
                    });
                    let mut options: Vec<GradeOption> = scheme
                        .scale
                        .iter()
                        .map(|grade| GradeOption {
                            value: grade.clone(),
                            label: grade.clone(),
                            selected: chosen.as_deref() == Some(grade.as_str()),
                        })
                        .collect();
                    if indicator.may_be_not_applicable {
                        options.push(GradeOption {
                            value: "na".into(),
                            label: "不适用".into(),
                            selected: chosen.as_deref() == Some("na"),
                        });
                    }
                    IndicatorRow {
                        code: indicator.code.clone(),
                        text: indicator.title.clone(),
                        guidance: indicator.guidance.clone(),
                        key: indicator.key,
                        options,
                        reason: current
                            .map(|answer| answer.reason.clone())
                            .unwrap_or_default(),
                        page: page_text(current.map(|answer| &answer.pages)),
                    }
                })
                .collect();
            let overall = scheme
                .grades
                .iter()
                .map(|grade| OverallGrade {
                    name: grade.name.clone(),
                    selected: answers.overall_grade.as_deref() == Some(grade.name.as_str()),
                })
                .collect();
            return FormView {
                sections: Vec::new(),
                vetoes,
                indicator: true,
                indicators: Some(indicators),
                overall: Some(overall),
                scale: Some(scheme.scale.join(" / ")),
            };
        }
    };
    let sections = scheme
        .sections
        .iter()
        .map(|section| SectionRow {
            code: section.code.clone(),
            title: section.title.clone(),
            max: section.max.to_string(),
            items: section
                .items
                .iter()
                .map(|item| {
                    let current = answers.items.iter().find(|answer| answer.code == item.code);
                    let mark = current.map(|answer| answer.mark);
                    let (kind, rule) = match item.deduction {
                        DeductionRule::Fixed { points } => {
                            ("fixed", format!("有此问题扣 {points} 分"))
                        }
                        DeductionRule::PerOccurrence { points, cap } => {
                            ("count", format!("每处扣 {points} 分，最多 {cap} 分"))
                        }
                        DeductionRule::Free => ("free", format!("酌情扣 0–{} 分", item.max)),
                    };
                    ItemRow {
                        code: item.code.clone(),
                        text: item.text.clone(),
                        guidance: item.guidance.clone(),
                        max: item.max.to_string(),
                        rule,
                        is_fixed: kind == "fixed",
                        is_count: kind == "count",
                        is_free: kind == "free",
                        allows_na: item.not_applicable != NotApplicablePolicy::NotAllowed,
                        na: mark == Some(Mark::NotApplicable),
                        applied: mark == Some(Mark::Applied),
                        count: match mark {
                            Some(Mark::Occurrences(count)) => count.to_string(),
                            _ => String::new(),
                        },
                        points: match mark {
                            Some(Mark::Points(points)) => points.to_string(),
                            _ => String::new(),
                        },
                        reason: current
                            .map(|answer| answer.reason.clone())
                            .unwrap_or_default(),
                        page: page_text(current.map(|answer| &answer.pages)),
                        suggestions: crate::domain::scoring::findings_library::suggestions(
                            rubric.id(),
                            &item.code,
                        ),
                    }
                })
                .collect(),
        })
        .collect();
    FormView {
        sections,
        vetoes,
        indicator: false,
        indicators: None,
        overall: None,
        scale: None,
    }
}

/// The veto rows with the reviewer's current answers.
fn veto_view(rubric: &Rubric, answers: &SheetAnswers) -> Vec<VetoRow> {
    rubric
        .vetoes()
        .iter()
        .map(|veto| {
            let current = answers
                .vetoes
                .iter()
                .find(|answer| answer.code == veto.code);
            VetoRow {
                code: veto.code.clone(),
                text: veto.text.clone(),
                guidance: veto.guidance.clone(),
                checked: current.is_some(),
                reason: current
                    .map(|answer| answer.reason.clone())
                    .unwrap_or_default(),
                page: page_text(current.map(|answer| &answer.pages)),
            }
        })
        .collect()
}
