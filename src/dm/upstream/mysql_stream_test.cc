// The MySQL side of the streaming client (BinlogStream, DetectUpstream, dm-binlog stream)
// against dm::testing::MysqlPrimary, which serves real MySQL-written binlog files from
// ../shared/testdata/binlogs over the MySQL protocol. No MySQL server runs here: what the
// primary sends is our reading of MySQL's documentation and rpl_binlog_sender.cc.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "dm/binlog/decoder.h"
#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/row_reader.h"
#include "dm/mysql/connection.h"
#include "dm/testing/child_process.h"
#include "dm/testing/mysql_primary.h"
#include "dm/upstream/binlog_stream.h"
#include "dm/upstream/upstream_info.h"

namespace dm {
namespace {

namespace fs = std::filesystem;
using binlog::EventType;

fs::path TestdataDir() {
  if (const char* d = std::getenv("DM_BINLOG_TESTDATA")) return d;
  return fs::path("..") / "shared" / "testdata" / "binlogs";
}

#define REQUIRE_TESTDATA()                                                                   \
  do {                                                                                       \
    if (!fs::exists(TestdataDir() / "mysql_common") || !fs::exists(TestdataDir() / "gh-ost")) { \
      GTEST_SKIP() << "shared binlog test data not found at " << TestdataDir()               \
                   << " (mysql_common/ and gh-ost/; set DM_BINLOG_TESTDATA)";                \
    }                                                                                        \
  } while (0)

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    const Status& st_ = (expr);                               \
    ASSERT_TRUE(st_.ok()) << st_.ToString();                  \
  } while (0)

std::string Testdata(const std::string& rel) { return (TestdataDir() / rel).string(); }

const std::string kGhost66 = "gh-ost/mysql-bin.000066";
const std::string kGhost70 = "gh-ost/mysql-bin.000070";
const std::string kGtidFile = "mysql_common/binlog_transaction_with_GTID.000001";
const std::string kTagFile = "mysql_common/binlog_transaction_with_GTID_TAG.000001";
const std::string kGtidUuid = "006c2cf2-b1ea-11e4-9057-8c705a3d3e78";
const std::string kTagUuid = "55778904-0299-11f1-b1b8-4ef0c4956feb";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One event as seen by a reader: enough to compare a stream with a file.
struct Seen {
  EventType type = EventType::kUnknown;
  uint32_t log_pos = 0;
  uint32_t timestamp = 0;
  std::string file;
  std::string json;  // EventJsonWriter's line: positions, schema/table, every row value
  bool operator==(const Seen&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Seen& s) { return os << s.json; }

// EXPECTs got == want, printing the first difference instead of both lists.
#define EXPECT_SAME_EVENTS(got, want) EXPECT_TRUE(SameEvents(got, want))
::testing::AssertionResult SameEvents(const std::vector<Seen>& got, const std::vector<Seen>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (!(got[i] == want[i])) {
      return ::testing::AssertionFailure()
             << "event #" << i << " differs (" << got.size() << " vs " << want.size()
             << " events):\n got:  " << got[i] << " want: " << want[i];
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << got.size() << " events, want " << want.size() << "; first extra: "
           << (got.size() > want.size() ? got[want.size()] : want[got.size()]);
  }
  return ::testing::AssertionSuccess();
}

// Decodes files directly (FileEventSplitter + Decoder), as dm-binlog file does; the events
// inside a TRANSACTION_PAYLOAD follow it with log_pos 0 and (as the stream has no offset for
// them) start 0.
std::vector<Seen> DecodeFiles(const std::vector<std::string>& rels) {
  std::vector<Seen> out;
  for (const auto& rel : rels) {
    std::string bytes = ReadAll(Testdata(rel));
    std::string name = fs::path(rel).filename().string();
    binlog::FileEventSplitter split(bytes, rel);
    binlog::Decoder decoder;
    binlog::EventJsonWriter writer;
    std::string_view raw;
    uint64_t off = 0;
    binlog::Event e;
    while (split.Next(&raw, &off)) {
      Status s = decoder.Decode(raw, &e);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) return out;
      Seen seen{e.header.type, e.header.log_pos, e.header.timestamp, name, ""};
      s = writer.Append(e, off, name, "", &seen.json);
      EXPECT_TRUE(s.ok()) << s.ToString();
      out.push_back(std::move(seen));
      if (const auto* tp = e.As<binlog::TransactionPayloadEvent>()) {
        std::string inner = std::string(binlog::kBinlogMagic) + tp->uncompressed;
        binlog::FileEventSplitter ps(inner, rel + " payload");
        std::string_view iraw;
        uint64_t ioff = 0;
        binlog::Event ie;
        while (ps.Next(&iraw, &ioff)) {
          s = decoder.DecodeEmbedded(iraw, &ie);
          EXPECT_TRUE(s.ok()) << s.ToString();
          if (!s.ok()) return out;
          Seen is{ie.header.type, ie.header.log_pos, ie.header.timestamp, name, ""};
          s = writer.Append(ie, 0, name, "", &is.json);
          EXPECT_TRUE(s.ok()) << s.ToString();
          out.push_back(std::move(is));
        }
        EXPECT_TRUE(ps.status().ok()) << ps.status().ToString();
      }
    }
    EXPECT_TRUE(split.status().ok()) << split.status().ToString();
  }
  return out;
}

bool IsArtificialRotate(const Seen& s) { return s.type == EventType::kRotate && s.log_pos == 0; }
bool IsHeartbeat(const Seen& s) {
  return s.type == EventType::kHeartbeat || s.type == EventType::kHeartbeatV2;
}

// Reads a stream until its end (stop_at_end), or until `until` says stop.
struct StreamRun {
  std::vector<Seen> all;        // every event Next() returned
  std::vector<Seen> file_events;  // without artificial ROTATEs and HEARTBEATs
  std::vector<std::pair<std::string, uint64_t>> heartbeats;  // file, position
  Status status;
};
StreamRun ReadStream(upstream::BinlogStream& stream,
                     const std::function<bool(const StreamRun&)>& until = nullptr) {
  StreamRun run;
  binlog::EventJsonWriter writer;
  std::atomic<bool> done{false};
  std::thread watchdog([&] {  // a hung stream fails the test instead of blocking it
    for (int i = 0; i < 600 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!done) stream.Stop();
  });
  upstream::StreamEvent ev;
  while (true) {
    bool end = false;
    run.status = stream.Next(&ev, &end);
    if (!run.status.ok() || end) break;
    const binlog::EventHeader& h = ev.event.header;
    uint64_t start = h.log_pos >= h.event_size ? h.log_pos - h.event_size : 0;
    Seen seen{h.type, h.log_pos, h.timestamp, ev.file, ""};
    Status s = writer.Append(ev.event, start, ev.file, "", &seen.json);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (const auto* hb = ev.event.As<binlog::HeartbeatEvent>()) {
      run.heartbeats.emplace_back(std::string(hb->file), hb->position ? hb->position : h.log_pos);
    }
    run.all.push_back(seen);
    if (!IsArtificialRotate(seen) && !IsHeartbeat(seen)) run.file_events.push_back(seen);
    if (until && until(run)) break;
  }
  done = true;
  watchdog.join();
  return run;
}

std::unique_ptr<testing::MysqlPrimary> StartPrimary(testing::MysqlPrimaryOptions o) {
  for (auto& f : o.binlog_files) f = Testdata(f);
  auto p = testing::MysqlPrimary::Start(std::move(o));
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : nullptr;
}

upstream::StreamOptions StreamFrom(const testing::MysqlPrimary& p) {
  upstream::StreamOptions o;
  o.conn = p.connect_options();
  o.conn.connect_timeout_s = 5;
  o.stop_at_end = true;
  o.heartbeat_period_s = 0;
  o.backoff_initial_ms = 20;
  o.max_retries = 3;
  return o;
}

// Events of `all` whose start offset in `file` is in [from, to).
std::vector<Seen> Slice(const std::vector<Seen>& all, const std::string& file, uint64_t from,
                        uint64_t to) {
  std::vector<Seen> out;
  for (const auto& s : all) {
    // Start offset = log_pos - size; the JSON has "pos", but log_pos and the size do it.
    uint64_t start = std::stoull(s.json.substr(s.json.find("\"pos\":") + 6));
    if (s.file == file && start >= from && start < to) out.push_back(s);
  }
  return out;
}

std::string Hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out += kHex[static_cast<uint8_t>(c) >> 4];
    out += kHex[static_cast<uint8_t>(c) & 0xf];
  }
  return out;
}
std::string Le64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
std::string UuidBytes(const std::string& text) {
  auto u = gtid::Uuid::Parse(text);
  EXPECT_TRUE(u.ok());
  return std::string(reinterpret_cast<const char*>(u->bytes.data()), 16);
}

