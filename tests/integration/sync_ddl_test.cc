// DDL replication through the sync unit (issue 6) against two real MariaDB servers: the
// parser-based DDL handling (split, filters, routes) and the schema tracker (persisted in
// the checkpoint's per-table rows, updated by filtered DDL too).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "dm/dump/layout.h"
#include "dm/dump/metadata.h"

#include "sync_test_util.h"

namespace dm {
namespace {

using synctest::RunningSync;

class SyncDdlIT : public synctest::TwoServers {
 protected:
  SyncDdlIT() : TwoServers("ddl") {}

  static std::string Syncer() {
    return "syncers:\n  global:\n    worker-count: 4\n    batch: 50\n    safe-mode-duration: 0s\n";
  }

  // SHOW CREATE TABLE with AUTO_INCREMENT=N removed and the table name replaced by `T`.
  static std::string ShowCreate(mysql::Connection& c, const std::string& table) {
    auto r = c.Query("SHOW CREATE TABLE " + table);
    if (!r.ok()) return "ERROR: " + r.status().ToString();
    if (r->rows.empty() || r->rows[0].size() < 2) return "<none>";
    std::string s = r->rows[0][1].value_or("");
    s = std::regex_replace(s, std::regex(" AUTO_INCREMENT=[0-9]+"), "");
    size_t open = s.find('`');
    size_t close = s.find('`', open + 1);
    if (open != std::string::npos && close != std::string::npos) s.replace(open, close - open + 1, "`T`");
    return s;
  }

