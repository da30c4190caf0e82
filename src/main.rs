//! The `pingcha` binary: parse the command line, start logging, run, and turn an error into
//! one clear line and a non-zero exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = pingcha::cli::Cli::parse();
    pingcha::telemetry::init(&cli.log);
    match pingcha::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("{}", pingcha::app::messages::cli::failed(&chain));
            std::process::ExitCode::FAILURE
        }
    }
}
