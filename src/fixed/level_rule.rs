//! A plan row's coefficients derived on the device from the rows' levels.
//!
//! In a DDPM, DDIM or PF-ODE Euler plan every coefficient of row `k` follows
//! from two numbers per state: the level (`α`, `σ`) of the state before the
//! row and that of the state after it (the next row's, or the clean end
//! `α = 1, σ = 0` after the last row). A plan can therefore store only its
//! rows' levels and times, and [`derive_coefficients`] computes the thirteen
//! [`Coefficient`]s of a row in integers, with the compiler's formulas
//! (`plan::Compiler`, notation `t` = this row's level, `s` = the next):
//!
//! - x̂₀ `= p·x + q·out` from [`Prediction`]: ε: `(1/α_t, −σ_t/α_t)`;
//!   sample: `(0, 1)`; v: `(α_t/n, −σ_t/n)`, `n = α_t² + σ_t²`;
//! - the posterior: `α_ts = α_t/α_s`, `var_ts = σ_t² − α_ts²σ_s²`,
//!   `small = var_ts·σ_s²/σ_t²`;
//! - DDPM: `a = α_ts·σ_s²/σ_t²`, `b = α_s·var_ts/σ_t²`, `c = √max(var, 0)`
//!   with `var` = `small` (fixed_small) or `var_ts` (fixed_large), and
//!   `c = 0` on the last row;
//! - DDIM: `c = η·√max(small, 0)`, `k = √max(σ_s² − c², 0)`, `a = k/σ_t`,
//!   `b = α_s − k·α_t/σ_t` (η = 0 is also PF-ODE Euler);
//! - the level: `α_t`, `σ_t`, `back_a = α_ts`, `back_c = √max(var_ts, 0)`.
//!
//! The order and Q formats are those of [`crate::format::FixedRow`] and of
//! the exporter's `quantise_plan`: `q` carries the network's output scale
//! times 2¹⁶ (`q_scale`: one int16 output unit in Q16.16 state units), and
//! `c`, `σ` and `back_c` apply to Q4.28 noise (a factor `2⁻¹²`).
//!
//! # Precision
//!
//! The arithmetic is a small binary floating point with the mantissas of a
//! [`Coefficient`] (31 bits), every operation rounded to nearest
//! (`real.rs`). Where the formulas subtract nearly equal terms (a step
//! small against its level), they are evaluated in an equal form that does
//! not: `var_ts = D·S/α_s²` with `D = σ_t·α_s − α_t·σ_s` and
//! `S = σ_t·α_s + α_t·σ_s`, whose products are exact and whose difference is
//! rounded once; `√small = √var_ts·σ_s/σ_t`; DDIM's
//! `σ_s² − c² = σ_s²·((1 − η²)·σ_t² + η²·α_ts²σ_s²)/σ_t²` and
//! `b = D·S·(1 + η²·(α_t·σ_s/(α_s·σ_t))²)/(σ_t·(α_s·σ_t + k·α_t))`, or `D/σ_t`
//! when `c = 0`. So every coefficient is within a few units of 2⁻³¹ of the
//! formulas' value from the same levels, relatively, whatever the step (the
//! tests below measure it against the formulas in `f64`).
//!
//! The levels bound the rest: where a formula cancels, it amplifies their
//! rounding. On a 1000-row DDPM plan, `b = α_s·var_ts/σ_t²` moves several
//! hundred times as much, relatively, as `α` and `σ` do (its condition
//! number, about 450 on the linear schedule), so levels rounded to 24 bits
//! (an `f32`) give a `b` within about 2⁻¹⁴ of the one from exact levels:
//! store levels with as many bits as the layout has.
//!
//! # Total
//!
//! No input panics or overflows. A level's `α` and `σ` are read by their
//! magnitude (no schedule has a negative one). A division by zero gives the
//! largest magnitude of the numerator's sign (`0/0` gives 0), and so does
//! a result beyond the internal exponent range (`2^±4096`); at the end a
//! magnitude of `2³¹` or more saturates to `±(2³¹ − 1)·2⁰`, and one below
//! `2⁻³²` is rounded at the largest shift (62), to zero below `2⁻⁶³`. So
//! `α = 0` with ε-prediction gives `p = 2³¹ − 1` and `q = −(2³¹ − 1)`, and
//! `σ_t = 0` saturates the coefficients divided by it (a row from `σ = 0`
//! onto `σ = 0` has `a = b = 0`). Results are pure integer arithmetic:
//! the same bits on every target.
#![deny(clippy::float_arithmetic)]

