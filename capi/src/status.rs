//! [`tinyscore_status`]: what every function returns, one code per way a
//! call can fail, so that C code can branch on the cause without parsing
//! text. The codes of the runtime's errors are grouped by where they come
//! from: the calling convention (1–99), the model file (100–199,
//! `FormatError`), the sampler (200–299, `SamplerError`) and the
//! conversion to and from data units (300–399, `UnitsError`).

use core::ffi::{CStr, c_char};
use tinyscore::fixed::UnitsError;
use tinyscore::format::FormatError;
use tinyscore::net::NetError;
use tinyscore::sampler::SamplerError;

/// The result of a call: `TINYSCORE_STATUS_OK`, or why it failed.
/// `tinyscore_status_text` describes each code; a failed
/// `tinyscore_model_parse` also writes a message with the details
/// (offsets, sections, sizes) into its `tinyscore_error`.
#[allow(non_camel_case_types)] // C naming: the type is `tinyscore_status` in C
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tinyscore_status {
    /// Success.
    Ok = 0,
    /// A pointer argument that must not be NULL is NULL.
    NullPointer = 1,
    /// The model handle was not filled by a successful `tinyscore_model_parse`.
    NotParsed = 2,
    /// The scratch buffer is not aligned to 4 bytes.
    Alignment = 3,
    /// The model has no anomaly detector.
    NoDetector = 4,
    /// A data format with more than 31 fraction bits.
    FracBits = 5,
    /// The file is shorter than its header or a section needs.
    Truncated = 100,
    /// The bytes do not start with the `.tsm` magic.
    BadMagic = 101,
    /// The file's major format version is not one this library reads.
    UnsupportedVersion = 102,
    /// The file length in the header differs from the length given.
    FileLength = 103,
    /// The header length disagrees with the section count.
    HeaderLength = 104,
    /// The CRC-32 does not match the contents.
    Crc = 105,
    /// More sections than the format allows.
    TooManySections = 106,
    /// A reserved field is not zero.
    Reserved = 107,
    /// A section is not contiguous, aligned and inside the file.
    Layout = 108,
    /// Padding between sections is not zero.
    Padding = 109,
    /// A section of unknown kind is marked required.
    UnknownRequiredSection = 110,
    /// A section that must appear once is missing.
    MissingSection = 111,
    /// A section appears more often than allowed.
    DuplicateSection = 112,
    /// A section's length does not match its contents.
    SectionLength = 113,
    /// An enumeration field has an unknown value.
    BadCode = 114,
    /// A dimension or count is zero or above its limit.
    Limit = 115,
    /// A layer's shape does not fit the previous one's.
    Shape = 116,
    /// A residual add is unbalanced.
    Residual = 117,
    /// A stored number is NaN, infinite, or a scale is not positive.
    NonFinite = 118,
    /// The stored noise schedule is invalid.
    Schedule = 119,
    /// An embedded plan's header is invalid.
    Plan = 120,
    /// A plan, table or detector disagrees with the model.
    Mismatch = 121,
    /// The model is for a float backend and the library was built without
    /// feature `float`.
    FloatNotBuilt = 122,
    /// A normalisation mean or scale so large that some states would map
    /// to ±∞ in data units.
    NormalizationRange = 123,
    /// A column or class name is empty, too long, not UTF-8 or holds a
    /// control character.
    BadName = 124,
    /// The scratch buffer is smaller than `tinyscore_info.scratch_bytes`.
    Scratch = 200,
    /// A vector's length is not the model's data dimension.
    Dimension = 201,
    /// The plan was compiled for another prediction type than the model's.
    PredictionMismatch = 202,
    /// The model folds time into bias tables and runs its embedded plans only.
    NeedsEmbeddedPlan = 203,
    /// The model has no embedded plan with that index.
    NoSuchPlan = 204,
    /// The plan has no such row, or ended before the rows it states.
    PlanRow = 205,
    /// The network's time input does not suit its time conditioning.
    TimeInput = 206,
    /// The function is for another backend than the model's: `_f32`
    /// functions run f32 and f16 models, `_q16` ones fixed-point models.
    Backend = 207,
    /// The plan's states have no noise levels (Heun, Langevin,
    /// predictor-corrector), so data cannot be put into it.
    NoLevels = 208,
    /// The observed values or the mask do not have the data dimension.
    Mask = 209,
    /// The model is not class-conditional, or has no such class.
    Class = 210,
    /// A value the model computed is not finite (the finite-output
    /// contract: the model's numbers overflow; nothing is returned).
    NonFiniteOutput = 211,
    /// The guidance weight is not finite or not below 32768 in magnitude.
    Guidance = 212,
    /// A value in data units (or one of its two terms) does not fit the
    /// 32-bit format: use fewer fraction bits.
    Overflow = 300,
}

