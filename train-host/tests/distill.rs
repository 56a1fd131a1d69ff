//! Progressive distillation: the target against the runtime's own two
//! teacher steps (plain and classifier-free guided), a small distillation
//! that exports and samples in every backend, a class-conditional one whose
//! unguided samples of each class follow the guided teacher's, resumption,
//! and the errors of bad input.

mod common;

use std::path::Path;
use tinyscore::format::{EmbeddedPlan, Model};
use tinyscore::net::{Denoiser, Guidance};
use tinyscore::plan::{Plan, SamplerKind};
use tinyscore::sampler::Sampler;
use tinyscore::schedule::Spacing;
use tinyscore_train::calibrate::Calibration;
use tinyscore_train::distill::{self, DistillError, DistillSettings, Examples, Round, Student};
use tinyscore_train::export::{Backend, ExportOptions, FixedTime, X0Clip, export};
use tinyscore_train::host_sampling::sample;
use tinyscore_train::random::stream;
use tinyscore_train::train::{self, RunPlan, RunState, TrainConfig};

/// Trains a small teacher on moons into `dir`.
fn teacher(dir: &Path, prediction: &str, schedule: &str) -> RunState {
    trained(
        dir,
        TrainConfig {
            prediction: prediction.into(),
            schedule: schedule.into(),
            ..small()
        },
    )
}

/// The small teachers' settings: 150 steps of a 32-wide network on moons.
fn small() -> TrainConfig {
    TrainConfig {
        data: "moons".into(),
        width: 32,
        depth: 2,
        batch: 128,
        steps: 150,
        warmup: 10,
        checkpoint_every: 150,
        n_data: 2000,
        prediction: "eps".into(),
        schedule: "linear".into(),
        eps_warmup: 0,
        ..TrainConfig::default()
    }
}

/// A class-conditional v-teacher of the 8 Gaussians by component, trained
/// for `steps` steps.
fn conditional(steps: u64) -> TrainConfig {
    TrainConfig {
        data: "8gaussians".into(),
        labels: Some("component".into()),
        prediction: "v".into(),
        steps,
        checkpoint_every: steps,
        ..small()
    }
}

/// Trains the run `config` into `dir`.
fn trained(dir: &Path, config: TrainConfig) -> RunState {
    let (data, normalization) = train::load_data(&config).unwrap();
    let mut state = RunState::new(config, normalization, &data.train).unwrap();
    train::train(&mut state, &data, dir, |_, _, _| {}).unwrap();
    state
}

fn settings(teacher_steps: u32, steps: u32, round_steps: u64) -> DistillSettings {
    DistillSettings {
        teacher_steps: Some(teacher_steps),
        steps,
        round_steps,
        batch: 64,
        lr: 1e-3,
        prediction: None,
        weighting: "truncated-snr".into(),
        ema_decay: 0.9,
        guidance: None,
    }
}

fn ddim(steps: u32, backend: Backend) -> ExportOptions {
    ExportOptions {
        backend,
        sampler: SamplerKind::Ddim { eta: 0.0 },
        steps,
        spacing: Spacing::Trailing,
        clip: X0Clip::default(),
    }
}

/// Distils `student` to its end, writing into `dir`.
fn run(student: &mut Student, dir: &Path, mut each: impl FnMut(u64)) {
    let (data, _) = train::load_data(&student.state.config).unwrap();
    distill::distill(student, &data.train, dir, |step, _| each(step)).unwrap();
}

#[test]
fn one_student_step_with_the_target_lands_where_two_teacher_steps_land() {
    let dir = tempfile::tempdir().unwrap();
    // An undertrained ε-teacher: its x̂₀ at the first rows, (x − σ·ε̂)/α
    // with α near 0, leaves the data range, so the teacher's clip matters.
    let mut teacher_state = teacher(dir.path(), "eps", "linear");
    teacher_state.use_best();
    let student = distill::start(dir.path(), &settings(8, 4, 10)).unwrap();
    // The independent computation: the runtime sampling the teacher's
    // exported DDIM-8 file, two rows at a time.
    let bytes = export(&teacher_state, &ddim(8, Backend::F32)).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
    let clipped = lands_where_the_runtime_lands(&mut sampler, &student, 0);
    assert!(clipped, "the teacher's x̂₀ never left the clip bounds");
}

