//! A named `f32` tensor, the unit a checkpoint's weight file is made of.
//!
//! Why its own type: the trainer's parameters are one flat vector, but a
//! checkpoint stores several of them (weights, EMA weights, optimiser
//! moments) and tools reading `weights.safetensors` (Python, `safetensors`
//! viewers) want names and shapes. A plain owned struct keeps the
//! checkpoint API free of the `safetensors` crate's borrowing view types.

use std::borrow::Cow;

use safetensors::{Dtype, View};

/// A named, row-major (C order) `f32` tensor.
///
/// `data.len()` must equal the product of `shape` (1 for the scalar shape
/// `[]`); [`save`](super::save) checks this.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The tensor's name, unique within a checkpoint (e.g. `"params"`,
    /// `"ema"`, `"adam.m"`). `"__metadata__"` is reserved by the format.
    pub name: String,
    /// The dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<f32>,
}

impl Tensor {
    /// A tensor with the given name, shape and values (not checked here).
    pub fn new(name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Self {
        Self {
            name: name.into(),
            shape,
            data,
        }
    }

    /// A one-dimensional tensor holding `data`: shape `[data.len()]`. The
    /// natural form of a flat parameter vector.
    pub fn vector(name: impl Into<String>, data: Vec<f32>) -> Self {
        let shape = vec![data.len()];
        Self::new(name, shape, data)
    }

    /// The number of elements `shape` calls for, or `None` if the product
    /// overflows `usize`.
    pub fn shape_len(&self) -> Option<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &dim| acc.checked_mul(dim))
    }
}

/// Serialises a [`Tensor`] as little-endian `F32` for `safetensors`.
pub(super) struct F32View<'a>(pub(super) &'a Tensor);

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.0.data.iter().flat_map(|x| x.to_le_bytes()).collect())
    }

    fn data_len(&self) -> usize {
        self.0.data.len() * size_of::<f32>()
    }
}
