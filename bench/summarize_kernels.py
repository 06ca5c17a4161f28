#!/usr/bin/python3
"""Markdown and PNG plots of qopt-kernel-bench's JSON (build/bin/qopt-kernel-bench --json=FILE).

  /usr/bin/python3 bench/summarize_kernels.py kernels.json [--out DIR]   prints the markdown
  import summarize_kernels; md = summarize_kernels.section(json_path, out_dir)

JSON schema ("schema": "qopt-kernel-bench/1"):
{
  "schema": "qopt-kernel-bench/1",
  "smoke": bool,                                  # --smoke: tiny shapes, one run each
  "notes": {"qopt", "onednn", "timing"},          # what exactly is timed, in words
  "machine": {
    "peaks": {                                    # MachinePeaks::toJson (lib/Support), per core
      "ghz",                                      # clock from a dependent-add chain
      "f32_fma_ops_per_cycle", "f32_fma_vector_bits", "f32_fma_ymm_ops_per_cycle",
      "int8_vnni_ops_per_cycle",                  # vpdpbusd zmm
      "int8_avx2_ops_per_cycle",                  # vpmaddubsw + vpmaddwd + vpaddd ymm
      "bf16_ops_per_cycle",                       # vdpbf16ps zmm
      "l1_bytes_per_cycle", "l2_bytes_per_cycle", "dram_bytes_per_cycle",   # read bandwidth
      "l1_bytes", "l2_bytes", "dram_bytes",       # working sets measured
      "l2_cache_bytes", "quick"},                 # 0 for an instruction the CPU lacks
    "cpu": str, "nproc": int,
    "load_before": "1.0 0.8 0.5", "load_after": str       # /proc/loadavg around the run
  },
  "onednn": {"available": bool, "version": str, "isa": str}   or {"available": false, "why": str},
  "kernels": [{
    "name": "fc_256x1024x1024", "shape": "256x1024->1024",
    "precision": "int8" | "bf16" | "fp16" | "fp32",
    "threads": int, "tool": "qopt" | "onednn",
    "variant": "" | "u8" | "s32" | "f32io",       # oneDNN int8 destination (u8: requantized);
                                                  # qopt int8 "" runs u8 -> u8, "f32io" the
                                                  # f32 -> f32 graph with its input quantize
    "ok": bool,                                   # false: "note" says why (compile error, ...)
    "median_ms", "min_ms", "max_ms": float|null,  # wall time of one call
    "runs": int, "gop_per_s": float,
    "op_per_cycle": float|null,                   # ops / (median seconds x ghz); 2 ops per MAC
    "pct_of_peak": float|null,                    # op_per_cycle / the peak named below
    "median_cpu_ms", "op_per_cycle_cpu", "pct_of_peak_cpu": float|null,
                                                  # 1 thread only: from the calling thread's
                                                  # CPU time, which leaves out preemption (the
                                                  # peaks are measured the same way)
    "peak_name": "vpdpbusd zmm" | "vdpbf16ps zmm" | "vfmadd231ps zmm" | ...,
    "ops": float, "gemm_rows": int,               # rows of the GEMM (output pixels for a conv)
    "vs_onednn": float|null,                      # qopt rows: qopt / oneDNN throughput (CPU
                                                  # time at 1 thread, else wall time)
    "impl": str,                                  # qopt: "target in->out dtypes"; oneDNN: impl
    "note": str                                   # optional
  }, ...],
  "gemv": {"rows": [{"name", "precision", "weight_bytes", "weights_fit_l2", "median_ms" (CPU),
                     "bytes_per_cycle", "l2_bytes_per_cycle", "fraction_of_l2_bw",
                     "fraction_of_dram_bw"}]},    # batch-1 FC, 1 thread: weight bytes / time
  "epilogue": {"measured": bool, "why": str,      # the fused requantize epilogue's share (CPU ms)
               "rows": [{"name", "threads", "int8_out_ms", "wide_out_ms", "wide_out", "share"}]}
}
"""
import argparse
import json
import os
import sys


def _load(path):
    with open(path) as f:
        return json.load(f)


def _fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


def _peer(rows, row):
    """The oneDNN row matching a qopt row (int8: the requantized u8 destination, like qopt)."""
    for r in rows:
        if (r["tool"] == "onednn" and r["name"] == row["name"] and
                r["precision"] == row["precision"] and r["threads"] == row["threads"] and
                r.get("variant", "") in ("", "u8")):
            return r
    return None


def _ratio(q, d):
    """qopt throughput / oneDNN throughput (> 1: qopt is faster), from CPU time when both have
    it (1 thread: robust to a loaded machine), else from wall time."""
    if not q or not d or not q.get("ok") or not d.get("ok"):
        return None
    if q.get("median_cpu_ms") and d.get("median_cpu_ms"):
        return d["median_cpu_ms"] / q["median_cpu_ms"]
    return d["median_ms"] / q["median_ms"]


