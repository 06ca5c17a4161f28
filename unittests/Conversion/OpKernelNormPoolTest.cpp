// softmax / log_softmax, layer_norm, batch_norm and the pools against scalar references written
// as lib/Reference/{ElementwiseKernels,PoolNormKernels}.cpp compute them (double sums). Tolerances
// are the ones stated in NormOps.cpp and PoolOps.cpp; batch_norm and max_pool2d are exact.
#include "OpKernelTestSupport.h"

#include <algorithm>

using namespace qopt_opk_test;

namespace {

struct SoftmaxShape {
  int64_t outer, len, inner;
};

TEST(OpKernelNorm, Softmax) {
  const SoftmaxShape shapes[] = {{1, 1, 1}, {1, 10, 1}, {3, 37, 1}, {2, 5, 19},
                                 {2, 33, 16}, {1, 1000, 1}, {2, 3, 40}};
  for (const SoftmaxShape &sh : shapes)
    for (int log : {0, 1})
      for (int32_t it : floatTypes())
        for (int32_t ot : floatTypes())
          for (int64_t batch : {1, 3, 64}) {
            if (batch == 64 && sh.len == 1000)
              continue;
            int64_t n = sh.outer * sh.len * sh.inner;
            Buf in = randomFloats(it, n * batch, -10.0f, 10.0f);
            if (n * batch > 20) {
              in.set(3, -INFINITY);
              in.set(7, 80.0f);
            }
            Buf out(ot, n * batch);
            qopt_k_softmax_params p{};
            p.outer = sh.outer, p.len = sh.len, p.inner = sh.inner;
            p.in_type = it, p.out_type = ot;
            p.log = log;
            void *ops[] = {out.data(), in.data()};
            qopt_k_softmax(&p, ops, batch, nullptr, nullptr);
            for (int64_t o = 0; o < sh.outer * batch; ++o)
              for (int64_t i = 0; i < sh.inner; ++i) {
                int64_t base = o * sh.len * sh.inner + i;
                float max = -INFINITY;
                for (int64_t k = 0; k < sh.len; ++k)
                  max = std::max(max, in.getF(base + k * sh.inner));
                double sum = 0;
                for (int64_t k = 0; k < sh.len; ++k)
                  sum += (double)std::exp(in.getF(base + k * sh.inner) - max);
                for (int64_t k = 0; k < sh.len; ++k) {
                  float x = in.getF(base + k * sh.inner);
                  double want = log ? (double)(x - max - (float)std::log(sum))
                                    : (double)std::exp(x - max) / sum;
                  double tol = log ? (1.0 + std::fabs(want)) * 0x1p-20
                                   : std::fabs(want) * (8.0 + sh.len / 16.0) * 0x1p-24 + 1e-38;
                  float got = out.getF(base + k * sh.inner);
                  ASSERT_TRUE(within(got, want, tol, ot))
                      << (log ? "log_softmax " : "softmax ") << typeName(it) << "->" << typeName(ot)
                      << " shape " << sh.outer << "x" << sh.len << "x" << sh.inner << " got "
                      << got << " want " << want;
                }
              }
          }
}

TEST(OpKernelNorm, SoftmaxNaNRow) {
  float x[4] = {1.0f, NAN, 2.0f, 3.0f}, y[4];
  qopt_k_softmax_params p{};
  p.outer = 1, p.len = 4, p.inner = 1;
  void *ops[] = {y, x};
  qopt_k_softmax(&p, ops, 1, nullptr, nullptr);
  for (float v : y)
    EXPECT_TRUE(std::isnan(v));
}

TEST(OpKernelNorm, LayerNorm) {
  for (int64_t inner : {1, 7, 64, 333})
    for (int32_t it : floatTypes())
      for (int32_t ot : floatTypes())
        for (int32_t st : {QOPT_K_F32, QOPT_K_BF16})
          for (bool withBias : {true, false})
            for (int64_t batch : {1, 3, 64}) {
              int64_t outer = 3, n = outer * inner;
              Buf x = randomFloats(it, n * batch, -3.0f, 5.0f);
              Buf scale = randomFloats(st, inner, -2.0f, 2.0f), bias = randomFloats(st, inner);
              Buf out(ot, n * batch);
              qopt_k_layer_norm_params p{};
              p.outer = outer, p.inner = inner;
              p.epsilon = 1e-5f;
              p.in_type = it, p.out_type = ot, p.scale_type = st, p.bias_type = st;
              void *ops[] = {out.data(), x.data(), scale.data(), withBias ? bias.data() : nullptr};
              qopt_k_layer_norm(&p, ops, batch, nullptr, nullptr);
              for (int64_t r = 0; r < outer * batch; ++r) {
                double mean = 0, var = 0;
                for (int64_t k = 0; k < inner; ++k)
                  mean += x.getF(r * inner + k);
                mean /= inner;
                for (int64_t k = 0; k < inner; ++k)
                  var += (x.getF(r * inner + k) - mean) * (x.getF(r * inner + k) - mean);
                var /= inner;
                double sd = std::sqrt(var + (double)1e-5f);
                for (int64_t k = 0; k < inner; ++k) {
                  float normed = (float)((x.getF(r * inner + k) - mean) / sd);
                  float want = normed * scale.getF(k) + (withBias ? bias.getF(k) : 0.0f);
                  double tol = 0x1p-19 * (std::fabs(normed) + 1) * std::fabs(scale.getF(k)) +
                               (withBias ? std::fabs(bias.getF(k)) * 0x1p-23 : 0.0);
                  ASSERT_TRUE(within(out.getF(r * inner + k), want, tol, ot))
                      << "inner " << inner << " " << typeName(it) << "->" << typeName(ot)
                      << " got " << out.getF(r * inner + k) << " want " << want;
                }
              }
            }
}

TEST(OpKernelNorm, BatchNormExact) {
  for (int32_t it : floatTypes())
    for (int32_t ot : floatTypes())
      for (int32_t pt : floatTypes())
        for (int64_t batch : {1, 3, 64}) {
          int64_t ch = 5, sp = 13, n = ch * sp;
          Buf x = randomFloats(it, n * batch, -6.0f, 6.0f);
          Buf scale = randomFloats(pt, ch), bias = randomFloats(pt, ch),
              mean = randomFloats(pt, ch), var = randomFloats(pt, ch, 0.0f, 3.0f);
          Buf out(ot, n * batch);
          qopt_k_batch_norm_params p{};
          p.channels = ch, p.spatial = sp, p.epsilon = 1e-3f;
          p.in_type = it, p.out_type = ot, p.param_type = pt;
          void *ops[] = {out.data(), x.data(), scale.data(), bias.data(), mean.data(), var.data()};
          qopt_k_batch_norm(&p, ops, batch, nullptr);
          for (int64_t s = 0; s < batch; ++s)
            for (int64_t c = 0; c < ch; ++c) {
              float sd = std::sqrt(var.getF(c) + 1e-3f);
              for (int64_t k = 0; k < sp; ++k) {
                int64_t i = (s * ch + c) * sp + k;
                float want = (x.getF(i) - mean.getF(c)) / sd * scale.getF(c) + bias.getF(c);
                ASSERT_TRUE(sameFloat(out.getF(i), roundTo(ot, want)));
              }
            }
        }
}

struct PoolGeom {
  int64_t h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};

int64_t outDim(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t d) {
  return (in + p0 + p1 - (d * (k - 1) + 1)) / s + 1;
}

const PoolGeom kGeoms[] = {{7, 9, 3, 2, 2, 1, 1, 0, 1, 1, 2, 1}, {5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},
                           {8, 70, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1}, {6, 11, 3, 3, 3, 2, 1, 1, 2, 1, 1, 2},
                           {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},   {4, 130, 3, 5, 1, 1, 1, 2, 1, 2, 1, 1}};

qopt_k_pool2d_params poolParams(const PoolGeom &g, int64_t channels, int32_t it, int32_t ot,
                                bool avg) {
  qopt_k_pool2d_params p{};
  int64_t dh = avg ? 1 : g.dh, dw = avg ? 1 : g.dw;
  p.channels = channels, p.in_h = g.h, p.in_w = g.w;
  p.out_h = outDim(g.h, g.kh, g.sh, g.pt, g.pb, dh);
  p.out_w = outDim(g.w, g.kw, g.sw, g.pl, g.pr, dw);
  p.kernel_h = g.kh, p.kernel_w = g.kw, p.stride_h = g.sh, p.stride_w = g.sw;
  p.pad_top = g.pt, p.pad_left = g.pl, p.pad_bottom = g.pb, p.pad_right = g.pr;
  p.dilation_h = g.dh, p.dilation_w = g.dw;
  p.in_type = it, p.out_type = ot;
  return p;
}

TEST(OpKernelPool, MaxPoolExact) {
  std::vector<int32_t> types = floatTypes();
  types.push_back(QOPT_K_U8);
  types.push_back(QOPT_K_I8);
  for (const PoolGeom &g : kGeoms)
    for (int32_t t : types)
      for (int64_t batch : {1, 3, 64}) {
        int64_t ch = 3;
        qopt_k_pool2d_params p = poolParams(g, ch, t, t, false);
        int64_t nin = ch * g.h * g.w, nout = ch * p.out_h * p.out_w;
        Buf in(t, nin * batch);
        for (int64_t k = 0; k < nin * batch; ++k) {
          if (t == QOPT_K_U8)
            in.set(k, k % 11 == 0 ? 255 : (k % 13 == 0 ? 0 : uniformInt(0, 255)));
          else if (t == QOPT_K_I8)
            in.set(k, k % 11 == 0 ? 127 : (k % 13 == 0 ? -128 : uniformInt(-128, 127)));
          else
            in.set(k, k % 17 == 5 ? NAN : (k % 19 == 3 ? -INFINITY : uniform(-5.0f, 5.0f)));
        }
        Buf out(t, nout * batch);
        void *ops[] = {out.data(), in.data()};
        qopt_k_max_pool2d(&p, ops, batch, nullptr, nullptr);
        bool isFloat = t <= QOPT_K_BF16;
        for (int64_t pl = 0; pl < ch * batch; ++pl)
          for (int64_t y = 0; y < p.out_h; ++y)
            for (int64_t x = 0; x < p.out_w; ++x) {
              double best = isFloat ? -INFINITY : (t == QOPT_K_U8 ? 0 : -128);
              for (int64_t i = 0; i < g.kh; ++i) {
                int64_t iy = y * g.sh - g.pt + i * g.dh;
                if (iy < 0 || iy >= g.h)
                  continue;
                for (int64_t j = 0; j < g.kw; ++j) {
                  int64_t ix = x * g.sw - g.pl + j * g.dw;
                  if (ix < 0 || ix >= g.w)
                    continue;
                  double v = in.get(pl * g.h * g.w + iy * g.w + ix);
                  if (v > best || std::isnan(v))
                    best = v;
                }
              }
              double got = out.get(pl * p.out_h * p.out_w + y * p.out_w + x);
              ASSERT_TRUE(sameFloat((float)got, (float)best))
                  << typeName(t) << " plane " << pl << " (" << y << ", " << x << ")";
            }
      }
}

TEST(OpKernelPool, AvgPool) {
  for (const PoolGeom &g : kGeoms)
    for (int include : {0, 1})
      for (int32_t it : floatTypes())
        for (int32_t ot : floatTypes())
          for (int64_t batch : {1, 3}) {
            int64_t ch = 2;
            qopt_k_pool2d_params p = poolParams(g, ch, it, ot, true);
            p.count_include_pad = include;
            int64_t nin = ch * g.h * g.w, nout = ch * p.out_h * p.out_w;
            Buf in = randomFloats(it, nin * batch, -5.0f, 5.0f);
            Buf out(ot, nout * batch);
            void *ops[] = {out.data(), in.data()};
            qopt_k_avg_pool2d(&p, ops, batch, nullptr);
            for (int64_t pl = 0; pl < ch * batch; ++pl)
              for (int64_t y = 0; y < p.out_h; ++y)
                for (int64_t xo = 0; xo < p.out_w; ++xo) {
                  // lib/Reference/PoolNormKernels.cpp runAvgPool2D.
                  int64_t y0 = y * g.sh - g.pt, x0 = xo * g.sw - g.pl;
                  int64_t y1 = std::min(y0 + g.kh, g.h + g.pb);
                  int64_t x1 = std::min(x0 + g.kw, g.w + g.pr);
                  int64_t paddedArea = (y1 - y0) * (x1 - x0);
                  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
                  y1 = std::min(y1, g.h), x1 = std::min(x1, g.w);
                  double sum = 0, abs = 0;
                  for (int64_t iy = y0; iy < y1; ++iy)
                    for (int64_t ix = x0; ix < x1; ++ix) {
                      sum += in.getF(pl * g.h * g.w + iy * g.w + ix);
                      abs += std::fabs(in.getF(pl * g.h * g.w + iy * g.w + ix));
                    }
                  int64_t realArea = std::max<int64_t>(y1 - y0, 0) * std::max<int64_t>(x1 - x0, 0);
                  int64_t div = include ? paddedArea : realArea;
                  double want = div > 0 ? (double)(float)(sum / div) : 0.0;
                  double tol = div > 0 ? abs / div * g.kh * g.kw * 0x1p-23 : 0.0;
                  float got = out.getF(pl * p.out_h * p.out_w + y * p.out_w + xo);
                  ASSERT_TRUE(within(got, want, tol, ot))
                      << "include_pad " << include << " (" << y << ", " << xo << ") got " << got
                      << " want " << want;
                }
          }
}

TEST(OpKernelPool, GlobalAvgPool) {
  for (int64_t sp : {1, 7, 49, 1000})
    for (int32_t it : floatTypes())
      for (int32_t ot : floatTypes())
        for (int64_t batch : {1, 3, 64}) {
          int64_t ch = 5;
          Buf in = randomFloats(it, ch * sp * batch, -2.0f, 6.0f);
          Buf out(ot, ch * batch);
          qopt_k_global_avg_pool_params p{};
          p.channels = ch, p.spatial = sp, p.in_type = it, p.out_type = ot;
          void *ops[] = {out.data(), in.data()};
          qopt_k_global_avg_pool(&p, ops, batch, nullptr);
          for (int64_t c = 0; c < ch * batch; ++c) {
            double sum = 0, abs = 0;
            for (int64_t k = 0; k < sp; ++k) {
              sum += in.getF(c * sp + k);
              abs += std::fabs(in.getF(c * sp + k));
            }
            double want = (float)(sum / sp);
            double tol = abs / sp * (sp / 16.0 + 5) * 0x1p-24;
            ASSERT_TRUE(within(out.getF(c), want, tol, ot)) << "spatial " << sp;
          }
        }
}

} // namespace
