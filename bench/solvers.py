#!/usr/bin/env python3
"""Second-order solvers against DDIM, and the cosine schedule with every
prediction type, on moons with default training and export flags. Not part
of the tests.

    bash bench/quality.sh --install      # the same bench/.venv (numpy)
    bench/.venv/bin/python bench/solvers.py [WORK_DIR] [--prediction eps|v] [--tables 1 2]

Table 1: for each schedule (the discrete linear one under each spacing,
and every SDE), the sliced Wasserstein distance of 2 000 samples to fresh
points, as a multiple of the data-vs-data distance (`tinyscore eval`'s
`ratio_to_baseline`), for DDIM
(PF-ODE Euler on SDEs), DPM-Solver++(2M) and PF-ODE Heun at 5, 10 and 20
steps (Heun: 2·steps − 1 network evaluations). The models predict ε, or
v with `--prediction v` (`train`'s default, with its ε warm-up); the EDM
model predicts v either way.

Table 2: the cosine schedule with ε-, x̂₀- and v-prediction, every sampler
at 20 steps: the same ratio and the largest |value| of the samples (the
data lie within ±2.2).
"""

import argparse
import json
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "tinyscore"
N = 2000


def tinyscore(*args):
    done = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tinyscore {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def trained(work, schedule, prediction):
    run_dir = work / f"run-{schedule}-{prediction}"
    if not (run_dir / "config.json").exists():
        tinyscore("train", "--data", "moons", "--out", run_dir, "--schedule", schedule,
                  "--prediction", prediction)
    return run_dir


def measure(work, run_dir, sampler, steps, spacing):
    model = work / f"{run_dir.name}-{sampler}-{steps}-{spacing}.tsm"
    tinyscore("export", run_dir, "-o", model, "--sampler", sampler, "--steps", steps,
              "--spacing", spacing)
    samples = model.with_suffix(".csv")
    tinyscore("sample", model, "-n", N, "--seed", 1, "-o", samples)
    report = json.loads(tinyscore("eval", samples, "--against", "moons"))
    largest = np.abs(np.loadtxt(samples, delimiter=",", skiprows=1)).max()
    return report["ratio_to_baseline"]["sliced_wasserstein"], largest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(ROOT / "target" / "solvers"))
    parser.add_argument("--prediction", choices=["eps", "v"], default="eps",
                        help="table 1's models (EDM: v either way)")
    parser.add_argument("--tables", nargs="*", type=int, choices=[1, 2], default=[1, 2])
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if 1 in args.tables:
        first_table(work, args.prediction)
    if 2 in args.tables:
        cosine_table(work)


def first_table(work, prediction):
    print("| schedule | spacing | steps | DDIM / PF-ODE Euler | DPM-Solver++(2M) | Heun |")
    print("|---|---|---|---|---|---|")
    cases = [("linear", s) for s in ("leading", "trailing", "linspace")]
    cases += [(s, "trailing") for s in ("vp", "subvp", "ve", "ou", "edm")]
    for schedule, spacing in cases:
        run_dir = trained(work, schedule, "v" if schedule == "edm" else prediction)
        first = "pf-ode-euler" if schedule != "linear" else "ddim"
        for steps in (5, 10, 20):
            cells = [measure(work, run_dir, s, steps, spacing)[0]
                     for s in (first, "dpmpp-2m", "pf-ode-heun")]
            print(f"| {schedule} | {spacing if schedule == 'linear' else '—'} | {steps} | "
                  + " | ".join(f"{c:.2f}×" for c in cells) + " |", flush=True)


def cosine_table(work):
    print()
    print("| prediction | sampler (20 steps) | SWD / data-vs-data | largest value |")
    print("|---|---|---|---|")
    for prediction in ("eps", "x0", "v"):
        run_dir = trained(work, "cosine", prediction)
        for sampler in ("ddpm", "ddim", "pf-ode-euler", "pf-ode-heun", "dpmpp-2m", "langevin"):
            ratio, largest = measure(work, run_dir, sampler, 20, "trailing")
            print(f"| {prediction} | {sampler} | {ratio:.2f}× | {largest:.2f} |", flush=True)


if __name__ == "__main__":
    main()
