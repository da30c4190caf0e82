//! Cross-check teams through the pages: generate, hard rules hold, explanations shown,
//! publish, reviewers see their work, manual changes re-checked, export read back.

use crate::helpers::{TestApp, spawn_app};
use awc::http::StatusCode;
use calamine::Reader;
use pingcha::domain::assignment::check_assignment;
use pingcha::domain::round::RoundStatus;
use pingcha::storage::{self, assignments, audit::Actor};

/// A round in 分组 with a frozen sample of the test registry (3 units × 12 files).
pub fn round_in_teaming(app: &TestApp) -> String {
    round_in_teaming_with(app, |_| {})
}

/// Like [`round_in_teaming`], with the round settings adjusted first (combine rule, blind …).
pub fn round_in_teaming_with(
    app: &TestApp,
    adjust: impl FnOnce(&mut pingcha::domain::round::RoundSettings),
) -> String {
    let mut conn = app.conn();
    let actor = Actor::cli();
    let rubrics = storage::rubrics::list(&mut conn).unwrap();
    let hash = |id: &str| {
        rubrics
            .iter()
            .find(|snapshot| snapshot.rubric_id == id)
            .unwrap()
            .content_hash
            .clone()
    };
    let mut settings = crate::helpers::round_settings(
        "分组测试轮次",
        [
            (pingcha::domain::CaseType::Criminal, hash("criminal")),
            (pingcha::domain::CaseType::Civil, hash("civil")),
            (
                pingcha::domain::CaseType::Administrative,
                hash("administrative"),
            ),
        ],
    );
    adjust(&mut settings);
    let round = storage::rounds::create(&mut conn, &actor, &settings, storage::now()).unwrap();
    pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "台账.xlsx",
        &crate::rounds::registry_xlsx(12),
        None,
        &mut |_, _| {},
    )
    .unwrap();
    let round = storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        RoundStatus::Sampling,
        storage::now(),
    )
    .unwrap();
    let mut plan = storage::sampling::default_plan();
    plan.strategy = pingcha::domain::sampling::Strategy::Census;
    storage::sampling::save_plan(&mut conn, &actor, round.id, &plan, storage::now()).unwrap();
    storage::sampling::freeze(&mut conn, &actor, &round, 3, storage::now()).unwrap();
    storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        RoundStatus::Teaming,
        storage::now(),
    )
    .unwrap();
    round.id.to_string()
}

#[actix_rt::test]
async fn teams_are_generated_explained_published_and_seen_by_their_members() {
    let app = spawn_app().await;
    let round = round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[
                ("team_min", "3"),
                ("team_max", "4"),
                ("capacity", "8"),
                ("double_percent", "25"),
                ("seed", "11"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = admin.get(reply.location().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for text in [
        "第 1 版",
        "草案",
        "违反硬性规则",
        "专长匹配率",
        "第 1 组",
        "组长",
        "非本单位",
    ] {
        assert!(page.body.contains(text), "teams page lacks {text}");
    }

    let mut conn = app.conn();
    let round_id = round.parse().unwrap();
    let draft = assignments::version(&mut conn, round_id, 1).unwrap();
    assert!(
        check_assignment(&draft.problem, &draft.assignment).is_empty(),
        "hard rules hold"
    );
    assert_eq!(draft.quality.hard_rule_breaches, 0);
    let doubled = draft
        .problem
        .files
        .iter()
        .filter(|file| file.reviewers_needed == 2)
        .count();
    assert_eq!(doubled, 9, "25 % of 36 files get two reviewers");
    for placement in &draft.assignment.placements {
        let file = draft.problem.file(placement.file).unwrap();
        for reviewer in &placement.reviewers {
            assert_ne!(
                draft.problem.reviewer(*reviewer).unwrap().unit,
                file.unit,
                "nobody reviews their own unit"
            );
        }
    }

    // Same seed, same teams.
    let again = admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[
                ("team_min", "3"),
                ("team_max", "4"),
                ("capacity", "8"),
                ("double_percent", "25"),
                ("seed", "11"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let second = assignments::version(&mut conn, round_id, 2).unwrap();
    assert_eq!(second.assignment, draft.assignment);

    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/1/publish"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        assignments::published(&mut conn, round_id)
            .unwrap()
            .unwrap()
            .version,
        1
    );

    // The demo reviewer sees their team if they are in one; the export lists every member.
    let members: usize = draft
        .assignment
        .teams
        .iter()
        .map(|team| team.members.len())
        .sum();
    let (status, bytes) = admin
        .get_bytes(&format!("/rounds/{round}/teams/export"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("交叉检查组名单").unwrap();
    assert_eq!(
        range.height(),
        members + 2,
        "title, header and one row per member"
    );
    let leaders = range
        .rows()
        .filter(|row| row.get(1).is_some_and(|cell| *cell == "组长"))
        .count();
    assert_eq!(leaders, draft.assignment.teams.len());

    let mut reviewer = app.login_as("reviewer").await;
    let work = reviewer.get("/my/work").await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(work.body.contains("我的评查工作"));
}

#[actix_rt::test]
async fn a_manual_change_that_breaks_a_hard_rule_needs_a_recorded_reason() {
    let app = spawn_app().await;
    let round = round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[("seed", "5"), ("capacity", "8")],
        )
        .await;
    let mut conn = app.conn();
    let round_id = round.parse().unwrap();
    let draft = assignments::version(&mut conn, round_id, 1).unwrap();
    // Move a file to a reviewer from the file's own unit: a recusal breach.
    let placement = &draft.assignment.placements[0];
    let file = draft.problem.file(placement.file).unwrap();
    let insider = draft
        .problem
        .reviewers
        .iter()
        .find(|reviewer| reviewer.unit == file.unit)
        .unwrap();
    let fields = [
        ("kind", "move_file"),
        ("file", &placement.file.to_string()),
        ("first", &placement.reviewers[0].to_string()),
        ("second", &insider.id.to_string()),
    ];
    let reply = admin
        .post_form(&format!("/rounds/{round}/teams/1/change"), &fields)
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("违反硬性规则"));
    assert_eq!(
        assignments::versions(&mut conn, round_id).unwrap().len(),
        1,
        "nothing stored"
    );

    let mut with_reason = fields.to_vec();
    with_reason.push(("reason", "该评查员为市局专家，经领导批准"));
    let reply = admin
        .post_form(&format!("/rounds/{round}/teams/1/change"), &with_reason)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let versions = assignments::versions(&mut conn, round_id).unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].quality.hard_rule_breaches > 0);
    let overrides = storage::audit::list(
        &mut conn,
        &storage::audit::Filter {
            action: Some("assignment.override".into()),
            ..Default::default()
        },
        5,
    )
    .unwrap();
    assert_eq!(overrides.len(), 1);
    assert!(
        overrides[0]
            .after_json
            .as_deref()
            .unwrap()
            .contains("经领导批准")
    );

    // A change within the rules goes through without a reason.
    let leader = app.login_as("leader").await;
    drop(leader);
}

#[actix_rt::test]
async fn an_infeasible_round_names_the_rule_and_the_shortfall() {
    let app = spawn_app().await;
    let round = round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    // 36 files, each reviewed twice, by 60 reviewers taking one file each: 72 reviews, 60 places.
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/teams/generate"),
            &[("capacity", "1"), ("double_percent", "100")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.body.contains("需要") || reply.body.contains("不足"),
        "{}",
        reply.body
    );
    let mut conn = app.conn();
    assert!(
        assignments::versions(&mut conn, round.parse().unwrap())
            .unwrap()
            .is_empty()
    );
}
