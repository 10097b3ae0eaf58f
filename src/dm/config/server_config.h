#pragma once
// MasterConfig / WorkerConfig: the TOML files of dm-master and dm-worker (tiflow
// dm/master/config.go, dm/worker/config.go) with the defaults of their command-line flags.
//
// Loading is strict like DM's toml.Decode + Undecoded(): a TOML syntax error or an unknown
// key is an error (kInvalidArgument, scope kConfig, "<file>:<line>:<col>: <key>: <problem>",
// with the nearest known key); so is a wrong value type. Flags are applied by cmd/ on top
// of the loaded struct (they win over the file, as in DM); then Adjust() derives the
// dependent defaults and checks addresses exactly as DM's adjust() does.
//
// Plain values; nothing here is secret except the key file's content, which is loaded by
// LoadSecretKeyFile (encrypt.h) and never stored in these structs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"

namespace dm::config {

struct TlsConfig {  // ssl-ca / ssl-cert / ssl-key / cert-allowed-cn (+ DM's *-base64 forms)
  std::string ssl_ca;
  std::string ssl_cert;
  std::string ssl_key;
  std::vector<std::string> cert_allowed_cn;
  std::string ssl_ca_base64, ssl_cert_base64, ssl_key_base64;
  bool operator==(const TlsConfig&) const = default;
};

struct MasterConfig {
  std::string log_level = "info";  // -L
  std::string log_file;
  std::string log_format = "text";  // text | json
  std::string log_rotate;           // accepted, unused (as in DM)
  std::string rpc_timeout = "30s";  // Go duration
  double rpc_rate_limit = 10.0;
  int rpc_rate_burst = 40;
  std::string master_addr;      // "host:port" or ":port" (sample ":8261")
  std::string advertise_addr;   // default = master_addr (must then have a host)
  std::string config_file;
  std::string name;             // default "dm-master-<hostname>"
  std::string data_dir;         // default "default.<name>"
  std::string peer_urls = "http://127.0.0.1:8291";
  std::string advertise_peer_urls;  // default = peer_urls
  std::string initial_cluster;      // default "<name>=<advertise-peer-urls>"
  std::string initial_cluster_state = "new";  // new | existing
  std::string join;                 // existing masters' client addresses
  // Our extension (DESIGN.md): use an external etcd cluster instead of the embedded member.
  std::string etcd_endpoints;
  uint64_t max_txn_ops = 2048;
  uint64_t max_request_bytes = 1572864;  // etcd's default, 1.5 MiB
  std::string auto_compaction_mode = "periodic";  // periodic | revision
  std::string auto_compaction_retention = "1h";
  int64_t quota_backend_bytes = 2LL * 1024 * 1024 * 1024;  // raised to >= 500 MiB
  bool openapi = false;
  bool experimental_openapi = false;  // [experimental] openapi, folded into openapi
  std::string v1_sources_path;
  TlsConfig tls;
  std::string secret_key_path;  // hex AES-256 key file for password encryption

  // DM's adjust(): derives advertise-addr, name, data-dir, advertise-peer-urls,
  // initial-cluster; adds URL schemes; validates addresses and rpc-timeout; clamps
  // quota-backend-bytes and non-positive rate settings. Notes go to `warnings`.
  Status Adjust(std::vector<std::string>* warnings = nullptr);

  std::string ToToml() const;
  bool operator==(const MasterConfig&) const = default;
};

struct WorkerConfig {
  std::string name;  // default = advertise_addr
  std::string log_level = "info";
  std::string log_file;
  std::string log_format = "text";
  std::string log_rotate;
  bool redact_info_log = false;
  std::string join;            // dm-master addresses
  std::string worker_addr;     // sample ":8262"
  std::string advertise_addr;  // default = worker_addr (must then have a host)
  std::string config_file;
  int64_t keepalive_ttl = 60;         // seconds
  int64_t relay_keepalive_ttl = 1800;  // seconds, while relay is enabled
  std::string relay_dir;              // relay files go to <relay-dir>/<worker-name>/...
  TlsConfig tls;

  // DM's adjust(): validates worker-addr / advertise-addr, defaults name and adds URL
  // schemes to join.
  Status Adjust();

  std::string ToToml() const;
  bool operator==(const WorkerConfig&) const = default;
};

// `file_name` only labels messages.
Result<MasterConfig> ParseMasterConfig(std::string_view toml,
                                       std::string_view file_name = "dm-master.toml");
Result<WorkerConfig> ParseWorkerConfig(std::string_view toml,
                                       std::string_view file_name = "dm-worker.toml");
Result<MasterConfig> LoadMasterConfigFile(const std::string& path);
Result<WorkerConfig> LoadWorkerConfigFile(const std::string& path);

// The text printed by `--print-sample-config` (DM's dm-master.toml / dm-worker.toml).
std::string_view SampleMasterConfig();
std::string_view SampleWorkerConfig();

}  // namespace dm::config
