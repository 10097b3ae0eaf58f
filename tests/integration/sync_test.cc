// The sync unit against two real MariaDB servers, driven directly through unit::Unit
// with a UnitContext built from source.yaml / task.yaml text.
#include <atomic>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "dm/dump/metadata.h"
#include "sync_test_util.h"

namespace dm {
namespace {

using synctest::RunningSync;

class SyncIT : public synctest::TwoServers {
 protected:
  SyncIT() : TwoServers("sync") {}

  std::pair<std::string, std::string> FilePos() {
    auto r = upc_->Query("SHOW MASTER STATUS");
    if (!r.ok() || r->rows.empty()) return {"", ""};
    return {r->rows[0][0].value_or(""), r->rows[0][1].value_or("")};
  }

  std::string Syncer(int workers = 4, std::string extra = "") {
    return "syncers:\n  global:\n    worker-count: " + std::to_string(workers) +
           "\n    batch: 100\n    safe-mode-duration: 0s\n" + extra;
  }
};

// A mixed workload on a keyed and a keyless table, including identical rows.
void Workload(mysql::Connection& c, int seed, int n) {
  std::mt19937 rng(seed);
  for (int i = 0; i < n; ++i) {
    int id = static_cast<int>(rng() % 200);
    std::string v = std::to_string(rng() % 1000);
    switch (rng() % 6) {
      case 0: case 1:
        (void)c.Execute("INSERT INTO app.t (id, v, s) VALUES (" + std::to_string(id) + ", " + v +
                        ", 'it''s \\\\ " + v + "') ON DUPLICATE KEY UPDATE v = v + 1");
        break;
      case 2:
        (void)c.Execute("UPDATE app.t SET v = " + v + ", s = NULL WHERE id = " + std::to_string(id));
        break;
      case 3:
        (void)c.Execute("DELETE FROM app.t WHERE id = " + std::to_string(id));
        break;
      case 4:
        (void)c.Execute("INSERT INTO app.k VALUES (" + std::to_string(id % 5) + ", 'dup'), (" +
                        std::to_string(id % 5) + ", 'dup')");
        break;
      case 5:
        (void)c.Execute("BEGIN; DELETE FROM app.k WHERE a = " + std::to_string(id % 5) +
                        " LIMIT 1; UPDATE app.k SET b = 'x' WHERE a = " + std::to_string(id % 3) +
                        " LIMIT 1; UPDATE app.t SET id = id + 1000 WHERE id = " +
                        std::to_string(id) + "; COMMIT");
        break;
    }
  }
}

TEST_F(SyncIT, GtidIncrementalWithDdlAndResume) {
  std::string start = GtidPos();
  // The DDL comes through the binlog too.
  Up("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, s VARCHAR(50)); "
     "CREATE TABLE app.k (a INT, b VARCHAR(10))");
  std::string task = synctest::TaskYaml(down_->port(), synctest::FromGtid(start), Syncer());
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  Workload(*upc_, 1, 600);
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t", "app.k"},
                                          std::chrono::seconds(60), sync->get());
  EXPECT_TRUE(diff.empty()) << "differs: " << diff[0] << " " << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.k"), synctest::SortedRows(*downc_, "app.k"));

  // Status: DM's field names, caught up.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  nlohmann::json st = (*sync)->StatusJson();
  for (const char* f : {"masterBinlog", "masterBinlogGtid", "syncerBinlog", "syncerBinlogGtid",
                        "secondsBehindMaster", "synced", "totalEvents", "totalTps", "recentTps",
                        "totalRows", "totalRps", "recentRps", "blockingDDLs", "unresolvedGroups"}) {
    EXPECT_TRUE(st.contains(f)) << f << " missing in " << st.dump();
  }
  EXPECT_EQ(st["masterBinlogGtid"], st["syncerBinlogGtid"]) << st.dump();
  EXPECT_TRUE(st["synced"].get<bool>()) << st.dump();
  EXPECT_GT(std::stoll(st["totalRows"].get<std::string>()), 100) << st.dump();

