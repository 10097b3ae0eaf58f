// Integration tests of the full phase (dump unit + load unit) against real MariaDB
// servers: type corpus and sysbench tables migrate with identical CHECKSUM TABLE, mydumper
// output loads, routes with extracted columns merge shards, the dump position is exact
// under concurrent writes (checked by replaying the upstream binlog from it), and a load
// killed with SIGKILL at several points resumes without losing or duplicating rows.

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dm/dump/dump.h"
#include "dm/dump/metadata.h"
#include "dm/load/load.h"
#include "dm/mysql/connection.h"
#include "dm/spec/spec.h"
#include "dm/testing/child_process.h"
#include "dm/testing/gtest_skip.h"
#include "dm/testing/mariadb_server.h"
#include "dm/testing/temp_dir.h"

namespace dm {
namespace {

using testing::MariaDbServer;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string SourceYaml(const MariaDbServer& up) {
  return "source-id: \"src-1\"\nfrom:\n  host: \"127.0.0.1\"\n  port: " + std::to_string(up.port()) +
         "\n  user: \"root\"\n  password: \"\"\n";
}

struct TaskOptions {
  std::string name = "full";
  std::string mode = "full";
  std::string dir;  // loader dir (absolute); the dump goes to dir + "." + name
  std::vector<std::string> dbs = {"corpus", "sbtest"};
  int threads = 4;
  int rows = 1000;
  std::string chunk_filesize = "1";
  std::string extra_args;
  int pool_size = 4;
  std::string on_duplicate = "replace";
  std::string routes;  // YAML of `routes:` body, and route-rules added when non-empty
  bool clean = true;
  std::string extra_top;  // more top-level task.yaml lines
};

std::string TaskYaml(const MariaDbServer& down, const TaskOptions& o) {
  std::string dbs;
  for (const auto& d : o.dbs) dbs += (dbs.empty() ? "\"" : ", \"") + d + "\"";
  std::string y = "name: \"" + o.name + "\"\ntask-mode: " + o.mode + "\nclean-dump-file: " +
                  (o.clean ? "true" : "false") + "\ntarget-database:\n  host: \"127.0.0.1\"\n  port: " +
                  std::to_string(down.port()) + "\n  user: \"root\"\n  password: \"\"\n" +
                  "block-allow-list:\n  bw:\n    do-dbs: [" + dbs + "]\n" +
                  "mydumpers:\n  md:\n    threads: " + std::to_string(o.threads) + "\n    rows: " +
                  std::to_string(o.rows) + "\n    chunk-filesize: \"" + o.chunk_filesize + "\"\n" +
                  (o.extra_args.empty() ? "" : "    extra-args: \"" + o.extra_args + "\"\n") +
                  "loaders:\n  ld:\n    pool-size: " + std::to_string(o.pool_size) + "\n    dir: \"" + o.dir +
                  "\"\n    on-duplicate-logical: " + o.on_duplicate + "\n";
  if (!o.routes.empty()) y += "routes:\n" + o.routes;
  y += o.extra_top;
  y += "mysql-instances:\n  - source-id: \"src-1\"\n    block-allow-list: \"bw\"\n"
       "    mydumper-config-name: \"md\"\n    loader-config-name: \"ld\"\n";
  if (!o.routes.empty()) y += "    route-rules: [\"r1\", \"r2\"]\n";
  return y;
}

std::shared_ptr<const spec::UnitContext> Context(const MariaDbServer& up, const MariaDbServer& down,
                                                 const TaskOptions& o) {
  auto ctx = spec::BuildUnitContext(SourceYaml(up), TaskYaml(down, o));
  EXPECT_TRUE(ctx.ok()) << ctx.status().ToString() << "\n" << TaskYaml(down, o);
  return ctx.ok() ? *ctx : nullptr;
}

Status RunUnit(unit::Unit& u, nlohmann::json* status = nullptr) {
  DM_RETURN_IF_ERROR(u.Init());
  std::stop_source stop;
  Status st = u.Process(stop.get_token());
  if (status != nullptr) u.StatusJson(status);
  u.Close();
  return st;
}

Status RunDump(std::shared_ptr<const spec::UnitContext> ctx, nlohmann::json* status = nullptr) {
  DM_ASSIGN_OR_RETURN(auto u, dump::NewDumpUnit(ctx));
  return RunUnit(*u, status);
}

Status RunLoad(std::shared_ptr<const spec::UnitContext> ctx, nlohmann::json* status = nullptr) {
  DM_ASSIGN_OR_RETURN(auto u, load::NewLoadUnit(ctx));
  return RunUnit(*u, status);
}

// "db.table rows checksum" for every base table of `dbs` on `conn`.
std::vector<std::string> Checksums(mysql::Connection& conn, const std::vector<std::string>& dbs,
                                   const std::vector<std::string>* tables_of = nullptr) {
  std::vector<std::string> out;
  for (const auto& db : dbs) {
    std::vector<std::string> tables;
    if (tables_of != nullptr) {
      tables = *tables_of;
    } else {
      auto r = conn.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' "
                          "AND TABLE_SCHEMA = '" + conn.Escape(db) + "' ORDER BY 1");
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) return out;
      for (auto& row : r->rows) tables.push_back(*row[0]);
    }
    for (const auto& t : tables) {
      std::string q = mysql::QuoteTable(db, t);
      auto c = conn.Query("CHECKSUM TABLE " + q + " EXTENDED");
      auto n = conn.QueryValue("SELECT COUNT(*) FROM " + q);
      if (!c.ok() || !n.ok() || c->rows.empty()) {
        out.push_back(db + "." + t + " missing");
        continue;
      }
      out.push_back(db + "." + t + " " + n->value_or("?") + " " + c->rows[0][1].value_or("NULL"));
    }
  }
  return out;
}

