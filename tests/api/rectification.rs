//! Findings and rectification through HTTP: findings from submitted sheets, notices drafted
//! and issued with numbers that never repeat (also under parallel issuing), the state machine
//! by role, a center manager confined to their own unit, checked evidence uploads, and the
//! whole flow through the pages: the unit answers with evidence, the bureau verifies.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use chrono::Datelike;
use pingcha::domain::CaseType;
use pingcha::domain::ids::{CaseFileId, PersonId, RoundId};
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::DeductionRule;
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers, VetoAnswer};
use pingcha::storage::{self, audit::Actor, schema::score_sheets};
use serde_json::{Value, json};

/// A round in 反馈整改 whose sampled files (every file: census) each carry one submitted
/// sheet with one fixed deduction; every third file also a veto, so it fails. Entering
/// 反馈整改 generated the findings.
pub fn round_with_findings(app: &TestApp) -> RoundId {
    use diesel::prelude::*;
    let round: RoundId = crate::teams::round_in_teaming(app).parse().unwrap();
    let mut conn = app.conn();
    let actor = Actor::cli();
    let settings = storage::rounds::find(&mut conn, round).unwrap().settings;
    // Teams published; every assigned reviewer of a file submits the same answers, so the
    // reviews agree and each file has a final result.
    drop(conn);
    let (problem, assignment) = crate::round_documents::publish(app, &round.to_string());
    let mut conn = app.conn();
    let files: Vec<(CaseFileId, CaseType, Vec<PersonId>)> = assignment
        .placements
        .iter()
        .map(|placement| {
            (
                placement.file,
                problem.file(placement.file).unwrap().case_type,
                placement.reviewers.clone(),
            )
        })
        .collect();
    for (index, (file, case_type, reviewers)) in files.iter().enumerate() {
        let hash = settings.rubrics.get(case_type).unwrap().clone();
        let rubric = storage::rubrics::load(&mut conn, &hash).unwrap();
        let pingcha::domain::rubric::Method::Deduction(scheme) = rubric.method() else {
            panic!("the shipped rubrics deduct points");
        };
        let item = scheme
            .items()
            .find(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
            .unwrap();
        let mut answers = SheetAnswers::default();
        answers.items.push(ItemAnswer {
            code: item.code.clone(),
            mark: Mark::Applied,
            reason: "会见笔录未记录会见时间".to_string(),
            // Pages 3–4 and 7 of the electronic case file.
            pages: "7,3-4".parse().unwrap(),
        });
        if index % 3 == 0
            && let Some(veto) = rubric.vetoes().first()
        {
            answers.vetoes.push(VetoAnswer {
                code: veto.code.clone(),
                reason: "未会见受援人".to_string(),
                pages: pingcha::domain::citation::Citation::default(),
            });
        }
        for reviewer in reviewers {
            let sheet = storage::sheets::find_or_create(
                &mut conn,
                round,
                *file,
                *reviewer,
                &hash,
                storage::now(),
            )
            .unwrap();
            diesel::update(score_sheets::table.filter(score_sheets::id.eq(&sheet.id)))
                .set((
                    score_sheets::state.eq("submitted"),
                    score_sheets::answers_json.eq(serde_json::to_string(&answers).unwrap()),
                    score_sheets::submitted_at.eq(storage::now()),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }
    for status in [RoundStatus::Reviewing, RoundStatus::Feedback] {
        storage::rounds::advance(&mut conn, &actor, round, status, storage::now()).unwrap();
    }
    round
}

/// Drafts the notices through the page and returns (unit name → notice id) from the API.
pub async fn draft(admin: &mut Client, round: RoundId) -> Vec<(String, String)> {
    let reply = admin
        .post_form(&format!("/rounds/{round}/notices/draft"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let list = admin.get("/api/notices").await.json();
    list["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|notice| {
            (
                notice["unit_name"].as_str().unwrap().to_string(),
                notice["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn notice_of(notices: &[(String, String)], unit: &str) -> String {
    notices
        .iter()
        .find(|(name, _)| name.contains(unit))
        .unwrap_or_else(|| panic!("no notice for {unit}: {notices:?}"))
        .1
        .clone()
}

pub async fn finding_ids(client: &mut Client, notice: &str) -> Vec<String> {
    let reply = client.get(&format!("/api/notices/{notice}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["id"].as_str().unwrap().to_string())
        .collect()
}

fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

pub async fn issued_notice_for_xq(app: &TestApp) -> (RoundId, String, Client) {
    let round = round_with_findings(app);
    let mut admin = app.login_as("admin").await;
    let notices = draft(&mut admin, round).await;
    let notice = notice_of(&notices, "兴庆");
    let reply = admin
        .post_form(
            &format!("/notices/{notice}/issue"),
            &[("days", "30"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    (round, notice, admin)
}

#[actix_rt::test]
async fn findings_come_from_submitted_sheets_once_and_fill_the_default_selection() {
    let app = spawn_app().await;
    let round = round_with_findings(&app);
    let mut admin = app.login_as("admin").await;
    let data = admin
        .get(&format!("/api/rounds/{round}/findings"))
        .await
        .json();
    // 36 files, one deduction each, and a veto on every third file.
    assert_eq!(data["finding_count"], 36 + 12);
    // Generating again adds nothing.
    let token = admin.csrf_token().await;
    let again = admin
        .post_json(
            &format!("/api/rounds/{round}/findings/generate"),
            &json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["added"], 0);
    let page = admin.get(&format!("/rounds/{round}/rectification")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("典型问题"));
    assert!(page.body.contains("会见笔录未记录会见时间"));

    let notices = draft(&mut admin, round).await;
    assert_eq!(notices.len(), 3, "one notice per inspected unit");
    let notice = notice_of(&notices, "兴庆");
    let detail = admin.get(&format!("/api/notices/{notice}")).await.json();
    // By default: every finding of a failed (vetoed) file: 4 files × (deduction + veto).
    let findings = detail["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 8, "{detail}");
    assert!(findings.iter().all(|finding| {
        finding["reasons"]
            .as_str()
            .unwrap()
            .contains("案卷评为不合格")
    }));
    // The administrator adds one more from the unit's other findings.
    let page = admin.get(&format!("/notices/{notice}")).await;
    assert!(page.body.contains("本单位其他问题"));
    let extra = admin
        .get(&format!("/api/rounds/{round}/findings"))
        .await
        .json()["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|unit| unit["findings"].as_array().unwrap().clone())
        .find(|finding| {
            finding["unit_name"].as_str().unwrap().contains("兴庆")
                && finding["notice_id"].is_null()
        })
        .unwrap();
    let reply = admin
        .post_form(
            &format!("/notices/{notice}/select"),
            &[
                ("finding", extra["id"].as_str().unwrap()),
                ("selected", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(finding_ids(&mut admin, &notice).await.len(), 9);
}

#[actix_rt::test]
async fn a_manager_answers_with_evidence_and_the_bureau_verifies_through_the_pages() {
    let app = spawn_app().await;
    let (_round, notice, mut admin) = issued_notice_for_xq(&app).await;
    let year = chrono::Local::now().year();
    let number = format!("银司法评〔{year}〕1号");
    let detail = admin.get(&format!("/api/notices/{notice}")).await.json();
    assert_eq!(detail["notice"]["doc_number"], number.as_str());
    assert_eq!(detail["notice"]["state"], "issued");

    // The manager is told, sees the notice, and answers each finding.
    let mut manager = app.login_as("manager").await;
    let home = manager.get("/").await;
    assert!(
        home.body.contains("class=\"badge\""),
        "unread count in the navigation"
    );
    let messages = manager.get("/notifications").await;
    assert!(messages.body.contains(&number), "{}", messages.body);
    let list = manager.get("/notices").await;
    assert!(list.body.contains(&number));
    let findings = finding_ids(&mut manager, &notice).await;
    assert_eq!(findings.len(), 8);
    for finding in &findings {
        let page = manager.get(&format!("/findings/{finding}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("上传佐证材料"));
        let reply = manager
            .post_form(
                &format!("/findings/{finding}/measures"),
                &[("text", "已补充会见笔录并重新装订归档")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let reply = manager
            .post_file(
                &format!("/findings/{finding}/evidence"),
                "file",
                "补正材料.pdf",
                &pdf_bytes(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let reply = manager
            .post_form(&format!("/findings/{finding}/submit"), &[])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    let reply = manager
        .post_form(
            &format!("/notices/{notice}/report"),
            &[("text", "我中心已对照问题清单逐项整改完毕。")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // The bureau hears of it, reads the evidence, sends one item back, verifies the rest.
    let messages = admin.get("/notifications").await;
    assert!(
        messages.body.contains("已提交整改通知书"),
        "{}",
        messages.body
    );
    let page = admin.get(&format!("/notices/{notice}")).await;
    assert!(page.body.contains("补正材料.pdf"));
    assert!(page.body.contains("我中心已对照问题清单逐项整改完毕。"));
    let evidence_id = page
        .body
        .split("href=\"/evidence/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, bytes) = admin.get_bytes(&format!("/evidence/{evidence_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, pdf_bytes());
    let (first, rest) = findings.split_first().unwrap();
    let reply = admin
        .post_form(
            &format!("/findings/{first}/send-back"),
            &[("text", "请补充阅卷笔录")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let detail = admin.get(&format!("/api/notices/{notice}")).await.json();
    assert_eq!(
        detail["notice"]["state"], "returned",
        "the report goes back with the item"
    );

    // The manager sees why, fixes it and resubmits.
    let messages = manager.get("/notifications").await;
    assert!(messages.body.contains("请补充阅卷笔录"));
    let reply = manager
        .post_form(
            &format!("/findings/{first}/measures"),
            &[("text", "已补充阅卷笔录")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = manager
        .post_form(&format!("/findings/{first}/submit"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = manager
        .post_form(
            &format!("/notices/{notice}/report"),
            &[("text", "已全部整改。")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // Closing before every item is verified is refused.
    let early = admin
        .post_form(&format!("/notices/{notice}/close"), &[])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(early.body.contains("项问题未核验"), "{}", early.body);
    for finding in std::iter::once(first).chain(rest) {
        let reply = admin
            .post_form(
                &format!("/findings/{finding}/verify"),
                &[("text", "材料齐全")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    let reply = admin
        .post_form(&format!("/notices/{notice}/close"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let detail = admin.get(&format!("/api/notices/{notice}")).await.json();
    assert_eq!(detail["notice"]["state"], "verified");
    let history = detail["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|line| line["action"] == "退回" && line["comment"] == "请补充阅卷笔录")
    );
    assert!(
        history
            .iter()
            .any(|line| line["action"] == "办结" && line["actor"] != "")
    );

    // The notice as a PDF, for the bureau and for the unit.
    let (status, pdf) = manager.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    for expected in [
        number.as_str(),
        "兴庆区法律援助中心：",
        "12件法律援助案卷",
        "不合格4件",
        "共8项",
        "未会见受援人",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

/// The notice's text as poppler extracts it, without line breaks and spaces.
pub fn pdf_text(pdf: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("pdftotext")
        .args(["-raw", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils) must be installed");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[actix_rt::test]
async fn the_state_machine_allows_each_role_only_its_own_moves() {
    let app = spawn_app().await;
    let (_round, notice, mut admin) = issued_notice_for_xq(&app).await;
    let mut manager = app.login_as("manager").await;
    let mut leader = app.login_as("leader").await;
    let mut reviewer = app.login_as("reviewer").await;
    let finding = finding_ids(&mut admin, &notice).await.remove(0);
    let finding_path = format!("/api/findings/{finding}/transition");
    let notice_path = format!("/api/notices/{notice}/transition");

    async fn act(client: &mut Client, path: &str, body: Value) -> (StatusCode, Value) {
        let token = client.csrf_token().await;
        let reply = client.post_json(path, &body, Some(&token)).await;
        let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        (reply.status, json)
    }
    let all = [
        "issue",
        "start_work",
        "submit",
        "verify",
        "send_back",
        "close",
    ];
    // Leadership and reviewers move nothing.
    for action in all {
        for client in [&mut leader, &mut reviewer] {
            for path in [&finding_path, &notice_path] {
                let (status, _) =
                    act(client, path, json!({ "action": action, "comment": "x" })).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{action} {path}");
            }
        }
    }
    // Issued: the bureau's moves are refused by role or state, the unit's by state.
    for action in ["verify", "send_back", "issue"] {
        let (status, _) = act(
            &mut manager,
            &finding_path,
            json!({ "action": action, "comment": "x" }),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "manager {action}");
    }
    for action in ["start_work", "submit"] {
        let (status, _) = act(&mut admin, &finding_path, json!({ "action": action })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "admin {action}");
    }
    for action in ["verify", "send_back", "issue"] {
        let (status, body) = act(
            &mut admin,
            &finding_path,
            json!({ "action": action, "comment": "x" }),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "admin {action} on issued: {body}"
        );
    }
    let (status, body) = act(&mut manager, &finding_path, json!({ "action": "submit" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "submit before start: {body}");
    let (status, body) = act(&mut manager, &finding_path, json!({ "action": "close" })).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a finding is not closed: {body}"
    );
    // Start, then submit without measures (refused) and with them.
    let (status, body) = act(
        &mut manager,
        &finding_path,
        json!({ "action": "start_work" }),
    )
    .await;
    assert_eq!(
        (status, body["state"].clone()),
        (StatusCode::OK, json!("in_progress"))
    );
    let (status, _) = act(&mut manager, &finding_path, json!({ "action": "submit" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no measures");
    let (status, body) = act(
        &mut manager,
        &finding_path,
        json!({ "action": "submit", "text": "已补正" }),
    )
    .await;
    assert_eq!(
        (status, body["state"].clone()),
        (StatusCode::OK, json!("submitted")),
        "{body}"
    );
    let (status, _) = act(&mut manager, &finding_path, json!({ "action": "submit" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "submitted twice");
    // Submitted: only the bureau verifies or sends back; a send-back needs a reason.
    let (status, _) = act(&mut manager, &finding_path, json!({ "action": "verify" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(
        &mut admin,
        &finding_path,
        json!({ "action": "send_back", "comment": " " }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = act(
        &mut admin,
        &finding_path,
        json!({ "action": "send_back", "comment": "证据不足" }),
    )
    .await;
    assert_eq!(
        (status, body["state"].clone()),
        (StatusCode::OK, json!("returned"))
    );
    // Returned: the unit resubmits at once; the bureau verifies; verified is final.
    let (status, body) = act(&mut manager, &finding_path, json!({ "action": "submit" })).await;
    assert_eq!(
        (status, body["state"].clone()),
        (StatusCode::OK, json!("submitted"))
    );
    let (status, body) = act(
        &mut admin,
        &finding_path,
        json!({ "action": "verify", "comment": "可以" }),
    )
    .await;
    assert_eq!(
        (status, body["state"].clone()),
        (StatusCode::OK, json!("verified"))
    );
    for action in all {
        let (status, _) = act(
            &mut admin,
            &finding_path,
            json!({ "action": action, "comment": "x" }),
        )
        .await;
        assert_ne!(status, StatusCode::OK, "admin {action} on verified");
        let (status, _) = act(
            &mut manager,
            &finding_path,
            json!({ "action": action, "comment": "x" }),
        )
        .await;
        assert_ne!(status, StatusCode::OK, "manager {action} on verified");
    }
    // The notice: the unit submits only when every finding is submitted; the bureau closes
    // only when every finding is verified; a manager never closes.
    let (status, body) = act(
        &mut manager,
        &notice_path,
        json!({ "action": "submit", "text": "报告" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("项问题未提交"));
    let (status, _) = act(&mut manager, &notice_path, json!({ "action": "close" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = act(&mut admin, &notice_path, json!({ "action": "close" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = act(
        &mut admin,
        &notice_path,
        json!({ "action": "issue", "confirm": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "issued once only");
}

#[actix_rt::test]
async fn a_manager_gets_403_on_another_units_notice_finding_and_evidence() {
    let app = spawn_app().await;
    let (_round, notice, mut admin) = issued_notice_for_xq(&app).await;
    let finding = finding_ids(&mut admin, &notice).await.remove(0);
    let mut own = app.login_as("manager").await;
    own.post_form(
        &format!("/findings/{finding}/measures"),
        &[("text", "已整改")],
    )
    .await;
    let reply = own
        .post_file(
            &format!("/findings/{finding}/evidence"),
            "file",
            "a.pdf",
            &pdf_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let evidence = own.get(&format!("/api/findings/{finding}")).await.json()["evidence"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut other = app.login_as("manager2").await;
    for path in [
        format!("/notices/{notice}"),
        format!("/api/notices/{notice}"),
        format!("/notices/{notice}/pdf"),
        format!("/findings/{finding}"),
        format!("/api/findings/{finding}"),
        format!("/evidence/{evidence}"),
    ] {
        let reply = other.get(&path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    let reply = other
        .post_form(
            &format!("/findings/{finding}/measures"),
            &[("text", "改别人的")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = other
        .post_file(
            &format!("/findings/{finding}/evidence"),
            "file",
            "b.pdf",
            &pdf_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = other
        .post_form(&format!("/notices/{notice}/report"), &[("text", "x")])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let listed = other.get("/api/notices").await.json();
    assert!(
        listed["notices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|listed| listed["unit_name"].as_str().unwrap().contains("金凤")),
        "{listed}"
    );
    // Drafts stay with the bureau, even for their own unit.
    let notices = admin.get("/api/notices").await.json();
    let draft = notices["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|notice| notice["unit_name"].as_str().unwrap().contains("金凤"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        other.get(&format!("/notices/{draft}")).await.status,
        StatusCode::FORBIDDEN
    );
    // Leadership reads everything.
    let mut leader = app.login_as("leader").await;
    assert_eq!(
        leader.get(&format!("/evidence/{evidence}")).await.status,
        StatusCode::OK
    );
}

#[actix_rt::test]
async fn uploads_are_checked_by_content_and_size_and_refusals_store_nothing() {
    let app = spawn_app().await;
    let (_round, notice, mut admin) = issued_notice_for_xq(&app).await;
    let finding = finding_ids(&mut admin, &notice).await.remove(0);
    let mut manager = app.login_as("manager").await;
    let stored = || storage::rectification::evidence_count(&mut app.conn()).unwrap();

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let reply = manager
        .post_file(
            &format!("/findings/{finding}/evidence"),
            "file",
            "整改报告.pdf",
            &png,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("扩展名表明是 PDF，但内容是 PNG"),
        "{}",
        reply.body
    );
    let reply = manager
        .post_file(
            &format!("/api/findings/{finding}/evidence"),
            "file",
            "run.docx",
            b"MZ\x90\0",
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(stored(), 0);

    let mut big = pdf_bytes();
    big.resize(pingcha::domain::evidence::MAX_EVIDENCE_BYTES + 1, b' ');
    let reply = manager
        .post_file(
            &format!("/findings/{finding}/evidence"),
            "file",
            "big.pdf",
            &big,
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("超过大小限制"));
    assert_eq!(stored(), 0, "nothing stored");

    let reply = manager
        .post_file(
            &format!("/api/findings/{finding}/evidence"),
            "file",
            "scan.png",
            &png,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(stored(), 1);
    let detail = manager
        .get(&format!("/api/findings/{finding}"))
        .await
        .json();
    let file = &detail["evidence"][0];
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size_bytes"], png.len());
    assert_eq!(file["sha256"], pingcha::security::sha256_hex(&png).as_str());
}

#[actix_rt::test]
async fn document_numbers_never_repeat_under_parallel_issuing() {
    let app = spawn_app().await;
    let round = round_with_findings(&app);
    let mut admin = app.login_as("admin").await;
    let notices: Vec<String> = draft(&mut admin, round)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(notices.len(), 3);
    // Every notice issued twice at the same moment, each request on its own session.
    let mut clients = Vec::new();
    for notice in notices.iter().chain(&notices) {
        let mut client = app.login_as("admin").await;
        let token = client.csrf_token().await;
        clients.push((client, token, notice.clone()));
    }
    let requests = clients
        .iter_mut()
        .map(|(client, token, notice)| async move {
            client
                .post_json(
                    &format!("/api/notices/{notice}/transition"),
                    &json!({ "action": "issue", "days": 30, "confirm": true }),
                    Some(token),
                )
                .await
        });
    let replies = futures_util::future::join_all(requests).await;
    let mut numbers = Vec::new();
    for reply in &replies {
        match reply.status {
            StatusCode::OK => numbers.push(
                reply.json()["notice"]["doc_number"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ),
            StatusCode::CONFLICT => {}
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert_eq!(numbers.len(), 3, "each notice issued once: {numbers:?}");
    numbers.sort();
    let year = chrono::Local::now().year();
    let mut expected: Vec<String> = (1..=3)
        .map(|serial| format!("银司法评〔{year}〕{serial}号"))
        .collect();
    expected.sort();
    assert_eq!(numbers, expected, "distinct and gapless");
}

#[actix_rt::test]
async fn team_leaders_add_findings_to_their_teams_files_only() {
    let app = spawn_app().await;
    let round: RoundId = crate::teams::round_in_teaming(&app).parse().unwrap();
    let (leader, own_file, other_file) = {
        let mut conn = app.conn();
        let actor = Actor::cli();
        let record = storage::rounds::find(&mut conn, round).unwrap();
        let options = storage::assignments::Options {
            seed: 4,
            capacity: 8,
            ..Default::default()
        };
        let problem = storage::assignments::build_problem(&mut conn, &record, options).unwrap();
        let assignment = pingcha::domain::assignment::solve(&problem).unwrap();
        storage::assignments::store_draft(
            &mut conn,
            &actor,
            round,
            &problem,
            &assignment,
            None,
            storage::now(),
        )
        .unwrap();
        storage::assignments::publish(&mut conn, &actor, round, 1, storage::now()).unwrap();
        let team = &assignment.teams[0];
        let of_team = |placement: &&pingcha::domain::assignment::Placement| {
            placement
                .reviewers
                .iter()
                .any(|reviewer| team.members.contains(reviewer))
        };
        let own = assignment.placements.iter().find(of_team).unwrap().file;
        let other = assignment
            .placements
            .iter()
            .find(|placement| !of_team(placement))
            .unwrap()
            .file;
        (team.leader, own, other)
    };
    let mut leader = crate::helpers::login_for_person(&app, "zuzhang", leader).await;
    let form = leader.get(&format!("/rounds/{round}/findings/new")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("组长可对本组评查的案卷补充问题"));
    let add = |file: CaseFileId, reason: &'static str| {
        let file = file.to_string();
        [
            ("case_file", file),
            ("item_code", "B1".to_string()),
            ("item_text", "权利义务告知".to_string()),
            ("reason", reason.to_string()),
            ("points", "1".to_string()),
        ]
    };
    let fields = add(own_file, "未告知受援人权利义务");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    let reply = leader
        .post_form(&format!("/rounds/{round}/findings"), &fields)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let empty = add(own_file, " ");
    let empty: Vec<(&str, &str)> = empty
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    let reply = leader
        .post_form(&format!("/rounds/{round}/findings"), &empty)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("问题须写明理由"));
    let other = add(other_file, "别组的案卷");
    let other: Vec<(&str, &str)> = other
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    let reply = leader
        .post_form(&format!("/rounds/{round}/findings"), &other)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let mut admin = app.login_as("admin").await;
    let data = admin
        .get(&format!("/api/rounds/{round}/findings"))
        .await
        .json();
    assert_eq!(data["finding_count"], 1);
    let finding = &data["units"][0]["findings"][0];
    assert_eq!(finding["source_label"], "组长补充");
    assert_eq!(finding["reason"], "未告知受援人权利义务");
    // A reviewer who leads no team of the round adds nothing.
    let mut reviewer = app.login_as("reviewer").await;
    let members: Vec<PersonId> = {
        let mut conn = app.conn();
        storage::assignments::published(&mut conn, round)
            .unwrap()
            .unwrap()
            .assignment
            .teams
            .iter()
            .map(|team| team.leader)
            .collect()
    };
    let demo_reviewer = {
        let mut conn = app.conn();
        storage::users::find_by_login(&mut conn, "reviewer")
            .unwrap()
            .unwrap()
            .0
            .person_id
            .unwrap()
    };
    if !members.contains(&demo_reviewer) {
        let reply = reviewer.get(&format!("/rounds/{round}/findings/new")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

#[actix_rt::test]
async fn overdue_notices_come_first_and_deadlines_are_reminded_when_read() {
    use diesel::prelude::*;
    use pingcha::storage::schema::rectification_notices;
    let app = spawn_app().await;
    let round = round_with_findings(&app);
    let mut admin = app.login_as("admin").await;
    let notices = draft(&mut admin, round).await;
    for (_, notice) in &notices {
        let reply = admin
            .post_form(
                &format!("/notices/{notice}/issue"),
                &[("days", "30"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    }
    // The XX notice ran out yesterday; the XQ notice is due in five days. Nothing else is
    // stored: overdue is derived from the deadline when the pages are read.
    let today = storage::today();
    let set_deadline = |unit: &str, deadline: chrono::NaiveDate| {
        let notice = notice_of(&notices, unit);
        diesel::update(rectification_notices::table.filter(rectification_notices::id.eq(notice)))
            .set(rectification_notices::deadline.eq(deadline))
            .execute(&mut app.conn())
            .unwrap();
    };
    set_deadline("西夏", today - chrono::Days::new(1));
    set_deadline("兴庆", today + chrono::Days::new(5));

    let overview = admin.get("/notices").await;
    let first_row = overview
        .body
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(first_row.contains("西夏区"), "overdue first: {first_row}");
    assert!(first_row.contains("已逾期 1 天"));
    let messages = admin.get("/notifications").await;
    assert!(messages.body.contains("已逾期 1 天"));
    assert!(
        !messages.body.contains("距整改期限还有 5 天"),
        "the bureau hears of overdue only"
    );

    let mut manager = app.login_as("manager").await;
    let messages = manager.get("/notifications").await;
    assert!(
        messages.body.contains("距整改期限还有 5 天"),
        "{}",
        messages.body
    );
    assert!(
        !messages.body.contains("西夏区"),
        "another unit's deadline stays hidden"
    );
    // Reading the events leaves the reminder in the count until the work is handed in.
    let reply = manager.post_form("/notifications/read", &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let home = manager.get("/").await;
    assert!(
        home.body.contains("aria-label=\"1 条待阅消息或提醒\""),
        "{}",
        home.body
    );
}
