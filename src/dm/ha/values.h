#pragma once
// The JSON values stored under the keys of keys.h (docs/control-plane.md "etcd keys").
// Decode functions fail with kCorruption naming the key kind when a value is malformed.

#include <string>

#include "dm/base/result.h"

namespace dm::ha {

struct WorkerInfo {  // /dm-worker/r/ and /dm-worker/a/
  std::string name;
  std::string address;
  int64_t ts = 0;  // keepalive: unix seconds of the last put
};

struct SourceBound {  // /dm-master/bound-worker/, /dm-master/last-bound-worker/
  std::string source;
  std::string worker;
};

enum class ExpectStage { kRunning, kPaused, kStopped };
std::string_view ExpectStageName(ExpectStage s);

struct SubTaskStage {  // /dm-master/stage/subtask/
  ExpectStage expect = ExpectStage::kRunning;
  std::string source;
  std::string task;
};

// /dm-master/task-cli-args/<task>/<source>: DM's TaskCliArgs, the start-task command-line
// arguments that win over the task config and the downstream checkpoint. The worker
// clears start_time once the sync unit has saved a checkpoint at that time (DM does the
// same), so a restart resumes from the checkpoint instead of going back in time.
struct TaskCliArgs {
  std::string start_time;          // "" = none
  std::string safe_mode_duration;  // DM field, kept as given
  std::string wait_time_on_stop;   // DM field, kept as given
};

std::string Encode(const WorkerInfo& v);
std::string Encode(const TaskCliArgs& v);
Result<TaskCliArgs> DecodeTaskCliArgs(std::string_view json);
std::string Encode(const SourceBound& v);
std::string Encode(const SubTaskStage& v);
Result<WorkerInfo> DecodeWorkerInfo(std::string_view json);
Result<SourceBound> DecodeSourceBound(std::string_view json);
Result<SubTaskStage> DecodeSubTaskStage(std::string_view json);

}  // namespace dm::ha
