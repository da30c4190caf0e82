//! Blind rounds: the inspected unit sees roles, never people. The center manager of a blind
//! round fetches every page, API answer and document their role may open, and no reviewer's
//! or team leader's name or login appears in any of them; objections name who decided by role.

use crate::access::{concrete_path, fixtures};
use crate::helpers::spawn_app;
use awc::http::StatusCode;
use pingcha::domain::people::Role;
use pingcha::web::routes;

/// The text of an XLSX workbook, every cell of every sheet.
fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for (_, range) in workbook.worksheets() {
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

/// Where a login would show as a person: a JSON value, a table cell, a sentence's subject.
fn shows_login(text: &str, login: &str) -> bool {
    [
        format!("\"{login}\""),
        format!(">{login}<"),
        format!(">{login} "),
        format!(" {login} ·"),
        format!("{login}（"),
    ]
    .iter()
    .any(|pattern| text.contains(pattern.as_str()))
}

#[actix_rt::test]
async fn the_unit_of_a_blind_round_sees_roles_never_people() {
    let app = spawn_app().await;
    let fixtures = fixtures(&app);
    {
        use diesel::prelude::*;
        use pingcha::storage::schema::review_rounds;
        let mut conn = app.conn();
        diesel::update(review_rounds::table.filter(review_rounds::id.eq(&fixtures.round)))
            .set(review_rounds::blind.eq(true))
            .execute(&mut *conn)
            .unwrap();
    }
    // The team leader (the demo reviewer leads the team that inspected the unit) decides
    // the unit's objection.
    let mut leader = app.login_as("reviewer").await;
    let decided = leader
        .post_form(
            &format!("/objections/{}/decide", fixtures.objection),
            &[("decision", "upheld"), ("reason", "扣分有据，维持")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // Everyone who inspected the unit: names, and the logins of their accounts.
    let (names, logins) = {
        use diesel::prelude::*;
        use pingcha::storage::schema::users;
        let mut conn = app.conn();
        let version =
            pingcha::storage::assignments::published(&mut conn, fixtures.round.parse().unwrap())
                .unwrap()
                .unwrap();
        // The team that inspected the manager's unit (XQ): its members and leader.
        let unit = app.unit_id("XQ").parse().unwrap();
        let team = version.assignment.team_of_unit(unit).unwrap();
        let people: Vec<_> = team.members.iter().chain([&team.leader]).collect();
        let names: Vec<String> = people
            .iter()
            .map(|person| version.problem.reviewer(**person).unwrap().name.clone())
            .collect();
        let ids: Vec<String> = people.iter().map(ToString::to_string).collect();
        let logins: Vec<String> = users::table
            .filter(users::person_id.eq_any(&ids))
            .select(users::login)
            .load(&mut *conn)
            .unwrap();
        let display: Vec<String> = users::table
            .filter(users::person_id.eq_any(&ids))
            .select(users::display_name)
            .load(&mut *conn)
            .unwrap();
        (names.into_iter().chain(display).collect::<Vec<_>>(), logins)
    };
    assert!(logins.contains(&"reviewer".to_string()));
    assert!(!names.is_empty());

    // The objection names the decider by role, on the page and in the API.
    let mut manager = app.login_as("manager").await;
    let api = manager
        .get(&format!("/api/objections/{}", fixtures.objection))
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(
        api.json()["objection"]["decided_by"],
        "评查组组长",
        "{}",
        api.body
    );
    let page = manager
        .get(&format!("/objections/{}", fixtures.objection))
        .await;
    assert!(
        page.body.contains("<dt>裁决人</dt><dd>评查组组长"),
        "{}",
        page.body
    );

    // Everything the manager may fetch.
    let mut fetched = 0;
    for spec in routes::table() {
        if spec.method != "GET" || !spec.access.allows(Some(Role::CenterManager)) {
            continue;
        }
        let path = concrete_path(&app, &fixtures, spec.path);
        let (status, bytes) = manager.get_bytes(&path).await;
        if status != StatusCode::OK {
            // Another unit's or an unready record: nothing shown.
            continue;
        }
        let text = if bytes.starts_with(b"%PDF") && bytes.len() > 100 {
            crate::rectification::pdf_text(&bytes)
        } else if bytes.starts_with(b"PK") {
            xlsx_text(&bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        for name in &names {
            assert!(
                !text.contains(name.as_str()),
                "{path} shows the reviewer {name} to the unit of a blind round"
            );
        }
        for login in &logins {
            assert!(
                !shows_login(&text, login),
                "{path} shows the login {login} to the unit of a blind round"
            );
        }
        fetched += 1;
    }
    assert!(fetched >= 20, "{fetched} answers read");
}
