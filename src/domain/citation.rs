//! Page citations: where in the electronic case file (电子卷宗) a reviewer saw what they cite.
//!
//! A reviewer types or clicks pages ("3", "3-4", "3–4", "12,15-17", "第12、15–17页"); the
//! parser turns that into sorted, merged ranges within fixed bounds, or a Chinese error naming
//! what it could not read. Pages are numbered across the whole case file in document order,
//! so a citation is a set of integers and the catalogue (卷内目录) names the documents they
//! fall in: 「第12、15–17页《会见笔录》」.
//!
//! A citation is stored as its plain form ("12,15-17"); an old sheet's single page number
//! (`"page": 12`) reads as one page.

use std::fmt;

/// The highest page number a citation may name (a case file of ten thousand pages is not a
/// legal-aid file; a typo of an extra digit is more likely).
pub const MAX_PAGE: u32 = 9_999;
/// The most ranges one citation may hold after merging.
pub const MAX_RANGES: usize = 20;
/// The longest text the parser reads, in characters.
pub const MAX_INPUT_CHARS: usize = 200;

/// An inclusive run of pages, `from <= to`, both at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageRange {
    from: u32,
    to: u32,
}

impl PageRange {
    /// A range of pages; `None` when `from` is 0 or above `to`.
    pub fn new(from: u32, to: u32) -> Option<Self> {
        (from >= 1 && from <= to).then_some(Self { from, to })
    }

    pub fn from(&self) -> u32 {
        self.from
    }

    pub fn to(&self) -> u32 {
        self.to
    }

    fn overlaps(&self, from: u32, to: u32) -> bool {
        self.from <= to && from <= self.to
    }
}

/// Sorted, merged page ranges; empty means "no page cited".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Citation {
    ranges: Vec<PageRange>,
}

/// Why a typed citation was refused; `Display` is the sentence the reviewer reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitationError {
    #[error("页码过长（最多 {max} 个字符）")]
    TooLong { max: usize },
    #[error("页码中有无法识别的字符“{found}”，请填写如“12、15-17”的页码")]
    Unexpected { found: char },
    #[error("页码“{text}”不完整，范围应写作“15-17”")]
    Incomplete { text: String },
    #[error("页码从第 1 页起算，不能为 0")]
    Zero,
    #[error("页码 {page} 超出上限 {max}")]
    TooLarge { page: String, max: u32 },
    #[error("页码范围“{from}-{to}”起页大于止页")]
    Reversed { from: u32, to: u32 },
    #[error("引用的页码段过多（最多 {max} 段），请合并或只引用关键页")]
    TooManyRanges { max: usize },
    #[error("第{page}页超出本卷宗的页数（共 {total} 页）")]
    BeyondFile { page: u32, total: u32 },
}

/// One catalogue entry as a citation needs it: a document's title and its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueSpan<'a> {
    pub title: &'a str,
    pub from: u32,
    pub to: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Number(u32),
    Dash,
    Separator,
}

impl Citation {
    /// One page.
    pub fn page(page: u32) -> Self {
        Self::from_ranges(PageRange::new(page, page))
    }

    /// Merges any ranges into a citation (sorted, overlapping and adjacent runs joined).
    /// Bounds are not checked here; [`Citation::parse`] checks them.
    pub fn from_ranges(ranges: impl IntoIterator<Item = PageRange>) -> Self {
        let mut sorted: Vec<PageRange> = ranges.into_iter().collect();
        sorted.sort();
        let mut merged: Vec<PageRange> = Vec::with_capacity(sorted.len());
        for range in sorted {
            match merged.last_mut() {
                Some(last) if range.from <= last.to.saturating_add(1) => {
                    last.to = last.to.max(range.to);
                }
                _ => merged.push(range),
            }
        }
        Self { ranges: merged }
    }

    /// Both citations' pages.
    pub fn union(&self, other: &Self) -> Self {
        Self::from_ranges(self.ranges.iter().chain(&other.ranges).copied())
    }

