"""Reference forward pass of the network in tests/network.rs, in float64.

The weights are the formula `w[k] = 0.3 * sin(0.37 * k + 0.1)` over the
concatenated f32 weight section (each value rounded to float32 first, as the
Rust test stores them). Prints the outputs for the inputs listed below.

    python3 tests/reference/network.py
"""
import numpy as np

X_DIM, EMB, HID = 3, 4, 8
MAX_PERIOD, SCALE = 10000.0, 0.5
layers = [(X_DIM + EMB, HID), (HID, HID), (HID, X_DIM)]
n = sum(o * i + o for i, o in layers)
w = (0.3 * np.sin(0.37 * np.arange(n) + 0.1)).astype(np.float32).astype(np.float64)

def params():
    off = 0
    for i, o in layers:
        W = w[off:off + o * i].reshape(o, i); off += o * i
        b = w[off:off + o]; off += o
        yield W, b

def embed(t):
    half = EMB // 2
    freq = np.exp(-np.log(MAX_PERIOD) * np.arange(half) / half)
    arg = t * SCALE * freq
    return np.concatenate([np.cos(arg), np.sin(arg)])

def silu(v):
    return v / (1 + np.exp(-v))

def forward(x, t):
    (W0, b0), (W1, b1), (W2, b2) = params()
    h = silu(W0 @ np.concatenate([x, embed(t)]) + b0)   # dense, SiLU
    skip = h                                            # save
    h = np.tanh(W1 @ h + b1)                            # dense, tanh
    h = h + skip                                        # add
    return W2 @ h + b2                                  # dense

for x, t in [([0.5, -1.0, 2.0], 0.0), ([0.1, 0.2, -0.3], 37.0), ([-2.0, 0.0, 1.5], 999.0)]:
    print(x, t, [float(v) for v in forward(np.array(x), t)])
