//! [`Normalization`]: per-dimension standardisation of the training data.
//!
//! Diffusion schedules assume data of roughly unit scale (the terminal
//! distribution is N(0, I)), so the network is trained on
//! `(x − mean)/scale` and the runtime maps samples back with
//! `x·scale + mean`. The two numbers per dimension go into the model file's
//! normalisation section, which requires every scale to be finite and
//! positive; [`Normalization::fit`] guarantees that. The `f32` arithmetic here
//! is written exactly as the runtime's `tinyscore::format::Normalization`
//! (`(x − m)/s` and `x·s + m`), so host and device agree bit for bit.

use super::Dataset;

/// Per-dimension mean and scale: data `x` ↔ model `(x − mean)/scale`;
/// and the range of the data it was fitted on.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization {
    /// The mean of each dimension.
    pub mean: Vec<f32>,
    /// The scale of each dimension: finite and positive.
    pub scale: Vec<f32>,
    /// The smallest and largest value of each dimension of the fitted
    /// data, in data units (`None` when not known: a run saved before the
    /// range was recorded, or the identity).
    pub range: Option<ValueRange>,
}

/// Per-dimension smallest and largest values.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueRange {
    /// The smallest value of each dimension.
    pub low: Vec<f32>,
    /// The largest value of each dimension.
    pub high: Vec<f32>,
}

impl Normalization {
    /// The identity map (mean 0, scale 1) for `dim` dimensions.
    pub fn identity(dim: usize) -> Self {
        Self {
            mean: vec![0.0; dim],
            scale: vec![1.0; dim],
            range: None,
        }
    }

    /// The mean and population standard deviation (divisor n) of each
    /// dimension, computed in `f64` and rounded to `f32` once.
    ///
    /// A dimension whose values are all equal (a constant column) has
    /// standard deviation 0; it gets scale 1 so nothing divides by zero, and
    /// normalises to exactly 0. The same holds for any dimension whose
    /// standard deviation rounds to 0 or to a subnormal in `f32`, or to
    /// infinity: every scale is a finite, normal, positive `f32`. An empty
    /// dataset gives the identity.
    pub fn fit(data: &Dataset) -> Self {
        let mean = data.mean();
        let std = data.std();
        let mut min = vec![f32::INFINITY; data.dim];
        let mut max = vec![f32::NEG_INFINITY; data.dim];
        for point in data.iter() {
            for ((lo, hi), &v) in min.iter_mut().zip(max.iter_mut()).zip(point) {
                *lo = lo.min(v);
                *hi = hi.max(v);
            }
        }
        let scale = std
            .iter()
            .zip(min.iter().zip(&max))
            .map(|(&s, (lo, hi))| {
                let s = s as f32;
                if lo < hi && s.is_normal() && s > 0.0 {
                    s
                } else {
                    1.0
                }
            })
            .collect();
        let range = (!data.is_empty()).then_some(ValueRange {
            low: min,
            high: max,
        });
        Self {
            mean: mean.iter().map(|&m| m as f32).collect(),
            scale,
            range,
        }
    }

    /// The fitted data's range in model units (`(v − mean)/scale`, the
    /// runtime's arithmetic), if known.
    pub fn model_range(&self) -> Option<ValueRange> {
        let r = self.range.as_ref()?;
        let to_model = |values: &[f32]| {
            let mut v = values.to_vec();
            self.normalize_point(&mut v);
            v
        };
        Some(ValueRange {
            low: to_model(&r.low),
            high: to_model(&r.high),
        })
    }

    /// The number of dimensions.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// `x ← (x − mean)/scale` for one point.
    ///
    /// # Panics
    ///
    /// If `x.len() != self.dim()`.
    pub fn normalize_point(&self, x: &mut [f32]) {
        assert_eq!(x.len(), self.dim(), "point of the wrong dimension");
        for ((v, m), s) in x.iter_mut().zip(&self.mean).zip(&self.scale) {
            *v = (*v - m) / s;
        }
    }

