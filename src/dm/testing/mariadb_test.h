#pragma once
// A gtest fixture with one throwaway MariaDB server and a connection to it. Include only
// from gtest test code (like gtest_skip.h).
//
//   class BinlogStreamTest : public testing::MariaDbTest {
//    protected:
//     BinlogStreamTest() : MariaDbTest("stream", "CREATE DATABASE s; CREATE TABLE s.t (...)") {}
//   };
//
// SetUp() skips (or fails under DM_TEST_REQUIRE_SERVERS=1) when mariadbd is missing, starts
// the server (MariaDbOptions: `name`, `extra_args`), connects as root and runs `setup_sql`
// (statements separated by ';'). A subclass that overrides SetUp() calls this one first
// and returns when IsSkipped() or HasFatalFailure().

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dm/mysql/connection.h"
#include "dm/testing/gtest_skip.h"
#include "dm/testing/mariadb_server.h"

namespace dm::testing {

class MariaDbTest : public ::testing::Test {
 protected:
  explicit MariaDbTest(std::string name, std::string setup_sql = "",
                       std::vector<std::string> extra_args = {})
      : name_(std::move(name)),
        setup_sql_(std::move(setup_sql)),
        extra_args_(std::move(extra_args)) {}

  void SetUp() override {
    DM_REQUIRE_MARIADB();
    MariaDbOptions o;
    o.name = name_;
    o.extra_args = extra_args_;
    auto s = MariaDbServer::Start(o);
    DM_ASSERT_OK(s);
    server_ = std::move(s).value();
    auto c = server_->Connect();
    DM_ASSERT_OK(c);
    conn_ = std::move(c).value();
    if (!setup_sql_.empty()) {
      Status st = conn_->Execute(setup_sql_);
      ASSERT_TRUE(st.ok()) << setup_sql_ << ": " << st.ToString();
    }
  }

  std::string name_, setup_sql_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<MariaDbServer> server_;
  std::unique_ptr<mysql::Connection> conn_;
};

}  // namespace dm::testing
