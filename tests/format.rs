//! Robustness of the `.tsm` parser (`format::Model::parse`):
//!
//! 1. write → parse round trips are exact: every field and view reads back
//!    what was written, and writing the read-back spec gives the same bytes;
//! 2. every defect of tests/malformed (one minimal mutation of a valid file
//!    per defect) gives its exact `FormatError`, and every variant is covered;
//! 3. truncation at every length and every single-bit flip (with and without
//!    re-sealing the CRC) give `Ok` or `Err`, never a panic.
//!
//! Needs feature `std` (the writer): `cargo test --features std --test format`.
#![cfg(feature = "std")]
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;
mod malformed;

use common::{bias_table_model_bytes, compile_plan, small_model_bytes, small_spec};
use malformed::{File, find};
use tinyscore::format::{
    self, Activation, ClassBiasData, ClassRows, DataRangeData, DynamicThresholdData, FLAG_REQUIRED,
    FormatError, Layer, Model, ModelSpec, PlanData, SectionKind, TimeConditioning, WeightsData,
};
use tinyscore::net::{Denoiser, TimeInput};
use tinyscore::plan::{
    Compiler, DdpmVariance, LangevinStep, Plan, PlanError, PlanSpec, Prediction, SamplerKind,
    SnrStep,
};
use tinyscore::schedule::{BetaSchedule, DiscreteSchedule, ExplicitBetas, Schedule, Sde, Spacing};

// ---------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Everything a parsed model exposes, back in writer form. The weights have
/// no public view, so they are read from the bytes the section table points
/// to; the forward-pass check below covers how the network reads them.
fn read_back<'a>(model: &Model<'a>, bytes: &'a [u8]) -> ModelSpec<'a> {
    let t = model.topology();
    let norm = model.normalization();
    let body = |e: &format::SectionEntry| &bytes[e.offset as usize..(e.offset + e.length) as usize];
    let weights = model
        .sections()
        .find(|e| e.kind == Some(SectionKind::WeightsF32))
        .unwrap();
    ModelSpec {
        x_dim: t.x_dim(),
        time: t.time(),
        prediction: t.prediction(),
        layers: t.layers().collect(),
        weights: WeightsData::F32(f32s(body(&weights))),
        mean: norm.mean().iter().collect(),
        scale: norm.scale().iter().collect(),
        schedule: model.schedule(),
        plans: model
            .plans()
            .enumerate()
            .map(|(i, p)| PlanData {
                header: p.header(),
                rows: (0..p.header().rows as usize)
                    .map(|r| p.row(r).unwrap())
                    .collect(),
                time_bias: model.time_bias(i).map(|table| {
                    (0..table.rows())
                        .flat_map(|r| table.row(r).unwrap().iter().collect::<Vec<_>>())
                        .collect()
                }),
                fixed: None,
            })
            .collect(),
        class_bias: model.class_bias().map(|c| match c.rows() {
            ClassRows::F32(v) => ClassBiasData::F32 {
                classes: c.classes(),
                rows: v.iter().collect(),
            },
            ClassRows::I32(v) => ClassBiasData::I32 {
                classes: c.classes(),
                rows: v.iter().collect(),
            },
        }),
        time_embedding: None,
        // The sections this version does not read, and the names (written
        // as extra sections), kept in the table.
        extra_sections: model
            .sections()
            .filter(|e| {
                matches!(
                    e.kind,
                    None | Some(SectionKind::ColumnNames | SectionKind::ClassNames)
                )
            })
            .map(|e| {
                let flags = if e.required { FLAG_REQUIRED } else { 0 };
                (e.code, flags, body(&e).to_vec())
            })
            .collect(),
    }
}