  // Waits until `sql` returns `want` downstream (or the unit stopped / 60 s passed).
  bool WaitDown(const std::string& sql, const std::string& want, RunningSync* sync) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (synctest::QueryOne(*downc_, sql) == want) return true;
      if (sync && sync->done()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }
};

// A scripted DDL sequence while another connection writes: columns added, dropped,
// modified, changed and renamed, indexes added and dropped, tables created (also LIKE),
// renamed (also several at once), truncated, dropped (several at once, one of them not
// selected), charsets changed, and a routed table renamed into another schema whose DDL is
// rewritten. Downstream structure and data end identical.
TEST_F(SyncDdlIT, ScriptedDdlDuringWorkload) {
  std::string start = GtidPos();
  Down("CREATE DATABASE dst");
  std::string global = Syncer() + R"yaml(
routes:
  r:
    schema-pattern: src
    table-pattern: r
    target-schema: dst
    target-table: r2
block-allow-list:
  bal:
    do-dbs: ["app", "src"]
    ignore-tables:
      - db-name: app
        tbl-name: ign
)yaml";
  std::string task = synctest::TaskYaml(
      down_->port(), synctest::FromGtid(start, "    route-rules: [r]\n    block-allow-list: bal\n"),
      global);
  Up("CREATE DATABASE app; CREATE TABLE app.t1 (id INT PRIMARY KEY, v INT, s VARCHAR(20)); "
     "CREATE TABLE app.t2 (id INT PRIMARY KEY AUTO_INCREMENT, a INT, b VARCHAR(10)) "
     "DEFAULT CHARSET=utf8mb4; CREATE TABLE app.ign (id INT PRIMARY KEY)");
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);

  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    auto c = up_->Connect();
    if (!c.ok()) return;
    for (int i = 0; !stop.load(); ++i) {
      int id = i % 300;
      (void)(*c)->Execute("INSERT INTO app.t1 (id, v) VALUES (" + std::to_string(id) + ", " +
                          std::to_string(i) + ") ON DUPLICATE KEY UPDATE v = v + 1");
      if (i % 3 == 0) (void)(*c)->Execute("DELETE FROM app.t1 WHERE id = " + std::to_string((id * 7) % 300));
      if (i % 5 == 0) (void)(*c)->Execute("UPDATE app.t1 SET s = 'u" + std::to_string(i) + "' WHERE id = " + std::to_string(id));
      writes.fetch_add(1);
    }
  });
  auto pause = [&] {
    int w = writes.load();
    while (writes.load() < w + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  const std::vector<std::string> script = {
      "ALTER TABLE app.t1 ADD COLUMN c1 INT DEFAULT 5",
      "INSERT INTO app.t2 (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
      "ALTER TABLE app.t1 ADD COLUMN c2 VARCHAR(30) AFTER v, ADD INDEX idx_v (v)",
      "ALTER TABLE app.t2 MODIFY COLUMN b VARCHAR(50) NOT NULL DEFAULT 'dflt'",
      "INSERT INTO app.t2 (a) VALUES (4)",
      "ALTER TABLE app.t2 CHANGE COLUMN a a2 BIGINT",
      "ALTER TABLE app.t2 RENAME COLUMN b TO b2",
      "INSERT INTO app.t2 (a2, b2) VALUES (5, 'five'), (6, 'six')",
      "UPDATE app.t2 SET b2 = 'upd' WHERE a2 = 2",
      "ALTER TABLE app.t1 DROP COLUMN c1",
      "ALTER TABLE app.t1 DROP INDEX idx_v",
      "CREATE INDEX idx_s ON app.t1 (s)",
      "RENAME TABLE app.t2 TO app.t2r",
      "INSERT INTO app.t2r (a2, b2) VALUES (7, 'seven')",
      "CREATE TABLE app.t3 LIKE app.t2r",
      "INSERT INTO app.t3 (a2, b2) VALUES (1, 'one'), (2, 'two')",
      "TRUNCATE TABLE app.t3",
      "INSERT INTO app.t3 (a2, b2) VALUES (3, 'three')",
      "ALTER TABLE app.t3 CONVERT TO CHARACTER SET latin1",
      "INSERT INTO app.t3 (a2, b2) VALUES (4, 'caf\xc3\xa9')",
      "ALTER TABLE app.t2r DEFAULT CHARSET = latin1, ADD COLUMN l VARCHAR(10)",
      "INSERT INTO app.t2r (a2, b2, l) VALUES (8, 'eight', 'd\xc3\xa9j\xc3\xa0')",
      "CREATE TABLE app.t4 (id INT PRIMARY KEY); CREATE TABLE app.t5 (id INT PRIMARY KEY)",
      "INSERT INTO app.t4 VALUES (1); INSERT INTO app.t5 VALUES (1); INSERT INTO app.ign VALUES (1)",
      "DROP TABLE app.t4, app.ign",
      "RENAME TABLE app.t3 TO app.t3a, app.t5 TO app.t5a",
      "INSERT INTO app.t3a (a2, b2) VALUES (5, 'five'); INSERT INTO app.t5a VALUES (2)",
      // The routed table: created, altered (qualified and with the default schema), renamed
      // columns; all rewritten to `dst`.`r2`.
      "CREATE DATABASE src",
      "CREATE TABLE src.r (id INT PRIMARY KEY, v INT)",
      "INSERT INTO src.r VALUES (1, 10), (2, 20)",
      "ALTER TABLE src.r ADD COLUMN w VARCHAR(10) DEFAULT 'w'",
      "INSERT INTO src.r VALUES (3, 30, 'x')",
      "USE src; ALTER TABLE r ADD INDEX iv (v), CHANGE COLUMN w w2 VARCHAR(20); USE app",
      "UPDATE src.r SET w2 = 'y' WHERE id = 1; DELETE FROM src.r WHERE id = 2",
  };
  for (const auto& sql : script) {
    pause();
    Up(sql);
  }
  pause();
  stop = true;
  writer.join();
  Up("CREATE TABLE app.marker (id INT PRIMARY KEY); INSERT INTO app.marker VALUES (1)");
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.marker", "1|", sync->get()))
      << (*sync)->result().ToString();

  // Non-routed tables: the same tables, structures and data.
  EXPECT_EQ(synctest::TablesOf(*downc_, "app"), synctest::TablesOf(*upc_, "app"));
  for (const auto& t : synctest::TablesOf(*upc_, "app")) {
    EXPECT_EQ(ShowCreate(*downc_, t), ShowCreate(*upc_, t)) << t;
    EXPECT_EQ(synctest::Checksum(*downc_, t), synctest::Checksum(*upc_, t)) << t;
  }
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                        "TABLE_SCHEMA = 'app' AND TABLE_NAME = 'ign'"),
            "0|");
  // The routed one: the same structure and rows under its new name; nothing under src.
  EXPECT_EQ(ShowCreate(*downc_, "dst.r2"), ShowCreate(*upc_, "src.r"));
  EXPECT_EQ(synctest::SortedRows(*downc_, "dst.r2"), synctest::SortedRows(*upc_, "src.r"));
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                        "TABLE_SCHEMA = 'src'"),
            "0|");
  EXPECT_FALSE((*sync)->done()) << (*sync)->result().ToString();
  DM_ASSERT_OK((*sync)->Stop());
}

