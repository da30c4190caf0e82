//! The electronic case file (电子卷宗) through HTTP: uploads by the administrator and the
//! unit's manager and refusals for everyone else; damaged, encrypted and active PDFs refused
//! with the file named; the manifest the viewer reads; the same bytes stored once; range
//! requests; views audited.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use diesel::prelude::*;
use lopdf::{Document, Object, Stream, dictionary};
use pingcha::domain::people::Role;
use pingcha::storage::{self, audit::Actor};

/// A PDF of `pages` pages with a text layer; `extra` is put in its catalogue; `padding`
/// bytes of incompressible data make it large; `bookmarks` are (title, page) outline items.
pub fn pdf(
    pages: u32,
    extra: Option<(&str, Object)>,
    padding: usize,
    bookmarks: &[(&str, u32)],
) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font = document.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut kids = Vec::new();
    let mut page_ids = Vec::new();
    for number in 1..=pages {
        let text = format!("BT /F1 24 Tf 72 720 Td (Page {number}) Tj ET");
        let content = document.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let page = document.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        page_ids.push(page);
        kids.push(Object::Reference(page));
    }
    if padding > 0 {
        // A pseudo-random, uncompressed stream: a scan's weight without a scan.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..padding)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        document.add_object(Stream::new(dictionary! {}, noise));
    }
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => i64::from(pages),
        }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some((key, value)) = extra {
        catalog.set(key, value);
    }
    let catalog_id = document.add_object(catalog);
    document.trailer.set("Root", catalog_id);
    for (title, page) in bookmarks {
        let page_id = page_ids[(*page - 1) as usize];
        document.add_bookmark(
            lopdf::Bookmark::new(title.to_string(), [0.0, 0.0, 0.0], 0, page_id),
            None,
        );
    }
    if !bookmarks.is_empty() {
        let outline = document.build_outline().unwrap();
        if let Ok(Object::Dictionary(catalog)) = document.get_object_mut(catalog_id) {
            catalog.set("Outlines", outline);
        }
    }
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

/// A 2×3 grey PNG.
pub fn png() -> Vec<u8> {
    let mut bytes =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x02\0\0\0\x03\x08\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(b"\0\0\0\0\0\0\0\0IEND\xaeB`\x82");
    bytes
}

/// Attaches `bytes` to `file` as the administrator would, without HTTP (for fixtures).
pub fn attach(app: &TestApp, file: &str, name: &str, bytes: &[u8]) -> String {
    let mut conn = app.conn();
    let admin = storage::users::find_by_login(&mut conn, "admin")
        .unwrap()
        .unwrap()
        .0;
    let checked =
        pingcha::import::ecf::check(&mut std::io::Cursor::new(bytes), bytes.len() as u64).unwrap();
    let sha256 = pingcha::security::sha256_hex(bytes);
    pingcha::app::ecf::add_document(
        &mut conn,
        pingcha::app::ecf::Caller {
            actor: &Actor::cli(),
            account: &admin,
        },
        pingcha::app::ecf::NewUpload {
            file: file.parse().unwrap(),
            name,
            checked: &checked,
            sha256: &sha256,
            size: bytes.len() as u64,
            content: &mut std::io::Cursor::new(bytes),
        },
        storage::now(),
    )
    .unwrap()
    .id
}

/// A round with a published assignment, one of its files, and signed-in clients: the file's
/// first reviewer, its team leader, a reviewer with nothing to do with it, the manager of its
/// unit and the manager of another unit.
pub struct Setup {
    pub round: String,
    pub file: String,
    pub reviewer: Client,
    pub leader: Client,
    pub stranger: Client,
    pub manager: Client,
    pub other_manager: Client,
}

async fn manager_for(app: &TestApp, login: &str, unit: pingcha::domain::ids::UnitId) -> Client {
    {
        let mut conn = app.conn();
        storage::users::create(
            &mut conn,
            &Actor::cli(),
            &storage::users::NewUser {
                login: login.into(),
                display_name: format!("{login}负责人"),
                role: Role::CenterManager,
                unit_id: Some(unit),
                person_id: None,
                password_hash: pingcha::security::hash_password("a-long-password").unwrap(),
            },
            storage::now(),
        )
        .unwrap();
    }
    let mut client = app.client();
    assert_eq!(
        client.login(login, "a-long-password").await.status,
        StatusCode::SEE_OTHER
    );
    client
}

