//! Score sheets and the feedback report as a clerk sends them out (issue 25): a last page
//! never holds only the signature; 「合议意见」 only on a file a 合议 decided.

use crate::document_samples as samples;
use crate::documents::poppler;
use pingcha::documents::*;

fn fonts() -> &'static Fonts {
    static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| Fonts::embedded().unwrap())
}

/// Each page's text without whitespace.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    poppler("pdftotext", pdf, &["-raw"])
        .split('\u{c}')
        .map(|page| {
            page.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        })
        .filter(|page| !page.is_empty())
        .collect()
}

#[test]
fn a_score_sheet_never_ends_on_a_page_with_only_the_signature() {
    let mut pages_seen = std::collections::BTreeSet::new();
    for seed in [1_u64, 2, 3, 7] {
        for deductions in 0..36 {
            let view = samples::score_sheet(seed, deductions);
            let pdf = score_sheet(&view, fonts()).unwrap();
            let pages = page_texts(&pdf);
            pages_seen.insert(pages.len());
            let last = pages.last().unwrap();
            assert!(last.contains("评查员（签名）"), "{last}");
            // The paragraph before the signature is on the signature's page.
            let before = if view.reconciliation_note.is_some() {
                "合议意见："
            } else {
                "一票否决事项："
            };
            assert!(
                last.contains(before),
                "seed {seed}, {deductions} deductions: the signature stands alone: {last}"
            );
        }
    }
    assert!(
        pages_seen.len() >= 2,
        "sheets of one and more pages: {pages_seen:?}"
    );
}

#[test]
fn only_a_reconciled_file_has_a_reconciliation_opinion() {
    let mut view = samples::score_sheet(2, 5);
    view.reconciliation_note = None;
    view.final_result_note = Some("本案卷最终结果为88.5分，良好。".to_owned());
    let text: String = page_texts(&score_sheet(&view, fonts()).unwrap()).concat();
    assert!(!text.contains("合议意见"), "{text}");
    assert!(text.contains("最终结果：本案卷最终结果为88.5分"), "{text}");
    view.final_result_note = None;
    view.reconciliation_note = Some("经合议维持扣2分。（参加人员：张堃、赵昇）".to_owned());
    let text: String = page_texts(&score_sheet(&view, fonts()).unwrap()).concat();
    assert!(text.contains("合议意见：经合议维持扣2分。（参加人员：张堃、赵昇）"));
}

#[test]
fn the_feedback_reports_last_page_never_holds_only_the_signature() {
    let sentence = "要对照问题逐项整改，完善案件质量管理制度，切实提高办案质量。";
    let mut pages_seen = std::collections::BTreeSet::new();
    for seed in [1_u64, 3] {
        for sentences in 0..40 {
            let mut view = samples::feedback(seed);
            view.requirements = sentence.repeat(sentences);
            let pdf = feedback_report(&view, fonts()).unwrap();
            let pages = page_texts(&pdf);
            pages_seen.insert(pages.len());
            let last = pages.last().unwrap();
            let bureau_at = last.find(&view.bureau).expect("the signature");
            let before: String = last[..bureau_at].chars().filter(|c| *c != '—').collect();
            assert!(
                before.chars().filter(|c| !c.is_ascii_digit()).count() > 10,
                "seed {seed}, {sentences} sentences: the signature stands alone: {last}"
            );
        }
    }
    assert!(pages_seen.len() >= 2, "{pages_seen:?}");
}

/// The first line of a unit's feedback dates the inspection to when its files were scored.
#[actix_rt::test]
async fn the_feedback_report_dates_the_inspection_to_the_review_period() {
    use diesel::prelude::*;
    use pingcha::storage::schema::{case_files, score_sheets};
    let app = crate::helpers::spawn_app().await;
    let round = crate::round_documents::scored_round(&app, false);
    let xq = app.unit_id("XQ");
    // The reviewers scored XQ's files on 3 and 12 March; the round moves on today.
    let files: Vec<String> = case_files::table
        .filter(case_files::unit_id.eq(&xq))
        .select(case_files::id)
        .load(&mut *app.conn())
        .unwrap();
    let sheets: Vec<String> = score_sheets::table
        .filter(score_sheets::case_file_id.eq_any(&files))
        .filter(score_sheets::submitted_at.is_not_null())
        .select(score_sheets::id)
        .order(score_sheets::id.asc())
        .load(&mut *app.conn())
        .unwrap();
    assert!(sheets.len() >= 2);
    let day = |d: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    };
    for (index, sheet) in sheets.iter().enumerate() {
        let at = if index == 0 { day(3) } else { day(12) };
        diesel::update(score_sheets::table.find(sheet))
            .set(score_sheets::submitted_at.eq(Some(at)))
            .execute(&mut *app.conn())
            .unwrap();
    }
    crate::round_documents::advance(&app, &round, pingcha::domain::round::RoundStatus::Feedback);
    let mut admin = app.login_as("admin").await;
    let (status, pdf) = admin
        .get_bytes(&format!("/rounds/{round}/units/{xq}/feedback.pdf"))
        .await;
    assert_eq!(status, awc::http::StatusCode::OK);
    let text: String = page_texts(&pdf).concat();
    let today = pingcha::documents::chinese_date(chrono::Local::now().date_naive());
    let opening = &text[text.find("：").unwrap()..];
    assert!(
        opening.starts_with("：2026年3月3日至2026年3月12日，"),
        "{opening}"
    );
    assert!(!opening[..80].contains(&today), "{opening}");
}
