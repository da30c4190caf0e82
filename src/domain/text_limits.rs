//! How long every stored text may be and which characters it may hold, in one table.
//!
//! Every text a person types, imports or uploads ends up in a table column, a page, a PDF and
//! an export. Unbounded text can break all of those (a 2,000-character finding once made the
//! feedback report lay out forever; a 1 MB round name was accepted), and a NUL byte is refused by
//! PostgreSQL but stored by SQLite. So each field states here its maximum length in characters
//! (not bytes: a clerk counts 字) and whether it may span lines, and [`TextField::check`] is the
//! one check every path calls: pages, the JSON API, imports, rubric files, offline packets and
//! the CLI.
//!
//! Rules, the same for every field:
//! - The length is counted in Unicode characters after trimming surrounding whitespace, which
//!   every form drops before storing.
//! - No control character (U+0000–U+001F, U+007F) anywhere, NUL included; a multi-line field
//!   also accepts line feed, carriage return and tab.
//! - The limits stay well inside what one table row of a PDF page can hold, so that no single
//!   text can fill more than a page.

use std::fmt;

/// A stored text field. The list covers every column a person's words reach; texts the system
/// writes itself (audit entries, notifications, JSON snapshots) are not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    // Rounds and bureau settings.
    RoundName,
    BureauName,
    BureauContact,
    DocPrefix,
    // Units, people and accounts.
    UnitCode,
    UnitName,
    PersonName,
    LawFirmName,
    Phone,
    Login,
    DisplayName,
    Password,
    // Rubric files.
    RubricId,
    RubricTitle,
    RubricVersion,
    RubricCode,
    RubricSectionTitle,
    RubricIndicatorTitle,
    RubricItemText,
    RubricGuidance,
    RubricLabel,
    RubricRuleText,
    // Case registry.
    CaseNo,
    Recipient,
    Handler,
    Firm,
    SubType,
    Cause,
    // Score sheets.
    DeductionReason,
    ReturnComment,
    ReopenReason,
    // Findings and rectification.
    FindingReason,
    PageRef,
    Measures,
    RectificationReport,
    FollowUpNote,
    TransitionComment,
    // Double review and objections.
    ReconciliationReason,
    ObjectionReason,
    DecisionReason,
    // Teams.
    AssignmentNote,
    // Uploaded files.
    FileName,
}

/// The rule of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The field's name as the forms show it; messages quote it.
    pub label: &'static str,
    /// Longest accepted text, in characters.
    pub max_chars: usize,
    /// Whether line breaks and tabs are accepted.
    pub multiline: bool,
}

const fn line(label: &'static str, max_chars: usize) -> Limit {
    Limit {
        label,
        max_chars,
        multiline: false,
    }
}

const fn lines(label: &'static str, max_chars: usize) -> Limit {
    Limit {
        label,
        max_chars,
        multiline: true,
    }
}

impl TextField {
    /// Every field, for the table in tests and documentation.
    pub const ALL: [TextField; 42] = [
        TextField::RoundName,
        TextField::BureauName,
        TextField::BureauContact,
        TextField::DocPrefix,
        TextField::UnitCode,
        TextField::UnitName,
        TextField::PersonName,
        TextField::LawFirmName,
        TextField::Phone,
        TextField::Login,
        TextField::DisplayName,
        TextField::Password,
        TextField::RubricId,
        TextField::RubricTitle,
        TextField::RubricVersion,
        TextField::RubricCode,
        TextField::RubricSectionTitle,
        TextField::RubricIndicatorTitle,
        TextField::RubricItemText,
        TextField::RubricGuidance,
        TextField::RubricLabel,
        TextField::RubricRuleText,
        TextField::CaseNo,
        TextField::Recipient,
        TextField::Handler,
        TextField::Firm,
        TextField::SubType,
        TextField::Cause,
        TextField::DeductionReason,
        TextField::ReturnComment,
        TextField::ReopenReason,
        TextField::FindingReason,
        TextField::PageRef,
        TextField::Measures,
        TextField::RectificationReport,
        TextField::FollowUpNote,
        TextField::TransitionComment,
        TextField::ReconciliationReason,
        TextField::ObjectionReason,
        TextField::DecisionReason,
        TextField::AssignmentNote,
        TextField::FileName,
    ];

