//! [`Engine`]: the samplers of one backend over the run's scratch, so that
//! every task is written once for all backends.

use crate::Element;
use tinyscore::fixed::FixedSampler;
use tinyscore::format::{EmbeddedPlan, Model};
use tinyscore::net::{Guidance, Guided, Network};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::Stepper;

/// Makes samplers of one backend, each borrowing the scratch in turn.
pub trait Engine {
    /// The state element.
    type Value: Element;
    /// An unguided sampler.
    type Plain<'s>: Stepper<Value = Self::Value>
    where
        Self: 's;
    /// A sampler with classifier-free guidance.
    type Guided<'s>: Stepper<Value = Self::Value>
    where
        Self: 's;

    /// The sampler of embedded plan `plan`.
    fn plain(&mut self, plan: usize) -> Result<Self::Plain<'_>, SamplerError>;
    /// The sampler of embedded plan 0 for class `class` at the weight
    /// [`crate::GUIDANCE`].
    fn guided(&mut self, class: u32) -> Result<Self::Guided<'_>, SamplerError>;
}

/// The f32 and f16 backends.
pub struct Float<'a, 'm> {
    model: &'a Model<'m>,
    scratch: &'a mut [f32],
}

impl<'a, 'm> Float<'a, 'm> {
    /// Samplers of `model` over `scratch`.
    pub fn new(model: &'a Model<'m>, scratch: &'a mut [f32]) -> Self {
        Float { model, scratch }
    }
}

impl<'m> Engine for Float<'_, 'm> {
    type Value = f32;
    type Plain<'s>
        = Sampler<'m, 's, Network<'m>, EmbeddedPlan<'m>>
    where
        Self: 's;
    type Guided<'s>
        = Sampler<'m, 's, Guided<Network<'m>>, EmbeddedPlan<'m>>
    where
        Self: 's;

    fn plain(&mut self, plan: usize) -> Result<Self::Plain<'_>, SamplerError> {
        Sampler::embedded(self.model, plan, self.scratch)
    }

    fn guided(&mut self, class: u32) -> Result<Self::Guided<'_>, SamplerError> {
        let guidance = Guidance {
            class,
            weight: crate::GUIDANCE,
        };
        Sampler::embedded_guided(self.model, 0, guidance, self.scratch)
    }
}

/// The fixed-point backend.
pub struct Fixed<'a, 'm> {
    model: &'a Model<'m>,
    activations: &'a mut [i16],
    registers: &'a mut [i32],
}

impl<'a, 'm> Fixed<'a, 'm> {
    /// Samplers of `model` over `activations` and `registers`.
    pub fn new(model: &'a Model<'m>, activations: &'a mut [i16], registers: &'a mut [i32]) -> Self {
        Fixed {
            model,
            activations,
            registers,
        }
    }
}

impl<'m> Engine for Fixed<'_, 'm> {
    type Value = i32;
    type Plain<'s>
        = FixedSampler<'m, 's>
    where
        Self: 's;
    type Guided<'s>
        = FixedSampler<'m, 's>
    where
        Self: 's;

    fn plain(&mut self, plan: usize) -> Result<Self::Plain<'_>, SamplerError> {
        FixedSampler::embedded(self.model, plan, self.activations, self.registers)
    }

    fn guided(&mut self, class: u32) -> Result<Self::Guided<'_>, SamplerError> {
        let guidance = Guidance {
            class,
            weight: crate::GUIDANCE_Q16,
        };
        FixedSampler::embedded_guided(self.model, 0, guidance, self.activations, self.registers)
    }
}