    /// Reads what a reviewer typed. Blank text is an empty citation.
    pub fn parse(text: &str) -> Result<Self, CitationError> {
        if text.chars().count() > MAX_INPUT_CHARS {
            return Err(CitationError::TooLong {
                max: MAX_INPUT_CHARS,
            });
        }
        let tokens = tokens(text)?;
        let mut ranges = Vec::new();
        let mut index = 0;
        while let Some(token) = tokens.get(index) {
            match *token {
                Token::Separator => index += 1,
                Token::Dash => {
                    return Err(CitationError::Incomplete {
                        text: text.trim().to_string(),
                    });
                }
                Token::Number(from) => match (tokens.get(index + 1), tokens.get(index + 2)) {
                    (Some(Token::Dash), Some(Token::Number(to))) => {
                        ranges.push(checked_range(from, *to)?);
                        index += 3;
                    }
                    (Some(Token::Dash), _) => {
                        return Err(CitationError::Incomplete {
                            text: text.trim().to_string(),
                        });
                    }
                    _ => {
                        ranges.push(checked_range(from, from)?);
                        index += 1;
                    }
                },
            }
        }
        let citation = Self::from_ranges(ranges);
        if citation.ranges.len() > MAX_RANGES {
            return Err(CitationError::TooManyRanges { max: MAX_RANGES });
        }
        Ok(citation)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn ranges(&self) -> &[PageRange] {
        &self.ranges
    }

    /// The first page cited: where the viewer opens.
    pub fn first_page(&self) -> Option<u32> {
        self.ranges.first().map(PageRange::from)
    }

    /// How many pages the citation covers.
    pub fn page_count(&self) -> u64 {
        self.ranges
            .iter()
            .map(|range| u64::from(range.to - range.from) + 1)
            .sum()
    }

    /// Refuses a citation past the case file's last page.
    pub fn check_within(&self, total_pages: u32) -> Result<(), CitationError> {
        match self.ranges.last() {
            Some(last) if last.to > total_pages => Err(CitationError::BeyondFile {
                page: last.to,
                total: total_pages,
            }),
            _ => Ok(()),
        }
    }

    /// The form a form field, a URL or the database holds: "12,15-17" (empty when none).
    pub fn to_plain(&self) -> String {
        self.join(",", "-")
    }

    /// The pages as a reader reads them: "12、15–17" (no 第/页), empty when none.
    pub fn pages_text(&self) -> String {
        self.join("、", "–")
    }

    /// 「第12、15–17页《会见笔录》」: the pages, then the titles of the catalogue entries they
    /// fall in, in the catalogue's order. Without a catalogue (or no entry matching) this is
    /// the plain `Display`.
    pub fn describe(&self, catalogue: &[CatalogueSpan<'_>]) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut text = self.to_string();
        let mut named: Vec<&str> = Vec::new();
        for entry in catalogue {
            let hit = self
                .ranges
                .iter()
                .any(|range| range.overlaps(entry.from, entry.to));
            let title = entry.title.trim();
            if hit && !title.is_empty() && !named.contains(&title) {
                named.push(title);
            }
        }
        for title in named {
            text.push('《');
            text.push_str(title);
            text.push('》');
        }
        text
    }

    fn join(&self, separator: &str, dash: &str) -> String {
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|range| {
                if range.from == range.to {
                    range.from.to_string()
                } else {
                    format!("{}{dash}{}", range.from, range.to)
                }
            })
            .collect();
        parts.join(separator)
    }
}

impl fmt::Display for Citation {
    /// 「第12、15–17页」; nothing for an empty citation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            Ok(())
        } else {
            write!(f, "第{}页", self.pages_text())
        }
    }
}

impl std::str::FromStr for Citation {
    type Err = CitationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// 「（卷宗第12、15–17页）」 for a stored page reference, to follow a finding's text in a
/// document; a reference typed before citations were checked is shown as typed; nothing
/// when there is none.
pub fn note(page_ref: Option<&str>) -> String {
    let text = page_ref.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return String::new();
    }
    match Citation::parse(text) {
        Ok(citation) if citation.is_empty() => String::new(),
        Ok(citation) => format!("（卷宗{citation}）"),
        Err(_) => format!("（卷宗页码：{text}）"),
    }
}

fn checked_range(from: u32, to: u32) -> Result<PageRange, CitationError> {
    for page in [from, to] {
        if page == 0 {
            return Err(CitationError::Zero);
        }
        if page > MAX_PAGE {
            return Err(CitationError::TooLarge {
                page: page.to_string(),
                max: MAX_PAGE,
            });
        }
    }
    PageRange::new(from, to).ok_or(CitationError::Reversed { from, to })
}

