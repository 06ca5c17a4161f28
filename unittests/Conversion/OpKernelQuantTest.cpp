// quantize, dequantize, requantize and fake_quant_dynamic against QuantMath.h itself (the
// reference executor's definition), bit for bit: every storage type, per tensor and per axis,
// NaN / inf / ties / saturation, zero points at and beyond the storage range, odd sizes, batch
// 1, 3 and 64.
#include "OpKernelTestSupport.h"

#include "qopt/Quant/QuantParams.h"
#include "qopt/Runtime/QuantMath.h"

#include <algorithm>

using namespace qopt_opk_test;
namespace qm = mlir::qopt::quant_math;

namespace {

struct Range {
  int32_t type;
  int32_t qmin, qmax;
};
const Range kRanges[] = {{QOPT_K_U8, 0, 255},
                         {QOPT_K_I8, -128, 127},
                         {QOPT_K_I8, -127, 127},
                         {QOPT_K_I32, INT32_MIN, INT32_MAX},
                         {QOPT_K_I32, -1000000, 1000000}};

std::vector<int32_t> zeroPointsFor(const Range &r) {
  if (r.type == QOPT_K_I32)
    return {0, 17, -2000000000, 2000000000};
  return {r.qmin, r.qmax, 0, 3, -5};
}

/// Float inputs around the quantization grid of `scale`: ties, NaN, inf, values far outside.
Buf quantInput(int32_t type, size_t n, float scale) {
  Buf b(type, n);
  for (size_t k = 0; k < n; ++k) {
    switch (k % 5) {
    case 0:
      b.set(k, uniform(-300.0f, 300.0f) * scale);
      break;
    case 1:
      b.set(k, ((float)uniformInt(-300, 300) + 0.5f) * scale); // ties
      break;
    case 2:
      b.set(k, uniform(-3e9f, 3e9f) * scale);
      break;
    default:
      b.set(k, uniform(-2.0f, 2.0f));
    }
  }
  float edges[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 3e38f, -3e38f};
  for (size_t k = 0; k < std::size(edges) && 2 * k < n; ++k)
    b.set(2 * k, edges[k]);
  return b;
}

TEST(OpKernelQuant, QuantizePerTensor) {
  for (const Range &r : kRanges)
    for (int32_t zp : zeroPointsFor(r))
      for (float scale : {0.0123f, 1.0f, 0.5f, 3e-6f})
        for (int32_t it : floatTypes())
          for (int64_t batch : {1, 3, 64}) {
            int64_t n = 45;
            Buf in = quantInput(it, n * batch, scale);
            Buf out(r.type, n * batch);
            qopt_k_quantize_params p{};
            p.n = n;
            p.in_type = it, p.out_type = r.type;
            p.qmin = r.qmin, p.qmax = r.qmax;
            p.q.scale = scale;
            p.q.zero_point = zp;
            void *ops[] = {out.data(), in.data(), nullptr, nullptr};
            qopt_k_quantize(&p, ops, batch, nullptr);
            for (int64_t k = 0; k < n * batch; ++k)
              ASSERT_EQ(out.getI(k), qm::quantize(in.getF(k), scale, zp, r.qmin, r.qmax))
                  << typeName(it) << " -> " << typeName(r.type) << " x = " << in.getF(k)
                  << " scale " << scale << " zp " << zp;
          }
}

TEST(OpKernelQuant, QuantizeDequantizePerAxis) {
  // Per sample [outer = 3, axis = 5, inner = 7].
  const int64_t outer = 3, axis = 5, inner = 7, n = outer * axis * inner;
  std::vector<float> scales = {0.01f, 0.5f, 2.0f, 1e-4f, 0.033f};
  for (const Range &r : kRanges) {
    std::vector<int32_t> zps;
    for (int64_t c = 0; c < axis; ++c)
      zps.push_back(zeroPointsFor(r)[c % zeroPointsFor(r).size()]);
    for (int32_t ft : floatTypes())
      for (int64_t batch : {1, 3, 64}) {
        Buf in = quantInput(ft, n * batch, 0.01f);
        Buf q(r.type, n * batch);
        qopt_k_quantize_params p{};
        p.n = n;
        p.in_type = ft, p.out_type = r.type;
        p.qmin = r.qmin, p.qmax = r.qmax;
        p.q.outer = outer, p.q.axis_len = axis, p.q.inner = inner;
        void *ops[] = {q.data(), in.data(), scales.data(), zps.data()};
        qopt_k_quantize(&p, ops, batch, nullptr);
        Buf back(ft, n * batch);
        qopt_k_dequantize_params d{};
        d.n = n;
        d.in_type = r.type, d.out_type = ft;
        d.q = p.q;
        void *dops[] = {back.data(), q.data(), scales.data(), zps.data()};
        qopt_k_dequantize(&d, dops, batch, nullptr);
        for (int64_t k = 0; k < n * batch; ++k) {
          int64_t c = (k % n) / inner % axis;
          int64_t want = qm::quantize(in.getF(k), scales[c], zps[c], r.qmin, r.qmax);
          ASSERT_EQ(q.getI(k), want) << "element " << k;
          float deq = roundTo(ft, qm::dequantize(want, scales[c], zps[c]));
          ASSERT_TRUE(sameFloat(back.getF(k), deq)) << "element " << k;
        }
      }
  }
}

TEST(OpKernelQuant, DequantizePerTensor) {
  for (const Range &r : kRanges)
    for (int32_t zp : zeroPointsFor(r))
      for (int32_t ot : floatTypes())
        for (int64_t batch : {1, 3, 64}) {
          int64_t n = 29;
          Buf in(r.type, n * batch);
          for (int64_t k = 0; k < n * batch; ++k)
            in.set(k, k % 7 == 0 ? (k % 2 ? r.qmin : r.qmax) : uniformInt(r.qmin, r.qmax));
          Buf out(ot, n * batch);
          qopt_k_dequantize_params p{};
          p.n = n;
          p.in_type = r.type, p.out_type = ot;
          p.q.scale = 0.0173f;
          p.q.zero_point = zp;
          void *ops[] = {out.data(), in.data(), nullptr, nullptr};
          qopt_k_dequantize(&p, ops, batch, nullptr);
          for (int64_t k = 0; k < n * batch; ++k)
            ASSERT_TRUE(sameFloat(out.getF(k), roundTo(ot, qm::dequantize(in.getI(k), 0.0173f, zp))))
                << typeName(r.type) << " q = " << in.getI(k) << " zp " << zp;
        }
}

TEST(OpKernelQuant, Requantize) {
  for (const Range &ri : kRanges)
    for (const Range &ro : kRanges)
      for (int32_t izp : zeroPointsFor(ri))
        for (int32_t ozp : zeroPointsFor(ro))
          for (auto [is, os] : {std::pair{0.02f, 0.05f}, {0.5f, 0.001f}, {1.0f, 1.0f}, {0.1f, 0.3f}})
            for (int64_t batch : {1, 3}) {
              int64_t n = 19;
              Buf in(ri.type, n * batch);
              for (int64_t k = 0; k < n * batch; ++k)
                in.set(k, k % 5 == 0 ? (k % 2 ? ri.qmin : ri.qmax) : uniformInt(ri.qmin, ri.qmax));
              Buf out(ro.type, n * batch);
              qopt_k_requantize_params p{};
              p.n = n;
              p.in_type = ri.type, p.out_type = ro.type;
              p.in_scale = is, p.out_scale = os;
              p.in_zp = izp, p.out_zp = ozp, p.qmin = ro.qmin, p.qmax = ro.qmax;
              void *ops[] = {out.data(), in.data()};
              qopt_k_requantize(&p, ops, batch, nullptr);
              for (int64_t k = 0; k < n * batch; ++k)
                ASSERT_EQ(out.getI(k),
                          qm::requantize(in.getI(k), is, izp, os, ozp, ro.qmin, ro.qmax))
                    << typeName(ri.type) << " -> " << typeName(ro.type) << " q = " << in.getI(k);
            }
}

/// lib/Reference/QuantKernels.cpp runFakeQuantDynamic, over the whole batch.
std::vector<float> fakeQuantRef(const std::vector<float> &x, bool i8) {
  float lo = 0.0f, hi = 0.0f, absMax = 0.0f;
  for (float v : x) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    absMax = std::max(absMax, std::fabs(v));
  }
  qm::AffineParams p;
  if (i8) {
    if (absMax == 0.0f)
      return x;
    p = qm::weightI8(absMax);
  } else {
    if (hi == lo)
      return x;
    p = qm::asymmetricU8(lo, hi);
  }
  std::vector<float> y;
  for (float v : x)
    y.push_back(qm::dequantize(qm::quantize(v, p.scale, p.zeroPoint, p.qmin, p.qmax), p.scale,
                               p.zeroPoint));
  return y;
}

