//! Classifier-free guidance: two evaluations of a class-conditional network
//! per plan row, combined into one prediction.
//!
//! With `o_c` the network's output for class `c` and `o_∅` its unconditional
//! output, the guided output is `o_c + w·(o_c − o_∅)` = `(1 + w)·o_c − w·o_∅`
//! (Ho & Salimans 2022, written as in diffusers' `guidance_scale = 1 + w`).
//! The weights of the two sum to one, so combining the raw outputs is the
//! same as combining ε̂, x̂₀ or v: every conversion the plan applies is
//! affine in the output. At `w = 0` the unconditional evaluation is skipped.

use super::{Denoiser, NetError, TimeInput};
use crate::finite::all_finite;
use crate::plan::Prediction;

/// A conditional and an unconditional network, run as one [`Denoiser`].
#[derive(Clone, Copy, Debug)]
pub struct Guided<N> {
    conditional: N,
    unconditional: N,
    weight: f32,
}

impl<N: Denoiser> Guided<N> {
    /// Guidance of weight `weight` from the two branches of one model.
    pub fn new(conditional: N, unconditional: N, weight: f32) -> Self {
        Guided {
            conditional,
            unconditional,
            weight,
        }
    }
}

impl<N: Denoiser> Denoiser for Guided<N> {
    fn x_dim(&self) -> usize {
        self.conditional.x_dim()
    }

    fn prediction(&self) -> Prediction {
        self.conditional.prediction()
    }

    /// The network's scratch and the unconditional output.
    fn scratch_len(&self) -> usize {
        self.conditional.scratch_len() + self.x_dim()
    }

    fn forward(
        &self,
        x: &[f32],
        time: TimeInput<'_>,
        scratch: &mut [f32],
        out: &mut [f32],
    ) -> Result<(), NetError> {
        let needed = NetError::Scratch {
            needed: u32::try_from(self.scratch_len()).unwrap_or(u32::MAX),
        };
        let (net, rest) = scratch
            .split_at_mut_checked(self.conditional.scratch_len())
            .ok_or(needed)?;
        self.conditional.forward(x, time, net, out)?;
        if self.weight == 0.0 {
            return Ok(());
        }
        let plain = rest.get_mut(..self.x_dim()).ok_or(needed)?;
        self.unconditional.forward(x, time, net, plain)?;
        let w = self.weight;
        for (o, u) in out.iter_mut().zip(plain.iter()) {
            *o += w * (*o - *u);
        }
        if !all_finite(out) {
            return Err(NetError::GuidanceOverflow);
        }
        Ok(())
    }
}
