// The statistics calibration gathers (Calibration.h: min, max and the 2048-bin histograms of |x|
// per sign with the zeros apart), kept so that every method's range can be computed again
// without the calibration data: a compiled model carries them in its provenance
// (Provenance.tensor_stats), and `qopt-compile --calibration-stats` reuses them.
//
// In the IR they are one dictionary per calibrated value, `qopt.calibration_stats`, on the op
// that produces it (or on the function's input), with keys:
//   index    the op's position among the function's non-constant ops in walk order; -1: input
//   name     its layer name (NameLoc), to check that the statistics belong to this graph
//   min max  the observed extremes (f32); limit: the histogram range [0, limit] (f32)
//   bins     the number of bins (2048); zeros: the count of exact zeros
//   negative positive   the counts of |x| for x < 0 and x > 0 (tensor<Kxi64>, trailing empty
//            bins left out, so K <= bins)
//   samples data_hash   on the input's record only: what the statistics were measured on
// The module's provenance holds them, in that order, as the array `tensor_stats`.
#ifndef QOPT_DIALECT_QOPT_TRANSFORMS_CALIBRATIONSTATS_H
#define QOPT_DIALECT_QOPT_TRANSFORMS_CALIBRATIONSTATS_H

#include "qopt/Quant/Calibration.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <string>

namespace mlir::qopt {

inline constexpr llvm::StringLiteral kCalibrationStatsAttr = "qopt.calibration_stats";

/// One value's statistics as the IR record.
DictionaryAttr calibrationStatsAttr(MLIRContext *ctx, int64_t index, StringRef name,
                                    const calib::RangeStats &range,
                                    const calib::SignedHistogram &histogram);

/// The statistics back from a record; failure with `error` naming what is wrong.
LogicalResult readCalibrationStats(DictionaryAttr record, calib::RangeStats &range,
                                   calib::SignedHistogram &histogram, std::string &error);

/// Every record of `func` (the input's first, then the ops' in walk order), removed from it.
ArrayAttr takeCalibrationStats(func::FuncOp func);

/// Puts `records` (as takeCalibrationStats gave them, e.g. from a compiled model's provenance)
/// back on `func`: each on the op at its index, which must carry the same layer name. A graph
/// that is not the one they were measured on fails, naming the first mismatch.
LogicalResult attachCalibrationStats(func::FuncOp func, ArrayAttr records, std::string &error);

} // namespace mlir::qopt

#endif
