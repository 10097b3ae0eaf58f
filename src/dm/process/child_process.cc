#include "dm/process/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>


extern char** environ;

namespace dm::process {
namespace {

// ---- registry: fixed slots so the signal handler can read it without locks ----

// A slot holds a child's pid and the pid of the process that spawned it: a forked copy
// of the test process (gtest death test, SafetyNetTest) only ever acts on its own.
constexpr int kSlots = 256;
std::atomic<pid_t> g_slots[kSlots];
std::atomic<pid_t> g_slot_owner[kSlots];

int RegisterPid(pid_t pid) {
  for (int i = 0; i < kSlots; ++i) {
    pid_t expected = 0;
    if (g_slots[i].compare_exchange_strong(expected, pid)) {
      g_slot_owner[i].store(getpid());
      return i;
    }
  }
  return -1;  // full: the child is still stopped by its ChildProcess, only the net is missing
}

// Clears `slot` if it still holds `pid`; false if the safety net already took it.
bool UnregisterPid(int slot, pid_t pid) {
  if (slot < 0) return true;
  pid_t expected = pid;
  return g_slots[slot].compare_exchange_strong(expected, 0);
}

// Async-signal-safe: SIGKILLs every registered child (does not reap).
void KillAllRegistered() {
  pid_t self = getpid();
  for (int i = 0; i < kSlots; ++i) {
    pid_t p = g_slots[i].load();
    if (p > 0 && g_slot_owner[i].load() == self) kill(p, SIGKILL);
  }
}

void AtExitKillAll() {
  pid_t self = getpid();
  for (int i = 0; i < kSlots; ++i) {
    pid_t p = g_slots[i].load();
    if (p <= 0 || g_slot_owner[i].load() != self) continue;
    if (!g_slots[i].compare_exchange_strong(p, 0)) continue;
    kill(p, SIGKILL);
    while (waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

constexpr int kFatalSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT,
                                 SIGSEGV, SIGBUS,  SIGFPE, SIGILL};
struct sigaction g_previous[65];

void OnFatalSignal(int sig, siginfo_t* info, void* ctx) {
  int saved_errno = errno;
  KillAllRegistered();
  // Hand the signal on: restore the previous disposition and deliver it again. A fault
  // raised by the hardware (si_code > 0) re-executes the faulting instruction on return.
  sigaction(sig, &g_previous[sig], nullptr);
  bool hardware_fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) &&
                        info != nullptr && info->si_code > 0;
  if (!hardware_fault) raise(sig);
  errno = saved_errno;
  (void)ctx;
}

void InstallSafetyNet() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Callers that remove files at exit (test temp dirs) create them before the first
    // Spawn: atexit runs in reverse order, so children die before their files go.
    std::atexit(AtExitKillAll);
    for (int sig : kFatalSignals) {
      struct sigaction sa{};
      sa.sa_sigaction = OnFatalSignal;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      struct sigaction old{};
      sigaction(sig, nullptr, &old);
      // Respect a signal the process chose to ignore (e.g. SIGINT under nohup).
      if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN) continue;
      g_previous[sig] = old;
      sigaction(sig, &sa, nullptr);
    }
  });
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    bool replaced = false;
    for (const auto& x : extra) {
      auto eq = x.find('=');
      if (eq != std::string::npos && kv.size() > eq && kv.substr(0, eq + 1) == x.substr(0, eq + 1)) {
        replaced = true;
        break;
      }
    }
    if (!replaced) env.emplace_back(kv);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return fmt::format("wait status {}", status);
}

}  // namespace

std::optional<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (IsExecutable(name)) return name;
    return std::nullopt;
  }
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string d;
    while (std::getline(ss, d, ':')) {
      if (!d.empty()) dirs.push_back(d);
    }
  }
  for (const char* d : {"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"}) dirs.emplace_back(d);
  for (const auto& d : dirs) {
    std::string candidate = d + "/" + name;
    if (IsExecutable(candidate)) return candidate;
  }
  return std::nullopt;
}

