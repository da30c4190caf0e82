//! The wording of a rectification notice: a template the bureau edits, with `{{name}}`
//! placeholders filled from the notice. Deliberately tiny: plain text in, plain text out, no
//! logic and no HTML, so a clerk can edit it safely and the same text serves the page (where
//! handlebars escapes it) and the PDF. Like handlebars in strict mode, an unknown or unfilled
//! placeholder is an error, never a blank in a signed document.

use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// A placeholder a notice template may use, with the words the template editor shows for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    pub name: &'static str,
    pub label: &'static str,
}

/// Every placeholder a notice template may use (`templates/documents/rectification_notice_*.txt`);
/// the notice handler fills all of them. Named in Chinese, so the clerk who edits the wording reads
/// what each one means.
pub const NOTICE_PLACEHOLDERS: [Placeholder; 13] = [
    Placeholder {
        name: "评查方案",
        label: "评查工作方案名称",
    },
    Placeholder {
        name: "评查组",
        label: "评查组名称",
    },
    Placeholder {
        name: "评查日期",
        label: "评查日期",
    },
    Placeholder {
        name: "案卷期间",
        label: "被查案卷的办结期间",
    },
    Placeholder {
        name: "案卷数",
        label: "被查案卷数",
    },
    Placeholder {
        name: "结果评定",
        label: "评查结果如何确定（有无案卷经合议）",
    },
    Placeholder {
        name: "平均分",
        label: "平均得分",
    },
    Placeholder {
        name: "优秀数",
        label: "优秀案卷数",
    },
    Placeholder {
        name: "良好数",
        label: "良好案卷数",
    },
    Placeholder {
        name: "合格数",
        label: "合格案卷数",
    },
    Placeholder {
        name: "不合格数",
        label: "不合格案卷数",
    },
    Placeholder {
        name: "问题数",
        label: "需整改问题数",
    },
    Placeholder {
        name: "报送单位",
        label: "整改报告报送单位（发文机关）",
    },
];

/// What is wrong with a template or with filling it. Names the placeholder as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("模板中的占位符“{{{{{name}}}}}”不存在，可用的占位符见编辑页说明")]
    UnknownPlaceholder { name: String },
    #[error("占位符“{{{{{name}}}}}”没有提供内容")]
    MissingValue { name: String },
    #[error("模板第 {line} 行的“{{{{”没有对应的“}}}}”")]
    Unclosed { line: usize },
}

/// One piece of a parsed template.
enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits a template into text and placeholder names, checking every name is known.
fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let (text, after_open) = rest.split_at(open);
        pieces.push(Piece::Text(text));
        let inside = after_open.get(2..).unwrap_or_default();
        let Some(close) = inside.find("}}") else {
            let line = template.len() - after_open.len();
            let line = template
                .get(..line)
                .map_or(1, |before| before.matches('\n').count() + 1);
            return Err(TemplateError::Unclosed { line });
        };
        let (name, after_name) = inside.split_at(close);
        let name = name.trim();
        if !NOTICE_PLACEHOLDERS
            .iter()
            .any(|placeholder| placeholder.name == name)
        {
            return Err(TemplateError::UnknownPlaceholder {
                name: name.to_string(),
            });
        }
        pieces.push(Piece::Placeholder(name));
        rest = after_name.get(2..).unwrap_or_default();
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// Checks a template when the bureau saves it, so a mistake shows up in the editor rather
/// than when a notice is issued.
pub fn check_template(template: &str) -> Result<(), TemplateError> {
    pieces(template).map(|_| ())
}

/// Fills every placeholder from `values`. Values are inserted as they are and never read
/// as template text, so a unit name holding `{{` cannot inject anything.
pub fn fill(template: &str, values: &BTreeMap<&str, String>) -> Result<String, TemplateError> {
    let mut filled = String::with_capacity(template.len());
    for piece in pieces(template)? {
        match piece {
            Piece::Text(text) => filled.push_str(text),
            Piece::Placeholder(name) => {
                let value = values
                    .get(name)
                    .ok_or_else(|| TemplateError::MissingValue {
                        name: name.to_string(),
                    })?;
                filled.push_str(value);
            }
        }
    }
    Ok(filled)
}

/// What a round's inspection is called in a notice: the round's name with whatever it
/// already says about the inspection taken off, then 法律援助案卷交叉评查 once. A round named
/// 2025年第三季度案卷评查 gives 2025年第三季度法律援助案卷交叉评查, never
/// 2025年第三季度案卷评查法律援助案卷交叉评查.
pub fn inspection_name(round_name: &str) -> String {
    const TAILS: [&str; 12] = [
        "工作",
        "活动",
        "评查",
        "检查",
        "交叉",
        "案卷",
        "卷宗",
        "质量",
        "案件",
        "法律援助",
        "专项",
        "的",
    ];
    let mut stem = round_name.trim();
    loop {
        let before = stem;
        for tail in TAILS {
            stem = stem.strip_suffix(tail).unwrap_or(stem).trim_end();
        }
        if stem == before {
            break;
        }
    }
    format!("{stem}法律援助案卷交叉评查")
}

