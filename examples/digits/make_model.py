#!/usr/bin/env python3
"""Trains a digits classifier and writes it as ONNX, with its evaluation and calibration data.

scikit-learn's LogisticRegression on the 8x8 handwritten digits bundled with scikit-learn
(`sklearn.datasets.load_digits`, shipped in Debian's python3-sklearn: nothing is downloaded).
The 1797 images are split once with a fixed seed, stratified by class:

  fit         1000 images   what the classifier is trained on
  validation   257 images   what qopt-compile's mixed-precision search measures candidates on
  test         540 images   what the demo reports accuracy on (never seen by training or the search)

Written into --out:

  digits.onnx        Gemm (transB=1, weights [10, 64]) -> logits; input `pixels` float32 [batch, 64]
  test_images.npy    float32 [540, 64]   pixels scaled to [0, 1] (x / 16), the scaling trained with
  test_labels.npy    int64   [540]
  val_images.npy     float32 [257, 64]
  val_labels.npy     int64   [257]
  calib_images.npy   float32 [256, 64]   a seeded sample of the fit images

The model's rows are the classes, so qopt's per-output-channel int8 weights give every class its
own scale. The output is logits (the decision function): softmax would not change the top-1 class.
Run with /usr/bin/python3 (Debian's python3-sklearn, python3-onnx, python3-numpy).
"""
import argparse
import os
import sys

import numpy as np

SEED = 0
TEST_COUNT = 540
VAL_COUNT = 257
CALIB_COUNT = 256
PIXEL_MAX = 16.0  # load_digits' pixels are integers in [0, 16]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--quiet", action="store_true", help="print only errors")
    return p.parse_args()


def split(x, y):
    from sklearn.model_selection import train_test_split
    rest_x, test_x, rest_y, test_y = train_test_split(
        x, y, test_size=TEST_COUNT, random_state=SEED, stratify=y)
    fit_x, val_x, fit_y, val_y = train_test_split(
        rest_x, rest_y, test_size=VAL_COUNT, random_state=SEED, stratify=rest_y)
    return (fit_x, fit_y), (val_x, val_y), (test_x, test_y)


def to_onnx(weights, bias):
    """A one-node ONNX graph computing pixels @ weights.T + bias (what decision_function does)."""
    from onnx import TensorProto, checker, helper, numpy_helper
    classes, features = weights.shape
    w = numpy_helper.from_array(np.ascontiguousarray(weights, dtype=np.float32), "classifier.weight")
    b = numpy_helper.from_array(np.ascontiguousarray(bias, dtype=np.float32), "classifier.bias")
    node = helper.make_node("Gemm", ["pixels", "classifier.weight", "classifier.bias"], ["logits"],
                            name="classifier", transB=1)
    graph = helper.make_graph(
        [node], "digits_logistic_regression",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", features])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])],
        initializer=[w, b])
    model = helper.make_model(graph, producer_name="qopt examples/digits/make_model.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    # A fixed IR version keeps the file loadable by older readers; 8 is what opset 13 needs.
    model.ir_version = 8
    checker.check_model(model, full_check=True)
    return model


def main():
    args = parse_args()
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    digits = load_digits()
    x = (digits.data / PIXEL_MAX).astype(np.float32)
    y = digits.target.astype(np.int64)
    (fit_x, fit_y), (val_x, val_y), (test_x, test_y) = split(x, y)

    clf = LogisticRegression(max_iter=5000, random_state=SEED)
    clf.fit(fit_x, fit_y)
    model = to_onnx(clf.coef_, clf.intercept_)

    # The exported graph must be the classifier: its logits equal decision_function's.
    logits = test_x.astype(np.float64) @ clf.coef_.T + clf.intercept_
    if not np.allclose(logits, clf.decision_function(test_x), atol=1e-6):
        sys.exit("error: the exported Gemm does not reproduce LogisticRegression.decision_function")

    calib = fit_x[np.random.RandomState(SEED).permutation(len(fit_x))[:CALIB_COUNT]]
    os.makedirs(args.out, exist_ok=True)
    import onnx
    onnx.save(model, os.path.join(args.out, "digits.onnx"))
    arrays = {"test_images": test_x, "test_labels": test_y, "val_images": val_x,
              "val_labels": val_y, "calib_images": calib}
    for name, a in arrays.items():
        a = np.ascontiguousarray(a, dtype=np.int64 if name.endswith("labels") else np.float32)
        np.save(os.path.join(args.out, name + ".npy"), a)
    if not args.quiet:
        acc = 100.0 * np.mean(np.argmax(logits, axis=1) == test_y)
        print(f"digits: trained LogisticRegression on {len(fit_x)} images, "
              f"scikit-learn test accuracy {acc:.2f}% on {len(test_x)} images; "
              f"wrote digits.onnx and {len(arrays)} .npy files to {args.out}")


if __name__ == "__main__":
    main()
