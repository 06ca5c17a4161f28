// Lowering of the linear family (fully_connected, conv2d, matmul) to LinearKernels.h, with the
// weights packed here, at compile time, in the target's layout (UKernels.h is the contract).
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/LinearKernels.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

#include <limits>

namespace mlir::qopt::lowering {
namespace {

namespace uk = mlir::qopt::ukernel;

/// The quantization of a per-tensor quantized tensor.
struct TensorQuant {
  float scale = 1.0f;
  int64_t zeroPoint = 0;
  int64_t qmin = 0, qmax = 0;
  bool isSigned = false;
};

std::optional<TensorQuant> perTensor(Type t) {
  auto q = dyn_cast<quant::UniformQuantizedType>(cast<ShapedType>(t).getElementType());
  if (!q)
    return std::nullopt;
  return TensorQuant{(float)q.getScale(), q.getZeroPoint(), q.getStorageTypeMin(),
                     q.getStorageTypeMax(), q.isSigned()};
}

/// Per-output-channel weight scales of a symmetric i8 weight (per-axis on `axis`, or per tensor),
/// or a reason it is not one.
FailureOr<std::vector<float>> weightScales(Type t, int64_t axis, int64_t channels,
                                           std::string &why) {
  Type e = cast<ShapedType>(t).getElementType();
  std::vector<float> scales;
  if (auto q = dyn_cast<quant::UniformQuantizedType>(e)) {
    if (q.getZeroPoint() != 0) {
      why = "the int8 kernels take symmetric weights (zero point 0)";
      return failure();
    }
    scales.assign(channels, (float)q.getScale());
  } else if (auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(e)) {
    if (q.getQuantizedDimension() != axis || (int64_t)q.getScales().size() != channels) {
      why = "per-axis weight scales must be per output channel";
      return failure();
    }
    for (int64_t zp : q.getZeroPoints())
      if (zp != 0) {
        why = "the int8 kernels take symmetric weights (zero point 0)";
        return failure();
      }
    for (double s : q.getScales())
      scales.push_back((float)s);
  } else {
    why = "the weight is not quantized";
    return failure();
  }
  if (!cast<quant::QuantizedType>(e).isSigned() ||
      cast<quant::QuantizedType>(e).getStorageTypeIntegralWidth() != 8) {
    why = "the int8 kernels take i8 weights";
    return failure();
  }
  return scales;
}

/// The real values of a quantized constant `q` of type `type`, as the reference dequantizes:
/// (float)(q - zp) * (float)scale, per tensor or per axis.
std::optional<std::vector<float>> dequantizeConstant(ElementsAttr q, Type type) {
  auto shaped = cast<ShapedType>(type);
  std::optional<std::vector<uint8_t>> bytes = rawConstantBytes(q);
  int64_t eb = storageBytes(type);
  if (!bytes || eb == 0)
    return std::nullopt;
  bool isSigned = cast<quant::QuantizedType>(shaped.getElementType()).isSigned();
  int64_t n = (int64_t)bytes->size() / eb, channels = 1, inner = 1;
  std::vector<float> scales;
  std::vector<int64_t> zps;
  Type e = shaped.getElementType();
  if (auto u = dyn_cast<quant::UniformQuantizedType>(e)) {
    scales = {(float)u.getScale()};
    zps = {u.getZeroPoint()};
  } else if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(e)) {
    for (double sc : a.getScales())
      scales.push_back((float)sc);
    zps.assign(a.getZeroPoints().begin(), a.getZeroPoints().end());
    channels = (int64_t)scales.size();
    for (int64_t d = a.getQuantizedDimension() + 1; d < shaped.getRank(); ++d)
      inner *= shaped.getDimSize(d);
  } else {
    return std::nullopt;
  }
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = 0;
    std::memcpy(&v, bytes->data() + i * eb, eb);
    if (isSigned && eb < 8)
      v = (int64_t)((uint64_t)v << (64 - 8 * eb)) >> (64 - 8 * eb);
    int64_t c = (i / inner) % channels;
    out[i] = (float)(v - zps[c]) * scales[c];
  }
  return out;
}

/// The clamp of a fused activation, when it is one (none, relu, relu6).
LogicalResult activationClamp(Activation act, qopt_k_gemm_params &p) {
  p.act_lo = -std::numeric_limits<float>::infinity();
  p.act_hi = std::numeric_limits<float>::infinity();
  switch (act) {
  case Activation::none:
    p.has_act = 0;
    return success();
  case Activation::relu:
    p.has_act = 1;
    p.act_lo = 0.0f;
    return success();
  case Activation::relu6:
    p.has_act = 1;
    p.act_lo = 0.0f;
    p.act_hi = 6.0f;
    return success();
  default:
    return failure();
  }
}

