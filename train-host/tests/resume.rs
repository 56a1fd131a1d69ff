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

#[test]
fn resume_is_bit_exact() {
    let config = TrainConfig {
        data: "rings".into(),
        width: 16,
        depth: 2,
        batch: 32,
        steps: 40,
        warmup: 5,
        checkpoint_every: 20,
        n_data: 1000,
        ..TrainConfig::default()
    };
    let (data, normalization) = train::load_data(&config).unwrap();
    let whole = tempfile::tempdir().unwrap();
    let snapshot = tempfile::tempdir().unwrap();
    let mut uninterrupted = RunState::new(config, normalization).unwrap();
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
    train::train(&mut resumed, &data, snapshot.path(), |_, _| {}).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&resumed.params), bits(&uninterrupted.params));
    assert_eq!(bits(&resumed.ema), bits(&uninterrupted.ema));
    assert_eq!(resumed.losses, uninterrupted.losses);
}
