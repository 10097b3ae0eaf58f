#pragma once
// Reconciler: makes the subtasks running in this worker match the desired state the
// master keeps in etcd (bound source, subtask configs, expected stages).
//
// Apply() is level-triggered: it can be called with the full desired state as often as
// wanted (after every watch event, or periodically) and only acts on differences:
//   - a subtask in desired state but not here   -> create it, then Start unless Paused/Stopped
//   - expected Running, here Paused (by request) -> Resume
//   - expected Paused, here Running             -> Pause
//   - expected Stopped, or no longer desired    -> Stop and forget
//   - config changed (update)                   -> Stop, recreate, restore the stage
// A subtask paused by an *error* while Running is expected is resumed when
//   - the operator runs resume-task (the stage key's revision changes), or
//   - the error is retryable and auto-resume is on (DM's TaskStatusChecker, source.yaml
//     `checker`): after a backoff that starts at backoff-min, doubles up to backoff-max,
//     and falls back to backoff-min once the subtask has run for backoff-rollback.
//
// Thread-safety: all methods are thread-safe (one mutex; subtask start/stop happen
// outside it).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "dm/base/result.h"
#include "dm/ha/values.h"
#include "dm/unit/subtask.h"

namespace dm::worker {

struct DesiredSubTask {
  std::string config;  // task config text (YAML) from etcd
  ha::ExpectStage expect = ha::ExpectStage::kRunning;
  int64_t stage_revision = 0;  // etcd mod_revision of the stage key: changes on every operate-task
  // etcd create_revision of the config key: a stop-task + start-task between two Apply()
  // calls re-creates it (new start-task arguments), so the subtask is re-created too.
  int64_t config_revision = 0;
};

struct AutoResume {  // source.yaml `checker`
  bool enable = true;
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{5 * 60 * 1000};
  std::chrono::milliseconds backoff_rollback{5 * 60 * 1000};
};

struct DesiredState {
  std::optional<std::string> source;  // bound source id; nullopt = not bound
  std::string source_config;          // its YAML
  std::map<std::string, DesiredSubTask> subtasks;  // by task name
  AutoResume auto_resume;
};

// Builds a subtask (its units in task-mode order) from the source and task configs.
using SubTaskFactory = std::function<Result<std::unique_ptr<unit::SubTask>>(
    const std::string& source_config, const std::string& task, const std::string& task_config)>;

class Reconciler {
 public:
  explicit Reconciler(SubTaskFactory factory);
  ~Reconciler();  // stops every subtask

  // Brings the running subtasks to `desired`. Returns the first error met (other
  // subtasks are still reconciled); failures to create a subtask are kept and shown
  // in status until the desired state changes.
  Status Apply(const DesiredState& desired);

  // Stops every subtask (the worker lost etcd or its source was unbound).
  void StopAll();
  // Stops every subtask for good: later Apply() calls do nothing (worker shutdown, while
  // the reconcile loop may still be inside an etcd call).
  void Shutdown();

  // {"source": ..., "subTaskStatus": [DM subtask status...]}.
  void StatusJson(nlohmann::json* out) const;
  std::vector<std::string> RunningTasks() const;
  // The subtask of `task` on this worker (nullptr if none), for operator commands.
  std::shared_ptr<unit::SubTask> Find(const std::string& task) const;

 private:
  struct Entry {
    std::string config;
    std::shared_ptr<unit::SubTask> subtask;
    int64_t config_revision = 0;
    int64_t acted_revision = 0;  // the stage revision last acted on
    std::chrono::milliseconds backoff{0};
    std::chrono::steady_clock::time_point next_resume{};
    std::chrono::steady_clock::time_point running_since{};
  };

  void MaybeResumeAfterError(const std::string& name, const DesiredSubTask& d,
                             const AutoResume& policy, unit::SubTask& st);
  void NoteRunning(const std::string& name, const AutoResume& policy);

  SubTaskFactory factory_;
  mutable std::mutex mu_;
  bool shut_down_ = false;                          // guarded by mu_
  std::optional<std::string> source_;               // guarded by mu_
  std::map<std::string, Entry> tasks_;              // guarded by mu_
  std::vector<std::shared_ptr<unit::SubTask>> stopping_;  // removed, Stop() not returned yet; mu_
  std::map<std::string, std::string> create_errors_;  // guarded by mu_
};

}  // namespace dm::worker
