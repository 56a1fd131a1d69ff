//! [`Error`]: any of the runtime's errors, so that code which parses a model,
//! samples and converts units can use `?` throughout, on a device as on a
//! PC, without `std` or an allocator (`Box<dyn Error>` needs both).

use crate::fixed::UnitsError;
use crate::format::FormatError;
use crate::sampler::SamplerError;
use core::fmt;

/// Why a runtime call failed: the model file, the sampler, or a conversion
/// between model and data units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// The model file is invalid ([`crate::format::Model::parse`]).
    Format(FormatError),
    /// A sampler refused the model, the scratch or a request.
    Sampler(SamplerError),
    /// A value does not fit the data format.
    Units(UnitsError),
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Format(e)
    }
}

impl From<SamplerError> for Error {
    fn from(e: SamplerError) -> Self {
        Error::Sampler(e)
    }
}

impl From<UnitsError> for Error {
    fn from(e: UnitsError) -> Self {
        Error::Units(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Format(e) => write!(f, "model file: {e}"),
            Error::Sampler(e) => write!(f, "sampler: {e}"),
            Error::Units(e) => write!(f, "data units: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
