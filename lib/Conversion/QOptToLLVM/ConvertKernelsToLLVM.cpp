// qopt-convert-kernels-to-llvm: the function of constants, kernel calls and buffer renames
// becomes the model's entry point of NativeAbi.h, in the LLVM dialect.
//
// Every value gets a home: a graph input or output (from the args struct), a constant (from the
// args' constant table, in the order recorded in the module's qopt.native attribute), or a place
// in the arena. The arena has three parts, all 64-byte aligned:
//   [0, A * batch)               batched intermediates, A bytes per sample, shared by liveness
//   [A * batch, + B)             unbatched intermediates (computed once per call)
//   [A * batch + B, + S*batch+F) the scratch of the kernel being called (one at a time)
// so arena_bytes_per_sample = A + S and arena_bytes_fixed = B + F.
#include "ArenaPlan.h"
#include "KernelCall.h"

#include "qopt/Conversion/QOptToLLVM/Passes.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/LinearKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/EquivalenceClasses.h"

#include <cstddef>
#include <map>

namespace mlir::qopt {
#define GEN_PASS_DEF_CONVERTKERNELSTOLLVMPASS
#include "qopt/Conversion/QOptToLLVM/Passes.h.inc"
} // namespace mlir::qopt

namespace mlir::qopt::lowering {
namespace {

// NativeAbi.h's qopt_native_args, by byte offset.
constexpr int64_t kArgBatch = 0, kArgInputs = 8, kArgOutputs = 16, kArgConstants = 24,
                  kArgArena = 32, kArgEnv = 40;
// and qopt_native_env's profiling hook.
constexpr int64_t kEnvProfile = 24, kEnvProfileData = 32;

/// Where a buffer lives.
struct Home {
  enum Kind { input, output, constant, batched, fixed } kind = input;
  int64_t index = 0; // input / output position, constant slot, or arena item
};

SmallVector<std::pair<int64_t, int64_t>> runtimeParamFields(StringRef callee, size_t size);
bool kernelTakesEnv(StringRef callee);

int64_t valueBytes(Value v) { return sampleElements(v.getType()) * storageBytes(v.getType()); }

class Lowering {
public:
  Lowering(ModuleOp module, func::FuncOp func) : module(module), func(func) {}
  LogicalResult run();

private:
  Value root(Value v) const {
    auto it = aliasOf.find(v);
    return it == aliasOf.end() ? v : it->second;
  }
  LogicalResult plan();
  LogicalResult emit();
  LLVM::LLVMFuncOp emitProfileHelper(OpBuilder &b);
  std::pair<LLVM::LLVMFuncOp, Value>
  stepFunction(OpBuilder &b, LLVM::LLVMFuncOp entry, LLVM::LLVMFuncOp callee,
               ArrayRef<int8_t> params, ArrayRef<std::pair<int64_t, int64_t>> runtimeFields);
  LLVM::GlobalOp bytesGlobal(OpBuilder &b, LLVM::LLVMFuncOp entry, ArrayRef<int8_t> bytes);
  /// What NativeCode.steps records about one kernel call.
  DictionaryAttr stepInfo(KernelCallOp call);
  Value pointerOf(OpBuilder &b, Value v);
  Value rootPointer(OpBuilder &b, Value root);
  Value i64(OpBuilder &b, int64_t v) {
    return b.create<LLVM::ConstantOp>(loc, b.getI64Type(), b.getI64IntegerAttr(v));
  }
  Value bytePtr(OpBuilder &b, Value base, Value offset) {
    return b.create<LLVM::GEPOp>(loc, ptrType, b.getI8Type(), base, ValueRange{offset});
  }
  Value loadPtrAt(OpBuilder &b, Value table, int64_t index) {
    Value slot = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, table,
                                       ArrayRef<LLVM::GEPArg>{(int32_t)index});
    return b.create<LLVM::LoadOp>(loc, ptrType, slot);
  }

