//! What firmware/app prints for a model, computed on the host with the
//! runtime: the `model` line and the lines of its tasks (plain samples,
//! guided samples of each class, imputations, SDEdit denoisings and anomaly
//! verdicts), in the format documented in firmware/app/src/lib.rs, the
//! values in data units as `defmt-print` shows them.
//!
//! `tinyscore qemu` checks the firmware's output against these lines, and
//! so do the tests of the firmware and of the C API (tests/common/tasks.rs
//! includes this file), so the host side of "bit-identical to the chip" is
//! written once. It uses only the runtime and the standard library (and
//! `ryu`, the float formatting of `defmt-print`).

use tinyscore::fixed::{
    DataFormat, FixedSampler, FixedScratch, STATE_FRAC_BITS, UnitsError, state_to_f32,
};
use tinyscore::format::{self, Backend, FormatError, Layer, Model, Normalization};
use tinyscore::net::Guidance;
use tinyscore::noise::{Generator, stream};
use tinyscore::plan::Plan;
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::{StateValue, Stepper};

/// Items of each task unless the build says otherwise (firmware/app
/// `SAMPLES`).
pub const ITEMS: u32 = 64;
/// The seed of every task unless the build says otherwise (firmware/app
/// `SEED`).
pub const SEED: u64 = 2026;
/// The guidance weight of the guided samples (firmware/app `GUIDANCE`).
pub const GUIDANCE: f32 = 1.5;
/// [`GUIDANCE`] in Q16.16 (firmware/app `GUIDANCE_Q16`).
const GUIDANCE_Q16: i32 = 3 << 15;
/// Passes per row of the imputation (firmware/app `RESAMPLE`).
const RESAMPLE: u32 = 2;
/// Spike of the denoising and anomaly examples, model units (firmware/app
/// `SPIKE`).
const SPIKE: i32 = 4;

/// The firmware build the lines are for.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// `TINYSCORE_SEED`: item `i` of every task draws from stream `i` of it.
    pub seed: u64,
    /// `TINYSCORE_SAMPLES`: items per task.
    pub items: u32,
    /// How state lines end with the values in data units.
    pub data_units: DataUnits,
}

/// How state lines show the values in data units, after their words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataUnits {
    /// Not shown (firmware/fixed-only prints the words only).
    Omitted,
    /// As firmware/app prints them: ` data [<value>, …]`, decimals as
    /// `defmt-print` shows an `f32`.
    Decimal,
    /// As the C example prints them: ` data [<word>, …]`, the bits of
    /// `tinyscore_f32_to_data`'s values for f32 and f16 models and
    /// `tinyscore_q16_to_data`'s Q16.16 values for fixed point.
    Words,
}

/// Why the lines could not be computed.
#[derive(Clone, Copy, Debug)]
pub enum LinesError {
    /// The model file is invalid.
    Format(FormatError),
    /// The sampler refused the model or a request (the firmware prints
    /// `error Sampler(…)` for it).
    Sampler(SamplerError),
    /// A value in data units does not fit Q16.16 (the C example prints
    /// the status of `tinyscore_q16_to_data` for it).
    Units(UnitsError),
}

impl std::fmt::Display for LinesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinesError::Format(e) => write!(f, "invalid model file: {e}"),
            LinesError::Sampler(e) => write!(f, "sampler: {e}"),
            LinesError::Units(e) => write!(f, "data units: {e}"),
        }
    }
}

impl std::error::Error for LinesError {}

impl From<FormatError> for LinesError {
    fn from(e: FormatError) -> Self {
        LinesError::Format(e)
    }
}

impl From<SamplerError> for LinesError {
    fn from(e: SamplerError) -> Self {
        LinesError::Sampler(e)
    }
}

impl From<UnitsError> for LinesError {
    fn from(e: UnitsError) -> Self {
        LinesError::Units(e)
    }
}

