//! `tinyscore distill`: a few-step student of a run by progressive
//! distillation ([`crate::distill`]); the same command again continues it.

use super::{CliError, DistillArgs};
use crate::checkpoint;
use crate::distill::{self, DistillSettings, Student};
use crate::note;
use crate::progress::Progress;
use crate::train::TrainConfig;

/// Runs the command.
pub fn run(args: &DistillArgs) -> Result<(), CliError> {
    let settings = DistillSettings {
        teacher_steps: args.teacher_steps,
        steps: args.steps,
        round_steps: args.round_steps,
        batch: args.batch as usize,
        lr: args.lr,
        prediction: args.prediction.clone(),
        weighting: args.weighting.clone(),
        ema_decay: args.ema_decay,
    };
    let fresh = distill::start(&args.run, &settings)?;
    let mut student = if args.out.join(checkpoint::CONFIG_FILE).exists() {
        let saved = distill::load(&args.out)?;
        // The recorded plan follows the rounds; everything else must match.
        let given = TrainConfig {
            plan: saved.state.config.plan.clone(),
            ..fresh.state.config.clone()
        };
        if saved.state.config != given {
            return Err(CliError::Input(format!(
                "{} holds another distillation ({}): choose another --out",
                args.out.display(),
                super::train::differences(&saved.state.config, &given)
            )));
        }
        if saved.state.step < saved.state.config.steps {
            note!(
                "continuing the distillation in {} from step {}",
                args.out.display(),
                saved.state.step
            )?;
        }
        saved
    } else {
        if let Some(d) = &fresh.state.config.distill {
            note!(
                "distilling DDIM {} → {} steps in {} rounds of {} steps; the student predicts {}",
                d.teacher_steps,
                d.student_steps,
                d.rounds(),
                d.round_steps,
                fresh.state.config.prediction
            )?;
        }
        fresh
    };
    let (data, normalization) = super::train::load(&student.state.config)?;
    if normalization != student.state.normalization {
        return Err(CliError::Input(format!(
            "{}: the teacher's data have changed since it was trained (their normalisation \
             differs)",
            args.run.display()
        )));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    fit(&mut student, &data.train.data, args)?;
    super::train::plot_losses(&student.state, &args.out)?;
    let plan = student
        .state
        .config
        .plan
        .clone()
        .unwrap_or_else(|| crate::train::RunPlan {
            sampler: distill::SAMPLER.into(),
            steps: args.steps,
            spacing: distill::SPACING.into(),
        });
    note!(
        "wrote the student ({} {} steps, {} spacing) to {}; tinyscore export {} -o student.tsm \
         embeds its plan",
        plan.sampler,
        plan.steps,
        plan.spacing,
        args.out.display(),
        args.out.display()
    )?;
    Ok(())
}

/// Distils with progress (round, loss, rate and time left).
fn fit(
    student: &mut Student,
    data: &crate::data::Dataset,
    args: &DistillArgs,
) -> Result<(), CliError> {
    let c = student.state.config.clone();
    let Some(d) = c.distill.clone() else {
        return Ok(());
    };
    let progress = Progress::start("distilling", "steps", c.steps, student.state.step);
    let mut smoothed = None::<f32>;
    distill::distill(student, data, &args.out, |step, loss| {
        let s = smoothed.map_or(loss, |s| 0.98 * s + 0.02 * loss);
        smoothed = Some(s);
        crate::progress::tick();
        if step % 10 == 0 {
            let round = d.round_of(step.saturating_sub(1));
            let n = d.teacher_steps_in(round);
            progress.note(&format!(
                "round {}/{}: {n} → {} steps · loss {s:.2e}",
                round + 1,
                d.rounds(),
                n / 2
            ));
        }
    })?;
    progress.finish();
    Ok(())
}
