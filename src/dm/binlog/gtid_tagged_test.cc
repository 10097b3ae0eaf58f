// Tests for the GTID_TAGGED_LOG_EVENT body decoder (MySQL serialization-library format).
#include "dm/binlog/gtid_tagged.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace dm::binlog {
namespace {

namespace ms = mysql_serialization;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The body of the type-42 event at offset 245 of
// mysql_common/binlog_transaction_with_GTID_TAG.000001 (MySQL 9.6.0), without its CRC32
// footer (78 72 ad 08).
constexpr std::string_view kRealBodyHex =
    "027800000002aaee25020804650222c503c502e1029cc10311035502dead03040c060a6d7974616708000a"
    "040c7f1cf3b814244a0610a10412430f0b";

// ---- A small encoder, written from the format description, to build test messages. ----

void PutVarlen(std::string* out, uint64_t v) {
  const int bits = std::bit_width(v);
  const int n = ((bits * 575) >> 12) + 1;  // 1..9 bytes
  if (n == 9) {
    out->push_back(static_cast<char>(0xff));
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
    return;
  }
  out->push_back(static_cast<char>(((1u << (n - 1)) - 1) | static_cast<uint8_t>(v << n)));
  const uint64_t rest = v >> (8 - n);
  for (int i = 0; i < n - 1; ++i) out->push_back(static_cast<char>(rest >> (8 * i)));
}

void PutSigned(std::string* out, int64_t v) {
  const uint64_t u = v < 0 ? ((~static_cast<uint64_t>(v)) << 1) | 1 : static_cast<uint64_t>(v) << 1;
  PutVarlen(out, u);
}

std::string Varlen(uint64_t v) {
  std::string s;
  PutVarlen(&s, v);
  return s;
}

std::string Signed(int64_t v) {
  std::string s;
  PutSigned(&s, v);
  return s;
}

std::string Str(std::string_view s) { return Varlen(s.size()) + std::string(s); }

std::string UuidField(const gtid::Uuid& u) {
  std::string s;
  for (uint8_t b : u.bytes) PutVarlen(&s, b);
  return s;
}

struct Field {
  uint64_t id;
  std::string value;  // already encoded
};

// version | size | last_non_ignorable | {id value}*, size counting from the version byte.
std::string Message(const std::vector<Field>& fields, uint64_t last_non_ignorable = 0,
                    uint64_t version = 1) {
  std::string rest = Varlen(last_non_ignorable);
  for (const auto& f : fields) rest += Varlen(f.id) + f.value;
  const std::string v = Varlen(version);
  uint64_t size = v.size() + rest.size() + 1;
  while (true) {
    uint64_t next = v.size() + Varlen(size).size() + rest.size();
    if (next == size) break;
    size = next;
  }
  return v + Varlen(size) + rest;
}

gtid::Uuid TestUuid() {
  return gtid::Uuid::Parse("55778904-0299-11f1-b1b8-4ef0c4956feb").value();
}

std::vector<Field> MinimalFields(int64_t gno = 7) {
  return {{1, UuidField(TestUuid())}, {2, Signed(gno)}, {3, Str("tag1")}};
}

// ---- Varlen integers ----

uint64_t DecodeVarlen(std::string_view bytes, size_t* consumed = nullptr) {
  ByteReader r(bytes);
  uint64_t v = 0;
  EXPECT_TRUE(ms::ReadVarlenUnsigned(&r, &v)) << ToHex(bytes);
  if (consumed) *consumed = r.offset();
  return v;
}

TEST(GtidTaggedVarlen, DocumentedExamples) {
  // From libs/mysql/serialization/readme.md (shown there big-endian).
  EXPECT_EQ(DecodeVarlen(FromHex("fbff07")), 65535u);
  int64_t s = 0;
  for (auto [hex, want] : std::vector<std::pair<std::string, int64_t>>{
           {"f3ff0f", 65535}, {"ebff0f", -65535}, {"fbff0f", -65536}}) {
    std::string b = FromHex(hex);
    ByteReader r(b);
    ASSERT_TRUE(ms::ReadVarlenSigned(&r, &s)) << hex;
    EXPECT_EQ(s, want) << hex;
    EXPECT_EQ(Signed(want), b) << hex;
  }
  EXPECT_EQ(Varlen(65535), FromHex("fbff07"));
  // Values seen in the real event.
  EXPECT_EQ(DecodeVarlen(FromHex("a104")), 296u);
  EXPECT_EQ(DecodeVarlen(FromHex("430f0b")), 90600u);
  EXPECT_EQ(DecodeVarlen(FromHex("7f1cf3b814244a06")), 1770368687207196u);
}

TEST(GtidTaggedVarlen, RoundTripsAllWidths) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT64_MAX, INT64_MAX};
  for (int b = 1; b <= 64; ++b) {
    uint64_t p = b == 64 ? 0 : (uint64_t{1} << b);
    values.push_back(p - 1);
    values.push_back(p);
    values.push_back(p + 1);
  }
  for (uint64_t v : values) {
    std::string enc = Varlen(v);
    size_t consumed = 0;
    EXPECT_EQ(DecodeVarlen(enc, &consumed), v);
    EXPECT_EQ(consumed, enc.size());
    EXPECT_LE(enc.size(), 9u);
    // Every strict prefix is a truncation error.
    for (size_t n = 0; n < enc.size(); ++n) {
      ByteReader r(std::string_view(enc).substr(0, n));
      uint64_t got = 0;
      EXPECT_FALSE(ms::ReadVarlenUnsigned(&r, &got));
      EXPECT_FALSE(r.ok());
    }
  }
  EXPECT_EQ(Varlen(UINT64_MAX), std::string(9, '\xff'));
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN, int64_t{-64},
                    int64_t{64}}) {
    std::string enc = Signed(v);
    ByteReader r(enc);
    int64_t got = 0;
    ASSERT_TRUE(ms::ReadVarlenSigned(&r, &got));
    EXPECT_EQ(got, v);
  }
}

