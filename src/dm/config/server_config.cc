#include "dm/config/server_config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <toml.hpp>

#include "dm/config/duration.h"
#include "dm/config/encrypt.h"
#include "dm/config/error.h"
#include "dm/config/names.h"
#include "dm/config/parse_common.h"

namespace dm::config {

namespace {

// Strict reader over one TOML table (see yaml_reader.h for the YAML twin).
class TomlTable {
 public:
  TomlTable(std::string file, const toml::value& table, std::string path)
      : file_(std::move(file)), table_(table), path_(std::move(path)) {}

  Status Str(const char* key, std::string* out) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (!v.is_string()) return TypeError(v, p, "a string (in double quotes)");
      *out = v.as_string().str;
      return Status::OK();
    });
  }
  Status Bool(const char* key, bool* out) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (!v.is_boolean()) return TypeError(v, p, "a boolean (`true` or `false`)");
      *out = v.as_boolean();
      return Status::OK();
    });
  }
  template <class T>
  Status Int(const char* key, T* out) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (!v.is_integer()) return TypeError(v, p, "an integer");
      int64_t i = v.as_integer();
      if (std::is_unsigned_v<T> && i < 0) return TypeError(v, p, "a non-negative integer");
      *out = static_cast<T>(i);
      return Status::OK();
    });
  }
  Status Double(const char* key, double* out) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (v.is_floating()) {
        *out = v.as_floating();
      } else if (v.is_integer()) {
        *out = static_cast<double>(v.as_integer());
      } else {
        return TypeError(v, p, "a number");
      }
      return Status::OK();
    });
  }
  // A list of strings; a single string is accepted as a one-item list.
  Status StrList(const char* key, std::vector<std::string>* out) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (v.is_string()) {
        *out = {v.as_string().str};
        return Status::OK();
      }
      if (!v.is_array()) return TypeError(v, p, "a list of strings");
      std::vector<std::string> items;
      for (const toml::value& item : v.as_array()) {
        if (!item.is_string()) return TypeError(item, p, "a list of strings");
        items.push_back(item.as_string().str);
      }
      *out = std::move(items);
      return Status::OK();
    });
  }
  Status Table(const char* key, const std::function<Status(TomlTable&)>& fn) {
    return Read(key, [&](const toml::value& v, const std::string& p) -> Status {
      if (!v.is_table()) return TypeError(v, p, "a table (`[" + std::string(key) + "]`)");
      TomlTable sub(file_, v, p);
      DM_RETURN_IF_ERROR(fn(sub));
      return sub.Finish();
    });
  }

  Status Finish() const {
    std::vector<std::string> keys;
    for (const auto& [k, _] : table_.as_table()) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    for (const std::string& k : keys) {
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      const toml::value& v = table_.as_table().at(k);
      return ConfigError(file_, PosOf(v), Join(k),
                         "unknown key `" + k + "`" + SuggestionHint(k, known_, "known keys"));
    }
    return Status::OK();
  }

 private:
  static Position PosOf(const toml::value& v) {
    auto loc = v.location();
    if (loc.line() == 0) return {};
    return Position{static_cast<int>(loc.line()), static_cast<int>(loc.column())};
  }
  std::string Join(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  Status TypeError(const toml::value& v, const std::string& path, const std::string& want) const {
    std::string got;
    if (v.is_string()) {
      got = QuoteValue(v.as_string().str);
    } else if (v.is_integer()) {
      got = "`" + std::to_string(v.as_integer()) + "`";
    } else if (v.is_boolean()) {
      got = v.as_boolean() ? "`true`" : "`false`";
    } else if (v.is_floating()) {
      std::ostringstream os;
      os << v.as_floating();
      got = "`" + os.str() + "`";
    } else if (v.is_array()) {
      got = "a list";
    } else if (v.is_table()) {
      got = "a table";
    } else {
      got = "a date/time";
    }
    return ConfigError(file_, PosOf(v), path, "must be " + want + ", got " + got);
  }
  template <class Fn>
  Status Read(const char* key, Fn fn) {
    known_.emplace_back(key);
    const auto& t = table_.as_table();
    auto it = t.find(key);
    if (it == t.end()) return Status::OK();
    return fn(it->second, Join(key));
  }

  std::string file_;
  const toml::value& table_;
  std::string path_;
  std::vector<std::string> known_;
};

