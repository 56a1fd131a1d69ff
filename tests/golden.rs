//! Golden tests: schedules, timestep spacing and whole sampling trajectories
//! against an independent float64 reference.
//!
//! Every expected value comes from `tests/reference/golden.py` (regenerate the
//! fixtures in `tests/golden/` with `python3 tests/reference/golden.py`). That
//! script re-implements, in numpy and in each library's own form (ε-form
//! steps, k-diffusion's x̃ = x/α, σ̃ = σ/α space, score_sde's reverse SDE),
//! the functions named at each test below; it never uses this crate's
//! x̂₀-row form. The trajectories here are run with this crate's plans:
//! `plan::Compiler::compute_row` and `PlanRow::update` in `f32`.
//!
//! Where the runtime deliberately differs from the libraries the reference
//! models the runtime's choice (marked `RUNTIME CHOICE (x)` in golden.py):
//!
//! - (a) DDIM steps to the next point of the spaced list (or the clean end,
//!   ᾱ_prev = 1), not to diffusers' `t − T//N` (they differ for linspace
//!   spacing, and for trailing spacing when N does not divide T: diffusers
//!   issue #12633; diffusers' DDPMScheduler already does this).
//! - (b) DDIM with clipping recomputes ε from the clipped x̂₀ (diffusers'
//!   `use_clipped_model_output=True`).
//! - (c) DDPM adds no noise on the step onto the clean end (diffusers adds it
//!   whenever `t > 0`, e.g. from t = 1 with `steps_offset = 1`).
//! - (d) Continuous grids are `linspace(T, t_min, N)` then a step to t = 0;
//!   Euler–Maruyama uses `dt = t_{i+1} − t_i` (score_sde: −1/N) and adds no
//!   noise on its last step (score_sde returns `x_mean`).
//! - (e) The Langevin corrector of PC and annealed Langevin by the
//!   signal-to-noise rule compile to step `2(snr·σ_t)²`, the expected-norm
//!   form of score_sde's norm ratio (alpha = 1), which is score_sde's
//!   `AnnealedLangevinDynamics`; the exporter replaces it by steps measured
//!   on the model's trajectories. Corrector before predictor at each time,
//!   as score_sde.
//! - (f) PF-ODE Euler/Heun are k-diffusion's `sample_euler`/`sample_heun` in
//!   x/α over σ/α, last step Euler; DPM-Solver++(2M) is `sample_dpmpp_2m`
//!   (= diffusers' dpmsolver++ 2M midpoint, final_sigmas_type="zero",
//!   lower_order_final: first order on the step before the last below 15
//!   steps, where k-diffusion is second order). At
//!   zero terminal SNR the runtime uses ᾱ = 0 exactly (λ = −∞, so the step
//!   after it is first order) where diffusers' DPM-Solver clamps ᾱ to 2⁻²⁴.
//! - (g) Annealed Langevin levels are the grid points (geometric σ for VE,
//!   as NCSN), step `ε·σ_i²/σ_L²`, optional final Tweedie denoising.
//! - (i) DPM-Solver++(2M) takes first order where its correction would
//!   weight `D − D_prev` by more than 1 (`1/2r > 1`), as on the last steps of
//!   grids that end near t = 0.
//! - (h) Heun steps from a level σ̃ = σ/α above 100 (where α is near 0), or
//!   that divide σ̃ by more than 4, take the trapezoid rule in x̂₀,
//!   `x̃_s = r·x̃ + (1 − r)·½(D₁ + D₂)` with `r = σ̃_s/σ̃_t`, instead of
//!   k-diffusion's in ε̂, whose correction multiplies `ε̂₂ − ε̂₁` by
//!   `½·α_s·σ̃_t` and weights `D₂` by `½(1/r − 1)`.
//! - (j) Heun with churn (`sample_heun` with `s_churn`) does not churn the
//!   first step (as if `s_tmax` were below σ_max), caps a raised level at
//!   the schedule's largest, and adds the noise that raises step i's start
//!   in the row that lands on point i.
//!
//! Also modelled (not a library formula): `trailing` spacing always has N
//! points, the first N of diffusers' `np.arange(T, 0, −T/N)`, which for some
//! (T, N) such as (999, 13) has a spurious (N+1)-th entry −1.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use tinyscore::plan::{
    Compiler, DdpmVariance, LangevinStep, PlanError, PlanSpec, Prediction, SamplerKind, SnrStep,
    x0_bounds,
};
use tinyscore::schedule::{BetaSchedule, DiscreteSchedule, ExplicitBetas, Schedule, Sde, Spacing};

