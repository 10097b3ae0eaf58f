#include "dm/binlog/json_binary.h"

#include "dm/binlog/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace dm::binlog {
namespace {

// ---------------------------------------------------------------------------------------------
// Binary DECIMAL.

constexpr int kDigitsPerGroup = 9;
constexpr int kGroupBytes = 4;
constexpr int kMaxDecimalPrecision = 65;
constexpr int kMaxDecimalScale = 30;
constexpr int kDigitBytes[kDigitsPerGroup + 1] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr uint32_t kPowersOf10[kDigitsPerGroup + 1] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

bool ValidDecimalType(int precision, int scale) {
  return precision >= 1 && precision <= kMaxDecimalPrecision && scale >= 0 &&
         scale <= kMaxDecimalScale && scale <= precision;
}

// Appends `value` as exactly `width` decimal digits (zero-padded). REQUIRES value < 10^width.
void AppendPadded(uint32_t value, int width, std::string* out) {
  char buf[kDigitsPerGroup];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

// Reads an n-byte big-endian group, undoing the sign mask.
uint32_t ReadGroup(const unsigned char* p, int n, unsigned char mask) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i] ^ mask);
  return v;
}

// ---------------------------------------------------------------------------------------------
// JSON.

enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0A,
  kDouble = 0x0B,
  kString = 0x0C,
  kOpaque = 0x0F,
};

constexpr uint8_t kLiteralNull = 0x00;
constexpr uint8_t kLiteralTrue = 0x01;
constexpr uint8_t kLiteralFalse = 0x02;

// MySQL field types that JSON opaque values render specially.
constexpr uint8_t kFieldTimestamp = 7;
constexpr uint8_t kFieldDate = 10;
constexpr uint8_t kFieldTime = 11;
constexpr uint8_t kFieldDatetime = 12;
constexpr uint8_t kFieldNewDecimal = 246;
constexpr uint8_t kFieldVarString = 253;

constexpr size_t kPackedTemporalSize = 8;
constexpr int kMaxVarLenBytes = 5;  // a uint32 length, 7 bits per byte
constexpr size_t kOutputExpansion = 16;
constexpr size_t kOutputSlack = 256;

// my_gcvt() field width for doubles: MY_GCVT_MAX_FIELD_WIDTH = DBL_DIG + 4 + max(5, DBL_DIG).
constexpr int kGcvtWidth = 34;
// MAX_DECPT_FOR_F_FORMAT = DBL_DIG.
constexpr int kMaxDecptForFixed = 15;

