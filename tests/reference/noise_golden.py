"""Independent re-implementation of tinyscore's Gaussian generator.

Prints the first outputs of `noise::standard_normal_q28` and
`noise::standard_normal` for xoshiro256++ seeded with bytes 1..=32
(`Xoshiro256PlusPlus::from_seed`), using the table of
tests/reference/noise_quantiles.py recomputed here with mpmath.

    python3 tests/reference/noise_golden.py
"""
import struct

import mpmath
import numpy as np

mpmath.mp.dps = 50
M64 = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro256pp:
    def __init__(self, seed):
        self.s = list(struct.unpack("<4Q", seed))

    def next_u64(self):
        s = self.s
        result = (rotl((s[0] + s[3]) & M64, 23) + s[0]) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def table():
    rows = []
    for k in range(32):
        row = []
        for j in range(17):
            p = mpmath.mpf(2) ** (-(k + 2)) * (1 + mpmath.mpf(j) / 16)
            z = mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * p)
            row.append(int(mpmath.nint(z * 2**28)))
        rows.append(row)
    return rows


TABLE = table()


def quantile_q28(m):
    if m == 0:
        return TABLE[31][0]
    k = 32 - m.bit_length()  # leading zeros of a u32
    bits = 31 - k
    rest = m - (1 << bits)
    if bits >= 4:
        fb = bits - 4
        seg, frac = rest >> fb, rest & ((1 << fb) - 1)
    else:
        seg, frac, fb = rest << (4 - bits), 0, 0
    lo, hi = TABLE[k][seg], TABLE[k][seg + 1]
    return lo + (((hi - lo) * frac) >> fb)  # Python >> floors, like i64 >>


def normal_q28(rng):
    bits = rng.next_u64()
    mag = quantile_q28(bits & 0xFFFFFFFF)
    return -mag if bits & (1 << 32) else mag


rng = Xoshiro256pp(bytes(range(1, 33)))
values = [normal_q28(rng) for _ in range(12)]
print("q28:", values)
print("f32 bits:", [hex(np.float32(np.float32(v) * np.float32(2.0**-28)).view(np.uint32)) for v in values])
