#!/usr/bin/env python3
"""qopt's demo: three trained float models, five precisions, and the three questions a user asks.

For the Fashion-MNIST MLP and CNN (examples/fashion_mnist) and a scikit-learn digits classifier
(examples/digits), each compiled by qopt-compile at fp32, fp16, bf16, int8 and mixed precision for
this CPU, it answers
  - how much smaller:  the compiled model file's bytes, and how many times smaller than fp32;
  - how much faster:   median latency at batch 1 and batch 64 (qopt-run --benchmark, native code),
                       throughput at batch 64, speedup over fp32;
  - is it still right: accuracy on the test set computed here from the logits the native code
                       produced, its change in points (with the compiler report's 95% interval when
                       the report has one), top-1 agreement with fp32, and the worst layer's SQNR.
It prints one table per model, writes everything to OUT/demo.json, and writes the HTML comparison
(qopt-report) when that tool is built. scripts/demo.sh builds qopt and then runs this script.

Nothing is downloaded: the data come from Debian's dataset-fashion-mnist and python3-sklearn.
Run with /usr/bin/python3, which sees Debian's numpy, onnx and scikit-learn.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRECISIONS = ("fp32", "fp16", "bf16", "int8", "mixed")
# qopt keeps a model's logits layer in f32 unless told otherwise. The digits classifier is nothing
# but its logits layer, so the demo pins it to the precision asked for (mixed is left to the search).
PIN = {"fp16": "f16", "bf16": "bf16", "int8": "i8"}
# qopt-compile writes 999 dB for a layer that is exact (no finite SQNR).
EXACT_DB = 999.0


class Model:
    def __init__(self, key, title, onnx, data, pin_layer=None):
        self.key, self.title, self.onnx, self.data, self.pin_layer = key, title, onnx, data, pin_layer


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(ROOT, "build", "demo"), metavar="DIR",
                   help="where the data, compiled models, reports and demo.json go (default: build/demo)")
    p.add_argument("--quick", action="store_true",
                   help="reduced mode for CI: the first 500 Fashion-MNIST test images, fewer benchmark runs")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"), metavar="DIR",
                   help="where qopt-compile, qopt-run and qopt-report are (default: build/bin)")
    p.add_argument("--models", default="mlp,cnn,digits",
                   help="comma-separated subset of mlp, cnn, digits (default: all three)")
    p.add_argument("--budget", type=float, default=0.3, metavar="POINTS",
                   help="mixed: accuracy points the search may lose on the validation split (default 0.3)")
    p.add_argument("--search-on", choices=("validation", "test"), default="validation",
                   help="mixed: the data the search measures on. validation (default) keeps the test set "
                        "unseen; test gives every compiled model's report the same evaluation data, "
                        "which qopt-report's frontier compares")
    p.add_argument("--threads", type=int, default=1,
                   help="threads for the timed runs (default 1: latency of one core, steadier on a busy machine)")
    p.add_argument("--rounds", type=int, metavar="R",
                   help="benchmark rounds, interleaving the precisions so load changes hit all alike "
                        "(default 5, --quick 3)")
    args = p.parse_args()
    args.models = [m for m in args.models.split(",") if m]
    bad = [m for m in args.models if m not in ("mlp", "cnn", "digits")]
    if bad or not args.models:
        p.error(f"--models: unknown model {', '.join(bad) or '(none)'}; choose from mlp, cnn, digits")
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5
    if args.rounds < 1 or args.threads < 0:
        p.error("--rounds must be at least 1 and --threads at least 0")
    return args


class Steps:
    """Numbered progress lines, and the wall and CPU time the tools took."""

    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.monotonic()

    def run(self, text, fn):
        self.done += 1
        print(f"[{self.done}/{self.total}] {text} ...", end="", flush=True)
        t = time.monotonic()
        result = fn()
        print(f" {time.monotonic() - t:.1f} s", flush=True)
        return result

    @staticmethod
    def cpu_seconds():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime + s.ru_utime + s.ru_stime


def run(cmd):
    """Runs a tool; on failure prints the command and what it said, and stops the demo."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        print(f"\nerror: exit status {proc.returncode} from:\n  {' '.join(cmd)}\n{proc.stdout}",
              file=sys.stderr)
        sys.exit(1)
    return proc.stdout


# ---------------------------------------------------------------------------------------------
# Data