uint64_t LoadLe(const char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void AppendUnsigned(uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

void AppendSigned(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}


// MySQL's base64_encode(): standard alphabet with padding, '\n' after every 76 output chars.
std::string MySqlBase64(std::string_view data) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  s.reserve((data.size() + 2) / 3 * 4 + data.size() / 57 + 1);
  size_t line = 0;
  for (size_t i = 0; i < data.size(); i += 3) {
    if (line == 76) {
      s.push_back('\n');
      line = 0;
    }
    const size_t n = data.size() - i;
    uint32_t c = static_cast<uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (n > 1) c |= static_cast<uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    if (n > 2) c |= static_cast<unsigned char>(data[i + 2]);
    s.push_back(kTable[(c >> 18) & 0x3f]);
    s.push_back(kTable[(c >> 12) & 0x3f]);
    s.push_back(n > 1 ? kTable[(c >> 6) & 0x3f] : '=');
    s.push_back(n > 2 ? kTable[c & 0x3f] : '=');
    line += 4;
  }
  return s;
}

// Appends `d` the way MySQL's JSON printer does: my_gcvt(d, MY_GCVT_ARG_DOUBLE, 34), then ".0"
// if that has neither '.' nor 'e'. REQUIRES std::isfinite(d).
//
// my_gcvt() asks dtoa (mode 4, `width` digits) for at most `width` significant digits; since the
// width is >= 33 and a double never needs more than 17, that is the shortest round-trip digit
// string, which std::to_chars also produces. With such a width my_gcvt's truncation paths are
// unreachable (every layout it picks fits), so only its choice between the 'f' and 'e' layouts
// is reproduced here.
void AppendMySqlDouble(double d, std::string* out) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));  // e.g. "-1.2345e-07"
  const bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  // Strip trailing zeros of the significand (dtoa never returns them); "0" stays "0".
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

  const int len = static_cast<int>(digits.size());
  int decpt = exp10 + 1;  // position of the decimal point relative to the digits
  if (d == 0) decpt = 1;  // dtoa's zero: "0" with decpt 1
  const int width = d < 0 ? kGcvtWidth - 1 : kGcvtWidth;  // my_gcvt drops the sign early
  const int exp_len = 1 + (decpt >= 101 || decpt <= -99) + (decpt >= 11 || decpt <= -9);
  const int fixed_len = decpt <= 0 ? len - decpt + 2 : (decpt < len ? len + 1 : decpt);
  const bool have_space = fixed_len <= width;
  const bool force_e = decpt <= 0 && width <= 2 - decpt && width >= 3 + exp_len;
  const bool fixed =
      (have_space ||
       (decpt <= width && (decpt >= -1 || (decpt == -2 && (len > 1 || !force_e))) && !force_e)) &&
      (!have_space ||
       (decpt >= -kMaxDecptForFixed + 1 && (decpt <= kMaxDecptForFixed || len > decpt)));

  const size_t start = out->size();
  if (negative) out->push_back('-');
  if (fixed) {
    if (decpt <= 0) {
      out->append("0.");
      out->append(static_cast<size_t>(-decpt), '0');
      out->append(digits);
    } else if (decpt < len) {
      out->append(digits, 0, static_cast<size_t>(decpt));
      out->push_back('.');
      out->append(digits, static_cast<size_t>(decpt), std::string::npos);
    } else {
      out->append(digits);
      out->append(static_cast<size_t>(decpt - len), '0');
    }
  } else {
    out->push_back(digits[0]);
    if (len > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    out->push_back('e');
    AppendSigned(decpt - 1, out);
  }
  if (out->find_first_of(".e", start) == std::string::npos) out->append(".0");
}

class JsonDecoder {
 public:
  JsonDecoder(std::string_view doc, std::string* out)
      : doc_(doc), out_(out), limit_(out->size() + kOutputExpansion * doc.size() + kOutputSlack) {}

  Status DecodeDocument() {
    if (doc_.empty()) {
      out_->append("null");
      return Status::OK();
    }
    return Value(static_cast<uint8_t>(doc_[0]), 1, doc_.size(), 0);
  }

 private:
  Status Error(size_t offset, std::string_view what) const {
    std::string msg = "invalid MySQL binary JSON at byte offset ";
    msg += std::to_string(offset);
    msg += " of ";
    msg += std::to_string(doc_.size());
    msg += ": ";
    msg += what;
    return Status::Corruption(std::move(msg));
  }

  Status Need(size_t pos, size_t end, size_t n, std::string_view what) const {
    if (pos > end || end - pos < n) {
      return Error(pos, std::string(what) + " needs " + std::to_string(n) + " bytes, only " +
                            std::to_string(pos > end ? 0 : end - pos) + " available");
    }
    return Status::OK();
  }

  Status CheckBudget(size_t pos) const {
    if (out_->size() > limit_) {
      return Error(pos, "text would exceed " + std::to_string(limit_) +
                            " bytes; values overlap (e.g. shared offsets)");
    }
    return Status::OK();
  }

