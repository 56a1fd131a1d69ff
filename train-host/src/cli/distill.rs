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
        guidance: args.guidance,
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
                "distilling DDIM {} → {} steps in {} rounds of {} steps; the student predicts {}{}",
                d.teacher_steps,
                d.student_steps,
                d.rounds(),
                d.round_steps,
                fresh.state.config.prediction,
                guided(&fresh.state.config)
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
    fit(&mut student, &data.train, args)?;
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
    if let Some(line) = sampling_note(&student.state.config) {
        note!("{line}")?;
    }
    Ok(())
}

/// How a class-conditional teacher guides: `; the first round's teacher
/// guides its 8 classes with w = 1`, or the weight a guided student holds.
fn guided(c: &TrainConfig) -> String {
    match &c.distill {
        Some(d) if c.classes > 0 && d.teacher_guidance > 0.0 => format!(
            "; the teacher holds guidance w = {} in its weights, which the student keeps",
            d.teacher_guidance
        ),
        Some(d) if c.classes > 0 => format!(
            "; the first round's teacher guides its {} classes with w = {}",
            c.classes, d.guidance
        ),
        _ => String::new(),
    }
}

/// How to sample a class of a student distilled from a guided teacher
/// (`None` for other runs).
pub fn sampling_note(c: &TrainConfig) -> Option<String> {
    let d = c
        .distill
        .as_ref()
        .filter(|d| c.classes > 0 && d.guidance > 0.0)?;
    Some(format!(
        "the student holds its teacher's classifier-free guidance w = {}; its exported file \
         says so, and `sample --class K` samples it with guidance 0 (one network evaluation \
         per step); a further --guidance guides on top of it",
        d.guidance
    ))
}

/// Distils with progress (round, loss, rate and time left).
fn fit(
    student: &mut Student,
    data: &crate::data::Labelled,
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
