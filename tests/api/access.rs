//! The route table × roles matrix: every route, as every role and anonymous, gets the outcome
//! its access rule promises.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::people::Role;
use pingcha::domain::round::RoundStatus;
use pingcha::web::auth::Access;
use pingcha::web::routes;

/// Demo login per role.
pub(crate) fn login_for(role: Role) -> &'static str {
    match role {
        Role::BureauAdmin => "admin",
        Role::Reviewer => "reviewer",
        Role::CenterManager => "manager",
        Role::Leader => "leader",
    }
}

/// Real records for every kind of id in the route table: a round with a frozen sample and a
/// pending import.
pub(crate) struct Fixtures {
    pub(crate) round: String,
    pub(crate) import: String,
    pub(crate) file: String,
    pub(crate) reviewer: String,
    pub(crate) notice: String,
    pub(crate) finding: String,
    pub(crate) evidence: String,
    pub(crate) objection: String,
    pub(crate) document: String,
}

pub(crate) fn fixtures(app: &TestApp) -> Fixtures {
    use pingcha::storage::{self, audit::Actor};
    let mut conn = app.conn();
    let actor = Actor::cli();
    let hash = app.rubric_hash("civil");
    let settings =
        crate::helpers::round_settings("矩阵测试轮次", [(pingcha::domain::CaseType::Civil, hash)]);
    let round = storage::rounds::create(&mut conn, &actor, &settings, storage::now()).unwrap();
    let registry = crate::rounds::registry_xlsx(4);
    pingcha::app::imports::commit_cases(
        &mut conn,
        &actor,
        "台账.xlsx",
        &registry,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    let round = storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        pingcha::domain::round::RoundStatus::Sampling,
        storage::now(),
    )
    .unwrap();
    storage::sampling::freeze(&mut conn, &actor, &round, 1, storage::now()).unwrap();
    let round = storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        pingcha::domain::round::RoundStatus::Teaming,
        storage::now(),
    )
    .unwrap();
    let options = storage::assignments::Options {
        seed: 1,
        capacity: 8,
        ..Default::default()
    };
    let problem = storage::assignments::build_problem(&mut conn, &round, options).unwrap();
    let mut assignment = pingcha::domain::assignment::solve(&problem).unwrap();
    // The demo reviewer takes one file outside their own unit, so the sheet routes have a
    // file they may open.
    let reviewer = pingcha::storage::users::find_by_login(&mut conn, "reviewer")
        .unwrap()
        .unwrap()
        .0;
    let person = reviewer.person_id.unwrap();
    let own_unit = problem.reviewer(person).unwrap().unit;
    let manager_unit = app.unit_id("XQ");
    let placement = assignment
        .placements
        .iter_mut()
        .find(|placement| {
            let file = problem.file(placement.file).unwrap();
            // In unit XQ, whose center manager the matrix signs in as, so the file's
            // documents open for that manager too.
            file.unit != own_unit
                && file.unit.to_string() == manager_unit
                && file.case_type == pingcha::domain::CaseType::Civil
        })
        .unwrap();
    placement.reviewers[0] = person;
    let file = placement.file.to_string();
    // …and leads the team that visits that file's unit, so the leader's page opens too.
    let file_unit = problem.file(placement.file).unwrap().unit;
    let team = assignment
        .teams
        .iter_mut()
        .find(|team| team.units.contains(&file_unit))
        .unwrap();
    team.leader = person;
    if !team.members.contains(&person) {
        team.members.push(person);
    }
    let reviewer_id = person.to_string();
    storage::assignments::store_draft(
        &mut conn,
        &actor,
        round.id,
        &problem,
        &assignment,
        None,
        storage::now(),
    )
    .unwrap();
    storage::assignments::publish(&mut conn, &actor, round.id, 1, storage::now()).unwrap();
    // Every sheet submitted and the results fed back, so the document routes have something
    // to print for each role that may read them.
    drop(conn);
    let round_id = round.id.to_string();
    crate::round_documents::advance(app, &round_id, RoundStatus::Reviewing);
    crate::round_documents::submit_all(app, &round_id);
    crate::round_documents::advance(app, &round_id, RoundStatus::Feedback);
    let mut conn = app.conn();
    let import = storage::pending::create(
        &mut conn,
        "cases",
        Some(round.id),
        None,
        "台账.xlsx",
        &registry,
        "admin",
        storage::now(),
    )
    .unwrap();
    let (notice, finding, evidence) = rectification_fixture(&mut conn, round.id);
    let objection = objection_fixture(&mut conn, round.id, &file);
    drop(conn);
    // An electronic case file for the file, so its viewer routes have something to serve.
    let document = crate::ecf::attach(app, &file, "卷宗.pdf", &crate::ecf::pdf(2, None, 0, &[]));
    Fixtures {
        document,
        objection,
        round: round.id.to_string(),
        import: import.to_string(),
        file,
        reviewer: reviewer_id,
        notice,
        finding,
        evidence,
    }
}

