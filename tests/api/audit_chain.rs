//! The tamper-evident audit log: `pingcha audit verify` passes on an untouched database and
//! names the first entry that does not match after someone with database access (who first
//! drops the triggers that forbid it) changes or deletes one row; entries written before the
//! chain existed are sealed in id order; concurrent appends never fork the chain.

use crate::cli::pingcha;
use crate::helpers::TestDb;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use pingcha::storage::audit::{self, Actor, Change, Fault};
use pingcha::storage::schema::audit_log;
use pingcha::storage::{DbConn, migrate};

fn demo_db() -> (TestDb, pingcha::storage::Pool) {
    let db = TestDb::new();
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    migrate::run_pending(&mut conn).unwrap();
    pingcha::demo::load(&mut conn).unwrap();
    (db, pool)
}

/// What an attacker with database access does first: drop the append-only triggers.
fn drop_guards(conn: &mut DbConn) {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
             DROP TRIGGER audit_log_seal_once;"
        }
        DbConn::Pg(_) => "DROP TRIGGER audit_log_no_change ON audit_log;",
    };
    conn.batch_execute(sql).unwrap();
}

fn ids(conn: &mut DbConn) -> Vec<i64> {
    audit_log::table
        .order(audit_log::seq.asc())
        .select(audit_log::id)
        .load(conn)
        .unwrap()
}

fn verify_cli(db: &TestDb) -> (bool, String, String) {
    pingcha(&["audit", "verify", "--database-url", &db.url], None)
}

#[test]
fn an_untouched_database_passes() {
    let (db, pool) = demo_db();
    let entries = ids(&mut pool.get().unwrap()).len();
    assert!(entries > 10, "the demo writes audit entries ({entries})");
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("审计日志完整：共 {entries} 条记录")),
        "{stdout}"
    );
    // Sealed columns cannot be rewritten while the triggers stand.
    let mut conn = pool.get().unwrap();
    assert!(
        conn.batch_execute("UPDATE audit_log SET entry_hash = 'x'")
            .is_err()
    );
    assert!(
        conn.batch_execute("UPDATE audit_log SET seq = seq + 1000")
            .is_err()
    );
}

#[test]
fn an_altered_entry_is_named() {
    let (db, pool) = demo_db();
    let mut conn = pool.get().unwrap();
    let all = ids(&mut conn);
    let target = all[all.len() / 2];
    drop_guards(&mut conn);
    conn.batch_execute(&format!(
        "UPDATE audit_log SET actor_login = 'mallory' WHERE id = {target}"
    ))
    .unwrap();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains(&format!("#{target}（")), "{stderr}");
    assert!(stderr.contains("已被改动"), "{stderr}");
    let broken = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap_err();
    assert_eq!((broken.id, broken.fault), (target, Fault::Altered));
}

#[test]
fn a_forged_entry_with_a_recomputed_hash_breaks_the_link_to_the_next() {
    let (_db, pool) = demo_db();
    let mut conn = pool.get().unwrap();
    let all = ids(&mut conn);
    let (target, next) = (all[3], all[4]);
    drop_guards(&mut conn);
    conn.batch_execute(&format!(
        "UPDATE audit_log SET actor_login = 'mallory' WHERE id = {target}"
    ))
    .unwrap();
    let forged: audit::Entry = audit_log::table.find(target).first(&mut conn).unwrap();
    let rehashed = forged.computed_hash().unwrap();
    diesel::update(audit_log::table.find(target))
        .set(audit_log::entry_hash.eq(&rehashed))
        .execute(&mut conn)
        .unwrap();
    let broken = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap_err();
    assert_eq!((broken.id, broken.fault), (next, Fault::BrokenLink));
}

#[test]
fn a_deleted_entry_names_the_row_after_the_gap() {
    let (db, pool) = demo_db();
    let mut conn = pool.get().unwrap();
    let all = ids(&mut conn);
    let (target, next) = (all[all.len() / 3], all[all.len() / 3 + 1]);
    drop_guards(&mut conn);
    conn.batch_execute(&format!("DELETE FROM audit_log WHERE id = {target}"))
        .unwrap();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains(&format!("#{next}（")), "{stderr}");
    assert!(stderr.contains("已被删除"), "{stderr}");
    // The very first entry deleted: the chain must start at 1.
    conn.batch_execute(&format!("DELETE FROM audit_log WHERE id = {}", all[0]))
        .unwrap();
    let broken = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap_err();
    assert_eq!(
        (broken.id, broken.fault),
        (all[1], Fault::MissingPredecessor)
    );
}