void ExpectSameData(const MariaDbServer& up, const MariaDbServer& down, const std::vector<std::string>& dbs,
                    const std::vector<std::string>* tables = nullptr) {
  auto a = up.Connect();
  auto b = down.Connect();
  ASSERT_TRUE(a.ok() && b.ok());
  auto ca = Checksums(**a, dbs, tables);
  auto cb = Checksums(**b, dbs, tables);
  EXPECT_FALSE(ca.empty());
  EXPECT_EQ(ca, cb);
}

// SHOW CREATE TABLE of every base table, without the AUTO_INCREMENT counter.
std::vector<std::string> CreateStatements(mysql::Connection& conn, const std::vector<std::string>& dbs) {
  std::vector<std::string> out;
  for (const auto& db : dbs) {
    auto r = conn.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' "
                        "AND TABLE_SCHEMA = '" + conn.Escape(db) + "' ORDER BY 1");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return out;
    for (auto& row : r->rows) {
      auto c = conn.Query("SHOW CREATE TABLE " + mysql::QuoteTable(db, *row[0]));
      EXPECT_TRUE(c.ok());
      if (!c.ok()) continue;
      std::string text = c->rows[0][1].value_or("");
      size_t p = text.find(" AUTO_INCREMENT=");
      if (p != std::string::npos) text.erase(p, text.find(' ', p + 1) - p);
      out.push_back(db + "." + *row[0] + ": " + text);
    }
  }
  return out;
}

Status LoadCorpus(mysql::Connection& c) {
  std::string sql = ReadText(DM_TYPES_CORPUS);
  if (sql.empty()) return Status::NotFound(std::string("the type corpus ") + DM_TYPES_CORPUS + " is missing or empty");
  return c.Execute(sql);
}

Status SysbenchPrepare(const MariaDbServer& s, const std::string& db, int tables, int rows) {
  auto c = s.Connect();
  if (!c.ok()) return c.status();
  DM_RETURN_IF_ERROR((*c)->Execute("CREATE DATABASE IF NOT EXISTS " + mysql::QuoteIdentifier(db)));
  auto r = testing::RunCommand({"sysbench", "oltp_read_write", "--db-driver=mysql", "--mysql-host=127.0.0.1",
                                "--mysql-port=" + std::to_string(s.port()), "--mysql-user=root",
                                "--mysql-db=" + db, "--tables=" + std::to_string(tables),
                                "--table-size=" + std::to_string(rows), "prepare"},
                               std::chrono::seconds(300));
  if (!r.ok()) return r.status();
  if (!r->ok()) return Status::Internal("sysbench prepare failed: " + r->output);
  return Status::OK();
}

// Runs `sql` (statements separated by ';') on a new connection to `s`.
Status Exec(const MariaDbServer& s, const std::string& sql) {
  auto c = s.Connect();
  if (!c.ok()) return c.status();
  return (*c)->Execute(sql);
}

class FullMigrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::MariaDbUnavailableReason().empty()) return;
    testing::MariaDbOptions mo;
    mo.name = "full-up";
    auto up = MariaDbServer::Start(mo);
    ASSERT_TRUE(up.ok()) << up.status().ToString();
    up_ = std::move(up).value();
    auto c = up_->Connect();
    ASSERT_TRUE(c.ok());
    Status st = LoadCorpus(**c);
    ASSERT_TRUE(st.ok()) << st.ToString();
    st = SysbenchPrepare(*up_, "sbtest", 4, 20000);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  static void TearDownTestSuite() { up_.reset(); }

  void SetUp() override {
    DM_REQUIRE_MARIADB();
    ASSERT_NE(up_, nullptr);
    testing::MariaDbOptions mo;
    mo.name = "full-down";
    auto down = MariaDbServer::Start(mo);
    ASSERT_TRUE(down.ok()) << down.status().ToString();
    down_ = std::move(down).value();
    auto dir = testing::MakeTempSubdir("dump");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir + "/data";
  }

  // A task `name` over `dbs` with this test's loader dir, other options as TaskOptions.
  TaskOptions Options(const std::string& name, std::vector<std::string> dbs) const {
    TaskOptions o;
    o.dir = dir_;
    o.name = name;
    o.dbs = std::move(dbs);
    return o;
  }

  static std::unique_ptr<MariaDbServer> up_;
  std::unique_ptr<MariaDbServer> down_;
  std::string dir_;
};
std::unique_ptr<MariaDbServer> FullMigrationTest::up_;

TEST_F(FullMigrationTest, CorpusAndSysbenchMigrateIdentically) {
  TaskOptions o = Options("full", {"corpus", "sbtest"});
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  nlohmann::json ds, ls;
  Status st = RunDump(ctx, &ds);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::string dump_dir = dump::DumpDir(*ctx);
  EXPECT_EQ(dump_dir, dir_ + ".full");
  auto meta = dump::ReadMetadata(dump_dir);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_TRUE(meta->finished.has_value());
  EXPECT_FALSE(meta->gtid.empty());
  // DM's query-status fields.
  EXPECT_EQ(ds["progress"], "100.00 %");
  EXPECT_GT(ds["finishedRows"].get<double>(), 80000);
  EXPECT_EQ(ds["totalTables"].get<int64_t>(), ds["completedTables"].get<double>());
  // Chunked by `rows` and cut by chunk-filesize: several files for sbtest1.
  EXPECT_TRUE(std::filesystem::exists(dump_dir + "/sbtest.sbtest1.00003.sql"));
  EXPECT_TRUE(std::filesystem::exists(dump_dir + "/corpus.sl%2Fash-schema.sql"));
  EXPECT_FALSE(std::filesystem::exists(dump_dir + "/corpus.v_ints-schema.sql"));  // views are not dumped

  st = RunLoad(ctx, &ls);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ls["progress"], "100.00 %");
  EXPECT_EQ(ls["finishedBytes"], ls["totalBytes"]);
  EXPECT_EQ(ls["metaBinlog"], "(" + meta->position.file + ", " + std::to_string(meta->position.pos) + ")");
  EXPECT_EQ(ls["metaBinlogGTID"], meta->gtid);
  ExpectSameData(*up_, *down_, {"corpus", "sbtest"});
  {
    // Same table definitions, including the secondary indexes built after the data.
    auto a = up_->Connect();
    auto b = down_->Connect();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(CreateStatements(**a, {"corpus", "sbtest"}), CreateStatements(**b, {"corpus", "sbtest"}));
  }
  // task-mode full + clean-dump-file: the directory is gone.
  EXPECT_FALSE(std::filesystem::exists(dump_dir));

  // A restarted subtask neither dumps nor loads again: the loader checkpoint is complete.
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  ASSERT_TRUE((*down)->Execute("DELETE FROM corpus.no_key LIMIT 1").ok());
  ASSERT_TRUE(RunDump(ctx).ok());
  EXPECT_FALSE(std::filesystem::exists(dump_dir));
  ASSERT_TRUE(RunLoad(ctx).ok());
  auto n = (*down)->QueryValue("SELECT COUNT(*) FROM corpus.no_key");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value_or(""), "3005");
}

TEST_F(FullMigrationTest, ModeAllKeepsMetadataForSync) {
  TaskOptions o = Options("full", {"sbtest"});
  o.mode = "all";
  o.rows = 0;  // whole tables, one file each (chunk-filesize 64)
  o.chunk_filesize = "64";
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  ASSERT_TRUE(RunDump(ctx).ok());
  std::string dump_dir = dump::DumpDir(*ctx);
  EXPECT_TRUE(std::filesystem::exists(dump_dir + "/sbtest.sbtest1.00000.sql"));
  EXPECT_FALSE(std::filesystem::exists(dump_dir + "/sbtest.sbtest1.00001.sql"));
  Status st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameData(*up_, *down_, {"sbtest"});
  EXPECT_TRUE(std::filesystem::exists(dump_dir + "/metadata"));
  EXPECT_FALSE(std::filesystem::exists(dump_dir + "/sbtest.sbtest1.00000.sql"));
  EXPECT_TRUE(std::filesystem::exists(dump_dir + "/sbtest.sbtest1-schema.sql"));  // the sync unit's schema
  EXPECT_TRUE(dump::ReadMetadata(dump_dir).ok());
}

