// dm-worker: flags and wiring only (DM's flags; see docs/control-plane.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/common/daemon_flags.h"
#include "dm/base/daemon.h"
#include "dm/base/log.h"
#include "dm/base/text.h"
#include "dm/config/server_config.h"
#include "dm/worker/server.h"

int main(int argc, char** argv) {
  CLI::App app{"dm-worker: runs the migration of the source bound to it (TiDB DM compatible)"};
  dm::worker::WorkerOptions o;
  std::string join;
  dm::cmd::DaemonFlags daemon;
  app.add_option("--name", o.name, "worker name, unique in the cluster")->capture_default_str();
  app.add_option("--worker-addr", o.worker_addr, "address for the status API")->capture_default_str();
  app.add_option("--advertise-addr", o.advertise_addr, "address the masters use");
  app.add_option("--join", join, "master API addresses, comma-separated");
  app.add_option("--keepalive-ttl", o.keepalive_ttl_s, "seconds before a silent worker is offline")
      ->capture_default_str();
  app.add_option("--relay-dir", o.relay_dir, "relay log directory")->capture_default_str();
  daemon.Add(app);
  CLI11_PARSE(app, argc, argv);
  if (daemon.HandleEarlyExit("dm-worker", dm::config::SampleWorkerConfig())) return 0;
  bool loaded = true;
  // DM's TOML file; flags given on the command line override it.
  if (auto cfg = daemon.LoadConfig(app, "dm-worker", dm::config::LoadWorkerConfigFile, &loaded)) {
    auto take = [&](const char* flag, std::string& field, const std::string& value) {
      dm::cmd::TakeFromConfig(app, flag, field, value);
    };
    take("--name", o.name, cfg->name);
    take("--worker-addr", o.worker_addr, cfg->worker_addr);
    take("--advertise-addr", o.advertise_addr, cfg->advertise_addr);
    take("--join", join, cfg->join);
    take("--relay-dir", o.relay_dir, cfg->relay_dir);
    if (!dm::cmd::GivenOnCommandLine(app, "--keepalive-ttl")) o.keepalive_ttl_s = static_cast<int>(cfg->keepalive_ttl);
  }
  if (!loaded) return 2;
  auto tls = daemon.Tls("dm-worker");
  if (!tls) return 2;
  o.tls = *tls;
  if (join.empty()) {
    std::cerr << "dm-worker: --join (the masters' addresses) is required, on the command line "
                 "or as `join` in --config"
              << std::endl;
    return 2;
  }
  if (auto s = dm::InitDaemonLogging(daemon.log_level, daemon.log_file); !s.ok()) {
    std::cerr << s.ToString() << std::endl;
    return 2;
  }
  o.join = dm::SplitList(join);
  dm::BlockTerminationSignals();  // threads inherit the mask: signals go to the wait below
  dm::worker::WorkerServer server(o);
  if (auto s = server.Start(); !s.ok()) {
    dm::LogError("dm-worker {} failed to start: {}", o.name, s.ToString());
    std::cerr << "dm-worker: " << s.ToString() << std::endl;
    return 1;
  }
  int sig = dm::WaitForTerminationSignal();
  dm::LogInfo("dm-worker {} stopping (signal {})", o.name, sig);
  server.Stop();
  return 0;
}