// ---------------------------------------------------------------------------------------

TEST(MysqlPrimaryTest, DetectsMysql57WithoutGtids) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGhost66, kGhost70};
  o.server_version = "5.7.44-log";
  o.server_id = 7;
  o.gtid_mode = false;
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  auto c = mysql::Connection::Connect(p->connect_options());
  ASSERT_OK(c.status());
  auto info = upstream::DetectUpstream(**c);
  ASSERT_OK(info.status());
  EXPECT_EQ(info->flavor, gtid::Flavor::kMySQL);
  EXPECT_EQ(info->version, "5.7.44-log");
  EXPECT_EQ(info->Describe(), "MySQL 5.7.44 (server_id 7)");
  EXPECT_EQ(info->server_id, 7u);
  EXPECT_FALSE(info->gtid_mode);
  EXPECT_TRUE(info->log_bin);
  EXPECT_EQ(info->binlog_format, "ROW");
  EXPECT_EQ(info->binlog_row_image, "FULL");
  EXPECT_EQ(info->binlog_checksum, "CRC32");
  EXPECT_EQ(info->position.file, "mysql-bin.000070");
  EXPECT_EQ(info->position.pos, fs::file_size(Testdata(kGhost70)));
  EXPECT_EQ(info->server_uuid, p->server_uuid());
  EXPECT_FALSE((*c)->IsMariaDB());
  // Exactly the statements the client sends (a new one must be taught to the primary).
  EXPECT_EQ(p->queries(),
            (std::vector<std::string>{"SELECT @@version", "SELECT @@server_id", "SELECT @@log_bin",
                                      "SELECT @@global.binlog_format",
                                      "SELECT @@global.binlog_row_image",
                                      "SELECT @@global.binlog_checksum", "SELECT @@server_uuid",
                                      "SELECT @@global.gtid_mode",
                                      "SELECT @@global.gtid_executed", "SHOW MASTER STATUS"}));
  // An unknown query is an error naming it, not a made-up answer.
  auto r = (*c)->Query("SELECT NOW()");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("SELECT NOW()"), std::string::npos) << r.status().ToString();
}