#[test]
fn a_guided_teachers_two_steps_are_the_runtimes_guided_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut teacher_state = trained(dir.path(), conditional(150));
    teacher_state.use_best();
    let guided = DistillSettings {
        guidance: Some(2.0),
        ..settings(8, 4, 10)
    };
    let student = distill::start(dir.path(), &guided).unwrap();
    assert_eq!(student.state.config.distill.as_ref().unwrap().guidance, 2.0);
    let bytes = export(&teacher_state, &ddim(8, Backend::F32)).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut scratch = vec![0.0f32; model.scratch_len()];
    for class in [0, 5] {
        // The runtime's `Guided`: (1 + w)·o_c − w·o_∅ at every row.
        let guidance = Guidance { class, weight: 2.0 };
        let mut sampler = Sampler::embedded_guided(&model, 0, guidance, &mut scratch).unwrap();
        lands_where_the_runtime_lands(&mut sampler, &student, class);
    }
}

/// On 16 seeds of `sampler`, the runtime running the exported DDIM-8 plan
/// of the student's teacher (for class `class` of a class-conditional
/// one), checks that one student step from each state with the targets of
/// round 0 lands where two runtime steps land; whether the teacher's x̂₀
/// left its clip bounds on the way.
fn lands_where_the_runtime_lands<N: Denoiser>(
    sampler: &mut Sampler<'_, '_, N, EmbeddedPlan<'_>>,
    student: &Student,
    class: u32,
) -> bool {
    let round = Round::new(&student.state, &student.teacher, 0).unwrap();
    let mlp = train::network(&student.state.config, 2);
    let mut clipped = false;
    for seed in 0..16u64 {
        let mut rng = stream(99, seed);
        let mut x = [0.0f32; 2];
        sampler.init(&mut x, &mut rng).unwrap();
        for k in 0..4 {
            let z = x;
            sampler.step(&mut x, &mut rng).unwrap();
            sampler.step(&mut x, &mut rng).unwrap();
            let (mut x0, mut eps) = ([0.0f32; 2], [0.0f32; 2]);
            let mut work = distill::teacher_chunks();
            let examples = Examples {
                rows: &[k],
                classes: &[class],
                z: &z,
            };
            distill::targets(
                &round,
                (&mlp, &student.teacher),
                &examples,
                &mut x0,
                &mut eps,
                &mut work,
            );
            let s = &round.student[k];
            for j in 0..2 {
                let one_step = s.a * z[j] + s.b * x0[j];
                assert!(
                    (one_step - x[j]).abs() <= 2e-5 * (1.0 + x[j].abs()),
                    "seed {seed} row {k}: one student step {one_step}, two teacher steps {}",
                    x[j]
                );
                // The noise that goes with x̃ gives z back.
                let back = s.alpha * x0[j] + s.sigma * eps[j];
                assert!(
                    (back - z[j]).abs() <= 1e-4 * (1.0 + x0[j].abs()),
                    "{back} vs {}",
                    z[j]
                );
            }
            // The teacher's own x̂₀ at z, unclipped.
            let row = &round.teacher[2 * k];
            let mut input = vec![0.0f32; mlp.input_width()];
            round.input(&z, row, class, &mut input);
            let mut cache = Default::default();
            mlp.forward(&student.teacher, &input, 1, &mut cache);
            let out = cache.values.last().unwrap();
            for j in 0..2 {
                let (low, high) = round.bounds[j].unwrap();
                let x0 = row.p * z[j] + row.q * out[j];
                clipped |= x0 < low || x0 > high;
            }
        }
    }
    clipped
}

