//! Length and character limits of stored texts (`domain::text_limits`), met the way a user
//! meets them: a refused page form keeps what was typed, the API answers 400 naming the field,
//! an import names row and column and stores nothing, a rubric file names file, section and
//! item, a NUL byte is refused the same on both backends, and an export never fails on
//! Excel's cell limit.

use crate::cli::pingcha;
use crate::helpers::{TestApp, spawn_app};
use crate::rounds::{create_round, import_registry};
use awc::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use pingcha::export::{MAX_CELL_CHARS, TRUNCATION_MARKER};
use pingcha::storage::{self, cases};
use serde_json::json;

fn round_fields(app: &TestApp, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("period_start", "2025-07-01".to_string()),
        ("period_end", "2025-09-30".to_string()),
        ("review_deadline", "2025-10-31".to_string()),
        ("rubric_criminal", app.rubric_hash("criminal")),
        ("combine_rule", "average".to_string()),
        ("escalate_gap", "7.5".to_string()),
        ("rectification_days", "45".to_string()),
        ("blind", "on".to_string()),
    ]
}

fn round_count(app: &TestApp) -> usize {
    let mut conn = app.conn();
    storage::rounds::list(&mut conn).unwrap().len()
}

/// A 1 MB round name is refused on the page with the Chinese message, and the form comes back
/// holding every value that was typed, the name included.
#[actix_rt::test]
async fn a_one_megabyte_round_name_is_refused_and_the_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let name = "季".repeat(10) + &"x".repeat(1_000_000 - 30);
    let fields = round_fields(&app, &name);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = admin.post_form_token_in_header("/rounds", &fields).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply
            .body
            .contains("「轮次名称」不能超过 100 个字（现有 999980 个字）"),
        "{}",
        &reply.body[..reply.body.len().min(2000)]
    );
    assert!(reply.body.contains(&format!("value=\"{name}\"")));
    assert!(reply.body.contains("value=\"2025-10-31\""));
    assert!(reply.body.contains("value=\"7.5\""));
    assert!(reply.body.contains("value=\"45\""));
    assert!(reply.body.contains("name=\"blind\" checked"));
    assert_eq!(round_count(&app), 0);

    // A name at the limit is accepted as it is.
    let name = "季".repeat(100);
    let fields = round_fields(&app, &name);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = admin.post_form("/rounds", &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(round_count(&app), 1);
}

/// The JSON API answers 400 with the message naming the field, for a name too long and for a
/// NUL byte, on either backend (PostgreSQL used to answer 500, SQLite stored the NUL).
#[actix_rt::test]
async fn the_api_refuses_a_long_round_name_and_a_nul_byte_naming_the_field() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let token = admin.csrf_token().await;
    let body = |name: &str| {
        json!({
            "name": name,
            "period_start": "2025-07-01",
            "period_end": "2025-09-30",
            "rubric_criminal": app.rubric_hash("criminal"),
            "combine_rule": "average",
        })
    };
    let long = "x".repeat(1_000_000);
    let reply = admin
        .post_json("/api/rounds", &body(&long), Some(&token))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{}",
        &reply.body[..reply.body.len().min(500)]
    );
    assert_eq!(
        reply.json()["message"],
        "「轮次名称」不能超过 100 个字（现有 1000000 个字）"
    );
    let reply = admin
        .post_json("/api/rounds", &body("2025年\u{0}第三季度"), Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("「轮次名称」"), "{message}");
    assert!(message.contains("空字符（NUL）"), "{message}");
    assert_eq!(round_count(&app), 0);
}

/// A NUL byte typed into a page form is refused with the message and the form kept; a NUL in
/// the sign-in name never reaches the database.
#[actix_rt::test]
async fn a_nul_byte_on_a_page_is_refused_on_both_backends() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let name = "2025年\u{0}第三季度";
    let fields = round_fields(&app, name);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = admin.post_form("/rounds", &fields).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("「轮次名称」第 6 个字是不可见的空字符（NUL）"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("第三季度"));
    assert_eq!(round_count(&app), 0);

    let mut anonymous = app.client();
    let reply = anonymous.login("ad\u{0}min", "whatever").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("「用户名」"), "{}", reply.body);
}

