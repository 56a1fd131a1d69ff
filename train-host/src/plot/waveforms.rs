//! Windows of sensor channels drawn as what they are: each channel's
//! values over time, a few samples over the reference's spread.
//!
//! A window of `L` time steps of `C` channels is a row of `C·L` columns,
//! named `CHANNEL_K` for time step `K` (as `tinyscore window` writes
//! them). Histograms of such columns say nothing about shape; a waveform
//! panel per channel shows whether samples have the data's rhythm,
//! amplitude and smoothness.

use super::{
    Coverage, PlotError, REFERENCE_COLOR, View, draw_err, min_max, padded, render, sample_rows,
    with_skipped,
};
use plotters::prelude::*;
use std::path::Path;

/// Sample rows drawn as lines.
pub const WAVEFORM_SAMPLES: usize = 6;

/// One channel of a window: its name and its columns in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    /// The channel's name (`ax` of `ax_0 … ax_31`).
    pub name: String,
    /// Its columns, time step by time step.
    pub columns: Vec<usize>,
}

/// The channels of columns named `CHANNEL_K`, in order of first appearance,
/// each with its columns sorted by `K`; columns not so named are one
/// channel each. Names without any `_K` (`x0 … x15`) are one channel of
/// all columns in order.
pub fn channels(names: &[String]) -> Vec<Channel> {
    let split = |n: &str| {
        n.rsplit_once('_')
            .and_then(|(c, k)| k.parse::<usize>().ok().map(|k| (c.to_string(), k)))
    };
    if names.len() > 1 && names.iter().all(|n| split(n).is_none()) {
        return vec![Channel {
            name: String::new(),
            columns: (0..names.len()).collect(),
        }];
    }
    let mut out: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let (channel, k) = split(name).unwrap_or_else(|| (name.clone(), 0));
        match out.iter_mut().find(|(c, _)| *c == channel) {
            Some((_, cols)) => cols.push((k, j)),
            None => out.push((channel, vec![(k, j)])),
        }
    }
    out.into_iter()
        .map(|(name, mut cols)| {
            cols.sort_unstable();
            Channel {
                name,
                columns: cols.into_iter().map(|(_, j)| j).collect(),
            }
        })
        .collect()
}

