//! The `tinyscore` command line: argument definitions and dispatch. Each
//! command lives in its own file; all of them report failures as a
//! [`CliError`], printed as one line, with exit status 1 (2 for usage
//! errors, which clap reports).

mod classes;
mod demo;
mod denoise;
mod distill;
mod eval;
mod export;
mod impute;
mod input;
mod inspect;
mod levels;
pub mod options;
mod parity;
mod plan;
mod plot;
mod qemu;
mod sample;
mod score;
mod train;
mod window;

use crate::train::TrainConfig;
use crate::{note, outln};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use options::{DetectorArgs, NoiseLevel, PlanChoice, PlanOverrideArgs};
use std::path::{Path, PathBuf};

/// Train tiny score-based diffusion models and run them through the
/// tinyscore runtime.
#[derive(Debug, Parser)]
#[command(name = "tinyscore", version, about, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `--data`'s help: every data source.
const DATA_HELP: &str = "Training data: moons[:NOISE] (noise 0.1 by default) | swissroll | 8gaussians | checkerboard | rings | \
    pinwheel | sine-windows[:len=L,amp=A..B,freq=F..G,noise=N] | gmm:K,R,STD | \
    gmm:[W@]M1,..,Md/STD;... | PATH.csv | PATH.npy";

/// `--schedule`'s help: every schedule.
const SCHEDULE_HELP: &str = "Noise schedule: linear | scaled-linear | cosine | sigmoid (each with \
    optional :T training steps, default 1000, and +ztsnr) | vp[:β_min,β_max] | \
    subvp[:β_min,β_max] | ve[:σ_min,σ_max] | ou[:β,σ,T] | edm[:σ_min,σ_max,ρ] (Karras et al.'s \
    noise levels; train it with --prediction v)";

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cut a multichannel stream (CSV with a time column) into labelled
    /// windows, one per row, ready for `train`.
    Window(WindowArgs),
    /// Train a model and checkpoint it into a run directory.
    Train(TrainArgs),
    /// Distil a run into a few-step DDIM student (progressive
    /// distillation): a run directory that `export` writes with its steps.
    #[command(long_about = DISTILL_ABOUT)]
    Distill(DistillArgs),
    /// Export a run's EMA weights and a sampling plan to a .tsm model file.
    Export(ExportArgs),
    /// Draw samples from a model file through the runtime.
    Sample(SampleArgs),
    /// Compare samples with reference data (JSON report).
    #[command(long_about = eval::LONG_ABOUT)]
    Eval(EvalArgs),
    /// Plot samples (scatter, waveforms, histograms or images), a
    /// trajectory file, or a run's loss curve.
    Plot(PlotArgs),
    /// Describe a model file.
    Inspect(InspectArgs),
    /// Print a compiled sampling plan.
    Plan(PlanArgs),
    /// Run a reference model and other backends' versions of it side by
    /// side through the runtime on the same seeds.
    Parity(ParityArgs),
    /// Fill in the missing cells (empty in CSV, NaN in NPY) of data rows.
    Impute(ImputeArgs),
    /// Denoise the rows of a CSV/NPY file with the model.
    Denoise(DenoiseArgs),
    /// Anomaly scores of the rows of a CSV/NPY file.
    Score(ScoreArgs),
    /// Train, export, sample, evaluate and plot on built-in data.
    Demo(DemoArgs),
    /// Build the Cortex-M4F firmware with a model, run it in QEMU and check
    /// every line it prints against the runtime on the host.
    Qemu(QemuArgs),
}

