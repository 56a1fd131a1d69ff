//! [`Dataset`]: n points of dimension d in one flat row-major `Vec<f32>`.
//!
//! One contiguous buffer rather than `Vec<Vec<f32>>` because the trainer
//! copies minibatches row by row into matrices for the network, and the
//! runtime it feeds works in `f32`. Every reader and generator in this module
//! returns a `Dataset` whose values are all finite.

/// `len()` points of dimension `dim`, stored row after row.
///
/// Invariants (kept by every constructor in this module; the fields are public
/// so callers can build and take apart datasets freely, and must keep them
/// too): `dim ≥ 1` and `rows.len()` is a multiple of `dim`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    /// The dimension of each point.
    pub dim: usize,
    /// The values, row-major: point `i` is `rows[i·dim .. (i+1)·dim]`.
    pub rows: Vec<f32>,
}

impl Dataset {
    /// A dataset from row-major values.
    ///
    /// # Panics
    ///
    /// If `dim` is 0 or `rows.len()` is not a multiple of `dim`.
    pub fn new(dim: usize, rows: Vec<f32>) -> Self {
        assert!(dim > 0, "Dataset dimension must be at least 1");
        assert!(
            rows.len().is_multiple_of(dim),
            "{} values do not make rows of {dim}",
            rows.len()
        );
        Self { dim, rows }
    }

    /// An empty dataset of dimension `dim` with room for `n` points.
    pub fn with_capacity(dim: usize, n: usize) -> Self {
        Self::new(dim, Vec::with_capacity(n.saturating_mul(dim)))
    }

    /// Appends one point.
    ///
    /// # Panics
    ///
    /// If `point.len() != self.dim`.
    pub fn push(&mut self, point: &[f32]) {
        assert_eq!(point.len(), self.dim, "point of the wrong dimension");
        self.rows.extend_from_slice(point);
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.rows.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `i`.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.dim..(i + 1) * self.dim]
    }

    /// Point `i`, mutably.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.rows[i * self.dim..(i + 1) * self.dim]
    }

    /// The points in order.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, f32> {
        self.rows.chunks_exact(self.dim.max(1))
    }

    /// The per-dimension mean, computed in `f64` (zeros if empty).
    pub fn mean(&self) -> Vec<f64> {
        let mut sum = vec![0.0f64; self.dim];
        for point in self.iter() {
            for (s, &v) in sum.iter_mut().zip(point) {
                *s += f64::from(v);
            }
        }
        let n = self.len().max(1) as f64;
        sum.iter().map(|s| s / n).collect()
    }

    /// The per-dimension population standard deviation (divisor n), computed
    /// in `f64` in two passes (zeros if empty).
    pub fn std(&self) -> Vec<f64> {
        let mean = self.mean();
        let mut sq = vec![0.0f64; self.dim];
        for point in self.iter() {
            for ((s, &v), m) in sq.iter_mut().zip(point).zip(&mean) {
                let d = f64::from(v) - m;
                *s += d * d;
            }
        }
        let n = self.len().max(1) as f64;
        sq.iter().map(|s| (s / n).sqrt()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_lengths() {
        let mut d = Dataset::with_capacity(3, 2);
        assert!(d.is_empty());
        d.push(&[1.0, 2.0, 3.0]);
        d.push(&[4.0, 5.0, 6.0]);
        assert_eq!(d.len(), 2);
        assert_eq!(d.row(1), [4.0, 5.0, 6.0]);
        d.row_mut(0)[2] = 9.0;
        assert_eq!(
            d.iter().collect::<Vec<_>>(),
            [&[1.0, 2.0, 9.0][..], &[4.0, 5.0, 6.0]]
        );
        assert_eq!(d.mean(), [2.5, 3.5, 7.5]);
        assert_eq!(d.std(), [1.5, 1.5, 1.5]);
        assert_eq!(Dataset::default().len(), 0);
    }

    #[test]
    #[should_panic(expected = "do not make rows of 3")]
    fn ragged_storage_panics() {
        Dataset::new(3, vec![0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "at least 1")]
    fn zero_dimension_panics() {
        Dataset::new(0, Vec::new());
    }
}
