#!/usr/bin/env bash
# Replication lag under a steady write load (issue 5): the sync unit in a real cluster
# (dm-master + dm-worker, task-mode incremental) and, for comparison, MariaDB's own
# replica, while sysbench oltp_write_only writes upstream at a fixed rate.
#
#   bench/lag_bench.sh [--rate 2000] [--threads 16] [--time 60] [--tables 8]
#                      [--table-size 100000] [--workers 16] [--batch 100]
#                      [--interval-ms 50] [--warmup 5] [--no-replica] [--server-args "ARGS"]
#                      [--bin DIR] [--no-doc] [--doc PATH]
#
# 1. builds dm-master, dm-worker, dmctl and lag_probe (cmake --build build-lag) unless
#    --bin DIR holds them;
# 2. starts a throwaway upstream and downstream MariaDB (tests/integration/lib/servers.sh:
#    ROW, FULL image, GTID; buffer pool 512M; --server-args are added to both, e.g.
#    "--innodb-flush-log-at-trx-commit=2"), runs `sysbench oltp_write_only prepare`,
#    creates the probe table sbtest.lag_probe (id, written_us), copies sbtest to the
#    downstream with mariadb-dump and records the upstream GTID position;
# 3. starts dm-master and dm-worker (tests/integration/lib/cluster.sh), creates the source
#    and starts a task-mode incremental task from that GTID (syncers: worker-count
#    --workers, batch --batch, everything else default) and waits for Sync/Running;
# 4. runs `sysbench oltp_write_only run --rate R --threads T --time S` upstream and, at the
#    same time, bench/lag_probe (bench/lag_probe.cc): every --interval-ms it inserts
#    (id, upstream NOW(6) in microseconds) into the probe table upstream and notes when
#    each id shows up downstream (polled every 2 ms); lag = arrival - write time, same
#    machine clock. Probes of the first --warmup seconds are not counted. Then it waits
#    for the downstream to catch up and compares CHECKSUM TABLE of every sbtest table;
# 5. unless --no-replica: pauses the task, starts a third MariaDB loaded with the same
#    dump as a replica of the upstream (slave_parallel_threads=4, optimistic, from the
#    same GTID), waits until it has caught up, and repeats step 4 against it;
# 6. prints a markdown table and writes it into docs/BENCHMARKS.md between the lag_bench
#    markers (with the command, date, machine and load average).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

RATE=2000 THREADS=16 TIME=60 TABLES=8 TABLE_SIZE=100000 WORKERS=16 BATCH=100 INTERVAL=50
WARMUP=5 REPLICA=1 SERVER_ARGS="" BIN="" WRITE_DOC=1 DOC="$ROOT/docs/BENCHMARKS.md"
CMDLINE="bench/lag_bench.sh $*"
usage() { sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --rate) RATE=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --time) TIME=${2:?}; shift 2 ;;
    --tables) TABLES=${2:?}; shift 2 ;;
    --table-size) TABLE_SIZE=${2:?}; shift 2 ;;
    --workers) WORKERS=${2:?}; shift 2 ;;
    --batch) BATCH=${2:?}; shift 2 ;;
    --interval-ms) INTERVAL=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --no-replica) REPLICA=0; shift ;;
    --server-args) SERVER_ARGS=${2?}; shift 2 ;;
    --bin) BIN=${2:?}; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --doc) DOC=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "lag_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
BENCH=lag_bench
source bench/lib.sh
bench_require_tools sysbench mariadb mariadb-dump python3
if [[ -z "$BIN" ]]; then
  [[ -d build-lag ]] || cmake -S . -B build-lag -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-lag --target dm-master dm-worker dmctl lag_probe >/dev/null
  BIN=$ROOT/build-lag/bin
fi
for b in dm-master dm-worker dmctl lag_probe; do
  [[ -x "$BIN/$b" ]] || { echo "lag_bench: $BIN/$b is missing" >&2; exit 2; }
