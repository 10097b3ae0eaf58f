# shellcheck shell=bash
# The preamble of the cluster shell tests, sourced once at the top of each:
#
#   set -euo pipefail
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
#
# Sets ROOT (the repository) and DM_BIN (exported; default $ROOT/build/bin), sources
# cluster.sh (and with it servers.sh) and checksum.sh, and calls harness_init (every
# process started through the libs is stopped on exit). Then defines:
#   fail MSG...      prints "<test>: FAIL: MSG" to stderr and exits 1
#   log MSG...       prints "<test>: MSG"
#   step MSG...      prints "== MSG" (a numbered step of the test)
#   expect_in WHAT HAYSTACK NEEDLE...   fails (naming WHAT) unless every NEEDLE is in HAYSTACK
#   same_data SCHEMA...   CHECKSUM TABLE and COUNT(*) of every table equal between
#                         $UP_PORT and $DOWN_PORT (quiet)
#   show_diff SCHEMA...   the differences, on stderr (never fails)
#   m1_leads              dm-master m1 is the leader (list-member --leader)
#   start_master_and_workers WORKER...   one dm-master m1 (DM_MASTERS=$M1_ADDR, waits until
#                         it leads), then WORKER... joined with --keepalive-ttl 3 (waits
#                         until every one is registered)
#   create_source ID [YAML-LINE...]      writes $DM_RUN_DIR/source.yaml (the upstream
#                         $UP_PORT as root, plus YAML-LINE...) and runs operate-source create
#   write_incremental_task NAME DB       writes $DM_RUN_DIR/task.yaml: task NAME, task-mode
#                         incremental from source s1 to $DOWN_PORT, schema DB only, safe mode
#                         off, the table_schema precheck skipped
#   write_chunked_task FILE NAME MODE DB...   writes $DM_RUN_DIR/FILE: task NAME in task-mode
#                         MODE (full/all) from source s1 to $DOWN_PORT, schemas DB..., a dump
#                         in chunks (2 threads, 20000 rows, 1 MB files) loaded by 2 connections
#   task_errors TASK      the messages of the first subtask's errors in query-status
# (cluster.sh has json_get, status TASK EXPR and unit_is TASK UNIT/STAGE.)
# <test> is DM_TEST_NAME: the test script's file name without .sh.

_DM_COMMON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$_DM_COMMON_DIR/../../.." && pwd)
export DM_BIN=${DM_BIN:-$ROOT/build/bin}
# shellcheck source=cluster.sh
source "$_DM_COMMON_DIR/cluster.sh"
# shellcheck source=checksum.sh
source "$_DM_COMMON_DIR/checksum.sh"
harness_init

DM_TEST_NAME=$(basename "${BASH_SOURCE[${#BASH_SOURCE[@]} - 1]}" .sh)

fail() { echo "$DM_TEST_NAME: FAIL: $*" >&2; exit 1; }
log() { echo "$DM_TEST_NAME: $*"; }
step() { echo "== $*"; }
expect_in() {
  local what=$1 hay=$2 n
  shift 2
  for n in "$@"; do
    [[ "$hay" == *"$n"* ]] || fail "$what: '$n' not in: $hay"
  done
}

same_data() { dm_compare_checksums "127.0.0.1:$UP_PORT" "127.0.0.1:$DOWN_PORT" "$@" 2>/dev/null; }
show_diff() { dm_compare_checksums "127.0.0.1:$UP_PORT" "127.0.0.1:$DOWN_PORT" "$@" || true; }

# _dm_workers_registered WORKER...: every WORKER is in list-member --worker.
_dm_workers_registered() {
  local out w
  out=$(dmctl list-member --worker) || return 1
  for w in "$@"; do
    [[ "$out" == *"\"name\": \"$w\""* ]] || return 1
  done
}

m1_leads() { dmctl list-member --leader | grep -q '"name": "m1"'; }

start_master_and_workers() {
  local w
  start_dm_master m1 ""
  export DM_MASTERS=$M1_ADDR
  wait_for 60 "m1 leads" m1_leads || fail "dm-master m1 never became the leader: $(tail -20 "$M1_LOG")"
  for w in "$@"; do
    start_dm_worker "$w" "$M1_ADDR" --keepalive-ttl 3
  done
  wait_for 30 "$* registered" _dm_workers_registered "$@" ||
    fail "workers $* not all registered: $(dmctl list-member --worker)"
}

create_source() {
  local id=${1:?create_source ID [YAML-LINE...]} line
  shift
  {
    echo "source-id: $id"
    for line in "$@"; do echo "$line"; done
    echo "from: {host: 127.0.0.1, port: $UP_PORT, user: root, password: \"\"}"
  } >"$DM_RUN_DIR/source.yaml"
  local out
  out=$(dmctl operate-source create "$DM_RUN_DIR/source.yaml") || fail "operate-source create $id: $out"
}

write_incremental_task() {
  local name=${1:?write_incremental_task NAME DB} db=${2:?write_incremental_task NAME DB}
  cat >"$DM_RUN_DIR/task.yaml" <<YAML
name: $name
task-mode: incremental
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
ignore-checking-items: ["table_schema"]
block-allow-list:
  bal: {do-dbs: [$db]}
syncers:
  sy: {safe-mode-duration: 0s}
mysql-instances:
  - source-id: s1
    block-allow-list: bal
    syncer-config-name: sy
YAML
}

write_chunked_task() {
  local file=${1:?write_chunked_task FILE NAME MODE DB...} name=${2:?} mode=${3:?} dbs
  shift 3
  dbs=$(IFS=,; echo "$*")
  cat >"$DM_RUN_DIR/$file" <<YAML
name: $name
task-mode: $mode
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
block-allow-list:
  bal: {do-dbs: [${dbs//,/, }]}
mydumpers:
  d: {threads: 2, rows: 20000, chunk-filesize: 1}
loaders:
  l: {pool-size: 2}
mysql-instances:
  - source-id: s1
    block-allow-list: bal
    mydumper-config-name: d
    loader-config-name: l
YAML
}

task_errors() { status "$1" '" ".join(e["Message"] for e in s["result"]["errors"])'; }
