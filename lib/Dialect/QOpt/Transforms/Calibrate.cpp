// qopt-calibrate: per-tensor ranges from running the fp32 function on calibration data.
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/CalibrationStats.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Quant/Calibration.h"
#include "qopt/Evaluation/Evaluate.h"
#include "qopt/Engine/Engine.h"

#include "llvm/ADT/DenseMap.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_CALIBRATEPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

struct CalibratePass : qopt::impl::CalibratePassBase<CalibratePass> {
  using CalibratePassBase::CalibratePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    calib::Method m;
    double percentile;
    std::string error;
    // Errors about the options and the data file are not about the IR: reported at the function's
    // location without the op, which would print the whole function after "see current
    // operation".
    if (!calib::parseMethod(method, m, percentile, error)) {
      mlir::emitError(func.getLoc(), error);
      return signalPassFailure();
    }
    // One pass instance may calibrate several functions in turn.
    ranges.clear();
    histograms.clear();
    samples = 0;
    dataHash.clear();
    bool fromStats = data.empty() && func.getNumArguments() == 1 &&
                     func.getArgAttrOfType<DictionaryAttr>(0, kCalibrationStatsAttr);
    if (data.empty() && !fromStats) {
      mlir::emitError(func.getLoc(),
                      "qopt-calibrate needs calibration data: data=FILE.npy (or, on the function, "
                      "the statistics an earlier run with record-stats kept)");
      return signalPassFailure();
    }
    if (failed(fromStats ? collectFromRecords(error) : collectFromData(error))) {
      mlir::emitError(func.getLoc(), error);
      return signalPassFailure();
    }

    // The input's record also identifies the data, for the model's provenance.
    auto describe = [&](Operation *op, StringRef dataHash = "") {
      const calib::RangeStats &s = ranges[op];
      calib::Range r = calib::chooseRange(m, s, histograms[op], percentile);
      return CalibrationAttr::get(&getContext(), r.lo, r.hi, s.min, s.max, calib::methodName(m),
                                  samples, dataHash);
    };
    func.setArgAttr(0, kCalibrationAttr, describe(nullptr, dataHash));
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (op != func && !isa<ConstantOp, func::ReturnOp>(op))
        ops.push_back(op);
    });
    Builder b(&getContext());
    for (auto [index, op] : llvm::enumerate(ops))
      if (ranges.count(op)) {
        op->setAttr(kCalibrationAttr, describe(op));
        if (recordStats)
          op->setAttr(kCalibrationStatsAttr,
                      calibrationStatsAttr(&getContext(), index, layerNameOf(op), ranges[op],
                                           histograms[op]));
      }
    if (recordStats) {
      NamedAttrList input(calibrationStatsAttr(&getContext(), -1, inputName(func), ranges[nullptr],
                                               histograms[nullptr]));
      input.set("samples", b.getI64IntegerAttr(samples));
      input.set("data_hash", b.getStringAttr(dataHash));
      func.setArgAttr(0, kCalibrationStatsAttr, input.getDictionary(&getContext()));
    }
  }

private:
  // The input is keyed by a null op; every op result by its op.
  llvm::DenseMap<Operation *, calib::RangeStats> ranges;
  llvm::DenseMap<Operation *, calib::SignedHistogram> histograms;
  int64_t samples = 0;
  std::string dataHash;

  static std::string layerNameOf(Operation *op) {
    if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
      return n.getName().str();
    return "";
  }
  static std::string inputName(func::FuncOp func) {
    auto name = func.getArgAttrOfType<StringAttr>(0, "qopt.name");
    return name ? name.str() : "input_0";
  }

  LogicalResult collectFromData(std::string &error) {
    func::FuncOp func = getOperation();
    auto dataset = eval::loadDataset(func, data, batchSize, "calibration data", error);
    if (failed(dataset))
      return failure();
    samples = dataset->samples;
    dataHash = dataset->hash;
    const std::vector<ref::Tensor> *batches = &dataset->batches;

    std::unique_ptr<engine::Engine> runner = engine::createReferenceEngine(func);
    auto run = [&](function_ref<void(Operation *, const std::vector<float> &)> record) {
      engine::RunOptions options;
      options.observe = [&](Operation *op, const ref::Tensor &t) {
        if (t.isFloat())
          record(op, t.f);
      };
      for (const ref::Tensor &batch : *batches) {
        record(nullptr, batch.f);
        if (failed(runner->run(batch, options, error)))
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
            it = histograms.insert({op, calib::SignedHistogram(ranges[op].absMax(), 2048)}).first;
          it->second.add(v.data(), v.size());
        }))) {
      error = "calibration run failed: " + error;
      return failure();
    }
    // Constants are observed too but never calibrated.
    for (auto it = ranges.begin(); it != ranges.end();) {
      auto next = std::next(it);
      if (it->first && isa<ConstantOp>(it->first)) {
        histograms.erase(it->first);
        ranges.erase(it);
      }
      it = next;
    }
    return success();
  }

  /// The ranges and histograms from the records on the function, which are then removed unless
  /// they are to be kept.
  LogicalResult collectFromRecords(std::string &error) {
    func::FuncOp func = getOperation();
    auto read = [&](Operation *key, DictionaryAttr record, StringRef what) {
      if (failed(readCalibrationStats(record, ranges[key], histograms[key], error))) {
        error = "qopt.calibration_stats of " + what.str() + ": " + error;
        return failure();
      }
      return success();
    };
    auto input = func.getArgAttrOfType<DictionaryAttr>(0, kCalibrationStatsAttr);
    if (failed(read(nullptr, input, "the input")))
      return failure();
    if (auto n = input.getAs<IntegerAttr>("samples"))
      samples = n.getInt();
    if (auto h = input.getAs<StringAttr>("data_hash"))
      dataHash = h.str();
    WalkResult walk = func.walk([&](Operation *op) {
      auto record = op->getAttrOfType<DictionaryAttr>(kCalibrationStatsAttr);
      if (!record)
        return WalkResult::advance();
      return failed(read(op, record, "'" + layerNameOf(op) + "'")) ? WalkResult::interrupt()
                                                                   : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (!recordStats)
      (void)takeCalibrationStats(func);
    return success();
  }
};

} // namespace
