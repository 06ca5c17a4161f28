#!/usr/bin/python3
"""Whole-model benchmark: qopt, ONNX Runtime and PyTorch side by side, in one run on one machine.

For every model of bench/models/zoo.py, at every batch, thread count and precision:
  qopt      qopt-compile --precision=P --target=host, then qopt-run --benchmark (fp32, int8, bf16,
            fp16);
  ORT       onnxruntime-node (bench/peers/ort_run.js) on the fp32 model and on the static QDQ int8
            model bench/qdq_quantize.py writes; its Node binding's per-call cost, measured on a
            one-node model, is subtracted at batch 1 (net_median_ms);
  PyTorch   eager fp32 and FX static int8 (bench/peers/torch_run.py).
A figure is the median over --repeats rounds, each round the median of --runs timed runs after a
warm-up; min and max are over rounds. Every output is compared with ONNX Runtime's fp32 output on
the same input (PyTorch fp32 when ORT is missing), so a fast but wrong result shows. A step that
fails records its exact error in its row (status "unsupported" or "error") instead of stopping.

Writes OUT/bench.json; bench/summarize.py turns it into bench.md and the plots.

  /usr/bin/python3 bench/run_models.py [--smoke] [--out DIR] [--models a,b] [--repeats N]
"""
import argparse
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "models"))
import zoo  # noqa: E402

QOPT_PRECISIONS = ["fp32", "int8", "bf16", "fp16"]
PEER_PRECISIONS = ["fp32", "int8"]
# qopt-compile's defaults: what a user gets, so the compile times are the ones the issue's targets
# are about (calibration, the per-layer error measurement and native code included).
QOPT_COMPILE_FLAGS = []


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout=None, env=None):
    """(returncode, stdout, stderr); a timeout is returncode None."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, env=env)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout} s"


def first_errors(text, limit=3):
    """The first `limit` error lines of a tool's output, joined: what the table shows."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    errs = [l for l in lines if "error" in l.lower()] or lines
    return " | ".join(errs[:limit])[:600] or "no message"


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def stats(rounds):
    return {"rounds_ms": rounds, "median_ms": float(np.median(rounds)),
            "min_ms": float(min(rounds)), "max_ms": float(max(rounds))}


def compare(out_path, ref_path):
    """Relative L2 error and top-1 agreement (argmax over the last axis) against the reference."""
    try:
        y, r = np.load(out_path).astype(np.float64), np.load(ref_path).astype(np.float64)
    except (OSError, ValueError) as e:
        return {"error": f"cannot compare: {e}"}
    if y.shape != r.shape:
        return {"error": f"output shape {list(y.shape)} != reference {list(r.shape)}"}
    rel = float(np.linalg.norm(y - r) / max(np.linalg.norm(r), 1e-30))
    agree = float(np.mean(y.reshape(-1, y.shape[-1]).argmax(1) == r.reshape(-1, r.shape[-1]).argmax(1)))
    return {"rel_err": rel, "top1_agree": agree, "max_abs_err": float(np.max(np.abs(y - r)))}


