//! The round's documents through HTTP and the CLI: score sheets and feedback reports made from
//! the stored sheets, read back with pdftotext; who may download what, when; blind rounds.

use crate::documents::{compact_text, pages};
use crate::helpers::{TestApp, spawn_app};
use awc::http::StatusCode;
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::{DeductionRule, Method};
use pingcha::domain::scoring::sheet::{SheetAction, SheetActor};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers, score};
use pingcha::storage::{self, assignments, audit::Actor};

/// A round in 评查 whose every assigned reviewer submitted a sheet (see [`submit_all`]).
/// Returns the round id.
pub fn scored_round(app: &TestApp, blind: bool) -> String {
    let round = crate::teams::round_in_teaming(app);
    let mut conn = app.conn();
    if blind {
        use diesel::prelude::*;
        diesel::update(
            storage::schema::review_rounds::table
                .filter(storage::schema::review_rounds::id.eq(&round)),
        )
        .set(storage::schema::review_rounds::blind.eq(true))
        .execute(&mut *conn)
        .unwrap();
    }
    drop(conn);
    publish(app, &round);
    advance(app, &round, RoundStatus::Reviewing);
    submit_all(app, &round);
    round
}

/// Every assigned reviewer of the published assignment submits: on each file the first
/// reviewer takes off the first fixed-deduction item with a reason and page, the others find
/// nothing.
pub fn submit_all(app: &TestApp, round: &str) {
    submit_all_failing(app, round, None);
}

/// Like [`submit_all`], and every reviewer of a file of `failing_unit` (an id) also finds the
/// rubric's first veto, so those files fail (不合格).
pub fn submit_all_failing(app: &TestApp, round: &str, failing_unit: Option<&str>) {
    let round_id = round.parse().unwrap();
    let mut conn = app.conn();
    let round_record = storage::rounds::find(&mut conn, round_id).unwrap();
    let version = assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    let (problem, assignment) = (version.problem, version.assignment);
    for placement in &assignment.placements {
        let case_type = problem.file(placement.file).unwrap().case_type;
        let Some(hash) = round_record.settings.rubrics.get(&case_type).cloned() else {
            continue;
        };
        let rubric = storage::rubrics::load(&mut conn, &hash).unwrap();
        let Method::Deduction(scheme) = rubric.method() else {
            panic!("deduction rubric expected");
        };
        let fixed = scheme
            .items()
            .find(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
            .unwrap();
        let fails = failing_unit
            .is_some_and(|unit| problem.file(placement.file).unwrap().unit.to_string() == unit);
        for (index, reviewer) in placement.reviewers.iter().enumerate() {
            let mut answers = if index == 0 {
                SheetAnswers {
                    items: vec![ItemAnswer {
                        code: fixed.code.clone(),
                        mark: Mark::Applied,
                        reason: format!("{}未见相关材料", case_type.label()),
                        pages: pingcha::domain::citation::Citation::page(7),
                    }],
                    ..Default::default()
                }
            } else {
                SheetAnswers::default()
            };
            if fails {
                answers.vetoes.push(pingcha::domain::scoring::VetoAnswer {
                    code: rubric.vetoes()[0].code.clone(),
                    reason: "卷内无会见记录".into(),
                    pages: pingcha::domain::citation::Citation::default(),
                });
            }
            submit_sheet(
                &mut conn,
                round_id,
                placement.file,
                *reviewer,
                &hash,
                &rubric,
                &answers,
            );
        }
    }
}

/// Submits one reviewer's sheet for a file through storage, as the score form would: opened,
/// checked by the sheet's state machine, scored by the engine, saved.
pub fn submit_sheet(
    conn: &mut pingcha::storage::DbConn,
    round_id: pingcha::domain::ids::RoundId,
    file: pingcha::domain::ids::CaseFileId,
    reviewer: pingcha::domain::ids::PersonId,
    hash: &str,
    rubric: &pingcha::domain::rubric::Rubric,
    answers: &SheetAnswers,
) {
    let stored =
        storage::sheets::find_or_create(conn, round_id, file, reviewer, hash, storage::now())
            .unwrap();
    let update = stored
        .sheet
        .apply(
            stored.sheet.version,
            SheetAction::Submit { rubric, answers },
            SheetActor {
                role: pingcha::domain::people::Role::Reviewer,
                is_assigned_reviewer: true,
                is_team_leader: false,
            },
        )
        .unwrap();
    let result = score(rubric, answers).unwrap();
    storage::sheets::save(
        conn,
        &Actor::cli(),
        &stored,
        &update,
        Some(&result),
        storage::now(),
    )
    .unwrap();
}

/// Teams generated and published for a round in 分组.
pub fn publish(
    app: &TestApp,
    round: &str,
) -> (
    pingcha::domain::assignment::Problem,
    pingcha::domain::assignment::Assignment,
) {
    let mut conn = app.conn();
    let actor = Actor::cli();
    let round_id = round.parse().unwrap();
    let record = storage::rounds::find(&mut conn, round_id).unwrap();
    let options = assignments::Options {
        seed: 4,
        capacity: 8,
        ..Default::default()
    };
    let problem = assignments::build_problem(&mut conn, &record, options).unwrap();
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
    (problem, assignment)
}

/// Keeps a document under the target directory so it can be looked at (pdftoppm).
fn keep(name: &str, pdf: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("round-documents");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), pdf).unwrap();
}

