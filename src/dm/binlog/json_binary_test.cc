#include "dm/binlog/json_binary.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace dm::binlog {
namespace {

// ---------------------------------------------------------------------------------------------
// A test-only model of JSON values and an encoder to MySQL's binary JSON format.

struct J {
  enum class K {
    kNull,
    kTrue,
    kFalse,
    kI16,
    kU16,
    kI32,
    kU32,
    kI64,
    kU64,
    kDouble,
    kString,
    kOpaque,
    kArray,
    kObject
  };
  K k = K::kNull;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string s;       // string value or opaque data
  uint8_t ftype = 0;   // opaque field type
  bool large = false;  // containers: large format
  std::vector<J> items;
  std::vector<std::pair<std::string, J>> members;
};

J Null() { return J{}; }
J True() {
  J j;
  j.k = J::K::kTrue;
  return j;
}
J False() {
  J j;
  j.k = J::K::kFalse;
  return j;
}
J I16(int16_t v) {
  J j;
  j.k = J::K::kI16;
  j.i = v;
  return j;
}
J U16(uint16_t v) {
  J j;
  j.k = J::K::kU16;
  j.u = v;
  return j;
}
J I32(int32_t v) {
  J j;
  j.k = J::K::kI32;
  j.i = v;
  return j;
}
J U32(uint32_t v) {
  J j;
  j.k = J::K::kU32;
  j.u = v;
  return j;
}
J I64(int64_t v) {
  J j;
  j.k = J::K::kI64;
  j.i = v;
  return j;
}
J U64(uint64_t v) {
  J j;
  j.k = J::K::kU64;
  j.u = v;
  return j;
}
J Dbl(double v) {
  J j;
  j.k = J::K::kDouble;
  j.d = v;
  return j;
}
J Str(std::string v) {
  J j;
  j.k = J::K::kString;
  j.s = std::move(v);
  return j;
}
J Opq(uint8_t type, std::string data) {
  J j;
  j.k = J::K::kOpaque;
  j.ftype = type;
  j.s = std::move(data);
  return j;
}
J Arr(std::vector<J> items, bool large = false) {
  J j;
  j.k = J::K::kArray;
  j.items = std::move(items);
  j.large = large;
  return j;
}
J Obj(std::vector<std::pair<std::string, J>> members, bool large = false) {
  J j;
  j.k = J::K::kObject;
  j.members = std::move(members);
  j.large = large;
  return j;
}

uint8_t TypeOf(const J& v) {
  switch (v.k) {
    case J::K::kNull:
    case J::K::kTrue:
    case J::K::kFalse:
      return 0x04;
    case J::K::kI16:
      return 0x05;
    case J::K::kU16:
      return 0x06;
    case J::K::kI32:
      return 0x07;
    case J::K::kU32:
      return 0x08;
    case J::K::kI64:
      return 0x09;
    case J::K::kU64:
      return 0x0A;
    case J::K::kDouble:
      return 0x0B;
    case J::K::kString:
      return 0x0C;
    case J::K::kOpaque:
      return 0x0F;
    case J::K::kArray:
      return v.large ? 0x03 : 0x02;
    case J::K::kObject:
      return v.large ? 0x01 : 0x00;
  }
  return 0xFF;
}

void PutLe(std::string* s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void SetLe(std::string* s, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) (*s)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutVarLen(std::string* s, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    s->push_back(static_cast<char>(b));
  } while (v);
}

bool Inlined(const J& v, bool large) {
  switch (v.k) {
    case J::K::kNull:
    case J::K::kTrue:
    case J::K::kFalse:
    case J::K::kI16:
    case J::K::kU16:
      return true;
    case J::K::kI32:
    case J::K::kU32:
      return large;
    default:
      return false;
  }
}

std::string EncodeData(const J& v);

std::string EncodeContainer(const J& v) {
  const bool object = v.k == J::K::kObject;
  const int off = v.large ? 4 : 2;
  const size_t n = object ? v.members.size() : v.items.size();
  const size_t key_entry = object ? off + 2 : 0, value_entry = 1 + off;
  std::string out(2 * off + n * (key_entry + value_entry), '\0');
  const size_t keys = 2 * off, values = keys + n * key_entry;
  for (size_t i = 0; object && i < n; ++i) {
    SetLe(&out, keys + i * key_entry, out.size(), off);
    SetLe(&out, keys + i * key_entry + off, v.members[i].first.size(), 2);
    out += v.members[i].first;
  }
  for (size_t i = 0; i < n; ++i) {
    const J& child = object ? v.members[i].second : v.items[i];
    const size_t e = values + i * value_entry;
    out[e] = static_cast<char>(TypeOf(child));
    if (Inlined(child, v.large)) {
      uint64_t inl = 0;
      if (child.k == J::K::kTrue) inl = 1;
      if (child.k == J::K::kFalse) inl = 2;
      if (child.k == J::K::kI16 || child.k == J::K::kI32) inl = static_cast<uint64_t>(child.i);
      if (child.k == J::K::kU16 || child.k == J::K::kU32) inl = child.u;
      SetLe(&out, e + 1, inl, off);
    } else {
      SetLe(&out, e + 1, out.size(), off);
      out += EncodeData(child);
    }
  }
  SetLe(&out, 0, n, off);
  SetLe(&out, off, out.size(), off);
  return out;
}

std::string EncodeData(const J& v) {
  std::string s;
  switch (v.k) {
    case J::K::kNull:
      s.push_back(0);
      break;
    case J::K::kTrue:
      s.push_back(1);
      break;
    case J::K::kFalse:
      s.push_back(2);
      break;
    case J::K::kI16:
      PutLe(&s, static_cast<uint64_t>(v.i), 2);
      break;
    case J::K::kU16:
      PutLe(&s, v.u, 2);
      break;
    case J::K::kI32:
      PutLe(&s, static_cast<uint64_t>(v.i), 4);
      break;
    case J::K::kU32:
      PutLe(&s, v.u, 4);
      break;
    case J::K::kI64:
      PutLe(&s, static_cast<uint64_t>(v.i), 8);
      break;
    case J::K::kU64:
      PutLe(&s, v.u, 8);
      break;
    case J::K::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &v.d, 8);
      PutLe(&s, bits, 8);
      break;
    }
    case J::K::kString:
      PutVarLen(&s, v.s.size());
      s += v.s;
      break;
    case J::K::kOpaque:
      s.push_back(static_cast<char>(v.ftype));
      PutVarLen(&s, v.s.size());
      s += v.s;
      break;
    case J::K::kArray:
    case J::K::kObject:
      s = EncodeContainer(v);
      break;
  }
  return s;
}

