//! The sampling tasks: plain samples, and guided samples of each class.

use crate::cost::Cost;
use crate::words::Words;
use crate::{Element, Engine, Error, Hooks, SAMPLES, SEED};
use rand_xoshiro::Xoshiro256PlusPlus;
use tinyscore::format::Normalization;
use tinyscore::sampler::SamplerError;
use tinyscore::stepper::Stepper;

/// The generator of item `i` of every task: the stream of item `i` of
/// [`SEED`], the runtime's one seeding convention, so that sample `i` is
/// sample `i` of `tinyscore sample --seed <SEED>` and of the C API's
/// `tinyscore_rng_init(rng, <SEED>, i)`.
pub fn item_rng(i: u32) -> Xoshiro256PlusPlus {
    tinyscore::noise::stream(SEED, u64::from(i))
}

/// Draws one sample into `x` (model units): noise, then every row.
pub fn draw<S: Stepper>(
    stepper: &mut S,
    x: &mut [S::Value],
    rng: &mut Xoshiro256PlusPlus,
) -> Result<(), SamplerError> {
    stepper.init(x, rng)?;
    while stepper.step(x, rng)? {}
    Ok(())
}

/// Prints [`SAMPLES`] plain samples, `sample <i> [<word>, …] data
/// [<value>, …]`, then their CRC; each is also handed to [`Hooks::sample`].
pub fn plain<S: Stepper, const DIM: usize>(
    stepper: &mut S,
    units: Normalization<'_>,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error>
where
    S::Value: Element,
{
    let mut cost = Cost::start(hooks);
    let mut words = Words::<DIM>::new(units);
    let mut x = [S::Value::default(); DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    for i in 0..SAMPLES {
        let mut rng = item_rng(i);
        cost.call(hooks, || draw(stepper, x, &mut rng))?;
        let (bits, data) = words.of(x);
        defmt::println!("sample {=u32} {:08x} data {=[?]}", i, bits, data);
        hooks.sample(i, bits);
    }
    words.finish();
    Ok(cost)
}

/// Prints [`SAMPLES`] guided samples, sample `i` of class `i mod classes`,
/// `guided <i> class <c> [<word>, …] data [<value>, …]`, then their CRC.
pub fn guided<E: Engine, const DIM: usize>(
    engine: &mut E,
    classes: u32,
    units: Normalization<'_>,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error> {
    let mut cost = Cost::start(hooks);
    let mut words = Words::<DIM>::new(units);
    let mut x = [E::Value::default(); DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    for i in 0..SAMPLES {
        let class = i % classes.max(1);
        let mut stepper = engine.guided(class)?;
        let mut rng = item_rng(i);
        cost.call(hooks, || draw(&mut stepper, x, &mut rng))?;
        let (bits, data) = words.of(x);
        defmt::println!(
            "guided {=u32} class {=u32} {:08x} data {=[?]}",
            i,
            class,
            bits,
            data
        );
    }
    words.finish();
    Ok(cost)
}
