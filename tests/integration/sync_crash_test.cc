// Exactly-once after kill -9: the sync unit runs in a child process (dm-sync-runner)
// that is killed with SIGKILL five times at random moments while rows are inserted into
// a table WITHOUT any key (a row applied twice would be an extra row, a lost row a
// missing one) and a keyed table, with safe mode OFF. After the last restart the
// downstream must equal the upstream exactly.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <thread>

#include "sync_test_util.h"

#ifndef DM_SYNC_RUNNER
#error "DM_SYNC_RUNNER must name the dm-sync-runner binary"
#endif

namespace dm {
namespace {

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

TEST(SyncCrashIT, KillNineFiveTimesNoLossNoDuplicate) {
  DM_REQUIRE_MARIADB();
  testing::MariaDbOptions o;
  o.name = "crash-up";
  auto up = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(up);
  o.name = "crash-down";
  auto down = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(down);
  auto upc = (*up)->Connect();
  DM_ASSERT_OK(upc);
  auto downc = (*down)->Connect();
  DM_ASSERT_OK(downc);
  const char* ddl =
      "CREATE DATABASE app; CREATE TABLE app.k (a INT, b VARCHAR(20), c DOUBLE); "
      "CREATE TABLE app.t (id INT PRIMARY KEY, v INT, w VARCHAR(20))";
  DM_ASSERT_OK((*upc)->Execute(ddl));
  DM_ASSERT_OK((*downc)->Execute(ddl));
  auto gtid = (*upc)->QueryValue("SELECT @@gtid_binlog_pos");
  DM_ASSERT_OK(gtid);

  auto dir = testing::MakeTempSubdir("sync-crash");
  DM_ASSERT_OK(dir);
  std::string source = *dir + "/source.yaml", task = *dir + "/task.yaml";
  WriteFile(source, synctest::SourceYaml((*up)->port(), true));
  WriteFile(task, synctest::TaskYaml((*down)->port(),
                                     "    meta:\n      binlog-gtid: \"" + **gtid +
                                         "\"\n    syncer-config-name: global\n",
                                     "syncers:\n  global:\n    worker-count: 4\n    batch: 20\n"
                                     "    checkpoint-flush-interval: 1\n"
                                     "    safe-mode-duration: 0s\n"));

  // Writer: inserts (often identical rows) into the keyless table, and multi-row
  // transactions touching both tables, so upstream transactions are split over workers.
  std::atomic<bool> writing{true};
  std::atomic<int> statements{0};
  std::thread writer([&] {
    auto c = (*up)->Connect();
    if (!c.ok()) return;
    std::mt19937 rng(42);
    while (writing) {
      int n = static_cast<int>(rng() % 1000);
      std::string v = std::to_string(n % 7);
      Status s;
      switch (rng() % 4) {
        case 0:
          s = (*c)->Execute("INSERT INTO app.k VALUES (" + v + ", 'same', 0.5)");
          break;
        case 1:
          s = (*c)->Execute("INSERT INTO app.k VALUES (" + v + ", 'same', 0.5), (" + v +
                            ", 'same', 0.5), (NULL, NULL, NULL)");
          break;
        case 2:
          s = (*c)->Execute("BEGIN; INSERT INTO app.k VALUES (1, 'trx', 1e-3); INSERT INTO app.t "
                            "VALUES (" + std::to_string(n) + ", 1, 'x') ON DUPLICATE KEY UPDATE "
                            "v = v + 1; INSERT INTO app.k VALUES (2, 'trx', 2); UPDATE app.t SET "
                            "w = 'y' WHERE id = " + std::to_string((n * 7) % 1000) + "; COMMIT");
          break;
        case 3:
          s = (*c)->Execute("BEGIN; DELETE FROM app.k WHERE a = " + v +
                            " LIMIT 1; UPDATE app.k SET c = c + 1 WHERE a = " + v +
                            " LIMIT 2; COMMIT");
          break;
      }
      if (s.ok()) ++statements;
    }
  });

  std::mt19937 rng(7);
  std::string out = *dir + "/runner.out";
  auto spawn = [&] {
    return testing::ChildProcess::Spawn(
        {{DM_SYNC_RUNNER, "--source", source, "--task", task, "--status-interval-ms", "500"},
         out + "." + std::to_string(statements.load()),
         {}});
  };
  for (int round = 0; round < 5; ++round) {
    auto child = spawn();
    DM_ASSERT_OK(child);
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + rng() % 2500));
    ASSERT_TRUE((*child)->Running()) << "runner exited early: " << (*child)->DescribeExit() << "\n"
                                     << testing::TailFile((*child)->output_path());
    (*child)->Kill(SIGKILL);
  }
  // Last run: let it catch up after the writer stops.
  auto child = spawn();
  DM_ASSERT_OK(child);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  writing = false;
  writer.join();
  EXPECT_GT(statements.load(), 200);
  auto diff = synctest::WaitSameChecksums(**upc, **downc, {"app.k", "app.t"},
                                          std::chrono::seconds(120));
  EXPECT_TRUE(diff.empty()) << testing::TailFile((*child)->output_path());
  EXPECT_EQ(synctest::QueryOne(**upc, "SELECT COUNT(*) FROM app.k"),
            synctest::QueryOne(**downc, "SELECT COUNT(*) FROM app.k"));
  EXPECT_EQ(synctest::SortedRows(**upc, "app.k"), synctest::SortedRows(**downc, "app.k"));
  EXPECT_EQ(synctest::SortedRows(**upc, "app.t"), synctest::SortedRows(**downc, "app.t"));
  EXPECT_TRUE((*child)->Running()) << testing::TailFile((*child)->output_path());
  DM_ASSERT_OK((*child)->Stop());
  // The kills did land mid-apply: some restart found changes committed after the
  // checkpoint and skipped them by the workers' progress rows (not by safe mode).
  int64_t skipped = 0;
  for (const auto& e : std::filesystem::directory_iterator(*dir)) {
    if (e.path().filename().string().rfind("runner.out", 0) != 0) continue;
    std::ifstream f(e.path());
    std::string line;
    while (std::getline(f, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("skippedRecoveredRows")) {
        skipped = std::max<int64_t>(skipped, std::stoll(j["skippedRecoveredRows"].get<std::string>()));
      }
    }
  }
  EXPECT_GT(skipped, 0);
}

