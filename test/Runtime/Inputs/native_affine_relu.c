/* Hand-written native code for the runtime's tests, standing in for what the backend generates:
 * a freestanding shared object (no libc) implementing the entry of NativeAbi.h for the graph
 *   y = relu(x * w + c),   x, y: [batch, 4] f32,   w = constants[0], c = constants[1]: [4] f32.
 * It exercises what real code relies on: the constant table, the arena (x * w goes through it),
 * and env->parallel_for over the rows.
 *
 * Built with -ffp-contract=off so that x * w + c rounds twice, as the reference executor's
 * separate mul and add do. */
#include "qopt/Runtime/NativeAbi.h"

#define QOPT_TEST_ERR_ARENA 100 /* the arena is NULL or not 64-byte aligned */

typedef struct {
  const qopt_native_args *args;
} closure_t;

static void rows(void *p, int64_t begin, int64_t end) {
  const qopt_native_args *a = ((const closure_t *)p)->args;
  const float *x = (const float *)a->inputs[0];
  const float *w = (const float *)a->constants[0];
  const float *c = (const float *)a->constants[1];
  float *t = (float *)a->arena; /* arena_bytes_per_sample = 16: one row of x * w */
  float *y = (float *)a->outputs[0];
  for (int64_t r = begin; r < end; ++r)
    for (int j = 0; j < 4; ++j)
      t[r * 4 + j] = x[r * 4 + j] * w[j];
  for (int64_t r = begin; r < end; ++r)
    for (int j = 0; j < 4; ++j) {
      float v = t[r * 4 + j] + c[j];
      y[r * 4 + j] = v > 0.0f ? v : 0.0f;
    }
}

static int32_t run(const qopt_native_args *a) {
  if (!a->arena || ((uintptr_t)a->arena & 63))
    return QOPT_TEST_ERR_ARENA;
  closure_t cl = {a};
  if (a->env->num_threads > 1)
    a->env->parallel_for(a->env->runtime, a->batch, 1, rows, &cl);
  else
    rows(&cl, 0, a->batch);
  return QOPT_NATIVE_OK;
}

/* [?,4] -> [?,4]: any batch. */
int32_t qopt_test_dynamic(const qopt_native_args *a) {
  if (a->batch < 1)
    return QOPT_NATIVE_ERR_BATCH;
  return run(a);
}

/* [1,4] -> [1,4]: static shapes take batch 1 only. */
int32_t qopt_test_static(const qopt_native_args *a) {
  if (a->batch != 1)
    return QOPT_NATIVE_ERR_BATCH;
  return run(a);
}

/* Built a second time with QOPT_TEST_MARK=2, so that a test can tell two loaded codes apart. */
#ifndef QOPT_TEST_MARK
#define QOPT_TEST_MARK 1
#endif

/* For the batch-splitting tests, not a real model: row r of y gets {batch of this call, r within
 * the call, env->num_threads, QOPT_TEST_MARK}, which shows how the runtime sliced a batch. */
int32_t qopt_test_report_batch(const qopt_native_args *a) {
  float *y = (float *)a->outputs[0];
  for (int64_t r = 0; r < a->batch; ++r) {
    y[r * 4 + 0] = (float)a->batch;
    y[r * 4 + 1] = (float)r;
    y[r * 4 + 2] = (float)a->env->num_threads;
    y[r * 4 + 3] = (float)QOPT_TEST_MARK;
  }
  return QOPT_NATIVE_OK;
}
