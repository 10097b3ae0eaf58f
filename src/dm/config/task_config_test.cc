#include "dm/config/task_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dm::config {
namespace {

// DM's documented minimal task.yaml (docs-dm en/task-configuration-file.md).
constexpr char kMinimalTask[] = R"(name: test
task-mode: all
target-database:
  host: "127.0.0.1"
  port: 4000
  user: "root"
  password: ""            # recommended: encrypted with dmctl encrypt
block-allow-list:
  bw-rule-1:
    do-dbs: ["all_mode"]
mysql-instances:
  - source-id: "mysql-replica-01"
    block-allow-list: "bw-rule-1"
    mydumper-thread: 4
    loader-thread: 16
    syncer-thread: 16
  - source-id: "mysql-replica-02"
    block-allow-list: "bw-rule-1"
    mydumper-thread: 4
    loader-thread: 16
    syncer-thread: 16
)";

// Every section, modelled on DM's task_advanced.yaml plus the newer sections.
constexpr char kFullTask[] = R"yaml(---
name: test
task-mode: incremental
shard-mode: optimistic
strict-optimistic-shard-mode: true
meta-schema: "dm_meta_x"
timezone: "+08:00"
case-sensitive: true
collation_compatible: strict
online-ddl: true
shadow-table-rules: ["^_(.+)_(?:new|gho)$"]
trash-table-rules: ["^_(.+)_(?:ghc|del|old)$"]
clean-dump-file: false
ignore-checking-items: ["version", "auto_increment_ID"]
experimental:
  async-checkpoint-flush: true
target-database:
  host: "192.168.0.1"
  port: 4000
  user: "root"
  password: "MKxn0Qo3m3XOyjCnhEMtsUCm83EhGQDZ/T4="
  session:
    sql_mode: "ANSI_QUOTES,NO_ZERO_IN_DATE"
    foreign_key_checks: "0"
  security:
    ssl-ca: "/path/ca.pem"
    ssl-cert: "/path/cert.pem"
    ssl-key: "/path/key.pem"
    cert-allowed-cn: ["dm"]
mysql-instances:
  -
    source-id: "instance118-4306"
    meta:
      binlog-name: mysql-bin.000001
      binlog-pos: 4
    route-rules: ["user-route-rules-schema", "user-route-rules"]
    filter-rules: ["user-filter-1", "user-filter-2"]
    expression-filters: ["even_c"]
    block-allow-list:  "instance"
    mydumper-config-name: "global"
    loader-config-name: "global"
    syncer-config-name: "global"
    validator-config-name: "global"
    syncer-thread: 32
  -
    source-id: "instance118-5306"
    meta:
      binlog-gtid: "3ccc475b-2343-11e7-be21-6c0b84d59f30:1-14"
    route-rules: ["user-route-rules-schema", "user-route-rules"]
    filter-rules: ["user-filter-2"]
    block-allow-list: "instance"
    mydumper:
      threads: 8
      chunk-filesize: 64
      skip-tz-utc: true
      rows: 32000
    loader:
      pool-size: 8
      dir: "./dumped_data"
      import-mode: physical
      on-duplicate-physical: manual
      disk-quota-physical: 100GiB
    syncer:
      worker-count: 8
      batch: 50
      safe-mode: true
      safe-mode-duration: 2m
      compact: true
      multiple-rows: true
routes:
  user-route-rules-schema:
    schema-pattern: "test_*"
    target-schema: "test"
  user-route-rules:
    schema-pattern: "test_*"
    table-pattern: "t_*"
    target-schema: "test"
    target-table: "t"
    extract-table:
      table-regexp: "t_(.*)"
      target-column: "c_table"
    extract-schema:
      schema-regexp: "test_(.*)"
      target-column: "c_schema"
    extract-source:
      source-regexp: "(.*)"
      target-column: "c_source"
filters:
  user-filter-1:
    schema-pattern: "test_*"
    table-pattern: "t_*"
    events: ["truncate table", "drop table"]
    sql-pattern: ["^DROP\\s+PROCEDURE", "^CREATE\\s+PROCEDURE"]
    action: Ignore
  user-filter-2:
    schema-pattern: "test_*"
    events: ["all dml"]
    action: Do
