//! Every rubric in scoring-rubrics/ loads and validates; each broken fixture gives its precise
//! error; and one worked example per shipped rubric, computed by hand in the comments.

use pingcha::app::rubrics::{check_files, load_dir};
use pingcha::domain::CaseType;
use pingcha::domain::citation::Citation;
use pingcha::domain::rubric::{
    GradeLevel, Points, Rubric, RubricError, RubricErrorKind, parse_rubric,
};
use pingcha::domain::scoring::{
    CombineOutcome, CombineRule, IndicatorAnswer, IndicatorMark, ItemAnswer, Mark, SheetAnswers,
    VetoAnswer, combine, score,
};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped(id: &str) -> Rubric {
    let found = load_dir(&root().join("scoring-rubrics"))
        .ok()
        .and_then(|rubrics| rubrics.into_iter().find(|rubric| rubric.id() == id));
    let Some(rubric) = found else {
        panic!("scoring-rubrics/ has no valid rubric with id {id}");
    };
    rubric
}

fn item(code: &str, mark: Mark, reason: &str, page: Option<u32>) -> ItemAnswer {
    ItemAnswer {
        code: code.to_string(),
        mark,
        reason: reason.to_string(),
        pages: page.map_or_else(Default::default, Citation::page),
    }
}

fn tenths(value: i32) -> Points {
    Points::from_tenths(value)
}

#[test]
fn every_shipped_rubric_loads_and_validates() {
    let rubrics = load_dir(&root().join("scoring-rubrics")).unwrap();
    let ids: Vec<&str> = rubrics.iter().map(Rubric::id).collect();
    assert_eq!(
        ids,
        [
            "administrative",
            "civil",
            "criminal",
            "indicator-sft0084-0085"
        ]
    );
    for rubric in &rubrics {
        let hash = rubric.content_hash();
        assert_eq!(hash.len(), 64);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        // A snapshot (text + hash) re-parses to the very same rubric.
        let again = parse_rubric(rubric.file_name(), rubric.source()).unwrap();
        assert_eq!(&again, rubric);
        assert_eq!(again.content_hash(), hash);
        assert!(
            !rubric.vetoes().is_empty(),
            "{} has no veto items",
            rubric.id()
        );
    }
    assert_eq!(shipped("criminal").case_types(), [CaseType::Criminal]);
    assert_eq!(shipped("civil").title(), "民事法律援助案件评查评分标准");
}

#[test]
fn any_edit_changes_the_hash() {
    let path = root().join("scoring-rubrics/criminal.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let original = parse_rubric("criminal.toml", &text).unwrap();
    let edited = parse_rubric("criminal.toml", &format!("{text}\n# 备注\n")).unwrap();
    assert_ne!(original.content_hash(), edited.content_hash());
}

#[test]
fn check_files_reports_nothing_for_good_files_and_everything_for_broken_ones() {
    let good =
        ["criminal.toml", "civil.toml"].map(|name| root().join("scoring-rubrics").join(name));
    assert!(check_files(&good).is_empty());
    let broken = root().join("tests/fixtures/rubrics/broken");
    let errors = check_files(&[
        broken.join("several_mistakes.toml"),
        broken.join("missing.toml"),
    ]);
    assert_eq!(errors.len(), 4);
    assert!(matches!(errors[3].kind, RubricErrorKind::Unreadable { .. }));
    assert!(load_dir(&broken).is_err());
}

/// Parses one broken fixture and returns its errors as (line, item, sentence).
fn broken(name: &str) -> Vec<(Option<usize>, Option<String>, String)> {
    let path = root().join("tests/fixtures/rubrics/broken").join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        panic!("cannot read {}", path.display());
    };
    let Err(errors) = parse_rubric(name, &text) else {
        panic!("{name} should not be a valid rubric");
    };
    errors
        .0
        .into_iter()
        .map(|error: RubricError| {
            assert_eq!(error.file, name);
            let sentence = error.to_string();
            (error.line, error.item, sentence)
        })
        .collect()
}

