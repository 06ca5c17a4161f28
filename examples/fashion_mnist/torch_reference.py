#!/usr/bin/env python3
"""Runs a trained Fashion-MNIST model in PyTorch and writes its logits: the fp32 reference.

Loads <model>.pt into the class from fmnist.py, runs it in eval mode on an images .npy (float32
[N,1,28,28], as written by make_data.py) and writes float32 [N,10] logits. Also validates the
matching .onnx with onnx.checker, so a broken export is caught before another engine imports it.

  torch_reference.py --model cnn --images DATA/test_images.npy --logits /tmp/cnn_ref.npy \\
      --labels DATA/test_labels.npy
"""
import argparse
import os
import sys

import numpy as np

import fmnist

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=fmnist.MODEL_NAMES, help="which architecture")
    p.add_argument("--images", required=True, metavar="X.npy", help="float32 [N,1,28,28] input images")
    p.add_argument("--logits", required=True, metavar="OUT.npy", help="where to write float32 [N,10] logits")
    p.add_argument("--labels", metavar="Y.npy", help="int64 [N] labels; if given, print top-1 accuracy")
    p.add_argument("--weights", metavar="PT",
                   help="state_dict to load (default: <model>.pt next to this script)")
    p.add_argument("--onnx", metavar="ONNX",
                   help="ONNX file to validate (default: <model>.onnx next to this script)")
    p.add_argument("--onnx-check-images", type=int, default=256, metavar="K",
                   help="run the .onnx with a small NumPy interpreter on the first K images and "
                        "require its logits to match PyTorch's (default: 256; 0 disables)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: 2)")
    return p.parse_args()


class InputError(Exception):
    pass


def load_npy(path, dtype, trailing_shape, what):
    try:
        a = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found")
    except ValueError as e:
        raise InputError(f"{path}: not a readable .npy file: {e}")
    if a.dtype != dtype:
        raise InputError(f"{path}: {what} must be {np.dtype(dtype).name}, got {a.dtype}")
    if a.ndim != 1 + len(trailing_shape) or tuple(a.shape[1:]) != tuple(trailing_shape):
        want = "[N" + "".join(f",{d}" for d in trailing_shape) + "]"
        raise InputError(f"{path}: {what} must have shape {want}, got {list(a.shape)}")
    return a


def check_onnx(path):
    import onnx
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found (run train.py to export it)")
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
    except Exception as e:  # onnx raises several unrelated types (ValidationError, DecodeError, ...)
        raise InputError(f"{path}: onnx.checker rejected the model: {e}")
    print(f"{path}: onnx.checker OK")


# onnx 1.12 has no reference evaluator and onnxruntime is not packaged in Debian, so this is a
# minimal NumPy interpreter for exactly the ops torch emits for these two models. It exists to
# prove the *exported* weights (with BatchNorm possibly folded into Conv) compute the same logits
# as the PyTorch model; an op it does not know is an error, never skipped.
def run_onnx_numpy(path, x):
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    g = model.graph
    env = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in g.initializer}
    real_inputs = [v.name for v in g.input if v.name not in env]
    if len(real_inputs) != 1:
        raise InputError(f"{path}: expected one graph input, found {real_inputs}")
    env[real_inputs[0]] = x.astype(np.float32)
    for node in g.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[i] for i in node.input if i]
        op = node.op_type
        if op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Flatten":
            axis = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op == "Gemm":
            if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                raise InputError(f"{path}: Gemm {node.name} with attributes {a} is not supported here")
            w = ins[1].T if a.get("transB", 0) else ins[1]
            out = ins[0] @ w + (ins[2] if len(ins) > 2 else 0)
        elif op == "Conv":
            out = _conv2d(path, node, a, *ins)
        elif op == "BatchNormalization":
            xin, scale, bias, mean, var = ins
            shape = (1, -1, 1, 1)
            out = (xin - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5))
            out = out * scale.reshape(shape) + bias.reshape(shape)
        elif op == "MaxPool":
            out = _maxpool2d(path, node, a, ins[0])
        else:
            raise InputError(f"{path}: op {op} ({node.name}) is not supported by the NumPy check")
        env[node.output[0]] = out.astype(np.float32)
    return env[g.output[0].name]