/// The packed operands of one linear op: weights in the target layout, and the per-column
/// epilogue arrays, for `groups` independent [n, k] weight matrices laid out one after another.
/// Records a linear kernel's multiply-adds for NativeCode.steps (the roofline's x axis).
void setOpsPerSample(PatternRewriter &rewriter, KernelCallOp call, int64_t ops) {
  call->setAttr(kOpsPerSampleAttr, rewriter.getI64IntegerAttr(ops));
}

/// Reorders each of `rows` weight rows of k = channels x taps elements from (channel, tap) to
/// (tap, channel): the k order of a tap-major conv2d (qopt_k_conv2d_params.tap_major). The zero
/// point folding and the scales do not depend on the order within a row.
template <typename T>
void tapMajor(std::vector<T> &w, int64_t rows, int64_t k, int64_t taps) {
  if (taps <= 1)
    return;
  int64_t channels = k / taps;
  std::vector<T> row(k);
  for (int64_t r = 0; r < rows; ++r) {
    T *src = w.data() + r * k;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t t = 0; t < taps; ++t)
        row[t * channels + c] = src[c * taps + t];
    std::copy(row.begin(), row.end(), src);
  }
}

struct PackedLinear {
  SmallVector<Value> operands; // packed weights, then bias(es) / scales as the kernel reads them
  SmallVector<int64_t> nulls;  // kernel operand positions that are null
  qopt_k_gemm_params gemm;
  int64_t groupPackedBytes = 0;
};

class LinearPacker {
public:
  LinearPacker(Target target, LoweringFailures &failures) : target(target), failures(failures) {}
  Target nativeTarget() const { return target; }

