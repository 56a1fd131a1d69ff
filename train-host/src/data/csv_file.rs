//! Reading a user's CSV file into a [`Dataset`], checking every cell.
//!
//! CSV is what spreadsheets, loggers and pandas write, so it is the format
//! people's sensor traces arrive in; it is also easy to get subtly wrong (an
//! empty cell, a `NaN` from a dropped sample, one short row), and each of
//! those would silently poison training. So this reader accepts one simple
//! shape and names the line and column of anything else:
//!
//! - comma-separated (quoted cells are fine: the `csv` crate does the
//!   tokenising), spaces around values ignored;
//! - an optional header: the first row is a header if any of its cells is not
//!   a number (an empty cell counts as not a number, so pandas' `,x,y` with
//!   an index column is a header; `nan` or `inf` count as numbers, and are
//!   then rejected as data). Only the first row can be a header;
//! - every later row has as many cells as the first row, and every cell is a
//!   finite number that fits in `f32` (parsed with correct rounding);
//! - blank rows (empty lines, or lines of only spaces or commas) before or
//!   between rows are errors, since they usually mean a file was pasted
//!   together or a row was lost; blank rows at the end of the file are
//!   ignored;
//! - at least one data row;
//! - lines of at most [`MAX_LINE_BYTES`] and rows of at most
//!   [`MAX_COLUMNS`] cells (what a model file can hold), checked before
//!   the rest of the file is read, so a file of one 10 MB line is refused at
//!   once instead of training a network 2.5 million inputs wide.
//!
//! Messages quote at most a short prefix of a bad cell ([`quoted`]).
//!
//! Lines are counted from 1 as an editor shows them (by `\n`), header and
//! blank lines included; columns from 1.

use std::path::Path;

use super::error::quoted;
use super::{DataError, Dataset, MAX_COLUMNS, MAX_LINE_BYTES};

/// Reads a CSV file as the module documentation describes. With
/// `expected_dim = Some(d)`, a file whose rows do not have `d` values is
/// rejected with [`DataError::WrongDim`] at its first data row.
pub fn read_csv(path: &Path, expected_dim: Option<usize>) -> Result<Dataset, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_csv(&bytes, path, expected_dim)
}

/// Reads a CSV file whose empty cells are missing values (NaN), for
/// imputation: the rules of [`read_csv`], except that an empty cell is not
/// an error, and only a text cell makes the first row a header.
pub fn read_csv_with_gaps(path: &Path, expected_dim: Option<usize>) -> Result<Dataset, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    read_csv_bytes(
        bytes,
        path,
        expected_dim,
        true,
        &Columns::default(),
        &mut Vec::new(),
    )
}

/// Which columns of a CSV file to read (0-based), for data read against a
/// model or with a label column: the rest are skipped unread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    /// The columns read as numbers, in this order (all, in file order, if
    /// `None`, but for `text`).
    pub numbers: Option<Vec<usize>>,
    /// A column read as text (class labels), one string per row.
    pub text: Option<usize>,
    /// Empty number cells are missing values (NaN), as in
    /// [`read_csv_with_gaps`].
    pub gaps: bool,
}

/// Reads the `columns` of a CSV file by the rules of [`read_csv`] (errors
/// name the file's own line and column): the numbers, and the text column's
/// cells. The first row is a header if a number column of it holds text.
pub fn read_csv_columns(
    path: &Path,
    columns: &Columns,
) -> Result<(Dataset, Vec<String>), DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut text = Vec::new();
    let data = read_csv_bytes(bytes, path, None, columns.gaps, columns, &mut text)?;
    Ok((data, text))
}

/// Reads CSV bytes already in memory, as [`read_csv`] does a file; `path` is
/// used only in error messages. A leading UTF-8 byte-order mark (as Excel
/// writes) is skipped.
pub fn parse_csv(
    bytes: &[u8],
    path: &Path,
    expected_dim: Option<usize>,
) -> Result<Dataset, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    read_csv_bytes(
        bytes,
        path,
        expected_dim,
        false,
        &Columns::default(),
        &mut Vec::new(),
    )
}

