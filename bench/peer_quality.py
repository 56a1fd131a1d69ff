#!/usr/bin/env python3
"""Sample quality against a PyTorch + diffusers pipeline with the same
network, data and training budget, measured in one run. Not part of the
tests.

    bash bench/peer_quality.sh --install    # first time: bench/.venv with torch, diffusers, scikit-learn
    bash bench/peer_quality.sh [WORK_DIR] [--seeds N] [--steps S] [--points P] [--samples M]

Data: thin two moons, scikit-learn's `make_moons(4000, noise=0.05)`
(seed 0; `--points` for another count: `tinyscore train --data
moons:0.05` draws 100 000), written to CSV and given to both. Reference: 2 000 fresh points
(`--samples` for another count, the same for the samples of every pipeline)
drawn independently (`fresh_moons`, seed 1000 + s); the data-vs-data
baseline is the distance between two such sets (seeds 1000 + s and
2000 + s). Not `make_moons` itself: it places its points at evenly spaced
angles, exactly half on each moon, so two of its sets differ by their
noise only, and their distance is 2.4–3.4× below what any two independent
samples of the distribution score (a perfect sampler included).

Both train the network tinyscore trains by default: input (x, 32-wide
sinusoidal embedding of the timestep, cos then sin, max period 10 000) →
dense 128 → SiLU → 2 residual blocks (dense 128 → SiLU, added) → dense 2;
AdamW lr 2e-3 (no weight decay), 200 warm-up steps then cosine to 5 %,
gradient norm clipped at 1, EMA 0.999, batch 512, data standardised per
dimension, the same number of steps (`--steps`, 4 000 by default).

- tinyscore: default `train` (ε-prediction, linear schedule, stratified
  times), `train --schedule cosine --prediction v` and `train --schedule
  edm --prediction v` (EDM), exported with
  default flags (x̂₀ clipped to the training range ± 5 %), sampled with
  `tinyscore sample`.
- PyTorch + diffusers: `DDPMScheduler` (linear betas 1e-4..0.02, 1 000
  steps, ε-prediction, `clip_sample=False`: its default clips x̂₀ to ±1,
  which on standardised data would cut the moons), the ε-MSE loss,
  sampled with `DDPMScheduler` (1 000 steps) and
  `DPMSolverMultistepScheduler` (20 steps, its defaults).

Every sliced Wasserstein distance is `tinyscore eval`'s (same projections
and seed for all), reported as a multiple of the data-vs-data distance.
"""

import argparse
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import torch
from diffusers import DDPMScheduler, DPMSolverMultistepScheduler
from sklearn.datasets import make_moons

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "tinyscore"
BATCH = 512
N = 2000


def tinyscore(*args):
    done = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tinyscore {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def fresh_moons(n, seed, noise=0.05):
    """`n` independent points of `make_moons`' distribution: each on the
    upper or the lower moon by a fair coin, at an angle uniform in [0, π],
    with its Gaussian noise."""
    rng = np.random.default_rng(seed)
    upper = rng.random(n) < 0.5
    theta = np.pi * rng.random(n)
    x = np.where(upper, np.cos(theta), 1.0 - np.cos(theta))
    y = np.where(upper, np.sin(theta), 0.5 - np.sin(theta))
    return np.c_[x, y] + noise * rng.normal(size=(n, 2))


def write_csv(path, rows):
    np.savetxt(path, rows, delimiter=",", header="x,y", comments="", fmt="%.8g")


def swd(samples, against):
    return json.loads(tinyscore("eval", samples, "--against", against))["sliced_wasserstein"]


class Net(torch.nn.Module):
    def __init__(self, dim=2, emb=32, width=128, depth=3):
        super().__init__()
        self.emb = emb
        self.first = torch.nn.Linear(dim + emb, width)
        self.blocks = torch.nn.ModuleList(torch.nn.Linear(width, width) for _ in range(depth - 1))
        self.last = torch.nn.Linear(width, dim)

    def embedding(self, t):
        half = self.emb // 2
        freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=torch.float32) / half)
        arg = t.float()[:, None] * freqs[None, :]
        return torch.cat([torch.cos(arg), torch.sin(arg)], dim=1)

    def forward(self, x, t):
        h = torch.nn.functional.silu(self.first(torch.cat([x, self.embedding(t)], dim=1)))
        for block in self.blocks:
            h = h + torch.nn.functional.silu(block(h))
        return self.last(h)