  ModuleOp module;
  func::FuncOp func;
  Location loc = UnknownLoc::get(module.getContext());
  Type ptrType;

  SmallVector<Operation *> ops;            // the body, in order
  DenseMap<Value, Value> aliasOf;          // reshape / flatten / view result -> its buffer
  DenseMap<Value, int64_t> viewOffset;     // an alias's byte offset into that buffer (0: absent)
  DenseMap<Value, Home> homes;             // per root
  SmallVector<Value> constants;            // constant slot -> value
  SmallVector<Attribute> steps;            // NativeCode.steps, in execution order
  std::map<std::string, LLVM::LLVMFuncOp> stepFns; // by callee and specialized params
  int64_t globalId = 0;
  std::vector<ArenaItem> batchedItems, fixedItems;
  int64_t batchedBytes = 0, fixedBytes = 0, scratchPerSample = 0, scratchFixed = 0;
  bool dynamicBatch = false, batchParallel = true;

  // Emission state.
  Value args, batch, inputs, outputs, constantTable, arena, scratch;
  DenseMap<Value, Value> pointers;
};

LogicalResult Lowering::plan() {
  Block &body = func.getBody().front();
  for (Operation &op : body)
    ops.push_back(&op);
  for (BlockArgument arg : func.getArguments())
    dynamicBatch |= isBatched(arg);
  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    if (!isa<RankedTensorType>(arg.getType()) || storageBytes(arg.getType()) == 0)
      return func.emitError("native code cannot take the input type ") << arg.getType();
    homes[arg] = Home{Home::input, (int64_t)i};
  }

  // Homes of roots, and the liveness of the arena ones.
  DenseMap<Value, int64_t> firstUse, lastUse;
  auto touch = [&](Value v, int64_t pos) {
    Value r = root(v);
    lastUse[r] = std::max(lastUse.lookup(r), pos);
  };
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [pos, op] : llvm::enumerate(ops)) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (isa<ReshapeOp, FlattenOp>(op)) {
      aliasOf[op->getResult(0)] = root(op->getOperand(0));
      viewOffset[op->getResult(0)] = viewOffset.lookup(op->getOperand(0));
      if (valueBytes(op->getResult(0)) != valueBytes(op->getOperand(0)) ||
          isBatched(op->getResult(0)) != isBatched(op->getOperand(0)))
        return op->emitError("native code renames buffers only when a reshape keeps the batch "
                             "dimension and the size of a sample");
      continue;
    }
    if (auto view = dyn_cast<KernelCallOp>(op); view && view.getCallee() == kViewCallee) {
      // A byte range of the input's buffer (MovementPatterns.cpp): an address, no step.
      int64_t offset = -1;
      ArrayRef<int8_t> params = view.getParams();
      if (params.size() == sizeof(offset))
        std::memcpy(&offset, params.data(), sizeof(offset));
      Value in = view.getInputs().size() == 1 ? view.getInputs()[0] : Value();
      Value out = view.getResult();
      if (!in || offset < 0 || isBatched(in) || isBatched(out) ||
          offset + viewOffset.lookup(in) + valueBytes(out) > valueBytes(root(in)))
        return op->emitError("a view must be an unbatched byte range inside its one input");
      aliasOf[out] = root(in);
      viewOffset[out] = viewOffset.lookup(in) + offset;
      continue;
    }
    if (auto c = dyn_cast<ConstantOp>(op))
      continue; // a slot once something reads it
    auto call = dyn_cast<KernelCallOp>(op);
    if (!call)
      return op->emitError("'") << op->getName()
                                << "' was not lowered to a kernel call (run qopt-pack-weights "
                                   "and qopt-lower-to-kernels first)";
    for (Value in : call.getInputs())
      touch(in, pos);
    Value out = call.getResult();
    if (isBatched(out) && !dynamicBatch)
      return call.emitError("a batched result in a model whose inputs have no batch dimension");
    if (call.getCallee() == "qopt_k_fake_quant_dynamic")
      batchParallel = false; // its range is taken over the whole batch
    firstUse[out] = pos;
    lastUse[out] = pos;
    scratchPerSample = std::max<int64_t>(scratchPerSample, call.getScratchPerSample());
    scratchFixed = std::max<int64_t>(scratchFixed, call.getScratchFixed());
  }
  for (Value v : ret.getOperands()) {
    touch(v, ops.size());
    // A result is written into the caller's output buffer: never a part of another buffer.
    if (viewOffset.lookup(v) != 0 || valueBytes(v) != valueBytes(root(v)))
      return func.emitError("a function result is a view of another tensor's buffer");
  }

  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value r = root(v);
    if (!homes.count(r) && r.getDefiningOp<KernelCallOp>())
      homes[r] = Home{Home::output, (int64_t)i};
  }
  // Constants in slot order of first use; everything else computed goes to the arena.
  for (Operation *op : ops) {
    SmallVector<Value> used;
    if (auto call = dyn_cast<KernelCallOp>(op))
      used.append(call.getInputs().begin(), call.getInputs().end());
    else if (auto r = dyn_cast<func::ReturnOp>(op))
      used.append(r.getOperands().begin(), r.getOperands().end());
    for (Value v : used) {
      Value r = root(v);
      if (homes.count(r) || !r.getDefiningOp<ConstantOp>())
        continue;
      homes[r] = Home{Home::constant, (int64_t)constants.size()};
      constants.push_back(r);
    }
    if (auto call = dyn_cast<KernelCallOp>(op)) {
      Value out = call.getResult();
      if (homes.count(out) || call.getCallee() == kViewCallee)
        continue;
      ArenaItem item{valueBytes(out), firstUse.lookup(out), lastUse.lookup(out)};
      if (isBatched(out)) {
        homes[out] = Home{Home::batched, (int64_t)batchedItems.size()};
        batchedItems.push_back(item);
      } else {
        homes[out] = Home{Home::fixed, (int64_t)fixedItems.size()};
        fixedItems.push_back(item);
      }
    }
  }
  batchedBytes = planArena(batchedItems);
  fixedBytes = planArena(fixedItems);
  scratchPerSample = (scratchPerSample + 63) / 64 * 64;
  scratchFixed = (scratchFixed + 63) / 64 * 64;
  return success();
}

