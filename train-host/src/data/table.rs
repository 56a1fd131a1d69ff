//! Data read against known columns: the rows a model (or a sample file) is
//! compared with, whatever else the file holds.
//!
//! The file a model was trained on usually has more than the model's
//! columns: a timestamp, the label column, a window index. Reading it
//! against the model must take the model's columns, by name when the model
//! stores its column names and the file has a header, and leave the rest
//! out, saying which, rather than fail with "33 dimensions, expected 32"
//! or, worse, read a label as a feature. A label column named by
//! `--labels` is read as text alongside, so that rows of one class can be
//! picked out.

use super::{Columns, DataError, DataSource, Dataset, csv_header, read_csv_columns};

/// The names `x0, x1, …` of the columns of data without a header.
pub fn default_names(dim: usize) -> Vec<String> {
    (0..dim).map(|j| format!("x{j}")).collect()
}

/// Whether `names` are [`default_names`] (that is, say nothing).
pub fn are_default_names(names: &[String]) -> bool {
    names == default_names(names.len()).as_slice()
}

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct Wanted<'a> {
    /// The columns' names, in order; empty to take the file's number
    /// columns as they come.
    pub columns: &'a [String],
    /// The number of columns; `None` to take what the file has.
    pub dim: Option<usize>,
    /// A label column, by header name or number from 1 (`--labels`).
    pub labels: Option<&'a str>,
    /// Empty cells are missing values (imputation).
    pub gaps: bool,
}

/// Data read against [`Wanted`] columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The rows, in the wanted columns' order.
    pub data: Dataset,
    /// The names of its columns (the wanted ones, the file's header, or
    /// [`default_names`]).
    pub columns: Vec<String>,
    /// Columns of the file that were left out.
    pub ignored: Vec<String>,
    /// The label column's name and each row's label.
    pub labels: Option<(String, Vec<String>)>,
}

impl Table {
    /// A one-line summary: `read walk.csv: 120 rows × 96 columns (ax_0 …
    /// az_31); labels "activity": idle 40, walk 40, run 40; left out: t`.
    pub fn summary(&self, origin: &str) -> String {
        let names = match self.columns.as_slice() {
            [] => String::new(),
            [one] => format!(" ({one})"),
            [a, b] => format!(" ({a}, {b})"),
            [first, .., last] => format!(" ({first} … {last})"),
        };
        let mut out = format!(
            "read {origin}: {} rows × {} columns{names}",
            self.data.len(),
            self.data.dim
        );
        if let Some(classes) = self.label_counts() {
            out += &format!("; {classes}");
        }
        if !self.ignored.is_empty() {
            out += &format!("; left out: {}", self.ignored.join(", "));
        }
        out
    }

    /// `label column "activity" with 3 classes: idle 40, walk 40, run 40`,
    /// for a table with labels.
    pub fn label_counts(&self) -> Option<String> {
        let (name, labels) = self.labels.as_ref()?;
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for l in labels {
            match counts.iter_mut().find(|(n, _)| *n == l.as_str()) {
                Some((_, c)) => *c += 1,
                None => counts.push((l, 1)),
            }
        }
        let counts: Vec<String> = counts.iter().map(|(n, c)| format!("{n} {c}")).collect();
        Some(format!(
            "label column {name:?} with {} classes: {}",
            counts.len(),
            counts.join(", ")
        ))
    }

    /// The table without the rows whose label is not `class`.
    pub fn of_class(&self, class: &str) -> Option<Table> {
        let (name, labels) = self.labels.as_ref()?;
        let mut data = Dataset::with_capacity(self.data.dim, 0);
        for (row, _) in self.data.iter().zip(labels).filter(|(_, l)| *l == class) {
            data.push(row);
        }
        let kept = vec![class.to_string(); data.len()];
        Some(Table {
            data,
            columns: self.columns.clone(),
            ignored: self.ignored.clone(),
            labels: Some((name.clone(), kept)),
        })
    }
}

