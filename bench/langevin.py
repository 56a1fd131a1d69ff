#!/usr/bin/env python3
"""Langevin step sizes: the sliced Wasserstein distance of samples to fresh
data, as a multiple of the data-vs-data distance (`tinyscore eval`'s
`ratio_to_baseline`), for annealed Langevin (10 steps per level, final
denoising; the linear schedule) and predictor–corrector (one corrector
step; trained with --schedule vp) at 5, 10, 20 and 50 levels, on
ε-prediction models trained with default flags otherwise. Needs Python 3 only.

    bash bench/langevin.sh [WORK_DIR] [--sets NAME...]   # default target/langevin

Columns (snr 0.16 everywhere):
  table       the exported file's rows, steps measured by the exporter on
              256 trajectories (seed 0), sampled by `tinyscore sample` on
              2000 other trajectories: what a device runs.
  gaussian    the plan compiled from the schedule alone, δ = 2(snr·σ)²
              (the norms of Gaussian data; score_sde's
              AnnealedLangevinDynamics).
  batch       score_sde's LangevinCorrector rule on the 2000 trajectories
              being sampled, norms averaged over them.
  per-sample  the same rule with each trajectory's own norms: what a device
              computing the norms while it samples one sample would do.
"""

import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "tinyscore"
EXAMPLE = ROOT / "target" / "release" / "examples" / "langevin_steps"
SETS = ["moons", "moons:0.05", "8gaussians", "sine-windows"]
# Annealed Langevin on the default (linear) schedule; predictor–corrector
# needs an SDE: a second model trained with --schedule vp.
SAMPLERS = [("langevin", "linear"), ("pc", "vp")]
STEPS = [5, 10, 20, 50]
N = 2000
MODES = ["gaussian", "batch", "per-sample"]


def run(cmd):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{done.stderr}")
    return done


def ratio(samples, data):
    report = json.loads(run([BIN, "eval", samples, "--against", data]).stdout)
    return report["ratio_to_baseline"]["sliced_wasserstein"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(ROOT / "target" / "langevin"))
    parser.add_argument("--sets", nargs="*", default=SETS)
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print("| set | sampler | levels | table | gaussian | batch | per-sample |")
    print("|---|---|---|---|---|---|---|")
    for data in args.sets:
        name = data.replace(":", "-")
        for sampler, schedule in SAMPLERS:
            run_dir = work / f"run-{name}-{schedule}"
            if not (run_dir / "config.json").exists():
                run([BIN, "train", "--data", data, "--schedule", schedule, "--prediction", "eps",
                     "--out", run_dir])
            for steps in STEPS:
                model = work / f"{name}-{sampler}-{steps}.tsm"
                run([BIN, "export", run_dir, "-o", model, "--sampler", sampler, "--steps", steps])
                table = model.with_suffix(".table.csv")
                run([BIN, "sample", model, "-n", N, "--seed", 1, "-o", table])
                cells = [ratio(table, data)]
                for mode in MODES:
                    out = model.with_suffix(f".{mode}.csv")
                    run([EXAMPLE, model, N, 1, mode, out])
                    cells.append(ratio(out, data))
                print(f"| {data} | {sampler} | {steps} | "
                      + " | ".join(f"{c:.2f}×" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
