//! [`Denoiser`]: what the float sampler runs, and the time input it hands
//! each evaluation.

use super::NetError;
use crate::format::F32s;
use crate::plan::Prediction;

/// A network the sampler can run: any backend, or an analytic denoiser.
pub trait Denoiser {
    /// Data dimension (input and output length).
    fn x_dim(&self) -> usize;
    /// What the output means.
    fn prediction(&self) -> Prediction;
    /// Scratch elements [`Denoiser::forward`] needs.
    fn scratch_len(&self) -> usize;
    /// Evaluates the network on `x` (model units) at `time`, writing `out`.
    fn forward(
        &self,
        x: &[f32],
        time: TimeInput<'_>,
        scratch: &mut [f32],
        out: &mut [f32],
    ) -> Result<(), NetError>;
}

/// What the network is conditioned on for one evaluation.
#[derive(Clone, Copy, Debug)]
pub enum TimeInput<'a> {
    /// The schedule time (models with a sinusoidal embedding).
    Time(f32),
    /// A folded first-layer bias row (models with a time-bias table).
    Bias(F32s<'a>),
}