impl DataSource {
    /// Reads the `want`ed columns: `n` rows drawn with `seed` from a
    /// generator, or the whole file.
    pub fn read_table(&self, n: usize, seed: u64, want: &Wanted<'_>) -> Result<Table, DataError> {
        let origin = self.to_string();
        let path = match self {
            DataSource::Csv(path) => path,
            DataSource::Npy(_) if want.labels.is_some() => {
                return self.npy_with_labels(want);
            }
            DataSource::Npy(path) if want.gaps => {
                let data = super::read_npy_with_gaps(path, want.dim)?;
                let columns = wanted_or_default(want.columns, data.dim);
                return Ok(Table {
                    data,
                    columns,
                    ignored: Vec::new(),
                    labels: None,
                });
            }
            _ => {
                // A generator: its mixture components are its labels.
                let (data, labels) = match want.labels {
                    Some(name) => {
                        let labelled = self.load_labelled(n, seed, name)?;
                        if let Some(expected) = want.dim
                            && expected != labelled.data.dim
                        {
                            return Err(DataError::WrongDim {
                                origin,
                                expected,
                                found: labelled.data.dim,
                            });
                        }
                        let classes = labelled.labels.iter().map(u32::to_string).collect();
                        (labelled.data, Some((name.to_string(), classes)))
                    }
                    None => (self.load_with_dim(n, seed, want.dim)?, None),
                };
                let columns = wanted_or_default(want.columns, data.dim);
                return Ok(Table {
                    data,
                    columns,
                    ignored: Vec::new(),
                    labels,
                });
            }
        };
        let header = csv_header(path)?;
        let label = match (want.labels, &header) {
            (None, _) => None,
            (Some(l), Some(h)) if let Some(i) = h.iter().position(|c| c == l) => Some(i),
            (Some(l), _)
                if let Ok(i) = l.trim().parse::<usize>()
                    && i > 0 =>
            {
                Some(i - 1)
            }
            (Some(l), _) => {
                return Err(DataError::MissingColumns {
                    origin,
                    missing: l.to_string(),
                    header: header.map_or_else(|| "no header".into(), |h| h.join(", ")),
                });
            }
        };
        let named = match &header {
            Some(h) if !want.columns.is_empty() => {
                let found: Vec<Option<usize>> = want
                    .columns
                    .iter()
                    .map(|c| h.iter().position(|x| x == c))
                    .collect();
                if found.iter().any(Option::is_none) {
                    let missing: Vec<&str> = want
                        .columns
                        .iter()
                        .zip(&found)
                        .filter(|(_, f)| f.is_none())
                        .map(|(c, _)| c.as_str())
                        .collect();
                    return Err(DataError::MissingColumns {
                        origin,
                        missing: missing.join(", "),
                        header: h.join(", "),
                    });
                }
                Some(found.into_iter().flatten().collect::<Vec<_>>())
            }
            _ => None,
        };
        let picked = Columns {
            numbers: named.clone(),
            text: label,
            gaps: want.gaps,
        };
        let (data, cells) = read_csv_columns(path, &picked)?;
        if let Some(expected) = want.dim.filter(|&d| d != data.dim) {
            return Err(DataError::WrongDim {
                origin: format!(
                    "{origin}{}",
                    if header.is_some() && want.labels.is_none() {
                        " (a label or other column to leave out? name it with --labels)"
                    } else {
                        ""
                    }
                ),
                expected,
                found: data.dim,
            });
        }
        let (columns, ignored) = match &header {
            Some(h) => {
                let kept: Vec<usize> =
                    named.unwrap_or_else(|| (0..h.len()).filter(|&c| Some(c) != label).collect());
                let ignored = (0..h.len())
                    .filter(|c| !kept.contains(c) && Some(*c) != label)
                    .filter_map(|c| h.get(c).cloned())
                    .collect();
                let columns = kept.iter().filter_map(|&c| h.get(c).cloned()).collect();
                (columns, ignored)
            }
            None => (wanted_or_default(want.columns, data.dim), Vec::new()),
        };
        let labels = label.map(|c| {
            let name = header
                .as_ref()
                .and_then(|h| h.get(c).cloned())
                .unwrap_or_else(|| format!("column {}", c + 1));
            (name, cells)
        });
        Ok(Table {
            data,
            columns,
            ignored,
            labels,
        })
    }

