//! The fixed-point network: int16 activations through int8 dense layers,
//! table activations and rescaled residual adds.
//!
//! Every sum is exact (the loader proves the int32 accumulators cannot
//! overflow, or switches the layer to int64), so the int32 layers run the
//! blocked kernel of `src/fixed/kernel.rs`, which sums in another order than a
//! row at a time and gives the same bits.
#![deny(clippy::float_arithmetic)]

use super::kernel;
use super::lut::{LUT_LEN, interpolate};
use super::requantize::{I16Multiplier, rounding_divide_by_pot};
use super::sinusoid;
use super::{saturate_activation, saturate_i32};
use crate::format::{ClassBias, FixedLayer, FixedWeights, I32s, RowTime, TimeEmbedding, Topology};
use crate::net::NetError;

/// A fixed-point network reading its weights in place.
#[derive(Clone, Copy, Debug)]
pub struct FixedNetwork<'a> {
    weights: FixedWeights<'a>,
    /// The integer time embedding, for a model whose plan rows carry their
    /// time; `None` when they carry time-bias rows.
    embedding: Option<TimeEmbedding<'a>>,
    classes: Option<ClassBias<'a>>,
    /// The class-bias row added to the first dense layer: the chosen
    /// class's, or the unconditional one.
    class: Option<I32s<'a>>,
}

impl<'a> FixedNetwork<'a> {
    /// A network over validated weights, time embedding and class-bias rows
    /// (from [`crate::format::Model::fixed_network`]), unconditional.
    pub(crate) fn new(
        weights: FixedWeights<'a>,
        embedding: Option<TimeEmbedding<'a>>,
        classes: Option<ClassBias<'a>>,
    ) -> Self {
        FixedNetwork {
            weights,
            embedding,
            classes,
            class: classes.and_then(|c| c.i32_row(None)),
        }
    }

    /// The same network conditioned on `class`; `None` if the model is not
    /// class-conditional or has no such class.
    pub fn with_class(self, class: u32) -> Option<Self> {
        let row = self.classes?.i32_row(Some(class))?;
        Some(FixedNetwork {
            class: Some(row),
            ..self
        })
    }

