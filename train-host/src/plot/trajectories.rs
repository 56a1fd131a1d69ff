//! Reverse-diffusion paths: how samples travel from noise to data, in two
//! columns.

use super::{
    MAX_TRAJECTORIES, PlotError, REFERENCE_COLOR, View, draw_err, min_max, padded, render, rows_of,
};
use plotters::prelude::*;
use std::path::Path;

/// The paths of the first `shown` samples (at most [`MAX_TRAJECTORIES`])
/// in the `view`'s first two columns: `states` holds one n×`dim` row-major
/// buffer per step (first = after the first plan row, last = the final
/// samples). Each path is a coloured line from a hollow start marker to a
/// filled end marker, over the final states of all n samples in light
/// gray; written to `path` (PNG, 800×800) with the columns' names on the
/// axes.
///
/// # Errors
///
/// [`PlotError::Input`] if `states` is empty, the buffers differ in length
/// or are not whole rows, the view has fewer than two columns, or there
/// are no samples; [`PlotError::Io`] if the file cannot be written.
pub fn trajectories(
    states: &[Vec<f32>],
    dim: usize,
    view: &View<'_>,
    shown: usize,
    path: &Path,
) -> Result<(), PlotError> {
    let (first, last) = match (states.first(), states.last()) {
        (Some(f), Some(l)) => (f, l),
        _ => return Err(PlotError::Input("no trajectory state".into())),
    };
    if let Some(s) = states.iter().position(|s| s.len() != first.len()) {
        return Err(PlotError::Input(format!(
            "state {s} has {} values, state 0 has {}",
            states.get(s).map_or(0, Vec::len),
            first.len()
        )));
    }
    let (&[x, y, ..], true) = (view.dims, view.dims.iter().all(|&j| j < dim)) else {
        return Err(PlotError::Input(format!(
            "a trajectory plot needs two of the {dim} columns"
        )));
    };
    let n = rows_of(first, dim, "trajectory state")?;
    if n == 0 {
        return Err(PlotError::Input("no trajectory point".into()));
    }
    let shown = n.min(shown).min(MAX_TRAJECTORIES);
    let point = |s: &[f32], i: usize| -> Option<(f64, f64)> {
        let (a, b) = (*s.get(i * dim + x)?, *s.get(i * dim + y)?);
        (a.is_finite() && b.is_finite()).then_some((f64::from(a), f64::from(b)))
    };
    let paths: Vec<Vec<(f64, f64)>> = (0..shown)
        .map(|i| states.iter().filter_map(|s| point(s, i)).collect())
        .collect();
    let cloud: Vec<(f64, f64)> = (0..n).filter_map(|i| point(last, i)).collect();
    let all = || paths.iter().flatten().chain(&cloud);
    let (x0, x1) = padded(min_max(all().map(|p| p.0)));
    let (y0, y1) = padded(min_max(all().map(|p| p.1)));
    let caption = format!(
        "{}: {shown} of {n} samples, {} states (○ start, ● end)",
        view.title,
        states.len()
    );
    let (x_name, y_name) = (view.name(x), view.name(y));
    render(path, (800, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 18))
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
        let gray = REFERENCE_COLOR.mix(0.3).filled();
        chart
            .draw_series(cloud.iter().map(|&p| Circle::new(p, 2, gray)))
            .map_err(draw_err)?;
        // Lines first, then every marker, so no line hides an end point.
        // One pixel wide: plotters draws wider lines as polygons, which
        // spike at the many tiny segments of a thousand-step path.
        for (i, path) in paths.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    path.iter().copied(),
                    color.mix(0.9).stroke_width(1),
                ))
                .map_err(draw_err)?;
        }
        for (i, path) in paths.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            if let (Some(&start), Some(&end)) = (path.first(), path.last()) {
                chart
                    .draw_series([
                        Circle::new(start, 5, WHITE.filled()),
                        Circle::new(start, 5, color.stroke_width(1)),
                        Circle::new(end, 5, color.filled()),
                    ])
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{decode, ring};
    use super::*;

    #[test]
    fn trajectories_follow_two_columns_of_wider_data() {
        let dir = tempfile::tempdir().unwrap();
        let traj = dir.path().join("traj.png");
        // 40 samples of 3 columns (a ring and a constant) contracting from
        // a wide ring onto a small one.
        let states: Vec<Vec<f32>> = (0..20)
            .map(|s| {
                let shrink = 1.0 + 3.0 * (1.0 - s as f32 / 19.0);
                ring(40, s as f32 * 0.05)
                    .chunks(2)
                    .flat_map(|p| [p[0] * shrink, 7.0, p[1] * shrink])
                    .collect()
            })
            .collect();
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let view = View {
            title: "t",
            names: &names,
            dims: &[0, 2],
        };
        trajectories(&states, 3, &view, 8, &traj).unwrap();
        assert_eq!(decode(&traj), (800, 800, png::ColorType::Rgb));
        let one = View { dims: &[0], ..view };
        assert!(trajectories(&states, 3, &one, 8, &traj).is_err());
    }
}
