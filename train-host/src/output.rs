//! Writing sample sets: CSV (a header of the columns' names, `x0,x1,…`
//! when they have none) or NPY (float32, shape `(n, d)`), chosen by the
//! file extension, always atomically.

use crate::atomic::write_atomic;
use std::io;
use std::path::Path;

/// Writes `rows` (n×dim, row-major) to `path` as CSV or NPY.
pub fn write_samples(path: &Path, rows: &[f32], dim: usize) -> io::Result<()> {
    write_named(path, rows, &crate::data::default_names(dim))
}

/// Writes `rows` (n × `names.len()`, row-major) to `path` as CSV, headed by
/// `names`, or NPY.
pub fn write_named(path: &Path, rows: &[f32], names: &[String]) -> io::Result<()> {
    let dim = names.len();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let bytes = match ext.to_ascii_lowercase().as_str() {
        "csv" => csv_bytes(rows, names, None),
        "npy" => npy_bytes(rows, dim)?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: output must end in .csv or .npy", path.display()),
            ));
        }
    };
    write_atomic(path, &bytes)
}

/// CSV text of `rows` headed by `names` (quoted where CSV needs it), with
/// an optional leading `step` column per row.
pub fn csv_bytes(rows: &[f32], names: &[String], steps: Option<&[u32]>) -> Vec<u8> {
    let dim = names.len();
    let mut out = String::new();
    if steps.is_some() {
        out.push_str("step,");
    }
    let header: Vec<String> = names.iter().map(|n| csv_cell(n)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for (i, row) in rows.chunks_exact(dim.max(1)).enumerate() {
        if let Some(s) = steps {
            out.push_str(&format!("{},", s[i]));
        }
        let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// A CSV cell holding `text`: quoted, with quotes doubled, if it holds a
/// comma, a quote or spaces at its ends.
pub fn csv_cell(text: &str) -> String {
    if text.contains([',', '"']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn npy_bytes(rows: &[f32], dim: usize) -> io::Result<Vec<u8>> {
    let n = rows.len() / dim.max(1);
    let mut buf = Vec::new();
    use npyz::WriterBuilder;
    let mut writer = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[n as u64, dim as u64])
        .writer(&mut buf)
        .begin_nd()?;
    writer.extend(rows.iter().copied())?;
    writer.finish()?;
    Ok(buf)
}
