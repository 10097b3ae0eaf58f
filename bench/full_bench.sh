#!/usr/bin/env bash
# Full migration end to end: our dump + load units (bench/dm_full_runner) vs Debian's
# mydumper + myloader, on the same two throwaway MariaDB servers in the same run.
#
#   bench/full_bench.sh [--tables N] [--rows N] [--threads N] [--pool N] [--chunk-rows N]
#                       [--peer-threads N] [--peer-binlog] [--order both|ours-first|peer-first]
#                       [--runner PATH] [--build-dir DIR] [--no-doc] [--doc PATH] [--keep]
#
# 1. builds dm_full_runner (cmake --build BUILD_DIR --target dm_full_runner) unless
#    --runner PATH is given;
# 2. starts an upstream and a downstream MariaDB (tests/integration/lib/servers.sh, plus
#    --innodb-buffer-pool-size=1G) and runs `sysbench oltp_read_write --tables=N
#    --table-size=ROWS prepare` on the upstream (default 4 x 1,000,000);
# 3. warms the upstream (CHECKSUM TABLE of every table), then, each timed with
#    /usr/bin/time -v (wall time and peak RSS):
#      a. ours: dm_full_runner, task-mode full (dump then load; threads, rows, pool-size
#         from the options; dump files removed after the load as clean-dump-file does);
#         the load's deferred index build time is read from its log;
#      b. the peer: mydumper -t PEER_THREADS, then myloader -t PEER_THREADS
#         (overwrite tables); myloader's default skips the downstream binlog
#         (SQL_LOG_BIN=0) while our loader writes it as DM does; --peer-binlog passes -e
#         so both write it;
#    in the order given by --order: `both` (default) runs ours, the peer, then ours again
#    (so neither tool always runs on the fresher server; the ratio uses the mean of our two
#    runs), `ours-first` / `peer-first` run each once. Before every timed run the
#    downstream is emptied the same way: DROP DATABASE sbtest and dm_meta, RESET MASTER,
#    then dirty InnoDB pages flushed and purge finished (the previous run's write-back
#    must not slow the next one down);
#    after each, CHECKSUM TABLE of every table must equal the upstream's;
# 4. prints a markdown table and writes it into docs/BENCHMARKS.md between the full_bench
#    markers (or appends the section).
#
# rows/s = sysbench rows / end-to-end wall seconds; MB/s = the size of our dump files (the
# logical data: one number for both tools, 1 MB = 10^6 bytes) / end-to-end seconds.
#
# Options (defaults): --tables 4, --rows 1000000, --threads 4 (mydumpers.threads),
# --pool 2 (loaders.pool-size: as many connections as the peer's -t 2; on this 2-core
# machine more connections cost more server CPU in lock contention), --chunk-rows 0 (mydumpers.rows; 0 = whole tables),
# --peer-threads 2, --order both, --build-dir build, --keep (keep the servers' dirs).
# Needs ~3 GB free in $DM_TEST_TMP (or /tmp) for 4 x 1M rows.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TABLES=4 ROWS=1000000 THREADS=4 POOL=2 CHUNK_ROWS=0 PEER_THREADS=2 RUNNER="" BUILD_DIR=build
DOC="$ROOT/docs/BENCHMARKS.md" WRITE_DOC=1 KEEP=0 PEER_BINLOG=() ORDER=both
usage() { sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --tables) TABLES=${2:?}; shift 2 ;;
    --rows) ROWS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --pool) POOL=${2:?}; shift 2 ;;
    --chunk-rows) CHUNK_ROWS=${2:?}; shift 2 ;;
    --peer-threads) PEER_THREADS=${2:?}; shift 2 ;;
    --peer-binlog) PEER_BINLOG=(-e); shift ;;
    --order) ORDER=${2:?}; shift 2 ;;
    --runner) RUNNER=${2:?}; shift 2 ;;
    --build-dir) BUILD_DIR=${2:?}; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --doc) DOC=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "full_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
for v in TABLES ROWS THREADS POOL PEER_THREADS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "full_bench: --${v,,} must be a positive integer" >&2; exit 2; }
done
[[ "$CHUNK_ROWS" =~ ^[0-9]+$ ]] || { echo "full_bench: --chunk-rows must be an integer" >&2; exit 2; }
[[ "$ORDER" =~ ^(both|ours-first|peer-first)$ ]] || {
  echo "full_bench: --order must be both, ours-first or peer-first" >&2
  exit 2
}
BENCH=full_bench
source bench/lib.sh
bench_require_tools sysbench mydumper myloader /usr/bin/time python3

