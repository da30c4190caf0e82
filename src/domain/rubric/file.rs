//! The shape of a rubric file as the bureau writes it (TOML, see scoring-rubrics/README.md),
//! and its conversion into the checked [`Rubric`]. Every check runs and every mistake is
//! reported with its line, so a clerk fixes a file in one pass.

use super::error::{RubricError, RubricErrorKind};
use super::model::{
    Band, Condition, DeductionRule, DeductionScheme, Grade, GradeLevel, GradeRule, Indicator,
    IndicatorScheme, Item, Method, NotApplicablePolicy, Rubric, RuleEffect, Section, Veto,
};
use super::points::Points;
use crate::domain::CaseType;
use crate::domain::text_limits::TextField;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// A whole rubric file. Unknown keys are refused so a misspelt key is never silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricFile {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub version: Spanned<String>,
    pub case_types: Spanned<Vec<Spanned<String>>>,
    pub sub_types: Option<Vec<Spanned<String>>>,
    /// `deduction` (百分制扣分) or `indicator` (单项指标等级制).
    pub method: Spanned<String>,
    /// Default 不适用 policy for items that do not set their own.
    pub not_applicable: Option<Spanned<String>>,
    pub grades: Option<Vec<Spanned<GradeFile>>>,
    pub sections: Option<Vec<Spanned<SectionFile>>>,
    pub vetoes: Option<Vec<Spanned<VetoFile>>>,
    pub indicator_scale: Option<Spanned<Vec<Spanned<String>>>>,
    pub indicators: Option<Vec<Spanned<IndicatorFile>>>,
    pub rules: Option<Vec<Spanned<RuleFile>>>,
}

/// `[[grades]]`: a band (deduction method, with `min`/`max`) or an overall grade (indicator
/// method, without).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeFile {
    pub name: Spanned<String>,
    pub level: Option<Spanned<String>>,
    pub min: Option<Spanned<f64>>,
    pub max: Option<Spanned<f64>>,
}

/// `[[sections]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFile {
    pub code: Spanned<String>,
    pub title: Spanned<String>,
    pub max: Spanned<f64>,
    pub items: Option<Vec<Spanned<ItemFile>>>,
}

/// `[[sections.items]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFile {
    pub code: Spanned<String>,
    pub text: Spanned<String>,
    pub guidance: Spanned<String>,
    pub max: Spanned<f64>,
    /// `fixed`, `per_occurrence` or `free`.
    pub rule: Spanned<String>,
    pub deduct: Option<Spanned<f64>>,
    pub cap: Option<Spanned<f64>>,
    pub not_applicable: Option<Spanned<String>>,
}

/// `[[vetoes]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetoFile {
    pub code: Spanned<String>,
    pub text: Spanned<String>,
    pub guidance: Spanned<String>,
}

/// `[[indicators]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorFile {
    pub code: Spanned<String>,
    pub title: Spanned<String>,
    pub guidance: Spanned<String>,
    #[serde(default)]
    pub key: bool,
    #[serde(default)]
    pub allow_not_applicable: bool,
}

/// `[[rules]]`: conditions (all must hold) and one effect.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub text: Spanned<String>,
    pub at_most: Option<Spanned<String>>,
    pub at_least: Option<Spanned<String>>,
    pub any_key_at_or_below: Option<Spanned<String>>,
    pub any_at_or_below: Option<Spanned<String>>,
    pub all_key_at_or_above: Option<Spanned<String>>,
    pub all_at_or_above: Option<Spanned<String>>,
    pub count_at_or_above: Option<Spanned<CountFile>>,
    pub count_at_or_below: Option<Spanned<CountFile>>,
    pub indicator_at_or_below: Option<Spanned<IndicatorGradeFile>>,
}

/// `{ grade = "优", count = 6 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountFile {
    pub grade: Spanned<String>,
    pub count: Spanned<i64>,
}

/// `{ indicator = "Z5", grade = "差" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorGradeFile {
    pub indicator: Spanned<String>,
    pub grade: Spanned<String>,
}

/// A parsed file with what is needed to report its mistakes and keep its text.
pub struct RubricSource<'a> {
    pub file_name: &'a str,
    pub text: &'a str,
    pub file: RubricFile,
}

impl TryFrom<RubricSource<'_>> for Rubric {
    type Error = Vec<RubricError>;

    fn try_from(source: RubricSource<'_>) -> Result<Rubric, Vec<RubricError>> {
        let mut check = Checker {
            file: source.file_name,
            text: source.text,
            errors: Vec::new(),
            codes: HashMap::new(),
            section: None,
        };
        let rubric = check.rubric(source.file);
        let mut errors = check.errors;
        if errors.is_empty() {
            return Ok(rubric);
        }
        errors.sort_by_key(|error| error.line);
        Err(errors)
    }
}