    /// The table: label, maximum length and whether the field spans lines.
    pub const fn limit(self) -> Limit {
        use TextField as F;
        match self {
            F::RoundName => line("轮次名称", 100),
            F::BureauName => line("发文机关名称", 50),
            F::BureauContact => line("联系方式", 100),
            F::DocPrefix => line("发文机关代字", 20),
            F::UnitCode => line("单位代码", 32),
            F::UnitName => line("单位名称", 50),
            F::PersonName => line("评查员姓名", 50),
            F::LawFirmName => line("律师事务所", 100),
            F::Phone => line("联系电话", 30),
            F::Login => line("用户名", 32),
            F::DisplayName => line("姓名", 50),
            F::Password => line("密码", 128),
            F::RubricId => line("评分标准标识", 64),
            F::RubricTitle => line("评分标准名称", 100),
            F::RubricVersion => line("评分标准版本", 50),
            F::RubricCode => line("编码", 20),
            F::RubricSectionTitle => line("分区标题", 100),
            F::RubricIndicatorTitle => line("指标名称", 100),
            F::RubricItemText => lines("评查项目内容", 500),
            F::RubricGuidance => lines("评查要点", 1000),
            F::RubricLabel => line("等次或等级名称", 20),
            F::RubricRuleText => lines("评定规则说明", 500),
            F::CaseNo => line("案号", 64),
            F::Recipient => line("受援人", 50),
            F::Handler => line("承办人", 50),
            F::Firm => line("承办机构", 100),
            F::SubType => line("案件子类", 50),
            F::Cause => line("案由", 200),
            F::DeductionReason => lines("扣分理由", 2000),
            F::ReturnComment => lines("退回意见", 1000),
            F::ReopenReason => lines("重新开放原因", 1000),
            F::FindingReason => lines("问题描述", 2000),
            F::PageRef => line("卷宗页码", 50),
            F::Measures => lines("整改措施", 2000),
            F::RectificationReport => lines("整改报告", 10000),
            F::FollowUpNote => lines("复查意见", 2000),
            F::TransitionComment => lines("意见", 2000),
            F::ReconciliationReason => lines("合议意见", 2000),
            F::ObjectionReason => lines("异议理由", 2000),
            F::DecisionReason => lines("裁决理由", 2000),
            F::AssignmentNote => lines("分组说明", 500),
            F::FileName => line("文件名", 200),
        }
    }

    pub const fn label(self) -> &'static str {
        self.limit().label
    }

    pub const fn max_chars(self) -> usize {
        self.limit().max_chars
    }

    /// Checks a value as it will be stored (after trimming).
    pub fn check(self, value: &str) -> Result<(), TextError> {
        let limit = self.limit();
        for (index, character) in value.trim().chars().enumerate() {
            let allowed_break = limit.multiline && matches!(character, '\n' | '\r' | '\t');
            if is_control(character) && !allowed_break {
                return Err(TextError::ControlCharacter {
                    field: self,
                    position: index + 1,
                    code: u32::from(character),
                });
            }
        }
        let length = value.trim().chars().count();
        if length > limit.max_chars {
            return Err(TextError::TooLong {
                field: self,
                length,
            });
        }
        Ok(())
    }

    /// As [`TextField::check`] for an optional value.
    pub fn check_optional(self, value: Option<&str>) -> Result<(), TextError> {
        value.map_or(Ok(()), |value| self.check(value))
    }
}

/// C0 controls and DEL.
fn is_control(character: char) -> bool {
    matches!(character, '\u{0}'..='\u{1f}' | '\u{7f}')
}

/// Checks several fields, giving the first problem.
pub fn check_all<'a>(
    fields: impl IntoIterator<Item = (TextField, &'a str)>,
) -> Result<(), TextError> {
    fields
        .into_iter()
        .try_for_each(|(field, value)| field.check(value))
}

/// Why a text is refused. `Display` is the sentence the user reads, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    TooLong {
        field: TextField,
        length: usize,
    },
    ControlCharacter {
        field: TextField,
        /// 1-based character position in the trimmed text.
        position: usize,
        code: u32,
    },
}

