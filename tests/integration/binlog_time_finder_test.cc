// Binlog position by time (dm::upstream::FindBinlogByTime) against a real MariaDB:
// batches of transactions in distinct seconds across rotated binlog files and two GTID
// domains; for the second each batch starts in, the finder must answer exactly the
// server's position before the batch (SHOW MASTER STATUS) and the GTID position MariaDB
// itself gives for it (BINLOG_GTID_POS); a time before the oldest binlog and one after
// the newest event get DM's "before first" / "after last" answers.
#include <thread>

#include "dm/base/log.h"
#include "dm/testing/mariadb_test.h"
#include "dm/upstream/binlog_time_finder.h"

namespace dm {
namespace {

class BinlogTimeFinderTest : public testing::MariaDbTest {
 protected:
  BinlogTimeFinderTest()
      : MariaDbTest("timefinder",
                    "CREATE DATABASE tf; CREATE TABLE tf.t (id INT PRIMARY KEY, b INT)") {}

  int64_t ServerNow() {
    auto v = conn_->QueryValue("SELECT UNIX_TIMESTAMP()");
    EXPECT_TRUE(v.ok() && v->has_value());
    return std::stoll(**v);
  }
};

TEST_F(BinlogTimeFinderTest, PositionAndGtidsOfEachSecond) {
  struct Batch {
    int64_t second;
    gtid::BinlogPosition before;       // SHOW MASTER STATUS before the batch
    gtid::BinlogPosition after_first;  // ... after its first transaction
    std::string gtid_pos;
  };
  std::vector<Batch> batches;
  int id = 0;
  int64_t last = ServerNow();
  for (int b = 0; b < 6; ++b) {
    while (ServerNow() <= last) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (b == 2 || b == 4) DM_ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
    auto st = conn_->Query("SHOW MASTER STATUS");
    DM_ASSERT_OK(st);
    Batch batch;
    batch.second = ServerNow();
    batch.before = {*st->rows[0][0], std::stoull(*st->rows[0][1])};
    auto g = conn_->QueryValue("SELECT BINLOG_GTID_POS('" + batch.before.file + "', " +
                               std::to_string(batch.before.pos) + ")");
    DM_ASSERT_OK(g);
    batch.gtid_pos = g->value_or("");
    // Several transactions, one of them in a second GTID domain from batch 3 on.
    for (int k = 0; k < 3; ++k) {
      ++id;
      std::string sql = "INSERT INTO tf.t VALUES (" + std::to_string(id) + ", " + std::to_string(b) + ")";
      if (b >= 3 && k == 1) sql = "SET SESSION gtid_domain_id = 5; " + sql + "; SET SESSION gtid_domain_id = 0";
      DM_ASSERT_OK(conn_->Execute(sql));
      if (k == 0) {
        auto st2 = conn_->Query("SHOW MASTER STATUS");
        DM_ASSERT_OK(st2);
        batch.after_first = {*st2->rows[0][0], std::stoull(*st2->rows[0][1])};
      }
    }
    if (ServerNow() != batch.second) {
      // The batch spilled into the next second; its start is still the position asked for.
      LogInfo("batch {} crossed a second boundary", b);
    }
    last = ServerNow();
    batches.push_back(batch);
  }

  upstream::TimeFinderOptions fo;
  fo.conn = server_->connect_options();
  for (size_t b = 0; b < batches.size(); ++b) {
    SCOPED_TRACE("batch " + std::to_string(b));
    auto at = upstream::FindBinlogByTime(fo, batches[b].second);
    DM_ASSERT_OK(at);
    EXPECT_EQ(at->place, upstream::TimePlace::kInRange);
    // The start of the batch's first transaction. MariaDB may write a BINLOG_CHECKPOINT
    // event after SHOW MASTER STATUS answered (asynchronously, after a rotation): the
    // finder then answers the position after it, with no transaction in between.
    EXPECT_GE(at->position, batches[b].before) << at->position.ToString();
    EXPECT_LT(at->position, batches[b].after_first) << at->position.ToString();
    auto same = conn_->QueryValue("SELECT BINLOG_GTID_POS('" + at->position.file + "', " +
                                  std::to_string(at->position.pos) + ")");
    DM_ASSERT_OK(same);
    EXPECT_EQ(same->value_or("?"), batches[b].gtid_pos) << "a transaction between the answer and the batch";
    auto want = gtid::GtidSet::Parse(gtid::Flavor::kMariaDB, batches[b].gtid_pos);
    DM_ASSERT_OK(want);
    EXPECT_TRUE(at->gtids.Equals(*want)) << at->gtids.ToString() << " vs BINLOG_GTID_POS "
                                         << batches[b].gtid_pos;
    EXPECT_GE(at->event_timestamp, batches[b].second);
  }

  auto logs = conn_->Query("SHOW BINARY LOGS");
  DM_ASSERT_OK(logs);
  ASSERT_GE(logs->rows.size(), 3u);
  auto early = upstream::FindBinlogByTime(fo, 1000000000);  // 2001
  DM_ASSERT_OK(early);
  EXPECT_EQ(early->place, upstream::TimePlace::kBeforeFirst);
  EXPECT_EQ(early->oldest_file, *logs->rows[0][0]);
  EXPECT_EQ(early->position.file, *logs->rows[0][0]);

  auto late = upstream::FindBinlogByTime(fo, ServerNow() + 3600);
  DM_ASSERT_OK(late);
  EXPECT_EQ(late->place, upstream::TimePlace::kAfterLast);
  EXPECT_GE(late->newest_timestamp, batches.back().second);
}

TEST_F(BinlogTimeFinderTest, UpstreamTimeZone) {
  DM_ASSERT_OK(conn_->Execute("SET GLOBAL time_zone = '+05:00'"));
  auto c = server_->Connect();  // a new session gets the global zone
  DM_ASSERT_OK(c);
  auto t = upstream::UpstreamUnixTime(**c, "2026-04-17 05:00:00");
  DM_ASSERT_OK(t);
  EXPECT_EQ(*t, 1776384000);  // 2026-04-17 00:00:00 UTC
  // Beyond UNIX_TIMESTAMP()'s range on this server: the session's offset converts it.
  auto far = upstream::UpstreamUnixTime(**c, "2099-01-01 05:00:00");
  DM_ASSERT_OK(far);
  EXPECT_EQ(*far, 4070908800);  // 2099-01-01 00:00:00 UTC
  EXPECT_FALSE(upstream::UpstreamUnixTime(**c, "1960-01-01 00:00:00").ok());
}

}  // namespace
}  // namespace dm
