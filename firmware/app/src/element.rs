//! [`Element`]: how the application prints and perturbs state elements of
//! each backend.

use tinyscore::stepper::StateValue;

/// A state element the application handles: `f32` (model units) for the
/// float backends, `i32` (Q16.16) for fixed point.
pub trait Element: StateValue {
    /// The element's bits, as printed.
    fn word(self) -> u32;
    /// The element's value in model units, as `f32`.
    fn model_units(self) -> f32;
    /// The element with a spike of [`SPIKE`] model units added (saturating).
    fn spiked(self) -> Self;
    /// A score's bits, as printed: `f32` bits, or the Q32.32 value.
    fn score_bits(score: Self::Score) -> u64;
}

/// The fault injected into one coordinate of the anomaly example's input:
/// four standard deviations of the data, in model units.
pub const SPIKE: i32 = 4;

impl Element for f32 {
    fn word(self) -> u32 {
        self.to_bits()
    }
    fn model_units(self) -> f32 {
        self
    }
    fn spiked(self) -> Self {
        self + SPIKE as f32
    }
    fn score_bits(score: f32) -> u64 {
        u64::from(score.to_bits())
    }
}

impl Element for i32 {
    fn word(self) -> u32 {
        self as u32
    }
    fn model_units(self) -> f32 {
        tinyscore::fixed::state_to_f32(self)
    }
    fn spiked(self) -> Self {
        self.saturating_add(SPIKE << tinyscore::fixed::STATE_FRAC_BITS)
    }
    fn score_bits(score: i64) -> u64 {
        score as u64
    }
}