    /// `x ← x·scale + mean` for one point, the inverse of
    /// [`Normalization::normalize_point`] (up to rounding).
    ///
    /// # Panics
    ///
    /// If `x.len() != self.dim()`.
    pub fn denormalize_point(&self, x: &mut [f32]) {
        assert_eq!(x.len(), self.dim(), "point of the wrong dimension");
        for ((v, m), s) in x.iter_mut().zip(&self.mean).zip(&self.scale) {
            *v = *v * s + m;
        }
    }

    /// Normalises every point of `data` in place.
    ///
    /// # Panics
    ///
    /// If `data.dim != self.dim()`.
    pub fn normalize(&self, data: &mut Dataset) {
        assert_eq!(data.dim, self.dim(), "dataset of the wrong dimension");
        for point in data.rows.chunks_exact_mut(self.dim().max(1)) {
            self.normalize_point(point);
        }
    }

    /// Maps every point of `data` back to data units in place.
    ///
    /// # Panics
    ///
    /// If `data.dim != self.dim()`.
    pub fn denormalize(&self, data: &mut Dataset) {
        assert_eq!(data.dim, self.dim(), "dataset of the wrong dimension");
        for point in data.rows.chunks_exact_mut(self.dim().max(1)) {
            self.denormalize_point(point);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_gives_mean_and_population_std() {
        let data = Dataset::new(2, vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]);
        let n = Normalization::fit(&data);
        assert_eq!(n.mean, [2.5, 25.0]);
        let std0 = (1.25f64).sqrt() as f32;
        assert_eq!(n.scale, [std0, (125.0f64).sqrt() as f32]);
        assert_eq!(n.dim(), 2);
    }

    #[test]
    fn normalized_data_has_zero_mean_unit_std_and_maps_back() {
        let rows: Vec<f32> = (0..300)
            .map(|i| ((i * 37 % 101) as f32 - 20.0) * 0.3)
            .collect();
        let original = Dataset::new(3, rows);
        let n = Normalization::fit(&original);
        let mut d = original.clone();
        n.normalize(&mut d);
        for (m, s) in d.mean().iter().zip(d.std()) {
            assert!(m.abs() < 1e-6, "{m}");
            assert!((s - 1.0).abs() < 1e-6, "{s}");
        }
        n.denormalize(&mut d);
        for (a, b) in d.rows.iter().zip(&original.rows) {
            assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn constant_columns_get_scale_one_and_normalise_to_zero() {
        let mut d = Dataset::new(3, vec![0.1, 5.0, -1.0, 0.1, 6.0, -1.0, 0.1, 7.0, -1.0]);
        let n = Normalization::fit(&d);
        assert_eq!(n.scale[0], 1.0);
        assert_eq!(n.scale[2], 1.0);
        assert_eq!(n.mean[0], 0.1);
        n.normalize(&mut d);
        for p in d.iter() {
            assert_eq!((p[0], p[2]), (0.0, 0.0));
        }
        // A spread too small for a normal f32 scale counts as constant too.
        let tiny = Dataset::new(1, vec![0.0, 1e-45, 0.0, 1e-45]);
        assert_eq!(Normalization::fit(&tiny).scale, [1.0]);
        // Every scale is finite and positive even for extreme data.
        let huge = Dataset::new(1, vec![f32::MAX, -f32::MAX]);
        let s = Normalization::fit(&huge).scale[0];
        assert!(s.is_finite() && s > 0.0);
    }

    #[test]
    fn empty_data_fits_the_identity() {
        let n = Normalization::fit(&Dataset::new(4, Vec::new()));
        assert_eq!(n, Normalization::identity(4));
    }

    #[test]
    #[should_panic(expected = "wrong dimension")]
    fn dimension_mismatch_panics() {
        Normalization::identity(2).normalize(&mut Dataset::new(3, vec![0.0; 3]));
    }
}
