//! Deterministic made-up registries and candidate lists for benchmarks and tests: the same
//! seed always gives the same bytes. No real person's data is in here.

use chrono::{Datelike, NaiveDate, TimeDelta};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::domain::CaseType;
use crate::domain::sampling::{Candidate, YearMonth};
use crate::export::ExportError;

/// Yinchuan's seven units (DOMAIN §1), with the abbreviation used in their case numbers.
const UNITS: [(&str, &str); 7] = [
    ("银川市法律援助中心", "银"),
    ("兴庆区法律援助中心", "兴"),
    ("金凤区法律援助中心", "金"),
    ("西夏区法律援助中心", "西"),
    ("永宁县法律援助中心", "永"),
    ("贺兰县法律援助中心", "贺"),
    ("灵武市法律援助中心", "灵"),
];
const SURNAMES: [&str; 12] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "欧阳", "马",
];
const GIVEN: [&str; 10] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "小明", "秀英",
];
const FIRMS: [&str; 5] = [
    "宁夏某某律师事务所",
    "银川市某法律服务所",
    "法律援助中心（本级）",
    "宁夏某正律师事务所",
    "某和律师事务所",
];
const SUB_TYPES: [(CaseType, &str, &str); 6] = [
    (CaseType::Criminal, "刑事辩护", "盗窃罪"),
    (CaseType::Criminal, "通知辩护", "故意伤害罪"),
    (CaseType::Civil, "民事诉讼代理", "劳务合同纠纷"),
    (CaseType::Civil, "劳动仲裁", "追索劳动报酬"),
    (CaseType::Civil, "非诉讼代理", "婚姻家庭纠纷"),
    (CaseType::Administrative, "行政诉讼代理", "工伤认定"),
];

const HEADERS: [&str; 17] = [
    "序号",
    "所属中心",
    "案号",
    "受援人",
    "身份证号",
    "联系电话",
    "承办律师",
    "律师事务所",
    "案件类别",
    "援助形式",
    "案由",
    "申请日期",
    "指派日期",
    "结案日期",
    "归档日期",
    "是否终止",
    "是否认罪认罚",
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    let len = items.len() as u64;
    items.get((rng.next_u64() % len.max(1)) as usize)
}

/// A registry workbook with a title row, a header and `rows` cases, using every date form the
/// importer reads (date cells, `2023-04-05`, `2023年4月5日`, serial numbers), written with
/// rust_xlsxwriter's constant-memory mode.
pub fn registry_xlsx(rows: usize, seed: u64) -> Result<Vec<u8>, ExportError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut workbook = Workbook::new();
    // A fixed creation time keeps the bytes a function of the seed alone.
    let created = ExcelDateTime::from_ymd(2025, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("案件台账")?;
    sheet.write_string(0, 0, "2025年第三季度法律援助案件台账")?;
    for (column, header) in HEADERS.iter().enumerate() {
        sheet.write_string(1, column as u16, *header)?;
    }
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    let mut serials = [0u32; UNITS.len()];
    for index in 0..rows {
        let line = (index + 2) as u32;
        let unit_index = (rng.next_u64() % UNITS.len() as u64) as usize;
        let (unit, abbreviation) = UNITS.get(unit_index).copied().unwrap_or(("", ""));
        let serial = serials.get_mut(unit_index).map_or(0, |serial| {
            *serial += 1;
            *serial
        });
        let (case_type, sub_type, cause) =
            pick(&mut rng, &SUB_TYPES)
                .copied()
                .unwrap_or((CaseType::Civil, "", ""));
        let applied = start + TimeDelta::days((rng.next_u64() % 900) as i64);
        let assigned = applied + TimeDelta::days((rng.next_u64() % 4) as i64);
        let closed = assigned + TimeDelta::days(20 + (rng.next_u64() % 200) as i64);
        let archived = closed + TimeDelta::days((rng.next_u64() % 40) as i64);
        let name = format!(
            "{}{}",
            pick(&mut rng, &SURNAMES).unwrap_or(&"张"),
            pick(&mut rng, &GIVEN).unwrap_or(&"伟")
        );
        let id_no = format!(
            "640104{:08}{:04}",
            19600101 + rng.next_u64() % 400000,
            rng.next_u64() % 10000
        );
        let phone = format!("13{:09}", rng.next_u64() % 1_000_000_000);
        let handler = format!(
            "{}{}",
            pick(&mut rng, &SURNAMES).unwrap_or(&"李"),
            pick(&mut rng, &GIVEN).unwrap_or(&"强")
        );
        sheet.write_number(line, 0, (index + 1) as f64)?;
        sheet.write_string(line, 1, unit)?;
        sheet.write_string(
            line,
            2,
            format!("{abbreviation}法援〔{}〕{serial}号", applied.year()),
        )?;
        sheet.write_string(line, 3, &name)?;
        sheet.write_string(line, 4, &id_no)?;
        sheet.write_string(line, 5, &phone)?;
        sheet.write_string(line, 6, &handler)?;
        sheet.write_string(line, 7, *pick(&mut rng, &FIRMS).unwrap_or(&""))?;
        sheet.write_string(line, 8, case_type.label())?;
        sheet.write_string(line, 9, sub_type)?;
        sheet.write_string(line, 10, cause)?;
        sheet.write_string(line, 11, applied.format("%Y-%m-%d").to_string())?;
        sheet.write_string(
            line,
            12,
            format!(
                "{}年{}月{}日",
                assigned.year(),
                assigned.month(),
                assigned.day()
            ),
        )?;
        let closed_cell = ExcelDateTime::from_ymd(
            closed.year() as u16,
            closed.month() as u8,
            closed.day() as u8,
        )?;
        sheet.write_datetime_with_format(line, 13, &closed_cell, &date_format)?;
        let archived_serial =
            (archived - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default()).num_days();
        sheet.write_number(line, 14, archived_serial as f64)?;
        sheet.write_string(
            line,
            15,
            if rng.next_u64() % 50 == 0 {
                "是"
            } else {
                "否"
            },
        )?;
        let plea = case_type == CaseType::Criminal && rng.next_u64() % 3 == 0;
        sheet.write_string(line, 16, if plea { "是" } else { "否" })?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// `count` sampling candidates spread over `units` units, with ids `0..count`.
pub fn candidates(count: usize, units: usize, seed: u64) -> Vec<Candidate<u64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let units = units.max(1);
    (0..count)
        .map(|index| {
            let unit = index % units;
            let (case_type, sub_type, _) =
                pick(&mut rng, &SUB_TYPES)
                    .copied()
                    .unwrap_or((CaseType::Civil, "", ""));
            Candidate {
                id: index as u64,
                unit: format!("第{unit:03}法律援助中心"),
                case_no: format!("法援〔2025〕{}号", index / units + 1),
                case_type,
                sub_type: Some(sub_type.to_string()),
                archive_month: Some(YearMonth {
                    year: 2025,
                    month: 1 + (rng.next_u64() % 3) as u32,
                }),
                terminated: rng.next_u64() % 50 == 0,
                guilty_plea: case_type == CaseType::Criminal && rng.next_u64() % 3 == 0,
            }
        })
        .collect()
}
