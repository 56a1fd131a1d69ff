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
    /// Width of the conditioning appended to the input: the time embedding,
    /// then for a class-conditional network the one-hot class.
    pub cond_dim: usize,
    /// The layers, in the runtime's terms.
    pub layers: Vec<Layer>,
}

/// Intermediate values of a batch forward pass, kept for backward. A cache
/// passed to [`Mlp::forward`] again reuses its buffers, so a training loop
/// allocates only on its first step.
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
/// input), one per layer input, and the final output. Reused like [`Cache`].
#[derive(Clone, Debug, Default)]
pub struct Tangents<T> {
    /// `∂(layer input)/∂x · v` for every layer, and for the output.
    pub values: Vec<Vec<T>>,
}

/// The running adjoints of the backward passes, kept between calls so that
/// they allocate only once.
#[derive(Clone, Debug, Default)]
pub struct Adjoints<T> {
    /// `∂L/∂y` and `∂L/∂ẏ` at the current layer's output.
    dy: Vec<T>,
    dt: Vec<T>,
    /// The same at the current layer's input (dense layers).
    dx: Vec<T>,
    dtx: Vec<T>,
    /// Adjoints saved at a residual add, for its save.
    skip_y: Vec<T>,
    skip_t: Vec<T>,
}

impl Mlp {
    /// Layers of [`Mlp::residual`] with `depth` hidden layers.
    pub fn residual_layer_count(depth: usize) -> usize {
        3 + 4 * (depth.max(1) - 1)
    }

