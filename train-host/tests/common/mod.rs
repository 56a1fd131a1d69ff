//! Running the `tinyscore` binary from the integration tests.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs `tinyscore args` in `dir`.
pub fn tinyscore(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyscore"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Runs `tinyscore args` in `dir`, asserts success and returns stdout.
pub fn run(args: &[&str], dir: &Path) -> String {
    let out = tinyscore(args, dir);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
