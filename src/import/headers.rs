//! Finding the header row and its columns. Registries put a title or two above the header, name
//! the same column several ways (案号/案件编号/援助编号) and order columns as they like; this
//! module maps whatever is there onto the fields a parser needs.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::domain::text_limits::TextField;

use super::dates::{DateError, parse_date};
use super::table::format_number;
use super::{Cell, ProblemKind, Row, Table, ValidationReport};

/// The header is looked for among this many first non-blank rows.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// One field a parser reads, with the column names that mean it.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec<F> {
    pub field: F,
    /// Names accepted after [`normalize_header`]; the first one is used in messages.
    pub variants: &'static [&'static str],
    pub required: bool,
}

/// Where each field sits in the table, and the header text the user wrote for it.
#[derive(Debug, Clone)]
pub struct HeaderMap<F> {
    /// Row number (as Excel shows it) of the header row.
    pub row_number: u32,
    /// Index of the header row in [`Table::rows`]; data rows follow it.
    pub row_index: usize,
    columns: Vec<(F, usize, String)>,
}

impl<F: Copy + PartialEq> HeaderMap<F> {
    /// The 0-based column holding `field`, if the file has one.
    pub fn column(&self, field: F) -> Option<usize> {
        self.columns
            .iter()
            .find(|(candidate, _, _)| *candidate == field)
            .map(|(_, column, _)| *column)
    }

    /// The header as written in the file, for messages.
    pub fn header(&self, field: F) -> Option<&str> {
        self.columns
            .iter()
            .find(|(candidate, _, _)| *candidate == field)
            .map(|(_, _, header)| header.as_str())
    }

    /// The cell of `field` in `row`; `Empty` when the file has no such column.
    pub fn cell<'a>(&self, row: &Row<'a>, field: F) -> Cell<'a> {
        self.column(field)
            .map_or(Cell::Empty, |column| row.get(column))
    }
}

/// Removes what varies between files but not in meaning: whitespace and line breaks inside the
/// cell, required-field stars, trailing colons and bracketed notes (结案日期（年/月/日）).
pub fn normalize_header(text: &str) -> String {
    let mut depth = 0u32;
    let mut normalized = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '*' | '＊' | ':' | '：' => {}
            _ if c.is_whitespace() => {}
            _ => normalized.push(c.to_ascii_uppercase()),
        }
    }
    normalized
}

/// Finds the header among the first [`HEADER_SEARCH_ROWS`] rows: the first row naming at least
/// three known columns (or all required ones, when fewer than three are required). Reports a
/// missing header, missing required columns and columns that mean the same field.
pub fn locate_header<F: Copy + PartialEq>(
    table: &Table,
    specs: &[ColumnSpec<F>],
) -> Result<HeaderMap<F>, ValidationReport> {
    let required = specs.iter().filter(|spec| spec.required).count();
    let enough = required.clamp(1, 3);
    let mut report = ValidationReport::default();
    for (row_index, row) in table.rows().take(HEADER_SEARCH_ROWS).enumerate() {
        let mut columns: Vec<(F, usize, String)> = Vec::new();
        for column in 0..row.len() {
            let Cell::Text(text) = row.get(column) else {
                continue;
            };
            let normalized = normalize_header(text);
            let Some(spec) = specs
                .iter()
                .find(|spec| spec.variants.iter().any(|variant| *variant == normalized))
            else {
                continue;
            };
            if let Some((_, _, other)) = columns.iter().find(|(field, _, _)| *field == spec.field) {
                report.push(
                    Some(row.number()),
                    Some(text),
                    ProblemKind::DuplicateColumn {
                        other: other.clone(),
                    },
                );
                continue;
            }
            columns.push((spec.field, column, text.to_string()));
        }
        if columns.len() < enough {
            report.problems.clear();
            continue;
        }
        for spec in specs.iter().filter(|spec| spec.required) {
            if !columns.iter().any(|(field, _, _)| *field == spec.field) {
                report.push(
                    Some(row.number()),
                    spec.variants.first().copied(),
                    ProblemKind::MissingColumn {
                        variants: spec.variants.to_vec(),
                    },
                );
            }
        }
        if !report.is_empty() {
            return Err(report);
        }
        return Ok(HeaderMap {
            row_number: row.number(),
            row_index,
            columns,
        });
    }
    report.push(None, None, ProblemKind::HeaderNotFound);
    Err(report)
}

/// Reads one data row field by field, adding a problem to the report for each bad cell.
pub struct RowReader<'r, 'a, F> {
    header: &'r HeaderMap<F>,
    specs: &'r [ColumnSpec<F>],
    row: &'r Row<'a>,
    report: &'r mut ValidationReport,
}

