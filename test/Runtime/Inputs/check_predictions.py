#!/usr/bin/env python3
"""Checks examples/c-api's output against a reference run.

  check_predictions.py PREDICTIONS.txt LOGITS.npy [LABELS.npy]

PREDICTIONS.txt is what `classify` printed: "<index> <class>" per image, then with labels an
"accuracy: P% (K of N)" line. Every prediction must be the argmax of the reference logits (the
first on ties, as NumPy's argmax); the accuracy line must be the one the labels give.
"""
import sys

import numpy as np

pred_path, logits_path = sys.argv[1], sys.argv[2]
labels = np.load(sys.argv[3]) if len(sys.argv) > 3 else None
want = np.load(logits_path).argmax(axis=1)
rows, accuracy = [], None
for line in open(pred_path):
    if line.startswith("accuracy:"):
        accuracy = line.strip()
    else:
        index, cls = line.split()
        rows.append((int(index), int(cls)))
got = np.array([c for _, c in rows])
if [i for i, _ in rows] != list(range(len(want))) or len(got) != len(want):
    sys.exit(f"expected one line per image 0..{len(want) - 1}, got {len(rows)} lines")
bad = np.flatnonzero(got != want)
if len(bad):
    sys.exit(f"{len(bad)} predictions differ from the reference argmax, first image {bad[0]}: "
             f"{got[bad[0]]} vs {want[bad[0]]}")
print(f"predictions: all {len(want)} match the reference argmax")
if labels is not None:
    correct = int((want == labels).sum())
    expected = f"accuracy: {100.0 * correct / len(labels):.2f}% ({correct} of {len(labels)})"
    if accuracy != expected:
        sys.exit(f"accuracy line {accuracy!r}, expected {expected!r}")
    print(f"accuracy line matches the labels: {100.0 * correct / len(labels):.1f}%")
