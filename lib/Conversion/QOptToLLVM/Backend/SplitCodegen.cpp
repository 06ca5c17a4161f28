// Parallel code generation: the model's step functions shared out over modules of their own, each
// optimized and compiled on its own thread.
//
// Optimizing and compiling the inlined kernels is a large part of a compile, and it is
// independent per step: a step (ConvertKernelsToLLVM's qopt_step_N, never inlined into the entry)
// reads its params from an internal constant and calls only its kernel, which inlines into it,
// the precompiled GEMM microkernels (declarations here, linked as an object) and the builtins.
// (When the microkernels were still inlined, the 10-layer 1024-wide int8 MLP spent 1.2 s of 2.6 s
// here, on three GEMM steps of ~30,000 instructions each; now 0.2 s.) So, like LTO's parallel
// code generation, the module is split by step: step definitions go to partitions by size, everything else internal (params constants, the kernels
// and their helpers) is copied into every partition that uses it and dropped where unused, and
// the entry and the builtins live in partition 0. Each partition travels as bitcode into a fresh
// LLVMContext (a context is single-threaded), is optimized and compiled there, and comes back as
// an object; ld.lld links them. The partition count is fixed and the share depends on the module
// alone, so the shared object's bytes are the same whatever the thread count.
// Measured (2 cores, with the microkernels still inlined): the Fashion-MNIST CNN compiled in 2.0 s
// instead of 3.0 s; models with few distinct steps gained little.
#include "BackendInternal.h"
#include "qopt/Conversion/QOptToLLVM/Backend.h"

#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <tuple>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::backend;

namespace {

constexpr llvm::StringLiteral kStepPrefix = "qopt_step_";
constexpr unsigned kPartitions = 4;

bool isStep(const llvm::Function &f) {
  return !f.isDeclaration() && f.getName().starts_with(kStepPrefix);
}

/// Instructions in a step and every function it calls (its kernel and the kernel's helpers,
/// inlined into it later): the measure of its optimization and code generation work.
size_t workOf(const llvm::Function &step) {
  llvm::SmallPtrSet<const llvm::Function *, 16> seen;
  llvm::SmallVector<const llvm::Function *> todo = {&step};
  size_t n = 0;
  while (!todo.empty()) {
    const llvm::Function *f = todo.pop_back_val();
    if (f->isDeclaration() || !seen.insert(f).second)
      continue;
    for (const llvm::BasicBlock &block : *f)
      for (const llvm::Instruction &inst : block) {
        ++n;
        if (auto *call = llvm::dyn_cast<llvm::CallBase>(&inst))
          if (const llvm::Function *callee = call->getCalledFunction())
            todo.push_back(callee);
      }
  }
  return n;
}

/// The global values `roots` reach through instruction operands and initializers, themselves
/// included: what a partition with these roots needs defined or declared.
llvm::DenseSet<const llvm::GlobalValue *>
reachableFrom(llvm::ArrayRef<const llvm::GlobalValue *> roots) {
  llvm::DenseSet<const llvm::GlobalValue *> seen;
  llvm::SmallVector<const llvm::GlobalValue *> todo(roots.begin(), roots.end());
  llvm::SmallVector<const llvm::Constant *> constants;
  llvm::DenseSet<const llvm::Constant *> seenConstants;
  // Global values inside a constant (a GEP expression, an initializer's array of pointers).
  auto visitConstant = [&](const llvm::Constant *c) {
    constants.push_back(c);
    while (!constants.empty()) {
      const llvm::Constant *k = constants.pop_back_val();
      if (!seenConstants.insert(k).second)
        continue;
      if (auto *gv = llvm::dyn_cast<llvm::GlobalValue>(k)) {
        todo.push_back(gv);
        continue;
      }
      for (const llvm::Use &op : k->operands())
        if (auto *sub = llvm::dyn_cast<llvm::Constant>(op.get()))
          constants.push_back(sub);
    }
  };
  while (!todo.empty()) {
    const llvm::GlobalValue *gv = todo.pop_back_val();
    if (!seen.insert(gv).second)
      continue;
    if (auto *var = llvm::dyn_cast<llvm::GlobalVariable>(gv)) {
      if (var->hasInitializer())
        visitConstant(var->getInitializer());
      continue;
    }
    auto *f = llvm::dyn_cast<llvm::Function>(gv);
    if (!f || f->isDeclaration())
      continue;
    for (const llvm::BasicBlock &block : *f)
      for (const llvm::Instruction &inst : block)
        for (const llvm::Use &op : inst.operands())
          if (auto *c = llvm::dyn_cast<llvm::Constant>(op.get()))
            visitConstant(c);
  }
  return seen;
}

struct Part {
  std::string bitcode;
  ObjectBytes object;
  std::string error;
};

/// Optimizes and compiles one partition in a context of its own (safe on any thread).
void compilePart(Part &part, const NativeTarget &target) {
  llvm::LLVMContext context;
  LlvmDiagnostics diagnostics;
  context.setDiagnosticHandlerCallBack(LlvmDiagnostics::handle, &diagnostics);
  llvm::Expected<std::unique_ptr<llvm::Module>> module =
      llvm::parseBitcodeFile(llvm::MemoryBufferRef(part.bitcode, "qopt_model_part"), context);
  if (!module) {
    part.error = "cannot read back a partition of the module: " +
                 llvm::toString(module.takeError());
    return;
  }
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(target, part.error);
  if (!tm)
    return;
  std::unique_ptr<llvm::TargetLibraryInfoImpl> libraryInfo = freestandingLibraryInfo();
  optimize(**module, *tm, *libraryInfo);
  (void)emitObject(**module, *tm, *libraryInfo, diagnostics, target, part.object, part.error);
}

} // namespace

