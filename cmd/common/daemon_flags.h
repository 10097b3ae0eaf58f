#pragma once
// Flags every long-running binary (dm-master, dm-worker) shares with DM, and the rule that
// a value from --config applies unless the same flag was given on the command line.
// Header-only: cmd/ is wiring.

#include <iostream>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace dm::cmd {

struct DaemonFlags {
  std::string config, log_file, log_level = "info";
  bool version = false, sample = false;

  void Add(CLI::App& app) {
    app.add_option("--config", config, "TOML config file (flags override it)");
    app.add_option("-L,--log-level", log_level, "debug, info, warn, error")->capture_default_str();
    app.add_option("--log-file", log_file, "log file (default stderr)");
    app.add_flag("-V,--version", version, "print the version and exit");
    app.add_flag("--print-sample-config", sample, "print a sample config and exit");
  }

  // Handles -V and --print-sample-config; returns true if the process should exit.
  bool HandleEarlyExit(std::string_view program, std::string_view sample_config) const {
    if (version) std::cout << program << " (dm-cpp) 0.1" << std::endl;
    if (sample) std::cout << sample_config;
    return version || sample;
  }
};

// Sets `field` to `value` from the config file unless `flag` was on the command line.
inline void TakeFromConfig(const CLI::App& app, const char* flag, std::string& field,
                           const std::string& value) {
  if (app.get_option(flag)->count() == 0 && !value.empty()) field = value;
}

inline bool GivenOnCommandLine(const CLI::App& app, const char* flag) {
  return app.get_option(flag)->count() > 0;
}

}  // namespace dm::cmd