/// `tinyscore window`.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// The stream: a CSV file with a header, one row per time step.
    pub stream: PathBuf,
    /// Output: windows.csv or windows.npy (NPY holds numeric labels only).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Time steps per window.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub length: u32,
    /// Time steps from one window's start to the next [default: the length].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub stride: Option<u32>,
    /// The channels, comma-separated header names [default: every column
    /// but the time and label columns].
    #[arg(long, value_delimiter = ',')]
    pub channels: Option<Vec<String>>,
    /// The time column [default: a column named t, time or timestamp, if
    /// any; without one, rows are taken as evenly spaced].
    #[arg(long)]
    pub time: Option<String>,
    /// The label column: a window gets the label its rows share; a window
    /// across a label change is left out.
    #[arg(long)]
    pub label: Option<String>,
    /// A time step longer than this many sampling periods (the median step)
    /// is a gap, and no window crosses it.
    #[arg(long, default_value_t = 1.5, value_parser = max_gap)]
    pub max_gap: f64,
    /// Per-channel normalisation: none, or each channel shifted and scaled
    /// to mean 0 and standard deviation 1 over the stream (the values used
    /// are printed).
    #[arg(long, default_value = "none", value_parser = PossibleValuesParser::new(["none", "channel"]))]
    pub normalize: String,
}

/// `--max-gap`: (1, 1e6].
fn max_gap(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 1.0 && v <= 1e6 {
        Ok(v)
    } else {
        Err("must be a finite number in (1, 1000000]".into())
    }
}

/// `tinyscore train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data (the help lists the sources).
    #[arg(long, help = DATA_HELP)]
    pub data: String,
    /// Run directory (checkpoints, config, loss curve).
    #[arg(long)]
    pub out: PathBuf,
    /// Objective: denoising (dsm), implicit (ism) or finite-difference
    /// implicit (fdsm) score matching.
    #[arg(long, default_value_t = TrainConfig::default().objective, value_parser = PossibleValuesParser::new(["dsm", "ism", "fdsm"]))]
    pub objective: String,
    /// DSM weighting: simple | score | likelihood | truncated-snr | min-snr:γ (e.g.
    /// min-snr:5).
    #[arg(long, default_value_t = TrainConfig::default().weighting)]
    pub weighting: String,
    /// What the network predicts: the noise (eps), the clean data (x0) or
    /// the velocity (v).
    #[arg(long, default_value_t = TrainConfig::default().prediction, value_parser = PossibleValuesParser::new(["eps", "x0", "v"]))]
    pub prediction: String,
    /// Noise schedule (the help lists them).
    #[arg(long, default_value_t = TrainConfig::default().schedule, help = SCHEDULE_HELP)]
    pub schedule: String,
    /// Hidden width.
    #[arg(long, default_value_t = TrainConfig::default().width as u32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub width: u32,
    /// Hidden layers.
    #[arg(long, default_value_t = TrainConfig::default().depth as u32, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub depth: u32,
    /// Training steps.
    #[arg(long, default_value_t = TrainConfig::default().steps, value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub steps: u64,
    /// Batch size.
    #[arg(long, default_value_t = TrainConfig::default().batch as u32, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub batch: u32,
    /// Peak learning rate, in (0, 1].
    #[arg(long, default_value_t = TrainConfig::default().lr, value_parser = options::learning_rate)]
    pub lr: f32,
    /// Seed.
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    pub seed: u64,
    /// Hutchinson probes for ISM.
    #[arg(long, default_value_t = TrainConfig::default().probe, value_parser = PossibleValuesParser::new(["rademacher", "gaussian"]))]
    pub probe: String,
    /// Training times: uniform, stratified, or importance (loss-second-moment
    /// importance sampling, Nichol & Dhariwal 2021).
    #[arg(long, default_value_t = TrainConfig::default().t_sampling, value_parser = PossibleValuesParser::new(["uniform", "stratified", "importance"]))]
    pub t_sampling: String,
    /// Train a class-conditional model: the labels are column N (from 1)
    /// or column NAME of the data file (class numbers or class names), or
    /// `component` for the mixtures 8gaussians and gmm:SPEC.
    #[arg(long, value_name = "N|NAME|component")]
    pub labels: Option<String>,
    /// Class-conditional: probability that an example is shown without its
    /// class (trains the unconditional branch of guidance), in [0, 1).
    #[arg(long, default_value_t = TrainConfig::default().label_dropout, value_parser = options::dropout)]
    pub label_dropout: f32,
    /// Share of a data file's rows held out to measure a validation loss
    /// (a built-in set draws as many fresh points instead, at most 2048),
    /// in [0, 0.5]; 0: none. The loss of the EMA weights on the held-out
    /// rows, at fixed noise and times, is shown while training, drawn in
    /// loss.png and kept in config.json, and the EMA weights with the
    /// lowest one are kept beside the last (export uses them) [default:
    /// 0.1; a resumed run keeps its own]
    #[arg(long, value_parser = options::validation_share)]
    pub val: Option<f64>,
    /// Train the first STEPS steps on the ε target before the --prediction
    /// target takes over (and the EMA starts afresh): v-prediction on data
    /// of unit variance has no linear signal to start from, and on some data
    /// it does not train without it; 0: none [default: with --prediction v a
    /// tenth of --steps, at least 400 and at most half, else 0; a resumed
    /// run keeps its own]
    #[arg(long, value_name = "STEPS")]
    pub eps_warmup: Option<u64>,
    /// Continue the run in --out from its last checkpoint (only --steps may
    /// differ from the run's options).
    #[arg(long)]
    pub resume: bool,
}

