#include "dm/base/daemon.h"

#include <csignal>

#include "dm/base/log.h"

namespace dm {

namespace {
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

Status InitDaemonLogging(const std::string& level_text, const std::string& file) {
  LogLevel level;
  DM_RETURN_IF_ERROR(ParseLogLevel(level_text, &level));
  return InitLogging(level, file);
}

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace dm
