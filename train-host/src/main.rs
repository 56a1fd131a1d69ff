//! `tinyscore`: the host command-line tool (train, export, sample, eval,
//! plot, demo). The commands arrive with the trainer; until then every
//! command reports that and exits with status 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    eprintln!("tinyscore {command}: the host trainer is not built yet");
    ExitCode::from(2)
}