// A load that dies after the data but before the deferred secondary indexes are built
// builds them when it resumes.
TEST_F(FullMigrationTest, DeferredIndexesAreBuiltOnResume) {
  TaskOptions o = Options("idx", {"sbtest"});
  o.clean = false;
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  ASSERT_TRUE(RunDump(ctx).ok());
  ASSERT_TRUE(RunLoad(ctx).ok());
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  ASSERT_TRUE((*down)->Execute("ALTER TABLE sbtest.sbtest2 DROP INDEX k_2").ok());
  Status st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto up = up_->Connect();
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(CreateStatements(**up, {"sbtest"}), CreateStatements(**down, {"sbtest"}));
  ExpectSameData(*up_, *down_, {"sbtest"});
}

TEST_F(FullMigrationTest, LoadsMydumperOutput) {
  // Tables mydumper 0.10 copies faithfully (it loses FLOAT digits and fails on '/' in
  // names; with -r it stalls on some keys, so no chunking here).
  std::vector<std::string> tables = {"ints", "autoinc", "decimals", "temporals", "strings_utf8mb4",
                                     "strings_charsets", "binaries", "jsons", "generated_cols", "no_key",
                                     "composite_key", "varchar_key", "datetime_key", "binary_key",
                                     "partitioned_range", "order", "large_values", "many_rows", "empty_table"};
  std::string regex = "^corpus\\.(";
  for (size_t i = 0; i < tables.size(); ++i) regex += (i ? "|" : "") + tables[i];
  regex += ")$";
  TaskOptions o = Options("myd", {"corpus"});
  o.mode = "load";
  auto r = testing::RunCommand({"mydumper", "-h", "127.0.0.1", "-P", std::to_string(up_->port()), "-u", "root",
                                "-o", dir_ + ".myd", "-t", "2", "--regex", regex},
                               std::chrono::seconds(120));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->ok()) << r->output;
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  Status st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameData(*up_, *down_, {"corpus"}, &tables);
  // task-mode load never deletes the user's files.
  EXPECT_TRUE(std::filesystem::exists(dir_ + ".myd/corpus.ints-schema.sql"));
}

// collation_compatible: strict in the load unit: schema files as MySQL writes them (default
// collations left out) loaded into a downstream whose collation_server differs end with
// the upstream's collations.
TEST_F(FullMigrationTest, StrictCollationsFromSchemaFilesWithoutCollate) {
  auto uc = up_->Connect();
  ASSERT_TRUE(uc.ok());
  ASSERT_TRUE((*uc)->Execute("CREATE DATABASE IF NOT EXISTS colldb; "
                             "CREATE TABLE IF NOT EXISTS colldb.t (id INT PRIMARY KEY, a VARCHAR(5), "
                             "b VARCHAR(5) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4; "
                             "REPLACE INTO colldb.t VALUES (1, 'x', 'y')").ok());
  testing::MariaDbOptions mo;
  mo.name = "full-down-coll";
  mo.extra_args = {"--character-set-server=latin1", "--collation-server=latin1_general_ci"};
  auto down = MariaDbServer::Start(mo);
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  TaskOptions o = Options("coll", {"colldb"});
  o.clean = false;
  o.mode = "dump";
  DM_ASSERT_OK(RunDump(Context(*up_, **down, o)));
  // Strip every collation and the database charset, as MySQL 5.7's SHOW CREATE would leave
  // defaults out: only the charsets remain.
  const std::string dump_dir = dir_ + ".coll";
  int stripped = 0;
  for (const auto& e : std::filesystem::directory_iterator(dump_dir)) {
    const std::string name = e.path().filename().string();
    if (name.find("schema") == std::string::npos) continue;
    std::string text = ReadText(e.path().string());
    std::string out = std::regex_replace(text, std::regex(" COLLATE[= ][A-Za-z0-9_]+"), "");
    if (name.find("schema-create") != std::string::npos) {
      out = std::regex_replace(out, std::regex("/\\*!40100 DEFAULT CHARACTER SET [A-Za-z0-9_]+ *\\*/"), "");
    }
    if (out != text) ++stripped;
    std::ofstream(e.path()) << out;
  }
  ASSERT_EQ(stripped, 2);
  o.mode = "load";
  o.extra_top = "collation_compatible: strict\n";
  DM_ASSERT_OK(RunLoad(Context(*up_, **down, o)));
  auto collations = [](mysql::Connection& c) {
    std::vector<std::string> out;
    for (const char* sql :
         {"SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'colldb'",
          "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'colldb'",
          "SELECT CONCAT(COLUMN_NAME, ':', IFNULL(COLLATION_NAME, '-')) FROM information_schema.COLUMNS "
          "WHERE TABLE_SCHEMA = 'colldb' ORDER BY ORDINAL_POSITION"}) {
      auto r = c.Query(sql);
      if (!r.ok()) return std::vector<std::string>{r.status().ToString()};
      for (auto& row : r->rows) out.push_back(row[0].value_or("NULL"));
    }
    return out;
  };
  auto dc = (*down)->Connect();
  ASSERT_TRUE(dc.ok());
  std::vector<std::string> want = collations(**uc);
  ASSERT_EQ(want.size(), 5u);
  EXPECT_EQ(collations(**dc), want);
  EXPECT_NE(want[0], "latin1_general_ci");  // the downstream's default would differ
}