mod real;

use real::Real;

use super::{Coefficient, STATE_FRAC_BITS};
use crate::format::COEFFICIENTS;
use crate::plan::{DdpmVariance, Prediction, SamplerKind};

/// `c`, `σ` and `back_c` apply to Q4.28 noise and give Q16.16: `2⁻¹²`.
const NOISE_SHIFT: i32 = (crate::noise::FRAC_BITS - STATE_FRAC_BITS) as i32;

/// How a plan's coefficients follow from its rows' levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LevelRule {
    /// DDPM ancestral sampling.
    Ddpm {
        /// Which posterior variance the noise has.
        variance: DdpmVariance,
    },
    /// DDIM with noise factor η; η = 0 is also the probability-flow ODE's
    /// Euler step.
    Ddim {
        /// η.
        eta: Coefficient,
    },
}

impl LevelRule {
    /// The rule that derives `sampler`'s rows, if one does (DDPM, DDIM,
    /// PF-ODE Euler), with `eta` as DDIM's η (PF-ODE Euler's is 0).
    pub fn of(sampler: SamplerKind, eta: Coefficient) -> Option<LevelRule> {
        match sampler {
            SamplerKind::Ddpm { variance } => Some(LevelRule::Ddpm { variance }),
            SamplerKind::Ddim { .. } => Some(LevelRule::Ddim { eta }),
            SamplerKind::PfOdeEuler => Some(LevelRule::Ddim {
                eta: Coefficient::default(),
            }),
            _ => None,
        }
    }
}

/// The level of the state before a row: `x = α·x₀ + σ·z` (real values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Level {
    /// `α`, the scale of the clean signal.
    pub alpha: Coefficient,
    /// `σ`, the standard deviation of the noise.
    pub sigma: Coefficient,
}

impl Level {
    /// The clean end, after a plan's last row: `α = 1, σ = 0`.
    pub const CLEAN: Level = Level {
        alpha: Coefficient::ONE,
        sigma: Coefficient { m: 0, shift: 0 },
    };
}

