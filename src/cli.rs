//! The `validate` and `matrix` commands.

use std::path::Path;
use std::process::ExitCode;

use crate::config::{Config, MatrixFormat};
use crate::policy::{self, PolicyEngine};

/// `trackly-authz validate`: parse and validate the policies against the
/// schema, run every fixture; print failures; non-zero exit on any.
pub fn validate(config: &Config, export_cedar_tests: Option<&Path>) -> ExitCode {
    let (ok, report) = policy::validate_report(&config.policies, &config.schema);
    println!("{report}");
    if let (true, Some(dir)) = (ok, export_cedar_tests) {
        let written = policy::export_cedar_cli_tests(&config.policies, &config.schema)
            .map_err(|e| e.to_string())
            .and_then(|export| {
                export
                    .write_to(dir)
                    .map(|paths| (export.cases, paths))
                    .map_err(|e| e.to_string())
            });
        match written {
            Ok((cases, (policies, tests))) => println!(
                "exported {cases} cases: cedar run-tests --schema {} --policies {} --tests {}",
                config.schema.display(),
                policies.display(),
                tests.display()
            ),
            Err(e) => {
                eprintln!("trackly-authz: cannot export the Cedar CLI tests: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
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
