//! Class labels for class-conditional training (`--labels`).
//!
//! A label is a class number `0..K` per training point. It comes from a
//! column of the user's file (`--labels 3` for the third column, counted
//! from 1 as the CSV errors count, or `--labels activity` for the column of
//! that header name), which is then removed from the data, or from the
//! generator of a built-in mixture (`--labels component`: the mixture
//! component each point was drawn from, for `8gaussians` and `gmm:SPEC`).
//!
//! A CSV label column holds class numbers or class names. If every cell is
//! a number, each must be a whole number from 0 to
//! [`tinyscore::format::MAX_CLASSES`]` − 1` (named by row and column when it
//! is not); otherwise every cell is a class name (`idle`, `walk`, `run`),
//! numbered in the order the names first appear, and the names travel with
//! the model into its file. NPY label columns hold numbers.

use super::{Columns, DataError, DataSource, Dataset, csv_header, read_csv_columns};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::format::{MAX_CLASSES, MAX_NAME_LEN};

/// Where the labels come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelSource {
    /// The component of a built-in mixture.
    Component,
    /// A column of the data file, 1-based.
    Column(usize),
    /// The column of a CSV file with this header name.
    Named(String),
}

impl LabelSource {
    /// Parses `--labels`: `component`, a column number (from 1) or a
    /// header name.
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        if s.eq_ignore_ascii_case("component") {
            LabelSource::Component
        } else if let Ok(column) = s.parse::<usize>() {
            LabelSource::Column(column)
        } else {
            LabelSource::Named(s.to_string())
        }
    }
}

/// Points with a class each.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The points (without the label column).
    pub data: Dataset,
    /// One class per point (empty for unlabelled data).
    pub labels: Vec<u32>,
    /// Number of classes: the largest label plus one.
    pub classes: u32,
    /// The classes' names, when the labels were names (empty for numbers).
    pub class_names: Vec<String>,
    /// The names of the data's columns, from a CSV header (empty without
    /// one).
    pub columns: Vec<String>,
}

impl Labelled {
    /// Data without labels, its columns named by `columns` (may be empty).
    pub fn unlabelled(data: Dataset, columns: Vec<String>) -> Self {
        Labelled {
            data,
            labels: Vec::new(),
            classes: 0,
            class_names: Vec::new(),
            columns,
        }
    }

