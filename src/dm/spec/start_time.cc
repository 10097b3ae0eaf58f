#include "dm/spec/start_time.h"

#include <cctype>
#include <cstdio>

namespace dm::spec {

namespace {

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Status Invalid(std::string_view text, std::string_view why) {
  return Status(Code::kInvalidArgument,
                "start-time \"" + std::string(text) + "\" is not valid (" + std::string(why) +
                    "): expected \"YYYY-MM-DD HH:MM:SS\" or \"YYYY-MM-DDTHH:MM:SS\", optionally "
                    "followed by Z or a UTC offset such as +08:00, e.g. \"2021-10-21 00:01:00\"",
                Scope::kConfig);
}

}  // namespace

std::string StartTime::Datetime() const {
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour, minute,
                second);
  return buf;
}

std::optional<int64_t> StartTime::UnixSeconds() const {
  if (!utc_offset_s) return std::nullopt;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + second - *utc_offset_s;
}

Result<StartTime> ParseStartTime(std::string_view text) {
  StartTime t;
  t.text = std::string(text);
  std::string_view s = text;
  if (s.size() < 19) return Invalid(text, "too short");
  if (!Digits(s, 0, 4, &t.year) || s[4] != '-' || !Digits(s, 5, 2, &t.month) || s[7] != '-' ||
      !Digits(s, 8, 2, &t.day) || (s[10] != ' ' && s[10] != 'T') || !Digits(s, 11, 2, &t.hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &t.minute) || s[16] != ':' || !Digits(s, 17, 2, &t.second)) {
    return Invalid(text, "wrong format");
  }
  if (t.year < 1970 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > DaysInMonth(t.year, t.month) || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return Invalid(text, "no such date or time");
  }
  std::string_view rest = s.substr(19);
  if (rest.empty()) return t;
  if (rest == "Z") {
    t.utc_offset_s = 0;
    return t;
  }
  int oh = 0, om = 0;
  bool ok = (rest[0] == '+' || rest[0] == '-') &&
            ((rest.size() == 6 && Digits(rest, 1, 2, &oh) && rest[3] == ':' && Digits(rest, 4, 2, &om)) ||
             (rest.size() == 5 && Digits(rest, 1, 2, &oh) && Digits(rest, 3, 2, &om)));
  if (!ok) return Invalid(text, "unexpected text after the time");
  int offset = oh * 3600 + om * 60;
  if (om > 59 || (rest[0] == '+' && offset > 14 * 3600) ||
      (rest[0] == '-' && offset > 12 * 3600 + 59 * 60)) {
    return Invalid(text, "UTC offset out of range -12:59..+14:00");
  }
  t.utc_offset_s = rest[0] == '-' ? -offset : offset;
  return t;
}

std::string FormatUnixUtc(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rem = seconds - days * 86400;
  // civil_from_days (Howard Hinnant).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u %02lld:%02lld:%02lld UTC",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  return buf;
}

}  // namespace dm::spec
