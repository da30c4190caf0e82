//! A case registry (案件台账) table → `CaseRecord`s, or a report naming every bad cell.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;

use super::headers::{self, ColumnSpec, HeaderMap, RowReader, is_footer, locate_header};
use super::{ProblemKind, Table, ValidationReport};
use crate::domain::CaseType;
use crate::domain::registry::{CaseRecord, normalize_case_no};
use crate::domain::text_limits::TextField;

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
    let mut validator =
        CaseValidator::new(default_unit, |unit: &str| known_unit(unit).then_some(()));
    let records = validator.feed(table);
    validator.finish()?;
    Ok(records.into_iter().map(|(_, record)| record).collect())
}

/// Where a [`CaseValidator`] stands.
enum HeaderState {
    /// No row fed yet.
    Pending,
    Found(HeaderMap<RegistryField>),
    /// The header is missing or wrong: the report says why, and no row can be read.
    Failed,
}

/// Validates a registry as it is read, chunk by chunk: the streaming form of
/// [`parse_cases_checked`], with the same checks and the same report, row for row.
///
/// Each call to [`feed`](Self::feed) gives back the valid records of that chunk, paired with
/// what `resolve` made of their unit (a unit `resolve` does not know is a problem). Once any
/// problem has been found the file will be refused, so no more records are given out, but every
/// row is still checked: [`finish`](Self::finish) reports all of them.
///
/// The header is looked for in the first chunk, which must therefore hold the first
/// [`HEADER_SEARCH_ROWS`](super::headers::HEADER_SEARCH_ROWS) rows (or the whole table).
pub struct CaseValidator<'d, U, R> {
    specs: [ColumnSpec<RegistryField>; 19],
    default_unit: Option<&'d str>,
    resolve: R,
    header: HeaderState,
    report: ValidationReport,
    /// Each unit text met so far: a small number for the duplicate keys, and what it resolved to.
    units: HashMap<String, (u32, Option<U>)>,
    /// (unit, case number) → the first row holding it.
    seen: HashMap<(u32, String), u32>,
    given_out: usize,
}

impl<'d, U: Clone, R: FnMut(&str) -> Option<U>> CaseValidator<'d, U, R> {
    pub fn new(default_unit: Option<&'d str>, resolve: R) -> Self {
        let mut specs = REGISTRY_COLUMNS;
        if default_unit.is_some() {
            for spec in &mut specs {
                if spec.field == RegistryField::Unit {
                    spec.required = false;
                }
            }
        }
        CaseValidator {
            specs,
            default_unit,
            resolve,
            header: HeaderState::Pending,
            report: ValidationReport::default(),
            units: HashMap::new(),
            seen: HashMap::new(),
            given_out: 0,
        }
    }

    /// True while no problem has been found.
    pub fn is_clean(&self) -> bool {
        self.report.is_empty()
    }

    /// How many records [`feed`](Self::feed) has given out so far.
    pub fn given_out(&self) -> usize {
        self.given_out
    }

