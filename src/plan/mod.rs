//! Sampling plans: any supported sampler compiled to a table of per-step
//! coefficients.
//!
//! Every sampler here is, per network evaluation, linear in a few registers.
//! With `D = p·x + q·out` the network output converted to the clean-sample
//! estimate x̂₀ (optionally clipped), `z` fresh Gaussian noise and `h` one
//! extra register (the previous x̂₀ for DPM-Solver++(2M), the Heun
//! accumulator for the second-order ODE solver):
//!
//! ```text
//! x ← a·x + b·D + c·z + d·h
//! h ← e·x + f·D + g·h        (with the x from before this row's update)
//! ```
//!
//! A [`PlanRow`] holds one evaluation's network time and those ten numbers.
//! `Compiler` derives them in `f64` from a [`PlanSpec`] and a
//! [`Schedule`](crate::schedule::Schedule) and rounds them to `f32`; rows can
//! be stored in a model file (see `format::EmbeddedPlan`), collected in a
//! fixed-capacity [`heapless::Vec`], or computed one at a time on the device.
//! Writing everything in terms of x̂₀ rather than ε̂ keeps the coefficients
//! finite at zero terminal SNR (α = 0), where only x̂₀- and v-prediction are
//! defined.

#[cfg(feature = "float")]
mod compiler;
mod error;
#[cfg(feature = "float")]
mod grid;
pub mod level;
mod spec;
pub mod threshold;

#[cfg(feature = "float")]
pub use compiler::{Compiler, with_langevin_step};
pub use error::PlanError;
pub use spec::{DdpmVariance, LangevinStep, PlanSpec, Prediction, SamplerKind, SnrStep};
pub use threshold::{DynamicThreshold, THRESHOLD_ONE_Q};

/// Most rows (network evaluations) a plan may have.
pub const MAX_PLAN_ROWS: u32 = 65_536;

/// One network evaluation and the register update that follows it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlanRow {
    /// The time the network is conditioned on (the schedule's time).
    pub t: f32,
    /// x̂₀ = p·x + q·out: weight of the current state.
    pub p: f32,
    /// x̂₀ = p·x + q·out: weight of the network output.
    pub q: f32,
    /// Weight of `x` in the new `x`.
    pub a: f32,
    /// Weight of x̂₀ in the new `x`.
    pub b: f32,
    /// Weight of fresh noise `z` in the new `x`; noise is drawn only when `c ≠ 0`.
    pub c: f32,
    /// Weight of `h` in the new `x`.
    pub d: f32,
    /// Weight of `x` in the new `h`.
    pub e: f32,
    /// Weight of x̂₀ in the new `h`.
    pub f: f32,
    /// Weight of `h` in the new `h`.
    pub g: f32,
    /// `α` of the state before this row, `x = α·x₀ + σ·z` ([`level`]).
    pub alpha: f32,
    /// `σ` of the state before this row.
    pub sigma: f32,
}

impl PlanRow {
    /// True when this row draws noise.
    pub fn draws_noise(&self) -> bool {
        self.c != 0.0
    }

    /// The update of one element with a static clip, in the runtime's
    /// fixed operation order: `d = p·x + q·out` clipped to `bounds =
    /// (low, high)` if given ([`clip_x0`]), then [`PlanRow::advance`].
    /// Returns `(x', h', d)`. (The samplers compute every element's `d`
    /// first, since a dynamic threshold needs them all.)
    pub fn update(
        &self,
        x: f32,
        out: f32,
        h: f32,
        z: f32,
        bounds: Option<(f32, f32)>,
    ) -> (f32, f32, f32) {
        let d = clip_x0(self.x0(x, out), bounds);
        let (x_new, h_new) = self.advance(x, d, h, z);
        (x_new, h_new, d)
    }

    /// The unclipped x̂₀ of one element, `p·x + q·out`.
    pub fn x0(&self, x: f32, out: f32) -> f32 {
        self.p * x + self.q * out
    }

    /// The registers after the row, from one element's `x`, its (clipped)
    /// x̂₀ `d`, `h` and noise `z`: `(((a·x + b·d) + c·z) + d·h,
    /// (e·x + f·d) + g·h)`.
    pub fn advance(&self, x: f32, d: f32, h: f32, z: f32) -> (f32, f32) {
        let x_new = self.a * x + self.b * d + self.c * z + self.d * h;
        let h_new = self.e * x + self.f * d + self.g * h;
        (x_new, h_new)
    }

    /// The row's numbers in storage order (`t, p, q, a, b, c, d, e, f, g,
    /// α, σ`).
    pub fn to_array(&self) -> [f32; 12] {
        [
            self.t, self.p, self.q, self.a, self.b, self.c, self.d, self.e, self.f, self.g,
            self.alpha, self.sigma,
        ]
    }