class Bench:
    def __init__(self, a):
        self.a = a
        self.rows = []
        self.compiles = []
        self.work = os.path.join(a.cache, "work")
        os.makedirs(self.work, exist_ok=True)
        self.node_env = dict(os.environ, NODE_PATH=os.path.join(a.node_dir, "node_modules"))
        self.have_ort = bool(shutil.which(a.node)) and os.path.isdir(
            os.path.join(a.node_dir, "node_modules", "onnxruntime-node"))
        self.ort_overhead = {}

    def row(self, **kw):
        kw.setdefault("status", "ok")
        self.rows.append(kw)
        return kw

    def fail_rows(self, tool, model, precision, batches, status, error):
        for b in batches:
            for t in self.a.threads:
                self.row(model=model, tool=tool, precision=precision, batch=b, threads=t,
                         status=status, error=error)

    # -- qopt -----------------------------------------------------------------------------------
    def qopt(self, model, files):
        a = self.a
        bin_dir = a.bin_dir
        for p in a.precisions:
            by_file = {}
            for b in a.batches:
                by_file.setdefault(files[f"onnx_b{b}"], []).append(b)
            for onnx_path, batches in by_file.items():
                fb = os.path.join(self.work, f"{os.path.basename(onnx_path)[:-5]}.{p}.fb")
                log(f"{model}: qopt compile {p} ({os.path.basename(onnx_path)})")
                t0 = time.perf_counter()
                rc, out, err = run([f"{bin_dir}/qopt-compile", onnx_path, f"--precision={p}",
                                    "--calibration-data", files["calib"], "--target=host",
                                    "-o", fb, "--quiet"] + QOPT_COMPILE_FLAGS, timeout=a.compile_timeout)
                secs = time.perf_counter() - t0
                self.compiles.append({"model": model, "precision": p, "file": os.path.basename(onnx_path),
                                      "seconds": secs, "ok": rc == 0, "flags": QOPT_COMPILE_FLAGS})
                if rc != 0:
                    status = "timeout" if rc is None else "unsupported"
                    msg = (f"qopt-compile did not finish in {a.compile_timeout} s (--compile-timeout)"
                           if rc is None else first_errors(err + out))
                    log(f"{model}: qopt {p}: {status}: {msg}")
                    self.fail_rows("qopt", model, p, batches, status, msg)
                    continue
                for b in batches:
                    for t in a.threads:
                        self.qopt_run(model, p, fb, files, b, t, secs)

    def qopt_run(self, model, p, fb, files, b, t, compile_s):
        a = self.a
        js = os.path.join(self.work, "qopt-run.json")
        outdir = os.path.join(self.work, f"out.qopt.{model}.{p}.b{b}.t{t}")
        rounds, errmsg = [], None
        log(f"{model}: qopt {p} batch {b} threads {t}")
        for r in range(a.repeats):
            rc, out, err = run([f"{a.bin_dir}/qopt-run", fb, "--input", files[f"b{b}"],
                                f"--benchmark={a.runs}", f"--benchmark-json={js}",
                                f"--threads={t}", "--output-dir", outdir, "--quiet"],
                               timeout=a.run_timeout)
            if rc != 0:
                errmsg = first_errors(err + out)
                break
            with open(js) as f:
                rounds.append(json.load(f)["latency_ms"]["median"])
        if errmsg:
            self.row(model=model, tool="qopt", precision=p, batch=b, threads=t, status="error",
                     error=errmsg)
            return
        outs = sorted(glob.glob(os.path.join(outdir, "*.npy")))
        self.row(model=model, tool="qopt", precision=p, batch=b, threads=t, runs=a.runs,
                 compile_s=compile_s, output=outs[0] if outs else None, **stats(rounds))

    # -- ONNX Runtime ---------------------------------------------------------------------------
    def ort_cmd(self, onnx_path, x, t, output, runs=None, rounds=None):
        a = self.a
        return [a.node, os.path.join(HERE, "peers", "ort_run.js"), "--model", onnx_path,
                "--input", x, "--threads", str(t), "--runs", str(runs or a.runs),
                "--rounds", str(rounds or a.repeats), "--warmup", str(a.warmup)] + \
               (["--output", output] if output else [])

    def measure_ort_overhead(self):
        ident = os.path.join(self.a.cache, "models", "identity.onnx")
        for t in self.a.threads:
            rc, out, err = run(self.ort_cmd(ident, ident[:-5] + ".x.npy", t, None,
                                            runs=max(200, self.a.runs * 20)), env=self.node_env)
            if rc == 0:
                self.ort_overhead[t] = json.loads(out)["median_ms"]
        log(f"ORT per-call cost (one-node model): {self.ort_overhead} ms")

    def ort(self, model, files):
        a = self.a
        for p in [p for p in a.precisions if p in PEER_PRECISIONS]:
            if not self.have_ort:
                self.fail_rows("onnxruntime", model, p, a.batches, "unavailable",
                               "onnxruntime-node not installed (scripts/setup-bench.sh)")
                continue
            for b in a.batches:
                path = files[f"onnx_b{b}"]
                if p == "int8":
                    q = os.path.join(self.work, os.path.basename(path)[:-5] + ".qdq.onnx")
                    if not os.path.exists(q) or os.path.getmtime(q) < max(
                            os.path.getmtime(path), os.path.getmtime(files["calib"])):
                        log(f"{model}: QDQ int8 model for ORT ({os.path.basename(path)})")
                        rc, out, err = run(["/usr/bin/python3", os.path.join(HERE, "qdq_quantize.py"),
                                            path, files["calib"], q, "--node", a.node], env=self.node_env)
                        if rc != 0:
                            self.fail_rows("onnxruntime", model, p, [b], "error", first_errors(err + out))
                            continue
                    path = q
                for t in a.threads:
                    log(f"{model}: onnxruntime {p} batch {b} threads {t}")
                    output = os.path.join(self.work, f"out.ort.{model}.{p}.b{b}.t{t}.npy")
                    rc, out, err = run(self.ort_cmd(path, files[f"b{b}"], t, output),
                                       timeout=a.run_timeout, env=self.node_env)
                    if rc != 0:
                        self.row(model=model, tool="onnxruntime", precision=p, batch=b, threads=t,
                                 status="error", error=first_errors(err + out))
                        continue
                    res = json.loads(out.strip().splitlines()[-1])
                    row = self.row(model=model, tool="onnxruntime", precision=p, batch=b, threads=t,
                                   runs=a.runs, version=res["version"], output=output,
                                   **stats(res["rounds_ms"]))
                    if b == 1 and t in self.ort_overhead:
                        row["binding_overhead_ms"] = self.ort_overhead[t]
                        row["net_median_ms"] = max(row["median_ms"] - self.ort_overhead[t], 0.0)

    # -- PyTorch --------------------------------------------------------------------------------
    def torch(self, model, files):
        """Both precisions in one process: importing torch and building the model cost seconds."""
        a = self.a
        precisions = [p for p in a.precisions if p in PEER_PRECISIONS]
        if not precisions:
            return
        log(f"{model}: pytorch {','.join(precisions)}")
        outdir = os.path.join(self.work, f"out.torch.{model}")
        cmd = ["/usr/bin/python3", os.path.join(HERE, "peers", "torch_run.py"), "--model", model,
               "--precision", ",".join(precisions), "--calib", files["calib"], "--threads",
               ",".join(map(str, a.threads)), "--runs", str(a.runs), "--rounds", str(a.repeats),
               "--warmup", str(a.warmup), "--output-dir", outdir]
        for b in a.batches:
            cmd += ["--input", f"{b}={files[f'b{b}']}"]
        rc, out, err = run(cmd, timeout=a.run_timeout * len(a.batches) * len(a.threads) * len(precisions))
        lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        done = {res["precision"] for res in lines}
        for p in precisions:
            if p not in done:
                self.fail_rows("pytorch", model, p, a.batches, "error",
                               first_errors(err) if rc != 0 else "no result")
        for res in lines:
            p = res["precision"]
            if "batch" not in res:  # the model as a whole was refused
                self.fail_rows("pytorch", model, p, a.batches, "unsupported", res["error"])
                continue
            base = dict(model=model, tool="pytorch", precision=p, batch=res["batch"],
                        threads=res["threads"], version=res["version"])
            if "error" in res:
                self.row(**base, status="error", error=res["error"])
            else:
                self.row(**base, runs=res["runs"], engine=res.get("engine"),
                         output=os.path.join(outdir, p, f"{res['batch']}.npy"),
                         **{k: res[k] for k in ("rounds_ms", "median_ms", "min_ms", "max_ms")})

    def check_outputs(self):
        """Every output against ORT fp32 at the same model and batch (else PyTorch fp32)."""
        for r in self.rows:
            if r["status"] != "ok" or not r.get("output"):
                continue
            for tool in ("onnxruntime", "pytorch"):
                ref = next((x for x in self.rows if x["tool"] == tool and x["precision"] == "fp32"
                            and x["model"] == r["model"] and x["batch"] == r["batch"]
                            and x["status"] == "ok" and x.get("output")), None)
                if ref:
                    r["vs_ref"] = {"ref": f"{tool} fp32", **compare(r["output"], ref["output"])}
                    break


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true",
                   help="CI mode: only mlp512 at batch 1, 1 thread, fp32 + int8, 2 rounds of 1 run")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--bin-dir", default=None, help="qopt-compile and qopt-run (default: BUILD/bin)")
    p.add_argument("--cache", default=None, help="models and scratch files (default: BUILD/bench)")
    p.add_argument("--out", default=None, help="bench.json goes here (default: BUILD/bench/results)")
    p.add_argument("--node-dir", default=os.environ.get("QOPT_BENCH_NODE_DIR") or os.path.join(
                       os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "qopt", "bench-node"),
                   help="where onnxruntime-node is installed, node_modules/ inside (default: where "
                        "scripts/setup-bench.sh puts it)")
    p.add_argument("--node", default="node")
    p.add_argument("--models", default=None, help=f"comma-separated, from {','.join(zoo.MODELS)}")
    p.add_argument("--batches", default=None)
    p.add_argument("--threads", default=None)
    p.add_argument("--precisions", default=None)
    p.add_argument("--tools", default="qopt,onnxruntime,pytorch")
    p.add_argument("--repeats", type=int, default=None, help="rounds per figure (default 5)")
    p.add_argument("--runs", type=int, default=None, help="timed runs per round (default 20)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--compile-timeout", type=int, default=900)
    p.add_argument("--run-timeout", type=int, default=900)
    a = p.parse_args(argv)
    smoke = a.smoke
    a.models = (a.models or ("mlp512" if smoke else ",".join(zoo.MODELS))).split(",")
    for m in a.models:
        if m not in zoo.MODELS:
            p.error(f"unknown model '{m}'; expected one of {','.join(zoo.MODELS)}")
    a.batches = [int(v) for v in (a.batches or ("1" if smoke else "1,64")).split(",")]
    a.threads = [int(v) for v in (a.threads or ("1" if smoke else "1,2")).split(",")]
    a.precisions = (a.precisions or ("fp32,int8" if smoke else ",".join(QOPT_PRECISIONS))).split(",")
    a.tools = a.tools.split(",")
    a.repeats = a.repeats or (2 if smoke else 5)
    a.runs = a.runs or (1 if smoke else 20)
    if smoke:
        a.warmup = 1
    a.cache = a.cache or os.path.join(a.build, "bench")
    a.out = a.out or os.path.join(a.cache, "results")
    a.bin_dir = a.bin_dir or os.path.join(a.build, "bin")
    return a


