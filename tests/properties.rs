//! Property tests of schedules and plans over the whole configuration space.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use proptest::prelude::*;
use tinyscore::plan::{
    Compiler, DdpmVariance, LangevinStep, Plan, PlanError, PlanSpec, Prediction, SamplerKind,
    SnrStep,
};
use tinyscore::schedule::{BetaSchedule, DiscreteSchedule, Schedule, Sde, Spacing};

fn beta_schedule() -> impl Strategy<Value = BetaSchedule<'static>> {
    (1e-5f64..1e-2, 1e-3f64..0.05).prop_flat_map(|(start, extra)| {
        let end = start + extra;
        prop_oneof![
            Just(BetaSchedule::Linear { start, end }),
            Just(BetaSchedule::ScaledLinear { start, end }),
            Just(BetaSchedule::Sigmoid { start, end }),
            Just(BetaSchedule::SquaredCosCapV2),
        ]
    })
}

fn discrete() -> impl Strategy<Value = DiscreteSchedule<'static>> {
    (beta_schedule(), 2u32..1500, any::<bool>()).prop_map(|(betas, train_steps, ztsnr)| {
        DiscreteSchedule {
            betas,
            train_steps,
            zero_terminal_snr: ztsnr,
        }
    })
}

fn sde() -> impl Strategy<Value = Sde> {
    prop_oneof![
        (0.01f64..1.0, 1.0f64..30.0).prop_map(|(a, b)| Sde::Vp {
            beta_min: a,
            beta_max: a + b
        }),
        (0.01f64..1.0, 1.0f64..30.0).prop_map(|(a, b)| Sde::SubVp {
            beta_min: a,
            beta_max: a + b
        }),
        (1e-3f64..0.1, 2.0f64..100.0).prop_map(|(a, b)| Sde::Ve {
            sigma_min: a,
            sigma_max: a * b
        }),
        (0.1f64..3.0, 0.1f64..3.0, 0.5f64..5.0)
            .prop_map(|(beta, sigma, t_end)| { Sde::OrnsteinUhlenbeck { beta, sigma, t_end } }),
        (1e-3f64..0.1, 10.0f64..1000.0, 1.0f64..10.0).prop_map(|(a, b, rho)| Sde::Edm {
            sigma_min: a,
            sigma_max: a * b,
            rho
        }),
    ]
}

fn sampler() -> impl Strategy<Value = SamplerKind> {
    prop_oneof![
        Just(SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall
        }),
        Just(SamplerKind::Ddpm {
            variance: DdpmVariance::FixedLarge
        }),
        (0.0f64..2.0).prop_map(|eta| SamplerKind::Ddim { eta }),
        Just(SamplerKind::EulerMaruyama),
        Just(SamplerKind::PfOdeEuler),
        Just(SamplerKind::PfOdeHeun { churn: 0.0 }),
        (0.0f64..4.0).prop_map(|churn| SamplerKind::PfOdeHeun { churn }),
        Just(SamplerKind::DpmSolverPp2m),
        (1u32..5, 1e-6f64..1e-3, any::<bool>()).prop_map(|(k, epsilon, d)| {
            SamplerKind::AnnealedLangevin {
                steps_per_level: k,
                step: LangevinStep::Annealed { epsilon },
                denoise_final: d,
            }
        }),
        (1u32..3, 0.01f64..0.5).prop_map(|(m, snr)| SamplerKind::PredictorCorrector {
            corrector_steps: m,
            step: SnrStep::new(snr),
        }),
    ]
}

fn prediction() -> impl Strategy<Value = Prediction> {
    prop_oneof![
        Just(Prediction::Epsilon),
        Just(Prediction::Sample),
        Just(Prediction::Velocity)
    ]
}

