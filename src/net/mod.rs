//! The ε-network forward pass: an MLP of dense layers, activations and
//! residual adds, conditioned on time by a sinusoidal embedding appended to
//! the input or by a per-plan-row bias added to the first dense layer, and
//! for class-conditional models on a class by a per-class bias added to the
//! same layer (`Guided` runs classifier-free guidance: a conditional and an
//! unconditional evaluation per row).
//!
//! `float` runs the f32 and f16 backends (f32 arithmetic, feature `float`);
//! the fixed-point backend lives in [`crate::fixed`]. Each reads its weights in
//! place from the model file and uses a fixed operation order, so a backend
//! gives the same bits on every target. f32 is the reference.

#[cfg(feature = "float")]
mod denoiser;
#[cfg(all(
    feature = "float",
    not(f16_vcvt),
    any(target_arch = "x86", target_arch = "x86_64")
))]
mod f16c;
#[cfg(feature = "float")]
pub mod float;
mod guidance;
#[cfg(feature = "float")]
mod guided;
#[cfg(all(feature = "float", f16_vcvt))]
mod vcvt;
#[cfg(feature = "float")]
mod widen;

use core::fmt;

#[cfg(feature = "float")]
pub use denoiser::{Denoiser, TimeInput};
#[cfg(feature = "float")]
pub use float::Network;
pub use guidance::{Guidance, MAX_GUIDANCE};
#[cfg(feature = "float")]
pub use guided::Guided;
#[cfg(feature = "float")]
pub use widen::Widen;

/// Why a forward pass could not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NetError {
    /// The scratch buffer is shorter than the network needs.
    Scratch {
        /// Elements needed.
        needed: u32,
    },
    /// Input or output length is not the data dimension.
    Dimension {
        /// The data dimension.
        expected: u32,
    },
    /// The time input does not suit the model's time conditioning (a time
    /// for a bias-table model, a bias row for an embedding model, or a bias
    /// row of the wrong width).
    TimeInput,
    /// A layer's output is NaN or infinite: the model's weights or biases
    /// overflow f32 on this input (the finite-output contract,
    /// [`crate::finite`]).
    NonFinite {
        /// Index of the layer in the topology.
        layer: u32,
    },
    /// The guided combination `o_c + w·(o_c − o_∅)` overflows f32.
    GuidanceOverflow,
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Scratch { needed } => write!(f, "scratch needs {needed} f32 elements"),
            NetError::Dimension { expected } => write!(f, "vectors must have {expected} elements"),
            NetError::TimeInput => f.write_str("time input does not match the time conditioning"),
            NetError::NonFinite { layer } => write!(
                f,
                "layer {layer}'s output is not finite: the weights overflow f32 on this input"
            ),
            NetError::GuidanceOverflow => {
                f.write_str("the guided output is not finite: the guidance weight is too large")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NetError {}