impl TextError {
    pub fn field(&self) -> TextField {
        match self {
            TextError::TooLong { field, .. } | TextError::ControlCharacter { field, .. } => *field,
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::TooLong { field, length } => write!(
                f,
                "「{}」不能超过 {} 个字（现有 {length} 个字）",
                field.label(),
                field.max_chars()
            ),
            TextError::ControlCharacter {
                field,
                position,
                code,
            } => {
                let what = if *code == 0 {
                    "空字符（NUL）".to_string()
                } else if matches!(*code, 0x0a | 0x0d | 0x09) {
                    "换行或制表符".to_string()
                } else {
                    format!("控制字符（U+{code:04X}）")
                };
                write!(
                    f,
                    "「{}」第 {position} 个字是不可见的{what}，不能保存，请删去后重试",
                    field.label()
                )
            }
        }
    }
}

impl std::error::Error for TextError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn message_names_the_field_and_both_lengths() {
        let text = "字".repeat(2001);
        let error = TextField::FindingReason.check(&text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "「问题描述」不能超过 2000 个字（现有 2001 个字）"
        );
        assert!(TextField::FindingReason.check(&"字".repeat(2000)).is_ok());
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        assert!(TextField::RoundName.check(&"季".repeat(100)).is_ok());
        assert!(TextField::RoundName.check(&"a".repeat(101)).is_err());
    }

    #[test]
    fn surrounding_whitespace_is_not_counted() {
        let padded = format!("  {}  \n", "a".repeat(100));
        assert!(TextField::RoundName.check(&padded).is_ok());
    }

    #[test]
    fn nul_is_refused_everywhere() {
        for field in TextField::ALL {
            let error = field.check("a\u{0}b").unwrap_err();
            assert!(error.to_string().contains("空字符（NUL）"), "{field:?}");
            assert!(error.to_string().contains(field.label()));
            assert!(matches!(
                error,
                TextError::ControlCharacter { position: 2, .. }
            ));
        }
    }

    #[test]
    fn line_breaks_only_in_multiline_fields() {
        assert!(
            TextField::FindingReason
                .check("第一行\n第二行\r\n\t第三行")
                .is_ok()
        );
        let error = TextField::RoundName.check("第一\n季度").unwrap_err();
        assert!(error.to_string().contains("换行"));
        assert!(TextField::FindingReason.check("响\u{7}铃").is_err());
        assert!(TextField::FindingReason.check("删\u{7f}除").is_err());
    }

    #[test]
    fn every_field_has_a_label_and_a_sane_limit() {
        let mut labels = std::collections::HashSet::new();
        for field in TextField::ALL {
            let limit = field.limit();
            assert!(!limit.label.is_empty());
            assert!(labels.insert(limit.label), "label twice: {}", limit.label);
            assert!((20..=10_000).contains(&limit.max_chars), "{field:?}");
        }
    }

    proptest! {
        /// Printable text is accepted exactly up to the limit, whatever its script.
        #[test]
        fn printable_text_accepted_up_to_the_limit(
            index in 0..TextField::ALL.len(),
            text in "[a-z0-9一-龥，。（）]{0,300}",
            extra in 0usize..3,
        ) {
            let field = TextField::ALL[index];
            let max = field.max_chars();
            let exact: String = text.chars().cycle().take(if text.is_empty() { 0 } else { max }).collect();
            prop_assert!(field.check(&exact).is_ok());
            if !text.is_empty() {
                let over: String = text.chars().cycle().take(max + 1 + extra).collect();
                let error = field.check(&over).unwrap_err();
                prop_assert_eq!(error, TextError::TooLong { field, length: max + 1 + extra });
            }
        }

        /// No text holding a control character other than a line break passes any field.
        #[test]
        fn control_characters_never_pass(
            index in 0..TextField::ALL.len(),
            before in "[a-z一-龥]{1,20}",
            control in prop_oneof![0u32..9, 11u32..13, 14u32..32, Just(127u32)],
            after in "[a-z一-龥]{1,20}",
        ) {
            let field = TextField::ALL[index];
            let control = char::from_u32(control).unwrap();
            let text = format!("{before}{control}{after}");
            let refused = matches!(
                field.check(&text),
                Err(TextError::ControlCharacter { .. })
            );
            prop_assert!(refused);
        }
    }
}
