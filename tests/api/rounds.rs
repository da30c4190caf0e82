//! A round from the pages and the API: create, import a registry (real XLSX and GBK CSV made
//! here), preview, commit, re-import, plan, freeze, verify, export per unit.

use crate::helpers::{Client, TestApp, hidden_value, spawn_app};
use awc::http::StatusCode;
use calamine::Reader;
use pingcha::storage::{self, cases};
use rust_xlsxwriter::Workbook;

const UNITS: [&str; 3] = ["兴庆区法律援助中心", "金凤区", "XX"];

/// A registry as a bureau would send it: a title row, a blank row, headers with variant names
/// in an unusual order, dates written three ways, IDs and phones.
pub fn registry_xlsx(cases_per_unit: usize) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_string(0, 0, "2025年第三季度法律援助结案案件台账")
        .unwrap();
    let headers = [
        "序号",
        "援助编号",
        "受援人姓名",
        "身份证号码",
        "联系电话",
        "承办律师",
        "律师事务所",
        "案件类型",
        "案由",
        "指派日期",
        "结案日期",
        "归档日期",
        "所属中心",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(2, column as u16, *header).unwrap();
    }
    let types = ["刑事", "民事", "行政", "民事"];
    let mut row = 3u32;
    for (unit_index, unit) in UNITS.iter().enumerate() {
        for index in 0..cases_per_unit {
            let number = unit_index * 100 + index + 1;
            let values = [
                number.to_string(),
                format!("（2025）银法援{}字第{:03}号", unit_index + 1, index + 1),
                format!("王{}", ["玥", "喆", "堃", "昇", "明", "华"][index % 6]),
                format!("64010419800101{:04}", 1000 + number),
                format!("1390951{:04}", number),
                format!("承办人{}", index % 4),
                format!("宁夏第{}律师事务所", index % 3 + 1),
                types[index % 4].to_string(),
                "盗窃罪".to_string(),
                "2025年7月1日".to_string(),
                format!("2025/8/{}", index % 28 + 1),
                format!("2025.9.{}", index % 28 + 1),
                unit.to_string(),
            ];
            for (column, value) in values.iter().enumerate() {
                sheet.write_string(row, column as u16, value).unwrap();
            }
            row += 1;
        }
    }
    workbook.save_to_buffer().unwrap()
}