/// `tests/golden/schedules.txt`: ᾱ tables (diffusers) and SDE marginals (score_sde).
const SCHEDULES: &str = include_str!("golden/schedules.txt");
/// `tests/golden/spacing.txt`: diffusers `DDIMScheduler.set_timesteps`.
const SPACING: &str = include_str!("golden/spacing.txt");
/// `tests/golden/plans.txt`: reference trajectories of every sampler.
const PLANS: &str = include_str!("golden/plans.txt");

/// Non-comment, non-empty lines split on whitespace.
fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(str::split_whitespace)
        .map(Iterator::collect::<Vec<_>>)
        .filter(|t| t.first().is_some_and(|w| !w.starts_with('#')))
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

fn int(s: &str) -> u32 {
    s.parse().unwrap_or_else(|_| panic!("not an integer: {s}"))
}

/// `|got − want| ≤ rel·|want|` (so a reference 0 must be met exactly).
fn assert_rel(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: got {got:e}, reference {want:e}, rel err {:e}",
        ((got - want) / want).abs()
    );
}

/// A schedule from its fixture tokens (`discrete kind p1 p2 T ztsnr`,
/// `vp b0 b1`, `subvp b0 b1`, `ve s0 s1`, `ou beta sigma t_end`); `betas`
/// holds the little-endian table of an explicit schedule.
fn schedule<'a>(tok: &[&str], betas: &'a [u8]) -> Schedule<'a> {
    match tok[0] {
        "discrete" => {
            let (p1, p2) = (num(tok[2]), num(tok[3]));
            let betas = match tok[1] {
                "linear" => BetaSchedule::Linear { start: p1, end: p2 },
                "scaled_linear" => BetaSchedule::ScaledLinear { start: p1, end: p2 },
                "sigmoid" => BetaSchedule::Sigmoid { start: p1, end: p2 },
                "cosine" => BetaSchedule::SquaredCosCapV2,
                "explicit" => BetaSchedule::Explicit(ExplicitBetas::from_le_bytes(betas).unwrap()),
                k => panic!("beta schedule {k}"),
            };
            Schedule::Discrete(DiscreteSchedule {
                betas,
                train_steps: int(tok[4]),
                zero_terminal_snr: tok[5] == "1",
            })
        }
        "vp" => Schedule::Sde(Sde::Vp {
            beta_min: num(tok[1]),
            beta_max: num(tok[2]),
        }),
        "subvp" => Schedule::Sde(Sde::SubVp {
            beta_min: num(tok[1]),
            beta_max: num(tok[2]),
        }),
        "ve" => Schedule::Sde(Sde::Ve {
            sigma_min: num(tok[1]),
            sigma_max: num(tok[2]),
        }),
        "ou" => Schedule::Sde(Sde::OrnsteinUhlenbeck {
            beta: num(tok[1]),
            sigma: num(tok[2]),
            t_end: num(tok[3]),
        }),
        "edm" => Schedule::Sde(Sde::Edm {
            sigma_min: num(tok[1]),
            sigma_max: num(tok[2]),
            rho: num(tok[3]),
        }),
        k => panic!("schedule {k}"),
    }
}