  // Pause, change things, resume from the checkpoint with a new unit object.
  DM_ASSERT_OK((*sync)->Stop());
  Workload(*upc_, 2, 300);
  Up("ALTER TABLE app.t ADD COLUMN extra INT DEFAULT 7; INSERT INTO app.t (id, v, extra) VALUES (5000, 1, 2)");
  auto again = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(again);
  Workload(*upc_, 3, 300);
  diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t", "app.k"}, std::chrono::seconds(60),
                                     again->get());
  EXPECT_TRUE(diff.empty()) << (*again)->result().ToString();
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT extra FROM app.t WHERE id = 5000"), "2|");
  // The checkpoint row is DM's.
  EXPECT_EQ(synctest::QueryOne(*downc_,
                               "SELECT id, cp_schema, cp_table, is_global FROM "
                               "dm_meta.t1_syncer_checkpoint"),
            "mysql-01|||1|");
  DM_ASSERT_OK((*again)->Stop());
}

TEST_F(SyncIT, FilePosIncrementalMultiRowsCompact) {
  Up("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, s VARCHAR(50)); "
     "CREATE TABLE app.k (a INT, b VARCHAR(10))");
  Down("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, s VARCHAR(50)); "
       "CREATE TABLE app.k (a INT, b VARCHAR(10))");
  auto [file, pos] = FilePos();
  std::string task = synctest::TaskYaml(
      down_->port(),
      "    meta:\n      binlog-name: " + file + "\n      binlog-pos: " + pos +
          "\n    syncer-config-name: global\n",
      Syncer(3, "    compact: true\n    multiple-rows: true\n"));
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), false), task);
  DM_ASSERT_OK(sync);
  Workload(*upc_, 7, 800);
  // Bulk statements: many rows per event, compaction of repeated keys in one batch.
  Up("SET SESSION max_recursive_iterations = 100000");
  Up("INSERT INTO app.t (id, v) WITH RECURSIVE q(n) AS (SELECT 10000 UNION ALL SELECT n + 1 "
     "FROM q WHERE n < 12000) SELECT n, n FROM q");
  Up("UPDATE app.t SET v = v + 1 WHERE id >= 10000");
  Up("UPDATE app.t SET v = v + 1 WHERE id >= 10000");
  Up("DELETE FROM app.t WHERE id >= 11000");
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t", "app.k"},
                                          std::chrono::seconds(60), sync->get());
  EXPECT_TRUE(diff.empty()) << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.k"), synctest::SortedRows(*downc_, "app.k"));
  DM_ASSERT_OK((*sync)->Stop());
}