def make_fashion_mnist(out, limit, val_count, calib_count):
    """make_data.py's test and calibration arrays, plus a validation split for the mixed search:
    training images outside the calibration set, so neither the search nor calibration sees the
    test images the tables report on. calib_count < 512 keeps the first images of make_data.py's
    calibration set: qopt-compile measures every layer's error on all of them, the reference
    executor's slowest step."""
    cmd = [sys.executable, os.path.join(ROOT, "examples", "fashion_mnist", "make_data.py"), "--out", out]
    if limit:
        cmd += ["--limit", str(limit)]
    run(cmd)
    calib_path = os.path.join(out, "calib_images.npy")
    np.save(calib_path, np.load(calib_path)[:calib_count])
    sys.path.insert(0, os.path.join(ROOT, "examples", "fashion_mnist"))
    import fmnist
    x, y = fmnist.load("train")
    calib = set(fmnist.calibration_indices(len(x)).tolist())
    val = [i for i in range(len(x)) if i not in calib][:val_count]
    np.save(os.path.join(out, "val_images.npy"), np.ascontiguousarray(x[val], dtype=np.float32))
    np.save(os.path.join(out, "val_labels.npy"), np.ascontiguousarray(y[val], dtype=np.int64))


def make_digits(out):
    run([sys.executable, os.path.join(ROOT, "examples", "digits", "make_model.py"), "--out", out, "--quiet"])


# ---------------------------------------------------------------------------------------------
# Compile, run, time

def compile_model(args, model, prec, fb, report):
    d = model.data
    cmd = [os.path.join(args.bin, "qopt-compile"), model.onnx, f"--precision={prec}",
           "--calibration-data", f"{d}/calib_images.npy", "--target=host",
           "--report", report, "-o", fb, "--quiet"]
    if prec == "mixed":
        split = "val" if args.search_on == "validation" else "test"
        cmd += ["--eval-data", f"{d}/{split}_images.npy", "--eval-labels", f"{d}/{split}_labels.npy",
                f"--accuracy-budget={args.budget}"]
    elif not args.quick:
        # Evaluating on the test set puts its accuracy, and the paired interval on the change,
        # into the report; the tables still take accuracy from the native run below. Reduced
        # mode skips it (the report then measures agreement on the calibration data, and the
        # tables show no interval): on the CNN it is most of the compile time.
        cmd += ["--eval-data", f"{d}/test_images.npy", "--eval-labels", f"{d}/test_labels.npy"]
    if model.pin_layer and prec in PIN:
        cmd += ["--precision-override", f"{model.pin_layer}={PIN[prec]}"]
    run(cmd)


def run_native(args, fb, images, out_dir):
    run([os.path.join(args.bin, "qopt-run"), fb, "--engine=native", "--input", images,
         "--output-dir", out_dir, f"--threads={args.threads}", "--quiet"])
    outputs = [f for f in os.listdir(out_dir) if f.endswith(".npy")]
    if len(outputs) != 1:
        sys.exit(f"error: {fb}: expected one output, qopt-run wrote {outputs}")
    return np.load(os.path.join(out_dir, outputs[0]))


def benchmark(args, fb, images, runs, work):
    """qopt-run's median and 10th-percentile latency per batch, in ms, for one batch file."""
    result = os.path.join(work, "bench.json")
    run([os.path.join(args.bin, "qopt-run"), fb, "--engine=native", "--input", images,
         f"--benchmark={runs}", f"--benchmark-json={result}", "--output-dir", work,
         f"--threads={args.threads}", "--quiet"])
    with open(result) as f:
        b = json.load(f)
    return b["latency_ms"]["median"], b["latency_ms"]["p10"], b.get("description", "")


# ---------------------------------------------------------------------------------------------
# Measures

def worst_layer(report):
    layers = [l for l in report.get("layers", []) if isinstance(l.get("sqnr_db"), (int, float))]
    if not layers:
        return None, None
    w = min(layers, key=lambda l: l["sqnr_db"])
    return w["sqnr_db"], w["name"]


