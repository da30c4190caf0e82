//! Objections (异议) through HTTP: filed in time, refused late with the due date, each
//! decision, the changed score in the file's total and grade, the notice, the summary API and
//! regenerated PDFs; scope (another unit 403, reviewers and leadership cannot file); the audit
//! log. Borderline second review: files near a boundary and failing files get a second
//! reviewer from another unit, a file far from the boundaries does not.

use crate::documents::compact_text;
use crate::helpers::{Client, TestApp, spawn_app};
use crate::round_documents::{advance, publish, scored_round, submit_sheet};
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::domain::UnitScope;
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::{DeductionRule, Method, Points};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers, VetoAnswer};
use pingcha::storage::rectification::{self, FindingFilter, StoredFinding};
use pingcha::storage::{self, audit::Actor, schema};
use serde_json::json;

/// A round in 反馈整改 whose every file was scored (one fixed deduction on each file).
pub fn fed_back_round(app: &TestApp) -> String {
    let round = scored_round(app, false);
    advance(app, &round, RoundStatus::Feedback);
    round
}

/// A JSON post with the session's CSRF token.
pub async fn api(
    client: &mut Client,
    path: &str,
    body: serde_json::Value,
) -> crate::helpers::Reply {
    let token = client.csrf_token().await;
    client.post_json(path, &body, Some(&token)).await
}

pub fn findings_of(app: &TestApp, round: &str, unit_code: &str) -> Vec<StoredFinding> {
    let mut conn = app.conn();
    rectification::list_findings(
        &mut conn,
        UnitScope::Unit(app.unit_id(unit_code).parse().unwrap()),
        FindingFilter {
            round: Some(round.parse().unwrap()),
            ..Default::default()
        },
    )
    .unwrap()
}

fn file_total(app: &TestApp, round: &str, file: &str) -> (Option<Points>, String, bool) {
    let mut conn = app.conn();
    let results = storage::results::finals(&mut conn, round.parse().unwrap())
        .unwrap()
        .unwrap();
    let file = results
        .iter()
        .find(|entry| entry.file.to_string() == file)
        .unwrap();
    let result = file.result.as_ref().unwrap();
    (
        result.total,
        result.grade.name.clone(),
        result.before_objections.is_some(),
    )
}

fn audit_actions(app: &TestApp, entity: &str) -> Vec<String> {
    let mut conn = app.conn();
    schema::audit_log::table
        .filter(schema::audit_log::entity_id.eq(entity))
        .order(schema::audit_log::id.asc())
        .select(schema::audit_log::action)
        .load(&mut *conn)
        .unwrap()
}

/// Drafts the round's notices and issues the unit's with its findings on it; the notice id.
pub fn issue_notice(app: &TestApp, round: &str, unit_code: &str) -> String {
    let mut conn = app.conn();
    let actor = Actor::cli();
    let round_id = round.parse().unwrap();
    let record = storage::rounds::find(&mut conn, round_id).unwrap();
    rectification::draft_notices(&mut conn, &actor, &record, storage::now()).unwrap();
    let unit: pingcha::domain::ids::UnitId = app.unit_id(unit_code).parse().unwrap();
    let notice = rectification::notices(&mut conn, UnitScope::All, Some(round_id))
        .unwrap()
        .into_iter()
        .find(|notice| notice.unit_id == unit)
        .unwrap()
        .id;
    drop(conn);
    for finding in findings_of(app, round, unit_code) {
        let mut conn = app.conn();
        rectification::set_selected(
            &mut conn,
            &actor,
            notice,
            finding.finding.id,
            true,
            storage::now(),
        )
        .unwrap();
    }
    let mut conn = app.conn();
    let admin = storage::users::find_by_login(&mut conn, "admin")
        .unwrap()
        .unwrap()
        .0;
    let admin = rectification::Caller {
        actor: actor.clone(),
        account: admin,
        scope: UnitScope::All,
    };
    rectification::issue(
        &mut conn,
        &admin,
        notice,
        30,
        storage::today(),
        storage::now(),
    )
    .unwrap();
    notice.to_string()
}

