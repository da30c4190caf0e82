//! `pingcha backup` and `pingcha restore`: a demo database copied while the server runs,
//! restored elsewhere and compared table by table, row by row; restores that must be refused.

use crate::cli::pingcha;
use crate::helpers::{Backend, backend, spawn_empty_app};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .n
}

fn tables(conn: &mut SqliteConnection, schema: &str) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        sql: String,
    }
    diesel::sql_query(format!(
        "SELECT name, sql FROM {schema}.sqlite_master WHERE type IN ('table', 'index') \
         AND sql IS NOT NULL ORDER BY name"
    ))
    .load::<Table>(conn)
    .unwrap()
    .into_iter()
    .map(|table| (table.name, table.sql))
    .collect()
}

/// Asserts that two SQLite files hold the same schema and the same rows in every table;
/// returns (tables, rows) compared.
fn assert_same_database(original: &str, copy: &str) -> (usize, i64) {
    let mut conn = SqliteConnection::establish(original).unwrap();
    conn.batch_execute(&format!("ATTACH DATABASE '{copy}' AS copy"))
        .unwrap();
    let schema = tables(&mut conn, "main");
    assert_eq!(schema, tables(&mut conn, "copy"), "schemas differ");
    let names: Vec<String> = diesel::sql_query(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name",
    )
    .load::<Name>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|row| row.name)
    .collect();
    let mut rows = 0;
    for table in &names {
        let here = count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM main.\"{table}\""),
        );
        let there = count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM copy.\"{table}\""),
        );
        assert_eq!(here, there, "{table}: row counts differ");
        for (left, right) in [("main", "copy"), ("copy", "main")] {
            let differing = count(
                &mut conn,
                &format!(
                    "SELECT COUNT(*) AS n FROM (SELECT * FROM {left}.\"{table}\" \
                     EXCEPT SELECT * FROM {right}.\"{table}\")"
                ),
            );
            assert_eq!(differing, 0, "{table}: rows in {left} missing from {right}");
        }
        rows += here;
    }
    (names.len(), rows)
}

