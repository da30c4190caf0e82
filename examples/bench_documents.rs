//! Times the three benchmark documents and writes their data as JSON for the Typst comparison
//! (`benches/typst/run.py`). Run with `cargo run --release --example bench_documents -- <out
//! dir>`; it prints one line per document: the first run in this process (cold: includes
//! parsing the fonts), the best of three later runs (warm), pages and size.

#[path = "../tests/api/document_samples.rs"]
mod samples;

use std::path::{Path, PathBuf};
use std::time::Instant;

use pingcha::documents::*;

fn pages(path: &Path) -> usize {
    let output = std::process::Command::new("pdfinfo")
        .arg(path)
        .output()
        .unwrap_or_else(|error| panic!("pdfinfo (poppler-utils): {error}"));
    let info = String::from_utf8_lossy(&output.stdout);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0)
}

fn report(name: &str, cold: f64, warm: f64, pdf: &[u8], out: &Path) {
    let path = out.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap_or_else(|error| panic!("{error}"));
    let count = pages(&path);
    println!(
        "{name:<12} cold {:>8.1} ms  warm {:>8.1} ms  {count:>4} pages  {:>6.2} ms/page warm  {:>9} bytes",
        cold * 1e3,
        warm * 1e3,
        warm * 1e3 / count as f64,
        pdf.len()
    );
}

/// Makes one benchmark document with the given fonts.
type Document<'a> = dyn Fn(&Fonts) -> Vec<u8> + 'a;

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/bench-documents".to_owned()),
    );
    std::fs::create_dir_all(&out).unwrap_or_else(|error| panic!("{error}"));
    let sheet = samples::score_sheet(11, 6);
    let batch: Vec<ScoreSheetView> = (0..300)
        .map(|seed| samples::score_sheet(seed, 3 + (seed % 5) as usize))
        .collect();
    let bulletin = samples::leadership(5, 80, 300);
    std::fs::write(
        out.join("score_sheet.json"),
        serde_json::to_vec(&sheet).unwrap_or_else(|error| panic!("{error}")),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(
        out.join("batch.json"),
        serde_json::to_vec(&batch).unwrap_or_else(|error| panic!("{error}")),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    std::fs::write(
        out.join("bulletin.json"),
        serde_json::to_vec(&bulletin).unwrap_or_else(|error| panic!("{error}")),
    )
    .unwrap_or_else(|error| panic!("{error}"));

    let runs: [(&str, &Document); 3] = [
        ("score_sheet", &|fonts| {
            score_sheet(&sheet, fonts).unwrap_or_else(|error| panic!("{error}"))
        }),
        ("batch", &|fonts| {
            score_sheets_batch(&batch, fonts, &mut |_, _| {})
                .unwrap_or_else(|error| panic!("{error}"))
        }),
        ("bulletin", &|fonts| {
            leadership_report(&bulletin, fonts).unwrap_or_else(|error| panic!("{error}"))
        }),
    ];
    let only = std::env::args().nth(2);
    for (name, make) in runs {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let start = Instant::now();
        let fonts = Fonts::embedded().unwrap_or_else(|error| panic!("{error}"));
        make(&fonts);
        let cold = start.elapsed().as_secs_f64();
        let mut warm = f64::MAX;
        let mut pdf = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            pdf = make(&fonts);
            warm = warm.min(start.elapsed().as_secs_f64());
        }
        report(name, cold, warm, &pdf, &out);
    }
}