#[test]
fn entries_from_before_the_chain_are_sealed_in_id_order() {
    let db = TestDb::new();
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let pending = conn
        .pending_migrations(migrate::migrations_for(&conn))
        .unwrap()
        .len();
    for _ in 0..pending - 1 {
        conn.run_next_migration(migrate::migrations_for(&conn))
            .unwrap();
    }
    // More than two sealing batches (500 each), so that the chain runs on across them.
    let old = 1203;
    let values: Vec<String> = (1..=old)
        .map(|n| {
            format!("('2024-12-31 08:00:00.123456', 'cli', 'old.{n}', 'test', '{{\"a\":{n}}}')")
        })
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO audit_log (at, actor_login, action, entity_type, before_json) VALUES {}",
        values.join(", ")
    ))
    .unwrap();
    migrate::run_pending(&mut conn).unwrap();
    let sealed: Vec<(i64, Option<i64>, String)> = audit_log::table
        .order(audit_log::id.asc())
        .select((audit_log::id, audit_log::seq, audit_log::action))
        .load(&mut conn)
        .unwrap();
    let seqs: Vec<Option<i64>> = sealed.iter().map(|row| row.1).collect();
    assert_eq!(seqs, (1..=old).map(Some).collect::<Vec<_>>());
    assert_eq!(sealed[0].2, "old.1");
    assert_eq!(sealed[502].2, "old.503");
    audit::record(
        &mut conn,
        &Actor::cli(),
        Change {
            action: "new.one",
            entity_type: "test",
            entity_id: None,
            before: None,
            after: None,
        },
        pingcha::storage::now(),
    )
    .unwrap();
    let intact = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap();
    assert_eq!(intact.entries, old as u64 + 1);
}

/// Several sessions append at once (on PostgreSQL, really in parallel); the chain stays one
/// gapless line.
#[test]
fn concurrent_appends_keep_the_chain_valid() {
    let (db, pool) = demo_db();
    let before = ids(&mut pool.get().unwrap()).len();
    let (threads, each) = (6, 15);
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let pool = pool.clone();
            scope.spawn(move || {
                let mut conn = pool.get().unwrap();
                for index in 0..each {
                    pingcha::storage::transaction(&mut conn, |conn| {
                        // Some work before the entry, as a real write does.
                        let _ = audit::count(conn)?;
                        audit::record(
                            conn,
                            &Actor::cli(),
                            Change {
                                action: "test.concurrent",
                                entity_type: "test",
                                entity_id: Some(format!("{thread}-{index}")),
                                before: None,
                                after: Some(serde_json::json!({ "n": index })),
                            },
                            pingcha::storage::now(),
                        )
                    })
                    .unwrap();
                }
            });
        }
    });
    let mut conn = pool.get().unwrap();
    // Sealed as each transaction committed (PostgreSQL seals after the commit, in groups):
    // nothing is left for `verify` to seal.
    let waiting: i64 = audit_log::table
        .filter(audit_log::seq.is_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(waiting, 0, "entries left unsealed after their commits");
    let intact = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap();
    assert_eq!(intact.entries as usize, before + threads * each);
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(ok, "{stdout}\n{stderr}");
}

