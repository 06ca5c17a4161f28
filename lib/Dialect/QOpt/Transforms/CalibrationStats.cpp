#include "qopt/Dialect/QOpt/Transforms/CalibrationStats.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::qopt;

namespace {

std::string layerNameOf(Operation *op) {
  if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
    return n.getName().str();
  return "";
}

/// The ops a record's index counts: calibration records every non-constant op's float result.
SmallVector<Operation *> indexedOps(func::FuncOp func) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (op != func && !isa<ConstantOp, func::ReturnOp>(op))
      ops.push_back(op);
  });
  return ops;
}

DenseIntElementsAttr countsAttr(MLIRContext *ctx, const std::vector<uint64_t> &bins) {
  size_t used = bins.size();
  while (used > 0 && bins[used - 1] == 0)
    --used;
  std::vector<int64_t> counts(bins.begin(), bins.begin() + used);
  auto type = RankedTensorType::get({(int64_t)used}, IntegerType::get(ctx, 64));
  return DenseIntElementsAttr::get(type, counts);
}

LogicalResult readCounts(DictionaryAttr record, StringRef key, size_t bins,
                         std::vector<uint64_t> &out, std::string &error) {
  auto attr = record.getAs<DenseIntElementsAttr>(key);
  if (!attr || attr.getType().getRank() != 1 || (size_t)attr.getNumElements() > bins) {
    error = ("'" + key + "' must be at most " + Twine(bins) + " counts").str();
    return failure();
  }
  out.assign(bins, 0);
  size_t k = 0;
  for (const APInt &v : attr.getValues<APInt>()) {
    if (v.isNegative()) {
      error = ("'" + key + "' holds a negative count").str();
      return failure();
    }
    out[k++] = v.getZExtValue();
  }
  return success();
}

} // namespace

DictionaryAttr mlir::qopt::calibrationStatsAttr(MLIRContext *ctx, int64_t index, StringRef name,
                                                const calib::RangeStats &range,
                                                const calib::SignedHistogram &h) {
  Builder b(ctx);
  return b.getDictionaryAttr({
      b.getNamedAttr("index", b.getI64IntegerAttr(index)),
      b.getNamedAttr("name", b.getStringAttr(name)),
      b.getNamedAttr("min", b.getF32FloatAttr(range.empty ? 0.0f : range.min)),
      b.getNamedAttr("max", b.getF32FloatAttr(range.empty ? 0.0f : range.max)),
      b.getNamedAttr("limit", b.getF32FloatAttr(h.positive.limit)),
      b.getNamedAttr("bins", b.getI64IntegerAttr((int64_t)h.positive.bins.size())),
      b.getNamedAttr("zeros", b.getI64IntegerAttr((int64_t)h.zeros)),
      b.getNamedAttr("negative", countsAttr(ctx, h.negative.bins)),
      b.getNamedAttr("positive", countsAttr(ctx, h.positive.bins)),
  });
}

LogicalResult mlir::qopt::readCalibrationStats(DictionaryAttr record, calib::RangeStats &range,
                                               calib::SignedHistogram &h, std::string &error) {
  auto minA = record.getAs<FloatAttr>("min"), maxA = record.getAs<FloatAttr>("max");
  auto limitA = record.getAs<FloatAttr>("limit");
  auto binsA = record.getAs<IntegerAttr>("bins"), zerosA = record.getAs<IntegerAttr>("zeros");
  if (!minA || !maxA || !limitA || !binsA || !zerosA) {
    error = "a record needs min, max, limit, bins and zeros";
    return failure();
  }
  // Calibration uses 2048 bins; the cap keeps a corrupt count from allocating without bound.
  int64_t bins = binsA.getInt();
  if (bins < 0 || bins > (1 << 20) || zerosA.getInt() < 0) {
    error = "bins must be in [0, 2^20] and zeros >= 0";
    return failure();
  }
  float limit = (float)limitA.getValueAsDouble();
  h = calib::SignedHistogram(limit, (size_t)bins);
  if (failed(readCounts(record, "negative", bins, h.negative.bins, error)) ||
      failed(readCounts(record, "positive", bins, h.positive.bins, error)))
    return failure();
  h.zeros = (uint64_t)zerosA.getInt();
  // Calibration saw no value at all exactly when nothing was counted (NaN is never counted).
  uint64_t total = h.zeros + h.negative.total() + h.positive.total();
  range = calib::RangeStats();
  if (total) {
    range.empty = false;
    range.min = (float)minA.getValueAsDouble();
    range.max = (float)maxA.getValueAsDouble();
  }
  return success();
}

ArrayAttr mlir::qopt::takeCalibrationStats(func::FuncOp func) {
  SmallVector<Attribute> records;
  if (func.getNumArguments() > 0)
    if (auto r = func.getArgAttrOfType<DictionaryAttr>(0, kCalibrationStatsAttr)) {
      records.push_back(r);
      func.removeArgAttr(0, kCalibrationStatsAttr);
    }
  func.walk([&](Operation *op) {
    if (auto r = op->getAttrOfType<DictionaryAttr>(kCalibrationStatsAttr)) {
      records.push_back(r);
      op->removeAttr(kCalibrationStatsAttr);
    }
  });
  return ArrayAttr::get(func.getContext(), records);
}

LogicalResult mlir::qopt::attachCalibrationStats(func::FuncOp func, ArrayAttr records,
                                                 std::string &error) {
  SmallVector<Operation *> ops = indexedOps(func);
  bool input = false;
  for (auto [k, a] : llvm::enumerate(records)) {
    auto record = dyn_cast<DictionaryAttr>(a);
    auto index = record ? record.getAs<IntegerAttr>("index") : IntegerAttr();
    auto name = record ? record.getAs<StringAttr>("name") : StringAttr();
    if (!index || !name) {
      error = ("record #" + Twine(k) + " has no index and name").str();
      return failure();
    }
    calib::RangeStats range;
    calib::SignedHistogram h;
    if (failed(readCalibrationStats(record, range, h, error))) {
      error = ("record #" + Twine(k) + " ('" + name.getValue() + "'): " + error).str();
      return failure();
    }
    int64_t i = index.getInt();
    if (i == -1) {
      if (func.getNumArguments() != 1) {
        error = "the statistics are for a model with one input";
        return failure();
      }
      func.setArgAttr(0, kCalibrationStatsAttr, record);
      input = true;
      continue;
    }
    if (i < 0 || i >= (int64_t)ops.size() || layerNameOf(ops[i]) != name.getValue()) {
      std::string here = i >= 0 && i < (int64_t)ops.size()
                             ? "'" + layerNameOf(ops[i]) + "' (" +
                                   ops[i]->getName().getStringRef().str() + ") there"
                             : "only " + std::to_string(ops.size()) + " such ops";
      error = "they were recorded for another graph: record #" + std::to_string(k) +
              " is layer '" + name.getValue().str() + "' at position " + std::to_string(i) +
              ", but this model has " + here;
      return failure();
    }
    ops[i]->setAttr(kCalibrationStatsAttr, record);
  }
  if (!input) {
    error = "they hold no record of the model's input";
    return failure();
  }
  return success();
}
