#pragma once
// SubTask: the part of a task that runs for one source on one worker: its units, in
// task-mode order (check, dump, load, sync), on a thread the SubTask owns.
//
// Stage machine (DM's): New -> Running (Start); Running -> Paused (Pause, or a unit
// error); Paused -> Running (Resume); Running/Paused/New -> Stopped (Stop, final);
// Running -> Finished when the last unit completes (only modes without sync finish).
// A paused subtask resumes at the unit it was in; the unit continues from its own
// checkpoints.
//
// Thread-safety: every public method is thread-safe. Pause/Stop block until the unit's
// Process() has returned (it is asked to stop through its stop token); they never hold
// the internal mutex while waiting.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dm/unit/unit.h"

namespace dm::unit {

enum class Stage { kNew, kRunning, kPaused, kStopped, kFinished };
std::string_view StageName(Stage s);  // "New", "Running", ...

class SubTask {
 public:
  SubTask(std::string task, std::string source, std::vector<std::unique_ptr<Unit>> units);
  ~SubTask();  // Stop()s and joins
  SubTask(const SubTask&) = delete;
  SubTask& operator=(const SubTask&) = delete;

  // New or Paused -> Running. FailedPrecondition if Stopped/Finished or already running.
  Status Start();
  Status Resume() { return Start(); }
  // Running -> Paused (no error; `isCanceled` in status). No-op in other stages.
  void Pause();
  // Any stage -> Stopped (final). Units are closed.
  void Stop();

  Stage stage() const;
  // The unit currently running or paused in; nullopt before Start or after Finished.
  std::optional<UnitType> current_unit() const;
  // The error that paused the subtask (OK if none).
  Status error() const;
  // The subtask's unit of that type (nullptr if its task-mode has none), for operator
  // commands on it (the unit synchronizes them itself). Valid while the SubTask lives.
  Unit* FindUnit(UnitType type) const;
  const std::string& task() const { return task_; }
  const std::string& source() const { return source_; }

  // Waits until the stage is no longer Running, up to `timeout`. True if it left Running.
  bool WaitNotRunning(std::chrono::milliseconds timeout) const;

  // DM's subTaskStatus object: {name, stage, unit, result{isCanceled, errors[]}, <unit>}.
  void StatusJson(nlohmann::json* out) const;

 private:
  void Run(std::stop_token stop);
  void JoinRunner();

  const std::string task_;
  const std::string source_;
  std::vector<std::unique_ptr<Unit>> units_;  // immutable after construction

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Stage stage_ = Stage::kNew;        // guarded by mu_
  size_t current_ = 0;               // guarded by mu_: index into units_
  std::vector<bool> inited_;         // guarded by mu_
  Status error_;                     // guarded by mu_
  bool canceled_ = false;            // guarded by mu_: paused/stopped by request
  std::jthread runner_;              // started/joined only by Start/Pause/Stop (not under mu_)
  std::mutex control_mu_;            // serializes Start/Pause/Stop
};

}  // namespace dm::unit