fn spacing() -> impl Strategy<Value = Spacing> {
    prop_oneof![
        Just(Spacing::Leading),
        Just(Spacing::Trailing),
        Just(Spacing::Linspace)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// ᾱ decreases strictly from ≤ 1 and stays positive, except the last
    /// value of a zero-terminal-SNR schedule, which is exactly 0.
    #[test]
    fn alpha_bar_is_monotone(d in discrete()) {
        prop_assume!(Schedule::Discrete(d).validate().is_ok());
        let n = d.train_steps;
        let mut prev = 1.0;
        for i in 0..n {
            let ab = d.alpha_bar(i);
            prop_assert!(ab < prev || (ab == 0.0 && prev == 0.0), "t={i}: {ab} after {prev}");
            if d.zero_terminal_snr && i == n - 1 {
                prop_assert!(ab.abs() < 1e-12, "terminal alpha_bar {ab}");
            } else {
                prop_assert!(ab > 0.0);
            }
            prev = ab;
        }
    }

    /// SDE marginals: α decreasing from 1 (VE: constant 1; EDM: from
    /// 1/√(1 + σ_min²)), σ increasing from 0 (VE: from σ_min; EDM: from
    /// σ_min·α), both finite.
    #[test]
    fn sde_marginals_are_monotone(s in sde()) {
        let t_end = s.t_end();
        let mut prev = s.marginal(0.0);
        let start = match s {
            Sde::Edm { sigma_min, .. } => 1.0 / (1.0 + sigma_min * sigma_min).sqrt(),
            _ => 1.0,
        };
        prop_assert!((prev.alpha - start).abs() < 1e-12);
        for k in 1..=200 {
            let m = s.marginal(t_end * f64::from(k) / 200.0);
            prop_assert!(m.alpha.is_finite() && m.sigma.is_finite());
            prop_assert!(m.alpha <= prev.alpha && m.sigma > prev.sigma);
            prop_assert!(s.diffusion_squared(t_end * f64::from(k) / 200.0) > 0.0);
            prev = m;
        }
    }

    /// Every configuration compiles to finite rows or fails with a typed
    /// error, and every configuration the docs call supported compiles.
    #[test]
    fn plans_are_finite_or_rejected(
        use_sde in any::<bool>(),
        d in discrete(),
        s in sde(),
        sampler in sampler(),
        steps in 1u32..120,
        spacing in spacing(),
        steps_offset in 0u32..3,
        t_min in prop_oneof![Just(1e-7f64), 1e-6f64..1e-2],
        prediction in prediction(),
        clip in prop_oneof![Just(None), Just(Some(1.0f32))],
    ) {
        let schedule = if use_sde { Schedule::Sde(s) } else { Schedule::Discrete(d) };
        prop_assume!(schedule.validate().is_ok());
        let spec = PlanSpec { sampler, steps, spacing, steps_offset, t_min, prediction, clip };
        match Compiler::new(schedule, spec) {
            Ok(c) => {
                let h = c.header();
                prop_assert!(h.init_std.is_finite() && h.init_std > 0.0);
                for i in 0..h.rows as usize {
                    let row = c.row(i).unwrap();
                    prop_assert!(row.to_array().iter().all(|v| v.is_finite()), "row {i}: {row:?}");
                }
            }
            Err(e) => {
                let zero_snr = matches!(schedule, Schedule::Discrete(d) if d.zero_terminal_snr);
                let needs_sde = matches!(
                    sampler,
                    SamplerKind::EulerMaruyama | SamplerKind::PredictorCorrector { .. }
                );
                let expected = match e {
                    PlanError::NeedsSde => needs_sde && !use_sde,
                    PlanError::Steps => !use_sde
                        && (steps > d.train_steps
                            || (spacing == Spacing::Leading
                                && (steps - 1) * (d.train_steps / steps) + steps_offset
                                    >= d.train_steps)),
                    // Singular only at α = 0: ε-prediction, or the Heun
                    // accumulator (x/α), on the first point of a
                    // zero-terminal-SNR schedule.
                    PlanError::NonFinite { row } => zero_snr
                        && row == 0
                        && (prediction == Prediction::Epsilon
                            || matches!(sampler, SamplerKind::PfOdeHeun { .. })),
                    _ => false,
                };
                prop_assert!(expected, "unexpected {e:?} for {spec:?} on {schedule:?}");
            }
        }
    }

    /// DDIM with η = 1 adds exactly DDPM's `fixed_small` posterior noise, and
    /// with η = 0 it is the probability-flow Euler step and DPM-Solver++'s
    /// first-order step.
    #[test]
    fn ddim_eta_one_is_ddpm_and_eta_zero_is_first_order_ode(
        d in discrete(), steps in 2u32..60, spacing in spacing(),
    ) {
        let schedule = Schedule::Discrete(DiscreteSchedule { zero_terminal_snr: false, ..d });
        prop_assume!(schedule.validate().is_ok());
        let spec = |sampler| PlanSpec { spacing, ..PlanSpec::new(sampler, steps) };
        let compile = |sampler| Compiler::new(schedule, spec(sampler));
        let (Ok(ddim1), Ok(ddpm), Ok(ddim0), Ok(dpm)) = (
            compile(SamplerKind::Ddim { eta: 1.0 }),
            compile(SamplerKind::Ddpm { variance: DdpmVariance::FixedSmall }),
            compile(SamplerKind::Ddim { eta: 0.0 }),
            compile(SamplerKind::DpmSolverPp2m),
        ) else {
            return Err(TestCaseError::reject("spacing out of range"));
        };
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * a.abs().max(b.abs()) + 1e-7;
        for i in 0..steps as usize {
            let (r1, rp) = (ddim1.row(i).unwrap(), ddpm.row(i).unwrap());
            // The last DDPM step adds no noise; DDIM's posterior variance
            // onto the clean end is 0 as well.
            prop_assert!(close(r1.c, rp.c), "row {i}: {} vs {}", r1.c, rp.c);
            // DDPM's posterior mean equals DDIM η=1's mean.
            prop_assert!(close(r1.a, rp.a) && close(r1.b, rp.b), "row {i}: {r1:?} vs {rp:?}");
        }
        let (r0, rd) = (ddim0.row(0).unwrap(), dpm.row(0).unwrap());
        prop_assert!(close(r0.a, rd.a) && close(r0.b, rd.b));
    }
}
