//! GB/T 9704-2012 measured on a PDF from poppler's text boxes (`pdftotext -bbox-layout`), so
//! any official document (the notice, the feedback report, the bulletin) can be held to it:
//! A4; 天头 37±1 mm and 订口 28±1 mm; a 156 × 225 mm text block; title 2号 (22 pt), body
//! 3号 (16 pt ±0.5); 22 lines × 28 characters on full body pages (±1); the page number in
//! 4号 (14 pt) as 「— N —」 7 mm below the block, one character in from the outside edge
//! (odd pages right, even pages left); a 版记 (…印发) at the foot of the last page.
//!
//! Font sizes are read from the boxes: poppler makes a word's box `ascent − descent` font
//! units tall, with both taken from the PDF's FontDescriptor, which the helper reads with
//! lopdf (every embedded face must agree, or sizes cannot be told apart from boxes).

use crate::document_samples as samples;
use crate::documents::poppler;
use pingcha::documents::*;

const MM: f64 = 72.0 / 25.4;

/// One text line as poppler found it, with its size and baseline derived from the box.
#[derive(Debug, Clone)]
pub struct TextLine {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
    pub text: String,
    /// Font size in points.
    pub size: f64,
    /// Top and bottom of the ideographic em box (0.88 em above the baseline, 0.12 below).
    pub em_top: f64,
    pub em_bottom: f64,
}

/// One page: its size and lines, top to bottom.
#[derive(Debug, Clone)]
pub struct TextPage {
    pub width: f64,
    pub height: f64,
    pub lines: Vec<TextLine>,
}

/// (ascent, descent) in em of the embedded faces, from their FontDescriptors.
fn face_metrics(pdf: &[u8]) -> (f64, f64) {
    let document = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let mut metrics: Vec<(f64, f64)> = Vec::new();
    for object in document.objects.values() {
        let Ok(dictionary) = object.as_dict() else {
            continue;
        };
        if !dictionary.has_type(b"FontDescriptor") {
            continue;
        }
        let ascent = dictionary
            .get(b"Ascent")
            .and_then(|a| a.as_float())
            .unwrap();
        let descent = dictionary
            .get(b"Descent")
            .and_then(|d| d.as_float())
            .unwrap();
        metrics.push((f64::from(ascent) / 1000.0, f64::from(descent) / 1000.0));
    }
    assert!(!metrics.is_empty(), "no embedded font");
    let (ascent, descent) = metrics[0];
    for (other_ascent, other_descent) in &metrics {
        assert!(
            (other_ascent - ascent).abs() < 0.01 && (other_descent - descent).abs() < 0.01,
            "faces with different ascent/descent: {metrics:?}"
        );
    }
    (ascent, descent)
}

