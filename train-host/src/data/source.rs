//! [`DataSource`]: the one string a user types to say what to train on.
//!
//! Built-in generators, command-line Gaussian mixtures and user files are
//! all named the same way (`--data moons`, `--data gmm:8,2,0.1`,
//! `--data traces.csv`), parsed once with [`str::parse`] into a value that can
//! be stored in a checkpoint and printed back ([`fmt::Display`]), then loaded
//! with a size and a seed. Keeping the choice separate from the loading lets
//! a command validate its arguments before doing any work.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

use super::{
    DataError, Dataset, Gmm, MOONS_NOISE, SineWindows, checkerboard, eight_gaussians,
    eight_gaussians_mixture, moons, pinwheel, read_csv, read_npy, rings, swiss_roll,
};

/// Where training data comes from.
///
/// Parsed (case-insensitively for the names and prefixes) from
/// `moons[:NOISE] | swissroll | 8gaussians | checkerboard | rings | pinwheel |
/// sine-windows[:PARAMS] | gmm:SPEC | PATH.csv | PATH.npy`; see
/// [`SineWindows`] for PARAMS and [`Gmm`] for SPEC. A path is
/// recognised by its extension, `.csv` or `.npy` (any case), and kept as
/// written.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// [`moons`] with this noise (`moons` is [`MOONS_NOISE`],
    /// `moons:NOISE` any other in [0, 1]).
    Moons {
        /// Standard deviation of the noise, before FFJORD's scaling by 2.
        noise: f64,
    },
    /// [`swiss_roll`].
    SwissRoll,
    /// [`eight_gaussians`].
    EightGaussians,
    /// [`checkerboard`].
    Checkerboard,
    /// [`rings`].
    Rings,
    /// [`pinwheel`].
    Pinwheel,
    /// Windows of a noisy sinusoid ([`SineWindows`]).
    SineWindows(SineWindows),
    /// A Gaussian mixture given on the command line.
    Gmm(Gmm),
    /// A CSV file ([`read_csv`]).
    Csv(PathBuf),
    /// An NPY file ([`read_npy`]).
    Npy(PathBuf),
}

impl DataSource {
    /// The dimension of the data, when known without reading a file.
    pub fn dim(&self) -> Option<usize> {
        match self {
            Self::Moons { .. }
            | Self::SwissRoll
            | Self::EightGaussians
            | Self::Checkerboard
            | Self::Rings
            | Self::Pinwheel => Some(2),
            Self::SineWindows(p) => Some(p.len),
            Self::Gmm(g) => Some(g.dim()),
            Self::Csv(_) | Self::Npy(_) => None,
        }
    }

    /// The Gaussian mixture behind a mixture source (`8gaussians`,
    /// `gmm:SPEC`).
    pub fn mixture(&self) -> Option<Gmm> {
        match self {
            Self::EightGaussians => Some(eight_gaussians_mixture()),
            Self::Gmm(g) => Some(g.clone()),
            _ => None,
        }
    }

    /// Whether this is a user file (whose size is its own) rather than a
    /// generator (whose size the caller picks).
    pub fn is_file(&self) -> bool {
        matches!(self, Self::Csv(_) | Self::Npy(_))
    }

    /// The data: `n` points drawn with a `Xoshiro256PlusPlus` seeded by
    /// `seed` (`seed_from_u64`) for a generator, or the whole file for a file
    /// (`n` and `seed` are then unused). Same source, `n` and seed: same bits.
    pub fn load(&self, n: usize, seed: u64) -> Result<Dataset, DataError> {
        self.load_with_dim(n, seed, None)
    }

    /// [`DataSource::load`], failing with [`DataError::WrongDim`] if the data
    /// is not of dimension `expected_dim` (when given); generators are checked
    /// before drawing anything.
    pub fn load_with_dim(
        &self,
        n: usize,
        seed: u64,
        expected_dim: Option<usize>,
    ) -> Result<Dataset, DataError> {
        match self {
            Self::Csv(path) => return read_csv(path, expected_dim),
            Self::Npy(path) => return read_npy(path, expected_dim),
            _ => {}
        }
        if let (Some(expected), Some(found)) = (expected_dim, self.dim())
            && expected != found
        {
            return Err(DataError::WrongDim {
                origin: self.to_string(),
                expected,
                found,
            });
        }
        if n == 0 {
            return Err(DataError::ZeroCount {
                name: self.to_string(),
            });
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let rng = &mut rng;
        Ok(match self {
            Self::Moons { noise } => moons(n, *noise, rng),
            Self::SwissRoll => swiss_roll(n, rng),
            Self::EightGaussians => eight_gaussians(n, rng),
            Self::Checkerboard => checkerboard(n, rng),
            Self::Rings => rings(n, rng),
            Self::Pinwheel => pinwheel(n, rng),
            Self::SineWindows(p) => p.sample(n, rng),
            Self::Gmm(g) => g.sample(n, rng),
            Self::Csv(_) | Self::Npy(_) => unreachable!("files were read above"),
        })
    }
}

/// The NOISE of `moons:NOISE`: a number in [0, 1] (beyond 1 the moons
/// are lost in the noise).
fn parse_moons_noise(s: &str) -> Result<f64, DataError> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| DataError::MoonsNoise {
            noise: s.to_string(),
        })
}

