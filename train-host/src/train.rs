//! The training loop: batches of noised data, an objective, AdamW with
//! warm-up and cosine decay, gradient clipping, an EMA of the weights,
//! checkpoints that a later run resumes from; and the validation split,
//! whose loss (the EMA weights' on held-out rows, always the same noise and
//! times) says whether training still helps and picks the EMA weights
//! export writes.
//!
//! Step `k` draws all its randomness from stream `k` of the run's seed
//! ([`crate::random::stream`]), so an interrupted run resumed from its last
//! checkpoint continues exactly as if it had not stopped.

use crate::checkpoint::{self, Checkpoint, Tensor};
use crate::data::{Dataset, Labelled, Normalization, ValueRange};
use crate::fake_quant::fake_quantize;
use crate::mlp::Mlp;
use crate::objective::{Batch, Level, Objective, Weighting, Workspace, loss_and_grad};
use crate::optim::{AdamState, AdamW, AdamWConfig, Ema, LrSchedule, OptimError, clip_grad_norm};
use crate::random::{below, coin, normal, stream, uniform};
use crate::spec::ScheduleSpec;
use crate::time_sampling::{HISTORY, LossSecondMoment, TimeSampler, TimeSampling};
use rand_xoshiro::rand_core::Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tinyscore::format::Activation;
use tinyscore::net::float::sinusoidal_embedding;
use tinyscore::plan::Prediction;
use tinyscore::schedule::{Schedule, Sde};

/// Everything that defines a training run (stored in the run's config.json).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    /// Data source as given on the command line.
    pub data: String,
    /// `dsm`, `ism` or `fdsm`.
    pub objective: String,
    /// DSM weighting: `simple`, `score`, `likelihood`, `truncated-snr` or
    /// `min-snr:γ`.
    pub weighting: String,
    /// `eps`, `x0` or `v`.
    pub prediction: String,
    /// Schedule spec ([`ScheduleSpec`]).
    pub schedule: String,
    /// Hidden width.
    pub width: usize,
    /// Hidden layers.
    pub depth: usize,
    /// Sinusoidal embedding width.
    pub emb_dim: usize,
    /// Optimisation steps.
    pub steps: u64,
    /// Batch size.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f32,
    /// Warm-up steps.
    pub warmup: u64,
    /// AdamW weight decay.
    pub weight_decay: f32,
    /// Gradient clipping (global L2 norm).
    pub grad_clip: f32,
    /// EMA decay of the exported weights.
    pub ema_decay: f32,
    /// Seed of everything random.
    pub seed: u64,
    /// Training times are drawn from `[t_min, T]` (continuous schedules).
    pub t_min: f64,
    /// Antithetic noise pairs (ε, −ε).
    pub antithetic: bool,
    /// How times are drawn: `uniform`, `stratified` or `importance`
    /// ([`TimeSampling`]). Runs saved before this setting existed drew
    /// stratified times.
    #[serde(default = "stratified")]
    pub t_sampling: String,
    /// Hutchinson probes of ISM: `rademacher` (±1, the lower-variance
    /// default) or `gaussian`.
    pub probe: String,
    /// Points drawn from a built-in generator.
    pub n_data: usize,
    /// Share of a data file's rows held out for the validation loss (a
    /// built-in generator draws as many fresh points instead, at most
    /// [`VALIDATION_EXAMPLES`]); 0: no validation. Runs saved before this
    /// setting existed have none.
    #[serde(default)]
    pub val: f64,
    /// The first this many steps train the network on the ε target
    /// whatever `prediction` is; the EMA starts afresh when the run's own
    /// target takes over ([`TrainConfig::default_eps_warmup`]). Runs saved before this setting
    /// existed have none.
    #[serde(default)]
    pub eps_warmup: u64,
    /// Checkpoint every this many steps.
    pub checkpoint_every: u64,
    /// Evaluate the network with int8-rounded weight matrices
    /// (quantisation-aware fine-tuning, [`crate::fake_quant`]).
    #[serde(default)]
    pub fake_quant: bool,
    /// Where the class labels come from (`--labels`,
    /// [`crate::data::LabelSource`]), for a class-conditional model.
    #[serde(default)]
    pub labels: Option<String>,
    /// Number of classes, found in the labels when the run starts (0: an
    /// unconditional model).
    #[serde(default)]
    pub classes: u32,
    /// Probability that an example is shown without its class, which trains
    /// the unconditional branch that classifier-free guidance needs.
    #[serde(default)]
    pub label_dropout: f32,
    /// The data's column names (a CSV header), found when the run starts;
    /// empty without a header. Stored in the model file.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The classes' names, when the labels were names; found when the run
    /// starts. Stored in the model file.
    #[serde(default)]
    pub class_names: Vec<String>,
    /// The plan `export` embeds unless told otherwise (`None`: the export
    /// options' defaults); a distilled run records its own DDIM steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<RunPlan>,
    /// How a distilled run was distilled from its teacher (`None`: trained
    /// on data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distill: Option<crate::distill::Distillation>,
}

