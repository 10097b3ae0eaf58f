// Tests of the integration-test fixtures themselves (dm/testing): real mariadbd and etcd.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "dm/testing/child_process.h"
#include "dm/testing/etcd_server.h"
#include "dm/testing/gtest_skip.h"
#include "dm/testing/mariadb_server.h"
#include "dm/testing/temp_dir.h"

namespace dm::testing {
namespace {

// True while `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < line.size() &&
         line[close_paren + 2] != 'Z';
}

std::string Value(mysql::Connection& c, const std::string& sql) {
  auto v = c.QueryValue(sql);
  EXPECT_TRUE(v.ok()) << sql << ": " << v.status().ToString();
  if (!v.ok() || !v->has_value()) return "<null>";
  return **v;
}

TEST(TempDirTest, FreePortsAreDistinctAndBindable) {
  auto a = FreePort();
  auto b = FreePort();
  DM_ASSERT_OK(a);
  DM_ASSERT_OK(b);
  EXPECT_NE(*a, *b);
  EXPECT_GE(*a, 20000);
  EXPECT_LE(*a, 32767);
}

TEST(TempDirTest, SubdirsAreUniqueAndInsideTheTestDir) {
  auto a = MakeTempSubdir("x");
  auto b = MakeTempSubdir("x");
  DM_ASSERT_OK(a);
  DM_ASSERT_OK(b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->rfind(TestTempDir() + "/", 0), 0u) << *a;
  EXPECT_TRUE(std::filesystem::is_directory(*a));
}

TEST(ChildProcessTest, RunCommandCapturesOutputAndExitCode) {
  auto r = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  DM_ASSERT_OK(r);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_NE(r->output.find("out"), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
}

TEST(ChildProcessTest, MissingProgramIsNotFound) {
  ChildProcess::Options o;
  o.argv = {"dm-no-such-program"};
  auto r = ChildProcess::Spawn(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().ToString().find("dm-no-such-program"), std::string::npos);
}

TEST(ChildProcessTest, TimeoutKillsTheCommand) {
  auto r = RunCommand({"sleep", "30"}, std::chrono::milliseconds(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(ChildProcessTest, StopEscalatesToSigkill) {
  // A child that ignores SIGTERM is killed after the grace period.
  ChildProcess::Options o;
  o.argv = {"sh", "-c", "trap '' TERM; sleep 30 & wait; sleep 30"};
  auto c = ChildProcess::Spawn(o);
  DM_ASSERT_OK(c);
  pid_t pid = (*c)->pid();
  ASSERT_TRUE(ProcessAlive(pid));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let sh install its trap
  auto start = std::chrono::steady_clock::now();
  DM_ASSERT_OK((*c)->Stop(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_NE((*c)->DescribeExit().find("signal 9"), std::string::npos) << (*c)->DescribeExit();
}

TEST(MariaDbServerTest, StartsWithBinlogAndAcceptsSql) {
  DM_REQUIRE_MARIADB();
  MariaDbOptions o;
  o.name = "harness";
  auto server = MariaDbServer::Start(o);
  DM_ASSERT_OK(server);
  MariaDbServer& s = **server;
  EXPECT_TRUE(ProcessAlive(s.pid()));
  EXPECT_TRUE(std::filesystem::is_directory(s.datadir()));
  auto conn = s.Connect();
  DM_ASSERT_OK(conn);
  mysql::Connection& c = **conn;
  EXPECT_TRUE(c.IsMariaDB()) << c.ServerVersion();
  EXPECT_EQ(Value(c, "SELECT @@log_bin"), "1");
  EXPECT_EQ(Value(c, "SELECT @@binlog_format"), "ROW");
  EXPECT_EQ(Value(c, "SELECT @@binlog_row_image"), "FULL");
  EXPECT_EQ(Value(c, "SELECT @@binlog_row_metadata"), "FULL");
  EXPECT_EQ(Value(c, "SELECT @@gtid_domain_id"), "0");
  EXPECT_EQ(Value(c, "SELECT @@server_id"), std::to_string(s.server_id()));
  EXPECT_EQ(Value(c, "SELECT @@port"), std::to_string(s.port()));
  EXPECT_EQ(Value(c, "SELECT @@log_bin_basename"), s.binlog_dir() + "/" + s.binlog_basename());

  DM_ASSERT_OK(c.Execute("CREATE DATABASE d"));
  DM_ASSERT_OK(c.Execute("CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(20))"));
  DM_ASSERT_OK(c.Execute("INSERT INTO d.t VALUES (1, 'a'), (2, 'b')"));
  EXPECT_EQ(Value(c, "SELECT COUNT(*) FROM d.t"), "2");
  EXPECT_NE(Value(c, "SELECT @@gtid_binlog_pos").rfind("0-" + std::to_string(s.server_id()) + "-", 0),
            std::string::npos);

  auto logs = c.Query("SHOW BINARY LOGS");
  DM_ASSERT_OK(logs);
  ASSERT_FALSE(logs->rows.empty());
  ASSERT_TRUE(logs->rows[0][0].has_value());
  std::string first = *logs->rows[0][0];
  EXPECT_EQ(first, "mysql-bin.000001");
  EXPECT_TRUE(std::filesystem::exists(s.binlog_path(first))) << s.binlog_path(first);
  EXPECT_TRUE(std::filesystem::exists(s.binlog_index_path()));
}

TEST(MariaDbServerTest, ExtraArgsOverrideDefaults) {
  DM_REQUIRE_MARIADB();
  MariaDbOptions o;
  o.name = "minimal";
  o.extra_args = {"--binlog-row-image=MINIMAL", "--log-bin-compress=ON", "--binlog-checksum=NONE"};
  o.server_id = 4242;
  auto server = MariaDbServer::Start(o);
  DM_ASSERT_OK(server);
  auto conn = (*server)->Connect();
  DM_ASSERT_OK(conn);
  EXPECT_EQ(Value(**conn, "SELECT @@binlog_row_image"), "MINIMAL");
  EXPECT_EQ(Value(**conn, "SELECT @@log_bin_compress"), "1");
  EXPECT_EQ(Value(**conn, "SELECT @@binlog_checksum"), "NONE");
  EXPECT_EQ(Value(**conn, "SELECT @@server_id"), "4242");
}

TEST(MariaDbServerTest, BadArgumentFailsNamingTheErrorLog) {
  DM_REQUIRE_MARIADB();
  MariaDbOptions o;
  o.name = "bad";
  o.extra_args = {"--no-such-option=1"};
  auto server = MariaDbServer::Start(o);
  ASSERT_FALSE(server.ok());
  std::string msg = server.status().ToString();
  EXPECT_NE(msg.find("error.log"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no-such-option"), std::string::npos) << msg;
  EXPECT_EQ(LiveChildCount(), 0);
}

TEST(MariaDbServerTest, DestructorStopsProcessAndRemovesDir) {
  DM_REQUIRE_MARIADB();
  pid_t pid;
  std::string dir;
  {
    auto server = MariaDbServer::Start();
    DM_ASSERT_OK(server);
    pid = (*server)->pid();
    dir = (*server)->dir();
    ASSERT_TRUE(ProcessAlive(pid));
  }
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_EQ(LiveChildCount(), 0);
  if (!KeepTempFiles()) {
    EXPECT_FALSE(std::filesystem::exists(dir));
  }
}

TEST(MariaDbServerTest, KillThenRestartKeepsDataAndPort) {
  DM_REQUIRE_MARIADB();
  auto server = MariaDbServer::Start();
  DM_ASSERT_OK(server);
  MariaDbServer& s = **server;
  {
    auto c = s.Connect();
    DM_ASSERT_OK(c);
    DM_ASSERT_OK((*c)->Execute("CREATE DATABASE d"));
    DM_ASSERT_OK((*c)->Execute("CREATE TABLE d.t (id INT PRIMARY KEY) ENGINE=InnoDB"));
    DM_ASSERT_OK((*c)->Execute("INSERT INTO d.t VALUES (1)"));
  }
  pid_t old_pid = s.pid();
  uint16_t port = s.port();
  s.Kill();
  EXPECT_FALSE(s.running());
  EXPECT_FALSE(ProcessAlive(old_pid));
  EXPECT_FALSE(s.Connect().ok());
  DM_ASSERT_OK(s.Restart());
  EXPECT_NE(s.pid(), old_pid);
  EXPECT_EQ(s.port(), port);
  auto c = s.Connect();
  DM_ASSERT_OK(c);
  EXPECT_EQ(Value(**c, "SELECT COUNT(*) FROM d.t"), "1");
}

TEST(EtcdServerTest, StartsAndAnswersPutGet) {
  DM_REQUIRE_ETCD();
  EtcdOptions o;
  o.name = "meta";
  auto server = EtcdServer::Start(o);
  DM_ASSERT_OK(server);
  EtcdServer& e = **server;
  EXPECT_EQ(e.endpoint(), "http://127.0.0.1:" + std::to_string(e.client_port()));
  EXPECT_TRUE(e.Healthy());
  DM_ASSERT_OK(e.Etcdctl({"put", "/dm/k", "v1"}));
  auto got = e.Etcdctl({"get", "/dm/k", "--print-value-only"});
  DM_ASSERT_OK(got);
  EXPECT_EQ(*got, "v1\n");
  // A failing etcdctl is an error carrying its output.
  auto bad = e.Etcdctl({"no-such-command"});
  EXPECT_FALSE(bad.ok());

  // The value survives a crash.
  e.Kill();
  EXPECT_FALSE(e.Healthy(std::chrono::milliseconds(200)));
  DM_ASSERT_OK(e.Restart());
  got = e.Etcdctl({"get", "/dm/k", "--print-value-only"});
  DM_ASSERT_OK(got);
  EXPECT_EQ(*got, "v1\n");
}

TEST(EtcdServerTest, DestructorStopsProcess) {
  DM_REQUIRE_ETCD();
  pid_t pid;
  {
    auto server = EtcdServer::Start();
    DM_ASSERT_OK(server);
    pid = (*server)->pid();
    ASSERT_TRUE(ProcessAlive(pid));
  }
  EXPECT_FALSE(ProcessAlive(pid));
}

// The safety net: a test process that dies (here: a forked copy of this one, which
// aborts) takes its servers with it, without any destructor running.
void StartServersAndDie(int how, int report_fd) {
  MariaDbOptions mo;
  mo.name = "orphan";
  EtcdOptions eo;
  eo.name = "orphan-etcd";
  auto m = MariaDbServer::Start(mo);
  auto e = EtcdServer::Start(eo);
  if (!m.ok() || !e.ok()) _exit(2);
  pid_t pids[2] = {(*m)->pid(), (*e)->pid()};
  if (write(report_fd, pids, sizeof(pids)) != sizeof(pids)) _exit(3);
  switch (how) {
    case 0: std::abort();        // fatal signal: the handler kills them
    case 1: std::exit(0);        // exit without destructors: the atexit handler
    default: raise(SIGKILL);     // no handler can run: PR_SET_PDEATHSIG
  }
  _exit(4);
}

class SafetyNetTest : public ::testing::TestWithParam<int> {};

TEST_P(SafetyNetTest, ServersDieWithTheTestProcess) {
  DM_REQUIRE_MARIADB();
  DM_REQUIRE_ETCD();
  // Created here, the test dir is the child's too, and this process removes it at exit.
  (void)TestTempDir();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    StartServersAndDie(GetParam(), fds[1]);
  }
  close(fds[1]);
  pid_t pids[2] = {0, 0};
  ssize_t n = read(fds[0], pids, sizeof(pids));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof(pids))) << "child failed to start servers, status "
                                                     << status;
  // Orphans are reparented and reaped by init; give the kernel a moment.
  for (int i = 0; i < 200 && (ProcessAlive(pids[0]) || ProcessAlive(pids[1])); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_FALSE(ProcessAlive(pids[0])) << "mariadbd " << pids[0] << " outlived its test process";
  EXPECT_FALSE(ProcessAlive(pids[1])) << "etcd " << pids[1] << " outlived its test process";
  for (pid_t p : pids) {
    if (ProcessAlive(p)) kill(p, SIGKILL);  // never leave one behind
  }
}

std::string HowName(const ::testing::TestParamInfo<int>& info) {
  static const char* const kNames[] = {"Abort", "Exit", "Sigkill"};
  return kNames[info.param];
}

INSTANTIATE_TEST_SUITE_P(HowItDies, SafetyNetTest, ::testing::Values(0, 1, 2), HowName);

}  // namespace
}  // namespace dm::testing
