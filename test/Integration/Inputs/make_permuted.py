#!/usr/bin/env python3
"""Writes calibration data for the reproducibility test: OUT/data.npy (N samples of float32
[N, FEATURES], normal with a few outliers so every calibration method has tails to cut) and
OUT/permuted.npy (the same samples in another order)."""
import sys

import numpy as np

out, n, features = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(7)
x = rng.standard_normal((n, features)).astype(np.float32)
x[rng.integers(0, n, 5), rng.integers(0, features, 5)] = 12.0
np.save(f"{out}/data.npy", x)
np.save(f"{out}/permuted.npy", x[rng.permutation(n)])
