#!/usr/bin/python3
"""Writes the static int8 QDQ model ONNX Runtime runs in the benchmark, quantized the way ORT's
own quantizer does (quantize_static, QuantFormat.QDQ, per_channel=True, MinMax calibration), with
onnx.helper and numpy only (ORT's Python quantizer is not available here):

- weights of Conv / Gemm / MatMul: per output channel, symmetric s8 in [-127, 127];
  biases: s32 with scale = activation scale x weight scale;
- activations (inputs and outputs of Conv / Gemm / MatMul / Add): per tensor, asymmetric u8 from
  the calibrated min / max (widened to include 0), as QuantizeLinear -> DequantizeLinear pairs;
- a Relu, or a Clip from 0, right after one of those ops is dropped and its range is the op's
  output range (u8 with zero point 0 saturates exactly like it, as ORT's quantizer does);
- MaxPool / Flatten / Reshape / Transpose between two quantized tensors reuse their input's scale
  and zero point, so ORT can drop the QDQ pair around them.
ORT then fuses every DQ -> op -> Q group into its int8 kernels (QLinearConv, QGemm,
QLinearMatMul, QLinearAdd).

The calibration ranges come from ORT itself (bench/peers/ort_run.js --minmax) on the fp32 model
with every tensor to quantize added as an output.

  /usr/bin/python3 bench/qdq_quantize.py MODEL.onnx CALIB.npy OUT.onnx [--node node]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
QUANTIZED_OPS = {"Conv", "Gemm", "MatMul", "Add"}
TRANSPARENT_OPS = {"MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"}


class QdqError(Exception):
    pass


def weight_axis(node, index, w):
    """The output-channel axis of initializer input `index` of `node`, or None when it is not a
    weight ORT's quantizer would quantize per channel."""
    if node.op_type == "Conv" and index == 1:
        return 0
    if node.op_type == "Gemm" and index == 1:
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return 0 if trans_b else 1
    if node.op_type == "MatMul" and index == 1 and w.ndim == 2:
        return 1
    return None


def plain_gemm(node):
    attrs = {a.name: a for a in node.attribute}
    return (attrs.get("alpha") is None or attrs["alpha"].f == 1.0) and \
           (attrs.get("beta") is None or attrs["beta"].f == 1.0) and \
           (attrs.get("transA") is None or attrs["transA"].i == 0)


def clip_from_zero(node, inits):
    if node.op_type == "Relu":
        return True
    if node.op_type != "Clip" or len(node.input) < 2 or node.input[1] not in inits:
        return False
    return float(numpy_helper.to_array(inits[node.input[1]])) == 0.0


def plan(model):
    """Which nodes to quantize, which activations to fold away, which tensors get a QDQ pair."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}
    qnodes = [n for n in g.node if n.op_type in QUANTIZED_OPS and (n.op_type != "Gemm" or plain_gemm(n))
              and n.domain in ("", "ai.onnx")]
    # A folded activation: the quantized op writes the activation's output name directly.
    folded = {}
    for n in qnodes:
        c = consumers.get(n.output[0], [])
        if len(c) == 1 and clip_from_zero(c[0], inits) and n.output[0] not in outputs:
            folded[id(c[0])] = (n, c[0])
    qtensors = []  # tensors to quantize with their own calibrated range, in graph order
    for n in qnodes:
        for i, name in enumerate(n.input[:2]):
            if name and name not in inits and name not in qtensors:
                qtensors.append(name)
    for n in qnodes:
        out = n.output[0]
        c = consumers.get(out, [])
        if len(c) == 1 and id(c[0]) in folded:
            out = c[0].output[0]
        if out not in qtensors:
            qtensors.append(out)
    # Transparent ops between quantized tensors share their input's parameters.
    shared = {}
    for n in g.node:
        if n.op_type in TRANSPARENT_OPS and (n.input[0] in qtensors or n.input[0] in shared):
            src = shared.get(n.input[0], n.input[0])
            if any(c.op_type in QUANTIZED_OPS for c in consumers.get(n.output[0], [])):
                shared[n.output[0]] = src
    qtensors = [t for t in qtensors if t not in shared]
    return qnodes, folded, qtensors, shared


def calibrate(model_path, model, tensors, calib, node):
    """min / max of every tensor in `tensors` over the calibration data, measured by ORT."""
    aug = onnx.load(model_path)
    have = {o.name for o in aug.graph.output}
    for t in tensors:
        if t not in have:
            aug.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    path = model_path + ".calib.onnx"
    onnx.save(aug, path)
    # A model exported at a fixed batch takes exactly that many samples per run: repeat the
    # calibration samples up to a multiple of it (repeats leave min / max unchanged).
    dim0 = model.graph.input[0].type.tensor_type.shape.dim[0]
    batch = dim0.dim_value if dim0.HasField("dim_value") else 8
    x = np.load(calib)
    if len(x) % batch:
        x = np.concatenate([x] * batch)[:batch * -(-len(x) // batch)]
    tmp_calib = out_calib = model_path + ".calib.npy"
    np.save(tmp_calib, x)
    r = subprocess.run([node, os.path.join(HERE, "peers", "ort_run.js"), "--model", path,
                        "--minmax", out_calib, "--batch", str(batch)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.remove(path)
    os.remove(tmp_calib)
    if r.returncode:
        raise QdqError(f"calibration run failed: {r.stderr.strip()}")
    ranges = json.loads(r.stdout)["ranges"]
    missing = [t for t in tensors if t not in ranges]
    if missing:
        raise QdqError(f"calibration produced no range for {missing}")
    return ranges


def u8_params(lo, hi):
    """ORT's MinMax calibration for asymmetric u8: the range widened to contain 0."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zp = int(np.clip(round(-lo / scale), 0, 255))
    return np.float32(scale), np.uint8(zp)


