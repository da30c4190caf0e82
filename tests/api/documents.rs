//! The documents as a reader gets them: text through `pdftotext`, fonts through `pdffonts`,
//! page size and count through `pdfinfo` (poppler-utils).

use crate::document_samples as samples;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use pingcha::documents::*;

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::embedded().unwrap())
}

/// Runs a poppler tool on the PDF, written to a temporary file.
pub(crate) fn poppler(tool: &str, pdf: &[u8], extra: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("pingcha-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{tool}-{:x}.pdf",
        pdf.len() ^ pdf.iter().take(4096).map(|b| *b as usize).sum::<usize>()
    ));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(pdf)
        .unwrap();
    let mut command = Command::new(tool);
    command.args(extra).arg(&path);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|error| panic!("{tool} (poppler-utils) must be installed: {error}"));
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_file(&path);
    String::from_utf8(output.stdout).unwrap()
}

fn text(pdf: &[u8]) -> String {
    poppler("pdftotext", pdf, &["-layout"])
}

/// pdftotext -raw keeps lines in content order; without spaces it can be searched for phrases.
pub(crate) fn compact_text(pdf: &[u8]) -> String {
    poppler("pdftotext", pdf, &["-raw"])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

pub(crate) fn pages(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", pdf, &[]);
    let line = info
        .lines()
        .find(|line| line.starts_with("Pages:"))
        .unwrap();
    line.trim_start_matches("Pages:").trim().parse().unwrap()
}

pub(crate) fn assert_a4_and_fonts(pdf: &[u8]) {
    let info = poppler("pdfinfo", pdf, &[]);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let fonts = poppler("pdffonts", pdf, &[]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type… encoding emb sub uni object generation
        let n = columns.len();
        assert_eq!(
            &columns[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "embedded, subset, unicode: {row}"
        );
    }
}

#[test]
fn score_sheet_text_fonts_and_page_size() {
    let mut view = samples::score_sheet(7, 9);
    view.recipient = "王玥".to_owned();
    view.handler = "李喆".to_owned();
    view.handling_organisation = "宁夏昇辉律师事务所".to_owned();
    view.reviewers = vec!["张堃".to_owned(), "赵昇".to_owned()];
    let pdf = score_sheet(&view, fonts()).unwrap();
    assert_a4_and_fonts(&pdf);
    let all = compact_text(&pdf);
    for expected in [
        "法律援助案件评查评分表",
        "（2025）宁银法援刑字第107号",
        "王某某",
        "李喆",
        "宁夏昇辉律师事务所",
        "张堃、赵昇",
        "一、受理指派与委托（10分）",
        "卷宗页码",
        "2025年10月15日",
    ] {
        assert!(all.contains(expected), "missing {expected} in {all}");
    }
    assert!(!all.contains("王玥"), "the recipient's name must be masked");
    assert!(all.contains("第1页共"));

    view.blind = true;
    let blind = compact_text(&score_sheet(&view, fonts()).unwrap());
    assert!(
        blind.contains("评查员甲、评查员乙") && !blind.contains("张堃") && !blind.contains("赵昇")
    );
}

#[test]
fn a_two_page_sheet_repeats_its_header_and_numbers_its_pages() {
    let pdf = score_sheet(&samples::score_sheet(11, 6), fonts()).unwrap();
    assert_eq!(pages(&pdf), 2);
    let text = text(&pdf);
    let per_page: Vec<&str> = text
        .split('\u{c}')
        .filter(|page| !page.trim().is_empty())
        .collect();
    assert_eq!(per_page.len(), 2);
    for (index, page) in per_page.iter().enumerate() {
        let compact: String = page.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            compact.contains("项目分值扣分扣分理由卷宗页码"),
            "header row on page {}",
            index + 1
        );
        assert!(compact.contains(&format!("第{}页共2页", index + 1)));
    }
}

#[test]
fn a_long_table_breaks_over_the_right_number_of_pages_with_its_header() {
    // 480 files, one line each, in the bulletin's attachment.
    let view = samples::leadership(3, 120, 480);
    let pdf = leadership_report(&view, fonts()).unwrap();
    let text = text(&pdf);
    let per_page: Vec<String> = text
        .split('\u{c}')
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let attachment_start = per_page
        .iter()
        .position(|page| page.starts_with("附件本轮评查案卷得分明细"))
        .unwrap();
    let attachment = &per_page[attachment_start..per_page.len() - 1];
    for (index, page) in attachment.iter().enumerate() {
        assert!(
            page.contains("序号案号类型承办人得分等次"),
            "attachment page {} lacks the header",
            index + 1
        );
    }
    // Every file appears exactly once.
    for number in [100, 101, 350, 579] {
        let case = format!("第{number}号");
        assert_eq!(
            attachment
                .iter()
                .map(|page| page.matches(&case).count())
                .sum::<usize>(),
            1,
            "{case}"
        );
    }
    // 480 file rows + 120 unit rows of 23 pt under a repeated header in 637.8 pt pages.
    let rows_per_page = ((637.8 - 23.0) / 23.0f32).floor() as usize;
    let first_page_rows = ((637.8 - 28.95 - 35.0 - 28.95 - 23.0) / 23.0f32).floor() as usize;
    let expected = 1 + (600 - first_page_rows).div_ceil(rows_per_page);
    assert!(
        (expected..=expected + 1).contains(&attachment.len()),
        "{} attachment pages, expected about {expected}",
        attachment.len()
    );
    assert_eq!(pages(&pdf), per_page.len() - 1);
    assert_a4_and_fonts(&pdf);
}

#[test]
fn rectification_notice_follows_the_official_layout() {
    let view = samples::notice(9);
    let pdf = rectification_notice(&view, fonts()).unwrap();
    assert_a4_and_fonts(&pdf);
    let all = compact_text(&pdf);
    for expected in [
        "银川市司法局文件",
        "银司法评〔2025〕12号",
        "关于2025年第三季度法律援助案卷交叉评查发现问题整改的通知",
        "兴庆区法律援助中心：",
        "整改期限：请于2025年11月14日前完成整改",
        "（2025）宁银法援刑字第201号",
        "2025年10月15日",
        "联系人：马玥",
        "市司法局公共法律服务管理科",
    ] {
        assert!(all.contains(expected), "missing {expected}");
    }
    assert!(!all.contains("{{"), "unfilled placeholder");
    // GB/T 9704 page numbers: — 1 — on the right of odd pages, — 2 — on the left of even ones.
    let layout = text(&pdf);
    let pages: Vec<&str> = layout.split('\u{c}').collect();
    let number_line = |page: &str| {
        page.lines()
            .rev()
            .find(|line| line.contains('—'))
            .unwrap_or("")
            .to_owned()
    };
    assert!(
        number_line(pages[0]).trim() == "—1—" && number_line(pages[0]).starts_with("          "),
        "{:?}",
        number_line(pages[0])
    );
    let even = number_line(pages[1]);
    assert!(
        even.trim() == "—2—" && even.len() - even.trim_start().len() < 4,
        "{even:?}"
    );
}

#[test]
fn feedback_report_names_the_unit_and_compares_with_the_round() {
    let view = samples::feedback(3);
    let pdf = feedback_report(&view, fonts()).unwrap();
    assert_a4_and_fonts(&pdf);
    let all = compact_text(&pdf);
    for expected in [
        "兴庆区法律援助中心：",
        "全市42件案卷平均得分84.3分",
        "二、发现的问题",
        "三、典型问题",
        &view.cases[0].case_number,
    ] {
        assert!(all.contains(expected), "missing {expected}");
    }
}

#[test]
fn leadership_report_has_figures_tables_and_searchable_chart_labels() {
    let view = samples::leadership(5, 12, 60);
    let pdf = leadership_report(&view, fonts()).unwrap();
    assert_a4_and_fonts(&pdf);
    let all = compact_text(&pdf);
    for expected in [
        "图1案卷等次分布",
        "图2各单位案卷平均分",
        "图3近期各轮评查平均分与优良率",
        "2025年三季度",
        "优良率（%）",
        "五、整改落实情况",
        "贺兰县法律援助中心",
        "玥、喆、堃、昇",
    ] {
        assert!(all.contains(expected), "missing {expected}");
    }
}

#[test]
fn a_batch_numbers_each_sheet_on_its_own() {
    let views: Vec<ScoreSheetView> = (0..5).map(|seed| samples::score_sheet(seed, 3)).collect();
    let mut calls = Vec::new();
    let pdf =
        score_sheets_batch(&views, fonts(), &mut |done, all| calls.push((done, all))).unwrap();
    assert_eq!(calls, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]);
    let singles: usize = views
        .iter()
        .map(|view| pages(&score_sheet(view, fonts()).unwrap()))
        .sum();
    assert_eq!(pages(&pdf), singles);
    let all = compact_text(&pdf);
    assert_eq!(all.matches("第1页共").count(), 5);
}

