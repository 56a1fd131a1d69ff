//! Checkpoints: a run directory holding `config.json` and
//! `weights.safetensors`, saved atomically and validated on load.
//!
//! Why: long training runs must survive interruption and be resumable, and
//! their results must be inspectable without this program. So a checkpoint
//! is two standard files: the caller's JSON configuration (training
//! settings, data normalisation, step count, loss history — anything), and
//! the tensors (weights, EMA weights, optimiser moments) as named `f32`
//! tensors in the [safetensors](https://huggingface.co/docs/safetensors)
//! format, readable from Python with `safetensors.numpy.load_file`.
//!
//! # Crash safety
//!
//! [`save`] encodes and checks both files completely in memory first, so a
//! bad checkpoint (NaN weights, shape mismatch) fails before anything on
//! disk changes. It then replaces `weights.safetensors` and, after that,
//! `config.json`, each with [`write_atomic`]: written to a temporary file in
//! the same directory, `fsync`ed, renamed over the old file (atomic), and
//! the directory `fsync`ed (so the first rename is durable before the
//! second starts). Hence, whenever the process dies or the power fails:
//!
//! * each file is either entirely its old version or entirely its new
//!   version — never truncated — and a leftover `.*.tmp` file is the only
//!   possible debris;
//! * a `config.json` is never visible without a complete
//!   `weights.safetensors` next to it: on the first save the weights exist
//!   before the configuration does, and later saves only ever replace the
//!   weights file, never remove it. Since `load` reads `config.json` first
//!   and reports a missing file, a directory whose first save was
//!   interrupted is reported as "not saved yet", not half-loaded;
//! * if the crash falls between the two renames (a window of one directory
//!   `fsync`), the directory holds the *new* weights with the *previous*
//!   configuration. Both are complete and valid; the configuration is one
//!   save behind (e.g. its step count and loss history). Keep anything the
//!   weights must agree with exactly inside the weights file, as tensors.
//!
//! A failed save (I/O error) leaves the previous checkpoint unchanged if it
//! fails on the weights file, and in the state of the last bullet if it
//! fails on the configuration; either way no temporary file remains.
//! Concurrent saves into one directory are not supported; a [`load`]
//! running while a save replaces the files can likewise see the new
//! weights with the previous configuration.
//!
//! # Validation on load
//!
//! [`load`] rejects a missing file, invalid JSON, a malformed safetensors
//! file, a tensor whose shape does not match its data, a tensor that is not
//! `F32`, and a tensor containing NaN or infinity (resuming from such
//! weights is never wanted; [`save`] refuses to write them for the same
//! reason) — each error naming the file and, where relevant, the tensor.
//!
//! Tensor order is preserved: `save` records it in the safetensors header's
//! `__metadata__` (key `tinyscore.tensor_order`); files without that entry,
//! e.g. written by other tools, load in file order.

mod error;
mod tensor;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;

use safetensors::{Dtype, SafeTensorError, SafeTensors};
use serde_json::Value;

use crate::atomic::write_atomic;
pub use error::CheckpointError;
use tensor::F32View;
pub use tensor::Tensor;

/// Name of the configuration file in a checkpoint directory.
pub const CONFIG_FILE: &str = "config.json";
/// Name of the weights file in a checkpoint directory.
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// Key in the safetensors `__metadata__` under which the tensor order is
/// recorded (a JSON array of names).
pub const ORDER_KEY: &str = "tinyscore.tensor_order";
/// The tensor name the safetensors header reserves for its metadata.
const RESERVED_NAME: &str = "__metadata__";

/// The contents of a checkpoint directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The caller's configuration, stored as `config.json` (pretty-printed).
    pub config: Value,
    /// The tensors, stored in `weights.safetensors`; names are unique.
    pub tensors: Vec<Tensor>,
}

