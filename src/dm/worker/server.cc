#include "dm/worker/server.h"

#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "dm/api/http.h"
#include "dm/base/log.h"
#include "dm/checker/checker.h"
#include "dm/config/source_config.h"
#include "dm/coord/etcd_client.h"
#include "dm/coord/session.h"
#include "dm/coord/watcher.h"
#include "dm/dump/dump.h"
#include "dm/load/load.h"
#include "dm/sync/sync.h"
#include "dm/ha/keys.h"
#include "dm/ha/values.h"
#include "dm/spec/spec.h"

namespace dm::worker {

using nlohmann::json;

namespace {

// DM's task-cli-args of one subtask, in etcd (/dm-master/task-cli-args/<task>/<source>).
class EtcdTaskCliArgs final : public spec::TaskCliArgsAccess {
 public:
  EtcdTaskCliArgs(coord::EtcdClient* client, std::string task, std::string source)
      : client_(client), key_(ha::TaskCliArgsKey(task, source)) {}

  Result<std::string> StartTime() override {
    DM_ASSIGN_OR_RETURN(auto kv, client_->Get(key_));
    if (!kv) return std::string();
    DM_ASSIGN_OR_RETURN(ha::TaskCliArgs args, ha::DecodeTaskCliArgs(kv->value));
    return args.start_time;
  }

  Status ClearStartTime(const std::string& start_time) override {
    DM_ASSIGN_OR_RETURN(auto kv, client_->Get(key_));
    if (!kv) return Status::OK();
    DM_ASSIGN_OR_RETURN(ha::TaskCliArgs args, ha::DecodeTaskCliArgs(kv->value));
    if (args.start_time != start_time) return Status::OK();  // a newer start-task wrote it
    args.start_time.clear();
    // Only if nobody changed the key since it was read.
    DM_ASSIGN_OR_RETURN(auto t, client_->Txn({coord::Compare::ModRevision(
                                                 key_, coord::Compare::Op::kEqual, kv->mod_revision)},
                                             {coord::TxnOp::Put(key_, ha::Encode(args))}, {}));
    (void)t;
    return Status::OK();
  }

 private:
  coord::EtcdClient* const client_;
  const std::string key_;
};

}  // namespace

Result<std::unique_ptr<unit::SubTask>> BuildSubTask(const std::string& source_config,
                                                    const std::string& task,
                                                    const std::string& task_config,
                                                    coord::EtcdClient* client) {
  DM_ASSIGN_OR_RETURN(spec::SourceSpec src, spec::ParseSource(source_config));
  DM_ASSIGN_OR_RETURN(spec::TaskSpec t, spec::ParseTask(task_config));
  DM_ASSIGN_OR_RETURN(std::shared_ptr<const spec::UnitContext> ctx,
                      spec::BuildUnitContext(source_config, task_config));
  if (client) {
    auto with_args = std::make_shared<spec::UnitContext>(*ctx);
    with_args->cli_args = std::make_shared<EtcdTaskCliArgs>(client, task, src.id);
    ctx = std::move(with_args);
  }
  const spec::InstanceSpec* inst = nullptr;
  for (const auto& i : t.instances) {
    if (i.source_id == src.id) inst = &i;
  }
  if (!inst) {
    return Status::InvalidArgument("task " + task + " has no mysql-instances entry for source " + src.id);
  }
  std::vector<std::unique_ptr<unit::Unit>> units;
  for (unit::UnitType type : unit::UnitsForMode(t.mode)) {
    switch (type) {
      case unit::UnitType::kCheck:
        units.push_back(checker::NewCheckUnit(checker::MakeCheckOptions(src, t, *inst)));
        break;
      case unit::UnitType::kDump: {
        DM_ASSIGN_OR_RETURN(auto u, dump::NewDumpUnit(ctx));
        units.push_back(std::move(u));
        break;
      }
      case unit::UnitType::kLoad: {
        DM_ASSIGN_OR_RETURN(auto u, load::NewLoadUnit(ctx));
        units.push_back(std::move(u));
        break;
      }
      case unit::UnitType::kSync: {
        DM_ASSIGN_OR_RETURN(auto u, sync::NewSyncUnit(ctx));
        units.push_back(std::move(u));
        break;
      }
      case unit::UnitType::kRelay:
        return Status(Code::kNotSupported, "relay is not a subtask unit", Scope::kConfig);
    }
  }
  return std::make_unique<unit::SubTask>(task, src.id, std::move(units));
}

AutoResume WorkerServer::AutoResumeOf(const std::string& source_yaml) {
  if (source_yaml != auto_resume_yaml_) {
    auto_resume_yaml_ = source_yaml;
    auto_resume_ = AutoResume{};
    if (auto c = config::ParseSourceConfig(source_yaml, "source config"); c.ok()) {
      auto ms = [](config::Duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d);
      };
      auto_resume_.enable = c->checker.check_enable;
      auto_resume_.backoff_min = ms(c->checker.backoff_min);
      auto_resume_.backoff_max = ms(c->checker.backoff_max);
      auto_resume_.backoff_rollback = ms(c->checker.backoff_rollback);
    }
  }
  return auto_resume_;
}

