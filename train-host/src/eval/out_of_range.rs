//! The share of sample values outside a data range widened by a margin.
//!
//! A few-step sampler that leaves the data shows it first here: a value
//! beyond anything the training data held (an accelerometer at 28 g whose
//! data never exceeds 2 g) is an outlier whatever the distances say, and a
//! few of them hide in an average. The range is per dimension; the margin is
//! a fraction of each dimension's width, so the same number serves data of
//! any scale.

/// The margin `sample`, `demo` and `eval` report with: 5 % of the width.
pub const REPORT_MARGIN: f64 = 0.05;

/// Values this close to a bound, relative to the dimension's scale
/// (`max(width, |low|, |high|)`), count as inside: the samplers clip x̂₀ to
/// exactly the bounds of the default margin, and a value on a bound comes
/// back from model units (f32, or Q16.16 in fixed point) a rounding away
/// from it.
pub const ROUNDING: f64 = 1e-4;

/// The smallest and largest value of each dimension of `rows` (row-major,
/// dimension `dim`); `(+∞, −∞)` for a dimension without rows.
pub fn range_of(rows: &[f32], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let mut low = vec![f32::INFINITY; dim];
    let mut high = vec![f32::NEG_INFINITY; dim];
    for row in rows.chunks_exact(dim.max(1)) {
        for ((l, h), &v) in low.iter_mut().zip(high.iter_mut()).zip(row) {
            *l = l.min(v);
            *h = h.max(v);
        }
    }
    (low, high)
}

/// The training data's range stored in a model file (section 12), in data
/// units (`x·scale + mean`, the runtime's arithmetic); `None` for a file
/// without one.
pub fn training_range(model: &tinyscore::format::Model<'_>) -> Option<(Vec<f32>, Vec<f32>)> {
    let range = model.data_range()?;
    let to_data = |values: tinyscore::format::F32s<'_>| {
        let mut v: Vec<f32> = values.iter().collect();
        model.normalization().to_data(&mut v);
        v
    };
    Some((to_data(range.low()), to_data(range.high())))
}

/// The line `sample` and `demo` print: the share of sample values outside
/// the model's training range ± [`REPORT_MARGIN`], if the file stores it.
pub fn training_range_line(
    model: &tinyscore::format::Model<'_>,
    samples: &[f32],
) -> Option<String> {
    let (low, high) = training_range(model)?;
    let share = share_outside(samples, &low, &high, REPORT_MARGIN);
    Some(format!(
        "{:.2} % of sample values outside the training range ± {:.0} % of its width",
        100.0 * share,
        100.0 * REPORT_MARGIN
    ))
}

/// The fraction of the values of `samples` (row-major, dimension
/// `low.len()`) outside `[low − m·w, high + m·w]` of their dimension, with
/// `w = high − low` and `m = margin`, up to [`ROUNDING`]. A non-finite
/// value counts as outside. 0 for no samples.
pub fn share_outside(samples: &[f32], low: &[f32], high: &[f32], margin: f64) -> f64 {
    let dim = low.len().max(1);
    let bounds: Vec<(f64, f64)> = low
        .iter()
        .zip(high)
        .map(|(&l, &h)| {
            let (l, h) = (f64::from(l), f64::from(h));
            let scale = (h - l).max(l.abs()).max(h.abs());
            let reach = margin * (h - l) + ROUNDING * scale;
            (l - reach, h + reach)
        })
        .collect();
    let mut outside = 0usize;
    let mut total = 0usize;
    for row in samples.chunks_exact(dim) {
        for (&v, &(l, h)) in row.iter().zip(&bounds) {
            total += 1;
            let v = f64::from(v);
            if !(l..=h).contains(&v) {
                outside += 1;
            }
        }
    }
    if total == 0 {
        0.0
    } else {
        outside as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_per_dimension_with_the_margin() {
        // Dimension 0 spans [0, 10] (reach 0.5 at 5 %), dimension 1 [−1, 1]
        // (reach 0.1).
        let (low, high) = range_of(&[0.0, -1.0, 10.0, 1.0, 5.0, 0.0], 2);
        assert_eq!(
            (low.as_slice(), high.as_slice()),
            ([0.0, -1.0].as_slice(), [10.0, 1.0].as_slice())
        );
        let samples = [10.4, 1.05, -0.6, 0.0, 3.0, 1.2, f32::NAN, 0.0];
        // Outside: −0.6 (below −0.5), 1.2 (above 1.1), NaN: 3 of 8.
        assert_eq!(share_outside(&samples, &low, &high, 0.05), 3.0 / 8.0);
        // On a bound, up to rounding, is inside: −0.5000002 (the f32 round
        // trip of −0.5), not −0.502 (0.02 % of the width 10 beyond).
        assert_eq!(share_outside(&[-0.500_000_2, 0.0], &low, &high, 0.05), 0.0);
        assert_eq!(share_outside(&[-0.502, 0.0], &low, &high, 0.05), 0.5);
        // Without a margin 10.4 and 1.05 are outside too.
        assert_eq!(share_outside(&samples, &low, &high, 0.0), 5.0 / 8.0);
        assert_eq!(share_outside(&[], &low, &high, 0.05), 0.0);
    }
}
