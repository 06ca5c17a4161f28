// qopt_k_reduce against lib/Reference/ReduceKernels.cpp's algorithm (double sums, NaN wins a
// max / min), the movement kernels against index arithmetic (exact, every element size), and the
// checksum of the float kernels that ctest compares between the avx512 and avx2 builds.
#include "OpKernelTestSupport.h"

#include <algorithm>
#include <cstdio>

using namespace qopt_opk_test;

namespace {

struct ReduceCase {
  std::vector<int64_t> dims;
  uint32_t mask;
};

TEST(OpKernelReduce, AllFunctions) {
  const ReduceCase cases[] = {{{}, 0},           {{37}, 1},         {{37}, 0},
                              {{4, 19}, 2},      {{4, 19}, 1},      {{4, 19}, 3},
                              {{3, 5, 7}, 5},    {{3, 5, 7}, 2},    {{2, 1, 33, 3}, 6},
                              {{2, 3, 4, 5, 6}, 0x15}, {{1000}, 1}, {{3, 0, 4}, 2},
                              {{2, 40}, 1},      {{1, 1, 1}, 7}};
  const int32_t fns[] = {QOPT_K_REDUCE_MEAN, QOPT_K_REDUCE_SUM, QOPT_K_REDUCE_MAX,
                         QOPT_K_REDUCE_MIN};
  for (const ReduceCase &c : cases)
    for (int32_t fn : fns)
      for (int32_t it : floatTypes())
        for (int32_t ot : {QOPT_K_F32, QOPT_K_F16})
          for (int64_t batch : {1, 3, 64})
            for (bool withNaN : {false, true}) {
              int rank = (int)c.dims.size();
              int64_t n = 1, m = 1;
              std::vector<int64_t> strides(rank, 0);
              for (int d = rank - 1; d >= 0; --d) {
                bool r = (c.mask >> d) & 1;
                strides[d] = r ? 0 : m;
                if (!r)
                  m *= c.dims[d];
                n *= c.dims[d];
              }
              Buf in = randomFloats(it, n * batch, -3.0f, 7.0f);
              if (withNaN && n * batch > 5)
                in.set(n * batch / 2, NAN);
              Buf out(ot, m * batch);
              qopt_k_reduce_params p{};
              p.fn = fn, p.in_type = it, p.out_type = ot, p.rank = rank;
              for (int d = 0; d < rank; ++d)
                p.in_dims[d] = c.dims[d];
              p.reduce_mask = c.mask;
              void *ops[] = {out.data(), in.data()};
              qopt_k_reduce(&p, ops, batch, nullptr);
              for (int64_t s = 0; s < batch; ++s) {
                bool isMax = fn == QOPT_K_REDUCE_MAX, isMin = fn == QOPT_K_REDUCE_MIN;
                std::vector<double> acc(m, isMax ? -INFINITY : (isMin ? INFINITY : 0.0)), abs(m, 0);
                for (int64_t k = 0; k < n; ++k) {
                  int64_t t = 0, rest = k;
                  for (int d = rank - 1; d >= 0; --d) {
                    t += (rest % c.dims[d]) * strides[d];
                    rest /= c.dims[d];
                  }
                  double x = in.getF(s * n + k);
                  if (isMax || isMin) {
                    if (std::isnan(x) || (isMax ? x > acc[t] : x < acc[t]))
                      acc[t] = x;
                  } else {
                    acc[t] += x;
                    abs[t] += std::fabs(x);
                  }
                }
                double count = m == 0 ? 0.0 : (double)n / (double)m;
                for (int64_t j = 0; j < m; ++j) {
                  double want = fn == QOPT_K_REDUCE_MEAN ? (double)(float)(acc[j] / count)
                                                         : (double)(float)acc[j];
                  double tol = (isMax || isMin)
                                   ? 0.0
                                   : abs[j] * (count / 16 + 5) * 0x1p-24 /
                                         (fn == QOPT_K_REDUCE_MEAN ? count : 1.0);
                  float got = out.getF(s * m + j);
                  ASSERT_TRUE(within(got, want, tol, ot))
                      << "fn " << fn << " mask " << c.mask << " rank " << rank << " batch "
                      << batch << " out " << j << ": got " << got << " want " << want;
                }
              }
            }
}

/// Fills a buffer of `bytes`-sized elements with distinct patterns.
std::vector<uint8_t> pattern(size_t n, int size) {
  std::vector<uint8_t> v(n * size);
  for (size_t k = 0; k < v.size(); ++k)
    v[k] = (uint8_t)(k * 131 + 7 + (k >> 8));
  return v;
}

TEST(OpKernelMove, Transpose) {
  struct Case {
    std::vector<int64_t> dims, perm;
  };
  const Case cases[] = {{{}, {}},
                        {{5}, {0}},
                        {{3, 17}, {1, 0}},
                        {{2, 3, 4}, {2, 0, 1}},
                        {{2, 3, 4, 5}, {0, 2, 3, 1}},
                        {{1, 7, 1, 9}, {3, 1, 0, 2}}};
  for (const Case &c : cases)
    for (int size : {1, 2, 4, 8})
      for (int64_t batch : {1, 3, 64}) {
        int rank = (int)c.dims.size();
        int64_t n = 1;
        for (int64_t d : c.dims)
          n *= d;
        std::vector<uint8_t> in = pattern(n * batch, size), out(n * batch * size, 0);
        qopt_k_transpose_params p{};
        p.rank = rank, p.elem_size = size;
        for (int d = 0; d < rank; ++d)
          p.in_dims[d] = c.dims[d], p.perm[d] = c.perm[d];
        void *ops[] = {out.data(), in.data()};
        qopt_k_transpose(&p, ops, batch, nullptr);
        std::vector<int64_t> inStrides(rank);
        for (int d = rank - 1, s = 1; d >= 0; --d)
          inStrides[d] = s, s *= (int)c.dims[d];
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t k = 0; k < n; ++k) {
            int64_t src = 0, rest = k;
            for (int d = rank - 1; d >= 0; --d) {
              int64_t od = c.dims[c.perm[d]];
              src += (rest % od) * inStrides[c.perm[d]];
              rest /= od;
            }
            ASSERT_EQ(0, std::memcmp(&out[(b * n + k) * size], &in[(b * n + src) * size], size))
                << "rank " << rank << " size " << size << " element " << k;
          }
      }
}

