//! The only printpdf user: fonts, A4 pages, CJK line breaking with 禁则, justified paragraphs,
//! tables that break across pages, charts, page numbers and the glyph-coverage check.
//!
//! Documents describe content to a [`Layout`]; it measures every character with the font's own
//! advances, places it in page coordinates (y grows downwards from the page top here and is
//! flipped only when printpdf ops are written) and keeps a list of drawing items per page.
//! [`Layout::finish`] adds page numbers, hashes the content to derive the subset tags and the
//! PDF `/ID`, and serialises: the same content always gives the same bytes.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::Range;

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix, WindingOrder,
};
use sha2::{Digest, Sha256};

use super::Error;

/// A4 in points (210 × 297 mm).
pub(crate) const PAGE_WIDTH: f32 = 595.2756;
pub(crate) const PAGE_HEIGHT: f32 = 841.8898;

/// Millimetres to points.
pub(crate) fn mm(value: f32) -> f32 {
    value * 72.0 / 25.4
}

/// Characters that must not begin a line (避头).
const NO_LINE_START: &str = "，。、；：？！）」』》〉〕】］｝’”…—·％‰,.;:?!)]}%～";
/// Characters that must not end a line (避尾).
const NO_LINE_END: &str = "（「『《〈〔【［｛‘“([{·";

const REGULAR: &[u8] = include_bytes!("../../fonts/NotoSerifSC-Regular-GB18030.otf");
const BOLD: &[u8] = include_bytes!("../../fonts/NotoSerifSC-Bold-GB18030.otf");
/// HanaMinA (GlyphWiki) cut to the GB 18030 characters Noto lacks.
const FALLBACK_SYMBOLS: &[u8] = include_bytes!("../../fonts/GlyphWikiMin-Symbols.ttf");
/// HanaMinB (GlyphWiki) cut to CJK Extensions B–F less what Noto has: rare name characters.
const FALLBACK_EXTENSIONS: &[u8] = include_bytes!("../../fonts/GlyphWikiMin-ExtB-F.ttf");

/// Most pages a document may have. A document that would run longer is refused with
/// [`Error::TooLong`] instead of growing without bound (a 100,000-character finding in a
/// feedback report takes about 150 pages).
pub(crate) const MAX_PAGES: usize = 3000;

/// One font file: its bytes and the face to use when it is a collection (`.ttc`).
#[derive(Clone)]
pub struct FontSource {
    pub bytes: Cow<'static, [u8]>,
    pub face_index: usize,
}

impl std::fmt::Debug for FontSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FontSource")
            .field("bytes", &self.bytes.len())
            .field("face_index", &self.face_index)
            .finish()
    }
}

impl FontSource {
    /// Fails unless the bytes are a usable font (for a fallback file, which is otherwise
    /// read only when a character needs it).
    pub fn check(&self) -> Result<(), Error> {
        parse_face(self, FontRole::Fallback).map(|_| ())
    }

    /// A font read by the caller (e.g. a bureau's licensed 仿宋_GB2312).
    pub fn from_bytes(bytes: Vec<u8>, face_index: usize) -> Self {
        Self {
            bytes: Cow::Owned(bytes),
            face_index,
        }
    }
}

/// The fonts documents are set in. `body` stands for 仿宋 (body text and tables), `title` for
/// 小标宋 (titles, the issuing-organ mark); `heading` (黑体, for 一、 headings) falls back to
/// `title` and `kai` (楷体, for （一） headings) to `body`. A character the role's font lacks
/// is set in the first of `fallback` that has it (per glyph, measured with that face).
#[derive(Debug, Clone)]
pub struct FontSet {
    pub body: FontSource,
    pub title: FontSource,
    pub heading: Option<FontSource>,
    pub kai: Option<FontSource>,
    pub fallback: Vec<FontSource>,
}

impl FontSet {
    /// The shipped fallback faces (HanaMin cuts, see `fonts/README.md`).
    pub fn shipped_fallback() -> Vec<FontSource> {
        [FALLBACK_SYMBOLS, FALLBACK_EXTENSIONS]
            .into_iter()
            .map(|bytes| FontSource {
                bytes: Cow::Borrowed(bytes),
                face_index: 0,
            })
            .collect()
    }
}

impl Default for FontSet {
    /// The shipped Noto Serif CJK SC subsets (GB 18030 level 2) with the HanaMin fallback
    /// faces for rare characters of Extensions B–F, see `fonts/README.md`.
    fn default() -> Self {
        Self {
            body: FontSource {
                bytes: Cow::Borrowed(REGULAR),
                face_index: 0,
            },
            title: FontSource {
                bytes: Cow::Borrowed(BOLD),
                face_index: 0,
            },
            heading: None,
            kai: None,
            fallback: Self::shipped_fallback(),
        }
    }
}

/// Which of the configured fonts a piece of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FontRole {
    Body,
    Title,
    Heading,
    Kai,
    /// Only for naming a fallback face that cannot be read.
    Fallback,
}

impl FontRole {
    fn name(self) -> &'static str {
        match self {
            Self::Body => "正文",
            Self::Title => "标题",
            Self::Heading => "小标题",
            Self::Kai => "楷体",
            Self::Fallback => "后备",
        }
    }
}

/// A character no configured face can draw, and where it is: the document and field
/// (e.g. 评查评分表（A-1）受援人).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MissingGlyph {
    pub character: char,
    pub context: String,
}

/// Every character of a document no face can draw, each with its places, in the order met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingGlyphs {
    /// The document's title, e.g. 关于……情况的反馈.
    pub document: String,
    /// Distinct (character, place) pairs, at most [`MissingGlyphs::LISTED`].
    pub listed: Vec<MissingGlyph>,
    /// Further occurrences not listed (the same pair again, or past the limit).
    pub more: usize,
}

impl MissingGlyphs {
    /// Distinct pairs kept; a 100,000-character text of emoji still gives a short message.
    pub const LISTED: usize = 200;

