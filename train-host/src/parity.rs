//! Parity between backends: the same plan and seeds through the runtime
//! with each model file, compared step by step against a reference model.
//!
//! Every model draws sample `i` from stream `(seed, i)`, and every backend
//! calls the generator identically (noise on the same rows, in the same
//! order), so two models' trajectories differ only by their arithmetic.
//! Drift is measured in data units after every plan row: the largest
//! absolute difference and the root mean square over all samples and
//! dimensions.

use crate::eval::{Report, evaluate};
use crate::host_sampling::{SampleError, Samples, sample};
use tinyscore::format::{Backend, FormatError, Model};
use tinyscore::plan::{Plan, PlanHeader};

/// Drift of one model from the reference after one plan row.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Drift {
    /// Plan row (0-based).
    pub row: usize,
    /// Largest |difference|.
    pub max: f64,
    /// Root mean square difference.
    pub rms: f64,
}

/// One model's results.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ModelParity {
    /// Backend name.
    pub backend: &'static str,
    /// Bytes of the weights section.
    pub weight_bytes: usize,
    /// Drift from the reference after every row (empty for the reference).
    pub drift: Vec<Drift>,
    /// Final samples against the reference data set, if one was given.
    pub quality: Option<Report>,
    /// Final samples against the reference model's final samples.
    pub against_reference_model: Option<Report>,
}

/// Why parity could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ParityError {
    /// A model file is invalid.
    #[error("invalid model file: {0}")]
    Format(#[from] FormatError),
    /// Sampling failed.
    #[error(transparent)]
    Sample(#[from] SampleError),
    /// The models are not comparable.
    #[error("model {index} does not match the reference: {why}")]
    Mismatch {
        /// Index of the model among those given.
        index: usize,
        /// What differs.
        why: &'static str,
    },
}

/// Name of a backend, as the command line spells it.
pub fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::F32 => "f32",
        Backend::F16 => "f16",
        Backend::Fixed => "fixed",
    }
}

fn plan_header(model: &Model<'_>) -> Option<PlanHeader> {
    model.plan(0).map(|p| p.header())
}

/// Drift of `other` from `reference` after every row.
fn drift(reference: &Samples, other: &Samples) -> Vec<Drift> {
    reference
        .trajectory
        .iter()
        .zip(&other.trajectory)
        .enumerate()
        .map(|(row, (a, b))| {
            let (mut max, mut sum) = (0f64, 0f64);
            for (x, y) in a.iter().zip(b) {
                let d = f64::from(x - y).abs();
                max = max.max(d);
                sum += d * d;
            }
            Drift {
                row,
                max,
                rms: (sum / a.len().max(1) as f64).sqrt(),
            }
        })
        .collect()
}

/// Runs every model (the first is the reference) with its first embedded
/// plan, `n` samples from `seed`, and compares. `data` is a reference data
/// set of the same dimension (n × dim), if any.
pub fn parity(
    models: &[Vec<u8>],
    n: usize,
    seed: u64,
    data: Option<&[f32]>,
) -> Result<Vec<ModelParity>, ParityError> {
    let parsed: Vec<Model<'_>> = models
        .iter()
        .map(|b| Model::parse(b))
        .collect::<Result<_, _>>()?;
    let Some(first) = parsed.first() else {
        return Ok(Vec::new());
    };
    for (index, m) in parsed.iter().enumerate().skip(1) {
        if m.topology().x_dim() != first.topology().x_dim() {
            return Err(ParityError::Mismatch {
                index,
                why: "data dimension",
            });
        }
        let (a, b) = (plan_header(first), plan_header(m));
        let same = match (a, b) {
            (Some(a), Some(b)) => a.rows == b.rows && a.spec == b.spec,
            _ => false,
        };
        if !same {
            return Err(ParityError::Mismatch {
                index,
                why: "first embedded plan",
            });
        }
    }
    let runs: Vec<Samples> = models
        .iter()
        .map(|b| sample(b, n, seed, None, None, true))
        .collect::<Result<_, _>>()?;
    let dim = first.topology().x_dim() as usize;
    Ok(parsed
        .iter()
        .zip(&runs)
        .enumerate()
        .map(|(i, (m, run))| ModelParity {
            backend: backend_name(m.backend()),
            weight_bytes: m.weight_bytes(),
            drift: if i == 0 {
                Vec::new()
            } else {
                drift(&runs[0], run)
            },
            quality: data.map(|d| evaluate(&run.rows, d, dim, seed)),
            against_reference_model: (i > 0).then(|| evaluate(&run.rows, &runs[0].rows, dim, seed)),
        })
        .collect())
}
