//! The application every tinyscore firmware binary shares.
//!
//! A binary embeds one `.tsm` file with [`include_model!`], hands it to
//! [`run`] with scratch buffers of its own and the model's data dimension
//! as `DIM` (firmware/qemu and firmware/board size both from the model when
//! they are built: firmware/buffers), and turns the result into its exit
//! status. [`run`] checks the file with `Model::parse` and runs on
//! embedded plan 0 what the model supports, [`SAMPLES`] times each, item
//! `i` with the random stream of item `i` of seed [`SEED`]
//! (`tinyscore::noise::stream`, as `tinyscore sample` and the C API draw
//! it):
//!
//! - **sample**: plain (unconditional) samples ([`sample`]);
//! - **guided**: for a class-conditional model, samples of class
//!   `i mod classes` with classifier-free guidance of weight 1.5
//!   ([`sample`]);
//! - **impute**: a sample of the model with a quarter of its coordinates
//!   dropped, filled in again by replacement with RePaint resampling
//!   ([`restore`]);
//! - **denoise**: a sample of the model with a spike in one coordinate,
//!   cleaned by SDEdit from the plan's middle row ([`restore`]);
//! - **score**: for a model with a stored anomaly detector, the score and
//!   decision of a sample of the model and of the same sample with a spike
//!   ([`restore`]).
//!
//! Everything is printed through `defmt`, one line per item:
//!
//! ```text
//! model <backend> dim <n> rows <r> macs <m> params <p> scratch <bytes> classes <k> detector <bool>
//! sample <i> [<word>, …] data [<value>, …]            then: crc <crc32>
//! guided <i> class <c> [<word>, …] data [<value>, …]  then: crc <crc32>
//! impute <i> [<word>, …] data [<value>, …]            then: crc <crc32>
//! denoise <i> [<word>, …] data [<value>, …]           then: crc <crc32>
//! score <i> normal <bits> <anomaly>, score <i> spike <bits> <anomaly>
//! cost <task> calls <n> instructions <total> stack <bytes>  (when measured;
//!                                   the first, `parse`, is Model::parse)
//! ```
//!
//! Words are the bits of the state elements: `f32::to_bits` for the float
//! backends, the Q16.16 value for fixed point, all in model units (the
//! normalised space the network works in); values are the same states in
//! data units (as `f32`, mapped back with the model's normalisation, as
//! `tinyscore sample` writes them; `defmt-print` shows the shortest decimal
//! that reads back as the same `f32`); scores are `f32` bits or Q32.32
//! ([`Element`]). Each `crc` is the CRC-32
//! of its task's words, little-endian. The host test (`tests/firmware.rs`
//! in the root crate) computes the same lines with the runtime on the host
//! and expects exactly these, so any difference in one bit between the
//! chip and the host fails it.
#![no_std]

mod cost;
mod element;
mod engine;
pub mod restore;
pub mod sample;
mod words;

pub use element::Element;
pub use engine::{Engine, Fixed, Float};

use cost::Cost;
use tinyscore::fixed::FixedScratch;
use tinyscore::format::{Backend, FormatError, Layer, Model};
use tinyscore::plan::Plan;
use tinyscore::sampler::SamplerError;

/// Items per task: 64 unless the build sets `TINYSCORE_SAMPLES` (the
/// benchmarks run fewer on their larger models).
pub const SAMPLES: u32 = match option_env!("TINYSCORE_SAMPLES") {
    Some(n) => match u32::from_str_radix(n, 10) {
        Ok(n) => n,
        Err(_) => panic!("TINYSCORE_SAMPLES is not a number"),
    },
    None => 64,
};

/// The seed of every task, 2026 unless the build sets `TINYSCORE_SEED`;
/// item `i` draws from its stream `i`.
pub const SEED: u64 = match option_env!("TINYSCORE_SEED") {
    Some(n) => match u64::from_str_radix(n, 10) {
        Ok(n) => n,
        Err(_) => panic!("TINYSCORE_SEED is not a number"),
    },
    None => 2026,
};

/// Guidance weight of the guided samples.
pub const GUIDANCE: f32 = 1.5;
/// [`GUIDANCE`] in Q16.16, for the fixed-point backend.
pub const GUIDANCE_Q16: i32 = (GUIDANCE * 65536.0) as i32;

pub use tinyscore::include_model;

/// The scratch memory a run may use; the model states how much of it it
/// needs ([`Model::scratch_len`], [`FixedScratch::of`]).
pub struct Scratch<'a> {
    /// For the f32 and f16 backends.
    pub float: &'a mut [f32],
    /// Activations of the fixed-point backend.
    pub activations: &'a mut [i16],
    /// Registers of the fixed-point backend.
    pub registers: &'a mut [i32],
}

