//! The score form through HTTP: open, save a draft, stale versions refused, the server's
//! running total, submit and lock, and the refusals for everyone else.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::ids::{CaseFileId, PersonId};
use pingcha::storage::{self, assignments, audit::Actor};

/// A published assignment and a login for one reviewer with a file: (client, round, file).
pub async fn assigned_reviewer(app: &TestApp) -> (Client, String, CaseFileId, PersonId) {
    let round = crate::teams::round_in_teaming(app);
    let round_id = round.parse().unwrap();
    let (file, person) = {
        let mut conn = app.conn();
        let actor = Actor::cli();
        let round_record = storage::rounds::find(&mut conn, round_id).unwrap();
        let options = assignments::Options {
            seed: 4,
            capacity: 8,
            ..Default::default()
        };
        let problem = assignments::build_problem(&mut conn, &round_record, options).unwrap();
        let assignment = pingcha::domain::assignment::solve(&problem).unwrap();
        assignments::store_draft(
            &mut conn,
            &actor,
            round_id,
            &problem,
            &assignment,
            None,
            storage::now(),
        )
        .unwrap();
        assignments::publish(&mut conn, &actor, round_id, 1, storage::now()).unwrap();
        // A civil file, scored against the civil rubric.
        let placement = assignment
            .placements
            .iter()
            .find(|placement| {
                problem.file(placement.file).unwrap().case_type == pingcha::domain::CaseType::Civil
            })
            .unwrap();
        let person = placement.reviewers[0];
        (placement.file, person)
    };
    let client = crate::helpers::login_for_person(app, "scorer", person).await;
    (client, round, file, person)
}