TEST(MysqlPrimaryTest, DetectsMysql84GtidModeThroughShowBinaryLogStatus) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGtidFile};
  o.server_version = "8.4.3";
  o.server_id = 3;
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  auto c = mysql::Connection::Connect(p->connect_options());
  ASSERT_OK(c.status());
  auto info = upstream::DetectUpstream(**c);
  ASSERT_OK(info.status());
  EXPECT_EQ(info->flavor, gtid::Flavor::kMySQL);
  EXPECT_EQ(info->version, "8.4.3");
  EXPECT_EQ(info->Describe(), "MySQL 8.4.3 (server_id 3)");
  EXPECT_TRUE(info->gtid_mode);
  EXPECT_EQ(info->server_uuid, kGtidUuid);
  EXPECT_EQ(info->gtid_executed, kGtidUuid + ":1-3");
  EXPECT_EQ(info->position.file, "binlog_transaction_with_GTID.000001");
  EXPECT_EQ(info->position.pos, 789u);
  // 8.4 removed SHOW MASTER STATUS: the client falls back to the new name.
  auto q = p->queries();
  ASSERT_GE(q.size(), 2u);
  EXPECT_EQ(q[q.size() - 2], "SHOW MASTER STATUS");
  EXPECT_EQ(q.back(), "SHOW BINARY LOG STATUS");
}

TEST(MysqlPrimaryTest, FilePosStreamEqualsTheFiles) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGhost66, kGhost70};
  o.server_version = "5.7.44-log";
  o.gtid_mode = false;
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> files = DecodeFiles({kGhost66, kGhost70});
  ASSERT_GT(files.size(), 50u);

  // From the start of the first file: every event of both files, in order, with an
  // artificial ROTATE before each file.
  auto o1 = StreamFrom(*p);
  o1.start_position = gtid::BinlogPosition{"mysql-bin.000066", 4};
  auto s1 = upstream::BinlogStream::Open(o1);
  ASSERT_OK(s1.status());
  EXPECT_EQ((*s1)->upstream().flavor, gtid::Flavor::kMySQL);
  StreamRun run = ReadStream(**s1);
  ASSERT_OK(run.status);
  EXPECT_SAME_EVENTS(run.file_events, files);
  std::vector<std::string> rotates;
  for (const auto& s : run.all) {
    if (IsArtificialRotate(s)) rotates.push_back(s.json.substr(s.json.find("next_file")));
  }
  EXPECT_EQ(rotates, (std::vector<std::string>{
                         "next_file\":\"mysql-bin.000066\",\"position\":4}\n",
                         "next_file\":\"mysql-bin.000070\",\"position\":4}\n"}));
  EXPECT_TRUE(run.heartbeats.empty());
  // Rows decoded from the stream: the gh-ost sample's values, e.g. the first insert.
  EXPECT_NE(run.file_events[5].json.find("\"rows\":[{"), std::string::npos) << run.file_events[5];
  // The last event is mysql-bin.000070's own ROTATE to mysql-bin.000071.
  EXPECT_EQ((*s1)->boundary_position().ToString(), "mysql-bin.000071:4");
  auto dumps = p->dumps();
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_EQ(dumps[0].command, 0x12);
  EXPECT_EQ(dumps[0].file, "mysql-bin.000066");
  EXPECT_EQ(dumps[0].pos, 4u);
  EXPECT_EQ(dumps[0].flags, 0x01);  // BINLOG_DUMP_NON_BLOCK
  EXPECT_EQ(dumps[0].server_id, (*s1)->server_id());

  // From the middle of the first file (the BEGIN at 890): the FORMAT_DESCRIPTION comes with
  // log_pos 0 (MySQL clears it), then exactly the file's events from 890 on.
  auto o2 = StreamFrom(*p);
  o2.start_position = gtid::BinlogPosition{"mysql-bin.000066", 890};
  auto s2 = upstream::BinlogStream::Open(o2);
  ASSERT_OK(s2.status());
  run = ReadStream(**s2);
  ASSERT_OK(run.status);
  ASSERT_FALSE(run.file_events.empty());
  EXPECT_EQ(run.file_events[0].type, EventType::kFormatDescription);
  EXPECT_EQ(run.file_events[0].log_pos, 0u);
  std::vector<Seen> want = Slice(files, "mysql-bin.000066", 890, UINT64_MAX);
  for (const auto& s : Slice(files, "mysql-bin.000070", 0, UINT64_MAX)) want.push_back(s);
  std::vector<Seen> got(run.file_events.begin() + 1, run.file_events.end());
  EXPECT_SAME_EVENTS(got, want);

  // A position past the end of the file: ERR 1236, reported as not retryable.
  auto o3 = StreamFrom(*p);
  o3.start_position = gtid::BinlogPosition{"mysql-bin.000066", 999999};
  auto s3 = upstream::BinlogStream::Open(o3);
  ASSERT_OK(s3.status());
  run = ReadStream(**s3);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.code(), Code::kFailedPrecondition) << run.status.ToString();
  EXPECT_NE(run.status.ToString().find("position > file size"), std::string::npos)
      << run.status.ToString();
  EXPECT_EQ((*s3)->reconnects(), 0);
}

