//! [`tinyscore_model`]: a parsed model in storage the caller owns, and
//! what it states about itself ([`tinyscore_info`], plan rows).
//!
//! The handle holds the runtime's `Model`, views into the file bytes, so
//! the bytes must stay in place for as long as the handle is used (a model
//! in flash always does). Nothing is allocated and nothing copied: the
//! handle is a few hundred bytes whatever the model's size.

use crate::error::tinyscore_error;
use crate::scratch;
use crate::status::{self, tinyscore_status};
use core::mem::{align_of, size_of};
use core::ptr;
use tinyscore::format::{Backend, MAX_PLANS, Model};

/// 64-bit words of the storage of a `tinyscore_model`.
pub const TINYSCORE_MODEL_WORDS: usize = 48;

// The runtime's `Model` fits the handle on every target.
const _: () = assert!(
    size_of::<Model<'static>>() <= 8 * TINYSCORE_MODEL_WORDS
        && align_of::<Model<'static>>() <= align_of::<u64>(),
    "Model outgrew tinyscore_model: raise TINYSCORE_MODEL_WORDS"
);

/// The tag of a parsed handle: "TSM1" in ASCII.
const PARSED: u32 = u32::from_le_bytes(*b"TSM1");

/// A parsed model: declare one (static, or on the stack) and fill it with
/// `tinyscore_model_parse`. Its fields are private to the library.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
pub struct tinyscore_model {
    /// Private: marks a handle filled by a successful parse.
    tag: u32,
    /// Private: the parsed model.
    storage: [u64; TINYSCORE_MODEL_WORDS],
}

/// The numeric backend of a model's weights.
#[allow(non_camel_case_types)] // C naming
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tinyscore_backend {
    /// f32 weights: run with the `tinyscore_f32_*` functions.
    F32 = 1,
    /// f16 weights, f32 arithmetic: run with the `tinyscore_f32_*` functions.
    F16 = 2,
    /// int8 weights, integer arithmetic: run with the `tinyscore_q16_*` functions.
    Fixed = 3,
}

/// What a model states about itself.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tinyscore_info {
    /// The backend, and with it the family of functions that runs the model.
    pub backend: tinyscore_backend,
    /// Data dimension: the length of every state vector.
    pub dim: u32,
    /// Classes of a class-conditional model, 0 for an unconditional one.
    pub classes: u32,
    /// Embedded plans (indices `0..plans`).
    pub plans: u32,
    /// Whether the model has an anomaly detector (`tinyscore_*_score`).
    pub has_detector: bool,
    /// The embedded plan the detector runs (0 without a detector).
    pub detector_plan: u32,
    /// Bytes of scratch every task of this model needs (4-byte aligned).
    pub scratch_bytes: usize,
    /// Bytes of the weights, read in place from the file.
    pub weight_bytes: usize,
    /// Trainable parameters of the network.
    pub parameters: u32,
    /// The classifier-free guidance weight the network holds, Q16.16 (0:
    /// none): a student distilled from guided sampling, whose classes are
    /// sampled with guidance 0.
    pub held_guidance_q16: u32,
}

