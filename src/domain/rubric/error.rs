//! Everything that can be wrong in a rubric file, said so that a clerk can find and fix it:
//! each error names the file, the line and the item.

use super::points::Points;
use crate::domain::text_limits::{TextError, TextField};
use std::fmt;

/// One mistake in a rubric file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricError {
    /// The file name as given to [`super::parse_rubric`].
    pub file: String,
    /// 1-based line of the key or table at fault, when one can be pointed at.
    pub line: Option<usize>,
    /// Code of the section, item, veto or indicator at fault.
    pub item: Option<String>,
    pub kind: RubricErrorKind,
}

impl fmt::Display for RubricError {
    /// `criminal.toml 第42行 项目 C3：扣分 5 分超过该项满分 3 分`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " 第{line}行")?;
        }
        if let Some(item) = &self.item {
            write!(f, " {} {item}", self.kind.subject())?;
        }
        write!(f, "：{}", self.kind)
    }
}

impl std::error::Error for RubricError {}

/// All mistakes found in one or more files, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubricErrors(pub Vec<RubricError>);

impl RubricErrors {
    /// The mistakes, one per line when printed.
    pub fn errors(&self) -> &[RubricError] {
        &self.0
    }
}

impl fmt::Display for RubricErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RubricErrors {}

impl From<RubricErrors> for Vec<RubricError> {
    fn from(errors: RubricErrors) -> Self {
        errors.0
    }
}

/// The kind of mistake, as facts; `Display` gives the Chinese sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RubricErrorKind {
    /// Not valid TOML at all (unclosed quote, missing `=` …); carries the parser's message.
    Syntax { message: String },
    /// A key the format does not know, usually a typo.
    UnknownKey { key: String },
    /// A key the format requires is absent.
    MissingKey { key: String },
    /// A value of the wrong type (text where a number is expected …).
    WrongType { detail: String },
    /// A required text is empty.
    EmptyText { key: String },
    /// A text over its length limit or holding a control character; `section` is the
    /// section an item belongs to.
    Text {
        key: String,
        section: Option<String>,
        error: TextError,
    },
    /// A value outside the allowed list, e.g. `method = "points"`.
    UnknownValue {
        key: String,
        value: String,
        allowed: String,
    },
    /// A number with more than one decimal place, or not above zero where it must be.
    BadPoints { key: String, value: String },
    /// A key that means nothing for this method or rule.
    KeyNotAllowed { key: String, reason: String },
    /// The rubric lists no case type.
    NoCaseTypes,
    /// A deduction rubric without sections, or an indicator rubric without indicators.
    NothingToScore,
    /// A section with no items.
    EmptySection,
    /// Section maxima do not add up to 100.
    SectionsTotal { sum: Points },
    /// Item maxima in a section differ from the section maximum.
    SectionItemsSum { sum: Points, max: Points },
    /// A fixed or per-occurrence deduction larger than the item.
    DeductionExceedsItem { deduction: Points, max: Points },
    /// A per-occurrence cap larger than the item.
    CapExceedsItem { cap: Points, max: Points },
    /// A per-occurrence deduction larger than its cap.
    DeductionExceedsCap { deduction: Points, cap: Points },
    /// A code already used on an earlier line.
    DuplicateCode { code: String, first_line: usize },
    /// Two grade bands share points.
    BandOverlap {
        first: String,
        second: String,
        at: Points,
    },
    /// Points between two bands belong to neither.
    BandGap { from: Points, to: Points },
    /// Bands must reach down to 0 and up to 100.
    BandEnds { lowest: Points, highest: Points },
    /// A band whose minimum is above its maximum, or outside 0..=100.
    BandRange { min: Points, max: Points },
    /// Fewer than two grades (a file must be able to fail and to pass).
    TooFewGrades,
    /// The lowest grade is not a failing one, so a veto could not fail the file.
    LowestGradeNotFailing { name: String },
    /// A better grade mapped to a worse standard level than the one below it.
    LevelsOutOfOrder { name: String },
    /// A grade name used twice.
    DuplicateGrade { name: String },
    /// A band whose name is not one of 优秀/良好/合格/不合格 and that gives no `level`.
    LevelRequired { name: String },
    /// A rule names an indicator that is not defined.
    UnknownIndicator { code: String },
    /// A rule names an indicator grade or overall grade that is not defined.
    UnknownGrade { name: String, allowed: String },
    /// A count larger than the number of indicators can never be met.
    CountTooLarge { count: usize, indicators: usize },
    /// A rule must say exactly one of `at_most` / `at_least`.
    RuleEffect,
    /// A rule without any condition would always apply.
    RuleWithoutCondition,
    /// The file could not be read at all.
    Unreadable { detail: String },
    /// Two files in one folder use the same rubric id.
    DuplicateRubricId { id: String, other_file: String },
}