#[test]
fn a_small_distillation_exports_and_samples_in_f32_and_fixed_point() {
    let dir = tempfile::tempdir().unwrap();
    teacher(dir.path(), "v", "linear");
    let out = dir.path().join("student");
    let mut student = distill::start(dir.path(), &settings(8, 2, 60)).unwrap();
    assert_eq!(
        student.state.config.plan,
        Some(RunPlan {
            sampler: "ddim".into(),
            steps: 4,
            spacing: "trailing".into()
        })
    );
    run(&mut student, &out, |_| {});
    let state = train::load(&out).unwrap();
    assert_eq!(state.step, 120);
    let plan = state.config.plan.clone().unwrap();
    assert_eq!((plan.sampler.as_str(), plan.steps), ("ddim", 2));
    // Every round's loss falls from its first logged value to its last.
    let losses = &state.losses;
    for round in [0..60, 60..120] {
        let mine: Vec<f32> = losses
            .iter()
            .filter(|(s, _)| round.contains(&(s - 1)))
            .map(|l| l.1)
            .collect();
        assert!(
            mine.len() >= 2 && mine.last() < mine.first(),
            "{round:?}: {mine:?}"
        );
    }
    let mut reference: Option<Vec<f32>> = None;
    for backend in [
        Backend::F32,
        Backend::F16,
        Backend::Fixed {
            calibration: Calibration {
                samples: 64,
                ..Calibration::default()
            },
            time: FixedTime::Auto,
        },
    ] {
        let bytes = export(&state, &ddim(plan.steps, backend)).unwrap();
        let model = Model::parse(&bytes).unwrap();
        assert_eq!(model.plan(0).unwrap().header().rows, 2);
        let samples = sample(&bytes, 200, 1, None, None, false).unwrap().rows;
        assert!(samples.iter().all(|v| v.is_finite()));
        // The same seeds give nearly the same samples in every backend.
        let reference = reference.get_or_insert_with(|| samples.clone());
        let gap = samples
            .iter()
            .zip(reference.iter())
            .map(|(a, b)| (a - b).abs())
            .sum::<f32>()
            / samples.len() as f32;
        assert!(gap < 0.05, "{backend:?}: mean gap {gap} to f32");
    }
}

/// Copies the files of a run directory.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn an_interrupted_distillation_resumes_exactly() {
    resumes_exactly(TrainConfig {
        prediction: "v".into(),
        ..small()
    });
}

#[test]
fn an_interrupted_guided_distillation_resumes_exactly() {
    resumes_exactly(conditional(150));
}

/// A distillation of a teacher trained with `config`, interrupted in its
/// second round and resumed, ends with the bits of an uninterrupted one.
fn resumes_exactly(config: TrainConfig) {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path(), config);
    let whole = dir.path().join("whole");
    let mut uninterrupted = distill::start(dir.path(), &settings(8, 2, 20)).unwrap();
    uninterrupted.state.config.checkpoint_every = 7;
    // Killed right after the step-14 checkpoint, in the first round (whose
    // teacher guides, for a class-conditional one), and after the step-28
    // one: in the second round, after the first round's student became the
    // teacher.
    let snapshot = |step: u64| dir.path().join(format!("snapshot-{step}"));
    run(&mut uninterrupted, &whole, |step| {
        if step == 15 || step == 29 {
            copy_dir(&whole, &snapshot(step - 1));
        }
    });
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (step, plan) in [(14, 4), (28, 2)] {
        let mut resumed = distill::load(&snapshot(step)).unwrap();
        assert_eq!(resumed.state.step, step);
        assert_eq!(resumed.state.config.plan.as_ref().unwrap().steps, plan);
        run(&mut resumed, &snapshot(step), |_| {});
        assert_eq!(
            bits(&resumed.state.params),
            bits(&uninterrupted.state.params)
        );
        assert_eq!(bits(&resumed.state.ema), bits(&uninterrupted.state.ema));
        assert_eq!(bits(&resumed.teacher), bits(&uninterrupted.teacher));
        assert_eq!(resumed.state.losses, uninterrupted.state.losses);
    }
    // The second round's teacher is the first round's student, not the
    // original teacher.
    let original = train::load(dir.path()).unwrap();
    assert_ne!(bits(&uninterrupted.teacher), bits(&original.ema));
}

/// Mean of 2-D points.
fn centroid(points: &[f32]) -> [f32; 2] {
    let n = (points.len() / 2).max(1) as f32;
    let sum = points
        .chunks_exact(2)
        .fold([0.0f32; 2], |s, p| [s[0] + p[0], s[1] + p[1]]);
    [sum[0] / n, sum[1] / n]
}

