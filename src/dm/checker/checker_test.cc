// Precheck against real MariaDB servers.
#include "dm/checker/checker.h"

#include <nlohmann/json.hpp>

#include "dm/testing/gtest_skip.h"
#include "dm/unit/subtask.h"

namespace dm::checker {
namespace {

const ItemResult* Find(const CheckReport& r, const std::string& name) {
  for (const auto& i : r.results) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

class CheckerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::MariaDbUnavailableReason().empty()) return;
    testing::MariaDbOptions u;
    u.name = "check-up";
    auto up = testing::MariaDbServer::Start(u);
    testing::MariaDbOptions d;
    d.name = "check-down";
    auto down = testing::MariaDbServer::Start(d);
    if (up.ok()) up_ = std::move(up).value().release();
    if (down.ok()) down_ = std::move(down).value().release();
  }
  static void TearDownTestSuite() {
    delete up_;
    delete down_;
    up_ = down_ = nullptr;
  }
  void SetUp() override {
    DM_REQUIRE_MARIADB();
    ASSERT_NE(up_, nullptr);
    ASSERT_NE(down_, nullptr);
    auto c = up_->Connect();
    DM_ASSERT_OK(c);
    up_conn_ = std::move(c).value();
    DM_ASSERT_OK(up_conn_->Execute(
        "SET GLOBAL binlog_format='ROW'; SET GLOBAL binlog_row_image='FULL';"
        "CREATE DATABASE IF NOT EXISTS app;"
        "CREATE TABLE IF NOT EXISTS app.with_pk (id INT PRIMARY KEY);"
        "CREATE TABLE IF NOT EXISTS app.no_key (a INT, b TEXT)"));
  }
  CheckOptions Options() const {
    CheckOptions o;
    o.source_id = "mysql-01";
    o.upstream = up_->connect_options();
    o.downstream = down_->connect_options();
    o.mode = unit::TaskMode::kAll;
    return o;
  }

  static testing::MariaDbServer* up_;
  static testing::MariaDbServer* down_;
  std::unique_ptr<mysql::Connection> up_conn_;
};
testing::MariaDbServer* CheckerTest::up_ = nullptr;
testing::MariaDbServer* CheckerTest::down_ = nullptr;

TEST_F(CheckerTest, HealthyServersPassWithAWarningForTablesWithoutKeys) {
  CheckReport r = RunChecks(Options());
  EXPECT_TRUE(r.passed()) << r.Summary();
  for (const char* name : {"version", "server_id", "binlog_enable", "binlog_format",
                           "binlog_row_image", "replication_privilege", "dump_privilege",
                           "conn_number", "target_privilege"}) {
    const ItemResult* i = Find(r, name);
    ASSERT_NE(i, nullptr) << name;
    EXPECT_EQ(i->state, ItemState::kSuccess) << name << ": " << r.Summary();
  }
  const ItemResult* ts = Find(r, "table_schema");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(ts->state, ItemState::kWarn);
  ASSERT_EQ(ts->errors.size(), 1u);
  EXPECT_NE(ts->errors[0].find("`app`.`no_key`"), std::string::npos);
  nlohmann::json j;
  r.ToJson(&j);
  EXPECT_EQ(j["summary"]["passed"], true);
  EXPECT_EQ(j["summary"]["warning"], 1);
  EXPECT_EQ(j["results"][0]["state"], "success");
}

TEST_F(CheckerTest, WrongBinlogSettingsFailOnlyForModesThatSync) {
  DM_ASSERT_OK(up_conn_->Execute(
      "SET GLOBAL binlog_format='STATEMENT'; SET GLOBAL binlog_row_image='MINIMAL'"));
  CheckReport r = RunChecks(Options());
  EXPECT_FALSE(r.passed());
  ASSERT_NE(Find(r, "binlog_format"), nullptr);
  EXPECT_EQ(Find(r, "binlog_format")->state, ItemState::kFail);
  EXPECT_NE(Find(r, "binlog_format")->errors[0].find("binlog_format=STATEMENT"),
            std::string::npos);
  EXPECT_EQ(Find(r, "binlog_row_image")->state, ItemState::kFail);
  CheckOptions full = Options();
  full.mode = unit::TaskMode::kFull;  // no sync: binlog settings do not matter
  CheckReport rf = RunChecks(full);
  EXPECT_TRUE(rf.passed()) << rf.Summary();
  EXPECT_EQ(Find(rf, "binlog_format"), nullptr);
  CheckOptions ignored = Options();
  ignored.ignore_items = {"binlog_format", "binlog_row_image"};
  EXPECT_TRUE(RunChecks(ignored).passed());
}

