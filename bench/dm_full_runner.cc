// dm_full_runner: runs the full-migration units (dump, then load) of one subtask directly,
// without dm-master/dm-worker, from a DM source.yaml and task.yaml. Used by
// bench/full_bench.sh and by the crash-resume integration test (which kill -9s it).
//
//   dm_full_runner --source source.yaml --task task.yaml [--units dump,load]
//                  [--status-file status.json] [--status-interval-ms 500] [-L info]
//
// --units defaults to the task-mode's full-phase units (all/full: dump,load; dump: dump;
// load, load&sync: load). The dump directory is `<loader.dir>.<task>` relative to the
// current directory, as in dm-worker. SIGINT/SIGTERM stop the running unit gracefully
// (it keeps its checkpoints); exit code 0 = all units finished, 1 = error, 2 = stopped.
// On exit, one JSON line on stdout: {"units":{"dump":{...},"load":{...}},
// "seconds":{"dump":..,"load":..}, "max_rss_kb":..}.

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stop_token>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/dump/dump.h"
#include "dm/load/load.h"
#include "dm/spec/spec.h"

namespace {

std::atomic<bool> g_signal{false};
void OnSignal(int) { g_signal.store(true); }

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int Fail(const dm::Status& s) {
  std::cerr << "dm_full_runner: " << s.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dm_full_runner: run the dump and load units of one subtask (no cluster)"};
  std::string source_path, task_path, units_arg, status_file, level_text = "info";
  int interval_ms = 500;
  app.add_option("--source", source_path, "source.yaml")->required();
  app.add_option("--task", task_path, "task.yaml")->required();
  app.add_option("--units", units_arg, "comma-separated: dump,load (default from task-mode)");
  app.add_option("--status-file", status_file, "rewrite this file with the status JSON periodically");
  app.add_option("--status-interval-ms", interval_ms, "status file period");
  app.add_option("-L", level_text, "log level: debug|info|warn|error");
  CLI11_PARSE(app, argc, argv);

  dm::LogLevel level;
  if (auto s = dm::ParseLogLevel(level_text, &level); !s.ok()) return Fail(s);
  if (auto s = dm::InitLogging(level, ""); !s.ok()) return Fail(s);
  std::string source_yaml, task_yaml;
  if (!ReadFile(source_path, &source_yaml)) return Fail(dm::Status::NotFound("cannot read " + source_path));
  if (!ReadFile(task_path, &task_yaml)) return Fail(dm::Status::NotFound("cannot read " + task_path));
  auto ctx = dm::spec::BuildUnitContext(source_yaml, task_yaml);
  if (!ctx.ok()) return Fail(ctx.status());

  std::vector<std::string> names;
  if (units_arg.empty()) {
    const std::string& mode = (*ctx)->task_config.task_mode;
    if (mode == "all" || mode == "full") names = {"dump", "load"};
    else if (mode == "dump") names = {"dump"};
    else if (mode == "load" || mode == "load&sync") names = {"load"};
    else return Fail(dm::Status::InvalidArgument("task-mode " + mode + " has no full-phase units"));
  } else {
    std::stringstream ss(units_arg);
    for (std::string u; std::getline(ss, u, ',');) {
      if (u != "dump" && u != "load") return Fail(dm::Status::InvalidArgument("unknown unit '" + u + "'"));
      names.push_back(u);
    }
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  nlohmann::json report = {{"units", nlohmann::json::object()}, {"seconds", nlohmann::json::object()}};
  int rc = 0;
  for (const auto& name : names) {
    auto u = name == "dump" ? dm::dump::NewDumpUnit(*ctx) : dm::load::NewLoadUnit(*ctx);
    if (!u.ok()) return Fail(u.status());
    std::unique_ptr<dm::unit::Unit> unit = std::move(u).value();
    if (auto s = unit->Init(); !s.ok()) return Fail(s);
    std::stop_source stop;
    dm::Status result;
    std::atomic<bool> done{false};
    auto start = std::chrono::steady_clock::now();
    std::jthread runner([&] {
      result = unit->Process(stop.get_token());
      done.store(true);
    });
    auto write_status = [&] {
      if (status_file.empty()) return;
      nlohmann::json j;
      unit->StatusJson(&j);
      nlohmann::json all = {{"unit", name}, {name, j}};
      std::string tmp = status_file + ".tmp";
      std::ofstream(tmp) << all.dump() << "\n";
      std::rename(tmp.c_str(), status_file.c_str());
    };
    auto next_status = std::chrono::steady_clock::now();
    while (!done.load()) {
      if (g_signal.load()) stop.request_stop();
      if (std::chrono::steady_clock::now() >= next_status) {
        write_status();
        next_status += std::chrono::milliseconds(interval_ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    runner.join();
    write_status();
    unit->Close();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json j;
    unit->StatusJson(&j);
    report["units"][name] = j;
    report["seconds"][name] = secs;
    if (!result.ok()) {
      std::cerr << "dm_full_runner: " << name << " failed: " << result.ToString() << "\n";
      rc = 1;
      break;
    }
    if (stop.stop_requested()) {
      rc = 2;
      break;
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  report["max_rss_kb"] = ru.ru_maxrss;
  std::cout << report.dump() << std::endl;
  return rc;
}
