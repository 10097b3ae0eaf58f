#include "dm/unit/subtask.h"

#include <nlohmann/json.hpp>

#include "dm/base/log.h"

namespace dm::unit {

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kNew: return "New";
    case Stage::kRunning: return "Running";
    case Stage::kPaused: return "Paused";
    case Stage::kStopped: return "Stopped";
    case Stage::kFinished: return "Finished";
  }
  return "InvalidStage";
}

SubTask::SubTask(std::string task, std::string source, std::vector<std::unique_ptr<Unit>> units)
    : task_(std::move(task)),
      source_(std::move(source)),
      units_(std::move(units)),
      inited_(units_.size(), false) {}

SubTask::~SubTask() { Stop(); }

void SubTask::JoinRunner() {
  if (runner_.joinable()) {
    runner_.request_stop();
    runner_.join();
  }
}

Unit* SubTask::FindUnit(UnitType type) const {
  for (const auto& u : units_) {
    if (u->type() == type) return u.get();
  }
  return nullptr;
}

Status SubTask::Start() {
  std::lock_guard control(control_mu_);
  {
    std::lock_guard l(mu_);
    if (stage_ == Stage::kRunning) {
      return Status::FailedPrecondition("subtask " + task_ + " of source " + source_ +
                                        " is already running");
    }
    if (stage_ == Stage::kStopped || stage_ == Stage::kFinished) {
      return Status::FailedPrecondition("subtask " + task_ + " of source " + source_ + " is " +
                                        std::string(StageName(stage_)) +
                                        " and cannot be resumed; start the task again");
    }
  }
  JoinRunner();  // a previous run that ended by itself (error) may still need joining
  {
    std::lock_guard l(mu_);
    stage_ = Stage::kRunning;
    error_ = Status::OK();
    canceled_ = false;
  }
  runner_ = std::jthread([this](std::stop_token st) { Run(st); });
  return Status::OK();
}

void SubTask::Pause() {
  std::lock_guard control(control_mu_);
  {
    std::lock_guard l(mu_);
    if (stage_ != Stage::kRunning) return;
    canceled_ = true;
  }
  JoinRunner();
  std::lock_guard l(mu_);
  if (stage_ == Stage::kRunning) stage_ = Stage::kPaused;
  cv_.notify_all();
}

void SubTask::Stop() {
  std::lock_guard control(control_mu_);
  {
    std::lock_guard l(mu_);
    if (stage_ == Stage::kStopped) return;
    canceled_ = true;
  }
  JoinRunner();
  for (size_t i = 0; i < units_.size(); ++i) {
    bool inited;
    {
      std::lock_guard l(mu_);
      inited = inited_[i];
      inited_[i] = false;
    }
    if (inited) units_[i]->Close();
  }
  std::lock_guard l(mu_);
  stage_ = Stage::kStopped;
  cv_.notify_all();
}

void SubTask::Run(std::stop_token stop) {
  while (true) {
    size_t idx;
    bool need_init;
    {
      std::lock_guard l(mu_);
      if (current_ >= units_.size()) {
        stage_ = Stage::kFinished;
        cv_.notify_all();
        return;
      }
      idx = current_;
      need_init = !inited_[idx];
    }
    Unit& u = *units_[idx];
    Status s;
    if (need_init) {
      s = u.Init();
      if (s.ok()) {
        std::lock_guard l(mu_);
        inited_[idx] = true;
      }
    }
    if (s.ok()) s = u.Process(stop);
    std::lock_guard l(mu_);
    if (!s.ok()) {
      error_ = std::move(s).WithContext(std::string(UnitTypeName(u.type())) + " unit");
      stage_ = Stage::kPaused;
      LogWarn("subtask {} of source {} paused: {}", task_, source_, error_.ToString());
      cv_.notify_all();
      return;
    }
    if (stop.stop_requested()) return;  // Pause/Stop set the stage after joining
    LogInfo("subtask {} of source {}: {} unit finished", task_, source_, UnitTypeName(u.type()));
    ++current_;
  }
}

Stage SubTask::stage() const {
  std::lock_guard l(mu_);
  return stage_;
}

std::optional<UnitType> SubTask::current_unit() const {
  std::lock_guard l(mu_);
  if (stage_ == Stage::kNew || current_ >= units_.size()) return std::nullopt;
  return units_[current_]->type();
}

Status SubTask::error() const {
  std::lock_guard l(mu_);
  return error_;
}

bool SubTask::WaitNotRunning(std::chrono::milliseconds timeout) const {
  std::unique_lock l(mu_);
  return cv_.wait_for(l, timeout, [&] { return stage_ != Stage::kRunning; });
}

void SubTask::StatusJson(nlohmann::json* out) const {
  Stage stage;
  size_t current;
  Status error;
  bool canceled;
  {
    std::lock_guard l(mu_);
    stage = stage_;
    current = current_;
    error = error_;
    canceled = canceled_;
  }
  nlohmann::json& j = *out;
  j["name"] = task_;
  j["stage"] = StageName(stage);
  const Unit* unit = current < units_.size() ? units_[current].get()
                     : units_.empty()        ? nullptr
                                             : units_.back().get();
  j["unit"] = unit ? UnitTypeName(unit->type()) : "InvalidUnit";
  nlohmann::json result = {{"isCanceled", canceled}, {"errors", nlohmann::json::array()}};
  if (!error.ok()) {
    result["errors"].push_back({{"ErrCode", static_cast<int>(error.code())},
                                {"ErrClass", std::string(CodeName(error.code()))},
                                {"ErrScope", std::string(ScopeName(error.scope()))},
                                {"Message", std::string(error.message())},
                                {"RawCause", error.ToString()},
                                {"Retryable", error.IsRetryable()}});
  }
  j["result"] = std::move(result);
  if (unit) {
    nlohmann::json block = nlohmann::json::object();
    unit->StatusJson(&block);
    std::string key(UnitTypeName(unit->type()));
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    j[key] = std::move(block);
  }
}

}  // namespace dm::unit
