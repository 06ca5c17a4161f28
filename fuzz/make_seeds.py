#!/usr/bin/env python3
"""Writes the .npy seed corpora of the npy and calibration fuzzers (committed; rerun to refresh).

The calibration fuzzer reads one selector byte (method and batch size) and then a .npy file; its
model takes float32 [N, 4].

The model seeds are not written here. corpus/model/ holds exported .fb files (version 1, and
tiny_mlp.v2.fb = examples/sample/tiny_mlp.fb, sealed with its whole-file checksum). corpus/runtime/
holds examples/sample/tiny_mlp.mlir compiled with native code (re-make them after a schema or ABI
change; calib.npy is any float32 [32, 64] array):
  qopt-compile tiny_mlp.mlir --precision=int8 --calibration-data calib.npy \
      --target=avx512vnni,avx2 -o tiny_mlp.int8.vnni-avx2.fb
  qopt-compile tiny_mlp.mlir --precision=fp32 --target=avx2 -o tiny_mlp.fp32.avx2.fb
plus tiny_mlp.graph-only.fb = examples/sample/tiny_mlp.fb (no native code).
"""
import io
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def npy_bytes(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def write(surface, name, data):
    with open(os.path.join(HERE, "corpus", surface, name), "wb") as f:
        f.write(data)


rng = np.random.default_rng(0)
npy = {
    "f4.npy": npy_bytes(rng.standard_normal((2, 3)).astype(np.float32)),
    "f2.npy": npy_bytes(np.arange(6, dtype=np.float16).reshape(3, 2)),
    "f8-scalar.npy": npy_bytes(np.float64(1.5)),
    "i1.npy": npy_bytes(np.array([-128, 0, 127], dtype=np.int8)),
    "i8.npy": npy_bytes(np.arange(4, dtype=np.int64)),
    "u1-4d.npy": npy_bytes(np.zeros((1, 1, 2, 2), dtype=np.uint8)),
    "b1.npy": npy_bytes(np.array([True, False])),
    "empty.npy": npy_bytes(np.zeros((0, 3), dtype=np.float32)),
    "v2.npy": npy_bytes(np.ones((2, 2), dtype=np.float32), version=(2, 0)),
    "v3.npy": npy_bytes(np.ones((2,), dtype=np.int32), version=(3, 0)),
}
for name, data in npy.items():
    write("npy", name, data)

x = rng.standard_normal((8, 4)).astype(np.float32)
special = x.copy()
special[0, 0], special[1, 1], special[2, 2] = np.nan, np.inf, 1e38
calibration = {
    "minmax.bin": bytes([0]) + npy_bytes(x),
    "percentile-b2.bin": bytes([0x11]) + npy_bytes(x),
    "entropy.bin": bytes([3]) + npy_bytes(np.abs(x)),
    "mse-b1.bin": bytes([4]) + npy_bytes(x[:1]),
    "nan-inf.bin": bytes([2]) + npy_bytes(special),
    "wrong-shape.bin": bytes([0]) + npy_bytes(x.reshape(4, 8)),
    "f8.bin": bytes([0]) + npy_bytes(x.astype(np.float64)),
}
for name, data in calibration.items():
    write("calibration", name, data)
