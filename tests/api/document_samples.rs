//! Sample views for tests and benchmarks, generated from a seed (no data is committed).

#![allow(dead_code)] // each test or bench binary uses a different part

use chrono::NaiveDate;
use pingcha::documents::*;

pub const UNITS: [&str; 7] = [
    "银川市法律援助中心",
    "兴庆区法律援助中心",
    "金凤区法律援助中心",
    "西夏区法律援助中心",
    "永宁县法律援助中心",
    "贺兰县法律援助中心",
    "灵武市法律援助中心",
];
pub const FIRMS: [&str; 5] = [
    "宁夏明德律师事务所",
    "宁夏昇辉律师事务所",
    "宁夏天衡律师事务所",
    "兴庆区凤凰法律服务所",
    "宁夏正喆律师事务所",
];
pub const HANDLERS: [&str; 8] = [
    "王玥",
    "李喆",
    "张堃",
    "赵昇",
    "马文静",
    "欧阳明",
    "杨晓东",
    "纳丽娟",
];
pub const RECIPIENTS: [&str; 6] = ["刘建国", "马玥琪", "周堃", "丁昇平", "欧阳秀兰", "海小梅"];
pub const REASONS: [&str; 12] = [
    "会见笔录未记录会见的时间、地点及在场人员",
    "会见笔录缺少针对性提问，未围绕案件事实和量刑情节询问受援人",
    "阅卷笔录内容不完整，未摘录起诉意见书认定的关键证据",
    "未向受援人书面告知诉讼权利义务及法律援助人员的职责",
    "辩护意见过于简单，未结合在案证据对定罪量刑提出有针对性的意见",
    "结案报告未载明案件处理结果，也未对办案过程作出总结",
    "卷内文书未按规定顺序装订，目录与页码不一致",
    "未附人民法院判决书副本，也未说明未能取得的原因",
    "调查取证申请书未注明申请理由，调查笔录无被调查人签名",
    "未在规定时限内向法律援助机构报告案件重大进展（开庭时间变更）",
    "庭审笔录显示法律援助人员未对公诉人出示的证据逐一发表质证意见",
    "受援人对法律援助服务的评价表缺失，回访记录未填写",
];
pub const CAUSES: [&str; 6] = [
    "故意伤害",
    "盗窃",
    "劳动争议",
    "机动车交通事故责任纠纷",
    "离婚纠纷",
    "工伤认定行政诉讼",
];

/// A small deterministic generator (no rand dependency in the document layer).
pub struct Seq(u64);

impl Seq {
    pub fn new(seed: u64) -> Self {
        Self(
            seed.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        )
    }
    pub fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % bound.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("bad date {year}-{month}-{day}"))
}

const SECTIONS: [(&str, [(&str, f64); 4]); 7] = [
    (
        "受理指派与委托",
        [
            ("指派通知书、委托书齐全", 3.0),
            ("经济困难证明或承诺材料", 3.0),
            ("案件登记及时", 2.0),
            ("利益冲突审查记录", 2.0),
        ],
    ),
    (
        "告知义务",
        [
            ("权利义务告知", 4.0),
            ("法律援助人员职责告知", 2.0),
            ("诉讼风险告知", 2.0),
            ("结果告知", 2.0),
        ],
    ),
    (
        "会见受援人",
        [
            ("首次会见时限", 5.0),
            ("会见笔录要素齐全", 5.0),
            ("会见内容有针对性", 6.0),
            ("会见次数满足办案需要", 4.0),
        ],
    ),
    (
        "阅卷",
        [
            ("阅卷时限", 4.0),
            ("阅卷笔录完整", 6.0),
            ("证据摘录准确", 3.0),
            ("阅卷意见", 2.0),
        ],
    ),
    (
        "调查取证",
        [
            ("调查取证申请", 3.0),
            ("调查笔录规范", 3.0),
            ("证据收集全面", 2.0),
            ("证据提交及时", 2.0),
        ],
    ),
    (
        "辩护意见与出庭",
        [
            ("辩护意见书面完整", 8.0),
            ("意见针对性", 7.0),
            ("按时出庭", 5.0),
            ("质证与辩论", 5.0),
        ],
    ),
    (
        "结案归档",
        [
            ("结案报告", 3.0),
            ("判决书等法律文书", 3.0),
            ("卷宗装订规范", 2.0),
            ("受援人评价", 2.0),
        ],
    ),
];

