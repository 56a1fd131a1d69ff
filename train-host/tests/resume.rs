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
    let mut uninterrupted = RunState::new(config, normalization, &data.train).unwrap();
    // Keep a copy of the run directory as it was right after the step-20
    // checkpoint, as if the process had been killed there.
    train::train(&mut uninterrupted, &data, whole.path(), |step, _, _| {
        if step == 21 {
            copy_dir(whole.path(), snapshot.path());
        }
    })
    .unwrap();

    let mut resumed = train::load(snapshot.path()).unwrap();
    assert_eq!(resumed.step, 20);
    let at_checkpoint = resumed.clone();
    train::train(&mut resumed, &data, snapshot.path(), |_, _, _| {}).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&resumed.params), bits(&uninterrupted.params));
    assert_eq!(bits(&resumed.ema), bits(&uninterrupted.ema));
    assert_eq!(resumed.losses, uninterrupted.losses);
    assert_eq!(resumed.importance, uninterrupted.importance);
    assert_eq!(resumed.validation, uninterrupted.validation);
    assert_eq!(resumed.best, uninterrupted.best);
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
        // ε on the linear schedule, the prediction with no warm-up; the
        // warm-up's tests below set v.
        prediction: "eps".into(),
        schedule: "linear".into(),
        eps_warmup: 0,
        ..TrainConfig::default()
    }
}

#[test]
fn resume_is_bit_exact() {
    let (end, at_checkpoint) = run_twice(config());
    // The validation loss was measured at every step (40 steps < 50
    // evaluations), and the best EMA weights are those of its minimum.
    assert_eq!(end.validation.len(), 40);
    assert_eq!(at_checkpoint.validation.len(), 20);
    let best = end.best.as_ref().unwrap();
    let lowest = end
        .validation
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!((best.step, best.loss), *lowest);
    assert!(at_checkpoint.best.is_some());
}

/// A data file gives up a tenth of its rows to validation; the resumed run
/// measures on the same held-out rows.
#[test]
fn resume_with_a_held_out_file_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.csv");
    let mut text = String::from("a,b\n");
    for i in 0..300 {
        let t = f64::from(i) * 0.1;
        text += &format!("{},{}\n", t.sin(), (2.0 * t).cos());
    }
    std::fs::write(&path, text).unwrap();
    let config = TrainConfig {
        data: path.to_str().unwrap().into(),
        ..config()
    };
    let (data, _) = train::load_data(&config).unwrap();
    assert_eq!(data.train.data.len(), 270);
    assert_eq!(data.validation.as_ref().unwrap().data.len(), 30);
    let (end, _) = run_twice(config);
    assert!(end.best.is_some());
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

/// A v-prediction run whose ε warm-up ends between the checkpoints (step
/// 30) and one whose warm-up ends before the checkpoint it resumes from
/// (step 10) resume exactly: the EMA restarts at the end of the warm-up, on
/// either side of the break. No best weights are taken from the warm-up.
#[test]
fn resume_across_the_eps_warmup_is_bit_exact() {
    for eps_warmup in [10, 30] {
        let config = TrainConfig {
            prediction: "v".into(),
            eps_warmup,
            ..config()
        };
        let (end, _) = run_twice(config);
        assert!(end.best.as_ref().unwrap().step > eps_warmup);
    }
}

/// The warm-up trains on the ε target: the training losses of its 20
/// steps (logged as means of 10) are ε-prediction's to the bit, and those
/// after it are the v target's.
#[test]
fn the_eps_warmup_trains_on_the_eps_target() {
    let losses = |prediction: &str, eps_warmup: u64| {
        let config = TrainConfig {
            prediction: prediction.into(),
            eps_warmup,
            val: 0.0,
            ..config()
        };
        let (data, normalization) = train::load_data(&config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut state = RunState::new(config, normalization, &data.train).unwrap();
        train::train(&mut state, &data, dir.path(), |_, _, _| {}).unwrap();
        state.losses
    };
    let (warm, eps) = (losses("v", 20), losses("eps", 0));
    assert_eq!(warm.len(), 4);
    assert_eq!(warm[..2], eps[..2]);
    assert!(warm[2..].iter().zip(&eps[2..]).all(|(w, e)| w.1 != e.1));
}

#[test]
fn an_eps_warmup_needs_another_target_and_room_to_train_it() {
    let with = |prediction: &str, eps_warmup: u64| {
        TrainConfig {
            prediction: prediction.into(),
            eps_warmup,
            ..config()
        }
        .validate()
        .err()
        .map(|e| e.to_string())
    };
    assert_eq!(with("v", 39), None);
    assert!(with("v", 40).unwrap().contains("below steps"));
    assert!(with("eps", 5).unwrap().contains("--prediction v or x0"));
}
