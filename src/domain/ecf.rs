//! The electronic case file (电子卷宗) of a registry case, as rules: what may be uploaded (kinds
//! and limits), how its pages are numbered across its documents, what a catalogue (卷内目录)
//! must satisfy, which document kind a catalogue title suggests, and which uploaded name
//! carries which 案号. Reading the bytes happens in `import::ecf`; storing them in `storage`.

use crate::domain::registry::normalize_case_no;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

const MIB: u64 = 1024 * 1024;

/// The largest document accepted (one PDF or image). A scanned 300-page 案卷 at 300 dpi
/// greyscale JPEG is 30–80 MB; 200 MB leaves room for colour scans without letting one
/// upload fill the database.
pub const MAX_DOCUMENT_BYTES: u64 = 200 * MIB;
/// The largest bulk upload (a ZIP of a round's files): 2 GB, about 60 case files of 30 MB.
/// A quarter (300+ files) goes in several ZIPs or through `pingcha ecf import` on a folder.
pub const MAX_BULK_BYTES: u64 = 2048 * MIB;
/// Documents one case file may hold.
pub const MAX_DOCUMENTS: usize = 200;
/// Pages one document may have.
pub const MAX_PAGES: u32 = 5000;
/// Entries one catalogue may have.
pub const MAX_CATALOGUE_ENTRIES: usize = 500;
/// Characters of a catalogue title.
pub const MAX_TITLE_CHARS: usize = 100;
/// Bytes of one stored chunk: a range request reads only the chunks it covers.
pub const CHUNK_BYTES: u64 = MIB;

/// What a stored document is; TIFF is converted to PNG pages at upload and never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
}

impl MediaType {
    pub const ALL: [MediaType; 3] = [MediaType::Pdf, MediaType::Jpeg, MediaType::Png];

    /// The MIME type, also the stored code.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    pub fn from_mime(text: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|kind| kind.mime() == text)
    }

    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
        }
    }
}

/// The first page (1-based, across the whole case file) of each document, given each
/// document's page count in order: document 1 has pages 1..=n1, document 2 the next n2 …
pub fn first_pages(pages: &[u32]) -> Vec<u32> {
    let mut next = 1u32;
    pages
        .iter()
        .map(|count| {
            let first = next;
            next = next.saturating_add(*count);
            first
        })
        .collect()
}

/// Pages of the whole case file.
pub fn total_pages(pages: &[u32]) -> u32 {
    pages
        .iter()
        .fold(0u32, |sum, count| sum.saturating_add(*count))
}

/// The chunks `[first, last]` (0-based) holding bytes `start..=end` of a content.
pub fn chunks_for(start: u64, end: u64, chunk_bytes: u64) -> (u64, u64) {
    let chunk = chunk_bytes.max(1);
    (start / chunk, end / chunk)
}

/// One line of a catalogue (卷内目录): its number, title, kind, date and pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueEntry {
    pub seq: u32,
    pub title: String,
    pub kind: Option<String>,
    pub date: Option<NaiveDate>,
    pub from: u32,
    pub to: u32,
}

/// Why a catalogue is refused; `line` is its 1-based position in what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("line {line}: empty title")]
    EmptyTitle { line: usize },
    #[error("line {line}: title too long")]
    TitleTooLong { line: usize },
    #[error("line {line}: pages {from}-{to} reversed")]
    Reversed { line: usize, from: u32, to: u32 },
    #[error("line {line}: page {page} beyond the {total} pages")]
    BeyondEnd { line: usize, page: u32, total: u32 },
    #[error("line {line}: page 0")]
    PageZero { line: usize },
    #[error("line {line}: number {seq} repeated")]
    RepeatedSeq { line: usize, seq: u32 },
    #[error("line {line}: unknown document kind {kind}")]
    UnknownKind { line: usize, kind: String },
    #[error("too many entries ({count})")]
    TooMany { count: usize },
}

impl CatalogueError {
    /// The 1-based position of the entry at fault, when one is.
    pub fn line(&self) -> Option<usize> {
        match self {
            CatalogueError::EmptyTitle { line }
            | CatalogueError::TitleTooLong { line }
            | CatalogueError::Reversed { line, .. }
            | CatalogueError::BeyondEnd { line, .. }
            | CatalogueError::PageZero { line }
            | CatalogueError::RepeatedSeq { line, .. }
            | CatalogueError::UnknownKind { line, .. } => Some(*line),
            CatalogueError::TooMany { .. } => None,
        }
    }
}