// The schema tracker, persisted: the downstream table has changed further than the binlog
// position (columns added by hand, the upstream ALTER filtered), so reading the structure
// from the downstream cannot decode the old rows. The tracked structure is saved with the
// checkpoint and used after every restart: before the ALTER (old rows), and between the
// ALTER and later DML.
TEST_F(SyncDdlIT, TrackerPersistedAcrossRestarts) {
  std::string start = GtidPos();
  std::string global = Syncer() + R"yaml(
filters:
  noadd:
    schema-pattern: app
    table-pattern: p
    events: ["add column"]
    action: Ignore
)yaml";
  std::string task = synctest::TaskYaml(
      down_->port(), synctest::FromGtid(start, "    filter-rules: [noadd]\n"), global);
  Up("CREATE DATABASE app; CREATE TABLE app.p (id INT PRIMARY KEY, a VARCHAR(10))");
  Up("INSERT INTO app.p VALUES (1, 'one'), (2, 'two')");
  {
    auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
    DM_ASSERT_OK(sync);
    ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.p", "2|", sync->get()))
        << (*sync)->result().ToString();
    DM_ASSERT_OK((*sync)->Stop());
  }
  // The tracked structure of the upstream table is in the checkpoint.
  std::string row = synctest::QueryOne(
      *downc_, "SELECT JSON_LENGTH(table_info, '$.columns') FROM dm_meta.t1_syncer_checkpoint "
               "WHERE cp_schema = 'app' AND cp_table = 'p'");
  EXPECT_EQ(row, "2|");

  // The downstream moves ahead by hand: c (what the upstream will add) and a
  // downstream-only column d.
  Down("ALTER TABLE app.p ADD COLUMN c INT, ADD COLUMN d INT DEFAULT 7");
  // Old-schema rows, the (filtered) ALTER, then a stop before any new-schema DML.
  Up("INSERT INTO app.p VALUES (3, 'three'); UPDATE app.p SET a = 'uno' WHERE id = 1");
  Up("ALTER TABLE app.p ADD COLUMN c INT");
  {
    auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
    DM_ASSERT_OK(sync);
    ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.p", "3|", sync->get()))
        << (*sync)->result().ToString();
    // Wait until the ALTER (filtered, tracked) is checkpointed with the new structure.
    ASSERT_TRUE(WaitDown("SELECT JSON_LENGTH(table_info, '$.columns') FROM "
                         "dm_meta.t1_syncer_checkpoint WHERE cp_schema = 'app' AND cp_table = 'p'",
                         "3|", sync->get()))
        << (*sync)->result().ToString();
    DM_ASSERT_OK((*sync)->Stop());
  }
  // New-schema DML after the restart: decoded with the persisted 3-column structure (the
  // downstream has 4 columns, so it alone could not).
  Up("INSERT INTO app.p VALUES (4, 'four', 44); UPDATE app.p SET c = 11 WHERE id = 1; "
     "DELETE FROM app.p WHERE id = 2");
  {
    auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
    DM_ASSERT_OK(sync);
    ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.p WHERE id = 4", "1|", sync->get()))
        << (*sync)->result().ToString();
    ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.p WHERE id = 2", "0|", sync->get()))
        << (*sync)->result().ToString();
    EXPECT_EQ(synctest::SortedRows(*downc_, "app.p"),
              (std::vector<std::string>{"'1'|'uno'|'11'|'7'|", "'3'|'three'|NULL|'7'|",
                                        "'4'|'four'|'44'|'7'|"}));
    DM_ASSERT_OK((*sync)->Stop());
  }

  // Without the persisted structure (rows deleted), the same restart point fails: the
  // downstream's 4 columns do not match the binlog's 3. This shows the rows are what
  // made the restarts above work.
  Up("INSERT INTO app.p VALUES (5, 'five', 55)");
  Down("DELETE FROM dm_meta.t1_syncer_checkpoint WHERE cp_table <> ''");
  {
    auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
    DM_ASSERT_OK(sync);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!(*sync)->done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE((*sync)->done());
    EXPECT_NE((*sync)->result().message().find("column count mismatch"), std::string_view::npos)
        << (*sync)->result().ToString();
  }
}

