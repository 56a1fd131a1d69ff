//! Tests of checkpoint saving and loading.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use super::*;
use crate::atomic::write_atomic_with;

fn sample() -> Checkpoint {
    let matrix: Vec<f32> = (0..12).map(|i| i as f32 * 0.1 - 0.55).collect();
    Checkpoint {
        config: json!({
            "config": { "lr": 3e-4, "schedule": "vp", "width": 64, "ema_decay": 0.9999 },
            "step": 12_345u64,
            "big": u64::MAX,
            "normalization": { "mean": [0.1, -2.5e-7], "scale": [1.0, 1e300] },
            "losses": [[10, 0.5], [20, 0.123_456_789_012_345_68]],
            "note": "ünïcødé ✓",
            "nothing": null,
        }),
        tensors: vec![
            // Deliberately not in alphabetical order.
            Tensor::new("w1", vec![3, 4], matrix),
            Tensor::vector(
                "params",
                vec![
                    0.0,
                    -0.0,
                    f32::MIN_POSITIVE,
                    1e-45, // subnormal
                    f32::MAX,
                    f32::MIN,
                    std::f32::consts::PI,
                    -1.5,
                ],
            ),
            Tensor::new("adam.step_scalar", vec![], vec![42.0]),
            Tensor::new("empty", vec![0, 5], vec![]),
            Tensor::vector("ema", vec![1.0, 2.0, 3.0]),
        ],
    }
}

fn assert_bit_exact(a: &Checkpoint, b: &Checkpoint) {
    assert_eq!(a.config, b.config);
    assert_eq!(a.tensors.len(), b.tensors.len());
    for (x, y) in a.tensors.iter().zip(&b.tensors) {
        assert_eq!(x.name, y.name);
        assert_eq!(x.shape, y.shape, "{}", x.name);
        let bits = |t: &Tensor| t.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(x), bits(y), "{}", x.name);
    }
}

/// A directory with a saved `sample()` checkpoint.
fn saved() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    save(&dir, &sample()).unwrap();
    (tmp, dir)
}

/// Writes raw safetensors bytes as the weights file of a saved checkpoint.
fn replace_weights(dir: &Path, bytes: &[u8]) {
    fs::write(dir.join(WEIGHTS_FILE), bytes).unwrap();
}

