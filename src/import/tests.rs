//! Import tests over real XLSX and CSV bytes made here: rust_xlsxwriter for workbooks,
//! encoding_rs for GBK.

use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::registry::{REGISTRY_COLUMNS, parse_cases};
use super::*;
use crate::domain::CaseType;
use crate::domain::registry::UnitKind;

#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Number(f64),
    Date(u16, u8, u8),
    Bool(bool),
    Blank,
}

fn xlsx(rows: &[Vec<Value<'_>>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let sheet = workbook.add_worksheet();
    for (line, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            let (line, column) = (line as u32, column as u16);
            match value {
                Value::Text(text) => {
                    sheet.write_string(line, column, *text).unwrap();
                }
                Value::Number(number) => {
                    sheet.write_number(line, column, *number).unwrap();
                }
                Value::Date(year, month, day) => {
                    let date = ExcelDateTime::from_ymd(*year, *month, *day).unwrap();
                    sheet
                        .write_datetime_with_format(line, column, &date, &date_format)
                        .unwrap();
                }
                Value::Bool(flag) => {
                    sheet.write_boolean(line, column, *flag).unwrap();
                }
                Value::Blank => {}
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    assert!(!had_errors);
    bytes.into_owned()
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

const CSV_REGISTRY: &str = "\
兴庆区法律援助中心2025年第三季度案件台账
,,,,,,,,,,
序号,案号,受援人,身份证号,联系电话,承办律师,律师事务所,案件类别,援助形式,案由,指派日期,结案日期,归档日期,是否终止,是否认罪认罚
1,（２０２５）兴法援1号,张三,110105199001011234,13812341234,李四,某某律师事务所,刑事,通知辩护,盗窃罪,2025/7/1,2025-08-15,2025年9月1日,否,是

2,兴法援〔2025〕2号,王五,,,赵六,\"某某律师事务所,分所\",民事案件,劳动仲裁,追索劳动报酬,2025.7.2,45884,20250905,终止,
";

#[test]
fn csv_reads_alike_in_utf8_utf8_bom_and_gbk() {
    let plain = CSV_REGISTRY.as_bytes().to_vec();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&plain);
    let gbk = gbk(CSV_REGISTRY);
    assert!(std::str::from_utf8(&gbk).is_err());
    let expected = import_cases("a.csv", &plain, Some("兴庆区")).unwrap();
    assert_eq!(
        import_cases("b.xlsx", &bom, Some("兴庆区")).unwrap(),
        expected
    );
    assert_eq!(
        import_cases("c.txt", &gbk, Some("兴庆区")).unwrap(),
        expected
    );

    assert_eq!(expected.len(), 2);
    let first = &expected[0];
    assert_eq!(first.unit, "兴庆区");
    assert_eq!(first.case_no, "(2025)兴法援1号");
    assert_eq!(first.case_type, CaseType::Criminal);
    assert_eq!(first.assigned_at, Some(date(2025, 7, 1)));
    assert_eq!(first.closed_at, date(2025, 8, 15));
    assert_eq!(first.archived_at, Some(date(2025, 9, 1)));
    assert!(first.guilty_plea && first.notified_defense && !first.terminated);
    let second = &expected[1];
    assert_eq!(second.firm, "某某律师事务所,分所");
    assert_eq!(second.case_type, CaseType::Civil);
    assert_eq!(second.closed_at, date(2025, 8, 15));
    assert_eq!(second.archived_at, Some(date(2025, 9, 5)));
    assert!(second.terminated && !second.guilty_plea && !second.notified_defense);
    assert_eq!(second.recipient_id_no, None);
}

fn registry_rows<'a>(header: Vec<&'a str>, rows: Vec<Vec<Value<'a>>>) -> Vec<Vec<Value<'a>>> {
    let mut all = vec![
        vec![Value::Text("2025年第三季度法律援助案件台账")],
        vec![Value::Blank],
        vec![
            Value::Text("填报单位：金凤区"),
            Value::Blank,
            Value::Text(""),
        ],
        header.into_iter().map(Value::Text).collect(),
    ];
    all.extend(rows);
    all
}

#[test]
fn xlsx_with_title_rows_blank_rows_shuffled_columns_and_every_date_form() {
    let header = vec![
        "结案日期",
        "案由",
        "承办机构",
        "案件编号",
        "所属中心",
        "当事人",
        "承办人",
        "类别",
        "归档日期",
        "指派日期",
        "申请日期",
        "结案方式",
    ];
    let row =
        |case_no, closed: Value<'static>, archived: Value<'static>, assigned: Value<'static>| {
            vec![
                closed,
                Value::Text("离婚纠纷"),
                Value::Text("某律师事务所"),
                Value::Text(case_no),
                Value::Text("金凤区法律援助中心"),
                Value::Text("刘一"),
                Value::Text("陈二"),
                Value::Text("民事"),
                archived,
                assigned,
                Value::Text("2023-03-30"),
                Value::Text("调解结案"),
            ]
        };
    let rows = vec![
        row(
            "金1",
            Value::Date(2023, 4, 5),
            Value::Number(45030.0),
            Value::Text("2023/4/1"),
        ),
        vec![],
        row(
            "金2",
            Value::Text("2023-04-05"),
            Value::Text("45030"),
            Value::Text("2023.4.1"),
        ),
        row(
            "金3",
            Value::Text("2023年4月5日"),
            Value::Text("2023-04-14 10:00:00"),
            Value::Text("2023年04月01日"),
        ),
        row(
            "金4",
            Value::Number(20230405.0),
            Value::Text("2023/04/14"),
            Value::Date(2023, 4, 1),
        ),
        row(
            "金5",
            Value::Text("2023-04-05T00:00:00"),
            Value::Number(45030.5),
            Value::Text("20230401"),
        ),
    ];
    let bytes = xlsx(&registry_rows(header, rows));
    let records = import_cases("台账.csv", &bytes, None).unwrap();
    assert_eq!(records.len(), 5);
    for record in &records {
        assert_eq!(record.closed_at, date(2023, 4, 5), "{}", record.case_no);
        assert_eq!(
            record.archived_at,
            Some(date(2023, 4, 14)),
            "{}",
            record.case_no
        );
        assert_eq!(
            record.assigned_at,
            Some(date(2023, 4, 1)),
            "{}",
            record.case_no
        );
        assert_eq!(record.applied_at, Some(date(2023, 3, 30)));
        assert_eq!(record.unit, "金凤区法律援助中心");
    }
}

/// Builds a one-row registry in which `field`'s header is `variant`, every other header the
/// canonical one.
fn registry_with_header(field_index: usize, variant: &'static str) -> Table {
    let headers: Vec<&str> = REGISTRY_COLUMNS
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            if index == field_index {
                variant
            } else {
                spec.variants[0]
            }
        })
        .collect();
    let values = [
        "兴庆区法律援助中心",
        "兴法援1号",
        "张三",
        "110105199001011234",
        "13812341234",
        "李四",
        "某律师事务所",
        "刑事",
        "刑事辩护",
        "盗窃罪",
        "2023-03-01",
        "2023-03-02",
        "2023-04-05",
        "2023-04-10",
        "是",
        "终止",
        "√",
        "Y",
        "通知",
    ];
    assert_eq!(values.len(), headers.len());
    Table::from_text_rows([headers, values.to_vec()]).unwrap()
}