/// ᾱ_i of `DiscreteSchedule` for linear (1e-4, 0.02), scaled_linear
/// (0.00085, 0.012), squaredcos_cap_v2, sigmoid (1e-4, 0.02) and an explicit
/// table, T = 1000, with and without zero terminal SNR, at 133 indices
/// (the first and last 12 and every 9th in between).
///
/// Reference: golden.py `alphas_cumprod`, mirroring diffusers
/// `DDPMScheduler.__init__` (`torch.linspace` betas, `betas_for_alpha_bar`,
/// sigmoid of `linspace(−6, 6)`, `trained_betas`), `rescale_zero_terminal_snr`
/// (including its round trip through betas) and `torch.cumprod`, all in f64.
///
/// Tolerance 1e-12 relative: both sides are f64 and differ only in rounding
/// (e.g. `start + (end − start)·i/(T−1)` against numpy's
/// `start + i·((end − start)/(T−1))`), about an ulp per β accumulated over
/// ≤ 1000 factors (≤ 1e-14); the zero-terminal-SNR shift √ᾱ − √ᾱ_{T−1}
/// cancels near the end and amplifies that, to 7e-14 measured at
/// ᾱ_998 of scaled_linear.
#[test]
fn discrete_alpha_bar_matches_diffusers() {
    struct Block<'t> {
        tok: Vec<&'t str>,
        betas: Vec<u8>,
        ab: Vec<(u32, f64)>,
    }
    let mut blocks: Vec<Block<'_>> = Vec::new();
    for r in records(SCHEDULES) {
        match r[0] {
            "discrete" => blocks.push(Block {
                tok: r[2..].to_vec(),
                betas: Vec::new(),
                ab: Vec::new(),
            }),
            "betas" => {
                let b = blocks.last_mut().unwrap();
                for v in &r[1..] {
                    b.betas.extend_from_slice(&num(v).to_le_bytes());
                }
            }
            "ab" => blocks.last_mut().unwrap().ab.push((int(r[1]), num(r[2]))),
            _ => {}
        }
    }
    assert_eq!(blocks.len(), 10);
    for b in &blocks {
        let mut tok = vec!["discrete"];
        tok.extend_from_slice(&b.tok);
        let s = schedule(&tok, &b.betas);
        s.validate().unwrap();
        let Schedule::Discrete(d) = s else {
            unreachable!()
        };
        assert_eq!(b.ab.len(), 133);
        for &(i, want) in &b.ab {
            let what = format!("{} ztsnr={} alpha_bar[{i}]", b.tok[0], b.tok[4]);
            assert_rel(d.alpha_bar(i), want, 1e-12, &what);
            // The marginal the plans use: α = √ᾱ, σ = √(1 − ᾱ). 1 − ᾱ
            // cancels near ᾱ = 1, where the ulp-level difference of ᾱ is
            // an absolute error of 1 − ᾱ: compare σ² with that allowance.
            let m = s.marginal(f64::from(i));
            assert_rel(m.alpha, want.sqrt(), 1e-12, &format!("{what} alpha"));
            let var = 1.0 - want;
            assert!(
                (m.sigma * m.sigma - var).abs() <= 1e-12 * var + 4.0 * f64::EPSILON,
                "{what} sigma^2: got {:e}, reference {var:e}",
                m.sigma * m.sigma
            );
        }
    }
}

/// Marginal (α_t, σ_t), drift f(t) and g(t)² of `Sde::Vp{0.1, 20}`,
/// `SubVp{0.1, 20}`, `Ve{0.01, 50}`, `OrnsteinUhlenbeck{1.5, 0.8, 2}` and
/// `Edm{0.002, 80, 7}` at eleven times from 0 to T.
///
/// Reference: golden.py `VPSDE`, `SubVPSDE`, `VESDE` (score_sde `sde_lib`:
/// `sde` and `marginal_prob`, with −expm1 for 1 − exp so that the f64
/// reference is itself accurate at t → 0) and `OUSDE` (γ_t = e^{−βt},
/// σ_t² = σ²/(2β)(1 − e^{−2βt}), f = −β, g² = σ²) and `EDMSDE` (Karras et
/// al.'s level s(t) with α = 1/√(1 + s²), σ = s·α, f = d log α/dt, g² = −2f).
///
/// Tolerance 1e-12 relative: closed forms in f64 on both sides.
#[test]
fn sde_coefficients_match_score_sde() {
    let mut sde = None;
    let mut checked = 0;
    for r in records(SCHEDULES) {
        match r[0] {
            "sde" => {
                let s = schedule(&r[1..], &[]);
                s.validate().unwrap();
                let Schedule::Sde(s) = s else { unreachable!() };
                sde = Some((r[1], s));
            }
            "m" => {
                let (name, s) = sde.unwrap();
                let t = num(r[1]);
                let m = s.marginal(t);
                let what = |q: &str| format!("{name} {q}({t})");
                assert_rel(m.alpha, num(r[2]), 1e-12, &what("alpha"));
                assert_rel(m.sigma, num(r[3]), 1e-12, &what("sigma"));
                assert_rel(s.drift(t), num(r[4]), 1e-12, &what("drift"));
                assert_rel(s.diffusion_squared(t), num(r[5]), 1e-12, &what("g^2"));
                checked += 1;
            }
            _ => {}
        }
    }
    assert_eq!(checked, 55);
}

