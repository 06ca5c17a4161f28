#!/usr/bin/python3
"""The benchmark report: bench.json (bench/run_models.py) -> bench.md and PNG plots, plus the
kernel section from bench/summarize_kernels.py when kernels.json is present.

  /usr/bin/python3 bench/summarize.py RESULTS_DIR     writes RESULTS_DIR/bench.md, prints it

Ratios are latency ratios (below 1: qopt is faster). ONNX Runtime's batch-1 figures are net of
its Node binding's per-call cost. The targets are issue 10's; a mark says met or missed.
"""
import argparse
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = ["qopt", "onnxruntime", "pytorch"]
SHORT = {"qopt": "qopt", "onnxruntime": "ORT", "pytorch": "PyTorch"}
PRECISIONS = ["fp32", "int8", "bf16", "fp16"]
PEER_ORDER = ["fp32", "int8"]
MLPS = {"fmnist_mlp", "mlp512"}


def latency(r):
    """The figure compared: ORT at batch 1 net of its binding's per-call cost."""
    return r.get("net_median_ms", r.get("median_ms"))


def fmt_ms(r):
    if r is None:
        return "–"
    if r["status"] != "ok":
        return f"{r['status']}"
    off = r.get("binding_overhead_ms", 0.0) if "net_median_ms" in r else 0.0
    s = f"{latency(r):.3g} ({max(r['min_ms'] - off, 0):.3g}–{max(r['max_ms'] - off, 0):.3g})"
    return s + (" net" if off else "")


def fmt_check(r):
    v = r.get("vs_ref") if r else None
    if not v:
        return "–"
    if "error" in v:
        return v["error"]
    s = f"{100 * v['rel_err']:.2g}%"
    return s + (f" (top-1 {100 * v['top1_agree']:.0f}%)" if v["top1_agree"] < 1 else "")


def suspect(r):
    """An output too far from the reference for its figure to count (a broken QDQ model, say)."""
    v = r.get("vs_ref") or {}
    return "rel_err" in v and (v["rel_err"] > 0.1 or v["top1_agree"] < 0.9)


def mark(ratio, bound):
    return "" if ratio is None or bound is None else (" ✓" if ratio <= bound else " ✗")


def ratio(a, b):
    if not a or not b or a["status"] != "ok" or b["status"] != "ok" or not latency(b):
        return None
    return latency(a) / latency(b)


def target_vs_ort(precision, batch):
    if precision == "int8":
        return 0.5 if batch == 1 else 0.8
    return 1.0 if precision == "fp32" else None


class Index:
    def __init__(self, rows):
        self.rows = {(r["model"], r["tool"], r["precision"], r["batch"], r["threads"]): r for r in rows}

    def get(self, *key):
        return self.rows.get(key)


def header(doc):
    m = doc["meta"]
    busy = " — **busy**: the 1-min load was above 0.5 before the run, so timings are noisy" if m["busy"] else ""
    lines = ["# qopt whole-model benchmark", "",
             f"- {m['date_utc']}, {m['cpu']} ({m['cpus']} CPUs), {m['seconds']:.0f} s"
             + (" (smoke run: one iteration, not a measurement)" if m["smoke"] else ""),
             f"- load average before {m['load_before']}, after {m['load_after']}{busy}",
             f"- each figure: median of {m['repeats']} rounds (each the median of {m['runs']} timed runs "
             f"after {m['warmup']} warm-up), min–max over rounds, in ms per batch"]
    oh = doc.get("ort_call_overhead_ms") or {}
    if oh:
        lines.append("- ONNX Runtime's Node binding costs "
                     + ", ".join(f"{1000 * v:.1f} µs at {t} thread(s)" for t, v in oh.items())
                     + " per call (one-node model); subtracted at batch 1 (\"net\")")
    versions = {r["tool"]: r.get("version") for r in doc["rows"] if r.get("version")}
    engines = {r.get("engine") for r in doc["rows"] if r.get("engine")}
    if versions:
        lines.append("- peers: " + ", ".join(f"{SHORT[t]} {v}" for t, v in versions.items())
                     + (f"; PyTorch int8 engine: {', '.join(sorted(engines))}" if engines else ""))
    lines.append("- correctness: every output against " + ("ONNX Runtime fp32" if "onnxruntime" in versions
                                                           else "PyTorch fp32")
                 + " on the same input (relative L2 error, top-1 agreement)")
    return lines


