#!/usr/bin/env bash
# dmctl `binlog` and `binlog-schema` end to end (dmctl -> dm-master -> dm-worker -> sync
# unit) on real MariaDB servers:
#   1. a DDL the downstream refuses (an index that already exists there) pauses the task;
#      `binlog skip` resumes it, later rows replicate, data identical.
#      The same for CREATE TABLE ... SELECT in a STATEMENT-format binlog, done by hand
#      downstream.
#   2. a DDL our parser refuses (MariaDB's ADD PERIOD FOR) pauses the task; `binlog replace`
#      with the column part resumes it; the downstream has the replacement's columns and
#      later rows (using them) replicate.
#   3. pre-set operations: `binlog skip -b` for a position not reached, `list`, `revert`.
#   4. `binlog-schema list` shows the tracked table; `update` (needs a paused task) changes
#      it and survives a kill -9 of the worker; `delete` forgets it and the table is
#      tracked again from the downstream on resume; --flush=false keeps an update until
#      the task resumes; data identical at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# result_of JSON: "true"/"false" of the top-level result.
result_of() { json_get "$1" 'str(j["result"]).lower()'; }
source_msg() { json_get "$1" 'j["sources"][0]["msg"]'; }

start_mariadb up
start_mariadb down
start_master_and_workers w1
create_source s1 'checker: {backoff-max: 2s}'
write_incremental_task bo bo
out=$(dmctl start-task "$DM_RUN_DIR/task.yaml") || fail "start-task: $out"
wait_for 60 "task bo syncing" unit_is bo Sync/Running || fail "bo: $(dmctl query-status bo)"

mysql_exec up "CREATE DATABASE bo; USE bo; CREATE TABLE bo.t1 (id INT PRIMARY KEY, c INT, v VARCHAR(20));
  INSERT INTO bo.t1 SELECT seq, seq % 7, CONCAT('v', seq) FROM seq_1_to_100;"
synced() { same_data bo; }
wait_for 60 "bo.t1 replicated" synced || { show_diff bo; fail "initial rows: $(dmctl query-status bo)"; }

# ---- 1. binlog skip -----------------------------------------------------------------------
log "1. a DDL the downstream refuses, then binlog skip"
out=$(dmctl binlog skip bo) && fail "binlog skip on a running task must fail: $out"
[[ "$(source_msg "$out")" == *"not paused on a DDL event"* ]] || fail "unexpected answer: $out"
mysql_exec down "CREATE INDEX idx_c ON bo.t1 (c)"
mysql_exec up "CREATE INDEX idx_c ON bo.t1 (c)"
wait_for 60 "bo paused on the CREATE INDEX" unit_is bo Sync/Paused || fail "not paused: $(dmctl query-status bo)"
msg=$(task_errors bo)
[[ "$msg" == *"idx_c"* && "$msg" == *"binlog skip"* ]] || fail "error does not name the DDL and the way out: $msg"
out=$(dmctl binlog skip bo) || fail "binlog skip: $out"
[[ "$(result_of "$out")" == true ]] || fail "binlog skip: $out"
wait_for 30 "bo resumed after the skip" unit_is bo Sync/Running || fail "not resumed: $(dmctl query-status bo)"
mysql_exec up "USE bo; INSERT INTO bo.t1 SELECT seq, seq % 5, CONCAT('w', seq) FROM seq_101_to_200; UPDATE bo.t1 SET v = 'u' WHERE id < 20"
wait_for 60 "rows after the skipped DDL" synced || { show_diff bo; fail "after skip: $(dmctl query-status bo)"; }
out=$(dmctl binlog list bo) || fail "binlog list: $out"
[[ "$(source_msg "$out")" == "[]" ]] || fail "the used skip is still listed: $out"

