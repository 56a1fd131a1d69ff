//! `tinyscore`: the host command-line tool. See `tinyscore --help`.

use clap::Parser;
use std::process::ExitCode;
use tinyscore_train::cli::{Cli, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tinyscore: error: {e}");
            ExitCode::FAILURE
        }
    }
}
