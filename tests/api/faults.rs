//! Faults: the binary killed with SIGKILL in the middle of a large registry import (nothing
//! half-imported, the database intact, the import re-runs whole), and PostgreSQL refusing
//! connections while serving (a clear 503 page, then recovery without a restart).

use crate::helpers::{Backend, Client, backend, spawn_app};
use awc::http::StatusCode;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn case_count(app: &crate::helpers::TestApp) -> i64 {
    pingcha::storage::schema::case_files::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// True while another connection holds the write transaction of an import.
fn import_is_writing(url: &str) -> bool {
    match backend() {
        Backend::Sqlite => {
            let mut conn = diesel::SqliteConnection::establish(url).unwrap();
            conn.batch_execute("PRAGMA busy_timeout = 0").unwrap();
            match conn.batch_execute("BEGIN IMMEDIATE; ROLLBACK;") {
                Ok(()) => false,
                Err(error) => error.to_string().contains("locked"),
            }
        }
        Backend::Postgres => {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = diesel::PgConnection::establish(url).unwrap();
            diesel::sql_query(
                "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE c.relname = 'case_files' AND l.mode = 'RowExclusiveLock' \
                 AND l.pid <> pg_backend_pid()",
            )
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n > 0
        }
    }
}

#[actix_rt::test]
async fn an_import_killed_while_writing_leaves_nothing_half_imported() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let round = crate::rounds::create_round(&app, &mut admin, "中断导入").await;
    let rows = 15_000;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("大台账.xlsx");
    std::fs::write(
        &file,
        pingcha::import::synthetic::registry_xlsx(rows, 11).unwrap(),
    )
    .unwrap();
    let import = || {
        Command::new(env!("CARGO_BIN_EXE_pingcha"))
            .args(["import", "cases", "--round", &round])
            .arg(&file)
            .env("DATABASE_URL", app.database_url())
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = import();
    let started = Instant::now();
    while !import_is_writing(app.database_url()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed: make the file larger"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "import never wrote"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still importing when killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_after = started.elapsed();

    assert_eq!(case_count(&app), 0, "no half-imported registry");
    if backend() == Backend::Sqlite {
        let mut conn = diesel::SqliteConnection::establish(app.database_url()).unwrap();
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            quick_check: String,
        }
        let check: Check = diesel::sql_query("PRAGMA quick_check")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(check.quick_check, "ok");
    }
    // The server kept serving, and the same import runs whole afterwards.
    // (A new client: the old one's idle keep-alive connection may have been closed meanwhile.)
    let mut admin = app.login_as("admin").await;
    assert_eq!(admin.get("/rounds").await.status, StatusCode::OK);
    let output = import().wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(case_count(&app), rows as i64);
    eprintln!("import of {rows} rows killed after {killed_after:?}");
}

/// GET with a long timeout (the pool waits up to 5 s for a connection before answering 503).
async fn get_slowly(client: &Client, base: &str, path: &str) -> (StatusCode, String) {
    let cookies: Vec<String> = client
        .cookies
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut response = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(30))
        .finish()
        .get(format!("{base}{path}"))
        .insert_header(("cookie", cookies.join("; ")))
        .send()
        .await
        .expect("the server answers even without its database");
    let body = response.body().await.unwrap();
    (
        response.status(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[actix_rt::test]
async fn postgres_refusing_connections_gives_503_and_the_server_recovers_by_itself() {
    if backend() != Backend::Postgres {
        return;
    }
    let app = spawn_app().await;
    let server = crate::servers::serve(app.database_url());
    let mut admin = Client::new(&server.address);
    assert_eq!(
        admin
            .login("admin", crate::helpers::DEMO_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let name = crate::helpers::database_name(app.database_url());
    let admin_url = crate::helpers::postgres_admin_url();
    let mut pg = diesel::PgConnection::establish(&admin_url).unwrap();
    // "Database gone" without stopping the shared server: no new connections, existing
    // ones terminated.
    pg.batch_execute(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    ))
    .unwrap();
    let (status, body) = get_slowly(&admin, &server.address, "/rounds").await;
    let (api_status, _) = get_slowly(&admin, &server.address, "/api/me").await;
    // Let connections in again before asserting, so a failure never leaves the database shut.
    pg.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("服务暂不可用"), "{body}");
    assert_eq!(api_status, StatusCode::SERVICE_UNAVAILABLE);

    // Recovery without a restart: the same session works again within a few seconds.
    let started = Instant::now();
    loop {
        let (status, _) = get_slowly(&admin, &server.address, "/rounds").await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still {status} after the database returned"
        );
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "recovered {:?} after connections were allowed again",
        started.elapsed()
    );
}

/// A burst of submissions against `pingcha serve`, and the process SIGKILLed while it is under
/// way: after a restart every submission the server answered as accepted is stored, exactly
/// once and complete; every other sheet is still the untouched draft.
#[actix_rt::test]
async fn a_server_killed_during_a_burst_of_submissions_loses_no_accepted_sheet() {
    use pingcha::domain::scoring::sheet::SheetStatus;
    use std::cell::Cell;
    use std::rc::Rc;
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let (_, assignment) = crate::round_documents::publish(&app, &round);
    crate::round_documents::advance(&app, &round, pingcha::domain::round::RoundStatus::Reviewing);
    let mut server = crate::servers::serve(app.database_url());

    // One signed-in client per review, each with its sheet opened (a draft, version 1).
    let mut logins: std::collections::BTreeMap<pingcha::domain::ids::PersonId, Client> =
        Default::default();
    let mut work = Vec::new();
    for placement in assignment.placements.iter().take(30) {
        let person = placement.reviewers[0];
        if !logins.contains_key(&person) {
            let login = format!("burst{}", logins.len());
            let client = crate::helpers::login_for_person(&app, &login, person).await;
            logins.insert(person, client);
        }
        let mut client = Client::new(&server.address);
        client.cookies = logins[&person].cookies.clone();
        let path = format!("/rounds/{round}/files/{}/sheet", placement.file);
        let form = client.get(&path).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let token = client.csrf_token().await;
        work.push((client, path, token, placement.file, person));
    }
    let total = work.len();

    // A burst spread over about 90 ms (the server does the forms that arrive together as
    // one piece of work, so a burst sent at one instant is answered all at once); the
    // server is killed once a third have been answered.
    let answered = Rc::new(Cell::new(0usize));
    let killer = Rc::new(std::cell::RefCell::new(Some(&mut server)));
    let results = futures_util::future::join_all(work.into_iter().enumerate().map(
        |(index, (mut client, path, token, file, person))| {
            let answered = answered.clone();
            let killer = killer.clone();
            async move {
                actix_rt::time::sleep(Duration::from_millis(3 * index as u64)).await;
                let reply = client
                    .try_post_raw_form(
                        &path,
                        &[("csrf", &token), ("version", "1"), ("action", "submit")],
                    )
                    .await;
                answered.set(answered.get() + 1);
                if answered.get() == total / 3
                    && let Some(server) = killer.borrow_mut().take()
                {
                    server.kill_now();
                }
                (file, person, reply)
            }
        },
    ))
    .await;
    drop(killer);
    let accepted: Vec<_> = results
        .iter()
        .filter(|(_, _, reply)| matches!(reply, Some(status) if *status == StatusCode::SEE_OTHER))
        .collect();
    assert!(
        !accepted.is_empty(),
        "some submissions were answered before the kill"
    );
    assert!(accepted.len() < total, "the kill came during the burst");

    // Restarted: every accepted submission is there, once, with its audit entry.
    let restarted = crate::servers::serve(app.database_url());
    let health = Client::new(&restarted.address).get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    let mut conn = app.conn();
    for (file, person, reply) in &results {
        let sheet =
            pingcha::storage::sheets::find(&mut conn, round.parse().unwrap(), *file, *person)
                .unwrap()
                .expect("the opened sheet exists");
        let status = sheet.sheet.state.status();
        let submits: i64 = {
            use diesel::prelude::*;
            use pingcha::storage::schema::audit_log;
            audit_log::table
                .filter(audit_log::entity_id.eq(&sheet.id))
                .filter(audit_log::action.eq("submit"))
                .count()
                .get_result(&mut conn)
                .unwrap()
        };
        match reply {
            Some(code) if *code == StatusCode::SEE_OTHER => {
                assert_eq!(
                    status,
                    SheetStatus::Submitted,
                    "an accepted submission was lost"
                );
                assert_eq!(sheet.sheet.version, 2);
                assert!(sheet.submitted_at.is_some());
                assert_eq!(submits, 1, "audited exactly once");
            }
            _ => {
                // Cut off: either all of it is there or none of it.
                match status {
                    SheetStatus::Submitted => assert_eq!(submits, 1),
                    other => {
                        assert_eq!(other, SheetStatus::Draft);
                        assert_eq!(sheet.sheet.version, 1);
                        assert_eq!(submits, 0);
                    }
                }
            }
        }
    }
    eprintln!(
        "{} of {total} submissions accepted before the kill, all stored",
        accepted.len()
    );
}

/// A pooled PostgreSQL connection that has been idle for a while is tested before use
/// (a busy one is trusted for a second instead of paying a `SELECT 1` on every checkout): a
/// server that lost its connections while idle (database restarted, firewall timeout)
/// answers the next request normally, on a new connection.
#[actix_rt::test]
async fn postgres_connections_lost_while_idle_are_replaced_without_a_failed_request() {
    if backend() != Backend::Postgres {
        return;
    }
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    assert_eq!(admin.get("/rounds").await.status, StatusCode::OK);
    let name = crate::helpers::database_name(app.database_url());
    let admin_url = crate::helpers::postgres_admin_url();
    let mut pg = diesel::PgConnection::establish(&admin_url).unwrap();
    let terminated: Vec<bool> = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .load::<Terminated>(&mut pg)
    .unwrap()
    .into_iter()
    .map(|row| row.done)
    .collect();
    assert!(!terminated.is_empty() && terminated.iter().all(|done| *done));
    actix_rt::time::sleep(Duration::from_millis(1200)).await;
    for path in ["/rounds", "/", "/rounds"] {
        let reply = admin.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    }
}

#[derive(diesel::QueryableByName)]
struct Terminated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    done: bool,
}