Value Lowering::pointerOf(OpBuilder &b, Value v) {
  Value p = rootPointer(b, root(v));
  const int64_t offset = viewOffset.lookup(v);
  return offset ? bytePtr(b, p, i64(b, offset)) : p;
}

Value Lowering::rootPointer(OpBuilder &b, Value r) {
  if (Value p = pointers.lookup(r))
    return p;
  Home home = homes.lookup(r);
  Value p;
  switch (home.kind) {
  case Home::input:
    p = loadPtrAt(b, inputs, home.index);
    break;
  case Home::output:
    p = loadPtrAt(b, outputs, home.index);
    break;
  case Home::constant:
    p = loadPtrAt(b, constantTable, home.index);
    break;
  case Home::batched: {
    Value off = b.create<LLVM::MulOp>(loc, i64(b, batchedItems[home.index].offset), batch);
    p = bytePtr(b, arena, off);
    break;
  }
  case Home::fixed: {
    Value base = b.create<LLVM::MulOp>(loc, i64(b, batchedBytes), batch);
    Value off = b.create<LLVM::AddOp>(loc, base, i64(b, fixedItems[home.index].offset));
    p = bytePtr(b, arena, off);
    break;
  }
  }
  pointers[r] = p;
  return p;
}

LogicalResult Lowering::emit() {
  MLIRContext *ctx = module.getContext();
  ptrType = LLVM::LLVMPointerType::get(ctx);
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  auto i32 = b.getI32Type(), i64Type = b.getI64Type();
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto entry = b.create<LLVM::LLVMFuncOp>(loc, "qopt_model_entry",
                                          LLVM::LLVMFunctionType::get(i32, {ptrType}));
  Block *entryBlock = entry.addEntryBlock(b);
  Block *bad = new Block(), *body = new Block();
  entry.getBody().push_back(bad);
  entry.getBody().push_back(body);
  args = entryBlock->getArgument(0);

  b.setInsertionPointToStart(entryBlock);
  auto field = [&](int64_t offset, Type type) -> Value {
    Value p = bytePtr(b, args, i64(b, offset));
    return b.create<LLVM::LoadOp>(loc, type, p);
  };
  batch = field(kArgBatch, i64Type);
  inputs = field(kArgInputs, ptrType);
  outputs = field(kArgOutputs, ptrType);
  constantTable = field(kArgConstants, ptrType);
  arena = field(kArgArena, ptrType);
  // A static model runs exactly one sample; a dynamic one at least one.
  Value badBatch = dynamicBatch
                       ? b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::slt, batch, i64(b, 1))
                       : b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::ne, batch, i64(b, 1));
  b.create<LLVM::CondBrOp>(loc, badBatch, bad, body);
  b.setInsertionPointToStart(bad);
  b.create<LLVM::ReturnOp>(loc, ValueRange{b.create<LLVM::ConstantOp>(
                                    loc, i32, b.getI32IntegerAttr(1))}); // QOPT_NATIVE_ERR_BATCH

  b.setInsertionPointToStart(body);
  Value one = i64(b, 1);
  {
    Value base = b.create<LLVM::MulOp>(loc, i64(b, batchedBytes), batch);
    scratch = bytePtr(b, arena, b.create<LLVM::AddOp>(loc, base, i64(b, fixedBytes)));
  }
  Value null = b.create<LLVM::ZeroOp>(loc, ptrType);

  Value env = field(kArgEnv, ptrType);
  LLVM::LLVMFuncOp profile;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(entry);
    profile = emitProfileHelper(b);
  }
  auto profileStep = [&](int64_t step, int32_t phase) {
    b.create<LLVM::CallOp>(loc, profile,
                           ValueRange{env,
                                      b.create<LLVM::ConstantOp>(loc, i32,
                                                                 b.getI32IntegerAttr(step)),
                                      b.create<LLVM::ConstantOp>(loc, i32,
                                                                 b.getI32IntegerAttr(phase))});
  };
  int64_t step = 0;

  llvm::StringMap<LLVM::LLVMFuncOp> callees;
  auto kernelType = LLVM::LLVMFunctionType::get(voidType, {ptrType, ptrType, i64Type, ptrType});
  // The linear kernels also take the env, to split their GEMMs over its threads.
  auto envKernelType =
      LLVM::LLVMFunctionType::get(voidType, {ptrType, ptrType, i64Type, ptrType, ptrType});
  for (Operation *op : ops) {
    auto call = dyn_cast<KernelCallOp>(op);
    if (!call || call.getCallee() == kViewCallee) // views are addresses (pointerOf)
      continue;
    loc = call.getLoc();
    LLVM::LLVMFuncOp &callee = callees[call.getCallee()];
    if (!callee) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(entry);
      callee = b.create<LLVM::LLVMFuncOp>(
          loc, call.getCallee(), kernelTakesEnv(call.getCallee()) ? envKernelType : kernelType);
    }
    bool hasScratch = call.getScratchPerSample() > 0 || call.getScratchFixed() > 0;
    ArrayRef<int8_t> params = call.getParams();
    SmallVector<std::pair<int64_t, int64_t>> runtimeFields =
        runtimeParamFields(call.getCallee(), params.size());
    auto [stepFn, paramsPtr] = stepFunction(b, entry, callee, params, runtimeFields);
    // The operand table: result, then the inputs with nulls at the recorded positions.
    SmallVector<Value> operands{pointerOf(b, call.getResult())};
    ArrayRef<int64_t> nulls = call.getNullOperands();
    size_t nextInput = 0;
    int64_t slots = 1 + (int64_t)call.getInputs().size() + (int64_t)nulls.size();
    for (int64_t pos = 1; pos < slots; ++pos) {
      if (llvm::is_contained(nulls, pos))
        operands.push_back(null);
      else
        operands.push_back(pointerOf(b, call.getInputs()[nextInput++]));
    }
    Value table;
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(entryBlock);
      table = b.create<LLVM::AllocaOp>(loc, ptrType, ptrType, i64(b, operands.size()), 8);
    }
    for (auto [i, p] : llvm::enumerate(operands)) {
      Value slot = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, table,
                                         ArrayRef<LLVM::GEPArg>{(int32_t)i});
      b.create<LLVM::StoreOp>(loc, p, slot);
    }
    Value n = isBatched(call.getResult()) ? batch : one;
    profileStep(step, 0);
    b.create<LLVM::CallOp>(loc, stepFn,
                           ValueRange{table, n, hasScratch ? scratch : null,
                                      paramsPtr ? paramsPtr : null, env});
    profileStep(step, 1);
    steps.push_back(stepInfo(call));
    ++step;
  }

  // Outputs whose buffer is not already theirs: a graph input or constant returned as it is, or
  // one value returned twice.
  loc = func.getLoc();
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Home home = homes.lookup(root(v));
    if (home.kind == Home::output && home.index == (int64_t)i)
      continue;
    Value bytes = i64(b, valueBytes(v));
    if (isBatched(v))
      bytes = b.create<LLVM::MulOp>(loc, bytes, batch);
    b.create<LLVM::MemcpyOp>(loc, loadPtrAt(b, outputs, i), pointerOf(b, v), bytes,
                             /*isVolatile=*/false);
  }
  b.create<LLVM::ReturnOp>(loc, ValueRange{b.create<LLVM::ConstantOp>(
                                    loc, i32, b.getI32IntegerAttr(0))});
  return success();
}