WorkerServer::WorkerServer(WorkerOptions options)
    : options_(std::move(options)),
      reconciler_([this](const std::string& source_config, const std::string& task,
                         const std::string& task_config) {
        return BuildSubTask(source_config, task, task_config, client_.get());
      }) {}

WorkerServer::~WorkerServer() { Stop(); }

Status WorkerServer::Register() {
  json body = {{"name", options_.name}, {"address", advertise_}};
  Status last = Status::Unavailable("no master address given in --join");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.register_timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& m : options_.join) {
      auto r = api::HttpCall(m, "POST", "/internal/v1/cluster/workers", body.dump(), 5000,
                             options_.tls);
      if (!r.ok()) {
        last = r.status();
        continue;
      }
      json j = json::parse(r->body, nullptr, false);
      if (r->status == 200 && j.is_object() && j.value("result", false)) return Status::OK();
      std::string msg = j.is_object() ? j.value("msg", j.value("error_msg", r->body)) : r->body;
      if (r->status == 200) {  // a definite refusal, e.g. the name is taken
        return Status(Code::kFailedPrecondition, "master " + m + " refused registration: " + msg,
                      Scope::kConfig);
      }
      last = Status::Unavailable("master " + m + ": " + msg);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return std::move(last).WithContext("registering worker " + options_.name);
}

Status WorkerServer::ConnectEtcd() {
  Status last = Status::Unavailable("no master address given in --join");
  for (const auto& m : options_.join) {
    auto r = api::HttpCall(m, "GET", "/internal/v1/cluster/etcd", "", 5000, options_.tls);
    if (!r.ok() || r->status != 200) {
      last = r.ok() ? Status::Unavailable("master " + m + " answered " + r->body) : r.status();
      continue;
    }
    json j = json::parse(r->body, nullptr, false);
    std::vector<std::string> eps;
    if (j.is_object() && j["endpoints"].is_array()) {
      for (const auto& e : j["endpoints"]) eps.push_back(e.get<std::string>());
    }
    coord::ClientOptions co;
    if (options_.tls.enabled()) {
      co.tls = coord::TlsOptions{options_.tls.ca_file, options_.tls.cert_file, options_.tls.key_file};
    }
    auto c = coord::EtcdClient::Connect(eps, co);
    if (c.ok()) {
      client_ = std::move(c).value();
      return Status::OK();
    }
    last = c.status();
  }
  return last;
}

Status WorkerServer::StartSession() {
  coord::SessionOptions so;
  so.ttl_seconds = options_.keepalive_ttl_s;
  so.on_lost = [name = options_.name](const Status& s) {
    LogError("dm-worker {}: keepalive lease lost: {}; stopping subtasks", name, s.ToString());
  };
  DM_ASSIGN_OR_RETURN(auto session, coord::Session::Create(client_.get(), so));
  ha::WorkerInfo info{options_.name, advertise_,
                      std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count()};
  DM_RETURN_IF_ERROR(client_->Put(ha::WorkerKeepAliveKey(options_.name), ha::Encode(info),
                                  session->lease_id()).status());
  session_ = std::move(session);
  return Status::OK();
}