// Parses `text` and runs `fn` on the root table; exceptions from toml11 become Status.
Status ParseToml(std::string_view text, std::string_view file,
                 const std::function<Status(TomlTable&)>& fn) {
  try {
    std::istringstream in{std::string(text)};
    toml::value root = toml::parse(in, std::string(file));
    TomlTable t(std::string(file), root, "");
    DM_RETURN_IF_ERROR(fn(t));
    return t.Finish();
  } catch (const toml::syntax_error& e) {
    auto loc = e.location();
    Position pos{static_cast<int>(loc.line()), static_cast<int>(loc.column())};
    std::string detail = e.what();
    // toml11 quotes the offending line; never echo private-key material.
    if (detail.find("ssl-key") != std::string::npos) detail = detail.substr(0, detail.find('\n'));
    return ConfigError(file, pos, "",
                       "malformed TOML: " + detail +
                           "\nfix the syntax at this line (`key = value`, strings in double "
                           "quotes, `[section]` headers)");
  } catch (const std::exception& e) {
    return ConfigError(file, {}, "", std::string("malformed TOML: ") + e.what());
  }
}

Status ReadTls(TomlTable& t, TlsConfig* tls) {
  DM_RETURN_IF_ERROR(t.Str("ssl-ca", &tls->ssl_ca));
  DM_RETURN_IF_ERROR(t.Str("ssl-cert", &tls->ssl_cert));
  DM_RETURN_IF_ERROR(t.Str("ssl-key", &tls->ssl_key));
  DM_RETURN_IF_ERROR(t.StrList("cert-allowed-cn", &tls->cert_allowed_cn));
  DM_RETURN_IF_ERROR(t.Str("ssl-ca-base64", &tls->ssl_ca_base64));
  DM_RETURN_IF_ERROR(t.Str("ssl-cert-base64", &tls->ssl_cert_base64));
  DM_RETURN_IF_ERROR(t.Str("ssl-key-base64", &tls->ssl_key_base64));
  return Status::OK();
}

Status Invalid(std::string_view key, std::string what) {
  return ConfigError("", {}, key, std::move(what));
}

// DM's utils.UnwrapScheme.
std::string UnwrapScheme(std::string s) {
  for (std::string_view p : {"http://", "https://"}) {
    if (s.rfind(p, 0) == 0) return s.substr(p.size());
  }
  return s;
}

// DM's utils.WrapSchemes: adds http:// (https:// with TLS) to each comma-separated address.
std::string WrapSchemes(const std::string& list, bool https) {
  std::string out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    if (!out.empty()) out += ",";
    if (item.find("://") == std::string::npos) {
      out += https ? "https://" : "http://";
    } else {
      item = UnwrapScheme(item);
      out += https ? "https://" : "http://";
    }
    out += item;
  }
  return out;
}

// Go's net.SplitHostPort, minus the corner cases nobody writes in a config.
bool SplitHostPort(const std::string& addr, std::string* host, std::string* port) {
  if (!addr.empty() && addr[0] == '[') {
    size_t close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return false;
    }
    *host = addr.substr(1, close - 1);
    *port = addr.substr(close + 2);
    return true;
  }
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  if (addr.find(':') != colon) return false;  // bare IPv6 needs brackets
  *host = addr.substr(0, colon);
  *port = addr.substr(colon + 1);
  return true;
}

Status CheckLogSettings(const std::string& level, const std::string& format) {
  static const std::vector<std::string> kLevels = {"debug", "info", "warn", "error", "fatal"};
  static const std::vector<std::string> kFormats = {"text", "json"};
  if (!level.empty() && std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
    return Invalid("log-level", "invalid log level " + QuoteValue(level) +
                                    SuggestionHint(level, kLevels) + " (valid: " +
                                    JoinQuoted(kLevels) + ")");
  }
  if (!format.empty() && std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end()) {
    return Invalid("log-format", "invalid log format " + QuoteValue(format) +
                                     " (valid: `text`, `json`)");
  }
  return Status::OK();
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof(esc), "\\u%04x", c);
          out += esc;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string TomlList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + TomlString(items[i]);
  return out + "]";
}