/// The thirteen coefficients of a row whose state is at level `here`,
/// `[p, q, a, b, c, d, e, f, g, α, σ, back_a, back_c]` as
/// [`crate::format::FixedRow::coefficients`] (`d` to `g` are zero for
/// these samplers).
///
/// `next` is the next row's level; `None` makes this the last row, which
/// steps onto the clean end (and, for DDPM, adds no noise). `q_scale`,
/// folded into `q`, is the network's output scale times 2¹⁶: one unit of
/// its int16 output in Q16.16 state units. The module docs say how precise
/// and how total this is.
pub fn derive_coefficients(
    rule: LevelRule,
    prediction: Prediction,
    q_scale: Coefficient,
    here: Level,
    next: Option<Level>,
) -> [Coefficient; COEFFICIENTS] {
    let last = next.is_none();
    let level = |l: Level| {
        (
            Real::from_coefficient(l.alpha).abs(),
            Real::from_coefficient(l.sigma).abs(),
        )
    };
    let (alpha_t, sigma_t) = level(here);
    let (alpha_s, sigma_s) = level(next.unwrap_or(Level::CLEAN));
    let (p, q) = to_x0(prediction, alpha_t, sigma_t);

    let alpha_ts = alpha_t.div(alpha_s);
    // σ_t·α_s and α_t·σ_s exactly; var_ts = D·S/α_s².
    let (forward, backward) = (sigma_t.product(alpha_s), alpha_t.product(sigma_s));
    let difference = forward.plus(backward.neg());
    let ds = difference.mul(forward.plus(backward));
    let var_ts = ds.div(alpha_s.mul(alpha_s));
    // √max(var_ts, 0), and σ_s/σ_t: √max(small, 0) = root·σ_s/σ_t.
    let root = var_ts.sqrt();
    let sigma_ratio = sigma_s.div(sigma_t);

    let (a, b, c) = match rule {
        LevelRule::Ddpm { variance } => {
            let c = match variance {
                DdpmVariance::FixedSmall => root.mul(sigma_ratio),
                DdpmVariance::FixedLarge => root,
            };
            (
                alpha_ts.mul(sigma_ratio.mul(sigma_ratio)),
                alpha_s.mul(var_ts).div(sigma_t.mul(sigma_t)),
                if last { Real::ZERO } else { c },
            )
        }
        LevelRule::Ddim { eta } => {
            let eta = Real::from_coefficient(eta);
            let small_positive = root.is_positive() && sigma_ratio.is_positive();
            if eta == Real::ZERO || !small_positive {
                // c = 0, k = σ_s: b = α_s − σ_s·α_t/σ_t = D/σ_t.
                (sigma_ratio, difference.div(sigma_t), Real::ZERO)
            } else {
                let eta2 = eta.mul(eta);
                let one_minus_eta2 = Real::ONE.sub(eta).mul(Real::ONE.add(eta));
                let scaled_s = alpha_ts.mul(sigma_s);
                // (σ_s² − c²)·σ_t²/σ_s²: positive terms for η ≤ 1.
                let rest = one_minus_eta2
                    .mul(sigma_t.mul(sigma_t))
                    .add(eta2.mul(scaled_s.mul(scaled_s)));
                let k = sigma_ratio.mul(rest.sqrt());
                let c = eta.mul(root.mul(sigma_ratio));
                if k.is_positive() {
                    let (forward, backward) = (forward.round(), backward.round());
                    let ratio = backward.div(forward);
                    let gain = Real::ONE.add(eta2.mul(ratio.mul(ratio)));
                    let denominator = sigma_t.mul(forward.add(k.mul(alpha_t)));
                    (k.div(sigma_t), ds.mul(gain).div(denominator), c)
                } else {
                    (Real::ZERO, alpha_s, c)
                }
            }
        }
    };

    let noise = |r: Real| r.scaled(-NOISE_SHIFT);
    let q_scale = Real::from_coefficient(q_scale);
    [
        p,
        q.mul(q_scale),
        a,
        b,
        noise(c),
        Real::ZERO,
        Real::ZERO,
        Real::ZERO,
        Real::ZERO,
        alpha_t,
        noise(sigma_t),
        alpha_ts,
        noise(root),
    ]
    .map(Real::to_coefficient)
}

/// `(p, q)` with `x̂₀ = p·x + q·out` at level `(α, σ)`.
fn to_x0(prediction: Prediction, alpha: Real, sigma: Real) -> (Real, Real) {
    match prediction {
        Prediction::Epsilon => {
            let p = Real::ONE.div(alpha);
            (p, sigma.mul(p).neg())
        }
        Prediction::Sample => (Real::ZERO, Real::ONE),
        Prediction::Velocity => {
            let inverse = Real::ONE.div(alpha.product(alpha).plus(sigma.product(sigma)));
            (alpha.mul(inverse), sigma.mul(inverse).neg())
        }
    }
}

