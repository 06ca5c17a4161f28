// qopt_k_unary, qopt_k_binary and qopt_k_cast against scalar references that follow
// lib/Reference/ElementwiseKernels.cpp: f32 arithmetic on the loaded values, the result rounded
// to the output type. Exact ops must match bit for bit (NaN-ness for NaN); the approximations
// stay within MathApprox.h's bounds plus the rounding of a 16-bit result.
#include "OpKernelTestSupport.h"

#include <algorithm>

using namespace qopt_opk_test;

namespace {

/// Random data with the edge values every float kernel must handle.
Buf floatInput(int32_t type, size_t n, float lo, float hi) {
  Buf b = randomFloats(type, n, lo, hi);
  float edges[] = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 1e-30f, 65504.0f, -3e38f};
  for (size_t k = 0; k < std::size(edges) && 3 * k + 1 < n; ++k)
    b.set(3 * k + 1, edges[k]);
  return b;
}

struct UnaryCase {
  int32_t fn;
  const char *name;
  double ulps; // 0: exact
  float lo, hi;
};

float unaryRef(int32_t fn, float x, float a, float b) {
  switch (fn) {
  case QOPT_K_RELU:
    return x < 0.0f ? 0.0f : x;
  case QOPT_K_CLAMP:
    return x < a ? a : (x > b ? b : x);
  case QOPT_K_LEAKY_RELU:
    return x >= 0.0f ? x : a * x;
  case QOPT_K_SIGMOID:
    return 1.0f / (1.0f + std::exp(-x));
  case QOPT_K_TANH:
    return std::tanh(x);
  case QOPT_K_GELU_ERF:
    return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
  case QOPT_K_GELU_TANH:
    return 0.5f * x * (1.0f + std::tanh((float)0.79788456080286535588 * (x + 0.044715f * x * x * x)));
  case QOPT_K_EXP:
    return std::exp(x);
  case QOPT_K_SQRT:
    return std::sqrt(x);
  case QOPT_K_NEG:
    return -x;
  case QOPT_K_ERF:
    return std::erf(x);
  }
  return NAN;
}

TEST(OpKernelElementwise, Unary) {
  const UnaryCase cases[] = {
      {QOPT_K_RELU, "relu", 0, -4, 4},         {QOPT_K_CLAMP, "clamp", 0, -4, 4},
      {QOPT_K_LEAKY_RELU, "leaky_relu", 0, -4, 4}, {QOPT_K_SIGMOID, "sigmoid", 3.5, -20, 20},
      {QOPT_K_TANH, "tanh", 2.5, -6, 6},       {QOPT_K_GELU_ERF, "gelu_erf", 5, -6, 6},
      {QOPT_K_GELU_TANH, "gelu_tanh", 5, -6, 6}, {QOPT_K_EXP, "exp", 2, -20, 20},
      {QOPT_K_SQRT, "sqrt", 0, -1, 100},       {QOPT_K_NEG, "neg", 0, -4, 4},
      {QOPT_K_ERF, "erf", 3.5, -4, 4}};
  for (const UnaryCase &c : cases)
    for (int32_t it : floatTypes())
      for (int32_t ot : floatTypes())
        for (int64_t batch : {1, 3, 64}) {
          int64_t n = 37;
          Buf in = floatInput(it, n * batch, c.lo, c.hi);
          Buf out(ot, n * batch);
          qopt_k_unary_params p{};
          p.n = n;
          p.fn = c.fn;
          p.in_type = it, p.out_type = ot;
          p.a = c.fn == QOPT_K_CLAMP ? -1.0f : 0.1f;
          p.b = 2.0f;
          void *ops[] = {out.data(), in.data()};
          qopt_k_unary(&p, ops, batch, nullptr);
          for (int64_t k = 0; k < n * batch; ++k) {
            float x = in.getF(k), want = unaryRef(c.fn, x, p.a, p.b), got = out.getF(k);
            SCOPED_TRACE(std::string(c.name) + " " + typeName(it) + " -> " + typeName(ot) +
                         " x = " + std::to_string(x));
            if (c.ulps == 0) {
              EXPECT_TRUE(sameFloat(got, roundTo(ot, want))) << got << " vs " << want;
            } else {
              // The reference's libm value is within 1 ulp of the truth; the kernel within
              // its bound; gelu also gets the 2^-23 |x| of its cancellation.
              double ulp = std::fabs(want) < 0x1p-126 ? 0x1p-149 : std::fabs(want) * 0x1p-23;
              double tol = c.ulps * ulp + (c.fn == QOPT_K_GELU_ERF || c.fn == QOPT_K_GELU_TANH
                                               ? 0x1p-23 * std::fabs(x)
                                               : 0.0);
              if (c.fn == QOPT_K_SIGMOID)
                tol += 0x1p-126;
              EXPECT_TRUE(within(got, want, tol, ot)) << got << " vs " << want;
            }
          }
        }
}