    /// The standard residual MLP: `Dense(x+emb → width)`, activation, then
    /// `depth − 1` blocks of `save, Dense(width → width), activation, add`,
    /// then `Dense(width → x)`.
    pub fn residual(
        x_dim: usize,
        cond_dim: usize,
        width: usize,
        depth: usize,
        act: Activation,
    ) -> Self {
        let w = width as u32;
        let mut layers = vec![
            Layer::Dense {
                input: (x_dim + cond_dim) as u32,
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
        debug_assert_eq!(layers.len(), Self::residual_layer_count(depth));
        Mlp {
            x_dim,
            cond_dim,
            layers,
        }
    }

    /// Width of the input (data plus conditioning).
    pub fn input_width(&self) -> usize {
        self.x_dim + self.cond_dim
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
        let one = T::from_f64(1.0);
        cache.batch = batch;
        cache.values.resize_with(self.layers.len() + 1, Vec::new);
        cache.slopes.resize_with(self.layers.len(), Vec::new);
        refill(&mut cache.values[0], input);
        let mut offset = 0;
        let mut saved: Option<usize> = None;
        for (k, layer) in self.layers.iter().enumerate() {
            let (x, y, earlier) = layer_io(&mut cache.values, k);
            let slope = &mut cache.slopes[k];
            slope.clear();
            match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, b) = weights(params, offset, i, o);
                    offset += o * i + o;
                    y.clear();
                    for _ in 0..batch {
                        y.extend_from_slice(b);
                    }
                    T::gemm(batch, i, o, one, x, Op::Plain, w, Op::Transposed, one, y);
                }
                Layer::Activation(a) => {
                    y.resize(x.len(), T::default());
                    slope.resize(x.len(), T::default());
                    for ((y, s), &v) in y.iter_mut().zip(slope.iter_mut()).zip(x) {
                        (*y, *s) = activate(a, v);
                    }
                }
                Layer::SaveResidual => {
                    saved = Some(k);
                    refill(y, x);
                }
                Layer::AddResidual => {
                    let skip = &earlier[saved.take().expect("validated topology") + 1];
                    add_into(y, x, skip);
                }
            }
        }
    }

    /// Backward pass: accumulates `∂L/∂θ` into `grads` given `∂L/∂out`
    /// (batch×x_dim) for the forward pass in `cache`.
    pub fn backward<T: Real>(
        &self,
        params: &[T],
        cache: &Cache<T>,
        d_out: &[T],
        grads: &mut [T],
        adj: &mut Adjoints<T>,
    ) {
        let batch = cache.batch;
        let mut offset = self.param_count();
        refill(&mut adj.dy, d_out);
        for (k, layer) in self.layers.iter().enumerate().rev() {
            let x = &cache.values[k];
            match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    offset -= o * i + o;
                    let (w, _) = weights(params, offset, i, o);
                    let (gw, gb) = grads[offset..offset + o * i + o].split_at_mut(o * i);
                    dense_param_grads(batch, &adj.dy, x, gw, gb);
                    // The network input's adjoint is not needed.
                    if k > 0 {
                        input_adjoint(batch, &adj.dy, w, i, &mut adj.dx);
                        std::mem::swap(&mut adj.dy, &mut adj.dx);
                    }
                }
                Layer::Activation(_) => scale_by(&mut adj.dy, &cache.slopes[k]),
                Layer::AddResidual => adj.skip_y.clone_from(&adj.dy),
                Layer::SaveResidual => add_assign(&mut adj.dy, &adj.skip_y),
            }
        }
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
        let mut offset = 0;
        tangents.values.resize_with(self.layers.len() + 1, Vec::new);
        refill(&mut tangents.values[0], v);
        let mut saved: Option<usize> = None;
        for (k, layer) in self.layers.iter().enumerate() {
            let (dx, dy, earlier) = layer_io(&mut tangents.values, k);
            match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    let (w, _) = weights(params, offset, i, o);
                    offset += o * i + o;
                    dy.resize(batch * o, T::default());
                    T::gemm(
                        batch,
                        i,
                        o,
                        T::from_f64(1.0),
                        dx,
                        Op::Plain,
                        w,
                        Op::Transposed,
                        T::default(),
                        dy,
                    );
                }
                Layer::Activation(_) => {
                    refill(dy, dx);
                    scale_by(dy, &cache.slopes[k]);
                }
                Layer::SaveResidual => {
                    saved = Some(k);
                    refill(dy, dx);
                }
                Layer::AddResidual => {
                    let skip = &earlier[saved.take().expect("validated topology") + 1];
                    add_into(dy, dx, skip);
                }
            }
        }
    }

    /// Backward pass through the forward-mode pass (forward-over-reverse):
    /// given `∂L/∂out` (`d_out`) and `∂L/∂(J·v)` (`d_tangent`) for the passes
    /// in `cache` and `tangents`, accumulates `∂L/∂θ` into `grads`.
    /// The input and `v` are treated as constants.
    #[allow(clippy::too_many_arguments)]
    pub fn backward_with_tangent<T: Real>(
        &self,
        params: &[T],
        cache: &Cache<T>,
        tangents: &Tangents<T>,
        d_out: &[T],
        d_tangent: &[T],
        grads: &mut [T],
        adj: &mut Adjoints<T>,
    ) {
        let batch = cache.batch;
        let mut offset = self.param_count();
        // Adjoints of the primal value (dy) and of its tangent (dt) at the
        // current layer's output.
        refill(&mut adj.dy, d_out);
        refill(&mut adj.dt, d_tangent);
        for (k, layer) in self.layers.iter().enumerate().rev() {
            let x = &cache.values[k];
            let tx = &tangents.values[k];
            match *layer {
                Layer::Dense { input, output } => {
                    let (i, o) = (input as usize, output as usize);
                    offset -= o * i + o;
                    let (w, _) = weights(params, offset, i, o);
                    let (gw, gb) = grads[offset..offset + o * i + o].split_at_mut(o * i);
                    // y = W x + b and ẏ = W ẋ: dW += dyᵀx + dtᵀẋ, db += Σ dy.
                    dense_param_grads(batch, &adj.dy, x, gw, gb);
                    T::gemm(
                        o,
                        batch,
                        i,
                        T::from_f64(1.0),
                        &adj.dt,
                        Op::Transposed,
                        tx,
                        Op::Plain,
                        T::from_f64(1.0),
                        gw,
                    );
                    if k > 0 {
                        input_adjoint(batch, &adj.dy, w, i, &mut adj.dx);
                        input_adjoint(batch, &adj.dt, w, i, &mut adj.dtx);
                        std::mem::swap(&mut adj.dy, &mut adj.dx);
                        std::mem::swap(&mut adj.dt, &mut adj.dtx);
                    }
                }
                Layer::Activation(a) => {
                    // y = φ(p), ẏ = φ'(p)·ṗ: dp = dy·φ'(p) + dt·φ''(p)·ṗ, dṗ = dt·φ'(p).
                    let slopes = &cache.slopes[k];
                    for ((((g, gt), &p), &tp), &d1) in adj
                        .dy
                        .iter_mut()
                        .zip(adj.dt.iter_mut())
                        .zip(x)
                        .zip(tx)
                        .zip(slopes)
                    {
                        *g = *g * d1 + *gt * second_derivative(a, p) * tp;
                        *gt *= d1;
                    }
                }
                Layer::AddResidual => {
                    adj.skip_y.clone_from(&adj.dy);
                    adj.skip_t.clone_from(&adj.dt);
                }
                Layer::SaveResidual => {
                    add_assign(&mut adj.dy, &adj.skip_y);
                    add_assign(&mut adj.dt, &adj.skip_t);
                }
            }
        }
    }
}

