//! The tasks that put data into the model: imputation of dropped
//! coordinates, denoising and anomaly scores.
//!
//! Their inputs are the model's own samples (item `i` draws one with
//! [`item_rng`]`(i)` and goes on with the same generator), so that the
//! examples need no data besides the model and the host can repeat them.

use crate::cost::Cost;
use crate::sample::{draw, item_rng};
use crate::words::Words;
use crate::{Element, Error, Hooks, SAMPLES};
use rand_xoshiro::Xoshiro256PlusPlus;
use tinyscore::format::{AnomalyDetector, Normalization};
use tinyscore::stepper::Stepper;

/// Passes per row of the imputation (RePaint resampling; 1 would be the
/// plain replacement method).
pub const RESAMPLE: u32 = 2;

/// Whether item `i` drops coordinate `j` of `dim`: every fourth, starting
/// at `i mod 4` (at `(i mod 4) mod dim` for fewer than four coordinates).
pub fn dropped(i: u32, j: usize, dim: usize) -> bool {
    j % 4 == (i as usize % 4) % dim.clamp(1, 4)
}

/// Prints [`SAMPLES`] imputations, `impute <i> [<word>, …] data [<value>,
/// …]`, then their CRC: item `i` draws a sample, drops coordinates
/// ([`dropped`]) and fills them in again with [`Stepper::impute`] and
/// [`RESAMPLE`] passes.
pub fn impute<S: Stepper, const DIM: usize>(
    stepper: &mut S,
    units: Normalization<'_>,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error>
where
    S::Value: Element,
{
    let (mut cost, mut words) = (Cost::start(hooks), Words::<DIM>::new(units));
    let mut x = [S::Value::default(); DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    let mut mask = [false; DIM];
    let mask = mask.get_mut(..dim).unwrap_or_default();
    for_each_sample::<S, DIM>(stepper, dim, |stepper, i, observed, rng| {
        for (j, m) in mask.iter_mut().enumerate() {
            *m = !dropped(i, j, dim);
        }
        cost.call(hooks, || stepper.impute(x, observed, mask, RESAMPLE, rng))?;
        let (bits, data) = words.of(x);
        defmt::println!("impute {=u32} {:08x} data {=[?]}", i, bits, data);
        Ok(())
    })?;
    words.finish();
    Ok(cost)
}

/// Prints [`SAMPLES`] denoised readings, `denoise <i> [<word>, …] data
/// [<value>, …]`, then their CRC: item `i` draws a sample, adds a spike to
/// coordinate `i mod dim` ([`Element::spiked`]) and cleans it with SDEdit
/// ([`Stepper::sdedit`]) from row `row`.
pub fn denoise<S: Stepper, const DIM: usize>(
    stepper: &mut S,
    row: u32,
    units: Normalization<'_>,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error>
where
    S::Value: Element,
{
    let (mut cost, mut words) = (Cost::start(hooks), Words::<DIM>::new(units));
    for_each_sample::<S, DIM>(stepper, dim, |stepper, i, x, rng| {
        spike(x, i);
        cost.call(hooks, || stepper.sdedit(x, row, rng))?;
        let (bits, data) = words.of(x);
        defmt::println!("denoise {=u32} {:08x} data {=[?]}", i, bits, data);
        Ok(())
    })?;
    words.finish();
    Ok(cost)
}

/// Prints the detector's verdict on [`SAMPLES`] samples and on each with a
/// spike in coordinate `i mod dim` ([`Element::spiked`]):
/// `score <i> normal|spike <bits> <anomaly>`.
pub fn score<S: Stepper, const DIM: usize>(
    stepper: &mut S,
    detector: &AnomalyDetector<'_>,
    dim: usize,
    hooks: &mut impl Hooks,
) -> Result<Cost, Error>
where
    S::Value: Element,
{
    let mut cost = Cost::start(hooks);
    // Two states: the noised input and its estimate.
    let mut work = [[S::Value::default(); DIM]; 2];
    let work = work.as_flattened_mut();
    for_each_sample::<S, DIM>(stepper, dim, |stepper, i, x, rng| {
        for input in ["normal", "spike"] {
            if input == "spike" {
                spike(x, i);
            }
            let verdict = cost.call(hooks, || stepper.detect(x, detector, work, rng))?;
            defmt::println!(
                "score {=u32} {=str} {=u64:016x} {=bool}",
                i,
                input,
                S::Value::score_bits(verdict.score),
                verdict.anomaly
            );
        }
        Ok(())
    })?;
    Ok(cost)
}

/// Runs `task(stepper, i, x, rng)` for [`SAMPLES`] items: `x` holds a
/// sample of the model drawn with [`item_rng`]`(i)` (model units), `rng`
/// is that generator, to go on with.
fn for_each_sample<S: Stepper, const DIM: usize>(
    stepper: &mut S,
    dim: usize,
    mut task: impl FnMut(&mut S, u32, &mut [S::Value], &mut Xoshiro256PlusPlus) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut x = [S::Value::default(); DIM];
    let x = x.get_mut(..dim).unwrap_or_default();
    for i in 0..SAMPLES {
        let mut rng = item_rng(i);
        draw(stepper, x, &mut rng)?;
        task(stepper, i, x, &mut rng)?;
    }
    Ok(())
}

/// Adds a spike to coordinate `i mod x.len()` of `x`.
fn spike<T: Element>(x: &mut [T], i: u32) {
    let at = i as usize % x.len().max(1);
    if let Some(v) = x.get_mut(at) {
        *v = v.spiked();
    }
}
