//! Training data: what to train on, checked before any training starts.
//!
//! A run names its data with one string, parsed into a [`DataSource`]:
//!
//! | string | data | dim |
//! | --- | --- | --- |
//! | `moons[:NOISE]`, `swissroll`, `8gaussians`, `checkerboard`, `rings`, `pinwheel` | the 2-D toys ([`moons`] …) | 2 |
//! | `sine-windows[:PARAMS]` | windows of a noisy sinusoid ([`SineWindows`]) | 16 by default |
//! | `gmm:SPEC` | a Gaussian mixture ([`Gmm`]), with an exact noised score | any |
//! | `PATH.csv`, `PATH.npy` | a user file ([`read_csv`], [`read_npy`]) | the file's |
//!
//! [`DataSource::load`] turns it into a [`Dataset`] (n × d `f32`, row-major,
//! all finite); [`Normalization`] standardises it for the network and goes
//! into the model file. Generators are deterministic functions of a
//! `rand_core` generator (helpers in [`crate::random`]), so a seed reproduces a
//! dataset bit for bit on any machine. Every failure is a [`DataError`] that
//! names the file, line and column.
//!
//! The mixtures matter beyond data: [`Gmm::noised_score`] is the exact score
//! of the noised marginal at any (α, σ), the reference against which the
//! evaluation measures a trained network.

mod csv_file;
mod dataset;
mod error;
mod gmm;
mod labels;
mod normalization;
mod npy_file;
mod sine_windows;
mod source;
mod table;
mod toy;
pub mod windows;

pub use csv_file::{
    Columns, csv_header, parse_csv, read_csv, read_csv_columns, read_csv_with_gaps,
};
pub use dataset::Dataset;
pub use error::{DataError, MAX_COLUMNS, MAX_LINE_BYTES, VALID_SOURCES, quoted};
pub use gmm::{Gmm, GmmComponent};
pub use labels::{LabelSource, Labelled};
pub use normalization::{Normalization, ValueRange};
pub use npy_file::{parse_npy, read_npy, read_npy_with_gaps};
pub use sine_windows::{SineWindows, sine_windows};
pub use source::DataSource;
pub use table::{Table, Wanted, are_default_names, default_names};
pub use toy::{
    EIGHT_GAUSSIANS_RADIUS, EIGHT_GAUSSIANS_STD, MOONS_NOISE, RING_RADII, checkerboard,
    eight_gaussians, eight_gaussians_mixture, moons, pinwheel, rings, swiss_roll,
};
