//! Page citations (卷宗页码) through HTTP: a deduction cites ranges and lists of pages typed
//! as a reviewer types them; the form shows them normalised, the score sheet PDF, the
//! feedback report and the rectification notice print them; unreadable ones are refused
//! naming the item and store nothing; an old sheet's single page number still reads.

use crate::documents::compact_text;
use crate::helpers::spawn_app;
use crate::sheets::assigned_reviewer;
use awc::http::StatusCode;
use pingcha::domain::citation::Citation;
use pingcha::storage::{self, schema::score_sheets};

#[actix_rt::test]
async fn a_deduction_cites_pages_and_the_score_sheet_prints_them() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("data-manifest=\"/api/rounds/"),
        "the form carries the viewer pane"
    );
    let code = crate::helpers::first_points_item(&form.body);
    let (points, reason, page) = (
        format!("points_{code}"),
        format!("reason_{code}"),
        format!("page_{code}"),
    );

    let reply = reviewer
        .post_form(
            &path,
            &[
                ("version", "1"),
                ("action", "save"),
                (points.as_str(), "2"),
                (reason.as_str(), "会见笔录未记录会见时间"),
                (page.as_str(), "第15–17、12页"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let form = reviewer.get(&path).await;
    assert!(
        form.body.contains("value=\"12,15-17\""),
        "the form shows the citation normalised"
    );
    let mut conn = app.conn();
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.sheet.answers.items[0].pages.to_plain(), "12,15-17");
    drop(conn);

    let reply = reviewer
        .post_form(
            &path,
            &[
                ("version", "2"),
                ("action", "submit"),
                (points.as_str(), "2"),
                (reason.as_str(), "会见笔录未记录会见时间"),
                (page.as_str(), "12,15-17"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut admin = app.login_as("admin").await;
    let (status, pdf) = admin
        .get_bytes(&format!("/rounds/{round}/files/{file}/sheets.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&pdf);
    assert!(text.contains("第12、15–17页"), "{text}");
}

#[actix_rt::test]
async fn an_unreadable_citation_is_refused_naming_the_item_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    let code = crate::helpers::first_points_item(&form.body);
    let (points, reason, page) = (
        format!("points_{code}"),
        format!("reason_{code}"),
        format!("page_{code}"),
    );
    for (typed, said) in [
        ("17-15", "起页大于止页"),
        ("3页abc", "无法识别的字符“a”"),
        ("0", "不能为 0"),
        ("123456", "超出上限"),
    ] {
        let reply = reviewer
            .post_form(
                &path,
                &[
                    ("version", "1"),
                    ("action", "save"),
                    (points.as_str(), "2"),
                    (reason.as_str(), "阅卷笔录缺失"),
                    (page.as_str(), typed),
                ],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{typed}: {}",
            reply.body
        );
        assert!(
            reply.body.contains(&format!("项目 {code}：卷宗页码")) && reply.body.contains(said),
            "{typed}: {}",
            reply.body
        );
        assert!(reply.body.contains("阅卷笔录缺失"), "what was typed stays");
    }
    // The autosave API refuses the same way, in JSON.
    let token = reviewer.csrf_token().await;
    let reply = reviewer
        .post_raw_form(
            &format!("/api/rounds/{round}/files/{file}/sheet/draft"),
            &[
                ("csrf", &token),
                ("version", "1"),
                (points.as_str(), "2"),
                (page.as_str(), "5-"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("不完整"), "{}", reply.body);
    let mut conn = app.conn();
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.sheet.version, 1, "nothing was stored");
    assert!(stored.sheet.answers.items.is_empty());
}

#[actix_rt::test]
async fn an_old_sheets_page_number_reads_as_one_page() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    let code = crate::helpers::first_points_item(&form.body);
    // A sheet saved before citations: one integer under "page".
    let old = format!(
        r#"{{"items":[{{"code":"{code}","mark":{{"kind":"points","value":20}},"reason":"旧理由","page":7}}],"vetoes":[],"indicators":[],"overall_grade":null}}"#
    );
    let mut conn = app.conn();
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    diesel::update(score_sheets::table.filter(score_sheets::id.eq(&stored.id)))
        .set(score_sheets::answers_json.eq(&old))
        .execute(&mut conn)
        .unwrap();
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.sheet.answers.items[0].pages, Citation::page(7));
    drop(conn);
    let form = reviewer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("value=\"7\""), "the old page shows");
}

#[actix_rt::test]
async fn the_unit_notice_and_feedback_report_name_the_cited_pages() {
    let app = spawn_app().await;
    let (round, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let (status, pdf) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&pdf);
    assert!(
        text.contains("会见笔录未记录会见时间（卷宗第3–4、7页）"),
        "{text}"
    );
    let unit = app.unit_id("XQ");
    let (status, pdf) = admin
        .get_bytes(&format!("/rounds/{round}/units/{unit}/feedback.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&pdf);
    assert!(text.contains("（卷宗第3–4、7页）"), "{text}");
    // The finding's page shows the pages as a reader reads them.
    let findings = crate::rectification::finding_ids(&mut admin, &notice).await;
    let page = admin.get(&format!("/findings/{}", findings[0])).await;
    assert!(page.body.contains("卷宗第 3–4、7 页"), "{}", page.body);
}