#[actix_rt::test]
async fn a_demo_database_backed_up_while_serving_restores_identically() {
    let app = spawn_empty_app().await;
    pingcha::demo::load(&mut app.conn()).unwrap();
    // Some traffic: sessions, login attempts and audit rows, left in the write-ahead log
    // (the pool keeps its connections open, so nothing is checkpointed yet).
    let mut admin = app.login_as("admin").await;
    assert_eq!(admin.get("/rounds").await.status, 200);
    let _ = app.login_as("manager").await;

    if backend() == Backend::Postgres {
        let (ok, _, stderr) = pingcha(
            &["--database-url", app.database_url(), "backup", "/tmp/x"],
            None,
        );
        assert!(!ok);
        assert!(stderr.contains("pg_dump"), "{stderr}");
        let (ok, _, stderr) = pingcha(
            &["--database-url", app.database_url(), "restore", "/tmp/x"],
            None,
        );
        assert!(!ok);
        assert!(stderr.contains("pg_restore"), "{stderr}");
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("备份 it's.sqlite3").display().to_string();
    let (ok, stdout, stderr) = pingcha(
        &["--database-url", app.database_url(), "backup", &backup],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("已备份到"), "{stdout}");
    // The server keeps working after the backup.
    assert_eq!(admin.get("/rounds").await.status, 200);

    // A second backup to the same file is refused rather than overwriting it.
    let (ok, _, stderr) = pingcha(
        &["--database-url", app.database_url(), "backup", &backup],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("已存在"), "{stderr}");

    let restored = dir.path().join("restored.sqlite3").display().to_string();
    let (ok, stdout, stderr) = pingcha(&["--database-url", &restored, "restore", &backup], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("已从"), "{stdout}");

    // Compare after the server's last write: nothing happened since the backup.
    let (tables, rows) = assert_same_database(app.database_url(), &restored);
    assert!(tables >= 25, "{tables} tables");
    assert!(rows > 200, "{rows} rows");
    for table in [
        "users",
        "sessions",
        "audit_log",
        "case_files",
        "rubric_snapshots",
    ] {
        let mut conn = SqliteConnection::establish(&restored).unwrap();
        assert!(
            count(&mut conn, &format!("SELECT COUNT(*) AS n FROM {table}")) > 0,
            "{table} is empty in the demo copy"
        );
    }

    // The restored database serves: the admin signs in against it.
    let restored_pool =
        pingcha::storage::connect(&pingcha::storage::DatabaseUrl::parse(&restored).unwrap())
            .unwrap();
    let user =
        pingcha::storage::users::find_by_login(&mut restored_pool.get().unwrap(), "admin").unwrap();
    assert!(user.is_some());
    drop(restored_pool);

    // A target holding data is only replaced with --force, and then matches the backup.
    let (ok, _, stderr) = pingcha(&["--database-url", &restored, "restore", &backup], None);
    assert!(!ok);
    assert!(stderr.contains("--force"), "{stderr}");
    let (ok, _, stderr) = pingcha(
        &["--database-url", &restored, "restore", "--force", &backup],
        None,
    );
    assert!(ok, "{stderr}");
    assert_same_database(&backup, &restored);
}

#[test]
fn restore_refuses_files_that_are_not_complete_pingcha_databases() {
    if backend() == Backend::Postgres {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let target = path("target.sqlite3");

    std::fs::write(path("junk.sqlite3"), b"not a database at all").unwrap();
    let mut other = SqliteConnection::establish(&path("other.sqlite3")).unwrap();
    other
        .batch_execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        .unwrap();
    drop(other);
    // A Pingcha database missing its newest migration.
    let (ok, _, stderr) = pingcha(&["--database-url", &path("old.sqlite3"), "migrate"], None);
    assert!(ok, "{stderr}");
    let mut old = SqliteConnection::establish(&path("old.sqlite3")).unwrap();
    old.batch_execute(
        "DELETE FROM __diesel_schema_migrations WHERE version = \
         (SELECT MAX(version) FROM __diesel_schema_migrations)",
    )
    .unwrap();
    drop(old);
    // And one from a newer version.
    let (ok, _, stderr) = pingcha(&["--database-url", &path("new.sqlite3"), "migrate"], None);
    assert!(ok, "{stderr}");
    let mut new = SqliteConnection::establish(&path("new.sqlite3")).unwrap();
    new.batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')")
        .unwrap();
    drop(new);

    for (file, expected) in [
        ("missing.sqlite3", "不存在"),
        ("junk.sqlite3", "不是 SQLite 数据库文件"),
        ("other.sqlite3", "不是评查系统的数据库"),
        ("old.sqlite3", "缺少数据库迁移"),
        ("new.sqlite3", "不认识的迁移 29991231000001"),
    ] {
        let (ok, stdout, stderr) =
            pingcha(&["--database-url", &target, "restore", &path(file)], None);
        assert!(!ok, "{file}: {stdout}");
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
        assert!(
            !std::path::Path::new(&target).exists(),
            "{file}: target created"
        );
    }
}

#[test]
fn restore_refuses_while_a_server_has_the_database_open() {
    if backend() == Backend::Postgres {
        // `pingcha restore` is for SQLite only; PostgreSQL is restored with pg_restore (the
        // refusal is tested in a_demo_database_backed_up_while_serving_restores_identically).
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.sqlite3").display().to_string();
    let backup = dir.path().join("backup.sqlite3").display().to_string();
    let (ok, _, stderr) = pingcha(&["--database-url", &live, "migrate"], None);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = pingcha(&["--database-url", &live, "backup", &backup], None);
    assert!(ok, "{stderr}");

    let mut server = crate::servers::serve(&live);
    let pid = server.pid();
    let (ok, stdout, stderr) = pingcha(
        &["--database-url", &live, "restore", "--force", &backup],
        None,
    );
    assert!(!ok, "refused while serving: {stdout}");
    assert!(
        stderr.contains("正被运行中的 pingcha serve 使用"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("进程 {pid}")), "{stderr}");
    assert!(
        stderr.contains(".serving-"),
        "names the lock file: {stderr}"
    );
    // The server was left alone and still answers.
    let reply = reqwest_like_get(&format!("{}/login", server.address));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    // Once the server has stopped (even killed outright), the restore goes ahead.
    server.kill_now();
    let (ok, stdout, stderr) = pingcha(
        &["--database-url", &live, "restore", "--force", &backup],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("已从"), "{stdout}");
}

/// A plain HTTP GET over a socket: the status line and headers.
fn reqwest_like_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply
}
