//! The trainable ε-network: the runtime's layer list (dense, activation,
//! residual save/add) with forward, backward and forward-mode (JVP) passes
//! over a batch, by hand.
//!
//! The network family is exactly what the runtime runs, and parameters are
//! one flat vector in the runtime's weight order (per dense layer: `W`
//! row-major `out×in`, then `b`), so export is a copy. Why by hand and not an
//! autodiff crate: see docs/ARCHITECTURE.md ("Training engine").

use crate::real::{Op, Real};
use tinyscore::format::{Activation, Layer};

/// The network's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Data dimension.
    pub x_dim: usize,
    /// Width of the time embedding appended to the input.
    pub emb_dim: usize,
    /// The layers, in the runtime's terms.
    pub layers: Vec<Layer>,
}

/// Intermediate values of a batch forward pass, kept for backward.
#[derive(Clone, Debug, Default)]
pub struct Cache<T> {
    /// Input of every layer (batch×width, row-major), and the final output.
    pub values: Vec<Vec<T>>,
    /// For each activation layer, φ' at its input (empty for other layers):
    /// computed with the output, so backward and JVP need no second `exp`.
    slopes: Vec<Vec<T>>,
    batch: usize,
}

/// Tangents of a forward-mode pass (directional derivatives w.r.t. the
/// input), one per layer input, and the final output.
#[derive(Clone, Debug, Default)]
pub struct Tangents<T> {
    /// `∂(layer input)/∂x · v` for every layer, and for the output.
    pub values: Vec<Vec<T>>,
}

impl Mlp {
    /// The standard residual MLP: `Dense(x+emb → width)`, activation, then
    /// `depth − 1` blocks of `save, Dense(width → width), activation, add`,
    /// then `Dense(width → x)`.
    pub fn residual(
        x_dim: usize,
        emb_dim: usize,
        width: usize,
        depth: usize,
        act: Activation,
    ) -> Self {
        let w = width as u32;
        let mut layers = vec![
            Layer::Dense {
                input: (x_dim + emb_dim) as u32,
                output: w,
            },
            Layer::Activation(act),
        ];
        for _ in 1..depth.max(1) {
            layers.extend([
                Layer::SaveResidual,
                Layer::Dense {
                    input: w,
                    output: w,
                },
                Layer::Activation(act),
                Layer::AddResidual,
            ]);
        }
        layers.push(Layer::Dense {
            input: w,
            output: x_dim as u32,
        });
        Mlp {
            x_dim,
            emb_dim,
            layers,
        }
    }

    /// Width of the input (data plus embedding).
    pub fn input_width(&self) -> usize {
        self.x_dim + self.emb_dim
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        self.dense().map(|(_, i, o)| o * i + o).sum()
    }

    /// Weight-decay multipliers: 1 for every weight, 0 for every bias.
    pub fn decay_mask(&self) -> Vec<f32> {
        let mut mask = Vec::with_capacity(self.param_count());
        for (_, i, o) in self.dense() {
            mask.extend(std::iter::repeat_n(1.0, o * i));
            mask.extend(std::iter::repeat_n(0.0, o));
        }
        mask
    }

    /// `(layer index, input, output)` of every dense layer.
    fn dense(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.layers
            .iter()
            .enumerate()
            .filter_map(|(k, l)| match *l {
                Layer::Dense { input, output } => Some((k, input as usize, output as usize)),
                _ => None,
            })
    }

    /// Offset of each layer's parameters in the flat vector (dense layers only).
    fn offsets(&self) -> Vec<usize> {
        let mut off = 0;
        self.layers
            .iter()
            .map(|l| {
                let here = off;
                if let Layer::Dense { input, output } = *l {
                    off += (output * input + output) as usize;
                }
                here
            })
            .collect()
    }

    /// PyTorch's `nn.Linear` initialisation: `W`, `b` ~ U(−1/√in, 1/√in),
    /// except the last layer, which starts at zero output scale ×0.1 so the
    /// untrained model predicts small ε.
    pub fn init(&self, mut uniform: impl FnMut() -> f64) -> Vec<f32> {
        let mut params = Vec::with_capacity(self.param_count());
        let last = self.dense().last().map(|(k, _, _)| k);
        for (k, i, o) in self.dense() {
            let bound = 1.0 / (i as f64).sqrt() * if Some(k) == last { 0.1 } else { 1.0 };
            for _ in 0..o * i + o {
                params.push(((2.0 * uniform() - 1.0) * bound) as f32);
            }
        }
        params
    }