/// Whether a kernel takes the qopt_native_env as a fifth argument (LinearKernels.h).
bool kernelTakesEnv(StringRef callee) {
  return callee == "qopt_k_fully_connected" || callee == "qopt_k_conv2d" ||
         callee == "qopt_k_matmul" || callee == "qopt_k_max_pool2d" || callee == "qopt_k_softmax" ||
         callee == "qopt_k_layer_norm";
}

/// The byte ranges of a kernel's params that its step function reads at run time instead of
/// baking them in: fully_connected's epilogue constants (activation bounds, output scale and
/// zero point). Layers that differ only there (the hidden layers of a deep MLP) then share one
/// specialized copy of the kernel, which cuts the code and the time LLVM spends on it several
/// times; the values are loaded once per call, outside every loop.
/// Not conv2d's: its params then live in a stack copy, and its loops' lambdas capture them for
/// the worker threads, so the copy escapes and LLVM no longer folds the geometry into the
/// 1-thread loops either (ResNet-18 int8's convs ran 10-40% slower that way, and compiled no
/// faster).
SmallVector<std::pair<int64_t, int64_t>> runtimeParamFields(StringRef callee, size_t size) {
  SmallVector<std::pair<int64_t, int64_t>> fields;
  if (callee != "qopt_k_fully_connected" || size != sizeof(qopt_k_gemm_params))
    return fields;
  fields.push_back({offsetof(qopt_k_gemm_params, act_lo),
                    offsetof(qopt_k_gemm_params, qmin) - offsetof(qopt_k_gemm_params, act_lo)});
  return fields;
}

