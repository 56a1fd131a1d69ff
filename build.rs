//! Chooses the dense kernel: on ARMv7E-M (Cortex-M4 and M7, the
//! `thumbv7em-*` targets), whose DSP extension every core has, the
//! `dsp_kernel` cfg selects `src/fixed/kernel_dsp.rs`. Stable Rust does not
//! expose the `dsp` target feature to `cfg`, hence the target name.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(dsp_kernel)");
    println!("cargo::rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=dsp_kernel");
    }
}