TEST(OpKernelElementwise, Cast) {
  for (int32_t it : floatTypes())
    for (int32_t ot : floatTypes())
      for (int64_t batch : {1, 3, 64}) {
        int64_t n = 23;
        Buf in = floatInput(it, n * batch, -70000.0f, 70000.0f);
        for (int64_t k = 0; k < n * batch; k += 5)
          in.set(k, uniform(-1e-6f, 1e-6f)); // f16 subnormals
        Buf out(ot, n * batch);
        qopt_k_cast_params p{};
        p.n = n;
        p.in_type = it, p.out_type = ot;
        void *ops[] = {out.data(), in.data()};
        qopt_k_cast(&p, ops, batch, nullptr);
        for (int64_t k = 0; k < n * batch; ++k)
          EXPECT_TRUE(sameFloat(out.getF(k), roundTo(ot, in.getF(k))))
              << typeName(it) << " -> " << typeName(ot) << ": " << in.getF(k) << " gave "
              << out.getF(k);
      }
}

/// Row-major strides of `dims` with 0 on the dims where the operand has size 1 (broadcast).
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &dims,
                                      const std::vector<int64_t> &outDims) {
  size_t rank = outDims.size();
  std::vector<int64_t> padded(rank, 1);
  std::copy(dims.begin(), dims.end(), padded.begin() + (rank - dims.size()));
  std::vector<int64_t> s(rank, 0);
  int64_t acc = 1;
  for (size_t d = rank; d-- > 0;) {
    s[d] = padded[d] == 1 ? 0 : acc;
    acc *= padded[d];
  }
  return s;
}

int64_t count(const std::vector<int64_t> &dims) {
  int64_t c = 1;
  for (int64_t d : dims)
    c *= d;
  return c;
}

float binaryRef(int32_t fn, float x, float y) {
  switch (fn) {
  case QOPT_K_ADD:
    return x + y;
  case QOPT_K_SUB:
    return x - y;
  case QOPT_K_MUL:
    return x * y;
  case QOPT_K_DIV:
    return x / y;
  default:
    return std::pow(x, y);
  }
}

struct Shapes {
  std::vector<int64_t> a, b, out;
};

