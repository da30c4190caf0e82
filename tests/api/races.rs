//! Writes that race: the same record created by two requests (two servers) at the same moment.
//! The loser is answered 409 with a Chinese message (or given the winner's record), never
//! 500, and exactly one record is stored.

use crate::helpers::{TestApp, spawn_app};
use crate::round_documents::{advance, scored_round};
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::domain::UnitScope;
use pingcha::domain::findings::FindingSource;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{rectification, schema};
use serde_json::json;

/// How many requests race for one record.
const RACERS: usize = 8;

/// A round in 反馈整改 and a deduction finding of the demo manager's unit (XQ).
fn fed_back_finding(app: &TestApp) -> (String, String) {
    let round = scored_round(app, false);
    advance(app, &round, RoundStatus::Feedback);
    let mut conn = app.conn();
    let finding = rectification::list_findings(
        &mut conn,
        UnitScope::Unit(app.unit_id("XQ").parse().unwrap()),
        rectification::FindingFilter {
            round: Some(round.parse().unwrap()),
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .find(|stored| stored.finding.source == FindingSource::Deduction)
    .unwrap();
    (round, finding.finding.id.to_string())
}

#[actix_rt::test]
async fn the_same_objection_filed_at_once_is_stored_once_and_the_others_get_409() {
    let app = spawn_app().await;
    let (_, finding) = fed_back_finding(&app);
    let mut clients = Vec::new();
    for _ in 0..RACERS {
        let mut client = app.login_as("manager").await;
        let token = client.csrf_token().await;
        clients.push((client, token));
    }
    let body = json!({ "finding": finding, "reason": "卷内第7页有会见笔录" });
    let requests = clients.iter_mut().map(|(client, token)| {
        let body = body.clone();
        async move {
            client
                .post_json("/api/objections", &body, Some(token))
                .await
        }
    });
    let replies = futures_util::future::join_all(requests).await;
    let mut created = 0;
    for reply in &replies {
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(reply.json()["error"], "conflict", "{}", reply.body);
                assert_eq!(
                    reply.json()["message"],
                    "该项目已有待处理的异议",
                    "{}",
                    reply.body
                );
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert_eq!(created, 1, "one objection filed");
    let mut conn = app.conn();
    let stored: i64 = schema::objections::table
        .filter(schema::objections::finding_id.eq(&finding))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(stored, 1);
}

#[actix_rt::test]
async fn a_score_form_opened_at_once_in_many_tabs_opens_in_each() {
    let app = spawn_app().await;
    let (client, round, file, _) = crate::sheets::assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    // The same account's session in many tabs: the sheet is created by the first opening.
    let mut tabs: Vec<_> = (0..RACERS)
        .map(|_| {
            let mut tab = app.client();
            tab.cookies = client.cookies.clone();
            tab
        })
        .collect();
    let requests = tabs.iter_mut().map(|tab| {
        let path = path.clone();
        async move { tab.get(&path).await }
    });
    let replies = futures_util::future::join_all(requests).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let mut conn = app.conn();
    let sheets: i64 = schema::score_sheets::table
        .filter(schema::score_sheets::round_id.eq(&round))
        .filter(schema::score_sheets::case_file_id.eq(file.to_string()))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(sheets, 1);
}
