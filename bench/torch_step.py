"""One DSM training step in PyTorch on the architecture of
train-host/benches/train_step.rs (2-D data + 32-wide time embedding,
Dense 34→128, SiLU, two residual blocks of Dense 128→128 + SiLU, Dense
128→2; batch 512; AdamW), with the same thread count.

    python bench/torch_step.py [--threads 2] [--steps 300]
Prints the median time per step in milliseconds.
"""
import argparse
import statistics
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--steps", type=int, default=300)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Linear(34, 128)
        self.hidden = torch.nn.ModuleList([torch.nn.Linear(128, 128) for _ in range(2)])
        self.out = torch.nn.Linear(128, 2)

    def forward(self, x):
        h = torch.nn.functional.silu(self.inp(x))
        for layer in self.hidden:
            h = h + torch.nn.functional.silu(layer(h))
        return self.out(h)


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
x = torch.randn(512, 34)
eps = torch.randn(512, 2)
times = []
for i in range(args.steps + 50):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(net(x), eps)
    loss.backward()
    opt.step()
    if i >= 50:
        times.append(time.perf_counter() - t0)
print(f"{statistics.median(times) * 1e3:.3f}")
