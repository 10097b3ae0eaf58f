#pragma once
// Temporary directories and free ports for tests.
//
// TestTempDir() is one directory per test process, created on first use under
// $DM_TEST_TMP (or $TMPDIR, or /tmp) as dm-test-XXXXXX, and removed at exit unless
// DM_KEEP_TMP=1. Fixtures put every server directory inside it.
//
// Thread-safety: all functions are thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "dm/base/result.h"

namespace dm::testing {

// The parent of all test directories: $DM_TEST_TMP, else $TMPDIR, else /tmp (absolute).
std::string TestTempParent();

// The process-wide test directory (absolute path, no trailing slash). Aborts with a
// message if it cannot be created.
std::string TestTempDir();

// Creates and returns a fresh, unique directory TestTempDir()/<prefix>-N.
Result<std::string> MakeTempSubdir(std::string_view prefix);

// A TCP port on 127.0.0.1 nobody listens on, from 20000-32767 (below the kernel's
// ephemeral range) and never returned twice in this process. Another process may still
// take it before we bind: server fixtures retry on "address already in use".
Result<uint16_t> FreePort();

// True when DM_KEEP_TMP=1: fixtures keep their directories (data, logs).
bool KeepTempFiles();

// True when DM_TEST_REQUIRE_SERVERS=1 (set by scripts/test.sh): a missing server binary
// fails the test instead of skipping it.
bool ServersRequired();

}  // namespace dm::testing
