// The measured cost model (MeasureCost.h): uniform-precision candidates of the calibrated
// function, compiled for the target, timed step by step; and the decision log's latency columns.
#include "MeasureCost.h"

#include "qopt/Compiler/NativeCompile.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Engine/Engine.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

using namespace mlir;
using namespace mlir::qopt;

namespace {

constexpr Precision kPrecisions[4] = {Precision::i8, Precision::bf16, Precision::f16,
                                      Precision::f32};

/// `func` with every precision target at `p`, through the same passes as the pipeline's
/// lower-precision stage after the assignment (quantize, fold, fuse, canonicalize), in a module
/// of its own: what the compiled model would run if the search chose `p` everywhere.
FailureOr<OwningOpRef<ModuleOp>> uniformCandidate(func::FuncOp func, Precision p,
                                                  const QuantizePipelineOptions &o) {
  OwningOpRef<ModuleOp> holder = ModuleOp::create(func.getLoc());
  func::FuncOp copy = func.clone();
  holder->push_back(copy);
  copy->walk([&](Operation *op) {
    if (isPrecisionTarget(op))
      op->setAttr(kPrecisionAttr, PrecisionAttr::get(func.getContext(), p));
  });
  PassManager pm(func.getContext());
  OpPassManager &f = pm.nest<func::FuncOp>();
  QuantizePassOptions q;
  q.activations = o.activations;
  q.mode = o.quantization;
  f.addPass(createQuantizePass(q));
  f.addPass(createFoldQuantDequantPass());
  f.addPass(createFusePass());
  f.addPass(createCanonicalizerPass());
  if (failed(pm.run(*holder)))
    return failure();
  return holder;
}

/// Zeros shaped like the function's inputs, dynamic dimensions (the batch) at 1: dense kernels
/// take the same time whatever the values.
std::vector<ref::Tensor> zeroInputs(func::FuncOp f) {
  std::vector<ref::Tensor> inputs;
  for (Type t : f.getArgumentTypes()) {
    auto shaped = cast<ShapedType>(t);
    ref::Tensor x;
    for (int64_t d : shaped.getShape())
      x.shape.push_back(ShapedType::isDynamic(d) ? 1 : d);
    x.elementType = shaped.getElementType();
    if (x.isFloat())
      x.f.assign(x.numElements(), 0.0f);
    else
      x.i.assign(x.numElements(), 0);
    inputs.push_back(std::move(x));
  }
  return inputs;
}

/// The tag a layer's ops carry in the merged candidate: "i8|NAME".
std::string tagged(Precision p, StringRef name) {
  return (stringifyPrecision(p) + "|" + name).str();
}

/// One function computing every candidate side by side from the same inputs, each op named
/// "PREC|NAME" (ops without a name keep their location): one native build for all four, since
/// building is what costs (about 0.4 s a build for a two-layer MLP, mostly fixed cost), not
/// running. Returned are all the candidates' results.
OwningOpRef<ModuleOp> mergeCandidates(ArrayRef<std::pair<Precision, func::FuncOp>> candidates) {
  func::FuncOp first = candidates.front().second;
  MLIRContext *ctx = first.getContext();
  SmallVector<Type> results;
  for (auto [p, f] : candidates)
    llvm::append_range(results, f.getResultTypes());
  OwningOpRef<ModuleOp> holder = ModuleOp::create(first.getLoc());
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(holder->getBody());
  auto merged = b.create<func::FuncOp>(first.getLoc(), first.getName(),
                                       b.getFunctionType(first.getArgumentTypes(), results));
  for (unsigned i = 0; i < first.getNumArguments(); ++i)
    merged.setArgAttrs(i, first.getArgAttrDict(i));
  Block *body = merged.addEntryBlock();
  b.setInsertionPointToEnd(body);
  SmallVector<Value> outputs;
  for (auto [p, f] : candidates) {
    IRMapping map;
    map.map(f.getArguments(), body->getArguments());
    for (Operation &op : f.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands())
          outputs.push_back(map.lookup(v));
        continue;
      }
      Operation *copy = b.clone(op, map);
      if (auto name = op.getLoc()->findInstanceOf<NameLoc>())
        copy->setLoc(NameLoc::get(StringAttr::get(ctx, tagged(p, name.getName()))));
    }
  }
  b.create<func::ReturnOp>(first.getLoc(), outputs);
  return holder;
}

/// Per precision and layer, the ns of one run of the merged candidate's native code at batch 1.
/// A step named after no op (a quantize the pipeline inserted, named by its kernel) counts
/// towards the next layer: it is what that layer's precision costs its input.
FailureOr<std::map<std::string, double>> timeMerged(ModuleOp holder, StringRef target,
                                                    int &runsUsed, std::string &why) {
  std::string diagnostics;
  FailureOr<std::string> bytes;
  {
    ScopedDiagnosticHandler capture(holder.getContext(), [&](Diagnostic &d) {
      diagnostics += (diagnostics.empty() ? "" : "; ") + d.str();
      return success();
    });
    bytes = compileNativeModel(holder, target, {});
  }
  if (failed(bytes)) {
    why = diagnostics;
    return failure();
  }
  func::FuncOp f = *holder.getOps<func::FuncOp>().begin();
  std::vector<uint8_t> code(bytes->begin(), bytes->end());
  engine::NativeEngineOptions one;
  one.numThreads = 1; // batch-1 latency of one core, as the predicted model counts it
  auto engine = engine::createNativeEngine(f, code, one, why);
  if (failed(engine))
    return failure();
  std::vector<ref::Tensor> inputs = zeroInputs(f);
  // A short probe sizes the timed runs to about 40 ms in all, 5 to 200 runs.
  auto probe = (*engine)->profileSteps(inputs, 2, why);
  if (failed(probe))
    return failure();
  double ns = 0;
  for (const engine::StepProfile &s : *probe)
    ns += s.nsPerCall;
  runsUsed = (int)std::clamp(40e6 / std::max(ns, 1.0), 5.0, 200.0);
  auto steps = (*engine)->profileSteps(inputs, runsUsed, why);
  if (failed(steps))
    return failure();
  std::set<std::string> opNames;
  f.walk([&](Operation *op) {
    if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
      opNames.insert(n.getName().str());
  });
  std::map<std::string, double> perLayer;
  double pending = 0;
  for (const engine::StepProfile &s : *steps) {
    if (opNames.count(s.name)) {
      perLayer[s.name] += s.nsPerCall + pending;
      pending = 0;
    } else {
      pending += s.nsPerCall;
    }
  }
  return perLayer;
}

/// "0.1113", "1520": four significant digits.
std::string shortNumber(double x) {
  char buffer[32];
  snprintf(buffer, sizeof buffer, "%.4g", x);
  return buffer;
}

} // namespace

LogicalResult mlir::qopt::measureCostModel(func::FuncOp func, const CompileOptions &options,
                                           CostMeasurement &out,
                                           const std::function<void(const std::string &)> &progress) {
  using CostModel = CompileOptions::CostModel;
  const QuantizePipelineOptions &o = options.pipeline;
  bool mixed = o.precision == PrecisionMode::mixed;
  if (options.costModel == CostModel::predicted) {
    out.note = "--cost-model=predicted";
    return success();
  }
  // Uniform precisions choose nothing by latency: timing them is on request only.
  if (options.costModel == CostModel::automatic && !mixed) {
    out.note = "uniform precision: nothing to choose (--cost-model=measured times every precision)";
    return success();
  }
  if (progress)
    progress("measuring each layer's latency at i8, bf16, f16 and f32 on native code for " +
             options.nativeTarget);
  std::string why;
  if (succeeded(measureLayerLatency(func, o, options.nativeTarget, out, why))) {
    if (progress)
      progress(llvm::formatv("  measured in {0:f1} s: {1}", out.seconds, out.note).str());
    return success();
  }
  if (options.costModel == CostModel::measured)
    // At the model (its file), like the other option errors, not at the function's IR.
    return (func->getParentOp() ? func->getParentOp() : func.getOperation())
               ->emitError("--cost-model=measured: cannot time native code for ")
           << options.nativeTarget << " on this CPU: " << why;
  out.note = "no native code to time (" + why + ")";
  if (progress)
    progress("latency predicted: " + out.note);
  return success();
}

LogicalResult mlir::qopt::measureLayerLatency(func::FuncOp func,
                                              const QuantizePipelineOptions &o, StringRef target,
                                              CostMeasurement &out, std::string &why) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  func.walk([&](Operation *op) {
    if (isPrecisionTarget(op))
      names.push_back(layerName(op->getLoc(), op->getName().getStringRef().str() + "#" +
                                                  std::to_string(names.size())));
  });
  std::map<std::string, std::array<std::optional<double>, 4>> table;
  std::vector<std::string> missing;
  std::vector<OwningOpRef<ModuleOp>> built;
  SmallVector<std::pair<Precision, func::FuncOp>> candidates;
  for (Precision p : kPrecisions) {
    auto candidate = uniformCandidate(func, p, o);
    if (failed(candidate)) {
      missing.push_back(stringifyPrecision(p).str() + " (the candidate does not build)");
      continue;
    }
    candidates.push_back({p, *(*candidate)->getOps<func::FuncOp>().begin()});
    built.push_back(std::move(*candidate));
  }
  int runs = 0;
  if (!candidates.empty()) {
    OwningOpRef<ModuleOp> merged = mergeCandidates(candidates);
    auto perStep = timeMerged(*merged, target, runs, why);
    if (failed(perStep))
      return failure();
    for (auto [p, f] : candidates)
      for (const std::string &name : names) {
        auto it = perStep->find(tagged(p, name));
        if (it != perStep->end())
          table[name][(int)p] = it->second;
      }
  }
  if (table.empty()) {
    why = missing.empty() ? "no layer maps to a native step" : missing.front();
    return failure();
  }
  Builder b(func.getContext());
  SmallVector<NamedAttribute> entries;
  for (const auto &[name, ns] : table) {
    SmallVector<Attribute> list;
    for (const std::optional<double> &v : ns)
      list.push_back(v ? Attribute(b.getF64FloatAttr(*v)) : Attribute(b.getUnitAttr()));
    entries.push_back(b.getNamedAttr(name, b.getArrayAttr(list)));
  }
  func->setAttr(kMeasuredLatencyAttr, b.getDictionaryAttr(entries));
  out.model = "measured";
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.note = llvm::formatv("native code for {0} on this CPU, batch 1, one thread, median of {1} "
                           "runs, {2} of {3} layers",
                           target, runs, table.size(), names.size())
                 .str();
  if (!missing.empty()) {
    out.note += "; predicted for";
    for (const std::string &m : missing)
      out.note += " " + m;
  }
  return success();
}

std::vector<LayerCost> mlir::qopt::readLayerCosts(func::FuncOp compiled) {
  std::vector<LayerCost> costs;
  compiled.walk([&](Operation *op) {
    auto latency = op->getAttrOfType<DictionaryAttr>(kLatencyAttr);
    auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr);
    if (!latency || !p)
      return;
    LayerCost c;
    c.layer = layerName(op->getLoc(), op->getName().getStringRef());
    c.chosen = p.getValue();
    auto predicted = latency.getAs<ArrayAttr>("predicted_ns");
    auto measured = latency.getAs<ArrayAttr>("measured_ns");
    for (int k = 0; k < 4; ++k) {
      if (predicted && k < (int)predicted.size())
        if (auto f = dyn_cast<FloatAttr>(predicted[k]))
          c.predicted[k] = f.getValueAsDouble();
      if (measured && k < (int)measured.size())
        if (auto f = dyn_cast<FloatAttr>(measured[k]))
          c.measured[k] = f.getValueAsDouble();
    }
    costs.push_back(std::move(c));
  });
  return costs;
}

void mlir::qopt::addCostModel(const std::vector<LayerCost> &costs, const CostMeasurement &m,
                              CompileReport &report) {
  if (costs.empty())
    return;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(report.json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return;
  }
  llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return;
  std::map<std::string, const LayerCost *> byName;
  for (const LayerCost &c : costs)
    byName[c.layer] = &c;
  if (llvm::json::Array *decisions = root->getArray("decisions"))
    for (llvm::json::Value &v : *decisions) {
      llvm::json::Object *d = v.getAsObject();
      std::optional<llvm::StringRef> name = d ? d->getString("layer") : std::nullopt;
      auto it = name ? byName.find(name->str()) : byName.end();
      if (it == byName.end())
        continue;
      llvm::json::Object latency;
      for (int k = 0; k < 4; ++k) {
        llvm::json::Object one{{"predicted", it->second->predicted[k]}};
        if (it->second->measured[k])
          one["measured"] = *it->second->measured[k];
        latency[stringifyPrecision(kPrecisions[k])] = std::move(one);
      }
      (*d)["latency_ns"] = std::move(latency);
      (*d)["latency_used"] = it->second->measured[(int)it->second->chosen] ? "measured"
                                                                           : "predicted";
    }
  (*root)["cost_model"] = llvm::json::Object{
      {"used", m.model},
      {"note", m.note},
      {"seconds", m.seconds},
      {"reproducibility",
       "measured latencies differ from run to run and stay out of the model file; a mixed search "
       "on them can choose differently on another run or machine (--cost-model=predicted always "
       "chooses alike)"}};
  report.json = llvm::formatv("{0:2}", llvm::json::Value(std::move(*parsed))).str() + "\n";

  // The printed decision log: for each layer the predicted / measured ns of every precision, the
  // chosen one starred.
  std::string text;
  llvm::raw_string_ostream t(text);
  t << "latency per sample, ns, predicted / measured (* chosen; the search used " << m.model
    << (m.note.empty() ? "" : ": " + m.note) << ")\n";
  t << llvm::format("%-28s", static_cast<const char *>("layer"));
  for (Precision p : kPrecisions)
    t << llvm::format(" %20s", stringifyPrecision(p).str().c_str());
  t << "\n";
  for (const LayerCost &c : costs) {
    std::string shown = c.layer.size() > 28 ? "..." + c.layer.substr(c.layer.size() - 25) : c.layer;
    t << llvm::format("%-28s", shown.c_str());
    for (int k = 0; k < 4; ++k) {
      std::string cell = (c.chosen == kPrecisions[k] ? "*" : "") + shortNumber(c.predicted[k]) +
                         " / " + (c.measured[k] ? shortNumber(*c.measured[k]) : "-");
      t << llvm::format(" %20s", cell.c_str());
    }
    t << "\n";
  }
  report.table += text;
}