TEST(OpKernelMove, Concat) {
  for (int size : {1, 2, 4, 8})
    for (int64_t batch : {1, 3, 64}) {
      const int inputs = 3;
      int64_t outer = 4, chunk[inputs] = {5, 1, 12};
      int batched[inputs] = {1, 0, 1};
      int64_t total = 18;
      std::vector<std::vector<uint8_t>> in;
      for (int i = 0; i < inputs; ++i)
        in.push_back(pattern(outer * chunk[i] * (batched[i] ? batch : 1) + i, size));
      std::vector<uint8_t> out(batch * outer * total * size);
      qopt_k_concat_params p{};
      p.num_inputs = inputs, p.elem_size = size, p.outer = outer;
      for (int i = 0; i < inputs; ++i)
        p.chunk[i] = chunk[i], p.batched[i] = batched[i];
      void *ops[] = {out.data(), in[0].data(), in[1].data(), in[2].data()};
      qopt_k_concat(&p, ops, batch, nullptr);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t o = 0; o < outer; ++o) {
          int64_t off = 0;
          for (int i = 0; i < inputs; ++i) {
            for (int64_t k = 0; k < chunk[i]; ++k) {
              int64_t src = (batched[i] ? b * outer * chunk[i] : 0) + o * chunk[i] + k;
              int64_t dst = (b * outer + o) * total + off + k;
              ASSERT_EQ(0, std::memcmp(&out[dst * size], &in[i][src * size], size));
            }
            off += chunk[i];
          }
        }
    }
}

TEST(OpKernelMove, Slice) {
  struct Case {
    std::vector<int64_t> in, out, starts, steps;
  };
  const Case cases[] = {{{10}, {4}, {2}, {2}},
                        {{10}, {5}, {9}, {-2}},
                        {{4, 9}, {2, 3}, {1, 8}, {2, -3}},
                        {{3, 4, 5}, {3, 2, 5}, {0, 1, 0}, {1, 2, 1}},
                        {{1}, {1}, {0}, {1}},
                        {{6, 7}, {0, 7}, {6, 0}, {1, 1}}};
  for (const Case &c : cases)
    for (int size : {1, 2, 4, 8})
      for (int64_t batch : {1, 3, 64}) {
        int rank = (int)c.in.size();
        int64_t nin = 1, nout = 1;
        for (int d = 0; d < rank; ++d)
          nin *= c.in[d], nout *= c.out[d];
        std::vector<uint8_t> in = pattern(nin * batch, size), out(nout * batch * size + 1, 0);
        qopt_k_slice_params p{};
        p.rank = rank, p.elem_size = size;
        for (int d = 0; d < rank; ++d)
          p.in_dims[d] = c.in[d], p.out_dims[d] = c.out[d], p.starts[d] = c.starts[d],
          p.steps[d] = c.steps[d];
        void *ops[] = {out.data(), in.data()};
        qopt_k_slice(&p, ops, batch, nullptr);
        std::vector<int64_t> inStrides(rank);
        for (int d = rank - 1, s = 1; d >= 0; --d)
          inStrides[d] = s, s *= (int)c.in[d];
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t k = 0; k < nout; ++k) {
            int64_t src = 0, rest = k;
            for (int d = rank - 1; d >= 0; --d) {
              src += (c.starts[d] + (rest % c.out[d]) * c.steps[d]) * inStrides[d];
              rest /= c.out[d];
            }
            ASSERT_EQ(0, std::memcmp(&out[(b * nout + k) * size], &in[(b * nin + src) * size], size));
          }
      }
}

