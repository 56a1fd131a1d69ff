//! `tinyscore parity`: a reference model and other backends' versions of
//! it, side by side through the runtime on the same seeds.

use super::{CliError, ParityArgs};
use crate::console::ConsoleError;
use crate::data::DataSource;
use crate::outln;
use crate::parity::{ModelParity, parity};

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
            let source: DataSource = name.parse()?;
            let dim = tinyscore::format::Model::parse(&models[0])
                .map_err(|e| CliError::Input(format!("{}: {e}", args.reference.display())))?
                .topology()
                .x_dim() as usize;
            Some(source.load_with_dim(args.n, args.seed ^ 0xda7a, Some(dim))?)
        }
        None => None,
    };
    let results = parity(
        &models,
        args.n,
        args.seed,
        data.as_ref().map(|d| &d.rows[..]),
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    if args.json {
        let doc = serde_json::json!({
            "samples": args.n,
            "seed": args.seed,
            "against": args.against,
            "models": results,
        });
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default())?;
        return Ok(());
    }
    print_table(args, &results)?;
    Ok(())
}

fn print_table(args: &ParityArgs, results: &[ModelParity]) -> Result<(), ConsoleError> {
    let paths = std::iter::once(&args.reference).chain(&args.others);
    outln!("{} samples, seed {}", args.n, args.seed)?;
    outln!(
        "{:<8} {:>12} {:>12} {:>12} {:>14} {:>14}",
        "backend",
        "weight bytes",
        "SWD",
        "MMD²",
        "final max",
        "final RMS"
    )?;
    for (r, path) in results.iter().zip(paths) {
        let (swd, mmd) = r
            .quality
            .as_ref()
            .map_or((f64::NAN, f64::NAN), |q| (q.sliced_wasserstein, q.mmd2));
        let (max, rms) = r.drift.last().map_or((0.0, 0.0), |d| (d.max, d.rms));
        outln!(
            "{:<8} {:>12} {:>12.5} {:>12.6} {:>14.6} {:>14.6}  {}",
            r.backend,
            r.weight_bytes,
            swd,
            mmd,
            max,
            rms,
            path.display()
        )?;
    }
    for r in results.iter().skip(1) {
        let rows = r.drift.len();
        outln!("drift of {} (data units), by plan row:", r.backend)?;
        let stride = rows.div_ceil(DRIFT_LINES).max(1);
        for d in r.drift.iter().step_by(stride).chain(r.drift.last()) {
            outln!(
                "  row {:>5}   max {:>12.6}   rms {:>12.6}",
                d.row,
                d.max,
                d.rms
            )?;
        }
    }
    Ok(())
}