log "1b. CREATE TABLE ... SELECT in a STATEMENT-format binlog, done by hand downstream, then binlog skip"
mysql_exec up "SET SESSION binlog_format = 'STATEMENT'; CREATE TABLE bo.t2 (PRIMARY KEY (id)) SELECT id, v FROM bo.t1 WHERE id <= 50"
wait_for 60 "bo paused on the CREATE TABLE ... SELECT" unit_is bo Sync/Paused || fail "not paused: $(dmctl query-status bo)"
msg=$(task_errors bo)
[[ "$msg" == *"CREATE TABLE ... SELECT"* && "$msg" == *"binlog skip"* ]] || fail "error does not name the statement and the way out: $msg"
mysql_exec down "CREATE TABLE bo.t2 (PRIMARY KEY (id)) SELECT id, v FROM bo.t1 WHERE id <= 50"
out=$(dmctl binlog skip bo) || fail "binlog skip: $out"
wait_for 30 "bo resumed after the skip" unit_is bo Sync/Running || fail "not resumed: $(dmctl query-status bo)"
mysql_exec up "INSERT INTO bo.t2 VALUES (1000, 'new'); UPDATE bo.t2 SET v = 'changed' WHERE id = 3; DELETE FROM bo.t2 WHERE id = 4"
wait_for 60 "rows of the hand-made table" synced || { show_diff bo; fail "after the CTAS skip: $(dmctl query-status bo)"; }

# ---- 2. binlog replace --------------------------------------------------------------------
log "2. a DDL the parser refuses (ADD PERIOD FOR), then binlog replace"
mysql_exec up "ALTER TABLE bo.t1 ADD COLUMN s DATE NOT NULL DEFAULT '2000-01-01',
  ADD COLUMN e DATE NOT NULL DEFAULT '2030-01-01', ADD PERIOD FOR p(s, e)"
wait_for 60 "bo paused on ADD PERIOD" unit_is bo Sync/Paused || fail "not paused: $(dmctl query-status bo)"
msg=$(task_errors bo)
[[ "$msg" == *"PERIOD"* ]] || fail "error does not name the statement: $msg"
# The checkpoint never passes the event without its effect: before the replace it is at or
# before the event, after it past the event.
event_pos=$(python3 -c 'import re,sys; print(re.search(r"at binlog \S+:(\d+)", sys.argv[1]).group(1))' "$msg")
cp_pos() { mysql_exec down "SELECT binlog_pos FROM dm_meta.bo_syncer_checkpoint WHERE id = 's1' AND cp_schema = '' AND cp_table = ''"; }
(( $(cp_pos) <= event_pos )) || fail "checkpoint $(cp_pos) is past the paused event at $event_pos"
out=$(dmctl binlog replace bo "INSERT INTO bo.t1 VALUES (1000, 1, 'x')") && fail "a DML replacement must be refused: $out"
# A replacement that cannot run (the column exists): the task pauses again on the same
# event, the operation stays pending until reverted.
out=$(dmctl binlog replace bo "ALTER TABLE bo.t1 ADD COLUMN c INT") || fail "binlog replace (bad): $out"
bad_pending() { unit_is bo Sync/Paused && [[ "$(task_errors bo)" == *"ADD COLUMN c"* ]]; }
wait_for 60 "bo paused on the failing replacement" bad_pending || fail "bad replacement: $(dmctl query-status bo)"
out=$(dmctl binlog list bo)
[[ "$(json_get "$(source_msg "$out")" 'j[0]["op"] + " " + j[0]["sqls"][0]')" == "replace ALTER TABLE bo.t1 ADD COLUMN c INT" ]] ||
  fail "the failed operation is not pending: $out"
(( $(cp_pos) <= event_pos )) || fail "checkpoint $(cp_pos) passed the event without its effect"
out=$(dmctl binlog revert bo) || fail "binlog revert (no -b): $out"
out=$(dmctl binlog replace bo "ALTER TABLE bo.t1 ADD COLUMN s DATE NOT NULL DEFAULT '2000-01-01';" \
      "ALTER TABLE bo.t1 ADD COLUMN e DATE NOT NULL DEFAULT '2030-01-01'") || fail "binlog replace: $out"
