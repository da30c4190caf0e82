//! Layout that cannot run away, and names outside GBK (issue 22, findings 1 and 9): long texts
//! in every table split across pages and read back whole; 䶮 (Extension A), 𠀾 and 𪚥
//! (Extension B) print in every document, through the real app on both backends; a character
//! no font has is refused in Chinese, every one named with its place; a `.ttc` is read at its
//! Simplified Chinese face.

use std::time::{Duration, Instant};

use crate::document_samples as samples;
use crate::documents::{assert_a4_and_fonts, compact_text, pages, poppler};
use crate::helpers::spawn_app;
use crate::round_documents::{advance, scored_round};
use awc::http::StatusCode;
use pingcha::documents::*;
use pingcha::domain::round::RoundStatus;
use pingcha::storage;

fn fonts() -> &'static Fonts {
    static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| Fonts::embedded().unwrap())
}

/// `count` characters cycling through a sentence with punctuation, numbered every 50
/// characters so an order error or a lost line shows.
fn long_text(count: usize) -> String {
    let sentence: Vec<char> =
        "会见笔录未记录会见的时间、地点及在场人员，阅卷笔录内容不完整（第12-13页）；"
            .chars()
            .collect();
    let mut text = String::with_capacity(count * 3);
    let mut written = 0;
    let mut block = 0;
    while written < count {
        let marker = format!("【{block}】");
        for character in marker
            .chars()
            .chain(sentence.iter().copied().cycle().take(44))
        {
            if written == count {
                break;
            }
            text.push(character);
            written += 1;
        }
        block += 1;
    }
    text
}

/// The last `count` characters of `text`, without spaces.
fn tail(text: &str, count: usize) -> String {
    let characters: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    characters[characters.len().saturating_sub(count)..]
        .iter()
        .collect()
}

/// The text of each page, without whitespace (pdftotext -raw, pages split at form feeds).
fn page_texts(pdf: &[u8]) -> Vec<String> {
    poppler("pdftotext", pdf, &["-raw"])
        .split('\u{c}')
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

/// Keeps a document under the target directory so it can be looked at (pdftoppm).
fn keep(name: &str, pdf: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), pdf).unwrap();
}

fn feedback_with_finding(problem: &str) -> FeedbackReportView {
    let mut view = samples::feedback(3);
    view.finding_groups.truncate(2);
    view.finding_groups[0].findings[0].1 = problem.to_owned();
    // Drawn after the problem's first part; "0.5" cannot occur in the problem text.
    view.finding_groups[0].findings[0].2 = 0.5;
    view
}