std::string TailFile(const std::string& path, int lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(std::move(line));
  std::string out;
  size_t first = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  for (size_t i = first; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

int LiveChildCount() {
  int n = 0;
  pid_t self = getpid();
  for (int i = 0; i < kSlots; ++i) {
    n += g_slots[i].load() > 0 && g_slot_owner[i].load() == self ? 1 : 0;
  }
  return n;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(Options options) {
  if (options.argv.empty()) return Status::InvalidArgument("ChildProcess::Spawn: empty argv");
  std::optional<std::string> program = FindProgram(options.argv[0]);
  if (!program) {
    return Status::NotFound(fmt::format(
        "program '{}' not found in PATH or /usr/sbin; install it (run scripts/deps.sh as root)",
        options.argv[0]));
  }
  InstallSafetyNet();

  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (the test process may have threads).
  std::vector<std::string> env = MergedEnvironment(options.env);
  std::vector<char*> argv_c, env_c;
  for (auto& a : options.argv) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);
  for (auto& e : env) env_c.push_back(e.data());
  env_c.push_back(nullptr);
  std::string out = options.output_path.empty() ? "/dev/null" : options.output_path;
  int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    return Status::IOError(fmt::format("cannot open output file {} for {}: {}", out, *program,
                                       strerror(errno)));
  }
  int err_pipe[2];  // reports exec failure (errno) back to the parent
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_fd);
    return Status::IOError(fmt::format("pipe2: {}", strerror(errno)));
  }
  pid_t parent = getpid();
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // no handler of ours may run in the child
  pid_t pid = fork();
  if (pid == 0) {
    // Child.
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // parent already gone
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    // Close everything else except the error pipe (which is O_CLOEXEC).
    unsigned keep = static_cast<unsigned>(err_pipe[1]);
    if (keep < 3) {
      close_range(3, ~0U, 0);
    } else {
      if (keep > 3) close_range(3, keep - 1, 0);
      close_range(keep + 1, ~0U, 0);
    }
    execve(program->c_str(), argv_c.data(), env_c.data());
    int e = errno;
    ssize_t w = write(err_pipe[1], &e, sizeof(e));
    (void)w;
    _exit(127);
  }
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(out_fd);
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    return Status::Internal(fmt::format("fork for {}: {}", *program, strerror(fork_errno)));
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->options_ = std::move(options);
  child->program_ = *program;
  child->pid_ = pid;
  child->slot_ = RegisterPid(pid);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(err_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  close(err_pipe[0]);
  if (n == sizeof(exec_errno)) {
    child->TryReap(true);
    return Status::Internal(fmt::format("cannot execute {}: {}", child->program_,
                                        strerror(exec_errno)));
  }
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !wait_status_) (void)Stop();
}

bool ChildProcess::TryReap(bool block) {
  if (wait_status_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    wait_status_ = status;
    UnregisterPid(slot_, pid_);
    return true;
  }
  if (r < 0 && errno == ECHILD) {
    // Reaped by the safety net (or by someone else): it is gone either way.
    wait_status_ = 0;
    UnregisterPid(slot_, pid_);
    return true;
  }
  return false;
}

bool ChildProcess::Running() { return pid_ > 0 && !TryReap(false); }

Result<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!TryReap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kDeadlineExceeded,
                    fmt::format("{} (pid {}) still running after {} ms", program_, pid_,
                                timeout.count()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return *wait_status_;
}

Status ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || TryReap(false)) return Status::OK();
  kill(pid_, SIGTERM);
  if (Wait(grace).ok()) return Status::OK();
  kill(pid_, SIGKILL);
  if (TryReap(true)) return Status::OK();
  return Status::Internal(fmt::format("cannot reap {} (pid {})", program_, pid_));
}

void ChildProcess::Kill(int sig) {
  if (pid_ <= 0 || TryReap(false)) return;
  kill(pid_, sig);
  if (sig == SIGKILL) TryReap(true);
}

std::string ChildProcess::DescribeExit() const {
  if (!wait_status_) return "running";
  return DescribeWaitStatus(*wait_status_);
}

}  // namespace dm::process
