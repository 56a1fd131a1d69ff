//! Bounds-checked little-endian reads over a byte slice.

use super::{FormatError, SectionKind};
use core::marker::PhantomData;

/// Reads fields in order from one section; running past its end is a
/// [`FormatError::SectionLength`] of that section.
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    section: SectionKind,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8], section: SectionKind) -> Self {
        Cursor {
            bytes,
            pos: 0,
            section,
        }
    }

    /// Byte offset of the next field.
    pub fn offset(&self) -> u32 {
        u32::try_from(self.pos).unwrap_or(u32::MAX)
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(FormatError::SectionLength(self.section))?;
        let out = self
            .bytes
            .get(self.pos..end)
            .ok_or(FormatError::SectionLength(self.section))?;
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], FormatError> {
        let bytes = self.take(N)?;
        bytes
            .first_chunk::<N>()
            .copied()
            .ok_or(FormatError::SectionLength(self.section))
    }

    pub fn u16(&mut self) -> Result<u16, FormatError> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u32(&mut self) -> Result<u32, FormatError> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn f32(&mut self) -> Result<f32, FormatError> {
        self.array().map(f32::from_le_bytes)
    }

    pub fn f64(&mut self) -> Result<f64, FormatError> {
        self.array().map(f64::from_le_bytes)
    }

    /// Reads a reserved `u32` that must be zero.
    pub fn reserved_u32(&mut self) -> Result<(), FormatError> {
        let at = self.offset();
        match self.u32()? {
            0 => Ok(()),
            _ => Err(FormatError::Reserved { offset: at }),
        }
    }

    /// Errors unless every byte has been read.
    pub fn finish(&self) -> Result<(), FormatError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(FormatError::SectionLength(self.section))
        }
    }

    /// An error for the field that starts at `offset`.
    pub fn bad_code(&self, offset: u32) -> FormatError {
        FormatError::BadCode {
            section: self.section,
            offset,
        }
    }

    /// A limit error for the field that starts at `offset`.
    pub fn limit(&self, offset: u32) -> FormatError {
        FormatError::Limit {
            section: self.section,
            offset,
        }
    }
}

/// A value stored little-endian in `N` bytes.
pub trait LeValue<const N: usize>: Copy {
    /// Decodes one value.
    fn from_le(bytes: [u8; N]) -> Self;
}

impl LeValue<4> for f32 {
    fn from_le(bytes: [u8; 4]) -> Self {
        f32::from_le_bytes(bytes)
    }
}

impl LeValue<4> for i32 {
    fn from_le(bytes: [u8; 4]) -> Self {
        i32::from_le_bytes(bytes)
    }
}

impl LeValue<2> for i16 {
    fn from_le(bytes: [u8; 2]) -> Self {
        i16::from_le_bytes(bytes)
    }
}

impl LeValue<2> for half::f16 {
    fn from_le(bytes: [u8; 2]) -> Self {
        half::f16::from_le_bytes(bytes)
    }
}

/// Little-endian values of type `T` (`N` bytes each) stored in place: the
/// zero-copy view every array of a model file is read through.
#[derive(Debug)]
pub struct LeValues<'a, T, const N: usize> {
    bytes: &'a [[u8; N]],
    value: PhantomData<T>,
}

// By hand: derives would demand `T: Copy + Eq`, which `f32` is not.
impl<T, const N: usize> Clone for LeValues<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, const N: usize> Copy for LeValues<'_, T, N> {}

/// Equal when the stored bytes are equal.
impl<T, const N: usize> PartialEq for LeValues<'_, T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<T, const N: usize> Eq for LeValues<'_, T, N> {}

/// `f32` values in place.
pub type F32s<'a> = LeValues<'a, f32, 4>;
/// IEEE binary16 values in place.
pub type F16s<'a> = LeValues<'a, half::f16, 2>;
/// `i32` values in place.
pub type I32s<'a> = LeValues<'a, i32, 4>;
/// `i16` values in place.
pub type I16s<'a> = LeValues<'a, i16, 2>;

#[cfg(feature = "defmt")]
impl<T, const N: usize> defmt::Format for LeValues<'_, T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "LeValues({=usize} values)", self.bytes.len())
    }
}

impl<'a, T: LeValue<N>, const N: usize> LeValues<'a, T, N> {
    /// Views `bytes` (a trailing partial value is ignored).
    pub fn new(bytes: &'a [u8]) -> Self {
        Self::from_chunks(bytes.as_chunks::<N>().0)
    }

    fn from_chunks(bytes: &'a [[u8; N]]) -> Self {
        LeValues {
            bytes,
            value: PhantomData,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<T> {
        self.bytes.get(i).map(|b| T::from_le(*b))
    }

    /// The stored values' bytes, in place.
    pub fn as_bytes(&self) -> &'a [[u8; N]] {
        self.bytes
    }

    /// The stored values as an array of exactly `L` (`None` for another
    /// count): indices below `L` need no check.
    pub fn as_array<const L: usize>(&self) -> Option<&'a [[u8; N]; L]> {
        self.bytes.try_into().ok()
    }

    /// Values `start..start + len` as a view.
    pub fn slice(&self, start: usize, len: usize) -> Option<Self> {
        let end = start.checked_add(len)?;
        self.bytes.get(start..end).map(Self::from_chunks)
    }

    /// The stored bytes of the values in groups of four, and the 0–3
    /// values left over.
    pub fn quads(&self) -> (&'a [[[u8; N]; 4]], Self) {
        let (quads, rest) = self.bytes.as_chunks::<4>();
        (quads, Self::from_chunks(rest))
    }

    /// All values in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + use<'a, T, N> {
        self.bytes.iter().map(|b| T::from_le(*b))
    }
}

impl F32s<'_> {
    /// Index of the first value that is NaN or infinite.
    pub(super) fn first_non_finite(&self) -> Option<usize> {
        self.iter().position(|v| !v.is_finite())
    }
}
