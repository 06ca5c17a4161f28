#!/usr/bin/env python3
"""Small models and data for qopt-compile.test, written to the directory given as argv[1].

big_range.onnx: Gemm 'big' multiplies by 2000, so inputs in [-50, 50] reach 1e5 > 65504: f16 would
                overflow there. The logits Gemm 'out' scales back down.
tie.onnx:       Gemm 'fc' whose two logits differ only by a bias of 1e-6, below what an i32 bias at
                scale s_in * s_w can hold: in i8 the classes tie and the top-1 flips to class 0.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
F = TensorProto.FLOAT


def save(name, nodes, x_dims, y_dims, inits):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", F, x_dims)],
        [helper.make_tensor_value_info("y", F, y_dims)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


save("big_range",
     [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="big", transB=1),
      helper.make_node("Relu", ["h"], ["r"], name="relu"),
      helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="out", transB=1)],
     ["N", 4], ["N", 4],
     {"w1": (2000 * np.eye(4)).astype(np.float32), "b1": np.zeros(4, np.float32),
      "w2": (1e-3 * np.eye(4)).astype(np.float32), "b2": np.zeros(4, np.float32)})
save("tie",
     [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)],
     ["N", 1], ["N", 2],
     {"w": np.ones((2, 1), np.float32), "b": np.array([0.0, 1e-6], np.float32)})

rng = np.random.default_rng(3)
np.save(os.path.join(out, "big_x.npy"), rng.uniform(-50, 50, (32, 4)).astype(np.float32))
np.save(os.path.join(out, "tie_x.npy"), rng.uniform(0.5, 1.5, (16, 1)).astype(np.float32))
bad = rng.uniform(-1, 1, (8, 4)).astype(np.float32)
np.save(os.path.join(out, "wide.npy"), np.zeros((8, 5), np.float32))
np.save(os.path.join(out, "empty.npy"), np.zeros((0, 4), np.float32))
bad[3, 2] = np.inf
np.save(os.path.join(out, "inf.npy"), bad)
np.save(os.path.join(out, "f64.npy"), np.zeros((8, 4)))
np.save(os.path.join(out, "labels5.npy"), np.zeros(5, np.int64))