    fn add(&mut self, character: char, context: &str) {
        if self
            .listed
            .iter()
            .any(|seen| seen.character == character && seen.context == context)
            || self.listed.len() >= Self::LISTED
        {
            self.more += 1;
            return;
        }
        self.listed.push(MissingGlyph {
            character,
            context: context.to_owned(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The distinct characters, in the order met.
    pub fn characters(&self) -> Vec<char> {
        let mut characters: Vec<char> = Vec::new();
        for missing in &self.listed {
            if !characters.contains(&missing.character) {
                characters.push(missing.character);
            }
        }
        characters
    }
}

/// A character as the message names it: itself when printable, and its code point.
fn describe(character: char) -> String {
    if character.is_control() {
        format!("U+{:04X}（控制字符）", u32::from(character))
    } else {
        format!("“{character}”（U+{:04X}）", u32::from(character))
    }
}

impl std::fmt::Display for MissingGlyphs {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let characters = self.characters();
        write!(
            formatter,
            "《{}》中有{}个字符所有字体都无法显示，未生成文书：",
            self.document,
            characters.len()
        )?;
        for (index, character) in characters.iter().enumerate() {
            let places: Vec<&str> = self
                .listed
                .iter()
                .filter(|missing| missing.character == *character)
                .map(|missing| missing.context.as_str())
                .collect();
            let separator = if index == 0 { "" } else { "；" };
            write!(
                formatter,
                "{separator}{}，见于{}",
                describe(*character),
                places.join("、")
            )?;
        }
        if self.more > 0 {
            write!(formatter, "（另有{}处未列出）", self.more)?;
        }
        write!(
            formatter,
            "。请改正这些文字（如误输入的符号），或由管理员配置含这些字的字体（--font-fallback）。"
        )
    }
}

struct Face {
    parsed: ParsedFont,
    units_per_em: f32,
}

/// A fallback face, parsed the first time a character needs it: the shipped Extension B–F
/// face is 30 MB, and most documents never use it.
struct LazyFace {
    source: FontSource,
    face: std::sync::OnceLock<Option<Face>>,
}

/// Parsed fonts, ready to measure and embed. Parse once (about 30 ms per face) and share.
/// Faces are numbered: the role faces first, then the fallback faces in order.
pub struct Fonts {
    faces: Vec<Face>,
    /// Index into `faces` for Body, Title, Heading, Kai.
    roles: [usize; 4],
    /// Tried, in order, for a character the role's face lacks.
    fallback: Vec<LazyFace>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Fonts")
            .field("faces", &self.faces.len())
            .finish()
    }
}

impl Fonts {
    /// Parses a font set; optional roles fall back as described on [`FontSet`].
    pub fn load(set: &FontSet) -> Result<Self, Error> {
        let mut faces = vec![
            parse_face(&set.body, FontRole::Body)?,
            parse_face(&set.title, FontRole::Title)?,
        ];
        let heading = match &set.heading {
            Some(source) => {
                faces.push(parse_face(source, FontRole::Heading)?);
                faces.len() - 1
            }
            None => 1,
        };
        let kai = match &set.kai {
            Some(source) => {
                faces.push(parse_face(source, FontRole::Kai)?);
                faces.len() - 1
            }
            None => 0,
        };
        let fallback = set
            .fallback
            .iter()
            .map(|source| LazyFace {
                source: source.clone(),
                face: std::sync::OnceLock::new(),
            })
            .collect();
        Ok(Self {
            faces,
            roles: [0, 1, heading, kai],
            fallback,
        })
    }

    /// The shipped fonts.
    pub fn embedded() -> Result<Self, Error> {
        Self::load(&FontSet::default())
    }

    fn face_index(&self, role: FontRole) -> usize {
        let slot = match role {
            FontRole::Body => 0,
            FontRole::Title => 1,
            FontRole::Heading => 2,
            FontRole::Kai => 3,
            FontRole::Fallback => return 0,
        };
        self.roles.get(slot).copied().unwrap_or(0)
    }

    /// The face `character` is set in for `role` (the role's own face, else the first
    /// fallback face that has it) and its advance in em; `None` when no face has it.
    fn glyph(&self, role: FontRole, character: char) -> Option<(usize, f32)> {
        if character.is_control() {
            return None;
        }
        let own = self.face_index(role);
        std::iter::once(own)
            .chain(self.faces.len()..self.face_count())
            .find_map(|index| {
                let face = self.face_at(index)?;
                match face.parsed.lookup_glyph_index(u32::from(character)) {
                    Some(0) | None => None,
                    Some(glyph) => Some((
                        index,
                        f32::from(face.parsed.get_horizontal_advance(glyph)) / face.units_per_em,
                    )),
                }
            })
    }

    /// How many faces there are, fallback faces included.
    fn face_count(&self) -> usize {
        self.faces.len() + self.fallback.len()
    }

    /// Face `index` (role faces, then fallback faces, parsed on first use); `None` for a
    /// fallback face that cannot be read, which then draws nothing.
    fn face_at(&self, index: usize) -> Option<&Face> {
        if let Some(face) = self.faces.get(index) {
            return Some(face);
        }
        let lazy = self.fallback.get(index.checked_sub(self.faces.len())?)?;
        lazy.face
            .get_or_init(|| parse_face(&lazy.source, FontRole::Fallback).ok())
            .as_ref()
    }

    /// Advance of `character` in em, or `None` when no face has a glyph for it.
    fn advance(&self, role: FontRole, character: char) -> Option<f32> {
        self.glyph(role, character).map(|(_, advance)| advance)
    }

    /// Every character of `text` (line breaks aside) that no face can draw for `role`.
    pub(crate) fn missing(&self, role: FontRole, text: &str) -> impl Iterator<Item = char> {
        text.chars()
            .filter(move |character| *character != '\n' && self.glyph(role, *character).is_none())
    }

    /// Width in points of `text` set in `style`, including its tracking between characters.
    pub(crate) fn width(&self, style: &TextStyle, text: &str) -> f32 {
        let mut total = 0.0;
        let mut count = 0usize;
        for character in text.chars() {
            total += self.advance(style.role, character).unwrap_or(1.0) * style.size;
            count += 1;
        }
        total + style.tracking * count.saturating_sub(1) as f32
    }
}

fn parse_face(source: &FontSource, role: FontRole) -> Result<Face, Error> {
    let unreadable = || Error::FontUnreadable {
        role: role.name(),
        face_index: source.face_index,
    };
    let mut warnings = Vec::new();
    let parsed = ParsedFont::from_bytes(&source.bytes, source.face_index, &mut warnings)
        .ok_or_else(unreadable)?;
    let units_per_em = f32::from(parsed.font_metrics.units_per_em);
    if units_per_em <= 0.0 {
        return Err(unreadable());
    }
    Ok(Face {
        parsed,
        units_per_em,
    })
}

/// An RGB colour, 0–255 per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    pub(crate) const BLACK: Self = Self(0, 0, 0);
    /// The red of the issuing-organ mark and separator line.
    pub(crate) const RED: Self = Self(230, 0, 18);
    pub(crate) const GREY: Self = Self(110, 110, 110);
    pub(crate) const HEADER_FILL: Self = Self(232, 232, 232);
    pub(crate) const GROUP_FILL: Self = Self(245, 245, 245);

    fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(
            f32::from(self.0) / 255.0,
            f32::from(self.1) / 255.0,
            f32::from(self.2) / 255.0,
            None,
        ))
    }
}

/// How a run of text looks: font, size, extra space after each character, line pitch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    pub role: FontRole,
    pub size: f32,
    pub tracking: f32,
    pub leading: f32,
    pub colour: Colour,
}

impl TextStyle {
    pub(crate) fn new(role: FontRole, size: f32, leading: f32) -> Self {
        Self {
            role,
            size,
            tracking: 0.0,
            leading,
            colour: Colour::BLACK,
        }
    }

    pub(crate) fn with_colour(self, colour: Colour) -> Self {
        Self { colour, ..self }
    }

    pub(crate) fn with_tracking(self, tracking: f32) -> Self {
        Self { tracking, ..self }
    }

    /// Baseline offset from the top of a line box so that the ideographic em box is centred.
    fn baseline_in_line(&self) -> f32 {
        self.leading / 2.0 + 0.38 * self.size
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
    Right,
    /// Justified lines, last line left.
    Justify,
}

/// One line chosen by [`break_lines`]: a byte range of the text (trailing spaces excluded).
#[derive(Debug, Clone, PartialEq)]
pub struct LineBreak {
    pub range: Range<usize>,
    /// Natural width in the measure's units.
    pub width: f32,
    /// Set when a single unbreakable run was wider than the line and had to be cut.
    pub forced: bool,
}

fn in_set(set: &str, character: char) -> bool {
    set.contains(character)
}

fn is_latin(character: char) -> bool {
    character.is_ascii_graphic() || ('\u{a0}'..='\u{ff}').contains(&character)
}

/// May a line end between `before` and `after`? `visible` is the last character before
/// that is not a space (a line's trailing spaces are dropped, so it is what ends the line).
fn may_break(before: char, visible: Option<char>, after: char) -> bool {
    if after == ' ' {
        return false;
    }
    if in_set(NO_LINE_START, after)
        || in_set(NO_LINE_END, before)
        || visible.is_some_and(|visible| in_set(NO_LINE_END, visible))
    {
        return false;
    }
    if before == ' ' {
        return true;
    }
    // Latin words and numbers (2025, 95.5, A-12) stay whole.
    !(is_latin(before) && is_latin(after))
}

/// Breaks `text` into lines no wider than `first_width` (first line) and `width` (others),
/// with `measure` giving each character's advance. Follows 禁则: no line starts with a mark
/// from `NO_LINE_START` (，。、；：？！）」》〕 …) and none ends with one from `NO_LINE_END`
/// (（「《〔 …); —— and …… stay whole, Latin words and numbers are not split unless a single
/// one is wider than the line.
pub fn break_lines(
    text: &str,
    first_width: f32,
    width: f32,
    measure: impl Fn(char) -> f32,
) -> Vec<LineBreak> {
    // Unbreakable segments: (range, width of the visible part, width of trailing spaces).
    let mut segments: Vec<(Range<usize>, f32, f32)> = Vec::new();
    let mut previous: Option<char> = None;
    let mut visible: Option<char> = None;
    for (index, character) in text.char_indices() {
        let advance = measure(character);
        let start_new = previous.is_none_or(|before| may_break(before, visible, character));
        if character != ' ' {
            visible = Some(character);
        }
        if start_new {
            segments.push((index..index + character.len_utf8(), 0.0, 0.0));
        }
        if let Some(segment) = segments.last_mut() {
            segment.0.end = index + character.len_utf8();
            if character == ' ' {
                segment.2 += advance;
            } else {
                segment.1 += segment.2 + advance;
                segment.2 = 0.0;
            }
        }
        previous = Some(character);
    }

    let mut lines = Vec::new();
    let mut line: Option<(Range<usize>, f32, f32)> = None; // range, visible width, pending spaces
    let limit = |lines: &Vec<LineBreak>| if lines.is_empty() { first_width } else { width };
    for (range, visible, spaces) in segments {
        if let Some((current, current_width, pending)) = line.as_mut() {
            if *current_width + *pending + visible <= limit(&lines) + 1e-3 {
                current.end = range.end;
                *current_width += *pending + visible;
                *pending = spaces;
                continue;
            }
            lines.push(LineBreak {
                range: current.start..trimmed_end(text, current),
                width: *current_width,
                forced: false,
            });
        }
        if visible <= limit(&lines) + 1e-3 {
            line = Some((range, visible, spaces));
            continue;
        }
        // A run wider than a whole line: cut it character by character.
        let mut start = range.start;
        let mut run_width = 0.0;
        for (offset, character) in text[range.clone()].char_indices() {
            let index = range.start + offset;
            let advance = measure(character);
            if run_width + advance > limit(&lines) + 1e-3 && index > start {
                lines.push(LineBreak {
                    range: start..index,
                    width: run_width,
                    forced: true,
                });
                start = index;
                run_width = 0.0;
            }
            run_width += advance;
        }
        line = Some((start..range.end, run_width - spaces, 0.0));
    }
    if let Some((current, current_width, _)) = line {
        lines.push(LineBreak {
            range: current.start..trimmed_end(text, &current),
            width: current_width,
            forced: false,
        });
    }
    lines
}

fn trimmed_end(text: &str, range: &Range<usize>) -> usize {
    range.start + text[range.clone()].trim_end_matches(' ').len()
}

/// Where page numbers go and how they read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageNumbers {
    /// 第 1 页 共 N 页, centred in the footer; N counts the pages of the current group.
    OfTotal,
    /// GB/T 9704: — 1 —, 4号 half-width, odd pages right, even pages left, one character in.
    Official,
}

