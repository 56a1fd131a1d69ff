//! `tinyscore parity`: a reference model and other backends' versions of
//! it, side by side through the runtime on the same seeds.

use super::{CliError, ParityArgs, input};
use crate::parity::{ModelParity, parity};
use crate::progress::Progress;
use std::fmt::Write;

/// Rows of the drift table printed without `--json`.
const DRIFT_LINES: usize = 10;

/// Runs the command.
pub fn run(args: &ParityArgs) -> Result<(), CliError> {
    let mut models = vec![super::read(&args.reference)?];
    for path in &args.others {
        models.push(super::read(path)?);
    }
    let data = match &args.against {
        Some(name) => {
            let model = super::parse_model(&args.reference, &models[0])?;
            let columns = input::column_names(&model);
            let source = input::source(name)?;
            Some(input::read(&source, &columns, None, false, (args.n, args.seed ^ 0xda7a))?.data)
        }
        None => None,
    };
    let progress = Progress::start(
        &format!("sampling {} models", models.len()),
        "samples",
        (args.n * models.len()) as u64,
        0,
    );
    let results = parity(
        &models,
        args.n,
        args.seed,
        data.as_ref().map(|d| &d.rows[..]),
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    progress.finish();
    if args.json {
        let doc = serde_json::json!({
            "samples": args.n,
            "seed": args.seed,
            "against": args.against,
            "models": results,
        });
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        return super::emit(args.out.as_deref(), &text);
    }
    super::emit(args.out.as_deref(), &table(args, &results))
}

/// The side-by-side table and the drift of each other model, by plan row.
fn table(args: &ParityArgs, results: &[ModelParity]) -> String {
    let paths = std::iter::once(&args.reference).chain(&args.others);
    let mut out = String::new();
    let _ = writeln!(out, "{} samples, seed {}", args.n, args.seed);
    let _ = writeln!(
        out,
        "{:<8} {:>12} {:>12} {:>12} {:>14} {:>14}",
        "backend", "weight bytes", "SWD", "MMD²", "final max", "final RMS"
    );
    for (r, path) in results.iter().zip(paths) {
        let (swd, mmd) = r
            .quality
            .as_ref()
            .map_or((f64::NAN, f64::NAN), |q| (q.sliced_wasserstein, q.mmd2));
        let (max, rms) = r.drift.last().map_or((0.0, 0.0), |d| (d.max, d.rms));
        let _ = writeln!(
            out,
            "{:<8} {:>12} {:>12.5} {:>12.6} {:>14.6} {:>14.6}  {}",
            r.backend,
            r.weight_bytes,
            swd,
            mmd,
            max,
            rms,
            path.display()
        );
    }
    for r in results.iter().skip(1) {
        let rows = r.drift.len();
        let _ = writeln!(out, "drift of {} (data units), by plan row:", r.backend);
        let stride = rows.div_ceil(DRIFT_LINES).max(1);
        for d in r.drift.iter().step_by(stride).chain(r.drift.last()) {
            let _ = writeln!(
                out,
                "  row {:>5}   max {:>12.6}   rms {:>12.6}",
                d.row, d.max, d.rms
            );
        }
    }
    out
}
