/* A C program that uses nothing but qopt_runtime.h: it loads the runtime's hand-built test model
 * (y = relu(x * w + c) on [?,4] f32, see tools/qopt-native-testmodel), checks what introspection
 * says about it, runs it at a few batch sizes from a file and from bytes, and compares every
 * output with the same formula computed here. Prints "ok" and exits 0 when all match.
 *
 *   qopt-capi-test MODEL.fb        run and check
 *   qopt-capi-test --load MODEL.fb only load; on failure print the status name and message */
#include "qopt_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const float kW[4] = {1.5f, -2.0f, 0.5f, 3.0f};
static const float kC[4] = {0.25f, 1.0f, -1.0f, 0.0f};

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);                                       \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fprintf(stderr, "\n");                                                                       \
      ++failures;                                                                                  \
    }                                                                                              \
  } while (0)

static float expected(float x, int j) {
  volatile float t = x * kW[j]; /* two roundings, as the graph's separate mul and add */
  float v = t + kC[j];
  return v > 0.0f ? v : 0.0f;
}

static void runAt(const qopt_model *model, int64_t batch) {
  size_t n = (size_t)batch * 4;
  float *x = malloc(n * sizeof(float));
  float *y = malloc(n * sizeof(float));
  size_t i;
  for (i = 0; i < n; ++i)
    x[i] = (float)((int)(i * 7919 % 23) - 11) / 4.0f;
  int64_t shape[2] = {batch, 4};
  qopt_input in = {"x", x, n * sizeof(float), 2, shape};
  qopt_output out;
  memset(&out, 0, sizeof(out));
  out.name = "y";
  out.data = y;
  out.capacity_bytes = n * sizeof(float);
  qopt_error err;
  qopt_status s = qopt_model_run(model, &in, 1, &out, 1, &err);
  CHECK(s == QOPT_OK, "run at batch %lld: %s: %s", (long long)batch, qopt_status_name(s),
        err.message);
  if (s == QOPT_OK) {
    CHECK(out.rank == 2 && out.shape[0] == batch && out.shape[1] == 4,
          "batch %lld: output shape", (long long)batch);
    for (i = 0; i < n; ++i)
      if (memcmp(&y[i], &(float){expected(x[i], (int)(i % 4))}, sizeof(float)) != 0) {
        CHECK(0, "batch %lld: y[%zu] = %g, expected %g", (long long)batch, i, y[i],
              expected(x[i], (int)(i % 4)));
        break;
      }
  }
  free(x);
  free(y);
}

int main(int argc, char **argv) {
  qopt_error err;
  qopt_model *model = NULL;
  if (argc == 3 && strcmp(argv[1], "--load") == 0) {
    qopt_status s = qopt_model_load_file(argv[2], NULL, &model, &err);
    if (s != QOPT_OK) {
      printf("%s: %s\n", qopt_status_name(s), err.message);
      return 1;
    }
    printf("loaded: target %s\n", qopt_model_target(model));
    qopt_model_free(model);
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: qopt-capi-test [--load] MODEL.fb\n");
    return 2;
  }

  qopt_load_options options;
  qopt_load_options_init(&options);
  options.num_threads = 2;
  qopt_status s = qopt_model_load_file(argv[1], &options, &model, &err);
  if (s != QOPT_OK) {
    fprintf(stderr, "load: %s: %s\n", qopt_status_name(s), err.message);
    return 1;
  }
  CHECK(qopt_model_num_threads(model) == 2, "threads");
  CHECK(qopt_model_has_dynamic_batch(model) == 1, "dynamic batch");
  CHECK(qopt_model_num_inputs(model) == 1 && qopt_model_num_outputs(model) == 1, "port counts");
  qopt_tensor_info info;
  s = qopt_model_input_info(model, 0, &info, &err);
  CHECK(s == QOPT_OK && strcmp(info.name, "x") == 0 && info.dtype == QOPT_F32 &&
            info.element_size == 4 && info.rank == 2 && info.shape[0] == -1 && info.shape[1] == 4,
        "input info");
  s = qopt_model_output_info(model, 0, &info, &err);
  CHECK(s == QOPT_OK && strcmp(info.name, "y") == 0 && info.rank == 2, "output info");
  s = qopt_model_output_info(model, 1, &info, &err);
  CHECK(s == QOPT_ERR_INVALID_ARGUMENT && err.status == s && strstr(err.message, "out of range"),
        "output index 1: %s", err.message);
  printf("target %s (%s)\n", qopt_model_target(model), qopt_model_cpu_features(model));

  runAt(model, 1);
  runAt(model, 3);
  runAt(model, 64);

  /* A wrong name comes back as a status and a message, not a crash. */
  float x[4] = {0}, y[4];
  int64_t shape[2] = {1, 4};
  qopt_input in = {"image", x, sizeof(x), 2, shape};
  qopt_output out = {"y", y, sizeof(y), 0, {0}};
  s = qopt_model_run(model, &in, 1, &out, 1, &err);
  CHECK(s == QOPT_ERR_BINDING && strstr(err.message, "no input 'image'"), "bad name: %s",
        err.message);
  qopt_model_free(model);

  /* From bytes, deliberately misaligned: the runtime copies them into an aligned buffer. */
  FILE *f = fopen(argv[1], "rb");
  CHECK(f != NULL, "reopen");
  if (f) {
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *raw = malloc((size_t)size + 1);
    size_t got = fread(raw + 1, 1, (size_t)size, f);
    fclose(f);
    CHECK(got == (size_t)size, "read");
    s = qopt_model_load_bytes(raw + 1, (size_t)size, NULL, &model, &err);
    CHECK(s == QOPT_OK, "load bytes: %s", err.message);
    free(raw); /* copied: the model must not need the caller's bytes */
    if (s == QOPT_OK) {
      runAt(model, 5);
      qopt_model_free(model);
    }
  }

  if (failures)
    return 1;
  printf("ok\n");
  return 0;
}
