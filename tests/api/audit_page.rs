//! The audit page as a clerk reads it: Beijing time, Chinese actions, names instead of ids,
//! details as 「字段：值」, filters by who, action, round and dates, 50 entries a page.

use crate::helpers::spawn_app;
use awc::http::StatusCode;
use pingcha::storage::{self, audit};

#[actix_rt::test]
async fn the_audit_page_is_readable_filtered_and_paged() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = crate::rounds::create_round(&app, &mut admin, "审计测试轮次").await;
    // 60 more sign-ins: more than one page.
    for _ in 0..60 {
        app.login_as("leader").await;
    }
    let mut conn = app.conn();
    let created = audit::list(
        &mut conn,
        &audit::Filter {
            action: Some("round.create".into()),
            ..Default::default()
        },
        1,
    )
    .unwrap()
    .remove(0);

    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("共 "), "{}", page.body);
    assert!(page.body.contains("第 1/"), "{}", page.body);
    assert!(page.body.contains("下一页"), "{}", page.body);
    assert_eq!(
        page.body.matches("<tr>").count(),
        1 + 50,
        "50 entries a page"
    );
    assert!(!page.body.contains("UTC"), "{}", page.body);

    // Filtered to the round: its creation, in Chinese, named, in Beijing time, fields in
    // Chinese; no id and no action code shown.
    let page = admin
        .get(&format!("/admin/audit?round={round}&action=round.create"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("共 1 条"), "{}", page.body);
    assert!(page.body.contains("创建评查轮次"), "{}", page.body);
    assert!(
        page.body.contains("评查轮次：轮次 审计测试轮次"),
        "{}",
        page.body
    );
    let beijing = (created.at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert!(
        page.body.contains(&beijing),
        "Beijing time {beijing}: {}",
        page.body
    );
    assert!(page.body.contains("名称：审计测试轮次"), "{}", page.body);
    let table = &page.body[page.body.find("<tbody>").unwrap()..];
    assert!(!table.contains(&round), "no id in the rows: {table}");
    assert!(!table.contains("round.create"), "{table}");
    // By who and dates: the leader's sign-ins today (Beijing), none tomorrow.
    let today = (storage::now() + chrono::Duration::hours(8)).date();
    let tomorrow = today.succ_opt().unwrap();
    let page = admin
        .get(&format!(
            "/admin/audit?actor=leader&action=login&from={today}&to={today}"
        ))
        .await;
    assert!(page.body.contains("共 60 条"), "{}", page.body);
    assert!(page.body.contains("登录"), "{}", page.body);
    let page = admin
        .get(&format!("/admin/audit?actor=leader&from={tomorrow}"))
        .await;
    assert!(page.body.contains("共 0 条"), "{}", page.body);
    // The second page carries the filter.
    let page = admin
        .get("/admin/audit?actor=leader&action=login&page=2")
        .await;
    assert!(page.body.contains("第 2/2 页"), "{}", page.body);
    assert!(page.body.contains("上一页"), "{}", page.body);
    // A date that is not one: the page, with a Chinese message naming the field.
    let page = admin.get("/admin/audit?from=2025-13-01").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("起始日期须为"), "{}", page.body);
}