#[test]
fn every_header_variant_is_recognised() {
    for (field_index, spec) in REGISTRY_COLUMNS.iter().enumerate() {
        for variant in spec.variants {
            let table = registry_with_header(field_index, variant);
            let records =
                parse_cases(&table, None).unwrap_or_else(|report| panic!("{variant}: {report}"));
            let record = &records[0];
            assert_eq!(record.unit, "兴庆区法律援助中心");
            assert_eq!(record.case_no, "兴法援1号");
            assert_eq!(record.recipient, "张三");
            assert_eq!(
                record.recipient_id_no.as_deref(),
                Some("110105199001011234")
            );
            assert_eq!(record.recipient_phone.as_deref(), Some("13812341234"));
            assert_eq!(record.handler, "李四");
            assert_eq!(record.firm, "某律师事务所");
            assert_eq!(record.case_type, CaseType::Criminal);
            assert_eq!(record.sub_type.as_deref(), Some("刑事辩护"));
            assert_eq!(record.cause, "盗窃罪");
            assert_eq!(record.applied_at, Some(date(2023, 3, 1)));
            assert_eq!(record.assigned_at, Some(date(2023, 3, 2)));
            assert_eq!(record.closed_at, date(2023, 4, 5));
            assert_eq!(record.archived_at, Some(date(2023, 4, 10)));
            assert!(record.terminated && record.guilty_plea && record.notified_defense);
        }
    }
}