impl<'r, 'a, F: Copy + PartialEq> RowReader<'r, 'a, F> {
    pub fn new(
        header: &'r HeaderMap<F>,
        specs: &'r [ColumnSpec<F>],
        row: &'r Row<'a>,
        report: &'r mut ValidationReport,
    ) -> Self {
        RowReader {
            header,
            specs,
            row,
            report,
        }
    }

    pub fn problem_count(&self) -> usize {
        self.report.problems.len()
    }

    pub fn cell(&self, field: F) -> Cell<'a> {
        self.header.cell(self.row, field)
    }

    /// The name messages use for `field` when the file has no column for it.
    pub fn label(&self, field: F) -> &'static str {
        self.specs
            .iter()
            .find(|spec| spec.field == field)
            .and_then(|spec| spec.variants.first().copied())
            .unwrap_or_default()
    }

    pub fn problem(&mut self, field: F, kind: ProblemKind) {
        let label = self.label(field);
        let column = self.header.header(field).unwrap_or(label);
        self.report
            .push(Some(self.row.number()), Some(column), kind);
    }

    /// Reports an empty required cell.
    pub fn missing<T>(&mut self, field: F) -> Option<T> {
        self.problem(field, ProblemKind::Required);
        None
    }

    /// The cell's text for a field stored as `stored`, checked against that field's limit
    /// (a problem naming row and column when it fails); `None` when empty or refused.
    pub fn optional_text(&mut self, field: F, stored: TextField) -> Option<String> {
        let text = text(self.cell(field))?;
        match stored.check(&text) {
            Ok(()) => Some(text.into_owned()),
            Err(error) => {
                self.problem(field, ProblemKind::Text(error));
                None
            }
        }
    }

    pub fn required_text(&mut self, field: F, stored: TextField) -> Option<String> {
        if self.cell(field).is_empty() {
            return self.missing(field);
        }
        self.optional_text(field, stored)
    }

    /// `Some(value)` when the cell is fine; `None` when a problem was reported.
    pub fn checked<T>(
        &mut self,
        field: F,
        parse: impl Fn(Cell<'a>) -> Result<T, ProblemKind>,
    ) -> Option<T> {
        match parse(self.cell(field)) {
            Ok(value) => Some(value),
            Err(kind) => {
                self.problem(field, kind);
                None
            }
        }
    }

    pub fn flag(&mut self, field: F, keyword: &str) -> Option<bool> {
        self.checked(field, |cell| yes_no(cell, keyword))
    }

    /// `Some(None)` for an empty cell, `None` when a problem was reported.
    pub fn date(&mut self, field: F) -> Option<Option<NaiveDate>> {
        self.checked(field, |cell| {
            if cell.is_empty() {
                return Ok(None);
            }
            parse_date(cell).map(Some).map_err(|error| {
                let text = cell.to_text().into_owned();
                match error {
                    DateError::Unrecognised => ProblemKind::BadDate { text },
                    DateError::OutOfRange => ProblemKind::DateOutOfRange { text },
                }
            })
        })
    }
}

/// Rows under a header that are notes, not data: 合计, 填表人：…, 说明：….
pub fn is_footer(row: &Row<'_>) -> bool {
    const MARKERS: [&str; 8] = [
        "合计",
        "总计",
        "小计",
        "填表人",
        "制表人",
        "审核人",
        "说明",
        "备注：",
    ];
    (0..row.len())
        .map(|column| row.get(column))
        .find(|cell| !cell.is_empty())
        .is_some_and(|cell| match cell {
            Cell::Text(text) => MARKERS.iter().any(|marker| text.starts_with(marker)),
            _ => false,
        })
}

/// Text of a cell for a free-text field; `None` when empty.
pub fn text<'a>(cell: Cell<'a>) -> Option<Cow<'a, str>> {
    match cell {
        Cell::Empty => None,
        other => Some(other.to_text()),
    }
}

/// Reads a yes/no cell. Empty is "no". `keyword` (终止, 认罪认罚 …) also counts as "yes", so a
/// column that repeats its own name for the marked rows is understood.
pub fn yes_no(cell: Cell<'_>, keyword: &str) -> Result<bool, ProblemKind> {
    let text = match cell {
        Cell::Empty => return Ok(false),
        Cell::Bool(value) => return Ok(value),
        Cell::Number(1.0) => return Ok(true),
        Cell::Number(0.0) => return Ok(false),
        Cell::Text(text) => text,
        other => {
            return Err(ProblemKind::BadYesNo {
                text: other.to_text().into_owned(),
            });
        }
    };
    const YES: [&str; 11] = [
        "是", "√", "✓", "✔", "Y", "YES", "TRUE", "1", "有", "对", "☑",
    ];
    const NO: [&str; 12] = [
        "否", "×", "✗", "✘", "N", "NO", "FALSE", "0", "无", "不是", "-", "/",
    ];
    let upper = text.to_ascii_uppercase();
    if YES.contains(&upper.as_str()) || text == keyword || text.starts_with("是") {
        Ok(true)
    } else if NO.contains(&upper.as_str())
        || text.starts_with('否')
        || text.starts_with('未')
        || text.starts_with('非')
        || text.starts_with('不')
    {
        Ok(false)
    } else {
        Err(ProblemKind::BadYesNo {
            text: text.to_string(),
        })
    }
}