/// A plan a run records for `export`: names as the command line spells
/// them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunPlan {
    /// Sampler (`ddim`: deterministic, η = 0).
    pub sampler: String,
    /// Steps.
    pub steps: u32,
    /// Timestep spacing.
    pub spacing: String,
}

impl Default for TrainConfig {
    /// `train`'s defaults, chosen by measurement (docs/BENCHMARKS.md,
    /// "Choosing `train`'s defaults"): v-prediction on the cosine schedule,
    /// after an ε warm-up.
    fn default() -> Self {
        let mut config = TrainConfig {
            data: "moons".into(),
            objective: "dsm".into(),
            weighting: "simple".into(),
            prediction: "v".into(),
            schedule: "cosine".into(),
            width: 128,
            depth: 3,
            emb_dim: 32,
            steps: 4000,
            batch: 512,
            lr: 2e-3,
            warmup: 200,
            weight_decay: 0.0,
            grad_clip: 1.0,
            ema_decay: 0.999,
            seed: 0,
            t_min: 1e-3,
            antithetic: true,
            t_sampling: stratified(),
            probe: "rademacher".into(),
            n_data: 100_000,
            val: 0.1,
            eps_warmup: 0,
            checkpoint_every: 1000,
            fake_quant: false,
            labels: None,
            classes: 0,
            label_dropout: 0.1,
            columns: Vec::new(),
            class_names: Vec::new(),
            plan: None,
            distill: None,
        };
        config.eps_warmup = config.default_eps_warmup();
        config
    }
}

fn stratified() -> String {
    TimeSampling::Stratified.to_string()
}

