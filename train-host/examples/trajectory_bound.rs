//! The bound a parser would have to prove to keep a float model's samples
//! finite without a check while sampling: the largest magnitude any state
//! element can reach, row by row, over every input the plan can produce.
//!
//! Interval arithmetic on magnitudes, per element: the initial state is at
//! most `init_std · 6.34` (the noise generator's largest value); a dense
//! layer's output `o` is at most `|b_o| + max|time bias_o| + max|class
//! bias_o| + Σ_i |w_oi|·u_i` (the sinusoidal embedding's inputs are at most
//! 1); SiLU and ReLU do not grow a magnitude, tanh caps it at 1; a residual
//! add sums the two bounds; then the plan row's `|p|u + |q|o` (capped by
//! the clip), `|a|u + |b|D + |c|·6.34 + |d|h` and `|e|u + |f|D + |g|h`. In
//! f64. docs/BENCHMARKS.md ("The finite-output check") has the numbers for
//! trained models: far beyond f32's 3.4·10³⁸ within a few rows, so a parser
//! proving the bound would refuse every real model, and the float backends
//! check their outputs instead (src/finite.rs).
//!
//! ```text
//! cargo run --release -p tinyscore-train --example trajectory_bound -- MODEL.tsm...
//! ```

use tinyscore::format::{Activation, Layer, Matrix, Model};
use tinyscore::plan::Plan;

/// The noise generator's largest magnitude (src/noise.rs).
const MAX_NOISE: f64 = 6.34;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let model = Model::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        match bounds(&model) {
            Some(rows) => report(&path, &rows),
            None => println!("{path}: not a float model with an embedded plan"),
        }
    }
}

/// Prints where the bound first passes f32's largest value, and its end.
fn report(path: &str, rows: &[f64]) {
    let limit = f64::from(f32::MAX);
    let first = rows.iter().position(|&b| b > limit);
    // Once past f64's range the bound is ∞ (or NaN, from 0·∞).
    let last = rows.last().copied().unwrap_or(0.0);
    let end = if last.is_finite() {
        format!("1e{:.0}", last.log10())
    } else {
        "beyond f64's range".to_owned()
    };
    match first {
        Some(k) => println!(
            "{path}: {} rows; the bound passes 3.4e38 after row {} of them; after the last: {end}",
            rows.len(),
            k + 1,
        ),
        None => println!(
            "{path}: {} rows; the bound stays finite in f32: {last:.3e}",
            rows.len()
        ),
    }
}

/// The state bound after each row of plan 0.
fn bounds(model: &Model<'_>) -> Option<Vec<f64>> {
    let network = model.network()?;
    let plan = model.plan(0)?;
    let header = plan.header();
    let dim = model.topology().x_dim() as usize;
    let extra = first_layer_extra(model);
    let clip = header.spec.clip.map(f64::from);
    let mut x = vec![f64::from(header.init_std) * MAX_NOISE; dim];
    let mut h = vec![0.0; dim];
    let mut after = Vec::new();
    for r in 0..header.rows as usize {
        let row = plan.row(r)?;
        let out = network_bound(model, &network, &x, &extra);
        let c = |v: f32| f64::from(v).abs();
        let mut next = Vec::with_capacity(dim);
        for ((xi, oi), hi) in x.iter().zip(&out).zip(h.iter_mut()) {
            let d = c(row.p) * xi + c(row.q) * oi;
            let d = clip.map_or(d, |limit| d.min(limit));
            next.push(c(row.a) * xi + c(row.b) * d + c(row.c) * MAX_NOISE + c(row.d) * *hi);
            *hi = c(row.e) * xi + c(row.f) * d + c(row.g) * *hi;
        }
        x = next;
        after.push(x.iter().copied().fold(0.0, f64::max));
    }
    Some(after)
}

/// Per output of the first dense layer: the largest time-bias value (over
/// the rows of plan 0's table) plus the largest class-bias value (over the
/// classes and the unconditional row).
fn first_layer_extra(model: &Model<'_>) -> Vec<f64> {
    let largest = |rows: &mut dyn Iterator<Item = Vec<f32>>| {
        rows.fold(Vec::<f64>::new(), |mut acc, row| {
            acc.resize(acc.len().max(row.len()), 0.0);
            for (a, v) in acc.iter_mut().zip(row) {
                *a = a.max(f64::from(v).abs());
            }
            acc
        })
    };
    let time = model.time_bias(0).map_or_else(Vec::new, |t| {
        largest(
            &mut (0..t.rows())
                .filter_map(|r| t.row(r))
                .map(|r| r.iter().collect()),
        )
    });
    let class = model.class_bias().map_or_else(Vec::new, |c| {
        let rows = (0..c.classes()).map(Some).chain([None]);
        largest(
            &mut rows
                .filter_map(|k| c.f32_row(k))
                .map(|r| r.iter().collect()),
        )
    });
    let width = time.len().max(class.len());
    (0..width)
        .map(|o| time.get(o).unwrap_or(&0.0) + class.get(o).unwrap_or(&0.0))
        .collect()
}

/// The bound on each network output for inputs bounded by `x` (and a
/// sinusoidal embedding, if any, bounded by 1).
fn network_bound(
    model: &Model<'_>,
    network: &tinyscore::net::Network<'_>,
    x: &[f64],
    extra: &[f64],
) -> Vec<f64> {
    let topology = model.topology();
    let mut u: Vec<f64> = x.to_vec();
    u.resize(x.len() + topology.time().input_width() as usize, 1.0);
    let mut saved = Vec::new();
    let mut denses = network.weights().dense_layers(topology);
    let mut first = true;
    for layer in topology.layers() {
        match layer {
            Layer::Dense { input, output } => {
                let Some(dense) = denses.next() else { break };
                let weights: Vec<f32> = match dense.matrix {
                    Matrix::F32(w) => w.iter().collect(),
                    Matrix::F16(w) => w.iter().map(f32::from).collect(),
                };
                let mut next = Vec::with_capacity(output as usize);
                for (o, row) in weights.chunks_exact(input as usize).enumerate() {
                    let bias = f64::from(dense.bias.get(o).unwrap_or(0.0)).abs();
                    let added = if first {
                        extra.get(o).copied().unwrap_or(0.0)
                    } else {
                        0.0
                    };
                    let sum: f64 = row
                        .iter()
                        .zip(&u)
                        .map(|(w, b)| f64::from(*w).abs() * b)
                        .sum();
                    next.push(bias + added + sum);
                }
                u = next;
                first = false;
            }
            Layer::Activation(Activation::Tanh) => u.iter_mut().for_each(|v| *v = v.min(1.0)),
            Layer::Activation(_) => {}
            Layer::SaveResidual => saved.clone_from(&u),
            Layer::AddResidual => u.iter_mut().zip(&saved).for_each(|(v, s)| *v += s),
        }
    }
    u
}
