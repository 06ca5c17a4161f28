// .npy files as the host tensors the engines take: the dtype that carries an MLIR element type,
// and the checked conversion both ways. The MLIR-free part of the work is in
// qopt/Runtime/Data.h; this adds what needs the model's types.
#ifndef QOPT_ENGINE_TENSORIO_H
#define QOPT_ENGINE_TENSORIO_H

#include "qopt/Reference/Executor.h"
#include "qopt/Runtime/Npy.h"

#include <string>

namespace mlir::qopt::engine {

/// The .npy dtype that carries values of an element type (the storage type for quantized ones):
/// "f4" for f32 / f16 / bf16, "i1" for i8, ...; "?" when none does.
std::string npyDtypeFor(Type elt);

/// "[?,4]" for a shape with dynamic dimensions.
std::string shapeStr(ArrayRef<int64_t> shape);

/// Converts a loaded .npy to a tensor for an input of `type`. `what` names the input in messages:
/// "input 'x' (x.npy): expected dtype f4 (the model's f32 elements), got f8".
FailureOr<ref::Tensor> tensorFromNpy(const NpyArray &a, RankedTensorType type,
                                     const std::string &what, std::string &error);

/// The .npy of an output tensor, in npyDtypeFor(its element type).
NpyArray npyFromTensor(const ref::Tensor &t);

} // namespace mlir::qopt::engine

#endif
