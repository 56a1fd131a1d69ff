//! Progressive distillation of the deterministic DDIM sampler (Salimans &
//! Ho 2022): a student that samples in `N/2` network evaluations what its
//! teacher samples in `N`, halved round after round (64 → 32 → … → 4).
//!
//! Why: on a microcontroller every network evaluation costs 100k–300k
//! instructions, and few-step samplers of an ordinary model lose quality
//! fast. A distilled student is an ordinary network trained so that ONE of
//! its DDIM steps from `t` to `t''` lands where TWO of its teacher's land
//! (`t → t' → t''`); it needs nothing new in the runtime or the file.
//!
//! The target (the paper's Algorithm 2): with `z_t = α_t·x + σ_t·ε`, the
//! teacher steps to `z_t''`, and a DDIM row maps `z_t` and the clean-sample
//! estimate `x̂` to `a·z_t + b·x̂` (`a = σ_t''/σ_t`, `b = α_t'' − a·α_t`), so
//! the student's x̂ that reproduces the two steps is
//! `x̃ = (z_t'' − a·z_t)/b`. The student regresses its prediction (v or x̂₀:
//! ε-prediction would have to be exact to a factor `σ/α` at the first row,
//! where α is near 0) on `x̃`, by the objective's DSM loss with `x̃` as the
//! clean sample and `ε̃ = (z_t − α_t·x̃)/σ_t` as the noise: the plain error
//! of the prediction by default (for v, the x̂₀ error weighted by SNR + 1,
//! which measured a little better in docs/BENCHMARKS.md than the paper's
//! [`crate::objective::Weighting::TruncatedSnr`]).
//!
//! The teacher's steps are the runtime's: the rows of the teacher's DDIM
//! plan as `export` writes it ([`PlanRow::update`], with the x̂₀ clip the
//! exported file applies), its network the training engine's [`Mlp`] on the
//! teacher's EMA weights. The student's rows come from the same compiler.
//! Plans use trailing spacing, whose grid of `N/2` steps is every other
//! time of the grid of `N`: its times are `rint(T − i·T/N) − 1`, and
//! `T/(N/2)` is exactly `2·(T/N)` in floating point, so `i·T/(N/2)` and
//! `2i·T/N` round alike and the grids of successive rounds nest exactly
//! (leading and linspace spacing do not: `⌊T/N⌋` and `(T−1)/(N−1)` do not
//! halve). [`Round::new`] checks it.
//!
//! A class-conditional teacher gives a class-conditional student with the
//! same class input, distilled as in the first stage of Meng et al. 2023
//! ("On distillation of guided diffusion models") joined to the rounds
//! above: in the first round the teacher's two steps use its
//! classifier-free guided output `o_c + w·(o_c − o_∅)` (the runtime's
//! `Guided`, in the same f32 order), and the student learns to land there
//! in ONE conditional evaluation, so it samples a class with guidance 0 and
//! half the evaluations per row again. Later rounds' teachers are students
//! that already guide, evaluated once with the class. Each example keeps
//! the class of the data row it was noised from (so the student learns
//! where the sampling of that class goes), replaced by "no class" with the
//! teacher's label-dropout probability, whose target is the teacher's
//! unconditional one (`o_∅ + w·0`): the student stays usable without a
//! class. A guided student distilled further holds its weight already: its
//! first round runs it unguided, and guidance on top is refused.
//!
//! A round trains for `round_steps` steps from the previous round's EMA
//! weights (the first from the teacher's), with a fresh optimiser, EMA and
//! learning-rate schedule; its EMA weights become the next round's teacher
//! and student. The student is an ordinary run directory: its config
//! records the DDIM plan `export` embeds by default, its checkpoint also
//! holds the current round's teacher, and step `k` draws its randomness
//! from stream `k` of the seed, so an interrupted distillation resumed from
//! its checkpoint continues exactly.

