/* qopt runtime: loads a compiled qopt model (.fb, written by qopt-compile) and runs its native
 * code. Plain C99; nothing of LLVM or MLIR behind it, and this header needs only <stddef.h> and
 * <stdint.h>. Build against an installed qopt with find_package(qopt) and the target
 * qopt::runtime, or `pkg-config --cflags --libs qopt`; include it as <qopt/Runtime/qopt_runtime.h>.
 * examples/c-api/classify.c is a complete program.
 *
 * Example: classify a batch of 28x28 images with a model whose input is "image" [?,1,28,28] f32 and
 * whose output is "logits" [?,10] f32.
 *
 *   #include <qopt/Runtime/qopt_runtime.h>
 *   #include <stdio.h>
 *
 *   int classify(const char *path, const float *pixels, int64_t batch, int64_t *classes) {
 *     qopt_model *model;
 *     qopt_error err;
 *     if (qopt_model_load_file(path, NULL, &model, &err) != QOPT_OK) {
 *       fprintf(stderr, "%s: %s\n", qopt_status_name(err.status), err.message);
 *       return -1;
 *     }
 *     int64_t shape[4] = {batch, 1, 28, 28};
 *     qopt_input in = {"image", pixels, sizeof(float) * (size_t)batch * 784, 4, shape};
 *     float logits[64 * 10];                       // this sketch: batch <= 64
 *     qopt_output out = {"logits", logits, sizeof logits, 0, {0}};
 *     int rc = 0;
 *     if (qopt_model_run(model, &in, 1, &out, 1, &err) != QOPT_OK) {
 *       fprintf(stderr, "%s: %s\n", qopt_status_name(err.status), err.message);
 *       rc = -1;
 *     } else {
 *       for (int64_t b = 0; b < batch; ++b) {     // out.shape is now {batch, 10}
 *         int64_t best = 0;
 *         for (int64_t c = 1; c < out.shape[1]; ++c)
 *           if (logits[b * 10 + c] > logits[b * 10 + best])
 *             best = c;
 *         classes[b] = best;
 *       }
 *     }
 *     qopt_model_free(model);
 *     return rc;
 *   }
 *
 * A real program asks the model for its inputs and outputs (qopt_model_input_info,
 * qopt_model_output_info) instead of assuming names and shapes, and loads the model once.
 *
 * Errors. Every function that can fail returns a qopt_status and, when `err` is not NULL, fills
 * it with the same status and a NUL-terminated message naming what failed and where, e.g.
 * "input 'image': expected shape [?,1,28,28], got [3,28,28]"; on success err->status is QOPT_OK
 * and the message is empty. Nothing in the runtime aborts, exits or prints on bad input, and
 * no C++ exception leaves it (running out of memory is QOPT_ERR_OUT_OF_MEMORY).
 *
 * Ownership and lifetime.
 *  - A qopt_model is created by qopt_model_load_file / qopt_model_load_bytes and owned by the
 *    caller until qopt_model_free, which must not run while a qopt_model_run on it is in progress.
 *  - Strings and arrays the model returns (names, shapes, target, features) live as long as the
 *    model; the caller never frees them.
 *  - The caller owns every input and output buffer; the runtime keeps no pointer to them after
 *    qopt_model_run returns. Loading from a file maps it read-only; loading from bytes copies
 *    them unless QOPT_LOAD_BORROW_BYTES is given.
 *  - Weights are read in place from the loaded bytes, never copied.
 *
 * Threads.
 *  - One loaded model may be run from several threads at once: qopt_model_run takes a const
 *    model and each run allocates its own memory. The model's worker threads
 *    (qopt_load_options.num_threads) are shared by those runs.
 *  - qopt_model_free and qopt_model_set_num_threads need the model to themselves: no run may be
 *    in progress on it.
 *  - Different models are independent. The functions keep no global or per-thread error state.
 *
 * Loading verifies the model (the FlatBuffers verifier, qopt's semantic checks and the file's
 * SHA-256), checks the SHA-256 and ABI version of its native code, and picks the best code
 * section this CPU can run: among those whose every cpu_feature is present, avx512bf16 before
 * avx512vnni before avx2 before anything else. The environment variable QOPT_CPU_MASK (e.g.
 * "avx512vnni,avx512bf16") hides CPU features from that choice. */
