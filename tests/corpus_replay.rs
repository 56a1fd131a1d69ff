//! Replays the committed corpus of malformed model files, tests/corpus/,
//! and the fuzzing corpus, fuzz/corpus/parse/ (if present), through
//! `Model::parse`: no input may panic, and every tests/corpus file must give
//! the error tests/corpus/EXPECTED.txt records for it.
//!
//! tests/corpus/ is generated from the cases of tests/malformed (one file per
//! defect, `<defect>.tsm`) and is committed so that the exact bytes keep
//! being replayed even if the generators change. To rewrite it after adding
//! or changing a case, run the ignored test `regenerate`:
//!
//! ```text
//! cargo test --features std --test corpus_replay -- --ignored regenerate
//! ```
//!
//! It also (re)writes the valid seed files `seed_*.tsm` of
//! fuzz/corpus/parse/, leaving any other file there alone.
//!
//! Needs feature `std`.
#![cfg(feature = "std")]
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;
mod malformed;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use tinyscore::format::{self, Model};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn fuzz_corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse")
}

/// `file name → expected error (Debug)` from EXPECTED.txt.
fn expected() -> BTreeMap<String, String> {
    let text = fs::read_to_string(corpus_dir().join("EXPECTED.txt")).unwrap();
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, error) = line.split_once(": ").expect("`<file>: <error>`");
        let old = map.insert(name.to_owned(), error.to_owned());
        assert!(old.is_none(), "{name} listed twice");
    }
    map
}

/// The `.tsm` files of a directory, by name.
fn tsm_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_file() && path.extension().is_some_and(|e| e == "tsm") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn corpus_files_give_their_expected_errors() {
    let expected = expected();
    let files = tsm_files(&corpus_dir());
    assert!(files.len() > 100, "corpus present ({} files)", files.len());
    let listed: Vec<&String> = expected.keys().collect();
    let present: Vec<&String> = files.keys().collect();
    assert_eq!(
        listed, present,
        "EXPECTED.txt lists exactly the corpus files"
    );
    let mut failures = Vec::new();
    for (name, bytes) in &files {
        let got = match Model::parse(bytes) {
            Ok(_) => "Ok".to_owned(),
            Err(e) => format!("{e:?}"),
        };
        if got != expected[name] {
            failures.push(format!("{name}: expected {}, got {got}", expected[name]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_has_every_case() {
    // A case added to tests/malformed without regenerating is noticed here.
    let expected = expected();
    for case in malformed::cases() {
        let name = format!("{}.tsm", case.name);
        assert_eq!(
            expected.get(&name),
            Some(&format!("{:?}", case.expected)),
            "{name}: regenerate the corpus (see the top of this file)"
        );
    }
    assert_eq!(expected.len(), malformed::cases().len());
}

#[test]
fn fuzz_corpus_never_panics() {
    let files = tsm_files(&fuzz_corpus_dir());
    for (name, bytes) in &files {
        // As the fuzz target does: the raw input, then re-sealed.
        if let Ok(model) = Model::parse(bytes) {
            malformed::exercise(&model);
        }
        let mut sealed = bytes.clone();
        format::seal(&mut sealed);
        if let Ok(model) = Model::parse(&sealed) {
            malformed::exercise(&model);
        }
        if name.starts_with("seed_") {
            Model::parse(bytes).unwrap_or_else(|e| panic!("seed {name} is valid: {e:?}"));
        }
    }
}

#[test]
#[ignore = "rewrites tests/corpus/ and the fuzz seeds; run explicitly"]
fn regenerate() {
    let dir = corpus_dir();
    fs::create_dir_all(&dir).unwrap();
    for name in tsm_files(&dir).keys() {
        fs::remove_file(dir.join(name)).unwrap();
    }
    let mut index = String::from(
        "# Malformed model files and the error Model::parse must return (Debug form).\n\
         # Generated from tests/malformed by:\n\
         #   cargo test --features std --test corpus_replay -- --ignored regenerate\n",
    );
    let mut cases = malformed::cases();
    cases.sort_by_key(|c| c.name);
    for case in &cases {
        let name = format!("{}.tsm", case.name);
        // The expectation must hold before it is committed.
        assert_eq!(
            Model::parse(&case.bytes).err(),
            Some(case.expected),
            "{name}"
        );
        fs::write(dir.join(&name), &case.bytes).unwrap();
        index.push_str(&format!("{name}: {:?}\n", case.expected));
    }
    fs::write(dir.join("EXPECTED.txt"), index).unwrap();

    let seeds = fuzz_corpus_dir();
    fs::create_dir_all(&seeds).unwrap();
    for (name, bytes) in malformed::seeds() {
        Model::parse(&bytes).unwrap();
        fs::write(seeds.join(format!("{name}.tsm")), bytes).unwrap();
    }
}
