//! The `tinyscore` command line: argument definitions and dispatch. Each
//! command lives in its own file; all of them report failures as a
//! [`CliError`], printed as one line, with exit status 1 (2 for usage
//! errors, which clap reports).

mod demo;
mod denoise;
mod eval;
mod export;
mod impute;
mod inspect;
mod parity;
mod plan;
mod plot;
mod sample;
mod score;
mod train;

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Train tiny score-based diffusion models and run them through the
/// tinyscore runtime.
#[derive(Debug, Parser)]
#[command(name = "tinyscore", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model and checkpoint it into a run directory.
    Train(TrainArgs),
    /// Export a run's EMA weights and a sampling plan to a .tsm model file.
    Export(ExportArgs),
    /// Draw samples from a model file through the runtime.
    Sample(SampleArgs),
    /// Compare samples with reference data (JSON report).
    Eval(EvalArgs),
    /// Plot samples or a run's loss curve.
    Plot(PlotArgs),
    /// Describe a model file.
    Inspect {
        /// The model file.
        model: PathBuf,
    },
    /// Print a compiled sampling plan.
    Plan(PlanArgs),
    /// Run a reference model and other backends' versions of it side by
    /// side through the runtime on the same seeds.
    Parity(ParityArgs),
    /// Fill in the empty cells of a CSV file with the model.
    Impute(ImputeArgs),
    /// Denoise the rows of a CSV/NPY file with the model.
    Denoise(DenoiseArgs),
    /// Anomaly scores of the rows of a CSV/NPY file.
    Score(ScoreArgs),
    /// Train, export, sample, evaluate and plot on built-in data.
    Demo(DemoArgs),
}

/// `tinyscore train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// moons | swissroll | 8gaussians | checkerboard | rings | pinwheel |
    /// sine-windows | gmm:SPEC | PATH.csv | PATH.npy
    #[arg(long)]
    pub data: String,
    /// Run directory (checkpoints, config, loss curve).
    #[arg(long)]
    pub out: PathBuf,
    /// dsm | ism | fdsm
    #[arg(long, default_value = "dsm")]
    pub objective: String,
    /// DSM weighting: simple | score | likelihood | min-snr:γ
    #[arg(long, default_value = "simple")]
    pub weighting: String,
    /// eps | x0 | v
    #[arg(long, default_value = "eps")]
    pub prediction: String,
    /// Noise schedule (linear, cosine, vp, ve, ou, … — see docs).
    #[arg(long, default_value = "linear")]
    pub schedule: String,
    /// Hidden width.
    #[arg(long, default_value_t = 128)]
    pub width: usize,
    /// Hidden layers.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Training steps.
    #[arg(long, default_value_t = 4000)]
    pub steps: u64,
    /// Batch size.
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f32,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hutchinson probes for ISM: rademacher | gaussian
    #[arg(long, default_value = "rademacher")]
    pub probe: String,
    /// Training times: uniform | stratified | importance (loss-second-moment
    /// importance sampling, Nichol & Dhariwal 2021)
    #[arg(long, default_value = "stratified")]
    pub t_sampling: String,
    /// Train a class-conditional model: the labels are column N (from 1)
    /// or column NAME of the data file, or `component` for the mixtures
    /// 8gaussians and gmm:SPEC.
    #[arg(long, value_name = "N|NAME|component")]
    pub labels: Option<String>,
    /// Class-conditional: probability that an example is shown without its
    /// class (trains the unconditional branch of guidance).
    #[arg(long, default_value_t = 0.1)]
    pub label_dropout: f32,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
}

/// `tinyscore export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Run directory.
    pub run: PathBuf,
    /// Output model file.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// f32 | f16 | fixed
    #[arg(long, default_value = "f32")]
    pub backend: String,
    /// Sampler of the embedded plan.
    #[arg(long, default_value = "ddpm")]
    pub sampler: String,
    /// Steps of the embedded plan.
    #[arg(long, default_value_t = 1000)]
    pub steps: u32,
    /// DDIM η.
    #[arg(long, default_value_t = 0.0)]
    pub eta: f64,
    /// leading | trailing | linspace
    #[arg(long, default_value = "trailing")]
    pub spacing: String,
    /// How every sampler row clips its clean-sample estimate x̂₀: `range`
    /// (to the training data's range, widened by 5 % of its width on each
    /// side), `range:MARGIN` (another margin, a fraction of the width),
    /// `none`, or a number B (to ±B in normalised units).
    #[arg(
        long,
        default_value = "range",
        value_name = "range|range:MARGIN|none|B"
    )]
    pub clip: crate::export::X0Clip,
    /// fixed: trajectories sampled to calibrate activation ranges.
    #[arg(long, default_value_t = 256)]
    pub calibration_samples: usize,
    /// fixed: percentile of the per-evaluation maxima used as the clip (0–100].
    #[arg(long, default_value_t = 100.0)]
    pub calibration_percentile: f64,
    /// fixed: factor applied to the calibrated clip (room for states the
    /// calibration did not see).
    #[arg(long, default_value_t = 2.0)]
    pub calibration_headroom: f64,
    /// fixed: steps of quantisation-aware fine-tuning before export (int8
    /// weights simulated, straight-through gradients; the run is not changed).
    #[arg(long, default_value_t = 0)]
    pub qat: u64,
    /// Store an anomaly detector calibrated on this normal data (built-in
    /// name or .csv/.npy; 2000 rows of a built-in set).
    #[arg(long)]
    pub anomaly_normal: Option<String>,
    /// Percentile of the normal scores used as the detector's threshold.
    #[arg(long, default_value_t = 99.0)]
    pub anomaly_percentile: f64,
    /// The detector's noise levels, as fractions of the schedule's largest time.
    #[arg(long, value_delimiter = ',', default_value = "0.02,0.05,0.1,0.2")]
    pub anomaly_levels: Vec<f64>,
    /// The detector's noise draws per level.
    #[arg(long, default_value_t = 4)]
    pub anomaly_repeats: u32,
    /// Write format 1.2, for runtimes older than 1.3 (which reject 1.3's
    /// tiled fixed-point weights): the weights row-major, slower on the
    /// Cortex-M4 and the same samples.
    #[arg(long)]
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
    #[arg(short = 'n', default_value_t = 2000)]
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
}

