//! An interrupted run resumed from its last checkpoint ends with exactly the
//! weights of an uninterrupted run.

use tinyscore_train::train::{self, RunState, TrainConfig};

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Trains `config` once without a break and once killed after the step-20
/// checkpoint and resumed; returns the uninterrupted end state and the
/// state loaded from the step-20 checkpoint.
fn run_twice(config: TrainConfig) -> (RunState, RunState) {
    let (data, normalization) = train::load_data(&config).unwrap();
    let whole = tempfile::tempdir().unwrap();
    let snapshot = tempfile::tempdir().unwrap();
    let mut uninterrupted = RunState::new(config, normalization, &data).unwrap();
    // Keep a copy of the run directory as it was right after the step-20
    // checkpoint, as if the process had been killed there.
    train::train(&mut uninterrupted, &data, whole.path(), |step, _| {
        if step == 21 {
            copy_dir(whole.path(), snapshot.path());
        }
    })
    .unwrap();

    let mut resumed = train::load(snapshot.path()).unwrap();
    assert_eq!(resumed.step, 20);
    let at_checkpoint = resumed.clone();
    train::train(&mut resumed, &data, snapshot.path(), |_, _| {}).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&resumed.params), bits(&uninterrupted.params));
    assert_eq!(bits(&resumed.ema), bits(&uninterrupted.ema));
    assert_eq!(resumed.losses, uninterrupted.losses);
    assert_eq!(resumed.importance, uninterrupted.importance);
    (uninterrupted, at_checkpoint)
}

fn config() -> TrainConfig {
    TrainConfig {
        data: "rings".into(),
        width: 16,
        depth: 2,
        batch: 32,
        steps: 40,
        warmup: 5,
        checkpoint_every: 20,
        n_data: 1000,
        ..TrainConfig::default()
    }
}

#[test]
fn resume_is_bit_exact() {
    run_twice(config());
}

/// With importance sampling the loss history is part of the checkpoint: 20
/// timesteps fill their histories (10 losses each) within the first 20
/// steps of 32 examples, so the resumed half draws times by importance.
#[test]
fn resume_with_importance_sampling_is_bit_exact() {
    let config = TrainConfig {
        schedule: "linear:20".into(),
        t_sampling: "importance".into(),
        ..config()
    };
    let (_, at_checkpoint) = run_twice(config);
    let history = at_checkpoint.importance.as_ref().unwrap();
    assert!(history.is_warm());
    // The resumed half draws from a non-uniform distribution (uniform: 1/20).
    assert!(
        history
            .probabilities()
            .iter()
            .any(|&p| (p - 0.05).abs() > 0.01)
    );
}
