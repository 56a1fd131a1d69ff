//! The `sample` program without the runtime (see the crate docs).
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use tinyscore_fixed_only::{MAX_DIM, MODEL, SAMPLES, Scratch, exit, print_sample};

#[entry]
fn main() -> ! {
    let model: &[u8] = black_box(MODEL);
    let mut scratch = Scratch::new();
    black_box(&mut scratch);
    defmt::println!("model {=usize} bytes", model.len());
    let x = [0i32; MAX_DIM];
    let dim = black_box(2).min(MAX_DIM);
    for i in 0..SAMPLES {
        print_sample(i, x.get(..dim).unwrap_or_default());
    }
    exit(0)
}
