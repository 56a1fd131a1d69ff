#!/usr/bin/env python3
"""Anomaly scores against the simple baseline: the AUROC of a model's stored
detector (`tinyscore export --anomaly-normal`, then `tinyscore score`) on a
real labelled sensor series, next to the AUROC of the plain Euclidean
distance from each window to its nearest training window. Not part of the
tests.

    bash bench/quality.sh --install     # first time: bench/.venv
    bash bench/anomaly.sh [WORK_DIR]    # default target/anomaly

Real data (loaded here, never by tinyscore at run time), from aeon's
bundled anomaly-detection sets (its other one, Daphnet S06R02E0, carries
no labelled anomaly):
  internal-bleeding  KDD-TSAD 135 (UCR anomaly archive, InternalBleeding16):
                a univariate physiological series; its training part
                (1 200 steps) is normal, its test part (7 501 steps) holds
                one labelled anomaly of 12 steps.

Windows of 64 steps (stride 2 in training, 1 in test), normalised with the training part's per-channel mean and standard
deviation. A test window is anomalous if any of its steps is labelled so.
The model is trained with default flags but the data, 20 % of the training
windows held out to calibrate the detector; it is exported in f32 and
fixed point with the detector, and each test window scored by
`tinyscore score` with the stored detector. `unweighted levels` is the
score of format 1.4's detector: the mean squared error over the same
levels and draws, without the levels' weights (`tinyscore score` of a
model without a detector). `--export "--levels … --repeats N"` passes
detector flags to `export` (and the same levels to the unweighted score).
"""

import argparse
import pathlib
import shutil
import subprocess
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "tinyscore"
def aeon_data_dir():
    import aeon.datasets

    return pathlib.Path(aeon.datasets.__file__).parent / "data"


def internal_bleeding():
    """(train steps × 1, test steps × 1, test labels)"""
    d = aeon_data_dir() / "KDD-TSAD_135"
    train = np.genfromtxt(next(d.glob("*_TRAIN.csv")), delimiter=",", names=True)
    test = np.genfromtxt(next(d.glob("*_TEST.csv")), delimiter=",", names=True)
    return train["value"][:, None], test["value"][:, None], test["is_anomaly"].astype(bool)


SETS = {
    "internal-bleeding": (internal_bleeding, 64),
}


def windows(x, length, stride):
    starts = range(0, len(x) - length + 1, stride)
    # Channel-major rows: every step of channel 0, then channel 1, ...
    return np.stack([x[s : s + length].T.reshape(-1) for s in starts]), list(starts)


def write_csv(path, rows):
    header = ",".join(f"v{i}" for i in range(rows.shape[1]))
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt="%.6g")


def run(*args):
    done = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tinyscore {' '.join(map(str, args))}: {done.stderr}")


def scores_of(model, rows_csv, work, flags=()):
    out = work / "scores.csv"
    run("score", model, "--input", rows_csv, "-o", out, *flags)
    table = np.genfromtxt(out, delimiter=",", names=True)
    return table["score"]


def nearest_distance(train, test):
    """Euclidean distance from each test row to its nearest training row."""
    t2 = (train**2).sum(1)
    out = np.empty(len(test))
    for i in range(0, len(test), 256):
        q = test[i : i + 256]
        d2 = (q**2).sum(1)[:, None] + t2[None, :] - 2 * q @ train.T
        out[i : i + 256] = np.sqrt(np.maximum(d2.min(1), 0))
    return out


def bench(name, work, train_flags, export_flags):
    load, length = SETS[name]
    train_x, test_x, test_y = load()
    mean, std = train_x.mean(0), train_x.std(0) + 1e-8
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    train_w, _ = windows(train_x, length, 2)
    test_w, starts = windows(test_x, length, 1)
    labels = np.array([test_y[s : s + length].any() for s in starts])
    rng = np.random.default_rng(0)
    order = rng.permutation(len(train_w))
    held = len(train_w) // 5
    normal, fit = train_w[order[:held]], train_w[order[held:]]
    work.mkdir(parents=True, exist_ok=True)
    fit_csv, normal_csv, test_csv = work / "train.csv", work / "normal.csv", work / "test.csv"
    write_csv(fit_csv, fit)
    write_csv(normal_csv, normal)
    write_csv(test_csv, test_w)
    run_dir = work / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run("train", "--data", fit_csv, "--out", run_dir, *train_flags)
    row = {
        "set": name,
        "windows": f"{len(fit)} train / {len(normal)} normal / {len(test_w)} test ({labels.sum()} anomalous)",
        "nearest": roc_auc_score(labels, nearest_distance(fit, test_w)),
    }
    # The score before level weights: the mean over the same levels and
    # draws, unweighted (`score` of a model without a stored detector).
    plain = work / "plain.tsm"
    run("export", run_dir, "--out", plain, "--backend", "f32")
    row["unweighted"] = roc_auc_score(labels, scores_of(plain, test_csv, work, export_flags))
    for backend in ["f32", "fixed"]:
        model = work / f"{backend}.tsm"
        run("export", run_dir, "--out", model, "--backend", backend, "--anomaly-normal", normal_csv, *export_flags)
        row[backend] = roc_auc_score(labels, scores_of(model, test_csv, work))
    return row


def main():
    p = argparse.ArgumentParser()
    p.add_argument("work", nargs="?", default=ROOT / "target" / "anomaly", type=pathlib.Path)
    p.add_argument("--sets", nargs="*", default=list(SETS))
    p.add_argument("--train", default="", help="extra train flags, in one string")
    p.add_argument("--export", default="", help="extra export flags, in one string")
    a = p.parse_args()
    print("| data | windows | nearest training window | unweighted levels, f32 | stored detector, f32 | fixed point |")
    print("|---|---|---|---|---|---|")
    for name in a.sets:
        r = bench(name, a.work / name, a.train.split(), a.export.split())
        print(
            f"| {r['set']} | {r['windows']} | {r['nearest']:.3f} | {r['unweighted']:.3f} "
            f"| {r['f32']:.3f} | {r['fixed']:.3f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
