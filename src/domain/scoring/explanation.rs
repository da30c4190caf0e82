//! The written account of how a grade was reached, line by line, so a handler or a leader can
//! check a score by hand. Lines carry facts; `Display` writes the Chinese sentence.

use crate::domain::rubric::{NotApplicablePolicy, Points};
use std::fmt;

/// Every step from the answers to the grade, in the order they were applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    pub lines: Vec<ExplanationLine>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, line) in self.lines.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{line}")?;
        }
        Ok(())
    }
}

/// One step of an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplanationLine {
    /// Points taken off an item, with how they were computed.
    Deduction {
        item: String,
        text: String,
        points: Points,
        how: DeductionHow,
        reason: String,
        pages: crate::domain::citation::Citation,
    },
    /// An item marked 不适用 and what its policy did.
    NotApplicable {
        item: String,
        text: String,
        policy: NotApplicablePolicy,
        max: Points,
    },
    /// The sum before any rescaling.
    Sum {
        possible: Points,
        deducted: Points,
        earned: Points,
    },
    /// Earned points scaled to the 100-point scale, rounded half up to a tenth.
    Rescaled {
        earned: Points,
        possible: Points,
        total: Points,
    },
    /// A triggered 一票否决 item.
    Veto {
        code: String,
        text: String,
        reason: String,
        pages: crate::domain::citation::Citation,
    },
    /// The grade came from a veto, whatever the points.
    GradeByVeto { grade: String },
    /// The grade came from the band holding the total.
    GradeByBand {
        total: Points,
        grade: String,
        min: Points,
        max: Points,
    },
    /// An indicator's grade.
    Indicator {
        code: String,
        title: String,
        key: bool,
        grade: String,
        reason: String,
        pages: crate::domain::citation::Citation,
    },
    /// An indicator marked 不适用, left out of every rule's counts.
    IndicatorNotApplicable { code: String, title: String },
    /// A rule whose conditions held, bounding the overall grade.
    RuleApplied {
        text: String,
        at_most: bool,
        grade: String,
    },
    /// The grades the rules left open.
    GradeRange { best: String, worst: String },
    /// The overall grade the reviewer chose within that range.
    GradeChosen { grade: String },
}

/// How a deduction's points were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeductionHow {
    Fixed,
    PerOccurrence {
        count: u32,
        each: Points,
        capped: Option<Points>,
    },
    Free,
}

fn page_note(pages: &crate::domain::citation::Citation) -> String {
    if pages.is_empty() {
        String::new()
    } else {
        format!("（卷宗{pages}）")
    }
}

impl fmt::Display for ExplanationLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ExplanationLine as L;
        match self {
            L::Deduction {
                item,
                text,
                points,
                how,
                reason,
                pages,
            } => {
                write!(f, "{item} {text}：扣 {points} 分")?;
                match how {
                    DeductionHow::Fixed => f.write_str("（固定扣分）")?,
                    DeductionHow::Free => f.write_str("（酌情扣分）")?,
                    DeductionHow::PerOccurrence {
                        count,
                        each,
                        capped: None,
                    } => write!(f, "（{count} 处 × 每处 {each} 分）")?,
                    DeductionHow::PerOccurrence {
                        count,
                        each,
                        capped: Some(cap),
                    } => write!(f, "（{count} 处 × 每处 {each} 分，以封顶 {cap} 分计）")?,
                }
                write!(f, "。理由：{reason}{}", page_note(pages))
            }
            L::NotApplicable {
                item,
                text,
                policy,
                max,
            } => match policy {
                NotApplicablePolicy::FullMarks => {
                    write!(f, "{item} {text}：不适用，按满分 {max} 分计")
                }
                _ => write!(f, "{item} {text}：不适用，该项 {max} 分不计入满分"),
            },
            L::Sum {
                possible,
                deducted,
                earned,
            } => write!(
                f,
                "适用项目满分 {possible} 分，共扣 {deducted} 分，得 {earned} 分"
            ),
            L::Rescaled {
                earned,
                possible,
                total,
            } => write!(
                f,
                "折算为百分制：{earned} ÷ {possible} × 100 = {total} 分（四舍五入保留一位小数）"
            ),
            L::Veto {
                code,
                text,
                reason,
                pages,
            } => write!(
                f,
                "一票否决 {code} {text}。理由：{reason}{}",
                page_note(pages)
            ),
            L::GradeByVeto { grade } => write!(f, "因触发一票否决，不论得分，等次为{grade}"),
            L::GradeByBand {
                total,
                grade,
                min,
                max,
            } => write!(
                f,
                "总分 {total} 分，在“{grade}”区间（{min} 至 {max} 分）内，等次为{grade}"
            ),
            L::Indicator {
                code,
                title,
                key,
                grade,
                reason,
                pages,
            } => {
                let key_note = if *key { "（关键指标）" } else { "" };
                write!(f, "{code} {title}{key_note}：评为“{grade}”")?;
                if !reason.trim().is_empty() {
                    write!(f, "。理由：{reason}{}", page_note(pages))?;
                }
                Ok(())
            }
            L::IndicatorNotApplicable { code, title } => {
                write!(f, "{code} {title}：不适用，不参与等次规则计数")
            }
            L::RuleApplied {
                text,
                at_most,
                grade,
            } => {
                let bound = if *at_most { "不高于" } else { "不低于" };
                write!(f, "适用规则：{text}（总体等次{bound}{grade}）")
            }
            L::GradeRange { best, worst } if best == worst => {
                write!(f, "按上述规则，总体等次只能为{best}")
            }
            L::GradeRange { best, worst } => {
                write!(f, "按上述规则，总体等次可在{best}至{worst}之间评定")
            }
            L::GradeChosen { grade } => write!(f, "评查员评定总体等次为{grade}"),
        }
    }
}
