//! The fixed-point network: int16 activations through int8 dense layers,
//! table activations and rescaled residual adds.
//!
//! Every sum is exact (the loader proves the int32 accumulators cannot
//! overflow, or switches the layer to int64), so the int32 layers run the
//! blocked kernel of `src/fixed/kernel.rs`, which sums in another order than a
//! row at a time and gives the same bits.
#![deny(clippy::float_arithmetic)]

use super::kernel;
use super::lut::interpolate;
use super::requantize::rounding_divide_by_pot;
use super::{saturate_activation, saturate_i32};
use crate::format::{FixedLayer, FixedWeights, I32s, Topology};
use crate::net::NetError;

/// A fixed-point network reading its weights in place.
#[derive(Clone, Copy, Debug)]
pub struct FixedNetwork<'a> {
    weights: FixedWeights<'a>,
}

impl<'a> FixedNetwork<'a> {
    /// A network over validated weights (from
    /// [`crate::format::Model::fixed_network`]).
    pub(crate) fn new(weights: FixedWeights<'a>) -> Self {
        FixedNetwork { weights }
    }

    /// The weights.
    pub fn weights(&self) -> FixedWeights<'a> {
        self.weights
    }

    /// The topology.
    pub fn topology(&self) -> Topology<'a> {
        self.weights.topology()
    }

    /// Data dimension.
    pub fn x_dim(&self) -> usize {
        self.topology().x_dim() as usize
    }

    /// `i16` scratch elements [`FixedNetwork::forward`] needs: three vectors
    /// of the widest layer (current, next, saved residual).
    pub fn scratch_len(&self) -> usize {
        3 * self.topology().max_width() as usize
    }

    /// Evaluates the network on the state `x` (Q16.16) with the time-bias
    /// row of the current plan row, writing the last layer's int16 output
    /// (widened) to `out`.
    pub fn forward(
        &self,
        x: &[i32],
        time_bias: I32s<'_>,
        scratch: &mut [i16],
        out: &mut [i32],
    ) -> Result<(), NetError> {
        let topology = self.topology();
        let dim = topology.x_dim() as usize;
        let width = topology.max_width() as usize;
        if x.len() != dim || out.len() != dim {
            return Err(NetError::Dimension {
                expected: topology.x_dim(),
            });
        }
        if time_bias.len() != topology.first_dense_output() as usize {
            return Err(NetError::TimeInput);
        }
        let scratch_error = NetError::Scratch {
            needed: 3 * topology.max_width(),
        };
        let scratch = scratch.get_mut(..3 * width).ok_or(scratch_error)?;
        let (mut cur, rest) = scratch.split_at_mut(width);
        let (mut next, saved) = rest.split_at_mut(width);

        let input = self.weights.input();
        for (c, &v) in cur.iter_mut().zip(x) {
            *c = saturate_activation(i64::from(input.apply(v)));
        }
        let mut w = dim;
        let mut first_dense = true;
        for layer in self.weights.layers() {
            match layer {
                FixedLayer::Dense { output, .. } => {
                    let extra = first_dense.then_some(time_bias);
                    let (i, o) = (w, output as usize);
                    dense(
                        &layer,
                        extra,
                        cur.get(..i).unwrap_or(&[]),
                        next.get_mut(..o).unwrap_or(&mut []),
                    );
                    first_dense = false;
                    core::mem::swap(&mut cur, &mut next);
                    w = o;
                }
                FixedLayer::Relu => cur.iter_mut().take(w).for_each(|v| *v = (*v).max(0)),
                FixedLayer::Table(table) => cur
                    .iter_mut()
                    .take(w)
                    .for_each(|v| *v = interpolate(table, *v)),
                FixedLayer::SaveResidual => {
                    saved
                        .iter_mut()
                        .zip(cur.iter())
                        .take(w)
                        .for_each(|(s, c)| *s = *c);
                }
                FixedLayer::AddResidual { current, saved: m } => {
                    for (c, s) in cur.iter_mut().zip(saved.iter()).take(w) {
                        let sum = i64::from(current.apply(i32::from(*c)))
                            + i64::from(m.apply(i32::from(*s)));
                        *c = saturate_activation(sum);
                    }
                }
            }
        }
        for (o, c) in out.iter_mut().zip(cur.iter()) {
            *o = i32::from(*c);
        }
        Ok(())
    }
}

/// One dense layer: `y[o] = sat16(requant_o(b[o] (+ extra[o]) + Σ w·x))`.
///
/// Never inlined: one copy of the kernel's loops instead of one per caller
/// of [`FixedNetwork::forward`] (400 bytes of flash on the Cortex-M4F).
#[inline(never)]
fn dense(layer: &FixedLayer<'_>, extra: Option<I32s<'_>>, x: &[i16], out: &mut [i16]) {
    let FixedLayer::Dense {
        bias,
        multipliers,
        shifts,
        weights,
        wide_shift,
        ..
    } = *layer
    else {
        return;
    };
    let start = |o: usize| {
        let extra = extra.map_or(0, |e| e.get(o).unwrap_or(0));
        bias.get(o).unwrap_or(0).wrapping_add(extra)
    };
    if wide_shift == 0 {
        // The loader proved |start| + 32767·Σ|w| ≤ i32::MAX.
        kernel::rows(weights, x, start, |o, acc| {
            if let Some(slot) = out.get_mut(o) {
                let multiplier = FixedLayer::multiplier(multipliers, shifts, o);
                *slot = saturate_activation(i64::from(multiplier.apply_shifted(acc, 0)));
            }
        });
        return;
    }
    let n = x.len().max(1);
    for (o, (slot, row)) in out.iter_mut().zip(weights.chunks(n)).enumerate() {
        let start = i64::from(bias.get(o).unwrap_or(0))
            + extra.map_or(0, |e| i64::from(e.get(o).unwrap_or(0)));
        let mut acc = start;
        for (&w, &v) in row.iter().zip(x) {
            acc += i64::from(w as i8) * i64::from(v);
        }
        let acc = saturate_i32(rounding_divide_by_pot(acc, wide_shift));
        *slot = saturate_activation(i64::from(
            FixedLayer::multiplier(multipliers, shifts, o).apply_shifted(acc, wide_shift),
        ));
    }
}
