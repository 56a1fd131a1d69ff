//! Running the tools the cross-target tests need: a missing one fails
//! with the command that installs it, and a program's output comes back
//! as lines after its exit status is checked.

use std::process::{Command, ExitStatus};

/// Fails with `install` unless `program args` runs.
pub fn require(program: &str, args: &[&str], install: &str) {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "`{program}` is missing; install it with: {install}");
}

/// Runs `command` (described as `what`) and returns its stdout as lines;
/// fails with both outputs unless it exits 0.
pub fn output_lines(command: &mut Command, what: &str) -> Vec<String> {
    let (status, lines, stderr) = output(command, what);
    assert!(
        status.success(),
        "{what} exited with {status}\nstdout:\n{}\nstderr:\n{stderr}",
        lines.join("\n")
    );
    lines
}

/// Runs `command` (described as `what`): its exit status, its stdout as
/// lines and its stderr.
pub fn output(command: &mut Command, what: &str) -> (ExitStatus, Vec<String>, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().map(str::to_owned).collect();
    (
        out.status,
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