fn spacing(s: &str) -> Spacing {
    match s {
        "leading" => Spacing::Leading,
        "trailing" => Spacing::Trailing,
        "linspace" => Spacing::Linspace,
        k => panic!("spacing {k}"),
    }
}

/// `Spacing::{Leading, Trailing, Linspace}.timestep` for 21 (T, N,
/// steps_offset) triples, including N = 1, N = T, N not dividing T, ties of
/// `np.round` (half to even), offsets that push a leading timestep to ≥ T
/// (rejected with `PlanError::Steps`; diffusers would index out of range).
///
/// Reference: golden.py `set_timesteps`, mirroring diffusers
/// `DDIMScheduler.set_timesteps` (first N entries for trailing). Exact.
#[test]
fn spacing_matches_diffusers_set_timesteps() {
    let mut cases = 0;
    for r in records(SPACING) {
        assert_eq!(r[0], "spacing");
        let (t, n, offset) = (int(r[2]), int(r[3]), int(r[4]));
        let d = DiscreteSchedule {
            betas: BetaSchedule::Linear {
                start: 1e-4,
                end: 0.02,
            },
            train_steps: t,
            zero_terminal_snr: false,
        };
        let sp = spacing(r[1]);
        assert_eq!(r.len() - 5, n as usize);
        for (i, want) in r[5..].iter().enumerate() {
            let got = sp.timestep(&d, n, offset, i as u32);
            let what = format!("{sp:?} T={t} N={n} offset={offset} i={i}");
            if *want == "E" {
                assert_eq!(got, Err(PlanError::Steps), "{what}");
            } else {
                assert_eq!(got, Ok(int(want)), "{what}");
            }
        }
        // Not from the reference: an index past the last step is an error.
        assert_eq!(sp.timestep(&d, n, offset, n), Err(PlanError::Steps));
        cases += 1;
    }
    assert_eq!(cases, 63);
}

/// The fake network of golden.py `net`, for a 2-D state: nonlinear in x and
/// t. Evaluated in f64 from the f32 state and the row's f32 time and
/// rounded to f32, like a network with f32 output.
fn net(x: [f32; 2], t: f32, w: f64) -> [f32; 2] {
    let (x0, x1, t) = (f64::from(x[0]), f64::from(x[1]), f64::from(t));
    let (c, s0, s1) = ((w * t).cos(), (w * t).sin(), (w * t + 1.0).sin());
    [
        (0.5 * x0.tanh() + 0.1 * s0 + 0.05 * x1 * c) as f32,
        (0.5 * x1.tanh() + 0.1 * s1 - 0.05 * x0 * c) as f32,
    ]
}

/// One trajectory of `plans.txt`.
struct Case<'t> {
    name: &'t str,
    /// The golden.py function and the library function it mirrors.
    reference: String,
    schedule: Vec<&'t str>,
    spec: PlanSpec,
    w: f64,
    x: [f32; 2],
    rows: Vec<Row>,
}

/// One network evaluation of a reference trajectory.
struct Row {
    /// Time the network is evaluated at.
    t: f64,
    /// Whether the reference adds noise in this update.
    noisy: bool,
    /// The noise of this update (f32 values).
    z: [f32; 2],
    /// The reference state after the update, at checkpoints.
    x: Option<[f64; 2]>,
}

fn sampler(tok: &[&str]) -> SamplerKind {
    match tok {
        ["ddpm", "small"] => SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall,
        },
        ["ddpm", "large"] => SamplerKind::Ddpm {
            variance: DdpmVariance::FixedLarge,
        },
        ["ddim", eta] => SamplerKind::Ddim { eta: num(eta) },
        ["euler"] => SamplerKind::PfOdeEuler,
        ["heun"] => SamplerKind::PfOdeHeun { churn: 0.0 },
        ["heun-churn", churn] => SamplerKind::PfOdeHeun { churn: num(churn) },
        ["dpmpp2m"] => SamplerKind::DpmSolverPp2m,
        ["em"] => SamplerKind::EulerMaruyama,
        ["langevin", k, eps, denoise] => SamplerKind::AnnealedLangevin {
            steps_per_level: int(k),
            step: LangevinStep::Annealed { epsilon: num(eps) },
            denoise_final: *denoise == "1",
        },
        ["langevin-snr", k, snr, denoise] => SamplerKind::AnnealedLangevin {
            steps_per_level: int(k),
            step: LangevinStep::Snr(SnrStep::new(num(snr))),
            denoise_final: *denoise == "1",
        },
        ["pc", k, snr] => SamplerKind::PredictorCorrector {
            corrector_steps: int(k),
            step: SnrStep::new(num(snr)),
        },
        _ => panic!("sampler {tok:?}"),
    }
}

