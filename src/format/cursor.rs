//! Bounds-checked little-endian reads over a byte slice.

use super::{FormatError, SectionKind};

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

/// Little-endian `f32`s stored in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct F32s<'a> {
    bytes: &'a [[u8; 4]],
}

impl<'a> F32s<'a> {
    /// Views `bytes` (a trailing partial value is ignored).
    pub fn new(bytes: &'a [u8]) -> Self {
        F32s {
            bytes: bytes.as_chunks::<4>().0,
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
    pub fn get(&self, i: usize) -> Option<f32> {
        self.bytes.get(i).map(|b| f32::from_le_bytes(*b))
    }

    /// Values `range` as a view.
    pub fn slice(&self, start: usize, len: usize) -> Option<F32s<'a>> {
        let end = start.checked_add(len)?;
        self.bytes.get(start..end).map(|bytes| F32s { bytes })
    }

    /// The values in groups of four, and the 0–3 values left over.
    pub fn quads(&self) -> (impl Iterator<Item = [f32; 4]> + 'a, F32s<'a>) {
        let (quads, rest) = self.bytes.as_chunks::<4>();
        let values = quads.iter().map(|q| q.map(f32::from_le_bytes));
        (values, F32s { bytes: rest })
    }

    /// All values in order.
    pub fn iter(&self) -> impl Iterator<Item = f32> + 'a {
        self.bytes.iter().map(|b| f32::from_le_bytes(*b))
    }

    /// Index of the first value that is NaN or infinite.
    pub(super) fn first_non_finite(&self) -> Option<usize> {
        self.iter().position(|v| !v.is_finite())
    }
}
