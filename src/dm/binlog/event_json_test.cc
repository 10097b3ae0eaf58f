// The fast JSON writer (JsonBuffer, vector escaping/copying) against the reference
// std::string helpers, and FileEventReader against FileEventSplitter.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/test_events.h"
#include "dm/binlog/json_text.h"

namespace dm::binlog {
namespace {

namespace fs = std::filesystem;

// What AppendValueJson must produce for a text column's bytes: a JSON string if they are
// valid UTF-8, else {"hex": ...} (docs/dm-binlog.md), built with the reference helpers.
std::string Reference(std::string_view bytes) {
  std::string want;
  if (IsValidUtf8(bytes)) {
    AppendJsonString(bytes, &want);
  } else {
    want = "{\"hex\":\"";
    AppendHex(bytes, &want);
    want += "\"}";
  }
  return want;
}

std::string Rendered(std::string_view bytes, const ColumnInfo& c) {
  Value v;
  v.kind = ValueKind::kString;
  v.type = c.type;
  v.bytes = bytes;
  std::string out;
  EXPECT_TRUE(AppendValueJson(v, c, &out).ok());
  return out;
}

TEST(EventJsonTest, TextMatchesReferenceForEveryLengthAndSpecialPosition) {
  ColumnInfo c;
  c.type = ColumnType::kVarchar;
  c.collation = 45;  // utf8mb4_general_ci
  // Lengths around the 16-byte blocks; one special byte at every position.
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9",
                                  "\xe2\x82\xac", "\xff", "\x80", "\xf0\x9f\x98\x80", " "};
  for (size_t len = 0; len <= 40; ++len) {
    ASSERT_EQ(Rendered(std::string(len, 'x'), c), Reference(std::string(len, 'x')));
    for (size_t pos = 0; pos < len; ++pos) {
      for (const auto& sp : specials) {
        std::string in(len, 'a');
        in.replace(pos, 1, sp);
        ASSERT_EQ(Rendered(in, c), Reference(in)) << "len " << len << " pos " << pos;
      }
    }
  }
  // Every byte value, alone and in a long string.
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b));
    ASSERT_EQ(Rendered(one, c), Reference(one)) << b;
    std::string many = std::string(37, 'q') + one + std::string(5, 'r') + one;
    ASSERT_EQ(Rendered(many, c), Reference(many)) << b;
  }
}

TEST(EventJsonTest, Latin1AndBinaryColumns) {
  ColumnInfo latin1;
  latin1.type = ColumnType::kVarchar;
  latin1.collation = 8;  // latin1_swedish_ci: Windows-1252
  EXPECT_EQ(Rendered("plain text that is longer than sixteen bytes", latin1),
            "\"plain text that is longer than sixteen bytes\"");
  EXPECT_EQ(Rendered("caf\xe9 \x80 \"q\"\n", latin1), "\"caf\xc3\xa9 \xe2\x82\xac \\\"q\\\"\\n\"");

  ColumnInfo bin;
  bin.type = ColumnType::kString;
  bin.collation = kBinaryCollation;
  bin.string_length = 20;
  // BINARY(20): the stripped trailing zeros come back.
  EXPECT_EQ(Rendered(std::string("\x01\xab", 2), bin),
            "{\"hex\":\"01ab" + std::string(36, '0') + "\"}");
  bin.type = ColumnType::kVarchar;  // VARBINARY: as is
  EXPECT_EQ(Rendered(std::string("\x00\xff" "abcdefghijklmnopqrstu", 23), bin),
            "{\"hex\":\"00ff6162636465666768696a6b6c6d6e6f7071727374" "75\"}");
}