done
export DM_BIN=$BIN

source tests/integration/lib/cluster.sh
source tests/integration/lib/checksum.sh
harness_init
WORK=$(dm_run_dir)/bench
mkdir -p "$WORK"
log() { echo "lag_bench: $*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
read -r -a EXTRA <<<"$SERVER_ARGS"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

start_mariadb up --innodb-buffer-pool-size=512M "${EXTRA[@]}" >/dev/null
start_mariadb down --innodb-buffer-pool-size=512M "${EXTRA[@]}" >/dev/null
bench_prepare_sbtest "$TABLES" "$TABLE_SIZE"
mysql_exec up "CREATE TABLE sbtest.lag_probe (id BIGINT PRIMARY KEY, written_us BIGINT NOT NULL)"
bench_dump_sbtest
bench_load_dump down
log "downstream loaded with the state at GTID $G0"

same_sbtest() { dm_compare_checksums "127.0.0.1:$UP_PORT" "127.0.0.1:$(bench_port_of "$1")" sbtest 2>/dev/null; }

# measure LABEL DOWN_NAME: one steady-load window; appends a result row.
RESULTS=()
measure() {
  local label=$1 down=$2 tag=${2}
  local la_before la_after
  la_before=$(loadavg)
  log "$label: sysbench --rate=$RATE --threads=$THREADS --time=$TIME (load average before: $la_before)"
  sysbench oltp_write_only "${SB[@]}" --threads="$THREADS" --rate="$RATE" --time="$TIME" \
    --report-interval=10 run >"$WORK/sysbench-$tag.log" 2>&1 &
  local sb_pid=$!
  "$BIN/lag_probe" --up-port "$UP_PORT" --down-port "$(bench_port_of "$down")" --table sbtest.lag_probe \
    --interval-ms "$INTERVAL" --duration-s "$TIME" --warmup-s "$WARMUP" --drain-s 120 \
    --samples "$WORK/samples-$tag.txt" >"$WORK/probe-$tag.json" || fail "lag_probe ($label)"
  wait "$sb_pid" || fail "sysbench run: $(tail -5 "$WORK/sysbench-$tag.log")"
  la_after=$(loadavg)
  local tps
  tps=$(grep -E '^ *transactions:' "$WORK/sysbench-$tag.log" | sed -E 's/.*\(([0-9.]+) per sec.*/\1/')
  log "$label: sysbench achieved $tps txn/s; probe: $(cat "$WORK/probe-$tag.json")"
  caught_up() { same_sbtest "$down"; }
  local ok=yes
  wait_for 300 "$down to catch up" caught_up || ok=NO
  RESULTS+=("$(python3 - "$WORK/probe-$tag.json" "$label" "$tps" "$ok" "$la_before" "$la_after" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
label, tps, ok, la0, la1 = sys.argv[2:7]
print("| %s | %.0f | %d | %.1f | %.1f | %.1f | %.1f | %d | %s | %s / %s |" % (
    label, float(tps), p["window_probes"], p["p50_ms"], p["p90_ms"], p["p99_ms"], p["max_ms"],
    p["missing"], ok, la0.split()[0], la1.split()[0]))
PY
)")
}

# ---- our sync unit in a cluster ------------------------------------------------------------
start_dm_master m1 ""
export DM_MASTERS=$M1_ADDR
lead() { dmctl list-member --leader | grep -q '"name": "m1"'; }
wait_for 60 "m1 leads" lead || fail "dm-master did not start: $(tail -5 "$M1_LOG")"
start_dm_worker w1 "$M1_ADDR"
registered() { dmctl list-member --worker | grep -q '"name": "w1"'; }
wait_for 30 "w1 registered" registered || fail "dm-worker did not register: $(tail -5 "$W1_LOG")"
cat >"$WORK/source.yaml" <<YAML
source-id: lag-src
enable-gtid: true
from: {host: 127.0.0.1, port: $UP_PORT, user: root, password: ""}
YAML
dmctl operate-source create "$WORK/source.yaml" >/dev/null || fail "operate-source create"
cat >"$WORK/task.yaml" <<YAML
name: lag
task-mode: incremental
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
block-allow-list:
  bal: {do-dbs: [sbtest]}
mysql-instances:
  - source-id: lag-src
    block-allow-list: bal
    meta: {binlog-gtid: "$G0"}
    syncer-config-name: s
syncers:
  s: {worker-count: $WORKERS, batch: $BATCH}
YAML
dmctl start-task "$WORK/task.yaml" >"$WORK/start-task.out" || fail "start-task: $(cat "$WORK/start-task.out")"
syncing() {
  dmctl query-status lag 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["sources"][0]["subTaskStatus"][0]
sys.exit(0 if s["unit"] == "Sync" and s["stage"] == "Running" else 1)'
}
wait_for 60 "task lag in Sync/Running" syncing || fail "task lag: $(dmctl query-status lag)"
sleep 2
OURS="dm-worker sync unit (worker-count $WORKERS, batch $BATCH)"
measure "$OURS" down
dmctl query-status lag >"$WORK/query-status.json" 2>&1 || true

# ---- MariaDB replica, same rate --------------------------------------------------------------
if ((REPLICA)); then
  dmctl pause-task lag >/dev/null || fail "pause-task lag"
  start_mariadb rep --innodb-buffer-pool-size=512M "${EXTRA[@]}" >/dev/null
  bench_load_dump rep
  mysql_exec rep "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = '$G0';
    SET GLOBAL slave_parallel_threads = 4; SET GLOBAL slave_parallel_mode = 'optimistic';
    CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$UP_PORT, MASTER_USER='root',
    MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos; START SLAVE"
  G1=$(mysql_exec up "SELECT @@gtid_binlog_pos")
  log "replica: catching up from $G0 to $G1 before its window"
  [[ "$(mysql_exec rep "SELECT MASTER_GTID_WAIT('$G1', 600)")" == 0 ]] || fail "the replica did not catch up"
  sleep 2
  measure "MariaDB replica (slave_parallel_threads=4, optimistic)" rep
fi

TABLE="| applier | sysbench txn/s achieved | probes in window | p50 ms | p90 ms | p99 ms | max ms | probes missing | data equal after | load avg before / after |
|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
for r in "${RESULTS[@]}"; do TABLE+=$'\n'"$r"; done
echo "$TABLE"

if ((WRITE_DOC)); then
  SECTION="<!-- lag_bench:begin -->
## Replication lag under a steady write load (\`bench/lag_bench.sh\`)

Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),
MariaDB $(mysql_exec up "SELECT VERSION()"); upstream, downstream(s), dm-master, dm-worker,
sysbench and the probe all on this machine.
Command: \`$CMDLINE\`

Load: \`sysbench oltp_write_only --rate=$RATE --threads=$THREADS --time=$TIME\` on $TABLES tables x
$TABLE_SIZE rows (each transaction: 2 UPDATEs, a DELETE and an INSERT). Lag is measured by a
probe (\`bench/lag_probe.cc\`): every ${INTERVAL} ms it inserts (id, upstream \`NOW(6)\`) into
\`sbtest.lag_probe\` upstream, and polls the downstream every 2 ms for new ids; lag = time the
id was first seen downstream - upstream write time (same clock). The first ${WARMUP} s are
left out. The sync unit runs in dm-worker (task-mode incremental, started from the GTID
of the prepared data). The replica starts from the same GTID and catches up before its
own window. \"data equal after\" = CHECKSUM TABLE and COUNT(*) of every sbtest table equal
once the applier caught up.

$TABLE
<!-- lag_bench:end -->"
  bench_write_doc "$DOC" lag_bench "$SECTION"
  log "wrote the results into $DOC"
fi
