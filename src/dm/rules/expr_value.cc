#include "dm/rules/expr_value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <tuple>

namespace dm::rules::internal {

namespace {

__int128 Pow10(int n) {
  __int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

const __int128 kDecLimit = Pow10(kMaxDecDigits);  // exclusive bound on |m|

bool Fits(__int128 m) { return m < kDecLimit && m > -kDecLimit; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// MySQL's string-to-number: the longest numeric prefix after leading spaces; 0 if none.
double StringPrefixToDouble(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  size_t start = i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && IsDigit(s[j])) {
      while (j < s.size() && IsDigit(s[j])) ++j;
      i = j;
    }
  }
  std::string num(s.substr(start, i - start));
  return std::strtod(num.c_str(), nullptr);
}

uint64_t BinaryToUint(std::string_view s) {
  uint64_t v = 0;
  size_t from = s.size() > 8 ? s.size() - 8 : 0;
  for (size_t i = from; i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

bool IsIntKind(Value::K k) { return k == Value::K::kInt || k == Value::K::kUint; }

int Sign(__int128 v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

template <class T>
int Cmp3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Parses a run of digits into *out; returns the count.
size_t Digits(std::string_view s, size_t pos, int64_t* out, size_t max_len = 18) {
  size_t n = 0;
  int64_t v = 0;
  while (pos + n < s.size() && IsDigit(s[pos + n]) && n < max_len) {
    v = v * 10 + (s[pos + n] - '0');
    ++n;
  }
  *out = v;
  return n;
}

bool IsDelim(char c) { return !IsDigit(c) && c != ' ' && c != 'T'; }

// "hh:mm[:ss[.ffffff]]" starting at pos; requires at least hh:mm.
bool ParseTimePart(std::string_view s, size_t pos, Temporal* t) {
  int64_t v;
  size_t n = Digits(s, pos, &v, 9);
  if (n == 0) return false;
  t->hour = v;
  pos += n;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  n = Digits(s, pos, &v, 2);
  if (n == 0) return false;
  t->minute = v;
  pos += n;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    n = Digits(s, pos, &v, 2);
    if (n == 0) return false;
    t->second = v;
    pos += n;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int64_t micro = 0;
      size_t k = 0;
      while (pos < s.size() && IsDigit(s[pos])) {
        if (k < 6) micro = micro * 10 + (s[pos] - '0');
        ++k, ++pos;
      }
      for (; k < 6; ++k) micro *= 10;
      t->micro = micro;
    }
  }
  return pos == s.size() && t->minute < 60 && t->second < 60;
}

}  // namespace

// ---------------------------------------------------------------------------- decimals

std::optional<Dec> ParseDec(std::string_view s) {
  s = Trim(s);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  __int128 m = 0;
  int scale = 0, sig = 0;
  bool dot = false, any = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
      continue;
    }
    if (!IsDigit(c)) return std::nullopt;
    any = true;
    if (dot) {
      if (scale == kMaxDecScale) continue;  // truncate beyond 30 fractional digits
      ++scale;
    }
    if (m != 0 || c != '0') ++sig;
    if (sig > kMaxDecDigits) return std::nullopt;
    m = m * 10 + (c - '0');
  }
  if (!any) return std::nullopt;
  return Dec{neg ? -m : m, scale};
}

std::string DecToString(const Dec& d) {
  __int128 v = d.m < 0 ? -d.m : d.m;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  while (static_cast<int>(digits.size()) <= d.scale) digits.insert(digits.begin(), '0');
  if (d.scale > 0) digits.insert(digits.end() - d.scale, '.');
  return d.m < 0 ? "-" + digits : digits;
}

long double DecToLongDouble(const Dec& d) {
  return static_cast<long double>(d.m) / std::pow(10.0L, static_cast<long double>(d.scale));
}

std::optional<Dec> DecRescale(const Dec& d, int scale) {
  if (scale == d.scale) return d;
  if (scale > d.scale) {
    __int128 r;
    if (__builtin_mul_overflow(d.m, Pow10(scale - d.scale), &r) || !Fits(r)) return std::nullopt;
    return Dec{r, scale};
  }
  __int128 div = Pow10(d.scale - scale);
  __int128 q = d.m / div, rem = d.m % div;
  if ((rem < 0 ? -rem : rem) * 2 >= div) q += Sign(d.m);
  return Dec{q, scale};
}

int DecCompare(const Dec& a, const Dec& b) {
  int scale = std::max(a.scale, b.scale);
  auto x = DecRescale(a, scale), y = DecRescale(b, scale);
  if (x && y) return Cmp3(x->m, y->m);
  return Cmp3(DecToLongDouble(a), DecToLongDouble(b));
}

std::optional<Dec> DecAdd(const Dec& a, const Dec& b, bool subtract) {
  int scale = std::max(a.scale, b.scale);
  auto x = DecRescale(a, scale), y = DecRescale(b, scale);
  if (!x || !y) return std::nullopt;
  __int128 r = subtract ? x->m - y->m : x->m + y->m;
  if (!Fits(r)) return std::nullopt;
  return Dec{r, scale};
}

