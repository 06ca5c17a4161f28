// conv2d on the ROWS GEMMs (avx512 only; UKernels.h): per image and group, the activations as a
// [K][P] matrix (row k = tap-major (kernel row, kernel column, channel), P = output pixels), the
// GEMM out[n][p] with pixels in the vector lanes, written straight into the NCHW result. A 1x1
// stride-1 conv's matrix is the image itself: f32 is read in place, u8 and bf16 only interleave
// into the GEMM's panels. The k order is the tap-major order of the column path, so f32 sums
// come out in the same order (the same bits as the avx2 code). Included by LinearOps.cpp after
// its helpers; freestanding.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_ROWSCONV_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_ROWSCONV_H

#if defined(__AVX512F__)

namespace {

constexpr int64_t kPanel = QOPT_UK_ROWS_PANEL;

/// The first n (clamped to [0, 16]) of 16 lanes.
QOPT_UK_INLINE __mmask16 firstLanes(int64_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n < 0 ? 0 : n)) - 1u);
}

/// Rows [k0, k1) of the [K][P] matrix of image group `src` (cg planes of in_h x in_w) into dst,
/// row k = (kh, kw, channel): each element load(plane, index) or `pad` outside the image.
template <typename T, typename Load>
QOPT_UK_INLINE void rowsIm2col(const qopt_k_conv2d_params *c, int64_t cg, T pad, const Load &load,
                               T *matrix, int64_t k0, int64_t k1) {
  const int64_t inPlane = c->in_h * c->in_w, P = c->out_h * c->out_w;
  for (int64_t k = k0; k < k1; ++k) {
    const int64_t tap = k / cg, ch = k % cg;
    const int64_t kh = tap / c->kernel_w, kw = tap % c->kernel_w;
    const int64_t dx = kw * c->dilation_w - c->pad_left;
    // Output columns whose input column is inside: ow * stride + dx in [0, in_w).
    int64_t lo = dx >= 0 ? 0 : (-dx + c->stride_w - 1) / c->stride_w;
    int64_t hi = c->in_w - dx <= 0 ? 0 : (c->in_w - dx + c->stride_w - 1) / c->stride_w;
    hi = hi < c->out_w ? hi : c->out_w;
    lo = lo < hi ? lo : hi;
    T *dst = matrix + k * P;
    const int64_t plane = ch * inPlane;
    for (int64_t oh = 0; oh < c->out_h; ++oh) {
      T *row = dst + oh * c->out_w;
      const int64_t ih = oh * c->stride_h - c->pad_top + kh * c->dilation_h;
      if (ih < 0 || ih >= c->in_h) {
        for (int64_t ow = 0; ow < c->out_w; ++ow)
          row[ow] = pad;
        continue;
      }
      for (int64_t ow = 0; ow < lo; ++ow)
        row[ow] = pad;
      const int64_t at = plane + ih * c->in_w + dx;
      if (c->stride_w == 1)
        for (int64_t ow = lo; ow < hi; ++ow)
          row[ow] = load(at + ow);
      else
        for (int64_t ow = lo; ow < hi; ++ow)
          row[ow] = load(at + ow * c->stride_w);
      for (int64_t ow = hi; ow < c->out_w; ++ow)
        row[ow] = pad;
    }
  }
}