impl tinyscore_status {
    /// All codes, in numeric order.
    #[cfg(any(feature = "texts", test))]
    pub(crate) const ALL: [tinyscore_status; 45] = {
        use tinyscore_status::*;
        [
            Ok,
            NullPointer,
            NotParsed,
            Alignment,
            NoDetector,
            FracBits,
            Truncated,
            BadMagic,
            UnsupportedVersion,
            FileLength,
            HeaderLength,
            Crc,
            TooManySections,
            Reserved,
            Layout,
            Padding,
            UnknownRequiredSection,
            MissingSection,
            DuplicateSection,
            SectionLength,
            BadCode,
            Limit,
            Shape,
            Residual,
            NonFinite,
            Schedule,
            Plan,
            Mismatch,
            FloatNotBuilt,
            NormalizationRange,
            BadName,
            Scratch,
            Dimension,
            PredictionMismatch,
            NeedsEmbeddedPlan,
            NoSuchPlan,
            PlanRow,
            TimeInput,
            Backend,
            NoLevels,
            Mask,
            Class,
            NonFiniteOutput,
            Guidance,
            Overflow,
        ]
    };

    /// A one-line description; [`TEXTS_NOT_BUILT`] for every code in a
    /// library built without feature `texts`.
    #[cfg(feature = "texts")]
    pub const fn text(self) -> &'static CStr {
        use tinyscore_status::*;
        match self {
            Ok => c"success",
            NullPointer => c"a required pointer is NULL",
            NotParsed => c"the model handle does not hold a parsed model",
            Alignment => c"the scratch buffer is not 4-byte aligned",
            NoDetector => c"the model has no anomaly detector",
            FracBits => c"a data format has more than 31 fraction bits",
            Truncated => c"model file truncated",
            BadMagic => c"not a tinyscore model (bad magic)",
            UnsupportedVersion => c"unsupported model format major version",
            FileLength => c"file length differs from the header's",
            HeaderLength => c"header length disagrees with the section count",
            Crc => c"CRC mismatch",
            TooManySections => c"too many sections",
            Reserved => c"a reserved field is not zero",
            Layout => c"a section is not contiguous, aligned and inside the file",
            Padding => c"padding between sections is not zero",
            UnknownRequiredSection => c"unknown required section",
            MissingSection => c"a required section is missing",
            DuplicateSection => c"a section appears more than once",
            SectionLength => c"a section has the wrong length",
            BadCode => c"an enumeration field has an unknown value",
            Limit => c"a dimension or count is zero or over its limit",
            Shape => c"layer shapes do not fit",
            Residual => c"unbalanced residual add",
            NonFinite => c"a stored number is not finite, or a scale is not positive",
            Schedule => c"invalid noise schedule",
            Plan => c"invalid embedded plan",
            Mismatch => c"a plan, table or detector does not match the model",
            FloatNotBuilt => c"float model, and the library was built without float",
            NormalizationRange => c"normalisation mean or scale out of range",
            BadName => c"a column or class name is invalid",
            Scratch => c"scratch buffer too small",
            Dimension => c"a vector does not have the model's data dimension",
            PredictionMismatch => c"plan prediction type differs from the model's",
            NeedsEmbeddedPlan => c"the model runs its embedded plans only",
            NoSuchPlan => c"no embedded plan with that index",
            PlanRow => c"no such plan row",
            TimeInput => c"time input does not match the time conditioning",
            Backend => c"function for another backend than the model's (f32 vs q16)",
            NoLevels => c"the plan's states have no noise levels (Heun, Langevin, PC)",
            Mask => c"observed values and mask must have the data dimension",
            Class => c"the model is not class-conditional or has no such class",
            NonFiniteOutput => c"the model's output would not be finite",
            Guidance => c"guidance weight not finite or not below 32768",
            Overflow => c"a value in data units does not fit the format: use fewer fraction bits",
        }
    }

    /// [`TEXTS_NOT_BUILT`]: this library was built without feature `texts`.
    #[cfg(not(feature = "texts"))]
    pub const fn text(self) -> &'static CStr {
        TEXTS_NOT_BUILT
    }
}

/// The text of every status in a library built without feature `texts`,
/// which keeps the 2.6 KB of descriptions out of flash (as TFLite Micro's
/// `TF_LITE_STRIP_ERROR_STRINGS` does): the code itself still tells the
/// cause, and `tinyscore.h` documents each one.
pub const TEXTS_NOT_BUILT: &CStr =
    c"no status texts in this build (feature texts): see tinyscore.h";

