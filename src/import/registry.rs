//! A case registry (案件台账) table → `CaseRecord`s, or a report naming every bad cell.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::headers::{self, ColumnSpec, RowReader, is_footer, locate_header};
use super::{ProblemKind, Table, ValidationReport};
use crate::domain::CaseType;
use crate::domain::registry::{CaseRecord, normalize_case_no};

/// The fields a registry column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryField {
    Unit,
    CaseNo,
    Recipient,
    RecipientIdNo,
    RecipientPhone,
    Handler,
    Firm,
    CaseType,
    SubType,
    Cause,
    AppliedAt,
    AssignedAt,
    ClosedAt,
    ArchivedAt,
    Terminated,
    ClosingMode,
    GuiltyPlea,
    NotifiedDefense,
    Source,
}

/// Accepted column names per field. The first name is the one messages use.
pub const REGISTRY_COLUMNS: [ColumnSpec<RegistryField>; 19] = [
    spec(
        RegistryField::Unit,
        &[
            "所属中心",
            "援助机构",
            "单位",
            "法律援助机构",
            "所属单位",
            "法律援助中心",
            "指派机构",
        ],
        true,
    ),
    spec(
        RegistryField::CaseNo,
        &["案号", "案件编号", "援助编号", "案件号", "法律援助案号"],
        true,
    ),
    spec(
        RegistryField::Recipient,
        &["受援人", "受援人姓名", "当事人", "申请人", "被援助人"],
        true,
    ),
    spec(
        RegistryField::RecipientIdNo,
        &[
            "身份证号",
            "身份证号码",
            "证件号码",
            "证件号",
            "公民身份号码",
            "受援人身份证号",
        ],
        false,
    ),
    spec(
        RegistryField::RecipientPhone,
        &[
            "联系电话",
            "电话",
            "手机号",
            "手机号码",
            "联系方式",
            "受援人电话",
        ],
        false,
    ),
    spec(
        RegistryField::Handler,
        &[
            "承办人",
            "承办律师",
            "承办人员",
            "承办人姓名",
            "法律援助人员",
        ],
        true,
    ),
    spec(
        RegistryField::Firm,
        &[
            "承办机构",
            "律师事务所",
            "承办单位",
            "律所",
            "承办人所在单位",
        ],
        true,
    ),
    spec(
        RegistryField::CaseType,
        &["案件类别", "案件类型", "类别", "案件种类"],
        true,
    ),
    spec(
        RegistryField::SubType,
        &["案件子类", "援助形式", "案件性质", "援助方式", "子类"],
        false,
    ),
    spec(
        RegistryField::Cause,
        &["案由", "罪名", "案由/罪名", "案由罪名"],
        true,
    ),
    spec(
        RegistryField::AppliedAt,
        &["申请日期", "申请时间", "受理日期"],
        false,
    ),
    spec(RegistryField::AssignedAt, &["指派日期", "指派时间"], false),
    spec(RegistryField::ClosedAt, &["结案日期", "结案时间"], true),
    spec(RegistryField::ArchivedAt, &["归档日期", "归档时间"], false),
    spec(RegistryField::Terminated, &["是否终止", "终止"], false),
    spec(RegistryField::ClosingMode, &["结案方式", "结案情况"], false),
    spec(
        RegistryField::GuiltyPlea,
        &["是否认罪认罚", "认罪认罚"],
        false,
    ),
    spec(
        RegistryField::NotifiedDefense,
        &["是否通知辩护", "通知辩护"],
        false,
    ),
    spec(RegistryField::Source, &["案件来源"], false),
];

const fn spec(
    field: RegistryField,
    variants: &'static [&'static str],
    required: bool,
) -> ColumnSpec<RegistryField> {
    ColumnSpec {
        field,
        variants,
        required,
    }
}