fn attribute(tag: &str, name: &str) -> f64 {
    let tag = format!(" {tag}");
    let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// The PDF's pages as poppler reads them.
pub fn text_pages(pdf: &[u8]) -> Vec<TextPage> {
    let (ascent, descent) = face_metrics(pdf);
    let xhtml = poppler("pdftotext", pdf, &["-bbox-layout"]);
    let mut pages = Vec::new();
    for chunk in xhtml.split("<page ").skip(1) {
        let head = &chunk[..chunk.find('>').unwrap()];
        let mut lines = Vec::new();
        for line_chunk in chunk.split("<line ").skip(1) {
            let tag = &line_chunk[..line_chunk.find('>').unwrap()];
            let body = &line_chunk[..line_chunk.find("</line>").unwrap()];
            let words: Vec<&str> = body
                .split("</word>")
                .filter_map(|part| part.rsplit_once('>').map(|(_, word)| word))
                .filter(|word| !word.is_empty())
                .collect();
            let (y_min, y_max) = (attribute(tag, "yMin"), attribute(tag, "yMax"));
            let size = (y_max - y_min) / (ascent - descent);
            let baseline = y_max + descent * size;
            lines.push(TextLine {
                x_min: attribute(tag, "xMin"),
                x_max: attribute(tag, "xMax"),
                y_min,
                y_max,
                text: words.join(" "),
                size,
                em_top: baseline - 0.88 * size,
                em_bottom: baseline + 0.12 * size,
            });
        }
        lines.sort_by(|a, b| {
            a.y_min
                .total_cmp(&b.y_min)
                .then(a.x_min.total_cmp(&b.x_min))
        });
        pages.push(TextPage {
            width: attribute(head, "width"),
            height: attribute(head, "height"),
            lines,
        });
    }
    pages
}

/// What was measured, for the report and for assertions beyond the standard's.
#[derive(Debug, Clone)]
pub struct Measured {
    pub top_mm: f64,
    pub left_mm: f64,
    pub block_width_mm: f64,
    pub block_height_mm: f64,
    pub title_pt: f64,
    pub body_pt: f64,
    /// Lines on each full body page.
    pub lines_per_page: Vec<usize>,
    /// Characters on full lines set only in full-width characters (indent counted; a line
    /// 禁则 shortened counts fewer).
    pub characters_per_line: Vec<usize>,
    pub page_number_pt: f64,
}

fn is_page_number(line: &TextLine) -> bool {
    let text: String = line.text.split_whitespace().collect();
    text.starts_with('—')
        && text.ends_with('—')
        && text.trim_matches('—').chars().all(|c| c.is_ascii_digit())
        && text.chars().count() > 2
}

fn near(value: f64, target: f64, tolerance: f64) -> bool {
    (value - target).abs() <= tolerance
}

/// Measures `pdf` against GB/T 9704-2012 and returns the figures, or every rule it breaks.
/// `title` is the first line of the document's title (the largest text on page one apart
/// from the red mark). `full_page` asks for at least one full body page (lines per page and
/// characters per line are measured there); a short document has none.
pub fn check(pdf: &[u8], title: &str, full_page: bool) -> Result<Measured, Vec<String>> {
    let pages = text_pages(pdf);
    let mut problems = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        if !near(page.width, 595.28, 1.0) || !near(page.height, 841.89, 1.0) {
            problems.push(format!(
                "page {}: {}×{} pt is not A4",
                index + 1,
                page.width,
                page.height
            ));
        }
    }
    let is_body = |line: &TextLine| near(line.size, 16.0, 0.5);
    // Body lines: the grid's pitch from consecutive body lines (the most common distance).
    let mut pitches: Vec<f64> = Vec::new();
    for page in &pages {
        let body: Vec<&TextLine> = page.lines.iter().filter(|line| is_body(line)).collect();
        for pair in body.windows(2) {
            let distance = pair[1].em_top - pair[0].em_top;
            if distance > 1.0 {
                pitches.push(distance);
            }
        }
    }
    pitches.sort_by(f64::total_cmp);
    let pitch = pitches
        .iter()
        .copied()
        .filter(|p| *p < 40.0)
        .min_by(|a, b| {
            let count = |x: f64| pitches.iter().filter(|p| (*p - x).abs() < 0.2).count();
            count(*b).cmp(&count(*a))
        })
        .unwrap_or(0.0);
    // Full body pages: every line body-sized (page number apart), filling the block.
    let full: Vec<&TextPage> = pages
        .iter()
        .skip(1)
        .filter(|page| {
            let lines: Vec<&TextLine> = page.lines.iter().filter(|l| !is_page_number(l)).collect();
            lines.len() >= 20 && lines.iter().all(|line| is_body(line))
        })
        .collect();
    if full.is_empty() && full_page {
        problems.push("no full body page to measure lines per page on".to_string());
    }
    let slot_top = |line: &TextLine| (line.em_top + line.em_bottom) / 2.0 - pitch / 2.0;
    // The block's top: the first line of every page after the first that starts with body
    // text sits in the grid's first slot.
    let block_top = pages
        .iter()
        .skip(1)
        .filter_map(|page| page.lines.iter().find(|line| !is_page_number(line)))
        .filter(|line| is_body(line))
        .map(slot_top)
        .fold(f64::MAX, f64::min);
    if block_top == f64::MAX {
        problems.push("no page after the first starts with body text: 天头 not measured".into());
    }
    let lines_per_page: Vec<usize> = full
        .iter()
        .map(|page| {
            page.lines
                .iter()
                .filter(|l| !is_page_number(l))
                .map(|line| ((slot_top(line) - block_top) / pitch).round() as i64)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        })
        .collect();
    let block_bottom = block_top + 22.0 * pitch;
    let body_lines = || {
        pages
            .iter()
            .flat_map(|page| page.lines.iter())
            .filter(|l| is_body(l))
    };
    let block_left = body_lines().map(|line| line.x_min).fold(f64::MAX, f64::min);
    let block_right = body_lines().map(|line| line.x_max).fold(f64::MIN, f64::max);
    // Characters per line on full lines of full-width characters only.
    let mut characters_per_line = Vec::new();
    for line in body_lines() {
        let text: String = line.text.split_whitespace().collect();
        let count = text.chars().count();
        if count < 10
            || !near(line.x_max, block_right, 1.5)
            || text.chars().any(|c| c.is_ascii() || c == '—' || c == '…')
        {
            continue;
        }
        let character = (line.x_max - line.x_min) / count as f64;
        let indent = ((line.x_min - block_left) / character).round() as usize;
        characters_per_line.push(count + indent);
    }
    let measured = Measured {
        top_mm: block_top / MM,
        left_mm: block_left / MM,
        block_width_mm: (block_right - block_left) / MM,
        block_height_mm: (block_bottom - block_top) / MM,
        title_pt: pages[0]
            .lines
            .iter()
            .find(|line| line.text.replace(' ', "").starts_with(title))
            .map_or(0.0, |line| line.size),
        body_pt: body_lines().next().map_or(0.0, |line| line.size),
        lines_per_page,
        characters_per_line,
        page_number_pt: 0.0,
    };
    let mut measured = measured;
    if !near(measured.top_mm, 37.0, 1.0) {
        problems.push(format!("天头 {:.1} mm, not 37±1", measured.top_mm));
    }
    if !near(measured.left_mm, 28.0, 1.0) {
        problems.push(format!("订口 {:.1} mm, not 28±1", measured.left_mm));
    }
    if !near(measured.block_width_mm, 156.0, 1.0) || !near(measured.block_height_mm, 225.0, 1.0) {
        problems.push(format!(
            "版心 {:.1}×{:.1} mm, not 156×225",
            measured.block_width_mm, measured.block_height_mm
        ));
    }
    if !near(measured.title_pt, 22.0, 0.5) {
        problems.push(format!("title {:.1} pt, not 2号 (22)", measured.title_pt));
    }
    if let Some(line) = body_lines().find(|line| !near(line.size, 16.0, 0.5)) {
        problems.push(format!("body line {:?} at {:.1} pt", line.text, line.size));
    }
    for (page, lines) in full.iter().zip(&measured.lines_per_page) {
        if !(21..=23).contains(lines) {
            problems.push(format!(
                "{lines} lines on a full body page, not 22±1 ({:?}…)",
                page.lines[0].text
            ));
        }
    }
    if measured.characters_per_line.len() < 3 && full_page {
        problems.push("fewer than 3 full lines to count characters on".to_string());
    }
    // 禁则 may move a character or two to the next line (the line is then spread); the
    // grid shows in the most common count, and no line may be squeezed beyond it.
    let mut counts = std::collections::BTreeMap::new();
    for count in &measured.characters_per_line {
        *counts.entry(*count).or_insert(0) += 1;
    }
    let mode = counts
        .iter()
        .max_by_key(|(_, n)| **n)
        .map_or(0, |(count, _)| *count);
    if !(27..=29).contains(&mode) {
        problems.push(format!(
            "{mode} characters per full line, not 28±1 ({counts:?})"
        ));
    }
    if let Some(count) = measured
        .characters_per_line
        .iter()
        .find(|count| **count > 29)
    {
        problems.push(format!("{count} characters squeezed into a line"));
    }
    // Page numbers: — N —, 4号, 7 mm below the block, one character in on the outside.
    for (index, page) in pages.iter().enumerate() {
        let number = index + 1;
        let Some(line) = page.lines.iter().find(|line| is_page_number(line)) else {
            problems.push(format!("page {number}: no page number"));
            continue;
        };
        measured.page_number_pt = line.size;
        let digits: String = line.text.chars().filter(char::is_ascii_digit).collect();
        if digits != number.to_string() || !line.text.starts_with("— ") {
            problems.push(format!("page {number}: page number {:?}", line.text));
        }
        if !near(line.size, 14.0, 0.5) {
            problems.push(format!("page {number}: page number {:.1} pt", line.size));
        }
        if !near((line.em_top - block_bottom) / MM, 7.0, 1.0) {
            problems.push(format!(
                "page {number}: page number {:.1} mm below the block, not 7",
                (line.em_top - block_bottom) / MM
            ));
        }
        let inset = if number % 2 == 1 {
            block_right - line.x_max
        } else {
            line.x_min - block_left
        };
        if !near(inset, line.size, 2.0) {
            problems.push(format!(
                "page {number}: page number {inset:.1} pt from the {} edge, not one character",
                if number % 2 == 1 { "right" } else { "left" }
            ));
        }
        if page
            .lines
            .iter()
            .any(|other| !is_page_number(other) && other.em_bottom > block_bottom + 1.0)
        {
            problems.push(format!("page {number}: text below the text block"));
        }
    }
    // 版记: …印发 in 4号 as the last line of the text block on the last page.
    let last = pages.last().map(|page| {
        page.lines
            .iter()
            .filter(|line| !is_page_number(line))
            .max_by(|a, b| a.y_max.total_cmp(&b.y_max))
    });
    match last.flatten() {
        Some(line)
            if line.text.replace(' ', "").ends_with("印发")
                && near(line.size, 14.0, 0.5)
                && near(line.em_bottom, block_bottom, pitch) => {}
        other => problems.push(format!(
            "no 版记 (…印发, 4号) at the foot of the last page: {other:?}"
        )),
    }
    if problems.is_empty() {
        Ok(measured)
    } else {
        Err(problems)
    }
}

