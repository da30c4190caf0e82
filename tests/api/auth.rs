//! Sign-in, sign-out, throttling, CSRF, session fixation and cookie flags.

use crate::helpers::{DEMO_PASSWORD, hidden_value, spawn_app};
use awc::http::StatusCode;
use pingcha::storage::audit;

#[actix_rt::test]
async fn anonymous_pages_redirect_to_login_and_api_answers_401() {
    let app = spawn_app().await;
    let mut client = app.client();
    let reply = client.get("/units?x=1").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), Some("/login?next=%2Funits%3Fx%3D1"));
    let reply = client.get("/api/units").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"], "unauthenticated");
    let login_page = client.get("/login").await;
    assert_eq!(login_page.status, StatusCode::OK);
    assert!(login_page.body.contains("<html lang=\"zh-CN\">"));
    assert!(login_page.body.contains("用户名"));
}

#[actix_rt::test]
async fn login_sets_a_fresh_hardened_session_and_logout_ends_it() {
    let app = spawn_app().await;
    let mut client = app.client();
    client
        .cookies
        .insert("pc_session".into(), "planted-by-attacker".into());
    let reply = client.login("admin", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), Some("/"));
    let cookie = reply
        .set_cookies
        .iter()
        .find(|cookie| cookie.starts_with("pc_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    let token = client.cookies["pc_session"].clone();
    assert_ne!(
        token, "planted-by-attacker",
        "session id must be new at sign-in"
    );
    assert_eq!(token.len(), 64);

    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("您好，赵管理"));
    assert!(home.body.contains("管理员"));

    let logout = client.post_form("/logout", &[]).await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(logout.location(), Some("/login"));
    // The old cookie, replayed, no longer opens anything.
    client.cookies.insert("pc_session".into(), token);
    let reply = client.get("/api/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn unknown_login_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let mut client = app.client();
    let wrong_password = client.login("admin", "not-the-password").await;
    let unknown_login = client.login("nobody-here", "not-the-password").await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_login.status, StatusCode::UNAUTHORIZED);
    for reply in [&wrong_password, &unknown_login] {
        assert!(reply.body.contains("用户名或密码错误。"));
        assert!(
            !reply
                .set_cookies
                .iter()
                .any(|cookie| cookie.starts_with("pc_session="))
        );
    }
}

#[actix_rt::test]
async fn throttling_engages_after_repeated_failures() {
    let app = spawn_app().await;
    let mut client = app.client();
    for _ in 0..pingcha::domain::throttle::PER_LOGIN_AND_ADDRESS {
        let reply = client.login("manager", "wrong-password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused, without being checked.
    let reply = client.login("manager", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("登录失败次数过多"));
    // Other logins are unaffected.
    let reply = client.login("leader", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let mut conn = app.conn();
    let throttled = audit::list(
        &mut conn,
        &audit::Filter {
            action: Some("login.throttled".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    assert_eq!(throttled.len(), 1);
    assert_eq!(throttled[0].actor_login, "manager");
}

#[actix_rt::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app().await;
    // Login form: without the token, and with a token that is not the cookie's.
    let mut client = app.client();
    let _ = client.get("/login").await;
    let reply = client
        .post_raw_form("/login", &[("login", "admin"), ("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("表单已过期"));
    let reply = client
        .post_raw_form(
            "/login",
            &[
                ("login", "admin"),
                ("password", DEMO_PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // A signed-in administrator's form post without the token changes nothing.
    let mut admin = app.login_as("admin").await;
    let form = [
        ("login", "newclerk"),
        ("display_name", "新职员"),
        ("role", "reviewer"),
        ("password", "a-long-password"),
    ];
    let reply = admin.post_raw_form("/admin/users", &form).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let api = admin
        .post_json("/api/users", &serde_json::json!({"login": "x1x", "display_name": "x", "role": "reviewer", "password": "a-long-password"}), None)
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"], "csrf");
    let mut conn = app.conn();
    assert!(
        pingcha::storage::users::find_by_login(&mut conn, "newclerk")
            .unwrap()
            .is_none()
    );
    assert!(
        pingcha::storage::users::find_by_login(&mut conn, "x1x")
            .unwrap()
            .is_none()
    );

    // The same post with the token goes through.
    let reply = admin.post_form("/admin/users", &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(
        pingcha::storage::users::find_by_login(&mut conn, "newclerk")
            .unwrap()
            .is_some()
    );
}

#[actix_rt::test]
async fn the_audit_log_records_logins_and_failures() {
    let app = spawn_app().await;
    let mut client = app.client();
    let _ = client.login("leader", "wrong-password").await;
    let _ = client.login("leader", DEMO_PASSWORD).await;
    let _ = client.post_form("/logout", &[]).await;
    let mut conn = app.conn();
    let entries = audit::list(&mut conn, &audit::Filter::default(), 50).unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .filter(|entry| entry.entity_type == "session")
        .map(|entry| (entry.action.as_str(), entry.actor_login.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("logout", "leader"),
            ("login", "leader"),
            ("login.failed", "leader")
        ]
    );
    assert!(
        entries
            .iter()
            .all(|entry| entry.client_ip.is_some() || entry.actor_login == "demo")
    );
}

#[actix_rt::test]
async fn the_login_form_keeps_next_and_refuses_offsite_redirects() {
    let app = spawn_app().await;
    let mut client = app.client();
    let form = client.get("/login?next=/people").await;
    assert_eq!(hidden_value(&form.body, "next").as_deref(), Some("/people"));
    let token = hidden_value(&form.body, "csrf").unwrap();
    let reply = client
        .post_raw_form(
            "/login",
            &[
                ("login", "leader"),
                ("password", DEMO_PASSWORD),
                ("csrf", &token),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), Some("/"));
}

#[actix_rt::test]
async fn changing_the_password_ends_every_session() {
    let app = spawn_app().await;
    let mut first = app.login_as("reviewer").await;
    let mut second = app.login_as("reviewer").await;
    let reply = first
        .post_form(
            "/account/password",
            &[
                ("current", DEMO_PASSWORD),
                ("new", "another-password"),
                ("repeat", "another-password"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(second.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let mut fresh = app.client();
    assert_eq!(
        fresh.login("reviewer", DEMO_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh.login("reviewer", "another-password").await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_rt::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let reply = app.client().get("/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["database"], "reachable");
}
