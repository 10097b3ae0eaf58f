#!/usr/bin/env bash
# start-task --start-time end to end (dmctl -> dm-master -> etcd task-cli-args -> dm-worker
# -> sync unit -> binlog position by time) on real MariaDB servers. The upstream runs with
# time_zone '+05:00' (not the machine's zone) and the time is read from its NOW(), so the
# start-time must be read in the upstream's time zone (DM since pingcap/tiflow#5471).
#   0. a malformed --start-time is refused by start-task and check-task, naming the value
#      and the expected format; check-task --start-time with a good one passes.
#   1. rows A, 2 s, the noted time T, rows B (binlogs rotated in between so the search
#      crosses files): an incremental task (enable-gtid) started with --start-time T
#      replicates exactly B; the start-time is then cleared in etcd (DM) and later rows
#      replicate; after a kill -9 of the worker the task resumes from its checkpoint, not
#      from T again (rows deleted downstream meanwhile stay deleted).
#   2. stop-task removes the task-cli-args; start-task --start-time T on a task with a
#      checkpoint goes back to T (DM: the start-time wins over the checkpoint): B rows
#      deleted downstream come back.
#   3. a time after the newest binlog event: the subtask pauses with DM's "is too late, no
#      binlog location matches it", naming the newest event time.
#   4. a time before the oldest binlog: DM starts at the oldest binlog (A and B, and the
#      CREATE statements), data identical to the upstream.
#   5. the same source without enable-gtid: the stream starts at T's file:pos.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

down_rows() { mysql_exec down "SELECT CONCAT(COUNT(*), ':', IFNULL(MIN(id), 0), ':', IFNULL(MAX(id), 0)) FROM st.t" 2>/dev/null; }
rows_are() { [[ "$(down_rows)" == "$1" ]]; }
cli_args() { ETCDCTL_API=3 "${DM_ETCDCTL:-etcdctl}" --endpoints="http://127.0.0.1:$M1_ETCD_PORT" \
               --dial-timeout=2s get --prefix /dm-master/task-cli-args/ --print-value-only; }
start_time_cleared() { [[ "$(cli_args)" == *'"start_time":""'* ]]; }

start_mariadb up
start_mariadb down
mysql_exec up "SET GLOBAL time_zone = '+05:00'"
start_master_and_workers w1
create_source s1 'enable-gtid: true' 'checker: {backoff-max: 2s}'
write_incremental_task st st

# Rows A (ids 1..100) in two binlog files, 2 s, T, rows B (101..200) in two more files.
mysql_exec up "CREATE DATABASE st; CREATE TABLE st.t (id INT PRIMARY KEY, batch CHAR(1));"
for i in $(seq 1 10); do mysql_exec up "INSERT INTO st.t SELECT seq, 'A' FROM st.seq_$(( (i - 1) * 5 + 1 ))_to_$(( i * 5 ))"; done
mysql_exec up "FLUSH BINARY LOGS"
mysql_exec up "INSERT INTO st.t SELECT seq, 'A' FROM st.seq_51_to_100"
mysql_exec up "FLUSH BINARY LOGS"
sleep 2
T=$(mysql_exec up "SELECT NOW()")
log "noted upstream time $T (upstream time_zone +05:00, machine $(date -u '+%F %T') UTC)"
sleep 1
for i in $(seq 1 10); do mysql_exec up "INSERT INTO st.t SELECT seq, 'B' FROM st.seq_$(( 100 + (i - 1) * 5 + 1 ))_to_$(( 100 + i * 5 ))"; done
mysql_exec up "FLUSH BINARY LOGS"
mysql_exec up "INSERT INTO st.t SELECT seq, 'B' FROM st.seq_151_to_200"
mysql_exec down "CREATE DATABASE st; CREATE TABLE st.t (id INT PRIMARY KEY, batch CHAR(1));"

# ---- 0. malformed start-time ------------------------------------------------------------
log "0. a malformed --start-time is refused"
out=$(dmctl start-task --start-time "2021/10/21 00:01:00" "$DM_RUN_DIR/task.yaml") && fail "accepted a bad start-time: $out"
msg=$(json_get "$out" 'j["msg"]')
[[ "$msg" == *'"2021/10/21 00:01:00"'* && "$msg" == *"YYYY-MM-DD HH:MM:SS"* ]] || fail "error does not name the value and the format: $out"
out=$(dmctl query-status st 2>&1 || true)
[[ "$out" != *'"stage"'* && -z "$(cli_args)" ]] || fail "a refused start-task left something: $out $(cli_args)"
out=$(dmctl check-task --start-time "2021-02-30 00:00:00" "$DM_RUN_DIR/task.yaml") && fail "check-task accepted a bad start-time: $out"
[[ "$(json_get "$out" 'j["msg"]')" == *'"2021-02-30 00:00:00"'* ]] || fail "check-task error does not name the value: $out"
out=$(dmctl check-task --start-time "$T" "$DM_RUN_DIR/task.yaml") || fail "check-task --start-time: $out"
[[ -z "$(cli_args)" ]] || fail "check-task wrote task-cli-args: $(cli_args)"