// Online schema change: a gh-ost run on app.g (with a sync restart between the ghost
// ALTER and the cut-over: the record survives in dm_meta.t1_onlineddl) and a pt-osc run
// on src.p, which is routed to dst.p2, each with the statements those tools issue and
// DML going on. Ghost/changelog rows are not replicated, no helper table appears
// downstream, and each tool's ALTER reaches the real (routed) table once, at the cut-over.
TEST_F(SyncDdlIT, GhostAndPtOscCutOver) {
  std::string start = GtidPos();
  Down("CREATE DATABASE dst");
  std::string global = Syncer() + R"yaml(
routes:
  p:
    schema-pattern: src
    table-pattern: p
    target-schema: dst
    target-table: p2
)yaml";
  std::string task = synctest::TaskYaml(
      down_->port(), synctest::FromGtid(start, "    route-rules: [p]\n"), global);
  Up("CREATE DATABASE app; CREATE TABLE app.g (id INT PRIMARY KEY, v INT, s VARCHAR(20))");
  Up("CREATE DATABASE src; CREATE TABLE src.p (id INT PRIMARY KEY, v INT)");
  for (int i = 1; i <= 50; ++i) {
    Up("INSERT INTO app.g VALUES (" + std::to_string(i) + ", " + std::to_string(i * 2) + ", 's" +
       std::to_string(i) + "'); INSERT INTO src.p VALUES (" + std::to_string(i) + ", " +
       std::to_string(i) + ")");
  }
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  const std::string records = "SELECT COUNT(*) FROM dm_meta.t1_onlineddl";

  // gh-ost, up to the row copy, with its binlog-applied DML on the ghost table.
  Up("CREATE TABLE `app`.`_g_ghc` (id bigint auto_increment, last_update timestamp not null "
     "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, hint varchar(64) charset ascii not "
     "null, value varchar(4096) charset ascii not null, primary key(id), unique key "
     "hint_uidx(hint)) auto_increment=256");
  Up("INSERT /* gh-ost */ INTO `app`.`_g_ghc` (id, hint, value) VALUES (NULL, 'state', "
     "'GhostTableMigrated') ON DUPLICATE KEY UPDATE last_update = NOW(), value = VALUES(value)");
  Up("CREATE /* gh-ost */ TABLE `app`.`_g_gho` LIKE `app`.`g`");
  Up("ALTER /* gh-ost */ TABLE `app`.`_g_gho` ADD COLUMN c INT DEFAULT 3, ADD INDEX idx_v (v)");
  Up("INSERT /* gh-ost `app`.`g` */ IGNORE INTO `app`.`_g_gho` (`id`, `v`, `s`) (SELECT `id`, "
     "`v`, `s` FROM `app`.`g` FORCE INDEX (`PRIMARY`) WHERE `id` BETWEEN 1 AND 30)");
  Up("INSERT INTO app.g VALUES (51, 102, 's51'); UPDATE app.g SET v = 0 WHERE id = 3");
  Up("REPLACE /* gh-ost `app`.`_g_gho` */ INTO `app`.`_g_gho` (`id`, `v`, `s`) VALUES (51, 102, "
     "'s51'); UPDATE /* gh-ost */ `app`.`_g_gho` SET `v` = 0 WHERE `id` = 3");
  Up("INSERT /* gh-ost `app`.`g` */ IGNORE INTO `app`.`_g_gho` (`id`, `v`, `s`) (SELECT `id`, "
     "`v`, `s` FROM `app`.`g` FORCE INDEX (`PRIMARY`) WHERE `id` BETWEEN 31 AND 60)");
  ASSERT_TRUE(WaitDown(records, "1|", sync->get())) << (*sync)->result().ToString();
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.g WHERE id = 51", "1|", sync->get()))
      << (*sync)->result().ToString();
  // Restart between the ghost ALTER and the cut-over: the record is reloaded.
  DM_ASSERT_OK((*sync)->Stop());
  sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  Up("DELETE FROM app.g WHERE id = 5; DELETE FROM `app`.`_g_gho` WHERE `id` = 5");
  // The cut-over.
  Up("DROP /* gh-ost */ TABLE IF EXISTS `app`.`_g_del`");
  Up("CREATE /* gh-ost */ TABLE `app`.`_g_del` (id int auto_increment primary key) "
     "engine=InnoDB comment='ghost-cut-over-sentry'");
  Up("DROP /* gh-ost */ TABLE IF EXISTS `app`.`_g_del`");
  Up("RENAME /* gh-ost */ TABLE `app`.`g` TO `app`.`_g_del`, `app`.`_g_gho` TO `app`.`g`");
  Up("DROP /* gh-ost */ TABLE IF EXISTS `app`.`_g_ghc`");
  Up("DROP /* gh-ost */ TABLE IF EXISTS `app`.`_g_del`");
  Up("INSERT INTO app.g (id, v, s, c) VALUES (52, 104, 's52', 52); UPDATE app.g SET c = 9 WHERE id = 1");

  // pt-osc on the routed table, with its triggers.
  Up("CREATE TABLE `src`.`_p_new` (\n  `id` int(11) NOT NULL,\n  `v` int(11) DEFAULT NULL,\n  "
     "PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci");
  Up("ALTER TABLE `src`.`_p_new` ADD COLUMN w VARCHAR(10) DEFAULT 'pt'");
  // (pt-osc runs in the table's database.)
  Up("USE src");
  Up("CREATE TRIGGER `pt_osc_src_p_del` AFTER DELETE ON `src`.`p` FOR EACH ROW DELETE IGNORE "
     "FROM `src`.`_p_new` WHERE `src`.`_p_new`.`id` <=> OLD.`id`");
  Up("CREATE TRIGGER `pt_osc_src_p_upd` AFTER UPDATE ON `src`.`p` FOR EACH ROW REPLACE INTO "
     "`src`.`_p_new` (`id`, `v`) VALUES (NEW.`id`, NEW.`v`)");
  Up("CREATE TRIGGER `pt_osc_src_p_ins` AFTER INSERT ON `src`.`p` FOR EACH ROW REPLACE INTO "
     "`src`.`_p_new` (`id`, `v`) VALUES (NEW.`id`, NEW.`v`)");
  Up("INSERT LOW_PRIORITY IGNORE INTO `src`.`_p_new` (`id`, `v`) SELECT `id`, `v` FROM "
     "`src`.`p` FORCE INDEX(`PRIMARY`) WHERE ((`id` >= '1')) AND ((`id` <= '50')) LOCK IN SHARE "
     "MODE /*pt-online-schema-change 1 copy nibble*/");
  Up("INSERT INTO src.p VALUES (60, 60); UPDATE src.p SET v = 100 WHERE id = 2; DELETE FROM src.p "
     "WHERE id = 4");
  Up("RENAME TABLE `src`.`p` TO `src`.`_p_old`, `src`.`_p_new` TO `src`.`p`");
  Up("DROP TABLE IF EXISTS `src`.`_p_old`");
  Up("DROP TRIGGER IF EXISTS `src`.`pt_osc_src_p_del`");
  Up("USE init_marker");
  Up("INSERT INTO src.p VALUES (61, 61, 'new'); UPDATE src.p SET w = 'u' WHERE id = 1");

  Up("CREATE TABLE app.marker (id INT PRIMARY KEY); INSERT INTO app.marker VALUES (1)");
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.marker", "1|", sync->get()))
      << (*sync)->result().ToString();
  EXPECT_EQ(synctest::TablesOf(*downc_, "app"),
            (std::vector<std::string>{"`app`.`g`", "`app`.`marker`"}));
  EXPECT_EQ(ShowCreate(*downc_, "app.g"), ShowCreate(*upc_, "app.g"));
  EXPECT_EQ(synctest::Checksum(*downc_, "app.g"), synctest::Checksum(*upc_, "app.g"));
  EXPECT_EQ(synctest::TablesOf(*downc_, "dst"), (std::vector<std::string>{"`dst`.`p2`"}));
  EXPECT_EQ(ShowCreate(*downc_, "dst.p2"), ShowCreate(*upc_, "src.p"));
  EXPECT_EQ(synctest::SortedRows(*downc_, "dst.p2"), synctest::SortedRows(*upc_, "src.p"));
  EXPECT_EQ(synctest::QueryOne(*downc_, records), "0|");
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM information_schema.TRIGGERS"), "0|");
  EXPECT_FALSE((*sync)->done()) << (*sync)->result().ToString();
  DM_ASSERT_OK((*sync)->Stop());
}

