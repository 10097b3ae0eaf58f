// CompileRuleSet from a real task.yaml (parsed by dm::config) and a source config: a
// sharded task merging two upstreams into one table, with filters from both files.
#include <gtest/gtest.h>

#include "dm/config/task_config.h"
#include "dm/rules/rules.h"

namespace dm::rules {
namespace {

constexpr char kShardTask[] = R"yaml(name: shard-merge
task-mode: all
shard-mode: pessimistic
target-database:
  host: "127.0.0.1"
  port: 4000
  user: "root"
  password: ""
block-allow-list:
  bw-rule:
    do-dbs: ["shard_db_*"]
    ignore-tables:
      - db-name: "shard_db_*"
        tbl-name: "tmp_*"
routes:
  table-route:
    schema-pattern: "shard_db_*"
    table-pattern: "orders_*"
    target-schema: "merged"
    target-table: "orders"
    extract-table:
      table-regexp: "orders_(.*)"
      target-column: "c_table"
    extract-source:
      source-regexp: "mysql-(.*)"
      target-column: "c_source"
  schema-route:
    schema-pattern: "shard_db_*"
    target-schema: "merged"
filters:
  no-delete:
    schema-pattern: "shard_db_*"
    table-pattern: "orders_*"
    events: ["delete"]
    action: Ignore
expression-filter:
  skip-test-rows:
    schema: "shard_db_1"
    table: "orders_1"
    insert-value-expr: "note LIKE 'test%'"
mysql-instances:
  - source-id: "mysql-01"
    block-allow-list: "bw-rule"
    route-rules: ["table-route", "schema-route"]
    filter-rules: ["no-delete"]
    expression-filters: ["skip-test-rows"]
  - source-id: "mysql-02"
    block-allow-list: "bw-rule"
    route-rules: ["table-route", "schema-route"]
    filter-rules: ["no-delete"]
)yaml";

Datum IntDatum(int64_t v) {
  Datum d;
  d.kind = Datum::Kind::kInt;
  d.i = v;
  return d;
}
Datum StrDatum(std::string v) {
  Datum d;
  d.kind = Datum::Kind::kString;
  d.s = std::move(v);
  return d;
}

config::SourceConfig Source(const char* id) {
  config::SourceConfig s;
  s.source_id = id;
  config::BinlogEventRule r;
  r.schema_pattern = "*";
  r.sql_pattern = {"^DROP\\s+PROCEDURE"};
  r.action = "Ignore";
  s.filters.push_back(r);
  return s;
}

TEST(RuleSetTest, ShardMergeTaskFromYaml) {
  auto task = config::ParseTaskConfig(kShardTask);
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  ASSERT_EQ(task->mysql_instances.size(), 2u);

  auto rs1 = CompileRuleSet(*task, task->mysql_instances[0], Source("mysql-01"));
  auto rs2 = CompileRuleSet(*task, task->mysql_instances[1], Source("mysql-02"));
  ASSERT_TRUE(rs1.ok()) << rs1.status().ToString();
  ASSERT_TRUE(rs2.ok()) << rs2.status().ToString();

  // block-allow list
  EXPECT_TRUE(rs1->block_allow.AllowTable("shard_db_1", "orders_1"));
  EXPECT_FALSE(rs1->block_allow.AllowTable("shard_db_1", "tmp_x"));
  EXPECT_FALSE(rs1->block_allow.AllowTable("other", "orders_1"));
  EXPECT_FALSE(rs1->block_allow.AllowTable("mysql", "user"));
  EXPECT_TRUE(rs1->block_allow.AllowSchema("shard_db_9"));

  // Two upstream tables routed to one target, with provenance columns.
  Route a = rs1->router.RouteTable("mysql-01", {"shard_db_1", "orders_1"});
  Route b = rs2->router.RouteTable("mysql-02", {"shard_db_2", "orders_7"});
  EXPECT_EQ(a.target, (TableRef{"merged", "orders"}));
  EXPECT_EQ(b.target, (TableRef{"merged", "orders"}));
  ASSERT_EQ(a.extra.size(), 2u);
  EXPECT_EQ(a.extra[0].column, "c_table");
  EXPECT_EQ(a.extra[0].value, "1");
  EXPECT_EQ(a.extra[1].column, "c_source");
  EXPECT_EQ(a.extra[1].value, "01");
  ASSERT_EQ(b.extra.size(), 2u);
  EXPECT_EQ(b.extra[0].value, "7");
  EXPECT_EQ(b.extra[1].value, "02");
  EXPECT_EQ(rs1->router.RouteTable("mysql-01", {"shard_db_1", "users"}).target, (TableRef{"merged", "users"}));
  EXPECT_EQ(rs1->router.RouteSchema("shard_db_3"), "merged");

  // Task filter and the source's filter both apply.
  EXPECT_EQ(rs1->event_filter.Filter({"shard_db_1", "orders_1"}, "delete", ""), FilterAction::kIgnore);
  EXPECT_EQ(rs1->event_filter.Filter({"shard_db_1", "orders_1"}, "insert", ""), FilterAction::kDo);
  EXPECT_EQ(rs1->event_filter.Filter({"shard_db_1", ""}, "", "DROP PROCEDURE p"), FilterAction::kIgnore);

  // Expression filter only on the first instance.
  EXPECT_TRUE(rs1->expression_filter.HasRules({"shard_db_1", "orders_1"}));
  EXPECT_FALSE(rs2->expression_filter.HasRules({"shard_db_1", "orders_1"}));
  auto skip = rs1->expression_filter.SkipInsert({"shard_db_1", "orders_1"}, {"id", "note"},
                                                 {IntDatum(1), StrDatum("test row")});
  ASSERT_TRUE(skip.ok()) << skip.status().ToString();
  EXPECT_TRUE(*skip);
}

TEST(RuleSetTest, ErrorsNameTaskSourceAndRule) {
  auto task = config::ParseTaskConfig(kShardTask);
  ASSERT_TRUE(task.ok());
  config::TaskConfig t = *task;
  config::MySQLInstance inst = t.mysql_instances[0];

  inst.route_rules.push_back("nope");
  auto missing = CompileRuleSet(t, inst, Source("mysql-01"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "task `shard-merge` source `mysql-01`: route-rules names `nope` but the task defines no such rule "
            "under `routes` (defined: schema-route, table-route); define it or fix the name");

  inst = t.mysql_instances[0];
  t.routes["table-route"].table_pattern = "orders_*_x*";
  auto bad_route = CompileRuleSet(t, inst, Source("mysql-01"));
  ASSERT_FALSE(bad_route.ok());
  EXPECT_NE(bad_route.status().message().find("task `shard-merge` source `mysql-01` route `table-route`: route rule #1"),
            std::string_view::npos)
      << bad_route.status().message();

  t = *task;
  t.expression_filter["skip-test-rows"].insert_value_expr = "note LIKE";
  auto bad_expr = CompileRuleSet(t, inst, Source("mysql-01"));
  ASSERT_FALSE(bad_expr.ok());
  EXPECT_NE(bad_expr.status().message().find("expression-filter `skip-test-rows`: expression-filter #1 on "
                                             "`shard_db_1`.`orders_1` insert-value-expr `note LIKE`: syntax error"),
            std::string_view::npos)
      << bad_expr.status().message();

  t = *task;
  config::SourceConfig src = Source("mysql-01");
  src.filters[0].sql_pattern = {"(("};
  auto bad_src = CompileRuleSet(t, inst, src);
  ASSERT_FALSE(bad_src.ok());
  EXPECT_NE(bad_src.status().message().find("source `mysql-01` filters[0]: filter rule #1"), std::string_view::npos)
      << bad_src.status().message();

  // A source filter conflicting with a task filter on the same patterns.
  src = Source("mysql-01");
  src.filters[0].schema_pattern = "shard_db_*";
  src.filters[0].table_pattern = "orders_*";
  auto conflict = CompileRuleSet(t, inst, src);
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.status().message().find("merge their events and sql-pattern into one rule"), std::string_view::npos)
      << conflict.status().message();

  // Case sensitivity from the source.
  src = Source("mysql-01");
  src.case_sensitive = true;
  auto cs = CompileRuleSet(t, inst, src);
  ASSERT_TRUE(cs.ok());
  EXPECT_FALSE(cs->block_allow.AllowTable("SHARD_DB_1", "orders_1"));
  EXPECT_TRUE(cs->block_allow.AllowTable("shard_db_1", "orders_1"));
}

TEST(RuleSetTest, InstanceWithoutRulesAllowsEverythingNonSystem) {
  auto task = config::ParseTaskConfig(kShardTask);
  ASSERT_TRUE(task.ok());
  config::MySQLInstance bare;
  bare.source_id = "mysql-03";
  auto rs = CompileRuleSet(*task, bare, config::SourceConfig{});
  ASSERT_TRUE(rs.ok()) << rs.status().ToString();
  EXPECT_TRUE(rs->block_allow.AllowTable("any", "t"));
  EXPECT_FALSE(rs->block_allow.AllowTable("performance_schema", "t"));
  EXPECT_EQ(rs->router.RouteTable("mysql-03", {"shard_db_1", "orders_1"}).target, (TableRef{"shard_db_1", "orders_1"}));
  EXPECT_EQ(rs->event_filter.Filter({"a", "b"}, "delete", ""), FilterAction::kDo);
  EXPECT_FALSE(rs->expression_filter.HasRules({"shard_db_1", "orders_1"}));
}

}  // namespace
}  // namespace dm::rules
