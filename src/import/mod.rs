//! Spreadsheet bytes → domain records. Units send registries as XLSX or CSV (UTF-8 or GBK) with
//! messy headers; this module reads them into a [`Table`] and the per-kind parsers turn a table
//! into records or a [`ValidationReport`] naming every bad cell. Nothing here touches files.

pub mod dates;
pub mod ecf;
pub mod ecf_catalogue;
pub mod headers;
pub mod people;
pub mod registry;
pub mod synthetic;
pub mod units;

mod table;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::ControlFlow;

use crate::domain::text_limits::TextError;
use table::Chunks;

pub use table::{Cell, Row, Table};

/// Columns beyond this index are ignored; real registries have about twenty, and the cap keeps a
/// stray cell in column XFD from inflating every row.
pub const MAX_COLUMNS: usize = 256;

/// The whole file could not be read as a table.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("“{file}”是旧版 Excel 97-2003 (.xls) 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")]
    LegacyXls { file: String },
    #[error("“{file}”不是有效的 Excel 文件：{detail}")]
    BadXlsx { file: String, detail: String },
    #[error("“{file}”不是有效的 CSV 文件：{detail}")]
    BadCsv { file: String, detail: String },
    #[error("“{file}”是空文件，或所有工作表都没有内容")]
    Empty { file: String },
    #[error("“{file}”有 {} 处问题，未导入任何数据", .report.problems.len())]
    Invalid {
        file: String,
        report: ValidationReport,
    },
}

/// Every problem found in a table. Rows are numbered as the user sees them in Excel (1-based).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationReport {
    pub problems: Vec<Problem>,
}

