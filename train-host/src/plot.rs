//! PNG plots of samples, reverse trajectories and training loss.
//!
//! Why: numbers such as the sliced Wasserstein distance say *how far* a
//! model's samples are from the data; a picture says *how* they are wrong
//! (a missing mode, blurred structure, samples stuck in the noise). These
//! plots are what a person looks at after `tinyscore train` and
//! `tinyscore sample`.
//!
//! How:
//!
//! * Rendering is pure Rust: `plotters`' bitmap backend draws into an
//!   in-memory RGB buffer and the `png` crate encodes it. No system library
//!   (freetype, fontconfig) is needed to build or run.
//! * Text uses DejaVu Sans, embedded in the binary by the `dejavu` crate and
//!   registered with `plotters`' `ab_glyph` text renderer on first use, so
//!   labels look the same on every machine and no font is looked up or
//!   downloaded at run time.
//! * Every file is written atomically ([`crate::atomic::write_atomic`]: a
//!   temporary sibling, then a rename): a failed or interrupted plot leaves
//!   the old file, or none, never a truncated PNG.
//! * Non-finite values (a diverged sampler) are skipped and counted in the
//!   title rather than failing the plot, since that is exactly when a
//!   picture helps.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input cannot be plotted (wrong shape, nothing to show).
    #[error("cannot plot: {0}")]
    Input(String),
    /// Writing the PNG file failed; the destination is unchanged.
    #[error("{}: {source}", path.display())]
    Io {
        /// The destination.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The drawing library reported an error.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    /// The embedded font could not be registered.
    #[error("the embedded font could not be loaded")]
    Font,
}

/// At most this many images are shown by [`image_grid`].
pub const MAX_IMAGES: usize = 64;
/// At most this many dimensions get a panel in [`histograms`].
pub const MAX_HISTOGRAM_PANELS: usize = 16;
/// At most this many points are followed by [`trajectories`].
pub const MAX_TRAJECTORIES: usize = 24;
/// [`plot_samples`] shows square dimensions `side²` with at least this
/// `side` as images (smaller squares, such as 16-sample windows, are better
/// read as histograms).
pub const MIN_IMAGE_SIDE: usize = 8;

/// Bins per histogram panel.
const BINS: usize = 30;
/// Samples colour.
const SAMPLE_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Reference colour.
const REFERENCE_COLOR: RGBColor = RGBColor(120, 120, 120);
/// Frame around each image of [`image_grid`], so white pixels at an
/// image's edge stay distinguishable from the background.
const FRAME_COLOR: RGBColor = RGBColor(70, 110, 160);

/// `samples` (n×2, row-major) as a scatter plot over a faint `reference`
/// set (m×2), with `title` above, written to `path` (PNG, 800×800).
///
/// The axes cover the 0.1–99.9 % quantiles of all points, padded, so a few
/// far outliers do not shrink the data to a dot; non-finite points are
/// skipped and counted in the title.
///
/// # Errors
///
/// [`PlotError::Input`] if a buffer's length is odd or `samples` has no
/// finite point; [`PlotError::Io`] if the file cannot be written.
pub fn scatter_2d(
    samples: &[f32],
    reference: Option<&[f32]>,
    path: &Path,
    title: &str,
) -> Result<(), PlotError> {
    let (pts, skipped) = finite_pairs(samples, "samples")?;
    let (refs, ref_skipped) = match reference {
        Some(r) => finite_pairs(r, "reference")?,
        None => (Vec::new(), 0),
    };
    if pts.is_empty() {
        return Err(PlotError::Input("no finite sample to plot".into()));
    }
    let xs = pts.iter().chain(&refs).map(|p| p.0);
    let ys = pts.iter().chain(&refs).map(|p| p.1);
    let (x0, x1) = padded(robust_range(xs, 0.001));
    let (y0, y1) = padded(robust_range(ys, 0.001));
    let caption = with_skipped(title, skipped + ref_skipped);
    render(path, (800, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("x₁")
            .y_desc("x₂")
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
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()
            .map_err(draw_err)
    })
}