std::string Doc(const J& v) { return std::string(1, static_cast<char>(TypeOf(v))) + EncodeData(v); }

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string ToText(std::string_view bytes) {
  std::string out;
  Status s = AppendJsonBinaryAsText(bytes, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

Status Decode(std::string_view bytes, std::string* out) {
  return AppendJsonBinaryAsText(bytes, out);
}

// ---------------------------------------------------------------------------------------------
// JSON structure and scalars.

TEST(JsonBinaryTest, EmptyValueIsJsonNull) {
  std::string out = "x=";
  ASSERT_TRUE(AppendJsonBinaryAsText("", &out).ok());
  EXPECT_EQ(out, "x=null");
}

TEST(JsonBinaryTest, AppendsToExistingText) {
  std::string out = "prefix ";
  ASSERT_TRUE(AppendJsonBinaryAsText(Doc(I16(7)), &out).ok());
  EXPECT_EQ(out, "prefix 7");
}

TEST(JsonBinaryTest, HandBuiltSmallObject) {
  // {"a": 1, "b": [true, null, "x"]} encoded by hand.
  // Object: count 2, size 0x23; keys at 0x12 ("a") and 0x13 ("b"); values: int16 1 inline,
  // small array at 0x14. Array: count 3, size 0x0f; true, null inline, string at 0x0d.
  const std::string doc = Bytes({0x00, 0x02, 0x00, 0x23, 0x00,                    // header
                                 0x12, 0x00, 0x01, 0x00, 0x13, 0x00, 0x01, 0x00,  // keys
                                 0x05, 0x01, 0x00, 0x02, 0x14, 0x00,              // values
                                 'a',  'b',                                       // key bytes
                                 0x03, 0x00, 0x0f, 0x00,                          // array header
                                 0x04, 0x01, 0x00, 0x04, 0x00, 0x00, 0x0c, 0x0d, 0x00, 0x01, 'x'});
  EXPECT_EQ(ToText(doc), R"({"a": 1, "b": [true, null, "x"]})");
  // And the encoder agrees byte for byte.
  EXPECT_EQ(Doc(Obj({{"a", I16(1)}, {"b", Arr({True(), Null(), Str("x")})}})), doc);
}

TEST(JsonBinaryTest, Literals) {
  EXPECT_EQ(ToText(Bytes({0x04, 0x00})), "null");
  EXPECT_EQ(ToText(Bytes({0x04, 0x01})), "true");
  EXPECT_EQ(ToText(Bytes({0x04, 0x02})), "false");
  std::string out;
  Status s = Decode(Bytes({0x04, 0x03}), &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("literal 3"), std::string_view::npos) << s.ToString();
}

TEST(JsonBinaryTest, Integers) {
  EXPECT_EQ(ToText(Doc(I16(-32768))), "-32768");
  EXPECT_EQ(ToText(Doc(U16(65535))), "65535");
  EXPECT_EQ(ToText(Doc(I32(std::numeric_limits<int32_t>::min()))), "-2147483648");
  EXPECT_EQ(ToText(Doc(U32(4294967295u))), "4294967295");
  EXPECT_EQ(ToText(Doc(I64(std::numeric_limits<int64_t>::min()))), "-9223372036854775808");
  EXPECT_EQ(ToText(Doc(I64(std::numeric_limits<int64_t>::max()))), "9223372036854775807");
  EXPECT_EQ(ToText(Doc(U64(std::numeric_limits<uint64_t>::max()))), "18446744073709551615");
  // Inlined in containers: int16/uint16 always, int32/uint32 only in the large format.
  for (bool large : {false, true}) {
    J a = Arr({I16(-5), U16(65000), I32(-70000), U32(3000000000u), I64(-1), U64(1)}, large);
    EXPECT_EQ(ToText(Doc(a)), "[-5, 65000, -70000, 3000000000, -1, 1]") << large;
  }
}

TEST(JsonBinaryTest, StringsAreEscapedLikeMySql) {
  std::string raw = "q\"b\\s/\n\t\b\f\r";
  raw.push_back('\0');
  raw += "\x01\x1f\x7f";
  raw += "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";  // é 中 😀
  EXPECT_EQ(ToText(Doc(Str(raw))),
            "\"q\\\"b\\\\s/\\n\\t\\b\\f\\r\\u0000\\u0001\\u001f\x7f"
            "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"");
  EXPECT_EQ(ToText(Doc(Str(""))), "\"\"");
  // A string longer than 127 bytes uses a 2-byte length.
  EXPECT_EQ(ToText(Doc(Str(std::string(300, 'z')))), "\"" + std::string(300, 'z') + "\"");
}

TEST(JsonBinaryTest, UnicodeAndEscapedKeys) {
  J o = Obj({{"\xc3\xa9t\xc3\xa9", I16(1)},
             {"a\"b", Str("\n")},
             {"", Null()},
             {"\xf0\x9f\x98\x80", Arr({})}});
  EXPECT_EQ(
      ToText(Doc(o)),
      "{\"\xc3\xa9t\xc3\xa9\": 1, \"a\\\"b\": \"\\n\", \"\": null, \"\xf0\x9f\x98\x80\": []}");
}

TEST(JsonBinaryTest, NestedAndLargeFormatsRenderIdentically) {
  auto build = [](bool large_outer, bool large_inner) {
    return Obj(
        {{"name", Str("dm")},
         {"list", Arr({I16(1), Dbl(2.5),
                       Obj({{"deep", Arr({Null(), False()}, large_inner)}}, large_inner), Str("s")},
                      large_inner)},
         {"n", I64(-42)},
         {"empty_obj", Obj({}, large_inner)},
         {"empty_arr", Arr({}, large_outer)}},
        large_outer);
  };
  const std::string want =
      R"({"name": "dm", "list": [1, 2.5, {"deep": [null, false]}, "s"], "n": -42, )"
      R"("empty_obj": {}, "empty_arr": []})";
  for (bool a : {false, true}) {
    for (bool b : {false, true}) EXPECT_EQ(ToText(Doc(build(a, b))), want) << a << b;
  }
}

TEST(JsonBinaryTest, LargeArrayBeyondSmallLimits) {
  std::vector<J> items;
  std::string want = "[";
  for (int i = 0; i < 7000; ++i) {
    items.push_back(Str("item" + std::to_string(i)));
    want += (i ? ", \"item" : "\"item") + std::to_string(i) + "\"";
  }
  want += "]";
  EXPECT_EQ(ToText(Doc(Arr(items, /*large=*/true))), want);
}

TEST(JsonBinaryTest, Doubles) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {3.0, "3.0"},
      {-3.0, "-3.0"},
      {1.5, "1.5"},
      {-1.5, "-1.5"},
      {0.1, "0.1"},
      {1.0 / 3, "0.3333333333333333"},
      {2.0 / 3, "0.6666666666666666"},
      {3.141592653589793, "3.141592653589793"},
      {100.0, "100.0"},
      {1e14, "100000000000000.0"},
      {123456789012345.0, "123456789012345.0"},
      {1e15, "1e15"},
      {1234567890123456.0, "1.234567890123456e15"},
      {1234567890123456.7, "1234567890123456.8"},  // decpt 16 < 17 digits: fixed
      {1e16, "1e16"},
      {1e100, "1e100"},
      {-1e100, "-1e100"},
      {1.5e300, "1.5e300"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {0.001, "0.001"},
      {0.0001, "0.0001"},
      {1e-15, "0.000000000000001"},
      {1.25e-15, "0.00000000000000125"},
      {1e-16, "1e-16"},
      {-1.5e-20, "-1.5e-20"},
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {5e-324, "5e-324"},
      {9007199254740993.0, "9.007199254740992e15"},  // rounds to 2^53; decpt 16, 16 digits
      {123.456, "123.456"},
  };
  for (const auto& [d, want] : cases) EXPECT_EQ(ToText(Doc(Dbl(d))), want) << want;
  std::string out;
  EXPECT_TRUE(Decode(Doc(Dbl(std::numeric_limits<double>::infinity())), &out).IsCorruption());
  EXPECT_TRUE(Decode(Doc(Dbl(std::numeric_limits<double>::quiet_NaN())), &out).IsCorruption());
  EXPECT_EQ(out, "");
}

// ---------------------------------------------------------------------------------------------
// Opaque values.

std::string Packed(int64_t v) {
  std::string s;
  PutLe(&s, static_cast<uint64_t>(v), 8);
  return s;
}
int64_t PackDatetime(int y, int mo, int d, int h, int mi, int s, int us) {
  const int64_t ymd = ((static_cast<int64_t>(y) * 13 + mo) << 5) | d;
  const int64_t hms = (h << 12) | (mi << 6) | s;
  return (((ymd << 17) | hms) << 24) + us;
}
int64_t PackTime(bool neg, int h, int mi, int s, int us) {
  const int64_t v = ((static_cast<int64_t>((h << 12) | (mi << 6) | s)) << 24) + us;
  return neg ? -v : v;
}

TEST(JsonBinaryTest, OpaqueTemporal) {
  EXPECT_EQ(ToText(Doc(Opq(10, Packed(PackDatetime(2015, 1, 15, 0, 0, 0, 0))))), "\"2015-01-15\"");
  EXPECT_EQ(ToText(Doc(Opq(12, Packed(PackDatetime(2015, 1, 15, 23, 24, 25, 0))))),
            "\"2015-01-15 23:24:25.000000\"");
  EXPECT_EQ(ToText(Doc(Opq(7, Packed(PackDatetime(1999, 12, 31, 1, 2, 3, 456))))),
            "\"1999-12-31 01:02:03.000456\"");
  EXPECT_EQ(ToText(Doc(Opq(12, Packed(PackDatetime(0, 0, 0, 0, 0, 0, 0))))),
            "\"0000-00-00 00:00:00.000000\"");
  EXPECT_EQ(ToText(Doc(Opq(11, Packed(PackTime(false, 23, 24, 25, 0))))), "\"23:24:25.000000\"");
  EXPECT_EQ(ToText(Doc(Opq(11, Packed(PackTime(true, 838, 59, 59, 999999))))),
            "\"-838:59:59.999999\"");
  EXPECT_EQ(ToText(Doc(Opq(11, Packed(PackTime(false, 1, 2, 3, 500000))))), "\"01:02:03.500000\"");
  // Inside a container.
  EXPECT_EQ(ToText(Doc(Arr({Opq(10, Packed(PackDatetime(2020, 2, 29, 0, 0, 0, 0)))}))),
            "[\"2020-02-29\"]");

  std::string out;
  EXPECT_TRUE(Decode(Doc(Opq(12, "1234567")), &out).IsCorruption());  // 7 bytes
  EXPECT_TRUE(Decode(Doc(Opq(12, Packed(PackDatetime(2015, 1, 1, 24, 0, 0, 0)))), &out)
                  .IsCorruption());  // hour 24
  EXPECT_TRUE(Decode(Doc(Opq(12, Packed(PackDatetime(2015, 1, 1, 0, 0, 0, 1000000)))), &out)
                  .IsCorruption());  // usec
  EXPECT_TRUE(Decode(Doc(Opq(11, Packed(PackTime(false, 839, 0, 0, 0)))), &out).IsCorruption());
  EXPECT_TRUE(
      Decode(Doc(Opq(11, Packed(std::numeric_limits<int64_t>::min()))), &out).IsCorruption());
  EXPECT_EQ(out, "");
}

std::string DecimalOpaque(int precision, int scale, std::string bin) {
  return std::string(1, static_cast<char>(precision)) + std::string(1, static_cast<char>(scale)) +
         bin;
}

TEST(JsonBinaryTest, OpaqueDecimal) {
  // DECIMAL(6,3) 123.456 and DECIMAL(11,2) 9.00 (from the bytes of json-opaque.binlog).
  EXPECT_EQ(ToText(Doc(Opq(246, DecimalOpaque(6, 3, Bytes({0x80, 0x7b, 0x01, 0xc8}))))), "123.456");
  EXPECT_EQ(ToText(Doc(Obj({{"e", Opq(246, DecimalOpaque(11, 2, Bytes({0x80, 0, 0, 9, 0})))}}))),
            R"({"e": 9.00})");
  // DECIMAL(13,2) -1948.14.
  EXPECT_EQ(ToText(Doc(Opq(246, DecimalOpaque(13, 2, Bytes({127, 255, 255, 248, 99, 241}))))),
            "-1948.14");
  std::string out;
  // Wrong length, bad precision/scale, bad digits.
  EXPECT_TRUE(
      Decode(Doc(Opq(246, DecimalOpaque(6, 3, Bytes({0x80, 0x7b, 0x01})))), &out).IsCorruption());
  EXPECT_TRUE(Decode(Doc(Opq(246, DecimalOpaque(6, 3, Bytes({0x80, 0x7b, 0x01, 0xc8, 0})))), &out)
                  .IsCorruption());
  EXPECT_TRUE(
      Decode(Doc(Opq(246, DecimalOpaque(66, 0, std::string(30, '\x80')))), &out).IsCorruption());
  EXPECT_TRUE(Decode(Doc(Opq(246, DecimalOpaque(2, 3, Bytes({0x80, 0})))), &out).IsCorruption());
  EXPECT_TRUE(Decode(Doc(Opq(246, Bytes({6}))), &out).IsCorruption());
  EXPECT_TRUE(Decode(Doc(Opq(246, DecimalOpaque(2, 0, Bytes({0x80 | 100})))), &out)
                  .IsCorruption());  // 100 in a 2-digit group
  EXPECT_EQ(out, "");
}

TEST(JsonBinaryTest, OpaqueOtherTypesAreBase64) {
  EXPECT_EQ(ToText(Doc(Opq(15, "U"))), "\"base64:type15:VQ==\"");
  EXPECT_EQ(ToText(Doc(Opq(252, ""))), "\"base64:type252:\"");
  EXPECT_EQ(ToText(Doc(Opq(16, "ab"))), "\"base64:type16:YWI=\"");
  EXPECT_EQ(ToText(Doc(Opq(255, "abc"))), "\"base64:type255:YWJj\"");
  // MySQL's base64 breaks lines after 76 characters (57 input bytes); the newline is escaped.
  const std::string data(60, '\xff');
  EXPECT_EQ(ToText(Doc(Opq(252, data))), "\"base64:type252:" + std::string(76, '/') + "\\n////\"");
  EXPECT_EQ(ToText(Doc(Opq(252, std::string(57, '\xff')))),
            "\"base64:type252:" + std::string(76, '/') + "\"");
  // VAR_STRING opaque values print as plain strings.
  EXPECT_EQ(ToText(Doc(Opq(253, "he said \"hi\""))), "\"he said \\\"hi\\\"\"");
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

TEST(JsonBinaryTest, ErrorsNameTheOffset) {
  std::string out = "keep";
  Status s = Decode(Bytes({0x0c, 0x05, 'a', 'b'}), &out);  // string of 5 with 2 bytes
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("offset 2"), std::string_view::npos) << s.ToString();
  EXPECT_EQ(out, "keep");

  s = Decode(Bytes({0x0e, 0x00}), &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("unknown value type 14"), std::string_view::npos) << s.ToString();

  s = Decode(Bytes({0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("longer than 5 bytes"), std::string_view::npos) << s.ToString();

  s = Decode(Bytes({0x0c, 0xff, 0xff, 0xff, 0xff, 0x7f}), &out);  // 35-bit length
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("exceeds 32 bits"), std::string_view::npos) << s.ToString();

  // Object whose size exceeds the document.
  s = Decode(Bytes({0x00, 0x01, 0x00, 0x40, 0x00}), &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("size 64 exceeds"), std::string_view::npos) << s.ToString();

  // Header bigger than the declared size.
  s = Decode(Bytes({0x02, 0x05, 0x00, 0x06, 0x00, 0x04, 0x00}), &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("header bytes"), std::string_view::npos) << s.ToString();

  // Key pointing past the object.
  std::string doc = Doc(Obj({{"k", Null()}}));
  doc[5] = 0x30;  // key offset
  s = Decode(doc, &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("key 0"), std::string_view::npos) << s.ToString();

  // Value offset past the array.
  doc = Doc(Arr({Str("abc")}));
  doc[6] = 0x20;
  s = Decode(doc, &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("value 0 offset 32"), std::string_view::npos) << s.ToString();
  EXPECT_EQ(out, "keep");

  for (uint8_t t :
       {0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04}) {
    EXPECT_TRUE(Decode(std::string(1, static_cast<char>(t)), &out).IsCorruption()) << int(t);
  }
}

J Nest(int depth) {
  J v = I16(1);
  for (int i = 0; i < depth; ++i) v = (i % 2) ? Arr({v}) : Obj({{"k", v}});
  return v;
}

TEST(JsonBinaryTest, DepthLimit) {
  std::string out;
  ASSERT_TRUE(Decode(Doc(Nest(kMaxJsonDepth)), &out).ok());
  EXPECT_EQ(out.size(), 1 + 50 * (2 + 7));  // 50 arrays "[]", 50 objects {"k": }
  out.clear();
  Status s = Decode(Doc(Nest(kMaxJsonDepth + 1)), &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("nesting deeper than 100"), std::string_view::npos) << s.ToString();
  EXPECT_EQ(out, "");
}

TEST(JsonBinaryTest, SharedOffsetsCannotBlowUp) {
  // Each level is a small array of 16 entries all pointing at the same child array: the text
  // would be 16^depth long. The decoder must stop with an error instead.
  std::string child = Bytes({0x00, 0x00, 0x04, 0x00});  // empty small array data
  for (int level = 0; level < 12; ++level) {
    const int n = 16;
    std::string arr(4 + 3 * n, '\0');
    const size_t child_off = arr.size();
    for (int i = 0; i < n; ++i) {
      arr[4 + 3 * i] = 0x02;
      SetLe(&arr, 4 + 3 * i + 1, child_off, 2);
    }
    arr += child;
    SetLe(&arr, 0, n, 2);
    SetLe(&arr, 2, arr.size(), 2);
    child = arr;
  }
  std::string out;
  Status s = Decode("\x02" + child, &out);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("overlap"), std::string_view::npos) << s.ToString();
  EXPECT_EQ(out, "");
}

// ---------------------------------------------------------------------------------------------
// Fuzz-ish: random documents round-trip against a reference printer; truncations, bit flips and
// random bytes never crash (run under ASan/UBSan).

std::string Quote(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      case '\b':
        o += "\\b";
        break;
      case '\f':
        o += "\\f";
        break;
      case '\r':
        o += "\\r";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof(b), "\\u%04x", c);
          o += b;
        } else {
          o.push_back(static_cast<char>(c));
        }
    }
  }
  return o + "\"";
}

