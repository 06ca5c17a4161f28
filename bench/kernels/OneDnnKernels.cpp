// oneDNN as the kernel-level peer. Every tensor starts as plain f32 and is reordered into the
// type and layout the primitive asked for (format_tag::any) before the timing starts, so what is
// timed is the primitive alone, the way a framework runs it with weights prepared once and
// activations kept in oneDNN's own layout between layers.
#include "OneDnnKernels.h"

#include <dlfcn.h>
#include <random>

#ifdef QOPT_KBENCH_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace mlir::qopt::kbench {

#ifndef QOPT_KBENCH_HAVE_DNNL

bool oneDnnAvailable(std::string &why) {
  why = "built without oneDNN: install Debian's libdnnl-dev (scripts/setup.sh) and reconfigure";
  return false;
}
std::string oneDnnSetIsa(const std::string &, std::string &err) {
  err = "no oneDNN";
  return "";
}
std::string oneDnnVersion() { return ""; }
OneDnnRun timeOneDnn(const Kernel &, const std::string &, const std::string &, int,
                     const Options &) {
  OneDnnRun r;
  oneDnnAvailable(r.note);
  return r;
}

#else

using namespace dnnl;
using dt = memory::data_type;
using tag = memory::format_tag;

bool oneDnnAvailable(std::string &why) { return true; }

std::string oneDnnVersion() {
  const dnnl_version_t *v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch);
}

namespace {

const char *isaName(cpu_isa isa) {
  switch (isa) {
  case cpu_isa::sse41: return "sse41";
  case cpu_isa::avx: return "avx";
  case cpu_isa::avx2: return "avx2";
  case cpu_isa::avx2_vnni: return "avx2_vnni";
  case cpu_isa::avx512_core: return "avx512_core";
  case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
  case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
  case cpu_isa::avx512_core_amx: return "avx512_core_amx";
  default: return "other";
  }
}

/// OpenMP's thread count. Debian's oneDNN runs on libgomp, which the process has loaded with
/// it; looking the symbol up keeps this file free of an OpenMP build dependency.
void setOmpThreads(int n) {
  using Fn = void (*)(int);
  if (auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads")))
    fn(n);
}

engine &cpuEngine() {
  static engine eng(engine::kind::cpu, 0);
  return eng;
}

/// A memory of `desc` filled from random f32 values in [lo, hi] through a reorder.
memory randomMemory(const memory::desc &desc, const memory::dims &dims, tag plain, float lo,
                    float hi, stream &s, std::mt19937 &rng) {
  engine &eng = cpuEngine();
  memory::desc f32Desc(dims, dt::f32, plain);
  memory f32Mem(f32Desc, eng);
  auto *p = static_cast<float *>(f32Mem.get_data_handle());
  std::uniform_real_distribution<float> dist(lo, hi);
  size_t n = f32Desc.get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i)
    p[i] = dist(rng);
  memory out(desc, eng);
  reorder(f32Mem, out).execute(s, f32Mem, out);
  s.wait();
  return out;
}

struct Types {
  dt src, wei, dst;
};

bool typesFor(const std::string &precision, const std::string &variant, Types &t,
              std::string &err) {
  if (precision == "int8")
    t = {dt::u8, dt::s8, variant == "s32" ? dt::s32 : dt::u8};
  else if (precision == "bf16")
    t = {dt::bf16, dt::bf16, dt::f32};
  else if (precision == "fp16")
    t = {dt::f16, dt::f16, dt::f32};
  else if (precision == "fp32")
    t = {dt::f32, dt::f32, dt::f32};
  else {
    err = "unknown precision " + precision;
    return false;
  }
  return true;
}

} // namespace

std::string oneDnnSetIsa(const std::string &isa, std::string &err) {
  static const std::pair<const char *, cpu_isa> isas[] = {
      {"all", cpu_isa::all},
      {"avx2", cpu_isa::avx2},
      {"avx512_core", cpu_isa::avx512_core},
      {"avx512_core_vnni", cpu_isa::avx512_core_vnni},
      {"avx512_core_bf16", cpu_isa::avx512_core_bf16},
      {"avx512_core_amx", cpu_isa::avx512_core_amx}};
  for (const auto &[name, value] : isas) {
    if (isa != name)
      continue;
    try {
      set_max_cpu_isa(value);
    } catch (const error &e) {
      err = std::string("set_max_cpu_isa: ") + e.what();
      return "";
    }
    return isaName(get_effective_cpu_isa());
  }
  err = "unknown oneDNN ISA '" + isa +
        "' (all, avx2, avx512_core, avx512_core_vnni, avx512_core_bf16, avx512_core_amx)";
  return "";
}

