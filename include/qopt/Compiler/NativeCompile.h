// qopt-compile's backend step: the compiled graph is lowered for each requested target, built
// into a shared object and attached to the model file next to the graph it came from.
#ifndef QOPT_COMPILER_NATIVECOMPILE_H
#define QOPT_COMPILER_NATIVECOMPILE_H

#include "qopt/Target/FlatBuffer/NativeSection.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::qopt {

/// Lowers a copy of `module` (one function of qopt ops) for every target named in `targets`
/// (a --target list such as "avx512vnni,avx2" or "host") and builds its code. Errors are
/// emitted as diagnostics naming the op, layer and target.
FailureOr<std::vector<NativeSection>>
compileNativeCode(ModuleOp module, StringRef targets,
                  const std::function<void(const std::string &)> &progress);

/// The model file of `module` with native code for `targets`: the graph as exportFlatBuffer
/// writes it plus compileNativeCode's sections. Errors are emitted as diagnostics.
FailureOr<std::string>
compileNativeModel(ModuleOp module, StringRef targets,
                   const std::function<void(const std::string &)> &progress);

/// The model file of `module` with `sections` already built for it (see compileNativeCode).
FailureOr<std::string> attachNativeSections(ModuleOp module,
                                            const std::vector<NativeSection> &sections);

/// The concrete name `host` or the first entry of a --target list stands for (for the cost
/// model), or failure with `error` naming the bad item.
FailureOr<std::string> primaryTargetName(StringRef targets, std::string &error);

/// Fails, naming every layer, when a compute op of `module` would run in float: what
/// --require-integer promises is that every layer computes on integers.
LogicalResult requireIntegerLayers(ModuleOp module);

} // namespace mlir::qopt

#endif