TEST_F(CheckerTest, MissingPrivilegesAreNamed) {
  DM_ASSERT_OK(up_conn_->Execute(
      "CREATE USER IF NOT EXISTS 'weak'@'127.0.0.1' IDENTIFIED BY 'pw';"
      "GRANT SELECT ON app.* TO 'weak'@'127.0.0.1'"));
  auto dc = down_->Connect();
  DM_ASSERT_OK(dc);
  DM_ASSERT_OK((*dc)->Execute("CREATE USER IF NOT EXISTS 'weak'@'127.0.0.1' IDENTIFIED BY 'pw';"
                              "GRANT SELECT, INSERT ON *.* TO 'weak'@'127.0.0.1'"));
  CheckOptions o = Options();
  o.upstream.user = o.downstream.user = "weak";
  o.upstream.password = o.downstream.password = "pw";
  o.schemas = {"app"};
  CheckReport r = RunChecks(o);
  EXPECT_FALSE(r.passed());
  const ItemResult* rep = Find(r, "replication_privilege");
  ASSERT_NE(rep, nullptr);
  EXPECT_EQ(rep->state, ItemState::kFail);
  EXPECT_NE(rep->errors[0].find("REPLICATION SLAVE"), std::string::npos);
  EXPECT_EQ(Find(r, "dump_privilege")->state, ItemState::kWarn);  // SELECT on app.* is enough
  const ItemResult* tgt = Find(r, "target_privilege");
  EXPECT_EQ(tgt->state, ItemState::kFail);
  EXPECT_NE(tgt->errors[0].find("CREATE"), std::string::npos);
  EXPECT_EQ(tgt->errors[0].find("INSERT"), std::string::npos);
  EXPECT_EQ(r.Summary().find("pw"), std::string::npos);  // no secrets in messages
}

TEST_F(CheckerTest, UnreachableDownstreamFailsNamingIt) {
  CheckOptions o = Options();
  o.downstream.port = 1;
  o.downstream.connect_timeout_s = 2;
  CheckReport r = RunChecks(o);
  EXPECT_FALSE(r.passed());
  const ItemResult* c = Find(r, "downstream_connection");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->errors[0].find("127.0.0.1:1"), std::string::npos);
  EXPECT_EQ(Find(r, "target_privilege"), nullptr);
}

TEST_F(CheckerTest, MetaPositionMustExist) {
  CheckOptions o = Options();
  o.mode = unit::TaskMode::kIncremental;
  o.meta_position = gtid::BinlogPosition{"mysql-bin.000999", 4};
  CheckReport r = RunChecks(o);
  EXPECT_FALSE(r.passed());
  EXPECT_NE(Find(r, "meta_position")->errors[0].find("mysql-bin.000999"), std::string::npos);
}

TEST_F(CheckerTest, CheckUnitPausesTheSubtaskWithTheReport) {
  DM_ASSERT_OK(up_conn_->Execute("SET GLOBAL binlog_format='MIXED'"));
  std::vector<std::unique_ptr<unit::Unit>> units;
  units.push_back(NewCheckUnit(Options()));
  unit::SubTask st("task1", "mysql-01", std::move(units));
  DM_ASSERT_OK(st.Start());
  ASSERT_TRUE(st.WaitNotRunning(std::chrono::seconds(60)));
  EXPECT_EQ(st.stage(), unit::Stage::kPaused);
  EXPECT_EQ(st.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(st.error().ToString().find("binlog_format"), std::string::npos);
  nlohmann::json j;
  st.StatusJson(&j);
  EXPECT_EQ(j["unit"], "Check");
  EXPECT_EQ(j["check"]["passed"], false);
  EXPECT_GE(j["check"]["failed"].get<int>(), 1);
  // Fix the upstream and resume: the check passes and the subtask finishes.
  DM_ASSERT_OK(up_conn_->Execute("SET GLOBAL binlog_format='ROW'"));
  DM_ASSERT_OK(st.Resume());
  ASSERT_TRUE(st.WaitNotRunning(std::chrono::seconds(60)));
  EXPECT_EQ(st.stage(), unit::Stage::kFinished) << st.error().ToString();
}

}  // namespace
}  // namespace dm::checker
