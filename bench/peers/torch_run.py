#!/usr/bin/python3
"""PyTorch peer for the whole-model benchmark: fp32 eager, or int8 through PyTorch's x86
quantized backend (FX graph mode static quantization: prepare_fx, calibrate, convert_fx;
quantized Linear and Conv). Prints one JSON line per (batch, threads):

  torch_run.py --model NAME --precision fp32,int8 --calib C.npy --input 1=x1.npy --input 64=x64.npy
               [--threads 1,2] [--runs N] [--rounds R] [--warmup W] [--output-dir D]

Each timed run is one forward call under torch.inference_mode(); a round's figure is the median of
its runs, and the line reports the median, min and max over rounds. --output-dir writes each
output as <precision>/<batch>.npy. A model the int8 path cannot take prints one line with "error".
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import zoo  # noqa: E402


def int8_engine():
    """The x86 backend this torch has: fbgemm (or 'x86', which wraps it) when built in, else
    oneDNN (Debian's python3-torch ships without fbgemm)."""
    engines = torch.backends.quantized.supported_engines
    for e in ("x86", "fbgemm", "onednn"):
        if e in engines:
            return e
    raise RuntimeError(f"no x86 quantized engine in this torch (has {engines})")


def quantize(model, calib, engine):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = engine
    example = (torch.from_numpy(calib[:1]),)
    prepared = prepare_fx(model, get_default_qconfig_mapping(engine), example)
    with torch.inference_mode():
        for i in range(0, len(calib), 8):
            prepared(torch.from_numpy(calib[i:i + 8]))
    return convert_fx(prepared)


def bench(a, model, precision, base):
    for spec in a.input:
        batch, path = spec.split("=", 1)
        x = torch.from_numpy(np.load(path))
        for t in [int(t) for t in a.threads.split(",")]:
            torch.set_num_threads(t)
            row = {**base, "batch": int(batch), "threads": t, "runs": a.runs}
            try:
                with torch.inference_mode():
                    last = 0.0
                    for _ in range(a.warmup):
                        t0 = time.perf_counter()
                        y = model(x)
                        last = time.perf_counter() - t0
                    # Debian's torch is slow on some models (seconds per call at batch 64): fewer
                    # runs per round keep each figure within --budget seconds.
                    runs = max(1, min(a.runs, int(a.budget / (a.rounds * max(last, 1e-9)))))
                    row["runs"] = runs
                    rounds = []
                    for _ in range(a.rounds):
                        ms = []
                        for _ in range(runs):
                            t0 = time.perf_counter()
                            y = model(x)
                            ms.append((time.perf_counter() - t0) * 1e3)
                        rounds.append(float(np.median(ms)))
            except Exception as e:
                print(json.dumps({**row, "error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}))
                continue
            if a.output_dir:
                d = os.path.join(a.output_dir, precision)
                os.makedirs(d, exist_ok=True)
                np.save(os.path.join(d, f"{batch}.npy"), y.float().numpy())
            print(json.dumps({**row, "rounds_ms": rounds, "median_ms": float(np.median(rounds)),
                              "min_ms": min(rounds), "max_ms": max(rounds)}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=list(zoo.MODELS))
    p.add_argument("--precision", required=True, help="fp32, int8 or both: fp32,int8")
    p.add_argument("--calib")
    p.add_argument("--input", action="append", required=True, metavar="BATCH=X.npy")
    p.add_argument("--threads", default="1")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--budget", type=float, default=30.0,
                   help="seconds of timed runs per figure at most (fewer runs when calls are slow)")
    p.add_argument("--output-dir")
    a = p.parse_args()
    for precision in a.precision.split(","):
        if precision not in ("fp32", "int8"):
            p.error(f"unknown precision '{precision}' (fp32 or int8)")
        base = {"tool": "pytorch", "version": torch.__version__, "model": a.model,
                "precision": precision}
        model = zoo.torch_module(a.model)
        if precision == "int8":
            try:
                engine = int8_engine()
                base["engine"] = engine
                model = quantize(model, np.load(a.calib), engine)
            except Exception as e:  # the int8 path refuses whole models; record why
                print(json.dumps({**base, "error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}))
                continue
        bench(a, model, precision, base)


if __name__ == "__main__":
    main()
