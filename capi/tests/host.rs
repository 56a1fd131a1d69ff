//! The C API from C on the host: the system compiler (`cc`) builds C
//! programs against `include/tinyscore.h` and the host static library
//! that `cargo test` builds, and their output is compared with the
//! runtime's.
//!
//! - tests/c/api_test.c calls every function, on valid input and on each
//!   error path a caller can reach;
//! - the same program parses the malformed corpus (tests/corpus/), and
//!   each status and message must be the runtime's own error;
//! - examples/tasks.c, the firmware's tasks in C, prints on the host the
//!   very lines the firmware prints (`common::tasks::expected`), for every
//!   fixture model of the firmware: f32, f16 and fixed point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../tests/common/mod.rs"]
mod common;

use common::programs::output_lines;
use common::tasks::DataUnits;
use std::path::{Path, PathBuf};
use std::process::Command;
use tinyscore::format::{self, Model};
use tinyscore_c::error::TINYSCORE_MESSAGE_LEN;
use tinyscore_c::status::tinyscore_status;

fn capi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn repository() -> PathBuf {
    capi_dir().join("..")
}

/// The host static library, built next to the test binary
/// (`target/<profile>/deps/<test>` → `target/<profile>/libtinyscore_c.a`):
/// `cargo test` builds the library's rlib only, so this builds the
/// static library (package tinyscore-c-staticlib) with the same profile.
fn static_lib() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    BUILT.call_once(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-p", "tinyscore-c-staticlib", "--lib"]);
        if profile_dir.ends_with("release") {
            cargo.arg("--release");
        }
        let status = cargo.current_dir(repository()).status().unwrap();
        assert!(
            status.success(),
            "cargo build -p tinyscore-c-staticlib failed"
        );
    });
    let lib = profile_dir.join("libtinyscore_c.a");
    assert!(lib.exists(), "{} is missing", lib.display());
    lib
}

/// Compiles `sources` (relative to capi/) with the library into a program
/// named `name`.
fn compile(sources: &[&str], name: &str) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"])
        .arg("-I")
        .arg(capi_dir().join("include"))
        .args(sources.iter().map(|s| capi_dir().join(s)))
        .arg(static_lib())
        // What the standard library in the host build needs.
        .args(["-lpthread", "-ldl", "-lm"])
        .arg("-o")
        .arg(&out)
        .status()
        .expect("the system C compiler `cc` runs (apt-get install gcc)");
    assert!(status.success(), "cc {sources:?} failed");
    out
}

/// Runs `program` with `args`; its stdout as lines, after checking it
/// exited 0.
fn run(program: &Path, args: &[PathBuf]) -> Vec<String> {
    output_lines(
        Command::new(program).args(args),
        &program.display().to_string(),
    )
}

fn firmware_model(name: &str) -> PathBuf {
    repository().join(format!("firmware/models/{name}.tsm"))
}

#[test]
fn every_function_and_error_path_from_c() {
    let program = compile(&["tests/c/api_test.c"], "api_test");
    // An f32 model with neither classes nor a detector.
    let plain = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plain.tsm");
    std::fs::write(&plain, format::write(&common::small_spec()).unwrap()).unwrap();
    // The fixed-point fixture holding guidance 1.5 (3·2¹⁵ in Q16.16), as a
    // distilled student's file does.
    let held = Path::new(env!("CARGO_TARGET_TMPDIR")).join("held.tsm");
    let fixed = std::fs::read(firmware_model("fixed")).unwrap();
    let body = format::held_guidance_section(3 << 15);
    let code = format::SectionKind::HeldGuidance.code();
    std::fs::write(
        &held,
        format::append_section(&fixed, code, 0, body).unwrap(),
    )
    .unwrap();
    let lines = run(&program, &[firmware_model("f32"), held, plain]);
    assert!(
        lines.last().is_some_and(|l| l.starts_with("ok ")),
        "{lines:?}"
    );
}

/// `s` cut to what `tinyscore_error.message` holds: whole characters in
/// `TINYSCORE_MESSAGE_LEN - 1` bytes.
fn as_message(s: &str) -> &str {
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if i + c.len_utf8() > TINYSCORE_MESSAGE_LEN - 1 {
            break;
        }
        end = i + c.len_utf8();
    }
    &s[..end]
}

