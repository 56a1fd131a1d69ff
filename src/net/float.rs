//! The float backends: f32 arithmetic over f32 weights (the reference) or
//! f16 weights.
//!
//! Operation order is fixed and written out (a dense output is
//! `b + dot(w, x)` with the four-lane [`dot`]); Rust never contracts `a*b + c` into an FMA
//! and never reassociates, and transcendental functions come from `libm`
//! (pure Rust), so the result is the same on every target. f16 weights are
//! widened to f32 (exactly, [`super::Widen`]) as they are read, and then go
//! through the same operations in the same order.

use super::{Denoiser, NetError, TimeInput, Widen};
use crate::finite::all_finite;
use crate::format::{
    Activation, ClassBias, F32s, FloatWeights, Layer, LeValues, Matrix, TimeConditioning, Topology,
};
use crate::plan::Prediction;

/// A float network reading its weights in place.
#[derive(Clone, Copy, Debug)]
pub struct Network<'a> {
    topology: Topology<'a>,
    weights: FloatWeights<'a>,
    classes: Option<ClassBias<'a>>,
    /// The class-bias row added to the first dense layer: the chosen
    /// class's, or the unconditional one.
    class: Option<F32s<'a>>,
}

impl<'a> Network<'a> {
    /// A network over validated topology, weights and class-bias rows (from
    /// [`crate::format::Model::network`]), unconditional.
    pub(crate) fn new(
        topology: Topology<'a>,
        weights: FloatWeights<'a>,
        classes: Option<ClassBias<'a>>,
    ) -> Self {
        Network {
            topology,
            weights,
            classes,
            class: classes.and_then(|c| c.f32_row(None)),
        }
    }

    /// The same network conditioned on `class`; `None` if the model is not
    /// class-conditional or has no such class.
    pub fn with_class(self, class: u32) -> Option<Self> {
        let row = self.classes?.f32_row(Some(class))?;
        Some(Network {
            class: Some(row),
            ..self
        })
    }

    /// The weights.
    pub fn weights(&self) -> FloatWeights<'a> {
        self.weights
    }

    /// The topology.
    pub fn topology(&self) -> Topology<'a> {
        self.topology
    }
}

impl Denoiser for Network<'_> {
    fn x_dim(&self) -> usize {
        self.topology.x_dim() as usize
    }

    fn prediction(&self) -> Prediction {
        self.topology.prediction()
    }

    /// Three vectors of the widest layer (current, next, saved residual).
    fn scratch_len(&self) -> usize {
        3 * self.topology.max_width() as usize
    }

    fn forward(
        &self,
        x: &[f32],
        time: TimeInput<'_>,
        scratch: &mut [f32],
        out: &mut [f32],
    ) -> Result<(), NetError> {
        let dim = self.topology.x_dim() as usize;
        let width = self.topology.max_width() as usize;
        if x.len() != dim || out.len() != dim {
            return Err(NetError::Dimension {
                expected: self.topology.x_dim(),
            });
        }
        let scratch_error = NetError::Scratch {
            needed: 3 * self.topology.max_width(),
        };
        let scratch = scratch.get_mut(..3 * width).ok_or(scratch_error)?;
        let (mut cur, rest) = scratch.split_at_mut_checked(width).ok_or(scratch_error)?;
        let (mut next, skip) = rest.split_at_mut_checked(width).ok_or(scratch_error)?;

        // Input: x, then the time embedding if the model has one.
        let (time_bias, mut w) = match (self.topology.time(), time) {
            (
                TimeConditioning::Sinusoidal {
                    dim: e,
                    max_period,
                    scale,
                },
                TimeInput::Time(t),
            ) => {
                let (head, tail) = cur.split_at_mut_checked(dim).ok_or(scratch_error)?;
                copy_prefix(head, x);
                let emb = tail.get_mut(..e as usize).ok_or(scratch_error)?;
                sinusoidal_embedding(t * scale, max_period, emb);
                (None, dim + e as usize)
            }
            (TimeConditioning::BiasTable, TimeInput::Bias(row)) => {
                if row.len() != self.topology.first_dense_output() as usize {
                    return Err(NetError::TimeInput);
                }
                copy_prefix(cur, x);
                (Some(row), dim)
            }
            _ => return Err(NetError::TimeInput),
        };

        let mut denses = self.weights.dense_layers(self.topology);
        let mut first_dense = true;
        for (index, layer) in self.topology.layers().enumerate() {
            match layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let Some(weights) = denses.next() else { break };
                    let extra = if first_dense {
                        [time_bias, self.class]
                    } else {
                        [None, None]
                    };
                    let (x, y) = (
                        cur.get(..i).unwrap_or(&[]),
                        next.get_mut(..o).unwrap_or(&mut []),
                    );
                    match weights.matrix {
                        Matrix::F32(w) => dense(w, weights.bias, extra, x, y),
                        Matrix::F16(w) => dense(w, weights.bias, extra, x, y),
                    }
                    if !all_finite(y) {
                        return Err(non_finite(index));
                    }
                    first_dense = false;
                    core::mem::swap(&mut cur, &mut next);
                    w = o;
                }
                Layer::Activation(a) => activate(a, cur.get_mut(..w).unwrap_or(&mut [])),
                Layer::SaveResidual => copy_prefix(skip, cur.get(..w).unwrap_or(&[])),
                Layer::AddResidual => {
                    for (c, s) in cur.iter_mut().zip(skip.iter()).take(w) {
                        *c += *s;
                    }
                }
            }
        }
        copy_prefix(out, cur.get(..dim).unwrap_or(&[]));
        if !all_finite(out) {
            return Err(non_finite(self.topology.len()));
        }
        Ok(())
    }
}

