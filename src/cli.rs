//! The `validate` and `matrix` commands.

use std::process::ExitCode;

use crate::config::{Config, MatrixFormat};
use crate::policy::{self, PolicyEngine};

/// `trackly-authz validate`: parse and validate the policies against the
/// schema, run every fixture; print failures; non-zero exit on any.
pub fn validate(config: &Config) -> ExitCode {
    let (ok, report) = policy::validate_report(&config.policies, &config.schema);
    println!("{report}");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `trackly-authz matrix`: the role × action table computed from the
/// policies.
pub fn matrix(config: &Config, format: MatrixFormat) -> ExitCode {
    match PolicyEngine::load(&config.policies, &config.schema) {
        Ok(engine) => {
            let matrix = engine.snapshot().matrix();
            match format {
                MatrixFormat::Markdown => print!("{}", matrix.to_markdown()),
                MatrixFormat::Json => println!("{}", matrix.to_json()),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("trackly-authz: {e}");
            ExitCode::FAILURE
        }
    }
}
