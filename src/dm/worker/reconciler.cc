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

void Reconciler::Shutdown() {
  {
    std::lock_guard l(mu_);
    shut_down_ = true;
  }
  StopAll();
}

Status Reconciler::Apply(const DesiredState& desired) {
  // Work out the actions under the lock, perform them outside it.
  std::vector<std::shared_ptr<unit::SubTask>> to_stop;
  std::map<std::string, Entry> current;
  {
    std::lock_guard l(mu_);
    if (shut_down_) return Status::OK();
    if (desired.source != source_) {
      for (auto& [n, e] : tasks_) to_stop.push_back(e.subtask);
      tasks_.clear();
      create_errors_.clear();
      source_ = desired.source;
    }
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      auto d = desired.subtasks.find(it->first);
      if (d == desired.subtasks.end() || d->second.expect == ha::ExpectStage::kStopped ||
          d->second.config != it->second.config ||
          d->second.config_revision != it->second.config_revision) {
        to_stop.push_back(it->second.subtask);
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
    current = tasks_;
  }
  {
    // Still shown by StatusJson until stopped: dm-master's stop-task waits for them to go.
    std::lock_guard l(mu_);
    stopping_.insert(stopping_.end(), to_stop.begin(), to_stop.end());
  }
  for (auto& st : to_stop) {
    LogInfo("stopping subtask {} of source {}", st->task(), st->source());
    st->Stop();
    std::lock_guard l(mu_);
    std::erase(stopping_, st);
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
      if (shut_down_) return Status::OK();  // `st` is dropped unstarted
      create_errors_.erase(name);
      Entry e{d.config, st};
      e.config_revision = d.config_revision;
      e.acted_revision = d.stage_revision;
      e.backoff = desired.auto_resume.backoff_min;
      tasks_[name] = e;
    }
    const unit::Stage stage = st->stage();
    if (d.expect == ha::ExpectStage::kRunning) {
      if (stage == unit::Stage::kNew || (stage == unit::Stage::kPaused && st->error().ok())) {
        LogInfo("starting subtask {} of source {}", name, *desired.source);
        Status s = st->Start();
        if (!s.ok() && first_error.ok()) first_error = s;
      } else if (stage == unit::Stage::kPaused) {
        MaybeResumeAfterError(name, d, desired.auto_resume, *st);
      } else if (stage == unit::Stage::kRunning) {
        NoteRunning(name, desired.auto_resume);
      }
    } else if (d.expect == ha::ExpectStage::kPaused && stage == unit::Stage::kRunning) {
      LogInfo("pausing subtask {} of source {}", name, *desired.source);
      st->Pause();
    }
    std::lock_guard l(mu_);
    if (auto it = tasks_.find(name); it != tasks_.end()) it->second.acted_revision = d.stage_revision;
  }
  return first_error;
}

void Reconciler::MaybeResumeAfterError(const std::string& name, const DesiredSubTask& d,
                                       const AutoResume& policy, unit::SubTask& st) {
  const auto now = std::chrono::steady_clock::now();
  const Status error = st.error();
  bool resume = false;
  std::string why;
  {
    std::lock_guard l(mu_);
    auto it = tasks_.find(name);
    if (it == tasks_.end()) return;
    Entry& e = it->second;
    e.running_since = {};
    if (d.stage_revision != e.acted_revision) {  // resume-task by the operator
      resume = true;
      why = "resume-task";
      e.backoff = policy.backoff_min;
      e.next_resume = {};
    } else if (policy.enable && error.IsRetryable()) {
      if (e.next_resume == std::chrono::steady_clock::time_point{}) {
        e.next_resume = now + e.backoff;  // first sight of this pause: wait one backoff
      } else if (now >= e.next_resume) {
        resume = true;
        why = "auto-resume after " + std::to_string(e.backoff.count()) + " ms";
        e.backoff = std::min(e.backoff * 2, policy.backoff_max);
        e.next_resume = {};
      }
    }
  }
  if (!resume) return;
  LogInfo("resuming subtask {} of source {} ({}); it was paused by: {}", name, st.source(), why,
          error.ToString());
  if (Status s = st.Start(); !s.ok()) LogWarn("resuming subtask {}: {}", name, s.ToString());
}

void Reconciler::NoteRunning(const std::string& name, const AutoResume& policy) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard l(mu_);
  auto it = tasks_.find(name);
  if (it == tasks_.end()) return;
  Entry& e = it->second;
  e.next_resume = {};
  if (e.running_since == std::chrono::steady_clock::time_point{}) {
    e.running_since = now;
  } else if (now - e.running_since >= policy.backoff_rollback) {
    e.backoff = policy.backoff_min;  // stable again: forget past failures
  }
}

void Reconciler::StatusJson(nlohmann::json* out) const {
  std::map<std::string, Entry> tasks;
  std::vector<std::shared_ptr<unit::SubTask>> stopping;
  std::map<std::string, std::string> errors;
  std::optional<std::string> source;
  {
    std::lock_guard l(mu_);
    tasks = tasks_;
    stopping = stopping_;
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
  for (const auto& st : stopping) {
    nlohmann::json j;
    st->StatusJson(&j);
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

std::shared_ptr<unit::SubTask> Reconciler::Find(const std::string& task) const {
  std::lock_guard l(mu_);
  auto it = tasks_.find(task);
  return it == tasks_.end() ? nullptr : it->second.subtask;
}

std::vector<std::string> Reconciler::RunningTasks() const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (const auto& [name, e] : tasks_) out.push_back(name);
  return out;
}

}  // namespace dm::worker