/// Strips `prefix` (ASCII case-insensitively) from `s`.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

impl FromStr for DataSource {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, DataError> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "moons" => Self::Moons { noise: MOONS_NOISE },
            "swissroll" => Self::SwissRoll,
            "8gaussians" => Self::EightGaussians,
            "checkerboard" => Self::Checkerboard,
            "rings" => Self::Rings,
            "pinwheel" => Self::Pinwheel,
            "sine-windows" => Self::SineWindows(SineWindows::default()),
            _ => {
                if let Some(noise) = strip_prefix_ignore_case(s, "moons:") {
                    Self::Moons {
                        noise: parse_moons_noise(noise)?,
                    }
                } else if let Some(params) = strip_prefix_ignore_case(s, "sine-windows:") {
                    Self::SineWindows(params.parse()?)
                } else if let Some(spec) = strip_prefix_ignore_case(s, "gmm:") {
                    Self::Gmm(spec.parse()?)
                } else if lower.ends_with(".csv") {
                    Self::Csv(PathBuf::from(s))
                } else if lower.ends_with(".npy") {
                    Self::Npy(PathBuf::from(s))
                } else {
                    return Err(DataError::UnknownSource {
                        name: s.to_string(),
                    });
                }
            }
        })
    }
}

impl fmt::Display for DataSource {
    /// The string [`DataSource::from_str`] reads back (a generator's
    /// parameters written out in full).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Moons { noise } if *noise == MOONS_NOISE => f.write_str("moons"),
            Self::Moons { noise } => write!(f, "moons:{noise}"),
            Self::SwissRoll => f.write_str("swissroll"),
            Self::EightGaussians => f.write_str("8gaussians"),
            Self::Checkerboard => f.write_str("checkerboard"),
            Self::Rings => f.write_str("rings"),
            Self::Pinwheel => f.write_str("pinwheel"),
            Self::SineWindows(p) if *p == SineWindows::default() => f.write_str("sine-windows"),
            Self::SineWindows(p) => write!(f, "sine-windows:{p}"),
            Self::Gmm(g) => write!(f, "gmm:{g}"),
            Self::Csv(p) | Self::Npy(p) => write!(f, "{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 7] = [
        "moons",
        "swissroll",
        "8gaussians",
        "checkerboard",
        "rings",
        "pinwheel",
        "sine-windows",
    ];

    #[test]
    fn names_parse_case_insensitively_and_print_back() {
        for name in NAMES {
            let a: DataSource = name.parse().unwrap();
            let b: DataSource = name.to_uppercase().parse().unwrap();
            let c: DataSource = format!("  {name} ").parse().unwrap();
            assert_eq!(a, b);
            assert_eq!(a, c);
            assert_eq!(a.to_string(), name);
            assert!(!a.is_file());
        }
        assert_eq!(
            "SwissRoll".parse::<DataSource>().unwrap(),
            DataSource::SwissRoll
        );
    }

    #[test]
    fn parameterised_sources_parse_and_print_back() {
        for s in [
            "gmm:8,2,0.1",
            "GMM:0.3@-2,0/0.5;0.7@2,0/0.25",
            "gmm:1,2,3/0.5",
            "sine-windows:len=32",
            "Sine-Windows:noise=0",
            "moons:0.05",
            "MOONS:0",
        ] {
            let src: DataSource = s.parse().unwrap();
            let back: DataSource = src.to_string().parse().unwrap();
            assert_eq!(back, src, "{s}");
        }
        let DataSource::Gmm(g) = "gmm:8,2,0.1".parse().unwrap() else {
            panic!("not a gmm");
        };
        assert_eq!((g.dim(), g.components().len()), (2, 8));
        let src: DataSource = "gmm:1,2,3/0.5".parse().unwrap();
        assert_eq!(src.dim(), Some(3));
        let src: DataSource = "sine-windows:len=24".parse().unwrap();
        assert_eq!(src.dim(), Some(24));
        let src: DataSource = "moons:0.05".parse().unwrap();
        assert_eq!(src, DataSource::Moons { noise: 0.05 });
        assert_eq!(src.to_string(), "moons:0.05");
        // The usual noise prints as plain `moons`.
        let src: DataSource = "moons:0.1".parse().unwrap();
        assert_eq!(src.to_string(), "moons");
    }