wait_for 30 "bo resumed after the replace" unit_is bo Sync/Running || fail "not resumed: $(dmctl query-status bo)"
cols=$(mysql_exec down "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='bo' AND TABLE_NAME='t1'")
[[ "$cols" == "id,c,v,s,e" ]] || fail "downstream columns after the replace: $cols"
past_event() { (( $(cp_pos) > event_pos )); }
wait_for 30 "the checkpoint past the replaced event" past_event || fail "checkpoint $(cp_pos) not past $event_pos"
mysql_exec up "INSERT INTO bo.t1 VALUES (300, 3, 'p', '2020-01-01', '2021-01-01'); UPDATE bo.t1 SET e = '2040-01-01' WHERE id = 5"
wait_for 60 "rows after the replaced DDL" synced || { show_diff bo; fail "after replace: $(dmctl query-status bo)"; }

# ---- 3. pre-set operations ----------------------------------------------------------------
log "3. pre-set operations: skip -b, list, revert"
out=$(dmctl binlog skip bo -b "mysql-bin|000001.999999:4") || fail "pre-set skip: $out"
out=$(dmctl binlog replace bo -b mysql-bin.999998:120 "DROP TABLE bo.nothing") || fail "pre-set replace: $out"
out=$(dmctl binlog skip bo -b mysql-bin.999999:4) && fail "a second operation at one position must be refused: $out"
out=$(dmctl binlog list bo) || fail "binlog list: $out"
n=$(json_get "$(source_msg "$out")" 'len(j)')
first=$(json_get "$(source_msg "$out")" 'j[0]["op"] + " " + j[0]["binlogPos"]')
[[ "$n" == 2 && "$first" == "replace mysql-bin.999998:120" ]] || fail "binlog list: $out"
dmctl binlog revert bo -b mysql-bin.999999:4 >/dev/null || fail "revert"
dmctl binlog revert bo -b mysql-bin.999998:120 >/dev/null || fail "revert"
out=$(dmctl binlog revert bo -b mysql-bin.999998:120) && fail "reverting twice must fail: $out"
out=$(dmctl binlog list bo)
[[ "$(source_msg "$out")" == "[]" ]] || fail "list after revert: $out"
out=$(dmctl binlog skip nosuchtask) && fail "unknown task must fail: $out"

# ---- 4. binlog-schema ---------------------------------------------------------------------
log "4. binlog-schema list / update / delete"
wait_for 30 "a checkpoint with the tracked table" dmctl binlog-schema list bo bo t1
out=$(dmctl binlog-schema list bo bo t1)
schema=$(source_msg "$out")
[[ "$schema" == *'CREATE TABLE `t1`'* && "$schema" == *'`e` date NOT NULL'* && "$schema" == *'PRIMARY KEY (`id`)'* ]] ||
  fail "binlog-schema list: $out"
out=$(dmctl binlog-schema list bo bo nosuch) && fail "an untracked table must fail: $out"
# The tracked structure with one more (harmless) key: it must survive a worker crash.
cat >"$DM_RUN_DIR/t1.sql" <<'SQL'
CREATE TABLE `t1` (
  `id` int(11) NOT NULL,
  `c` int(11) DEFAULT NULL,
  `v` varchar(20) DEFAULT NULL,
  `s` date NOT NULL DEFAULT '2000-01-01',
  `e` date NOT NULL DEFAULT '2030-01-01',
  PRIMARY KEY (`id`),
  KEY `k_marker` (`v`)
)
SQL
out=$(dmctl binlog-schema update bo bo t1 "$DM_RUN_DIR/t1.sql") && fail "update on a running task must fail: $out"
[[ "$(source_msg "$out")" == *"pause-task"* ]] || fail "unexpected answer: $out"
dmctl pause-task bo >/dev/null || fail "pause-task"
wait_for 30 "bo paused" unit_is bo Sync/Paused
out=$(dmctl binlog-schema update bo bo t1 "$DM_RUN_DIR/t1.sql") || fail "binlog-schema update: $out"
log "   kill -9 the worker, restart it"
kill9 w1
start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3
has_marker() { dmctl binlog-schema list bo bo t1 | grep -q 'KEY `k_marker`'; }
wait_for 60 "the updated structure after the restart" has_marker || fail "update lost: $(dmctl binlog-schema list bo bo t1)"
dmctl resume-task bo >/dev/null || fail "resume-task"
wait_for 60 "bo running again" unit_is bo Sync/Running || fail "not running: $(dmctl query-status bo)"
mysql_exec up "INSERT INTO bo.t1 VALUES (400, 4, 'q', '2001-01-01', '2002-01-01'); DELETE FROM bo.t1 WHERE id = 7"
wait_for 60 "rows with the updated structure" synced || { show_diff bo; fail "after update: $(dmctl query-status bo)"; }
dmctl binlog-schema list bo bo t1 | grep -q 'KEY `k_marker`' || fail "the marker key is gone while running"