TEST_F(SyncIT, TypesCorpusInsertUpdateDelete) {
  std::string start = GtidPos();
  auto sync =
      RunningSync::Start(synctest::SourceYaml(up_->port(), true),
                         synctest::TaskYaml(down_->port(), synctest::FromGtid(start), Syncer(4)));
  DM_ASSERT_OK(sync);
  auto client = testing::FindProgram("mariadb");
  ASSERT_TRUE(client.has_value());
  auto r = testing::RunCommand({"/bin/sh", "-c",
                                *client + " -h127.0.0.1 -uroot -P" + std::to_string(up_->port()) +
                                    " < '" DM_TYPES_CORPUS "'"},
                               std::chrono::seconds(300));
  DM_ASSERT_OK(r);
  ASSERT_TRUE(r->ok()) << r->output;
  std::vector<std::string> tables = synctest::TablesOf(*upc_, "corpus");
  ASSERT_GT(tables.size(), 20u);
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, tables, std::chrono::seconds(120),
                                          sync->get());
  EXPECT_TRUE(diff.empty()) << "after the corpus load, first differing: " << diff[0] << " "
                            << (*sync)->result().ToString();
  for (const auto& t : diff) {
    auto a = synctest::SortedRows(*upc_, t), b = synctest::SortedRows(*downc_, t);
    for (size_t i = 0; i < std::max(a.size(), b.size()) && i < 200; ++i) {
      std::string x = i < a.size() ? a[i] : "", y = i < b.size() ? b[i] : "";
      if (x != y) ADD_FAILURE() << t << " row " << i << ": upstream " << x.substr(0, 300) << " downstream " << y.substr(0, 300);
    }
  }

  // UPDATE every column of every keyed table to the next row's value (all types through
  // before/after images), DELETE every third row, then delete and update in keyless tables.
  Up("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'; SET SESSION time_zone = '+00:00'");
  Up("CREATE DATABASE scratch");
  for (const auto& t : tables) {
    std::string name;  // unquoted table name
    for (size_t i = t.find("`.`") + 3; i + 1 < t.size(); ++i) {
      name += t[i];
      if (t[i] == '`') ++i;  // `` -> `
    }
    auto cols = upc_->Query(
        "SELECT c.COLUMN_NAME, c.COLUMN_KEY, c.EXTRA FROM information_schema.COLUMNS c WHERE "
        "c.TABLE_SCHEMA = 'corpus' AND c.TABLE_NAME = '" + upc_->Escape(name) +
        "' ORDER BY c.ORDINAL_POSITION");
    DM_ASSERT_OK(cols);
    auto pk = upc_->Query("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE "
                          "TABLE_SCHEMA = 'corpus' AND TABLE_NAME = '" + upc_->Escape(name) +
                          "' AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
    DM_ASSERT_OK(pk);
    auto uniq = upc_->Query("SELECT DISTINCT COLUMN_NAME FROM information_schema.STATISTICS WHERE "
                            "TABLE_SCHEMA = 'corpus' AND TABLE_NAME = '" + upc_->Escape(name) +
                            "' AND NON_UNIQUE = 0");
    DM_ASSERT_OK(uniq);
    std::set<std::string> unique_cols;
    for (auto& row : uniq->rows) unique_cols.insert(*row[0]);
    std::string keys, join, set, lead;
    for (auto& row : pk->rows) {
      std::string k = mysql::QuoteIdentifier(*row[0]);
      keys += (keys.empty() ? "" : ",") + k;
      join += (join.empty() ? "" : " AND ") + std::string("t.") + k + " = x." + k;
    }
    if (!keys.empty()) {
      for (auto& row : cols->rows) {
        std::string c = mysql::QuoteIdentifier(*row[0]);
        if (unique_cols.count(*row[0]) || row[2]->find("GENERATED") != std::string::npos) continue;
        lead += ", LEAD(" + c + ") OVER (ORDER BY " + keys + ") AS " + c;
        set += (set.empty() ? "" : ", ") + std::string("t.") + c + " = x." + c;
      }
      if (!set.empty()) {
        std::string copy = mysql::QuoteTable("scratch", name);
        Up("CREATE TABLE " + copy + " AS SELECT " + keys + lead + " FROM " + t);
        Up("UPDATE " + t + " t JOIN " + copy + " x ON " + join + " SET " + set);
      }
      Up("DELETE FROM " + t + " WHERE (" + keys + ") IN (SELECT " + keys +
         " FROM (SELECT " + keys + ", ROW_NUMBER() OVER (ORDER BY " + keys +
         ") AS rn FROM " + t + ") z WHERE rn % 3 = 0)");
    } else {
      Up("DELETE FROM " + t + " LIMIT 5");
      std::string last;  // a column outside unique keys
      for (auto& row : cols->rows) {
        if (!unique_cols.count(*row[0]) && row[2]->find("GENERATED") == std::string::npos) {
          last = mysql::QuoteIdentifier(*row[0]);
        }
      }
      ASSERT_FALSE(last.empty()) << t;
      Up("UPDATE " + t + " SET " + last + " = NULL LIMIT 7");
    }
  }
  diff = synctest::WaitSameChecksums(*upc_, *downc_, tables, std::chrono::seconds(120), sync->get());
  EXPECT_TRUE(diff.empty()) << "after updates/deletes, first differing: " << diff[0] << " "
                            << (*sync)->result().ToString();
  for (const auto& t : {"`corpus`.`no_key`", "`corpus`.`unique_nullable`"}) {
    EXPECT_EQ(synctest::SortedRows(*upc_, t), synctest::SortedRows(*downc_, t)) << t;
  }
  DM_ASSERT_OK((*sync)->Stop());
}

