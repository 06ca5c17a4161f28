/* classify: loads a compiled qopt model (.fb) and classifies the images of a NumPy file with it,
 * using only the installed runtime (qopt_runtime.h, libqopt_runtime.so).
 *
 *   classify MODEL.fb IMAGES.npy [LABELS.npy] [--batch N] [--threads N]
 *
 * IMAGES.npy holds float32 samples [N, ...] whose elements per sample match the model's single
 * input (e.g. [N,1,28,28] or [N,784] for a [?,1,28,28] input). Prints one line per image,
 * "<index> <predicted class>", then with LABELS.npy (integers [N]) the accuracy. Exit status 0 on
 * success, 1 on any error (with a message on stderr). */
#include <qopt/Runtime/qopt_runtime.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- A minimal .npy reader: little-endian, C order, versions 1-3, the dtypes used here. ---- */

typedef struct npy_array {
  char dtype[8];     /* "f4", "i8", "u1", ... (byte order stripped) */
  int rank;
  int64_t shape[8];
  int64_t count;     /* elements */
  size_t item_size;  /* bytes per element */
  void *data;
} npy_array;

static int fail(const char *fmt, const char *a, const char *b) {
  fprintf(stderr, "classify: error: ");
  fprintf(stderr, fmt, a, b);
  fprintf(stderr, "\n");
  return 0;
}

/* Finds `key` in the header dict and returns a pointer just past its ':' (or NULL). */
static const char *npy_field(const char *header, const char *key) {
  const char *p = strstr(header, key);
  if (!p)
    return NULL;
  p = strchr(p + strlen(key), ':');
  return p ? p + 1 : NULL;
}

static int npy_read(const char *path, npy_array *a) {
  FILE *f = fopen(path, "rb");
  unsigned char magic[8];
  uint32_t header_len = 0;
  char *header = NULL;
  const char *p;
  int ok = 0;
  memset(a, 0, sizeof(*a));
  if (!f)
    return fail("cannot open '%s'%s", path, "");
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "\x93NUMPY", 6) != 0) {
    fail("'%s' is not a .npy file%s", path, "");
    goto done;
  }
  if (magic[6] == 1) {
    unsigned char len[2];
    if (fread(len, 1, 2, f) != 2)
      goto truncated;
    header_len = (uint32_t)len[0] | (uint32_t)len[1] << 8;
  } else if (magic[6] == 2 || magic[6] == 3) {
    unsigned char len[4];
    if (fread(len, 1, 4, f) != 4)
      goto truncated;
    header_len = (uint32_t)len[0] | (uint32_t)len[1] << 8 | (uint32_t)len[2] << 16 |
                 (uint32_t)len[3] << 24;
  } else {
    fail("'%s': unknown .npy version%s", path, "");
    goto done;
  }
  if (header_len > 1 << 16) {
    fail("'%s': .npy header too long%s", path, "");
    goto done;
  }
  header = calloc(header_len + 1, 1);
  if (!header || fread(header, 1, header_len, f) != header_len)
    goto truncated;

  p = npy_field(header, "'descr'");
  while (p && (*p == ' ' || *p == '\''))
    ++p;
  if (!p || (*p != '<' && *p != '|' && *p != '=') || !p[1] || !p[2] ||
      (p[3] != '\'' && p[3] != '\0')) {
    fail("'%s': only little-endian numeric .npy files are read%s", path, "");
    goto done;
  }
  a->dtype[0] = p[1];
  a->dtype[1] = p[2];
  a->item_size = (size_t)(p[2] - '0');
  p = npy_field(header, "'fortran_order'");
  if (!p || strstr(p, "False") != p + strspn(p, " ")) {
    fail("'%s': Fortran-ordered arrays are not read%s", path, "");
    goto done;
  }
  p = npy_field(header, "'shape'");
  p = p ? strchr(p, '(') : NULL;
  if (!p) {
    fail("'%s': the .npy header has no shape%s", path, "");
    goto done;
  }
  ++p;
  a->count = 1;
  for (;;) {
    char *end;
    long long d;
    p += strspn(p, " ,");
    if (*p == ')')
      break;
    d = strtoll(p, &end, 10);
    if (end == p || d < 0 || a->rank == 8) {
      fail("'%s': bad shape in the .npy header%s", path, "");
      goto done;
    }
    a->shape[a->rank++] = d;
    a->count *= d;
    p = end;
  }
  a->data = malloc(a->count * a->item_size + 1);
  if (!a->data || fread(a->data, a->item_size, (size_t)a->count, f) != (size_t)a->count)
    goto truncated;
  ok = 1;
  goto done;