/// Checks a catalogue against a case file of `total` pages and the bureau's `kinds`: titles
/// present and bounded, pages within the file and in order, numbers unique, kinds known.
/// Entries may overlap (an attachment inside a document) and may leave pages out.
pub fn check_catalogue(
    entries: &[CatalogueEntry],
    total: u32,
    kinds: &[DocumentKind],
) -> Result<(), CatalogueError> {
    if entries.len() > MAX_CATALOGUE_ENTRIES {
        return Err(CatalogueError::TooMany {
            count: entries.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let line = index + 1;
        let title = entry.title.trim();
        if title.is_empty() {
            return Err(CatalogueError::EmptyTitle { line });
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(CatalogueError::TitleTooLong { line });
        }
        if entry.from == 0 || entry.to == 0 {
            return Err(CatalogueError::PageZero { line });
        }
        if entry.from > entry.to {
            return Err(CatalogueError::Reversed {
                line,
                from: entry.from,
                to: entry.to,
            });
        }
        if entry.to > total {
            return Err(CatalogueError::BeyondEnd {
                line,
                page: entry.to,
                total,
            });
        }
        if !seen.insert(entry.seq) {
            return Err(CatalogueError::RepeatedSeq {
                line,
                seq: entry.seq,
            });
        }
        if let Some(kind) = &entry.kind
            && !kinds.iter().any(|known| &known.name == kind)
        {
            return Err(CatalogueError::UnknownKind {
                line,
                kind: kind.clone(),
            });
        }
    }
    Ok(())
}

/// A kind of document (文书种类) in the bureau's list, with the words of a title that
/// suggest it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentKind {
    pub name: String,
    pub keywords: Vec<String>,
}

impl DocumentKind {
    /// Keywords as stored: '|'-separated.
    pub fn parse_keywords(text: &str) -> Vec<String> {
        text.split(['|', '、', ',', '，'])
            .map(str::trim)
            .filter(|word| !word.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The kind a catalogue title suggests: the kind named in full in the title, else the kind
/// with the longest keyword found in it (the list's order breaks ties).
pub fn guess_kind<'a>(title: &str, kinds: &'a [DocumentKind]) -> Option<&'a DocumentKind> {
    let title = normalize_case_no(title);
    if let Some(named) = kinds.iter().find(|kind| {
        kind.name
            .split('/')
            .any(|part| !part.is_empty() && title.contains(part))
    }) {
        return Some(named);
    }
    let mut best: Option<(&DocumentKind, usize)> = None;
    for kind in kinds {
        for word in &kind.keywords {
            let length = word.chars().count();
            if title.contains(word.as_str()) && best.is_none_or(|(_, longest)| length > longest) {
                best = Some((kind, length));
            }
        }
    }
    best.map(|(kind, _)| kind)
}

/// The kinds a case file holds, by its catalogue (for rule checks: "is there a 会见笔录?").
pub fn kinds_present(entries: &[CatalogueEntry]) -> BTreeSet<String> {
    entries
        .iter()
        .filter_map(|entry| entry.kind.clone())
        .collect()
}

/// The 案号 an uploaded name (a file or folder name) carries: the longest of `case_numbers`
/// (stored normalised) that the normalised name contains, so that 第12号 is not taken for
/// 第1号. Unique longest match only; `None` when no number or two equally long ones match.
pub fn match_case_number<'a>(name: &str, case_numbers: &'a [String]) -> Option<&'a str> {
    let name = normalize_case_no(name)
        .replace(['(', '〔', '['], "(")
        .replace([')', '〕', ']'], ")");
    let mut best: Option<(&str, usize)> = None;
    let mut tie = false;
    for number in case_numbers {
        let folded = number
            .replace(['(', '〔', '['], "(")
            .replace([')', '〕', ']'], ")");
        if folded.is_empty() || !name.contains(&folded) {
            continue;
        }
        let length = folded.chars().count();
        match best {
            Some((_, longest)) if longest > length => {}
            Some((_, longest)) if longest == length => tie = true,
            _ => {
                best = Some((number.as_str(), length));
                tie = false;
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|(number, _)| number)
    }
}

/// A catalogue from bookmarks: each top-level bookmark starts an entry that runs to the page
/// before the next one (the last to the document's end). `marks` are (title, first page), in
/// order; pages are of the whole case file.
pub fn catalogue_from_bookmarks(
    marks: &[(String, u32)],
    last_page: u32,
    first_seq: u32,
    kinds: &[DocumentKind],
) -> Vec<CatalogueEntry> {
    let mut sorted: Vec<&(String, u32)> = marks
        .iter()
        .filter(|(title, page)| !title.trim().is_empty() && *page >= 1 && *page <= last_page)
        .collect();
    sorted.sort_by_key(|(_, page)| *page);
    let mut entries = Vec::new();
    for (index, (title, page)) in sorted.iter().enumerate() {
        let to = sorted
            .get(index + 1)
            .map_or(last_page, |(_, next)| next.saturating_sub(1).max(*page));
        let title: String = title.trim().chars().take(MAX_TITLE_CHARS).collect();
        let kind = guess_kind(&title, kinds).map(|kind| kind.name.clone());
        entries.push(CatalogueEntry {
            seq: first_seq + u32::try_from(index).unwrap_or(u32::MAX - first_seq),
            title,
            kind,
            date: None,
            from: *page,
            to,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<DocumentKind> {
        [
            ("委托协议", "委托协议|委托合同"),
            ("授权委托书", "授权委托|委托书"),
            ("会见笔录", "会见"),
            ("辩护词/代理词", "辩护词|代理词|辩护意见"),
        ]
        .into_iter()
        .map(|(name, words)| DocumentKind {
            name: name.into(),
            keywords: DocumentKind::parse_keywords(words),
        })
        .collect()
    }

    #[test]
    fn pages_are_numbered_across_documents() {
        assert_eq!(first_pages(&[3, 1, 5]), vec![1, 4, 5]);
        assert_eq!(total_pages(&[3, 1, 5]), 9);
        assert_eq!(first_pages(&[]), Vec::<u32>::new());
    }

    #[test]
    fn a_range_reads_only_its_chunks() {
        assert_eq!(chunks_for(0, 0, 10), (0, 0));
        assert_eq!(chunks_for(9, 10, 10), (0, 1));
        assert_eq!(chunks_for(25, 29, 10), (2, 2));
    }

    #[test]
    fn titles_suggest_kinds() {
        let kinds = kinds();
        let guess = |title: &str| guess_kind(title, &kinds).map(|kind| kind.name.as_str());
        assert_eq!(guess("第一次会见笔录"), Some("会见笔录"));
        assert_eq!(guess("法律援助委托协议"), Some("委托协议"));
        assert_eq!(guess("授权委托书（当事人）"), Some("授权委托书"));
        assert_eq!(guess("代理词"), Some("辩护词/代理词"));
        assert_eq!(guess("照片"), None);
    }

    #[test]
    fn catalogues_are_checked_line_by_line() {
        let entry = |seq, from, to| CatalogueEntry {
            seq,
            title: "会见笔录".into(),
            kind: Some("会见笔录".into()),
            date: None,
            from,
            to,
        };
        let kinds = kinds();
        assert_eq!(
            check_catalogue(&[entry(1, 1, 3), entry(2, 4, 9)], 9, &kinds),
            Ok(())
        );
        assert_eq!(
            check_catalogue(&[entry(1, 1, 3), entry(2, 4, 10)], 9, &kinds),
            Err(CatalogueError::BeyondEnd {
                line: 2,
                page: 10,
                total: 9
            })
        );
        assert_eq!(
            check_catalogue(&[entry(1, 3, 2)], 9, &kinds),
            Err(CatalogueError::Reversed {
                line: 1,
                from: 3,
                to: 2
            })
        );
        assert_eq!(
            check_catalogue(&[entry(1, 1, 2), entry(1, 3, 4)], 9, &kinds),
            Err(CatalogueError::RepeatedSeq { line: 2, seq: 1 })
        );
        let mut unknown = entry(1, 1, 1);
        unknown.kind = Some("照片".into());
        assert!(matches!(
            check_catalogue(&[unknown], 9, &kinds),
            Err(CatalogueError::UnknownKind { line: 1, .. })
        ));
        assert_eq!(kinds_present(&[entry(1, 1, 1)]).len(), 1);
    }

    #[test]
    fn names_carry_the_longest_case_number() {
        let numbers = vec![
            "(2025)宁兴法援民字第1号".to_string(),
            "(2025)宁兴法援民字第12号".to_string(),
        ];
        assert_eq!(
            match_case_number("（2025）宁兴法援民字第12号.pdf", &numbers),
            Some("(2025)宁兴法援民字第12号")
        );
        assert_eq!(
            match_case_number("卷宗/〔2025〕宁兴法援民字第1号/a.pdf", &numbers),
            Some("(2025)宁兴法援民字第1号")
        );
        assert_eq!(match_case_number("其他.pdf", &numbers), None);
    }

    #[test]
    fn bookmarks_become_entries_up_to_the_next_one() {
        let marks = vec![("委托协议".to_string(), 1), ("会见笔录".to_string(), 4)];
        let entries = catalogue_from_bookmarks(&marks, 9, 1, &kinds());
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].from, entries[0].to), (1, 3));
        assert_eq!((entries[1].from, entries[1].to), (4, 9));
        assert_eq!(entries[1].kind.as_deref(), Some("会见笔录"));
    }
}