/// [`NetError::NonFinite`] for the layer at `index` (the topology's length
/// for the output after its last layer).
fn non_finite(index: usize) -> NetError {
    NetError::NonFinite {
        layer: u32::try_from(index).unwrap_or(u32::MAX),
    }
}

/// Copies `src` into the start of `dst` (as much as fits).
fn copy_prefix(dst: &mut [f32], src: &[f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// `out = W·x + b (+ time bias) (+ class bias)`, `W` row-major, accumulated
/// left to right starting from the bias.
fn dense<T: Widen<N>, const N: usize>(
    weights: LeValues<'_, T, N>,
    bias: F32s<'_>,
    extra: [Option<F32s<'_>>; 2],
    x: &[f32],
    out: &mut [f32],
) {
    let n = x.len();
    for (o, slot) in out.iter_mut().enumerate() {
        let mut acc = bias.get(o).unwrap_or(0.0);
        for e in extra.iter().flatten() {
            acc += e.get(o).unwrap_or(0.0);
        }
        if let Some(row) = weights.slice(o * n, n) {
            acc += dot(row, x);
        }
        *slot = acc;
    }
}

/// `w·x` in the fixed order of every backend: four lanes, lane `k` summing
/// the products of indices `i ≡ k (mod 4)` in increasing `i`, then
/// `(s₀ + s₁) + (s₂ + s₃)`. Four independent sums keep a pipelined FPU busy
/// without making the result depend on the target. Weights of any stored
/// type are widened to f32 first, four at a time.
pub fn dot<T: Widen<N>, const N: usize>(w: LeValues<'_, T, N>, x: &[f32]) -> f32 {
    let (quads, w_rest) = w.quads();
    let (x_quads, x_rest) = x.as_chunks::<4>();
    let mut lanes = [0.0f32; 4];
    T::add_quads(&mut lanes, quads, x_quads);
    let [mut s0, mut s1, mut s2, s3] = lanes;
    // The 0–3 leftover indices belong to lanes 0, 1, 2 in order.
    let mut tail = w_rest.as_bytes().iter().zip(x_rest);
    if let Some((w, x)) = tail.next() {
        s0 += T::widen(*w) * x;
    }
    if let Some((w, x)) = tail.next() {
        s1 += T::widen(*w) * x;
    }
    if let Some((w, x)) = tail.next() {
        s2 += T::widen(*w) * x;
    }
    (s0 + s1) + (s2 + s3)
}

fn activate(a: Activation, v: &mut [f32]) {
    match a {
        Activation::Relu => v
            .iter_mut()
            .for_each(|x| *x = if *x > 0.0 { *x } else { 0.0 }),
        Activation::Silu => v.iter_mut().for_each(|x| *x /= 1.0 + libm::expf(-*x)),
        Activation::Tanh => v.iter_mut().for_each(|x| *x = libm::tanhf(*x)),
    }
}

/// `[cos(t·ω_0..half), sin(t·ω_0..half)]`, `ω_k = exp(−ln(max_period)·k/half)`
/// (diffusers' `get_timestep_embedding` with `flip_sin_to_cos`, shift 0).
pub fn sinusoidal_embedding(t: f32, max_period: f32, out: &mut [f32]) {
    let half = out.len() / 2;
    let (cos, sin) = out.split_at_mut(half);
    let log_period = libm::logf(max_period);
    for (k, (c, s)) in cos.iter_mut().zip(sin.iter_mut()).enumerate() {
        let freq = libm::expf(-log_period * k as f32 / half as f32);
        let arg = t * freq;
        *c = libm::cosf(arg);
        *s = libm::sinf(arg);
    }
}
