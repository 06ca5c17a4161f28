// The native backend end to end: LLVM-dialect modules that call the GEMM microkernels and the
// builtins are compiled to shared objects, loaded from memory (memfd + dlopen) and run, and their
// results are compared with scalar loops: int8 bit for bit under the epilogue semantics of
// UKernels.h, f32 within a rounding tolerance. Also the target registry and its errors.
#include "qopt/Conversion/QOptToLLVM/Backend.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/HostCpu.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"
#include "qopt/Runtime/NativeAbi.h"
#include "qopt/Runtime/QuantMath.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <random>
#include <sys/mman.h>
#include <unistd.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ukernel;

namespace {

constexpr llvm::StringLiteral kRuntimeFeatureNames[] = {
    "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni", "avx512bf16"};

std::string replaceAll(std::string text, llvm::StringRef from, llvm::StringRef to) {
  for (size_t at = text.find(from.str()); at != std::string::npos;
       at = text.find(from.str(), at + to.size()))
    text.replace(at, from.size(), to.str());
  return text;
}

/// A loaded shared object, from memory: never a file written under /tmp.
class LoadedCode {
public:
  explicit LoadedCode(const std::vector<uint8_t> &code) {
    int fd = memfd_create("qopt_model", MFD_CLOEXEC);
    if (fd < 0) {
      error = "memfd_create failed";
      return;
    }
    size_t done = 0;
    while (done < code.size()) {
      ssize_t n = write(fd, code.data() + done, code.size() - done);
      if (n <= 0)
        break;
      done += n;
    }
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    handle = done == code.size() ? dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL) : nullptr;
    close(fd);
    if (!handle) {
      const char *why = dlerror();
      error = why ? why : "short write";
      return;
    }
    entry = reinterpret_cast<qopt_native_entry_fn>(dlsym(handle, kNativeEntrySymbol.data()));
    if (!entry)
      error = "no entry symbol";
  }
  ~LoadedCode() {
    if (handle)
      dlclose(handle);
  }
  LoadedCode(const LoadedCode &) = delete;
  LoadedCode &operator=(const LoadedCode &) = delete;

  qopt_native_entry_fn entry = nullptr;
  std::string error;

private:
  void *handle = nullptr;
};

/// 64-byte aligned storage, as the runtime gives the code its buffers.
template <typename T> class Aligned {
public:
  explicit Aligned(size_t n, T fill = T()) : count(n) {
    size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    ptr = static_cast<T *>(std::aligned_alloc(64, bytes ? bytes : 64));
    for (size_t i = 0; i < n; ++i)
      ptr[i] = fill;
  }
  ~Aligned() { std::free(ptr); }
  Aligned(const Aligned &) = delete;
  Aligned &operator=(const Aligned &) = delete;
  T *data() { return ptr; }
  T &operator[](size_t i) { return ptr[i]; }
  size_t size() const { return count; }

private:
  T *ptr;
  size_t count;
};

class NativeBackendTest : public ::testing::Test {
protected:
  NativeBackendTest() { context.loadDialect<LLVM::LLVMDialect>(); }

  /// Parses and compiles `text`; fails the test on any error.
  std::vector<uint8_t> compile(const std::string &text, const NativeTarget &target) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    EXPECT_TRUE(module) << "the test's module does not parse";
    if (!module)
      return {};
    std::string error;
    FailureOr<std::vector<uint8_t>> so = buildSharedObject(*module, target, error);
    EXPECT_TRUE(succeeded(so)) << error;
    return succeeded(so) ? std::move(*so) : std::vector<uint8_t>();
  }

  std::string compileError(const std::string &text, const NativeTarget &target) {
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    EXPECT_TRUE(module);
    std::string error;
    if (module)
      EXPECT_TRUE(failed(buildSharedObject(*module, target, error)));
    return error;
  }

  static const NativeTarget &target(llvm::StringRef name) {
    std::string error;
    const NativeTarget *t = lookupNativeTarget(name, error);
    EXPECT_TRUE(t) << error;
    return *t;
  }

  MLIRContext context;
};

