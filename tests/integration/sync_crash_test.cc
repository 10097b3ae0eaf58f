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

// Polls `cond` every 50 ms until it holds or `timeout` passes; returns its last value.
bool WaitUntil(const std::function<bool()>& cond, std::chrono::seconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// Two servers (synctest::TwoServers) and dm-sync-runner child processes on a source.yaml
// and a task.yaml written to a temp dir.
class SyncCrashIT : public synctest::TwoServers {
 protected:
  SyncCrashIT() : TwoServers("crash") {}

  // Writes the configs to a new temp dir `dir_name`: the task starts at the upstream's
  // current GTID position with `workers` workers in batches of `batch`, checkpoints flushed
  // every second and safe mode off.
  void WriteConfigs(const std::string& dir_name, int workers, int batch) {
    auto dir = testing::MakeTempSubdir(dir_name);
    DM_ASSERT_OK(dir);
    dir_ = *dir;
    std::string gtid = GtidPos();
    ASSERT_FALSE(gtid.empty()) << "no @@gtid_binlog_pos upstream";
    WriteFile(dir_ + "/source.yaml", synctest::SourceYaml(up_->port(), true));
    std::string syncers = "syncers:\n  global:\n    worker-count: " + std::to_string(workers) +
                          "\n    batch: " + std::to_string(batch) +
                          "\n    checkpoint-flush-interval: 1\n    safe-mode-duration: 0s\n";
    WriteFile(dir_ + "/task.yaml",
              synctest::TaskYaml(down_->port(), synctest::FromGtid(gtid), syncers));
  }

  // Starts dm-sync-runner on the configs; run n writes its output to runner.out.<n>.
  Result<std::unique_ptr<testing::ChildProcess>> SpawnRunner() {
    return testing::ChildProcess::Spawn(
        {{DM_SYNC_RUNNER, "--source", dir_ + "/source.yaml", "--task", dir_ + "/task.yaml",
          "--status-interval-ms", "500"},
         dir_ + "/runner.out." + std::to_string(spawned_++),
         {}});
  }

  // Runs `write` on a thread (it loops while `writing` holds) during five runs of
  // dm-sync-runner, each killed with SIGKILL after 700 ms plus a random [0, spread_ms) ms
  // (random from `seed`), then starts a last run, gives it 2 s with the writer still on
  // and stops the writer. Returns the last run; null (with a test failure) when a run
  // could not start or exited on its own.
  std::unique_ptr<testing::ChildProcess> KillRunnerWhileWriting(
      const std::function<void(const std::atomic<bool>& writing)>& write, uint32_t seed,
      int spread_ms) {
    std::atomic<bool> writing{true};
    std::thread writer([&] { write(writing); });
    std::unique_ptr<testing::ChildProcess> last;
    std::mt19937 rng(seed);
    for (int round = 0; round <= 5; ++round) {
      auto child = SpawnRunner();
      if (!child.ok()) {
        ADD_FAILURE() << "dm-sync-runner: " << child.status().ToString();
        break;
      }
      if (round == 5) {  // the last run: let it catch up after the writer stops
        last = std::move(child).value();
        std::this_thread::sleep_for(std::chrono::seconds(2));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(700 + rng() % spread_ms));
      if (!(*child)->Running()) {
        ADD_FAILURE() << "runner exited early: " << (*child)->DescribeExit() << "\n"
                      << testing::TailFile((*child)->output_path());
        break;
      }
      (*child)->Kill(SIGKILL);
    }
    writing = false;
    writer.join();
    return last;
  }

  // The last run must still be running after the checks; stops it.
  static void ExpectRunningAndStop(testing::ChildProcess& child) {
    EXPECT_TRUE(child.Running()) << testing::TailFile(child.output_path());
    DM_ASSERT_OK(child.Stop());
  }

  std::string dir_;
  int spawned_ = 0;
};

TEST_F(SyncCrashIT, KillNineFiveTimesNoLossNoDuplicate) {
  const char* ddl =
      "CREATE DATABASE app; CREATE TABLE app.k (a INT, b VARCHAR(20), c DOUBLE); "
      "CREATE TABLE app.t (id INT PRIMARY KEY, v INT, w VARCHAR(20))";
  DM_ASSERT_OK(upc_->Execute(ddl));
  DM_ASSERT_OK(downc_->Execute(ddl));
  ASSERT_NO_FATAL_FAILURE(WriteConfigs("sync-crash", 4, 20));

  // Writer: inserts (often identical rows) into the keyless table, and multi-row
  // transactions touching both tables, so upstream transactions are split over workers.
  std::atomic<int> statements{0};
  auto child = KillRunnerWhileWriting(
      [&](const std::atomic<bool>& writing) {
        auto c = up_->Connect();
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
              s = (*c)->Execute("BEGIN; INSERT INTO app.k VALUES (1, 'trx', 1e-3); "
                                "INSERT INTO app.t VALUES (" + std::to_string(n) + ", 1, 'x') "
                                "ON DUPLICATE KEY UPDATE v = v + 1; "
                                "INSERT INTO app.k VALUES (2, 'trx', 2); "
                                "UPDATE app.t SET w = 'y' WHERE id = " +
                                std::to_string((n * 7) % 1000) + "; COMMIT");
              break;
            case 3:
              s = (*c)->Execute("BEGIN; DELETE FROM app.k WHERE a = " + v +
                                " LIMIT 1; UPDATE app.k SET c = c + 1 WHERE a = " + v +
                                " LIMIT 2; COMMIT");
              break;
          }
          if (s.ok()) ++statements;
        }
      },
      7, 2500);
  ASSERT_NE(child, nullptr);
  EXPECT_GT(statements.load(), 200);
  auto diff =
      synctest::WaitSameChecksums(*upc_, *downc_, {"app.k", "app.t"}, std::chrono::seconds(120));
  EXPECT_TRUE(diff.empty()) << testing::TailFile(child->output_path());
  EXPECT_EQ(synctest::QueryOne(*upc_, "SELECT COUNT(*) FROM app.k"),
            synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM app.k"));
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.k"), synctest::SortedRows(*downc_, "app.k"));
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.t"), synctest::SortedRows(*downc_, "app.t"));
  ExpectRunningAndStop(*child);
  // The kills did land mid-apply: some restart found changes committed after the
  // checkpoint and skipped them by the workers' progress rows (not by safe mode).
  int64_t skipped = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
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
TEST_F(SyncCrashIT, KillNineWhileTransactionStillRunsOnServer) {
  const char* ddl =
      "CREATE DATABASE app; CREATE TABLE app.k (a INT, b VARCHAR(20), c DOUBLE); "
      "CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1, 0)";
  DM_ASSERT_OK(upc_->Execute(ddl));
  DM_ASSERT_OK(downc_->Execute(ddl));
  ASSERT_NO_FATAL_FAILURE(WriteConfigs("sync-crash-wait", 1, 100));

  auto first = SpawnRunner();
  DM_ASSERT_OK(first);
  DM_ASSERT_OK(upc_->Execute("INSERT INTO app.k VALUES (0, 'before', 0)"));
  ASSERT_TRUE(
      WaitUntil([&] { return synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM app.k") == "1|"; },
                std::chrono::seconds(60)))
      << testing::TailFile((*first)->output_path());

  // The test session locks the row the next upstream transaction updates.
  auto blocker = down_->Connect();
  DM_ASSERT_OK(blocker);
  DM_ASSERT_OK((*blocker)->Execute("BEGIN"));
  DM_ASSERT_OK((*blocker)->Query("SELECT v FROM app.t WHERE id = 1 FOR UPDATE"));
  DM_ASSERT_OK(
      upc_->Execute("BEGIN; INSERT INTO app.k VALUES (1, 'once', 1), (2, 'once', 2); "
                    "UPDATE app.t SET v = v + 1 WHERE id = 1; COMMIT"));
  ASSERT_TRUE(WaitUntil(
      [&] {
        // The worker's session has been running its batch (stuck on the row lock) for 1 s.
        return synctest::QueryOne(*downc_,
                                  "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
                                  "INFO LIKE '%UPDATE `app`.`t`%' AND TIME >= 1") == "1|";
      },
      std::chrono::seconds(60)))
      << "the worker never waited for the test's row lock: "
      << ::testing::PrintToString(
             synctest::SortedRows(*downc_,
                                  "(SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 200) FROM "
                                  "information_schema.PROCESSLIST) x"))
      << "\n"
      << testing::TailFile((*first)->output_path());
  (*first)->Kill(SIGKILL);

  auto second = SpawnRunner();
  DM_ASSERT_OK(second);
  // Long enough for the restarted unit to read its checkpoint and re-dispatch if it does
  // not wait for the killed process's transaction.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_TRUE((*second)->Running()) << (*second)->DescribeExit() << "\n"
                                    << testing::TailFile((*second)->output_path());
  DM_ASSERT_OK((*blocker)->Execute("ROLLBACK"));

  auto diff =
      synctest::WaitSameChecksums(*upc_, *downc_, {"app.k", "app.t"}, std::chrono::seconds(30));
  EXPECT_TRUE(diff.empty()) << testing::TailFile((*second)->output_path());
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT COUNT(*) FROM app.k"), "3|");
  EXPECT_EQ(synctest::QueryOne(*downc_, "SELECT v FROM app.t WHERE id = 1"), "1|");
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.k"), synctest::SortedRows(*downc_, "app.k"));
  ExpectRunningAndStop(**second);
}

// kill -9 while the upstream keeps changing a table's columns between DML: every restart
// resumes with the tracked schema valid at its checkpoint (the per-table checkpoint rows),
// so rows before and after each ALTER decode with their own columns.
TEST_F(SyncCrashIT, KillNineAroundDdl) {
  ASSERT_NO_FATAL_FAILURE(WriteConfigs("sync-crash-ddl", 4, 20));  // from before app exists
  // Created through the binlog: the tracker follows it from the first statement.
  DM_ASSERT_OK(upc_->Execute(
      "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT, c0 INT DEFAULT 0)"));

  std::atomic<int> ddls{0};
  auto child = KillRunnerWhileWriting(
      [&](const std::atomic<bool>& writing) {
        auto c = up_->Connect();
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
      },
      5, 2000);
  ASSERT_NE(child, nullptr);
  EXPECT_GE(ddls.load(), 5);
  auto diff = synctest::WaitSameChecksums(*upc_, *downc_, {"app.t"}, std::chrono::seconds(120));
  EXPECT_TRUE(diff.empty()) << testing::TailFile(child->output_path());
  auto show = [](mysql::Connection& c) { return synctest::QueryOne(c, "SHOW CREATE TABLE app.t"); };
  EXPECT_EQ(show(*downc_), show(*upc_));
  EXPECT_EQ(synctest::SortedRows(*upc_, "app.t"), synctest::SortedRows(*downc_, "app.t"));
  ExpectRunningAndStop(*child);
}

}  // namespace
}  // namespace dm
