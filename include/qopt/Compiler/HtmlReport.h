// The HTML report: qopt-compile's JSON report (one model) or several of them (qopt-report) as one
// self-contained page with a per-layer table, the speed-accuracy frontier, a roofline, the
// calibration histograms of the worst layers and the mixed-precision decision log.
//
// The page loads nothing: its style is inline and its plots are SVG written by Svg.h, so it opens
// offline and can be mailed or attached as one file. It depends on LLVM's JSON support only (no
// MLIR), so that qopt-report reads reports without the compiler.
//
// Every number that comes from a JSON report is printed in an element carrying
// data-model="K" data-json="PATH" (PATH like "layers.3.sqnr_db"), so a test can check it against
// the report it came from. Sections have fixed ids: intro, summary, frontier, roofline, layers,
// calibration, decisions.
//
// Optional fields, drawn when a report has them and otherwise named as "not measured":
//   machine {ghz, f32_fma_ops_per_cycle, int8_vnni_ops_per_cycle, int8_avx2_ops_per_cycle,
//            bf16_ops_per_cycle, l1/l2/dram_bytes_per_cycle}   (MachinePeaks::toJson)
//   layers[].ops_per_sample, .bytes_per_sample, .native_ns_per_sample   (the roofline; their sum,
//            or a top-level native_ns_per_sample, is the frontier's latency)
//   evaluation.loss_points_ci95 [lo, hi]   (the summary and the frontier's error bars)
//   calibration_histograms[], decisions[]   (Report.cpp); other fields of search{} and of a
//            decision are listed as they are.
#ifndef QOPT_COMPILER_HTMLREPORT_H
#define QOPT_COMPILER_HTMLREPORT_H

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt::report {

struct ModelReport {
  /// Where the report came from (the JSON or model file), shown on the page.
  std::string source;
  llvm::json::Object json;
  /// A short name for plots and tables ("mlp.onnx int8"); renderHtml fills it when empty.
  std::string label;
};

/// Parses qopt-compile's JSON report. On failure returns nullopt and says why in `error` (without
/// the file name, which the caller prefixes).
std::optional<ModelReport> parseReport(const std::string &text, const std::string &source,
                                       std::string &error);

/// The page for one report (qopt-compile --report=FILE.html) or a comparison of several.
std::string renderHtml(std::vector<ModelReport> models);

} // namespace mlir::qopt::report

#endif