TEST(EventJsonTest, IntegersAndNull) {
  ColumnInfo c;
  c.type = ColumnType::kLongLong;
  Value v;
  v.kind = ValueKind::kInt;
  v.i = INT64_MIN;
  std::string out;
  ASSERT_TRUE(AppendValueJson(v, c, &out).ok());
  EXPECT_EQ(out, "\"-9223372036854775808\"");
  v.kind = ValueKind::kUint;
  v.u = UINT64_MAX;
  out.clear();
  ASSERT_TRUE(AppendValueJson(v, c, &out).ok());
  EXPECT_EQ(out, "\"18446744073709551615\"");
  v.kind = ValueKind::kNull;
  out.clear();
  ASSERT_TRUE(AppendValueJson(v, c, &out).ok());
  EXPECT_EQ(out, "null");
}

TEST(EventJsonTest, IntegersMatchToChars) {
  std::vector<uint64_t> values = {0, 1, 9, 10, 11, 99, 100, 101, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 10; p <= 10000000000000000000ULL; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1});
    if (p > UINT64_MAX / 10) break;
  }
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    values.push_back(x >> (i % 64));
  }
  ColumnInfo c;
  c.type = ColumnType::kLongLong;
  for (uint64_t u : values) {
    char buf[32];
    Value v;
    v.kind = ValueKind::kUint;
    v.u = u;
    std::string out;
    ASSERT_TRUE(AppendValueJson(v, c, &out).ok());
    ASSERT_EQ(out, "\"" + std::string(buf, std::to_chars(buf, buf + 32, u).ptr) + "\"");
    v.kind = ValueKind::kInt;
    v.i = static_cast<int64_t>(u);
    out.clear();
    ASSERT_TRUE(AppendValueJson(v, c, &out).ok());
    ASSERT_EQ(out, "\"" + std::string(buf, std::to_chars(buf, buf + 32, v.i).ptr) + "\"");
  }
}

TEST(JsonBufferTest, GrowsAndKeepsContent) {
  JsonBuffer b;
  std::string want;
  for (int i = 0; i < 100000; ++i) {
    std::string piece = std::to_string(i) + ",";
    b.Append(piece);
    want += piece;
  }
  b.Push('!');
  want += '!';
  EXPECT_EQ(b.view(), want);
  b.Truncate(3);
  EXPECT_EQ(b.view(), want.substr(0, 3));
  b.clear();
  EXPECT_TRUE(b.empty());
}

// --- FileEventReader, FileBatchReader --------------------------------------------

struct Walk {
  std::vector<std::pair<uint64_t, std::string>> events;
  Status status;
};

Walk WithSplitter(const std::string& bytes, const std::string& name) {
  Walk w;
  FileEventSplitter s(bytes, name);
  std::string_view raw;
  uint64_t off;
  while (s.Next(&raw, &off)) w.events.emplace_back(off, std::string(raw));
  w.status = s.status();
  return w;
}

Walk WithReader(const std::string& bytes, const std::string& name, size_t chunk) {
  Walk w;
  FileEventReader r(test_events::ReadFrom(bytes), bytes.size(), name, chunk);
  std::string_view raw;
  uint64_t off;
  while (r.Next(&raw, &off)) w.events.emplace_back(off, std::string(raw));
  w.status = r.status();
  return w;
}

// The events of the batches FileBatchReader hands out, in order (reusing one batch's
// buffer, as the parallel decoder does).
Walk WithBatches(const std::string& bytes, const std::string& name, size_t target) {
  Walk w;
  FileBatchReader r(test_events::ReadFrom(bytes), bytes.size(), name, target);
  EventBatch b;
  while (r.Next(&b)) {
    EXPECT_GT(b.size, 0u);
    for (size_t off = 0; off < b.size;) {
      uint32_t size;
      std::memcpy(&size, b.buf.get() + off + 9, 4);
      w.events.emplace_back(b.offset + off, std::string(b.buf.get() + off, size));
      off += size;
    }
  }
  w.status = r.status();
  return w;
}

