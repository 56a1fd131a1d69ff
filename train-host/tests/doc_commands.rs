//! The shell blocks of README.md and docs/GUIDE.md: every `tinyscore`
//! command line in them (also after `&&`, and `cargo run … -- <args>`)
//! must be accepted by the tool's own argument parser, every script they
//! run must exist, and no other program may appear. A renamed option or
//! command breaks this test, not a reader's first try.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use std::path::Path;
use tinyscore_train::cli::Cli;

/// Programs the documents may run besides `tinyscore`, and the
/// subcommands of each they use.
const OTHER_PROGRAMS: &[(&str, &[&str])] = &[
    ("cargo", &["install", "run", "build"]),
    ("rustup", &["target"]),
];

fn repository() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The commands of the `sh` blocks of `document`: each line without its
/// comment, split at `&&`, as words.
fn commands(document: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(repository().join(document)).unwrap();
    let mut out = Vec::new();
    for block in text.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap();
        for line in block.lines() {
            let words =
                shlex::split(line).unwrap_or_else(|| panic!("{document}: cannot split {line:?}"));
            let words: Vec<String> = words
                .into_iter()
                .take_while(|w| !w.starts_with('#'))
                .collect();
            for command in words.split(|w| w == "&&") {
                if !command.is_empty() {
                    out.push(command.to_vec());
                }
            }
        }
    }
    out
}

fn check(document: &str) {
    let commands = commands(document);
    assert!(!commands.is_empty(), "{document} has no shell commands");
    for words in commands {
        let program = words[0].as_str();
        let cli_args: Option<&[String]> = match program {
            "tinyscore" => Some(&words[1..]),
            "cargo" if words[1] == "run" => {
                let at = words
                    .iter()
                    .position(|w| w == "--")
                    .expect("cargo run … -- <args>");
                Some(&words[at + 1..])
            }
            _ => None,
        };
        if let Some(args) = cli_args {
            let argv = std::iter::once("tinyscore").chain(args.iter().map(String::as_str));
            if let Err(e) = Cli::try_parse_from(argv) {
                panic!("{document}: `{}` is refused:\n{e}", words.join(" "));
            }
        } else if program == "bash" {
            assert!(
                repository().join(&words[1]).exists(),
                "{document}: no script {}",
                words[1]
            );
        } else {
            let known = OTHER_PROGRAMS.iter().find(|(p, _)| *p == program);
            let (_, subcommands) = known
                .unwrap_or_else(|| panic!("{document}: unknown program in `{}`", words.join(" ")));
            assert!(
                subcommands.contains(&words[1].as_str()),
                "{document}: `{}`",
                words.join(" ")
            );
        }
    }
}

#[test]
fn the_readmes_commands_parse() {
    check("README.md");
}

#[test]
fn the_guides_commands_parse() {
    check("docs/GUIDE.md");
}
