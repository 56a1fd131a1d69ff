//! `tinyscore train`: a fresh run, or `--resume` of the run in `--out`.

use super::{CliError, TrainArgs};
use crate::checkpoint;
use crate::data::{Labelled, Normalization};
use crate::note;
use crate::progress::Progress;
use crate::train::RunData;
use crate::train::{self, RunState, TrainConfig};
use std::path::Path;

/// Runs the command.
pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let mut config = TrainConfig {
        data: args.data.clone(),
        objective: args.objective.clone(),
        weighting: args.weighting.clone(),
        prediction: args.prediction.clone(),
        schedule: args.schedule.clone(),
        width: args.width as usize,
        depth: args.depth as usize,
        steps: args.steps,
        batch: args.batch as usize,
        lr: args.lr,
        seed: args.seed,
        probe: args.probe.clone(),
        t_sampling: args.t_sampling.clone(),
        labels: args.labels.clone(),
        label_dropout: args.label_dropout,
        val: args.val.unwrap_or(TrainConfig::default().val),
        ..TrainConfig::default()
    };
    config.eps_warmup = args
        .eps_warmup
        .unwrap_or_else(|| config.default_eps_warmup());
    config.validate()?;
    let (mut state, data) = if args.resume {
        let state = train::load(&args.out)?;
        if state.config.distill.is_some() {
            return Err(CliError::Input(format!(
                "{} is a distilled student: continue it with tinyscore distill",
                args.out.display()
            )));
        }
        // What the data determines is found in it, not given.
        let same = TrainConfig {
            steps: state.config.steps,
            val: args.val.unwrap_or(state.config.val),
            eps_warmup: args.eps_warmup.unwrap_or(state.config.eps_warmup),
            classes: state.config.classes,
            columns: state.config.columns.clone(),
            class_names: state.config.class_names.clone(),
            ..config.clone()
        };
        if state.config != same {
            return Err(CliError::Input(format!(
                "{}: --resume with options that differ from the run's config.json ({}); \
                 only --steps may change",
                args.out.display(),
                differences(&state.config, &same)
            )));
        }
        let (data, _) = load(&state.config)?;
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
        let (data, normalization) = load(&config)?;
        (RunState::new(config, normalization, &data.train)?, data)
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    fit(&mut state, &data, &args.out)?;
    plot_losses(&state, &args.out)?;
    note!(
        "wrote the run ({} steps) to {}: config.json, weights.safetensors, loss.png",
        state.step,
        args.out.display()
    )?;
    Ok(())
}

/// The options (as `--name run-value ≠ given-value`) on which two
/// configurations differ.
pub(super) fn differences(run: &TrainConfig, given: &TrainConfig) -> String {
    let (a, b) = (
        serde_json::to_value(run).unwrap_or_default(),
        serde_json::to_value(given).unwrap_or_default(),
    );
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return String::new();
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .map(|(k, v)| {
            let given = b.get(k).map_or_else(String::new, ToString::to_string);
            format!("--{} is {v} in the run, {given} now", k.replace('_', "-"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The run's data with the one-line summary of what was read.
pub(super) fn load(config: &TrainConfig) -> Result<(RunData, Normalization), CliError> {
    let (data, normalization) = train::load_data(config)?;
    let file = config.data.parse::<crate::data::DataSource>()?.is_file();
    // What was read: a file's rows before the split.
    let held_out = data.validation.as_ref().filter(|_| file);
    note!("{}", summary(config, &data.train, held_out))?;
    if let Some(v) = &data.validation {
        let how = if file { "held out" } else { "drawn afresh" };
        note!(
            "validation: {} rows {how} (the loss is measured on the first {})",
            v.data.len(),
            v.data.len().min(train::VALIDATION_EXAMPLES)
        )?;
    }
    Ok((data, normalization))
}

/// `read data.csv: 1200 rows × 96 columns (ax_0 … az_31), label column
/// activity with 3 classes: walk 400, idle 400, run 400`, of the training
/// rows and those `held_out` of them.
fn summary(config: &TrainConfig, data: &Labelled, held_out: Option<&Labelled>) -> String {
    let rows = data.data.len() + held_out.map_or(0, |h| h.data.len());
    let names = match data.columns.as_slice() {
        [] => String::new(),
        [one] => format!(" ({one})"),
        [first, .., last] => format!(" ({first} … {last})"),
    };
    let mut out = format!(
        "read {}: {rows} rows × {} columns{names}",
        config.data, data.data.dim
    );
    match &config.labels {
        Some(labels) => {
            let mut counts = vec![0usize; data.classes as usize];
            let held = held_out.map_or(&[][..], |h| &h.labels[..]);
            data.labels
                .iter()
                .chain(held)
                .for_each(|&l| counts[l as usize] += 1);
            let classes: Vec<String> = counts
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{} {c}", data.class_name(k as u32)))
                .collect();
            out += &format!(
                ", label column {labels} with {} classes: {}",
                data.classes,
                classes.join(", ")
            );
        }
        None if data.data.dim > 1 => out += " (no --labels: every column is a feature)",
        None => {}
    }
    out
}

/// Trains with progress (loss, validation loss, rate and time left).
pub(super) fn fit(state: &mut RunState, data: &RunData, out: &Path) -> Result<(), CliError> {
    let c = &state.config;
    if c.eps_warmup > state.step {
        note!(
            "the first {} steps train on the ε target, then the {} target takes over \
             (--eps-warmup; the validation loss is the {} target's throughout)",
            c.eps_warmup,
            c.prediction,
            c.prediction
        )?;
    }
    let progress = Progress::start("training", "steps", state.config.steps, state.step);
    let mut smoothed = None::<f32>;
    train::train(state, data, out, |step, loss, validation| {
        let s = smoothed.map_or(loss, |s| 0.98 * s + 0.02 * loss);
        smoothed = Some(s);
        crate::progress::tick();
        if step % 10 == 0 {
            let val = validation.map_or(String::new(), |v| format!(" · validation {v:.4}"));
            progress.note(&format!("loss {s:.4}{val}"));
        }
    })?;
    progress.finish();
    if let Some(loss) = smoothed {
        note!("final loss (smoothed) {loss:.4}")?;
    }
    if let (Some(best), Some(&(_, last))) = (&state.best, state.validation.last()) {
        note!(
            "validation loss {last:.4} at the end, lowest {:.4} at step {} (the EMA weights \
             export uses; --weights last for the last)",
            best.loss,
            best.step
        )?;
    }
    Ok(())
}

/// Writes the loss curve of a run as `loss.png` in its directory.
pub(super) fn plot_losses(state: &RunState, out: &Path) -> Result<(), CliError> {
    let steps: Vec<u64> = state.losses.iter().map(|l| l.0).collect();
    let losses: Vec<f32> = state.losses.iter().map(|l| l.1).collect();
    crate::plot::loss_curves(&steps, &losses, &state.validation, &out.join("loss.png"))?;
    Ok(())
}