std::string WorkerServer::HandleSyncOperation(const std::string& task, const std::string& kind,
                                              const std::string& body) {
  auto fail = [](const std::string& msg) { return json{{"result", false}, {"msg", msg}}.dump(); };
  json req = json::parse(body.empty() ? "{}" : body, nullptr, false);
  if (!req.is_object()) return fail("request body is not a JSON object");
  std::shared_ptr<unit::SubTask> st = reconciler_.Find(task);
  if (!st) {
    return fail("subtask " + task + " does not run on worker " + options_.name +
                " (query-status shows where it runs)");
  }
  auto* op = dynamic_cast<sync::SyncOperator*>(st->FindUnit(unit::UnitType::kSync));
  if (!op) {
    return fail("task " + task + " has no sync unit (its task-mode has no incremental phase)");
  }
  try {
    if (kind == "binlog") {
      sync::BinlogOpRequest b;
      b.op = req.value("op", "");
      b.binlog_pos = req.value("binlog_pos", "");
      b.sqls = req.value("sqls", std::vector<std::string>{});
      bool resume = false;
      auto r = op->OperateBinlog(b, &resume);
      if (!r.ok()) return fail(r.status().ToString());
      std::string msg = *r;
      if (resume && st->stage() == unit::Stage::kPaused) {
        LogInfo("resuming subtask {} after binlog {}", task, b.op);
        if (Status s = st->Resume(); !s.ok()) {
          return fail("the operation is set but resuming the subtask failed: " + s.ToString() +
                      "; run resume-task");
        }
      }
      return json{{"result", true}, {"msg", msg}}.dump();
    }
    sync::SchemaOpRequest q;
    q.op = req.value("op", "");
    q.database = req.value("database", "");
    q.table = req.value("table", "");
    q.create_sql = req.value("schema", "");
    q.flush = req.value("flush", true);
    q.from_source = req.value("from_source", false);
    q.from_target = req.value("from_target", false);
    auto r = op->OperateSchema(q);
    if (!r.ok()) return fail(r.status().ToString());
    return json{{"result", true}, {"msg", *r}}.dump();
  } catch (const json::exception& e) {
    return fail(std::string("bad request field: ") + e.what());
  }
}

Status WorkerServer::Start() {
  auto hp = api::SplitHostPort(options_.worker_addr);
  if (!hp.ok()) return hp.status();
  std::string host = hp->first == "0.0.0.0" ? "127.0.0.1" : hp->first;
  advertise_ = options_.advertise_addr.empty() ? host + ":" + std::to_string(hp->second)
                                               : options_.advertise_addr;
  http_ = std::make_unique<api::HttpServer>(options_.tls);
  http_->Route("GET", "/status", [this](const api::HttpRequest&) {
    return api::HttpResponse{200, json{{"name", options_.name}, {"version", "dm-cpp 0.1"}}.dump()};
  });
  http_->Route("GET", "/api/v1/worker/status", [this](const api::HttpRequest&) {
    json j;
    reconciler_.StatusJson(&j);
    j["name"] = options_.name;
    return api::HttpResponse{200, j.dump()};
  });
  http_->Route("POST", R"(/api/v1/worker/tasks/([^/]+)/(binlog|schema))",
               [this](const api::HttpRequest& r) {
                 return api::HttpResponse{
                     200, HandleSyncOperation(r.matches.at(0), r.matches.at(1), r.body)};
               });
  http_->Route("GET", "/metrics", [this](const api::HttpRequest&) {
    json j;
    reconciler_.StatusJson(&j);
    std::map<std::string, int> stages;
    for (const auto& st : j["subTaskStatus"]) stages[st.value("stage", "Unknown")]++;
    std::string body =
        "# HELP dm_worker_bound 1 if a source is bound to this worker\n"
        "# TYPE dm_worker_bound gauge\n"
        "dm_worker_bound " + std::string(j.value("source", "").empty() ? "0" : "1") + "\n"
        "# HELP dm_worker_subtasks subtasks on this worker by stage\n"
        "# TYPE dm_worker_subtasks gauge\n";
    for (const char* stage : {"New", "Running", "Paused", "Stopped", "Finished"}) {
      body += "dm_worker_subtasks{stage=\"" + std::string(stage) + "\"} " +
              std::to_string(stages[stage]) + "\n";
    }
    api::HttpResponse r{200, body};
    r.content_type = "text/plain; version=0.0.4";
    return r;
  });
  DM_RETURN_IF_ERROR(http_->Listen(hp->first, hp->second));
  DM_RETURN_IF_ERROR(Register());
  DM_RETURN_IF_ERROR(ConnectEtcd());
  DM_RETURN_IF_ERROR(StartSession());
  loop_ = std::jthread([this](std::stop_token st) { Loop(st); });
  LogInfo("dm-worker {} serving on {}, keepalive TTL {} s", options_.name, advertise_,
          options_.keepalive_ttl_s);
  return Status::OK();
}