fn parse_cases(text: &str) -> Vec<Case<'_>> {
    let mut cases = Vec::new();
    let mut cur: Option<Case<'_>> = None;
    let mut sampler_kind = None;
    let pair = |a: &str, b: &str| [num(a), num(b)];
    for r in records(text) {
        match r[0] {
            "case" => {
                cur = Some(Case {
                    name: r[1],
                    reference: String::new(),
                    schedule: Vec::new(),
                    spec: PlanSpec::new(SamplerKind::PfOdeEuler, 1),
                    w: 0.0,
                    x: [0.0; 2],
                    rows: Vec::new(),
                });
            }
            "schedule" => cur.as_mut().unwrap().schedule = r[1..].to_vec(),
            "sampler" => sampler_kind = Some(sampler(&r[1..])),
            "ref" => cur.as_mut().unwrap().reference = r[1..].join(" "),
            "spec" => {
                let c = cur.as_mut().unwrap();
                c.spec = PlanSpec {
                    sampler: sampler_kind.take().unwrap(),
                    steps: int(r[1]),
                    spacing: spacing(r[2]),
                    steps_offset: int(r[3]),
                    t_min: num(r[4]),
                    prediction: match r[5] {
                        "eps" => Prediction::Epsilon,
                        "x0" => Prediction::Sample,
                        "v" => Prediction::Velocity,
                        p => panic!("prediction {p}"),
                    },
                    clip: (r[6] != "none").then(|| num(r[6]) as f32),
                };
            }
            "net" => cur.as_mut().unwrap().w = num(r[1]),
            "x" => cur.as_mut().unwrap().x = pair(r[1], r[2]).map(|v| v as f32),
            "row" => {
                let row = Row {
                    t: num(r[1]),
                    noisy: r[2] == "1",
                    z: pair(r[3], r[4]).map(|v| v as f32),
                    x: (r.len() == 7).then(|| pair(r[5], r[6])),
                };
                cur.as_mut().unwrap().rows.push(row);
            }
            "end" => cases.push(cur.take().unwrap()),
            k => panic!("record {k}"),
        }
    }
    cases
}

/// Tolerance of the f32 trajectories, relative to the largest |x| of the
/// reference trajectory so far (at least 1: the data are normalised to unit
/// scale).
///
/// Why relative to the running maximum: the errors a row makes are relative
/// to the state it works on, and they are carried on in absolute terms. A VE
/// trajectory starts at |x| ≈ 130 and may later pass close to 0; its error
/// there is a few 1e-7 of 130, not of the small current value.
///
/// Why 1e-4: every plan coefficient is rounded to f32 (relative 6e-8) and a
/// row does ~6 f32 operations, so one row perturbs x by a few 1e-7 of its
/// scale. The samplers are contractive or nearly so (|a| + |b| ≈ 1 per row),
/// so row errors add up at most linearly: ≤ 1000 rows (the longest plan,
/// DDPM's full chain) × ~3e-7 ≈ 3e-4 in the very worst case, and like a
/// random walk (√rows × 3e-7 ≈ 1e-5) in practice. The largest error over all
/// cases is ~3e-6 (printed by `cargo test --test golden -- --nocapture`),
/// so 1e-4 leaves a wide margin while any wrong coefficient is still caught:
/// a wrong step formula or time shows up at 1e-3 or more, a wrong noise
/// weight at ~1e-2 and more, since the z are O(1).
const TRAJECTORY_RTOL: f64 = 1e-4;