#ifndef QOPT_RUNTIME_QOPT_RUNTIME_H
#define QOPT_RUNTIME_QOPT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define QOPT_RT_API __attribute__((visibility("default")))
#else
#define QOPT_RT_API
#endif

typedef enum qopt_status {
  QOPT_OK = 0,
  QOPT_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, an index out of range, bad options */
  QOPT_ERR_IO = 2,               /* the model file cannot be opened, read or mapped */
  QOPT_ERR_INVALID_MODEL = 3,    /* the model fails verification (structure, indices, sizes) */
  QOPT_ERR_NO_NATIVE_CODE = 4,   /* the model has no native code section (a graph-only model) */
  QOPT_ERR_UNSUPPORTED_CPU = 5,  /* no code section runs on this CPU; the message names the
                                    missing features per target */
  QOPT_ERR_CODE_HASH = 6,        /* NativeCode.code does not match its code_sha256 */
  QOPT_ERR_ABI_VERSION = 7,      /* code built for another QOPT_NATIVE_ABI_VERSION */
  QOPT_ERR_CODE_LOAD = 8,        /* the shared object cannot be loaded or lacks its entry */
  QOPT_ERR_BINDING = 9,          /* run: unknown, missing or repeated input/output name */
  QOPT_ERR_SHAPE = 10,           /* run: wrong shape, batch or byte size */
  QOPT_ERR_OUT_OF_MEMORY = 11,
  QOPT_ERR_EXECUTION = 12        /* the native code returned an error code */
} qopt_status;

#define QOPT_ERROR_MESSAGE_SIZE 1024

typedef struct qopt_error {
  qopt_status status;
  char message[QOPT_ERROR_MESSAGE_SIZE]; /* NUL-terminated; truncated if longer */
} qopt_error;

/* Element types, numbered as the model schema's DType. */
typedef enum qopt_dtype {
  QOPT_F32 = 0,
  QOPT_F16 = 1, /* IEEE half, as 16-bit words */
  QOPT_BF16 = 2,
  QOPT_F64 = 3,
  QOPT_I8 = 4,
  QOPT_U8 = 5,
  QOPT_I16 = 6,
  QOPT_U16 = 7,
  QOPT_I32 = 8,
  QOPT_U32 = 9,
  QOPT_I64 = 10,
  QOPT_U64 = 11,
  QOPT_BOOL = 12
} qopt_dtype;

/* The largest rank of a model input or output; models with larger ones are refused at load. */
#define QOPT_MAX_RANK 8

typedef struct qopt_model qopt_model;

/* Load flags. */
enum {
  /* qopt_model_load_bytes: use the caller's bytes in place when they are 64-byte aligned (they
   * must then stay valid and unchanged until qopt_model_free). Misaligned bytes are copied
   * anyway. Without this flag the bytes are always copied. */
  QOPT_LOAD_BORROW_BYTES = 1
};

typedef struct qopt_load_options {
  /* Threads that work on one run, the calling thread included. 0: one per CPU this process may
   * use; 1: run everything on the calling thread. */
  int32_t num_threads;
  uint32_t flags; /* QOPT_LOAD_* */
} qopt_load_options;

/* The defaults: num_threads 0, flags 0. Passing NULL options means the same. NULL is ignored. */
QOPT_RT_API void qopt_load_options_init(qopt_load_options *options);

