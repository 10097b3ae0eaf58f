#pragma once
// MasterServer: one dm-master. It runs (or connects to) etcd, campaigns for leadership,
// and serves the HTTP API. The leader alone schedules: it binds sources to workers,
// rebinds when a worker's keepalive lease expires, and writes the desired stages of
// subtasks; every such write is fenced by its leader key. Followers forward API calls to
// the leader. All state lives in etcd (docs/control-plane.md), so any master can take over.
//
// Threads (all owned, joined by Stop()): the HTTP server's pool, the campaign/leader loop.
// Thread-safety: Start/Stop from one thread; handlers are thread-safe.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dm/api/http.h"
#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::coord {
class EtcdClient;
class Session;
class Election;
}  // namespace dm::coord

namespace dm::master {

class EtcdMember;

struct MasterOptions {
  std::string name = "dm-master";
  std::string master_addr = ":8261";        // HTTP API
  std::string advertise_addr;               // default: master_addr (0.0.0.0 -> 127.0.0.1)
  std::string data_dir;                     // default: default.<name>
  std::string peer_urls = "http://127.0.0.1:8291";
  std::string advertise_peer_urls;
  std::string initial_cluster;
  std::vector<std::string> join;
  std::string etcd_client_addr;             // default: master host, master port + 1000
  std::vector<std::string> etcd_endpoints;  // external etcd instead of an embedded member
  std::string etcd_binary = "etcd";
  int election_ttl_s = 5;                   // leader key lease: failover within ~TTL
  int schedule_interval_ms = 500;
  std::string secret_key_path;              // AES key for dmctl encrypt / passwords
  // DM's ssl-ca/ssl-cert/ssl-key/cert-allowed-cn: enabled = the API is HTTPS with client
  // certificates, calls to workers and other masters use https, the embedded etcd uses
  // https client and peer URLs with client certificates (docs/control-plane.md, TLS).
  api::TlsOptions tls;
};

class MasterServer {
 public:
  explicit MasterServer(MasterOptions options);
  ~MasterServer();

  // Starts etcd (or connects), the API and the leader campaign. Returns once the API
  // serves; leadership may come later.
  Status Start();
  void Stop();

  bool IsLeader() const;
  const std::string& advertise_addr() const { return advertise_; }

 private:
  void LeaderLoop(std::stop_token stop);
  Status ScheduleOnce();
  api::HttpResponse Forward(const std::string& method, const api::HttpRequest& req);
  void RegisterRoutes();
  std::vector<std::string> EtcdClientEndpoints();

  // Handlers (leader side).
  api::HttpResponse HandleRegisterWorker(const api::HttpRequest& r);
  api::HttpResponse HandleCreateSource(const api::HttpRequest& r, bool update);
  api::HttpResponse HandleStopSource(const api::HttpRequest& r);
  api::HttpResponse HandleShowSources(const api::HttpRequest& r);
  api::HttpResponse HandleTransferSource(const api::HttpRequest& r);
  api::HttpResponse HandleCheckTask(const api::HttpRequest& r);
  api::HttpResponse HandleStartTask(const api::HttpRequest& r);
  api::HttpResponse HandleOperateTask(const api::HttpRequest& r, const std::string& op);
  api::HttpResponse HandleQueryStatus(const api::HttpRequest& r);
  api::HttpResponse HandleMembers(const api::HttpRequest& r);
  api::HttpResponse HandleOfflineMember(const api::HttpRequest& r);
  api::HttpResponse HandleConfig(const api::HttpRequest& r);

  // The operations behind both the dmctl handlers (/dmctl/v1, DM's dmctl JSON) and DM's
  // OpenAPI handlers (/api/v1, RegisterOpenApiRoutes in server.cc); leader side.
 public:
  struct SubtaskRef {
    std::string source, worker;
  };
  struct TaskResult {
    std::vector<SubtaskRef> sources;
    std::string msg;             // what is still pending on the workers, or ""
    std::string check_result;    // the precheck report (DM's JSON text)
    std::string precheck_error;  // set when the precheck failed (nothing was written)
  };
  struct StartArgs {
    std::string start_time;  // validated
    bool remove_meta = false;
    std::vector<std::string> only;  // source_name_list; empty = every source
  };

 private:
  // Creates (update=false) or replaces (update=true) a source; returns its bound worker.
  // Replacing a source that tasks use is refused unless `allow_with_tasks` (enable/disable,
  // which only flips `enable`); other calls first check that the database can be reached.
  Result<SubtaskRef> PutSource(const std::string& yaml, bool update, bool allow_with_tasks);
  // Removes a source (with `force`, the subtasks on it too); returns the worker it had.
  Result<std::string> DeleteSource(const std::string& id, bool force);
  Status TransferSource(const std::string& id, const std::string& worker);
  Status OfflineMember(const std::string& kind, const std::string& name);
  // Records a new task (stage Running, or Stopped for DM's OpenAPI create) after the
  // precheck; with `run`, waits for the workers to list it.
  Result<TaskResult> CreateTask(const std::string& yaml, const StartArgs& args, bool run);
  // op: Stop (removes the subtasks), Stopped (keeps them, stage Stopped), Pause, Resume,
  // Start (Resume with `args`: start-time, remove-meta). kNotFound if the task has no
  // subtask on the given sources.
  Result<TaskResult> OperateTask(const std::string& name, const std::string& op,
                                 const StartArgs& args);
  void RegisterOpenApiRoutes(
      const std::function<void(const std::string&, const std::string&,
                               std::function<api::HttpResponse(const api::HttpRequest&)>)>& route);

  const MasterOptions options_;
  std::string advertise_;
  std::unique_ptr<EtcdMember> member_;
  std::unique_ptr<coord::EtcdClient> client_;
  std::unique_ptr<coord::Session> session_;
  std::unique_ptr<coord::Election> election_;
  std::unique_ptr<api::HttpServer> http_;
  std::jthread leader_thread_;
  std::mutex schedule_mu_;  // one scheduling pass at a time (loop and API handlers)
};

}  // namespace dm::master