//===----------------------------------------------------------------------===//
// Target registry
//===----------------------------------------------------------------------===//

TEST_F(NativeBackendTest, TargetsAndTheirFeatures) {
  std::vector<std::string> names;
  for (const NativeTarget &t : nativeTargets()) {
    names.push_back(t.name.str());
    EXPECT_FALSE(t.cpuFeatures.empty());
    for (llvm::StringRef f : t.cpuFeatures) {
      EXPECT_TRUE(llvm::is_contained(kRuntimeFeatureNames, f)) << t.name.str() << ": " << f.str();
      // Every checked feature is also what LLVM is allowed to use.
      EXPECT_NE(t.llvmFeatures.find(("+" + f).str()), llvm::StringRef::npos) << f.str();
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"avx512bf16", "avx512vnni", "avx2"}));
  EXPECT_EQ(defaultNativeTarget().name, "avx512vnni");
  EXPECT_EQ(target("avx2").preferVectorWidth, 256u);
  EXPECT_EQ(target("avx2").llvmFeatures.find("avx512"), llvm::StringRef::npos);
  EXPECT_EQ(target("avx512vnni").llvmFeatures.find("avx512bf16"), llvm::StringRef::npos);
}

TEST_F(NativeBackendTest, HostIsABestTargetThisCpuRuns) {
  std::string error;
  const NativeTarget *host = lookupNativeTarget("host", error);
  HostCpu cpu = HostCpu::detect();
  if (!cpu.avx2 || !cpu.fma) {
    EXPECT_FALSE(host);
    EXPECT_NE(error.find("cannot run any native target"), std::string::npos) << error;
    return;
  }
  ASSERT_TRUE(host) << error;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  for (llvm::StringRef f : host->cpuFeatures)
    EXPECT_TRUE(features.lookup(f)) << f.str();
  const char *expected = cpu.avx512bf16 ? "avx512bf16" : cpu.avx512vnni ? "avx512vnni" : "avx2";
  EXPECT_EQ(host->name, expected);
}

