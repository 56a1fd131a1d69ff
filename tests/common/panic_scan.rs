//! The no-panic check by disassembly: which functions of the runtime (any
//! symbol with `tinyscore` in its name: the runtime, the C library and its
//! exported functions) branch to one of core's panic entry points, in an
//! `llvm-objdump -d` listing of a firmware. tests/firmware.rs runs it on
//! the Rust firmware, capi/tests/qemu.rs on the C firmware.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `llvm-objdump` of the toolchain's `llvm-tools` component.
pub fn llvm_objdump() -> PathBuf {
    let rustc = |args: &[&str]| {
        let out = Command::new("rustc")
            .args(args)
            .output()
            .expect("rustc runs");
        String::from_utf8(out.stdout).unwrap()
    };
    let host = rustc(&["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    let sysroot = rustc(&["--print", "sysroot"]);
    let path = Path::new(sysroot.trim()).join(format!("lib/rustlib/{host}/bin/llvm-objdump"));
    assert!(
        path.exists(),
        "llvm-objdump is missing; install it with: rustup component add llvm-tools"
    );
    path
}

/// Whether `symbol` is one of core's panic entry points: `core::panicking`,
/// the slice index failures, `unwrap_failed` and `expect_failed`.
fn is_panic_entry(symbol: &str) -> bool {
    const ENTRIES: [&str; 7] = [
        "panicking",
        "index_fail",
        "index_len_fail",
        "index_order_fail",
        "len_mismatch_fail",
        "unwrap_failed",
        "expect_failed",
    ];
    ENTRIES.iter().any(|p| symbol.contains(p))
}

/// The runtime's functions that branch to a panic entry point, from an
/// `llvm-objdump -d` listing. An Arm branch shows its target as
/// `<symbol>`; a RISC-V call is `auipc` and `jalr`/`jr` through a register,
/// whose target is worked out here and looked up among the listing's
/// labels. Mapping symbols such as `$t` and `$d` are not functions.
pub fn runtime_functions_that_panic(listing: &str) -> Vec<String> {
    let labels: HashMap<u64, &str> = listing.lines().filter_map(label).collect();
    let mut function = "";
    let mut registers: HashMap<String, u64> = HashMap::new();
    let mut found: Vec<String> = Vec::new();
    for line in listing.lines() {
        if let Some((_, name)) = label(line) {
            if !name.starts_with('$') {
                function = name;
            }
            continue;
        }
        let mut fields = line.split_whitespace();
        let address = fields.next().and_then(|a| a.strip_suffix(':'));
        let address = address.and_then(|a| u64::from_str_radix(a, 16).ok());
        let (Some(address), Some(op)) = (address, fields.next()) else {
            continue;
        };
        let operands: String = fields.collect();
        let target = match op {
            // auipc rd, imm20: rd = pc + sign-extended imm20 · 4096.
            "auipc" => {
                if let Some((rd, imm)) = operands.split_once(',') {
                    let imm: i64 = imm.parse().unwrap_or(0);
                    let imm = if imm >= 1 << 19 { imm - (1 << 20) } else { imm };
                    registers.insert(rd.to_owned(), address.wrapping_add_signed(imm << 12));
                }
                None
            }
            // jalr/jr offset(rs), after an auipc of rs.
            "jalr" | "jr" => operands.strip_suffix(')').and_then(|o| {
                let (offset, rs) = o.split_once('(')?;
                let base = registers.get(rs)?;
                Some(base.wrapping_add_signed(offset.parse().ok()?))
            }),
            _ => None,
        };
        let target = match target {
            Some(t) => labels.get(&t).copied(),
            None => line.rsplit_once('<').map(|(_, t)| t),
        };
        if target.is_some_and(is_panic_entry)
            && function.contains("tinyscore")
            && !found.iter().any(|f| f == function)
        {
            found.push(function.to_owned());
        }
    }
    found
}

/// The address and name of a label line (`80001000 <name>:`).
fn label(line: &str) -> Option<(u64, &str)> {
    let (address, name) = line.strip_suffix(">:")?.split_once(" <")?;
    Some((u64::from_str_radix(address, 16).ok()?, name))
}

/// The functions of the runtime in the firmware `elf` that can branch to a
/// panic ([`runtime_functions_that_panic`] of its disassembly).
pub fn functions_that_panic_in(elf: &Path) -> Vec<String> {
    let out = Command::new(llvm_objdump())
        .args(["-d", "--no-show-raw-insn"])
        .arg(elf)
        .output()
        .expect("llvm-objdump runs");
    assert!(out.status.success(), "llvm-objdump {}", elf.display());
    let listing = String::from_utf8_lossy(&out.stdout);
    // The scan must see the runtime at all.
    assert!(listing.contains("tinyscore"), "{}", elf.display());
    runtime_functions_that_panic(&listing)
}
