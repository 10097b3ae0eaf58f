#!/usr/bin/env bash
# End to end through the cluster (dmctl -> dm-master -> dm-worker -> dump/load/sync units),
# on real MariaDB servers, judged by CHECKSUM TABLE on both sides:
#   1. task-mode all: the type corpus + sysbench tables are dumped, loaded and synced while
#      sysbench oltp_write_only runs upstream the whole time (dump consistency under
#      writes); the worker is killed with -9 during the workload and restarted; the
#      downstream converges to identical data.
#   2. task-mode full: the worker is killed with -9 in the middle of the load and restarted;
#      the data is identical and no row of a keyless table is loaded twice.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start_mariadb up
start_mariadb down
corpus=$ROOT/tests/integration/corpus/types_corpus.sql
schemas=(sbtest)
if [[ -f "$corpus" ]]; then
  mysql_exec up "source $corpus" || fail "loading the type corpus"
  schemas+=(corpus)
fi
mysql_exec up "CREATE DATABASE sbtest"
SB=(sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$UP_PORT" --mysql-user=root
    --mysql-db=sbtest --tables=4 --table-size=20000)
"${SB[@]}" oltp_write_only prepare >/dev/null

start_master_and_workers w1
create_source s1 'enable-gtid: true' 'checker: {backoff-max: 2s}'

# ---- 1. task-mode all under a write workload, with a worker crash --------------------------
do_dbs=$(printf '"%s",' "${schemas[@]}")
cat >"$DM_RUN_DIR/all.yaml" <<YAML
name: mig_all
task-mode: all
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
block-allow-list:
  bal: {do-dbs: [${do_dbs%,}]}
mysql-instances:
  - source-id: s1
    block-allow-list: bal
YAML
# The workload runs during the dump and load too: the dump's snapshot position plus the
# binlog after it must describe the data exactly.
"${SB[@]}" --time=30 --rate=200 --threads=4 oltp_write_only run >"$DM_RUN_DIR/sysbench.log" 2>&1 &
sb_pid=$!
sleep 2
start=$SECONDS
dmctl start-task "$DM_RUN_DIR/all.yaml" >/dev/null || fail "start-task all: $(dmctl start-task "$DM_RUN_DIR/all.yaml")"
in_sync() { unit_is mig_all Sync/Running; }
wait_for 300 "mig_all to reach the Sync unit" in_sync || fail "mig_all: $(dmctl query-status mig_all)"
log "full phase of mig_all done in $((SECONDS - start)) s while sysbench was writing"
sleep 5
log "kill -9 the worker during the workload"
kill9 w1
sleep 1
start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3
wait "$sb_pid" || fail "sysbench run: $(tail -5 "$DM_RUN_DIR/sysbench.log")"
log "sysbench: $(grep -E 'transactions:' "$DM_RUN_DIR/sysbench.log" | xargs)"
caught_up() { same_data "${schemas[@]}"; }
start=$SECONDS
wait_for 180 "the downstream to converge" caught_up || { show_diff "${schemas[@]}"; fail "no convergence: $(dmctl query-status mig_all)"; }
log "converged $((SECONDS - start)) s after the workload stopped"
unit_is mig_all Sync/Running || fail "mig_all not running: $(dmctl query-status mig_all)"
dmctl stop-task mig_all >/dev/null || fail "stop-task mig_all"

# ---- 2. task-mode full, worker killed in the middle of the load ----------------------------
mysql_exec up "CREATE DATABASE bulk; USE bulk; CREATE TABLE bulk.nokey (a INT, b VARCHAR(40));
  INSERT INTO bulk.nokey SELECT seq, CONCAT('row ', seq) FROM seq_1_to_300000;
  CREATE TABLE bulk.keyed (id BIGINT PRIMARY KEY, v VARCHAR(64));
  INSERT INTO bulk.keyed SELECT seq, REPEAT(CHAR(65 + seq % 26), 40) FROM seq_1_to_300000;"
write_chunked_task full.yaml mig_full full bulk
dmctl start-task "$DM_RUN_DIR/full.yaml" >/dev/null || fail "start-task full"
loading() { unit_is mig_full Load/Running && (( $(mysql_exec down "SELECT COUNT(*) FROM bulk.nokey" 2>/dev/null || echo 0) > 0 )); }
wait_for 120 "mig_full to be loading" loading || fail "mig_full never loaded: $(dmctl query-status mig_full)"
log "kill -9 the worker in the middle of the load"
kill9 w1
sleep 1
start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3
finished() { [[ "$(status mig_full 's["stage"]')" == Finished ]]; }
wait_for 300 "mig_full to finish" finished || fail "mig_full: $(dmctl query-status mig_full)"
same_data bulk || { show_diff bulk; fail "bulk differs after a load interrupted by kill -9"; }
rows=$(mysql_exec down "SELECT COUNT(*) FROM bulk.nokey")
[[ "$rows" == 300000 ]] || fail "keyless table has $rows rows downstream, want 300000"
log "OK"
