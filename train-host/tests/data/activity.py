"""Writes activity.csv: a small 3-axis accelerometer stream at 50 Hz with a
text label column (idle, walk, run), a 0.5 s recording gap before its last
segment, for the end-to-end test of the `tinyscore` command
(train-host/tests/sensor_path.rs). Run: python3 activity.py > activity.csv"""
import math
import random

random.seed(19)
t, dt = 0.0, 0.02
print("t,ax,ay,az,activity")
for index, (label, n) in enumerate([("idle", 360), ("walk", 360), ("run", 360), ("walk", 240)]):
    for _ in range(n):
        if label == "idle":
            ax, ay, az = random.gauss(0, 0.03), random.gauss(0, 0.03), 1 + random.gauss(0, 0.03)
        elif label == "walk":
            w = 2 * math.pi * 2.0 * t
            ax = 0.5 * math.sin(w) + random.gauss(0, 0.05)
            ay = 0.2 * math.cos(w) + random.gauss(0, 0.05)
            az = 1 + 0.3 * math.sin(2 * w) + random.gauss(0, 0.05)
        else:
            w = 2 * math.pi * 3.0 * t
            ax = 1.5 * math.sin(w) + random.gauss(0, 0.1)
            ay = 0.6 * math.cos(w) + random.gauss(0, 0.1)
            az = 1 + 0.9 * math.sin(2 * w) + random.gauss(0, 0.1)
        print(f"{t:.2f},{ax:.4f},{ay:.4f},{az:.4f},{label}")
        t += dt
    if index == 2:
        t += 0.5