    /// An NPY file whose label column (a number) is given.
    fn npy_with_labels(&self, want: &Wanted<'_>) -> Result<Table, DataError> {
        let labelled = self.load_labelled(0, 0, want.labels.unwrap_or_default())?;
        if let Some(expected) = want.dim.filter(|&d| d != labelled.data.dim) {
            return Err(DataError::WrongDim {
                origin: self.to_string(),
                expected,
                found: labelled.data.dim,
            });
        }
        let columns = wanted_or_default(want.columns, labelled.data.dim);
        let labels = labelled.labels.iter().map(|l| l.to_string()).collect();
        Ok(Table {
            data: labelled.data,
            columns,
            ignored: Vec::new(),
            labels: Some((
                format!("column {}", want.labels.unwrap_or_default()),
                labels,
            )),
        })
    }
}

fn wanted_or_default(wanted: &[String], dim: usize) -> Vec<String> {
    if wanted.len() == dim {
        wanted.to_vec()
    } else {
        default_names(dim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> (tempfile::TempDir, DataSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("windows.csv");
        std::fs::write(&path, text).unwrap();
        let source = path.to_str().unwrap().parse().unwrap();
        (dir, source)
    }

    #[test]
    fn the_model_columns_are_taken_by_name_and_the_rest_left_out() {
        let (_dir, src) = csv("t,ay,activity,ax\n0,1,walk,2\n1,3,idle,4\n");
        let names = ["ax".to_string(), "ay".to_string()];
        let want = Wanted {
            columns: &names,
            dim: Some(2),
            labels: Some("activity"),
            gaps: false,
        };
        let table = src.read_table(0, 0, &want).unwrap();
        assert_eq!(table.data.rows, [2.0, 1.0, 4.0, 3.0]);
        assert_eq!(table.columns, names);
        assert_eq!(table.ignored, ["t"]);
        let (label, labels) = table.labels.clone().unwrap();
        assert_eq!(
            (label.as_str(), labels),
            ("activity", vec!["walk".into(), "idle".into()])
        );
        assert!(
            table
                .summary("w.csv")
                .contains("label column \"activity\" with 2 classes: walk 1, idle 1; left out: t")
        );
        assert_eq!(table.of_class("idle").unwrap().data.rows, [4.0, 3.0]);
        // A column the model needs and the file lacks is named.
        let names = ["ax".to_string(), "az".to_string()];
        let e = src
            .read_table(
                0,
                0,
                &Wanted {
                    columns: &names,
                    ..want.clone()
                },
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("az") && e.contains("t, ay, activity, ax"), "{e}");
    }

    #[test]
    fn without_names_an_extra_column_is_an_error_that_says_what_to_do() {
        let (_dir, src) = csv("a,b,class\n0,1,2\n");
        let want = Wanted {
            dim: Some(2),
            ..Wanted::default()
        };
        let e = src.read_table(0, 0, &want).unwrap_err().to_string();
        assert!(
            e.contains("has 3 dimensions, expected 2") && e.contains("--labels"),
            "{e}"
        );
        let table = src
            .read_table(
                0,
                0,
                &Wanted {
                    labels: Some("class"),
                    ..want
                },
            )
            .unwrap();
        assert_eq!(
            (table.data.dim, table.columns.clone()),
            (2, vec!["a".into(), "b".into()])
        );
    }
}