/// Margins in points and page furniture.
#[derive(Debug, Clone)]
pub(crate) struct PageSetup {
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
    pub numbers: PageNumbers,
}

impl PageSetup {
    /// GB/T 9704: top 37 mm, binding side 28 mm, text block 156 × 225 mm.
    pub(crate) fn official() -> Self {
        Self {
            top: mm(37.0),
            bottom: PAGE_HEIGHT - mm(37.0 + 225.0),
            left: mm(28.0),
            right: mm(26.0),
            numbers: PageNumbers::Official,
        }
    }

    /// Forms: a wider block for the rubric table.
    pub(crate) fn form() -> Self {
        Self {
            top: mm(20.0),
            bottom: mm(18.0),
            left: mm(22.0),
            right: mm(18.0),
            numbers: PageNumbers::OfTotal,
        }
    }
}

/// Body text after GB/T 9704: 3号 (16 pt), 28 characters and 22 lines in the 156 × 225 mm block.
pub(crate) fn official_body(role: FontRole) -> TextStyle {
    TextStyle::new(role, 16.0, mm(225.0) / 22.0).with_tracking(mm(156.0) / 28.0 - 16.0)
}

#[derive(Debug, Clone)]
enum Item {
    /// A run of text set in one face (a line switches faces where a glyph falls back).
    Text {
        face: usize,
        size: f32,
        colour: Colour,
        spacing: f32,
        x: f32,
        baseline: f32,
        text: String,
    },
    Stroke {
        points: Vec<(f32, f32)>,
        closed: bool,
        width: f32,
        colour: Colour,
    },
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        colour: Colour,
    },
}

#[derive(Debug, Default)]
struct Page {
    items: Vec<Item>,
    /// Index of the numbering group the page belongs to (a score sheet in a batch).
    group: usize,
    header: Option<String>,
}

/// Options for [`Layout::paragraph`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paragraph {
    pub style: TextStyle,
    pub align: Align,
    /// First-line indent in characters of the style's size (2 for body text).
    pub indent: f32,
    /// Left inset in points for every line (e.g. a 右空四字 signature block uses `Right` instead).
    pub inset: f32,
    pub right_inset: f32,
    /// Points of what follows that the paragraph's last two lines stay on a page with
    /// (widow control before a signature block); 0 for none.
    pub keep_after: f32,
}

impl Paragraph {
    pub(crate) fn body(style: TextStyle) -> Self {
        Self {
            style,
            align: Align::Justify,
            indent: 2.0,
            inset: 0.0,
            right_inset: 0.0,
            keep_after: 0.0,
        }
    }

    pub(crate) fn plain(style: TextStyle, align: Align) -> Self {
        Self {
            style,
            align,
            indent: 0.0,
            inset: 0.0,
            right_inset: 0.0,
            keep_after: 0.0,
        }
    }
}

/// A table column: relative width and the alignment of its cells.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub weight: f32,
    pub align: Align,
}

impl Column {
    /// The columns of a table, from (weight, alignment) pairs.
    pub(crate) fn list(spec: &[(f32, Align)]) -> Vec<Column> {
        spec.iter()
            .map(|&(weight, align)| Column { weight, align })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    Normal,
    /// A section line: shaded, kept with the next row.
    Group,
    /// Subtotals and totals: bold.
    Total,
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub span: usize,
    pub align: Option<Align>,
    /// Set in the heading font (labels in a form).
    pub strong: bool,
    /// What the cell holds, for naming a missing character's place when the column's
    /// header does not say (e.g. 承办人 in a form of label–value pairs).
    pub field: Option<String>,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            span: 1,
            align: None,
            strong: false,
            field: None,
        }
    }

    pub(crate) fn strong(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            span: 1,
            align: Some(Align::Centre),
            strong: true,
            field: None,
        }
    }

    pub(crate) fn spanning(text: impl Into<String>, span: usize, align: Align) -> Self {
        Self {
            text: text.into(),
            span,
            align: Some(align),
            strong: false,
            field: None,
        }
    }

    pub(crate) fn field(self, field: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..self
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub cells: Vec<Cell>,
    pub kind: RowKind,
    /// Which record the row shows (e.g. 案号（2025）…第3号), named with the table's
    /// context when a character is missing.
    pub record: Option<String>,
}

impl Row {
    pub(crate) fn new(cells: Vec<Cell>) -> Self {
        Self {
            cells,
            kind: RowKind::Normal,
            record: None,
        }
    }

    pub(crate) fn record(self, record: impl Into<String>) -> Self {
        Self {
            record: Some(record.into()),
            ..self
        }
    }

    pub(crate) fn texts<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> Self {
        Self::new(texts.into_iter().map(Cell::new).collect())
    }

    pub(crate) fn kind(self, kind: RowKind) -> Self {
        Self { kind, ..self }
    }
}

/// A table whose header row repeats on every page it runs onto.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    /// Repeated at the top of every page the table runs onto.
    pub header: Option<Row>,
    pub rows: Vec<Row>,
    pub style: TextStyle,
    /// Where the table's text came from, for [`Error::MissingGlyph`].
    pub context: String,
}

/// One laid-out cell: x range, alignment, style and wrapped lines.
struct CellLines {
    x0: f32,
    x1: f32,
    align: Align,
    style: TextStyle,
    lines: Vec<String>,
}

/// One laid-out row.
struct RowLines {
    cells: Vec<CellLines>,
    kind: RowKind,
    header: bool,
}

impl RowLines {
    fn line_count(&self) -> usize {
        self.cells
            .iter()
            .map(|cell| cell.lines.len())
            .max()
            .unwrap_or(1)
            .max(1)
    }
}

const CELL_PAD_X: f32 = 3.0;
const CELL_PAD_Y: f32 = 3.0;

/// A bar chart: one bar per label, values drawn as searchable text.
#[derive(Debug, Clone)]
pub(crate) struct BarChart {
    pub title: String,
    pub bars: Vec<(String, f32)>,
    /// Axis maximum; bars are scaled to it.
    pub max: f32,
    /// Text printed at the end of each bar, e.g. "12（40.0%）".
    pub value_labels: Vec<String>,
    /// Bars run horizontally with labels on the left (long unit names).
    pub horizontal: bool,
    pub height: f32,
}

/// A line chart over a category axis (rounds), one line per series.
#[derive(Debug, Clone)]
pub(crate) struct LineChart {
    pub title: String,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<f32>)>,
    pub min: f32,
    pub max: f32,
    pub height: f32,
}

const SERIES_COLOURS: [Colour; 3] = [
    Colour(38, 84, 140),
    Colour(196, 78, 36),
    Colour(60, 130, 70),
];
const BAR_COLOUR: Colour = Colour(70, 110, 160);
const AXIS_COLOUR: Colour = Colour(80, 80, 80);
const GRID_COLOUR: Colour = Colour(210, 210, 210);

/// Lays content onto A4 pages. Positions are in points from the page's top-left corner.
pub(crate) struct Layout<'f> {
    fonts: &'f Fonts,
    setup: PageSetup,
    title: String,
    date: NaiveDate,
    pages: Vec<Page>,
    /// Top of the free space on the last page.
    cursor: f32,
    group: usize,
    header: Option<String>,
    /// 核验码 printed at the foot of every page, when the document is issued.
    verification_code: Option<String>,
    /// Characters no face can draw, gathered over the whole document and reported by
    /// [`Layout::finish`], so one message names them all.
    missing: RefCell<MissingGlyphs>,
    /// Set when the document ran past `max_pages`; layout stops adding pages.
    overflow: bool,
    /// [`MAX_PAGES`], lower in tests.
    max_pages: usize,
}

