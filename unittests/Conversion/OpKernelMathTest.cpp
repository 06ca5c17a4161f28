// The approximations of MathApprox.h, measured through the kernels of this build (qopt_k_unary,
// qopt_k_binary for pow) against double-precision libm, over the whole float range: dense random
// samples where the function varies, plus zeros, denormals, huge values, +-inf and NaN. The
// bounds asserted here are the ones MathApprox.h states; the measured maxima are printed.
#include "OpKernelTestSupport.h"

#include "../../lib/Conversion/QOptToLLVM/Kernels/MathApprox.h"

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace qopt_opk_test;

namespace {

#ifdef QOPT_OPK_TEST_AVX512
/// The avx512 build cannot run on a CPU without avx512: skip everything, saying so.
class RequireAvx512 : public ::testing::Environment {
public:
  void SetUp() override {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq") ||
        !__builtin_cpu_supports("avx512vnni"))
      GTEST_SKIP() << "this CPU lacks avx512 (f, bw, vl, dq, vnni): the avx512 op kernel build "
                      "is not tested here";
  }
};
const auto *const kRequireAvx512 = ::testing::AddGlobalTestEnvironment(new RequireAvx512);
#endif

std::vector<float> runUnaryF32(int32_t fn, const std::vector<float> &x) {
  std::vector<float> y(x.size());
  qopt_k_unary_params p{};
  p.n = (int64_t)x.size();
  p.fn = fn;
  p.in_type = p.out_type = QOPT_K_F32;
  void *ops[] = {y.data(), (void *)x.data()};
  qopt_k_unary(&p, ops, 1, nullptr);
  return y;
}

/// Samples: uniform in [lo, hi], log-uniform magnitudes, and the special values.
std::vector<float> samples(float lo, float hi, size_t n) {
  std::vector<float> x;
  for (size_t k = 0; k < n; ++k)
    x.push_back(uniform(lo, hi));
  for (size_t k = 0; k < n / 4; ++k) {
    float m = std::exp2(uniform(-149.0f, 127.9f));
    x.push_back(k & 1 ? -m : m);
  }
  float special[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-38f, 1.0f, -1.0f, 0.5f, 88.7f, 88.73f, -87.3f,
                     -103.9f, -104.0f, 0.625f, -0.625f, 0.875f, 3.9f, 4.0f, 9.0f, 1e30f, -1e30f,
                     3.4e38f, -3.4e38f, INFINITY, -INFINITY, NAN};
  x.insert(x.end(), std::begin(special), std::end(special));
  return x;
}

struct Stat {
  double maxUlp = 0;
  float worst = 0;
};

/// `subnormalAbs`: results below FLT_MIN count as exact within 2^-126 absolute (sigmoid's
/// 1 / (1 + e^-x) overflows e^-x where the true result is still a subnormal, in the reference too).
Stat measure(const std::vector<float> &x, const std::vector<float> &got,
             const std::function<double(double)> &ref, bool subnormalAbs = false) {
  Stat s;
  for (size_t k = 0; k < x.size(); ++k) {
    double want = ref((double)x[k]);
    if (std::isnan(x[k])) {
      EXPECT_TRUE(std::isnan(got[k])) << "NaN in must give NaN out";
      continue;
    }
    double d = ulpDiff(got[k], want);
    if (subnormalAbs && std::fabs(want) < 0x1p-126 && std::fabs(got[k] - want) <= 0x1p-126)
      d = 0;
    if (d > s.maxUlp)
      s.maxUlp = d, s.worst = x[k];
  }
  return s;
}

void report(const char *name, const Stat &s, double bound) {
  std::printf("%-8s max error %.3f ulp (at x = %a)\n", name, s.maxUlp, (double)s.worst);
  EXPECT_LE(s.maxUlp, bound) << name << " at x = " << s.worst;
}

TEST(OpKernelMath, Exp) {
  auto x = samples(-104.0f, 89.0f, 1 << 20);
  report("exp", measure(x, runUnaryF32(QOPT_K_EXP, x), [](double v) { return std::exp(v); }),
         1.0);
}

TEST(OpKernelMath, Tanh) {
  auto x = samples(-10.0f, 10.0f, 1 << 20);
  auto small = samples(-1.0f, 1.0f, 1 << 18);
  x.insert(x.end(), small.begin(), small.end());
  report("tanh", measure(x, runUnaryF32(QOPT_K_TANH, x), [](double v) { return std::tanh(v); }),
         1.5);
}

