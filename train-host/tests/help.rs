//! `tinyscore <command> --help` for every command, compared with the
//! committed snapshots in tests/help/ (regenerate them with
//! `TINYSCORE_BLESS=1 cargo test -p tinyscore-train --test help`), and
//! checked to list every accepted value of every option that takes one of
//! a fixed set: clap's possible values, and the names of the schedules,
//! samplers, data sources and weightings that are parsed from text.

mod common;

use clap::CommandFactory;
use std::path::Path;
use tinyscore_train::cli::Cli;
use tinyscore_train::cli::options::SAMPLERS;

/// Values an option parsed from text accepts, which its help must name.
const TEXT_VALUES: [(&str, &[&str]); 4] = [
    (
        "schedule",
        &[
            "linear",
            "scaled-linear",
            "cosine",
            "sigmoid",
            "+ztsnr",
            "vp",
            "subvp",
            "ve",
            "ou",
            "edm",
        ],
    ),
    (
        "data",
        &[
            "moons[:NOISE]",
            "swissroll",
            "8gaussians",
            "checkerboard",
            "rings",
            "pinwheel",
            "sine-windows",
            "gmm:",
            "PATH.csv",
            "PATH.npy",
        ],
    ),
    ("weighting", &["simple", "score", "likelihood", "min-snr"]),
    (
        "kind",
        &["auto", "scatter", "waveform", "histogram", "image"],
    ),
];

#[test]
fn every_command_help_matches_its_snapshot_and_lists_every_value() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/help");
    let bless = std::env::var_os("TINYSCORE_BLESS").is_some();
    let cli = Cli::command();
    let mut stale = Vec::new();
    for command in cli.get_subcommands() {
        let name = command.get_name();
        let out = common::tinyscore(&[name, "--help"], &dir);
        assert!(out.status.success(), "{name} --help");
        let help = String::from_utf8(out.stdout).unwrap();
        let path = dir.join(format!("{name}.txt"));
        if bless {
            std::fs::write(&path, &help).unwrap();
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(help.as_str()) {
            stale.push(name.to_string());
        }
        for arg in command
            .get_arguments()
            .filter(|a| a.get_action().takes_values())
        {
            let id = arg.get_id().as_str();
            for value in arg.get_possible_values() {
                assert!(
                    help.contains(value.get_name()),
                    "{name} --{id}: value {} not in the help",
                    value.get_name()
                );
            }
            if id == "sampler" {
                for sampler in SAMPLERS {
                    assert!(help.contains(sampler), "{name} --sampler: {sampler}");
                }
            }
            for (option, values) in TEXT_VALUES {
                if id == option && arg.get_possible_values().is_empty() {
                    for value in values {
                        assert!(
                            help.contains(value),
                            "{name} --{id}: {value} not in the help"
                        );
                    }
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "--help differs from tests/help/ for {stale:?}: regenerate with \
         TINYSCORE_BLESS=1 cargo test -p tinyscore-train --test help"
    );
}
