//! Weights of the float backends: f32 (kind 2) and f16 (kind 3).
//!
//! Both store, for each dense layer in order, `W` (output × input,
//! row-major) and then the bias `b` as f32. f32 stores `W` as f32; f16 as
//! IEEE binary16 padded with zeros to a multiple of 4 bytes.

use super::cursor::{F16s, F32s};
use super::{FormatError, Layer, SectionKind, Topology};

/// How `W` is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FloatKind {
    /// IEEE binary32.
    F32,
    /// IEEE binary16.
    F16,
}

/// Validated float weights, read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FloatWeights<'a> {
    kind: FloatKind,
    bytes: &'a [u8],
}

/// One dense layer's weight matrix in its stored precision.
#[derive(Clone, Copy, Debug)]
pub enum Matrix<'a> {
    /// f32 values.
    F32(F32s<'a>),
    /// f16 values.
    F16(F16s<'a>),
}

/// One dense layer's weights.
#[derive(Clone, Copy, Debug)]
pub struct DenseWeights<'a> {
    /// `W`, output × input, row-major.
    pub matrix: Matrix<'a>,
    /// `b`.
    pub bias: F32s<'a>,
}

impl FloatKind {
    fn matrix_bytes(self, values: usize) -> Option<usize> {
        match self {
            FloatKind::F32 => values.checked_mul(4),
            FloatKind::F16 => values.checked_mul(2)?.checked_add(3).map(|n| n & !3),
        }
    }

    fn section(self) -> SectionKind {
        match self {
            FloatKind::F32 => SectionKind::WeightsF32,
            FloatKind::F16 => SectionKind::WeightsF16,
        }
    }
}

impl<'a> FloatWeights<'a> {
    /// The storage precision of `W`.
    pub fn kind(&self) -> FloatKind {
        self.kind
    }

    /// Bytes of the section.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The dense layer whose record starts at byte `offset`, and the offset
    /// of the next one.
    pub fn dense_at(
        &self,
        offset: usize,
        input: u32,
        output: u32,
    ) -> Option<(DenseWeights<'a>, usize)> {
        let values = (output as usize).checked_mul(input as usize)?;
        let matrix_len = self.kind.matrix_bytes(values)?;
        let bias_at = offset.checked_add(matrix_len)?;
        let end = bias_at.checked_add((output as usize).checked_mul(4)?)?;
        let raw = self.bytes.get(offset..bias_at)?;
        let matrix = match self.kind {
            FloatKind::F32 => Matrix::F32(F32s::new(raw)),
            FloatKind::F16 => Matrix::F16(F16s::new(raw.get(..2 * values)?)),
        };
        let bias = F32s::new(self.bytes.get(bias_at..end)?);
        Some((DenseWeights { matrix, bias }, end))
    }

    /// Every dense layer's weights, in order.
    pub fn dense_layers(
        &self,
        topology: Topology<'a>,
    ) -> impl Iterator<Item = DenseWeights<'a>> + use<'a> {
        let this = *self;
        topology
            .layers()
            .filter_map(|l| match l {
                Layer::Dense { input, output } => Some((input, output)),
                _ => None,
            })
            .scan(0usize, move |offset, (input, output)| {
                let (dense, next) = this.dense_at(*offset, input, output)?;
                *offset = next;
                Some(dense)
            })
    }
}

/// Checks a float weights section against the topology: exact length, zero
/// padding, every value finite.
pub(super) fn parse<'a>(
    bytes: &'a [u8],
    kind: FloatKind,
    topology: Topology<'a>,
) -> Result<FloatWeights<'a>, FormatError> {
    let section = kind.section();
    let weights = FloatWeights { kind, bytes };
    let mut offset = 0usize;
    let mut index = 0usize;
    let non_finite = |i: usize| FormatError::NonFinite {
        section,
        index: u32::try_from(i).unwrap_or(u32::MAX),
    };
    for layer in topology.layers() {
        let Layer::Dense { input, output } = layer else {
            continue;
        };
        let (dense, next) = weights
            .dense_at(offset, input, output)
            .ok_or(FormatError::SectionLength(section))?;
        let values = match dense.matrix {
            Matrix::F32(w) => {
                if let Some(i) = w.first_non_finite() {
                    return Err(non_finite(index + i));
                }
                w.len()
            }
            Matrix::F16(w) => {
                if let Some(i) = w.iter().position(|v| !v.is_finite()) {
                    return Err(non_finite(index + i));
                }
                let pad_at = offset + 2 * w.len();
                let padding = bytes.get(pad_at..next - 4 * dense.bias.len());
                if let Some(i) = padding.and_then(|p| p.iter().position(|&b| b != 0)) {
                    return Err(FormatError::Limit {
                        section,
                        offset: u32::try_from(pad_at + i).unwrap_or(u32::MAX),
                    });
                }
                w.len()
            }
        };
        if let Some(i) = dense.bias.first_non_finite() {
            return Err(non_finite(index + values + i));
        }
        index += values + dense.bias.len();
        offset = next;
    }
    if offset != bytes.len() {
        return Err(FormatError::SectionLength(section));
    }
    Ok(weights)
}