def main_table(doc, ix):
    m = doc["meta"]
    lines = ["", "## Latency", "",
             "| model | batch | threads | precision | qopt | ORT | PyTorch | qopt/ORT | qopt/PyTorch | error vs ORT fp32: qopt / ORT / PyTorch |",
             "|---|---:|---:|---|---|---|---|---:|---:|---|"]
    for model in m["models"]:
        for b in m["batches"]:
            for t in m["threads"]:
                for p in [p for p in PRECISIONS if p in m["precisions"]]:
                    q, o, pt = (ix.get(model, tool, p, b, t) for tool in TOOLS)
                    if not (q or o or pt):
                        continue
                    r_o = ratio(q, o)
                    r_p = ratio(q, pt)
                    lines.append(
                        f"| {model} | {b} | {t} | {p} | {fmt_ms(q)} | {fmt_ms(o)} | {fmt_ms(pt)} | "
                        + (f"{r_o:.2f}{mark(r_o, target_vs_ort(p, b))}" if r_o else "–") + " | "
                        + (f"{r_p:.2f}" if r_p else "–") + " | "
                        + " / ".join(fmt_check(x) for x in (q, o, pt)) + " |")
    lines += ["", "Error: relative L2 error of the output against ONNX Runtime fp32 on the same input "
              "(top-1 agreement when below 100%).",
              "Targets: qopt/ORT ≤ 1.0 at fp32; at int8 ≤ 0.8 at batch 64 and ≤ 0.5 at batch 1 (net of the binding)."]
    return lines


def speedups(doc, ix):
    m = doc["meta"]
    lines = ["", "## qopt: lower precisions vs fp32 (latency fp32 / latency P)", "",
             "| model | batch | threads | " + " | ".join(p for p in PRECISIONS[1:] if p in m["precisions"]) + " |",
             "|---|---:|---:|" + "---:|" * len([p for p in PRECISIONS[1:] if p in m["precisions"]])]
    for model in m["models"]:
        for b in m["batches"]:
            for t in m["threads"]:
                f = ix.get(model, "qopt", "fp32", b, t)
                cells = []
                for p in [p for p in PRECISIONS[1:] if p in m["precisions"]]:
                    r = ratio(f, ix.get(model, "qopt", p, b, t))
                    bound = 1 / 3 if p == "int8" and model in MLPS else None
                    cells.append(f"{r:.2f}×" + ("" if bound is None else (" ✓" if r >= 3 else " ✗")) if r else "–")
                lines.append(f"| {model} | {b} | {t} | " + " | ".join(cells) + " |")
    lines += ["", "Target: int8 ≥ 3× faster than fp32 on the MLPs."]
    if 1 in m["threads"] and 2 in m["threads"]:
        b = max(m["batches"])
        lines += ["", f"## 2 threads vs 1 at batch {b} (latency 1 thread / latency 2 threads)", "",
                  "| model | precision | qopt | ORT | PyTorch |", "|---|---|---:|---:|---:|"]
        for model in m["models"]:
            for p in [p for p in PRECISIONS if p in m["precisions"]]:
                cells = []
                for tool in TOOLS:
                    r = ratio(ix.get(model, tool, p, b, 1), ix.get(model, tool, p, b, 2))
                    cells.append(f"{r:.2f}×" + ((" ✓" if r >= 1.8 else " ✗") if tool == "qopt" else "") if r else "–")
                if any(c != "–" for c in cells):
                    lines.append(f"| {model} | {p} | " + " | ".join(cells) + " |")
        lines += ["", "Target: qopt ≥ 1.8× at 2 threads."]
    return lines


def compile_table(doc):
    c = doc.get("compile") or []
    if not c:
        return []
    # The targets: a 10-layer 1024-wide MLP in under 2 s, ResNet-18 in under 20 s.
    targets = {"mlp1024x10": 2.0, "resnet18": 20.0}
    lines = ["", "## qopt compile time (qopt-compile --target=host, calibration included)", "",
             "| model | precision | seconds | target | met | ok |", "|---|---|---:|---:|---|---|"]
    for x in c:
        t = targets.get(x["model"])
        met = "–" if t is None or not x["ok"] else ("yes" if x["seconds"] < t else "no")
        lines.append(f"| {x['file'][:-5]} | {x['precision']} | {x['seconds']:.1f} | "
                     f"{'< %g s' % t if t else '–'} | {met} | {'yes' if x['ok'] else 'no'} |")
    return lines


