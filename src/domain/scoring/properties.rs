//! Property tests of the invariants issue 4 sets for scoring, run on the shipped rubrics
//! (embedded at compile time, so no file is read) and on the small test rubric.

use super::tests::{answer, shipped_rubrics, small};
use super::*;
use crate::domain::rubric::{
    DeductionRule, GradeLevel, Item, Method, NotApplicablePolicy, Points, Rubric,
};
use proptest::prelude::*;
use std::sync::LazyLock;

static SHIPPED: LazyLock<Vec<Rubric>> = LazyLock::new(shipped);

/// The shipped deduction rubrics and the small test rubric.
fn shipped() -> Vec<Rubric> {
    let mut rubrics: Vec<Rubric> = shipped_rubrics()
        .into_iter()
        .filter(|rubric| matches!(rubric.method(), Method::Deduction(_)))
        .collect();
    rubrics.push(small());
    rubrics
}

fn items(rubric: &Rubric) -> Vec<Item> {
    match rubric.method() {
        Method::Deduction(scheme) => scheme.items().cloned().collect(),
        Method::Indicator(_) => Vec::new(),
    }
}

/// One random choice per item: 0 = untouched, 1..=2 = a deduction, 3 = not applicable.
type Choice = (u8, u32);

/// The deduction mark `size` selects for an item; any `size` gives a valid mark.
fn deduction_mark(item: &Item, size: u32) -> Mark {
    match item.deduction {
        DeductionRule::Fixed { .. } => Mark::Applied,
        DeductionRule::PerOccurrence { .. } => {
            let limit = item.deduction.occurrence_limit().unwrap_or(1);
            Mark::Occurrences(size % (limit + 1))
        }
        DeductionRule::Free => {
            let max = u32::try_from(item.max.tenths()).unwrap_or(0);
            let tenths = i32::try_from(size % (max + 1)).unwrap_or(0);
            Mark::Points(Points::from_tenths(tenths))
        }
    }
}

/// The largest mark an item allows.
fn full_deduction(item: &Item) -> Mark {
    match item.deduction {
        DeductionRule::Fixed { .. } => Mark::Applied,
        DeductionRule::PerOccurrence { .. } => {
            Mark::Occurrences(item.deduction.occurrence_limit().unwrap_or(1))
        }
        DeductionRule::Free => Mark::Points(item.max),
    }
}

fn build(items: &[Item], choices: &[Choice]) -> SheetAnswers {
    let answers = items
        .iter()
        .zip(choices)
        .filter_map(|(item, (kind, size))| {
            let mark = match kind % 4 {
                0 => return None,
                3 if item.not_applicable != NotApplicablePolicy::NotAllowed => Mark::NotApplicable,
                _ => deduction_mark(item, *size),
            };
            Some(answer(&item.code, mark))
        })
        .collect();
    SheetAnswers {
        items: answers,
        ..SheetAnswers::default()
    }
}

fn set_mark(answers: &mut SheetAnswers, code: &str, mark: Mark) {
    answers.items.retain(|answer| answer.code != code);
    answers.items.push(answer(code, mark));
}

fn total(rubric: &Rubric, answers: &SheetAnswers) -> Points {
    score(rubric, answers).unwrap().total.unwrap()
}

fn case() -> impl Strategy<Value = (usize, Vec<Choice>, usize)> {
    (
        0..4usize,
        prop::collection::vec((0..4u8, 0..400u32), 40),
        0..40usize,
    )
}

