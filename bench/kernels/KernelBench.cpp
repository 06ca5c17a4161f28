// qopt-kernel-bench: the layer shapes of issue 10 at every precision, through qopt's compiled
// code and through oneDNN, as ms, op/s, op/cycle and % of the instruction peak measured in the
// same run. Writes JSON (schema: bench/summarize_kernels.py) and prints a short table.
//
//   qopt-kernel-bench --json=kernels.json           about a minute, plus compiling the models
//   qopt-kernel-bench --json=kernels.json --smoke   tiny shapes, one run each: does it still work?
#include "KernelBench.h"
#include "OneDnnKernels.h"
#include "QOptKernels.h"

#include "qopt/Support/MachinePeaks.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mlir::qopt::kbench {

std::string Kernel::shape() const {
  auto s = [](int64_t v) { return std::to_string(v); };
  if (!conv)
    return s(m) + "x" + s(k) + "->" + s(n);
  std::string r = s(c) + "x" + s(h) + "x" + s(w) + " " + s(kh) + "x" + s(kw) + "->" + s(o);
  if (pad)
    r += " pad " + s(pad);
  if (groups > 1)
    r += groups == c ? " depthwise" : " groups " + s(groups);
  return r;
}

Timing timeRuns(const std::function<bool()> &f, int warmUp, int minRuns, int maxRuns,
                double budgetSeconds, bool *ok) {
  using clock = std::chrono::steady_clock;
  Timing t;
  *ok = true;
  for (int i = 0; i < warmUp; ++i)
    if (!f())
      return *ok = false, t;
  auto cpuMs = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  };
  std::vector<double> ms, cpu;
  auto start = clock::now();
  while ((int)ms.size() < maxRuns) {
    double c0 = cpuMs();
    auto t0 = clock::now();
    if (!f())
      return *ok = false, t;
    auto t1 = clock::now();
    double wall = std::chrono::duration<double, std::milli>(t1 - t0).count();
    // The CPU-time clock is a system call: on a microsecond call its own cost would show up as
    // CPU time beyond the wall time, which one thread cannot spend.
    cpu.push_back(std::min(cpuMs() - c0, wall));
    ms.push_back(wall);
    if ((int)ms.size() >= minRuns &&
        std::chrono::duration<double>(t1 - start).count() >= budgetSeconds)
      break;
  }
  auto median = [](std::vector<double> &v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  };
  t.runs = (int)ms.size();
  t.medianMs = median(ms);
  t.minMs = ms.front();
  t.maxMs = ms.back();
  t.medianCpuMs = median(cpu);
  return t;
}

bool runCommand(const std::vector<std::string> &cmd, const std::string &logPath, std::string &err) {
  pid_t pid = fork();
  if (pid < 0) {
    err = "fork failed";
    return false;
  }
  if (pid == 0) {
    FILE *log = std::fopen(logPath.c_str(), "w");
    if (log) {
      dup2(fileno(log), 1);
      dup2(fileno(log), 2);
    }
    std::vector<char *> argv;
    for (const std::string &a : cmd)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return true;
  // The tool's own message, which names what failed: its first lines are enough for the JSON.
  std::ifstream in(logPath);
  std::string line, text;
  for (int i = 0; i < 6 && std::getline(in, line); ++i)
    text += (text.empty() ? "" : " | ") + line;
  err = cmd[0].substr(cmd[0].rfind('/') + 1) + " failed: " + text + " (log: " + logPath + ")";
  return false;
}

namespace {

//===----------------------------------------------------------------------===//
// JSON output
//===----------------------------------------------------------------------===//

std::string quote(const std::string &s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      r += '\\', r += (char)c;
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      r += buf;
    } else
      r += (char)c;
  }
  return r + "\"";
}

std::string num(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[32];
  // Counts (bytes, ops) exactly; measured values to 6 significant digits.
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// A JSON object built field by field.
struct Obj {
  std::string s;
  Obj &raw(const char *k, const std::string &v) {
    s += (s.empty() ? "" : ",") + quote(k) + ":" + v;
    return *this;
  }
  Obj &str(const char *k, const std::string &v) { return raw(k, quote(v)); }
  Obj &num(const char *k, double v) { return raw(k, kbench::num(v)); }
  Obj &boolean(const char *k, bool v) { return raw(k, v ? "true" : "false"); }
  std::string done() const { return "{" + s + "}"; }
};

std::string loadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a.empty() ? "unknown" : a + " " + b + " " + c;
}