/// The names in the header row of a CSV file, if it has one (the rule of
/// [`read_csv`]: a first row with a cell that is not a number).
pub fn csv_header(path: &Path) -> Result<Option<Vec<String>>, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        return Ok(None);
    }
    let header = record
        .iter()
        .any(|c| matches!(classify(c), Cell::Text | Cell::Empty));
    Ok(header.then(|| {
        record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }))
}

/// Reading from memory with byte records and flexible rows, the `csv`
/// crate has nothing left to fail on; should it fail anyway, say so plainly.
fn csv_error(path: &Path, e: csv::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("CSV reader: {e}")),
    }
}

/// A cell classified for header detection and error reporting.
enum Cell {
    Empty,
    Number(f32),
    NonFinite,
    TooLarge,
    Text,
}

fn classify(bytes: &[u8]) -> Cell {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return Cell::Text;
    };
    if s.is_empty() {
        return Cell::Empty;
    }
    // f64 to classify, f32 parsed directly for the value (one rounding).
    match (s.parse::<f64>(), s.parse::<f32>()) {
        (Ok(wide), Ok(narrow)) => {
            if !wide.is_finite() {
                Cell::NonFinite
            } else if !narrow.is_finite() {
                Cell::TooLarge
            } else {
                Cell::Number(narrow)
            }
        }
        _ => Cell::Text,
    }
}

/// Physical line numbers from byte offsets. The `csv` crate's own line
/// count skips blank lines, so it cannot point at them; counting `\n` bytes
/// can.
struct Lines<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    line: u64,
}

impl Lines<'_> {
    /// The 1-based line of byte `offset` (offsets must not decrease).
    fn at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.bytes.len()).max(self.counted_to);
        let newlines = self.bytes[self.counted_to..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.counted_to = offset;
        self.line
    }
}

/// The 1-based number of the first line longer than [`MAX_LINE_BYTES`].
fn first_long_line(bytes: &[u8]) -> Option<u64> {
    let mut number = 0u64;
    for line in bytes.split(|&b| b == b'\n') {
        number += 1;
        if line.len() > MAX_LINE_BYTES {
            return Some(number);
        }
    }
    None
}