/// Mean distance of 2-D points to their centroid.
fn spread(points: &[f32]) -> f32 {
    let c = centroid(points);
    let n = (points.len() / 2).max(1) as f32;
    points
        .chunks_exact(2)
        .map(|p| distance([p[0], p[1]], c))
        .sum::<f32>()
        / n
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// `per_class` samples of each of the 8 classes of the model file `bytes`
/// with guidance `weight`.
fn per_class(bytes: &[u8], weight: f32, per_class: usize, seed: u64) -> Vec<Vec<f32>> {
    (0..8)
        .map(|class| {
            let g = Guidance { class, weight };
            let rows = sample(bytes, per_class, seed, None, Some(g), false)
                .unwrap()
                .rows;
            assert!(rows.iter().all(|v| v.is_finite()));
            rows
        })
        .collect()
}

#[test]
fn a_guided_student_samples_each_class_like_its_guided_teacher_unguided() {
    let dir = tempfile::tempdir().unwrap();
    let mut teacher_state = trained(dir.path(), conditional(400));
    teacher_state.use_best();
    // The default weight, sample's w = 1, and for comparison none.
    let students: Vec<RunState> = [None, Some(0.0)]
        .into_iter()
        .map(|guidance| {
            let out = dir.path().join(format!("student-{guidance:?}"));
            let s = DistillSettings {
                guidance,
                ..settings(8, 2, 100)
            };
            run(&mut distill::start(dir.path(), &s).unwrap(), &out, |_| {});
            train::load(&out).unwrap()
        })
        .collect();
    let (guided, unguided) = (&students[0], &students[1]);
    assert_eq!(guided.config.distill.as_ref().unwrap().guidance, 1.0);
    assert_eq!(guided.config.classes, 8);
    // The guided student distilled further keeps its weight and runs
    // unguided; guidance on top of it is refused.
    let further = dir.path().join("student-None");
    let again = distill::start(&further, &settings(2, 1, 10)).unwrap();
    let d = again.state.config.distill.as_ref().unwrap();
    assert_eq!((d.guidance, d.teacher_guidance), (1.0, 1.0));
    let round = Round::new(&again.state, &again.teacher, 0).unwrap();
    assert_eq!(round.guidance, 0.0);
    let on_top = DistillSettings {
        guidance: Some(2.0),
        ..settings(2, 1, 10)
    };
    let e = distill::start(&further, &on_top).unwrap_err();
    assert!(
        matches!(e, DistillError::Guided { held, asked } if (held, asked) == (1.0, 2.0)),
        "{e}"
    );
    let teacher_file = export(&teacher_state, &ddim(8, Backend::F32)).unwrap();
    let teacher = per_class(&teacher_file, 1.0, 200, 5);
    let mean_spread = |classes: &[Vec<f32>]| classes.iter().map(|c| spread(c)).sum::<f32>() / 8.0;
    // Guidance concentrates each class (docs/BENCHMARKS.md): the student
    // distilled with it samples each class unguided tighter than the one
    // distilled without.
    let plain = per_class(
        &export(unguided, &ddim(2, Backend::F32)).unwrap(),
        0.0,
        200,
        6,
    );
    let mine = per_class(
        &export(guided, &ddim(2, Backend::F32)).unwrap(),
        0.0,
        200,
        6,
    );
    assert!(
        mean_spread(&mine) < 0.9 * mean_spread(&plain),
        "class spread {} distilled with guidance, {} without (teacher guided: {})",
        mean_spread(&mine),
        mean_spread(&plain),
        mean_spread(&teacher)
    );
    for backend in [
        Backend::F32,
        Backend::Fixed {
            calibration: Calibration {
                samples: 64,
                ..Calibration::default()
            },
            time: FixedTime::Auto,
        },
    ] {
        let bytes = export(guided, &ddim(2, backend)).unwrap();
        // Each class's centroid lies near the guided teacher's for that
        // class: the centroids of the 8 Gaussians are over 2 apart, and a
        // student that ignored its class would land near the mixture's
        // centre, about as far from all eight.
        for (class, rows) in per_class(&bytes, 0.0, 200, 6).iter().enumerate() {
            let mine = centroid(rows);
            let own = distance(mine, centroid(&teacher[class]));
            let (other, nearest) = (0..8)
                .filter(|k| *k != class)
                .map(|k| (k, distance(mine, centroid(&teacher[k]))))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            assert!(
                4.0 * own < nearest,
                "{backend:?} class {class}: {own} from the teacher's class {class}, {nearest} \
                 from its class {other}"
            );
        }
        // Without a class (the label-dropout branch), the student still
        // draws from the whole mixture: its samples reach most of the
        // eight components.
        let plain = sample(&bytes, 400, 7, None, None, false).unwrap().rows;
        let mixture = tinyscore_train::data::eight_gaussians_mixture();
        let mut seen = [false; 8];
        for p in plain.chunks_exact(2) {
            let nearest = mixture
                .components()
                .iter()
                .map(|c| distance([p[0], p[1]], [c.mean[0] as f32, c.mean[1] as f32]))
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap()
                .0;
            seen[nearest] = true;
        }
        let reached = seen.iter().filter(|s| **s).count();
        assert!(
            reached >= 6,
            "{backend:?}: unconditional samples reach {reached} of 8"
        );
    }
}

#[test]
fn bad_input_gets_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = distill::start(&dir.path().join("nothing"), &settings(8, 4, 10));
    assert!(
        matches!(missing, Err(DistillError::Teacher { .. })),
        "{missing:?}"
    );
    teacher(dir.path(), "eps", "linear");
    for (teacher_steps, steps) in [(8, 3), (8, 8), (12, 4), (8, 0), (8, 16)] {
        let e = distill::start(dir.path(), &settings(teacher_steps, steps, 10)).unwrap_err();
        assert!(
            matches!(e, DistillError::Steps { teacher, student } if (teacher, student) == (teacher_steps, steps)),
            "{teacher_steps} → {steps}: {e}"
        );
        if teacher_steps == 12 {
            // The message lists the valid choices.
            assert!(e.to_string().contains("(6, 3)"), "{e}");
        }
    }
    let eps = DistillSettings {
        prediction: Some("eps".into()),
        ..settings(8, 4, 10)
    };
    let e = distill::start(dir.path(), &eps).unwrap_err();
    assert!(matches!(e, DistillError::EpsilonStudent), "{e}");
    // Guidance needs classes.
    let guided = DistillSettings {
        guidance: Some(1.0),
        ..settings(8, 4, 10)
    };
    let e = distill::start(dir.path(), &guided).unwrap_err();
    assert!(
        matches!(e, DistillError::Unconditional(w) if w == 1.0),
        "{e}"
    );
    // Without a choice, an ε-teacher's student predicts v.
    let student = distill::start(dir.path(), &settings(8, 4, 10)).unwrap();
    assert_eq!(student.state.config.prediction, "v");
    // More teacher steps than the schedule has.
    let v = DistillSettings {
        prediction: Some("v".into()),
        ..settings(2048, 4, 10)
    };
    let e = distill::start(dir.path(), &v).unwrap_err();
    assert!(matches!(e, DistillError::Export(_)), "{e}");
    let sde = tempfile::tempdir().unwrap();
    teacher(sde.path(), "v", "vp");
    let e = distill::start(sde.path(), &settings(8, 4, 10)).unwrap_err();
    assert!(matches!(e, DistillError::Schedule(_)), "{e}");
}

