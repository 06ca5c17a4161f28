#!/usr/bin/env python3
"""Inputs for the diagnostics tests, written to the directory given as argv[1].

cls10.onnx: Gemm 'fc' [N,4] -> [N,10] logits, so the model has 10 classes.
x.npy       float32 [32,4] samples; wide.npy [8,5] has the wrong shape for the model.
labels*.npy labels for x.npy: good ones, one of 57 at index 5, a negative one at index 2, float32
            ones, too few, and a [32,1] array.
bad.mlir    a qopt.relu whose result shape differs from its operand's: a verifier error.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(11)
w = rng.standard_normal((10, 4)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "w", "b"], ["logits"], name="fc", transB=1)], "cls10",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.zeros(10, np.float32), "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
with open(os.path.join(out, "cls10.onnx"), "wb") as f:
    f.write(model.SerializeToString())

x = rng.uniform(-1, 1, (32, 4)).astype(np.float32)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "wide.npy"), np.zeros((8, 5), np.float32))
labels = (x @ w.T).argmax(axis=1).astype(np.int64)
np.save(os.path.join(out, "labels.npy"), labels)
bad = labels.copy()
bad[5] = 57
bad[9] = 99
np.save(os.path.join(out, "labels57.npy"), bad)
neg = labels.astype(np.int32)
neg[2] = -3
np.save(os.path.join(out, "labels_neg.npy"), neg)
np.save(os.path.join(out, "labels_f32.npy"), labels.astype(np.float32))
np.save(os.path.join(out, "labels_short.npy"), labels[:31])
np.save(os.path.join(out, "labels_2d.npy"), labels.reshape(32, 1))
with open(os.path.join(out, "bad.mlir"), "w") as f:
    f.write('func.func @main(%arg0: tensor<?x4xf32>) -> tensor<?x5xf32> {\n'
            '  %0 = "qopt.relu"(%arg0) : (tensor<?x4xf32>) -> tensor<?x5xf32>\n'
            '  return %0 : tensor<?x5xf32>\n'
            '}\n')