use crate::checkpoint::{self, Tensor};
use crate::chunks;
use crate::data::Labelled;
use crate::export::{self, Backend, ExportError, ExportOptions, X0Clip};
use crate::host_sampling::GUIDANCE;
use crate::mlp::{Cache, Mlp};
use crate::objective::{Batch, Level, Workspace, loss_and_grad};
use crate::optim::{Ema, LrSchedule, OptimError, clip_grad_norm};
use crate::random::{below, normal, stream, uniform};
use crate::time_sampling::TimeSampling;
use crate::train::{self, Checked, MAX_PERIOD, RunPlan, RunState, TrainConfig, TrainError};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tinyscore::format::Model;
use tinyscore::net::float::sinusoidal_embedding;
use tinyscore::plan::{Plan, PlanRow, Prediction, SamplerKind, x0_bounds};
use tinyscore::schedule::{Marginal, Schedule, Spacing};

/// How a distilled run was distilled (in its config.json).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Distillation {
    /// The teacher's run directory, as given.
    pub teacher: String,
    /// The teacher's prediction (the first round's teacher; later rounds'
    /// teachers are students and predict as the student does).
    pub teacher_prediction: String,
    /// DDIM steps of the teacher's sampler that the first round halves.
    pub teacher_steps: u32,
    /// DDIM steps of the final student.
    pub student_steps: u32,
    /// Training steps per round.
    pub round_steps: u64,
    /// The classifier-free guidance weight the student's weights hold: it
    /// samples a class with guidance 0 (0 for an unconditional teacher;
    /// runs distilled before this setting existed had none).
    #[serde(default)]
    pub guidance: f32,
    /// The guidance weight the teacher's weights already hold (a guided
    /// student distilled further, whose first round runs it unguided); 0
    /// for a teacher trained on data.
    #[serde(default)]
    pub teacher_guidance: f32,
}

impl Distillation {
    /// Number of halvings from the teacher's steps to the student's.
    pub fn rounds(&self) -> u32 {
        (self.teacher_steps / self.student_steps.max(1)).trailing_zeros()
    }

    /// The round training step `step` belongs to (the last round for the
    /// end of training).
    pub fn round_of(&self, step: u64) -> u32 {
        let round = step / self.round_steps.max(1);
        round.min(u64::from(self.rounds().saturating_sub(1))) as u32
    }

    /// The teacher's DDIM steps in round `round`; its student takes half.
    pub fn teacher_steps_in(&self, round: u32) -> u32 {
        self.teacher_steps >> round
    }
}

/// The sampler a distilled student is trained for and exported with.
pub const SAMPLER: &str = "ddim";
/// Its spacing: the one whose grids nest (module docs).
pub const SPACING: &str = "trailing";
/// DDIM steps of a teacher that records no plan of its own.
pub const TEACHER_STEPS: u32 = 64;
/// Checkpoint tensor of the current round's teacher weights.
const TEACHER: &str = "distill.teacher";