TEST_F(FullMigrationTest, RoutesMergeShardsWithExtractedColumns) {
  DM_ASSERT_OK(Exec(*up_,
                    "DROP DATABASE IF EXISTS shard_a; DROP DATABASE IF EXISTS shard_b; "
                    "CREATE DATABASE shard_a; CREATE DATABASE shard_b; "
                    "CREATE TABLE shard_a.t_1 (id INT PRIMARY KEY, v VARCHAR(10)); "
                    "CREATE TABLE shard_b.t_2 (id INT PRIMARY KEY, v VARCHAR(10)); "
                    "INSERT INTO shard_a.t_1 VALUES (1,'a1'),(2,'a2'); "
                    "INSERT INTO shard_b.t_2 VALUES (1,'b1')"));
  TaskOptions o = Options("route", {"shard_a", "shard_b"});
  o.routes =
      "  r1:\n    schema-pattern: \"shard_*\"\n    table-pattern: \"t_*\"\n    target-schema: \"merged\"\n"
      "    target-table: \"t\"\n    extract-table:\n      table-regexp: \"t_(.*)\"\n      target-column: \"c_table\"\n"
      "    extract-schema:\n      schema-regexp: \"shard_(.*)\"\n      target-column: \"c_schema\"\n"
      "  r2:\n    schema-pattern: \"shard_*\"\n    target-schema: \"merged\"\n";
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  ASSERT_TRUE(RunDump(ctx).ok());
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  // The merged table needs the shard columns in its key: create it up front, as DM asks.
  ASSERT_TRUE((*down)->Execute("CREATE DATABASE merged; CREATE TABLE merged.t (id INT, v VARCHAR(10), "
                               "c_table VARCHAR(10), c_schema VARCHAR(10), PRIMARY KEY (id, c_table, c_schema))")
                  .ok());
  Status st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto r = (*down)->Query("SELECT id, v, c_table, c_schema FROM merged.t ORDER BY v");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(*r->rows[0][1], "a1");
  EXPECT_EQ(*r->rows[0][2], "1");
  EXPECT_EQ(*r->rows[0][3], "a");
  EXPECT_EQ(*r->rows[2][1], "b1");
  EXPECT_EQ(*r->rows[2][2], "2");
  EXPECT_EQ(*r->rows[2][3], "b");
  // Unrouted shard schemas are not created downstream.
  auto n = (*down)->QueryValue("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shard%'");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value_or(""), "0");
}

