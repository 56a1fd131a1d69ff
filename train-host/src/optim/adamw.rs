//! AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled
//! Weight Decay Regularization", ICLR 2019), step for step as PyTorch's
//! `torch.optim.AdamW` (non-`amsgrad`, non-`maximize`).
//!
//! Why AdamW: the score networks are small MLPs trained on noisy
//! denoising-score-matching losses, where Adam's per-parameter step sizes
//! are the standard, robust choice. Weight decay is *decoupled* (applied to
//! the weights directly, not added to the gradient) so that it is not
//! rescaled by Adam's adaptive denominators, and a per-parameter multiplier
//! lets the caller decay weights but not biases.
//!
//! The state (`m`, `v`, step count) is a plain [`AdamState`] so a checkpoint
//! can store it and a resumed run continues bit-identically.

use serde::{Deserialize, Serialize};

use super::error::{OptimError, check, check_vector};

/// AdamW hyperparameters, except the learning rate.
///
/// The learning rate is not stored: it changes every step (see
/// [`LrSchedule`](super::LrSchedule)) and is passed to [`AdamW::step`], so
/// there is a single source of truth for it. The defaults are PyTorch's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamWConfig {
    /// Decay rate of the first-moment (mean) estimate, in `[0, 1)`.
    /// Default `0.9`.
    pub beta1: f32,
    /// Decay rate of the second-moment (uncentred variance) estimate, in
    /// `[0, 1)`. Default `0.999`.
    pub beta2: f32,
    /// Added to the denominator for numerical stability, `> 0`.
    /// Default `1e-8`.
    pub eps: f32,
    /// Decoupled weight-decay coefficient λ, `≥ 0`; each step multiplies a
    /// parameter by `1 − lr·λ·decay[i]`. Default `0.01`.
    pub weight_decay: f32,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

impl AdamWConfig {
    /// Checks every hyperparameter's range (all must also be finite).
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidHyperparameter`] naming the first bad one.
    pub fn validate(&self) -> Result<(), OptimError> {
        let unit = |x: f32| (0.0..1.0).contains(&x);
        check("beta1", self.beta1, unit(self.beta1), "in [0, 1)")?;
        check("beta2", self.beta2, unit(self.beta2), "in [0, 1)")?;
        check(
            "eps",
            self.eps,
            self.eps.is_finite() && self.eps > 0.0,
            "finite and > 0",
        )?;
        check(
            "weight_decay",
            self.weight_decay,
            self.weight_decay.is_finite() && self.weight_decay >= 0.0,
            "finite and >= 0",
        )
    }
}

/// The mutable state of [`AdamW`]: everything a resumed run needs besides
/// the parameters themselves and the hyperparameters.
///
/// Store `m` and `v` as tensors in the checkpoint and `step` in its
/// configuration (it is exact in JSON), then hand them back with
/// [`AdamW::set_state`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdamState {
    /// First-moment estimate, one entry per parameter.
    pub m: Vec<f32>,
    /// Second-moment estimate, one entry per parameter (never negative).
    pub v: Vec<f32>,
    /// Number of steps taken so far (`t` in the update rule); `0` before
    /// the first step.
    pub step: u64,
}

impl AdamState {
    /// The initial state for `n` parameters: zero moments, step 0.
    pub fn zeros(n: usize) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
            step: 0,
        }
    }
}

/// The AdamW optimiser over one flat parameter vector.
///
/// # Update rule
///
/// For step `t = 1, 2, …` (the state's `step` after incrementing), learning
/// rate `lr`, gradient `g`, and for every parameter index `i` with decay
/// multiplier `d[i]` (default 1):
///
/// ```text
/// p[i] ← p[i] · (1 − lr·λ·d[i])                      decoupled weight decay
/// m[i] ← β1·m[i] + (1 − β1)·g[i]
/// v[i] ← β2·v[i] + (1 − β2)·g[i]²
/// p[i] ← p[i] − (lr / (1 − β1ᵗ)) · m[i] / (√v[i] / √(1 − β2ᵗ) + ε)
/// ```
///
/// which is `p ← p − lr·m̂/(√v̂ + ε)` with the bias-corrected moments
/// `m̂ = m/(1 − β1ᵗ)`, `v̂ = v/(1 − β2ᵗ)`, arranged as PyTorch arranges it
/// (`ε` is added *after* bias-correcting `√v`). The decay uses the parameter
/// value from before the step and is scaled by the current `lr`, as in
/// PyTorch. The scalars `1 − βᵗ` and `lr/(1 − β1ᵗ)` are computed in `f64`;
/// the per-parameter arithmetic is `f32`. With `λ = 0` this is exactly Adam.
///
/// Non-finite gradients poison `m` and `v` permanently; check the norm
/// returned by [`clip_grad_norm`](super::clip_grad_norm) and skip the step
/// if it is not finite.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamW {
    config: AdamWConfig,
    decay: Vec<f32>,
    state: AdamState,
}