  /// Packs the weight `w` (constant, [groups * n, k] row-major after its leading dim) with the
  /// optional bias for an op whose activations are `x` and result `out`.
  /// `taps` > 1 (a conv2d's kernel_h * kernel_w) packs each weight row tap-major: its k =
  /// channels x taps values reordered from (channel, tap) to (tap, channel), for the conv
  /// kernel's HWC gather (qopt_k_conv2d_params.tap_major). `padChannels` > 1 (int8 only) then
  /// pads each tap's channels with zero weights to a multiple of it: a direct ROWS conv reads 4
  /// channels per step (qopt_k_rows_direct), and the packed k becomes taps x that multiple.
  FailureOr<PackedLinear> pack(Operation *op, PatternRewriter &rewriter, Value x, Value w,
                               Value bias, Value out, Activation act, int64_t groups, int64_t n,
                               int64_t k, int64_t taps = 1, bool rows = false,
                               int64_t padChannels = 1) const {
    std::optional<ElementsAttr> wData = constantValue(w);
    bool quantizedX = isa<quant::QuantizedType>(cast<ShapedType>(x.getType()).getElementType());
    std::optional<std::vector<float>> dequantized;
    if (!wData && !quantizedX) {
      // A float layer on dequantize(constant) (dynamic int8 keeps its weights so): the values are
      // known at compile time, computed as the reference's dequantize does.
      if (auto dq = w.getDefiningOp<DequantizeOp>())
        if (std::optional<ElementsAttr> q = constantValue(dq.getInput()))
          dequantized = dequantizeConstant(*q, dq.getInput().getType());
      if (!dequantized)
        return failures.fail(rewriter, op, "the weight must be a constant for native code");
    } else if (!wData) {
      return failures.fail(rewriter, op, "the weight must be a constant for native code");
    }
    std::optional<ElementsAttr> bData;
    if (bias) {
      bData = constantValue(bias);
      if (!bData)
        return failures.fail(rewriter, op, "the bias must be a constant for native code");
    }
    PackedLinear r;
    r.gemm = zeroParams<qopt_k_gemm_params>();
    r.gemm.n = n;
    r.gemm.k = k;
    if (failed(activationClamp(act, r.gemm)))
      return failures.fail(rewriter, op,
                           "the native kernels fuse only relu and relu6 into a linear op (this "
                           "one has " + stringifyActivation(act).str() + ")");
    std::string hint = layerName(op->getLoc(), "linear");
    if (quantizedX ? failed(packQuantized(op, rewriter, x, w, *wData, bias, bData, out, groups,
                                          hint, taps, rows, padChannels, r))
                   : failed(packFloat(op, rewriter, x, wData, std::move(dequantized), bias, bData,
                                      out, groups, hint, taps, rows, r)))
      return failure();
    return r;
  }

private:
  LogicalResult packQuantized(Operation *op, PatternRewriter &rewriter, Value x, Value w,
                              ElementsAttr wData, Value bias, std::optional<ElementsAttr> bData,
                              Value out, int64_t groups, StringRef hint, int64_t taps,
                              bool rows, int64_t padChannels, PackedLinear &r) const {
    qopt_k_gemm_params &p = r.gemm;
    std::optional<TensorQuant> xq = perTensor(x.getType());
    if (!xq || storageBytes(x.getType()) != 1)
      return failures.fail(rewriter, op, "the int8 kernels take per-tensor u8 or i8 activations");
    int64_t n = p.n, k = p.k, channels = groups * n;
    std::string why;
    FailureOr<std::vector<float>> wScales = weightScales(w.getType(), 0, channels, why);
    if (failed(wScales))
      return failures.fail(rewriter, op, why);
    std::optional<std::vector<uint8_t>> wBytes = rawConstantBytes(wData);
    if (!wBytes || (int64_t)wBytes->size() != channels * k)
      return failures.fail(rewriter, op, "the weight constant has no readable data");
    tapMajor(*wBytes, channels, k, taps);
    if (int64_t cg = k / taps; padChannels > 1 && cg % padChannels) {
      // Each tap's cg channels, then zero weights up to the multiple: they add nothing to the
      // sum, nor to the zero-point compensation folded into the bias.
      int64_t cgPad = (cg + padChannels - 1) / padChannels * padChannels, kPad = taps * cgPad;
      std::vector<uint8_t> padded(channels * kPad, 0);
      for (int64_t row = 0; row < channels; ++row)
        for (int64_t t = 0; t < taps; ++t)
          std::memcpy(&padded[row * kPad + t * cgPad], &(*wBytes)[row * k + t * cg], cg);
      *wBytes = std::move(padded);
      k = p.k = kPad;
    }
    // Bias: i32 at scale x_scale * w_scale (quantized), or f32 added after the scale.
    std::vector<int32_t> biasQ;
    std::vector<float> biasF;
    if (bData) {
      Type be = cast<ShapedType>(bias.getType()).getElementType();
      std::optional<std::vector<uint8_t>> bb = rawConstantBytes(*bData);
      if (isa<quant::QuantizedType>(be) && storageBytes(be) == 4 && bb) {
        biasQ.resize(channels);
        std::memcpy(biasQ.data(), bb->data(), channels * 4);
      } else if (be.isF32() && bb) {
        biasF.resize(channels);
        std::memcpy(biasF.data(), bb->data(), channels * 4);
      } else {
        return failures.fail(rewriter, op, "the bias of an int8 op must be i32 or f32");
      }
    }
    // Result: quantized u8 / i8 (per tensor), the i32 accumulator, or the f32 real value.
    Type oe = cast<ShapedType>(out.getType()).getElementType();
    if (std::optional<TensorQuant> oq = perTensor(out.getType()); oq && storageBytes(oe) == 1) {
      p.out_kind = oq->isSigned ? QOPT_UK_OUT_I8 : QOPT_UK_OUT_U8;
      p.out_scale = oq->scale;
      p.out_zp = (int32_t)oq->zeroPoint;
      p.qmin = (int32_t)oq->qmin;
      p.qmax = (int32_t)oq->qmax;
    } else if (oe.isF32()) {
      p.out_kind = QOPT_UK_OUT_F32;
    } else {
      return failures.fail(rewriter, op, "an int8 op's native result must be u8, i8 or f32");
    }
    if (!biasQ.empty() && p.out_kind == QOPT_UK_OUT_I32)
      return failures.fail(rewriter, op, "unsupported result");

    qopt_uk_layout layout = target == Target::avx2
                                ? QOPT_UK_LAYOUT_AVX2_I16
                                : (rows ? QOPT_UK_LAYOUT_ROWS_VNNI : QOPT_UK_LAYOUT_VNNI);
    int64_t np = uk::paddedN(layout, n), groupBytes = uk::packedBytes(layout, n, k);
    std::vector<uint8_t> packed(groups * groupBytes);
    std::vector<int32_t> folded(groups * np);
    std::vector<float> scales(groups * np), floatBias(biasF.empty() ? 0 : groups * np, 0.0f);
    const int8_t *wAll = reinterpret_cast<const int8_t *>(wBytes->data());
    for (int64_t g = 0; g < groups; ++g) {
      const int8_t *wg = wAll + g * n * k;
      uk::packWeightsS8(layout, wg, n, k, packed.data() + g * groupBytes);
      if (!uk::foldBias(layout, wg, n, k, biasQ.empty() ? nullptr : biasQ.data() + g * n,
                        (int32_t)xq->zeroPoint, xq->isSigned, folded.data() + g * np))
        return failures.fail(rewriter, op,
                             "the bias folded with the zero-point compensation overflows i32");
      float xs = xq->scale;
      uk::accScales(layout, xs, wScales->data() + g * n, n, scales.data() + g * np);
      for (int64_t c = 0; c < n && !biasF.empty(); ++c)
        floatBias[g * np + c] = biasF[g * n + c];
    }
    p.layout = layout;
    p.np = np;
    p.x_type = xq->isSigned ? QOPT_K_I8 : QOPT_K_U8;
    p.has_float_bias = !biasF.empty();
    r.groupPackedBytes = groupBytes;
    Location loc = op->getLoc();
    r.operands.push_back(createByteConstant(rewriter, loc, packed, (hint + ".packed").str()));
    r.operands.push_back(
        createArrayConstant<int32_t>(rewriter, loc, folded, (hint + ".bias_folded").str()));
    r.operands.push_back(
        createArrayConstant<float>(rewriter, loc, scales, (hint + ".acc_scale").str()));
    if (!biasF.empty())
      r.operands.push_back(
          createArrayConstant<float>(rewriter, loc, floatBias, (hint + ".float_bias").str()));
    else
      r.nulls.push_back(5); // out, x, packed, bias, scales, [float bias]
    return success();
  }

