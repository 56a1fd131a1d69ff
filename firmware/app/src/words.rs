//! [`Words`]: the printed form of a task's states, their bits and their
//! values in data units, and the running CRC of the bits.

use crate::Element;
use tinyscore::format::{Crc32, Normalization};

/// Buffers for one state of `DIM` elements: its words (bits), its values
/// in data units, and the CRC-32 of all words so far.
pub struct Words<'m, const DIM: usize> {
    bits: [u32; DIM],
    data: [f32; DIM],
    units: Normalization<'m>,
    crc: Crc32,
}

impl<'m, const DIM: usize> Words<'m, DIM> {
    /// No words yet; data units are those of `units` (the model's
    /// normalisation).
    pub fn new(units: Normalization<'m>) -> Self {
        Words {
            bits: [0; DIM],
            data: [0.0; DIM],
            units,
            crc: Crc32::new(),
        }
    }

    /// The words of `x` (at most `DIM` elements), added to the CRC, and
    /// its values in data units: the model-unit values as `f32`, mapped
    /// back with the model's normalisation, as `tinyscore sample` writes
    /// them.
    pub fn of<T: Element>(&mut self, x: &[T]) -> (&[u32], &[f32]) {
        let n = x.len().min(DIM);
        let (bits, data) = (&mut self.bits[..n], &mut self.data[..n]);
        for ((w, d), v) in bits.iter_mut().zip(data.iter_mut()).zip(x) {
            *w = v.word();
            *d = v.model_units();
            self.crc.update(&w.to_le_bytes());
        }
        self.units.to_data(data);
        (bits, data)
    }

    /// Prints `crc <crc32>`.
    pub fn finish(self) {
        defmt::println!("crc {=u32:08x}", self.crc.finish());
    }
}
