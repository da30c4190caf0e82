//! Irreversible steps (确定抽查清单, 进入下一阶段, 发布分组, 下发整改通知书) ask for an explicit
//! confirmation that says what cannot be undone (`web::confirm`); without it the page and the
//! API refuse in Chinese and nothing changes. Publishing a version that breaks hard rules
//! lists each breach and needs a second, named confirmation.

use crate::helpers::{TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{self, assignments, audit::Actor};

/// A round in 抽样 with the test registry imported (nothing frozen yet).
fn round_in_sampling(app: &TestApp) -> String {
    let mut conn = app.conn();
    let actor = Actor::cli();
    let settings = crate::helpers::round_settings(
        "确认测试轮次",
        [(pingcha::domain::CaseType::Civil, app.rubric_hash("civil"))],
    );
    let round = storage::rounds::create(&mut conn, &actor, &settings, storage::now()).unwrap();
    pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "台账.xlsx",
        &crate::rounds::registry_xlsx(6),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        RoundStatus::Sampling,
        storage::now(),
    )
    .unwrap();
    round.id.to_string()
}

#[actix_rt::test]
async fn freezing_and_advancing_need_the_confirmation_and_change_nothing_without_it() {
    let app = spawn_app().await;
    let round = round_in_sampling(&app);
    let round_id = round.parse().unwrap();
    let mut admin = app.login_as("admin").await;

    // The page shows what cannot be undone and the box the server requires.
    let page = admin.get(&format!("/rounds/{round}/sample")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("此操作不可撤销"), "{}", page.body);
    assert!(page.body.contains("抽样方案不能再修改"), "{}", page.body);
    assert!(page.body.contains(r#"name="confirm" value="yes" required"#));

    // Without it: refused in Chinese, naming the box; nothing frozen.
    let refused = admin
        .post_form(&format!("/rounds/{round}/sample/freeze"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("未确定抽查清单"), "{}", refused.body);
    assert!(refused.body.contains("不能撤销"), "{}", refused.body);
    let token = admin.csrf_token().await;
    let api = admin
        .post_json(
            &format!("/api/rounds/{round}/sample/freeze"),
            &serde_json::json!({"seed": "42", "confirm": false}),
            Some(&token),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    assert!(
        api.json()["message"]
            .as_str()
            .unwrap()
            .contains("confirm=true")
    );
    let mut conn = app.conn();
    assert!(
        storage::sampling::frozen(&mut conn, round_id)
            .unwrap()
            .is_none(),
        "nothing frozen"
    );

    // With it, through the API: frozen.
    let frozen = admin
        .post_json(
            &format!("/api/rounds/{round}/sample/freeze"),
            &serde_json::json!({"seed": "42", "confirm": true}),
            Some(&token),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::OK, "{}", frozen.body);

    // 进入下一阶段: the round page says the round cannot go back; refused without the box.
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(page.body.contains("不能退回“抽样”阶段"), "{}", page.body);
    let refused = admin
        .post_form(&format!("/rounds/{round}/status"), &[("status", "teaming")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("未进入“分组”阶段"),
        "{}",
        refused.body
    );
    let api = admin
        .post_json(
            &format!("/api/rounds/{round}/status"),
            &serde_json::json!({"status": "teaming"}),
            Some(&token),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    let status = storage::rounds::find(&mut conn, round_id).unwrap().status;
    assert_eq!(status, RoundStatus::Sampling, "still sampling");
    let moved = admin
        .post_form(
            &format!("/rounds/{round}/status"),
            &[("status", "teaming"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
}

#[actix_rt::test]
async fn publishing_a_breaking_version_lists_the_breaches_and_needs_a_second_confirmation() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let round_id = round.parse().unwrap();
    let mut admin = app.login_as("admin").await;
    admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[("seed", "5"), ("capacity", "8")],
        )
        .await;
    let mut conn = app.conn();
    let draft = assignments::version(&mut conn, round_id, 1).unwrap();
    // Version 2: a file moved to a reviewer of its own unit, with a recorded reason.
    let placement = &draft.assignment.placements[0];
    let file = draft.problem.file(placement.file).unwrap();
    let insider = draft
        .problem
        .reviewers
        .iter()
        .find(|reviewer| reviewer.unit == file.unit)
        .unwrap();
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/1/change"),
            &[
                ("kind", "move_file"),
                ("file", &placement.file.to_string()),
                ("first", &placement.reviewers[0].to_string()),
                ("second", &insider.id.to_string()),
                ("reason", "市局专家，经领导批准"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // The page lists the breach (rule, file, person) above a second, named box.
    let page = admin.get(&format!("/rounds/{round}/teams?version=2")).await;
    assert!(page.body.contains("【本单位回避】"), "{}", page.body);
    assert!(page.body.contains(&file.case_number), "{}", page.body);
    assert!(page.body.contains(&insider.name), "{}", page.body);
    assert!(page.body.contains(r#"name="confirm_breaches""#));

    // The first confirmation alone: the page again, the breach listed, nothing published.
    let refused = admin
        .post_form(
            &format!("/rounds/{round}/teams/2/publish"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("未发布：该版本违反"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("【本单位回避】"), "{}", refused.body);
    assert!(refused.body.contains("第 2 版"), "{}", refused.body);
    // No confirmation at all: refused too.
    let refused = admin
        .post_form(&format!("/rounds/{round}/teams/2/publish"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("发布第 2 版分组后不能撤销"),
        "{}",
        refused.body
    );
    assert!(
        assignments::published(&mut conn, round_id)
            .unwrap()
            .is_none()
    );

    // Both: published, and the page shows the published version afterwards.
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/2/publish"),
            &[("confirm", "yes"), ("confirm_breaches", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let published = assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    assert_eq!(published.version, 2);
    let page = admin.get(&format!("/rounds/{round}/teams")).await;
    assert!(
        page.body
            .contains("第 2 版 <span class=\"status status-published\""),
        "{}",
        page.body
    );
}