/// The notice's title (GB/T 9704 §7.3.1: 发文机关 left out, the bureau is in the 版头):
/// 关于〈inspection〉发现问题整改的通知, with 「（更正）」 on a version that replaces one
/// already issued.
pub fn notice_title(round_name: &str, correction: bool) -> String {
    format!(
        "关于{}发现问题整改的通知{}",
        inspection_name(round_name),
        if correction { "（更正）" } else { "" }
    )
}

/// A date as official documents write it, in Arabic numerals without leading zeros
/// (GB/T 9704): 2025年10月5日.
pub fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_values() -> BTreeMap<&'static str, String> {
        NOTICE_PLACEHOLDERS
            .iter()
            .map(|placeholder| (placeholder.name, format!("〈{}〉", placeholder.label)))
            .chain([
                ("评查组", "第2评查组".to_string()),
                ("问题数", "7".to_string()),
                ("报送单位", "银川市司法局".to_string()),
            ])
            .collect()
    }

    const TEMPLATE: &str = "{{评查组}}对你单位{{案卷数}}件案卷进行了评查，发现问题{{问题数}}项。\n\
        请于期限前将整改报告报送{{报送单位}}。";

    #[test]
    fn fills_a_template() {
        let text = fill(TEMPLATE, &all_values()).unwrap();
        assert!(text.starts_with("第2评查组对你单位〈被查案卷数〉件案卷"));
        assert!(text.contains("发现问题7项"));
        assert!(text.contains("报送银川市司法局。"));
        assert!(!text.contains("{{"));
    }

    #[test]
    fn spaces_inside_braces_are_allowed() {
        let values = all_values();
        assert_eq!(
            fill("致{{ 报送单位 }}。", &values).unwrap(),
            "致银川市司法局。"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_named() {
        let error = fill("致{{报送单位}}，{{leader}}", &all_values()).unwrap_err();
        assert_eq!(
            error,
            TemplateError::UnknownPlaceholder {
                name: "leader".to_string()
            }
        );
        assert_eq!(
            error.to_string(),
            "模板中的占位符“{{leader}}”不存在，可用的占位符见编辑页说明"
        );
        assert_eq!(
            check_template("{{}}"),
            Err(TemplateError::UnknownPlaceholder {
                name: String::new()
            })
        );
    }

    #[test]
    fn a_missing_value_is_named() {
        let mut values = all_values();
        values.remove("问题数");
        let error = fill(TEMPLATE, &values).unwrap_err();
        assert_eq!(
            error,
            TemplateError::MissingValue {
                name: "问题数".to_string()
            }
        );
        assert_eq!(error.to_string(), "占位符“{{问题数}}”没有提供内容");
    }

    #[test]
    fn an_unclosed_placeholder_names_its_line() {
        let error = check_template("第一行\n第二行{{评查组\n").unwrap_err();
        assert_eq!(error, TemplateError::Unclosed { line: 2 });
        assert_eq!(error.to_string(), "模板第 2 行的“{{”没有对应的“}}”");
    }

    #[test]
    fn values_are_not_read_as_template_text() {
        let mut values = all_values();
        values.insert("评查组", "{{问题数}}<b>".to_string());
        assert_eq!(fill("{{评查组}}", &values).unwrap(), "{{问题数}}<b>");
    }

    #[test]
    fn text_without_placeholders_is_kept_as_is() {
        assert_eq!(
            fill("无占位符 } }}", &BTreeMap::new()).unwrap(),
            "无占位符 } }}"
        );
        assert_eq!(check_template(TEMPLATE), Ok(()));
    }

    #[test]
    fn dates_have_no_leading_zeros() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(chinese_date(date(2025, 10, 15)), "2025年10月15日");
        assert_eq!(chinese_date(date(2025, 1, 5)), "2025年1月5日");
        assert_eq!(chinese_date(date(2024, 2, 29)), "2024年2月29日");
    }

    #[test]
    fn the_title_names_the_inspection_once_whatever_the_round_is_called() {
        for (round, title) in [
            (
                "2025年第三季度案卷评查",
                "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知",
            ),
            (
                "2025年第三季度",
                "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知",
            ),
            (
                "2025年第三季度法律援助案卷交叉评查",
                "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知",
            ),
            (
                "2026年第一季度法律援助案件质量评查工作",
                "关于2026年第一季度法律援助案卷交叉评查发现问题整改的通知",
            ),
            (
                " 2024年度卷宗检查 ",
                "关于2024年度法律援助案卷交叉评查发现问题整改的通知",
            ),
        ] {
            assert_eq!(notice_title(round, false), title, "{round}");
        }
        assert_eq!(
            notice_title("2025年第三季度", true),
            "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知（更正）"
        );
    }
}