const std::pair<double, const char*> kFuzzDoubles[] = {
    {0.5, "0.5"}, {-2.0, "-2.0"}, {1e20, "1e20"}, {0.25, "0.25"}, {1e-20, "1e-20"}};

std::string Reference(const J& v) {
  switch (v.k) {
    case J::K::kNull:
      return "null";
    case J::K::kTrue:
      return "true";
    case J::K::kFalse:
      return "false";
    case J::K::kI16:
    case J::K::kI32:
    case J::K::kI64:
      return std::to_string(v.i);
    case J::K::kU16:
    case J::K::kU32:
    case J::K::kU64:
      return std::to_string(v.u);
    case J::K::kDouble:
      for (const auto& [d, t] : kFuzzDoubles) {
        if (d == v.d) return t;
      }
      return "?";
    case J::K::kString:
      return Quote(v.s);
    case J::K::kOpaque:
      return Quote(v.s);  // only VAR_STRING opaques are generated
    case J::K::kArray: {
      std::string o = "[";
      for (size_t i = 0; i < v.items.size(); ++i) o += (i ? ", " : "") + Reference(v.items[i]);
      return o + "]";
    }
    case J::K::kObject: {
      std::string o = "{";
      for (size_t i = 0; i < v.members.size(); ++i) {
        o += (i ? ", " : "") + Quote(v.members[i].first) + ": " + Reference(v.members[i].second);
      }
      return o + "}";
    }
  }
  return "?";
}

