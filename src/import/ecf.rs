//! Documents of an electronic case file, checked by their content (never by name or the
//! browser's type): PDF, JPEG and PNG; TIFF is recognised and refused (see [`ContentError`]).
//!
//! A PDF is read once, front to back, by a small lexer that keeps a bounded state (a name, a
//! word, the current dictionary's few facts), skips string and stream contents and inflates
//! only object streams (bounded), so a 200 MB scan is checked in a few hundred KB of memory.
//! It refuses encrypted files (an `/Encrypt` entry), active content (JavaScript, launch, URI
//! and remote actions, embedded files, rich media, XFA forms, form submission) and damaged
//! files (no header, no `startxref`/`%%EOF` at the end, a cross-reference offset pointing
//! nowhere, an unterminated stream or string, no pages). The page count is the root page
//! tree's `/Count` (the last one in the file, i.e. the newest revision), else the number of
//! page objects. Bookmarks are read with lopdf, which loads the whole file, only for files up
//! to [`MAX_BOOKMARK_SCAN_BYTES`].

use crate::domain::ecf::{MAX_PAGES, MediaType};
use std::io::{Read, Seek, SeekFrom};

/// Files up to this size also have their bookmarks read (lopdf holds the whole file).
pub const MAX_BOOKMARK_SCAN_BYTES: u64 = 64 * 1024 * 1024;
/// The most an object stream may hold compressed, and inflated.
const MAX_OBJECT_STREAM_BYTES: usize = 8 * 1024 * 1024;
const MAX_INFLATED_BYTES: u64 = 32 * 1024 * 1024;
/// Names that make a PDF active: refused.
const ACTIVE_NAMES: &[&str] = &[
    "JavaScript",
    "JS",
    "Launch",
    "URI",
    "GoToR",
    "GoToE",
    "EmbeddedFile",
    "EmbeddedFiles",
    "RichMedia",
    "XFA",
    "SubmitForm",
    "ImportData",
];

/// What an upload's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Zip,
}

/// The kind of a content by its first bytes (a PDF header may follow up to 1 KB of junk).
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Sniffed::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed::Png)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(Sniffed::Tiff)
    } else if head.starts_with(b"PK\x03\x04") {
        Some(Sniffed::Zip)
    } else if find(&head[..head.len().min(1024)], b"%PDF-").is_some() {
        Some(Sniffed::Pdf)
    } else {
        None
    }
}

/// Why a document is refused (facts; `app::messages::ecf` words them with the file's name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("empty file")]
    Empty,
    #[error("not a PDF, JPEG or PNG")]
    Unsupported,
    #[error("TIFF is not accepted")]
    Tiff,
    #[error("encrypted PDF")]
    Encrypted,
    #[error("active content: {0}")]
    Active(String),
    #[error("damaged: {0}")]
    Damaged(&'static str),
    #[error("{0} pages, more than allowed")]
    TooManyPages(u32),
    #[error("read failed: {0}")]
    Read(String),
}

fn read_error(error: std::io::Error) -> ContentError {
    ContentError::Read(error.to_string())
}

/// A checked document: its kind and page count, and for a PDF its bookmarks (top level:
/// title and 1-based page within the document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub media_type: MediaType,
    pub pages: u32,
    pub bookmarks: Vec<(String, u32)>,
}

