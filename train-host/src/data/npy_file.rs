//! Reading a user's NumPy `.npy` file into a [`Dataset`].
//!
//! `.npy` is what a Python preprocessing script naturally saves
//! (`np.save("windows.npy", a)`): exact binary floats, shape included, no
//! parsing ambiguity. Accepted, everything else rejected with the reason:
//!
//! - dtype float32 or float64, either byte order (float64 values are rounded
//!   to `f32` once and must fit);
//! - shape `(n, d)` in C order, or `(n,)`, read as `d = 1` (a 1-D array is a
//!   list of scalars, the only sensible reading, and its byte layout does not
//!   depend on the order flag); `n ≥ 1` and `d ≥ 1`;
//! - every value finite. Errors name the row and column (1-based);
//! - at most [`MAX_COLUMNS`] columns, and no more values than the file's
//!   bytes can hold, checked from the header before any value is read (a
//!   header cannot make the reader allocate more than the file's size).
//!
//! Fortran-order 2-D arrays are refused rather than transposed, so that a
//! file always means what `np.load` shows. The `npyz` crate parses the header
//! and decodes the values.

use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar};

use super::{DataError, Dataset, MAX_COLUMNS};

/// Reads an `.npy` file as the module documentation describes. With
/// `expected_dim = Some(d)`, an array whose rows do not have `d` values is
/// rejected with [`DataError::WrongDim`] before any data is read.
pub fn read_npy(path: &Path, expected_dim: Option<usize>) -> Result<Dataset, DataError> {
    let io_error = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    read_npy_from(
        std::io::BufReader::new(file),
        len,
        path,
        expected_dim,
        false,
    )
}

/// Reads an `.npy` file whose NaN values are missing values, for
/// imputation: the rules of [`read_npy`], except that NaN is not an error.
pub fn read_npy_with_gaps(path: &Path, expected_dim: Option<usize>) -> Result<Dataset, DataError> {
    let io_error = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    read_npy_from(std::io::BufReader::new(file), len, path, expected_dim, true)
}

/// Reads `.npy` bytes already in memory, as [`read_npy`] does a file; `path`
/// is used only in error messages.
pub fn parse_npy(
    bytes: &[u8],
    path: &Path,
    expected_dim: Option<usize>,
) -> Result<Dataset, DataError> {
    read_npy_from(bytes, bytes.len() as u64, path, expected_dim, false)
}

/// Reads an NPY file of `file_len` bytes from `reader`. With `gaps`, NaN
/// values are kept (missing values).
fn read_npy_from<R: std::io::Read>(
    reader: R,
    file_len: u64,
    path: &Path,
    expected_dim: Option<usize>,
    gaps: bool,
) -> Result<Dataset, DataError> {
    let refused = |v: f32| !(v.is_finite() || gaps && v.is_nan());
    let path_buf = || path.to_path_buf();
    let format_error = |e: std::io::Error| DataError::NpyFormat {
        path: path_buf(),
        reason: e.to_string(),
    };
    let npy = NpyFile::new(reader).map_err(format_error)?;

    let wide = match npy.dtype() {
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => false,
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 8 => true,
        other => {
            return Err(DataError::NpyDtype {
                path: path_buf(),
                dtype: other.descr(),
            });
        }
    };

    let shape = npy.shape().to_vec();
    let shape_error = |reason: &str| DataError::NpyShape {
        path: path_buf(),
        shape: python_tuple(&shape),
        reason: reason.to_owned(),
    };
    let (n, d) = match shape[..] {
        [n] => (n, 1),
        [n, d] => (n, d),
        _ => return Err(shape_error("expected (n, d) or (n,)")),
    };
    if shape.len() == 2 && npy.order() == Order::Fortran {
        return Err(DataError::NpyOrder { path: path_buf() });
    }
    if d == 0 {
        return Err(shape_error("rows have no values (d = 0)"));
    }
    if d > MAX_COLUMNS as u64 {
        return Err(shape_error(&format!(
            "more than {MAX_COLUMNS} columns: a model file holds 1 to {} data dimensions \
             (and one more column may hold labels)",
            MAX_COLUMNS - 1
        )));
    }
    let value_bytes = if wide { 8 } else { 4 };
    let needed = n.checked_mul(d).and_then(|v| v.checked_mul(value_bytes));
    if needed.is_none_or(|b| b > file_len) {
        return Err(DataError::NpyFormat {
            path: path_buf(),
            reason: format!(
                "the header's shape {} needs more bytes than the file's {file_len}",
                python_tuple(&shape)
            ),
        });
    }
    let too_large = || shape_error("too large for this machine");
    let n = usize::try_from(n).map_err(|_| too_large())?;
    let d = usize::try_from(d).map_err(|_| too_large())?;
    n.checked_mul(d).ok_or_else(too_large)?;
    if n == 0 {
        return Err(DataError::NoData {
            path: path_buf(),
            detail: " (the array has length 0)",
        });
    }
    if let Some(expected) = expected_dim.filter(|&e| e != d) {
        return Err(DataError::WrongDim {
            origin: path.display().to_string(),
            expected,
            found: d,
        });
    }

    // The first value that is not finite in f32, with its stored value.
    let (rows, bad): (Vec<f32>, Option<(usize, f64)>) = if wide {
        let values: Vec<f64> = npy.into_vec().map_err(format_error)?;
        let rows: Vec<f32> = values.iter().map(|&v| v as f32).collect();
        let bad = rows
            .iter()
            .position(|&v| refused(v))
            .map(|i| (i, values[i]));
        (rows, bad)
    } else {
        let rows: Vec<f32> = npy.into_vec().map_err(format_error)?;
        let bad = rows
            .iter()
            .position(|&v| refused(v))
            .map(|i| (i, f64::from(rows[i])));
        (rows, bad)
    };
    if let Some((i, value)) = bad {
        return Err(DataError::NpyNonFinite {
            path: path_buf(),
            row: i / d + 1,
            column: i % d + 1,
            value,
        });
    }
    if rows.len() != n * d {
        return Err(DataError::NpyFormat {
            path: path_buf(),
            reason: format!("expected {} values, read {}", n * d, rows.len()),
        });
    }
    Ok(Dataset::new(d, rows))
}

