#include "qopt/Conversion/QOptToLLVM/NativeModule.h"

#include "KernelCall.h"

namespace mlir::qopt {

FailureOr<NativeModuleInfo> readNativeModuleInfo(ModuleOp module, std::string &error) {
  auto native = module->getAttrOfType<DictionaryAttr>("qopt.native");
  auto perSample = native ? native.getAs<IntegerAttr>("arena_bytes_per_sample") : IntegerAttr();
  auto fixed = native ? native.getAs<IntegerAttr>("arena_bytes_fixed") : IntegerAttr();
  auto parallel = native ? native.getAs<BoolAttr>("batch_parallel") : BoolAttr();
  auto constants = native ? native.getAs<ArrayAttr>("constants") : ArrayAttr();
  if (!perSample || !fixed || !parallel || !constants) {
    error = "the module has no complete qopt.native attribute (run qopt-convert-kernels-to-llvm)";
    return failure();
  }
  NativeModuleInfo info;
  info.arenaBytesPerSample = perSample.getInt();
  info.arenaBytesFixed = fixed.getInt();
  info.batchParallel = parallel.getValue();
  for (auto [i, a] : llvm::enumerate(constants)) {
    auto value = dyn_cast<ElementsAttr>(a);
    std::optional<std::vector<uint8_t>> bytes =
        value ? lowering::rawConstantBytes(value) : std::nullopt;
    if (!bytes) {
      error = "constant #" + std::to_string(i) + " of the native code has no readable data";
      return failure();
    }
    info.constants.push_back(std::move(*bytes));
  }
  // Absent in modules lowered before steps were recorded: no profile then, not an error.
  if (auto steps = native.getAs<ArrayAttr>("steps")) {
    for (auto [i, a] : llvm::enumerate(steps)) {
      auto d = dyn_cast<DictionaryAttr>(a);
      auto name = d ? d.getAs<StringAttr>("name") : StringAttr();
      auto kernel = d ? d.getAs<StringAttr>("kernel") : StringAttr();
      auto ops = d ? d.getAs<IntegerAttr>("ops_per_sample") : IntegerAttr();
      auto weights = d ? d.getAs<IntegerAttr>("weight_bytes") : IntegerAttr();
      auto acts = d ? d.getAs<IntegerAttr>("activation_bytes_per_sample") : IntegerAttr();
      if (!name || !kernel || !ops || !weights || !acts) {
        error = "step #" + std::to_string(i) + " of the native code is incomplete";
        return failure();
      }
      info.steps.push_back({name.str(), kernel.str(), ops.getInt(), weights.getInt(),
                            acts.getInt()});
    }
  }
  return info;
}

} // namespace mlir::qopt