void WorkerServer::Stop() {
  // Subtasks first: they stop promptly (checkpoints saved) even if the reconcile loop is
  // stuck in an etcd call to an unreachable master.
  if (loop_.joinable()) loop_.request_stop();
  reconciler_.Shutdown();
  if (loop_.joinable()) loop_.join();
  watch_.reset();  // before the client whose channels it shares
  if (http_) http_->Stop();
  if (session_) (void)session_->Close();  // the keepalive key goes with the lease
  session_.reset();
  client_.reset();
}

Status WorkerServer::ReconcileOnce() {
  DesiredState d;
  DM_ASSIGN_OR_RETURN(auto bound, client_->Get(ha::BoundWorkerKey(options_.name)));
  if (bound) {
    DM_ASSIGN_OR_RETURN(ha::SourceBound b, ha::DecodeSourceBound(bound->value));
    DM_ASSIGN_OR_RETURN(auto src, client_->Get(ha::SourceConfigKey(b.source)));
    if (src) {
      d.source = b.source;
      d.source_config = src->value;
      d.auto_resume = AutoResumeOf(src->value);
      std::string prefix = ha::EncodeKey(ha::kSubTaskConfigPrefix, {b.source}) + "/";
      DM_ASSIGN_OR_RETURN(auto cfgs, client_->GetPrefix(prefix));
      std::string stage_prefix = ha::EncodeKey(ha::kSubTaskStagePrefix, {b.source}) + "/";
      DM_ASSIGN_OR_RETURN(auto stages, client_->GetPrefix(stage_prefix));
      for (const auto& kv : cfgs.kvs) {
        auto parts = ha::DecodeKey(ha::kSubTaskConfigPrefix, kv.key);
        if (parts && parts->size() == 2) {
          d.subtasks[(*parts)[1]].config = kv.value;
          d.subtasks[(*parts)[1]].config_revision = kv.create_revision;
        }
      }
      for (const auto& kv : stages.kvs) {
        auto parts = ha::DecodeKey(ha::kSubTaskStagePrefix, kv.key);
        auto st = ha::DecodeSubTaskStage(kv.value);
        if (parts && parts->size() == 2 && st.ok() && d.subtasks.count((*parts)[1])) {
          d.subtasks[(*parts)[1]].expect = st->expect;
          d.subtasks[(*parts)[1]].stage_revision = kv.mod_revision;
        }
      }
    }
  }
  return reconciler_.Apply(d);
}

void WorkerServer::EnsureWatch() {
  if (watch_ && !watch_ended_.load()) return;
  watch_.reset();
  watch_ended_ = false;
  coord::WatchOptions o;
  o.key = "/dm-master/";  // bound source, source and subtask configs, stages: all rarely written
  o.prefix = true;
  o.on_batch = [this](coord::WatchBatch b) {
    if (!b.status.ok()) watch_ended_ = true;
    wake_ = true;
  };
  auto w = client_->Watch(std::move(o));
  if (!w.ok()) {
    LogWarn("dm-worker {}: cannot watch etcd ({}); polling every {} ms", options_.name,
            w.status().ToString(), options_.reconcile_interval_ms);
    return;
  }
  watch_ = std::move(w).value();
}

void WorkerServer::Loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    wake_ = false;
    if (session_ && session_->Alive()) EnsureWatch();  // before reading: no change is missed
    if (!session_ || !session_->Alive()) {
      reconciler_.StopAll();
      session_.reset();
      Status s = StartSession();
      if (!s.ok()) {
        LogWarn("dm-worker {}: cannot renew its keepalive: {}; retrying", options_.name, s.ToString());
      } else {
        LogInfo("dm-worker {}: keepalive restored", options_.name);
      }
    } else if (Status s = ReconcileOnce(); !s.ok()) {
      LogWarn("dm-worker {}: reconcile: {}", options_.name, s.ToString());
    }
    // A change in etcd wakes the loop at once; without one it re-reads the desired state
    // every reconcile interval anyway (auto-resume backoffs, a broken watch).
    for (int i = 0; i < options_.reconcile_interval_ms / 20 && !stop.stop_requested() && !wake_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace dm::worker
