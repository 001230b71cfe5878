//! The `trackly-authz` binary: parse the configuration, set up logging, run
//! the chosen command, exit non-zero with one line on failure.

use std::process::ExitCode;

use clap::Parser;
use trackly_authz::config::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return config_error(&e),
    };
    trackly_authz::telemetry::init(cli.config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        Command::Validate { export_cedar_tests } => {
            trackly_authz::cli::validate(&cli.config, export_cedar_tests.as_deref())
        }
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
            // One line naming the problem (SPEC §2); nothing else is logged.
            eprintln!("trackly-authz: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--help`/`--version` print as usual; a bad flag or environment value is
/// one line naming the problem, exit status 2.
fn config_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid configuration");
    eprintln!("trackly-authz: {}", first.trim_start_matches("error: "));
    ExitCode::from(2)
}
