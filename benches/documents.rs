//! Warm timings of the benchmark documents (fonts parsed once): a two-page score sheet, a
//! 300-sheet batch and a 30-page bulletin. The Typst comparison is in `benches/typst/`.

#[path = "../tests/api/document_samples.rs"]
mod samples;

use std::sync::OnceLock;

use pingcha::documents::*;

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::embedded().unwrap_or_else(|error| panic!("{error}")))
}

fn main() {
    divan::main();
}

#[divan::bench]
fn score_sheet_two_pages(bencher: divan::Bencher) {
    let view = samples::score_sheet(11, 6);
    bencher.bench(|| {
        score_sheet(divan::black_box(&view), fonts()).unwrap_or_else(|error| panic!("{error}"))
    });
}

#[divan::bench(sample_count = 5)]
fn score_sheets_batch_300(bencher: divan::Bencher) {
    let views: Vec<ScoreSheetView> = (0..300)
        .map(|seed| samples::score_sheet(seed, 3 + (seed % 5) as usize))
        .collect();
    bencher.bench(|| {
        score_sheets_batch(divan::black_box(&views), fonts(), &mut |_, _| {})
            .unwrap_or_else(|error| panic!("{error}"))
    });
}

#[divan::bench(sample_count = 10)]
fn bulletin_30_pages(bencher: divan::Bencher) {
    let view = samples::leadership(5, 80, 300);
    bencher.bench(|| {
        leadership_report(divan::black_box(&view), fonts())
            .unwrap_or_else(|error| panic!("{error}"))
    });
}