//===----------------------------------------------------------------------===//
// What is measured
//===----------------------------------------------------------------------===//

Kernel fc(const std::string &name, int64_t m, int64_t k, int64_t n) {
  Kernel r;
  r.name = name, r.m = m, r.k = k, r.n = n;
  return r;
}
Kernel conv(const std::string &name, int64_t c, int64_t hw, int64_t o, int64_t kk, int64_t pad,
            int64_t groups) {
  Kernel r;
  r.name = name, r.conv = true, r.c = c, r.h = r.w = hw, r.o = o, r.kh = r.kw = kk, r.pad = pad;
  r.groups = groups;
  return r;
}

std::vector<Kernel> kernelList(bool smoke) {
  if (smoke)
    return {fc("fc_1x64x64", 1, 64, 64), fc("fc_8x64x64", 8, 64, 64),
            conv("conv3x3_8c_8x8", 8, 8, 8, 3, 1, 1),
            conv("dw3x3_8c_8x8", 8, 8, 8, 3, 1, 8)};
  // fc_1x512x512: a GEMV whose weights fit a 1 MiB L2 at every precision but fp32 (256 KiB int8,
  // 512 KiB 16-bit); the 1 MiB of int8 weights of 1x1024x1024 alone fill such an L2.
  return {fc("fc_1x1024x1024", 1, 1024, 1024),     fc("fc_1x512x512", 1, 512, 512),
          fc("fc_32x1024x1024", 32, 1024, 1024),
          fc("fc_256x1024x1024", 256, 1024, 1024), fc("ffn_up_128x768x3072", 128, 768, 3072),
          fc("ffn_down_128x3072x768", 128, 3072, 768),
          conv("conv3x3_64c_56x56", 64, 56, 64, 3, 1, 1),
          conv("conv1x1_256to64_56x56", 256, 56, 64, 1, 0, 1),
          conv("dw3x3_32c_112x112", 32, 112, 32, 3, 1, 32)};
}

/// The model a kernel runs: fully connected layers of one K x N share one model (dynamic batch).
Kernel modelOf(const Kernel &k) {
  if (k.conv)
    return k;
  Kernel m = k;
  m.name = "fc_k" + std::to_string(k.k) + "_n" + std::to_string(k.n);
  return m;
}

const char *const kPrecisions[] = {"int8", "bf16", "fp16", "fp32"};

/// The instruction a precision's GEMM is built on, and its measured op/cycle. `target` is the
/// code section the runtime chose ("avx512bf16", "avx512vnni", "avx2").
std::pair<std::string, double> peakFor(const MachinePeaks &p, const std::string &precision,
                                       const std::string &target) {
  bool avx2Only = target == "avx2";
  if (precision == "int8") {
    if (!avx2Only && p.int8VnniOpsPerCycle > 0)
      return {"vpdpbusd zmm", p.int8VnniOpsPerCycle};
    return {"vpmaddubsw+vpmaddwd+vpaddd ymm", p.int8Avx2OpsPerCycle};
  }
  if (precision == "bf16" && target == "avx512bf16" && p.bf16OpsPerCycle > 0)
    return {"vdpbf16ps zmm", p.bf16OpsPerCycle};
  // fp16 (and bf16 without vdpbf16ps) computes in f32 on FMAs.
  if (avx2Only || p.f32FmaVectorBits != 512)
    return {"vfmadd231ps ymm", p.f32FmaYmmOpsPerCycle};
  return {"vfmadd231ps zmm", p.f32FmaOpsPerCycle};
}

/// Bytes per weight as each precision stores it.
int weightBytes(const std::string &precision) {
  return precision == "int8" ? 1 : precision == "fp32" ? 4 : 2;
}

void fillFigures(Result &r, const Kernel &k, const MachinePeaks &p, double peak) {
  if (!r.ok || r.t.medianMs <= 0)
    return;
  double seconds = r.t.medianMs * 1e-3;
  r.opPerCycle = k.ops() / (seconds * p.ghz * 1e9);
  r.pctOfPeak = peak > 0 ? 100.0 * r.opPerCycle / peak : NAN;
  if (r.threads == 1 && r.t.medianCpuMs > 0) {
    r.opPerCycleCpu = k.ops() / (r.t.medianCpuMs * 1e-3 * p.ghz * 1e9);
    r.pctOfPeakCpu = peak > 0 ? 100.0 * r.opPerCycleCpu / peak : NAN;
  }
}