/// `tinyscore distill`'s long help.
const DISTILL_ABOUT: &str = "Distil a run into a few-step DDIM student by progressive \
    distillation (Salimans & Ho 2022): in rounds, a student initialised from the current \
    teacher learns to take in ONE deterministic DDIM step what the teacher takes in TWO \
    (64 → 32 → 16 → 8 → 4), on the teacher's training data. The student is an ordinary run \
    directory: `tinyscore export STUDENT -o s.tsm` embeds its DDIM plan (trailing spacing) in \
    any backend. Running the same command again continues an interrupted distillation.\n\n\
    The student is trained for its own grid of times only: sample it with its plan. Tasks \
    that reuse the plan's rows run on its few noise levels: `impute` (RePaint's resampling \
    re-noises across the student's few, far-apart steps, so --resample repeats coarse \
    jumps), `denoise` (the level becomes the first of the student's times at or below it, \
    the last if none: t = 249 of 1000 for 4 steps) and `score` and stored detectors (the \
    default levels 0.02–0.2 all become that last row, and the student's x̂₀ is a distilled \
    DDIM target, not the posterior mean that Tweedie's formula assumes). Use the teacher's model for those.";

/// `tinyscore distill`.
#[derive(Debug, Args)]
pub struct DistillArgs {
    /// The teacher's run directory (discrete schedule).
    pub run: PathBuf,
    /// The student's run directory.
    #[arg(long)]
    pub out: PathBuf,
    /// DDIM steps of the student: the teacher's halved once or more.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=32_768))]
    pub steps: u32,
    /// DDIM steps of the teacher that the first round halves [default: the
    /// teacher's recorded DDIM steps (a student distilled further), else 64].
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=65_536))]
    pub teacher_steps: Option<u32>,
    /// Training steps per round (per halving).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub round_steps: u64,
    /// Batch size.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub batch: u32,
    /// Peak learning rate of every round, in (0, 1].
    #[arg(long, default_value_t = 5e-4, value_parser = options::learning_rate)]
    pub lr: f32,
    /// What the student predicts [default: what the teacher predicts, v
    /// for an ε-teacher: a student cannot predict ε].
    #[arg(long, value_parser = PossibleValuesParser::new(["v", "x0"]))]
    pub prediction: Option<String>,
    /// The student's loss: the plain error of its prediction (simple: for v,
    /// the x̂₀ error weighted by SNR + 1), or the x̂₀ error weighted by
    /// max(SNR, 1) (truncated-snr, Salimans & Ho's).
    #[arg(long, default_value = "simple", value_parser = PossibleValuesParser::new(["simple", "truncated-snr"]))]
    pub weighting: String,
    /// EMA decay of the student's weights, in [0, 1).
    #[arg(long, default_value_t = 0.995, value_parser = options::decay)]
    pub ema_decay: f32,
    /// Class-conditional teachers: the classifier-free guidance weight w of
    /// the teacher's steps, in [0, 100] [default: 1, as `sample --class`].
    /// The student holds it in its weights and samples a class with
    /// `--guidance 0`, one evaluation per step.
    #[arg(long, value_parser = options::guidance)]
    pub guidance: Option<f32>,
}