def machine_lines(doc):
    m, p = doc["machine"], doc["machine"]["peaks"]
    d = doc.get("onednn", {})
    peer = (f"oneDNN {d.get('version')} (ISA capped at {d.get('isa')})" if d.get("available")
            else f"oneDNN not measured: {d.get('why')}")
    return [
        f"CPU: {m.get('cpu')}, {m.get('nproc')} CPUs; load average {m.get('load_before')} before, "
        f"{m.get('load_after')} after"
        f"{' (smoke run: tiny shapes, one run each)' if doc.get('smoke') else ''}.",
        f"Measured peaks per core: clock {p['ghz']:.2f} GHz; op/cycle vfmadd231ps "
        f"{p['f32_fma_ops_per_cycle']:.1f} ({p['f32_fma_vector_bits']}-bit), vpdpbusd "
        f"{p['int8_vnni_ops_per_cycle']:.1f}, vdpbf16ps {p['bf16_ops_per_cycle']:.1f}, AVX2 int8 "
        f"{p['int8_avx2_ops_per_cycle']:.1f}; read bytes/cycle L1 {p['l1_bytes_per_cycle']:.1f}, "
        f"L2 {p['l2_bytes_per_cycle']:.1f}, DRAM {p['dram_bytes_per_cycle']:.1f}.",
        f"Peer: {peer}.",
    ] + busy_lines(doc)


def busy_lines(doc):
    """A warning when other processes had the CPUs: the figures are then lower bounds."""
    m = doc["machine"]
    try:
        load = float(str(m.get("load_before", "")).split()[0])
    except (ValueError, IndexError):
        return []
    nproc = m.get("nproc") or 1
    if load < 0.5 * nproc:
        return []
    return ["", f"**The machine was busy** (load {load:g} on {nproc} CPUs): every figure is a "
            "lower bound. The (cpu) columns leave out the time a 1-thread run was preempted. "
            "2-thread figures mostly measure waiting for a preempted worker, oneDNN's most "
            "(OpenMP splits the work statically and waits for every thread; qopt's pool lets the "
            "calling thread take the chunks a busy worker has not claimed)."]