/// An issued notice to the demo manager's unit (XQ) with one finding on it and one evidence
/// file: (notice, finding, evidence).
fn rectification_fixture(
    conn: &mut pingcha::storage::DbConn,
    round: pingcha::domain::ids::RoundId,
) -> (String, String, String) {
    use diesel::prelude::*;
    use pingcha::storage::schema::{case_files, sample_picks, units};
    use pingcha::storage::{self, audit::Actor, rectification};
    let actor = Actor::cli();
    let file: String = sample_picks::table
        .inner_join(case_files::table)
        .inner_join(units::table.on(units::id.eq(case_files::unit_id)))
        .filter(sample_picks::round_id.eq(round.to_string()))
        .filter(units::code.eq("XQ"))
        .select(case_files::id)
        .first(conn)
        .unwrap();
    let finding = rectification::add_finding(
        conn,
        &actor,
        &rectification::ManualFinding {
            round,
            case_file: file.parse().unwrap(),
            item_code: "C2".into(),
            item_text: "会见笔录要素齐全".into(),
            reason: "会见笔录缺少会见地点".into(),
            points: pingcha::domain::rubric::Points::whole(2),
            page_ref: Some("7".into()),
            severity: pingcha::domain::findings::Severity::Minor,
            source: pingcha::domain::findings::FindingSource::AddedByAdmin,
        },
        storage::now(),
    )
    .unwrap();
    let round_record = storage::rounds::find(conn, round).unwrap();
    rectification::draft_notices(conn, &actor, &round_record, storage::now()).unwrap();
    let xq: pingcha::domain::ids::UnitId = units::table
        .filter(units::code.eq("XQ"))
        .select(units::id)
        .first::<String>(conn)
        .unwrap()
        .parse()
        .unwrap();
    let notice = rectification::notices(conn, pingcha::domain::UnitScope::All, Some(round))
        .unwrap()
        .into_iter()
        .find(|notice| notice.unit_id == xq)
        .unwrap()
        .id;
    rectification::set_selected(conn, &actor, notice, finding, true, storage::now()).unwrap();
    let admin = storage::users::find_by_login(conn, "admin")
        .unwrap()
        .unwrap()
        .0;
    let admin = rectification::Caller {
        actor: actor.clone(),
        account: admin,
        scope: pingcha::domain::UnitScope::All,
    };
    rectification::issue(conn, &admin, notice, 30, storage::today(), storage::now()).unwrap();
    let manager = storage::users::find_by_login(conn, "manager")
        .unwrap()
        .unwrap()
        .0;
    let manager = rectification::Caller {
        actor: actor.clone(),
        scope: pingcha::domain::UnitScope::Unit(manager.unit_id.unwrap()),
        account: manager,
    };
    let evidence = rectification::add_evidence(
        conn,
        &manager,
        finding,
        "scan.pdf",
        pingcha::domain::evidence::EvidenceKind::Pdf,
        b"%PDF-1.4\n%%EOF\n",
        storage::now(),
    )
    .unwrap();
    (notice.to_string(), finding.to_string(), evidence)
}

