// The reference engine: the reference executor behind the Engine interface.
#include "qopt/Engine/Engine.h"

namespace mlir::qopt::engine {
namespace {

std::vector<Port> portsOf(func::FuncOp func, bool input) {
  std::vector<Port> ports;
  unsigned n = input ? func.getNumArguments() : func.getNumResults();
  for (unsigned i = 0; i < n; ++i) {
    Type t = input ? func.getArgument(i).getType() : func.getResultTypes()[i];
    ports.push_back({portName(func, input, i), dyn_cast<RankedTensorType>(t)});
  }
  return ports;
}

class ReferenceEngine : public Engine {
public:
  explicit ReferenceEngine(func::FuncOp func)
      : Engine(portsOf(func, true), portsOf(func, false)), func(func) {}

  Kind kind() const override { return Kind::reference; }
  StringRef description() const override { return "the reference executor"; }
  bool canObserve() const override { return true; }

protected:
  FailureOr<SmallVector<ref::Tensor>> runBatch(ArrayRef<ref::Tensor> inputs,
                                               const RunOptions &options,
                                               std::string &error) override {
    ref::Options refOptions;
    refOptions.observe = options.observe;
    return ref::execute(func, inputs, refOptions, error);
  }

private:
  func::FuncOp func;
};

} // namespace

std::unique_ptr<Engine> createReferenceEngine(func::FuncOp func) {
  return std::make_unique<ReferenceEngine>(func);
}

} // namespace mlir::qopt::engine
