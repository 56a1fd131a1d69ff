//! [`Gmm`]: isotropic Gaussian mixtures, the one data family whose noised
//! marginals have a closed-form score.
//!
//! Under the forward process `x_t = α x₀ + σ ε` a mixture stays a mixture:
//! if `x₀ ~ Σ w_k N(μ_k, s_k² I)` then
//! `x_t ~ Σ w_k N(α μ_k, (α² s_k² + σ²) I)`. So the exact score
//! `∇ log p_t` is known at every noise level, and a trained network's score
//! (or ε-prediction, `ε̂ = −σ·score`) can be compared with the truth: the
//! Fisher divergence, the one quality measure that does not need samples.
//! That makes these mixtures the oracle for evaluation, and a data source
//! users can type on the command line (`gmm:SPEC`).
//!
//! The SPEC syntax is documented on [`Gmm`].
//!
//! All arithmetic here is `f64`; the density and score use log-sum-exp over
//! the components, so they stay finite and accurate far from every mode.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use rand_xoshiro::rand_core::Rng;

use super::{DataError, Dataset};
use crate::random::{normal, uniform};

/// One component of a [`Gmm`]: weight · N(mean, std² I).
#[derive(Clone, Debug, PartialEq)]
pub struct GmmComponent {
    /// Mixture weight (normalised to sum to 1 inside a [`Gmm`]).
    pub weight: f64,
    /// Mean vector; its length is the dimension.
    pub mean: Vec<f64>,
    /// Isotropic standard deviation, > 0.
    pub std: f64,
}

/// An isotropic Gaussian mixture `Σ w_k N(μ_k, s_k² I)` in `dim()` dimensions.
///
/// Parsed from a SPEC with [`str::parse`] (without the `gmm:` prefix);
/// [`fmt::Display`] writes the general form back.
///
/// # SPEC syntax
///
/// Either the shorthand for K components evenly on a circle:
///
/// ```text
/// gmm:K,R,STD        e.g. gmm:8,2.83,0.1
/// ```
///
/// K components of weight 1/K, means `R·(cos 2πk/K, sin 2πk/K)` for
/// k = 0..K−1, standard deviation STD; 2-D. Or general components separated
/// by `;`:
///
/// ```text
/// gmm:[W@]M1,M2,...,Md/STD;[W@]...     e.g. gmm:0.3@-2,0/0.5;0.7@2,0/0.25
/// ```
///
/// each with an optional positive weight `W` (default 1; weights are
/// normalised to sum to 1), a mean of any dimension d ≥ 1 (the same for all
/// components), and an isotropic standard deviation `STD > 0`, which is
/// required. A SPEC with neither `/` nor `@` is the shorthand. Spaces around
/// numbers are allowed. All numbers are finite; the error names the component
/// (1-based) and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Gmm {
    components: Vec<GmmComponent>,
    log_weights: Vec<f64>,
    dim: usize,
}

