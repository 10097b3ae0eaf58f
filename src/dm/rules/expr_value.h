#pragma once
// Value and conversion helpers of the expression evaluator (internal; see expr.h for the
// semantics). Split out of expr.cc to keep the parser and the arithmetic apart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dm/base/result.h"
#include "dm/rules/rules.h"

namespace dm::rules::internal {

// Exact decimal: value = m / 10^scale, |m| < 10^38, 0 <= scale <= 30.
struct Dec {
  __int128 m = 0;
  int scale = 0;
};
inline constexpr int kMaxDecScale = 30;
inline constexpr int kMaxDecDigits = 38;

struct Value {
  enum class K : uint8_t { kNull, kInt, kUint, kDouble, kDecimal, kString, kTemporal };
  K k = K::kNull;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  Dec dec;
  std::string s;
  bool binary = false;  // x'..' / b'..' literal: byte-exact, big-endian number

  static Value Null() { return {}; }
  static Value Int(int64_t v) { Value x; x.k = K::kInt; x.i = v; return x; }
  static Value Uint(uint64_t v) { Value x; x.k = K::kUint; x.u = v; return x; }
  static Value Double(double v) { Value x; x.k = K::kDouble; x.d = v; return x; }
  static Value Decimal(Dec v) { Value x; x.k = K::kDecimal; x.dec = v; return x; }
  static Value Str(std::string v) { Value x; x.k = K::kString; x.s = std::move(v); return x; }
  static Value Temporal(std::string v) { Value x; x.k = K::kTemporal; x.s = std::move(v); return x; }
  static Value Bool(bool b) { return Int(b ? 1 : 0); }
  bool null() const { return k == K::kNull; }
};

// Decimal helpers. ParseDec accepts [+-]digits[.digits] (spaces around allowed); nullopt
// when malformed or longer than 38 significant digits.
std::optional<Dec> ParseDec(std::string_view s);
std::string DecToString(const Dec& d);
long double DecToLongDouble(const Dec& d);
// Changes the scale, rounding half away from zero; nullopt on overflow.
std::optional<Dec> DecRescale(const Dec& d, int scale);
// -1/0/1; falls back to long double when aligning scales overflows.
int DecCompare(const Dec& a, const Dec& b);
std::optional<Dec> DecAdd(const Dec& a, const Dec& b, bool subtract);
std::optional<Dec> DecMul(const Dec& a, const Dec& b);
// Dividend scale + 4 digits (MySQL div_precision_increment); nullopt on overflow.
// REQUIRES: b != 0.
std::optional<Dec> DecDiv(const Dec& a, const Dec& b);

// Temporal text parsing: dates, datetimes, times.
struct Temporal {
  bool has_date = false;
  bool neg = false;  // TIME only
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micro = 0;
};
std::optional<Temporal> ParseTemporal(std::string_view s);
// <0, 0, >0; nullopt when a date is compared with a bare time.
std::optional<int> CompareTemporal(const Temporal& a, const Temporal& b);

Value FromDatum(const Datum& d);
Datum ToDatum(const Value& v);

// MySQL conversions.
double ToDouble(const Value& v);               // REQUIRES: !v.null()
std::string ToString(const Value& v);          // REQUIRES: !v.null()
Value TemporalToNumber(const Value& v);        // kTemporal -> Int/Decimal (0 if unparsable)
std::optional<bool> Truth(const Value& v);     // nullopt for NULL
// Exact numeric value of Int/Uint/Decimal; nullopt for other kinds.
std::optional<Dec> ToDec(const Value& v);
// nullopt when either side is NULL.
std::optional<int> Compare(const Value& a, const Value& b);
// Case-insensitive (ASCII) comparison ignoring trailing spaces.
int CompareStringsCI(std::string_view a, std::string_view b);
std::string FormatDouble(double d);

}  // namespace dm::rules::internal
