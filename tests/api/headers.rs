//! Security headers on every response and readiness (issue 22, finding 10): a page, an error,
//! an asset and a PDF all carry the Content-Security-Policy (no inline script), framing and
//! referrer rules and nosniff; templates hold no inline script for the policy to break;
//! `/healthz` fails on a database that is unreachable or not at this binary's migrations.

use crate::helpers::{Reply, spawn_app, spawn_app_with};
use awc::http::StatusCode;
use diesel::connection::SimpleConnection;
use pingcha::web::WebConfig;

fn assert_security_headers(what: &str, reply: &Reply) {
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_string()
    };
    let policy = header("content-security-policy");
    assert!(policy.contains("default-src 'self'"), "{what}: {policy}");
    assert!(policy.contains("script-src 'self'"), "{what}: {policy}");
    assert!(!policy.contains("unsafe-inline"), "{what}: {policy}");
    assert!(
        policy.contains("frame-ancestors 'none'"),
        "{what}: {policy}"
    );
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
}

#[actix_rt::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let mut visitor = app.client();
    assert_security_headers("login page", &visitor.get("/login").await);
    let missing = visitor.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_security_headers("404 page", &missing);
    let asset = visitor.get("/assets/app.css").await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_security_headers("stylesheet", &asset);
    let (round, notice, mut admin) = crate::rectification::issued_notice_for_xq(&app).await;
    let forbidden = app.login_as("reviewer").await.get("/admin/users").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_security_headers("403 page", &forbidden);
    assert_security_headers("round page", &admin.get(&format!("/rounds/{round}")).await);
    let pdf = admin.get(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_security_headers("notice PDF", &pdf);
    let api = admin.get("/api/me").await;
    assert_security_headers("API answer", &api);
}

/// The policy runs no inline script: none may be in the templates.
#[test]
fn templates_hold_no_inline_script_or_style() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![root];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("hbs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
            let inline_script = text
                .match_indices("<script")
                .any(|(at, _)| !text[at..].split('>').next().unwrap().contains("src="));
            let handler = [
                " onclick=",
                " onchange=",
                " onsubmit=",
                " oninput=",
                " onload=",
                " onkeydown=",
                " onfocus=",
                " onblur=",
            ]
            .iter()
            .any(|attribute| text.contains(attribute));
            let style = text.contains(" style=") || text.contains("<style");
            let script_url = text.contains("javascript:");
            if inline_script || handler || style || script_url {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "inline script or style in {offenders:?}"
    );
}

#[actix_rt::test]
async fn health_fails_on_an_unmigrated_database() {
    let app = spawn_app_with(WebConfig::default(), false).await;
    let reply = app.client().get("/healthz").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["migrations"], "not current");
    // Migrated: ready.
    pingcha::storage::migrate::run_pending(&mut app.conn()).unwrap();
    let reply = app.client().get("/healthz").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["migrations"], "current");
    // A migration this binary does not know (a newer version migrated it): not ready.
    app.conn()
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')")
        .unwrap();
    let reply = app.client().get("/healthz").await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
}

/// PostgreSQL only: a SQLite file cannot become unreachable under a running server (its open
/// connections keep the file).
#[actix_rt::test]
async fn health_fails_when_the_database_is_unreachable() {
    if crate::helpers::backend() != crate::helpers::Backend::Postgres {
        return;
    }
    let app = spawn_app().await;
    assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    let name = crate::helpers::database_name(app.database_url());
    let mut pg = <diesel::PgConnection as diesel::Connection>::establish(
        &crate::helpers::postgres_admin_url(),
    )
    .unwrap();
    // No new connections, the existing ones cut.
    pg.batch_execute(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .unwrap();
    let reply = app.client().get("/healthz").await;
    pg.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .unwrap();
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["database"], "unreachable");
}
