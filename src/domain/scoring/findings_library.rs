//! The library of common findings (常见问题) a reviewer picks from when deducting, so the
//! same problem is worded the same way in every sheet and can be counted across a round.
//!
//! Entries are keyed by rubric id and item code, because codes repeat across rubrics with
//! different meanings (C2 is 征询是否同意辩护 in the criminal rubric and 阅卷笔录 in the civil
//! one). The defaults cover every item of the shipped rubrics; a test keeps them in step.

/// The common findings of one rubric item, in the order the form offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFindings {
    pub item_code: &'static str,
    pub findings: &'static [&'static str],
}

/// The common findings of one rubric, by its `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RubricFindings {
    pub rubric_id: &'static str,
    pub items: &'static [ItemFindings],
}

const fn item(item_code: &'static str, findings: &'static [&'static str]) -> ItemFindings {
    ItemFindings {
        item_code,
        findings,
    }
}

/// Findings shared by items that check the same document in every rubric.
const APPLICATION: &[&str] = &[
    "申请表缺失",
    "身份证明缺失",
    "经济困难证明或个人诚信承诺缺失",
];
const APPROVAL: &[&str] = &["审批表缺失", "给予法律援助决定书缺失", "审批表未签批"];
const ASSIGNED_LATE: &[&str] = &["超过 3 日指派承办人", "指派通知书缺失", "法律援助公函缺失"];
const CONTRACT_LATE: &[&str] = &["超过 5 日签订委托协议", "委托协议缺失", "授权委托书缺失"];
const RIGHTS_NOTICE: &[&str] = &["权利义务告知书缺失", "权利义务告知书无受援人签收"];
const RISK_NOTICE: &[&str] = &["风险告知书缺失", "风险告知书无受援人签收"];
const CLOSED_LATE: &[&str] = &["超过 30 日提交结案材料", "结案材料提交日期无法核实"];
const CLOSING_REPORT: &[&str] = &[
    "结案报告过于简单",
    "结案报告未反映办案过程",
    "结案报告与卷内材料不一致",
];
const BINDING: &[&str] = &["卷宗无目录", "卷宗未编页码", "材料排列顺序混乱"];
const EVIDENCE_SOURCE: &[&str] = &[
    "调查笔录未入卷",
    "证据材料来源不明",
    "调查笔录无被调查人签名",
];

/// 刑事法律援助案件评查评分标准 (`criminal.toml`).
const CRIMINAL: &[ItemFindings] = &[
    item("A1", APPLICATION),
    item("A2", APPROVAL),
    item("A3", ASSIGNED_LATE),
    item("A4", CONTRACT_LATE),
    item(
        "A5",
        &[
            "委托协议无签名或捺印",
            "授权委托书未注明日期",
            "委托事项不完整",
        ],
    ),
    item(
        "A6",
        &[
            "承办人资格不符合要求",
            "未成年人案件承办人不熟悉未成年人身心特点",
        ],
    ),
    item("B1", RIGHTS_NOTICE),
    item("B2", RISK_NOTICE),
    item(
        "B3",
        &["会见笔录未记录告知诉讼权利", "未告知承办人身份和辩护人职责"],
    ),
    item(
        "B4",
        &[
            "未告知开庭时间",
            "未告知判决结果及上诉期限",
            "重大事项告知无记录",
        ],
    ),
    item("C1", &["首次会见不及时", "首次会见日期无法核实"]),
    item("C2", &["未征询是否同意辩护", "会见笔录未记录征询意见"]),
    item(
        "C3",
        &["审查起诉阶段未会见", "开庭前未会见", "会见次数不足"],
    ),
    item(
        "C4",
        &[
            "会见笔录要素不全",
            "会见笔录无被会见人逐页签名",
            "未记录在场人员",
        ],
    ),
    item(
        "C5",
        &["会见笔录无针对性", "会见内容格式化", "未了解从轻减轻情节"],
    ),
    item("D1", &["未阅卷", "阅卷不及时", "阅卷材料未入卷"]),
    item(
        "D2",
        &[
            "阅卷笔录不完整",
            "阅卷笔录未摘录主要证据",
            "未分析证据之间的矛盾",
        ],
    ),
    item("D3", &["未对证据提出分析意见", "证据分析流于形式"]),
    item("E1", &["未调查收集有利证据", "未申请调取有利证据"]),
    item("E2", EVIDENCE_SOURCE),
    item("E3", &["未申请变更强制措施", "未申请羁押必要性审查"]),
    item(
        "F1",
        &["无书面辩护意见", "辩护词未入卷", "辩护意见提交不及时"],
    ),
    item(
        "F2",
        &[
            "辩护意见无针对性",
            "辩护意见观点不明确",
            "法律依据引用不准确",
        ],
    ),
    item(
        "F3",
        &[
            "未按时出庭",
            "庭审笔录未反映辩护人发问",
            "庭审笔录未反映质证、辩论",
        ],
    ),
    item(
        "F4",
        &[
            "审查起诉阶段未提出书面意见",
            "未对量刑建议发表意见",
            "未见证具结书签署",
        ],
    ),
    item(
        "F5",
        &["结案报告未说明辩护意见采纳情况", "未说明未采纳的原因"],
    ),
    item("G1", CLOSED_LATE),
    item("G2", CLOSING_REPORT),
    item(
        "G3",
        &[
            "卷宗材料不齐全",
            "缺少判决书或裁定书",
            "缺少征询意见表或回访记录",
        ],
    ),
    item("G4", BINDING),
];

/// 民事法律援助案件评查评分标准 (`civil.toml`).
const CIVIL: &[ItemFindings] = &[
    item("A1", APPLICATION),
    item("A2", APPROVAL),
    item("A3", ASSIGNED_LATE),
    item("A4", CONTRACT_LATE),
    item("A5", &["代理权限不明确", "代理权限与代理事项不一致"]),
    item("B1", &["首次谈话不及时", "首次谈话日期无法核实"]),
    item("B2", &["谈话笔录要素不全", "谈话笔录无受援人签名或捺印"]),
    item(
        "B3",
        &[
            "谈话笔录无针对性",
            "未向受援人说明法律风险",
            "谈话内容过于简单",
        ],
    ),
    item("B4", &["重要节点未与受援人沟通", "沟通无记录"]),
    item("C1", &["未阅卷", "阅卷不及时"]),
    item(
        "C2",
        &["阅卷笔录不完整", "未摘录对方诉辩意见", "未摘录主要证据"],
    ),
    item("D1", &["未围绕诉讼请求收集证据", "无证据目录"]),
    item("D2", &["未申请调查收集证据", "未申请证据保全或财产保全"]),
    item("D3", EVIDENCE_SOURCE),
    item("D4", &["超过举证期限提交证据", "证据提交时间无法核实"]),
    item(
        "E1",
        &[
            "起诉状（答辩状）提交不及时",
            "诉讼请求不明确",
            "事实与理由不清楚",
        ],
    ),
    item("E2", &["无书面代理词", "代理词未入卷"]),
    item(
        "E3",
        &["代理意见无针对性", "证据分析不充分", "法律依据引用不准确"],
    ),
    item("E4", &["未提出调解方案", "未关注诉讼时效或执行事项"]),
    item("F1", &["未按时出庭", "庭审笔录未反映举证、质证、辩论"]),
    item("F2", &["庭审后未补充代理意见", "未提出是否上诉的建议"]),
    item("G1", RIGHTS_NOTICE),
    item("G2", RISK_NOTICE),
    item(
        "G3",
        &["未告知裁判结果", "未告知上诉或申请执行期限", "告知无记录"],
    ),
    item("H1", &["重大情况未及时报告", "变更承办人未报告"]),
    item("H2", CLOSED_LATE),
    item(
        "I1",
        &["卷宗材料不齐全", "缺少裁判文书", "缺少征询意见表或回访记录"],
    ),
    item("I2", BINDING),
];

/// 行政法律援助案件评查评分标准 (`administrative.toml`).
const ADMINISTRATIVE: &[ItemFindings] = &[
    item(
        "A1",
        &[
            "申请表缺失",
            "经济困难证明或个人诚信承诺缺失",
            "被诉行政行为文书缺失",
        ],
    ),
    item("A2", APPROVAL),
    item("A3", ASSIGNED_LATE),
    item("A4", CONTRACT_LATE),
    item(
        "A5",
        &["未核实起诉期限或复议申请期限", "代理事项与受援人请求不一致"],
    ),
    item(
        "B1",
        &["权利义务告知书缺失", "风险告知书缺失", "告知书无受援人签收"],
    ),
    item(
        "B2",
        &["未告知诉讼（复议）程序", "未告知举证责任分配", "告知无记录"],
    ),
    item(
        "B3",
        &[
            "未告知裁判（复议决定）结果",
            "未告知上诉期限",
            "重大情况未及时报告",
        ],
    ),
    item("C1", &["首次谈话不及时", "首次谈话日期无法核实"]),
    item("C2", &["谈话笔录要素不全", "谈话笔录无受援人签名或捺印"]),
    item(
        "C3",
        &[
            "谈话笔录无针对性",
            "未了解行政行为作出经过",
            "未了解证据线索",
        ],
    ),
    item("C4", &["开庭前未沟通诉讼方案", "沟通无记录"]),
    item("D1", &["未阅卷", "阅卷笔录不完整", "未查阅行政行为依据"]),
    item("D2", &["未围绕行政行为合法性收集证据", "未申请调取证据"]),
    item("D3", &["超过举证期限提交证据", "无证据目录或目录不清"]),
    item("D4", EVIDENCE_SOURCE),
    item(
        "E1",
        &[
            "起诉状（复议申请书）提交不及时",
            "诉讼请求不明确",
            "被告（被申请人）不适格",
        ],
    ),
    item("E2", &["无书面代理词", "代理词未入卷"]),
    item(
        "E3",
        &[
            "代理意见无针对性",
            "未围绕行政行为合法性论证",
            "法律依据引用不准确",
        ],
    ),
    item("E4", &["未按时出庭", "庭审笔录未反映举证、质证、辩论"]),
    item("F1", CLOSED_LATE),
    item("F2", CLOSING_REPORT),
    item(
        "F3",
        &[
            "卷宗材料不齐全",
            "缺少裁判文书或复议决定书",
            "缺少征询意见表或回访记录",
        ],
    ),
    item("F4", BINDING),
];

/// 法律援助案件质量单项指标评估标准 (`indicator-sft0084-0085.toml`): per indicator.
const INDICATOR: &[ItemFindings] = &[
    item(
        "Z1",
        &[
            "指派或签订委托协议超期",
            "委托协议或授权委托书缺失",
            "申请审批材料缺一份",
        ],
    ),
    item(
        "Z2",
        &[
            "会见笔录无针对性",
            "会见不及时",
            "未征询是否同意辩护",
            "笔录要素欠缺",
        ],
    ),
    item(
        "Z3",
        &["阅卷笔录不完整", "阅卷不及时", "未摘录主要证据和矛盾"],
    ),
    item("Z4", &["未调查收集有利证据", "调查材料未入卷"]),
    item(
        "Z5",
        &[
            "无书面辩护词（代理词）",
            "意见无针对性",
            "法律依据引用不准确",
        ],
    ),
    item("Z6", &["未按时出庭", "庭审笔录未反映发问、质证、辩论"]),
    item(
        "Z7",
        &[
            "告知书无受援人签收",
            "未告知裁判结果及上诉期限",
            "重大情况未及时报告",
        ],
    ),
    item(
        "Z8",
        &["超过 30 日提交结案材料", "卷宗材料不齐全", "卷宗装订不规范"],
    ),
];

/// The shipped library: one entry per shipped rubric.
pub const DEFAULT_LIBRARY: &[RubricFindings] = &[
    RubricFindings {
        rubric_id: "criminal",
        items: CRIMINAL,
    },
    RubricFindings {
        rubric_id: "civil",
        items: CIVIL,
    },
    RubricFindings {
        rubric_id: "administrative",
        items: ADMINISTRATIVE,
    },
    RubricFindings {
        rubric_id: "indicator-sft0084-0085",
        items: INDICATOR,
    },
];

/// The common findings to offer for an item of a rubric; empty for a rubric or item the
/// library does not know (a bureau's own rubric), and the form then offers free text only.
pub fn suggestions(rubric_id: &str, item_code: &str) -> &'static [&'static str] {
    DEFAULT_LIBRARY
        .iter()
        .find(|rubric| rubric.rubric_id == rubric_id)
        .and_then(|rubric| rubric.items.iter().find(|item| item.item_code == item_code))
        .map_or(&[], |item| item.findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rubric::{Method, Rubric};
    use std::collections::BTreeSet;

    fn codes(rubric: &Rubric) -> Vec<String> {
        match rubric.method() {
            Method::Deduction(scheme) => scheme.items().map(|item| item.code.clone()).collect(),
            Method::Indicator(scheme) => scheme
                .indicators
                .iter()
                .map(|indicator| indicator.code.clone())
                .collect(),
        }
    }

    #[test]
    fn every_shipped_item_has_suggestions_and_no_entry_is_stale() {
        let rubrics = super::super::tests::shipped_rubrics();
        assert_eq!(rubrics.len(), DEFAULT_LIBRARY.len());
        for rubric in &rubrics {
            let codes = codes(rubric);
            for code in &codes {
                assert!(
                    !suggestions(rubric.id(), code).is_empty(),
                    "{} {code} has no suggestions",
                    rubric.id()
                );
            }
            let library = DEFAULT_LIBRARY
                .iter()
                .find(|entry| entry.rubric_id == rubric.id())
                .unwrap();
            let mut seen = BTreeSet::new();
            for entry in library.items {
                assert!(
                    codes.iter().any(|code| code == entry.item_code),
                    "{} {}",
                    rubric.id(),
                    entry.item_code
                );
                assert!(
                    seen.insert(entry.item_code),
                    "{} listed twice",
                    entry.item_code
                );
                let distinct: BTreeSet<&str> = entry.findings.iter().copied().collect();
                assert_eq!(distinct.len(), entry.findings.len(), "{}", entry.item_code);
                assert!(
                    entry
                        .findings
                        .iter()
                        .all(|finding| !finding.trim().is_empty())
                );
            }
        }
    }

    #[test]
    fn lookup_by_rubric_and_item() {
        assert!(suggestions("criminal", "C5").contains(&"会见笔录无针对性"));
        assert!(suggestions("criminal", "D2").contains(&"阅卷笔录不完整"));
        assert!(suggestions("civil", "C2").contains(&"阅卷笔录不完整"));
        assert!(suggestions("criminal", "Z9").is_empty());
        assert!(suggestions("bureau-own", "C2").is_empty());
    }
}
