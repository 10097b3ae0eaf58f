#include "dm/binlog/value.h"

#include <charconv>
#include <cstring>

#include "dm/binlog/byte_reader.h"
#include "dm/binlog/json_binary.h"
#include "dm/binlog/json_text.h"

namespace dm::binlog {

namespace {

template <class T>
void AppendNumber(T v, std::string* out) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendPadded(uint64_t v, int width, std::string* out) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out->push_back('0');
  while (n > 0) out->push_back(buf[--n]);
}

void AppendFraction(uint32_t micro, uint8_t fsp, std::string* out) {
  if (fsp == 0) return;
  static constexpr uint32_t kDiv[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
  out->push_back('.');
  AppendPadded(micro / kDiv[fsp], fsp, out);
}

void AppendDate(uint16_t y, uint8_t m, uint8_t d, std::string* out) {
  AppendPadded(y, 4, out);
  out->push_back('-');
  AppendPadded(m, 2, out);
  out->push_back('-');
  AppendPadded(d, 2, out);
}

void AppendHms(uint64_t h, uint8_t mi, uint8_t s, std::string* out) {
  AppendPadded(h, 2, out);
  out->push_back(':');
  AppendPadded(mi, 2, out);
  out->push_back(':');
  AppendPadded(s, 2, out);
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

}  // namespace

Status AppendJsonDiffAsText(std::string_view diff, std::string* out) {
  // Each diff: operation u8 (0 replace, 1 insert, 2 remove), path (length-encoded),
  // and unless removing, a length-encoded MySQL binary JSON value.
  static constexpr std::string_view kOps[] = {"replace", "insert", "remove"};
  ByteReader r(diff);
  std::string text = "[";
  bool first = true;
  while (!r.empty()) {
    uint8_t op = r.U8();
    std::string_view path = r.PackedString();
    if (!r.ok() || op > 2) {
      return Status::Corruption("partial JSON diff: bad operation or path at byte " +
                                std::to_string(r.offset()));
    }
    if (!first) text += ", ";
    first = false;
    text += "{\"op\": \"";
    text += kOps[op];
    text += "\", \"path\": ";
    AppendJsonString(path, &text);
    if (op != 2) {
      std::string_view value = r.PackedString();
      if (!r.ok()) return Status::Corruption("partial JSON diff: truncated value");
      text += ", \"value\": ";
      DM_RETURN_IF_ERROR(AppendJsonBinaryAsText(value, &text));
    }
    text += "}";
  }
  text += "]";
  out->append(text);
  return Status::OK();
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t base = out->size();
  out->resize(base + bytes.size() * 2);
  char* p = out->data() + base;
  for (unsigned char c : bytes) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path for ASCII runs.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    p += n + 1;
  }
  return true;
}

Status AppendValueText(const Value& v, std::string* out) {
  switch (v.kind) {
    case ValueKind::kMissing:
    case ValueKind::kNull:
      return Status::Internal("AppendValueText called on a NULL or missing value");
    case ValueKind::kInt:
      AppendNumber(v.i, out);
      return Status::OK();
    case ValueKind::kUint:
    case ValueKind::kBit:
    case ValueKind::kEnum:
    case ValueKind::kSet:
      AppendNumber(v.u, out);
      return Status::OK();
    case ValueKind::kFloat:
      AppendNumber(v.f, out);
      return Status::OK();
    case ValueKind::kDouble:
      AppendNumber(v.d, out);
      return Status::OK();
    case ValueKind::kDecimal: {
      size_t consumed = 0;
      return AppendBinaryDecimalAsText(v.bytes, v.precision, v.scale, out, &consumed);
    }
    case ValueKind::kYear:
      AppendPadded(v.u, 4, out);
      return Status::OK();
    case ValueKind::kDate:
      AppendDate(v.dt.year, v.dt.month, v.dt.day, out);
      return Status::OK();
    case ValueKind::kTime:
      if (v.negative) out->push_back('-');
      AppendHms(v.tm.hours, v.tm.minute, v.tm.second, out);
      AppendFraction(v.micro, v.fsp, out);
      return Status::OK();
    case ValueKind::kDateTime:
      AppendDate(v.dt.year, v.dt.month, v.dt.day, out);
      out->push_back(' ');
      AppendHms(v.dt.hour, v.dt.minute, v.dt.second, out);
      AppendFraction(v.micro, v.fsp, out);
      return Status::OK();
    case ValueKind::kTimestamp: {
      if (v.u == 0 && v.micro == 0) {
        out->append("0000-00-00 00:00:00");
      } else {
        int64_t days = static_cast<int64_t>(v.u / 86400);
        uint64_t secs = v.u % 86400;
        int64_t y;
        unsigned m, d;
        CivilFromDays(days, &y, &m, &d);
        AppendDate(static_cast<uint16_t>(y), static_cast<uint8_t>(m), static_cast<uint8_t>(d),
                   out);
        out->push_back(' ');
        AppendHms(secs / 3600, static_cast<uint8_t>(secs / 60 % 60),
                  static_cast<uint8_t>(secs % 60), out);
      }
      AppendFraction(v.micro, v.fsp, out);
      return Status::OK();
    }
    case ValueKind::kString:
    case ValueKind::kGeometry:
      out->append(v.bytes);
      return Status::OK();
    case ValueKind::kJson:
      return AppendJsonBinaryAsText(v.bytes, out);
    case ValueKind::kJsonDiff:
      return AppendJsonDiffAsText(v.bytes, out);
    case ValueKind::kVector: {
      if (v.bytes.size() % 4 != 0) {
        return Status::Corruption("VECTOR value of " + std::to_string(v.bytes.size()) +
                                  " bytes is not a whole number of float32 values");
      }
      out->push_back('[');
      for (size_t i = 0; i < v.bytes.size(); i += 4) {
        if (i) out->push_back(',');
        float f;
        std::memcpy(&f, v.bytes.data() + i, 4);  // little-endian host (x86_64, aarch64)
        AppendNumber(f, out);
      }
      out->push_back(']');
      return Status::OK();
    }
  }
  return Status::Internal("unhandled value kind");
}

}  // namespace dm::binlog