/// Why distillation could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DistillError {
    /// The teacher run could not be read.
    #[error("teacher {path}: {source}")]
    Teacher {
        /// The teacher's run directory.
        path: String,
        /// Why.
        source: TrainError,
    },
    /// The student's steps are not the teacher's halved.
    #[error(
        "--steps {student}: a student takes the teacher's {teacher} DDIM steps halved one or \
         more times ({}); give --teacher-steps for another start",
        halvings(*teacher)
    )]
    Steps {
        /// The teacher's steps.
        teacher: u32,
        /// The student's.
        student: u32,
    },
    /// Continuous schedules' grids do not nest.
    #[error(
        "schedule {0}: distillation needs a discrete schedule (linear, scaled-linear, cosine, \
         sigmoid), whose trailing grids nest; an SDE's evenly spaced grid of N/2 times is not \
         every other time of its grid of N"
    )]
    Schedule(String),
    /// Guidance for a teacher that has no classes.
    #[error(
        "--guidance {0}: the teacher is not class-conditional (train it with --labels), so \
         there is nothing to guide"
    )]
    Unconditional(f32),
    /// Guidance on top of a teacher that holds guidance.
    #[error(
        "--guidance {asked}: the teacher is a student that holds guidance w = {held} in its \
         weights; distil it further without --guidance"
    )]
    Guided {
        /// The weight the teacher holds.
        held: f32,
        /// The weight asked for.
        asked: f32,
    },
    /// A guidance weight out of range.
    #[error("--guidance {0}: must be a finite number in [0, 100]")]
    Guidance(f32),
    /// ε-prediction for the student.
    #[error(
        "--prediction eps for the student: at the first row α is near 0 and x̂₀ = (x − σ·ε̂)/α \
         multiplies the student's error by σ/α (157 for the linear schedule); use v or x0"
    )]
    EpsilonStudent,
    /// The output directory holds a run that is not this distillation.
    #[error("{path}: {reason}")]
    Existing {
        /// The directory.
        path: String,
        /// What differs.
        reason: String,
    },
    /// A setting or the run is invalid.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// A plan could not be compiled or the teacher not exported.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The optimiser refused a setting or a saved state.
    #[error(transparent)]
    Optim(#[from] OptimError),
    /// The student's checkpoint could not be read or written.
    #[error(transparent)]
    Checkpoint(#[from] checkpoint::CheckpointError),
}

/// The student steps a teacher of `teacher` steps can have: `32, 16, …, 1`
/// for 64, `6, 3` for 12.
fn halvings(teacher: u32) -> String {
    let all: Vec<String> = std::iter::successors(Some(teacher), |s| {
        (s.is_multiple_of(2) && *s > 0).then_some(s / 2)
    })
    .skip(1)
    .map(|s| s.to_string())
    .collect();
    if all.is_empty() {
        format!("none: {teacher} is odd")
    } else {
        all.join(", ")
    }
}

/// The settings of a distillation.
#[derive(Clone, Debug, PartialEq)]
pub struct DistillSettings {
    /// DDIM steps of the teacher that the first round halves (`None`: the
    /// teacher's recorded DDIM plan, else [`TEACHER_STEPS`]).
    pub teacher_steps: Option<u32>,
    /// DDIM steps of the final student.
    pub steps: u32,
    /// Training steps per round.
    pub round_steps: u64,
    /// Batch size.
    pub batch: usize,
    /// Peak learning rate of every round.
    pub lr: f32,
    /// The student's prediction, `v` or `x0` (`None`: the teacher's, `v`
    /// for an ε-teacher).
    pub prediction: Option<String>,
    /// The DSM weighting of the student's loss.
    pub weighting: String,
    /// EMA decay of the student's weights.
    pub ema_decay: f32,
    /// The classifier-free guidance weight of a class-conditional teacher
    /// (`None`: [`GUIDANCE`], what `sample --class` guides with; an
    /// unconditional teacher takes none).
    pub guidance: Option<f32>,
}

/// A distillation in progress: the student's run and its current teacher.
#[derive(Clone, Debug)]
pub struct Student {
    /// The student's run (an ordinary run: `export` reads it).
    pub state: RunState,
    /// The weights of the current round's teacher.
    pub teacher: Vec<f32>,
}

/// A fresh student of the run in `teacher_dir`: the teacher's EMA weights
/// (those `export` writes), its normalisation and network, and a config
/// that records the distillation.
pub fn start(teacher_dir: &Path, s: &DistillSettings) -> Result<Student, DistillError> {
    let mut teacher = train::load(teacher_dir).map_err(|source| DistillError::Teacher {
        path: teacher_dir.display().to_string(),
        source,
    })?;
    teacher.use_best();
    let tc = &teacher.config;
    let held = tc.distill.as_ref().map_or(0.0, |d| d.guidance);
    let guidance = match (tc.classes, s.guidance) {
        (0, Some(w)) => return Err(DistillError::Unconditional(w)),
        (0, None) => 0.0,
        (_, Some(asked)) if held > 0.0 && asked > 0.0 => {
            return Err(DistillError::Guided { held, asked });
        }
        (_, _) if held > 0.0 => held,
        (_, w) => w.unwrap_or(GUIDANCE),
    };
    if !(0.0..=100.0).contains(&guidance) {
        return Err(DistillError::Guidance(guidance));
    }
    let Checked { spec, .. } = tc.validate()?;
    if !matches!(spec.0, Schedule::Discrete(_)) {
        return Err(DistillError::Schedule(tc.schedule.clone()));
    }
    let recorded = tc
        .plan
        .as_ref()
        .filter(|p| p.sampler == SAMPLER && p.spacing == SPACING)
        .map(|p| p.steps);
    let teacher_steps = s.teacher_steps.or(recorded).unwrap_or(TEACHER_STEPS);
    let ratio = teacher_steps / s.steps.max(1);
    if s.steps == 0 || ratio < 2 || ratio * s.steps != teacher_steps || !ratio.is_power_of_two() {
        return Err(DistillError::Steps {
            teacher: teacher_steps,
            student: s.steps,
        });
    }
    let prediction = match &s.prediction {
        Some(p) => p.clone(),
        None if tc.prediction == "eps" => "v".into(),
        None => tc.prediction.clone(),
    };
    if train::prediction(&prediction)? == Prediction::Epsilon {
        return Err(DistillError::EpsilonStudent);
    }
    let distill = Distillation {
        teacher: teacher_dir.display().to_string(),
        teacher_prediction: tc.prediction.clone(),
        teacher_steps,
        student_steps: s.steps,
        round_steps: s.round_steps,
        guidance,
        teacher_guidance: held,
    };
    let config = TrainConfig {
        prediction,
        weighting: s.weighting.clone(),
        objective: "dsm".into(),
        steps: u64::from(distill.rounds()) * s.round_steps,
        batch: s.batch,
        lr: s.lr,
        warmup: (s.round_steps / 10).min(200),
        ema_decay: s.ema_decay,
        checkpoint_every: s.round_steps.min(1000),
        fake_quant: false,
        // Times are the plans' grids: nothing to restore of a time sampler.
        t_sampling: TimeSampling::Stratified.to_string(),
        eps_warmup: 0,
        plan: Some(student_plan(&distill, 0)),
        distill: Some(distill),
        ..tc.clone()
    };
    config.validate()?;
    let mlp = train::network(&config, teacher.normalization.dim());
    let state = RunState {
        adam: train::optimizer(&config, &mlp)?,
        params: teacher.ema.clone(),
        ema: teacher.ema.clone(),
        normalization: teacher.normalization.clone(),
        step: 0,
        losses: Vec::new(),
        importance: None,
        validation: Vec::new(),
        best: None,
        config,
    };
    // Every round's plans must compile (the teacher's steps fit the
    // schedule) before anything is written.
    for round in 0..state
        .config
        .distill
        .as_ref()
        .map_or(0, Distillation::rounds)
    {
        Round::new(&state, &teacher.ema, round)?;
    }
    Ok(Student {
        teacher: teacher.ema,
        state,
    })
}

/// The plan of the student of round `round`.
fn student_plan(d: &Distillation, round: u32) -> RunPlan {
    RunPlan {
        sampler: SAMPLER.into(),
        steps: d.teacher_steps_in(round) / 2,
        spacing: SPACING.into(),
    }
}

/// The distillation in `dir`, as its last checkpoint left it.
pub fn load(dir: &Path) -> Result<Student, DistillError> {
    let state = train::load(dir)?;
    let not_distilled = || DistillError::Existing {
        path: dir.display().to_string(),
        reason: "holds a run that was not distilled (choose another --out)".into(),
    };
    if state.config.distill.is_none() {
        return Err(not_distilled());
    }
    let ckpt = checkpoint::load(dir)?;
    let teacher = ckpt
        .tensor(TEACHER)
        .map(|t| t.data.clone())
        .filter(|t| t.len() == state.params.len())
        .ok_or_else(|| TrainError::RunFile {
            path: dir.display().to_string(),
            reason: format!("weights.safetensors has no tensor `{TEACHER}` of the network's size"),
        })?;
    Ok(Student { state, teacher })
}

/// Writes the student's checkpoint: its run and its current teacher.
pub fn save(student: &Student, dir: &Path) -> Result<(), DistillError> {
    write(&student.state, &student.teacher, dir)
}

/// [`save`] of a student's parts.
fn write(state: &RunState, teacher: &[f32], dir: &Path) -> Result<(), DistillError> {
    let mut ckpt = train::checkpoint_of(state);
    ckpt.tensors.push(Tensor {
        name: TEACHER.into(),
        shape: vec![teacher.len()],
        data: teacher.to_vec(),
    });
    checkpoint::save(dir, &ckpt)?;
    Ok(())
}

/// One round's plans: the teacher's DDIM rows (as the exported teacher
/// runs them), their x̂₀ clip bounds per dimension, and the student's rows.
pub struct Round {
    /// The teacher's rows: `2·k` and `2·k + 1` make student row `k`.
    pub teacher: Vec<PlanRow>,
    /// The student's rows.
    pub student: Vec<PlanRow>,
    /// The x̂₀ clip bounds of each dimension (`None`: no clip).
    pub bounds: Vec<Option<(f32, f32)>>,
    /// Factor from schedule time to the network's time input.
    pub time_scale: f32,
    /// Width of the one-hot class input (`classes + 1`; 0: unconditional).
    pub class_inputs: usize,
    /// The classifier-free guidance weight of this round's teacher (the
    /// first round's of a guided distillation from a teacher that holds
    /// none; 0 otherwise).
    pub guidance: f32,
}

impl Round {
    /// The plans of round `round` of the student `state`, whose teacher
    /// has weights `teacher`.
    pub fn new(state: &RunState, teacher: &[f32], round: u32) -> Result<Self, DistillError> {
        let d = state
            .config
            .distill
            .as_ref()
            .ok_or_else(|| TrainError::Config("the run records no distillation".into()))?;
        let steps = d.teacher_steps_in(round);
        let ddim = |steps| ExportOptions {
            backend: Backend::F32,
            sampler: SamplerKind::Ddim { eta: 0.0 },
            steps,
            spacing: Spacing::Trailing,
            clip: X0Clip::default(),
        };
        // The teacher as `export` writes it, with its prediction: the file
        // holds its rows and the clip bounds its samplers apply.
        let as_teacher = RunState {
            ema: teacher.to_vec(),
            best: None,
            config: TrainConfig {
                prediction: if round == 0 {
                    d.teacher_prediction.clone()
                } else {
                    state.config.prediction.clone()
                },
                ..state.config.clone()
            },
            ..state.clone()
        };
        let bytes = export::export(&as_teacher, &ddim(steps))?;
        let model = Model::parse(&bytes).map_err(ExportError::from)?;
        let plan = model
            .plan(0)
            .ok_or_else(|| TrainError::Config("the exported teacher holds no plan".into()))?;
        let teacher_rows: Vec<PlanRow> = (0..plan.header().rows as usize)
            .filter_map(|i| plan.row(i))
            .collect();
        let range: Vec<(f32, f32)> = model
            .data_range()
            .filter(|r| r.clips())
            .map(|r| r.bounds().collect())
            .unwrap_or_default();
        let dim = state.normalization.dim();
        let clip = plan.header().spec.clip;
        let bounds = (0..dim)
            .map(|j| x0_bounds(clip, range.get(j).copied()))
            .collect();
        let (student, spec) = export::plan_for(state, &ddim(steps / 2))?;
        // Nesting: student row k evaluates where teacher row 2k does.
        let nests = student.rows.len() * 2 == teacher_rows.len()
            && student
                .rows
                .iter()
                .enumerate()
                .all(|(k, r)| teacher_rows.get(2 * k).is_some_and(|t| t.t == r.t));
        if !nests {
            return Err(DistillError::Schedule(state.config.schedule.clone()));
        }
        Ok(Round {
            teacher: teacher_rows,
            student: student.rows,
            bounds,
            time_scale: spec.time_scale(),
            class_inputs: train::class_inputs(&state.config),
            guidance: if round == 0 && d.teacher_guidance == 0.0 {
                d.guidance
            } else {
                0.0
            },
        })
    }

    /// The network input at time `row.t`: `z`, the time embedding, and for
    /// a class-conditional network the one-hot `class` (`classes`: no
    /// class).
    pub fn input(&self, z: &[f32], row: &PlanRow, class: u32, out: &mut [f32]) {
        let d = z.len();
        let (head, onehot) = out.split_at_mut(out.len() - self.class_inputs);
        head[..d].copy_from_slice(z);
        sinusoidal_embedding(row.t * self.time_scale, MAX_PERIOD, &mut head[d..]);
        onehot.iter_mut().for_each(|v| *v = 0.0);
        if let Some(v) = onehot.get_mut(class as usize) {
            *v = 1.0;
        }
    }

    /// The class that stands for "no class": the last one-hot slot.
    pub fn no_class(&self) -> u32 {
        self.class_inputs.saturating_sub(1) as u32
    }

    /// One teacher row on one example: `z ← a·z + b·x̂₀` per element, with
    /// the network's output `out` at `z` and x̂₀ clipped as the exported
    /// teacher clips it.
    fn teacher_step(&self, row: &PlanRow, z: &mut [f32], out: &[f32]) {
        for ((zi, &oi), &bounds) in z.iter_mut().zip(out).zip(&self.bounds) {
            *zi = row.update(*zi, oi, 0.0, 0.0, bounds).0;
        }
    }
}

/// One chunk's buffers for the teacher's two steps.
#[derive(Clone, Debug, Default)]
pub struct TeacherChunk {
    cache: Cache<f32>,
    input: Vec<f32>,
    z: Vec<f32>,
    /// The conditional output, while the unconditional one is computed.
    conditional: Vec<f32>,
}

/// The teacher's buffers, one per chunk of a batch ([`chunks`]).
pub fn teacher_chunks() -> Vec<TeacherChunk> {
    vec![TeacherChunk::default(); chunks::CHUNKS]
}

/// The examples of a batch: example `i` is the noised point `z[i]`
/// (batch × dim) at the time of student row `rows[i]`, of class
/// `classes[i]` (ignored by an unconditional network).
pub struct Examples<'a> {
    /// Student row of each example.
    pub rows: &'a [usize],
    /// Class of each example ([`Round::no_class`]: none).
    pub classes: &'a [u32],
    /// The noised points.
    pub z: &'a [f32],
}

