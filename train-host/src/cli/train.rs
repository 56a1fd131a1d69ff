//! `tinyscore train`: a fresh run, or `--resume` of the run in `--out`.

use super::{CliError, TrainArgs};
use crate::checkpoint;
use crate::train::{self, RunState, TrainConfig};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Instant;

/// Runs the command.
pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let config = TrainConfig {
        data: args.data.clone(),
        objective: args.objective.clone(),
        weighting: args.weighting.clone(),
        prediction: args.prediction.clone(),
        schedule: args.schedule.clone(),
        width: args.width,
        depth: args.depth,
        steps: args.steps,
        batch: args.batch,
        lr: args.lr,
        seed: args.seed,
        probe: args.probe.clone(),
        t_sampling: args.t_sampling.clone(),
        labels: args.labels.clone(),
        label_dropout: args.label_dropout,
        ..TrainConfig::default()
    };
    config.validate()?;
    let (mut state, data) = if args.resume {
        let state = train::load(&args.out)?;
        // The class count is found in the data, not given.
        let same = TrainConfig {
            steps: state.config.steps,
            classes: state.config.classes,
            ..config.clone()
        };
        if state.config != same {
            return Err(CliError::Input(format!(
                "{}: --resume with options that differ from the run's config.json \
                 (only --steps may change)",
                args.out.display()
            )));
        }
        let (data, _) = train::load_data(&state.config)?;
        let config = TrainConfig {
            steps: config.steps,
            ..state.config.clone()
        };
        (RunState { config, ..state }, data)
    } else {
        if args.out.join(checkpoint::CONFIG_FILE).exists() {
            return Err(CliError::Input(format!(
                "{} already holds a run: use --resume to continue it or choose another --out",
                args.out.display()
            )));
        }
        let (data, normalization) = train::load_data(&config)?;
        (RunState::new(config, normalization, &data)?, data)
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    fit(&mut state, &data, &args.out)?;
    plot_losses(&state, &args.out)?;
    eprintln!(
        "trained {} steps; checkpoint in {}",
        state.step,
        args.out.display()
    );
    Ok(())
}

/// Trains with a progress bar (loss and throughput).
pub(super) fn fit(
    state: &mut RunState,
    data: &crate::data::Labelled,
    out: &Path,
) -> Result<(), CliError> {
    let bar = ProgressBar::new(state.config.steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(state.step);
    let start = Instant::now();
    let first = state.step;
    let mut smoothed = None::<f32>;
    train::train(state, data, out, |step, loss| {
        let s = smoothed.map_or(loss, |s| 0.98 * s + 0.02 * loss);
        smoothed = Some(s);
        if step % 10 == 0 {
            let rate = (step - first) as f64 / start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("loss {s:.4}  {rate:.0} steps/s"));
        }
        bar.set_position(step);
    })?;
    bar.finish_and_clear();
    Ok(())
}

/// Writes the loss curve of a run as `loss.png` in its directory.
pub(super) fn plot_losses(state: &RunState, out: &Path) -> Result<(), CliError> {
    let steps: Vec<u64> = state.losses.iter().map(|l| l.0).collect();
    let losses: Vec<f32> = state.losses.iter().map(|l| l.1).collect();
    crate::plot::loss_curve(&steps, &losses, &out.join("loss.png"))?;
    Ok(())
}
