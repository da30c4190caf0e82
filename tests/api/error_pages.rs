//! Error answers reach the reader in Chinese and in their frame: a signed-in user's error
//! page has their navigation and no 「登录」, with a way back; 404, 405, unparsable forms,
//! JSON and queries, and actix's own answers carry no English sentence (pages and API).

use crate::helpers::{Client, spawn_app};
use awc::http::StatusCode;

/// A run of three or more ASCII words outside tags: an English sentence reaching the reader.
fn english_sentence(body: &str) -> Option<String> {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut run: Vec<&str> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphabetic() || c == '\'')) {
        if word.len() >= 2 {
            run.push(word);
            if run.len() >= 3 {
                return Some(run.join(" "));
            }
        } else if !word.is_empty() {
            run.clear();
        }
    }
    None
}

/// Raw request helper: a body with a content type, with the client's session cookie.
async fn raw(
    client: &Client,
    base: &str,
    method: awc::http::Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, String) {
    let cookie = client
        .cookies
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut response = awc::Client::default()
        .request(method, format!("{base}{path}"))
        .insert_header(("cookie", cookie))
        .insert_header(("content-type", content_type))
        .send_body(body.to_string())
        .await
        .unwrap();
    let bytes = response.body().limit(4 << 20).await.unwrap();
    (
        response.status(),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[actix_rt::test]
async fn error_pages_keep_the_frame_and_speak_chinese() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let token = admin.csrf_token().await;
    let base = app.address.clone();

    // A page that does not exist, for a signed-in user: navigation, 退出, no 登录.
    let page = admin.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("评查轮次"), "navigation: {}", page.body);
    assert!(page.body.contains("退出"), "{}", page.body);
    assert!(!page.body.contains(">登录<"), "{}", page.body);
    assert!(page.body.contains("返回首页"), "{}", page.body);
    // The same for an error inside a route (a round that does not exist).
    let page = admin
        .get("/rounds/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("退出") && !page.body.contains(">登录<"),
        "{}",
        page.body
    );
    // Anonymous: the sign-in link is offered.
    let mut anonymous = app.client();
    let page = anonymous.get("/no-such-page").await;
    assert!(page.body.contains(">登录<"), "{}", page.body);

    let mut answers: Vec<(String, StatusCode, String)> = Vec::new();
    let mut note = |what: &str, status: StatusCode, body: String| {
        answers.push((what.to_string(), status, body));
    };
    let page = admin.get("/no-such-page").await;
    note("404", page.status, page.body);
    let page = admin.get("/api/no-such").await;
    note("api 404", page.status, page.body);
    // A method the address does not take.
    let (status, body) = raw(
        &admin,
        &base,
        awc::http::Method::PUT,
        "/rounds",
        "text/plain",
        "",
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert!(body.contains("退出"), "{body}");
    note("405", status, body);
    let (status, body) = raw(
        &admin,
        &base,
        awc::http::Method::DELETE,
        "/api/rounds",
        "text/plain",
        "",
    )
    .await;
    note("api 405", status, body);
    // Forms, JSON and queries the parser refuses.
    let page = admin.post_form("/rounds", &[("name", "x")]).await;
    note("form missing fields", page.status, page.body);
    let page = admin.get("/admin/audit?page=abc").await;
    note("bad query", page.status, page.body);
    let (status, body) = raw(
        &admin,
        &base,
        awc::http::Method::POST,
        "/api/rounds",
        "application/json",
        "{ not json",
    )
    .await;
    assert_eq!(status.as_u16() / 100, 4, "{body}");
    note("bad json", status, body);
    let reply = admin
        .post_json(
            "/api/rounds",
            &serde_json::json!({"name": 5, "period_start": "x"}),
            Some(&token),
        )
        .await;
    note("json wrong types", reply.status, reply.body);
    let (status, body) = raw(
        &admin,
        &base,
        awc::http::Method::POST,
        "/api/rounds",
        "text/plain",
        "hello",
    )
    .await;
    note("wrong content type", status, body);
    let (status, body) = raw(
        &admin,
        &base,
        awc::http::Method::POST,
        "/rounds",
        "application/x-www-form-urlencoded",
        "name=%FF%FE&csrf=x",
    )
    .await;
    note("not utf-8", status, body);

    for (what, status, body) in &answers {
        // Under /api, what a person reads is the message (the code is for programs).
        let body = &match serde_json::from_str::<serde_json::Value>(body) {
            Ok(json) => json["message"].as_str().unwrap_or_default().to_string(),
            Err(_) => body.clone(),
        };
        assert!(status.is_client_error(), "{what}: {status} {body}");
        assert!(
            english_sentence(body).is_none(),
            "{what} leaks English {:?}: {body}",
            english_sentence(body)
        );
        assert!(
            body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{what} says something in Chinese: {body}"
        );
    }
}

#[test]
fn the_english_detector_finds_a_sentence_and_spares_codes() {
    assert!(english_sentence("<p>Json deserialize error: expected value</p>").is_some());
    assert!(
        english_sentence("<p>缺少“status”一栏。</p><code>pingcha sample verify</code>").is_some()
    );
    assert!(english_sentence("<p>评查 Pingcha · 请求编号 ab12</p>").is_none());
}