/// Why a run failed.
#[derive(Clone, Copy, Debug, defmt::Format)]
pub enum Error {
    /// The model file is invalid.
    Format(FormatError),
    /// The sampler refused the model, the scratch or a request.
    Sampler(SamplerError),
    /// The model's data dimension exceeds the states' length, `DIM` of
    /// [`run`].
    Dimension {
        /// The model's data dimension.
        model: u32,
        /// The states' length.
        capacity: u32,
    },
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Format(e)
    }
}

impl From<SamplerError> for Error {
    fn from(e: SamplerError) -> Self {
        Error::Sampler(e)
    }
}

/// What a binary adds to a run: measurements (an instruction counter under
/// QEMU's `-icount`, the stack's high-water mark), and what to do with
/// each plain sample besides printing it (stream it, blink an LED, wait).
/// All do nothing by default; a run prints `cost` lines only when
/// [`Hooks::now`] counts.
pub trait Hooks {
    /// The current clock reading, counting up, if there is a clock.
    fn now(&mut self) -> Option<u64> {
        None
    }

    /// Starts a new stack measurement from the current stack pointer down.
    fn mark_stack(&mut self) {}

    /// The deepest stack use since [`Hooks::mark_stack`], in bytes from the
    /// top of the stack, if measured.
    fn stack_peak(&mut self) -> Option<usize> {
        None
    }

    /// Called after plain sample `index` is drawn, with its bits.
    fn sample(&mut self, index: u32, words: &[u32]) {
        let _ = (index, words);
    }
}

/// Hooks that do nothing.
pub struct NoHooks;

impl Hooks for NoHooks {}

/// Multiply-accumulates of one network evaluation: the dense layers'
/// `input × output`, summed.
pub fn macs_per_step(model: &Model<'_>) -> u32 {
    model
        .topology()
        .layers()
        .map(|layer| match layer {
            Layer::Dense { input, output } => input.saturating_mul(output),
            _ => 0,
        })
        .fold(0, u32::saturating_add)
}

/// Checks `bytes` and runs every task the model supports (see the crate
/// docs), with states of `DIM` elements, at least the model's dimension.
pub fn run<const DIM: usize>(
    bytes: &[u8],
    scratch: Scratch<'_>,
    hooks: &mut impl Hooks,
) -> Result<(), Error> {
    let mut parse = Cost::start(hooks);
    let model = parse.call(hooks, || Model::parse(bytes))?;
    let dim = model.topology().x_dim();
    if dim as usize > DIM {
        return Err(Error::Dimension {
            model: dim,
            capacity: u32::try_from(DIM).unwrap_or(u32::MAX),
        });
    }
    let backend = model.backend();
    let scratch_bytes = match model.fixed_network() {
        Some(network) => FixedScratch::of(&network).bytes(),
        None => model.scratch_len() * core::mem::size_of::<f32>(),
    };
    defmt::println!(
        "model {} dim {=u32} rows {=u32} macs {=u32} params {=u32} scratch {=usize} classes {=u32} detector {=bool}",
        backend,
        dim,
        model.plan(0).map_or(0, |p| p.header().rows),
        macs_per_step(&model),
        model.topology().parameter_count(),
        scratch_bytes,
        model.classes(),
        model.anomaly().is_some()
    );
    parse.report("parse", hooks);
    let dim = dim as usize;
    match backend {
        Backend::F32 | Backend::F16 => {
            let mut engine = Float::new(&model, scratch.float);
            tasks::<_, DIM>(&model, &mut engine, dim, hooks)
        }
        Backend::Fixed => {
            let mut engine = Fixed::new(&model, scratch.activations, scratch.registers);
            tasks::<_, DIM>(&model, &mut engine, dim, hooks)
        }
    }
}

/// The tasks `model` supports, in the order of the crate docs.
fn tasks<E: Engine, const DIM: usize>(
    model: &Model<'_>,
    engine: &mut E,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<(), Error> {
    let units = model.normalization();
    sample::plain::<_, DIM>(&mut engine.plain(0)?, units, dim, hooks)?.report("sample", hooks);
    if model.classes() > 0 {
        sample::guided::<_, DIM>(engine, model.classes(), units, dim, hooks)?
            .report("guided", hooks);
    }
    restore::impute::<_, DIM>(&mut engine.plain(0)?, units, dim, hooks)?.report("impute", hooks);
    let middle = model.plan(0).map_or(0, |p| p.header().rows / 2);
    restore::denoise::<_, DIM>(&mut engine.plain(0)?, middle, units, dim, hooks)?
        .report("denoise", hooks);
    if let Some(detector) = model.anomaly() {
        let mut stepper = engine.plain(detector.plan() as usize)?;
        restore::score::<_, DIM>(&mut stepper, &detector, dim, hooks)?.report("score", hooks);
    }
    Ok(())
}