/// Safetensors bytes for one tensor given by hand.
fn raw_tensor(name: &str, dtype: Dtype, shape: Vec<usize>, data: &[u8]) -> Vec<u8> {
    let view = safetensors::tensor::TensorView::new(dtype, shape, data).unwrap();
    safetensors::serialize([(name, view)], None).unwrap()
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn round_trip_is_bit_exact_and_keeps_order() {
    let (_tmp, dir) = saved();
    assert_eq!(
        crate::atomic::dir_entries(&dir),
        [CONFIG_FILE, WEIGHTS_FILE]
    );
    let loaded = load(&dir).unwrap();
    assert_bit_exact(&loaded, &sample());
    assert_eq!(loaded, sample());
    assert_eq!(loaded.tensor("ema").unwrap().data, [1.0, 2.0, 3.0]);
    assert_eq!(
        loaded.tensor("adam.step_scalar").unwrap().shape,
        Vec::<usize>::new()
    );
    assert!(loaded.tensor("nope").is_none());
}

#[test]
fn round_trip_of_many_floats_in_config() {
    // Loss histories are long lists of floats; every one must come back
    // exactly (serde_json prints the shortest round-tripping form).
    let tmp = tempfile::tempdir().unwrap();
    let mut x = 0.123_456_789_f64;
    let values: Vec<f64> = (0..2000)
        .map(|i| {
            x = (x * 3.987_654_321 + 0.1).fract();
            x * 10f64.powi(i % 40 - 20)
        })
        .collect();
    let losses: Vec<f32> = values.iter().map(|&v| v as f32).collect();
    let ckpt = Checkpoint {
        config: json!({ "f64": values, "f32": losses }),
        tensors: vec![],
    };
    save(tmp.path(), &ckpt).unwrap();
    let loaded = load(tmp.path()).unwrap();
    let back_f64: Vec<f64> = serde_json::from_value(loaded.config["f64"].clone()).unwrap();
    for (i, (a, b)) in back_f64.iter().zip(&values).enumerate() {
        assert_eq!(
            a.to_bits(),
            b.to_bits(),
            "f64 #{i}: came back as {a}, saved {b}"
        );
    }
    assert_eq!(loaded.config, ckpt.config);
    let back: Vec<f32> = serde_json::from_value(loaded.config["f32"].clone()).unwrap();
    assert_eq!(back, losses);
}

#[test]
fn weights_are_readable_as_plain_safetensors() {
    let (_tmp, dir) = saved();
    let bytes = fs::read(dir.join(WEIGHTS_FILE)).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let w1 = file.tensor("w1").unwrap();
    assert_eq!(w1.dtype(), Dtype::F32);
    assert_eq!(w1.shape(), [3, 4]);
    assert_eq!(&w1.data()[..4], (-0.55f32).to_le_bytes());
    let text = fs::read_to_string(dir.join(CONFIG_FILE)).unwrap();
    assert!(text.ends_with("}\n") && text.contains("\n  \"step\": 12345"));
}

#[test]
fn saving_again_replaces_everything() {
    let (_tmp, dir) = saved();
    let second = Checkpoint {
        config: json!({"step": 2}),
        tensors: vec![Tensor::vector("params", vec![9.0])],
    };
    save(&dir, &second).unwrap();
    assert_eq!(load(&dir).unwrap(), second);
    assert_eq!(
        crate::atomic::dir_entries(&dir),
        [CONFIG_FILE, WEIGHTS_FILE]
    );
}

#[test]
fn files_without_order_metadata_load_in_file_order() {
    let (_tmp, dir) = saved();
    let a = f32_bytes(&[1.0]);
    let b = f32_bytes(&[2.0, 3.0]);
    let views = [
        (
            "b",
            safetensors::tensor::TensorView::new(Dtype::F32, vec![2], &b).unwrap(),
        ),
        (
            "a",
            safetensors::tensor::TensorView::new(Dtype::F32, vec![1], &a).unwrap(),
        ),
    ];
    replace_weights(&dir, &safetensors::serialize(views, None).unwrap());
    let names: Vec<String> = load(&dir)
        .unwrap()
        .tensors
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
}

// ----- atomicity -----

#[test]
fn rejected_save_leaves_previous_checkpoint_intact() {
    let (_tmp, dir) = saved();
    let before = (
        fs::read(dir.join(CONFIG_FILE)).unwrap(),
        fs::read(dir.join(WEIGHTS_FILE)).unwrap(),
    );
    let mut bad = sample();
    bad.tensors[1].data[3] = f32::NAN;
    bad.config = json!({"step": 99});
    assert!(matches!(
        save(&dir, &bad),
        Err(CheckpointError::NonFinite { .. })
    ));
    let after = (
        fs::read(dir.join(CONFIG_FILE)).unwrap(),
        fs::read(dir.join(WEIGHTS_FILE)).unwrap(),
    );
    assert_eq!(before, after);
    assert_eq!(
        crate::atomic::dir_entries(&dir),
        [CONFIG_FILE, WEIGHTS_FILE]
    );
    assert_bit_exact(&load(&dir).unwrap(), &sample());
}

#[test]
fn failed_weights_write_leaves_previous_checkpoint_intact_and_no_temp_file() {
    let (_tmp, dir) = saved();
    let next = Checkpoint {
        config: json!({"step": 2}),
        tensors: vec![Tensor::vector("params", vec![9.0; 1000])],
    };
    let mut config_written = false;
    let err = save_with(&dir, &next, &mut |path: &Path, bytes: &[u8]| {
        if path.ends_with(WEIGHTS_FILE) {
            // The real atomic writer, failing half-way through the data.
            write_atomic_with(path, |file| {
                file.write_all(&bytes[..bytes.len() / 2])?;
                Err(io::Error::other("disk full (injected)"))
            })
        } else {
            config_written = true;
            write_atomic(path, bytes)
        }
    })
    .unwrap_err();
    assert!(
        !config_written,
        "config must not be written after a failed weights write"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(WEIGHTS_FILE) && msg.contains("disk full (injected)"),
        "{msg}"
    );
    assert!(matches!(err, CheckpointError::Io { .. }));
    assert_eq!(
        crate::atomic::dir_entries(&dir),
        [CONFIG_FILE, WEIGHTS_FILE]
    );
    assert_bit_exact(&load(&dir).unwrap(), &sample());
}

#[test]
fn failed_config_write_leaves_complete_new_weights_and_previous_config() {
    // The documented window: new weights, configuration one save behind,
    // both complete and loadable, no temporary file.
    let (_tmp, dir) = saved();
    let next = Checkpoint {
        config: json!({"step": 2}),
        tensors: vec![Tensor::vector("params", vec![9.0])],
    };
    let err = save_with(&dir, &next, &mut |path: &Path, bytes: &[u8]| {
        if path.ends_with(CONFIG_FILE) {
            write_atomic_with(path, |file| {
                file.write_all(&bytes[..1])?;
                Err(io::Error::other("injected"))
            })
        } else {
            write_atomic(path, bytes)
        }
    })
    .unwrap_err();
    assert!(err.to_string().contains(CONFIG_FILE));
    assert_eq!(
        crate::atomic::dir_entries(&dir),
        [CONFIG_FILE, WEIGHTS_FILE]
    );
    let loaded = load(&dir).unwrap();
    assert_eq!(loaded.config, sample().config);
    assert_eq!(loaded.tensors, next.tensors);
}

#[test]
fn first_save_interrupted_after_weights_reads_as_missing_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let _ = save_with(dir, &sample(), &mut |path: &Path, bytes: &[u8]| {
        if path.ends_with(CONFIG_FILE) {
            Err(io::Error::other("killed"))
        } else {
            write_atomic(path, bytes)
        }
    });
    assert_eq!(crate::atomic::dir_entries(dir), [WEIGHTS_FILE]);
    let err = load(dir).unwrap_err();
    assert!(matches!(&err, CheckpointError::Missing { path } if path.ends_with(CONFIG_FILE)));
}

