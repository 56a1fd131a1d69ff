//! The network's layers, read from the topology section.

use super::cursor::Cursor;
use super::{FormatError, MAX_DIM, MAX_LAYERS, MAX_WIDTH, SectionKind};
use crate::plan::Prediction;

/// Bytes of the topology section's fixed part.
pub(super) const TOPOLOGY_HEADER_LEN: usize = 32;
/// Bytes of one layer record.
pub(super) const LAYER_RECORD_LEN: usize = 16;

/// Elementwise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// `max(x, 0)` (code 1).
    Relu,
    /// `x·sigmoid(x)` (code 2).
    Silu,
    /// `tanh(x)` (code 3).
    Tanh,
}

impl Activation {
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
    pub(super) const fn code(self) -> u8 {
        match self {
            Activation::Relu => 1,
            Activation::Silu => 2,
            Activation::Tanh => 3,
        }
    }

    const fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Activation::Relu),
            2 => Some(Activation::Silu),
            3 => Some(Activation::Tanh),
            _ => None,
        }
    }
}

/// One layer of the network, applied to a running activation vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Layer {
    /// `y = W·x + b`, `W` of `output × input`, row-major (op 1).
    Dense {
        /// Input width.
        input: u32,
        /// Output width.
        output: u32,
    },
    /// Elementwise activation (op 2).
    Activation(Activation),
    /// Remember the current vector for a later [`Layer::AddResidual`] (op 3).
    SaveResidual,
    /// Add the remembered vector (op 4).
    AddResidual,
}

impl Layer {
    pub(super) const fn op(self) -> u8 {
        match self {
            Layer::Dense { .. } => 1,
            Layer::Activation(_) => 2,
            Layer::SaveResidual => 3,
            Layer::AddResidual => 4,
        }
    }
}

/// How the network sees the time.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TimeConditioning {
    /// `[cos(t·scale·ω_k), sin(t·scale·ω_k)]`, `ω_k = max_period^(−k/half)`,
    /// appended to the input (code 1).
    Sinusoidal {
        /// Embedding width (even).
        dim: u32,
        /// Longest period (10000 in transformer embeddings).
        max_period: f32,
        /// Factor applied to the schedule time first.
        scale: f32,
    },
    /// The embedding was folded at export into one first-layer bias row per
    /// row of an embedded plan (code 2); see `TimeBias`.
    BiasTable,
}

impl TimeConditioning {
    /// Width appended to the data at the input.
    pub fn input_width(&self) -> u32 {
        match self {
            TimeConditioning::Sinusoidal { dim, .. } => *dim,
            TimeConditioning::BiasTable => 0,
        }
    }
}

/// The validated network description.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Topology<'a> {
    x_dim: u32,
    time: TimeConditioning,
    prediction: Prediction,
    max_width: u32,
    dense_params: u32,
    records: &'a [[u8; LAYER_RECORD_LEN]],
}

impl<'a> Topology<'a> {
    /// Data dimension (input and output width).
    pub fn x_dim(&self) -> u32 {
        self.x_dim
    }

    /// Time conditioning.
    pub fn time(&self) -> TimeConditioning {
        self.time
    }

    /// What the output means.
    pub fn prediction(&self) -> Prediction {
        self.prediction
    }

    /// Widest vector anywhere in the network, input included.
    pub fn max_width(&self) -> u32 {
        self.max_width
    }