impl RubricErrorKind {
    /// What the coded thing at fault is called in the message: a section or an item.
    pub fn subject(&self) -> &'static str {
        match self {
            RubricErrorKind::EmptySection | RubricErrorKind::SectionItemsSum { .. } => "分区",
            RubricErrorKind::Text { error, .. }
                if error.field() == TextField::RubricSectionTitle =>
            {
                "分区"
            }
            _ => "项目",
        }
    }
}

impl fmt::Display for RubricErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RubricErrorKind as K;
        match self {
            K::Syntax { message } => {
                write!(f, "TOML 格式错误（{message}），请检查引号、等号和方括号")
            }
            K::UnknownKey { key } => {
                write!(f, "未知的键“{key}”，请检查拼写（可用的键见 README.md）")
            }
            K::MissingKey { key } => write!(f, "缺少必填的键“{key}”"),
            K::WrongType { detail } => write!(f, "取值类型不正确（{detail}）"),
            K::EmptyText { key } => write!(f, "“{key}”不能为空"),
            K::Text {
                key,
                section: Some(section),
                error,
            } => write!(f, "（分区 {section}，键“{key}”）{error}"),
            K::Text {
                key,
                section: None,
                error,
            } => write!(f, "（键“{key}”）{error}"),
            K::UnknownValue {
                key,
                value,
                allowed,
            } => write!(f, "“{key}”的取值“{value}”无效，可选：{allowed}"),
            K::BadPoints { key, value } => {
                write!(f, "“{key}”的分值 {value} 无效：应大于 0，最多保留一位小数")
            }
            K::KeyNotAllowed { key, reason } => write!(f, "不应填写“{key}”：{reason}"),
            K::NoCaseTypes => f.write_str("“case_types”至少要填写一个案件类别（刑事、民事、行政）"),
            K::NothingToScore => f.write_str("评分标准没有任何评分分区或单项指标"),
            K::EmptySection => f.write_str("该分区没有任何评查项目"),
            K::SectionsTotal { sum } => write!(f, "各分区满分合计 {sum} 分，应为 100 分"),
            K::SectionItemsSum { sum, max } if sum > max => {
                write!(f, "分区内各项目满分合计 {sum} 分，超过该分区满分 {max} 分")
            }
            K::SectionItemsSum { sum, max } => {
                write!(f, "分区内各项目满分合计 {sum} 分，不足该分区满分 {max} 分")
            }
            K::DeductionExceedsItem { deduction, max } => {
                write!(f, "扣分 {deduction} 分超过该项满分 {max} 分")
            }
            K::CapExceedsItem { cap, max } => write!(f, "封顶扣分 {cap} 分超过该项满分 {max} 分"),
            K::DeductionExceedsCap { deduction, cap } => {
                write!(f, "每处扣分 {deduction} 分超过封顶扣分 {cap} 分")
            }
            K::DuplicateCode { code, first_line } => {
                write!(f, "编码“{code}”重复，第{first_line}行已经使用")
            }
            K::BandOverlap { first, second, at } => {
                write!(f, "等次“{first}”与“{second}”在 {at} 分处重叠")
            }
            K::BandGap { from, to } => {
                write!(f, "等次区间有空缺：{from} 分至 {to} 分不属于任何等次")
            }
            K::BandEnds { lowest, highest } => write!(
                f,
                "等次区间应覆盖 0 至 100 分，现为 {lowest} 至 {highest} 分"
            ),
            K::BandRange { min, max } => {
                write!(
                    f,
                    "等次区间 {min} 至 {max} 分无效：应在 0 至 100 分之间且下限不高于上限"
                )
            }
            K::TooFewGrades => f.write_str("至少要有两个等次（含一个不合格等次）"),
            K::LowestGradeNotFailing { name } => write!(
                f,
                "最低等次“{name}”必须是不合格等次（level = \"fail\"），否则一票否决无法生效"
            ),
            K::LevelsOutOfOrder { name } => {
                write!(f, "等次“{name}”的 level 与上下等次的顺序不符")
            }
            K::DuplicateGrade { name } => write!(f, "等次名称“{name}”重复"),
            K::LevelRequired { name } => write!(
                f,
                "等次“{name}”不是优秀、良好、合格、不合格之一，须填写 level"
            ),
            K::UnknownIndicator { code } => write!(f, "规则引用了不存在的指标“{code}”"),
            K::UnknownGrade { name, allowed } => {
                write!(f, "规则引用了不存在的等级“{name}”，可选：{allowed}")
            }
            K::CountTooLarge { count, indicators } => write!(
                f,
                "规则要求 {count} 项指标，但评分标准只有 {indicators} 项指标"
            ),
            K::RuleEffect => {
                f.write_str("规则必须且只能填写 at_most（不高于）或 at_least（不低于）之一")
            }
            K::RuleWithoutCondition => f.write_str("规则没有任何条件，至少要填写一个条件"),
            K::Unreadable { detail } => write!(f, "无法读取文件（{detail}）"),
            K::DuplicateRubricId { id, other_file } => {
                write!(f, "评分标准编号 id = \"{id}\" 与 {other_file} 重复")
            }
        }
    }
}
