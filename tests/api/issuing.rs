//! Issuing keeps what was issued: a rectification notice is numbered, made and stored in one
//! step, so a notice whose PDF cannot be made is refused with the reason and uses no number;
//! an issued notice is served as issued (the stored bytes), whatever changes afterwards in
//! the data it was made from, and its printed 核验码 still verifies the file.

use crate::helpers::{TestApp, spawn_app};
use crate::rectification::{draft, finding_ids, notice_of, pdf_text, round_with_findings};
use awc::http::StatusCode;
use chrono::Datelike;
use diesel::prelude::*;
use pingcha::app::messages;
use pingcha::storage::schema::{findings, units};

/// A code point no shipped font can have (a private-use plane-16 character).
const NO_GLYPH: char = '\u{10FFFD}';

fn bureau_settings(app: &TestApp) -> pingcha::storage::rectification::BureauSettings {
    pingcha::storage::rectification::settings(&mut app.conn()).unwrap()
}

#[actix_rt::test]
async fn an_issued_notice_is_served_as_issued_after_its_data_changes() {
    let app = spawn_app().await;
    let round = round_with_findings(&app);
    let mut admin = app.login_as("admin").await;
    let notices = draft(&mut admin, round).await;
    let notice = notice_of(&notices, "兴庆");
    let reply = admin
        .post_form(
            &format!("/notices/{notice}/issue"),
            &[("days", "30"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let (status, issued) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let before = bureau_settings(&app);
    assert!(pdf_text(&issued).contains(&before.bureau_name));

    // The bureau renames itself on its settings page; the unit and a finding change too.
    let reply = admin
        .post_form(
            "/admin/bureau",
            &[
                ("bureau_name", "改名后的司法局"),
                ("doc_prefix", &before.doc_prefix),
                ("contact", "新的联系人 0951-0000000"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(bureau_settings(&app).bureau_name, "改名后的司法局");
    let finding = finding_ids(&mut admin, &notice).await[0].clone();
    {
        let mut conn = app.conn();
        diesel::update(units::table.filter(units::name.like("%兴庆%")))
            .set(units::name.eq("改名后的法律援助中心"))
            .execute(&mut conn)
            .unwrap();
        diesel::update(findings::table.filter(findings::id.eq(&finding)))
            .set(findings::reason.eq("事后改写的问题描述"))
            .execute(&mut conn)
            .unwrap();
    }

    // The bureau and the unit both get the notice exactly as it was issued.
    let (status, again) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(issued == again, "the issued notice changed with the data");
    let mut manager = app.login_as("manager").await;
    let (status, for_unit) = manager.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(issued == for_unit, "the unit got another notice");
    let text = pdf_text(&again);
    assert!(!text.contains("改名后的"), "{text}");

    // Its printed code still verifies the file.
    let code = crate::verify::printed_code(&again);
    let mut visitor = crate::helpers::Client::new(&app.address);
    let (status, body) = crate::verify::verify(
        &mut visitor,
        &[
            ("code", None, code.as_bytes()),
            ("file", Some("notice.pdf"), &again),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(messages::VERIFY_FILE_MATCHES), "{body}");
}

#[actix_rt::test]
async fn a_notice_whose_pdf_cannot_be_made_is_refused_and_uses_no_number() {
    let app = spawn_app().await;
    let round = round_with_findings(&app);
    let mut admin = app.login_as("admin").await;
    let notices = draft(&mut admin, round).await;
    let broken = notice_of(&notices, "兴庆");
    let other = notices
        .iter()
        .find(|(_, id)| *id != broken)
        .unwrap()
        .1
        .clone();
    let finding = finding_ids(&mut admin, &broken).await[0].clone();
    diesel::update(findings::table.filter(findings::id.eq(&finding)))
        .set(findings::reason.eq(format!("会见笔录缺页{NO_GLYPH}")))
        .execute(&mut *app.conn())
        .unwrap();

    let reply = admin
        .post_form(
            &format!("/notices/{broken}/issue"),
            &[("days", "30"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body.contains("整改通知书无法生成，未下发、未编号"),
        "{}",
        reply.body
    );
    // Through the API too, with the same reason.
    let token = admin.csrf_token().await;
    let reply = admin
        .post_json(
            &format!("/api/notices/{broken}/transition"),
            &serde_json::json!({ "action": "issue", "days": 30, "confirm": true }),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("未下发、未编号"), "{}", reply.body);

    // Nothing was kept: still a draft, no number, no PDF, the unit not told.
    let shown = admin.get(&format!("/api/notices/{broken}")).await.json();
    assert_eq!(shown["notice"]["state"], "draft", "{shown}");
    assert!(shown["notice"]["doc_number"].is_null(), "{shown}");
    let (status, _) = admin.get_bytes(&format!("/notices/{broken}/pdf")).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The next notice issued gets the number the refused one would have had.
    let reply = admin
        .post_json(
            &format!("/api/notices/{other}/transition"),
            &serde_json::json!({ "action": "issue", "days": 30, "confirm": true }),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let year = chrono::Local::now().year();
    assert_eq!(
        reply.json()["notice"]["doc_number"],
        format!("银司法评〔{year}〕1号")
    );
}

#[actix_rt::test]
async fn stored_bytes_changed_in_the_database_are_never_handed_out_and_audit_verify_names_them() {
    let app = spawn_app().await;
    let (_, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let (status, issued) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let code = crate::verify::printed_code(&issued).replace('-', "");
    let code = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
    let mut forged = issued.clone();
    forged.extend_from_slice(b"\n% forged\n");
    diesel::update(
        pingcha::storage::schema::issued_documents::table
            .filter(pingcha::storage::schema::issued_documents::code.eq(&code)),
    )
    .set(pingcha::storage::schema::issued_documents::content.eq(Some(forged)))
    .execute(&mut *app.conn())
    .unwrap();
    let (status, _) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (ok, stdout, stderr) = crate::cli::pingcha(
        &["audit", "verify", "--database-url", app.database_url()],
        None,
    );
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "核验码为 {code} 的文书所存文件与签发时的 SHA-256 不符"
        )),
        "{stderr}"
    );
}

#[actix_rt::test]
async fn pingcha_pdf_notice_writes_the_bytes_the_page_serves() {
    let app = spawn_app().await;
    let (_, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let (status, page) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let number = admin.get(&format!("/api/notices/{notice}")).await.json()["notice"]["doc_number"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    // By id with --out, and by document number with -o.
    for (name, which, flag) in [
        ("by-id.pdf", notice.as_str(), "--out"),
        ("by-number.pdf", number.as_str(), "-o"),
    ] {
        let out = dir.path().join(name);
        let (ok, stdout, stderr) = crate::cli::pingcha(
            &[
                "--database-url",
                app.database_url(),
                "pdf",
                "notice",
                which,
                flag,
                out.to_str().unwrap(),
            ],
            None,
        );
        assert!(ok, "{stderr}");
        assert!(stdout.contains(&number), "{stdout}");
        assert!(
            std::fs::read(&out).unwrap() == page,
            "{which}: other bytes than the page's"
        );
    }
    let (ok, _, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            app.database_url(),
            "pdf",
            "notice",
            "不存在的文号",
            "-o",
            dir.path().join("none.pdf").to_str().unwrap(),
        ],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("不存在的文号"), "{stderr}");
}