# ---- 1. exactly the rows after T --------------------------------------------------------
log "1. start-task --start-time '$T' replicates exactly rows B"
out=$(dmctl start-task --start-time "$T" "$DM_RUN_DIR/task.yaml") || fail "start-task: $out"
wait_for 60 "task st syncing" unit_is st Sync/Running || fail "st: $(dmctl query-status st)"
wait_for 60 "rows B replicated" rows_are "100:101:200" || fail "downstream rows $(down_rows), expected B only (100:101:200): $(dmctl query-status st)"
a=$(mysql_exec down "SELECT COUNT(*) FROM st.t WHERE batch <> 'B'")
[[ "$a" == 0 ]] || fail "$a rows that are not B downstream"
wait_for 30 "start-time cleared in etcd" start_time_cleared || fail "task-cli-args after the first checkpoint: $(cli_args)"
mysql_exec up "INSERT INTO st.t SELECT seq, 'C' FROM st.seq_201_to_250"
wait_for 60 "rows C replicated" rows_are "150:101:250" || fail "downstream rows $(down_rows): $(dmctl query-status st)"
log "   kill -9 the worker after the start-time was used: it resumes from the checkpoint, not from T"
mysql_exec down "DELETE FROM st.t WHERE id BETWEEN 101 AND 110"
kill9 w1
start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3
mysql_exec up "INSERT INTO st.t SELECT seq, 'D' FROM st.seq_251_to_260"
wait_for 60 "rows D replicated after the restart" rows_are "150:111:260" ||
  fail "downstream rows $(down_rows) after the restart (140:111:260 expected: rows 101..110 must stay deleted): $(dmctl query-status st)"

# ---- 2. the start-time wins over the checkpoint ------------------------------------------
log "2. stop-task, start-task --start-time again on the checkpoint: back to T"
dmctl stop-task st >/dev/null || fail "stop-task"
gone() { [[ -z "$(cli_args)" ]]; }
wait_for 10 "task-cli-args removed by stop-task" gone || fail "task-cli-args after stop-task: $(cli_args)"
mysql_exec down "DELETE FROM st.t WHERE id BETWEEN 111 AND 150"
out=$(dmctl start-task --start-time "${T/ /T}" "$DM_RUN_DIR/task.yaml") || fail "start-task again: $out"
back() { rows_are "160:101:260"; }
wait_for 60 "B rows back from T" back || fail "downstream rows $(down_rows) after restarting at T: $(dmctl query-status st)"
a=$(mysql_exec down "SELECT COUNT(*) FROM st.t WHERE id <= 100")
[[ "$a" == 0 ]] || fail "$a A rows downstream after restarting at T"

# ---- 3. too late ------------------------------------------------------------------------
log "3. a start-time after the newest binlog event"
dmctl stop-task st >/dev/null || fail "stop-task"
out=$(dmctl start-task --start-time "2099-01-01 00:00:00" "$DM_RUN_DIR/task.yaml") || fail "start-task (late): $out"
wait_for 60 "st paused" unit_is st Sync/Paused || fail "not paused: $(dmctl query-status st)"
msg=$(task_errors st)
[[ "$msg" == *"2099-01-01 00:00:00"* && "$msg" == *"is too late, no binlog location matches it"* && "$msg" == *"newest binlog event"* ]] ||
  fail "error does not say the time is too late: $msg"

# ---- 4. too early -----------------------------------------------------------------------
log "4. a start-time before the oldest binlog starts at the oldest binlog"
dmctl stop-task st >/dev/null || fail "stop-task"
mysql_exec down "DROP DATABASE st"
out=$(dmctl start-task --start-time "2000-01-01 00:00:00" "$DM_RUN_DIR/task.yaml") || fail "start-task (early): $out"
wait_for 60 "st syncing" unit_is st Sync/Running || fail "st: $(dmctl query-status st)"
synced() { same_data st; }
wait_for 60 "everything replicated from the oldest binlog" synced || { show_diff st; fail "early start: $(dmctl query-status st)"; }
rows_are "260:1:260" || fail "downstream rows $(down_rows), expected 260:1:260"
grep -q "before the oldest binlog" "$W1_LOG" || fail "no warning about the oldest binlog in $W1_LOG"

# ---- 5. file:pos instead of GTIDs ---------------------------------------------------------
log "5. enable-gtid: false: the file:pos of T"
dmctl stop-task st >/dev/null || fail "stop-task"
sed -i 's/^enable-gtid: true/enable-gtid: false/' "$DM_RUN_DIR/source.yaml"
out=$(dmctl operate-source update "$DM_RUN_DIR/source.yaml") || fail "operate-source update: $out"
mysql_exec down "DELETE FROM st.t WHERE id <= 150"
out=$(dmctl start-task --start-time "$T" "$DM_RUN_DIR/task.yaml") || fail "start-task (file:pos): $out"
wait_for 60 "B rows back by file:pos" rows_are "160:101:260" || fail "downstream rows $(down_rows) (160:101:260 expected): $(dmctl query-status st)"
dmctl stop-task st >/dev/null || fail "stop-task"
log "PASS"
