#!/usr/bin/env python3
"""Samples that stay on the data: the share of sample values outside the
training range, per sampler and step count, with default `train` and
`export` flags, on the built-in sets and on two real data sets shipped by
Python packages. Not part of the tests.

    bash bench/quality.sh --install     # first time: bench/.venv with numpy, scikit-learn, aeon
    bash bench/quality.sh [WORK_DIR]    # default target/quality

Real data (loaded here, never by tinyscore at run time):
  digits        scikit-learn's `load_digits`: 1 797 handwritten digits, 8×8
                pixels of 0–16 (64 columns); 1 500 train, 297 held out.
  italypower    aeon's `load_italy_power_demand`: 1 096 days of Italy's
                hourly electricity demand (24 columns); 900 train, 196 held
                out.
  basicmotions  aeon's `load_basic_motions`: 80 recordings of a wrist-worn
                3-axis accelerometer and gyroscope (10 Hz, 100 samples);
                the accelerometer cut into windows of 32 samples, stride 8
                (96 columns: x then y then z); 64 recordings train, 16 held
                out (split by recording, so no window overlaps across).

For every set, the model is trained with default flags (`tinyscore train
--data SET --out RUN`) and exported with default flags but the sampler and
steps. Each cell is the share of the values of 1 000 samples (seed 0)
outside the training data's range ± 5 % of its width, as `tinyscore sample`
prints it from the range stored in the model file: `no clip` is f32 with
`--clip none` (what export did before the data range), then f32 and fixed
point with the default clip. For the real sets the table also gives the
sliced Wasserstein distance of the f32 samples to the held-out rows over
that of the training rows to the held-out rows (1.0: as close as the
training data itself).
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "tinyscore"
BUILT_IN = ["moons", "swissroll", "8gaussians", "checkerboard", "rings", "pinwheel", "sine-windows"]
SAMPLERS = ["ddim", "pf-ode-euler", "pf-ode-heun", "dpmpp-2m", "ddpm", "langevin"]
STEPS = [5, 10, 20, 50]
N = 1000
OUTSIDE = re.compile(r"([0-9.]+) % of sample values outside the training range")


def run(*args):
    done = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tinyscore {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done


def write_csv(path, rows):
    header = ",".join(f"x{i}" for i in range(rows.shape[1]))
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt="%.6g")


def real_sets(work):
    """(name, train.csv, held-out.csv) of the real data sets."""
    from sklearn.datasets import load_digits
    from aeon.datasets import load_basic_motions, load_italy_power_demand

    digits = load_digits().data.astype(np.float64)
    order = np.random.default_rng(0).permutation(len(digits))
    write_csv(work / "digits-train.csv", digits[order[:1500]])
    write_csv(work / "digits-heldout.csv", digits[order[1500:]])

    days = np.concatenate([load_italy_power_demand(split=s)[0][:, 0, :] for s in ("train", "test")])
    order = np.random.default_rng(0).permutation(len(days))
    write_csv(work / "italypower-train.csv", days[order[:900]])
    write_csv(work / "italypower-heldout.csv", days[order[900:]])

    x_train, _ = load_basic_motions(split="train")
    x_test, _ = load_basic_motions(split="test")
    recordings = np.concatenate([x_train, x_test])[:, :3, :]  # accelerometer x, y, z
    order = np.random.default_rng(0).permutation(len(recordings))

    def windows(idx):
        out = []
        for r in recordings[idx]:
            for start in range(0, r.shape[1] - 32 + 1, 8):
                out.append(r[:, start : start + 32].reshape(-1))
        return np.array(out)

    write_csv(work / "basicmotions-train.csv", windows(order[:64]))
    write_csv(work / "basicmotions-heldout.csv", windows(order[64:]))
    return [
        ("digits", work / "digits-train.csv", work / "digits-heldout.csv"),
        ("italypower", work / "italypower-train.csv", work / "italypower-heldout.csv"),
        ("basicmotions", work / "basicmotions-train.csv", work / "basicmotions-heldout.csv"),
    ]


def swd(samples, against):
    import json

    return json.loads(run("eval", samples, "--against", against).stdout)["sliced_wasserstein"]


def outside(model, out):
    done = run("sample", model, "-n", N, "--seed", 0, "-o", out)
    match = OUTSIDE.search(done.stderr)
    if not match:
        sys.exit(f"no out-of-range line from `sample {model}`:\n{done.stderr}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(ROOT / "target" / "quality"))
    parser.add_argument("--sets", nargs="*", help="only these sets")
    parser.add_argument("--samplers", nargs="*", choices=SAMPLERS, help="only these samplers")
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    sets = [(name, name, None) for name in BUILT_IN] + real_sets(work)
    if args.sets:
        sets = [s for s in sets if s[0] in args.sets]
    print("| set | sampler | steps | no clip, f32 % | f32 % | fixed % | SWD / train-vs-held-out |")
    print("|---|---|---|---|---|---|---|")
    for name, data, heldout in sets:
        run_dir = work / f"run-{name}"
        if not (run_dir / "config.json").exists():
            run("train", "--data", data, "--out", run_dir)
        baseline = swd(data, heldout) if heldout else None
        samplers = args.samplers or SAMPLERS
        plans = [(s, k) for s in samplers for k in STEPS]
        plans += [("ddpm", 1000)] if "ddpm" in samplers else []
        for sampler, steps in plans:
            cells = []
            for backend, clip in [("f32", "none"), ("f32", "range"), ("fixed", "range")]:
                model = work / f"{name}-{sampler}-{steps}-{backend}-{clip}.tsm"
                samples = model.with_suffix(".csv")
                run("export", run_dir, "-o", model, "--backend", backend,
                    "--sampler", sampler, "--steps", steps, "--clip", clip)
                cells.append(outside(model, samples))
            ratio = ""
            if baseline:
                f32 = work / f"{name}-{sampler}-{steps}-f32-range.csv"
                ratio = f"{swd(f32, heldout) / baseline:.2f}"
            print(f"| {name} | {sampler} | {steps} | {cells[0]:.2f} | {cells[1]:.2f} "
                  f"| {cells[2]:.2f} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
