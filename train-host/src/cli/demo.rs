//! `tinyscore demo`: the whole path on built-in data — train, export,
//! sample through the runtime, evaluate against fresh data, plot.

use super::train::{fit, plot_losses};
use super::{CliError, DemoArgs};
use crate::atomic::write_atomic;
use crate::data::DataSource;
use crate::export::{Backend, ExportOptions, export};
use crate::host_sampling::{PlanOverride, sample};
use crate::progress::Progress;
use crate::train::{RunState, TrainConfig};
use crate::{note, outln};
use tinyscore::plan::{DdpmVariance, SamplerKind};
use tinyscore::schedule::Spacing;

/// Samples drawn and compared.
const N: usize = 2000;

/// Runs the command.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let run_dir = args.out.join("run");
    if run_dir.exists() {
        return Err(CliError::Input(format!(
            "{} exists: remove it or choose another --out",
            run_dir.display()
        )));
    }
    let mut config = TrainConfig {
        data: args.data.clone(),
        steps: args.steps,
        ..TrainConfig::default()
    };
    config.eps_warmup = config.default_eps_warmup();
    let (data, normalization) = super::train::load(&config)?;
    let mut state = RunState::new(config, normalization, &data.train)?;
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| CliError::Input(format!("{}: {e}", run_dir.display())))?;
    fit(&mut state, &data, &run_dir)?;
    plot_losses(&state, &run_dir)?;
    // As `export` does by default: the EMA weights of the lowest
    // validation loss.
    state.use_best();

    let opts = ExportOptions {
        backend: Backend::F32,
        sampler: SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall,
        },
        steps: 1000,
        spacing: Spacing::Trailing,
        clip: crate::export::X0Clip::default(),
    };
    let bytes = export(&state, &opts)?;
    let model_path = args.out.join("model.tsm");
    write_atomic(&model_path, &bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", model_path.display())))?;
    note!("wrote {} ({} bytes)", model_path.display(), bytes.len())?;

    let source: DataSource = state.config.data.parse()?;
    let fresh_a = source.load(N, 1001)?;
    let fresh_b = source.load(N, 1002)?;
    let baseline = crate::eval::evaluate(&fresh_a.rows, &fresh_b.rows, fresh_a.dim, 7);
    let mut results = Vec::new();
    for (name, plan) in [
        ("ddpm-1000", None),
        (
            "ddim-50",
            Some(PlanOverride {
                sampler: SamplerKind::Ddim { eta: 0.0 },
                steps: 50,
                spacing: Spacing::Trailing,
            }),
        ),
    ] {
        let progress = Progress::start(&format!("sampling ({name})"), "samples", N as u64, 0);
        let samples = sample(&bytes, N, 42, plan, None, false)?;
        progress.finish();
        let report = crate::eval::evaluate(&samples.rows, &fresh_a.rows, samples.dim, 7);
        let model = tinyscore::format::Model::parse(&bytes)
            .map_err(|e| CliError::Input(format!("{}: {e}", model_path.display())))?;
        let outside = crate::eval::training_range_line(&model, &samples.rows);
        let png = args.out.join(format!("samples-{name}.png"));
        let names = crate::data::default_names(samples.dim);
        let title = format!(
            "{} {name}: samples vs fresh {}",
            model_path.display(),
            args.data
        );
        let view = crate::plot::View {
            title: &title,
            names: &names,
            dims: &[0, 1],
        };
        crate::plot::scatter_2d(&samples.rows, samples.dim, Some(&fresh_a.rows), &view, &png)?;
        note!("wrote {}", png.display())?;
        results.push((name, report, png, outside));
    }
    outln!("model: {} ({} bytes)", model_path.display(), bytes.len())?;
    outln!(
        "sliced Wasserstein to fresh data (two fresh sets: {:.4}):",
        baseline.sliced_wasserstein
    )?;
    for (name, report, png, outside) in &results {
        outln!(
            "  {name:<10} {:.4}  ({:.2}× the fresh-data distance)  plot: {}",
            report.sliced_wasserstein,
            report.sliced_wasserstein / baseline.sliced_wasserstein,
            png.display()
        )?;
        if let Some(line) = outside {
            outln!("  {:<10} {line}", "")?;
        }
    }
    Ok(())
}
