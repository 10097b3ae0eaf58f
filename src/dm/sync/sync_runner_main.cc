// dm-sync-runner: runs one sync unit in its own process, from a source.yaml and a
// task.yaml, until SIGTERM/SIGINT (or a target is reached). For crash tests (kill -9 at
// any moment) and benchmarks; production runs the unit inside dm-worker.
//
// Output: one JSON line per --status-interval-ms with the unit's `sync` status block;
// a final line {"exit": ..., "seconds": ...}. Exit status: 0 after a stop or a reached
// target, 2 if the unit paused with an error (printed to stderr), 1 on bad arguments.

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/spec/spec.h"
#include "dm/sync/sync.h"

namespace {

volatile std::sig_atomic_t g_signal = 0;
void OnSignal(int sig) { g_signal = sig; }

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dm-sync-runner: run one sync unit (incremental replication) in this process"};
  std::string source_path, task_path, until_gtid, log_level = "info", log_file;
  int interval_ms = 1000;
  app.add_option("--source", source_path, "source.yaml")->required();
  app.add_option("--task", task_path, "task.yaml")->required();
  app.add_option("--status-interval-ms", interval_ms, "print the status every N ms (0 = never)");
  app.add_option("--until-gtid", until_gtid,
                 "exit once every change up to this GTID set is applied (syncerBinlogGtid)");
  app.add_option("-L,--log-level", log_level, "debug, info, warn, error");
  app.add_option("--log-file", log_file, "log file (default stderr)");
  CLI11_PARSE(app, argc, argv);
  dm::LogLevel level;
  if (!dm::ParseLogLevel(log_level, &level).ok() || !dm::InitLogging(level, log_file).ok()) {
    fprintf(stderr, "dm-sync-runner: bad --log-level or --log-file\n");
    return 1;
  }
  std::string source, task;
  if (!ReadFile(source_path, &source) || !ReadFile(task_path, &task)) {
    fprintf(stderr, "dm-sync-runner: cannot read %s or %s\n", source_path.c_str(), task_path.c_str());
    return 1;
  }
  auto ctx = dm::spec::BuildUnitContext(source, task);
  if (!ctx.ok()) {
    fprintf(stderr, "dm-sync-runner: %s\n", ctx.status().ToString().c_str());
    return 1;
  }
  auto unit = dm::sync::NewSyncUnit(*ctx);
  if (!unit.ok()) {
    fprintf(stderr, "dm-sync-runner: %s\n", unit.status().ToString().c_str());
    return 1;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  dm::Status init = (*unit)->Init();
  if (!init.ok()) {
    fprintf(stderr, "dm-sync-runner: init: %s\n", init.ToString().c_str());
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};
  dm::Status result;
  std::jthread worker([&](std::stop_token st) {
    result = (*unit)->Process(st);
    done = true;
  });
  auto last_print = start;
  bool reached = false;
  while (!done && g_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto now = std::chrono::steady_clock::now();
    nlohmann::json st;
    bool print = interval_ms > 0 && now - last_print >= std::chrono::milliseconds(interval_ms);
    if (print || !until_gtid.empty()) (*unit)->StatusJson(&st);
    if (print) {
      last_print = now;
      printf("%s\n", st.dump().c_str());
      fflush(stdout);
    }
    if (!until_gtid.empty() && st.value("syncerBinlogGtid", "") == until_gtid) {
      reached = true;
      break;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  worker.request_stop();
  worker.join();
  nlohmann::json st;
  (*unit)->StatusJson(&st);
  (*unit)->Close();
  nlohmann::json fin = {{"exit", reached ? "reached" : g_signal ? "signal" : "stopped"},
                        {"seconds", seconds},
                        {"sync", st}};
  printf("%s\n", fin.dump().c_str());
  fflush(stdout);
  if (!result.ok()) {
    fprintf(stderr, "dm-sync-runner: %s\n", result.ToString().c_str());
    return 2;
  }
  return 0;
}
