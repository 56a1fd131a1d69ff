#!/usr/bin/env python3
"""The table that chooses `train`'s defaults: each candidate configuration
trained on the same sets with everything else at its default, sampled
with the plans users export most, and compared by the sliced Wasserstein
distance. Not part of the tests.

    bash bench/quality.sh --install          # first time: bench/.venv
    bench/.venv/bin/python bench/defaults.py [WORK_DIR] [--configs NAME...] [--sets NAME...]

Sets: the thin two moons (`moons:0.05`), `sine-windows` and
`8gaussians` (built in, measured against fresh data: the ratio is to the
distance between two fresh draws, `tinyscore eval`'s
`ratio_to_baseline`), and the real sets
of bench/quality.py (measured against their held-out rows: the ratio is
to the training rows' distance to them). 4000 samples, seed 0, of each
f32 model with its default x̂₀ clip; one training run per cell.
`--plans` keeps some of the plans. `--weights last` exports each run's
last EMA weights instead of those
with the lowest validation loss (`export`'s default). `--closest` adds,
for the real sets, `eval --training`'s ratio of the median distances
from the first plan's samples and from the held-out rows to their closest
training row (near 1: new data; well below 1: copies of training rows).
The last rows give each configuration's geometric mean over the sets.
"""

import argparse
import json
import math
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import quality  # noqa: E402  (the real sets, the binary and `run`)

LINEAR_EPS = ["--schedule", "linear", "--prediction", "eps"]
CONFIGS = {
    "linear eps": LINEAR_EPS,
    "linear v": ["--schedule", "linear", "--prediction", "v"],
    "cosine v": ["--schedule", "cosine", "--prediction", "v"],
    "edm": ["--schedule", "edm", "--prediction", "v"],
    "linear eps, width 256": LINEAR_EPS + ["--width", "256"],
    "linear eps, 8000 steps": LINEAR_EPS + ["--steps", "8000"],
    "linear eps, min-SNR 5": LINEAR_EPS + ["--weighting", "min-snr:5"],
    "cosine eps": ["--schedule", "cosine", "--prediction", "eps"],
    "cosine eps, min-SNR 5": ["--schedule", "cosine", "--prediction", "eps", "--weighting", "min-snr:5"],
    "cosine x0": ["--schedule", "cosine", "--prediction", "x0"],
    "cosine v, width 256": ["--schedule", "cosine", "--prediction", "v", "--width", "256"],
    "cosine v, 8000 steps": ["--schedule", "cosine", "--prediction", "v", "--steps", "8000"],
}
PLANS = [("dpmpp-2m", 20), ("ddim", 20), ("ddpm", 1000)]
BUILT_IN = ["moons:0.05", "sine-windows", "8gaussians"]
N = 4000


def ratio(samples, data, heldout, baseline):
    if heldout is None:
        done = quality.run("eval", samples, "--against", data)
        return json.loads(done.stdout)["ratio_to_baseline"]["sliced_wasserstein"]
    return quality.swd(samples, heldout) / baseline


def closest(samples, data, heldout):
    """`eval --training`'s ratio for a real set's samples; "—" for a built-in set."""
    if heldout is None:
        return "—"
    done = quality.run("eval", samples, "--against", heldout, "--training", data)
    return f"{json.loads(done.stdout)['closest_record']['ratio']:.2f}×"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(quality.ROOT / "target" / "defaults"))
    parser.add_argument("--configs", nargs="*", choices=list(CONFIGS), help="only these")
    parser.add_argument("--sets", nargs="*", help="only these sets")
    parser.add_argument("--weights", choices=["best", "last"], default="best",
                        help="the EMA weights each run exports (export's --weights)")
    parser.add_argument("--plans", nargs="*", choices=[f"{s}:{n}" for s, n in PLANS],
                        help="only these plans (SAMPLER:STEPS)")
    parser.add_argument("--closest", action="store_true",
                        help="real sets: the closest-training-row ratio of the first plan")
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sets = [(name, name, None) for name in BUILT_IN] + quality.real_sets(work)
    if args.sets:
        sets = [s for s in sets if s[0] in args.sets]
    configs = args.configs or list(CONFIGS)
    plans = [p for p in PLANS if not args.plans or f"{p[0]}:{p[1]}" in args.plans]

    names = [f"{sampler} {steps}" for sampler, steps in plans]
    if args.closest:
        names.append(f"closest training row ({names[0]})")
    print("| set | configuration | " + " | ".join(names) + " |")
    print("|---|---|" + "---:|" * len(names))
    results = {c: [] for c in configs}
    for set_name, data, heldout in sets:
        baseline = quality.swd(data, heldout) if heldout else None
        for config in configs:
            tag = set_name.replace(":", "-") + "-" + config.split(" (")[0].replace(" ", "-").replace(",", "")
            run_dir = work / f"run-{tag}"
            if not (run_dir / "config.json").exists():
                quality.run("train", "--data", data, "--out", run_dir, *CONFIGS[config])
            cells = []
            for sampler, steps in plans:
                model = work / f"{tag}-{sampler}-{steps}.tsm"
                samples = model.with_suffix(".csv")
                quality.run("export", run_dir, "-o", model, "--sampler", sampler, "--steps", steps,
                            "--weights", args.weights)
                quality.run("sample", model, "-n", N, "--seed", 0, "-o", samples)
                cells.append(ratio(samples, data, heldout, baseline))
            results[config].append(cells)
            texts = [f"{c:.2f}×" for c in cells]
            if args.closest:
                texts.append(closest(work / f"{tag}-{plans[0][0]}-{plans[0][1]}.csv", data, heldout))
            print(f"| {set_name} | {config} | " + " | ".join(texts) + " |", flush=True)
    for config in configs:
        columns = zip(*results[config])
        means = [math.exp(sum(map(math.log, col)) / len(col)) for col in columns]
        print(f"| geometric mean | {config} | " + " | ".join(f"{m:.2f}×" for m in means) + " |")


if __name__ == "__main__":
    main()
