#!/usr/bin/python3
"""One-layer ONNX models for qopt-kernel-bench, and their calibration data.

  make_kernel_models.py OUT_DIR SPEC...

Each SPEC names one model; qopt-kernel-bench owns the list of shapes and passes them here, so the
shapes live in one place:
  fc:NAME:K:N                       Gemm x[batch,K] * w[N,K]^T + b  (batch dynamic)
  conv:NAME:C:H:W:O:KH:KW:PAD:GROUPS  Conv x[1,C,H,W] -> [1,O,H',W'], stride 1, symmetric pad

Writes OUT_DIR/NAME.onnx and OUT_DIR/NAME.calib.npy (float32 samples to calibrate int8 on).
Weights are random with a fixed seed, scaled by 1/sqrt(fan-in) so activations keep unit range.
The ONNX node is named NAME, which --precision-override NAME=... refers to.

  make_kernel_models.py --u8-output IN.mlir OUT.mlir

Rewrites an int8-compiled one-layer graph (qopt-compile --emit=mlir), whose fully_connected
returns f32 (dequantized in its epilogue), into the same graph returning the layer's u8 result
(requantized in its epilogue), with the scale and zero point its calibrated range gives: the two
differ only in the epilogue, which is what the requantize-share figure compares.

  make_kernel_models.py --u8-io IN.mlir OUT.mlir

The same, and the graph's input quantize removed too: the function takes the layer's u8 input as
it is. This is the layer as it runs inside an int8 network (u8 from the previous layer's epilogue,
u8 to the next), and what oneDNN's u8 -> u8 primitive is given.
"""
import re
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def save(out, name, node, x_dims, y_dims, inits):
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", F, x_dims)],
        [helper.make_tensor_value_info("y", F, y_dims)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def u8_output(src, dst, u8_input=False):
    text = open(src).read()
    fc = re.search(r"^(\s*(%\w+) = qopt\.(?:fully_connected|conv2d) .*)$", text, re.M)
    if not fc:
        sys.exit(f"error: {src}: no qopt.fully_connected or qopt.conv2d")
    line, value = fc.group(1), fc.group(2)
    cal = re.search(r"#qopt\.calibration<lo = ([-0-9.eE+]+), hi = ([-0-9.eE+]+)", line)
    tail = re.search(r"-> (tensor<([?0-9x]+)xf32>)$", line)
    if not cal or not tail:
        sys.exit(f"error: {src}: the fully_connected has no calibrated range or no f32 result")
    lo, hi = min(0.0, float(cal.group(1))), max(0.0, float(cal.group(2)))
    scale = (hi - lo) / 255.0
    zp = int(round(-lo / scale))
    f32, q = tail.group(1), f"tensor<{tail.group(2)}x!quant.uniform<u8:f32, {scale!r}:{zp}>>"
    text = text.replace(line, line[:tail.start(1)] + q)
    # The function's result and the return: the only other places with the result type.
    text, n1 = re.subn(r"\) -> \(" + re.escape(f32), ") -> (" + q, text, count=1)
    text, n2 = re.subn(r"return " + re.escape(value) + " : " + re.escape(f32),
                       f"return {value} : {q}", text, count=1)
    if n1 != 1 or n2 != 1:
        sys.exit(f"error: {src}: the layer's result is not the function's only result")
    if u8_input:
        text = drop_input_quantize(src, text)
    open(dst, "w").write(text)


def drop_input_quantize(src, text):
    """The function argument takes the quantize's result type, and the quantize goes."""
    qz = re.search(r"^\s*(%\w+) = qopt\.quantize %arg0 : \((tensor<[^>]*>)\) -> "
                   r"(tensor<.*>)\n", text, re.M)
    if not qz:
        sys.exit(f"error: {src}: the input is not quantized by one qopt.quantize of %arg0")
    value, f32, q = qz.group(1), qz.group(2), qz.group(3)
    text = text[:qz.start()] + text[qz.end():]
    text, n = re.subn(r"%arg0: " + re.escape(f32), "%arg0: " + q, text, count=1)
    if n != 1:
        sys.exit(f"error: {src}: the quantized value is not the function's argument")
    # The quantized value's one use is the layer's first operand.
    return re.sub(re.escape(value) + r"\b", "%arg0", text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] in ("--u8-output", "--u8-io"):
        return u8_output(sys.argv[2], sys.argv[3], u8_input=sys.argv[1] == "--u8-io")
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    for spec in sys.argv[2:]:
        kind, name, *dims = spec.split(":")
        dims = [int(d) for d in dims]
        if kind == "fc" and len(dims) == 2:
            k, n = dims
            w = (rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float32)
            b = (0.1 * rng.standard_normal(n)).astype(np.float32)
            save(out, name, helper.make_node("Gemm", ["x", "w", "b"], ["y"], name=name, transB=1),
                 ["batch", k], ["batch", n], {"w": w, "b": b})
            calib = rng.standard_normal((64, k)).astype(np.float32)
        elif kind == "conv" and len(dims) == 8:
            c, h, wd, o, kh, kw, pad, groups = dims
            oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
            fan_in = c // groups * kh * kw
            w = (rng.standard_normal((o, c // groups, kh, kw)) / np.sqrt(fan_in)).astype(np.float32)
            b = (0.1 * rng.standard_normal(o)).astype(np.float32)
            node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name=name,
                                    kernel_shape=[kh, kw], pads=[pad] * 4, group=groups)
            save(out, name, node, [1, c, h, wd], [1, o, oh, ow], {"w": w, "b": b})
            # Few samples: calibration runs them on the reference executor.
            calib = rng.standard_normal((2, c, h, wd)).astype(np.float32)
        else:
            sys.exit(f"error: bad model spec '{spec}'\n{__doc__}")
        np.save(os.path.join(out, name + ".calib.npy"), calib)


if __name__ == "__main__":
    main()
