#include "dm/master/openapi.h"

#include <gtest/gtest.h>

namespace dm::master::openapi {
namespace {

using nlohmann::json;

json SampleTask() {
  return json::parse(R"({
    "name": "t1", "task_mode": "all", "shard_mode": "pessimistic", "meta_schema": "meta",
    "enhance_online_schema_change": true, "on_duplicate": "error", "timezone": "+08:00",
    "target_config": {"host": "10.0.0.2", "port": 4000, "user": "root", "password": "pw-secret",
                      "session": {"foreign_key_checks": "1"}},
    "binlog_filter_rule": {"no-drop": {"ignore_event": ["drop table"], "ignore_sql": ["^TRUNCATE"]}},
    "table_migrate_rule": [
      {"source": {"source_name": "s1", "schema": "db", "table": "t*"},
       "target": {"schema": "merged", "table": "t"}, "binlog_filter_rule": ["no-drop"]},
      {"source": {"source_name": "s1", "schema": "other"}},
      {"source": {"source_name": "s2", "schema": "db", "table": "t*"},
       "target": {"schema": "merged", "table": "t"}}],
    "source_config": {
      "full_migrate_conf": {"export_threads": 3, "import_threads": 5, "data_dir": "./dump"},
      "incr_migrate_conf": {"repl_threads": 7, "repl_batch": 20, "safe_mode": true},
      "source_conf": [{"source_name": "s1", "binlog_name": "mysql-bin.000002", "binlog_pos": 4},
                      {"source_name": "s2", "binlog_gtid": "0-1-5"}]},
    "ignore_checking_items": ["table_schema"]})");
}

TEST(OpenApiTask, JsonToYamlKeepsEveryField) {
  auto yaml = TaskYamlFromJson(SampleTask());
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  auto cfg = config::ParseTaskConfig(*yaml);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString() << "\n" << *yaml;
  EXPECT_EQ(cfg->name, "t1");
  EXPECT_EQ(cfg->shard_mode, "pessimistic");
  EXPECT_TRUE(cfg->is_sharding);
  EXPECT_EQ(cfg->meta_schema, "meta");
  EXPECT_EQ(cfg->timezone, "+08:00");
  EXPECT_EQ(cfg->target_database.password, "pw-secret");
  EXPECT_EQ(cfg->target_database.session.at("foreign_key_checks"), "1");
  ASSERT_EQ(cfg->mysql_instances.size(), 2u);
  const auto& s1 = cfg->mysql_instances[0];
  EXPECT_EQ(s1.source_id, "s1");
  ASSERT_TRUE(s1.meta.has_value());
  EXPECT_EQ(s1.meta->binlog_name, "mysql-bin.000002");
  EXPECT_EQ(s1.meta->binlog_pos, 4u);
  EXPECT_EQ(cfg->mysql_instances[1].meta->binlog_gtid, "0-1-5");
  EXPECT_EQ(s1.resolved.mydumper.threads, 3);
  EXPECT_EQ(s1.resolved.loader.pool_size, 5);
  EXPECT_EQ(s1.resolved.loader.dir, "./dump");
  EXPECT_EQ(s1.resolved.loader.on_duplicate_logical, "error");
  EXPECT_EQ(s1.resolved.syncer.worker_count, 7);
  EXPECT_EQ(s1.resolved.syncer.batch, 20);
  EXPECT_TRUE(s1.resolved.syncer.safe_mode);
  const auto& ba = cfg->block_allow_list.at(s1.block_allow_list);
  EXPECT_EQ(ba.do_dbs, std::vector<std::string>{"other"});
  ASSERT_EQ(ba.do_tables.size(), 1u);
  EXPECT_EQ(ba.do_tables[0].db_name, "db");
  EXPECT_EQ(ba.do_tables[0].tbl_name, "t*");
  ASSERT_EQ(s1.route_rules.size(), 1u);
  const auto& route = cfg->routes.at(s1.route_rules[0]);
  EXPECT_EQ(route.schema_pattern, "db");
  EXPECT_EQ(route.target_schema, "merged");
  ASSERT_EQ(s1.filter_rules.size(), 1u);
  const auto& filter = cfg->filters.at(s1.filter_rules[0]);
  EXPECT_EQ(filter.action, "Ignore");
  EXPECT_EQ(filter.events, std::vector<std::string>{"drop table"});
  EXPECT_EQ(filter.table_pattern, "t*");
  EXPECT_TRUE(cfg->mysql_instances[1].filter_rules.empty());
}

TEST(OpenApiTask, YamlToJsonRoundTripsAndHidesPasswords) {
  auto yaml = TaskYamlFromJson(SampleTask());
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  auto cfg = config::ParseTaskConfig(*yaml);
  ASSERT_TRUE(cfg.ok());
  json j = TaskToJson(*cfg);
  EXPECT_EQ(j["target_config"]["password"], "******");
  EXPECT_EQ(j.dump().find("pw-secret"), std::string::npos);
  EXPECT_EQ(j["shard_mode"], "pessimistic");
  EXPECT_EQ(j["source_config"]["incr_migrate_conf"]["repl_threads"], 7);
  EXPECT_EQ(j["source_config"]["source_conf"][1]["binlog_gtid"], "0-1-5");
  // The rules come back per source; converting again yields the same configuration.
  json again = j;
  again["target_config"]["password"] = "pw-secret";
  auto yaml2 = TaskYamlFromJson(again);
  ASSERT_TRUE(yaml2.ok()) << yaml2.status().ToString() << "\n" << again.dump(2);
  auto cfg2 = config::ParseTaskConfig(*yaml2);
  ASSERT_TRUE(cfg2.ok());
  EXPECT_EQ(cfg2->mysql_instances, cfg->mysql_instances);
  EXPECT_EQ(cfg2->block_allow_list, cfg->block_allow_list);
  EXPECT_EQ(cfg2->routes, cfg->routes);
  EXPECT_EQ(cfg2->filters, cfg->filters);
}

TEST(OpenApiTask, ErrorsNameTheField) {
  json t = SampleTask();
  t.erase("target_config");
  EXPECT_NE(TaskYamlFromJson(t).status().ToString().find("task.target_config: required"), std::string::npos);
  t = SampleTask();
  t["source_config"]["source_conf"][0]["binlog_pos"] = "4";
  EXPECT_NE(TaskYamlFromJson(t).status().ToString().find("task.source_config.source_conf[0].binlog_pos: must be an integer"),
            std::string::npos);
  t = SampleTask();
  t["table_migrate_rule"][0]["binlog_filter_rule"] = {"missing"};
  EXPECT_NE(TaskYamlFromJson(t).status().ToString().find("filter rule missing is not defined"), std::string::npos);
  t = SampleTask();
  t["task_mode"] = "sometimes";  // rejected by task.yaml's own validation
  auto bad = TaskYamlFromJson(t);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("task-mode"), std::string::npos) << bad.status().ToString();
}

