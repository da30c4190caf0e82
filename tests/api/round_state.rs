//! The round's status governs every write (`domain::round_actions`): a closed quarter cannot
//! be changed by anyone, through the pages, the API or storage itself; and the route table ×
//! round status matrix: every writing route, in every status, is refused with the rule's
//! message exactly where the rule says so.

use crate::access::{Fixtures, concrete_path, fixtures, login_for};
use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::ids::{PersonId, RoundId};
use pingcha::domain::people::Role;
use pingcha::domain::round::RoundStatus;
use pingcha::domain::round_actions::{self, RoundAction};
use pingcha::storage::{self, audit::Actor};
use pingcha::web::auth::Access;
use pingcha::web::round_guard::{self, RouteWrite};
use pingcha::web::routes;

/// Sets a round's status directly (the matrix puts one set of records through every status).
fn set_status(app: &TestApp, round: &str, status: RoundStatus) {
    use diesel::prelude::*;
    use pingcha::storage::schema::review_rounds;
    let mut conn = app.conn();
    diesel::update(review_rounds::table.filter(review_rounds::id.eq(round)))
        .set(review_rounds::status.eq(status.code()))
        .execute(&mut *conn)
        .unwrap();
}

/// Whether a reply is the round-state rule's refusal.
fn is_round_refusal(reply: &crate::helpers::Reply) -> bool {
    reply.status == StatusCode::CONFLICT
        && (reply.body.contains("本轮评查已结束，不能再修改")
            || reply.body.contains("本轮评查处于“"))
}

/// Everything of the round that a change would show: the summary's figures (count, grades,
/// mean), the findings, and every sheet's state and version.
async fn figures(app: &TestApp, admin: &mut Client, round: &str) -> String {
    let summary = admin.get(&format!("/api/rounds/{round}/summary")).await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    let findings = admin.get(&format!("/api/rounds/{round}/findings")).await;
    assert_eq!(findings.status, StatusCode::OK, "{}", findings.body);
    let mut conn = app.conn();
    let mut sheets: Vec<String> = storage::sheets::for_round(&mut conn, round.parse().unwrap())
        .unwrap()
        .iter()
        .map(|sheet| {
            format!(
                "{} {} {} {:?}",
                sheet.id,
                sheet.sheet.state.status().code(),
                sheet.sheet.version,
                sheet.total_tenths
            )
        })
        .collect();
    sheets.sort();
    format!("{}\n{}\n{}", summary.body, findings.body, sheets.join("\n"))
}

/// A submitted sheet of a member (not the leader) of the team the fixture reviewer leads:
/// (file, member, version).
fn member_sheet(app: &TestApp, fixtures: &Fixtures) -> (String, PersonId, i64) {
    let round: RoundId = fixtures.round.parse().unwrap();
    let leader: PersonId = fixtures.reviewer.parse().unwrap();
    let mut conn = app.conn();
    let version = storage::assignments::published(&mut conn, round)
        .unwrap()
        .unwrap();
    let team = version
        .assignment
        .teams
        .iter()
        .find(|team| team.leader == leader)
        .unwrap();
    // Files of a case type the round scores (others have no sheets).
    let (file, member, sheet) = version
        .assignment
        .placements
        .iter()
        .filter(|placement| {
            team.units
                .contains(&version.problem.file(placement.file).unwrap().unit)
        })
        .flat_map(|placement| {
            placement
                .reviewers
                .iter()
                .map(move |reviewer| (placement.file, *reviewer))
        })
        .filter(|(_, reviewer)| team.members.contains(reviewer))
        // A member other than the leader where there is one.
        .map(|(file, reviewer)| (reviewer == leader, file, reviewer))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .find_map(|(_, file, member)| {
            let sheet = storage::sheets::find(&mut conn, round, file, member).unwrap()?;
            Some((file, member, sheet))
        })
        .expect("a sheet of the leader's team");
    assert_eq!(sheet.sheet.state.status().code(), "submitted");
    (file.to_string(), member, sheet.sheet.version)
}

