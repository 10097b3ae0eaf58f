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

TEST(ConnectTest, UnreadableTlsFileIsNamed) {
  ConnectOptions o;
  o.port = 1;
  o.tls.ca = "/nonexistent/dm-ca.pem";
  auto r = Connection::Connect(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  std::string msg = r.status().ToString();
  EXPECT_NE(msg.find("ssl-ca file /nonexistent/dm-ca.pem"), std::string::npos) << msg;
  EXPECT_NE(msg.find("127.0.0.1:1"), std::string::npos) << msg;

  ConnectOptions k;
  k.port = 1;
  k.tls.key = "/dev/null";  // a key without a certificate
  auto rk = Connection::Connect(k);
  ASSERT_FALSE(rk.ok());
  EXPECT_NE(rk.status().ToString().find("ssl-cert and ssl-key must be given together"),
            std::string::npos)
      << rk.status().ToString();
}

}  // namespace
}  // namespace dm::mysql