fn one(
    line: usize,
    item: Option<&str>,
    sentence: &str,
) -> Vec<(Option<usize>, Option<String>, String)> {
    vec![(Some(line), item.map(str::to_string), sentence.to_string())]
}

#[test]
fn section_items_over_max() {
    assert_eq!(
        broken("section_items_over_max.toml"),
        one(
            8,
            Some("A"),
            "section_items_over_max.toml 第8行 分区 A：分区内各项目满分合计 45 分，超过该分区满分 40 分"
        )
    );
}

#[test]
fn sections_not_100() {
    assert_eq!(
        broken("sections_not_100.toml"),
        one(
            6,
            None,
            "sections_not_100.toml 第6行：各分区满分合计 90 分，应为 100 分"
        )
    );
}

#[test]
fn deduction_over_item() {
    assert_eq!(
        broken("deduction_over_item.toml"),
        one(
            19,
            Some("A1"),
            "deduction_over_item.toml 第19行 项目 A1：扣分 25 分超过该项满分 20 分"
        )
    );
}

#[test]
fn cap_over_item() {
    assert_eq!(
        broken("cap_over_item.toml"),
        one(
            28,
            Some("A2"),
            "cap_over_item.toml 第28行 项目 A2：封顶扣分 30 分超过该项满分 20 分"
        )
    );
}

#[test]
fn duplicate_code() {
    assert_eq!(
        broken("duplicate_code.toml"),
        one(
            22,
            Some("A1"),
            "duplicate_code.toml 第22行 项目 A1：编码“A1”重复，第14行已经使用"
        )
    );
}

#[test]
fn band_gap() {
    assert_eq!(
        broken("band_gap.toml"),
        one(
            8,
            None,
            "band_gap.toml 第8行：等次区间有空缺：89.1 分至 89.9 分不属于任何等次"
        )
    );
}

#[test]
fn band_overlap() {
    assert_eq!(
        broken("band_overlap.toml"),
        one(
            13,
            None,
            "band_overlap.toml 第13行：等次“合格”与“良好”在 80 分处重叠"
        )
    );
}

#[test]
fn lowest_grade_passing() {
    assert_eq!(
        broken("lowest_grade_passing.toml"),
        one(
            18,
            None,
            "lowest_grade_passing.toml 第18行：最低等次“合格”必须是不合格等次（level = \"fail\"），否则一票否决无法生效"
        )
    );
}

#[test]
fn unknown_key() {
    assert_eq!(
        broken("unknown_key.toml"),
        one(
            24,
            Some("A2"),
            "unknown_key.toml 第24行 项目 A2：未知的键“gudiance”，请检查拼写（可用的键见 README.md）"
        )
    );
}

#[test]
fn missing_key() {
    assert_eq!(
        broken("missing_key.toml"),
        one(
            35,
            Some("B1"),
            "missing_key.toml 第35行 项目 B1：缺少必填的键“max”"
        )
    );
}

#[test]
fn empty_section() {
    assert_eq!(
        broken("empty_section.toml"),
        one(
            30,
            Some("B"),
            "empty_section.toml 第30行 分区 B：该分区没有任何评查项目"
        )
    );
}

#[test]
fn bad_points() {
    assert_eq!(
        broken("bad_points.toml"),
        one(
            27,
            Some("A2"),
            "bad_points.toml 第27行 项目 A2：“deduct”的分值 2.55 无效：应大于 0，最多保留一位小数"
        )
    );
}

#[test]
fn unknown_rule() {
    assert_eq!(
        broken("unknown_rule.toml"),
        one(
            40,
            Some("B1"),
            "unknown_rule.toml 第40行 项目 B1：“rule”的取值“percent”无效，可选：fixed（固定扣分）、per_occurrence（按处扣分）、free（酌情扣分）"
        )
    );
}

#[test]
fn syntax_error() {
    assert_eq!(
        broken("syntax_error.toml"),
        one(
            32,
            Some("B"),
            "syntax_error.toml 第32行 项目 B：TOML 格式错误（invalid basic string, expected `\"`），请检查引号、等号和方括号"
        )
    );
}

