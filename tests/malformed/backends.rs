//! Malformed files of the f16 and fixed-point backends (format 1.1): one
//! mutation per defect of their weights and integer-plan sections.
//!
//! Byte offsets below are into the sections of [`fixed_base`] and
//! [`f16_base`]; the layouts are in docs/FORMAT.md.

use super::{
    Case, File, PLAN_ROWS, PLAN_SAMPLER, PLAN_T_MIN, ROW, put_f32, put_f64, put_u16, put_u32,
    sch_param, section, sections,
};
use crate::common;
use tinyscore::fixed::quantize::quantize;
use tinyscore::format::{
    self, AnomalyData, DataRangeData, DynamicThresholdData, FLAG_REQUIRED, FormatError,
    SectionKind, WeightsData,
};
use tinyscore::plan::PlanError;

/// The fixed-point version of the small bias-table base (hidden width 4,
/// 3-step plan). Its weights section: header 0..16; dense 2→4 at 16 (bias
/// 16..32, multipliers 32..48, shifts 48..52, weights 52..60); SiLU table
/// 60..1088; dense 4→4 at 1088..1140; SiLU table 1140..2168; residual add
/// 2168..2184; dense 4→2 at 2184 (shifts 2200..2202, padding 2202..2204,
/// weights 2204..2212).
pub fn fixed_base() -> Vec<u8> {
    let spec = common::mlp_spec(4, 2, 3, true);
    let scales = common::trajectory_scales(&spec, 8, 1.25);
    format::write(&quantize(&spec, &scales).unwrap()).unwrap()
}

/// [`fixed_base`]'s network with its time embedded on the device (format
/// 1.7): a time-embedding section, and plan rows that carry their time.
pub fn embedded_base() -> Vec<u8> {
    // The same network's tensors: the folded spec is this one's embedding
    // multiplied out.
    let scales = common::trajectory_scales(&common::mlp_spec(4, 2, 3, true), 8, 1.25);
    let spec = common::mlp_spec(4, 2, 3, false);
    format::write(&quantize(&spec, &scales).unwrap()).unwrap()
}

/// [`fixed_base`] with a data range whose samplers clip x̂₀ after a
/// dynamic threshold (format 1.6).
pub fn dynamic_threshold_base() -> Vec<u8> {
    let range = DataRangeData {
        clips: true,
        dynamic: Some(DynamicThresholdData {
            percentile: 0.75,
            max: 8.0,
        }),
        margin: 0.05,
        low: vec![-1.0, -2.0],
        high: vec![1.0, 2.0],
    };
    format::append_section(
        &fixed_base(),
        SectionKind::DataRange.code(),
        0,
        range.to_bytes(),
    )
    .unwrap()
}

/// The small sinusoidal base with hidden width 3 and f16 weights: dense
/// 4→3 at 0 (`W` 0..24, bias 24..36), dense 3→3 at 36 (`W` 36..54, padding
/// 54..56, bias 56..68), dense 3→2 at 68..88.
pub fn f16_base() -> Vec<u8> {
    let mut spec = common::mlp_spec(3, 2, 3, false);
    spec.weights = WeightsData::F16(common::f32_params(&spec).to_vec());
    format::write(&spec).unwrap()
}

/// The float bias-table base (hidden width 16) with three classes: four
/// class-bias rows of 16 f32 after the section's 16-byte header.
pub fn conditional_base() -> Vec<u8> {
    format::write(&common::conditional_spec(common::bias_table_spec(), 3)).unwrap()
}

/// [`fixed_base`] with two classes: three class-bias rows of 4 i32.
pub fn fixed_conditional_base() -> Vec<u8> {
    let spec = common::conditional_spec(common::mlp_spec(4, 2, 3, true), 2);
    let scales = common::trajectory_scales(&spec, 8, 1.25);
    format::write(&quantize(&spec, &scales).unwrap()).unwrap()
}