expression-filter:
  even_c:
    schema: "expr_filter"
    table: "tbl"
    insert-value-expr: "c % 2 = 0"
block-allow-list:
  instance:
    do-dbs: ["~^test.*", "do"]
    ignore-dbs: ["mysql", "ignored"]
    do-tables:
    - db-name: "~^test.*"
      tbl-name: "~^t.*"
    - db-name: "do"
      tbl-name: "do"
    ignore-tables:
    - db-name: "test"
      tbl-name: "log"
mydumpers:
  global:
    threads: 4
    chunk-filesize: 64
    skip-tz-utc: true
    extra-args: "-B test -T t1,t2 --consistency none"
loaders:
  global:
    pool-size: 16
    dir: "./dumped_data"
    on-duplicate-logical: ERROR
syncers:
  global:
    worker-count: 16
    batch: 100
    checkpoint-flush-interval: 15
validators:
  global:
    mode: full
    worker-count: 8
    row-error-delay: 1h
)yaml";

TEST(TaskConfigTest, MinimalTaskGetsDmDefaults) {
  auto cfg = ParseTaskConfig(kMinimalTask);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->name, "test");
  EXPECT_EQ(cfg->task_mode, "all");
  EXPECT_EQ(cfg->meta_schema, "dm_meta");
  EXPECT_EQ(cfg->collation_compatible, "loose");
  EXPECT_TRUE(cfg->online_ddl);
  EXPECT_TRUE(cfg->clean_dump_file);
  EXPECT_EQ(cfg->shard_mode, "");
  EXPECT_EQ(cfg->target_database.port, 4000);
  ASSERT_EQ(cfg->mysql_instances.size(), 2u);
  const ResolvedUnits& r = cfg->mysql_instances[1].resolved;
  EXPECT_EQ(r.mydumper.threads, 4);
  EXPECT_EQ(r.mydumper.chunk_filesize, "64");
  EXPECT_TRUE(r.mydumper.skip_tz_utc);
  EXPECT_EQ(r.loader.pool_size, 16);
  EXPECT_EQ(r.loader.dir, "./dumped_data");
  EXPECT_EQ(r.loader.import_mode, "logical");
  EXPECT_EQ(r.loader.on_duplicate_logical, "replace");
  EXPECT_EQ(r.loader.on_duplicate_physical, "none");
  EXPECT_EQ(r.loader.checksum_physical, "required");
  EXPECT_EQ(r.loader.analyze, "optional");
  EXPECT_EQ(r.syncer.worker_count, 16);
  EXPECT_EQ(r.syncer.batch, 100);
  EXPECT_EQ(r.syncer.queue_size, 1024);
  EXPECT_EQ(r.syncer.checkpoint_flush_interval, 30);
  EXPECT_EQ(r.syncer.safe_mode_duration, std::chrono::seconds(60));
  EXPECT_FALSE(r.syncer.safe_mode);
  EXPECT_EQ(r.validator.mode, "none");
  EXPECT_EQ(cfg->block_allow_list.at("bw-rule-1").do_dbs,
            std::vector<std::string>{"all_mode"});
  EXPECT_TRUE(cfg->warnings.empty());
}