#[test]
fn unknown_indicator() {
    assert_eq!(
        broken("unknown_indicator.toml"),
        one(
            22,
            None,
            "unknown_indicator.toml 第22行：规则引用了不存在的指标“Z9”"
        )
    );
}

#[test]
fn unknown_indicator_grade() {
    assert_eq!(
        broken("unknown_indicator_grade.toml"),
        one(
            22,
            None,
            "unknown_indicator_grade.toml 第22行：规则引用了不存在的等级“很差”，可选：优、良、中、差"
        )
    );
}

#[test]
fn several_mistakes_are_all_reported_in_line_order() {
    let lines: Vec<String> = broken("several_mistakes.toml")
        .into_iter()
        .map(|(_, _, text)| text)
        .collect();
    assert_eq!(
        lines,
        [
            "several_mistakes.toml 第19行 项目 A1：扣分 25 分超过该项满分 20 分",
            "several_mistakes.toml 第28行 项目 A2：封顶扣分 30 分超过该项满分 20 分",
            "several_mistakes.toml 第36行 项目 A2：编码“A2”重复，第22行已经使用",
        ]
    );
}

#[test]
fn worked_example_criminal() {
    let rubric = shipped("criminal");
    let answers = SheetAnswers {
        items: vec![
            // A3 指派 5 days after the decision: fixed −2
            item(
                "A3",
                Mark::Applied,
                "决定书 3月1日，指派通知书 3月6日，超过 3 日",
                Some(4),
            ),
            // C2 consent to the defence not asked at the first meeting: fixed −4
            item(
                "C2",
                Mark::Applied,
                "首次会见笔录未征询是否同意辩护",
                Some(15),
            ),
            // C4 two meeting records without the detainee's signature: 2 × 1 = −2
            item(
                "C4",
                Mark::Occurrences(2),
                "第二、三次会见笔录无签名捺印",
                Some(18),
            ),
            // F2 defence statement mostly boilerplate: free −3
            item(
                "F2",
                Mark::Points(Points::whole(3)),
                "辩护词未结合量刑情节",
                Some(40),
            ),
            // G3 three documents missing: 3 × 0.5 = −1.5
            item(
                "G3",
                Mark::Occurrences(3),
                "缺征询意见表、回访记录、庭审笔录",
                None,
            ),
        ],
        ..SheetAnswers::default()
    };
    // 100 − 2 − 4 − 2 − 3 − 1.5 = 87.5 → 良好 (80–89.9)
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(result.total, Some(tenths(875)));
    assert_eq!(result.grade.name, "良好");
    let sections: Vec<(String, Points)> = result
        .sections
        .iter()
        .map(|section| (section.code.clone(), section.earned))
        .collect();
    // A 10−2 = 8, C 20−4−2 = 14, F 25−3 = 22, G 10−1.5 = 8.5
    assert_eq!(sections[0], ("A".to_string(), Points::whole(8)));
    assert_eq!(sections[2], ("C".to_string(), Points::whole(14)));
    assert_eq!(sections[5], ("F".to_string(), Points::whole(22)));
    assert_eq!(sections[6], ("G".to_string(), tenths(85)));
    let text = result.explanation.to_string();
    assert!(text.contains("C4 会见笔录要素齐全：会见时间、地点、会见人、在场人员，经被会见人逐页签名或捺印：扣 2 分（2 处 × 每处 1 分）。理由：第二、三次会见笔录无签名捺印（卷宗第18页）"), "{text}");
    assert!(
        text.contains("适用项目满分 100 分，共扣 12.5 分，得 87.5 分"),
        "{text}"
    );
    assert!(
        text.ends_with("总分 87.5 分，在“良好”区间（80 至 89.9 分）内，等次为良好"),
        "{text}"
    );
}

