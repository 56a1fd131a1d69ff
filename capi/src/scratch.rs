//! The caller's scratch buffer: how many bytes a model's tasks need, and
//! its split into the typed buffers of each backend's sampler.
//!
//! One buffer serves every task of a model: the sampler's scratch, then two
//! states of work for the anomaly score. For the f32 and f16 backends it is
//! all `f32`; for fixed point the `i32` registers and work come first and
//! the `i16` activations after them, so a 4-byte-aligned buffer needs no
//! padding. The buffer is zeroed before each use, so its contents on entry
//! do not matter.

use crate::status::tinyscore_status;
use core::ffi::c_void;
use core::mem::size_of;
use tinyscore::fixed::FixedScratch;
use tinyscore::format::Model;

/// States of work the anomaly score needs besides the sampler's scratch.
const WORK_STATES: usize = 2;

/// Bytes of scratch the tasks of `model` need.
pub(crate) fn bytes(model: &Model<'_>) -> usize {
    let dim = model.topology().x_dim() as usize;
    let work = WORK_STATES * dim;
    match model.fixed_network() {
        Some(network) => {
            let need = FixedScratch::of(&network);
            // The activations take whole words, two `i16` each.
            size_of::<u32>() * (need.registers + work + need.activations.div_ceil(2))
        }
        None => size_of::<f32>() * (float_len(model) + work),
    }
}

/// `f32` elements of a float sampler's scratch.
#[cfg(feature = "float")]
fn float_len(model: &Model<'_>) -> usize {
    model.scratch_len()
}

/// Without `float` no model has a float sampler.
#[cfg(not(feature = "float"))]
fn float_len(_: &Model<'_>) -> usize {
    0
}

/// The caller's buffer, checked and zeroed.
pub(crate) struct Buffer<'s> {
    words: &'s mut [u32],
}

impl<'s> Buffer<'s> {
    /// The `len` bytes at `scratch` as 32-bit words (a trailing partial
    /// word is left unused), zeroed.
    ///
    /// # Safety
    ///
    /// `scratch` is NULL or points to `len` writable bytes that nothing
    /// else uses during the call.
    pub(crate) unsafe fn new(scratch: *mut c_void, len: usize) -> Result<Self, tinyscore_status> {
        if scratch.is_null() {
            return Err(tinyscore_status::NullPointer);
        }
        if !(scratch as usize).is_multiple_of(size_of::<u32>()) {
            return Err(tinyscore_status::Alignment);
        }
        let count = len / size_of::<u32>();
        let start = scratch.cast::<u32>();
        // SAFETY: `count` aligned words lie inside the caller's `len`
        // writable bytes; they are written before they are read.
        let words = unsafe {
            core::ptr::write_bytes(start, 0, count);
            core::slice::from_raw_parts_mut(start, count)
        };
        Ok(Buffer { words })
    }

    /// The first `len` words as `f32` (the rest after them), or the
    /// shortage as [`tinyscore_status::Scratch`].
    #[cfg(feature = "float")]
    pub(crate) fn f32s(self, len: usize) -> Result<(&'s mut [f32], Self), tinyscore_status> {
        let (head, rest) = self.split(len)?;
        // SAFETY: every bit pattern of a `u32` is an `f32` of the same size
        // and alignment.
        let floats = unsafe { &mut *(head as *mut [u32] as *mut [f32]) };
        Ok((floats, rest))
    }

    /// The first `len` words as `i32`, and the rest.
    pub(crate) fn i32s(self, len: usize) -> Result<(&'s mut [i32], Self), tinyscore_status> {
        let (head, rest) = self.split(len)?;
        // SAFETY: `i32` and `u32` have the same size, alignment and valid
        // bit patterns.
        let ints = unsafe { &mut *(head as *mut [u32] as *mut [i32]) };
        Ok((ints, rest))
    }

    /// The first `len` `i16`s of the rest.
    pub(crate) fn i16s(self, len: usize) -> Result<&'s mut [i16], tinyscore_status> {
        let (head, _) = self.split(len.div_ceil(2))?;
        // SAFETY: a `u32` holds two `i16`s and is aligned for them; every
        // bit pattern is valid.
        let halves = unsafe {
            core::slice::from_raw_parts_mut(head.as_mut_ptr().cast::<i16>(), 2 * head.len())
        };
        halves.get_mut(..len).ok_or(tinyscore_status::Scratch)
    }

    fn split(self, len: usize) -> Result<(&'s mut [u32], Self), tinyscore_status> {
        let (head, words) = self
            .words
            .split_at_mut_checked(len)
            .ok_or(tinyscore_status::Scratch)?;
        Ok((head, Buffer { words }))
    }
}
