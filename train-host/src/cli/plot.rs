//! `tinyscore plot`: samples (scatter, waveforms, histograms or images, of
//! chosen columns), a trajectory file, or a run directory's loss curve.

use super::sample::Provenance;
use super::{CliError, PlotArgs, input};
use crate::note;
use crate::plot::{Kind, MAX_HISTOGRAM_PANELS, View};
use std::path::{Path, PathBuf};

/// Runs the command.
pub fn run(args: &PlotArgs) -> Result<(), CliError> {
    if args.input.is_dir() {
        let state = crate::train::load(&args.input)?;
        let steps: Vec<u64> = state.losses.iter().map(|l| l.0).collect();
        let losses: Vec<f32> = state.losses.iter().map(|l| l.1).collect();
        crate::plot::loss_curves(&steps, &losses, &state.validation, &args.out)?;
        note!(
            "wrote {} (training loss of {}, {} steps)",
            args.out.display(),
            args.input.display(),
            state.step
        )?;
        return Ok(());
    }
    let name = args.input.to_string_lossy();
    if let Some(stem) = name.strip_suffix(".trajectory.csv") {
        return trajectory(args, Path::new(stem));
    }
    let samples = input::read_samples(&args.input)?;
    let reference = match &args.against {
        Some(against) => {
            let source = input::source(against)?;
            let n = samples.data.len().max(1);
            let mut table = input::read(
                &source,
                &samples.columns,
                args.labels.as_deref(),
                false,
                (n, 0),
            )?;
            if let Some(class) = &args.class {
                table = table.of_class(class).unwrap_or(table);
                if table.data.is_empty() {
                    return Err(CliError::Input(format!(
                        "{against}: no rows of class {class}"
                    )));
                }
            }
            Some(table)
        }
        None => None,
    };
    let dim = samples.data.dim;
    let kind = match args.kind.as_str() {
        "scatter" => Kind::Scatter,
        "waveform" => Kind::Waveform,
        "histogram" => Kind::Histogram,
        "image" => Kind::Image,
        _ => Kind::natural(dim, &samples.columns),
    };
    let dims = match &args.dims {
        Some(list) => pick(list, &samples.columns)?,
        None if kind == Kind::Histogram => (0..dim.min(MAX_HISTOGRAM_PANELS)).collect(),
        None => (0..dim).collect(),
    };
    let mut title = title_of(&args.input);
    if let (Some(against), Some(table)) = (&args.against, &reference) {
        title += &format!(" vs {against}");
        if let Some(class) = &args.class {
            title += &format!(" (class {class}, {} rows)", table.data.len());
        }
    }
    let view = View {
        title: &title,
        names: &samples.columns,
        dims: &dims,
    };
    let coverage = crate::plot::plot_samples(
        kind,
        &samples.data.rows,
        dim,
        reference.as_ref().map(|r| r.data.rows.as_slice()),
        &view,
        &args.out,
    )?;
    let note = coverage.note();
    note!(
        "wrote {} ({:?} of {} columns{})",
        args.out.display(),
        kind,
        dims.len(),
        note.replace("; ", ", ")
    )?;
    Ok(())
}

/// Columns by name or number from 0, checked.
fn pick(list: &[String], names: &[String]) -> Result<Vec<usize>, CliError> {
    list.iter()
        .map(|d| {
            names
                .iter()
                .position(|n| n == d)
                .or_else(|| d.parse::<usize>().ok().filter(|&j| j < names.len()))
                .ok_or_else(|| {
                    CliError::Input(format!(
                        "--dims {d}: the columns are {} (or numbers 0 to {})",
                        shorten(names),
                        names.len().saturating_sub(1)
                    ))
                })
        })
        .collect()
}

/// A list of names for a message, at most 12 of them.
fn shorten(names: &[String]) -> String {
    if names.len() <= 12 {
        return names.join(", ");
    }
    format!(
        "{}, … {} more …, {}",
        names[..6].join(", "),
        names.len() - 9,
        names[names.len() - 3..].join(", ")
    )
}

/// The title of a sample file's plot: how it was made (the `sample`
/// note beside it, OUT with `.json`), or its name.
fn title_of(samples: &Path) -> String {
    let note = note_of(samples);
    std::fs::read(&note)
        .ok()
        .and_then(|b| serde_json::from_slice::<Provenance>(&b).ok())
        .map_or_else(|| samples.display().to_string(), |p| p.title())
}

/// The note `sample` writes beside its output.
fn note_of(samples: &Path) -> PathBuf {
    samples.with_extension("json")
}

/// Plots a `sample --trajectory` file: a `step` column, then the state.
fn trajectory(args: &PlotArgs, stem: &Path) -> Result<(), CliError> {
    let table = input::read_samples(&args.input)?;
    if table.columns.first().map(String::as_str) != Some("step") || table.data.dim < 3 {
        return Err(CliError::Input(format!(
            "{}: expected a `step` column and at least two state columns",
            args.input.display()
        )));
    }
    let dim = table.data.dim - 1;
    let names = table.columns[1..].to_vec();
    let mut states: Vec<Vec<f32>> = Vec::new();
    for row in table.data.iter() {
        let step = row[0] as usize;
        if states.len() <= step {
            states.resize(step + 1, Vec::new());
        }
        states[step].extend_from_slice(&row[1..]);
    }
    let dims = match &args.dims {
        Some(list) => pick(list, &names)?,
        None => vec![0, 1],
    };
    let title = title_of(&stem.with_extension("csv"));
    let view = View {
        title: &title,
        names: &names,
        dims: &dims,
    };
    crate::plot::trajectories(&states, dim, &view, args.paths, &args.out)?;
    note!(
        "wrote {} (paths of {} samples in {} and {})",
        args.out.display(),
        args.paths,
        view.name(dims[0]),
        view.name(dims.get(1).copied().unwrap_or(0))
    )?;
    Ok(())
}