log "   binlog-schema update --flush=false: kept until the task resumes, then checkpointed"
dmctl pause-task bo >/dev/null || fail "pause-task"
wait_for 30 "bo paused" unit_is bo Sync/Paused
sed 's/k_marker/k_pending/' "$DM_RUN_DIR/t1.sql" >"$DM_RUN_DIR/t1b.sql"
out=$(dmctl binlog-schema update bo bo t1 "$DM_RUN_DIR/t1b.sql" --flush=false) || fail "update --flush=false: $out"
saved_marker=$(mysql_exec down "SELECT table_info LIKE '%k_pending%' FROM dm_meta.bo_syncer_checkpoint WHERE id = 's1' AND cp_schema = 'bo' AND cp_table = 't1'")
[[ "$saved_marker" == 0 ]] || fail "--flush=false saved the structure at once"
dmctl binlog-schema list bo bo t1 | grep -q 'KEY `k_pending`' || fail "list does not show the pending update"
dmctl resume-task bo >/dev/null || fail "resume-task"
wait_for 60 "bo running again" unit_is bo Sync/Running || fail "not running: $(dmctl query-status bo)"
mysql_exec up "INSERT INTO bo.t1 VALUES (450, 4, 'qq', '2001-01-01', '2002-01-01')"
pending_saved() { [[ $(mysql_exec down "SELECT table_info LIKE '%k_pending%' FROM dm_meta.bo_syncer_checkpoint WHERE id = 's1' AND cp_schema = 'bo' AND cp_table = 't1'") == 1 ]]; }
wait_for 60 "the pending update in the checkpoint" pending_saved || fail "--flush=false update never saved"
wait_for 60 "rows after the pending update" synced || { show_diff bo; fail "after --flush=false: $(dmctl query-status bo)"; }

dmctl pause-task bo >/dev/null || fail "pause-task"
wait_for 30 "bo paused" unit_is bo Sync/Paused
out=$(dmctl binlog-schema delete bo bo t1) || fail "binlog-schema delete: $out"
out=$(dmctl binlog-schema list bo bo t1) && fail "list after delete must fail: $out"
out=$(dmctl binlog-schema update bo bo t1 --from-target) || fail "update --from-target: $out"
out=$(dmctl binlog-schema list bo bo t1) || fail "list after --from-target: $out"
[[ "$(source_msg "$out")" != *k_marker* && "$(source_msg "$out")" == *'KEY `idx_c`'* ]] ||
  fail "--from-target did not take the downstream table: $out"
dmctl binlog-schema delete bo bo t1 >/dev/null || fail "delete"
dmctl resume-task bo >/dev/null || fail "resume-task"
wait_for 60 "bo running again" unit_is bo Sync/Running || fail "not running: $(dmctl query-status bo)"
mysql_exec up "INSERT INTO bo.t1 VALUES (500, 5, 'r', '2003-01-01', '2004-01-01'); UPDATE bo.t1 SET c = 0 WHERE id = 8"
wait_for 60 "rows after delete (table tracked again from the downstream)" synced ||
  { show_diff bo; fail "after delete: $(dmctl query-status bo)"; }
unit_is bo Sync/Running || fail "bo not running at the end: $(dmctl query-status bo)"
log "OK"