/// `tinyscore export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Run directory.
    pub run: PathBuf,
    /// Output model file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Numeric backend.
    #[arg(long, default_value = "f32", value_parser = PossibleValuesParser::new(options::BACKENDS))]
    pub backend: String,
    /// The embedded plan.
    #[command(flatten)]
    pub plan: PlanChoice,
    /// How every sampler row clips its clean-sample estimate x̂₀: `range`
    /// (to the training data's range, widened by 5 % of its width on each
    /// side), `range:MARGIN` (another margin, a fraction of the width),
    /// `dynamic` (Imagen's dynamic thresholding, then the range clip: x̂₀
    /// is shrunk towards the range's centre by the 0.995 percentile of its
    /// coordinates' distance to it, in units of the range's half-width,
    /// when that exceeds 1), `dynamic:P` (another percentile, in (0, 1]),
    /// `dynamic:P:MAX` (the shrink at most 1/MAX), `none`, or a number B
    /// (to ±B in normalised units).
    #[arg(
        long,
        default_value = "range",
        value_name = "range|range:MARGIN|dynamic[:P[:MAX]]|none|B"
    )]
    pub clip: crate::export::X0Clip,
    /// Which EMA weights: `best` (the lowest validation loss, the last for
    /// a run without validation) or `last`. With --qat the fine-tuned
    /// weights are exported.
    #[arg(long, default_value = "best", value_parser = PossibleValuesParser::new(["best", "last"]))]
    pub weights: String,
    /// fixed: trajectories sampled to calibrate activation ranges.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub calibration_samples: u32,
    /// fixed: percentile of the per-evaluation maxima used as the clip, in (0, 100].
    #[arg(long, default_value_t = 100.0, value_parser = options::percentile)]
    pub calibration_percentile: f64,
    /// fixed: factor applied to the calibrated clip (room for states the
    /// calibration did not see), in [1, 100].
    #[arg(long, default_value_t = 2.0, value_parser = options::headroom)]
    pub calibration_headroom: f64,
    /// fixed: steps of quantisation-aware fine-tuning before export (int8
    /// weights simulated, straight-through gradients; the run is not changed).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=16_777_216))]
    pub qat: u64,
    /// Store an anomaly detector calibrated on this normal data (built-in
    /// name or .csv/.npy; 2000 rows of a built-in set). The model's columns
    /// are taken from the file by name; other columns are left out.
    #[arg(long, value_name = "DATA")]
    pub anomaly_normal: Option<String>,
    /// The label column of --anomaly-normal, left out (by name or number
    /// from 1; needed for a file without a header only).
    #[arg(long, requires = "anomaly_normal")]
    pub labels: Option<String>,
    /// The detector.
    #[command(flatten)]
    pub detector: DetectorArgs,
    /// fixed: how the file carries the time: `auto` (the smaller file: time
    /// folded for a plan of a few rows, embedded beyond), `folded` (a
    /// first-layer bias row per plan row, nothing to compute on the device)
    /// or `embedded` (each row's time, embedded on the device in integers;
    /// the file does not grow with the plan). `inspect` says which a file has.
    #[arg(long, default_value = "auto", value_parser = ["auto", "folded", "embedded"])]
    pub time: String,
    /// Write format 1.2, for runtimes older than 1.3 (which reject 1.3's
    /// tiled fixed-point weights and 1.7's plan rows): the weights
    /// row-major, the time folded, slower on the Cortex-M4 and the same
    /// samples.
    #[arg(long, conflicts_with = "time")]
    pub row_major: bool,
}

