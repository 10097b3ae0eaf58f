#!/usr/bin/env bash
# Binlog decoding throughput: dm-binlog vs mariadb-binlog on the same binlog files.
#
#   bench/decode_bench.sh [--size-mb N] [--runs N] [--cpu N] [--keep] [--reuse DIR]
#                         [--dm-binlog PATH] [--no-doc] [--doc PATH]
#
# 1. builds build/bin/dm-binlog (cmake --build build --target dm-binlog) unless
#    --dm-binlog PATH is given;
# 2. starts a throwaway MariaDB (tests/integration/lib/servers.sh: ROW, FULL image, FULL
#    metadata, GTID) and generates about N MB of binlog (default 1024) from a
#    sysbench-like table sbtest.sbtest1 (id INT, k INT, c CHAR(120), pad CHAR(60)):
#    INSERT ... SELECT doubling in 10,000-row chunks, two UPDATE passes (c, then the
#    indexed k), sysbench-like single-row autocommit transactions, a DELETE pass;
# 3. on the same files, pinned to one core (taskset -c CPU: dm-binlog then decodes on one
#    thread), each command RUNS times (default 3), best wall time kept:
#      a. dm-binlog file --summary FILES                  (decode every row, no output)
#      b. dm-binlog file FILES > /dev/null                (full JSON formatting)
#      c. mariadb-binlog --base64-output=decode-rows --verbose FILES > /dev/null
#    plus, for reference, a. with --no-verify-checksum (mariadb-binlog does not verify
#    checksums by default); then b. and c. again not pinned (dm-binlog decodes on one
#    thread per CPU by default, mariadb-binlog has one);
# 4. prints a markdown table and writes it into docs/BENCHMARKS.md, replacing the section
#    between the decode_bench markers (or appending it).
#
# MB/s = binlog file bytes / wall seconds (1 MB = 10^6 bytes); rows/s = rows in the files
# (dm-binlog's count; both tools see the same rows) / wall seconds.
#
# Options:
#   --size-mb N      binlog size to generate, in MiB (default 1024)
#   --runs N         runs per command, best kept (default 3)
#   --cpu N          core to pin to (default 0)
#   --keep           keep the server's data dir and binlogs (printed at the end)
#   --reuse DIR      skip the server: measure the mysql-bin.[0-9]* files in DIR
#   --dm-binlog PATH use this binary, do not build
#   --no-doc         do not touch docs/BENCHMARKS.md
#   --doc PATH       write the results section into PATH instead
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZE_MB=1024 RUNS=3 CPU=0 KEEP=0 REUSE="" DM_BINLOG="" DOC="$ROOT/docs/BENCHMARKS.md" WRITE_DOC=1
usage() { sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --size-mb) SIZE_MB=${2:?}; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    --cpu) CPU=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --reuse) REUSE=${2:?}; shift 2 ;;
    --dm-binlog) DM_BINLOG=${2:?}; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --doc) DOC=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "decode_bench: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ "$SIZE_MB" =~ ^[0-9]+$ ]] || ((SIZE_MB < 8)); then
  echo "decode_bench: --size-mb must be an integer >= 8" >&2; exit 2
fi
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "decode_bench: bad --runs" >&2; exit 2; }

