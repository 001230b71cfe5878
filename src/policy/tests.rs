//! Unit tests of the policy engine.

use std::path::PathBuf;

use super::*;

fn repo_policies() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn repo_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/trackly.cedarschema")
}

#[test]
fn smoke() {
    let (ok, text) = validate_report(&repo_policies(), &repo_schema());
    println!("{text}");
    assert!(ok);
}