/// Splits the text into numbers, dashes and separators. Whitespace, 第, 页 and a leading
/// 卷宗/P are read as nothing; full-width digits as digits.
fn tokens(text: &str) -> Result<Vec<Token>, CitationError> {
    let mut out = Vec::new();
    let mut number: Option<u32> = None;
    let mut digits = String::new();
    for raw in text.chars() {
        let ch = match raw {
            '０'..='９' => char::from_digit(u32::from(raw) - u32::from('０'), 10).unwrap_or('0'),
            _ => raw,
        };
        if let Some(digit) = ch.to_digit(10) {
            digits.push(ch);
            let value = number.unwrap_or(0);
            number = Some(
                value
                    .checked_mul(10)
                    .and_then(|value| value.checked_add(digit))
                    .filter(|value| *value <= MAX_PAGE)
                    .ok_or_else(|| CitationError::TooLarge {
                        page: digits.clone(),
                        max: MAX_PAGE,
                    })?,
            );
            continue;
        }
        if let Some(value) = number.take() {
            digits.clear();
            out.push(Token::Number(value));
        }
        match ch {
            '-' | '–' | '—' | '－' | '~' | '～' | '至' | '到' => out.push(Token::Dash),
            ',' | '，' | '、' | ';' | '；' | '/' | '.' | '。' => out.push(Token::Separator),
            '第' | '页' | '卷' | '宗' | 'p' | 'P' => {}
            ch if ch.is_whitespace() => {}
            found => return Err(CitationError::Unexpected { found }),
        }
    }
    if let Some(value) = number {
        out.push(Token::Number(value));
    }
    Ok(out)
}

impl serde::Serialize for Citation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_plain())
    }
}

impl<'de> serde::Deserialize<'de> for Citation {
    /// Reads the plain form, an old sheet's page number, or null (no citation).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CitationVisitor)
    }
}

struct CitationVisitor;

