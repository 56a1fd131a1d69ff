//! The `.tsm` model file: layout, validation and zero-copy views.
//!
//! docs/FORMAT.md is the specification; this module implements it.
//! [`Model::parse`] checks everything once — magic, version, lengths, CRC,
//! section layout, every enumeration code, every dimension against its limit,
//! shapes from layer to layer, finite values, schedule and plan parameters —
//! and then hands out views that read in place, so after a successful parse
//! nothing that reads the model can fail on its contents. The writer
//! (`write()`, feature `std`) produces exactly what the parser accepts.

mod anomaly_section;
mod class_bias;
mod container;
mod crc32;
mod cursor;
mod data_range;
mod error;
mod fixed_plan;
mod fixed_weights;
#[cfg(feature = "float")]
mod float_weights;
mod held_guidance;
mod int8_matrix;
mod model;
mod names_section;
mod normalization;
mod plan_section;
#[cfg(feature = "float")]
mod schedule_section;
#[cfg(feature = "float")]
mod time_bias;
mod time_embedding;
mod topology;
#[cfg(feature = "std")]
mod writer;

pub use anomaly_section::{
    AnomalyDetector, MAX_ANOMALY_LEVELS, MAX_ANOMALY_REPEATS, MAX_ANOMALY_WEIGHT,
};
pub use class_bias::{ClassBias, ClassRows, MAX_CLASSES};
pub use container::SectionEntry;
pub use crc32::Crc32;
pub use cursor::{F16s, F32s, I16s, I32s, LeValue, LeValues};
pub use data_range::{DATA_RANGE_HEADER_LEN, DataRange};
pub use error::FormatError;
pub use fixed_plan::{COEFFICIENTS, FixedPlan, FixedRow, PACKED_MANTISSA_BITS, RowTime};
pub use fixed_weights::{FixedLayer, FixedWeights};
#[cfg(feature = "float")]
pub use float_weights::{DenseWeights, FloatKind, FloatWeights, Matrix};
pub use held_guidance::{HeldGuidance, MAX_HELD_GUIDANCE_Q};
#[cfg(feature = "std")]
pub use int8_matrix::tile;
pub use int8_matrix::{Int8Matrix, TILE_COLUMNS, TILE_ROWS, TileBlock, WeightLayout};
pub use model::{Backend, Model};
pub use names_section::{MAX_NAME_LEN, Names};
pub use normalization::{MAX_MEAN, MAX_SCALE, Normalization};
#[cfg(feature = "float")]
pub use plan_section::EmbeddedPlan;
pub use plan_section::PlanOutline;
#[cfg(feature = "float")]
pub use time_bias::TimeBias;
pub use time_embedding::TimeEmbedding;
pub use topology::{Activation, Layer, TimeConditioning, Topology};
#[cfg(feature = "std")]
pub use writer::{
    AnomalyData, ClassBiasData, DataRangeData, DynamicThresholdData, FixedLayerData, FixedPlanData,
    LevelRows, ModelSpec, PlanData, RowTimeData, TimeEmbeddingData, WeightsData, append_section,
    held_guidance_section, names_section, seal, with_row_major_weights, write,
};

use core::fmt;

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"\x89TSM\r\n\x1a\n";
/// Major version this crate reads and writes; files of another major are rejected.
pub const VERSION_MAJOR: u16 = 1;
/// Newest minor version this crate writes (a fixed-point file whose plans
/// leave out their `f32` rows or store levels); newer minors are read
/// (unknown optional sections are skipped).
pub const VERSION_MINOR: u16 = 9;
/// Minor version of a file with a churned Heun plan (its churn is stored
/// where 1.7 readers require a zero) or a held guidance.
pub const VERSION_MINOR_HELD: u16 = 8;
/// Minor version of a fixed-point file (its plans' 1.7 row layout).
pub const VERSION_MINOR_FIXED: u16 = 7;
/// Minor version of a float file with a dynamic x̂₀ threshold.
pub const VERSION_MINOR_DYNAMIC: u16 = 6;
/// Minor version of the float files this crate writes without a dynamic
/// x̂₀ threshold: what 1.5 wrote, so such files keep their bytes and 1.5
/// readers read them.
pub const VERSION_MINOR_STATIC: u16 = 5;
/// Bytes of the fixed header.
pub const HEADER_LEN: usize = 32;
/// Bytes of one section-table entry.
pub const SECTION_ENTRY_LEN: usize = 16;
/// Alignment of every section's start.
pub const ALIGN: usize = 16;
/// Most sections in one file.
pub const MAX_SECTIONS: usize = 32;
/// Most embedded plans in one file.
pub const MAX_PLANS: usize = 8;
/// Largest data dimension.
pub const MAX_DIM: u32 = 4096;
/// Largest layer width (including the time embedding at the input).
pub const MAX_WIDTH: u32 = 4096;
/// Most layers.
pub const MAX_LAYERS: u32 = 64;
/// Section flag: a reader that does not know this kind must reject the file.
pub const FLAG_REQUIRED: u16 = 1;