void ExpectSameWalk(const std::string& bytes, const std::string& what) {
  Walk want = WithSplitter(bytes, "f");
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, size_t{5000}, size_t{1} << 20}) {
    Walk got = WithReader(bytes, "f", chunk);
    EXPECT_EQ(got.events, want.events) << what << " chunk " << chunk;
    EXPECT_EQ(got.status.ToString(), want.status.ToString()) << what << " chunk " << chunk;
    Walk batches = WithBatches(bytes, "f", chunk);
    EXPECT_EQ(batches.events, want.events) << what << " batches of " << chunk;
    EXPECT_EQ(batches.status.ToString(), want.status.ToString()) << what << " batches of " << chunk;
  }
}

std::string MakeEvent(uint32_t size, char fill) {
  std::string e(size, fill);
  if (size >= 13) {
    for (int i = 0; i < 4; ++i) e[9 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  return e;
}

TEST(FileEventReaderTest, SameEventsAndErrorsAsSplitter) {
  const std::string magic(kBinlogMagic);
  std::string file = magic;
  for (uint32_t i = 0; i < 400; ++i) file += MakeEvent(19 + (i * 37) % 9000, static_cast<char>('a' + i % 26));
  ExpectSameWalk(file, "well-formed");
  ExpectSameWalk("", "empty");
  ExpectSameWalk("\xfe" "bi", "short magic");
  ExpectSameWalk("xxxxyyyyyyyyyyyyyyyyyyyyyyyy", "bad magic");
  ExpectSameWalk(magic, "magic only");
  ExpectSameWalk(file + std::string(10, 'z'), "truncated header");
  ExpectSameWalk(file + MakeEvent(100, 'k').substr(0, 60), "truncated event");
  ExpectSameWalk(file + MakeEvent(18, 'k'), "size below the header");
  // A corrupt size near 4 GiB: an error, not a 4 GiB allocation.
  std::string huge = MakeEvent(40, 'h');
  for (int i = 0; i < 4; ++i) huge[9 + i] = '\xff';
  ExpectSameWalk(file + huge, "huge size");
}

TEST(FileEventReaderTest, ReadErrorsAndShrunkFiles) {
  std::string file = std::string(kBinlogMagic) + MakeEvent(30, 'a') + MakeEvent(40, 'b');
  size_t calls = 0;
  FileEventReader failing(
      [&](char*, size_t, size_t*) {
        ++calls;
        return Status::IOError("read failed: Input/output error");
      },
      file.size(), "bad.bin");
  std::string_view raw;
  uint64_t off;
  EXPECT_FALSE(failing.Next(&raw, &off));
  EXPECT_EQ(failing.status().code(), Code::kIOError);
  EXPECT_NE(failing.status().ToString().find("bad.bin: reading at offset 0"), std::string::npos)
      << failing.status().ToString();
  EXPECT_FALSE(failing.Next(&raw, &off));
  EXPECT_EQ(calls, 1u);

  // The file announced 74 bytes but ends after the first event and half the second.
  size_t at = 0;
  std::string shorter = file.substr(0, 4 + 30 + 20);
  FileEventReader r(
      [&](char* buf, size_t n, size_t* got) {
        *got = std::min(n, shorter.size() - at);
        std::memcpy(buf, shorter.data() + at, *got);
        at += *got;
        return Status::OK();
      },
      file.size(), "short.bin", 8);
  ASSERT_TRUE(r.Next(&raw, &off));
  EXPECT_EQ(off, 4u);
  EXPECT_EQ(raw, file.substr(4, 30));
  EXPECT_FALSE(r.Next(&raw, &off));
  EXPECT_EQ(r.status().ToString(), WithSplitter(shorter, "short.bin").status.ToString());
}

TEST(FileEventReaderTest, TestdataFilesWalkTheSame) {
  fs::path dir = std::getenv("DM_BINLOG_TESTDATA") ? fs::path(std::getenv("DM_BINLOG_TESTDATA"))
                                                   : fs::path("..") / "shared" / "testdata" / "binlogs";
  if (!fs::exists(dir)) GTEST_SKIP() << "no binlog test data at " << dir;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    ExpectSameWalk(ss.str(), entry.path().filename().string());
    ++files;
  }
  EXPECT_GT(files, 30);
}

}  // namespace
}  // namespace dm::binlog
