#!/usr/bin/env python3
"""Compares another engine's logits (e.g. qopt's) against the PyTorch reference logits.

Prints top-1 agreement (how often both pick the same class), both accuracies, their difference in
percentage points and the largest absolute logit difference. Two checks decide the exit status:
  agreement  >= --min-agreement   (percent)
  |acc diff| <= --max-acc-diff    (percentage points)
The last line is "N passed, M failed"; the exit status is 1 if any check failed, 2 if the inputs
are unusable (missing file, shape or dtype mismatch), in which case no checks are run.
"""
import argparse
import sys

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--logits-ref", required=True, metavar="A.npy", help="reference (PyTorch) logits, [N,C]")
    p.add_argument("--logits", required=True, metavar="B.npy", help="logits under test, [N,C]")
    p.add_argument("--labels", required=True, metavar="Y.npy", help="int64 labels, [N]")
    p.add_argument("--min-agreement", type=float, default=99.9,
                   help="minimum top-1 agreement in percent (default: 99.9)")
    p.add_argument("--max-acc-diff", type=float, default=0.05,
                   help="maximum |accuracy difference| in percentage points (default: 0.05)")
    return p.parse_args()


class InputError(Exception):
    pass


def load(path, ndim, what):
    try:
        a = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found")
    except ValueError as e:
        raise InputError(f"{path}: not a readable .npy file: {e}")
    if a.ndim != ndim:
        raise InputError(f"{path}: {what} must have {ndim} dimension(s), got shape {list(a.shape)}")
    if len(a) == 0:
        raise InputError(f"{path}: {what} is empty")
    return a


def main():
    args = parse_args()
    ref = load(args.logits_ref, 2, "reference logits")
    out = load(args.logits, 2, "logits")
    labels = load(args.labels, 1, "labels")
    for path, a in ((args.logits_ref, ref), (args.logits, out)):
        if not np.issubdtype(a.dtype, np.floating):
            raise InputError(f"{path}: logits must be floating point, got {a.dtype}")
        if not np.isfinite(a).all():
            raise InputError(f"{path}: {int((~np.isfinite(a)).sum())} non-finite logits")
    if ref.shape != out.shape:
        raise InputError(f"{args.logits}: shape {list(out.shape)} differs from "
                         f"{args.logits_ref}: {list(ref.shape)}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise InputError(f"{args.labels}: labels must be integers, got {labels.dtype}")
    if len(labels) != len(ref):
        raise InputError(f"{args.labels}: {len(labels)} labels but the logits have {len(ref)} rows")

    n = len(labels)
    ref_pred, out_pred = ref.argmax(1), out.argmax(1)
    agreement = 100.0 * (ref_pred == out_pred).sum() / n
    ref_acc = 100.0 * (ref_pred == labels).sum() / n
    out_acc = 100.0 * (out_pred == labels).sum() / n
    diff = out_acc - ref_acc
    max_abs = float(np.abs(ref.astype(np.float64) - out.astype(np.float64)).max())

    print(f"samples:             {n}")
    print(f"top-1 agreement:     {agreement:.2f}% ({int((ref_pred != out_pred).sum())} disagree)")
    print(f"reference accuracy:  {ref_acc:.2f}%")
    print(f"tested accuracy:     {out_acc:.2f}%")
    print(f"accuracy difference: {diff:+.2f} points")
    print(f"max |logit diff|:    {max_abs:.6g}")

    checks = [
        (f"agreement {agreement:.2f}% >= {args.min_agreement}%", agreement >= args.min_agreement),
        # Small epsilon: accuracies are multiples of 100/n, so an exact-threshold difference must
        # not fail on float rounding.
        (f"|accuracy difference| {abs(diff):.2f} <= {args.max_acc_diff} points",
         abs(diff) <= args.max_acc_diff + 1e-9),
    ]
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    passed = sum(ok for _, ok in checks)
    failed = len(checks) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