/// u8 rows [K][P] (row stride P) -> the int8 ROWS GEMM's panels: per panel of 48 pixels and
/// group of 4 k, 48 dwords of the 4 k's bytes, each byte XOR `flip` (0x80 shifts i8 to u8).
/// Rows past K and pixels past P are zero. Pixels [px0, px1), px0 a multiple of 48.
/// A panel group is 3 zmm of output from 4 row loads of 48 bytes: the byte and word unpacks
/// interleave within each 16-byte lane (lane l of the result holds pixels 16l.. of four k), and
/// four 128-bit shuffles put the lanes in pixel order. The 1x1 conv of an int8 net packs its
/// whole input here, so the 128-bit form (3x the instructions) cost a fifth of the conv.
QOPT_UK_INLINE void packQuads(const uint8_t *src, int64_t K, int64_t P, uint8_t flip,
                              uint8_t *dst, int64_t px0, int64_t px1) {
  static_assert(kPanel == 48, "three 16-pixel lanes per panel");
  const int64_t groups = (K + 3) / 4;
  for (int64_t p0 = px0; p0 < px1; p0 += kPanel) {
    const int64_t n = P - p0;
    const __mmask64 m = n >= kPanel ? (__mmask64)0xFFFFFFFFFFFFull
                                    : (__mmask64)((1ull << (n > 0 ? n : 0)) - 1ull);
    // Pixels past P stay 0 after the flip.
    const __m512i f = _mm512_maskz_mov_epi8(m, _mm512_set1_epi8((char)flip));
    uint8_t *out = dst + (p0 / kPanel) * groups * (kPanel * 4);
    for (int64_t g = 0; g < groups; ++g, out += kPanel * 4) {
      __m512i r[4];
      for (int t = 0; t < 4; ++t)
        r[t] = 4 * g + t < K
                   ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + (4 * g + t) * P + p0), f)
                   : _mm512_setzero_si512();
      const __m512i ab0 = _mm512_unpacklo_epi8(r[0], r[1]), ab1 = _mm512_unpackhi_epi8(r[0], r[1]);
      const __m512i cd0 = _mm512_unpacklo_epi8(r[2], r[3]), cd1 = _mm512_unpackhi_epi8(r[2], r[3]);
      // q[i] lane l: the quads of pixels 16l + 4i .. 16l + 4i + 3.
      const __m512i q0 = _mm512_unpacklo_epi16(ab0, cd0), q1 = _mm512_unpackhi_epi16(ab0, cd0);
      const __m512i q2 = _mm512_unpacklo_epi16(ab1, cd1), q3 = _mm512_unpackhi_epi16(ab1, cd1);
      // Lanes (0, 1) and (2, 3) of two q's side by side, then every other lane of a pair.
      const __m512i lo01 = _mm512_shuffle_i64x2(q0, q1, 0x44);
      const __m512i lo23 = _mm512_shuffle_i64x2(q2, q3, 0x44);
      const __m512i hi01 = _mm512_shuffle_i64x2(q0, q1, 0xEE);
      const __m512i hi23 = _mm512_shuffle_i64x2(q2, q3, 0xEE);
      _mm512_storeu_si512(out, _mm512_shuffle_i64x2(lo01, lo23, 0x88));
      _mm512_storeu_si512(out + 64, _mm512_shuffle_i64x2(lo01, lo23, 0xDD));
      _mm512_storeu_si512(out + 128, _mm512_shuffle_i64x2(hi01, hi23, 0x88));
    }
  }
}

/// bf16 rows [K][P] -> the bf16 ROWS GEMM's panels: per panel and pair of k, 48 dwords of the
/// pair. Rows past K and pixels past P are zero. Pixels [px0, px1), px0 a multiple of 48.
QOPT_UK_INLINE void packPairs(const uint16_t *src, int64_t K, int64_t P, uint16_t *dst,
                              int64_t px0, int64_t px1) {
  const int64_t pairs = (K + 1) / 2;
  for (int64_t p0 = px0; p0 < px1; p0 += kPanel)
    for (int64_t g = 0; g < pairs; ++g) {
      uint16_t *out = dst + ((p0 / kPanel) * pairs + g) * (kPanel * 2);
      for (int64_t j = 0; j < kPanel && p0 + j < P; j += 8) {
        const int64_t n = P - p0 - j;
        const __mmask8 m = n >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << n) - 1u);
        __m128i a = _mm_maskz_loadu_epi16(m, src + 2 * g * P + p0 + j);
        __m128i b = 2 * g + 1 < K ? _mm_maskz_loadu_epi16(m, src + (2 * g + 1) * P + p0 + j)
                                  : _mm_setzero_si128();
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 2 * j), _mm_unpacklo_epi16(a, b));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 2 * j + 8), _mm_unpackhi_epi16(a, b));
      }
    }
}

