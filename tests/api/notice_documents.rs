//! The rectification notice as the unit receives it through the app (issue 25): a title that
//! names the inspection once, 「经合议」 only when a file went to 合议, the problem list as
//! 附件 after the signature, a 版记, the 核验码 inside the text block, GB/T 9704 measured;
//! and a correction (更正) after an objection: a new document under a new number, the old
//! one kept as issued and reported superseded by `/verify`.

use crate::documents::compact_text;
use crate::gbt9704::{check, text_pages};
use crate::helpers::{Client, spawn_app};
use crate::rectification::{finding_ids, issued_notice_for_xq};
use crate::verify::{printed_code, verify};
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::storage::schema::issued_documents;
use serde_json::json;

async fn api(client: &mut Client, path: &str, body: serde_json::Value) -> crate::helpers::Reply {
    let token = client.csrf_token().await;
    client.post_json(path, &body, Some(&token)).await
}

async fn notice_pdf(client: &mut Client, notice: &str) -> Vec<u8> {
    let (status, pdf) = client.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    pdf
}

#[actix_rt::test]
async fn the_issued_notice_reads_as_a_bureau_sends_it() {
    let app = spawn_app().await;
    let (round, notice, _admin) = issued_notice_for_xq(&app).await;
    let round_name = {
        let mut conn = app.conn();
        pingcha::storage::rounds::find(&mut conn, round)
            .unwrap()
            .settings
            .name
    };
    let mut manager = app.login_as("manager").await;
    let pdf = notice_pdf(&mut manager, &notice).await;
    let all = compact_text(&pdf);
    let title = pingcha::domain::notice_text::notice_title(&round_name, false);
    assert!(all.contains(&title), "{title} in {all}");
    assert!(!all.contains("评查法律援助"), "{all}");
    // Every review agreed: no file went to 合议, and the notice does not say one did.
    assert!(all.contains("据此确定了评查结果"), "{all}");
    assert!(!all.contains("合议"), "{all}");
    // The problem list is an attachment: named after the body, set after the signature.
    let attachment_note = all.find("附件：1.评查发现问题清单").expect("附件说明");
    let signature = all.find("整改期限：请于").unwrap();
    let attachment = all
        .rfind("附件1评查发现问题清单")
        .expect("the attachment's heading");
    assert!(signature < attachment_note && attachment_note < attachment);
    assert!(all[attachment..].contains("序号案号承办人"));
    assert!(!all[..attachment].contains("序号案号承办人"));
    // 版记 and the code: on the last page, the code inside the text block, above the 版记.
    let pages = text_pages(&pdf);
    let last = pages.last().unwrap();
    let code_line = last
        .lines
        .iter()
        .find(|line| line.text.contains("核验码"))
        .expect("核验码 on the last page");
    let imprint = last
        .lines
        .iter()
        .find(|line| line.text.replace(' ', "").ends_with("印发"))
        .expect("版记");
    let measured = check(&pdf, "关于", false)
        .unwrap_or_else(|problems| panic!("GB/T 9704 not met:\n{}", problems.join("\n")));
    let block_bottom = measured.top_mm * 72.0 / 25.4 + 225.0 * 72.0 / 25.4;
    assert!(code_line.y_max < imprint.y_min && code_line.em_bottom <= block_bottom + 0.5);
    assert!(
        all.contains("市司法局办公室") || all.contains("局办公室"),
        "{all}"
    );
    for page in &pages[..pages.len() - 1] {
        assert!(page.lines.iter().all(|line| !line.text.contains("核验码")));
    }
}

#[actix_rt::test]
async fn a_corrected_notice_is_a_new_document_and_the_old_code_says_it_was_superseded() {
    let app = spawn_app().await;
    let (_round, notice, mut admin) = issued_notice_for_xq(&app).await;
    let mut manager = app.login_as("manager").await;
    let first = notice_pdf(&mut manager, &notice).await;
    let first_code = printed_code(&first);
    let first_number =
        admin.get(&format!("/api/notices/{notice}")).await.json()["notice"]["doc_number"]
            .as_str()
            .unwrap()
            .to_string();

    // The unit objects to a finding; the panel withdraws it.
    let finding = finding_ids(&mut manager, &notice).await[0].clone();
    let filed = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": finding, "reason": "卷内第7页有相关材料" }),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let objection = filed.json()["id"].as_str().unwrap().to_string();
    let decided = api(
        &mut admin,
        &format!("/api/objections/{objection}/decide"),
        json!({ "decision": "withdrawn", "reason": "材料齐全" }),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);

    // Until it is corrected, the unit keeps getting exactly what was issued.
    assert_eq!(notice_pdf(&mut manager, &notice).await, first);
    // A manager may not correct; the administrator does, from the notice page.
    let refused = manager
        .post_form(&format!("/notices/{notice}/correct"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = admin.get(&format!("/notices/{notice}")).await;
    assert!(page.body.contains("下发更正通知书"), "{}", page.body);
    let corrected = admin
        .post_form(&format!("/notices/{notice}/correct"), &[])
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.body
    );

    let second = notice_pdf(&mut manager, &notice).await;
    let second_code = printed_code(&second);
    assert_ne!(second_code, first_code);
    let second_number =
        admin.get(&format!("/api/notices/{notice}")).await.json()["notice"]["doc_number"]
            .as_str()
            .unwrap()
            .to_string();
    assert_ne!(second_number, first_number, "a new 文号");
    let text = compact_text(&second);
    assert!(text.contains("发现问题整改的通知（更正）"), "{text}");
    assert!(
        text.contains(&format!("（{first_number}）予以更正")),
        "{text}"
    );
    assert!(text.contains(&second_number) && text.contains("经异议复核撤销"));
    check(&second, "关于", false)
        .unwrap_or_else(|problems| panic!("GB/T 9704 not met:\n{}", problems.join("\n")));

    // The first version stays stored byte for byte under its code.
    let stored: Option<Vec<u8>> = issued_documents::table
        .find(&first_code)
        .select(issued_documents::content)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some(first.as_slice()));

    // /verify: the old code says it was superseded, by which code; the new one does not.
    let mut visitor = app.client();
    let (status, body) = verify(&mut visitor, &[("code", None, first_code.as_bytes())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("该文书已被更正") && body.contains(&second_code),
        "{body}"
    );
    let (status, body) = verify(&mut visitor, &[("code", None, second_code.as_bytes())]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("已被更正"), "{body}");
    let (_, body) = verify(
        &mut visitor,
        &[
            ("code", None, first_code.as_bytes()),
            ("file", Some("notice.pdf"), &first),
        ],
    )
    .await;
    assert!(body.contains("该文书已被更正"), "{body}");
}