fn assert_close(got: &[f32], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (f64::from(*g) - w).abs() <= 1e-4 * (1.0 + w.abs()),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

/// Writes `spec`, parses it, and checks every field and view.
fn assert_round_trip(spec: &ModelSpec<'_>) {
    let bytes = format::write(spec).unwrap();
    assert_eq!(
        format::write(spec).unwrap(),
        bytes,
        "writer is deterministic"
    );
    let model = Model::parse(&bytes).unwrap();
    let back = read_back(&model, &bytes);
    assert_eq!(&back, spec);
    // Bit-exact: writing what was read gives the same file.
    assert_eq!(format::write(&back).unwrap(), bytes);

    // Layout: the writer's section order, 16-aligned, header then sections;
    // the parser's table agrees with the test's own reading of it.
    let entries = malformed::entries(&bytes);
    let table: Vec<malformed::Entry> = model
        .sections()
        .map(|e| malformed::Entry {
            code: e.code,
            flags: u16::from(e.required),
            offset: e.offset as usize,
            len: e.length as usize,
        })
        .collect();
    assert_eq!(table, entries);
    assert!(
        model
            .sections()
            .all(|e| e.kind == SectionKind::from_code(e.code))
    );
    let codes: Vec<u16> = entries.iter().map(|e| e.code).collect();
    let mut want = vec![
        SectionKind::Topology.code(),
        SectionKind::Schedule.code(),
        SectionKind::Normalization.code(),
        SectionKind::WeightsF32.code(),
    ];
    want.extend(spec.plans.iter().map(|_| SectionKind::Plan.code()));
    want.extend(
        spec.plans
            .iter()
            .filter(|p| p.time_bias.is_some())
            .map(|_| SectionKind::TimeBias.code()),
    );
    if spec.class_bias.is_some() {
        want.push(SectionKind::ClassBias.code());
    }
    want.extend(spec.extra_sections.iter().map(|s| s.0));
    assert_eq!(codes, want);
    assert!(entries.iter().all(|e| e.offset % format::ALIGN == 0));
    assert_eq!(malformed::get_u32(&bytes, 16) as usize, bytes.len());

    // Derived numbers.
    let t = model.topology();
    // No dynamic threshold: written as 1.5 wrote it, unless a plan churns.
    let churns = spec
        .plans
        .iter()
        .any(|p| matches!(p.header.spec.sampler, SamplerKind::PfOdeHeun { churn } if churn != 0.0));
    let minor = if churns {
        format::VERSION_MINOR_HELD
    } else {
        format::VERSION_MINOR_STATIC
    };
    assert_eq!(model.version_minor(), minor);
    assert_eq!(t.len(), spec.layers.len());
    assert!(!t.is_empty());
    assert_eq!(t.parameter_count() as usize, common::f32_params(spec).len());
    assert_eq!(model.weight_bytes(), 4 * common::f32_params(spec).len());
    let input = spec.x_dim + spec.time.input_width();
    let dense_outputs = || {
        spec.layers.iter().filter_map(|l| match l {
            Layer::Dense { output, .. } => Some(*output),
            _ => None,
        })
    };
    assert_eq!(t.max_width(), dense_outputs().fold(input, u32::max));
    assert_eq!(t.first_dense_output(), dense_outputs().next().unwrap());
    // Activations, x̂₀ and h registers, and guidance's second output.
    let registers = if spec.class_bias.is_some() { 3 } else { 2 };
    assert_eq!(
        model.scratch_len(),
        3 * t.max_width() as usize + registers * spec.x_dim as usize
    );
    assert_eq!(model.plans().count(), spec.plans.len());
    for (i, p) in spec.plans.iter().enumerate() {
        let plan = model.plan(i).unwrap();
        assert!(plan.row(p.rows.len()).is_none());
        match model.time_bias(i) {
            Some(table) => {
                assert_eq!(table.plan() as usize, i);
                assert_eq!(table.width(), t.first_dense_output());
                assert!(table.row(table.rows()).is_none());
            }
            None => assert!(p.time_bias.is_none()),
        }
    }
    assert!(model.plan(spec.plans.len()).is_none());
    assert!(model.time_bias(spec.plans.len()).is_none());

    // Normalization maps back and forth.
    let norm = model.normalization();
    let mut x: Vec<f32> = (0..spec.x_dim).map(|i| 0.3 + i as f32).collect();
    let orig = x.clone();
    norm.to_model(&mut x);
    for (i, v) in x.iter().enumerate() {
        let want = (orig[i] - spec.mean[i]) / spec.scale[i];
        assert!((v - want).abs() <= 1e-6 * (1.0 + want.abs()));
    }
    norm.to_data(&mut x);
    assert_close(
        &x,
        &orig.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
        "normalization",
    );

    // The network reads the weights in the written order.
    let net = model.network().unwrap();
    let mut scratch = vec![0.0; net.scratch_len()];
    let mut out = vec![0.0; spec.x_dim as usize];
    let x: Vec<f32> = (0..spec.x_dim).map(|i| 0.7 - 0.4 * i as f32).collect();
    match spec.time {
        TimeConditioning::Sinusoidal { .. } => {
            net.forward(&x, TimeInput::Time(321.0), &mut scratch, &mut out)
                .unwrap();
            assert_close(
                &out,
                &common::reference_forward(spec, &x, 321.0, None),
                "forward",
            );
        }
        TimeConditioning::BiasTable => {
            let row = model.time_bias(0).unwrap().row(1).unwrap();
            net.forward(&x, TimeInput::Bias(row), &mut scratch, &mut out)
                .unwrap();
            let row: Vec<f32> = row.iter().collect();
            assert_close(
                &out,
                &common::reference_forward(spec, &x, 0.0, Some(&row)),
                "forward",
            );
        }
    }
    malformed::exercise(&model);
}

#[test]
fn round_trip_small_model() {
    assert_round_trip(&small_spec());
}

#[test]
fn round_trip_bias_table_model() {
    assert_round_trip(&common::bias_table_spec());
}

#[test]
fn bias_table_fixture_matches_the_sinusoidal_fixture() {
    // The folded fixture computes the same function at its plan's times.
    let (a, b) = (small_model_bytes(), bias_table_model_bytes());
    let (a, b) = (Model::parse(&a).unwrap(), Model::parse(&b).unwrap());
    let (na, nb) = (a.network().unwrap(), b.network().unwrap());
    let mut scratch = vec![0.0; na.scratch_len().max(nb.scratch_len())];
    let x = [0.4f32, -1.2];
    let plan = a.plan(0).unwrap();
    for i in 0..plan.header().rows as usize {
        let (mut oa, mut ob) = ([0.0f32; 2], [0.0f32; 2]);
        let t = plan.row(i).unwrap().t;
        na.forward(&x, TimeInput::Time(t), &mut scratch, &mut oa)
            .unwrap();
        let row = b.time_bias(0).unwrap().row(i).unwrap();
        nb.forward(&x, TimeInput::Bias(row), &mut scratch, &mut ob)
            .unwrap();
        for (p, q) in oa.iter().zip(&ob) {
            assert!((p - q).abs() < 1e-4, "row {i}: {oa:?} vs {ob:?}");
        }
    }
}

#[test]
fn round_trip_bias_table_with_two_plans() {
    let mut spec = common::bias_table_spec();
    // A second plan with its own rows and table (the values need not be
    // folded for the format).
    let mut second = compile_plan(
        spec.schedule,
        PlanSpec {
            spacing: Spacing::Trailing,
            ..PlanSpec::new(SamplerKind::Ddim { eta: 1.0 }, 4)
        },
    );
    second.time_bias = Some((0..4 * 16).map(|k| k as f32 * 0.01).collect());
    spec.plans.push(second);
    assert_round_trip(&spec);

    // Tables must come in plan order.
    let bytes = format::write(&spec).unwrap();
    let swapped = {
        let mut f = File::split(&bytes);
        let n = f.sections.len();
        f.sections.swap(n - 1, n - 2);
        f.assemble()
    };
    assert_eq!(
        Model::parse(&swapped).unwrap_err(),
        FormatError::Mismatch {
            section: SectionKind::TimeBias
        }
    );
}

#[test]
fn round_trip_class_conditional_models() {
    for base in [small_spec(), common::bias_table_spec()] {
        let spec = common::conditional_spec(base, 3);
        assert_round_trip(&spec);
        let bytes = format::write(&spec).unwrap();
        let model = Model::parse(&bytes).unwrap();
        assert_eq!(model.classes(), 3);
        let table = model.class_bias().unwrap();
        let Some(ClassBiasData::F32 { rows, .. }) = &spec.class_bias else {
            unreachable!()
        };
        // Row k of class k, the unconditional row last; none past it.
        let row = |class| table.f32_row(class).unwrap().iter().collect::<Vec<_>>();
        assert_eq!(row(Some(2)), rows[2 * 16..3 * 16]);
        assert_eq!(row(None), rows[3 * 16..]);
        assert!(table.f32_row(Some(3)).is_none());
        assert!(table.i32_row(Some(0)).is_none());
    }
    // The fixed-point version stores the rows as i32.
    let spec = common::conditional_spec(common::bias_table_spec(), 2);
    let scales = common::trajectory_scales(&spec, 8, 2.0);
    let fixed = tinyscore::fixed::quantize::quantize(&spec, &scales).unwrap();
    let Some(ClassBiasData::I32 { classes: 2, rows }) = &fixed.class_bias else {
        panic!("{:?}", fixed.class_bias)
    };
    let bytes = format::write(&fixed).unwrap();
    let table = Model::parse(&bytes).unwrap().class_bias().unwrap();
    let ClassRows::I32(stored) = table.rows() else {
        panic!("f32 rows in a fixed-point model")
    };
    assert_eq!(stored.iter().collect::<Vec<_>>(), *rows);
}

#[test]
fn round_trip_explicit_betas_and_discrete_samplers() {
    let betas: Vec<u8> = (0..50)
        .flat_map(|i| (1e-3 + 0.009 * f64::from(i)).to_le_bytes())
        .collect();
    let schedule = Schedule::Discrete(DiscreteSchedule {
        betas: BetaSchedule::Explicit(ExplicitBetas::from_le_bytes(&betas).unwrap()),
        train_steps: 50,
        zero_terminal_snr: true,
    });
    let prediction = Prediction::Velocity;
    let plan = |spec: PlanSpec| compile_plan(schedule, PlanSpec { prediction, ..spec });
    let layers = vec![
        Layer::Dense {
            input: 6,
            output: 8,
        },
        Layer::Activation(Activation::Tanh),
        Layer::SaveResidual,
        Layer::Dense {
            input: 8,
            output: 8,
        },
        Layer::Activation(Activation::Relu),
        Layer::AddResidual,
        Layer::Dense {
            input: 8,
            output: 2,
        },
    ];
    let params = 6 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2;
    let spec = ModelSpec {
        x_dim: 2,
        time: TimeConditioning::Sinusoidal {
            dim: 4,
            max_period: 100.0,
            scale: 0.5,
        },
        prediction,
        layers,
        weights: WeightsData::F32(
            (0..params)
                .map(|k| ((k * 37 % 101) as f32 - 50.0) / 200.0)
                .collect(),
        ),
        mean: vec![-3.0, 1e-3],
        scale: vec![1e3, 0.5],
        schedule,
        plans: vec![
            plan(PlanSpec {
                spacing: Spacing::Trailing,
                ..PlanSpec::new(SamplerKind::DpmSolverPp2m, 8)
            }),
            plan(PlanSpec {
                spacing: Spacing::Linspace,
                clip: Some(1.5),
                ..PlanSpec::new(
                    SamplerKind::Ddpm {
                        variance: DdpmVariance::FixedLarge,
                    },
                    5,
                )
            }),
            plan(PlanSpec {
                steps_offset: 1,
                ..PlanSpec::new(SamplerKind::PfOdeHeun { churn: 0.0 }, 4)
            }),
            plan(PlanSpec::new(
                SamplerKind::Ddpm {
                    variance: DdpmVariance::FixedSmall,
                },
                3,
            )),
        ],
        class_bias: None,
        time_embedding: None,
        extra_sections: Vec::new(),
    };
    assert_round_trip(&spec);
}

#[test]
fn round_trip_every_schedule_kind() {
    let discrete = |betas| {
        Schedule::Discrete(DiscreteSchedule {
            betas,
            train_steps: 200,
            zero_terminal_snr: false,
        })
    };
    let cases = [
        (
            discrete(BetaSchedule::ScaledLinear {
                start: 8.5e-4,
                end: 0.012,
            }),
            Prediction::Sample,
        ),
        (discrete(BetaSchedule::SquaredCosCapV2), Prediction::Epsilon),
        (
            discrete(BetaSchedule::Sigmoid {
                start: 1e-4,
                end: 0.02,
            }),
            Prediction::Velocity,
        ),
    ];
    for (schedule, prediction) in cases {
        let mut spec = small_spec();
        spec.schedule = schedule;
        spec.prediction = prediction;
        spec.plans = vec![
            compile_plan(
                schedule,
                PlanSpec {
                    prediction,
                    ..PlanSpec::new(SamplerKind::Ddim { eta: 0.25 }, 6)
                },
            ),
            compile_plan(
                schedule,
                PlanSpec {
                    prediction,
                    ..PlanSpec::new(SamplerKind::PfOdeEuler, 2)
                },
            ),
        ];
        assert_round_trip(&spec);
    }

    let sdes = [
        (
            Sde::Vp {
                beta_min: 0.1,
                beta_max: 20.0,
            },
            Prediction::Epsilon,
        ),
        (
            Sde::SubVp {
                beta_min: 0.1,
                beta_max: 20.0,
            },
            Prediction::Sample,
        ),
        (
            Sde::Ve {
                sigma_min: 0.01,
                sigma_max: 50.0,
            },
            Prediction::Epsilon,
        ),
        (
            Sde::OrnsteinUhlenbeck {
                beta: 1.0,
                sigma: 1.4,
                t_end: 3.0,
            },
            Prediction::Velocity,
        ),
        (
            Sde::Edm {
                sigma_min: 0.002,
                sigma_max: 80.0,
                rho: 7.0,
            },
            Prediction::Velocity,
        ),
    ];
    for (sde, prediction) in sdes {
        let schedule = Schedule::Sde(sde);
        let plan = |spec: PlanSpec| {
            compile_plan(
                schedule,
                PlanSpec {
                    prediction,
                    t_min: 1e-3,
                    ..spec
                },
            )
        };
        let mut spec = small_spec();
        spec.schedule = schedule;
        spec.prediction = prediction;
        spec.plans = vec![
            plan(PlanSpec::new(SamplerKind::EulerMaruyama, 6)),
            plan(PlanSpec::new(
                SamplerKind::PredictorCorrector {
                    corrector_steps: 1,
                    step: SnrStep::new(0.16),
                },
                4,
            )),
            plan(PlanSpec::new(
                SamplerKind::AnnealedLangevin {
                    steps_per_level: 3,
                    step: LangevinStep::Annealed { epsilon: 2e-5 },
                    denoise_final: true,
                },
                4,
            )),
            plan(PlanSpec::new(
                SamplerKind::AnnealedLangevin {
                    steps_per_level: 2,
                    step: LangevinStep::Snr(SnrStep::new(0.16)),
                    denoise_final: false,
                },
                3,
            )),
            plan(PlanSpec::new(
                SamplerKind::AnnealedLangevin {
                    steps_per_level: 2,
                    step: LangevinStep::Snr(SnrStep {
                        snr: 0.2,
                        measured: true,
                    }),
                    denoise_final: true,
                },
                3,
            )),
            plan(PlanSpec::new(
                SamplerKind::PredictorCorrector {
                    corrector_steps: 2,
                    step: SnrStep {
                        snr: 0.1,
                        measured: true,
                    },
                },
                3,
            )),
            plan(PlanSpec {
                clip: Some(2.0),
                ..PlanSpec::new(SamplerKind::Ddim { eta: 0.5 }, 3)
            }),
        ];
        assert_round_trip(&spec);
    }
}

#[test]
fn newer_minor_with_unknown_optional_sections_is_read() {
    let mut spec = small_spec();
    spec.extra_sections = vec![(0x7777, 0, vec![1, 2, 3]), (0x7778, 0, Vec::new())];
    assert_round_trip(&spec);

    let mut bytes = format::write(&spec).unwrap();
    malformed::put_u16(&mut bytes, 10, format::VERSION_MINOR + 1);
    format::seal(&mut bytes);
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), format::VERSION_MINOR + 1);
    assert_eq!(read_back(&model, &bytes), spec);
    let plain = small_model_bytes();

    // An unknown optional section between known ones is skipped too.
    let mut f = File::split(&plain);
    f.minor = u16::MAX;
    f.sections.insert(1, (0xFFFF, 0, vec![0xAB; 33]));
    let bytes = f.assemble();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), u16::MAX);
    let mut back = read_back(&model, &bytes);
    assert_eq!(back.extra_sections, vec![(0xFFFF, 0, vec![0xAB; 33])]);
    back.extra_sections.clear();
    assert_eq!(back, small_spec());

    // The same section marked required is refused.
    let mut f = File::split(&plain);
    f.sections
        .insert(1, (0xFFFF, FLAG_REQUIRED, vec![0xAB; 33]));
    assert_eq!(
        Model::parse(&f.assemble()).unwrap_err(),
        FormatError::UnknownRequiredSection { kind: 0xFFFF }
    );
}

