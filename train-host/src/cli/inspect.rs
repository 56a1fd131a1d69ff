//! `tinyscore inspect`: what a model file holds and what it costs.

use super::CliError;
use crate::outln;
use crate::spec::{ScheduleSpec, sampler_name, sampler_parameters};
use std::path::Path;
use tinyscore::fixed::FixedScratch;
use tinyscore::format::{Layer, SectionKind, TimeConditioning};
use tinyscore::plan::Plan;

/// Runs the command.
pub fn run(path: &Path) -> Result<(), CliError> {
    let bytes = super::read(path)?;
    let model = super::parse_model(path, &bytes)?;
    let topo = model.topology();
    outln!(
        "file       {} ({} bytes, CRC-32 ok, format 1.{})",
        path.display(),
        bytes.len(),
        model.version_minor()
    )?;
    outln!(
        "backend    {} ({} bytes of weights)",
        crate::parity::backend_name(model.backend()),
        model.weight_bytes()
    )?;
    outln!("data dim   {}", topo.x_dim())?;
    if let Some(names) = model.column_names() {
        outln!("columns    {}", names.iter().collect::<Vec<_>>().join(", "))?;
    }
    outln!("predicts   {:?}", topo.prediction())?;
    match topo.time() {
        TimeConditioning::Sinusoidal {
            dim,
            max_period,
            scale,
        } => {
            // A fixed-point model computes it in integers (its plan rows
            // carry their time); a float model in floats.
            let how = if model.fixed_network().is_some() {
                "integer sinusoidal embedding computed on the device"
            } else {
                "sinusoidal embedding"
            };
            outln!("time       {how}, {dim} wide, max period {max_period}, t × {scale}")?
        }
        TimeConditioning::BiasTable => outln!(
            "time       folded into first-layer bias rows, one per plan row (smaller than the \
             embedding for this plan)"
        )?,
    }
    if model.classes() > 0 {
        outln!(
            "classes    {} (class-conditional: sample --class NAME --guidance W)",
            super::classes::list(&model)
        )?;
    }
    if let Some(held) = model.held_guidance() {
        outln!(
            "guidance   {} held by the network (distilled from guided sampling): sample a class \
             with guidance 0",
            held.weight()
        )?;
    }
    outln!("schedule   {}", ScheduleSpec(model.schedule()))?;
    outln!(
        "layers     {} ({} parameters)",
        topo.len(),
        topo.parameter_count()
    )?;
    for (i, layer) in topo.layers().enumerate() {
        match layer {
            Layer::Dense { input, output } => outln!("  {i:>3} dense {input} → {output}")?,
            Layer::Activation(a) => outln!("  {i:>3} {a:?}")?,
            Layer::SaveResidual => outln!("  {i:>3} save residual")?,
            Layer::AddResidual => outln!("  {i:>3} add residual")?,
        }
    }
    outln!("sections")?;
    for s in model.sections() {
        let name = s.kind.map_or_else(
            || format!("unknown kind {}", s.code),
            |k: SectionKind| k.to_string(),
        );
        outln!(
            "  {name:<22} {:>9} bytes at {:>8}{}",
            s.length,
            s.offset,
            if s.required { "" } else { " (optional)" }
        )?;
    }
    match model.fixed_network() {
        Some(net) => {
            let need = FixedScratch::of(&net);
            outln!(
                "scratch    {} i16 + {} i32 = {} bytes of RAM (plus the Q16.16 state, {} bytes)",
                need.activations,
                need.registers,
                need.bytes(),
                4 * topo.x_dim()
            )?;
        }
        None => outln!(
            "scratch    {} f32 = {} bytes of RAM (plus the state, {} bytes)",
            model.scratch_len(),
            model.scratch_len() * 4,
            4 * topo.x_dim()
        )?,
    }
    for (i, plan) in model.plans().enumerate() {
        let h = plan.header();
        let noisy = (0..h.rows as usize)
            .filter_map(|r| plan.row(r))
            .filter(|r| r.draws_noise())
            .count();
        outln!(
            "plan {i}     {}{} {} steps, {:?} spacing, {} network evaluations ({} draw noise), init std {}{}",
            sampler_name(h.spec.sampler),
            sampler_parameters(h.spec.sampler),
            h.spec.steps,
            h.spec.spacing,
            h.rows,
            noisy,
            h.init_std,
            h.spec
                .clip
                .map_or(String::new(), |c| format!(", clip ±{c}")),
        )?;
        let stored = match model.fixed_plan(i).map(|p| p.level_rule().is_some()) {
            Some(true) => {
                "integer rows as levels (the device derives their coefficients); f32 rows not stored"
            }
            Some(false) if !plan.stores_rows() => {
                "integer rows as coefficients; f32 rows not stored"
            }
            Some(false) => "integer rows as coefficients; f32 rows stored",
            None => "f32 rows stored",
        };
        outln!("           {stored}")?;
    }
    if let Some(range) = model.data_range() {
        outln!(
            "x̂₀ clip    {}",
            if range.clips() {
                let dynamic = range.dynamic().map_or(String::new(), |d| {
                    format!(
                        ", after a dynamic threshold (percentile {:.4} of |x̂₀ − centre| / half-width, \
                         s in [1, {}])",
                        f64::from(d.percentile()) / 65536.0,
                        d.max()
                    )
                });
                format!(
                    "every row, to the training range ± {} % of its width (per dimension){dynamic}",
                    100.0 * range.margin()
                )
            } else {
                "none (the training range is stored for reports only)".into()
            }
        )?;
    }
    if let Some(d) = model.anomaly() {
        let rows: Vec<String> = d.rows().map(|r| r.to_string()).collect();
        outln!(
            "anomaly    threshold {} (fixed point {} in Q32.32), plan {} rows {}, {} draws per level",
            d.threshold(),
            d.threshold_q(),
            d.plan(),
            rows.join(", "),
            d.repeats()
        )?;
        if d.weighted() {
            let weights: Vec<String> = (0..rows.len()).map(|i| d.weight(i).to_string()).collect();
            outln!(
                "           level weights {} (inverse mean scores on normal data)",
                weights.join(", ")
            )?;
        }
    }
    Ok(())
}