def _conv2d(path, node, a, x, w, b=None):
    if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
        raise InputError(f"{path}: Conv {node.name} with attributes {a} is not supported here")
    t, l, bt, r = a.get("pads", [0, 0, 0, 0])
    sh, sw = a.get("strides", [1, 1])
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (t, bt), (l, r)))
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    # im2col: [N, C, kh, kw, oh, ow] then one tensordot with the OIHW weights.
    cols = np.empty((x.shape[0], x.shape[1], kh, kw, oh, ow), np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    out = np.tensordot(cols, w, axes=([1, 2, 3], [1, 2, 3])).transpose(0, 3, 1, 2)
    return out + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def _maxpool2d(path, node, a, x):
    k, s = a["kernel_shape"], a.get("strides", [1, 1])
    if any(a.get("pads", [0, 0, 0, 0])) or a.get("ceil_mode", 0) or k != s:
        raise InputError(f"{path}: MaxPool {node.name} with attributes {a} is not supported here")
    n, c, h, w = x.shape
    oh, ow = h // k[0], w // k[1]
    x = x[:, :, :oh * k[0], :ow * k[1]].reshape(n, c, oh, k[0], ow, k[1])
    return x.max(axis=(3, 5))


def load_model(name, weights):
    import torch
    model = fmnist.model_class(name)()
    if not os.path.exists(weights):
        raise InputError(f"{weights}: file not found (run train.py to create it)")
    try:
        state = torch.load(weights, map_location="cpu")
        # strict=True: a state_dict from a different architecture must fail, not half-load.
        model.load_state_dict(state, strict=True)
    except Exception as e:
        raise InputError(f"{weights}: cannot load as a {name} state_dict: {e}")
    model.eval()
    return model


def main():
    args = parse_args()
    import torch
    torch.set_num_threads(args.threads)
    weights = args.weights or os.path.join(HERE, f"{args.model}.pt")
    onnx_path = args.onnx or os.path.join(HERE, f"{args.model}.onnx")

    check_onnx(onnx_path)
    model = load_model(args.model, weights)
    images = load_npy(args.images, np.float32, (1, 28, 28), "images")
    labels = None
    if args.labels:
        labels = load_npy(args.labels, np.int64, (), "labels")
        if len(labels) != len(images):
            raise InputError(f"{args.labels}: {len(labels)} labels but {args.images} "
                             f"has {len(images)} images")

    chunks = []
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            chunks.append(model(torch.from_numpy(images[i:i + 1000])).numpy())
    logits = (np.concatenate(chunks) if chunks else np.zeros((0, fmnist.NUM_CLASSES))).astype(np.float32)
    if args.onnx_check_images > 0:
        k = min(args.onnx_check_images, len(images))
        onnx_logits = run_onnx_numpy(onnx_path, images[:k])
        err = float(np.abs(onnx_logits - logits[:k]).max()) if k else 0.0
        # fp32 with a different summation order (and BN folded into Conv) differs by ~1e-5 here;
        # anything near 1e-3 means the export does not compute the trained model.
        if not err <= 1e-3:
            raise InputError(f"{onnx_path}: ONNX logits differ from {weights} by up to {err:.3g} "
                             f"on the first {k} images")
        print(f"{onnx_path}: NumPy evaluation matches PyTorch on {k} images (max |diff| {err:.2e})")
    np.save(args.logits, logits)
    print(f"wrote {args.logits}: {logits.dtype} {list(logits.shape)}")
    if labels is not None:
        correct = int((logits.argmax(1) == labels).sum())
        print(f"{args.model} top-1 accuracy: {100.0 * correct / len(labels):.2f}% ({correct}/{len(labels)})")


if __name__ == "__main__":
    try:
        main()
    except (InputError, fmnist.DatasetError) as e:
        sys.exit(f"error: {e}")