TEST(OpKernelQuant, FakeQuantDynamic) {
  for (int signedStorage : {0, 1})
    for (int32_t it : floatTypes())
      for (int32_t ot : floatTypes())
        for (int64_t batch : {1, 3, 64})
          for (int variant = 0; variant < 4; ++variant) {
            int64_t n = 53;
            Buf in = randomFloats(it, n * batch, variant == 1 ? 0.5f : -3.0f, 5.0f);
            if (variant == 2)
              for (int64_t k = 0; k < n * batch; ++k)
                in.set(k, 0.0f); // all zero: identity
            if (variant == 3)
              in.set(n * batch / 2, NAN); // ignored by the range, NaN -> zero point
            Buf out(ot, n * batch);
            qopt_k_fake_quant_params p{};
            p.n = n;
            p.in_type = it, p.out_type = ot;
            p.signed_storage = signedStorage;
            void *ops[] = {out.data(), in.data()};
            qopt_k_fake_quant_dynamic(&p, ops, batch, nullptr);
            std::vector<float> x;
            for (int64_t k = 0; k < n * batch; ++k)
              x.push_back(in.getF(k));
            std::vector<float> want = fakeQuantRef(x, signedStorage);
            for (int64_t k = 0; k < n * batch; ++k)
              ASSERT_TRUE(sameFloat(out.getF(k), roundTo(ot, want[k])))
                  << "variant " << variant << " x = " << x[k] << ": " << out.getF(k) << " vs "
                  << want[k];
          }
}

} // namespace