/// A score sheet; `deductions` controls how many items lose points (about 10 gives two pages).
pub fn score_sheet(seed: u64, deductions: usize) -> ScoreSheetView {
    let mut seq = Seq::new(seed);
    let mut picks = [false; 28];
    for _ in 0..deductions {
        let index = seq.next(28);
        picks[index] = true;
    }
    let mut total = 100.0;
    let mut sections = Vec::new();
    for (section_index, (title, items)) in SECTIONS.iter().enumerate() {
        let mut rows = Vec::new();
        for (item_index, (item_title, max)) in items.iter().enumerate() {
            let flat = section_index * 4 + item_index;
            let mut list = Vec::new();
            if picks[flat] {
                let count = 1 + seq.next(2);
                for _ in 0..count {
                    let points = ((1 + seq.next(2)) as f64).min(*max / count as f64);
                    let start = 3 + seq.next(80);
                    list.push(Deduction {
                        points,
                        reason: seq.pick(&REASONS).to_owned(),
                        pages: format!("第{}-{}页", start, start + 1 + seq.next(3)),
                    });
                }
            }
            let deducted: f64 = list.iter().map(|deduction| deduction.points).sum();
            total -= deducted.min(*max);
            let not_applicable = section_index == 4 && item_index == 3 && seed.is_multiple_of(3);
            rows.push(RubricItemRow {
                code: format!("{}{}", (b'A' + section_index as u8) as char, item_index + 1),
                title: (*item_title).to_owned(),
                max_points: *max,
                not_applicable,
                deductions: if not_applicable { Vec::new() } else { list },
            });
        }
        sections.push(RubricSection {
            title: (*title).to_owned(),
            max_points: items.iter().map(|item| item.1).sum(),
            items: rows,
        });
    }
    let grade = match total {
        t if t >= 90.0 => "优秀",
        t if t >= 80.0 => "良好",
        t if t >= 60.0 => "合格",
        _ => "不合格",
    };
    ScoreSheetView {
        round_name: "2025年第三季度法律援助案卷交叉评查".to_owned(),
        bureau: "银川市司法局".to_owned(),
        case_number: format!("（2025）宁银法援刑字第{}号", 100 + seed % 900),
        case_type: "刑事".to_owned(),
        cause: seq.pick(&CAUSES).to_owned(),
        recipient: seq.pick(&RECIPIENTS).to_owned(),
        recipient_is_minor: seed.is_multiple_of(17),
        handler: seq.pick(&HANDLERS).to_owned(),
        handling_organisation: seq.pick(&FIRMS).to_owned(),
        aid_center: UNITS[(seed as usize) % UNITS.len()].to_owned(),
        assigned_on: Some(date(2025, 3, 1 + (seed % 28) as u32)),
        closed_on: Some(date(2025, 6, 1 + (seed % 28) as u32)),
        rubric_name: "银川市法律援助案件（刑事类）评查评分标准".to_owned(),
        sections,
        vetoes: Vec::new(),
        total,
        max_total: 100.0,
        grade: grade.to_owned(),
        reconciliation_note: (seed % 4 == 1).then(|| "两名评查员对C3项扣分相差3分，经评查组合议，认定会见笔录虽有针对性提问但不充分，维持扣2分。".to_owned()),
        final_result_note: None,
        reviewers: vec!["杨昇".to_owned(), "马玥".to_owned()],
        team_leader: Some("李堃".to_owned()),
        blind: false,
        reviewed_on: date(2025, 10, 15),
    }
}

pub fn feedback(seed: u64) -> FeedbackReportView {
    let mut seq = Seq::new(seed);
    let unit = UNITS[1];
    let sheets: Vec<ScoreSheetView> = (0..6)
        .map(|index| score_sheet(seed * 10 + index, 4 + (index as usize % 4)))
        .collect();
    let cases = sheets
        .iter()
        .map(|sheet| FeedbackCase {
            case_number: sheet.case_number.clone(),
            case_type: sheet.case_type.clone(),
            handler: sheet.handler.clone(),
            handling_organisation: sheet.handling_organisation.clone(),
            total: sheet.total,
            grade: sheet.grade.clone(),
        })
        .collect();
    let mut finding_groups: Vec<FeedbackFindingGroup> = Vec::new();
    for sheet in &sheets {
        for section in &sheet.sections {
            for item in &section.items {
                for deduction in &item.deductions {
                    let name = format!("{} {}", item.code, item.title);
                    let finding = (
                        sheet.case_number.clone(),
                        format!("{}（卷宗{}）", deduction.reason, deduction.pages),
                        deduction.points,
                    );
                    match finding_groups.iter_mut().find(|group| group.item == name) {
                        Some(group) => group.findings.push(finding),
                        None => finding_groups.push(FeedbackFindingGroup {
                            item: name,
                            findings: vec![finding],
                        }),
                    }
                }
            }
        }
    }
    finding_groups.sort_by(|a, b| a.item.cmp(&b.item));
    FeedbackReportView {
        bureau: "银川市司法局".to_owned(),
        round_name: "2025年第三季度法律援助案卷交叉评查".to_owned(),
        unit: unit.to_owned(),
        review_period: "2025年10月9日至10日".to_owned(),
        inspection_team: Some("第2评查组（组长王玥，成员李喆、张堃）".to_owned()),
        cases,
        round_files: 42,
        round_average: 84.3,
        round_good_count: 30,
        round_pass_count: 40,
        rank: Some(1 + seq.next(7)),
        units_in_round: 7,
        finding_groups,
        typical_problems: vec![
            "会见笔录针对性不强。部分会见笔录仅记录受援人基本情况，未围绕案件事实、证据和量刑情节询问，难以反映法律援助人员的辩护思路。".to_owned(),
            "告知义务履行不到位。个别案卷缺少权利义务告知书，或告知书无受援人签名，无法证明已履行告知义务。".to_owned(),
        ],
        requirements: "请你单位对照上述问题逐项整改，于2025年11月14日前将整改情况书面报送市司法局公共法律服务管理科。".to_owned(),
        issued_on: date(2025, 10, 15),
    }
}

