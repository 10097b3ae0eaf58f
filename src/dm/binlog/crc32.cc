#include "dm/binlog/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values, which -Wuninitialized
// reports as uses of uninitialized data (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

namespace {

// Byte-at-a-time table for the reflected polynomial, for event tails and tiny events:
// cheaper than a call into zlib for a handful of bytes.
struct ByteTable {
  uint32_t t[256];
  constexpr ByteTable() : t() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
  }
};
constexpr ByteTable kByteTable;

// `state` is the inverted (running) CRC register.
inline uint32_t BytewiseState(uint32_t state, const uint8_t* p, size_t size) {
  for (size_t i = 0; i < size; ++i) state = kByteTable.t[(state ^ p[i]) & 0xff] ^ (state >> 8);
  return state;
}

}  // namespace

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

// The constants for the reflected polynomial 0x1DB710641: a fold over a distance of D
// bits multiplies the low half by x^(D+32) mod P and the high half by x^(D-32) mod P
// (bit-reflected, shifted left by one), as in Intel's PCLMULQDQ CRC paper.
#define DM_K(hi, lo) _mm_set_epi64x(hi, lo)

// 128-bit folded state -> 32-bit CRC state (two folds and a Barrett reduction).
__attribute__((target("pclmul,sse4.1"))) inline uint32_t Reduce128(__m128i x1) {
  const __m128i k3k4 = DM_K(0x00ccaa009eLL, 0x01751997d0LL);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
  const __m128i poly = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
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

// Folds `size` bytes (a multiple of 16, at least 64) into the raw (non-inverted) CRC state
// using the constants for the reflected polynomial 0x1DB710641 (x^(4*128+32) mod P etc.,
// the published constants of the PCLMULQDQ folding method).
__attribute__((target("pclmul,sse4.1"))) uint32_t FoldPclmul(uint32_t state, const uint8_t* p,
                                                              size_t size) {
  const __m128i k1k2 = DM_K(0x01c6e41596LL, 0x0154442bd4LL);
  const __m128i k3k4 = DM_K(0x00ccaa009eLL, 0x01751997d0LL);

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
  return Reduce128(x1);
}

// Folds `size` bytes (a multiple of 16, at least 16) with one 128-bit register.
__attribute__((target("pclmul,sse4.1"))) uint32_t FoldPclmulSmall(uint32_t state, const uint8_t* p,
                                                                   size_t size) {
  const __m128i k3k4 = DM_K(0x00ccaa009eLL, 0x01751997d0LL);
  __m128i x1 = _mm_xor_si128(Load(p), _mm_cvtsi32_si128(static_cast<int>(state)));
  for (p += 16, size -= 16; size >= 16; p += 16, size -= 16) x1 = Fold(x1, k3k4, Load(p));
  return Reduce128(x1);
}

// The same folding on 512-bit registers (VPCLMULQDQ): four registers fold 256 bytes per
// iteration (D = 2048), then 4 -> 1 register (D = 512), then the four 128-bit lanes and the
// 16-byte tail as above. `size` is a multiple of 16, at least 256.
__attribute__((target("avx512f,avx512dq,vpclmulqdq,pclmul,sse4.1"))) inline __m512i Fold512(
    __m512i x, __m512i k, __m512i next) {
  __m512i lo = _mm512_clmulepi64_epi128(x, k, 0x00);
  __m512i hi = _mm512_clmulepi64_epi128(x, k, 0x11);
  return _mm512_ternarylogic_epi64(lo, hi, next, 0x96);  // lo ^ hi ^ next
}

__attribute__((target("avx512f,avx512dq,vpclmulqdq,pclmul,sse4.1"))) uint32_t FoldVpclmul(
    uint32_t state, const uint8_t* p, size_t size) {
  const __m512i k2048 = _mm512_broadcast_i32x4(DM_K(0x01322d1430LL, 0x011542778aLL));
  const __m512i k512 = _mm512_broadcast_i32x4(DM_K(0x01c6e41596LL, 0x0154442bd4LL));
  const __m128i k3k4 = DM_K(0x00ccaa009eLL, 0x01751997d0LL);
  __m512i x1 = _mm512_xor_si512(_mm512_loadu_si512(p),
                                _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(state))));
  __m512i x2 = _mm512_loadu_si512(p + 64), x3 = _mm512_loadu_si512(p + 128),
          x4 = _mm512_loadu_si512(p + 192);
  p += 256;
  size -= 256;
  while (size >= 256) {
    x1 = Fold512(x1, k2048, _mm512_loadu_si512(p));
    x2 = Fold512(x2, k2048, _mm512_loadu_si512(p + 64));
    x3 = Fold512(x3, k2048, _mm512_loadu_si512(p + 128));
    x4 = Fold512(x4, k2048, _mm512_loadu_si512(p + 192));
    p += 256;
    size -= 256;
  }
  x1 = Fold512(x1, k512, x2);
  x1 = Fold512(x1, k512, x3);
  x1 = Fold512(x1, k512, x4);
  __m128i a = _mm512_extracti32x4_epi32(x1, 0);
  a = Fold(a, k3k4, _mm512_extracti32x4_epi32(x1, 1));
  a = Fold(a, k3k4, _mm512_extracti32x4_epi32(x1, 2));
  a = Fold(a, k3k4, _mm512_extracti32x4_epi32(x1, 3));
  while (size >= 16) {
    a = Fold(a, k3k4, Load(p));
    p += 16;
    size -= 16;
  }
  return Reduce128(a);
}

bool HaveVpclmul() {
  static const bool have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                           __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul");
  return have;
}

bool HavePclmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return have;
}

}  // namespace
#endif

uint32_t Crc32Extend(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
#if defined(__x86_64__)
  if (size >= 32 && HavePclmul()) {
    size_t bulk = size & ~size_t{15};
    uint32_t state = bulk >= 256 && HaveVpclmul() ? FoldVpclmul(~crc, p, bulk)
                     : bulk >= 64                 ? FoldPclmul(~crc, p, bulk)
                                                  : FoldPclmulSmall(~crc, p, bulk);
    return ~BytewiseState(state, p + bulk, size - bulk);
  }
  if (size < 32) return ~BytewiseState(~crc, p, size);
#endif
  return Crc32Portable(crc, data, size);
}

}  // namespace dm::binlog