pub async fn setup(app: &TestApp) -> Setup {
    let (reviewer, round, file, person) = crate::sheets::assigned_reviewer(app).await;
    let (leader_person, stranger_person, file_unit, other_unit) = {
        let mut conn = app.conn();
        let round_id = round.parse().unwrap();
        let assignment = storage::assignments::published_assignment(&mut conn, round_id)
            .unwrap()
            .unwrap();
        let placement = assignment.placement(file).unwrap().clone();
        let leader = assignment.leader_of_file(file).unwrap();
        let pool = storage::people::list(&mut conn, pingcha::domain::UnitScope::All).unwrap();
        let stranger = pool
            .iter()
            .map(|view| view.person.id)
            .find(|id| !placement.reviewers.contains(id) && *id != leader)
            .unwrap();
        let case = storage::ecf::case(&mut conn, file).unwrap().unwrap();
        let file_unit = case.unit().unwrap();
        let other_unit = pool
            .iter()
            .map(|view| view.person.unit_id)
            .find(|unit| *unit != file_unit)
            .unwrap();
        (leader, stranger, file_unit, other_unit)
    };
    // The leader may be the reviewer too: a second login for the same person is fine.
    let _ = person;
    let leader = crate::helpers::login_for_person(app, "ecf-leader", leader_person).await;
    let stranger = crate::helpers::login_for_person(app, "ecf-stranger", stranger_person).await;
    let manager = manager_for(app, "ecf-manager", file_unit).await;
    let other_manager = manager_for(app, "ecf-other", other_unit).await;
    Setup {
        round,
        file: file.to_string(),
        reviewer,
        leader,
        stranger,
        manager,
        other_manager,
    }
}

fn upload_path(setup: &Setup) -> String {
    format!(
        "/rounds/{}/files/{}/case-file/documents",
        setup.round, setup.file
    )
}

fn manifest_path(setup: &Setup) -> String {
    format!("/api/rounds/{}/files/{}/case-file", setup.round, setup.file)
}

fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<Count>(&mut *app.conn())
        .unwrap()
        .n
}