log() { echo "decode_bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

BENCH=decode_bench
source bench/lib.sh
bench_require_tools mariadb-binlog taskset python3

# --- 1. dm-binlog ------------------------------------------------------------------------
if [[ -z "$DM_BINLOG" ]]; then
  if [[ ! -f build/CMakeCache.txt ]]; then
    log "configuring build/ (RelWithDebInfo)"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building dm-binlog"
  cmake --build build -j"$(nproc)" --target dm-binlog >/dev/null
  DM_BINLOG=$ROOT/build/bin/dm-binlog
fi
[[ -x "$DM_BINLOG" ]] || die "$DM_BINLOG is not executable"
# The build type of the build dir DM_BINLOG comes from (BUILD/bin/dm-binlog), else build/.
CACHE=$(dirname "$(dirname "$DM_BINLOG")")/CMakeCache.txt
[[ -f "$CACHE" ]] || CACHE=build/CMakeCache.txt
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$CACHE" 2>/dev/null || true)
CXX_ID=$( (c++ --version 2>/dev/null || true) | head -n 1)

# --- 2. binlog ---------------------------------------------------------------------------
GEN_SECONDS=""
if [[ -n "$REUSE" ]]; then
  BINDIR=$(cd "$REUSE" && pwd)
else
  # shellcheck source=../tests/integration/lib/servers.sh
  source "$ROOT/tests/integration/lib/servers.sh"
  ((KEEP)) && export DM_KEEP_TMP=1
  harness_init
  start_mariadb bench --max-binlog-size=1G --innodb-buffer-pool-size=2G \
    --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
    --innodb-doublewrite=0 --max-allowed-packet=256M
  BINDIR=$BENCH_DIR
  # Rows in the table: ~1,000 rows per MiB of binlog (calibrated: each row is written
  # once, updated twice with a FULL before+after image and half of them deleted, plus the
  # single-row transactions).
  NROWS=$((SIZE_MB * 1000))
  NPOINT=$((SIZE_MB * 60))
  log "generating ~${SIZE_MB} MiB of binlog: $NROWS rows, $NPOINT single-row transactions"
  t0=$EPOCHREALTIME
  python3 - "$NROWS" "$NPOINT" <<'PY' |
import random, sys
nrows, npoint = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(42)
w = sys.stdout.write
CHUNK = 10000
def digits(groups):
    return "-".join("%011d" % rnd.randrange(10**11) for _ in range(groups))
w("CREATE DATABASE sbtest;\n"
  "CREATE TABLE sbtest.sbtest1 (id INT NOT NULL, k INT NOT NULL DEFAULT 0,"
  " c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '',"
  " PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB;\nUSE sbtest;\n")
seed = min(1000, nrows)
w("INSERT INTO sbtest1 (id, k, c, pad) VALUES " + ",".join(
    f"({i},{rnd.randrange(nrows)},'{digits(10)}','{digits(5)}')" for i in range(1, seed + 1)) + ";\n")
# sysbench-like random strings computed by the server (10 and 5 groups of 11 digits).
RC = "CONCAT_WS('-'," + ",".join(["LPAD(FLOOR(RAND()*1e11),11,'0')"] * 10) + ")"
n = seed
while n < nrows:
    m = min(n, nrows - n)
    for a in range(1, m + 1, CHUNK):
        b = min(a + CHUNK - 1, m)
        w(f"INSERT INTO sbtest1 (id, k, c, pad) SELECT id + {n}, FLOOR(RAND()*{nrows}), c, pad"
          f" FROM sbtest1 WHERE id BETWEEN {a} AND {b};\n")
    n += m
for a in range(1, nrows + 1, CHUNK):
    w(f"UPDATE sbtest1 SET c={RC} WHERE id BETWEEN {a} AND {a + CHUNK - 1};\n")
w("FLUSH BINARY LOGS;\n")
for a in range(1, nrows + 1, CHUNK):
    w(f"UPDATE sbtest1 SET k=k+1 WHERE id BETWEEN {a} AND {a + CHUNK - 1};\n")
# sysbench oltp_write_only-like transactions, one statement each (autocommit).
next_id = nrows + 1
for _ in range(npoint):
    r = rnd.random()
    i = rnd.randint(1, nrows)
    if r < 0.4:
        w(f"UPDATE sbtest1 SET k=k+1 WHERE id={i};\n")
    elif r < 0.7:
        w(f"UPDATE sbtest1 SET c='{digits(10)}' WHERE id={i};\n")
    elif r < 0.85:
        w(f"DELETE FROM sbtest1 WHERE id={i};\n")
    else:
        w(f"INSERT INTO sbtest1 (id, k, c, pad) VALUES ({next_id},{rnd.randrange(nrows)},"
          f"'{digits(10)}','{digits(5)}');\n")
        next_id += 1
for a in range(1, nrows + 1, CHUNK):
    w(f"DELETE FROM sbtest1 WHERE id BETWEEN {a} AND {a + CHUNK - 1} AND id % 2 = 0;\n")
w("FLUSH BINARY LOGS;\n")
PY
  "$DM_MARIADB_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$BENCH_PORT" -uroot \
    --max-allowed-packet=256M >/dev/null || die "workload failed"
  GEN_SECONDS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
  log "generated in ${GEN_SECONDS} s"
fi

mapfile -t FILES < <(find "$BINDIR" -maxdepth 1 -name 'mysql-bin.[0-9]*' | sort)
((${#FILES[@]} > 0)) || die "no mysql-bin.NNNNNN files in $BINDIR"
BYTES=$(stat -c %s "${FILES[@]}" | awk '{ s += $1 } END { print s }')
log "files: ${#FILES[@]} in $BINDIR, $BYTES bytes"
cat "${FILES[@]}" >/dev/null  # page cache warm-up: every run reads from memory

# --- 3. measurements ---------------------------------------------------------------------
if [[ -n "$REUSE" ]]; then
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/decode-bench.XXXXXX")
  trap 'rm -rf "$OUT"' EXIT
else
  OUT=$DM_RUN_DIR/bench-out  # removed with the server dir by stop_all (EXIT trap)
  mkdir -p "$OUT"
fi

# best_of NAME STDOUT PIN CMD...: runs CMD RUNS times with stdout to STDOUT, pinned to $CPU
# when PIN is "pin" (else on every CPU); prints the best wall time and that run's CPU
# time (user + sys), in seconds.
best_of() {
  local name=$1 dest=$2 pin=$3 best="" cpu="" i times wall used
  shift 3
  local prefix=()
  [[ $pin == pin ]] && prefix=(taskset -c "$CPU")
  for ((i = 1; i <= RUNS; i++)); do
    times=$( { TIMEFORMAT='%R %U %S'; time "${prefix[@]}" "$@" >"$dest" 2>"$OUT/$name.err"; } 2>&1 ) ||
      { cat "$OUT/$name.err" >&2; die "$name failed: $*"; }
    read -r wall used < <(awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$times")
    log "  $name run $i: ${wall} s wall, ${used} s CPU"
    if [[ -z "$best" ]] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$wall cpu=$used
    fi
  done
  echo "$best $cpu"
}

log "measuring (pinned to cpu $CPU, then on all $(nproc) CPUs; best of $RUNS)"
read -r T_SUM C_SUM < <(best_of summary "$OUT/summary.json" pin "$DM_BINLOG" file --summary "${FILES[@]}")
read -r T_SUM_NV C_SUM_NV < <(best_of summary_noverify "$OUT/summary_nv.json" pin "$DM_BINLOG" file --summary --no-verify-checksum "${FILES[@]}")
read -r T_JSON C_JSON < <(best_of json /dev/null pin "$DM_BINLOG" file "${FILES[@]}")
read -r T_REF C_REF < <(best_of mariadb-binlog /dev/null pin mariadb-binlog --no-defaults --base64-output=decode-rows --verbose "${FILES[@]}")
# Not pinned: dm-binlog decodes on one thread per CPU by default; mariadb-binlog has one.
read -r T_JSON_ALL C_JSON_ALL < <(best_of json_all_cpus /dev/null free "$DM_BINLOG" file "${FILES[@]}")
read -r T_REF_ALL C_REF_ALL < <(best_of mariadb-binlog_all_cpus /dev/null free mariadb-binlog --no-defaults --base64-output=decode-rows --verbose "${FILES[@]}")

read -r ROWS EVENTS ROW_EVENTS TRX INTERNAL_MBS < <(python3 - "$OUT/summary.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
row_events = sum(v for k, v in s["event_types"].items()
                 if k.startswith(("write_rows", "update_rows", "delete_rows")))
print(s["rows"], s["events"], row_events, s["transactions"], "%.1f" % s.get("mb_per_s", 0))
PY
)

rate() { awk -v n="$1" -v t="$2" -v d="$3" 'BEGIN { printf "%.*f", d, n / t }'; }
mbs() { rate "$BYTES" "$(awk -v t="$1" 'BEGIN { print t * 1e6 }')" 1; }
rps() { awk -v n="$ROWS" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }

MB_SUM=$(mbs "$T_SUM") MB_SUM_NV=$(mbs "$T_SUM_NV") MB_JSON=$(mbs "$T_JSON") MB_REF=$(mbs "$T_REF")
R_SUM=$(ratio "$T_SUM" "$T_REF") R_SUM_NV=$(ratio "$T_SUM_NV" "$T_REF") R_JSON=$(ratio "$T_JSON" "$T_REF")
MB_JSON_ALL=$(mbs "$T_JSON_ALL") MB_REF_ALL=$(mbs "$T_REF_ALL")
R_JSON_ALL=$(ratio "$T_JSON_ALL" "$T_REF_ALL") R_JSON_CPU=$(ratio "$C_JSON_ALL" "$C_REF_ALL")
SIZE_MIB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
NPROC=$(nproc)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
MARIADB_BINLOG_VERSION=$(mariadb-binlog --version | head -n 1)
SERVER_VERSION=$(mariadb-binlog --no-defaults "${FILES[0]}" 2>/dev/null | sed -n 's/.*server v \([^ ]*\) .*/\1/p' | head -n 1)
MET_10X=$(awk -v r="$R_SUM" 'BEGIN { print (r >= 10) ? "met" : "NOT met" }')
MET_10X_JSON=$(awk -v r="$R_JSON" 'BEGIN { print (r >= 10) ? "met" : "NOT met" }')
MET_10X_JSON_ALL=$(awk -v r="$R_JSON_ALL" 'BEGIN { print (r >= 10) ? "met" : "NOT met" }')
MET_300=$(awk -v m="$MB_SUM" 'BEGIN { print (m >= 300) ? "met" : "NOT met" }')
FILE_LIST=$(for f in "${FILES[@]}"; do printf '%s ' "$(basename "$f")"; done)
FILE_LIST=${FILE_LIST% }
DM_SHOWN=${DM_BINLOG#"$ROOT"/}  # repo-relative in the doc when it is ours

SECTION=$(cat <<EOF
<!-- decode_bench:begin -->
## Results: binlog decoding throughput (bench/decode_bench.sh)

- Date: $DATE
- Machine: $NPROC CPUs (\`nproc\`), $CPU_MODEL; each command pinned to one core
  (\`taskset -c $CPU\`: dm-binlog then decodes on one thread), then full JSON again on all
  CPUs; files in the page cache, best of $RUNS runs (wall time).
- dm-binlog: $DM_SHOWN (CMAKE_BUILD_TYPE=${BUILD_TYPE:-?}, ${CXX_ID:-?});
  peer: $MARIADB_BINLOG_VERSION.
- Binlog: ${#FILES[@]} file(s) ($FILE_LIST) written by MariaDB ${SERVER_VERSION:-?} with
  binlog_format=ROW, binlog_row_image=FULL, binlog_row_metadata=FULL, CRC32 checksums:
  $BYTES bytes ($SIZE_MIB MiB), $EVENTS events, $ROW_EVENTS row events, $ROWS rows,
  $TRX transactions${GEN_SECONDS:+ (generated in $GEN_SECONDS s)}.
  Workload: sysbench-like \`sbtest1\` (id INT, k INT, c CHAR(120), pad CHAR(60),
  KEY(k)) filled by \`INSERT ... SELECT\` doubling in 10,000-row chunks, an UPDATE of c
  and an UPDATE of k over all rows, single-row autocommit UPDATE/DELETE/INSERT
  transactions, a DELETE of half the rows.

| command (pinned to one core) | wall s | CPU s | MB/s | rows/s | vs mariadb-binlog |
|---|---:|---:|---:|---:|---:|
| \`dm-binlog file --summary FILES\` (decode all rows, no output) | $T_SUM | $C_SUM | $MB_SUM | $(rps "$T_SUM") | ${R_SUM}x |
| \`dm-binlog file --summary --no-verify-checksum FILES\` | $T_SUM_NV | $C_SUM_NV | $MB_SUM_NV | $(rps "$T_SUM_NV") | ${R_SUM_NV}x |
| \`dm-binlog file FILES > /dev/null\` (full JSON) | $T_JSON | $C_JSON | $MB_JSON | $(rps "$T_JSON") | ${R_JSON}x |
| \`mariadb-binlog --base64-output=decode-rows --verbose FILES > /dev/null\` | $T_REF | $C_REF | $MB_REF | $(rps "$T_REF") | 1.0x |

| command (not pinned: $NPROC CPUs) | wall s | CPU s | MB/s | rows/s | vs mariadb-binlog |
|---|---:|---:|---:|---:|---:|
| \`dm-binlog file FILES > /dev/null\` (full JSON, $NPROC decoding threads) | $T_JSON_ALL | $C_JSON_ALL | $MB_JSON_ALL | $(rps "$T_JSON_ALL") | ${R_JSON_ALL}x |
| \`mariadb-binlog --base64-output=decode-rows --verbose FILES > /dev/null\` (one thread) | $T_REF_ALL | $C_REF_ALL | $MB_REF_ALL | $(rps "$T_REF_ALL") | 1.0x |

MB/s = file bytes / wall seconds (10^6 bytes); rows/s = rows / wall seconds; CPU s = user +
sys of the run with the best wall time.
dm-binlog's own summary (last --summary run) reported ${INTERNAL_MBS} MB/s for the decode loop alone (no
process start or exit).

Targets:
- dm-binlog at least 10x mariadb-binlog: **$MET_10X** for decoding on one core (${R_SUM}x);
  with full JSON output **$MET_10X_JSON_ALL** on this machine's $NPROC CPUs (${R_JSON_ALL}x wall
  time; it uses ${R_JSON_CPU}x less CPU time) and **$MET_10X_JSON** on one core (${R_JSON}x).
- at least 300 MB/s on one core decoding without output formatting: **$MET_300**
  ($MB_SUM MB/s).

Exact command lines:

\`\`\`sh
bench/decode_bench.sh --size-mb $SIZE_MB --runs $RUNS --cpu $CPU
taskset -c $CPU $DM_SHOWN file --summary FILES
taskset -c $CPU $DM_SHOWN file --summary --no-verify-checksum FILES
taskset -c $CPU $DM_SHOWN file FILES > /dev/null
taskset -c $CPU mariadb-binlog --no-defaults --base64-output=decode-rows --verbose FILES > /dev/null
$DM_SHOWN file FILES > /dev/null
mariadb-binlog --no-defaults --base64-output=decode-rows --verbose FILES > /dev/null
\`\`\`
<!-- decode_bench:end -->
EOF
)

echo
echo "$SECTION" | sed -n '/^| command/,/^MB.s = /p'
echo
echo "binlog: $BYTES bytes, $ROW_EVENTS row events, $ROWS rows; dm-binlog --summary ${R_SUM}x mariadb-binlog ($MET_10X), $MB_SUM MB/s on one core (300 MB/s target $MET_300); full JSON ${R_JSON_ALL}x on $NPROC CPUs, ${R_JSON}x on one core"

if ((WRITE_DOC)); then
  mkdir -p "$(dirname "$DOC")"
  if [[ ! -f "$DOC" ]]; then
    printf '# Benchmarks\n\nReproduce with `bench/decode_bench.sh` (see bench/README.md).\n\n' >"$DOC"
  fi
  bench_write_doc "$DOC" decode_bench "$SECTION"
  log "wrote the results section of $DOC"
fi
if ((KEEP)) && [[ -z "$REUSE" ]]; then
  log "kept the binlogs in $BINDIR (server data dir $DM_RUN_DIR)"
fi