/// Turns a TOML or shape error (the parser stops at the first one) into a clerk's sentence.
pub fn toml_error(file_name: &str, text: &str, error: &toml::de::Error) -> RubricError {
    let message = error.message();
    let line = error.span().map(|span| line_of(text, span.start));
    let kind = if let Some(key) = quoted_after(message, "unknown field `") {
        RubricErrorKind::UnknownKey { key }
    } else if let Some(key) = quoted_after(message, "missing field `") {
        RubricErrorKind::MissingKey { key }
    } else if let Some(detail) = message.strip_prefix("invalid type: ") {
        RubricErrorKind::WrongType {
            detail: type_detail(detail),
        }
    } else {
        RubricErrorKind::Syntax {
            message: message.trim().to_string(),
        }
    };
    RubricError {
        file: file_name.to_string(),
        line,
        item: line.and_then(|line| enclosing_code(text, line)),
        kind,
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |head| head.iter().filter(|byte| **byte == b'\n').count())
        + 1
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_string)
}

/// "string \"x\", expected f64" -> "应填写数字，实际填写的是带英文双引号的文字".
fn type_detail(detail: &str) -> String {
    let Some((found, expected)) = detail.split_once(", expected ") else {
        return detail.to_string();
    };
    let describe = |text: &str| {
        let kinds = [
            ("f64", "数字"),
            ("integer", "整数"),
            ("i64", "整数"),
            ("float", "数字"),
            ("string", "带英文双引号的文字"),
            ("boolean", "布尔值（true 或 false）"),
            ("a boolean", "布尔值（true 或 false）"),
            ("sequence", "方括号列表 [...]"),
            ("a sequence", "方括号列表 [...]"),
            ("map", "表"),
            ("struct", "表"),
        ];
        kinds
            .iter()
            .find(|(english, _)| text.starts_with(english))
            .map_or_else(|| text.to_string(), |(_, chinese)| (*chinese).to_string())
    };
    let expected = expected.trim_start_matches("a ").trim_start_matches("an ");
    format!(
        "应填写{}，实际填写的是{}",
        describe(expected),
        describe(found)
    )
}

/// The `code = "…"` of the table (section, item, veto, indicator) holding a line, found in
/// the raw text because a shape error stops the parser before any code is known.
fn enclosing_code(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_header = |raw: &&str| raw.trim_start().starts_with('[');
    let upto = lines.get(..line.min(lines.len()))?;
    let header = upto.iter().rposition(&is_header)?;
    let header_text = lines.get(header)?.trim();
    let coded = [
        "[[sections]]",
        "[[sections.items]]",
        "[[vetoes]]",
        "[[indicators]]",
    ];
    if !coded.iter().any(|known| header_text.starts_with(known)) {
        return None;
    }
    lines
        .iter()
        .skip(header + 1)
        .take_while(|raw| !is_header(raw))
        .find_map(|raw| {
            let (key, value) = raw.split_once('=')?;
            (key.trim() == "code").then(|| value.trim().trim_matches(['"', '\'']).to_string())
        })
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<RubricError>,
    /// Code -> line of first use, across sections, items, vetoes and indicators.
    codes: HashMap<String, usize>,
    /// Code of the section being read, so a message about an item names its section too.
    section: Option<String>,
}

const METHODS: &str = "deduction（百分制扣分）、indicator（单项指标等级制）";
const NA_POLICIES: &str = "not_allowed（不得不适用）、rescale（折算）、full_marks（按满分计）";
const RULES: &str = "fixed（固定扣分）、per_occurrence（按处扣分）、free（酌情扣分）";
const LEVELS: &str = "excellent/优秀、good/良好、pass/合格、fail/不合格";