def precisions_used(report):
    counts = {}
    for l in report.get("layers", []):
        counts[l.get("precision", "?")] = counts.get(l.get("precision", "?"), 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def report_interval(report, test_images, samples):
    """The report's 95% interval on the accuracy change, as (lo, hi) in points gained, when the
    report measured the same test images with labels; None otherwise."""
    ev = report.get("evaluation", {})
    ci = ev.get("loss_points_ci95")
    if (not isinstance(ci, list) or len(ci) != 2 or ev.get("samples") != samples
            or os.path.basename(str(ev.get("data", ""))) != os.path.basename(test_images)
            or "accuracy_pct" not in ev):
        return None
    # The report states a loss (fp32 minus compiled); the tables state a change (compiled minus fp32).
    return (-ci[1], -ci[0])


def measure(rows, labels):
    fp32 = rows["fp32"]
    ref_top1 = np.argmax(fp32["logits"], axis=1)
    acc32 = 100.0 * np.mean(ref_top1 == labels)
    for prec, r in rows.items():
        top1 = np.argmax(r["logits"], axis=1)
        r["accuracy_pct"] = 100.0 * float(np.mean(top1 == labels))
        r["delta_points"] = r["accuracy_pct"] - acc32
        r["agreement_pct"] = 100.0 * float(np.mean(top1 == ref_top1))
        r["size_ratio"] = fp32["file_bytes"] / r["file_bytes"]
        r["speedup_b1"] = fp32["latency_ms_b1"] / r["latency_ms_b1"]
        r["speedup_b64"] = fp32["latency_ms_b64"] / r["latency_ms_b64"]
        r["throughput_b64"] = 64 * 1000.0 / r["latency_ms_b64"]


# ---------------------------------------------------------------------------------------------
# Output

COLUMNS = ("precision", "size bytes", "x smaller", "b1 ms", "b64 ms", "b64 samples/s",
           "speedup b1", "speedup b64", "accuracy", "delta points [95% CI]", "agree fp32",
           "worst SQNR")


def fmt_row(prec, r):
    if prec == "fp32":
        delta = "(reference)"
    else:
        ci = r["delta_ci95"]
        delta = f"{r['delta_points']:+.2f} " + (f"[{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else "[n/a]")
    sqnr = r["worst_sqnr_db"]
    sqnr = "n/a" if sqnr is None else ("exact" if sqnr >= EXACT_DB else f"{sqnr:.1f} dB")
    return (prec, f"{r['file_bytes']:,}", f"{r['size_ratio']:.2f}x", f"{r['latency_ms_b1']:.4f}",
            f"{r['latency_ms_b64']:.4f}", f"{r['throughput_b64']:,.0f}", f"{r['speedup_b1']:.2f}x",
            f"{r['speedup_b64']:.2f}x", f"{r['accuracy_pct']:.2f}%", delta,
            f"{r['agreement_pct']:.2f}%", sqnr)


def print_table(model, result):
    rows = [COLUMNS] + [fmt_row(p, result["precisions"][p]) for p in PRECISIONS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    print()
    print(f"== {model.title}: {result['test_samples']} test images, {result['engine']}")
    for i, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    mixed = result["precisions"]["mixed"]
    if result["search_on"] == "validation":
        print(f"mixed: {mixed['layers']} (budget {result['budget']} points on {result['val_samples']} "
              f"validation images; its report, and so its interval, is on those, not the test set)")
    else:
        print(f"mixed: {mixed['layers']} (budget {result['budget']} points on the test set itself)")
    worst = result["precisions"]["int8"]
    if worst["worst_layer"]:
        print(f"int8 worst layer: {worst['worst_layer']}; weights alone "
              f"{result['precisions']['fp32']['weights_bytes']:,} -> {worst['weights_bytes']:,} bytes")


def write_report(args, keys, compiled):
    tool = os.path.join(args.bin, "qopt-report")
    if not os.path.exists(tool):
        sys.exit(f"demo: {tool} is missing: build qopt (scripts/build.sh) first")
    paths = []
    for key in keys:
        html = os.path.join(args.out, f"{key}.report.html")
        run([tool, "-o", html] + compiled[key])
        paths.append(html)
        print(f"report: {html}")
    return paths


def measure_model(args, m, steps, loads, b1_runs, b64_runs):
    """Compiles one model at every precision, runs and times each natively; its table's numbers."""
    test_images = os.path.join(m.data, "test_images.npy")
    labels = np.load(os.path.join(m.data, "test_labels.npy"))
    work = os.path.join(args.out, m.key)
    os.makedirs(work, exist_ok=True)
    x = np.load(test_images)
    for b in (1, 64):
        np.save(os.path.join(work, f"batch{b}.npy"), np.ascontiguousarray(x[:b]))
    rows = {}
    for prec in PRECISIONS:
        fb, report = os.path.join(work, f"{m.key}.{prec}.fb"), os.path.join(work, f"{m.key}.{prec}.json")

        def step():
            compile_model(args, m, prec, fb, report)
            return run_native(args, fb, test_images, os.path.join(work, f"out.{prec}"))
        logits = steps.run(f"compiling {m.key} {prec}, running it natively on {len(x)} test images", step)
        with open(report) as f:
            rep = json.load(f)
        sqnr, layer = worst_layer(rep)
        rows[prec] = {"logits": logits, "file_bytes": os.path.getsize(fb),
                      "weights_bytes": rep.get("model_size_bytes", {}).get("compiled"),
                      "worst_sqnr_db": sqnr, "worst_layer": layer, "layers": precisions_used(rep),
                      "delta_ci95": report_interval(rep, test_images, len(x)),
                      "report_evaluation": rep.get("evaluation", {}), "model": fb, "report": report}

    def timing():
        loads.append(os.getloadavg()[0])
        lat = {p: {1: [], 64: []} for p in PRECISIONS}
        p10 = {p: {1: [], 64: []} for p in PRECISIONS}
        desc = ""
        for r in range(args.rounds):
            order = PRECISIONS[r % len(PRECISIONS):] + PRECISIONS[:r % len(PRECISIONS)]
            for p in order:
                for b, n in ((1, b1_runs), (64, b64_runs)):
                    ms, fast, desc = benchmark(args, rows[p]["model"], os.path.join(work, f"batch{b}.npy"),
                                               n, work)
                    lat[p][b].append(ms)
                    p10[p][b].append(fast)
        for p in PRECISIONS:
            rows[p]["latency_ms_b1"] = float(np.median(lat[p][1]))
            rows[p]["latency_ms_b64"] = float(np.median(lat[p][64]))
            # Per round, for whoever wants to see the spread: a busy machine shows as p10 << median.
            rows[p]["latency_rounds_ms"] = {"b1": lat[p][1], "b64": lat[p][64],
                                            "b1_p10": p10[p][1], "b64_p10": p10[p][64]}
        return desc
    engine = steps.run(f"timing {m.key}: {args.rounds} rounds x 5 precisions, batch 1 ({b1_runs} runs) "
                       f"and batch 64 ({b64_runs} runs)", timing)
    measure(rows, labels)
    for r in rows.values():
        del r["logits"]
    return {"title": m.title, "test_samples": len(x), "engine": engine, "budget": args.budget,
            "search_on": args.search_on,
            "val_samples": len(np.load(os.path.join(m.data, "val_labels.npy"))),
            "precisions": rows}


def main():
    args = parse_args()
    for tool in ("qopt-compile", "qopt-run"):
        if not os.access(os.path.join(args.bin, tool), os.X_OK):
            sys.exit(f"error: {os.path.join(args.bin, tool)} not found: build qopt first (scripts/build.sh)")
    out = os.path.abspath(args.out)
    args.out = out
    os.makedirs(out, exist_ok=True)
    fm_dir, dg_dir = os.path.join(out, "data", "fashion_mnist"), os.path.join(out, "data", "digits")
    fm = os.path.join(ROOT, "examples", "fashion_mnist")
    catalog = {
        "mlp": Model("mlp", "Fashion-MNIST MLP (784-256-128-10)", os.path.join(fm, "mlp.onnx"), fm_dir),
        "cnn": Model("cnn", "Fashion-MNIST CNN (2x conv-relu-pool, 1568-128-10)",
                     os.path.join(fm, "cnn.onnx"), fm_dir),
        "digits": Model("digits", "scikit-learn digits, logistic regression (64-10)",
                        os.path.join(dg_dir, "digits.onnx"), dg_dir, pin_layer="classifier"),
    }
    models = [catalog[k] for k in args.models]
    b1_runs, b64_runs = (200, 20) if args.quick else (1000, 50)
    # Reduced mode: test, validation and calibration subsets of Fashion-MNIST.
    fm_test, fm_val, fm_calib = (500, 300, 128) if args.quick else (None, 1000, 512)

    wall0, cpu0 = time.monotonic(), Steps.cpu_seconds()
    steps = Steps(2 + len(models) * (len(PRECISIONS) + 1))
    steps.run("making the data: Fashion-MNIST from Debian's dataset-fashion-mnist"
              + (f" (quick: {fm_test} test, {fm_val} validation, {fm_calib} calibration images)"
                 if args.quick else ""),
              lambda: make_fashion_mnist(fm_dir, fm_test, fm_val, fm_calib))
    steps.run("training the digits classifier (scikit-learn) and exporting it to ONNX",
              lambda: make_digits(dg_dir))

    results, loads = {}, []
    for m in models:
        results[m.key] = measure_model(args, m, steps, loads, b1_runs, b64_runs)
    compiled = {k: [r["precisions"][p]["model"] for p in PRECISIONS] for k, r in results.items()}

    cpus, load = os.cpu_count() or 1, max(loads)
    if load > cpus:
        print(f"\nnote: the load average reached {load:.1f} on {cpus} CPUs while timing: other work "
              "shared the cores, so latencies are inflated and noisy (the speedups, measured in "
              "interleaved rounds, less so)")
    for m in models:
        print_table(m, results[m.key])
    print()
    reports = write_report(args, [m.key for m in models], compiled)
    wall, cpu = time.monotonic() - wall0, Steps.cpu_seconds() - cpu0
    summary = {"quick": args.quick, "threads": args.threads, "rounds": args.rounds,
               "load_average_while_timing": loads,
               "wall_seconds": wall, "cpu_seconds": cpu, "models": results, "html_reports": reports}
    with open(os.path.join(out, "demo.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"results: {os.path.join(out, 'demo.json')}")
    print(f"demo took {wall:.0f} s ({cpu:.0f} s of CPU time)")


if __name__ == "__main__":
    main()
