// qopt-compile's measured cost model: every precision target's latency at i8, bf16, f16 and f32,
// timed on native code for the compile target before the precision search runs, handed to
// qopt-assign-precision as `qopt.measured_latency`; and the decision log's latency columns.
//
// Timings differ from run to run, so none of them go into the artifact's bytes: the pass records
// them on the ops (`qopt.latency`, which the FlatBuffer export does not write) and the report
// file and the printed table get them after the artifact's copy of the report is recorded. The
// decisions a mixed search makes on them do reach the artifact: see addCostModel's note.
#ifndef QOPT_LIB_COMPILER_MEASURECOST_H
#define QOPT_LIB_COMPILER_MEASURECOST_H

#include "qopt/Compiler/Compiler.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt {

/// What the measurement did, for the progress line and the report.
struct CostMeasurement {
  /// Which latencies the search was given: "measured" or "predicted".
  std::string model = "predicted";
  /// How the numbers were measured, or why they were not.
  std::string note;
  double seconds = 0;
};

/// The cost model `options.costModel` asks for: with `automatic`, measured for a mixed search
/// when native code for `options.nativeTarget` runs here, else predicted (saying why in `out`);
/// with `measured`, for every precision mode and an error when it cannot be; with `predicted`,
/// nothing measured.
LogicalResult measureCostModel(func::FuncOp func, const CompileOptions &options,
                               CostMeasurement &out,
                               const std::function<void(const std::string &)> &progress);

/// Times each precision target of `func` (calibrated, fp32) with the whole function at each of
/// i8, bf16, f16 and f32 (quantized, folded and fused as the pipeline would), compiled for
/// `target` and run on this CPU at batch 1, one thread: per layer the median ns of its steps.
/// Writes `qopt.measured_latency` on `func`, `unit` for a precision that could not be measured.
/// Fails, with `why`, when no precision could be measured at all.
LogicalResult measureLayerLatency(func::FuncOp func, const QuantizePipelineOptions &options,
                                  StringRef target, CostMeasurement &out, std::string &why);

/// One layer's latencies as qopt-assign-precision recorded them (`qopt.latency`).
struct LayerCost {
  std::string layer;
  Precision chosen = Precision::f32;
  std::array<double, 4> predicted{};
  std::array<std::optional<double>, 4> measured;
};

/// The `qopt.latency` records of the compiled function, in walk order.
std::vector<LayerCost> readLayerCosts(func::FuncOp compiled);

/// Adds the latencies to the report file's JSON (each decision's `latency_ns`, and `cost_model`)
/// and a table of them to the printed table. Call after recordReport: the artifact's copy of the
/// report stays free of timings.
void addCostModel(const std::vector<LayerCost> &costs, const CostMeasurement &m,
                  CompileReport &report);

} // namespace mlir::qopt

#endif
