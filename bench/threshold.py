#!/usr/bin/env python3
"""Static clip, dynamic thresholding and no clip of x̂₀, side by side: the
share of sample values outside the training range ± 5 % of its width and
the sliced Wasserstein distance to the data, per sampler, step count and
backend. Not part of the tests. The built-in sets need only Python's
standard library; `digits` needs bench/.venv (`bash bench/quality.sh
--install`).

    bash bench/threshold.sh [WORK_DIR] [--sets NAME...]   # default target/threshold

For each set (moons, 2-D; sine-windows, 16-D; scikit-learn's 8×8 digits,
64-D, split as bench/quality.py splits it) the model is trained with ε-prediction on the linear schedule (`tinyscore train --data SET --schedule linear --prediction eps --out RUN`) and
exported with default flags but the sampler, the steps, the backend and
`--clip`:

  none              no clip at all
  range             the default: x̂₀ clipped to the training range ± 5 %
  dynamic           Imagen's dynamic threshold (percentile 0.995, s not
                    bounded) before that clip
  dynamic:0.995:1.5 the same with s at most 1.5 (the bound DeepFloyd IF
                    ships in diffusers)
  dynamic:0.9       the 0.9 percentile, s not bounded (below 200
                    coordinates 0.995 is nearly the largest |u|)

Each cell is `outside % / SWD ratio` for 1 000 samples (seed 0): the share
of values outside the range as `tinyscore sample` prints it, and the
sliced Wasserstein distance of the samples to fresh data over that of two
fresh draws of the data (`tinyscore eval --against SET`,
`ratio_to_baseline`; 1.0: as close as the data itself); for digits, the
distance of the samples to the held-out rows over that of the training
rows to them, as bench/quality.py reports it.
"""

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
# The command runner, the out-of-range line and the CSV writer of bench/quality.py.
from quality import OUTSIDE, ROOT, run, write_csv  # noqa: E402

SETS = ["moons", "sine-windows", "digits"]
PLANS = [("ddim", 5), ("ddim", 10), ("ddim", 20), ("ddim", 50), ("ddpm", 1000)]
CLIPS = ["none", "range", "dynamic", "dynamic:0.995:1.5", "dynamic:0.9"]
BACKENDS = ["f32", "fixed"]
N = 1000


def swd(samples, against):
    report = json.loads(run("eval", samples, "--against", against, "--seed", 0).stdout)
    return report["sliced_wasserstein"], report["ratio_to_baseline"]["sliced_wasserstein"]


def digits(work):
    """The training and held-out CSV files of scikit-learn's digits, as
    bench/quality.py writes them."""
    import numpy as np
    from sklearn.datasets import load_digits

    rows = load_digits().data.astype(np.float64)
    order = np.random.default_rng(0).permutation(len(rows))
    train, heldout = work / "digits-train.csv", work / "digits-heldout.csv"
    write_csv(train, rows[order[:1500]])
    write_csv(heldout, rows[order[1500:]])
    return train, heldout


def cell(work, run_dir, data, heldout, sampler, steps, backend, clip):
    name = f"{pathlib.Path(str(data)).stem}-{sampler}-{steps}-{backend}-{clip.replace(':', '_')}"
    model, samples = work / f"{name}.tsm", work / f"{name}.csv"
    run("export", run_dir, "-o", model, "--backend", backend,
        "--sampler", sampler, "--steps", steps, "--clip", clip)
    done = run("sample", model, "-n", N, "--seed", 0, "-o", samples)
    match = OUTSIDE.search(done.stderr)
    if not match:
        sys.exit(f"no out-of-range line from `sample {model}`:\n{done.stderr}")
    if heldout is None:
        ratio = swd(samples, data)[1]
    else:
        ratio = swd(samples, heldout)[0] / swd(data, heldout)[0]
    return f"{float(match.group(1)):.2f} / {ratio:.2f}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(ROOT / "target" / "threshold"))
    parser.add_argument("--sets", nargs="*", default=SETS)
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    for backend in BACKENDS:
        print(f"\n{backend}: outside % / SWD ratio\n")
        print("| set | sampler | steps | " + " | ".join(CLIPS) + " |")
        print("|---|---|---|" + "---|" * len(CLIPS))
        for name in args.sets:
            data, heldout = digits(work) if name == "digits" else (name, None)
            run_dir = work / f"run-{name}"
            if not (run_dir / "config.json").exists():
                run("train", "--data", data, "--schedule", "linear", "--prediction", "eps",
                    "--out", run_dir)
            for sampler, steps in PLANS:
                cells = [
                    cell(work, run_dir, data, heldout, sampler, steps, backend, c) for c in CLIPS
                ]
                print(f"| {name} | {sampler} | {steps} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
