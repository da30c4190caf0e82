//! Unit tests for the engine and combining, on a small rubric written for them.

use super::*;
use crate::domain::rubric::{GradeLevel, Points, Rubric, parse_rubric};

/// 100 points: A (fixed 10, per-occurrence 10 with cap 6), B (free 30, rescale 20,
/// full marks 30); one veto; default bands.
pub(super) const SMALL: &str = r#"
id = "small"
title = "测试评分标准"
version = "1"
case_types = ["刑事"]
method = "deduction"

[[sections]]
code = "A"
title = "受理"
max = 20

[[sections.items]]
code = "A1"
text = "3 日内指派"
guidance = "比对日期"
max = 10
rule = "fixed"
deduct = 10

[[sections.items]]
code = "A2"
text = "材料齐全"
guidance = "每缺一份扣 1.5 分"
max = 10
rule = "per_occurrence"
deduct = 1.5
cap = 6

[[sections]]
code = "B"
title = "辩护"
max = 80

[[sections.items]]
code = "B1"
text = "辩护意见充分"
guidance = "酌情扣分"
max = 30
rule = "free"

[[sections.items]]
code = "B2"
text = "阅卷笔录完整"
guidance = "侦查阶段不适用"
max = 20
rule = "free"
not_applicable = "rescale"

[[sections.items]]
code = "B3"
text = "出庭"
guidance = "未开庭按满分计"
max = 30
rule = "free"
not_applicable = "full_marks"

[[vetoes]]
code = "V1"
text = "收取受援人财物"
guidance = "查实即否决"
"#;

/// The rubrics shipped in scoring-rubrics/, embedded at compile time (no file is read).
pub(super) fn shipped_rubrics() -> Vec<Rubric> {
    [
        (
            "criminal.toml",
            include_str!("../../../scoring-rubrics/criminal.toml"),
        ),
        (
            "civil.toml",
            include_str!("../../../scoring-rubrics/civil.toml"),
        ),
        (
            "administrative.toml",
            include_str!("../../../scoring-rubrics/administrative.toml"),
        ),
        (
            "indicator-sft0084-0085.toml",
            include_str!("../../../scoring-rubrics/indicator-sft0084-0085.toml"),
        ),
    ]
    .iter()
    .map(|(name, text)| parse_rubric(name, text).unwrap())
    .collect()
}

pub(super) fn small() -> Rubric {
    parse_rubric("small.toml", SMALL).unwrap()
}

pub(super) fn answer(code: &str, mark: Mark) -> ItemAnswer {
    ItemAnswer {
        code: code.to_string(),
        mark,
        reason: "卷内未见".to_string(),
        pages: crate::domain::citation::Citation::page(12),
    }
}

fn sheet(items: Vec<ItemAnswer>) -> SheetAnswers {
    SheetAnswers {
        items,
        ..SheetAnswers::default()
    }
}

fn tenths(value: i32) -> Points {
    Points::from_tenths(value)
}

#[test]
fn an_empty_sheet_scores_full_marks() {
    let result = score(&small(), &SheetAnswers::default()).unwrap();
    assert_eq!(result.total, Some(Points::HUNDRED));
    assert_eq!(result.grade.name, "优秀");
    assert_eq!(result.sections.len(), 2);
}

#[test]
fn explanation_shows_every_step() {
    // A1 fixed 10; A2 4 occurrences × 1.5 = 6 (the cap); B1 2.5 free.
    // 100 - 10 - 6 - 2.5 = 81.5 -> 良好.
    let answers = sheet(vec![
        answer("A1", Mark::Applied),
        answer("A2", Mark::Occurrences(4)),
        answer("B1", Mark::Points(tenths(25))),
    ]);
    let result = score(&small(), &answers).unwrap();
    assert_eq!(result.total, Some(tenths(815)));
    assert_eq!(result.sections[0].earned, Points::whole(4));
    assert_eq!(result.sections[1].earned, tenths(775));
    assert_eq!(
        result.explanation.to_string(),
        "A1 3 日内指派：扣 10 分（固定扣分）。理由：卷内未见（卷宗第12页）\n\
         A2 材料齐全：扣 6 分（4 处 × 每处 1.5 分）。理由：卷内未见（卷宗第12页）\n\
         B1 辩护意见充分：扣 2.5 分（酌情扣分）。理由：卷内未见（卷宗第12页）\n\
         适用项目满分 100 分，共扣 18.5 分，得 81.5 分\n\
         总分 81.5 分，在“良好”区间（80 至 89.9 分）内，等次为良好"
    );
}

