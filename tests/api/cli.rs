//! The binary as an operator uses it: one clear line for a bad database URL (password
//! masked), accounts from standard input, migrate and demo.

use crate::helpers::TestDb;
use std::io::Write;
use std::process::{Command, Stdio};

pub fn pingcha(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingcha"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let output = child.wait_with_output().unwrap();
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() && stderr.trim().is_empty() {
        // The exit status says what an empty stderr cannot (a signal, say).
        stderr.push_str(&format!("\n[{}]", output.status));
    }
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    )
}

#[test]
fn serve_stops_with_one_clear_line_on_a_bad_database_url() {
    for (url, expected) in [
        (
            "postgres://pingcha:s3cret-pw@127.0.0.1:1/pingcha",
            "无法连接数据库 postgres://pingcha:***@127.0.0.1:1/pingcha",
        ),
        (
            "mysql://root:s3cret-pw@localhost/x",
            "不支持的数据库地址 mysql://root:***@localhost/x",
        ),
        (
            "/nonexistent-dir/sub/pingcha.sqlite3",
            "无法连接数据库 /nonexistent-dir/sub/pingcha.sqlite3",
        ),
    ] {
        let (ok, stdout, stderr) = pingcha(
            &["serve", "--database-url", url, "--bind", "127.0.0.1:0"],
            None,
        );
        assert!(!ok, "{url}: serve must fail");
        assert!(stdout.is_empty(), "{url}: {stdout}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{url}: one line expected, got {stderr}");
        assert!(lines[0].starts_with("错误："), "{stderr}");
        assert!(lines[0].contains(expected), "{url}: {stderr}");
        assert!(!stderr.contains("s3cret-pw"), "password leaked: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn accounts_are_created_from_standard_input_and_demo_loads_once() {
    let db = TestDb::new();
    let url = db.url.as_str();
    let (ok, stdout, stderr) = pingcha(&["--database-url", url, "migrate"], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("已在"), "{stdout}");
    let (ok, stdout, stderr) = pingcha(&["--database-url", url, "demo"], None);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("11 个单位，60 名评查员，12 家律师事务所"),
        "{stdout}"
    );
    assert!(stdout.contains("admin"));
    {
        // The demo carries a quarter's registry and a round ready for sampling, after two
        // earlier quarters: one closed, one in 反馈整改, both with final results.
        assert!(
            stdout.contains("已装入此前两个季度的评查：2 轮"),
            "{stdout}"
        );
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        let mut rounds = pingcha::storage::rounds::list(&mut conn).unwrap();
        rounds.sort_by_key(|round| round.settings.period_start);
        let statuses: Vec<_> = rounds.iter().map(|round| round.status).collect();
        use pingcha::domain::round::RoundStatus;
        assert_eq!(
            statuses,
            [
                RoundStatus::Closed,
                RoundStatus::Feedback,
                RoundStatus::Sampling
            ]
        );
        for earlier in &rounds[..2] {
            let results = pingcha::storage::results::load(&mut conn, earlier.id)
                .unwrap()
                .unwrap();
            assert!(results.finished().count() > 20, "{}", earlier.settings.name);
        }
        let rounds = &rounds[2..];
        assert_eq!(rounds[0].settings.name, pingcha::demo::DEMO_ROUND);
        let in_period = pingcha::storage::cases::count_in_period(
            &mut conn,
            rounds[0].settings.period_start,
            rounds[0].settings.period_end,
        )
        .unwrap();
        assert_eq!(in_period, 374, "a quarter of each center's annual target");

        // Every reviewer and every center has a login; Q1's notices are all closed; Q2's
        // deadlines follow from today: most due within a week, 贺兰县's three days overdue.
        assert!(stdout.contains("reviewer-01"), "{stdout}");
        let accounts = pingcha::storage::users::list(&mut conn).unwrap();
        for login in ["reviewer-01", "reviewer-58", "manager-yc", "manager-lw"] {
            assert!(
                accounts.iter().any(|view| view.account.login == login),
                "{login}"
            );
        }
        let people =
            pingcha::storage::people::list(&mut conn, pingcha::domain::UnitScope::All).unwrap();
        for person in &people {
            assert!(
                accounts
                    .iter()
                    .any(|view| view.account.person_id == Some(person.person.id)),
                "{} has a login",
                person.person.name
            );
        }
        let all_rounds = pingcha::storage::rounds::list(&mut conn).unwrap();
        let find = |name: &str| {
            all_rounds
                .iter()
                .find(|round| round.settings.name == name)
                .unwrap()
                .id
        };
        let q1 = pingcha::storage::rectification::notices(
            &mut conn,
            pingcha::domain::UnitScope::All,
            Some(find("2025年第一季度案卷评查")),
        )
        .unwrap();
        let issued: Vec<_> = q1
            .iter()
            .filter(|notice| notice.doc_number.is_some())
            .collect();
        assert!(issued.len() >= 3, "{q1:?}");
        assert!(
            issued.iter().all(|notice| notice.state
                == pingcha::domain::rectification::RectificationState::Verified),
            "every issued Q1 notice is closed: {q1:?}"
        );
        let today = pingcha::storage::today();
        let q2 = pingcha::storage::rectification::notices(
            &mut conn,
            pingcha::domain::UnitScope::All,
            Some(find("2025年第二季度案卷评查")),
        )
        .unwrap();
        let overdue: Vec<_> = q2
            .iter()
            .filter(|notice| {
                notice.counted_deadline.is_some_and(|deadline| {
                    pingcha::domain::rectification::is_overdue(notice.state, deadline, today)
                })
            })
            .collect();
        assert_eq!(overdue.len(), 1, "{q2:?}");
        // One center without a named manager login: neither 兴庆区 nor 金凤区, who answer.
        assert!(
            !["兴庆区法律援助中心", "金凤区法律援助中心"].contains(&overdue[0].unit_name.as_str()),
            "{q2:?}"
        );
        assert_eq!(overdue[0].deadline, Some(today - chrono::Duration::days(3)));
        assert!(
            q2.iter()
                .filter_map(|notice| notice.deadline)
                .all(|deadline| deadline >= today - chrono::Duration::days(3)
                    && deadline <= today + chrono::Duration::days(7))
        );
    }
    let (ok, _, stderr) = pingcha(&["--database-url", url, "demo"], None);
    assert!(!ok);
    assert!(stderr.contains("已有数据"), "{stderr}");

    let add = [
        "--database-url",
        url,
        "user",
        "add",
        "--login",
        "clerk01",
        "--name",
        "王玥",
        "--role",
        "center_manager",
        "--unit",
        "LW",
    ];
    let (ok, stdout, stderr) = pingcha(&add, Some("strong-password\n"));
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("已创建账户 clerk01（中心负责人）"),
        "{stdout}"
    );
    let (ok, _, stderr) = pingcha(&add, Some("strong-password\n"));
    assert!(!ok);
    assert!(stderr.contains("该用户名已被使用"), "{stderr}");
    let bad_unit = [
        "--database-url",
        url,
        "user",
        "add",
        "--login",
        "clerk02",
        "--name",
        "某",
        "--role",
        "center_manager",
        "--unit",
        "NOPE",
    ];
    let (ok, _, stderr) = pingcha(&bad_unit, Some("strong-password\n"));
    assert!(!ok);
    assert!(stderr.contains("单位代码 NOPE 不存在"), "{stderr}");

    let (ok, stdout, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "user",
            "passwd",
            "--login",
            "clerk01",
        ],
        Some("newer-password\n"),
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("已修改账户 clerk01 的密码"));
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let (_, hash) = pingcha::storage::users::find_by_login(&mut conn, "clerk01")
        .unwrap()
        .unwrap();
    assert!(pingcha::security::verify_password("newer-password", &hash));
}

