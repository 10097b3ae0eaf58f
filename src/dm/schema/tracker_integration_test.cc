// The tracker against a real MariaDB: for a scripted sequence of DDL executed on the server,
// the tracked TableInfo of every table equals what the server's information_schema reports
// (LoadTableInfo), a tracker initialised from SHOW CREATE TABLE agrees too, and every statement
// re-printed from the AST (routed to another schema) executes and yields the same tables.
#include <gtest/gtest.h>

#include <algorithm>

#include "dm/ddl/parser.h"
#include "dm/schema/tracker.h"
#include "dm/testing/mariadb_test.h"

namespace dm::schema {
namespace {

// What information_schema reports differently from the tracker's canonical form.
TableInfo Normalize(TableInfo t, std::string_view schema) {
  t.schema = std::string(schema);
  for (Column& c : t.columns) {
    if (c.default_value && *c.default_value == "NULL") c.default_value.reset();
  }
  std::stable_sort(t.indexes.begin(), t.indexes.end(), [](const Index& a, const Index& b) {
    if (a.primary != b.primary) return a.primary;
    if (a.unique != b.unique) return a.unique;
    return a.name < b.name;
  });
  return t;
}

std::string Dump(const TableInfo& t) { return TableInfoToJson(t); }

class TrackerIT : public testing::MariaDbTest {
 protected:
  TrackerIT() : MariaDbTest("tracker-it") {}

  std::vector<std::string> ServerTables(std::string_view schema) {
    auto r = conn_->Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                          std::string(schema) + "' ORDER BY TABLE_NAME");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& row : r->rows) out.push_back(row[0].value_or(""));
    }
    return out;
  }
};

