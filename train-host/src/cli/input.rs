//! Reading a command's data: against a model's columns when there is a
//! model, with a one-line summary on stderr of what was read, what was
//! left out and which labels it holds.

use super::CliError;
use crate::data::{DataSource, Table, Wanted, are_default_names, default_names};
use crate::note;
use std::path::Path;
use tinyscore::format::Model;

/// The model's column names (`x0, x1, …` without stored names).
pub fn column_names(model: &Model<'_>) -> Vec<String> {
    match model.column_names() {
        Some(names) => names.iter().map(str::to_string).collect(),
        None => default_names(model.topology().x_dim() as usize),
    }
}

/// `source` parsed, naming the option in the error.
pub fn source(text: &str) -> Result<DataSource, CliError> {
    Ok(text.parse::<DataSource>()?)
}

/// A file of rows (.csv or .npy) as a data source.
pub fn file(path: &Path) -> Result<DataSource, CliError> {
    let source = source(
        path.to_str()
            .ok_or_else(|| CliError::Input(format!("{}: path is not UTF-8", path.display())))?,
    )?;
    if !source.is_file() {
        return Err(CliError::Input(format!(
            "{}: expected a .csv or .npy file",
            path.display()
        )));
    }
    Ok(source)
}

/// Reads `source` against `columns` (by name unless they are the default
/// names), `n` rows with `seed` from a generator, and prints the summary.
pub fn read(
    source: &DataSource,
    columns: &[String],
    labels: Option<&str>,
    gaps: bool,
    (n, seed): (usize, u64),
) -> Result<Table, CliError> {
    let named = if are_default_names(columns) {
        &[][..]
    } else {
        columns
    };
    let want = Wanted {
        columns: named,
        dim: Some(columns.len()),
        labels,
        gaps,
    };
    let table = source.read_table(n, seed, &want)?;
    note!("{}", table.summary(&source.to_string()))?;
    Ok(table)
}

/// Reads the rows of `path` against `model`'s columns.
pub fn read_for_model(
    path: &Path,
    model: &Model<'_>,
    labels: Option<&str>,
    gaps: bool,
) -> Result<Table, CliError> {
    read(&file(path)?, &column_names(model), labels, gaps, (0, 0))
}

/// Reads a sample file as it is (its own columns), with the summary.
pub fn read_samples(path: &Path) -> Result<Table, CliError> {
    let source = file(path)?;
    let table = source.read_table(0, 0, &Wanted::default())?;
    note!("{}", table.summary(&source.to_string()))?;
    Ok(table)
}
