//! What the firmware prints for a model, computed on the host with the
//! runtime: the lines of firmware/app's tasks (plain samples, guided
//! samples of each class, imputations, SDEdit denoisings and anomaly
//! verdicts; their format is documented in firmware/app/src/lib.rs).
//! tests/firmware.rs compares the Rust firmware with them, tests/c_api.rs
//! the C example on the host and in QEMU.

use tinyscore::fixed::{FixedSampler, FixedScratch, STATE_FRAC_BITS};
use tinyscore::format::{self, Backend, Model};
use tinyscore::net::Guidance;
use tinyscore::noise::{Generator, stream};
use tinyscore::plan::Plan;
use tinyscore::sampler::Sampler;
use tinyscore::stepper::{StateValue, Stepper};

/// Items of each task (firmware/app `SAMPLES`).
pub const ITEMS: usize = 64;
/// The seed of every task (firmware/app `SEED`).
pub const SEED: u64 = 2026;

/// What the firmware does with a state element, as firmware/app's
/// `Element` does it.
pub trait Element: StateValue {
    fn word(self) -> u32;
    fn spiked(self) -> Self;
    fn score_bits(score: Self::Score) -> u64;
}

/// Spike of the anomaly example, model units (firmware/app `SPIKE`).
const SPIKE: i32 = 4;

impl Element for f32 {
    fn word(self) -> u32 {
        self.to_bits()
    }
    fn spiked(self) -> Self {
        self + SPIKE as f32
    }
    fn score_bits(score: f32) -> u64 {
        u64::from(score.to_bits())
    }
}

impl Element for i32 {
    fn word(self) -> u32 {
        self as u32
    }
    fn spiked(self) -> Self {
        self.saturating_add(SPIKE << STATE_FRAC_BITS)
    }
    fn score_bits(score: i64) -> u64 {
        score as u64
    }
}

/// The generator of item `i`: the stream of item `i` of [`SEED`].
pub fn item_rng(i: usize) -> Generator {
    stream(SEED, i as u64)
}

/// One sample in model units: noise, then every row.
pub fn draw<S: Stepper>(stepper: &mut S, x: &mut [S::Value], rng: &mut Generator) {
    stepper.init(x, rng).unwrap();
    while stepper.step(x, rng).unwrap() {}
}

/// `<label> [<word>, …]`, the words also added to `crc`.
fn state_line<T: Element>(label: String, x: &[T], crc: &mut format::Crc32) -> String {
    let hex: Vec<String> = x
        .iter()
        .map(|v| {
            crc.update(&v.word().to_le_bytes());
            format!("{:08x}", v.word())
        })
        .collect();
    format!("{label} [{}]", hex.join(", "))
}

/// The lines of the firmware's tasks, computed on the host with
/// `stepper` (plan 0) and `guided(class, x, rng)`, which draws a guided
/// sample.
fn task_lines<S: Stepper>(
    model: &Model<'_>,
    stepper: &mut S,
    mut guided: impl FnMut(u32, &mut [S::Value], &mut Generator),
) -> Vec<String>
where
    S::Value: Element,
{
    let dim = model.topology().x_dim() as usize;
    let n = ITEMS;
    let mut lines = Vec::new();
    let mut x = vec![S::Value::default(); dim];
    let mut crc = format::Crc32::new();
    for i in 0..n {
        draw(stepper, &mut x, &mut item_rng(i));
        lines.push(state_line(format!("sample {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    if model.classes() > 0 {
        let mut crc = format::Crc32::new();
        for i in 0..n {
            let class = i as u32 % model.classes();
            guided(class, &mut x, &mut item_rng(i));
            lines.push(state_line(
                format!("guided {i} class {class}"),
                &x,
                &mut crc,
            ));
        }
        lines.push(format!("crc {:08x}", crc.finish()));
    }
    // firmware/app's `dropped` and `RESAMPLE`
    let mut crc = format::Crc32::new();
    let mut observed = vec![S::Value::default(); dim];
    for i in 0..n {
        let mut rng = item_rng(i);
        draw(stepper, &mut observed, &mut rng);
        let mask: Vec<bool> = (0..dim)
            .map(|j| j % 4 != (i % 4) % dim.clamp(1, 4))
            .collect();
        stepper
            .impute(&mut x, &observed, &mask, 2, &mut rng)
            .unwrap();
        lines.push(state_line(format!("impute {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    // firmware/app's SDEdit from the middle row
    let middle = model.plan(0).unwrap().header().rows / 2;
    let mut crc = format::Crc32::new();
    for i in 0..n {
        let mut rng = item_rng(i);
        draw(stepper, &mut x, &mut rng);
        x[i % dim] = x[i % dim].spiked();
        stepper.sdedit(&mut x, middle, &mut rng).unwrap();
        lines.push(state_line(format!("denoise {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    if let Some(detector) = model.anomaly() {
        assert_eq!(detector.plan(), 0, "the fixtures' detectors use plan 0");
        let mut work = vec![S::Value::default(); 2 * dim];
        for i in 0..n {
            let mut rng = item_rng(i);
            draw(stepper, &mut x, &mut rng);
            for input in ["normal", "spike"] {
                if input == "spike" {
                    x[i % dim] = x[i % dim].spiked();
                }
                let verdict = stepper.detect(&x, &detector, &mut work, &mut rng).unwrap();
                let bits = S::Value::score_bits(verdict.score);
                lines.push(format!("score {i} {input} {bits:016x} {}", verdict.anomaly));
            }
        }
    }
    lines
}

/// Every line but the `model` and `cost` ones the firmware prints for
/// `bytes`, computed on the host.
pub fn expected(bytes: &[u8]) -> Vec<String> {
    let model = Model::parse(bytes).unwrap();
    match model.backend() {
        Backend::F32 | Backend::F16 => {
            let mut scratch = vec![0.0; model.scratch_len()];
            let mut guided_scratch = scratch.clone();
            let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
            task_lines(&model, &mut sampler, |class, x, rng| {
                let guidance = Guidance { class, weight: 1.5 };
                let scratch = &mut guided_scratch;
                draw(
                    &mut Sampler::embedded_guided(&model, 0, guidance, scratch).unwrap(),
                    x,
                    rng,
                );
            })
        }
        Backend::Fixed => {
            let need = FixedScratch::of(&model.fixed_network().unwrap());
            let (mut a, mut r) = (vec![0; need.activations], vec![0; need.registers]);
            let (mut guided_a, mut guided_r) = (a.clone(), r.clone());
            let mut sampler = FixedSampler::embedded(&model, 0, &mut a, &mut r).unwrap();
            task_lines(&model, &mut sampler, |class, x, rng| {
                // 1.5 in Q16.16, as the firmware's GUIDANCE_Q16.
                let guidance = Guidance {
                    class,
                    weight: 3 << 15,
                };
                let (a, r) = (&mut guided_a, &mut guided_r);
                draw(
                    &mut FixedSampler::embedded_guided(&model, 0, guidance, a, r).unwrap(),
                    x,
                    rng,
                );
            })
        }
    }
}