std::optional<Dec> DecMul(const Dec& a, const Dec& b) {
  __int128 r;
  if (__builtin_mul_overflow(a.m, b.m, &r)) return std::nullopt;
  Dec out{r, a.scale + b.scale};
  if (out.scale > kMaxDecScale) {
    auto x = DecRescale(out, kMaxDecScale);
    if (!x) return std::nullopt;
    out = *x;
  }
  if (!Fits(out.m)) return std::nullopt;
  return out;
}

std::optional<Dec> DecDiv(const Dec& a, const Dec& b) {
  int scale = std::min(a.scale + 4, kMaxDecScale);
  // a/b * 10^scale = a.m * 10^(scale - a.scale + b.scale) / b.m
  int shift = scale - a.scale + b.scale;
  __int128 num;
  if (shift < 0 || __builtin_mul_overflow(a.m, Pow10(shift), &num)) return std::nullopt;
  __int128 q = num / b.m, rem = num % b.m;
  __int128 arem = rem < 0 ? -rem : rem, ab = b.m < 0 ? -b.m : b.m;
  if (arem * 2 >= ab) q += Sign(num) * Sign(b.m);
  if (!Fits(q)) return std::nullopt;
  return Dec{q, scale};
}

// ---------------------------------------------------------------------------- temporals

std::optional<Temporal> ParseTemporal(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  Temporal t;
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && IsDigit(c);
  if (all_digits && (s.size() == 8 || s.size() == 14)) {  // YYYYMMDD[hhmmss]
    auto num = [&](size_t pos, size_t len) {
      int64_t v;
      Digits(s, pos, &v, len);
      return v;
    };
    t.has_date = true;
    t.year = num(0, 4), t.month = num(4, 2), t.day = num(6, 2);
    if (s.size() == 14) t.hour = num(8, 2), t.minute = num(10, 2), t.second = num(12, 2);
  } else {
    int64_t v;
    size_t pos = 0;
    bool neg = s[0] == '-';
    if (neg) pos = 1;
    size_t n = Digits(s, pos, &v, 9);
    if (n == 0) return std::nullopt;
    if (!neg && pos + n < s.size() && IsDelim(s[pos + n]) && s[pos + n] != ':') {
      // Date: y<delim>m<delim>d[( |T)time]
      t.has_date = true;
      t.year = v;
      if (n == 2) t.year += v < 70 ? 2000 : 1900;
      pos += n + 1;
      n = Digits(s, pos, &t.month, 2);
      if (n == 0 || pos + n >= s.size() || !IsDelim(s[pos + n])) return std::nullopt;
      pos += n + 1;
      n = Digits(s, pos, &t.day, 2);
      if (n == 0) return std::nullopt;
      pos += n;
      if (pos < s.size()) {
        if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) ++pos;
        if (!ParseTimePart(s, pos, &t)) return std::nullopt;
      }
    } else {
      t.neg = neg;
      if (!ParseTimePart(s, pos, &t)) return std::nullopt;
    }
  }
  if (t.has_date && (t.month > 12 || t.day > 31 || t.hour > 23)) return std::nullopt;
  return t;
}

std::optional<int> CompareTemporal(const Temporal& a, const Temporal& b) {
  if (a.has_date != b.has_date) return std::nullopt;
  if (a.has_date) {
    return Cmp3(std::tie(a.year, a.month, a.day, a.hour, a.minute, a.second, a.micro),
                std::tie(b.year, b.month, b.day, b.hour, b.minute, b.second, b.micro));
  }
  auto total = [](const Temporal& t) {
    __int128 v = ((static_cast<__int128>(t.hour) * 60 + t.minute) * 60 + t.second) * 1000000 + t.micro;
    return t.neg ? -v : v;
  };
  return Cmp3(total(a), total(b));
}

// ---------------------------------------------------------------------------- conversions

Value FromDatum(const Datum& d) {
  switch (d.kind) {
    case Datum::Kind::kNull: return Value::Null();
    case Datum::Kind::kInt: return Value::Int(d.i);
    case Datum::Kind::kUint: return Value::Uint(d.u);
    case Datum::Kind::kDouble: return Value::Double(d.d);
    case Datum::Kind::kDecimal: {
      if (auto dec = ParseDec(d.s)) return Value::Decimal(*dec);
      return Value::Double(StringPrefixToDouble(d.s));
    }
    case Datum::Kind::kString: return Value::Str(d.s);
    case Datum::Kind::kTemporal: return Value::Temporal(d.s);
  }
  return Value::Null();
}

