// What every engine shares: batching along the leading dimension and binding by name.
#include "qopt/Engine/Engine.h"

#include "qopt/Runtime/Data.h"

namespace mlir::qopt::engine {

Engine::~Engine() = default;

std::optional<Kind> parseKind(StringRef name) {
  if (name == "reference")
    return Kind::reference;
  if (name == "native")
    return Kind::native;
  return std::nullopt;
}

StringRef kindName(Kind kind) { return kind == Kind::reference ? "reference" : "native"; }

std::string portName(func::FuncOp func, bool input, unsigned i) {
  auto attr = input ? func.getArgAttrOfType<StringAttr>(i, "qopt.name")
                    : func.getResultAttrOfType<StringAttr>(i, "qopt.name");
  return attr ? attr.str() : (input ? "input_" : "output_") + std::to_string(i);
}

namespace {

ref::Tensor sliceRows(const ref::Tensor &t, int64_t begin, int64_t end) {
  ref::Tensor s;
  s.shape = t.shape;
  s.shape[0] = end - begin;
  s.elementType = t.elementType;
  s.f = data::sliceRows(t.f, t.shape[0], begin, end);
  s.i = data::sliceRows(t.i, t.shape[0], begin, end);
  return s;
}

void appendRows(ref::Tensor &into, ref::Tensor &&part, bool first) {
  if (first || into.shape.empty()) {
    into = std::move(part);
    return;
  }
  into.shape[0] += part.shape[0];
  into.f.insert(into.f.end(), part.f.begin(), part.f.end());
  into.i.insert(into.i.end(), part.i.begin(), part.i.end());
}

} // namespace

FailureOr<std::vector<ref::Tensor>> Engine::run(ArrayRef<ref::Tensor> inputs,
                                                const RunOptions &options, std::string &error) {
  if (options.observe && !canObserve()) {
    error = description().str() + " cannot observe the results of single ops";
    return failure();
  }
  // Batch along a dynamic leading dimension shared by every input. Anything irregular runs in
  // one piece, and the engine reports what is wrong with it.
  int64_t rows = -1;
  bool batched = options.batchSize > 0 && !inputs.empty() && inputs.size() == inputPorts.size();
  for (size_t i = 0; i < inputs.size() && batched; ++i) {
    RankedTensorType type = inputPorts[i].type;
    batched = type && type.getRank() > 0 && type.isDynamicDim(0) && !inputs[i].shape.empty() &&
              (rows < 0 || rows == inputs[i].shape[0]);
    rows = inputs[i].shape.empty() ? -1 : inputs[i].shape[0];
  }
  if (!batched || rows <= options.batchSize) {
    FailureOr<SmallVector<ref::Tensor>> results = runBatch(inputs, options, error);
    if (failed(results))
      return failure();
    return std::vector<ref::Tensor>(std::make_move_iterator(results->begin()),
                                    std::make_move_iterator(results->end()));
  }
  std::vector<ref::Tensor> outputs(outputPorts.size());
  bool first = true;
  for (auto [begin, end] : data::batchRanges(rows, options.batchSize)) {
    SmallVector<ref::Tensor> part;
    for (const ref::Tensor &t : inputs)
      part.push_back(sliceRows(t, begin, end));
    FailureOr<SmallVector<ref::Tensor>> results = runBatch(part, options, error);
    if (failed(results))
      return failure();
    if (outputs.size() < results->size())
      outputs.resize(results->size());
    for (size_t k = 0; k < results->size(); ++k)
      appendRows(outputs[k], std::move((*results)[k]), first);
    first = false;
    if (options.progress)
      options.progress(end, rows);
  }
  return outputs;
}

FailureOr<std::map<std::string, ref::Tensor>>
Engine::runNamed(const std::map<std::string, ref::Tensor> &inputs, const RunOptions &options,
                 std::string &error) {
  std::vector<ref::Tensor> ordered;
  for (const Port &p : inputPorts) {
    auto it = inputs.find(p.name);
    if (it == inputs.end()) {
      error = "missing input '" + p.name + "'";
      return failure();
    }
    ordered.push_back(it->second);
  }
  for (const auto &entry : inputs)
    if (llvm::none_of(inputPorts, [&](const Port &p) { return p.name == entry.first; })) {
      error = "the model has no input '" + entry.first + "'";
      return failure();
    }
  FailureOr<std::vector<ref::Tensor>> results = run(ordered, options, error);
  if (failed(results))
    return failure();
  std::map<std::string, ref::Tensor> named;
  for (size_t k = 0; k < results->size() && k < outputPorts.size(); ++k)
    named[outputPorts[k].name] = std::move((*results)[k]);
  return named;
}

FailureOr<std::unique_ptr<Engine>> createEngine(Kind kind, ModuleOp module, std::string &error) {
  if (kind == Kind::native) {
    // Native code lives in a compiled .fb file, which the imported module no longer holds: the
    // native engine is made from the file (createNativeEngine).
    error = "this model has no native code (only a model compiled to a .fb file carries it); run "
            "it on the reference engine";
    return failure();
  }
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1) {
    error = "expected one function, found " + std::to_string(funcs.size());
    return failure();
  }
  return createReferenceEngine(funcs.front());
}

} // namespace mlir::qopt::engine