  LogicalResult packFloat(Operation *op, PatternRewriter &rewriter, Value x,
                          std::optional<ElementsAttr> wData,
                          std::optional<std::vector<float>> wValues, Value bias, std::optional<ElementsAttr> bData, Value out,
                          int64_t groups, StringRef hint, int64_t taps, bool rows,
                          PackedLinear &r) const {
    qopt_k_gemm_params &p = r.gemm;
    std::optional<int32_t> xt = kernelDType(x.getType()), ot = kernelDType(out.getType());
    auto isFloat = [](std::optional<int32_t> t) {
      return t && (*t == QOPT_K_F32 || *t == QOPT_K_F16 || *t == QOPT_K_BF16);
    };
    if (!isFloat(xt) || !isFloat(ot))
      return failures.fail(rewriter, op, "a float linear op takes f32, f16 or bf16 tensors");
    int64_t n = p.n, k = p.k, channels = groups * n;
    std::optional<std::vector<float>> w = wData ? floatConstantValues(*wData) : wValues;
    if (!w || (int64_t)w->size() != channels * k)
      return failures.fail(rewriter, op, "the weight constant has no readable float data");
    tapMajor(*w, channels, k, taps);
    std::optional<std::vector<float>> b;
    if (bData) {
      b = floatConstantValues(*bData);
      if (!b || (int64_t)b->size() != channels)
        return failures.fail(rewriter, op, "the bias constant has no readable float data");
    }
    // vdpbf16ps where the target has it and the op is bf16 (weights exact in bf16); elsewhere the
    // f32 kernels, on weights widened exactly to f32.
    Type we = wData ? cast<ShapedType>(wData->getType()).getElementType()
                    : Type(Float32Type::get(op->getContext()));
    qopt_uk_layout layout = target == Target::avx2
                                ? QOPT_UK_LAYOUT_F32_AVX2
                                : (rows ? QOPT_UK_LAYOUT_ROWS_F32 : QOPT_UK_LAYOUT_F32);
    if (target == Target::avx512bf16 && we.isBF16() && *xt == QOPT_K_BF16 && *ot != QOPT_K_F16)
      layout = rows ? QOPT_UK_LAYOUT_ROWS_BF16 : QOPT_UK_LAYOUT_BF16;
    int64_t np = uk::paddedN(layout, n), groupBytes = uk::packedBytes(layout, n, k);
    std::vector<uint8_t> packed(groups * groupBytes);
    std::vector<float> biasPadded(b ? groups * np : 0, 0.0f);
    for (int64_t g = 0; g < groups; ++g) {
      uk::packWeightsFloat(layout, w->data() + g * n * k, n, k, packed.data() + g * groupBytes);
      for (int64_t c = 0; c < n && b; ++c)
        biasPadded[g * np + c] = (*b)[g * n + c];
    }
    p.layout = layout;
    p.np = np;
    p.x_type = *xt;
    p.out_kind = *ot == QOPT_K_F16 ? QOPT_K_OUT_F16
                                   : (*ot == QOPT_K_BF16 ? QOPT_UK_OUT_BF16 : QOPT_UK_OUT_F32);
    r.groupPackedBytes = groupBytes;
    Location loc = op->getLoc();
    r.operands.push_back(createByteConstant(rewriter, loc, packed, (hint + ".packed").str()));
    if (b)
      r.operands.push_back(
          createArrayConstant<float>(rewriter, loc, biasPadded, (hint + ".bias").str()));
    else
      r.nulls.push_back(3); // out, x, packed, [bias]
    return success();
  }