impl AdamW {
    /// A fresh optimiser for `n_params` parameters (zero moments, step 0,
    /// every parameter decayed with multiplier 1).
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidHyperparameter`] if `config` is out of range.
    pub fn new(config: AdamWConfig, n_params: usize) -> Result<Self, OptimError> {
        config.validate()?;
        Ok(Self {
            config,
            decay: vec![1.0; n_params],
            state: AdamState::zeros(n_params),
        })
    }

    /// Sets the per-parameter weight-decay multipliers `d[i]` (see the
    /// update rule): typically `1.0` for weight matrices and `0.0` for
    /// biases. Any finite value `≥ 0` is allowed, so a layer can also be
    /// decayed more weakly. A boolean mask converts with
    /// `mask.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect()`.
    ///
    /// The multipliers are derived from the architecture, not learned, so
    /// they are not part of [`AdamState`]; set them again when resuming.
    ///
    /// # Errors
    ///
    /// [`OptimError::LengthMismatch`] if `decay` does not have one entry per
    /// parameter, [`OptimError::NonFinite`] or
    /// [`OptimError::InvalidHyperparameter`] for a non-finite or negative
    /// entry.
    pub fn with_decay_multipliers(mut self, decay: Vec<f32>) -> Result<Self, OptimError> {
        let what = "weight-decay multiplier vector";
        check_vector(what, &decay, self.num_params())?;
        if let Some(&bad) = decay.iter().find(|&&d| d < 0.0) {
            return Err(OptimError::InvalidHyperparameter {
                name: "weight-decay multiplier",
                value: bad,
                requirement: ">= 0",
            });
        }
        self.decay = decay;
        Ok(self)
    }

    /// The hyperparameters.
    pub fn config(&self) -> &AdamWConfig {
        &self.config
    }

    /// The per-parameter weight-decay multipliers (all `1.0` unless set
    /// with [`with_decay_multipliers`](Self::with_decay_multipliers)).
    pub fn decay_multipliers(&self) -> &[f32] {
        &self.decay
    }

    /// The number of parameters this optimiser was built for.
    pub fn num_params(&self) -> usize {
        self.decay.len()
    }

    /// The current state, for saving in a checkpoint.
    pub fn state(&self) -> &AdamState {
        &self.state
    }

    /// Consumes the optimiser and returns its state.
    pub fn into_state(self) -> AdamState {
        self.state
    }

    /// Replaces the state with one saved earlier, to resume a run. The
    /// following steps are bit-identical to those of the optimiser the
    /// state was taken from (given the same hyperparameters, multipliers,
    /// parameters and gradients).
    ///
    /// # Errors
    ///
    /// [`OptimError::LengthMismatch`] if `m` or `v` does not have one entry
    /// per parameter, [`OptimError::NonFinite`] if either holds NaN or
    /// infinity, [`OptimError::InvalidHyperparameter`] if `v` has a
    /// negative entry. On error the current state is kept.
    pub fn set_state(&mut self, state: AdamState) -> Result<(), OptimError> {
        let n = self.num_params();
        check_vector("AdamW first moment `m`", &state.m, n)?;
        check_vector("AdamW second moment `v`", &state.v, n)?;
        if let Some(&bad) = state.v.iter().find(|&&v| v < 0.0) {
            return Err(OptimError::InvalidHyperparameter {
                name: "AdamW second moment entry",
                value: bad,
                requirement: ">= 0",
            });
        }
        self.state = state;
        Ok(())
    }

    /// Takes one AdamW step with learning rate `lr`, updating `params` in
    /// place (see the update rule in the type's documentation).
    ///
    /// # Panics
    ///
    /// If `params` or `grads` does not have [`num_params`](Self::num_params)
    /// entries, or if `lr` is negative or not finite. These are programming
    /// errors, not data errors.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        let n = self.num_params();
        assert_eq!(params.len(), n, "AdamW::step: params length");
        assert_eq!(grads.len(), n, "AdamW::step: grads length");
        assert!(
            lr.is_finite() && lr >= 0.0,
            "AdamW::step: learning rate {lr} must be finite and >= 0"
        );

        let AdamWConfig {
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        self.state.step += 1;
        // u64 -> f64 is exact below 2^53 steps.
        let t = self.state.step as f64;
        let bias_correction1 = 1.0 - f64::from(beta1).powf(t);
        let bias_correction2 = 1.0 - f64::from(beta2).powf(t);
        let step_size = (f64::from(lr) / bias_correction1) as f32;
        let sqrt_bias_correction2 = bias_correction2.sqrt() as f32;
        let decay_rate = lr * weight_decay;

        let per_param = params
            .iter_mut()
            .zip(grads)
            .zip(self.state.m.iter_mut().zip(self.state.v.iter_mut()))
            .zip(&self.decay);
        for (((p, &g), (m, v)), &d) in per_param {
            *p *= 1.0 - decay_rate * d;
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            let denom = v.sqrt() / sqrt_bias_correction2 + eps;
            *p -= step_size * *m / denom;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::LrSchedule;

    fn config(weight_decay: f32) -> AdamWConfig {
        AdamWConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
        }
    }

    /// Deterministic values in [-1, 1) (SplitMix64 finaliser).
    fn noise(seed: u64, n: usize) -> Vec<f32> {
        (0..n as u64)
            .map(|i| {
                let mut z = seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(i.wrapping_mul(0xBF58_476D_1CE4_E5B9));
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn assert_close(actual: &[f32], expected: &[f64], tol: f64) {
        assert_eq!(actual.len(), expected.len());
        for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (f64::from(a) - e).abs() <= tol * e.abs().max(1.0),
                "index {i}: got {a}, expected {e}"
            );
        }
    }

    #[test]
    fn matches_hand_computed_first_two_steps() {
        // lr = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8, λ = 0.1,
        // p0 = [1, -2], g1 = [0.5, -1], g2 = [-0.25, 0.5].
        //
        // Step 1 (t = 1):
        //   decay:  p = p0·(1 − 0.1·0.1) = [0.99, -1.98]
        //   m1 = 0.1·g1 = [0.05, -0.1]        m̂ = m1/0.1   = [0.5, -1]
        //   v1 = 0.001·g1² = [0.00025, 0.001]  √v̂ = √(v1/0.001) = [0.5, 1]
        //   p1 = p − 0.1·m̂/(√v̂ + 1e-8) = [0.99 − 0.099999998, -1.98 + 0.099999999]
        //      = [0.890000002, -1.880000001]
        // Step 2 (t = 2):
        //   decay:  p = p1·0.99 = [0.8811000020, -1.8612000010]
        //   m2 = 0.9·m1 + 0.1·g2 = [0.02, -0.04]       m̂ = m2/0.19 = [0.1052631579, -0.2105263158]
        //   v2 = 0.999·v1 + 0.001·g2² = [0.00031225, 0.001249]
        //   √v̂ = √(v2/0.001999) = [0.3952253807, 0.7904507614]
        //   p2 = p − 0.1·m̂/(√v̂ + 1e-8) = [0.8811000020 − 0.0266337033, -1.8612000010 + 0.0266337036]
        //      = [0.8544662987, -1.8345662974]
        // (the same arithmetic in f64 Python reproduces these to 10 digits).
        let mut opt = AdamW::new(config(0.1), 2).unwrap();
        let mut p = vec![1.0_f32, -2.0];
        opt.step(&mut p, &[0.5, -1.0], 0.1);
        assert_close(&p, &[0.890000002, -1.880000001], 1e-6);
        assert_close(&opt.state().m, &[0.05, -0.1], 1e-6);
        assert_close(&opt.state().v, &[0.00025, 0.001], 1e-6);
        opt.step(&mut p, &[-0.25, 0.5], 0.1);
        assert_close(&p, &[0.8544662987, -1.8345662974], 1e-6);
        assert_close(&opt.state().m, &[0.02, -0.04], 1e-6);
        assert_close(&opt.state().v, &[0.00031225, 0.001249], 1e-6);
        assert_eq!(opt.state().step, 2);
    }

    #[test]
    fn without_weight_decay_equals_textbook_adam() {
        // Adam as written in Kingma & Ba (Algorithm 1), in f64.
        let n = 37;
        let (b1, b2, eps, lr) = (0.9_f64, 0.999_f64, 1e-8_f64, 0.01_f64);
        let p0 = noise(1, n);
        let mut reference: Vec<f64> = p0.iter().map(|&x| f64::from(x)).collect();
        let mut m = vec![0.0_f64; n];
        let mut v = vec![0.0_f64; n];
        let mut opt = AdamW::new(config(0.0), n).unwrap();
        let mut p = p0;
        for t in 1..=50 {
            let g = noise(100 + t, n);
            opt.step(&mut p, &g, lr as f32);
            for i in 0..n {
                let gi = f64::from(g[i]);
                m[i] = b1 * m[i] + (1.0 - b1) * gi;
                v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                let m_hat = m[i] / (1.0 - b1.powi(t as i32));
                let v_hat = v[i] / (1.0 - b2.powi(t as i32));
                reference[i] -= lr * m_hat / (v_hat.sqrt() + eps);
            }
        }
        assert_close(&p, &reference, 1e-5);
    }

    #[test]
    fn zero_decay_multiplier_gives_adam_and_one_gives_adamw() {
        let n = 8;
        let mask: Vec<f32> = (0..n).map(|i| (i % 2) as f32).collect();
        let mut masked = AdamW::new(config(0.5), n)
            .unwrap()
            .with_decay_multipliers(mask)
            .unwrap();
        let mut adam = AdamW::new(config(0.0), n).unwrap();
        let mut adamw = AdamW::new(config(0.5), n).unwrap();
        let (mut pm, mut pa, mut pw) = (noise(2, n), noise(2, n), noise(2, n));
        for t in 0..10 {
            let g = noise(200 + t, n);
            masked.step(&mut pm, &g, 0.05);
            adam.step(&mut pa, &g, 0.05);
            adamw.step(&mut pw, &g, 0.05);
        }
        for i in 0..n {
            let expected = if i % 2 == 0 { pa[i] } else { pw[i] };
            assert_eq!(pm[i].to_bits(), expected.to_bits(), "index {i}");
        }
    }

    #[test]
    fn weight_decay_alone_shrinks_geometrically() {
        // Zero gradients: m = v = 0 so the Adam term is exactly 0 and only
        // the decay acts: p_t = p_0 · (1 − lr·λ·d)^t.
        let mut opt = AdamW::new(config(0.1), 3)
            .unwrap()
            .with_decay_multipliers(vec![1.0, 0.0, 0.5])
            .unwrap();
        let mut p = vec![2.0_f32, 2.0, 2.0];
        for _ in 0..20 {
            opt.step(&mut p, &[0.0; 3], 0.1);
        }
        assert_close(
            &p,
            &[2.0 * 0.99_f64.powi(20), 2.0, 2.0 * 0.995_f64.powi(20)],
            1e-6,
        );
        assert_eq!(p[1], 2.0);
    }

    #[test]
    fn minimises_a_quadratic() {
        // f(x) = ½ Σ a_i (x_i − c_i)², ∇f = a ⊙ (x − c), with curvatures
        // spanning four orders of magnitude.
        let n = 16;
        let c = noise(3, n);
        let a: Vec<f32> = (0..n).map(|i| 10f32.powf(i as f32 / 5.0 - 2.0)).collect();
        let schedule = LrSchedule::new(0.05, 50, 3000, 1e-5).unwrap();
        let mut opt = AdamW::new(config(0.0), n).unwrap();
        let mut x = vec![0.0_f32; n];
        let loss = |x: &[f32]| -> f32 { (0..n).map(|i| 0.5 * a[i] * (x[i] - c[i]).powi(2)).sum() };
        let initial = loss(&x);
        for step in 0..3000 {
            let g: Vec<f32> = (0..n).map(|i| a[i] * (x[i] - c[i])).collect();
            opt.step(&mut x, &g, schedule.lr(step));
        }
        for i in 0..n {
            assert!(
                (x[i] - c[i]).abs() < 1e-3,
                "x[{i}] = {}, c = {}",
                x[i],
                c[i]
            );
        }
        assert!(loss(&x) < initial * 1e-6);
    }

    #[test]
    fn resumed_state_continues_bit_identically() {
        let n = 10;
        let mut straight = AdamW::new(config(0.01), n).unwrap();
        let mut p_straight = noise(4, n);
        let mut p_resumed = p_straight.clone();
        let mut first = AdamW::new(config(0.01), n).unwrap();
        for t in 0..5 {
            let g = noise(300 + t, n);
            straight.step(&mut p_straight, &g, 0.02);
            first.step(&mut p_resumed, &g, 0.02);
        }
        let saved = first.into_state();
        let mut resumed = AdamW::new(config(0.01), n).unwrap();
        resumed.set_state(saved).unwrap();
        for t in 5..10 {
            let g = noise(300 + t, n);
            straight.step(&mut p_straight, &g, 0.02);
            resumed.step(&mut p_resumed, &g, 0.02);
        }
        assert_eq!(resumed, straight);
        assert_eq!(p_resumed, p_straight);
    }

    #[test]
    fn rejects_bad_hyperparameters() {
        let bad = [
            AdamWConfig {
                beta1: 1.0,
                ..config(0.0)
            },
            AdamWConfig {
                beta1: -0.1,
                ..config(0.0)
            },
            AdamWConfig {
                beta2: f32::NAN,
                ..config(0.0)
            },
            AdamWConfig {
                eps: 0.0,
                ..config(0.0)
            },
            AdamWConfig {
                weight_decay: -1.0,
                ..config(0.0)
            },
            AdamWConfig {
                weight_decay: f32::INFINITY,
                ..config(0.0)
            },
        ];
        let names = [
            "beta1",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
            "weight_decay",
        ];
        for (cfg, name) in bad.iter().zip(names) {
            match AdamW::new(*cfg, 1) {
                Err(OptimError::InvalidHyperparameter { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{cfg:?}: {other:?}"),
            }
        }
        assert!(AdamW::new(AdamWConfig::default(), 1).is_ok());
        let msg = AdamW::new(bad[0], 1).unwrap_err().to_string();
        assert_eq!(msg, "invalid beta1 = 1: must be in [0, 1)");
    }

    #[test]
    fn rejects_bad_multipliers_and_state() {
        let opt = || AdamW::new(config(0.0), 3).unwrap();
        assert_eq!(
            opt().with_decay_multipliers(vec![1.0; 2]).unwrap_err(),
            OptimError::LengthMismatch {
                what: "weight-decay multiplier vector",
                expected: 3,
                found: 2
            }
        );
        assert!(matches!(
            opt().with_decay_multipliers(vec![1.0, f32::NAN, 0.0]),
            Err(OptimError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            opt().with_decay_multipliers(vec![1.0, -1.0, 0.0]),
            Err(OptimError::InvalidHyperparameter { .. })
        ));

        let mut o = opt();
        let short = AdamState {
            m: vec![0.0; 3],
            v: vec![0.0; 4],
            step: 1,
        };
        let err = o.set_state(short).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AdamW second moment `v` has 4 entries but the model has 3 parameters"
        );
        let nan = AdamState {
            m: vec![0.0, f32::INFINITY, 0.0],
            v: vec![0.0; 3],
            step: 1,
        };
        assert!(matches!(
            o.set_state(nan),
            Err(OptimError::NonFinite { index: 1, .. })
        ));
        let negative = AdamState {
            m: vec![0.0; 3],
            v: vec![0.0, 0.0, -1e-9],
            step: 1,
        };
        assert!(o.set_state(negative).is_err());
        assert_eq!(
            o.state(),
            &AdamState::zeros(3),
            "failed restores keep the state"
        );
    }

    #[test]
    #[should_panic(expected = "grads length")]
    fn step_panics_on_length_mismatch() {
        let mut opt = AdamW::new(config(0.0), 2).unwrap();
        opt.step(&mut [0.0, 0.0], &[1.0], 0.1);
    }
}
