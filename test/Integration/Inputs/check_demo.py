#!/usr/bin/env python3
"""Checks scripts/demo.py's demo.json against references computed here, independently of the demo.

  - every model has the five precisions, each compiled model exists and has the size stated;
  - accuracy and top-1 agreement are what the native outputs on disk (OUT/<model>/out.<prec>/)
    give against the labels and against the fp32 outputs, recomputed here with NumPy;
  - the speedups and the throughput follow from the stated latencies;
  - int8 is faster than fp32 for the Fashion-MNIST MLP at batch 64 (see demo.test for why a
    timing is asserted at all).
Prints one line per failed check and "N passed, M failed"; exit status 1 on any failure.
"""
import json
import math
import os
import sys

import numpy as np

PRECISIONS = ("fp32", "fp16", "bf16", "int8", "mixed")
out = sys.argv[1]
demo = json.load(open(os.path.join(out, "demo.json")))
passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(b))


data = {"mlp": "fashion_mnist", "cnn": "fashion_mnist", "digits": "digits"}
check(sorted(demo["models"]) == ["cnn", "digits", "mlp"], f"models {sorted(demo['models'])}")
for key, m in demo["models"].items():
    rows = m["precisions"]
    check(tuple(rows) == PRECISIONS, f"{key}: precisions {list(rows)}")
    labels = np.load(os.path.join(out, "data", data[key], "test_labels.npy"))
    check(m["test_samples"] == len(labels), f"{key}: test_samples {m['test_samples']} vs {len(labels)} labels")
    top1 = {p: np.load(os.path.join(out, key, f"out.{p}", "logits.npy")).argmax(1) for p in PRECISIONS}
    fp32 = rows["fp32"]
    for p, r in rows.items():
        name = f"{key} {p}"
        check(os.path.getsize(r["model"]) == r["file_bytes"], f"{name}: file_bytes")
        check(len(top1[p]) == len(labels), f"{name}: {len(top1[p])} outputs for {len(labels)} labels")
        acc = 100.0 * float(np.mean(top1[p] == labels))
        agree = 100.0 * float(np.mean(top1[p] == top1["fp32"]))
        check(close(r["accuracy_pct"], acc), f"{name}: accuracy {r['accuracy_pct']} vs {acc} from the outputs")
        check(close(r["agreement_pct"], agree), f"{name}: agreement {r['agreement_pct']} vs {agree}")
        check(close(r["delta_points"], acc - 100.0 * float(np.mean(top1["fp32"] == labels))), f"{name}: delta")
        check(close(r["size_ratio"], fp32["file_bytes"] / r["file_bytes"]), f"{name}: size ratio")
        for b in ("b1", "b64"):
            lat = r[f"latency_ms_{b}"]
            check(lat > 0 and math.isfinite(lat), f"{name}: latency {b} {lat}")
            check(close(r[f"speedup_{b}"], fp32[f"latency_ms_{b}"] / lat), f"{name}: speedup {b}")
        check(close(r["throughput_b64"], 64000.0 / r["latency_ms_b64"]), f"{name}: throughput")
        # The fp32 model is the reference: its worst layer is exact (999 dB in qopt's reports).
        if p == "fp32":
            check(r["worst_sqnr_db"] == 999, f"{name}: worst SQNR {r['worst_sqnr_db']}")
        else:
            check(r["worst_sqnr_db"] is not None and 10 < r["worst_sqnr_db"] <= 999,
                  f"{name}: worst SQNR {r['worst_sqnr_db']}")

mlp = demo["models"]["mlp"]["precisions"]
speedup = mlp["int8"]["speedup_b64"]
check(speedup > 1.0, f"mlp: int8 is not faster than fp32 at batch 64 "
                     f"(fp32 {mlp['fp32']['latency_ms_b64']:.4f} ms, int8 {mlp['int8']['latency_ms_b64']:.4f} ms)")
print(f"mlp int8 speedup over fp32 at batch 64: {speedup:.2f}x")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