/// A reviewer account linked to its pool member from the command line, by 姓名@单位代码 or by
/// id; an unknown name, a malformed value, a person on a non-reviewer account and a name two
/// people of one unit share (the refusal lists their ids) are refused, and nothing is written.
#[test]
fn reviewer_accounts_are_linked_to_their_pool_member() {
    let db = TestDb::new();
    let url = db.url.as_str();
    assert!(pingcha(&["--database-url", url, "demo"], None).0);
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let people =
        pingcha::storage::people::list(&mut conn, pingcha::domain::UnitScope::All).unwrap();
    let units = pingcha::storage::units::list(&mut conn, pingcha::domain::UnitScope::All).unwrap();
    let code_of = |unit| {
        units
            .iter()
            .find(|candidate| candidate.id == unit)
            .map(|found| found.code.clone())
            .unwrap()
    };
    // A person whose name is unique in their unit, and another one for the id form.
    let unique = people
        .iter()
        .find(|view| {
            people
                .iter()
                .filter(|other| {
                    other.person.name == view.person.name
                        && other.person.unit_id == view.person.unit_id
                })
                .count()
                == 1
        })
        .unwrap();
    let other = people
        .iter()
        .find(|view| view.person.id != unique.person.id)
        .unwrap();
    let add = |login: &str, role: &str, person: &str| {
        pingcha(
            &[
                "--database-url",
                url,
                "user",
                "add",
                "--login",
                login,
                "--name",
                "评查员",
                "--role",
                role,
                "--person",
                person,
            ],
            Some("strong-password\n"),
        )
    };
    let by_name = format!("{}@{}", unique.person.name, code_of(unique.person.unit_id));
    let (ok, stdout, stderr) = add("rev-by-name", "reviewer", &by_name);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("已创建账户 rev-by-name（评查员）"),
        "{stdout}"
    );
    let (ok, _, stderr) = add("rev-by-id", "reviewer", &other.person.id.to_string());
    assert!(ok, "{stderr}");
    for (login, person) in [("rev-by-name", unique), ("rev-by-id", other)] {
        let (account, _) = pingcha::storage::users::find_by_login(&mut conn, login)
            .unwrap()
            .unwrap();
        assert_eq!(account.person_id, Some(person.person.id));
        assert_eq!(account.unit_id, Some(person.person.unit_id));
    }

    let refusals = [
        (
            "无此人@XQ",
            "reviewer",
            "评查员库中没有 无此人（单位代码 XQ）",
        ),
        (
            "张三",
            "reviewer",
            "--person 须为评查员库中人员的编号或“姓名@单位代码”",
        ),
        (
            by_name.as_str(),
            "leader",
            "只有评查员账户可以关联评查员库中的人员",
        ),
    ];
    for (person, role, message) in refusals {
        let (ok, _, stderr) = add("refused", role, person);
        assert!(!ok, "{person}");
        assert!(stderr.contains(message), "{person}: {stderr}");
    }
    // A namesake in the same unit makes the name ambiguous: both ids are listed.
    let namesake = pingcha::storage::people::create(
        &mut conn,
        &pingcha::storage::audit::Actor::cli(),
        &pingcha::storage::people::NewPerson {
            name: unique.person.name.clone(),
            unit_id: unique.person.unit_id,
            law_firm_id: None,
            expertise: unique.person.expertise.clone(),
            years_of_practice: 3,
            may_lead: false,
            phone: None,
        },
        pingcha::storage::now(),
    )
    .unwrap();
    let (ok, _, stderr) = add("refused", "reviewer", &by_name);
    assert!(!ok);
    assert!(stderr.contains("评查员库中有 2 位"), "{stderr}");
    assert!(stderr.contains(&namesake.to_string()), "{stderr}");
    assert!(stderr.contains(&unique.person.id.to_string()), "{stderr}");
    assert!(
        pingcha::storage::users::find_by_login(&mut conn, "refused")
            .unwrap()
            .is_none()
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "passwd", "--help"],
    ] {
        let (ok, stdout, _) = pingcha(&args, None);
        assert!(ok, "{args:?}");
        assert!(stdout.contains("Usage"), "{args:?}: {stdout}");
    }
}