    /// Checks the next rows of the table; gives back their valid records while the file is
    /// clean, nothing once it is not.
    pub fn feed(&mut self, chunk: &Table) -> Vec<(U, CaseRecord)> {
        let mut skip = 0;
        if let HeaderState::Pending = self.header {
            if chunk.is_empty() {
                return Vec::new();
            }
            match locate_header(chunk, &self.specs) {
                Ok(header) => {
                    skip = header.row_index + 1;
                    self.header = HeaderState::Found(header);
                }
                Err(report) => {
                    self.report = report;
                    self.header = HeaderState::Failed;
                }
            }
        }
        let HeaderState::Found(header) = &self.header else {
            return Vec::new();
        };
        let mut records = Vec::with_capacity(chunk.len().saturating_sub(skip));
        for row in chunk.rows().skip(skip) {
            if is_footer(&row) {
                continue;
            }
            let mut reader = RowReader::new(header, &self.specs, &row, &mut self.report);
            let (unit, case_no, valid) = match read_record(&mut reader, self.default_unit) {
                Ok(record) => {
                    let (unit, resolved) = intern(&mut self.units, &mut self.resolve, &record.unit);
                    if resolved.is_none() {
                        self.report.push(
                            Some(row.number()),
                            header.header(RegistryField::Unit),
                            ProblemKind::UnknownUnit {
                                text: record.unit.clone(),
                            },
                        );
                    }
                    (
                        unit,
                        record.case_no.clone(),
                        resolved.map(|id| (id, record)),
                    )
                }
                // Rows with other problems still count: their case number may be the one
                // duplicated.
                Err(Some((unit, case_no))) => {
                    let (unit, _) = intern(&mut self.units, &mut self.resolve, &unit);
                    (unit, case_no, None)
                }
                Err(None) => continue,
            };
            match self.seen.entry((unit, case_no)) {
                Entry::Occupied(first) => {
                    let kind = ProblemKind::DuplicateKey {
                        key: first.key().1.clone(),
                        first_row: *first.get(),
                    };
                    self.report.push(
                        Some(row.number()),
                        header.header(RegistryField::CaseNo),
                        kind,
                    );
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(row.number());
                }
            }
            if let Some(valid) = valid
                && self.report.is_empty()
            {
                records.push(valid);
            }
        }
        self.given_out += records.len();
        records
    }

    /// Every problem found, in row order, or how many records were given out (all of them
    /// valid) when there was none.
    pub fn finish(mut self) -> Result<usize, ValidationReport> {
        if let HeaderState::Pending = self.header {
            self.report = locate_header(&Table::default(), &self.specs)
                .err()
                .unwrap_or_default();
        }
        if self.report.is_empty() {
            Ok(self.given_out)
        } else {
            self.report.problems.sort_by_key(|problem| problem.row);
            Err(self.report)
        }
    }
}

/// The small number standing for a unit text in duplicate keys, and what `resolve` makes of it
/// (asked once per distinct text).
fn intern<U: Clone>(
    units: &mut HashMap<String, (u32, Option<U>)>,
    resolve: &mut impl FnMut(&str) -> Option<U>,
    text: &str,
) -> (u32, Option<U>) {
    if let Some((index, resolved)) = units.get(text) {
        return (*index, resolved.clone());
    }
    let index = u32::try_from(units.len()).unwrap_or(u32::MAX);
    let resolved = resolve(text);
    units.insert(text.to_string(), (index, resolved.clone()));
    (index, resolved)
}

/// Reads one data row. On problems (all of them in the report) gives back the row's
/// (unit, case number) when both could be read, for the duplicate check.
fn read_record(
    reader: &mut RowReader<'_, '_, RegistryField>,
    default_unit: Option<&str>,
) -> Result<CaseRecord, Option<(String, String)>> {
    let problems_before = reader.problem_count();
    let unit = match reader.optional_text(RegistryField::Unit, TextField::UnitName) {
        Some(unit) => Some(unit),
        None => match default_unit {
            Some(unit) => Some(unit.to_string()),
            None => reader.missing(RegistryField::Unit),
        },
    };
    let case_no = reader
        .required_text(RegistryField::CaseNo, TextField::CaseNo)
        .map(|text| normalize_case_no(&text));
    let recipient = reader.required_text(RegistryField::Recipient, TextField::Recipient);
    let recipient_id_no = reader.checked(RegistryField::RecipientIdNo, headers::id_no);
    let recipient_phone = reader.checked(RegistryField::RecipientPhone, headers::phone);
    let handler = reader.required_text(RegistryField::Handler, TextField::Handler);
    let firm = reader.required_text(RegistryField::Firm, TextField::Firm);
    let case_type = case_type(reader);
    let sub_type = reader.optional_text(RegistryField::SubType, TextField::SubType);
    let cause = reader.required_text(RegistryField::Cause, TextField::Cause);
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
    let text = reader.required_text(RegistryField::CaseType, TextField::SubType)?;
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