#[actix_rt::test]
async fn a_team_leader_cannot_change_a_closed_round() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    let round = fixtures.round.clone();
    crate::round_documents::advance(&app, &round, RoundStatus::Closed);
    let mut admin = app.login_as("admin").await;
    let before = figures(&app, &mut admin, &round).await;

    let (file, member, version) = member_sheet(&app, &fixtures);
    let mut leader = app.login_as("reviewer").await;
    let returned = leader
        .post_form(
            &format!("/rounds/{round}/files/{file}/sheets/{member}/return"),
            &[
                ("version", &version.to_string()),
                ("text", "请补充扣分理由"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::CONFLICT, "{}", returned.body);
    assert!(
        returned.body.contains("本轮评查已结束，不能再修改"),
        "{}",
        returned.body
    );
    let added = leader
        .post_form(
            &format!("/rounds/{round}/findings"),
            &[
                ("case_file", fixtures.file.as_str()),
                ("item_code", "C2"),
                ("item_text", "会见笔录要素齐全"),
                ("reason", "会见笔录缺少会见地点"),
                ("points", "2"),
                ("severity", "minor"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::CONFLICT, "{}", added.body);
    assert!(
        added.body.contains("本轮评查已结束，不能再修改"),
        "{}",
        added.body
    );

    // The round's figures and records are as they were.
    assert_eq!(figures(&app, &mut admin, &round).await, before);
}

#[actix_rt::test]
async fn the_administrator_cannot_change_a_closed_round_and_neither_can_storage() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    let round = fixtures.round.clone();
    let round_id: RoundId = round.parse().unwrap();
    crate::round_documents::advance(&app, &round, RoundStatus::Closed);
    let mut admin = app.login_as("admin").await;
    let before = figures(&app, &mut admin, &round).await;

    // Reopen a submitted sheet.
    let (file, member, version) = member_sheet(&app, &fixtures);
    let reopened = admin
        .post_form(
            &format!("/rounds/{round}/files/{file}/sheets/{member}/reopen"),
            &[("version", &version.to_string()), ("text", "复核")],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::CONFLICT, "{}", reopened.body);
    assert!(reopened.body.contains("本轮评查已结束，不能再修改"));

    // Issue a notice still in draft (another unit's), through the page and the API.
    let draft = {
        let mut conn = app.conn();
        storage::rectification::notices(&mut conn, pingcha::domain::UnitScope::All, Some(round_id))
            .unwrap()
            .into_iter()
            .find(|notice| notice.doc_number.is_none())
            .expect("a draft notice")
            .id
    };
    let issued = admin
        .post_form(
            &format!("/notices/{draft}/issue"),
            &[("days", "30"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(issued.status, StatusCode::CONFLICT, "{}", issued.body);
    assert!(issued.body.contains("本轮评查已结束，不能再修改"));
    let token = admin.csrf_token().await;
    let api = admin
        .post_json(
            &format!("/api/notices/{draft}/transition"),
            &serde_json::json!({ "action": "issue", "confirm": true }),
            Some(&token),
        )
        .await;
    assert_eq!(api.status, StatusCode::CONFLICT, "{}", api.body);
    assert_eq!(api.json()["error"], "conflict");
    assert!(
        api.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("本轮评查已结束，不能再修改")
    );

    // Storage refuses the same writes itself (the CLI and every other caller go through it).
    let mut conn = app.conn();
    let admin_account = storage::users::find_by_login(&mut conn, "admin")
        .unwrap()
        .unwrap()
        .0;
    let caller = storage::rectification::Caller {
        actor: Actor::cli(),
        account: admin_account,
        scope: pingcha::domain::UnitScope::All,
    };
    let refused = storage::rectification::issue(
        &mut conn,
        &caller,
        draft,
        30,
        storage::today(),
        storage::now(),
    )
    .unwrap_err();
    assert!(
        matches!(
            refused,
            storage::rectification::ActError::Storage(storage::Error::RoundState(
                round_actions::RoundStateError::Closed {
                    action: RoundAction::IssueNotice
                }
            ))
        ),
        "{refused:?}"
    );
    let stored = storage::sheets::find(&mut conn, round_id, file.parse().unwrap(), member)
        .unwrap()
        .unwrap();
    let update = stored
        .sheet
        .apply(
            stored.sheet.version,
            pingcha::domain::scoring::sheet::SheetAction::Reopen { reason: "复核" },
            pingcha::domain::scoring::sheet::SheetActor {
                role: Role::BureauAdmin,
                is_assigned_reviewer: false,
                is_team_leader: false,
            },
        )
        .unwrap();
    let refused = storage::sheets::save(
        &mut conn,
        &Actor::cli(),
        &stored,
        &update,
        None,
        storage::now(),
    )
    .unwrap_err();
    assert!(
        matches!(refused, storage::sheets::SaveError::Refused(_)),
        "{refused:?}"
    );
    let refused = storage::rectification::generate_findings(
        &mut conn,
        &Actor::cli(),
        round_id,
        storage::now(),
    )
    .unwrap_err();
    assert!(
        matches!(refused, storage::Error::RoundState(_)),
        "{refused:?}"
    );
    drop(conn);
    assert_eq!(figures(&app, &mut admin, &round).await, before);
}

/// The role the matrix signs in as for a route: the administrator where allowed, otherwise
/// the one role the route admits.
fn role_for(access: Access) -> Role {
    match access {
        Access::Roles(roles) if !roles.contains(&Role::BureauAdmin) => roles[0],
        _ => Role::BureauAdmin,
    }
}

/// A multipart body with text fields and at most one file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "round-state-boundary".to_string();
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

/// The offline result of a packet downloaded for the fixture reviewer: a draft save of the
/// packet's first sheet (its answers as they are).
async fn offline_result(app: &TestApp, fixtures: &Fixtures) -> String {
    // The reviewer's sheet on the fixture file, reopened so that a packet carries it.
    {
        let mut conn = app.conn();
        let stored = storage::sheets::find(
            &mut conn,
            fixtures.round.parse().unwrap(),
            fixtures.file.parse().unwrap(),
            fixtures.reviewer.parse().unwrap(),
        )
        .unwrap()
        .unwrap();
        let update = stored
            .sheet
            .apply(
                stored.sheet.version,
                pingcha::domain::scoring::sheet::SheetAction::Reopen {
                    reason: "离线补充"
                },
                pingcha::domain::scoring::sheet::SheetActor {
                    role: Role::BureauAdmin,
                    is_assigned_reviewer: false,
                    is_team_leader: false,
                },
            )
            .unwrap();
        storage::sheets::save(
            &mut conn,
            &Actor::cli(),
            &stored,
            &update,
            None,
            storage::now(),
        )
        .unwrap();
    }
    let mut reviewer = app.login_as("reviewer").await;
    let token = reviewer.csrf_token().await;
    let reply = reviewer
        .post_json(
            "/api/offline/packets",
            &serde_json::json!({ "round": fixtures.round }),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let packet = pingcha::domain::offline::decode(&reply.body).unwrap();
    let sheets = packet
        .payload
        .files
        .iter()
        .take(1)
        .map(|file| pingcha::domain::offline::ResultSheet {
            sheet_id: file.sheet_id.clone(),
            case_no: file.case_no.clone(),
            base_version: file.version,
            submitted: false,
            answers: Default::default(),
        })
        .collect();
    pingcha::domain::offline::encode_result(&reply.body, storage::now(), sheets)
}

/// Sends a writing route's request as `client`: the path's records exist; a route whose round
/// is named in its body gets a body naming the fixture round (or its records).
async fn send(
    client: &mut Client,
    path: &str,
    fixtures: &Fixtures,
    registry: &[u8],
    result: &str,
) -> crate::helpers::Reply {
    let token = client.csrf_token().await;
    match path {
        "/objections" => {
            let (boundary, body) = multipart(
                &[
                    ("finding", &fixtures.finding),
                    ("reason", "卷内第9页有记录"),
                ],
                None,
            );
            client.post_multipart(path, &boundary, body).await
        }
        "/api/objections" => client
            .post_json(
                path,
                &serde_json::json!({ "finding": fixtures.finding, "reason": "卷内第9页有记录" }),
                Some(&token),
            )
            .await,
        "/offline/packets" => {
            client
                .post_raw_form(path, &[("csrf", &token), ("round", &fixtures.round)])
                .await
        }
        "/api/offline/packets" => {
            client
                .post_json(
                    path,
                    &serde_json::json!({ "round": fixtures.round }),
                    Some(&token),
                )
                .await
        }
        "/offline/results" => {
            client
                .post_file(path, "result", "result.pcres", result.as_bytes())
                .await
        }
        "/api/offline/results" => {
            let body: serde_json::Value = serde_json::from_str(result).unwrap();
            client.post_json(path, &body, Some(&token)).await
        }
        "/imports" | "/api/imports" => {
            let (boundary, body) = multipart(
                &[("kind", "cases"), ("round_id", &fixtures.round)],
                Some(("file", "台账.xlsx", registry)),
            );
            client.post_multipart(path, &boundary, body).await
        }
        _ => client.post_raw_form(path, &[("csrf", &token)]).await,
    }
}

#[actix_rt::test]
async fn every_writing_route_obeys_the_round_state_rule_in_every_status() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    // Every non-GET route of the table says what it writes: a new route cannot be missed.
    let table = routes::table();
    let mut writes = Vec::new();
    for spec in &table {
        if spec.method == "GET" {
            continue;
        }
        let write = round_guard::classify(&spec.method, spec.path).unwrap_or_else(|| {
            panic!(
                "{} {} is not classified in web::round_guard::classify",
                spec.method, spec.path
            )
        });
        writes.push((spec, write));
    }
    assert!(writes.len() >= 60, "{} writing routes", writes.len());
    let round_writes: Vec<_> = writes
        .iter()
        .filter_map(|(spec, write)| match write {
            RouteWrite::Path(action, _)
            | RouteWrite::Body(action)
            | RouteWrite::ScoreForm(action) => Some((*spec, *action)),
            RouteWrite::NotRoundData | RouteWrite::NoWrite => None,
        })
        .collect();
    // Every kind of write is reachable through some route.
    for action in RoundAction::ALL {
        assert!(
            round_writes.iter().any(|(_, routed)| *routed == action),
            "no route for {action:?}"
        );
    }
    let registry = crate::rounds::registry_xlsx(2);
    set_status(&app, &fixtures.round, RoundStatus::Reviewing);
    let result = offline_result(&app, &fixtures).await;

    let mut clients = std::collections::BTreeMap::new();
    for role in [
        Role::BureauAdmin,
        Role::Reviewer,
        Role::CenterManager,
        Role::Leader,
    ] {
        clients.insert(login_for(role), app.login_as(login_for(role)).await);
    }
    let mut checked = 0;
    for status in RoundStatus::ALL {
        set_status(&app, &fixtures.round, status);
        for (spec, action) in &round_writes {
            let login = login_for(role_for(spec.access));
            let client = clients.get_mut(login).unwrap();
            let mut path = concrete_path(&app, &fixtures, spec.path);
            if spec.path.ends_with("/imports/{id}/commit") {
                // A commit uses its pending import up: a fresh one each time.
                let mut conn = app.conn();
                let import = storage::pending::create(
                    &mut conn,
                    "cases",
                    Some(fixtures.round.parse().unwrap()),
                    None,
                    "台账.xlsx",
                    &registry,
                    "admin",
                    storage::now(),
                )
                .unwrap();
                path = path.replace(&fixtures.import, &import.to_string());
            }
            let reply = send(client, &path, &fixtures, &registry, &result).await;
            let context = format!(
                "{} {} as {login} in {status:?} ({action:?}): {} {}",
                spec.method,
                spec.path,
                reply.status,
                reply.body.chars().take(300).collect::<String>()
            );
            assert_ne!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{context}");
            if round_actions::check(status, *action).is_ok() {
                assert!(!is_round_refusal(&reply), "allowed but refused: {context}");
            } else {
                assert!(is_round_refusal(&reply), "not refused: {context}");
                let expected = round_actions::check(status, *action)
                    .unwrap_err()
                    .to_string();
                if spec.path.starts_with("/api/") {
                    assert_eq!(reply.json()["error"], "conflict", "{context}");
                    assert_eq!(reply.json()["message"], expected.as_str(), "{context}");
                } else {
                    assert!(reply.body.contains(&expected), "{context}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, round_writes.len() * RoundStatus::ALL.len());
}

/// A write checks the status inside its transaction, and a status change waits for it: the
/// round cannot be closed between a write's check and its commit (on PostgreSQL the check
/// reads the round `FOR SHARE`; SQLite has one writer at a time). A write that starts after
/// the change sees the new status.
#[actix_rt::test]
async fn a_status_change_waits_for_a_write_that_has_checked_the_status() {
    let app = spawn_app().await;
    let round = crate::round_documents::scored_round(&app, false);
    let round_id: RoundId = round.parse().unwrap();
    let (checked_tx, checked_rx) = std::sync::mpsc::channel();
    let mut writer = app.conn();
    let mut closer = app.conn();
    let (write_done, advanced) = std::thread::scope(|scope| {
        let write = scope.spawn(move || {
            storage::transaction(&mut writer, |conn| {
                storage::rounds::require(conn, round_id, RoundAction::ScoreSheet)?;
                checked_tx.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(600));
                Ok::<_, storage::Error>(std::time::Instant::now())
            })
            .unwrap()
        });
        checked_rx.recv().unwrap();
        let advance = scope.spawn(move || {
            storage::rounds::advance(
                &mut closer,
                &Actor::cli(),
                round_id,
                RoundStatus::Feedback,
                storage::now(),
            )
            .unwrap();
            std::time::Instant::now()
        });
        (write.join().unwrap(), advance.join().unwrap())
    });
    assert!(
        advanced >= write_done,
        "the status changed while a write that had checked it was still open"
    );
    let mut conn = app.conn();
    let refused = storage::transaction(&mut conn, |conn| {
        storage::rounds::require(conn, round_id, RoundAction::ScoreSheet)
    })
    .unwrap_err();
    assert!(
        matches!(
            refused,
            storage::Error::RoundState(round_actions::RoundStateError::WrongStage {
                status: RoundStatus::Feedback,
                ..
            })
        ),
        "{refused:?}"
    );
}

/// The command line writes through the same storage: `pingcha assign` on a closed round is
/// refused with the rule's words and stores no team version.
#[actix_rt::test]
async fn the_command_line_cannot_change_a_closed_round() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    crate::round_documents::advance(&app, &fixtures.round, RoundStatus::Closed);
    let versions = |app: &TestApp| {
        let mut conn = app.conn();
        storage::assignments::versions(&mut conn, fixtures.round.parse().unwrap())
            .unwrap()
            .len()
    };
    let before = versions(&app);
    let (ok, _, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            app.database_url(),
            "assign",
            &fixtures.round,
        ],
        None,
    );
    assert!(!ok);
    assert!(
        stderr.contains("本轮评查已结束，不能再修改（调整评查分组）"),
        "{stderr}"
    );
    assert_eq!(versions(&app), before);
}