#[test]
fn rubric_check_names_file_line_and_item() {
    let root = env!("CARGO_MANIFEST_DIR");
    let good = format!("{root}/scoring-rubrics/criminal.toml");
    let (ok, stdout, stderr) = pingcha(&["rubric", "check", &good], None);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("全部通过校验"));
    let broken = format!("{root}/tests/fixtures/rubrics/broken/deduction_over_item.toml");
    let (ok, stdout, stderr) = pingcha(&["rubric", "check", &good, &broken], None);
    assert!(!ok);
    assert!(stdout.contains("deduction_over_item.toml 第"), "{stdout}");
    assert!(stderr.contains("评分标准校验未通过"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_on_an_invalid_rubric_folder() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::copy(
        format!("{root}/scoring-rubrics/civil.toml"),
        dir.path().join("civil.toml"),
    )
    .unwrap();
    std::fs::copy(
        format!("{root}/tests/fixtures/rubrics/broken/duplicate_code.toml"),
        dir.path().join("duplicate_code.toml"),
    )
    .unwrap();
    let rubrics = dir.path().display().to_string();
    let (ok, stdout, stderr) = pingcha(
        &[
            "--database-url",
            &db.url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--rubrics",
            &rubrics,
        ],
        None,
    );
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("duplicate_code.toml"), "{stderr}");
    assert!(stderr.contains("服务未启动"), "{stderr}");
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    assert!(
        pingcha::storage::rubrics::list(&mut conn)
            .unwrap()
            .is_empty(),
        "nothing stored from a bad folder"
    );
}

