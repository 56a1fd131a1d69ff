//! The application layer every tinyscore firmware binary shares.
//!
//! A binary embeds one `.tsm` file with [`include_model!`], hands it to
//! [`run`] with scratch buffers of its own, and turns the result into its
//! exit status. [`run`] checks the file with `Model::parse`, draws
//! [`SAMPLES`] samples from embedded plan 0, sample `i` from its own
//! `Xoshiro256PlusPlus` seeded `SEED + i`, and prints through `defmt`:
//!
//! ```text
//! model <backend> dim <n> rows <r> macs <m> params <p> scratch <bytes>
//! sample <i> [<word>, …]        (one line per sample, each word in hex)
//! crc <crc32>                   (CRC-32 of every word, little-endian)
//! ```
//!
//! The words are the sample's bits: `f32::to_bits` of the data-unit values
//! for the float backends, the Q16.16 states for the fixed-point one. The
//! host test (`tests/firmware.rs` in the root crate) draws the same samples
//! with the runtime on the host and expects exactly these lines, so any
//! difference in one bit between the chip and the host fails it. The seeds
//! are those of `tests/backends.rs`, so the CRCs of the fixture models are
//! also the golden CRCs of `tests/golden/backends.txt`.
#![no_std]

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::{Backend, Crc32, FormatError, Layer, Model};
use tinyscore::plan::Plan;
use tinyscore::sampler::{Sampler, SamplerError};

/// Samples drawn per run: 64 unless the build sets `TINYSCORE_SAMPLES`
/// (the benchmarks draw fewer from their larger models).
pub const SAMPLES: u32 = match option_env!("TINYSCORE_SAMPLES") {
    Some(n) => match u32::from_str_radix(n, 10) {
        Ok(n) => n,
        Err(_) => panic!("TINYSCORE_SAMPLES is not a number"),
    },
    None => 64,
};

/// Seed of sample 0; sample `i` uses `SEED + i`.
pub const SEED: u64 = 2026;

/// Largest data dimension [`run`] accepts (the state lives on the stack).
pub const MAX_DIM: usize = 64;

/// Bytes kept 16-byte aligned, as the `.tsm` format's zero-copy views need.
#[repr(C, align(16))]
pub struct Aligned<B: ?Sized>(pub B);

/// Embeds a `.tsm` file as a 16-byte-aligned `&'static [u8]` in flash.
#[macro_export]
macro_rules! include_model {
    ($path:expr) => {{
        static MODEL: &$crate::Aligned<[u8]> = &$crate::Aligned(*include_bytes!($path));
        &MODEL.0
    }};
}

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
    /// The sampler refused the model or the scratch.
    Sampler(SamplerError),
    /// The model's data dimension exceeds [`MAX_DIM`].
    Dimension(u32),
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

/// What a binary adds to a run: a clock read around every sample (an
/// instruction counter under QEMU's `-icount`), and what to do with each
/// sample besides printing it (stream it, blink an LED, wait). Both do
/// nothing by default.
pub trait Hooks {
    /// The current clock reading, counting up.
    fn now(&mut self) -> u64 {
        0
    }

    /// Called after sample `index` is drawn, with its bits.
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

/// Checks `bytes`, samples and reports (see the crate docs). Returns the
/// total [`Hooks::now`] reading spent sampling.
pub fn run(bytes: &[u8], scratch: Scratch<'_>, hooks: &mut impl Hooks) -> Result<u64, Error> {
    let model = Model::parse(bytes)?;
    let dim = model.topology().x_dim();
    if dim as usize > MAX_DIM {
        return Err(Error::Dimension(dim));
    }
    let backend = model.backend();
    let rows = model.plan(0).map_or(0, |p| p.header().rows);
    let scratch_bytes = match model.fixed_network() {
        Some(network) => FixedScratch::of(&network).bytes(),
        None => model.scratch_len() * core::mem::size_of::<f32>(),
    };
    defmt::println!(
        "model {} dim {=u32} rows {=u32} macs {=u32} params {=u32} scratch {=usize}",
        backend,
        dim,
        rows,
        macs_per_step(&model),
        model.topology().parameter_count(),
        scratch_bytes
    );
    let dim = dim as usize;
    let elapsed = match backend {
        Backend::F32 | Backend::F16 => {
            let mut sampler = Sampler::embedded(&model, 0, scratch.float)?;
            draw(dim, hooks, |x, rng| sampler.sample(x, rng), f32::to_bits)?
        }
        Backend::Fixed => {
            let (acts, regs) = (scratch.activations, scratch.registers);
            let mut sampler = FixedSampler::embedded(&model, 0, acts, regs)?;
            draw(dim, hooks, |x, rng| sampler.sample(x, rng), |v| v as u32)?
        }
    };
    Ok(elapsed)
}

/// Draws [`SAMPLES`] samples of dimension `dim` with `sample`, timing each,
/// and prints their bits (`word` of each element) and their CRC.
fn draw<T: Copy + Default>(
    dim: usize,
    hooks: &mut impl Hooks,
    mut sample: impl FnMut(&mut [T], &mut Xoshiro256PlusPlus) -> Result<(), SamplerError>,
    word: impl Fn(T) -> u32,
) -> Result<u64, Error> {
    let mut crc = Crc32::new();
    let (mut x, mut words) = ([T::default(); MAX_DIM], [0u32; MAX_DIM]);
    let x = x.get_mut(..dim).unwrap_or_default();
    let words = words.get_mut(..dim).unwrap_or_default();
    let mut elapsed = 0;
    for i in 0..SAMPLES {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED + u64::from(i));
        let start = hooks.now();
        sample(x, &mut rng)?;
        elapsed += hooks.now().wrapping_sub(start);
        for (w, v) in words.iter_mut().zip(x.iter()) {
            *w = word(*v);
            crc.update(&w.to_le_bytes());
        }
        defmt::println!("sample {=u32} {:08x}", i, words);
        hooks.sample(i, words);
    }
    defmt::println!("crc {=u32:08x}", crc.finish());
    Ok(elapsed)
}