/// Kinds of section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SectionKind {
    /// Network layers and time conditioning (code 1).
    Topology,
    /// f32 weights (code 2).
    WeightsF32,
    /// f16 weights (code 3, since 1.1).
    WeightsF16,
    /// Fixed-point weights (code 4, since 1.1).
    WeightsFixed,
    /// Per-dimension data mean and scale (code 5).
    Normalization,
    /// Noise schedule and training metadata (code 6).
    Schedule,
    /// An embedded sampling plan (code 7).
    Plan,
    /// Per-row first-layer bias of a plan, folded time conditioning (code 8).
    TimeBias,
    /// A plan's integer coefficients and time-bias rows for the fixed-point
    /// backend (code 9, since 1.1).
    FixedPlan,
    /// An anomaly detector: levels, draws and calibrated threshold (code
    /// 10, since 1.1; optional).
    Anomaly,
    /// Per-class first-layer bias rows of a class-conditional model (code
    /// 11, since 1.2).
    ClassBias,
    /// The training data's range and the x̂₀ clip bounds (code 12, since
    /// 1.4; optional).
    DataRange,
    /// The data columns' names (code 13, since 1.4; optional).
    ColumnNames,
    /// The classes' names (code 14, since 1.4; optional).
    ClassNames,
    /// An anomaly detector whose levels are weighted by the inverse of their
    /// mean score on normal data (code 16, since 1.5; optional): what 1.4
    /// readers skip, leaving them without a detector rather than with a
    /// threshold for another score.
    WeightedAnomaly,
    /// The integer time embedding of a fixed-point model whose plan rows
    /// carry their time (code 17, since 1.7).
    TimeEmbedding,
    /// The classifier-free guidance a distilled class-conditional network
    /// holds (code 18, since 1.8; optional).
    HeldGuidance,
}

impl SectionKind {
    /// The kind's code in the section table.
    pub const fn code(self) -> u16 {
        match self {
            SectionKind::Topology => 1,
            SectionKind::WeightsF32 => 2,
            SectionKind::WeightsF16 => 3,
            SectionKind::WeightsFixed => 4,
            SectionKind::Normalization => 5,
            SectionKind::Schedule => 6,
            SectionKind::Plan => 7,
            SectionKind::TimeBias => 8,
            SectionKind::FixedPlan => 9,
            SectionKind::Anomaly => 10,
            SectionKind::ClassBias => 11,
            SectionKind::DataRange => 12,
            SectionKind::ColumnNames => 13,
            SectionKind::ClassNames => 14,
            SectionKind::WeightedAnomaly => 16,
            SectionKind::TimeEmbedding => 17,
            SectionKind::HeldGuidance => 18,
        }
    }

    /// The kind of a code, if known.
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            1 => SectionKind::Topology,
            2 => SectionKind::WeightsF32,
            3 => SectionKind::WeightsF16,
            4 => SectionKind::WeightsFixed,
            5 => SectionKind::Normalization,
            6 => SectionKind::Schedule,
            7 => SectionKind::Plan,
            8 => SectionKind::TimeBias,
            9 => SectionKind::FixedPlan,
            10 => SectionKind::Anomaly,
            11 => SectionKind::ClassBias,
            12 => SectionKind::DataRange,
            13 => SectionKind::ColumnNames,
            14 => SectionKind::ClassNames,
            16 => SectionKind::WeightedAnomaly,
            17 => SectionKind::TimeEmbedding,
            18 => SectionKind::HeldGuidance,
            _ => return None,
        })
    }
}

impl fmt::Display for SectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SectionKind::Topology => "topology",
            SectionKind::WeightsF32 => "f32 weights",
            SectionKind::WeightsF16 => "f16 weights",
            SectionKind::WeightsFixed => "fixed-point weights",
            SectionKind::Normalization => "normalization",
            SectionKind::Schedule => "schedule",
            SectionKind::Plan => "plan",
            SectionKind::TimeBias => "time bias",
            SectionKind::FixedPlan => "fixed-point plan",
            SectionKind::Anomaly => "anomaly detector",
            SectionKind::ClassBias => "class bias",
            SectionKind::DataRange => "data range",
            SectionKind::ColumnNames => "column names",
            SectionKind::ClassNames => "class names",
            SectionKind::WeightedAnomaly => "weighted anomaly detector",
            SectionKind::TimeEmbedding => "time embedding",
            SectionKind::HeldGuidance => "held guidance",
        })
    }
}