#[test]
fn parse_errors_from_c_are_the_runtimes() {
    let program = compile(&["tests/c/api_test.c"], "api_test_parse");
    let mut files: Vec<PathBuf> = std::fs::read_dir(repository().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() > 100, "the corpus is there");
    let got = run(&program, &[&[PathBuf::from("parse")][..], &files].concat());
    let want: Vec<String> = files
        .iter()
        .map(|f| {
            // 16-byte aligned, as the C program loads it.
            let bytes = std::fs::read(f).unwrap();
            let mut words = vec![0u128; bytes.len().div_ceil(16)];
            let aligned = &mut bytemuck_bytes(&mut words)[..bytes.len()];
            aligned.copy_from_slice(&bytes);
            match Model::parse(aligned) {
                Ok(_) => "0 ".to_owned(),
                Err(e) => {
                    let status = tinyscore_status::from(e) as i32;
                    format!("{status} {}", as_message(&e.to_string()))
                }
            }
        })
        .collect();
    assert_eq!(got.len(), want.len());
    for ((g, w), f) in got.iter().zip(&want).zip(&files) {
        assert_eq!(g, w, "{}", f.display());
    }
}

/// The bytes of `words`.
fn bytemuck_bytes(words: &mut [u128]) -> &mut [u8] {
    let len = std::mem::size_of_val(words);
    // SAFETY: any u128 memory is valid as bytes, and the length is its size.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) }
}

#[test]
fn c_tasks_on_the_host_are_the_firmwares() {
    let program = compile(&["examples/tasks.c", "examples/host.c"], "tasks");
    for name in ["f32", "f16", "fixed", "fixed-29", "fixed-8d"] {
        let model = firmware_model(name);
        let lines = run(&program, std::slice::from_ref(&model));
        let got: Vec<&String> = lines.iter().filter(|l| !l.starts_with("model ")).collect();
        let want = common::tasks::expected(&std::fs::read(&model).unwrap(), DataUnits::Words);
        assert_eq!(got.len(), want.len(), "{name}: {lines:?}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(*g, w, "{name}: C on the host and the runtime differ");
        }
    }
}

/// The C blocks of docs/GUIDE.md, each linked with the library and a
/// harness that embeds the fixed-point fixture as `model_tsm` and calls
/// the block's `run`: it must return 0, give the runtime's sample 3 of
/// seed 1 in data units, and call the far reading (40, −40) an anomaly.
#[test]
fn the_guides_c_blocks_build_and_run() {
    let guide = std::fs::read_to_string(repository().join("docs/GUIDE.md")).unwrap();
    let blocks: Vec<&str> = guide
        .split("```c\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(!blocks.is_empty(), "docs/GUIDE.md has no C block");
    let fixture = firmware_model("fixed");
    let bytes = std::fs::read(&fixture).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut expected = [0i32; 2];
    let (mut activations, mut registers) = ([0i16; 256], [0i32; 64]);
    tinyscore::fixed::FixedSampler::embedded(&model, 0, &mut activations, &mut registers)
        .unwrap()
        .sample(&mut expected, &mut tinyscore::noise::stream(1, 3))
        .unwrap();
    let q16 = tinyscore::fixed::DataFormat::Q16_16;
    model.normalization().to_data_q(&mut expected, q16).unwrap();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for (k, block) in blocks.iter().enumerate() {
        let source = tmp.join(format!("guide_{k}.c"));
        let harness = format!(
            "{block}\n\
             #include <stdio.h>\n\
             __asm__(\".section .rodata\\n.balign 16\\n.global model_tsm\\nmodel_tsm:\\n\
             .incbin \\\"{path}\\\"\\n.previous\\n\");\n\
             const size_t model_tsm_len = {len};\n\
             int main(void) {{\n\
                 int32_t data[2], reading[2] = {{40 << 16, -(40 << 16)}};\n\
                 bool anomaly = false;\n\
                 int status = run(3, data, reading, &anomaly);\n\
                 printf(\"%d %d %d %d\\n\", status, data[0], data[1], anomaly);\n\
                 return 0;\n\
             }}\n",
            path = fixture.display(),
            len = bytes.len(),
        );
        std::fs::write(&source, harness).unwrap();
        let program = compile(&[source.to_str().unwrap()], &format!("guide_{k}"));
        let lines = run(&program, &[]);
        assert_eq!(
            lines,
            [format!("0 {} {} 1", expected[0], expected[1])],
            "block {k} of docs/GUIDE.md"
        );
    }
}