std::string resultJson(const Result &r, const Kernel &k) {
  Obj o;
  o.str("name", r.name).str("shape", r.shape).str("precision", r.precision);
  o.num("threads", r.threads).str("tool", r.tool).str("variant", r.variant);
  o.boolean("ok", r.ok);
  if (r.ok) {
    o.num("median_ms", r.t.medianMs).num("min_ms", r.t.minMs).num("max_ms", r.t.maxMs);
    o.num("runs", r.t.runs);
    o.num("gop_per_s", k.ops() / (r.t.medianMs * 1e-3) * 1e-9);
    o.num("op_per_cycle", r.opPerCycle).num("pct_of_peak", r.pctOfPeak);
    if (r.threads == 1 && r.opPerCycleCpu > 0)
      o.num("median_cpu_ms", r.t.medianCpuMs).num("op_per_cycle_cpu", r.opPerCycleCpu)
          .num("pct_of_peak_cpu", r.pctOfPeakCpu);
    else
      o.raw("median_cpu_ms", "null").raw("op_per_cycle_cpu", "null").raw("pct_of_peak_cpu", "null");
  } else {
    o.raw("median_ms", "null").raw("min_ms", "null").raw("max_ms", "null");
    o.raw("op_per_cycle", "null").raw("pct_of_peak", "null");
    o.raw("median_cpu_ms", "null").raw("op_per_cycle_cpu", "null").raw("pct_of_peak_cpu", "null");
  }
  o.num("ops", k.ops()).num("gemm_rows", (double)k.gemmRows());
  o.str("peak_name", r.peakName);
  if (r.tool == "qopt")
    o.raw("vs_onednn", r.vsOneDnn > 0 ? num(r.vsOneDnn) : "null");
  if (!r.impl.empty())
    o.str("impl", r.impl);
  if (!r.note.empty())
    o.str("note", r.note);
  return o.done();
}

struct Args {
  Options opt;
  std::string jsonPath = "kernels.json", precisions;
};

std::string selfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return ".";
  std::string p(buf, n);
  return p.substr(0, p.rfind('/'));
}

const char kUsage[] =
    "usage: qopt-kernel-bench [--json=FILE] [--smoke] [--work-dir=DIR] [--filter=SUBSTR]\n"
    "         [--precisions=int8,bf16,fp16,fp32] [--no-onednn] [--onednn-isa=ISA]\n"
    "         [--budget=SECONDS] [--qopt-compile=PATH] [--python=PATH]\n"
    "  --onednn-isa caps oneDNN's instruction set (default avx512_core_bf16: the ISA qopt's best\n"
    "  target uses; 'all' lets it use AMX where the CPU has it).\n";

bool parseArgs(int argc, char **argv, Args &a) {
  Options &o = a.opt;
  o.qoptCompile = selfDir() + "/qopt-compile";
  o.python = "/usr/bin/python3";
  o.modelScript = QOPT_KBENCH_MODEL_SCRIPT;
  const char *tmp = std::getenv("TMPDIR");
  o.workDir = std::string(tmp && *tmp ? tmp : "/tmp") + "/qopt-kernel-bench";
  a.precisions = "int8,bf16,fp16,fp32";
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto val = [&](const char *flag, std::string &out) {
      size_t n = std::strlen(flag);
      if (s.compare(0, n, flag) != 0 || s.size() <= n || s[n] != '=')
        return false;
      out = s.substr(n + 1);
      return true;
    };
    std::string budget;
    if (s == "--smoke")
      o.smoke = true;
    else if (s == "--no-onednn")
      o.onednn = false;
    else if (s == "--help" || s == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (val("--json", a.jsonPath) || val("--work-dir", o.workDir) ||
               val("--filter", o.filter) || val("--precisions", a.precisions) ||
               val("--onednn-isa", o.onednnIsa) || val("--qopt-compile", o.qoptCompile) ||
               val("--python", o.python)) {
    } else if (val("--budget", budget)) {
      char *end = nullptr;
      o.budgetSeconds = std::strtod(budget.c_str(), &end);
      if (end == budget.c_str() || *end || o.budgetSeconds < 0) {
        std::fprintf(stderr, "error: --budget: expected seconds, got '%s'\n", budget.c_str());
        return false;
      }
    } else {
      std::fprintf(stderr, "error: unknown argument '%s'\n%s", s.c_str(), kUsage);
      return false;
    }
  }
  for (std::stringstream ss(a.precisions); ss.good();) {
    std::string p;
    std::getline(ss, p, ',');
    if (std::find(std::begin(kPrecisions), std::end(kPrecisions), p) == std::end(kPrecisions)) {
      std::fprintf(stderr, "error: --precisions: unknown precision '%s' (int8, bf16, fp16, fp32)\n",
                   p.c_str());
      return false;
    }
  }
  return true;
}

