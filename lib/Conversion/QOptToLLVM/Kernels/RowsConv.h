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
QOPT_UK_INLINE void packQuads(const uint8_t *src, int64_t K, int64_t P, uint8_t flip,
                              uint8_t *dst, int64_t px0, int64_t px1) {
  const int64_t groups = (K + 3) / 4;
  const __m128i f = _mm_set1_epi8((char)flip);
  for (int64_t p0 = px0; p0 < px1; p0 += kPanel)
    for (int64_t g = 0; g < groups; ++g) {
      uint8_t *out = dst + ((p0 / kPanel) * groups + g) * (kPanel * 4);
      for (int64_t j = 0; j < kPanel && p0 + j < P; j += 16) {
        const int64_t n = P - p0 - j;
        const __mmask16 m = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
        __m128i r[4];
        for (int t = 0; t < 4; ++t)
          r[t] = 4 * g + t < K ? _mm_xor_si128(_mm_maskz_loadu_epi8(m, src + (4 * g + t) * P +
                                                                           p0 + j),
                                               _mm_maskz_mov_epi8(m, f))
                               : _mm_setzero_si128();
        __m128i ab0 = _mm_unpacklo_epi8(r[0], r[1]), ab1 = _mm_unpackhi_epi8(r[0], r[1]);
        __m128i cd0 = _mm_unpacklo_epi8(r[2], r[3]), cd1 = _mm_unpackhi_epi8(r[2], r[3]);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4 * j), _mm_unpacklo_epi16(ab0, cd0));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4 * j + 16),
                         _mm_unpackhi_epi16(ab0, cd0));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4 * j + 32),
                         _mm_unpacklo_epi16(ab1, cd1));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4 * j + 48),
                         _mm_unpackhi_epi16(ab1, cd1));
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
/// threads: the gather by rows of the [K][P] matrix, then the packing and the GEMM by panels of
/// pixels, or, when there are fewer panels than blocks of 8 output channels (the late, small
/// images of a CNN), the packing by panels and then the GEMM by channel blocks, so that each
/// thread streams only its share of the weights.
QOPT_UK_INLINE void rowsConv2d(const qopt_k_conv2d_params *c, void *const *operands, int64_t batch,
                               void *scratch, const qopt_native_env *env) {
  const qopt_k_gemm_params *p = &c->gemm;
  const int64_t P = c->out_h * c->out_w, K = p->k, N = p->n;
  const int64_t cg = c->channels / c->groups, inPlane = c->in_h * c->in_w;
  const bool quant = isQuantized(p), bf16 = p->layout == QOPT_UK_LAYOUT_ROWS_BF16;
  const int64_t xBytes = quant ? 1 : (p->x_type == QOPT_K_F32 ? 4 : 2);
  const int64_t eb = quant ? 1 : (bf16 ? 2 : 4); // of the [K][P] matrix
  const bool inPlace = qopt_k_rows_in_place(c);
  uint8_t *mat = static_cast<uint8_t *>(scratch);
  uint8_t *panels = inPlace ? mat : mat + align64(K * P * eb);
  const int64_t sampleIn = c->channels * inPlane, sampleOut = c->out_channels * P;
  const int64_t outBytes = quant ? outElemBytes(p->out_kind)
                                 : (p->out_kind == QOPT_UK_OUT_F32 ? 4 : 2);
  const int32_t shift = p->x_type == QOPT_K_I8 ? 128 : 0;
  // The bytes between two panels of the GEMM's activations (f32 is read in place, [K][P]).
  const int64_t panelBytes = quant ? (K + 3) / 4 * (kPanel * 4)
                                   : (bf16 ? (K + 1) / 2 * (kPanel * 4) : kPanel * 4);
  const int64_t blockBytes = rowsBlockBytes(p->layout, K);
  const int64_t parts = kernelThreads(env, P * N * K);
  const int64_t numPanels = (P + kPanel - 1) / kPanel;
  const int64_t numBlocks = (N + QOPT_UK_ROWS_MR - 1) / QOPT_UK_ROWS_MR;
  const bool byPixels = parts <= 1 || numPanels >= numBlocks || numPanels >= 4 * parts;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t g = 0; g < c->groups; ++g) {
      const uint8_t *xs = static_cast<const uint8_t *>(operands[1]) +
                          (b * sampleIn + g * cg * inPlane) * xBytes;
      const uint8_t *m = inPlace ? xs : mat;
      if (!inPlace)
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
      const uint8_t *x = quant || bf16 ? panels : m;
      // Packs pixels [px0, px1) of the 8- and 16-bit forms into their panels.
      auto pack = [&](int64_t px0, int64_t px1) {
        if (quant)
          packQuads(m, K, P, shift ? 0x80 : 0, panels, px0, px1);
        else if (bf16)
          packPairs(reinterpret_cast<const uint16_t *>(m), K, P,
                    reinterpret_cast<uint16_t *>(panels), px0, px1);
      };
      // The GEMM of output channels [n0, n1) (n0 a multiple of 8) and pixels [px0, px1).
      auto gemm = [&](int64_t n0, int64_t n1, int64_t px0, int64_t px1) {
        const uint8_t *wn = w + n0 / QOPT_UK_ROWS_MR * blockBytes;
        const uint8_t *xp = x + px0 / kPanel * panelBytes;
        uint8_t *o = out + (n0 * P + px0) * outBytes;
        const int64_t cn = g * p->np + n0;
        if (quant) {
          qopt_uk_epilogue ep = quantEpilogue(
              p, static_cast<const int32_t *>(operands[3]) + cn,
              static_cast<const float *>(operands[4]) + cn,
              p->has_float_bias ? static_cast<const float *>(operands[5]) + cn : nullptr);
          qopt_uk_rows_u8s8_avx512vnni(reinterpret_cast<const int8_t *>(wn), xp, panelBytes,
                                       kPanel * 4, n1 - n0, px1 - px0, K, &ep, o, P);
          return;
        }
        qopt_uk_float_epilogue ep = floatEpilogue(
            p, operands[3] ? static_cast<const float *>(operands[3]) + cn : nullptr,
            p->out_kind == QOPT_K_OUT_F16 ? QOPT_UK_OUT_F16 : p->out_kind);
#if defined(__AVX512BF16__)
        if (bf16) {
          qopt_uk_rows_bf16_avx512bf16(reinterpret_cast<const uint16_t *>(wn),
                                       reinterpret_cast<const uint16_t *>(xp), panelBytes,
                                       kPanel * 4, n1 - n0, px1 - px0, K, &ep, o, P);
          return;
        }
#endif
        qopt_uk_rows_f32_avx512(reinterpret_cast<const float *>(wn),
                                reinterpret_cast<const float *>(xp), panelBytes, P * 4, n1 - n0,
                                px1 - px0, K, &ep, o, P);
      };
      if (byPixels) {
        forEachPart(env, parts, [=](int64_t i) {
          int64_t px0, px1;
          partRange(P, kPanel, parts, i, px0, px1);
          if (px0 < px1) {
            pack(px0, px1);
            gemm(0, N, px0, px1);
          }
        });
        continue;
      }
      forEachPart(env, parts, [=](int64_t i) {
        int64_t px0, px1;
        partRange(P, kPanel, parts, i, px0, px1);
        pack(px0, px1);
      });
      forEachPart(env, parts, [=](int64_t i) {
        int64_t n0, n1;
        partRange(N, QOPT_UK_ROWS_MR, parts, i, n0, n1);
        if (n0 < n1)
          gemm(n0, n1, 0, P);
      });
    }
}

} // namespace

#endif

#endif