def failures(doc):
    seen, lines = set(), []
    for r in doc["rows"]:
        if r["status"] == "ok" and suspect(r):
            lines.append(f"- {SHORT[r['tool']]}: suspect output: {r['model']} {r['precision']} batch "
                         f"{r['batch']}: {fmt_check(r)} from ORT fp32, so its time does not count")
        if r["status"] == "ok":
            continue
        key = (r["tool"], r["model"], r["precision"], r.get("error"))
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"- {SHORT[r['tool']]}: {r['status']}: {r['model']} {r['precision']}: {r.get('error')}")
    return (["", "## What did not run (or ran wrong)", ""] + lines) if lines else []


def plots(doc, ix, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "(no plots: matplotlib is missing; install python3-matplotlib)"
    m = doc["meta"]
    written = []
    series = [(tool, p) for tool in TOOLS for p in PRECISIONS
              if p in m["precisions"] and any(k[1] == tool and k[2] == p for k in ix.rows)]
    for b in m["batches"]:
        t = min(m["threads"])
        fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(m["models"])), 4))
        width = 0.8 / max(len(series), 1)
        for i, (tool, p) in enumerate(series):
            ys = []
            for model in m["models"]:
                r = ix.get(model, tool, p, b, t)
                ys.append(latency(r) if r and r["status"] == "ok" else 0)
            ax.bar([j + i * width for j in range(len(m["models"]))], ys, width, label=f"{SHORT[tool]} {p}")
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(m["models"]))])
        ax.set_xticklabels(m["models"], rotation=15)
        ax.set_yscale("log")
        ax.set_ylabel("ms per batch (log)")
        ax.set_title(f"latency, batch {b}, {t} thread(s)" + (" — busy machine" if m["busy"] else ""))
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        name = f"latency_b{b}_t{t}.png"
        fig.savefig(os.path.join(out_dir, name), dpi=110)
        plt.close(fig)
        written.append(name)
    # qopt / ORT for every configuration both ran.
    labels, values = [], []
    for model in m["models"]:
        for b in m["batches"]:
            for t in m["threads"]:
                for p in PEER_ORDER:
                    r = ratio(ix.get(model, "qopt", p, b, t), ix.get(model, "onnxruntime", p, b, t))
                    if r:
                        labels.append(f"{model} {p} b{b} t{t}")
                        values.append(r)
    if values:
        fig, ax = plt.subplots(figsize=(7, max(3, 0.22 * len(values))))
        ax.barh(range(len(values)), values, color=["tab:green" if v <= 1 else "tab:red" for v in values])
        ax.set_yticks(range(len(values)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.axvline(1.0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("qopt latency / ORT latency (log; < 1: qopt faster)")
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, "qopt_vs_ort.png"), dpi=110)
        plt.close(fig)
        written.append("qopt_vs_ort.png")
    return written, None


def kernel_section(out_dir):
    """bench/summarize_kernels.py's section for out_dir/kernels.json, when both exist."""
    path = os.path.join(out_dir, "kernels.json")
    mod_path = os.path.join(HERE, "summarize_kernels.py")
    if not (os.path.exists(path) and os.path.exists(mod_path)):
        return []
    spec = importlib.util.spec_from_file_location("summarize_kernels", mod_path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
        return ["", mod.section(path, out_dir).rstrip("\n")]
    except Exception as e:  # the model report stands on its own
        return ["", "## Kernels", "", f"(kernel summary failed: {type(e).__name__}: {e})"]


def summarize(out_dir):
    with open(os.path.join(out_dir, "bench.json")) as f:
        doc = json.load(f)
    ix = Index(doc["rows"])
    lines = header(doc) + main_table(doc, ix) + speedups(doc, ix) + compile_table(doc) + failures(doc)
    images, why = plots(doc, ix, out_dir)
    lines += [""] + [f"![{n}]({n})" for n in images] + ([why] if why else [])
    lines += kernel_section(out_dir)
    md = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "bench.md"), "w") as f:
        f.write(md)
    return md


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="directory holding bench.json (and kernels.json)")
    a = p.parse_args()
    sys.stdout.write(summarize(a.results))


if __name__ == "__main__":
    main()
