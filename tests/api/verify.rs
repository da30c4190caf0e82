//! Verifiable documents through HTTP: every kind of PDF made twice is byte for byte the
//! same and carries its 核验码 in the footer (read back with pdftotext); `/verify` accepts
//! the printed code however it is typed, says what was issued, when and by whom without the
//! content, checks an uploaded file or SHA-256, refuses a made-up code, and throttles guessing.

use crate::documents::compact_text;
use crate::helpers::{Client, TestApp, csrf_part, hidden_value, spawn_app};
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::app::messages;
use pingcha::storage::schema::issued_documents;

/// The code printed after 核验码： on the document.
pub fn printed_code(pdf: &[u8]) -> String {
    let text = compact_text(pdf);
    let start = text.find("核验码：").expect("核验码 printed") + "核验码：".len();
    text[start..].chars().take(14).collect()
}

pub(crate) fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "verify-test-boundary".to_string();
    let mut body = Vec::new();
    for (name, file_name, bytes) in fields {
        let disposition = match file_name {
            Some(file_name) => format!("name=\"{name}\"; filename=\"{file_name}\""),
            None => format!("name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// Opens /verify as a visitor would and submits the form.
pub(crate) async fn verify(
    client: &mut Client,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, String) {
    let page = client.get("/verify").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = hidden_value(&page.body, "csrf").expect("the form's token");
    let (boundary, body) = multipart(fields);
    let mut with_token = csrf_part(&boundary, &token);
    with_token.extend_from_slice(&body);
    let reply = client
        .post_multipart_as_is("/verify", &boundary, with_token)
        .await;
    (reply.status, reply.body)
}

fn issued_count(app: &TestApp) -> i64 {
    issued_documents::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[actix_rt::test]
async fn every_document_is_the_same_bytes_again_and_its_printed_code_verifies() {
    let app = spawn_app().await;
    let (round, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let xq = app.unit_id("XQ");
    let file = {
        let mut conn = app.conn();
        pingcha::storage::results::load(&mut conn, round)
            .unwrap()
            .unwrap()
            .files[0]
            .file
            .to_string()
    };
    let documents = [
        ("评查评分表", format!("/rounds/{round}/sheets.pdf")),
        (
            "评查评分表",
            format!("/rounds/{round}/units/{xq}/sheets.pdf"),
        ),
        (
            "评查评分表",
            format!("/rounds/{round}/files/{file}/sheets.pdf"),
        ),
        (
            "评查情况反馈",
            format!("/rounds/{round}/units/{xq}/feedback.pdf"),
        ),
        ("整改通知书", format!("/notices/{notice}/pdf")),
        ("评查情况通报", format!("/rounds/{round}/report.pdf")),
    ];
    let mut codes = Vec::new();
    for (kind, path) in &documents {
        let (status, first) = admin.get_bytes(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (_, second) = admin.get_bytes(path).await;
        assert!(first == second, "{path} made twice differs");
        let code = printed_code(&first);
        assert_eq!(
            pingcha::domain::verification_code::normalise(&code).as_deref(),
            Some(code.as_str()),
            "{path}: {code}"
        );
        codes.push((kind, code, first));
    }
    let distinct: std::collections::BTreeSet<_> = codes.iter().map(|(_, code, _)| code).collect();
    assert_eq!(distinct.len(), documents.len(), "one code per document");
    assert_eq!(
        issued_count(&app),
        documents.len() as i64,
        "made again: no new row"
    );

    // Anyone, signed in or not, checks a code typed loosely; the page names the kind, the
    // issuer and the time, and nothing of the content.
    let mut visitor = app.client();
    for (kind, code, pdf) in &codes {
        let typed = code.to_lowercase().replace('-', " ");
        let (status, body) = verify(&mut visitor, &[("code", None, typed.as_bytes())]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("已由本系统签发"), "{body}");
        assert!(body.contains(&format!("<dd>{kind}</dd>")), "{kind}: {body}");
        assert!(body.contains("银川市司法局（管理员）"), "{body}");
        assert!(body.contains(&pingcha::security::sha256_hex(pdf)));
        assert!(!body.contains("兴庆区"), "no content shown: {body}");

        // The very file: matches. One byte changed: does not.
        let (_, body) = verify(
            &mut visitor,
            &[
                ("code", None, code.as_bytes()),
                ("file", Some("doc.pdf"), pdf),
            ],
        )
        .await;
        assert!(body.contains(messages::VERIFY_FILE_MATCHES), "{body}");
        let mut altered = pdf.clone();
        let middle = altered.len() / 2;
        altered[middle] ^= 0x01;
        let (_, body) = verify(
            &mut visitor,
            &[
                ("code", None, code.as_bytes()),
                ("file", Some("doc.pdf"), &altered),
            ],
        )
        .await;
        assert!(body.contains(messages::VERIFY_FILE_DIFFERS), "{body}");
        assert!(!body.contains(messages::VERIFY_FILE_MATCHES));
    }
    // The hash instead of the file.
    let (_, code, pdf) = &codes[4];
    let hash = pingcha::security::sha256_hex(pdf).to_uppercase();
    let (_, body) = verify(
        &mut visitor,
        &[
            ("code", None, code.as_bytes()),
            ("sha256", None, hash.as_bytes()),
        ],
    )
    .await;
    assert!(body.contains(messages::VERIFY_FILE_MATCHES), "{body}");
    let other = pingcha::security::sha256_hex(b"another document");
    let (_, body) = verify(
        &mut visitor,
        &[
            ("code", None, code.as_bytes()),
            ("sha256", None, other.as_bytes()),
        ],
    )
    .await;
    assert!(body.contains(messages::VERIFY_FILE_DIFFERS), "{body}");

    // The same code signed in.
    let (status, body) = verify(&mut admin, &[("code", None, code.as_bytes())]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("已由本系统签发"));
}

#[actix_rt::test]
async fn made_up_codes_are_refused_and_guessing_is_throttled() {
    let app = spawn_app().await;
    let mut visitor = app.client();
    let (status, body) = verify(&mut visitor, &[("code", None, b"ABCD-EFGH-JKMN")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains(messages::VERIFY_UNKNOWN), "{body}");
    assert!(!body.contains("已由本系统签发"));
    let (status, body) = verify(&mut visitor, &[("code", None, b"12345")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains(messages::VERIFY_BAD_CODE), "{body}");
    // Without the form's token the post is refused.
    let (boundary, body) = multipart(&[("code", None, b"ABCD-EFGH-JKMN")]);
    let reply = app
        .client()
        .post_multipart_as_is("/verify", &boundary, body)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Guessing: after as many failures as a sign-in allows from one address, refused.
    let allowed = pingcha::domain::throttle::VERIFY_PER_ADDRESS;
    for _ in 2..allowed {
        let (status, _) = verify(&mut visitor, &[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, body) = verify(&mut visitor, &[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains(messages::VERIFY_THROTTLED));
}