impl<'f> Layout<'f> {
    /// Starts a document with one empty page. `title` and `date` go into the PDF metadata.
    pub(crate) fn new(fonts: &'f Fonts, setup: PageSetup, title: &str, date: NaiveDate) -> Self {
        let cursor = setup.top;
        Self {
            fonts,
            setup,
            title: title.to_owned(),
            date,
            pages: vec![Page::default()],
            cursor,
            group: 0,
            header: None,
            verification_code: None,
            missing: RefCell::new(MissingGlyphs::default()),
            overflow: false,
            max_pages: MAX_PAGES,
        }
    }

    /// Notes every character of `text` that no face can draw for `role`; `context` says
    /// where the text is (document and field). [`Layout::finish`] refuses the document
    /// naming them all.
    pub(crate) fn check(&self, role: FontRole, text: &str, context: &str) {
        let mut missing = self.missing.borrow_mut();
        for character in self.fonts.missing(role, text) {
            missing.add(character, context);
        }
    }

    /// Prints `核验码：code` at the foot of every page.
    pub(crate) fn set_verification_code(&mut self, code: Option<&str>) {
        self.verification_code = code.map(str::to_owned);
    }

    pub(crate) fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    pub(crate) fn left(&self) -> f32 {
        self.setup.left
    }

    pub(crate) fn right(&self) -> f32 {
        PAGE_WIDTH - self.setup.right
    }

    pub(crate) fn block_width(&self) -> f32 {
        self.right() - self.left()
    }

    fn bottom(&self) -> f32 {
        PAGE_HEIGHT - self.setup.bottom
    }

    pub(crate) fn cursor(&self) -> f32 {
        self.cursor
    }

    pub(crate) fn remaining(&self) -> f32 {
        self.bottom() - self.cursor
    }

