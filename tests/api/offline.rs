//! Offline review packets: downloaded through HTTP, opened with the real binary
//! (`pingcha offline open`), scored in the local pages, exported, uploaded, applied; and every
//! refusal (one byte changed, another reviewer's packet, expired, a sheet changed on the
//! server meanwhile, a second upload) names its reason and applies nothing.

use crate::helpers::{Client, TestApp, login_for_person, spawn_app};
use crate::round_documents::{advance, publish};
use awc::http::StatusCode;
use pingcha::domain::ids::{CaseFileId, PersonId, RoundId};
use pingcha::domain::offline::{self, ResultSheet};
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::{DeductionRule, Method};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers, score};
use pingcha::storage::{self, audit::Actor};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A round in 评查 with published teams, and a team's member (not its leader) holding at
/// least two files, that team's leader, and a member of another team.
struct Setup {
    round: String,
    member: PersonId,
    leader: PersonId,
    stranger: PersonId,
}

fn setup(app: &TestApp) -> Setup {
    let round = crate::teams::round_in_teaming(app);
    let (_, assignment) = publish(app, &round);
    advance(app, &round, RoundStatus::Reviewing);
    let files_of = |person: PersonId| {
        assignment
            .placements
            .iter()
            .filter(|placement| placement.reviewers.contains(&person))
            .count()
    };
    let team = assignment
        .teams
        .iter()
        .find(|team| {
            team.members
                .iter()
                .any(|member| *member != team.leader && files_of(*member) >= 2)
        })
        .expect("a team with a member holding two files");
    let member = *team
        .members
        .iter()
        .find(|member| **member != team.leader && files_of(**member) >= 2)
        .unwrap();
    let stranger = assignment
        .teams
        .iter()
        .find(|other| other.number != team.number)
        .unwrap()
        .members[0];
    Setup {
        round,
        member,
        leader: team.leader,
        stranger,
    }
}

async fn download(client: &mut Client, round: &str, reviewer: Option<PersonId>) -> String {
    let token = client.csrf_token().await;
    let mut body = serde_json::json!({ "round": round });
    if let Some(reviewer) = reviewer {
        body["reviewer"] = reviewer.to_string().into();
    }
    let reply = client
        .post_json("/api/offline/packets", &body, Some(&token))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .headers
            .get("content-disposition")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains(".pcpkt"))
    );
    reply.body
}

async fn upload(client: &mut Client, result: &str) -> crate::helpers::Reply {
    let token = client.csrf_token().await;
    let body: serde_json::Value = serde_json::from_str(result).unwrap();
    client
        .post_json("/api/offline/results", &body, Some(&token))
        .await
}

/// The sheet's (state, version, total) on the server.
fn server_sheet(
    app: &TestApp,
    round: &str,
    file: &str,
    reviewer: PersonId,
) -> (String, i64, Option<i32>) {
    let mut conn = app.conn();
    let round: RoundId = round.parse().unwrap();
    let file: CaseFileId = file.parse().unwrap();
    let sheet = storage::sheets::find(&mut conn, round, file, reviewer)
        .unwrap()
        .unwrap();
    (
        sheet.sheet.state.status().code().to_string(),
        sheet.sheet.version,
        sheet.total_tenths,
    )
}

/// The first fixed-deduction item of a rubric and its points.
fn fixed_item(app: &TestApp, hash: &str) -> (pingcha::domain::rubric::Rubric, String) {
    let mut conn = app.conn();
    let rubric = storage::rubrics::load(&mut conn, hash).unwrap();
    let Method::Deduction(scheme) = rubric.method() else {
        panic!("deduction rubric expected");
    };
    let code = scheme
        .items()
        .find(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
        .unwrap()
        .code
        .clone();
    (rubric, code)
}

fn answers_with(code: &str, reason: &str) -> SheetAnswers {
    SheetAnswers {
        items: vec![ItemAnswer {
            code: code.into(),
            mark: Mark::Applied,
            reason: reason.into(),
            pages: pingcha::domain::citation::Citation::page(7),
        }],
        ..Default::default()
    }
}

/// A result for a packet made without the laptop: every file of the packet with a deduction,
/// the first submitted.
fn result_for(app: &TestApp, packet_text: &str) -> String {
    let packet = offline::decode(packet_text).unwrap();
    let sheets = packet
        .payload
        .files
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let (_, code) = fixed_item(app, &file.rubric_hash);
            ResultSheet {
                sheet_id: file.sheet_id.clone(),
                case_no: file.case_no.clone(),
                base_version: file.version,
                submitted: index == 0,
                answers: answers_with(&code, "卷内未见相关材料"),
            }
        })
        .collect();
    offline::encode_result(packet_text, storage::now(), sheets)
}