/// The distillation targets of a batch of `examples`: the teacher (network
/// `mlp`, weights `teacher`, guided with the round's weight) takes its two
/// DDIM steps from each; `x0` receives `x̃`, the clean sample with which
/// one student step lands where the two teacher steps land, and `eps` the
/// matching noise `(z − α·x̃)/σ`.
pub fn targets(
    round: &Round,
    (mlp, teacher): (&Mlp, &[f32]),
    examples: &Examples<'_>,
    x0: &mut [f32],
    eps: &mut [f32],
    work: &mut [TeacherChunk],
) {
    let Examples { rows, classes, z } = *examples;
    let d = mlp.x_dim;
    let w = mlp.input_width();
    let n = rows.len();
    chunks::for_each(n, work, |range, c| {
        let m = range.len();
        c.z.clear();
        c.z.extend_from_slice(&z[range.start * d..range.end * d]);
        c.input.resize(m * w, 0.0);
        if m == 0 {
            return;
        }
        for half in 0..2 {
            let row = |i: usize| &round.teacher[2 * rows[range.start + i] + half];
            let evaluate = |c: &mut TeacherChunk, class: &dyn Fn(usize) -> u32| {
                for i in 0..m {
                    round.input(
                        &c.z[i * d..(i + 1) * d],
                        row(i),
                        class(i),
                        &mut c.input[i * w..(i + 1) * w],
                    );
                }
                mlp.forward(teacher, &c.input, m, &mut c.cache);
            };
            evaluate(c, &|i| classes.get(range.start + i).copied().unwrap_or(0));
            if round.guidance != 0.0 {
                // Classifier-free guidance as the runtime's `Guided` combines
                // the two outputs: o_c + w·(o_c − o_∅), in that order.
                c.conditional.clear();
                c.conditional
                    .extend_from_slice(c.cache.values.last().map_or(&[][..], Vec::as_slice));
                evaluate(c, &|_| round.no_class());
                let (w, plain) = (round.guidance, c.cache.values.last_mut());
                for (u, &o) in plain.into_iter().flatten().zip(&c.conditional) {
                    *u = o + w * (o - *u);
                }
            }
            let out = c.cache.values.last().map_or(&[][..], Vec::as_slice);
            for i in 0..m {
                round.teacher_step(
                    row(i),
                    &mut c.z[i * d..(i + 1) * d],
                    &out[i * d..(i + 1) * d],
                );
            }
        }
    });
    let landed = work.iter().flat_map(|c| c.z.iter().copied());
    for (j, z2) in landed.enumerate() {
        let s = &round.student[rows[j / d]];
        let (alpha, sigma) = (f64::from(s.alpha), f64::from(s.sigma));
        let zj = f64::from(z[j]);
        let target = (f64::from(z2) - f64::from(s.a) * zj) / f64::from(s.b);
        x0[j] = target as f32;
        eps[j] = ((zj - alpha * target) / sigma) as f32;
    }
}

