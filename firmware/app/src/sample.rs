//! The sampling tasks: plain samples, and guided samples of each class.

use crate::cost::Cost;
use crate::words::Words;
use crate::{Element, Engine, Error, Hooks, MAX_DIM, SAMPLES, SEED};
use rand_xoshiro::Xoshiro256PlusPlus;
use tinyscore::sampler::SamplerError;
use tinyscore::stepper::Stepper;

/// The generator of item `i` of every task: the stream of item `i` of
/// [`SEED`], the runtime's one seeding convention, so that sample `i` is
/// sample `i` of `tinyscore sample --seed 2026` and of the C API's
/// `tinyscore_rng_init(rng, 2026, i)`.
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

/// Prints [`SAMPLES`] plain samples, `sample <i> [<word>, …]`, then their
/// CRC; each is also handed to [`Hooks::sample`].
pub fn plain<S: Stepper>(stepper: &mut S, dim: usize, hooks: &mut impl Hooks) -> Result<Cost, Error>
where
    S::Value: Element,
{
    let mut cost = Cost::start(hooks);
    let mut words = Words::new();
    let mut x = [S::Value::default(); MAX_DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    for i in 0..SAMPLES {
        let mut rng = item_rng(i);
        cost.call(hooks, || draw(stepper, x, &mut rng))?;
        let words = words.of(x);
        defmt::println!("sample {=u32} {:08x}", i, words);
        hooks.sample(i, words);
    }
    words.finish();
    Ok(cost)
}

/// Prints [`SAMPLES`] guided samples, sample `i` of class `i mod classes`,
/// `guided <i> class <c> [<word>, …]`, then their CRC.
pub fn guided<E: Engine>(
    engine: &mut E,
    classes: u32,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error> {
    let mut cost = Cost::start(hooks);
    let mut words = Words::new();
    let mut x = [E::Value::default(); MAX_DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    for i in 0..SAMPLES {
        let class = i % classes.max(1);
        let mut stepper = engine.guided(class)?;
        let mut rng = item_rng(i);
        cost.call(hooks, || draw(&mut stepper, x, &mut rng))?;
        defmt::println!("guided {=u32} class {=u32} {:08x}", i, class, words.of(x));
    }
    words.finish();
    Ok(cost)
}
