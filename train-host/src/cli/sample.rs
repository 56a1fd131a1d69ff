//! `tinyscore sample`: samples through the runtime, to CSV or NPY.

use super::{CliError, SampleArgs};
use crate::host_sampling::{PlanOverride, sample};
use crate::note;
use crate::output::{csv_bytes, write_samples};
use crate::spec;
use tinyscore::net::Guidance;

/// Runs the command.
pub fn run(args: &SampleArgs) -> Result<(), CliError> {
    let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext.to_ascii_lowercase().as_str(), "csv" | "npy") {
        return Err(CliError::Input(format!(
            "{}: output must end in .csv or .npy",
            args.out.display()
        )));
    }
    let bytes = super::read(&args.model)?;
    let plan = match &args.sampler {
        Some(name) => Some(PlanOverride {
            sampler: spec::sampler(name, args.eta)?,
            steps: args.steps,
            spacing: spec::spacing(&args.spacing)?,
        }),
        None => None,
    };
    let guidance = args.class.map(|class| Guidance {
        class,
        weight: args.guidance,
    });
    if !args.guidance.is_finite() {
        return Err(CliError::Input("--guidance must be a finite number".into()));
    }
    let samples = sample(&bytes, args.n, args.seed, plan, guidance, args.trajectory)?;
    let io = |e: std::io::Error| CliError::Input(format!("{}: {e}", args.out.display()));
    if args.trajectory {
        let path = args.out.with_extension("trajectory.csv");
        let mut rows = Vec::new();
        let mut steps = Vec::new();
        for (k, states) in samples.trajectory.iter().enumerate() {
            rows.extend_from_slice(states);
            steps.extend(std::iter::repeat_n(k as u32, args.n));
        }
        crate::atomic::write_atomic(&path, &csv_bytes(&rows, samples.dim, Some(&steps)))
            .map_err(io)?;
    }
    write_samples(&args.out, &samples.rows, samples.dim).map_err(io)?;
    note!("wrote {} samples to {}", args.n, args.out.display())?;
    if let Ok(model) = tinyscore::format::Model::parse(&bytes)
        && let Some(line) = crate::eval::training_range_line(&model, &samples.rows)
    {
        note!("{line}")?;
    }
    Ok(())
}
