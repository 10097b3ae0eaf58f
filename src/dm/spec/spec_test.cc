#include "dm/spec/spec.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dm/config/encrypt.h"

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

TEST(SpecTest, SecurityBecomesTlsOptions) {
  auto s = ParseSource(R"(
source-id: s1
from:
  host: 127.0.0.1
  port: 3306
  user: dm
  security: {ssl-ca: /ca.pem, ssl-cert: /c.pem, ssl-key: /k.pem, cert-allowed-cn: [db1, db2]}
)");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->from.tls.ca, "/ca.pem");
  EXPECT_EQ(s->from.tls.cert, "/c.pem");
  EXPECT_EQ(s->from.tls.key, "/k.pem");
  EXPECT_EQ(s->from.tls.allowed_cn, (std::vector<std::string>{"db1", "db2"}));
  auto plain = ParseSource("source-id: s1\nfrom: {host: h, port: 1, user: u}\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->from.tls.enabled());
}

// Inline PEM content (ssl-*-bytes, ssl-*-base64) is written to a private file whose path
// the connection uses: it must not be dropped (that would connect without TLS).
TEST(SpecTest, InlineCertificatesBecomePrivateFiles) {
  char tmpl[] = "/tmp/dm-spec-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string tmp = tmpl;
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir == nullptr ? "" : old_tmpdir;
  setenv("TMPDIR", tmp.c_str(), 1);
  struct Restore {
    std::string tmp, saved;
    bool had;
    ~Restore() {
      if (had) setenv("TMPDIR", saved.c_str(), 1);
      else unsetenv("TMPDIR");
      std::filesystem::remove_all(tmp);
    }
  } restore{tmp, saved, old_tmpdir != nullptr};
  const std::string ca = "-----BEGIN CERTIFICATE-----\nMIIBfake-ca\n-----END CERTIFICATE-----\n";
  const std::string key = "-----BEGIN PRIVATE KEY-----\nMIIBfake-key\n-----END PRIVATE KEY-----\n";
  const std::string key_b64 = config::Base64Encode(key);
  std::string yaml = "source-id: s1\nfrom:\n  host: h\n  port: 1\n  user: u\n  security:\n"
                     "    ssl-ca: /ignored/when/bytes/given.pem\n"
                     "    ssl-ca-bytes: |\n"
                     "      -----BEGIN CERTIFICATE-----\n      MIIBfake-ca\n"
                     "      -----END CERTIFICATE-----\n"
                     "    ssl-key-base64: " + key_b64 + "\n    ssl-cert: /c.pem\n";
  auto s = ParseSource(yaml);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  ASSERT_NE(s->from.tls.ca, "/ignored/when/bytes/given.pem");
  EXPECT_EQ(read(s->from.tls.ca), ca);
  EXPECT_EQ(read(s->from.tls.key), key);
  EXPECT_EQ(s->from.tls.key.rfind(tmp + "/dm-tls-", 0), 0u) << s->from.tls.key;
  EXPECT_EQ(s->from.tls.cert, "/c.pem");
  struct stat st {};
  ASSERT_EQ(stat(s->from.tls.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The same content again: the same file, not a new one.
  auto again = ParseSource(yaml);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->from.tls.key, s->from.tls.key);

  auto bad = ParseSource("source-id: s1\nfrom: {host: h, port: 1, user: u, security: {ssl-ca-base64: '***'}}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("ssl-ca-base64"), std::string::npos) << bad.status().ToString();
}

TEST(SpecTest, RedactsPasswords) {
  std::string r = RedactPasswords("from:\n  user: root\n  password: hunter2\n");
  EXPECT_EQ(r.find("hunter2"), std::string::npos);
  EXPECT_NE(r.find("******"), std::string::npos);
}

}  // namespace
}  // namespace dm::spec
