//! [`Stepper`]: what the float and the fixed-point sampler have in common,
//! and the procedures built on it that put data into a sampler: imputation
//! (replacement with RePaint's resampling) and SDEdit denoising.
//!
//! Both procedures only call the samplers' own steps, so they run in any
//! backend with that backend's arithmetic — integer-only for fixed point.

use crate::sampler::SamplerError;
use rand_core::Rng;

/// A sampler over states of `Value`s (`f32` in model units, or Q16.16 `i32`).
pub trait Stepper {
    /// One element of the state.
    type Value: Copy;

    /// Starts a new sample from noise.
    fn init<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Starts from data `x`, noised to the level of row `k`.
    fn init_at<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Runs the next row; `false` once the plan is done.
    fn step<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<bool, SamplerError>;
    /// Sets the masked coordinates to the observed values at the current level.
    fn impose<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        observed: &[Self::Value],
        mask: &[bool],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Takes the state back to the level of the last row run.
    fn rewind<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Rows not yet run.
    fn remaining(&self) -> u32;
    /// The clean-data estimate x̂₀ of `x`, a state at the level of row `k`.
    fn estimate_x0(
        &mut self,
        x: &[Self::Value],
        k: u32,
        out: &mut [Self::Value],
    ) -> Result<(), SamplerError>;

    /// Fills in the coordinates of `x` where `mask` is false given
    /// `observed` where it is true (model units): each row is run
    /// `resample` times (RePaint; 1 is the plain replacement method), the
    /// observed coordinates re-imposed at the new level after every step and
    /// every step back. At the end `x` holds `observed` exactly where masked.
    fn impute<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        observed: &[Self::Value],
        mask: &[bool],
        resample: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init(x, rng)?;
        self.impose(x, observed, mask, rng)?;
        while self.remaining() > 0 {
            for r in 0..resample.max(1) {
                if r > 0 {
                    self.rewind(x, rng)?;
                    self.impose(x, observed, mask, rng)?;
                }
                self.step(x, rng)?;
                self.impose(x, observed, mask, rng)?;
            }
        }
        Ok(())
    }

    /// SDEdit: `x` (data, model units) is noised to the level of row `k` and
    /// the plan run from there to the end.
    fn sdedit<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init_at(x, k, rng)?;
        while self.step(x, rng)? {}
        Ok(())
    }
}

/// Implements [`Stepper`] for a sampler type by forwarding to its inherent
/// methods of the same names: `forward_stepper!([generics] Type, Value, Path)`.
macro_rules! forward_stepper {
    ([$($generics:tt)*] $ty:ty, $value:ty, $path:ident) => {
        impl<$($generics)*> $crate::stepper::Stepper for $ty {
            type Value = $value;

            fn init<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::init(self, x, rng)
            }
            fn init_at<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                k: u32,
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::init_at(self, x, k, rng)
            }
            fn step<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<bool, $crate::sampler::SamplerError> {
                $path::step(self, x, rng)
            }
            fn impose<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                observed: &[$value],
                mask: &[bool],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::impose(self, x, observed, mask, rng)
            }
            fn rewind<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::rewind(self, x, rng)
            }
            fn remaining(&self) -> u32 {
                $path::remaining(self)
            }
            fn estimate_x0(
                &mut self,
                x: &[$value],
                k: u32,
                out: &mut [$value],
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::estimate_x0(self, x, k, out)
            }
        }
    };
}
pub(crate) use forward_stepper;
