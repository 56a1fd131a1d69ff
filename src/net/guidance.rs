//! [`Guidance`]: which class to generate and how strongly, for the float
//! and the fixed-point samplers alike (see `Guided` for the arithmetic).

/// A class and a guidance weight.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Guidance<W> {
    /// The class to generate, `0..K`.
    pub class: u32,
    /// The guidance weight `w`: `f32` for the float samplers, Q16.16 (`i32`,
    /// `w·2¹⁶`) for the fixed-point one.
    pub weight: W,
}

/// Guidance weights must be finite and below this in magnitude, in every
/// backend: the range the fixed-point backend's Q16.16 weight holds.
pub const MAX_GUIDANCE: f32 = 32768.0;

#[cfg(feature = "float")]
impl Guidance<f32> {
    /// `self` if its weight is finite and `|w| < MAX_GUIDANCE`.
    pub fn checked(self) -> Option<Self> {
        (self.weight.abs() < MAX_GUIDANCE).then_some(self)
    }
}