truncated:
  fail("'%s' is truncated%s", path, "");
done:
  free(header);
  fclose(f);
  if (!ok) {
    free(a->data);
    a->data = NULL;
  }
  return ok;
}

/* Element k of an integer array as int64 (1, 2, 4 or 8 bytes, signed 'i' or unsigned 'u'). */
static int64_t npy_int(const npy_array *a, int64_t k) {
  const unsigned char *p = (const unsigned char *)a->data + k * a->item_size;
  int signed_type = a->dtype[0] == 'i';
  switch (a->item_size) {
  case 1: { uint8_t v; memcpy(&v, p, 1); return signed_type ? (int64_t)(int8_t)v : (int64_t)v; }
  case 2: { uint16_t v; memcpy(&v, p, 2); return signed_type ? (int64_t)(int16_t)v : (int64_t)v; }
  case 4: { uint32_t v; memcpy(&v, p, 4); return signed_type ? (int64_t)(int32_t)v : (int64_t)v; }
  default: { int64_t v; memcpy(&v, p, 8); return v; }
  }
}

/* ---- Classification ---- */

/* The index of the largest of `n` scores (the first on ties), scores stored as `dtype`. Integer
 * outputs are per-tensor quantized with a positive scale, so their order is the real values'. */
static int64_t argmax(const void *row, qopt_dtype dtype, int64_t n) {
  int64_t best = 0, c;
  for (c = 1; c < n; ++c) {
    int greater;
    switch (dtype) {
    case QOPT_F32: greater = ((const float *)row)[c] > ((const float *)row)[best]; break;
    case QOPT_I8: greater = ((const int8_t *)row)[c] > ((const int8_t *)row)[best]; break;
    case QOPT_U8: greater = ((const uint8_t *)row)[c] > ((const uint8_t *)row)[best]; break;
    default: greater = ((const int32_t *)row)[c] > ((const int32_t *)row)[best]; break;
    }
    if (greater)
      best = c;
  }
  return best;
}

