//! The in-memory table every import reads from: one text arena plus small fixed-size cells, so a
//! 200,000-row registry costs no allocation per cell, and blank rows are already gone.

use std::borrow::Cow;
use std::io::Cursor;
use std::ops::ControlFlow;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};
use chrono::NaiveDateTime;

use super::MAX_COLUMNS;
use super::headers::HEADER_SEARCH_ROWS;

/// A sheet's non-blank rows, each keeping the row number the user sees in Excel.
#[derive(Debug, Clone, Default)]
pub struct Table {
    text: String,
    cells: Vec<StoredCell>,
    rows: Vec<RowSpan>,
}

#[derive(Debug, Clone, Copy)]
enum StoredCell {
    Empty,
    Text { start: u32, len: u32 },
    Number(f64),
    DateTime(NaiveDateTime),
    Bool(bool),
}

#[derive(Debug, Clone, Copy)]
struct RowSpan {
    number: u32,
    start: u32,
    end: u32,
}

/// One cell's value; text is trimmed and never empty (an empty or blank cell is `Empty`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// Numbers, including Excel's integers (which it stores as floats).
    Number(f64),
    /// A cell Excel formats as a date or time.
    DateTime(NaiveDateTime),
    Bool(bool),
}

/// A borrowed row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    text: &'a str,
    cells: &'a [StoredCell],
    number: u32,
}

impl<'a> Row<'a> {
    /// 1-based row number as shown by Excel (or the CSV line as Excel would show it).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Number of cells up to the last non-empty one.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Always false: blank rows are dropped while reading.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cell in 0-based `column`; `Empty` past the end of the row.
    pub fn get(&self, column: usize) -> Cell<'a> {
        match self.cells.get(column) {
            None | Some(StoredCell::Empty) => Cell::Empty,
            Some(StoredCell::Text { start, len }) => {
                let start = *start as usize;
                let end = start + *len as usize;
                self.text.get(start..end).map_or(Cell::Empty, Cell::Text)
            }
            Some(StoredCell::Number(value)) => Cell::Number(*value),
            Some(StoredCell::DateTime(value)) => Cell::DateTime(*value),
            Some(StoredCell::Bool(value)) => Cell::Bool(*value),
        }
    }
}

impl Table {
    /// Non-blank rows in sheet order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        self.rows.iter().map(|span| Row {
            text: &self.text,
            cells: self
                .cells
                .get(span.start as usize..span.end as usize)
                .unwrap_or(&[]),
            number: span.number,
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Builds a table from rows of text, numbering them 1, 2, 3 … (blank rows keep their number
    /// but are dropped), for callers that already hold strings.
    pub fn from_text_rows<R, C>(rows: R) -> Result<Table, String>
    where
        R: IntoIterator<Item = C>,
        C: IntoIterator,
        C::Item: AsRef<str>,
    {
        let mut builder = Builder::default();
        for (index, row) in rows.into_iter().enumerate() {
            builder.start_row(u32::try_from(index + 1).map_err(|_| TOO_LARGE.to_string())?);
            for (column, value) in row.into_iter().enumerate() {
                builder.put_text(column, value.as_ref())?;
            }
        }
        Ok(builder.finish())
    }
}

const TOO_LARGE: &str = "文件过大";

#[derive(Default)]
struct Builder {
    table: Table,
    row_number: u32,
    row_start: usize,
    in_row: bool,
}

impl Builder {
    fn start_row(&mut self, number: u32) {
        self.end_row();
        self.row_number = number;
        self.row_start = self.table.cells.len();
        self.in_row = true;
    }

    fn end_row(&mut self) {
        if !self.in_row {
            return;
        }
        self.in_row = false;
        let cells = &mut self.table.cells;
        while cells.len() > self.row_start && matches!(cells.last(), Some(StoredCell::Empty)) {
            cells.pop();
        }
        if cells.len() > self.row_start {
            self.table.rows.push(RowSpan {
                number: self.row_number,
                start: self.row_start as u32,
                end: cells.len() as u32,
            });
        }
    }

    fn slot(&mut self, column: usize) -> Option<&mut StoredCell> {
        if column >= MAX_COLUMNS {
            return None;
        }
        let index = self.row_start + column;
        let cells = &mut self.table.cells;
        if cells.len() <= index {
            cells.resize(index + 1, StoredCell::Empty);
        }
        cells.get_mut(index)
    }

    fn put(&mut self, column: usize, value: StoredCell) {
        if let Some(slot) = self.slot(column) {
            *slot = value;
        }
    }

    fn put_text(&mut self, column: usize, text: &str) -> Result<(), String> {
        let text = text.trim();
        if text.is_empty() || column >= MAX_COLUMNS {
            return Ok(());
        }
        let start = u32::try_from(self.table.text.len()).map_err(|_| TOO_LARGE.to_string())?;
        let len = u32::try_from(text.len()).map_err(|_| TOO_LARGE.to_string())?;
        start
            .checked_add(len)
            .ok_or_else(|| TOO_LARGE.to_string())?;
        self.table.text.push_str(text);
        self.put(column, StoredCell::Text { start, len });
        Ok(())
    }

