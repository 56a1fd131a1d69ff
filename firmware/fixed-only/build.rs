//! Links for QEMU's mps2-an386 (Cortex-M4F) or microbit (Cortex-M0), with
//! the memory maps of firmware/qemu.
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let machine = match env::var("TARGET").unwrap_or_default().as_str() {
        "thumbv7em-none-eabihf" => "mps2-an386",
        "thumbv6m-none-eabi" => "microbit",
        other => panic!("tinyscore-fixed-only has no QEMU machine for target {other}"),
    };
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    let memory = here.join("../qemu/memory").join(format!("{machine}.x"));
    fs::copy(&memory, out.join("memory.x")).expect("memory map copies to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={}", memory.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
}