TEST(OpKernelMath, Sigmoid) {
  auto x = samples(-105.0f, 20.0f, 1 << 20);
  report("sigmoid", measure(x, runUnaryF32(QOPT_K_SIGMOID, x),
                            [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, true),
         2.5);
}

TEST(OpKernelMath, Erf) {
  auto x = samples(-4.5f, 4.5f, 1 << 20);
  report("erf", measure(x, runUnaryF32(QOPT_K_ERF, x), [](double v) { return std::erf(v); }),
         2.5);
}

TEST(OpKernelMath, Log) {
  // log is internal (log_softmax); MathApprox.h compiled for the host is the same arithmetic.
  auto x = samples(0.0f, 100.0f, 1 << 20);
  std::vector<float> got;
  for (float v : x)
    got.push_back(mlir::qopt::opk::logApprox(v));
  Stat s = measure(x, got, [](double v) { return std::log(v); });
  report("log", s, 1.0);
  EXPECT_TRUE(std::isnan(mlir::qopt::opk::logApprox(-1.0f)));
  EXPECT_EQ(mlir::qopt::opk::logApprox(0.0f), -INFINITY);
  EXPECT_EQ(mlir::qopt::opk::logApprox(INFINITY), INFINITY);
}

/// GELU against the reference's own f32 formula with libm's erf / tanh: the stated bound is
/// 4 ulp plus 2^-23 |x| absolute (the cancellation of 1 + erf for x << 0 is in both).
void checkGelu(int32_t fn, bool tanhForm) {
  auto x = samples(-12.0f, 12.0f, 1 << 20);
  auto got = runUnaryF32(fn, x);
  double worst = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    float v = x[k];
    float want = tanhForm
                     ? 0.5f * v * (1.0f + std::tanh((float)0.79788456080286535588 *
                                                    (v + 0.044715f * v * v * v)))
                     : 0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f)));
    if (std::isnan(want) || std::isinf(want)) {
      EXPECT_TRUE(sameFloat(got[k], want)) << v;
      continue;
    }
    double excess = std::fabs((double)got[k] - want) - 0x1p-23 * std::fabs(v);
    double u = excess <= 0 ? 0 : ulpDiff((float)(want + (got[k] > want ? excess : -excess)), want);
    worst = std::max(worst, u);
    EXPECT_LE(u, 4.0) << "gelu(" << v << ") = " << got[k] << ", reference " << want;
  }
  std::printf("gelu%s max error %.3f ulp beyond 2^-23 |x|\n", tanhForm ? "_tanh" : "_erf", worst);
}

TEST(OpKernelMath, GeluErf) { checkGelu(QOPT_K_GELU_ERF, false); }
TEST(OpKernelMath, GeluTanh) { checkGelu(QOPT_K_GELU_TANH, true); }

TEST(OpKernelMath, Pow) {
  std::vector<float> a, b;
  for (int k = 0; k < (1 << 18); ++k) {
    a.push_back(uniform(0.0f, 10.0f));
    b.push_back(uniform(-30.0f, 30.0f));
  }
  for (int k = 0; k < (1 << 16); ++k) { // negative bases with integral exponents
    a.push_back(uniform(-10.0f, 0.0f));
    b.push_back((float)uniformInt(-20, 20));
  }
  float sp[] = {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.5f, INFINITY, -INFINITY, NAN, 3.0f, -3.0f,
                1e-40f, 1e30f, -0.5f};
  for (float u : sp)
    for (float v : sp)
      a.push_back(u), b.push_back(v);
  std::vector<float> y(a.size());
  qopt_k_binary_params p{};
  p.fn = QOPT_K_POW;
  p.rank = 1;
  p.out_dims[0] = (int64_t)a.size();
  p.a_strides[0] = p.b_strides[0] = 1;
  void *ops[] = {y.data(), a.data(), b.data()};
  qopt_k_binary(&p, ops, 1, nullptr);
  double worst = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    double want = std::pow((double)a[k], (double)b[k]);
    if (std::isinf(want) || want == 0.0 || std::fabs(want) > 3.4028234663852886e38 ||
        std::isnan(want)) {
      float wf = std::pow(a[k], b[k]);
      EXPECT_TRUE(sameFloat(y[k], wf) && (std::isnan(wf) || std::signbit(y[k]) == std::signbit(wf)))
          << "pow(" << a[k] << ", " << b[k] << ") = " << y[k] << ", libm " << wf;
      continue;
    }
    double d = ulpDiff(y[k], want);
    worst = std::max(worst, d);
    EXPECT_LE(d, 1.0) << "pow(" << a[k] << ", " << b[k] << ")";
  }
  std::printf("pow      max error %.3f ulp\n", worst);
}

} // namespace