pub const NOTICE_BODY: &str =
    include_str!("../../templates/documents/rectification_notice_body.txt");
pub const NOTICE_CLOSING: &str =
    include_str!("../../templates/documents/rectification_notice_closing.txt");

pub fn notice(findings: usize) -> RectificationNoticeView {
    let mut seq = Seq::new(findings as u64);
    let values: std::collections::BTreeMap<&str, String> = [
        (
            "评查方案",
            "银川市2025年第三季度法律援助案卷交叉评查工作方案",
        ),
        ("评查组", "市司法局第二交叉检查组"),
        ("评查日期", "2025年10月9日至10日"),
        ("案卷期间", "2025年第二季度"),
        ("案卷数", "6"),
        ("结果评定", "其中1件案卷经合议确定了评查结果"),
        ("平均分", "82.5"),
        ("优秀数", "1"),
        ("良好数", "3"),
        ("合格数", "1"),
        ("不合格数", "1"),
        ("问题数", &findings.to_string()),
        ("报送单位", "市司法局公共法律服务管理科"),
    ]
    .into_iter()
    .map(|(key, value)| (key, value.to_owned()))
    .collect();
    let items = [
        "C2 会见笔录要素齐全",
        "C3 会见内容有针对性",
        "D2 阅卷笔录完整",
        "B1 权利义务告知",
        "G3 卷宗装订规范",
        "F2 意见针对性",
    ];
    NoticeFindingList(
        (0..findings)
            .map(|index| NoticeFinding {
                case_number: format!("（2025）宁银法援刑字第{}号", 201 + index),
                handler: seq.pick(&HANDLERS).to_owned(),
                item: seq.pick(&items).to_owned(),
                deduction: (1 + seq.next(3)) as f64,
                problem: seq.pick(&REASONS).to_owned(),
                requirement: "补正相关材料，并在整改报告中说明原因及今后的改进措施".to_owned(),
            })
            .collect(),
    )
    .into_view(
        pingcha::domain::notice_text::fill(NOTICE_BODY, &values)
            .unwrap_or_else(|error| panic!("{error}")),
        pingcha::domain::notice_text::fill(NOTICE_CLOSING, &values)
            .unwrap_or_else(|error| panic!("{error}")),
    )
}

struct NoticeFindingList(Vec<NoticeFinding>);

impl NoticeFindingList {
    fn into_view(self, body: String, closing: String) -> RectificationNoticeView {
        RectificationNoticeView {
            organ_mark: "银川市司法局文件".to_owned(),
            doc_number: "银司法评〔2025〕12号".to_owned(),
            title: "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知".to_owned(),
            addressee: "兴庆区法律援助中心".to_owned(),
            body,
            findings: self.0,
            closing,
            deadline: date(2025, 11, 14),
            issuer: "银川市司法局".to_owned(),
            issued_on: date(2025, 10, 15),
            contact: Some("联系人：马玥，电话：0951-6012345".to_owned()),
            copy_to: vec!["兴庆区司法局".to_owned()],
            printed_by: Some("银川市司法局办公室".to_owned()),
        }
    }
}

