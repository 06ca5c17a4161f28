#!/usr/bin/python3
"""End-to-end benchmark of qopt's native code, with every ratio measured in the same run.

1. GEMM through a compiled model: a fully_connected layer 1024 -> 1024 (then relu and a small
   1024 -> 16 logits layer, which the precision rules keep in f32) run at batch 256
   (M x N x K = 256 x 1024 x 1024) as int8 (avx512vnni), bf16 (avx512bf16) and fp32
   (avx512vnni), timed with `qopt-run --benchmark` on one thread; op/cycle = 2 M N K / (median
   latency x clock), counting the big layer only (the logits layer adds 1.6% of the work, and the
   time includes the runtime's call overhead), next to the instruction peak that
   `ukernel_bench --peaks` measures now.
2. The 784-512-512-10 MLP (random weights, fixed seed) compiled to int8, latency at batch 1 and
   64 on one thread, natively and on the reference executor.

Models are built with PyTorch (random weights, seed 0) and exported to ONNX; nothing is
downloaded. For benchmarks, not tests: the numbers vary with the machine and its load (the load
average is printed).

  /usr/bin/python3 bench/native_bench.py [--build build] [--out /tmp/qopt-bench] [--runs 200]
"""
import argparse
import json
import os
import re
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
    fc = torch.nn.Sequential(torch.nn.Linear(1024, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 16))
    mlp = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 512), torch.nn.ReLU(),
                              torch.nn.Linear(512, 10))
    export(fc.eval(), torch.zeros(1, 1024), f"{out}/fc1024.onnx")
    export(mlp.eval(), torch.zeros(1, 784), f"{out}/mlp512.onnx")
    rng = np.random.default_rng(0)
    for name, k in (("fc1024", 1024), ("mlp512", 784)):
        np.save(f"{out}/{name}.calib.npy", rng.standard_normal((256, k), dtype=np.float32))
    np.save(f"{out}/fc1024.b256.npy", rng.standard_normal((256, 1024), dtype=np.float32))
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
    peaks_text = run([f"{b}/bench/ukernel_bench", "--peaks"])
    ghz = float(re.search(r"clock \(dependent adds\): ([0-9.]+) GHz", peaks_text).group(1))
    peaks = {m.group(1).strip(): float(m.group(2))
             for m in re.finditer(r"^(v[a-z0-9+ ]+?(?:zmm|ymm))\s+([0-9.]+)$", peaks_text, re.M)}
    print(f"clock {ghz:.3f} GHz; instruction peaks (op/cycle): " +
          ", ".join(f"{k} {v:.1f}" for k, v in peaks.items()))
    make_models(a.out)

    compile_ = lambda onnx, prec, target, fb: run(
        [f"{b}/bin/qopt-compile", onnx, f"--precision={prec}", f"--target={target}",
         "--calibration-data", onnx.replace(".onnx", ".calib.npy"), "-o", fb, "--quiet"])
    results = {"clock_ghz": ghz, "peaks": peaks, "gemm": [], "mlp": []}
    m, n, k = 256, 1024, 1024
    print(f"\nGEMM {m}x{n}x{k} through a compiled fully_connected layer, 1 thread:")
    print(f"{'precision':10} {'target':11} {'median ms':>10} {'op/cycle':>9} {'peak':>7} {'% peak':>7}")
    for prec, target, peak in (("int8", "avx512vnni", "vpdpbusd zmm"),
                               ("bf16", "avx512bf16", "vdpbf16ps zmm"),
                               ("fp32", "avx512vnni", "vfmadd231ps zmm")):
        fb = f"{a.out}/fc1024.{prec}.fb"
        compile_(f"{a.out}/fc1024.onnx", prec, target, fb)
        r = bench(b, fb, f"{a.out}/fc1024.b256.npy", a.runs, a.out)
        ms = r["latency_ms"]["median"]
        opc = 2.0 * m * n * k / (ms * 1e-3 * ghz * 1e9)
        pk = peaks.get(peak, float("nan"))
        print(f"{prec:10} {target:11} {ms:10.4f} {opc:9.1f} {pk:7.1f} {100 * opc / pk:6.1f}%")
        results["gemm"].append({"precision": prec, "target": target, "median_ms": ms,
                                "op_per_cycle": opc, "peak_op_per_cycle": pk})

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