/// `tinyscore parity`.
#[derive(Debug, Args)]
pub struct ParityArgs {
    /// The reference model file (usually f32).
    pub reference: PathBuf,
    /// Other model files of the same network and plan (f16, fixed).
    #[arg(required = true)]
    pub others: Vec<PathBuf>,
    /// Number of samples per model.
    #[arg(short = 'n', default_value_t = options::SAMPLES, value_parser = clap::value_parser!(u32).range(1..=10_000_000).map(|v| v as usize))]
    pub n: usize,
    /// Seed: sample i uses stream (seed, i) with every model.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Reference data for sample quality: a built-in dataset name, gmm:SPEC,
    /// or a .csv / .npy file.
    #[arg(long)]
    pub against: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the table (or JSON) to this file instead of stdout.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

/// `tinyscore sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Model file.
    pub model: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', default_value_t = options::SAMPLES, value_parser = clap::value_parser!(u32).range(1..=10_000_000).map(|v| v as usize))]
    pub n: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output: .csv or .npy (and OUT with .json: how the samples were made,
    /// which `plot` puts in its titles).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Another plan than the embedded one.
    #[command(flatten)]
    pub plan: PlanOverrideArgs,
    /// Also write every intermediate state to OUT's stem + `.trajectory.csv`.
    #[arg(long)]
    pub trajectory: bool,
    /// Class-conditional models: the class to generate, by name or number
    /// (unconditional samples without it).
    #[arg(long, value_name = "NAME|N")]
    pub class: Option<String>,
    /// Classifier-free guidance weight w with --class, in [0, 100]: the
    /// prediction is (1 + w)·ε̂(x, c) − w·ε̂(x, ∅) [default: 1; 0 for a
    /// student distilled from a guided teacher, which holds its guidance].
    #[arg(long, requires = "class", value_parser = options::guidance)]
    pub guidance: Option<f32>,
}

/// `tinyscore qemu`.
#[derive(Debug, Args)]
pub struct QemuArgs {
    /// Model file.
    pub model: PathBuf,
    /// Seed: item i of every task draws from stream (seed, i), as sample i
    /// of `tinyscore sample --seed` does.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Items per task (samples, guided samples, imputations, denoisings,
    /// verdicts).
    #[arg(short = 'n', default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub n: u32,
    /// The firmware tree [default: ./firmware if there is one, else the
    /// one of the checkout tinyscore was built from].
    #[arg(long)]
    pub firmware: Option<PathBuf>,
    /// Also write what the firmware printed to this file.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Seconds QEMU may run.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub timeout: u32,
}

/// `tinyscore eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Samples (.csv or .npy).
    pub samples: PathBuf,
    /// Reference: a built-in dataset name, gmm:SPEC, or a .csv / .npy file
    /// (the samples' columns are taken from it by name; other columns are
    /// left out).
    #[arg(long)]
    pub against: String,
    /// The reference's label column (name or number from 1), left out of
    /// the features; with --class, only that class's rows are compared.
    #[arg(long)]
    pub labels: Option<String>,
    /// Compare with the reference rows of this class (needs --labels).
    #[arg(long, requires = "labels", value_name = "NAME")]
    pub class: Option<String>,
    /// The model's training data (.csv / .npy, the samples' columns taken
    /// by name): reports under `closest_record` how close the samples are
    /// to its rows against how close the reference (held-out rows) is, so
    /// a model that copies its training rows shows.
    #[arg(long, value_name = "PATH")]
    pub training: Option<String>,
    /// For gmm: references, the model whose Fisher divergence to the exact
    /// score is reported.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Seed of fresh reference data and projections.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
    /// Write the JSON report to this file instead of stdout.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

/// `tinyscore plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Samples (.csv / .npy), a `sample --trajectory` file
    /// (`*.trajectory.csv`), or a run directory (loss curve).
    pub input: PathBuf,
    /// Output PNG.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// What to draw: scatter (2 dimensions), waveform (windows: each
    /// channel over time, samples over the reference), histogram (one
    /// panel per dimension), image (square images), or auto (scatter for 2
    /// dimensions, waveform for windows with `name_k` columns, else
    /// histograms).
    #[arg(long, default_value = "auto", value_parser = PossibleValuesParser::new(["auto", "scatter", "waveform", "histogram", "image"]))]
    pub kind: String,
    /// The dimensions to draw, by name or number from 0, comma-separated
    /// [default: the first 16 (histogram), the first two (scatter), every
    /// channel (waveform)].
    #[arg(long, value_delimiter = ',')]
    pub dims: Option<Vec<String>>,
    /// Reference data drawn underneath the samples (its columns taken by
    /// name; other columns left out).
    #[arg(long)]
    pub against: Option<String>,
    /// The reference's label column (name or number from 1).
    #[arg(long)]
    pub labels: Option<String>,
    /// Draw the reference rows of this class only (needs --labels).
    #[arg(long, requires = "labels", value_name = "NAME")]
    pub class: Option<String>,
    /// Trajectory plots: the samples drawn.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64).map(|v| v as usize))]
    pub paths: usize,
}

