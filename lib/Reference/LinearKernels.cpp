// fully_connected, matmul and conv2d, float or quantized. Float dot products accumulate in double
// (see Executor.h); quantized ones are exact int64 sums of centered integers (q - zp), computed
// with the runtime's dotCentered where the operands are contiguous. LinearEpilogue turns each sum
// into the result with the bias, the scale, the fused activation and the result's quantization,
// with the functions of qopt/Runtime/Epilogue.h.
#include "Kernels.h"
#include "QuantizedOperands.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

namespace mlir::qopt::ref::detail {

static const Tensor *optional(Lookup get, Value v) { return v ? &get(v) : nullptr; }

// Multiplies and adds stay separate operations here whatever the instruction set (no fused
// multiply-add), so the oracle computes the same bits on every machine and in every code path.
#pragma clang fp contract(off)

constexpr int64_t kTileRows = 8, kTileCols = 16;

/// The weights w [n][k] as column blocks of kTileCols: block b holds, for each j, the weights of
/// columns b * kTileCols + 0..15 (zero past n), so the dot tiles below read them in order.
template <typename T>
static std::vector<T> packColumns(const T *w, int64_t n, int64_t k) {
  int64_t blocks = (n + kTileCols - 1) / kTileCols;
  std::vector<T> packed(blocks * k * kTileCols, T(0));
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t j = 0; j < k; ++j)
      for (int64_t c = 0; c < kTileCols && b * kTileCols + c < n; ++c)
        packed[(b * k + j) * kTileCols + c] = w[(b * kTileCols + c) * k + j];
  return packed;
}

/// out[r][c] = sum_j x[r*k + j] * w[c][j] for r < m, c < n, from packColumns' layout, each sum
/// taken in j order, as the one-at-a-time loop takes it, so the results are bit-identical to it.
/// A tile of 8 rows x 16 columns of sums advances together: independent chains that vectorize
/// across the columns instead of one add latency per multiply, each weight loaded once per 8
/// rows. Compiled once per instruction set (the library's baseline is plain x86-64).
template <typename T>
static inline __attribute__((always_inline)) void dotTiles(const T *x, const T *packed,
                                                           int64_t m, int64_t n, int64_t k,
                                                           T *out) {
  for (int64_t c0 = 0; c0 < n; c0 += kTileCols) {
    const T *wb = packed + (c0 / kTileCols) * k * kTileCols;
    int64_t cols = std::min(kTileCols, n - c0);
    for (int64_t r0 = 0; r0 < m; r0 += kTileRows) {
      T acc[kTileRows][kTileCols] = {};
      if (r0 + kTileRows <= m) {
        for (int64_t j = 0; j < k; ++j)
          for (int64_t i = 0; i < kTileRows; ++i) {
            T xv = x[(r0 + i) * k + j];
            for (int64_t c = 0; c < kTileCols; ++c)
              acc[i][c] += xv * wb[j * kTileCols + c];
          }
      } else {
        for (int64_t j = 0; j < k; ++j)
          for (int64_t i = 0; i < m - r0; ++i) {
            T xv = x[(r0 + i) * k + j];
            for (int64_t c = 0; c < kTileCols; ++c)
              acc[i][c] += xv * wb[j * kTileCols + c];
          }
      }
      for (int64_t i = 0; i < std::min(kTileRows, m - r0); ++i)
        for (int64_t c = 0; c < cols; ++c)
          out[(r0 + i) * n + c0 + c] = acc[i][c];
    }
  }
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx512f,avx512dq"))) static void
dotTilesAvx512(const T *x, const T *packed, int64_t m, int64_t n, int64_t k, T *out) {
  dotTiles(x, packed, m, n, k, out);
}
template <typename T>
__attribute__((target("avx2"))) static void dotTilesAvx2(const T *x, const T *packed, int64_t m,
                                                         int64_t n, int64_t k, T *out) {
  dotTiles(x, packed, m, n, k, out);
}
#endif

/// Calls store(r, c, sum_j x[r*k + j] * w[c][j]) for every r < m, c < n, with `packed` from
/// packColumns (see dotTiles).
template <typename T, typename Store>
static void blockedDots(const T *x, const std::vector<T> &packed, int64_t m, int64_t n,
                        int64_t k, Store store) {
  std::vector<T> out(m * n);
#if defined(__x86_64__)
  static const int isa = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                             ? 2
                             : (__builtin_cpu_supports("avx2") ? 1 : 0);
  if (isa == 2)
    dotTilesAvx512(x, packed.data(), m, n, k, out.data());
  else if (isa == 1)
    dotTilesAvx2(x, packed.data(), m, n, k, out.data());
  else
#endif
    dotTiles(x, packed.data(), m, n, k, out.data());
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c)
      store(r, c, out[r * n + c]);
}

