//! Classifier-free guidance on the 8 Gaussians by component, in the f32 and
//! the fixed-point backend. Not a test and not timed: it prints a Markdown
//! table of how many samples generated for class c fall nearest to
//! component c, and how far they are from its centre.
//!
//! ```text
//! cargo run --release -p tinyscore-train -- train --data 8gaussians --labels component --out RUN --steps 5000
//! cargo bench -p tinyscore-train --bench guidance -- RUN
//! ```
//!
//! The model is exported with a DDIM plan of 50 steps (the demo's); 250
//! samples per class and weight, from seeds that do not depend on the
//! backend. A guided row evaluates the network twice (with the class and
//! without), so it costs twice an unguided row on the device.

use std::path::PathBuf;
use tinyscore::net::Guidance;
use tinyscore::plan::SamplerKind;
use tinyscore::schedule::Spacing;
use tinyscore_train::calibrate::Calibration;
use tinyscore_train::data::{EIGHT_GAUSSIANS_STD, eight_gaussians_mixture};
use tinyscore_train::export::{Backend, ExportOptions, FixedTime, X0Clip, export};
use tinyscore_train::host_sampling::sample;

const PER_CLASS: usize = 250;

fn main() {
    let run_dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/guidance/run-8gaussians"));
    let state = tinyscore_train::train::load(&run_dir).expect("a trained, labelled 8gaussians run");
    let mixture = eight_gaussians_mixture();
    let centres: Vec<&[f64]> = mixture.components().iter().map(|c| &c.mean[..]).collect();
    let nearest = |p: &[f32]| {
        (0..centres.len())
            .min_by(|&a, &b| distance(p, centres[a]).total_cmp(&distance(p, centres[b])))
            .unwrap_or(0)
    };

    println!(
        "| backend | w | nearest own component (worst class) | mean distance to own centre / component std |"
    );
    println!("|---|---|---|---|");
    for backend in [
        Backend::F32,
        Backend::Fixed {
            calibration: Calibration::default(),
            time: FixedTime::Auto,
        },
    ] {
        let opts = ExportOptions {
            backend,
            sampler: SamplerKind::Ddim { eta: 0.0 },
            steps: 50,
            spacing: Spacing::Trailing,
            clip: X0Clip::default(),
        };
        let bytes = export(&state, &opts).expect("export");
        let name = if matches!(backend, Backend::F32) {
            "f32"
        } else {
            "fixed"
        };
        for weight in [0.0f32, 1.0, 3.0] {
            let (mut own, mut worst, mut spread) = (0usize, usize::MAX, 0f64);
            for class in 0..centres.len() as u32 {
                let guidance = Guidance { class, weight };
                let seed = 7000 + u64::from(class);
                let samples =
                    sample(&bytes, PER_CLASS, seed, None, Some(guidance), false).expect("sample");
                let hits = samples
                    .rows
                    .chunks_exact(2)
                    .filter(|p| nearest(p) == class as usize)
                    .count();
                own += hits;
                worst = worst.min(hits);
                spread += samples
                    .rows
                    .chunks_exact(2)
                    .map(|p| distance(p, centres[class as usize]).sqrt())
                    .sum::<f64>();
            }
            let total = PER_CLASS * centres.len();
            println!(
                "| {name} | {weight} | {:.1}% ({:.1}%) | {:.2} |",
                100.0 * own as f64 / total as f64,
                100.0 * worst as f64 / PER_CLASS as f64,
                spread / total as f64 / EIGHT_GAUSSIANS_STD,
            );
        }
    }
}

/// Squared distance of a 2-D point to a centre.
fn distance(p: &[f32], c: &[f64]) -> f64 {
    p.iter()
        .zip(c)
        .map(|(x, m)| (f64::from(*x) - m).powi(2))
        .sum()
}