// Mode all: the tracker initialises a table from the dump's `<db>.<tbl>-schema.sql` (the
// upstream structure at the snapshot), not from the downstream, which here has an extra
// column (reading the downstream would fail the column count check).
TEST_F(SyncDdlIT, ModeAllTrackerFromDumpSchemaFiles) {
  Up("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT); "
     "INSERT INTO app.t VALUES (1, 1), (2, 2)");
  Down("CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, d INT DEFAULT 7); "
       "INSERT INTO app.t (id, v) VALUES (1, 1), (2, 2)");
  auto r = upc_->Query("SHOW MASTER STATUS");
  DM_ASSERT_OK(r.status());
  auto base = testing::MakeTempSubdir("dumped");
  DM_ASSERT_OK(base);
  dump::DumpMetadata md;
  md.started = "2026-01-01 00:00:00";
  md.position = {r->rows[0][0].value_or(""), std::stoull(r->rows[0][1].value_or("4"))};
  md.gtid = GtidPos();
  md.finished = "2026-01-01 00:00:01";
  std::string dir = *base + "/data.t1";
  std::filesystem::create_directories(dir);
  DM_ASSERT_OK(dump::WriteMetadata(dir, md));
  {
    std::ofstream f(dir + "/" + dump::TableSchemaFileName("app", "t"));
    f << "/*!40101 SET NAMES binary*/;\nCREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` "
         "int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n";
  }
  Up("INSERT INTO app.t VALUES (3, 3); UPDATE app.t SET v = 10 WHERE id = 1; DELETE FROM app.t WHERE id = 2");
  std::string task = synctest::TaskYaml(
      down_->port(), "    syncer-config-name: global\n    loader-config-name: l\n",
      Syncer() + "loaders:\n  l:\n    dir: " + *base + "/data\n", "all");
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.t WHERE id = 3", "1|", sync->get()))
      << (*sync)->result().ToString();
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM app.t", "2|", sync->get()))
      << (*sync)->result().ToString();
  EXPECT_EQ(synctest::SortedRows(*downc_, "app.t"),
            (std::vector<std::string>{"'1'|'10'|'7'|", "'3'|'3'|'7'|"}));
  DM_ASSERT_OK((*sync)->Stop());
}

