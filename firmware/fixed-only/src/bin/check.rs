//! The `baseline` program plus the loader: checks the model with
//! `Model::parse` (built without `float`), then prints what `baseline`
//! prints. Its size minus `baseline`'s is the loader's; `sample`'s minus
//! its own is what sampling adds (see the crate docs).
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use tinyscore::format::Model;
use tinyscore_fixed_only::{MAX_DIM, MODEL, SAMPLES, Scratch, exit, print_sample};

#[entry]
fn main() -> ! {
    let model: &[u8] = black_box(MODEL);
    // Kept, so that nothing the parse works out is optimised away.
    let parsed = match Model::parse(model) {
        Ok(parsed) => black_box(parsed),
        Err(e) => {
            defmt::println!("error {}", e);
            exit(1)
        }
    };
    let mut scratch = Scratch::new();
    black_box(&mut scratch);
    defmt::println!("model {=usize} bytes", model.len());
    let x = [0i32; MAX_DIM];
    let dim = (parsed.topology().x_dim() as usize).min(MAX_DIM);
    for i in 0..SAMPLES {
        print_sample(i, x.get(..dim).unwrap_or_default());
    }
    exit(0)
}