TEST_F(TrackerIT, TrackedSchemaMatchesServerAfterEveryDdl) {
  auto cs = conn_->QueryValue("SELECT @@character_set_server");
  auto co = conn_->QueryValue("SELECT @@collation_server");
  ASSERT_TRUE(cs.ok() && co.ok());
  TrackerOptions opts;
  opts.flavor = FlavorFromVersion(conn_->ServerVersion());
  opts.server_charset = cs->value_or("");
  opts.server_collation = co->value_or("");
  Tracker tracker(opts);

  ASSERT_TRUE(conn_->Execute("CREATE DATABASE up").ok());
  ASSERT_TRUE(conn_->Execute("CREATE DATABASE rp").ok());
  const std::vector<std::string> script = {
      "CREATE TABLE t1 (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL "
      "DEFAULT '', price DECIMAL(10,2) DEFAULT 0, kind ENUM('a','b''c') DEFAULT 'a', created "
      "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, note TEXT "
      "CHARACTER SET latin1, flags SET('x','y') DEFAULT 'x,y', doc JSON, b BIT(3) DEFAULT b'101', "
      "u BIGINT UNSIGNED, f FLOAT, d DOUBLE, dt DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3), y YEAR, "
      "bin VARBINARY(16), ch CHAR(4) BINARY, neg INT DEFAULT -7, v INT AS (neg * 2) VIRTUAL, "
      "w INT AS (neg + 1) PERSISTENT, KEY idx_name (name), UNIQUE KEY uk_u (u)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      "ALTER TABLE t1 ADD COLUMN c1 INT NOT NULL DEFAULT 5 AFTER name, ADD INDEX (c1), ADD INDEX (c1, u)",
      "ALTER TABLE t1 MODIFY COLUMN name VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
      "ALTER TABLE t1 CHANGE COLUMN c1 c2 BIGINT(20) UNSIGNED NULL FIRST",
      "ALTER TABLE t1 RENAME COLUMN c2 TO c3",
      "ALTER TABLE t1 ALTER COLUMN price SET DEFAULT 1.5",
      "ALTER TABLE t1 ALTER COLUMN kind DROP DEFAULT",
      "ALTER TABLE t1 DROP INDEX idx_name, ADD UNIQUE KEY uk_name (name(10)), RENAME INDEX uk_u TO uk_u2",
      "ALTER TABLE t1 DROP COLUMN note, ALGORITHM=INPLACE",
      "ALTER TABLE t1 ENGINE=InnoDB, COMMENT='tracked'",
      "CREATE TABLE t2 (a INT, b VARCHAR(10), c TEXT, e ENUM('p') NOT NULL) DEFAULT CHARSET=utf8mb4",
      "ALTER TABLE t2 ADD PRIMARY KEY (a), ADD UNIQUE (b), ADD UNIQUE (b, a)",
      "ALTER TABLE t2 CONVERT TO CHARACTER SET latin1",
      "ALTER TABLE t2 DROP PRIMARY KEY, DEFAULT CHARSET = utf8mb4, ADD d VARCHAR(5) FIRST",
      "CREATE TABLE t3 LIKE t2",
      "RENAME TABLE t3 TO t4, t2 TO t3",
      "ALTER TABLE t4 RENAME TO t5, ADD COLUMN e2 INT DEFAULT NULL",
      "CREATE INDEX ix ON t5 (d)",
      "CREATE UNIQUE INDEX ux ON up.t5 (e2)",
      "DROP INDEX ix ON t5",
      "CREATE TABLE t6 (id INT, pid INT, qid INT, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES t1 (id), "
      "FOREIGN KEY (qid) REFERENCES t1 (id), KEY kq (qid))",
      "TRUNCATE TABLE t5",
      "DROP TABLE t6, t3",
      "CREATE TABLE t7 (a SERIAL, b BOOL DEFAULT TRUE, c NATIONAL CHAR(3), d INT(5) ZEROFILL, "
      "e DOUBLE PRECISION, f NUMERIC(6), g FLOAT(30), h FLOAT(7,3) UNSIGNED, i DECIMAL(8,3) DEFAULT 2)",
      "ALTER TABLE t7 ADD COLUMN j VARCHAR(4) DEFAULT 'x''y', ADD k TINYINT UNSIGNED DEFAULT '3'",
      "CREATE DATABASE other CHARACTER SET latin1",
      "CREATE TABLE other.t8 (s VARCHAR(3), t TEXT CHARACTER SET utf8mb4, PRIMARY KEY (s))",
      "ALTER DATABASE other CHARACTER SET utf8mb4",
      "CREATE TABLE other.t9 (s VARCHAR(3))",
      "ALTER TABLE t5 ADD COLUMN IF NOT EXISTS e2 INT, DROP COLUMN IF EXISTS zz",
      "/*!40000 ALTER TABLE `t5` DISABLE KEYS */",
      "DROP TABLE IF EXISTS t5",
  };
  auto route = [](const rules::TableRef& t) {
    return rules::TableRef{t.schema == "up" ? "rp" : "rp_" + t.schema, t.table};
  };
  for (const std::string& sql : script) {
    SCOPED_TRACE(sql);
    ASSERT_TRUE(conn_->Execute("USE up").ok());
    Status ex = conn_->Execute(sql);
    ASSERT_TRUE(ex.ok()) << ex.ToString();
    auto st = ddl::Parse(sql);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    Status ap = tracker.Apply(st.value(), "up");
    ASSERT_TRUE(ap.ok()) << ap.ToString();
    // Re-printed and routed: runs in another schema (no USE of `up`).
    ddl::Statement routed = st.value();
    routed.RewriteTables("up", route);
    ASSERT_TRUE(conn_->Execute("USE mysql").ok());
    Status rx = conn_->Execute(routed.text);
    ASSERT_TRUE(rx.ok()) << "printed: " << routed.text << "\n" << rx.ToString();

    for (const char* schema : {"up", "other"}) {
      std::vector<std::string> tracked;
      for (const auto& t : tracker.ListTables()) {
        if (t.schema == schema) tracked.push_back(t.table);
      }
      ASSERT_EQ(tracked, ServerTables(schema)) << schema;
      for (const std::string& table : tracked) {
        SCOPED_TRACE(std::string(schema) + "." + table);
        auto server = LoadTableInfo(*conn_, schema, table);
        ASSERT_TRUE(server.ok()) << server.status().ToString();
        TableInfo want = Normalize(server.value(), schema);
        TableInfo got = Normalize(*tracker.Get(schema, table), schema);
        EXPECT_EQ(Dump(got), Dump(want));
        std::string rschema = std::string(schema) == "up" ? "rp" : "rp_other";
        auto replayed = LoadTableInfo(*conn_, rschema, table);
        ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
        EXPECT_EQ(Dump(Normalize(replayed.value(), schema)), Dump(want));
      }
    }
  }

  // A tracker initialised from SHOW CREATE TABLE output agrees with the server too.
  Tracker fresh(opts);
  for (const auto& t : tracker.ListTables()) {
    SCOPED_TRACE(t.schema + "." + t.table);
    auto r = conn_->Query("SHOW CREATE TABLE `" + t.schema + "`.`" + t.table + "`");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::string create = r->rows[0][1].value_or("");
    Status s = fresh.InitTable(t.schema, t.table, create);
    ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << create;
    auto server = LoadTableInfo(*conn_, t.schema, t.table);
    ASSERT_TRUE(server.ok());
    EXPECT_EQ(Dump(Normalize(*fresh.Get(t.schema, t.table), t.schema)),
              Dump(Normalize(server.value(), t.schema)))
        << create;
    // And the JSON persisted in a checkpoint restores the same TableInfo.
    auto back = TableInfoFromJson(TableInfoToJson(*tracker.Get(t.schema, t.table)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), *tracker.Get(t.schema, t.table));
  }
}

}  // namespace
}  // namespace dm::schema
