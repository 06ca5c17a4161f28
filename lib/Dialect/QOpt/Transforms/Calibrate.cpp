// qopt-calibrate: per-tensor ranges from running the fp32 function on calibration data.
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Quant/Calibration.h"
#include "qopt/Reference/Executor.h"
#include "qopt/Support/Npy.h"

#include "llvm/ADT/DenseMap.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_CALIBRATEPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

std::string shapeText(ArrayRef<int64_t> s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + (ShapedType::isDynamic(s[i]) ? std::string("?") : std::to_string(s[i]));
  return r + "]";
}

/// The calibration samples, checked against the function's input, as one float tensor per batch.
FailureOr<SmallVector<ref::Tensor>> loadBatches(func::FuncOp func, const std::string &path,
                                                int64_t batchSize, int64_t &samples) {
  if (path.empty())
    return func.emitError("qopt-calibrate needs calibration data: data=FILE.npy");
  if (func.getNumArguments() != 1)
    return func.emitError("calibration supports functions with one input, '")
           << func.getSymName() << "' has " << func.getNumArguments();
  auto argType = cast<RankedTensorType>(func.getArgument(0).getType());
  NpyArray a;
  std::string error;
  if (!readNpy(path, a, error))
    return func.emitError(error);
  if (a.dtype != "f4" || !argType.getElementType().isF32())
    return func.emitError(path) << ": calibration data must be float32 for an f32 input, got "
                                << a.dtype;
  ArrayRef<int64_t> want = argType.getShape();
  bool shapeOk = !a.shape.empty() && a.shape.size() == want.size();
  for (size_t i = 1; shapeOk && i < want.size(); ++i)
    shapeOk = ShapedType::isDynamic(want[i]) || want[i] == a.shape[i];
  if (!shapeOk)
    return func.emitError(path) << ": expected samples shaped [N" 
                                << shapeText(want.drop_front()).replace(0, 1, ",") << ", got "
                                << shapeText(a.shape);
  samples = a.shape[0];
  if (samples == 0)
    return func.emitError(path) << ": holds no samples";
  const float *values = reinterpret_cast<const float *>(a.data.data());
  size_t count = a.data.size() / sizeof(float);
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]))
      return func.emitError(path) << ": element " << i << " is " << values[i]
                                  << "; calibration data must be finite";
  int64_t rows = ShapedType::isDynamic(want[0]) ? std::max<int64_t>(1, batchSize) : want[0];
  if (!ShapedType::isDynamic(want[0]) && samples % rows != 0)
    return func.emitError(path) << ": " << samples << " samples do not fill batches of " << rows
                                << " (the input's batch dimension is fixed)";
  size_t perRow = count / samples;
  SmallVector<ref::Tensor> batches;
  for (int64_t begin = 0; begin < samples; begin += rows) {
    ref::Tensor t;
    t.elementType = argType.getElementType();
    t.shape.assign(a.shape.begin(), a.shape.end());
    t.shape[0] = std::min(rows, samples - begin);
    t.f.assign(values + begin * perRow, values + (begin + t.shape[0]) * perRow);
    batches.push_back(std::move(t));
  }
  return batches;
}

struct CalibratePass : qopt::impl::CalibratePassBase<CalibratePass> {
  using CalibratePassBase::CalibratePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    calib::Method m;
    double percentile;
    std::string error;
    if (!calib::parseMethod(method, m, percentile, error)) {
      func.emitError(error);
      return signalPassFailure();
    }
    int64_t samples = 0;
    auto batches = loadBatches(func, data, batchSize, samples);
    if (failed(batches))
      return signalPassFailure();

    // The input is keyed by a null op; every op result by its op.
    llvm::DenseMap<Operation *, calib::RangeStats> ranges;
    llvm::DenseMap<Operation *, calib::Histogram> histograms;
    auto run = [&](function_ref<void(Operation *, const std::vector<float> &)> record) {
      ref::Options options;
      options.observe = [&](Operation *op, const ref::Tensor &t) {
        if (t.isFloat())
          record(op, t.f);
      };
      for (const ref::Tensor &batch : *batches) {
        record(nullptr, batch.f);
        if (failed(ref::execute(func, batch, options, error)))
          return failure();
      }
      return success();
    };
    if (failed(run([&](Operation *op, const std::vector<float> &v) {
          ranges[op].add(v.data(), v.size());
        })) ||
        failed(run([&](Operation *op, const std::vector<float> &v) {
          auto it = histograms.find(op);
          if (it == histograms.end())
            it = histograms.insert({op, calib::Histogram(ranges[op].absMax(), 2048)}).first;
          it->second.add(v.data(), v.size());
        }))) {
      func.emitError("calibration run failed: ") << error;
      return signalPassFailure();
    }

    Builder b(&getContext());
    auto describe = [&](Operation *op) {
      const calib::RangeStats &s = ranges[op];
      calib::Range r = calib::chooseRange(m, s, histograms[op], percentile);
      NamedAttrList attrs;
      attrs.set("method", b.getStringAttr(calib::methodName(m)));
      attrs.set("min", b.getF32FloatAttr(s.min));
      attrs.set("max", b.getF32FloatAttr(s.max));
      attrs.set("lo", b.getF32FloatAttr(r.lo));
      attrs.set("hi", b.getF32FloatAttr(r.hi));
      attrs.set("samples", b.getI64IntegerAttr(samples));
      return b.getDictionaryAttr(attrs);
    };
    func.setArgAttr(0, "qopt.calibration", describe(nullptr));
    func.walk([&](Operation *op) {
      if (op != func && ranges.count(op) && !isa<ConstantOp>(op))
        op->setAttr("qopt.calibration", describe(op));
    });
  }
};

} // namespace