J RandomJ(std::mt19937_64& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto rand_str = [&]() {
    std::string s(static_cast<size_t>(pick(depth == 0 ? 200 : 12)), '\0');
    for (char& c : s) c = static_cast<char>(pick(4) == 0 ? pick(0x20) : 0x20 + pick(0x60));
    return s;
  };
  const int kind = pick(depth >= 4 ? 12 : 15);
  switch (kind) {
    case 0:
      return Null();
    case 1:
      return True();
    case 2:
      return False();
    case 3:
      return I16(static_cast<int16_t>(rng()));
    case 4:
      return U16(static_cast<uint16_t>(rng()));
    case 5:
      return I32(static_cast<int32_t>(rng()));
    case 6:
      return U32(static_cast<uint32_t>(rng()));
    case 7:
      return I64(static_cast<int64_t>(rng()));
    case 8:
      return U64(rng());
    case 9:
      return Dbl(kFuzzDoubles[pick(5)].first);
    case 10:
      return Str(rand_str());
    case 11:
      return Opq(253, rand_str());
    case 12:
    case 13: {
      std::vector<J> items(static_cast<size_t>(pick(6)));
      for (J& j : items) j = RandomJ(rng, depth + 1);
      return Arr(std::move(items), pick(2) == 0);
    }
    default: {
      std::vector<std::pair<std::string, J>> m(static_cast<size_t>(pick(6)));
      for (auto& [k, j] : m) {
        k = rand_str();
        j = RandomJ(rng, depth + 1);
      }
      return Obj(std::move(m), pick(2) == 0);
    }
  }
}