  // Reads MySQL's variable-length uint32 at doc_[*pos, end), advancing *pos.
  Status VarLen(size_t* pos, size_t end, uint32_t* value) const {
    uint64_t v = 0;
    for (int i = 0; i < kMaxVarLenBytes; ++i) {
      const size_t p = *pos + static_cast<size_t>(i);
      if (p >= end) return Error(p, "truncated variable-length integer");
      const unsigned char b = static_cast<unsigned char>(doc_[p]);
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (v > UINT32_MAX) return Error(*pos, "variable-length integer exceeds 32 bits");
        *pos = p + 1;
        *value = static_cast<uint32_t>(v);
        return Status::OK();
      }
    }
    return Error(*pos, "variable-length integer longer than 5 bytes");
  }

  // Appends the value of type `type` whose data is at doc_[pos, end). `depth` is the number of
  // enclosing arrays/objects.
  Status Value(uint8_t type, size_t pos, size_t end, int depth) {
    switch (type) {
      case kSmallObject:
      case kLargeObject:
      case kSmallArray:
      case kLargeArray:
        return Container(type, pos, end, depth);
      case kLiteral:
        DM_RETURN_IF_ERROR(Need(pos, end, 1, "literal"));
        return Literal(static_cast<uint8_t>(doc_[pos]), pos);
      case kInt16:
        DM_RETURN_IF_ERROR(Need(pos, end, 2, "int16"));
        AppendSigned(static_cast<int16_t>(LoadLe(doc_.data() + pos, 2)), out_);
        break;
      case kUint16:
        DM_RETURN_IF_ERROR(Need(pos, end, 2, "uint16"));
        AppendUnsigned(LoadLe(doc_.data() + pos, 2), out_);
        break;
      case kInt32:
        DM_RETURN_IF_ERROR(Need(pos, end, 4, "int32"));
        AppendSigned(static_cast<int32_t>(LoadLe(doc_.data() + pos, 4)), out_);
        break;
      case kUint32:
        DM_RETURN_IF_ERROR(Need(pos, end, 4, "uint32"));
        AppendUnsigned(LoadLe(doc_.data() + pos, 4), out_);
        break;
      case kInt64:
        DM_RETURN_IF_ERROR(Need(pos, end, 8, "int64"));
        AppendSigned(static_cast<int64_t>(LoadLe(doc_.data() + pos, 8)), out_);
        break;
      case kUint64:
        DM_RETURN_IF_ERROR(Need(pos, end, 8, "uint64"));
        AppendUnsigned(LoadLe(doc_.data() + pos, 8), out_);
        break;
      case kDouble: {
        DM_RETURN_IF_ERROR(Need(pos, end, 8, "double"));
        const uint64_t bits = LoadLe(doc_.data() + pos, 8);
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        if (!std::isfinite(d)) return Error(pos, "double is not finite");
        AppendMySqlDouble(d, out_);
        break;
      }
      case kString: {
        uint32_t len = 0;
        size_t p = pos;
        DM_RETURN_IF_ERROR(VarLen(&p, end, &len));
        DM_RETURN_IF_ERROR(Need(p, end, len, "string"));
        AppendJsonString(doc_.substr(p, len), out_);
        break;
      }
      case kOpaque:
        DM_RETURN_IF_ERROR(Opaque(pos, end));
        break;
      default:
        return Error(pos > 0 ? pos - 1 : 0, "unknown value type " + std::to_string(type));
    }
    return CheckBudget(pos);
  }

  Status Literal(uint8_t literal, size_t pos) {
    switch (literal) {
      case kLiteralNull:
        out_->append("null");
        break;
      case kLiteralTrue:
        out_->append("true");
        break;
      case kLiteralFalse:
        out_->append("false");
        break;
      default:
        return Error(pos, "unknown literal " + std::to_string(literal));
    }
    return Status::OK();
  }

  Status Container(uint8_t type, size_t pos, size_t end, int depth) {
    const bool large = type == kLargeObject || type == kLargeArray;
    const bool object = type == kSmallObject || type == kLargeObject;
    const char* kind = object ? (large ? "large object" : "small object")
                              : (large ? "large array" : "small array");
    if (depth + 1 > kMaxJsonDepth) {
      return Error(pos, "nesting deeper than " + std::to_string(kMaxJsonDepth));
    }
    const size_t off_size = large ? 4 : 2;
    DM_RETURN_IF_ERROR(Need(pos, end, 2 * off_size, std::string(kind) + " header"));
    const uint64_t count = LoadLe(doc_.data() + pos, static_cast<int>(off_size));
    const uint64_t size = LoadLe(doc_.data() + pos + off_size, static_cast<int>(off_size));
    if (size > end - pos) {
      return Error(pos, std::string(kind) + " size " + std::to_string(size) + " exceeds the " +
                            std::to_string(end - pos) + " bytes available");
    }
    const size_t key_entry = object ? off_size + 2 : 0;
    const size_t value_entry = 1 + off_size;
    // count < 2^32 and entries are at most 7 bytes, so this cannot overflow 64 bits.
    const uint64_t header = 2 * off_size + count * (key_entry + value_entry);
    if (header > size) {
      return Error(pos, std::string(kind) + " with " + std::to_string(count) + " elements needs " +
                            std::to_string(header) + " header bytes but its size is " +
                            std::to_string(size));
    }
    const size_t cend = pos + static_cast<size_t>(size);
    const size_t keys = pos + 2 * off_size;
    const size_t values = keys + static_cast<size_t>(count) * key_entry;

    out_->push_back(object ? '{' : '[');
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) out_->append(", ");
      if (object) {
        const size_t k = keys + i * key_entry;
        const uint64_t key_off = LoadLe(doc_.data() + k, static_cast<int>(off_size));
        const uint64_t key_len = LoadLe(doc_.data() + k + off_size, 2);
        if (key_off > size || key_len > size - key_off) {
          return Error(k, "key " + std::to_string(i) + " (offset " + std::to_string(key_off) +
                              ", length " + std::to_string(key_len) + ") outside its " + kind +
                              " of size " + std::to_string(size));
        }
        AppendJsonString(doc_.substr(pos + static_cast<size_t>(key_off), key_len), out_);
        out_->append(": ");
      }
      const size_t v = values + i * value_entry;
      const uint8_t vtype = static_cast<uint8_t>(doc_[v]);
      const size_t field = v + 1;  // inlined value or offset
      switch (vtype) {
        case kLiteral:
          DM_RETURN_IF_ERROR(Literal(static_cast<uint8_t>(doc_[field]), field));
          break;
        case kInt16:
          AppendSigned(static_cast<int16_t>(LoadLe(doc_.data() + field, 2)), out_);
          break;
        case kUint16:
          AppendUnsigned(LoadLe(doc_.data() + field, 2), out_);
          break;
        case kInt32:
        case kUint32:
          if (large) {
            if (vtype == kInt32) {
              AppendSigned(static_cast<int32_t>(LoadLe(doc_.data() + field, 4)), out_);
            } else {
              AppendUnsigned(LoadLe(doc_.data() + field, 4), out_);
            }
            break;
          }
          [[fallthrough]];
        default: {
          const uint64_t value_off = LoadLe(doc_.data() + field, static_cast<int>(off_size));
          if (value_off >= size) {
            return Error(field, "value " + std::to_string(i) + " offset " +
                                    std::to_string(value_off) + " outside its " + kind +
                                    " of size " + std::to_string(size));
          }
          DM_RETURN_IF_ERROR(Value(vtype, pos + static_cast<size_t>(value_off), cend, depth + 1));
        }
      }
      DM_RETURN_IF_ERROR(CheckBudget(v));
    }
    out_->push_back(object ? '}' : ']');
    return Status::OK();
  }

  Status Opaque(size_t pos, size_t end) {
    DM_RETURN_IF_ERROR(Need(pos, end, 1, "opaque field type"));
    const uint8_t field_type = static_cast<uint8_t>(doc_[pos]);
    size_t p = pos + 1;
    uint32_t len = 0;
    DM_RETURN_IF_ERROR(VarLen(&p, end, &len));
    DM_RETURN_IF_ERROR(Need(p, end, len, "opaque data"));
    const std::string_view data = doc_.substr(p, len);
    switch (field_type) {
      case kFieldNewDecimal:
        return OpaqueDecimal(data, p);
      case kFieldDate:
      case kFieldTime:
      case kFieldDatetime:
      case kFieldTimestamp:
        return OpaqueTemporal(field_type, data, p);
      case kFieldVarString:
        AppendJsonString(data, out_);
        return Status::OK();
      default: {
        std::string text = "base64:type";
        AppendUnsigned(field_type, &text);
        text.push_back(':');
        text += MySqlBase64(data);
        AppendJsonString(text, out_);
        return Status::OK();
      }
    }
  }

  Status OpaqueDecimal(std::string_view data, size_t pos) {
    if (data.size() < 2) return Error(pos, "opaque DECIMAL shorter than 2 bytes");
    const int precision = static_cast<unsigned char>(data[0]);
    const int scale = static_cast<unsigned char>(data[1]);
    if (!ValidDecimalType(precision, scale)) {
      return Error(pos, "opaque DECIMAL has invalid precision " + std::to_string(precision) +
                            " / scale " + std::to_string(scale));
    }
    const size_t want = BinaryDecimalSize(precision, scale);
    if (data.size() - 2 != want) {
      return Error(pos, "opaque DECIMAL(" + std::to_string(precision) + "," +
                            std::to_string(scale) + ") has " + std::to_string(data.size() - 2) +
                            " value bytes, expected " + std::to_string(want));
    }
    size_t consumed = 0;
    Status s = AppendBinaryDecimalAsText(data.substr(2), precision, scale, out_, &consumed);
    if (!s.ok()) return Error(pos + 2, s.message());
    return Status::OK();
  }

  Status OpaqueTemporal(uint8_t field_type, std::string_view data, size_t pos) {
    if (data.size() != kPackedTemporalSize) {
      return Error(pos, "opaque temporal value (field type " + std::to_string(field_type) +
                            ") has " + std::to_string(data.size()) + " bytes, expected 8");
    }
    int64_t packed = static_cast<int64_t>(LoadLe(data.data(), 8));
    if (packed == INT64_MIN) return Error(pos, "packed temporal value out of range");
    const bool negative = packed < 0;
    if (negative) packed = -packed;
    const uint64_t frac = static_cast<uint64_t>(packed) % (1ULL << 24);
    const uint64_t int_part = static_cast<uint64_t>(packed) >> 24;
    if (frac > 999999) return Error(pos, "packed temporal microseconds above 999999");
    char buf[64];
    int n = 0;
    if (field_type == kFieldTime) {
      const uint64_t hour = (int_part >> 12) % (1 << 10);
      const uint64_t minute = (int_part >> 6) % (1 << 6);
      const uint64_t second = int_part % (1 << 6);
      if ((int_part >> 22) != 0 || hour > 838 || minute > 59 || second > 59) {
        return Error(pos, "packed TIME out of range");
      }
      n = std::snprintf(buf, sizeof(buf), "%s%02u:%02u:%02u.%06u", negative ? "-" : "",
                        static_cast<unsigned>(hour), static_cast<unsigned>(minute),
                        static_cast<unsigned>(second), static_cast<unsigned>(frac));
    } else {
      if (negative) return Error(pos, "packed date/datetime is negative");
      const uint64_t ymd = int_part >> 17;
      const uint64_t ym = ymd >> 5;
      const uint64_t hms = int_part % (1 << 17);
      const uint64_t year = ym / 13, month = ym % 13, day = ymd % (1 << 5);
      const uint64_t hour = hms >> 12, minute = (hms >> 6) % (1 << 6), second = hms % (1 << 6);
      if (year > 9999 || hour > 23 || minute > 59 || second > 59) {
        return Error(pos, "packed date/datetime out of range");
      }
      if (field_type == kFieldDate) {
        if (int_part % (1 << 17) != 0 || frac != 0) {
          return Error(pos, "packed DATE has a time part");
        }
        n = std::snprintf(buf, sizeof(buf), "%04u-%02u-%02u", static_cast<unsigned>(year),
                          static_cast<unsigned>(month), static_cast<unsigned>(day));
      } else {
        n = std::snprintf(buf, sizeof(buf), "%04u-%02u-%02u %02u:%02u:%02u.%06u",
                          static_cast<unsigned>(year), static_cast<unsigned>(month),
                          static_cast<unsigned>(day), static_cast<unsigned>(hour),
                          static_cast<unsigned>(minute), static_cast<unsigned>(second),
                          static_cast<unsigned>(frac));
      }
    }
    out_->push_back('"');
    out_->append(buf, static_cast<size_t>(n));
    out_->push_back('"');
    return Status::OK();
  }

  std::string_view doc_;
  std::string* out_;
  size_t limit_;
};

}  // namespace

