//! Two columns of samples against each other, over the reference.

use super::{
    Coverage, PlotError, REFERENCE_COLOR, SAMPLE_COLOR, View, draw_err, padded, render, rows_of,
    with_skipped,
};
use plotters::prelude::*;
use std::path::Path;

/// The first two of the `view`'s columns of `samples` (n×`dim`, row-major)
/// as a scatter plot over a faint `reference` set (m×`dim`), written to
/// `path` (PNG, 800×800), with the view's title and the columns' names on
/// the axes.
///
/// The axes cover every finite point of both sets, so an outlier is seen;
/// the share of sample values outside the reference's range is returned
/// and given in the title. Non-finite points are skipped and counted in
/// the title.
///
/// # Errors
///
/// [`PlotError::Input`] if a buffer is not whole rows, the view has fewer
/// than two columns, or `samples` has no finite point; [`PlotError::Io`]
/// if the file cannot be written.
pub fn scatter_2d(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    view: &View<'_>,
    path: &Path,
) -> Result<Coverage, PlotError> {
    let (&[x, y, ..], true) = (view.dims, view.dims.iter().all(|&j| j < dim)) else {
        return Err(PlotError::Input(format!(
            "a scatter plot needs two of the {dim} columns"
        )));
    };
    let (pts, skipped) = finite_pairs(samples, dim, (x, y), "samples")?;
    let (refs, ref_skipped) = match reference {
        Some(r) => finite_pairs(r, dim, (x, y), "reference")?,
        None => (Vec::new(), 0),
    };
    if pts.is_empty() {
        return Err(PlotError::Input("no finite sample to plot".into()));
    }
    let coverage = Coverage::of(samples, reference, dim, &[x, y]);
    let range = |f: fn(&(f64, f64)) -> f64| padded(super::min_max(pts.iter().chain(&refs).map(f)));
    let (x0, x1) = range(|p| p.0);
    let (y0, y1) = range(|p| p.1);
    let caption = with_skipped(view.title, skipped + ref_skipped);
    let note = coverage.note().trim_start_matches("; ").to_string();
    let (x_name, y_name) = (view.name(x), view.name(y));
    render(path, (800, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(x_name)
            .y_desc(y_name)
            .axis_desc_style(("sans-serif", 16))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        if !refs.is_empty() {
            let style = REFERENCE_COLOR.mix(0.35).filled();
            chart
                .draw_series(refs.iter().map(|&p| Circle::new(p, 2, style)))
                .map_err(draw_err)?
                .label(format!("reference ({})", refs.len()))
                .legend(move |(x, y)| Circle::new((x, y), 4, REFERENCE_COLOR.filled()));
        }
        let style = SAMPLE_COLOR.mix(0.6).filled();
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 2, style)))
            .map_err(draw_err)?
            .label(format!("samples ({})", pts.len()))
            .legend(move |(x, y)| Circle::new((x, y), 4, SAMPLE_COLOR.filled()));
        if !note.is_empty() {
            chart
                .draw_series([EmptyElement::at((x0, y0))])
                .map_err(draw_err)?
                .label(note.clone())
                .legend(|(x, y)| EmptyElement::at((x, y)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(draw_err)
    })?;
    Ok(coverage)
}

/// The finite (x, y) points of columns `x`, `y` of an n×`dim` buffer, and
/// how many were not finite.
fn finite_pairs(
    values: &[f32],
    dim: usize,
    (x, y): (usize, usize),
    what: &str,
) -> Result<(Vec<(f64, f64)>, usize), PlotError> {
    let n = rows_of(values, dim, what)?;
    let pts: Vec<(f64, f64)> = values
        .chunks_exact(dim)
        .map(|r| (r[x], r[y]))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (f64::from(a), f64::from(b)))
        .collect();
    let skipped = n - pts.len();
    Ok((pts, skipped))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{all, decode, ring};
    use super::*;

    #[test]
    fn scatter_writes_a_png_and_skips_non_finite_points() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scatter.png");
        let mut samples = ring(500, 0.0);
        samples.extend([f32::NAN, 1.0, 40.0, 0.0]);
        // The reference: a ring 1.2 times as wide, around every sample.
        let reference: Vec<f32> = ring(2000, 0.3).iter().map(|v| 1.2 * v).collect();
        let (names, dims) = all(2);
        let view = View {
            title: "ring",
            names: &names,
            dims: &dims,
        };
        let c = scatter_2d(&samples, 2, Some(&reference), &view, &path).unwrap();
        // Finite values: 501 in x (the NaN left out), 502 in y; of them
        // only x = 40 is outside the reference's range.
        assert_eq!((c.outside, c.total), (1, 1003));
        assert_eq!(decode(&path), (800, 800, png::ColorType::Rgb));
        // Without a reference, over an existing file.
        scatter_2d(&samples, 2, None, &view, &path).unwrap();
        assert_eq!(decode(&path).0, 800);
        assert_eq!(crate::atomic::dir_entries(dir.path()), ["scatter.png"]);
    }
}
