//! The review side's seams (issue #25): calibration keyed by case type, pooled over the
//! bureau's rounds and flagging 一团和气; read through the pages, the JSON summary and the
//! leadership report PDF.

use crate::helpers::spawn_app;
use crate::rectification::pdf_text;
use crate::summary::scored_round_with;
use awc::http::StatusCode;
use diesel::prelude::*;
use pingcha::storage::schema::score_sheets;
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
        assert!(ids.len() >= 5, "team {} has {} sheets", team.number, ids.len());
        for (index, id) in ids.iter().enumerate() {
            diesel::update(score_sheets::table.filter(score_sheets::id.eq(id)))
                .set(score_sheets::total_tenths.eq(Some(if index % 2 == 0 { 990 } else { 1000 })))
                .execute(&mut *conn)
                .unwrap();
        }
        let _ = storage::now();
        team.number
    };
    let mut leader = app.login_as("leader").await;
    let page = leader.get(&format!("/rounds/{round}/summary")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let flag = format!("第{flagged_team}组评分一团和气");
    assert!(page.body.contains(&flag), "{}", page.body);
    assert_eq!(page.body.matches("评分一团和气").count(), 1, "{}", page.body);
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
