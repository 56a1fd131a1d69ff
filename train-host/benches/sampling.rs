//! Sampling through the runtime on the host, f32 against f16 weights: the
//! two models of `bench/firmware.sh` (2-D, width 128, class-conditional by
//! 8 Gaussians component; 64-D sine windows, width 256; 3 hidden layers
//! each), untrained (the cost does not depend on the weights' values),
//! exported with a 10-step DDIM plan, 16 samples per iteration on one
//! thread. Run: `cargo bench -p tinyscore-train --bench sampling`.
//!
//! Before timing, each model's f16 samples are checked against the f32
//! network run on the f16-rounded weights read back from the f16 file
//! (which is what an f16 model is: docs/ARCHITECTURE.md, "Network"), so
//! whichever widening path this build takes gives the same bits.

use criterion::{Criterion, criterion_group, criterion_main};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use std::hint::black_box;
use tinyscore::format::{Crc32, Matrix, Model};
use tinyscore::plan::SamplerKind;
use tinyscore::sampler::Sampler;
use tinyscore::schedule::Spacing;
use tinyscore_train::data::DataSource;
use tinyscore_train::data::Normalization;
use tinyscore_train::export::{Backend, ExportOptions, X0Clip, export};
use tinyscore_train::train::{RunState, TrainConfig};

const SAMPLES: u64 = 16;

/// An untrained run on `data` at `width`.
fn run(data: &str, width: usize, labels: Option<&str>) -> RunState {
    let config = TrainConfig {
        data: data.into(),
        width,
        n_data: 1000,
        labels: labels.map(Into::into),
        ..TrainConfig::default()
    };
    let source: DataSource = config.data.parse().expect("a built-in data set");
    let data = match labels {
        Some(l) => source.load_labelled(config.n_data, 0, l),
        None => source.load_named(config.n_data, 0),
    }
    .expect("data");
    let normalization = Normalization::fit(&data.data);
    RunState::new(config, normalization, &data).expect("a valid configuration")
}

/// `SAMPLES` samples, sample `i` from its own seed.
fn draw(model: &Model<'_>) -> Vec<f32> {
    let dim = model.topology().x_dim() as usize;
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut sampler = Sampler::embedded(model, 0, &mut scratch).expect("a plan");
    let mut out = vec![0.0f32; SAMPLES as usize * dim];
    for (i, x) in out.chunks_exact_mut(dim).enumerate() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(i as u64);
        sampler.sample(x, &mut rng).expect("finite samples");
    }
    out
}

/// The f32 export with its matrices replaced by the f16 file's, widened
/// (the biases are f32 in both files), and its CRC (docs/FORMAT.md: bytes
/// 24..28, over the rest of the file) updated.
fn widened(f32_bytes: &[u8], f16_bytes: &[u8]) -> Vec<u8> {
    let f16_model = Model::parse(f16_bytes).expect("the f16 export");
    let mut bytes = f32_bytes.to_vec();
    let f32_model = Model::parse(f32_bytes).expect("the f32 export");
    let base = f32_bytes.as_ptr() as usize;
    let topology = f32_model.topology();
    let layers = f32_model
        .network()
        .expect("float")
        .weights()
        .dense_layers(topology);
    let f16_layers = f16_model
        .network()
        .expect("float")
        .weights()
        .dense_layers(topology);
    for (a, b) in layers.zip(f16_layers) {
        let (Matrix::F32(w), Matrix::F16(h)) = (a.matrix, b.matrix) else {
            panic!("an f32 and an f16 matrix");
        };
        let start = w.as_bytes().as_ptr() as usize - base;
        for (k, v) in h.iter().enumerate() {
            let at = start + 4 * k;
            bytes[at..at + 4].copy_from_slice(&f32::from(v).to_le_bytes());
        }
    }
    let mut crc = Crc32::new();
    crc.update(&bytes[..24]);
    crc.update(&bytes[28..]);
    bytes[24..28].copy_from_slice(&crc.finish().to_le_bytes());
    bytes
}

fn bench(c: &mut Criterion) {
    for (name, state) in [
        ("2d_w128", run("8gaussians", 128, Some("component"))),
        ("64d_w256", run("sine-windows:len=64", 256, None)),
    ] {
        let export_as = |backend| {
            let opts = ExportOptions {
                backend,
                sampler: SamplerKind::Ddim { eta: 0.0 },
                steps: 10,
                spacing: Spacing::Trailing,
                clip: X0Clip::default(),
            };
            export(&state, &opts).expect("export")
        };
        let (f32_bytes, f16_bytes) = (export_as(Backend::F32), export_as(Backend::F16));
        let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
        let parse = |bytes| Model::parse(bytes).expect("an exported model");
        let widened = widened(&f32_bytes, &f16_bytes);
        assert_eq!(
            bits(draw(&parse(&f16_bytes))),
            bits(draw(&parse(&widened))),
            "{name}: the f16 samples are the f32 network's on the rounded weights"
        );
        for (backend, bytes) in [("f32", &f32_bytes), ("f16", &f16_bytes)] {
            let model = parse(bytes);
            c.bench_function(&format!("sample_{name}_ddim10_x{SAMPLES}_{backend}"), |b| {
                b.iter(|| black_box(draw(&model)))
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