#[test]
fn save_creates_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/c");
    save(&dir, &sample()).unwrap();
    assert_eq!(load(&dir).unwrap(), sample());
}

#[test]
fn save_into_a_file_path_is_an_io_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain");
    fs::write(&file, b"x").unwrap();
    let err = save(&file, &sample()).unwrap_err();
    assert!(matches!(err, CheckpointError::Io { .. }));
    assert!(err.to_string().contains("plain"));
}

// ----- save-side errors -----

fn save_error(tensors: Vec<Tensor>) -> CheckpointError {
    let tmp = tempfile::tempdir().unwrap();
    let err = save(
        tmp.path(),
        &Checkpoint {
            config: json!({}),
            tensors,
        },
    )
    .unwrap_err();
    assert!(
        crate::atomic::dir_entries(tmp.path()).is_empty(),
        "nothing written on a rejected save"
    );
    err
}

#[test]
fn save_rejects_shape_mismatch() {
    let err = save_error(vec![Tensor::new("w", vec![2, 3], vec![0.0; 5])]);
    assert!(matches!(&err, CheckpointError::ShapeMismatch { name, len: 5, .. } if name == "w"));
    assert!(
        err.to_string()
            .ends_with("weights.safetensors: tensor `w` has shape [2, 3] but holds 5 values")
    );
    let err = save_error(vec![Tensor::new("huge", vec![usize::MAX, 2], vec![])]);
    assert!(matches!(err, CheckpointError::ShapeMismatch { .. }));
    let err = save_error(vec![Tensor::new("scalar", vec![], vec![])]);
    assert!(matches!(err, CheckpointError::ShapeMismatch { .. }));
}

#[test]
fn save_rejects_non_finite_values() {
    let err = save_error(vec![
        Tensor::vector("ok", vec![1.0]),
        Tensor::vector("params", vec![0.0, 1.0, f32::INFINITY]),
    ]);
    assert!(matches!(&err, CheckpointError::NonFinite { name, index: 2, .. } if name == "params"));
    assert!(
        err.to_string()
            .contains("tensor `params` holds the non-finite value inf at index 2")
    );
}

#[test]
fn save_rejects_duplicate_and_reserved_names() {
    let err = save_error(vec![
        Tensor::vector("p", vec![1.0]),
        Tensor::vector("p", vec![2.0]),
    ]);
    assert!(matches!(&err, CheckpointError::DuplicateName { name, .. } if name == "p"));
    assert!(err.to_string().contains("two tensors are named `p`"));
    let err = save_error(vec![Tensor::vector("__metadata__", vec![1.0])]);
    assert!(matches!(err, CheckpointError::ReservedName { .. }));
}