#[test]
fn errors_name_every_row_and_column_and_nothing_is_returned() {
    let text = "\
案件台账
案号,受援人,承办人,承办机构,案件类别,案由,指派日期,结案日期,身份证号,联系电话,是否认罪认罚
A1,张三,李四,某所,刑事,盗窃,2023-04-01,2023-13-45,,,否
A2,,李四,某所,值班律师,盗窃,2023-04-01,2023-04-05,1101051990,无,也许
A3,王五,李四,某所,民事,借款,2023-05-01,2023-04-05,,,否
A1,赵六,李四,某所,民事,借款,2023-04-01,2023-04-05,,,否
A4,孙七,李四,某所,民事,借款,,,,,否
";
    let error = import_cases("错误台账.csv", text.as_bytes(), Some("兴庆区")).unwrap_err();
    let ImportError::Invalid { file, report } = &error else {
        panic!("{error}");
    };
    assert_eq!(file, "错误台账.csv");
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "第3行 “结案日期”：无法识别的日期“2023-13-45”",
            "第4行 “受援人”：必填，不能为空",
            "第4行 “身份证号”：身份证号“1101051990”格式不正确",
            "第4行 “联系电话”：联系电话“无”格式不正确",
            "第4行 “案件类别”：无法识别的案件类别“值班律师”（应为刑事、民事或行政）",
            "第4行 “是否认罪认罚”：无法识别的“是/否”值“也许”",
            "第5行 “结案日期”：“结案日期”早于“指派日期”",
            "第6行 “案号”：“A1”重复（与第3行相同）",
            "第7行 “结案日期”：必填，不能为空",
        ]
    );
    assert!(error.to_string().contains("未导入任何数据"));
}

#[test]
fn missing_columns_and_headers_are_reported() {
    let table = Table::from_text_rows([vec!["案号", "受援人", "承办人", "案件类别"]]).unwrap();
    let report = parse_cases(&table, None).unwrap_err();
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(lines.contains(&"第1行 “所属中心”：缺少必填列（可用列名：所属中心、援助机构、单位、法律援助机构、所属单位、法律援助中心、指派机构）".to_string()), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("第1行 “结案日期”：缺少必填列"))
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("第1行 “承办机构”：缺少必填列"))
    );

    let table = Table::from_text_rows([vec!["甲", "乙"], vec!["1", "2"]]).unwrap();
    let report = parse_cases(&table, None).unwrap_err();
    assert_eq!(report.problems[0].kind, ProblemKind::HeaderNotFound);

    let table = Table::from_text_rows([vec!["案号", "案件编号", "受援人", "承办人"]]).unwrap();
    let report = parse_cases(&table, Some("x")).unwrap_err();
    assert!(
        report
            .to_string()
            .contains("“案件编号”：与“案号”列含义相同")
    );
}

#[test]
fn id_numbers_stored_as_numbers_are_refused_with_a_reason() {
    let rows = registry_rows(
        vec![
            "案号",
            "受援人",
            "承办人",
            "承办机构",
            "案件类别",
            "案由",
            "结案日期",
            "身份证号",
        ],
        vec![vec![
            Value::Number(123.0),
            Value::Text("张三"),
            Value::Text("李四"),
            Value::Text("某所"),
            Value::Text("行政"),
            Value::Text("工伤认定"),
            Value::Date(2023, 4, 5),
            Value::Number(110105199001011234.0),
        ]],
    );
    let error = import_cases("x.xlsx", &xlsx(&rows), Some("兴庆区")).unwrap_err();
    let ImportError::Invalid { report, .. } = error else {
        panic!("expected a report");
    };
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].row, Some(5));
    assert_eq!(report.problems[0].column.as_deref(), Some("身份证号"));
    assert_eq!(report.problems[0].kind, ProblemKind::IdNoStoredAsNumber);
}

