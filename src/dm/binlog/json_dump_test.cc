// FileJsonDecoder: the same lines, errors and counts with any number of threads and any
// batch size (batches cut between a TABLE_MAP and its rows, inside transactions, after
// every event), on hand-built binlogs and on the real ones in ../shared/testdata.
#include "dm/binlog/json_dump.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "dm/binlog/test_events.h"

namespace dm::binlog {
namespace {

namespace fs = std::filesystem;
using namespace test_events;

struct File {
  std::string path, bytes;
};

struct Decoded {
  std::string out, status, summary;
  bool operator==(const Decoded&) const = default;
};

// Decodes `files` in order, from memory.
Decoded Decode(const std::vector<File>& files, int threads, size_t batch_bytes, bool summary) {
  Decoded r;
  FileJsonDecoder::Options o;
  o.threads = threads;
  o.batch_bytes = batch_bytes;
  o.summary = summary;
  FileJsonDecoder d(o, [&](std::string_view s) { r.out.append(s); });
  for (const File& f : files) {
    Status s = d.DecodeFile(ReadFrom(f.bytes), f.bytes.size(), f.path);
    if (!s.ok()) {
      r.status = s.ToString();
      break;
    }
  }
  // Without the timing fields.
  r.summary = std::regex_replace(d.summary().ToJson(0), std::regex("\"seconds\":[0-9.]+"), "");
  return r;
}

void ExpectSameForAnyThreads(const std::vector<File>& files, const std::string& what) {
  for (bool summary : {false, true}) {
    const Decoded one = Decode(files, 1, 1 << 20, summary);
    for (int threads : {2, 3, 5}) {
      for (size_t batch : {size_t{1}, size_t{100}, size_t{4096}, size_t{1} << 20}) {
        SCOPED_TRACE(what + ": threads " + std::to_string(threads) + ", batch " +
                     std::to_string(batch) + (summary ? ", summary" : ""));
        const Decoded many = Decode(files, threads, batch, summary);
        EXPECT_EQ(one.status, many.status);
        EXPECT_EQ(one.summary, many.summary);
        ASSERT_EQ(one.out, many.out);
      }
    }
  }
}

// Transactions with table maps and rows, a DDL, over two files (crc32 on/off).
std::vector<File> HandBuilt() {
  std::vector<File> files;
  uint64_t seq = 1;
  for (bool crc : {true, false}) {
    std::string f(kBinlogMagic);
    f += MariaFde(crc);
    for (int t = 0; t < 20; ++t) {
      f += MariaGtid(seq++, crc);
      f += Query("", "BEGIN", crc);
      for (int stmt = 0; stmt < 3; ++stmt) {
        const uint64_t id = 70 + stmt;
        f += TableMapIntVarchar(id, "shop", "orders", crc);
        f += WriteRowsIntVarchar(id, {{t, "a\"b"}, {-t, "caf\xc3\xa9"}, {stmt, ""}}, crc);
      }
      f += Xid(seq, crc);
      if (t % 7 == 0) {
        f += MariaGtid(seq++, crc);
        f += Query("shop", "ALTER TABLE orders ADD COLUMN x INT", crc);
      }
    }
    files.push_back({"mem/bin." + std::to_string(files.size() + 1), f});
  }
  return files;
}

TEST(FileJsonDecoderTest, SameOutputForAnyThreadsAndBatches) {
  std::vector<File> files = HandBuilt();
  const Decoded one = Decode(files, 1, 1 << 20, false);
  ASSERT_EQ(one.status, "");
  // 2 files: the format, 20 transactions of 9 events, 3 DDL of 2 events.
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 2 * (1 + 20 * 9 + 3 * 2));
  EXPECT_NE(one.out.find("{\"@1\":\"7\",\"@2\":\"a\\\"b\"}"), std::string::npos);
  EXPECT_NE(one.out.find("\"gtid\":\"0-1-5\""), std::string::npos);
  ExpectSameForAnyThreads(files, "hand-built");
}

TEST(FileJsonDecoderTest, ErrorsComeAfterTheLinesBeforeThem) {
  std::vector<File> files = HandBuilt();
  // A flipped byte in the middle of the first file: a CRC error at that event.
  std::string& f = files[0].bytes;
  f[f.size() / 2] ^= 0x5a;
  ExpectSameForAnyThreads(files, "corrupt byte");
  // Truncated in the middle of an event.
  files = HandBuilt();
  files[1].bytes.resize(files[1].bytes.size() - 7);
  const Decoded one = Decode(files, 1, 1 << 20, false);
  EXPECT_NE(one.status.find("truncated event"), std::string::npos) << one.status;
  ExpectSameForAnyThreads(files, "truncated");
  // Rows whose TABLE_MAP is missing (the stream started in the middle of a statement).
  files = HandBuilt();
  std::string& g = files[0].bytes;
  const std::string map = TableMapIntVarchar(71, "shop", "orders", true);
  g.erase(g.find(map), map.size());
  EXPECT_NE(Decode(files, 1, 1 << 20, false).status.find("no TABLE_MAP"), std::string::npos);
  ExpectSameForAnyThreads(files, "missing table map");
}

TEST(FileJsonDecoderTest, TestdataFilesSameForAnyThreads) {
  fs::path dir = std::getenv("DM_BINLOG_TESTDATA") ? fs::path(std::getenv("DM_BINLOG_TESTDATA"))
                                                    : fs::path("..") / "shared" / "testdata" / "binlogs";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " not found (set DM_BINLOG_TESTDATA)";
  std::vector<File> all;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() == ".md" || e.path().extension() == ".txt") {
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    File f{e.path().string(), ss.str()};
    ExpectSameForAnyThreads({f}, f.path);
    all.push_back(std::move(f));
  }
  ASSERT_FALSE(all.empty());
}

}  // namespace
}  // namespace dm::binlog