if [[ -z "$RUNNER" ]]; then
  echo "full_bench: building $BUILD_DIR/bin/dm_full_runner" >&2
  [[ -f "$BUILD_DIR/build.ninja" || -f "$BUILD_DIR/Makefile" ]] || cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target dm_full_runner >&2
  RUNNER=$ROOT/$BUILD_DIR/bin/dm_full_runner
fi
[[ -x "$RUNNER" ]] || { echo "full_bench: $RUNNER is not executable" >&2; exit 1; }

[[ "$KEEP" == 1 ]] && export DM_KEEP_TMP=1
# shellcheck source=../tests/integration/lib/servers.sh
source "$ROOT/tests/integration/lib/servers.sh"
# shellcheck source=../tests/integration/lib/checksum.sh
source "$ROOT/tests/integration/lib/checksum.sh"
harness_init
RUN=$(dm_run_dir)
log() { echo "full_bench: $*" >&2; }

SERVER_ARGS=(--innodb-buffer-pool-size=1G --max-allowed-packet=64M)
start_mariadb up "${SERVER_ARGS[@]}"
start_mariadb down "${SERVER_ARGS[@]}"
log "upstream 127.0.0.1:$UP_PORT, downstream 127.0.0.1:$DOWN_PORT, run dir $RUN"

mysql_exec up "CREATE DATABASE sbtest"
log "sysbench prepare: $TABLES tables x $ROWS rows"
prep_start=$SECONDS
sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$UP_PORT" \
  --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" --threads=2 prepare >"$RUN/prepare.log"
log "prepared in $((SECONDS - prep_start)) s"
TOTAL_ROWS=$((TABLES * ROWS))
# Warm the upstream buffer pool so neither tool pays for a cold cache.
for ((i = 1; i <= TABLES; i++)); do mysql_exec up "CHECKSUM TABLE sbtest.sbtest$i" >/dev/null; done

# server_usage: "<CPU ticks of both mariadbd> <bytes the downstream mariadbd wrote to disk>".
server_usage() {
  local up down io
  up=$(awk '{print $14 + $15}' "/proc/$UP_PID/stat")
  down=$(awk '{print $14 + $15}' "/proc/$DOWN_PID/stat")
  io=$(awk '/^write_bytes/ {w = $2} /^cancelled_write_bytes/ {c = $2} END {print w - c}' "/proc/$DOWN_PID/io")
  echo "$((up + down)) $io"
}

