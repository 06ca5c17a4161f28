/* qopt runtime: loads a compiled qopt model (.fb) and runs its native code. Plain C; no LLVM or
 * MLIR behind it. Link with -lqopt_runtime.
 *
 *   qopt_model *model;
 *   qopt_error err;
 *   if (qopt_model_load_file("mlp.int8.fb", NULL, &model, &err) != QOPT_OK) {
 *     fprintf(stderr, "%s\n", err.message);
 *     return 1;
 *   }
 *   int64_t shape[2] = {batch, 784};
 *   qopt_input in = {"image", pixels, sizeof(float) * batch * 784, 2, shape};
 *   qopt_output out = {"logits", logits, sizeof(logits)};
 *   if (qopt_model_run(model, &in, 1, &out, 1, &err) != QOPT_OK) ...
 *   qopt_model_free(model);
 *
 * Errors: every function that can fail returns a qopt_status and, when `err` is not NULL, fills it
 * with the same status and a message naming what failed and where (e.g. "input 'image': expected
 * shape [?,784], got [3,28,28]"). Nothing in the runtime aborts or exits on bad input, and no
 * function keeps an error state between calls, so the functions are safe to call from any thread.
 *
 * Loading verifies the model (the FlatBuffers verifier and qopt's semantic checks), checks the
 * SHA-256 and ABI version of its native code, and picks the best code section this CPU can run:
 * among those whose every cpu_feature is present, avx512bf16 before avx512vnni before avx2 before
 * anything else. The environment variable QOPT_CPU_MASK (e.g. "avx512vnni,avx512bf16") hides CPU
 * features from that choice. Weights are read in place from the loaded bytes, never copied.
 *
 * Threads: one loaded model may be run from several threads at once (qopt_model_run takes a const
 * model; each run allocates its own arena). Its worker threads are shared by those runs. */
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

/* The defaults: num_threads 0, flags 0. Passing NULL options means the same. */
QOPT_RT_API void qopt_load_options_init(qopt_load_options *options);

/* Loads a model file, memory-mapped read-only. On success *model is set, else it is NULL. */
QOPT_RT_API qopt_status qopt_model_load_file(const char *path, const qopt_load_options *options,
                                             qopt_model **model, qopt_error *err);

/* Loads a model from memory (see QOPT_LOAD_BORROW_BYTES). */
QOPT_RT_API qopt_status qopt_model_load_bytes(const void *data, size_t size,
                                              const qopt_load_options *options,
                                              qopt_model **model, qopt_error *err);

/* Frees a model and stops its threads. NULL is allowed. No run may be in progress. */
QOPT_RT_API void qopt_model_free(qopt_model *model);

/* Changes the thread count (as qopt_load_options.num_threads). No run may be in progress. */
QOPT_RT_API qopt_status qopt_model_set_num_threads(qopt_model *model, int32_t num_threads,
                                                   qopt_error *err);
QOPT_RT_API int32_t qopt_model_num_threads(const qopt_model *model);

/* ---- Introspection. Strings and arrays returned live as long as the model. ---- */

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
 * when the code allows it. Safe to call concurrently on one model. */
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

/* This CPU's features as the runtime sees them (after QOPT_CPU_MASK), space separated. */
QOPT_RT_API qopt_status qopt_host_cpu_features(char *buffer, size_t size, qopt_error *err);
/* "QOPT_ERR_SHAPE"; "f32". */
QOPT_RT_API const char *qopt_status_name(qopt_status status);
QOPT_RT_API const char *qopt_dtype_name(qopt_dtype dtype);
/* QOPT_NATIVE_ABI_VERSION of this runtime. */
QOPT_RT_API uint32_t qopt_runtime_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif
