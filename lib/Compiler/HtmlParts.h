// Pieces shared by the HTML report's tables (HtmlReport.cpp) and plots (HtmlPlots.cpp).
#ifndef QOPT_LIB_COMPILER_HTMLPARTS_H
#define QOPT_LIB_COMPILER_HTMLPARTS_H

#include "qopt/Compiler/HtmlReport.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt::report {

/// The value at a dotted path ("evaluation.accuracy_pct", "layers.2.sqnr_db"), or null.
const llvm::json::Value *at(const llvm::json::Object &o, const std::string &path);
std::optional<double> number(const llvm::json::Object &o, const std::string &path);
std::string text(const llvm::json::Object &o, const std::string &path);
const llvm::json::Array *array(const llvm::json::Object &o, const std::string &path);

/// printf of one double.
std::string fmt(const char *format, double v);

/// How the report prints each kind of number (and how the test reads it back: to the printed
/// precision). An SQNR of 999 is the JSON's cap for an exact match and prints as "exact".
enum class Num { Db, Error, Pct, Int, Points, Real };
std::string formatNumber(double v, Num kind);

/// `<td>` with the number at `path` of model `k`, tagged for the test; "-" when absent.
std::string numberCell(const llvm::json::Object &o, size_t k, const std::string &path, Num kind,
                       const std::string &cls = "num");
/// The same number as an inline <span>.
std::string numberSpan(const llvm::json::Object &o, size_t k, const std::string &path, Num kind);

/// The colour a precision is drawn in, everywhere on the page.
std::string precisionColor(const std::string &precision);

/// A <p> saying what is missing and how to get it.
std::string notMeasured(const std::string &what);

std::string frontierSection(const std::vector<ModelReport> &models);
std::string rooflineSection(const std::vector<ModelReport> &models);
std::string calibrationSection(const std::vector<ModelReport> &models);

} // namespace mlir::qopt::report

#endif
