#!/usr/bin/env python3
"""The bundled sample model (examples/sample/tiny_mlp.mlir) computed with NumPy, independently of qopt.

  make-input FEATURES.npy
      Writes the inputs: 16 rows of 64 features (a fixed seed), plus a row of zeros (only the
      biases reach the output) and a row of large values (relu clips half the hidden units).
  check MODEL.mlir FEATURES.npy PROBABILITIES.npy
      Reads the weights from the model's dense_resource blobs with a regular expression (no qopt
      code), computes softmax(fc2(relu(fc1(x)))) in float64, and compares with qopt-run's
      probabilities: |got - expected| <= ATOL for every element (an absolute bound: probabilities
      are at most 1). qopt-run computes in float32 (64- and 32-term dot products, then softmax),
      which measured 6e-8 from float64 on these inputs; ATOL = 1e-6 leaves a margin of over 10x
      and still catches small real errors: adding 1e-4 to the first element of any one weight or
      bias tensor moves some output by 3.6e-6 to 1.5e-5. The predicted class must be the same in
      every row.
Prints one line; exit status 1 on a mismatch.
"""
import re
import sys

import numpy as np

ATOL = 1e-6
SHAPES = {"fc1.weight": (32, 64), "fc1.bias": (32,), "fc2.weight": (10, 32), "fc2.bias": (10,)}


def load_weights(path):
    text = open(path).read()
    weights = {}
    for name, shape in SHAPES.items():
        m = re.search(re.escape(name) + r': "0x([0-9A-Fa-f]+)"', text)
        if not m:
            sys.exit(f"{path}: no dense_resource blob named {name}")
        blob = bytes.fromhex(m.group(1))
        # A dense_resource blob starts with its alignment as a 4-byte little-endian integer.
        if int.from_bytes(blob[:4], "little") != 4:
            sys.exit(f"{path}: {name}: expected alignment 4")
        values = np.frombuffer(blob[4:], dtype="<f4")
        if values.size != int(np.prod(shape)):
            sys.exit(f"{path}: {name}: {values.size} values, expected {shape}")
        weights[name] = values.reshape(shape).astype(np.float64)
    return weights


def forward(w, x):
    h = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0.0)
    logits = h @ w["fc2.weight"].T + w["fc2.bias"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make_input(path):
    x = np.random.default_rng(20261201).normal(0.0, 2.0, (16, 64))
    x = np.vstack([x, np.zeros((1, 64)), np.full((1, 64), 50.0) * np.sign(np.arange(64) % 2 - 0.5)])
    np.save(path, x.astype(np.float32))


def check(model, features, probabilities):
    x = np.load(features).astype(np.float64)
    got = np.load(probabilities)
    want = forward(load_weights(model), x)
    if got.dtype != np.float32 or got.shape != want.shape:
        sys.exit(f"FAIL: got {got.dtype} {got.shape}, expected float32 {want.shape}")
    err = np.abs(got.astype(np.float64) - want)
    bad = err > ATOL
    same_class = (got.argmax(axis=1) == want.argmax(axis=1)).all()
    ok = not bad.any() and same_class
    print(f"{'PASS' if ok else 'FAIL'} tiny_mlp: {x.shape[0]} rows against NumPy, max abs error "
          f"{err.max():.1e} (tolerance {ATOL:g}), {bad.sum()} elements out of tolerance, "
          f"{'same' if same_class else 'different'} predicted classes")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make-input":
        make_input(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
