//! `tinyscore`: the host command-line tool (train, export, sample, eval, plot).
//!
//! This build has the `plan` subcommand; the training commands arrive with
//! the trainer.

fn main() {
    eprintln!("tinyscore: the trainer is not built yet");
    std::process::exit(2);
}