/// An internal constant holding `bytes`, 16-byte aligned.
LLVM::GlobalOp Lowering::bytesGlobal(OpBuilder &b, LLVM::LLVMFuncOp entry,
                                     ArrayRef<int8_t> bytes) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(entry);
  auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), bytes.size());
  return b.create<LLVM::GlobalOp>(
      loc, arrayType, /*isConstant=*/true, LLVM::Linkage::Internal,
      "qopt_params_" + std::to_string(globalId++),
      b.getStringAttr(StringRef(reinterpret_cast<const char *>(bytes.data()), bytes.size())),
      /*alignment=*/16);
}

/// `void qopt_step_N(table, batch, scratch, params, env)`: one kernel call with its params as an
/// internal constant (so that the inlined kernel's loads of them fold), except `runtimeFields`,
/// copied from `params` at run time. Not inlined into the entry, and shared by every call whose
/// params agree outside those fields. Returns the function and, when there are runtime fields,
/// the address of this call's full params (else a null Value).
std::pair<LLVM::LLVMFuncOp, Value>
Lowering::stepFunction(OpBuilder &b, LLVM::LLVMFuncOp entry, LLVM::LLVMFuncOp callee,
                       ArrayRef<int8_t> params,
                       ArrayRef<std::pair<int64_t, int64_t>> runtimeFields) {
  SmallVector<int8_t> key(params.begin(), params.end());
  for (auto [offset, size] : runtimeFields)
    std::fill(key.begin() + offset, key.begin() + offset + size, 0);
  std::string id = callee.getName().str() + '\n' +
                   std::string(reinterpret_cast<const char *>(key.data()), key.size());
  Value real;
  if (!runtimeFields.empty())
    real = b.create<LLVM::AddressOfOp>(loc, bytesGlobal(b, entry, params));
  LLVM::LLVMFuncOp &fn = stepFns[id];
  if (fn)
    return {fn, real};
  MLIRContext *ctx = module.getContext();
  OpBuilder::InsertionGuard guard(b);
  LLVM::GlobalOp keyGlobal = bytesGlobal(b, entry, key);
  b.setInsertionPoint(entry);
  auto i64Type = b.getI64Type();
  fn = b.create<LLVM::LLVMFuncOp>(
      loc, "qopt_step_" + std::to_string(stepFns.size() - 1),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                  {ptrType, i64Type, ptrType, ptrType, ptrType}),
      LLVM::Linkage::Internal);
  fn.setNoInline(true);
  Block *block = fn.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  Value p = b.create<LLVM::AddressOfOp>(loc, keyGlobal);
  if (!runtimeFields.empty()) {
    auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), key.size());
    Value local = b.create<LLVM::AllocaOp>(loc, ptrType, arrayType, i64(b, 1), 16);
    b.create<LLVM::MemcpyOp>(loc, local, p, i64(b, key.size()), /*isVolatile=*/false);
    for (auto [offset, size] : runtimeFields)
      b.create<LLVM::MemcpyOp>(loc, bytePtr(b, local, i64(b, offset)),
                               bytePtr(b, block->getArgument(3), i64(b, offset)), i64(b, size),
                               /*isVolatile=*/false);
    p = local;
  }
  SmallVector<Value> args{p, block->getArgument(0), block->getArgument(1),
                          block->getArgument(2)};
  if (kernelTakesEnv(callee.getName()))
    args.push_back(block->getArgument(4));
  b.create<LLVM::CallOp>(loc, callee, args);
  b.create<LLVM::ReturnOp>(loc, ValueRange{});
  return {fn, real};
}