  Target target;
  LoweringFailures &failures;
};

int64_t align64(int64_t v) { return (v + 63) / 64 * 64; }

struct FullyConnectedToKernel : OpRewritePattern<FullyConnectedOp> {
  FullyConnectedToKernel(MLIRContext *ctx, Target target, LoweringFailures &failures)
      : OpRewritePattern(ctx), packer(target, failures), failures(failures) {}

  LogicalResult matchAndRewrite(FullyConnectedOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    auto wType = cast<RankedTensorType>(op.getWeight().getType());
    if (wType.getRank() != 2 || xType.getRank() < 1)
      return failures.fail(rewriter, op, "expected a [N, K] weight");
    int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
    if (isBatched(op.getInput()) != isBatched(op.getOutput()) ||
        (isBatched(op.getInput()) && xType.getRank() < 2))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    int64_t rows = sampleElements(xType) / std::max<int64_t>(k, 1);
    FailureOr<PackedLinear> packed =
        packer.pack(op, rewriter, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(),
                    op.getActivation(), 1, n, k);
    if (failed(packed))
      return failure();
    packed->gemm.rows = rows;
    SmallVector<Value> inputs{op.getInput()};
    inputs.append(packed->operands.begin(), packed->operands.end());
    // Scratch per sample: converted or shifted activations, then an f32 result to narrow.
    const qopt_k_gemm_params &p = packed->gemm;
    int64_t scratch = 0;
    if (p.x_type == QOPT_K_I8)
      scratch += align64(rows * k);
    else if (p.x_type != QOPT_K_U8 && p.x_type != QOPT_K_F32 && p.layout != QOPT_UK_LAYOUT_BF16)
      scratch += align64(rows * k * 4);
    if (p.out_kind == QOPT_K_OUT_F16 ||
        (p.out_kind == QOPT_UK_OUT_BF16 && p.layout != QOPT_UK_LAYOUT_BF16))
      scratch += align64(rows * p.np * 4);
    KernelCallOp call = replaceWithKernel(rewriter, op, "qopt_k_fully_connected", packed->gemm,
                                          inputs, packed->nulls, scratch);
    setOpsPerSample(rewriter, call, 2 * p.rows * p.n * p.k);
    return success();
  }

  LinearPacker packer;
  LoweringFailures &failures;
};

/// The sizes, strides, pads and dilations of a conv2d, shared by both kernel forms.
void setGeometry(Conv2DOp op, int64_t groups, qopt_k_conv2d_params &p) {
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  auto oType = cast<RankedTensorType>(op.getOutput().getType());
  p.channels = xType.getDimSize(1);
  p.in_h = xType.getDimSize(2);
  p.in_w = xType.getDimSize(3);
  p.out_h = oType.getDimSize(2);
  p.out_w = oType.getDimSize(3);
  p.kernel_h = wType.getDimSize(2);
  p.kernel_w = wType.getDimSize(3);
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), dil = op.getDilations();
  p.stride_h = strides[0];
  p.stride_w = strides[1];
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  p.dilation_h = dil[0];
  p.dilation_w = dil[1];
  p.groups = groups;
}

struct Conv2DToKernel : OpRewritePattern<Conv2DOp> {
  Conv2DToKernel(MLIRContext *ctx, Target target, LoweringFailures &failures)
      : OpRewritePattern(ctx), packer(target, failures), failures(failures) {}