#[test]
fn registries_import_from_the_command_line_and_samples_verify() {
    let db = TestDb::new();
    let url = db.url.as_str();
    assert!(pingcha(&["--database-url", url, "demo"], None).0);
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    pingcha::app::rubrics::install_dir(&mut conn, &crate::helpers::rubrics_dir()).unwrap();
    let hash = pingcha::storage::rubrics::list(&mut conn)
        .unwrap()
        .into_iter()
        .find(|s| s.rubric_id == "civil")
        .unwrap()
        .content_hash;
    let settings =
        crate::helpers::round_settings("命令行轮次", [(pingcha::domain::CaseType::Civil, hash)]);
    let round = pingcha::storage::rounds::create(
        &mut conn,
        &pingcha::storage::audit::Actor::cli(),
        &settings,
        pingcha::storage::now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("台账.xlsx");
    std::fs::write(&file, crate::rounds::registry_xlsx(10)).unwrap();
    let file = file.display().to_string();

    let (ok, stdout, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "import",
            "cases",
            &file,
            "--round",
            "命令行轮次",
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("新增 30 件，更新 0 件，未变化 0 件"),
        "{stdout}"
    );
    let (ok, stdout, _) = pingcha(
        &[
            "--database-url",
            url,
            "import",
            "cases",
            &file,
            "--round",
            "命令行轮次",
        ],
        None,
    );
    assert!(ok);
    assert!(
        stdout.contains("新增 0 件，更新 0 件，未变化 30 件"),
        "{stdout}"
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\nB-1,赵六,某律师,某所,民事,借款,2025-02-30,XQ\n").unwrap();
    let (ok, _, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "import",
            "cases",
            &bad.display().to_string(),
            "--round",
            "命令行轮次",
        ],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("第2行"), "{stderr}");
    assert!(stderr.contains("未导入任何数据"), "{stderr}");

    let (ok, _, stderr) = pingcha(
        &["--database-url", url, "sample", "verify", "命令行轮次"],
        None,
    );
    assert!(!ok);
    assert!(stderr.contains("尚未确定抽查清单"), "{stderr}");

    let actor = pingcha::storage::audit::Actor::cli();
    let round = pingcha::storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        pingcha::domain::round::RoundStatus::Sampling,
        pingcha::storage::now(),
    )
    .unwrap();
    pingcha::storage::sampling::freeze(&mut conn, &actor, &round, 99, pingcha::storage::now())
        .unwrap();
    let (ok, stdout, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "sample",
            "verify",
            &round.id.to_string(),
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("一致"), "{stdout}");

    // Someone swaps a drawn file for one they prefer: verification names both.
    use diesel::connection::SimpleConnection;
    let frozen = pingcha::storage::sampling::frozen(&mut conn, round.id)
        .unwrap()
        .unwrap();
    let picked: std::collections::BTreeSet<_> = frozen
        .picks
        .iter()
        .map(|(id, _, _)| id.to_string())
        .collect();
    let candidates = pingcha::storage::sampling::candidates(&mut conn, &round).unwrap();
    let other = candidates
        .iter()
        .find(|c| !picked.contains(&c.id.to_string()))
        .unwrap();
    let victim = frozen.picks.first().unwrap().0;
    conn.batch_execute(&format!(
        "UPDATE sample_picks SET case_file_id = '{}' WHERE case_file_id = '{victim}'",
        other.id
    ))
    .unwrap();
    let (ok, stdout, stderr) = pingcha(
        &["--database-url", url, "sample", "verify", "命令行轮次"],
        None,
    );
    assert!(!ok);
    assert!(stdout.contains("不一致"), "{stdout}");
    assert!(stdout.contains(&other.case_no), "{stdout}");
    assert!(stderr.contains("复核未通过"));
}