#[test]
fn format_is_decided_by_content_not_name() {
    let legacy = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    assert!(matches!(
        read_table("台账.xlsx", &legacy),
        Err(ImportError::LegacyXls { .. })
    ));
    assert!(matches!(
        read_table("台账.xls", b"PK\x03\x04garbage"),
        Err(ImportError::BadXlsx { .. })
    ));
    assert!(matches!(
        read_table("a.csv", b""),
        Err(ImportError::Empty { .. })
    ));
    assert!(matches!(
        read_table("a.csv", b"\n,,\n"),
        Err(ImportError::Empty { .. })
    ));
    assert!(matches!(
        read_table("a.csv", b"\xEF\xBB\xBF\xFF\xFE"),
        Err(ImportError::BadCsv { .. })
    ));
    let table = read_table(
        "a.xls",
        &xlsx(&[vec![Value::Text("案号"), Value::Bool(true)]]),
    )
    .unwrap();
    let row = table.rows().next().unwrap();
    assert_eq!(row.get(0), Cell::Text("案号"));
    assert_eq!(row.get(1), Cell::Bool(true));
}

#[test]
fn csv_rows_are_numbered_as_excel_shows_them() {
    let text = "标题\n\n案号,备注\nA1,\"两行\n备注\"\nA2,x\n";
    let table = read_table("a.csv", text.as_bytes()).unwrap();
    let numbers: Vec<u32> = table.rows().map(|row| row.number()).collect();
    assert_eq!(numbers, vec![1, 3, 4, 5]);
    let tabs = read_table("a.txt", "案号\t受援人\nA1\t张三\n".as_bytes()).unwrap();
    assert_eq!(tabs.rows().nth(1).unwrap().get(1), Cell::Text("张三"));
}

#[test]
fn footer_rows_are_skipped() {
    let table = Table::from_text_rows([
        vec![
            "案号",
            "受援人",
            "承办人",
            "承办机构",
            "案件类别",
            "案由",
            "结案日期",
        ],
        vec!["A1", "张三", "李四", "某所", "民事", "借款", "2023-04-05"],
        vec!["合计：1件"],
        vec!["填表人：王某", "", "审核人：李某"],
    ])
    .unwrap();
    assert_eq!(parse_cases(&table, Some("u")).unwrap().len(), 1);
}

#[test]
fn synthetic_registry_imports_whole() {
    let bytes = synthetic::registry_xlsx(500, 7).unwrap();
    assert_eq!(bytes, synthetic::registry_xlsx(500, 7).unwrap());
    let records = import_cases("synthetic.xlsx", &bytes, None).unwrap();
    assert_eq!(records.len(), 500);
    assert!(records.iter().any(|record| record.terminated));
    assert!(
        records
            .iter()
            .all(|record| record.archived_at >= Some(record.closed_at))
    );
}

#[test]
fn people_are_imported() {
    let rows = vec![
        vec![Value::Text("2025年评估专家库")],
        vec![
            Value::Text("姓名"),
            Value::Text("工作单位"),
            Value::Text("执业机构"),
            Value::Text("擅长领域"),
            Value::Text("执业年限"),
            Value::Text("可任组长"),
            Value::Text("手机号"),
        ],
        vec![
            Value::Text("王律师"),
            Value::Text("兴庆区"),
            Value::Text("某律师事务所"),
            Value::Text("刑事、民事"),
            Value::Number(12.0),
            Value::Text("是"),
            Value::Number(13912345678.0),
        ],
        vec![
            Value::Text("李主任"),
            Value::Text("金凤区"),
            Value::Blank,
            Value::Text("行政"),
            Value::Text("5年"),
            Value::Blank,
            Value::Blank,
        ],
    ];
    let people = import_people("专家库.xlsx", &xlsx(&rows)).unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(
        people[0].expertise.iter().copied().collect::<Vec<_>>(),
        vec![CaseType::Criminal, CaseType::Civil]
    );
    assert_eq!(people[0].years_of_practice, Some(12));
    assert!(people[0].may_lead);
    assert_eq!(people[0].phone.as_deref(), Some("13912345678"));
    assert_eq!(people[1].law_firm, None);
    assert_eq!(people[1].years_of_practice, Some(5));
    assert!(!people[1].may_lead);

    let bad = "姓名,单位,擅长领域\n王律师,兴庆区,刑事/值班\n王律师,兴庆区,民事\n";
    let error = import_people("p.csv", bad.as_bytes()).unwrap_err();
    let ImportError::Invalid { report, .. } = error else {
        panic!("expected a report");
    };
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec!["第2行 “擅长领域”：无法识别的案件类别“值班”（应为刑事、民事或行政）",]
    );
}

