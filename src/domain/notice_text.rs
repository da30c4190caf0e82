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

/// Every placeholder a notice template may use; the notice handler fills all of them.
pub const NOTICE_PLACEHOLDERS: [Placeholder; 9] = [
    Placeholder {
        name: "unit",
        label: "主送单位名称",
    },
    Placeholder {
        name: "round",
        label: "评查轮次名称",
    },
    Placeholder {
        name: "doc_number",
        label: "发文字号",
    },
    Placeholder {
        name: "issue_date",
        label: "下发日期（如 2025年10月15日）",
    },
    Placeholder {
        name: "deadline",
        label: "整改期限（如 2025年11月14日）",
    },
    Placeholder {
        name: "days",
        label: "整改天数",
    },
    Placeholder {
        name: "finding_count",
        label: "需整改问题数",
    },
    Placeholder {
        name: "bureau",
        label: "发文机关名称",
    },
    Placeholder {
        name: "contact",
        label: "联系人及电话",
    },
];

/// The wording a new bureau starts from; it may change every word of it.
pub const DEFAULT_NOTICE_TEMPLATE: &str = "{{unit}}：\n\
    根据{{round}}案卷评查结果，现将你单位案卷中发现的问题（共{{finding_count}}项）通知如下，\
    请认真对照问题清单逐项整改，于{{deadline}}前将整改报告及相关证明材料报送{{bureau}}。\n\
    联系人：{{contact}}\n";

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

/// A date as official documents write it, in Arabic numerals without leading zeros
/// (GB/T 9704): 2025年10月5日.
pub fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("unit", "永宁县法律援助中心".to_string()),
            ("round", "2025年第三季度".to_string()),
            ("doc_number", "银司法评〔2025〕12号".to_string()),
            ("issue_date", "2025年10月15日".to_string()),
            ("deadline", "2025年11月14日".to_string()),
            ("days", "30".to_string()),
            ("finding_count", "7".to_string()),
            ("bureau", "银川市司法局".to_string()),
            ("contact", "王某 0951-0000000".to_string()),
        ])
    }

    #[test]
    fn fills_the_default_template() {
        let text = fill(DEFAULT_NOTICE_TEMPLATE, &all_values()).unwrap();
        assert!(text.starts_with("永宁县法律援助中心：\n根据2025年第三季度案卷评查结果"));
        assert!(text.contains("共7项"));
        assert!(text.contains("于2025年11月14日前"));
        assert!(!text.contains("{{"));
    }

    #[test]
    fn spaces_inside_braces_are_allowed() {
        let values = all_values();
        assert_eq!(
            fill("致{{ unit }}。", &values).unwrap(),
            "致永宁县法律援助中心。"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_named() {
        let error = fill("致{{unit}}，{{leader}}", &all_values()).unwrap_err();
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
        values.remove("deadline");
        let error = fill(DEFAULT_NOTICE_TEMPLATE, &values).unwrap_err();
        assert_eq!(
            error,
            TemplateError::MissingValue {
                name: "deadline".to_string()
            }
        );
        assert_eq!(error.to_string(), "占位符“{{deadline}}”没有提供内容");
    }

    #[test]
    fn an_unclosed_placeholder_names_its_line() {
        let error = check_template("第一行\n第二行{{unit\n").unwrap_err();
        assert_eq!(error, TemplateError::Unclosed { line: 2 });
        assert_eq!(error.to_string(), "模板第 2 行的“{{”没有对应的“}}”");
    }

    #[test]
    fn values_are_not_read_as_template_text() {
        let mut values = all_values();
        values.insert("unit", "{{contact}}<b>".to_string());
        assert_eq!(fill("{{unit}}", &values).unwrap(), "{{contact}}<b>");
    }

    #[test]
    fn text_without_placeholders_is_kept_as_is() {
        assert_eq!(
            fill("无占位符 } }}", &BTreeMap::new()).unwrap(),
            "无占位符 } }}"
        );
        assert_eq!(check_template(DEFAULT_NOTICE_TEMPLATE), Ok(()));
    }

    #[test]
    fn dates_have_no_leading_zeros() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(chinese_date(date(2025, 10, 15)), "2025年10月15日");
        assert_eq!(chinese_date(date(2025, 1, 5)), "2025年1月5日");
        assert_eq!(chinese_date(date(2024, 2, 29)), "2024年2月29日");
    }
}