    /// Header line printed on the following pages of the current group (not on its first page).
    pub(crate) fn set_running_header(&mut self, header: Option<String>) {
        self.header = header;
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn new_page(&mut self) {
        if self.pages.len() >= self.max_pages {
            // Past the cap the last page is reused: layout still ends, `finish` refuses.
            self.overflow = true;
            if let Some(page) = self.pages.last_mut() {
                page.items.clear();
            }
            self.cursor = self.setup.top;
            return;
        }
        let page = Page {
            items: Vec::new(),
            group: self.group,
            header: self.header.clone(),
        };
        self.pages.push(page);
        self.cursor = self.setup.top;
    }

    /// Starts a new numbering group (the next score sheet of a batch) on a fresh page.
    pub(crate) fn start_group(&mut self) {
        self.header = None;
        if self.pages.last().is_some_and(|page| !page.items.is_empty()) {
            self.group += 1;
            self.new_page();
        } else {
            self.group = self.pages.last().map_or(0, |page| page.group);
        }
    }

    /// Moves to a new page unless `height` points are still free.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.remaining() < height - 0.01 && self.cursor > self.setup.top + 0.01 {
            self.new_page();
        }
    }

    pub(crate) fn skip(&mut self, height: f32) {
        self.cursor += height;
    }

    /// Sets the cursor to an absolute position on the current page (used by the 版头).
    pub(crate) fn move_to(&mut self, y: f32) {
        self.cursor = y;
    }

    /// Draws one line of text with its left end at `x` and its line box top at `top`.
    pub(crate) fn text_at(
        &mut self,
        x: f32,
        top: f32,
        style: &TextStyle,
        text: &str,
        spacing: f32,
    ) {
        if text.is_empty() {
            return;
        }
        let baseline = top + style.baseline_in_line();
        let fonts = self.fonts;
        let items = text_runs(fonts, style, spacing, x, baseline, text);
        self.page().items.extend(items);
    }

    /// A single line, aligned within [left, right]; checked for glyphs. Returns its width.
    pub(crate) fn line(
        &mut self,
        style: &TextStyle,
        text: &str,
        align: Align,
        context: &str,
    ) -> Result<f32, Error> {
        self.check(style.role, text, context);
        self.ensure(style.leading);
        let width = self.fonts.width(style, text);
        let x = match align {
            Align::Left | Align::Justify => self.left(),
            Align::Centre => self.left() + (self.block_width() - width) / 2.0,
            Align::Right => self.right() - width,
        };
        let top = self.cursor;
        self.text_at(x, top, style, text, style.tracking);
        self.cursor += style.leading;
        Ok(width)
    }

    /// Breaks `text` into lines of `width` points (the first line `first_width`), checking
    /// every character first.
    pub(crate) fn wrap(
        &self,
        style: &TextStyle,
        text: &str,
        first_width: f32,
        width: f32,
        context: &str,
    ) -> Result<Vec<(String, f32)>, Error> {
        self.check(style.role, text, context);
        let mut out = Vec::new();
        for source_line in text.split('\n') {
            let measure = |character: char| {
                self.fonts.advance(style.role, character).unwrap_or(1.0) * style.size
                    + style.tracking
            };
            let limit_first = if out.is_empty() { first_width } else { width };
            // The last character of a line has no spacing after it: with positive tracking a
            // line may hold it. Negative tracking (GB/T 9704's 28 characters of 3号 in 156 mm)
            // is a character grid: a line holds as many slots as fit, the last glyph
            // overhanging its slot by the tracking (0.2 pt), as a word processor's grid does.
            let slack = style.tracking.max(0.0);
            let breaks = break_lines(source_line, limit_first + slack, width + slack, measure);
            if breaks.is_empty() {
                out.push((String::new(), 0.0));
            }
            for line in breaks {
                out.push((
                    source_line[line.range].to_owned(),
                    (line.width - style.tracking).max(0.0),
                ));
            }
        }
        Ok(out)
    }

    /// A paragraph: wrapped, first-line indent, justified (last line left), across pages.
    pub(crate) fn paragraph(
        &mut self,
        text: &str,
        paragraph: &Paragraph,
        context: &str,
    ) -> Result<(), Error> {
        let style = paragraph.style;
        let indent = paragraph.indent * (style.size + style.tracking);
        let left = self.left() + paragraph.inset;
        let width = self.block_width() - paragraph.inset - paragraph.right_inset;
        let lines = self.wrap(&style, text, width - indent, width, context)?;
        let count = lines.len();
        let kept = count.min(2);
        for (index, (line, natural)) in lines.into_iter().enumerate() {
            if paragraph.keep_after > 0.0 && count - index == kept {
                self.ensure(kept as f32 * style.leading + paragraph.keep_after);
            }
            self.ensure(style.leading);
            let first = index == 0;
            let available = if first { width - indent } else { width };
            let x0 = if first { left + indent } else { left };
            let characters = line.chars().count();
            let last = index + 1 == count;
            let (x, spacing) = match paragraph.align {
                Align::Left => (x0, style.tracking),
                Align::Centre => (x0 + (available - natural) / 2.0, style.tracking),
                Align::Right => (x0 + available - natural, style.tracking),
                Align::Justify => {
                    let extra = if last || characters < 2 {
                        0.0
                    } else {
                        (available - natural) / (characters - 1) as f32
                    };
                    // A line holding one long Latin word would be spread too thin: leave it ragged.
                    let extra = if extra > style.size * 0.6 { 0.0 } else { extra };
                    (x0, style.tracking + extra.max(0.0))
                }
            };
            let top = self.cursor;
            self.text_at(x, top, &style, &line, spacing);
            self.cursor += style.leading;
        }
        Ok(())
    }

    /// A horizontal rule across the text block at the cursor.
    pub(crate) fn rule(&mut self, width: f32, colour: Colour) {
        let (left, right, y) = (self.left(), self.right(), self.cursor);
        self.stroke(vec![(left, y), (right, y)], width, colour);
    }

    pub(crate) fn stroke(&mut self, points: Vec<(f32, f32)>, width: f32, colour: Colour) {
        self.page().items.push(Item::Stroke {
            points,
            closed: false,
            width,
            colour,
        });
    }

    fn outline(&mut self, x: f32, y: f32, width: f32, height: f32, line: f32) {
        let points = vec![
            (x, y),
            (x + width, y),
            (x + width, y + height),
            (x, y + height),
        ];
        self.page().items.push(Item::Stroke {
            points,
            closed: true,
            width: line,
            colour: Colour::BLACK,
        });
    }

    fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Colour) {
        self.page().items.push(Item::Fill {
            x,
            y,
            width,
            height,
            colour,
        });
    }

    /// Draws a table at the cursor, breaking across pages and repeating the header row.
    /// A row taller than what is left of a page is split between its lines.
    pub(crate) fn table(&mut self, table: &Table) -> Result<(), Error> {
        let total_weight: f32 = table.columns.iter().map(|column| column.weight).sum();
        if table.columns.is_empty() || total_weight <= 0.0 {
            return Err(Error::Layout {
                what: format!("table without columns ({})", table.context),
            });
        }
        let widths = self.column_widths(table, total_weight);
        let mut edges = vec![self.left()];
        for width in widths {
            let last = edges.last().copied().unwrap_or(0.0);
            edges.push(last + width);
        }
        let header = match &table.header {
            Some(row) => Some(self.lay_row(table, row, &edges, true)?),
            None => None,
        };
        let mut rows = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            rows.push(self.lay_row(table, row, &edges, false)?);
        }
        let line_height = table.style.leading;
        let row_height = |lines: usize| lines as f32 * line_height + 2.0 * CELL_PAD_Y;
        let header_height = header
            .as_ref()
            .map_or(0.0, |header| row_height(header.line_count()));

        // The header repeats on every page unless it would leave no room for a line.
        let page_room = self.bottom() - self.setup.top;
        let repeat_header = header_height + row_height(1) <= page_room / 2.0;
        let top_after_header = self.setup.top + if repeat_header { header_height } else { 0.0 };

        let first_needed = header_height
            + rows
                .first()
                .map_or(0.0, |row| row_height(row.line_count().min(2)));
        self.ensure(first_needed);
        if let Some(header) = &header {
            self.draw_row(header, 0, header.line_count());
        }
        // Every pass draws at least one line of a row or starts a page below a page that is
        // not empty, so the loop ends after at most (lines + pages) passes, whatever the text.
        let mut index = 0;
        let mut from = 0; // lines of rows[index] already drawn on earlier pages
        while let Some(row) = rows.get(index) {
            let lines = row.line_count();
            let left = lines.saturating_sub(from).max(1);
            let mut needed = row_height(left);
            if row.kind == RowKind::Group && from == 0 {
                // A section line stays with the first lines of its first row.
                needed += rows
                    .get(index + 1)
                    .map_or(0.0, |next| row_height(next.line_count().min(2)));
            }
            if needed <= self.remaining() + 0.01 {
                self.draw_row(row, from, lines);
                index += 1;
                from = 0;
                continue;
            }
            let fit = ((self.remaining() - 2.0 * CELL_PAD_Y) / line_height)
                .floor()
                .max(0.0) as usize;
            let at_page_top = self.cursor <= top_after_header + 0.5;
            if at_page_top {
                // Nothing better will come on a fresh page: draw what fits (at least a line).
                let taken = fit.clamp(1, left);
                self.draw_row(row, from, from + taken);
                if taken == left {
                    index += 1;
                    from = 0;
                    continue;
                }
                from += taken;
            } else if fit >= 3 && left >= fit + 3 {
                // A long row is split, at least three lines on each side; the rest continues
                // on the next page under the repeated header.
                self.draw_row(row, from, from + fit);
                from += fit;
            }
            self.new_page();
            if repeat_header && let Some(header) = &header {
                self.draw_row(header, 0, header.line_count());
            }
        }
        Ok(())
    }

    /// Column widths from the weights, widened where a header would otherwise wrap (the
    /// space comes from the other columns in proportion to their weights).
    fn column_widths(&self, table: &Table, total_weight: f32) -> Vec<f32> {
        let block = self.block_width();
        let header_style = TextStyle {
            role: FontRole::Heading,
            ..table.style
        };
        let minimum: Vec<f32> = (0..table.columns.len())
            .map(|index| {
                let cell = table
                    .header
                    .as_ref()
                    .and_then(|header| header.cells.get(index))
                    .filter(|cell| cell.span == 1 && !cell.text.contains('\n'));
                cell.map_or(0.0, |cell| {
                    self.fonts.width(&header_style, &cell.text) + 2.0 * CELL_PAD_X + 1.0
                })
            })
            .collect();
        let mut fixed = vec![false; table.columns.len()];
        let mut widths: Vec<f32> = table
            .columns
            .iter()
            .map(|column| block * column.weight / total_weight)
            .collect();
        for _ in 0..table.columns.len() {
            let mut changed = false;
            for index in 0..widths.len() {
                if !fixed[index] && widths[index] < minimum[index] {
                    fixed[index] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            let taken: f32 = (0..widths.len())
                .filter(|index| fixed[*index])
                .map(|index| minimum[index])
                .sum();
            let free_weight: f32 = table
                .columns
                .iter()
                .zip(&fixed)
                .filter(|(_, fixed)| !**fixed)
                .map(|(column, _)| column.weight)
                .sum();
            for (index, column) in table.columns.iter().enumerate() {
                widths[index] = if fixed[index] {
                    minimum[index]
                } else {
                    (block - taken).max(0.0) * column.weight / free_weight.max(1e-3)
                };
            }
        }
        widths
    }

    fn lay_row(
        &self,
        table: &Table,
        row: &Row,
        edges: &[f32],
        header: bool,
    ) -> Result<RowLines, Error> {
        let mut cells = Vec::new();
        let mut column = 0;
        for cell in &row.cells {
            let span = cell.span.max(1);
            let (Some(&x0), Some(&x1)) = (edges.get(column), edges.get(column + span)) else {
                return Err(Error::Layout {
                    what: format!("row wider than its table ({})", table.context),
                });
            };
            let align = cell.align.unwrap_or_else(|| {
                if header {
                    Align::Centre
                } else {
                    table.columns.get(column).map_or(Align::Left, |c| c.align)
                }
            });
            let style = if header || cell.strong || row.kind != RowKind::Normal {
                TextStyle {
                    role: FontRole::Heading,
                    ..table.style
                }
            } else {
                table.style
            };
            let width = x1 - x0 - 2.0 * CELL_PAD_X;
            let label = cell.field.as_deref().or_else(|| {
                let header = table.header.as_ref().filter(|_| row.record.is_some())?;
                header.cells.get(column).map(|label| label.text.as_str())
            });
            let context = match label {
                Some(label) => format!(
                    "{}{}的“{label}”",
                    table.context,
                    row.record.as_deref().unwrap_or("")
                ),
                None => table.context.clone(),
            };
            let lines = self
                .wrap(&style, &cell.text, width, width, &context)?
                .into_iter()
                .map(|(text, _)| text)
                .collect();
            cells.push(CellLines {
                x0,
                x1,
                align,
                style,
                lines,
            });
            column += span;
        }
        if column != table.columns.len() {
            return Err(Error::Layout {
                what: format!(
                    "row of {column} columns in a table of {} ({})",
                    table.columns.len(),
                    table.context
                ),
            });
        }
        Ok(RowLines {
            cells,
            kind: row.kind,
            header,
        })
    }

    fn draw_row(&mut self, row: &RowLines, from: usize, to: usize) {
        let leading = row.cells.first().map_or(12.0, |cell| cell.style.leading);
        let lines = to.saturating_sub(from).max(1);
        let height = lines as f32 * leading + 2.0 * CELL_PAD_Y;
        let top = self.cursor;
        let continued = "（续）".to_owned();
        for (index, cell) in row.cells.iter().enumerate() {
            let (x0, x1) = (cell.x0, cell.x1);
            if row.header {
                self.fill(x0, top, x1 - x0, height, Colour::HEADER_FILL);
            } else if row.kind == RowKind::Group {
                self.fill(x0, top, x1 - x0, height, Colour::GROUP_FILL);
            }
            let mut shown: Vec<&String> = cell.lines.iter().skip(from).take(to - from).collect();
            // A row continued from the previous page names what it continues (e.g. its case
            // number) when its first cell was short and is already used up.
            if index == 0
                && from > 0
                && !row.header
                && shown.is_empty()
                && !cell.lines.is_empty()
                && cell.lines.len() < lines
                && cell.lines.len() <= 3
            {
                shown = cell.lines.iter().chain([&continued]).collect();
            }
            // Short cells sit in the vertical middle of the row.
            let offset = (lines - shown.len().min(lines)) as f32 * leading / 2.0;
            for (line_index, text) in shown.into_iter().enumerate() {
                let width = self.fonts.width(&cell.style, text);
                let x = match cell.align {
                    Align::Left | Align::Justify => x0 + CELL_PAD_X,
                    Align::Centre => (x0 + x1 - width) / 2.0,
                    Align::Right => x1 - CELL_PAD_X - width,
                };
                let line_top = top + CELL_PAD_Y + offset + line_index as f32 * leading;
                self.text_at(x, line_top, &cell.style, text, cell.style.tracking);
            }
            self.outline(x0, top, x1 - x0, height, 0.6);
        }
        self.cursor += height;
    }

    /// Draws a bar chart across the text block at the cursor; labels stay searchable text.
    pub(crate) fn bar_chart(
        &mut self,
        chart: &BarChart,
        label_style: &TextStyle,
    ) -> Result<(), Error> {
        let title_style = TextStyle {
            role: FontRole::Heading,
            size: label_style.size + 1.0,
            leading: label_style.leading + 4.0,
            ..*label_style
        };
        for (label, _) in &chart.bars {
            self.check(label_style.role, label, &chart.title);
        }
        for label in &chart.value_labels {
            self.check(label_style.role, label, &chart.title);
        }
        self.ensure(chart.height + title_style.leading);
        self.line(&title_style, &chart.title, Align::Centre, "图表标题")?;
        let top = self.cursor + 4.0;
        let (left, right) = (self.left(), self.right());
        let max = if chart.max > 0.0 { chart.max } else { 1.0 };
        let count = chart.bars.len().max(1) as f32;
        if chart.horizontal {
            let label_width = chart
                .bars
                .iter()
                .map(|(label, _)| self.fonts.width(label_style, label))
                .fold(0.0, f32::max)
                + 8.0;
            let value_room = chart
                .value_labels
                .iter()
                .map(|label| self.fonts.width(label_style, label))
                .fold(0.0, f32::max)
                + 8.0;
            let plot_left = left + label_width;
            let plot_width = (right - plot_left - value_room).max(10.0);
            let pitch = (chart.height - label_style.leading) / count;
            let bar = (pitch * 0.6).min(18.0);
            for step in 0..=4 {
                let x = plot_left + plot_width * step as f32 / 4.0;
                self.stroke(vec![(x, top), (x, top + pitch * count)], 0.4, GRID_COLOUR);
                let tick = format_tick(max * step as f32 / 4.0);
                let width = self.fonts.width(label_style, &tick);
                self.text_at(
                    x - width / 2.0,
                    top + pitch * count + 2.0,
                    label_style,
                    &tick,
                    label_style.tracking,
                );
            }
            for (index, (label, value)) in chart.bars.iter().enumerate() {
                let row_top = top + pitch * index as f32;
                let label_w = self.fonts.width(label_style, label);
                let text_top = row_top + (pitch - label_style.leading) / 2.0;
                self.text_at(
                    plot_left - 6.0 - label_w,
                    text_top,
                    label_style,
                    label,
                    label_style.tracking,
                );
                let length = plot_width * (value / max).clamp(0.0, 1.0);
                self.fill(
                    plot_left,
                    row_top + (pitch - bar) / 2.0,
                    length,
                    bar,
                    BAR_COLOUR,
                );
                if let Some(value_label) = chart.value_labels.get(index) {
                    self.text_at(
                        plot_left + length + 4.0,
                        text_top,
                        label_style,
                        value_label,
                        label_style.tracking,
                    );
                }
            }
            self.stroke(
                vec![(plot_left, top), (plot_left, top + pitch * count)],
                0.8,
                AXIS_COLOUR,
            );
        } else {
            let plot_top = top + label_style.leading;
            let plot_height = chart.height - 2.0 * label_style.leading - 8.0;
            let axis_room = 30.0;
            let plot_left = left + axis_room;
            let plot_width = right - plot_left;
            let pitch = plot_width / count;
            let bar = (pitch * 0.5).min(60.0);
            let base = plot_top + plot_height;
            for step in 0..=4 {
                let y = base - plot_height * step as f32 / 4.0;
                self.stroke(vec![(plot_left, y), (right, y)], 0.4, GRID_COLOUR);
                let tick = format_tick(max * step as f32 / 4.0);
                let width = self.fonts.width(label_style, &tick);
                self.text_at(
                    plot_left - 4.0 - width,
                    y - label_style.leading / 2.0,
                    label_style,
                    &tick,
                    label_style.tracking,
                );
            }
            for (index, (label, value)) in chart.bars.iter().enumerate() {
                let centre = plot_left + pitch * (index as f32 + 0.5);
                let height = plot_height * (value / max).clamp(0.0, 1.0);
                self.fill(centre - bar / 2.0, base - height, bar, height, BAR_COLOUR);
                let label_w = self.fonts.width(label_style, label);
                self.text_at(
                    centre - label_w / 2.0,
                    base + 3.0,
                    label_style,
                    label,
                    label_style.tracking,
                );
                if let Some(value_label) = chart.value_labels.get(index) {
                    let width = self.fonts.width(label_style, value_label);
                    self.text_at(
                        centre - width / 2.0,
                        base - height - label_style.leading,
                        label_style,
                        value_label,
                        label_style.tracking,
                    );
                }
            }
            self.stroke(vec![(plot_left, base), (right, base)], 0.8, AXIS_COLOUR);
        }
        self.cursor = top + chart.height + 6.0;
        Ok(())
    }

    /// Draws a line chart across the text block at the cursor, with a legend and value labels.
    pub(crate) fn line_chart(
        &mut self,
        chart: &LineChart,
        label_style: &TextStyle,
    ) -> Result<(), Error> {
        let title_style = TextStyle {
            role: FontRole::Heading,
            size: label_style.size + 1.0,
            leading: label_style.leading + 4.0,
            ..*label_style
        };
        for label in chart
            .categories
            .iter()
            .chain(chart.series.iter().map(|(name, _)| name))
        {
            self.check(label_style.role, label, &chart.title);
        }
        self.ensure(chart.height + title_style.leading);
        self.line(&title_style, &chart.title, Align::Centre, "图表标题")?;
        let top = self.cursor + 2.0;
        let (left, right) = (self.left(), self.right());
        // Legend line.
        let mut x = left + 30.0;
        for (index, (name, _)) in chart.series.iter().enumerate() {
            let colour = SERIES_COLOURS[index % SERIES_COLOURS.len()];
            let middle = top + label_style.leading / 2.0;
            self.stroke(vec![(x, middle), (x + 20.0, middle)], 1.6, colour);
            self.text_at(x + 24.0, top, label_style, name, label_style.tracking);
            x += 34.0 + self.fonts.width(label_style, name);
        }
        let plot_top = top + label_style.leading + 10.0;
        let plot_height = chart.height - 3.0 * label_style.leading - 14.0;
        let plot_left = left + 30.0;
        let plot_width = right - plot_left;
        let base = plot_top + plot_height;
        let span = (chart.max - chart.min).max(1e-3);
        let step_size = [5.0, 10.0, 20.0, 25.0, 50.0]
            .into_iter()
            .find(|step| span / step <= 6.0)
            .unwrap_or(span / 4.0);
        let steps = (span / step_size).round().max(1.0) as usize;
        for step in 0..=steps {
            let y = base - plot_height * step as f32 / steps as f32;
            self.stroke(vec![(plot_left, y), (right, y)], 0.4, GRID_COLOUR);
            let tick = format_tick(chart.min + span * step as f32 / steps as f32);
            let width = self.fonts.width(label_style, &tick);
            self.text_at(
                plot_left - 4.0 - width,
                y - label_style.leading / 2.0,
                label_style,
                &tick,
                label_style.tracking,
            );
        }
        let count = chart.categories.len().max(1) as f32;
        let pitch = plot_width / count;
        for (index, category) in chart.categories.iter().enumerate() {
            let centre = plot_left + pitch * (index as f32 + 0.5);
            let width = self.fonts.width(label_style, category);
            self.text_at(
                centre - width / 2.0,
                base + 3.0,
                label_style,
                category,
                label_style.tracking,
            );
        }
        for (series_index, (_, values)) in chart.series.iter().enumerate() {
            let colour = SERIES_COLOURS[series_index % SERIES_COLOURS.len()];
            let points: Vec<(f32, f32)> = values
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    let x = plot_left + pitch * (index as f32 + 0.5);
                    (
                        x,
                        base - plot_height * ((value - chart.min) / span).clamp(0.0, 1.0),
                    )
                })
                .collect();
            if points.len() > 1 {
                self.stroke(points.clone(), 1.6, colour);
            }
            for (index, ((x, y), value)) in points.iter().zip(values).enumerate() {
                self.fill(x - 2.5, y - 2.5, 5.0, 5.0, colour);
                let label = format!("{value:.1}");
                let width = self.fonts.width(label_style, &label);
                // The higher series is labelled above its points, the others below, unless
                // that would run into the axis labels.
                let highest = chart
                    .series
                    .iter()
                    .all(|(_, other)| other.get(index).is_none_or(|other| other <= value));
                let below = y + 3.0;
                let label_top = if highest || below + label_style.leading > base {
                    y - label_style.leading - 2.0
                } else {
                    below
                };
                self.text_at(
                    x - width / 2.0,
                    label_top,
                    label_style,
                    &label,
                    label_style.tracking,
                );
            }
        }
        self.stroke(vec![(plot_left, base), (right, base)], 0.8, AXIS_COLOUR);
        self.cursor = top + chart.height + 6.0;
        Ok(())
    }

    fn page_number_items(&mut self) -> Result<(), Error> {
        let mut group_sizes: Vec<usize> = Vec::new();
        for page in &self.pages {
            if group_sizes.len() <= page.group {
                group_sizes.resize(page.group + 1, 0);
            }
            if let Some(size) = group_sizes.get_mut(page.group) {
                *size += 1;
            }
        }
        let numbers = self.setup.numbers;
        let style = match numbers {
            PageNumbers::OfTotal => TextStyle::new(FontRole::Body, 9.0, 12.0),
            PageNumbers::Official => TextStyle::new(FontRole::Body, 14.0, 16.0),
        };
        let header_style = TextStyle::new(FontRole::Body, 9.0, 12.0).with_colour(Colour::GREY);
        let code_style = TextStyle::new(FontRole::Body, 8.0, 10.0).with_colour(Colour::GREY);
        let code_line = self
            .verification_code
            .as_ref()
            .map(|code| format!("核验码：{code}（可在本系统“文书核验”页面核验）"));
        if let Some(line) = &code_line {
            self.check(code_style.role, line, "核验码");
        }
        let (left, right) = (self.left(), self.right());
        let text_bottom = self.bottom();
        let mut previous_group = usize::MAX;
        let mut number = 0;
        let fonts = self.fonts;
        for page in &mut self.pages {
            if page.group != previous_group {
                previous_group = page.group;
                number = 0;
            }
            number += 1;
            let total = group_sizes.get(page.group).copied().unwrap_or(1);
            let (text, x) = match numbers {
                PageNumbers::OfTotal => {
                    let text = format!("第 {number} 页 共 {total} 页");
                    let width = fonts.width(&style, &text);
                    (text, (left + right - width) / 2.0)
                }
                PageNumbers::Official => {
                    let text = format!("— {number} —");
                    let width = fonts.width(&style, &text);
                    let indent = 14.0;
                    let x = if number % 2 == 1 {
                        right - indent - width
                    } else {
                        left + indent
                    };
                    (text, x)
                }
            };
            let top = match numbers {
                PageNumbers::OfTotal => text_bottom + 8.0,
                PageNumbers::Official => text_bottom + mm(7.0),
            };
            page.items.extend(text_runs(
                fonts,
                &style,
                0.0,
                x,
                top + style.baseline_in_line(),
                &text,
            ));
            if let Some(line) = &code_line {
                let width = fonts.width(&code_style, line);
                page.items.extend(text_runs(
                    fonts,
                    &code_style,
                    0.0,
                    (left + right - width) / 2.0,
                    PAGE_HEIGHT - mm(9.0),
                    line,
                ));
            }
            if let Some(header) = &page.header {
                let width = fonts.width(&header_style, header);
                let top = self.setup.top - 22.0;
                page.items.extend(text_runs(
                    fonts,
                    &header_style,
                    0.0,
                    right - width,
                    top + header_style.baseline_in_line(),
                    header,
                ));
                page.items.push(Item::Stroke {
                    points: vec![(left, top + 14.0), (right, top + 14.0)],
                    closed: false,
                    width: 0.5,
                    colour: Colour::GREY,
                });
            }
        }
        Ok(())
    }

    /// Adds page numbers and running headers and writes the PDF.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>, Error> {
        if self.overflow {
            return Err(Error::TooLong {
                pages: self.max_pages,
                title: self.title.clone(),
            });
        }
        let mut previous: Option<&String> = None;
        for page in &self.pages {
            if let Some(header) = page
                .header
                .as_ref()
                .filter(|header| previous != Some(*header))
            {
                let mut missing = self.missing.borrow_mut();
                for character in self.fonts.missing(FontRole::Body, header) {
                    missing.add(character, "页眉");
                }
                previous = Some(header);
            }
        }
        self.page_number_items()?;
        let mut missing = self.missing.take();
        if !missing.is_empty() {
            missing.document = self.title.clone();
            return Err(Error::MissingGlyphs(missing));
        }
        let mut hasher = Sha256::new();
        let mut scratch = String::new();
        for (index, page) in self.pages.iter().enumerate() {
            for item in &page.items {
                scratch.clear();
                let _ = write!(scratch, "{index}{item:?}");
                hasher.update(scratch.as_bytes());
            }
        }
        hasher.update(self.title.as_bytes());
        let digest = hasher.finalize();
        let identifier = hex::encode(&digest[..16]);

        let mut document = PdfDocument::new(&self.title);
        let timestamp = self
            .date
            .and_hms_opt(0, 0, 0)
            .map_or(0, |moment| moment.and_utc().timestamp());
        if let Ok(date) = printpdf::OffsetDateTime::from_unix_timestamp(timestamp) {
            document.metadata.info.creation_date = date;
            document.metadata.info.modification_date = date;
            document.metadata.info.metadata_date = date;
        }
        document.metadata.info.creator = "Pingcha".to_owned();
        document.metadata.info.producer = "Pingcha (printpdf)".to_owned();
        document.metadata.info.identifier = identifier.clone();

        // Resource names double as subset tags: six capitals derived from the content.
        let mut font_ids = Vec::new();
        for index in 0..self.fonts.face_count() {
            let mut face_digest = Sha256::new();
            face_digest.update(digest);
            face_digest.update(index.to_le_bytes());
            let tag: String = face_digest
                .finalize()
                .iter()
                .take(6)
                .map(|byte| char::from(b'A' + byte % 26))
                .collect();
            let id = FontId(format!("{tag}F{index}"));
            let used = self.pages.iter().any(|page| {
                page.items
                    .iter()
                    .any(|item| matches!(item, Item::Text { face, .. } if *face == index))
            });
            if used && let Some(face) = self.fonts.face_at(index) {
                document
                    .resources
                    .fonts
                    .map
                    .insert(id.clone(), PdfFont::new(face.parsed.clone()));
            }
            font_ids.push(id);
        }

        let pages: Vec<PdfPage> = self
            .pages
            .iter()
            .map(|page| {
                PdfPage::new(
                    printpdf::Mm(210.0),
                    printpdf::Mm(297.0),
                    page_ops(page, &font_ids),
                )
            })
            .collect();
        document.with_pages(pages);
        let mut warnings = Vec::new();
        let mut lopdf_document =
            document.to_lopdf_document(&PdfSaveOptions::default(), &mut warnings);
        let id = lopdf::Object::string_literal(identifier.into_bytes());
        lopdf_document
            .trailer
            .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        lopdf_document.compress();
        // Object and cross-reference streams (PDF 1.5) compress the font descriptors, width
        // arrays and page dictionaries too: about 3 KB less per document.
        lopdf_document.version = "1.5".to_owned();
        let mut bytes = Vec::new();
        lopdf_document
            .save_modern(&mut bytes)
            .map_err(|error| Error::Write(std::io::Error::other(error.to_string())))?;
        Ok(bytes)
    }
}

