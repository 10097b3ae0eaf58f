#!/usr/bin/env bash
# Incremental apply speed: the sync unit (dm-sync-runner) vs MariaDB's own replica on the
# same backlog of sysbench oltp_write_only transactions, from the same GTID.
#
#   bench/sync_bench.sh [--trx N] [--tables N] [--table-size N] [--workers LIST]
#                       [--batch N] [--runner PATH] [--no-doc] [--doc PATH]
#
# 1. builds dm-sync-runner (cmake --build build-sync --target dm-sync-runner) unless
#    --runner PATH is given;
# 2. starts a throwaway upstream MariaDB (tests/integration/lib/servers.sh: ROW, FULL
#    image, GTID), runs `sysbench oltp_write_only prepare` (--tables, --table-size),
#    dumps sbtest with mariadb-dump and records the GTID position G0;
# 3. runs `sysbench oltp_write_only run --events N --threads 8` (default N = 200000
#    transactions: each is 2 UPDATEs + DELETE + INSERT = 4 row changes), records G1;
# 4. for every contender, starts a FRESH downstream MariaDB (same settings), loads the
#    dump (the state at G0), then measures the wall time until the downstream has applied
#    everything up to G1:
#      - dm-sync-runner with worker-count W (each of --workers, default "8 16"),
#        batch --batch (default 100), safe mode off: from process start until its
#        syncerBinlogGtid == G1 (--until-gtid);
#      - MariaDB replica, single-threaded: CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos
#        from gtid_slave_pos = G0, START SLAVE, until MASTER_GTID_WAIT(G1) returns;
#      - MariaDB replica, slave_parallel_threads=4, slave_parallel_mode=optimistic;
#    and checks CHECKSUM TABLE of every sbtest table against the upstream;
# 5. prints a markdown table (seconds, transactions/s, rows/s, binlog events/s) and
#    writes it into docs/BENCHMARKS.md between the sync_bench markers (or appends it).
#
# Events = binlog events from G0 to G1 (dm-binlog stream --summary); rows = row changes
# in them. Everything runs on this machine (servers and contenders share the cores).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TRX=200000 TABLES=8 TABLE_SIZE=100000 WORKERS="8 16" BATCH=100 RUNNER="" WRITE_DOC=1
DOC="$ROOT/docs/BENCHMARKS.md" CMDLINE="bench/sync_bench.sh $*"
usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --trx) TRX=${2:?}; shift 2 ;;
    --tables) TABLES=${2:?}; shift 2 ;;
    --table-size) TABLE_SIZE=${2:?}; shift 2 ;;
    --workers) WORKERS=${2:?}; shift 2 ;;
    --batch) BATCH=${2:?}; shift 2 ;;
    --runner) RUNNER=${2:?}; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --doc) DOC=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "sync_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
BENCH=sync_bench
source bench/lib.sh
bench_require_tools sysbench mariadb mariadb-dump python3
if [[ -z "$RUNNER" ]]; then
  [[ -d build-sync ]] || cmake -S . -B build-sync -G Ninja >/dev/null
  cmake --build build-sync --target dm-sync-runner dm-binlog >/dev/null
  RUNNER=$ROOT/build-sync/bin/dm-sync-runner
fi
DM_BINLOG=$(dirname "$RUNNER")/dm-binlog

source tests/integration/lib/servers.sh
harness_init
WORK=$(dm_run_dir)/bench
mkdir -p "$WORK"
log() { echo "sync_bench: $*" >&2; }

# The upstream keeps every binlog (the backlog), like a source a replica is behind on.
start_mariadb up --max-binlog-size=1G --innodb-buffer-pool-size=512M >/dev/null
bench_prepare_sbtest "$TABLES" "$TABLE_SIZE"
bench_dump_sbtest
log "backlog: $TRX write_only transactions from GTID $G0"
start=$(date +%s.%N)
sysbench oltp_write_only "${SB[@]}" --threads=8 --time=0 --events="$TRX" --report-interval=30 \
  run >"$WORK/run.log"
G1=$(mysql_exec up "SELECT @@gtid_binlog_pos")
gen_s=$(python3 -c "import time; print(round(time.time() - $start, 1))")
log "generated up to $G1 in ${gen_s}s"
"$DM_BINLOG" stream --host 127.0.0.1 --port "$UP_PORT" --user root --gtid "$G0" --summary \
  >"$WORK/summary.json"
read -r EVENTS ROWS < <(python3 -c "import json; s=json.load(open('$WORK/summary.json')); print(s['events'], s['rows'])")
log "backlog: $EVENTS binlog events, $ROWS row changes"

checksums() {  # name -> "t1:sum t2:sum ..."
  local n=$1 out="" i
  for ((i = 1; i <= TABLES; i++)); do
    out+="$(mysql_exec "$n" "CHECKSUM TABLE sbtest.sbtest$i EXTENDED" | cut -f2) "
  done
  echo "$out"
}
UP_SUMS=$(checksums up)

RESULTS=()
fresh_down() {  # name
  start_mariadb "$1" --innodb-buffer-pool-size=512M >/dev/null
  mysql_exec "$1" "SET GLOBAL max_allowed_packet = 256*1024*1024"
  bench_load_dump "$1"
}
record() {  # label seconds name
  local sums ok=yes
  sums=$(checksums "$3")
  [[ "$sums" == "$UP_SUMS" ]] || ok=NO
  RESULTS+=("$(python3 -c "
s=$2; print('| $1 | %.1f | %.0f | %.0f | %.0f | $ok |' % (s, $TRX/s, $ROWS/s, $EVENTS/s))")")
  log "$1: ${2}s, checksums equal: $ok"
  stop_server "$3"
}

run_ours() {  # workers
  local w=$1 name="down_dm$1"
  fresh_down "$name"
  local port
  port=$(bench_port_of "$name")
  cat >"$WORK/source.yaml" <<EOF
source-id: bench-src
enable-gtid: true
from: {host: 127.0.0.1, port: $UP_PORT, user: root, password: ""}
EOF
  cat >"$WORK/task-$w.yaml" <<EOF
name: bench
task-mode: incremental
target-database: {host: 127.0.0.1, port: $port, user: root, password: ""}
mysql-instances:
  - source-id: bench-src
    meta: {binlog-gtid: "$G0"}
    syncer-config-name: s
syncers:
  s: {worker-count: $w, batch: $BATCH, safe-mode-duration: 0s}
EOF
  "$RUNNER" --source "$WORK/source.yaml" --task "$WORK/task-$w.yaml" --until-gtid "$G1" \
    --status-interval-ms 5000 --log-level warn >"$WORK/runner-$w.out" 2>"$WORK/runner-$w.err" || {
    log "dm-sync-runner failed: $(tail -3 "$WORK/runner-$w.err")"; return 1; }
  local secs
  secs=$(tail -1 "$WORK/runner-$w.out" | python3 -c "import json,sys; print(json.load(sys.stdin)['seconds'])")
  record "dm-sync-runner, worker-count $w, batch $BATCH" "$secs" "$name"
}

run_replica() {  # threads label
  local threads=$1 name="down_rep$1"
  fresh_down "$name"
  mysql_exec "$name" "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = '$G0';
    SET GLOBAL slave_parallel_threads = $threads; SET GLOBAL slave_parallel_mode = 'optimistic';
    CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$UP_PORT, MASTER_USER='root',
    MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos"
  local t0 t1
  t0=$(date +%s.%N)
  mysql_exec "$name" "START SLAVE"
  mysql_exec "$name" "SELECT MASTER_GTID_WAIT('$G1', 3600)" >/dev/null
  t1=$(date +%s.%N)
  record "$2" "$(python3 -c "print(round($t1 - $t0, 2))")" "$name"
}

for w in $WORKERS; do run_ours "$w"; done
run_replica 0 "MariaDB replica, single-threaded"
run_replica 4 "MariaDB replica, slave_parallel_threads=4, optimistic"

TABLE="| applier | seconds | trx/s | rows/s | events/s | checksums equal |
|---|---|---|---|---|---|"
for r in "${RESULTS[@]}"; do TABLE+=$'\n'"$r"; done
echo "$TABLE"

if ((WRITE_DOC)); then
  SECTION="<!-- sync_bench:begin -->
## Incremental apply: sync unit vs MariaDB replica (\`bench/sync_bench.sh\`)

Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),
MariaDB $(mysql_exec up "SELECT VERSION()"), all servers and appliers on this machine.
Command: \`$CMDLINE\`

Backlog: $TRX sysbench \`oltp_write_only\` transactions on $TABLES tables x $TABLE_SIZE rows,
generated in ${gen_s}s (8 threads), = $EVENTS binlog events, $ROWS row changes, from GTID
\`$G0\` to \`$G1\`. Each applier starts on a fresh downstream loaded with the state at the
start GTID and is timed until it has applied everything up to the end GTID; the last
column compares CHECKSUM TABLE of every table with the upstream. The machine's 2 cores
are shared with the servers (and other work), so expect a few percent of noise.

$TABLE
<!-- sync_bench:end -->"
  bench_write_doc "$DOC" sync_bench "$SECTION"
  log "wrote the results into $DOC"
fi
