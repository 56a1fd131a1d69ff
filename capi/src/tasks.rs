//! The tasks, written once for every backend over the runtime's
//! [`Stepper`]: a whole sample, a guided sample, imputation, SDEdit
//! denoising and the anomaly verdict. `float.rs` and `q16.rs` export them
//! to C for their element types.
//!
//! Every task runs on embedded plans in model units (the normalised space
//! the network works in), as the runtime's samplers do; `units.rs`
//! converts to and from data units. A sampler is made for each call over
//! the caller's scratch: that costs a few slice splits, nothing next to a
//! network evaluation.

use crate::model::{parsed, tinyscore_model};
use crate::rng::tinyscore_rng;
use crate::scratch::Buffer;
use crate::status::tinyscore_status;
use core::ffi::c_void;
use tinyscore::format::Model;
use tinyscore::net::Guidance;
use tinyscore::noise::Generator;
use tinyscore::stepper::{StateValue, Stepper, Verdict};

/// The samplers of one backend, made over a caller's scratch.
pub(crate) trait Engine {
    /// A state element.
    type Value: StateValue;
    /// A guidance weight.
    type Weight;
    /// A sampler without guidance.
    type Plain<'s>: Stepper<Value = Self::Value>;
    /// A sampler with classifier-free guidance.
    type Guided<'s>: Stepper<Value = Self::Value>;

    /// The sampler of embedded plan `plan` and the work of two states.
    fn plain<'s>(
        model: &Model<'static>,
        plan: usize,
        scratch: Buffer<'s>,
    ) -> Result<(Self::Plain<'s>, &'s mut [Self::Value]), tinyscore_status>;

    /// The guided sampler of embedded plan `plan`.
    fn guided<'s>(
        model: &Model<'static>,
        plan: usize,
        guidance: Guidance<Self::Weight>,
        scratch: Buffer<'s>,
    ) -> Result<Self::Guided<'s>, tinyscore_status>;
}

/// What every task call gets: the model, the stream and the scratch.
pub(crate) struct Call<'a> {
    model: &'a Model<'static>,
    rng: &'a mut Generator,
    scratch: Buffer<'a>,
}

impl Call<'_> {
    /// The checked arguments common to every task.
    ///
    /// # Safety
    ///
    /// Each pointer is NULL or valid as the exported functions document;
    /// `scratch` has `scratch_bytes` writable bytes.
    pub(crate) unsafe fn new(
        model: *const tinyscore_model,
        rng: *mut tinyscore_rng,
        scratch: *mut c_void,
        scratch_bytes: usize,
    ) -> Result<Self, tinyscore_status> {
        // SAFETY: the caller's pointers, as documented.
        let (model, rng, scratch) = unsafe {
            (
                parsed(model)?,
                rng.as_mut(),
                Buffer::new(scratch, scratch_bytes)?,
            )
        };
        let rng = rng.ok_or(tinyscore_status::NullPointer)?.generator();
        Ok(Call {
            model,
            rng,
            scratch,
        })
    }
}

/// The caller's state vector of `dim` elements.
///
/// # Safety
///
/// `x` is NULL or points to `dim` writable elements used by nothing else.
pub(crate) unsafe fn state<'a, T>(x: *mut T, dim: usize) -> Result<&'a mut [T], tinyscore_status> {
    if x.is_null() {
        return Err(tinyscore_status::NullPointer);
    }
    // SAFETY: as the caller guarantees.
    Ok(unsafe { core::slice::from_raw_parts_mut(x, dim) })
}

/// The caller's input vector of `dim` elements.
///
/// # Safety
///
/// `x` is NULL or points to `dim` readable elements.
pub(crate) unsafe fn input<'a, T>(x: *const T, dim: usize) -> Result<&'a [T], tinyscore_status> {
    if x.is_null() {
        return Err(tinyscore_status::NullPointer);
    }
    // SAFETY: as the caller guarantees.
    Ok(unsafe { core::slice::from_raw_parts(x, dim) })
}

/// Runs `stepper` from fresh noise through every row of its plan.
fn draw<S: Stepper>(
    stepper: &mut S,
    x: &mut [S::Value],
    rng: &mut Generator,
) -> Result<(), tinyscore_status> {
    stepper.init(x, rng)?;
    while stepper.step(x, rng)? {}
    Ok(())
}

/// A sample of plan `plan` into `x`.
pub(crate) fn sample<E: Engine>(
    call: Call<'_>,
    plan: u32,
    x: &mut [E::Value],
) -> Result<(), tinyscore_status> {
    let (mut stepper, _) = E::plain(call.model, plan as usize, call.scratch)?;
    draw(&mut stepper, x, call.rng)
}

/// A sample of class `guidance.class` with classifier-free guidance.
pub(crate) fn guided<E: Engine>(
    call: Call<'_>,
    plan: u32,
    guidance: Guidance<E::Weight>,
    x: &mut [E::Value],
) -> Result<(), tinyscore_status> {
    let mut stepper = E::guided(call.model, plan as usize, guidance, call.scratch)?;
    draw(&mut stepper, x, call.rng)
}

/// `x` filled in where `mask` is false, given `observed` where it is true.
pub(crate) fn impute<E: Engine>(
    call: Call<'_>,
    plan: u32,
    resample: u32,
    observed: &[E::Value],
    mask: &[bool],
    x: &mut [E::Value],
) -> Result<(), tinyscore_status> {
    let (mut stepper, _) = E::plain(call.model, plan as usize, call.scratch)?;
    stepper.impute(x, observed, mask, resample, call.rng)?;
    Ok(())
}

/// SDEdit of `x` from row `row`.
pub(crate) fn denoise<E: Engine>(
    call: Call<'_>,
    plan: u32,
    row: u32,
    x: &mut [E::Value],
) -> Result<(), tinyscore_status> {
    let (mut stepper, _) = E::plain(call.model, plan as usize, call.scratch)?;
    stepper.sdedit(x, row, call.rng)?;
    Ok(())
}

/// The stored detector's score and decision for `x`.
pub(crate) fn score<E: Engine>(
    call: Call<'_>,
    x: &[E::Value],
) -> Result<Verdict<<E::Value as StateValue>::Score>, tinyscore_status> {
    let detector = call.model.anomaly().ok_or(tinyscore_status::NoDetector)?;
    let (mut stepper, work) = E::plain(call.model, detector.plan() as usize, call.scratch)?;
    Ok(stepper.detect(x, &detector, work, call.rng)?)
}