/* Loads a model file, memory-mapped read-only. On success *model is set, else it is NULL.
 * Errors: QOPT_ERR_INVALID_ARGUMENT (model or path NULL, num_threads < 0, a QOPT_CPU_MASK naming
 * an unknown feature); QOPT_ERR_IO (cannot open, not a regular file, cannot map);
 * QOPT_ERR_INVALID_MODEL (empty, fails verification or its checksum, an input or output of an
 * unsupported type or rank > QOPT_MAX_RANK);
 * QOPT_ERR_NO_NATIVE_CODE; QOPT_ERR_UNSUPPORTED_CPU; QOPT_ERR_CODE_HASH; QOPT_ERR_ABI_VERSION;
 * QOPT_ERR_CODE_LOAD; QOPT_ERR_OUT_OF_MEMORY. */
QOPT_RT_API qopt_status qopt_model_load_file(const char *path, const qopt_load_options *options,
                                             qopt_model **model, qopt_error *err);

/* Loads a model from `size` bytes at `data` (see QOPT_LOAD_BORROW_BYTES). Errors as
 * qopt_model_load_file, with QOPT_ERR_INVALID_ARGUMENT for NULL data and QOPT_ERR_INVALID_MODEL for
 * size 0 instead of the I/O errors. */
QOPT_RT_API qopt_status qopt_model_load_bytes(const void *data, size_t size,
                                              const qopt_load_options *options,
                                              qopt_model **model, qopt_error *err);

/* Frees a model and stops its threads; the strings it returned become invalid. NULL is allowed.
 * No run may be in progress. */
QOPT_RT_API void qopt_model_free(qopt_model *model);

/* Changes the thread count (as qopt_load_options.num_threads). No run may be in progress.
 * Errors: QOPT_ERR_INVALID_ARGUMENT (model NULL, num_threads < 0). qopt_model_num_threads gives
 * the count in use (0 for NULL). */
QOPT_RT_API qopt_status qopt_model_set_num_threads(qopt_model *model, int32_t num_threads,
                                                   qopt_error *err);
QOPT_RT_API int32_t qopt_model_num_threads(const qopt_model *model);

/* ---- Introspection. Strings and arrays returned live as long as the model. These cannot fail:
 * given a NULL model they return "" or 0. ---- */

/* The chosen code section's target ("avx512vnni") and its required features, space separated. */
QOPT_RT_API const char *qopt_model_target(const qopt_model *model);
QOPT_RT_API const char *qopt_model_cpu_features(const qopt_model *model);

/* 1 when the inputs' leading dimension is dynamic (any batch >= 1), 0 for fully static shapes
 * (run exactly those shapes). */
QOPT_RT_API int32_t qopt_model_has_dynamic_batch(const qopt_model *model);

typedef struct qopt_tensor_info {
  const char *name;
  qopt_dtype dtype;        /* the storage type of the data passed in or out */
  size_t element_size;     /* bytes per element */
  int32_t rank;
  const int64_t *shape;    /* rank entries; -1 marks the dynamic batch dimension */
  int32_t quantized;       /* 1: per-tensor quantized, real = scale * (q - zero_point) */
  double scale;
  int64_t zero_point;
} qopt_tensor_info;

/* Inputs and outputs are numbered 0 .. count-1, in the order of the model's signature. The info
 * functions fail with QOPT_ERR_INVALID_ARGUMENT for a NULL model or info, or an index out of
 * range; `info` then stays unchanged. */
QOPT_RT_API int32_t qopt_model_num_inputs(const qopt_model *model);
QOPT_RT_API int32_t qopt_model_num_outputs(const qopt_model *model);
QOPT_RT_API qopt_status qopt_model_input_info(const qopt_model *model, int32_t index,
                                              qopt_tensor_info *info, qopt_error *err);
QOPT_RT_API qopt_status qopt_model_output_info(const qopt_model *model, int32_t index,
                                               qopt_tensor_info *info, qopt_error *err);

/* ---- Running ---- */

typedef struct qopt_input {
  const char *name;     /* a model input; NULL binds to the input at this array position */
  const void *data;     /* dense row-major, in the input's dtype */
  size_t size_bytes;    /* exactly the bytes of `shape` */
  int32_t rank;
  const int64_t *shape; /* the model's shape, with the batch size for a dynamic batch */
} qopt_input;

