#!/usr/bin/env bash
# The full phase survives losing its worker or its dump files (docs/full-migration.md,
# "Failover and dump identity"), through the cluster on real MariaDB servers:
#   1. task-mode all, writes running upstream the whole time: the bound worker is killed
#      with -9 in the middle of the load; the source moves to the second worker, whose dump
#      directory is empty. It dumps a NEW snapshot, finds the loader checkpoint of the old
#      one, empties the partially loaded tables and loads again; the sync unit starts at the
#      new dump's position. CHECKSUM TABLE and COUNT(*) equal on both sides, no duplicate
#      row in a table without any key.
#   2. task-mode full: the worker is killed with -9 during the load, its dump directory is
#      removed (rm -rf) and the same worker restarts: same checks.
#   3. start-task --remove-meta: the worker that still holds the finished dump of the task
#      discards it and dumps again (new dump id), and the data still converges.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

bound_worker() { json_get "$(dmctl operate-source show)" 'j["sources"][0]["worker"]'; }
down_count() { mysql_exec down "SELECT COUNT(*) FROM $1" 2>/dev/null || echo 0; }
# The dump id recorded in a dump directory's metadata.
dump_id_in() { sed -n 's/^DM dump id: //p' "$1/metadata" 2>/dev/null; }

start_mariadb up
start_mariadb down
mysql_exec up "CREATE DATABASE bulk; USE bulk; CREATE TABLE bulk.nokey (a INT, b VARCHAR(40));
  INSERT INTO bulk.nokey SELECT seq, CONCAT('row ', seq) FROM seq_1_to_300000;
  CREATE TABLE bulk.keyed (id BIGINT PRIMARY KEY, v VARCHAR(64));
  INSERT INTO bulk.keyed SELECT seq, REPEAT(CHAR(65 + seq % 26), 40) FROM seq_1_to_300000;
  CREATE DATABASE sbtest"
SB=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$UP_PORT" --mysql-user=root
    --mysql-db=sbtest --tables=2 --table-size=20000)
"${SB[@]}" oltp_write_only prepare >/dev/null

start_master_and_workers w1 w2
create_source s1 'enable-gtid: true' 'checker: {backoff-max: 2s}'
has_worker() { [[ "$(bound_worker)" == w1 || "$(bound_worker)" == w2 ]]; }
wait_for 30 "s1 bound" has_worker || fail "source not bound: $(dmctl operate-source show)"

# ---- 1. mode all: kill -9 the worker during the load, continue on the other worker -------
write_chunked_task all.yaml ff_all all bulk sbtest
# Writes all along: sysbench on sbtest, and inserts/updates/deletes on the keyless table,
# so the second snapshot differs from the first one.
"${SB[@]}" --time=45 --rate=100 --threads=2 oltp_write_only run >"$DM_RUN_DIR/sysbench.log" 2>&1 &
sb_pid=$!
(
  i=0
  while ((i < 300)); do
    i=$((i + 1))
    mysql_exec up "INSERT INTO bulk.nokey VALUES ($((1000000 + i)), 'live $i'), ($((1000000 + i)), 'live $i');
      UPDATE bulk.nokey SET b = CONCAT(b, '+') WHERE a = $((i * 7));
      DELETE FROM bulk.nokey WHERE a = $((i * 13)) LIMIT 1;
      UPDATE bulk.keyed SET v = CONCAT('u', v) WHERE id = $((i * 11))" >/dev/null 2>&1 || exit 1
    sleep 0.15
  done
) &
writer_pid=$!
first=$(bound_worker)
other=w1
[[ "$first" == w1 ]] && other=w2
dmctl start-task "$DM_RUN_DIR/all.yaml" >/dev/null || fail "start-task ff_all: $(dmctl start-task "$DM_RUN_DIR/all.yaml")"
loading() { unit_is ff_all Load/Running && (( $(down_count bulk.nokey) > 0 )); }
wait_for 180 "ff_all to be loading" loading || fail "ff_all never loaded: $(dmctl query-status ff_all)"
first_id=$(dump_id_in "$DM_RUN_DIR/$first/dumped_data.ff_all")
[[ -n "$first_id" ]] || fail "no dump id in $DM_RUN_DIR/$first/dumped_data.ff_all/metadata"
log "kill -9 $first in the middle of the load ($(down_count bulk.nokey) rows of bulk.nokey loaded, dump $first_id)"
kill9 "$first"
[[ ! -e "$DM_RUN_DIR/$other/dumped_data.ff_all" ]] || fail "$other already has a dump directory"
moved() { [[ "$(bound_worker)" == "$other" ]]; }
wait_for 30 "s1 to move to $other" moved || fail "s1 not rebound: $(dmctl operate-source show)"
in_sync() { unit_is ff_all Sync/Running; }
wait_for 300 "ff_all to reach Sync on $other" in_sync || fail "ff_all: $(dmctl query-status ff_all)"
other_log=$DM_RUN_DIR/$other/worker.log
grep -q "belongs to dump $first_id" "$other_log" || fail "$other did not reset the checkpoint of dump $first_id: $(grep -i 'load:\|dump:' "$other_log" | tail -20)"
second_id=$(dump_id_in "$DM_RUN_DIR/$other/dumped_data.ff_all")
[[ -n "$second_id" && "$second_id" != "$first_id" ]] || fail "$other did not take a new dump ($second_id)"
log "$other dumped again (dump $second_id), emptied the partial tables and reloaded"
wait "$sb_pid" || fail "sysbench run: $(tail -5 "$DM_RUN_DIR/sysbench.log")"
wait "$writer_pid" || fail "the writer of bulk.nokey failed"
caught_up() { same_data bulk sbtest; }
wait_for 180 "the downstream to converge" caught_up || { show_diff bulk sbtest; fail "no convergence: $(dmctl query-status ff_all)"; }
up_rows=$(mysql_exec up "SELECT COUNT(*) FROM bulk.nokey")
[[ "$(down_count bulk.nokey)" == "$up_rows" ]] || fail "bulk.nokey has $(down_count bulk.nokey) rows downstream, $up_rows upstream"
dup=$(mysql_exec down "SELECT COUNT(*) FROM (SELECT a, b, COUNT(*) c FROM bulk.nokey GROUP BY a, b) x WHERE c > 1")
updup=$(mysql_exec up "SELECT COUNT(*) FROM (SELECT a, b, COUNT(*) c FROM bulk.nokey GROUP BY a, b) x WHERE c > 1")
[[ "$dup" == "$updup" ]] || fail "bulk.nokey has $dup duplicated rows downstream, $updup upstream"
log "mode all converged: bulk.nokey $up_rows rows, checksums equal"