#[test]
fn a_100000_character_finding_prints_whole_in_the_feedback_report() {
    let problem = long_text(100_000);
    let view = feedback_with_finding(&problem);
    let started = Instant::now();
    let pdf = feedback_report(&view, fonts()).unwrap();
    let took = started.elapsed();
    keep("feedback-100000.pdf", &pdf);
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // Page furniture (page numbers, the repeated header, the case number the continued row
    // repeats) comes between the parts of the split row; strip it, then the whole finding
    // must be there in order.
    let continued = format!("{}（续）", view.finding_groups[0].findings[0].0);
    let body: String = page_texts(&pdf)
        .iter()
        .map(|page| {
            assert!(!page.contains("【") || page.contains("【0】") || page.contains(&continued));
            page.replace(&continued, "")
                .replace("案号存在问题扣分", "")
                .replace("0.5", "")
                .split("—")
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let last = problem.rfind('【').unwrap();
    let marker = &problem[last..last + problem[last..].find('】').unwrap() + '】'.len_utf8()];
    let at = body.find("【0】").expect("the finding starts");
    let end = body.find(marker).expect("the last block");
    assert!(
        body[at..end] == problem[..last],
        "the finding reads back whole and in order"
    );
    assert!(
        body[end..].starts_with(&problem[last..]),
        "the end of the finding"
    );
    let count = pages(&pdf);
    assert!((100..400).contains(&count), "{count} pages");
}

#[test]
fn a_2000_character_finding_splits_across_pages_with_the_header_repeated() {
    for problem in [long_text(2_000), "abcdefghij ".repeat(200)] {
        let view = feedback_with_finding(&problem);
        let pdf = feedback_report(&view, fonts()).unwrap();
        keep(&format!("feedback-{}.pdf", problem.len()), &pdf);
        let pages_text = page_texts(&pdf);
        let with_header = pages_text
            .iter()
            .filter(|page| page.contains("案号存在问题扣分"))
            .count();
        assert!(with_header >= 2, "the header repeats on the continuation");
        let squeezed: String = problem.chars().filter(|c| !c.is_whitespace()).collect();
        let body: String = pages_text
            .iter()
            .map(|page| page.replace("案号存在问题扣分", ""))
            .collect();
        let first: String = squeezed.chars().take(300).collect();
        let last: String = squeezed
            .chars()
            .skip(squeezed.chars().count() - 300)
            .collect();
        assert!(body.contains(&first) && body.contains(&last));
    }
}

/// Rows that hold a rubric section title, a unit name, a notice's problem: each longer than
/// a page, each split, and every document comes back in bounded time.
#[test]
fn every_documents_rows_taller_than_a_page_are_split() {
    let huge = long_text(6_000);
    let started = Instant::now();

    let mut sheet = samples::score_sheet(4, 6);
    sheet.sections[1].title = huge.clone();
    sheet.sections[2].items[0].title = huge.clone();
    let pdf = score_sheet(&sheet, fonts()).unwrap();
    let text = compact_text(&pdf);
    assert!(text.contains(&tail(&huge, 30)), "the section title ends");
    assert!(pages(&pdf) >= 4);

    let mut view = samples::feedback(2);
    view.finding_groups[0].item = huge.clone();
    let pdf = feedback_report(&view, fonts()).unwrap();
    assert!(compact_text(&pdf).contains(&tail(&huge, 30)));

    let mut notice = samples::notice(3);
    notice.findings[1].problem = huge.clone();
    notice.findings[2].requirement = huge.clone();
    let pdf = rectification_notice(&notice, fonts()).unwrap();
    assert!(compact_text(&pdf).contains(&tail(&huge, 30)));

    let mut report = samples::leadership(2, 6, 20);
    report.files[3].unit = huge.clone();
    report.rectification[0].unit = huge.clone();
    let pdf = leadership_report(&report, fonts()).unwrap();
    assert!(compact_text(&pdf).contains(&tail(&huge, 30)));

    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Every document kind, every text field, texts from 0 to 100,000 characters: the fuzz
/// target's entry, run here over fixed inputs so `cargo test` walks each field.
#[test]
fn the_layout_entry_returns_for_every_field_and_length() {
    for kind in 0..4u8 {
        for field in 0..40u8 {
            for length in [0u32, 1, 700, 2_500] {
                let mut input = vec![kind, field];
                input.extend_from_slice(&length.to_be_bytes()[1..]);
                input.extend_from_slice("法律援助，abc （一）".as_bytes());
                let started = Instant::now();
                pingcha::fuzzing::layout(&input);
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "kind {kind} field {field} length {length}"
                );
            }
        }
    }
}

const RARE: [char; 3] = ['䶮', '𠀾', '𪚥'];

#[test]
fn rare_name_characters_print_in_every_document() {
    let mut sheet = samples::score_sheet(1, 4);
    sheet.handler = "王䶮".to_owned();
    sheet.reviewers = vec!["李𠀾".to_owned(), "马玥".to_owned()];
    sheet.aid_center = "𪚥城县法律援助中心".to_owned();
    let mut feedback = samples::feedback(1);
    feedback.unit = "𪚥城县法律援助中心".to_owned();
    feedback.cases[0].handler = "王䶮".to_owned();
    feedback.inspection_team = Some("第1评查组（组长李𠀾，成员马玥）".to_owned());
    let mut notice = samples::notice(3);
    notice.addressee = "𪚥城县法律援助中心".to_owned();
    notice.findings[0].handler = "王䶮".to_owned();
    notice.contact = Some("联系人：李𠀾，电话：0951-1234567".to_owned());
    let mut report = samples::leadership(1, 5, 12);
    report.by_unit[0].unit = "𪚥城县法律援助中心".to_owned();
    report.files[0].handler = "王䶮".to_owned();
    report.introduction.push_str("\n评查组长李𠀾。");
    for (name, pdf) in [
        ("score sheet", score_sheet(&sheet, fonts()).unwrap()),
        ("feedback", feedback_report(&feedback, fonts()).unwrap()),
        ("notice", rectification_notice(&notice, fonts()).unwrap()),
        ("leadership", leadership_report(&report, fonts()).unwrap()),
    ] {
        keep(&format!("rare-{}.pdf", name.replace(' ', "-")), &pdf);
        // The fallback face is embedded as a subset too, with a tag (pdffonts: sub yes).
        assert_a4_and_fonts(&pdf);
        let text = compact_text(&pdf);
        for expected in ["王䶮", "李𠀾", "𪚥城县法律援助中心"] {
            assert!(text.contains(expected), "{name}: {expected}");
        }
    }
}

#[test]
fn missing_characters_are_named_all_in_chinese_with_their_places() {
    let mut sheet = samples::score_sheet(2, 3);
    sheet.handler = "王\u{30001}".to_owned(); // Extension G: in no shipped face
    sheet.cause = "盗窃🙂".to_owned();
    sheet.sections[0].items[0].deductions = vec![Deduction {
        points: 1.0,
        reason: "会见笔录🙂缺页\u{7}".to_owned(),
        pages: "第1页".to_owned(),
    }];
    let error = score_sheet(&sheet, fonts()).unwrap_err();
    let Error::MissingGlyphs(missing) = &error else {
        panic!("expected MissingGlyphs, got {error:?}");
    };
    assert_eq!(missing.characters(), ['🙂', '\u{30001}', '\u{7}']);
    let message = error.to_string();
    for expected in [
        "3个字符所有字体都无法显示",
        "“\u{30001}”（U+30001），见于评查评分表（",
        "承办人",
        "“🙂”（U+1F642），见于",
        "案由",
        "评分明细",
        "U+0007（控制字符）",
        "未生成文书",
    ] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    assert!(!message.contains("glyph"), "{message}");

    // The whole batch: every sheet's characters, each with its case number.
    let mut second = samples::score_sheet(3, 3);
    second.reviewers = vec!["杨\u{31350}".to_owned()]; // Extension H
    let error = score_sheets_batch(&[sheet.clone(), second.clone()], fonts(), &mut |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(error.contains("4个字符"), "{error}");
    assert!(error.contains(&second.case_number) && error.contains(&sheet.case_number));

    // A notice's findings table names the finding.
    let mut notice = samples::notice(3);
    notice.findings[2].problem = "会见笔录\u{30001}".to_owned();
    let error = rectification_notice(&notice, fonts())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("问题清单第3项") && error.contains("存在问题"),
        "{error}"
    );
}

#[test]
fn a_collection_is_read_at_its_simplified_chinese_face() {
    let ttc = std::path::Path::new("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc");
    let bytes = std::fs::read(ttc).expect("fonts-noto-cjk is installed (.ci/run installs it)");
    let faces = pingcha::cli::fonts::face_names(&bytes);
    assert!(faces.len() >= 4, "{faces:?}");
    assert!(faces[0].names.iter().any(|name| name.contains("JP")));
    let chosen = pingcha::cli::fonts::choose_face(&bytes, None, "x.ttc").unwrap();
    assert!(
        faces[chosen].names.iter().any(|name| name.ends_with(" SC")),
        "{:?}",
        faces[chosen]
    );
    assert_ne!(chosen, 0);
    // Named explicitly, by name or number; an unknown name is refused listing the faces.
    let tc = faces
        .iter()
        .find(|face| face.names.iter().any(|name| name.ends_with(" TC")))
        .unwrap();
    assert_eq!(
        pingcha::cli::fonts::choose_face(&bytes, Some("Noto Serif CJK TC"), "x.ttc").unwrap(),
        tc.index
    );
    assert_eq!(
        pingcha::cli::fonts::choose_face(&bytes, Some("1"), "x.ttc").unwrap(),
        1
    );
    let refused = pingcha::cli::fonts::choose_face(&bytes, Some("宋体"), "x.ttc")
        .unwrap_err()
        .to_string();
    assert!(refused.contains("没有名为“宋体”") && refused.contains("Noto Serif CJK SC"));

    // Through the options: the body is the SC face, and prints 张 and 䶮.
    let args = pingcha::cli::fonts::FontArgs {
        font_body: Some(ttc.to_path_buf()),
        ..Default::default()
    };
    let set = args.font_set().unwrap();
    assert_eq!(set.body.face_index, chosen);
    let fonts = Fonts::load(&set).unwrap();
    let mut sheet = samples::score_sheet(1, 2);
    sheet.handler = "张䶮".to_owned();
    let text = compact_text(&score_sheet(&sheet, &fonts).unwrap());
    assert!(text.contains("张䶮"));
}

/// Through the real app: a 2,000-character finding added by the administrator, then the
/// unit's feedback PDF downloaded. The old layout looped here, growing past 20 GB; a layout
/// that runs away again ends the test binary after a minute rather than eat the machine
/// (the server's rendering thread cannot be stopped from the test).
#[actix_rt::test]
async fn a_2000_character_finding_downloads_as_feedback_through_the_app() {
    let app = spawn_app().await;
    let round = scored_round(&app, false);
    let unit = app.unit_id("XQ");
    let file = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        results
            .files
            .iter()
            .find(|file| file.unit.to_string() == unit)
            .unwrap()
            .file
            .to_string()
    };
    let finding = long_text(2_000);
    let mut admin = app.login_as("admin").await;
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/findings"),
            &[
                ("case_file", file.as_str()),
                ("item_code", "B1"),
                ("item_text", "权利义务告知"),
                ("reason", finding.as_str()),
                ("points", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // A long 评查项目 heads its group row, the row the old layout never split (it looped on
    // it). A stored-text length limit may refuse it; then it is refused in Chinese.
    let item = "会见笔录要素齐全，".repeat(120);
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/findings"),
            &[
                ("case_file", file.as_str()),
                ("item_code", "C2"),
                ("item_text", item.as_str()),
                ("reason", "会见笔录未记录会见时间"),
                ("points", "1"),
            ],
        )
        .await;
    let long_item = reply.status == StatusCode::SEE_OTHER;
    if !long_item {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains("评查项目"), "{}", reply.body);
    }
    let path = format!("/rounds/{round}/units/{unit}/feedback.pdf");
    let download = admin.get_bytes(&path);
    let Ok((status, pdf)) = actix_rt::time::timeout(Duration::from_secs(60), download).await else {
        eprintln!("the feedback report with a 2,000-character finding did not come back in 60 s");
        std::process::exit(101);
    };
    assert_eq!(status, StatusCode::OK);
    let text = compact_text(&pdf);
    let squeezed: String = finding.chars().filter(|c| !c.is_whitespace()).collect();
    for block in ["【0】", "【20】", "【39】"] {
        assert!(text.contains(block), "{block}");
    }
    assert!(text.contains(&tail(&squeezed, 30)), "the end");
    if long_item {
        assert!(
            text.contains(&tail(&item, 30)),
            "the long item's group row ends"
        );
    }
}

/// Through the real app, both backends: a handler 王䶮, a reviewer 李𠀾 and a unit
/// 𪚥城县法律援助中心 print in the score sheets, the feedback report, the rectification notice
/// and the leadership report.
#[actix_rt::test]
async fn rare_names_print_in_every_document_through_the_app() {
    use diesel::prelude::*;
    use storage::schema::{case_files, people, units};
    let app = spawn_app().await;
    let round = crate::teams::round_in_teaming(&app);
    let unit = app.unit_id("XQ");
    {
        // Reviewers are named in the published assignment: rename them before it.
        let mut conn = app.conn();
        let ids: Vec<String> = people::table.select(people::id).load(&mut *conn).unwrap();
        for (index, id) in ids.iter().enumerate() {
            diesel::update(people::table.filter(people::id.eq(id)))
                .set(people::name.eq(format!("李𠀾{index}")))
                .execute(&mut *conn)
                .unwrap();
        }
    }
    crate::round_documents::publish(&app, &round);
    advance(&app, &round, RoundStatus::Reviewing);
    crate::round_documents::submit_all(&app, &round);
    {
        let mut conn = app.conn();
        diesel::update(units::table.filter(units::id.eq(&unit)))
            .set(units::name.eq("𪚥城县法律援助中心"))
            .execute(&mut *conn)
            .unwrap();
        diesel::update(case_files::table.filter(case_files::unit_id.eq(&unit)))
            .set(case_files::handler.eq("王䶮"))
            .execute(&mut *conn)
            .unwrap();
    }
    let mut admin = app.login_as("admin").await;
    let (status, sheets) = admin
        .get_bytes(&format!("/rounds/{round}/units/{unit}/sheets.pdf"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&sheets)
    );
    let text = compact_text(&sheets);
    for expected in ["王䶮", "李𠀾", "𪚥城县法律援助中心"] {
        assert!(text.contains(expected), "score sheets: {expected}");
    }
    let (status, feedback) = admin
        .get_bytes(&format!("/rounds/{round}/units/{unit}/feedback.pdf"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&feedback)
    );
    let text = compact_text(&feedback);
    for expected in ["王䶮", "李𠀾", "𪚥城县法律援助中心："] {
        assert!(text.contains(expected), "feedback: {expected}");
    }

    // A finding of the unit's own, so its notice has one to list.
    let file = {
        let mut conn = app.conn();
        let results = storage::results::load(&mut conn, round.parse().unwrap())
            .unwrap()
            .unwrap();
        results
            .files
            .iter()
            .find(|file| file.unit.to_string() == unit)
            .unwrap()
            .file
            .to_string()
    };
    let reply = admin
        .post_form(
            &format!("/rounds/{round}/findings"),
            &[
                ("case_file", file.as_str()),
                ("item_code", "B1"),
                ("item_text", "权利义务告知"),
                ("reason", "未告知受援人权利义务"),
                ("points", "1"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    advance(&app, &round, RoundStatus::Feedback);
    let reply = admin
        .post_form(&format!("/rounds/{round}/notices/draft"), &[])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let notices = admin.get("/api/notices").await.json();
    let notice = notices["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|notice| notice["unit_name"].as_str().unwrap().contains('𪚥'))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let findings = admin
        .get(&format!("/api/rounds/{round}/findings"))
        .await
        .json();
    let ours = findings["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|unit| unit["findings"].as_array().unwrap().clone())
        .find(|finding| finding["reason"] == "未告知受援人权利义务")
        .unwrap();
    let reply = admin
        .post_form(
            &format!("/notices/{notice}/select"),
            &[("finding", ours["id"].as_str().unwrap()), ("selected", "1")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = admin
        .post_form(
            &format!("/notices/{notice}/issue"),
            &[("days", "30"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let (status, pdf) = admin.get_bytes(&format!("/notices/{notice}/pdf")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    let text = compact_text(&pdf);
    for expected in ["𪚥城县法律援助中心：", "王䶮"] {
        assert!(text.contains(expected), "notice: {expected}");
    }

    let (status, report) = admin
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&report)
    );
    let text = compact_text(&report);
    for expected in ["𪚥城县法律援助中心", "王䶮"] {
        assert!(text.contains(expected), "leadership report: {expected}");
    }
    for character in RARE {
        assert!(
            compact_text(&sheets).contains(character),
            "{character} in the sheets"
        );
    }
}
