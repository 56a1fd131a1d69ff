//! The f32 and f16 backends for C: the `tinyscore_f32_*` functions, on
//! `float` states in model units.
//!
//! Without feature `float` they are still exported, so that one header
//! fits every build, and return `TINYSCORE_STATUS_BACKEND`: such a library
//! parses fixed-point models only.
#![cfg_attr(not(feature = "float"), allow(unused_variables))]

use crate::model::tinyscore_model;
use crate::rng::tinyscore_rng;
use crate::status::tinyscore_status;
#[cfg(feature = "float")]
use crate::tasks::{self, Call, input, state};
use core::ffi::c_void;

/// An anomaly score of a float model and its decision.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct tinyscore_verdict_f32 {
    /// Mean squared denoising error, model units.
    pub score: f32,
    /// Whether the score is above the threshold stored with the model.
    pub anomaly: bool,
}

#[cfg(feature = "float")]
mod engine {
    use crate::scratch::Buffer;
    use crate::status::tinyscore_status;
    use crate::tasks::Engine;
    use tinyscore::format::{EmbeddedPlan, Model};
    use tinyscore::net::{Guidance, Guided, Network};
    use tinyscore::sampler::{Sampler, SamplerError};

    /// The float samplers.
    pub(crate) struct Float;

    /// The sampler's share of `scratch`, and the rest; `Backend` for a
    /// fixed-point model.
    fn split<'s>(
        model: &Model<'static>,
        scratch: Buffer<'s>,
    ) -> Result<(&'s mut [f32], Buffer<'s>), tinyscore_status> {
        model.network().ok_or(SamplerError::Backend)?;
        scratch.f32s(model.scratch_len())
    }

    impl Engine for Float {
        type Value = f32;
        type Weight = f32;
        type Plain<'s> = Sampler<'static, 's, Network<'static>, EmbeddedPlan<'static>>;
        type Guided<'s> = Sampler<'static, 's, Guided<Network<'static>>, EmbeddedPlan<'static>>;

        fn plain<'s>(
            model: &Model<'static>,
            plan: usize,
            scratch: Buffer<'s>,
        ) -> Result<(Self::Plain<'s>, &'s mut [f32]), tinyscore_status> {
            let (sampler, rest) = split(model, scratch)?;
            let (work, _) = rest.f32s(2 * model.topology().x_dim() as usize)?;
            Ok((Sampler::embedded(model, plan, sampler)?, work))
        }

        fn guided<'s>(
            model: &Model<'static>,
            plan: usize,
            guidance: Guidance<f32>,
            scratch: Buffer<'s>,
        ) -> Result<Self::Guided<'s>, tinyscore_status> {
            let (sampler, _) = split(model, scratch)?;
            Ok(Sampler::embedded_guided(model, plan, guidance, sampler)?)
        }
    }
}
#[cfg(feature = "float")]
use engine::Float;

/// The status of `result` in a library with feature `float`; `Backend`
/// without it.
macro_rules! with_float {
    ($result:expr) => {{
        #[cfg(feature = "float")]
        let status = crate::status::of($result);
        #[cfg(not(feature = "float"))]
        let status = tinyscore_status::Backend;
        status
    }};
}

/// Draws a sample of embedded plan `plan` into `x` (`dim` elements, model
/// units) from the stream `rng`, which it advances.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`, `rng` to a
/// `tinyscore_rng`, `scratch` to `scratch_bytes` writable bytes and `x` to
/// `dim` writable floats, none of them used elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_sample(
    model: *const tinyscore_model,
    plan: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    with_float!((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        tasks::sample::<Float>(call, plan, x)
    })())
}

/// Draws a sample of class `class_id` of a class-conditional model into
/// `x`, with classifier-free guidance of weight `weight` (0 is the plain
/// conditional model; each row then costs two network evaluations).
///
/// # Safety
///
/// As `tinyscore_f32_sample`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_guided(
    model: *const tinyscore_model,
    plan: u32,
    class_id: u32,
    weight: f32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    with_float!((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        let guidance = tinyscore::net::Guidance {
            class: class_id,
            weight,
        };
        tasks::guided::<Float>(call, plan, guidance, x)
    })())
}

/// Fills in the coordinates of `x` where `mask` is false, given `observed`
/// where it is true (model units): replacement, each row run `resample`
/// times (RePaint; 1 is plain replacement). At the end `x` holds
/// `observed` exactly where `mask` is true. The plan's states must have
/// noise levels (DDPM, DDIM, Euler-Maruyama, PF-ODE Euler, DPM-Solver++).
///
/// # Safety
///
/// As `tinyscore_f32_sample`; `observed` and `mask` must point to `dim`
/// readable elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_impute(
    model: *const tinyscore_model,
    plan: u32,
    resample: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    observed: *const f32,
    mask: *const bool,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    with_float!((|| {
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
        tasks::impute::<Float>(call, plan, resample, observed, mask, x)
    })())
}

/// Denoises `x` (model units) in place by SDEdit: noises it to the level
/// of plan row `row` and runs the plan from there (a smaller row is more
/// noise, and moves `x` further).
///
/// # Safety
///
/// As `tinyscore_f32_sample`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_denoise(
    model: *const tinyscore_model,
    plan: u32,
    row: u32,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    with_float!((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x) = unsafe {
            (
                Call::new(model, rng, scratch, scratch_bytes)?,
                state(x, dim)?,
            )
        };
        tasks::denoise::<Float>(call, plan, row, x)
    })())
}

/// The anomaly score of `x` (model units) with the model's stored
/// detector, and its decision against the stored threshold, into
/// `*verdict`.
///
/// # Safety
///
/// As `tinyscore_f32_sample`, with `x` readable; `verdict` must point to a
/// writable `tinyscore_verdict_f32`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_score(
    model: *const tinyscore_model,
    rng: *mut tinyscore_rng,
    scratch: *mut c_void,
    scratch_bytes: usize,
    x: *const f32,
    dim: usize,
    verdict: *mut tinyscore_verdict_f32,
) -> tinyscore_status {
    with_float!((|| {
        // SAFETY: the caller's pointers, as documented.
        let (call, x, out) = unsafe {
            let call = Call::new(model, rng, scratch, scratch_bytes)?;
            (call, input(x, dim)?, verdict.as_mut())
        };
        let out = out.ok_or(tinyscore_status::NullPointer)?;
        let v = tasks::score::<Float>(call, x)?;
        *out = tinyscore_verdict_f32 {
            score: v.score,
            anomaly: v.anomaly,
        };
        Ok(())
    })())
}