def main(argv=None):
    a = parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    load_before = loadavg()
    busy = load_before[0] > 0.5
    log(f"load average {load_before}{' (busy: timings are noisy)' if busy else ''}")
    bench = Bench(a)
    models_dir = os.path.join(a.cache, "models")
    if "onnxruntime" in a.tools and bench.have_ort:
        os.makedirs(models_dir, exist_ok=True)
        zoo.make_identity(os.path.join(models_dir, "identity.onnx"))
        bench.measure_ort_overhead()
    started = time.time()
    for m in a.models:
        log(f"{m}: making the model and its inputs")
        files = zoo.make(m, models_dir, a.batches)
        if "onnxruntime" in a.tools:
            bench.ort(m, files)
        if "pytorch" in a.tools:
            bench.torch(m, files)
        if "qopt" in a.tools:
            bench.qopt(m, files)
    bench.check_outputs()
    result = {
        "meta": {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                 "seconds": time.time() - started, "cpu": cpu_name(), "cpus": os.cpu_count(),
                 "load_before": load_before, "load_after": loadavg(), "busy": busy,
                 "smoke": a.smoke, "models": a.models, "batches": a.batches, "threads": a.threads,
                 "precisions": a.precisions, "tools": a.tools, "repeats": a.repeats,
                 "runs": a.runs, "warmup": a.warmup,
                 "descriptions": {m: zoo.MODELS[m][1] for m in a.models}},
        "ort_call_overhead_ms": {str(k): v for k, v in bench.ort_overhead.items()},
        "compile": bench.compiles,
        "rows": bench.rows,
    }
    path = os.path.join(a.out, "bench.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    log(f"wrote {path} ({len(bench.rows)} rows)")
    return result


if __name__ == "__main__":
    main()
