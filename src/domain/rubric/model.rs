//! The validated rubric (评分标准) that scoring reads: once built, every invariant the engine
//! relies on holds, so scoring never has to re-check the rubric.

use super::points::Points;
use crate::domain::CaseType;
use sha2::{Digest, Sha256};
use std::fmt;

/// A checked rubric together with the exact text it came from.
///
/// Only [`super::parse_rubric`] builds one, so the invariants below always hold: codes are
/// unique, sections sum to 100 and their items to the section maximum, deductions fit their
/// items, bands cover 0..=100 without gaps, indicator rules name known indicators and grades,
/// and the last grade is a failing one (a veto lands there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rubric {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) version: String,
    pub(super) case_types: Vec<CaseType>,
    pub(super) sub_types: Vec<String>,
    pub(super) vetoes: Vec<Veto>,
    pub(super) method: Method,
    pub(super) file_name: String,
    pub(super) source: String,
}

impl Rubric {
    /// Stable identifier chosen by the bureau (e.g. `criminal`); versions share it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The title printed on score sheets, e.g. 刑事法律援助案件评查评分标准.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The version the bureau wrote; informative only, the content hash is what identifies.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Case types the rubric applies to; never empty.
    pub fn case_types(&self) -> &[CaseType] {
        &self.case_types
    }

    /// Optional narrower sub-types (刑事辩护, 劳动仲裁 …); empty means all of the case types.
    pub fn sub_types(&self) -> &[String] {
        &self.sub_types
    }

    /// 一票否决 items: any one triggered makes the file fail whatever the points.
    pub fn vetoes(&self) -> &[Veto] {
        &self.vetoes
    }

    /// How the file is graded, with the parts that belong to that method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The file name the text was read from, used in error messages and on the rubric page.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The exact text parsed; a snapshot stores it so the rubric can be rebuilt identically.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Hex SHA-256 of the source text bytes: the identity of this rubric version. Two files
    /// with the same hash score identically; any edit, even a comment, gives a new hash.
    pub fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.source.as_bytes()))
    }

    /// Overall grades from best to worst; the last one is failing.
    pub fn grades(&self) -> Vec<&Grade> {
        self.grades_iter().collect()
    }

    /// [`Rubric::grades`] without collecting them: for lookups done per sheet or per file.
    pub fn grades_iter(&self) -> impl Iterator<Item = &Grade> {
        let (bands, grades) = match &self.method {
            Method::Deduction(scheme) => (scheme.bands.as_slice(), &[][..]),
            Method::Indicator(scheme) => (&[][..], scheme.grades.as_slice()),
        };
        bands.iter().map(|band| &band.grade).chain(grades)
    }

    /// The grade a veto gives: the lowest one, which validation requires to be failing.
    pub fn failing_grade(&self) -> &Grade {
        match &self.method {
            Method::Deduction(scheme) => scheme.lowest_band(),
            Method::Indicator(scheme) => scheme.lowest_grade(),
        }
    }

    /// Finds a veto item by code.
    pub fn veto(&self, code: &str) -> Option<&Veto> {
        self.vetoes.iter().find(|veto| veto.code == code)
    }
}

/// The two scoring methods of DOMAIN §5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// 百分制扣分: sections of items, points deducted, total banded into grades.
    Deduction(DeductionScheme),
    /// 单项指标等级制: each indicator graded, the reviewer picks the overall grade within the
    /// bounds the rules allow.
    Indicator(IndicatorScheme),
}

/// Sections, items and bands of a 100-point deduction rubric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeductionScheme {
    /// In file order; maxima sum to 100.
    pub sections: Vec<Section>,
    /// Best first; they tile 0..=100 in tenths, the last one failing.
    pub bands: Vec<Band>,
}

impl DeductionScheme {
    /// Finds an item by code in any section.
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items().find(|item| item.code == code)
    }

    /// Every item in file order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections
            .iter()
            .flat_map(|section| section.items.iter())
    }

    /// The band holding a total on the 100-point scale; totals outside 0..=100 are clamped,
    /// so a total always has a band.
    pub fn band_for(&self, total: Points) -> &Band {
        let clamped = total.clamp(Points::ZERO, Points::HUNDRED);
        self.bands
            .iter()
            .find(|band| band.min <= clamped && clamped <= band.max)
            .unwrap_or_else(|| self.lowest_band_ref())
    }

    fn lowest_band(&self) -> &Grade {
        &self.lowest_band_ref().grade
    }

    fn lowest_band_ref(&self) -> &Band {
        // Validation guarantees at least two bands; the fallback only satisfies the types.
        self.bands.last().unwrap_or(&FALLBACK_BAND)
    }
}