TEST(GtidTaggedVarlen, AcceptsNonMinimalEncodingLikeMySQL) {
  // 5 in two bytes: first byte = marker 1 | low 6 bits << 2, second byte = high bits.
  EXPECT_EQ(DecodeVarlen(FromHex("1500")), 5u);
}

// ---- The real event ----

void ExpectRealEvent(const MysqlGtidEvent& e) {
  EXPECT_FALSE(e.anonymous);
  EXPECT_EQ(e.flags, 0);
  EXPECT_EQ(e.sid.ToString(), "55778904-0299-11f1-b1b8-4ef0c4956feb");
  EXPECT_EQ(e.tag, "mytag");
  EXPECT_EQ(e.gno, 3);
  EXPECT_EQ(e.last_committed, 0u);
  EXPECT_EQ(e.sequence_number, 1u);
  EXPECT_EQ(e.immediate_commit_ts, 1770368687207196u);  // 2026-02-06 UTC, microseconds
  EXPECT_EQ(e.original_commit_ts, 1770368687207196u);   // absent: equals immediate
  // The transaction spans file offsets 245 (this event) to 541 (end of its XID event).
  EXPECT_EQ(e.transaction_length, 296u);
  EXPECT_EQ(e.immediate_server_version, 90600u);  // 9.6.0, as in the FORMAT_DESCRIPTION
  EXPECT_EQ(e.original_server_version, 90600u);   // absent: equals immediate
}