// kill -9 while a worker's transaction is still running on the downstream server (here:
// blocked on a row lock a test session holds). The worker sent BEGIN, the rows, its
// progress upsert and COMMIT in one packet, so the server finishes that transaction after
// the process is gone. The restarted unit must not read the checkpoint before that
// transaction has ended: otherwise it sees the old progress row and applies the batch a
// second time (two extra rows in the keyless table, v incremented twice).
TEST(SyncCrashIT, KillNineWhileTransactionStillRunsOnServer) {
  DM_REQUIRE_MARIADB();
  testing::MariaDbOptions o;
  o.name = "crashwait-up";
  auto up = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(up);
  o.name = "crashwait-down";
  auto down = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(down);
  auto upc = (*up)->Connect();
  DM_ASSERT_OK(upc);
  auto downc = (*down)->Connect();
  DM_ASSERT_OK(downc);
  const char* ddl =
      "CREATE DATABASE app; CREATE TABLE app.k (a INT, b VARCHAR(20), c DOUBLE); "
      "CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1, 0)";
  DM_ASSERT_OK((*upc)->Execute(ddl));
  DM_ASSERT_OK((*downc)->Execute(ddl));
  auto gtid = (*upc)->QueryValue("SELECT @@gtid_binlog_pos");
  DM_ASSERT_OK(gtid);
  auto dir = testing::MakeTempSubdir("sync-crash-wait");
  DM_ASSERT_OK(dir);
  std::string source = *dir + "/source.yaml", task = *dir + "/task.yaml";
  WriteFile(source, synctest::SourceYaml((*up)->port(), true));
  WriteFile(task, synctest::TaskYaml((*down)->port(),
                                     "    meta:\n      binlog-gtid: \"" + **gtid +
                                         "\"\n    syncer-config-name: global\n",
                                     "syncers:\n  global:\n    worker-count: 1\n    batch: 100\n"
                                     "    checkpoint-flush-interval: 1\n"
                                     "    safe-mode-duration: 0s\n"));
  int spawned = 0;
  auto spawn = [&] {
    return testing::ChildProcess::Spawn(
        {{DM_SYNC_RUNNER, "--source", source, "--task", task, "--status-interval-ms", "500"},
         *dir + "/runner.out." + std::to_string(spawned++),
         {}});
  };
  auto wait_until = [](const std::function<bool()>& cond, std::chrono::seconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return cond();
  };

  auto first = spawn();
  DM_ASSERT_OK(first);
  DM_ASSERT_OK((*upc)->Execute("INSERT INTO app.k VALUES (0, 'before', 0)"));
  ASSERT_TRUE(wait_until([&] { return synctest::QueryOne(**downc, "SELECT COUNT(*) FROM app.k") == "1|"; },
                         std::chrono::seconds(60)))
      << testing::TailFile((*first)->output_path());

  // The test session locks the row the next upstream transaction updates.
  auto blocker = (*down)->Connect();
  DM_ASSERT_OK(blocker);
  DM_ASSERT_OK((*blocker)->Execute("BEGIN"));
  DM_ASSERT_OK((*blocker)->Query("SELECT v FROM app.t WHERE id = 1 FOR UPDATE"));
  DM_ASSERT_OK((*upc)->Execute("BEGIN; INSERT INTO app.k VALUES (1, 'once', 1), (2, 'once', 2); "
                               "UPDATE app.t SET v = v + 1 WHERE id = 1; COMMIT"));
  ASSERT_TRUE(wait_until(
      [&] {
        // The worker's session has been running its batch (stuck on the row lock) for 1 s.
        return synctest::QueryOne(**downc,
                                  "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
                                  "INFO LIKE '%UPDATE `app`.`t`%' AND TIME >= 1") == "1|";
      },
      std::chrono::seconds(60)))
      << "the worker never waited for the test's row lock: "
      << ::testing::PrintToString(synctest::SortedRows(
             **downc, "(SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 200) FROM "
                      "information_schema.PROCESSLIST) x"))
      << "\n"
      << testing::TailFile((*first)->output_path());
  (*first)->Kill(SIGKILL);

  auto second = spawn();
  DM_ASSERT_OK(second);
  // Long enough for the restarted unit to read its checkpoint and re-dispatch if it does
  // not wait for the killed process's transaction.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_TRUE((*second)->Running()) << (*second)->DescribeExit() << "\n"
                                    << testing::TailFile((*second)->output_path());
  DM_ASSERT_OK((*blocker)->Execute("ROLLBACK"));

  auto diff = synctest::WaitSameChecksums(**upc, **downc, {"app.k", "app.t"},
                                          std::chrono::seconds(30));
  EXPECT_TRUE(diff.empty()) << testing::TailFile((*second)->output_path());
  EXPECT_EQ(synctest::QueryOne(**downc, "SELECT COUNT(*) FROM app.k"), "3|");
  EXPECT_EQ(synctest::QueryOne(**downc, "SELECT v FROM app.t WHERE id = 1"), "1|");
  EXPECT_EQ(synctest::SortedRows(**upc, "app.k"), synctest::SortedRows(**downc, "app.k"));
  EXPECT_TRUE((*second)->Running()) << testing::TailFile((*second)->output_path());
  DM_ASSERT_OK((*second)->Stop());
}

