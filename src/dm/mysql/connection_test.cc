#include "dm/mysql/connection.h"

#include <gtest/gtest.h>

namespace dm::mysql {
namespace {

TEST(QuoteTest, DoublesBackticks) {
  EXPECT_EQ(QuoteIdentifier("t"), "`t`");
  EXPECT_EQ(QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(QuoteTable("db", "tä"), "`db`.`tä`");
}

TEST(ClassifyTest, ByErrno) {
  EXPECT_EQ(ClassifyMysqlErrno(1213), Code::kAborted);
  EXPECT_EQ(ClassifyMysqlErrno(2013), Code::kUnavailable);
  EXPECT_EQ(ClassifyMysqlErrno(1062), Code::kAlreadyExists);
  EXPECT_EQ(ClassifyMysqlErrno(1045), Code::kFailedPrecondition);
}

TEST(ConnectTest, UnreachableServerIsUnavailableAndNamesTarget) {
  ConnectOptions o;
  o.host = "127.0.0.1";
  o.port = 1;  // nothing listens on port 1
  o.password = "secret-password";
  o.connect_timeout_s = 2;
  auto r = Connection::Connect(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(r.status().IsRetryable());
  std::string msg = r.status().ToString();
  EXPECT_NE(msg.find("127.0.0.1:1"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("secret-password"), std::string::npos) << msg;
}

}  // namespace
}  // namespace dm::mysql