TEST(GtidTagged, DecodesRealMysql96Event) {
  const std::string body = FromHex(kRealBodyHex);
  ASSERT_EQ(body.size(), 60u);
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(body, &e);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectRealEvent(e);
  gtid::MysqlGtid g{e.sid, e.tag, e.gno};
  EXPECT_EQ(g.ToString(), "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
}

TEST(GtidTagged, RealEventMatchesTestdataFile) {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  if (const char* d = std::getenv("DM_BINLOG_TESTDATA")) dirs.emplace_back(d);
  dirs.push_back(fs::path("..") / "shared" / "testdata" / "binlogs");
  dirs.push_back(fs::path("..") / ".." / "shared" / "testdata" / "binlogs");
  for (const auto& dir : dirs) {
    fs::path p = dir / "mysql_common" / "binlog_transaction_with_GTID_TAG.000001";
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string file = ss.str();
    ASSERT_GE(file.size(), 328u);
    EXPECT_EQ(static_cast<uint8_t>(file[245 + 4]), 42);  // event type
    const std::string body = file.substr(245 + 19, 83 - 19 - 4);
    EXPECT_EQ(ToHex(body), kRealBodyHex);
    MysqlGtidEvent e;
    ASSERT_TRUE(DecodeTaggedGtidBody(body, &e).ok());
    ExpectRealEvent(e);
    return;
  }
  GTEST_SKIP() << "testdata binlog not found (set DM_BINLOG_TESTDATA)";
}

TEST(GtidTagged, EveryTruncationFailsCleanly) {
  const std::string body = FromHex(kRealBodyHex);
  for (size_t n = 0; n < body.size(); ++n) {
    MysqlGtidEvent e;
    e.gno = -42;
    Status s = DecodeTaggedGtidBody(std::string_view(body).substr(0, n), &e);
    EXPECT_TRUE(s.IsCorruption()) << n << ": " << s.ToString();
    EXPECT_EQ(e.gno, -42) << "output modified on failure";
  }
  // Truncations whose message size is rewritten to match, so the cut lands inside the fields.
  // Cutting inside a field's value must fail; cutting at a field boundary after gno decodes.
  for (size_t n = 3; n < body.size(); ++n) {
    std::string cut = body.substr(0, n);
    cut[1] = static_cast<char>(n << 1);  // n < 64: one-byte varlen
    MysqlGtidEvent e;
    Status s = DecodeTaggedGtidBody(cut, &e);
    EXPECT_TRUE(s.ok() || s.IsCorruption()) << n << ": " << s.ToString();
    if (n < 33) {
      EXPECT_FALSE(s.ok()) << n;  // the gno value is byte 32
    } else if (n == 33) {
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    if (s.ok()) {
      EXPECT_EQ(e.gno, 3);
      EXPECT_EQ(e.sid.ToString(), "55778904-0299-11f1-b1b8-4ef0c4956feb");
    }
  }
}

// ---- Built messages ----

TEST(GtidTagged, AllFieldsIncludingOptionalOnes) {
  std::vector<Field> f = {
      {0, Varlen(1)},
      {1, UuidField(TestUuid())},
      {2, Signed(gtid::kMaxGno)},
      {3, Str("Tag_9")},
      {4, Signed(INT64_MAX)},
      {5, Signed(12345678901234)},
      {6, Varlen(UINT64_MAX)},
      {7, Varlen(1)},
      {8, Varlen(uint64_t{1} << 56)},
      {9, Varlen(80400)},
      {10, Varlen(80036)},
      {11, Varlen(99)},
  };
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(Message(f, 12), &e);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(e.flags, 1);
  EXPECT_EQ(e.sid, TestUuid());
  EXPECT_EQ(e.gno, gtid::kMaxGno);
  EXPECT_EQ(e.tag, "tag_9");  // normalized
  EXPECT_EQ(e.last_committed, static_cast<uint64_t>(INT64_MAX));
  EXPECT_EQ(e.sequence_number, 12345678901234u);
  EXPECT_EQ(e.immediate_commit_ts, UINT64_MAX);
  EXPECT_EQ(e.original_commit_ts, 1u);
  EXPECT_EQ(e.transaction_length, uint64_t{1} << 56);
  EXPECT_EQ(e.immediate_server_version, 80400u);
  EXPECT_EQ(e.original_server_version, 80036u);
}

TEST(GtidTagged, MissingOptionalFieldsGetMySQLDefaults) {
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(Message(MinimalFields()), &e);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(e.flags, 1);  // Gtid_event's constructor default FLAG_MAY_HAVE_SBR
  EXPECT_EQ(e.gno, 7);
  EXPECT_EQ(e.tag, "tag1");
  EXPECT_EQ(e.last_committed, 0u);
  EXPECT_EQ(e.sequence_number, 0u);
  EXPECT_EQ(e.immediate_commit_ts, 0u);
  EXPECT_EQ(e.transaction_length, 0u);
  EXPECT_EQ(e.immediate_server_version, 0u);
  EXPECT_EQ(e.original_server_version, 0u);

  // No tag field (or an empty tag): an untagged GTID.
  ASSERT_TRUE(
      DecodeTaggedGtidBody(Message({{1, UuidField(TestUuid())}, {2, Signed(5)}}), &e).ok());
  EXPECT_EQ(e.tag, "");
  EXPECT_EQ(e.gno, 5);
  ASSERT_TRUE(DecodeTaggedGtidBody(
                  Message({{1, UuidField(TestUuid())}, {2, Signed(5)}, {3, Str("")}}), &e)
                  .ok());
  EXPECT_EQ(e.tag, "");
}

TEST(GtidTagged, SkipsUnknownIgnorableFields) {
  std::vector<Field> f = MinimalFields();
  f.push_back({9, Varlen(80400)});
  // Newer fields of unknown type (here a nested-message-looking blob and a string).
  f.push_back({12, FromHex("ffffffffffffffffff") + "garbage"});
  f.push_back({40, Str("future")});
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(Message(f, /*last_non_ignorable=*/10), &e);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(e.gno, 7);
  EXPECT_EQ(e.immediate_server_version, 80400u);
  // last_non_ignorable_field_id == 12 means "up to id 11": still all known.
  EXPECT_TRUE(DecodeTaggedGtidBody(Message(f, 12), &e).ok());
}

TEST(GtidTagged, RejectsUnknownNonIgnorableFields) {
  std::vector<Field> f = MinimalFields();
  f.push_back({12, Varlen(1)});
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(Message(f, 13), &e);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
}

TEST(GtidTagged, RejectsOtherFormatVersions) {
  MysqlGtidEvent e;
  for (uint64_t v : {0, 2, 1000}) {
    Status s = DecodeTaggedGtidBody(Message(MinimalFields(), 0, v), &e);
    EXPECT_TRUE(s.IsNotSupported()) << v << ": " << s.ToString();
  }
}

TEST(GtidTagged, RejectsBadEnvelope) {
  MysqlGtidEvent e;
  std::string m = Message(MinimalFields());
  // Trailing bytes (e.g. a CRC that was not stripped).
  Status s = DecodeTaggedGtidBody(m + "\x01\x02\x03\x04", &e);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("after"), std::string_view::npos) << s.ToString();
  // Size larger than the body.
  std::string big = m;
  big[1] = static_cast<char>((m.size() + 1) << 1);
  EXPECT_TRUE(DecodeTaggedGtidBody(big, &e).IsCorruption());
  // Size smaller than the header.
  std::string small = m;
  small[1] = static_cast<char>(2 << 1);
  EXPECT_TRUE(DecodeTaggedGtidBody(small, &e).IsCorruption());
  // Huge size in 9 bytes.
  std::string huge = Varlen(1) + Varlen(UINT64_MAX) + Varlen(0);
  EXPECT_TRUE(DecodeTaggedGtidBody(huge, &e).IsCorruption());
  EXPECT_TRUE(DecodeTaggedGtidBody("", &e).IsCorruption());
}

TEST(GtidTagged, RejectsOutOfOrderOrDuplicateFieldIds) {
  MysqlGtidEvent e;
  Status s = DecodeTaggedGtidBody(
      Message({{2, Signed(1)}, {1, UuidField(TestUuid())}}), &e);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  s = DecodeTaggedGtidBody(
      Message({{1, UuidField(TestUuid())}, {2, Signed(1)}, {2, Signed(2)}}), &e);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(GtidTagged, RejectsBadFieldValues) {
  MysqlGtidEvent e;
  auto with = [](std::vector<Field> extra) {
    std::vector<Field> f = MinimalFields();
    std::vector<Field> all;
    for (auto& x : extra) all.push_back(x);
    for (auto& x : f) {
      bool replaced = false;
      for (auto& y : extra) replaced |= y.id == x.id;
      if (!replaced) all.push_back(x);
    }
    std::sort(all.begin(), all.end(), [](const Field& a, const Field& b) { return a.id < b.id; });
    return Message(all);
  };
  struct Case {
    const char* name;
    std::vector<Field> fields;
    const char* field_in_message;
  } cases[] = {
      {"flags > 255", {{0, Varlen(256)}}, "gtid_flags"},
      {"uuid byte > 255", {{1, Varlen(300) + std::string(15, '\0')}}, "uuid"},
      {"gno 0", {{2, Signed(0)}}, "gno"},
      {"gno negative", {{2, Signed(-1)}}, "gno"},
      {"gno INT64_MAX", {{2, Signed(INT64_MAX)}}, "gno"},
      {"tag too long", {{3, Str(std::string(33, 'a'))}}, "tag"},
      {"tag bad char", {{3, Str("my-tag")}}, "tag"},
      {"tag starts with digit", {{3, Str("1tag")}}, "tag"},
      {"tag length past end", {{3, Varlen(20) + "abc"}}, "tag"},
      {"last_committed negative", {{4, Signed(-5)}}, "last_committed"},
      {"sequence_number negative", {{5, Signed(INT64_MIN)}}, "sequence_number"},
      {"server version > u32", {{9, Varlen(uint64_t{1} << 32)}}, "immediate_server_version"},
      {"orig server version > u32", {{10, Varlen(UINT64_MAX)}}, "original_server_version"},
  };
  for (const auto& c : cases) {
    e.gno = -42;
    Status s = DecodeTaggedGtidBody(with(c.fields), &e);
    EXPECT_TRUE(s.IsCorruption()) << c.name << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.field_in_message), std::string_view::npos)
        << c.name << ": " << s.ToString();
    EXPECT_EQ(e.gno, -42) << c.name;
  }
  // Missing required fields.
  Status s = DecodeTaggedGtidBody(Message({{1, UuidField(TestUuid())}}), &e);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("gno"), std::string_view::npos) << s.ToString();
  s = DecodeTaggedGtidBody(Message({{2, Signed(1)}}), &e);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("uuid"), std::string_view::npos) << s.ToString();
}

