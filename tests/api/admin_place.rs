//! The teams and progress pages keep the administrator's place: a refused generation shows
//! the settings entered and why (with how 容量 is computed), members without files are
//! flagged, the reassignment list offers only people the rules accept (nobody preselected)
//! and a refused reassignment comes back as the page with its Chinese message.

use crate::helpers::spawn_app;
use awc::http::StatusCode;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{self, assignments, audit::Actor};

#[actix_rt::test]
async fn an_infeasible_run_keeps_the_entered_settings_and_explains_the_capacity() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[
                ("team_min", "2"),
                ("team_max", "3"),
                ("capacity", "1"),
                ("double_percent", "100"),
                ("seed", "77"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    for kept in [
        r#"name="team_min" value="2""#,
        r#"name="team_max" value="3""#,
        r#"name="capacity" value="1""#,
        r#"name="double_percent" value="100""#,
        r#"name="seed" inputmode="numeric" value="77""#,
    ] {
        assert!(reply.body.contains(kept), "{kept} kept: {}", reply.body);
    }
    assert!(reply.body.contains("总评查容量不足"), "{}", reply.body);
    assert!(reply.body.contains("容量的算法"), "{}", reply.body);
    assert!(reply.body.contains("每组最多 3 人"), "{}", reply.body);
}

#[actix_rt::test]
async fn the_reassign_list_offers_only_rule_abiding_people_and_a_refusal_is_the_page() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let round_id = round.parse().unwrap();
    let mut admin = app.login_as("admin").await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[("seed", "5"), ("capacity", "8"), ("team_max", "5")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/1/publish"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // After 发布 the page shows the published version.
    let page = admin.get(reply.location().unwrap()).await;
    assert!(page.body.contains("分组已发布"), "{}", page.body);
    assert!(page.body.contains("status-published"), "{}", page.body);
    let mut conn = app.conn();
    storage::rounds::advance(
        &mut conn,
        &Actor::cli(),
        round_id,
        RoundStatus::Reviewing,
        storage::now(),
    )
    .unwrap();
    let version = assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();

    let progress = admin.get(&format!("/rounds/{round}/progress")).await;
    assert_eq!(progress.status, StatusCode::OK);
    assert!(
        progress
            .body
            .contains(r#"<option value="" selected disabled>请选择评查员</option>"#),
        "nobody preselected: {}",
        progress.body
    );
    // Every row offers only people who may take the review: never someone of the file's own
    // unit (a recusal), never someone already on the file.
    let placement = &version.assignment.placements[0];
    let file = version.problem.file(placement.file).unwrap();
    let form_start = progress
        .body
        .find(&format!("/files/{}/reassign", placement.file))
        .unwrap();
    let form = &progress.body[form_start..];
    let form = &form[..form.find("</form>").unwrap()];
    for reviewer in &version.problem.reviewers {
        let offered = form.contains(&format!(r#"<option value="{}">"#, reviewer.id));
        if reviewer.unit == file.unit || placement.reviewers.contains(&reviewer.id) {
            assert!(!offered, "{} offered: {form}", reviewer.name);
        }
    }
    // A refused reassignment: the progress page again, with the message and the navigation.
    let insider = version
        .problem
        .reviewers
        .iter()
        .find(|reviewer| reviewer.unit == file.unit)
        .unwrap();
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/files/{}/reassign", placement.file),
            &[
                ("from", &placement.reviewers[0].to_string()),
                ("to", &insider.id.to_string()),
                ("reason", "出差"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("<h1>评查进度</h1>"), "{}", reply.body);
    assert!(
        reply.body.contains("改派违反分组规则，未保存"),
        "{}",
        reply.body
    );
    assert!(!reply.body.contains(">登录<"), "{}", reply.body);
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/files/{}/reassign", placement.file),
            &[
                ("from", &placement.reviewers[0].to_string()),
                ("to", ""),
                ("reason", "出差"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body.contains("请选择改派给哪位评查员"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("<h1>评查进度</h1>"), "{}", reply.body);
    assert_eq!(
        assignments::published(&mut conn, round_id)
            .unwrap()
            .unwrap()
            .version,
        1,
        "nothing changed"
    );
}
