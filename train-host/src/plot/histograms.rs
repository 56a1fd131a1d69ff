//! One histogram panel per column, samples over the reference.

use super::{
    BINS, Coverage, MAX_HISTOGRAM_PANELS, PlotError, SAMPLE_COLOR, View, density, draw_err,
    min_max, padded, render, sample_rows, with_skipped,
};
use plotters::prelude::*;
use std::path::Path;

/// Histograms of the `view`'s columns of `samples` (n×`dim`, row-major),
/// at most [`MAX_HISTOGRAM_PANELS`], one panel each captioned with the
/// column's name, with the `reference` set's histogram (m×`dim`) drawn as
/// an outline on the same bins; written to `path` (PNG).
///
/// Heights are densities (count / (n · bin width)), so sets of different
/// sizes compare directly. Each panel covers every finite value of both
/// sets (nothing is cropped: a long tail shows as a long axis); the share
/// of sample values outside the reference's range is returned and given in
/// the title. Non-finite values are skipped and counted in the title.
///
/// # Errors
///
/// [`PlotError::Input`] if `dim` is 0, a buffer is not whole rows of `dim`
/// values, a drawn column is not below `dim`, or `samples` is empty;
/// [`PlotError::Io`] if the file cannot be written.
pub fn histograms(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    view: &View<'_>,
    path: &Path,
) -> Result<Coverage, PlotError> {
    let (n, m) = sample_rows(samples, dim, reference, view)?;
    let dims: Vec<usize> = view
        .dims
        .iter()
        .copied()
        .take(MAX_HISTOGRAM_PANELS)
        .collect();
    let panels = dims.len().max(1);
    let cols = (1..=panels).find(|c| c * c >= panels).unwrap_or(1);
    let rows = panels.div_ceil(cols);
    let skipped = samples
        .iter()
        .chain(reference.unwrap_or(&[]))
        .filter(|v| !v.is_finite())
        .count();
    let coverage = Coverage::of(samples, reference, dim, &dims);
    let mut subtitle = format!("samples ({n}, blue)");
    if m > 0 {
        subtitle.push_str(&format!(", reference ({m}, outline)"));
    }
    if dims.len() < view.dims.len() {
        subtitle.push_str(&format!(
            "; {} of the {} columns asked for",
            dims.len(),
            view.dims.len()
        ));
    }
    subtitle.push_str(&coverage.note());
    let title = with_skipped(view.title, skipped);
    let (w, h) = (cols as u32 * 300, rows as u32 * 220 + 50);
    render(path, (w.max(600), h), |root| {
        let area = root.titled(&title, ("sans-serif", 18)).map_err(draw_err)?;
        let area = area
            .titled(&subtitle, ("sans-serif", 13))
            .map_err(draw_err)?;
        for (&j, panel) in dims.iter().zip(area.split_evenly((rows, cols)).iter()) {
            let column = |rows: &[f32]| -> Vec<f64> {
                rows.iter()
                    .skip(j)
                    .step_by(dim)
                    .filter(|v| v.is_finite())
                    .map(|&v| f64::from(v))
                    .collect()
            };
            let xs = column(samples);
            let rs = reference.map(column).unwrap_or_default();
            let (lo, hi) = padded(min_max(xs.iter().chain(&rs).copied()));
            let hs = density(&xs, lo, hi);
            let hr = density(&rs, lo, hi);
            let top = hs.iter().chain(&hr).fold(0.0f64, |a, &b| a.max(b)) * 1.1;
            let top = if top > 0.0 { top } else { 1.0 };
            let mut chart = ChartBuilder::on(panel)
                .caption(view.name(j), ("sans-serif", 14))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(40)
                .build_cartesian_2d(lo..hi, 0.0..top)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_labels(4)
                .y_labels(4)
                .label_style(("sans-serif", 11))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(draw_err)?;
            let width = (hi - lo) / BINS as f64;
            let edge = |b: usize| lo + b as f64 * width;
            chart
                .draw_series(hs.iter().enumerate().map(|(b, &d)| {
                    Rectangle::new(
                        [(edge(b), 0.0), (edge(b + 1), d)],
                        SAMPLE_COLOR.mix(0.55).filled(),
                    )
                }))
                .map_err(draw_err)?;
            if !rs.is_empty() {
                let steps = hr
                    .iter()
                    .enumerate()
                    .flat_map(|(b, &d)| [(edge(b), d), (edge(b + 1), d)]);
                chart
                    .draw_series(LineSeries::new(steps, BLACK.stroke_width(2)))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    })?;
    Ok(coverage)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{all, decode};
    use super::*;

    #[test]
    fn histograms_write_a_panel_per_chosen_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hist.png");
        let dim = 5;
        let samples: Vec<f32> = (0..400 * dim)
            .map(|k| ((k * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let reference: Vec<f32> = (0..300 * dim)
            .map(|k| ((k * 53 % 97) as f32 / 40.0) - 1.2)
            .collect();
        let (names, dims) = all(dim);
        let view = View {
            title: "h",
            names: &names,
            dims: &dims,
        };
        histograms(&samples, dim, Some(&reference), &view, &path).unwrap();
        // 5 panels: 3 columns × 2 rows of 300×220, plus the titles.
        assert_eq!(decode(&path).0, 900);
        assert_eq!(decode(&path).1, 490);
        // Two chosen columns: one row of two panels, widened to 600.
        let view = View {
            dims: &[4, 1],
            ..view
        };
        histograms(&samples, dim, None, &view, &path).unwrap();
        assert_eq!((decode(&path).0, decode(&path).1), (600, 270));
    }
}