/// A registry whose cells are too long or hold a NUL is refused naming row and column, and
/// nothing is imported.
#[actix_rt::test]
async fn an_import_names_row_and_column_of_an_overlong_or_nul_cell_and_stores_nothing() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "2025年第三季度").await;
    let cause = "劳".repeat(201);
    let csv = format!(
        "案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n\
         A-1,张三,李律师,宁夏明德律师事务所,民事,劳动争议,2025-08-01,兴庆区\n\
         A-2,张四,李律师,宁夏明德律师事务所,民事,{cause},2025-08-02,兴庆区\n\
         A-3,张五,李\u{0}律师,宁夏明德律师事务所,民事,劳动争议,2025-08-03,兴庆区\n"
    );
    let reply = import_registry(&mut admin, &round, "台账.csv", csv.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("第3行 “案由”：「案由」不能超过 200 个字（现有 201 个字）"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("第4行 “承办人”：「承办人」第 2 个字是不可见的空字符（NUL）"),
        "{}",
        reply.body
    );
    let mut conn = app.conn();
    let stored = cases::list(
        &mut conn,
        pingcha::domain::UnitScope::All,
        &cases::CaseFilter::default(),
        None,
    )
    .unwrap();
    assert!(stored.is_empty());
}

/// The shipped criminal rubric with item A1's text made 2,500 characters long.
fn rubric_with_long_item() -> String {
    let original =
        std::fs::read_to_string(crate::helpers::rubrics_dir().join("criminal.toml")).unwrap();
    let start =
        original.find("code = \"A1\"\ntext = \"").unwrap() + "code = \"A1\"\ntext = \"".len();
    let end = start + original[start..].find('"').unwrap();
    format!(
        "{}{}{}",
        &original[..start],
        "字".repeat(2500),
        &original[end..]
    )
}

const LONG_ITEM_MESSAGE: &str = "long_item.toml 第23行 项目 A1：（分区 A，键“text”）「评查项目内容」不能超过 500 个字（现有 2500 个字）";

/// `pingcha rubric check` refuses an item text of 2,500 characters naming file, line, section
/// and item.
#[test]
fn rubric_check_refuses_an_overlong_item_naming_file_section_and_item() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long_item.toml");
    std::fs::write(&path, rubric_with_long_item()).unwrap();
    let (ok, stdout, stderr) = pingcha(&["rubric", "check", path.to_str().unwrap()], None);
    assert!(!ok, "{stdout}");
    assert!(stdout.contains(LONG_ITEM_MESSAGE), "{stdout}\n{stderr}");
}

/// The rubric upload page refuses the same file with the same sentence and keeps the old
/// version.
#[actix_rt::test]
async fn a_rubric_upload_with_an_overlong_item_is_refused_naming_the_item() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let before = app.rubric_hash("criminal");
    let reply = admin
        .post_file(
            "/rubrics",
            "file",
            "long_item.toml",
            rubric_with_long_item().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains(LONG_ITEM_MESSAGE), "{}", reply.body);
    assert_eq!(app.rubric_hash("criminal"), before);
}

/// Data stored before the limits (here a 40,000-character handler name, written straight to
/// the database) still exports: the summary workbook downloads, opens, and the cell ends with
/// the truncation marker inside Excel's limit.
#[actix_rt::test]
async fn summary_xlsx_cuts_a_text_beyond_the_excel_cell_limit_instead_of_failing() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let round = crate::summary::agreed_round(&app);
    let long = "承".repeat(40_000);
    {
        let mut conn = app.conn();
        diesel::update(storage::schema::case_files::table)
            .set(storage::schema::case_files::handler.eq(&long))
            .execute(&mut conn)
            .unwrap();
    }
    let mut admin = app.login_as("admin").await;
    let (status, bytes) = admin
        .get_bytes(&format!("/rounds/{round}/summary.xlsx"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let files = workbook.worksheet_range("案卷明细").unwrap();
    let cut: Vec<&Data> = files
        .rows()
        .skip(1)
        .flat_map(|row| row.iter())
        .filter(|cell| matches!(cell, Data::String(text) if text.ends_with(TRUNCATION_MARKER)))
        .collect();
    assert!(!cut.is_empty(), "no truncated cell in 案卷明细");
    for cell in cut {
        let Data::String(text) = cell else {
            unreachable!()
        };
        assert!(text.encode_utf16().count() <= MAX_CELL_CHARS);
        assert!(text.starts_with(&"承".repeat(1000)));
    }
}