def torch_pipeline(train_rows, seed, budget, n):
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    mean, std = train_rows.mean(0), train_rows.std(0)
    data = torch.tensor((train_rows - mean) / std, dtype=torch.float32)
    net, ema = Net(), Net()
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=0.0)

    def lr_at(step):
        if step < 200:
            return (step + 1) / 200
        progress = (step - 200) / max(1, budget - 200)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    ddpm = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=False)
    for _ in range(budget):
        x0 = data[torch.randint(0, len(data), (BATCH,))]
        t = torch.randint(0, 1000, (BATCH,))
        eps = torch.randn_like(x0)
        loss = torch.nn.functional.mse_loss(net(ddpm.add_noise(x0, eps, t), t), eps)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), net.parameters()):
                pe.mul_(0.999).add_(p, alpha=0.001)

    out = {}
    for name, scheduler, steps in [
        ("ddpm-1000", ddpm, 1000),
        ("dpmpp-2m-20", DPMSolverMultistepScheduler(num_train_timesteps=1000, beta_schedule="linear"), 20),
    ]:
        scheduler.set_timesteps(steps)
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn(n, 2, generator=generator)
        with torch.no_grad():
            for t in scheduler.timesteps:
                eps = ema(x, t.repeat(n))
                x = scheduler.step(eps, t, x, generator=generator).prev_sample
        out[name] = x.numpy() * std + mean
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work", nargs="?", default=str(ROOT / "target" / "peer-quality"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4000, help="training steps of both")
    parser.add_argument("--points", type=int, default=4000, help="training points")
    parser.add_argument("--samples", type=int, default=N, help="samples and reference points")
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    train_rows, _ = make_moons(args.points, noise=0.05, random_state=0)
    # Names as before for the default count.
    tag = f"{args.steps}" if args.points == 4000 else f"{args.steps}-{args.points}"
    data = work / ("moons-0.05.csv" if args.points == 4000 else f"moons-0.05-{args.points}.csv")
    write_csv(data, train_rows)

    rows = []
    for seed in range(args.seeds):
        fresh_a, fresh_b = work / f"fresh-a-{seed}.csv", work / f"fresh-b-{seed}.csv"
        write_csv(fresh_a, fresh_moons(args.samples, 1000 + seed))
        write_csv(fresh_b, fresh_moons(args.samples, 2000 + seed))
        base = swd(fresh_b, fresh_a)
        result = {"seed": seed, "data-vs-data": base}
        # What a perfect sampler scores: a third independent set.
        exact = work / f"fresh-c-{seed}.csv"
        write_csv(exact, fresh_moons(args.samples, 3000 + seed))
        result["independent fresh points (a perfect sampler)"] = swd(exact, fresh_a) / base
        pipelines = [
            ("eps", ["--schedule", "linear", "--prediction", "eps"]),
            ("cosine-v", ["--schedule", "cosine", "--prediction", "v"]),
            ("edm", ["--schedule", "edm", "--prediction", "v"]),
        ]
        for run_name, extra in pipelines:
            run_dir = work / f"run-{run_name}-{seed}-{tag}"
            if not (run_dir / "config.json").exists():
                tinyscore("train", "--data", data, "--out", run_dir, "--steps", args.steps, "--seed", seed, *extra)
            plans = [("ddpm", 1000), ("dpmpp-2m", 20), ("ddim", 20)]
            if run_name == "edm":
                plans = [("pf-ode-heun", 10), ("dpmpp-2m", 20), ("ddpm", 1000)]
            for sampler, steps in plans:
                model = work / f"{run_name}-{sampler}-{steps}-{seed}-{tag}.tsm"
                tinyscore("export", run_dir, "-o", model, "--sampler", sampler, "--steps", steps)
                samples = model.with_suffix(".csv")
                tinyscore("sample", model, "-n", args.samples, "--seed", seed, "-o", samples)
                nfe = 2 * steps - 1 if sampler == "pf-ode-heun" else steps
                result[f"tinyscore {run_name} {sampler} ({nfe} NFE)"] = swd(samples, fresh_a) / base
        for name, samples in torch_pipeline(train_rows, seed, args.steps, args.samples).items():
            path = work / f"torch-{name}-{seed}-{tag}.csv"
            write_csv(path, samples)
            result[f"PyTorch + diffusers {name}"] = swd(path, fresh_a) / base
        rows.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)

    names = [k for k in rows[0] if k not in ("seed", "data-vs-data")]
    print("| pipeline | " + " | ".join(f"seed {r['seed']}" for r in rows) + " | mean |")
    print("|---|" + "---|" * (len(rows) + 1))
    for name in names:
        values = [r[name] for r in rows]
        print(f"| {name} | " + " | ".join(f"{v:.2f}×" for v in values) + f" | {np.mean(values):.2f}× |")
    print("| data-vs-data SWD | " + " | ".join(f"{r['data-vs-data']:.4f}" for r in rows) + " | |")


if __name__ == "__main__":
    main()
