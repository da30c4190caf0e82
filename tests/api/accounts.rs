//! Accounts through the administrator's pages and API: rules, audit, escaping.

use crate::helpers::spawn_app;
use awc::http::StatusCode;
use pingcha::storage::{audit, users};

#[actix_rt::test]
async fn the_administrator_creates_and_disables_accounts_and_the_audit_log_records_it() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let unit = app.unit_id("HL");
    let reply = admin
        .post_form(
            "/admin/users",
            &[
                ("login", "hl-manager"),
                ("display_name", "贺兰县负责人"),
                ("role", "center_manager"),
                ("unit_id", &unit),
                ("password", "a-long-password"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut conn = app.conn();
    let (account, hash) = users::find_by_login(&mut conn, "hl-manager")
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert_eq!(account.unit_id.map(|id| id.to_string()), Some(unit));

    let reply = admin
        .post_form(
            &format!("/admin/users/{}/active", account.id),
            &[("active", "false")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let mut client = app.client();
    assert_eq!(
        client.login("hl-manager", "a-long-password").await.status,
        StatusCode::UNAUTHORIZED
    );

    let entries = audit::list(
        &mut conn,
        &audit::Filter {
            entity_type: Some("user".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    let created = entries
        .iter()
        .find(|entry| {
            entry.action == "user.create"
                && entry.entity_id.as_deref() == Some(&account.id.to_string())
        })
        .unwrap();
    assert_eq!(created.actor_login, "admin");
    assert!(
        !created
            .after_json
            .as_deref()
            .unwrap_or_default()
            .contains("argon2"),
        "hashes never reach the audit log"
    );
    let disabled = entries
        .iter()
        .find(|entry| entry.action == "user.disable")
        .unwrap();
    assert!(
        disabled
            .before_json
            .as_deref()
            .unwrap()
            .contains("\"active\":true")
    );
    assert!(
        disabled
            .after_json
            .as_deref()
            .unwrap()
            .contains("\"active\":false")
    );
}

#[actix_rt::test]
async fn bad_account_input_is_explained_and_changes_nothing() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let before = users::count(&mut app.conn()).unwrap();
    for (fields, message) in [
        (
            vec![
                ("login", "mgr3"),
                ("display_name", "某"),
                ("role", "center_manager"),
                ("password", "a-long-password"),
            ],
            "中心负责人账户必须指定所属单位",
        ),
        (
            vec![
                ("login", "ok-login"),
                ("display_name", "某"),
                ("role", "reviewer"),
                ("password", "short"),
            ],
            "密码至少需要8个字符",
        ),
        (
            vec![
                ("login", "admin"),
                ("display_name", "某"),
                ("role", "reviewer"),
                ("password", "a-long-password"),
            ],
            "该用户名已被使用",
        ),
        (
            vec![
                ("login", "x y"),
                ("display_name", "某"),
                ("role", "reviewer"),
                ("password", "a-long-password"),
            ],
            "用户名须为3至32位",
        ),
        (
            vec![
                ("login", "okay"),
                ("display_name", "某"),
                ("role", "superuser"),
                ("password", "a-long-password"),
            ],
            "所选角色不存在",
        ),
    ] {
        let reply = admin.post_form("/admin/users", &fields).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(
            reply.body.contains(message),
            "{fields:?}: expected {message}"
        );
    }
    assert_eq!(users::count(&mut app.conn()).unwrap(), before);
}

#[actix_rt::test]
async fn user_text_is_escaped_in_pages() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let token = admin.csrf_token().await;
    let reply = admin
        .post_json(
            "/api/users",
            &serde_json::json!({"login": "xss-test", "display_name": "<script>alert(1)</script>", "role": "leader", "password": "a-long-password"}),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let page = admin.get("/admin/users").await;
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || page.body.contains("&lt;script&gt;")
    );
}
