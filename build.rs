//! Chooses target-specific code that stable Rust cannot select by
//! `target_feature` (it does not expose Arm's `dsp` or `fp16` features to
//! `cfg`), hence the target name:
//! - `dsp_kernel`: on ARMv7E-M (Cortex-M4 and M7, the `thumbv7em-*`
//!   targets), whose DSP extension every core has, `src/fixed/kernel_dsp.rs`
//!   runs the fixed-point dense kernel.
//! - `f16_vcvt`: on `thumbv7em-none-eabihf` (Cortex-M4F and M7 with their
//!   FPU, FPv4-SP or FPv5, both with the half-precision conversions),
//!   `src/net/vcvt.rs` widens f16 weights with VCVTB and VCVTT.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(dsp_kernel)");
    println!("cargo::rustc-check-cfg=cfg(f16_vcvt)");
    println!("cargo::rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=dsp_kernel");
    }
    if target == "thumbv7em-none-eabihf" {
        println!("cargo::rustc-cfg=f16_vcvt");
    }
}