#[test]
fn names_read_back_and_older_files_have_none() {
    let named = malformed::names::named_base(&malformed::base());
    let model = Model::parse(&named).unwrap();
    let columns = model.column_names().unwrap();
    assert_eq!(columns.iter().collect::<Vec<_>>(), ["ax", "ay"]);
    assert_eq!((columns.get(1), columns.get(2)), (Some("ay"), None));
    assert_eq!(columns.position("ay"), Some(1));
    assert!(model.class_names().is_none());
    // Written without the required flag: a 1.3 reader skips them.
    assert!(
        model
            .sections()
            .filter(|e| e.kind == Some(SectionKind::ColumnNames))
            .all(|e| !e.required)
    );
    let conditional = malformed::names::named_conditional_base();
    let model = Model::parse(&conditional).unwrap();
    let classes = model.class_names().unwrap();
    assert_eq!(classes.iter().collect::<Vec<_>>(), ["idle", "walk", "run"]);
    assert_eq!(classes.len(), model.classes() as usize);
    let plain = malformed::base();
    let plain = Model::parse(&plain).unwrap();
    assert!(plain.column_names().is_none() && plain.class_names().is_none());
    // Multi-byte UTF-8 names are names.
    let mut f = File::split(&malformed::base());
    f.sections.push((
        SectionKind::ColumnNames.code(),
        0,
        format::names_section(&["Beschleunigung_ä", "温度"]),
    ));
    let bytes = f.assemble();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.column_names().unwrap().get(1), Some("温度"));
}