// ---- Fuzzing ----

void CheckInvariants(const Status& s, const MysqlGtidEvent& e, std::string_view input) {
  ASSERT_TRUE(s.ok() || s.IsCorruption() || s.IsNotSupported())
      << ToHex(input) << ": " << s.ToString();
  if (s.ok()) {
    EXPECT_GE(e.gno, 1);
    EXPECT_LE(e.gno, gtid::kMaxGno);
    EXPECT_LE(e.tag.size(), gtid::kMaxTagLength);
    EXPECT_TRUE(gtid::ValidateTag(e.tag).ok());
  }
}

TEST(GtidTaggedFuzz, RandomBytes) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 200000; ++i) {
    const size_t len = rng() % 96;
    std::string in(len, '\0');
    for (auto& c : in) c = static_cast<char>(rng());
    // Make a plausible envelope half of the time so the field decoding is reached.
    if (len >= 3 && (i & 1)) {
      in[0] = 0x02;
      if (len < 64) in[1] = static_cast<char>(len << 1);
      in[2] = static_cast<char>((rng() % 14) << 1);
    }
    MysqlGtidEvent e;
    Status s = DecodeTaggedGtidBody(in, &e);
    CheckInvariants(s, e, in);
  }
}

TEST(GtidTaggedFuzz, MutatedRealEvent) {
  std::mt19937_64 rng(7);
  const std::string body = FromHex(kRealBodyHex);
  int ok = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string in = body;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      switch (rng() % 4) {
        case 0:  // flip a bit (but keep the envelope to reach the fields more often)
          in[3 + rng() % (in.size() - 3)] ^= static_cast<char>(1u << (rng() % 8));
          break;
        case 1:  // replace a byte
          in[rng() % in.size()] = static_cast<char>(rng());
          break;
        case 2:  // insert a byte
          in.insert(in.begin() + static_cast<long>(rng() % (in.size() + 1)),
                    static_cast<char>(rng()));
          break;
        case 3:  // erase a byte
          if (in.size() > 4) in.erase(in.begin() + static_cast<long>(rng() % in.size()));
          break;
      }
    }
    if (in.size() >= 2 && in.size() < 64 && (rng() & 1)) in[1] = static_cast<char>(in.size() << 1);
    MysqlGtidEvent e;
    Status s = DecodeTaggedGtidBody(in, &e);
    CheckInvariants(s, e, in);
    ok += s.ok();
  }
  // Sanity: some mutations (e.g. of timestamp bits) still decode.
  EXPECT_GT(ok, 0);
}

}  // namespace
}  // namespace dm::binlog