fn audited(app: &TestApp, action: &str) -> i64 {
    use pingcha::storage::schema::audit_log;
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[actix_rt::test]
async fn allowed_roles_upload_and_read_and_everyone_else_is_refused() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let manifest = manifest_path(&setup);
    // No electronic case file yet: 404 with a Chinese message.
    let missing = setup.reviewer.get(&manifest).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    assert!(
        missing.json()["message"]
            .as_str()
            .unwrap()
            .contains("尚未上传电子卷宗")
    );

    // The unit's manager uploads a PDF with bookmarks, the administrator an image.
    let path = upload_path(&setup);
    let three = pdf(3, None, 0, &[("法律援助委托协议", 1), ("会见笔录", 2)]);
    let reply = setup
        .manager
        .post_file(&path, "file", "（2025）委托材料.pdf", &three)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut admin = app.login_as("admin").await;
    let reply = admin.post_file(&path, "file", "照片.png", &png()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Everyone else: refused, nothing stored.
    for client in [
        &mut setup.other_manager,
        &mut setup.reviewer,
        &mut setup.leader,
        &mut setup.stranger,
    ] {
        let reply = client.post_file(&path, "file", "x.pdf", &three).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    }
    let mut leadership = app.login_as("leader").await;
    let reply = leadership.post_file(&path, "file", "x.pdf", &three).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "ecf_documents"), 2);

    // The manifest: pages numbered across documents, catalogue from the bookmarks.
    let reply = setup.reviewer.get(&manifest).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["file"], setup.file.as_str());
    assert_eq!(json["pages"], 4);
    let documents = json["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["name"], "（2025）委托材料.pdf");
    assert_eq!(documents[0]["media_type"], "application/pdf");
    assert_eq!(documents[0]["pages"], 3);
    assert_eq!(documents[0]["first_page"], 1);
    assert_eq!(documents[0]["size"], three.len() as u64);
    assert_eq!(documents[1]["media_type"], "image/png");
    assert_eq!(documents[1]["first_page"], 4);
    let catalogue = json["catalogue"].as_array().unwrap();
    assert_eq!(catalogue.len(), 2, "{json}");
    assert_eq!(catalogue[0]["title"], "法律援助委托协议");
    assert_eq!(catalogue[0]["kind"], "委托协议");
    assert_eq!(
        (catalogue[0]["from"].clone(), catalogue[0]["to"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(catalogue[1]["kind"], "会见笔录");
    assert_eq!(
        (catalogue[1]["from"].clone(), catalogue[1]["to"].clone()),
        (2.into(), 3.into())
    );
    assert!(
        json["watermark"].as_str().unwrap().starts_with("scorer · "),
        "{json}"
    );

    // Readers: the reviewer, the team leader, the unit's manager, administrator, leadership.
    let url = documents[0]["url"].as_str().unwrap().to_string();
    for client in [
        &mut setup.leader,
        &mut setup.manager,
        &mut admin,
        &mut leadership,
    ] {
        assert_eq!(client.get(&manifest).await.status, StatusCode::OK);
        let (status, bytes) = client.get_bytes(&url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, three);
    }
    // Not: another unit's manager, a reviewer not on the file.
    for client in [&mut setup.other_manager, &mut setup.stranger] {
        assert_eq!(client.get(&manifest).await.status, StatusCode::FORBIDDEN);
        assert_eq!(client.get_bytes(&url).await.0, StatusCode::FORBIDDEN);
        let page = format!("/rounds/{}/files/{}/case-file", setup.round, setup.file);
        assert_eq!(client.get(&page).await.status, StatusCode::FORBIDDEN);
    }
    // The page lists the documents; the upload form only for those who may upload.
    let page = format!("/rounds/{}/files/{}/case-file", setup.round, setup.file);
    let shown = setup.manager.get(&page).await;
    assert!(
        shown.body.contains("（2025）委托材料.pdf") && shown.body.contains("type=\"file\""),
        "{}",
        shown.body
    );
    let shown = setup.reviewer.get(&page).await;
    assert!(shown.body.contains("照片.png") && !shown.body.contains("type=\"file\""));
}

#[actix_rt::test]
async fn damaged_encrypted_and_active_pdfs_are_refused_naming_the_file() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let path = upload_path(&setup);
    let whole = pdf(2, None, 0, &[]);
    let damaged = whole[..whole.len() / 2].to_vec();
    let mut encrypted = Document::load_mem(&whole).unwrap();
    encrypted.trailer.set(
        "Encrypt",
        dictionary! { "Filter" => "Standard", "V" => 1, "R" => 2 },
    );
    let mut encrypted_bytes = Vec::new();
    encrypted.save_to(&mut encrypted_bytes).unwrap();
    let script = pdf(
        1,
        Some((
            "OpenAction",
            Object::Dictionary(dictionary! {
                "S" => "JavaScript",
                "JS" => Object::string_literal("app.alert('x')"),
            }),
        )),
        0,
        &[],
    );
    let launch = pdf(
        1,
        Some((
            "OpenAction",
            Object::Dictionary(dictionary! {
                "S" => "Launch",
                "F" => Object::string_literal("cmd.exe"),
            }),
        )),
        0,
        &[],
    );
    for (name, bytes, phrase) in [
        ("损坏的卷宗.pdf", damaged, "已损坏"),
        ("加密的卷宗.pdf", encrypted_bytes, "加密"),
        ("带脚本的卷宗.pdf", script, "活动内容"),
        ("启动程序.pdf", launch, "活动内容"),
        ("伪装.pdf", b"MZ\x90\0 not a pdf".to_vec(), "不是 PDF"),
        ("扫描.tif", b"II*\0\x08\0\0\0".to_vec(), "TIFF"),
    ] {
        let reply = setup.manager.post_file(&path, "file", name, &bytes).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            reply.body
        );
        assert!(reply.body.contains(name), "{name}: {}", reply.body);
        assert!(reply.body.contains(phrase), "{name}: {}", reply.body);
    }
    assert_eq!(count(&app, "ecf_documents"), 0);
    assert_eq!(count(&app, "blobs"), 0);
    assert_eq!(count(&app, "blob_chunks"), 0);
}

#[actix_rt::test]
async fn the_same_bytes_uploaded_twice_are_stored_once() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let path = upload_path(&setup);
    // Over two chunks, so that the chunks are counted too.
    let big = pdf(2, None, 2_500_000, &[]);
    for name in ["第一次.pdf", "第二次.pdf"] {
        let reply = setup.manager.post_file(&path, "file", name, &big).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    assert_eq!(count(&app, "ecf_documents"), 2);
    assert_eq!(count(&app, "blobs"), 1);
    assert_eq!(count(&app, "blob_chunks"), 3);
    let json = setup.reviewer.get(&manifest_path(&setup)).await.json();
    assert_eq!(json["pages"], 4);
    assert_eq!(json["documents"][1]["first_page"], 3);
}

/// GET with a `Range` header: status, headers, bytes.
async fn ranged(
    app: &TestApp,
    client: &Client,
    path: &str,
    range: Option<&str>,
) -> (StatusCode, awc::http::header::HeaderMap, Vec<u8>) {
    let cookies = client
        .cookies
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut request = awc::Client::new()
        .get(format!("{}{path}", app.address))
        .insert_header(("cookie", cookies));
    if let Some(range) = range {
        request = request.insert_header(("range", range));
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    (response.status(), response.headers().clone(), body.to_vec())
}

fn header(headers: &awc::http::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[actix_rt::test]
async fn ranges_are_served_from_the_chunks_and_views_audited() {
    let app = spawn_app().await;
    let setup = setup(&app).await;
    let big = pdf(3, None, 2_300_000, &[]);
    let document = attach(&app, &setup.file, "大卷宗.pdf", &big);
    let url = format!("/case-files/documents/{document}/content");
    let size = big.len();
    let views = audited(&app, "ecf.view");

    let (status, headers, bytes) = ranged(&app, &setup.reviewer, &url, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, big);
    assert_eq!(header(&headers, "accept-ranges"), "bytes");
    assert_eq!(header(&headers, "content-length"), size.to_string());
    assert_eq!(
        header(&headers, "etag"),
        format!("\"{}\"", pingcha::security::sha256_hex(&big))
    );
    assert!(header(&headers, "cache-control").starts_with("private, max-age="));
    assert!(header(&headers, "content-disposition").starts_with("inline"));
    assert_eq!(header(&headers, "content-type"), "application/pdf");

    // Across the first chunk boundary (1 MiB).
    let (start, end) = (1_048_570usize, 1_048_600usize);
    let (status, headers, bytes) = ranged(
        &app,
        &setup.reviewer,
        &url,
        Some(&format!("bytes={start}-{end}")),
    )
    .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(bytes, &big[start..=end]);
    assert_eq!(
        header(&headers, "content-range"),
        format!("bytes {start}-{end}/{size}")
    );
    assert_eq!(
        header(&headers, "content-length"),
        (end - start + 1).to_string()
    );
    // The tail, where a PDF viewer starts (the cross-reference table).
    let (status, _, bytes) = ranged(&app, &setup.reviewer, &url, Some("bytes=-1024")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(bytes, &big[size - 1024..]);
    // From the start: a view.
    let (status, _, bytes) = ranged(&app, &setup.reviewer, &url, Some("bytes=0-65535")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(bytes, &big[..65536]);
    // Beyond the end: 416 with the size.
    let (status, headers, _) =
        ranged(&app, &setup.reviewer, &url, Some(&format!("bytes={size}-"))).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&headers, "content-range"), format!("bytes */{size}"));
    // Audited: the whole download and the range from byte 0, not the others.
    assert_eq!(audited(&app, "ecf.view"), views + 2);
    // Not for a reviewer who has nothing to do with the file.
    let (status, _, _) = ranged(&app, &setup.stranger, &url, Some("bytes=0-10")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(audited(&app, "ecf.view"), views + 2);
}

#[actix_rt::test]
async fn a_second_server_on_the_same_database_serves_what_the_first_received() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let big = pdf(4, None, 1_500_000, &[]);
    let reply = setup
        .manager
        .post_file(&upload_path(&setup), "file", "卷宗.pdf", &big)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let url = setup.reviewer.get(&manifest_path(&setup)).await.json()["documents"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    // Another process, no shared disk: only the database.
    let other = crate::servers::serve(app.database_url());
    let mut admin = Client::new(&other.address);
    let reply = admin.login("admin", crate::helpers::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let (status, bytes) = admin.get_bytes(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes == big, "the other server's bytes differ");
    let manifest = admin.get(&manifest_path(&setup)).await;
    assert_eq!(manifest.json()["pages"], 4, "{}", manifest.body);
}

#[actix_rt::test]
async fn backup_and_restore_bring_the_bytes_back_identical() {
    if crate::helpers::backend() == crate::helpers::Backend::Postgres {
        // pg_dump carries the blob tables like every other (README); `pingcha backup` is SQLite's.
        return;
    }
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let big = pdf(2, None, 2_200_000, &[]);
    let reply = setup
        .manager
        .post_file(&upload_path(&setup), "file", "卷宗.pdf", &big)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let url = setup.reviewer.get(&manifest_path(&setup)).await.json()["documents"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.sqlite3").display().to_string();
    let restored = dir.path().join("restored.sqlite3").display().to_string();
    let (ok, _, stderr) = crate::cli::pingcha(
        &["--database-url", app.database_url(), "backup", &backup],
        None,
    );
    assert!(ok, "{stderr}");
    let (ok, _, stderr) =
        crate::cli::pingcha(&["--database-url", &restored, "restore", &backup], None);
    assert!(ok, "{stderr}");
    // The restored database, served by its own process, gives the same bytes.
    let server = crate::servers::serve(&restored);
    let mut admin = Client::new(&server.address);
    assert_eq!(
        admin
            .login("admin", crate::helpers::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let (status, bytes) = admin.get_bytes(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes == big, "restored bytes differ");
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut cursor);
    for (name, bytes) in entries {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
    cursor.into_inner()
}

fn bulk_body(boundary: &str, zip: &[u8], matched_only: bool) -> Vec<u8> {
    let mut body = Vec::new();
    if matched_only {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"matched_only\"\r\n\r\nyes\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"卷宗.zip\"\r\nContent-Type: application/zip\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(zip);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[actix_rt::test]
async fn a_bulk_zip_reports_matched_and_unmatched_names_and_stores_only_when_confirmed() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    let case_number = storage::ecf::case(&mut app.conn(), setup.file.parse().unwrap())
        .unwrap()
        .unwrap()
        .case_no;
    // Full-width brackets in the name: matched all the same.
    let folder = case_number.replace('(', "（").replace(')', "）");
    let matched = pdf(2, None, 0, &[]);
    let zip = zip_of(&[
        (&format!("第三季度/{folder}/委托协议.pdf"), &matched),
        ("第三季度/没有案号的材料.pdf", &pdf(1, None, 0, &[])),
    ]);
    let path = format!("/rounds/{}/case-files/bulk", setup.round);
    let mut admin = app.login_as("admin").await;
    let reply = admin
        .post_multipart(
            &path,
            "bulk-boundary",
            bulk_body("bulk-boundary", &zip, false),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("本次未保存任何文件"), "{}", reply.body);
    assert!(
        reply
            .body
            .contains(&format!("委托协议.pdf → {case_number}")),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("第三季度/没有案号的材料.pdf"),
        "{}",
        reply.body
    );
    assert_eq!(count(&app, "ecf_documents"), 0);
    assert_eq!(count(&app, "blobs"), 0);
    // Confirmed: the matched part is stored.
    let reply = admin
        .post_multipart(
            &path,
            "bulk-boundary",
            bulk_body("bulk-boundary", &zip, true),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("已保存 1 个文件"), "{}", reply.body);
    assert_eq!(count(&app, "ecf_documents"), 1);
    let json = setup.reviewer.get(&manifest_path(&setup)).await.json();
    assert_eq!(json["documents"][0]["name"], "委托协议.pdf");
    // Another unit's manager may not fill this unit's files.
    let reply = setup
        .other_manager
        .post_multipart(
            &path,
            "bulk-boundary",
            bulk_body("bulk-boundary", &zip, true),
        )
        .await;
    assert!(reply.body.contains("不属于本单位"), "{}", reply.body);
    assert_eq!(count(&app, "ecf_documents"), 1);

    // The round's overview, and the reminder to units still missing files.
    let overview = admin
        .get(&format!("/rounds/{}/case-files", setup.round))
        .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains(&case_number));
    let reply = admin
        .post_form(&format!("/rounds/{}/case-files/remind", setup.round), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let messages = setup.manager.get("/api/notifications").await.json();
    let text = messages["events"].to_string();
    assert!(text.contains("尚未上传电子卷宗"), "{text}");
    assert!(!text.contains(&case_number), "{text}");
}

#[actix_rt::test]
async fn a_catalogue_is_uploaded_corrected_and_refused_by_row() {
    let app = spawn_app().await;
    let mut setup = setup(&app).await;
    attach(&app, &setup.file, "卷宗.pdf", &pdf(9, None, 0, &[]));
    let base = format!("/rounds/{}/files/{}/case-file", setup.round, setup.file);
    let csv = "序号,文件名称,日期,起止页\n1,法律援助委托协议,2025-07-01,1-2\n2,会见笔录（第一次）,2025/7/3,3—5\n3,判决书,,6-9\n";
    let reply = setup
        .manager
        .post_file(
            &format!("{base}/catalogue/upload"),
            "file",
            "卷内目录.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let json = setup.reviewer.get(&manifest_path(&setup)).await.json();
    let catalogue = json["catalogue"].as_array().unwrap();
    assert_eq!(catalogue.len(), 3);
    assert_eq!(catalogue[0]["kind"], "委托协议");
    assert_eq!(catalogue[0]["date"], "2025-07-01");
    assert_eq!(catalogue[1]["kind"], "会见笔录");
    assert_eq!(
        (catalogue[2]["from"].clone(), catalogue[2]["to"].clone()),
        (6.into(), 9.into())
    );
    // A page beyond the file, on the spreadsheet's 3rd row: refused naming it, nothing changed.
    let bad = "文件名称,起止页\n委托协议,1-2\n会见笔录,8-12\n";
    let reply = setup
        .manager
        .post_file(
            &format!("{base}/catalogue/upload"),
            "file",
            "目录.csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("第 3 行") && reply.body.contains("共 9 页"),
        "{}",
        reply.body
    );
    let json = setup.reviewer.get(&manifest_path(&setup)).await.json();
    assert_eq!(json["catalogue"].as_array().unwrap().len(), 3);
    // Corrected on the page: one row renamed, one added.
    let token = setup.manager.csrf_token().await;
    let reply = setup
        .manager
        .post_raw_form(
            &format!("{base}/catalogue"),
            &[
                ("csrf", &token),
                ("catalogue", "1"),
                ("title", "委托协议"),
                ("kind", "委托协议"),
                ("date", ""),
                ("from", "1"),
                ("to", "2"),
                ("title", "回访记录"),
                ("kind", "回访记录"),
                ("date", "2025-09-30"),
                ("from", "9"),
                ("to", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let json = setup.reviewer.get(&manifest_path(&setup)).await.json();
    assert_eq!(json["catalogue"][1]["title"], "回访记录");
    assert_eq!(json["catalogue"][1]["to"], 9);
    // A reviewer may read but not correct.
    let token = setup.reviewer.csrf_token().await;
    let reply = setup
        .reviewer
        .post_raw_form(
            &format!("{base}/catalogue"),
            &[("csrf", &token), ("catalogue", "1")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
