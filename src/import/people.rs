//! A reviewer-pool table (评估专家库) → `PersonRecord`s, or a report naming every bad cell.

use std::collections::{BTreeSet, HashMap};

use super::headers::{self, ColumnSpec, RowReader, is_footer, locate_header};
use super::{Cell, ProblemKind, Table, ValidationReport};
use crate::domain::CaseType;
use crate::domain::registry::PersonRecord;
use crate::domain::text_limits::TextField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonField {
    Name,
    Unit,
    LawFirm,
    Expertise,
    YearsOfPractice,
    MayLead,
    Phone,
    IdNo,
}

/// Accepted column names per field. The first name is the one messages use.
pub const PEOPLE_COLUMNS: [ColumnSpec<PersonField>; 8] = [
    ColumnSpec {
        field: PersonField::Name,
        variants: &["姓名", "评查员", "评查员姓名", "专家姓名", "人员姓名"],
        required: true,
    },
    ColumnSpec {
        field: PersonField::Unit,
        variants: &["所属单位", "单位", "工作单位", "所在单位", "所属地区"],
        required: true,
    },
    ColumnSpec {
        field: PersonField::LawFirm,
        variants: &["律师事务所", "执业机构", "所在律所", "律所", "执业单位"],
        required: false,
    },
    ColumnSpec {
        field: PersonField::Expertise,
        variants: &[
            "擅长领域",
            "专业领域",
            "擅长案件类型",
            "业务专长",
            "擅长类别",
            "专长",
        ],
        required: false,
    },
    ColumnSpec {
        field: PersonField::YearsOfPractice,
        variants: &["执业年限", "从业年限", "执业年数", "工作年限"],
        required: false,
    },
    ColumnSpec {
        field: PersonField::MayLead,
        variants: &["可任组长", "是否组长", "能否担任组长", "可担任组长", "组长"],
        required: false,
    },
    ColumnSpec {
        field: PersonField::Phone,
        variants: &["联系电话", "电话", "手机号", "手机号码", "联系方式"],
        required: false,
    },
    ColumnSpec {
        field: PersonField::IdNo,
        variants: &[
            "身份证号",
            "身份证号码",
            "证件号码",
            "证件号",
            "公民身份号码",
        ],
        required: false,
    },
];

/// Turns a reviewer-pool table into records: every row or none. The same name twice in one
/// unit is reported, since recusal and allocation could not tell the two apart.
pub fn parse_people(table: &Table) -> Result<Vec<PersonRecord>, ValidationReport> {
    let header = locate_header(table, &PEOPLE_COLUMNS)?;
    let mut report = ValidationReport::default();
    let mut people = Vec::new();
    let mut row_numbers = Vec::new();
    for row in table.rows().skip(header.row_index + 1) {
        if is_footer(&row) {
            continue;
        }
        let mut reader = RowReader::new(&header, &PEOPLE_COLUMNS, &row, &mut report);
        if let Some(person) = read_person(&mut reader) {
            people.push(person);
            row_numbers.push(row.number());
        }
    }
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    for (person, row_number) in people.iter().zip(&row_numbers) {
        let key = (person.unit.as_str(), person.name.as_str());
        if let Some(first_row) = seen.get(&key) {
            report.push(
                Some(*row_number),
                header.header(PersonField::Name),
                ProblemKind::DuplicateKey {
                    key: format!("{} {}", person.unit, person.name),
                    first_row: *first_row,
                },
            );
        } else {
            seen.insert(key, *row_number);
        }
    }
    if report.is_empty() {
        Ok(people)
    } else {
        report.problems.sort_by_key(|problem| problem.row);
        Err(report)
    }
}

fn read_person(reader: &mut RowReader<'_, '_, PersonField>) -> Option<PersonRecord> {
    let problems_before = reader.problem_count();
    let name = reader.required_text(PersonField::Name, TextField::PersonName);
    let unit = reader.required_text(PersonField::Unit, TextField::UnitName);
    let law_firm = reader.optional_text(PersonField::LawFirm, TextField::LawFirmName);
    let expertise = reader.checked(PersonField::Expertise, expertise);
    let years_of_practice = reader.checked(PersonField::YearsOfPractice, headers::count);
    let may_lead = reader.flag(PersonField::MayLead, "组长");
    let phone = reader.checked(PersonField::Phone, headers::phone);
    let id_no = reader.checked(PersonField::IdNo, headers::id_no);
    if reader.problem_count() != problems_before {
        return None;
    }
    Some(PersonRecord {
        name: name?,
        unit: unit?,
        law_firm,
        expertise: expertise?,
        years_of_practice: years_of_practice?,
        may_lead: may_lead?,
        phone: phone?,
        id_no: id_no?,
    })
}

/// `刑事、民事`, `刑事/行政`, `民事案件` … → the set of case types; any unknown part is a problem.
fn expertise(cell: Cell<'_>) -> Result<BTreeSet<CaseType>, ProblemKind> {
    let text = cell.to_text();
    text.split(['、', ',', '，', ';', '；', '/', ' ', '　', '|'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<CaseType>()
                .map_err(|_| ProblemKind::BadCaseType {
                    text: part.to_string(),
                })
        })
        .collect()
}