/// Every sampler, run as a whole trajectory with this crate's f32 rows.
///
/// Per case: `Compiler::new(schedule, spec)`, then for each row
/// `compute_row(i)`, the fake network at `row.t`, and `PlanRow::update` per
/// element with the row's z from the fixture. Checked against the reference:
/// the row count, each row's network time, whether the row draws noise
/// (`PlanRow::draws_noise`, i.e. its noise weight is exactly 0 when the
/// reference adds none; the z of such a row is still passed to `update`),
/// and the state at checkpoints (every row for plans of ≤ 64 rows, about
/// 48 evenly spread ones otherwise, always the last).
///
/// References (golden.py; each case's `ref` line names its function, and
/// failure messages repeat it): `ddpm` (diffusers `DDPMScheduler.step`,
/// custom-timestep form, variance_type fixed_small / fixed_large,
/// clip_sample), `ddim` (diffusers `DDIMScheduler.step` with eta,
/// clip_sample, use_clipped_model_output), `sample_euler` / `sample_heun`
/// (k-diffusion, with `DiscreteEpsDDPMDenoiser` / `DiscreteVDDPMDenoiser`),
/// `dpm_solver_pp_2m` (diffusers `DPMSolverMultistepScheduler`, dpmsolver++,
/// order 2, midpoint, final_sigmas_type="zero"; the script asserts that
/// k-diffusion `sample_dpmpp_2m` gives the same trajectory), and on the
/// EDM schedule `sample_heun` (the script asserts that Karras et al.'s
/// Algorithm 1, written in EDM's own variables and preconditioning, gives
/// the same sample),
/// `euler_maruyama` (score_sde `EulerMaruyamaPredictor`),
/// `predictor_corrector` (score_sde `get_pc_sampler` with
/// `LangevinCorrector` and `EulerMaruyamaPredictor`), `annealed_langevin`
/// (NCSN `anneal_Langevin_dynamics` plus NCSNv2's final denoising),
/// `annealed_langevin_snr` (score_sde `AnnealedLangevinDynamics` on the
/// same levels),
/// `ancestral_sampling_ve` (score_sde `AncestralSamplingPredictor`, VE:
/// `SamplerKind::Ddpm { FixedSmall }` on a VE SDE), `sample_heun_churn`
/// (k-diffusion `sample_heun` with `s_churn`, on the EDM schedule).
#[test]
fn trajectories_match_reference_samplers() {
    let cases = parse_cases(PLANS);
    assert_eq!(cases.len(), 60);
    let mut worst = (0.0f64, "");
    for c in &cases {
        let name = format!("{} [{}]", c.name, c.reference);
        let s = schedule(&c.schedule, &[]);
        let compiler = Compiler::new(s, c.spec)
            .unwrap_or_else(|e| panic!("{name}: plan does not compile: {e:?}"));
        assert_eq!(
            compiler.header().rows as usize,
            c.rows.len(),
            "{name}: row count"
        );
        let mut x = c.x;
        let mut h = [0.0f32; 2];
        // Largest |x| of the reference trajectory so far (at least 1).
        let mut scale = f64::from(x[0].abs().max(x[1].abs())).max(1.0);
        for (i, r) in c.rows.iter().enumerate() {
            let row = compiler.compute_row(i).unwrap();
            // The network time: the integer timestep, or the continuous
            // t of linspace(T, t_min, N), rounded to f32.
            assert!(
                (f64::from(row.t) - r.t).abs() <= f64::from(f32::EPSILON) * r.t.abs(),
                "{name} row {i}: network time {} vs reference {}",
                row.t,
                r.t
            );
            assert_eq!(
                row.draws_noise(),
                r.noisy,
                "{name} row {i}: noise weight {}",
                row.c
            );
            let out = net(x, row.t, c.w);
            for j in 0..2 {
                let (xn, hn, _) =
                    row.update(x[j], out[j], h[j], r.z[j], x0_bounds(c.spec.clip, None));
                x[j] = xn;
                h[j] = hn;
            }
            if let Some(want) = r.x {
                scale = scale.max(want[0].abs()).max(want[1].abs());
                for j in 0..2 {
                    let err = (f64::from(x[j]) - want[j]).abs() / scale;
                    if err > worst.0 {
                        worst = (err, c.name);
                    }
                    assert!(
                        err <= TRAJECTORY_RTOL,
                        "{name} row {i} (of {}) x[{j}]: got {}, reference {}, error {err:e} of {scale}",
                        c.rows.len(),
                        x[j],
                        want[j]
                    );
                }
            }
        }
    }
    println!("largest trajectory error: {:e} ({})", worst.0, worst.1);
}