pub fn advance(app: &TestApp, round: &str, status: RoundStatus) {
    let mut conn = app.conn();
    storage::rounds::advance(
        &mut conn,
        &Actor::cli(),
        round.parse().unwrap(),
        status,
        storage::now(),
    )
    .unwrap();
}

/// The demo unit id for a registry unit code, and the unit's case numbers in the round.
fn unit_files(app: &TestApp, round: &str, code: &str) -> (String, Vec<String>) {
    let unit = app.unit_id(code);
    let mut conn = app.conn();
    let results = storage::results::load(&mut conn, round.parse().unwrap())
        .unwrap()
        .unwrap();
    let numbers = results
        .files
        .iter()
        .filter(|file| file.unit.to_string() == unit)
        .map(|file| {
            results
                .version
                .problem
                .file(file.file)
                .unwrap()
                .case_number
                .clone()
        })
        .collect();
    (unit, numbers)
}

#[actix_rt::test]
async fn administrators_print_score_sheets_and_feedback_from_the_stored_sheets() {
    let app = spawn_app().await;
    let round = scored_round(&app, false);
    let (xq, numbers) = unit_files(&app, &round, "XQ");
    assert!(!numbers.is_empty());
    let mut admin = app.login_as("admin").await;

    let index = admin.get(&format!("/rounds/{round}/documents")).await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.body);
    assert!(index.body.contains("兴庆区法律援助中心"));
    assert!(
        index
            .body
            .contains(&format!("/rounds/{round}/units/{xq}/feedback.pdf"))
    );

    let (status, pdf) = admin
        .get_bytes(&format!("/rounds/{round}/units/{xq}/sheets.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    let text = compact_text(&pdf);
    for number in &numbers {
        assert!(
            text.contains(number.as_str()),
            "case number {number} printed"
        );
    }
    assert!(text.contains("未见相关材料"), "the reason is printed");
    assert!(text.contains("第7页"), "the page is printed");
    assert!(text.contains("兴庆区法律援助中心"));
    assert!(
        text.contains("本案卷最终结果为"),
        "double review: the final result"
    );
    // At least a page per file.
    assert!(pages(&pdf) >= numbers.len());
    keep("unit-sheets.pdf", &pdf);

    // One file alone.
    let file = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        results.files[0].file.to_string()
    };
    let (status, one) = admin
        .get_bytes(&format!("/rounds/{round}/files/{file}/sheets.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pages(&one) < pages(&pdf));

    // The whole round.
    let (status, all) = admin
        .get_bytes(&format!("/rounds/{round}/sheets.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pages(&all) > pages(&pdf));

    // The feedback report: the unit, its files, the team that inspected it.
    let (status, feedback) = admin
        .get_bytes(&format!("/rounds/{round}/units/{xq}/feedback.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    keep("feedback.pdf", &feedback);
    let text = compact_text(&feedback);
    assert!(text.contains("兴庆区法律援助中心"));
    assert!(
        text.contains("评查组（组长"),
        "the inspecting team is named"
    );
    for number in &numbers {
        assert!(
            text.contains(number.as_str()),
            "case number {number} listed"
        );
    }
    assert!(text.contains("未见相关材料"), "findings grouped by item");
}

#[actix_rt::test]
async fn a_center_manager_gets_only_their_own_units_documents_after_feedback() {
    let app = spawn_app().await;
    let round = scored_round(&app, true);
    let (xq, _) = unit_files(&app, &round, "XQ");
    let (jf, _) = unit_files(&app, &round, "JF");
    let mut manager = app.login_as("manager").await;
    let own = format!("/rounds/{round}/units/{xq}/sheets.pdf");
    let other = format!("/rounds/{round}/units/{jf}/sheets.pdf");

    // Before the results are fed back: nothing.
    assert_eq!(manager.get_bytes(&own).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        manager
            .get(&format!("/rounds/{round}/documents"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    advance(&app, &round, RoundStatus::Feedback);
    let home = manager.get("/").await;
    assert!(home.body.contains(&format!("/rounds/{round}/documents")));
    let index = manager.get(&format!("/rounds/{round}/documents")).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("兴庆区法律援助中心"));
    assert!(!index.body.contains("金凤区"), "other units are not listed");
    assert!(!index.body.contains("/sheets.pdf\" download>下载本轮"));

    let (status, pdf) = manager.get_bytes(&own).await;
    assert_eq!(status, StatusCode::OK);
    keep("unit-sheets-blind.pdf", &pdf);
    let text = compact_text(&pdf);
    assert!(text.contains("评查员甲"), "a blind round prints no names");
    let names: Vec<String> = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        results
            .files
            .iter()
            .filter(|file| file.unit.to_string() == xq)
            .flat_map(|file| file.reviewers.clone())
            .map(|person| results.version.problem.reviewer_name(person).to_string())
            .collect()
    };
    for name in &names {
        assert!(
            !text.contains(name.as_str()),
            "reviewer {name} is not named"
        );
    }
    let (status, feedback) = manager
        .get_bytes(&format!("/rounds/{round}/units/{xq}/feedback.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&feedback);
    for name in &names {
        assert!(
            !text.contains(name.as_str()),
            "reviewer {name} is not named"
        );
    }

    // Another unit's documents, a file of another unit, the whole round: refused.
    assert_eq!(manager.get_bytes(&other).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        manager
            .get_bytes(&format!("/rounds/{round}/units/{jf}/feedback.pdf"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let other_file = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        results
            .files
            .iter()
            .find(|file| file.unit.to_string() == jf)
            .unwrap()
            .file
            .to_string()
    };
    assert_eq!(
        manager
            .get_bytes(&format!("/rounds/{round}/files/{other_file}/sheets.pdf"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        manager
            .get_bytes(&format!("/rounds/{round}/sheets.pdf"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Leadership sees names even in a blind round.
    let mut leader = app.login_as("leader").await;
    let (status, pdf) = leader.get_bytes(&own).await;
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&pdf);
    assert!(names.iter().any(|name| text.contains(name.as_str())));
}

#[actix_rt::test]
async fn a_round_without_submitted_sheets_says_so() {
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let mut admin = app.login_as("admin").await;
    assert_eq!(
        admin
            .get(&format!("/rounds/{round}/documents"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no published teams yet"
    );
    publish(&app, &round);
    let (xq, _) = unit_files(&app, &round, "XQ");
    let reply = admin
        .get(&format!("/rounds/{round}/units/{xq}/sheets.pdf"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("尚无已提交的评分表"), "{}", reply.body);
    let index = admin.get(&format!("/rounds/{round}/documents")).await;
    assert!(index.body.contains("尚无评分表"));
}

#[actix_rt::test]
async fn pingcha_pdf_prints_a_round_a_unit_or_one_file_and_names_a_bad_unit() {
    let app = spawn_app().await;
    let round = scored_round(&app, false);
    let (_, numbers) = unit_files(&app, &round, "XQ");
    let dir = tempfile::tempdir().unwrap();
    let url = app.database_url().to_string();
    let out = dir.path().join("xq.pdf");
    let out_text = out.to_str().unwrap();
    let (ok, stdout, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            &url,
            "pdf",
            "sheets",
            &round,
            "--unit",
            "XQ",
            "-o",
            out_text,
        ],
        None,
    );
    assert!(ok, "{stderr}");
    let sheets: usize = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        let xq = app.unit_id("XQ");
        results
            .files
            .iter()
            .filter(|file| file.unit.to_string() == xq)
            .map(|file| file.sheets.len())
            .sum()
    };
    assert!(sheets > numbers.len(), "some files are double-reviewed");
    assert!(
        stdout.contains(&format!("已生成 {sheets} 份评分表")),
        "{stdout}"
    );
    let pdf = std::fs::read(&out).unwrap();
    let text = compact_text(&pdf);
    assert!(numbers.iter().all(|number| text.contains(number.as_str())));

    let one = dir.path().join("one.pdf");
    let (ok, stdout, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            &url,
            "pdf",
            "sheets",
            &round,
            "--case-no",
            &numbers[0],
            "-o",
            one.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("份评分表"), "{stdout}");
    assert!(pages(&std::fs::read(&one).unwrap()) < pages(&pdf));

    let feedback = dir.path().join("feedback.pdf");
    let (ok, _, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            &url,
            "pdf",
            "feedback",
            &round,
            "--unit",
            "兴庆区法律援助中心",
            "-o",
            feedback.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(compact_text(&std::fs::read(&feedback).unwrap()).contains("兴庆区法律援助中心"));

    // The leadership report (评查情况通报) of the round.
    let report = dir.path().join("report.pdf");
    let (ok, stdout, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            &url,
            "pdf",
            "report",
            &round,
            "-o",
            report.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("的评查情况通报"), "{stdout}");
    let text = compact_text(&std::fs::read(&report).unwrap());
    assert!(text.contains("兴庆区法律援助中心"), "units are listed");
    assert!(text.contains("分组测试轮次"), "the round is named");

    let (ok, _, stderr) = crate::cli::pingcha(
        &[
            "--database-url",
            &url,
            "pdf",
            "sheets",
            &round,
            "--unit",
            "NOPE",
            "-o",
            out_text,
        ],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("单位“NOPE”不存在"), "{stderr}");
}

#[actix_rt::test]
async fn risk_weighting_takes_each_units_fail_rate_from_last_round() {
    let app = spawn_app().await;
    // Last quarter: every file of XQ failed on a veto, the other units passed.
    let previous = crate::teams::round_in_teaming(&app);
    publish(&app, &previous);
    advance(&app, &previous, RoundStatus::Reviewing);
    let xq = app.unit_id("XQ");
    submit_all_failing(&app, &previous, Some(&xq));
    advance(&app, &previous, RoundStatus::Feedback);

    // This quarter, over the next period.
    let round = {
        let mut conn = app.conn();
        let mut settings = crate::helpers::round_settings(
            "下一季度",
            storage::rounds::find(&mut conn, previous.parse().unwrap())
                .unwrap()
                .settings
                .rubrics,
        );
        settings.period_start = "2025-10-01".parse().unwrap();
        settings.period_end = "2025-12-31".parse().unwrap();
        storage::rounds::create(&mut conn, &Actor::cli(), &settings, storage::now())
            .unwrap()
            .id
            .to_string()
    };
    let mut admin = app.login_as("admin").await;
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(
        page.body.contains("上一轮（分组测试轮次）"),
        "{}",
        page.body
    );
    let weighted = [
        ("strategy", "rate"),
        ("rate_percent", "20"),
        ("min", "0"),
        ("risk_weighting", "on"),
        ("risk_gain", "100"),
        ("risk_cap", "200"),
    ];
    let reply = admin
        .post_form(&format!("/rounds/{round}/plan"), &weighted)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let plan = {
        let mut conn = app.conn();
        storage::sampling::plan(&mut conn, round.parse().unwrap()).unwrap()
    };
    assert_eq!(
        plan.risk_multipliers.get("XQ"),
        Some(&200),
        "all failed: the cap"
    );
    assert_eq!(plan.risk_multipliers.get("JF"), Some(&100), "none failed");
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(page.body.contains("×2.00"), "the page shows the multiplier");

    // A bad gain is named and changes nothing.
    let mut bad = weighted;
    bad[4] = ("risk_gain", "900");
    let reply = admin
        .post_form(&format!("/rounds/{round}/plan"), &bad)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("加权系数"), "{}", reply.body);
    let unchanged = {
        let mut conn = app.conn();
        storage::sampling::plan(&mut conn, round.parse().unwrap()).unwrap()
    };
    assert_eq!(unchanged, plan);

    // The form shows the stored 加权系数 and 最高倍数, so saving it again keeps them.
    let mut stored = weighted;
    stored[4] = ("risk_gain", "300");
    stored[5] = ("risk_cap", "250");
    let reply = admin
        .post_form(&format!("/rounds/{round}/plan"), &stored)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = admin.get(&format!("/rounds/{round}")).await;
    assert!(
        page.body.contains(r#"name="risk_gain" value="300""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="risk_cap" value="250""#));
    assert!(page.body.contains(r#"name="rate_percent" value="20""#));
    assert!(page.body.contains("×2.50"), "XQ capped at 250 %");
    let api = admin.get(&format!("/api/rounds/{round}/plan")).await.json();
    assert_eq!(api["risk_weighting"]["gain_pct"], 300);
    assert_eq!(api["risk_weighting"]["cap_pct"], 250);
}
