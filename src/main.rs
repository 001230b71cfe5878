//! The `trackly-authz` binary: parse the configuration, set up logging, run
//! the chosen command, exit non-zero with one line on failure.

use std::process::ExitCode;

use clap::Parser;
use trackly_authz::config::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            tracing::error!(error = %e, "cannot start");
            eprintln!("trackly-authz: {e}");
            ExitCode::FAILURE
        }
    }
}