TEST_F(SyncIT, RoutesFiltersAndExpressionFilter) {
  Up("CREATE DATABASE shard1; CREATE DATABASE shard2; CREATE DATABASE other; "
     "CREATE TABLE shard1.t (id INT PRIMARY KEY, v INT); "
     "CREATE TABLE shard2.t (id INT PRIMARY KEY, v INT); "
     "CREATE TABLE other.keep (id INT PRIMARY KEY, v INT); "
     "CREATE TABLE other.nodelete (id INT PRIMARY KEY, v INT); "
     "CREATE TABLE other.skip (id INT PRIMARY KEY)");
  Down("CREATE DATABASE merged; CREATE TABLE merged.t (id INT, v INT, src_schema VARCHAR(20), "
       "PRIMARY KEY (id, src_schema)); CREATE DATABASE other; "
       "CREATE TABLE other.keep (id INT PRIMARY KEY, v INT); "
       "CREATE TABLE other.nodelete (id INT PRIMARY KEY, v INT)");
  auto [file, pos] = FilePos();
  std::string global = Syncer(2) + R"yaml(
routes:
  merge:
    schema-pattern: "shard*"
    table-pattern: "t"
    target-schema: merged
    target-table: t
    extract-schema:
      schema-regexp: "(.*)"
      target-column: src_schema
filters:
  nodel:
    schema-pattern: other
    table-pattern: nodelete
    events: ["delete"]
    action: Ignore
expression-filter:
  big:
    schema: other
    table: keep
    insert-value-expr: "v > 100"
block-allow-list:
  bal:
    do-dbs: ["shard1", "shard2", "other"]
    ignore-tables:
      - db-name: other
        tbl-name: skip
)yaml";
  std::string task = synctest::TaskYaml(
      down_->port(),
      "    meta:\n      binlog-name: " + file + "\n      binlog-pos: " + pos +
          "\n    syncer-config-name: global\n    route-rules: [merge]\n    filter-rules: [nodel]\n"
          "    expression-filters: [big]\n    block-allow-list: bal\n",
      global);
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), false), task);
  DM_ASSERT_OK(sync);
  Up("INSERT INTO shard1.t VALUES (1, 10), (2, 20); INSERT INTO shard2.t VALUES (1, 11), (3, 33)");
  Up("UPDATE shard2.t SET v = 12 WHERE id = 1; DELETE FROM shard1.t WHERE id = 2");
  Up("INSERT INTO other.keep VALUES (1, 50), (2, 500), (3, 100)");
  Up("INSERT INTO other.nodelete VALUES (1, 1), (2, 2); DELETE FROM other.nodelete");
  Up("INSERT INTO other.skip VALUES (1)");
  Up("INSERT INTO other.keep VALUES (4, 4)");      // marker: last change
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM other.keep WHERE id = 4") != "1|" &&
         std::chrono::steady_clock::now() < deadline && !(*sync)->done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(synctest::SortedRows(*downc_, "merged.t"),
            (std::vector<std::string>{"'1'|'10'|'shard1'|", "'1'|'12'|'shard2'|",
                                      "'3'|'33'|'shard2'|"}))
      << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*downc_, "other.keep"),
            (std::vector<std::string>{"'1'|'50'|", "'3'|'100'|", "'4'|'4'|"}));
  EXPECT_EQ(synctest::SortedRows(*downc_, "other.nodelete"),
            (std::vector<std::string>{"'1'|'1'|", "'2'|'2'|"}));
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                        "TABLE_SCHEMA = 'other' AND TABLE_NAME = 'skip'"),
            "0|");

  // A DDL on a routed table is rewritten to the target and runs there (once per shard
  // here would fail: only shard1 alters; shard2 rows keep writing their own columns).
  Up("ALTER TABLE shard1.t ADD COLUMN w INT");
  Up("INSERT INTO shard1.t VALUES (7, 70, 700); INSERT INTO shard2.t VALUES (8, 80)");
  Up("INSERT INTO other.keep VALUES (5, 5)");  // marker
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM other.keep WHERE id = 5") != "1|" &&
         std::chrono::steady_clock::now() < deadline && !(*sync)->done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(synctest::SortedRows(*downc_, "merged.t"),
            (std::vector<std::string>{"'1'|'10'|'shard1'|NULL|", "'1'|'12'|'shard2'|NULL|",
                                      "'3'|'33'|'shard2'|NULL|", "'7'|'70'|'shard1'|'700'|",
                                      "'8'|'80'|'shard2'|NULL|"}))
      << (*sync)->result().ToString();

  // CREATE TABLE ... SELECT on a selected table pauses with an error that names the
  // statement and says what to do.
  // (ROW format logs it as CREATE TABLE + rows: replicable; STATEMENT format keeps it.)
  Up("SET SESSION binlog_format = 'STATEMENT'; CREATE TABLE other.copy SELECT * FROM "
     "other.keep; SET SESSION binlog_format = 'ROW'");
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!(*sync)->done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE((*sync)->done());
  Status err = (*sync)->result();
  EXPECT_NE(err.message().find("CREATE TABLE ... SELECT"), std::string_view::npos) << err.ToString();
  EXPECT_NE(err.message().find("`other`.`copy`"), std::string_view::npos) << err.ToString();
  EXPECT_NE(err.message().find("binlog skip"), std::string_view::npos) << err.ToString();
}