impl Checker<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        line_of(self.text, span.start)
    }

    fn report(&mut self, span: Range<usize>, item: Option<&str>, kind: RubricErrorKind) {
        let line = self.line(span);
        self.errors.push(RubricError {
            file: self.file.to_string(),
            line: Some(line),
            item: item.map(str::to_string),
            kind,
        });
    }

    /// A required text, checked against its field's limit in [`TextField`].
    fn text(
        &mut self,
        key: &str,
        field: TextField,
        value: Spanned<String>,
        item: Option<&str>,
    ) -> String {
        let span = value.span();
        let text = value.into_inner().trim().to_string();
        if text.is_empty() {
            let key = key.to_string();
            self.report(span, item, RubricErrorKind::EmptyText { key });
        } else if let Err(error) = field.check(&text) {
            let kind = RubricErrorKind::Text {
                key: key.to_string(),
                section: self.section.clone(),
                error,
            };
            self.report(span, item, kind);
        }
        text
    }

    /// A code, checked for emptiness and uniqueness across the rubric.
    fn code(&mut self, value: Spanned<String>) -> String {
        let span = value.span();
        let line = self.line(span.clone());
        let code = self.text("code", TextField::RubricCode, value, None);
        if code.is_empty() {
            return code;
        }
        match self.codes.get(&code) {
            Some(first_line) => {
                let kind = RubricErrorKind::DuplicateCode {
                    code: code.clone(),
                    first_line: *first_line,
                };
                self.report(span, Some(&code), kind);
            }
            None => {
                self.codes.insert(code.clone(), line);
            }
        }
        code
    }

    /// A positive amount of points with at most one decimal place.
    fn points(&mut self, key: &str, value: &Spanned<f64>, item: Option<&str>) -> Points {
        let raw = *value.get_ref();
        match Points::from_decimal(raw) {
            Some(points) if points > Points::ZERO => points,
            _ => {
                let kind = RubricErrorKind::BadPoints {
                    key: key.to_string(),
                    value: raw.to_string(),
                };
                self.report(value.span(), item, kind);
                Points::ZERO
            }
        }
    }

    /// A band edge: 0 is allowed.
    fn edge(&mut self, key: &str, value: &Spanned<f64>, item: Option<&str>) -> Points {
        let raw = *value.get_ref();
        match Points::from_decimal(raw) {
            Some(points) if points >= Points::ZERO => points,
            _ => {
                let kind = RubricErrorKind::BadPoints {
                    key: key.to_string(),
                    value: raw.to_string(),
                };
                self.report(value.span(), item, kind);
                Points::ZERO
            }
        }
    }

    fn not_allowed(&mut self, key: &str, span: Range<usize>, reason: &str) {
        let kind = RubricErrorKind::KeyNotAllowed {
            key: key.to_string(),
            reason: reason.to_string(),
        };
        self.report(span, None, kind);
    }

    fn rubric(&mut self, file: RubricFile) -> Rubric {
        let id = self.text("id", TextField::RubricId, file.id, None);
        let title = self.text("title", TextField::RubricTitle, file.title, None);
        let version = self.text("version", TextField::RubricVersion, file.version, None);
        let case_types = self.case_types(file.case_types);
        let sub_types = file
            .sub_types
            .unwrap_or_default()
            .into_iter()
            .map(|sub_type| self.text("sub_types", TextField::SubType, sub_type, None))
            .collect();
        let default_policy = match file.not_applicable {
            Some(value) => self.policy(value, None),
            None => NotApplicablePolicy::NotAllowed,
        };
        let method_span = file.method.span();
        let method_name = file.method.into_inner();
        let method = match method_name.trim() {
            "deduction" => {
                let reason = "百分制扣分标准不使用单项指标";
                if let Some(scale) = &file.indicator_scale {
                    self.not_allowed("indicator_scale", scale.span(), reason);
                }
                if let Some(first) = file.indicators.as_ref().and_then(|list| list.first()) {
                    self.not_allowed("indicators", first.span(), reason);
                }
                if let Some(first) = file.rules.as_ref().and_then(|list| list.first()) {
                    self.not_allowed("rules", first.span(), reason);
                }
                let sections = file.sections.unwrap_or_default();
                Method::Deduction(self.deduction(
                    method_span,
                    sections,
                    file.grades,
                    default_policy,
                ))
            }
            "indicator" => {
                if let Some(first) = file.sections.as_ref().and_then(|list| list.first()) {
                    self.not_allowed("sections", first.span(), "单项指标等级制标准不设评分分区");
                }
                Method::Indicator(self.indicator_scheme(
                    method_span,
                    file.indicator_scale,
                    file.indicators.unwrap_or_default(),
                    file.grades,
                    file.rules.unwrap_or_default(),
                ))
            }
            other => {
                let kind = RubricErrorKind::UnknownValue {
                    key: "method".to_string(),
                    value: other.to_string(),
                    allowed: METHODS.to_string(),
                };
                self.report(method_span, None, kind);
                Method::Deduction(DeductionScheme {
                    sections: Vec::new(),
                    bands: Band::defaults(),
                })
            }
        };
        let vetoes = file
            .vetoes
            .unwrap_or_default()
            .into_iter()
            .map(|veto| {
                let veto = veto.into_inner();
                let code = self.code(veto.code);
                let text = self.text("text", TextField::RubricItemText, veto.text, Some(&code));
                let guidance = self.text(
                    "guidance",
                    TextField::RubricGuidance,
                    veto.guidance,
                    Some(&code),
                );
                Veto {
                    code,
                    text,
                    guidance,
                }
            })
            .collect();
        Rubric {
            id,
            title,
            version,
            case_types,
            sub_types,
            vetoes,
            method,
            file_name: self.file.to_string(),
            source: self.text.to_string(),
        }
    }

    fn case_types(&mut self, values: Spanned<Vec<Spanned<String>>>) -> Vec<CaseType> {
        let span = values.span();
        let values = values.into_inner();
        if values.is_empty() {
            self.report(span, None, RubricErrorKind::NoCaseTypes);
        }
        let mut case_types = Vec::new();
        for value in values {
            match value.get_ref().parse::<CaseType>() {
                Ok(case_type) if !case_types.contains(&case_type) => case_types.push(case_type),
                Ok(_) => {}
                Err(_) => {
                    let kind = RubricErrorKind::UnknownValue {
                        key: "case_types".to_string(),
                        value: value.get_ref().clone(),
                        allowed: "刑事、民事、行政".to_string(),
                    };
                    self.report(value.span(), None, kind);
                }
            }
        }
        case_types
    }

    fn policy(&mut self, value: Spanned<String>, item: Option<&str>) -> NotApplicablePolicy {
        let policies = [
            NotApplicablePolicy::NotAllowed,
            NotApplicablePolicy::Rescale,
            NotApplicablePolicy::FullMarks,
        ];
        let text = value.get_ref().trim();
        match policies.into_iter().find(|policy| policy.code() == text) {
            Some(policy) => policy,
            None => {
                let kind = RubricErrorKind::UnknownValue {
                    key: "not_applicable".to_string(),
                    value: text.to_string(),
                    allowed: NA_POLICIES.to_string(),
                };
                self.report(value.span(), item, kind);
                NotApplicablePolicy::NotAllowed
            }
        }
    }

    fn deduction(
        &mut self,
        method_span: Range<usize>,
        sections: Vec<Spanned<SectionFile>>,
        grades: Option<Vec<Spanned<GradeFile>>>,
        default_policy: NotApplicablePolicy,
    ) -> DeductionScheme {
        if sections.is_empty() {
            self.report(method_span.clone(), None, RubricErrorKind::NothingToScore);
        }
        let sections: Vec<Section> = sections
            .into_iter()
            .map(|section| self.section(section, default_policy))
            .collect();
        let sum: Points = sections.iter().map(|section| section.max).sum();
        if !sections.is_empty() && sum != Points::HUNDRED {
            self.report(method_span, None, RubricErrorKind::SectionsTotal { sum });
        }
        let bands = match grades {
            Some(grades) => self.bands(grades),
            None => Band::defaults(),
        };
        DeductionScheme { sections, bands }
    }

    fn section(&mut self, section: Spanned<SectionFile>, policy: NotApplicablePolicy) -> Section {
        let span = section.span();
        let section = section.into_inner();
        let code = self.code(section.code);
        let title = self.text(
            "title",
            TextField::RubricSectionTitle,
            section.title,
            Some(&code),
        );
        self.section = Some(code.clone());
        let max = self.points("max", &section.max, Some(&code));
        let items: Vec<Item> = section
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| self.item(item, policy))
            .collect();
        self.section = None;
        if items.is_empty() {
            self.report(span, Some(&code), RubricErrorKind::EmptySection);
        } else {
            let sum: Points = items.iter().map(|item| item.max).sum();
            if sum != max && max > Points::ZERO {
                self.report(
                    span,
                    Some(&code),
                    RubricErrorKind::SectionItemsSum { sum, max },
                );
            }
        }
        Section {
            code,
            title,
            max,
            items,
        }
    }

    fn item(&mut self, item: Spanned<ItemFile>, default_policy: NotApplicablePolicy) -> Item {
        let span = item.span();
        let item = item.into_inner();
        let code = self.code(item.code);
        let owner = Some(code.as_str());
        let text = self.text("text", TextField::RubricItemText, item.text, owner);
        let guidance = self.text("guidance", TextField::RubricGuidance, item.guidance, owner);
        let max = self.points("max", &item.max, owner);
        let not_applicable = match item.not_applicable {
            Some(value) => self.policy(value, owner),
            None => default_policy,
        };
        let deduct = item
            .deduct
            .as_ref()
            .map(|deduct| (deduct.span(), self.points("deduct", deduct, owner)));
        let cap = item
            .cap
            .as_ref()
            .map(|cap| (cap.span(), self.points("cap", cap, owner)));
        let rule_span = item.rule.span();
        let deduction = match item.rule.get_ref().trim() {
            "fixed" => {
                if let Some((cap_span, _)) = &cap {
                    let kind = RubricErrorKind::KeyNotAllowed {
                        key: "cap".to_string(),
                        reason: "固定扣分项目没有封顶".to_string(),
                    };
                    self.report(cap_span.clone(), owner, kind);
                }
                match deduct {
                    Some((deduct_span, points)) => {
                        self.within_item(deduct_span, owner, points, max);
                        DeductionRule::Fixed { points }
                    }
                    None => {
                        let kind = RubricErrorKind::MissingKey {
                            key: "deduct".to_string(),
                        };
                        self.report(span, owner, kind);
                        DeductionRule::Free
                    }
                }
            }
            "per_occurrence" => {
                let cap_points = match &cap {
                    Some((cap_span, cap_points)) => {
                        if *cap_points > max && max > Points::ZERO {
                            let kind = RubricErrorKind::CapExceedsItem {
                                cap: *cap_points,
                                max,
                            };
                            self.report(cap_span.clone(), owner, kind);
                        }
                        *cap_points
                    }
                    None => max,
                };
                match deduct {
                    Some((deduct_span, points)) => {
                        let fits_item = self.within_item(deduct_span.clone(), owner, points, max);
                        if fits_item && points > cap_points && cap_points > Points::ZERO {
                            let kind = RubricErrorKind::DeductionExceedsCap {
                                deduction: points,
                                cap: cap_points,
                            };
                            self.report(deduct_span, owner, kind);
                        }
                        DeductionRule::PerOccurrence {
                            points,
                            cap: cap_points,
                        }
                    }
                    None => {
                        let kind = RubricErrorKind::MissingKey {
                            key: "deduct".to_string(),
                        };
                        self.report(span, owner, kind);
                        DeductionRule::Free
                    }
                }
            }
            "free" => {
                let reason = "酌情扣分项目由评查员在 0 至满分之间确定扣分".to_string();
                for (key, present) in [("deduct", &deduct), ("cap", &cap)] {
                    if let Some((key_span, _)) = present {
                        let kind = RubricErrorKind::KeyNotAllowed {
                            key: key.to_string(),
                            reason: reason.clone(),
                        };
                        self.report(key_span.clone(), owner, kind);
                    }
                }
                DeductionRule::Free
            }
            other => {
                let kind = RubricErrorKind::UnknownValue {
                    key: "rule".to_string(),
                    value: other.to_string(),
                    allowed: RULES.to_string(),
                };
                self.report(rule_span, owner, kind);
                DeductionRule::Free
            }
        };
        Item {
            code,
            text,
            guidance,
            max,
            deduction,
            not_applicable,
        }
    }

    /// Reports a deduction above the item maximum; returns whether it fits.
    fn within_item(
        &mut self,
        span: Range<usize>,
        owner: Option<&str>,
        points: Points,
        max: Points,
    ) -> bool {
        if points > max && max > Points::ZERO {
            let kind = RubricErrorKind::DeductionExceedsItem {
                deduction: points,
                max,
            };
            self.report(span, owner, kind);
            return false;
        }
        true
    }

    /// Name and level of each `[[grades]]` entry, in file order; checks names and levels.
    fn grade_list(&mut self, grades: &[Spanned<GradeFile>]) -> Vec<(Range<usize>, Grade)> {
        let mut seen: Vec<String> = Vec::new();
        let mut list = Vec::new();
        for grade in grades {
            let span = grade.span();
            let entry = grade.get_ref();
            let name = self.text("name", TextField::RubricLabel, entry.name.clone(), None);
            if seen.contains(&name) {
                let kind = RubricErrorKind::DuplicateGrade { name: name.clone() };
                self.report(entry.name.span(), None, kind);
            }
            seen.push(name.clone());
            let level = match &entry.level {
                Some(level) => GradeLevel::from_text(level.get_ref()).or_else(|| {
                    let kind = RubricErrorKind::UnknownValue {
                        key: "level".to_string(),
                        value: level.get_ref().clone(),
                        allowed: LEVELS.to_string(),
                    };
                    self.report(level.span(), None, kind);
                    None
                }),
                None => GradeLevel::from_text(&name).or_else(|| {
                    let kind = RubricErrorKind::LevelRequired { name: name.clone() };
                    self.report(span.clone(), None, kind);
                    None
                }),
            };
            list.push((
                span,
                Grade {
                    name,
                    level: level.unwrap_or(GradeLevel::Fail),
                },
            ));
        }
        list
    }

    /// Checks that grades best-first have monotone levels and end in a failing one.
    fn grade_order(&mut self, ordered: &[(Range<usize>, Grade)]) {
        if ordered.len() < 2 {
            let span = ordered.first().map_or(0..0, |(span, _)| span.clone());
            self.report(span, None, RubricErrorKind::TooFewGrades);
            return;
        }
        for pair in ordered.windows(2) {
            if let [(_, better), (span, worse)] = pair
                && worse.level < better.level
            {
                let kind = RubricErrorKind::LevelsOutOfOrder {
                    name: worse.name.clone(),
                };
                self.report(span.clone(), None, kind);
            }
        }
        if let Some((span, lowest)) = ordered.last()
            && lowest.passes()
        {
            let kind = RubricErrorKind::LowestGradeNotFailing {
                name: lowest.name.clone(),
            };
            self.report(span.clone(), None, kind);
        }
    }

    fn bands(&mut self, grades: Vec<Spanned<GradeFile>>) -> Vec<Band> {
        let named = self.grade_list(&grades);
        let mut bands: Vec<(Range<usize>, Band)> = Vec::new();
        for ((span, grade), file) in named.into_iter().zip(&grades) {
            let entry = file.get_ref();
            let (Some(min), Some(max)) = (&entry.min, &entry.max) else {
                let key = if entry.min.is_none() { "min" } else { "max" };
                let kind = RubricErrorKind::MissingKey {
                    key: key.to_string(),
                };
                self.report(span, None, kind);
                continue;
            };
            let min = self.edge("min", min, None);
            let max = self.edge("max", max, None);
            if min > max || max > Points::HUNDRED {
                self.report(span.clone(), None, RubricErrorKind::BandRange { min, max });
            }
            bands.push((span, Band { grade, min, max }));
        }
        bands.sort_by_key(|(_, band)| std::cmp::Reverse(band.min));
        if bands.len() == grades.len() {
            self.band_cover(&bands);
        }
        let ordered: Vec<(Range<usize>, Grade)> = bands
            .iter()
            .map(|(span, band)| (span.clone(), band.grade.clone()))
            .collect();
        self.grade_order(&ordered);
        bands.into_iter().map(|(_, band)| band).collect()
    }

    /// Bands sorted best first must tile 0..=100 in tenths.
    fn band_cover(&mut self, bands: &[(Range<usize>, Band)]) {
        let (Some((_, highest)), Some((lowest_span, lowest))) = (bands.first(), bands.last())
        else {
            return;
        };
        if lowest.min != Points::ZERO || highest.max != Points::HUNDRED {
            let kind = RubricErrorKind::BandEnds {
                lowest: lowest.min,
                highest: highest.max,
            };
            self.report(lowest_span.clone(), None, kind);
        }
        let tenth = Points::from_tenths(1);
        for pair in bands.windows(2) {
            let [(span, upper), (_, lower)] = pair else {
                continue;
            };
            if upper.min <= lower.max {
                let kind = RubricErrorKind::BandOverlap {
                    first: lower.grade.name.clone(),
                    second: upper.grade.name.clone(),
                    at: upper.min,
                };
                self.report(span.clone(), None, kind);
            } else if upper.min > lower.max + tenth {
                let kind = RubricErrorKind::BandGap {
                    from: lower.max + tenth,
                    to: upper.min - tenth,
                };
                self.report(span.clone(), None, kind);
            }
        }
    }

    fn indicator_scheme(
        &mut self,
        method_span: Range<usize>,
        scale: Option<Spanned<Vec<Spanned<String>>>>,
        indicators: Vec<Spanned<IndicatorFile>>,
        grades: Option<Vec<Spanned<GradeFile>>>,
        rules: Vec<Spanned<RuleFile>>,
    ) -> IndicatorScheme {
        let scale = match scale {
            Some(scale) => {
                let span = scale.span();
                let mut names: Vec<String> = Vec::new();
                for name in scale.into_inner() {
                    let name = self.text("indicator_scale", TextField::RubricLabel, name, None);
                    if names.contains(&name) {
                        self.report(span.clone(), None, RubricErrorKind::DuplicateGrade { name });
                    } else {
                        names.push(name);
                    }
                }
                if names.len() < 2 {
                    self.report(span, None, RubricErrorKind::TooFewGrades);
                }
                names
            }
            None => {
                let kind = RubricErrorKind::MissingKey {
                    key: "indicator_scale".to_string(),
                };
                self.report(method_span.clone(), None, kind);
                Vec::new()
            }
        };
        if indicators.is_empty() {
            self.report(method_span, None, RubricErrorKind::NothingToScore);
        }
        let indicators: Vec<Indicator> = indicators
            .into_iter()
            .map(|indicator| {
                let indicator = indicator.into_inner();
                let code = self.code(indicator.code);
                let title = self.text(
                    "title",
                    TextField::RubricIndicatorTitle,
                    indicator.title,
                    Some(&code),
                );
                let guidance = self.text(
                    "guidance",
                    TextField::RubricGuidance,
                    indicator.guidance,
                    Some(&code),
                );
                Indicator {
                    code,
                    title,
                    guidance,
                    key: indicator.key,
                    may_be_not_applicable: indicator.allow_not_applicable,
                }
            })
            .collect();
        let grades = match grades {
            Some(grades) => {
                for grade in &grades {
                    let entry = grade.get_ref();
                    for (key, value) in [("min", &entry.min), ("max", &entry.max)] {
                        if let Some(value) = value {
                            self.not_allowed(
                                key,
                                value.span(),
                                "单项指标等级制的总体等次不设分数区间",
                            );
                        }
                    }
                }
                let named = self.grade_list(&grades);
                self.grade_order(&named);
                named.into_iter().map(|(_, grade)| grade).collect()
            }
            None => Band::defaults()
                .into_iter()
                .map(|band| band.grade)
                .collect(),
        };
        let mut scheme = IndicatorScheme {
            scale,
            indicators,
            grades,
            rules: Vec::new(),
        };
        scheme.rules = rules
            .into_iter()
            .filter_map(|rule| self.rule(rule, &scheme))
            .collect();
        scheme
    }

    fn scale_grade(&mut self, value: &Spanned<String>, scheme: &IndicatorScheme) -> Option<usize> {
        let index = scheme.scale_index(value.get_ref().trim());
        if index.is_none() && !scheme.scale.is_empty() {
            let kind = RubricErrorKind::UnknownGrade {
                name: value.get_ref().clone(),
                allowed: scheme.scale.join("、"),
            };
            self.report(value.span(), None, kind);
        }
        index
    }

    fn overall_grade(
        &mut self,
        value: &Spanned<String>,
        scheme: &IndicatorScheme,
    ) -> Option<usize> {
        let index = scheme.grade_index(value.get_ref().trim());
        if index.is_none() {
            let names: Vec<&str> = scheme
                .grades
                .iter()
                .map(|grade| grade.name.as_str())
                .collect();
            let kind = RubricErrorKind::UnknownGrade {
                name: value.get_ref().clone(),
                allowed: names.join("、"),
            };
            self.report(value.span(), None, kind);
        }
        index
    }

    fn count(&mut self, value: &Spanned<i64>, scheme: &IndicatorScheme) -> Option<usize> {
        let count = usize::try_from(*value.get_ref())
            .ok()
            .filter(|count| *count > 0);
        match count {
            Some(count) if count <= scheme.indicators.len() => Some(count),
            _ => {
                let kind = RubricErrorKind::CountTooLarge {
                    count: usize::try_from(*value.get_ref()).unwrap_or(0),
                    indicators: scheme.indicators.len(),
                };
                self.report(value.span(), None, kind);
                None
            }
        }
    }

    fn rule(&mut self, rule: Spanned<RuleFile>, scheme: &IndicatorScheme) -> Option<GradeRule> {
        let span = rule.span();
        let rule = rule.into_inner();
        let text = self.text("text", TextField::RubricRuleText, rule.text, None);
        let effect = match (&rule.at_most, &rule.at_least) {
            (Some(grade), None) => self.overall_grade(grade, scheme).map(RuleEffect::AtMost),
            (None, Some(grade)) => self.overall_grade(grade, scheme).map(RuleEffect::AtLeast),
            _ => {
                self.report(span.clone(), None, RubricErrorKind::RuleEffect);
                None
            }
        };
        let mut conditions = Vec::new();
        let mut complete = true;
        let singles = [
            (
                &rule.any_key_at_or_below,
                Condition::AnyKeyAtOrBelow as fn(usize) -> Condition,
            ),
            (&rule.any_at_or_below, Condition::AnyAtOrBelow),
            (&rule.all_key_at_or_above, Condition::AllKeyAtOrAbove),
            (&rule.all_at_or_above, Condition::AllAtOrAbove),
        ];
        for (value, build) in singles {
            if let Some(value) = value {
                match self.scale_grade(value, scheme) {
                    Some(grade) => conditions.push(build(grade)),
                    None => complete = false,
                }
            }
        }
        let counts = [
            (&rule.count_at_or_above, true),
            (&rule.count_at_or_below, false),
        ];
        for (value, above) in counts {
            if let Some(value) = value {
                let value = value.get_ref();
                let grade = self.scale_grade(&value.grade, scheme);
                let count = self.count(&value.count, scheme);
                match (grade, count) {
                    (Some(grade), Some(count)) if above => {
                        conditions.push(Condition::CountAtOrAbove { grade, count });
                    }
                    (Some(grade), Some(count)) => {
                        conditions.push(Condition::CountAtOrBelow { grade, count });
                    }
                    _ => complete = false,
                }
            }
        }
        if let Some(value) = &rule.indicator_at_or_below {
            let value = value.get_ref();
            let code = value.indicator.get_ref().trim().to_string();
            if scheme.indicator(&code).is_none() {
                let kind = RubricErrorKind::UnknownIndicator { code: code.clone() };
                self.report(value.indicator.span(), None, kind);
                complete = false;
            }
            match self.scale_grade(&value.grade, scheme) {
                Some(grade) => conditions.push(Condition::IndicatorAtOrBelow {
                    indicator: code,
                    grade,
                }),
                None => complete = false,
            }
        }
        if conditions.is_empty() && complete {
            self.report(span, None, RubricErrorKind::RuleWithoutCondition);
        }
        let effect = effect?;
        (complete && !conditions.is_empty()).then_some(GradeRule {
            text,
            effect,
            conditions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_rubric;
    use super::*;

    const INDICATOR_HEAD: &str = r#"id = "t"
title = "测试"
version = "1"
case_types = ["民事"]
method = "indicator"
indicator_scale = ["优", "良", "中", "差"]

[[indicators]]
code = "Z1"
title = "会见"
guidance = "看笔录"
key = true
"#;

    fn kinds(text: &str) -> Vec<RubricErrorKind> {
        let errors = parse_rubric("t.toml", text).unwrap_err();
        errors.0.into_iter().map(|error| error.kind).collect()
    }

    #[test]
    fn a_rule_needs_exactly_one_effect_and_a_condition() {
        let both = format!(
            "{INDICATOR_HEAD}\n[[rules]]\ntext = \"x\"\nat_most = \"合格\"\nat_least = \"良好\"\nany_at_or_below = \"差\"\n"
        );
        assert_eq!(kinds(&both), [RubricErrorKind::RuleEffect]);
        let bare = format!("{INDICATOR_HEAD}\n[[rules]]\ntext = \"x\"\nat_most = \"合格\"\n");
        assert_eq!(kinds(&bare), [RubricErrorKind::RuleWithoutCondition]);
        let too_many = format!(
            "{INDICATOR_HEAD}\n[[rules]]\ntext = \"x\"\nat_most = \"合格\"\ncount_at_or_below = {{ grade = \"差\", count = 2 }}\n"
        );
        assert_eq!(
            kinds(&too_many),
            [RubricErrorKind::CountTooLarge {
                count: 2,
                indicators: 1
            }]
        );
    }

    #[test]
    fn method_specific_keys_are_refused() {
        let text =
            format!("{INDICATOR_HEAD}\n[[sections]]\ncode = \"A\"\ntitle = \"x\"\nmax = 100\n");
        let found = kinds(&text);
        assert!(
            matches!(found.as_slice(), [RubricErrorKind::KeyNotAllowed { key, .. }] if key == "sections")
        );
        let unknown = INDICATOR_HEAD.replace("method = \"indicator\"", "method = \"points\"");
        assert!(matches!(
            kinds(&unknown).first(),
            Some(RubricErrorKind::UnknownValue { key, .. }) if key == "method"
        ));
    }

    #[test]
    fn wrong_types_are_explained_in_chinese() {
        let text = INDICATOR_HEAD.replace("key = true", "key = \"是\"");
        assert_eq!(
            kinds(&text),
            [RubricErrorKind::WrongType {
                detail: "应填写布尔值（true 或 false），实际填写的是带英文双引号的文字".to_string()
            }]
        );
    }

    #[test]
    fn texts_over_their_limit_or_with_control_characters_are_refused_naming_the_key() {
        let long_title = INDICATOR_HEAD.replace(
            "title = \"会见\"",
            &format!("title = \"{}\"", "会".repeat(101)),
        );
        let errors = parse_rubric("t.toml", &long_title).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "t.toml 第10行 项目 Z1：（键“title”）「指标名称」不能超过 100 个字（现有 101 个字）"
        );
        let bell = INDICATOR_HEAD.replace("看笔录", "看\\u0007笔录");
        let found = kinds(&bell);
        assert!(
            matches!(found.as_slice(), [RubricErrorKind::Text { key, section: None, error }]
                if key == "guidance" && error.field() == TextField::RubricGuidance),
            "{found:?}"
        );
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
