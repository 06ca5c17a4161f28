#!/usr/bin/env python3
"""Writes the Fashion-MNIST evaluation and calibration arrays as .npy files into --out.

  test_images.npy   float32 [N,1,28,28]  normalized test images (N = 10000, or --limit)
  test_labels.npy   int64   [N]          their labels
  calib_images.npy  float32 [512,1,28,28] the first 512 training images of a seed-0 shuffle

The arrays are derived data: regenerate them instead of committing them. The normalization is the
one in fmnist.py, i.e. the one the models were trained with, so these can be fed straight to the
exported ONNX models.
"""
import argparse
import os
import sys

import numpy as np

import fmnist

CALIB_COUNT = 512
CALIB_SEED = 0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="write only the first N test images and labels (default: all 10000)")
    p.add_argument("--data-dir", default=fmnist.DATA_DIR,
                   help=f"directory holding the IDX .gz files (default: {fmnist.DATA_DIR})")
    args = p.parse_args()
    if args.limit is not None and args.limit <= 0:
        p.error(f"--limit must be positive, got {args.limit}")
    return args


def save(path, array):
    np.save(path, array)
    print(f"wrote {path}: {array.dtype} {list(array.shape)}")


def main():
    args = parse_args()
    test_x, test_y = fmnist.load("test", args.data_dir)
    if args.limit is not None:
        if args.limit > len(test_x):
            sys.exit(f"error: --limit {args.limit} exceeds the {len(test_x)} test images")
        test_x, test_y = test_x[:args.limit], test_y[:args.limit]
    train_x, _ = fmnist.load("train", args.data_dir)
    calib = train_x[fmnist.calibration_indices(len(train_x), CALIB_COUNT, CALIB_SEED)]

    os.makedirs(args.out, exist_ok=True)
    save(os.path.join(args.out, "test_images.npy"), np.ascontiguousarray(test_x, dtype=np.float32))
    save(os.path.join(args.out, "test_labels.npy"), np.ascontiguousarray(test_y, dtype=np.int64))
    save(os.path.join(args.out, "calib_images.npy"), np.ascontiguousarray(calib, dtype=np.float32))


if __name__ == "__main__":
    try:
        main()
    except fmnist.DatasetError as e:
        sys.exit(f"error: {e}")
