//! The buffers a firmware binary needs for the model it embeds, computed
//! when it is built.
//!
//! A binary's build script hands its `.tsm` file to [`write`], which
//! parses it with the runtime (the same `Model::parse` the chip runs) and
//! writes `buffers.rs` into `OUT_DIR`: the constants the binary sizes its
//! arrays with (`include!(concat!(env!("OUT_DIR"), "/buffers.rs"))`). So
//! the firmware takes any valid model, with exactly the RAM that model
//! needs and no heap; an invalid model, or one whose buffers do not fit the
//! machine's RAM ([`Buffers::check_ram`]), stops the build with a message
//! that names the model's value and the limit.

use std::fmt::Write as _;
use std::path::Path;
use std::{fs, io};
use tinyscore::fixed::FixedScratch;
use tinyscore::format::{FormatError, Model};

/// Stack a firmware/app run needs besides the scratch and its states: its
/// call frames. With the states of 64-dimensional models its high-water
/// mark on the Cortex-M4F is 3.4–5.0 KB (docs/BENCHMARKS.md, "Firmware");
/// this leaves room to spare.
pub const STACK_RESERVE: usize = 8 * 1024;

/// Stack bytes per data dimension of firmware/app's task states: at most
/// 17 live at once (imputation: the state, the observed sample and the
/// mask, and the printed words and values), rounded up.
pub const STATE_BYTES_PER_DIM: usize = 20;

/// The sizes of a model's buffers, in elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffers {
    /// Data dimension: the length of every state.
    pub dim: usize,
    /// `f32` scratch of the float backends (`Model::scratch_len`; 0 for a
    /// fixed-point model).
    pub float: usize,
    /// `i16` activations of the fixed-point backend (0 for a float model).
    pub activations: usize,
    /// `i32` registers of the fixed-point backend (0 for a float model).
    pub registers: usize,
    /// Bytes of the model file.
    pub model_bytes: usize,
}

impl Buffers {
    /// What the model in `bytes` needs; its parse error if it is invalid.
    pub fn of(bytes: &[u8]) -> Result<Self, FormatError> {
        let model = Model::parse(bytes)?;
        let (float, fixed) = match model.fixed_network() {
            Some(network) => (0, FixedScratch::of(&network)),
            None => (
                model.scratch_len(),
                FixedScratch {
                    activations: 0,
                    registers: 0,
                },
            ),
        };
        Ok(Buffers {
            dim: model.topology().x_dim() as usize,
            float,
            activations: fixed.activations,
            registers: fixed.registers,
            model_bytes: bytes.len(),
        })
    }

    /// Bytes of the scratch buffers.
    pub fn scratch_bytes(&self) -> usize {
        4 * self.float + 2 * self.activations + 4 * self.registers
    }

    /// Whether the scratch, the states ([`STATE_BYTES_PER_DIM`]) and
    /// [`STACK_RESERVE`] fit `ram` bytes; if not, a message that names both.
    pub fn check_ram(&self, ram: usize) -> Result<(), String> {
        let states = STATE_BYTES_PER_DIM * self.dim;
        let needed = self.scratch_bytes() + states + STACK_RESERVE;
        if needed <= ram {
            return Ok(());
        }
        Err(format!(
            "the model needs {needed} bytes of RAM ({} of scratch and {states} of states for its \
             {}-dimensional data, {STACK_RESERVE} of call stack), the machine has {ram}",
            self.scratch_bytes(),
            self.dim
        ))
    }

    /// The constants, as Rust source.
    pub fn rust(&self) -> String {
        let mut out = String::from("// Written by tinyscore-buffers from the embedded model.\n");
        for (name, value, what) in [
            ("DIM", self.dim, "Data dimension of the embedded model."),
            (
                "FLOAT_SCRATCH",
                self.float,
                "`f32` scratch of the float backends.",
            ),
            (
                "ACTIVATIONS",
                self.activations,
                "`i16` activations of the fixed-point backend.",
            ),
            (
                "REGISTERS",
                self.registers,
                "`i32` registers of the fixed-point backend.",
            ),
            (
                "MODEL_BYTES",
                self.model_bytes,
                "Bytes of the embedded model.",
            ),
        ] {
            let _ = writeln!(out, "/// {what}\npub const {name}: usize = {value};");
        }
        out
    }
}

/// The RAM length in bytes of a GNU linker memory map (`RAM : ORIGIN = …,
/// LENGTH = 16K`; `K` and `M` suffixes), if it has a `RAM` region.
pub fn ram_length(memory_x: &str) -> Option<usize> {
    let line = memory_x
        .lines()
        .find(|l| l.trim_start().starts_with("RAM") && l.contains("LENGTH"))?;
    let length = line.split("LENGTH").nth(1)?.trim_start_matches([' ', '=']);
    let digits: String = length.chars().take_while(char::is_ascii_digit).collect();
    let unit = match length.get(digits.len()..)?.chars().next() {
        Some('K') => 1 << 10,
        Some('M') => 1 << 20,
        _ => 1,
    };
    digits.parse::<usize>().ok()?.checked_mul(unit)
}

/// Reads `model`, writes its [`Buffers`] to `out_dir/buffers.rs` and
/// returns them; a message naming the file if it cannot be read or is not
/// a valid model.
pub fn write(model: &Path, out_dir: &Path) -> Result<Buffers, String> {
    let bytes = fs::read(model).map_err(|e| format!("{}: {e}", model.display()))?;
    let buffers = Buffers::of(&bytes)
        .map_err(|e| format!("{} is not a valid model: {e}", model.display()))?;
    fs::write(out_dir.join("buffers.rs"), buffers.rust())
        .map_err(|e: io::Error| format!("{}: {e}", out_dir.display()))?;
    Ok(buffers)
}
