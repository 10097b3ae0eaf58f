#!/usr/bin/env bash
# Full migration end to end: our dump + load units vs Debian's mydumper + myloader, on the
# same two throwaway MariaDB servers in the same run.
#
#   bench/full_bench.sh [--tables N] [--rows N] [--threads N] [--ours-threads DUMP,LOAD]
#                       [--runner PATH] [--no-doc]
#
# 1. starts an upstream and a downstream MariaDB (tests/integration/lib/servers.sh) and
#    fills the upstream with `sysbench oltp_read_write prepare` (default 4 tables x 1M rows);
# 2. ours: bench binary dm_full_runner (the Dump and Load units of a task-mode `full`
#    subtask, exactly what dm-worker runs) with DM's defaults (mydumper threads 4, loader
#    pool-size 16; --ours-threads to change) and rows: 100000 chunks; /usr/bin/time -v
#    gives the peak RSS;
# 3. the peer: mydumper -t N -r 100000 then myloader -t N -o -e (N = --threads, default 2, as
#    the issue's reference setup), same servers, the downstream schema dropped first.
#    `-e` keeps the downstream binlog on, as our loader does (myloader turns it off by
#    default with SQL_LOG_BIN=0, which needs SUPER and hides the load from replicas of the
#    target);
# 4. after each, CHECKSUM TABLE + COUNT(*) of every table must equal the upstream's;
# 5. prints a markdown table and, unless --no-doc, writes it into docs/BENCHMARKS.md between
#    the full_bench markers.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TABLES=4 ROWS=1000000 THREADS=2 OURS_DUMP=4 OURS_LOAD=16 RUNNER="" WRITE_DOC=1
while (($#)); do
  case $1 in
    --tables) TABLES=${2:?}; shift 2 ;;
    --rows) ROWS=${2:?}; shift 2 ;;
    --threads) THREADS=${2:?}; shift 2 ;;
    --ours-threads) OURS_DUMP=${2%%,*}; OURS_LOAD=${2##*,}; shift 2 ;;
    --runner) RUNNER=${2:?}; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "full_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in sysbench mydumper myloader /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "full_bench: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
if [[ -z "$RUNNER" ]]; then
  cmake --build build --target dm_full_runner >/dev/null
  RUNNER=$ROOT/build/bin/dm_full_runner
fi
source tests/integration/lib/servers.sh
source tests/integration/lib/checksum.sh
harness_init
log() { echo "full_bench: $*" >&2; }

start_mariadb up
start_mariadb down
mysql_exec up "CREATE DATABASE sbtest"
log "preparing $TABLES x $ROWS sysbench rows upstream"
t0=$SECONDS
sysbench --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$UP_PORT" --mysql-user=root \
  --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" --threads=2 oltp_read_write prepare >/dev/null
log "prepared in $((SECONDS - t0)) s"
DATA_BYTES=$(mysql_exec up "SELECT SUM(DATA_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA='sbtest'")
TOTAL_ROWS=$((TABLES * ROWS))
same() { dm_compare_checksums "127.0.0.1:$UP_PORT" "127.0.0.1:$DOWN_PORT" sbtest; }

# ---- ours ----
W=$DM_RUN_DIR/ours
mkdir -p "$W"
cat >"$W/source.yaml" <<YAML
source-id: bench
from: {host: 127.0.0.1, port: $UP_PORT, user: root, password: ""}
YAML
cat >"$W/task.yaml" <<YAML
name: fullbench
task-mode: full
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
block-allow-list: {b: {do-dbs: [sbtest]}}
mydumpers: {d: {threads: $OURS_DUMP, rows: 100000}}
loaders: {l: {pool-size: $OURS_LOAD, dir: ./dumped}}
mysql-instances:
  - {source-id: bench, block-allow-list: b, mydumper-config-name: d, loader-config-name: l}
YAML
log "ours: dump threads $OURS_DUMP + load pool-size $OURS_LOAD"
t0=$(date +%s.%N)
(cd "$W" && /usr/bin/time -v "$RUNNER" --source source.yaml --task task.yaml -L warn \
    >"$W/out.json" 2>"$W/time.txt") || { cat "$W/time.txt" >&2; exit 1; }