void WriteTls(std::ostringstream& o, const TlsConfig& t) {
  o << "ssl-ca = " << TomlString(t.ssl_ca) << "\n";
  o << "ssl-cert = " << TomlString(t.ssl_cert) << "\n";
  o << "ssl-key = " << TomlString(t.ssl_key) << "\n";
  o << "cert-allowed-cn = " << TomlList(t.cert_allowed_cn) << "\n";
  if (!t.ssl_ca_base64.empty()) o << "ssl-ca-base64 = " << TomlString(t.ssl_ca_base64) << "\n";
  if (!t.ssl_cert_base64.empty()) {
    o << "ssl-cert-base64 = " << TomlString(t.ssl_cert_base64) << "\n";
  }
  if (!t.ssl_key_base64.empty()) o << "ssl-key-base64 = \"" << kRedacted << "\"\n";
}

}  // namespace

Result<MasterConfig> ParseMasterConfig(std::string_view text, std::string_view file_name) {
  MasterConfig c;
  DM_RETURN_IF_ERROR(ParseToml(text, file_name, [&](TomlTable& t) -> Status {
    DM_RETURN_IF_ERROR(t.Str("log-level", &c.log_level));
    DM_RETURN_IF_ERROR(t.Str("log-file", &c.log_file));
    DM_RETURN_IF_ERROR(t.Str("log-format", &c.log_format));
    DM_RETURN_IF_ERROR(t.Str("log-rotate", &c.log_rotate));
    DM_RETURN_IF_ERROR(t.Str("rpc-timeout", &c.rpc_timeout));
    DM_RETURN_IF_ERROR(t.Double("rpc-rate-limit", &c.rpc_rate_limit));
    DM_RETURN_IF_ERROR(t.Int("rpc-rate-burst", &c.rpc_rate_burst));
    DM_RETURN_IF_ERROR(t.Str("master-addr", &c.master_addr));
    DM_RETURN_IF_ERROR(t.Str("advertise-addr", &c.advertise_addr));
    DM_RETURN_IF_ERROR(t.Str("config-file", &c.config_file));
    DM_RETURN_IF_ERROR(t.Str("name", &c.name));
    DM_RETURN_IF_ERROR(t.Str("data-dir", &c.data_dir));
    DM_RETURN_IF_ERROR(t.Str("peer-urls", &c.peer_urls));
    DM_RETURN_IF_ERROR(t.Str("advertise-peer-urls", &c.advertise_peer_urls));
    DM_RETURN_IF_ERROR(t.Str("initial-cluster", &c.initial_cluster));
    DM_RETURN_IF_ERROR(t.Str("initial-cluster-state", &c.initial_cluster_state));
    DM_RETURN_IF_ERROR(t.Str("join", &c.join));
    DM_RETURN_IF_ERROR(t.Str("etcd-endpoints", &c.etcd_endpoints));
    DM_RETURN_IF_ERROR(t.Int("max-txn-ops", &c.max_txn_ops));
    DM_RETURN_IF_ERROR(t.Int("max-request-bytes", &c.max_request_bytes));
    DM_RETURN_IF_ERROR(t.Str("auto-compaction-mode", &c.auto_compaction_mode));
    DM_RETURN_IF_ERROR(t.Str("auto-compaction-retention", &c.auto_compaction_retention));
    DM_RETURN_IF_ERROR(t.Int("quota-backend-bytes", &c.quota_backend_bytes));
    DM_RETURN_IF_ERROR(t.Bool("openapi", &c.openapi));
    DM_RETURN_IF_ERROR(t.Str("v1-sources-path", &c.v1_sources_path));
    DM_RETURN_IF_ERROR(ReadTls(t, &c.tls));
    DM_RETURN_IF_ERROR(t.Str("secret-key-path", &c.secret_key_path));
    return t.Table("experimental", [&](TomlTable& e) {
      return e.Bool("openapi", &c.experimental_openapi);
    });
  }));
  return c;
}

Result<WorkerConfig> ParseWorkerConfig(std::string_view text, std::string_view file_name) {
  WorkerConfig c;
  DM_RETURN_IF_ERROR(ParseToml(text, file_name, [&](TomlTable& t) -> Status {
    DM_RETURN_IF_ERROR(t.Str("name", &c.name));
    DM_RETURN_IF_ERROR(t.Str("log-level", &c.log_level));
    DM_RETURN_IF_ERROR(t.Str("log-file", &c.log_file));
    DM_RETURN_IF_ERROR(t.Str("log-format", &c.log_format));
    DM_RETURN_IF_ERROR(t.Str("log-rotate", &c.log_rotate));
    DM_RETURN_IF_ERROR(t.Bool("redact-info-log", &c.redact_info_log));
    DM_RETURN_IF_ERROR(t.Str("join", &c.join));
    DM_RETURN_IF_ERROR(t.Str("worker-addr", &c.worker_addr));
    DM_RETURN_IF_ERROR(t.Str("advertise-addr", &c.advertise_addr));
    DM_RETURN_IF_ERROR(t.Str("config-file", &c.config_file));
    DM_RETURN_IF_ERROR(t.Int("keepalive-ttl", &c.keepalive_ttl));
    DM_RETURN_IF_ERROR(t.Int("relay-keepalive-ttl", &c.relay_keepalive_ttl));
    DM_RETURN_IF_ERROR(t.Str("relay-dir", &c.relay_dir));
    return ReadTls(t, &c.tls);
  }));
  return c;
}

Result<MasterConfig> LoadMasterConfigFile(const std::string& path) {
  DM_ASSIGN_OR_RETURN(std::string text, internal::ReadConfigFile(path, "dm-master config file"));
  return ParseMasterConfig(text, path);
}

Result<WorkerConfig> LoadWorkerConfigFile(const std::string& path) {
  DM_ASSIGN_OR_RETURN(std::string text, internal::ReadConfigFile(path, "dm-worker config file"));
  return ParseWorkerConfig(text, path);
}

namespace {

// Shared by MasterConfig/WorkerConfig::Adjust: validates `addr` (the listen address
// under `key`) and derives or validates the advertise address as DM does.
Status AdjustAdvertise(std::string_view key, const std::string& addr, std::string_view example,
                       std::string_view reachable_by, std::string* advertise_addr,
                       bool require_port) {
  std::string host, port;
  if (!SplitHostPort(addr, &host, &port)) {
    return Invalid(key, "invalid address " + QuoteValue(addr) + "; use `host:port` or `:port`, e.g. `" +
                            std::string(example) + "`");
  }
  if (advertise_addr->empty()) {
    if (host.empty() || host == "0.0.0.0" || (require_port && port.empty())) {
      return Invalid(key, std::string(key) + " " + QuoteValue(addr) +
                              " must include a host other than 0.0.0.0 when advertise-addr is "
                              "not set; set advertise-addr to " + std::string(reachable_by));
    }
    *advertise_addr = addr;
    return Status::OK();
  }
  *advertise_addr = UnwrapScheme(*advertise_addr);
  if (!SplitHostPort(*advertise_addr, &host, &port) || host.empty() || host == "0.0.0.0" ||
      port.empty()) {
    return Invalid("advertise-addr", "invalid advertise-addr " + QuoteValue(*advertise_addr) +
                                         "; use a reachable `host:port` (not 0.0.0.0)");
  }
  return Status::OK();
}

}  // namespace

