// SHA-256 after FIPS 180-4, written for qopt (no third-party code): a model's native code is
// verified against NativeCode.code_sha256 before it is mapped executable.
#include "qopt/Runtime/Sha256.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace qopt::rt {
namespace {

constexpr uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t loadBigEndian(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

void compressPortable(uint32_t state[8], const uint8_t *block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = loadBigEndian(block + 4 * i);
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = h + s1 + ch + kRoundConstants[i] + w[i];
    uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

#if defined(__x86_64__)
/// The same compression with the SHA extensions: sha256rnds2 does two rounds on the state held
/// as (a, b, e, f) and (c, d, g, h), sha256msg1 / msg2 extend the message schedule four words at
/// a time.
__attribute__((target("sha,sse4.1"))) void compressSha(uint32_t state[8], const uint8_t *data,
                                                        size_t count) {
  const __m128i byteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i *>(state + 4));
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
  for (; count; --count, data += 64) {
    __m128i savedAbef = abef, savedCdgh = cdgh;
    __m128i w[16];
    for (int t = 0; t < 16; ++t) {
      if (t < 4) {
        w[t] = _mm_shuffle_epi8(
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(data + 16 * t)), byteSwap);
      } else {
        __m128i x = _mm_sha256msg1_epu32(w[t - 4], w[t - 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(w[t - 1], w[t - 2], 4));
        w[t] = _mm_sha256msg2_epu32(x, w[t - 1]);
      }
      __m128i msg = _mm_add_epi32(
          w[t], _mm_loadu_si128(reinterpret_cast<const __m128i *>(kRoundConstants + 4 * t)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(msg, 0x0E));
    }
    abef = _mm_add_epi32(abef, savedAbef);
    cdgh = _mm_add_epi32(cdgh, savedCdgh);
  }
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i *>(state), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i *>(state + 4), _mm_alignr_epi8(dchg, feba, 8));
}
#endif

bool detectSha() {
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return false;
  bool sha = b & (1u << 29);
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return false;
  return sha && (c & (1u << 19)) && (c & (1u << 9)); // SSE4.1, SSSE3
#else
  return false;
#endif
}

std::atomic<bool> hardwareAllowed{true};

} // namespace

bool Sha256::hardwareAvailable() {
  static const bool available = detectSha();
  return available;
}

void Sha256::setHardwareAllowed(bool allowed) { hardwareAllowed = allowed; }

Sha256::Sha256()
    : hardware(hardwareAllowed && hardwareAvailable()),
      state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19} {}

void Sha256::compress(const uint8_t *blocks, size_t count) {
#if defined(__x86_64__)
  if (hardware) {
    compressSha(state, blocks, count);
    return;
  }
#endif
  for (; count; --count, blocks += 64)
    compressPortable(state, blocks);
}

void Sha256::update(const uint8_t *data, size_t size) {
  if (size == 0)
    return;
  totalBytes += size;
  if (pendingSize) {
    size_t take = std::min(size, sizeof(pending) - pendingSize);
    std::memcpy(pending + pendingSize, data, take);
    pendingSize += take;
    data += take;
    size -= take;
    if (pendingSize < sizeof(pending))
      return;
    compress(pending, 1);
    pendingSize = 0;
  }
  compress(data, size / 64);
  data += size / 64 * 64;
  size %= 64;
  if (size) {
    std::memcpy(pending, data, size);
    pendingSize = size;
  }
}

std::array<uint8_t, 32> Sha256::digest() {
  // Padding: 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
  uint64_t bits = totalBytes * 8;
  uint8_t pad[72] = {0x80};
  size_t padSize = (pendingSize < 56 ? 56 : 120) - pendingSize;
  for (int i = 0; i < 8; ++i)
    pad[padSize + i] = uint8_t(bits >> (56 - 8 * i));
  update(pad, padSize + 8);
  std::array<uint8_t, 32> out;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j)
      out[4 * i + j] = uint8_t(state[i] >> (24 - 8 * j));
  return out;
}

std::string sha256Hex(const uint8_t *data, size_t size) {
  Sha256 h;
  h.update(data, size);
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : h.digest()) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

} // namespace qopt::rt
