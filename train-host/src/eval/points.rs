//! [`Points`]: a checked view of `n×d` row-major `f32` samples.
//!
//! Why: every metric takes two plain slices plus a dimension (so callers
//! need no particular container), and every metric must reject the same bad
//! inputs the same way. Checking once here — dimension positive, length a
//! multiple of it, every value finite, enough points — keeps the metric code
//! free of shape checks and the error messages uniform.

use super::EvalError;

/// `len()` points of dimension `dim`, validated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Points<'a> {
    rows: &'a [f32],
    dim: usize,
}

impl<'a> Points<'a> {
    /// Checks `rows` as a set of at least `min_points` points of dimension
    /// `dim`; `set` names it in errors.
    pub(crate) fn new(
        rows: &'a [f32],
        dim: usize,
        min_points: usize,
        set: &'static str,
    ) -> Result<Self, EvalError> {
        if dim == 0 {
            return Err(EvalError::ZeroDim);
        }
        if !rows.len().is_multiple_of(dim) {
            return Err(EvalError::Ragged {
                set,
                len: rows.len(),
                dim,
            });
        }
        if let Some(index) = rows.iter().position(|v| !v.is_finite()) {
            return Err(EvalError::NonFinite { set, index });
        }
        let n = rows.len() / dim;
        if n < min_points {
            return Err(EvalError::TooFew {
                set,
                need: min_points,
                got: n,
            });
        }
        Ok(Self { rows, dim })
    }

    /// Checks a pair of sets (`"first set"`, `"second set"`), each with at
    /// least `min_points` points.
    pub(crate) fn pair(
        a: &'a [f32],
        b: &'a [f32],
        dim: usize,
        min_points: usize,
    ) -> Result<(Self, Self), EvalError> {
        Ok((
            Self::new(a, dim, min_points, "first set")?,
            Self::new(b, dim, min_points, "second set")?,
        ))
    }

    /// The number of points.
    pub(crate) fn len(&self) -> usize {
        self.rows.len() / self.dim
    }

    /// The dimension.
    pub(crate) fn dim(&self) -> usize {
        self.dim
    }

    /// All values, row-major.
    pub(crate) fn values(&self) -> &'a [f32] {
        self.rows
    }

    /// The points, one slice of `dim` values each.
    pub(crate) fn iter(&self) -> std::slice::ChunksExact<'a, f32> {
        self.rows.chunks_exact(self.dim)
    }

    /// The points at `indices`, as `f64`, row-major.
    pub(crate) fn gather_f64(&self, indices: &[usize]) -> Vec<f64> {
        let mut out = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            let row = &self.rows[i * self.dim..(i + 1) * self.dim];
            out.extend(row.iter().map(|&v| f64::from(v)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_shapes_and_values() {
        assert_eq!(
            Points::new(&[1.0], 0, 0, "first set").unwrap_err(),
            EvalError::ZeroDim
        );
        assert!(matches!(
            Points::new(&[1.0, 2.0, 3.0], 2, 0, "first set"),
            Err(EvalError::Ragged { len: 3, dim: 2, .. })
        ));
        assert!(matches!(
            Points::new(&[1.0, f32::NAN], 1, 0, "second set"),
            Err(EvalError::NonFinite {
                set: "second set",
                index: 1
            })
        ));
        assert!(matches!(
            Points::new(&[1.0, 2.0], 2, 2, "first set"),
            Err(EvalError::TooFew {
                need: 2,
                got: 1,
                ..
            })
        ));
        let p = Points::new(&[1.0, 2.0, 3.0, 4.0], 2, 2, "first set").unwrap();
        assert_eq!((p.len(), p.dim()), (2, 2));
        assert_eq!(p.gather_f64(&[1]), vec![3.0, 4.0]);
        assert_eq!(p.iter().count(), 2);
    }
}
