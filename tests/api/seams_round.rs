//! A real quarter's seams (issue #25): a finding withdrawn by objection is closed everywhere,
//! overdue is one rule on every page for manager and administrator (and told once), and
//! entering 反馈整改 with unfinished files needs an explicit confirmation.

use crate::helpers::spawn_app;
use crate::objections::{api, fed_back_round, findings_of, issue_notice};
use crate::round_documents::{advance, publish};
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{self, schema};
use serde_json::json;

#[actix_rt::test]
async fn a_withdrawn_finding_is_closed_and_does_not_block_the_report() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let findings = findings_of(&app, &round, "XQ");
    assert!(findings.len() >= 2, "XQ needs two deductions");
    let notice = issue_notice(&app, &round, "XQ");
    let withdrawn = findings[0].finding.id.to_string();
    let mut manager = app.login_as("manager").await;
    let page = manager.get(&format!("/notices/{notice}")).await;
    assert!(
        page.body
            .contains(&format!("问题清单（{} 项）", findings.len())),
        "{}",
        page.body
    );
    let filed = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": withdrawn, "reason": "卷内第7页有相关材料" }),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let objection = filed.json()["id"].as_str().unwrap().to_string();
    let mut admin = app.login_as("admin").await;
    let decided = api(
        &mut admin,
        &format!("/api/objections/{objection}/decide"),
        json!({ "decision": "withdrawn", "reason": "材料齐全" }),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);

    // Its page says it was withdrawn, by which decision, and asks for nothing.
    let page = manager.get(&format!("/findings/{withdrawn}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("本项问题已经异议复核撤销"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("href=\"/objections/{objection}\""))
    );
    assert!(!page.body.contains("/measures\""), "{}", page.body);
    assert!(!page.body.contains("上传佐证材料"));
    assert!(!page.body.contains("提交本项整改"));
    let refused = manager
        .post_form(
            &format!("/findings/{withdrawn}/measures"),
            &[("text", "已补正")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("已经异议复核撤销"),
        "{}",
        refused.body
    );

    // The notice counts only what is left; the list still shows it, marked.
    let page = manager.get(&format!("/notices/{notice}")).await;
    assert!(
        page.body
            .contains(&format!("问题清单（{} 项）", findings.len() - 1)),
        "{}",
        page.body
    );
    assert!(page.body.contains("已撤销（异议复核）"));

    // The other findings done, the report goes through: the withdrawn one does not block it.
    for stored in &findings[1..] {
        let finding = stored.finding.id;
        let reply = manager
            .post_form(
                &format!("/findings/{finding}/measures"),
                &[("text", "已补充会见笔录并重新装订归档")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let reply = manager
            .post_form(&format!("/findings/{finding}/submit"), &[])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    let reply = manager
        .post_form(
            &format!("/notices/{notice}/report"),
            &[("text", "我中心已对照问题清单逐项整改完毕。")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Counts leave it out: the round's typical problems and the unit's findings.
    assert_eq!(
        findings_of(&app, &round, "XQ").len(),
        findings.len() - 1,
        "closed findings are not listed for counting"
    );
}

/// Sets the notice's deadline `days` days before today.
fn overdue_by(app: &crate::helpers::TestApp, notice: &str, days: i64) {
    let mut conn = app.conn();
    let past = storage::today() - chrono::Duration::days(days);
    diesel::update(
        schema::rectification_notices::table.filter(schema::rectification_notices::id.eq(notice)),
    )
    .set(schema::rectification_notices::deadline.eq(past))
    .execute(&mut *conn)
    .unwrap();
}

fn overdue_notifications(app: &crate::helpers::TestApp, notice: &str) -> i64 {
    let mut conn = app.conn();
    schema::notifications::table
        .filter(schema::notifications::kind.eq("overdue"))
        .filter(schema::notifications::notice_id.eq(notice))
        .count()
        .get_result(&mut *conn)
        .unwrap()
}

#[actix_rt::test]
async fn overdue_is_one_fact_on_every_page_for_manager_and_administrator() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let findings = findings_of(&app, &round, "XQ");
    let notice = issue_notice(&app, &round, "XQ");
    overdue_by(&app, &notice, 10);
    let mut manager = app.login_as("manager").await;
    let mut admin = app.login_as("admin").await;
    for client in [&mut manager, &mut admin] {
        let finding_page = client
            .get(&format!("/findings/{}", findings[0].finding.id))
            .await;
        assert!(
            finding_page.body.contains("已逾期 10 天"),
            "{}",
            finding_page.body
        );
        let notice_page = client.get(&format!("/notices/{notice}")).await;
        assert!(notice_page.body.contains("已逾期 10 天"));
        let list = client.get("/notices").await;
        assert!(list.body.contains("已逾期 10 天"), "{}", list.body);
        let messages = client.get("/notifications").await;
        assert!(messages.body.contains("已逾期 10 天"), "{}", messages.body);
        assert!(
            messages.body.contains("已逾期：整改期限为"),
            "{}",
            messages.body
        );
    }
    let home = manager.get("/").await;
    assert!(home.body.contains("其中 1 份已逾期"), "{}", home.body);
    // Told once, however often the pages are read.
    manager.get("/notifications").await;
    admin.get("/").await;
    let managers_and_admins = {
        let mut conn = app.conn();
        schema::users::table
            .filter(
                schema::users::role
                    .eq("bureau_admin")
                    .or(schema::users::role
                        .eq("center_manager")
                        .and(schema::users::unit_id.eq(app.unit_id("XQ")))),
            )
            .filter(schema::users::active.eq(true))
            .count()
            .get_result::<i64>(&mut *conn)
            .unwrap()
    };
    assert_eq!(overdue_notifications(&app, &notice), managers_and_admins);

    // An open objection on one finding stops the whole notice's clock: no page says overdue.
    let filed = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": findings[0].finding.id.to_string(), "reason": "卷内第7页有相关材料" }),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    for client in [&mut manager, &mut admin] {
        let notice_page = client.get(&format!("/notices/{notice}")).await;
        assert!(!notice_page.body.contains("已逾期"), "{}", notice_page.body);
        let finding_page = client
            .get(&format!("/findings/{}", findings[1].finding.id))
            .await;
        assert!(
            !finding_page.body.contains("已逾期"),
            "{}",
            finding_page.body
        );
        let list = client.get("/notices").await;
        assert!(!list.body.contains("已逾期"));
    }
}

#[actix_rt::test]
async fn entering_feedback_with_unfinished_files_needs_a_confirmation() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    publish(&app, &round);
    advance(&app, &round, RoundStatus::Reviewing);
    let unfinished = {
        let mut conn = app.conn();
        storage::results::finals(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap()
            .iter()
            .filter(|file| file.result.is_none())
            .count()
    };
    assert!(unfinished > 0);
    let mut admin = app.login_as("admin").await;
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(
        page.body.contains(&format!(
            "尚有 <strong>{unfinished}</strong> 份案卷未评完或未合议"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="confirm" value="yes" required"#));

    // Without the confirmation: refused, naming the count; nothing changes.
    let token = admin.csrf_token().await;
    let refused = admin
        .post_json(
            &format!("/api/rounds/{round}/status"),
            &json!({ "status": "feedback" }),
            Some(&token),
        )
        .await;
    // The one confirmation of every irreversible step (web::confirm) refuses it.
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let form = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "feedback")],
        )
        .await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST);
    let status = {
        let mut conn = app.conn();
        storage::rounds::find(&mut conn, round.parse().unwrap())
            .unwrap()
            .status
    };
    assert_eq!(status, RoundStatus::Reviewing);

    // Confirmed: it moves.
    let moved = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "feedback"), ("confirm", "on")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
}

#[actix_rt::test]
async fn caseload_is_counted_as_of_the_round_beside_the_time_elapsed() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let xq = app.unit_id("XQ");
    let closed_by_period_end = |app: &crate::helpers::TestApp| -> i64 {
        let mut conn = app.conn();
        schema::case_files::table
            .filter(schema::case_files::unit_id.eq(&xq))
            .filter(schema::case_files::closed_at.between(
                chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2025, 9, 30).unwrap(),
            ))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    {
        let mut conn = app.conn();
        diesel::insert_into(schema::unit_targets::table)
            .values((
                schema::unit_targets::unit_id.eq(&xq),
                schema::unit_targets::year.eq(2025),
                schema::unit_targets::case_target.eq(40),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    let before = closed_by_period_end(&app);
    assert!(before > 1);
    // A case of the unit closed after the round's period (a later registry): not counted.
    {
        let mut conn = app.conn();
        let one: String = schema::case_files::table
            .filter(schema::case_files::unit_id.eq(&xq))
            .select(schema::case_files::id)
            .first(&mut *conn)
            .unwrap();
        diesel::update(schema::case_files::table.filter(schema::case_files::id.eq(one)))
            .set(
                schema::case_files::closed_at
                    .eq(chrono::NaiveDate::from_ymd_opt(2025, 11, 3).unwrap()),
            )
            .execute(&mut *conn)
            .unwrap();
    }
    let counted = closed_by_period_end(&app);
    assert_eq!(counted, before - 1);
    let mut leader = app.login_as("leader").await;
    let summary = leader
        .get(&format!("/api/rounds/{round}/summary"))
        .await
        .json();
    assert_eq!(summary["caseload_as_of"], "2025-09-30");
    let row = summary["caseload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["unit_name"] == "兴庆区法律援助中心")
        .unwrap()
        .clone();
    assert_eq!(row["cases"], counted, "{row}");
    assert_eq!(row["target"], 40);
    assert_eq!(row["time_progress_permille"], 748, "273 of 365 days");
    let page = leader.get(&format!("/rounds/{round}/summary")).await;
    assert!(page.body.contains("截至2025-09-30结案数"), "{}", page.body);
    assert!(page.body.contains("时间进度(%)"));
    assert!(page.body.contains("74.8%"));

    // The leadership bulletin has the part, with the same figures.
    let mut admin = app.login_as("admin").await;
    let (status, pdf) = admin
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = crate::documents::compact_text(&pdf);
    assert!(text.contains("办案任务完成情况"), "{text}");
    assert!(text.contains("截至2025年9月30日"), "{text}");
    assert!(text.contains("时间进度74.8%"), "{text}");
}