TEST_F(NativeBackendTest, TargetLists) {
  std::string error;
  auto list = parseNativeTargetList("avx512vnni,avx2", error);
  ASSERT_TRUE(succeeded(list)) << error;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0]->name, "avx512vnni");
  EXPECT_EQ((*list)[1]->name, "avx2");

  list = parseNativeTargetList(" avx2 , avx2", error);
  ASSERT_TRUE(succeeded(list)) << error;
  EXPECT_EQ(list->size(), 1u);

  EXPECT_TRUE(failed(parseNativeTargetList("avx512vnni,avx9", error)));
  EXPECT_EQ(error, "unknown native target 'avx9' (known: avx512bf16, avx512vnni, avx2, host)");
  EXPECT_TRUE(failed(parseNativeTargetList("avx512vnni,,avx2", error)));
  EXPECT_EQ(error, "target list 'avx512vnni,,avx2': item 2 is empty (known targets: avx512bf16, "
                   "avx512vnni, avx2, host)");
  EXPECT_TRUE(failed(parseNativeTargetList("", error)));
  EXPECT_FALSE(lookupNativeTarget("AVX2", error));
  EXPECT_NE(error.find("unknown native target 'AVX2'"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// GEMM through the microkernels
//===----------------------------------------------------------------------===//

// inputs = {x_u8 [batch][K8], x_f32 [batch][KF]}, outputs = {y_u8 [batch][N8], y_f32 [batch][NF]},
// constants = {packed s8, folded i32 bias, acc scales, packed f32, f32 bias}.
constexpr int64_t K8 = 37, N8 = 40, KF = 20, NF = 24;
constexpr float kOutScale = 0.0625f;
constexpr int32_t kOutZp = 3, kXZp = 7;

const char *const kGemmModule = R"mlir(
module {
  llvm.func @U8KERNEL(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64)
  llvm.func @F32KERNEL(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64)
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %one = llvm.mlir.constant(1 : i64) : i64
    %ep = llvm.alloca %one x !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)> : (i64) -> !llvm.ptr
    %fep = llvm.alloca %one x !llvm.struct<(ptr, f32, f32, i32, i32)> : (i64) -> !llvm.ptr
    %batch = llvm.load %args : !llvm.ptr -> i64
    %bad = llvm.icmp "slt" %batch, %one : i64
    llvm.cond_br %bad, ^error, ^run
  ^error:
    %err = llvm.mlir.constant(1 : i32) : i32
    llvm.return %err : i32
  ^run:
    %inputsAddr = llvm.getelementptr %args[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %outputsAddr = llvm.getelementptr %args[0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %constantsAddr = llvm.getelementptr %args[0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %inputs = llvm.load %inputsAddr : !llvm.ptr -> !llvm.ptr
    %outputs = llvm.load %outputsAddr : !llvm.ptr -> !llvm.ptr
    %constants = llvm.load %constantsAddr : !llvm.ptr -> !llvm.ptr
    %x8 = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %xfAddr = llvm.getelementptr %inputs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %xf = llvm.load %xfAddr : !llvm.ptr -> !llvm.ptr
    %y8 = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %yfAddr = llvm.getelementptr %outputs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %yf = llvm.load %yfAddr : !llvm.ptr -> !llvm.ptr
    %w8 = llvm.load %constants : !llvm.ptr -> !llvm.ptr
    %biasAddr = llvm.getelementptr %constants[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %bias = llvm.load %biasAddr : !llvm.ptr -> !llvm.ptr
    %scaleAddr = llvm.getelementptr %constants[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %scale = llvm.load %scaleAddr : !llvm.ptr -> !llvm.ptr
    %wfAddr = llvm.getelementptr %constants[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %wf = llvm.load %wfAddr : !llvm.ptr -> !llvm.ptr
    %fbiasAddr = llvm.getelementptr %constants[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %fbias = llvm.load %fbiasAddr : !llvm.ptr -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %ninf = llvm.mlir.constant(0xFF800000 : f32) : f32
    %pinf = llvm.mlir.constant(0x7F800000 : f32) : f32
    %i0 = llvm.mlir.constant(0 : i32) : i32
    %outScale = llvm.mlir.constant(OUTSCALE : f32) : f32
    %zp = llvm.mlir.constant(OUTZP : i32) : i32
    %qmax = llvm.mlir.constant(255 : i32) : i32
    %e0 = llvm.mlir.undef : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e1 = llvm.insertvalue %bias, %e0[0] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e2 = llvm.insertvalue %scale, %e1[1] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e3 = llvm.insertvalue %null, %e2[2] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e4 = llvm.insertvalue %ninf, %e3[3] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e5 = llvm.insertvalue %pinf, %e4[4] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e6 = llvm.insertvalue %i0, %e5[5] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e7 = llvm.insertvalue %outScale, %e6[6] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e8 = llvm.insertvalue %zp, %e7[7] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e9 = llvm.insertvalue %i0, %e8[8] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e10 = llvm.insertvalue %qmax, %e9[9] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e11 = llvm.insertvalue %i0, %e10[10] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    llvm.store %e11, %ep : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>, !llvm.ptr
    %K8 = llvm.mlir.constant(K8VALUE : i64) : i64
    %N8 = llvm.mlir.constant(N8VALUE : i64) : i64
    %n0 = llvm.mlir.constant(0 : i64) : i64
    llvm.call @U8KERNEL(%x8, %K8, %w8, %batch, %N8, %K8, %n0, %N8, %ep, %y8, %N8) : (!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64) -> ()
    %zero = llvm.mlir.constant(0.000000e+00 : f32) : f32
    %hasAct = llvm.mlir.constant(1 : i32) : i32
    %kindF32 = llvm.mlir.constant(3 : i32) : i32
    %f0 = llvm.mlir.undef : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f1 = llvm.insertvalue %fbias, %f0[0] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f2 = llvm.insertvalue %zero, %f1[1] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f3 = llvm.insertvalue %pinf, %f2[2] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f4 = llvm.insertvalue %hasAct, %f3[3] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f5 = llvm.insertvalue %kindF32, %f4[4] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    llvm.store %f5, %fep : !llvm.struct<(ptr, f32, f32, i32, i32)>, !llvm.ptr
    %KF = llvm.mlir.constant(KFVALUE : i64) : i64
    %NF = llvm.mlir.constant(NFVALUE : i64) : i64
    llvm.call @F32KERNEL(%xf, %KF, %wf, %batch, %NF, %KF, %n0, %NF, %fep, %yf, %NF) : (!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.return %i0 : i32
  }
}
)mlir";

struct GemmVariant {
  const char *target, *u8Kernel, *f32Kernel;
  qopt_uk_layout int8Layout, floatLayout;
};

std::string gemmModule(const GemmVariant &v) {
  std::string text = replaceAll(kGemmModule, "U8KERNEL", v.u8Kernel);
  text = replaceAll(text, "F32KERNEL", v.f32Kernel);
  text = replaceAll(text, "OUTSCALE", "6.250000e-02");
  text = replaceAll(text, "OUTZP", std::to_string(kOutZp));
  text = replaceAll(text, "K8VALUE", std::to_string(K8));
  text = replaceAll(text, "N8VALUE", std::to_string(N8));
  text = replaceAll(text, "KFVALUE", std::to_string(KF));
  return replaceAll(text, "NFVALUE", std::to_string(NF));
}

void runGemm(NativeBackendTest &, const GemmVariant &v, const std::vector<uint8_t> &code) {
  LoadedCode loaded(code);
  ASSERT_TRUE(loaded.entry) << loaded.error;

  std::mt19937 rng(42);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  // Weights and epilogue constants, packed as qopt-pack-weights will.
  std::vector<int8_t> w8(N8 * K8);
  for (int8_t &x : w8)
    x = (int8_t)uniform(-127, 127);
  w8[0] = -127, w8[1] = 127;
  std::vector<int32_t> bias(N8);
  std::vector<float> wScales(N8);
  for (int64_t j = 0; j < N8; ++j) {
    bias[j] = uniform(-20000, 20000);
    wScales[j] = std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, -uniform(7, 11));
  }
  const float xScale = 0.02f;
  int64_t np8 = paddedN(v.int8Layout, N8);
  Aligned<uint8_t> packed8(packedBytes(v.int8Layout, N8, K8));
  packWeightsS8(v.int8Layout, w8.data(), N8, K8, packed8.data());
  Aligned<int32_t> folded(np8);
  ASSERT_TRUE(foldBias(v.int8Layout, w8.data(), N8, K8, bias.data(), kXZp, false, folded.data()));
  Aligned<float> scales(np8);
  accScales(v.int8Layout, xScale, wScales.data(), N8, scales.data());

  std::vector<float> wf(NF * KF), fbias(NF);
  for (float &x : wf)
    x = uniform(-1000, 1000) / 256.0f;
  int64_t npf = paddedN(v.floatLayout, NF);
  Aligned<float> fbiasPadded(npf, 0.0f);
  for (int64_t j = 0; j < NF; ++j)
    fbias[j] = fbiasPadded[j] = uniform(-1000, 1000) / 64.0f;
  Aligned<uint8_t> packedF(packedBytes(v.floatLayout, NF, KF));
  packWeightsFloat(v.floatLayout, wf.data(), NF, KF, packedF.data());

  const void *constants[] = {packed8.data(), folded.data(), scales.data(), packedF.data(),
                             fbiasPadded.data()};
  for (int64_t batch : {1, 3, 64}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Aligned<uint8_t> x8(batch * K8);
    for (size_t i = 0; i < x8.size(); ++i)
      x8[i] = (uint8_t)uniform(0, 255);
    x8[0] = 0, x8[1] = 255; // edge values
    Aligned<float> xf(batch * KF);
    for (size_t i = 0; i < xf.size(); ++i)
      xf[i] = uniform(-1000, 1000) / 128.0f;
    Aligned<uint8_t> y8(batch * N8, 0xA5);
    Aligned<float> yf(batch * NF, -1.0f);
    const void *inputs[] = {x8.data(), xf.data()};
    void *outputs[] = {y8.data(), yf.data()};
    qopt_native_args args{batch, inputs, outputs, constants, nullptr, nullptr};
    ASSERT_EQ(loaded.entry(&args), QOPT_NATIVE_OK);

    int64_t mismatches = 0;
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < N8; ++j) {
        // UKernels.h: real = (float)(acc + bias) * acc_scale, quantized with a real division.
        int64_t acc = bias[j];
        for (int64_t p = 0; p < K8; ++p)
          acc += ((int64_t)x8[i * K8 + p] - kXZp) * w8[j * K8 + p];
        float real = (float)acc * quant_math::accScale(xScale, wScales[j]);
        int64_t want = quant_math::quantize(real, kOutScale, kOutZp, 0, 255);
        if (y8[i * N8 + j] != want && mismatches++ < 5)
          ADD_FAILURE() << "u8 (" << i << ", " << j << "): " << (int)y8[i * N8 + j] << " != "
                        << want;
      }
    EXPECT_EQ(mismatches, 0);

    for (int64_t i = 0; i < batch; ++i)
      for (int64_t j = 0; j < NF; ++j) {
        double dot = 0, magnitude = 0;
        for (int64_t p = 0; p < KF; ++p) {
          dot += (double)xf[i * KF + p] * wf[j * KF + p];
          magnitude += std::fabs((double)xf[i * KF + p] * wf[j * KF + p]);
        }
        double want = std::max(0.0, dot + fbias[j]);
        EXPECT_NEAR(yf[i * NF + j], want, 1e-6 * (magnitude + std::fabs(fbias[j])) + 1e-30)
            << "f32 (" << i << ", " << j << ")";
      }
  }
  // The ABI's batch check.
  qopt_native_args args{0, nullptr, nullptr, constants, nullptr, nullptr};
  EXPECT_EQ(loaded.entry(&args), QOPT_NATIVE_ERR_BATCH);
}

TEST_F(NativeBackendTest, GemmAvx512Vnni) {
  GemmVariant v{"avx512vnni", "qopt_uk_gemm_u8s8_avx512vnni", "qopt_uk_gemm_f32_avx512",
                QOPT_UK_LAYOUT_VNNI, QOPT_UK_LAYOUT_F32};
  auto start = std::chrono::steady_clock::now();
  std::vector<uint8_t> code = compile(gemmModule(v), target(v.target));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  ASSERT_FALSE(code.empty());
  std::printf("avx512vnni int8 + f32 GEMM: %zu bytes of code, compiled and linked in %.0f ms\n",
              code.size(), ms);
  if (!HostCpu::detect().avx512vnni)
    GTEST_SKIP() << "this CPU cannot run avx512vnni code";
  runGemm(*this, v, code);
}

TEST_F(NativeBackendTest, GemmAvx2) {
  GemmVariant v{"avx2", "qopt_uk_gemm_u8s8_avx2", "qopt_uk_gemm_f32_avx2",
                QOPT_UK_LAYOUT_AVX2_I16, QOPT_UK_LAYOUT_F32_AVX2};
  std::vector<uint8_t> code = compile(gemmModule(v), target(v.target));
  ASSERT_FALSE(code.empty());
  HostCpu cpu = HostCpu::detect();
  if (!cpu.avx2 || !cpu.fma)
    GTEST_SKIP() << "this CPU cannot run avx2 code";
  runGemm(*this, v, code);
}

TEST_F(NativeBackendTest, SameInputSameBytes) {
  GemmVariant v{"avx2", "qopt_uk_gemm_u8s8_avx2", "qopt_uk_gemm_f32_avx2",
                QOPT_UK_LAYOUT_AVX2_I16, QOPT_UK_LAYOUT_F32_AVX2};
  std::vector<uint8_t> first = compile(gemmModule(v), target(v.target));
  std::vector<uint8_t> second = compile(gemmModule(v), target(v.target));
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first == second);
  std::string error;
  EXPECT_TRUE(succeeded(checkSharedObject(first, kNativeEntrySymbol, error))) << error;
  EXPECT_TRUE(failed(checkSharedObject(first, "other_entry", error)));
  EXPECT_EQ(error, "the native code does not export the entry function 'other_entry'");
  std::vector<uint8_t> garbage(100, 7);
  EXPECT_TRUE(failed(checkSharedObject(garbage, kNativeEntrySymbol, error)));
}

//===----------------------------------------------------------------------===//
// Builtins
//===----------------------------------------------------------------------===//

// outputs[0], outputs[1]: memmove by 7 bytes up and down in place; outputs[2] = copy of inputs[0];
// outputs[3] filled with 0x5A; batch bytes each.
const char *const kBuiltinsModule = R"mlir(
module {
  llvm.func @memmove(!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %n = llvm.load %args : !llvm.ptr -> i64
    %inputsAddr = llvm.getelementptr %args[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %outputsAddr = llvm.getelementptr %args[0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %inputs = llvm.load %inputsAddr : !llvm.ptr -> !llvm.ptr
    %outputs = llvm.load %outputsAddr : !llvm.ptr -> !llvm.ptr
    %x = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %up = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %downAddr = llvm.getelementptr %outputs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %down = llvm.load %downAddr : !llvm.ptr -> !llvm.ptr
    %copyAddr = llvm.getelementptr %outputs[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %copy = llvm.load %copyAddr : !llvm.ptr -> !llvm.ptr
    %fillAddr = llvm.getelementptr %outputs[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %fill = llvm.load %fillAddr : !llvm.ptr -> !llvm.ptr
    %upDst = llvm.getelementptr %up[7] : (!llvm.ptr) -> !llvm.ptr, i8
    %r0 = llvm.call @memmove(%upDst, %up, %n) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
    %downSrc = llvm.getelementptr %down[7] : (!llvm.ptr) -> !llvm.ptr, i8
    %r1 = llvm.call @memmove(%down, %downSrc, %n) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
    "llvm.intr.memcpy"(%copy, %x, %n) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    %byte = llvm.mlir.constant(90 : i8) : i8
    "llvm.intr.memset"(%fill, %byte, %n) <{isVolatile = false}> : (!llvm.ptr, i8, i64) -> ()
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
)mlir";

TEST_F(NativeBackendTest, BuiltinsCopyMoveAndFill) {
  HostCpu cpu = HostCpu::detect();
  for (const NativeTarget &t : nativeTargets()) {
    SCOPED_TRACE(t.name.str());
    std::vector<uint8_t> code = compile(kBuiltinsModule, t);
    ASSERT_FALSE(code.empty());
    bool runs = t.name == "avx2" ? cpu.avx2 && cpu.fma
                : t.name == "avx512vnni" ? cpu.avx512vnni
                                         : cpu.avx512bf16;
    if (!runs)
      continue;
    LoadedCode loaded(code);
    ASSERT_TRUE(loaded.entry) << loaded.error;
    for (int64_t n : {0, 1, 31, 32, 33, 100, 1000}) {
      SCOPED_TRACE("n = " + std::to_string(n));
      std::vector<uint8_t> x(n + 8), up(n + 8), down(n + 8), copy(n + 8, 1), fill(n + 8, 2);
      for (int64_t i = 0; i < n + 8; ++i)
        x[i] = up[i] = down[i] = (uint8_t)(i * 37 + 11);
      std::vector<uint8_t> wantUp = up, wantDown = down, wantCopy = copy, wantFill = fill;
      std::memmove(wantUp.data() + 7, wantUp.data(), n);
      std::memmove(wantDown.data(), wantDown.data() + 7, n);
      std::memcpy(wantCopy.data(), x.data(), n);
      std::memset(wantFill.data(), 0x5A, n);
      const void *inputs[] = {x.data()};
      void *outputs[] = {up.data(), down.data(), copy.data(), fill.data()};
      qopt_native_args args{n, inputs, outputs, nullptr, nullptr, nullptr};
      ASSERT_EQ(loaded.entry(&args), 0);
      EXPECT_EQ(up, wantUp);
      EXPECT_EQ(down, wantDown);
      EXPECT_EQ(copy, wantCopy);
      EXPECT_EQ(fill, wantFill);
    }
  }
}

const char *const kBf16Module = R"mlir(
module {
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %inputsAddr = llvm.getelementptr %args[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %outputsAddr = llvm.getelementptr %args[0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %inputs = llvm.load %inputsAddr : !llvm.ptr -> !llvm.ptr
    %outputs = llvm.load %outputsAddr : !llvm.ptr -> !llvm.ptr
    %x = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %y = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %v = llvm.load %x {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
    %b = llvm.fptrunc %v : vector<16xf32> to vector<16xbf16>
    llvm.store %b, %y {alignment = 2 : i64} : vector<16xbf16>, !llvm.ptr
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
)mlir";

// Without avx512bf16, LLVM converts through the backend's __truncsfbf2, which must round like the
// weight packer (to nearest even, NaN quiet).
TEST_F(NativeBackendTest, Bf16ConversionBuiltin) {
  HostCpu cpu = HostCpu::detect();
  auto bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  std::vector<float> values = {0.0f,       -0.0f,       1.0f,        -1.5f,      INFINITY,
                               -INFINITY,  NAN,         bits(0xFF800001u), bits(0x3F808000u),
                               bits(0x3F818000u), bits(0x3F807FFFu), bits(0x7F7FFFFFu),
                               bits(0x00000001u), bits(0x807FFFFFu), 3.14159f, 65504.0f};
  std::mt19937 rng(7);
  for (int i = 0; i < 64; ++i)
    values.push_back(bits(rng()));
  for (const char *name : {"avx2", "avx512vnni"}) {
    SCOPED_TRACE(name);
    std::vector<uint8_t> code = compile(kBf16Module, target(name));
    ASSERT_FALSE(code.empty());
    if (llvm::StringRef(name) == "avx2" ? !(cpu.avx2 && cpu.fma) : !cpu.avx512vnni)
      continue;
    LoadedCode loaded(code);
    ASSERT_TRUE(loaded.entry) << loaded.error;
    for (size_t base = 0; base + 16 <= values.size(); base += 16) {
      uint16_t out[16];
      const void *inputs[] = {values.data() + base};
      void *outputs[] = {out};
      qopt_native_args args{1, inputs, outputs, nullptr, nullptr, nullptr};
      ASSERT_EQ(loaded.entry(&args), 0);
      for (int i = 0; i < 16; ++i)
        EXPECT_EQ(out[i], floatToBf16(values[base + i])) << "value " << base + i;
    }
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST_F(NativeBackendTest, MissingLinker) {
  const char *previous = std::getenv("QOPT_LLD");
  std::string saved = previous ? previous : "";
  setenv("QOPT_LLD", "/nonexistent/ld.lld", 1);
  std::string error = compileError(kBuiltinsModule, target("avx2"));
  if (previous)
    setenv("QOPT_LLD", saved.c_str(), 1);
  else
    unsetenv("QOPT_LLD");
  EXPECT_EQ(error, "QOPT_LLD=/nonexistent/ld.lld is not an executable linker");
}

TEST_F(NativeBackendTest, KernelOfAnotherTarget) {
  GemmVariant v{"avx512vnni", "qopt_uk_gemm_u8s8_avx512vnni", "qopt_uk_gemm_f32_avx512",
                QOPT_UK_LAYOUT_VNNI, QOPT_UK_LAYOUT_F32};
  EXPECT_EQ(compileError(gemmModule(v), target("avx2")),
            "the module uses 'qopt_uk_gemm_u8s8_avx512vnni', 'qopt_uk_gemm_f32_avx512', defined "
            "neither in it nor in the avx2 kernel library, its microkernels or the builtins");
}

TEST_F(NativeBackendTest, UntranslatableOp) {
  // An op of a dialect without an LLVM IR translation: the translation's own diagnostic, with
  // its location, comes back in the error.
  context.allowUnregisteredDialects();
  std::string error = compileError(R"mlir(
module {
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %i = "mystery.op"() : () -> i32
    llvm.return %i : i32
  }
}
)mlir",
                                   target("avx2"));
  EXPECT_NE(error.find("cannot translate the module to LLVM IR:\nloc(\"-\":4:10): "),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("mystery.op"), std::string::npos) << error;
}

} // namespace