#[test]
fn units_are_imported() {
    let text = "\
单位编码,单位名称,单位类型,上级单位编码,年度任务
640100,银川市法律援助中心,,,280
640104,兴庆区法律援助中心,法律援助中心,640100,270
640104001,丰登司法所,司法所,640104,
640105,金凤区司法局,,640100,160
";
    let units = import_units("units.csv", &gbk(text)).unwrap();
    assert_eq!(units.len(), 4);
    assert_eq!(units[0].kind, UnitKind::AidCenter);
    assert_eq!(units[0].annual_target, Some(280));
    assert_eq!(units[2].kind, UnitKind::JusticeOffice);
    assert_eq!(units[3].kind, UnitKind::JusticeBureau);
    assert_eq!(units[1].parent_code.as_deref(), Some("640100"));

    let bad = "单位编码,单位名称,上级单位编码,年度任务\n1,某律所,,\n1,兴庆区法律援助中心,1,很多\n";
    let ImportError::Invalid { report, .. } = import_units("u.csv", bad.as_bytes()).unwrap_err()
    else {
        panic!("expected a report");
    };
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "第2行 “单位类型”：无法识别的单位类型“某律所”（应为法律援助中心、司法局或司法所）",
            "第3行 “上级单位编码”：上级单位不能是本单位",
            "第3行 “年度任务”：无法识别的数字“很多”",
        ]
    );
}

#[test]
fn a_unit_list_may_name_the_year_of_its_targets() {
    let text = "单位编码,单位名称,年度任务,年度\nXQ,兴庆区法律援助中心,270,2025年\nJF,金凤区法律援助中心,160,\n";
    let units = import_units("units.csv", text.as_bytes()).unwrap();
    assert_eq!(units[0].year, Some(2025));
    assert_eq!(
        units[1].year, None,
        "an empty year is the year of the import"
    );
    let bad = "单位编码,单位名称,年度任务,年度\nXQ,兴庆区法律援助中心,270,25\n";
    let ImportError::Invalid { report, .. } = import_units("u.csv", bad.as_bytes()).unwrap_err()
    else {
        panic!("expected a report");
    };
    assert_eq!(
        report.problems[0].to_string(),
        "第2行 “年度”：无法识别的数字“25”"
    );
}

/// Streams a registry, gathering what was handed over and in how many batches.
fn stream_all(
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&str>,
) -> (
    Result<usize, ImportError>,
    Vec<crate::domain::registry::CaseRecord>,
    usize,
) {
    let mut handed = Vec::new();
    let mut batches = 0;
    let result = stream_cases(
        file_name,
        bytes,
        default_unit,
        |_: &str| Some(()),
        &mut |batch| {
            batches += 1;
            assert!(batch.rows_expected >= batch.records.len());
            handed.extend(batch.records.into_iter().map(|(_, record)| record));
            ControlFlow::Continue(())
        },
    );
    (result, handed, batches)
}

