//! The `sample` program without the runtime (see the crate docs).
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use tinyscore_fixed_only::{MODEL, Scratch, exit};

#[entry]
fn main() -> ! {
    let model: &[u8] = black_box(&MODEL.0);
    let mut scratch = Scratch::new();
    black_box(&mut scratch);
    defmt::println!("model {=usize} bytes", model.len());
    exit(0)
}