proptest! {
    #[test]
    fn total_stays_within_the_100_point_scale((which, choices, _) in case()) {
        let rubric = &SHIPPED[which];
        let result = score(rubric, &build(&items(rubric), &choices)).unwrap();
        let total = result.total.unwrap();
        prop_assert!(Points::ZERO <= total && total <= Points::HUNDRED);
        for section in &result.sections {
            prop_assert!(Points::ZERO <= section.earned && section.earned <= section.applicable_max);
            prop_assert!(section.applicable_max <= section.max);
        }
    }

    #[test]
    fn more_deductions_never_raise_the_total((which, choices, pick) in case()) {
        let rubric = &SHIPPED[which];
        let items = items(rubric);
        let answers = build(&items, &choices);
        let item = &items[pick % items.len()];
        let current = answers.items.iter().find(|answer| answer.code == item.code);
        prop_assume!(current.is_none_or(|answer| answer.mark != Mark::NotApplicable));
        let mut harsher = answers.clone();
        set_mark(&mut harsher, &item.code, full_deduction(item));
        prop_assert!(total(rubric, &harsher) <= total(rubric, &answers));
    }

    #[test]
    fn a_veto_always_fails((which, choices, pick) in case()) {
        let rubric = &SHIPPED[which];
        let mut answers = build(&items(rubric), &choices);
        let veto = &rubric.vetoes()[pick % rubric.vetoes().len()];
        answers.vetoes.push(VetoAnswer {
            code: veto.code.clone(),
            reason: "查实".to_string(),
            pages: crate::domain::citation::Citation::default(),
        });
        let result = score(rubric, &answers).unwrap();
        prop_assert_eq!(result.grade.level, GradeLevel::Fail);
        prop_assert_eq!(&result.grade, rubric.failing_grade());
    }

    /// Not applicable never costs more than any answer on that item under `full_marks`
    /// (it equals no deduction), and under `rescale` never less than losing the item.
    #[test]
    fn not_applicable_never_lowers_the_total((which, choices, pick) in case(), size in 0..400u32) {
        let rubric = &SHIPPED[which];
        let items = items(rubric);
        let optional: Vec<&Item> = items
            .iter()
            .filter(|item| item.not_applicable != NotApplicablePolicy::NotAllowed)
            .collect();
        let item = optional[pick % optional.len()];
        let answers = build(&items, &choices);
        let mut skipped = answers.clone();
        set_mark(&mut skipped, &item.code, Mark::NotApplicable);
        let mut worst = answers.clone();
        set_mark(&mut worst, &item.code, full_deduction(item));
        prop_assert!(total(rubric, &skipped) >= total(rubric, &worst));
        if item.not_applicable == NotApplicablePolicy::FullMarks {
            let mut any = answers.clone();
            set_mark(&mut any, &item.code, deduction_mark(item, size));
            let mut clean = answers;
            set_mark(&mut clean, &item.code, Mark::NoDeduction);
            prop_assert!(total(rubric, &skipped) >= total(rubric, &any));
            prop_assert_eq!(total(rubric, &skipped), total(rubric, &clean));
        }
    }

    /// Whatever is excluded, a sheet without deductions scores exactly 100.
    #[test]
    fn rescaling_keeps_the_100_point_scale((which, choices, _) in case()) {
        let rubric = &SHIPPED[which];
        let items = items(rubric);
        let mut answers = build(&items, &choices);
        answers.items.retain(|answer| answer.mark == Mark::NotApplicable);
        prop_assert_eq!(total(rubric, &answers), Points::HUNDRED);
    }

    #[test]
    fn combining_is_symmetric(
        (which, first, _) in case(),
        second in prop::collection::vec((0..4u8, 0..400u32), 40),
        third in prop::collection::vec((0..4u8, 0..400u32), 40),
        gap in 0..300i32,
        veto in 0..3u8,
    ) {
        let rubric = &SHIPPED[which];
        let items = items(rubric);
        let mut sheets = [build(&items, &first), build(&items, &second), build(&items, &third)];
        if veto < 2 {
            let code = rubric.vetoes()[0].code.clone();
            sheets[usize::from(veto)].vetoes.push(VetoAnswer { code, reason: "查实".to_string(), pages: crate::domain::citation::Citation::default() });
        }
        let [a, b, c] = sheets.map(|sheet| score(rubric, &sheet).unwrap());
        let rules = [CombineRule::Average, CombineRule::Escalate { max_gap: Points::from_tenths(gap) }];
        for rule in rules {
            let forward = combine(rubric, rule, &[a.clone(), b.clone()]);
            prop_assert_eq!(&forward, &combine(rubric, rule, &[b.clone(), a.clone()]));
            let three = combine(rubric, rule, &[a.clone(), b.clone(), c.clone()]);
            prop_assert_eq!(&three, &combine(rubric, rule, &[c.clone(), a.clone(), b.clone()]));
            prop_assert_eq!(&three, &combine(rubric, rule, &[b.clone(), c.clone(), a.clone()]));
        }
    }
}