/// `tinyscore sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Model file.
    pub model: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', default_value_t = 1000)]
    pub n: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output: .csv or .npy
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Use this sampler instead of the embedded plan.
    #[arg(long)]
    pub sampler: Option<String>,
    /// Steps for --sampler.
    #[arg(long, default_value_t = 50)]
    pub steps: u32,
    /// DDIM η for --sampler ddim.
    #[arg(long, default_value_t = 0.0)]
    pub eta: f64,
    /// Spacing for --sampler.
    #[arg(long, default_value = "trailing")]
    pub spacing: String,
    /// Also write every intermediate state to OUT's stem + `.trajectory.csv`.
    #[arg(long)]
    pub trajectory: bool,
    /// Class-conditional models: the class to generate (unconditional
    /// samples without it).
    #[arg(long)]
    pub class: Option<u32>,
    /// Classifier-free guidance weight w with --class: the prediction is
    /// (1 + w)·ε̂(x, c) − w·ε̂(x, ∅).
    #[arg(long, default_value_t = 1.0, requires = "class")]
    pub guidance: f32,
}

/// `tinyscore eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Samples (.csv or .npy).
    pub samples: PathBuf,
    /// Reference: a built-in dataset name, gmm:SPEC, or a .csv / .npy file.
    #[arg(long)]
    pub against: String,
    /// For gmm: references, the model whose Fisher divergence to the exact
    /// score is reported.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Seed of fresh reference data and projections.
    #[arg(long, default_value_t = 12345)]
    pub seed: u64,
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
    /// Reference data drawn underneath 2-D samples.
    #[arg(long)]
    pub against: Option<String>,
}

/// `tinyscore plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Noise schedule.
    #[arg(long)]
    pub schedule: String,
    /// Sampler.
    #[arg(long)]
    pub sampler: String,
    /// Steps.
    #[arg(long)]
    pub steps: u32,
    /// DDIM η.
    #[arg(long, default_value_t = 0.0)]
    pub eta: f64,
    /// leading | trailing | linspace
    #[arg(long, default_value = "leading")]
    pub spacing: String,
    /// Offset of leading spacing.
    #[arg(long, default_value_t = 0)]
    pub steps_offset: u32,
    /// eps | x0 | v
    #[arg(long, default_value = "eps")]
    pub prediction: String,
    /// Smallest time of continuous grids.
    #[arg(long)]
    pub t_min: Option<f64>,
    /// json | csv
    #[arg(long, default_value = "json")]
    pub format: String,
}

/// `tinyscore impute`.
#[derive(Debug, Args)]
pub struct ImputeArgs {
    /// Model file (its first embedded plan is used).
    pub model: PathBuf,
    /// CSV file whose empty cells are the missing values.
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (.csv or .npy).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Passes per plan row (RePaint's resampling; 1 = plain replacement).
    #[arg(long, default_value_t = 10)]
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
    /// Noise level as a schedule time: the first plan row at or below it is
    /// used.
    #[arg(long)]
    pub level: f64,
    /// sdedit (noise to the level, run the plan) | tweedie (one x̂₀ step).
    #[arg(long, default_value = "sdedit")]
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
    /// Held-out normal rows: the threshold is their `--percentile` score.
    #[arg(long)]
    pub normal: Option<PathBuf>,
    /// Percentile of the normal scores used as the threshold.
    #[arg(long, default_value_t = 99.0)]
    pub percentile: f64,
    /// Noise levels, as fractions of the schedule's largest time.
    #[arg(long, value_delimiter = ',', default_value = "0.02,0.05,0.1,0.2")]
    pub levels: Vec<f64>,
    /// Noise draws per level.
    #[arg(long, default_value_t = 4)]
    pub repeats: u32,
    /// Seed: row i uses stream (seed, i).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `tinyscore demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Built-in dataset.
    #[arg(long, default_value = "moons")]
    pub data: String,
    /// Working directory for the run, model, samples and plot.
    #[arg(long, default_value = "tinyscore-demo")]
    pub out: PathBuf,
    /// Training steps.
    #[arg(long, default_value_t = 5000)]
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
    crate::export::ExportError,
    crate::host_sampling::SampleError,
    crate::data::DataError,
    crate::checkpoint::CheckpointError,
    crate::plot::PlotError
);

/// Reads a whole file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::Input(format!("{}: {e}", path.display())))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Train(a) => train::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Sample(a) => sample::run(&a),
        Command::Eval(a) => eval::run(&a),
        Command::Plot(a) => plot::run(&a),
        Command::Inspect { model } => inspect::run(&model),
        Command::Parity(a) => parity::run(&a),
        Command::Impute(a) => impute::run_impute(&a),
        Command::Denoise(a) => denoise::run_denoise(&a),
        Command::Score(a) => score::run_score(&a),
        Command::Plan(a) => plan::run(&a),
        Command::Demo(a) => demo::run(&a),
    }
}