impl Gmm {
    /// A mixture from components. Weights must be finite and positive (they
    /// are normalised to sum to 1), means finite and all of the same
    /// dimension ≥ 1, standard deviations finite and positive.
    pub fn new(mut components: Vec<GmmComponent>) -> Result<Self, DataError> {
        let invalid = |components: &[GmmComponent], reason: String| DataError::GmmSpec {
            spec: format_components(components),
            reason,
        };
        let Some(first) = components.first() else {
            return Err(invalid(&components, "no components".into()));
        };
        let dim = first.mean.len();
        if dim == 0 {
            return Err(invalid(&components, "component 1 has an empty mean".into()));
        }
        let mut total = 0.0;
        for (i, c) in components.iter().enumerate() {
            let k = i + 1;
            let reason = if c.mean.len() != dim {
                Some(format!(
                    "component {k} has {} mean coordinates, component 1 has {dim}",
                    c.mean.len()
                ))
            } else if !(c.weight.is_finite() && c.weight > 0.0) {
                Some(format!(
                    "weight of component {k} is {}; it must be finite and > 0",
                    c.weight
                ))
            } else if !c.mean.iter().all(|m| m.is_finite()) {
                Some(format!("mean of component {k} is not finite"))
            } else if !(c.std.is_finite() && c.std > 0.0) {
                Some(format!(
                    "standard deviation of component {k} is {}; it must be finite and > 0",
                    c.std
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(invalid(&components, reason));
            }
            total += c.weight;
        }
        if !total.is_finite() {
            return Err(invalid(
                &components,
                "the weights' sum is not finite".into(),
            ));
        }
        for c in &mut components {
            c.weight /= total;
        }
        let log_weights = components.iter().map(|c| c.weight.ln()).collect();
        Ok(Self {
            components,
            log_weights,
            dim,
        })
    }

    /// The shorthand `gmm:K,R,STD`: `k` equally weighted 2-D components with
    /// means `radius·(cos 2πj/k, sin 2πj/k)`, j = 0..k−1, and standard
    /// deviation `std`. Requires `k ≥ 1`, `radius` finite and ≥ 0, `std`
    /// finite and > 0.
    pub fn circle(k: usize, radius: f64, std: f64) -> Result<Self, DataError> {
        if k == 0 || !(radius.is_finite() && radius >= 0.0) {
            return Err(DataError::GmmSpec {
                spec: format!("{k},{radius},{std}"),
                reason: "K must be at least 1 and R finite and >= 0".into(),
            });
        }
        let components = (0..k)
            .map(|j| {
                let (s, c) = libm::sincos(2.0 * PI * j as f64 / k as f64);
                GmmComponent {
                    weight: 1.0,
                    mean: vec![radius * c, radius * s],
                    std,
                }
            })
            .collect();
        Self::new(components)
    }

    /// The dimension of the data.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The components, with normalised weights.
    pub fn components(&self) -> &[GmmComponent] {
        &self.components
    }

    /// The mixture mean `Σ w_k μ_k`.
    pub fn mean(&self) -> Vec<f64> {
        let mut m = vec![0.0; self.dim];
        for c in &self.components {
            for (mi, ci) in m.iter_mut().zip(&c.mean) {
                *mi += c.weight * ci;
            }
        }
        m
    }

    /// `n` independent samples. Per sample: one uniform draw picks the
    /// component (by cumulative weight), then `dim()` normal variates.
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Dataset {
        self.sample_labelled(n, rng).0
    }

    /// [`Gmm::sample`], with the component each sample was drawn from.
    pub fn sample_labelled<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> (Dataset, Vec<u32>) {
        let mut data = Dataset::with_capacity(self.dim, n);
        let mut labels = Vec::with_capacity(n);
        let mut point = vec![0f32; self.dim];
        let last = self.components.len() - 1;
        for _ in 0..n {
            let u = uniform(rng);
            let mut acc = 0.0;
            let k = self
                .components
                .iter()
                .position(|c| {
                    acc += c.weight;
                    u < acc
                })
                .unwrap_or(last);
            let c = &self.components[k];
            for (p, m) in point.iter_mut().zip(&c.mean) {
                *p = (m + c.std * normal(rng)) as f32;
            }
            data.push(&point);
            labels.push(k as u32);
        }
        (data, labels)
    }

    /// `log p₀(x)`, the log density of the mixture itself.
    ///
    /// # Panics
    ///
    /// If `x.len() != self.dim()`.
    pub fn log_density(&self, x: &[f64]) -> f64 {
        self.noised_log_density(x, 1.0, 0.0)
    }

    /// `∇ log p₀(x)`, the score of the mixture itself, into `out`.
    ///
    /// # Panics
    ///
    /// If `x.len()` or `out.len()` is not `self.dim()`.
    pub fn score(&self, x: &[f64], out: &mut [f64]) {
        self.noised_score(x, 1.0, 0.0, out);
    }

    /// `log p_t(x)` for `x_t = α x₀ + σ ε`: the log density of
    /// `Σ w_k N(α μ_k, (α² s_k² + σ²) I)`, by log-sum-exp.
    ///
    /// The result is finite whenever every `α² s_k² + σ²` is positive and
    /// finite, i.e. unless α = σ = 0.
    ///
    /// # Panics
    ///
    /// If `x.len() != self.dim()`.
    pub fn noised_log_density(&self, x: &[f64], alpha: f64, sigma: f64) -> f64 {
        assert_eq!(x.len(), self.dim, "point of the wrong dimension");
        let mut lse = LogSumExp::default();
        for (c, lw) in self.components.iter().zip(&self.log_weights) {
            let (term, _) = self.log_term(c, *lw, x, alpha, sigma);
            lse.add(term);
        }
        lse.value()
    }

    /// The score `∇ₓ log p_t(x)` of the noised marginal
    /// `p_t = Σ w_k N(α μ_k, v_k I)`, `v_k = α² s_k² + σ²`, into `out`:
    ///
    /// `∇ log p_t(x) = Σ_k r_k(x) · (−(x − α μ_k)/v_k)`, with responsibilities
    /// `r_k ∝ w_k N(x; α μ_k, v_k I)` computed by log-sum-exp (one pass,
    /// rescaling the running sum when a larger term appears), so the result
    /// is accurate even where every density underflows. With α = 1, σ = 0 it
    /// is the clean mixture's score. The network's ε-target at this point is
    /// `−σ·score`.
    ///
    /// The result is finite unless α = σ = 0.
    ///
    /// # Panics
    ///
    /// If `x.len()` or `out.len()` is not `self.dim()`.
    pub fn noised_score(&self, x: &[f64], alpha: f64, sigma: f64, out: &mut [f64]) {
        assert_eq!(x.len(), self.dim, "point of the wrong dimension");
        assert_eq!(out.len(), self.dim, "output of the wrong dimension");
        out.fill(0.0);
        let mut max = f64::NEG_INFINITY;
        let mut sum = 0.0;
        for (c, lw) in self.components.iter().zip(&self.log_weights) {
            let (term, v) = self.log_term(c, *lw, x, alpha, sigma);
            // Running sums are kept relative to exp(max).
            let weight = if term > max {
                let rescale = (max - term).exp();
                sum *= rescale;
                out.iter_mut().for_each(|o| *o *= rescale);
                max = term;
                1.0
            } else {
                (term - max).exp()
            };
            sum += weight;
            for ((o, xi), mi) in out.iter_mut().zip(x).zip(&c.mean) {
                *o -= weight * (xi - alpha * mi) / v;
            }
        }
        out.iter_mut().for_each(|o| *o /= sum);
    }

    /// `(ln w_k + ln N(x; α μ_k, v_k I), v_k)`.
    fn log_term(
        &self,
        c: &GmmComponent,
        log_w: f64,
        x: &[f64],
        alpha: f64,
        sigma: f64,
    ) -> (f64, f64) {
        let v = alpha * alpha * c.std * c.std + sigma * sigma;
        let sq: f64 = x
            .iter()
            .zip(&c.mean)
            .map(|(xi, mi)| {
                let d = xi - alpha * mi;
                d * d
            })
            .sum();
        let term = log_w - 0.5 * self.dim as f64 * (2.0 * PI * v).ln() - sq / (2.0 * v);
        (term, v)
    }
}

/// Streaming log-sum-exp.
#[derive(Default)]
struct LogSumExp {
    max: Option<f64>,
    sum: f64,
}

impl LogSumExp {
    fn add(&mut self, term: f64) {
        match self.max {
            Some(m) if term <= m => self.sum += (term - m).exp(),
            Some(m) => {
                self.sum = self.sum * (m - term).exp() + 1.0;
                self.max = Some(term);
            }
            None => {
                self.sum = 1.0;
                self.max = Some(term);
            }
        }
    }

    fn value(&self) -> f64 {
        self.max.map_or(f64::NEG_INFINITY, |m| m + self.sum.ln())
    }
}

fn format_components(components: &[GmmComponent]) -> String {
    let parts: Vec<String> = components
        .iter()
        .map(|c| {
            let mean: Vec<String> = c.mean.iter().map(f64::to_string).collect();
            format!("{}@{}/{}", c.weight, mean.join(","), c.std)
        })
        .collect();
    parts.join(";")
}

impl fmt::Display for Gmm {
    /// The general SPEC form (`W@M1,..,Md/STD;...`, normalised weights),
    /// which [`Gmm::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_components(&self.components))
    }
}

impl FromStr for Gmm {
    type Err = DataError;