/// The channels of the `view`'s columns of `samples` (n×`dim` windows),
/// one panel each: the first [`WAVEFORM_SAMPLES`] samples as coloured
/// lines over the `reference`'s (m×`dim`) 10–90 % band (gray) and median
/// (black) at each time step; written to `path` (PNG), titled with the
/// view's title and the share of sample values outside the reference's
/// range, which is returned. The value axis covers every finite value
/// drawn.
///
/// # Errors
///
/// [`PlotError::Input`] if a buffer is not whole rows, a drawn column is
/// not below `dim`, or there are no samples; [`PlotError::Io`] if the file
/// cannot be written.
pub fn waveforms(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    view: &View<'_>,
    path: &Path,
) -> Result<Coverage, PlotError> {
    let (n, m) = sample_rows(samples, dim, reference, view)?;
    let names: Vec<String> = (0..dim).map(|j| view.name(j)).collect();
    let panels: Vec<Channel> = channels(&names)
        .into_iter()
        .map(|c| Channel {
            columns: c
                .columns
                .into_iter()
                .filter(|j| view.dims.contains(j))
                .collect(),
            ..c
        })
        .filter(|c| !c.columns.is_empty())
        .collect();
    let coverage = Coverage::of(samples, reference, dim, view.dims);
    let skipped = samples.iter().filter(|v| !v.is_finite()).count();
    let title = with_skipped(view.title, skipped);
    let shown = n.min(WAVEFORM_SAMPLES);
    let mut subtitle = format!("{shown} of {n} samples (colours)");
    if m > 0 {
        subtitle += &format!(", reference of {m}: median (black), 10–90% (gray)");
    }
    subtitle += &coverage.note();
    let cols = if panels.len() > 4 { 2 } else { 1 };
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (1000, rows as u32 * 260 + 50);
    let value = |rows: &[f32], i: usize, j: usize| rows.get(i * dim + j).copied();
    render(path, size, |root| {
        let area = root.titled(&title, ("sans-serif", 18)).map_err(draw_err)?;
        let area = area
            .titled(&subtitle, ("sans-serif", 13))
            .map_err(draw_err)?;
        for (channel, panel) in panels.iter().zip(area.split_evenly((rows, cols)).iter()) {
            let len = channel.columns.len();
            let band: Vec<[f64; 3]> = channel
                .columns
                .iter()
                .map(|&j| {
                    let mut v: Vec<f64> = (0..m)
                        .filter_map(|i| value(reference.unwrap_or(&[]), i, j))
                        .filter(|v| v.is_finite())
                        .map(f64::from)
                        .collect();
                    v.sort_unstable_by(f64::total_cmp);
                    let at = |q: f64| {
                        v.get(((v.len().saturating_sub(1)) as f64 * q).round() as usize)
                            .copied()
                            .unwrap_or(f64::NAN)
                    };
                    [at(0.1), at(0.5), at(0.9)]
                })
                .collect();
            let lines: Vec<Vec<(f64, f64)>> = (0..shown)
                .map(|i| {
                    channel
                        .columns
                        .iter()
                        .enumerate()
                        .filter_map(|(k, &j)| value(samples, i, j).map(|v| (k as f64, v)))
                        .filter(|(_, v)| v.is_finite())
                        .map(|(k, v)| (k, f64::from(v)))
                        .collect()
                })
                .collect();
            let reference_values = channel
                .columns
                .iter()
                .flat_map(|&j| (0..m).filter_map(move |i| value(reference.unwrap_or(&[]), i, j)));
            let all = lines
                .iter()
                .flatten()
                .map(|p| p.1)
                .chain(reference_values.filter(|v| v.is_finite()).map(f64::from));
            let (lo, hi) = padded(min_max(all));
            let caption = if channel.name.is_empty() {
                "value by time step".to_string()
            } else {
                channel.name.clone()
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, ("sans-serif", 15))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(50)
                .build_cartesian_2d(0.0..(len.max(2) - 1) as f64, lo..hi)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .x_desc("time step")
                .x_label_formatter(&|v| format!("{v:.0}"))
                .label_style(("sans-serif", 11))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(draw_err)?;
            if m > 0 {
                let upper = band.iter().enumerate().map(|(k, b)| (k as f64, b[2]));
                let lower = band.iter().enumerate().rev().map(|(k, b)| (k as f64, b[0]));
                let outline: Vec<(f64, f64)> =
                    upper.chain(lower).filter(|p| p.1.is_finite()).collect();
                chart
                    .draw_series([Polygon::new(outline, REFERENCE_COLOR.mix(0.3).filled())])
                    .map_err(draw_err)?;
                let median = band.iter().enumerate().map(|(k, b)| (k as f64, b[1]));
                chart
                    .draw_series(LineSeries::new(
                        median.filter(|p| p.1.is_finite()),
                        BLACK.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
            }
            for (i, line) in lines.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                chart
                    .draw_series(LineSeries::new(line.iter().copied(), color.stroke_width(2)))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    })?;
    Ok(coverage)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::decode;
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_group_into_channels_by_name() {
        let got = channels(&names(&["ax_1", "ax_0", "ay_0", "t", "ay_1"]));
        assert_eq!(
            got,
            [
                Channel {
                    name: "ax".into(),
                    columns: vec![1, 0]
                },
                Channel {
                    name: "ay".into(),
                    columns: vec![2, 4]
                },
                Channel {
                    name: "t".into(),
                    columns: vec![3]
                },
            ]
        );
        let plain = channels(&crate::data::default_names(3));
        assert_eq!(
            plain,
            [Channel {
                name: String::new(),
                columns: vec![0, 1, 2]
            }]
        );
    }

    #[test]
    fn waveforms_draw_a_panel_per_chosen_channel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wave.png");
        let all = names(&["a_0", "a_1", "a_2", "b_0", "b_1", "b_2"]);
        let samples: Vec<f32> = (0..10 * 6).map(|k| (k as f32 * 0.3).sin()).collect();
        let reference: Vec<f32> = (0..50 * 6).map(|k| (k as f32 * 0.7).cos()).collect();
        let dims: Vec<usize> = (0..6).collect();
        let view = View {
            title: "w",
            names: &all,
            dims: &dims,
        };
        let c = waveforms(&samples, 6, Some(&reference), &view, &path).unwrap();
        assert_eq!(c.total, 60);
        assert_eq!(decode(&path), (1000, 2 * 260 + 50, png::ColorType::Rgb));
        // Channel b only.
        let view = View {
            dims: &[3, 4, 5],
            ..view
        };
        waveforms(&samples, 6, None, &view, &path).unwrap();
        assert_eq!(decode(&path).1, 260 + 50);
    }
}