/// A bulletin; `units` and `files` scale it (120 units and 480 files give about 30 pages).
pub fn leadership(seed: u64, units: usize, files: usize) -> LeadershipReportView {
    let mut seq = Seq::new(seed);
    let names: Vec<String> = (0..units)
        .map(|index| {
            if index < UNITS.len() {
                UNITS[index].to_owned()
            } else {
                format!(
                    "{}第{}法律援助工作站",
                    UNITS[index % UNITS.len()].trim_end_matches("法律援助中心"),
                    index
                )
            }
        })
        .collect();
    let mut file_rows = Vec::new();
    for index in 0..files {
        let unit = &names[index * units / files.max(1)];
        let total = 55.0 + seq.next(45) as f64 + if seq.next(2) == 0 { 0.5 } else { 0.0 };
        let grade = match total {
            t if t >= 90.0 => "优秀",
            t if t >= 80.0 => "良好",
            t if t >= 60.0 => "合格",
            _ => "不合格",
        };
        let kind = ["刑事", "民事", "行政"][seq.next(3)];
        file_rows.push(FileScoreRow {
            unit: unit.clone(),
            case_number: format!("（2025）宁银法援{}字第{}号", &kind[..3], 100 + index),
            case_type: kind.to_owned(),
            handler: seq.pick(&HANDLERS).to_owned(),
            total,
            grade: grade.to_owned(),
        });
    }
    let grade_names = ["优秀", "良好", "合格", "不合格"];
    let grades = grade_names
        .iter()
        .map(|grade| GradeCount {
            grade: (*grade).to_owned(),
            count: file_rows.iter().filter(|row| row.grade == *grade).count(),
        })
        .collect();
    let by_unit = names
        .iter()
        .map(|name| {
            let rows: Vec<&FileScoreRow> =
                file_rows.iter().filter(|row| &row.unit == name).collect();
            let count = |grade: &str| rows.iter().filter(|row| row.grade == grade).count();
            UnitRow {
                unit: name.clone(),
                files: rows.len(),
                average: if rows.is_empty() {
                    0.0
                } else {
                    rows.iter().map(|row| row.total).sum::<f64>() / rows.len() as f64
                },
                excellent: count("优秀"),
                good: count("良好"),
                pass: count("合格"),
                fail: count("不合格"),
            }
        })
        .collect();
    let by_case_type = ["刑事", "民事", "行政"]
        .iter()
        .map(|kind| {
            let rows: Vec<&FileScoreRow> = file_rows
                .iter()
                .filter(|row| row.case_type == *kind)
                .collect();
            CaseTypeRow {
                case_type: (*kind).to_owned(),
                files: rows.len(),
                average: rows.iter().map(|row| row.total).sum::<f64>() / rows.len().max(1) as f64,
                good_count: rows
                    .iter()
                    .filter(|row| row.grade == "优秀" || row.grade == "良好")
                    .count(),
                pass_count: rows.iter().filter(|row| row.grade != "不合格").count(),
            }
        })
        .collect();
    let trend = [
        ("2024年四季度", 79.6, 58.3),
        ("2025年一季度", 81.2, 61.0),
        ("2025年二季度", 80.4, 60.2),
        ("2025年三季度", 77.9, 52.5),
    ]
    .iter()
    .map(|(round, average, good_rate)| TrendPoint {
        round: (*round).to_owned(),
        average: *average,
        good_rate: *good_rate,
    })
    .collect();
    let typical_problems = (0..(units / 6).clamp(4, 20))
        .map(|index| TypicalProblem {
            title: REASONS[index % REASONS.len()].to_owned(),
            files: 3 + seq.next(20),
            description: format!("{}。此类问题在{}等单位较为集中，反映出部分法律援助人员对《办理法律援助案件程序规定》的要求掌握不够，案卷质量管理存在薄弱环节，需要通过业务培训和案件质量回访加以改进。对玥、喆、堃、昇等生僻字姓名的受援人，还存在文书姓名书写不一致的情况。", REASONS[(index + 3) % REASONS.len()], names[index % names.len()]),
        })
        .collect();
    let rectification = names
        .iter()
        .map(|name| {
            let findings = 2 + seq.next(10);
            let fixed = seq.next(findings + 1);
            RectificationProgressRow {
                unit: name.clone(),
                findings,
                fixed,
                verified: fixed / 2,
                overdue: seq.next(9) == 0,
                status: if fixed == findings {
                    "已提交"
                } else {
                    "整改中"
                }
                .to_owned(),
            }
        })
        .collect();
    LeadershipReportView {
        bureau: "银川市司法局".to_owned(),
        round_name: "2025年第三季度法律援助案卷交叉评查".to_owned(),
        doc_number: Some("银司法评〔2025〕15号".to_owned()),
        introduction: "为进一步提升法律援助案件办理质量，根据《银川市2025年第三季度法律援助案卷交叉评查工作方案》，市司法局于2025年10月9日至10日组织开展了第三季度法律援助案卷交叉评查。现将评查情况通报如下：".to_owned(),
        reviewers: 24,
        grades,
        by_unit,
        by_case_type,
        trend,
        typical_problems,
        calibration_notes: Vec::new(),
        rectification,
        caseload: None,
        requirements: "（一）各单位要对照通报问题举一反三，全面开展自查自纠。\n（二）各法律援助中心要加强对承办人员的业务指导，重点规范会见、阅卷和告知环节。\n（三）市司法局将在下一轮评查中对本轮问题整改情况开展“回头看”，对整改不力的单位予以通报。".to_owned(),
        files: file_rows,
        issued_on: date(2025, 10, 20),
    }
}