/// `tinyscore inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
}

/// `tinyscore plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Noise schedule (the help lists them).
    #[arg(long, help = SCHEDULE_HELP)]
    pub schedule: String,
    /// The plan.
    #[command(flatten)]
    pub plan: PlanChoice,
    /// Offset of leading spacing.
    #[arg(long, default_value_t = 0)]
    pub steps_offset: u32,
    /// What the network predicts.
    #[arg(long, default_value = "eps", value_parser = PossibleValuesParser::new(["eps", "x0", "v"]))]
    pub prediction: String,
    /// Smallest time of continuous grids, in (0, 1).
    #[arg(long, value_parser = t_min)]
    pub t_min: Option<f64>,
    /// Output format.
    #[arg(long, default_value = "json", value_parser = PossibleValuesParser::new(["json", "csv"]))]
    pub format: String,
    /// Write the plan to this file instead of stdout.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
}

/// `--t-min`: (0, 1).
fn t_min(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err("must be a finite number in (0, 1)".into())
    }
}

/// `tinyscore impute`.
#[derive(Debug, Args)]
pub struct ImputeArgs {
    /// Model file (its first embedded plan is used).
    pub model: PathBuf,
    /// Rows with missing values: CSV (empty cells) or NPY (NaN).
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (.csv or .npy).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// The input's label column (name or number from 1): left out, and
    /// written back unchanged.
    #[arg(long)]
    pub labels: Option<String>,
    /// Passes per plan row (RePaint's resampling; 1 = plain replacement).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub resample: u32,
    /// Seed: row i uses stream (seed, i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `tinyscore denoise`.
#[derive(Debug, Args)]
pub struct DenoiseArgs {
    /// Model file (its first embedded plan is used).
    pub model: PathBuf,
    /// Noisy rows (.csv or .npy).
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (.csv or .npy).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// The input's label column (name or number from 1): left out, and
    /// written back unchanged.
    #[arg(long)]
    pub labels: Option<String>,
    /// The noise in the rows: a share of the schedule's time in (0, 1]
    /// (as `score --levels`), or sigma=S for noise of standard deviation S
    /// in data units.
    #[arg(long, value_parser = options::noise_level)]
    pub level: NoiseLevel,
    /// sdedit (noise to the level, run the plan) or tweedie (one x̂₀ step).
    #[arg(long, default_value = "sdedit", value_parser = PossibleValuesParser::new(["sdedit", "tweedie"]))]
    pub method: String,
    /// Seed: row i uses stream (seed, i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `tinyscore score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model file (its first embedded plan is used).
    pub model: PathBuf,
    /// Rows to score (.csv or .npy).
    #[arg(long)]
    pub input: PathBuf,
    /// Output: .csv with a score (and a verdict) per row [default: stdout].
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// The input's label column (name or number from 1), left out and
    /// copied to the output.
    #[arg(long)]
    pub labels: Option<String>,
    /// Held-out normal rows: calibrate the threshold here (the percentile
    /// of their scores) instead of using the model's stored detector.
    #[arg(long, alias = "anomaly-normal")]
    pub normal: Option<PathBuf>,
    /// The detector's settings; with a stored detector they need --normal.
    #[command(flatten)]
    pub detector: DetectorArgs,
    /// Seed: row i uses stream (seed, i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `tinyscore demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Built-in dataset.
    #[arg(long, default_value = "moons", value_parser = PossibleValuesParser::new(["moons", "swissroll", "8gaussians", "checkerboard", "rings", "pinwheel"]))]
    pub data: String,
    /// Working directory for the run, model, samples and plot.
    #[arg(long, default_value = "tinyscore-demo")]
    pub out: PathBuf,
    /// Training steps (as `train --steps`).
    #[arg(long, default_value_t = TrainConfig::default().steps, value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub steps: u64,
}

/// A command's failure, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: files, values, combinations.
    #[error("{0}")]
    Input(String),
    /// Output to the terminal failed (`main` ends quietly when the reader
    /// has gone).
    #[error(transparent)]
    Console(#[from] crate::console::ConsoleError),
}

macro_rules! input_error {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::Input(e.to_string())
            }
        }
    )*};
}