// Two files by GTID: the primary starts at the last file whose PREVIOUS_GTIDS the replica
// has (MySQL's find_first_log_not_in_gtid_set) and moves to the next file with an artificial
// ROTATE. (The two files come from different servers; the primary does not mind.)
TEST(MysqlPrimaryTest, GtidStreamPicksTheFileAndCrossesToTheNext) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGtidFile, kTagFile};
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> first = DecodeFiles({kGtidFile});
  const std::vector<Seen> second = DecodeFiles({kTagFile});
  EXPECT_EQ(p->gtid_executed(), kGtidUuid + ":1-3," + kTagUuid + ":1-13:mytag:1-3");
  {
    SCOPED_TRACE("from the first file");
    auto so = StreamFrom(*p);
    so.start_gtid = kGtidUuid + ":1";
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    // The first file without trx 1 (events 2 and 3), then all of the second file.
    std::vector<Seen> want = {first[0], first[1]};
    for (size_t i = 4; i < first.size(); ++i) want.push_back(first[i]);
    want.insert(want.end(), second.begin(), second.end());
    std::vector<Seen> got = run.file_events;
    ASSERT_EQ(got.size(), want.size());
    // MySQL clears the FD's log_pos for every file of the dump when the first file's first
    // GTID was skipped (Binlog_sender::send_binlog).
    for (size_t i = 0; i < got.size(); ++i) {
      if (want[i].type != EventType::kFormatDescription) continue;
      EXPECT_EQ(got[i].log_pos, 0u) << i;
      got[i] = want[i];
    }
    EXPECT_SAME_EVENTS(got, want);
    int artificial = 0;
    for (const auto& e : run.all) artificial += IsArtificialRotate(e) ? 1 : 0;
    EXPECT_EQ(artificial, 2);
    // The start set plus the transactions streamed (the second file's PREVIOUS_GTIDS, from
    // another server here, were never streamed and are not added).
    EXPECT_EQ((*s)->boundary_gtids().ToString(), kGtidUuid + ":1-3," + kTagUuid + ":mytag:3");
  }
  {
    SCOPED_TRACE("from the second file");
    auto so = StreamFrom(*p);
    so.start_gtid = kGtidUuid + ":1-3," + kTagUuid + ":1-13:mytag:1-2";
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    EXPECT_SAME_EVENTS(run.file_events, second);
    EXPECT_TRUE(run.heartbeats.empty());
  }
}

// Every well-formed v4 MySQL binlog of the test data, streamed from its first event, gives
// the events of the file (compressed transactions unpacked after their payload event).
TEST(MysqlPrimaryTest, EveryMysqlTestBinlogStreamsAsItDecodes) {
  REQUIRE_TESTDATA();
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(TestdataDir() / "mysql_common")) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  int streamed = 0;
  for (const auto& name : names) {
    if (name == "mariadb-bin.000001" || name == "README.md") continue;  // not MySQL's
    const std::string rel = "mysql_common/" + name;
    // Files the decoder rejects (truncated, corrupt, pre-v4) have nothing to stream.
    {
      std::string bytes = ReadAll(Testdata(rel));
      binlog::FileEventSplitter split(bytes, rel);
      binlog::Decoder d;
      binlog::Event e;
      std::string_view raw;
      uint64_t off = 0;
      Status st;
      bool first = true, v4 = false, rotate_inside = false, last_was_rotate = false;
      while (st.ok() && split.Next(&raw, &off)) {
        st = d.Decode(raw, &e);
        if (first) v4 = st.ok() && e.header.type == EventType::kFormatDescription;
        first = false;
        rotate_inside |= last_was_rotate;
        last_was_rotate = e.header.type == EventType::kRotate;
      }
      if (!st.ok() || !split.status().ok() || !v4) continue;
      // A ROTATE before the end: a relay log, or a file that was appended to; a primary's
      // binlog ends at its ROTATE, and the stream names later events after the new file.
      if (rotate_inside) continue;
    }
    SCOPED_TRACE(rel);
    testing::MysqlPrimaryOptions o;
    o.binlog_files = {rel};
    auto p = StartPrimary(o);
    ASSERT_TRUE(p);
    auto so = StreamFrom(*p);
    so.start_position = gtid::BinlogPosition{name, 4};
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    EXPECT_SAME_EVENTS(run.file_events, DecodeFiles({rel}));
    ++streamed;
  }
  EXPECT_GE(streamed, 25);
}

// A compressed transaction (MySQL 8.0.32, zstd): its events are returned after the payload
// event and the boundary moves to the end of the payload, so a reconnect right after it
// resumes behind it, without returning it again.
TEST(MysqlPrimaryTest, CompressedTransactionIsUnpackedAndEndsAtThePayload) {
  REQUIRE_TESTDATA();
  const std::string rel = "mysql_common/transaction_compression.000001";
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {rel};
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> file = DecodeFiles({rel});
  // FD, PREVIOUS_GTIDS, ANONYMOUS_GTID, then the payload: drop the connection right after it.
  p->DropNextDumpAfter(3);
  auto so = StreamFrom(*p);
  so.start_position = gtid::BinlogPosition{"transaction_compression.000001", 4};
  auto s = upstream::BinlogStream::Open(so);
  ASSERT_OK(s.status());
  std::optional<gtid::BinlogPosition> after_xid;
  StreamRun run = ReadStream(**s, [&](const StreamRun& r) {
    if (r.all.back().type == EventType::kXid) after_xid = (*s)->boundary_position();
    return false;
  });
  ASSERT_OK(run.status);
  EXPECT_EQ((*s)->reconnects(), 1);
  std::vector<Seen> got;
  for (const auto& e : run.file_events) {
    if (e.type == EventType::kFormatDescription && e.log_pos == 0) continue;  // re-sent FD
    got.push_back(e);
  }
  EXPECT_SAME_EVENTS(got, file);
  std::vector<EventType> types;
  for (const auto& e : got) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<EventType>{EventType::kFormatDescription, EventType::kPreviousGtids,
                                           EventType::kAnonymousGtid, EventType::kTransactionPayload,
                                           EventType::kQuery, EventType::kTableMap,
                                           EventType::kWriteRowsV2, EventType::kXid,
                                           EventType::kRotate}));
  ASSERT_TRUE(after_xid);
  EXPECT_EQ(after_xid->ToString(), "transaction_compression.000001:431");
  auto dumps = p->dumps();
  ASSERT_EQ(dumps.size(), 2u);
  EXPECT_EQ(dumps[1].pos, 431u);
}

