// The streaming client against a real MariaDB: GTID and file:pos starts, heartbeats,
// reconnect after the dump connection is killed and after the server crashes, with every
// row delivered exactly once.
#include <atomic>
#include <set>
#include <thread>

#include "dm/binlog/row_reader.h"
#include "dm/testing/mariadb_test.h"
#include "dm/upstream/binlog_stream.h"

namespace dm {
namespace {

class BinlogStreamTest : public testing::MariaDbTest {
 protected:
  BinlogStreamTest()
      : MariaDbTest("stream", "CREATE DATABASE s; CREATE TABLE s.t (id INT PRIMARY KEY)") {}

  void Insert(int from, int to) {
    for (int i = from; i < to; ++i) {
      DM_ASSERT_OK(conn_->Execute("INSERT INTO s.t VALUES (" + std::to_string(i) + ")"));
    }
  }

  // Reads events until `want` ids of s.t were seen (or a timeout); records them all.
  void ReadIds(upstream::BinlogStream& stream, size_t want, std::multiset<int64_t>* ids) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      while (!done && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!done) stream.Stop();
    });
    upstream::StreamEvent ev;
    while (ids->size() < want) {
      bool end = false;
      Status s = stream.Next(&ev, &end);
      if (!s.ok() || end) {
        ADD_FAILURE() << "stream ended early: " << s.ToString() << " after " << ids->size();
        break;
      }
      if (auto* r = ev.event.As<binlog::RowsEvent>(); r && r->table && r->table->table == "t") {
        binlog::RowReader rows(*r);
        std::vector<binlog::Value> a, b;
        while (rows.Next(&a, &b)) ids->insert(a[0].i);
        EXPECT_TRUE(rows.status().ok());
      }
    }
    done = true;
    watchdog.join();
  }
};

TEST_F(BinlogStreamTest, DetectsFlavorAndStartsFromGtid) {
  Insert(1, 4);
  auto gtid = conn_->QueryValue("SELECT @@gtid_binlog_pos");
  DM_ASSERT_OK(gtid);
  Insert(4, 7);
  upstream::StreamOptions o;
  o.conn = server_->connect_options();
  o.start_gtid = **gtid;  // everything after the first three inserts
  o.stop_at_end = true;
  auto stream = upstream::BinlogStream::Open(o);
  DM_ASSERT_OK(stream);
  EXPECT_EQ((*stream)->upstream().flavor, gtid::Flavor::kMariaDB);
  EXPECT_NE((*stream)->upstream().version.find("MariaDB"), std::string::npos);
  std::multiset<int64_t> ids;
  ReadIds(**stream, 3, &ids);
  EXPECT_EQ(ids, (std::multiset<int64_t>{4, 5, 6}));
  upstream::StreamEvent ev;
  for (bool end = false; !end;) DM_ASSERT_OK((*stream)->Next(&ev, &end));
  // The boundary GTID advanced to the server's current one.
  auto now = conn_->QueryValue("SELECT @@gtid_binlog_pos");
  DM_ASSERT_OK(now);
  EXPECT_EQ((*stream)->boundary_gtids().ToString(), **now);
}

TEST_F(BinlogStreamTest, SendsHeartbeatsWhenIdle) {
  upstream::StreamOptions o;
  o.conn = server_->connect_options();
  o.heartbeat_period_s = 1;
  auto stream = upstream::BinlogStream::Open(o);
  DM_ASSERT_OK(stream);
  std::atomic<bool> done{false};
  std::thread stopper([&] {  // bounds the test if heartbeats never come
    for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*stream)->Stop();
  });
  int heartbeats = 0;
  upstream::StreamEvent ev;
  bool end = false;
  while (heartbeats < 2) {
    DM_ASSERT_OK((*stream)->Next(&ev, &end));
    if (end) break;
    if (ev.event.header.type == binlog::EventType::kHeartbeat) ++heartbeats;
  }
  done = true;
  stopper.join();
  EXPECT_GE(heartbeats, 2);
}

TEST_F(BinlogStreamTest, ReconnectsAfterKillAndCrashWithoutLossOrDuplicates) {
  for (bool use_gtid : {true, false}) {
    SCOPED_TRACE(use_gtid ? "GTID start" : "file:pos start");
    DM_ASSERT_OK(conn_->Execute("TRUNCATE s.t"));
    auto pos = conn_->Query("SHOW MASTER STATUS");
    auto gtid = conn_->QueryValue("SELECT @@gtid_binlog_pos");
    DM_ASSERT_OK(pos);
    DM_ASSERT_OK(gtid);
    upstream::StreamOptions o;
    o.conn = server_->connect_options();
    o.heartbeat_period_s = 1;
    o.max_retries = -1;
    o.backoff_initial_ms = 50;
    o.backoff_max_ms = 500;
    if (use_gtid) o.start_gtid = **gtid;
    else o.start_position = gtid::BinlogPosition{*pos->rows[0][0], std::stoull(*pos->rows[0][1])};
    auto stream = upstream::BinlogStream::Open(o);
    DM_ASSERT_OK(stream);
    std::multiset<int64_t> ids;
    Insert(1, 11);
    ReadIds(**stream, 10, &ids);

    // 1. Kill the dump connection from the server side.
    DM_ASSERT_OK(conn_->Execute(
        "BEGIN NOT ATOMIC FOR r IN (SELECT id FROM information_schema.processlist "
        "WHERE command = 'Binlog Dump') DO KILL CONNECTION r.id; END FOR; END"));
    Insert(11, 21);
    ReadIds(**stream, 20, &ids);

    // 2. Crash the server (kill -9) and bring it back on the same port.
    server_->Kill();
    DM_ASSERT_OK(server_->Restart());
    auto c = server_->Connect();
    DM_ASSERT_OK(c);
    conn_ = std::move(c).value();
    Insert(21, 31);
    ReadIds(**stream, 30, &ids);

    std::multiset<int64_t> want;
    for (int i = 1; i < 31; ++i) want.insert(i);
    EXPECT_EQ(ids, want);  // every row once: nothing lost, nothing repeated
    EXPECT_GE((*stream)->reconnects(), 2);
    (*stream)->Stop();
  }
}

TEST(BinlogStreamErrorsTest, UnreachableServerIsRetryableAndNamed) {
  upstream::StreamOptions o;
  o.conn.host = "127.0.0.1";
  o.conn.port = 1;
  o.conn.connect_timeout_s = 2;
  auto r = upstream::BinlogStream::Open(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().ToString().find("127.0.0.1:1"), std::string::npos);
}

TEST_F(BinlogStreamTest, PurgedFileIsAClearError) {
  upstream::StreamOptions o;
  o.conn = server_->connect_options();
  o.start_position = gtid::BinlogPosition{"mysql-bin.999999", 4};
  o.stop_at_end = true;
  o.max_retries = 0;
  auto stream = upstream::BinlogStream::Open(o);
  Status s = stream.ok() ? Status::OK() : stream.status();
  if (stream.ok()) {
    upstream::StreamEvent ev;
    bool end = false;
    s = (*stream)->Next(&ev, &end);
  }
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(s.mysql_errno(), 1236u);
}

}  // namespace
}  // namespace dm