// kill -9 while the upstream keeps changing a table's columns between DML: every restart
// resumes with the tracked schema valid at its checkpoint (the per-table checkpoint rows),
// so rows before and after each ALTER decode with their own columns.
TEST(SyncCrashIT, KillNineAroundDdl) {
  DM_REQUIRE_MARIADB();
  testing::MariaDbOptions o;
  o.name = "crashddl-up";
  auto up = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(up);
  o.name = "crashddl-down";
  auto down = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(down);
  auto upc = (*up)->Connect();
  DM_ASSERT_OK(upc);
  auto downc = (*down)->Connect();
  DM_ASSERT_OK(downc);
  DM_ASSERT_OK((*upc)->Execute("CREATE DATABASE init_marker"));  // a non-empty GTID position
  auto gtid = (*upc)->QueryValue("SELECT @@gtid_binlog_pos");
  DM_ASSERT_OK(gtid);
  // Created through the binlog: the tracker follows it from the first statement.
  DM_ASSERT_OK((*upc)->Execute(
      "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, c0 INT DEFAULT 0)"));

  auto dir = testing::MakeTempSubdir("sync-crash-ddl");
  DM_ASSERT_OK(dir);
  std::string source = *dir + "/source.yaml", task = *dir + "/task.yaml";
  WriteFile(source, synctest::SourceYaml((*up)->port(), true));
  WriteFile(task, synctest::TaskYaml((*down)->port(),
                                     "    meta:\n      binlog-gtid: \"" + **gtid +
                                         "\"\n    syncer-config-name: global\n",
                                     "syncers:\n  global:\n    worker-count: 4\n    batch: 20\n"
                                     "    checkpoint-flush-interval: 1\n"
                                     "    safe-mode-duration: 0s\n"));
  std::atomic<bool> writing{true};
  std::atomic<int> ddls{0};
  std::thread writer([&] {
    auto c = (*up)->Connect();
    if (!c.ok()) return;
    std::mt19937 rng(11);
    int gen = 0;  // the table's last column is c<gen>
    for (int i = 0; writing; ++i) {
      int id = static_cast<int>(rng() % 300);
      std::string col = "c" + std::to_string(gen);
      Status s;
      if (i % 60 == 59) {
        // Add a column in the middle, drop the previous last one.
        std::string next = "c" + std::to_string(gen + 1);
        s = (*c)->Execute("ALTER TABLE app.t ADD COLUMN " + next + " INT DEFAULT " +
                          std::to_string(gen + 1) + " AFTER id, DROP COLUMN " + col);
        if (s.ok()) {
          ++gen;
          ++ddls;
        }
        continue;
      }
      switch (rng() % 3) {
        case 0:
          s = (*c)->Execute("INSERT INTO app.t (id, v) VALUES (" + std::to_string(id) + ", " +
                            std::to_string(i) + ") ON DUPLICATE KEY UPDATE v = v + 1, " + col +
                            " = " + col + " + 1");
          break;
        case 1:
          s = (*c)->Execute("UPDATE app.t SET " + col + " = " + std::to_string(i) +
                            " WHERE id = " + std::to_string(id));
          break;
        case 2:
          s = (*c)->Execute("DELETE FROM app.t WHERE id = " + std::to_string((id * 7) % 300));
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::mt19937 rng(5);
  std::string out = *dir + "/runner.out";
  int spawned = 0;
  auto spawn = [&] {
    return testing::ChildProcess::Spawn(
        {{DM_SYNC_RUNNER, "--source", source, "--task", task, "--status-interval-ms", "500"},
         out + "." + std::to_string(spawned++),
         {}});
  };
  for (int round = 0; round < 5; ++round) {
    auto child = spawn();
    DM_ASSERT_OK(child);
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + rng() % 2000));
    ASSERT_TRUE((*child)->Running()) << "runner exited early: " << (*child)->DescribeExit() << "\n"
                                     << testing::TailFile((*child)->output_path());
    (*child)->Kill(SIGKILL);
  }
  auto child = spawn();
  DM_ASSERT_OK(child);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  writing = false;
  writer.join();
  EXPECT_GE(ddls.load(), 5);
  auto diff = synctest::WaitSameChecksums(**upc, **downc, {"app.t"}, std::chrono::seconds(120));
  EXPECT_TRUE(diff.empty()) << testing::TailFile((*child)->output_path());
  auto show = [](mysql::Connection& c) { return synctest::QueryOne(c, "SHOW CREATE TABLE app.t"); };
  EXPECT_EQ(show(**downc), show(**upc));
  EXPECT_EQ(synctest::SortedRows(**upc, "app.t"), synctest::SortedRows(**downc, "app.t"));
  EXPECT_TRUE((*child)->Running()) << testing::TailFile((*child)->output_path());
  DM_ASSERT_OK((*child)->Stop());
}

}  // namespace
}  // namespace dm
