//! Data units and model units: the tasks work on normalised states (the
//! network's space, Q16.16 for fixed point), sensors and files speak data
//! units. These functions map one to the other in place with the
//! normalisation stored in the model, `data = model·scale + mean`, as the
//! runtime's `Normalization` does: in `float` for f32 and f16 models
//! (`tinyscore_f32_to_data`, `_to_model`, as the host tool computes the
//! data units it prints), in integers for fixed point
//! (`tinyscore_q16_to_data`, `_to_model`, data as fixed-point `int32_t`
//! with a number of fraction bits the caller chooses), so a fixed-point
//! build has no floating point anywhere.

use crate::model::{parsed, tinyscore_model};
use crate::status::{self, tinyscore_status};
use crate::tasks::state;
use tinyscore::fixed::DataFormat;
use tinyscore::format::Model;

/// The model in `model`, if `dim` is its data dimension.
///
/// # Safety
///
/// `model` is NULL or points to a `tinyscore_model`.
unsafe fn of_dim<'h>(
    model: *const tinyscore_model,
    dim: usize,
) -> Result<&'h Model<'static>, tinyscore_status> {
    // SAFETY: as the caller guarantees.
    let model = unsafe { parsed(model)? };
    if model.topology().x_dim() as usize == dim {
        Ok(model)
    } else {
        Err(tinyscore_status::Dimension)
    }
}

/// Maps `x` (`dim` floats) from model units to data units in place.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `x` must be NULL
/// or point to `dim` writable floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_to_data(
    model: *const tinyscore_model,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, x) = unsafe { (of_dim(model, dim)?, state(x, dim)?) };
        model.normalization().to_data(x);
        Ok(())
    })())
}

/// Maps `x` (`dim` floats) from data units to model units in place.
///
/// # Safety
///
/// As `tinyscore_f32_to_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_f32_to_model(
    model: *const tinyscore_model,
    x: *mut f32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, x) = unsafe { (of_dim(model, dim)?, state(x, dim)?) };
        model.normalization().to_model(x);
        Ok(())
    })())
}

/// The data format with `frac_bits` fraction bits.
fn format(frac_bits: u32) -> Result<DataFormat, tinyscore_status> {
    DataFormat::new(frac_bits).ok_or(tinyscore_status::FracBits)
}

/// Maps `x` (`dim` elements) in place from Q16.16 model units to data
/// units as fixed-point `int32_t` with `frac_bits` fraction bits (a value
/// `v` means `v / 2^frac_bits`), in integers only: each result is
/// `x·scale + mean` rounded to the nearest step, ties away from zero.
/// `TINYSCORE_STATUS_OVERFLOW` when an element does not fit (the elements
/// before it are converted), `TINYSCORE_STATUS_FRAC_BITS` above 31.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `x` must be NULL
/// or point to `dim` writable elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_to_data(
    model: *const tinyscore_model,
    x: *mut i32,
    dim: usize,
    frac_bits: u32,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, x) = unsafe { (of_dim(model, dim)?, state(x, dim)?) };
        Ok(model.normalization().to_data_q(x, format(frac_bits)?)?)
    })())
}

/// Maps `x` (`dim` elements) in place from data units with `frac_bits`
/// fraction bits to Q16.16 model units, the inverse of
/// `tinyscore_q16_to_data`: `(x − mean)/scale` rounded to the nearest
/// step, ties away from zero, in integers only; the same statuses.
///
/// # Safety
///
/// As `tinyscore_q16_to_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_to_model(
    model: *const tinyscore_model,
    x: *mut i32,
    dim: usize,
    frac_bits: u32,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, x) = unsafe { (of_dim(model, dim)?, state(x, dim)?) };
        Ok(model.normalization().to_model_q(x, format(frac_bits)?)?)
    })())
}