/// The first [`MAX_IMAGES`] of `samples` (each `side × side` values, row
/// by row) as a grid of grayscale images, written to `path` (PNG).
///
/// One gray scale for all images: black and white are the 0.5 % and
/// 99.5 % quantiles of the shown values (printed in the title); non-finite
/// pixels are red.
///
/// # Errors
///
/// [`PlotError::Input`] if `side` is 0 or `samples` is empty or not a
/// whole number of images; [`PlotError::Io`] if the file cannot be written.
pub fn image_grid(samples: &[f32], side: usize, path: &Path) -> Result<(), PlotError> {
    let dim = side
        .checked_mul(side)
        .filter(|&d| d > 0)
        .ok_or_else(|| PlotError::Input(format!("image side {side}")))?;
    let n = rows_of(samples, dim, "samples")?;
    if n == 0 {
        return Err(PlotError::Input("no image to plot".into()));
    }
    let shown = n.min(MAX_IMAGES);
    let values = samples.get(..shown * dim).unwrap_or(samples);
    let (lo, hi) = robust_range(values.iter().map(|&v| f64::from(v)), 0.005)
        .map(|(lo, hi)| {
            if hi > lo {
                (lo, hi)
            } else {
                (lo - 0.5, lo + 0.5)
            }
        })
        .unwrap_or((0.0, 1.0));
    let cols = (1..=shown).find(|c| c * c >= shown).unwrap_or(1);
    let rows = shown.div_ceil(cols);
    let scale = (96 / side).max(2);
    let tile = (side * scale) as i32;
    let gap = 6;
    let title_h = 40;
    let width = ((cols as i32) * (tile + gap) + gap).max(480);
    let height = (rows as i32) * (tile + gap) + gap + title_h;
    let caption =
        format!("{shown} of {n} samples, {side}×{side}; black = {lo:.3}, white = {hi:.3}");
    render(path, (width as u32, height as u32), |root| {
        let area = root
            .titled(&caption, ("sans-serif", 16))
            .map_err(draw_err)?;
        for (k, image) in values.chunks_exact(dim).enumerate() {
            let ox = gap + (k % cols) as i32 * (tile + gap);
            let oy = gap + (k / cols) as i32 * (tile + gap);
            area.draw(&Rectangle::new(
                [(ox - 2, oy - 2), (ox + tile + 1, oy + tile + 1)],
                FRAME_COLOR.filled(),
            ))
            .map_err(draw_err)?;
            for (p, &v) in image.iter().enumerate() {
                let x = ox + (p % side) as i32 * scale as i32;
                let y = oy + (p / side) as i32 * scale as i32;
                let color = if v.is_finite() {
                    let g = ((f64::from(v) - lo) / (hi - lo)).clamp(0.0, 1.0);
                    let g = (g * 255.0).round() as u8;
                    RGBColor(g, g, g)
                } else {
                    RGBColor(220, 30, 30)
                };
                let s = scale as i32;
                area.draw(&Rectangle::new([(x, y), (x + s, y + s)], color.filled()))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    })
}

/// Per-dimension histograms of `samples` (n×`dim`, row-major) for the
/// first [`MAX_HISTOGRAM_PANELS`] dimensions, one small panel each, with
/// the `reference` set's histogram (m×`dim`) drawn as an outline on the
/// same bins; written to `path` (PNG).
///
/// Heights are densities (count / (n · bin width)), so sets of different
/// sizes compare directly. Each panel's range is the 0.5–99.5 % quantile
/// range of both sets in that dimension; non-finite values are skipped and
/// counted in the title.
///
/// # Errors
///
/// [`PlotError::Input`] if `dim` is 0, a buffer is not whole rows of `dim`
/// values, or `samples` is empty; [`PlotError::Io`] if the file cannot be
/// written.
pub fn histograms(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    path: &Path,
) -> Result<(), PlotError> {
    let n = rows_of(samples, dim, "samples")?;
    let m = match reference {
        Some(r) => rows_of(r, dim, "reference")?,
        None => 0,
    };
    if n == 0 {
        return Err(PlotError::Input("no sample to plot".into()));
    }
    let panels = dim.min(MAX_HISTOGRAM_PANELS);
    let cols = (1..=panels).find(|c| c * c >= panels).unwrap_or(1);
    let rows = panels.div_ceil(cols);
    let skipped = samples
        .iter()
        .chain(reference.unwrap_or(&[]))
        .filter(|v| !v.is_finite())
        .count();
    let mut title = format!("per-dimension histograms: samples ({n}, blue)");
    if m > 0 {
        title.push_str(&format!(", reference ({m}, outline)"));
    }
    if panels < dim {
        title.push_str(&format!("; first {panels} of {dim} dimensions"));
    }
    let title = with_skipped(&title, skipped);
    let (w, h) = (cols as u32 * 300, rows as u32 * 220 + 40);
    render(path, (w.max(600), h), |root| {
        let area = root.titled(&title, ("sans-serif", 18)).map_err(draw_err)?;
        for (j, panel) in area
            .split_evenly((rows, cols))
            .iter()
            .enumerate()
            .take(panels)
        {
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
            let (lo, hi) = padded(robust_range(xs.iter().chain(&rs).copied(), 0.005));
            let hs = density(&xs, lo, hi);
            let hr = density(&rs, lo, hi);
            let top = hs.iter().chain(&hr).fold(0.0f64, |a, &b| a.max(b)) * 1.1;
            let top = if top > 0.0 { top } else { 1.0 };
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("x{}", j + 1), ("sans-serif", 14))
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
    })
}

/// Reverse-diffusion paths of the first [`MAX_TRAJECTORIES`] points:
/// `states` holds one n×2 row-major buffer per step (first = initial noise,
/// last = final samples). Each path is a coloured line from a hollow start
/// marker to a filled end marker, over the final states of all n points in
/// light gray; written to `path` (PNG, 800×800).
///
/// # Errors
///
/// [`PlotError::Input`] if `states` is empty, the buffers differ in length,
/// a length is odd or there are no points; [`PlotError::Io`] if the file
/// cannot be written.
pub fn trajectories(states: &[Vec<f32>], path: &Path) -> Result<(), PlotError> {
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
    let n = rows_of(first, 2, "trajectory state")?;
    if n == 0 {
        return Err(PlotError::Input("no trajectory point".into()));
    }
    let shown = n.min(MAX_TRAJECTORIES);
    let point = |s: &[f32], i: usize| -> Option<(f64, f64)> {
        let (x, y) = (*s.get(2 * i)?, *s.get(2 * i + 1)?);
        (x.is_finite() && y.is_finite()).then_some((f64::from(x), f64::from(y)))
    };
    let paths: Vec<Vec<(f64, f64)>> = (0..shown)
        .map(|i| states.iter().filter_map(|s| point(s, i)).collect())
        .collect();
    let cloud: Vec<(f64, f64)> = (0..n).filter_map(|i| point(last, i)).collect();
    let all = || paths.iter().flatten().chain(&cloud);
    let (x0, x1) = padded(robust_range(all().map(|p| p.0), 0.0));
    let (y0, y1) = padded(robust_range(all().map(|p| p.1), 0.0));
    let caption = format!(
        "reverse trajectories: {shown} of {n} points, {} states (○ start, ● end)",
        states.len()
    );
    render(path, (800, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("x₁")
            .y_desc("x₂")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
        let gray = REFERENCE_COLOR.mix(0.3).filled();
        chart
            .draw_series(cloud.iter().map(|&p| Circle::new(p, 2, gray)))
            .map_err(draw_err)?;
        // Lines first, then every marker, so no line hides an end point.
        for (i, path) in paths.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    path.iter().copied(),
                    color.mix(0.8).stroke_width(2),
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

/// Training loss against step on a logarithmic loss axis, with a moving
/// average (window n/25 points, geometric mean) over the raw curve when
/// there are at least 50 points; written to `path` (PNG, 900×600).
///
/// Losses that cannot be drawn on a log axis (≤ 0 or non-finite) are
/// skipped and counted in the title.
///
/// # Errors
///
/// [`PlotError::Input`] if the slices differ in length or no loss is
/// positive and finite; [`PlotError::Io`] if the file cannot be written.
pub fn loss_curve(steps: &[u64], losses: &[f32], path: &Path) -> Result<(), PlotError> {
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
        .filter(|(_, l)| l.is_finite() && **l > 0.0)
        .map(|(&s, &l)| (s as f64, f64::from(l)))
        .collect();
    if points.is_empty() {
        return Err(PlotError::Input("no positive finite loss to plot".into()));
    }
    let skipped = losses.len() - points.len();
    let (x0, x1) = min_max(points.iter().map(|p| p.0)).unwrap_or((0.0, 1.0));
    let (x0, x1) = if x1 > x0 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    let (l0, l1) = min_max(points.iter().map(|p| p.1)).unwrap_or((1.0, 1.0));
    let (y0, y1) = (l0 / 1.25, l1 * 1.25);
    let window = points.len() / 25;
    let smooth: Vec<(f64, f64)> = if points.len() >= 50 {
        points
            .windows(window)
            .map(|w| {
                let x = w.iter().map(|p| p.0).sum::<f64>() / w.len() as f64;
                let y = w.iter().map(|p| p.1.ln()).sum::<f64>() / w.len() as f64;
                (x, y.exp())
            })
            .collect()
    } else {
        Vec::new()
    };
    let caption = with_skipped("training loss", skipped);
    render(path, (900, 600), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| significant(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(draw_err)?;
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
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()
            .map_err(draw_err)
    })
}

/// The natural plot for samples of dimension `dim`: [`scatter_2d`] for 2,
/// [`image_grid`] for square dimensions `side²` with `side ≥`
/// [`MIN_IMAGE_SIDE`] (the reference is not drawn), and [`histograms`]
/// otherwise; written to `path` (PNG).
///
/// # Errors
///
/// Those of the chosen function; [`PlotError::Input`] if `dim` is 0.
pub fn plot_samples(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    path: &Path,
) -> Result<(), PlotError> {
    if dim == 0 {
        return Err(PlotError::Input("dimension 0".into()));
    }
    let side = dim.isqrt();
    if dim == 2 {
        scatter_2d(samples, reference, path, "samples")
    } else if side >= MIN_IMAGE_SIDE && side * side == dim {
        image_grid(samples, side, path)
    } else {
        histograms(samples, dim, reference, path)
    }
}

/// Registers the embedded DejaVu Sans for every family name `plotters`
/// may ask for, once per process.
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let regular = dejavu::sans::regular();
        let bold = dejavu::sans::bold();
        ["sans-serif", "serif", "monospace"].iter().all(|family| {
            register_font(family, FontStyle::Normal, regular).is_ok()
                && register_font(family, FontStyle::Bold, bold).is_ok()
        })
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Draws a `w×h` white canvas with `draw`, encodes it as PNG and writes it
/// to `path` atomically.
fn render<F>(path: &Path, (w, h): (u32, u32), draw: F) -> Result<(), PlotError>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), PlotError>,
{
    ensure_font()?;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    let png = encode_png(&buf, w, h)?;
    crate::atomic::write_atomic(path, &png).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// 8-bit RGB `buf` (`w×h`) as PNG bytes.
fn encode_png(buf: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let enc_err = |e: png::EncodingError| PlotError::Encode(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(enc_err)?;
    writer.write_image_data(buf).map_err(enc_err)?;
    writer.finish().map_err(enc_err)?;
    Ok(out)
}

/// A drawing-library error as [`PlotError::Draw`].
fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Number of rows of `dim` values in `values`, or an input error naming
/// `what`.
fn rows_of(values: &[f32], dim: usize, what: &str) -> Result<usize, PlotError> {
    if dim == 0 || !values.len().is_multiple_of(dim) {
        return Err(PlotError::Input(format!(
            "{what}: {} values do not make rows of dimension {dim}",
            values.len()
        )));
    }
    Ok(values.len() / dim)
}

/// The finite points of an n×2 buffer, and how many were not finite.
fn finite_pairs(values: &[f32], what: &str) -> Result<(Vec<(f64, f64)>, usize), PlotError> {
    let n = rows_of(values, 2, what)?;
    let pts: Vec<(f64, f64)> = values
        .chunks_exact(2)
        .filter(|p| p.iter().all(|v| v.is_finite()))
        .map(|p| (f64::from(p[0]), f64::from(p[1])))
        .collect();
    let skipped = n - pts.len();
    Ok((pts, skipped))
}

/// `title`, plus a note when `skipped` non-finite values were left out.
fn with_skipped(title: &str, skipped: usize) -> String {
    if skipped == 0 {
        title.to_string()
    } else {
        format!("{title} ({skipped} non-finite left out)")
    }
}

/// `v` with (at most) three significant digits, trailing zeros dropped,
/// in scientific notation outside `[0.001, 10⁴)`: an axis label for a log
/// scale.
fn significant(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        format!("{v}")
    } else if !(1e-3..1e4).contains(&a) {
        format!("{v:.2e}")
    } else {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    }
}

/// Smallest and largest of `values`, `None` if there are none.
fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The `q` and `1 − q` quantiles (nearest rank) of the finite `values`;
/// `None` if there are none.
fn robust_range(values: impl Iterator<Item = f64>, q: f64) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let last = v.len() - 1;
    let at = |p: f64| {
        v.get(((p * last as f64).round() as usize).min(last))
            .copied()
    };
    Some((at(q)?, at(1.0 - q)?))
}

/// A range widened by 5 % on each side (to ±0.5 around a single value, and
/// `[-1, 1]` when there is none), for axes.
fn padded(range: Option<(f64, f64)>) -> (f64, f64) {
    match range {
        Some((lo, hi)) if hi > lo => {
            let pad = 0.05 * (hi - lo);
            (lo - pad, hi + pad)
        }
        Some((v, _)) => (v - 0.5, v + 0.5),
        None => (-1.0, 1.0),
    }
}

/// Density histogram of `values` on [`BINS`] equal bins over `[lo, hi)`
/// (values outside are not counted; the density is relative to all values).
fn density(values: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let mut counts = vec![0usize; BINS];
    let width = (hi - lo) / BINS as f64;
    for &v in values {
        let b = ((v - lo) / width).floor();
        if b >= 0.0
            && let Some(c) = counts.get_mut(b as usize)
        {
            *c += 1;
        }
    }
    let norm = values.len().max(1) as f64 * width;
    counts.iter().map(|&c| c as f64 / norm).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// The width, height and colour type of a PNG file, decoded.
    fn decode(path: &Path) -> (u32, u32, png::ColorType) {
        let bytes = fs::read(path).unwrap();
        assert!(
            bytes.len() > 1000,
            "suspiciously small PNG: {} bytes",
            bytes.len()
        );
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        (info.width, info.height, info.color_type)
    }

    /// Points on a noisy circle of radius 2, row-major n×2.
    fn ring(n: usize, phase: f32) -> Vec<f32> {
        (0..n)
            .flat_map(|i| {
                let t = i as f32 * 0.7 + phase;
                let r = 2.0 + 0.1 * (i as f32 * 1.3).sin();
                [r * t.cos(), r * t.sin()]
            })
            .collect()
    }

    #[test]
    fn scatter_writes_a_png_and_skips_non_finite_points() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scatter.png");
        let mut samples = ring(500, 0.0);
        samples.extend([f32::NAN, 1.0]);
        let reference = ring(2000, 0.3);
        scatter_2d(&samples, Some(&reference), &path, "ring").unwrap();
        assert_eq!(decode(&path), (800, 800, png::ColorType::Rgb));
        // Without a reference, over an existing file.
        scatter_2d(&samples, None, &path, "ring").unwrap();
        assert_eq!(decode(&path).0, 800);
        assert_eq!(crate::atomic::dir_entries(dir.path()), ["scatter.png"]);
    }

    #[test]
    fn image_grid_sizes_follow_the_images() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        // 70 images of 8×8 gradients: 64 shown in an 8×8 grid of 96-px tiles.
        let samples: Vec<f32> = (0..70 * 64).map(|k| (k % 64) as f32 / 63.0).collect();
        image_grid(&samples, 8, &path).unwrap();
        let (w, h, _) = decode(&path);
        assert_eq!((w, h), (8 * 102 + 6, 8 * 102 + 6 + 40));
        // Three images: a 2×2 grid, widened to fit the title.
        image_grid(samples.get(..3 * 64).unwrap(), 8, &path).unwrap();
        assert_eq!(decode(&path), (480, 2 * 102 + 6 + 40, png::ColorType::Rgb));
    }

    #[test]
    fn histograms_write_a_panel_grid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hist.png");
        let dim = 5;
        let samples: Vec<f32> = (0..400 * dim)
            .map(|k| ((k * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let reference: Vec<f32> = (0..300 * dim)
            .map(|k| ((k * 53 % 97) as f32 / 40.0) - 1.2)
            .collect();
        histograms(&samples, dim, Some(&reference), &path).unwrap();
        // 5 panels: 3 columns × 2 rows of 300×220, plus the title.
        let (w, h, _) = decode(&path);
        assert_eq!((w, h), (900, 480));
        histograms(&samples, dim, None, &path).unwrap();
        assert!(decode(&path).0 > 0);
    }

    #[test]
    fn trajectories_and_loss_curve_write_pngs() {
        let dir = tempfile::tempdir().unwrap();
        let traj = dir.path().join("traj.png");
        // 40 points contracting from a wide ring onto a small one.
        let states: Vec<Vec<f32>> = (0..20)
            .map(|s| {
                let shrink = 1.0 + 3.0 * (1.0 - s as f32 / 19.0);
                ring(40, s as f32 * 0.05)
                    .iter()
                    .map(|v| v * shrink)
                    .collect()
            })
            .collect();
        trajectories(&states, &traj).unwrap();
        assert_eq!(decode(&traj), (800, 800, png::ColorType::Rgb));

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
    }

    #[test]
    fn plot_samples_picks_by_dimension() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(usize, (u32, u32)); 4] = [
            (2, (800, 800)),
            (64, (480, 4 * 102 + 6 + 40)),
            (16, (1200, 4 * 220 + 40)),
            (1, (600, 260)),
        ];
        for (dim, size) in cases {
            let samples: Vec<f32> = (0..16 * dim).map(|k| (k as f32 * 0.37).sin()).collect();
            let reference: Vec<f32> = (0..20 * dim).map(|k| (k as f32 * 0.21).cos()).collect();
            let path = dir.path().join(format!("d{dim}.png"));
            plot_samples(&samples, dim, Some(&reference), &path).unwrap();
            let (w, h, _) = decode(&path);
            assert_eq!((w, h), size, "dim {dim}");
        }
    }

    #[test]
    fn log_axis_labels_are_short() {
        assert_eq!(significant(2.0), "2");
        assert_eq!(significant(0.5), "0.5");
        assert_eq!(significant(0.123_456), "0.123");
        assert_eq!(significant(1234.0), "1234");
        assert_eq!(significant(2.5e-5), "2.50e-5");
        assert_eq!(significant(0.0), "0");
    }

    #[test]
    fn bad_input_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        let input =
            |r: Result<(), PlotError>| assert!(matches!(r, Err(PlotError::Input(_))), "{r:?}");
        input(scatter_2d(&[1.0, 2.0, 3.0], None, &path, "odd"));
        input(scatter_2d(&[f32::NAN, 0.0], None, &path, "nothing finite"));
        input(image_grid(&[0.0; 10], 3, &path));
        input(image_grid(&[], 3, &path));
        input(histograms(&[0.0; 3], 2, None, &path));
        input(histograms(&[0.0; 4], 2, Some(&[0.0; 3]), &path));
        input(trajectories(&[], &path));
        input(trajectories(&[vec![0.0; 4], vec![0.0; 6]], &path));
        input(loss_curve(&[1, 2], &[1.0], &path));
        input(loss_curve(&[1], &[-1.0], &path));
        input(plot_samples(&[0.0], 0, None, &path));
        assert!(crate::atomic::dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn unwritable_destination_is_an_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory that does not exist.
        let missing = dir.path().join("no/such/dir/plot.png");
        let err = scatter_2d(&ring(10, 0.0), None, &missing, "t").unwrap_err();
        assert!(
            matches!(&err, PlotError::Io { path, .. } if *path == missing),
            "{err}"
        );
        assert!(err.to_string().contains("plot.png"));
        // A destination that is a non-empty directory: the rename fails.
        let blocked = dir.path().join("blocked.png");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("keep"), b"x").unwrap();
        assert!(matches!(
            loss_curve(&[1, 2], &[1.0, 0.5], &blocked),
            Err(PlotError::Io { .. })
        ));
        assert_eq!(crate::atomic::dir_entries(dir.path()), ["blocked.png"]);
        assert_eq!(crate::atomic::dir_entries(&blocked), ["keep"]);
    }
}