pub async fn create_round(app: &TestApp, admin: &mut Client, name: &str) -> String {
    let page = admin.get("/rounds").await;
    let rubric = |case_type: &str| {
        let marker = format!("name=\"rubric_{case_type}\"");
        let start = page.body.find(&marker).unwrap();
        hidden_option(&page.body[start..])
    };
    let (criminal, civil, administrative) = (
        rubric("criminal"),
        rubric("civil"),
        rubric("administrative"),
    );
    let reply = admin
        .post_form(
            "/rounds",
            &[
                ("name", name),
                ("period_start", "2025-07-01"),
                ("period_end", "2025-09-30"),
                ("review_deadline", "2025-10-31"),
                ("rubric_criminal", &criminal),
                ("rubric_civil", &civil),
                ("rubric_administrative", &administrative),
                ("combine_rule", "escalate"),
                ("escalate_gap", "10"),
                ("rectification_days", "30"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let _ = app;
    reply
        .location()
        .unwrap()
        .trim_start_matches("/rounds/")
        .to_string()
}

/// The first non-empty option value after a select.
fn hidden_option(html: &str) -> String {
    let marker = "<option value=\"";
    let mut rest = html;
    loop {
        let start = rest.find(marker).unwrap() + marker.len();
        let end = rest[start..].find('"').unwrap() + start;
        if end > start {
            return rest[start..end].to_string();
        }
        rest = &rest[end..];
    }
}

pub async fn import_registry(
    admin: &mut Client,
    round: &str,
    file_name: &str,
    bytes: &[u8],
) -> crate::helpers::Reply {
    let boundary = "round-test-boundary";
    let mut body = Vec::new();
    for (name, value) in [("kind", "cases"), ("round_id", round)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    admin.post_multipart("/imports", boundary, body).await
}

fn case_count(app: &TestApp) -> usize {
    let mut conn = app.conn();
    cases::list(
        &mut conn,
        pingcha::domain::UnitScope::All,
        &cases::CaseFilter::default(),
        None,
    )
    .unwrap()
    .len()
}

#[actix_rt::test]
async fn a_round_goes_from_registry_to_a_frozen_verifiable_sample() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "2025年第三季度案卷评查").await;

    // Upload: preview first, nothing written yet.
    let registry = registry_xlsx(12);
    let reply = import_registry(&mut admin, &round, "台账.xlsx", &registry).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let preview_path = reply.location().unwrap().to_string();
    let preview = admin.get(&preview_path).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains("新增 36 件，更新 0 件，未变化 0 件"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("王某"),
        "names are masked in the preview"
    );
    assert!(
        !preview.body.contains("王玥"),
        "no full names in the preview"
    );
    assert!(
        preview.body.contains("640***********"),
        "ID numbers are masked"
    );
    assert_eq!(case_count(&app), 0);

    let reply = admin
        .post_form(&format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(case_count(&app), 36);
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(page.body.contains("本轮期间内结案 36 件"));

    // The same file again changes nothing.
    let reply = import_registry(&mut admin, &round, "台账.xlsx", &registry).await;
    let preview_path = reply.location().unwrap().to_string();
    assert!(
        admin
            .get(&preview_path)
            .await
            .body
            .contains("新增 0 件，更新 0 件，未变化 36 件")
    );
    admin
        .post_form(&format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(case_count(&app), 36);

    // 草稿 → 抽样, then a plan and a frozen sample.
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/plan"),
            &[
                ("strategy", "rate"),
                ("rate_percent", "25"),
                ("min", "1"),
                ("max", ""),
                ("exclude_terminated", "on"),
                ("designated", "XQ （2025）银法援1字第012号"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let preview = admin.get(&format!("/rounds/{round}/sample?seed=5")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("这是预览"));
    let token = admin.csrf_token().await;
    let frozen = admin
        .post_json(
            &format!("/api/rounds/{round}/sample/freeze"),
            &serde_json::json!({"seed": "42", "confirm": true}),
            Some(&token),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::OK, "{}", frozen.body);
    let body = frozen.json();
    let selected = body["selected"].as_u64().unwrap();
    assert!(
        selected >= 9,
        "25 % of 3 units × 3 types, at least one each: {selected}"
    );
    let designated: Vec<_> = body["strata"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|stratum| stratum["picks"].as_array().unwrap().clone())
        .filter(|pick| pick["designated"] == true)
        .collect();
    assert_eq!(designated.len(), 1);
    assert_eq!(designated[0]["case"]["case_no"], "(2025)银法援1字第012号");

    // Frozen means frozen.
    let again = admin
        .post_json(
            &format!("/api/rounds/{round}/sample/freeze"),
            &serde_json::json!({"seed": "43", "confirm": true}),
            Some(&token),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let plan = admin
        .post_form(&format!("/rounds/{round}/plan"), &[("strategy", "census")])
        .await;
    assert_eq!(plan.status, StatusCode::CONFLICT);

    // Each unit's list as XLSX; a center manager gets only their own.
    let xq = app.unit_id("XQ");
    let jf = app.unit_id("JF");
    let reply = admin
        .get(&format!("/rounds/{round}/sample/units/{xq}"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    // The frozen sample page links each unit's list; the manager's home names the round and
    // links their own unit's list only.
    let sample_page = admin.get(&format!("/rounds/{round}/sample")).await;
    for unit in [&xq, &jf] {
        assert!(
            sample_page
                .body
                .contains(&format!("href=\"/rounds/{round}/sample/units/{unit}\"")),
            "{}",
            sample_page.body
        );
    }
    let mut manager = app.login_as("manager").await;
    let home = manager.get("/").await;
    assert!(
        home.body.contains("当前评查轮次：2025年第三季度案卷评查"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains(&format!("href=\"/rounds/{round}/sample/units/{xq}\""))
    );
    assert!(!home.body.contains(&format!("/sample/units/{jf}")));
    assert!(home.body.contains("按清单调取纸质案卷"), "{}", home.body);
    assert!(home.body.contains("href=\"/notices\""));
    let own = manager
        .get_bytes(&format!("/rounds/{round}/sample/units/{xq}"))
        .await;
    assert_eq!(own.0, StatusCode::OK);
    let other = manager
        .get(&format!("/rounds/{round}/sample/units/{jf}"))
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(own.1)).unwrap();
    let sheet_name = workbook.sheet_names()[0].clone();
    assert_eq!(sheet_name, "抽查案卷清单");
    let range = workbook.worksheet_range(&sheet_name).unwrap();
    let text: Vec<String> = range
        .rows()
        .flat_map(|row| row.iter().map(|cell| cell.to_string()))
        .collect();
    assert!(
        text.iter().any(|cell| cell == "(2025)银法援1字第012号"),
        "{text:?}"
    );
    assert!(text.iter().any(|cell| cell.contains("兴庆区法律援助中心")));
    assert!(
        !text.iter().any(|cell| cell.starts_with("王")
            && cell.chars().count() == 2
            && !cell.contains('某')),
        "names masked: {text:?}"
    );
    assert!(
        !text.iter().any(|cell| cell.contains("金凤区")),
        "only the unit's own files"
    );

    // Anyone can re-derive the sample from the stored seed and list.
    let mut conn = app.conn();
    let stored = storage::rounds::find(&mut conn, round.parse().unwrap()).unwrap();
    let outcome = storage::sampling::verify_frozen(&mut conn, &stored)
        .unwrap()
        .unwrap();
    assert!(matches!(
        outcome,
        pingcha::domain::sampling::VerifyOutcome::Matches { .. }
    ));
}

#[actix_rt::test]
async fn a_bad_registry_is_reported_by_row_and_column_and_changes_nothing() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "2025年第三季度").await;
    let csv = "案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n\
               A-1,张三,李律师,宁夏明德律师事务所,民事,劳动争议,2025-08-01,兴庆区\n\
               A-2,张四,李律师,宁夏明德律师事务所,民事,劳动争议,2025-13-45,兴庆区\n\
               A-3,张五,李律师,宁夏明德律师事务所,民事,劳动争议,2025-08-03,不存在的中心\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let reply = import_registry(&mut admin, &round, "台账.csv", &gbk).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("第3行"), "{}", reply.body);
    assert!(reply.body.contains("结案日期"));
    assert!(reply.body.contains("2025-13-45"));
    assert!(reply.body.contains("第4行"));
    assert!(reply.body.contains("不存在的中心"));
    assert_eq!(case_count(&app), 0);

    // A legacy .xls (OLE) or a picture renamed .xlsx is refused by content.
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    let reply = import_registry(&mut admin, &round, "台账.xlsx", &ole).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("旧版 Excel"), "{}", reply.body);
    assert_eq!(case_count(&app), 0);
}

/// Every stored case, unmasked, and the number of audit entries: what a refused import must
/// leave exactly as it was.
fn registry_state(app: &TestApp) -> (Vec<pingcha::domain::registry::CaseRecord>, i64) {
    use diesel::prelude::*;
    let mut conn = app.conn();
    let records = cases::records(
        &mut conn,
        pingcha::domain::UnitScope::All,
        &cases::CaseFilter::default(),
    )
    .unwrap()
    .into_iter()
    .map(|(_, record)| record)
    .collect();
    let audit: i64 = storage::schema::audit_log::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    (records, audit)
}

/// The import writes while it reads, so a large registry's first thousands of rows are in the
/// transaction before its last row is even read: a bad last row must still leave the database
/// exactly as it was — no new case, no changed case, no audit entry — on either backend.
#[actix_rt::test]
async fn a_registry_whose_last_row_is_bad_changes_nothing_though_earlier_rows_were_written() {
    let app = spawn_app().await;
    let actor = storage::audit::Actor::cli();
    let mut conn = app.conn();
    let stored = pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "台账.xlsx",
        &registry_xlsx(12),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(stored.new, 36);
    let before = registry_state(&app);

    // The first rows change the 12 stored cases of 兴庆区 (another recipient), the next ones are
    // new, and the last closing date does not exist.
    let rows = 5_000;
    let mut csv =
        "案件台账\n案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n".to_string();
    for index in 1..=rows {
        let case_no = if index <= 12 {
            format!("（2025）银法援1字第{index:03}号")
        } else {
            format!("（2025）银法援9字第{index:05}号")
        };
        let closed = if index == rows {
            "2025-13-45"
        } else {
            "2025-08-01"
        };
        csv.push_str(&format!(
            "{case_no},赵{index},承办人1,宁夏第1律师事务所,民事,劳务合同纠纷,{closed},兴庆区法律援助中心\n"
        ));
    }
    let mut written = 0;
    let failure = pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "大台账.csv",
        csv.as_bytes(),
        None,
        &mut |done, _| written = written.max(done),
    )
    .unwrap_err();
    let pingcha::app::imports::Failure::Invalid { problems, .. } = failure else {
        panic!("expected the problems, got {failure}");
    };
    assert_eq!(
        problems,
        vec![format!(
            "第{}行 “结案日期”：无法识别的日期“2025-13-45”",
            rows + 2
        )]
    );
    assert!(
        written >= 4_000,
        "only {written} rows were written before the bad row was read"
    );
    drop(conn);
    assert_eq!(registry_state(&app), before);

    // Without the bad row the same file imports whole: 12 changed, the rest new.
    let fixed = csv.replace("2025-13-45", "2025-08-02");
    let mut conn = app.conn();
    let counts = pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "大台账.csv",
        fixed.as_bytes(),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        (counts.new, counts.changed, counts.unchanged),
        (rows - 12, 12, 0)
    );
    drop(conn);
    let (after, _) = registry_state(&app);
    assert_eq!(after.len(), 36 + rows - 12);
}

#[actix_rt::test]
async fn a_round_moves_forward_one_step_at_a_time() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "状态测试").await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "teaming"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.body.contains("只能从“草稿”进入“抽样”"),
        "{}",
        reply.body
    );
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("导入本轮期间内结案的案件台账"));
    let mut leader = app.login_as("leader").await;
    assert_eq!(
        leader.get(&format!("/rounds/{round}")).await.status,
        StatusCode::OK
    );
    let reply = leader
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[actix_rt::test]
async fn the_same_seed_draws_the_same_files_on_every_backend() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "跨库一致").await;
    let reply = import_registry(&mut admin, &round, "台账.xlsx", &registry_xlsx(20)).await;
    let preview_path = reply.location().unwrap().to_string();
    admin
        .post_form(&format!("{preview_path}/commit"), &[])
        .await;
    admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    let token = admin.csrf_token().await;
    let frozen = admin
        .post_json(
            &format!("/api/rounds/{round}/sample/freeze"),
            &serde_json::json!({"seed": "20251001", "confirm": true}),
            Some(&token),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::OK, "{}", frozen.body);
    let body = frozen.json();
    let mut picked: Vec<String> = body["strata"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|stratum| {
            stratum["picks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pick| {
                    format!(
                        "{} {}",
                        pick["case"]["unit_code"].as_str().unwrap(),
                        pick["case"]["case_no"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    picked.sort();
    // Golden value: ids differ between databases, the draw must not.
    assert_eq!(picked, golden_picks(), "{picked:#?}");
}

fn golden_picks() -> Vec<String> {
    GOLDEN.iter().map(ToString::to_string).collect()
}

const GOLDEN: [&str; 9] = [
    "JF (2025)银法援2字第009号",
    "JF (2025)银法援2字第011号",
    "JF (2025)银法援2字第018号",
    "XQ (2025)银法援1字第006号",
    "XQ (2025)银法援1字第015号",
    "XQ (2025)银法援1字第017号",
    "XX (2025)银法援3字第001号",
    "XX (2025)银法援3字第015号",
    "XX (2025)银法援3字第020号",
];

#[test]
fn hidden_value_finds_fields() {
    assert_eq!(
        hidden_value(r#"<input name="csrf" value="abc">"#, "csrf").as_deref(),
        Some("abc")
    );
}

#[actix_rt::test]
async fn files_drawn_in_an_earlier_round_can_be_excluded() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let first = create_round(&app, &mut admin, "第一轮").await;
    let reply = import_registry(&mut admin, &first, "台账.xlsx", &registry_xlsx(8)).await;
    let preview = reply.location().unwrap().to_string();
    admin.post_form(&format!("{preview}/commit"), &[]).await;
    admin
        .post_form(
            &format!("/rounds/{first}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    let token = admin.csrf_token().await;
    let frozen = admin
        .post_json(
            &format!("/api/rounds/{first}/sample/freeze"),
            &serde_json::json!({"seed": "1", "confirm": true}),
            Some(&token),
        )
        .await;
    let first_picks = frozen.json()["selected"].as_u64().unwrap();
    assert!(first_picks > 0);

    // An annual re-check over the same period: census, minus what the first round drew.
    let second = create_round(&app, &mut admin, "年度复查").await;
    admin
        .post_form(
            &format!("/rounds/{second}/status"),
            &[("status", "sampling"), ("confirm", "yes")],
        )
        .await;
    let reply = admin
        .post_form(
            &format!("/rounds/{second}/plan"),
            &[
                ("strategy", "census"),
                ("exclude_reviewed", "on"),
                ("exclude_terminated", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = admin.get(&format!("/rounds/{second}")).await;
    assert!(
        page.body
            .contains(&format!("排除以往轮次已抽查的案卷（{first_picks} 件）")),
        "{}",
        page.body
    );
    let frozen = admin
        .post_json(
            &format!("/api/rounds/{second}/sample/freeze"),
            &serde_json::json!({"seed": "2", "confirm": true}),
            Some(&token),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::OK, "{}", frozen.body);
    assert_eq!(
        frozen.json()["selected"].as_u64().unwrap(),
        24 - first_picks
    );
}
