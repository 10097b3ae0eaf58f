#include "dm/config/server_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace dm::config {
namespace {

TEST(MasterConfigTest, SampleParsesAndAdjusts) {
  auto cfg = ParseMasterConfig(SampleMasterConfig());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->master_addr, ":8261");
  EXPECT_EQ(cfg->advertise_addr, "127.0.0.1:8261");
  EXPECT_EQ(cfg->name, "dm-master");
  EXPECT_EQ(cfg->rpc_rate_limit, 10.0);
  EXPECT_EQ(cfg->rpc_rate_burst, 40);
  ASSERT_TRUE(cfg->Adjust().ok());
  EXPECT_EQ(cfg->initial_cluster, "dm-master=http://127.0.0.1:8291");
  EXPECT_EQ(cfg->initial_cluster_state, "new");
  auto again = ParseMasterConfig(cfg->ToToml());
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << cfg->ToToml();
  EXPECT_EQ(again->ToToml(), cfg->ToToml());
}

TEST(MasterConfigTest, DefaultsAndDerivedValues) {
  auto cfg = ParseMasterConfig("master-addr = \"127.0.0.1:8261\"\nname = \"m1\"\n"
                               "join = \"127.0.0.1:8261,127.0.0.1:18261\"\n"
                               "quota-backend-bytes = 1024\n[experimental]\nopenapi = true\n");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->max_txn_ops, 2048u);
  EXPECT_EQ(cfg->auto_compaction_mode, "periodic");
  EXPECT_EQ(cfg->auto_compaction_retention, "1h");
  EXPECT_EQ(cfg->rpc_timeout, "30s");
  std::vector<std::string> warnings;
  ASSERT_TRUE(cfg->Adjust(&warnings).ok());
  EXPECT_EQ(cfg->advertise_addr, "127.0.0.1:8261");
  EXPECT_EQ(cfg->data_dir, "default.m1");
  EXPECT_EQ(cfg->advertise_peer_urls, "http://127.0.0.1:8291");
  EXPECT_EQ(cfg->join, "http://127.0.0.1:8261,http://127.0.0.1:18261");
  EXPECT_EQ(cfg->quota_backend_bytes, 500LL * 1024 * 1024);
  EXPECT_TRUE(cfg->openapi);
  EXPECT_EQ(warnings.size(), 2u);
}

TEST(MasterConfigTest, Errors) {
  struct Case {
    const char* toml;
    std::vector<const char*> phrases;
  } cases[] = {
      {"master-adr = \":8261\"\n",
       {"dm-master.toml:1:", "unknown key `master-adr`", "did you mean `master-addr`?"}},
      {"rpc-rate-burst = \"many\"\n", {"rpc-rate-burst", "must be an integer, got `many`"}},
      {"name = \"x\nfoo", {"dm-master.toml:", "malformed TOML"}},
      {"[experimental]\nopen-api = true\n", {"experimental.open-api", "did you mean `openapi`?"}},
  };
  for (const Case& c : cases) {
    auto r = ParseMasterConfig(c.toml);
    ASSERT_FALSE(r.ok()) << c.toml;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().scope(), Scope::kConfig);
    for (const char* p : c.phrases) {
      EXPECT_NE(r.status().message().find(p), std::string::npos)
          << p << " not in: " << r.status().message();
    }
  }
  MasterConfig no_host;
  no_host.master_addr = ":8261";
  Status s = no_host.Adjust();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("advertise-addr"), std::string::npos);
  MasterConfig bad_key;
  bad_key.master_addr = "127.0.0.1:8261";
  bad_key.secret_key_path = "/nonexistent/key";
  s = bad_key.Adjust();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("secret-key-path"), std::string::npos);
  MasterConfig bad_timeout;
  bad_timeout.master_addr = "127.0.0.1:8261";
  bad_timeout.rpc_timeout = "soon";
  EXPECT_FALSE(bad_timeout.Adjust().ok());
}

TEST(WorkerConfigTest, SampleAndAdjust) {
  auto cfg = ParseWorkerConfig(SampleWorkerConfig());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->keepalive_ttl, 60);
  EXPECT_EQ(cfg->relay_keepalive_ttl, 1800);
  EXPECT_EQ(cfg->relay_dir, "/tmp/relay");
  ASSERT_TRUE(cfg->Adjust().ok());
  EXPECT_EQ(cfg->name, "127.0.0.1:8262");
  EXPECT_EQ(cfg->join, "http://127.0.0.1:8261");
  auto again = ParseWorkerConfig(cfg->ToToml());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(*again == *cfg);

  auto typo = ParseWorkerConfig("keepalive_ttl = 10\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean `keepalive-ttl`?"), std::string::npos);
  WorkerConfig no_host;
  no_host.worker_addr = "0.0.0.0:8262";
  EXPECT_FALSE(no_host.Adjust().ok());
  WorkerConfig bad_level;
  bad_level.worker_addr = "127.0.0.1:8262";
  bad_level.log_level = "verbose";
  Status s = bad_level.Adjust();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("log-level"), std::string::npos);
}

}  // namespace
}  // namespace dm::config
