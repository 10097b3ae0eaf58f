// dm-master: flags and wiring only (DM's flags; see docs/control-plane.md).
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "dm/base/daemon.h"
#include "dm/base/log.h"
#include "dm/master/server.h"

namespace {
std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

constexpr const char* kSample = R"(# dm-master sample config (TOML), DM-compatible keys
name = "master1"
master-addr = ":8261"
advertise-addr = "127.0.0.1:8261"
peer-urls = "http://127.0.0.1:8291"
advertise-peer-urls = "http://127.0.0.1:8291"
initial-cluster = "master1=http://127.0.0.1:8291"
# join = "127.0.0.1:8261"
data-dir = "default.master1"
log-level = "info"
log-file = ""
# ours: where the embedded etcd member serves clients (default: master port + 1000)
# etcd-client-addr = "127.0.0.1:9261"
)";
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dm-master: the brain of a dm cluster (TiDB DM compatible)"};
  dm::master::MasterOptions o;
  std::string join, etcd_endpoints, log_file, log_level = "info", config;
  bool version = false, sample = false;
  app.add_option("--config", config, "TOML config file (flags override it)");
  app.add_option("--name", o.name, "human-readable name of this master")->capture_default_str();
  app.add_option("--master-addr", o.master_addr, "address for the API")->capture_default_str();
  app.add_option("--advertise-addr", o.advertise_addr, "address other processes use");
  app.add_option("--data-dir", o.data_dir, "data directory (default default.<name>)");
  app.add_option("--peer-urls", o.peer_urls, "etcd peer URL of this master")->capture_default_str();
  app.add_option("--advertise-peer-urls", o.advertise_peer_urls, "advertised etcd peer URL");
  app.add_option("--initial-cluster", o.initial_cluster, "name1=peer1,name2=peer2 of a new cluster");
  app.add_option("--join", join, "API addresses of a running cluster to join");
  app.add_option("--etcd-client-addr", o.etcd_client_addr,
                 "where the embedded etcd serves clients (default: master port + 1000)");
  app.add_option("--etcd-endpoints", etcd_endpoints, "use this external etcd cluster instead");
  app.add_option("--secret-key-path", o.secret_key_path, "file with a hex AES-256 key");
  app.add_option("-L,--log-level", log_level, "debug, info, warn, error")->capture_default_str();
  app.add_option("--log-file", log_file, "log file (default stderr)");
  app.add_flag("-V,--version", version, "print the version and exit");
  app.add_flag("--print-sample-config", sample, "print a sample config and exit");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << "dm-master (dm-cpp) 0.1" << std::endl;
    return 0;
  }
  if (sample) {
    std::cout << kSample;
    return 0;
  }
  if (!config.empty()) {
    std::cerr << "dm-master: --config (TOML) is not supported by this build yet; use flags"
              << std::endl;
    return 2;
  }
  if (auto s = dm::InitDaemonLogging(log_level, log_file); !s.ok()) {
    std::cerr << s.ToString() << std::endl;
    return 2;
  }
  o.join = Split(join);
  o.etcd_endpoints = Split(etcd_endpoints);
  dm::BlockTerminationSignals();  // threads inherit the mask: signals go to the wait below
  dm::master::MasterServer server(o);
  if (auto s = server.Start(); !s.ok()) {
    dm::LogError("dm-master {} failed to start: {}", o.name, s.ToString());
    std::cerr << "dm-master: " << s.ToString() << std::endl;
    return 1;
  }
  int sig = dm::WaitForTerminationSignal();
  dm::LogInfo("dm-master {} stopping (signal {})", o.name, sig);
  server.Stop();
  return 0;
}