TEST(OpKernelElementwise, BinaryBroadcast) {
  const Shapes shapes[] = {
      {{}, {}, {}},                         // rank 0
      {{37}, {37}, {37}},                   // same shape, odd size
      {{3, 1, 5}, {4, 1}, {3, 4, 5}},        // both broadcast
      {{2, 3, 17}, {17}, {2, 3, 17}},        // row vector
      {{1}, {6, 19}, {6, 19}},               // scalar lhs
      {{5, 1}, {1, 33}, {5, 33}},            // outer product
      {{2, 1, 3, 1, 2}, {1, 4, 1, 3, 2}, {2, 4, 3, 3, 2}}};
  const int32_t fns[] = {QOPT_K_ADD, QOPT_K_SUB, QOPT_K_MUL, QOPT_K_DIV, QOPT_K_POW};
  for (const Shapes &sh : shapes)
    for (int32_t fn : fns)
      for (int32_t at : floatTypes())
        for (int32_t bt : {QOPT_K_F32, QOPT_K_BF16})
          for (int32_t ot : floatTypes())
            for (int64_t batch : {1, 3, 64})
              for (bool bBatched : {true, false}) {
                int rank = (int)sh.out.size();
                int64_t na = count(sh.a), nb = count(sh.b), no = count(sh.out);
                float lo = fn == QOPT_K_POW ? 0.0f : -8.0f;
                Buf a = floatInput(at, na * batch, lo, 8.0f);
                Buf b = floatInput(bt, nb * (bBatched ? batch : 1), fn == QOPT_K_POW ? -3.0f : -8.0f,
                                   fn == QOPT_K_POW ? 3.0f : 8.0f);
                Buf out(ot, no * batch);
                qopt_k_binary_params p{};
                p.fn = fn;
                p.a_type = at, p.b_type = bt, p.out_type = ot;
                p.rank = rank;
                std::vector<int64_t> sa = broadcastStrides(sh.a, sh.out);
                std::vector<int64_t> sb = broadcastStrides(sh.b, sh.out);
                for (int d = 0; d < rank; ++d) {
                  p.out_dims[d] = sh.out[d];
                  p.a_strides[d] = sa[d];
                  p.b_strides[d] = sb[d];
                }
                p.a_sample_stride = na;
                p.b_sample_stride = bBatched ? nb : 0;
                void *ops[] = {out.data(), a.data(), b.data()};
                qopt_k_binary(&p, ops, batch, nullptr);
                for (int64_t s = 0; s < batch; ++s)
                  for (int64_t k = 0; k < no; ++k) {
                    int64_t oa = 0, ob = 0, rest = k;
                    for (int d = rank - 1; d >= 0; --d) {
                      int64_t i = rest % sh.out[d];
                      rest /= sh.out[d];
                      oa += i * sa[d];
                      ob += i * sb[d];
                    }
                    float x = a.getF(s * na + oa), y = b.getF(s * p.b_sample_stride + ob);
                    float want = binaryRef(fn, x, y), got = out.getF(s * no + k);
                    SCOPED_TRACE("fn " + std::to_string(fn) + " " + typeName(at) + "," +
                                 typeName(bt) + " -> " + typeName(ot) + " rank " +
                                 std::to_string(rank) + " batch " + std::to_string(batch));
                    if (fn == QOPT_K_POW) // libm's powf is within 1 ulp, the kernel's too
                      EXPECT_TRUE(within(got, want, std::fabs(want) * 0x1p-22, ot))
                          << "pow(" << x << ", " << y << ") = " << got << " vs " << want;
                    else
                      EXPECT_TRUE(sameFloat(got, roundTo(ot, want)))
                          << x << " (op) " << y << " = " << got << " vs " << want;
                  }
              }
}

} // namespace

namespace {

/// OpKernels.h allows the output to be the input buffer itself for the elementwise kernels and
/// softmax: in place must give what a separate output gives.
TEST(OpKernelElementwise, InPlace) {
  const int64_t n = 1001;
  Buf x = floatInput(QOPT_K_F32, n, -5.0f, 5.0f), y(QOPT_K_F32, n);
  Buf z = x;
  qopt_k_unary_params u{};
  u.n = n, u.fn = QOPT_K_GELU_TANH;
  void *sep[] = {y.data(), x.data()}, *in[] = {z.data(), z.data()};
  qopt_k_unary(&u, sep, 1, nullptr);
  qopt_k_unary(&u, in, 1, nullptr);
  for (int64_t k = 0; k < n; ++k)
    ASSERT_TRUE(sameFloat(y.getF(k), z.getF(k)));

  Buf b = floatInput(QOPT_K_F32, n, -5.0f, 5.0f), w = x;
  qopt_k_binary_params p{};
  p.fn = QOPT_K_MUL, p.rank = 1, p.out_dims[0] = n, p.a_strides[0] = p.b_strides[0] = 1;
  void *bsep[] = {y.data(), x.data(), b.data()}, *bin[] = {w.data(), w.data(), b.data()};
  qopt_k_binary(&p, bsep, 1, nullptr);
  qopt_k_binary(&p, bin, 1, nullptr);
  for (int64_t k = 0; k < n; ++k)
    ASSERT_TRUE(sameFloat(y.getF(k), w.getF(k)));

  Buf s = x;
  qopt_k_softmax_params sm{};
  sm.outer = 7, sm.len = 11, sm.inner = 13;
  void *ssep[] = {y.data(), x.data()}, *sin[] = {s.data(), s.data()};
  qopt_k_softmax(&sm, ssep, 1, nullptr, nullptr);
  qopt_k_softmax(&sm, sin, 1, nullptr, nullptr);
  for (int64_t k = 0; k < 7 * 11 * 13; ++k)
    ASSERT_TRUE(sameFloat(y.getF(k), s.getF(k)));
}

} // namespace