TEST(MysqlPrimaryTest, GtidStreamSkipsTheRequestedTransactions) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGtidFile};
  o.server_version = "5.7.44-log";
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> file = DecodeFiles({kGtidFile});
  const std::string name = "binlog_transaction_with_GTID.000001";
  // The file: FD 4, PREVIOUS_GTIDS 120, trx 1 [151, 297) (DDL), trx 2 [297, 603),
  // trx 3 [603, 766) (DDL), STOP 766.
  struct Case {
    std::string set;
    std::vector<std::pair<uint64_t, uint64_t>> skipped;  // [from, to) not delivered
    std::string gtid_data;                               // what must reach the primary
    uint64_t heartbeat;                                  // end of the skipped group
    std::string boundary;                                // GTID set at the end
    uint64_t boundary_pos;  // end of the last transaction, or of the last skipped group
  };
  const std::string u = UuidBytes(kGtidUuid);
  std::vector<Case> cases = {
      {kGtidUuid + ":1", {{151, 297}}, Le64(1) + u + Le64(1) + Le64(1) + Le64(2), 297,
       kGtidUuid + ":1-3", 766},
      {kGtidUuid + ":2", {{297, 603}}, Le64(1) + u + Le64(1) + Le64(2) + Le64(3), 603,
       kGtidUuid + ":1-3", 766},
      {kGtidUuid + ":1-2", {{151, 603}}, Le64(1) + u + Le64(1) + Le64(1) + Le64(3), 603,
       kGtidUuid + ":1-3", 766},
      // Everything: the STOP after trx 3 belongs to its skipped group (MySQL decides by
      // GTID events only), so the one heartbeat carries the end of the file.
      {kGtidUuid + ":1-3", {{151, 789}}, Le64(1) + u + Le64(1) + Le64(1) + Le64(4), 789,
       kGtidUuid + ":1-3", 789},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("start GTID set " + c.set);
    size_t dumps_before = p->dumps().size();
    auto so = StreamFrom(*p);
    so.start_gtid = c.set;
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    std::vector<Seen> want;
    for (const auto& e : file) {
      uint64_t start = e.log_pos - std::stoull(e.json.substr(e.json.find("\"size\":") + 7));
      bool skipped = false;
      for (auto [from, to] : c.skipped) skipped |= start >= from && start < to;
      if (!skipped) want.push_back(e);
    }
    // MySQL clears the FORMAT_DESCRIPTION's log_pos when the file's first GTID is skipped.
    ASSERT_FALSE(run.file_events.empty());
    if (c.skipped.front().first == 151) {
      EXPECT_EQ(run.file_events[0].log_pos, 0u);
      run.file_events[0] = want[0];
    }
    EXPECT_SAME_EVENTS(run.file_events, want);
    // The skipped group is announced by a heartbeat carrying its end position.
    EXPECT_EQ(run.heartbeats, (std::vector<std::pair<std::string, uint64_t>>{{name, c.heartbeat}}));
    // COM_BINLOG_DUMP_GTID carried MySQL's binary GTID set, byte for byte.
    auto dumps = p->dumps();
    ASSERT_EQ(dumps.size(), dumps_before + 1);
    EXPECT_EQ(dumps.back().command, 0x1e);
    EXPECT_EQ(dumps.back().flags, 0x01 | 0x04);  // NON_BLOCK | THROUGH_GTID
    EXPECT_EQ(dumps.back().file, "");
    EXPECT_EQ(dumps.back().pos, 4u);
    EXPECT_EQ(Hex(dumps.back().gtid_data), Hex(c.gtid_data));
    EXPECT_EQ(dumps.back().gtid_set, c.set);
    EXPECT_EQ((*s)->boundary_gtids().ToString(), c.boundary);
    EXPECT_EQ((*s)->boundary_position().ToString(), name + ":" + std::to_string(c.boundary_pos));
  }
}

TEST(MysqlPrimaryTest, TaggedGtidSetReachesThePrimaryInMysqlsEncoding) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kTagFile};
  o.server_version = "9.6.0";
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> file = DecodeFiles({kTagFile});
  // The file's PREVIOUS_GTIDS body is MySQL 9.6's own encoding of this set (tagged format):
  // the client must send exactly these bytes for it.
  const std::string prev_set = kTagUuid + ":1-13:mytag:1-2";
  std::string bytes = ReadAll(Testdata(kTagFile));
  // FD at 4 (123 bytes), PREVIOUS_GTIDS at 127 (118 bytes: 19 header + body + 4 CRC).
  const std::string mysql_encoding = bytes.substr(127 + 19, 118 - 19 - 4);

  auto so = StreamFrom(*p);
  so.start_gtid = prev_set;
  auto s = upstream::BinlogStream::Open(so);
  ASSERT_OK(s.status());
  StreamRun run = ReadStream(**s);
  ASSERT_OK(run.status);
  EXPECT_SAME_EVENTS(run.file_events, file);  // nothing skipped: mytag:3 is not in the set
  EXPECT_TRUE(run.heartbeats.empty());
  auto dumps = p->dumps();
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_EQ(Hex(dumps[0].gtid_data), Hex(mysql_encoding));
  EXPECT_EQ(dumps[0].gtid_set, prev_set);
  EXPECT_EQ((*s)->boundary_gtids().ToString(), kTagUuid + ":1-13:mytag:1-3");

  // With mytag:3 in the set the only transaction is skipped: PREVIOUS_GTIDS, a heartbeat
  // at the end of the group, then the file's closing ROTATE.
  so.start_gtid = kTagUuid + ":1-13:MyTag:1-3";  // tags are case-insensitive
  s = upstream::BinlogStream::Open(so);
  ASSERT_OK(s.status());
  run = ReadStream(**s);
  ASSERT_OK(run.status);
  ASSERT_EQ(run.file_events.size(), 3u);
  EXPECT_EQ(run.file_events[0].type, EventType::kFormatDescription);
  EXPECT_EQ(run.file_events[0].log_pos, 0u);
  EXPECT_EQ(run.file_events[1], file[1]);
  EXPECT_EQ(run.file_events[2], file.back());
  EXPECT_EQ(run.heartbeats,
            (std::vector<std::pair<std::string, uint64_t>>{
                {"binlog_transaction_with_GTID_TAG.000001", 541}}));
  EXPECT_EQ(p->dumps().back().gtid_set, kTagUuid + ":1-13:mytag:1-3");
}

