"""The whole models the benchmark runs, built from code (random weights under a fixed seed, or the
trained Fashion-MNIST example) so nothing is downloaded.

Every model exists twice: as a PyTorch module (for the PyTorch peer) and as the ONNX file exported
from that very module (for qopt and ONNX Runtime), so all three tools run the same weights.

  /usr/bin/python3 bench/models/zoo.py --out build/bench/models [--models mlp512,resnet18]
"""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FMNIST_DIR = os.path.join(ROOT, "examples", "fashion_mnist")
OPSET = 13  # what qopt's importer and ORT both take; torch 1.13 exports 13..17
SEED = 0

# name -> input shape without the batch dimension, and a one-line description for the table.
MODELS = {
    "fmnist_mlp": ((1, 28, 28), "Fashion-MNIST MLP 784-256-128-10 (trained)"),
    "fmnist_cnn": ((1, 28, 28), "Fashion-MNIST CNN 2 conv + 2 fc (trained)"),
    "mlp512": ((784,), "MLP 784-512-512-10"),
    # The compile-time target: ten 1024-wide layers must compile in under 2 s.
    "mlp1024x10": ((1024,), "MLP 10 x 1024-wide (compile-time target)"),
    "transformer": ((128, 256), "transformer encoder block, seq 128, d 256, 4 heads, FFN 1024"),
    "resnet18": ((3, 224, 224), "ResNet-18 (torchvision, random weights)"),
    "mobilenet_v2": ((3, 224, 224), "MobileNetV2 (torchvision, random weights)"),
}


def _encoder_block():
    import torch
    import torch.nn as nn

    class EncoderBlock(nn.Module):
        """Post-norm encoder layer written out op by op, so the export is plain MatMul / Softmax /
        LayerNorm rather than torch's fused fast path (which has no ONNX form)."""

        def __init__(self, seq=128, d=256, heads=4, ffn=1024):
            super().__init__()
            self.seq, self.d, self.h = seq, d, heads
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.norm1 = nn.LayerNorm(d)
            self.fc1 = nn.Linear(d, ffn)
            self.fc2 = nn.Linear(ffn, d)
            self.norm2 = nn.LayerNorm(d)

        def forward(self, x):
            # Constant sizes (and -1 for the batch): x.shape would export as Shape ops, which a
            # dynamic batch keeps from folding.
            s, d, hd = self.seq, self.d, self.d // self.h
            qkv = self.qkv(x).reshape(-1, s, 3, self.h, hd).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * (hd ** -0.5), dim=-1)
            y = torch.matmul(att, v).permute(0, 2, 1, 3).reshape(-1, s, d)
            x = self.norm1(x + self.proj(y))
            return self.norm2(x + self.fc2(torch.relu(self.fc1(x))))

    return EncoderBlock()


def torch_module(name):
    """The eval-mode PyTorch module for `name`, with the same weights on every call."""
    import torch
    torch.manual_seed(SEED)
    if name in ("fmnist_mlp", "fmnist_cnn"):
        sys.path.insert(0, FMNIST_DIR)
        import fmnist
        short = name.split("_")[1]
        m = fmnist.model_class(short)()
        m.load_state_dict(torch.load(os.path.join(FMNIST_DIR, short + ".pt"), map_location="cpu"))
    elif name == "mlp512":
        nn = torch.nn
        m = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    elif name == "mlp1024x10":
        nn = torch.nn
        layers = []
        for _ in range(9):
            layers += [nn.Linear(1024, 1024), nn.ReLU()]
        m = nn.Sequential(*layers, nn.Linear(1024, 1024))
    elif name == "transformer":
        m = _encoder_block()
    elif name in ("resnet18", "mobilenet_v2"):
        import torchvision
        m = getattr(torchvision.models, name)(weights=None)
        # Random BatchNorm statistics, so folding them is not a no-op and activations stay O(1).
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
    else:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return m.eval()


def input_shape(name, batch):
    return (batch,) + MODELS[name][0]


def make_input(name, batch, seed):
    """float32 inputs: standard normal at a fixed seed (Fashion-MNIST: the normalized test images,
    so the trained models see what they were trained on, when the data set is installed)."""
    if name.startswith("fmnist_"):
        sys.path.insert(0, FMNIST_DIR)
        import fmnist
        try:
            x, _ = fmnist.load("test" if seed else "train")
            idx = np.random.RandomState(seed).permutation(len(x))[:batch]
            return np.ascontiguousarray(x[idx])
        except fmnist.DatasetError:
            pass
    rng = np.random.default_rng(seed)
    return rng.standard_normal(input_shape(name, batch), dtype=np.float32)


# Exported at a fixed batch, one file per batch size: qopt's native code takes a dynamic batch
# only as the leading dimension of every tensor, and attention permutes it inward.
FIXED_BATCH = {"transformer"}


def export(name, path, batch=1):
    import torch
    m = torch_module(name)
    x = torch.from_numpy(make_input(name, batch, 1))
    # The trained examples ship their own export; use it as is, so the benchmark runs the file
    # users run.
    if name.startswith("fmnist_"):
        src = os.path.join(FMNIST_DIR, name.split("_")[1] + ".onnx")
        with open(src, "rb") as f, open(path, "wb") as g:
            g.write(f.read())
        return
    dynamic = None if name in FIXED_BATCH else {"x": {0: "batch"}, "y": {0: "batch"}}
    torch.onnx.export(m, x, path, input_names=["x"], output_names=["y"], dynamic_axes=dynamic,
                      opset_version=OPSET, do_constant_folding=True)


def make_identity(path):
    """A one-node model (y = x + 0 on 1 float): what ONNX Runtime's Node binding costs per call."""
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph(
        [helper.make_node("Add", ["x", "zero"], ["y"])], "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        [helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 7
    onnx.save(m, path)
    np.save(path[:-5] + ".x.npy", np.ones((1, 1), np.float32))


# Calibration samples: qopt calibrates on its reference executor, so the big models get fewer. The
# transformer is exported at a fixed batch, so its data must fill a batch of 64.
CALIB_COUNT = {"resnet18": 8, "mobilenet_v2": 8, "transformer": 64}


def make(name, out, batches=(1, 64)):
    """Writes out/NAME.onnx (NAME.b<B>.onnx for a fixed-batch model), NAME.calib.npy and
    NAME.b<B>.npy, cached: files already present are kept. Returns their paths; "onnx_b<B>" is the
    model to run at batch B."""
    os.makedirs(out, exist_ok=True)
    files = {"calib": f"{out}/{name}.calib.npy"}
    for b in batches if name in FIXED_BATCH else [None]:
        f = f"{out}/{name}.onnx" if b is None else f"{out}/{name}.b{b}.onnx"
        if not os.path.exists(f):
            export(name, f + ".tmp", b or 1)
            os.replace(f + ".tmp", f)
        for bb in batches if b is None else [b]:
            files[f"onnx_b{bb}"] = f
    count = CALIB_COUNT.get(name, 64)
    if not os.path.exists(files["calib"]) or np.load(files["calib"], mmap_mode="r").shape[0] != count:
        np.save(files["calib"], make_input(name, count, 0))
    for b in batches:
        f = f"{out}/{name}.b{b}.npy"
        if not os.path.exists(f):
            np.save(f, make_input(name, b, 1))
        files[f"b{b}"] = f
    return files


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--batches", default="1,64")
    a = p.parse_args()
    batches = [int(b) for b in a.batches.split(",")]
    for name in a.models.split(","):
        print(json.dumps({name: make(name, a.out, batches)}))
    make_identity(f"{a.out}/identity.onnx")


if __name__ == "__main__":
    main()