    fn new(data: Dataset, labels: Vec<u32>) -> Self {
        let classes = labels.iter().max().map_or(0, |m| m + 1);
        Labelled {
            data,
            labels,
            classes,
            class_names: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// The name of class `k`: its stored name, or its number.
    pub fn class_name(&self, k: u32) -> String {
        self.class_names
            .get(k as usize)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    }
}

impl DataSource {
    /// The data with its column names (from a CSV header), unlabelled.
    pub fn load_named(&self, n: usize, seed: u64) -> Result<Labelled, DataError> {
        let columns = match self {
            DataSource::Csv(path) => csv_header(path)?.unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(Labelled::unlabelled(self.load(n, seed)?, columns))
    }

    /// [`DataSource::load`] with a class per point, from `labels`.
    pub fn load_labelled(&self, n: usize, seed: u64, labels: &str) -> Result<Labelled, DataError> {
        let refuse = |reason: &str| DataError::LabelSpec {
            origin: self.to_string(),
            labels: labels.to_string(),
            reason: reason.to_string(),
        };
        let column = match (LabelSource::parse(labels), self) {
            (LabelSource::Component, _) if let Some(mixture) = self.mixture() => {
                if n == 0 {
                    return Err(DataError::ZeroCount {
                        name: self.to_string(),
                    });
                }
                // The generator `load` draws the same points with.
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let (data, labels) = mixture.sample_labelled(n, &mut rng);
                return Ok(Labelled::new(data, labels));
            }
            (LabelSource::Component, _) => {
                return Err(refuse(
                    "`component` labels exist for the mixtures 8gaussians and gmm:SPEC; \
                     for a file, name its label column",
                ));
            }
            (LabelSource::Column(c), DataSource::Csv(_) | DataSource::Npy(_)) => c,
            (LabelSource::Named(name), DataSource::Csv(path)) => {
                let header = csv_header(path)?.ok_or_else(|| refuse("the file has no header"))?;
                1 + header.iter().position(|h| *h == name).ok_or_else(|| {
                    refuse(&format!(
                        "no column of that name; the header has {}",
                        header.join(", ")
                    ))
                })?
            }
            (LabelSource::Named(_), DataSource::Npy(_)) => {
                return Err(refuse("NPY columns have no names: give the column number"));
            }
            _ => {
                return Err(refuse(
                    "this built-in data has no labels; use 8gaussians or gmm:SPEC with \
                     `--labels component`, or a file",
                ));
            }
        };
        if let DataSource::Csv(path) = self {
            let header = csv_header(path)?;
            let width = match &header {
                Some(h) => h.len(),
                None => self.load(n, seed).map(|d| d.dim).unwrap_or(column),
            };
            check_column(column, width, &refuse)?;
            let picked = Columns {
                text: Some(column - 1),
                ..Columns::default()
            };
            let (data, cells) = read_csv_columns(path, &picked)?;
            let mut labelled = classes_of(data, &cells, column, &self.to_string())?;
            labelled.columns = header
                .map(|mut h| {
                    h.remove(column - 1);
                    h
                })
                .unwrap_or_default();
            return Ok(labelled);
        }
        let all = self.load(n, seed)?;
        check_column(column, all.dim, &refuse)?;
        split_column(all, column, &self.to_string()).map(|(d, l)| Labelled::new(d, l))
    }
}

/// Checks a 1-based label column against a file of `width` columns.
fn check_column(
    column: usize,
    width: usize,
    refuse: &dyn Fn(&str) -> DataError,
) -> Result<(), DataError> {
    if column == 0 || column > width {
        return Err(refuse(&format!("the file has columns 1 to {width}")));
    }
    if width < 2 {
        return Err(refuse("the labels are the file's only column"));
    }
    Ok(())
}

/// Classes from the text of a CSV label column (1-based `column`): numbers
/// if every cell is one, else names in order of first appearance.
fn classes_of(
    data: Dataset,
    cells: &[String],
    column: usize,
    origin: &str,
) -> Result<Labelled, DataError> {
    let numbers: Option<Vec<f32>> = cells.iter().map(|c| c.parse::<f32>().ok()).collect();
    if let Some(values) = numbers {
        let labels = values
            .iter()
            .enumerate()
            .map(|(row, &v)| class_number(v, row, column, origin))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Labelled::new(data, labels));
    }
    let mut names: Vec<String> = Vec::new();
    let mut labels = Vec::with_capacity(cells.len());
    for (row, cell) in cells.iter().enumerate() {
        let k = match names.iter().position(|n| n == cell) {
            Some(k) => k,
            None => {
                let bad = |reason: String| DataError::LabelName {
                    origin: origin.to_string(),
                    row: row + 1,
                    column,
                    reason,
                };
                if cell.is_empty() || cell.len() > MAX_NAME_LEN as usize {
                    return Err(bad(format!(
                        "class names are 1 to {MAX_NAME_LEN} bytes, this one {}",
                        cell.len()
                    )));
                }
                if cell.chars().any(char::is_control) {
                    return Err(bad("class names have no control characters".into()));
                }
                if names.len() == MAX_CLASSES as usize {
                    return Err(bad(format!(
                        "{:?} would be class {} of at most {MAX_CLASSES}",
                        cell,
                        names.len() + 1
                    )));
                }
                names.push(cell.clone());
                names.len() - 1
            }
        };
        labels.push(k as u32);
    }
    let mut labelled = Labelled::new(data, labels);
    labelled.classes = names.len() as u32;
    labelled.class_names = names;
    Ok(labelled)
}

/// A numeric label as a class, or the error naming its row and column.
fn class_number(value: f32, row: usize, column: usize, origin: &str) -> Result<u32, DataError> {
    let class = value as u32;
    if value < 0.0 || value.fract() != 0.0 || class >= MAX_CLASSES || !value.is_finite() {
        return Err(DataError::Label {
            origin: origin.to_string(),
            row: row + 1,
            column,
            value,
            max: MAX_CLASSES - 1,
        });
    }
    Ok(class)
}

/// `data` without its `column` (1-based), and that column as classes.
fn split_column(
    data: Dataset,
    column: usize,
    origin: &str,
) -> Result<(Dataset, Vec<u32>), DataError> {
    let mut points = Dataset::with_capacity(data.dim - 1, data.len());
    let mut labels = Vec::with_capacity(data.len());
    let mut point = Vec::with_capacity(data.dim - 1);
    for (row, values) in data.iter().enumerate() {
        labels.push(class_number(values[column - 1], row, column, origin)?);
        point.clear();
        point.extend(
            values
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != column - 1)
                .map(|(_, v)| *v),
        );
        points.push(&point);
    }
    Ok((points, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> (tempfile::TempDir, DataSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, text).unwrap();
        let source = path.to_str().unwrap().parse().unwrap();
        (dir, source)
    }

    #[test]
    fn a_column_becomes_the_labels() {
        let (_dir, src) = csv("x,class,y\n1,0,2\n3,2,4\n5,1,6\n");
        for spec in ["2", "class", " Class "] {
            let got = src.load_labelled(0, 0, spec);
            if spec == " Class " {
                assert!(got.is_err(), "header names are case-sensitive");
                continue;
            }
            let got = got.unwrap();
            assert_eq!(got.data.dim, 2);
            assert_eq!(got.data.rows, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
            assert_eq!(got.labels, [0, 2, 1]);
            assert_eq!(got.classes, 3);
        }
    }

    #[test]
    fn bad_labels_name_row_and_column() {
        for (text, needle) in [
            (
                "1,0\n2,1.5\n",
                "data row 2, column 2: label 1.5 is not a class",
            ),
            ("1,-1\n", "data row 1, column 2: label -1"),
            (
                "1,256\n",
                "label 256 is not a class (labels are whole numbers from 0 to 255)",
            ),
        ] {
            let (_dir, src) = csv(text);
            let e = src.load_labelled(0, 0, "2").unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        let (_dir, src) = csv("1,0\n");
        for (spec, needle) in [
            ("3", "columns 1 to 2"),
            ("0", "columns 1 to 2"),
            ("class", "no header"),
            ("component", "`component` labels exist for the mixtures"),
        ] {
            let e = src.load_labelled(0, 0, spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
        let e = DataSource::Moons {
            noise: crate::data::MOONS_NOISE,
        }
        .load_labelled(10, 0, "component")
        .unwrap_err();
        assert!(e.to_string().contains("exist for the mixtures"), "{e}");
        let e = DataSource::Moons {
            noise: crate::data::MOONS_NOISE,
        }
        .load_labelled(10, 0, "1")
        .unwrap_err();
        assert!(e.to_string().contains("has no labels"), "{e}");
    }

    #[test]
    fn text_labels_become_named_classes_in_order_of_appearance() {
        let (_dir, src) = csv("t,activity,ax\n0,walk,1\n1,idle,2\n2,walk,3\n3,run,4\n");
        let got = src.load_labelled(0, 0, "activity").unwrap();
        assert_eq!(got.labels, [0, 1, 0, 2]);
        assert_eq!(got.class_names, ["walk", "idle", "run"]);
        assert_eq!(got.classes, 3);
        assert_eq!(got.columns, ["t", "ax"]);
        assert_eq!(got.data.rows, [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0]);
        // Without a header, the first row's text label does not make one.
        let (_dir, src) = csv("walk,1\nidle,2\n");
        let got = src.load_labelled(0, 0, "1").unwrap();
        assert_eq!((got.labels, got.data.rows), (vec![0, 1], vec![1.0, 2.0]));
        // A missing name is an error at its row and column.
        let (_dir, src) = csv("a,b\n1,x\n2,\n");
        let e = src.load_labelled(0, 0, "b").unwrap_err().to_string();
        assert!(e.contains("data row 2, column 2"), "{e}");
        let (_dir, src) = csv("a,b\n1,x\n2,y\n");
        let e = src.load_labelled(0, 0, "c").unwrap_err().to_string();
        assert!(e.contains("the header has a, b"), "{e}");
    }

    #[test]
    fn mixture_components_are_the_labels_and_the_points_are_unchanged() {
        let src = DataSource::EightGaussians;
        let got = src.load_labelled(4000, 3, "component").unwrap();
        // The same draws as the unlabelled data.
        assert_eq!(got.data, src.load(4000, 3).unwrap());
        assert_eq!(got.classes, 8);
        // Points lie nearest to their own component's centre, but for the
        // tails: neighbouring centres are 2.16 apart, 6.1 standard
        // deviations, so about 0.2% of points cross the midline.
        let centres = crate::data::eight_gaussians_mixture();
        let mut own = 0;
        for (x, &k) in got.data.iter().zip(&got.labels) {
            let d = |c: &crate::data::GmmComponent| {
                (f64::from(x[0]) - c.mean[0]).powi(2) + (f64::from(x[1]) - c.mean[1]).powi(2)
            };
            let nearest = (0..8)
                .min_by(|&a, &b| {
                    d(&centres.components()[a]).total_cmp(&d(&centres.components()[b]))
                })
                .unwrap();
            own += usize::from(nearest as u32 == k);
        }
        assert!(own >= 3980, "{own} of 4000");
    }
}
