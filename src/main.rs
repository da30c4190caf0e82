//! The `pingcha` binary: parse the command line, start logging, run, and turn an error into
//! one clear line and a non-zero exit code.

use clap::Parser;

/// mimalloc instead of glibc's malloc: under a burst of submissions the server spent about a
/// sixth of its CPU in glibc's allocator (freeing and consolidating SQLite's page buffers and
/// each request's small strings from many threads). `benches/review_load.rs` uses the same.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = pingcha::cli::Cli::parse();
    pingcha::telemetry::init(&cli.log);
    match pingcha::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("错误：{}", chain.join("："));
            std::process::ExitCode::FAILURE
        }
    }
}
