//! A catalogue (卷内目录) uploaded as XLSX or CSV: 序号, 文件名称, 日期, 起止页 (or 起始页 and
//! 终止页), optionally 文书种类, with the header variants units write. Each entry keeps its row
//! number so that every message names the row; a kind not given is guessed from the title.

use crate::domain::ecf::{CatalogueEntry, DocumentKind, guess_kind};
use crate::import::headers::{ColumnSpec, locate_header};
use crate::import::{Cell, read_table};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Seq,
    Title,
    Date,
    Pages,
    From,
    To,
    Kind,
}

const SPECS: &[ColumnSpec<Field>] = &[
    ColumnSpec {
        field: Field::Seq,
        variants: &["序号", "顺序号", "件号"],
        required: false,
    },
    ColumnSpec {
        field: Field::Title,
        variants: &[
            "文件名称",
            "文件题名",
            "题名",
            "文件材料名称",
            "材料名称",
            "名称",
            "标题",
        ],
        required: true,
    },
    ColumnSpec {
        field: Field::Date,
        variants: &["日期", "文件日期", "形成日期", "时间"],
        required: false,
    },
    ColumnSpec {
        field: Field::Pages,
        variants: &["起止页", "起止页码", "起止页号", "页号", "页码", "页次"],
        required: false,
    },
    ColumnSpec {
        field: Field::From,
        variants: &["起始页", "起页", "开始页"],
        required: false,
    },
    ColumnSpec {
        field: Field::To,
        variants: &["终止页", "止页", "结束页"],
        required: false,
    },
    ColumnSpec {
        field: Field::Kind,
        variants: &["文书种类", "种类", "类别", "文书类别"],
        required: false,
    },
];

/// Why an uploaded catalogue could not be read (row numbers as Excel shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableProblem {
    /// The file is not a readable table (the reader's own Chinese sentence).
    Unreadable(String),
    NoHeader,
    NoPageColumn,
    Empty,
    BadPages {
        row: u32,
        text: String,
    },
    BadDate {
        row: u32,
        text: String,
    },
}

/// "3", "1-3", "1—3", "1～3", "1至3" → (from, to).
pub fn parse_pages(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let parts: Vec<&str> = text
        .split(['-', '—', '–', '－', '~', '～', '至', '到'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    match parts.as_slice() {
        [single] => single.parse().ok().map(|page| (page, page)),
        [from, to] => Some((from.parse().ok()?, to.parse().ok()?)),
        _ => None,
    }
}

fn page_number(cell: Cell<'_>) -> Option<u32> {
    match cell {
        Cell::Number(value) if value >= 1.0 && value.fract() == 0.0 && value < 1e6 => {
            Some(value as u32)
        }
        Cell::Text(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn date(cell: Cell<'_>) -> Result<Option<NaiveDate>, String> {
    if cell.is_empty() || cell.to_text().trim().is_empty() {
        return Ok(None);
    }
    crate::import::dates::parse_date(cell)
        .map(Some)
        .map_err(|_| cell.to_text().into_owned())
}

/// The entries of an uploaded catalogue with their row numbers, numbered in order when the
/// file has no 序号 column.
pub fn read_catalogue(
    file_name: &str,
    bytes: &[u8],
    kinds: &[DocumentKind],
) -> Result<Vec<(u32, CatalogueEntry)>, TableProblem> {
    let table = read_table(file_name, bytes)
        .map_err(|error| TableProblem::Unreadable(error.to_string()))?;
    let header = locate_header(&table, SPECS).map_err(|_| TableProblem::NoHeader)?;
    if header.column(Field::Pages).is_none() && header.column(Field::From).is_none() {
        return Err(TableProblem::NoPageColumn);
    }
    let mut entries = Vec::new();
    for row in table.rows().skip(header.row_index + 1) {
        let title = header.cell(&row, Field::Title).to_text().trim().to_string();
        let pages_cell = header.cell(&row, Field::Pages);
        let from_cell = header.cell(&row, Field::From);
        if title.is_empty() && pages_cell.is_empty() && from_cell.is_empty() {
            continue;
        }
        let number = row.number();
        let (from, to) = if header.column(Field::Pages).is_some() {
            let text = pages_cell.to_text().into_owned();
            match pages_cell {
                Cell::Number(_) => page_number(pages_cell).map(|page| (page, page)),
                _ => parse_pages(&text),
            }
            .ok_or(TableProblem::BadPages { row: number, text })?
        } else {
            let from = page_number(from_cell).ok_or_else(|| TableProblem::BadPages {
                row: number,
                text: from_cell.to_text().into_owned(),
            })?;
            let to_cell = header.cell(&row, Field::To);
            let to = if to_cell.is_empty() {
                from
            } else {
                page_number(to_cell).ok_or_else(|| TableProblem::BadPages {
                    row: number,
                    text: to_cell.to_text().into_owned(),
                })?
            };
            (from, to)
        };
        let date = date(header.cell(&row, Field::Date))
            .map_err(|text| TableProblem::BadDate { row: number, text })?;
        let seq = page_number(header.cell(&row, Field::Seq))
            .unwrap_or(u32::try_from(entries.len() + 1).unwrap_or(u32::MAX));
        let given_kind = header.cell(&row, Field::Kind).to_text().trim().to_string();
        let kind = if given_kind.is_empty() {
            guess_kind(&title, kinds).map(|kind| kind.name.clone())
        } else {
            Some(given_kind)
        };
        entries.push((
            number,
            CatalogueEntry {
                seq,
                title,
                kind,
                date,
                from,
                to,
            },
        ));
    }
    if entries.is_empty() {
        return Err(TableProblem::Empty);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_are_read_in_their_usual_forms() {
        assert_eq!(parse_pages("3"), Some((3, 3)));
        assert_eq!(parse_pages("1-3"), Some((1, 3)));
        assert_eq!(parse_pages("4—7"), Some((4, 7)));
        assert_eq!(parse_pages("8～9"), Some((8, 9)));
        assert_eq!(parse_pages("第三页"), None);
    }

    #[test]
    fn a_csv_catalogue_is_read_with_its_rows() {
        let kinds = vec![DocumentKind {
            name: "会见笔录".into(),
            keywords: vec!["会见".into()],
        }];
        let csv =
            "序号,文件名称,日期,起止页\n1,委托协议,2025-07-01,1-2\n2,第一次会见笔录,2025/7/3,3—5\n";
        let entries = read_catalogue("目录.csv", csv.as_bytes(), &kinds).unwrap_or_default();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0, 3);
        assert_eq!((entries[1].1.from, entries[1].1.to), (3, 5));
        assert_eq!(entries[1].1.kind.as_deref(), Some("会见笔录"));
        let bad = "文件名称,起止页\n委托协议,一到二\n";
        assert_eq!(
            read_catalogue("目录.csv", bad.as_bytes(), &kinds),
            Err(TableProblem::BadPages {
                row: 2,
                text: "一到二".into()
            })
        );
    }
}