/// Why training stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A configuration value is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The loss became NaN or infinite.
    #[error(
        "loss is {loss} at step {step}: training diverged (try a lower --lr, \
         gradient clipping, or another weighting)"
    )]
    NonFinite {
        /// The step.
        step: u64,
        /// The loss value.
        loss: f64,
    },
    /// Reading or writing the run directory failed.
    #[error(transparent)]
    Checkpoint(#[from] checkpoint::CheckpointError),
    /// The training data could not be loaded.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// An optimiser setting or saved state is invalid.
    #[error(transparent)]
    Optim(#[from] OptimError),
    /// The run directory's config.json does not describe a run.
    #[error("{path}: {reason}")]
    RunFile {
        /// The run directory.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The parsed parts of a valid configuration.
pub struct Checked {
    /// The schedule.
    pub spec: ScheduleSpec<'static>,
    /// The prediction type.
    pub pred: Prediction,
    /// The objective.
    pub obj: Objective,
    /// How times are drawn.
    pub times: TimeSampling,
}

impl TrainConfig {
    /// `train`'s default ε warm-up for this run: with denoising score
    /// matching and v-prediction a tenth of the steps, but at least twice
    /// the learning rate's warm-up (during which little is learnt) and at
    /// most half the steps; none otherwise (ISM and FD-ISM fit the score
    /// itself, ε and x̂₀ have a linear signal of their own).
    ///
    /// Why: for data standardised to unit variance the best linear predictor
    /// of v from the noised state is 0 (`Cov(v, x_t) = α·σ·(1 − Var x₀)`), so
    /// a network that starts near 0 output gets no linear signal to follow,
    /// and on some data (8 Gaussians) it never leaves 0 (docs/BENCHMARKS.md,
    /// "Choosing `train`'s defaults"). The ε target has one (`Cov(ε, x_t) =
    /// σ`); steps on it shape the hidden features, and the v target then
    /// trains from them. On 8 Gaussians (4000 steps, learning-rate warm-up
    /// 200) 400 ε steps are enough, 200 are not (docs/BENCHMARKS.md).
    pub fn default_eps_warmup(&self) -> u64 {
        if self.prediction == "v" && self.objective == "dsm" {
            (self.steps / 10).max(2 * self.warmup).min(self.steps / 2)
        } else {
            0
        }
    }

    /// Checks every setting that can be checked without the data, so a bad
    /// command line fails before anything is written.
    pub fn validate(&self) -> Result<Checked, TrainError> {
        let c = self;
        let spec: ScheduleSpec<'static> = c
            .schedule
            .parse()
            .map_err(|e| TrainError::Config(format!("{e}")))?;
        let pred = prediction(&c.prediction)?;
        let obj = objective(c)?;
        let times = c.t_sampling.parse().map_err(TrainError::Config)?;
        let sde = matches!(spec.0, Schedule::Sde(_));
        if matches!(obj, Objective::Dsm(Weighting::Likelihood)) && !sde {
            return Err(TrainError::Config(
                "likelihood weighting needs an SDE schedule (vp, subvp, ve, ou)".into(),
            ));
        }
        if matches!(spec.0, Schedule::Sde(Sde::Edm { .. })) && pred == Prediction::Epsilon {
            return Err(TrainError::Config(
                "ε-prediction on the edm schedule: at its largest level α = 0.0125, so \
                 x̂₀ = (x − σ·ε̂)/α multiplies the network's error 80-fold; use --prediction v \
                 (EDM's preconditioning for data of unit variance) or x0"
                    .into(),
            ));
        }
        let shape_ok = c.batch > 0 && c.width > 0 && c.depth > 0 && c.emb_dim > 0;
        if !shape_ok || !c.emb_dim.is_multiple_of(2) {
            return Err(TrainError::Config(
                "batch, width and depth must be positive and emb-dim even".into(),
            ));
        }
        // Step counters are checkpointed as f32 tensors: exact below 2^24.
        if c.steps == 0 || c.steps > 1 << 24 {
            return Err(TrainError::Config(
                "steps must be between 1 and 16 777 216".into(),
            ));
        }
        if c.checkpoint_every == 0 || !(c.t_min > 0.0 && c.t_min < 1.0) {
            return Err(TrainError::Config(
                "checkpoint-every must be positive, t-min in (0, 1)".into(),
            ));
        }
        if !matches!(c.probe.as_str(), "rademacher" | "gaussian") {
            return Err(TrainError::Config(format!(
                "probe `{}`: expected rademacher or gaussian",
                c.probe
            )));
        }
        if !(0.0..=MAX_VAL).contains(&c.val) {
            return Err(TrainError::Config(format!(
                "val must be in [0, {MAX_VAL}], the share of the data held out"
            )));
        }
        if c.eps_warmup > 0 && (pred == Prediction::Epsilon || !matches!(obj, Objective::Dsm(_))) {
            return Err(TrainError::Config(
                "eps-warmup is for denoising score matching with --prediction v or x0".into(),
            ));
        }
        if c.eps_warmup >= c.steps && c.eps_warmup > 0 {
            return Err(TrainError::Config(
                "eps-warmup must be below steps: the run's own target trains after it".into(),
            ));
        }
        if !(0.0..1.0).contains(&c.label_dropout) {
            return Err(TrainError::Config("label-dropout must be in [0, 1)".into()));
        }
        LrSchedule::new(c.lr, c.warmup, c.steps, c.lr * 0.05)?;
        Ok(Checked {
            spec,
            pred,
            obj,
            times,
        })
    }
}

/// Parses a prediction name.
pub fn prediction(name: &str) -> Result<Prediction, TrainError> {
    match name {
        "eps" => Ok(Prediction::Epsilon),
        "x0" => Ok(Prediction::Sample),
        "v" => Ok(Prediction::Velocity),
        _ => Err(TrainError::Config(format!(
            "prediction `{name}`: expected eps, x0 or v"
        ))),
    }
}

/// The configured objective.
pub fn objective(c: &TrainConfig) -> Result<Objective, TrainError> {
    let weighting = match c.weighting.split_once(':') {
        None if c.weighting == "simple" => Weighting::Simple,
        None if c.weighting == "score" => Weighting::ScoreMatching,
        None if c.weighting == "likelihood" => Weighting::Likelihood,
        None if c.weighting == "truncated-snr" => Weighting::TruncatedSnr,
        Some(("min-snr", g)) => Weighting::MinSnr(
            g.parse()
                .map_err(|_| TrainError::Config(format!("min-snr:γ needs a number, got `{g}`")))?,
        ),
        _ => {
            return Err(TrainError::Config(format!(
                "weighting `{}`: expected simple, score, likelihood, truncated-snr or min-snr:γ",
                c.weighting
            )));
        }
    };
    match c.objective.as_str() {
        "dsm" => Ok(Objective::Dsm(weighting)),
        "ism" => Ok(Objective::Ism),
        "fdsm" => Ok(Objective::FdIsm { h: 1e-2 }),
        o => Err(TrainError::Config(format!(
            "objective `{o}`: expected dsm, ism or fdsm"
        ))),
    }
}

/// The network a configuration trains: its input is the data, the time
/// embedding and, for a class-conditional model, the one-hot class with one
/// more slot for "no class".
pub fn network(c: &TrainConfig, x_dim: usize) -> Mlp {
    let cond = c.emb_dim + class_inputs(c);
    Mlp::residual(x_dim, cond, c.width, c.depth, Activation::Silu)
}

/// Width of the one-hot class input: `classes + 1`, or 0 for an
/// unconditional model.
pub fn class_inputs(c: &TrainConfig) -> usize {
    if c.classes > 0 {
        c.classes as usize + 1
    } else {
        0
    }
}

/// Maximum period of the time embedding.
pub const MAX_PERIOD: f32 = 10_000.0;

/// A run's state: what a checkpoint holds.
#[derive(Clone, Debug)]
pub struct RunState {
    /// The configuration.
    pub config: TrainConfig,
    /// Data normalisation (fitted on the training data).
    pub normalization: Normalization,
    /// Steps done.
    pub step: u64,
    /// Current weights.
    pub params: Vec<f32>,
    /// EMA weights (exported).
    pub ema: Vec<f32>,
    /// Optimiser state.
    pub adam: AdamW,
    /// (step, mean loss over the logging interval).
    pub losses: Vec<(u64, f32)>,
    /// The loss history of importance sampling of times (`None` for the
    /// other time samplings).
    pub importance: Option<LossSecondMoment>,
    /// (step, validation loss of the EMA weights) at every evaluation.
    pub validation: Vec<(u64, f32)>,
    /// The EMA weights with the lowest validation loss so far.
    pub best: Option<Best>,
}

/// The EMA weights at the evaluation with the lowest validation loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Best {
    /// The step.
    pub step: u64,
    /// Its validation loss.
    pub loss: f32,
    /// The EMA weights then.
    pub ema: Vec<f32>,
}

/// Largest `val`: half the data.
pub const MAX_VAL: f64 = 0.5;

/// Most validation examples whose loss is evaluated: the first of the
/// held-out rows, or the size of a built-in generator's fresh draw.
pub const VALIDATION_EXAMPLES: usize = 2048;

/// Evaluations of the validation loss in a run (and one at its end).
pub const VALIDATIONS: u64 = 50;

/// Stream of the held-out split of a file and of the validation draw of a
/// generator (stream `u64::MAX` initialises the weights).
const SPLIT_STREAM: u64 = u64::MAX - 1;

/// Stream of the validation examples' fixed times, noise and probes.
const VALIDATION_STREAM: u64 = u64::MAX - 2;

/// A run's data: the training rows and the held-out validation rows.
#[derive(Clone, Debug)]
pub struct RunData {
    /// What the network is trained on.
    pub train: Labelled,
    /// What the validation loss is measured on (`None` with `val` 0).
    pub validation: Option<Labelled>,
}

/// The run's data (with its labels, for a class-conditional run): the
/// training rows and the validation rows, normalised with statistics
/// fitted on the training rows, and that normalisation.
///
/// A data file gives up `val` of its rows, chosen by a shuffle from the
/// run's seed; a built-in generator keeps its `n_data` training points and
/// draws `val·n_data` fresh ones (at most [`VALIDATION_EXAMPLES`]) from
/// another seed.
pub fn load_data(config: &TrainConfig) -> Result<(RunData, Normalization), TrainError> {
    let source: crate::data::DataSource = config.data.parse()?;
    let load = |n: usize, seed: u64| match &config.labels {
        Some(labels) => source.load_labelled(n, seed, labels),
        None => source.load_named(n, seed),
    };
    let data = load(config.n_data, config.seed)?;
    crate::limits::check(config, data.data.dim)?;
    let (mut train, mut validation) = if config.val == 0.0 {
        (data, None)
    } else if source.is_file() {
        let (train, held_out) = hold_out(data, config.val, config.seed);
        (train, held_out)
    } else {
        let n =
            ((config.val * config.n_data as f64).round() as usize).clamp(1, VALIDATION_EXAMPLES);
        let seed = stream(config.seed, SPLIT_STREAM).next_u64();
        (data, Some(load(n, seed)?))
    };
    let normalization = Normalization::fit(&train.data);
    normalization.normalize(&mut train.data);
    if let Some(v) = &mut validation {
        normalization.normalize(&mut v.data);
    }
    Ok((RunData { train, validation }, normalization))
}

/// `data` split into the rows kept for training (in their order) and a
/// share `val` of them held out, chosen by a shuffle from `seed`; no split
/// when it would leave either part empty.
fn hold_out(data: Labelled, val: f64, seed: u64) -> (Labelled, Option<Labelled>) {
    let n = data.data.len();
    let held = (val * n as f64).round() as usize;
    if held == 0 || held >= n {
        return (data, None);
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = stream(seed, SPLIT_STREAM);
    for i in (1..n).rev() {
        order.swap(i, below(&mut rng, i + 1));
    }
    let mut is_held = vec![false; n];
    order[..held].iter().for_each(|&i| is_held[i] = true);
    let pick = |keep: bool| {
        let rows: Vec<usize> = if keep {
            (0..n).filter(|&i| !is_held[i]).collect()
        } else {
            order[..held].to_vec()
        };
        Labelled {
            data: Dataset::new(
                data.data.dim,
                rows.iter()
                    .flat_map(|&i| data.data.row(i))
                    .copied()
                    .collect(),
            ),
            labels: if data.labels.is_empty() {
                Vec::new()
            } else {
                rows.iter().map(|&i| data.labels[i]).collect()
            },
            ..data.clone()
        }
    };
    (pick(true), Some(pick(false)))
}

impl RunState {
    /// Makes the EMA weights of the lowest validation loss the run's EMA
    /// weights (what export writes); their step and loss, or `None` for a
    /// run without validation (whose EMA weights stay the last).
    pub fn use_best(&mut self) -> Option<(u64, f32)> {
        let best = self.best.take()?;
        self.ema = best.ema;
        Some((best.step, best.loss))
    }

    /// A new run on `data` (its classes and names go into the config):
    /// initial weights (PyTorch's `nn.Linear` initialisation from the run's
    /// seed), EMA equal to them, a fresh optimiser.
    pub fn new(
        config: TrainConfig,
        normalization: Normalization,
        data: &Labelled,
    ) -> Result<Self, TrainError> {
        let config = TrainConfig {
            classes: data.classes,
            columns: data.columns.clone(),
            class_names: data.class_names.clone(),
            ..config
        };
        let mlp = network(&config, normalization.mean.len());
        let mut rng = crate::random::stream(config.seed, u64::MAX);
        let params = mlp.init(|| crate::random::uniform(&mut rng));
        let checked = config.validate()?;
        let importance = (checked.times == TimeSampling::Importance).then(|| {
            LossSecondMoment::new(TimeSampler::new(checked.spec.0, config.t_min).shares())
        });
        Ok(RunState {
            importance,
            adam: optimizer(&config, &mlp)?,
            ema: params.clone(),
            params,
            normalization,
            step: 0,
            losses: Vec::new(),
            validation: Vec::new(),
            best: None,
            config,
        })
    }
}

/// The buffers of one batch and what filling an example needs.
struct Examples {
    input: Vec<f32>,
    x0: Vec<f32>,
    eps: Vec<f32>,
    probes: Vec<f32>,
    levels: Vec<Level>,
    /// Data dimension, network input width, embedding width.
    d: usize,
    w: usize,
    e: usize,
    gaussian_probes: bool,
    antithetic: bool,
    time_scale: f32,
}

impl Examples {
    fn new(c: &TrainConfig, spec: &ScheduleSpec<'_>, d: usize, w: usize, n: usize) -> Self {
        Examples {
            input: vec![0.0; n * w],
            x0: vec![0.0; n * d],
            eps: vec![0.0; n * d],
            probes: vec![0.0; n * d],
            levels: Vec::with_capacity(n),
            d,
            w,
            e: c.emb_dim,
            gaussian_probes: c.probe == "gaussian",
            antithetic: c.antithetic,
            time_scale: spec.time_scale(),
        }
    }

    /// Example `i` (the next one: `levels` holds `i` entries): the clean
    /// point `row` at time `t` and `level`, its noise (the negation of
    /// example `i − 1`'s for the odd one of an antithetic pair) and probes
    /// drawn from `rng`, its network input, and for a class-conditional
    /// model its one-hot `class`, replaced by "no class" with probability
    /// `dropout` (`classes` slots and one more).
    #[allow(clippy::too_many_arguments)]
    fn fill<R: rand_xoshiro::rand_core::Rng + ?Sized>(
        &mut self,
        i: usize,
        row: &[f32],
        (t, level): (f64, Level),
        class: Option<(u32, u32, f32)>,
        rng: &mut R,
    ) {
        let (d, w, e) = (self.d, self.w, self.e);
        self.x0[i * d..(i + 1) * d].copy_from_slice(row);
        self.levels.push(level);
        let anti = self.antithetic && i % 2 == 1;
        for j in 0..d {
            let z = if anti {
                -self.eps[(i - 1) * d + j]
            } else {
                normal(rng) as f32
            };
            self.eps[i * d + j] = z;
            self.probes[i * d + j] = if self.gaussian_probes {
                normal(rng) as f32
            } else if coin(rng) {
                1.0
            } else {
                -1.0
            };
            self.input[i * w + j] =
                (level.m.alpha as f32) * self.x0[i * d + j] + (level.m.sigma as f32) * z;
        }
        let t_in = t as f32 * self.time_scale;
        sinusoidal_embedding(t_in, MAX_PERIOD, &mut self.input[i * w + d..i * w + d + e]);
        if let Some((label, classes, dropout)) = class {
            let onehot = &mut self.input[i * w + d + e..(i + 1) * w];
            let dropped = uniform(rng) < f64::from(dropout);
            let class = if dropped { classes } else { label };
            onehot.iter_mut().for_each(|v| *v = 0.0);
            onehot[class as usize] = 1.0;
        }
    }

    fn batch(&self) -> Batch<'_, f32> {
        Batch {
            input: &self.input,
            x0: &self.x0,
            eps: &self.eps,
            probes: &self.probes,
            levels: &self.levels,
        }
    }
}

/// The validation examples: the first [`VALIDATION_EXAMPLES`] rows of
/// `data` at stratified times `(i + ½)/n`, with noise and probes from one
/// fixed stream, so every evaluation sees the same batch.
fn validation_examples(
    c: &TrainConfig,
    spec: &ScheduleSpec<'_>,
    times: &TimeSampler,
    data: &Labelled,
    w: usize,
) -> Examples {
    let n = data.data.len().min(VALIDATION_EXAMPLES);
    let mut examples = Examples::new(c, spec, data.data.dim, w, n);
    let mut rng = stream(c.seed, VALIDATION_STREAM);
    for i in 0..n {
        let class = (c.classes > 0).then(|| (data.labels[i], c.classes, 0.0));
        let at = times.at(0, 1, (i as f64 + 0.5) / n as f64);
        examples.fill(i, data.data.row(i), at, class, &mut rng);
    }
    examples
}

/// Trains from `state` (fresh or resumed) to `config.steps`, checkpointing
/// into `run_dir`; `progress(step, loss, validation)` is called after every
/// step with the last validation loss measured. The validation loss of the
/// EMA weights is measured [`VALIDATIONS`] times in a run and at its end
/// (on the validation rows, the same noise and times each time), and the
/// EMA weights of the lowest kept in [`RunState::best`].
pub fn train(
    state: &mut RunState,
    data: &RunData,
    run_dir: &Path,
    mut progress: impl FnMut(u64, f32, Option<f32>),
) -> Result<(), TrainError> {
    let c = state.config.clone();
    let Checked {
        spec,
        pred,
        obj,
        times: sampling,
    } = c.validate()?;
    let (labels, validation, data) = (&data.train.labels, &data.validation, &data.train.data);
    if labels.len() != if c.classes > 0 { data.len() } else { 0 } {
        return Err(TrainError::Config(
            "the labels do not match the run's classes".into(),
        ));
    }
    let mlp = network(&c, data.dim);
    let (d, w, n) = (data.dim, mlp.input_width(), c.batch);
    let times = TimeSampler::new(spec.0, c.t_min);
    let schedule = LrSchedule::new(c.lr, c.warmup, c.steps, c.lr * 0.05)?;
    // One EMA update per step, so the update count is the step count since
    // the EMA started: at step 0, or afresh at the end of the ε warm-up.
    let ema_start = if state.step >= c.eps_warmup {
        c.eps_warmup
    } else {
        0
    };
    let mut ema = Ema::restore(
        state.ema.clone(),
        state.params.len(),
        c.ema_decay,
        true,
        state.step - ema_start,
    )?;
    let mut grads = vec![0.0f32; state.params.len()];
    let mut examples = Examples::new(&c, &spec, d, w, n);
    let mut buckets = vec![0usize; n];
    let mut workspace = Workspace::default();
    let mut quantized = Vec::new();
    let mut window = (0.0f64, 0u32);
    let log_every = (c.steps / 200).max(10);
    let held_out = validation
        .as_ref()
        .filter(|v| !v.data.is_empty())
        .map(|v| validation_examples(&c, &spec, &times, v, w));
    let validate_every = (c.steps / VALIDATIONS).max(1);
    let mut validation_work = (vec![0.0f32; state.params.len()], Workspace::default());

    while state.step < c.steps {
        let step = state.step;
        if step == c.eps_warmup && step > 0 {
            ema = Ema::restore(
                state.params.clone(),
                state.params.len(),
                c.ema_decay,
                true,
                0,
            )?;
        }
        let target = if step < c.eps_warmup {
            Prediction::Epsilon
        } else {
            pred
        };
        let mut rng = stream(c.seed, step);
        examples.levels.clear();
        let offset = uniform(&mut rng);
        for (i, bucket) in buckets.iter_mut().enumerate() {
            let src = below(&mut rng, data.len());
            let u = if sampling == TimeSampling::Uniform {
                uniform(&mut rng)
            } else {
                ((i as f64 + offset) / n as f64).fract()
            };
            let at = match &state.importance {
                Some(history) => {
                    let (b, v, weight) = history.draw(u);
                    *bucket = b;
                    let (t, level) = times.at(b, history.buckets(), v);
                    (t, Level { weight, ..level })
                }
                None => times.at(0, 1, u),
            };
            let class = (c.classes > 0).then(|| (labels[src], c.classes, c.label_dropout));
            examples.fill(i, data.row(src), at, class, &mut rng);
        }
        grads.iter_mut().for_each(|g| *g = 0.0);
        let params = if c.fake_quant {
            fake_quantize(&mlp, &state.params, &mut quantized);
            &quantized
        } else {
            &state.params
        };
        let batch = examples.batch();
        let loss = loss_and_grad(
            &mlp,
            target,
            obj,
            params,
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
            return Err(TrainError::NonFinite { step, loss });
        }
        state
            .adam
            .step(&mut state.params, &grads, schedule.lr(step));
        ema.update(&state.params);
        if let Some(history) = &mut state.importance {
            history.record(&buckets, workspace.example_losses());
        }
        state.step += 1;
        window = (window.0 + loss, window.1 + 1);
        if state.step.is_multiple_of(log_every) || state.step == c.steps {
            state
                .losses
                .push((state.step, (window.0 / f64::from(window.1)) as f32));
            window = (0.0, 0);
        }
        if let Some(held_out) = &held_out
            && (state.step.is_multiple_of(validate_every) || state.step == c.steps)
        {
            let (scratch, work) = &mut validation_work;
            scratch.iter_mut().for_each(|g| *g = 0.0);
            let batch = held_out.batch();
            let loss = loss_and_grad(&mlp, pred, obj, ema.params(), &batch, scratch, work) as f32;
            state.validation.push((state.step, loss));
            let warmed_up = state.step > c.eps_warmup;
            if warmed_up && state.best.as_ref().is_none_or(|b| loss < b.loss) {
                state.best = Some(Best {
                    step: state.step,
                    loss,
                    ema: ema.params().to_vec(),
                });
            }
        }
        progress(
            state.step,
            loss as f32,
            state.validation.last().map(|v| v.1),
        );
        if state.step.is_multiple_of(c.checkpoint_every) || state.step == c.steps {
            state.ema = ema.params().to_vec();
            save(state, run_dir)?;
        }
    }
    Ok(())
}

/// Checkpoint tensors of the training data's range (runs saved before it
/// was recorded have none).
const RANGE_LOW: &str = "normalization.low";
/// See [`RANGE_LOW`].
const RANGE_HIGH: &str = "normalization.high";
/// Checkpoint tensor of the EMA weights with the lowest validation loss.
const BEST_EMA: &str = "best_ema";
/// Checkpoint tensor of the importance-sampling loss history.
const IMPORTANCE_HISTORY: &str = "t_sampling.history";
/// Checkpoint tensor of the losses held per bucket.
const IMPORTANCE_COUNTS: &str = "t_sampling.counts";

/// Writes the run's checkpoint (weights, EMA, optimiser state, config).
pub fn save(state: &RunState, run_dir: &Path) -> Result<(), TrainError> {
    checkpoint::save(run_dir, &checkpoint_of(state))?;
    Ok(())
}

/// What [`save`] writes: a checkpoint holding the run's state.
pub fn checkpoint_of(state: &RunState) -> Checkpoint {
    let flat = |name: &str, data: &[f32]| Tensor {
        name: name.into(),
        shape: vec![data.len()],
        data: data.to_vec(),
    };
    let adam = state.adam.state();
    let config = serde_json::json!({
        "config": state.config,
        "losses": state.losses,
        "validation": state.validation,
        "best": state.best.as_ref().map(|b| serde_json::json!({"step": b.step, "loss": b.loss})),
    });
    // Everything that must match the weights exactly travels with them.
    let counters = [state.step as f32, adam.step as f32];
    let mut tensors = vec![
        flat("params", &state.params),
        flat("ema", &state.ema),
        flat("adam.m", &adam.m),
        flat("adam.v", &adam.v),
        flat("normalization.mean", &state.normalization.mean),
        flat("normalization.scale", &state.normalization.scale),
        flat("steps", &counters),
    ];
    if let Some(range) = &state.normalization.range {
        tensors.push(flat(RANGE_LOW, &range.low));
        tensors.push(flat(RANGE_HIGH, &range.high));
    }
    if let Some(best) = &state.best {
        tensors.push(flat(BEST_EMA, &best.ema));
    }
    if let Some(history) = &state.importance {
        tensors.push(Tensor {
            name: IMPORTANCE_HISTORY.into(),
            shape: vec![history.buckets(), HISTORY],
            data: history.history().to_vec(),
        });
        tensors.push(flat(IMPORTANCE_COUNTS, &history.counts()));
    }
    Checkpoint { config, tensors }
}

/// A fresh optimiser for a configuration: AdamW with weight decay on
/// weights only.
pub fn optimizer(c: &TrainConfig, mlp: &Mlp) -> Result<AdamW, TrainError> {
    let config = AdamWConfig {
        weight_decay: c.weight_decay,
        ..AdamWConfig::default()
    };
    Ok(AdamW::new(config, mlp.param_count())?.with_decay_multipliers(mlp.decay_mask())?)
}

/// Reads a run's last checkpoint.
pub fn load(run_dir: &Path) -> Result<RunState, TrainError> {
    let ckpt = checkpoint::load(run_dir)?;
    let bad = |reason: &str| TrainError::RunFile {
        path: run_dir.display().to_string(),
        reason: reason.into(),
    };
    let config: TrainConfig = serde_json::from_value(ckpt.config["config"].clone())
        .map_err(|e| bad(&format!("config.json has no valid `config`: {e}")))?;
    let losses: Vec<(u64, f32)> = serde_json::from_value(ckpt.config["losses"].clone())
        .map_err(|e| bad(&format!("config.json has no valid `losses`: {e}")))?;
    // Runs saved before the validation split have neither.
    let validation: Vec<(u64, f32)> = match ckpt.config.get("validation") {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| bad(&format!("config.json has no valid `validation`: {e}")))?,
        None => Vec::new(),
    };
    let best_at: Option<(u64, f32)> = match ckpt.config.get("best") {
        Some(serde_json::Value::Null) | None => None,
        Some(b) => Some(
            serde_json::from_value::<BestAt>(b.clone())
                .map(|b| (b.step, b.loss))
                .map_err(|e| bad(&format!("config.json has no valid `best`: {e}")))?,
        ),
    };
    let tensor = |name: &str| {
        ckpt.tensor(name)
            .map(|t| t.data.clone())
            .ok_or_else(|| bad(&format!("weights.safetensors has no tensor `{name}`")))
    };
    let mean = tensor("normalization.mean")?;
    let scale = tensor("normalization.scale")?;
    let range = match (ckpt.tensor(RANGE_LOW), ckpt.tensor(RANGE_HIGH)) {
        (Some(low), Some(high))
            if low.data.len() == mean.len() && high.data.len() == mean.len() =>
        {
            Some(ValueRange {
                low: low.data.clone(),
                high: high.data.clone(),
            })
        }
        (None, None) => None,
        _ => return Err(bad("the data range tensors do not match the normalisation")),
    };
    let counters = tensor("steps")?;
    let [step, adam_step] = counters[..] else {
        return Err(bad("tensor `steps` must hold 2 values"));
    };
    let mlp = network(&config, mean.len());
    let params = tensor("params")?;
    if params.len() != mlp.param_count() || scale.len() != mean.len() {
        return Err(bad("weights do not match the configured network"));
    }
    let checked = config.validate()?;
    let importance = match checked.times {
        TimeSampling::Importance => {
            let shares = TimeSampler::new(checked.spec.0, config.t_min).shares();
            let counts = tensor(IMPORTANCE_COUNTS)?;
            Some(
                LossSecondMoment::restore(shares, tensor(IMPORTANCE_HISTORY)?, &counts)
                    .map_err(|e| bad(&e))?,
            )
        }
        _ => None,
    };
    let best = match best_at {
        Some((step, loss)) => {
            let ema = tensor(BEST_EMA)?;
            if ema.len() != mlp.param_count() {
                return Err(bad(
                    "tensor `best_ema` does not match the configured network",
                ));
            }
            Some(Best { step, loss, ema })
        }
        None => None,
    };
    let mut adam = optimizer(&config, &mlp)?;
    adam.set_state(AdamState {
        m: tensor("adam.m")?,
        v: tensor("adam.v")?,
        step: adam_step as u64,
    })?;
    Ok(RunState {
        ema: tensor("ema")?,
        params,
        adam,
        normalization: Normalization { mean, scale, range },
        step: step as u64,
        losses,
        importance,
        validation,
        best,
        config,
    })
}

/// The `best` entry of config.json.
#[derive(Deserialize)]
struct BestAt {
    step: u64,
    loss: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_eps_warmup_is_a_tenth_within_its_bounds() {
        let warmup = |prediction: &str, objective: &str, steps| {
            TrainConfig {
                prediction: prediction.into(),
                objective: objective.into(),
                steps,
                warmup: 200,
                ..TrainConfig::default()
            }
            .default_eps_warmup()
        };
        // A tenth of 4000 and of 20 000; twice the learning-rate warm-up
        // of 200 for 1000 steps; half of 600; none for ε, x̂₀ or ISM.
        assert_eq!(warmup("v", "dsm", 4000), 400);
        assert_eq!(warmup("v", "dsm", 20_000), 2000);
        assert_eq!(warmup("v", "dsm", 1000), 400);
        assert_eq!(warmup("v", "dsm", 600), 300);
        assert_eq!(warmup("eps", "dsm", 4000), 0);
        assert_eq!(warmup("x0", "dsm", 4000), 0);
        assert_eq!(warmup("v", "ism", 4000), 0);
        assert_eq!(warmup("v", "fdsm", 4000), 0);
    }

    #[test]
    fn the_default_config_validates_with_its_own_warmup() {
        // `train`'s flags default to this config: it must be a valid run.
        let c = TrainConfig::default();
        assert_eq!(c.eps_warmup, c.default_eps_warmup());
        assert!(c.eps_warmup > 0, "the default predicts v and warms up");
        c.validate().unwrap();
    }

    fn numbered(n: usize) -> Labelled {
        let rows = (0..n).map(|i| i as f32).collect();
        Labelled {
            labels: (0..n).map(|i| (i % 3) as u32).collect(),
            classes: 3,
            ..Labelled::unlabelled(Dataset::new(1, rows), vec!["x".into()])
        }
    }

    #[test]
    fn hold_out_splits_every_row_once_and_repeats_by_seed() {
        let (train, held) = hold_out(numbered(100), 0.1, 7);
        let held = held.unwrap();
        assert_eq!((train.data.len(), held.data.len()), (90, 10));
        let mut all: Vec<f32> = train
            .data
            .rows
            .iter()
            .chain(&held.data.rows)
            .copied()
            .collect();
        all.sort_by(f32::total_cmp);
        assert_eq!(all, (0..100).map(|i| i as f32).collect::<Vec<_>>());
        // Labels travel with their rows; training rows keep their order.
        for (v, l) in held.data.rows.iter().zip(&held.labels) {
            assert_eq!(*v as u32 % 3, *l);
        }
        assert!(train.data.rows.windows(2).all(|w| w[0] < w[1]));
        let (_, again) = hold_out(numbered(100), 0.1, 7);
        assert_eq!(again.unwrap().data.rows, held.data.rows);
        let (_, other) = hold_out(numbered(100), 0.1, 8);
        assert_ne!(other.unwrap().data.rows, held.data.rows);
    }

    #[test]
    fn hold_out_keeps_everything_when_a_part_would_be_empty() {
        for (n, val) in [(1, 0.5), (4, 0.1), (10, 0.0)] {
            let (train, held) = hold_out(numbered(n), val, 0);
            assert_eq!(train.data.len(), n);
            assert!(held.is_none());
        }
    }
}
