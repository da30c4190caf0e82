//! Logging setup shared by the binary and the tests: `RUST_LOG` when set, else the level
//! given on the command line. Logs carry ids only, never names or case content.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (from tests) are ignored.
pub fn init(default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// CPU seconds this process has used so far (user + system), from /proc on Linux (0 where
/// that cannot be read). The benchmarks report it beside wall time: on a shared machine it is
/// the steadier figure. It is the sum of the live threads' run times in nanoseconds
/// (`/proc/self/task/*/schedstat`), so a difference over a few hundred milliseconds is
/// exact; the clock-tick figure of `/proc/self/stat` (10 ms steps) is the fallback. A thread
/// that ends between two readings takes its time with it.
pub fn process_cpu_seconds() -> f64 {
    threads_run_seconds().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| {
                let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
                let user: f64 = fields.get(11)?.parse().ok()?;
                let system: f64 = fields.get(12)?.parse().ok()?;
                Some((user + system) / 100.0)
            })
            .unwrap_or(0.0)
    })
}

fn threads_run_seconds() -> Option<f64> {
    let mut nanos: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else {
            continue; // the thread ended meanwhile
        };
        nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(nanos as f64 / 1e9)
}
