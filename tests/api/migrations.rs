//! Both migration folders: matching names, apply on an empty database, and every down
//! reverses its up exactly.

use crate::helpers::TestDb;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;
use pingcha::storage::{DbConn, migrate};

#[derive(diesel::QueryableByName, PartialEq, Eq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every table, column, index, trigger and function of the schema, as sorted text lines.
fn schema(conn: &mut DbConn) -> Vec<String> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE '__diesel%' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
        DbConn::Pg(_) => {
            "SELECT line FROM ( \
               SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
               UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations' \
               UNION ALL SELECT 'trigger ' || trigger_name || ' ' || event_manipulation FROM information_schema.triggers WHERE trigger_schema = 'public' \
               UNION ALL SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' \
               UNION ALL SELECT 'constraint ' || conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' \
             ) AS schema_lines ORDER BY 1"
        }
    };
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|line| line.line)
        .collect()
}

#[test]
fn every_migration_applies_and_its_down_reverses_its_up() {
    let db = TestDb::new();
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let sqlite = matches!(*conn, DbConn::Sqlite(_));
    let migrations = || {
        if sqlite {
            migrate::SQLITE
        } else {
            migrate::POSTGRES
        }
    };
    let total = conn.pending_migrations(migrations()).unwrap().len();
    assert!(total > 0);
    for _ in 0..total {
        let before = schema(&mut conn);
        conn.run_next_migration(migrations()).unwrap();
        let after = schema(&mut conn);
        assert_ne!(before, after, "a migration that changes nothing");
        conn.revert_last_migration(migrations()).unwrap();
        assert_eq!(schema(&mut conn), before, "down did not reverse up");
        conn.run_next_migration(migrations()).unwrap();
        assert_eq!(schema(&mut conn), after, "up is not repeatable after down");
    }
    assert!(conn.pending_migrations(migrations()).unwrap().is_empty());
    assert!(
        migrate::run_pending(&mut conn).unwrap().is_empty(),
        "nothing left to apply"
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    for name in names("sqlite") {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{backend}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).exists(), "{path} missing");
            }
        }
    }
}

#[test]
fn the_audit_log_refuses_updates_and_deletes() {
    let db = TestDb::new();
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    migrate::run_pending(&mut conn).unwrap();
    pingcha::demo::load(&mut conn).unwrap();
    use diesel::connection::SimpleConnection;
    assert!(
        conn.batch_execute("UPDATE audit_log SET actor_login = 'someone-else'")
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM audit_log").is_err());
}

#[actix_rt::test]
async fn server_keys_are_made_once_per_purpose_and_shared_by_every_connection() {
    use pingcha::storage::server_keys::{Purpose, key};
    let db = crate::helpers::spawn_empty_app().await;
    let now = chrono::Utc::now().naive_utc();
    let mut first = db.conn();
    let mut second = db.conn();
    let packets = key(&mut first, Purpose::OfflinePackets, now).unwrap();
    assert_eq!(
        key(&mut second, Purpose::OfflinePackets, now).unwrap(),
        packets
    );
    let codes = key(&mut second, Purpose::DocumentCodes, now).unwrap();
    assert_ne!(codes, packets);
    assert_eq!(key(&mut first, Purpose::DocumentCodes, now).unwrap(), codes);
}