/// Checks a document of `size` bytes by its content.
pub fn check<R: Read + Seek>(source: &mut R, size: u64) -> Result<Checked, ContentError> {
    if size == 0 {
        return Err(ContentError::Empty);
    }
    let mut head = vec![0u8; usize::try_from(size.min(1024)).unwrap_or(1024)];
    source.seek(SeekFrom::Start(0)).map_err(read_error)?;
    source.read_exact(&mut head).map_err(read_error)?;
    match sniff(&head) {
        Some(Sniffed::Pdf) => check_pdf(source, size),
        Some(Sniffed::Jpeg) => check_jpeg(source, size),
        Some(Sniffed::Png) => check_png(source, size),
        Some(Sniffed::Tiff) => Err(ContentError::Tiff),
        Some(Sniffed::Zip) | None => Err(ContentError::Unsupported),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// The last `length` bytes (or fewer) of the content.
fn tail<R: Read + Seek>(source: &mut R, size: u64, length: u64) -> Result<Vec<u8>, ContentError> {
    let length = size.min(length);
    source
        .seek(SeekFrom::Start(size - length))
        .map_err(read_error)?;
    let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(0)];
    source.read_exact(&mut bytes).map_err(read_error)?;
    Ok(bytes)
}

fn check_pdf<R: Read + Seek>(source: &mut R, size: u64) -> Result<Checked, ContentError> {
    let end = tail(source, size, 2048)?;
    if rfind(&end, b"%%EOF").is_none() {
        return Err(ContentError::Damaged("no %%EOF"));
    }
    let at = rfind(&end, b"startxref").ok_or(ContentError::Damaged("no startxref"))?;
    let offset: u64 = end[at + 9..]
        .iter()
        .skip_while(|byte| byte.is_ascii_whitespace())
        .take_while(|byte| byte.is_ascii_digit())
        .fold(0u64, |sum, digit| {
            sum.saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'))
        });
    if offset == 0 || offset >= size {
        return Err(ContentError::Damaged("startxref outside the file"));
    }
    source.seek(SeekFrom::Start(offset)).map_err(read_error)?;
    let mut at_offset = [0u8; 32];
    let read = source.read(&mut at_offset).map_err(read_error)?;
    let at_offset = &at_offset[..read];
    let pointed = at_offset.starts_with(b"xref")
        || at_offset
            .split(|byte| byte.is_ascii_whitespace())
            .filter(|word| !word.is_empty())
            .nth(2)
            .is_some_and(|word| word.starts_with(b"obj"));
    if !pointed {
        return Err(ContentError::Damaged(
            "cross-reference offset points nowhere",
        ));
    }
    source.seek(SeekFrom::Start(0)).map_err(read_error)?;
    let mut lexer = Lexer::default();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = source.read(&mut buffer).map_err(read_error)?;
        if read == 0 {
            break;
        }
        for byte in &buffer[..read] {
            lexer.feed(*byte)?;
        }
    }
    lexer.finish()?;
    let facts = lexer.facts;
    if facts.encrypted {
        return Err(ContentError::Encrypted);
    }
    if let Some(name) = facts.active {
        return Err(ContentError::Active(name));
    }
    let pages = facts.root_count.unwrap_or(facts.page_objects);
    if pages == 0 {
        return Err(ContentError::Damaged("no pages"));
    }
    if pages > MAX_PAGES {
        return Err(ContentError::TooManyPages(pages));
    }
    let bookmarks = if size <= MAX_BOOKMARK_SCAN_BYTES {
        source.seek(SeekFrom::Start(0)).map_err(read_error)?;
        bookmarks(source, pages)
    } else {
        Vec::new()
    };
    Ok(Checked {
        media_type: MediaType::Pdf,
        pages,
        bookmarks,
    })
}

/// Top-level bookmarks (title, page) by lopdf; none when it cannot read them.
fn bookmarks<R: Read>(source: &mut R, pages: u32) -> Vec<(String, u32)> {
    let Ok(document) = lopdf::Document::load_from(source) else {
        return Vec::new();
    };
    let Ok(toc) = document.get_toc() else {
        return Vec::new();
    };
    toc.toc
        .into_iter()
        .filter(|entry| entry.level <= 1)
        .filter_map(|entry| {
            let page = u32::try_from(entry.page).ok()?;
            (page >= 1 && page <= pages).then_some((entry.title, page))
        })
        .collect()
}

/// What the lexer learnt of a PDF.
#[derive(Debug, Default)]
struct Facts {
    encrypted: bool,
    active: Option<String>,
    root_count: Option<u32>,
    page_objects: u32,
}

/// The facts of the top-level dictionary being read.
#[derive(Debug, Default, Clone)]
struct Dict {
    kind: Option<String>,
    has_parent: bool,
    count: Option<u32>,
    flate: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Normal,
    Comment,
    /// A literal string, with its parenthesis depth and whether the last byte was `\`.
    Literal {
        depth: u32,
        escaped: bool,
    },
    HexOrDict,
    Hex,
    Greater,
    Name,
    /// After the keyword `stream`, before its end-of-line.
    StreamStart,
    Stream,
}

/// The bounded PDF lexer (see the module doc).
#[derive(Debug, Default)]
struct Lexer {
    state: State,
    /// Nesting of `<< >>`.
    depth: u32,
    /// The current top-level dictionary and the last one closed (a stream's dictionary).
    dict: Dict,
    closed: Dict,
    /// The last key at depth 1, whether its value has begun, and `[ ]` nesting there.
    key: Option<String>,
    value_started: bool,
    array: u32,
    name: Vec<u8>,
    word: Vec<u8>,
    /// How much of `endstream` the stream's last bytes match.
    matched: usize,
    /// An object stream's bytes, kept to inflate and scan.
    object_stream: Option<Vec<u8>>,
    /// Inside an inflated object stream (no streams there).
    nested: bool,
    facts: Facts,
}

const END_STREAM: &[u8] = b"endstream";