Status MasterConfig::Adjust(std::vector<std::string>* warnings) {
  auto warn = [&](std::string w) {
    if (warnings) warnings->push_back(std::move(w));
  };
  DM_RETURN_IF_ERROR(CheckLogSettings(log_level, log_format));
  master_addr = UnwrapScheme(master_addr);
  DM_RETURN_IF_ERROR(AdjustAdvertise("master-addr", master_addr, ":8261",
                                     "the address other members can reach", &advertise_addr,
                                     /*require_port=*/true));
  if (rpc_timeout.empty()) rpc_timeout = "30s";
  auto timeout = ParseGoDuration(rpc_timeout);
  if (!timeout.ok() || timeout->count() <= 0) {
    return Invalid("rpc-timeout", "invalid rpc-timeout " + QuoteValue(rpc_timeout) +
                                      "; use a positive Go duration such as `30s`");
  }
  if (rpc_rate_limit <= 0) {
    warn("rpc-rate-limit must be positive; using the default 10.0");
    rpc_rate_limit = 10.0;
  }
  if (rpc_rate_burst <= 0) {
    warn("rpc-rate-burst must be positive; using the default 40");
    rpc_rate_burst = 40;
  }
  if (name.empty()) name = "dm-master-" + Hostname();
  if (data_dir.empty()) data_dir = "default." + name;
  bool https = !tls.ssl_ca.empty();
  peer_urls = peer_urls.empty() ? "http://127.0.0.1:8291" : WrapSchemes(peer_urls, https);
  advertise_peer_urls =
      advertise_peer_urls.empty() ? peer_urls : WrapSchemes(advertise_peer_urls, https);
  if (initial_cluster.empty()) {
    std::stringstream in(advertise_peer_urls);
    std::string url;
    while (std::getline(in, url, ',')) {
      if (!initial_cluster.empty()) initial_cluster += ",";
      initial_cluster += name + "=" + url;
    }
  } else {
    std::string out;
    std::stringstream in(initial_cluster);
    std::string item;
    while (std::getline(in, item, ',')) {
      size_t eq = item.find('=');
      if (eq == std::string::npos) {
        return Invalid("initial-cluster", "invalid member " + QuoteValue(item) +
                                              "; use `name=http://host:port` items separated "
                                              "by commas");
      }
      if (!out.empty()) out += ",";
      out += item.substr(0, eq + 1) + WrapSchemes(item.substr(eq + 1), https);
    }
    initial_cluster = out;
  }
  if (initial_cluster_state.empty()) initial_cluster_state = "new";
  if (initial_cluster_state != "new" && initial_cluster_state != "existing") {
    return Invalid("initial-cluster-state", "invalid initial-cluster-state " +
                                                QuoteValue(initial_cluster_state) +
                                                " (valid: `new`, `existing`)");
  }
  if (auto_compaction_mode != "periodic" && auto_compaction_mode != "revision") {
    return Invalid("auto-compaction-mode", "invalid auto-compaction-mode " +
                                               QuoteValue(auto_compaction_mode) +
                                               " (valid: `periodic`, `revision`)");
  }
  if (!join.empty()) join = WrapSchemes(join, https);
  constexpr int64_t kQuotaLowerBound = 500LL * 1024 * 1024;
  if (quota_backend_bytes < kQuotaLowerBound) {
    warn("quota-backend-bytes " + std::to_string(quota_backend_bytes) +
         " is below 500 MiB; raised to " + std::to_string(kQuotaLowerBound));
    quota_backend_bytes = kQuotaLowerBound;
  }
  if (experimental_openapi) {
    openapi = true;
    experimental_openapi = false;
    warn("[experimental] openapi is deprecated: OpenAPI is GA; set `openapi = true` instead");
  }
  if (!secret_key_path.empty()) {
    auto key = LoadSecretKeyFile(secret_key_path);
    if (!key.ok()) {
      return Status(key.status().code(),
                    "secret-key-path: " + std::string(key.status().message()), Scope::kConfig);
    }
  }
  return Status::OK();
}

Status WorkerConfig::Adjust() {
  DM_RETURN_IF_ERROR(CheckLogSettings(log_level, log_format));
  worker_addr = UnwrapScheme(worker_addr);
  DM_RETURN_IF_ERROR(AdjustAdvertise("worker-addr", worker_addr, ":8262",
                                     "the address dm-master can reach", &advertise_addr,
                                     /*require_port=*/false));
  if (name.empty()) name = advertise_addr;
  if (!join.empty()) join = WrapSchemes(join, !tls.ssl_ca.empty());
  if (keepalive_ttl <= 0 || relay_keepalive_ttl <= 0) {
    return Invalid("keepalive-ttl", "keepalive-ttl and relay-keepalive-ttl must be positive "
                                    "numbers of seconds");
  }
  return Status::OK();
}