OURS_S=$(echo "$(date +%s.%N) - $t0" | bc)
OURS_RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt")
OURS_SPLIT=$(python3 -c 'import json,sys; j=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); s=j.get("seconds",{}); print("dump %.1f s + load %.1f s" % (s.get("dump",0), s.get("load",0)))' "$W/out.json")
same || { log "ours: data differs"; exit 1; }
log "ours: ${OURS_S}s ($OURS_SPLIT), peak RSS ${OURS_RSS_KB} kB, data identical"

# ---- mydumper + myloader ----
mysql_exec down "DROP DATABASE sbtest; DROP DATABASE IF EXISTS dm_meta"
P=$DM_RUN_DIR/peer
log "peer: mydumper -t $THREADS -r 100000 + myloader -t $THREADS -e"
t0=$(date +%s.%N)
mydumper -h 127.0.0.1 -P "$UP_PORT" -u root -B sbtest -t "$THREADS" -r 100000 -o "$P" >/dev/null 2>"$DM_RUN_DIR/mydumper.err"
t1=$(date +%s.%N)
myloader -h 127.0.0.1 -P "$DOWN_PORT" -u root -d "$P" -t "$THREADS" -o -e >/dev/null 2>"$DM_RUN_DIR/myloader.err"
t2=$(date +%s.%N)
PEER_S=$(echo "$t2 - $t0" | bc)
PEER_SPLIT=$(printf 'dump %.1f s + load %.1f s' "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)")
same || { log "peer: data differs"; exit 1; }
log "peer: ${PEER_S}s ($PEER_SPLIT), data identical"

RATIO=$(echo "scale=2; $OURS_S / $PEER_S" | bc)
row() { printf '| %s | %.1f | %s | %.0f | %.1f |\n' "$1" "$2" "$3" "$(echo "$TOTAL_ROWS / $2" | bc -l)" "$(echo "$DATA_BYTES / 1000000 / $2" | bc -l)"; }
SECTION=$(cat <<MD
<!-- full_bench:begin -->
## Results: full migration (bench/full_bench.sh)

- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)); both
  MariaDB servers on the same machine (loopback).
- Data: sysbench \`oltp_read_write prepare\`, $TABLES tables x $ROWS rows ($TOTAL_ROWS rows,
  $((DATA_BYTES / 1000000)) MB of InnoDB data upstream). 100,000-row chunks for both; ours with
  dump threads $OURS_DUMP and load pool-size $OURS_LOAD (DM's defaults are 4 and 16), the peer with -t $THREADS;
  downstream emptied between runs; CHECKSUM TABLE + COUNT(*) equal to the upstream after each.

| tool | wall s | split | rows/s | MB/s (InnoDB data) |
|---|---:|---|---:|---:|
$(row "dm dump + load units (\`dm_full_runner\`, threads $OURS_DUMP, pool-size $OURS_LOAD)" "$OURS_S" "$OURS_SPLIT")
$(row "mydumper -t $THREADS + myloader -t $THREADS -e ($(mydumper --version 2>&1 | head -n1 | awk '{print $2}' | tr -d ,))" "$PEER_S" "$PEER_SPLIT")

- Our time / peer time: **$RATIO** (target: at most 0.8).
- myloader runs with \`-e\` (binlog on, like our loader; its default SQL_LOG_BIN=0 skips the
  downstream binlog writes, which also hides the load from the target's replicas).
- Our peak RSS: $((OURS_RSS_KB / 1024)) MiB (target: under 1 GiB for any table size).

\`\`\`sh
bench/full_bench.sh --tables $TABLES --rows $ROWS --threads $THREADS --ours-threads $OURS_DUMP,$OURS_LOAD
\`\`\`
<!-- full_bench:end -->
MD
)
echo "$SECTION"
if ((WRITE_DOC)); then
  python3 - "$ROOT/docs/BENCHMARKS.md" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pat = re.compile(r"<!-- full_bench:begin -->.*?<!-- full_bench:end -->", re.S)
text = pat.sub(lambda m: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
  log "wrote the results into docs/BENCHMARKS.md"
fi
