#!/usr/bin/env python3
"""Checks a qopt-compile report against references computed here, independently of qopt.

  --torch-logits: PyTorch's fp32 logits on the evaluation images (live, from torch_reference.py);
                  the report's fp32 accuracy must match PyTorch's within 0.05 points.
  --labels:       the labels the accuracies are computed against.
  --logits:       optional logits of the compiled model from qopt-run: the report's accuracy must be
                  exactly what these logits give (the model on disk is the model measured).
  --max-loss:     the largest accuracy loss (points) allowed against PyTorch's fp32 accuracy.
Prints one line per check and "N passed, M failed"; exit status 1 on any failure.
"""
import argparse
import json
import sys

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("report")
p.add_argument("--torch-logits", required=True)
p.add_argument("--labels", required=True)
p.add_argument("--logits")
p.add_argument("--max-loss", type=float)
p.add_argument("--name", default="")
args = p.parse_args()

r = json.load(open(args.report))
ev = r["evaluation"]
labels = np.load(args.labels)
torch_acc = 100.0 * (np.load(args.torch_logits).argmax(1) == labels).mean()
checks = []


def check(ok, what):
    checks.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {args.name}: {what}")


check(ev["samples"] == len(labels), f"evaluated on {ev['samples']} of {len(labels)} images")
check(abs(ev["accuracy_fp32_pct"] - torch_acc) <= 0.05,
      f"fp32 accuracy {ev['accuracy_fp32_pct']:.2f}% vs PyTorch {torch_acc:.2f}%")
loss = torch_acc - ev["accuracy_pct"]
# The paired interval of the loss against qopt's own fp32 on the same images (Confidence.h).
lo, hi = ev["loss_points_ci95"]
paired = (f"; vs qopt fp32 {ev['loss_points']:+.2f} points, 95% CI [{lo:+.2f}, {hi:+.2f}], "
          f"{ev['discordant_samples']} discordant")
if args.max_loss is not None:
    check(loss <= args.max_loss,
          f"{r['precision']} accuracy {ev['accuracy_pct']:.2f}%, loss {loss:+.2f} points vs "
          f"PyTorch (max {args.max_loss}){paired}")
else:
    print(f"INFO {args.name}: {r['precision']}/{r['quantization']} accuracy "
          f"{ev['accuracy_pct']:.2f}%, loss {loss:+.2f} points vs PyTorch{paired}")
check(lo <= ev["loss_points"] <= hi, f"the 95% interval [{lo:.3f}, {hi:.3f}] holds the loss")
if args.logits:
    acc = 100.0 * (np.load(args.logits).argmax(1) == labels).mean()
    check(abs(acc - ev["accuracy_pct"]) < 1e-9,
          f"the saved model's accuracy {acc:.2f}% is the one reported")
check(all("precision" in l and "sqnr_db" in l and "cause" in l for l in r["layers"]),
      f"{len(r['layers'])} layers with precision, SQNR and cause")
print(f"{sum(checks)} passed, {len(checks) - sum(checks)} failed")
sys.exit(0 if all(checks) else 1)
