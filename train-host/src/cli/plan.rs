//! `tinyscore plan`: prints a compiled plan, so it can be compared with
//! reference libraries row by row.

use super::{CliError, PlanArgs};

use crate::spec::{self, ScheduleSpec};
use tinyscore::plan::{Compiler, Plan, PlanSpec};

/// Runs the command.
pub fn run(args: &PlanArgs) -> Result<(), CliError> {
    let schedule: ScheduleSpec = args.schedule.parse()?;
    let plan = args.plan.resolve(None);
    let sampler = spec::sampler(&plan.sampler, args.plan.eta, args.plan.churn)?;
    let plan_spec = PlanSpec {
        spacing: spec::spacing(&plan.spacing)?,
        steps_offset: args.steps_offset,
        t_min: args.t_min.unwrap_or(schedule.default_t_min()),
        prediction: crate::train::prediction(&args.prediction)?,
        ..PlanSpec::new(sampler, plan.steps)
    };
    let compiler = Compiler::new(schedule.0, plan_spec)
        .map_err(|e| CliError::Input(format!("cannot compile the plan: {e}")))?;
    let header = compiler.header();
    let rows: Vec<serde_json::Value> = (0..header.rows as usize)
        .filter_map(|i| compiler.row(i).map(|r| (i, r)))
        .map(|(i, r)| {
            let m = schedule.0.marginal(f64::from(r.t));
            serde_json::json!({
                "row": i, "t": r.t, "alpha": m.alpha, "sigma": m.sigma,
                "p": r.p, "q": r.q, "a": r.a, "b": r.b, "c": r.c, "d": r.d,
                "e": r.e, "f": r.f, "g": r.g,
            })
        })
        .collect();
    let text = match args.format.as_str() {
        "csv" => {
            let keys = [
                "row", "t", "alpha", "sigma", "p", "q", "a", "b", "c", "d", "e", "f", "g",
            ];
            let mut text = keys.join(",") + "\n";
            for r in &rows {
                let cells: Vec<String> = keys.iter().map(|k| r[*k].to_string()).collect();
                text += &(cells.join(",") + "\n");
            }
            text
        }
        _ => {
            let doc = serde_json::json!({
                "schedule": schedule.to_string(),
                "sampler": spec::sampler_name(sampler),
                "steps": plan.steps,
                "init_std": header.init_std,
                "rows": rows,
            });
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
    };
    super::emit(args.out.as_deref(), &text)
}
