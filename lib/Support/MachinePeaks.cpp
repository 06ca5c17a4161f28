// Measured peaks of this core: clock, instruction throughput and read bandwidth.
//
// Every loop that uses an instruction set is a function of its own with that set as its target
// attribute, and runs only after cpuid + xgetbv say the core has it and the OS saves its registers,
// so a binary built for baseline x86-64 never executes an instruction the CPU lacks (the figure
// stays 0). Time is this thread's CPU time: on a shared machine a preempted thread would
// otherwise count someone else's cycles as its own (the clock comes out low, every peak with it).
#include "qopt/Support/MachinePeaks.h"

#include <algorithm>
#include <cpuid.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <immintrin.h>
#include <sstream>
#include <sys/mman.h>
#include <vector>

namespace mlir::qopt {
namespace {

//===----------------------------------------------------------------------===//
// CPU features
//===----------------------------------------------------------------------===//

struct Features {
  bool avx2 = false, fma = false, avx512 = false, vnni = false, bf16 = false;
};

Features detectFeatures() {
  Features f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return f;
  bool osxsave = c & (1u << 27), fma = c & (1u << 12);
  if (!osxsave)
    return f;
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // The OS must save the ymm state (bits 1-2) for AVX and the opmask / zmm state (5-7) for
  // AVX-512, or their instructions fault even on a core that implements them.
  bool ymmState = (lo & 0x6) == 0x6;
  bool zmmState = ymmState && (lo & 0xE0) == 0xE0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return f;
  f.avx2 = ymmState && (b & (1u << 5));
  f.fma = ymmState && fma;
  // The loops below use only avx512f (+vnni / +bf16); dq/bw/vl are not needed.
  f.avx512 = zmmState && (b & (1u << 16));
  f.vnni = f.avx512 && (c & (1u << 11));
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
    f.bf16 = f.avx512 && (a & (1u << 5));
  return f;
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

double threadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/// Median seconds of `repeats` runs of `f`, after one warm-up run (which also brings the clock
/// of a power-managed core up before anything is counted).
template <typename F> double medianSeconds(int repeats, F &&f, bool warmUp = true) {
  if (warmUp)
    f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    double t0 = threadSeconds();
    f();
    t.push_back(threadSeconds() - t0);
  }
  std::sort(t.begin(), t.end());
  return std::max(t[t.size() / 2], 1e-9);
}

//===----------------------------------------------------------------------===//
// Clock
//===----------------------------------------------------------------------===//

#define REP10(x) x x x x x x x x x x

/// 100 dependent adds per iteration: 100 cycles. The addend is a register whose value the core
/// cannot know at rename time: Golden Cove class cores fold chains of add-immediate in the
/// renamer, which makes "add $1" chains run several per cycle.
volatile long unknownOne = 1;
void addChain(long iters) {
  long v = 0, one = unknownOne;
  __asm__ volatile("1:\n\t" REP10(REP10("add %2, %0\n\t")) "dec %1\n\tjnz 1b"
                   : "+r"(v), "+r"(iters)
                   : "r"(one)
                   : "cc");
}

//===----------------------------------------------------------------------===//
// Instruction throughput
//===----------------------------------------------------------------------===//

// 16 independent accumulators cover latency x ports of every zmm instruction here (5 x 2 at
// most); the two sources are registers the loop never writes.
#define ACC16(op)                                                                                 \
  op " %%zmm16, %%zmm17, %%zmm0\n\t" op " %%zmm16, %%zmm17, %%zmm1\n\t" op                        \
     " %%zmm16, %%zmm17, %%zmm2\n\t" op " %%zmm16, %%zmm17, %%zmm3\n\t" op                        \
     " %%zmm16, %%zmm17, %%zmm4\n\t" op " %%zmm16, %%zmm17, %%zmm5\n\t" op                        \
     " %%zmm16, %%zmm17, %%zmm6\n\t" op " %%zmm16, %%zmm17, %%zmm7\n\t" op                        \
     " %%zmm16, %%zmm17, %%zmm8\n\t" op " %%zmm16, %%zmm17, %%zmm9\n\t" op                        \
     " %%zmm16, %%zmm17, %%zmm10\n\t" op " %%zmm16, %%zmm17, %%zmm11\n\t" op                      \
     " %%zmm16, %%zmm17, %%zmm12\n\t" op " %%zmm16, %%zmm17, %%zmm13\n\t" op                      \
     " %%zmm16, %%zmm17, %%zmm14\n\t" op " %%zmm16, %%zmm17, %%zmm15\n\t"

#define ZMM_LOOP(op)                                                                               \
  __asm__ volatile("vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"    \
                   "1:\n\t" ACC16(op) ACC16(op) "dec %0\n\tjnz 1b"                                \
                   : "+r"(iters)                                                                  \
                   :                                                                              \
                   : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",        \
                     "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",        \
                     "xmm16", "xmm17")

// 32 instructions per iteration each.
__attribute__((target("avx512f"))) void fmaZmmLoop(long iters) { ZMM_LOOP("vfmadd231ps"); }
__attribute__((target("avx512f,avx512vnni"))) void vnniLoop(long iters) {
  ZMM_LOOP("vpdpbusd");
}
__attribute__((target("avx512f,avx512bf16"))) void bf16Loop(long iters) {
  ZMM_LOOP("vdpbf16ps");
}

#define YMM_CLOBBERS                                                                               \
  "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",  \
      "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/// 14 independent vfmadd231ps ymm per iteration.
__attribute__((target("avx2,fma"))) void fmaYmmLoop(long iters) {
#define FMAY(i) "vfmadd231ps %%ymm14, %%ymm15, %%ymm" #i "\n\t"
  __asm__ volatile("vpxor %%ymm14, %%ymm14, %%ymm14\n\tvpxor %%ymm15, %%ymm15, %%ymm15\n\t"
                   "1:\n\t" FMAY(0) FMAY(1) FMAY(2) FMAY(3) FMAY(4) FMAY(5) FMAY(6) FMAY(7)
                       FMAY(8) FMAY(9) FMAY(10) FMAY(11) FMAY(12) FMAY(13) "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : YMM_CLOBBERS);
#undef FMAY
}

/// The AVX2 int8 dot product without VNNI, 8 per iteration: vpmaddubsw (32 u8 x s8 products
/// summed in pairs to i16), vpmaddwd by ones (to i32), vpaddd into one of 8 accumulators. The
/// temporaries rotate over 5 registers so that renaming, not the program, orders them.
__attribute__((target("avx2"))) void avx2Int8Loop(long iters) {
#define DOT(acc, t)                                                                                \
  "vpmaddubsw %%ymm13, %%ymm14, %%ymm" #t "\n\t"                                                   \
  "vpmaddwd %%ymm15, %%ymm" #t ", %%ymm" #t "\n\t"                                                 \
  "vpaddd %%ymm" #t ", %%ymm" #acc ", %%ymm" #acc "\n\t"
  __asm__ volatile("vpxor %%ymm13, %%ymm13, %%ymm13\n\tvpxor %%ymm14, %%ymm14, %%ymm14\n\t"
                   "vpxor %%ymm15, %%ymm15, %%ymm15\n\t"
                   "1:\n\t" DOT(0, 8) DOT(1, 9) DOT(2, 10) DOT(3, 11) DOT(4, 12) DOT(5, 8)
                       DOT(6, 9) DOT(7, 10) "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : YMM_CLOBBERS);
#undef DOT
}

//===----------------------------------------------------------------------===//
// Read bandwidth
//===----------------------------------------------------------------------===//

// Each sums `passes` sweeps over the buffer with vector loads into 8 independent accumulators
// (enough for 2 loads per cycle against the add's latency). The empty asm makes the buffer
// pointer unknown on every pass, so the compiler cannot merge the passes.
__attribute__((target("avx512f"))) uint64_t sumZmm(const char *p, size_t bytes, int passes) {
  __m512i a[8];
  for (auto &v : a)
    v = _mm512_setzero_si512();
  for (int r = 0; r < passes; ++r) {
    __asm__ volatile("" : "+r"(p));
    for (size_t i = 0; i + 512 <= bytes; i += 512)
      for (int j = 0; j < 8; ++j)
        a[j] = _mm512_add_epi32(a[j], _mm512_load_si512(p + i + 64 * j));
  }
  for (int j = 1; j < 8; ++j)
    a[0] = _mm512_add_epi32(a[0], a[j]);
  return (uint64_t)_mm512_reduce_add_epi32(a[0]);
}

__attribute__((target("avx2"))) uint64_t sumYmm(const char *p, size_t bytes, int passes) {
  __m256i a[8];
  for (auto &v : a)
    v = _mm256_setzero_si256();
  for (int r = 0; r < passes; ++r) {
    __asm__ volatile("" : "+r"(p));
    for (size_t i = 0; i + 256 <= bytes; i += 256)
      for (int j = 0; j < 8; ++j)
        a[j] = _mm256_add_epi32(
            a[j], _mm256_load_si256(reinterpret_cast<const __m256i *>(p + i + 32 * j)));
  }
  for (int j = 1; j < 8; ++j)
    a[0] = _mm256_add_epi32(a[0], a[j]);
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i *>(lanes), a[0]);
  uint64_t s = 0;
  for (uint32_t l : lanes)
    s += l;
  return s;
}

uint64_t sumXmm(const char *p, size_t bytes, int passes) {
  __m128i a[8];
  for (auto &v : a)
    v = _mm_setzero_si128();
  for (int r = 0; r < passes; ++r) {
    __asm__ volatile("" : "+r"(p));
    for (size_t i = 0; i + 128 <= bytes; i += 128)
      for (int j = 0; j < 8; ++j)
        a[j] = _mm_add_epi32(
            a[j], _mm_load_si128(reinterpret_cast<const __m128i *>(p + i + 16 * j)));
  }
  for (int j = 1; j < 8; ++j)
    a[0] = _mm_add_epi32(a[0], a[j]);
  alignas(16) uint32_t lanes[4];
  _mm_store_si128(reinterpret_cast<__m128i *>(lanes), a[0]);
  return (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

/// Keeps the sums alive so the loads cannot be dropped.
volatile uint64_t sink;

/// Bytes per second reading a buffer of `bytes` (a multiple of 512), `passes` sweeps per timing.
/// The DRAM buffer skips the warm-up sweep: touching its pages was one, and a sweep costs tens of
/// milliseconds.
double readBytesPerSecond(const Features &f, char *buf, size_t bytes, int passes, int repeats,
                          bool warmUp = true) {
  auto sweep = [&] {
    sink = f.avx512 ? sumZmm(buf, bytes, passes)
           : f.avx2 ? sumYmm(buf, bytes, passes)
                    : sumXmm(buf, bytes, passes);
  };
  double s = medianSeconds(repeats, sweep, warmUp);
  return (double)bytes * passes / s;
}

/// The L2 size from sysfs (bytes), or 0 when it cannot be read.
long sysfsL2Bytes() {
  for (int index = 0; index < 8; ++index) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream level(dir + "level"), size(dir + "size");
    int lv = 0;
    std::string sz;
    if (!(level >> lv) || !(size >> sz) || lv != 2 || sz.empty())
      continue;
    long n = std::strtol(sz.c_str(), nullptr, 10);
    char unit = sz.back();
    return unit == 'K' ? n << 10 : unit == 'M' ? n << 20 : n;
  }
  return 0;
}

char *alignedBuffer(size_t bytes) {
  // 2 MB alignment lets the kernel back the DRAM buffer with huge pages, keeping TLB misses
  // out of the bandwidth figure.
  size_t rounded = (bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20);
  void *p = std::aligned_alloc(2u << 20, rounded);
  if (!p)
    return nullptr;
  // Huge pages also cut the page faults of touching 256 MB from 65536 to 128 (most of quick
  // mode's time otherwise). Only a hint: without transparent huge pages it changes nothing.
  madvise(p, rounded, MADV_HUGEPAGE);
  std::memset(p, 1, bytes); // touch every page outside the timing
  return static_cast<char *>(p);
}

void appendField(std::ostringstream &os, const char *name, double v, bool first = false) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  os << (first ? "" : ",") << '"' << name << "\":" << buf;
}
void appendField(std::ostringstream &os, const char *name, long v) {
  os << ",\"" << name << "\":" << v;
}

} // namespace

std::string MachinePeaks::toJson() const {
  std::ostringstream os;
  os << '{';
  appendField(os, "ghz", ghz, true);
  appendField(os, "f32_fma_ops_per_cycle", f32FmaOpsPerCycle);
  appendField(os, "f32_fma_vector_bits", (long)f32FmaVectorBits);
  appendField(os, "f32_fma_ymm_ops_per_cycle", f32FmaYmmOpsPerCycle);
  appendField(os, "int8_vnni_ops_per_cycle", int8VnniOpsPerCycle);
  appendField(os, "int8_avx2_ops_per_cycle", int8Avx2OpsPerCycle);
  appendField(os, "bf16_ops_per_cycle", bf16OpsPerCycle);
  appendField(os, "l1_bytes_per_cycle", l1BytesPerCycle);
  appendField(os, "l2_bytes_per_cycle", l2BytesPerCycle);
  appendField(os, "dram_bytes_per_cycle", dramBytesPerCycle);
  appendField(os, "l1_bytes", l1Bytes);
  appendField(os, "l2_bytes", l2Bytes);
  appendField(os, "dram_bytes", dramBytes);
  appendField(os, "l2_cache_bytes", l2CacheBytes);
  os << ",\"quick\":" << (quick ? "true" : "false") << '}';
  return os.str();
}

std::string hostCpuName() {
  unsigned regs[12] = {0};
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004)
    return "unknown";
  for (unsigned leaf = 0; leaf < 3; ++leaf)
    __get_cpuid(0x80000002 + leaf, &regs[4 * leaf], &regs[4 * leaf + 1], &regs[4 * leaf + 2],
                &regs[4 * leaf + 3]);
  char name[49] = {0};
  std::memcpy(name, regs, 48);
  std::string s(name);
  // The brand string is padded with spaces at either end on some parts.
  size_t first = s.find_first_not_of(' '), last = s.find_last_not_of(' ');
  return first == std::string::npos ? "unknown" : s.substr(first, last - first + 1);
}

MachinePeaks measureMachinePeaks(bool quick) {
  MachinePeaks p;
  p.quick = quick;
  Features f = detectFeatures();
  const int repeats = quick ? 3 : 7;

  // quick: about 1e6 cycles per timing (well under a millisecond); full: 3e7.
  const long chainIters = quick ? 10000 : 300000;
  double s = medianSeconds(repeats, [&] { addChain(chainIters); });
  p.ghz = chainIters * 100.0 / s * 1e-9;
  const double hz = p.ghz * 1e9;

  // Iterations of 32 zmm instructions (at most 2 per cycle: 16 cycles each).
  const long zmmIters = quick ? 30000 : 1000000;
  auto opsPerCycle = [&](void (*loop)(long), long iters, double opsPerIter) {
    double sec = medianSeconds(repeats, [&] { loop(iters); });
    return iters * opsPerIter / (sec * hz);
  };
  if (f.avx512) {
    p.f32FmaOpsPerCycle = opsPerCycle(fmaZmmLoop, zmmIters, 32 * 16 * 2);
    p.f32FmaVectorBits = 512;
  } else if (f.avx2 && f.fma) {
    p.f32FmaOpsPerCycle = opsPerCycle(fmaYmmLoop, zmmIters, 14 * 8 * 2);
    p.f32FmaVectorBits = 256;
  }
  if (f.avx2 && f.fma)
    p.f32FmaYmmOpsPerCycle = p.f32FmaVectorBits == 256
                                 ? p.f32FmaOpsPerCycle
                                 : opsPerCycle(fmaYmmLoop, zmmIters, 14 * 8 * 2);
  if (f.vnni)
    p.int8VnniOpsPerCycle = opsPerCycle(vnniLoop, zmmIters, 32 * 64 * 2);
  if (f.bf16)
    // vdpbf16ps zmm: 16 f32 lanes, each the sum of 2 bf16 products, so 32 multiply-adds and 64
    // flop per instruction (the kernels' figures count a GEMM as 2 M N K flop, the same unit).
    p.bf16OpsPerCycle = opsPerCycle(bf16Loop, zmmIters, 32 * 32 * 2);
  if (f.avx2)
    p.int8Avx2OpsPerCycle = opsPerCycle(avx2Int8Loop, zmmIters, 8 * 32 * 2);

  // Working sets: a third of a typical 48 KB L1; half the L2 (so it fits beside the code and
  // the stack but not in L1), clamped to 512 KB .. 1 MB; DRAM: 256 MB, past any L3 we have seen
  // (VMs may report the whole socket's L3, which the figure then partly includes).
  p.l1Bytes = 16 << 10;
  long l2 = p.l2CacheBytes = sysfsL2Bytes();
  p.l2Bytes = std::clamp(l2 > 0 ? l2 / 2 : (512L << 10), 512L << 10, 1L << 20);
  p.dramBytes = 256L << 20;
  if (char *buf = alignedBuffer(p.l2Bytes)) {
    // Each timing reads about 64 MB (quick: 4 MB) from L1 and L2.
    int l1Passes = (int)((quick ? 4L << 20 : 64L << 20) / p.l1Bytes);
    int l2Passes = (int)std::max(1L, (quick ? 4L << 20 : 64L << 20) / p.l2Bytes);
    p.l1BytesPerCycle = readBytesPerSecond(f, buf, p.l1Bytes, l1Passes, repeats) / hz;
    p.l2BytesPerCycle = readBytesPerSecond(f, buf, p.l2Bytes, l2Passes, repeats) / hz;
    std::free(buf);
  }
  if (char *buf = alignedBuffer(p.dramBytes)) {
    p.dramBytesPerCycle = readBytesPerSecond(f, buf, p.dramBytes, 1, quick ? 1 : 3, false) / hz;
    std::free(buf);
  }
  return p;
}

} // namespace mlir::qopt