// The dump runs while a writer changes the upstream. The dumped data must equal the
// upstream exactly at the recorded position: loading the dump and then replaying the
// upstream binlog from that position (with the server's own mariadb-binlog) must give
// identical tables. A position too early replays a change twice (duplicate key errors
// stop the replay, or checksums differ); too late loses changes (checksums differ).
// The recorded GTID must be the one of the first transaction after the position minus 1.
void ConsistencyUnderWrites(const std::string& extra_args, MariaDbServer& up_srv, MariaDbServer& down_srv,
                            const std::string& dir) {
  std::string db = "cons" + std::to_string(std::hash<std::string>{}(extra_args) % 1000);
  Status st = SysbenchPrepare(up_srv, db, 4, 5000);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> commits{0};
  std::thread writer([&] {
    auto c = up_srv.Connect();
    if (!c.ok()) return;
    std::mt19937 rng(42);
    int64_t next_id = 100000;
    while (!stop.load()) {
      int t = 1 + static_cast<int>(rng() % 4);
      int id = 1 + static_cast<int>(rng() % 5000);
      std::string tbl = mysql::QuoteTable(db, "sbtest" + std::to_string(t));
      std::string sql = "START TRANSACTION; UPDATE " + tbl + " SET k = k + 1 WHERE id = " + std::to_string(id) +
                        "; INSERT INTO " + tbl + " (id, k, c, pad) VALUES (" + std::to_string(next_id++) +
                        ", 1, 'c', 'p'); DELETE FROM " + tbl + " WHERE id = " + std::to_string(1 + rng() % 5000) +
                        "; COMMIT";
      if ((*c)->Execute(sql).ok()) commits.fetch_add(1);
    }
  });
  while (commits.load() < 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  TaskOptions o;
  o.dir = dir;
  o.name = "cons";
  o.dbs = {db};
  o.rows = 500;
  o.extra_args = extra_args;
  o.clean = false;
  auto ctx = Context(up_srv, down_srv, o);
  ASSERT_NE(ctx, nullptr);
  int64_t before = commits.load();
  st = RunDump(ctx);
  int64_t during = commits.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop.store(true);
  writer.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GT(during, before) << "no write committed while the dump ran";
  auto meta = dump::ReadMetadata(dump::DumpDir(*ctx));
  ASSERT_TRUE(meta.ok());
  st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();

  // Replay the upstream binlog from the recorded position into the downstream.
  auto upc = up_srv.Connect();
  ASSERT_TRUE(upc.ok());
  auto logs = (*upc)->Query("SHOW BINARY LOGS");
  ASSERT_TRUE(logs.ok());
  std::vector<std::string> files;
  for (auto& row : logs->rows) {
    if (gtid::CompareBinlogFileName(*row[0], meta->position.file) >= 0) files.push_back(up_srv.binlog_path(*row[0]));
  }
  ASSERT_FALSE(files.empty());
  std::string sql_path = dir + ".replay.sql";
  std::vector<std::string> argv = {"mariadb-binlog", "--start-position=" + std::to_string(meta->position.pos),
                                   "--database=" + db, "--result-file=" + sql_path};
  argv.insert(argv.end(), files.begin(), files.end());
  auto r = testing::RunCommand(argv, std::chrono::seconds(120));
  ASSERT_TRUE(r.ok() && r->ok()) << (r.ok() ? r->output : r.status().ToString());
  std::string replay = ReadText(sql_path);
  // The first transaction after the position carries GTID <metadata gtid> + 1.
  size_t g = replay.find("GTID 0-");
  ASSERT_NE(g, std::string::npos);
  std::string first = replay.substr(g + 5, replay.find_first_of(" \n", g + 5) - (g + 5));
  auto dash = meta->gtid.rfind('-');
  auto fdash = first.rfind('-');
  ASSERT_NE(dash, std::string::npos);
  EXPECT_EQ(std::stoll(first.substr(fdash + 1)), std::stoll(meta->gtid.substr(dash + 1)) + 1)
      << "metadata gtid " << meta->gtid << ", first replayed " << first;
  r = testing::RunCommand({"sh", "-c", "mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P" +
                                           std::to_string(down_srv.port()) + " -uroot < '" + sql_path + "'"},
                          std::chrono::seconds(300));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->ok()) << "replaying the binlog from " << meta->position.ToString() << " failed: " << r->output;
  ExpectSameData(up_srv, down_srv, {db});
}

TEST_F(FullMigrationTest, SnapshotPositionIsExactUnderWritesLockless) {
  ConsistencyUnderWrites("", *up_, *down_, dir_);
}

TEST_F(FullMigrationTest, SnapshotPositionIsExactUnderWritesWithFlush) {
  ConsistencyUnderWrites("--consistency flush", *up_, *down_, dir_);
}

TEST_F(FullMigrationTest, SnapshotPositionIsExactUnderWritesWithLockTables) {
  ConsistencyUnderWrites("--consistency lock", *up_, *down_, dir_);
}