  LogicalResult matchAndRewrite(Conv2DOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    auto wType = cast<RankedTensorType>(op.getWeight().getType());
    auto oType = cast<RankedTensorType>(op.getOutput().getType());
    if (xType.getRank() != 4 || wType.getRank() != 4 || oType.getRank() != 4)
      return failures.fail(rewriter, op, "expected NCHW input and result and an OIHW weight");
    if (isBatched(op.getInput()) != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    if (!isBatched(op.getInput()) && xType.getDimSize(0) != 1)
      return failures.fail(rewriter, op,
                           "a static conv2d input must hold one image (a batch of several needs "
                           "a dynamic batch dimension)");
    int64_t groups = op.getGroups(), oc = wType.getDimSize(0);
    if (groups < 1 || oc % groups || xType.getDimSize(1) % groups)
      return failures.fail(rewriter, op, "groups must divide the channels");
    int64_t n = oc / groups, k = wType.getDimSize(1) * wType.getDimSize(2) * wType.getDimSize(3);
    bool floatX = !isa<quant::QuantizedType>(xType.getElementType());
    if (floatX && !constantValue(op.getWeight()) && !op.getWeight().getDefiningOp<DequantizeOp>())
      return lowerRuntimeWeights(op, rewriter, groups, n, k);
    int64_t taps = wType.getDimSize(2) * wType.getDimSize(3);
    bool rowsLayout = packer.nativeTarget() != Target::avx2 &&
                      preferRows(xType, oType, groups, n, k, taps, wType.getDimSize(2) == 1 &&
                                                              wType.getDimSize(3) == 1);
    // An int8 conv on the ROWS GEMM that is not read in place runs direct (qopt_k_rows_direct),
    // with its channels padded to 4 if need be (ResNet's and MobileNet's 3-channel first convs).
    ArrayRef<int64_t> dil = op.getDilations(), strides = op.getStrides(), pads = op.getPads();
    bool pointwise = taps == 1 && strides[0] == 1 && strides[1] == 1 &&
                     llvm::all_of(pads, [](int64_t v) { return v == 0; });
    int64_t padChannels = rowsLayout && !floatX && !pointwise && dil[0] == 1 && dil[1] == 1 ? 4 : 1;
    FailureOr<PackedLinear> packed =
        packer.pack(op, rewriter, op.getInput(), op.getWeight(), op.getBias(), op.getOutput(),
                    op.getActivation(), groups, n, k, taps, rowsLayout, padChannels);
    if (failed(packed))
      return failure();
    auto p = zeroParams<qopt_k_conv2d_params>();
    p.tap_major = 1;
    p.gemm = packed->gemm;
    setGeometry(op, groups, p);
    p.out_channels = oc;
    p.group_packed_bytes = packed->groupPackedBytes;
    if (std::optional<TensorQuant> xq = perTensor(xType))
      p.x_zp = (int32_t)xq->zeroPoint;
    int64_t rows = p.out_h * p.out_w;
    p.gemm.rows = rows;
    bool quant = p.gemm.x_type == QOPT_K_U8 || p.gemm.x_type == QOPT_K_I8;
    int64_t elemBytes = quant ? 1 : 4;
    // Depthwise: the direct kernel's padded planes. Else im2col, the result, and the image group
    // transposed to HWC for the tap-major gather.
    int64_t scratch = qopt_k_dw_applies(&p)
                          ? align64(qopt_k_dw_scratch_bytes(&p, elemBytes))
                          : qopt_k_conv_rows(&p)
                                ? align64(qopt_k_rows_scratch_bytes(&p))
                                : align64(rows * k * elemBytes) + align64(rows * p.gemm.np * 4) +
                                      align64(p.in_h * p.in_w * (p.channels / groups) * elemBytes);
    SmallVector<Value> inputs{op.getInput()};
    inputs.append(packed->operands.begin(), packed->operands.end());
    KernelCallOp call = replaceWithKernel(rewriter, op, "qopt_k_conv2d", p, inputs, packed->nulls,
                                          /*scratchPerSample=*/0, /*scratchFixed=*/scratch);
    setOpsPerSample(rewriter, call, 2 * rows * p.gemm.n * k * p.groups); // not counting padding
    return success();
  }

  /// Whether an avx512 conv2d runs on the ROWS GEMM (pixels in the vector lanes, NCHW written
  /// directly) rather than the column GEMM (tap-major im2col, a [pixel][channel] result
  /// transposed back). Measured on Zen 4 and Zen 5 (qopt-kernel-bench, ResNet-18 and MobileNetV2
  /// per step): ROWS wins on every 1x1 conv (1.7-2x: no transposes, a stride-1 f32 image is read
  /// in place) and on convs of few input channels (ResNet-18's 7x7 / 3 channels 2x, MobileNetV2's
  /// first conv 3.5x at int8: the column path's per-tap copies are a few bytes there). With the
  /// direct form (no im2col matrix, qopt_k_rows_direct) it also wins on int8 3x3 convs of 28x28
  /// outputs and more (56x56 x 64 channels: 0.52 -> 0.28 ms), and ties at 14x14; on 7x7 outputs
  /// the column GEMM is 1.6x faster (49 pixels fill 64 lanes, and each 8-channel block streams
  /// 36 KiB of weights for them). Float convs keep ROWS while the weights stay in L2 as every
  /// 48-pixel panel passes over them (f32 3x3 at 256-512 channels lose: 0.75-0.95x). Depthwise
  /// convs keep their direct kernel, which reads the column layouts.
  static bool preferRows(RankedTensorType xType, RankedTensorType oType, int64_t groups,
                         int64_t n, int64_t k, int64_t taps, bool oneByOne) {
    int64_t cg = xType.getDimSize(1) / groups;
    if (xType.getDimSize(1) == groups && k == taps && taps <= QOPT_K_DW_MAX_TAPS)
      return false; // depthwise
    if (oneByOne || cg < 8)
      return true;
    if (isa<quant::QuantizedType>(xType.getElementType()))
      return cg % 4 == 0 && oType.getDimSize(2) * oType.getDimSize(3) >= 100;
    int64_t weightBytes = n * k * (xType.getElementType().isBF16() ? 2 : 4);
    return weightBytes <= 640 * 1024;
  }

  /// A float conv2d whose weight the graph computes (an ONNX Conv with the weight as an input):
  /// the kernel packs it at run time.
  LogicalResult lowerRuntimeWeights(Conv2DOp op, PatternRewriter &rewriter, int64_t groups,
                                    int64_t n, int64_t k) const {
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    auto wType = cast<RankedTensorType>(op.getWeight().getType());
    auto oType = cast<RankedTensorType>(op.getOutput().getType());
    std::optional<int32_t> xt = kernelDType(xType), wt = kernelDType(wType),
                           ot = kernelDType(oType);
    if (!xt || !wt || *xt != *wt || !ot || *ot != QOPT_K_F32 || isBatched(op.getWeight()) ||
        (op.getBias() && (isBatched(op.getBias()) || kernelDType(op.getBias().getType()) != xt)))
      return failures.fail(rewriter, op,
                           "a conv2d weight computed at run time must be an unbatched f32 tensor "
                           "of the input's type");
    auto p = zeroParams<qopt_k_conv2d_params>();
    qopt_k_gemm_params &g = p.gemm;
    if (failed(activationClamp(op.getActivation(), g)))
      return failures.fail(rewriter, op,
                           "the native kernels fuse only relu and relu6 into a linear op");
    qopt_uk_layout layout =
        packer.nativeTarget() == Target::avx2 ? QOPT_UK_LAYOUT_F32_AVX2 : QOPT_UK_LAYOUT_F32;
    g.n = n;
    g.k = k;
    g.np = uk::paddedN(layout, n);
    g.layout = layout;
    g.x_type = *xt;
    g.out_kind = QOPT_UK_OUT_F32;
    setGeometry(op, groups, p);
    p.out_channels = groups * n;
    p.group_packed_bytes = uk::packedBytes(layout, n, k);
    p.runtime_weights = 1;
    int64_t rows = p.out_h * p.out_w;
    g.rows = rows;
    // The direct depthwise kernel reads the graph's weight as it is and packs nothing.
    int64_t scratch = qopt_k_dw_applies(&p)
                          ? align64(qopt_k_dw_scratch_bytes(&p, 4))
                          : align64(rows * k * 4) + align64(rows * g.np * 4) +
                                groups * p.group_packed_bytes + align64(groups * g.np * 4);
    SmallVector<Value> inputs{op.getInput(), op.getWeight()};
    SmallVector<int64_t> nulls;
    if (op.getBias())
      inputs.push_back(op.getBias());
    else
      nulls.push_back(3);
    KernelCallOp call = replaceWithKernel(rewriter, op, "qopt_k_conv2d", p, inputs, nulls, 0, scratch);
    setOpsPerSample(rewriter, call, 2 * p.gemm.rows * p.gemm.n * p.gemm.k * p.groups);
    return success();
  }

  LinearPacker packer;
  LoweringFailures &failures;
};

struct MatMulToKernel : OpRewritePattern<MatMulOp> {
  MatMulToKernel(MLIRContext *ctx, Target target, LoweringFailures &failures)
      : OpRewritePattern(ctx), target(target), failures(failures) {}

