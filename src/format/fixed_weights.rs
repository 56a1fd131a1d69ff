//! Weights of the fixed-point backend (kind 4): int8 matrices with
//! per-channel requantisation, activation lookup tables, residual scales.
//!
//! The section is a 16-byte header and then one record per layer, in
//! topology order, each a multiple of 4 bytes long (see docs/FORMAT.md).
//! Besides checking every value's range, loading works out for each dense
//! layer whether its accumulator can leave `i32` (from the weights, biases
//! and time-bias rows actually stored) and, if so, the right shift that
//! brings its int64 accumulator back into `i32` (see [`crate::fixed`]).

use super::cursor::{Cursor, I16s, I32s};
use super::int8_matrix::{Int8Matrix, WeightLayout};
use super::{FormatError, Layer, MAX_LAYERS, SectionKind, Topology};
use crate::fixed::lut::LUT_LEN;
use crate::fixed::{ACTIVATION_MAX, Multiplier};
use crate::format::Activation;

/// Bytes of the section header.
pub(super) const FIXED_HEADER_LEN: usize = 16;
/// Bytes of an activation-table record (513 entries, 2 bytes of padding).
const LUT_RECORD_LEN: usize = (2 * LUT_LEN + 3) & !3;
/// Bytes of a residual-add record.
const ADD_RECORD_LEN: usize = 16;

const SECTION: SectionKind = SectionKind::WeightsFixed;

/// One layer of a fixed-point network.
#[derive(Clone, Copy, Debug)]
pub enum FixedLayer<'a> {
    /// `y[o] = sat(requant_o(b[o] + Σ w[o,i]·x[i]))`.
    Dense {
        /// Input width.
        input: u32,
        /// Output width.
        output: u32,
        /// Bias, in units of the accumulator (`s_w[o]·s_x`).
        bias: I32s<'a>,
        /// Requantisation multiplier mantissas, one per output.
        multipliers: I32s<'a>,
        /// Requantisation shifts (`i8`), one per output.
        shifts: &'a [u8],
        /// Weights, output × input.
        weights: Int8Matrix<'a>,
        /// 0: accumulate in `i32`. Otherwise accumulate in `i64` and shift
        /// right by this many bits (rounding) before requantising.
        wide_shift: u32,
    },
    /// `max(x, 0)`, same scale in and out.
    Relu,
    /// Another activation, as an interpolated table ([`crate::fixed::lut`]).
    Table(I16s<'a>),
    /// Remember the current vector.
    SaveResidual,
    /// `y = sat(current·M_c + saved·M_s)`.
    AddResidual {
        /// Rescales the current vector to the output scale.
        current: Multiplier,
        /// Rescales the saved vector to the output scale.
        saved: Multiplier,
    },
}

impl FixedLayer<'_> {
    /// The requantisations of a dense layer's output channels, in order.
    pub fn multipliers<'m>(
        multipliers: I32s<'m>,
        shifts: &'m [u8],
    ) -> impl Iterator<Item = Multiplier> + 'm {
        multipliers
            .iter()
            .zip(shifts)
            .map(|(m, &shift)| Multiplier {
                m,
                shift: shift as i8,
            })
    }
}

/// Validated fixed-point weights, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FixedWeights<'a> {
    bytes: &'a [u8],
    topology: Topology<'a>,
    input: Multiplier,
    layout: WeightLayout,
    wide_shifts: [u8; MAX_LAYERS as usize],
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|v| v & !3)
}

/// Bytes of a layer's record.
fn record_len(layer: Layer) -> Option<usize> {
    Some(match layer {
        Layer::Dense { input, output } => {
            let (i, o) = (input as usize, output as usize);
            8 * o + align4(o)? + align4(o.checked_mul(i)?)?
        }
        Layer::Activation(Activation::Relu) | Layer::SaveResidual => 0,
        Layer::Activation(_) => LUT_RECORD_LEN,
        Layer::AddResidual => ADD_RECORD_LEN,
    })
}

/// The multiplier stored as two words at `at` (mantissa, then the shift
/// as an `i32`), if both are in range. Out of line: four callers.
#[inline(never)]
pub(super) fn multiplier_at(bytes: &[u8], at: usize) -> Option<Multiplier> {
    let word = |k: usize| {
        bytes
            .get(at + k..)
            .and_then(|b| b.first_chunk::<4>())
            .map(|b| i32::from_le_bytes(*b))
    };
    let m = Multiplier {
        m: word(0)?,
        shift: i8::try_from(word(4)?).ok()?,
    };
    m.is_valid().then_some(m)
}