typedef struct qopt_output {
  const char *name;             /* a model output; NULL binds to the output at this position */
  void *data;                   /* written dense row-major, in the output's dtype */
  size_t capacity_bytes;        /* at least the output's size at this batch */
  int32_t rank;                 /* set by qopt_model_run */
  int64_t shape[QOPT_MAX_RANK]; /* set by qopt_model_run */
} qopt_output;

/* Runs the model once. Every input must be given once; any subset of the outputs may be asked
 * for (the others are computed into scratch memory). With a dynamic batch the batch is the
 * leading dimension shared by all inputs, and runs with at least 2 threads split it across them
 * when the code allows it. Safe to call concurrently on one model. On failure the outputs'
 * contents are unspecified.
 * Errors: QOPT_ERR_INVALID_ARGUMENT (model NULL, inputs or outputs NULL with a count > 0, a bad
 * rank or NULL shape, NULL data for a non-empty tensor); QOPT_ERR_BINDING (an unknown name, a
 * NULL name past the last port, an input or output given twice, a missing input);
 * QOPT_ERR_SHAPE (a shape other than the model's, inputs with different batches, size_bytes not
 * the shape's bytes, an output capacity too small); QOPT_ERR_OUT_OF_MEMORY (the run's memory);
 * QOPT_ERR_EXECUTION (the native code reported an error). */
QOPT_RT_API qopt_status qopt_model_run(const qopt_model *model, const qopt_input *inputs,
                                       size_t num_inputs, qopt_output *outputs,
                                       size_t num_outputs, qopt_error *err);

/* ---- Profiling ---- */

/* One step of the model's code: a kernel call, in execution order. The strings live as long as
 * the model. */
typedef struct qopt_step_info {
  const char *name;                    /* the layer (its ONNX node name), or the kernel */
  const char *kernel;                  /* the kernel function, e.g. "qopt_k_fully_connected" */
  int64_t ops_per_sample;              /* useful arithmetic per sample, 2 per multiply-add */
  int64_t weight_bytes;                /* constants the step reads per call */
  int64_t activation_bytes_per_sample; /* inputs and result per sample */
} qopt_step_info;

/* The number of steps (0 for code compiled before steps were recorded, or a NULL model). */
QOPT_RT_API int32_t qopt_model_num_steps(const qopt_model *model);
/* Step `index`; QOPT_ERR_INVALID_ARGUMENT when out of range. */
QOPT_RT_API qopt_status qopt_model_step_info(const qopt_model *model, int32_t index,
                                             qopt_step_info *info, qopt_error *err);
/* Runs like qopt_model_run, but the batch as one call (no split across threads), and adds each
 * step's wall time in nanoseconds to step_ns[i], i < qopt_model_num_steps(model). For profiles
 * (qopt-run --profile, the compiler's report); the timing calls cost about 50 ns a step. */
QOPT_RT_API qopt_status qopt_model_run_profiled(const qopt_model *model, const qopt_input *inputs,
                                                size_t num_inputs, qopt_output *outputs,
                                                size_t num_outputs, double *step_ns,
                                                qopt_error *err);

/* ---- Miscellaneous ---- */

/* This CPU's features as the runtime sees them (after QOPT_CPU_MASK), space separated, into
 * `buffer` of `size` bytes. Errors: QOPT_ERR_INVALID_ARGUMENT (buffer NULL, size 0, the list
 * does not fit, a bad QOPT_CPU_MASK). */
QOPT_RT_API qopt_status qopt_host_cpu_features(char *buffer, size_t size, qopt_error *err);
/* "QOPT_ERR_SHAPE"; "f32". Unknown values give "unknown status" / "unknown". Never NULL. */
QOPT_RT_API const char *qopt_status_name(qopt_status status);
QOPT_RT_API const char *qopt_dtype_name(qopt_dtype dtype);
/* QOPT_NATIVE_ABI_VERSION of this runtime. */
QOPT_RT_API uint32_t qopt_runtime_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif
