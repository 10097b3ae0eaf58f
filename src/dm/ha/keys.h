#pragma once
// The etcd key layout of the cluster's state (DM's layout, dm/common/common.go): a fixed
// prefix followed by the hex-encoded key parts joined by '/'. Hex encoding keeps any
// source id, task name or worker name (slashes, unicode) unambiguous. Documented in
// docs/etcd-keys.md.
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dm::ha {

// Prefixes (DM's names).
inline constexpr std::string_view kLeaderPrefix = "/dm-master/leader";
inline constexpr std::string_view kClusterIdKey = "/dm-cluster/id";
inline constexpr std::string_view kWorkerRegisterPrefix = "/dm-worker/r/";
inline constexpr std::string_view kWorkerKeepAlivePrefix = "/dm-worker/a/";
inline constexpr std::string_view kSourceConfigPrefix = "/dm-master/v2/upstream/config/";
inline constexpr std::string_view kBoundWorkerPrefix = "/dm-master/bound-worker/";
inline constexpr std::string_view kLastBoundWorkerPrefix = "/dm-master/last-bound-worker/";
inline constexpr std::string_view kRelayWorkerPrefix = "/dm-master/relay-worker/";
inline constexpr std::string_view kSubTaskConfigPrefix = "/dm-master/upstream/subtask/";
inline constexpr std::string_view kRelayStagePrefix = "/dm-master/v2/stage/relay/";
inline constexpr std::string_view kSubTaskStagePrefix = "/dm-master/stage/subtask/";
inline constexpr std::string_view kTaskCliArgsPrefix = "/dm-master/task-cli-args/";

// prefix + hex(parts[0]) + "/" + hex(parts[1]) ...
std::string EncodeKey(std::string_view prefix, const std::vector<std::string_view>& parts);
// The parts of `key` under `prefix`, or nullopt if it is not such a key (wrong prefix,
// bad hex).
std::optional<std::vector<std::string>> DecodeKey(std::string_view prefix, std::string_view key);

std::string HexEncode(std::string_view s);
std::optional<std::string> HexDecode(std::string_view hex);

// Typed helpers for the keys above.
inline std::string WorkerRegisterKey(std::string_view worker) {
  return EncodeKey(kWorkerRegisterPrefix, {worker});
}
inline std::string WorkerKeepAliveKey(std::string_view worker) {
  return EncodeKey(kWorkerKeepAlivePrefix, {worker});
}
inline std::string SourceConfigKey(std::string_view source) {
  return EncodeKey(kSourceConfigPrefix, {source});
}
inline std::string BoundWorkerKey(std::string_view worker) {
  return EncodeKey(kBoundWorkerPrefix, {worker});
}
inline std::string LastBoundWorkerKey(std::string_view worker) {
  return EncodeKey(kLastBoundWorkerPrefix, {worker});
}
inline std::string SubTaskConfigKey(std::string_view source, std::string_view task) {
  return EncodeKey(kSubTaskConfigPrefix, {source, task});
}
inline std::string SubTaskStageKey(std::string_view source, std::string_view task) {
  return EncodeKey(kSubTaskStagePrefix, {source, task});
}
inline std::string RelayStageKey(std::string_view source) {
  return EncodeKey(kRelayStagePrefix, {source});
}
// DM's order: (task, source). TaskCliArgsPrefix(task) covers every source of a task.
inline std::string TaskCliArgsKey(std::string_view task, std::string_view source) {
  return EncodeKey(kTaskCliArgsPrefix, {task, source});
}
inline std::string TaskCliArgsPrefix(std::string_view task) {
  return EncodeKey(kTaskCliArgsPrefix, {task}) + "/";
}

}  // namespace dm::ha
