#pragma once
// Unit: one step of a subtask (check, dump, load, sync), run by SubTask in task-mode order.
//
// A unit does its work in Process(), which runs on the subtask's thread until the work
// is finished, an error occurs, or the stop token is triggered (pause, stop, or the
// worker losing its source). A unit must be able to Process() again after a stop
// (resume): it keeps its own checkpoints, so a resumed unit continues, never restarts.
//
// Thread-safety: Init/Process/Close are called from the subtask thread only, one at a
// time; StatusJson() may be called from any thread while Process() runs and must
// synchronize internally.

#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::unit {

// The unit kinds, with DM's names ("Check", "Dump", "Load", "Sync") and numbers.
enum class UnitType { kCheck = 1, kDump = 2, kLoad = 3, kSync = 4, kRelay = 100 };
std::string_view UnitTypeName(UnitType t);

// DM's task modes and the units each runs, in order:
//   all = check dump load sync; full = check dump load; incremental = check sync;
//   dump = check dump; load = check load; load&sync = check load sync.
enum class TaskMode { kAll, kFull, kIncremental, kDump, kLoad, kLoadSync };
Result<TaskMode> ParseTaskMode(std::string_view text);
std::string_view TaskModeName(TaskMode m);
std::vector<UnitType> UnitsForMode(TaskMode mode);

class Unit {
 public:
  virtual ~Unit() = default;
  virtual UnitType type() const = 0;

  // Prepares the unit (connections, reading checkpoints). Called once before the first
  // Process(); a failure pauses the subtask with that error.
  virtual Status Init() = 0;

  // Does the unit's work. Returns OK when the work is complete (the subtask moves on to
  // the next unit) and when `stop` was requested (the subtask records the pause/stop).
  // Returns an error to pause the subtask; IsRetryable() errors may be auto-resumed.
  virtual Status Process(std::stop_token stop) = 0;

  // Releases resources. Called once, after the last Process().
  virtual void Close() {}

  // The unit's block in query-status (`check`, `dump`, `load`, `sync`).
  virtual void StatusJson(nlohmann::json* out) const = 0;
};

}  // namespace dm::unit