    /// Forward pass of a batch (`input`: batch×input_width). The output
    /// (batch×x_dim) is `cache.values.last()`.
    pub fn forward<T: Real>(&self, params: &[T], input: &[T], batch: usize, cache: &mut Cache<T>) {
        assert_eq!(params.len(), self.param_count(), "parameter count");
        assert_eq!(input.len(), batch * self.input_width(), "input size");
        cache.batch = batch;
        cache.values.clear();
        cache.slopes.clear();
        cache.values.push(input.to_vec());
        let offsets = self.offsets();
        let mut saved: Option<usize> = None;
        for (k, layer) in self.layers.iter().enumerate() {
            let x = &cache.values[k];
            let y = match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, b) = weights(params, offsets[k], i, o);
                    let mut y: Vec<T> = (0..batch).flat_map(|_| b.iter().copied()).collect();
                    T::gemm(
                        batch,
                        i,
                        o,
                        T::from_f64(1.0),
                        x,
                        Op::Plain,
                        w,
                        Op::Transposed,
                        T::from_f64(1.0),
                        &mut y,
                    );
                    y
                }
                Layer::Activation(a) => {
                    let (y, slope): (Vec<T>, Vec<T>) = x.iter().map(|&v| activate(a, v)).unzip();
                    cache.slopes.push(slope);
                    cache.values.push(y);
                    continue;
                }
                Layer::SaveResidual => {
                    saved = Some(k);
                    x.clone()
                }
                Layer::AddResidual => {
                    let skip = &cache.values[saved.take().expect("validated topology") + 1];
                    x.iter().zip(skip).map(|(&a, &b)| a + b).collect()
                }
            };
            cache.slopes.push(Vec::new());
            cache.values.push(y);
        }
    }

    /// Backward pass: accumulates `∂L/∂θ` into `grads` given `∂L/∂out`
    /// (batch×x_dim) for the forward pass in `cache`; returns `∂L/∂input`.
    pub fn backward<T: Real>(
        &self,
        params: &[T],
        cache: &Cache<T>,
        d_out: &[T],
        grads: &mut [T],
    ) -> Vec<T> {
        let batch = cache.batch;
        let offsets = self.offsets();
        let mut dy = d_out.to_vec();
        let mut d_skip: Option<Vec<T>> = None;
        for (k, layer) in self.layers.iter().enumerate().rev() {
            let x = &cache.values[k];
            dy = match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, _) = weights(params, offsets[k], i, o);
                    let (gw, gb) = grads[offsets[k]..offsets[k] + o * i + o].split_at_mut(o * i);
                    // dW += dYᵀ·X, db += Σ_rows dY, dX = dY·W
                    T::gemm(
                        o,
                        batch,
                        i,
                        T::from_f64(1.0),
                        &dy,
                        Op::Transposed,
                        x,
                        Op::Plain,
                        T::from_f64(1.0),
                        gw,
                    );
                    for row in dy.chunks_exact(o) {
                        for (g, &d) in gb.iter_mut().zip(row) {
                            *g += d;
                        }
                    }
                    let mut dx = vec![T::default(); batch * i];
                    T::gemm(
                        batch,
                        o,
                        i,
                        T::from_f64(1.0),
                        &dy,
                        Op::Plain,
                        w,
                        Op::Plain,
                        T::from_f64(0.0),
                        &mut dx,
                    );
                    dx
                }
                Layer::Activation(_) => dy
                    .iter()
                    .zip(&cache.slopes[k])
                    .map(|(&d, &s)| d * s)
                    .collect(),
                Layer::AddResidual => {
                    d_skip = Some(dy.clone());
                    dy
                }
                Layer::SaveResidual => {
                    let skip = d_skip.take().expect("validated topology");
                    dy.iter().zip(&skip).map(|(&a, &b)| a + b).collect()
                }
            };
        }
        dy
    }

    /// Forward-mode pass: the directional derivative of every layer's input
    /// along `v` (batch×input_width; zero in the embedding columns for a
    /// derivative w.r.t. x), for the forward pass in `cache`. The output's
    /// tangent `J·v` is `tangents.values.last()`.
    pub fn jvp<T: Real>(
        &self,
        params: &[T],
        cache: &Cache<T>,
        v: &[T],
        tangents: &mut Tangents<T>,
    ) {
        let batch = cache.batch;
        let offsets = self.offsets();
        tangents.values.clear();
        tangents.values.push(v.to_vec());
        let mut saved: Option<usize> = None;
        for (k, layer) in self.layers.iter().enumerate() {
            let dx = &tangents.values[k];
            let dy = match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, _) = weights(params, offsets[k], i, o);
                    let mut dy = vec![T::default(); batch * o];
                    T::gemm(
                        batch,
                        i,
                        o,
                        T::from_f64(1.0),
                        dx,
                        Op::Plain,
                        w,
                        Op::Transposed,
                        T::from_f64(0.0),
                        &mut dy,
                    );
                    dy
                }
                Layer::Activation(_) => dx
                    .iter()
                    .zip(&cache.slopes[k])
                    .map(|(&d, &s)| d * s)
                    .collect(),
                Layer::SaveResidual => {
                    saved = Some(k);
                    dx.clone()
                }
                Layer::AddResidual => {
                    let skip = &tangents.values[saved.take().expect("validated topology") + 1];
                    dx.iter().zip(skip).map(|(&a, &b)| a + b).collect()
                }
            };
            tangents.values.push(dy);
        }
    }

    /// Backward pass through the forward-mode pass (forward-over-reverse):
    /// given `∂L/∂out` (`d_out`) and `∂L/∂(J·v)` (`d_tangent`) for the passes
    /// in `cache` and `tangents`, accumulates `∂L/∂θ` into `grads`.
    /// The input and `v` are treated as constants.
    pub fn backward_with_tangent<T: Real>(
        &self,
        params: &[T],
        cache: &Cache<T>,
        tangents: &Tangents<T>,
        d_out: &[T],
        d_tangent: &[T],
        grads: &mut [T],
    ) {
        let batch = cache.batch;
        let offsets = self.offsets();
        // Adjoints of the primal value (dy) and of its tangent (dt) at the
        // current layer's output.
        let mut dy = d_out.to_vec();
        let mut dt = d_tangent.to_vec();
        let mut skip: Option<(Vec<T>, Vec<T>)> = None;
        let one = T::from_f64(1.0);
        for (k, layer) in self.layers.iter().enumerate().rev() {
            let x = &cache.values[k];
            let tx = &tangents.values[k];
            (dy, dt) = match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, _) = weights(params, offsets[k], i, o);
                    let (gw, gb) = grads[offsets[k]..offsets[k] + o * i + o].split_at_mut(o * i);
                    // y = W x + b and ẏ = W ẋ: dW += dyᵀx + dtᵀẋ, db += Σ dy.
                    T::gemm(o, batch, i, one, &dy, Op::Transposed, x, Op::Plain, one, gw);
                    T::gemm(
                        o,
                        batch,
                        i,
                        one,
                        &dt,
                        Op::Transposed,
                        tx,
                        Op::Plain,
                        one,
                        gw,
                    );
                    for row in dy.chunks_exact(o) {
                        for (g, &d) in gb.iter_mut().zip(row) {
                            *g += d;
                        }
                    }
                    let mut dx = vec![T::default(); batch * i];
                    let mut dtx = vec![T::default(); batch * i];
                    T::gemm(
                        batch,
                        o,
                        i,
                        one,
                        &dy,
                        Op::Plain,
                        w,
                        Op::Plain,
                        T::from_f64(0.0),
                        &mut dx,
                    );
                    T::gemm(
                        batch,
                        o,
                        i,
                        one,
                        &dt,
                        Op::Plain,
                        w,
                        Op::Plain,
                        T::from_f64(0.0),
                        &mut dtx,
                    );
                    (dx, dtx)
                }
                Layer::Activation(a) => {
                    // y = φ(p), ẏ = φ'(p)·ṗ: dp = dy·φ'(p) + dt·φ''(p)·ṗ, dṗ = dt·φ'(p).
                    let mut dp = Vec::with_capacity(x.len());
                    let mut dtp = Vec::with_capacity(x.len());
                    let slopes = &cache.slopes[k];
                    for ((((&g, &gt), &p), &tp), &d1) in
                        dy.iter().zip(&dt).zip(x).zip(tx).zip(slopes)
                    {
                        dp.push(g * d1 + gt * second_derivative(a, p) * tp);
                        dtp.push(gt * d1);
                    }
                    (dp, dtp)
                }
                Layer::AddResidual => {
                    skip = Some((dy.clone(), dt.clone()));
                    (dy, dt)
                }
                Layer::SaveResidual => {
                    let (sy, st) = skip.take().expect("validated topology");
                    (
                        dy.iter().zip(&sy).map(|(&a, &b)| a + b).collect(),
                        dt.iter().zip(&st).map(|(&a, &b)| a + b).collect(),
                    )
                }
            };
        }
    }
}