/// What the firmware does with a state element, as firmware/app's
/// `Element` does it.
pub trait Element: StateValue {
    /// The element's bits, as printed.
    fn word(self) -> u32;
    /// The element's value in model units, as `f32`.
    fn model_units(self) -> f32;
    /// The element with a spike of `SPIKE` (4) model units added.
    fn spiked(self) -> Self;
    /// The words of `x` in data units, as the C example prints them
    /// ([`DataUnits::Words`]).
    fn data_words(x: &[Self], units: &Normalization<'_>) -> Result<Vec<u32>, UnitsError>;
    /// A score's bits, as printed.
    fn score_bits(score: Self::Score) -> u64;
}

impl Element for f32 {
    fn word(self) -> u32 {
        self.to_bits()
    }
    fn model_units(self) -> f32 {
        self
    }
    fn spiked(self) -> Self {
        self + SPIKE as f32
    }
    fn data_words(x: &[f32], units: &Normalization<'_>) -> Result<Vec<u32>, UnitsError> {
        let mut data = x.to_vec();
        units.to_data(&mut data);
        Ok(data.iter().map(|v| v.to_bits()).collect())
    }
    fn score_bits(score: f32) -> u64 {
        u64::from(score.to_bits())
    }
}

impl Element for i32 {
    fn word(self) -> u32 {
        self as u32
    }
    fn model_units(self) -> f32 {
        state_to_f32(self)
    }
    fn spiked(self) -> Self {
        self.saturating_add(SPIKE << STATE_FRAC_BITS)
    }
    fn data_words(x: &[i32], units: &Normalization<'_>) -> Result<Vec<u32>, UnitsError> {
        let mut data = x.to_vec();
        units.to_data_q(&mut data, DataFormat::Q16_16)?;
        Ok(data.iter().map(|v| *v as u32).collect())
    }
    fn score_bits(score: i64) -> u64 {
        score as u64
    }
}

/// One sample in model units: noise, then every row.
pub fn draw<S: Stepper>(
    stepper: &mut S,
    x: &mut [S::Value],
    rng: &mut Generator,
) -> Result<(), SamplerError> {
    stepper.init(x, rng)?;
    while stepper.step(x, rng)? {}
    Ok(())
}

/// The `model` line: `model <backend> dim <n> rows <r> macs <m> params <p>
/// scratch <bytes> classes <k> detector <bool>`.
pub fn model_line(model: &Model<'_>) -> String {
    let macs = model
        .topology()
        .layers()
        .map(|layer| match layer {
            Layer::Dense { input, output } => input.saturating_mul(output),
            _ => 0,
        })
        .fold(0, u32::saturating_add);
    let scratch = match model.fixed_network() {
        Some(network) => FixedScratch::of(&network).bytes(),
        None => model.scratch_len() * size_of::<f32>(),
    };
    format!(
        "model {:?} dim {} rows {} macs {macs} params {} scratch {scratch} classes {} detector {}",
        model.backend(),
        model.topology().x_dim(),
        model.plan(0).map_or(0, |p| p.header().rows),
        model.topology().parameter_count(),
        model.classes(),
        model.anomaly().is_some()
    )
}

/// The printed form of states: `<label> [<word>, …]`, then ` data
/// [<value>, …]` with the values in data units as `shown` says (if at
/// all), the words also added to a CRC.
struct Printer<'m> {
    units: Normalization<'m>,
    shown: DataUnits,
    crc: format::Crc32,
}

impl<'m> Printer<'m> {
    fn new(units: Normalization<'m>, shown: DataUnits) -> Self {
        Printer {
            units,
            shown,
            crc: format::Crc32::new(),
        }
    }

    fn line<T: Element>(&mut self, label: String, x: &[T]) -> Result<String, UnitsError> {
        let hex: Vec<String> = x
            .iter()
            .map(|v| {
                self.crc.update(&v.word().to_le_bytes());
                format!("{:08x}", v.word())
            })
            .collect();
        let shown: Vec<String> = match self.shown {
            DataUnits::Omitted => return Ok(format!("{label} [{}]", hex.join(", "))),
            DataUnits::Decimal => {
                let mut data: Vec<f32> = x.iter().map(|v| v.model_units()).collect();
                self.units.to_data(&mut data);
                data.iter().map(|v| ryu_text(*v)).collect()
            }
            DataUnits::Words => T::data_words(x, &self.units)?
                .iter()
                .map(|w| format!("{w:08x}"))
                .collect(),
        };
        Ok(format!(
            "{label} [{}] data [{}]",
            hex.join(", "),
            shown.join(", ")
        ))
    }

    /// `crc <crc32>`, and a new CRC.
    fn finish(&mut self) -> String {
        let crc = std::mem::replace(&mut self.crc, format::Crc32::new());
        format!("crc {:08x}", crc.finish())
    }
}

/// `v` as `defmt-print` shows an `f32` (the shortest decimal that reads
/// back as `v`, by `ryu`).
fn ryu_text(v: f32) -> String {
    ryu::Buffer::new().format(v).to_owned()
}