/// Rows [r0, r1) of a direct conv's planes (qopt_k_rows_direct) of image group `xs`, counted over
/// every (channel group, phase, row) in order: each dword the lane channels of one input pixel
/// (u8 XOR `flip`, bf16, or f32), or the padding value (the stored value of real 0, or +0) where
/// the pixel is outside the image. The lanes of channels past the group's (a zero-padded int8
/// weight's) are 0.
QOPT_UK_INLINE void directPlanes(const qopt_k_conv2d_params *c, const uint8_t *xs, bool quant,
                                 bool bf16, uint8_t flip, uint8_t *dst, int64_t r0, int64_t r1) {
  const int64_t inPlane = c->in_h * c->in_w, pitch = qopt_k_direct_pitch(c);
  const int64_t rows = qopt_k_direct_rows(c), G = qopt_k_rows_lane_channels(c);
  const int64_t phW = c->stride_w < c->kernel_w ? c->stride_w : c->kernel_w;
  const int64_t phases = qopt_k_direct_phases(c), sw = c->stride_w;
  const int64_t xb = quant ? 1 : (c->gemm.x_type == QOPT_K_F32 ? 4 : 2);
  const uint8_t padByte = (uint8_t)((uint8_t)c->x_zp ^ flip);
  const int64_t cg = c->channels / c->groups;
  const uint32_t pad = quant ? 0x01010101u * padByte : 0u;
  for (int64_t R = r0; R < r1; ++R) {
    const int64_t i = R % rows, phase = (R / rows) % phases, j = R / rows / phases;
    const int64_t ph = phase / phW, pw = phase % phW;
    uint32_t *row = reinterpret_cast<uint32_t *>(dst) + R * pitch;
    const int64_t ih = ph + c->stride_h * i - c->pad_top;
    // Columns whose input column pw + sw * q - pad_left is inside: [lo, hi).
    const int64_t dx = pw - c->pad_left;
    int64_t lo = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
    int64_t hi = c->in_w - dx <= 0 ? 0 : (c->in_w - dx + sw - 1) / sw;
    hi = hi < pitch ? hi : pitch;
    lo = lo < hi ? lo : hi;
    if (ih < 0 || ih >= c->in_h)
      lo = hi = 0;
    for (int64_t q = 0; q < lo; ++q)
      row[q] = pad;
    for (int64_t q = hi; q < pitch; ++q)
      row[q] = pad;
    // The first input element of column lo, in channel j * G's plane.
    if (lo == hi)
      continue;
    const uint8_t *src = xs + ((j * G) * inPlane + ih * c->in_w + dx + sw * lo) * xb;
    for (int64_t q = lo; q < hi; q += 16) {
      const int64_t n = hi - q < 16 ? hi - q : 16;
      const __mmask16 m = firstLanes(n);
      const int64_t at = (q - lo) * sw; // elements from src
      __m512i v;
      if (quant && sw <= 2) {
        __m128i r[4];
        for (int t = 0; t < 4; ++t) {
          if (j * 4 + t >= cg) {
            r[t] = _mm_setzero_si128();
            continue;
          }
          const uint8_t *a = src + t * inPlane + at;
          if (sw == 1)
            r[t] = _mm_maskz_loadu_epi8(m, a);
          else // the even bytes of 2n - 1: vpmovwb keeps the low byte of each word
            r[t] = _mm256_cvtepi16_epi8(
                _mm256_maskz_loadu_epi8((__mmask32)((1ull << (2 * n - 1)) - 1), a));
          r[t] = _mm_xor_si128(r[t], _mm_set1_epi8((char)flip));
        }
        __m128i ab0 = _mm_unpacklo_epi8(r[0], r[1]), ab1 = _mm_unpackhi_epi8(r[0], r[1]);
        __m128i cd0 = _mm_unpacklo_epi8(r[2], r[3]), cd1 = _mm_unpackhi_epi8(r[2], r[3]);
        v = _mm512_castsi128_si512(_mm_unpacklo_epi16(ab0, cd0));
        v = _mm512_inserti32x4(v, _mm_unpackhi_epi16(ab0, cd0), 1);
        v = _mm512_inserti32x4(v, _mm_unpacklo_epi16(ab1, cd1), 2);
        v = _mm512_inserti32x4(v, _mm_unpackhi_epi16(ab1, cd1), 3);
      } else if (bf16 && sw <= 2) {
        // Pixel e's pair is (a[e], b[e]): word 2e from a, 2e + 1 from b (of the even words
        // at stride 2).
        const uint16_t *a = reinterpret_cast<const uint16_t *>(src) + at;
        const __mmask32 mm = sw == 1 ? (__mmask32)m : (__mmask32)((1ull << (2 * n - 1)) - 1);
        __m512i va = _mm512_maskz_loadu_epi16(mm, a), vb = _mm512_maskz_loadu_epi16(mm, a + inPlane);
        alignas(64) static const uint16_t pick1[32] = {
            0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
            8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
        alignas(64) static const uint16_t pick2[32] = {
            0, 32, 2, 34, 4, 36, 6, 38, 8, 40, 10, 42, 12, 44, 14, 46,
            16, 48, 18, 50, 20, 52, 22, 54, 24, 56, 26, 58, 28, 60, 30, 62};
        v = _mm512_permutex2var_epi16(va, _mm512_load_si512(sw == 1 ? pick1 : pick2), vb);
      } else if (!quant && !bf16 && c->gemm.x_type == QOPT_K_F32 && sw <= 2) {
        const float *a = reinterpret_cast<const float *>(src) + at;
        if (sw == 1) {
          v = _mm512_castps_si512(_mm512_maskz_loadu_ps(m, a));
        } else { // the even floats of 2n - 1
          const int64_t e = 2 * n - 1;
          __m512 lo16 = _mm512_maskz_loadu_ps(firstLanes(e), a);
          __m512 hi16 = _mm512_maskz_loadu_ps(firstLanes(e - 16), a + 16);
          const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8,
                                                6, 4, 2, 0);
          v = _mm512_castps_si512(_mm512_permutex2var_ps(lo16, even, hi16));
        }
      } else { // any stride; f16 / bf16 input widened to f32
        alignas(64) uint32_t lanes[16] = {};
        for (int64_t e = 0; e < n; ++e) {
          const int64_t k = at + e * sw;
          uint32_t d = 0;
          if (quant)
            for (int t = 0; t < 4 && j * 4 + t < cg; ++t)
              d |= (uint32_t)(uint8_t)(src[t * inPlane + k] ^ flip) << (8 * t);
          else if (bf16)
            d = reinterpret_cast<const uint16_t *>(src)[k] |
                (uint32_t)reinterpret_cast<const uint16_t *>(src)[inPlane + k] << 16;
          else {
            float f = loadFloat(src, c->gemm.x_type, k);
            __builtin_memcpy(&d, &f, 4);
          }
          lanes[e] = d;
        }
        v = _mm512_load_si512(lanes);
      }
      _mm512_mask_storeu_epi32(row + q, m, v);
    }
  }
}

