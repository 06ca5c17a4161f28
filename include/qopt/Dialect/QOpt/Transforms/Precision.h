// Per-op precision: the vocabulary qopt-assign-precision writes and qopt-quantize applies, and the
// entry points the precision search uses to try an assignment on a copy of the function.
#ifndef QOPT_DIALECT_QOPT_TRANSFORMS_PRECISION_H
#define QOPT_DIALECT_QOPT_TRANSFORMS_PRECISION_H

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>

namespace mlir::qopt {

/// A precision as a user writes it (an override's NAME=PREC): the attribute's names (f32, f16,
/// bf16, i8, see stringifyPrecision) and the mode spellings fp32, fp16, int8.
std::optional<Precision> parsePrecision(llvm::StringRef s);

/// The calibration record of a value: on its producer, or on the function argument. Null when
/// qopt-calibrate has not run.
CalibrationAttr calibrationOf(Value v);

/// The ops that get a precision of their own: fully_connected, conv2d and matmul with f32
/// operands. Everything else computes in f32 around them.
bool isPrecisionTarget(Operation *op);

/// The largest |value| an op reads or writes according to qopt-calibrate (inputs and result),
/// or nullopt when some range is missing.
std::optional<double> calibratedAbsMax(Operation *op);

/// On a function, for qopt-assign-precision: the latency of every layer at every precision as
/// measured (qopt-compile's cost model), a dictionary of layer name -> [ns per sample for i8,
/// bf16, f16, f32] (`unit` where not measured). The pass consumes it (removes it).
inline constexpr llvm::StringLiteral kMeasuredLatencyAttr = "qopt.measured_latency";
/// On each precision target, written by qopt-assign-precision: `predicted_ns` [i8, bf16, f16,
/// f32], `measured_ns` (same order, `unit` where not measured; only with a measured table) and
/// `used` ("measured" or "predicted" per precision): the latencies the search compared.
inline constexpr llvm::StringLiteral kLatencyAttr = "qopt.latency";

/// The largest finite f16 value: a range beyond it overflows to inf.
inline constexpr double kF16Max = 65504.0;

struct QuantizeOptions {
  /// Activation storage: u8 asymmetric (false) or i8 symmetric (true).
  bool signedActivations = false;
  /// Dynamic mode: per-tensor weights and activation scales from the live tensor (the naive
  /// scheme), no calibration needed.
  bool dynamic = false;
};

/// What qopt-quantize does: every precision target with a `qopt.precision` attribute gets it
/// applied (i8: quantize/dequantize; f16 / bf16: casts and 16-bit weights; f32: nothing). A
/// function where no op has the attribute is quantized to i8 throughout. Errors are emitted on
/// the op.
LogicalResult applyPrecisions(func::FuncOp func, const QuantizeOptions &options);

/// The rewrites of qopt-fold-quant-dequant, for running on a copy of a function.
void populateFoldQuantDequantPatterns(RewritePatternSet &patterns);

/// A copy of `func` with its i-th precision target (in walk order) at `precisions[i]` (targets
/// past the end keep their attribute), applied and folded to integer ops as qopt-quantize and
/// qopt-fold-quant-dequant would: what an assignment computes, for measuring it before choosing.
FailureOr<OwningOpRef<func::FuncOp>> buildPrecisionCandidate(func::FuncOp func,
                                                             ArrayRef<Precision> precisions,
                                                             const QuantizeOptions &options);

} // namespace mlir::qopt

#endif
