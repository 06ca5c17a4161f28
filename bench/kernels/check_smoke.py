#!/usr/bin/python3
"""ctest qopt-kernel-bench-smoke: runs `qopt-kernel-bench --smoke` and checks its JSON has every
field bench/summarize_kernels.py documents, then that the summary renders. Nothing here looks at
a timing's value: performance lives in the benchmark, not in the tests.

  check_smoke.py QOPT_KERNEL_BENCH SUMMARIZE_KERNELS_PY OUT_DIR [EXTRA BENCH ARGS...]
"""
import importlib.util
import json
import os
import subprocess
import sys

KERNEL_KEYS = {"name", "shape", "precision", "threads", "tool", "variant", "ok", "median_ms",
               "min_ms", "max_ms", "op_per_cycle", "pct_of_peak", "peak_name", "ops",
               "median_cpu_ms", "op_per_cycle_cpu", "pct_of_peak_cpu"}
PEAK_KEYS = {"ghz", "f32_fma_ops_per_cycle", "f32_fma_vector_bits", "f32_fma_ymm_ops_per_cycle",
             "int8_vnni_ops_per_cycle", "int8_avx2_ops_per_cycle", "bf16_ops_per_cycle",
             "l1_bytes_per_cycle", "l2_bytes_per_cycle", "dram_bytes_per_cycle", "l1_bytes",
             "l2_bytes", "dram_bytes", "l2_cache_bytes", "quick"}


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def main():
    bench, summarize, out = sys.argv[1:4]
    extra = sys.argv[4:]
    os.makedirs(out, exist_ok=True)
    js = os.path.join(out, "kernels.json")
    if os.path.exists(js):
        os.remove(js)
    r = subprocess.run([bench, "--smoke", f"--json={js}", f"--work-dir={out}/work"] + extra,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(r.stdout)
    if r.returncode != 0:
        fail(f"qopt-kernel-bench --smoke exited with {r.returncode}")
    with open(js) as f:
        doc = json.load(f)
    for key in ("machine", "onednn", "kernels", "gemv", "epilogue"):
        if key not in doc:
            fail(f"no '{key}' in the JSON")
    peaks = doc["machine"]["peaks"]
    if PEAK_KEYS - peaks.keys():
        fail(f"machine.peaks lacks {sorted(PEAK_KEYS - peaks.keys())}")
    if not peaks["ghz"] > 0:
        fail("machine.peaks.ghz is not positive")
    for key in ("cpu", "load_before", "load_after"):
        if not isinstance(doc["machine"].get(key), str):
            fail(f"machine.{key} is not a string")
    rows = doc["kernels"]
    if not rows:
        fail("no kernels")
    for row in rows:
        if KERNEL_KEYS - row.keys():
            fail(f"{row.get('name')}: lacks {sorted(KERNEL_KEYS - row.keys())}")
        if row["tool"] not in ("qopt", "onednn"):
            fail(f"{row['name']}: tool {row['tool']!r}")
        if row["ok"]:
            for key in ("median_ms", "min_ms", "max_ms", "op_per_cycle"):
                if not isinstance(row[key], (int, float)) or row[key] <= 0:
                    fail(f"{row['name']} {row['precision']}: {key} = {row[key]!r}")
            if not row["min_ms"] <= row["median_ms"] <= row["max_ms"]:
                fail(f"{row['name']} {row['precision']}: min <= median <= max does not hold")
            if row["threads"] == 1 and not (row["median_cpu_ms"] or 0) > 0:
                fail(f"{row['name']} {row['precision']}: a 1-thread row without median_cpu_ms")
        elif not row.get("note"):
            fail(f"{row['name']} {row['precision']} {row['tool']}: failed without a note")
    # int8 and fp32 compile and run on every x86-64 host qopt supports; bf16 / fp16 may be
    # refused by name (the note says why), which the check above allows.
    for precision in ("int8", "fp32"):
        bad = [r for r in rows
               if r["tool"] == "qopt" and r["precision"] == precision and not r["ok"]]
        if bad:
            fail(f"qopt {precision} failed: {bad[0]['name']}: {bad[0].get('note')}")
    if doc["onednn"].get("available"):
        if not any(r["tool"] == "onednn" and r["ok"] for r in rows):
            fail("oneDNN is available but no oneDNN row ran")
    elif not doc["onednn"].get("why"):
        fail("oneDNN is unavailable and the JSON does not say why")
    if not isinstance(doc["gemv"].get("rows"), list):
        fail("gemv.rows is not a list")
    if "measured" not in doc["epilogue"]:
        fail("epilogue.measured is missing")
    if not doc["epilogue"]["measured"] and not doc["epilogue"].get("why"):
        fail("epilogue not measured and no reason given")

    spec = importlib.util.spec_from_file_location("summarize_kernels", summarize)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    md = mod.section(js, out)
    if "| kernel |" not in md:
        fail("summarize_kernels.section wrote no table")
    print(md)
    print("ok")


if __name__ == "__main__":
    main()