#[cfg(all(test, feature = "std"))]
#[allow(
    clippy::float_arithmetic, // the f64 formulas to compare with
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::{Level, LevelRule, NOISE_SHIFT, derive_coefficients};
    use crate::fixed::Coefficient;
    use crate::format::COEFFICIENTS;
    use crate::plan::{Compiler, DdpmVariance, PlanRow, PlanSpec, Prediction, SamplerKind};
    use crate::schedule::{BetaSchedule, DiscreteSchedule, Schedule, Sde, Spacing};
    use proptest::prelude::*;
    use std::vec::Vec;
    use std::{format, println};

    /// An f64 value and, to first order, how much it moves when its inputs
    /// move by a relative `u`: at most `u·m` (its condition).
    #[derive(Clone, Copy, Debug)]
    struct Conditioned {
        v: f64,
        m: f64,
    }

    impl Conditioned {
        fn input(v: f64) -> Self {
            Conditioned { v, m: v.abs() }
        }
        fn constant(v: f64) -> Self {
            Conditioned { v, m: 0.0 }
        }
        fn add(self, o: Self) -> Self {
            Conditioned {
                v: self.v + o.v,
                m: self.m + o.m,
            }
        }
        fn sub(self, o: Self) -> Self {
            self.add(o.neg())
        }
        fn neg(self) -> Self {
            Conditioned { v: -self.v, ..self }
        }
        fn mul(self, o: Self) -> Self {
            Conditioned {
                v: self.v * o.v,
                m: self.m * o.v.abs() + self.v.abs() * o.m,
            }
        }
        fn div(self, o: Self) -> Self {
            let v = self.v / o.v;
            Conditioned {
                v,
                m: (self.m + v.abs() * o.m) / o.v.abs(),
            }
        }
        /// `√max(x, 0)`.
        fn sqrt(self) -> Self {
            let v = self.v.max(0.0).sqrt();
            let m = if v > 0.0 {
                self.m / (2.0 * v)
            } else {
                self.m.sqrt()
            };
            Conditioned { v, m }
        }
    }

    /// The thirteen coefficients by the compiler's formulas in f64, as
    /// written there (`plan::compiler`: `posterior`, `ddpm`, `ddim`;
    /// `Prediction::to_x0`; `plan::level::row_level`), from the levels'
    /// values.
    fn reference(
        rule: LevelRule,
        prediction: Prediction,
        q_scale: f64,
        here: Level,
        next: Option<Level>,
    ) -> [Conditioned; COEFFICIENTS] {
        let level = |l: Level| {
            (
                Conditioned::input(l.alpha.to_real()),
                Conditioned::input(l.sigma.to_real()),
            )
        };
        let (alpha_t, sigma_t) = level(here);
        let (alpha_s, sigma_s) = level(next.unwrap_or(Level::CLEAN));
        let (one, zero) = (Conditioned::constant(1.0), Conditioned::constant(0.0));
        let (p, q) = match prediction {
            Prediction::Epsilon => (one.div(alpha_t), sigma_t.neg().div(alpha_t)),
            Prediction::Sample => (zero, one),
            Prediction::Velocity => {
                let n = alpha_t.mul(alpha_t).add(sigma_t.mul(sigma_t));
                (alpha_t.div(n), sigma_t.neg().div(n))
            }
        };
        let alpha_ts = alpha_t.div(alpha_s);
        let var_ts = sigma_t
            .mul(sigma_t)
            .sub(alpha_ts.mul(alpha_ts).mul(sigma_s).mul(sigma_s));
        let small = var_ts.mul(sigma_s).mul(sigma_s).div(sigma_t.mul(sigma_t));
        let var_t = sigma_t.mul(sigma_t);
        let (a, b, c) = match rule {
            LevelRule::Ddpm { variance } => {
                let var = match variance {
                    DdpmVariance::FixedSmall => small,
                    DdpmVariance::FixedLarge => var_ts,
                };
                (
                    alpha_ts.mul(sigma_s).mul(sigma_s).div(var_t),
                    alpha_s.mul(var_ts).div(var_t),
                    if next.is_none() { zero } else { var.sqrt() },
                )
            }
            LevelRule::Ddim { eta } => {
                let c = Conditioned::constant(eta.to_real()).mul(small.sqrt());
                let k = sigma_s.mul(sigma_s).sub(c.mul(c)).sqrt();
                (k.div(sigma_t), alpha_s.sub(k.mul(alpha_t).div(sigma_t)), c)
            }
        };
        let noise = Conditioned::constant(libm::ldexp(1.0, -NOISE_SHIFT));
        [
            p,
            q.mul(Conditioned::constant(q_scale)),
            a,
            b,
            c.mul(noise),
            zero,
            zero,
            zero,
            zero,
            alpha_t,
            sigma_t.mul(noise),
            alpha_ts,
            var_ts.sqrt().mul(noise),
        ]
    }

    /// The row's level as an exporter packs it.
    fn level_of(row: &PlanRow) -> Level {
        Level {
            alpha: Coefficient::packable(f64::from(row.alpha)).unwrap(),
            sigma: Coefficient::packable(f64::from(row.sigma)).unwrap(),
        }
    }

    fn rule_of(sampler: SamplerKind) -> LevelRule {
        match sampler {
            SamplerKind::Ddpm { variance } => LevelRule::Ddpm { variance },
            SamplerKind::Ddim { eta } => LevelRule::Ddim {
                eta: Coefficient::from_real(eta).unwrap(),
            },
            other => panic!("{other:?} has no level rule"),
        }
    }

    fn discrete(betas: BetaSchedule<'static>, zero_terminal_snr: bool) -> Schedule<'static> {
        Schedule::Discrete(DiscreteSchedule {
            betas,
            train_steps: 1000,
            zero_terminal_snr,
        })
    }

    const LINEAR: BetaSchedule<'static> = BetaSchedule::Linear {
        start: 1e-4,
        end: 0.02,
    };

    /// The plans the tests derive: DDPM (both variances) at 1000 and 50
    /// rows, DDIM (η 0, ½, 1) at 50 and 10 rows, every spacing, on the
    /// linear and cosine schedules (and the linear one at zero terminal
    /// SNR, α = 0 on the first row, for x̂₀- and v-prediction), DDIM also
    /// on VP and VE (σ up to 80) SDEs; predictions ε, x̂₀ and v.
    fn plans() -> Vec<(Schedule<'static>, PlanSpec)> {
        let mut plans = Vec::new();
        let spacings = [Spacing::Leading, Spacing::Trailing, Spacing::Linspace];
        let predictions = [
            Prediction::Epsilon,
            Prediction::Sample,
            Prediction::Velocity,
        ];
        let discrete_schedules = [
            (discrete(LINEAR, false), false),
            (discrete(BetaSchedule::SquaredCosCapV2, false), false),
            (discrete(LINEAR, true), true),
        ];
        let sdes = [
            Schedule::Sde(Sde::Vp {
                beta_min: 0.1,
                beta_max: 20.0,
            }),
            Schedule::Sde(Sde::Ve {
                sigma_min: 0.01,
                sigma_max: 80.0,
            }),
        ];
        let mut samplers = Vec::new();
        for variance in [DdpmVariance::FixedSmall, DdpmVariance::FixedLarge] {
            for steps in [1000, 50] {
                samplers.push((SamplerKind::Ddpm { variance }, steps, false));
            }
        }
        for eta in [0.0, 0.5, 1.0] {
            for steps in [50, 10] {
                samplers.push((SamplerKind::Ddim { eta }, steps, true));
            }
        }
        for &(sampler, steps, on_sde) in &samplers {
            for prediction in predictions {
                let spec = PlanSpec {
                    prediction,
                    ..PlanSpec::new(sampler, steps)
                };
                for &(schedule, zero_snr) in &discrete_schedules {
                    if zero_snr && prediction == Prediction::Epsilon {
                        continue; // x̂₀ from ε is undefined at α = 0
                    }
                    for spacing in spacings {
                        plans.push((schedule, PlanSpec { spacing, ..spec }));
                    }
                }
                if on_sde {
                    plans.extend(sdes.iter().map(|&schedule| (schedule, spec)));
                }
            }
        }
        plans
    }

    /// The largest errors seen over [`plans`].
    #[derive(Default, Debug)]
    struct Worst {
        /// Relative error against the f64 formulas rounded by `from_real`.
        relative: f64,
        /// Coefficients equal to the rounded f64 formulas, and all compared.
        equal: usize,
        compared: usize,
        /// `|derived − compiler|` over `2⁻²⁴·(|v| + m)`, the compiler's f32
        /// row value against the f32-rounded levels (first order).
        compiler: f64,
        /// Relative error against the compiler's row value.
        compiler_relative: f64,
    }

    /// The output scale folded into `q` (a network output unit of about
    /// 2⁻⁸ in Q16.16 state units).
    const Q_SCALE: f64 = 255.3;

    fn check_plan(schedule: Schedule<'static>, spec: PlanSpec, worst: &mut Worst) {
        let compiler = Compiler::new(schedule, spec).unwrap();
        let rows: Vec<PlanRow> = (0..compiler.header().rows as usize)
            .map(|i| compiler.compute_row(i).unwrap())
            .collect();
        let rule = rule_of(spec.sampler);
        let q_scale = Coefficient::from_real(Q_SCALE).unwrap();
        let u = 2f64.powi(-24);
        for (k, row) in rows.iter().enumerate() {
            let here = level_of(row);
            let next = rows.get(k + 1).map(level_of);
            let got = derive_coefficients(rule, spec.prediction, q_scale, here, next)
                .map(|c| c.to_real());
            let want = reference(rule, spec.prediction, q_scale.to_real(), here, next);
            for (j, (&g, w)) in got.iter().zip(&want).enumerate() {
                let rounded = Coefficient::from_real(w.v).unwrap().to_real();
                let error = (g - rounded).abs();
                let context = || format!("{schedule:?} {spec:?} row {k} coefficient {j}");
                // The f64 formulas cancel in places: allow their own
                // rounding (a few 2⁻⁵³ times their condition).
                assert!(
                    error <= 2f64.powi(-27) * w.v.abs() + 2f64.powi(-48) * w.m,
                    "{}: {g} vs {} (f64 {})",
                    context(),
                    rounded,
                    w.v
                );
                if w.v != 0.0 {
                    worst.relative = worst.relative.max(error / w.v.abs());
                }
                worst.equal += usize::from(g == rounded);
                worst.compared += 1;
            }
            // Against the compiler's own f32 row, from unrounded levels.
            let noise = libm::ldexp(1.0, NOISE_SHIFT);
            let pairs = [
                (got[0], row.p, want[0]),
                (got[1] / Q_SCALE, row.q, want[1]),
                (got[2], row.a, want[2]),
                (got[3], row.b, want[3]),
                (got[4] * noise, row.c, want[4]),
            ];
            for (j, (g, compiled, w)) in pairs.into_iter().enumerate() {
                let scale = if j == 1 {
                    1.0 / Q_SCALE
                } else if j == 4 {
                    noise
                } else {
                    1.0
                };
                let bound = u * (w.v.abs() + w.m) * scale;
                let error = (g - f64::from(compiled)).abs();
                assert!(
                    error <= 2.0 * bound,
                    "{schedule:?} {spec:?} row {k} coefficient {j}: {g} vs compiler {compiled}"
                );
                if bound > 0.0 {
                    worst.compiler = worst.compiler.max(error / bound);
                }
                if compiled != 0.0 {
                    worst.compiler_relative = worst
                        .compiler_relative
                        .max(error / f64::from(compiled).abs());
                }
            }
        }
    }

    #[test]
    fn compiled_plans_derive_their_coefficients_from_their_levels() {
        let mut worst = Worst::default();
        let plans = plans();
        for &(schedule, spec) in &plans {
            check_plan(schedule, spec, &mut worst);
        }
        println!("{} plans: {worst:?}", plans.len());
        assert!(worst.relative <= 2f64.powi(-27));
    }

    fn level(alpha: f64, sigma: f64) -> Level {
        Level {
            alpha: Coefficient::from_real(alpha).unwrap(),
            sigma: Coefficient::from_real(sigma).unwrap(),
        }
    }

    const SATURATED: Coefficient = Coefficient {
        m: i32::MAX,
        shift: 0,
    };

    fn negative(c: Coefficient) -> Coefficient {
        Coefficient { m: -c.m, ..c }
    }

    fn rules() -> [LevelRule; 5] {
        let eta = |v| LevelRule::Ddim {
            eta: Coefficient::from_real(v).unwrap(),
        };
        [
            LevelRule::Ddpm {
                variance: DdpmVariance::FixedSmall,
            },
            LevelRule::Ddpm {
                variance: DdpmVariance::FixedLarge,
            },
            eta(0.0),
            eta(0.5),
            eta(1.0),
        ]
    }

    #[test]
    fn alpha_zero_saturates_the_epsilon_form() {
        let here = level(0.0, 1.0);
        for rule in rules() {
            let [p, q, .., alpha, _, back_a, _] = derive_coefficients(
                rule,
                Prediction::Epsilon,
                Coefficient::ONE,
                here,
                Some(level(0.1, 0.99)),
            );
            assert_eq!((p, q), (SATURATED, negative(SATURATED)));
            assert_eq!(
                (alpha, back_a),
                (Coefficient::default(), Coefficient::default())
            );
        }
    }

    #[test]
    fn sigma_zero_saturates_what_is_divided_by_it() {
        let here = level(1.0, 0.0);
        let next = Some(level(0.9, 0.1));
        let ddpm = derive_coefficients(
            rules()[0],
            Prediction::Epsilon,
            Coefficient::ONE,
            here,
            next,
        );
        // a = α_ts·σ_s²/0; b = α_s·var_ts/0 with var_ts < 0 (the next
        // level is noisier); p = 1/α, q = −0/α.
        assert_eq!(ddpm[0], Coefficient::ONE);
        assert_eq!(ddpm[1], Coefficient::default());
        assert_eq!((ddpm[2], ddpm[3]), (SATURATED, negative(SATURATED)));
        for rule in &rules()[2..] {
            // k = σ_s, a = k/0, b = α_s − k·α_t/0.
            let ddim =
                derive_coefficients(*rule, Prediction::Epsilon, Coefficient::ONE, here, next);
            assert_eq!((ddim[2], ddim[3]), (SATURATED, negative(SATURATED)));
        }
        // From σ = 0 onto σ = 0 the formulas are 0/0: zero.
        for rule in rules() {
            let [_, _, a, b, c, ..] =
                derive_coefficients(rule, Prediction::Sample, Coefficient::ONE, here, None);
            assert_eq!([a, b, c], [Coefficient::default(); 3]);
        }
    }

    #[test]
    fn a_row_onto_its_own_level_keeps_the_state() {
        let here = level(0.6, 0.8);
        for rule in rules() {
            let [_, _, a, b, c, .., back_a, back_c] = derive_coefficients(
                rule,
                Prediction::Velocity,
                Coefficient::ONE,
                here,
                Some(here),
            );
            assert_eq!(
                (a, b, c),
                (
                    Coefficient::ONE,
                    Coefficient::default(),
                    Coefficient::default()
                )
            );
            assert_eq!((back_a, back_c), (Coefficient::ONE, Coefficient::default()));
        }
    }

    #[test]
    fn large_noise_levels_are_exact_or_saturate() {
        // VE at σ = 80: within range, as the f64 formulas.
        let (here, next) = (level(1.0, 80.0), level(1.0, 60.0));
        for rule in rules() {
            let got = derive_coefficients(
                rule,
                Prediction::Epsilon,
                Coefficient::ONE,
                here,
                Some(next),
            );
            let want = reference(rule, Prediction::Epsilon, 1.0, here, Some(next));
            for (g, w) in got.iter().zip(&want) {
                let w = Coefficient::from_real(w.v).unwrap().to_real();
                assert!(
                    (g.to_real() - w).abs() <= 2f64.powi(-28) * w.abs(),
                    "{g:?} vs {w}"
                );
            }
        }
        // The largest σ a coefficient holds: q = −σ·Q/α saturates.
        let huge = Level {
            alpha: Coefficient::ONE,
            sigma: SATURATED,
        };
        let [_, q, ..] = derive_coefficients(
            rules()[0],
            Prediction::Epsilon,
            Coefficient::ONE,
            huge,
            Some(huge),
        );
        assert_eq!(q, negative(SATURATED));
    }

    /// A valid coefficient: `|m|` in `[2³⁰, 2³¹)`, or rounded at shift 62,
    /// or zero.
    fn is_normalised(c: Coefficient) -> bool {
        let m = c.m.unsigned_abs();
        c.shift <= 62 && m < 1 << 31 && (m >= 1 << 30 || c.shift == 62 || m == 0)
    }

    fn any_coefficient() -> impl Strategy<Value = Coefficient> {
        (any::<i32>(), prop_oneof![0u32..=70, any::<u32>()])
            .prop_map(|(m, shift)| Coefficient { m, shift })
    }

    proptest! {
        #[test]
        fn any_input_gives_valid_coefficients(
            alpha_t in any_coefficient(),
            sigma_t in any_coefficient(),
            next in proptest::option::of((any_coefficient(), any_coefficient())),
            q_scale in any_coefficient(),
            eta in any_coefficient(),
            rule in 0usize..3,
            prediction in 0usize..3,
        ) {
            let rule = [
                LevelRule::Ddpm { variance: DdpmVariance::FixedSmall },
                LevelRule::Ddpm { variance: DdpmVariance::FixedLarge },
                LevelRule::Ddim { eta },
            ][rule];
            let prediction = [Prediction::Epsilon, Prediction::Sample, Prediction::Velocity][prediction];
            let here = Level { alpha: alpha_t, sigma: sigma_t };
            let next = next.map(|(alpha, sigma)| Level { alpha, sigma });
            for c in derive_coefficients(rule, prediction, q_scale, here, next) {
                prop_assert!(is_normalised(c), "{c:?}");
            }
        }
    }
}