TEST_F(SyncIT, SysbenchWriteOnlyWhileSyncing) {
  auto sysbench = testing::FindProgram("sysbench");
  if (!sysbench) GTEST_SKIP() << "sysbench is not installed";
  Up("CREATE DATABASE sbtest");
  Down("CREATE DATABASE sbtest");
  std::string common = " --db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=root --mysql-db=sbtest "
                       "--tables=4 --table-size=2000 --mysql-port=" + std::to_string(up_->port());
  auto prep = testing::RunCommand({"/bin/sh", "-c", *sysbench + " oltp_write_only" + common + " prepare"},
                                  std::chrono::seconds(120));
  DM_ASSERT_OK(prep);
  ASSERT_TRUE(prep->ok()) << prep->output;
  // Copy the prepared tables downstream (what the full phase would do), then sync from
  // the position after them.
  auto [file, pos] = FilePos();
  for (int i = 1; i <= 4; ++i) {
    std::string t = "sbtest.sbtest" + std::to_string(i);
    auto ddl = upc_->Query("SHOW CREATE TABLE " + t);
    DM_ASSERT_OK(ddl);
    Down("USE sbtest; " + *ddl->rows[0][1]);
    auto rows = upc_->Query("SELECT id, k, c, pad FROM " + t);
    DM_ASSERT_OK(rows);
    std::string ins = "INSERT INTO " + t + " VALUES ";
    for (size_t r = 0; r < rows->rows.size(); ++r) {
      auto& x = rows->rows[r];
      ins += (r ? ",(" : "(") + *x[0] + "," + *x[1] + ",'" + *x[2] + "','" + *x[3] + "')";
    }
    Down(ins);
  }
  std::string task = synctest::TaskYaml(
      down_->port(),
      "    meta:\n      binlog-name: " + file + "\n      binlog-pos: " + pos +
          "\n    syncer-config-name: global\n",
      Syncer(4));
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), false), task);
  DM_ASSERT_OK(sync);
  auto run = testing::RunCommand(
      {"/bin/sh", "-c", *sysbench + " oltp_write_only" + common + " --threads=4 --time=15 run"},
      std::chrono::seconds(120));
  DM_ASSERT_OK(run);
  ASSERT_TRUE(run->ok()) << run->output;
  std::vector<std::string> tables;
  for (int i = 1; i <= 4; ++i) tables.push_back("sbtest.sbtest" + std::to_string(i));
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, tables, std::chrono::seconds(120),
                                          sync->get());
  EXPECT_TRUE(diff.empty()) << (*sync)->result().ToString();
  DM_ASSERT_OK((*sync)->Stop());
}

