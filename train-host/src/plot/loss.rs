//! The training loss of a run, on a log axis (a linear one for losses
//! that can be negative, as implicit score matching's).

use super::{PlotError, SAMPLE_COLOR, draw_err, min_max, render, significant, with_skipped};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Training loss against step on a logarithmic loss axis, with a moving
/// average (window n/25 points, geometric mean) over the raw curve when
/// there are at least 50 points; written to `path` (PNG, 900×600).
///
/// The loss axis is drawn as a linear axis over ln(loss) labelled with the
/// losses themselves, so it has a readable label every few pixels however
/// narrow the range (a log axis labels only powers of ten, and a loss from
/// 0.3 to 0.9 has none).
///
/// When a finite loss is zero or negative (implicit score matching's loss
/// `E[‖S‖² + 2 tr ∇S]` is negative once trained), the axis is linear and
/// the moving average arithmetic instead. Non-finite losses are skipped
/// and counted in the title.
///
/// # Errors
///
/// [`PlotError::Input`] if the slices differ in length or no loss is
/// finite; [`PlotError::Io`] if the file cannot be written.
pub fn loss_curve(steps: &[u64], losses: &[f32], path: &Path) -> Result<(), PlotError> {
    loss_curves(steps, losses, &[], path)
}

/// [`loss_curve`] with a run's validation losses, (step, loss) of its EMA
/// weights on held-out rows, drawn as a second curve with markers on the
/// same axis (non-finite ones skipped).
pub fn loss_curves(
    steps: &[u64],
    losses: &[f32],
    validation: &[(u64, f32)],
    path: &Path,
) -> Result<(), PlotError> {
    if steps.len() != losses.len() {
        return Err(PlotError::Input(format!(
            "{} steps but {} losses",
            steps.len(),
            losses.len()
        )));
    }
    let points: Vec<(f64, f64)> = steps
        .iter()
        .zip(losses)
        .filter(|(_, l)| l.is_finite())
        .map(|(&s, &l)| (s as f64, f64::from(l)))
        .collect();
    if points.is_empty() {
        return Err(PlotError::Input("no finite loss to plot".into()));
    }
    let held_out: Vec<(f64, f64)> = validation
        .iter()
        .filter(|(_, l)| l.is_finite())
        .map(|&(s, l)| (s as f64, f64::from(l)))
        .collect();
    let log = points.iter().chain(&held_out).all(|p| p.1 > 0.0);
    let skipped = losses.len() - points.len();
    let (x0, x1) = min_max(points.iter().chain(&held_out).map(|p| p.0)).unwrap_or((0.0, 1.0));
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    let (l0, l1) = min_max(points.iter().chain(&held_out).map(|p| p.1)).unwrap_or((1.0, 1.0));
    // The curve is drawn in `y = axis(loss)`; `value(y)` is the loss again.
    type Map = fn(f64) -> f64;
    let (axis, value): (Map, Map) = if log {
        (f64::ln, f64::exp)
    } else {
        (|l| l, |y| y)
    };
    let (y0, y1) = if log {
        ((l0 / 1.25).ln(), (l1 * 1.25).ln())
    } else {
        let pad = 0.1 * (l1 - l0).max(l0.abs().max(l1.abs()) * 1e-3).max(1e-12);
        (l0 - pad, l1 + pad)
    };
    let points: Vec<(f64, f64)> = points.iter().map(|&(s, l)| (s, axis(l))).collect();
    let held_out: Vec<(f64, f64)> = held_out.iter().map(|&(s, l)| (s, axis(l))).collect();
    let window = points.len() / 25;
    let smooth: Vec<(f64, f64)> = if points.len() >= 50 {
        points
            .windows(window)
            .map(|w| {
                let x = w.iter().map(|p| p.0).sum::<f64>() / w.len() as f64;
                let y = w.iter().map(|p| p.1).sum::<f64>() / w.len() as f64;
                (x, y)
            })
            .collect()
    } else {
        Vec::new()
    };
    let caption = with_skipped("training loss", skipped);
    let ticks: Vec<f64> = if log {
        nice_ticks(y0.exp(), y1.exp())
            .iter()
            .map(|v| v.ln())
            .collect()
    } else {
        linear_ticks(y0, y1)
    };
    render(path, (900, 600), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc(if log { "loss (log scale)" } else { "loss" })
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(0)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        // The loss axis's labels and grid at round losses (plotters would
        // space them evenly in ln(loss)).
        for &t in &ticks {
            chart
                .draw_series(LineSeries::new([(x0, t), (x1, t)], BLACK.mix(0.15)))
                .map_err(draw_err)?;
            let (px, py) = chart.backend_coord(&(x0, t));
            root.draw(&Text::new(
                significant(value(t)),
                (px - 8, py),
                ("sans-serif", 13)
                    .into_text_style(root)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        let raw = if smooth.is_empty() {
            SAMPLE_COLOR.mix(1.0)
        } else {
            SAMPLE_COLOR.mix(0.35)
        };
        chart
            .draw_series(LineSeries::new(points.iter().copied(), raw.stroke_width(1)))
            .map_err(draw_err)?
            .label("loss")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], raw.stroke_width(2)));
        if !smooth.is_empty() {
            let color = RGBColor(214, 39, 40);
            chart
                .draw_series(LineSeries::new(
                    smooth.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label(format!("moving average ({window} points)"))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if !held_out.is_empty() {
            let color = RGBColor(44, 160, 44);
            chart
                .draw_series(LineSeries::new(
                    held_out.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label("validation (EMA weights, held-out rows)")
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(held_out.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(draw_err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()
            .map_err(draw_err)
    })
}

/// Round values for a linear axis from `lo` to `hi`: multiples of 1, 2 or
/// 5 times a power of ten, the largest such step that gives at least four.
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    let power = 10f64.powi((span / 4.0).log10().floor() as i32);
    let step = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| (span / s).floor() >= 4.0)
        .unwrap_or(power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Round values for a log axis from `lo` to `hi` (both positive): the
/// powers of ten in it, else also 2 and 5 times them, else every digit
/// times them, whichever first gives at least four.
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let mut ticks = Vec::new();
    for mantissas in [
        &[1.0][..],
        &[1.0, 2.0, 5.0],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ] {
        ticks = (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| (lo..=hi).contains(v))
            .collect();
        if ticks.len() >= 4 {
            break;
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::super::test_support::decode;
    use super::*;

    #[test]
    fn log_ticks_are_round_and_enough() {
        let close = |got: Vec<f64>, want: &[f64]| {
            assert_eq!(got.len(), want.len(), "{got:?}");
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() <= 1e-12 * w, "{got:?} vs {want:?}");
            }
        };
        // Four powers of ten.
        close(nice_ticks(0.0009, 2.0), &[0.001, 0.01, 0.1, 1.0]);
        // Three are too few: 1, 2 and 5 times them.
        close(
            nice_ticks(0.004, 2.0),
            &[0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0],
        );
        // 0.45 to 1.22 (the loss plot that had one label): every digit.
        close(nice_ticks(0.45, 1.22), &[0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    }

    #[test]
    fn loss_curve_writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let loss = dir.path().join("loss.png");
        let steps: Vec<u64> = (0..500).map(|i| i * 10).collect();
        let losses: Vec<f32> = (0..500)
            .map(|i| 2.0 * (-(i as f32) / 120.0).exp() + 0.05 + 0.02 * (i as f32 * 2.1).sin().abs())
            .collect();
        loss_curve(&steps, &losses, &loss).unwrap();
        assert_eq!(decode(&loss), (900, 600, png::ColorType::Rgb));
        // A single point and a non-positive loss are fine too.
        loss_curve(&[3, 4], &[0.5, 0.0], &loss).unwrap();
        assert_eq!(decode(&loss).0, 900);
        // Implicit score matching's losses, negative once trained: a linear
        // axis.
        let ism: Vec<f32> = (0..200).map(|i| 3.0 - 0.04 * i as f32).collect();
        let steps: Vec<u64> = (0..200).collect();
        loss_curve(&steps, &ism, &loss).unwrap();
        assert_eq!(decode(&loss).0, 900);
        assert!(loss_curve(&[1], &[f32::NAN], &loss).is_err());
    }

    #[test]
    fn validation_losses_widen_the_axis_and_draw_a_second_curve() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("one.png"), dir.path().join("two.png"));
        let steps: Vec<u64> = (1..=100).collect();
        let losses: Vec<f32> = steps.iter().map(|&s| 1.0 / s as f32).collect();
        loss_curve(&steps, &losses, &one).unwrap();
        let validation = [(50, 2.0), (100, f32::NAN)];
        loss_curves(&steps, &losses, &validation, &two).unwrap();
        assert_eq!(decode(&two).0, 900);
        // The validation point above every training loss changes the image.
        assert_ne!(std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_range() {
        assert_eq!(linear_ticks(-5.3, 3.1), [-4.0, -2.0, 0.0, 2.0]);
        assert_eq!(linear_ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    }
}
