#include "dm/unit/unit.h"

#include "dm/base/text.h"

namespace dm::unit {

std::string_view UnitTypeName(UnitType t) {
  switch (t) {
    case UnitType::kCheck: return "Check";
    case UnitType::kDump: return "Dump";
    case UnitType::kLoad: return "Load";
    case UnitType::kSync: return "Sync";
    case UnitType::kRelay: return "Relay";
  }
  return "Unknown";
}

Result<TaskMode> ParseTaskMode(std::string_view text) {
  if (text == "all") return TaskMode::kAll;
  if (text == "full") return TaskMode::kFull;
  if (text == "incremental") return TaskMode::kIncremental;
  if (text == "dump") return TaskMode::kDump;
  if (text == "load") return TaskMode::kLoad;
  if (text == "load&sync") return TaskMode::kLoadSync;
  return Status(Code::kInvalidArgument,
                "invalid task-mode " + QuoteInput(text) +
                    "; use one of all, full, incremental, dump, load",
                Scope::kConfig);
}

std::string_view TaskModeName(TaskMode m) {
  switch (m) {
    case TaskMode::kAll: return "all";
    case TaskMode::kFull: return "full";
    case TaskMode::kIncremental: return "incremental";
    case TaskMode::kDump: return "dump";
    case TaskMode::kLoad: return "load";
    case TaskMode::kLoadSync: return "load&sync";
  }
  return "unknown";
}

std::vector<UnitType> UnitsForMode(TaskMode mode) {
  switch (mode) {
    case TaskMode::kAll: return {UnitType::kCheck, UnitType::kDump, UnitType::kLoad, UnitType::kSync};
    case TaskMode::kFull: return {UnitType::kCheck, UnitType::kDump, UnitType::kLoad};
    case TaskMode::kIncremental: return {UnitType::kCheck, UnitType::kSync};
    case TaskMode::kDump: return {UnitType::kCheck, UnitType::kDump};
    case TaskMode::kLoad: return {UnitType::kCheck, UnitType::kLoad};
    case TaskMode::kLoadSync: return {UnitType::kCheck, UnitType::kLoad, UnitType::kSync};
  }
  return {};
}

}  // namespace dm::unit