impl Checkpoint {
    /// The tensor called `name`, if there is one.
    pub fn tensor(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

/// Saves `ckpt` into the directory `dir` (created if needed), replacing any
/// checkpoint there; see the [module documentation](self) for the crash
/// safety argument.
///
/// # Errors
///
/// Before anything is written: [`CheckpointError::ShapeMismatch`],
/// [`CheckpointError::NonFinite`], [`CheckpointError::DuplicateName`] or
/// [`CheckpointError::ReservedName`] for a bad tensor. Then
/// [`CheckpointError::Io`] if the directory cannot be created or a file
/// cannot be written.
pub fn save(dir: &Path, ckpt: &Checkpoint) -> Result<(), CheckpointError> {
    save_with(dir, ckpt, &mut |path: &Path, bytes: &[u8]| {
        write_atomic(path, bytes)
    })
}

/// [`save`] with the file writer as a parameter, so tests can inject I/O
/// failures.
fn save_with(
    dir: &Path,
    ckpt: &Checkpoint,
    write: &mut dyn FnMut(&Path, &[u8]) -> io::Result<()>,
) -> Result<(), CheckpointError> {
    let weights_path = dir.join(WEIGHTS_FILE);
    let config_path = dir.join(CONFIG_FILE);

    let weights = encode_weights(&weights_path, &ckpt.tensors)?;
    let mut config =
        serde_json::to_vec_pretty(&ckpt.config).map_err(|source| CheckpointError::Json {
            path: config_path.clone(),
            source,
        })?;
    config.push(b'\n');

    fs::create_dir_all(dir).map_err(|source| CheckpointError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // Weights first: see "Crash safety" in the module documentation.
    write(&weights_path, &weights).map_err(|source| CheckpointError::Io {
        path: weights_path,
        source,
    })?;
    write(&config_path, &config).map_err(|source| CheckpointError::Io {
        path: config_path,
        source,
    })
}

/// Checks the tensors and serialises them to safetensors bytes.
fn encode_weights(path: &Path, tensors: &[Tensor]) -> Result<Vec<u8>, CheckpointError> {
    let mut seen = HashSet::new();
    for t in tensors {
        if t.name == RESERVED_NAME {
            return Err(CheckpointError::ReservedName {
                path: path.to_path_buf(),
                name: t.name.clone(),
            });
        }
        if !seen.insert(t.name.as_str()) {
            return Err(CheckpointError::DuplicateName {
                path: path.to_path_buf(),
                name: t.name.clone(),
            });
        }
        if t.shape_len() != Some(t.data.len()) {
            return Err(CheckpointError::ShapeMismatch {
                path: path.to_path_buf(),
                name: t.name.clone(),
                shape: t.shape.clone(),
                len: t.data.len(),
            });
        }
        check_finite(path, &t.name, &t.data)?;
    }

    let order: Vec<&str> = tensors.iter().map(|t| t.name.as_str()).collect();
    let order = serde_json::to_string(&order).map_err(|source| CheckpointError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    let metadata = HashMap::from([(ORDER_KEY.to_string(), order)]);
    let views = tensors.iter().map(|t| (t.name.as_str(), F32View(t)));
    safetensors::serialize(views, Some(metadata)).map_err(|source| CheckpointError::Safetensors {
        path: path.to_path_buf(),
        source,
    })
}

/// Loads the checkpoint in directory `dir`, validating it (see the [module
/// documentation](self)). Tensors come back in the order they were saved.
///
/// # Errors
///
/// [`CheckpointError::Missing`] if `config.json` or `weights.safetensors`
/// does not exist, [`CheckpointError::Io`] if one cannot be read,
/// [`CheckpointError::Json`] for invalid JSON,
/// [`CheckpointError::Safetensors`] for a malformed weights file,
/// [`CheckpointError::ShapeMismatch`], [`CheckpointError::Dtype`] or
/// [`CheckpointError::NonFinite`] for a bad tensor.
pub fn load(dir: &Path) -> Result<Checkpoint, CheckpointError> {
    let config_path = dir.join(CONFIG_FILE);
    let weights_path = dir.join(WEIGHTS_FILE);

    let config_bytes = read(&config_path)?;
    let config = serde_json::from_slice(&config_bytes).map_err(|source| CheckpointError::Json {
        path: config_path,
        source,
    })?;
    let weights_bytes = read(&weights_path)?;
    let tensors = decode_weights(&weights_path, &weights_bytes)?;
    Ok(Checkpoint { config, tensors })
}

/// Reads a whole file, telling a missing file from other I/O errors.
fn read(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    fs::read(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => CheckpointError::Missing {
            path: path.to_path_buf(),
        },
        _ => CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Parses and validates safetensors bytes into tensors, in saved order.
fn decode_weights(path: &Path, bytes: &[u8]) -> Result<Vec<Tensor>, CheckpointError> {
    let malformed = |source| match source {
        SafeTensorError::TensorInvalidInfo => {
            shape_mismatch(path, bytes).unwrap_or(CheckpointError::Safetensors {
                path: path.to_path_buf(),
                source,
            })
        }
        source => CheckpointError::Safetensors {
            path: path.to_path_buf(),
            source,
        },
    };
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(malformed)?;
    let file = SafeTensors::deserialize(bytes).map_err(malformed)?;

    let file_order = metadata.offset_keys();
    let order = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(ORDER_KEY))
        .and_then(|json| serde_json::from_str::<Vec<String>>(json).ok())
        .filter(|saved| is_permutation(saved, &file_order))
        .unwrap_or(file_order);

    let mut tensors = Vec::with_capacity(order.len());
    for name in order {
        let view = file.tensor(&name).map_err(malformed)?;
        if view.dtype() != Dtype::F32 {
            return Err(CheckpointError::Dtype {
                path: path.to_path_buf(),
                name,
                dtype: view.dtype().to_string(),
            });
        }
        let data: Vec<f32> = view
            .data()
            .chunks_exact(size_of::<f32>())
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        check_finite(path, &name, &data)?;
        tensors.push(Tensor {
            name,
            shape: view.shape().to_vec(),
            data,
        });
    }
    Ok(tensors)
}

/// Whether `a` and `b` hold the same names, each once.
fn is_permutation(a: &[String], b: &[String]) -> bool {
    let set: HashSet<&String> = a.iter().collect();
    a.len() == b.len() && set.len() == a.len() && b.iter().all(|name| set.contains(name))
}

/// Rejects NaN and infinities, naming the tensor and the first bad index.
fn check_finite(path: &Path, name: &str, data: &[f32]) -> Result<(), CheckpointError> {
    match data.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(CheckpointError::NonFinite {
            path: path.to_path_buf(),
            name: name.to_string(),
            index,
            value: data[index],
        }),
        None => Ok(()),
    }
}

/// When `safetensors` reports a tensor whose byte range does not match its
/// shape and dtype (without saying which), finds the first `F32` tensor with
/// that problem in the header, to name it. `None` if the header cannot be
/// read this way or no such tensor is found.
fn shape_mismatch(path: &Path, bytes: &[u8]) -> Option<CheckpointError> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let header = bytes.get(8..8usize.checked_add(usize::try_from(n).ok()?)?)?;
    let header: serde_json::Map<String, Value> = serde_json::from_slice(header).ok()?;
    header
        .iter()
        .filter(|(name, _)| *name != RESERVED_NAME)
        .find_map(|(name, info)| {
            if info.get("dtype")?.as_str()? != "F32" {
                return None;
            }
            let shape: Vec<usize> = serde_json::from_value(info.get("shape")?.clone()).ok()?;
            let (start, end): (usize, usize) =
                serde_json::from_value(info.get("data_offsets")?.clone()).ok()?;
            let stored = end.checked_sub(start)?;
            let expected = shape.iter().try_fold(4usize, |acc, &d| acc.checked_mul(d));
            (expected != Some(stored) && stored % 4 == 0).then(|| CheckpointError::ShapeMismatch {
                path: path.to_path_buf(),
                name: name.clone(),
                shape,
                len: stored / 4,
            })
        })
}

#[cfg(test)]
mod tests;
