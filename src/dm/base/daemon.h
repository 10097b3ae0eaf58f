#pragma once
// Process plumbing shared by the long-running binaries (dm-master, dm-worker).

#include <string>

#include "dm/base/status.h"

namespace dm {

// Initializes logging from DM's -L / --log-file flag values.
Status InitDaemonLogging(const std::string& level, const std::string& file);

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts later, so
// that WaitForTerminationSignal() receives them. Call before starting any thread.
void BlockTerminationSignals();

// Waits for SIGINT or SIGTERM and returns its number.
int WaitForTerminationSignal();

}  // namespace dm