TEST(TaskConfigTest, FullTaskParsesEverySection) {
  auto cfg = ParseTaskConfig(kFullTask);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->shard_mode, "optimistic");
  EXPECT_TRUE(cfg->strict_optimistic_shard_mode);
  EXPECT_EQ(cfg->meta_schema, "dm_meta_x");
  EXPECT_EQ(cfg->timezone, "+08:00");
  EXPECT_FALSE(cfg->clean_dump_file);
  EXPECT_TRUE(cfg->async_checkpoint_flush);
  EXPECT_EQ(cfg->target_database.session.at("sql_mode"), "ANSI_QUOTES,NO_ZERO_IN_DATE");
  ASSERT_TRUE(cfg->target_database.security.has_value());
  EXPECT_EQ(cfg->target_database.security->cert_allowed_cn, std::vector<std::string>{"dm"});

  const MySQLInstance& a = cfg->mysql_instances[0];
  EXPECT_EQ(a.meta->binlog_pos, 4u);
  EXPECT_EQ(a.resolved.mydumper.extra_args, "-B test -T t1,t2 --consistency none");
  EXPECT_EQ(a.resolved.loader.on_duplicate_logical, "error");  // lower-cased like DM
  EXPECT_EQ(a.resolved.syncer.worker_count, 32);  // syncer-thread wins
  EXPECT_EQ(a.resolved.syncer.safe_mode_duration, std::chrono::seconds(30));  // 2 x 15s
  EXPECT_EQ(a.resolved.validator.mode, "full");
  EXPECT_EQ(a.resolved.validator.worker_count, 8);
  EXPECT_EQ(a.resolved.validator.row_error_delay, std::chrono::hours(1));
  EXPECT_EQ(a.resolved.validator.validate_interval, std::chrono::seconds(10));

  const MySQLInstance& b = cfg->mysql_instances[1];
  EXPECT_EQ(b.meta->binlog_gtid, "3ccc475b-2343-11e7-be21-6c0b84d59f30:1-14");
  EXPECT_EQ(b.resolved.mydumper.threads, 8);
  EXPECT_EQ(b.resolved.mydumper.rows, 32000u);
  EXPECT_EQ(b.resolved.loader.import_mode, "physical");
  EXPECT_EQ(b.resolved.loader.on_duplicate_physical, "manual");
  EXPECT_EQ(b.resolved.syncer.batch, 50);
  EXPECT_EQ(b.resolved.syncer.queue_size, 1024);  // default kept for an inline syncer
  EXPECT_EQ(b.resolved.syncer.safe_mode_duration, std::chrono::minutes(2));

  const RouteRule& route = cfg->routes.at("user-route-rules");
  EXPECT_EQ(route.target_table, "t");
  ASSERT_TRUE(route.extract_source.has_value());
  EXPECT_EQ(route.extract_source->target_column, "c_source");
  EXPECT_EQ(cfg->filters.at("user-filter-1").sql_pattern.size(), 2u);
  EXPECT_EQ(cfg->filters.at("user-filter-1").action, "Ignore");
  EXPECT_EQ(cfg->expression_filter.at("even_c").insert_value_expr, "c % 2 = 0");
  const BlockAllowList& ba = cfg->block_allow_list.at("instance");
  ASSERT_EQ(ba.do_tables.size(), 2u);
  EXPECT_EQ(ba.do_tables[0].tbl_name, "~^t.*");
  EXPECT_EQ(ba.ignore_tables[0].tbl_name, "log");
}

TEST(TaskConfigTest, RoundTrip) {
  for (const char* text : {kMinimalTask, kFullTask}) {
    auto first = ParseTaskConfig(text);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    std::string yaml1 = first->ToYaml(/*redact_passwords=*/false);
    auto second = ParseTaskConfig(yaml1, "roundtrip.yaml");
    ASSERT_TRUE(second.ok()) << second.status().ToString() << "\n" << yaml1;
    EXPECT_EQ(second->ToYaml(false), yaml1);
    EXPECT_TRUE(second->mysql_instances == first->mysql_instances);
    EXPECT_TRUE(second->routes == first->routes);
    EXPECT_TRUE(second->filters == first->filters);
    EXPECT_TRUE(second->block_allow_list == first->block_allow_list);
    EXPECT_TRUE(second->target_database == first->target_database);
    EXPECT_TRUE(second->validators == first->validators);
  }
}

TEST(TaskConfigTest, RedactsPasswords) {
  auto cfg = ParseTaskConfig(kFullTask);
  ASSERT_TRUE(cfg.ok());
  std::string redacted = cfg->ToYaml();
  EXPECT_EQ(redacted.find("MKxn0Qo3m3XOyjCnhEMtsUCm83EhGQDZ"), std::string::npos);
  EXPECT_NE(redacted.find("******"), std::string::npos);
  EXPECT_NE(cfg->ToYaml(false).find("MKxn0Qo3m3XOyjCnhEMtsUCm83EhGQDZ/T4="), std::string::npos);
  // An empty password stays empty (nothing to hide, and "******" would be a wrong value).
  auto minimal = ParseTaskConfig(kMinimalTask);
  ASSERT_TRUE(minimal.ok());
  EXPECT_NE(minimal->ToYaml().find("password: \"\""), std::string::npos) << minimal->ToYaml();
}

TEST(TaskConfigTest, DeprecatedFieldsAreWarnings) {
  std::string yaml = R"(name: t
task-mode: all
is-sharding: true
enable-heartbeat: true
online-ddl-scheme: gh-ost
remove-meta: true
target-database: {host: h, port: 4000, user: root}
black-white-list:
  rule: {do-dbs: [db]}
mysql-instances:
  - source-id: s1
    black-white-list: rule
    syncer: {max-retry: 3}
)";
  auto cfg = ParseTaskConfig(yaml);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->shard_mode, "pessimistic");
  EXPECT_EQ(cfg->mysql_instances[0].block_allow_list, "rule");
  EXPECT_EQ(cfg->block_allow_list.count("rule"), 1u);
  std::string all;
  for (const std::string& w : cfg->warnings) all += w + "\n";
  for (const char* key : {"black-white-list", "enable-heartbeat", "online-ddl-scheme",
                          "remove-meta", "max-retry"}) {
    EXPECT_NE(all.find(key), std::string::npos) << key << " not warned:\n" << all;
  }
  EXPECT_NE(all.find("task.yaml:8:1"), std::string::npos) << all;
}

struct BadTask {
  const char* name;
  std::string yaml;
  std::vector<std::string> phrases;
};

// A valid task with `extra` appended to the top level and `inst` to the first instance.
std::string Task(const std::string& inst = "", const std::string& extra = "",
                 const std::string& mode = "all") {
  return "name: t\ntask-mode: " + mode +
         "\ntarget-database:\n  host: 127.0.0.1\n  port: 4000\n  user: root\n"
         "mysql-instances:\n  - source-id: s1\n" +
         inst + extra;
}

