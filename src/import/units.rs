//! A unit-list table → `UnitRecord`s, or a report naming every bad cell.

use std::collections::HashMap;

use super::headers::{self, ColumnSpec, RowReader, is_footer, locate_header};
use super::{ProblemKind, Table, ValidationReport};
use crate::domain::registry::{UnitKind, UnitRecord};
use crate::domain::text_limits::TextField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitField {
    Code,
    Name,
    Kind,
    ParentCode,
    AnnualTarget,
    Year,
}

/// Accepted column names per field. The first name is the one messages use.
pub const UNIT_COLUMNS: [ColumnSpec<UnitField>; 6] = [
    ColumnSpec {
        field: UnitField::Code,
        variants: &["单位编码", "单位代码", "编码", "代码", "机构编码"],
        required: true,
    },
    ColumnSpec {
        field: UnitField::Name,
        variants: &["单位名称", "名称", "单位", "机构名称"],
        required: true,
    },
    ColumnSpec {
        field: UnitField::Kind,
        variants: &["单位类型", "类型", "机构类型", "单位类别"],
        required: false,
    },
    ColumnSpec {
        field: UnitField::ParentCode,
        variants: &["上级单位编码", "上级编码", "上级单位代码", "上级单位"],
        required: false,
    },
    ColumnSpec {
        field: UnitField::AnnualTarget,
        variants: &[
            "年度任务",
            "年度办案任务",
            "年度目标",
            "任务数",
            "年度任务数",
        ],
        required: false,
    },
    // The year the target is for; without it, the year of the import.
    ColumnSpec {
        field: UnitField::Year,
        variants: &["年度", "任务年度", "年份"],
        required: false,
    },
];

/// A year written as 2025 or 2025年, between 2000 and 2100.
fn year(cell: super::Cell<'_>) -> Result<Option<i32>, ProblemKind> {
    match headers::count(cell)? {
        None => Ok(None),
        Some(value @ 2000..=2100) => Ok(i32::try_from(value).ok()),
        Some(value) => Err(ProblemKind::BadNumber {
            text: value.to_string(),
        }),
    }
}

/// Turns a unit-list table into records: every row or none. Without a kind column the kind is
/// read from the name (…法律援助中心, …司法局, …司法所). Codes and names must be unique, and a
/// unit cannot be its own parent.
pub fn parse_units(table: &Table) -> Result<Vec<UnitRecord>, ValidationReport> {
    let header = locate_header(table, &UNIT_COLUMNS)?;
    let mut report = ValidationReport::default();
    let mut units = Vec::new();
    let mut row_numbers = Vec::new();
    for row in table.rows().skip(header.row_index + 1) {
        if is_footer(&row) {
            continue;
        }
        let mut reader = RowReader::new(&header, &UNIT_COLUMNS, &row, &mut report);
        if let Some(unit) = read_unit(&mut reader) {
            units.push(unit);
            row_numbers.push(row.number());
        }
    }
    for field in [UnitField::Code, UnitField::Name] {
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (unit, row_number) in units.iter().zip(&row_numbers) {
            let key = match field {
                UnitField::Code => unit.code.as_str(),
                _ => unit.name.as_str(),
            };
            if let Some(first_row) = seen.get(key) {
                report.push(
                    Some(*row_number),
                    header.header(field),
                    ProblemKind::DuplicateKey {
                        key: key.to_string(),
                        first_row: *first_row,
                    },
                );
            } else {
                seen.insert(key, *row_number);
            }
        }
    }
    if report.is_empty() {
        Ok(units)
    } else {
        report.problems.sort_by_key(|problem| problem.row);
        Err(report)
    }
}

fn read_unit(reader: &mut RowReader<'_, '_, UnitField>) -> Option<UnitRecord> {
    let problems_before = reader.problem_count();
    let code = reader.required_text(UnitField::Code, TextField::UnitCode);
    let name = reader.required_text(UnitField::Name, TextField::UnitName);
    let kind_text = reader
        .optional_text(UnitField::Kind, TextField::UnitName)
        .or_else(|| name.clone())
        .unwrap_or_default();
    let kind = UnitKind::recognise(&kind_text);
    if kind.is_none() && name.is_some() {
        reader.problem(
            UnitField::Kind,
            ProblemKind::BadUnitKind { text: kind_text },
        );
    }
    let parent_code = reader.optional_text(UnitField::ParentCode, TextField::UnitCode);
    if parent_code.is_some() && parent_code == code {
        reader.problem(UnitField::ParentCode, ProblemKind::OwnParent);
    }
    let annual_target = reader.checked(UnitField::AnnualTarget, headers::count);
    let year = reader.checked(UnitField::Year, year);
    if reader.problem_count() != problems_before {
        return None;
    }
    Some(UnitRecord {
        code: code?,
        name: name?,
        kind: kind?,
        parent_code,
        annual_target: annual_target?,
        year: year?,
    })
}