// The load runs in a child process (dm_full_runner) that is killed with SIGKILL at
// several points; each rerun resumes from the checkpoint. on-duplicate-logical: error
// makes any re-inserted committed row fail the rerun, and a table without any key
// (duplicate rows on purpose) shows a duplicated or lost row in its count and checksum.
TEST_F(FullMigrationTest, LoadKilledWithSigkillResumesExactly) {
  DM_ASSERT_OK(
      Exec(*up_,
           "SET SESSION max_recursive_iterations = 1000000; "
           "DROP DATABASE IF EXISTS crash; CREATE DATABASE crash; "
           "CREATE TABLE crash.nokey (a INT, b VARCHAR(100)); "
           "INSERT INTO crash.nokey WITH RECURSIVE q(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
           "FROM q WHERE n < 200000) SELECT n % 100, REPEAT(CHAR(65 + n % 26), 80) FROM q"));
  TaskOptions o = Options("crash", {"crash", "sbtest"});
  o.on_duplicate = "error";
  o.pool_size = 2;
  o.chunk_filesize = "4";
  auto ctx = Context(*up_, *down_, o);
  ASSERT_NE(ctx, nullptr);
  ASSERT_TRUE(RunDump(ctx).ok());

  std::string work = dir_ + ".cfg";
  std::filesystem::create_directories(work);
  std::ofstream(work + "/source.yaml") << SourceYaml(*up_);
  std::ofstream(work + "/task.yaml") << TaskYaml(*down_, o);
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  auto progress = [&]() -> std::pair<int64_t, int64_t> {  // (committed bytes, total bytes)
    auto r = (*down)->Query("SELECT COALESCE(SUM(`offset`), 0), COALESCE(SUM(end_pos), 0) FROM "
                            "dm_meta.crash_loader_checkpoint");
    if (!r.ok() || r->rows.empty()) return {0, 1};
    return {std::stoll(r->rows[0][0].value_or("0")), std::stoll(r->rows[0][1].value_or("1"))};
  };
  int kills = 0;
  int64_t last = -1;
  for (double target : {0.15, 0.45, 0.75}) {
    testing::ChildProcess::Options co;
    co.argv = {DM_FULL_RUNNER, "--source", work + "/source.yaml", "--task", work + "/task.yaml", "--units", "load"};
    co.output_path = work + "/runner" + std::to_string(kills) + ".log";
    auto child = testing::ChildProcess::Spawn(co);
    ASSERT_TRUE(child.ok()) << child.status().ToString();
    bool killed = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline && (*child)->Running()) {
      auto [done, total] = progress();
      if (total > 1 && done >= static_cast<int64_t>(target * static_cast<double>(total)) && done < total) {
        (*child)->Kill(SIGKILL);
        killed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_FALSE((*child)->Running());
    if (!killed) {
      ADD_FAILURE() << "the load finished before the kill at " << target << "; "
                    << testing::TailFile(co.output_path);
      break;
    }
    ++kills;
    auto [done, total] = progress();
    EXPECT_GT(done, last) << "no progress between kills";
    last = done;
    EXPECT_LT(done, total);
  }
  EXPECT_EQ(kills, 3);
  // Final run to completion (in process).
  nlohmann::json ls;
  Status st = RunLoad(ctx, &ls);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ls["progress"], "100.00 %");
  auto [done, total] = progress();
  EXPECT_EQ(done, total);
  ExpectSameData(*up_, *down_, {"crash", "sbtest"});
  auto n = (*down)->QueryValue("SELECT COUNT(*) FROM crash.nokey");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value_or(""), "200000");
}

// Failover in the full phase (docs/full-migration.md, "Failover and dump identity"): the
// load of dump D1 was interrupted, the dump directory is lost (another worker), the
// upstream changes and a new dump D2 is taken. The load must not resume D1's checkpoint
// into D2's files: it empties what D1 loaded and loads D2 whole, and `metadata` (the sync
// unit's start) is D2's.
class FullFailoverTest : public FullMigrationTest {
 protected:
  void SetUp() override {
    FullMigrationTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    DM_ASSERT_OK(Exec(*up_,
                      "DROP DATABASE IF EXISTS swap; CREATE DATABASE swap; USE swap; "
                      "CREATE TABLE swap.nokey (a INT, b VARCHAR(40)); "
                      "INSERT INTO swap.nokey SELECT seq, CONCAT('row ', seq) FROM seq_1_to_30000; "
                      "CREATE TABLE swap.k (id INT PRIMARY KEY, v VARCHAR(40)); "
                      "INSERT INTO swap.k SELECT seq, REPEAT('v', seq % 30) FROM seq_1_to_30000"));
    o_ = Options("swap", {"swap"});
    o_.mode = "all";
    o_.rows = 5000;
    o_.clean = false;
  }
  void TearDown() override {
    if (up_ != nullptr) (void)Exec(*up_, "DROP DATABASE IF EXISTS swap");
  }
  // Loads D1 completely, then makes its checkpoint look interrupted (one file unfinished),
  // removes the dump directory and changes the upstream.
  void LoadFirstDumpAndLoseIt(std::shared_ptr<const spec::UnitContext> ctx, std::string* first_id) {
    ASSERT_TRUE(RunDump(ctx).ok());
    auto m = dump::ReadMetadata(dump::DumpDir(*ctx));
    ASSERT_TRUE(m.ok());
    *first_id = m->dump_id;
    ASSERT_EQ(first_id->size(), 32u);
    ASSERT_TRUE(RunLoad(ctx).ok());
    DM_ASSERT_OK(Exec(*down_,
                      "UPDATE dm_meta.swap_loader_checkpoint SET `offset` = `end_pos` DIV 2 "
                      "WHERE `filename` LIKE 'swap.nokey.%' LIMIT 1"));
    std::filesystem::remove_all(dump::DumpDir(*ctx));
    DM_ASSERT_OK(
        Exec(*up_,
             "DELETE FROM swap.nokey WHERE a % 100 = 0; UPDATE swap.nokey SET b = 'changed' "
             "WHERE a % 77 = 0; INSERT INTO swap.nokey VALUES (-1, 'new'); "
             "DELETE FROM swap.k WHERE id % 3 = 0"));
  }
  TaskOptions o_;
};

