//! [`DataError`]: everything that can go wrong while choosing, generating or
//! reading training data.
//!
//! Bad data found before training starts is cheap to fix; bad data found as a
//! diverged loss three hours later is not. So every reader checks every value
//! and every error names where the problem is, in the form editors and
//! terminals understand: `FILE:LINE:COLUMN: what is wrong` for CSV (1-based,
//! lines counted as a text editor counts them, header included), and
//! `FILE: row R, column C: …` for NPY (1-based, data rows only).

use std::io;
use std::path::PathBuf;

/// The valid source names, as shown in [`DataError::UnknownSource`].
pub const VALID_SOURCES: &str = "moons[:NOISE], swissroll, 8gaussians, checkerboard, rings, pinwheel, \
     sine-windows[:PARAMS], gmm:SPEC, PATH.csv, PATH.npy";

/// Most values a row of a data file may have: the model file's largest
/// data dimension, and one more column for labels (`--labels`).
pub const MAX_COLUMNS: usize = tinyscore::format::MAX_DIM as usize + 1;

/// Longest line of a CSV file, in bytes: [`MAX_COLUMNS`] cells of over 250
/// characters each. Longer lines are refused before they are parsed, so
/// reading needs no more memory than the file.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most characters of a bad cell that a message quotes.
const QUOTED_CHARS: usize = 24;

/// A cell's text for a message: whole if short, else its first
/// `QUOTED_CHARS` (24) characters, an ellipsis and its length (a message
/// never repeats a 10 MB cell). Invalid UTF-8 becomes U+FFFD.
pub fn quoted(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.into_owned(),
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], bytes.len()),
    }
}

