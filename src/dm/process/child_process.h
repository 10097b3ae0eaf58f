#pragma once
// ChildProcess: a server or tool started by this process (dm-master's etcd member, test
// fixtures' databases), always stopped by pid.
//
// Every child is recorded in a process-wide registry, and the registry is a safety net:
//  - the child gets prctl(PR_SET_PDEATHSIG, SIGKILL) before exec, so it dies when the
//    thread that spawned it dies, even by SIGKILL;
//  - an atexit handler SIGKILLs and reaps children still registered at exit();
//  - handlers for SIGINT/TERM/HUP/QUIT/ABRT/SEGV/BUS/FPE/ILL SIGKILL them, then hand
//    the signal on to the previous handler (or the default action).
// Each entry remembers which process spawned it: a forked copy of the test process (gtest
// death tests) only ever acts on children it spawned itself.
//
// Spawn from a thread that outlives the child: PDEATHSIG fires when the spawning
// *thread* exits.
//
// Thread-safety: a ChildProcess is used by one thread at a time; Spawn and the
// registry are thread-safe.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::process {

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH and /usr/sbin
    std::string output_path;        // stdout and stderr go here (truncated); empty = /dev/null
    std::vector<std::string> env;   // "KEY=VALUE" entries added to (or replacing in) ours
  };

  // Starts the child. Fails (kNotFound) if the program cannot be found, or if exec fails.
  static Result<std::unique_ptr<ChildProcess>> Spawn(Options options);

  // Stop()s the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& program() const { return program_; }
  const std::string& output_path() const { return options_.output_path; }

  // True until the child has exited (reaps it when it has).
  bool Running();

  // SIGTERM, then waits up to `grace` for exit, then SIGKILL; always reaps.
  // Returns an error only if the child could not be reaped at all.
  Status Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Sends `sig` (default SIGKILL: a crash) and, for SIGKILL, waits for exit and reaps.
  void Kill(int sig = 9);

  // Waits up to `timeout` for exit; returns the raw wait status, or kDeadlineExceeded.
  Result<int> Wait(std::chrono::milliseconds timeout);

  // "exited with status 1" / "killed by signal 9" / "running".
  std::string DescribeExit() const;

 private:
  ChildProcess() = default;
  bool TryReap(bool block);

  Options options_;
  std::string program_;
  pid_t pid_ = -1;
  int slot_ = -1;
  std::optional<int> wait_status_;
};

// Full path of `name` (PATH, then /usr/sbin, /usr/local/sbin, /sbin); nullopt if absent.
std::optional<std::string> FindProgram(const std::string& name);

// The last `lines` lines of a text file ("" if unreadable), for failure messages.
std::string TailFile(const std::string& path, int lines = 30);

// Number of live children in the registry (for tests of the fixtures themselves).
int LiveChildCount();

}  // namespace dm::process