    /// Parses a SPEC (the part after `gmm:`) as [`Gmm`] describes.
    fn from_str(spec: &str) -> Result<Self, DataError> {
        let err = |reason: String| DataError::GmmSpec {
            spec: spec.to_string(),
            reason,
        };
        let number = |what: &str, s: &str| {
            let s = s.trim();
            s.parse::<f64>()
                .map_err(|_| err(format!("{what}: \"{s}\" is not a number")))
        };
        if spec.trim().is_empty() {
            return Err(err("empty SPEC".into()));
        }
        if !spec.contains(['/', '@']) {
            let fields: Vec<&str> = spec.split(',').map(str::trim).collect();
            let [k, r, std] = fields[..] else {
                return Err(err(format!(
                    "the shorthand needs three numbers K,R,STD, found {}; \
                     general components need /STD",
                    fields.len()
                )));
            };
            let k: usize = k
                .parse()
                .ok()
                .filter(|&k| k >= 1)
                .ok_or_else(|| err(format!("K: \"{k}\" is not a whole number >= 1")))?;
            let r = number("R", r)?;
            let std = number("STD", std)?;
            if !(r.is_finite() && r >= 0.0) {
                return Err(err(format!("R is {r}; it must be finite and >= 0")));
            }
            if !(std.is_finite() && std > 0.0) {
                return Err(err(format!("STD is {std}; it must be finite and > 0")));
            }
            return Gmm::circle(k, r, std).map_err(|e| match e {
                DataError::GmmSpec { reason, .. } => err(reason),
                other => other,
            });
        }
        let mut components = Vec::new();
        for (i, part) in spec.split(';').enumerate() {
            let k = i + 1;
            let part = part.trim();
            if part.is_empty() {
                return Err(err(format!("component {k} is empty")));
            }
            let (weight, rest) = match part.split_once('@') {
                Some((w, rest)) => (number(&format!("weight of component {k}"), w)?, rest),
                None => (1.0, part),
            };
            let Some((mean, std)) = rest.split_once('/') else {
                return Err(err(format!(
                    "component {k} \"{part}\" has no /STD (standard deviation)"
                )));
            };
            let std = number(&format!("standard deviation of component {k}"), std)?;
            let mean = mean
                .split(',')
                .map(|m| number(&format!("mean of component {k}"), m))
                .collect::<Result<Vec<f64>, DataError>>()?;
            components.push(GmmComponent { weight, mean, std });
        }
        Gmm::new(components).map_err(|e| match e {
            DataError::GmmSpec { reason, .. } => err(reason),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use rand_xoshiro::rand_core::SeedableRng;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    fn mixture_2d() -> Gmm {
        "0.2@-2,0.5/0.4; 0.5@1.5,1/0.8; 0.3@0.5,-2/0.3"
            .parse()
            .unwrap()
    }

    fn mixture_5d() -> Gmm {
        "1@0,0,0,0,0/1;2@1,-1,2,0.5,0/0.5;1@-1,1,-2,0,3/1.5"
            .parse()
            .unwrap()
    }

    /// Central differences of `noised_log_density`, step h·max(1, |x_i|).
    fn fd_score(g: &Gmm, x: &[f64], alpha: f64, sigma: f64) -> Vec<f64> {
        (0..x.len())
            .map(|i| {
                let h = 1e-5 * x[i].abs().max(1.0);
                let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
                xp[i] += h;
                xm[i] -= h;
                (g.noised_log_density(&xp, alpha, sigma) - g.noised_log_density(&xm, alpha, sigma))
                    / (2.0 * h)
            })
            .collect()
    }

    fn rel_err(a: &[f64], b: &[f64]) -> f64 {
        let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
        let norm: f64 = b.iter().map(|y| y * y).sum();
        (diff / norm).sqrt()
    }

    #[test]
    fn noised_score_matches_finite_differences() {
        let mut r = rng(1);
        for g in [mixture_2d(), mixture_5d()] {
            for (alpha, sigma) in [(1.0, 0.0), (0.9, 0.3), (0.6, 0.8), (0.1, 0.995), (1.0, 2.5)] {
                for _ in 0..25 {
                    let x: Vec<f64> = (0..g.dim()).map(|_| 3.0 * normal(&mut r)).collect();
                    let mut s = vec![0.0; g.dim()];
                    g.noised_score(&x, alpha, sigma, &mut s);
                    let fd = fd_score(&g, &x, alpha, sigma);
                    let e = rel_err(&s, &fd);
                    assert!(
                        e < 1e-6,
                        "alpha {alpha} sigma {sigma} x {x:?}: {s:?} vs {fd:?} ({e})"
                    );
                }
            }
        }
    }

    #[test]
    fn sigma_to_zero_at_alpha_one_is_the_clean_mixture() {
        let g = mixture_2d();
        let mut r = rng(2);
        for _ in 0..50 {
            let x: Vec<f64> = (0..2).map(|_| 2.0 * normal(&mut r)).collect();
            let (mut clean, mut tiny) = (vec![0.0; 2], vec![0.0; 2]);
            g.score(&x, &mut clean);
            g.noised_score(&x, 1.0, 1e-9, &mut tiny);
            assert!(rel_err(&tiny, &clean) < 1e-9);
            let fd: Vec<f64> = (0..2)
                .map(|i| {
                    let h = 1e-5;
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[i] += h;
                    xm[i] -= h;
                    (g.log_density(&xp) - g.log_density(&xm)) / (2.0 * h)
                })
                .collect();
            assert!(rel_err(&clean, &fd) < 1e-6);
            assert_eq!(g.noised_log_density(&x, 1.0, 0.0), g.log_density(&x));
        }
    }

    #[test]
    fn single_component_score_is_linear() {
        let g: Gmm = "3@1,2,3/0.5".parse().unwrap();
        assert_eq!(g.components()[0].weight, 1.0);
        let (alpha, sigma) = (0.8, 0.6);
        let v = alpha * alpha * 0.25 + sigma * sigma;
        let x = [0.3, -1.0, 4.0];
        let mut s = [0.0; 3];
        g.noised_score(&x, alpha, sigma, &mut s);
        for i in 0..3 {
            let expected = -(x[i] - alpha * g.components()[0].mean[i]) / v;
            assert!((s[i] - expected).abs() < 1e-12 * expected.abs().max(1.0));
        }
        // log N(x; αμ, vI) in closed form.
        let sq: f64 = x
            .iter()
            .zip([1.0, 2.0, 3.0])
            .map(|(a, m)| (a - alpha * m) * (a - alpha * m))
            .sum();
        let expected = -1.5 * (2.0 * PI * v).ln() - sq / (2.0 * v);
        assert!((g.noised_log_density(&x, alpha, sigma) - expected).abs() < 1e-12);
    }

    #[test]
    fn far_from_every_mode_the_score_is_finite_and_points_home() {
        let g = mixture_2d();
        for x in [[1e4, 0.0], [-3e3, 5e3], [0.0, -1e6]] {
            let mut s = [0.0; 2];
            g.noised_score(&x, 0.7, 0.2, &mut s);
            assert!(s.iter().all(|v| v.is_finite()), "{s:?}");
            assert!(s[0] * x[0] + s[1] * x[1] < 0.0, "{s:?}");
            assert!(g.noised_log_density(&x, 0.7, 0.2).is_finite());
        }
    }

    #[test]
    fn density_integrates_to_one() {
        let g: Gmm = "1@-1/0.3;3@2/0.7".parse().unwrap();
        let h = 1e-3;
        let total: f64 = (-20_000..20_000)
            .map(|i| g.noised_log_density(&[i as f64 * h], 0.5, 0.5).exp() * h)
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }

    #[test]
    fn samples_have_the_mixture_mean_and_are_deterministic() {
        let g = mixture_2d();
        let d = g.sample(40_000, &mut rng(3));
        assert_eq!((d.dim, d.len()), (2, 40_000));
        let (m, expected) = (d.mean(), g.mean());
        for i in 0..2 {
            assert!((m[i] - expected[i]).abs() < 0.03, "{m:?} vs {expected:?}");
        }
        assert_eq!(g.sample(100, &mut rng(4)), g.sample(100, &mut rng(4)));
        assert_ne!(g.sample(100, &mut rng(4)), g.sample(100, &mut rng(5)));
    }

    #[test]
    fn shorthand_puts_k_components_on_a_circle() {
        let g: Gmm = " 4, 2 ,0.1".parse().unwrap();
        assert_eq!(g.dim(), 2);
        assert_eq!(g.components().len(), 4);
        for (j, c) in g.components().iter().enumerate() {
            assert_eq!(c.weight, 0.25);
            assert_eq!(c.std, 0.1);
            let angle = j as f64 * PI / 2.0;
            assert!((c.mean[0] - 2.0 * angle.cos()).abs() < 1e-12);
            assert!((c.mean[1] - 2.0 * angle.sin()).abs() < 1e-12);
        }
    }

    #[test]
    fn general_spec_normalises_weights_and_prints_back() {
        let g: Gmm = "1@0,0/1;3@4,4/0.5".parse().unwrap();
        let w: Vec<f64> = g.components().iter().map(|c| c.weight).collect();
        assert_eq!(w, [0.25, 0.75]);
        let back: Gmm = g.to_string().parse().unwrap();
        assert_eq!(back, g);
        let unweighted: Gmm = "0,0/1;4,4/1".parse().unwrap();
        assert_eq!(unweighted.components()[1].weight, 0.5);
        let one_d: Gmm = "-1/0.5;1/0.5".parse().unwrap();
        assert_eq!(one_d.dim(), 1);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, needle) in [
            ("", "empty SPEC"),
            ("8,2", "three numbers"),
            ("0,2,0.1", "K: \"0\""),
            ("2.5,2,0.1", "K: \"2.5\""),
            ("8,-1,0.1", "R is -1"),
            ("8,2,0", "STD is 0"),
            ("8,2,x", "STD: \"x\" is not a number"),
            (
                "0,0/1;1,1,1/1",
                "component 2 has 3 mean coordinates, component 1 has 2",
            ),
            ("0@0,0/1", "weight of component 1 is 0"),
            ("1@0,0/1;-1@1,1/1", "weight of component 2 is -1"),
            ("0,0/-1", "standard deviation of component 1 is -1"),
            ("0,0/inf", "standard deviation of component 1 is inf"),
            ("0,nan/1", "mean of component 1 is not finite"),
            ("0,a/1", "mean of component 1: \"a\" is not a number"),
            ("1@0,0", "component 1 \"1@0,0\" has no /STD"),
            ("0,0/1;", "component 2 is empty"),
            ("/1", "mean of component 1: \"\" is not a number"),
        ] {
            let e = spec.parse::<Gmm>().unwrap_err();
            let text = e.to_string();
            assert!(matches!(e, DataError::GmmSpec { .. }), "{spec}: {e:?}");
            assert!(text.contains(needle), "{spec}: {text}");
            assert!(text.contains(&format!("\"gmm:{spec}\"")), "{spec}: {text}");
        }
    }
}
