// dm-master: flags and wiring only (DM's flags; see docs/control-plane.md).
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/common/daemon_flags.h"
#include "dm/base/daemon.h"
#include "dm/base/log.h"
#include "dm/base/text.h"
#include "dm/config/server_config.h"
#include "dm/master/server.h"


int main(int argc, char** argv) {
  CLI::App app{"dm-master: the brain of a dm cluster (TiDB DM compatible)"};
  dm::master::MasterOptions o;
  std::string join, etcd_endpoints;
  dm::cmd::DaemonFlags daemon;
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
  daemon.Add(app);
  CLI11_PARSE(app, argc, argv);
  if (daemon.HandleEarlyExit("dm-master", dm::config::SampleMasterConfig())) return 0;
  bool loaded = true;
  // DM's TOML file; flags given on the command line override it.
  if (auto cfg = daemon.LoadConfig(app, "dm-master", dm::config::LoadMasterConfigFile, &loaded)) {
    auto take = [&](const char* flag, std::string& field, const std::string& value) {
      dm::cmd::TakeFromConfig(app, flag, field, value);
    };
    take("--name", o.name, cfg->name);
    take("--master-addr", o.master_addr, cfg->master_addr);
    take("--advertise-addr", o.advertise_addr, cfg->advertise_addr);
    take("--data-dir", o.data_dir, cfg->data_dir);
    take("--peer-urls", o.peer_urls, cfg->peer_urls);
    take("--advertise-peer-urls", o.advertise_peer_urls, cfg->advertise_peer_urls);
    take("--initial-cluster", o.initial_cluster, cfg->initial_cluster);
    take("--join", join, cfg->join);
    take("--etcd-endpoints", etcd_endpoints, cfg->etcd_endpoints);
    take("--secret-key-path", o.secret_key_path, cfg->secret_key_path);
  }
  if (!loaded) return 2;
  auto tls = daemon.Tls("dm-master");
  if (!tls) return 2;
  o.tls = *tls;
  if (auto s = dm::InitDaemonLogging(daemon.log_level, daemon.log_file); !s.ok()) {
    std::cerr << s.ToString() << std::endl;
    return 2;
  }
  o.join = dm::SplitList(join);
  o.etcd_endpoints = dm::SplitList(etcd_endpoints);
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