TEST(MysqlPrimaryTest, ReconnectsMidTransactionWithoutLossOrDuplicates) {
  REQUIRE_TESTDATA();
  // By GTID: the drop comes after PREVIOUS_GTIDS, trx 1 (GTID, CREATE) and GTID 2, BEGIN,
  // INSERT, i.e. inside trx 2. The stream resumes from the last complete transaction (:1).
  {
    SCOPED_TRACE("GTID");
    testing::MysqlPrimaryOptions o;
    o.binlog_files = {kGtidFile};
    auto p = StartPrimary(o);
    ASSERT_TRUE(p);
    const std::vector<Seen> file = DecodeFiles({kGtidFile});
    p->DropNextDumpAfter(6);
    auto so = StreamFrom(*p);
    so.start_gtid = "";
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    EXPECT_EQ((*s)->reconnects(), 1);
    // The second connection re-sends FD (log_pos 0: trx 1 skipped) which the stream
    // passes on; every other event exactly once, in order.
    std::vector<Seen> got;
    int fds = 0;
    for (const auto& e : run.file_events) {
      if (e.type == EventType::kFormatDescription && ++fds > 1) {
        EXPECT_EQ(e.log_pos, 0u);
        continue;
      }
      got.push_back(e);
    }
    EXPECT_EQ(fds, 2);
    EXPECT_SAME_EVENTS(got, file);
    auto dumps = p->dumps();
    ASSERT_EQ(dumps.size(), 2u);
    EXPECT_EQ(dumps[0].gtid_set, "");
    EXPECT_EQ(dumps[1].gtid_set, kGtidUuid + ":1");
    EXPECT_EQ((*s)->boundary_gtids().ToString(), kGtidUuid + ":1-3");
  }
  // By GTID, dropped after the last event (STOP): the second dump skips everything; the
  // position stays at (or, by the heartbeat, after) where the first connection ended.
  {
    SCOPED_TRACE("GTID, drop at the end");
    testing::MysqlPrimaryOptions o;
    o.binlog_files = {kGtidFile};
    auto p = StartPrimary(o);
    ASSERT_TRUE(p);
    const std::vector<Seen> file = DecodeFiles({kGtidFile});
    p->DropNextDumpAfter(static_cast<int>(file.size()) - 1);  // all but the FD
    auto so = StreamFrom(*p);
    so.start_gtid = "";
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    EXPECT_EQ((*s)->reconnects(), 1);
    EXPECT_EQ(run.file_events.size(), file.size() + 1);  // + the re-sent FD
    EXPECT_EQ(p->dumps().back().gtid_set, kGtidUuid + ":1-3");
    EXPECT_EQ((*s)->boundary_position().ToString(), "binlog_transaction_with_GTID.000001:789");
  }
  // By file:pos, once in each file: the drop lands inside a transaction (after the BEGIN
  // and TABLE_MAP of the second transaction of the file); the stream resumes at the end of
  // the last complete one, in the same file.
  for (int drop_in_file : {0, 1}) {
    SCOPED_TRACE("file:pos, drop in file " + std::to_string(drop_in_file));
    testing::MysqlPrimaryOptions o;
    o.binlog_files = {kGhost66, kGhost70};
    o.gtid_mode = false;
    auto p = StartPrimary(o);
    ASSERT_TRUE(p);
    const std::vector<Seen> files = DecodeFiles({kGhost66, kGhost70});
    const std::vector<Seen> first = DecodeFiles({kGhost66});
    // Events sent before the drop: (FD not counted) DROP, CREATE, BEGIN, TM, WRITE, XID,
    // BEGIN, TM of the file, plus every event of the first file when dropping in the second.
    int n = 8 + (drop_in_file == 1 ? static_cast<int>(first.size()) - 1 : 0);
    p->DropNextDumpAfter(n);
    auto so = StreamFrom(*p);
    so.start_position = gtid::BinlogPosition{"mysql-bin.000066", 4};
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_OK(run.status);
    EXPECT_EQ((*s)->reconnects(), 1);
    std::vector<Seen> got;
    for (const auto& e : run.file_events) {
      if (e.type == EventType::kFormatDescription && e.log_pos == 0) continue;  // re-sent FD
      got.push_back(e);
    }
    EXPECT_SAME_EVENTS(got, files);
    auto dumps = p->dumps();
    ASSERT_EQ(dumps.size(), 2u);
    EXPECT_EQ(dumps[1].file, drop_in_file == 0 ? "mysql-bin.000066" : "mysql-bin.000070");
    EXPECT_EQ(dumps[1].pos, 660u);  // the end of the first transaction's XID
  }
}