TEST(OpKernelMove, Gather) {
  for (int size : {1, 2, 4, 8})
    for (int64_t inner : {1, 13})
      for (int64_t batch : {1, 3, 64}) {
        int64_t outer = 3, axis = 6;
        std::vector<int64_t> idx = {5, 0, 0, 3, 2};
        int64_t nidx = (int64_t)idx.size(), nin = outer * axis * inner,
                nout = outer * nidx * inner;
        std::vector<uint8_t> in = pattern(nin * batch, size), out(nout * batch * size);
        qopt_k_gather_params p{};
        p.elem_size = size, p.outer = outer, p.axis_len = axis, p.inner = inner,
        p.num_indices = nidx;
        void *ops[] = {out.data(), in.data(), idx.data()};
        qopt_k_gather(&p, ops, batch, nullptr);
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t o = 0; o < outer; ++o)
            for (int64_t j = 0; j < nidx; ++j)
              for (int64_t i = 0; i < inner; ++i) {
                int64_t dst = b * nout + (o * nidx + j) * inner + i;
                int64_t src = b * nin + (o * axis + idx[j]) * inner + i;
                ASSERT_EQ(0, std::memcmp(&out[dst * size], &in[src * size], size));
              }
      }
}

/// FNV-1a over the output bytes of the float kernels whose results depend on operation order,
/// on fixed data. ctest runs this in both builds and compares the printed lines.
TEST(Determinism, Checksum) {
  std::mt19937 g(777);
  std::uniform_real_distribution<float> d(-6.0f, 6.0f);
  const int64_t n = 4099;
  std::vector<float> x(n), x2(n), y(n);
  for (int64_t k = 0; k < n; ++k)
    x[k] = d(g), x2[k] = std::fabs(d(g));
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void *p, size_t bytes) {
    for (size_t k = 0; k < bytes; ++k)
      h = (h ^ ((const uint8_t *)p)[k]) * 1099511628211ull;
  };
  for (int32_t fn : {QOPT_K_SIGMOID, QOPT_K_TANH, QOPT_K_GELU_ERF, QOPT_K_GELU_TANH, QOPT_K_EXP,
                     QOPT_K_ERF, QOPT_K_SQRT}) {
    qopt_k_unary_params p{};
    p.n = n, p.fn = fn;
    void *ops[] = {y.data(), x.data()};
    qopt_k_unary(&p, ops, 1, nullptr);
    mix(y.data(), n * 4);
  }
  {
    qopt_k_binary_params p{};
    p.fn = QOPT_K_POW, p.rank = 1, p.out_dims[0] = n, p.a_strides[0] = p.b_strides[0] = 1;
    void *ops[] = {y.data(), x2.data(), x.data()};
    qopt_k_binary(&p, ops, 1, nullptr);
    mix(y.data(), n * 4);
  }
  for (int log : {0, 1})
    for (int64_t inner : {1, 29}) {
      qopt_k_softmax_params p{};
      p.outer = 1, p.len = n / inner, p.inner = inner, p.log = log;
      void *ops[] = {y.data(), x.data()};
      qopt_k_softmax(&p, ops, 1, nullptr, nullptr);
      mix(y.data(), p.len * inner * 4);
    }
  {
    std::vector<float> scale(n / 3, 1.5f), bias(n / 3, 0.25f);
    qopt_k_layer_norm_params p{};
    p.outer = 3, p.inner = n / 3, p.epsilon = 1e-5f;
    void *ops[] = {y.data(), x.data(), scale.data(), bias.data()};
    qopt_k_layer_norm(&p, ops, 1, nullptr, nullptr);
    mix(y.data(), n / 3 * 3 * 4);
  }
  for (uint32_t mask : {1u, 2u, 3u})
    for (int32_t fn : {QOPT_K_REDUCE_SUM, QOPT_K_REDUCE_MEAN}) {
      qopt_k_reduce_params p{};
      p.fn = fn, p.rank = 2, p.in_dims[0] = 37, p.in_dims[1] = 109, p.reduce_mask = mask;
      void *ops[] = {y.data(), x.data()};
      qopt_k_reduce(&p, ops, 1, nullptr);
      mix(y.data(), (mask == 3 ? 1 : mask == 1 ? 109 : 37) * 4);
    }
  {
    qopt_k_global_avg_pool_params p{};
    p.channels = 3, p.spatial = 1000;
    void *ops[] = {y.data(), x.data()};
    qopt_k_global_avg_pool(&p, ops, 1, nullptr);
    mix(y.data(), 3 * 4);
  }
  {
    qopt_k_pool2d_params p{};
    p.channels = 1, p.in_h = 40, p.in_w = 100, p.out_h = 13, p.out_w = 33;
    p.kernel_h = p.kernel_w = p.stride_h = p.stride_w = 3, p.dilation_h = p.dilation_w = 1;
    void *ops[] = {y.data(), x.data()};
    qopt_k_avg_pool2d(&p, ops, 1, nullptr);
    mix(y.data(), 13 * 33 * 4);
  }
  std::printf("checksum %016llx\n", (unsigned long long)h);
}

} // namespace