/// Turns a registry table into records: every row or none. `default_unit` is the unit when the
/// file has no unit column, or a row leaves it blank (a unit sending its own registry).
///
/// Checks, each reported with row and column: required cells, dates, case types, yes/no flags,
/// ID and phone formats, date order (申请 ≤ 指派 ≤ 结案 ≤ 归档), and the same case number twice
/// for one unit.
pub fn parse_cases(
    table: &Table,
    default_unit: Option<&str>,
) -> Result<Vec<CaseRecord>, ValidationReport> {
    parse_cases_checked(table, default_unit, &|_| true)
}

/// As [`parse_cases`], and also reports every row whose unit `known_unit` does not recognise
/// (a unit missing from the system's list), with its row and column.
pub fn parse_cases_checked(
    table: &Table,
    default_unit: Option<&str>,
    known_unit: &dyn Fn(&str) -> bool,
) -> Result<Vec<CaseRecord>, ValidationReport> {
    let mut specs = REGISTRY_COLUMNS;
    if default_unit.is_some() {
        for spec in &mut specs {
            if spec.field == RegistryField::Unit {
                spec.required = false;
            }
        }
    }
    let header = locate_header(table, &specs)?;
    let mut report = ValidationReport::default();
    let mut records = Vec::with_capacity(table.len().saturating_sub(header.row_index + 1));
    let mut row_numbers = Vec::with_capacity(records.capacity());
    let mut failed_keys: Vec<((String, String), u32)> = Vec::new();
    for row in table.rows().skip(header.row_index + 1) {
        if is_footer(&row) {
            continue;
        }
        let mut reader = RowReader::new(&header, &specs, &row, &mut report);
        match read_record(&mut reader, default_unit) {
            Ok(record) => {
                if !known_unit(&record.unit) {
                    report.push(
                        Some(row.number()),
                        header.header(RegistryField::Unit),
                        ProblemKind::UnknownUnit {
                            text: record.unit.clone(),
                        },
                    );
                }
                records.push(record);
                row_numbers.push(row.number());
            }
            Err(Some(key)) => failed_keys.push((key, row.number())),
            Err(None) => {}
        }
    }
    // Rows with other problems still count: their case number may be the one duplicated.
    let mut keys: Vec<((&str, &str), u32)> = records
        .iter()
        .zip(&row_numbers)
        .map(|(record, row)| ((record.unit.as_str(), record.case_no.as_str()), *row))
        .chain(
            failed_keys
                .iter()
                .map(|((unit, case_no), row)| ((unit.as_str(), case_no.as_str()), *row)),
        )
        .collect();
    keys.sort_unstable_by_key(|(_, row)| *row);
    let mut seen: HashMap<(&str, &str), u32> = HashMap::with_capacity(keys.len());
    for (key, row_number) in keys {
        if let Some(first_row) = seen.get(&key) {
            report.push(
                Some(row_number),
                header.header(RegistryField::CaseNo),
                ProblemKind::DuplicateKey {
                    key: key.1.to_string(),
                    first_row: *first_row,
                },
            );
        } else {
            seen.insert(key, row_number);
        }
    }
    if report.is_empty() {
        Ok(records)
    } else {
        report.problems.sort_by_key(|problem| problem.row);
        Err(report)
    }
}