/// An objection by the demo manager to the reviewer's deduction on the fixture file (whose
/// team the demo reviewer leads), with evidence.
fn objection_fixture(
    conn: &mut pingcha::storage::DbConn,
    round: pingcha::domain::ids::RoundId,
    file: &str,
) -> String {
    use pingcha::app::objections;
    use pingcha::storage::{self, audit::Actor, rectification};
    let finding = rectification::list_findings(
        conn,
        pingcha::domain::UnitScope::All,
        rectification::FindingFilter {
            round: Some(round),
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .find(|stored| {
        stored.finding.case_file_id.to_string() == file
            && stored.finding.source == pingcha::domain::findings::FindingSource::Deduction
    })
    .unwrap();
    let manager = storage::users::find_by_login(conn, "manager")
        .unwrap()
        .unwrap()
        .0;
    objections::file(
        conn,
        &objections::Caller {
            actor: &Actor::cli(),
            account: &manager,
        },
        finding.finding.id,
        "卷内第7页有会见笔录",
        Some(objections::Evidence {
            file_name: "scan.pdf",
            kind: pingcha::domain::evidence::EvidenceKind::Pdf,
            bytes: b"%PDF-1.4\n%%EOF\n",
        }),
        storage::today(),
        storage::now(),
    )
    .unwrap()
    .to_string()
}

/// A concrete path for a route pattern: ids the caller may see, so that a refusal can only
/// come from the role rule.
pub(crate) fn concrete_path(app: &TestApp, fixtures: &Fixtures, pattern: &str) -> String {
    let own_unit = app.unit_id("XQ");
    let mut conn = app.conn();
    let leader = pingcha::storage::users::find_by_login(&mut conn, "leader")
        .unwrap()
        .unwrap()
        .0;
    pattern
        .replace("/units/{id}", &format!("/units/{own_unit}"))
        .replace("/units/{unit}", &format!("/units/{own_unit}"))
        .replace("/users/{id}", &format!("/users/{}", leader.id))
        .replace("/rounds/{id}", &format!("/rounds/{}", fixtures.round))
        .replace("/imports/{id}", &format!("/imports/{}", fixtures.import))
        .replace("/pdfjs/{name}", "/pdfjs/pdf.min.mjs")
        .replace("{version}", "1")
        .replace("{notice}", &fixtures.notice)
        .replace("{finding}", &fixtures.finding)
        .replace("{evidence}", &fixtures.evidence)
        .replace("{objection}", &fixtures.objection)
        .replace("{doc}", &fixtures.document)
        .replace("{file}", &fixtures.file)
        .replace("{reviewer}", &fixtures.reviewer)
        .replace("{name}", "app.css")
        .replace("{hash}", &app.rubric_hash("criminal"))
}

async fn send(
    client: &mut Client,
    method: &str,
    path: &str,
    csrf: Option<&str>,
) -> crate::helpers::Reply {
    match method {
        "GET" => client.get(path).await,
        _ => {
            let fields: Vec<(&str, &str)> =
                csrf.map(|token| vec![("csrf", token)]).unwrap_or_default();
            client.post_raw_form(path, &fields).await
        }
    }
}

#[actix_rt::test]
async fn every_route_answers_every_role_as_its_rule_says() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    let mut table = routes::table();
    // Sign-out ends the session the matrix is using: check it last.
    table.sort_by_key(|spec| spec.path == "/logout");
    let mut checked = 0;
    for role in [
        None,
        Some(Role::BureauAdmin),
        Some(Role::Reviewer),
        Some(Role::CenterManager),
        Some(Role::Leader),
    ] {
        for spec in &table {
            let mut client = match role {
                Some(role) => app.login_as(login_for(role)).await,
                None => app.client(),
            };
            let csrf = match role {
                Some(_) => Some(client.csrf_token().await),
                None => None,
            };
            let path = concrete_path(&app, &fixtures, spec.path);
            assert!(!path.contains('{'), "no fixture for {}", spec.path);
            let reply = send(&mut client, spec.method.as_str(), &path, csrf.as_deref()).await;
            let allowed = spec.access.allows(role);
            let context = format!(
                "{} {} as {:?}: {} {}",
                spec.method,
                path,
                role,
                reply.status,
                reply.body.chars().take(200).collect::<String>()
            );
            if allowed && spec.method == "GET" {
                let expected = if spec.path == "/login" && role.is_some() {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::OK
                };
                assert_eq!(reply.status, expected, "allowed page failed: {context}");
            } else if allowed {
                // Posts carry no form, so 400 or 409 is fine; a refusal or a crash is not.
                assert!(
                    !matches!(
                        reply.status,
                        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
                    ) || (spec.access == Access::Public
                        && (spec.path == "/login" || spec.path == "/verify")),
                    "allowed but refused: {context}"
                );
                assert!(
                    reply.status != StatusCode::INTERNAL_SERVER_ERROR,
                    "server error: {context}"
                );
            } else if role.is_none() {
                let api = path.starts_with("/api/");
                if spec.method == "GET" && !api {
                    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{context}");
                    assert!(
                        reply
                            .location()
                            .unwrap_or_default()
                            .starts_with("/login?next="),
                        "{context}"
                    );
                } else {
                    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{context}");
                }
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{context}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, table.len() * 5);
}

#[actix_rt::test]
async fn unknown_paths_get_a_friendly_page() {
    let app = spawn_app().await;
    let mut client = app.login_as("admin").await;
    let reply = client.get("/no/such/page").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("您要找的页面或记录不存在"));
    let reply = client.get("/api/no-such-thing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["error"], "not_found");
}

#[actix_rt::test]
async fn each_role_sees_its_own_navigation_in_chinese() {
    let app = spawn_app().await;
    for (login, expected, absent) in [
        ("admin", vec!["账户管理", "审计日志", "评查员库"], vec![]),
        ("leader", vec!["单位", "评查员库"], vec!["账户管理"]),
        ("manager", vec!["本单位"], vec!["评查员库", "账户管理"]),
        (
            "reviewer",
            vec!["我的评查工作"],
            vec!["单位</a>", "账户管理"],
        ),
    ] {
        let mut client = app.login_as(login).await;
        let home = client.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        for text in expected {
            assert!(home.body.contains(text), "{login} should see {text}");
        }
        for text in absent {
            assert!(!home.body.contains(text), "{login} should not see {text}");
        }
    }
}