input_error!(
    crate::spec::SpecError,
    crate::train::TrainError,
    crate::distill::DistillError,
    crate::export::ExportError,
    crate::host_sampling::SampleError,
    crate::data::DataError,
    crate::checkpoint::CheckpointError,
    crate::plot::PlotError,
    crate::eval::EvalError
);

/// Writes `bytes` to `path` atomically, naming it in the error.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    crate::atomic::write_atomic(path, bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
}

/// Writes the rows of `table` to `path` (.csv or .npy) under its column
/// names; a CSV gets the label column back, last.
pub(crate) fn write_rows(path: &Path, table: &crate::data::Table) -> Result<(), CliError> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    match &table.labels {
        Some((name, labels)) if csv => {
            let names = table.columns.clone();
            let mut text =
                String::from_utf8(crate::output::csv_bytes(&table.data.rows, &names, None))
                    .unwrap_or_default();
            text = text
                .lines()
                .zip(std::iter::once(name).chain(labels))
                .map(|(line, label)| format!("{line},{}\n", crate::output::csv_cell(label)))
                .collect();
            write(path, text.as_bytes())
        }
        _ => crate::output::write_named(path, &table.data.rows, &table.columns)
            .map_err(|e| CliError::Input(format!("{}: {e}", path.display()))),
    }
}

/// Writes `text` to `out`, or prints it on stdout without one; says what
/// it wrote.
pub(crate) fn emit(out: Option<&Path>, text: &str) -> Result<(), CliError> {
    match out {
        Some(path) => {
            write(path, text.as_bytes())?;
            note!("wrote {}", path.display())?;
        }
        None => outln!("{}", text.strip_suffix('\n').unwrap_or(text))?,
    }
    Ok(())
}

/// Parses a model file, naming it in the error; a directory is a run to
/// export first.
pub(crate) fn parse_model<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<tinyscore::format::Model<'a>, CliError> {
    tinyscore::format::Model::parse(bytes)
        .map_err(|e| CliError::Input(format!("{}: invalid model file: {e}", path.display())))
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    if path.join(crate::checkpoint::CONFIG_FILE).exists() {
        return Err(CliError::Input(format!(
            "{} is a run directory, not a model file: export it first \
             (tinyscore export {} -o model.tsm)",
            path.display(),
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(CliError::Input(format!(
            "{} is a directory, not a model file",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Train(a) => train::run(&a),
        Command::Distill(a) => distill::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Sample(a) => sample::run(&a),
        Command::Eval(a) => eval::run(&a),
        Command::Plot(a) => plot::run(&a),
        Command::Inspect(a) => inspect::run(&a.model),
        Command::Parity(a) => parity::run(&a),
        Command::Impute(a) => impute::run_impute(&a),
        Command::Denoise(a) => denoise::run_denoise(&a),
        Command::Score(a) => score::run_score(&a),
        Command::Plan(a) => plan::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Window(a) => window::run(&a),
        Command::Qemu(a) => qemu::run(&a),
    }
}
