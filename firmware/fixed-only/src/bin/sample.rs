//! A fixed-point-only firmware: check the model, draw samples, print them
//! (see the crate docs).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use tinyscore::fixed::FixedSampler;
use tinyscore::format::{FormatError, Model};
use tinyscore::sampler::SamplerError;
use tinyscore_fixed_only::{MAX_DIM, MODEL, SAMPLES, SEED, Scratch, exit, print_sample};

/// Why the program stopped.
#[derive(defmt::Format)]
enum Error {
    Format(FormatError),
    Sampler(SamplerError),
}

fn run() -> Result<(), Error> {
    let model = Model::parse(MODEL).map_err(Error::Format)?;
    let mut scratch = Scratch::new();
    let mut sampler =
        FixedSampler::embedded(&model, 0, &mut scratch.activations, &mut scratch.registers)
            .map_err(Error::Sampler)?;
    let mut x = [0i32; MAX_DIM];
    let x = x.get_mut(..sampler.x_dim()).unwrap_or_default();
    for i in 0..SAMPLES {
        let mut rng = tinyscore::noise::stream(SEED, u64::from(i));
        sampler.sample(x, &mut rng).map_err(Error::Sampler)?;
        print_sample(i, x);
    }
    Ok(())
}

#[entry]
fn main() -> ! {
    match run() {
        Ok(()) => exit(0),
        Err(e) => {
            defmt::println!("error {}", e);
            exit(1)
        }
    }
}
