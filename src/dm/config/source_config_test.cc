#include "dm/config/source_config.h"

#include <gtest/gtest.h>

#include "dm/config/encrypt.h"

namespace dm::config {
namespace {

TEST(SourceConfigTest, SampleParsesWithDefaults) {
  auto cfg = ParseSourceConfig(SampleSourceConfig());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->source_id, "mysql-replica-01");
  EXPECT_EQ(cfg->server_id, 101u);
  EXPECT_FALSE(cfg->server_id_generated);
  EXPECT_EQ(cfg->flavor, "mysql");
  EXPECT_TRUE(cfg->enable);
  EXPECT_EQ(cfg->relay_dir, "relay-dir");
  EXPECT_EQ(cfg->from.host, "127.0.0.1");
  EXPECT_EQ(cfg->from.port, 3306);
  EXPECT_EQ(cfg->from.password, "123456");
  EXPECT_EQ(cfg->purge.interval, 3600);
  EXPECT_EQ(cfg->purge.expires, 0);
  EXPECT_EQ(cfg->purge.remain_space, 15);
  EXPECT_TRUE(cfg->checker.check_enable);
  EXPECT_EQ(cfg->checker.backoff_rollback, std::chrono::minutes(5));
  EXPECT_EQ(cfg->checker.backoff_max, std::chrono::minutes(5));
  EXPECT_TRUE(cfg->warnings.empty());
}

TEST(SourceConfigTest, FullRoundTripAndRedaction) {
  auto enc = EncryptPassword("s3cret!", DefaultSecretKey());
  ASSERT_TRUE(enc.ok());
  std::string yaml = R"(source-id: mysql-01
flavor: mariadb
enable-gtid: true
enable-relay: true
relay-binlog-name: mysql-bin.000003
relay-binlog-gtid: 0-1-100
relay-dir: /data/relay
enable: false
charset: utf8mb4
case-sensitive: true
from:
  host: 10.0.0.1
  port: 3307
  user: dm
  password: ")" + *enc + R"("
  session:
    sql_mode: ANSI_QUOTES
  security:
    ssl-ca: /ca.pem
    ssl-cert: /cert.pem
    ssl-key: /key.pem
    cert-allowed-cn: [dm]
    ssl-key-base64: UFJJVkFURUtFWQ==
purge:
  interval: 600
  expires: 24
  remain-space: 20
checker:
  check-enable: false
  backoff-rollback: 10m
  backoff-max: 1m30s
filters:
  - schema-pattern: "test_*"
    table-pattern: "t_*"
    events: ["Truncate Table", "create schema"]
    sql-pattern: ["^DROP\\s+PROCEDURE"]
    action: Ignore
)";
  auto cfg = ParseSourceConfig(yaml);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_TRUE(cfg->server_id_generated);
  EXPECT_GE(cfg->server_id, kDefaultBaseServerId);
  EXPECT_LT(cfg->server_id, kDefaultBaseServerId + 100000);
  EXPECT_EQ(cfg->from.port, 3307);
  EXPECT_EQ(cfg->checker.backoff_max, std::chrono::seconds(90));
  ASSERT_EQ(cfg->filters.size(), 1u);
  EXPECT_EQ(cfg->filters[0].events,
            (std::vector<std::string>{"truncate table", "create database"}));
  EXPECT_EQ(DecryptOrPlaintext(cfg->from.password, DefaultSecretKey()), "s3cret!");

  std::string redacted = cfg->ToYaml();
  EXPECT_EQ(redacted.find(*enc), std::string::npos);
  EXPECT_EQ(redacted.find("UFJJVkFURUtFWQ=="), std::string::npos);
  EXPECT_NE(redacted.find("password: \"******\""), std::string::npos) << redacted;

  auto again = ParseSourceConfig(cfg->ToYaml(/*redact_passwords=*/false));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  again->warnings.clear();
  cfg->warnings.clear();
  again->server_id_generated = cfg->server_id_generated;
  EXPECT_EQ(again->ToYaml(false), cfg->ToYaml(false));
  EXPECT_TRUE(again->from == cfg->from);
  EXPECT_TRUE(again->filters == cfg->filters);
  EXPECT_TRUE(again->checker == cfg->checker);
}

TEST(SourceConfigTest, DeprecatedFieldsWarn) {
  auto cfg = ParseSourceConfig("source-id: s1\nmeta-dir: ./meta\nauto-fix-gtid: true\n"
                               "from: {host: h, port: 1, max-allowed-packet: 67108864}\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->warnings.size(), 3u);
  std::string all = cfg->warnings[0] + cfg->warnings[1] + cfg->warnings[2];
  EXPECT_NE(all.find("meta-dir"), std::string::npos);
  EXPECT_NE(all.find("auto-fix-gtid"), std::string::npos);
  EXPECT_NE(all.find("max-allowed-packet"), std::string::npos);
}

struct BadSource {
  const char* name;
  const char* yaml;
  std::vector<const char*> phrases;
};

TEST(SourceConfigTest, BadInputs) {
  const BadSource cases[] = {
      {"typo", "source-id: a\nsever-id: 3\n",
       {"source.yaml:2:1", "unknown field `sever-id`", "did you mean `server-id`?"}},
      {"missing id", "flavor: mysql\n", {"missing required field `source-id`"}},
      {"long id", "source-id: abcdefghijklmnopqrstuvwxyz0123456789\n",
       {"source.yaml:1:1", "maximum is 32"}},
      {"flavor", "source-id: a\nflavor: mysq\n", {"unsupported flavor `mysq`", "`mysql`"}},
      {"port type", "source-id: a\nfrom:\n  port: abc\n",
       {"source.yaml:3:9", "from.port", "must be an integer, got `abc`"}},
      {"relay name", "source-id: a\nrelay-binlog-name: mysql-bin\n",
       {"relay-binlog-name", "mysql-bin.000001"}},
      {"filter action", "source-id: a\nfilters:\n  - schema-pattern: x\n    action: ignore\n",
       {"filters[0].action", "did you mean `Ignore`?"}},
      {"filter event", "source-id: a\nfilters:\n  - events: [drop tabel]\n    action: Do\n",
       {"filters[0].events[0]", "unknown binlog event type `drop tabel`",
        "did you mean `drop table`?"}},
      {"bad yaml", "source-id: a\n  from: [\n", {"source.yaml:", "malformed YAML"}},
      {"duration", "source-id: a\nchecker:\n  backoff-max: soon\n",
       {"checker.backoff-max", "invalid duration `soon`"}},
      {"password not echoed", "source-id: a\nfrom:\n  password: [hunter2]\n",
       {"from.password", "must be a string"}},
  };
  for (const BadSource& c : cases) {
    auto r = ParseSourceConfig(c.yaml);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.name;
    EXPECT_EQ(r.status().scope(), Scope::kConfig) << c.name;
    std::string msg(r.status().message());
    for (const char* p : c.phrases) {
      EXPECT_NE(msg.find(p), std::string::npos) << c.name << ": `" << p << "` not in: " << msg;
    }
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace dm::config
