//! Puts memory.x on the linker's search path, passes the linker scripts,
//! points `TINYSCORE_MODEL_FILE` at the model to embed and sizes the
//! binary's buffers from it (`buffers.rs` in `OUT_DIR`, written by
//! `tinyscore-buffers`), stopping the build if they do not fit the board's
//! RAM.
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x copies to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");

    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let model = here.join(MODEL);
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=TINYSCORE_MODEL_FILE={}", model.display());
    let buffers = tinyscore_buffers::write(&model, &out).unwrap_or_else(|e| panic!("{e}"));
    let ram = fs::read_to_string("memory.x")
        .ok()
        .as_deref()
        .and_then(tinyscore_buffers::ram_length)
        .expect("memory.x has a RAM region");
    if let Err(e) = buffers.check_ram(ram) {
        panic!("{MODEL}: {e}");
    }
}

/// The model the firmware embeds (`TINYSCORE_MODEL_FILE`), from this
/// directory.
const MODEL: &str = "../models/fixed.tsm";
