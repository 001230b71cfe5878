//! The `trackly-authz` binary: parse the configuration, set up logging, run
//! the chosen command, exit non-zero with one line on failure.

use std::process::ExitCode;

use clap::Parser;
use trackly_authz::config::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return bad_arguments(&e),
    };
    trackly_authz::telemetry::init(cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        Command::Validate => trackly_authz::cli::validate(&cli.config),
        Command::Matrix { format } => trackly_authz::cli::matrix(&cli.config, format),
    }
}

fn serve(config: trackly_authz::config::Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trackly-authz: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(trackly_authz::app::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            // One line, even when a message (a Cedar error) spans several.
            let message = e.to_string();
            eprintln!(
                "trackly-authz: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}

/// `--help`/`--version` as clap prints them; any other argument error as
/// one line naming the problem (SPEC §2), exit status 2.
fn bad_arguments(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("invalid arguments");
    eprintln!(
        "trackly-authz: {}",
        first.strip_prefix("error: ").unwrap_or(first)
    );
    ExitCode::from(2)
}
