//! Writing sample sets: CSV (a header `x0,x1,…`) or NPY (float32, shape
//! `(n, d)`), chosen by the file extension, always atomically.

use crate::atomic::write_atomic;
use std::io;
use std::path::Path;

/// Writes `rows` (n×dim, row-major) to `path` as CSV or NPY.
pub fn write_samples(path: &Path, rows: &[f32], dim: usize) -> io::Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let bytes = match ext.to_ascii_lowercase().as_str() {
        "csv" => csv_bytes(rows, dim, None),
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

/// CSV text of `rows`, with an optional leading `step` column per row.
pub fn csv_bytes(rows: &[f32], dim: usize, steps: Option<&[u32]>) -> Vec<u8> {
    let mut out = String::new();
    if steps.is_some() {
        out.push_str("step,");
    }
    let header: Vec<String> = (0..dim).map(|j| format!("x{j}")).collect();
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
