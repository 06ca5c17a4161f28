#include "qopt/Compiler/NativeCompile.h"

#include "qopt/Conversion/QOptToLLVM/Backend.h"
#include "qopt/Conversion/QOptToLLVM/NativeModule.h"
#include "qopt/Conversion/QOptToLLVM/Passes.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>

namespace mlir::qopt {

FailureOr<std::string> primaryTargetName(StringRef targets, std::string &error) {
  FailureOr<SmallVector<const NativeTarget *>> list = parseNativeTargetList(targets, error);
  if (failed(list) || list->empty())
    return failure();
  return list->front()->name.str();
}

FailureOr<std::vector<NativeSection>>
compileNativeCode(ModuleOp module, StringRef targets,
                  const std::function<void(const std::string &)> &progress) {
  std::string error;
  FailureOr<SmallVector<const NativeTarget *>> list = parseNativeTargetList(targets, error);
  if (failed(list))
    return module.emitError("--target: ") << error, failure();
  std::vector<NativeSection> sections;
  for (const NativeTarget *target : *list) {
    auto start = std::chrono::steady_clock::now();
    OwningOpRef<ModuleOp> copy(cast<ModuleOp>(module->clone()));
    PassManager pm(module.getContext());
    buildLowerToLLVMPipeline(pm, target->name);
    if (failed(pm.run(*copy)))
      return failure();
    FailureOr<NativeModuleInfo> info = readNativeModuleInfo(*copy, error);
    if (failed(info))
      return module.emitError(error), failure();
    FailureOr<std::vector<uint8_t>> code = buildSharedObject(*copy, *target, error);
    if (failed(code))
      return module.emitError("native code for ") << target->name << ": " << error, failure();
    NativeSection s;
    s.target = target->name.str();
    for (llvm::StringLiteral f : target->cpuFeatures)
      s.cpuFeatures.push_back(f.str());
    s.entrySymbol = kNativeEntrySymbol.str();
    s.code = std::move(*code);
    s.arenaBytesPerSample = info->arenaBytesPerSample;
    s.arenaBytesFixed = info->arenaBytesFixed;
    s.batchParallel = info->batchParallel;
    s.constants = std::move(info->constants);
    for (const NativeStepInfo &st : info->steps)
      s.steps.push_back({st.name, st.kernel, st.opsPerSample, st.weightBytes,
                         st.activationBytesPerSample});
    if (progress) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress(llvm::formatv("native code for {0}: {1} KiB of code, {2} constants, arena {3} B "
                             "per sample + {4} B ({5:f1} s)",
                             s.target, (s.code.size() + 1023) / 1024, s.constants.size(),
                             s.arenaBytesPerSample, s.arenaBytesFixed, secs)
                   .str());
    }
    sections.push_back(std::move(s));
  }
  return sections;
}

FailureOr<std::string>
compileNativeModel(ModuleOp module, StringRef targets,
                   const std::function<void(const std::string &)> &progress) {
  FailureOr<std::vector<NativeSection>> sections = compileNativeCode(module, targets, progress);
  if (failed(sections))
    return failure();
  return attachNativeSections(module, *sections);
}

FailureOr<std::string> attachNativeSections(ModuleOp module,
                                            const std::vector<NativeSection> &sections) {
  // One serialization: exporting the graph and then attaching the code to its bytes copied and
  // hashed every weight three times (the 10-layer 1024-wide fp32 MLP: 1.5 s of a 2.7 s compile).
  return exportFlatBuffer(module, sections);
}

LogicalResult requireIntegerLayers(ModuleOp module) {
  // The ops that compute (not constants, renames, or the conversions at the edges of integer
  // regions): each must take and give quantized tensors.
  SmallVector<std::string> floating;
  module.walk([&](Operation *op) {
    if (!isa<QOptDialect>(op->getDialect()) ||
        isa<ConstantOp, QuantizeOp, DequantizeOp, RequantizeOp, ReshapeOp, FlattenOp>(op))
      return;
    auto isQuant = [](Type t) {
      auto s = dyn_cast<ShapedType>(t);
      return s && isa<quant::QuantizedType>(s.getElementType());
    };
    // Integer inputs mean integer arithmetic: a layer with an f32 result (the logits) still
    // accumulates in i32 and only its epilogue is float.
    bool integer = llvm::all_of(op->getOperandTypes(), isQuant);
    if (!integer)
      floating.push_back("'" + layerName(op->getLoc(), op->getName().getStringRef()) + "' (" +
                         op->getName().getStringRef().str() + ")");
  });
  if (floating.empty())
    return success();
  InFlightDiagnostic diag = module.emitError("--require-integer: ")
                            << floating.size() << " layer" << (floating.size() == 1 ? "" : "s")
                            << " would stay float: ";
  for (auto [i, name] : llvm::enumerate(floating))
    diag << (i ? ", " : "") << name;
  return diag;
}

} // namespace mlir::qopt
