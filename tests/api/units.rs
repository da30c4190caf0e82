//! Unit scoping: a center manager reads only their own unit, through pages and the API alike.

use crate::helpers::spawn_app;
use awc::http::StatusCode;

#[actix_rt::test]
async fn a_center_manager_cannot_read_another_units_data() {
    let app = spawn_app().await;
    let own = app.unit_id("XQ");
    let other = app.unit_id("JF");
    let mut manager = app.login_as("manager").await;

    let page = manager.get(&format!("/units/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("兴庆区法律援助中心"));

    for path in [format!("/units/{other}"), format!("/api/units/{other}")] {
        let reply = manager.get(&path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            !reply.body.contains("金凤区"),
            "{path} leaked the unit's name"
        );
    }

    let list = manager.get("/api/units").await;
    assert_eq!(list.status, StatusCode::OK);
    let body = list.json();
    let names: Vec<&str> = body["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| unit["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["兴庆区法律援助中心"]);
    let page = manager.get("/units").await;
    assert!(page.body.contains("兴庆区法律援助中心"));
    assert!(!page.body.contains("金凤区法律援助中心"));
    assert!(
        !page.body.contains("银川市司法局"),
        "the parent's name is outside the scope"
    );

    // The reviewer pool is not theirs to browse at all.
    assert_eq!(
        manager.get("/api/people").await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_rt::test]
async fn leadership_reads_every_unit_with_its_annual_target() {
    let app = spawn_app().await;
    let mut leader = app.login_as("leader").await;
    let reply = leader.get("/api/units").await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let units = body["units"].as_array().unwrap();
    assert_eq!(units.len(), 11);
    let targets: i64 = units
        .iter()
        .filter_map(|unit| unit["case_target"].as_i64())
        .sum();
    assert_eq!(
        targets, 1500,
        "the seven centers' targets add up to the city plan"
    );
    let people = leader.get("/api/people").await.json();
    assert_eq!(people["people"].as_array().unwrap().len(), 60);
    let page = leader.get("/people").await;
    assert!(page.body.contains("共 60 人"));
}

#[actix_rt::test]
async fn malformed_and_unknown_ids_are_not_found() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    assert_eq!(
        admin.get("/units/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        admin.get(&format!("/api/units/{missing}")).await.status,
        StatusCode::NOT_FOUND
    );
}