// While the primary is away (connections closed before the greeting), the stream retries
// with exponential backoff and resumes; with too few retries it gives up, saying so.
TEST(MysqlPrimaryTest, ReconnectBacksOffAndGivesUp) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGtidFile};
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  const std::vector<Seen> file = DecodeFiles({kGtidFile});
  {
    SCOPED_TRACE("back after 3 refused connections");
    p->DropNextDumpAfter(6);
    p->RefuseNextConnections(0);
    auto so = StreamFrom(*p);
    so.start_gtid = "";
    so.backoff_initial_ms = 100;
    so.max_retries = 5;
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    std::chrono::steady_clock::time_point dropped;
    bool armed = false;
    StreamRun run = ReadStream(**s, [&](const StreamRun& r) {
      if (!armed && r.file_events.size() == 7) {  // FD + the 6 events before the drop
        armed = true;
        p->RefuseNextConnections(3);
        dropped = std::chrono::steady_clock::now();
      }
      return false;
    });
    ASSERT_OK(run.status);
    // 100 + 200 + 400 ms of backoff before the 4th attempt gets through.
    EXPECT_GE(std::chrono::steady_clock::now() - dropped, std::chrono::milliseconds(700));
    EXPECT_EQ(p->refused(), 3);
    EXPECT_EQ((*s)->reconnects(), 1);
    std::vector<Seen> got;
    for (const auto& e : run.file_events) {
      if (e.type != EventType::kFormatDescription || e.log_pos != 0) got.push_back(e);
    }
    EXPECT_SAME_EVENTS(got, file);
  }
  {
    SCOPED_TRACE("gone for good");
    p->DropNextDumpAfter(6);
    auto so = StreamFrom(*p);
    so.start_gtid = "";
    so.max_retries = 2;
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    bool armed = false;
    StreamRun run = ReadStream(**s, [&](const StreamRun& r) {
      if (!armed && r.file_events.size() == 7) {
        armed = true;
        p->RefuseNextConnections(100);
      }
      return false;
    });
    ASSERT_FALSE(run.status.ok());
    EXPECT_EQ(run.status.code(), Code::kUnavailable) << run.status.ToString();
    EXPECT_NE(run.status.ToString().find("giving up after 2 reconnect attempts"), std::string::npos)
        << run.status.ToString();
    EXPECT_EQ((*s)->reconnects(), 0);
    p->RefuseNextConnections(0);
  }
}

TEST(MysqlPrimaryTest, HeartbeatsWhileWaitingForEvents) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGhost66};
  o.gtid_mode = false;
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  auto so = StreamFrom(*p);
  so.start_position = gtid::BinlogPosition{"mysql-bin.000066", 4};
  so.stop_at_end = false;
  so.heartbeat_period_s = 1;
  auto s = upstream::BinlogStream::Open(so);
  ASSERT_OK(s.status());
  auto start = std::chrono::steady_clock::now();
  StreamRun run = ReadStream(**s, [](const StreamRun& r) { return r.heartbeats.size() >= 2; });
  ASSERT_OK(run.status);
  ASSERT_EQ(run.heartbeats.size(), 2u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  const uint64_t size = fs::file_size(Testdata(kGhost66));
  for (const auto& hb : run.heartbeats) EXPECT_EQ(hb, std::make_pair(std::string("mysql-bin.000066"), size));
  EXPECT_EQ(run.file_events, DecodeFiles({kGhost66}));
  auto q = p->queries();
  EXPECT_NE(std::find(q.begin(), q.end(),
                      "SET @master_heartbeat_period = 1000000000, @source_heartbeat_period = "
                      "1000000000"),
            q.end());
  EXPECT_EQ(p->dumps().back().flags, 0);  // blocking dump
  (*s)->Stop();
}

TEST(MysqlPrimaryTest, WrongPasswordIsAClearErrorAndNotRetried) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGtidFile};
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  auto so = StreamFrom(*p);
  so.conn.password = "not-the-password";
  auto s = upstream::BinlogStream::Open(so);
  ASSERT_FALSE(s.ok());
  const std::string msg = s.status().ToString();
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition) << msg;
  EXPECT_NE(msg.find("Access denied for user 'repl'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("check the user and password"), std::string::npos) << msg;
  EXPECT_NE(msg.find(so.conn.Describe()), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not-the-password"), std::string::npos) << msg;
  EXPECT_EQ(p->auth_failures(), 1);
  EXPECT_EQ(p->connections(), 1);
  // The right password works (the scramble check is not "accept anything").
  auto ok = upstream::BinlogStream::Open(StreamFrom(*p));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(p->auth_failures(), 1);
}

TEST(MysqlPrimaryTest, PurgedOrUnknownGtidsAreRefusedWithWhatToDo) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kTagFile};
  o.server_version = "8.0.36";
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  struct Case {
    std::string set;
    std::string server_says;
  };
  // The file starts after :1-13:mytag:1-2, so those are purged; :1-20 was never written.
  for (const Case& c : {Case{kTagUuid + ":1-5", "the source purged required binary logs"},
                        Case{kTagUuid + ":1-20:mytag:1-2", "more GTIDs than the master"}}) {
    SCOPED_TRACE(c.set);
    auto so = StreamFrom(*p);
    so.start_gtid = c.set;
    size_t before = p->dumps().size();
    auto s = upstream::BinlogStream::Open(so);
    ASSERT_OK(s.status());
    StreamRun run = ReadStream(**s);
    ASSERT_FALSE(run.status.ok());
    const std::string msg = run.status.ToString();
    EXPECT_EQ(run.status.code(), Code::kFailedPrecondition) << msg;
    EXPECT_NE(msg.find(c.server_says), std::string::npos) << msg;
    // What to do, naming the set asked for and where to look.
    EXPECT_NE(msg.find(c.set), std::string::npos) << msg;
    EXPECT_NE(msg.find("gtid_purged"), std::string::npos) << msg;
    EXPECT_EQ(p->dumps().size(), before + 1);  // not retried
    EXPECT_EQ((*s)->reconnects(), 0);
  }
}