/// `(2, 3)`, `(5,)`, `()` as Python prints a shape.
fn python_tuple(shape: &[u64]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use npyz::{Serialize, TypeStr, WriterBuilder};
    use std::path::PathBuf;

    /// Writes `values` with the given dtype descriptor, shape and order.
    fn write<T: Serialize>(
        dir: &Path,
        name: &str,
        dtype: &str,
        shape: &[u64],
        order: Order,
        values: &[T],
    ) -> PathBuf {
        let path = dir.join(name);
        let mut bytes = Vec::new();
        let ty: TypeStr = dtype.parse().unwrap();
        let mut w = npyz::WriteOptions::<T>::new()
            .dtype(DType::Plain(ty))
            .shape(shape)
            .order(order)
            .writer(&mut bytes)
            .begin_nd()
            .unwrap();
        for v in values {
            w.push(v).unwrap();
        }
        w.finish().unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn err(path: &Path) -> DataError {
        read_npy(path, None).unwrap_err()
    }

    #[test]
    fn float32_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<f32> = (0..15).map(|i| i as f32 * 0.37 - 2.0).collect();
        let path = write(dir.path(), "a.npy", "<f4", &[5, 3], Order::C, &values);
        let d = read_npy(&path, None).unwrap();
        assert_eq!((d.dim, d.len()), (3, 5));
        assert_eq!(d.rows, values);
        assert_eq!(d.row(4), &values[12..]);
        // Big-endian too.
        let path = write(dir.path(), "b.npy", ">f4", &[5, 3], Order::C, &values);
        assert_eq!(read_npy(&path, Some(3)).unwrap().rows, values);
    }

    #[test]
    fn float64_round_trip_rounds_once_to_f32() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<f64> = (0..12).map(|i| i as f64 * 0.1 - 0.55).collect();
        for dtype in ["<f8", ">f8"] {
            let path = write(dir.path(), "a.npy", dtype, &[4, 3], Order::C, &values);
            let d = read_npy(&path, None).unwrap();
            assert_eq!((d.dim, d.len()), (3, 4));
            let expected: Vec<f32> = values.iter().map(|&v| v as f32).collect();
            assert_eq!(d.rows, expected);
        }
    }

    #[test]
    fn one_dimensional_arrays_are_one_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "a.npy",
            "<f8",
            &[4],
            Order::C,
            &[1.0f64, 2.0, 3.0, 4.0],
        );
        let d = read_npy(&path, None).unwrap();
        assert_eq!((d.dim, d.rows), (1, vec![1.0, 2.0, 3.0, 4.0]));
        // The order flag does not matter in 1-D.
        let path = write(
            dir.path(),
            "b.npy",
            "<f4",
            &[2],
            Order::Fortran,
            &[1.0f32, 2.0],
        );
        assert_eq!(read_npy(&path, None).unwrap().rows, [1.0, 2.0]);
    }

    #[test]
    fn unsupported_dtypes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "i.npy",
            "<i4",
            &[2, 2],
            Order::C,
            &[1i32, 2, 3, 4],
        );
        let e = err(&path);
        assert!(matches!(e, DataError::NpyDtype { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("i.npy: unsupported NPY dtype") && msg.contains("<i4"),
            "{msg}"
        );
        let path = write(dir.path(), "u.npy", "|u1", &[3], Order::C, &[1u8, 2, 3]);
        assert!(matches!(err(&path), DataError::NpyDtype { .. }));
    }

    #[test]
    fn fortran_order_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "f.npy",
            "<f4",
            &[2, 3],
            Order::Fortran,
            &[0f32; 6],
        );
        let e = err(&path);
        assert!(matches!(e, DataError::NpyOrder { .. }));
        assert!(e.to_string().contains("Fortran order"), "{e}");
    }

    #[test]
    fn unsupported_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "r3.npy",
            "<f4",
            &[2, 2, 2],
            Order::C,
            &[0f32; 8],
        );
        let e = err(&path);
        assert!(
            e.to_string()
                .ends_with("unsupported NPY shape (2, 2, 2): expected (n, d) or (n,)"),
            "{e}"
        );
        let path = write(dir.path(), "r0.npy", "<f4", &[], Order::C, &[1f32]);
        assert!(err(&path).to_string().contains("shape ()"));
        let path = write(dir.path(), "d0.npy", "<f4", &[3, 0], Order::C, &[0f32; 0]);
        assert!(
            err(&path)
                .to_string()
                .contains("shape (3, 0): rows have no values")
        );
        let path = write(dir.path(), "n0.npy", "<f4", &[0, 3], Order::C, &[0f32; 0]);
        let e = err(&path);
        assert!(matches!(e, DataError::NoData { .. }), "{e:?}");
        let path = write(dir.path(), "e.npy", "<f8", &[0], Order::C, &[0f64; 0]);
        assert!(matches!(err(&path), DataError::NoData { .. }));
    }

    #[test]
    fn non_finite_values_name_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let mut values = vec![0f32; 12];
        values[7] = f32::NAN;
        let path = write(dir.path(), "nan.npy", "<f4", &[4, 3], Order::C, &values);
        let e = err(&path);
        assert!(
            matches!(
                e,
                DataError::NpyNonFinite {
                    row: 3,
                    column: 2,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{}: row 3, column 2: value NaN is not a finite 32-bit float",
                path.display()
            )
        );
        let mut values = vec![0f64; 6];
        values[1] = f64::NEG_INFINITY;
        let path = write(dir.path(), "inf.npy", "<f8", &[3, 2], Order::C, &values);
        assert!(matches!(
            err(&path),
            DataError::NpyNonFinite {
                row: 1,
                column: 2,
                ..
            }
        ));
        // Finite in f64 but not in f32.
        let mut values = vec![0f64; 6];
        values[4] = 1e300;
        let path = write(dir.path(), "big.npy", "<f8", &[6], Order::C, &values);
        let e = err(&path);
        assert!(
            matches!(
                e,
                DataError::NpyNonFinite {
                    row: 5,
                    column: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("value 1e300 is not"), "{e}");
    }

    #[test]
    fn broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "t.npy", "<f4", &[10, 2], Order::C, &[1f32; 20]);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 10);
        std::fs::write(&path, &bytes).unwrap();
        let e = err(&path);
        assert!(matches!(e, DataError::NpyFormat { .. }), "{e:?}");
        assert!(
            e.to_string().contains("t.npy: not a readable NPY file"),
            "{e}"
        );
        let e = parse_npy(b"x,y\n1,2\n", Path::new("text.npy"), None).unwrap_err();
        assert!(matches!(e, DataError::NpyFormat { .. }), "{e:?}");
        let e = parse_npy(b"", Path::new("empty.npy"), None).unwrap_err();
        assert!(matches!(e, DataError::NpyFormat { .. }), "{e:?}");
        let e = err(&dir.path().join("missing.npy"));
        assert!(matches!(e, DataError::Io { .. }), "{e:?}");
    }

    #[test]
    fn expected_dimension_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "a.npy", "<f4", &[2, 3], Order::C, &[0f32; 6]);
        let e = read_npy(&path, Some(2)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: data has 3 dimensions, expected 2", path.display())
        );
        assert!(read_npy(&path, Some(3)).is_ok());
    }
}