#[test]
fn a_character_missing_from_the_font_is_refused_with_its_place() {
    let mut view = samples::score_sheet(2, 3);
    view.handler = "王\u{30001}".to_owned(); // CJK Extension G: in none of the shipped faces
    match score_sheet(&view, fonts()) {
        Err(Error::MissingGlyphs(missing)) => {
            assert_eq!(missing.characters(), ['\u{30001}']);
            let context = &missing.listed[0].context;
            assert!(
                context.contains("承办人") && context.contains(&view.case_number),
                "{context}"
            );
        }
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
    let mut notice = samples::notice(2);
    notice.findings[1].problem = "会见笔录🙂".to_owned();
    assert!(matches!(
        rectification_notice(&notice, fonts()),
        Err(Error::MissingGlyphs(missing)) if missing.characters() == ['🙂']
    ));
}

#[test]
fn same_input_gives_the_same_bytes() {
    let view = samples::score_sheet(5, 6);
    assert_eq!(
        score_sheet(&view, fonts()).unwrap(),
        score_sheet(&view, fonts()).unwrap()
    );
    let notice = samples::notice(4);
    let first = rectification_notice(&notice, fonts()).unwrap();
    let _ = feedback_report(&samples::feedback(1), fonts()).unwrap();
    assert_eq!(first, rectification_notice(&notice, fonts()).unwrap());
    let report = samples::leadership(2, 8, 30);
    assert_eq!(
        leadership_report(&report, fonts()).unwrap(),
        leadership_report(&report, fonts()).unwrap()
    );
}

#[test]
fn views_round_trip_through_json() {
    let view = samples::leadership(2, 8, 30);
    let json = serde_json::to_string(&view).unwrap();
    assert_eq!(
        serde_json::from_str::<LeadershipReportView>(&json).unwrap(),
        view
    );
}

#[test]
fn fonts_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Fonts>();
}
