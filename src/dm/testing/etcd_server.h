#pragma once
// EtcdServer: a throwaway single-member etcd (v3 API) for integration tests.
//
// Start() runs etcd with a data dir under TestTempDir() on free 127.0.0.1 client and
// peer ports and returns once GET /health reports healthy. The object owns the process:
// the destructor stops it (SIGTERM, 10 s, SIGKILL, by pid) and removes dir() unless
// DM_KEEP_TMP=1. Layout of dir(): data/ and etcd.log (read it when something fails).
//
// Thread-safety: one thread at a time; create it on a thread that outlives it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/testing/child_process.h"

namespace dm::testing {

struct EtcdOptions {
  std::string name = "etcd";            // member name, directory prefix, label
  std::vector<std::string> extra_args;  // appended to the etcd command line
  std::chrono::seconds start_timeout{30};
};

// Empty if etcd and etcdctl are installed, else why not and what to do.
std::string EtcdUnavailableReason();

class EtcdServer {
 public:
  static Result<std::unique_ptr<EtcdServer>> Start(EtcdOptions options = {});

  ~EtcdServer();
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // "http://127.0.0.1:<client_port>"
  const std::string& endpoint() const { return endpoint_; }
  uint16_t client_port() const { return client_port_; }
  uint16_t peer_port() const { return peer_port_; }
  pid_t pid() const;  // of the current (or last) etcd process; see running()
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  std::string log_path() const { return dir_ + "/etcd.log"; }

  // Runs `ETCDCTL_API=3 etcdctl --endpoints=<endpoint> args...`; an error if it cannot
  // run or exits non-zero (the message holds its output). Returns its output.
  Result<std::string> Etcdctl(const std::vector<std::string>& args) const;

  // True if GET /health answers {"health":"true"} within `timeout`.
  bool Healthy(std::chrono::milliseconds timeout = std::chrono::seconds(2)) const;

  Status Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));  // idempotent
  void Kill();                                                              // SIGKILL, reap
  // Starts again on the same data dir and ports; waits until healthy.
  Status Restart();
  bool running();

 private:
  EtcdServer() = default;
  Status Launch();
  Status WaitReady();

  EtcdOptions options_;
  std::string dir_;
  std::string endpoint_;
  uint16_t client_port_ = 0;
  uint16_t peer_port_ = 0;
  bool started_once_ = false;
  std::unique_ptr<ChildProcess> process_;
};

// Minimal HTTP/1.0 GET to 127.0.0.1:port; returns the body (error if unreachable).
Result<std::string> HttpGet(uint16_t port, const std::string& path,
                            std::chrono::milliseconds timeout);

}  // namespace dm::testing
