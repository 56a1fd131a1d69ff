//! Picks the QEMU machine for the target (its memory map, and `cfg(machine
//! = "…")` for the code), passes the linker scripts, points
//! `TINYSCORE_MODEL_FILE` at the model to embed (`$TINYSCORE_MODEL` if set,
//! else the fixed-point fixture, which runs on every target) and sizes the
//! binary's buffers from that model (`buffers.rs` in `OUT_DIR`, written by
//! `tinyscore-buffers`), stopping the build if they do not fit the
//! machine's RAM.
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let machine = match target.as_str() {
        "thumbv7em-none-eabihf" => "mps2-an386",
        "thumbv6m-none-eabi" => "microbit",
        "riscv32imac-unknown-none-elf" => "virt",
        other => panic!("no QEMU machine for target {other}"),
    };
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    let memory = here.join("memory").join(format!("{machine}.x"));
    fs::copy(&memory, out.join("memory.x")).expect("memory map copies to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={}", memory.display());
    println!("cargo::rustc-check-cfg=cfg(machine, values(\"mps2-an386\", \"microbit\", \"virt\"))");
    println!("cargo:rustc-cfg=machine=\"{machine}\"");
    if machine == "virt" {
        // riscv-rt's link.x does not include the memory map itself.
        println!("cargo:rustc-link-arg-bins=-Tmemory.x");
    }
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");

    println!("cargo:rerun-if-env-changed=TINYSCORE_MODEL");
    let model = env::var_os("TINYSCORE_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../models/fixed.tsm"));
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=TINYSCORE_MODEL_FILE={}", model.display());
    let buffers = tinyscore_buffers::write(&model, &out).unwrap_or_else(|e| panic!("{e}"));
    let ram = fs::read_to_string(&memory)
        .ok()
        .as_deref()
        .and_then(tinyscore_buffers::ram_length)
        .expect("the memory map has a RAM region");
    if let Err(e) = buffers.check_ram(ram) {
        panic!("{}: {e} ({machine})", model.display());
    }
}