/// Reads a non-negative whole number, accepting `12`, `12.0` and `12人`/`12年`/`12件`.
pub fn count(cell: Cell<'_>) -> Result<Option<u32>, ProblemKind> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(value) if value >= 0.0 && value.fract() == 0.0 && value <= u32::MAX as f64 => {
            Ok(Some(value as u32))
        }
        Cell::Text(text) => text
            .trim_end_matches(['人', '年', '件', '个'])
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ProblemKind::BadNumber {
                text: text.to_string(),
            }),
        other => Err(ProblemKind::BadNumber {
            text: other.to_text().into_owned(),
        }),
    }
}

/// An 18-character (17 digits and a digit or X) or 15-digit ID number, upper-cased. The check
/// digit is not verified: a wrong one is worth fixing but not worth refusing a registry for.
pub fn id_no(cell: Cell<'_>) -> Result<Option<String>, ProblemKind> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(value) if value >= 1e14 => Err(ProblemKind::IdNoStoredAsNumber),
        Cell::Text(text) => {
            let compact: String = text
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect();
            let bytes = compact.as_bytes();
            let well_formed = match bytes.len() {
                18 => {
                    bytes.iter().take(17).all(u8::is_ascii_digit)
                        && bytes
                            .last()
                            .is_some_and(|last| last.is_ascii_digit() || *last == b'X')
                }
                15 => bytes.iter().all(u8::is_ascii_digit),
                _ => false,
            };
            if well_formed {
                Ok(Some(compact))
            } else {
                Err(ProblemKind::BadIdNo {
                    text: text.to_string(),
                })
            }
        }
        other => Err(ProblemKind::BadIdNo {
            text: other.to_text().into_owned(),
        }),
    }
}

/// A mobile or landline number (with area code, dashes, extension, or two numbers separated by
/// 、/ ,): only digits and punctuation, and 7 to 30 digits in all.
pub fn phone(cell: Cell<'_>) -> Result<Option<String>, ProblemKind> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(value) if value >= 0.0 && value.fract() == 0.0 => format_number(value),
        Cell::Text(text) => text.to_string(),
        other => {
            return Err(ProblemKind::BadPhone {
                text: other.to_text().into_owned(),
            });
        }
    };
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().all(|c| {
        c.is_ascii_digit()
            || matches!(
                c,
                '-' | ' '
                    | '+'
                    | '('
                    | ')'
                    | '（'
                    | '）'
                    | '转'
                    | '/'
                    | '、'
                    | ','
                    | '，'
                    | ';'
                    | '；'
            )
    });
    if allowed && (7..=30).contains(&digits) {
        Ok(Some(text))
    } else {
        Err(ProblemKind::BadPhone { text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_normalised() {
        assert_eq!(normalize_header(" 结案\n日期（年/月/日）* "), "结案日期");
        assert_eq!(normalize_header("*案号："), "案号");
        assert_eq!(normalize_header("身份证号(选填)"), "身份证号");
    }

    #[test]
    fn yes_no_variants() {
        for yes in ["是", "√", "Y", "yes", "1", "终止"] {
            assert_eq!(yes_no(Cell::Text(yes), "终止"), Ok(true), "{yes}");
        }
        for no in ["否", "×", "N", "no", "0", "未终止", "无"] {
            assert_eq!(yes_no(Cell::Text(no), "终止"), Ok(false), "{no}");
        }
        assert_eq!(yes_no(Cell::Empty, "终止"), Ok(false));
        assert_eq!(yes_no(Cell::Bool(true), "终止"), Ok(true));
        assert!(yes_no(Cell::Text("也许"), "终止").is_err());
    }

    #[test]
    fn id_numbers_and_phones() {
        assert_eq!(
            id_no(Cell::Text("11010519900101123x")),
            Ok(Some("11010519900101123X".to_string()))
        );
        assert!(id_no(Cell::Text("1101051990")).is_err());
        assert_eq!(
            id_no(Cell::Number(110105199001011230.0)),
            Err(ProblemKind::IdNoStoredAsNumber)
        );
        assert_eq!(
            phone(Cell::Number(13812341234.0)),
            Ok(Some("13812341234".to_string()))
        );
        assert!(phone(Cell::Text("0951-6012345")).is_ok());
        assert!(phone(Cell::Text("无")).is_err());
        assert_eq!(count(Cell::Text("5年")), Ok(Some(5)));
    }
}