/// `void qopt_profile_step(env, step, phase)`: calls env->profile when it is set. Internal, so
/// O3 inlines it; without a hook each step costs a load and a branch.
LLVM::LLVMFuncOp Lowering::emitProfileHelper(OpBuilder &b) {
  MLIRContext *ctx = module.getContext();
  auto i32 = b.getI32Type();
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto hookType = LLVM::LLVMFunctionType::get(voidType, {ptrType, i32, i32});
  auto fn = b.create<LLVM::LLVMFuncOp>(loc, "qopt_profile_step",
                                       LLVM::LLVMFunctionType::get(voidType, {ptrType, i32, i32}),
                                       LLVM::Linkage::Internal);
  Block *entryBlock = fn.addEntryBlock(b);
  Block *callBlock = new Block(), *done = new Block();
  fn.getBody().push_back(callBlock);
  fn.getBody().push_back(done);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entryBlock);
  Value env = entryBlock->getArgument(0);
  auto load = [&](int64_t offset) -> Value {
    Value p = b.create<LLVM::GEPOp>(loc, ptrType, b.getI8Type(), env,
                                    ArrayRef<LLVM::GEPArg>{(int32_t)offset});
    return b.create<LLVM::LoadOp>(loc, ptrType, p);
  };
  Value hook = load(kEnvProfile);
  Value isNull = b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, hook,
                                        b.create<LLVM::ZeroOp>(loc, ptrType));
  b.create<LLVM::CondBrOp>(loc, isNull, done, callBlock);
  b.setInsertionPointToStart(callBlock);
  Value data = load(kEnvProfileData);
  b.create<LLVM::CallOp>(loc, hookType,
                         ValueRange{hook, data, entryBlock->getArgument(1),
                                    entryBlock->getArgument(2)});
  b.create<LLVM::BrOp>(loc, ValueRange{}, done);
  b.setInsertionPointToStart(done);
  b.create<LLVM::ReturnOp>(loc, ValueRange{});
  return fn;
}