TEST(OpenApiSource, RoundTripHidesPassword) {
  json s = json::parse(R"({"source_name": "mysql-01", "host": "db1", "port": 3307, "user": "dm",
                           "password": "pw-secret", "enable_gtid": true, "enable": false,
                           "flavor": "mariadb", "purge": {"expires": 7}})");
  auto yaml = SourceYamlFromJson(s);
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  auto cfg = config::ParseSourceConfig(*yaml);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->from.password, "pw-secret");
  EXPECT_FALSE(cfg->enable);
  EXPECT_EQ(cfg->purge.expires, 7);
  json back = SourceToJson(*cfg);
  EXPECT_EQ(back["password"], "******");
  EXPECT_EQ(back["port"], 3307);
  EXPECT_EQ(back["enable_gtid"], true);
  EXPECT_EQ(back["flavor"], "mariadb");
  s.erase("host");
  EXPECT_NE(SourceYamlFromJson(s).status().ToString().find("source.host: required"), std::string::npos);
}

TEST(OpenApiStatus, SubTaskStatusInDmShape) {
  json st = json::parse(R"js({"name": "t1", "stage": "Paused", "unit": "Sync",
    "result": {"isCanceled": false, "errors": [{"Message": "boom", "RawCause": "Internal: boom"}]},
    "sync": {"totalEvents": "12", "totalTps": "3", "recentTps": "1", "masterBinlog": "(b.1, 4)",
             "syncerBinlog": "(b.1, 4)", "synced": true, "secondsBehindMaster": "0", "binlogType": "remote"}})js");
  json j = SubTaskStatusToJson(st, "s1", "w1");
  EXPECT_EQ(j["source_name"], "s1");
  EXPECT_EQ(j["worker_name"], "w1");
  EXPECT_EQ(j["stage"], "Paused");
  EXPECT_EQ(j["error_msg"], "Internal: boom");
  EXPECT_EQ(j["sync_status"]["total_events"], 12);
  EXPECT_EQ(j["sync_status"]["synced"], true);
  EXPECT_FALSE(j.contains("load_status"));
}

}  // namespace
}  // namespace dm::master::openapi