    /// Weights plus biases of all dense layers.
    pub fn parameter_count(&self) -> u32 {
        self.dense_params
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when there are no layers (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The layers in order.
    pub fn layers(&self) -> impl Iterator<Item = Layer> + use<'a> {
        self.records.iter().filter_map(decode_layer)
    }

    /// Output width of the first dense layer (the width a time-bias row has).
    pub fn first_dense_output(&self) -> u32 {
        self.layers()
            .find_map(|l| match l {
                Layer::Dense { output, .. } => Some(output),
                _ => None,
            })
            .unwrap_or(0)
    }
}

fn decode_layer(r: &[u8; LAYER_RECORD_LEN]) -> Option<Layer> {
    let [op, act, ..] = *r;
    let input = u32::from_le_bytes([r[4], r[5], r[6], r[7]]);
    let output = u32::from_le_bytes([r[8], r[9], r[10], r[11]]);
    match op {
        1 => Some(Layer::Dense { input, output }),
        2 => Activation::from_code(act).map(Layer::Activation),
        3 => Some(Layer::SaveResidual),
        4 => Some(Layer::AddResidual),
        _ => None,
    }
}

pub(super) fn prediction_from_code(c: u32) -> Option<Prediction> {
    match c {
        0 => Some(Prediction::Epsilon),
        1 => Some(Prediction::Sample),
        2 => Some(Prediction::Velocity),
        _ => None,
    }
}

#[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
pub(super) fn prediction_code(p: Prediction) -> u32 {
    match p {
        Prediction::Epsilon => 0,
        Prediction::Sample => 1,
        Prediction::Velocity => 2,
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<Topology<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::Topology);
    let at = c.offset();
    let x_dim = c.u32()?;
    if x_dim == 0 || x_dim > MAX_DIM {
        return Err(c.limit(at));
    }
    let at = c.offset();
    let layer_count = c.u32()?;
    if layer_count == 0 || layer_count > MAX_LAYERS {
        return Err(c.limit(at));
    }
    let at = c.offset();
    let time_code = c.u32()?;
    let emb_at = c.offset();
    let emb = c.u32()?;
    let max_period = c.f32()?;
    let scale = c.f32()?;
    let time = match time_code {
        1 => {
            if emb == 0 || emb % 2 != 0 || emb > MAX_WIDTH {
                return Err(c.limit(emb_at));
            }
            if !(max_period.is_finite() && max_period > 1.0 && scale.is_finite()) {
                return Err(FormatError::NonFinite {
                    section: SectionKind::Topology,
                    index: 0,
                });
            }
            TimeConditioning::Sinusoidal {
                dim: emb,
                max_period,
                scale,
            }
        }
        2 => {
            if emb != 0 || max_period != 0.0 || scale != 0.0 {
                return Err(c.limit(emb_at));
            }
            TimeConditioning::BiasTable
        }
        _ => return Err(c.bad_code(at)),
    };
    let at = c.offset();
    let prediction = prediction_from_code(c.u32()?).ok_or(c.bad_code(at))?;
    c.reserved_u32()?;
    let table_len = (layer_count as usize) * LAYER_RECORD_LEN;
    let records = c.take(table_len)?.as_chunks::<LAYER_RECORD_LEN>().0;
    c.finish()?;

    let input_width = x_dim
        .checked_add(time.input_width())
        .filter(|&w| w <= MAX_WIDTH)
        .ok_or(c.limit(emb_at))?;
    let (max_width, dense_params) = check_shapes(records, x_dim, input_width, time)?;
    Ok(Topology {
        x_dim,
        time,
        prediction,
        max_width,
        dense_params,
        records,
    })
}

/// Walks the layers, checking every record and shape; returns the widest
/// vector and the parameter count.
fn check_shapes(
    records: &[[u8; LAYER_RECORD_LEN]],
    x_dim: u32,
    input_width: u32,
    time: TimeConditioning,
) -> Result<(u32, u32), FormatError> {
    let mut width = input_width;
    let mut max_width = width;
    let mut saved: Option<u32> = None;
    let mut params: u32 = 0;
    let mut seen_dense = false;
    for (i, r) in records.iter().enumerate() {
        let layer = u32::try_from(i).unwrap_or(u32::MAX);
        let record_at = (TOPOLOGY_HEADER_LEN + i * LAYER_RECORD_LEN) as u32;
        let bad = FormatError::BadCode {
            section: SectionKind::Topology,
            offset: record_at,
        };
        let l = decode_layer(r).ok_or(bad)?;
        let [_, act, r2, r3, ..] = *r;
        let input = u32::from_le_bytes([r[4], r[5], r[6], r[7]]);
        let output = u32::from_le_bytes([r[8], r[9], r[10], r[11]]);
        let reserved = u32::from_le_bytes([r[12], r[13], r[14], r[15]]);
        if r2 != 0 || r3 != 0 || reserved != 0 || (l.op() != 2 && act != 0) {
            return Err(FormatError::Reserved {
                offset: record_at + 1,
            });
        }
        // The first layer of a bias-table model must be dense: that is the
        // layer whose bias the table adds to.
        if i == 0 && time == TimeConditioning::BiasTable && l.op() != 1 {
            return Err(FormatError::Shape { layer });
        }
        match l {
            Layer::Dense { .. } => {
                if input != width || output == 0 || output > MAX_WIDTH {
                    return Err(FormatError::Shape { layer });
                }
                let n = output
                    .checked_mul(input)
                    .and_then(|w| w.checked_add(output))
                    .and_then(|w| params.checked_add(w))
                    .ok_or(FormatError::Shape { layer })?;
                params = n;
                width = output;
                max_width = max_width.max(width);
                seen_dense = true;
            }
            Layer::Activation(_) => {
                if input != width || output != width {
                    return Err(FormatError::Shape { layer });
                }
            }
            Layer::SaveResidual => {
                if input != width || output != width || saved.is_some() {
                    return Err(FormatError::Residual { layer });
                }
                saved = Some(width);
            }
            Layer::AddResidual => {
                if input != width || output != width || saved != Some(width) {
                    return Err(FormatError::Residual { layer });
                }
                saved = None;
            }
        }
    }
    let count = u32::try_from(records.len()).unwrap_or(u32::MAX);
    if saved.is_some() {
        return Err(FormatError::Residual { layer: count });
    }
    if !seen_dense || width != x_dim {
        return Err(FormatError::Shape { layer: count });
    }
    Ok((max_width, params))
}