TEST_F(SyncIT, DownstreamCrashAndRestartMidWorkload) {
  Up("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, s VARCHAR(50)); "
     "CREATE TABLE app.k (a INT, b VARCHAR(10))");
  Down("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, s VARCHAR(50)); "
       "CREATE TABLE app.k (a INT, b VARCHAR(10))");
  std::string start = GtidPos();
  auto sync =
      RunningSync::Start(synctest::SourceYaml(up_->port(), true),
                         synctest::TaskYaml(down_->port(), synctest::FromGtid(start), Syncer(4)));
  DM_ASSERT_OK(sync);
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    auto c = up_->Connect();
    for (int seed = 11; c.ok() && writing; ++seed) Workload(**c, seed, 200);
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  down_->Kill();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  DM_ASSERT_OK(down_->Restart());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  writing = false;
  writer.join();
  auto dc = down_->Connect();
  DM_ASSERT_OK(dc);
  downc_ = std::move(dc).value();
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t", "app.k"},
                                          std::chrono::seconds(120), sync->get());
  EXPECT_TRUE(diff.empty()) << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.k"), synctest::SortedRows(*downc_, "app.k"));
  EXPECT_FALSE((*sync)->done()) << (*sync)->result().ToString();
  // It did go through retries (the downstream was gone for seconds while rows arrived).
  EXPECT_GT(std::stoll((*sync)->StatusJson()["downstreamRetries"].get<std::string>()), 0);
  DM_ASSERT_OK((*sync)->Stop());
}

TEST_F(SyncIT, ModeAllStartsAtDumpMetadata) {
  Up("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); "
     "INSERT INTO app.t VALUES (1, 1), (2, 2)");
  // What dump + load leave behind: the table with the snapshot's rows downstream, and the
  // snapshot position in <loader.dir>.<task>/metadata.
  Down("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); "
       "INSERT INTO app.t VALUES (1, 1), (2, 2)");
  auto [file, pos] = FilePos();
  auto base = testing::MakeTempSubdir("dumped");
  DM_ASSERT_OK(base);
  dump::DumpMetadata md;
  md.started = "2026-01-01 00:00:00";
  md.position = {file, std::stoull(pos)};
  md.gtid = GtidPos();
  md.finished = "2026-01-01 00:00:01";
  std::filesystem::create_directories(*base + "/data.t1");
  DM_ASSERT_OK(dump::WriteMetadata(*base + "/data.t1", md));
  Up("INSERT INTO app.t VALUES (3, 3); UPDATE app.t SET v = 10 WHERE id = 1; DELETE FROM app.t WHERE id = 2");
  std::string task = synctest::TaskYaml(
      down_->port(), "    syncer-config-name: global\n    loader-config-name: l\n",
      Syncer(2) + "loaders:\n  l:\n    dir: " + *base + "/data\n", "all");
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t"}, std::chrono::seconds(30),
                                          sync->get());
  EXPECT_TRUE(diff.empty()) << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*downc_, "app.t"),
            (std::vector<std::string>{"'1'|'10'|", "'3'|'3'|"}));
  DM_ASSERT_OK((*sync)->Stop());
}

}  // namespace
}  // namespace dm
