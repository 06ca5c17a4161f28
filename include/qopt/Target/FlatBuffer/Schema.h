// The generated model API, visible from mlir::qopt as `fb::` (the schema's namespace is qopt::fb).
#ifndef QOPT_TARGET_FLATBUFFER_SCHEMA_H
#define QOPT_TARGET_FLATBUFFER_SCHEMA_H

// flatc's generated code trips warnings that are not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wcovered-switch-default"
#include "qopt/Schema/qopt_model_generated.h"
#pragma GCC diagnostic pop

namespace mlir::qopt {
namespace fb = ::qopt::fb;
} // namespace mlir::qopt

#endif