bool wanted(const Args &a, const std::string &precision) {
  return ("," + a.precisions + ",").find("," + precision + ",") != std::string::npos;
}

/// The fused requantize epilogue's share: the int8 FC returning u8 (requantize: scale, round,
/// zero point, saturate, 1-byte store) against the same FC returning f32 (scale, 4-byte store).
/// The generated code has no raw-i32 output, so this is the requantize's extra cost over the
/// cheapest epilogue the compiler emits; ukernel_bench measures u8 against a raw i32 store at the
/// microkernel level.
Obj epilogueShare(const Options &opt, const std::vector<Kernel> &kernels,
                  const std::map<std::string, std::string> &compiled, const MachinePeaks &peaks) {
  Obj o;
  std::vector<std::string> rows, notes;
  for (const Kernel &k : kernels) {
    if (k.conv || (!opt.smoke && k.m < 32))
      continue;
    const Kernel model = modelOf(k);
    auto f32Out = compiled.find(model.name + ".int8");
    if (f32Out == compiled.end())
      continue;
    std::string u8Fb, err;
    if (!compileU8OutputModel(opt, model, /*u8Input=*/false, u8Fb, err)) {
      notes.push_back(k.name + ": " + err);
      continue;
    }
    // Interleaved twice, keeping each one's better median, so that a change in the load
    // between the two timings does not land on one side only.
    double u8Ms = INFINITY, f32Ms = INFINITY;
    std::string why;
    for (int round = 0; round < (opt.smoke ? 1 : 2); ++round) {
      QOptRun a = timeCompiledModel(u8Fb, k, 1, opt);
      QOptRun b = timeCompiledModel(f32Out->second, k, 1, opt);
      if (!a.ok || !b.ok) {
        why = !a.ok ? a.note : b.note;
        break;
      }
      // CPU time where it exists: these run on one thread, and preemption would land on one
      // side of the difference at random.
      auto ms = [](const Timing &t) { return t.medianCpuMs > 0 ? t.medianCpuMs : t.medianMs; };
      u8Ms = std::min(u8Ms, ms(a.t));
      f32Ms = std::min(f32Ms, ms(b.t));
    }
    if (!why.empty()) {
      notes.push_back(k.name + ": " + why);
      continue;
    }
    Obj r;
    r.str("name", k.name).num("threads", 1).num("int8_out_ms", u8Ms).str("wide_out", "f32");
    r.num("wide_out_ms", f32Ms).num("share", (u8Ms - f32Ms) / u8Ms);
    rows.push_back(r.done());
    std::printf("epilogue %-24s u8 out %.4f ms, f32 out %.4f ms: requantize share %+.1f%%\n",
                k.name.c_str(), u8Ms, f32Ms, 100.0 * (u8Ms - f32Ms) / u8Ms);
  }
  (void)peaks;
  std::string list = "[";
  for (size_t i = 0; i < rows.size(); ++i)
    list += (i ? "," : "") + rows[i];
  o.boolean("measured", !rows.empty());
  o.str("why", rows.empty() && notes.empty()
                   ? "no int8 fully connected layer with M >= 32 was measured"
                   : "share = (u8-out - f32-out) / u8-out, CPU time of 1-thread runs: the int8 "
                     "GEMM requantizing to u8 vs the same GEMM dequantizing to f32 (the "
                     "generated code has no raw i32 output; ukernel_bench compares u8 with a "
                     "raw i32 store)");
  o.raw("rows", list + "]");
  if (!notes.empty()) {
    std::string n;
    for (const std::string &s : notes)
      n += (n.empty() ? "" : "; ") + s;
    o.str("note", n);
  }
  return o;
}