FailureOr<std::vector<ObjectBytes>>
mlir::qopt::backend::emitObjectsInParallel(llvm::Module &module, const NativeTarget &target,
                                           unsigned threads, std::string &error) {
  std::vector<llvm::Function *> steps;
  for (llvm::Function &f : module)
    if (isStep(f))
      steps.push_back(&f);
  // A mutable internal global copied into two partitions would become two variables.
  bool shareable = llvm::all_of(module.globals(), [](const llvm::GlobalVariable &g) {
    return !g.hasLocalLinkage() || g.isConstant();
  });
  // A fixed count, not the thread count: the partitions, and so the bytes, are the same on every
  // machine; the threads only take the partitions in turn.
  unsigned parts = std::min<size_t>(kPartitions, steps.size());
  if (parts < 2 || !shareable)
    return std::vector<ObjectBytes>();

  // Largest first, each to the least loaded partition (ties: the lower index): a deterministic
  // share whose largest part is within one step of the best.
  std::vector<std::tuple<size_t, size_t, llvm::Function *>> bySize; // size, module order, step
  for (size_t i = 0; i < steps.size(); ++i)
    bySize.push_back({workOf(*steps[i]), i, steps[i]});
  std::sort(bySize.begin(), bySize.end(), [](const auto &a, const auto &b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b)
                                            : std::get<1>(a) < std::get<1>(b);
  });
  std::vector<size_t> load(parts, 0);
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> home;
  for (auto [size, order, f] : bySize) {
    unsigned k = std::min_element(load.begin(), load.end()) - load.begin();
    load[k] += size;
    home[f] = k;
    // Called from the entry in partition 0, defined elsewhere: a symbol the linker resolves,
    // hidden so that the shared object still exports the entry alone.
    f->setLinkage(llvm::GlobalValue::ExternalLinkage);
    f->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

  std::vector<llvm::SmallVector<const llvm::GlobalValue *>> roots(parts);
  for (auto [step, k] : home)
    roots[k].push_back(step);
  for (const llvm::Function &f : module)
    if (!f.isDeclaration() && (f.getName() == kNativeEntrySymbol || isBuiltin(f.getName())))
      roots[0].push_back(&f);
  std::vector<Part> work(parts);
  for (unsigned k = 0; k < parts; ++k) {
    // Only what this partition's roots reach is copied in (and written, and read back): every
    // partition holding every kernel cost more than the threads saved.
    llvm::DenseSet<const llvm::GlobalValue *> needed = reachableFrom(roots[k]);
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(module, map, [&](const llvm::GlobalValue *gv) {
          if (auto it = home.find(gv); it != home.end())
            return it->second == k;
          if (gv->getName() == kNativeEntrySymbol || isBuiltin(gv->getName()))
            return k == 0;
          return gv->hasLocalLinkage() && needed.contains(gv);
        });
    llvm::raw_string_ostream os(work[k].bitcode);
    llvm::WriteBitcodeToFile(*part, os);
  }

  // Largest partition first (partition 0 holds the largest step).
  std::atomic<unsigned> next{0};
  auto worker = [&] {
    for (unsigned k; (k = next++) < parts;)
      compilePart(work[k], target);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min(threads, parts); ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();

  std::vector<ObjectBytes> objects;
  for (Part &part : work) {
    if (!part.error.empty()) {
      error = part.error;
      return failure();
    }
    objects.push_back(std::move(part.object));
  }
  return objects;
}