/// Decodes the record of `layer` starting at `offset` (lengths already
/// checked by [`parse`]).
fn decode(
    bytes: &[u8],
    layout: WeightLayout,
    layer: Layer,
    offset: usize,
    wide_shift: u32,
) -> FixedLayer<'_> {
    let at = |start: usize, len: usize| bytes.get(offset + start..offset + start + len);
    match layer {
        Layer::Dense { input, output } => {
            let o = output as usize;
            let shifts_at = 8 * o;
            let weights_at = shifts_at + align4(o).unwrap_or(0);
            FixedLayer::Dense {
                input,
                output,
                bias: I32s::new(at(0, 4 * o).unwrap_or(&[])),
                multipliers: I32s::new(at(4 * o, 4 * o).unwrap_or(&[])),
                shifts: at(shifts_at, o).unwrap_or(&[]),
                weights: Int8Matrix::new(
                    at(weights_at, o * input as usize).unwrap_or(&[]),
                    input as usize,
                    layout,
                ),
                wide_shift,
            }
        }
        Layer::Activation(Activation::Relu) => FixedLayer::Relu,
        Layer::Activation(_) => FixedLayer::Table(I16s::new(at(0, 2 * LUT_LEN).unwrap_or(&[]))),
        Layer::SaveResidual => FixedLayer::SaveResidual,
        Layer::AddResidual => FixedLayer::AddResidual {
            current: multiplier_at(bytes, offset).unwrap_or_default(),
            saved: multiplier_at(bytes, offset + 8).unwrap_or_default(),
        },
    }
}

impl<'a> FixedWeights<'a> {
    /// Requantisation of the sampler state (Q16.16) into the first layer's
    /// int16 input.
    pub fn input(&self) -> Multiplier {
        self.input
    }

    /// Bytes of the section.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The network.
    pub fn topology(&self) -> Topology<'a> {
        self.topology
    }

    /// The layers with their parameters, in order.
    pub fn layers(&self) -> impl Iterator<Item = FixedLayer<'a>> + use<'a> {
        let (bytes, layout, shifts) = (self.bytes, self.layout, self.wide_shifts);
        self.topology
            .layers()
            .enumerate()
            .scan(FIXED_HEADER_LEN, move |offset, (k, layer)| {
                let start = *offset;
                *offset += record_len(layer)?;
                let wide = u32::from(shifts.get(k).copied().unwrap_or(0));
                Some(decode(bytes, layout, layer, start, wide))
            })
    }

    /// Works out each dense layer's accumulator width from its worst case.
    /// `first_extra[o]` bounds the time-bias rows added to output `o` of the
    /// first dense layer.
    pub(super) fn plan_accumulators(&mut self, first_extra: impl Fn(usize) -> u64) {
        let mut first = true;
        let mut shifts = [0u8; MAX_LAYERS as usize];
        for (slot, layer) in shifts.iter_mut().zip(self.layers()) {
            let FixedLayer::Dense { bias, weights, .. } = layer else {
                continue;
            };
            let worst = weights
                .abs_sums()
                .enumerate()
                .map(|(o, sum)| {
                    let b = u64::from(bias.get(o).unwrap_or(0).unsigned_abs());
                    let extra = if first { first_extra(o) } else { 0 };
                    u64::from(sum) * ACTIVATION_MAX as u64 + b + extra
                })
                .max()
                .unwrap_or(0);
            // The rounding shift can add one: leave room for it.
            let mut k = 0u32;
            while (worst >> k) + u64::from(k > 0) > i32::MAX as u64 {
                k += 1;
            }
            *slot = k as u8;
            first = false;
        }
        self.wide_shifts = shifts;
    }
}

