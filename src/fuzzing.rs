//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), also replayed over the committed
//! corpus by `cargo test` (tests/api/fuzz_corpus.rs) so CI exercises every input the fuzzer
//! kept without needing a fuzzer. Each takes arbitrary bytes and must return (never panic,
//! hang or allocate without bound), whatever the outcome.

use crate::domain::rubric::parse_rubric;
use crate::import;

/// The rubric parser: bytes as a TOML rubric file (invalid UTF-8 is decoded lossily, as a
/// browser upload would be refused earlier), then every error or the rubric's figures written
/// out as the pages would.
pub fn rubric(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_rubric("fuzz.toml", &text) {
        Ok(rubric) => {
            std::hint::black_box(format!("{rubric:?}"));
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
}

/// The registry importer: bytes as an uploaded registry (XLSX or CSV, decided by content),
/// header matching and row validation — with and without a default unit — and the same
/// table read as a reviewer pool and a unit list. Reports are written out as the page would.
pub fn registry(data: &[u8]) {
    for default_unit in [None, Some("兴庆区法律援助中心")] {
        match import::import_cases_checked("fuzz.xlsx", data, default_unit, &|unit| {
            unit != "unknown"
        }) {
            Ok(records) => {
                let _ = records.len();
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    if let Err(error) = import::import_people("fuzz.xlsx", data) {
        let _ = error.to_string();
    }
    if let Err(error) = import::import_units("fuzz.xlsx", data) {
        let _ = error.to_string();
    }
}
