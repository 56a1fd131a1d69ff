//! The fixed-point backend for C: the `tinyscore_q16_*` functions, on
//! `int32_t` states in Q16.16 model units, integer arithmetic throughout.

use crate::model::tinyscore_model;
use crate::rng::tinyscore_rng;
use crate::scratch::Buffer;
use crate::status::{self, tinyscore_status};
use crate::tasks::{self, Call, Engine, input, state};
use core::ffi::c_void;
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::Model;
use tinyscore::net::Guidance;
use tinyscore::sampler::SamplerError;

/// An anomaly score of a fixed-point model and its decision.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tinyscore_verdict_q16 {
    /// Mean squared denoising error, model units, in Q32.32
    /// (`score / 2^32`).
    pub score: i64,
    /// Whether the score is above the threshold stored with the model.
    pub anomaly: bool,
}

/// The fixed-point samplers.
struct Fixed;

/// The fixed-point share of the scratch.
struct Parts<'s> {
    registers: &'s mut [i32],
    work: &'s mut [i32],
    activations: &'s mut [i16],
}

/// `scratch` split into the sampler's registers, two states of work and
/// the activations; `Backend` for a float model.
fn split<'s>(model: &Model<'static>, scratch: Buffer<'s>) -> Result<Parts<'s>, tinyscore_status> {
    let network = model.fixed_network().ok_or(SamplerError::Backend)?;
    let need = FixedScratch::of(&network);
    let (registers, rest) = scratch.i32s(need.registers)?;
    let (work, rest) = rest.i32s(2 * network.x_dim())?;
    Ok(Parts {
        registers,
        work,
        activations: rest.i16s(need.activations)?,
    })
}

impl Engine for Fixed {
    type Value = i32;
    type Weight = i32;
    type Plain<'s> = FixedSampler<'static, 's>;
    type Guided<'s> = FixedSampler<'static, 's>;

    fn plain<'s>(
        model: &Model<'static>,
        plan: usize,
        scratch: Buffer<'s>,
    ) -> Result<(Self::Plain<'s>, &'s mut [i32]), tinyscore_status> {
        let parts = split(model, scratch)?;
        let sampler = FixedSampler::embedded(model, plan, parts.activations, parts.registers)?;
        Ok((sampler, parts.work))
    }

    fn guided<'s>(
        model: &Model<'static>,
        plan: usize,
        guidance: Guidance<i32>,
        scratch: Buffer<'s>,
    ) -> Result<Self::Guided<'s>, tinyscore_status> {
        let parts = split(model, scratch)?;
        let (activations, registers) = (parts.activations, parts.registers);
        Ok(FixedSampler::embedded_guided(
            model,
            plan,
            guidance,
            activations,
            registers,
        )?)
    }
}

/// Draws a sample of embedded plan `plan` into `x` (`dim` elements, Q16.16
/// model units) from the stream `rng`, which it advances.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`, `rng` to a
/// `tinyscore_rng`, `scratch` to `scratch_bytes` writable bytes and `x` to
/// `dim` writable elements, none of them used elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_sample(
    model: *const tinyscore_model,
    plan: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut i32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        tasks::sample::<Fixed>(call, plan, x)
    })())
}

/// Draws a sample of class `class_id` of a class-conditional model into
/// `x`, with classifier-free guidance of weight `weight_q16` (Q16.16: 1.5
/// is 98304; 0 is the plain conditional model; each row then costs two
/// network evaluations).
///
/// # Safety
///
/// As `tinyscore_q16_sample`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_guided(
    model: *const tinyscore_model,
    plan: u32,
    class_id: u32,
    weight_q16: i32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut i32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        let guidance = Guidance {
            class: class_id,
            weight: weight_q16,
        };
        tasks::guided::<Fixed>(call, plan, guidance, x)
    })())
}

/// Fills in the coordinates of `x` where `mask` is false, given `observed`
/// where it is true (Q16.16 model units), as `tinyscore_f32_impute`.
///
/// # Safety
///
/// As `tinyscore_q16_sample`; `observed` and `mask` must point to `dim`
/// readable elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_impute(
    model: *const tinyscore_model,
    plan: u32,
    resample: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    observed: *const i32,
    mask: *const bool,
    x: *mut i32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, observed, mask, x) = unsafe {
            let call = Call::new(model, rng, scratch, scratch_bytes)?;
            (
                call,
                input(observed, dim)?,
                input(mask, dim)?,
                state(x, dim)?,
            )
        };
        tasks::impute::<Fixed>(call, plan, resample, observed, mask, x)
    })())
}

/// Denoises `x` (Q16.16 model units) in place by SDEdit from plan row
/// `row`, as `tinyscore_f32_denoise`.
///
/// # Safety
///
/// As `tinyscore_q16_sample`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_denoise(
    model: *const tinyscore_model,
    plan: u32,
    row: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut i32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        tasks::denoise::<Fixed>(call, plan, row, x)
    })())
}

/// The anomaly score of `x` (Q16.16 model units) with the model's stored
/// detector, and its decision, into `*verdict`; integer arithmetic only.
///
/// # Safety
///
/// As `tinyscore_q16_sample`, with `x` readable; `verdict` must point to a
/// writable `tinyscore_verdict_q16`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_score(
    model: *const tinyscore_model,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *const i32,
    dim: usize,
    verdict: *mut tinyscore_verdict_q16,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x, out) = unsafe {
            let call = Call::new(model, rng, scratch, scratch_bytes)?;
            (call, input(x, dim)?, verdict.as_mut())
        };
        let out = out.ok_or(tinyscore_status::NullPointer)?;
        let v = tasks::score::<Fixed>(call, x)?;
        *out = tinyscore_verdict_q16 {
            score: v.score,
            anomaly: v.anomaly,
        };
        Ok(())
    })())
}