fn weights<T>(params: &[T], offset: usize, i: usize, o: usize) -> (&[T], &[T]) {
    params[offset..offset + o * i + o].split_at(o * i)
}

/// Layer `k`'s input, its output buffer, and the inputs of earlier layers.
fn layer_io<T>(values: &mut [Vec<T>], k: usize) -> (&[T], &mut Vec<T>, &[Vec<T>]) {
    let (done, rest) = values.split_at_mut(k + 1);
    let (earlier, x) = done.split_at(k);
    (&x[0], &mut rest[0], earlier)
}

/// Makes `dst` a copy of `src`, reusing its allocation.
fn refill<T: Copy>(dst: &mut Vec<T>, src: &[T]) {
    dst.clear();
    dst.extend_from_slice(src);
}

/// `dst = a + b`, elementwise.
fn add_into<T: Real>(dst: &mut Vec<T>, a: &[T], b: &[T]) {
    dst.clear();
    dst.extend(a.iter().zip(b).map(|(&a, &b)| a + b));
}

/// `dst += src`, elementwise.
fn add_assign<T: Real>(dst: &mut [T], src: &[T]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d += s;
    }
}

/// `dst *= src`, elementwise.
fn scale_by<T: Real>(dst: &mut [T], src: &[T]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d *= s;
    }
}

/// A dense layer's parameter gradient from its output adjoint `dy`
/// (batch×o) and input `x` (batch×i): `dW += dYᵀ·X`, `db += Σ_rows dY`.
fn dense_param_grads<T: Real>(batch: usize, dy: &[T], x: &[T], gw: &mut [T], gb: &mut [T]) {
    let (o, i) = (gb.len(), gw.len() / gb.len());
    let one = T::from_f64(1.0);
    T::gemm(o, batch, i, one, dy, Op::Transposed, x, Op::Plain, one, gw);
    for row in dy.chunks_exact(o) {
        add_assign(gb, row);
    }
}

/// A dense layer's input adjoint `dX = dY·W` (batch×i) into `dx`.
fn input_adjoint<T: Real>(batch: usize, dy: &[T], w: &[T], i: usize, dx: &mut Vec<T>) {
    let o = w.len() / i;
    dx.resize(batch * i, T::default());
    T::gemm(
        batch,
        o,
        i,
        T::from_f64(1.0),
        dy,
        Op::Plain,
        w,
        Op::Plain,
        T::default(),
        dx,
    );
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