#[test]
fn dynamic_threshold_reads_back_as_1_6_and_bad_percentiles_are_refused() {
    let plain = small_model_bytes();
    let range = |dynamic| DataRangeData {
        clips: true,
        dynamic,
        margin: 0.05,
        low: vec![-1.0, -2.0],
        high: vec![1.0, 2.0],
    };
    let with = |dynamic| {
        let body = range(dynamic).to_bytes();
        format::append_section(&plain, SectionKind::DataRange.code(), 0, body)
    };
    let threshold = |percentile, max| Some(DynamicThresholdData { percentile, max });

    // Only a file with a dynamic threshold is 1.6; without one the file
    // is what 1.5 wrote.
    let bytes = with(threshold(0.995, 2.5)).unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), format::VERSION_MINOR_DYNAMIC);
    assert_eq!(format::VERSION_MINOR_DYNAMIC, 6);
    let t = model.data_range().unwrap().dynamic().unwrap();
    // round(0.995·2¹⁶) = 65 208; 2.5·2¹⁶ = 163 840.
    assert_eq!((t.percentile(), t.max(), t.max_q()), (65_208, 2.5, 163_840));
    let bytes = with(None).unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), format::VERSION_MINOR_STATIC);
    assert!(model.data_range().unwrap().dynamic().is_none());

    // The parameters follow the arrays: 16 + 24·2 = 64.
    let limit = |offset| FormatError::Limit {
        section: SectionKind::DataRange,
        offset,
    };
    for (percentile, max, offset) in [
        (0.0, 2.0, 64),
        (-0.5, 2.0, 64),
        (1.5, 2.0, 64),
        (1e-6, 2.0, 64), // rounds to 0·2⁻¹⁶
        (0.5, 0.5, 68),
        (0.5, f32::INFINITY, 68),
    ] {
        assert_eq!(
            with(threshold(percentile, max)),
            Err(limit(offset)),
            "percentile {percentile}, max {max}"
        );
    }
    // A dynamic threshold without the clip is no clip mode at all.
    let mut no_clip = range(threshold(0.9, 2.0));
    no_clip.clips = false;
    let body = no_clip.to_bytes();
    assert_eq!(
        format::append_section(&plain, SectionKind::DataRange.code(), 0, body),
        Err(FormatError::BadCode {
            section: SectionKind::DataRange,
            offset: 0
        })
    );
}