/// Checks a fixed-point weights section against the topology.
pub(super) fn parse<'a>(
    bytes: &'a [u8],
    topology: Topology<'a>,
) -> Result<FixedWeights<'a>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    c.take(8)?;
    let input = multiplier_at(bytes, 0).ok_or(c.limit(0))?;
    let layout = WeightLayout::from_code(c.u32()?).ok_or(c.bad_code(8))?;
    c.reserved_u32()?;
    for layer in topology.layers() {
        let start = c.offset() as usize;
        let len = record_len(layer).ok_or(FormatError::SectionLength(SECTION))?;
        let record = c.take(len)?;
        check_record(record, layer, start)?;
    }
    c.finish()?;
    Ok(FixedWeights {
        bytes,
        topology,
        input,
        layout,
        wide_shifts: [0; MAX_LAYERS as usize],
    })
}

fn limit_at(offset: usize) -> FormatError {
    FormatError::Limit {
        section: SECTION,
        offset: u32::try_from(offset).unwrap_or(u32::MAX),
    }
}

/// Index of the first byte `0x80` (−128 as an `i8` weight) in `bytes`.
/// Weights are most of a model file, so they are looked at four at a time:
/// with `v` a word XOR `0x80808080`, `(v − 0x01010101) & !v & 0x80808080`
/// is non-zero exactly when one of its bytes is zero.
fn first_byte_0x80(bytes: &[u8]) -> Option<usize> {
    let clean_words = bytes
        .as_chunks::<4>()
        .0
        .iter()
        .take_while(|w| {
            let v = u32::from_le_bytes(**w) ^ 0x8080_8080;
            v.wrapping_sub(0x0101_0101) & !v & 0x8080_8080 == 0
        })
        .count();
    let from = 4 * clean_words;
    let rest = bytes.get(from..).unwrap_or_default();
    rest.iter().position(|&b| b == 0x80).map(|i| from + i)
}

/// Checks one layer's record: multipliers and shifts in range, shift words
/// sign-extended, weights in `[−127, 127]`, padding zero.
fn check_record(record: &[u8], layer: Layer, start: usize) -> Result<(), FormatError> {
    let zero_from = |from: usize, to: usize| {
        let pad = record.get(from..to).unwrap_or(&[]);
        match pad.iter().position(|&b| b != 0) {
            Some(i) => Err(limit_at(start + from + i)),
            None => Ok(()),
        }
    };
    match layer {
        Layer::Dense { input, output } => {
            let o = output as usize;
            let multipliers = I32s::new(record.get(4 * o..8 * o).unwrap_or(&[]));
            let shifts = record.get(8 * o..9 * o).unwrap_or(&[]);
            for (k, m) in FixedLayer::multipliers(multipliers, shifts).enumerate() {
                if m.m < 0 {
                    return Err(limit_at(start + 4 * o + 4 * k));
                }
                if !m.is_valid() {
                    return Err(limit_at(start + 8 * o + k));
                }
            }
            let weights_at = 8 * o + align4(o).unwrap_or(0);
            zero_from(9 * o, weights_at)?;
            let n = o * input as usize;
            let weights = record.get(weights_at..weights_at + n).unwrap_or(&[]);
            if let Some(i) = first_byte_0x80(weights) {
                return Err(limit_at(start + weights_at + i));
            }
            zero_from(weights_at + n, record.len())
        }
        Layer::Activation(Activation::Relu) | Layer::SaveResidual => Ok(()),
        Layer::Activation(_) => {
            let table = I16s::new(record.get(..2 * LUT_LEN).unwrap_or(&[]));
            if let Some(i) = table.iter().position(|v| v == i16::MIN) {
                return Err(limit_at(start + 2 * i));
            }
            zero_from(2 * LUT_LEN, record.len())
        }
        Layer::AddResidual => {
            match [0, 8]
                .into_iter()
                .find(|&at| multiplier_at(record, at).is_none())
            {
                Some(at) => Err(limit_at(start + at)),
                None => Ok(()),
            }
        }
    }
}

// proptest collects into `Vec`s: `cargo test --features std`.
#[cfg(all(test, feature = "std"))]
mod tests {
    use super::first_byte_0x80;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn finds_the_first_0x80_as_a_byte_scan_does(
            bytes in proptest::collection::vec(
                // Bytes next to 0x80 and 0x00 make the borrows of the word
                // test run across lanes.
                prop_oneof![any::<u8>(), Just(0x80u8), Just(0x81), Just(0x7f), Just(0x00)],
                0..40,
            )
        ) {
            prop_assert_eq!(first_byte_0x80(&bytes), bytes.iter().position(|&b| b == 0x80));
        }
    }
}
