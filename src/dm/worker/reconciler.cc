#include "dm/worker/reconciler.h"

#include <nlohmann/json.hpp>

#include "dm/base/log.h"

namespace dm::worker {

Reconciler::Reconciler(SubTaskFactory factory) : factory_(std::move(factory)) {}

Reconciler::~Reconciler() { StopAll(); }

void Reconciler::StopAll() {
  std::map<std::string, Entry> tasks;
  {
    std::lock_guard l(mu_);
    tasks.swap(tasks_);
    source_.reset();
    create_errors_.clear();
  }
  for (auto& [name, e] : tasks) {
    LogInfo("stopping subtask {}", name);
    e.subtask->Stop();
  }
}

Status Reconciler::Apply(const DesiredState& desired) {
  // Work out the actions under the lock, perform them outside it.
  std::vector<std::shared_ptr<unit::SubTask>> to_stop;
  std::map<std::string, Entry> current;
  {
    std::lock_guard l(mu_);
    if (desired.source != source_) {
      for (auto& [n, e] : tasks_) to_stop.push_back(e.subtask);
      tasks_.clear();
      create_errors_.clear();
      source_ = desired.source;
    }
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      auto d = desired.subtasks.find(it->first);
      if (d == desired.subtasks.end() || d->second.expect == ha::ExpectStage::kStopped ||
          d->second.config != it->second.config) {
        to_stop.push_back(it->second.subtask);
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
    current = tasks_;
  }
  for (auto& st : to_stop) {
    LogInfo("stopping subtask {} of source {}", st->task(), st->source());
    st->Stop();
  }
  if (!desired.source) return Status::OK();

  Status first_error;
  for (const auto& [name, d] : desired.subtasks) {
    if (d.expect == ha::ExpectStage::kStopped) continue;
    std::shared_ptr<unit::SubTask> st;
    if (auto it = current.find(name); it != current.end()) {
      st = it->second.subtask;
    } else {
      auto created = factory_(desired.source_config, name, d.config);
      if (!created.ok()) {
        std::lock_guard l(mu_);
        create_errors_[name] = created.status().ToString();
        if (first_error.ok()) first_error = created.status();
        continue;
      }
      st = std::shared_ptr<unit::SubTask>(std::move(created).value());
      std::lock_guard l(mu_);
      create_errors_.erase(name);
      tasks_[name] = Entry{d.config, st};
    }
    const unit::Stage stage = st->stage();
    if (d.expect == ha::ExpectStage::kRunning) {
      bool paused_by_request = stage == unit::Stage::kPaused && st->error().ok();
      if (stage == unit::Stage::kNew || paused_by_request) {
        LogInfo("starting subtask {} of source {}", name, *desired.source);
        Status s = st->Start();
        if (!s.ok() && first_error.ok()) first_error = s;
      }
    } else if (d.expect == ha::ExpectStage::kPaused && stage == unit::Stage::kRunning) {
      LogInfo("pausing subtask {} of source {}", name, *desired.source);
      st->Pause();
    }
  }
  return first_error;
}

void Reconciler::StatusJson(nlohmann::json* out) const {
  std::map<std::string, Entry> tasks;
  std::map<std::string, std::string> errors;
  std::optional<std::string> source;
  {
    std::lock_guard l(mu_);
    tasks = tasks_;
    errors = create_errors_;
    source = source_;
  }
  (*out)["source"] = source.value_or("");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, e] : tasks) {
    nlohmann::json j;
    e.subtask->StatusJson(&j);
    list.push_back(std::move(j));
  }
  for (const auto& [name, msg] : errors) {
    list.push_back({{"name", name},
                    {"stage", "Paused"},
                    {"unit", "InvalidUnit"},
                    {"result", {{"isCanceled", false},
                                {"errors", {{{"ErrClass", "config"}, {"Message", msg}}}}}}});
  }
  (*out)["subTaskStatus"] = std::move(list);
}

std::vector<std::string> Reconciler::RunningTasks() const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (const auto& [name, e] : tasks_) out.push_back(name);
  return out;
}

}  // namespace dm::worker