def kernel_table(doc):
    rows = doc["kernels"]
    out = ["% of peak from wall time; (cpu): from the thread's CPU time, 1 thread only. "
           "qopt/oneDNN: throughput ratio (CPU time at 1 thread, else wall time).", "",
           "| kernel | shape | prec | thr | qopt ms | qopt op/cyc | qopt % peak | (cpu) | "
           "oneDNN ms | oneDNN % peak | (cpu) | qopt/oneDNN | peak |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    notes = []
    for q in rows:
        if q["tool"] != "qopt" or q.get("variant"):
            continue
        d = _peer(rows, q)
        ratio = _ratio(q, d)
        if not q["ok"]:
            notes.append(f"- qopt {q['name']} {q['precision']} x{q['threads']}: {q.get('note')}")
        if d is not None and not d["ok"]:
            notes.append(f"- oneDNN {d['name']} {d['precision']} x{d['threads']}: {d.get('note')}")
        out.append(
            f"| {q['name']} | {q['shape']} | {q['precision']} | {q['threads']} | "
            f"{_fmt(q['median_ms'], '.4f')} | {_fmt(q['op_per_cycle'], '.1f')} | "
            f"{_fmt(q['pct_of_peak'], '.1f')} | {_fmt(q.get('pct_of_peak_cpu'), '.1f')} | "
            f"{_fmt(d['median_ms'] if d else None, '.4f')} | "
            f"{_fmt(d['pct_of_peak'] if d else None, '.1f')} | "
            f"{_fmt(d.get('pct_of_peak_cpu') if d else None, '.1f')} | {_fmt(ratio, '.2f')} | "
            f"{q['peak_name']} |")
    s32 = [r for r in rows if r["tool"] == "onednn" and r.get("variant") == "s32" and r["ok"]]
    if s32:
        out.append("")
        out.append("oneDNN int8 with an s32 destination (no requantize): " + ", ".join(
            f"{r['name']} x{r['threads']} {r['median_ms']:.4f} ms ({r['pct_of_peak']:.1f}%)"
            for r in s32) + ".")
    f32io = [r for r in rows if r["tool"] == "qopt" and r.get("variant") == "f32io" and r["ok"]]
    if f32io:
        out.append("")
        out.append("qopt int8 as an f32 -> f32 graph (its input quantize and dequantizing "
                   "epilogue included): " + ", ".join(
                       f"{r['name']} x{r['threads']} {r['median_ms']:.4f} ms "
                       f"({r['pct_of_peak']:.1f}%)" for r in f32io) + ".")
    if notes:
        out += ["", "Not measured:"] + sorted(set(notes))
    return out


def gemv_lines(doc):
    rows = doc.get("gemv", {}).get("rows", [])
    if not rows:
        return []
    out = ["", "Batch-1 GEMV (1 thread): weight bytes streamed per cycle vs the measured L2 read "
           "bandwidth.", "",
           "| kernel | prec | weight bytes | in L2 | ms | bytes/cycle | % of L2 bw | "
           "% of DRAM bw |",
           "|---|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        pct = lambda v: "-" if v is None else f"{100 * v:.1f}"
        out.append(f"| {r['name']} | {r['precision']} | {int(r['weight_bytes'])} | "
                   f"{'yes' if r['weights_fit_l2'] else 'no'} | {r['median_ms']:.4f} | "
                   f"{r['bytes_per_cycle']:.1f} | {pct(r['fraction_of_l2_bw'])} | "
                   f"{pct(r['fraction_of_dram_bw'])} |")
    return out


def epilogue_lines(doc):
    e = doc.get("epilogue", {})
    if not e.get("measured"):
        return ["", f"Requantize epilogue share: not measured ({e.get('why', 'no reason given')})."]
    out = ["", "Fused requantize epilogue: int8 FC with an int8 output vs the same FC with a wider "
           "output" + (f" ({e['why']})" if e.get("why") else "") + ".", "",
           "| kernel | thr | int8 out ms | wide out | wide out ms | share |",
           "|---|---:|---:|---|---:|---:|"]
    for r in e.get("rows", []):
        out.append(f"| {r['name']} | {r['threads']} | {r['int8_out_ms']:.4f} | {r['wide_out']} | "
                   f"{r['wide_out_ms']:.4f} | {100 * r['share']:+.1f}% |")
    return out


def plots(doc, out_dir):
    """kernels_pct_of_peak.png: qopt and oneDNN % of peak per kernel and precision, 1 thread.
    Returns the file names written (none without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    rows = doc["kernels"]
    qrows = [r for r in rows if r["tool"] == "qopt" and r["threads"] == 1 and not r.get("variant")]
    if not qrows:
        return []
    os.makedirs(out_dir, exist_ok=True)
    written = []
    precisions = [p for p in ("int8", "bf16", "fp16", "fp32")
                  if any(r["precision"] == p for r in qrows)]
    names = list(dict.fromkeys(r["name"] for r in qrows))
    fig, axes = plt.subplots(len(precisions), 1,
                             figsize=(max(6, 1.1 * len(names)), 2.6 * len(precisions)),
                             squeeze=False)
    for ax, p in zip(axes[:, 0], precisions):
        qv, dv = [], []
        for n in names:
            q = next((r for r in qrows if r["name"] == n and r["precision"] == p), None)
            d = _peer(rows, q) if q else None
            pct = lambda r: (r or {}).get("pct_of_peak_cpu") or (r or {}).get("pct_of_peak") or 0
            qv.append(pct(q))
            dv.append(pct(d))
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], qv, 0.4, label="qopt")
        ax.bar([i + 0.2 for i in x], dv, 0.4, label="oneDNN")
        ax.axhline(85, color="grey", lw=0.8, ls="--")
        ax.set_ylabel(f"{p}\n% of peak")
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=20, ha="right", fontsize=7)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("% of the measured instruction peak, 1 thread, from CPU time where measured "
                 f"(load {doc['machine'].get('load_before')})",
                 fontsize=9)
    fig.tight_layout()
    path = os.path.join(out_dir, "kernels_pct_of_peak.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(os.path.basename(path))

    # qopt / oneDNN throughput, every thread count.
    pairs = [(q, _peer(rows, q)) for q in rows if q["tool"] == "qopt" and not q.get("variant")]
    pairs = [(q, d, _ratio(q, d)) for q, d in pairs if _ratio(q, d)]
    if pairs:
        fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(pairs)), 3.2))
        labels = [f"{q['name']} {q['precision']} x{q['threads']}" for q, _, _ in pairs]
        ax.bar(range(len(pairs)), [r for _, _, r in pairs])
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.axhline(0.9, color="grey", lw=0.8, ls="--")
        ax.set_ylabel("qopt / oneDNN throughput")
        ax.set_xticks(range(len(pairs)))
        ax.set_xticklabels(labels, rotation=70, ha="right", fontsize=6)
        fig.tight_layout()
        path = os.path.join(out_dir, "kernels_vs_onednn.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(os.path.basename(path))
    return written


def section(kernels_json_path, out_dir):
    """The kernel section of the benchmark report as markdown; writes its PNGs into out_dir."""
    doc = _load(kernels_json_path)
    lines = ["## Kernels (qopt-kernel-bench)", ""] + machine_lines(doc) + [""]
    lines += kernel_table(doc) + gemv_lines(doc) + epilogue_lines(doc)
    images = plots(doc, out_dir)
    if images:
        lines += [""] + [f"![{name}]({name})" for name in images]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Summarize qopt-kernel-bench's JSON.")
    ap.add_argument("json")
    ap.add_argument("--out", default=None, help="where the PNGs go (default: next to the JSON)")
    a = ap.parse_args()
    out = a.out or os.path.dirname(os.path.abspath(a.json))
    sys.stdout.write(section(a.json, out))


if __name__ == "__main__":
    main()