fn weights<T>(params: &[T], offset: usize, i: usize, o: usize) -> (&[T], &[T]) {
    params[offset..offset + o * i + o].split_at(o * i)
}

/// `(φ(x), φ'(x))`, sharing the one transcendental call.
fn activate<T: Real>(a: Activation, x: T) -> (T, T) {
    let one = T::from_f64(1.0);
    match a {
        Activation::Relu => {
            if x > T::default() {
                (x, one)
            } else {
                (T::default(), T::default())
            }
        }
        Activation::Silu => {
            let s = one / (one + (-x).exp());
            (x * s, s * (one + x * (one - s)))
        }
        Activation::Tanh => {
            let t = x.tanh();
            (t, one - t * t)
        }
    }
}

fn second_derivative<T: Real>(a: Activation, x: T) -> T {
    let one = T::from_f64(1.0);
    let two = T::from_f64(2.0);
    match a {
        Activation::Relu => T::default(),
        Activation::Silu => {
            // φ = x·s, φ' = s + x·s(1−s), φ'' = s(1−s)(2 + x(1 − 2s)).
            let s = one / (one + (-x).exp());
            s * (one - s) * (two + x * (one - two * s))
        }
        Activation::Tanh => {
            let t = x.tanh();
            -two * t * (one - t * t)
        }
    }
}
