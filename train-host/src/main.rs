//! `tinyscore`: the host command-line tool (being assembled).

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("tinyscore: the host trainer is not built yet");
    ExitCode::from(2)
}