fn is_delimiter(byte: u8) -> bool {
    byte.is_ascii_whitespace()
        || matches!(
            byte,
            b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%' | 0
        )
}

/// A name's text with its `#xx` escapes decoded.
fn decode_name(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut index = 0;
    while index < raw.len() {
        if raw[index] == b'#'
            && index + 2 < raw.len()
            && let Some(value) = std::str::from_utf8(&raw[index + 1..index + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            index += 3;
        } else {
            out.push(raw[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Lexer {
    fn feed(&mut self, byte: u8) -> Result<(), ContentError> {
        match self.state {
            State::Comment => {
                if byte == b'\r' || byte == b'\n' {
                    self.state = State::Normal;
                }
            }
            State::Literal { depth, escaped } => {
                self.state = match (byte, escaped) {
                    (_, true) => State::Literal {
                        depth,
                        escaped: false,
                    },
                    (b'\\', false) => State::Literal {
                        depth,
                        escaped: true,
                    },
                    (b'(', false) => State::Literal {
                        depth: depth + 1,
                        escaped: false,
                    },
                    (b')', false) if depth <= 1 => State::Normal,
                    (b')', false) => State::Literal {
                        depth: depth - 1,
                        escaped: false,
                    },
                    _ => State::Literal {
                        depth,
                        escaped: false,
                    },
                };
            }
            State::HexOrDict => {
                if byte == b'<' {
                    if self.depth == 1 {
                        self.value_token(None);
                    }
                    self.depth += 1;
                    if self.depth == 1 {
                        self.dict = Dict::default();
                        self.key = None;
                        self.array = 0;
                    }
                    self.state = State::Normal;
                } else {
                    self.state = State::Hex;
                    self.feed(byte)?;
                }
            }
            State::Hex => {
                if byte == b'>' {
                    self.value_token(None);
                    self.state = State::Normal;
                }
            }
            State::Greater => {
                self.state = State::Normal;
                if byte == b'>' {
                    self.close_dict();
                } else {
                    self.feed(byte)?;
                }
            }
            State::Name => {
                if is_delimiter(byte) || self.name.len() > 127 {
                    let name = decode_name(&self.name);
                    self.name.clear();
                    self.state = State::Normal;
                    self.on_name(name);
                    self.feed(byte)?;
                } else {
                    self.name.push(byte);
                }
            }
            State::StreamStart => {
                if byte == b'\n' {
                    self.state = State::Stream;
                } else if byte != b'\r' {
                    self.state = State::Stream;
                    self.stream_byte(byte)?;
                }
            }
            State::Stream => self.stream_byte(byte)?,
            State::Normal => self.normal(byte)?,
        }
        Ok(())
    }

    fn normal(&mut self, byte: u8) -> Result<(), ContentError> {
        if !is_delimiter(byte) {
            if self.word.len() < 32 {
                self.word.push(byte);
            }
            return Ok(());
        }
        self.end_word()?;
        match byte {
            b'%' => self.state = State::Comment,
            b'(' => {
                self.value_token(None);
                self.state = State::Literal {
                    depth: 1,
                    escaped: false,
                };
            }
            b'/' => self.state = State::Name,
            b'<' => self.state = State::HexOrDict,
            b'>' => self.state = State::Greater,
            b'[' if self.depth == 1 => {
                self.value_token(None);
                self.array += 1;
            }
            b']' if self.depth == 1 => self.array = self.array.saturating_sub(1),
            _ => {}
        }
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), ContentError> {
        if self.word.is_empty() {
            return Ok(());
        }
        let word = std::mem::take(&mut self.word);
        if word == b"stream" && !self.nested {
            self.state = State::StreamStart;
            self.matched = 0;
            self.object_stream = (self.closed.kind.as_deref() == Some("ObjStm")).then(Vec::new);
        } else if word == b"obj" || word == b"endobj" {
            self.key = None;
        } else {
            let number = std::str::from_utf8(&word)
                .ok()
                .and_then(|text| text.parse::<u32>().ok());
            self.value_token(number);
        }
        Ok(())
    }

    fn on_name(&mut self, name: String) {
        if ACTIVE_NAMES.contains(&name.as_str()) && self.facts.active.is_none() {
            self.facts.active = Some(name.clone());
        }
        if name == "Encrypt" {
            self.facts.encrypted = true;
        }
        if self.depth != 1 {
            return;
        }
        if self.array > 0 {
            if self.key.as_deref() == Some("Filter") && name == "FlateDecode" {
                self.dict.flate = true;
            }
            return;
        }
        match self.key.take() {
            Some(key) if !self.value_started => match key.as_str() {
                "Type" => self.dict.kind = Some(name),
                "Filter" => self.dict.flate |= name == "FlateDecode",
                _ => {}
            },
            _ => {
                self.dict.has_parent |= name == "Parent";
                self.key = Some(name);
                self.value_started = false;
            }
        }
    }

    /// A non-name token at depth 1: part of the pending key's value.
    fn value_token(&mut self, number: Option<u32>) {
        if self.depth != 1 || self.array > 0 {
            return;
        }
        if self.key.as_deref() == Some("Count") && !self.value_started && self.dict.count.is_none()
        {
            self.dict.count = number;
        }
        self.value_started = true;
    }

    fn close_dict(&mut self) {
        if self.depth == 0 {
            return;
        }
        self.depth -= 1;
        if self.depth == 0 {
            let dict = std::mem::take(&mut self.dict);
            match dict.kind.as_deref() {
                Some("Pages") if !dict.has_parent => {
                    if let Some(count) = dict.count {
                        self.facts.root_count = Some(count);
                    }
                }
                Some("Page") => self.facts.page_objects = self.facts.page_objects.saturating_add(1),
                _ => {}
            }
            self.closed = dict;
            self.key = None;
        }
    }

    fn stream_byte(&mut self, byte: u8) -> Result<(), ContentError> {
        if let Some(kept) = self.object_stream.as_mut() {
            if kept.len() >= MAX_OBJECT_STREAM_BYTES {
                return Err(ContentError::Damaged("object stream too large"));
            }
            kept.push(byte);
        }
        if END_STREAM.get(self.matched) == Some(&byte) {
            self.matched += 1;
        } else {
            self.matched = usize::from(byte == END_STREAM[0]);
        }
        if self.matched == END_STREAM.len() {
            self.state = State::Normal;
            self.matched = 0;
            if let Some(kept) = self.object_stream.take() {
                self.scan_object_stream(&kept[..kept.len() - END_STREAM.len()])?;
            }
            self.closed = Dict::default();
        }
        Ok(())
    }

    /// Inflates an object stream and lexes its objects with the same rules.
    fn scan_object_stream(&mut self, bytes: &[u8]) -> Result<(), ContentError> {
        let content = if self.closed.flate {
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(bytes)
                .take(MAX_INFLATED_BYTES)
                .read_to_end(&mut inflated)
                .map_err(|_| ContentError::Damaged("object stream does not inflate"))?;
            inflated
        } else {
            bytes.to_vec()
        };
        let mut inner = Lexer {
            nested: true,
            ..Lexer::default()
        };
        for byte in content {
            inner.feed(byte)?;
        }
        inner.end_word()?;
        self.facts.encrypted |= inner.facts.encrypted;
        if self.facts.active.is_none() {
            self.facts.active = inner.facts.active;
        }
        if inner.facts.root_count.is_some() {
            self.facts.root_count = inner.facts.root_count;
        }
        self.facts.page_objects = self
            .facts
            .page_objects
            .saturating_add(inner.facts.page_objects);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ContentError> {
        match self.state {
            State::Stream | State::StreamStart => Err(ContentError::Damaged("unterminated stream")),
            State::Literal { .. } => Err(ContentError::Damaged("unterminated string")),
            _ => self.end_word(),
        }
    }
}

fn check_jpeg<R: Read + Seek>(source: &mut R, size: u64) -> Result<Checked, ContentError> {
    let end = tail(source, size, 64)?;
    if find(&end, &[0xFF, 0xD9]).is_none() {
        return Err(ContentError::Damaged("JPEG without its end marker"));
    }
    source.seek(SeekFrom::Start(2)).map_err(read_error)?;
    // Walk the markers to a frame header (SOFn) with a non-zero size.
    let mut position = 2u64;
    loop {
        let mut marker = [0u8; 4];
        source
            .read_exact(&mut marker)
            .map_err(|_| ContentError::Damaged("JPEG markers"))?;
        if marker[0] != 0xFF {
            return Err(ContentError::Damaged("JPEG markers"));
        }
        let length = u64::from(u16::from_be_bytes([marker[2], marker[3]]));
        let is_frame = matches!(marker[1], 0xC0..=0xCF) && !matches!(marker[1], 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let mut frame = [0u8; 5];
            source
                .read_exact(&mut frame)
                .map_err(|_| ContentError::Damaged("JPEG frame"))?;
            let height = u16::from_be_bytes([frame[1], frame[2]]);
            let width = u16::from_be_bytes([frame[3], frame[4]]);
            if width == 0 || height == 0 {
                return Err(ContentError::Damaged("JPEG without a size"));
            }
            return Ok(Checked {
                media_type: MediaType::Jpeg,
                pages: 1,
                bookmarks: Vec::new(),
            });
        }
        position += 2 + length;
        if length < 2 || position >= size {
            return Err(ContentError::Damaged("JPEG without a frame"));
        }
        source.seek(SeekFrom::Start(position)).map_err(read_error)?;
    }
}

fn check_png<R: Read + Seek>(source: &mut R, size: u64) -> Result<Checked, ContentError> {
    let mut head = [0u8; 24];
    source.seek(SeekFrom::Start(0)).map_err(read_error)?;
    source
        .read_exact(&mut head)
        .map_err(|_| ContentError::Damaged("PNG header"))?;
    if &head[12..16] != b"IHDR" {
        return Err(ContentError::Damaged("PNG header"));
    }
    let width = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    let height = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    if width == 0 || height == 0 {
        return Err(ContentError::Damaged("PNG without a size"));
    }
    if find(&tail(source, size, 32)?, b"IEND").is_none() {
        return Err(ContentError::Damaged("PNG without its end"));
    }
    Ok(Checked {
        media_type: MediaType::Png,
        pages: 1,
        bookmarks: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Document, Object, Stream, dictionary};
    use std::io::Cursor;

    /// A valid PDF of `pages` pages, with `extra` put in the catalogue.
    pub fn pdf(pages: u32, extra: Option<(&str, Object)>, compress: bool) -> Vec<u8> {
        let mut document = Document::with_version("1.5");
        let pages_id = document.new_object_id();
        let mut kids = Vec::new();
        for _ in 0..pages {
            let content = document.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
            let page = document.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            });
            kids.push(Object::Reference(page));
        }
        document.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => i64::from(pages),
            }),
        );
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
        if let Some((key, value)) = extra {
            catalog.set(key, value);
        }
        let catalog = document.add_object(catalog);
        document.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        if compress {
            document.save_modern(&mut bytes).unwrap();
        } else {
            document.save_to(&mut bytes).unwrap();
        }
        bytes
    }

    fn checked(bytes: &[u8]) -> Result<Checked, ContentError> {
        check(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn pages_are_counted() {
        assert_eq!(checked(&pdf(3, None, false)).unwrap().pages, 3);
        assert_eq!(checked(&pdf(7, None, true)).unwrap().pages, 7);
    }

    #[test]
    fn javascript_is_found_plain_compressed_and_escaped() {
        let action = || {
            Object::Dictionary(dictionary! {
                "S" => "JavaScript",
                "JS" => Object::string_literal("app.alert(1)"),
            })
        };
        for compress in [false, true] {
            assert!(matches!(
                checked(&pdf(1, Some(("OpenAction", action())), compress)),
                Err(ContentError::Active(_))
            ));
        }
        let escaped = pdf(1, None, false);
        let text = String::from_utf8_lossy(&escaped)
            .replace("/Catalog", "/Catalog/AA<</O<</S/J#61vaScript>>>>");
        assert!(matches!(
            checked(text.as_bytes()),
            Err(ContentError::Active(_)) | Err(ContentError::Damaged(_))
        ));
    }

    #[test]
    fn names_inside_strings_are_not_active() {
        let title = Object::string_literal("/JavaScript (in a title)");
        assert_eq!(
            checked(&pdf(1, Some(("Title", title)), false))
                .unwrap()
                .pages,
            1
        );
    }

    #[test]
    fn damaged_and_encrypted_are_refused() {
        let whole = pdf(2, None, false);
        assert!(matches!(
            checked(&whole[..whole.len() / 2]),
            Err(ContentError::Damaged(_))
        ));
        let mut document = Document::load_mem(&whole).unwrap();
        document
            .trailer
            .set("Encrypt", dictionary! { "Filter" => "Standard", "V" => 1 });
        let mut encrypted = Vec::new();
        document.save_to(&mut encrypted).unwrap();
        assert_eq!(checked(&encrypted), Err(ContentError::Encrypted));
        assert_eq!(checked(b"hello"), Err(ContentError::Unsupported));
        assert_eq!(checked(b"II*\0rest"), Err(ContentError::Tiff));
    }

    #[test]
    fn images_are_one_page() {
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 10, 0, 20, 1, 1, 0x11, 0,
            0xFF, 0xD9,
        ];
        assert_eq!(checked(&jpeg).unwrap().pages, 1);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x02\0\0\0\x03".to_vec();
        png.extend_from_slice(b"\x08\x00\x00\x00\x00\0\0\0\0IEND\xaeB`\x82");
        assert_eq!(checked(&png).unwrap().pages, 1);
    }
}