#[test]
fn rescale_excludes_the_item_and_rounds_half_up() {
    // B2 (20) excluded: possible 80. B1 -10: earned 70. 70 ÷ 80 × 100 = 87.5.
    // With A1 also deducted: 60 ÷ 80 × 100 = 75 -> 合格.
    let answers = sheet(vec![
        answer("B2", Mark::NotApplicable),
        answer("B1", Mark::Points(Points::whole(10))),
    ]);
    let result = score(&small(), &answers).unwrap();
    assert_eq!(result.total, Some(tenths(875)));
    let text = result.explanation.to_string();
    assert!(
        text.contains("B2 阅卷笔录完整：不适用，该项 20 分不计入满分"),
        "{text}"
    );
    assert!(
        text.contains("折算为百分制：70 ÷ 80 × 100 = 87.5 分"),
        "{text}"
    );
    // B1 -3.3: 76.7 ÷ 80 × 100 = 95.875 -> 95.9
    let answers = sheet(vec![
        answer("B2", Mark::NotApplicable),
        answer("B1", Mark::Points(tenths(33))),
    ]);
    assert_eq!(score(&small(), &answers).unwrap().total, Some(tenths(959)));
}

#[test]
fn full_marks_awards_the_item() {
    let answers = sheet(vec![answer("B3", Mark::NotApplicable)]);
    let result = score(&small(), &answers).unwrap();
    assert_eq!(result.total, Some(Points::HUNDRED));
    assert!(
        result
            .explanation
            .to_string()
            .contains("不适用，按满分 30 分计")
    );
}

#[test]
fn a_veto_fails_the_file_whatever_the_points() {
    let answers = SheetAnswers {
        vetoes: vec![VetoAnswer {
            code: "V1".to_string(),
            reason: "回访记录载明收取 500 元".to_string(),
            pages: crate::domain::citation::Citation::page(3),
        }],
        ..SheetAnswers::default()
    };
    let result = score(&small(), &answers).unwrap();
    assert_eq!(result.total, Some(Points::HUNDRED));
    assert_eq!(result.grade.level, GradeLevel::Fail);
    assert_eq!(result.vetoes.len(), 1);
    let text = result.explanation.to_string();
    assert!(
        text.contains("一票否决 V1 收取受援人财物。理由：回访记录载明收取 500 元（卷宗第3页）")
    );
    assert!(text.ends_with("因触发一票否决，不论得分，等次为不合格"));
}

#[test]
fn invalid_answers_are_all_reported_with_their_item() {
    let mut no_reason = answer("B1", Mark::Points(Points::whole(2)));
    no_reason.reason = "  ".to_string();
    let answers = SheetAnswers {
        items: vec![
            answer("A1", Mark::Occurrences(1)),
            answer("A2", Mark::Occurrences(5)),
            answer("B1", Mark::Points(Points::whole(31))),
            answer("A1", Mark::Applied),
            answer("Z9", Mark::Applied),
            answer("A2", Mark::NotApplicable),
        ],
        vetoes: vec![VetoAnswer {
            code: "V1".to_string(),
            reason: String::new(),
            pages: crate::domain::citation::Citation::default(),
        }],
        ..SheetAnswers::default()
    };
    let error = score(&small(), &answers).unwrap_err();
    let lines: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "项目 A1：该项目应选择是否扣分（固定扣分）",
            "项目 A2：填写了 5 处，超过封顶 6 分可计的 4 处，请核对",
            "项目 B1：扣分 31 分超过该项满分 30 分",
            "项目 A1：同一项目填写了两次",
            "项目 Z9：评分标准中没有这个项目",
            "项目 A2：同一项目填写了两次",
            "项目 V1：扣分、否决或评为较低等级时必须填写理由",
        ]
    );
    let reasonless = score(&small(), &sheet(vec![no_reason])).unwrap_err();
    assert_eq!(
        reasonless.to_string(),
        "项目 B1：扣分、否决或评为较低等级时必须填写理由"
    );
    let not_allowed = score(&small(), &sheet(vec![answer("A1", Mark::NotApplicable)]));
    assert_eq!(
        not_allowed.unwrap_err().to_string(),
        "项目 A1：该项目不得标为不适用"
    );
}