#[test]
fn churned_heun_plan_reads_back_as_1_8_and_bad_churn_is_refused() {
    let edm = Schedule::Sde(Sde::Edm {
        sigma_min: 0.002,
        sigma_max: 80.0,
        rho: 7.0,
    });
    let heun = |churn| PlanSpec {
        prediction: Prediction::Velocity,
        ..PlanSpec::new(SamplerKind::PfOdeHeun { churn }, 6)
    };
    let mut spec = small_spec();
    spec.schedule = edm;
    spec.prediction = Prediction::Velocity;
    spec.plans = vec![compile_plan(edm, heun(3.0))];
    // Only a churned plan makes a file 1.8 (a 1.7 reader requires Heun's
    // real parameter to be 0); the same file without churn is what 1.5
    // wrote.
    assert_round_trip(&spec);
    let bytes = format::write(&spec).unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), format::VERSION_MINOR_HELD);
    assert_eq!(format::VERSION_MINOR_HELD, 8);
    // Six points: rows 0–9 are five Heun steps, row 10 the final Euler
    // step. The correctors (odd rows) land on points 1 to 5 and add the
    // noise that raises the next step's start; nothing lands on point 0
    // (the prior), and the final step adds none.
    let plan = model.plan(0).unwrap();
    let noisy: Vec<usize> = (0..11)
        .filter(|&i| plan.row(i).unwrap().draws_noise())
        .collect();
    assert_eq!(noisy, [1, 3, 5, 7, 9]);
    spec.plans = vec![compile_plan(edm, heun(0.0))];
    let bytes = format::write(&spec).unwrap();
    assert_eq!(
        Model::parse(&bytes).unwrap().version_minor(),
        format::VERSION_MINOR_STATIC
    );

    for churn in [-1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            Compiler::new(edm, heun(churn)).err(),
            Some(PlanError::Parameter),
            "churn {churn}"
        );
    }
}

#[test]
fn held_guidance_reads_back_as_1_8_and_older_files_have_none() {
    let held = malformed::held_guidance::held_guidance_base();
    let model = Model::parse(&held).unwrap();
    // 3·2¹⁵ in Q16.16: the base holds 1.5.
    assert_eq!(model.held_guidance().unwrap().weight_q(), 3 << 15);
    assert_eq!(model.held_guidance().unwrap().weight(), 1.5);
    // Written without the required flag: a 1.7 reader skips it.
    assert!(
        model
            .sections()
            .filter(|e| e.kind == Some(SectionKind::HeldGuidance))
            .all(|e| !e.required)
    );
    // The writer stamps a file that holds guidance 1.8.
    let conditional = malformed::names::named_conditional_base();
    let plain = Model::parse(&conditional).unwrap();
    assert!(plain.held_guidance().is_none());
    let bytes = format::append_section(
        &conditional,
        SectionKind::HeldGuidance.code(),
        0,
        format::held_guidance_section(1 << 16),
    )
    .unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), format::VERSION_MINOR_HELD);
    assert_eq!(model.held_guidance().unwrap().weight(), 1.0);
}

#[test]
fn section_order_is_free() {
    // The parser looks sections up by kind; only time-bias tables are
    // ordered (by plan). A permuted file reads back the same model.
    let plain = bias_table_model_bytes();
    let mut f = File::split(&plain);
    f.sections.reverse();
    let bytes = f.assemble();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(read_back(&model, &bytes), common::bias_table_spec());
}

#[test]
fn writer_refuses_what_the_parser_refuses() {
    let mut spec = small_spec();
    let WeightsData::F32(w) = &mut spec.weights else {
        unreachable!("small_spec has f32 weights")
    };
    w[3] = f32::NAN;
    assert_eq!(
        format::write(&spec).unwrap_err(),
        FormatError::NonFinite {
            section: SectionKind::WeightsF32,
            index: 3
        }
    );
    let mut spec = small_spec();
    spec.layers.pop();
    assert_eq!(
        format::write(&spec).unwrap_err(),
        FormatError::Shape { layer: 6 }
    );
    let mut spec = small_spec();
    spec.plans[0].time_bias = Some(vec![0.0; 160]);
    assert_eq!(
        format::write(&spec).unwrap_err(),
        FormatError::Mismatch {
            section: SectionKind::TimeBias
        }
    );
}

/// An anomaly detector noises its input to the levels of its plan's rows,
/// so its plan must have state levels: a Heun plan has none, nor has a plan
/// whose rows store `α = σ = 0` (as format 1.0 wrote them). A file with
/// such a detector would be accepted and then fail to score (a finding of
/// the `finite` fuzz target). The section is spliced in unchecked, as
/// `append_section` refuses it too.
#[test]
fn detector_needs_a_plan_with_noise_levels() {
    let with_detector = |sampler: SamplerKind, stored_levels: bool| {
        let mut spec = small_spec();
        spec.plans = vec![compile_plan(common::schedule(), PlanSpec::new(sampler, 5))];
        if !stored_levels {
            for row in &mut spec.plans[0].rows {
                (row.alpha, row.sigma) = (0.0, 0.0);
            }
        }
        let detector = format::AnomalyData {
            plan: 0,
            repeats: 1,
            rows: vec![0],
            threshold: 1.0,
            threshold_q: 1 << 32,
            weights: None,
        };
        let mut file = File::split(&format::write(&spec).unwrap());
        file.sections
            .push((SectionKind::Anomaly.code(), 0, detector.to_bytes()));
        file.assemble()
    };
    let ddim = SamplerKind::Ddim { eta: 0.0 };
    assert!(
        Model::parse(&with_detector(ddim, true))
            .unwrap()
            .anomaly()
            .is_some()
    );
    for refused in [
        with_detector(SamplerKind::PfOdeHeun { churn: 0.0 }, true),
        with_detector(ddim, false),
    ] {
        assert_eq!(
            Model::parse(&refused).unwrap_err(),
            FormatError::Mismatch {
                section: SectionKind::Anomaly
            }
        );
    }
}