    /// Whether the model is class-conditional.
    pub fn is_conditional(&self) -> bool {
        self.classes.is_some()
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
    /// of the widest layer (current, next, saved residual), each rounded up
    /// to an even length, and one element more to start them on a word
    /// boundary (the DSP kernel loads activations two words at a time).
    pub fn scratch_len(&self) -> usize {
        3 * vector_len(self.topology()) + 1
    }

    /// Evaluates the network on the state `x` (Q16.16) at the time of the
    /// current plan row (its time-bias row, or its time embedded here),
    /// writing the last layer's int16 output (widened) to `out`.
    pub fn forward(
        &self,
        x: &[i32],
        time: RowTime<'_>,
        scratch: &mut [i16],
        out: &mut [i32],
    ) -> Result<(), NetError> {
        let topology = self.topology();
        let dim = topology.x_dim() as usize;
        if x.len() != dim || out.len() != dim {
            return Err(NetError::Dimension {
                expected: topology.x_dim(),
            });
        }
        let time_bias = match (time, self.embedding) {
            (RowTime::Bias(row), None) if row.len() == topology.first_dense_output() as usize => {
                Some(row)
            }
            (RowTime::Input(_), Some(_)) => None,
            _ => return Err(NetError::TimeInput),
        };
        let scratch_error = NetError::Scratch {
            needed: u32::try_from(self.scratch_len()).unwrap_or(u32::MAX),
        };
        let stride = vector_len(topology);
        let skip = scratch.as_ptr().align_offset(4).min(1);
        // Checked splits: `split_at_mut` has a panic path (and links the
        // formatting it prints with) the compiler cannot rule out.
        let end = stride.checked_mul(3).and_then(|n| n.checked_add(skip));
        let scratch = end
            .and_then(|end| scratch.get_mut(skip..end))
            .ok_or(scratch_error)?;
        let (mut cur, rest) = scratch.split_at_mut_checked(stride).ok_or(scratch_error)?;
        let (mut next, saved) = rest.split_at_mut_checked(stride).ok_or(scratch_error)?;

        let input = self.weights.input();
        for (c, &v) in cur.iter_mut().zip(x) {
            *c = saturate_activation(i64::from(input.apply(v)));
        }
        let mut w = dim;
        if let (RowTime::Input(tau), Some(embedding)) = (time, &self.embedding) {
            let e = embedding.dim() as usize;
            sinusoid::embed(tau, embedding, cur.get_mut(dim..dim + e).unwrap_or(&mut []));
            w += e;
        }
        let mut first_dense = true;
        let mut layers = self.weights.layers().peekable();
        while let Some(layer) = layers.next() {
            match layer {
                FixedLayer::Dense { output, .. } => {
                    let extra = if first_dense {
                        [time_bias, self.class]
                    } else {
                        [None, None]
                    };
                    let (i, o) = (w, output as usize);
                    dense(
                        &layer,
                        extra,
                        cur.get_mut(..i).unwrap_or(&mut []),
                        next.get_mut(..o).unwrap_or(&mut []),
                    );
                    first_dense = false;
                    core::mem::swap(&mut cur, &mut next);
                    w = o;
                }
                FixedLayer::Relu => cur.iter_mut().take(w).for_each(|v| *v = (*v).max(0)),
                // The parser gives every table LUT_LEN entries.
                FixedLayer::Table(table) => {
                    if let Some(table) = table.as_array::<LUT_LEN>() {
                        // A residual add right after the table (of
                        // multipliers with a prepared form), and a save
                        // after either, run in the same pass.
                        let add = match layers.peek() {
                            Some(&FixedLayer::AddResidual { current, saved }) => {
                                current.for_i16().zip(saved.for_i16())
                            }
                            _ => None,
                        };
                        if add.is_some() {
                            layers.next();
                        }
                        let save = take_save(&mut layers);
                        let silu = |c| interpolate(table, c);
                        match (add, save) {
                            (None, false) => map::<false>(cur, saved, w, |c, _| silu(c)),
                            (None, true) => map::<true>(cur, saved, w, |c, _| silu(c)),
                            (Some((a, b)), false) => {
                                map::<false>(cur, saved, w, |c, s| add_rescaled(a, b, silu(c), s))
                            }
                            (Some((a, b)), true) => {
                                map::<true>(cur, saved, w, |c, s| add_rescaled(a, b, silu(c), s))
                            }
                        }
                    }
                }
                FixedLayer::SaveResidual => map::<true>(cur, saved, w, |c, _| c),
                FixedLayer::AddResidual { current, saved: m } => {
                    match current.for_i16().zip(m.for_i16()) {
                        Some((a, b)) => {
                            map::<false>(cur, saved, w, |c, s| add_rescaled(a, b, c, s))
                        }
                        None => map::<false>(cur, saved, w, |c, s| {
                            // Saturating in i32 first gives the same int16.
                            let sum = current
                                .apply(i32::from(c))
                                .saturating_add(m.apply(i32::from(s)));
                            saturate_activation(i64::from(sum))
                        }),
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

/// Elements of each scratch vector: the widest layer, rounded up to even.
fn vector_len(topology: Topology<'_>) -> usize {
    let width = topology.max_width() as usize;
    width + width % 2
}

/// Takes the next layer if it is a [`FixedLayer::SaveResidual`], to run it
/// in the pass of the element-wise layer before it.
fn take_save<'a>(layers: &mut core::iter::Peekable<impl Iterator<Item = FixedLayer<'a>>>) -> bool {
    layers
        .next_if(|layer| matches!(layer, FixedLayer::SaveResidual))
        .is_some()
}

/// `cur[i] = f(cur[i], saved[i])` for the first `w` elements, and, when
/// `SAVE`, `saved[i]` the same (a [`FixedLayer::SaveResidual`] after the
/// layer, without a pass of its own). One loop per case, without a branch
/// per element.
#[inline(always)]
fn map<const SAVE: bool>(
    cur: &mut [i16],
    saved: &mut [i16],
    w: usize,
    f: impl Fn(i16, i16) -> i16,
) {
    // Both cut to the same length first: one count for the loop.
    let w = w.min(cur.len()).min(saved.len());
    let (Some(cur), Some(saved)) = (cur.get_mut(..w), saved.get_mut(..w)) else {
        return;
    };
    for (c, s) in cur.iter_mut().zip(saved.iter_mut()) {
        let v = f(*c, *s);
        *c = v;
        if SAVE {
            *s = v;
        }
    }
}

/// `sat16(current(c) + saved(s))`, the residual add of one element through
/// its two prepared multipliers.
#[inline(always)]
fn add_rescaled(current: I16Multiplier, saved: I16Multiplier, c: i16, s: i16) -> i16 {
    // Saturating in i32 first gives the same int16 (each term fits i32).
    let sum = current.apply(c).saturating_add(saved.apply(s));
    saturate_activation(i64::from(sum))
}

/// One dense layer: `y[o] = sat16(requant_o(b[o] (+ extra[o]…) + Σ w·x))`,
/// the extras being the time-bias and class-bias rows of the first layer.
/// `x` may be left reordered (the DSP routine pairs its columns in place):
/// a layer's input is not read after it.
///
/// Never inlined: one copy of the kernel's loops instead of one per caller
/// of [`FixedNetwork::forward`] (400 bytes of flash on the Cortex-M4F).
#[inline(never)]
fn dense(layer: &FixedLayer<'_>, extra: [Option<I32s<'_>>; 2], x: &mut [i16], out: &mut [i16]) {
    // First, before the set-up the other paths need.
    if kernel::requantized_layer(layer, extra, x, out) {
        return;
    }
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
    let [time, class] = extra;
    let row_of = |e: Option<I32s<'_>>, o: usize| e.map_or(0, |e| e.get(o).unwrap_or(0));
    let extra_at = |o: usize| i64::from(row_of(time, o)) + i64::from(row_of(class, o));
    // The loader proved |b| + |time bias| + |class bias| fits in i32 with
    // room for the sum of products, so the saturating adds are exact.
    let start = |o: usize| {
        let b = bias.get(o).unwrap_or(0);
        b.saturating_add(row_of(time, o))
            .saturating_add(row_of(class, o))
    };
    if wide_shift == 0 {
        // The loader proved |start| + 32767·Σ|w| ≤ i32::MAX.
        // Rows come in order: their outputs and multipliers are walked along.
        let mut outputs = out
            .iter_mut()
            .zip(FixedLayer::multipliers(multipliers, shifts));
        kernel::rows(weights, x, start, |_, acc| {
            if let Some((slot, multiplier)) = outputs.next() {
                *slot = saturate_activation(i64::from(multiplier.apply_valid(acc)));
            }
        });
        return;
    }
    let multipliers = FixedLayer::multipliers(multipliers, shifts);
    for (o, (slot, multiplier)) in out.iter_mut().zip(multipliers).enumerate() {
        let mut acc = i64::from(bias.get(o).unwrap_or(0)) + extra_at(o);
        for (w, &v) in weights.row(o).zip(x.iter()) {
            acc += i64::from(w) * i64::from(v);
        }
        let acc = saturate_i32(rounding_divide_by_pot(acc, wide_shift));
        *slot = saturate_activation(i64::from(multiplier.apply_shifted(acc, wide_shift)));
    }
}