/// Checks the whole model file `bytes[0..len]` once and fills `model` with
/// views into it. `bytes` must stay valid and unchanged while `model` is
/// used. On failure `model` is marked unparsed and, when `error` is not
/// NULL, `*error` receives the status and the runtime's message.
///
/// # Safety
///
/// `model` must point to a writable `tinyscore_model`; `bytes` to `len`
/// readable bytes (or be NULL); `error` to a writable `tinyscore_error`
/// or be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_model_parse(
    model: *mut tinyscore_model,
    bytes: *const u8,
    len: usize,
    error: *mut tinyscore_error,
) -> tinyscore_status {
    // SAFETY: the caller passes a writable error struct or NULL.
    let error = unsafe { error.as_mut() };
    // SAFETY: the caller passes a writable handle or NULL.
    let Some(model) = (unsafe { model.as_mut() }) else {
        return report(error, tinyscore_status::NullPointer);
    };
    model.tag = 0;
    if bytes.is_null() {
        return report(error, tinyscore_status::NullPointer);
    }
    // SAFETY: the caller keeps `len` bytes at `bytes` valid and unchanged
    // while the handle is used, which is what the 'static views assume.
    let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts(bytes, len) };
    match Model::parse(bytes) {
        Ok(parsed) => {
            // SAFETY: the storage is large and aligned enough (the assertion
            // above) and holds no value that needs dropping.
            unsafe { ptr::write(model.storage.as_mut_ptr().cast::<Model<'static>>(), parsed) };
            model.tag = PARSED;
            if let Some(error) = error {
                error.set(tinyscore_status::Ok, None);
            }
            tinyscore_status::Ok
        }
        Err(e) => {
            let status = tinyscore_status::from(e);
            if let Some(error) = error {
                error.set(status, Some(&e));
            }
            status
        }
    }
}

/// `status`, also recorded in `error`.
fn report(error: Option<&mut tinyscore_error>, status: tinyscore_status) -> tinyscore_status {
    if let Some(error) = error {
        error.set(status, None);
    }
    status
}

/// The model in a handle filled by a successful parse.
///
/// # Safety
///
/// `model` is NULL or points to a `tinyscore_model` that, if parsed, still
/// has its bytes.
pub(crate) unsafe fn parsed<'h>(
    model: *const tinyscore_model,
) -> Result<&'h Model<'static>, tinyscore_status> {
    // SAFETY: the caller passes a readable handle or NULL.
    let handle = unsafe { model.as_ref() }.ok_or(tinyscore_status::NullPointer)?;
    if handle.tag != PARSED {
        return Err(tinyscore_status::NotParsed);
    }
    // SAFETY: the tag says a `Model` was written to the storage by
    // `tinyscore_model_parse`, and it is never moved out.
    Ok(unsafe { &*handle.storage.as_ptr().cast::<Model<'static>>() })
}

/// Fills `info` with what the parsed `model` states about itself.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `info` must be
/// NULL or point to a writable `tinyscore_info`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_model_info(
    model: *const tinyscore_model,
    info: *mut tinyscore_info,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, info) = unsafe { (parsed(model)?, info.as_mut()) };
        let info = info.ok_or(tinyscore_status::NullPointer)?;
        let plans = (0..MAX_PLANS)
            .take_while(|i| model.plan_outline(*i).is_some())
            .count();
        let detector = model.anomaly();
        *info = tinyscore_info {
            backend: match model.backend() {
                Backend::F32 => tinyscore_backend::F32,
                Backend::F16 => tinyscore_backend::F16,
                Backend::Fixed => tinyscore_backend::Fixed,
            },
            dim: model.topology().x_dim(),
            classes: model.classes(),
            plans: plans as u32,
            has_detector: detector.is_some(),
            detector_plan: detector.map_or(0, |d| d.plan()),
            scratch_bytes: scratch::bytes(model),
            weight_bytes: model.weight_bytes(),
            parameters: model.topology().parameter_count(),
            held_guidance_q16: model.held_guidance().map_or(0, |h| h.weight_q()),
        };
        Ok(())
    })())
}

/// Sets `*rows` to the row count (network evaluations) of embedded plan
/// `plan`: the rows `tinyscore_*_denoise` may start from are `0..rows`.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `rows` must be
/// NULL or point to a writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_plan_rows(
    model: *const tinyscore_model,
    plan: u32,
    rows: *mut u32,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, rows) = unsafe { (parsed(model)?, rows.as_mut()) };
        let rows = rows.ok_or(tinyscore_status::NullPointer)?;
        let outline = model.plan_outline(plan as usize);
        *rows = outline.ok_or(tinyscore_status::NoSuchPlan)?.rows;
        Ok(())
    })())
}
