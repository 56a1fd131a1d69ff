//! PNG plots of samples, reverse trajectories and training loss.
//!
//! One kind of plot per file: [`scatter_2d`], [`waveforms`] (windows of
//! sensor channels over time), [`histograms`], [`image_grid`],
//! [`trajectories`] and [`loss_curve`]; [`plot_samples`] picks one for a
//! sample set. A [`View`] says what the plot shows (its title, the
//! columns' names, which columns), and plots of samples over reference
//! data return the share of sample values outside the reference's range
//! ([`Coverage`]): the axes cover every value, so an outlier is seen, and
//! the share says how many there are.
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

mod histograms;
mod images;
mod loss;
mod scatter;
mod trajectories;
mod waveforms;

pub use histograms::histograms;
pub use images::image_grid;
pub use loss::{loss_curve, loss_curves};
pub use scatter::scatter_2d;
pub use trajectories::trajectories;
pub use waveforms::{Channel, WAVEFORM_SAMPLES, channels, waveforms};

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
/// At most this many samples are followed by [`trajectories`].
pub const MAX_TRAJECTORIES: usize = 64;
/// [`plot_samples`] shows square dimensions `side²` with at least this
/// `side` as images (smaller squares, such as 16-sample windows, are better
/// read as histograms).
pub const MIN_IMAGE_SIDE: usize = 8;

/// Bins per histogram panel.
pub(crate) const BINS: usize = 30;
/// Samples colour.
pub(crate) const SAMPLE_COLOR: RGBColor = RGBColor(31, 119, 180);
/// Reference colour.
pub(crate) const REFERENCE_COLOR: RGBColor = RGBColor(120, 120, 120);
/// Frame around each image of [`image_grid`], so white pixels at an
/// image's edge stay distinguishable from the background.
pub(crate) const FRAME_COLOR: RGBColor = RGBColor(70, 110, 160);

/// What a plot shows: its title, the names of all the data's columns, and
/// the columns drawn.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The title: what is plotted (the model, sampler and class of samples).
    pub title: &'a str,
    /// The names of every column of the data.
    pub names: &'a [String],
    /// The columns drawn (indices into `names`).
    pub dims: &'a [usize],
}

impl View<'_> {
    /// The name of column `j` (`x{j}` past the names).
    pub fn name(&self, j: usize) -> String {
        self.names
            .get(j)
            .cloned()
            .unwrap_or_else(|| format!("x{j}"))
    }
}

/// How many drawn sample values lie outside the reference's range in their
/// column (a model that invents values the data never had).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Sample values below the reference's minimum or above its maximum.
    pub outside: usize,
    /// Sample values compared.
    pub total: usize,
}

impl Coverage {
    /// Counts the values of `samples` (n×`dim`) in columns `dims` outside
    /// the range of the same column of `reference` (m×`dim`; nothing is
    /// outside without one).
    pub fn of(samples: &[f32], reference: Option<&[f32]>, dim: usize, dims: &[usize]) -> Self {
        let Some(reference) = reference.filter(|r| !r.is_empty()) else {
            return Coverage::default();
        };
        let mut c = Coverage::default();
        for &j in dims.iter().filter(|&&j| j < dim) {
            let column = |rows: &[f32]| {
                rows.chunks_exact(dim.max(1))
                    .filter_map(|r| r.get(j).copied())
                    .filter(|v| v.is_finite())
                    .collect::<Vec<f32>>()
            };
            let (lo, hi) = column(reference)
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let values = column(samples);
            c.total += values.len();
            c.outside += values.iter().filter(|&&v| v < lo || v > hi).count();
        }
        c
    }

    /// The share outside, 0 to 1.
    pub fn share(&self) -> f64 {
        self.outside as f64 / self.total.max(1) as f64
    }

    /// `; 2.2% of sample values outside the reference's range`, or nothing.
    pub fn note(&self) -> String {
        if self.total == 0 {
            String::new()
        } else {
            format!(
                "; {:.1}% of sample values outside the reference's range",
                100.0 * self.share()
            )
        }
    }
}

/// The kinds of sample plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// [`scatter_2d`] of two columns.
    Scatter,
    /// [`waveforms`]: each channel of a window over time.
    Waveform,
    /// [`histograms`], one panel per column.
    Histogram,
    /// [`image_grid`] of square images.
    Image,
}

