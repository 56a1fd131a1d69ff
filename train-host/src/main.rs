//! `tinyscore`: the host command-line tool. See `tinyscore --help`.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use tinyscore_train::cli::{Cli, CliError, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help, version (status 0) or a usage error (status 2), printed
        // here so that a failed write is not mistaken for success.
        Err(e) => {
            return match e.print() {
                Ok(()) => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
                Err(io) if io.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(io) => fail(&format!("writing to stdout: {io}")),
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout or stderr has gone (`| head`): it chose to
        // stop reading, so stop writing, quietly.
        Err(CliError::Console(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// Reports `message` on stderr and returns the failure status.
fn fail(message: &str) -> ExitCode {
    // If even this cannot be written, the exit status still says it.
    let _ = writeln!(std::io::stderr(), "tinyscore: error: {message}");
    ExitCode::FAILURE
}