// ----- load-side errors -----

#[test]
fn load_reports_missing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let err = load(&tmp.path().join("nonexistent")).unwrap_err();
    assert!(matches!(&err, CheckpointError::Missing { path } if path.ends_with(CONFIG_FILE)));
    assert!(err.to_string().contains("config.json: file is missing"));

    let (_tmp, dir) = saved();
    fs::remove_file(dir.join(WEIGHTS_FILE)).unwrap();
    let err = load(&dir).unwrap_err();
    assert!(matches!(&err, CheckpointError::Missing { path } if path.ends_with(WEIGHTS_FILE)));
}

#[test]
fn load_reports_unreadable_file() {
    let (_tmp, dir) = saved();
    fs::remove_file(dir.join(CONFIG_FILE)).unwrap();
    fs::create_dir(dir.join(CONFIG_FILE)).unwrap();
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, CheckpointError::Io { .. }));
    assert!(err.to_string().contains(CONFIG_FILE));
}

#[test]
fn load_reports_bad_json() {
    let (_tmp, dir) = saved();
    fs::write(dir.join(CONFIG_FILE), b"{\"step\": 12,\n  oops }").unwrap();
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, CheckpointError::Json { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("config.json: not valid JSON") && msg.contains("line 2"),
        "{msg}"
    );
}

#[test]
fn load_reports_malformed_safetensors() {
    let (_tmp, dir) = saved();
    let bytes = fs::read(dir.join(WEIGHTS_FILE)).unwrap();
    for bad in [
        &bytes[..bytes.len() - 1],
        &bytes[..5],
        b"not a safetensors file at all",
    ] {
        replace_weights(&dir, bad);
        let err = load(&dir).unwrap_err();
        assert!(matches!(err, CheckpointError::Safetensors { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("weights.safetensors: not a valid safetensors file")
        );
    }
}

#[test]
fn load_reports_shape_mismatch_naming_the_tensor() {
    let (_tmp, dir) = saved();
    // Shape [3] claims 12 bytes; the offsets give 8.
    let header = br#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&f32_bytes(&[1.0, 2.0]));
    replace_weights(&dir, &bytes);
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, CheckpointError::ShapeMismatch { name, shape, len: 2, .. } if name == "w" && shape == &[3]),
        "{err}"
    );
}

#[test]
fn load_rejects_non_f32() {
    let (_tmp, dir) = saved();
    let data: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    replace_weights(&dir, &raw_tensor("params", Dtype::F64, vec![2], &data));
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(&err, CheckpointError::Dtype { name, dtype, .. } if name == "params" && dtype == "F64")
    );
    assert!(
        err.to_string()
            .ends_with("weights.safetensors: tensor `params` has dtype F64, expected F32")
    );
}

#[test]
fn load_rejects_non_finite_values() {
    let (_tmp, dir) = saved();
    replace_weights(
        &dir,
        &raw_tensor(
            "ema",
            Dtype::F32,
            vec![2, 2],
            &f32_bytes(&[0.0, 1.0, 2.0, f32::NAN]),
        ),
    );
    let err = load(&dir).unwrap_err();
    assert!(matches!(&err, CheckpointError::NonFinite { name, index: 3, .. } if name == "ema"));
    assert!(
        err.to_string()
            .contains("tensor `ema` holds the non-finite value NaN at index 3")
    );
}

#[test]
fn load_ignores_malformed_order_metadata() {
    let (_tmp, dir) = saved();
    let one = f32_bytes(&[1.0]);
    let view = safetensors::tensor::TensorView::new(Dtype::F32, vec![1], &one).unwrap();
    for order in ["not json", r#"["a", "zzz"]"#, r#"["a", "a"]"#] {
        let metadata = HashMap::from([(ORDER_KEY.to_string(), order.to_string())]);
        let bytes = safetensors::serialize([("a", view.clone())], Some(metadata)).unwrap();
        replace_weights(&dir, &bytes);
        let loaded = load(&dir).unwrap();
        assert_eq!(loaded.tensors, [Tensor::vector("a", vec![1.0])]);
    }
}