#[test]
fn assign_prints_teams_and_quality_and_stores_a_draft() {
    let db = TestDb::new();
    let url = db.url.as_str();
    assert!(pingcha(&["--database-url", url, "demo"], None).0);
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let actor = pingcha::storage::audit::Actor::cli();
    let round =
        pingcha::storage::rounds::find_by_id_or_name(&mut conn, pingcha::demo::DEMO_ROUND).unwrap();
    pingcha::storage::sampling::freeze(&mut conn, &actor, &round, 2025, pingcha::storage::now())
        .unwrap();
    let (ok, _, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "assign",
            pingcha::demo::DEMO_ROUND,
            "--seed",
            "7",
            "--dry-run",
        ],
        None,
    );
    assert!(ok, "{stderr}");
    pingcha::storage::rounds::advance(
        &mut conn,
        &actor,
        round.id,
        pingcha::domain::round::RoundStatus::Teaming,
        pingcha::storage::now(),
    )
    .unwrap();
    let (ok, stdout, stderr) = pingcha(
        &[
            "--database-url",
            url,
            "assign",
            pingcha::demo::DEMO_ROUND,
            "--seed",
            "7",
        ],
        None,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("违反硬性规则 0"), "{stdout}");
    assert!(stdout.contains("第1组 组长"), "{stdout}");
    assert!(stdout.contains("已保存为第 1 版草案"), "{stdout}");
    let (_, dry, _) = pingcha(
        &[
            "--database-url",
            url,
            "assign",
            pingcha::demo::DEMO_ROUND,
            "--seed",
            "7",
            "--dry-run",
        ],
        None,
    );
    assert!(dry.contains("试运行"));
    let teams_line = |text: &str| {
        text.lines()
            .filter(|line| line.contains("组长"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        teams_line(&stdout),
        teams_line(&dry),
        "same seed, same teams"
    );
    assert_eq!(
        pingcha::storage::assignments::versions(&mut conn, round.id)
            .unwrap()
            .len(),
        1,
        "dry runs store nothing"
    );
}