fn fonts() -> &'static Fonts {
    static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| Fonts::embedded().unwrap())
}

/// A notice long enough for a full body page: the requirements written out at length.
fn long_notice() -> RectificationNoticeView {
    let mut view = samples::notice(9);
    view.closing = format!(
        "{}\n四、建立长效机制\n{}",
        view.closing,
        "你单位要以此次评查为契机，对本单位近两年办结归档的法律援助案卷开展自查，\
         举一反三，查找案件受理、指派、承办、结案归档各环节存在的共性问题，\
         完善案件质量管理制度和承办人员考核办法，切实提高法律援助案件办理质量。"
            .repeat(3)
    );
    view
}

#[test]
fn the_rectification_notice_meets_gbt_9704() {
    let view = long_notice();
    let pdf = rectification_notice(&view, fonts()).unwrap();
    // Kept under the target directory to be looked at (pdftoppm).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("documents");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notice-gbt9704.pdf"), &pdf).unwrap();
    let measured = check(&pdf, "关于2025年第三季度", true)
        .unwrap_or_else(|problems| panic!("GB/T 9704 not met:\n{}", problems.join("\n")));
    assert!(near(measured.body_pt, 16.0, 0.5) && near(measured.page_number_pt, 14.0, 0.5));
    assert!(measured.lines_per_page.contains(&22), "{measured:?}");
    assert!(measured.characters_per_line.contains(&28), "{measured:?}");
}

#[test]
fn the_check_catches_a_document_off_the_standard() {
    // A score sheet is a form (narrower margins, small type, 第 1 页 共 N 页): it must fail.
    let pdf = score_sheet(&samples::score_sheet(7, 9), fonts()).unwrap();
    let problems = check(&pdf, "法律援助案件评查评分表", true).unwrap_err();
    let all = problems.join("\n");
    for expected in ["订口", "no page number", "title"] {
        assert!(all.contains(expected), "{expected} not caught: {all}");
    }
}
