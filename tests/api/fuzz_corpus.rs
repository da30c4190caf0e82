//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the crash regressions
//! (`fuzz/regressions/<target>/`) through the same entry functions the cargo-fuzz targets
//! call (`pingcha::fuzzing`), so `cargo test` exercises every input the fuzzer kept without a
//! fuzzer. `write_seeds` (ignored) regenerates the seed inputs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        files.extend(
            entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.is_file()),
        );
    }
    files.sort();
    files
}

fn replay(target: &str, entry: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        files.len() >= 5,
        "the {target} corpus is committed ({} files)",
        files.len()
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let started = Instant::now();
        entry(&bytes);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} took {:?}",
            file.display(),
            started.elapsed()
        );
    }
}

#[test]
fn the_rubric_corpus_replays_without_a_panic() {
    replay("rubric", pingcha::fuzzing::rubric);
}

#[test]
fn the_registry_corpus_replays_without_a_panic() {
    replay("registry", pingcha::fuzzing::registry);
}

#[test]
fn the_layout_corpus_replays_without_a_panic() {
    replay("layout", pingcha::fuzzing::layout);
}

/// Writes the seed inputs: the shipped rubrics and the broken-rubric fixtures, small
/// generated registries (XLSX, UTF-8 and GBK CSV). Run with `--ignored` after changing them.
#[test]
#[ignore]
fn write_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rubric = root.join("fuzz/corpus/rubric");
    std::fs::create_dir_all(&rubric).unwrap();
    for folder in ["scoring-rubrics", "tests/fixtures/rubrics/broken"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                let name = format!("seed-{}", path.file_name().unwrap().to_string_lossy());
                std::fs::copy(&path, rubric.join(name)).unwrap();
            }
        }
    }
    let registry = root.join("fuzz/corpus/registry");
    std::fs::create_dir_all(&registry).unwrap();
    for (rows, seed) in [(1, 1), (3, 2), (8, 3)] {
        let xlsx = pingcha::import::synthetic::registry_xlsx(rows, seed).unwrap();
        std::fs::write(registry.join(format!("seed-registry-{rows}.xlsx")), xlsx).unwrap();
    }
    let csv = "案号,受援人,承办人,承办机构,案件类别,案由,结案日期,所属中心\n\
               A-1,张三,李律师,宁夏明德律师事务所,民事,劳动争议,2025-08-01,兴庆区\n\
               A-2,张四,李律师,宁夏明德律师事务所,刑事,盗窃,2025年8月2日,兴庆区\n\
               A-3,张五,李律师,宁夏明德律师事务所,行政,行政复议,45870,金凤区\n";
    std::fs::write(registry.join("seed-utf8.csv"), csv).unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(csv.as_bytes());
    std::fs::write(registry.join("seed-utf8-bom.csv"), bom).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    std::fs::write(registry.join("seed-gbk.csv"), &gbk).unwrap();
    let people = "姓名,所属单位,律师事务所,擅长类别,执业年限,可任组长,联系电话\n\
                  张律师,兴庆区,宁夏明德律师事务所,刑事、民事,8,是,13900000000\n";
    std::fs::write(registry.join("seed-people.csv"), people).unwrap();
    let units = "单位编码,单位名称,单位类型,上级单位编码,年度任务\n\
                 YC,银川市司法局,司法局,,\nXQ,兴庆区法律援助中心,法律援助中心,YC,270\n";
    std::fs::write(registry.join("seed-units.csv"), units).unwrap();
}

/// Writes the layout seeds: each document kind with a long text (up to 100,000 characters) in a table
/// cell, a title, a name; Chinese, Latin, mixed punctuation, an empty text and a character
/// no font has. Run with `--ignored` after changing them.
#[test]
#[ignore]
fn write_layout_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let layout = root.join("fuzz/corpus/layout");
    std::fs::create_dir_all(&layout).unwrap();
    let seeds: [(&str, u8, u8, u32, &str); 10] = [
        (
            "feedback-finding-2000-zh",
            1,
            19,
            2_000,
            "会见笔录未记录会见的时间、地点及在场人员，",
        ),
        (
            "feedback-finding-100000-latin",
            1,
            19,
            100_000,
            "abcdefghij ",
        ),
        (
            "feedback-group-title-3000",
            1,
            15,
            3_000,
            "会见笔录要素齐全",
        ),
        ("sheet-section-title-2500", 0, 10, 2_500, "受理指派与委托"),
        (
            "sheet-reason-20000",
            0,
            12,
            20_000,
            "卷内文书未按规定顺序装订，",
        ),
        ("sheet-pages-5000-digits", 0, 13, 5_000, "1234567890"),
        (
            "notice-problem-30000",
            2,
            13,
            30_000,
            "辩护意见过于简单（第12页）。",
        ),
        ("notice-organ-mark-800", 2, 0, 800, "银川市司法局"),
        ("leadership-unit-4000", 3, 4, 4_000, "兴庆区法律援助中心"),
        ("leadership-empty", 3, 3, 0, ""),
    ];
    for (name, kind, field, length, pattern) in seeds {
        let mut bytes = vec![kind, field];
        bytes.extend_from_slice(&length.to_be_bytes()[1..]);
        bytes.extend_from_slice(pattern.as_bytes());
        std::fs::write(layout.join(format!("seed-{name}")), bytes).unwrap();
    }
    let mut missing = vec![0, 5, 0, 0, 20];
    missing.extend_from_slice("王䶮🙂\u{1}".as_bytes());
    std::fs::write(layout.join("seed-sheet-missing-glyph"), missing).unwrap();
}
