//! Data units and model units: the tasks work on normalised states (the
//! network's space, Q16.16 for fixed point), sensors and files speak data
//! units. These functions map one to the other with the normalisation
//! stored in the model, `data = model·scale + mean`, exactly as the host
//! tool does (`tinyscore sample` prints data units computed this way).

use crate::model::{parsed, tinyscore_model};
use crate::status::{self, tinyscore_status};
use crate::tasks::{input, state};
use tinyscore::fixed::{STATE_FRAC_BITS, state_to_f32};
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

/// Writes the Q16.16 model-unit state `q` in data units into `data`
/// (`dim` elements each).
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `q` must be NULL
/// or point to `dim` readable elements, `data` NULL or to `dim` writable
/// floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_to_data(
    model: *const tinyscore_model,
    q: *const i32,
    data: *mut f32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, q, data) = unsafe { (of_dim(model, dim)?, input(q, dim)?, state(data, dim)?) };
        data.iter_mut()
            .zip(q)
            .for_each(|(d, v)| *d = state_to_f32(*v));
        model.normalization().to_data(data);
        Ok(())
    })())
}

/// Writes `data` (data units) as Q16.16 model units into `q` (`dim`
/// elements each): normalised in `float`, then rounded to nearest (halves
/// away from zero) and saturated to the `int32_t` range; NaN becomes 0.
///
/// # Safety
///
/// `model` must be NULL or point to a `tinyscore_model`; `data` must be
/// NULL or point to `dim` readable floats, `q` NULL or to `dim` writable
/// elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_q16_from_data(
    model: *const tinyscore_model,
    data: *const f32,
    q: *mut i32,
    dim: usize,
) -> tinyscore_status {
    status::of((|| {
        // SAFETY: the caller's pointers, as documented.
        let (model, data, q) = unsafe { (of_dim(model, dim)?, input(data, dim)?, state(q, dim)?) };
        let normalization = model.normalization();
        let (means, scales) = (normalization.mean(), normalization.scale());
        for (((out, d), mean), scale) in q.iter_mut().zip(data).zip(means.iter()).zip(scales.iter())
        {
            let normalised = (*d - mean) / scale;
            // Scaling by a power of two is exact; `as` saturates.
            *out = libm::roundf(normalised * (1u32 << STATE_FRAC_BITS) as f32) as i32;
        }
        Ok(())
    })())
}