/// Used only if the validated invariant "bands are not empty" were broken.
static FALLBACK_BAND: Band = Band {
    grade: Grade {
        name: String::new(),
        level: GradeLevel::Fail,
    },
    min: Points::ZERO,
    max: Points::HUNDRED,
};

/// A part of the rubric (e.g. C 会见) whose item maxima add up to its own maximum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub code: String,
    pub title: String,
    pub max: Points,
    /// Never empty.
    pub items: Vec<Item>,
}

/// One thing the reviewer checks, worth `max` points before deductions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Unique across the whole rubric (sections, items, vetoes, indicators).
    pub code: String,
    pub text: String,
    /// What to look at in the file and when to deduct; shown next to the item on the form.
    pub guidance: String,
    pub max: Points,
    pub deduction: DeductionRule,
    pub not_applicable: NotApplicablePolicy,
}

/// How points are taken off an item. Every amount fits within the item's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeductionRule {
    /// 固定扣分: the fault is there or not (a missing document, a missed deadline).
    Fixed { points: Points },
    /// 按处扣分: `points` per occurrence, never more than `cap` in all.
    PerOccurrence { points: Points, cap: Points },
    /// 酌情扣分: the reviewer chooses 0..=max in tenths.
    Free,
}

impl DeductionRule {
    /// The most this rule can take off an item worth `max`.
    pub fn largest(self, max: Points) -> Points {
        match self {
            DeductionRule::Fixed { points } => points,
            DeductionRule::PerOccurrence { cap, .. } => cap,
            DeductionRule::Free => max,
        }
    }

    /// The greatest number of occurrences that still change the deduction: beyond it the cap
    /// is already reached, so a larger count is a typing mistake.
    pub fn occurrence_limit(self) -> Option<u32> {
        match self {
            DeductionRule::PerOccurrence { points, cap } if points > Points::ZERO => {
                let limit = (cap.tenths() + points.tenths() - 1) / points.tenths();
                u32::try_from(limit).ok()
            }
            _ => None,
        }
    }
}

/// What marking an item 不适用 does to the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplicablePolicy {
    /// The item applies to every file of the rubric's case types.
    NotAllowed,
    /// The item leaves both the earned and the possible points; the total is scaled back to 100.
    Rescale,
    /// The item's points are awarded in full.
    FullMarks,
}

impl NotApplicablePolicy {
    /// The word used in rubric files.
    pub fn code(self) -> &'static str {
        match self {
            NotApplicablePolicy::NotAllowed => "not_allowed",
            NotApplicablePolicy::Rescale => "rescale",
            NotApplicablePolicy::FullMarks => "full_marks",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            NotApplicablePolicy::NotAllowed => "不得标为不适用",
            NotApplicablePolicy::Rescale => "不计入满分，总分按百分制折算",
            NotApplicablePolicy::FullMarks => "按满分计",
        }
    }
}

/// 一票否决 item: found once, the file fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Veto {
    pub code: String,
    pub text: String,
    pub guidance: String,
}

/// A grade a file can receive (优秀 …), with the standard level statistics count it under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grade {
    /// The label the bureau uses, shown to users.
    pub name: String,
    pub level: GradeLevel,
}

impl Grade {
    /// 合格 or better. Combining reviews and pass rates use this.
    pub fn passes(&self) -> bool {
        self.level != GradeLevel::Fail
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The four standard grades (DOMAIN §11) that bulletins count (优良率, 合格率), whatever
/// names a bureau gives its bands. Ordered best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GradeLevel {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl GradeLevel {
    pub const ALL: [GradeLevel; 4] = [
        GradeLevel::Excellent,
        GradeLevel::Good,
        GradeLevel::Pass,
        GradeLevel::Fail,
    ];

    /// The stable identifier used in files and storage.
    pub fn code(self) -> &'static str {
        match self {
            GradeLevel::Excellent => "excellent",
            GradeLevel::Good => "good",
            GradeLevel::Pass => "pass",
            GradeLevel::Fail => "fail",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            GradeLevel::Excellent => "优秀",
            GradeLevel::Good => "良好",
            GradeLevel::Pass => "合格",
            GradeLevel::Fail => "不合格",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn from_text(text: &str) -> Option<GradeLevel> {
        let trimmed = text.trim();
        GradeLevel::ALL
            .into_iter()
            .find(|level| trimmed == level.code() || trimmed == level.label())
    }
}

/// A grade band on the 100-point scale; `min` and `max` are both inclusive, in tenths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub grade: Grade,
    pub min: Points,
    pub max: Points,
}

impl Band {
    /// The default bands (Guangdong peer-evaluation rules, DOMAIN §5a): 优秀 ≥90, 良好 80–89.9,
    /// 合格 60–79.9, 不合格 <60.
    pub fn defaults() -> Vec<Band> {
        let band = |level: GradeLevel, min: i32, max: i32| Band {
            grade: Grade {
                name: level.label().to_string(),
                level,
            },
            min: Points::from_tenths(min),
            max: Points::from_tenths(max),
        };
        vec![
            band(GradeLevel::Excellent, 900, 1000),
            band(GradeLevel::Good, 800, 899),
            band(GradeLevel::Pass, 600, 799),
            band(GradeLevel::Fail, 0, 599),
        ]
    }
}

/// Indicators, their grade scale and the rules bounding the overall grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorScheme {
    /// Indicator grades best first (优, 良, 中, 差); at least two, unique.
    pub scale: Vec<String>,
    pub indicators: Vec<Indicator>,
    /// Overall grades best first; the last one is failing.
    pub grades: Vec<Grade>,
    /// Applied together: every rule whose conditions hold bounds the overall grade.
    pub rules: Vec<GradeRule>,
}

