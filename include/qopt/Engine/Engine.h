// The execution-engine seam: everything that runs a model (qopt-run, evaluation, calibration)
// runs it through an Engine, so the reference executor and, next, the native code of a compiled
// model are interchangeable behind one interface.
//
//   reference  the reference executor over a func.func of qopt ops (the oracle)
//   native     a compiled model's native code run by the MLIR-free runtime (lib/Runtime)
#ifndef QOPT_ENGINE_ENGINE_H
#define QOPT_ENGINE_ENGINE_H

#include "qopt/Reference/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt::engine {

enum class Kind { reference, native };

/// "reference" or "native"; nullopt for anything else.
std::optional<Kind> parseKind(StringRef name);
StringRef kindName(Kind kind);

/// An input or output of the model: its name (the `qopt.name` attribute, else input_<i> /
/// output_<i>) and type.
struct Port {
  std::string name;
  RankedTensorType type;
};

struct RunOptions {
  /// Rows of the leading dimension per run when every input's leading dimension is dynamic and
  /// of the same size; 0 runs everything at once. Outputs are concatenated along that dimension.
  int64_t batchSize = 0;
  /// Called with (rows done, total rows) after each batch when the inputs are split into batches.
  std::function<void(int64_t, int64_t)> progress;
  /// Called after each op with its result. Only engines that execute op by op (the reference)
  /// can (canObserve); `run` fails on the others when it is set.
  std::function<void(Operation *op, const ref::Tensor &result)> observe;
};

/// One step (kernel call) of native code with its measured time.
struct StepProfile {
  std::string name, kernel;
  int64_t opsPerSample = 0, weightBytes = 0, activationBytesPerSample = 0;
  double nsPerCall = 0; // median over the profiled runs, for the whole batch
};

class Engine {
public:
  virtual ~Engine();
  Engine(const Engine &) = delete;
  Engine &operator=(const Engine &) = delete;

  virtual Kind kind() const = 0;
  /// For messages: "the reference executor".
  virtual StringRef description() const = 0;
  /// Whether RunOptions::observe works: only for engines that execute op by op.
  virtual bool canObserve() const { return false; }

  const std::vector<Port> &inputs() const { return inputPorts; }
  const std::vector<Port> &outputs() const { return outputPorts; }

  /// Runs the model on `inputs` (in the order of inputs()), in batches of
  /// `options.batchSize` rows where the inputs allow it. On failure sets `error` to one message.
  FailureOr<std::vector<ref::Tensor>> run(ArrayRef<ref::Tensor> inputs, const RunOptions &options,
                                          std::string &error);

  /// A run of `inputs` as one batch with everything a run needs prepared ahead (inputs encoded,
  /// outputs allocated), so that calling the result times the engine's execution alone: what a
  /// program embedding the runtime pays per call. Empty when the engine has no such split (the
  /// reference executor); callers then time `run`. The function returns false and sets its
  /// argument on failure; `inputs` need not outlive it.
  virtual std::function<bool(std::string &)> prepareRun(ArrayRef<ref::Tensor> inputs,
                                                        std::string &error) {
    (void)inputs;
    (void)error;
    return {};
  }

  /// Each step's time over `runs` runs of `inputs` as one batch (after a warm-up run): the
  /// median per step. Only native code has steps; the reference engine fails with a message.
  virtual FailureOr<std::vector<StepProfile>> profileSteps(ArrayRef<ref::Tensor> inputs,
                                                           unsigned runs, std::string &error) {
    (void)inputs;
    (void)runs;
    error = "only native code can be profiled step by step (this is " + description().str() + ")";
    return failure();
  }

  /// The same with inputs and outputs by name. Every input must be given, and no other name.
  FailureOr<std::map<std::string, ref::Tensor>>
  runNamed(const std::map<std::string, ref::Tensor> &inputs, const RunOptions &options,
           std::string &error);

protected:
  Engine(std::vector<Port> inputs, std::vector<Port> outputs)
      : inputPorts(std::move(inputs)), outputPorts(std::move(outputs)) {}
  /// Runs one batch.
  virtual FailureOr<SmallVector<ref::Tensor>> runBatch(ArrayRef<ref::Tensor> inputs,
                                                       const RunOptions &options,
                                                       std::string &error) = 0;

private:
  std::vector<Port> inputPorts, outputPorts;
};

/// The name of input or output `i` of `func`: its `qopt.name`, else input_<i> / output_<i>.
std::string portName(func::FuncOp func, bool input, unsigned i);

/// The reference executor over `func`, which must outlive the engine.
std::unique_ptr<Engine> createReferenceEngine(func::FuncOp func);

/// The engine of `kind` for `module`, a loaded model with one function. Fails with a message when
/// the model cannot run on it (for native: the model has no native code).
FailureOr<std::unique_ptr<Engine>> createEngine(Kind kind, ModuleOp module, std::string &error);

struct NativeEngineOptions {
  /// Threads per run, the calling thread included; 0: one per CPU.
  int32_t numThreads = 0;
};

/// Why createNativeEngine failed, for callers that fall back to the reference engine when a
/// model has no code this CPU can run but must not hide a corrupted or incompatible model.
enum class NativeLoadFailure { other, noNativeCode, unsupportedCpu };

/// The native engine over the compiled model at `modelPath` (or in `modelBytes`), whose graph
/// imported is `func` (it gives the ports' names and types and must outlive the engine). Fails
/// with the runtime's message, e.g. naming the CPU features the model's code needs, and sets
/// `why` when given.
FailureOr<std::unique_ptr<Engine>> createNativeEngine(func::FuncOp func, StringRef modelPath,
                                                      const NativeEngineOptions &options,
                                                      std::string &error,
                                                      NativeLoadFailure *why = nullptr);
FailureOr<std::unique_ptr<Engine>> createNativeEngine(func::FuncOp func,
                                                      ArrayRef<uint8_t> modelBytes,
                                                      const NativeEngineOptions &options,
                                                      std::string &error,
                                                      NativeLoadFailure *why = nullptr);

} // namespace mlir::qopt::engine

#endif
