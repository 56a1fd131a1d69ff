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
