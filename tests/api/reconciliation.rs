//! Double review through HTTP: two reviewers disagree, the file joins the leader's 合议 queue,
//! 合议 records the final score and closes the sheets, the leader approves the team's results,
//! the unit sees them (without names in a blind round); the administrator reassigns a review;
//! autosave under the version guard; calibration pages; and every refusal on the way.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::assignment::DoubleReview;
use pingcha::domain::ids::{CaseFileId, PersonId, RoundId, UnitId};
use pingcha::domain::round::CombineSetting;
use pingcha::domain::rubric::Points;
use pingcha::storage::{self, assignments, audit::Actor};
use std::collections::BTreeMap;

/// A published assignment where every civil file has two reviewers, under "escalate when
/// more than 10 points apart".
struct DoubleReviewed {
    round: String,
    round_id: RoundId,
    file: CaseFileId,
    unit: UnitId,
    first: PersonId,
    second: PersonId,
    leader: PersonId,
    /// A pool member outside the file's team and unit, free to take a review.
    outsider: PersonId,
    members: Vec<PersonId>,
}

fn double_reviewed(app: &TestApp, blind: bool) -> DoubleReviewed {
    double_reviewed_with(app, |settings| settings.blind = blind)
}

fn double_reviewed_with(
    app: &TestApp,
    adjust: impl FnOnce(&mut pingcha::domain::round::RoundSettings),
) -> DoubleReviewed {
    let round = crate::teams::round_in_teaming_with(app, |settings| {
        settings.combine = CombineSetting::Escalate {
            max_gap: Points::whole(10),
        };
        adjust(settings);
    });
    let round_id: RoundId = round.parse().unwrap();
    let mut conn = app.conn();
    let actor = Actor::cli();
    let round_record = storage::rounds::find(&mut conn, round_id).unwrap();
    let options = assignments::Options {
        seed: 4,
        capacity: 8,
        double_review: DoubleReview::AllOfType {
            case_type: pingcha::domain::CaseType::Civil,
        },
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
    let placement = assignment
        .placements
        .iter()
        .find(|placement| {
            placement.reviewers.len() == 2
                && problem.file(placement.file).unwrap().case_type
                    == pingcha::domain::CaseType::Civil
        })
        .expect("a double-reviewed civil file");
    let team = assignment.team_of_member(placement.reviewers[0]).unwrap();
    let unit = problem.file(placement.file).unwrap().unit;
    let outsider = problem
        .reviewers
        .iter()
        .find(|reviewer| {
            reviewer.unit != unit
                && !team.members.contains(&reviewer.id)
                && assignment.load_of(reviewer.id) < 6
        })
        .map(|reviewer| reviewer.id)
        .expect("a free reviewer in another team");
    DoubleReviewed {
        round,
        round_id,
        file: placement.file,
        unit,
        first: placement.reviewers[0],
        second: placement.reviewers[1],
        leader: team.leader,
        outsider,
        members: team.members.clone(),
    }
}

/// One signed-in client per person (a leader may also be one of the file's reviewers).
struct Logins {
    clients: BTreeMap<PersonId, Client>,
}

impl Logins {
    async fn new(app: &TestApp, people: &[PersonId]) -> Logins {
        let mut clients = BTreeMap::new();
        for (index, person) in people.iter().enumerate() {
            if !clients.contains_key(person) {
                let client =
                    crate::helpers::login_for_person(app, &format!("person{index}"), *person).await;
                clients.insert(*person, client);
            }
        }
        Logins { clients }
    }

    fn of(&mut self, person: PersonId) -> &mut Client {
        self.clients.get_mut(&person).unwrap()
    }
}

fn sheet_path(fixture: &DoubleReviewed) -> String {
    format!("/rounds/{}/files/{}/sheet", fixture.round, fixture.file)
}

/// Reviewer A: A5 −1 (99, 优秀).
const LENIENT: &[(&str, &str)] = &[("points_A5", "1"), ("reason_A5", "授权委托书权限空白")];
/// Reviewer B: A3, A4, B1 applied and B3 −6 (87, 良好): 12 points from A.
const HARSH: &[(&str, &str)] = &[
    ("applied_A3", "on"),
    ("reason_A3", "指派超过 3 日"),
    ("applied_A4", "on"),
    ("reason_A4", "协议签订超过 5 日"),
    ("applied_B1", "on"),
    ("reason_B1", "首次会见不及时"),
    ("points_B3", "6"),
    ("reason_B3", "谈话笔录无针对性"),
];

async fn submit(client: &mut Client, path: &str, version: &str, answers: &[(&str, &str)]) {
    let mut fields = vec![("version", version), ("action", "submit")];
    fields.extend_from_slice(answers);
    let reply = client.post_form(path, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

fn stored(
    app: &TestApp,
    fixture: &DoubleReviewed,
    person: PersonId,
) -> storage::sheets::StoredSheet {
    storage::sheets::find(&mut app.conn(), fixture.round_id, fixture.file, person)
        .unwrap()
        .unwrap()
}

#[actix_rt::test]
async fn disagreeing_reviews_are_reconciled_approved_and_published_to_the_unit() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, true);
    let mut logins = Logins::new(&app, &[fixture.first, fixture.second, fixture.leader]).await;
    let path = sheet_path(&fixture);
    let round = fixture.round.clone();
    let queue = format!("/rounds/{round}/reconciliations");
    let reconcile = format!("/rounds/{round}/files/{}/reconcile", fixture.file);

    // Both open their sheets; only the first has submitted: the file is still in review.
    assert_eq!(
        logins.of(fixture.second).get(&path).await.status,
        StatusCode::OK
    );
    assert_eq!(
        logins.of(fixture.first).get(&path).await.status,
        StatusCode::OK
    );
    submit(logins.of(fixture.first), &path, "1", LENIENT).await;
    let page = logins.of(fixture.leader).get(&queue).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("没有需要合议的案卷"), "{}", page.body);
    let early = logins
        .of(fixture.leader)
        .post_form(&reconcile, &[("reason", "x")])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);

    // The second submits 12 points lower: the file joins the queue with the reason.
    submit(logins.of(fixture.second), &path, "1", HARSH).await;
    let page = logins.of(fixture.leader).get(&queue).await;
    assert!(
        page.body
            .contains("评分分别为 87 分和 99 分，相差 12 分，超过允许的 10 分"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&reconcile));
    let approve = format!("/rounds/{round}/team/approve");
    let refused = logins.of(fixture.leader).post_form(&approve, &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("不能审核确认"), "{}", refused.body);

    // The 合议 page shows both reviews item by item.
    let form = logins.of(fixture.leader).get(&reconcile).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("谈话笔录无针对性"));
    assert!(form.body.contains("授权委托书权限空白"));

    let v1 = format!("version_{}", fixture.first);
    let v2 = format!("version_{}", fixture.second);
    let leader = fixture.leader.to_string();
    let first = fixture.first.to_string();
    let second = fixture.second.to_string();
    let valid = |reason: &'static str, total: &'static str, grade: &'static str| {
        vec![
            (v1.clone(), "2".to_string()),
            (v2.clone(), "2".to_string()),
            ("final_total".into(), total.into()),
            ("final_grade".into(), grade.into()),
            ("reason".into(), reason.into()),
            ("participant".into(), leader.clone()),
            ("participant".into(), first.clone()),
            ("participant".into(), second.clone()),
        ]
    };
    // Refusals: no reason; grade not matching the total; one participant; not the leader.
    let missing = valid("", "92", "优秀");
    let reply = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&missing))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("合议必须填写理由"), "{}", reply.body);
    let mismatch = valid("B3 扣分过重", "92", "良好");
    let reply = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&mismatch))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("对应的等次为“优秀”"), "{}", reply.body);
    assert!(
        reply.body.contains("B3 扣分过重"),
        "the input stays on the page"
    );
    let alone: Vec<(String, String)> = valid("理由", "92", "优秀")
        .into_iter()
        .filter(|(key, value)| key != "participant" || *value == leader)
        .collect();
    let reply = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&alone))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("合议至少需要 2 人参加"),
        "{}",
        reply.body
    );
    let mut other = app.login_as("reviewer2").await;
    let good = valid("B3 酌情扣 2 分即可，A3、A4 有正当理由", "92", "优秀");
    let not_leader = other.post_form(&reconcile, &post(&good)).await;
    assert_eq!(not_leader.status, StatusCode::FORBIDDEN);
    if fixture.first != fixture.leader {
        let reviewer_only = logins
            .of(fixture.first)
            .post_form(&reconcile, &post(&good))
            .await;
        assert_eq!(reviewer_only.status, StatusCode::FORBIDDEN);
    }
    let mut admin = app.login_as("admin").await;
    assert_eq!(
        admin.post_form(&reconcile, &post(&good)).await.status,
        StatusCode::FORBIDDEN,
        "administrators do not chair 合议"
    );
    // A page older than a sheet (stale version) is refused.
    let stale: Vec<(String, String)> = good
        .iter()
        .map(|(key, value)| {
            if *key == v1 {
                (key.clone(), "1".to_string())
            } else {
                (key.clone(), value.clone())
            }
        })
        .collect();
    let reply = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&stale))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("第 2 版"), "{}", reply.body);
    // Nothing was stored by any refusal.
    assert_eq!(stored(&app, &fixture, fixture.first).sheet.version, 2);
    assert!(
        storage::reconciliations::for_round(&mut app.conn(), fixture.round_id)
            .unwrap()
            .is_empty()
    );

    // The 合议 is recorded; the sheets are closed; the queue is empty.
    let reply = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&good))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let decisions = storage::reconciliations::for_round(&mut app.conn(), fixture.round_id).unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].final_total, Some(Points::whole(92)));
    assert_eq!(decisions[0].final_grade, "优秀");
    assert_eq!(decisions[0].participants.len(), {
        let mut people = vec![fixture.leader, fixture.first, fixture.second];
        people.sort();
        people.dedup();
        people.len().max(2)
    });
    assert!(decisions[0].triggers[0].contains("相差 12 分"));
    // The score sheets say who took part in the 合议 by name (or count, blind), never by id.
    let mut printer = app.login_as("admin").await;
    let (status, pdf) = printer
        .get_bytes(&format!(
            "/rounds/{}/files/{}/sheets.pdf",
            fixture.round, fixture.file
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let printed = crate::documents::compact_text(&pdf);
    assert!(
        printed.contains("合议意见") && printed.contains("参加人员："),
        "{printed}"
    );
    for person in &decisions[0].participants {
        assert!(!printed.contains(&person.to_string()), "{printed}");
    }
    for person in [fixture.first, fixture.second] {
        assert_eq!(
            stored(&app, &fixture, person).sheet.state.status().code(),
            "reconciled"
        );
    }
    let again = logins
        .of(fixture.leader)
        .post_form(&reconcile, &post(&good))
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a file is reconciled once"
    );
    // A reconciled sheet is locked for its reviewer.
    let locked = logins
        .of(fixture.second)
        .post_form(
            &path,
            &[("version", "3"), ("action", "save"), ("points_B3", "1")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::CONFLICT, "{}", locked.body);
    let page = logins.of(fixture.leader).get(&queue).await;
    assert!(page.body.contains("合议确定"), "{}", page.body);

    // The unit sees nothing before approval.
    let unit_page = format!("/rounds/{round}/units/{}/results", fixture.unit);
    let manager_login = {
        let mut conn = app.conn();
        storage::users::create(
            &mut conn,
            &Actor::cli(),
            &storage::users::NewUser {
                login: "unithead".into(),
                display_name: "unithead".into(),
                role: pingcha::domain::people::Role::CenterManager,
                unit_id: Some(fixture.unit),
                person_id: None,
                password_hash: pingcha::security::hash_password("a-long-password").unwrap(),
            },
            storage::now(),
        )
        .unwrap();
        "unithead"
    };
    let mut manager = app.client();
    assert_eq!(
        manager.login(manager_login, "a-long-password").await.status,
        StatusCode::SEE_OTHER
    );
    let unit_home = manager.get(&format!("/units/{}", fixture.unit)).await;
    assert!(
        unit_home.body.contains(&unit_page),
        "the unit page links to the results"
    );
    let before = manager.get(&unit_page).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(
        !before.body.contains("<td class=\"num\">92</td>"),
        "no score before approval"
    );

    // The rest of the team's files are submitted, then the leader approves.
    submit_rest_of_team(&app, &fixture, &mut logins).await;
    let reply = logins.of(fixture.leader).post_form(&approve, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let twice = logins.of(fixture.leader).post_form(&approve, &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let page = logins.of(fixture.leader).get(&queue).await;
    assert!(page.body.contains("已于"), "{}", page.body);

    // The unit now sees the result, and in this blind round no reviewer's name.
    let after = manager.get(&unit_page).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(
        after.body.contains("<td class=\"num\">92</td>"),
        "{}",
        after.body
    );
    assert!(after.body.contains("评查员甲"), "{}", after.body);
    let names: Vec<String> = {
        let version = assignments::published(&mut app.conn(), fixture.round_id)
            .unwrap()
            .unwrap();
        version
            .problem
            .reviewers
            .iter()
            .map(|reviewer| reviewer.name.clone())
            .collect()
    };
    for name in &names {
        assert!(
            !after.body.contains(name.as_str()),
            "{name} shown to the unit"
        );
    }
    // Another unit's manager is refused; the administrator still sees names.
    let mut manager2 = app.login_as("manager2").await;
    let other_unit = manager2.get(&unit_page).await;
    if fixture.unit.to_string() != app.unit_id("JF") {
        assert_eq!(other_unit.status, StatusCode::FORBIDDEN);
    }
    let admin_view = admin.get(&unit_page).await;
    assert!(
        names
            .iter()
            .any(|name| admin_view.body.contains(name.as_str())),
        "administrators see who scored"
    );

    // The audit trail has the 合议, the closing of both sheets and the approval.
    let trail = storage::audit::list(&mut app.conn(), &Default::default(), 200).unwrap();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    assert!(actions.contains(&"reconciliation.record"));
    assert_eq!(
        actions
            .iter()
            .filter(|action| **action == "reconcile")
            .count(),
        2
    );
    assert!(actions.contains(&"team.approve_results"));
}

/// Every other file of the fixture's team gets its sheets submitted with no deduction, by
/// reviewers signed in on the fly.
async fn submit_rest_of_team(app: &TestApp, fixture: &DoubleReviewed, logins: &mut Logins) {
    let version = assignments::published(&mut app.conn(), fixture.round_id)
        .unwrap()
        .unwrap();
    let mut counter = 100;
    for placement in &version.assignment.placements {
        if placement.file == fixture.file
            || !placement
                .reviewers
                .iter()
                .any(|reviewer| fixture.members.contains(reviewer))
        {
            continue;
        }
        for reviewer in &placement.reviewers {
            if !logins.clients.contains_key(reviewer) {
                counter += 1;
                let client =
                    crate::helpers::login_for_person(app, &format!("member{counter}"), *reviewer)
                        .await;
                logins.clients.insert(*reviewer, client);
            }
            let path = format!("/rounds/{}/files/{}/sheet", fixture.round, placement.file);
            let client = logins.of(*reviewer);
            let form = client.get(&path).await;
            assert_eq!(form.status, StatusCode::OK, "{}", form.body);
            let version = crate::helpers::hidden_value(&form.body, "version").unwrap();
            submit(client, &path, &version, &[]).await;
        }
    }
}

#[actix_rt::test]
async fn reviews_that_agree_need_no_reconciliation_and_sheets_can_be_reopened() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, false);
    let mut logins = Logins::new(&app, &[fixture.first, fixture.second, fixture.leader]).await;
    let path = sheet_path(&fixture);
    for person in [fixture.first, fixture.second] {
        assert_eq!(logins.of(person).get(&path).await.status, StatusCode::OK);
        submit(logins.of(person), &path, "1", LENIENT).await;
    }
    let queue = format!("/rounds/{}/reconciliations", fixture.round);
    let page = logins.of(fixture.leader).get(&queue).await;
    assert!(page.body.contains("没有需要合议的案卷"), "{}", page.body);
    assert!(page.body.contains("两人评查一致"), "{}", page.body);
    // The administrator reopens one sheet: the file is back in review.
    let mut admin = app.login_as("admin").await;
    let reopen = format!(
        "/rounds/{}/files/{}/sheets/{}/reopen",
        fixture.round, fixture.file, fixture.first
    );
    let reply = admin
        .post_form(&reopen, &[("version", "2"), ("text", "复核 A5")])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = logins.of(fixture.leader).get(&queue).await;
    assert!(page.body.contains("已提交 1/2"), "{}", page.body);
    // Not a unit-visible page in a non-blind round either without approval.
    let unit_page = format!("/rounds/{}/units/{}/results", fixture.round, fixture.unit);
    assert_eq!(admin.get(&unit_page).await.status, StatusCode::OK);
}

#[actix_rt::test]
async fn the_administrator_reassigns_a_review_under_the_assignment_rules() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, false);
    let mut logins = Logins::new(&app, &[fixture.first, fixture.outsider]).await;
    let path = sheet_path(&fixture);
    let reassign = format!("/rounds/{}/files/{}/reassign", fixture.round, fixture.file);
    let mut admin = app.login_as("admin").await;
    let progress = admin
        .get(&format!("/rounds/{}/progress", fixture.round))
        .await;
    assert!(
        progress.body.contains(&reassign),
        "the progress page offers it"
    );

    let first = fixture.first.to_string();
    let outsider = fixture.outsider.to_string();
    let second = fixture.second.to_string();
    // A reason is required; a reviewer already on the file is refused; only administrators.
    let reply = admin
        .post_form(
            &reassign,
            &[("from", &first), ("to", &outsider), ("reason", " ")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("改派必须填写原因"));
    let reply = admin
        .post_form(
            &reassign,
            &[("from", &first), ("to", &second), ("reason", "回避")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let mut reviewer = app.login_as("reviewer").await;
    let reply = reviewer
        .post_form(
            &reassign,
            &[("from", &first), ("to", &outsider), ("reason", "x")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // A submitted review does not move.
    assert_eq!(
        logins.of(fixture.first).get(&path).await.status,
        StatusCode::OK
    );
    submit(logins.of(fixture.first), &path, "1", LENIENT).await;
    let reply = admin
        .post_form(
            &reassign,
            &[("from", &first), ("to", &outsider), ("reason", "出差")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("请先重新开放"), "{}", reply.body);
    // Reopened, it moves: the new reviewer opens the file, the former one no longer can.
    let reopen = format!(
        "/rounds/{}/files/{}/sheets/{}/reopen",
        fixture.round, fixture.file, fixture.first
    );
    let reply = admin
        .post_form(&reopen, &[("version", "2"), ("text", "评查员出差，改派")])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // Someone from another team is refused by the rules (the team visiting the unit scores
    // its files); nothing changes.
    let reply = admin
        .post_form(
            &reassign,
            &[("from", &first), ("to", &outsider), ("reason", "出差")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("改派违反分组规则"), "{}", reply.body);
    let version = assignments::published(&mut app.conn(), fixture.round_id)
        .unwrap()
        .unwrap();
    assert!(
        version
            .assignment
            .placement(fixture.file)
            .unwrap()
            .reviewers
            .contains(&fixture.first)
    );
    // A team member the rules accept takes the review over: a new published version.
    let substitute = fixture
        .members
        .iter()
        .copied()
        .find(|member| {
            pingcha::domain::assignment::check_change(
                &version.problem,
                &version.assignment,
                pingcha::domain::assignment::Change::MoveFile {
                    file: fixture.file,
                    from: fixture.first,
                    to: *member,
                },
            )
            .is_ok()
        })
        .expect("a team member who may take the review");
    let reply = admin
        .post_form(
            &reassign,
            &[
                ("from", &first),
                ("to", &substitute.to_string()),
                ("reason", "评查员出差"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let after = assignments::published(&mut app.conn(), fixture.round_id)
        .unwrap()
        .unwrap();
    assert_eq!(after.version, version.version + 1);
    let placement = after.assignment.placement(fixture.file).unwrap();
    assert!(placement.reviewers.contains(&substitute));
    assert!(!placement.reviewers.contains(&fixture.first));
    let mut client = crate::helpers::login_for_person(&app, "substitute", substitute).await;
    assert_eq!(client.get(&path).await.status, StatusCode::OK);
    assert_eq!(
        logins.of(fixture.first).get(&path).await.status,
        StatusCode::FORBIDDEN
    );
    let trail = storage::audit::list(&mut app.conn(), &Default::default(), 50).unwrap();
    let entry = trail
        .iter()
        .find(|entry| entry.action == "review.reassign")
        .expect("audited");
    assert!(entry.after_json.as_deref().unwrap().contains("评查员出差"));
}

#[actix_rt::test]
async fn autosave_keeps_the_version_and_a_stale_tab_loses_nothing() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, false);
    let mut logins = Logins::new(&app, &[fixture.first]).await;
    let client = logins.of(fixture.first);
    let path = sheet_path(&fixture);
    assert_eq!(client.get(&path).await.status, StatusCode::OK);
    let autosave = format!(
        "/api/rounds/{}/files/{}/sheet/draft",
        fixture.round, fixture.file
    );
    let token = client.csrf_token().await;
    // Tab 1 autosaves twice, following the versions it is given.
    let reply = client
        .post_raw_form(
            &autosave,
            &[
                ("csrf", &token),
                ("version", "1"),
                ("points_A5", "1"),
                ("reason_A5", "第一次"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["version"], 2);
    let reply = client
        .post_raw_form(
            &autosave,
            &[
                ("csrf", &token),
                ("version", "2"),
                ("points_A5", "2"),
                ("reason_A5", "第二次"),
            ],
        )
        .await;
    assert_eq!(reply.json()["version"], 3);
    // Tab 2, opened at version 2, autosaves: refused with the conflict message, nothing lost.
    let reply = client
        .post_raw_form(
            &autosave,
            &[
                ("csrf", &token),
                ("version", "2"),
                ("points_B3", "4"),
                ("reason_B3", "另一窗口"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_eq!(reply.json()["error"], "conflict");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("没有丢失")
    );
    let sheet = stored(&app, &fixture, fixture.first);
    assert_eq!(sheet.sheet.version, 3);
    assert_eq!(sheet.sheet.answers.items.len(), 1);
    assert_eq!(sheet.sheet.answers.items[0].reason, "第二次");
    // A malformed number is named and not stored; no CSRF token, no save.
    let reply = client
        .post_raw_form(
            &autosave,
            &[("csrf", &token), ("version", "3"), ("points_A5", "两分")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["message"].as_str().unwrap().contains("A5"));
    let reply = client
        .post_raw_form(&autosave, &[("version", "3"), ("points_A5", "1")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Another reviewer cannot autosave this sheet; after submission autosave is refused.
    let mut other = app.login_as("reviewer2").await;
    let other_token = other.csrf_token().await;
    let reply = other
        .post_raw_form(&autosave, &[("csrf", &other_token), ("version", "3")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let client = logins.of(fixture.first);
    submit(client, &path, "3", LENIENT).await;
    let reply = client
        .post_raw_form(
            &autosave,
            &[("csrf", &token), ("version", "4"), ("points_A5", "2")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap()
            .contains("已提交并锁定")
    );
    assert_eq!(stored(&app, &fixture, fixture.first).sheet.version, 4);
}

#[actix_rt::test]
async fn calibration_shows_deviations_to_administrators_leadership_and_the_team_leader_only() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, false);
    let mut logins = Logins::new(&app, &[fixture.first, fixture.second, fixture.leader]).await;
    let path = sheet_path(&fixture);
    for (person, answers) in [(fixture.first, LENIENT), (fixture.second, HARSH)] {
        assert_eq!(logins.of(person).get(&path).await.status, StatusCode::OK);
        submit(logins.of(person), &path, "1", answers).await;
    }
    let page_path = format!("/rounds/{}/calibration", fixture.round);
    let mut admin = app.login_as("admin").await;
    let page = admin.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // 87 against 99: −12 and +12 from the co-reviewer; B3 deducted by one only.
    assert!(page.body.contains("-12.0"), "{}", page.body);
    assert!(page.body.contains("+12.0"), "{}", page.body);
    assert!(page.body.contains("<code>B3</code>"), "{}", page.body);
    let leader_page = logins.of(fixture.leader).get(&page_path).await;
    assert_eq!(leader_page.status, StatusCode::OK, "{}", leader_page.body);
    assert!(leader_page.body.contains("+12.0"));
    // Leadership sees every team; a reviewer who leads no team and center managers are
    // refused.
    let mut leader = app.login_as("leader").await;
    let leadership_page = leader.get(&page_path).await;
    assert_eq!(leadership_page.status, StatusCode::OK);
    assert!(leadership_page.body.contains("+12.0"));
    let mut plain = app.login_as("reviewer2").await;
    assert_eq!(plain.get(&page_path).await.status, StatusCode::FORBIDDEN);
    let mut manager = app.login_as("manager").await;
    assert_eq!(manager.get(&page_path).await.status, StatusCode::FORBIDDEN);
}

fn post(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

#[actix_rt::test]
async fn indicator_graded_files_are_scored_in_the_form() {
    let app = spawn_app().await;
    let indicator = app.rubric_hash("indicator-sft0084-0085");
    let fixture = double_reviewed_with(&app, move |settings| {
        settings
            .rubrics
            .insert(pingcha::domain::CaseType::Civil, indicator);
    });
    let mut logins = Logins::new(&app, &[fixture.first]).await;
    let client = logins.of(fixture.first);
    let path = sheet_path(&fixture);
    let form = client.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("单项指标评定"), "{}", form.body);
    let codes: Vec<String> = form
        .body
        .split("name=\"grade_")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    assert!(codes.len() >= 5, "{codes:?}");
    let fields: Vec<(String, String)> = codes
        .iter()
        .map(|code| (format!("grade_{code}"), "优".to_string()))
        .collect();
    // Without the overall grade the sheet cannot be submitted; the message says so.
    let mut submit_fields = vec![
        ("version".to_string(), "1".to_string()),
        ("action".to_string(), "submit".to_string()),
    ];
    submit_fields.extend(fields.iter().cloned());
    let reply = client.post_form(&path, &post(&submit_fields)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // The preview grades it as the server will.
    let token = client.csrf_token().await;
    let mut preview_fields = vec![
        ("csrf".to_string(), token),
        ("overall_grade".to_string(), "优秀".to_string()),
    ];
    preview_fields.extend(fields.iter().cloned());
    let preview = client
        .post_raw_form(
            &format!(
                "/api/rounds/{}/files/{}/sheet/preview",
                fixture.round, fixture.file
            ),
            &post(&preview_fields),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.json()["grade"], "优秀", "{}", preview.body);
    submit_fields.push(("overall_grade".into(), "优秀".into()));
    let reply = client.post_form(&path, &post(&submit_fields)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let sheet = stored(&app, &fixture, fixture.first);
    assert_eq!(sheet.grade.as_deref(), Some("优秀"));
    assert_eq!(sheet.total_tenths, None);
    assert_eq!(sheet.sheet.answers.indicators.len(), codes.len());
    let form = client.get(&path).await;
    assert!(
        form.body.contains("<option value=\"优\" selected>"),
        "answers shown again"
    );
}

/// The file's first reviewer is made its team's leader. While they have not submitted, the
/// co-reviewer's total shows nowhere they can look (team page, 合议 queue, calibration) and the
/// 合议 form is refused with a sentence; once they submit, it shows.
#[actix_rt::test]
async fn a_team_leader_reviewing_a_file_sees_no_co_review_before_submitting() {
    let app = spawn_app().await;
    let fixture = double_reviewed(&app, false);
    {
        let mut conn = app.conn();
        let version = assignments::published(&mut conn, fixture.round_id)
            .unwrap()
            .unwrap();
        let mut assignment = (*version.assignment).clone();
        let team = assignment
            .teams
            .iter_mut()
            .find(|team| team.members.contains(&fixture.first))
            .unwrap();
        team.leader = fixture.first;
        let number = assignments::store_draft(
            &mut conn,
            &Actor::cli(),
            fixture.round_id,
            &version.problem,
            &assignment,
            Some("组长调整"),
            storage::now(),
        )
        .unwrap();
        assignments::publish(
            &mut conn,
            &Actor::cli(),
            fixture.round_id,
            number,
            storage::now(),
        )
        .unwrap();
    }
    let mut logins = Logins::new(&app, &[fixture.first, fixture.second]).await;
    let path = sheet_path(&fixture);
    assert_eq!(
        logins.of(fixture.second).get(&path).await.status,
        StatusCode::OK
    );
    submit(logins.of(fixture.second), &path, "1", HARSH).await;
    let second_name = {
        let mut conn = app.conn();
        assignments::published(&mut conn, fixture.round_id)
            .unwrap()
            .unwrap()
            .problem
            .reviewer_name(fixture.second)
            .to_string()
    };
    let round = &fixture.round;
    let leader = logins.of(fixture.first);
    let team = leader.get(&format!("/rounds/{round}/team")).await;
    assert_eq!(team.status, StatusCode::OK, "{}", team.body);
    assert!(
        !team.body.contains("<td class=\"num\">87</td>"),
        "{}",
        team.body
    );
    assert!(team.body.contains(&second_name), "{}", team.body);
    let queue = leader
        .get(&format!("/rounds/{round}/reconciliations"))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert!(
        !queue.body.contains(&format!("{second_name}：87 分")),
        "{}",
        queue.body
    );
    let calibration = leader.get(&format!("/rounds/{round}/calibration")).await;
    assert_eq!(calibration.status, StatusCode::OK);
    assert!(
        !calibration.body.contains(&second_name),
        "{}",
        calibration.body
    );
    let form = leader
        .get(&format!("/rounds/{round}/files/{}/reconcile", fixture.file))
        .await;
    assert_eq!(form.status, StatusCode::CONFLICT);
    assert!(form.body.contains("请先提交本人的评分表"), "{}", form.body);

    assert_eq!(leader.get(&path).await.status, StatusCode::OK);
    submit(leader, &path, "1", LENIENT).await;
    let team = leader.get(&format!("/rounds/{round}/team")).await;
    assert!(
        team.body.contains("<td class=\"num\">87</td>"),
        "{}",
        team.body
    );
    let queue = leader
        .get(&format!("/rounds/{round}/reconciliations"))
        .await;
    assert!(
        queue.body.contains(&format!("{second_name}：87 分")),
        "{}",
        queue.body
    );
}