/// The centered integers as int32 when every dot product of `k` of them provably fits (|x| |w|
/// k < 2^31, true of 8-bit operands up to k = 33,025): the same exact sums with twice the lanes
/// and a cheaper multiply. Empty otherwise (the caller stays in int64).
static std::pair<std::vector<int32_t>, std::vector<int32_t>>
narrowCentered(const std::vector<int64_t> &x, const std::vector<int64_t> &w, int64_t k) {
  auto maxAbs = [](const std::vector<int64_t> &v) {
    int64_t m = 0;
    for (int64_t e : v)
      m = std::max(m, e < 0 ? -e : e);
    return m;
  };
  int64_t mx = maxAbs(x), mw = maxAbs(w);
  if (mx > (1 << 16) || mw > (1 << 16) ||
      (mx * mw > 0 && k > ((int64_t(1) << 31) - 1) / (mx * mw)))
    return {};
  return {std::vector<int32_t>(x.begin(), x.end()), std::vector<int32_t>(w.begin(), w.end())};
}

/// Reads the input and weight of fully_connected / conv2d. A per-axis weight must be quantized
/// along dimension 0, the output channel.
static LogicalResult readOperands(const Tensor &x, const Tensor &w, LinearOperand &xo,
                                  LinearOperand &wo, std::string &err) {
  FailureOr<LinearOperand> a = linearOperand(x, "input", err);
  if (failed(a))
    return failure();
  FailureOr<LinearOperand> b = linearOperand(w, "weight", err);
  if (failed(b))
    return failure();
  if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(w.elementType);
      axis && axis.getQuantizedDimension() != 0)
    return fail(err, "weight is quantized along dimension " +
                         Twine(axis.getQuantizedDimension()) +
                         ", expected 0 (the output channel)");
  xo = std::move(*a);
  wo = std::move(*b);
  return success();
}