/// The lines of the firmware's tasks with `stepper` (plan 0) and
/// `guided(class, x, rng)`, which draws a guided sample.
fn task_lines<S: Stepper>(
    model: &Model<'_>,
    run: &Run,
    stepper: &mut S,
    mut guided: impl FnMut(u32, &mut [S::Value], &mut Generator) -> Result<(), SamplerError>,
) -> Result<Vec<String>, LinesError>
where
    S::Value: Element,
{
    let dim = model.topology().x_dim() as usize;
    let item_rng = |i: u32| stream(run.seed, u64::from(i));
    let mut print = Printer::new(model.normalization(), run.data_units);
    let mut lines = Vec::new();
    let mut x = vec![S::Value::default(); dim];
    for i in 0..run.items {
        draw(stepper, &mut x, &mut item_rng(i))?;
        lines.push(print.line(format!("sample {i}"), &x)?);
    }
    lines.push(print.finish());
    if model.classes() > 0 {
        for i in 0..run.items {
            let class = i % model.classes();
            guided(class, &mut x, &mut item_rng(i))?;
            lines.push(print.line(format!("guided {i} class {class}"), &x)?);
        }
        lines.push(print.finish());
    }
    // firmware/app's `dropped`
    let mut observed = vec![S::Value::default(); dim];
    for i in 0..run.items {
        let mut rng = item_rng(i);
        draw(stepper, &mut observed, &mut rng)?;
        let mask: Vec<bool> = (0..dim)
            .map(|j| j % 4 != (i as usize % 4) % dim.clamp(1, 4))
            .collect();
        stepper.impute(&mut x, &observed, &mask, RESAMPLE, &mut rng)?;
        lines.push(print.line(format!("impute {i}"), &x)?);
    }
    lines.push(print.finish());
    // firmware/app's SDEdit from the middle row
    let middle = model.plan(0).map_or(0, |p| p.header().rows / 2);
    let spike = |x: &mut [S::Value], i: u32| {
        let at = i as usize % dim;
        x[at] = x[at].spiked();
    };
    for i in 0..run.items {
        let mut rng = item_rng(i);
        draw(stepper, &mut x, &mut rng)?;
        spike(&mut x, i);
        stepper.sdedit(&mut x, middle, &mut rng)?;
        lines.push(print.line(format!("denoise {i}"), &x)?);
    }
    lines.push(print.finish());
    if let Some(detector) = model.anomaly() {
        let mut work = vec![S::Value::default(); 2 * dim];
        for i in 0..run.items {
            let mut rng = item_rng(i);
            draw(stepper, &mut x, &mut rng)?;
            for input in ["normal", "spike"] {
                if input == "spike" {
                    spike(&mut x, i);
                }
                let verdict = stepper.detect(&x, &detector, &mut work, &mut rng)?;
                let bits = S::Value::score_bits(verdict.score);
                lines.push(format!("score {i} {input} {bits:016x} {}", verdict.anomaly));
            }
        }
    }
    Ok(lines)
}

/// Every line but the `model` and `cost` ones the firmware built as `run`
/// prints for the model in `bytes`, computed on the host.
pub fn expected_tasks(bytes: &[u8], run: &Run) -> Result<Vec<String>, LinesError> {
    let model = Model::parse(bytes)?;
    let lines = match model.backend() {
        Backend::F32 | Backend::F16 => {
            let mut scratch = vec![0.0; model.scratch_len()];
            let mut guided_scratch = scratch.clone();
            let mut sampler = Sampler::embedded(&model, 0, &mut scratch)?;
            task_lines(&model, run, &mut sampler, |class, x, rng| {
                let guidance = Guidance {
                    class,
                    weight: GUIDANCE,
                };
                let scratch = &mut guided_scratch;
                draw(
                    &mut Sampler::embedded_guided(&model, 0, guidance, scratch)?,
                    x,
                    rng,
                )
            })?
        }
        Backend::Fixed => {
            let network = model.fixed_network().ok_or(SamplerError::Backend)?;
            let need = FixedScratch::of(&network);
            let (mut a, mut r) = (vec![0; need.activations], vec![0; need.registers]);
            let (mut guided_a, mut guided_r) = (a.clone(), r.clone());
            let mut sampler = FixedSampler::embedded(&model, 0, &mut a, &mut r)?;
            task_lines(&model, run, &mut sampler, |class, x, rng| {
                let guidance = Guidance {
                    class,
                    weight: GUIDANCE_Q16,
                };
                let (a, r) = (&mut guided_a, &mut guided_r);
                draw(
                    &mut FixedSampler::embedded_guided(&model, 0, guidance, a, r)?,
                    x,
                    rng,
                )
            })?
        }
    };
    Ok(lines)
}

/// Every line but the `cost` ones the firmware built as `run` prints for
/// the model in `bytes`: the `model` line, then [`expected_tasks`].
pub fn expected_output(bytes: &[u8], run: &Run) -> Result<Vec<String>, LinesError> {
    let model = Model::parse(bytes)?;
    let mut lines = vec![model_line(&model)];
    lines.extend(expected_tasks(bytes, run)?);
    Ok(lines)
}
