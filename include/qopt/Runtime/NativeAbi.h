/* The contract between a model's native code and the runtime that calls it.
 *
 * The backend (lib/Conversion/QOptToLLVM) compiles a graph into one entry function in a
 * position-independent shared object with no dependencies; the runtime (lib/Runtime) loads it from
 * the model's NativeCode section and calls it. Neither side may assume more than this header says.
 * Plain C with fixed-width types only: the generated code, the runtime and user programs all see
 * the same layout on x86-64 System V.
 *
 * The generated code calls no libc, never allocates and never aborts. What it needs from outside
 * comes through `qopt_native_env`. Every graph tensor is dense row-major in its storage type
 * (f32, f16/bf16 as 16-bit words, u8/i8/i32 quantized storage).
 */
#ifndef QOPT_RUNTIME_NATIVEABI_H
#define QOPT_RUNTIME_NATIVEABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a structure below changes; NativeCode.abi_version records the one the code was
 * built against and the runtime refuses others. */
#define QOPT_NATIVE_ABI_VERSION 2

/* A range task: processes items [begin, end). */
typedef void (*qopt_native_task_fn)(void *closure, int64_t begin, int64_t end);

typedef struct qopt_native_env {
  /* Runs fn over [0, n) in chunks of at least `grain` items on the runtime's threads (the calling
   * thread included) and returns when all chunks have run. Chunks may run in any order. */
  void (*parallel_for)(void *runtime, int64_t n, int64_t grain, qopt_native_task_fn fn,
                       void *closure);
  void *runtime;       /* passed back as the first argument of parallel_for */
  int32_t num_threads; /* how many threads parallel_for may use (1: run inline) */
  int32_t reserved;
  /* Since version 2. When not NULL, the code calls profile(profile_data, step, 0) before and
   * profile(profile_data, step, 1) after each step: the kernel calls of the entry, numbered in
   * execution order as NativeCode.steps lists them. NULL costs one test per step. */
  void (*profile)(void *profile_data, int32_t step, int32_t phase);
  void *profile_data;
} qopt_native_env;

typedef struct qopt_native_args {
  /* Samples in this call. A model whose inputs have a dynamic leading dimension takes any batch
   * >= 1 (the runtime may split a user's batch into slices when NativeCode.batch_parallel is set);
   * a model with fully static shapes takes exactly 1. */
  int64_t batch;
  const void *const *inputs;    /* graph inputs, in signature order (Graph.inputs) */
  void *const *outputs;         /* graph outputs, in signature order (Graph.outputs) */
  const void *const *constants; /* NativeCode.constants[i] resolved to Model.buffers[..].data */
  /* NativeCode.arena_bytes_per_sample * batch + arena_bytes_fixed bytes, 64-byte aligned, owned by
   * this call alone. */
  void *arena;
  const qopt_native_env *env;
} qopt_native_args;

/* The entry point (NativeCode.entry_symbol). Returns 0, or a nonzero QOPT_NATIVE_ERR_* code. */
typedef int32_t (*qopt_native_entry_fn)(const qopt_native_args *args);

enum {
  QOPT_NATIVE_OK = 0,
  QOPT_NATIVE_ERR_BATCH = 1, /* batch < 1, or != 1 for a model with static shapes */
};

#ifdef __cplusplus
}
#endif

#endif