/// `text` from `x` on one baseline as runs of one face each: a character the style's face
/// lacks is set in the first fallback face that has it, and the runs after it start where
/// that face's advance (plus the spacing written as `Tc` after every glyph) ends.
fn text_runs(
    fonts: &Fonts,
    style: &TextStyle,
    spacing: f32,
    x: f32,
    baseline: f32,
    text: &str,
) -> Vec<Item> {
    let own = fonts.face_index(style.role);
    let mut items = Vec::new();
    let mut run = String::new();
    let mut run_face = own;
    let mut run_x = x;
    let mut pen_x = x;
    for character in text.chars() {
        let (face, advance) = fonts.glyph(style.role, character).unwrap_or((own, 1.0));
        if face != run_face && !run.is_empty() {
            items.push(Item::Text {
                face: run_face,
                size: style.size,
                colour: style.colour,
                spacing,
                x: run_x,
                baseline,
                text: std::mem::take(&mut run),
            });
            run_x = pen_x;
        }
        if run.is_empty() {
            run_face = face;
            run_x = pen_x;
        }
        run.push(character);
        pen_x += advance * style.size + spacing;
    }
    if !run.is_empty() {
        items.push(Item::Text {
            face: run_face,
            size: style.size,
            colour: style.colour,
            spacing,
            x: run_x,
            baseline,
            text: run,
        });
    }
    items
}

