//! Rough timings for issue 5 (the divan benches come later): registry import against calamine
//! reading the same XLSX alone, and sampling over a million candidates. Each mode runs in its
//! own process so peak RSS (VmHWM) belongs to that mode; `cpu` is the process's user + system
//! time (the machine is shared, so compare it too, not wall time alone).
//!
//! - `calamine-range`, `calamine-cells`: the XLSX reader alone (`worksheet_range`, and the
//!   streaming cell reader the importer uses), nothing kept.
//! - `import`: reading and validating only (`import::import_cases`), no database.
//! - `import-db`: the whole import as `pingcha import cases` runs it (`imports::commit_cases`:
//!   a reader thread reads and validates while this one writes, in one transaction), into a
//!   fresh SQLite file or the PostgreSQL database named.
//!
//! cargo run --release --example import_bench -- generate /tmp/registry.xlsx 200000
//! cargo run --release --example import_bench -- calamine-range /tmp/registry.xlsx
//! cargo run --release --example import_bench -- calamine-cells /tmp/registry.xlsx
//! cargo run --release --example import_bench -- import /tmp/registry.xlsx
//! cargo run --release --example import_bench -- import-db /tmp/registry.xlsx [DATABASE_URL]
//! cargo run --release --example import_bench -- sample 1000000

use std::io::Cursor;
use std::time::Instant;

use calamine::{DataRef, Reader, Xlsx};
use pingcha::domain::CaseType;
use pingcha::domain::sampling::{
    Exclusions, Rounding, SamplingPlan, Strategy, Stratification, StratumRule, draw,
};
use pingcha::import::{import_cases, synthetic};

fn peak_rss_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "?".to_string())
}

fn cpu_seconds() -> f64 {
    pingcha::telemetry::process_cpu_seconds()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    let arg = args.get(1).cloned().unwrap_or_default();
    let start = Instant::now();
    match mode {
        "generate" => {
            let rows: usize = args.get(2).map_or(Ok(200_000), |n| n.parse())?;
            let bytes = synthetic::registry_xlsx(rows, 2025)?;
            std::fs::write(&arg, &bytes)?;
            println!("generate {rows} rows, {} bytes", bytes.len());
        }
        "calamine-range" => {
            let bytes = std::fs::read(&arg)?;
            let cpu = cpu_seconds();
            let start = Instant::now();
            let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice()))?;
            let range = workbook.worksheet_range("案件台账")?;
            println!("cpu {:.2} s", cpu_seconds() - cpu);
            println!("calamine worksheet_range: {} rows", range.height());
            println!("time {:?}", start.elapsed());
        }
        "calamine-cells" => {
            let bytes = std::fs::read(&arg)?;
            let cpu = cpu_seconds();
            let start = Instant::now();
            let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.as_slice()))?;
            let mut reader = workbook.worksheet_cells_reader("案件台账")?;
            let mut non_empty = 0usize;
            while let Some(cell) = reader.next_cell()? {
                if *cell.get_value() != DataRef::Empty {
                    non_empty += 1;
                }
            }
            println!("cpu {:.2} s", cpu_seconds() - cpu);
            println!("calamine worksheet_cells_reader: {non_empty} cells");
            println!("time {:?}", start.elapsed());
        }
        "import" => {
            let bytes = std::fs::read(&arg)?;
            let cpu = cpu_seconds();
            let start = Instant::now();
            let records = import_cases("registry.xlsx", &bytes, None)?;
            println!("cpu {:.2} s", cpu_seconds() - cpu);
            println!("import_cases: {} records", records.len());
            println!("time {:?}", start.elapsed());
        }
        "import-db" => {
            // The whole import as `pingcha import cases` runs it (`imports::commit_cases`):
            // read, validate and resolve units on one thread while the other compares with the
            // stored cases and writes, in one transaction. A fresh SQLite file unless a
            // PostgreSQL URL (of an empty database) is given.
            let bytes = std::fs::read(&arg)?;
            let dir = std::env::temp_dir().join(format!("pingcha-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let url = args
                .get(2)
                .cloned()
                .unwrap_or_else(|| dir.join("bench.sqlite3").display().to_string());
            let pool = pingcha::storage::connect(&pingcha::storage::DatabaseUrl::parse(&url)?)?;
            let mut conn = pool.get()?;
            pingcha::storage::migrate::run_pending(&mut conn)?;
            pingcha::demo::load_without_round(&mut conn)?;
            let actor = pingcha::storage::audit::Actor::cli();
            let cpu = cpu_seconds();
            let start = Instant::now();
            let mut first_write = None;
            let counts = pingcha::app::imports::commit_cases(
                &mut conn,
                &actor,
                "registry.xlsx",
                &bytes,
                None,
                &mut |done, _| {
                    if done > 0 && first_write.is_none() {
                        first_write = Some(start.elapsed());
                    }
                },
            )
            .map_err(|error| error.to_string())?;
            if let Some(first) = first_write {
                println!("  first batch written after {first:?}");
            }
            println!("cpu {:.2} s", cpu_seconds() - cpu);
            println!(
                "import into {}: {} new, {} changed, {} unchanged",
                if url.starts_with("postgres") {
                    "PostgreSQL"
                } else {
                    "SQLite"
                },
                counts.new,
                counts.changed,
                counts.unchanged
            );
            println!("time {:?}", start.elapsed());
            drop(conn);
            drop(pool);
            let _ = std::fs::remove_dir_all(&dir);
        }
        "sample" => {
            let count: usize = arg.parse().unwrap_or(1_000_000);
            let candidates = synthetic::candidates(count, 150, 7);
            let plan = SamplingPlan {
                strata: Stratification::default(),
                strategy: Strategy::Rate {
                    default: StratumRule {
                        rate_bp: 1000,
                        min: 2,
                        max: None,
                    },
                    by_case_type: [(
                        CaseType::Criminal,
                        StratumRule {
                            rate_bp: 2000,
                            min: 2,
                            max: Some(5000),
                        },
                    )]
                    .into_iter()
                    .collect(),
                    rounding: Rounding::Up,
                },
                exclusions: Exclusions {
                    terminated: true,
                    guilty_plea: true,
                    ..Exclusions::default()
                },
                designated: Default::default(),
                risk_multipliers: Default::default(),
                risk_weighting: None,
            };
            let cpu = cpu_seconds();
            let start = Instant::now();
            let sample = draw(&plan, &candidates, 42)?;
            println!("cpu {:.2} s", cpu_seconds() - cpu);
            println!(
                "draw: {} candidates, {} strata, {} selected",
                count,
                sample.strata.len(),
                sample.selected_count()
            );
            println!("time {:?}", start.elapsed());
        }
        _ => {
            eprintln!(
                "modes: generate PATH [ROWS] | calamine-range PATH | calamine-cells PATH | import PATH | import-db PATH [DATABASE_URL] | sample [COUNT]"
            );
            std::process::exit(2);
        }
    }
    println!("total {:?}, peak RSS {}", start.elapsed(), peak_rss_mb());
    Ok(())
}