// collation_compatible: strict against a downstream whose server defaults differ from the
// upstream's: databases and tables created without explicit collations upstream end with
// the upstream's collations downstream (loose would give them the downstream's defaults).
class SyncCollationIT : public SyncDdlIT {
 protected:
  SyncCollationIT() {
    down_args_ = {"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"};
  }
  // "schema|collation|" of every database, table and column under `schemas`.
  static std::vector<std::string> Collations(mysql::Connection& c) {
    std::vector<std::string> out;
    for (const char* sql :
         {"SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
          "WHERE SCHEMA_NAME LIKE 'coll%' ORDER BY 1",
          "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME), TABLE_COLLATION FROM information_schema.TABLES "
          "WHERE TABLE_SCHEMA LIKE 'coll%' ORDER BY 1",
          "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, '.', COLUMN_NAME), COLLATION_NAME "
          "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA LIKE 'coll%' ORDER BY 1"}) {
      auto r = c.Query(sql);
      if (!r.ok()) return {"ERROR: " + r.status().ToString()};
      for (auto& row : r->rows) out.push_back(row[0].value_or("NULL") + "|" + row[1].value_or("NULL"));
    }
    return out;
  }
};

TEST_F(SyncCollationIT, StrictKeepsTheUpstreamCollations) {
  ASSERT_NE(synctest::QueryOne(*upc_, "SELECT @@collation_server"),
            synctest::QueryOne(*downc_, "SELECT @@collation_server"))
      << "the test needs servers whose default collations differ";
  std::string start = GtidPos();
  std::string task = synctest::TaskYaml(down_->port(), synctest::FromGtid(start),
                                        Syncer() + "collation_compatible: strict\n");
  Up("CREATE DATABASE coll1");  // neither charset nor collation: the upstream's collation_server
  Up("CREATE TABLE coll1.t (id INT PRIMARY KEY, a VARCHAR(10), b VARCHAR(10) CHARACTER SET utf8mb4)");
  Up("CREATE DATABASE coll2 CHARACTER SET latin1");
  Up("CREATE TABLE coll2.t (id INT PRIMARY KEY, c TEXT) DEFAULT CHARSET=utf8mb4");
  Up("ALTER TABLE coll2.t ADD COLUMN d CHAR(3) CHARACTER SET latin1");
  Up("INSERT INTO coll1.t VALUES (1, 'x', 'y'); INSERT INTO coll2.t VALUES (1, 'z', 'w')");
  auto sync = RunningSync::Start(synctest::SourceYaml(up_->port(), true), task);
  DM_ASSERT_OK(sync);
  ASSERT_TRUE(WaitDown("SELECT COUNT(*) FROM coll2.t", "1|", sync->get())) << (*sync)->result().ToString();
  std::vector<std::string> up = Collations(*upc_);
  ASSERT_EQ(up.size(), 2u + 2u + 6u);
  EXPECT_EQ(Collations(*downc_), up);
  DM_ASSERT_OK((*sync)->Stop());
}

}  // namespace
}  // namespace dm