#[test]
fn worked_example_criminal_investigation_stage_rescaled() {
    let rubric = shipped("criminal");
    let na = |code: &str| item(code, Mark::NotApplicable, "", None);
    let answers = SheetAnswers {
        items: vec![
            // Investigation stage only: D1 5, D2 6, D3 4 and F3 6, F4 3 do not apply (24 points).
            na("D1"),
            na("D2"),
            na("D3"),
            na("F3"),
            na("F4"),
            // C5 meetings without targeted questions: free −2
            item(
                "C5",
                Mark::Points(Points::whole(2)),
                "会见未核实案件事实",
                Some(9),
            ),
            // G1 materials submitted 41 days after closing: fixed −3
            item("G1", Mark::Applied, "结案 5月2日，提交 6月12日", Some(30)),
        ],
        ..SheetAnswers::default()
    };
    // possible = 100 − 24 = 76; earned = 76 − 2 − 3 = 71;
    // 71 ÷ 76 × 100 = 93.42… → 93.4 → 优秀
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(result.total, Some(tenths(934)));
    assert_eq!(result.grade.name, "优秀");
    let text = result.explanation.to_string();
    assert!(
        text.contains("折算为百分制：71 ÷ 76 × 100 = 93.4 分（四舍五入保留一位小数）"),
        "{text}"
    );
}

#[test]
fn worked_example_civil() {
    let rubric = shipped("civil");
    let answers = SheetAnswers {
        items: vec![
            // A4 agreement signed 8 days after assignment: fixed −2
            item("A4", Mark::Applied, "指派 4月1日，协议 4月9日", Some(6)),
            // B3 thin client talk: free −2.5
            item(
                "B3",
                Mark::Points(tenths(25)),
                "谈话未了解加班事实",
                Some(10),
            ),
            // D1 no evidence list: free −3
            item("D1", Mark::Points(Points::whole(3)), "无证据目录", None),
            // E2 no written representation statement: fixed −5
            item("E2", Mark::Applied, "卷内无代理词", None),
            // E3 weak reasoning: free −4
            item(
                "E3",
                Mark::Points(Points::whole(4)),
                "未分析加班费计算依据",
                Some(25),
            ),
            // H1 nothing to report: not applicable, full marks (3)
            item("H1", Mark::NotApplicable, "", None),
            // H2 materials submitted 45 days after closing: fixed −2
            item(
                "H2",
                Mark::Applied,
                "裁决书送达 6月1日，提交 7月16日",
                Some(33),
            ),
            // I1 four documents missing: 4 × 0.5 = −2
            item(
                "I1",
                Mark::Occurrences(4),
                "缺征询意见表、回访记录、证据目录、结案报告",
                None,
            ),
        ],
        ..SheetAnswers::default()
    };
    // 100 − 2 − 2.5 − 3 − 5 − 4 − 2 − 2 = 79.5 → 合格 (60–79.9)
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(result.total, Some(tenths(795)));
    assert_eq!(result.grade.name, "合格");
    assert!(result.explanation.to_string().contains("H1 "));
}

#[test]
fn worked_example_administrative() {
    let rubric = shipped("administrative");
    let answers = SheetAnswers {
        items: vec![
            // Decided on the papers, no hearing: E4 (6) does not apply; no need to collect
            // evidence: D2 (6) does not apply. possible = 88.
            item("E4", Mark::NotApplicable, "", None),
            item("D2", Mark::NotApplicable, "", None),
            // E3 reasoning does not address procedure: free −5
            item(
                "E3",
                Mark::Points(Points::whole(5)),
                "未分析行政程序是否合法",
                Some(21),
            ),
            // F3 two documents missing: 2 × 0.5 = −1
            item("F3", Mark::Occurrences(2), "缺征询意见表、回访记录", None),
        ],
        ..SheetAnswers::default()
    };
    // earned = 88 − 5 − 1 = 82; 82 ÷ 88 × 100 = 93.18… → 93.2 → 优秀
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(result.total, Some(tenths(932)));
    assert_eq!(result.grade.name, "优秀");

    // The same file with 收取受援人财物 found: 93.2 points, but the veto makes it 不合格.
    let mut vetoed = answers.clone();
    vetoed.vetoes.push(VetoAnswer {
        code: "V1".to_string(),
        reason: "回访记录载明收取交通费 300 元".to_string(),
        pages: pingcha::domain::citation::Citation::page(41),
    });
    let failed = score(&rubric, &vetoed).unwrap();
    assert_eq!(failed.total, Some(tenths(932)));
    assert_eq!(failed.grade.level, GradeLevel::Fail);

    // Two reviewers, 93.2 and 不合格 by veto: escalate to 合议.
    let outcome = combine(
        &rubric,
        CombineRule::Escalate {
            max_gap: Points::whole(10),
        },
        &[result, failed],
    )
    .unwrap();
    assert!(matches!(
        outcome,
        CombineOutcome::NeedsReconciliation { .. }
    ));
}

