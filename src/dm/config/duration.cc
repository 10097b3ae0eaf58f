#include "dm/config/duration.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "dm/config/names.h"

namespace dm::config {

namespace {

Status Bad(std::string_view text, std::string_view why) {
  return Status(Code::kInvalidArgument,
                "invalid duration " + QuoteValue(text) + ": " + std::string(why) +
                    " (use Go syntax such as `30s`, `5m`, `1h30m`, `500ms`)",
                Scope::kConfig);
}

// Units in nanoseconds; longest spellings first so "ms" wins over "m".
struct Unit {
  std::string_view name;
  int64_t ns;
};
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1000},  // U+03BC Greek mu
    {"ms", 1000 * 1000},
    {"s", 1000LL * 1000 * 1000},
    {"m", 60LL * 1000 * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000 * 1000},
};

}  // namespace

Result<Duration> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return Bad(text, "empty");
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return Bad(text, "expected a number");
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !std::isdigit(static_cast<unsigned char>(s[u]))) ++u;
    std::string_view unit = s.substr(0, u);
    if (unit.empty()) return Bad(text, "missing unit");
    const Unit* found = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == unit) found = &cand;
    }
    if (found == nullptr) {
      return Bad(text, "unknown unit " + QuoteValue(unit) + "; valid units: ns, us, ms, s, m, h");
    }
    total += value * found->ns;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
      return Bad(text, "out of range");
    }
    s.remove_prefix(u);
  }
  auto ns = static_cast<int64_t>(std::llround(total));
  return Duration(neg ? -ns : ns);
}

namespace {
// Appends `v / 10^prec` with trailing fractional zeros trimmed ("1.5", "2").
void AppendFrac(std::string* out, uint64_t v, int prec) {
  uint64_t pow = 1;
  for (int i = 0; i < prec; ++i) pow *= 10;
  *out += std::to_string(v / pow);
  uint64_t frac = v % pow;
  if (frac == 0) return;
  std::string digits = std::to_string(frac);
  digits.insert(0, static_cast<size_t>(prec) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  *out += "." + digits;
}
}  // namespace

std::string FormatGoDuration(Duration d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out = n < 0 ? "-" : "";
  uint64_t u = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  constexpr uint64_t kSecond = 1000000000ULL;
  if (u < kSecond) {
    if (u < 1000) {
      out += std::to_string(u) + "ns";
    } else if (u < 1000000) {
      AppendFrac(&out, u, 3);
      out += "\xC2\xB5s";
    } else {
      AppendFrac(&out, u, 6);
      out += "ms";
    }
    return out;
  }
  uint64_t hours = u / (3600 * kSecond);
  u -= hours * 3600 * kSecond;
  uint64_t minutes = u / (60 * kSecond);
  u -= minutes * 60 * kSecond;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  AppendFrac(&out, u, 9);
  out += "s";
  return out;
}

Result<int64_t> ParseByteSize(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status(Code::kInvalidArgument,
                  "invalid size " + QuoteValue(text) + ": " + std::string(why) +
                      " (use a number with an optional unit, such as `500m`, `64MiB`, `2g`)",
                  Scope::kConfig);
  };
  std::string_view s = text;
  size_t i = 0;
  long double value = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    value = value * 10 + (s[i++] - '0');
    digits = true;
  }
  if (!digits) return bad("expected a number");
  if (i < s.size() && s[i] == '.') {
    ++i;
    long double scale = 0.1L;
    bool frac_digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value += (s[i++] - '0') * scale;
      scale /= 10;
      frac_digits = true;
    }
    if (!frac_digits) return bad("expected digits after `.`");
  }
  if (i < s.size() && s[i] == ' ') ++i;
  long double mult = 1;
  if (i < s.size()) {
    switch (std::tolower(static_cast<unsigned char>(s[i]))) {
      case 'k': mult = 1024.0L; ++i; break;
      case 'm': mult = 1024.0L * 1024; ++i; break;
      case 'g': mult = 1024.0L * 1024 * 1024; ++i; break;
      case 't': mult = 1024.0L * 1024 * 1024 * 1024; ++i; break;
      case 'p': mult = 1024.0L * 1024 * 1024 * 1024 * 1024; ++i; break;
      default: break;
    }
  }
  if (i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'i') ++i;
  if (i < s.size() && std::tolower(static_cast<unsigned char>(s[i])) == 'b') ++i;
  if (i != s.size()) return bad("unexpected text after the number");
  long double bytes = value * mult;
  if (bytes > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    return bad("out of range");
  }
  return static_cast<int64_t>(bytes);
}

}  // namespace dm::config
