//! Timing instrumentation for bench/cmsis_nn.sh, added to a copy of the
//! checkout only (never the runtime's code): CMSDK TIMER0 ticks of every
//! dense layer call, keyed by its shape (built with `TS_LAYER_TICKS` set),
//! or of every whole forward (without it), on mps2-an386 under `-icount`,
//! the timer started by firmware/qemu's `measure` feature.
#![allow(unsafe_code, missing_docs, clippy::indexing_slicing)]

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

const PER_LAYER: bool = option_env!("TS_LAYER_TICKS").is_some();
const SLOTS: usize = 8;
static SHAPE: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
static CALLS: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
static TICKS: [AtomicU32; SLOTS] = [const { AtomicU32::new(0) }; SLOTS];
static FORWARDS: AtomicU32 = AtomicU32::new(0);
static FORWARD_TICKS: AtomicU32 = AtomicU32::new(0);
static FORWARD_WRAPS: AtomicU32 = AtomicU32::new(0);

#[inline(always)]
fn now() -> u32 {
    #[cfg(target_arch = "arm")]
    // SAFETY: TIMER0's VALUE register on mps2-an386, read only.
    return u32::MAX - unsafe { core::ptr::read_volatile(0x4000_0004 as *const u32) };
    #[cfg(not(target_arch = "arm"))]
    0
}

/// Times a dense layer call of `inputs` → `outputs` until dropped.
pub struct Layer(u32, u32);

impl Layer {
    #[inline(always)]
    pub fn start(inputs: usize, outputs: usize) -> Self {
        Layer(((inputs as u32) << 16) | outputs as u32, if PER_LAYER { now() } else { 0 })
    }
}

impl Drop for Layer {
    #[inline(always)]
    fn drop(&mut self) {
        if !PER_LAYER {
            return;
        }
        let t = now().wrapping_sub(self.1);
        for i in 0..SLOTS {
            let shape = SHAPE[i].load(Relaxed);
            if shape == 0 {
                SHAPE[i].store(self.0, Relaxed);
            } else if shape != self.0 {
                continue;
            }
            CALLS[i].fetch_add(1, Relaxed);
            TICKS[i].fetch_add(t, Relaxed);
            return;
        }
    }
}

/// Times a whole forward until dropped.
pub struct Forward(u32);

impl Forward {
    #[inline(always)]
    pub fn start() -> Self {
        Forward(if PER_LAYER { 0 } else { now() })
    }
}

impl Drop for Forward {
    #[inline(always)]
    fn drop(&mut self) {
        if PER_LAYER {
            return;
        }
        let t = now().wrapping_sub(self.0);
        if FORWARD_TICKS.fetch_add(t, Relaxed).checked_add(t).is_none() {
            FORWARD_WRAPS.fetch_add(1, Relaxed);
        }
        FORWARDS.fetch_add(1, Relaxed);
    }
}

/// Prints `layerticks IN OUT calls N ticks T` per shape, in the order first
/// called, and `forwardticks calls N ticks T wraps W`.
#[cfg(feature = "defmt")]
pub fn print() {
    for i in 0..SLOTS {
        let shape = SHAPE[i].load(Relaxed);
        if shape != 0 {
            defmt::println!(
                "layerticks {=u32} {=u32} calls {=u32} ticks {=u32}",
                shape >> 16,
                shape & 0xffff,
                CALLS[i].load(Relaxed),
                TICKS[i].load(Relaxed)
            );
        }
    }
    defmt::println!(
        "forwardticks calls {=u32} ticks {=u32} wraps {=u32}",
        FORWARDS.load(Relaxed),
        FORWARD_TICKS.load(Relaxed),
        FORWARD_WRAPS.load(Relaxed)
    );
}