fn indicator(code: &str, grade: &str, reason: &str) -> IndicatorAnswer {
    IndicatorAnswer {
        code: code.to_string(),
        grade: if grade == "不适用" {
            IndicatorMark::NotApplicable
        } else {
            IndicatorMark::Graded(grade.to_string())
        },
        reason: reason.to_string(),
        pages: pingcha::domain::citation::Citation::default(),
    }
}

#[test]
fn worked_example_indicator() {
    let rubric = shipped("indicator-sft0084-0085");
    let grades = [
        ("Z1", "优"),
        ("Z2", "良"),
        ("Z3", "不适用"),
        ("Z4", "优"),
        ("Z5", "优"),
        ("Z6", "优"),
        ("Z7", "良"),
        ("Z8", "优"),
    ];
    let mut answers = SheetAnswers {
        indicators: grades
            .iter()
            .map(|(code, grade)| indicator(code, grade, "见卷宗"))
            .collect(),
        overall_grade: Some("优秀".to_string()),
        ..SheetAnswers::default()
    };
    // Graded: 7 (Z3 not applicable). 优 = 5, 良 = 2, no 中 or 差.
    // "六项以上为优" needs 6: does not hold. "三项以上为良或更低": 2, does not hold.
    // "全部为良以上" holds: at least 良好. "没有差" holds: at least 合格.
    // No ceiling applies, so 优秀 or 良好 may be chosen; 优秀 is within.
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(result.grade.name, "优秀");
    assert_eq!(result.total, None);
    let text = result.explanation.to_string();
    assert!(
        text.contains("按上述规则，总体等次可在优秀至良好之间评定"),
        "{text}"
    );

    // 合格 is below the floor set by "全部指标为良以上".
    answers.overall_grade = Some("合格".to_string());
    let error = score(&rubric, &answers).unwrap_err();
    assert_eq!(
        error.to_string(),
        "总体等次不能评为“合格”，只能评为优秀、良好（依据：全部指标为“良”以上的，总体等次不低于良好；没有指标评为“差”的，总体等次不低于合格）"
    );

    // Key indicator Z5 graded 差: "任一关键指标评为差" caps the file at 不合格.
    answers.indicators[4] = indicator("Z5", "差", "卷内无辩护词");
    answers.overall_grade = Some("不合格".to_string());
    let failed = score(&rubric, &answers).unwrap();
    assert_eq!(failed.grade.level, GradeLevel::Fail);
    assert!(
        failed
            .explanation
            .to_string()
            .contains("适用规则：任一关键指标评为“差”的，总体等次为不合格（总体等次不高于不合格）")
    );
}

#[test]
fn readme_example_is_valid_and_scores_as_written() {
    let Ok(readme) = std::fs::read_to_string(root().join("scoring-rubrics/README.md")) else {
        panic!("scoring-rubrics/README.md is missing");
    };
    let example = readme
        .split("## 九、完整示例")
        .nth(1)
        .and_then(|rest| rest.split("```toml\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default();
    let rubric = parse_rubric("README.md", example).unwrap();
    let mut answers = SheetAnswers {
        items: vec![
            item("A1", Mark::Applied, "超期", None),
            item("A2", Mark::Occurrences(1), "缺 1 份", None),
            item("B1", Mark::Points(Points::whole(6)), "质证不充分", None),
        ],
        ..SheetAnswers::default()
    };
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(
        (result.total, result.grade.name.as_str()),
        (Some(Points::whole(69)), "合格")
    );
    answers.items[2] = item("B1", Mark::NotApplicable, "", None);
    let result = score(&rubric, &answers).unwrap();
    assert_eq!(
        (result.total, result.grade.name.as_str()),
        (Some(tenths(375)), "不合格")
    );
}