TEST(JsonBinaryTest, FuzzRoundTripAndCorruptions) {
  std::mt19937_64 rng(20240601);
  int errors = 0, oks = 0;
  for (int iter = 0; iter < 400; ++iter) {
    const J v = RandomJ(rng, 0);
    const std::string doc = Doc(v);
    std::string out;
    ASSERT_TRUE(Decode(doc, &out).ok()) << iter;
    ASSERT_EQ(out, Reference(v)) << iter;

    // Every strict prefix of a container is an error or (for scalars with trailing data cut)
    // still bounded; it must never crash.
    for (size_t n = 0; n < doc.size(); n += 1 + doc.size() / 64) {
      std::string o;
      Status s = Decode(std::string_view(doc).substr(0, n), &o);
      s.ok() ? ++oks : ++errors;
      if (!s.ok()) {
        EXPECT_EQ(o, "");
      }
    }
    // Bit flips.
    for (int f = 0; f < 32; ++f) {
      std::string bad = doc;
      bad[rng() % bad.size()] ^= static_cast<char>(1u << (rng() % 8));
      std::string o;
      Status s = Decode(bad, &o);
      s.ok() ? ++oks : ++errors;
      EXPECT_LE(o.size(), 16 * bad.size() + 256 + 64);
    }
  }
  // Random bytes, biased towards valid type codes.
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bad(static_cast<size_t>(rng() % 40), '\0');
    for (char& c : bad) c = static_cast<char>(rng() % 4 == 0 ? rng() % 16 : rng());
    std::string o;
    Status s = Decode(bad, &o);
    s.ok() ? ++oks : ++errors;
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(oks, 0);
}

