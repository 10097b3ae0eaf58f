#include "dm/master/server.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "dm/api/http.h"
#include "dm/base/log.h"
#include "dm/checker/checker.h"
#include "dm/coord/election.h"
#include "dm/coord/etcd_client.h"
#include "dm/config/encrypt.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"
#include "dm/coord/session.h"
#include "dm/ha/keys.h"
#include "dm/ha/values.h"
#include "dm/master/etcd_member.h"
#include "dm/master/openapi.h"
#include "dm/master/placement.h"
#include "dm/mysql/connection.h"
#include "dm/spec/spec.h"
#include "dm/spec/start_time.h"

namespace dm::master {

namespace {

using api::HttpRequest;
using api::HttpResponse;
using nlohmann::json;

constexpr std::string_view kMemberPrefix = "/dm-master/members/";

HttpResponse Json(const json& j, int status = 200) { return HttpResponse{status, j.dump()}; }

// DM dmctl shape for a failure.
HttpResponse Fail(const Status& s) {
  return Json({{"result", false}, {"msg", s.ToString()}});
}

Result<json> ParseBody(const HttpRequest& r) {
  json j = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("request body is not a JSON object");
  return j;
}

std::string Loopback(const std::string& addr) {
  auto hp = api::SplitHostPort(addr);
  if (!hp.ok()) return addr;
  std::string host = hp->first == "0.0.0.0" ? "127.0.0.1" : hp->first;
  return host + ":" + std::to_string(hp->second);
}

std::string QueryString(const HttpRequest& r) {
  std::string q;
  for (const auto& [k, v] : r.params) {
    q += (q.empty() ? "?" : "&") + k + "=";
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        q.push_back(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        q.push_back('%');
        q.push_back(kHex[c >> 4]);
        q.push_back(kHex[c & 15]);
      }
    }
  }
  return q;
}

// Everything the leader reads to schedule and answer, in one snapshot.
struct Snapshot {
  std::map<std::string, ha::WorkerInfo> workers;        // registered
  std::set<std::string> alive;                          // keepalive present
  std::map<std::string, std::string> bound;             // worker -> source
  std::map<std::string, std::string> last_bound;        // worker -> source
  std::map<std::string, std::string> sources;           // source id -> yaml
  std::map<std::pair<std::string, std::string>, std::string> subtask_config;  // (src, task)
  std::map<std::pair<std::string, std::string>, ha::SubTaskStage> stages;
  // DM's worker stage (list-member, OpenAPI cluster/workers) and bound source.
  std::string StageOf(const std::string& worker) const {
    return !alive.count(worker) ? "offline" : bound.count(worker) ? "bound" : "free";
  }
  std::string SourceOf(const std::string& worker) const {
    auto it = bound.find(worker);
    return it == bound.end() ? "" : it->second;
  }
  std::string WorkerOf(const std::string& source) const {
    for (const auto& [w, s] : bound) {
      if (s == source) return w;
    }
    return "";
  }
};

Result<Snapshot> ReadSnapshot(coord::EtcdClient& c) {
  Snapshot s;
  DM_ASSIGN_OR_RETURN(auto reg, c.GetPrefix(ha::kWorkerRegisterPrefix));
  for (const auto& kv : reg.kvs) {
    auto w = ha::DecodeWorkerInfo(kv.value);
    if (w.ok()) s.workers[w->name] = *w;
  }
  DM_ASSIGN_OR_RETURN(auto alive, c.GetPrefix(ha::kWorkerKeepAlivePrefix));
  for (const auto& kv : alive.kvs) {
    auto parts = ha::DecodeKey(ha::kWorkerKeepAlivePrefix, kv.key);
    if (parts && !parts->empty()) s.alive.insert((*parts)[0]);
  }
  for (auto [prefix, out] : {std::pair{ha::kBoundWorkerPrefix, &s.bound},
                             std::pair{ha::kLastBoundWorkerPrefix, &s.last_bound}}) {
    DM_ASSIGN_OR_RETURN(auto r, c.GetPrefix(prefix));
    for (const auto& kv : r.kvs) {
      auto b = ha::DecodeSourceBound(kv.value);
      if (b.ok()) (*out)[b->worker] = b->source;
    }
  }
  DM_ASSIGN_OR_RETURN(auto src, c.GetPrefix(ha::kSourceConfigPrefix));
  for (const auto& kv : src.kvs) {
    auto parts = ha::DecodeKey(ha::kSourceConfigPrefix, kv.key);
    if (parts && !parts->empty()) s.sources[(*parts)[0]] = kv.value;
  }
  DM_ASSIGN_OR_RETURN(auto cfg, c.GetPrefix(ha::kSubTaskConfigPrefix));
  for (const auto& kv : cfg.kvs) {
    auto parts = ha::DecodeKey(ha::kSubTaskConfigPrefix, kv.key);
    if (parts && parts->size() == 2) s.subtask_config[{(*parts)[0], (*parts)[1]}] = kv.value;
  }
  DM_ASSIGN_OR_RETURN(auto st, c.GetPrefix(ha::kSubTaskStagePrefix));
  for (const auto& kv : st.kvs) {
    auto parts = ha::DecodeKey(ha::kSubTaskStagePrefix, kv.key);
    auto v = ha::DecodeSubTaskStage(kv.value);
    if (parts && parts->size() == 2 && v.ok()) s.stages[{(*parts)[0], (*parts)[1]}] = *v;
  }
  return s;
}

// dmctl `binlog` / `binlog-schema` (kind "binlog" | "schema"): forwards the request to the
// worker bound to each source of the task (all, or `source_name_list`) and collects DM's
// per-source answers.
HttpResponse HandleTaskSyncOperation(coord::EtcdClient& client, const api::TlsOptions& tls,
                                     const HttpRequest& r, const std::string& kind) {
  const std::string task = r.matches.at(0);
  auto body = ParseBody(r);
  if (!body.ok()) return Fail(body.status());
  std::set<std::string> only;
  if (body->contains("source_name_list") && (*body)["source_name_list"].is_array()) {
    for (const auto& s : (*body)["source_name_list"]) {
      if (s.is_string()) only.insert(s.get<std::string>());
    }
  }
  body->erase("source_name_list");
  auto snap = ReadSnapshot(client);
  if (!snap.ok()) return Fail(snap.status());
  std::string path = "/api/v1/worker/tasks/";
  for (unsigned char c : task) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      path.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      path += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  path += "/" + kind;
  json sources = json::array();
  bool all_ok = true;
  for (const auto& [key, cfg] : snap->subtask_config) {
    if (key.second != task || (!only.empty() && !only.count(key.first))) continue;
    const std::string& source = key.first;
    std::string worker = snap->WorkerOf(source);
    json item = {{"result", false}, {"msg", ""}, {"source", source}, {"worker", worker}};
    auto wi = snap->workers.find(worker);
    if (worker.empty() || wi == snap->workers.end()) {
      item["msg"] = "source " + source + " is not bound to a worker; retry when it is bound";
    } else {
      auto res = api::HttpCall(wi->second.address, "POST", path, body->dump(), 60000, tls);
      json j = res.ok() ? json::parse(res->body, nullptr, false) : json();
      if (!res.ok()) {
        item["msg"] = res.status().ToString();
      } else if (!j.is_object()) {
        item["msg"] = "worker " + worker + " answered HTTP " + std::to_string(res->status) +
                      ": " + res->body.substr(0, 300);
      } else {
        item["result"] = j.value("result", false);
        item["msg"] = j.value("msg", "");
      }
    }
    all_ok = all_ok && item["result"].get<bool>();
    sources.push_back(std::move(item));
  }
  if (sources.empty()) {
    return Fail(Status::NotFound("task " + task + " not found" +
                                 (only.empty() ? "" : " on the given sources") +
                                 "; query-status lists tasks"));
  }
  return Json({{"result", all_ok}, {"msg", ""}, {"sources", sources}});
}

// A worker's GET /api/v1/worker/status: the JSON object, or why there is none.
Result<json> FetchWorkerStatus(const std::string& address, const api::TlsOptions& tls,
                               int timeout_ms) {
  auto res = api::HttpCall(address, "GET", "/api/v1/worker/status", "", timeout_ms, tls);
  if (!res.ok()) return res.status();
  if (res->status != 200) return Status::Unavailable("HTTP " + std::to_string(res->status));
  json j = json::parse(res->body, nullptr, false);
  if (!j.is_object()) return Status::Corruption("worker status is not a JSON object");
  return j;
}

// The subTaskStatus entry of `task` in a worker's status, or null.
json SubtaskStatus(const json& worker_status, const std::string& task) {
  for (const auto& st : worker_status.value("subTaskStatus", json::array())) {
    if (st.value("name", "") == task) return st;
  }
  return json();
}

// DM's start-task, stop-task and pause-task answer once the workers have acted (DM's waitOperationOk):
// an operator who drops or edits downstream tables right after `stop-task` must not race a
// sync unit that is still applying events. Polls each bound worker until the subtask of
// `task` is gone (Stop), Paused (Pause) or listed (Start); returns "" or, past `timeout`,
// what is pending.
std::string WaitForWorkers(const Snapshot& snap, const api::TlsOptions& tls, const std::string& task,
                           const std::vector<std::string>& sources, const std::string& op,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<std::string> pending(sources.begin(), sources.end());
  std::string last;
  while (true) {
    for (auto it = pending.begin(); it != pending.end();) {
      const std::string worker = snap.WorkerOf(*it);
      auto wi = snap.workers.find(worker);
      if (worker.empty() || wi == snap.workers.end() || !snap.alive.count(worker)) {
        it = pending.erase(it);  // nothing runs it; the next worker reads the desired stage
        continue;
      }
      auto status = FetchWorkerStatus(wi->second.address, tls, 3000);
      bool done = false;
      if (status.ok()) {
        const json st = SubtaskStatus(*status, task);
        const std::string stage = st.is_object() ? st.value("stage", "") : "";
        if (op == "Stop") {
          done = stage.empty();
        } else if (op == "Start") {
          done = !stage.empty();
        } else {
          done = stage == "Paused" || stage == "Finished" || stage.empty();
        }
        last = "worker " + worker + (stage.empty() ? " does not list subtask " + task + " of source " + *it + " yet"
                                                   : " reports subtask " + task + " of source " + *it + " as " + stage);
      } else {
        last = "worker " + worker + " did not answer: " + status.status().ToString();
      }
      it = done ? pending.erase(it) : std::next(it);
    }
    if (pending.empty()) return "";
    if (std::chrono::steady_clock::now() >= deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// The status of subtasks as their workers report it, asking each bound worker once.
class WorkerStatusCache {
 public:
  WorkerStatusCache(const Snapshot& snap, const api::TlsOptions& tls) : snap_(snap), tls_(tls) {}
  // {the worker's subTaskStatus entry, ""} or {null, why there is none}.
  std::pair<json, std::string> Of(const std::string& source, const std::string& task) {
    std::string w = snap_.WorkerOf(source);
    if (w.empty()) return {json(), "source " + source + " is not bound to a worker"};
    if (!cache_.count(w)) {
      auto wi = snap_.workers.find(w);
      json st;
      if (wi != snap_.workers.end()) {
        auto status = FetchWorkerStatus(wi->second.address, tls_, 5000);
        if (status.ok()) st = std::move(status).value();
      }
      cache_[w] = st;
    }
    const json& ws = cache_[w];
    if (!ws.is_object()) return {json(), "worker " + w + " did not answer"};
    json st = SubtaskStatus(ws, task);
    if (st.is_null()) return {json(), "subtask not started on worker " + w + " yet"};
    return {st, ""};
  }

 private:
  const Snapshot& snap_;
  const api::TlsOptions& tls_;
  std::map<std::string, json> cache_;
};

}  // namespace

MasterServer::MasterServer(MasterOptions options) : options_(std::move(options)) {}

MasterServer::~MasterServer() { Stop(); }

std::vector<std::string> MasterServer::EtcdClientEndpoints() {
  if (!options_.etcd_endpoints.empty()) return options_.etcd_endpoints;
  std::vector<std::string> out;
  if (member_) {
    auto list = api::HttpCall(member_->client_url(), "POST", "/v3/cluster/member/list", "{}", 3000,
                              options_.tls);
    if (list.ok() && list->status == 200) {
      json j = json::parse(list->body, nullptr, false);
      if (j.is_object() && j["members"].is_array()) {
        for (const auto& m : j["members"]) {
          if (m.contains("clientURLs")) {
            for (const auto& u : m["clientURLs"]) out.push_back(u.get<std::string>());
          }
        }
      }
    }
    if (out.empty()) out.push_back(member_->client_url());
  }
  return out;
}

Status MasterServer::Start() {
  advertise_ = Loopback(options_.advertise_addr.empty() ? options_.master_addr
                                                        : options_.advertise_addr);
  std::vector<std::string> endpoints = options_.etcd_endpoints;
  if (endpoints.empty()) {
    EtcdMemberOptions eo;
    eo.name = options_.name;
    eo.data_dir = options_.data_dir.empty() ? "default." + options_.name : options_.data_dir;
    eo.peer_urls = options_.peer_urls;
    eo.advertise_peer_urls = options_.advertise_peer_urls;
    eo.initial_cluster = options_.initial_cluster;
    eo.join = options_.join;
    eo.etcd_binary = options_.etcd_binary;
    eo.tls = options_.tls;
    if (options_.etcd_client_addr.empty()) {
      DM_ASSIGN_OR_RETURN(auto hp, api::SplitHostPort(options_.master_addr));
      eo.client_addr = hp.first + ":" + std::to_string(hp.second + 1000);
    } else {
      eo.client_addr = options_.etcd_client_addr;
    }
    // A new multi-member cluster serves only once a majority runs: do not wait here.
    DM_ASSIGN_OR_RETURN(member_, EtcdMember::Start(eo, /*timeout_s=*/0));
    endpoints = {member_->client_url()};
  }
  // Connect, waiting for the cluster to form (other masters may still be starting).
  Status last;
  for (int i = 0; i < 120; ++i) {
    coord::ClientOptions co;
    co.dial_timeout = std::chrono::milliseconds(1000);
    if (options_.tls.enabled()) {
      co.tls = coord::TlsOptions{options_.tls.ca_file, options_.tls.cert_file, options_.tls.key_file};
    }
    auto c = coord::EtcdClient::Connect(endpoints, co);
    if (c.ok()) {
      auto probe = (*c)->Get("/dm-cluster/id");
      if (probe.ok()) {
        client_ = std::move(c).value();
        break;
      }
      last = probe.status();
    } else {
      last = c.status();
    }
    if (member_ && !member_->Running()) {
      return member_->WaitServing(1);  // reports the exit and the log tail
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!client_) return std::move(last).WithContext("connecting to etcd");
  coord::SessionOptions so;
  so.ttl_seconds = options_.election_ttl_s;
  so.on_lost = [name = options_.name](const Status& s) {
    LogError("dm-master {}: etcd session lost: {}", name, s.ToString());
  };
  DM_ASSIGN_OR_RETURN(session_, coord::Session::Create(client_.get(), so));
  json me = {{"name", options_.name}, {"address", advertise_},
             {"peer_urls", member_ ? member_->advertise_peer_urls()
                           : options_.advertise_peer_urls.empty() ? options_.peer_urls
                                                                  : options_.advertise_peer_urls}};
  DM_RETURN_IF_ERROR(client_->Put(ha::EncodeKey(kMemberPrefix, {options_.name}), me.dump(),
                                  session_->lease_id())
                         .status());
  election_ = std::make_unique<coord::Election>(client_.get(), session_.get(), "/dm-master/leader");

  http_ = std::make_unique<api::HttpServer>(options_.tls);
  RegisterRoutes();
  DM_ASSIGN_OR_RETURN(auto hp, api::SplitHostPort(options_.master_addr));
  DM_RETURN_IF_ERROR(http_->Listen(hp.first, hp.second));
  leader_thread_ = std::jthread([this](std::stop_token st) { LeaderLoop(st); });
  LogInfo("dm-master {} serving on {} (etcd {})", options_.name, advertise_,
          client_->current_endpoint());
  return Status::OK();
}

void MasterServer::Stop() {
  if (leader_thread_.joinable()) {
    leader_thread_.request_stop();
    leader_thread_.join();
  }
  if (http_) http_->Stop();
  // Closing the session revokes its lease, which deletes the leader key: no Resign call
  // (one round trip less when etcd has lost its quorum during shutdown).
  election_.reset();
  if (session_) (void)session_->Close();
  session_.reset();
  client_.reset();
  if (member_) (void)member_->Stop();
  member_.reset();
}

bool MasterServer::IsLeader() const { return election_ && election_->IsLeader(); }

void MasterServer::LeaderLoop(std::stop_token stop) {
  json value = {{"name", options_.name}, {"address", advertise_}};
  while (!stop.stop_requested()) {
    Status s = election_->Campaign(value.dump(), stop);
    if (!s.ok()) {
      if (stop.stop_requested()) return;
      LogWarn("dm-master {}: campaign failed: {}; retrying", options_.name, s.ToString());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (!session_->Alive()) {
        LogError("dm-master {}: etcd session is gone; this master can no longer lead "
                 "until it is restarted",
                 options_.name);
        return;
      }
      continue;
    }
    LogInfo("dm-master {} is the leader", options_.name);
    while (!stop.stop_requested() && election_->IsLeader()) {
      if (Status ss = ScheduleOnce(); !ss.ok()) {
        LogWarn("scheduling pass failed: {}", ss.ToString());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.schedule_interval_ms));
    }
    LogWarn("dm-master {} lost leadership", options_.name);
  }
}

Status MasterServer::ScheduleOnce() {
  std::lock_guard l(schedule_mu_);
  auto fence = election_->fence();
  if (!fence) return Status::FailedPrecondition("not the leader");
  DM_ASSIGN_OR_RETURN(Snapshot s, ReadSnapshot(*client_));
  ClusterView v;
  for (const auto& [name, w] : s.workers) {
    WorkerView wv;
    wv.address = w.address;
    wv.alive = s.alive.count(name) > 0;
    if (auto it = s.bound.find(name); it != s.bound.end()) wv.bound = it->second;
    v.workers[name] = wv;
  }
  // A bound key for a worker that is no longer registered still counts (offline).
  for (const auto& [worker, source] : s.bound) {
    if (!v.workers.count(worker)) v.workers[worker] = WorkerView{"", false, source};
  }
  for (const auto& [id, yaml] : s.sources) v.sources.insert(id);
  v.last_bound = s.last_bound;
  PlacementPlan plan = PlanPlacement(v);
  for (const auto& b : plan.unbind) {
    LogWarn("unbinding source {} from worker {} ({})", b.source, b.worker,
            v.workers[b.worker].alive ? "source removed" : "worker offline");
    auto r = coord::FencedTxn(client_.get(), *fence, {},
                              {coord::TxnOp::Delete(ha::BoundWorkerKey(b.worker))});
    if (!r.ok()) return r.status();
  }
  for (const auto& b : plan.bind) {
    LogInfo("binding source {} to worker {}", b.source, b.worker);
    std::string val = ha::Encode(ha::SourceBound{b.source, b.worker});
    auto r = coord::FencedTxn(client_.get(), *fence,
                              {coord::Compare::Missing(ha::BoundWorkerKey(b.worker))},
                              {coord::TxnOp::Put(ha::BoundWorkerKey(b.worker), val),
                               coord::TxnOp::Put(ha::LastBoundWorkerKey(b.worker), val)});
    if (!r.ok()) return r.status();
  }
  return Status::OK();
}

HttpResponse MasterServer::Forward(const std::string& method, const HttpRequest& req) {
  auto leader = election_->Leader();
  if (!leader.ok() || !leader->has_value()) {
    return api::ErrorResponse(Status::Unavailable(
        "no dm-master leader is elected yet; retry in a few seconds"));
  }
  json v = json::parse((*leader)->value, nullptr, false);
  std::string addr = v.is_object() ? v.value("address", "") : "";
  if (addr.empty() || addr == advertise_) {
    return api::ErrorResponse(Status::Unavailable("leadership is changing; retry"));
  }
  auto r = api::HttpCall(addr, method, req.path + QueryString(req), req.body, 120000, options_.tls);
  if (!r.ok()) return api::ErrorResponse(std::move(r).status().WithContext("forwarding to the leader"));
  return HttpResponse{r->status, r->body};
}

void MasterServer::RegisterRoutes() {
  // Served by any master.
  http_->Route("GET", "/status", [this](const HttpRequest&) {
    return Json({{"name", options_.name}, {"leader", IsLeader()}, {"version", "dm-cpp 0.1"}});
  });
  http_->Route("GET", "/internal/v1/cluster/etcd", [this](const HttpRequest&) {
    return Json({{"endpoints", EtcdClientEndpoints()}});
  });
  http_->Route("GET", "/metrics", [this](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = "# HELP dm_master_leader 1 if this master is the leader\n"
             "# TYPE dm_master_leader gauge\ndm_master_leader " +
             std::string(IsLeader() ? "1" : "0") + "\n";
    return r;
  });
  http_->Route("POST", "/dmctl/v1/encrypt", [this](const HttpRequest& r) {
    auto body = ParseBody(r);
    if (!body.ok()) return Fail(body.status());
    auto key = config::SecretKeyFor(options_.secret_key_path);
    if (!key.ok()) return Fail(key.status());
    auto c = config::EncryptPassword(body->value("plaintext", ""), *key);
    if (!c.ok()) return Fail(c.status());
    return Json({{"result", true}, {"msg", ""}, {"ciphertext", *c}});
  });
  // Leader-only routes; followers forward them.
  auto route = [this](const std::string& method, const std::string& pattern,
                      std::function<HttpResponse(const HttpRequest&)> h) {
    http_->Route(method, pattern, [this, method, h](const HttpRequest& r) {
      if (!IsLeader()) return Forward(method, r);
      return h(r);
    });
  };
  route("POST", "/internal/v1/cluster/workers", [this](const HttpRequest& r) { return HandleRegisterWorker(r); });
  route("POST", "/dmctl/v1/sources", [this](const HttpRequest& r) { return HandleCreateSource(r, false); });
  route("PUT", "/dmctl/v1/sources", [this](const HttpRequest& r) { return HandleCreateSource(r, true); });
  route("GET", "/dmctl/v1/sources", [this](const HttpRequest& r) { return HandleShowSources(r); });
  route("DELETE", R"(/dmctl/v1/sources/([^/]+))", [this](const HttpRequest& r) { return HandleStopSource(r); });
  route("POST", R"(/dmctl/v1/sources/([^/]+)/transfer)", [this](const HttpRequest& r) { return HandleTransferSource(r); });
  route("POST", "/dmctl/v1/tasks/check", [this](const HttpRequest& r) { return HandleCheckTask(r); });
  route("POST", "/dmctl/v1/tasks", [this](const HttpRequest& r) { return HandleStartTask(r); });
  route("POST", R"(/dmctl/v1/tasks/([^/]+)/pause)", [this](const HttpRequest& r) { return HandleOperateTask(r, "Pause"); });
  route("POST", R"(/dmctl/v1/tasks/([^/]+)/resume)", [this](const HttpRequest& r) { return HandleOperateTask(r, "Resume"); });
  route("DELETE", R"(/dmctl/v1/tasks/([^/]+))", [this](const HttpRequest& r) { return HandleOperateTask(r, "Stop"); });
  route("GET", "/dmctl/v1/query-status", [this](const HttpRequest& r) { return HandleQueryStatus(r); });
  route("POST", R"(/dmctl/v1/tasks/([^/]+)/(binlog|schema))", [this](const HttpRequest& r) {
    return HandleTaskSyncOperation(*client_, options_.tls, r, r.matches.at(1));
  });
  route("GET", "/dmctl/v1/members", [this](const HttpRequest& r) { return HandleMembers(r); });
  route("DELETE", R"(/dmctl/v1/members/(master|worker)/([^/]+))", [this](const HttpRequest& r) { return HandleOfflineMember(r); });
  route("GET", R"(/dmctl/v1/config/(task|source|master|worker)/([^/]+))", [this](const HttpRequest& r) { return HandleConfig(r); });
  RegisterOpenApiRoutes(route);
}

HttpResponse MasterServer::HandleRegisterWorker(const HttpRequest& r) {
  auto body = ParseBody(r);
  if (!body.ok()) return api::ErrorResponse(body.status());
  ha::WorkerInfo w{body->value("name", ""), body->value("address", ""), 0};
  if (w.name.empty() || w.address.empty()) {
    return api::ErrorResponse(Status::InvalidArgument("worker registration needs name and address"));
  }
  std::string key = ha::WorkerRegisterKey(w.name);
  auto existing = client_->Get(key);
  if (!existing.ok()) return api::ErrorResponse(existing.status());
  if (existing->has_value()) {
    auto old = ha::DecodeWorkerInfo((*existing)->value);
    if (old.ok() && old->address != w.address) {
      // A different process uses this name: allowed only if the old one is offline.
      auto alive = client_->Get(ha::WorkerKeepAliveKey(w.name));
      if (alive.ok() && alive->has_value()) {
        return Fail(Status(Code::kAlreadyExists,
                           "worker name " + w.name + " is already used by the running worker at " +
                               old->address + "; give this worker another --name",
                           Scope::kConfig));
      }
    }
  }
  auto fence = election_->fence();
  if (!fence) return api::ErrorResponse(Status::Unavailable("leadership is changing; retry"));
  auto t = coord::FencedTxn(client_.get(), *fence, {}, {coord::TxnOp::Put(key, ha::Encode(w))});
  if (!t.ok()) return api::ErrorResponse(t.status());
  LogInfo("worker {} registered at {}", w.name, w.address);
  return Json({{"result", true}, {"msg", ""}});
}

Result<MasterServer::SubtaskRef> MasterServer::PutSource(const std::string& yaml, bool update,
                                                         bool allow_with_tasks) {
  auto src = spec::ParseSource(yaml);
  if (!src.ok()) return src.status().WithContext("source config");
  if (!allow_with_tasks) {
    // As DM: a source whose database cannot be reached (address, account, TLS) is refused
    // now, not when a task first needs it.
    mysql::ConnectOptions o = src->from;
    o.scope = Scope::kUpstream;
    o.connect_timeout_s = std::min(o.connect_timeout_s, 10);
    auto c = mysql::Connection::Connect(o);
    if (!c.ok()) {
      return c.status().WithContext("source " + src->id + ": cannot connect to its database (from:); fix the "
                                    "source config and retry, nothing was saved");
    }
  }
  const std::string key = ha::SourceConfigKey(src->id);
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  if (update && !allow_with_tasks) {
    DM_ASSIGN_OR_RETURN(auto snap, ReadSnapshot(*client_));
    for (const auto& [k, v] : snap.subtask_config) {
      if (k.first == src->id) {
        return Status::FailedPrecondition("source " + src->id + " is used by task " + k.second +
                                          "; stop the task before updating the source");
      }
    }
  }
  DM_ASSIGN_OR_RETURN(auto t, coord::FencedTxn(client_.get(), *fence,
                                               {update ? coord::Compare::Exists(key) : coord::Compare::Missing(key)},
                                               {coord::TxnOp::Put(key, yaml)}));
  if (!t.succeeded) {
    return update ? Status::NotFound("source " + src->id +
                                     " does not exist; create it with operate-source create")
                  : Status(Code::kAlreadyExists,
                           "source " + src->id + " already exists; use operate-source update or stop it first",
                           Scope::kConfig);
  }
  (void)ScheduleOnce();
  auto snap = ReadSnapshot(*client_);
  std::string worker = snap.ok() ? snap->WorkerOf(src->id) : "";
  LogInfo("source {} {} (bound to {})", src->id, update ? "updated" : "created",
          worker.empty() ? "no worker yet" : worker);
  return SubtaskRef{src->id, worker};
}

HttpResponse MasterServer::HandleCreateSource(const HttpRequest& r, bool update) {
  auto body = ParseBody(r);
  if (!body.ok()) return Fail(body.status());
  auto put = PutSource(body->value("yaml", ""), update, false);
  if (!put.ok()) return Fail(put.status());
  return Json({{"result", true},
               {"msg", ""},
               {"sources", {{{"result", true}, {"msg", put->worker.empty() ? "no free worker yet; the source waits for one" : ""},
                             {"source", put->source}, {"worker", put->worker}}}}});
}

Result<std::string> MasterServer::DeleteSource(const std::string& id, bool force) {
  DM_ASSIGN_OR_RETURN(auto snap, ReadSnapshot(*client_));
  if (!snap.sources.count(id)) {
    return Status::NotFound("source " + id + " not found; operate-source show lists sources");
  }
  std::vector<coord::TxnOp> ops = {coord::TxnOp::Delete(ha::SourceConfigKey(id))};
  for (const auto& [k, v] : snap.subtask_config) {
    if (k.first != id) continue;
    if (!force) {
      return Status::FailedPrecondition("source " + id + " is used by task " + k.second +
                                        "; stop-task " + k.second + " first");
    }
    ops.push_back(coord::TxnOp::Delete(ha::SubTaskConfigKey(id, k.second)));
    ops.push_back(coord::TxnOp::Delete(ha::SubTaskStageKey(id, k.second)));
    ops.push_back(coord::TxnOp::Delete(ha::TaskCliArgsKey(k.second, id)));
  }
  std::string worker = snap.WorkerOf(id);
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  if (!worker.empty()) ops.push_back(coord::TxnOp::Delete(ha::BoundWorkerKey(worker)));
  DM_RETURN_IF_ERROR(coord::FencedTxn(client_.get(), *fence, {}, ops).status());
  LogInfo("source {} stopped{}", id, ops.size() > 2 ? " with its subtasks (force)" : "");
  return worker;
}

HttpResponse MasterServer::HandleStopSource(const HttpRequest& r) {
  const std::string id = r.matches.at(0);
  auto worker = DeleteSource(id, false);
  if (!worker.ok()) return Fail(worker.status());
  return Json({{"result", true}, {"msg", ""},
               {"sources", {{{"result", true}, {"msg", ""}, {"source", id}, {"worker", *worker}}}}});
}

HttpResponse MasterServer::HandleShowSources(const HttpRequest& r) {
  auto snap = ReadSnapshot(*client_);
  if (!snap.ok()) return Fail(snap.status());
  bool print = r.params.count("print_config") && r.params.at("print_config") == "true";
  std::string only = r.params.count("source") ? r.params.at("source") : "";
  json list = json::array();
  for (const auto& [id, yaml] : snap->sources) {
    if (!only.empty() && id != only) continue;
    json s = {{"result", true}, {"msg", ""}, {"source", id}, {"worker", snap->WorkerOf(id)}};
    if (print) s["config"] = spec::RedactPasswords(yaml);
    list.push_back(s);
  }
  if (!only.empty() && list.empty()) return Fail(Status::NotFound("source " + only + " not found"));
  return Json({{"result", true}, {"msg", ""}, {"sources", list}});
}

Status MasterServer::TransferSource(const std::string& id, const std::string& target) {
  std::lock_guard l(schedule_mu_);
  DM_ASSIGN_OR_RETURN(auto snap, ReadSnapshot(*client_));
  if (!snap.sources.count(id)) return Status::NotFound("source " + id + " not found");
  if (!snap.workers.count(target)) return Status::NotFound("worker " + target + " not found");
  if (!snap.alive.count(target)) return Status::FailedPrecondition("worker " + target + " is offline");
  if (snap.bound.count(target)) {
    if (snap.bound.at(target) == id) return Status::OK();
    return Status::FailedPrecondition("worker " + target + " is bound to source " +
                                      snap.bound.at(target) + "; choose a free worker");
  }
  std::string from = snap.WorkerOf(id);
  for (const auto& [k, st] : snap.stages) {
    if (k.first == id && st.expect == ha::ExpectStage::kRunning) {
      return Status::FailedPrecondition("source " + id + " has running task " + k.second +
                                        "; pause-task it before transferring the source");
    }
  }
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  std::string val = ha::Encode(ha::SourceBound{id, target});
  std::vector<coord::TxnOp> ops;
  if (!from.empty()) ops.push_back(coord::TxnOp::Delete(ha::BoundWorkerKey(from)));
  ops.push_back(coord::TxnOp::Put(ha::BoundWorkerKey(target), val));
  ops.push_back(coord::TxnOp::Put(ha::LastBoundWorkerKey(target), val));
  DM_ASSIGN_OR_RETURN(auto t, coord::FencedTxn(client_.get(), *fence,
                                               {coord::Compare::Missing(ha::BoundWorkerKey(target))}, ops));
  if (!t.succeeded) return Status(Code::kAborted, "worker " + target + " was just bound elsewhere; retry");
  LogInfo("source {} transferred from {} to {}", id, from.empty() ? "(none)" : from, target);
  return Status::OK();
}

HttpResponse MasterServer::HandleTransferSource(const HttpRequest& r) {
  auto body = ParseBody(r);
  if (!body.ok()) return Fail(body.status());
  Status s = TransferSource(r.matches.at(0), body->value("worker_name", ""));
  if (!s.ok()) return Fail(s);
  return Json({{"result", true}, {"msg", ""}});
}

namespace {
// Runs the precheck of `task` for every source; fills `report` (DM's JSON) and returns
// whether every source passed.
// start-task / check-task --start-time: validated here (the worker's sync unit resolves it
// to a binlog position). With a start-time the task's `meta` is not used (DM), so the
// precheck does not check it either.
Status TakeStartTime(const json& body, spec::TaskSpec* task, std::string* start_time) {
  auto it = body.find("start_time");
  *start_time = it != body.end() && it->is_string() ? it->get<std::string>() : "";
  if (start_time->empty()) return Status::OK();
  auto st = spec::ParseStartTime(*start_time);
  if (!st.ok()) return st.status().WithContext("task " + task->name + ": --start-time");
  for (auto& inst : task->instances) {
    inst.meta_position.reset();
    inst.meta_gtid.reset();
  }
  return Status::OK();
}

// DM's --remove-meta: start over, forgetting every checkpoint of this task downstream.
Status RemoveMeta(const spec::TaskSpec& task) {
  DM_ASSIGN_OR_RETURN(auto conn, mysql::Connection::Connect(task.target));
  for (const auto& table : spec::TaskMetaTables(task.name)) {
    DM_RETURN_IF_ERROR(conn->Execute("DROP TABLE IF EXISTS " + mysql::QuoteTable(task.meta_schema, table)));
  }
  LogInfo("task {}: removed its checkpoints in {}", task.name, task.meta_schema);
  return Status::OK();
}

std::vector<std::string> SourceNameList(const json& body) {
  std::vector<std::string> out;
  auto it = body.find("source_name_list");
  if (it != body.end() && it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

bool Precheck(const spec::TaskSpec& task, const std::map<std::string, std::string>& sources,
              json* report, std::string* error) {
  bool passed = true;
  json all = json::array();
  for (const auto& inst : task.instances) {
    auto src = spec::ParseSource(sources.at(inst.source_id));
    if (!src.ok()) {
      *error = src.status().ToString();
      return false;
    }
    checker::CheckOptions o = checker::MakeCheckOptions(*src, task, inst);
    checker::CheckReport rep = checker::RunChecks(o);
    json j;
    rep.ToJson(&j);
    j["source"] = inst.source_id;
    all.push_back(j);
    if (!rep.passed()) {
      passed = false;
      *error += "source " + inst.source_id + ":\n" + rep.Summary();
    }
  }
  *report = all;
  return passed;
}
}  // namespace

HttpResponse MasterServer::HandleCheckTask(const HttpRequest& r) {
  auto body = ParseBody(r);
  if (!body.ok()) return Fail(body.status());
  auto task = spec::ParseTask(body->value("yaml", ""));
  if (!task.ok()) return Fail(task.status().WithContext("task config"));
  std::string start_time;
  if (Status s = TakeStartTime(*body, &*task, &start_time); !s.ok()) return Fail(s);
  auto snap = ReadSnapshot(*client_);
  if (!snap.ok()) return Fail(snap.status());
  for (const auto& inst : task->instances) {
    if (!snap->sources.count(inst.source_id)) {
      return Fail(Status::NotFound("source " + inst.source_id +
                                   " in mysql-instances does not exist; create it with operate-source create"));
    }
  }
  json report;
  std::string error;
  bool ok = Precheck(*task, snap->sources, &report, &error);
  if (!error.empty() && report.is_null()) return Fail(Status::InvalidArgument(error));
  return Json({{"result", ok}, {"msg", report.dump(4)}});
}

Result<MasterServer::TaskResult> MasterServer::CreateTask(const std::string& yaml, const StartArgs& args,
                                                          bool run) {
  auto task = spec::ParseTask(yaml);
  if (!task.ok()) return task.status().WithContext("task config");
  std::string start_time;
  DM_RETURN_IF_ERROR(TakeStartTime(json{{"start_time", args.start_time}}, &*task, &start_time));
  std::set<std::string> only(args.only.begin(), args.only.end());
  DM_ASSIGN_OR_RETURN(auto snap, ReadSnapshot(*client_));
  for (const auto& inst : task->instances) {
    if (!snap.sources.count(inst.source_id)) {
      return Status::NotFound("source " + inst.source_id +
                              " in mysql-instances does not exist; create it with operate-source create");
    }
    if (snap.subtask_config.count({inst.source_id, task->name})) {
      return Status(Code::kAlreadyExists,
                    "task " + task->name + " already runs on source " + inst.source_id +
                        "; stop-task it first, or use resume-task",
                    Scope::kConfig);
    }
  }
  TaskResult out;
  json report;
  bool passed = Precheck(*task, snap.sources, &report, &out.precheck_error);
  out.check_result = report.dump(4);
  if (!passed) {
    if (out.precheck_error.empty()) out.precheck_error = "precheck failed";
    return out;
  }
  out.precheck_error.clear();
  if (args.remove_meta) DM_RETURN_IF_ERROR(RemoveMeta(*task).WithContext("start-task --remove-meta"));
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  const ha::ExpectStage stage = run ? ha::ExpectStage::kRunning : ha::ExpectStage::kStopped;
  std::vector<coord::Compare> cmps;
  std::vector<coord::TxnOp> ops;
  for (const auto& inst : task->instances) {
    if (!only.empty() && !only.count(inst.source_id)) continue;
    cmps.push_back(coord::Compare::Missing(ha::SubTaskConfigKey(inst.source_id, task->name)));
    ops.push_back(coord::TxnOp::Put(ha::SubTaskConfigKey(inst.source_id, task->name), yaml));
    ops.push_back(coord::TxnOp::Put(ha::SubTaskStageKey(inst.source_id, task->name),
                                    ha::Encode(ha::SubTaskStage{stage, inst.source_id, task->name})));
    if (!start_time.empty()) {
      ops.push_back(coord::TxnOp::Put(ha::TaskCliArgsKey(task->name, inst.source_id),
                                      ha::Encode(ha::TaskCliArgs{start_time, "", ""})));
    }
    out.sources.push_back({inst.source_id, snap.WorkerOf(inst.source_id)});
  }
  if (start_time.empty()) {
    // DM: a start-task without --start-time forgets the arguments of an earlier one.
    ops.push_back(coord::TxnOp::DeletePrefix(ha::TaskCliArgsPrefix(task->name)));
  }
  DM_ASSIGN_OR_RETURN(auto t, coord::FencedTxn(client_.get(), *fence, cmps, ops));
  if (!t.succeeded) return Status(Code::kAlreadyExists, "task " + task->name + " was started concurrently");
  LogInfo("task {} {} on {} source(s){}", task->name, run ? "started" : "created (stage Stopped)",
          out.sources.size(), start_time.empty() ? std::string() : " with --start-time " + start_time);
  if (run) {
    std::vector<std::string> ids;
    for (const auto& s : out.sources) ids.push_back(s.source);
    out.msg = WaitForWorkers(snap, options_.tls, task->name, ids, "Start", std::chrono::seconds(10));
    if (!out.msg.empty()) {
      out.msg = "the task is recorded, but not every worker has started it within 10 s (" + out.msg +
                "); query-status shows when it has";
    }
  }
  return out;
}

static json SourcesJson(const std::vector<MasterServer::SubtaskRef>& refs) {
  json sources = json::array();
  for (const auto& s : refs) {
    sources.push_back({{"result", true}, {"msg", ""}, {"source", s.source}, {"worker", s.worker}});
  }
  return sources;
}

HttpResponse MasterServer::HandleStartTask(const HttpRequest& r) {
  auto body = ParseBody(r);
  if (!body.ok()) return Fail(body.status());
  StartArgs args;
  args.start_time = body->value("start_time", "");
  args.remove_meta = body->value("remove_meta", false);
  args.only = SourceNameList(*body);
  auto res = CreateTask(body->value("yaml", ""), args, /*run=*/true);
  if (!res.ok()) return Fail(res.status());
  if (!res->precheck_error.empty()) {
    return Json({{"result", false},
                 {"msg", "precheck failed; nothing was started:\n" + res->precheck_error},
                 {"checkResult", res->check_result}});
  }
  return Json({{"result", true}, {"msg", res->msg}, {"sources", SourcesJson(res->sources)},
               {"checkResult", res->check_result}});
}

Result<MasterServer::TaskResult> MasterServer::OperateTask(const std::string& name, const std::string& op,
                                                           const StartArgs& args) {
  std::set<std::string> only(args.only.begin(), args.only.end());
  DM_ASSIGN_OR_RETURN(auto snap, ReadSnapshot(*client_));
  std::string start_time;
  if (op == "Start") {
    for (const auto& [key, cfg] : snap.subtask_config) {
      if (key.second != name) continue;
      auto task = spec::ParseTask(cfg);
      if (!task.ok()) return task.status().WithContext("task " + name + " config");
      DM_RETURN_IF_ERROR(TakeStartTime(json{{"start_time", args.start_time}}, &*task, &start_time));
      if (args.remove_meta) DM_RETURN_IF_ERROR(RemoveMeta(*task).WithContext("start task " + name + " remove_meta"));
      break;
    }
  }
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  std::vector<coord::TxnOp> ops;
  TaskResult out;
  for (const auto& [key, cfg] : snap.subtask_config) {
    if (key.second != name || (!only.empty() && !only.count(key.first))) continue;
    if (op == "Stop") {
      ops.push_back(coord::TxnOp::Delete(ha::SubTaskConfigKey(key.first, name)));
      ops.push_back(coord::TxnOp::Delete(ha::SubTaskStageKey(key.first, name)));
      ops.push_back(coord::TxnOp::Delete(ha::TaskCliArgsKey(name, key.first)));
    } else {
      ha::ExpectStage stage = op == "Pause"     ? ha::ExpectStage::kPaused
                              : op == "Stopped" ? ha::ExpectStage::kStopped
                                                : ha::ExpectStage::kRunning;
      ops.push_back(coord::TxnOp::Put(ha::SubTaskStageKey(key.first, name),
                                      ha::Encode(ha::SubTaskStage{stage, key.first, name})));
      if (op == "Start" && !start_time.empty()) {
        ops.push_back(coord::TxnOp::Put(ha::TaskCliArgsKey(name, key.first),
                                        ha::Encode(ha::TaskCliArgs{start_time, "", ""})));
      } else if (op == "Start") {
        ops.push_back(coord::TxnOp::Delete(ha::TaskCliArgsKey(name, key.first)));
      }
    }
    out.sources.push_back({key.first, snap.WorkerOf(key.first)});
  }
  if (ops.empty()) {
    return Status::NotFound("task " + name + " not found" + (only.empty() ? "" : " on the given sources") +
                            "; query-status lists tasks");
  }
  DM_RETURN_IF_ERROR(coord::FencedTxn(client_.get(), *fence, {}, ops).status());
  LogInfo("task {}: {} on {} source(s)", name, op, out.sources.size());
  if (op != "Resume") {
    std::vector<std::string> ids;
    for (const auto& s : out.sources) ids.push_back(s.source);
    const std::string wait_op = op == "Stopped" ? "Stop" : op;
    std::string pending = WaitForWorkers(snap, options_.tls, name, ids, wait_op, std::chrono::seconds(30));
    if (!pending.empty()) {
      out.msg = "the request is recorded, but not every worker has acted on it within 30 s (" + pending +
                "); query-status shows when it has";
      LogWarn("task {}: {}: {}", name, op, out.msg);
    }
  }
  return out;
}

HttpResponse MasterServer::HandleOperateTask(const HttpRequest& r, const std::string& op) {
  const std::string name = r.matches.at(0);
  auto body = ParseBody(r);
  StartArgs args;
  if (body.ok()) args.only = SourceNameList(*body);
  auto res = OperateTask(name, op, args);
  if (!res.ok() && res.status().code() == Code::kNotFound) {
    return Json({{"op", op}, {"result", false}, {"msg", std::string(res.status().message())},
                 {"sources", json::array()}});
  }
  if (!res.ok()) return Fail(res.status());
  return Json({{"op", op}, {"result", true}, {"msg", res->msg}, {"sources", SourcesJson(res->sources)}});
}

HttpResponse MasterServer::HandleQueryStatus(const HttpRequest& r) {
  auto snap = ReadSnapshot(*client_);
  if (!snap.ok()) return Fail(snap.status());
  std::string task = r.params.count("task") ? r.params.at("task") : "";
  WorkerStatusCache statuses(*snap, options_.tls);
  auto status_of = [&](const std::string& source, const std::string& t) { return statuses.Of(source, t); };
  if (task.empty()) {
    std::map<std::string, std::vector<std::string>> tasks;
    for (const auto& [k, cfg] : snap->subtask_config) tasks[k.second].push_back(k.first);
    json list = json::array();
    for (const auto& [t, srcs] : tasks) {
      std::set<std::string> stages;
      bool error = false;
      for (const auto& s : srcs) {
        auto [st, why] = status_of(s, t);
        std::string stage = st.is_object() ? st.value("stage", "") : "";
        stages.insert(stage);
        if (stage == "Paused" && st.contains("result") && !st["result"].value("errors", json::array()).empty()) {
          error = true;
        }
      }
      std::string status;
      if (error) status = "Error - Some error occurred in subtask";
      else if (stages.count("Paused")) status = "Paused";
      else if (stages.size() == 1 && (stages.count("New") || stages.count("Finished") || stages.count("Stopped"))) status = *stages.begin();
      else status = "Running";
      list.push_back({{"taskName", t}, {"taskStatus", status}, {"sources", srcs}});
    }
    return Json({{"result", true}, {"msg", ""}, {"tasks", list}});
  }
  json sources = json::array();
  bool found = false;
  for (const auto& [k, cfg] : snap->subtask_config) {
    if (k.second != task) continue;
    if (r.params.count("source") && r.params.at("source") != k.first) continue;
    found = true;
    auto [st, why] = status_of(k.first, task);
    json item = {{"result", why.empty()}, {"msg", why},
                 {"sourceStatus", {{"source", k.first}, {"worker", snap->WorkerOf(k.first)},
                                   {"result", nullptr}, {"relayStatus", nullptr}}},
                 {"subTaskStatus", st.is_object() ? json::array({st}) : json::array()}};
    sources.push_back(item);
  }
  if (!found) return Fail(Status::NotFound("task " + task + " not found"));
  return Json({{"result", true}, {"msg", ""}, {"sources", sources}});
}

HttpResponse MasterServer::HandleMembers(const HttpRequest& r) {
  auto flag = [&](const char* k) { return r.params.count(k) && r.params.at(k) == "true"; };
  bool all = !flag("leader") && !flag("master") && !flag("worker");
  const std::string scheme = options_.tls.enabled() ? "https://" : "http://";
  json members = json::array();
  if (all || flag("leader")) {
    auto l = election_->Leader();
    json v = l.ok() && l->has_value() ? json::parse((*l)->value, nullptr, false) : json();
    members.push_back({{"leader", {{"msg", ""}, {"name", v.is_object() ? v.value("name", "") : ""},
                                   {"addr", v.is_object() ? v.value("address", "") : ""}}}});
  }
  if (all || flag("master")) {
    json masters = json::array();
    // Alive: the master's leased member key. With the embedded etcd, every etcd member is
    // listed (as DM does), so a dead master shows up as not alive until offline-member.
    std::map<std::string, json> alive;
    if (auto m = client_->GetPrefix(kMemberPrefix); m.ok()) {
      for (const auto& kv : m->kvs) {
        json v = json::parse(kv.value, nullptr, false);
        if (v.is_object()) alive[v.value("name", "")] = v;
      }
    }
    auto etcd_members = options_.etcd_endpoints.empty() ? ListEtcdMembers(EtcdClientEndpoints(), options_.tls)
                                                        : Result<std::vector<EtcdMemberInfo>>(
                                                              Status::NotSupported("external etcd"));
    if (etcd_members.ok()) {
      for (const auto& em : *etcd_members) {
        auto a = alive.find(em.name);
        masters.push_back({{"name", em.name.empty() ? "(etcd member " + em.id + ", not started)" : em.name},
                           {"alive", a != alive.end()},
                           {"peerURLs", em.peer_urls},
                           {"clientURLs", a != alive.end() ? json::array({scheme + a->second.value("address", "")})
                                                           : json(em.client_urls)}});
        if (a != alive.end()) alive.erase(a);
      }
    }
    for (const auto& [name, v] : alive) {
      masters.push_back({{"name", name}, {"alive", true},
                         {"peerURLs", {v.value("peer_urls", "")}},
                         {"clientURLs", {scheme + v.value("address", "")}}});
    }
    members.push_back({{"master", {{"msg", ""}, {"masters", masters}}}});
  }
  if (all || flag("worker")) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return Fail(snap.status());
    json workers = json::array();
    for (const auto& [name, w] : snap->workers) {
      workers.push_back({{"name", name}, {"addr", w.address}, {"stage", snap->StageOf(name)},
                         {"source", snap->SourceOf(name)}});
    }
    members.push_back({{"worker", {{"msg", ""}, {"workers", workers}}}});
  }
  return Json({{"result", true}, {"msg", ""}, {"members", members}});
}

Status MasterServer::OfflineMember(const std::string& kind, const std::string& name) {
  auto fence = election_->fence();
  if (!fence) return Status::Unavailable("leadership is changing; retry");
  if (kind == "worker") {
    DM_ASSIGN_OR_RETURN(auto alive, client_->Get(ha::WorkerKeepAliveKey(name)));
    if (alive.has_value()) {
      return Status::FailedPrecondition("worker " + name + " is online; stop it before offline-member");
    }
    DM_ASSIGN_OR_RETURN(auto t, coord::FencedTxn(client_.get(), *fence,
                                                 {coord::Compare::Exists(ha::WorkerRegisterKey(name))},
                                                 {coord::TxnOp::Delete(ha::WorkerRegisterKey(name)),
                                                  coord::TxnOp::Delete(ha::BoundWorkerKey(name)),
                                                  coord::TxnOp::Delete(ha::LastBoundWorkerKey(name))}));
    if (!t.succeeded) return Status::NotFound("worker " + name + " not found");
    return Status::OK();
  }
  auto alive = client_->Get(ha::EncodeKey(kMemberPrefix, {name}));
  if (alive.ok() && alive->has_value()) {
    return Status::FailedPrecondition("master " + name + " is online; stop it before offline-member");
  }
  if (!options_.etcd_endpoints.empty()) {
    return Status::NotSupported("the masters use an external etcd (--etcd-endpoints): remove master " + name +
                                " from it with etcdctl member remove");
  }
  DM_ASSIGN_OR_RETURN(auto members, ListEtcdMembers(EtcdClientEndpoints(), options_.tls));
  for (const auto& m : members) {
    if (m.name != name) continue;
    DM_RETURN_IF_ERROR(RemoveEtcdMember(EtcdClientEndpoints(), m.id, options_.tls)
                           .WithContext("removing the etcd member of master " + name));
    LogInfo("master {} is offline: etcd member {} removed", name, m.id);
    return Status::OK();
  }
  return Status::NotFound("master " + name + " is not a member of the cluster; list-member --master lists them");
}

HttpResponse MasterServer::HandleOfflineMember(const HttpRequest& r) {
  Status s = OfflineMember(r.matches.at(0), r.matches.at(1));
  if (!s.ok()) return Fail(s);
  return Json({{"result", true}, {"msg", ""}});
}

HttpResponse MasterServer::HandleConfig(const HttpRequest& r) {
  const std::string kind = r.matches.at(0), name = r.matches.at(1);
  auto snap = ReadSnapshot(*client_);
  if (!snap.ok()) return Fail(snap.status());
  if (kind == "source") {
    auto it = snap->sources.find(name);
    if (it == snap->sources.end()) return Fail(Status::NotFound("source " + name + " not found"));
    return Json({{"result", true}, {"msg", ""}, {"cfg", spec::RedactPasswords(it->second)}});
  }
  if (kind == "task") {
    for (const auto& [k, cfg] : snap->subtask_config) {
      if (k.second == name) return Json({{"result", true}, {"msg", ""}, {"cfg", spec::RedactPasswords(cfg)}});
    }
    return Fail(Status::NotFound("task " + name + " not found"));
  }
  return Fail(Status::NotSupported("config " + kind + " is shown by that process's --print-sample-config"));
}


// DM's OpenAPI (tiflow dm/openapi/spec/dm.yaml) on /api/v1: DM's request and response
// shapes over the operations above; errors are {"error_code","error_msg"} with HTTP 400
// (bad or refused request), 404 (no such source/task/member), 503 (no leader), 500.
namespace {

HttpResponse ApiError(const Status& s, bool not_found_is_404 = true) {
  HttpResponse r = api::ErrorResponse(s);
  switch (s.code()) {
    case Code::kNotFound: r.status = not_found_is_404 ? 404 : 400; break;
    case Code::kUnavailable: case Code::kDeadlineExceeded: r.status = 503; break;
    case Code::kInternal: case Code::kIOError: case Code::kCorruption: case Code::kCancelled: r.status = 500; break;
    default: r.status = 400; break;
  }
  return r;
}

bool Flag(const HttpRequest& r, const char* key) {
  auto it = r.params.find(key);
  return it != r.params.end() && (it->second == "true" || it->second == "1");
}

// A query parameter given once with commas, or as the last of repeated ones.
std::set<std::string> ListParam(const HttpRequest& r, const char* key) {
  std::set<std::string> out;
  auto it = r.params.find(key);
  if (it == r.params.end()) return out;
  std::string v = it->second;
  for (size_t pos = 0; pos <= v.size();) {
    size_t comma = v.find(',', pos);
    if (comma == std::string::npos) comma = v.size();
    if (comma > pos) out.insert(v.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

Result<json> SourceJson(const Snapshot& snap, const std::string& id, bool with_status) {
  auto it = snap.sources.find(id);
  if (it == snap.sources.end()) {
    return Status::NotFound("source " + id + " not found; GET /api/v1/sources lists sources");
  }
  DM_ASSIGN_OR_RETURN(auto cfg, config::ParseSourceConfig(it->second, "source " + id));
  json j = openapi::SourceToJson(cfg);
  if (with_status) {
    std::string worker = snap.WorkerOf(id);
    json st = {{"source_name", id}, {"worker_name", worker}};
    if (worker.empty()) st["error_msg"] = "source " + id + " is not bound to a worker (no free worker)";
    else if (!snap.alive.count(worker)) st["error_msg"] = "worker " + worker + " is offline";
    j["status_list"] = json::array({st});
    json tasks = json::array();
    for (const auto& [k, cfg_yaml] : snap.subtask_config) {
      if (k.first == id) tasks.push_back(k.second);
    }
    j["task_name_list"] = tasks;
  }
  return j;
}

// DM's SubTaskStatus of every subtask of `task` (on `only` sources, if given).
json TaskStatusList(const Snapshot& snap, WorkerStatusCache& statuses, const std::string& task,
                    const std::set<std::string>& only) {
  json list = json::array();
  for (const auto& [k, cfg] : snap.subtask_config) {
    if (k.second != task || (!only.empty() && !only.count(k.first))) continue;
    std::string worker = snap.WorkerOf(k.first);
    auto [st, why] = statuses.Of(k.first, task);
    if (st.is_object()) {
      list.push_back(openapi::SubTaskStatusToJson(st, k.first, worker));
      continue;
    }
    auto stage = snap.stages.find(k);
    list.push_back({{"name", task}, {"source_name", k.first}, {"worker_name", worker},
                    {"stage", stage == snap.stages.end() ? "" : ha::ExpectStageName(stage->second.expect)},
                    {"unit", ""}, {"error_msg", why}});
  }
  return list;
}

Result<json> TaskJson(const Snapshot& snap, const std::string& name) {
  for (const auto& [k, yaml] : snap.subtask_config) {
    if (k.second != name) continue;
    DM_ASSIGN_OR_RETURN(auto cfg, config::ParseTaskConfig(yaml, "task " + name));
    return openapi::TaskToJson(cfg);
  }
  return Status::NotFound("task " + name + " not found; GET /api/v1/tasks lists tasks");
}

}  // namespace

void MasterServer::RegisterOpenApiRoutes(
    const std::function<void(const std::string&, const std::string&,
                             std::function<HttpResponse(const HttpRequest&)>)>& route) {
  // A field of the wrong type in a request (nlohmann's type_error) is the client's
  // mistake: 400 naming it, not a 500.
  auto api_route = [&route](const std::string& method, const std::string& pattern,
                            std::function<HttpResponse(const HttpRequest&)> h) {
    route(method, pattern, [h = std::move(h)](const HttpRequest& r) {
      try {
        return h(r);
      } catch (const json::exception& e) {
        return ApiError(Status::InvalidArgument(std::string("request body: a field has the wrong type (") +
                                                e.what() + "); see DM's OpenAPI for the types"));
      }
    });
  };
  // --- cluster ---
  api_route("GET", "/api/v1/cluster/info", [this](const HttpRequest&) {
    // DM's cluster id is the etcd cluster's.
    auto res = api::HttpCall(client_->current_endpoint(), "POST", "/v3/cluster/member/list", "{}", 3000,
                             options_.tls);
    json j = res.ok() && res->status == 200 ? json::parse(res->body, nullptr, false) : json();
    if (!j.is_object() || !j.contains("header")) {
      return ApiError(Status::Unavailable("etcd did not answer the member list: " +
                                          (res.ok() ? res->body.substr(0, 200) : res.status().ToString())));
    }
    const json& id = j["header"].value("cluster_id", json());
    uint64_t cluster_id = id.is_string() ? std::stoull(id.get<std::string>()) : id.is_number() ? id.get<uint64_t>() : 0;
    return Json({{"cluster_id", cluster_id}});
  });
  api_route("GET", "/api/v1/cluster/masters", [this](const HttpRequest&) {
    auto m = client_->GetPrefix(kMemberPrefix);
    if (!m.ok()) return ApiError(m.status());
    auto l = election_->Leader();
    json lv = l.ok() && l->has_value() ? json::parse((*l)->value, nullptr, false) : json();
    std::string leader = lv.is_object() ? lv.value("name", "") : "";
    json data = json::array();
    for (const auto& kv : m->kvs) {
      json v = json::parse(kv.value, nullptr, false);
      if (!v.is_object()) continue;
      data.push_back({{"name", v.value("name", "")}, {"alive", true},
                      {"leader", v.value("name", "") == leader}, {"addr", v.value("address", "")}});
    }
    return Json({{"total", data.size()}, {"data", data}});
  });
  api_route("DELETE", R"(/api/v1/cluster/(master|worker)s/([^/]+))", [this](const HttpRequest& r) {
    Status s = OfflineMember(r.matches.at(0), r.matches.at(1));
    return s.ok() ? HttpResponse{204, ""} : ApiError(s);
  });
  api_route("GET", "/api/v1/cluster/workers", [this](const HttpRequest&) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    json data = json::array();
    for (const auto& [name, w] : snap->workers) {
      data.push_back({{"name", name}, {"addr", w.address}, {"bound_stage", snap->StageOf(name)},
                      {"bound_source_name", snap->SourceOf(name)}});
    }
    return Json({{"total", data.size()}, {"data", data}});
  });

  // --- sources ---
  api_route("GET", "/api/v1/sources", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    json data = json::array();
    for (const auto& [id, yaml] : snap->sources) {
      auto j = SourceJson(*snap, id, Flag(r, "with_status"));
      if (!j.ok()) return ApiError(j.status());
      if (r.params.count("enable_relay") && (*j)["relay_config"]["enable_relay"] != Flag(r, "enable_relay")) continue;
      data.push_back(*j);
    }
    return Json({{"total", data.size()}, {"data", data}});
  });
  auto put_source = [this](const HttpRequest& r, bool update) {
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->contains("source")) return ApiError(Status::InvalidArgument("source: required (DM's Source object)"));
    const json& src = (*body)["source"];
    if (update && src.is_object() && src.value("source_name", r.matches.at(0)) != r.matches.at(0)) {
      return ApiError(Status::InvalidArgument("source.source_name " + src.value("source_name", "") +
                                              " differs from the source in the path, " + r.matches.at(0)));
    }
    json named = src;
    if (update && named.is_object() && !named.contains("source_name")) named["source_name"] = r.matches.at(0);
    auto yaml = openapi::SourceYamlFromJson(named);
    if (!yaml.ok()) return ApiError(yaml.status());
    auto put = PutSource(*yaml, update, false);
    if (!put.ok()) return ApiError(put.status(), update);
    std::string want = body->value("worker_name", "");
    if (!update && !want.empty() && put->worker != want) {
      if (Status s = TransferSource(put->source, want); !s.ok()) {
        return ApiError(s.WithContext("source " + put->source + " was created, but binding it to worker " + want +
                                      " failed; POST /api/v1/sources/" + put->source + "/transfer to retry"));
      }
    }
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    auto j = SourceJson(*snap, put->source, false);
    if (!j.ok()) return ApiError(j.status());
    return Json(*j, update ? 200 : 201);
  };
  api_route("POST", "/api/v1/sources", [put_source](const HttpRequest& r) { return put_source(r, false); });
  api_route("PUT", R"(/api/v1/sources/([^/]+))", [put_source](const HttpRequest& r) { return put_source(r, true); });
  api_route("GET", R"(/api/v1/sources/([^/]+))", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    auto j = SourceJson(*snap, r.matches.at(0), Flag(r, "with_status"));
    return j.ok() ? Json(*j) : ApiError(j.status());
  });
  api_route("DELETE", R"(/api/v1/sources/([^/]+))", [this](const HttpRequest& r) {
    auto w = DeleteSource(r.matches.at(0), Flag(r, "force"));
    return w.ok() ? HttpResponse{204, ""} : ApiError(w.status());
  });
  api_route("GET", R"(/api/v1/sources/([^/]+)/status)", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    auto j = SourceJson(*snap, r.matches.at(0), true);
    if (!j.ok()) return ApiError(j.status());
    return Json({{"total", (*j)["status_list"].size()}, {"data", (*j)["status_list"]}});
  });
  api_route("POST", R"(/api/v1/sources/([^/]+)/(enable|disable))", [this](const HttpRequest& r) {
    const std::string id = r.matches.at(0);
    const bool enable = r.matches.at(1) == "enable";
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    if (!snap->sources.count(id)) return ApiError(Status::NotFound("source " + id + " not found"));
    auto cfg = config::ParseSourceConfig(snap->sources.at(id), "source " + id);
    if (!cfg.ok()) return ApiError(cfg.status());
    if (enable && snap->WorkerOf(id).empty()) {
      return ApiError(Status::FailedPrecondition("source " + id + " is not bound to a worker; start a free worker first"));
    }
    if (cfg->enable == enable) return HttpResponse{200, ""};
    // DM: enabling runs every task of the source, disabling stops them (stage Stopped).
    std::set<std::string> tasks;
    for (const auto& [k, yaml] : snap->subtask_config) {
      if (k.first == id) tasks.insert(k.second);
    }
    StartArgs args;
    args.only = {id};
    for (const auto& t : tasks) {
      auto res = OperateTask(t, enable ? "Resume" : "Stopped", args);
      if (!res.ok()) return ApiError(res.status().WithContext("task " + t));
    }
    cfg->enable = enable;
    if (cfg->server_id_generated) cfg->server_id = 0;  // still picked by the worker
    auto put = PutSource(cfg->ToYaml(/*redact_passwords=*/false), true, true);
    return put.ok() ? HttpResponse{200, ""} : ApiError(put.status());
  });
  api_route("POST", R"(/api/v1/sources/([^/]+)/transfer)", [this](const HttpRequest& r) {
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->contains("worker_name") || !(*body)["worker_name"].is_string()) {
      return ApiError(Status::InvalidArgument("worker_name: required (the free worker to move the source to)"));
    }
    Status s = TransferSource(r.matches.at(0), (*body)["worker_name"].get<std::string>());
    return s.ok() ? HttpResponse{200, ""} : ApiError(s);
  });

  // --- tasks ---
  api_route("GET", "/api/v1/tasks", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    const std::set<std::string> only = ListParam(r, "source_name_list");
    const std::string stage = r.params.count("stage") ? r.params.at("stage") : "";
    std::set<std::string> names;
    for (const auto& [k, yaml] : snap->subtask_config) {
      if (only.empty() || only.count(k.first)) names.insert(k.second);
    }
    WorkerStatusCache statuses(*snap, options_.tls);
    json data = json::array();
    for (const auto& name : names) {
      auto j = TaskJson(*snap, name);
      if (!j.ok()) return ApiError(j.status());
      if (Flag(r, "with_status") || !stage.empty()) {
        json list = TaskStatusList(*snap, statuses, name, {});
        bool match = stage.empty();
        for (const auto& st : list) match = match || st.value("stage", "") == stage;
        if (!match) continue;
        if (Flag(r, "with_status")) (*j)["status_list"] = list;
      }
      data.push_back(*j);
    }
    return Json({{"total", data.size()}, {"data", data}});
  });
  api_route("POST", "/api/v1/tasks", [this](const HttpRequest& r) {
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->contains("task")) return ApiError(Status::InvalidArgument("task: required (DM's Task object)"));
    auto yaml = openapi::TaskYamlFromJson((*body)["task"]);
    if (!yaml.ok()) return ApiError(yaml.status());
    StartArgs args;
    args.only = SourceNameList(*body);
    auto res = CreateTask(*yaml, args, /*run=*/false);
    if (!res.ok()) return ApiError(res.status(), false);
    if (!res->precheck_error.empty()) {
      return ApiError(Status::FailedPrecondition("precheck failed; nothing was created:\n" + res->precheck_error));
    }
    auto cfg = config::ParseTaskConfig(*yaml, "task");
    if (!cfg.ok()) return ApiError(cfg.status());
    return Json({{"task", openapi::TaskToJson(*cfg)}, {"check_result", res->check_result}}, 201);
  });
  api_route("POST", "/api/v1/tasks/converters", [](const HttpRequest& r) {
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    std::string yaml;
    if (body->contains("task_config_file") && (*body)["task_config_file"].is_string()) {
      yaml = (*body)["task_config_file"].get<std::string>();
    } else if (body->contains("task")) {
      auto y = openapi::TaskYamlFromJson((*body)["task"]);
      if (!y.ok()) return ApiError(y.status());
      yaml = *y;
    } else {
      return ApiError(Status::InvalidArgument("give task (DM's Task object) or task_config_file (task.yaml text)"));
    }
    auto cfg = config::ParseTaskConfig(yaml, "task_config_file");
    if (!cfg.ok()) return ApiError(cfg.status());
    // Passwords are never returned: both forms carry "******".
    return Json({{"task", openapi::TaskToJson(*cfg)}, {"task_config_file", cfg->ToYaml(/*redact_passwords=*/true)}}, 201);
  });
  api_route("GET", R"(/api/v1/tasks/([^/]+))", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    auto j = TaskJson(*snap, r.matches.at(0));
    if (!j.ok()) return ApiError(j.status());
    if (Flag(r, "with_status")) {
      WorkerStatusCache statuses(*snap, options_.tls);
      (*j)["status_list"] = TaskStatusList(*snap, statuses, r.matches.at(0), {});
    }
    return Json(*j);
  });
  api_route("PUT", R"(/api/v1/tasks/([^/]+))", [this](const HttpRequest& r) {
    const std::string name = r.matches.at(0);
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->contains("task")) return ApiError(Status::InvalidArgument("task: required (DM's Task object)"));
    auto yaml = openapi::TaskYamlFromJson((*body)["task"]);
    if (!yaml.ok()) return ApiError(yaml.status());
    auto task = spec::ParseTask(*yaml);
    if (!task.ok()) return ApiError(task.status());
    if (task->name != name) {
      return ApiError(Status::InvalidArgument("task.name " + task->name + " differs from the task in the path, " + name));
    }
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    std::set<std::string> have, want;
    for (const auto& [k, st] : snap->subtask_config) {
      if (k.second != name) continue;
      have.insert(k.first);
      auto stage = snap->stages.find(k);
      if (stage != snap->stages.end() && stage->second.expect == ha::ExpectStage::kRunning) {
        return ApiError(Status::FailedPrecondition("task " + name + " runs on source " + k.first +
                                                   "; stop it (POST /api/v1/tasks/" + name + "/stop) before updating it"));
      }
    }
    if (have.empty()) return ApiError(Status::NotFound("task " + name + " not found"));
    for (const auto& inst : task->instances) want.insert(inst.source_id);
    if (have != want) {
      return ApiError(Status::InvalidArgument("task " + name + ": changing its sources is not supported; "
                                              "delete the task and create it again"));
    }
    json report;
    std::string error;
    if (!Precheck(*task, snap->sources, &report, &error)) {
      return ApiError(Status::FailedPrecondition("precheck failed; the task was not updated:\n" + error));
    }
    auto fence = election_->fence();
    if (!fence) return ApiError(Status::Unavailable("leadership is changing; retry"));
    std::vector<coord::Compare> cmps;
    std::vector<coord::TxnOp> ops;
    for (const auto& source : have) {
      cmps.push_back(coord::Compare::Exists(ha::SubTaskConfigKey(source, name)));
      ops.push_back(coord::TxnOp::Put(ha::SubTaskConfigKey(source, name), *yaml));
    }
    auto t = coord::FencedTxn(client_.get(), *fence, cmps, ops);
    if (!t.ok()) return ApiError(t.status());
    if (!t->succeeded) return ApiError(Status(Code::kAborted, "task " + name + " was changed concurrently; retry"));
    LogInfo("task {} updated through the OpenAPI", name);
    auto cfg = config::ParseTaskConfig(*yaml, "task");
    if (!cfg.ok()) return ApiError(cfg.status());
    return Json({{"task", openapi::TaskToJson(*cfg)}, {"check_result", report.dump(4)}});
  });
  api_route("DELETE", R"(/api/v1/tasks/([^/]+))", [this](const HttpRequest& r) {
    const std::string name = r.matches.at(0);
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    std::optional<spec::TaskSpec> task;
    for (const auto& [k, yaml] : snap->subtask_config) {
      if (k.second != name) continue;
      auto stage = snap->stages.find(k);
      if (!Flag(r, "force") && stage != snap->stages.end() && stage->second.expect == ha::ExpectStage::kRunning) {
        return ApiError(Status::FailedPrecondition("task " + name + " has running subtasks; stop it first "
                                                   "(POST /api/v1/tasks/" + name + "/stop) or delete with force=true"));
      }
      auto t = spec::ParseTask(yaml);
      if (t.ok()) task = *t;
    }
    auto res = OperateTask(name, "Stop", StartArgs{});
    if (!res.ok()) return ApiError(res.status());
    if (!Flag(r, "keep_meta") && task) {
      if (Status s = RemoveMeta(*task); !s.ok()) {
        return ApiError(s.WithContext("task " + name + " was deleted, but removing its checkpoints failed"));
      }
    }
    return HttpResponse{204, ""};
  });
  api_route("GET", R"(/api/v1/tasks/([^/]+)/status)", [this](const HttpRequest& r) {
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    WorkerStatusCache statuses(*snap, options_.tls);
    json list = TaskStatusList(*snap, statuses, r.matches.at(0), ListParam(r, "source_name_list"));
    if (list.empty()) return ApiError(Status::NotFound("task " + r.matches.at(0) + " not found"));
    return Json({{"total", list.size()}, {"data", list}});
  });
  api_route("POST", R"(/api/v1/tasks/([^/]+)/start)", [this](const HttpRequest& r) {
    const std::string name = r.matches.at(0);
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->value("safe_mode_time_duration", "").empty()) {
      return ApiError(Status::NotSupported("safe_mode_time_duration is not supported by this dm-master; "
                                           "leave it out (set incr_migrate_conf.safe_mode in the task instead)"));
    }
    StartArgs args;
    args.start_time = body->value("start_time", "");
    args.remove_meta = body->value("remove_meta", false);
    args.only = SourceNameList(*body);
    auto snap = ReadSnapshot(*client_);
    if (!snap.ok()) return ApiError(snap.status());
    for (const auto& [k, yaml] : snap->subtask_config) {
      if (k.second != name) continue;
      if (!args.only.empty() && std::find(args.only.begin(), args.only.end(), k.first) == args.only.end()) continue;
      auto cfg = config::ParseSourceConfig(snap->sources.count(k.first) ? snap->sources.at(k.first) : "", k.first);
      if (cfg.ok() && !cfg->enable) {
        return ApiError(Status::FailedPrecondition("source " + k.first + " is disabled; POST /api/v1/sources/" +
                                                   k.first + "/enable first"));
      }
    }
    auto res = OperateTask(name, "Start", args);
    if (!res.ok()) return ApiError(res.status());
    return HttpResponse{200, ""};
  });
  api_route("POST", R"(/api/v1/tasks/([^/]+)/stop)", [this](const HttpRequest& r) {
    auto body = ParseBody(r);
    if (!body.ok()) return ApiError(body.status());
    if (!body->value("timeout_duration", "").empty()) {
      return ApiError(Status::NotSupported("timeout_duration is not supported by this dm-master; leave it out "
                                           "(the stop waits up to 30 s for the workers)"));
    }
    StartArgs args;
    args.only = SourceNameList(*body);
    auto res = OperateTask(r.matches.at(0), "Stopped", args);
    if (!res.ok()) return ApiError(res.status());
    return HttpResponse{200, ""};
  });
}

}  // namespace dm::master