  LogicalResult matchAndRewrite(MatMulOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Value lhs = op.getLhs(), rhs = op.getRhs(), out = op.getOutput();
    std::optional<int32_t> lt = kernelDType(lhs.getType()), rt = kernelDType(rhs.getType()),
                           ot = kernelDType(out.getType());
    auto isFloat = [](std::optional<int32_t> t) {
      return t && (*t == QOPT_K_F32 || *t == QOPT_K_F16 || *t == QOPT_K_BF16);
    };
    if (!isFloat(lt) || !isFloat(rt) || !isFloat(ot))
      return failures.fail(rewriter, op,
                           "native matmul takes float operands (an int8 matmul of two "
                           "activations has no native kernel yet)");
    auto lType = cast<RankedTensorType>(lhs.getType()), rType = cast<RankedTensorType>(rhs.getType());
    auto oType = cast<RankedTensorType>(out.getType());
    if (lType.getRank() < 2 || rType.getRank() < 2)
      return failures.fail(rewriter, op, "native matmul takes operands of rank 2 or more");
    bool batched = isBatched(out);
    // Per-sample shapes: a batched operand drops its leading dim; an unbatched operand of the
    // result's full rank must have 1 there (it broadcasts over the samples).
    auto sample = [&](RankedTensorType t, Value v, SmallVector<int64_t> &shape) -> bool {
      shape.assign(t.getShape().begin(), t.getShape().end());
      if (!batched)
        return true;
      if (isBatched(v)) {
        shape.erase(shape.begin());
        return true;
      }
      if (t.getRank() == oType.getRank()) {
        if (shape[0] != 1)
          return false;
        shape.erase(shape.begin());
      }
      return true;
    };
    SmallVector<int64_t> ls, rs, os(sampleShape(oType));
    if (!sample(lType, lhs, ls) || !sample(rType, rhs, rs) || ls.size() < 2 || rs.size() < 2 ||
        os.size() < 2)
      return failures.fail(rewriter, op, "matmul operands do not fit the batch convention");
    auto p = zeroParams<qopt_k_matmul_params>();
    p.m = ls[ls.size() - 2];
    p.k = ls.back();
    p.n = rs.back();
    p.lhs_type = *lt;
    p.rhs_type = *rt;
    p.out_type = *ot;
    int64_t rank = (int64_t)os.size() - 2;
    if (rank > QOPT_K_MAX_RANK)
      return failures.fail(rewriter, op, "too many batch dimensions");
    p.batch_rank = (int32_t)rank;
    p.batch_count = 1;
    for (int64_t d = 0; d < rank; ++d) {
      p.out_batch_dims[d] = os[d];
      p.batch_count *= os[d];
    }
    // Matrix strides per batch dim, right-aligned, 0 where an operand broadcasts.
    auto strides = [&](ArrayRef<int64_t> s, int64_t *out) {
      int64_t lrank = (int64_t)s.size() - 2, matrix = s[s.size() - 2] * s.back(), stride = matrix;
      for (int64_t d = rank - 1; d >= 0; --d) {
        int64_t ld = d - (rank - lrank);
        out[d] = 0;
        if (ld < 0)
          continue;
        out[d] = s[ld] == 1 ? 0 : stride;
        stride *= s[ld];
      }
      return stride; // elements per sample
    };
    int64_t lPer = strides(ls, p.lhs_index_stride), rPer = strides(rs, p.rhs_index_stride);
    p.lhs_sample_stride = isBatched(lhs) ? lPer : 0;
    p.rhs_sample_stride = isBatched(rhs) ? rPer : 0;
    int64_t nr = target == Target::avx2 ? QOPT_UK_AVX2_FLOAT_NR : QOPT_UK_FLOAT_NR;
    int64_t np = (p.n + nr - 1) / nr * nr;
    // Small matrices (below the kernel's split threshold) run several at a time, each on its own
    // scratch part: up to 8, within 4 MiB of scratch.
    p.part_scratch_bytes = align64(np * p.k * 4) + align64(p.m * p.k * 4) + align64(p.m * p.n * 4);
    p.scratch_parts = std::clamp<int64_t>((int64_t(4) << 20) / p.part_scratch_bytes, 1, 8);
    if (!batched)
      p.scratch_parts = std::min(p.scratch_parts, p.batch_count);
    int64_t scratch = p.scratch_parts * p.part_scratch_bytes;
    KernelCallOp call =
        replaceWithKernel(rewriter, op, "qopt_k_matmul", p, ValueRange{lhs, rhs}, {}, 0, scratch);
    setOpsPerSample(rewriter, call, 2 * p.m * p.n * p.k * p.batch_count);
    return success();
  }

  Target target;
  LoweringFailures &failures;
};

} // namespace

void populateLinearKernelPatterns(RewritePatternSet &patterns, Target target,
                                  LoweringFailures &failures) {
  patterns.add<FullyConnectedToKernel, Conv2DToKernel, MatMulToKernel>(patterns.getContext(),
                                                                       target, failures);
}

} // namespace mlir::qopt::lowering