/// `tinyscore` with the words of `line`.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn the_command_distils_and_export_defaults_to_the_students_plan() {
    let dir = tempfile::tempdir().unwrap();
    let train = "train --data moons --out run --steps 40 --width 16 --depth 1 --batch 64 \
                 --prediction v";
    common::run(&words(train), dir.path());
    let distil = |round_steps: u32| {
        format!(
            "distill run --out student --steps 2 --teacher-steps 4 --round-steps {round_steps} \
             --batch 32"
        )
    };
    common::run(&words(&distil(5)), dir.path());
    // Again: the run is complete, nothing changes.
    let before = std::fs::read(dir.path().join("student/weights.safetensors")).unwrap();
    common::run(&words(&distil(5)), dir.path());
    let after = std::fs::read(dir.path().join("student/weights.safetensors")).unwrap();
    assert_eq!(before, after);
    common::refused(&words(&distil(6)), dir.path(), "holds another distillation");
    common::refused(
        &words(&format!("{} --guidance 1", distil(5))),
        dir.path(),
        "not class-conditional",
    );
    common::refused(
        &["train", "--data", "moons", "--out", "student", "--resume"],
        dir.path(),
        "distilled student",
    );
    for backend in ["f32", "fixed"] {
        let out = tinyscore_out(
            &["export", "student", "-o", "s.tsm", "--backend", backend],
            dir.path(),
        );
        assert!(out.contains("ddim 2 steps"), "{out}");
        let bytes = std::fs::read(dir.path().join("s.tsm")).unwrap();
        let model = Model::parse(&bytes).unwrap();
        let header = model.plan(0).unwrap().header();
        assert_eq!(header.rows, 2);
        assert_eq!(header.spec.spacing, Spacing::Trailing);
        assert!(matches!(header.spec.sampler, SamplerKind::Ddim { eta } if eta == 0.0));
    }
}

