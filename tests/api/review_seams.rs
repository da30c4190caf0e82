//! The review side's seams (issue #25): calibration keyed by case type, pooled over the
//! bureau's rounds and flagging 一团和气; read through the pages, the JSON summary and the
//! leadership report PDF.

use crate::helpers::spawn_app;
use crate::rectification::pdf_text;
use crate::round_documents::{advance, publish, submit_sheet};
use crate::summary::scored_round_with;
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::domain::CaseType;
use pingcha::domain::ids::{CaseFileId, PersonId};
use pingcha::domain::round::RoundStatus;
use pingcha::domain::scoring::{SheetAnswers, VetoAnswer};
use pingcha::storage::schema::{person_expertise, score_sheets};
use pingcha::storage::{self, assignments};

/// Team 1 gives every file 99 or 100: the summary page and the leadership report name the
/// team as 一团和气 and state the rule; the other teams are not flagged. The leader may open
/// the calibration detail page, which states the leaning rule with its window of rounds.
#[actix_rt::test]
async fn a_team_scoring_near_full_marks_is_flagged_for_leadership() {
    let app = spawn_app().await;
    let round = scored_round_with(&app, false);
    let flagged_team = {
        let mut conn = app.conn();
        let version = assignments::published(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        let team = version
            .assignment
            .teams
            .iter()
            .max_by_key(|team| {
                version
                    .assignment
                    .placements
                    .iter()
                    .filter(|placement| {
                        placement
                            .reviewers
                            .iter()
                            .any(|reviewer| team.members.contains(reviewer))
                    })
                    .count()
            })
            .unwrap()
            .clone();
        let members: Vec<String> = team.members.iter().map(ToString::to_string).collect();
        let ids: Vec<String> = score_sheets::table
            .filter(score_sheets::round_id.eq(&round))
            .filter(score_sheets::reviewer_id.eq_any(&members))
            .select(score_sheets::id)
            .load(&mut *conn)
            .unwrap();
        assert!(
            ids.len() >= 5,
            "team {} has {} sheets",
            team.number,
            ids.len()
        );
        for (index, id) in ids.iter().enumerate() {
            diesel::update(score_sheets::table.filter(score_sheets::id.eq(id)))
                .set(score_sheets::total_tenths.eq(Some(if index % 2 == 0 { 990 } else { 1000 })))
                .execute(&mut *conn)
                .unwrap();
        }
        team.number
    };
    let mut leader = app.login_as("leader").await;
    let page = leader.get(&format!("/rounds/{round}/summary")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let flag = format!("第{flagged_team}组评分一团和气");
    assert!(page.body.contains(&flag), "{}", page.body);
    assert_eq!(
        page.body.matches("评分一团和气").count(),
        1,
        "{}",
        page.body
    );
    assert!(page.body.contains("标准差小于 2 分"), "{}", page.body);
    assert!(page.body.contains("逐项校准分析"), "{}", page.body);

    let (status, pdf) = leader
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text: String = pdf_text(&pdf).split_whitespace().collect();
    assert!(text.contains(&flag), "{text}");
    assert!(text.contains("一团和气”判定规则"), "{text}");

    let detail = leader.get(&format!("/rounds/{round}/calibration")).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert!(detail.body.contains("倾向判定规则"), "{}", detail.body);
    assert!(detail.body.contains("约一年"), "{}", detail.body);
    assert!(detail.body.contains("<th>案件类别</th>"), "{}", detail.body);
}

/// Turns the round's borderline second review on through the round page.
async fn borderline_on(admin: &mut crate::helpers::Client, round: &str) {
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
}

/// A failing first review of a single-reviewed file of `case_type`: the file, its reviewer.
fn fail_a_single_review(
    app: &crate::helpers::TestApp,
    round: &str,
    case_type: CaseType,
) -> (CaseFileId, PersonId) {
    let mut conn = app.conn();
    let round_id = round.parse().unwrap();
    let record = storage::rounds::find(&mut conn, round_id).unwrap();
    let version = assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    let placement = version
        .assignment
        .placements
        .iter()
        .find(|placement| {
            placement.reviewers.len() == 1
                && version.problem.file(placement.file).unwrap().case_type == case_type
        })
        .expect("a single-reviewed file of the case type")
        .clone();
    let hash = record.settings.rubrics[&case_type].clone();
    let rubric = storage::rubrics::load(&mut conn, &hash).unwrap();
    let answers = SheetAnswers {
        vetoes: vec![VetoAnswer {
            code: rubric.vetoes()[0].code.clone(),
            reason: "卷内无会见记录".into(),
            pages: Default::default(),
        }],
        ..Default::default()
    };
    submit_sheet(
        &mut conn,
        round_id,
        placement.file,
        placement.reviewers[0],
        &hash,
        &rubric,
        &answers,
    );
    (placement.file, placement.reviewers[0])
}

/// Nobody has administrative expertise: a failing administrative file is not sent to a
/// criminal or civil reviewer, and the administrator is told why with a link to the teams page.
/// A failing civil file goes to a reviewer with civil expertise, who is told with a link to
/// the file's score form (on the notifications page and the home page).
#[actix_rt::test]
async fn a_second_review_goes_to_an_expert_who_is_told_or_the_admin_is_told_why_not() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    borderline_on(&mut admin, &round).await;
    {
        let mut conn = app.conn();
        diesel::delete(
            person_expertise::table.filter(person_expertise::case_type.eq("administrative")),
        )
        .execute(&mut *conn)
        .unwrap();
    }
    let (problem, _) = publish(&app, &round);
    advance(&app, &round, RoundStatus::Reviewing);
    let logins = accounts_for_every_reviewer(&app, &problem);

    let (administrative, _) = fail_a_single_review(&app, &round, CaseType::Administrative);
    let (civil, first) = fail_a_single_review(&app, &round, CaseType::Civil);
    let version = {
        let mut conn = app.conn();
        assignments::published(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        version
            .assignment
            .placement(administrative)
            .unwrap()
            .reviewers
            .len(),
        1,
        "no administrative expert: no second reviewer"
    );
    let reviewers = &version.assignment.placement(civil).unwrap().reviewers;
    assert_eq!(reviewers.len(), 2);
    let added = *reviewers.iter().find(|id| **id != first).unwrap();
    assert!(
        version
            .problem
            .reviewer(added)
            .unwrap()
            .expertise
            .contains(&CaseType::Civil)
    );

    let told = admin.get("/notifications").await;
    assert_eq!(told.status, StatusCode::OK);
    assert!(
        told.body.contains("未能自动指派第二评查员"),
        "{}",
        told.body
    );
    assert!(told.body.contains("不具备行政案件专长"), "{}", told.body);
    assert!(
        told.body.contains(&format!("/rounds/{round}/teams")),
        "{}",
        told.body
    );

    let mut second = app.client();
    assert_eq!(
        second.login(&logins[&added], PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let sheet = format!("/rounds/{round}/files/{civil}/sheet");
    let list = second.get("/notifications").await;
    assert!(list.body.contains("第二评查员"), "{}", list.body);
    assert!(list.body.contains(&sheet), "{}", list.body);
    // Told once: the submission is the event, not the page view.
    assert_eq!(list.body.matches("第二评查员").count(), 1, "{}", list.body);
    assert_eq!(second.get(&sheet).await.status, StatusCode::OK);
}

const PASSWORD: &str = "a-long-password";

/// A reviewer account for every person in the round's pool (so messages stored for them
/// have someone to reach), by person: the login.
pub fn accounts_for_every_reviewer(
    app: &crate::helpers::TestApp,
    problem: &pingcha::domain::assignment::Problem,
) -> std::collections::BTreeMap<PersonId, String> {
    let mut conn = app.conn();
    let hash = pingcha::security::hash_password(PASSWORD).unwrap();
    let mut logins = std::collections::BTreeMap::new();
    for (index, reviewer) in problem.reviewers.iter().enumerate() {
        let login = format!("pool{index}");
        storage::users::create(
            &mut conn,
            &storage::audit::Actor::cli(),
            &storage::users::NewUser {
                login: login.clone(),
                display_name: reviewer.name.clone(),
                role: pingcha::domain::people::Role::Reviewer,
                unit_id: None,
                person_id: Some(reviewer.id),
                password_hash: hash.clone(),
            },
            storage::now(),
        )
        .unwrap();
        logins.insert(reviewer.id, login);
    }
    logins
}

/// A reviewer's home page and messages page tell them of their files and of a review
/// deadline two days off, then passed; each message is stored once however often the pages
/// are opened, and links to the reviewer's work.
#[actix_rt::test]
async fn a_reviewer_is_told_of_files_and_deadlines_once() {
    use pingcha::storage::schema::review_rounds;
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let (problem, assignment) = publish(&app, &round);
    advance(&app, &round, RoundStatus::Reviewing);
    let logins = accounts_for_every_reviewer(&app, &problem);
    let reviewer = assignment
        .placements
        .iter()
        .flat_map(|placement| placement.reviewers.iter())
        .next()
        .copied()
        .unwrap();
    let files = assignment
        .placements
        .iter()
        .filter(|placement| placement.reviewers.contains(&reviewer))
        .count();
    let set_deadline = |days: i64| {
        let mut conn = app.conn();
        diesel::update(review_rounds::table.filter(review_rounds::id.eq(&round)))
            .set(
                review_rounds::review_deadline
                    .eq(Some(storage::today() + chrono::Duration::days(days))),
            )
            .execute(&mut *conn)
            .unwrap();
    };
    set_deadline(2);
    let mut client = app.client();
    assert_eq!(
        client.login(&logins[&reviewer], PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let assigned = format!("已为您分配 {files} 件评查案卷");
    for _ in 0..2 {
        let home = client.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains(&assigned), "{}", home.body);
        assert!(home.body.contains("还剩 2 天"), "{}", home.body);
        assert!(home.body.contains("href=\"/my/work\""), "{}", home.body);
    }
    set_deadline(-4);
    let list = client.get("/notifications").await;
    assert_eq!(list.body.matches(&assigned).count(), 1, "{}", list.body);
    assert_eq!(list.body.matches("还剩 2 天").count(), 1, "{}", list.body);
    assert!(list.body.contains("已逾期 4 天"), "{}", list.body);
    let again = client.get("/notifications").await;
    assert_eq!(
        again.body.matches("已逾期 4 天").count(),
        1,
        "{}",
        again.body
    );
}