/// `pingcha offline open` as a child process, killed when dropped.
struct Laptop {
    child: Child,
    signin: String,
}

impl Drop for Laptop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn open_packet(packet: &std::path::Path, data_dir: &std::path::Path) -> Laptop {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingcha"))
        .args(["offline", "open"])
        .arg(packet)
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = String::new();
    let signin = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("offline open stopped: {seen}"))
            .unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("/offline/signin/") {
            break line.trim().to_string();
        }
    };
    assert!(seen.contains("无法核对离线包的签名"), "{seen}");
    assert!(seen.contains("离线评查模式已启动"), "{seen}");
    std::thread::spawn(move || for _ in lines {});
    Laptop { child, signin }
}

#[actix_rt::test]
async fn a_packet_is_scored_offline_with_the_real_binary_and_applied_once() {
    let app = spawn_app().await;
    let setup = setup(&app);
    let mut member = login_for_person(&app, "offline-member", setup.member).await;
    let page = member.get("/offline").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("下载离线包") && page.body.contains("上传结果包"));
    let packet_text = download(&mut member, &setup.round, None).await;
    let packet = offline::decode(&packet_text).unwrap();
    let files = &packet.payload.files;
    assert!(files.len() >= 2);
    assert_eq!(packet.payload.reviewer.person_id, setup.member.to_string());
    let days = (packet.payload.expires_at - packet.payload.issued_at).num_days();
    assert_eq!(days, offline::DEFAULT_VALID_DAYS);
    // Personal data is masked as on the reviewer's pages: no recipient's real name.
    {
        let mut conn = app.conn();
        for file in files {
            let filter = storage::cases::CaseFilter {
                ids: Some(vec![file.file_id.parse().unwrap()]),
                ..Default::default()
            };
            let (_, record) =
                storage::cases::records(&mut conn, pingcha::domain::UnitScope::All, &filter)
                    .unwrap()
                    .remove(0);
            assert!(file.recipient.contains('某'), "{}", file.recipient);
            assert!(!packet_text.contains(&format!("\"{}\"", record.recipient)));
            if let Some(id_no) = &record.recipient_id_no {
                assert!(!packet_text.contains(id_no.as_str()));
            }
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let packet_path = dir.path().join("packet.pcpkt");
    std::fs::write(&packet_path, &packet_text).unwrap();
    let data_dir = dir.path().join("laptop");
    let laptop = open_packet(&packet_path, &data_dir);
    let (base, path) = laptop
        .signin
        .split_at(laptop.signin.find("/offline").unwrap());
    let mut local = Client::new(base);
    let signed_in = local.get(path).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.location(), Some("/my/work"));
    // The address works once.
    assert_eq!(
        Client::new(base).get(path).await.status,
        StatusCode::FORBIDDEN
    );
    let work = local.get("/my/work").await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(work.body.contains("离线评查模式"), "{}", work.body);
    for file in files {
        assert!(work.body.contains(&file.case_no));
    }
    // Nothing but the reviewer's own pages exists offline.
    for path in [
        "/rounds",
        "/admin/users",
        "/offline",
        "/summary",
        "/notices",
    ] {
        assert_eq!(
            local.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Score in the local pages: the first file submitted, the second saved as a draft.
    let token = local.csrf_token().await;
    let mut expected = Vec::new();
    for (index, file) in files.iter().take(2).enumerate() {
        let form_path = format!(
            "/rounds/{}/files/{}/sheet",
            packet.payload.round.id, file.file_id
        );
        let form = local.get(&form_path).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("离线评查模式") && form.body.contains(&file.case_no));
        let version = crate::helpers::hidden_value(&form.body, "version").unwrap();
        let (rubric, code) = fixed_item(&app, &file.rubric_hash);
        let reason = format!("离线评查：{}未见会见笔录", file.case_no);
        let action = if index == 0 { "submit" } else { "save" };
        let saved = local
            .post_raw_form(
                &form_path,
                &[
                    ("csrf", &token),
                    ("version", &version),
                    (&format!("applied_{code}"), "on"),
                    (&format!("reason_{code}"), &reason),
                    (&format!("page_{code}"), "7"),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let total = score(&rubric, &answers_with(&code, &reason))
            .unwrap()
            .total
            .unwrap()
            .tenths();
        expected.push((file.file_id.clone(), index == 0, total, reason));
    }
    let (status, from_page) = local.get_bytes("/offline/result").await;
    assert_eq!(status, StatusCode::OK);
    let out = dir.path().join("result.pcres");
    let (ok, stdout, stderr) = crate::cli::pingcha(
        &[
            "offline",
            "export",
            "--data-dir",
            data_dir.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("2 份评分表有改动"), "{stdout}");
    drop(laptop);
    let result_text = std::fs::read_to_string(&out).unwrap();
    let (from_cli, _) = offline::decode_result(&result_text).unwrap();
    let (from_page, _) = offline::decode_result(std::str::from_utf8(&from_page).unwrap()).unwrap();
    assert_eq!(from_cli.sheets, from_page.sheets);
    assert_eq!(from_cli.packet, packet_text);

    // Upload: both sheets applied, the submitted one with its total.
    let applied = upload(&mut member, &result_text).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.json()["files"].as_array().unwrap().len(), 2);
    for (file, submitted, total, reason) in &expected {
        let (state, version, stored_total) = server_sheet(&app, &setup.round, file, setup.member);
        let base = files.iter().find(|f| &f.file_id == file).unwrap().version;
        assert_eq!(version, base + 1);
        if *submitted {
            assert_eq!(state, "submitted");
            assert_eq!(stored_total, Some(*total));
            assert!(*total < 1000);
        } else {
            assert_eq!(state, "draft");
        }
        let mut conn = app.conn();
        let sheet = storage::sheets::find(
            &mut conn,
            setup.round.parse().unwrap(),
            file.parse().unwrap(),
            setup.member,
        )
        .unwrap()
        .unwrap();
        assert_eq!(&sheet.sheet.answers.items[0].reason, reason);
    }
    let audit = {
        let mut conn = app.conn();
        storage::audit::list(&mut conn, &Default::default(), 200).unwrap()
    };
    let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
    assert!(actions.contains(&"offline.packet.issue"));
    assert!(actions.contains(&"offline.result.apply"));
    assert!(actions.contains(&"submit"), "{actions:?}");

    // The same result again: refused, nothing changes.
    let again = upload(&mut member, &result_text).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.json()["message"]
            .as_str()
            .unwrap()
            .contains("不能重复导入")
    );
    let (_, version, _) = server_sheet(&app, &setup.round, &expected[1].0, setup.member);
    assert_eq!(version, files[1].version + 1);
}

/// Every sheet of the packet still at the packet's version on the server.
fn nothing_applied(app: &TestApp, round: &str, reviewer: PersonId, packet_text: &str) {
    let packet = offline::decode(packet_text).unwrap();
    for file in &packet.payload.files {
        let (_, version, _) = server_sheet(app, round, &file.file_id, reviewer);
        assert_eq!(version, file.version, "{} was changed", file.case_no);
    }
}

fn message(reply: &crate::helpers::Reply) -> String {
    reply.json()["message"].as_str().unwrap().to_string()
}

#[actix_rt::test]
async fn refused_results_name_their_reason_and_apply_nothing() {
    let app = spawn_app().await;
    let setup = setup(&app);
    let mut member = login_for_person(&app, "offline-member", setup.member).await;
    let mut leader = login_for_person(&app, "offline-leader", setup.leader).await;
    let mut stranger = login_for_person(&app, "offline-stranger", setup.stranger).await;

    // A team leader downloads a packet for a member of the team; an outsider may not.
    let packet_text = download(&mut leader, &setup.round, Some(setup.member)).await;
    let token = stranger.csrf_token().await;
    let refused = stranger
        .post_json(
            "/api/offline/packets",
            &serde_json::json!({ "round": setup.round, "reviewer": setup.member.to_string() }),
            Some(&token),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let result = result_for(&app, &packet_text);

    // One byte of the packet changed (the login that downloaded it): the signature fails.
    let mut tampered: serde_json::Value = serde_json::from_str(&result).unwrap();
    let inner = tampered["packet"].as_str().unwrap().to_string();
    let altered = inner.replacen(
        "\"issued_by\":\"offline-leader\"",
        "\"issued_by\":\"offline-leades\"",
        1,
    );
    assert_ne!(altered, inner);
    assert_eq!(altered.len(), inner.len());
    tampered["packet"] = altered.into();
    let reply = upload(&mut member, &tampered.to_string()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(message(&reply).contains("签名不符"), "{}", reply.body);
    nothing_applied(&app, &setup.round, setup.member, &packet_text);

    // Another reviewer's packet.
    let reply = upload(&mut stranger, &result).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(
        message(&reply).contains("此离线包属于评查员"),
        "{}",
        reply.body
    );
    nothing_applied(&app, &setup.round, setup.member, &packet_text);

    // A sheet changed on the server since the packet was made: that file is named, and the
    // other files of the packet are not applied either.
    let packet = offline::decode(&packet_text).unwrap();
    let changed = &packet.payload.files[1];
    let form_path = format!("/rounds/{}/files/{}/sheet", setup.round, changed.file_id);
    let form = member.get(&form_path).await;
    let version = crate::helpers::hidden_value(&form.body, "version").unwrap();
    let saved = member
        .post_form(&form_path, &[("version", &version), ("action", "save")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let reply = upload(&mut member, &result).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    let refusals = reply.json()["refusals"].as_array().unwrap().clone();
    assert_eq!(refusals.len(), 1, "{}", reply.body);
    assert_eq!(refusals[0]["case_no"], changed.case_no.as_str());
    assert!(
        refusals[0]["reason"]
            .as_str()
            .unwrap()
            .contains("已在服务器上修改")
    );
    let first = &packet.payload.files[0];
    let (state, version, _) = server_sheet(&app, &setup.round, &first.file_id, setup.member);
    assert_eq!((state.as_str(), version), ("draft", first.version));
    // The page names the file too.
    let page = member
        .post_file(
            "/offline/results",
            "result",
            "result.pcres",
            result.as_bytes(),
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains(&changed.case_no) && page.body.contains("已在服务器上修改"));

    // An expired packet (issued eight days ago with the server's own key).
    let expired_text = {
        let mut conn = app.conn();
        pingcha::app::offline::issue(
            &mut conn,
            &Actor::cli(),
            &pingcha::app::offline::IssueRequest {
                round: setup.round.parse().unwrap(),
                reviewer: setup.stranger,
                requester: setup.stranger,
                valid_for: chrono::Duration::days(7),
            },
            storage::now() - chrono::Duration::days(8),
        )
        .unwrap()
        .text
    };
    let expired_result = result_for(&app, &expired_text);
    let reply = upload(&mut stranger, &expired_result).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(message(&reply).contains("过期"), "{}", reply.body);
    nothing_applied(&app, &setup.round, setup.stranger, &expired_text);
    // …and the laptop refuses to open it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("expired.pcpkt");
    std::fs::write(&path, &expired_text).unwrap();
    let (ok, _, stderr) = crate::cli::pingcha(
        &["offline", "open", path.to_str().unwrap(), "--port", "0"],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("过期"), "{stderr}");
    // A packet changed by one byte does not even open (the laptop checks its structure).
    let broken = dir.path().join("broken.pcpkt");
    std::fs::write(
        &broken,
        packet_text.replacen("{\"format\"", "{ \"format\"", 1),
    )
    .unwrap();
    let (ok, _, stderr) = crate::cli::pingcha(
        &["offline", "open", broken.to_str().unwrap(), "--port", "0"],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("被改动"), "{stderr}");
}

/// A result whose reason holds a NUL byte or is over its limit is refused naming the file and
/// the field (`domain::text_limits`), on either backend, and nothing of it is applied.
#[actix_rt::test]
async fn a_result_with_a_nul_or_overlong_reason_is_refused_naming_the_file() {
    let app = spawn_app().await;
    let setup = setup(&app);
    let mut member = login_for_person(&app, "offline-member", setup.member).await;
    let packet_text = download(&mut member, &setup.round, None).await;
    let packet = offline::decode(&packet_text).unwrap();
    let long = "未".repeat(2001);
    for (reason, expected) in [
        (
            "卷内\u{0}未见",
            "「扣分理由」第 3 个字是不可见的空字符（NUL）",
        ),
        (
            long.as_str(),
            "「扣分理由」不能超过 2000 个字（现有 2001 个字）",
        ),
    ] {
        let sheets = packet
            .payload
            .files
            .iter()
            .map(|file| {
                let (_, code) = fixed_item(&app, &file.rubric_hash);
                ResultSheet {
                    sheet_id: file.sheet_id.clone(),
                    case_no: file.case_no.clone(),
                    base_version: file.version,
                    submitted: false,
                    answers: answers_with(&code, reason),
                }
            })
            .collect();
        let result = offline::encode_result(&packet_text, storage::now(), sheets);
        let reply = upload(&mut member, &result).await;
        assert!(reply.status.is_client_error(), "{}", reply.body);
        let refusals = reply.json()["refusals"].as_array().unwrap().clone();
        assert_eq!(refusals.len(), packet.payload.files.len(), "{}", reply.body);
        for (refusal, file) in refusals.iter().zip(&packet.payload.files) {
            assert_eq!(refusal["case_no"], file.case_no.as_str());
            let text = refusal["reason"].as_str().unwrap();
            assert!(text.contains(expected), "{text}");
        }
        nothing_applied(&app, &setup.round, setup.member, &packet_text);
    }
}