impl ValidationReport {
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub(crate) fn push(&mut self, row: Option<u32>, column: Option<&str>, kind: ProblemKind) {
        self.problems.push(Problem {
            row,
            column: column.map(str::to_string),
            kind,
        });
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// One bad cell, row or column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based row as shown by Excel; `None` for a problem with the file as a whole.
    pub row: Option<u32>,
    /// The column header as written in the file (or the expected header when it is missing).
    pub column: Option<String>,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    /// `第12行 “结案日期”：无法识别的日期“2023-13-45”`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, &self.column) {
            (Some(row), Some(column)) => write!(f, "第{row}行 “{column}”：")?,
            (Some(row), None) => write!(f, "第{row}行：")?,
            (None, Some(column)) => write!(f, "“{column}”：")?,
            (None, None) => {}
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong, as facts; `Display` gives the sentence the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// No row among the first ones looks like a header.
    HeaderNotFound,
    /// A required column is absent; `variants` lists the names that would have been accepted.
    MissingColumn {
        variants: Vec<&'static str>,
    },
    /// Two columns mean the same field.
    DuplicateColumn {
        other: String,
    },
    Required,
    BadDate {
        text: String,
    },
    DateOutOfRange {
        text: String,
    },
    DateOrder {
        earlier: &'static str,
        later: &'static str,
    },
    BadCaseType {
        text: String,
    },
    BadYesNo {
        text: String,
    },
    BadNumber {
        text: String,
    },
    BadIdNo {
        text: String,
    },
    /// An ID number stored as a number in Excel has lost its last digits.
    IdNoStoredAsNumber,
    BadPhone {
        text: String,
    },
    BadUnitKind {
        text: String,
    },
    DuplicateKey {
        key: String,
        first_row: u32,
    },
    /// A unit names itself as its parent.
    OwnParent,
    /// The unit is not in the system's unit list.
    UnknownUnit {
        text: String,
    },
    /// A text over its field's limit or holding a control character.
    Text(TextError),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::HeaderNotFound => {
                f.write_str("在前10行中没有找到表头行，请确认表头包含“案号”“结案日期”等列名")
            }
            ProblemKind::MissingColumn { variants } => {
                write!(f, "缺少必填列（可用列名：{}）", variants.join("、"))
            }
            ProblemKind::DuplicateColumn { other } => {
                write!(f, "与“{other}”列含义相同，请只保留一列")
            }
            ProblemKind::Required => f.write_str("必填，不能为空"),
            ProblemKind::BadDate { text } => write!(f, "无法识别的日期“{text}”"),
            ProblemKind::DateOutOfRange { text } => write!(f, "日期“{text}”超出合理范围"),
            ProblemKind::DateOrder { earlier, later } => {
                write!(f, "“{later}”早于“{earlier}”")
            }
            ProblemKind::BadCaseType { text } => {
                write!(f, "无法识别的案件类别“{text}”（应为刑事、民事或行政）")
            }
            ProblemKind::BadYesNo { text } => write!(f, "无法识别的“是/否”值“{text}”"),
            ProblemKind::BadNumber { text } => write!(f, "无法识别的数字“{text}”"),
            ProblemKind::BadIdNo { text } => write!(f, "身份证号“{text}”格式不正确"),
            ProblemKind::IdNoStoredAsNumber => {
                f.write_str("身份证号被存成了数字，末几位已丢失，请把该列设为文本格式后重新填写")
            }
            ProblemKind::BadPhone { text } => write!(f, "联系电话“{text}”格式不正确"),
            ProblemKind::BadUnitKind { text } => {
                write!(
                    f,
                    "无法识别的单位类型“{text}”（应为法律援助中心、司法局或司法所）"
                )
            }
            ProblemKind::DuplicateKey { key, first_row } => {
                write!(f, "“{key}”重复（与第{first_row}行相同）")
            }
            ProblemKind::OwnParent => f.write_str("上级单位不能是本单位"),
            ProblemKind::UnknownUnit { text } => write!(
                f,
                "单位“{text}”不在系统的单位名单中，请核对名称或代码，或先导入单位名单"
            ),
            ProblemKind::Text(error) => write!(f, "{error}"),
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads a spreadsheet from its bytes. The format is decided by the content, never by
/// `file_name` (which only names the file in messages): a zip is XLSX, an OLE compound file is a
/// legacy .xls (refused), anything else is CSV in UTF-8 (with or without BOM) or else GBK.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, ImportError> {
    let mut table = Table::default();
    let mut sink = |chunk: &mut Table| {
        table = std::mem::take(chunk);
        ControlFlow::Continue(())
    };
    read_chunks(
        file_name,
        bytes,
        &mut Chunks::new(usize::MAX, &mut sink, &mut |_| {}),
    )?;
    Ok(table)
}

/// As [`read_table`], handing the rows over in chunks as they are read.
fn read_chunks(file_name: &str, bytes: &[u8], chunks: &mut Chunks<'_>) -> Result<(), ImportError> {
    if bytes.starts_with(ZIP_MAGIC) {
        table::xlsx_chunks(bytes, chunks).map_err(|detail| ImportError::BadXlsx {
            file: file_name.to_string(),
            detail,
        })?;
    } else if bytes.starts_with(OLE_MAGIC) {
        return Err(ImportError::LegacyXls {
            file: file_name.to_string(),
        });
    } else {
        table::csv_chunks(bytes, chunks).map_err(|detail| ImportError::BadCsv {
            file: file_name.to_string(),
            detail,
        })?;
    }
    if !chunks.any() {
        return Err(ImportError::Empty {
            file: file_name.to_string(),
        });
    }
    Ok(())
}

/// Registries are read and checked this many rows at a time when streamed: enough for the
/// reading and the writing to overlap in large steps, few enough that a chunk stays around a
/// megabyte. A multiple of the 500 rows the database writes per statement, so chunks split into
/// full statements.
pub const CHUNK_ROWS: usize = 2000;

/// Valid records streamed out of a registry, each with what the caller's `resolve` made of its
/// unit.
pub struct CaseBatch<U> {
    pub records: Vec<(U, crate::domain::registry::CaseRecord)>,
    /// Rows the file declares (header, titles and blank rows included): an estimate for
    /// progress.
    pub rows_expected: usize,
}

/// Reads and validates a case registry as a stream: rows are read in chunks of
/// [`CHUNK_ROWS`], checked as they come, and the valid records handed to `sink` in batches
/// while no problem has been found. After the first problem nothing more is handed over, but
/// every row is still checked, so the error reports all of them — and the caller must then
/// discard everything it was given (all-or-nothing is the caller's transaction).
///
/// `resolve` turns a unit as the file names it into the caller's unit (asked once per distinct
/// text); a unit it does not know is a problem of its row. Returns how many records were handed
/// over. If `sink` breaks, reading stops there and the count so far is returned: the caller
/// that broke knows why.
pub fn stream_cases<U: Clone>(
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&str>,
    resolve: impl FnMut(&str) -> Option<U>,
    sink: &mut dyn FnMut(CaseBatch<U>) -> ControlFlow<()>,
) -> Result<usize, ImportError> {
    let mut validator = registry::CaseValidator::new(default_unit, resolve);
    let expected = std::cell::Cell::new(0);
    let mut broke = false;
    let mut on_chunk = |chunk: &mut Table| {
        let records = validator.feed(chunk);
        if records.is_empty() {
            return ControlFlow::Continue(());
        }
        let flow = sink(CaseBatch {
            records,
            rows_expected: expected.get(),
        });
        broke = flow.is_break();
        flow
    };
    let mut on_expected = |rows| expected.set(rows);
    read_chunks(
        file_name,
        bytes,
        &mut Chunks::new(CHUNK_ROWS, &mut on_chunk, &mut on_expected),
    )?;
    let handed_over = validator.given_out();
    if broke {
        return Ok(handed_over);
    }
    validator.finish().map_err(|report| ImportError::Invalid {
        file: file_name.to_string(),
        report,
    })
}

/// Reads and validates a case registry in one step: all rows or an error, never part of a file.
/// `default_unit` fills the unit when the file has no unit column (one unit's own registry).
pub fn import_cases(
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&str>,
) -> Result<Vec<crate::domain::registry::CaseRecord>, ImportError> {
    import_cases_checked(file_name, bytes, default_unit, &|_| true)
}

/// As [`import_cases`], reporting rows whose unit `known_unit` does not recognise.
pub fn import_cases_checked(
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&str>,
    known_unit: &dyn Fn(&str) -> bool,
) -> Result<Vec<crate::domain::registry::CaseRecord>, ImportError> {
    let table = read_table(file_name, bytes)?;
    registry::parse_cases_checked(&table, default_unit, known_unit).map_err(|report| {
        ImportError::Invalid {
            file: file_name.to_string(),
            report,
        }
    })
}

/// Reads and validates a reviewer pool in one step.
pub fn import_people(
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<crate::domain::registry::PersonRecord>, ImportError> {
    let table = read_table(file_name, bytes)?;
    people::parse_people(&table).map_err(|report| ImportError::Invalid {
        file: file_name.to_string(),
        report,
    })
}

/// Reads and validates a unit list in one step.
pub fn import_units(
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<crate::domain::registry::UnitRecord>, ImportError> {
    let table = read_table(file_name, bytes)?;
    units::parse_units(&table).map_err(|report| ImportError::Invalid {
        file: file_name.to_string(),
        report,
    })
}
