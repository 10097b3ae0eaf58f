#pragma once
// WorkerServer: one dm-worker. It registers with a master, keeps a leased keepalive key in
// etcd (its liveness for the scheduler), and reconciles its subtasks towards the desired
// state of the source bound to it. When its etcd session is lost it stops every subtask
// (it may be partitioned while another worker takes the source over) and keeps trying to
// come back. Serves its status over HTTP on --worker-addr.
//
// Threads (owned, joined by Stop()): the HTTP server's, the reconcile loop.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dm/api/http.h"
#include "dm/base/status.h"
#include "dm/worker/reconciler.h"

namespace dm::coord {
class EtcdClient;
class Session;
class Watcher;
}  // namespace dm::coord

namespace dm::worker {

struct WorkerOptions {
  std::string name = "dm-worker";
  std::string worker_addr = ":8262";
  std::string advertise_addr;          // default: worker_addr (0.0.0.0 -> 127.0.0.1)
  std::vector<std::string> join;       // master addresses
  int keepalive_ttl_s = 60;
  std::string relay_dir = "relay_log";
  int reconcile_interval_ms = 500;
  int register_timeout_s = 60;
  // DM's ssl-ca/ssl-cert/ssl-key/cert-allowed-cn: enabled = the status API is HTTPS with
  // client certificates; registration with the masters and etcd use TLS with this
  // certificate.
  api::TlsOptions tls;
};

// The units this build provides, wired from the source and task configs.
// `client` (may be null): the etcd client the units read the task's start-task arguments
// (--start-time, /dm-master/task-cli-args/) through.
Result<std::unique_ptr<unit::SubTask>> BuildSubTask(const std::string& source_config,
                                                    const std::string& task,
                                                    const std::string& task_config,
                                                    coord::EtcdClient* client = nullptr);

class WorkerServer {
 public:
  explicit WorkerServer(WorkerOptions options);
  ~WorkerServer();
  Status Start();
  void Stop();
  const std::string& advertise_addr() const { return advertise_; }

 private:
  Status Register();
  Status ConnectEtcd();
  Status StartSession();
  void Loop(std::stop_token stop);
  void EnsureWatch();  // loop thread: (re)creates the etcd watch that wakes the loop
  Status ReconcileOnce();
  AutoResume AutoResumeOf(const std::string& source_yaml);  // cached by config text
  // Operator commands on a subtask's sync unit (dmctl binlog / binlog-schema, forwarded
  // by the master): {"result","msg"}.
  std::string HandleSyncOperation(const std::string& task, const std::string& kind,
                                  const std::string& body);

  const WorkerOptions options_;
  std::string advertise_;
  std::unique_ptr<api::HttpServer> http_;
  std::unique_ptr<coord::EtcdClient> client_;
  std::unique_ptr<coord::Session> session_;  // touched by the loop thread only after Start
  std::unique_ptr<coord::Watcher> watch_;    // loop thread only (and Stop after the join)
  std::atomic<bool> watch_ended_{false};     // set by the watch thread
  std::atomic<bool> wake_{false};            // an etcd change since the loop last read
  Reconciler reconciler_;
  std::string auto_resume_yaml_;  // loop thread only
  AutoResume auto_resume_;
  std::jthread loop_;
};

}  // namespace dm::worker