    /// The inverse of [`PlanRow::to_array`].
    pub fn from_array(v: [f32; 12]) -> Self {
        let [t, p, q, a, b, c, d, e, f, g, alpha, sigma] = v;
        PlanRow {
            t,
            p,
            q,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            alpha,
            sigma,
        }
    }
}

/// The interval one element's x̂₀ is clipped to: the plan's symmetric clip
/// `±clip`, the element's bounds from the model's data range
/// (`format::DataRange`), their intersection when both are set, or none.
/// For `f32` (float backends) and `i32` (Q16.16, fixed point); the values
/// are the parser's validated ones (finite, `clip > 0`), so the compares
/// below are those of `max`/`min`.
pub fn x0_bounds<T>(clip: Option<T>, range: Option<(T, T)>) -> Option<(T, T)>
where
    T: Copy + PartialOrd + core::ops::Neg<Output = T>,
{
    let larger = |a: T, b: T| if b > a { b } else { a };
    let smaller = |a: T, b: T| if b < a { b } else { a };
    match (clip, range) {
        (None, range) => range,
        (Some(c), None) => Some((-c, c)),
        (Some(c), Some((low, high))) => Some((larger(low, -c), smaller(high, c))),
    }
}

/// `x0` clipped to `bounds = (low, high)` if given: `max(low)` then
/// `min(high)`, so no bounds can panic.
pub fn clip_x0(x0: f32, bounds: Option<(f32, f32)>) -> f32 {
    match bounds {
        Some((low, high)) => x0.max(low).min(high),
        None => x0,
    }
}

/// What a plan is: the spec it was compiled from and its size.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlanHeader {
    /// The sampler configuration.
    pub spec: PlanSpec,
    /// Number of rows (network evaluations).
    pub rows: u32,
    /// Standard deviation of the initial noise `x_T = init_std·z`.
    pub init_std: f32,
}

/// A sequence of rows, wherever they live.
pub trait Plan {
    /// The plan's description.
    fn header(&self) -> PlanHeader;
    /// Row `i`, or `None` past the end.
    fn row(&self, i: usize) -> Option<PlanRow>;
}

/// A plan held in RAM with room for `N` rows.
#[cfg(feature = "float")]
#[derive(Clone, Debug)]
pub struct CompiledPlan<const N: usize> {
    header: PlanHeader,
    rows: heapless::Vec<PlanRow, N>,
}

#[cfg(feature = "float")]
impl<const N: usize> CompiledPlan<N> {
    /// Compiles every row; [`PlanError::Capacity`] if they do not fit in `N`.
    pub fn compile(compiler: &Compiler<'_>) -> Result<Self, PlanError> {
        let mut rows = heapless::Vec::new();
        for i in 0..compiler.header().rows as usize {
            rows.push(compiler.compute_row(i)?)
                .map_err(|_| PlanError::Capacity)?;
        }
        Ok(CompiledPlan {
            header: compiler.header(),
            rows,
        })
    }

    /// The rows.
    pub fn rows(&self) -> &[PlanRow] {
        &self.rows
    }
}

#[cfg(feature = "float")]
impl<const N: usize> Plan for CompiledPlan<N> {
    fn header(&self) -> PlanHeader {
        self.header
    }
    fn row(&self, i: usize) -> Option<PlanRow> {
        self.rows.get(i).copied()
    }
}

/// A plan whose rows live in a caller's buffer (filled by
/// `Compiler::compile_into`).
#[derive(Clone, Copy, Debug)]
pub struct RowsPlan<'r> {
    header: PlanHeader,
    rows: &'r [PlanRow],
}

impl<'r> RowsPlan<'r> {
    /// A plan over rows computed elsewhere (a host tool's copy of an
    /// embedded plan, say).
    pub fn new(header: PlanHeader, rows: &'r [PlanRow]) -> Self {
        RowsPlan { header, rows }
    }

    /// Compiles into `buffer` and views the filled part.
    #[cfg(feature = "float")]
    pub fn compile(compiler: &Compiler<'_>, buffer: &'r mut [PlanRow]) -> Result<Self, PlanError> {
        let n = compiler.compile_into(buffer)?;
        let rows = buffer.get(..n).ok_or(PlanError::Capacity)?;
        Ok(RowsPlan {
            header: compiler.header(),
            rows,
        })
    }

    /// The rows.
    pub fn rows(&self) -> &'r [PlanRow] {
        self.rows
    }
}

impl Plan for RowsPlan<'_> {
    fn header(&self) -> PlanHeader {
        self.header
    }
    fn row(&self, i: usize) -> Option<PlanRow> {
        self.rows.get(i).copied()
    }
}

impl<P: Plan + ?Sized> Plan for &P {
    fn header(&self) -> PlanHeader {
        (**self).header()
    }
    fn row(&self, i: usize) -> Option<PlanRow> {
        (**self).row(i)
    }
}
