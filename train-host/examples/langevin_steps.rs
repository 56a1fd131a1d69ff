//! Samples of a Langevin or predictor–corrector model with the step sizes
//! of score_sde's signal-to-noise rule taken three ways, for the
//! comparison in docs/BENCHMARKS.md ("Langevin step sizes"): `gaussian`,
//! the plan compiled from the schedule alone (the norms of Gaussian data,
//! `δ = 2(snr·σ)²`); `batch`, the norms of the n trajectories being
//! sampled averaged over them, as score_sde (`tinyscore::snr_steps` with
//! `Pooling::Batch`); `per-sample`, each trajectory's own norms, as a
//! device sampling one sample at a time would compute them. The exported
//! file's own rows (measured on 256 other trajectories) are what
//! `tinyscore sample` draws.
//!
//! ```text
//! cargo run --release -p tinyscore-train --example langevin_steps -- \
//!     MODEL.tsm N SEED gaussian|batch|per-sample OUT.csv
//! ```

use tinyscore::format::Model;
use tinyscore::plan::{Compiler, Plan, PlanRow, RowsPlan};
use tinyscore::sampler::Sampler;
use tinyscore_train::output::write_samples;
use tinyscore_train::random::stream;
use tinyscore_train::snr_steps::{Pooling, run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, n, seed, mode, out] = args.as_slice() else {
        eprintln!("usage: langevin_steps MODEL.tsm N SEED gaussian|batch|per-sample OUT.csv");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (n, seed): (usize, u64) = (n.parse().expect("N"), seed.parse().expect("SEED"));
    let model = Model::parse(&bytes).expect("model");
    let embedded = model.plan(0).expect("an embedded plan").header();
    // The compiler gives the Gaussian-data steps whether or not the file's
    // rows were measured.
    let spec = embedded.spec;
    assert!(
        spec.sampler.snr_step().is_some(),
        "a plan by the signal-to-noise rule"
    );
    let compiler = Compiler::new(model.schedule(), spec).expect("plan");
    let mut rows = vec![PlanRow::from_array([0.0; 12]); compiler.header().rows as usize];
    compiler.compile_into(&mut rows).expect("rows");
    let dim = model.topology().x_dim() as usize;
    let samples = match mode.as_str() {
        "gaussian" => {
            let plan = RowsPlan::new(compiler.header(), &rows);
            let mut scratch = vec![0.0f32; model.scratch_len()];
            let mut sampler = Sampler::new(&model, plan, &mut scratch).expect("sampler");
            let mut x = vec![0.0f32; n * dim];
            for (i, xi) in x.chunks_mut(dim).enumerate() {
                sampler
                    .sample(xi, &mut stream(seed, i as u64))
                    .expect("sample");
            }
            x
        }
        "batch" | "per-sample" => {
            let pooling = if mode == "batch" {
                Pooling::Batch
            } else {
                Pooling::PerSample
            };
            run(&bytes, compiler.header(), &rows, n, seed, pooling)
                .expect("measured run")
                .samples
        }
        other => panic!("unknown mode {other}"),
    };
    write_samples(out.as_ref(), &samples, dim).expect("write");
}