LogicalResult runFullyConnected(FullyConnectedOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  LinearOperand xo, wo;
  if (failed(readOperands(x, w, xo, wo, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  if (failed(makeResult(op, shape::fullyConnected(x.shape, w.shape, b ? &biasShape : nullptr), out,
                        err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(xo, wo, b, op.getActivation(), out, err);
  if (failed(epilogue))
    return failure();
  int64_t n = w.shape[0], k = w.shape[1];
  int64_t m = product(ArrayRef<int64_t>(x.shape).drop_back());
  // Integer sums are exact in any order; centered operands (q - zero point) make them the
  // runtime's dotCentered.
  if (xo.quantized) {
    auto store = [&](int64_t row, int64_t col, auto acc) {
      epilogue->storeQuantized(row * n + col, col, (int64_t)acc);
    };
    auto [x32, w32] = narrowCentered(xo.centered, wo.centered, k);
    if (!x32.empty())
      blockedDots(x32.data(), packColumns(w32.data(), n, k), m, n, k, store);
    else
      blockedDots(xo.centered.data(), packColumns(wo.centered.data(), n, k), m, n, k, store);
    return success();
  }
  blockedDots(xo.v.data(), packColumns(wo.v.data(), n, k), m, n, k,
              [&](int64_t row, int64_t col, double acc) {
    epilogue->storeFloat(row * n + col, col, acc);
  });
  return success();
}

LogicalResult runMatMul(MatMulOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &a = get(op.getLhs()), &b = get(op.getRhs());
  FailureOr<LinearOperand> ao = linearOperand(a, "lhs", err);
  if (failed(ao))
    return failure();
  FailureOr<LinearOperand> bo = linearOperand(b, "rhs", err);
  if (failed(bo))
    return failure();
  if (bo->quantized && bo->params.dim != 1)
    return fail(err, "a quantized rhs must be quantized per tensor");
  if (failed(makeResult(op, shape::matmul(a.shape, b.shape), out, err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(*ao, *bo, nullptr, Activation::none, out, err);
  if (failed(epilogue))
    return failure();
  ArrayRef<int64_t> outShape = out.shape;
  int64_t m = a.shape[a.shape.size() - 2], k = a.shape.back(), n = b.shape.back();
  // Batch offsets in units of whole matrices, broadcast like numpy.matmul.
  ArrayRef<int64_t> batch = outShape.drop_back(2);
  SmallVector<int64_t> aStrides =
      broadcastStrides(ArrayRef<int64_t>(a.shape).drop_back(2), batch);
  SmallVector<int64_t> bStrides =
      broadcastStrides(ArrayRef<int64_t>(b.shape).drop_back(2), batch);
  int64_t numBatches = product(batch);
  for (int64_t bi = 0; bi < numBatches; ++bi) {
    int64_t aOffset = offsetOf(bi, batch, aStrides) * m * k;
    int64_t bOffset = offsetOf(bi, batch, bStrides) * k * n;
    int64_t om = bi * m * n;
    if (ao->quantized) {
      const int64_t *am = ao->storage + aOffset, *bm = bo->storage + bOffset;
      int64_t aZp = ao->params.zeroPoints[0], bZp = bo->params.zeroPoints[0];
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          epilogue->storeQuantized(om + i * n + j, 0,
                                   rt::dotCentered(am + i * k, aZp, bm + j, bZp, k, n));
      continue;
    }
    const double *am = ao->v.data() + aOffset;
    const double *bm = bo->v.data() + bOffset;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p)
          acc += am[i * k + p] * bm[p * n + j];
        epilogue->storeFloat(om + i * n + j, 0, acc);
      }
  }
  return success();
}

LogicalResult runConv2D(Conv2DOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  LinearOperand xo, wo;
  if (failed(readOperands(x, w, xo, wo, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), dil = op.getDilations();
  int64_t groups = op.getGroups();
  if (failed(makeResult(op,
                        shape::conv2d(x.shape, w.shape, b ? &biasShape : nullptr, strides, pads,
                                      dil, groups),
                        out, err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(xo, wo, b, op.getActivation(), out, err);
  if (failed(epilogue))
    return failure();
  int64_t batch = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  int64_t o = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  int64_t oh = out.shape[2], ow = out.shape[3];
  int64_t og = o / groups;
  // Padding contributes nothing: a padded input is real 0, i.e. q = zero point, centered 0. The
  // same loop accumulates doubles for float operands and exact int64 sums for quantized ones.
  // Per image and group, an im2col matrix [output pixel][channel, kernel row, kernel column]
  // (the weight rows' order) times the weights, with blockedDots. A tap outside the input is 0
  // in the matrix, where the plain loop skips it: adding 0 changes no sum (bar the sign of a
  // zero, which the epilogue's bias addition does not see), so the results are those of the
  // plain loop, at GEMM speed.
  auto convolve = [&](const auto *xv, const auto *wv, auto zero, auto store) {
    using T = decltype(zero);
    int64_t k = cg * kh * kw, rows = oh * ow;
    std::vector<T> col(rows * k);
    std::vector<std::vector<T>> packed;
    for (int64_t g = 0; g < groups; ++g)
      packed.push_back(packColumns(wv + g * og * k, og, k));
    for (int64_t nb = 0; nb < batch; ++nb)
      for (int64_t g = 0; g < groups; ++g) {
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t x = 0; x < ow; ++x) {
            T *dst = col.data() + (y * ow + x) * k;
            for (int64_t ic = 0; ic < cg; ++ic) {
              const T *xc = xv + (nb * c + g * cg + ic) * h * wd;
              for (int64_t i = 0; i < kh; ++i) {
                int64_t iy = y * strides[0] - pads[0] + i * dil[0];
                for (int64_t j = 0; j < kw; ++j) {
                  int64_t ix = x * strides[1] - pads[1] + j * dil[1];
                  *dst++ = iy >= 0 && iy < h && ix >= 0 && ix < wd ? xc[iy * wd + ix] : zero;
                }
              }
            }
          }
        blockedDots(col.data(), packed[g], rows, og, k,
                    [&](int64_t pixel, int64_t oc, T acc) {
                      int64_t channel = g * og + oc;
                      store((nb * o + channel) * rows + pixel, channel, acc);
                    });
      }
  };
  if (xo.quantized) {
    auto store = [&](int64_t at, int64_t ch, auto acc) {
      epilogue->storeQuantized(at, ch, (int64_t)acc);
    };
    auto [x32, w32] = narrowCentered(xo.centered, wo.centered, cg * kh * kw);
    if (!x32.empty())
      convolve(x32.data(), w32.data(), int32_t(0), store);
    else
      convolve(xo.centered.data(), wo.centered.data(), int64_t(0), store);
  } else
    convolve(xo.v.data(), wo.v.data(), 0.0,
             [&](int64_t at, int64_t ch, double acc) { epilogue->storeFloat(at, ch, acc); });
  return success();
}

} // namespace mlir::qopt::ref::detail
