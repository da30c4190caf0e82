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
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect::<String>())
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
    assert!(pages_seen.len() >= 2, "sheets of one and more pages: {pages_seen:?}");
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