impl Kind {
    /// The natural plot for data of `dim` columns named `names`: a scatter
    /// plot for 2, images for square dimensions `side²` with `side ≥`
    /// [`MIN_IMAGE_SIDE`], waveforms for windows (columns named
    /// `CHANNEL_K`, as `tinyscore window` writes them), else histograms.
    pub fn natural(dim: usize, names: &[String]) -> Self {
        let side = dim.isqrt();
        if dim == 2 {
            Kind::Scatter
        } else if side >= MIN_IMAGE_SIDE && side * side == dim {
            Kind::Image
        } else if channels(names)
            .iter()
            .any(|c| c.columns.len() > 1 && !c.name.is_empty())
        {
            Kind::Waveform
        } else {
            Kind::Histogram
        }
    }
}

/// `samples` (n×`dim`) as a `kind` plot of the `view`'s columns over the
/// `reference` (m×`dim`), written to `path` (PNG); the share of sample
/// values outside the reference's range.
///
/// # Errors
///
/// Those of the chosen function; [`PlotError::Input`] if `dim` is 0, a
/// scatter plot is asked for other than 2 columns, or images of columns
/// that are not a square.
pub fn plot_samples(
    kind: Kind,
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    view: &View<'_>,
    path: &Path,
) -> Result<Coverage, PlotError> {
    if dim == 0 {
        return Err(PlotError::Input("dimension 0".into()));
    }
    match kind {
        Kind::Scatter => scatter_2d(samples, dim, reference, view, path),
        Kind::Waveform => waveforms(samples, dim, reference, view, path),
        Kind::Histogram => histograms(samples, dim, reference, view, path),
        Kind::Image => {
            let side = dim.isqrt();
            if side * side != dim {
                return Err(PlotError::Input(format!(
                    "images need a square number of columns, not {dim}"
                )));
            }
            image_grid(samples, side, path).map(|()| Coverage::default())
        }
    }
}

