"""Checks a smoke run of the whole-model benchmark (bench/run_models.py --smoke): every row has
the fields bench/summarize.py reads, and every output agrees with ONNX Runtime's fp32 output on
the bench input (qopt and PyTorch fp32 to float rounding, int8 within quantization error). No
timing is checked: timings only have to be positive numbers.

  bench_smoke_check.py RESULTS/bench.json RESULTS/bench.md
"""
import json
import sys

META = ["date_utc", "seconds", "cpu", "cpus", "load_before", "load_after", "busy", "smoke",
        "models", "batches", "threads", "precisions", "tools", "repeats", "runs", "warmup"]
OK_ROW = ["model", "tool", "precision", "batch", "threads", "status", "runs", "rounds_ms",
          "median_ms", "min_ms", "max_ms", "vs_ref"]
# Relative L2 error against ORT fp32: float reassociation for fp32, quantization for int8.
MAX_REL_ERR = {"fp32": 1e-4, "int8": 0.05, "bf16": 0.02, "fp16": 0.01}


def main():
    doc = json.load(open(sys.argv[1]))
    md = open(sys.argv[2]).read()
    bad = [f"meta.{k} missing" for k in META if k not in doc["meta"]]
    for k in ("ort_call_overhead_ms", "compile", "rows"):
        if k not in doc:
            bad.append(f"{k} missing")
    if not doc["ort_call_overhead_ms"].get("1", 0) > 0:
        bad.append("no ORT per-call cost measured (is onnxruntime-node installed?)")
    seen = set()
    for r in doc["rows"]:
        name = f"{r.get('tool')} {r.get('model')} {r.get('precision')} b{r.get('batch')} t{r.get('threads')}"
        if r.get("status") != "ok":
            bad.append(f"{name}: {r.get('status')}: {r.get('error')}")
            continue
        bad += [f"{name}: field {k} missing" for k in OK_ROW if k not in r]
        if not all(v > 0 for v in r.get("rounds_ms", [0])) or not r["min_ms"] <= r["median_ms"] <= r["max_ms"]:
            bad.append(f"{name}: timings {r.get('rounds_ms')} are not positive and ordered")
        if r["tool"] == "onnxruntime" and r["batch"] == 1 and "net_median_ms" not in r:
            bad.append(f"{name}: no net_median_ms at batch 1")
        v = r.get("vs_ref", {})
        if v.get("ref") != "onnxruntime fp32" or "rel_err" not in v:
            bad.append(f"{name}: not compared with ORT fp32: {v}")
            continue
        bound = MAX_REL_ERR[r["precision"]]
        ok = v["rel_err"] <= bound and v["top1_agree"] == 1.0
        print(f"{'ok' if ok else 'BAD'}: {name}: rel err {v['rel_err']:.2e} (bound {bound}), "
              f"top-1 agreement {v['top1_agree']:.2f} vs ORT fp32")
        if not ok:
            bad.append(f"{name}: output differs from ORT fp32: {v}")
        seen.add((r["tool"], r["precision"]))
    want = {(t, p) for t in ("qopt", "onnxruntime", "pytorch") for p in ("fp32", "int8")}
    bad += [f"no row for {t} {p}" for t, p in sorted(want - seen)]
    for needle in ("## Latency", "| model | batch | threads | precision | qopt | ORT | PyTorch | qopt/ORT | qopt/PyTorch | error vs ORT fp32"):
        if needle not in md:
            bad.append(f"bench.md lacks '{needle}'")
    for b in bad:
        print(f"error: {b}")
    print("bench smoke check: " + ("FAILED" if bad else "passed"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
