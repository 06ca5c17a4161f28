// qopt-calibrate: per-tensor ranges from running the fp32 function on calibration data.
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
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
    if (data.empty()) {
      mlir::emitError(func.getLoc(), "qopt-calibrate needs calibration data: data=FILE.npy");
      return signalPassFailure();
    }
    auto dataset = eval::loadDataset(func, data, batchSize, "calibration data", error);
    if (failed(dataset)) {
      mlir::emitError(func.getLoc(), error);
      return signalPassFailure();
    }
    int64_t samples = dataset->samples;
    const std::vector<ref::Tensor> *batches = &dataset->batches;

    // The input is keyed by a null op; every op result by its op.
    llvm::DenseMap<Operation *, calib::RangeStats> ranges;
    llvm::DenseMap<Operation *, calib::SignedHistogram> histograms;
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
      func.emitError("calibration run failed: ") << error;
      return signalPassFailure();
    }

    // The input's record also identifies the data, for the model's provenance.
    auto describe = [&](Operation *op, StringRef dataHash = "") {
      const calib::RangeStats &s = ranges[op];
      calib::Range r = calib::chooseRange(m, s, histograms[op], percentile);
      return CalibrationAttr::get(&getContext(), r.lo, r.hi, s.min, s.max, calib::methodName(m),
                                  samples, dataHash);
    };
    func.setArgAttr(0, kCalibrationAttr, describe(nullptr, dataset->hash));
    func.walk([&](Operation *op) {
      if (op != func && ranges.count(op) && !isa<ConstantOp>(op))
        op->setAttr(kCalibrationAttr, describe(op));
    });
  }
};

} // namespace
