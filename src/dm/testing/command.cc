#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "dm/testing/child_process.h"
#include "dm/testing/temp_dir.h"

namespace dm::testing {

Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout, std::vector<std::string> env,
                                 std::string output_path) {
  if (output_path.empty()) {
    static std::atomic<int> seq{0};
    output_path = fmt::format("{}/cmd-{}.out", TestTempDir(), seq.fetch_add(1));
  }
  ChildProcess::Options o;
  o.argv = argv;
  o.output_path = output_path;
  o.env = std::move(env);
  DM_ASSIGN_OR_RETURN(auto child, ChildProcess::Spawn(std::move(o)));
  auto waited = child->Wait(timeout);
  if (!waited.ok()) {
    child->Kill(SIGKILL);
    return Status(Code::kDeadlineExceeded,
                  fmt::format("{} did not finish within {} ms (killed); output in {}",
                              child->program(), timeout.count(), output_path));
  }
  CommandResult r;
  int st = *waited;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream in(output_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  return r;
}

}  // namespace dm::testing