/// A weighted detector (kind 16) reads back its weights in f32 and Q16.16;
/// a weight that is not positive, finite and at most `MAX_ANOMALY_WEIGHT`
/// is refused at its offset, and a file with both detector kinds is refused.
#[test]
fn weighted_detector_reads_back_and_bad_weights_are_refused() {
    let detector = |weights: Vec<f32>| format::AnomalyData {
        plan: 0,
        repeats: 3,
        rows: vec![1, 4],
        threshold: 1.5,
        threshold_q: 3 << 31,
        weights: Some(weights),
    };
    let splice = |extra: &[&format::AnomalyData]| {
        let mut file = File::split(&small_model_bytes());
        for d in extra {
            file.sections.push((d.kind().code(), 0, d.to_bytes()));
        }
        file.assemble()
    };
    let good = detector(vec![0.25, 1234.5]);
    assert_eq!(good.kind(), SectionKind::WeightedAnomaly);
    let bytes = splice(&[&good]);
    let read = Model::parse(&bytes).unwrap().anomaly().unwrap();
    assert!(read.weighted());
    assert_eq!((read.weight(0), read.weight(1)), (0.25, 1234.5));
    // Q16.16: 0.25·2¹⁶ and 1234.5·2¹⁶.
    assert_eq!((read.weight_q(0), read.weight_q(1)), (16_384, 80_904_192));
    // Weights sit after the header (32 bytes) and two rows (8 bytes), 8
    // bytes each; the second one is at offset 48.
    for bad in [0.0, -1.0, f32::NAN, f32::INFINITY, 65_536.0] {
        assert_eq!(
            Model::parse(&splice(&[&detector(vec![1.0, bad])])).unwrap_err(),
            FormatError::Limit {
                section: SectionKind::WeightedAnomaly,
                offset: 48
            },
            "weight {bad}"
        );
    }
    let mut plain = detector(vec![]);
    plain.weights = None;
    assert_eq!(
        Model::parse(&splice(&[&plain, &good])).unwrap_err(),
        FormatError::DuplicateSection(SectionKind::WeightedAnomaly)
    );
}

// ---------------------------------------------------------------------------
// One mutation per defect
// ---------------------------------------------------------------------------

#[test]
fn mutation_bases_are_valid_and_rebuilt_exactly() {
    for bytes in [
        malformed::base(),
        malformed::base_bias_table(),
        small_model_bytes(),
        bias_table_model_bytes(),
    ] {
        Model::parse(&bytes).unwrap();
        // The test-side assembler lays files out exactly as the writer does,
        // so section edits change nothing but the edited bytes.
        assert_eq!(File::split(&bytes).assemble(), bytes);
    }
}

