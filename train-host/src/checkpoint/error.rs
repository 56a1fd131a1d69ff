//! Why a checkpoint could not be saved or loaded.
//!
//! Why: a resumed run that silently starts from the wrong or damaged state
//! wastes hours, so every failure is an error that names the file and says
//! what is wrong with it, in words a user can act on.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// An error saving or loading a checkpoint directory. Every variant names
/// the file concerned (`config.json`, `weights.safetensors` or, for
/// creating it, the directory).
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// A file of the checkpoint does not exist.
    #[error("{}: file is missing (not a checkpoint directory, or not saved yet?)", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// Reading, writing or renaming a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file (or directory) concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `config.json` is not valid JSON (or the configuration could not be
    /// serialised).
    #[error("{}: not valid JSON: {source}", path.display())]
    Json {
        /// The configuration file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// `weights.safetensors` is not a well-formed safetensors file
    /// (truncated, bad header, inconsistent offsets).
    #[error("{}: not a valid safetensors file: {source}", path.display())]
    Safetensors {
        /// The weights file.
        path: PathBuf,
        /// The `safetensors` crate's error.
        source: safetensors::SafeTensorError,
    },
    /// A tensor's shape does not match its number of values.
    #[error(
        "{}: tensor `{name}` has shape {shape:?} but holds {len} values",
        path.display()
    )]
    ShapeMismatch {
        /// The weights file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The declared shape.
        shape: Vec<usize>,
        /// The number of values actually present.
        len: usize,
    },
    /// A tensor in the file is not `F32`.
    #[error("{}: tensor `{name}` has dtype {dtype}, expected F32", path.display())]
    Dtype {
        /// The weights file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The dtype found, as spelled in the file (e.g. `F64`).
        dtype: String,
    },
    /// A tensor holds NaN or an infinity. Rejected on save (so a diverged
    /// run cannot overwrite a good checkpoint) and on load (resuming from
    /// such weights is never wanted).
    #[error(
        "{}: tensor `{name}` holds the non-finite value {value} at index {index}",
        path.display()
    )]
    NonFinite {
        /// The weights file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Flat (row-major) index of the first non-finite value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// Two tensors of a checkpoint being saved have the same name.
    #[error("{}: two tensors are named `{name}`", path.display())]
    DuplicateName {
        /// The weights file.
        path: PathBuf,
        /// The repeated name.
        name: String,
    },
    /// A tensor name that the safetensors format reserves for itself.
    #[error("{}: tensor name `{name}` is reserved by the safetensors format", path.display())]
    ReservedName {
        /// The weights file.
        path: PathBuf,
        /// The name.
        name: String,
    },
}