TEST_F(FullFailoverTest, NewDumpReplacesAnInterruptedLoadOfAnother) {
  auto ctx = Context(*up_, *down_, o_);
  ASSERT_NE(ctx, nullptr);
  std::string first_id;
  LoadFirstDumpAndLoseIt(ctx, &first_id);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(RunDump(ctx).ok());
  auto m = dump::ReadMetadata(dump::DumpDir(*ctx));
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->dump_id, first_id);
  Status st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameData(*up_, *down_, {"swap"});
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  auto rec = (*down)->Query("SELECT `loaded_dump`, `binlog_name`, `binlog_pos` FROM dm_meta.swap_loader_dump");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->rows.size(), 1u);
  EXPECT_EQ(rec->rows[0][0].value_or(""), m->dump_id);
  EXPECT_EQ(rec->rows[0][1].value_or(""), m->position.file);
  EXPECT_EQ(rec->rows[0][2].value_or(""), std::to_string(m->position.pos));
  // Mode all, load complete, dump directory lost again: no new dump, and `metadata` is
  // rewritten from the record so the sync unit starts at the loaded dump's position.
  std::filesystem::remove_all(dump::DumpDir(*ctx));
  ASSERT_TRUE(RunDump(ctx).ok());
  auto restored = dump::ReadMetadata(dump::DumpDir(*ctx));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_TRUE(restored->finished.has_value());
  EXPECT_EQ(restored->position, m->position);
  EXPECT_EQ(restored->gtid, m->gtid);
  st = RunLoad(ctx);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectSameData(*up_, *down_, {"swap"});
}

TEST_F(FullFailoverTest, TargetSharedWithAnotherSourceIsNotEmptied) {
  auto ctx = Context(*up_, *down_, o_);
  ASSERT_NE(ctx, nullptr);
  std::string first_id;
  LoadFirstDumpAndLoseIt(ctx, &first_id);
  if (HasFatalFailure()) return;
  auto down = down_->Connect();
  ASSERT_TRUE(down.ok());
  // Another source of the task loads into swap.nokey too (shard merge).
  ASSERT_TRUE((*down)->Execute("INSERT INTO dm_meta.swap_loader_checkpoint (`id`, `filename`, `cp_schema`, "
                               "`cp_table`, `offset`, `end_pos`) VALUES ('src-2', 'swap.nokey.00000.sql', "
                               "'swap', 'nokey', 10, 10)").ok());
  auto before = (*down)->QueryValue("SELECT COUNT(*) FROM swap.nokey");
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(RunDump(ctx).ok());
  Status st = RunLoad(ctx);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("`swap`.`nokey` also holds rows of source src-2"), std::string::npos)
      << st.ToString();
  auto after = (*down)->QueryValue("SELECT COUNT(*) FROM swap.nokey");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(before->value_or("?"), after->value_or("!"));
}

// Connection::QueryStream (dm/mysql) streams rows with bounded memory and keeps the
// connection usable when the callback stops early.
TEST_F(FullMigrationTest, QueryStreamStreamsAndRecovers) {
  auto c = up_->Connect();
  ASSERT_TRUE(c.ok());
  int64_t rows = 0, sum = 0;
  std::vector<std::string> cols;
  Status st = (*c)->QueryStream("SELECT id, NULL, c FROM sbtest.sbtest1", [&](const mysql::RowView& r) {
    ++rows;
    sum += std::stoll(std::string(r.value(0)));
    EXPECT_TRUE(r.is_null(1));
    EXPECT_EQ(r.value(2).size(), 119u);
    return Status::OK();
  }, &cols);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(rows, 20000);
  EXPECT_EQ(sum, 20000LL * 20001 / 2);
  EXPECT_EQ(cols, (std::vector<std::string>{"id", "NULL", "c"}));
  int seen = 0;
  st = (*c)->QueryStream("SELECT id FROM sbtest.sbtest2", [&](const mysql::RowView&) {
    return ++seen == 10 ? Status::Cancelled("enough") : Status::OK();
  });
  EXPECT_EQ(st.code(), Code::kCancelled);
  EXPECT_EQ(seen, 10);
  auto v = (*c)->QueryValue("SELECT 42");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->value_or(""), "42");
  st = (*c)->QueryStream("SELECT * FROM no_such_db.t", [](const mysql::RowView&) { return Status::OK(); });
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
}

}  // namespace
}  // namespace dm