/// A write that fails after recording its entry leaves no entry behind, and the next write's
/// entry takes the next place in the chain; an entry whose sealing was cut short (here
/// written unsealed by hand, as a lost connection after the commit would leave it) is sealed
/// by the next write, in id order.
#[test]
fn a_rolled_back_write_leaves_no_entry_and_late_entries_are_sealed() {
    let (_db, pool) = demo_db();
    let mut conn = pool.get().unwrap();
    let before = ids(&mut conn).len();
    let change = |action| Change {
        action,
        entity_type: "test",
        entity_id: None,
        before: None,
        after: None,
    };
    let failed: Result<(), pingcha::storage::Error> =
        pingcha::storage::transaction(&mut conn, |conn| {
            audit::record(
                conn,
                &Actor::cli(),
                change("test.rolled_back"),
                pingcha::storage::now(),
            )?;
            Err(pingcha::storage::Error::NotFound)
        });
    assert!(failed.is_err());
    assert_eq!(
        ids(&mut conn).len(),
        before,
        "the failed write's entry is gone"
    );
    conn.batch_execute(
        "INSERT INTO audit_log (at, actor_login, action, entity_type) \
         VALUES ('2025-03-01 08:00:00.000001', 'cli', 'test.late', 'test')",
    )
    .unwrap();
    audit::record(
        &mut conn,
        &Actor::cli(),
        change("test.next"),
        pingcha::storage::now(),
    )
    .unwrap();
    let tail: Vec<(Option<i64>, String)> = audit_log::table
        .order(audit_log::id.desc())
        .limit(2)
        .select((audit_log::seq, audit_log::action))
        .load(&mut conn)
        .unwrap();
    let last = i64::try_from(before).unwrap();
    assert_eq!(
        tail,
        vec![
            (Some(last + 2), "test.next".to_string()),
            (Some(last + 1), "test.late".to_string()),
        ]
    );
    let intact = audit::verify(&mut conn, &mut |_| {}).unwrap().unwrap();
    assert_eq!(intact.entries as usize, before + 2);
}

#[actix_rt::test]
async fn the_audit_page_checks_the_chain_on_request() {
    let app = crate::helpers::spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let page = admin.get("/admin/audit?verify=1").await;
    assert_eq!(page.status, awc::http::StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("审计日志完整"), "{}", page.body);
    let target = {
        let mut conn = app.conn();
        let all = ids(&mut conn);
        drop_guards(&mut conn);
        let target = all[all.len() / 2];
        conn.batch_execute(&format!(
            "UPDATE audit_log SET after_json = '{{}}' WHERE id = {target}"
        ))
        .unwrap();
        target
    };
    let page = admin.get("/admin/audit?verify=1").await;
    assert!(page.body.contains("审计日志校验未通过"), "{}", page.body);
    assert!(page.body.contains(&format!("#{target}（")), "{}", page.body);
    // Without asking, no check is made.
    assert!(!admin.get("/admin/audit").await.body.contains("校验未通过"));
}

/// On PostgreSQL a request commits its audit entries unsealed and the server's sealer gives
/// them their place just after; nothing here asks for a check (which would seal them too).
#[actix_rt::test]
async fn entries_written_through_the_server_are_sealed_without_being_asked() {
    let app = crate::helpers::spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let before = ids(&mut app.conn()).len();
    for n in 0..3 {
        let login = format!("sealed-{n}");
        let reply = admin
            .post_form(
                "/admin/users",
                &[
                    ("login", login.as_str()),
                    ("display_name", "审计测试"),
                    ("role", "leader"),
                    ("password", "a-long-enough-password"),
                ],
            )
            .await;
        assert_eq!(
            reply.status,
            awc::http::StatusCode::SEE_OTHER,
            "{}",
            reply.body
        );
    }
    let started = std::time::Instant::now();
    loop {
        let mut conn = app.conn();
        let unsealed: i64 = audit_log::table
            .filter(audit_log::seq.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        let entries = ids(&mut conn).len();
        if unsealed == 0 {
            assert!(entries >= before + 3, "{entries} entries, {before} before");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{unsealed} entries still unsealed"
        );
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The demo with its two past quarters: score sheets saved, findings generated, notices
/// issued and worked on, all through the application.
fn history_db() -> (TestDb, pingcha::storage::Pool) {
    let (db, pool) = demo_db();
    let mut conn = pool.get().unwrap();
    pingcha::app::rubrics::install_dir(&mut conn, &crate::helpers::rubrics_dir()).unwrap();
    let history = pingcha::demo::history::load(&mut conn).unwrap();
    drop(conn);
    assert!(history.sheets > 0 && history.notices > 0, "{history:?}");
    (db, pool)
}

fn first_id(conn: &mut DbConn, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    diesel::sql_query(sql).get_result::<Id>(conn).unwrap().id
}

#[test]
fn a_database_written_through_the_application_verifies_clean() {
    let (db, _pool) = history_db();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("审计日志完整"), "{stdout}");
    assert!(stdout.contains("链头："), "{stdout}");
}

#[test]
fn a_cut_off_tail_is_detected() {
    let (db, pool) = history_db();
    let mut conn = pool.get().unwrap();
    let last = ids(&mut conn).len() as i64;
    drop_guards(&mut conn);
    conn.batch_execute(&format!("DELETE FROM audit_log WHERE seq > {}", last - 3))
        .unwrap();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "审计日志末尾被截断：链头记录（audit_head）记录的链头为第 {last} 条，而日志现存最后一条为第 {} 条",
            last - 3
        )),
        "{stderr}"
    );
}