/// With `gaps`, empty cells are read as NaN (missing values). Only
/// `columns` are read; the text column's cells go to `text`.
fn read_csv_bytes(
    bytes: &[u8],
    path: &Path,
    expected_dim: Option<usize>,
    gaps: bool,
    columns: &Columns,
    text: &mut Vec<String>,
) -> Result<Dataset, DataError> {
    // The number columns, fixed by the first row.
    let mut numbers: Vec<usize> = Vec::new();
    let path_buf = || path.to_path_buf();
    if let Some(line) = first_long_line(bytes) {
        return Err(DataError::LineTooLong {
            path: path_buf(),
            line,
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut lines = Lines {
        bytes,
        counted_to: 0,
        line: 1,
    };
    let mut record = csv::ByteRecord::new();
    // (cells, line) of the first row, header or data.
    let mut first: Option<(usize, u64)> = None;
    let mut saw_header = false;
    let mut data: Option<Dataset> = None;
    // The line after the previous row, where the next row should start.
    let mut next_line = 1u64;
    // A blank row seen but not yet known to be followed by data.
    let mut pending_blank: Option<u64> = None;
    loop {
        let start = reader.position().byte() as usize;
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(path, e))?
        {
            break;
        }
        let end = reader.position().byte() as usize;
        // The reader's start offset includes the blank lines it skipped.
        let content = start
            + bytes[start.min(bytes.len())..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
        let line = lines.at(content);
        let blank_before = pending_blank.or((line > next_line).then_some(next_line));
        // After a "\r\n" terminator the reader stops between the two bytes.
        let after =
            if end > 0 && bytes.get(end - 1) == Some(&b'\r') && bytes.get(end) == Some(&b'\n') {
                end + 1
            } else {
                end
            };
        next_line = lines.at(after);

        if record.iter().all(<[u8]>::is_empty) {
            pending_blank = pending_blank.or(Some(blank_before.unwrap_or(line)));
            continue;
        }
        if let Some(line) = blank_before {
            return Err(DataError::EmptyRow {
                path: path_buf(),
                line,
            });
        }
        let cells = record.len();
        if cells > MAX_COLUMNS {
            return Err(DataError::TooManyColumns {
                path: path_buf(),
                line,
                found: cells,
            });
        }
        let is_first = first.is_none();
        let (expected, first_line) = *first.get_or_insert((cells, line));
        if cells != expected {
            return Err(DataError::Ragged {
                path: path_buf(),
                line,
                expected,
                found: cells,
                first_line,
            });
        }
        let header_cell = |c: &[u8]| match classify(c) {
            Cell::Text => true,
            Cell::Empty => !gaps,
            _ => false,
        };
        if is_first {
            numbers = match &columns.numbers {
                Some(picked) => picked.iter().copied().filter(|&c| c < cells).collect(),
                None => (0..cells).filter(|&c| Some(c) != columns.text).collect(),
            };
        }
        if is_first
            && numbers
                .iter()
                .any(|&c| record.get(c).is_some_and(header_cell))
        {
            saw_header = true;
            continue;
        }
        if let Some(c) = columns.text {
            text.push(String::from_utf8_lossy(record.get(c).unwrap_or_default()).into_owned());
        }
        let dataset = match &mut data {
            Some(d) => d,
            None => {
                if let Some(d) = expected_dim.filter(|&d| d != numbers.len()) {
                    return Err(DataError::WrongDim {
                        origin: format!("{}:{line}", path.display()),
                        expected: d,
                        found: numbers.len(),
                    });
                }
                if numbers.is_empty() {
                    return Err(DataError::NoData {
                        path: path_buf(),
                        detail: " (no number columns)",
                    });
                }
                data.insert(Dataset::new(numbers.len(), Vec::new()))
            }
        };
        for (i, bytes) in numbers
            .iter()
            .map(|&c| (c, record.get(c).unwrap_or_default()))
        {
            let column = i + 1;
            let value = || quoted(bytes);
            match classify(bytes) {
                Cell::Number(v) => dataset.rows.push(v),
                Cell::Empty if gaps => dataset.rows.push(f32::NAN),
                Cell::Empty => {
                    return Err(DataError::EmptyCell {
                        path: path_buf(),
                        line,
                        column,
                    });
                }
                Cell::NonFinite => {
                    return Err(DataError::NonFinite {
                        path: path_buf(),
                        line,
                        column,
                        value: value(),
                    });
                }
                Cell::TooLarge => {
                    return Err(DataError::OutOfRange {
                        path: path_buf(),
                        line,
                        column,
                        value: value(),
                    });
                }
                Cell::Text => {
                    return Err(DataError::Unparsable {
                        path: path_buf(),
                        line,
                        column,
                        value: value(),
                    });
                }
            }
        }
    }
    data.ok_or_else(|| DataError::NoData {
        path: path_buf(),
        detail: if saw_header {
            " (only a header)"
        } else {
            " (the file is empty or blank)"
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Dataset, DataError> {
        parse_csv(text.as_bytes(), Path::new("data.csv"), None)
    }

    fn err(text: &str) -> DataError {
        parse(text).unwrap_err()
    }

    /// (line, column) of a located error.
    fn at(e: &DataError) -> (u64, usize) {
        match e {
            DataError::Unparsable { line, column, .. }
            | DataError::EmptyCell { line, column, .. }
            | DataError::NonFinite { line, column, .. }
            | DataError::OutOfRange { line, column, .. } => (*line, *column),
            DataError::Ragged { line, .. } | DataError::EmptyRow { line, .. } => (*line, 0),
            other => panic!("not a located error: {other:?}"),
        }
    }

    #[test]
    fn without_header() {
        let d = parse("1,2\n3.5,-4e-2\n").unwrap();
        assert_eq!((d.dim, d.rows), (2, vec![1.0, 2.0, 3.5, -0.04]));
    }

    #[test]
    fn with_header() {
        let d = parse("x,y\n1,2\n3,4").unwrap();
        assert_eq!((d.dim, d.len()), (2, 2));
        assert_eq!(d.row(1), [3.0, 4.0]);
        // Quoted header, as R's write.csv writes it.
        let d = parse("\"x\",\"y\"\n1,2\n").unwrap();
        assert_eq!(d.rows, [1.0, 2.0]);
        // pandas with its index: the empty first cell makes it a header.
        let d = parse(",a,b\n0,1.5,2\n1,3,4\n").unwrap();
        assert_eq!((d.dim, d.rows), (3, vec![0.0, 1.5, 2.0, 1.0, 3.0, 4.0]));
        // One text cell among numbers is enough.
        let d = parse("1,b\n1,2\n").unwrap();
        assert_eq!(d.rows, [1.0, 2.0]);
    }

    #[test]
    fn spaces_crlf_bom_quotes_and_trailing_blank_lines_are_fine() {
        let d = parse("\u{feff}t, v\r\n 1 ,\"2\" \r\n3,4\r\n\r\n\n ,\n").unwrap();
        assert_eq!((d.dim, d.rows), (2, vec![1.0, 2.0, 3.0, 4.0]));
        let d = parse("7\n8\n9").unwrap();
        assert_eq!((d.dim, d.len()), (1, 3));
    }

    #[test]
    fn values_are_rounded_to_f32_once() {
        // Halfway cases between f32 neighbours must not be double-rounded.
        let s = "1.00000005960464477539062500000000001";
        let d = parse(s).unwrap();
        assert_eq!(d.rows[0], s.parse::<f32>().unwrap());
        let d = parse("3.4028235e38,-3.4028235e38,1e-50").unwrap();
        assert_eq!(d.rows, [f32::MAX, f32::MIN, 0.0]);
    }

    #[test]
    fn non_finite_values_name_file_line_and_column() {
        let e = err("x,y,z\n1,2,3\n4,5,nan\n");
        assert_eq!(
            e.to_string(),
            "data.csv:3:3: value \"nan\" is not a finite number"
        );
        for v in ["NaN", "inf", "-Infinity", "+inf"] {
            let e = err(&format!("1,2\n{v},2\n"));
            assert!(matches!(e, DataError::NonFinite { .. }), "{v}: {e:?}");
            assert_eq!(at(&e), (2, 1));
        }
        // NaN in the first row is data, not a header.
        assert_eq!(at(&err("1,NaN\n1,2\n")), (1, 2));
    }

    #[test]
    fn too_large_for_f32() {
        let e = err("1,2\n3,1e39\n");
        assert!(matches!(e, DataError::OutOfRange { .. }));
        assert_eq!(at(&e), (2, 2));
        assert!(
            e.to_string()
                .starts_with("data.csv:2:2: value \"1e39\" is too large")
        );
    }

    #[test]
    fn unparsable_cells() {
        let e = err("a,b\n1,2\n3,4x\n");
        assert_eq!(
            e.to_string(),
            "data.csv:3:2: cannot read \"4x\" as a number"
        );
        // Only the first row can be a header.
        assert_eq!(at(&err("1,2\nx,y\n")), (2, 1));
        assert_eq!(at(&err("a,b\nx,y\n")), (2, 1));
        // Decimal commas are not numbers (and split cells: ragged).
        assert_eq!(at(&err("x\n1;5\n")), (2, 1));
        let e = err("1,2\n\"1,5\",2\n");
        assert_eq!(at(&e), (2, 1));
        // Invalid UTF-8.
        let e = parse_csv(b"1,2\n3,\xff\n", Path::new("data.csv"), None).unwrap_err();
        assert!(
            matches!(
                e,
                DataError::Unparsable {
                    line: 2,
                    column: 2,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn ragged_rows_say_expected_and_found() {
        let e = err("1,2\n3,4,5\n");
        assert_eq!(
            e.to_string(),
            "data.csv:2: expected 2 columns (as on line 1), found 3"
        );
        let e = err("a,b,c\n1,2,3\n4,5\n");
        assert!(matches!(
            e,
            DataError::Ragged {
                line: 3,
                expected: 3,
                found: 2,
                first_line: 1,
                ..
            }
        ));
    }

    #[test]
    fn empty_rows_and_cells() {
        let e = err("1,2\n\n3,4\n");
        assert_eq!(e.to_string(), "data.csv:2: empty row");
        assert_eq!(at(&err("\n1,2\n")), (1, 0));
        assert_eq!(at(&err("x,y\n1,2\n3,4\n\n\n5,6\n")), (4, 0));
        assert_eq!(at(&err("1,2\n   \n3,4\n")), (2, 0));
        assert!(matches!(
            err("1,2\n,\n3,4"),
            DataError::EmptyRow { line: 2, .. }
        ));
        assert_eq!(at(&err("1,2\n\n , \n3,4\n")), (2, 0));
        assert_eq!(at(&err("1,2\r\n\r\n3,4\r\n")), (2, 0));
        assert_eq!(at(&err("x,y\r\n1,2\r\n\r\n3,4")), (3, 0));
        assert_eq!(at(&err("x,y\r\n1,2\r\n3,x\r\n")), (3, 2));
        // Blank rows at the end are ignored.
        assert_eq!(parse("1,2\n\n,\n  \n\n").unwrap().rows, [1.0, 2.0]);
        let e = err("1,2\n3,\n");
        assert_eq!(e.to_string(), "data.csv:2:2: empty cell");
        assert_eq!(at(&err("1,2\n , 4\n")), (2, 1));
    }

    #[test]
    fn line_numbers_count_lines_inside_a_quoted_header() {
        let e = err("\"a\nb\",c\n1,2\n3,x\n");
        assert_eq!(at(&e), (4, 2), "{e}");
        assert_eq!(at(&err("\"a\nb\",c\n\n1,2\n")), (3, 0));
    }

    #[test]
    fn empty_files_have_no_data() {
        for (text, detail) in [
            ("", "empty or blank"),
            ("\n\n", "empty or blank"),
            ("x,y\n", "only a header"),
            ("x,y\n\n", "only a header"),
        ] {
            let e = err(text);
            assert!(matches!(e, DataError::NoData { .. }), "{text:?}: {e:?}");
            let msg = e.to_string();
            assert!(
                msg.starts_with("data.csv: no data rows") && msg.contains(detail),
                "{msg}"
            );
        }
    }

    #[test]
    fn expected_dimension_is_checked_at_the_first_data_row() {
        let e = parse_csv(b"x,y\n1,2\n", Path::new("data.csv"), Some(3)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "data.csv:2: data has 2 dimensions, expected 3"
        );
        assert!(parse_csv(b"x,y\n1,2\n", Path::new("data.csv"), Some(2)).is_ok());
    }

    #[test]
    fn files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("traces.csv");
        std::fs::write(&path, "a,b,c\n1,2,3\n4,5,6\n").unwrap();
        let d = read_csv(&path, None).unwrap();
        assert_eq!((d.dim, d.len()), (3, 2));
        std::fs::write(&path, "a,b,c\n1,2,3\n4,5,inf\n").unwrap();
        let e = read_csv(&path, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:3:3: value \"inf\" is not a finite number",
                path.display()
            )
        );
        let e = read_csv(&dir.path().join("nope.csv"), None).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }));
        assert!(e.to_string().contains("nope.csv: cannot read"));
    }
}