/// Registers the embedded DejaVu Sans for every family name `plotters`
/// may ask for, once per process.
pub(crate) fn ensure_font() -> Result<(), PlotError> {
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
pub(crate) fn render<F>(path: &Path, (w, h): (u32, u32), draw: F) -> Result<(), PlotError>
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
pub(crate) fn encode_png(buf: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
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
pub(crate) fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Number of rows of `dim` values in `values`, or an input error naming
/// `what`.
pub(crate) fn rows_of(values: &[f32], dim: usize, what: &str) -> Result<usize, PlotError> {
    if dim == 0 || !values.len().is_multiple_of(dim) {
        return Err(PlotError::Input(format!(
            "{what}: {} values do not make rows of dimension {dim}",
            values.len()
        )));
    }
    Ok(values.len() / dim)
}

/// The rows of `samples` and of `reference` (0 without one) for a plot of
/// the columns `view.dims`: an input error if a buffer is not whole rows of
/// `dim` values, there is no sample, or a column is not below `dim`.
pub(crate) fn sample_rows(
    samples: &[f32],
    dim: usize,
    reference: Option<&[f32]>,
    view: &View<'_>,
) -> Result<(usize, usize), PlotError> {
    let n = rows_of(samples, dim, "samples")?;
    let m = match reference {
        Some(r) => rows_of(r, dim, "reference")?,
        None => 0,
    };
    if n == 0 {
        return Err(PlotError::Input("no sample to plot".into()));
    }
    if let Some(j) = view.dims.iter().find(|&&j| j >= dim) {
        return Err(PlotError::Input(format!("no column {j} in {dim}")));
    }
    Ok((n, m))
}

/// `title`, plus a note when `skipped` non-finite values were left out.
pub(crate) fn with_skipped(title: &str, skipped: usize) -> String {
    if skipped == 0 {
        title.to_string()
    } else {
        format!("{title} ({skipped} non-finite left out)")
    }
}

/// `v` with (at most) three significant digits, trailing zeros dropped,
/// in scientific notation outside `[0.001, 10⁴)`: an axis label for a log
/// scale.
pub(crate) fn significant(v: f64) -> String {
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
pub(crate) fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The `q` and `1 − q` quantiles (nearest rank) of the finite `values`;
/// `None` if there are none.
pub(crate) fn robust_range(values: impl Iterator<Item = f64>, q: f64) -> Option<(f64, f64)> {
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
pub(crate) fn padded(range: Option<(f64, f64)>) -> (f64, f64) {
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
pub(crate) fn density(values: &[f64], lo: f64, hi: f64) -> Vec<f64> {
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
pub(crate) mod test_support {
    use std::path::Path;

    /// The width, height and colour type of a PNG file, decoded.
    pub fn decode(path: &Path) -> (u32, u32, png::ColorType) {
        let bytes = std::fs::read(path).unwrap();
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
    pub fn ring(n: usize, phase: f32) -> Vec<f32> {
        (0..n)
            .flat_map(|i| {
                let t = i as f32 * 0.7 + phase;
                let r = 2.0 + 0.1 * (i as f32 * 1.3).sin();
                [r * t.cos(), r * t.sin()]
            })
            .collect()
    }

    /// The names `x0 … x{dim-1}` and every column drawn.
    pub fn all(dim: usize) -> (Vec<String>, Vec<usize>) {
        (crate::data::default_names(dim), (0..dim).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{all, decode, ring};
    use super::*;
    use std::fs;

    #[test]
    fn coverage_counts_values_outside_the_reference_range() {
        let samples = [0.0, 5.0, 2.0, -1.0, 9.0, 0.5];
        let reference = [0.0, 0.0, 1.0, 1.0];
        let c = Coverage::of(&samples, Some(&reference), 2, &[0, 1]);
        // Column 0: 0, 2, 9 against [0, 1]: 2 outside; column 1: 5, -1,
        // 0.5 against [0, 1]: 2 outside.
        assert_eq!(
            c,
            Coverage {
                outside: 4,
                total: 6
            }
        );
        assert!(c.note().contains("66.7%"));
        assert_eq!(Coverage::of(&samples, None, 2, &[0]).note(), "");
    }

    #[test]
    fn plot_samples_picks_by_dimension_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let window: Vec<String> = ["a", "b"]
            .iter()
            .flat_map(|c| (0..8).map(move |k| format!("{c}_{k}")))
            .collect();
        // (dimension, names, natural kind, PNG size)
        let cases = [
            (2, crate::data::default_names(2), Kind::Scatter, (800, 800)),
            (
                64,
                crate::data::default_names(64),
                Kind::Image,
                (480, 4 * 102 + 6 + 40),
            ),
            (
                16,
                crate::data::default_names(16),
                Kind::Histogram,
                (1200, 4 * 220 + 50),
            ),
            (16, window, Kind::Waveform, (1000, 2 * 260 + 50)),
            (
                1,
                crate::data::default_names(1),
                Kind::Histogram,
                (600, 270),
            ),
        ];
        for (dim, names, kind, size) in cases {
            assert_eq!(Kind::natural(dim, &names), kind, "dim {dim}");
            let samples: Vec<f32> = (0..16 * dim).map(|k| (k as f32 * 0.37).sin()).collect();
            let reference: Vec<f32> = (0..20 * dim).map(|k| (k as f32 * 0.21).cos()).collect();
            let path = dir.path().join(format!("d{dim}-{kind:?}.png"));
            let dims: Vec<usize> = (0..dim).collect();
            let view = View {
                title: "t",
                names: &names,
                dims: &dims,
            };
            plot_samples(kind, &samples, dim, Some(&reference), &view, &path).unwrap();
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
        let input = |r: Result<Coverage, PlotError>| {
            assert!(matches!(r, Err(PlotError::Input(_))), "{r:?}")
        };
        let (names, dims) = all(2);
        let view = View {
            title: "t",
            names: &names,
            dims: &dims,
        };
        input(scatter_2d(&[1.0, 2.0, 3.0], 2, None, &view, &path));
        input(scatter_2d(&[f32::NAN, 0.0], 2, None, &view, &path));
        assert!(matches!(
            image_grid(&[0.0; 10], 3, &path),
            Err(PlotError::Input(_))
        ));
        assert!(matches!(
            image_grid(&[], 3, &path),
            Err(PlotError::Input(_))
        ));
        input(histograms(&[0.0; 3], 2, None, &view, &path));
        input(histograms(&[0.0; 4], 2, Some(&[0.0; 3]), &view, &path));
        let t = |s: &[Vec<f32>]| trajectories(s, 2, &view, 8, &path);
        assert!(matches!(t(&[]), Err(PlotError::Input(_))));
        assert!(matches!(
            t(&[vec![0.0; 4], vec![0.0; 6]]),
            Err(PlotError::Input(_))
        ));
        assert!(matches!(
            loss_curve(&[1, 2], &[1.0], &path),
            Err(PlotError::Input(_))
        ));
        assert!(matches!(
            loss_curve(&[1], &[f32::NAN], &path),
            Err(PlotError::Input(_))
        ));
        input(plot_samples(Kind::Histogram, &[0.0], 0, None, &view, &path));
        input(plot_samples(Kind::Image, &[0.0; 3], 3, None, &view, &path));
        assert!(crate::atomic::dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn unwritable_destination_is_an_error_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (names, dims) = all(2);
        let view = View {
            title: "t",
            names: &names,
            dims: &dims,
        };
        // A directory that does not exist.
        let missing = dir.path().join("no/such/dir/plot.png");
        let err = scatter_2d(&ring(10, 0.0), 2, None, &view, &missing).unwrap_err();
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