/// Bytes of one block of 8 output channels in a ROWS layout (UKernels.h): the offset of a
/// channel split's weights.
QOPT_UK_INLINE int64_t rowsBlockBytes(int32_t layout, int64_t K) {
  if (layout == QOPT_UK_LAYOUT_ROWS_VNNI)
    return (K + 3) / 4 * 4 * QOPT_UK_ROWS_MR;
  if (layout == QOPT_UK_LAYOUT_ROWS_BF16)
    return (K + 1) / 2 * 2 * QOPT_UK_ROWS_MR * 2;
  return K * QOPT_UK_ROWS_MR * 4;
}

/// The conv2d of a ROWS layout; scratch as qopt_k_rows_scratch_bytes lays it out. On env's
/// threads: the direct planes or the gather (by rows), then the GEMM by panels of pixels (with
/// the packing of the gathered matrix), or, when there are fewer panels than blocks of 8 output
/// channels (the late, small images of a CNN), the packing by panels and then the GEMM by
/// channel blocks, so that each thread streams only its share of the weights.
QOPT_UK_INLINE void rowsConv2d(const qopt_k_conv2d_params *c, void *const *operands, int64_t batch,
                               void *scratch, const qopt_native_env *env) {
  const qopt_k_gemm_params *p = &c->gemm;
  const int64_t P = c->out_h * c->out_w, K = p->k, N = p->n;
  const int64_t cg = c->channels / c->groups, inPlane = c->in_h * c->in_w;
  const bool quant = isQuantized(p), bf16 = p->layout == QOPT_UK_LAYOUT_ROWS_BF16;
  const int64_t xBytes = quant ? 1 : (p->x_type == QOPT_K_F32 ? 4 : 2);
  const int64_t eb = quant ? 1 : (bf16 ? 2 : 4); // of the [K][P] matrix
  const bool inPlace = qopt_k_rows_in_place(c), direct = qopt_k_rows_direct(c);
  uint8_t *mat = static_cast<uint8_t *>(scratch);
  uint8_t *panels = inPlace || direct ? mat : mat + align64(K * P * eb);
  const int64_t sampleIn = c->channels * inPlane, sampleOut = c->out_channels * P;
  const int64_t outBytes = quant ? outElemBytes(p->out_kind)
                                 : (p->out_kind == QOPT_UK_OUT_F32 ? 4 : 2);
  const int32_t shift = p->x_type == QOPT_K_I8 ? 128 : 0;
  const int64_t taps = c->kernel_h * c->kernel_w;
  // The GEMM's pixels: a direct conv's padded rows, else the outputs.
  const int64_t pitch = direct ? qopt_k_direct_pitch(c) : 0;
  const int64_t gemmP = direct ? c->out_h * pitch : P;
  const int64_t planeRows =
      direct ? qopt_k_direct_groups(c) * qopt_k_direct_phases(c) * qopt_k_direct_rows(c) : 0;
  qopt_uk_rows_src src;
  src.taps = 1;
  src.pitch = direct && pitch != c->out_w ? pitch : 0;
  src.width = c->out_w;
  src.pixel0 = 0;
  static const int64_t kOneTap[1] = {0};
  src.tap_bytes = kOneTap;
  if (direct) {
    int64_t *tapBytes = reinterpret_cast<int64_t *>(mat + align64(planeRows * pitch * 4));
    // Tap (kh, kw): its phase plane, row kh / stride_h and column kw / stride_w of it.
    const int64_t phW = c->stride_w < c->kernel_w ? c->stride_w : c->kernel_w;
    const int64_t planeBytes = qopt_k_direct_rows(c) * pitch * 4;
    for (int64_t kh = 0; kh < c->kernel_h; ++kh)
      for (int64_t kw = 0; kw < c->kernel_w; ++kw)
        tapBytes[kh * c->kernel_w + kw] =
            ((kh % c->stride_h) * phW + kw % c->stride_w) * planeBytes +
            ((kh / c->stride_h) * pitch + kw / c->stride_w) * 4;
    src.taps = taps;
    src.panel_bytes = kPanel * 4;
    src.step_bytes = qopt_k_direct_group_bytes(c);
    src.tap_bytes = tapBytes;
  } else {
    // The bytes between two panels of the GEMM's activations (f32 is read in place, [K][P]).
    src.panel_bytes = quant ? (K + 3) / 4 * (kPanel * 4)
                            : (bf16 ? (K + 1) / 2 * (kPanel * 4) : kPanel * 4);
    src.step_bytes = quant || bf16 ? kPanel * 4 : P * 4;
  }
  const int64_t blockBytes = rowsBlockBytes(p->layout, K);
  const int64_t parts = kernelThreads(env, P * N * K);
  const int64_t numPanels = (gemmP + kPanel - 1) / kPanel;
  const int64_t numBlocks = (N + QOPT_UK_ROWS_MR - 1) / QOPT_UK_ROWS_MR;
  const bool byPixels = parts <= 1 || numPanels >= numBlocks || numPanels >= 4 * parts;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t g = 0; g < c->groups; ++g) {
      const uint8_t *xs = static_cast<const uint8_t *>(operands[1]) +
                          (b * sampleIn + g * cg * inPlane) * xBytes;
      const uint8_t *m = inPlace ? xs : mat;
      if (direct)
        forEachPart(env, parts, [=](int64_t i) {
          int64_t r0, r1;
          partRange(planeRows, 1, parts, i, r0, r1);
          directPlanes(c, xs, quant, bf16, shift ? 0x80 : 0, mat, r0, r1);
        });
      else if (!inPlace)
        forEachPart(env, parts, [=](int64_t i) {
          int64_t k0, k1;
          partRange(K, 1, parts, i, k0, k1);
          if (quant) // padded with the stored value of real 0; i8 is shifted when packed
            rowsIm2col<uint8_t>(c, cg, (uint8_t)c->x_zp, [&](int64_t j) { return xs[j]; }, mat,
                                k0, k1);
          else if (bf16)
            rowsIm2col<uint16_t>(
                c, cg, (uint16_t)0,
                [&](int64_t j) { return reinterpret_cast<const uint16_t *>(xs)[j]; },
                reinterpret_cast<uint16_t *>(mat), k0, k1);
          else
            rowsIm2col<float>(
                c, cg, 0.0f, [&](int64_t j) { return loadFloat(xs, p->x_type, j); },
                reinterpret_cast<float *>(mat), k0, k1);
        });
      uint8_t *out = static_cast<uint8_t *>(operands[0]) + (b * sampleOut + g * N * P) * outBytes;
      const uint8_t *w = static_cast<const uint8_t *>(operands[2]) + g * c->group_packed_bytes;
      const uint8_t *x = quant || bf16 || direct ? panels : m;
      // Packs pixels [px0, px1) of the gathered 8- and 16-bit forms into their panels.
      auto pack = [&](int64_t px0, int64_t px1) {
        if (direct)
          return;
        if (quant)
          packQuads(m, K, P, shift ? 0x80 : 0, panels, px0, px1);
        else if (bf16)
          packPairs(reinterpret_cast<const uint16_t *>(m), K, P,
                    reinterpret_cast<uint16_t *>(panels), px0, px1);
      };
      // The GEMM of output channels [n0, n1) (n0 a multiple of 8) and GEMM pixels [px0, px1).
      auto gemm = [&](int64_t n0, int64_t n1, int64_t px0, int64_t px1) {
        const uint8_t *wn = w + n0 / QOPT_UK_ROWS_MR * blockBytes;
        qopt_uk_rows_src part = src;
        part.x = x + px0 / kPanel * src.panel_bytes;
        part.pixel0 = px0;
        // A direct conv with padded rows finds its output pixels itself.
        uint8_t *o = out + (n0 * P + (src.pitch ? 0 : px0)) * outBytes;
        const int64_t cn = g * p->np + n0;
        if (quant) {
          qopt_uk_epilogue ep = quantEpilogue(
              p, static_cast<const int32_t *>(operands[3]) + cn,
              static_cast<const float *>(operands[4]) + cn,
              p->has_float_bias ? static_cast<const float *>(operands[5]) + cn : nullptr);
          qopt_uk_rows_u8s8_avx512vnni(reinterpret_cast<const int8_t *>(wn), &part, n1 - n0,
                                       px1 - px0, K, &ep, o, P);
          return;
        }
        qopt_uk_float_epilogue ep = floatEpilogue(
            p, operands[3] ? static_cast<const float *>(operands[3]) + cn : nullptr,
            p->out_kind == QOPT_K_OUT_F16 ? QOPT_UK_OUT_F16 : p->out_kind);
#if defined(__AVX512BF16__)
        if (bf16) {
          qopt_uk_rows_bf16_avx512bf16(reinterpret_cast<const uint16_t *>(wn), &part, n1 - n0,
                                       px1 - px0, K, &ep, o, P);
          return;
        }
#endif
        qopt_uk_rows_f32_avx512(reinterpret_cast<const float *>(wn), &part, n1 - n0, px1 - px0,
                                K, &ep, o, P);
      };
      if (byPixels) {
        forEachPart(env, parts, [=](int64_t i) {
          int64_t px0, px1;
          partRange(gemmP, kPanel, parts, i, px0, px1);
          if (px0 < px1) {
            pack(px0, px1);
            gemm(0, N, px0, px1);
          }
        });
        continue;
      }
      if (!direct)
        forEachPart(env, parts, [=](int64_t i) {
          int64_t px0, px1;
          partRange(P, kPanel, parts, i, px0, px1);
          pack(px0, px1);
        });
      forEachPart(env, parts, [=](int64_t i) {
        int64_t n0, n1;
        partRange(N, QOPT_UK_ROWS_MR, parts, i, n0, n1);
        if (n0 < n1)
          gemm(n0, n1, 0, gemmP);
      });
    }
}

} // namespace

#endif

#endif