    fn finish(mut self) -> Table {
        self.end_row();
        self.table
    }

    /// Between rows: hands the rows gathered so far to `chunks` once there are `chunk_rows` of
    /// them, and starts afresh (keeping the allocations).
    fn flush_if_full(&mut self, chunks: &mut Chunks<'_>) -> ControlFlow<()> {
        self.end_row();
        if self.table.rows.len() < chunks.rows {
            return ControlFlow::Continue(());
        }
        self.flush(chunks)
    }

    /// Hands over whatever rows are left (none is nothing handed over).
    fn flush(&mut self, chunks: &mut Chunks<'_>) -> ControlFlow<()> {
        self.end_row();
        if self.table.rows.is_empty() {
            return ControlFlow::Continue(());
        }
        chunks.handed_over = true;
        let flow = (chunks.sink)(&mut self.table);
        self.table.text.clear();
        self.table.cells.clear();
        self.table.rows.clear();
        flow
    }
}

/// Where streamed rows go: `sink` receives non-empty chunks of about `rows` rows each, in sheet
/// order, and may take the table it is given. `expected` hears the number of rows the file
/// declares or holds (an estimate for progress, blank rows included) before the first chunk.
pub(super) struct Chunks<'s> {
    pub rows: usize,
    pub sink: &'s mut dyn FnMut(&mut Table) -> ControlFlow<()>,
    pub expected: &'s mut dyn FnMut(usize),
    handed_over: bool,
}

impl<'s> Chunks<'s> {
    pub fn new(
        rows: usize,
        sink: &'s mut dyn FnMut(&mut Table) -> ControlFlow<()>,
        expected: &'s mut dyn FnMut(usize),
    ) -> Self {
        Chunks {
            rows: rows.max(HEADER_SEARCH_ROWS),
            sink,
            expected,
            handed_over: false,
        }
    }

    /// True when at least one row was handed over.
    pub fn any(&self) -> bool {
        self.handed_over
    }
}

/// At most this much unpacked content in one workbook: far above a 200,000-row registry, far
/// below what would exhaust memory.
const MAX_XLSX_UNPACKED: u64 = 512 * 1024 * 1024;
/// An entry unpacking past this many bytes …
const BOMB_FLOOR: u64 = 16 * 1024 * 1024;
/// … at more than this many times its packed size is a zip bomb (worksheet XML packs about
/// 10:1, very repetitive sheets rarely beyond 50:1).
const BOMB_RATIO: u64 = 250;
const MAX_XLSX_ENTRIES: usize = 10_000;

/// Unpacks (and discards) every entry before calamine sees the file, refusing zip bombs as
/// soon as they show: the sizes a zip declares can lie, so the bytes are counted.
pub(super) fn check_zip(bytes: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let bomb = || "文件解压后异常巨大（疑似压缩炸弹），已拒绝".to_string();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    if archive.len() > MAX_XLSX_ENTRIES {
        return Err(bomb());
    }
    let mut total: u64 = 0;
    let mut sink = vec![0u8; 64 * 1024];
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| e.to_string())?;
        let packed = entry.compressed_size().max(1);
        let declared = entry.size();
        if total.saturating_add(declared) > MAX_XLSX_UNPACKED
            || (declared > BOMB_FLOOR && declared / packed > BOMB_RATIO)
        {
            return Err(bomb());
        }
        let mut unpacked: u64 = 0;
        loop {
            let read = entry.read(&mut sink).map_err(|e| e.to_string())?;
            if read == 0 {
                break;
            }
            unpacked = unpacked.saturating_add(read as u64);
            total = total.saturating_add(read as u64);
            if total > MAX_XLSX_UNPACKED
                || (unpacked > BOMB_FLOOR && unpacked / packed > BOMB_RATIO)
            {
                return Err(bomb());
            }
        }
    }
    Ok(())
}

/// Streams the first non-empty worksheet (visible sheets first) in chunks, with calamine's
/// streaming reader.
pub(super) fn xlsx_chunks(bytes: &[u8], chunks: &mut Chunks<'_>) -> Result<(), String> {
    check_zip(bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|error| error.to_string())?;
    let mut sheets: Vec<(bool, String)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| (sheet.visible != SheetVisible::Visible, sheet.name.clone()))
        .collect();
    sheets.sort_by_key(|(hidden, _)| *hidden);
    for (_, name) in sheets {
        read_sheet(&mut workbook, &name, chunks)?;
        if chunks.any() {
            break;
        }
    }
    Ok(())
}