/// A CSV registry of `rows` data rows under a title and a header (row i is on line i + 2);
/// `row` may change any row's case number and closing date.
fn long_csv(rows: usize, row: impl Fn(usize) -> (String, &'static str)) -> Vec<u8> {
    let mut text = "案件台账\n案号,受援人,承办人,承办机构,案件类别,案由,结案日期\n".to_string();
    for index in 1..=rows {
        let (case_no, closed) = row(index);
        text.push_str(&format!("{case_no},张三,李四,某所,民事,借款,{closed}\n"));
    }
    text.into_bytes()
}

#[test]
fn streaming_hands_over_every_record_in_order_over_several_batches() {
    let csv = long_csv(4_500, |index| (format!("A-{index}"), "2025-01-05"));
    let whole = import_cases("台账.csv", &csv, Some("兴庆区")).unwrap();
    let (result, handed, batches) = stream_all("台账.csv", &csv, Some("兴庆区"));
    assert_eq!(result.unwrap(), 4_500);
    assert_eq!(handed, whole);
    assert_eq!(batches, 3, "4,502 lines in chunks of {CHUNK_ROWS}");

    let xlsx = synthetic::registry_xlsx(4_200, 3).unwrap();
    let whole = import_cases("synthetic.xlsx", &xlsx, None).unwrap();
    let (result, handed, batches) = stream_all("synthetic.xlsx", &xlsx, None);
    assert_eq!(result.unwrap(), 4_200);
    assert_eq!(handed, whole);
    assert_eq!(batches, 3);
}

#[test]
fn streaming_stops_handing_over_at_the_first_problem_and_still_reports_every_row() {
    // A case number repeated in the second chunk, and a bad date on the very last row.
    let csv = long_csv(4_500, |index| match index {
        3_000 => ("A-5".to_string(), "2025-01-05"),
        4_500 => (format!("A-{index}"), "2025-13-45"),
        _ => (format!("A-{index}"), "2025-01-05"),
    });
    let ImportError::Invalid { report: whole, .. } =
        import_cases("台账.csv", &csv, Some("兴庆区")).unwrap_err()
    else {
        panic!("expected a report");
    };
    let (result, handed, _) = stream_all("台账.csv", &csv, Some("兴庆区"));
    let Err(ImportError::Invalid { report, .. }) = result else {
        panic!("expected a report");
    };
    assert_eq!(report, whole);
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "第3002行 “案号”：“A-5”重复（与第7行相同）",
            "第4502行 “结案日期”：无法识别的日期“2025-13-45”",
        ]
    );
    // Rows A-1 … A-2999 were valid when handed over; nothing after the duplicate was.
    assert_eq!(handed.len(), 2_999);
    assert_eq!(
        handed.last().map(|record| record.case_no.as_str()),
        Some("A-2999")
    );

    // Only the last row bad: everything before it was handed over, and the file is refused.
    let csv = long_csv(4_500, |index| {
        let closed = if index == 4_500 {
            "2025-13-45"
        } else {
            "2025-01-05"
        };
        (format!("A-{index}"), closed)
    });
    let (result, handed, _) = stream_all("台账.csv", &csv, Some("兴庆区"));
    let Err(ImportError::Invalid { report, .. }) = result else {
        panic!("expected a report");
    };
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].row, Some(4_502));
    assert_eq!(handed.len(), 4_499);
}

#[test]
fn streaming_reports_a_missing_header_an_empty_file_and_unknown_units() {
    let (result, handed, _) = stream_all("空.csv", b"", None);
    assert!(
        matches!(result, Err(ImportError::Empty { .. })),
        "{result:?}"
    );
    assert!(handed.is_empty());

    let (result, _, _) = stream_all("无表头.csv", "甲,乙\n1,2\n".as_bytes(), None);
    let Err(ImportError::Invalid { report, .. }) = result else {
        panic!("expected a report");
    };
    assert_eq!(report.problems[0].kind, ProblemKind::HeaderNotFound);

    let csv = "案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n\
               A-1,张三,李四,某所,民事,借款,2025-01-05,兴庆区\n\
               A-2,张三,李四,某所,民事,借款,2025-01-05,月球\n\
               A-3,张三,李四,某所,民事,借款,2025-01-05,兴庆区\n";
    let mut resolved = Vec::new();
    let result = stream_cases(
        "台账.csv",
        csv.as_bytes(),
        None,
        |unit: &str| {
            resolved.push(unit.to_string());
            (unit == "兴庆区").then_some(7u8)
        },
        &mut |batch| {
            assert!(batch.records.iter().all(|(unit, _)| *unit == 7));
            ControlFlow::Continue(())
        },
    );
    let Err(ImportError::Invalid { report, .. }) = result else {
        panic!("expected a report");
    };
    assert_eq!(
        report
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![
            "第3行 “所属中心”：单位“月球”不在系统的单位名单中，请核对名称或代码，或先导入单位名单"
        ]
    );
    assert_eq!(
        resolved,
        vec!["兴庆区", "月球"],
        "each unit text resolved once"
    );
}