int main(int argc, char **argv) {
  const char *model_path = NULL, *images_path = NULL, *labels_path = NULL;
  long batch = 64, threads = 0;
  int i, status = 1;
  qopt_load_options options;
  qopt_model *model = NULL;
  qopt_tensor_info in_info, out_info;
  qopt_error err;
  npy_array images, labels;
  int64_t per_sample = 1, samples, classes, correct = 0, begin, d;
  int64_t in_shape[QOPT_MAX_RANK];
  float *batch_in = NULL;
  unsigned char *batch_out = NULL;
  int64_t *predicted = NULL;
  memset(&images, 0, sizeof(images));
  memset(&labels, 0, sizeof(labels));

  for (i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
      batch = strtol(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = strtol(argv[++i], NULL, 10);
    else if (!model_path)
      model_path = argv[i];
    else if (!images_path)
      images_path = argv[i];
    else if (!labels_path)
      labels_path = argv[i];
    else
      model_path = NULL, i = argc; /* too many arguments */
  }
  if (!model_path || !images_path || batch < 1 || threads < 0) {
    fprintf(stderr, "usage: classify MODEL.fb IMAGES.npy [LABELS.npy] [--batch N >= 1] "
                    "[--threads N >= 0]\n");
    return 2;
  }

  /* Load, then ask the model what it takes and gives instead of assuming it. */
  qopt_load_options_init(&options);
  options.num_threads = (int32_t)threads;
  if (qopt_model_load_file(model_path, &options, &model, &err) != QOPT_OK) {
    fprintf(stderr, "classify: error: %s: %s\n", qopt_status_name(err.status), err.message);
    return 1;
  }
  if (qopt_model_num_inputs(model) != 1 || qopt_model_num_outputs(model) < 1) {
    fprintf(stderr, "classify: error: %s: expected one input and an output\n", model_path);
    goto done;
  }
  if (qopt_model_input_info(model, 0, &in_info, &err) != QOPT_OK ||
      qopt_model_output_info(model, 0, &out_info, &err) != QOPT_OK) {
    fprintf(stderr, "classify: error: %s\n", err.message);
    goto done;
  }
  if (in_info.dtype != QOPT_F32 || in_info.rank < 1) {
    fprintf(stderr, "classify: error: input '%s' is %s; this example feeds f32 images\n",
            in_info.name, qopt_dtype_name(in_info.dtype));
    goto done;
  }
  if (out_info.rank != 2 || (out_info.dtype != QOPT_F32 && out_info.dtype != QOPT_I8 &&
                             out_info.dtype != QOPT_U8 && out_info.dtype != QOPT_I32)) {
    fprintf(stderr, "classify: error: output '%s' is not [batch, classes] of f32, i8, u8 or i32\n",
            out_info.name);
    goto done;
  }
  classes = out_info.shape[1];
  for (d = 1; d < in_info.rank; ++d)
    per_sample *= in_info.shape[d];
  /* A static batch runs exactly its size; the last, partial batch is padded with zeros. */
  if (!qopt_model_has_dynamic_batch(model))
    batch = (long)in_info.shape[0];

  if (!npy_read(images_path, &images))
    goto done;
  if (strcmp(images.dtype, "f4") != 0 || images.rank < 1 ||
      images.count != images.shape[0] * per_sample) {
    fprintf(stderr, "classify: error: %s: expected float32 [N, ...] with %lld elements per sample "
                    "for input '%s'\n", images_path, (long long)per_sample, in_info.name);
    goto done;
  }
  samples = images.shape[0];
  if (labels_path) {
    int64_t k;
    if (!npy_read(labels_path, &labels))
      goto done;
    if ((labels.dtype[0] != 'i' && labels.dtype[0] != 'u') || labels.rank != 1 ||
        labels.shape[0] != samples) {
      fprintf(stderr, "classify: error: %s: expected %lld integer labels, one per image\n",
              labels_path, (long long)samples);
      goto done;
    }
    for (k = 0; k < samples; ++k)
      if (npy_int(&labels, k) < 0 || npy_int(&labels, k) >= classes) {
        fprintf(stderr, "classify: error: %s: label %lld is %lld, outside [0, %lld)\n",
                labels_path, (long long)k, (long long)npy_int(&labels, k), (long long)classes);
        goto done;
      }
  }

  batch_in = calloc((size_t)(batch * per_sample), sizeof(float));
  batch_out = malloc((size_t)(batch * classes) * out_info.element_size);
  predicted = malloc((size_t)samples * sizeof(int64_t));
  if (!batch_in || !batch_out || !predicted) {
    fprintf(stderr, "classify: error: out of memory\n");
    goto done;
  }
  memcpy(in_shape, in_info.shape, (size_t)in_info.rank * sizeof(int64_t));
  for (begin = 0; begin < samples; begin += batch) {
    int64_t rows = samples - begin < batch ? samples - begin : batch, r;
    int64_t run_rows = qopt_model_has_dynamic_batch(model) ? rows : batch;
    qopt_input in;
    qopt_output out;
    memset(batch_in, 0, (size_t)(run_rows * per_sample) * sizeof(float));
    memcpy(batch_in, (const float *)images.data + begin * per_sample,
           (size_t)(rows * per_sample) * sizeof(float));
    in_shape[0] = run_rows;
    in.name = in_info.name;
    in.data = batch_in;
    in.size_bytes = (size_t)(run_rows * per_sample) * sizeof(float);
    in.rank = in_info.rank;
    in.shape = in_shape;
    memset(&out, 0, sizeof(out));
    out.name = out_info.name;
    out.data = batch_out;
    out.capacity_bytes = (size_t)(batch * classes) * out_info.element_size;
    if (qopt_model_run(model, &in, 1, &out, 1, &err) != QOPT_OK) {
      fprintf(stderr, "classify: error: images %lld-%lld: %s: %s\n", (long long)begin,
              (long long)(begin + rows - 1), qopt_status_name(err.status), err.message);
      goto done;
    }
    for (r = 0; r < rows; ++r)
      predicted[begin + r] =
          argmax(batch_out + (size_t)(r * classes) * out_info.element_size, out_info.dtype,
                 classes);
  }

  for (begin = 0; begin < samples; ++begin) {
    printf("%lld %lld\n", (long long)begin, (long long)predicted[begin]);
    if (labels_path)
      correct += predicted[begin] == npy_int(&labels, begin);
  }
  if (labels_path)
    printf("accuracy: %.2f%% (%lld of %lld)\n", 100.0 * (double)correct / (double)samples,
           (long long)correct, (long long)samples);
  fprintf(stderr, "classify: %lld images on %s (%s), batches of %ld\n", (long long)samples,
          qopt_model_target(model), model_path, batch);
  status = 0;

done:
  free(batch_in);
  free(batch_out);
  free(predicted);
  free(images.data);
  free(labels.data);
  qopt_model_free(model);
  return status;
}