DictionaryAttr Lowering::stepInfo(KernelCallOp call) {
  Builder b(module.getContext());
  // Weights and other constants are read once per call whatever the batch; activations per
  // sample (an unbatched intermediate counts whole: it is computed once per call too).
  int64_t weightBytes = 0, activationBytes = valueBytes(call.getResult());
  for (Value in : call.getInputs()) {
    if (homes.lookup(root(in)).kind == Home::constant)
      weightBytes += valueBytes(in);
    else
      activationBytes += valueBytes(in);
  }
  // Useful arithmetic per sample: the patterns record it for the linear ops (2 per multiply-add);
  // for everything else, one per result element.
  int64_t ops = sampleElements(call.getResult().getType());
  if (auto recorded = call->getAttrOfType<IntegerAttr>("qopt.ops_per_sample"))
    ops = recorded.getInt();
  return b.getDictionaryAttr({
      b.getNamedAttr("name", b.getStringAttr(layerName(call.getLoc(), call.getCallee()))),
      b.getNamedAttr("kernel", call.getCalleeAttr()),
      b.getNamedAttr("ops_per_sample", b.getI64IntegerAttr(ops)),
      b.getNamedAttr("weight_bytes", b.getI64IntegerAttr(weightBytes)),
      b.getNamedAttr("activation_bytes_per_sample", b.getI64IntegerAttr(activationBytes)),
  });
}

LogicalResult Lowering::run() {
  if (failed(plan()) || failed(emit()))
    return failure();
  // What the model file must record about this code (read by the exporter).
  MLIRContext *ctx = module.getContext();
  Builder b(ctx);
  SmallVector<Attribute> values;
  for (Value c : constants)
    values.push_back(c.getDefiningOp<ConstantOp>().getValue());
  module->setAttr("qopt.native",
                  b.getDictionaryAttr({
                      b.getNamedAttr("arena_bytes_per_sample",
                                     b.getI64IntegerAttr(batchedBytes + scratchPerSample)),
                      b.getNamedAttr("arena_bytes_fixed",
                                     b.getI64IntegerAttr(fixedBytes + scratchFixed)),
                      b.getNamedAttr("batch_parallel", b.getBoolAttr(dynamicBatch && batchParallel)),
                      b.getNamedAttr("constants", b.getArrayAttr(values)),
                      b.getNamedAttr("steps", b.getArrayAttr(steps)),
                  }));
  func.erase();
  return success();
}

struct ConvertKernelsToLLVMPass
    : impl::ConvertKernelsToLLVMPassBase<ConvertKernelsToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.size() != 1 || !funcs.front().getBody().hasOneBlock()) {
      module.emitError("native code is built from a module with exactly one function of one "
                       "block, found ")
          << funcs.size() << " functions";
      return signalPassFailure();
    }
    Lowering lowering(module, funcs.front());
    if (failed(lowering.run()))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::qopt::lowering