impl IndicatorScheme {
    /// Finds an indicator by code.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators
            .iter()
            .find(|indicator| indicator.code == code)
    }

    /// Position of an indicator grade on the scale, 0 = best.
    pub fn scale_index(&self, grade: &str) -> Option<usize> {
        self.scale.iter().position(|known| known == grade)
    }

    /// Position of an overall grade, 0 = best.
    pub fn grade_index(&self, name: &str) -> Option<usize> {
        self.grades.iter().position(|grade| grade.name == name)
    }

    fn lowest_grade(&self) -> &Grade {
        // Validation guarantees at least two grades; the fallback only satisfies the types.
        self.grades.last().unwrap_or(&FALLBACK_BAND.grade)
    }
}

/// One 单项指标 (e.g. 及时有效会见受援人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub code: String,
    pub title: String,
    pub guidance: String,
    /// 关键指标: rules can single these out (a key indicator graded 差 fails the file).
    pub key: bool,
    /// Whether the reviewer may mark it 不适用 (e.g. 阅卷 in a non-litigation case); a
    /// not-applicable indicator is left out of every rule's counts.
    pub may_be_not_applicable: bool,
}

/// A derivation rule: when all its conditions hold, the overall grade is bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeRule {
    /// The rule as the bureau wrote it in words; quoted in the explanation.
    pub text: String,
    pub effect: RuleEffect,
    /// All must hold; never empty.
    pub conditions: Vec<Condition>,
}

/// What a rule does to the overall grade. Indices point into [`IndicatorScheme::grades`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleEffect {
    /// 不高于: the overall grade is this one or worse. Ceilings win over floors.
    AtMost(usize),
    /// 不低于: the overall grade is this one or better.
    AtLeast(usize),
}

/// A test on the indicator grades. Grade indices point into [`IndicatorScheme::scale`],
/// 0 = best; "at or below" means this grade or worse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Some key indicator is graded this or worse.
    AnyKeyAtOrBelow(usize),
    /// Some indicator is graded this or worse.
    AnyAtOrBelow(usize),
    /// Every graded key indicator is this or better.
    AllKeyAtOrAbove(usize),
    /// Every graded indicator is this or better.
    AllAtOrAbove(usize),
    /// At least `count` indicators are graded this or better.
    CountAtOrAbove { grade: usize, count: usize },
    /// At least `count` indicators are graded this or worse.
    CountAtOrBelow { grade: usize, count: usize },
    /// The named indicator is graded this or worse.
    IndicatorAtOrBelow { indicator: String, grade: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bands_grade_the_edges() {
        let scheme = DeductionScheme {
            sections: Vec::new(),
            bands: Band::defaults(),
        };
        let name = |tenths| {
            scheme
                .band_for(Points::from_tenths(tenths))
                .grade
                .name
                .clone()
        };
        assert_eq!(name(1000), "优秀");
        assert_eq!(name(900), "优秀");
        assert_eq!(name(899), "良好");
        assert_eq!(name(800), "良好");
        assert_eq!(name(799), "合格");
        assert_eq!(name(600), "合格");
        assert_eq!(name(599), "不合格");
        assert_eq!(name(0), "不合格");
    }

    #[test]
    fn occurrence_limit_is_the_count_that_reaches_the_cap() {
        let rule = DeductionRule::PerOccurrence {
            points: Points::from_tenths(5),
            cap: Points::whole(2),
        };
        assert_eq!(rule.occurrence_limit(), Some(4));
        let uneven = DeductionRule::PerOccurrence {
            points: Points::whole(2),
            cap: Points::whole(3),
        };
        assert_eq!(uneven.occurrence_limit(), Some(2));
    }
}
