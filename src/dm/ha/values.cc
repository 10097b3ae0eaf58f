#include "dm/ha/values.h"

#include <nlohmann/json.hpp>

namespace dm::ha {

namespace {
Result<nlohmann::json> Parse(std::string_view text, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Status::Corruption("malformed " + std::string(what) + " value in etcd: " +
                              std::string(text.substr(0, 200)));
  }
  return j;
}

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string_view ExpectStageName(ExpectStage s) {
  switch (s) {
    case ExpectStage::kRunning: return "Running";
    case ExpectStage::kPaused: return "Paused";
    case ExpectStage::kStopped: return "Stopped";
  }
  return "Running";
}

std::string Encode(const WorkerInfo& v) {
  return nlohmann::json{{"name", v.name}, {"address", v.address}, {"ts", v.ts}}.dump();
}
std::string Encode(const SourceBound& v) {
  return nlohmann::json{{"source", v.source}, {"worker", v.worker}}.dump();
}
std::string Encode(const SubTaskStage& v) {
  return nlohmann::json{{"expect", ExpectStageName(v.expect)}, {"source", v.source}, {"task", v.task}}
      .dump();
}

std::string Encode(const TaskCliArgs& v) {
  return nlohmann::json{{"start_time", v.start_time},
                        {"safe_mode_duration", v.safe_mode_duration},
                        {"wait_time_on_stop", v.wait_time_on_stop}}
      .dump();
}

Result<TaskCliArgs> DecodeTaskCliArgs(std::string_view text) {
  DM_ASSIGN_OR_RETURN(auto j, Parse(text, "task cli args"));
  return TaskCliArgs{Str(j, "start_time"), Str(j, "safe_mode_duration"), Str(j, "wait_time_on_stop")};
}

Result<WorkerInfo> DecodeWorkerInfo(std::string_view text) {
  DM_ASSIGN_OR_RETURN(auto j, Parse(text, "worker info"));
  WorkerInfo v{Str(j, "name"), Str(j, "address"), j.value("ts", int64_t{0})};
  if (v.name.empty()) return Status::Corruption("worker info without a name in etcd");
  return v;
}

Result<SourceBound> DecodeSourceBound(std::string_view text) {
  DM_ASSIGN_OR_RETURN(auto j, Parse(text, "source bound"));
  SourceBound v{Str(j, "source"), Str(j, "worker")};
  if (v.source.empty() || v.worker.empty()) {
    return Status::Corruption("source bound without source or worker in etcd");
  }
  return v;
}

Result<SubTaskStage> DecodeSubTaskStage(std::string_view text) {
  DM_ASSIGN_OR_RETURN(auto j, Parse(text, "subtask stage"));
  SubTaskStage v;
  std::string e = Str(j, "expect");
  if (e == "Running") v.expect = ExpectStage::kRunning;
  else if (e == "Paused") v.expect = ExpectStage::kPaused;
  else if (e == "Stopped") v.expect = ExpectStage::kStopped;
  else return Status::Corruption("subtask stage with unknown expect '" + e + "' in etcd");
  v.source = Str(j, "source");
  v.task = Str(j, "task");
  return v;
}

}  // namespace dm::ha