#[test]
fn the_command_distils_a_class_conditional_teacher_and_says_how_to_sample_it() {
    let dir = tempfile::tempdir().unwrap();
    let train = "train --data 8gaussians --labels component --out run --steps 40 --width 16 \
                 --depth 1 --batch 64";
    common::run(&words(train), dir.path());
    let distil = "distill run --out student --steps 2 --teacher-steps 4 --round-steps 5 \
                  --batch 32 --guidance 2";
    let out = tinyscore_out(&words(distil), dir.path());
    assert!(out.contains("guides its 8 classes with w = 2"), "{out}");
    assert!(out.contains("samples it with guidance 0"), "{out}");
    let out = tinyscore_out(&words("export student -o s.tsm"), dir.path());
    assert!(
        out.contains("holds its teacher's classifier-free guidance w = 2"),
        "{out}"
    );
    // The file records the weight (2·2¹⁶ in Q16.16), and `sample` guides
    // such a network with 0 unless told otherwise, and warns when told.
    let bytes = std::fs::read(dir.path().join("s.tsm")).unwrap();
    let model = tinyscore::format::Model::parse(&bytes).unwrap();
    assert_eq!(model.held_guidance().unwrap().weight_q(), 2 << 16);
    let out = tinyscore_out(&words("inspect s.tsm"), dir.path());
    assert!(out.contains("guidance   2 held by the network"), "{out}");
    let out = tinyscore_out(&words("sample s.tsm -n 20 --class 3 -o s.csv"), dir.path());
    assert!(out.contains("wrote 20 samples"), "{out}");
    assert!(out.contains("sampling with guidance 0"), "{out}");
    let note = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    assert!(note.contains("\"guidance\": 0.0"), "{note}");
    let out = tinyscore_out(
        &words("sample s.tsm -n 20 --class 3 --guidance 1 -o s.csv"),
        dir.path(),
    );
    assert!(out.contains("guides it again"), "{out}");
    // The teacher's file holds none: its default stays guidance 1.
    let out = tinyscore_out(&words("export run -o t.tsm"), dir.path());
    assert!(!out.contains("holds"), "{out}");
    tinyscore_out(&words("sample t.tsm -n 20 --class 3 -o t.csv"), dir.path());
    let note = std::fs::read_to_string(dir.path().join("t.json")).unwrap();
    assert!(note.contains("\"guidance\": 1.0"), "{note}");
    // A further round keeps the weight and refuses guidance on top.
    let out = tinyscore_out(
        &words("distill student --out further --steps 1 --round-steps 5 --batch 32"),
        dir.path(),
    );
    assert!(out.contains("holds guidance w = 2 in its weights"), "{out}");
    common::refused(
        &words("distill student --out again --steps 1 --guidance 1"),
        dir.path(),
        "holds guidance w = 2",
    );
}

/// Runs `tinyscore args` in `dir`, asserts success and returns stdout and
/// stderr.
fn tinyscore_out(args: &[&str], dir: &Path) -> String {
    let out = common::tinyscore(args, dir);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {text}");
    text
}
