#!/usr/bin/env bash
# Checks tests/integration/lib/servers.sh: starts one MariaDB and one etcd, checks that they
# are configured as the binlog tests expect, and that stop_all leaves no process or dir behind.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/servers.sh
source "$HERE/lib/servers.sh"

fail() { echo "harness_shell_test: FAIL: $*" >&2; exit 1; }
expect_eq() {  # what actual expected
  [[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"
}

if ! command -v mariadbd >/dev/null && [[ ! -x /usr/sbin/mariadbd ]]; then
  if [[ "${DM_TEST_REQUIRE_SERVERS:-0}" == 1 ]]; then
    fail "mariadbd not installed (run scripts/deps.sh)"
  fi
  echo "harness_shell_test: SKIP: mariadbd not installed; run scripts/deps.sh"
  exit 0
fi

harness_init

start_mariadb up1
start_mariadb up2 --binlog-row-image=MINIMAL
start_etcd meta

[[ -n "${UP1_PORT:-}" && -n "${UP1_PID:-}" && -d "${UP1_DIR:-}" && -S "${UP1_SOCK:-}" ]] ||
  fail "start_mariadb did not export UP1_PORT/PID/DIR/SOCK"
[[ "$UP1_PORT" != "$UP2_PORT" ]] || fail "two servers share port $UP1_PORT"

expect_eq "log_bin" "$(mysql_exec up1 'select @@log_bin')" 1
expect_eq "binlog_format" "$(mysql_exec up1 'select @@binlog_format')" ROW
expect_eq "binlog_row_image" "$(mysql_exec up1 'select @@binlog_row_image')" FULL
expect_eq "binlog_row_metadata" "$(mysql_exec up1 'select @@binlog_row_metadata')" FULL
expect_eq "gtid_domain_id" "$(mysql_exec up1 'select @@gtid_domain_id')" 0
expect_eq "extra args override defaults" "$(mysql_exec up2 'select @@binlog_row_image')" MINIMAL
expect_eq "server ids differ" \
  "$(mysql_exec up1 'select @@server_id')" "$UP1_SERVER_ID"
[[ "$UP1_SERVER_ID" != "$UP2_SERVER_ID" ]] || fail "server ids not unique"
expect_eq "port" "$(mysql_exec up1 'select @@port')" "$UP1_PORT"

mysql_exec up1 "create database d; create table d.t (id int primary key, v varchar(10)); insert into d.t values (1,'a'),(2,'b')"
expect_eq "row count" "$(mysql_exec up1 'select count(*) from d.t')" 2
binlogs=$(mysql_exec up1 'show binary logs' | wc -l)
((binlogs > 0)) || fail "SHOW BINARY LOGS is empty"
ls "$UP1_DIR"/mysql-bin.000001 >/dev/null || fail "no binlog file in $UP1_DIR"
gtid=$(mysql_exec up1 'select @@gtid_binlog_pos')
[[ "$gtid" == 0-"$UP1_SERVER_ID"-* ]] || fail "gtid_binlog_pos '$gtid' not in domain 0 from server $UP1_SERVER_ID"
if mysql_exec up1 'select * from no_such_table' 2>/dev/null; then
  fail "mysql_exec did not fail on an SQL error"
fi

etcdctl_exec meta put /dm/k v1 >/dev/null
expect_eq "etcd get" "$(etcdctl_exec meta get /dm/k --print-value-only)" v1
[[ "$META_ENDPOINT" == "http://127.0.0.1:$META_PORT" ]] || fail "META_ENDPOINT=$META_ENDPOINT"

# A crash and a restart keep port and data.
kill_server up1 KILL
_dm_alive "$UP1_PID" && fail "up1 still alive after kill_server"
mysql_exec up1 'select 1' >/dev/null 2>&1 && fail "up1 answers after being killed"
old_port=$UP1_PORT
restart_mariadb up1
expect_eq "port after restart" "$UP1_PORT" "$old_port"
expect_eq "rows after crash" "$(mysql_exec up1 'select count(*) from d.t')" 2

# stop_all stops every server by pid and removes the temp dir.
pids=("$UP1_PID" "$UP2_PID" "$META_PID")
tmp=$DM_RUN_DIR
stop_all
for p in "${pids[@]}"; do
  ! _dm_alive "$p" || fail "pid $p still running after stop_all"
done
[[ ! -e "$tmp" ]] || fail "$tmp not removed by stop_all"

# The EXIT trap stops servers of a script that fails, and keeps its exit status.
rc=0
errfile=$(mktemp)
out=$(bash -c "source '$HERE/lib/servers.sh'; harness_init; start_etcd e; echo \$E_PID; echo \$DM_RUN_DIR; exit 7" 2>"$errfile") || rc=$?
expect_eq "exit status through trap" "$rc" 7
grep -q 'last lines of .*/e/etcd.log' "$errfile" || { cat "$errfile" >&2; fail "failing script did not print its servers' log tails"; }
rm -f "$errfile"
child_pid=$(sed -n 1p <<<"$out")
child_tmp=$(sed -n 2p <<<"$out")
! _dm_alive "$child_pid" || fail "etcd pid $child_pid survived its script's exit"
[[ ! -e "$child_tmp" ]] || fail "$child_tmp survived its script's exit"

# A script killed with SIGKILL (no trap runs) still takes its servers down (PDEATHSIG).
if command -v setpriv >/dev/null; then
  pidfile=$(mktemp)
  { bash -c "source '$HERE/lib/servers.sh'; start_etcd e; echo \$E_PID > '$pidfile'; echo \$DM_RUN_DIR >> '$pidfile'; kill -KILL \$\$"; } 2>/dev/null || true
  child_pid=$(sed -n 1p "$pidfile")
  child_tmp=$(sed -n 2p "$pidfile")
  rm -f "$pidfile"
  for ((i = 0; i < 100; i++)); do _dm_alive "$child_pid" || break; sleep 0.05; done
  ! _dm_alive "$child_pid" || { kill -KILL "$child_pid"; fail "etcd pid $child_pid survived SIGKILL of its script"; }
  rm -rf "$child_tmp"
fi

echo "harness_shell_test: PASS"
