# shellcheck shell=bash
# Pieces the bench scripts share. Source it from the repository root after setting BENCH
# (the script's name, for messages):
#
#   BENCH=sync_bench
#   source bench/lib.sh
#
#   bench_require_tools TOOL...     exits 2 naming the first TOOL not on PATH
#   bench_port_of NAME              the port of the server started with start_mariadb NAME
#   bench_prepare_sbtest TABLES SIZE
#                                   sets SB (sysbench connection and table options for the
#                                   upstream's sbtest), creates sbtest and runs `sysbench
#                                   oltp_write_only prepare` (4 threads; log in $WORK)
#   bench_dump_sbtest               G0 = the upstream's @@gtid_binlog_pos, then a
#                                   consistent mariadb-dump of sbtest into $WORK/sbtest.sql
#   bench_load_dump NAME            loads $WORK/sbtest.sql into the server NAME
#   bench_write_doc DOC MARKER SECTION
#                                   replaces what stands between <!-- MARKER:begin --> and
#                                   <!-- MARKER:end --> in DOC with SECTION (which carries
#                                   both markers), or appends SECTION; a missing DOC is
#                                   created with a "# Benchmarks" title
# The servers.sh functions (start_mariadb, mysql_exec, ...) must be sourced before the
# server helpers are used; WORK is the scripts' scratch directory.

bench_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$BENCH: $tool is not installed (scripts/deps.sh)" >&2; exit 2; }
  done
}

bench_port_of() { local v; v="$(_dm_var "$1")_PORT"; echo "${!v}"; }

bench_prepare_sbtest() {
  SB=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$UP_PORT" --mysql-user=root
      --mysql-db=sbtest --tables="$1" --table-size="$2")
  mysql_exec up "CREATE DATABASE sbtest"
  echo "$BENCH: prepare: $1 tables x $2 rows" >&2
  sysbench oltp_write_only "${SB[@]}" --threads=4 prepare >"$WORK/prepare.log"
}

bench_dump_sbtest() {
  # shellcheck disable=SC2034  # G0 is for the caller
  G0=$(mysql_exec up "SELECT @@gtid_binlog_pos")
  mariadb-dump --no-defaults --protocol=tcp -h127.0.0.1 -P"$UP_PORT" -uroot --single-transaction \
    --skip-add-locks --databases sbtest >"$WORK/sbtest.sql"
}

bench_load_dump() {
  "$DM_MARIADB_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$(bench_port_of "$1")" -uroot \
    <"$WORK/sbtest.sql"
}

bench_write_doc() {
  python3 - "$1" "$2" "$3" <<'PY'
import re, sys
path, marker, section = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("\n")
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
pat = re.compile(r"<!-- %s:begin -->.*?<!-- %s:end -->" % (re.escape(marker), re.escape(marker)), re.S)
if pat.search(text):
    text = pat.sub(lambda m: section, text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
}