#[test]
fn every_defect_gives_its_exact_error() {
    let cases = malformed::cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let mut failures = Vec::new();
    for case in &cases {
        let got = Model::parse(&case.bytes);
        if got.as_ref().err() != Some(&case.expected) {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                case.name,
                case.expected,
                got.map(|_| "Ok")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Index of a `FormatError` variant; exhaustive, so a new variant fails to
/// compile here until a case covers it. `FloatNotBuilt` has no index: a
/// build with the float backends (every host test) never reports it; the
/// runtime's unit test `float_files_need_the_float_feature`, run without
/// default features by scripts/test.sh, does.
fn variant(e: &FormatError) -> Option<usize> {
    Some(match e {
        FormatError::Truncated { .. } => 0,
        FormatError::BadMagic => 1,
        FormatError::UnsupportedVersion { .. } => 2,
        FormatError::FileLength { .. } => 3,
        FormatError::HeaderLength => 4,
        FormatError::Crc { .. } => 5,
        FormatError::TooManySections => 6,
        FormatError::Reserved { .. } => 7,
        FormatError::Layout { .. } => 8,
        FormatError::Padding { .. } => 9,
        FormatError::UnknownRequiredSection { .. } => 10,
        FormatError::MissingSection(_) => 11,
        FormatError::DuplicateSection(_) => 12,
        FormatError::SectionLength(_) => 13,
        FormatError::BadCode { .. } => 14,
        FormatError::Limit { .. } => 15,
        FormatError::Shape { .. } => 16,
        FormatError::Residual { .. } => 17,
        FormatError::NonFinite { .. } => 18,
        FormatError::Schedule(_) => 19,
        FormatError::Plan(_) => 20,
        FormatError::Mismatch { .. } => 21,
        FormatError::NormalizationRange { .. } => 22,
        FormatError::BadName { .. } => 23,
        FormatError::FloatNotBuilt { .. } => return None,
    })
}

#[test]
fn defects_cover_every_error_variant_and_section() {
    let cases = malformed::cases();
    let mut seen = [false; 24];
    for c in &cases {
        if let Some(i) = variant(&c.expected) {
            seen[i] = true;
        }
    }
    let missing: Vec<usize> = (0..seen.len()).filter(|&i| !seen[i]).collect();
    assert!(missing.is_empty(), "variants without a case: {missing:?}");

    // Every section that is read has a length defect and a non-finite or
    // bad-code defect.
    use SectionKind as K;
    for kind in [
        K::Topology,
        K::Schedule,
        K::Normalization,
        K::WeightsF32,
        K::Plan,
        K::TimeBias,
    ] {
        let has = |f: &dyn Fn(&FormatError) -> bool| cases.iter().any(|c| f(&c.expected));
        assert!(has(&|e| *e == FormatError::SectionLength(kind)), "{kind:?}");
        assert!(
            has(&|e| matches!(e, FormatError::NonFinite { section, .. }
                | FormatError::BadCode { section, .. } if *section == kind)),
            "{kind:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Truncation and bit flips
// ---------------------------------------------------------------------------

#[test]
fn truncation_at_every_length_is_an_error() {
    for base in [small_model_bytes(), bias_table_model_bytes()] {
        let n = base.len() as u32;
        for len in 0..base.len() {
            let cut = &base[..len];
            let needed = if len < format::HEADER_LEN { 32 } else { n };
            assert_eq!(
                Model::parse(cut).unwrap_err(),
                FormatError::Truncated {
                    needed,
                    got: len as u32
                },
                "length {len}"
            );
            // Re-sealed, the header agrees with the length, but the last
            // sections do not fit.
            let mut sealed = cut.to_vec();
            format::seal(&mut sealed);
            assert!(Model::parse(&sealed).is_err(), "sealed length {len}");
        }
    }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[bit / 8] ^= 1 << (bit % 8);
    b
}

#[test]
fn every_bit_flip_without_resealing_is_rejected() {
    // CRC-32 detects every single-bit error, and the fields checked before
    // it (magic, major, length) reject their own flips.
    for base in [small_model_bytes(), bias_table_model_bytes()] {
        for bit in 0..base.len() * 8 {
            assert!(Model::parse(&flip(&base, bit)).is_err(), "bit {bit}");
        }
    }
}

/// Whether a re-sealed flip of `bit` of a fixture file may leave a valid
/// file: the flip hits a value (embedding and schedule parameters,
/// normalization, weights, plan settings and rows, time-bias rows), a field
/// re-sealing rewrites, the minor version or a section's required flag, or
/// turns one valid activation or sampler code into another. Every other flip
/// (counts, lengths, offsets, other codes, reserved bytes, padding) must be
/// rejected.
fn may_accept(base: &[u8], bit: usize) -> bool {
    let (byte, b) = (bit / 8, bit % 8);
    let entries = malformed::entries(base);
    let header_len = malformed::entry_at(entries.len());
    if byte < header_len {
        let required_flag = byte >= 32 && (byte - 32) % 16 == 2 && b == 0;
        return matches!(byte, 10..12 | 16..20 | 24..28) || required_flag;
    }
    let Some(e) = entries
        .iter()
        .find(|e| (e.offset..e.offset + e.len).contains(&byte))
    else {
        return false; // padding
    };
    let r = byte - e.offset;
    match SectionKind::from_code(e.code).unwrap() {
        SectionKind::Topology => {
            let sinusoidal = base[e.offset + 8] == 1;
            let activation_code = r >= 32 && (r - 32) % 16 == 1 && base[byte - 1] == 2;
            // KNOWN DEFECT (see `negative_zero_is_not_zero`): the sign bits
            // of a bias-table model's zero max_period and time_scale.
            let known = !sinusoidal && matches!(r, 19 | 23) && b == 7;
            (sinusoidal && (16..24).contains(&r)) || activation_code || known
        }
        SectionKind::Schedule => {
            // KNOWN DEFECT: the sign bits of the zero p2 and reserved p3.
            let known = matches!(r, 39 | 47) && b == 7;
            matches!(r, 8..12 | 16..32) || (r == 12 && b == 0) || known
        }
        SectionKind::Normalization | SectionKind::WeightsF32 => true,
        // Rows: any finite value, α and σ not negative.
        SectionKind::Plan => matches!(r, 0..4 | 8..12 | 32..52) || r >= 64,
        SectionKind::TimeBias => r >= 16,
        // Not in the files this test flips.
        SectionKind::WeightsF16
        | SectionKind::WeightsFixed
        | SectionKind::FixedPlan
        | SectionKind::TimeEmbedding
        | SectionKind::Anomaly
        | SectionKind::WeightedAnomaly
        | SectionKind::ClassBias
        | SectionKind::DataRange
        | SectionKind::ColumnNames
        | SectionKind::ClassNames
        | SectionKind::HeldGuidance => false,
    }
}

#[test]
fn every_bit_flip_with_resealing_is_handled() {
    // Weights in [1, 2) have exponent 0x7F, one flip away from Inf/NaN.
    let mut spec = small_spec();
    let WeightsData::F32(w) = &mut spec.weights else {
        unreachable!("small_spec has f32 weights")
    };
    let last = w.len() - 1;
    w[0] = 1.5;
    w[last] = -1.25;
    let big_weights = format::write(&spec).unwrap();
    // (file, weight flips that give Inf/NaN: only the top exponent bits of
    // the two large weights)
    for (base, want_non_finite) in [(big_weights, 2), (bias_table_model_bytes(), 0)] {
        let weights = find(&base, SectionKind::WeightsF32).1;
        let mut accepted = 0;
        let mut non_finite = 0;
        for bit in 0..base.len() * 8 {
            let mut bytes = flip(&base, bit);
            format::seal(&mut bytes);
            let result = Model::parse(&bytes);
            let byte = bit / 8;
            if weights.contains(&byte) {
                // Any finite weight is valid; a non-finite one is named.
                let index = (byte - weights.start) / 4;
                let at = weights.start + 4 * index;
                let value = f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
                if value.is_finite() {
                    assert!(result.is_ok(), "bit {bit}: {result:?}");
                } else {
                    non_finite += 1;
                    assert_eq!(
                        result.as_ref().unwrap_err(),
                        &FormatError::NonFinite {
                            section: SectionKind::WeightsF32,
                            index: index as u32
                        },
                        "bit {bit}"
                    );
                }
            }
            if let Ok(model) = result {
                assert!(may_accept(&base, bit), "bit {bit} (byte {byte}) accepted");
                accepted += 1;
                // Whatever was accepted must be usable; a weight flip only
                // changes numbers, so sample those sparsely to stay fast.
                if !weights.contains(&byte) || bit % 61 == 0 {
                    malformed::exercise(&model);
                }
            }
        }
        assert!(accepted > 0);
        assert_eq!(non_finite, want_non_finite);
    }
}

#[test]
#[ignore = "parser defect: -0.0 is accepted where the format requires 0 (see the report)"]
fn negative_zero_is_not_zero() {
    // FORMAT.md: reserved fields are zero and every schedule has exactly one
    // encoding, but the parser compares these floats with `!= 0.0`, which
    // lets -0.0 (sign bit set) through.
    use malformed::{put_f32, put_f64};
    let edit = |base: &[u8], kind: SectionKind, at: usize, f32_field: bool| {
        let mut f = File::split(base);
        let body = f.body(kind);
        if f32_field {
            put_f32(body, at, -0.0);
        } else {
            put_f64(body, at, -0.0);
        }
        f.assemble()
    };
    let (base, bt) = (malformed::base(), malformed::base_bias_table());
    let cosine = {
        let mut f = File::split(&base);
        let body = f.body(SectionKind::Schedule);
        malformed::put_u32(body, 4, 3);
        put_f64(body, 16, 0.0);
        put_f64(body, 24, 0.0);
        f.assemble()
    };
    Model::parse(&cosine).unwrap();
    let vp = {
        let mut f = File::split(&base);
        let body = f.body(SectionKind::Schedule);
        malformed::put_u32(body, 0, 2);
        malformed::put_u32(body, 4, 0);
        malformed::put_u32(body, 8, 0);
        put_f64(body, 16, 0.1);
        put_f64(body, 24, 20.0);
        f.assemble()
    };
    Model::parse(&vp).unwrap();
    let cases = [
        (
            "bias-table max_period",
            edit(&bt, SectionKind::Topology, 16, true),
        ),
        (
            "bias-table time_scale",
            edit(&bt, SectionKind::Topology, 20, true),
        ),
        ("discrete p2", edit(&base, SectionKind::Schedule, 32, false)),
        ("reserved p3", edit(&base, SectionKind::Schedule, 40, false)),
        ("cosine p0", edit(&cosine, SectionKind::Schedule, 16, false)),
        ("cosine p1", edit(&cosine, SectionKind::Schedule, 24, false)),
        ("VP p2", edit(&vp, SectionKind::Schedule, 32, false)),
    ];
    let accepted: Vec<&str> = cases
        .iter()
        .filter(|(_, bytes)| Model::parse(bytes).is_ok())
        .map(|(name, _)| *name)
        .collect();
    assert!(accepted.is_empty(), "-0.0 accepted in: {accepted:?}");
}

#[test]
fn weight_length_does_not_wrap_on_32_bit_targets() {
    // 64 dense layers of 4096 × 4096 are within the limits and their
    // parameter count (1 074 003 968) fits in a u32, but 4 × that does not:
    // where usize is 32 bits, `parameter_count() as usize * 4` wraps to
    // 1 048 576 (or panics with overflow checks). A weights section of
    // exactly that many bytes must still be refused.
    const W: u32 = 4096;
    let mut topology = Vec::new();
    for v in [W, 64, 2, 0, 0, 0, 0, 0] {
        topology.extend_from_slice(&v.to_le_bytes());
    }
    for _ in 0..64 {
        topology.extend_from_slice(&[1, 0, 0, 0]);
        for v in [W, W, 0] {
            topology.extend_from_slice(&v.to_le_bytes());
        }
    }
    // Linear β 1e-4..0.02 over 1000 steps.
    let mut schedule = Vec::new();
    for v in [1u32, 1, 1000, 0] {
        schedule.extend_from_slice(&v.to_le_bytes());
    }
    for v in [1e-4f64, 0.02, 0.0, 0.0] {
        schedule.extend_from_slice(&v.to_le_bytes());
    }
    let mut normalization = vec![0u8; 4 * W as usize];
    for _ in 0..W {
        normalization.extend_from_slice(&1.0f32.to_le_bytes());
    }
    let wrapped = 64 * (u64::from(W) * u64::from(W) + u64::from(W)) * 4 % (1 << 32);
    let weights = vec![0u8; wrapped as usize];
    assert_eq!(weights.len(), 1 << 20);
    let bytes = File {
        minor: 0,
        sections: vec![
            (SectionKind::Topology.code(), FLAG_REQUIRED, topology),
            (SectionKind::Schedule.code(), FLAG_REQUIRED, schedule),
            (
                SectionKind::Normalization.code(),
                FLAG_REQUIRED,
                normalization,
            ),
            (SectionKind::WeightsF32.code(), FLAG_REQUIRED, weights),
        ],
    }
    .assemble();
    // `.err()`: on failure, print `None` rather than a megabyte of model.
    assert_eq!(
        Model::parse(&bytes).err(),
        Some(FormatError::SectionLength(SectionKind::WeightsF32))
    );
}

/// A fixed-point plan whose rows carry their time is written compactly
/// (format 1.9): level rows whose derived coefficients are what the
/// quantiser meant, and a plan section without its `f32` rows, which read
/// back compiled from the spec. A folded plan keeps both as 1.7 wrote them.
#[test]
fn compact_fixed_plans_read_back_what_was_meant() {
    use tinyscore::fixed::level_rule::LevelRule;
    use tinyscore::fixed::quantize::quantize;
    for (sampler, rule) in [
        (
            SamplerKind::Ddpm {
                variance: DdpmVariance::FixedSmall,
            },
            LevelRule::Ddpm {
                variance: DdpmVariance::FixedSmall,
            },
        ),
        (
            SamplerKind::Ddpm {
                variance: DdpmVariance::FixedLarge,
            },
            LevelRule::Ddpm {
                variance: DdpmVariance::FixedLarge,
            },
        ),
        (
            SamplerKind::PfOdeEuler,
            LevelRule::Ddim {
                eta: Default::default(),
            },
        ),
    ] {
        let plan = PlanSpec::new(sampler, 40);
        // Scales of the same network with its embedding multiplied out.
        let folded = common::mlp_spec_on(common::schedule(), plan, 2, 4, 2, true);
        let scales = common::trajectory_scales(&folded, 8, 1.25);
        let spec = common::mlp_spec_on(common::schedule(), plan, 2, 4, 2, false);
        let quantised = quantize(&spec, &scales).unwrap();
        let bytes = format::write(&quantised).unwrap();
        let model = Model::parse(&bytes).unwrap();
        assert_eq!(model.version_minor(), format::VERSION_MINOR);
        assert_eq!(format::VERSION_MINOR, 9);

        let stored = model.plan(0).unwrap();
        assert!(!stored.stores_rows());
        let compiled = Compiler::new(common::schedule(), plan).unwrap();
        assert_eq!(stored.header(), compiled.header());
        for i in 0..40 {
            assert_eq!(stored.row(i), Some(compiled.compute_row(i).unwrap()));
        }

        let fixed = model.fixed_plan(0).unwrap();
        assert_eq!(fixed.level_rule(), Some(rule));
        let meant = &quantised.plans[0].fixed.as_ref().unwrap().rows;
        for (i, (coefficients, _)) in meant.iter().enumerate() {
            assert_eq!(&fixed.row(i).unwrap().coefficients, coefficients, "row {i}");
        }
        // 64 bytes of plan header instead of 64 + 40·48, and 48 + 40·12
        // bytes of level rows instead of 32 + 40·(9·4 + 4).
        let sizes: Vec<u32> = [SectionKind::Plan, SectionKind::FixedPlan]
            .iter()
            .map(|&k| model.sections().find(|e| e.kind == Some(k)).unwrap().length)
            .collect();
        assert_eq!(sizes, [64, 48 + 40 * 12]);
    }

    let folded = format::write(
        &quantize(
            &common::mlp_spec(4, 2, 3, true),
            &common::trajectory_scales(&common::mlp_spec(4, 2, 3, true), 8, 1.25),
        )
        .unwrap(),
    )
    .unwrap();
    let model = Model::parse(&folded).unwrap();
    assert!(model.plan(0).unwrap().stores_rows());
    assert_eq!(model.fixed_plan(0).unwrap().level_rule(), None);
    assert_eq!(model.version_minor(), format::VERSION_MINOR_FIXED);
}