#[test]
fn zero_deductions_need_no_reason() {
    let mut zero = answer("B1", Mark::Points(Points::ZERO));
    zero.reason = String::new();
    let result = score(&small(), &sheet(vec![zero])).unwrap();
    assert_eq!(result.total, Some(Points::HUNDRED));
}

fn review(total_tenths: i32, vetoed: bool) -> ScoreResult {
    let rubric = small();
    let Method::Deduction(scheme) = rubric.method() else {
        unreachable!("small is a deduction rubric")
    };
    let total = tenths(total_tenths);
    let grade = if vetoed {
        rubric.failing_grade().clone()
    } else {
        scheme.band_for(total).grade.clone()
    };
    let vetoes = if vetoed {
        vec![TriggeredVeto {
            code: "V1".to_string(),
            text: "收取受援人财物".to_string(),
            reason: "查实".to_string(),
            pages: crate::domain::citation::Citation::default(),
        }]
    } else {
        Vec::new()
    };
    ScoreResult {
        sections: Vec::new(),
        indicators: Vec::new(),
        total: Some(total),
        grade,
        vetoes,
        explanation: Explanation::default(),
    }
}

use crate::domain::rubric::Method;

#[test]
fn average_rounds_half_up_and_grades_the_mean() {
    let outcome = combine(
        &small(),
        CombineRule::Average,
        &[review(855, false), review(800, false)],
    );
    // (85.5 + 80) ÷ 2 = 82.75 -> 82.8 良好
    let CombineOutcome::Combined(result) = outcome.unwrap() else {
        panic!("expected a combined result")
    };
    assert_eq!(result.total, Some(tenths(828)));
    assert_eq!(result.grade.name, "良好");
    assert_eq!(
        result.explanation,
        "评分分别为 80 分（良好）、85.5 分（良好），平均 82.8 分，等次为良好"
    );
}

#[test]
fn escalate_on_gap_and_on_pass_fail_split() {
    let rule = CombineRule::Escalate {
        max_gap: Points::whole(10),
    };
    let close = combine(&small(), rule, &[review(850, false), review(760, false)]).unwrap();
    assert!(matches!(close, CombineOutcome::Combined(_)));
    let apart = combine(&small(), rule, &[review(900, false), review(795, false)]).unwrap();
    let CombineOutcome::NeedsReconciliation { reasons } = apart else {
        panic!("expected reconciliation")
    };
    assert_eq!(
        reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["评分分别为 79.5 分和 90 分，相差 10.5 分，超过允许的 10 分"]
    );
    let split = combine(&small(), rule, &[review(620, false), review(580, false)]).unwrap();
    let CombineOutcome::NeedsReconciliation { reasons } = split else {
        panic!("expected reconciliation")
    };
    assert_eq!(
        reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["评查结论不一致：62 分（合格）与 58 分（不合格）"]
    );
}

#[test]
fn vetoes_must_agree_even_when_averaging() {
    let outcome = combine(
        &small(),
        CombineRule::Average,
        &[review(950, true), review(950, false)],
    );
    assert_eq!(
        outcome.unwrap(),
        CombineOutcome::NeedsReconciliation {
            reasons: vec![ReconciliationReason::VetoesDiffer]
        }
    );
    let both = combine(
        &small(),
        CombineRule::Average,
        &[review(950, true), review(900, true)],
    );
    let CombineOutcome::Combined(result) = both.unwrap() else {
        panic!("expected a combined result")
    };
    assert_eq!(result.grade.level, GradeLevel::Fail);
}

#[test]
fn combine_needs_two_or_three_reviews() {
    let one = combine(&small(), CombineRule::Average, &[review(900, false)]);
    assert_eq!(one, Err(CombineError::ReviewCount(1)));
}