OneDnnRun timeOneDnn(const Kernel &k, const std::string &precision, const std::string &variant,
                     int threads, const Options &opt) {
  OneDnnRun r;
  Types ty;
  if (!typesFor(precision, variant, ty, r.note))
    return r;
  setOmpThreads(threads);
  try {
    engine &eng = cpuEngine();
    stream s(eng);
    std::mt19937 rng(5);
    const float srcLo = ty.src == dt::u8 ? 0.0f : -1.0f, srcHi = ty.src == dt::u8 ? 100.0f : 1.0f;
    const float weiHi = ty.wei == dt::s8 ? 60.0f : 0.1f;
    primitive_attr attr;
    // The u8 destination requantizes per output channel, as qopt's fused epilogue does.
    const int64_t channels = k.conv ? k.o : k.n;
    if (ty.dst == dt::u8)
      attr.set_output_scales(1 << 1, std::vector<float>(channels, 0.01f));
    primitive prim;
    std::unordered_map<int, memory> args;
    if (!k.conv) {
      memory::dims srcDims = {k.m, k.k}, weiDims = {k.k, k.n}, biasDims = {1, k.n},
                   dstDims = {k.m, k.n};
      matmul::desc d(memory::desc(srcDims, ty.src, tag::ab),
                     memory::desc(weiDims, ty.wei, tag::any),
                     memory::desc(biasDims, dt::f32, tag::ab),
                     memory::desc(dstDims, ty.dst, tag::ab));
      matmul::primitive_desc pd(d, attr, eng);
      r.impl = pd.impl_info_str();
      args[DNNL_ARG_SRC] = randomMemory(pd.src_desc(), srcDims, tag::ab, srcLo, srcHi, s, rng);
      // The weights as a user holds them, N x K (ONNX Gemm with transB): "ba" of K x N.
      args[DNNL_ARG_WEIGHTS] =
          randomMemory(pd.weights_desc(), weiDims, tag::ba, -weiHi, weiHi, s, rng);
      args[DNNL_ARG_BIAS] = randomMemory(pd.bias_desc(), biasDims, tag::ab, -1, 1, s, rng);
      args[DNNL_ARG_DST] = memory(pd.dst_desc(), eng);
      prim = matmul(pd);
    } else {
      const int64_t g = k.groups;
      memory::dims srcDims = {1, k.c, k.h, k.w}, dstDims = {1, k.o, k.outH(), k.outW()},
                   biasDims = {k.o};
      memory::dims weiDims = g == 1 ? memory::dims{k.o, k.c, k.kh, k.kw}
                                    : memory::dims{g, k.o / g, k.c / g, k.kh, k.kw};
      const tag weiPlain = g == 1 ? tag::oihw : tag::goihw;
      convolution_forward::desc d(
          prop_kind::forward_inference, algorithm::convolution_direct,
          memory::desc(srcDims, ty.src, tag::any), memory::desc(weiDims, ty.wei, tag::any),
          memory::desc(biasDims, dt::f32, tag::x), memory::desc(dstDims, ty.dst, tag::any),
          {1, 1}, {k.pad, k.pad}, {k.pad, k.pad});
      convolution_forward::primitive_desc pd(d, attr, eng);
      r.impl = pd.impl_info_str();
      args[DNNL_ARG_SRC] = randomMemory(pd.src_desc(), srcDims, tag::nchw, srcLo, srcHi, s, rng);
      args[DNNL_ARG_WEIGHTS] =
          randomMemory(pd.weights_desc(), weiDims, weiPlain, -weiHi, weiHi, s, rng);
      args[DNNL_ARG_BIAS] = randomMemory(pd.bias_desc(), biasDims, tag::x, -1, 1, s, rng);
      args[DNNL_ARG_DST] = memory(pd.dst_desc(), eng);
      prim = convolution_forward(pd);
    }
    auto run = [&] {
      prim.execute(s, args);
      s.wait();
      return true;
    };
    bool ok = false;
    r.t = opt.smoke ? timeRuns(run, 1, 1, 1, 0, &ok)
                    : timeRuns(run, 2, 5, 2000, opt.budgetSeconds, &ok);
    r.ok = ok;
  } catch (const error &e) {
    // oneDNN has no implementation for this type on this ISA (f16 before AVX512-FP16 support,
    // for one): a note in the JSON rather than a failed run.
    r.note = std::string("oneDNN: ") + e.what() + " (no implementation of these types at ISA " +
             isaName(get_effective_cpu_isa()) + ")";
  }
  return r;
}

#endif

} // namespace mlir::qopt::kbench
