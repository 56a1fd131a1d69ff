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

/// Trains a tiny run (width 8, one block, 5 steps of 32) on `data` into
/// `dir/run`: enough for a valid model file, not for a good one.
pub fn train_tiny(data: &str, dir: &Path) {
    run(
        &[
            "train", "--data", data, "--out", "run", "--steps", "5", "--width", "8", "--depth",
            "1", "--batch", "32",
        ],
        dir,
    );
}

/// Asserts that `tinyscore args` fails with `needle` in its message.
pub fn refused(args: &[&str], dir: &Path, needle: &str) {
    let out = tinyscore(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
}