fn format_tick(value: f32) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

/// Coordinates are written with two decimals (1/100 pt is far below what a printer shows);
/// shorter numbers keep the content streams small.
fn round(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(round(x)),
            y: Pt(round(PAGE_HEIGHT - y)),
        },
        bezier: false,
    }
}

/// Graphics state already set in the content stream, so repeated settings are not written.
#[derive(Default)]
struct PenState {
    in_text: bool,
    font: Option<(usize, f32)>,
    fill: Option<Colour>,
    stroke: Option<(Colour, f32)>,
    spacing: f32,
}

impl PenState {
    fn end_text(&mut self, ops: &mut Vec<Op>) {
        if self.in_text {
            ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn set_fill(&mut self, ops: &mut Vec<Op>, colour: Colour) {
        if self.fill != Some(colour) {
            ops.push(Op::SetFillColor { col: colour.pdf() });
            self.fill = Some(colour);
        }
    }

    fn set_stroke(&mut self, ops: &mut Vec<Op>, colour: Colour, width: f32) {
        if self.stroke != Some((colour, width)) {
            ops.push(Op::SetOutlineColor { col: colour.pdf() });
            ops.push(Op::SetOutlineThickness { pt: Pt(width) });
            self.stroke = Some((colour, width));
        }
    }
}

fn rectangle(x: f32, y: f32, width: f32, height: f32, mode: PaintMode) -> Op {
    Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(round(x)),
            y: Pt(round(PAGE_HEIGHT - y - height)),
            width: Pt(round(width)),
            height: Pt(round(height)),
            mode: Some(mode),
            winding_order: Some(WindingOrder::NonZero),
        },
    }
}