/// Adds the cases of both backends.
pub fn add_cases(cases: &mut Vec<Case>, float_base: &[u8], float_bias_table: &[u8]) {
    let mut add = |name: &'static str, bytes: Vec<u8>, expected: FormatError| {
        cases.push(Case {
            name,
            bytes,
            expected,
        });
    };
    use FormatError as E;
    use SectionKind as K;
    let fixed = fixed_base();
    let weights = |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed, K::WeightsFixed, |b| edit(b));
    let limit = |offset| E::Limit {
        section: K::WeightsFixed,
        offset,
    };

    // ---- Fixed-point weights ------------------------------------------------
    add(
        // The folded network's weights (2 inputs to the first layer) where
        // the topology says 2 + 2: their records do not add up. 1094 is
        // where the parser's walk of the records finds the section too
        // short (read from its error when this case was written: it depends
        // on the fixture's sizes only).
        "fixed_weights_on_sinusoidal_model",
        sections(float_base, |f| {
            let i = f.index(K::WeightsF32);
            f.sections[i] = (
                K::WeightsFixed.code(),
                FLAG_REQUIRED,
                File::split(&fixed).body(K::WeightsFixed).clone(),
            );
        }),
        limit(1094),
    );
    add(
        "fixed_and_f32_weights",
        sections(&fixed, |f| {
            let body = File::split(float_bias_table).body(K::WeightsF32).clone();
            f.sections.push((K::WeightsF32.code(), FLAG_REQUIRED, body));
        }),
        E::DuplicateSection(K::WeightsF32),
    );
    add(
        "fixed_weights_short",
        weights(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::WeightsFixed),
    );
    add(
        "fixed_input_multiplier_shift_word",
        weights(&|b| put_u32(b, 4, 200)),
        limit(0),
    );
    add(
        "fixed_weight_layout_unknown",
        weights(&|b| put_u32(b, 8, 2)),
        E::BadCode {
            section: K::WeightsFixed,
            offset: 8,
        },
    );
    add(
        "fixed_header_reserved",
        weights(&|b| put_u32(b, 12, 1)),
        E::Reserved { offset: 12 },
    );
    add(
        "fixed_weight_minus_128",
        weights(&|b| b[52 + 3] = 0x80),
        limit(55),
    );
    add(
        "fixed_multiplier_negative",
        weights(&|b| put_u32(b, 32 + 4, 0x8000_0000)),
        limit(36),
    );
    add(
        "fixed_shift_above_30",
        weights(&|b| b[48 + 2] = 31),
        limit(50),
    );
    add(
        "fixed_shift_below_minus_31",
        weights(&|b| b[48] = (-32i8) as u8),
        limit(48),
    );
    add(
        "fixed_shift_padding",
        weights(&|b| b[2203] = 1),
        limit(2203),
    );
    add(
        "fixed_table_entry_minus_32768",
        weights(&|b| put_u16(b, 60 + 2 * 10, 0x8000)),
        limit(80),
    );
    add(
        "fixed_add_shift_word",
        weights(&|b| put_u32(b, 2168 + 8 + 4, 200)),
        limit(2176),
    );

    // ---- Fixed-point plans --------------------------------------------------
    let plan = |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed, K::FixedPlan, |b| edit(b));
    let plan_limit = |offset| E::Limit {
        section: K::FixedPlan,
        offset,
    };
    let plan_mismatch = E::Mismatch {
        section: K::FixedPlan,
    };
    add(
        "fixed_plan_missing",
        sections(&fixed, |f| {
            let i = f.index(K::FixedPlan);
            f.sections.remove(i);
        }),
        plan_mismatch,
    );
    add(
        "fixed_plan_on_float_model",
        sections(float_bias_table, |f| {
            let body = File::split(&fixed).body(K::FixedPlan).clone();
            f.sections.push((K::FixedPlan.code(), FLAG_REQUIRED, body));
        }),
        plan_mismatch,
    );
    add(
        "f32_time_bias_on_fixed_model",
        sections(&fixed, |f| {
            let body = File::split(float_bias_table).body(K::TimeBias).clone();
            f.sections.push((K::TimeBias.code(), FLAG_REQUIRED, body));
        }),
        E::Mismatch {
            section: K::TimeBias,
        },
    );
    add(
        "fixed_plan_rows_zero",
        plan(&|b| put_u32(b, 4, 0)),
        plan_limit(4),
    );
    add(
        "fixed_plan_wrong_index",
        plan(&|b| put_u32(b, 0, 1)),
        plan_mismatch,
    );
    add(
        "fixed_plan_wider_rows",
        plan(&|b| put_u32(b, 8, 5)),
        E::SectionLength(K::FixedPlan),
    );
    add(
        // 104 + 4·width wraps to 0 in 32-bit arithmetic.
        "fixed_plan_width_huge",
        plan(&|b| put_u32(b, 8, 0x3fff_ffe6)),
        plan_limit(8),
    );
    add(
        // Neither 0 (1.1's layout) nor the packed layout's bit and mask.
        "fixed_plan_bad_layout",
        plan(&|b| put_u32(b, 12, 1)),
        plan_limit(12),
    );
    add(
        "fixed_plan_bad_time_word",
        plan(&|b| put_u32(b, 28, 2)),
        plan_limit(28),
    );
    add(
        // Rows with their time in a model whose rows carry time-bias rows.
        "fixed_plan_time_input_on_folded_model",
        plan(&|b| {
            put_u32(b, 8, 0);
            put_u32(b, 28, 1);
        }),
        E::SectionLength(K::FixedPlan),
    );
    add(
        "fixed_plan_init_shift_63",
        plan(&|b| put_u32(b, 20, 63)),
        plan_limit(16),
    );
    add(
        "fixed_plan_negative_clip",
        plan(&|b| put_u32(b, 24, u32::MAX)),
        plan_limit(24),
    );
    add(
        "fixed_plan_clip_without_plan_clip",
        plan(&|b| put_u32(b, 24, 5)),
        plan_mismatch,
    );

    // ---- Schedule and plan sections of a fixed-point model ------------------
    // A build without `float` reads only their framing and the plans'
    // outlines: tests/corpus/WITHOUT_FLOAT.txt lists what it makes of these.
    let schedule = |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed, K::Schedule, |b| edit(b));
    let float_plan = |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed, K::Plan, |b| edit(b));
    add(
        "fixed_model_schedule_beta_nan",
        schedule(&|b| put_f64(b, sch_param(0), f64::NAN)),
        E::NonFinite {
            section: K::Schedule,
            index: 0,
        },
    );
    add(
        "fixed_model_schedule_truncated",
        schedule(&|b| b.truncate(40)),
        E::SectionLength(K::Schedule),
    );
    add(
        "fixed_model_plan_t_min_nan",
        float_plan(&|b| put_f64(b, PLAN_T_MIN, f64::NAN)),
        E::Plan(PlanError::TMin),
    );
    add(
        "fixed_model_plan_bad_sampler",
        float_plan(&|b| put_u16(b, PLAN_SAMPLER, 9)),
        E::BadCode {
            section: K::Plan,
            offset: PLAN_SAMPLER as u32,
        },
    );
    add(
        "fixed_model_plan_extra_row",
        float_plan(&|b| b.extend_from_slice(&[0; ROW])),
        E::SectionLength(K::Plan),
    );
    add(
        "fixed_model_plan_one_row_more",
        float_plan(&|b| {
            put_u32(b, PLAN_ROWS, 4);
            b.extend_from_slice(&[0; ROW]);
        }),
        E::Plan(PlanError::Steps),
    );
    // Row 1's first stored coefficient: rows are a word per coefficient of
    // the mask (header word 3) and 4 words of time bias.
    let row_1 = |b: &[u8]| {
        let mask = u32::from_le_bytes(b[12..16].try_into().unwrap()) & 0x1fff;
        32 + 4 * mask.count_ones() as usize + 16
    };
    add(
        "fixed_plan_coefficient_shift_63",
        plan(&|b| {
            let at = row_1(b);
            let word = u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
            put_u32(b, at, word | 63);
        }),
        plan_limit(u32::try_from(row_1(&File::split(&fixed).body(K::FixedPlan)[..])).unwrap()),
    );

    // ---- Time embedding (format 1.7) -------------------------------------------
    let embedded = embedded_base();
    let embedding = |edit: &dyn Fn(&mut Vec<u8>)| section(&embedded, K::TimeEmbedding, |b| edit(b));
    let embedding_limit = |offset| E::Limit {
        section: K::TimeEmbedding,
        offset,
    };
    add(
        "time_embedding_odd_width",
        embedding(&|b| put_u32(b, 0, 3)),
        embedding_limit(0),
    );
    add(
        "time_embedding_zero_width",
        embedding(&|b| put_u32(b, 0, 0)),
        embedding_limit(0),
    );
    add(
        "time_embedding_reserved",
        embedding(&|b| put_u32(b, 4, 1)),
        E::Reserved { offset: 4 },
    );
    add(
        "time_embedding_bad_shift",
        embedding(&|b| put_u32(b, 12, 31)),
        embedding_limit(8),
    );
    add(
        "time_embedding_truncated",
        embedding(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::TimeEmbedding),
    );
    add(
        // Width 4 (one frequency more) where the topology says 2.
        "time_embedding_wider_than_the_topology",
        embedding(&|b| {
            put_u32(b, 0, 4);
            b.extend_from_slice(&[0; 4]);
        }),
        E::Mismatch {
            section: K::TimeEmbedding,
        },
    );
    add(
        "time_embedding_missing",
        sections(&embedded, |f| {
            let i = f.index(K::TimeEmbedding);
            f.sections.remove(i);
        }),
        E::MissingSection(K::TimeEmbedding),
    );
    add(
        "time_embedding_on_a_folded_model",
        sections(&fixed, |f| {
            let body = File::split(&embedded).body(K::TimeEmbedding).clone();
            f.sections
                .push((K::TimeEmbedding.code(), FLAG_REQUIRED, body));
        }),
        E::Mismatch {
            section: K::TimeEmbedding,
        },
    );

    // ---- Anomaly detector -----------------------------------------------------
    // A valid detector on plan 0 (3 rows): levels at rows 1 and 2, four
    // draws, thresholds 0.5 and 0.5·2³².
    let detector = AnomalyData {
        plan: 0,
        repeats: 4,
        rows: vec![1, 2],
        threshold: 0.5,
        threshold_q: 1 << 31,
        weights: None,
    };
    let with_detector =
        format::append_section(&fixed, K::Anomaly.code(), 0, detector.to_bytes()).unwrap();
    let anomaly = |edit: &dyn Fn(&mut Vec<u8>)| section(&with_detector, K::Anomaly, |b| edit(b));
    let anomaly_limit = |offset| E::Limit {
        section: K::Anomaly,
        offset,
    };
    add(
        "anomaly_repeats_zero",
        anomaly(&|b| put_u32(b, 4, 0)),
        anomaly_limit(4),
    );
    add(
        "anomaly_levels_17",
        anomaly(&|b| put_u32(b, 8, 17)),
        anomaly_limit(8),
    );
    add(
        "anomaly_threshold_negative",
        anomaly(&|b| put_f32(b, 16, -1.0)),
        anomaly_limit(16),
    );
    add(
        "anomaly_threshold_q_negative",
        anomaly(&|b| put_u32(b, 28, 0x8000_0000)),
        anomaly_limit(24),
    );
    add(
        "anomaly_row_past_the_plan",
        anomaly(&|b| put_u32(b, 32, 3)),
        E::Mismatch {
            section: K::Anomaly,
        },
    );
    add(
        "anomaly_plan_missing",
        anomaly(&|b| put_u32(b, 0, 1)),
        E::Mismatch {
            section: K::Anomaly,
        },
    );
    add(
        "anomaly_twice",
        sections(&with_detector, |f| {
            let body = f.body(K::Anomaly).clone();
            f.sections.push((K::Anomaly.code(), 0, body));
        }),
        E::DuplicateSection(K::Anomaly),
    );

    // ---- Data range -----------------------------------------------------------
    // A valid range of the 2-D bases: header 0..16, low 16..24, high
    // 24..32, float bounds 32..48, Q16.16 bounds 48..64.
    let range = DataRangeData {
        clips: true,
        dynamic: None,
        margin: 0.05,
        low: vec![-1.0, -2.0],
        high: vec![1.0, 2.0],
    };
    let with_range = |model: &[u8]| {
        format::append_section(model, K::DataRange.code(), 0, range.to_bytes()).unwrap()
    };
    let (float_ranged, fixed_ranged) = (with_range(float_base), with_range(&fixed));
    let float_range =
        |edit: &dyn Fn(&mut Vec<u8>)| section(&float_ranged, K::DataRange, |b| edit(b));
    let fixed_range =
        |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed_ranged, K::DataRange, |b| edit(b));
    let range_mismatch = E::Mismatch {
        section: K::DataRange,
    };
    add(
        "data_range_unknown_flag",
        fixed_range(&|b| put_u32(b, 0, 5)),
        E::BadCode {
            section: K::DataRange,
            offset: 0,
        },
    );
    add(
        "data_range_dimension_mismatch",
        fixed_range(&|b| put_u32(b, 4, 3)),
        E::Limit {
            section: K::DataRange,
            offset: 4,
        },
    );
    add(
        "data_range_reserved",
        fixed_range(&|b| put_u32(b, 12, 1)),
        E::Reserved { offset: 12 },
    );
    add(
        "data_range_short",
        fixed_range(&|b| b.truncate(60)),
        E::SectionLength(K::DataRange),
    );
    add(
        "data_range_q_bounds_unordered",
        fixed_range(&|b| put_u32(b, 48, 0x7fff_ffff)),
        range_mismatch,
    );
    add(
        "data_range_twice",
        sections(&fixed_ranged, |f| {
            let body = f.body(K::DataRange).clone();
            f.sections.push((K::DataRange.code(), 0, body));
        }),
        E::DuplicateSection(K::DataRange),
    );
    add(
        "data_range_margin_negative",
        float_range(&|b| put_f32(b, 8, -0.5)),
        E::Limit {
            section: K::DataRange,
            offset: 8,
        },
    );
    add(
        "data_range_bound_nan",
        float_range(&|b| put_f32(b, 36, f32::NAN)),
        E::NonFinite {
            section: K::DataRange,
            index: 5,
        },
    );
    add(
        "data_range_low_above_high",
        float_range(&|b| put_f32(b, 16, 1.5)),
        range_mismatch,
    );
    add(
        "data_range_float_bounds_unordered",
        float_range(&|b| put_f32(b, 32, 9.0)),
        range_mismatch,
    );

    // A dynamic threshold (since 1.6): flag bit 1 and 16 bytes after the
    // arrays, 64..80: percentile, float bound, Q16.16 bound, reserved.
    add(
        "data_range_dynamic_without_clip",
        fixed_range(&|b| put_u32(b, 0, 2)),
        E::BadCode {
            section: K::DataRange,
            offset: 0,
        },
    );
    add(
        "data_range_dynamic_without_parameters",
        fixed_range(&|b| put_u32(b, 0, 3)),
        E::SectionLength(K::DataRange),
    );
    let dynamic = DataRangeData {
        dynamic: Some(DynamicThresholdData {
            percentile: 0.995,
            max: 4.0,
        }),
        ..range.clone()
    };
    let with_dynamic = |model: &[u8]| {
        format::append_section(model, K::DataRange.code(), 0, dynamic.to_bytes()).unwrap()
    };
    let (float_dynamic, fixed_dynamic) = (with_dynamic(float_base), with_dynamic(&fixed));
    let float_threshold =
        |edit: &dyn Fn(&mut Vec<u8>)| section(&float_dynamic, K::DataRange, |b| edit(b));
    let fixed_threshold =
        |edit: &dyn Fn(&mut Vec<u8>)| section(&fixed_dynamic, K::DataRange, |b| edit(b));
    let threshold_limit = |offset| E::Limit {
        section: K::DataRange,
        offset,
    };
    add(
        "data_range_percentile_zero",
        fixed_threshold(&|b| put_u32(b, 64, 0)),
        threshold_limit(64),
    );
    add(
        "data_range_percentile_above_one",
        fixed_threshold(&|b| put_u32(b, 64, 65_537)),
        threshold_limit(64),
    );
    add(
        "data_range_threshold_max_q_below_one",
        fixed_threshold(&|b| put_u32(b, 72, 65_535)),
        threshold_limit(72),
    );
    add(
        "data_range_threshold_max_below_one",
        float_threshold(&|b| put_f32(b, 68, 0.5)),
        threshold_limit(68),
    );
    add(
        "data_range_threshold_max_nan",
        float_threshold(&|b| put_f32(b, 68, f32::NAN)),
        threshold_limit(68),
    );
    add(
        "data_range_threshold_reserved",
        fixed_threshold(&|b| put_u32(b, 76, 1)),
        E::Reserved { offset: 76 },
    );
    add(
        "data_range_threshold_trailing_bytes",
        fixed_threshold(&|b| b.extend([0; 4])),
        E::SectionLength(K::DataRange),
    );

    // ---- Class bias -----------------------------------------------------------
    let conditional = conditional_base();
    let fixed_conditional = fixed_conditional_base();
    let class = |edit: &dyn Fn(&mut Vec<u8>)| section(&conditional, K::ClassBias, |b| edit(b));
    let class_limit = |offset| E::Limit {
        section: K::ClassBias,
        offset,
    };
    let class_mismatch = E::Mismatch {
        section: K::ClassBias,
    };
    add(
        "class_bias_no_classes",
        class(&|b| put_u32(b, 0, 0)),
        class_limit(0),
    );
    add(
        "class_bias_257_classes",
        class(&|b| put_u32(b, 0, 257)),
        class_limit(0),
    );
    add(
        "class_bias_width_zero",
        class(&|b| put_u32(b, 4, 0)),
        class_limit(4),
    );
    add(
        "class_bias_element_code",
        class(&|b| put_u32(b, 8, 3)),
        E::BadCode {
            section: K::ClassBias,
            offset: 8,
        },
    );
    add(
        "class_bias_reserved",
        class(&|b| put_u32(b, 12, 1)),
        E::Reserved { offset: 12 },
    );
    add(
        "class_bias_short",
        class(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::ClassBias),
    );
    add(
        "class_bias_nan",
        class(&|b| put_f32(b, 16 + 4 * 17, f32::NAN)),
        E::NonFinite {
            section: K::ClassBias,
            index: 17,
        },
    );
    // Seven classes of width 8 fill the same 64 values: a valid section of
    // the wrong width.
    add(
        "class_bias_width_mismatch",
        class(&|b| {
            put_u32(b, 0, 7);
            put_u32(b, 4, 8);
        }),
        class_mismatch,
    );
    add(
        "class_bias_i32_in_float_model",
        class(&|b| put_u32(b, 8, 2)),
        class_mismatch,
    );
    add(
        "class_bias_f32_in_fixed_model",
        section(&fixed_conditional, K::ClassBias, |b| {
            put_u32(b, 8, 1);
            b[16..].fill(0); // finite as f32
        }),
        class_mismatch,
    );
    add(
        "class_bias_twice",
        sections(&conditional, |f| {
            let body = f.body(K::ClassBias).clone();
            f.sections.push((K::ClassBias.code(), FLAG_REQUIRED, body));
        }),
        E::DuplicateSection(K::ClassBias),
    );

    // ---- f16 weights --------------------------------------------------------
    let f16 = f16_base();
    let half = |edit: &dyn Fn(&mut Vec<u8>)| section(&f16, K::WeightsF16, |b| edit(b));
    let non_finite = |index| E::NonFinite {
        section: K::WeightsF16,
        index,
    };
    add(
        "f16_weight_nan",
        half(&|b| put_u16(b, 2 * 3, 0x7E00)),
        non_finite(3),
    );
    add(
        "f16_weight_infinite",
        half(&|b| put_u16(b, 36 + 2 * 8, 0xFC00)),
        non_finite(12 + 3 + 8),
    );
    add(
        "f16_bias_nan",
        half(&|b| put_f32(b, 24, f32::NAN)),
        non_finite(12),
    );
    add(
        "f16_padding",
        half(&|b| b[55] = 1),
        E::Limit {
            section: K::WeightsF16,
            offset: 55,
        },
    );
    add(
        "f16_weights_short",
        half(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::WeightsF16),
    );
}
