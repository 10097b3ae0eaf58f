#include "dm/spec/spec.h"

#include <gtest/gtest.h>

namespace dm::spec {
namespace {

TEST(SpecTest, SourceAndTask) {
  auto s = ParseSource("source-id: mysql-01\nfrom:\n  host: 127.0.0.1\n  port: 3307\n  user: root\n  password: secret\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id, "mysql-01");
  EXPECT_EQ(s->from.port, 3307);
  auto t = ParseTask(R"(
name: t1
task-mode: incremental
target-database: {host: 127.0.0.1, port: 4000, user: root}
block-allow-list:
  bw: {do-dbs: ["app", "~^x"]}
mysql-instances:
  - source-id: mysql-01
    block-allow-list: bw
    meta: {binlog-name: mysql-bin.000002, binlog-pos: 154}
)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->mode, unit::TaskMode::kIncremental);
  EXPECT_EQ(t->instances[0].meta_position->ToString(), "mysql-bin.000002:154");
  EXPECT_EQ(t->schemas, std::vector<std::string>{"app"});
}

TEST(SpecTest, ClearErrors) {
  EXPECT_NE(ParseSource("from: {host: h, user: u}").status().ToString().find("source-id"), std::string::npos);
  EXPECT_NE(ParseSource("source-id: a\nfrom: {host: h, port: abc, user: u}").status().ToString().find("port"),
            std::string::npos);
  EXPECT_NE(ParseTask("name: t\ntask-mode: fulll\ntarget-database: {host: h, user: u}\nmysql-instances: [{source-id: a}]")
                .status().ToString().find("task-mode"),
            std::string::npos);
  EXPECT_NE(ParseTask("name: t\ntask-mode: all\ntarget-database: {host: h, user: u}\nmysql-instances: [{source-id: a}, {source-id: a}]")
                .status().ToString().find("already used"),
            std::string::npos);
  EXPECT_NE(ParseTask("[1,2").status().ToString().find("malformed"), std::string::npos);
}

TEST(SpecTest, RedactsPasswords) {
  std::string r = RedactPasswords("from:\n  user: root\n  password: hunter2\n");
  EXPECT_EQ(r.find("hunter2"), std::string::npos);
  EXPECT_NE(r.find("******"), std::string::npos);
}

}  // namespace
}  // namespace dm::spec
