//! `tinyscore sample`: samples through the runtime, to CSV or NPY, with
//! the model's column names, and a note of how they were made (OUT with
//! `.json`) that `plot` puts in its titles.

use super::options::{SAMPLER, SPACING, STEPS};
use super::{CliError, SampleArgs, classes, input};
use crate::host_sampling::{GUIDANCE, PlanOverride, sample};
use crate::note;
use crate::output::{csv_bytes, write_named};
use crate::progress::Progress;
use crate::spec;
use tinyscore::format::Model;
use tinyscore::net::Guidance;
use tinyscore::plan::Plan;

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
    let model = super::parse_model(&args.model, &bytes)?;
    let plan = match &args.plan.sampler {
        Some(name) => Some(PlanOverride {
            sampler: spec::sampler(
                name,
                args.plan.eta.unwrap_or(0.0),
                args.plan.churn.unwrap_or(0.0),
            )?,
            steps: args.plan.steps.unwrap_or(STEPS),
            spacing: spec::spacing(args.plan.spacing.as_deref().unwrap_or(SPACING))?,
        }),
        None => None,
    };
    let class = args
        .class
        .as_deref()
        .map(|c| classes::resolve(&model, c))
        .transpose()?;
    let weight = match class {
        Some(_) => guidance_weight(args.guidance, &model)?,
        None => 0.0,
    };
    let guidance = class.map(|class| Guidance { class, weight });
    let provenance = Provenance::of(args, &model, guidance);
    let progress = Progress::start(
        &format!("sampling ({})", provenance.sampler),
        "samples",
        args.n as u64,
        0,
    );
    let samples = sample(&bytes, args.n, args.seed, plan, guidance, args.trajectory)?;
    progress.finish();
    let names = input::column_names(&model);
    if args.trajectory {
        let path = args.out.with_extension("trajectory.csv");
        let mut rows = Vec::new();
        let mut steps = Vec::new();
        for (k, states) in samples.trajectory.iter().enumerate() {
            rows.extend_from_slice(states);
            steps.extend(std::iter::repeat_n(k as u32, args.n));
        }
        super::write(&path, &csv_bytes(&rows, &names, Some(&steps)))?;
        note!(
            "wrote {} states ({} plan rows × {} samples) to {}",
            rows.len() / names.len().max(1),
            samples.trajectory.len(),
            args.n,
            path.display()
        )?;
    }
    write_named(&args.out, &samples.rows, &names)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    let note = args.out.with_extension("json");
    let text = serde_json::to_string_pretty(&provenance).unwrap_or_default();
    super::write(&note, text.as_bytes())?;
    note!(
        "wrote {} samples × {} columns to {} (how they were made: {})",
        args.n,
        names.len(),
        args.out.display(),
        note.display()
    )?;
    if let Ok(model) = tinyscore::format::Model::parse(&bytes)
        && let Some(line) = crate::eval::training_range_line(&model, &samples.rows)
    {
        note!("{line}")?;
    }
    Ok(())
}

/// How a sample file was made, for titles and reports.
#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Provenance {
    /// The model file.
    pub model: String,
    /// The sampler and its steps, e.g. `ddim 50 steps`.
    pub sampler: String,
    /// The class generated, by name, if any.
    pub class: Option<String>,
    /// The guidance weight with a class.
    pub guidance: Option<f32>,
    /// The seed.
    pub seed: u64,
}

/// The guidance weight of a class's samples: `--guidance` if given, else 0
/// for a network that holds its guidance (a student distilled from guided
/// sampling: one evaluation per step), else [`GUIDANCE`]. Says which when
/// the network holds guidance.
fn guidance_weight(given: Option<f32>, model: &Model<'_>) -> Result<f32, CliError> {
    let held = model.held_guidance().map(|h| h.weight());
    Ok(match (given, held) {
        (Some(w), Some(h)) if w > 0.0 => {
            note!(
                "warning: the network holds guidance {h} (distilled from guided sampling); \
                 --guidance {w} guides it again, which measured worse than 0 (docs/BENCHMARKS.md)"
            )?;
            w
        }
        (Some(w), _) => w,
        (None, Some(h)) => {
            note!(
                "the network holds guidance {h} (distilled from guided sampling): \
                 sampling with guidance 0, one evaluation per step"
            )?;
            0.0
        }
        (None, None) => GUIDANCE,
    })
}

impl Provenance {
    fn of(args: &SampleArgs, model: &Model<'_>, guidance: Option<Guidance<f32>>) -> Self {
        let class = guidance.map(|g| g.class);
        let sampler = match &args.plan.sampler {
            Some(name) => format!("{name} {} steps", args.plan.steps.unwrap_or(STEPS)),
            None => model.plan(0).map_or_else(
                || SAMPLER.to_string(),
                |p| {
                    format!(
                        "{} {} steps",
                        spec::sampler_name(p.header().spec.sampler),
                        p.header().spec.steps
                    )
                },
            ),
        };
        Provenance {
            model: args
                .model
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            sampler,
            class: class.map(|k| classes::name(model, k)),
            guidance: guidance.map(|g| g.weight),
            seed: args.seed,
        }
    }

    /// A plot title: `model.tsm, ddim 50 steps, class walk (w = 1)`.
    pub fn title(&self) -> String {
        let class = match (&self.class, self.guidance) {
            (Some(c), Some(w)) => format!(", class {c} (guidance {w})"),
            (Some(c), None) => format!(", class {c}"),
            _ => String::new(),
        };
        format!("{}, {}{class}", self.model, self.sampler)
    }
}