    #[test]
    fn paths_are_recognised_by_extension_and_kept_as_written() {
        let src: DataSource = "Data/Traces.CSV".parse().unwrap();
        assert_eq!(src, DataSource::Csv(PathBuf::from("Data/Traces.CSV")));
        assert!(src.is_file());
        assert_eq!(src.dim(), None);
        let src: DataSource = "/tmp/x.npy".parse().unwrap();
        assert_eq!(src, DataSource::Npy(PathBuf::from("/tmp/x.npy")));
        assert_eq!(src.to_string(), "/tmp/x.npy");
    }

    #[test]
    fn unknown_sources_list_the_valid_ones() {
        for s in ["moon", "", "data.txt", "gaussians8"] {
            let e = s.parse::<DataSource>().unwrap_err();
            assert!(matches!(e, DataError::UnknownSource { .. }), "{e:?}");
            let text = e.to_string();
            assert!(text.contains(&format!("\"{s}\"")), "{text}");
            for name in NAMES {
                assert!(text.contains(name), "{text}");
            }
            assert!(
                text.contains("gmm:SPEC") && text.contains("PATH.csv") && text.contains("PATH.npy")
            );
        }
        // A bad SPEC is a GMM error, not an unknown source.
        assert!(matches!(
            "gmm:8,2".parse::<DataSource>(),
            Err(DataError::GmmSpec { .. })
        ));
        assert!(matches!(
            "sine-windows:len=0".parse::<DataSource>(),
            Err(DataError::SineWindowsSpec { .. })
        ));
        for bad in ["moons:", "moons:-0.1", "moons:1.5", "moons:nan", "moons:x"] {
            let e = bad.parse::<DataSource>().unwrap_err();
            assert!(matches!(e, DataError::MoonsNoise { .. }), "{bad}: {e:?}");
            assert!(e.to_string().contains("[0, 1]"), "{e}");
        }
    }

    #[test]
    fn load_gives_the_requested_size_and_is_deterministic_by_seed() {
        for name in NAMES
            .iter()
            .copied()
            .chain(["gmm:3,1,0.2", "gmm:0,0,0,0/1", "moons:0.05"])
        {
            let src: DataSource = name.parse().unwrap();
            let d = src.load(500, 7).unwrap();
            assert_eq!(d.len(), 500, "{name}");
            assert_eq!(Some(d.dim), src.dim(), "{name}");
            assert_eq!(d, src.load(500, 7).unwrap(), "{name}");
            assert_ne!(d, src.load(500, 8).unwrap(), "{name}");
        }
        let d = DataSource::SineWindows(SineWindows::default())
            .load(10, 1)
            .unwrap();
        assert_eq!(d.dim, 16);
    }

    #[test]
    fn load_checks_count_and_dimension() {
        let e = DataSource::Moons { noise: MOONS_NOISE }
            .load(0, 1)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "moons: asked for 0 samples; at least 1 is needed"
        );
        let e = DataSource::Moons { noise: MOONS_NOISE }
            .load_with_dim(10, 1, Some(3))
            .unwrap_err();
        assert_eq!(e.to_string(), "moons: data has 2 dimensions, expected 3");
        assert!(
            DataSource::Moons { noise: MOONS_NOISE }
                .load_with_dim(10, 1, Some(2))
                .is_ok()
        );
    }

    #[test]
    fn files_load_through_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, "x,y\n1,2\n3,4\n").unwrap();
        let src: DataSource = path.to_str().unwrap().parse().unwrap();
        let d = src.load(1, 0).unwrap();
        assert_eq!((d.dim, d.rows.clone()), (2, vec![1.0, 2.0, 3.0, 4.0]));
        let e = src.load_with_dim(1, 0, Some(3)).unwrap_err();
        assert!(matches!(
            e,
            DataError::WrongDim {
                expected: 3,
                found: 2,
                ..
            }
        ));
        let missing = DataSource::Npy(dir.path().join("missing.npy"));
        let e = missing.load(1, 0).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }));
        assert!(e.to_string().contains("missing.npy: cannot read"), "{e}");
    }
}