TEST(MysqlPrimaryTest, GtidStartNeedsGtidModeOn) {
  REQUIRE_TESTDATA();
  testing::MysqlPrimaryOptions o;
  o.binlog_files = {kGhost66};
  o.gtid_mode = false;
  auto p = StartPrimary(o);
  ASSERT_TRUE(p);
  auto so = StreamFrom(*p);
  so.start_gtid = kGtidUuid + ":1";
  auto s = upstream::BinlogStream::Open(so);
  ASSERT_FALSE(s.ok());
  const std::string msg = s.status().ToString();
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition) << msg;
  EXPECT_NE(msg.find("gtid_mode OFF"), std::string::npos) << msg;
  EXPECT_NE(msg.find("binlog file and position"), std::string::npos) << msg;
  EXPECT_TRUE(p->dumps().empty());  // refused before asking the server
}

// ---- dm-binlog stream against the primary prints what dm-binlog file prints ----

std::string DmBinlog() {
  if (const char* d = std::getenv("DM_BIN")) return std::string(d) + "/dm-binlog";
  // Tests are built into <build>/tests, binaries into <build>/bin.
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" / "dm-binlog")
      .string();
}

std::vector<std::string> JsonLines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l[0] == '{') lines.push_back(l);
  }
  return lines;
}

TEST(MysqlPrimaryTest, DmBinlogStreamPrintsTheSameLinesAsDmBinlogFile) {
  REQUIRE_TESTDATA();
  const std::string bin = DmBinlog();
  ASSERT_TRUE(fs::exists(bin)) << bin << " not built (set DM_BIN)";
  struct Case {
    std::vector<std::string> files;
    std::string version;
    std::vector<std::string> start;     // --gtid SET or --file F
    std::vector<std::string> skip_gtids;  // lines of these transactions are not streamed
  };
  std::vector<Case> cases = {
      {{kTagFile}, "9.6.0", {"--gtid", kTagUuid + ":1-13:mytag:1-2"}, {}},
      {{kGtidFile}, "8.0.36", {"--gtid", kGtidUuid + ":2"}, {kGtidUuid + ":2"}},
      {{kGhost66, kGhost70}, "5.7.44-log", {"--file", "mysql-bin.000066"}, {}},
      // Events inside a compressed transaction are shown at the payload's offset.
      {{"mysql_common/transaction_compression.000001"}, "8.0.32",
       {"--file", "transaction_compression.000001"}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.files[0] + " " + c.start[1]);
    testing::MysqlPrimaryOptions o;
    o.binlog_files = c.files;
    o.server_version = c.version;
    o.gtid_mode = c.start[0] == "--gtid";
    auto p = StartPrimary(o);
    ASSERT_TRUE(p);
    std::vector<std::string> file_argv = {bin, "file"};
    for (const auto& f : c.files) file_argv.push_back(Testdata(f));
    auto from_file = testing::RunCommand(file_argv);
    ASSERT_OK(from_file.status());
    ASSERT_EQ(from_file->exit_code, 0) << from_file->output;
    std::vector<std::string> argv = {bin, "stream", "--host", "127.0.0.1", "--port",
                                     std::to_string(p->port()), "--user", "repl",
                                     "--password-env", "DM_TEST_MYSQL_PW"};
    argv.insert(argv.end(), c.start.begin(), c.start.end());
    auto from_stream = testing::RunCommand(argv, std::chrono::seconds(60),
                                           {"DM_TEST_MYSQL_PW=" + p->connect_options().password});
    ASSERT_OK(from_stream.status());
    ASSERT_EQ(from_stream->exit_code, 0) << from_stream->output;

    std::vector<std::string> want;
    for (const auto& l : JsonLines(from_file->output)) {
      bool skipped = false;
      for (const auto& g : c.skip_gtids) skipped |= l.find("\"gtid\":\"" + g + "\"") != std::string::npos;
      if (!skipped) want.push_back(l);
    }
    // The stream's own events: the artificial ROTATE before each file (timestamp 0) and the
    // heartbeat that stands for a skipped transaction; everything else is the file's.
    std::vector<std::string> got;
    int artificial = 0, heartbeats = 0;
    for (const auto& l : JsonLines(from_stream->output)) {
      if (l.rfind("{\"type\":\"rotate\",\"pos\":0,", 0) == 0 &&
          l.find("\"timestamp\":0,") != std::string::npos) {
        ++artificial;
      } else if (l.rfind("{\"type\":\"heartbeat\"", 0) == 0) {
        ++heartbeats;
      } else {
        got.push_back(l);
      }
    }
    EXPECT_EQ(artificial, static_cast<int>(c.files.size()));
    EXPECT_EQ(heartbeats, c.skip_gtids.empty() ? 0 : 1);
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace dm