/// Distils from the student's step to the end of its last round,
/// checkpointing into `dir` (at least at the end of every round, where the
/// round's EMA weights become the next round's teacher and student);
/// `progress(step, loss)` is called after every step. `data` are the
/// teacher's normalised training rows, with their labels for a
/// class-conditional teacher.
pub fn distill(
    student: &mut Student,
    data: &Labelled,
    dir: &Path,
    mut progress: impl FnMut(u64, f32),
) -> Result<(), DistillError> {
    let c = student.state.config.clone();
    let d = c
        .distill
        .clone()
        .ok_or_else(|| TrainError::Config("the run records no distillation".into()))?;
    let Checked { pred, obj, .. } = c.validate()?;
    let (labels, data) = (&data.labels, &data.data);
    let labelled = labels.len() == if c.classes > 0 { data.len() } else { 0 };
    if data.is_empty() || data.dim != student.state.normalization.dim() || !labelled {
        return Err(
            TrainError::Config("the teacher's data do not match its network".into()).into(),
        );
    }
    let mlp = train::network(&c, data.dim);
    let (dim, w, n) = (data.dim, mlp.input_width(), c.batch);
    let log_every = (c.steps / 200).max(10);
    let mut work = teacher_chunks();
    let mut workspace = Workspace::default();
    let mut grads = vec![0.0f32; mlp.param_count()];
    let (mut z, mut x0, mut eps) = (
        vec![0.0f32; n * dim],
        vec![0.0; n * dim],
        vec![0.0; n * dim],
    );
    let mut input = vec![0.0f32; n * w];
    let (mut rows, mut levels) = (vec![0usize; n], Vec::with_capacity(n));
    let mut classes = vec![0u32; n];
    let probes = vec![0.0f32; n * dim];
    let mut window = (0.0f64, 0u32);
    while student.state.step < c.steps {
        let round = d.round_of(student.state.step);
        let start = u64::from(round) * d.round_steps;
        let end = (start + d.round_steps).min(c.steps);
        let Student { state, teacher } = &mut *student;
        let plans = Round::new(state, teacher, round)?;
        let schedule = LrSchedule::new(c.lr, c.warmup, d.round_steps, c.lr * 0.05)?;
        let mut ema = Ema::restore(
            state.ema.clone(),
            state.params.len(),
            c.ema_decay,
            true,
            state.step - start,
        )?;
        while state.step < end {
            let step = state.step;
            let mut rng = stream(c.seed, step);
            let offset = below(&mut rng, plans.student.len());
            levels.clear();
            for (i, (k, class)) in rows.iter_mut().zip(&mut classes).enumerate() {
                // Every student row equally often in a batch.
                *k = (i + offset) % plans.student.len();
                let s = &plans.student[*k];
                let index = below(&mut rng, data.len());
                let src = data.row(index);
                for j in 0..dim {
                    let e = normal(&mut rng) as f32;
                    z[i * dim + j] = s.alpha * src[j] + s.sigma * e;
                }
                if let Some(&label) = labels.get(index) {
                    let dropped = uniform(&mut rng) < f64::from(c.label_dropout);
                    *class = if dropped { plans.no_class() } else { label };
                }
                plans.input(
                    &z[i * dim..(i + 1) * dim],
                    s,
                    *class,
                    &mut input[i * w..(i + 1) * w],
                );
                let m = Marginal {
                    alpha: f64::from(s.alpha),
                    sigma: f64::from(s.sigma),
                };
                levels.push(Level {
                    m,
                    g2: 0.0,
                    weight: 1.0,
                });
            }
            let examples = Examples {
                rows: &rows,
                classes: &classes,
                z: &z,
            };
            targets(
                &plans,
                (&mlp, teacher),
                &examples,
                &mut x0,
                &mut eps,
                &mut work,
            );
            let batch = Batch {
                input: &input,
                x0: &x0,
                eps: &eps,
                probes: &probes,
                levels: &levels,
            };
            grads.iter_mut().for_each(|g| *g = 0.0);
            let loss = loss_and_grad(
                &mlp,
                pred,
                obj,
                &state.params,
                &batch,
                &mut grads,
                &mut workspace,
            );
            let norm = if c.grad_clip > 0.0 {
                clip_grad_norm(&mut grads, c.grad_clip)
            } else {
                0.0
            };
            if !loss.is_finite() || !norm.is_finite() || grads.iter().any(|g| !g.is_finite()) {
                return Err(TrainError::NonFinite { step, loss }.into());
            }
            state
                .adam
                .step(&mut state.params, &grads, schedule.lr(step - start));
            ema.update(&state.params);
            state.step += 1;
            window = (window.0 + loss, window.1 + 1);
            let save = state.step.is_multiple_of(c.checkpoint_every) || state.step == end;
            // The loss window closes at every checkpoint, so a resumed run
            // logs what an uninterrupted one does.
            if state.step.is_multiple_of(log_every) || save {
                let mean = (window.0 / f64::from(window.1)) as f32;
                state.losses.push((state.step, mean));
                window = (0.0, 0);
            }
            progress(state.step, loss as f32);
            if save {
                state.ema = ema.params().to_vec();
                if state.step == end && end < c.steps {
                    // The round's student becomes the next round's teacher
                    // and the start of its student.
                    *teacher = state.ema.clone();
                    state.params = state.ema.clone();
                    state.adam = train::optimizer(&c, &mlp)?;
                    state.config.plan = Some(student_plan(&d, round + 1));
                }
                write(state, teacher, dir)?;
            }
        }
    }
    Ok(())
}