Datum ToDatum(const Value& v) {
  Datum d;
  switch (v.k) {
    case Value::K::kNull: d.kind = Datum::Kind::kNull; break;
    case Value::K::kInt: d.kind = Datum::Kind::kInt; d.i = v.i; break;
    case Value::K::kUint: d.kind = Datum::Kind::kUint; d.u = v.u; break;
    case Value::K::kDouble: d.kind = Datum::Kind::kDouble; d.d = v.d; break;
    case Value::K::kDecimal: d.kind = Datum::Kind::kDecimal; d.s = DecToString(v.dec); break;
    case Value::K::kString: d.kind = Datum::Kind::kString; d.s = v.s; break;
    case Value::K::kTemporal: d.kind = Datum::Kind::kTemporal; d.s = v.s; break;
  }
  return d;
}

Value TemporalToNumber(const Value& v) {
  auto t = ParseTemporal(v.s);
  if (!t) return Value::Int(0);
  __int128 n;
  if (t->has_date) {
    n = (t->year * 10000 + t->month * 100 + t->day);
    if (t->hour || t->minute || t->second || t->micro || v.s.size() > 10) {
      n = n * 1000000 + t->hour * 10000 + t->minute * 100 + t->second;
    }
  } else {
    n = t->hour * 10000 + t->minute * 100 + t->second;
    if (t->neg) n = -n;
  }
  if (t->micro == 0) return Value::Int(static_cast<int64_t>(n));
  __int128 m = n * 1000000 + (n < 0 ? -t->micro : t->micro);
  return Value::Decimal(Dec{m, 6});
}

double ToDouble(const Value& v) {
  switch (v.k) {
    case Value::K::kNull: return 0;
    case Value::K::kInt: return static_cast<double>(v.i);
    case Value::K::kUint: return static_cast<double>(v.u);
    case Value::K::kDouble: return v.d;
    case Value::K::kDecimal: return static_cast<double>(DecToLongDouble(v.dec));
    case Value::K::kString:
      return v.binary ? static_cast<double>(BinaryToUint(v.s)) : StringPrefixToDouble(v.s);
    case Value::K::kTemporal: return ToDouble(TemporalToNumber(v));
  }
  return 0;
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  size_t e = s.find("e+");
  if (e != std::string::npos) s.erase(e + 1, 1);
  return s;
}

std::string ToString(const Value& v) {
  switch (v.k) {
    case Value::K::kNull: return "";
    case Value::K::kInt: return std::to_string(v.i);
    case Value::K::kUint: return std::to_string(v.u);
    case Value::K::kDouble: return FormatDouble(v.d);
    case Value::K::kDecimal: return DecToString(v.dec);
    case Value::K::kString:
    case Value::K::kTemporal: return v.s;
  }
  return "";
}

std::optional<bool> Truth(const Value& v) {
  switch (v.k) {
    case Value::K::kNull: return std::nullopt;
    case Value::K::kInt: return v.i != 0;
    case Value::K::kUint: return v.u != 0;
    case Value::K::kDouble: return v.d != 0;
    case Value::K::kDecimal: return v.dec.m != 0;
    case Value::K::kString: return ToDouble(v) != 0;
    case Value::K::kTemporal: return ToDouble(v) != 0;
  }
  return std::nullopt;
}

std::optional<Dec> ToDec(const Value& v) {
  switch (v.k) {
    case Value::K::kInt: return Dec{v.i, 0};
    case Value::K::kUint: return Dec{static_cast<__int128>(v.u), 0};
    case Value::K::kDecimal: return v.dec;
    default: return std::nullopt;
  }
}

int CompareStringsCI(std::string_view a, std::string_view b) {
  while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
  while (!b.empty() && b.back() == ' ') b.remove_suffix(1);
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return x < y ? -1 : 1;
  }
  return Cmp3(a.size(), b.size());
}

std::optional<int> Compare(const Value& a, const Value& b) {
  using K = Value::K;
  if (a.null() || b.null()) return std::nullopt;
  bool a_text = a.k == K::kString || a.k == K::kTemporal;
  bool b_text = b.k == K::kString || b.k == K::kTemporal;
  if (a_text && b_text) {
    if ((a.k == K::kTemporal || b.k == K::kTemporal) && !a.binary && !b.binary) {
      auto x = ParseTemporal(a.s), y = ParseTemporal(b.s);
      if (x && y) {
        if (auto c = CompareTemporal(*x, *y)) return c;
      }
    }
    if (a.binary || b.binary) return Cmp3(std::string_view(a.s), std::string_view(b.s));
    return CompareStringsCI(a.s, b.s);
  }
  if (a.k == K::kTemporal) return Compare(TemporalToNumber(a), b);
  if (b.k == K::kTemporal) return Compare(a, TemporalToNumber(b));
  if (IsIntKind(a.k) && IsIntKind(b.k)) {
    __int128 x = a.k == K::kInt ? a.i : static_cast<__int128>(a.u);
    __int128 y = b.k == K::kInt ? b.i : static_cast<__int128>(b.u);
    return Cmp3(x, y);
  }
  auto x = ToDec(a), y = ToDec(b);
  if (x && y) return DecCompare(*x, *y);
  return Cmp3(ToDouble(a), ToDouble(b));
}

}  // namespace dm::rules::internal