// ---------------------------------------------------------------------------------------------
// Binary DECIMAL.

std::string Dec(std::string_view bytes, int precision, int scale, size_t* consumed = nullptr) {
  std::string out;
  size_t used = 0;
  Status s = AppendBinaryDecimalAsText(bytes, precision, scale, &out, &used);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (consumed) *consumed = used;
  return out;
}

// Test-side encoder, straight from the format description: digit groups, sign bit, inversion.
std::string EncodeDecimal(const std::string& text, int precision, int scale) {
  static const int kBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  bool neg = !text.empty() && text[0] == '-';
  std::string t = neg ? text.substr(1) : text;
  const size_t dot = t.find('.');
  std::string ip = t.substr(0, dot), fp = dot == std::string::npos ? "" : t.substr(dot + 1);
  ip.erase(0,
           ip.find_first_not_of('0') == std::string::npos ? ip.size() : ip.find_first_not_of('0'));
  const int intg = precision - scale;
  ip = std::string(static_cast<size_t>(intg) - ip.size(), '0') + ip;
  fp += std::string(static_cast<size_t>(scale) - fp.size(), '0');
  std::string out;
  auto put = [&](const std::string& digits) {
    const int n = digits.size() == 9 ? 4 : kBytes[digits.size()];
    const uint32_t v = static_cast<uint32_t>(std::stoul(digits));
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const int lead = intg % 9;
  if (lead) put(ip.substr(0, static_cast<size_t>(lead)));
  for (int i = lead; i < intg; i += 9) put(ip.substr(static_cast<size_t>(i), 9));
  for (int i = 0; i + 9 <= scale; i += 9) put(fp.substr(static_cast<size_t>(i), 9));
  if (scale % 9) put(fp.substr(static_cast<size_t>(scale / 9 * 9)));
  out[0] = static_cast<char>(out[0] ^ 0x80);
  if (neg) {
    for (char& c : out) c = static_cast<char>(~c);
  }
  return out;
}

TEST(BinaryDecimalTest, Sizes) {
  EXPECT_EQ(BinaryDecimalSize(10, 0), 5u);  // 1 group + 1 digit
  EXPECT_EQ(BinaryDecimalSize(5, 5), 3u);
  EXPECT_EQ(BinaryDecimalSize(13, 2), 6u);
  EXPECT_EQ(BinaryDecimalSize(65, 30), 30u);  // (4 + 3 * 4) + (3 * 4 + 2)
  EXPECT_EQ(BinaryDecimalSize(1, 0), 1u);
  EXPECT_EQ(BinaryDecimalSize(9, 0), 4u);
  EXPECT_EQ(BinaryDecimalSize(18, 9), 8u);
  EXPECT_EQ(BinaryDecimalSize(0, 0), 0u);
  EXPECT_EQ(BinaryDecimalSize(66, 0), 0u);
  EXPECT_EQ(BinaryDecimalSize(40, 31), 0u);
  EXPECT_EQ(BinaryDecimalSize(5, 6), 0u);
  EXPECT_EQ(BinaryDecimalSize(5, -1), 0u);
}

TEST(BinaryDecimalTest, GoMySqlVectors) {
  size_t used = 0;
  EXPECT_EQ(Dec(Bytes({127, 255, 255, 248, 99, 241}), 13, 2, &used), "-1948.14");
  EXPECT_EQ(used, 6u);
  EXPECT_EQ(Dec(Bytes({128, 0, 0, 67, 222, 96}), 13, 2), "17374.96");
  EXPECT_EQ(Dec(Bytes({128, 0, 0, 0, 0, 0}), 13, 2), "0.00");
  EXPECT_EQ(Dec(Bytes({127, 255, 255, 253, 205, 197}), 13, 2), "-562.58");
  EXPECT_EQ(Dec(Bytes({127, 255, 255, 241, 140, 254}), 13, 2), "-3699.01");
}

TEST(BinaryDecimalTest, Formatting) {
  const struct {
    const char* text;
    int p, s;
    const char* want;
  } cases[] = {
      {"1234567890", 10, 0, "1234567890"},
      {"-1234567890", 10, 0, "-1234567890"},
      {"0", 10, 0, "0"},
      {"7", 10, 0, "7"},
      {"0.12345", 5, 5, "0.12345"},
      {"-0.00001", 5, 5, "-0.00001"},
      {"0.00000", 5, 5, "0.00000"},
      {"-1234.56", 10, 4, "-1234.5600"},
      {"0.5", 3, 1, "0.5"},
      {"0", 4, 3, "0.000"},
      {"000000000000000000000000001.5", 30, 1, "1.5"},  // leading zero groups
      {"1000000000.000000001", 20, 9, "1000000000.000000001"},
      {"-999999999.999999999", 18, 9, "-999999999.999999999"},
      {"12", 2, 0, "12"},
      {"-9", 1, 0, "-9"},
  };
  for (const auto& c : cases) {
    const std::string bin = EncodeDecimal(c.text, c.p, c.s);
    ASSERT_EQ(bin.size(), BinaryDecimalSize(c.p, c.s)) << c.text;
    size_t used = 0;
    EXPECT_EQ(Dec(bin + "trailing", c.p, c.s, &used), c.want) << c.text;
    EXPECT_EQ(used, bin.size()) << c.text;
  }
}

TEST(BinaryDecimalTest, Extremes6530) {
  const std::string max = std::string(35, '9') + "." + std::string(30, '9');
  EXPECT_EQ(Dec(EncodeDecimal(max, 65, 30), 65, 30), max);
  EXPECT_EQ(Dec(EncodeDecimal("-" + max, 65, 30), 65, 30), "-" + max);
  const std::string tiny = "0." + std::string(29, '0') + "1";
  EXPECT_EQ(Dec(EncodeDecimal(tiny, 65, 30), 65, 30), tiny);
  EXPECT_EQ(Dec(EncodeDecimal("-" + tiny, 65, 30), 65, 30), "-" + tiny);
  const std::string max650 = std::string(65, '9');
  EXPECT_EQ(Dec(EncodeDecimal(max650, 65, 0), 65, 0), max650);
  EXPECT_EQ(Dec(EncodeDecimal("-" + max650, 65, 0), 65, 0), "-" + max650);
  // Hand-checked bytes for the DECIMAL(65,30) maximum: 35 integer digits = 8 leftover digits
  // (4 bytes, 99999999 = 0x05F5E0FF) + 3 full groups; 30 fraction digits = 3 full groups +
  // 3 leftover digits (2 bytes, 999 = 0x03E7).
  std::string bin = Bytes({0x85, 0xf5, 0xe0, 0xff});
  for (int i = 0; i < 6; ++i) bin += Bytes({0x3b, 0x9a, 0xc9, 0xff});  // 999999999
  bin += Bytes({0x03, 0xe7});
  EXPECT_EQ(bin, EncodeDecimal(max, 65, 30));
  EXPECT_EQ(Dec(bin, 65, 30), max);
}

TEST(BinaryDecimalTest, NegativeZero) {
  // A sign bit saying "negative" with all-zero digits. MySQL's bin2decimal turns it into a plain
  // zero only when there are no fraction digits; otherwise decimal2string keeps the sign.
  std::string z = EncodeDecimal("0", 10, 0);
  for (char& c : z) c = static_cast<char>(~c);
  EXPECT_EQ(Dec(z, 10, 0), "0");
  std::string z2 = EncodeDecimal("0.00", 5, 2);
  for (char& c : z2) c = static_cast<char>(~c);
  EXPECT_EQ(Dec(z2, 5, 2), "-0.00");
}

TEST(BinaryDecimalTest, Errors) {
  std::string out = "keep";
  size_t used = 77;
  EXPECT_EQ(AppendBinaryDecimalAsText("\x80", 0, 0, &out, &used).code(), Code::kInvalidArgument);
  EXPECT_EQ(AppendBinaryDecimalAsText("\x80", 66, 0, &out, &used).code(), Code::kInvalidArgument);
  EXPECT_EQ(AppendBinaryDecimalAsText("\x80", 40, 31, &out, &used).code(), Code::kInvalidArgument);
  EXPECT_EQ(AppendBinaryDecimalAsText("\x80", 3, 4, &out, &used).code(), Code::kInvalidArgument);
  Status s = AppendBinaryDecimalAsText(Bytes({0x80, 0, 0}), 13, 2, &out, &used);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("needs 6 bytes"), std::string_view::npos) << s.ToString();
  // A 9-digit group above 999999999.
  s = AppendBinaryDecimalAsText(Bytes({0xbb, 0x9a, 0xca, 0x00}), 9, 0, &out, &used);
  EXPECT_TRUE(s.IsCorruption());
  // A 1-digit leftover group of 10.
  EXPECT_TRUE(AppendBinaryDecimalAsText(Bytes({0x8a}), 1, 0, &out, &used).IsCorruption());
  // A 3-digit fraction leftover of 1000.
  EXPECT_TRUE(AppendBinaryDecimalAsText(Bytes({0x83, 0xe8}), 3, 3, &out, &used).IsCorruption());
  EXPECT_EQ(out, "keep");
  EXPECT_EQ(used, 77u);
}

