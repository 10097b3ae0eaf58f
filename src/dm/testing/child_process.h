#pragma once
// Test fixtures use dm::process::ChildProcess (the same supervision dm-master uses for its
// etcd member) plus RunCommand, which captures a tool's output in the test temp dir.

#include <chrono>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/process/child_process.h"

namespace dm::testing {

using process::ChildProcess;
using process::FindProgram;
using process::LiveChildCount;
using process::TailFile;

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // stdout and stderr interleaved
  bool ok() const { return exit_code == 0; }
};

// Runs argv to completion (killing it after `timeout`), capturing its output in
// `output_path` (a fresh file in TestTempDir() when empty). Returns an error only if it
// could not be started or timed out; a non-zero exit is reported in exit_code.
Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60),
                                 std::vector<std::string> env = {},
                                 std::string output_path = "");

}  // namespace dm::testing