#[actix_rt::test]
async fn a_unit_objects_and_the_panel_changes_upholds_and_withdraws() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let findings = findings_of(&app, &round, "XQ");
    assert!(findings.len() >= 3, "XQ needs three deductions");
    let (changed, upheld, withdrawn) = (&findings[0], &findings[1], &findings[2]);
    let notice = issue_notice(&app, &round, "XQ");
    let file = changed.finding.case_file_id.to_string();
    let (total_before, _, adjusted) = file_total(&app, &round, &file);
    assert!(!adjusted);

    // The manager sees the window and the unit's deductions.
    let mut manager = app.login_as("manager").await;
    let list = manager.get("/objections").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("还剩 5 个工作日"), "{}", list.body);
    assert!(list.body.contains(&changed.case_no));

    // Another unit's deduction: 403; reviewers and leadership may not file at all.
    let other = findings_of(&app, &round, "JF");
    let other_id = other[0].finding.id.to_string();
    let reply = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": other_id, "reason": "不同意" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    for login in ["reviewer", "leader", "admin"] {
        let mut client = app.login_as(login).await;
        let reply = api(
            &mut client,
            "/api/objections",
            json!({ "finding": changed.finding.id.to_string(), "reason": "x" }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{login}");
    }

    // Filed in time, three objections; a second on the same item is refused.
    let mut ids = Vec::new();
    for finding in [changed, upheld, withdrawn] {
        let reply = api(
            &mut manager,
            "/api/objections",
            json!({ "finding": finding.finding.id.to_string(), "reason": "卷内第7页有相关材料" }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        ids.push(reply.json()["id"].as_str().unwrap().to_string());
    }
    let again = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": changed.finding.id.to_string(), "reason": "再议" }),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已有待处理的异议"), "{}", again.body);

    // Under objection: marked on the manager's notice page and in the notice PDF.
    let page = manager.get(&format!("/notices/{notice}")).await;
    assert!(page.body.contains("异议处理中"), "{}", page.body);
    assert!(page.body.contains("异议期间整改期限暂停计算"));
    let (status, pdf) = manager.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(compact_text(&pdf).contains("异议处理中"));

    // The panel: a reviewer who does not lead the unit's team may not decide.
    let mut admin = app.login_as("admin").await;
    let queue = admin.get("/api/objections").await.json();
    assert_eq!(queue["objections"].as_array().unwrap().len(), 3);
    assert_eq!(queue["objections"][0]["age_days"], 0);
    let old: f64 = changed.finding.points_deducted.to_string().parse().unwrap();
    let new_points = format!("{:.1}", (old / 2.0 * 10.0).floor() / 10.0);
    let refused = api(
        &mut admin,
        &format!("/api/objections/{}/decide", ids[0]),
        json!({ "decision": "changed", "new_points": new_points, "reason": " " }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("请填写裁决理由"));
    let decided = api(
        &mut admin,
        &format!("/api/objections/{}/decide", ids[0]),
        json!({ "decision": "changed", "new_points": new_points, "reason": "材料部分齐全，酌减" }),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert_eq!(decided.json()["objection"]["state"], "changed");
    assert_eq!(
        decided.json()["objection"]["old_points"],
        changed.finding.points_deducted.to_string()
    );
    let upheld_reply = api(
        &mut admin,
        &format!("/api/objections/{}/decide", ids[1]),
        json!({ "decision": "upheld", "reason": "扣分有据" }),
    )
    .await;
    assert_eq!(upheld_reply.status, StatusCode::OK);
    let withdrawn_reply = api(
        &mut admin,
        &format!("/api/objections/{}/decide", ids[2]),
        json!({ "decision": "withdrawn", "reason": "材料齐全" }),
    )
    .await;
    assert_eq!(withdrawn_reply.status, StatusCode::OK);
    let twice = api(
        &mut admin,
        &format!("/api/objections/{}/decide", ids[2]),
        json!({ "decision": "upheld", "reason": "再议" }),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // The changed score flows: the file's total, the finding, the summary, the PDFs.
    let (total_after, _, adjusted) = file_total(&app, &round, &file);
    assert!(
        adjusted,
        "the result keeps the figures before the objection"
    );
    assert!(
        total_after > total_before,
        "{total_after:?} > {total_before:?}"
    );
    let total_text = total_after.unwrap().to_string();
    let finding_after = findings_of(&app, &round, "XQ")
        .into_iter()
        .find(|finding| finding.finding.id == changed.finding.id)
        .unwrap();
    assert_eq!(
        finding_after.finding.points_deducted.to_string(),
        new_points
    );
    let summary = admin
        .get(&format!("/api/rounds/{round}/summary"))
        .await
        .json();
    let row = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["file"] == file.as_str())
        .unwrap();
    assert_eq!(row["total_tenths"], total_after.unwrap().tenths(), "{row}");
    let (status, sheets_pdf) = manager
        .get_bytes(&format!("/rounds/{round}/files/{file}/sheets.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&sheets_pdf);
    assert!(text.contains(&total_text), "score sheet shows {total_text}");
    // Its deductions are the ones its total counts: the changed item's decided points.
    let decided_points = new_points.trim_end_matches(".0");
    let old_points = format!("{old}");
    assert!(
        text.contains(&format!("扣{decided_points}分")),
        "the sheet lists the decided points {decided_points}: {text}"
    );
    assert!(
        !text.contains(&format!("扣{}分", old_points.trim_end_matches(".0")))
            || old_points.trim_end_matches(".0") == decided_points,
        "the original points are gone: {text}"
    );
    let (_, report) = admin
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert!(!report.is_empty());
    // The notice stays as it was issued (an issued document is never made again from changed
    // data): it still says the objections were open; the decisions are on its page.
    let (_, notice_pdf) = manager.get_bytes(&format!("/notices/{notice}/pdf")).await;
    let notice_text = compact_text(&notice_pdf);
    assert!(notice_text.contains("异议处理中"), "{notice_text}");
    assert!(!notice_text.contains("已撤销"), "{notice_text}");
    let page = manager.get(&format!("/notices/{notice}")).await;
    assert!(page.body.contains("异议已裁决：变更"));
    assert!(page.body.contains("异议已裁决：撤销"));

    // The unit heard of each decision; the panel of each filing.
    let notes = manager.get("/api/notifications").await.body;
    assert!(notes.contains("异议已裁决"), "{notes}");
    let admin_notes = admin.get("/api/notifications").await.body;
    assert!(admin_notes.contains("提出异议"), "{admin_notes}");

    // Every step in the audit log.
    for id in &ids {
        assert_eq!(
            audit_actions(&app, id),
            vec!["objection.file".to_string(), "objection.decide".to_string()]
        );
    }
}

#[actix_rt::test]
async fn a_late_objection_is_refused_with_its_due_date() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let findings = findings_of(&app, &round, "XQ");
    // The round entered 反馈整改 three weeks ago (a Monday): 5 working days end a Monday.
    let fed_back = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap();
    {
        let mut conn = app.conn();
        diesel::update(
            schema::round_objection_settings::table
                .filter(schema::round_objection_settings::round_id.eq(&round)),
        )
        .set(schema::round_objection_settings::feedback_on.eq(Some(fed_back)))
        .execute(&mut *conn)
        .unwrap();
    }
    let mut manager = app.login_as("manager").await;
    let reply = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": findings[0].finding.id.to_string(), "reason": "迟到的异议" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("异议期限已过"), "{}", reply.body);
    assert!(reply.body.contains("2025-03-10"), "{}", reply.body);
    let list = manager.get("/objections").await;
    assert!(list.body.contains("已过期"));
    let mut conn = app.conn();
    let count: i64 = schema::objections::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(count, 0, "nothing stored");
}

#[actix_rt::test]
async fn borderline_and_failing_files_get_a_second_reviewer_from_another_unit() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let round_id: pingcha::domain::ids::RoundId = round.parse().unwrap();
    // The administrator turns the option on through the round page.
    let mut admin = app.login_as("admin").await;
    let csrf = admin.csrf_token().await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/objection-settings"),
            &[
                ("csrf", csrf.as_str()),
                ("objection_days", "5"),
                ("borderline_review", "on"),
                ("borderline_points", "3"),
                ("panel", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    publish(&app, &round);
    advance(&app, &round, RoundStatus::Reviewing);
    let mut conn = app.conn();
    let record = storage::rounds::find(&mut conn, round_id).unwrap();
    let version = storage::assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    let singles: Vec<_> = version
        .assignment
        .placements
        .iter()
        .filter(|placement| placement.reviewers.len() == 1)
        .take(3)
        .cloned()
        .collect();
    assert_eq!(singles.len(), 3);
    let mut outcomes = Vec::new();
    for (index, placement) in singles.iter().enumerate() {
        let case_type = version.problem.file(placement.file).unwrap().case_type;
        let hash = record.settings.rubrics[&case_type].clone();
        let rubric = storage::rubrics::load(&mut conn, &hash).unwrap();
        let Method::Deduction(scheme) = rubric.method() else {
            panic!("deduction rubric expected")
        };
        let mut answers = SheetAnswers::default();
        match index {
            // Near 90: fixed deductions until the total is at most 92.
            0 => {
                let mut total = Points::HUNDRED;
                for item in scheme.items() {
                    if let DeductionRule::Fixed { points } = item.deduction
                        && total > Points::whole(92)
                    {
                        total = total - points;
                        answers.items.push(ItemAnswer {
                            code: item.code.clone(),
                            mark: Mark::Applied,
                            reason: "缺少材料".into(),
                            pages: pingcha::domain::citation::Citation::page(3),
                        });
                    }
                }
                assert!(total >= Points::whole(87), "{total}");
            }
            // A veto: 不合格.
            1 => answers.vetoes.push(VetoAnswer {
                code: rubric.vetoes()[0].code.clone(),
                reason: "卷内无会见记录".into(),
                pages: pingcha::domain::citation::Citation::default(),
            }),
            // Full marks: far from every boundary.
            _ => {}
        }
        submit_sheet(
            &mut conn,
            round_id,
            placement.file,
            placement.reviewers[0],
            &hash,
            &rubric,
            &answers,
        );
        outcomes.push(placement.file);
    }
    let after = storage::assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    for (index, file) in outcomes.iter().enumerate() {
        let reviewers = &after.assignment.placement(*file).unwrap().reviewers;
        if index < 2 {
            assert_eq!(reviewers.len(), 2, "file {index} gets a second reviewer");
            let units: Vec<_> = reviewers
                .iter()
                .map(|id| after.problem.reviewer(*id).unwrap().unit)
                .collect();
            assert_ne!(units[0], units[1], "from another unit");
            let file_unit = after.problem.file(*file).unwrap().unit;
            assert!(!units.contains(&file_unit), "never the file's own unit");
        } else {
            assert_eq!(
                reviewers.len(),
                1,
                "a file far from the boundaries keeps one"
            );
        }
    }
    assert!(
        pingcha::domain::assignment::check_assignment(&after.problem, &after.assignment).is_empty(),
        "no hard rule broken"
    );
    drop(conn);
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(page.body.contains("临界复评案卷"), "{}", page.body);
    assert!(page.body.contains("初评结果为不合格"));
    assert!(page.body.contains("距等次分界"));
    let audit = audit_actions(&app, &outcomes[0].to_string());
    assert!(
        audit.contains(&"borderline.assign".to_string()),
        "{audit:?}"
    );
    // Until the second reviewer submits, the file has no final result.
    assert!(file_total_missing(&app, &round, &outcomes[0].to_string()));
}

fn file_total_missing(app: &TestApp, round: &str, file: &str) -> bool {
    let mut conn = app.conn();
    storage::results::finals(&mut conn, round.parse().unwrap())
        .unwrap()
        .unwrap()
        .iter()
        .find(|entry| entry.file.to_string() == file)
        .is_some_and(|entry| entry.result.is_none())
}

/// A notice past its deadline counts as overdue for the unit (summary, reminders) unless an
/// objection to one of its findings is open; once the objection is decided the clock runs
/// again, moved on by the days it stayed open (here none).
#[actix_rt::test]
async fn an_open_objection_stops_the_notice_counting_as_overdue() {
    let app = spawn_app().await;
    let round = fed_back_round(&app);
    let findings = findings_of(&app, &round, "XQ");
    let notice = issue_notice(&app, &round, "XQ");
    {
        let mut conn = app.conn();
        let past = storage::today() - chrono::Duration::days(10);
        diesel::update(
            schema::rectification_notices::table
                .filter(schema::rectification_notices::id.eq(&notice)),
        )
        .set(schema::rectification_notices::deadline.eq(past))
        .execute(&mut *conn)
        .unwrap();
    }
    let overdue = |summary: &serde_json::Value| -> i64 {
        summary["rectification"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["unit_name"] == "兴庆区法律援助中心")
            .map_or(0, |row| row["overdue"].as_i64().unwrap())
    };
    let mut leader = app.login_as("leader").await;
    let summary_path = format!("/api/rounds/{round}/summary");
    assert_eq!(overdue(&leader.get(&summary_path).await.json()), 1);

    let mut manager = app.login_as("manager").await;
    let filed = api(
        &mut manager,
        "/api/objections",
        json!({ "finding": findings[0].finding.id.to_string(), "reason": "卷内第7页有相关材料" }),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let objection = filed.json()["id"].as_str().unwrap().to_string();
    assert_eq!(overdue(&leader.get(&summary_path).await.json()), 0);
    let reminders = manager.get("/notifications").await;
    assert!(!reminders.body.contains("已逾期"), "{}", reminders.body);
    let listed = manager.get("/notices").await;
    assert!(!listed.body.contains("已逾期"), "{}", listed.body);

    let mut admin = app.login_as("admin").await;
    let decided = api(
        &mut admin,
        &format!("/api/objections/{objection}/decide"),
        json!({ "decision": "upheld", "reason": "未见该材料" }),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert_eq!(overdue(&leader.get(&summary_path).await.json()), 1);
    let listed = manager.get("/notices").await;
    assert!(listed.body.contains("已逾期"), "{}", listed.body);
}
