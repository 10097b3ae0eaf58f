#!/usr/bin/env bash
# Builds the libFuzzer target with clang-14 (ASan+UBSan) and runs it briefly.
#   scripts/fuzz.sh [seconds]     (default 60; FUZZ_SECONDS also works)
# Seeds: the real binlogs in ../shared/testdata/binlogs when present. Crashes are
# written to build-fuzz/crashes/ and make this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-${FUZZ_SECONDS:-60}}"
bash scripts/deps.sh >/dev/null
if [[ ! -f build-fuzz/build.ninja ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDM_FUZZ=ON -DDM_WERROR=OFF >/dev/null
fi
cmake --build build-fuzz -j2 --target binlog_fuzz
mkdir -p build-fuzz/corpus build-fuzz/crashes
seeds=()
if [[ -d ../shared/testdata/binlogs ]]; then
  seeds+=(../shared/testdata/binlogs/mysql_common ../shared/testdata/binlogs/gh-ost)
fi
echo "fuzz: running binlog_fuzz for ${secs}s"
ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/bin/binlog_fuzz -max_total_time="$secs" -max_len=200000 \
  -rss_limit_mb=2048 -timeout=20 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 \
  build-fuzz/corpus "${seeds[@]}" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [[ $status -ne 0 ]] || compgen -G "build-fuzz/crashes/*" >/dev/null; then
  echo "fuzz: FAILED (exit $status); inputs in build-fuzz/crashes/" >&2
  exit 1
fi
echo "fuzz: OK"
