//! `tinyscore window`: a multichannel stream (CSV, one row per time step)
//! cut into windows, one per row, with their labels, ready for `train`.

use super::{CliError, WindowArgs};
use crate::data::windows::{Stream, WindowSpec, windows};
use crate::data::{Columns, Dataset, Table, csv_header, read_csv_columns};
use crate::note;

/// Names taken for the time column when `--time` is not given.
const TIME_NAMES: [&str; 3] = ["t", "time", "timestamp"];

/// Runs the command.
pub fn run(args: &WindowArgs) -> Result<(), CliError> {
    let origin = args.stream.display().to_string();
    let header = csv_header(&args.stream)?.ok_or_else(|| {
        CliError::Input(format!(
            "{origin}: the stream needs a header naming its columns"
        ))
    })?;
    let find = |name: &str, option: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            CliError::Input(format!(
                "{option} {name}: {origin} has no such column (it has {})",
                header.join(", ")
            ))
        })
    };
    let time = match &args.time {
        Some(name) => Some(find(name, "--time")?),
        None => header
            .iter()
            .position(|h| TIME_NAMES.contains(&h.to_ascii_lowercase().as_str())),
    };
    let label = args
        .label
        .as_deref()
        .map(|l| find(l, "--label"))
        .transpose()?;
    let channels: Vec<usize> = match &args.channels {
        Some(names) => names
            .iter()
            .map(|n| find(n, "--channels"))
            .collect::<Result<_, _>>()?,
        None => (0..header.len())
            .filter(|&c| Some(c) != time && Some(c) != label)
            .collect(),
    };
    if channels.is_empty() {
        return Err(CliError::Input(format!("{origin}: no channel columns")));
    }
    let picked = Columns {
        numbers: Some(channels.clone()),
        text: label,
        gaps: false,
    };
    let (mut values, labels) = read_csv_columns(&args.stream, &picked)?;
    let times = time.map(|t| read_times(&args.stream, t)).transpose()?;
    let names: Vec<String> = channels.iter().map(|&c| header[c].clone()).collect();
    note!(
        "read {origin}: {} rows, {} channels ({}){}{}",
        values.len(),
        names.len(),
        names.join(", "),
        time.map_or_else(
            || ", no time column (rows taken as evenly spaced)".to_string(),
            |t| format!(", time column {}", header[t])
        ),
        label.map_or_else(String::new, |l| format!(", label column {}", header[l]))
    )?;
    if args.normalize == "channel" {
        normalize(&mut values, &names)?;
    }
    let spec = WindowSpec {
        length: args.length as usize,
        stride: args.stride.unwrap_or(args.length) as usize,
        max_gap: args.max_gap,
    };
    let stream = Stream {
        values: &values,
        names: &names,
        times: times.as_deref(),
        labels: label.map(|_| labels.as_slice()),
    };
    let cut = windows(&stream, &spec).map_err(|e| CliError::Input(format!("{origin}: {e}")))?;
    if let Some(p) = cut.period {
        note!(
            "sampling period {} (median step), {} gaps longer than {} periods",
            (p * 1e9).round() / 1e9,
            cut.gaps,
            spec.max_gap
        )?;
    }
    if cut.data.is_empty() {
        return Err(CliError::Input(format!(
            "{origin}: no window of {} steps fits between the gaps and label changes",
            spec.length
        )));
    }
    let labels = label.map(|l| (header[l].clone(), cut.labels.clone()));
    let npy = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if npy && labels.is_some() {
        return Err(CliError::Input(format!(
            "{}: NPY holds numbers only; write .csv to keep the label column",
            args.out.display()
        )));
    }
    let out = Table {
        data: cut.data,
        columns: cut.columns,
        ignored: Vec::new(),
        labels,
    };
    super::write_rows(&args.out, &out)?;
    let mut summary = format!(
        "wrote {}: {} windows of {} steps × {} channels = {} columns, stride {}",
        args.out.display(),
        out.data.len(),
        spec.length,
        names.len(),
        out.data.dim,
        spec.stride
    );
    if cut.across_gaps + cut.across_labels > 0 {
        summary += &format!(
            "; left out {} windows across a gap, {} across a label change",
            cut.across_gaps, cut.across_labels
        );
    }
    note!("{summary}")?;
    if let Some(classes) = out.label_counts() {
        note!("{classes}")?;
    }
    Ok(())
}

/// The time column (0-based `column`) in f64: read as a number column
/// (checked as every number is) and as text, parsed again without the
/// rounding to f32 (which would blur Unix timestamps to 128 s).
fn read_times(path: &std::path::Path, column: usize) -> Result<Vec<f64>, CliError> {
    let picked = Columns {
        numbers: Some(vec![column]),
        text: Some(column),
        gaps: false,
    };
    let (_, cells) = read_csv_columns(path, &picked)?;
    cells
        .iter()
        .enumerate()
        .map(|(row, cell)| {
            cell.parse::<f64>().map_err(|_| {
                CliError::Input(format!(
                    "{}: data row {}: time {cell:?} is not a number",
                    path.display(),
                    row + 1
                ))
            })
        })
        .collect()
}

/// Shifts and scales each channel to mean 0 and standard deviation 1 (a
/// constant channel is only shifted), printing the values used.
fn normalize(values: &mut Dataset, names: &[String]) -> Result<(), crate::console::ConsoleError> {
    let (mean, std) = (values.mean(), values.std());
    let scale: Vec<f64> = std.iter().map(|&s| if s > 0.0 { s } else { 1.0 }).collect();
    for row in values.rows.chunks_exact_mut(values.dim) {
        for ((v, m), s) in row.iter_mut().zip(&mean).zip(&scale) {
            *v = ((f64::from(*v) - m) / s) as f32;
        }
    }
    let used: Vec<String> = names
        .iter()
        .zip(mean.iter().zip(&scale))
        .map(|(n, (m, s))| format!("{n} = (value − {m:.6}) / {s:.6}"))
        .collect();
    note!("normalised per channel: {}", used.join("; "))
}
