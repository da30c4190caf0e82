//! Rubric pages for every role, the administrator's upload with the same validation as the
//! command line, snapshots that survive file changes, and the server refusing a bad folder.

use crate::helpers::{rubrics_dir, spawn_app};
use awc::http::StatusCode;
use pingcha::storage::rubrics;

#[actix_rt::test]
async fn every_role_reads_the_rubric_pages() {
    let app = spawn_app().await;
    let hash = app.rubric_hash("criminal");
    for login in ["admin", "reviewer", "manager", "leader"] {
        let mut client = app.login_as(login).await;
        let list = client.get("/rubrics").await;
        assert_eq!(list.status, StatusCode::OK, "{login}");
        assert!(
            list.body.contains("刑事法律援助案件评查评分标准"),
            "{login}"
        );
        let page = client.get(&format!("/rubrics/{hash}")).await;
        assert_eq!(page.status, StatusCode::OK, "{login}");
        for text in ["等次划分", "优秀", "不合格", "一票否决项", "分值", &hash] {
            assert!(page.body.contains(text), "{login}: {text}");
        }
        assert_eq!(
            list.body.contains("上传新版本"),
            login == "admin",
            "{login}"
        );
    }
    let mut reviewer = app.login_as("reviewer").await;
    let api = reviewer.get("/api/rubrics").await.json();
    assert_eq!(api["rubrics"].as_array().unwrap().len(), 4);
    let indicator = app.rubric_hash(
        api["rubrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|rubric| rubric["method_label"] == "单项指标等级制")
            .unwrap()["rubric_id"]
            .as_str()
            .unwrap(),
    );
    let page = reviewer.get(&format!("/rubrics/{indicator}")).await;
    assert!(page.body.contains("单项指标"));
    assert!(page.body.contains("总体等次规则"));
    assert_eq!(
        reviewer
            .get(&format!("/rubrics/{}", "0".repeat(64)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn an_uploaded_version_is_validated_and_kept_beside_the_old_one() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let old_hash = app.rubric_hash("criminal");
    let original = std::fs::read_to_string(rubrics_dir().join("criminal.toml")).unwrap();

    let broken = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rubrics/broken/deduction_over_item.toml"
    ))
    .unwrap();
    let reply = admin
        .post_file("/rubrics", "file", "deduction_over_item.toml", &broken)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("deduction_over_item.toml 第"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("超过该项满分"));

    let reply = admin
        .post_file("/rubrics", "file", "x.toml", &[0xff, 0xfe, 0x00, 0x41])
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("不是 UTF-8 编码的文本"));
    assert_eq!(
        rubrics::list(&mut app.conn()).unwrap().len(),
        4,
        "bad uploads store nothing"
    );

    let edited = original.replacen("version = \"", "version = \"2026-revised-", 1);
    let reply = admin
        .post_file("/rubrics", "file", "../../criminal.toml", edited.as_bytes())
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let new_hash = app.rubric_hash("criminal");
    assert_ne!(new_hash, old_hash, "the upload is the current version");
    assert_eq!(
        reply.location(),
        Some(format!("/rubrics/{new_hash}").as_str())
    );
    let snapshots = rubrics::list(&mut app.conn()).unwrap();
    let criminal: Vec<_> = snapshots
        .iter()
        .filter(|snapshot| snapshot.rubric_id == "criminal")
        .collect();
    assert_eq!(criminal.len(), 2);
    assert!(
        criminal
            .iter()
            .any(|snapshot| snapshot.origin == "upload" && snapshot.file_name == "criminal.toml")
    );
    // The old version is still there, unchanged, byte for byte.
    let old = rubrics::load(&mut app.conn(), &old_hash).unwrap();
    assert_eq!(old.source(), original);

    let mut leader = app.login_as("leader").await;
    let reply = leader
        .post_file("/rubrics", "file", "criminal.toml", edited.as_bytes())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[actix_rt::test]
async fn oversized_rubric_uploads_are_refused() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let huge = vec![b'#'; pingcha::web::handlers::rubrics::MAX_RUBRIC_BYTES + 1];
    let reply = admin
        .post_file("/rubrics", "file", "huge.toml", &huge)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("不能超过"));
    assert_eq!(rubrics::list(&mut app.conn()).unwrap().len(), 4);
}