#[actix_rt::test]
async fn a_reviewer_scores_saves_and_submits_and_the_sheet_locks() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");

    let work = reviewer.get("/my/work").await;
    assert!(
        work.body.contains(&path),
        "the work list links to the sheet"
    );
    let form = reviewer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("民事法律援助案件评查评分标准"));
    assert!(form.body.contains("name=\"version\" value=\"1\""));
    assert!(form.body.contains("王某"), "the recipient is masked");

    // Item A1 of the civil rubric; find a free-deduction or per-occurrence item name in the form.
    let code = crate::helpers::first_points_item(&form.body);
    let points = format!("points_{code}");
    let reason = format!("reason_{code}");

    // The running total is computed by the server's engine.
    let token = reviewer.csrf_token().await;
    let preview = reviewer
        .post_raw_form(
            &format!("/api/rounds/{round}/files/{file}/sheet/preview"),
            &[
                ("csrf", &token),
                (&points, "2"),
                (&reason, "会见笔录不完整"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.json()["total"], "98");
    assert_eq!(preview.json()["grade"], "优秀");

    // A draft saves; the same form posted again is stale and changes nothing.
    let draft = [
        ("version", "1"),
        ("action", "save"),
        (points.as_str(), "2"),
        (reason.as_str(), "会见笔录不完整"),
    ];
    let reply = reviewer.post_form(&path, &draft).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let stale = reviewer
        .post_form(
            &path,
            &[
                ("version", "1"),
                ("action", "save"),
                (points.as_str(), "5"),
                (reason.as_str(), "另一理由"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("另一理由"),
        "the reviewer's input stays on the page"
    );
    let mut conn = app.conn();
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.sheet.version, 2);
    assert_eq!(stored.sheet.answers.items[0].reason, "会见笔录不完整");

    // A deduction without a reason cannot be submitted.
    let missing = reviewer
        .post_form(
            &path,
            &[
                ("version", "2"),
                ("action", "submit"),
                (points.as_str(), "2"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert!(missing.body.contains(&code), "the message names the item");

    let submit = reviewer
        .post_form(
            &path,
            &[
                ("version", "2"),
                ("action", "submit"),
                (points.as_str(), "2"),
                (reason.as_str(), "会见笔录不完整"),
            ],
        )
        .await;
    assert_eq!(submit.status, StatusCode::SEE_OTHER, "{}", submit.body);
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.total_tenths, Some(980));
    assert_eq!(stored.grade.as_deref(), Some("优秀"));
    let locked = reviewer
        .post_form(
            &path,
            &[
                ("version", "3"),
                ("action", "save"),
                (points.as_str(), "9"),
                (reason.as_str(), "改分"),
            ],
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.body);
    let stored = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.total_tenths,
        Some(980),
        "a submitted sheet does not change"
    );

    let trail = storage::audit::list(
        &mut conn,
        &storage::audit::Filter {
            entity_type: Some("score_sheet".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, vec!["submit", "save_draft"]);
    assert!(
        trail[1]
            .after_json
            .as_deref()
            .unwrap()
            .contains("会见笔录不完整"),
        "changes are audited"
    );
}

#[actix_rt::test]
async fn only_the_assigned_reviewer_opens_a_sheet() {
    let app = spawn_app().await;
    let (_, round, file, _) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let mut other = app.login_as("reviewer2").await;
    assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
    let mut admin = app.login_as("admin").await;
    assert_eq!(admin.get(&path).await.status, StatusCode::FORBIDDEN);
    let mut manager = app.login_as("manager").await;
    assert_eq!(manager.get(&path).await.status, StatusCode::FORBIDDEN);
}

#[actix_rt::test]
async fn the_team_leader_returns_a_sheet_and_the_administrator_reopens_one() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    let code = crate::helpers::first_points_item(&form.body);
    let (points, reason) = (format!("points_{code}"), format!("reason_{code}"));
    let reply = reviewer
        .post_form(
            &path,
            &[
                ("version", "1"),
                ("action", "submit"),
                (points.as_str(), "1"),
                (reason.as_str(), "阅卷笔录不完整"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // The leader of the reviewer's team gets an account and sends the sheet back.
    let round_id = round.parse().unwrap();
    let leader = {
        let mut conn = app.conn();
        let version = assignments::published(&mut conn, round_id)
            .unwrap()
            .unwrap();
        let team = version
            .assignment
            .teams
            .iter()
            .find(|team| team.members.contains(&person))
            .unwrap();
        assert_ne!(
            team.leader, person,
            "the scorer is not their own leader in this fixture"
        );
        team.leader
    };
    let mut lead = crate::helpers::login_for_person(&app, "teamlead", leader).await;
    let progress = lead.get(&format!("/rounds/{round}/team")).await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.body);
    assert!(progress.body.contains("已提交"));
    let back = format!("/rounds/{round}/files/{file}/sheets/{person}/return");
    let refused = lead
        .post_form(&back, &[("version", "2"), ("text", "")])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "a return needs a comment"
    );
    let reply = lead
        .post_form(
            &back,
            &[("version", "2"), ("text", "扣分理由请写明卷宗页码")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // Another reviewer is not the leader and cannot return sheets.
    let mut other = app.login_as("reviewer2").await;
    assert_eq!(
        other
            .post_form(&back, &[("version", "3"), ("text", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Editable again, with the comment on the form; resubmitted; the administrator reopens it.
    let form = reviewer.get(&path).await;
    assert!(
        form.body.contains("组长退回意见：扣分理由请写明卷宗页码"),
        "{}",
        form.body
    );
    let reply = reviewer
        .post_form(
            &path,
            &[
                ("version", "3"),
                ("action", "submit"),
                (points.as_str(), "1"),
                (reason.as_str(), "阅卷笔录不完整"),
                (&format!("page_{code}"), "12"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut admin = app.login_as("admin").await;
    let reopen = format!("/rounds/{round}/files/{file}/sheets/{person}/reopen");
    assert_eq!(
        admin
            .post_form(&reopen, &[("version", "4"), ("text", "")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let reply = admin
        .post_form(
            &reopen,
            &[("version", "4"), ("text", "受援单位申辩，重新核查")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut conn = app.conn();
    let stored = storage::sheets::find(&mut conn, round_id, file, person)
        .unwrap()
        .unwrap();
    assert_eq!(stored.sheet.state.status().code(), "reopened");
    let trail = storage::audit::list(
        &mut conn,
        &storage::audit::Filter {
            entity_type: Some("score_sheet".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, vec!["reopen", "submit", "return", "submit"]);
}

/// Saves of one sheet that arrive together (eight tabs autosaving the same version at once)
/// are done together (`storage::combiner`): exactly one is stored, every other is refused
/// as stale and changes nothing, and the audit trail has the one change.
#[actix_rt::test]
async fn saves_arriving_together_keep_each_its_own_outcome() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let code = crate::helpers::first_points_item(&form.body);
    let token = reviewer.csrf_token().await;
    let autosave = format!("/api/rounds/{round}/files/{file}/sheet/draft");
    let tabs: Vec<_> = (0..8)
        .map(|tab| {
            let mut client = app.client();
            client.cookies = reviewer.cookies.clone();
            (tab, client)
        })
        .collect();
    let replies = futures_util::future::join_all(tabs.into_iter().map(|(tab, mut client)| {
        let (autosave, token, code) = (autosave.clone(), token.clone(), code.clone());
        async move {
            let reason = format!("第{tab}个窗口");
            let reply = client
                .post_raw_form(
                    &autosave,
                    &[
                        ("csrf", &token),
                        ("version", "1"),
                        (&format!("points_{code}"), "1"),
                        (&format!("reason_{code}"), &reason),
                    ],
                )
                .await;
            (reason, reply)
        }
    }))
    .await;
    let stored: Vec<&String> = replies
        .iter()
        .filter(|(_, reply)| reply.status == StatusCode::OK)
        .map(|(reason, _)| reason)
        .collect();
    assert_eq!(stored.len(), 1, "exactly one save of version 1 is stored");
    for (_, reply) in &replies {
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::CONFLICT,
            "{}: {}",
            reply.status,
            reply.body
        );
    }
    let mut conn = app.conn();
    let sheet = storage::sheets::find(&mut conn, round.parse().unwrap(), file, person)
        .unwrap()
        .unwrap();
    assert_eq!(sheet.sheet.version, 2);
    let answers = serde_json::to_string(&sheet.sheet.answers).unwrap();
    assert!(answers.contains(stored[0].as_str()), "{answers}");
    let trail = storage::audit::list(
        &mut conn,
        &storage::audit::Filter {
            entity_type: Some("score_sheet".into()),
            action: Some("save_draft".into()),
            ..Default::default()
        },
        100,
    )
    .unwrap();
    let saves = trail
        .iter()
        .filter(|entry| entry.entity_id.as_deref() == Some(sheet.id.as_str()))
        .count();
    assert_eq!(saves, 1, "{trail:?}");
}

/// The writer's batch keeps each save's own outcome and answers them in the order given
/// (it writes them in the order of the sheets' ids): of two saves of one sheet prepared at
/// the same version, the first is stored and the second is stale and writes nothing (no
/// second version, no second audit entry), and a save of another sheet in between is
/// stored.
#[actix_rt::test]
async fn saves_written_together_keep_the_outcome_each_would_have_alone() {
    use pingcha::domain::people::Role;
    use pingcha::domain::scoring::SheetAnswers;
    use pingcha::domain::scoring::sheet::{SheetAction, SheetActor};
    use pingcha::storage::sheets::{self, SaveError};
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let round_id = round.parse().unwrap();
    // Two of the reviewer's files. The sheet with the smaller id is saved first and last:
    // written in id order, its stale save comes before the other sheet's.
    let other = {
        let mut conn = app.conn();
        let assignment = assignments::published_assignment(&mut conn, round_id)
            .unwrap()
            .unwrap();
        assignment
            .placements
            .iter()
            .find(|placement| placement.file != file && placement.reviewers.contains(&person))
            .expect("the reviewer has a second file")
            .file
    };
    let mut sheets_opened = Vec::new();
    for file in [file, other] {
        let path = format!("/rounds/{round}/files/{file}/sheet");
        assert_eq!(reviewer.get(&path).await.status, StatusCode::OK);
        let mut conn = app.conn();
        sheets_opened.push(
            sheets::find(&mut conn, round_id, file, person)
                .unwrap()
                .unwrap(),
        );
    }
    sheets_opened.sort_by(|a, b| a.id.cmp(&b.id));
    let (first, second) = (&sheets_opened[0], &sheets_opened[1]);
    let mut conn = app.conn();
    let actor = SheetActor {
        role: Role::Reviewer,
        is_assigned_reviewer: true,
        is_team_leader: false,
    };
    let answers = SheetAnswers::default();
    let prepared: Vec<_> = [first, second, first]
        .into_iter()
        .map(|stored| {
            let update = stored
                .sheet
                .apply(1, SheetAction::SaveDraft { answers: &answers }, actor)
                .unwrap();
            sheets::prepare_save(
                &mut conn,
                &Actor::cli(),
                stored,
                &update,
                None,
                None,
                storage::now(),
            )
            .unwrap()
        })
        .collect();
    let before = storage::audit::count(&mut conn).unwrap();
    let outcomes = sheets::write_together(&mut conn, &prepared);
    assert!(matches!(outcomes[0], Ok(())), "{outcomes:?}");
    assert!(matches!(outcomes[1], Ok(())), "{outcomes:?}");
    assert!(
        matches!(outcomes[2], Err(SaveError::Stale { stored: 2 })),
        "{outcomes:?}"
    );
    for stored in [first, second] {
        let after = sheets::find(&mut conn, round_id, stored.case_file_id, person)
            .unwrap()
            .unwrap();
        assert_eq!(after.sheet.version, 2);
    }
    assert_eq!(storage::audit::count(&mut conn).unwrap(), before + 2);
}

/// Forms posted at the same moment are done together but checked each on its own: a
/// reviewer not assigned to the file is refused (403), a submission of another sheet
/// without a reason is refused (400), and a valid autosave beside them is stored.
#[actix_rt::test]
async fn forms_posted_together_are_each_checked_on_their_own() {
    let app = spawn_app().await;
    let (mut reviewer, round, file, person) = assigned_reviewer(&app).await;
    let round_id = round.parse().unwrap();
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = reviewer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let code = crate::helpers::first_points_item(&form.body);
    let (points, reason) = (format!("points_{code}"), format!("reason_{code}"));
    let (stranger_person, other_file) = {
        let mut conn = app.conn();
        let assignment = assignments::published_assignment(&mut conn, round_id)
            .unwrap()
            .unwrap();
        let on_file = assignment.placement(file).unwrap().reviewers.clone();
        let stranger = assignment
            .placements
            .iter()
            .flat_map(|placement| placement.reviewers.iter().copied())
            .find(|other| !on_file.contains(other))
            .expect("a reviewer of another file");
        let other_file = assignment
            .placements
            .iter()
            .find(|placement| placement.file != file && placement.reviewers.contains(&person))
            .expect("the reviewer has a second file")
            .file;
        (stranger, other_file)
    };
    let other_path = format!("/rounds/{round}/files/{other_file}/sheet");
    let other_form = reviewer.get(&other_path).await;
    assert_eq!(other_form.status, StatusCode::OK, "{}", other_form.body);
    let other_points = format!(
        "points_{}",
        crate::helpers::first_points_item(&other_form.body)
    );
    let mut stranger = crate::helpers::login_for_person(&app, "stranger", stranger_person).await;
    let stranger_token = stranger.csrf_token().await;
    let token = reviewer.csrf_token().await;
    let mut tab = app.client();
    tab.cookies = reviewer.cookies.clone();
    let autosave = format!("/api/rounds/{round}/files/{file}/sheet/draft");
    let (foreign, missing, saved) = futures_util::future::join3(
        stranger.post_raw_form(
            &path,
            &[
                ("csrf", &stranger_token),
                ("version", "1"),
                ("action", "save"),
                (&points, "1"),
                (&reason, "越权保存"),
            ],
        ),
        reviewer.post_raw_form(
            &other_path,
            &[
                ("csrf", &token),
                ("version", "1"),
                ("action", "submit"),
                (&other_points, "2"),
            ],
        ),
        tab.post_raw_form(
            &autosave,
            &[
                ("csrf", &token),
                ("version", "1"),
                (&points, "1"),
                (&reason, "第二个窗口"),
            ],
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let mut conn = app.conn();
    let sheet = storage::sheets::find(&mut conn, round_id, file, person)
        .unwrap()
        .unwrap();
    assert_eq!(sheet.sheet.version, 2);
    let answers = serde_json::to_string(&sheet.sheet.answers).unwrap();
    assert!(answers.contains("第二个窗口"), "{answers}");
    assert!(!answers.contains("越权保存"), "{answers}");
    let other = storage::sheets::find(&mut conn, round_id, other_file, person)
        .unwrap()
        .unwrap();
    assert_eq!(
        other.sheet.version, 1,
        "the refused submission wrote nothing"
    );
}