# ---- 2. mode full: kill -9 during the load, rm -rf the dump dir, same worker restarts -----
# Big enough for the kill to land while the load is partial.
mysql_exec up "CREATE DATABASE bulk2; USE bulk2; CREATE TABLE bulk2.nokey (a INT, b VARCHAR(100));
  INSERT INTO bulk2.nokey SELECT seq, CONCAT('row ', seq, REPEAT('x', 60)) FROM seq_1_to_600000;"
write_chunked_task full.yaml ff_full full bulk2
dmctl start-task "$DM_RUN_DIR/full.yaml" >/dev/null || fail "start-task ff_full: $(dmctl start-task "$DM_RUN_DIR/full.yaml")"
loading2() { local n; unit_is ff_full Load/Running && n=$(down_count bulk2.nokey) && ((n > 0 && n < 500000)); }
wait_for 180 "ff_full to be loading" loading2 || fail "ff_full never loaded: $(dmctl query-status ff_full)"
log "kill -9 $other during the load of ff_full ($(down_count bulk2.nokey) rows loaded), rm -rf its dump dir"
kill9 "$other"
partial=$(mysql_exec down "SELECT SUM(\`offset\` < \`end_pos\`) FROM dm_meta.ff_full_loader_checkpoint")
((partial > 0)) || fail "the load of ff_full had completed before the kill (no unfinished file); the test needs a partial load"
rm -rf "$DM_RUN_DIR/$other/dumped_data.ff_full"
# A change between the two snapshots: the reload must carry it and nothing of the first one.
mysql_exec up "DELETE FROM bulk2.nokey WHERE a % 1000 = 0; INSERT INTO bulk2.nokey VALUES (-1, 'after the crash')"
start_dm_worker "$other" "$M1_ADDR" --keepalive-ttl 3
finished() { [[ "$(status ff_full 's["stage"]')" == Finished ]]; }
wait_for 300 "ff_full to finish" finished || fail "ff_full: $(dmctl query-status ff_full)"
same_data bulk2 || { show_diff bulk2; fail "bulk2 differs after a reload from a new dump"; }
rows=$(down_count bulk2.nokey)
[[ "$rows" == 599401 ]] || fail "bulk2.nokey has $rows rows downstream, want 599401"
grep -q "emptied \`bulk2\`.\`nokey\`" "$other_log" || fail "$other did not empty bulk2.nokey before reloading"
log "mode full after rm -rf of the dump dir: $rows rows, checksums equal"
dmctl stop-task ff_full >/dev/null || fail "stop-task ff_full"

# ---- 3. start-task --remove-meta: the kept dump of ff_all is discarded, not reloaded -------
dmctl stop-task ff_all >/dev/null || fail "stop-task ff_all"
# stop-task answers once the worker has stopped the subtask (DM's waitOperationOk): the
# downstream can be changed right away without racing a sync unit still applying events.
other_addr_var=${other^^}_ADDR
worker_tasks=$(curl -s "http://${!other_addr_var}/api/v1/worker/status")
json_get "$worker_tasks" '[s["name"] for s in j["subTaskStatus"]]' | grep -q ff_all &&
  fail "stop-task ff_all returned while $other still runs it: $worker_tasks"
dir_all=$DM_RUN_DIR/$other/dumped_data.ff_all
kept_id=$(dump_id_in "$dir_all")
[[ "$kept_id" == "$second_id" ]] || fail "the metadata of ff_all was not kept in $dir_all ($kept_id)"
mysql_exec down "DROP DATABASE bulk; DROP DATABASE sbtest"
mysql_exec up "INSERT INTO bulk.nokey VALUES (-2, 'after stop-task')"
dmctl start-task --remove-meta "$DM_RUN_DIR/all.yaml" >/dev/null || fail "start-task --remove-meta ff_all"
wait_for 300 "ff_all to reach Sync again" in_sync || fail "ff_all: $(dmctl query-status ff_all)"
third_id=$(dump_id_in "$dir_all")
[[ -n "$third_id" && "$third_id" != "$kept_id" ]] || fail "--remove-meta did not make $other dump again ($third_id)"
grep -q "no record of dump $kept_id" "$other_log" || fail "$other did not say why it discarded dump $kept_id"
wait_for 120 "the downstream to converge after --remove-meta" caught_up || { show_diff bulk sbtest; fail "no convergence after --remove-meta"; }
log "start-task --remove-meta dumped again (dump $third_id)"
log "OK"