impl From<FormatError> for tinyscore_status {
    fn from(e: FormatError) -> Self {
        use tinyscore_status as S;
        match e {
            FormatError::Truncated { .. } => S::Truncated,
            FormatError::BadMagic => S::BadMagic,
            FormatError::UnsupportedVersion { .. } => S::UnsupportedVersion,
            FormatError::FileLength { .. } => S::FileLength,
            FormatError::HeaderLength => S::HeaderLength,
            FormatError::Crc { .. } => S::Crc,
            FormatError::TooManySections => S::TooManySections,
            FormatError::Reserved { .. } => S::Reserved,
            FormatError::Layout { .. } => S::Layout,
            FormatError::Padding { .. } => S::Padding,
            FormatError::UnknownRequiredSection { .. } => S::UnknownRequiredSection,
            FormatError::MissingSection(_) => S::MissingSection,
            FormatError::DuplicateSection(_) => S::DuplicateSection,
            FormatError::SectionLength(_) => S::SectionLength,
            FormatError::BadCode { .. } => S::BadCode,
            FormatError::Limit { .. } => S::Limit,
            FormatError::Shape { .. } => S::Shape,
            FormatError::Residual { .. } => S::Residual,
            FormatError::NonFinite { .. } => S::NonFinite,
            FormatError::Schedule(_) => S::Schedule,
            FormatError::Plan(_) => S::Plan,
            FormatError::Mismatch { .. } => S::Mismatch,
            FormatError::FloatNotBuilt { .. } => S::FloatNotBuilt,
            FormatError::NormalizationRange { .. } => S::NormalizationRange,
            FormatError::BadName { .. } => S::BadName,
        }
    }
}

impl From<SamplerError> for tinyscore_status {
    fn from(e: SamplerError) -> Self {
        use tinyscore_status as S;
        match e {
            SamplerError::Scratch { .. } | SamplerError::Net(NetError::Scratch { .. }) => {
                S::Scratch
            }
            SamplerError::Dimension { .. } | SamplerError::Net(NetError::Dimension { .. }) => {
                S::Dimension
            }
            SamplerError::PredictionMismatch => S::PredictionMismatch,
            SamplerError::NeedsEmbeddedPlan => S::NeedsEmbeddedPlan,
            SamplerError::NoSuchPlan => S::NoSuchPlan,
            SamplerError::PlanRow { .. } => S::PlanRow,
            SamplerError::Net(NetError::TimeInput) => S::TimeInput,
            SamplerError::Backend => S::Backend,
            SamplerError::NoLevels => S::NoLevels,
            SamplerError::Mask => S::Mask,
            SamplerError::Class => S::Class,
            SamplerError::NonFinite
            | SamplerError::Net(NetError::NonFinite { .. } | NetError::GuidanceOverflow) => {
                S::NonFiniteOutput
            }
            SamplerError::Guidance => S::Guidance,
        }
    }
}

impl From<UnitsError> for tinyscore_status {
    fn from(e: UnitsError) -> Self {
        match e {
            UnitsError::Dimension { .. } => tinyscore_status::Dimension,
            UnitsError::Overflow { .. } => tinyscore_status::Overflow,
        }
    }
}

/// The status of a call's result.
pub(crate) fn of(result: Result<(), tinyscore_status>) -> tinyscore_status {
    match result {
        Ok(()) => tinyscore_status::Ok,
        Err(status) => status,
    }
}

/// A description of `status` (a `tinyscore_status`), as a static
/// NUL-terminated string; "unknown status" for a value that is none. A
/// library built without feature `texts` (default on) returns one
/// generic text for every value, to save flash.
#[unsafe(no_mangle)]
pub extern "C" fn tinyscore_status_text(status: i32) -> *const c_char {
    #[cfg(feature = "texts")]
    let text = {
        let known = tinyscore_status::ALL.iter().find(|s| **s as i32 == status);
        known.map_or(c"unknown status", |s| s.text())
    };
    #[cfg(not(feature = "texts"))]
    let text = {
        let _ = status;
        TEXTS_NOT_BUILT
    };
    text.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each known code's text, "unknown status" for the rest; without
    /// feature `texts`, the one generic text for every value.
    #[test]
    fn status_text_by_feature() {
        let text = |status: i32| {
            // SAFETY: the function returns a static NUL-terminated string.
            unsafe { CStr::from_ptr(tinyscore_status_text(status)) }
        };
        for (status, known) in [(0, c"success"), (101, c"not a tinyscore model (bad magic)")] {
            let expected = if cfg!(feature = "texts") {
                known
            } else {
                TEXTS_NOT_BUILT
            };
            assert_eq!(text(status), expected);
        }
        let unknown = if cfg!(feature = "texts") {
            c"unknown status"
        } else {
            TEXTS_NOT_BUILT
        };
        assert_eq!(text(6), unknown);
        assert_eq!(text(-1), unknown);
    }
}