void printRow(const Result &r) {
  if (!r.ok) {
    std::printf("%-24s %-5s %2d %-7s %-4s  -- %s\n", r.name.c_str(), r.precision.c_str(),
                r.threads, r.tool.c_str(), r.variant.c_str(), r.note.c_str());
    return;
  }
  char cpu[16] = "      -";
  if (r.threads == 1 && r.pctOfPeakCpu > 0)
    std::snprintf(cpu, sizeof cpu, "%6.1f%%", r.pctOfPeakCpu);
  std::printf("%-24s %-5s %2d %-7s %-4s %10.4f %9.1f %7.1f%% %s  %s\n", r.name.c_str(),
              r.precision.c_str(), r.threads, r.tool.c_str(), r.variant.c_str(), r.t.medianMs,
              r.opPerCycle, r.pctOfPeak, cpu, r.peakName.c_str());
  std::fflush(stdout);
}

} // namespace
} // namespace mlir::qopt::kbench

using namespace mlir::qopt;
using namespace mlir::qopt::kbench;

int main(int argc, char **argv) {
  Args a;
  if (!parseArgs(argc, argv, a))
    return 2;
  Options &opt = a.opt;
  if (opt.smoke)
    opt.budgetSeconds = 0;
  if (mkdir(opt.workDir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "error: cannot create the work directory '%s': %s\n", opt.workDir.c_str(),
                 std::strerror(errno));
    return 1;
  }
  if (access(opt.qoptCompile.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "error: qopt-compile not found at '%s' (use --qopt-compile=PATH)\n",
                 opt.qoptCompile.c_str());
    return 1;
  }
  const std::string loadBefore = loadAverage();
  std::printf("load average: %s\n", loadBefore.c_str());
  const MachinePeaks peaks = measureMachinePeaks(/*quick=*/opt.smoke);
  std::printf("clock %.3f GHz; op/cycle: fma %.1f, vpdpbusd %.1f, vdpbf16ps %.1f, avx2 int8 %.1f; "
              "bytes/cycle: L1 %.1f, L2 %.1f, DRAM %.1f\n",
              peaks.ghz, peaks.f32FmaOpsPerCycle, peaks.int8VnniOpsPerCycle, peaks.bf16OpsPerCycle,
              peaks.int8Avx2OpsPerCycle, peaks.l1BytesPerCycle, peaks.l2BytesPerCycle,
              peaks.dramBytesPerCycle);

  std::vector<Kernel> kernels;
  for (const Kernel &k : kernelList(opt.smoke))
    if (opt.filter.empty() || k.name.find(opt.filter) != std::string::npos)
      kernels.push_back(k);
  std::vector<Kernel> models;
  for (const Kernel &k : kernels) {
    Kernel m = modelOf(k);
    auto same = [&](const Kernel &x) { return x.name == m.name; };
    if (std::none_of(models.begin(), models.end(), same))
      models.push_back(m);
  }
  std::string err;
  if (!models.empty() && !makeModels(opt, models, err)) {
    std::fprintf(stderr, "error: making the models: %s\n", err.c_str());
    return 1;
  }

  std::string dnnlWhy, dnnlIsa;
  bool dnnl = opt.onednn && oneDnnAvailable(dnnlWhy);
  if (!opt.onednn)
    dnnlWhy = "disabled with --no-onednn";
  if (dnnl) {
    dnnlIsa = oneDnnSetIsa(opt.onednnIsa, err);
    if (dnnlIsa.empty()) {
      std::fprintf(stderr, "error: --onednn-isa: %s\n", err.c_str());
      return 2;
    }
  }

  std::vector<Result> results;
  std::vector<Kernel> resultKernels; // the kernel of each result
  std::map<std::string, std::string> compiled, compileErrors; // model.precision -> .fb / error
  std::printf("\n%-24s %-5s %2s %-7s %-4s %10s %9s %8s %7s  %s\n", "kernel", "prec", "th", "tool",
              "var", "median ms", "op/cycle", "% peak", "(cpu)", "peak");
  auto record = [&](Result r, const Kernel &k, double peak) {
    fillFigures(r, k, peaks, peak);
    printRow(r);
    results.push_back(r);
    resultKernels.push_back(k);
  };
  for (const Kernel &k : kernels) {
    const Kernel model = modelOf(k);
    std::vector<int> threadCounts = {1};
    if (k.gemmRows() >= 32 && !opt.smoke)
      threadCounts.push_back(2);
    if (opt.smoke && k.conv)
      threadCounts.push_back(2); // exercises the threaded path on tiny shapes too
    for (const char *precision : kPrecisions) {
      if (!wanted(a, precision))
        continue;
      const std::string key = model.name + "." + precision;
      const bool int8 = !std::strcmp(precision, "int8");
      if (!compiled.count(key) && !compileErrors.count(key)) {
        std::string fb;
        if (compileModel(opt, model, precision, fb, err))
          compiled[key] = fb;
        else
          compileErrors[key] = err;
        // int8's main rows time the layer u8 -> u8, as oneDNN's u8 primitive runs and as the
        // layer runs between two int8 layers; the f32 -> f32 graph (with its input quantize)
        // stays as the "f32io" variant, 1 thread.
        if (int8 && compiled.count(key)) {
          if (compileU8OutputModel(opt, model, /*u8Input=*/true, fb, err))
            compiled[key + ".u8io"] = fb;
          else
            compileErrors[key + ".u8io"] = err;
        }
      }
      struct Variant {
        std::string name, key;
        std::vector<int> threads;
      };
      std::vector<Variant> variants = {{"", int8 ? key + ".u8io" : key, threadCounts}};
      if (int8)
        variants.push_back({"f32io", key, {1}});
      for (const Variant &v : variants)
        for (int threads : v.threads) {
          Result r;
          r.name = k.name, r.shape = k.shape(), r.precision = precision, r.threads = threads;
          r.tool = "qopt", r.variant = v.name;
          std::string target;
          if (compileErrors.count(v.key) || !compiled.count(v.key)) {
            r.note = compileErrors.count(v.key) ? compileErrors[v.key] : compileErrors[key];
          } else {
            QOptRun q = timeCompiledModel(compiled[v.key], k, threads, opt);
            r.ok = q.ok, r.note = q.note, r.t = q.t, target = q.target;
            r.impl = q.target + " " + q.inputDtype + "->" + q.outputDtype;
          }
          auto [peakName, peak] = peakFor(peaks, precision, target);
          r.peakName = peakName;
          record(r, k, peak);
        }
    }
  }

  // The peer runs after qopt, so that OpenMP's spinning workers never overlap qopt's timings.
  if (dnnl) {
    for (const Kernel &k : kernels) {
      std::vector<int> threadCounts = {1};
      if (k.gemmRows() >= 32)
        threadCounts.push_back(2);
      for (const char *precision : kPrecisions) {
        if (!wanted(a, precision))
          continue;
        std::vector<std::string> variants = {""};
        if (!std::strcmp(precision, "int8"))
          variants = k.conv ? std::vector<std::string>{"u8"}
                            : std::vector<std::string>{"u8", "s32"};
        for (int threads : threadCounts)
          for (const std::string &variant : variants) {
            OneDnnRun d = timeOneDnn(k, precision, variant, threads, opt);
            Result r;
            r.name = k.name, r.shape = k.shape(), r.precision = precision, r.threads = threads;
            r.tool = "onednn", r.variant = variant;
            r.ok = d.ok, r.note = d.note, r.t = d.t, r.impl = d.impl;
            auto [peakName, peak] = peakFor(peaks, precision, "avx512bf16");
            r.peakName = peakName;
            record(r, k, peak);
          }
      }
    }
  }

  // Batch-1 GEMV: weight bytes streamed per cycle, against the L2 read bandwidth (int8 and the
  // 16-bit weights of 1024 x 1024 fit in a 2 MB L2; fp32's 4 MB do not).
  std::vector<std::string> gemv;
  for (const Result &r : results) {
    if (r.tool != "qopt" || r.threads != 1 || !r.ok || !r.variant.empty())
      continue;
    auto it = std::find_if(kernels.begin(), kernels.end(),
                           [&](const Kernel &k) { return k.name == r.name; });
    if (it == kernels.end() || it->conv || it->m != 1)
      continue;
    double bytes = (double)it->weightElements() * weightBytes(r.precision);
    // One thread: CPU time, as the bandwidth it is compared with was measured.
    double ms = r.t.medianCpuMs > 0 ? r.t.medianCpuMs : r.t.medianMs;
    double perCycle = bytes / (ms * 1e-3 * peaks.ghz * 1e9);
    Obj o;
    o.str("name", r.name).str("precision", r.precision).num("weight_bytes", bytes);
    o.boolean("weights_fit_l2", peaks.l2CacheBytes > 0 && bytes <= peaks.l2CacheBytes);
    o.num("median_ms", ms).num("bytes_per_cycle", perCycle);
    o.num("l2_bytes_per_cycle", peaks.l2BytesPerCycle);
    o.num("fraction_of_l2_bw", peaks.l2BytesPerCycle > 0 ? perCycle / peaks.l2BytesPerCycle : NAN);
    o.num("fraction_of_dram_bw",
          peaks.dramBytesPerCycle > 0 ? perCycle / peaks.dramBytesPerCycle : NAN);
    gemv.push_back(o.done());
  }

  Obj epilogue = epilogueShare(opt, kernels, compiled, peaks);

  const std::string loadAfter = loadAverage();
  Obj machine;
  machine.raw("peaks", peaks.toJson()).str("cpu", hostCpuName());
  machine.str("load_before", loadBefore).str("load_after", loadAfter);
  machine.num("nproc", (double)sysconf(_SC_NPROCESSORS_ONLN));
  Obj onednn;
  onednn.boolean("available", dnnl);
  if (dnnl)
    onednn.str("version", oneDnnVersion()).str("isa", dnnlIsa);
  else
    onednn.str("why", dnnlWhy);

  // qopt / oneDNN throughput on each qopt row: from CPU time when both ran on one thread (robust
  // to preemption), else from wall time.
  std::vector<std::string> rows;
  for (size_t i = 0; i < results.size(); ++i) {
    Result &q = results[i];
    if (q.tool == "qopt" && q.ok && q.variant.empty())
      for (const Result &d : results)
        if (d.tool == "onednn" && d.ok && d.name == q.name && d.precision == q.precision &&
            d.threads == q.threads && (d.variant.empty() || d.variant == "u8")) {
          bool cpu = q.threads == 1 && q.t.medianCpuMs > 0 && d.t.medianCpuMs > 0;
          q.vsOneDnn = cpu ? d.t.medianCpuMs / q.t.medianCpuMs : d.t.medianMs / q.t.medianMs;
        }
    rows.push_back(resultJson(q, resultKernels[i]));
  }

  std::string gemvJson = "[";
  for (size_t i = 0; i < gemv.size(); ++i)
    gemvJson += (i ? "," : "") + gemv[i];
  gemvJson += "]";
  std::ofstream out(a.jsonPath);
  Obj notes;
  notes.str("qopt", "a one-layer ONNX model compiled by qopt-compile --target=host (the layer "
                    "pinned to the precision with --precision-override), loaded once through "
                    "qopt_runtime.h and run on preallocated inputs and outputs: the time "
                    "includes the runtime's per-call cost. int8 runs the layer u8 -> u8 (the "
                    "graph's input quantize removed, the output requantized in the epilogue), "
                    "like oneDNN's u8 primitive; variant f32io is the f32 -> f32 graph with its "
                    "input quantize. bf16 and fp16 take f32 and include the input cast");
  notes.str("onednn", "matmul / convolution_forward with weights (and, for convolutions, "
                      "activations) reordered into the primitive's chosen layout before timing; "
                      "int8 u8 variant requantizes per channel like qopt's epilogue");
  notes.str("timing", "wall time per call, median of runs after warm-up; *_cpu figures use the "
                      "calling thread's CPU time and exist for 1-thread rows only");
  out << "{\"schema\":\"qopt-kernel-bench/1\",\"smoke\":" << (opt.smoke ? "true" : "false")
      << ",\n\"notes\":" << notes.done() << ",\n\"machine\":" << machine.done()
      << ",\n\"onednn\":" << onednn.done()
      << ",\n\"kernels\":[\n";
  for (size_t i = 0; i < rows.size(); ++i)
    out << (i ? ",\n" : "") << rows[i];
  out << "\n],\n\"gemv\":{\"rows\":" << gemvJson << "},\n\"epilogue\":" << epilogue.done()
      << "\n}\n";
  out.close();
  if (!out) {
    std::fprintf(stderr, "error: cannot write '%s'\n", a.jsonPath.c_str());
    return 1;
  }
  std::printf("\nload average after: %s\nwrote %s\n", loadAfter.c_str(), a.jsonPath.c_str());
  return 0;
}