# time_run NAME CMD...: runs CMD under /usr/bin/time -v; sets T_WALL (s), T_RSS (KiB),
# T_CPU (CPU seconds of CMD plus both servers: the work done, whatever else the machine
# runs) and T_WRITE (bytes the downstream server wrote to disk).
time_run() {
  local name=$1
  shift
  local out=$RUN/$name.time before after
  before=$(server_usage)
  if ! /usr/bin/time -v -o "$out" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err"; then
    log "$name failed; see $RUN/$name.err:"
    tail -n 20 "$RUN/$name.err" >&2
    exit 1
  fi
  T_WALL=$(python3 - "$out" <<'EOF'
import sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("Elapsed (wall clock) time"):
        v = line.rsplit(": ", 1)[1].split(":")
        s = 0.0
        for part in v:
            s = s * 60 + float(part)
        print(f"{s:.2f}")
EOF
)
  T_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  after=$(server_usage)
  T_CPU=$(awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" -F': ' '
    /User time|System time/ {c += $2}
    END {split(b, x, " "); split(a, y, " "); printf "%.1f", c + (y[1] - x[1]) / hz}' "$out")
  T_WRITE=$(awk -v b="$before" -v a="$after" 'BEGIN {split(b, x, " "); split(a, y, " "); print y[2] - x[2]}')
}

check_same() {
  if ! dm_compare_checksums "127.0.0.1:$UP_PORT" "127.0.0.1:$DOWN_PORT" sbtest; then
    log "$1: the downstream differs from the upstream"
    exit 1
  fi
}

# fresh_downstream: the same starting state for every timed run: no sbtest, no dm_meta,
# empty binlog, dirty pages flushed and undo purged (the previous run's write-back would
# otherwise compete with the next run).
fresh_downstream() {
  mysql_exec down "DROP DATABASE IF EXISTS sbtest; DROP DATABASE IF EXISTS dm_meta; RESET MASTER"
  local pct dirty hist i
  pct=$(mysql_exec down "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
  mysql_exec down "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for ((i = 0; i < 600; i++)); do
    dirty=$(mysql_exec down "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
      WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
    hist=$(mysql_exec down "SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'")
    ((dirty < 200 && hist < 1000)) && break
    sleep 0.5
  done
  mysql_exec down "SET GLOBAL innodb_max_dirty_pages_pct = $pct"
}

# --- ours -----------------------------------------------------------------------------
mkdir -p "$RUN/ours"
cat >"$RUN/ours/source.yaml" <<EOF
source-id: "bench-src"
from:
  host: "127.0.0.1"
  port: $UP_PORT
  user: "root"
  password: ""
EOF
cat >"$RUN/ours/task.yaml" <<EOF
name: "bench"
task-mode: full
clean-dump-file: false
target-database:
  host: "127.0.0.1"
  port: $DOWN_PORT
  user: "root"
  password: ""
block-allow-list:
  bw:
    do-dbs: ["sbtest"]
mydumpers:
  md:
    threads: $THREADS
    rows: $CHUNK_ROWS
loaders:
  ld:
    pool-size: $POOL
    dir: "$RUN/ours/dump"
mysql-instances:
  - source-id: "bench-src"
    block-allow-list: "bw"
    mydumper-config-name: "md"
    loader-config-name: "ld"
EOF
OURS_RUNS=()  # "dump load index wall rss cpu written" per run
DATA_BYTES=0
run_ours() {
  local name=ours$1
  fresh_downstream
  log "ours (run $1): dump + load (threads $THREADS, rows $CHUNK_ROWS, pool-size $POOL)"
  time_run "$name" "$RUNNER" --source "$RUN/ours/source.yaml" --task "$RUN/ours/task.yaml" -L info
  local phases index
  phases=$(python3 -c '
import json, sys
j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
s = j["seconds"]
print("%.2f %.2f" % (s["dump"], s["load"]))' "$RUN/$name.out")
  index=$(grep -o 'built deferred secondary indexes of [0-9]* table(s) in [0-9.]* s' "$RUN/$name.err" |
    awk '{print $(NF-1)}' | tail -1)
  OURS_RUNS+=("$phases ${index:-0} $T_WALL $T_RSS $T_CPU $T_WRITE")
  DATA_BYTES=$(du -sb "$RUN/ours/dump.bench" | cut -f1)
  check_same "ours (run $1)"
  rm -rf "$RUN/ours/dump.bench"
}

# --- peer -----------------------------------------------------------------------------
run_peer() {
  fresh_downstream
  rm -rf "$RUN/peer"
  log "peer: mydumper -t $PEER_THREADS"
  time_run mydumper mydumper -h 127.0.0.1 -P "$UP_PORT" -u root -B sbtest -t "$PEER_THREADS" -o "$RUN/peer"
  PEER_DUMP=$T_WALL PEER_DUMP_RSS=$T_RSS PEER_CPU=$T_CPU PEER_WRITE=$T_WRITE
  log "peer: myloader -t $PEER_THREADS ${PEER_BINLOG[*]}"
  time_run myloader myloader -h 127.0.0.1 -P "$DOWN_PORT" -u root -d "$RUN/peer" -t "$PEER_THREADS" -o "${PEER_BINLOG[@]}"
  PEER_LOAD=$T_WALL PEER_LOAD_RSS=$T_RSS
  PEER_CPU=$(awk -v a="$PEER_CPU" -v b="$T_CPU" 'BEGIN {printf "%.1f", a + b}') PEER_WRITE=$((PEER_WRITE + T_WRITE))
  check_same peer
  PEER_BYTES=$(du -sb "$RUN/peer" | cut -f1)
}

LOADAVG=$(cut -d' ' -f1 /proc/loadavg)
case $ORDER in
  both) run_ours 1; run_peer; run_ours 2 ;;
  ours-first) run_ours 1; run_peer ;;
  peer-first) run_peer; run_ours 1 ;;
esac

# --- report ---------------------------------------------------------------------------
REPORT=$(python3 - "$TOTAL_ROWS" "$DATA_BYTES" "$PEER_BYTES" "$PEER_DUMP" "$PEER_LOAD" "$PEER_DUMP_RSS" \
  "$PEER_LOAD_RSS" "$PEER_CPU" "$PEER_WRITE" "$ORDER" "${OURS_RUNS[@]}" <<'EOF'
import sys
rows, data, peer_bytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pd, pl, prss_d, prss_l = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
pcpu, pwrite = float(sys.argv[8]), int(sys.argv[9])
order = sys.argv[10]
ours = [[float(x) for x in r.split()] for r in sys.argv[11:]]
pw = pd + pl
def row(name, d, l, w, rss, cpu, written):
    return (f"| {name} | {d:.1f} | {l:.1f} | {w:.1f} | {rows / w:,.0f} | {data / 1e6 / w:.1f} | "
            f"{rss / 1024:.0f} | {cpu:.0f} | {written / 1e9:.1f} |")
print("| tool | dump s | load s | end-to-end s | rows/s | MB/s | peak RSS MiB | CPU s (tool + servers) "
      "| downstream disk writes GB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
labels = {"both": ["run 1, before the peer", "run 2, after the peer"], "ours-first": ["before the peer"],
          "peer-first": ["after the peer"]}[order]
for label, (d, l, idx, w, rss, cpu, written) in zip(labels, ours):
    print(row(f"dm_full_runner (dump + load units), {label}; load = data {l - idx:.1f} + indexes {idx:.1f}",
              d, l, w, rss, cpu, written))
print(row("mydumper + myloader", pd, pl, pw, max(prss_d, prss_l), pcpu, pwrite))
print()
ow = sum(r[3] for r in ours) / len(ours)
ocpu = sum(r[5] for r in ours) / len(ours)
each = ", ".join(f"{r[3] / pw:.2f}x" for r in ours)
print(f"Ours / peer end-to-end time: {ow / pw:.2f}x (target <= 0.80x)"
      + (f"; per run {each}" if len(ours) > 1 else "") + f". CPU seconds: {ocpu / pcpu:.2f}x. "
      f"Dump files: ours {data / 1e6:.1f} MB, mydumper {peer_bytes / 1e6:.1f} MB.")
EOF
)
echo "$REPORT"

if [[ "$WRITE_DOC" == 1 ]]; then
  SECTION=$(cat <<EOF
<!-- full_bench:begin -->
## Results: full migration end to end (bench/full_bench.sh)

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),
  shared (1-minute load average before the timed runs: $LOADAVG); both servers on the same machine (MariaDB $(mysql_exec up "SELECT VERSION()"),
  innodb_buffer_pool_size=1G, binlog on, defaults otherwise).
- Data: sysbench \`oltp_read_write prepare\` $TABLES tables x $ROWS rows ($TOTAL_ROWS rows).
- Ours: \`$(basename "$RUNNER") --source source.yaml --task task.yaml\`, task-mode full,
  mydumpers threads=$THREADS rows=$CHUNK_ROWS, loaders pool-size=$POOL (dump, then load; the
  time includes both and the upstream/downstream checks the units do); run order: $ORDER.
- Peer: \`mydumper -t $PEER_THREADS -B sbtest\` then \`myloader -t $PEER_THREADS -o ${PEER_BINLOG[*]}\` (Debian's $(mydumper --version 2>&1 | head -1 | cut -d, -f1));
  $([[ ${#PEER_BINLOG[@]} -gt 0 ]] && echo "with -e both write the downstream binlog" || echo "without -e myloader skips the downstream binlog (SQL_LOG_BIN=0), which our loader writes as DM does").
- Both results verified: CHECKSUM TABLE of every table equal to the upstream's.
- Command: \`bench/full_bench.sh --tables $TABLES --rows $ROWS --threads $THREADS --pool $POOL --chunk-rows $CHUNK_ROWS --peer-threads $PEER_THREADS --order $ORDER${PEER_BINLOG[*]:+ --peer-binlog}\`

$REPORT
<!-- full_bench:end -->
EOF
)
  bench_write_doc "$DOC" full_bench "$SECTION"
  log "wrote the results into $DOC"
fi
