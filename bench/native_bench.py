#!/usr/bin/python3
"""The 784-512-512-10 MLP through qopt's native code and through the reference executor.

The MLP (random weights, fixed seed) is compiled to int8 and timed at batch 1 and 64 on one
thread, natively and on the reference executor. GEMM op/cycle against the instruction peaks
(formerly part 1 here) is measured by build/bin/qopt-kernel-bench, over every shape and
precision of issue 10 and next to oneDNN.

The model is built with PyTorch (random weights, seed 0) and exported to ONNX; nothing is
downloaded. For benchmarks, not tests: the numbers vary with the machine and its load (the load
average is printed).

  /usr/bin/python3 bench/native_bench.py [--build build] [--out /tmp/qopt-bench] [--runs 200]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def export(model, example, path):
    import torch
    torch.onnx.export(model, example, path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17)


def make_models(out):
    import torch
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 10))
    export(mlp.eval(), torch.zeros(1, 784), f"{out}/mlp512.onnx")
    rng = np.random.default_rng(0)
    np.save(f"{out}/mlp512.calib.npy", rng.standard_normal((256, 784), dtype=np.float32))
    for b in (1, 64):
        np.save(f"{out}/mlp512.b{b}.npy", rng.standard_normal((b, 784), dtype=np.float32))


def bench(build, model, inp, runs, out, engine="native", threads=1):
    js = f"{out}/bench.json"
    cmd = [f"{build}/bin/qopt-run", model, "--input", inp, f"--benchmark={runs}",
           f"--benchmark-json={js}", f"--threads={threads}", "--output-dir", f"{out}/outputs",
           "--quiet"]
    cmd += ["--reference"] if engine == "reference" else ["--engine=native"]
    run(cmd)
    with open(js) as f:
        return json.load(f)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--out", default="/tmp/qopt-bench")
    p.add_argument("--runs", type=int, default=200)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    b = a.build
    with open("/proc/loadavg") as f:
        print(f"load average: {f.read().strip()}")
    make_models(a.out)

    compile_ = lambda onnx, prec, target, fb: run(
        [f"{b}/bin/qopt-compile", onnx, f"--precision={prec}", f"--target={target}",
         "--calibration-data", onnx.replace(".onnx", ".calib.npy"), "-o", fb, "--quiet"])
    results = {"mlp": []}
    fb = f"{a.out}/mlp512.int8.fb"
    compile_(f"{a.out}/mlp512.onnx", "int8", "avx512vnni", fb)
    print("\n784-512-512-10 MLP, int8 (avx512vnni), 1 thread:")
    print(f"{'batch':>5} {'native ms':>10} {'p10':>8} {'p90':>8} {'reference ms':>13} {'speedup':>8}")
    for batch in (1, 64):
        inp = f"{a.out}/mlp512.b{batch}.npy"
        nat = bench(b, fb, inp, a.runs, a.out)
        ref = bench(b, fb, inp, max(3, a.runs // 50), a.out, engine="reference")
        nm, rm = nat["latency_ms"]["median"], ref["latency_ms"]["median"]
        print(f"{batch:5} {nm:10.4f} {nat['latency_ms']['p10']:8.4f} {nat['latency_ms']['p90']:8.4f} "
              f"{rm:13.3f} {rm / nm:7.0f}x")
        results["mlp"].append({"batch": batch, "native": nat["latency_ms"],
                               "reference": ref["latency_ms"]})
    with open(f"{a.out}/native_bench.json", "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nwrote {a.out}/native_bench.json")


if __name__ == "__main__":
    main()
