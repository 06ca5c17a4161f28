#!/usr/bin/env python3
"""Trains the Fashion-MNIST MLP and CNN, then saves <name>.pt (state_dict) and <name>.onnx.

The outputs are committed; rerun this only to regenerate them. Seeds and deterministic algorithms
are fixed so a rerun on the same torch build reproduces the same weights.
"""
import argparse
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import fmnist

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
BATCH = 128
LR = 1e-3


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", default=HERE,
                   help="where to write mlp.pt, mlp.onnx, cnn.pt, cnn.onnx (default: this directory)")
    p.add_argument("--models", nargs="+", choices=fmnist.MODEL_NAMES, default=list(fmnist.MODEL_NAMES),
                   help="which models to train (default: both)")
    p.add_argument("--mlp-epochs", type=int, default=5, help="MLP training epochs (default: 5)")
    p.add_argument("--cnn-epochs", type=int, default=3, help="CNN training epochs (default: 3)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: 2)")
    p.add_argument("--plain-linear", action="store_true",
                   help="train nn.Linear through torch's BLAS instead of oneDNN 1x1 convolutions "
                        "(slower with Debian's reference BLAS; same math)")
    return p.parse_args()


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # Raises instead of silently using a nondeterministic kernel, so reproducibility is not assumed.
    torch.use_deterministic_algorithms(True)


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return 100.0 * correct / len(x)


def _linear_as_conv1x1(self, x):
    return F.conv2d(x[:, :, None, None], self.weight[:, :, None, None], self.bias).flatten(1)


def route_linear_through_onednn(model, enable):
    """Computes every nn.Linear as the equivalent 1x1 convolution while enabled.

    Debian's torch is built against netlib's reference BLAS, which makes nn.Linear ~5x slower than
    the same product done by oneDNN's convolution kernels; this keeps training inside the time
    budget. It only changes which kernel computes the product, so the parameters and the
    state_dict are untouched. Disable it before evaluating and exporting, so the ONNX graph holds
    plain Gemm nodes and accuracy is measured on the stock forward.
    """
    for m in model.modules():
        if isinstance(m, nn.Linear):
            if enable:
                m.forward = _linear_as_conv1x1.__get__(m)
            else:
                m.__dict__.pop("forward", None)


def train(name, epochs, train_x, train_y, test_x, test_y, fast_linear):
    # Reseed per model so each model's weights do not depend on which other models were trained.
    seed_everything(SEED)
    model = fmnist.model_class(name)()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    start = time.time()
    for epoch in range(1, epochs + 1):
        route_linear_through_onednn(model, fast_linear)
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(train_x), generator=gen)
        total_loss, seen = 0.0, 0
        for i in range(0, len(perm), BATCH):
            idx = perm[i:i + BATCH]
            xb, yb = train_x[idx], train_y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
            seen += len(idx)
        route_linear_through_onednn(model, False)
        acc = evaluate(model, test_x, test_y)
        print(f"[{name}] epoch {epoch}/{epochs}  loss {total_loss / seen:.4f}  "
              f"test acc {acc:.2f}%  ({time.time() - t0:.1f}s)", flush=True)
    print(f"[{name}] trained in {time.time() - start:.1f}s", flush=True)
    model.eval()
    return model


def export(name, model, out_dir):
    pt_path = os.path.join(out_dir, f"{name}.pt")
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    torch.save(model.state_dict(), pt_path)
    dummy = torch.zeros(1, 1, 28, 28)
    # TrainingMode.EVAL exports BatchNorm with its running statistics. With torch 1.13 the
    # eval-mode peephole pass folds each BatchNorm into the preceding Conv, so cnn.onnx has no
    # BatchNormalization nodes; inspect_onnx.py shows what an importer actually receives.
    torch.onnx.export(model, dummy, onnx_path,
                      opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    print(f"[{name}] wrote {pt_path} and {onnx_path}", flush=True)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out_dir, exist_ok=True)
    train_x, train_y = (torch.from_numpy(a) for a in fmnist.load("train"))
    test_x, test_y = (torch.from_numpy(a) for a in fmnist.load("test"))
    epochs = {"mlp": args.mlp_epochs, "cnn": args.cnn_epochs}
    overall = time.time()
    results = {}
    for name in args.models:
        model = train(name, epochs[name], train_x, train_y, test_x, test_y,
                      fast_linear=not args.plain_linear)
        export(name, model, args.out_dir)
        results[name] = evaluate(model, test_x, test_y)
    print(f"total time {time.time() - overall:.1f}s")
    for name, acc in results.items():
        print(f"final fp32 test accuracy {name}: {acc:.2f}%")


if __name__ == "__main__":
    try:
        main()
    except fmnist.DatasetError as e:
        sys.exit(f"error: {e}")