impl<'de> serde::de::Visitor<'de> for CitationVisitor {
    type Value = Citation;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page number or a citation such as \"12,15-17\"")
    }

    fn visit_u64<E: serde::de::Error>(self, page: u64) -> Result<Citation, E> {
        let page = u32::try_from(page).map_err(E::custom)?;
        if page == 0 {
            return Ok(Citation::default());
        }
        Ok(Citation::page(page))
    }

    fn visit_i64<E: serde::de::Error>(self, page: i64) -> Result<Citation, E> {
        self.visit_u64(u64::try_from(page).map_err(E::custom)?)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Citation, E> {
        Citation::parse(text).map_err(E::custom)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Citation, E> {
        Ok(Citation::default())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Citation, E> {
        Ok(Citation::default())
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Citation, D::Error> {
        d.deserialize_any(CitationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Citation {
        Citation::parse(text).unwrap()
    }

    #[test]
    fn reads_what_reviewers_type() {
        assert_eq!(parse("3").to_plain(), "3");
        assert_eq!(parse("3-4").to_plain(), "3-4");
        assert_eq!(parse("3–4").to_plain(), "3-4");
        assert_eq!(parse("12,15-17").to_plain(), "12,15-17");
        assert_eq!(parse("第12、15–17页").to_plain(), "12,15-17");
        assert_eq!(parse("第12页、第15至17页").to_plain(), "12,15-17");
        assert_eq!(parse("１２，１５－１７").to_plain(), "12,15-17");
        assert_eq!(parse("17, 16 15 12").to_plain(), "12,15-17");
        assert_eq!(parse("  ").to_plain(), "");
        assert!(parse("").is_empty());
    }

    #[test]
    fn merges_overlapping_and_adjacent_runs() {
        assert_eq!(parse("5-7,3,4,6-9").to_plain(), "3-9");
        assert_eq!(parse("3,3,3").to_plain(), "3");
        assert_eq!(parse("1,3").to_plain(), "1,3");
    }

    #[test]
    fn formats_for_readers_and_with_the_catalogue() {
        let citation = parse("12,15-17");
        assert_eq!(citation.to_string(), "第12、15–17页");
        let catalogue = [
            CatalogueSpan {
                title: "委托协议",
                from: 1,
                to: 3,
            },
            CatalogueSpan {
                title: "会见笔录",
                from: 12,
                to: 20,
            },
        ];
        assert_eq!(citation.describe(&catalogue), "第12、15–17页《会见笔录》");
        assert_eq!(parse("3-4").describe(&catalogue), "第3–4页《委托协议》");
        assert_eq!(
            parse("2-13").describe(&catalogue),
            "第2–13页《委托协议》《会见笔录》"
        );
        assert_eq!(parse("30").describe(&catalogue), "第30页");
        assert_eq!(Citation::default().describe(&catalogue), "");
        assert_eq!(citation.first_page(), Some(12));
        assert_eq!(citation.page_count(), 4);
    }

    #[test]
    fn refuses_with_a_chinese_sentence() {
        let error = |text: &str| Citation::parse(text).unwrap_err().to_string();
        assert_eq!(error("0"), "页码从第 1 页起算，不能为 0");
        assert_eq!(error("5-3"), "页码范围“5-3”起页大于止页");
        assert_eq!(error("12345"), "页码 12345 超出上限 9999");
        assert!(error("abc").contains("“a”"));
        assert!(error("3-").contains("不完整"));
        assert!(error("-3").contains("不完整"));
        let many: Vec<String> = (0..=MAX_RANGES).map(|n| (n * 2 + 1).to_string()).collect();
        assert!(error(&many.join(",")).contains("最多 20 段"));
        assert!(error(&"1".repeat(MAX_INPUT_CHARS + 1)).contains("过长"));
        assert_eq!(
            parse("3-40").check_within(30).unwrap_err().to_string(),
            "第40页超出本卷宗的页数（共 30 页）"
        );
        assert!(parse("3-30").check_within(30).is_ok());
    }

    #[test]
    fn notes_follow_a_finding() {
        assert_eq!(note(Some("12,15-17")), "（卷宗第12、15–17页）");
        assert_eq!(note(Some("12、15")), "（卷宗第12、15页）");
        assert_eq!(note(Some(" ")), "");
        assert_eq!(note(None), "");
        assert_eq!(note(Some("附件二")), "（卷宗页码：附件二）");
    }

    #[test]
    fn old_sheets_page_numbers_still_read() {
        let old = r#"{"code":"A1","mark":{"kind":"applied"},"reason":"缺","page":7}"#;
        let answer: crate::domain::scoring::ItemAnswer = serde_json::from_str(old).unwrap();
        assert_eq!(answer.pages, Citation::page(7));
        let none = r#"{"code":"A1","mark":{"kind":"applied"},"reason":"缺","page":null}"#;
        let answer: crate::domain::scoring::ItemAnswer = serde_json::from_str(none).unwrap();
        assert!(answer.pages.is_empty());
        let bare = r#"{"code":"V1","reason":"缺"}"#;
        let veto: crate::domain::scoring::VetoAnswer = serde_json::from_str(bare).unwrap();
        assert!(veto.pages.is_empty());
        let read = |json: &str| serde_json::from_str::<Citation>(json).unwrap();
        assert_eq!(read("12"), Citation::page(12));
        assert_eq!(read("null"), Citation::default());
        assert_eq!(read("\"12,15-17\""), parse("12,15-17"));
        assert_eq!(serde_json::to_string(&parse("第3–4页")).unwrap(), "\"3-4\"");
    }

    fn citation() -> impl Strategy<Value = Citation> {
        prop::collection::vec((1u32..=MAX_PAGE, 0u32..5), 0..8).prop_map(|runs| {
            Citation::from_ranges(runs.into_iter().filter_map(|(from, len)| {
                PageRange::new(from, from.saturating_add(len).min(MAX_PAGE))
            }))
        })
    }

    proptest! {
        #[test]
        fn parse_inverts_both_formats(citation in citation()) {
            prop_assert_eq!(Citation::parse(&citation.to_plain()).unwrap(), citation.clone());
            prop_assert_eq!(Citation::parse(&citation.to_string()).unwrap(), citation.clone());
            let plain = citation.to_plain();
            prop_assert_eq!(Citation::parse(&plain).unwrap().to_plain(), plain);
            let shown = citation.to_string();
            prop_assert_eq!(Citation::parse(&shown).unwrap().to_string(), shown);
        }

        #[test]
        fn merging_is_idempotent(citation in citation(), other in citation()) {
            let merged = Citation::from_ranges(citation.ranges().iter().copied());
            prop_assert_eq!(&merged, &citation);
            let union = citation.union(&other);
            prop_assert_eq!(union.union(&union), union.clone());
            for pair in union.ranges().windows(2) {
                prop_assert!(pair[0].to().saturating_add(1) < pair[1].from());
            }
        }

        #[test]
        fn never_panics(text in ".{0,80}") {
            let _ = Citation::parse(&text);
        }

        #[test]
        fn never_panics_on_page_like_text(text in "[0-9０-９第页、,，\\-–~ ]{0,60}") {
            if let Ok(citation) = Citation::parse(&text) {
                prop_assert!(citation.ranges().len() <= MAX_RANGES);
                prop_assert!(citation.ranges().iter().all(|r| r.from() >= 1 && r.to() <= MAX_PAGE));
            }
        }
    }
}