/// An error choosing, generating or reading training data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The data source string names nothing known.
    #[error("unknown data source \"{name}\"; valid sources are: {VALID_SOURCES}")]
    UnknownSource {
        /// The string as given.
        name: String,
    },

    /// A `gmm:SPEC` whose SPEC does not parse or describes no valid mixture.
    #[error(
        "invalid Gaussian mixture \"gmm:{spec}\": {reason} \
         (expected gmm:K,R,STD or gmm:[W@]M1,..,Md/STD;...)"
    )]
    GmmSpec {
        /// The SPEC as given (without `gmm:`).
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// `sine-windows:PARAMS` with parameters that do not parse or are out of range.
    #[error(
        "invalid sine-windows parameters \"{params}\": {reason} \
         (expected e.g. sine-windows:len=16,amp=0.5..1.5,freq=0.05..0.2,noise=0.1)"
    )]
    SineWindowsSpec {
        /// The PARAMS as given (without `sine-windows:`).
        params: String,
        /// What is wrong with them.
        reason: String,
    },

    /// A `moons:NOISE` whose NOISE is not a number in [0, 1].
    #[error("invalid moons noise \"moons:{noise}\": expected a number in [0, 1] (e.g. moons:0.05)")]
    MoonsNoise {
        /// The NOISE as given (without `moons:`).
        noise: String,
    },

    /// A built-in generator was asked for zero samples.
    #[error("{name}: asked for 0 samples; at least 1 is needed")]
    ZeroCount {
        /// The source's name.
        name: String,
    },

    /// A file could not be opened or read.
    #[error("{}: cannot read: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// A CSV cell that is not a number.
    #[error("{}:{line}:{column}: cannot read \"{value}\" as a number", .path.display())]
    Unparsable {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The cell's text (invalid UTF-8 replaced by U+FFFD).
        value: String,
    },

    /// A CSV cell with nothing in it, in a row that has other values.
    #[error("{}:{line}:{column}: empty cell", .path.display())]
    EmptyCell {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
    },

    /// A CSV value that parses but is NaN or infinite.
    #[error("{}:{line}:{column}: value \"{value}\" is not a finite number", .path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The cell's text.
        value: String,
    },

    /// A CSV value that is finite but too large for `f32`.
    #[error(
        "{}:{line}:{column}: value \"{value}\" is too large for a 32-bit float (|x| > 3.4e38)",
        .path.display()
    )]
    OutOfRange {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The cell's text.
        value: String,
    },

    /// A CSV line longer than [`MAX_LINE_BYTES`].
    #[error(
        "{}:{line}: line longer than {MAX_LINE_BYTES} bytes; a row holds at most \
         {MAX_COLUMNS} values",
        .path.display()
    )]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
    },

    /// A CSV row with more than [`MAX_COLUMNS`] cells.
    #[error(
        "{}:{line}: {found} columns; a model file holds 1 to {} data dimensions \
         (and one more column may hold labels)",
        .path.display(),
        MAX_COLUMNS - 1
    )]
    TooManyColumns {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Cells in the row.
        found: usize,
    },

    /// A CSV row with a different number of cells than the first row.
    #[error(
        "{}:{line}: expected {expected} columns (as on line {first_line}), found {found}",
        .path.display()
    )]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending row.
        line: u64,
        /// Cells in the first row (header or data).
        expected: usize,
        /// Cells in this row.
        found: usize,
        /// 1-based line of the first row, which set `expected`.
        first_line: u64,
    },

    /// A blank CSV line (or one whose cells are all empty) before the last row.
    #[error("{}:{line}: empty row", .path.display())]
    EmptyRow {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
    },

    /// A file with no data rows (empty, only a header, or an NPY array of length 0).
    #[error("{}: no data rows{detail}", .path.display())]
    NoData {
        /// The file.
        path: PathBuf,
        /// Extra explanation, empty or starting with a space.
        detail: &'static str,
    },

    /// Data of another dimension than the caller expects.
    #[error("{origin}: data has {found} dimensions, expected {expected}")]
    WrongDim {
        /// Where: `FILE:LINE` (first data row) for CSV, `FILE` for NPY, the
        /// source name for built-in data.
        origin: String,
        /// The dimension expected.
        expected: usize,
        /// The dimension found.
        found: usize,
    },

    /// An NPY file that is not a valid NPY file (bad magic, bad header,
    /// truncated data).
    #[error("{}: not a readable NPY file: {reason}", .path.display())]
    NpyFormat {
        /// The file.
        path: PathBuf,
        /// What the NPY reader reported.
        reason: String,
    },

    /// An NPY dtype other than float32 or float64.
    #[error(
        "{}: unsupported NPY dtype {dtype}: only float32 and float64 are read \
         (convert with a.astype(np.float32))",
        .path.display()
    )]
    NpyDtype {
        /// The file.
        path: PathBuf,
        /// The dtype descriptor, e.g. `'<i8'`.
        dtype: String,
    },

    /// An NPY array stored in Fortran (column-major) order.
    #[error(
        "{}: NPY array is in Fortran order; save it in C order \
         (np.save(path, np.ascontiguousarray(a)))",
        .path.display()
    )]
    NpyOrder {
        /// The file.
        path: PathBuf,
    },

    /// An NPY array whose shape is not `(n, d)` or `(n,)` with `d ≥ 1`.
    #[error("{}: unsupported NPY shape {shape}: {reason}", .path.display())]
    NpyShape {
        /// The file.
        path: PathBuf,
        /// The shape, written as Python writes a tuple.
        shape: String,
        /// Why it is not accepted.
        reason: String,
    },

    /// An NPY value that is NaN or infinite, or a float64 too large for `f32`.
    #[error(
        "{}: row {row}, column {column}: value {value:?} is not a finite 32-bit float",
        .path.display()
    )]
    NpyNonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The value as stored.
        value: f64,
    },

    /// `--labels` that does not fit the data source.
    #[error("{origin}: labels {labels:?}: {reason}")]
    LabelSpec {
        /// The data source.
        origin: String,
        /// The `--labels` value as given.
        labels: String,
        /// Why it does not fit.
        reason: String,
    },

    /// A label cell that is not a class number.
    #[error(
        "{origin}: data row {row}, column {column}: label {value} is not a class \
         (labels are whole numbers from 0 to {max})"
    )]
    Label {
        /// The file.
        origin: String,
        /// 1-based data row (header excluded).
        row: usize,
        /// 1-based column.
        column: usize,
        /// The value read.
        value: f32,
        /// The largest class number.
        max: u32,
    },

    /// A text label that cannot be a class name.
    #[error("{origin}: data row {row}, column {column}: {reason}")]
    LabelName {
        /// The file.
        origin: String,
        /// 1-based data row (header excluded).
        row: usize,
        /// 1-based column.
        column: usize,
        /// Why it is not a class name.
        reason: String,
    },

    /// Columns wanted (by a model's column names or `--labels`) that the
    /// file does not have.
    #[error("{origin}: no column {missing} (the file's columns: {header})")]
    MissingColumns {
        /// The file.
        origin: String,
        /// The wanted names it lacks.
        missing: String,
        /// Its header.
        header: String,
    },
}
