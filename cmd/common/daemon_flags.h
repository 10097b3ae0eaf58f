#pragma once
// Flags every long-running binary (dm-master, dm-worker) shares with DM, and the rule that
// a value from --config applies unless the same flag was given on the command line.
// Header-only: cmd/ is wiring (the TLS checks are dm::api::CheckTls, the file parsing is
// dm::config).

#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "dm/api/http.h"
#include "dm/base/result.h"
#include "dm/config/server_config.h"

namespace dm::cmd {

// Sets `field` to `value` from the config file unless `flag` was on the command line.
inline void TakeFromConfig(const CLI::App& app, const char* flag, std::string& field,
                           const std::string& value) {
  if (app.get_option(flag)->count() == 0 && !value.empty()) field = value;
}

inline bool GivenOnCommandLine(const CLI::App& app, const char* flag) {
  return app.get_option(flag)->count() > 0;
}

struct DaemonFlags {
  std::string config, log_file, log_level = "info";
  bool version = false, sample = false;
  // TLS between dm-master, dm-worker and dmctl (DM's flags and TOML keys).
  std::string ssl_ca, ssl_cert, ssl_key;
  std::vector<std::string> cert_allowed_cn;

  void Add(CLI::App& app) {
    app.add_option("--config", config, "TOML config file (flags override it)");
    app.add_option("-L,--log-level", log_level, "debug, info, warn, error")->capture_default_str();
    app.add_option("--log-file", log_file, "log file (default stderr)");
    app.add_flag("-V,--version", version, "print the version and exit");
    app.add_flag("--print-sample-config", sample, "print a sample config and exit");
    app.add_option("--ssl-ca", ssl_ca, "CA certificate (PEM) of TLS between the components");
    app.add_option("--ssl-cert", ssl_cert, "this process's certificate (PEM), signed by --ssl-ca");
    app.add_option("--ssl-key", ssl_key, "the private key (PEM) of --ssl-cert");
    app.add_option("--cert-allowed-cn", cert_allowed_cn,
                   "accept only client certificates with these common names (comma-separated)")
        ->delimiter(',');
  }

  // Handles -V and --print-sample-config; returns true if the process should exit.
  bool HandleEarlyExit(std::string_view program, std::string_view sample_config) const {
    if (version) std::cout << program << " (dm-cpp) 0.1" << std::endl;
    if (sample) std::cout << sample_config;
    return version || sample;
  }

  // Loads --config with `load` (dm::config::LoadMasterConfigFile / LoadWorkerConfigFile)
  // and applies the keys every daemon has (log-level, log-file, ssl-*, cert-allowed-cn)
  // unless given as flags; the caller takes its own keys from the result. Without --config:
  // an empty optional and `*ok` true. On error: prints "<program>: <error>", `*ok` false.
  template <class Config>
  std::optional<Config> LoadConfig(const CLI::App& app, std::string_view program,
                                   Result<Config> (*load)(const std::string&), bool* ok) {
    *ok = true;
    if (config.empty()) return std::nullopt;
    auto cfg = load(config);
    if (!cfg.ok()) {
      std::cerr << program << ": " << cfg.status().ToString() << std::endl;
      *ok = false;
      return std::nullopt;
    }
    const config::TlsConfig& tls = cfg->tls;
    if (!tls.ssl_ca_base64.empty() || !tls.ssl_cert_base64.empty() || !tls.ssl_key_base64.empty()) {
      // The embedded etcd reads certificates from files only: refused, never ignored.
      std::cerr << program << ": " << config
                << ": ssl-ca-base64/ssl-cert-base64/ssl-key-base64 are not supported for TLS "
                   "between dm-master, dm-worker and dmctl; write the PEM to files and set "
                   "ssl-ca, ssl-cert and ssl-key to their paths"
                << std::endl;
      *ok = false;
      return std::nullopt;
    }
    TakeFromConfig(app, "--log-level", log_level, cfg->log_level);
    TakeFromConfig(app, "--log-file", log_file, cfg->log_file);
    TakeFromConfig(app, "--ssl-ca", ssl_ca, tls.ssl_ca);
    TakeFromConfig(app, "--ssl-cert", ssl_cert, tls.ssl_cert);
    TakeFromConfig(app, "--ssl-key", ssl_key, tls.ssl_key);
    if (!GivenOnCommandLine(app, "--cert-allowed-cn") && !tls.cert_allowed_cn.empty()) {
      cert_allowed_cn = tls.cert_allowed_cn;
    }
    return std::move(cfg).value();
  }

  // The TLS settings from flags and --config, checked before anything starts (a half-set
  // or unreadable setting names the key and the file). On error: prints it, returns
  // nullopt.
  std::optional<api::TlsOptions> Tls(std::string_view program) const {
    api::TlsOptions t{ssl_ca, ssl_cert, ssl_key, cert_allowed_cn};
    if (Status s = api::CheckTls(t, /*need_cert=*/true); !s.ok()) {
      std::cerr << program << ": " << (config.empty() ? "" : config + ": ") << s.ToString()
                << std::endl;
      return std::nullopt;
    }
    return t;
  }
};

}  // namespace dm::cmd