std::string MasterConfig::ToToml() const {
  std::ostringstream o;
  o << "log-level = " << TomlString(log_level) << "\n";
  o << "log-file = " << TomlString(log_file) << "\n";
  o << "log-format = " << TomlString(log_format) << "\n";
  o << "log-rotate = " << TomlString(log_rotate) << "\n";
  o << "rpc-timeout = " << TomlString(rpc_timeout) << "\n";
  std::ostringstream rate;
  rate << rpc_rate_limit;
  std::string rate_text = rate.str();
  if (rate_text.find_first_of(".en") == std::string::npos) rate_text += ".0";
  o << "rpc-rate-limit = " << rate_text << "\n";
  o << "rpc-rate-burst = " << rpc_rate_burst << "\n";
  o << "master-addr = " << TomlString(master_addr) << "\n";
  o << "advertise-addr = " << TomlString(advertise_addr) << "\n";
  o << "name = " << TomlString(name) << "\n";
  o << "data-dir = " << TomlString(data_dir) << "\n";
  o << "peer-urls = " << TomlString(peer_urls) << "\n";
  o << "advertise-peer-urls = " << TomlString(advertise_peer_urls) << "\n";
  o << "initial-cluster = " << TomlString(initial_cluster) << "\n";
  o << "initial-cluster-state = " << TomlString(initial_cluster_state) << "\n";
  o << "join = " << TomlString(join) << "\n";
  if (!etcd_endpoints.empty()) o << "etcd-endpoints = " << TomlString(etcd_endpoints) << "\n";
  o << "max-txn-ops = " << max_txn_ops << "\n";
  o << "max-request-bytes = " << max_request_bytes << "\n";
  o << "auto-compaction-mode = " << TomlString(auto_compaction_mode) << "\n";
  o << "auto-compaction-retention = " << TomlString(auto_compaction_retention) << "\n";
  o << "quota-backend-bytes = " << quota_backend_bytes << "\n";
  o << "openapi = " << (openapi ? "true" : "false") << "\n";
  o << "v1-sources-path = " << TomlString(v1_sources_path) << "\n";
  o << "secret-key-path = " << TomlString(secret_key_path) << "\n";
  WriteTls(o, tls);
  return o.str();
}

std::string WorkerConfig::ToToml() const {
  std::ostringstream o;
  o << "name = " << TomlString(name) << "\n";
  o << "log-level = " << TomlString(log_level) << "\n";
  o << "log-file = " << TomlString(log_file) << "\n";
  o << "log-format = " << TomlString(log_format) << "\n";
  o << "log-rotate = " << TomlString(log_rotate) << "\n";
  o << "redact-info-log = " << (redact_info_log ? "true" : "false") << "\n";
  o << "join = " << TomlString(join) << "\n";
  o << "worker-addr = " << TomlString(worker_addr) << "\n";
  o << "advertise-addr = " << TomlString(advertise_addr) << "\n";
  o << "keepalive-ttl = " << keepalive_ttl << "\n";
  o << "relay-keepalive-ttl = " << relay_keepalive_ttl << "\n";
  o << "relay-dir = " << TomlString(relay_dir) << "\n";
  WriteTls(o, tls);
  return o.str();
}

std::string_view SampleMasterConfig() {
  return R"(# Master Configuration.

# log configuration
log-file = "dm-master.log"
log-level = "info"

# dm-master listen address
master-addr = ":8261"

# addr(i.e. 'host:port') to advertise to the public
advertise-addr = "127.0.0.1:8261"

# human-readable name for this DM-master member
name = "dm-master"

# path to the data directory (default 'default.${name}')
data-dir = "default.dm-master"

# URLs for peer traffic
peer-urls = "http://127.0.0.1:8291"

# advertise URLs for peer traffic (default '${peer-urls}')
advertise-peer-urls = "http://127.0.0.1:8291"

# initial cluster configuration for bootstrapping, e.g. dm-master=http://127.0.0.1:8291
initial-cluster = "dm-master=http://127.0.0.1:8291"

# Join to an existing DM-master cluster, a string of existing cluster's endpoints.
join = ""

# rpc configuration
#
# rpc timeout is a positive number plus time unit. we use golang standard time
# units including: "ns", "us", "ms", "s", "m", "h". You should provide a proper
# rpc timeout according to your use scenario.
rpc-timeout = "30s"
# rpc limiter controls how frequently events are allowed to happen.
# It implements a "token bucket" of size `rpc-rate-limit`, initially full and
# refilled at rate `rpc-rate-limit` tokens per second.
rpc-rate-burst = 40
rpc-rate-limit = 10.0

# openapi feature
openapi = false

# path of a file holding a hex AES-256 key (64 hex digits) used to encrypt and decrypt
# passwords in source/task configs; empty = DM's built-in key
# secret-key-path = ""
)";
}

std::string_view SampleWorkerConfig() {
  return R"(# Worker Configuration.

# log configuration
log-level = "info"
log-file = "dm-worker.log"

# dm-worker listen address
worker-addr = ":8262"
advertise-addr = "127.0.0.1:8262"
join = "127.0.0.1:8261"

relay-dir = "/tmp/relay"
)";
}

}  // namespace dm::config