fn read_sheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    chunks: &mut Chunks<'_>,
) -> Result<(), String> {
    let mut reader = workbook
        .worksheet_cells_reader(name)
        .map_err(|error| error.to_string())?;
    // As the sheet declares it: only an estimate.
    let dimensions = reader.dimensions();
    (chunks.expected)(dimensions.end.0.saturating_sub(dimensions.start.0) as usize + 1);
    let mut builder = Builder::default();
    let mut current_row = None;
    while let Some(cell) = reader.next_cell().map_err(|error| error.to_string())? {
        let (row, column) = cell.get_position();
        if current_row != Some(row) {
            current_row = Some(row);
            if builder.flush_if_full(chunks).is_break() {
                return Ok(());
            }
            builder.start_row(row.saturating_add(1));
        }
        let column = column as usize;
        match cell.get_value() {
            DataRef::Empty => {}
            DataRef::SharedString(text) => builder.put_text(column, text)?,
            DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
                builder.put_text(column, text)?
            }
            DataRef::Int(value) => builder.put(column, StoredCell::Number(*value as f64)),
            DataRef::Float(value) => builder.put(column, StoredCell::Number(*value)),
            DataRef::Bool(value) => builder.put(column, StoredCell::Bool(*value)),
            DataRef::DateTime(value) => {
                let stored = match value.as_datetime() {
                    Some(datetime) if value.is_datetime() => StoredCell::DateTime(datetime),
                    _ => StoredCell::Number(value.as_f64()),
                };
                builder.put(column, stored);
            }
            DataRef::Error(error) => builder.put_text(column, &error.to_string())?,
        }
    }
    let _ = builder.flush(chunks);
    Ok(())
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Streams CSV (or tab-separated text) in chunks after deciding the encoding: valid UTF-8,
/// with or without BOM, is UTF-8; a UTF-16 BOM is UTF-16 (Excel's "Unicode text"); anything
/// else is GBK.
pub(super) fn csv_chunks(bytes: &[u8], chunks: &mut Chunks<'_>) -> Result<(), String> {
    let text = decode(bytes)?;
    (chunks.expected)(text.bytes().filter(|byte| *byte == b'\n').count() + 1);
    let delimiter = guess_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut builder = Builder::default();
    let mut record = csv::StringRecord::new();
    // Excel shows a quoted field with line breaks in one row; the csv line count does not.
    let mut extra_lines: u64 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => return Err(csv_error_message(&error)),
        }
        let line = record_line(&text, record.position());
        let number =
            u32::try_from(line.saturating_sub(extra_lines)).map_err(|_| TOO_LARGE.to_string())?;
        if builder.flush_if_full(chunks).is_break() {
            return Ok(());
        }
        builder.start_row(number);
        for (column, field) in record.iter().enumerate() {
            extra_lines += field.bytes().filter(|byte| *byte == b'\n').count() as u64;
            builder.put_text(column, field)?;
        }
    }
    let _ = builder.flush(chunks);
    Ok(())
}

/// The line a record's first field is on. csv reports where the reader stood before the record,
/// which is before any blank lines it skipped; those are counted here.
fn record_line(text: &str, position: Option<&csv::Position>) -> u64 {
    let Some(position) = position else {
        return 0;
    };
    let skipped = text
        .as_bytes()
        .get(position.byte() as usize..)
        .unwrap_or_default()
        .iter()
        .take_while(|byte| matches!(byte, b'\r' | b'\n'))
        .filter(|byte| **byte == b'\n')
        .count();
    position.line() + skipped as u64
}

fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text.strip_prefix('\u{FEFF}').unwrap_or(text)));
    }
    if bytes.starts_with(UTF8_BOM) {
        return Err("文件标明为 UTF-8 编码，但含有无效字符".to_string());
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        return Err("无法识别文件编码（应为 UTF-8 或 GBK）".to_string());
    }
    Ok(text)
}

fn guess_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(20).collect();
    let tabs = head.matches('\t').count();
    let commas = head.matches(',').count();
    if tabs > commas { b'\t' } else { b',' }
}

fn csv_error_message(error: &csv::Error) -> String {
    match error.position() {
        Some(position) => format!("第{}行附近格式错误：{error}", position.line()),
        None => error.to_string(),
    }
}

impl<'a> Cell<'a> {
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The value as the user would read it in Excel: integers without `.0`, dates as
    /// `2023-04-05`, booleans as 是/否.
    pub fn to_text(&self) -> Cow<'a, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Number(value) => Cow::Owned(format_number(*value)),
            Cell::DateTime(value) => {
                if value.time() == chrono::NaiveTime::MIN {
                    Cow::Owned(value.date().format("%Y-%m-%d").to_string())
                } else {
                    Cow::Owned(value.format("%Y-%m-%d %H:%M:%S").to_string())
                }
            }
            Cell::Bool(true) => Cow::Borrowed("是"),
            Cell::Bool(false) => Cow::Borrowed("否"),
        }
    }
}

/// Integers print without a fraction (Excel stores 13812341234 as a float).
pub(crate) fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}
