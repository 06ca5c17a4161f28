// The library functions LLVM itself may call from generated code: loop idiom recognition turns
// copy and fill loops into memcpy / memset / memmove, code generation lowers large llvm.mem*
// intrinsics to calls, and f32 -> bf16 without avx512bf16 to __truncsfbf2. A model's shared object links against nothing, so the backend links these
// definitions into every module (hidden: never exported, and dropped by --gc-sections when
// unused). Compiled to bitcode per target with -ffreestanding -fno-builtin, which marks the
// functions "no-builtins" so that the same idiom recognition cannot turn their loops back into
// calls to themselves. Not part of any host library.
#include <stddef.h>
#include <stdint.h>

#define QOPT_BUILTIN extern "C" __attribute__((visibility("hidden")))

namespace {
// 32 bytes with byte alignment: one unaligned ymm load or store on every target.
typedef uint8_t Chunk __attribute__((vector_size(32), aligned(1)));
} // namespace

QOPT_BUILTIN void *memcpy(void *__restrict dst, const void *__restrict src, size_t n) {
  uint8_t *d = static_cast<uint8_t *>(dst);
  const uint8_t *s = static_cast<const uint8_t *>(src);
  size_t i = 0;
  for (; i + sizeof(Chunk) <= n; i += sizeof(Chunk))
    *reinterpret_cast<Chunk *>(d + i) = *reinterpret_cast<const Chunk *>(s + i);
  for (; i < n; ++i)
    d[i] = s[i];
  return dst;
}

QOPT_BUILTIN void *memset(void *dst, int c, size_t n) {
  uint8_t *d = static_cast<uint8_t *>(dst);
  uint8_t byte = static_cast<uint8_t>(c);
  Chunk fill;
  for (size_t j = 0; j < sizeof(Chunk); ++j)
    fill[j] = byte;
  size_t i = 0;
  for (; i + sizeof(Chunk) <= n; i += sizeof(Chunk))
    *reinterpret_cast<Chunk *>(d + i) = fill;
  for (; i < n; ++i)
    d[i] = byte;
  return dst;
}

QOPT_BUILTIN void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = static_cast<uint8_t *>(dst);
  const uint8_t *s = static_cast<const uint8_t *>(src);
  // Forward copying is safe when the destination starts below the source; otherwise copy from the
  // end. Each chunk is loaded whole before it is stored, so overlap within a chunk is harmless.
  if (reinterpret_cast<uintptr_t>(d) <= reinterpret_cast<uintptr_t>(s)) {
    size_t i = 0;
    for (; i + sizeof(Chunk) <= n; i += sizeof(Chunk)) {
      Chunk v = *reinterpret_cast<const Chunk *>(s + i);
      *reinterpret_cast<Chunk *>(d + i) = v;
    }
    for (; i < n; ++i)
      d[i] = s[i];
  } else {
    size_t i = n;
    for (; i >= sizeof(Chunk); i -= sizeof(Chunk)) {
      Chunk v = *reinterpret_cast<const Chunk *>(s + i - sizeof(Chunk));
      *reinterpret_cast<Chunk *>(d + i - sizeof(Chunk)) = v;
    }
    for (; i > 0; --i)
      d[i - 1] = s[i - 1];
  }
  return dst;
}

// float -> bf16, what LLVM calls for fptrunc to bfloat on targets without avx512bf16 (once per
// element, so the lowering should round with integer vector ops where speed matters). Round to
// nearest even; NaN stays a quiet NaN of the same sign, as PackWeights' floatToBf16 and
// compiler-rt do. Bit operations only, so nothing here is itself lowered to a call.
QOPT_BUILTIN __bf16 __truncsfbf2(float f) {
  uint32_t u = __builtin_bit_cast(uint32_t, f);
  uint16_t b = (u & 0x7FFFFFFFu) > 0x7F800000u
                   ? static_cast<uint16_t>((u >> 16) | 0x40)
                   : static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
  return __builtin_bit_cast(__bf16, b);
}