def quantize(model_path, calib, out_path, node="node"):
    model = onnx.load(model_path)
    g = model.graph
    qnodes, folded, qtensors, shared = plan(model)
    ranges = calibrate(model_path, model, qtensors, calib, node)
    params = {t: u8_params(*ranges[t]) for t in qtensors}
    for t, src in shared.items():
        params[t] = params[src]
    inits = {t.name: t for t in g.initializer}
    new_inits, nodes = [], []

    def const(name, array):
        new_inits.append(numpy_helper.from_array(array, name))
        return name

    def qdq_pair(t, src):
        s, zp = params[t]
        sn, zn = const(t + "_scale", np.array(s, np.float32)), const(t + "_zp", np.array(zp, np.uint8))
        return [helper.make_node("QuantizeLinear", [src, sn, zn], [t + "_q"], name=t + "_Q"),
                helper.make_node("DequantizeLinear", [t + "_q", sn, zn], [t + "_dq" if src == t else t],
                                 name=t + "_DQ")]

    qset = {id(n) for n in qnodes}
    renamed_inputs = {}  # graph inputs: consumers read the DQ output instead
    for gi in g.input:
        if gi.name in params:
            nodes += qdq_pair(gi.name, gi.name)
            renamed_inputs[gi.name] = gi.name + "_dq"
    folded_by_producer = {id(p): a for p, a in folded.values()}
    for n in g.node:
        if id(n) in folded:
            continue  # the producer writes its output now
        orig_id = id(n)
        n = onnx.NodeProto.FromString(n.SerializeToString())  # the original stays as planned
        for i, name in enumerate(n.input):
            if name in renamed_inputs:
                n.input[i] = renamed_inputs[name]
        if orig_id in qset:
            if orig_id in folded_by_producer:
                n.output[0] = folded_by_producer[orig_id].output[0]
            x = n.input[0].removesuffix("_dq") if n.input[0].endswith("_dq") else n.input[0]
            for i in (1, 2):
                if i >= len(n.input) or n.input[i] not in inits:
                    continue
                w = numpy_helper.to_array(inits[n.input[i]]).astype(np.float32)
                if i == 1:
                    axis = weight_axis(n, 1, w)
                    if axis is None:
                        continue
                    red = tuple(d for d in range(w.ndim) if d != axis)
                    ws = np.max(np.abs(w), axis=red) / 127.0
                    ws = np.where(ws > 0, ws, 1.0).astype(np.float32)
                    shape = [1] * w.ndim
                    shape[axis] = -1
                    wq = np.clip(np.rint(w / ws.reshape(shape)), -127, 127).astype(np.int8)
                    base = n.input[1]
                    nodes.append(helper.make_node(
                        "DequantizeLinear", [const(base + "_q", wq), const(base + "_qscale", ws),
                                             const(base + "_qzp", np.zeros(ws.shape, np.int8))],
                        [base + "_dq"], name=base + "_DQ", axis=axis))
                    n.input[1] = base + "_dq"
                    wscale = ws
                elif n.op_type in ("Conv", "Gemm") and w.ndim == 1 and x in params:
                    bs = (params[x][0] * wscale).astype(np.float32)
                    bq = np.rint(w / bs).astype(np.int32)
                    base = n.input[2]
                    nodes.append(helper.make_node(
                        "DequantizeLinear", [const(base + "_q", bq), const(base + "_qscale", bs),
                                             const(base + "_qzp", np.zeros(bs.shape, np.int32))],
                        [base + "_dq"], name=base + "_DQ", axis=0))
                    n.input[2] = base + "_dq"
        out = n.output[0] if n.output else None
        if out in params:
            n.output[0] = out + "_f"
            nodes.append(n)
            nodes += qdq_pair(out, out + "_f")
        else:
            nodes.append(n)
    used = {i for n in nodes for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    del g.value_info[:]
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    return {"quantized_nodes": len(qnodes), "folded_activations": len(folded),
            "qdq_tensors": len(params)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("calib", help="float32 calibration inputs [N, ...]")
    p.add_argument("out")
    p.add_argument("--node", default="node")
    a = p.parse_args()
    try:
        print(json.dumps(quantize(a.model, a.calib, a.out, a.node)))
    except (QdqError, onnx.checker.ValidationError) as e:
        sys.exit(f"qdq_quantize.py: {a.model}: {e}")


if __name__ == "__main__":
    main()
