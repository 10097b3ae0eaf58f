#include "dm/binlog/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dm::binlog {

uint32_t Crc32Portable(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const Bytef*>(data);
  // zlib takes uInt lengths: feed huge buffers in pieces.
  while (size > 0) {
    uInt n = size > (1u << 30) ? (1u << 30) : static_cast<uInt>(size);
    crc = static_cast<uint32_t>(crc32(crc, p, n));
    p += n;
    size -= n;
  }
  return crc;
}

#if defined(__x86_64__)
namespace {

inline __m128i Load(const uint8_t* q) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
}

// x * (k.lo, k.hi) folded onto `next`.
__attribute__((target("pclmul,sse4.1"))) inline __m128i Fold(__m128i x, __m128i k, __m128i next) {
  __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// Folds `size` bytes (a multiple of 16, at least 64) into the raw (non-inverted) CRC state
// using the constants for the reflected polynomial 0x1DB710641 (x^(4*128+32) mod P etc.,
// the published constants of the PCLMULQDQ folding method).
__attribute__((target("pclmul,sse4.1"))) uint32_t FoldPclmul(uint32_t state, const uint8_t* p,
                                                              size_t size) {
  const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596LL, 0x0154442bd4LL);
  const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
  const __m128i poly = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);


  __m128i x1 = _mm_xor_si128(Load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
  __m128i x2 = Load(p + 16), x3 = Load(p + 32), x4 = Load(p + 48);
  p += 64;
  size -= 64;
  while (size >= 64) {
    x1 = Fold(x1, k1k2, Load(p));
    x2 = Fold(x2, k1k2, Load(p + 16));
    x3 = Fold(x3, k1k2, Load(p + 32));
    x4 = Fold(x4, k1k2, Load(p + 48));
    p += 64;
    size -= 64;
  }
  x1 = Fold(x1, k3k4, x2);
  x1 = Fold(x1, k3k4, x3);
  x1 = Fold(x1, k3k4, x4);
  while (size >= 16) {
    x1 = Fold(x1, k3k4, Load(p));
    p += 16;
    size -= 16;
  }
  // 128 -> 64 bits.
  __m128i x2b = _mm_srli_si128(x1, 8);
  x1 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
  x1 = _mm_xor_si128(x1, x2b);
  // 64 -> 32 bits.
  x2b = _mm_and_si128(x1, mask32);
  x1 = _mm_srli_si128(x1, 4);
  x2b = _mm_clmulepi64_si128(x2b, k5, 0x00);
  x1 = _mm_xor_si128(x1, x2b);
  // Barrett reduction.
  x2b = _mm_and_si128(x1, mask32);
  x2b = _mm_clmulepi64_si128(x2b, poly, 0x10);
  x2b = _mm_and_si128(x2b, mask32);
  x2b = _mm_clmulepi64_si128(x2b, poly, 0x00);
  x1 = _mm_xor_si128(x1, x2b);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

bool HavePclmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return have;
}

}  // namespace
#endif

uint32_t Crc32Extend(uint32_t crc, const void* data, size_t size) {
#if defined(__x86_64__)
  if (size >= 128 && HavePclmul()) {
    size_t bulk = size & ~size_t{15};
    uint32_t state = ~FoldPclmul(~crc, static_cast<const uint8_t*>(data), bulk);
    return Crc32Portable(state, static_cast<const uint8_t*>(data) + bulk, size - bulk);
  }
#endif
  return Crc32Portable(crc, data, size);
}

}  // namespace dm::binlog
