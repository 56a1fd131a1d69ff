//! Samples that are square images, as a grid of grayscale pictures.

use super::{FRAME_COLOR, MAX_IMAGES, PlotError, draw_err, render, robust_range, rows_of};
use plotters::prelude::*;
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::super::test_support::decode;
    use super::*;

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
}