fn page_ops(page: &Page, font_ids: &[FontId]) -> Vec<Op> {
    let mut ops = Vec::with_capacity(page.items.len() * 3);
    let mut pen = PenState::default();
    for item in &page.items {
        match item {
            Item::Text {
                face,
                size,
                colour,
                spacing,
                x,
                baseline,
                text,
            } => {
                if !pen.in_text {
                    ops.push(Op::StartTextSection);
                    pen.in_text = true;
                    pen.font = None;
                    pen.spacing = 0.0;
                }
                let face = *face;
                if pen.font != Some((face, *size)) {
                    let id = font_ids
                        .get(face)
                        .cloned()
                        .unwrap_or_else(|| FontId("F0".to_owned()));
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(id),
                        size: Pt(*size),
                    });
                    pen.font = Some((face, *size));
                }
                pen.set_fill(&mut ops, *colour);
                let spacing = (spacing * 1000.0).round() / 1000.0;
                if (pen.spacing - spacing).abs() > 1e-4 {
                    ops.push(Op::SetCharacterSpacing {
                        multiplier: spacing,
                    });
                    pen.spacing = spacing;
                }
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(Pt(round(*x)), Pt(round(PAGE_HEIGHT - baseline))),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(text.clone())],
                });
            }
            Item::Stroke {
                points,
                closed,
                width,
                colour,
            } => {
                pen.end_text(&mut ops);
                pen.set_stroke(&mut ops, *colour, *width);
                if let ([(x0, y0), (x1, _), (_, y2), _], true) = (points.as_slice(), *closed) {
                    ops.push(rectangle(*x0, *y0, x1 - x0, y2 - y0, PaintMode::Stroke));
                } else {
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: points.iter().map(|(x, y)| point(*x, *y)).collect(),
                            is_closed: *closed,
                        },
                    });
                }
            }
            Item::Fill {
                x,
                y,
                width,
                height,
                colour,
            } => {
                pen.end_text(&mut ops);
                pen.set_fill(&mut ops, *colour);
                ops.push(rectangle(*x, *y, *width, *height, PaintMode::Fill));
            }
        }
    }
    pen.end_text(&mut ops);
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unit(_: char) -> f32 {
        1.0
    }

    fn check_rules(text: &str, lines: &[LineBreak]) {
        for (index, line) in lines.iter().enumerate() {
            let slice = &text[line.range.clone()];
            if index > 0
                && !lines[index - 1].forced
                && !line.forced
                && let Some(first) = slice.chars().next()
            {
                assert!(
                    !in_set(NO_LINE_START, first),
                    "line {index} starts with {first}: {slice:?}"
                );
            }
            if index + 1 < lines.len()
                && !lines[index + 1].forced
                && !line.forced
                && let Some(last) = slice.chars().last()
            {
                assert!(
                    !in_set(NO_LINE_END, last),
                    "line {index} ends with {last}: {slice:?}"
                );
            }
        }
    }

    #[test]
    fn punctuation_is_pushed_to_the_previous_line() {
        let text = "一二三四五，六七八";
        let lines = break_lines(text, 5.0, 5.0, unit);
        let pieces: Vec<&str> = lines.iter().map(|line| &text[line.range.clone()]).collect();
        assert_eq!(pieces, ["一二三四", "五，六七八"]);
    }

    #[test]
    fn opening_brackets_move_to_the_next_line() {
        let text = "一二三四（五）";
        let lines = break_lines(text, 4.0, 4.0, unit);
        let pieces: Vec<&str> = lines.iter().map(|line| &text[line.range.clone()]).collect();
        assert_eq!(pieces, ["一二三四", "（五）"]);
        let text = "一二三（四五";
        let lines = break_lines(text, 4.0, 4.0, unit);
        let pieces: Vec<&str> = lines.iter().map(|line| &text[line.range.clone()]).collect();
        assert_eq!(pieces, ["一二三", "（四五"]);
    }

    #[test]
    fn dashes_ellipses_and_numbers_stay_whole() {
        let text = "一二三——四五六……七2025年";
        let lines = break_lines(text, 4.0, 4.0, unit);
        let pieces: Vec<&str> = lines.iter().map(|line| &text[line.range.clone()]).collect();
        assert_eq!(pieces, ["一二", "三——四", "五六……", "七", "2025", "年"]);
    }

    fn fonts() -> &'static Fonts {
        static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
        FONTS.get_or_init(|| Fonts::embedded().unwrap())
    }

    #[test]
    fn a_document_past_the_page_cap_is_refused_in_chinese() {
        let mut layout = Layout::new(fonts(), PageSetup::form(), "长文书", NaiveDate::default());
        layout.max_pages = 4;
        let style = TextStyle::new(FontRole::Body, 11.0, 18.0);
        let text = "会见笔录未记录会见时间，".repeat(2_000);
        layout
            .paragraph(&text, &Paragraph::plain(style, Align::Left), "正文")
            .unwrap();
        assert_eq!(layout.pages.len(), 4, "no page is added past the cap");
        let error = layout.finish().unwrap_err();
        assert!(matches!(error, Error::TooLong { pages: 4, .. }));
        assert_eq!(
            error.to_string(),
            "《长文书》超过4页，未生成。请缩短其中过长的文字"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Any row — a group row too, in a narrow or wide column, small or large type — is laid
        /// out whole, in order, on a number of pages bounded by its length.
        #[test]
        fn any_row_is_laid_out_whole_on_boundedly_many_pages(
            text in "[会见笔录未记录时间abc 1，。（）䶮𪚥\n]{0,2500}",
            group in any::<bool>(),
            weight in 0.05f32..4.0,
            size in 6.0f32..40.0,
        ) {
            let mut layout = Layout::new(fonts(), PageSetup::official(), "t", NaiveDate::default());
            layout.skip(300.0);
            let kind = if group { RowKind::Group } else { RowKind::Normal };
            let table = Table {
                columns: vec![
                    Column { weight, align: Align::Left },
                    Column { weight: 1.0, align: Align::Left },
                ],
                header: Some(Row::texts(["Ｘ", "Ｙ"])),
                rows: vec![
                    Row::new(vec![Cell::new(text.clone()), Cell::new("Ｚ")]).kind(kind),
                    Row::texts(["Ｚ", "Ｚ"]),
                ],
                style: TextStyle::new(FontRole::Body, size, size * 1.4),
                context: "t".to_owned(),
            };
            layout.table(&table).unwrap();
            prop_assert!(layout.pages.len() <= text.chars().count() + 3);
            let drawn: String = layout
                .pages
                .iter()
                .flat_map(|page| page.items.iter())
                .filter_map(|item| match item {
                    Item::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<String>()
                .replace("（续）", "")
                .chars()
                .filter(|c| !matches!(c, 'Ｘ' | 'Ｙ' | 'Ｚ' | ' '))
                .collect();
            let expected: String = text.chars().filter(|c| !matches!(c, ' ' | '\n')).collect();
            prop_assert_eq!(drawn, expected);
        }

        #[test]
        fn no_line_breaks_a_kinsoku_rule(
            text in "[一二三四五六七八九十玥喆堃昇，。、；：？！）」》〕（「《〔——……·ab1 ]{0,120}",
            width in 3.0f32..30.0,
        ) {
            let lines = break_lines(&text, width, width, unit);
            check_rules(&text, &lines);
            for line in &lines {
                prop_assert!(line.forced || line.width <= width + 1e-3 || text[line.range.clone()].chars().count() == 1);
            }
            let joined: String = lines.iter().map(|line| text[line.range.clone()].replace(' ', "")).collect();
            prop_assert_eq!(joined, text.replace(' ', ""));
        }
    }
}