size_t BinaryDecimalSize(int precision, int scale) {
  if (!ValidDecimalType(precision, scale)) return 0;
  const int intg = precision - scale;
  return static_cast<size_t>(
      intg / kDigitsPerGroup * kGroupBytes + kDigitBytes[intg % kDigitsPerGroup] +
      scale / kDigitsPerGroup * kGroupBytes + kDigitBytes[scale % kDigitsPerGroup]);
}

Status AppendBinaryDecimalAsText(std::string_view bytes, int precision, int scale, std::string* out,
                                 size_t* consumed) {
  if (!ValidDecimalType(precision, scale)) {
    return Status::InvalidArgument(
        "invalid DECIMAL precision " + std::to_string(precision) + " / scale " +
        std::to_string(scale) + " (need 1 <= precision <= 65, 0 <= scale <= min(30, precision))");
  }
  const size_t size = BinaryDecimalSize(precision, scale);
  if (bytes.size() < size) {
    return Status::Corruption("binary DECIMAL(" + std::to_string(precision) + "," +
                              std::to_string(scale) + ") needs " + std::to_string(size) +
                              " bytes, only " + std::to_string(bytes.size()) + " available");
  }
  unsigned char buf[32];  // DECIMAL(65,30) takes 30 bytes
  std::memcpy(buf, bytes.data(), size);
  const unsigned char mask = (buf[0] & 0x80) ? 0x00 : 0xFF;
  buf[0] ^= 0x80;

  const int intg = precision - scale;
  const int intg_full = intg / kDigitsPerGroup, intg_left = intg % kDigitsPerGroup;
  const int frac_full = scale / kDigitsPerGroup, frac_left = scale % kDigitsPerGroup;

  std::string int_digits;  // all integer digits, with leading zeros
  std::string frac_digits;
  const unsigned char* p = buf;
  auto group = [&](int digits, std::string* dst, size_t offset) -> Status {
    const int n = digits == kDigitsPerGroup ? kGroupBytes : kDigitBytes[digits];
    const uint32_t v = ReadGroup(p, n, mask);
    if (v >= kPowersOf10[digits]) {
      return Status::Corruption("binary DECIMAL(" + std::to_string(precision) + "," +
                                std::to_string(scale) + ") has an invalid " +
                                std::to_string(digits) + "-digit group " + std::to_string(v) +
                                " at byte offset " + std::to_string(offset));
    }
    AppendPadded(v, digits, dst);
    p += n;
    return Status::OK();
  };
  if (intg_left > 0) DM_RETURN_IF_ERROR(group(intg_left, &int_digits, 0));
  for (int i = 0; i < intg_full; ++i) {
    DM_RETURN_IF_ERROR(group(kDigitsPerGroup, &int_digits, static_cast<size_t>(p - buf)));
  }
  for (int i = 0; i < frac_full; ++i) {
    DM_RETURN_IF_ERROR(group(kDigitsPerGroup, &frac_digits, static_cast<size_t>(p - buf)));
  }
  if (frac_left > 0) {
    DM_RETURN_IF_ERROR(group(frac_left, &frac_digits, static_cast<size_t>(p - buf)));
  }

  const size_t first = int_digits.find_first_not_of('0');
  std::string_view int_part = first == std::string::npos
                                  ? std::string_view("0")
                                  : std::string_view(int_digits).substr(first);
  // MySQL's bin2decimal turns a zero with no fraction digits into a positive zero; with
  // fraction digits the sign survives and decimal2string prints it ("-0.00").
  const bool negative = mask != 0 && !(scale == 0 && first == std::string::npos);
  if (negative) out->push_back('-');
  out->append(int_part);
  if (scale > 0) {
    out->push_back('.');
    out->append(frac_digits);
  }
  *consumed = size;
  return Status::OK();
}

Status AppendJsonBinaryAsText(std::string_view bytes, std::string* out) {
  const size_t original_size = out->size();
  JsonDecoder decoder(bytes, out);
  Status s = decoder.DecodeDocument();
  if (!s.ok()) out->resize(original_size);
  return s;
}

}  // namespace dm::binlog
