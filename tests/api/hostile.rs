//! Hostile input through the real app: script tags, SQL fragments, invisible format
//! characters, right-to-left marks, formula starts and strings at their length limit in a
//! registry and in a unit's answers are stored as given, shown escaped, and inert in XLSX and
//! PDF; hostile uploads (zip bombs as evidence and as registries, traversal names) are refused
//! or defused. (Control characters and over-long texts are refused: see `text_limits`.)

use crate::helpers::spawn_app;
use crate::rounds::{create_round, import_registry};
use awc::http::StatusCode;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{self, audit::Actor};
use std::io::{Read, Write};

const SCRIPT: &str = "<script>alert(\"x\")</script>";
const SQL: &str = "'; DROP TABLE case_files; --";
const RTL: &str = "\u{202E}gpj.exe\u{202C}王某";
const CONTROL: &str = "控制\u{200B}\u{FEFF}\u{00AD}[31m字符";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"点我\")";

/// As long as a 案由 may be (200 characters).
fn long() -> String {
    "很长的案由".repeat(40)
}

fn csv_field(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// A registry (UTF-8 CSV) whose text fields carry every hostile value.
fn hostile_registry() -> Vec<u8> {
    let long = long();
    let rows: [[&str; 4]; 5] = [
        [SCRIPT, SQL, FORMULA, "盗窃罪"],
        [RTL, FORMULA, SCRIPT, long.as_str()],
        [CONTROL, SCRIPT, SQL, FORMULA],
        ["+86 139", "@SUM(A1)", "-2+3", SQL],
        ["王某", "李律师", "宁夏明德律师事务所", SCRIPT],
    ];
    let mut text = String::from("案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n");
    for (index, [recipient, handler, firm, cause]) in rows.iter().enumerate() {
        text.push_str(&format!(
            "H-{index},{},{},{},民事,{},2025-08-0{},兴庆区\n",
            csv_field(recipient),
            csv_field(handler),
            csv_field(firm),
            csv_field(cause),
            index + 1
        ));
    }
    text.into_bytes()
}

fn assert_escaped(page: &str, what: &str) {
    assert!(!page.contains("<script>alert"), "{what}: raw script tag");
    assert!(!page.contains("<img src=x"), "{what}: raw img tag");
}

fn zip_part(xlsx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[actix_rt::test]
async fn hostile_registry_text_is_stored_as_given_shown_escaped_and_exported_inert() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "<b>恶意</b>轮次").await;
    let reply = import_registry(
        &mut admin,
        &round,
        "../../etc/台账.csv",
        &hostile_registry(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let preview_path = reply.location().unwrap().to_string();
    let preview = admin.get(&preview_path).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_escaped(&preview.body, "preview");
    assert!(preview.body.contains("&lt;script&gt;"), "{}", preview.body);
    let reply = admin
        .post_form(&format!("{preview_path}/commit"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Stored exactly as given (the registry keeps full personal data).
    let stored = {
        use diesel::prelude::*;
        use pingcha::storage::schema::case_files;
        case_files::table
            .select((
                case_files::recipient,
                case_files::handler,
                case_files::firm,
                case_files::cause,
            ))
            .order(case_files::case_no)
            .load::<(String, String, String, String)>(&mut app.conn())
            .unwrap()
    };
    assert_eq!(stored.len(), 5);
    assert_eq!(
        stored[0],
        (SCRIPT.into(), SQL.into(), FORMULA.into(), "盗窃罪".into())
    );
    assert_eq!(stored[1].0, RTL);
    assert_eq!(stored[1].3, long());
    assert_eq!(stored[2].0, CONTROL);
    assert_eq!(stored[3].1, "@SUM(A1)");

    // Census sample, frozen; the unit's sample list shows the hostile values escaped and
    // exports them as inert text.
    {
        let mut conn = app.conn();
        let actor = Actor::cli();
        let id = round.parse().unwrap();
        let record =
            storage::rounds::advance(&mut conn, &actor, id, RoundStatus::Sampling, storage::now())
                .unwrap();
        let mut plan = storage::sampling::default_plan();
        plan.strategy = pingcha::domain::sampling::Strategy::Census;
        storage::sampling::save_plan(&mut conn, &actor, id, &plan, storage::now()).unwrap();
        storage::sampling::freeze(&mut conn, &actor, &record, 3, storage::now()).unwrap();
    }
    let page = admin.get(&format!("/rounds/{round}/sample")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_escaped(&page.body, "sample page");
    assert!(!page.body.contains("<b>恶意</b>"), "round name escaped");
    let unit = app.unit_id("XQ");
    let (status, xlsx) = admin
        .get_bytes(&format!("/rounds/{round}/sample/units/{unit}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let sheet = zip_part(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        !sheet.contains("<f>"),
        "no formula cells in the sample list"
    );
    assert!(zip_part(&xlsx, "xl/styles.xml").contains("quotePrefix=\"1\""));
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    use calamine::Reader;
    let name = workbook.sheet_names()[0].clone();
    let cells: Vec<String> = workbook
        .worksheet_range(&name)
        .unwrap()
        .cells()
        .map(|(_, _, value)| value.to_string())
        .collect();
    for value in [FORMULA, SQL, "@SUM(A1)", "-2+3"] {
        assert!(
            cells.iter().any(|cell| cell == value),
            "{value} in {cells:?}"
        );
    }
}

#[actix_rt::test]
async fn hostile_answers_are_stored_escaped_and_printed_and_hostile_uploads_refused() {
    // Made first: compressing them blocks this thread for a while, long enough for the
    // server to close an idle keep-alive connection the client would then reuse.
    let bombs = [
        ("bomb.docx", zip_bomb("word/")),
        ("bomb.xlsx", zip_bomb("xl/")),
    ];
    let app = spawn_app().await;
    let (_round, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let findings = crate::rectification::finding_ids(&mut admin, &notice).await;
    let mut manager = app.login_as("manager").await;
    let finding = &findings[0];
    let long = long();
    for text in [SCRIPT, SQL, RTL, CONTROL, FORMULA, long.as_str()] {
        let reply = manager
            .post_form(&format!("/findings/{finding}/measures"), &[("text", text)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let detail = manager
            .get(&format!("/api/findings/{finding}"))
            .await
            .json();
        assert!(
            json_contains(&detail, text),
            "measures stored as given: {text:?}"
        );
        let page = manager.get(&format!("/findings/{finding}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_escaped(&page.body, "finding page");
    }
    let reply = manager
        .post_form(
            &format!("/findings/{finding}/measures"),
            &[("text", SCRIPT)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let page = manager.get(&format!("/findings/{finding}")).await;
    assert!(page.body.contains("&lt;script&gt;alert("), "{}", page.body);

    // Evidence: a traversal name keeps only its last component; zip bombs dressed as DOCX and
    // XLSX are refused and store nothing.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let reply = manager
        .post_file(
            &format!("/api/findings/{finding}/evidence"),
            "file",
            "../../../etc/passwd\u{202E}fdp.pdf",
            &pdf,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let detail = manager
        .get(&format!("/api/findings/{finding}"))
        .await
        .json();
    let stored_name = detail["evidence"][0]["file_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !stored_name.contains('/') && !stored_name.contains(".."),
        "{stored_name}"
    );
    let count = || storage::rectification::evidence_count(&mut app.conn()).unwrap();
    assert_eq!(count(), 1);
    for (name, bomb) in &bombs {
        let started = std::time::Instant::now();
        let reply = manager
            .post_file(&format!("/findings/{finding}/evidence"), "file", name, bomb)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(started.elapsed().as_secs() < 20, "{name} refused slowly");
        assert_eq!(count(), 1, "{name} stored nothing");
    }

    // The notice prints despite hostile text in the unit's answers and the report.
    let reply = manager
        .post_form(&format!("/notices/{notice}/report"), &[("text", CONTROL)])
        .await;
    assert!(reply.status.is_redirection() || reply.status == StatusCode::CONFLICT);
    let (status, bytes) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(crate::rectification::pdf_text(&bytes).contains("兴庆区法律援助中心"));
}

/// An office-looking zip whose one big part unpacks to 256 MiB of zeros (about 250 KiB packed).
fn zip_bomb(prefix: &str) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    writer.start_file("[Content_Types].xml", options).unwrap();
    writer.write_all(b"<Types/>").unwrap();
    writer
        .start_file(format!("{prefix}worksheets/sheet1.xml"), options)
        .unwrap();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..256 {
        writer.write_all(&chunk).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[actix_rt::test]
async fn a_zip_bomb_registry_is_refused_quickly_and_changes_nothing() {
    let bomb = zip_bomb("xl/");
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = create_round(&app, &mut admin, "炸弹测试").await;
    let started = std::time::Instant::now();
    let reply = import_registry(&mut admin, &round, "台账.xlsx", &bomb).await;
    let elapsed = started.elapsed();
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("压缩炸弹"), "{}", reply.body);
    assert!(elapsed.as_secs() < 5, "refused after {elapsed:?}");
    let cases = {
        use diesel::prelude::*;
        pingcha::storage::schema::case_files::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
    };
    assert_eq!(cases, 0);
    // The CLI refuses it the same way.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bomb.xlsx");
    std::fs::write(&file, &bomb).unwrap();
    let (ok, _, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            app.database_url(),
            "import",
            "cases",
            file.to_str().unwrap(),
            "--round",
            &round,
        ],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("压缩炸弹"), "{stderr}");
}

fn json_contains(value: &serde_json::Value, text: &str) -> bool {
    match value {
        serde_json::Value::String(string) => string == text,
        serde_json::Value::Array(items) => items.iter().any(|item| json_contains(item, text)),
        serde_json::Value::Object(map) => map.values().any(|item| json_contains(item, text)),
        _ => false,
    }
}