// ---------------------------------------------------------------------------------------------
// Real binlogs written by MySQL (test data of the mysql_common crate).

std::string TestDataDir() {
  std::string here = __FILE__;
  const std::string candidates[] = {
      here.substr(0, here.rfind('/') + 1) + "../../../../shared/testdata/binlogs/mysql_common/",
      "../shared/testdata/binlogs/mysql_common/",
      "/work/shared/testdata/binlogs/mysql_common/",
  };
  for (const std::string& c : candidates) {
    if (std::ifstream(c + "json.binlog.000001").good()) return c;
  }
  return "";
}

uint64_t Le(const std::string& d, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(d[at + i]);
  return v;
}

// A deliberately small binlog reader: v4 events, TABLE_MAP with INT/JSON/VARCHAR columns and
// WRITE/UPDATE_ROWS v2 events; returns every JSON column payload in file order.
std::vector<std::string> JsonPayloads(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::string d((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> result;
  if (d.size() < 4 || d.compare(0, 4,
                                "\xfe"
                                "bin") != 0) {
    ADD_FAILURE() << "not a binlog: " << path;
    return result;
  }
  size_t checksum = 0;
  std::vector<uint8_t> types;
  std::vector<int> meta;
  for (size_t p = 4; p + 19 <= d.size();) {
    const int type = static_cast<unsigned char>(d[p + 4]);
    const size_t size = Le(d, p + 9, 4);
    if (size < 19 || p + size > d.size()) {
      ADD_FAILURE() << "bad event at " << p;
      break;
    }
    const size_t body = p + 19, end = p + size - checksum;
    if (type == 15) {  // FORMAT_DESCRIPTION: checksum algorithm byte before the CRC
      checksum = d[p + size - 5] == 1 ? 4 : 0;
    } else if (type == 19) {  // TABLE_MAP
      size_t q = body + 8;
      q += 1 + static_cast<unsigned char>(d[q]) + 1;  // schema
      q += 1 + static_cast<unsigned char>(d[q]) + 1;  // table
      const size_t n = static_cast<unsigned char>(d[q++]);
      types.assign(d.begin() + static_cast<long>(q), d.begin() + static_cast<long>(q + n));
      q += n + 1;  // types, metadata length
      meta.clear();
      for (uint8_t t : types) {
        if (t == 245) {
          meta.push_back(static_cast<unsigned char>(d[q++]));
        } else if (t == 15) {
          meta.push_back(static_cast<int>(Le(d, q, 2)));
          q += 2;
        } else {
          EXPECT_EQ(t, 3) << "unexpected column type";
          meta.push_back(0);
        }
      }
    } else if (type == 30 || type == 31) {  // WRITE_ROWS / UPDATE_ROWS v2
      size_t q = body + 8;
      q += Le(d, q, 2);
      const size_t n = static_cast<unsigned char>(d[q++]);
      const size_t bitmap = (n + 7) / 8;
      q += bitmap * (type == 31 ? 2 : 1);
      while (q < end) {
        const size_t nulls = q;
        q += bitmap;
        for (size_t c = 0; c < n; ++c) {
          if (d[nulls + c / 8] & (1 << (c % 8))) continue;
          if (types[c] == 3) {  // INT
            q += 4;
          } else if (types[c] == 15) {
            const int lb = meta[c] > 255 ? 2 : 1;
            q += lb + Le(d, q, lb);
          } else {
            const size_t len = Le(d, q, meta[c]);
            q += meta[c];
            result.push_back(d.substr(q, len));
            q += len;
          }
        }
      }
      EXPECT_EQ(q, end) << "row parse misaligned in event at " << p;
    }
    p += size;
  }
  return result;
}

TEST(JsonBinaryFileTest, MysqlJsonBinlog) {
  const std::string dir = TestDataDir();
  if (dir.empty()) GTEST_SKIP() << "shared/testdata/binlogs/mysql_common not found";
  const std::vector<std::string> payloads = JsonPayloads(dir + "json.binlog.000001");
  ASSERT_GE(payloads.size(), 6u);
  const char* people[][3] = {
      {"24", "xxxxxxxxxx", "Joe"}, {"32", "yyyyyyyyyy", "Sue"}, {"40", "zzzzzzzzzz", "Pete"}};
  auto text = [](const char* age, const char* data, const char* name) {
    return std::string(R"({"age": )") + age + R"(, "data": ")" + data + R"(", "name": ")" + name +
           R"("})";
  };
  // Rows 1..3, then rows 4..6 with the same documents.
  for (size_t i = 0; i < 6; ++i) {
    const auto& p = people[i % 3];
    EXPECT_EQ(ToText(payloads[i]), text(p[0], p[1], p[2])) << i;
  }
  // The UPDATE event holds before/after images: age incremented by one.
  ASSERT_GE(payloads.size(), 12u);
  for (size_t i = 0; i < 3; ++i) {
    const auto& p = people[i];
    EXPECT_EQ(ToText(payloads[6 + 2 * i]), text(p[0], p[1], p[2])) << i;
    const std::string after = std::to_string(std::stoi(p[0]) + 1);
    EXPECT_EQ(ToText(payloads[7 + 2 * i]), text(after.c_str(), p[1], p[2])) << i;
  }
  for (const std::string& p : payloads) {
    std::string out;
    EXPECT_TRUE(AppendJsonBinaryAsText(p, &out).ok());
  }
}

TEST(JsonBinaryFileTest, MysqlJsonOpaqueBinlog) {
  const std::string dir = TestDataDir();
  if (dir.empty()) GTEST_SKIP() << "shared/testdata/binlogs/mysql_common not found";
  const std::vector<std::string> payloads = JsonPayloads(dir + "json-opaque.binlog");
  const std::vector<std::string> want = {
      R"({"a": "base64:type15:VQ=="})",
      R"({"b": "2012-03-18"})",
      R"({"c": "2012-03-18 11:30:45.000000"})",
      R"({"c": "87:31:46.654321"})",
      R"({"d": 123.456})",
      R"({"e": 9.00})",
      R"({"e": [0, 1, true, false]})",
      R"({"e": null})",
  };
  ASSERT_EQ(payloads.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(ToText(payloads[i]), want[i]) << i;
}

}  // namespace
}  // namespace dm::binlog
