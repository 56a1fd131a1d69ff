//! Every way a model file can be wrong.

use super::SectionKind;
use crate::plan::PlanError;
use crate::schedule::ScheduleError;
use core::fmt;

/// A defect found by [`Model::parse`](super::Model::parse).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FormatError {
    /// Fewer bytes than the fixed header, or than the header says.
    Truncated {
        /// Bytes needed.
        needed: u32,
        /// Bytes present.
        got: u32,
    },
    /// The file does not start with the `.tsm` magic.
    BadMagic,
    /// The major version is not one this parser reads.
    UnsupportedVersion {
        /// The file's major version.
        major: u16,
    },
    /// The file length in the header differs from the data's length.
    FileLength {
        /// Length stated in the header.
        stated: u32,
        /// Length of the data.
        actual: u32,
    },
    /// The header length does not match the section count.
    HeaderLength,
    /// The CRC-32 does not match the contents.
    Crc {
        /// CRC stored in the header.
        stored: u32,
        /// CRC of the data.
        computed: u32,
    },
    /// More sections than [`super::MAX_SECTIONS`].
    TooManySections,
    /// A reserved field is not zero.
    Reserved {
        /// Byte offset of the field in the file.
        offset: u32,
    },
    /// A section does not start where the previous one ends (rounded up to
    /// 16 bytes), or runs past the end of the file.
    Layout {
        /// Index of the section in the table.
        section: u32,
    },
    /// Alignment padding between sections is not zero.
    Padding {
        /// Index of the section after the padding.
        section: u32,
    },
    /// A section of unknown kind is marked required.
    UnknownRequiredSection {
        /// Its kind code.
        kind: u16,
    },
    /// A section that must appear exactly once is missing.
    MissingSection(SectionKind),
    /// A section that may appear once appears more often.
    DuplicateSection(SectionKind),
    /// A section's length does not match its contents.
    SectionLength(SectionKind),
    /// An enumeration field has an unknown value.
    BadCode {
        /// The section holding it.
        section: SectionKind,
        /// Byte offset of the field inside the section.
        offset: u32,
    },
    /// A dimension or count is zero or above its limit.
    Limit {
        /// The section holding it.
        section: SectionKind,
        /// Byte offset of the field inside the section.
        offset: u32,
    },
    /// Layer `layer` does not fit the width the previous layers produce, or
    /// the network's output is not the data dimension.
    Shape {
        /// Index of the layer (the layer count for the final output).
        layer: u32,
    },
    /// A residual add without a saved input of the same width, a save while
    /// one is pending, or a save never added.
    Residual {
        /// Index of the layer.
        layer: u32,
    },
    /// A floating-point value is NaN or infinite, or a scale is not positive.
    NonFinite {
        /// The section holding it.
        section: SectionKind,
        /// Index of the value inside the section's array.
        index: u32,
    },
    /// A normalisation mean above [`super::MAX_MEAN`] in magnitude or a
    /// scale above [`super::MAX_SCALE`]: some states would map to ±∞.
    NormalizationRange {
        /// Index of the value in the section's array (means, then scales).
        index: u32,
    },
    /// The stored schedule is invalid.
    Schedule(ScheduleError),
    /// An embedded plan's header is invalid.
    Plan(PlanError),
    /// An embedded plan or time-bias table disagrees with the model
    /// (prediction type, row count, widths, or time conditioning).
    Mismatch {
        /// The section that disagrees.
        section: SectionKind,
    },
    /// A stored name is not UTF-8 or holds a control character.
    BadName {
        /// The names section holding it.
        section: SectionKind,
        /// Byte offset of the name inside the section.
        offset: u32,
    },
    /// The file is for a float backend (f32 or f16 weights, float time-bias
    /// tables), and this build of the runtime has no `float` feature.
    FloatNotBuilt {
        /// The float-only section.
        section: SectionKind,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Truncated { needed, got } => {
                write!(f, "file truncated: needs {needed} bytes, has {got}")
            }
            FormatError::BadMagic => f.write_str("not a tinyscore model (bad magic)"),
            FormatError::UnsupportedVersion { major } => {
                write!(f, "unsupported format major version {major}")
            }
            FormatError::FileLength { stated, actual } => {
                write!(f, "header says {stated} bytes, file has {actual}")
            }
            FormatError::HeaderLength => f.write_str("header length disagrees with section count"),
            FormatError::Crc { stored, computed } => {
                write!(
                    f,
                    "CRC mismatch: stored {stored:#010x}, computed {computed:#010x}"
                )
            }
            FormatError::TooManySections => f.write_str("too many sections"),
            FormatError::Reserved { offset } => {
                write!(f, "reserved field at byte {offset} is not zero")
            }
            FormatError::Layout { section } => {
                write!(
                    f,
                    "section {section} is not contiguous, aligned and inside the file"
                )
            }
            FormatError::Padding { section } => {
                write!(f, "padding before section {section} is not zero")
            }
            FormatError::UnknownRequiredSection { kind } => {
                write!(f, "unknown required section kind {kind}")
            }
            FormatError::MissingSection(k) => write!(f, "missing {k} section"),
            FormatError::DuplicateSection(k) => write!(f, "duplicate {k} section"),
            FormatError::SectionLength(k) => write!(f, "{k} section has the wrong length"),
            FormatError::BadCode { section, offset } => {
                write!(f, "{section} section: unknown code at byte {offset}")
            }
            FormatError::Limit { section, offset } => {
                write!(
                    f,
                    "{section} section: value at byte {offset} is zero or over its limit"
                )
            }
            FormatError::Shape { layer } => write!(f, "layer {layer}: shape mismatch"),
            FormatError::Residual { layer } => write!(f, "layer {layer}: unbalanced residual"),
            FormatError::NonFinite { section, index } => {
                write!(
                    f,
                    "{section} section: value {index} is not finite or not positive"
                )
            }
            FormatError::NormalizationRange { index } => write!(
                f,
                "normalisation section: value {index} is out of range (|mean| ≤ 2^126, scale ≤ 2^110)"
            ),
            FormatError::Schedule(e) => write!(f, "schedule section: {e}"),
            FormatError::Plan(e) => write!(f, "plan section: {e}"),
            FormatError::Mismatch { section } => {
                write!(f, "{section} section does not match the model")
            }
            FormatError::BadName { section, offset } => write!(
                f,
                "{section} section: the name at byte {offset} is not UTF-8 without control characters"
            ),
            FormatError::FloatNotBuilt { section } => write!(
                f,
                "{section} section needs a runtime built with the `float` feature"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FormatError {}
