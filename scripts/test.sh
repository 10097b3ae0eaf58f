#!/usr/bin/env bash
# The one entry point for CI and humans: install packages, build, run every test (unit and
# integration, with real MariaDB and etcd), then the fuzz smoke run if there is one.
#
#   scripts/test.sh            # from anywhere; builds in ./build (RelWithDebInfo, Ninja)
#
# Environment: DM_BUILD_DIR (default build), DM_KEEP_TMP=1 keeps server dirs and logs,
# CTEST_ARGS extra ctest arguments (e.g. "-L integration" or "-R harness").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD_DIR=${DM_BUILD_DIR:-build}
[[ "$BUILD_DIR" == /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
declare -a SUMMARY=()
FAILED=0
step_start=0

begin() {
  step_start=$SECONDS
  echo "==> $1"
}
record() {  # name status
  SUMMARY+=("$(printf '%-12s %-6s %4ss' "$1" "$2" "$((SECONDS - step_start))")")
  [[ "$2" == ok ]] || FAILED=1
}
print_summary() {
  echo
  echo "==> summary"
  local line
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  if ((FAILED)); then echo "  RESULT: FAILED"; else echo "  RESULT: OK"; fi
}
trap print_summary EXIT

begin "deps"
if bash scripts/deps.sh; then record deps ok; else record deps FAIL; exit 1; fi

begin "configure ($BUILD_DIR)"
if [[ -f "$BUILD_DIR/CMakeCache.txt" && -f "$BUILD_DIR/build.ninja" ]]; then
  echo "already configured"
  record configure ok
elif cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  record configure ok
else
  record configure FAIL
  exit 1
fi

begin "build"
if cmake --build "$BUILD_DIR" -j2; then record build ok; else record build FAIL; exit 1; fi

# Integration tests must run here, never skip: a missing mariadbd/etcd is a failure.
export DM_TEST_REQUIRE_SERVERS=1
# Server dirs (and the cached template datadir) live under the build dir; leftovers of an
# interrupted earlier run are removed first.
export DM_TEST_TMP="$BUILD_DIR/test-tmp"
mkdir -p "$DM_TEST_TMP"
rm -rf "$DM_TEST_TMP"/dm-test.* "$DM_TEST_TMP"/dm-test-*

begin "ctest"
# shellcheck disable=SC2086
if ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout 900 ${CTEST_ARGS:-}; then
  record ctest ok
else
  record ctest FAIL
fi

if [[ -x scripts/fuzz.sh ]]; then
  begin "fuzz"
  if scripts/fuzz.sh; then record fuzz ok; else record fuzz FAIL; fi
else
  echo "==> fuzz: scripts/fuzz.sh not present or not executable; skipped"
  SUMMARY+=("$(printf '%-12s %-6s' fuzz skipped)")
fi

# Nothing we started may outlive the run.
leftover=$(pgrep -af "$DM_TEST_TMP" || true)
if [[ -n "$leftover" ]]; then
  echo "==> processes left behind by tests (killing them):"
  echo "$leftover"
  while read -r pid _; do kill -KILL "$pid" 2>/dev/null || true; done <<<"$leftover"
  SUMMARY+=("$(printf '%-12s %-6s' leftovers FAIL)")
  FAILED=1
fi

exit "$FAILED"