#[test]
fn a_cut_off_tail_with_a_forged_head_record_is_caught_by_a_head_noted_elsewhere() {
    let (db, pool) = history_db();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(ok, "{stderr}");
    let noted = stdout
        .lines()
        .find_map(|line| line.strip_prefix("链头："))
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .to_string();
    let mut conn = pool.get().unwrap();
    let last = ids(&mut conn).len() as i64;
    drop_guards(&mut conn);
    // The attacker cuts the tail and moves the head record back to match.
    conn.batch_execute(&format!(
        "DELETE FROM audit_log WHERE seq > {cut}; \
         UPDATE audit_head SET seq = {cut}, entry_hash = \
           (SELECT entry_hash FROM audit_log WHERE seq = {cut})",
        cut = last - 2
    ))
    .unwrap();
    let (ok, stdout, stderr) = pingcha(
        &[
            "audit",
            "verify",
            "--head",
            &noted,
            "--database-url",
            &db.url,
        ],
        None,
    );
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "您提供的链头（--head）记录的链头为第 {last} 条，而日志现存最后一条为第 {} 条",
            last - 2
        )),
        "{stderr}"
    );
}

#[test]
fn a_score_sheet_changed_in_the_database_is_named() {
    let (db, pool) = history_db();
    let mut conn = pool.get().unwrap();
    let total = first_id(
        &mut conn,
        "SELECT id FROM score_sheets WHERE state = 'submitted' ORDER BY id LIMIT 1",
    );
    let answers = first_id(
        &mut conn,
        "SELECT id FROM score_sheets WHERE state = 'submitted' ORDER BY id DESC LIMIT 1",
    );
    assert_ne!(total, answers);
    conn.batch_execute(&format!(
        "UPDATE score_sheets SET total_tenths = total_tenths + 50 WHERE id = '{total}'; \
         UPDATE score_sheets SET answers_json = '{{\"items\":[],\"vetoes\":[]}}' WHERE id = '{answers}'"
    ))
    .unwrap();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(!ok, "{stdout}");
    for id in [&total, &answers] {
        assert!(
            stderr.contains(&format!(
                "评分表 {id} 的内容与其最后一条审计记录所记的摘要不符"
            )),
            "{stderr}"
        );
    }
    assert!(stderr.contains("共发现 2 处问题"), "{stderr}");
}

#[test]
fn a_finding_and_a_notice_changed_in_the_database_are_named() {
    let (db, pool) = history_db();
    let mut conn = pool.get().unwrap();
    let finding = first_id(&mut conn, "SELECT id FROM findings ORDER BY id LIMIT 1");
    let notice = first_id(
        &mut conn,
        "SELECT id FROM rectification_notices WHERE doc_number IS NOT NULL ORDER BY id LIMIT 1",
    );
    conn.batch_execute(&format!(
        "UPDATE findings SET points_tenths = 0 WHERE id = '{finding}'; \
         UPDATE rectification_notices SET deadline = NULL WHERE id = '{notice}'"
    ))
    .unwrap();
    let (ok, stdout, stderr) = verify_cli(&db);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "问题 {finding} 的内容与其最后一条审计记录所记的摘要不符"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "整改通知书 {notice} 的内容与其最后一条审计记录所记的摘要不符"
        )),
        "{stderr}"
    );
    // A finding slipped in around the application is named as unrecorded.
    conn.batch_execute(&format!(
        "INSERT INTO findings (id, round_id, case_file_id, unit_id, item_code, item_text, \
         handler_name, law_firm_name, points_tenths, reason, page_ref, source, severity, \
         origin_key, state, measures, created_by, created_at, updated_at) \
         SELECT 'forged-finding', round_id, case_file_id, unit_id, item_code, item_text, \
         handler_name, law_firm_name, points_tenths, reason, page_ref, source, severity, NULL, \
         state, measures, created_by, created_at, updated_at FROM findings WHERE id = '{finding}'"
    ))
    .unwrap();
    let (ok, _, stderr) = verify_cli(&db);
    assert!(!ok);
    assert!(
        stderr.contains("问题 forged-finding 没有任何审计记录记载其内容"),
        "{stderr}"
    );
}