TEST(TaskConfigTest, BadInputsGiveClearErrors) {
  const std::vector<BadTask> cases = {
      {"malformed yaml", "name: t\ntask-mode: [all\n",
       {"task.yaml:", "malformed YAML", "indentation"}},
      {"unknown top-level field", Task("", "taskmode: all\n"),
       {"task.yaml:9:1", "unknown field `taskmode` at line 9", "did you mean `task-mode`?"}},
      {"unknown instance field", Task("    sorce-id: x\n"),
       {"task.yaml:9:5", "mysql-instances[0]", "unknown field `sorce-id`",
        "did you mean `source-id`?"}},
      {"wrong type", "name: t\ntask-mode: all\ntarget-database:\n  host: h\n  port: abc\n",
       {"task.yaml:5:9", "target-database.port", "must be an integer, got `abc`"}},
      {"missing name", "task-mode: all\n", {"missing required field `name`"}},
      {"missing target", "name: t\ntask-mode: all\nmysql-instances: [{source-id: a}]\n",
       {"missing required field `target-database`"}},
      {"no instances", "name: t\ntask-mode: all\ntarget-database: {host: h}\n",
       {"missing required field `mysql-instances`"}},
      {"bad task-mode", Task("", "", "ful"),
       {"task.yaml:2:1", "invalid task-mode `ful`", "did you mean `full`?", "`incremental`"}},
      {"bad shard-mode", Task("", "shard-mode: optimstic\n"),
       {"shard-mode", "did you mean `optimistic`?"}},
      {"bad on-duplicate", Task("    loader: {on-duplicate-logical: overwrite}\n"),
       {"mysql-instances[0].loader.on-duplicate-logical", "`replace`, `error`, `ignore`"}},
      {"undefined route",
       Task("    route-rules: [r1, r2]\n",
            "routes:\n  r1: {schema-pattern: a, target-schema: b}\n"),
       {"task.yaml:9:23", "mysql-instances[0].route-rules[1]",
        "route rule `r2` is not defined under `routes`", "did you mean `r1`?"}},
      {"unused filter",
       Task("", "filters:\n  lonely: {schema-pattern: a, events: [all], action: Do}\n"),
       {"task.yaml:10:3", "filters.lonely", "defined but no mysql-instances entry uses it",
        "ErrConfigGlobalConfigsUnused"}},
      {"duplicate source-id", Task("  - source-id: s1\n"),
       {"task.yaml:9:5", "mysql-instances[1].source-id", "already used by mysql-instances[0]"}},
      {"column-mappings", Task("", "column-mappings:\n  cm: {schema-pattern: a}\n"),
       {"task.yaml:9:1", "`column-mappings` is no longer supported"}},
      {"safe-mode with 0s", Task("    syncer: {safe-mode: true, safe-mode-duration: 0s}\n"),
       {"mysql-instances[0].syncer.safe-mode-duration", "conflicts with"}},
      {"undefined block-allow list", Task("    block-allow-list: nope\n"),
       {"mysql-instances[0].block-allow-list", "`block-allow-list` defines none"}},
      {"config name and inline",
       Task("    syncer-config-name: g\n    syncer: {batch: 1}\n",
            "syncers:\n  g: {batch: 2}\n"),
       {"mysql-instances[0].syncer", "keep only one"}},
      {"duplicate rule in instance",
       Task("    filter-rules: [f, f]\n", "filters:\n  f: {events: [all], action: Do}\n"),
       {"mysql-instances[0].filter-rules", "duplicate names", "`f`"}},
      {"empty meta", Task("    meta: {binlog-pos: 4}\n", "", "incremental"),
       {"mysql-instances[0].meta", "binlog-name", "binlog-gtid"}},
      {"import-into with shards",
       Task("    loader: {import-mode: import-into}\n  - source-id: s2\n"),
       {"import-into", "several sources"}},
      {"bad checking item", Task("", "ignore-checking-items: [versions]\n"),
       {"ignore-checking-items[0]", "did you mean `version`?"}},
      {"bad event", Task("    filter-rules: [f]\n",
                         "filters:\n  f: {events: [insrt], action: Do}\n"),
       {"filters.f.events[0]", "did you mean `insert`?"}},
      {"route without target", Task("    route-rules: [r]\n",
                                    "routes:\n  r: {schema-pattern: a}\n"),
       {"routes.r", "target-schema"}},
      {"duplicate key", "name: t\nname: u\n", {"task.yaml:2:1", "`name` is set twice"}},
      {"fk checks with compact",
       "name: t\ntask-mode: all\ntarget-database:\n  host: h\n  session:\n"
       "    foreign_key_checks: 1\nmysql-instances:\n  - source-id: s\n"
       "    syncer: {compact: true}\n",
       {"mysql-instances[0].syncer.compact", "foreign_key_checks=1"}},
      {"bad timezone", Task("", "timezone: Mars/Olympus\n"), {"timezone", "IANA"}},
      {"bad validator mode", Task("    validator-config-name: v\n",
                                  "validators:\n  v: {mode: quick}\n"),
       {"validators.v.mode", "`none`, `fast`, `full`"}},
      {"strict optimistic", Task("", "strict-optimistic-shard-mode: true\n"),
       {"strict-optimistic-shard-mode", "shard-mode: optimistic"}},
      {"merge key", Task("", "<<: {a: 1}\n"), {"merge keys"}},
  };
  ASSERT_GE(cases.size(), 15u);
  for (const BadTask& c : cases) {
    auto r = ParseTaskConfig(c.yaml);
    ASSERT_FALSE(r.ok()) << c.name << " unexpectedly parsed:\n" << c.yaml;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_EQ(r.status().scope(), Scope::kConfig) << c.name;
    std::string msg(r.status().message());
    for (const std::string& p : c.phrases) {
      EXPECT_NE(msg.find(p), std::string::npos)
          << c.name << ": `" << p << "` not in:\n  " << msg << "\n--- yaml:\n" << c.yaml;
    }
  }
}

TEST(TaskConfigTest, PasswordNeverInErrors) {
  auto r = ParseTaskConfig(
      "name: t\ntask-mode: all\ntarget-database:\n  password: {x: hunter2}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()).find("hunter2"), std::string::npos);
  EXPECT_NE(std::string(r.status().message()).find("target-database.password"),
            std::string::npos);
}

TEST(TaskConfigTest, LoadFileErrors) {
  auto r = LoadTaskConfigFile("/nonexistent/task.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(std::string(r.status().message()).find("/nonexistent/task.yaml"), std::string::npos);
}

}  // namespace
}  // namespace dm::config