/// Reads one data row. On problems (all of them in the report) gives back the row's
/// (unit, case number) when both could be read, for the duplicate check.
fn read_record(
    reader: &mut RowReader<'_, '_, RegistryField>,
    default_unit: Option<&str>,
) -> Result<CaseRecord, Option<(String, String)>> {
    let problems_before = reader.problem_count();
    let unit = match reader.optional_text(RegistryField::Unit) {
        Some(unit) => Some(unit),
        None => match default_unit {
            Some(unit) => Some(unit.to_string()),
            None => reader.missing(RegistryField::Unit),
        },
    };
    let case_no = reader
        .required_text(RegistryField::CaseNo)
        .map(|text| normalize_case_no(&text));
    let recipient = reader.required_text(RegistryField::Recipient);
    let recipient_id_no = reader.checked(RegistryField::RecipientIdNo, headers::id_no);
    let recipient_phone = reader.checked(RegistryField::RecipientPhone, headers::phone);
    let handler = reader.required_text(RegistryField::Handler);
    let firm = reader.required_text(RegistryField::Firm);
    let case_type = case_type(reader);
    let sub_type = reader.optional_text(RegistryField::SubType);
    let cause = reader.required_text(RegistryField::Cause);
    let applied_at = reader.date(RegistryField::AppliedAt);
    let assigned_at = reader.date(RegistryField::AssignedAt);
    let closed_at = reader.date(RegistryField::ClosedAt);
    let closed_at = match closed_at {
        Some(None) => reader.missing(RegistryField::ClosedAt),
        other => other.flatten(),
    };
    let archived_at = reader.date(RegistryField::ArchivedAt);
    let terminated_flag = reader.flag(RegistryField::Terminated, "终止");
    let closed_by_termination = reader
        .cell(RegistryField::ClosingMode)
        .to_text()
        .contains("终止");
    let guilty_plea = reader.flag(RegistryField::GuiltyPlea, "认罪认罚");
    let notified_flag = reader.flag(RegistryField::NotifiedDefense, "通知辩护");
    let notified_by_source = reader
        .cell(RegistryField::Source)
        .to_text()
        .contains("通知");
    let notified_by_sub_type = sub_type
        .as_deref()
        .is_some_and(|sub_type| sub_type.contains("通知辩护"));
    date_order(
        reader,
        &[
            (RegistryField::AppliedAt, applied_at.flatten()),
            (RegistryField::AssignedAt, assigned_at.flatten()),
            (RegistryField::ClosedAt, closed_at),
            (RegistryField::ArchivedAt, archived_at.flatten()),
        ],
    );
    let (Some(unit), Some(case_no)) = (unit, case_no) else {
        return Err(None);
    };
    if reader.problem_count() != problems_before {
        return Err(Some((unit, case_no)));
    }
    let record = || -> Option<CaseRecord> {
        Some(CaseRecord {
            unit,
            case_no,
            recipient: recipient?,
            recipient_id_no: recipient_id_no?,
            recipient_phone: recipient_phone?,
            handler: handler?,
            firm: firm?,
            case_type: case_type?,
            sub_type,
            cause: cause?,
            applied_at: applied_at?,
            assigned_at: assigned_at?,
            closed_at: closed_at?,
            archived_at: archived_at?,
            terminated: terminated_flag? || closed_by_termination,
            guilty_plea: guilty_plea?,
            notified_defense: notified_flag? || notified_by_source || notified_by_sub_type,
        })
    };
    record().ok_or(None)
}

fn case_type(reader: &mut RowReader<'_, '_, RegistryField>) -> Option<CaseType> {
    let text = reader.required_text(RegistryField::CaseType)?;
    match text.parse::<CaseType>() {
        Ok(case_type) => Some(case_type),
        Err(_) => {
            reader.problem(RegistryField::CaseType, ProblemKind::BadCaseType { text });
            None
        }
    }
}

/// 申请 ≤ 指派 ≤ 结案 ≤ 归档, over the dates the row has.
fn date_order(
    reader: &mut RowReader<'_, '_, RegistryField>,
    dates: &[(RegistryField, Option<NaiveDate>)],
) {
    let known: Vec<(RegistryField, NaiveDate)> = dates
        .iter()
        .filter_map(|(field, date)| date.map(|date| (*field, date)))
        .collect();
    for pair in known.windows(2) {
        if let [(earlier_field, earlier), (later_field, later)] = pair
            && later < earlier
        {
            let kind = ProblemKind::DateOrder {
                earlier: reader.label(*earlier_field),
                later: reader.label(*later_field),
            };
            reader.problem(*later_field, kind);
        }
    }
}
