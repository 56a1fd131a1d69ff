//! [`Words`]: the printed bits of a task's states and their running CRC.

use crate::{Element, MAX_DIM};
use tinyscore::format::Crc32;

/// A buffer for one state's words and the CRC-32 of all words so far.
pub struct Words {
    buffer: [u32; MAX_DIM],
    crc: Crc32,
}

impl Words {
    /// No words yet.
    pub fn new() -> Self {
        Words {
            buffer: [0; MAX_DIM],
            crc: Crc32::new(),
        }
    }

    /// The words of `x` (at most [`MAX_DIM`] elements), added to the CRC.
    pub fn of<T: Element>(&mut self, x: &[T]) -> &[u32] {
        let words = &mut self.buffer[..x.len().min(MAX_DIM)];
        for (w, v) in words.iter_mut().zip(x) {
            *w = v.word();
            self.crc.update(&w.to_le_bytes());
        }
        words
    }

    /// Prints `crc <crc32>`.
    pub fn finish(self) {
        defmt::println!("crc {=u32:08x}", self.crc.finish());
    }
}
