# shellcheck shell=bash
# CHECKSUM TABLE comparison of every base table of some schemas between two servers.
#
#   source tests/integration/lib/checksum.sh
#   dm_checksums 127.0.0.1 3306 corpus sbtest          # "schema.table<TAB>rows<TAB>checksum" lines
#   dm_compare_checksums 127.0.0.1:3306 127.0.0.1:3307 corpus sbtest   # 0 if identical,
#                                                      # else 1 and a diff on stderr
#
# Tables are listed from the FIRST server's information_schema (base tables only, no views)
# and looked up by the same name on the second, so a table missing downstream shows as a
# difference. Each line carries COUNT(*) too: CHECKSUM TABLE is an order-independent sum
# of row CRCs, so a row count makes duplicates of a row that occurs an even number of times
# visible as well. Connects as $DM_CHECKSUM_USER (root) with password $DM_CHECKSUM_PASSWORD
# (empty), never printed.
#
# Environment: DM_MARIADB_CLIENT (default: mariadb, else mysql on PATH).

_dm_ck_client() {
  if [[ -n "${DM_MARIADB_CLIENT:-}" ]]; then echo "$DM_MARIADB_CLIENT"
  elif command -v mariadb >/dev/null 2>&1; then echo mariadb
  else echo mysql; fi
}

# _dm_ck_sql HOST PORT SQL: runs SQL, prints tab-separated rows without headers.
_dm_ck_sql() {
  local client
  client=$(_dm_ck_client)
  MYSQL_PWD="${DM_CHECKSUM_PASSWORD:-}" "$client" --no-defaults --protocol=tcp -h"$1" -P"$2" \
    -u"${DM_CHECKSUM_USER:-root}" --default-character-set=utf8mb4 -N -B -r -e "$3"
}

# _dm_ck_quote NAME: `NAME` with backticks doubled.
_dm_ck_quote() { local n=${1//\`/\`\`}; printf '`%s`' "$n"; }

# _dm_ck_str NAME: 'NAME' as a SQL string literal.
_dm_ck_str() { local n=${1//\\/\\\\}; n=${n//\'/\\\'}; printf "'%s'" "$n"; }

# dm_table_list HOST PORT SCHEMA...: "schema<TAB>table" of every base table, sorted.
dm_table_list() {
  local host=$1 port=$2 s list=""
  shift 2
  for s in "$@"; do
    list+="${list:+,}$(_dm_ck_str "$s")"
  done
  [[ -n "$list" ]] || return 0
  _dm_ck_sql "$host" "$port" "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
      WHERE TABLE_SCHEMA IN ($list) AND TABLE_TYPE = 'BASE TABLE'
      ORDER BY TABLE_SCHEMA, TABLE_NAME"
}

# dm_checksums_of HOST PORT < "schema<TAB>table" lines: "schema.table<TAB>rows<TAB>checksum".
# A table that does not exist prints "missing".
dm_checksums_of() {
  local host=$1 port=$2 s t q out n
  while IFS=$'\t' read -r s t; do
    [[ -n "$s" ]] || continue
    q="$(_dm_ck_quote "$s").$(_dm_ck_quote "$t")"
    if ! out=$(_dm_ck_sql "$host" "$port" "CHECKSUM TABLE $q EXTENDED" 2>/dev/null) ||
        ! n=$(_dm_ck_sql "$host" "$port" "SELECT COUNT(*) FROM $q" 2>/dev/null); then
      printf '%s.%s\tmissing\n' "$s" "$t"
      continue
    fi
    printf '%s.%s\t%s\t%s\n' "$s" "$t" "$n" "${out##*$'\t'}"
  done
}

# dm_checksums HOST PORT SCHEMA...
dm_checksums() {
  local host=$1 port=$2
  shift 2
  dm_table_list "$host" "$port" "$@" | dm_checksums_of "$host" "$port"
}

# dm_compare_checksums HOST_A:PORT_A HOST_B:PORT_B SCHEMA...: returns 0 when every base
# table of SCHEMA... on A exists on B with the same row count and CHECKSUM TABLE value and
# B has no extra tables in those schemas; otherwise prints the differences to stderr and
# returns 1.
dm_compare_checksums() {
  local a=$1 b=$2 tables a_sum b_sum a_list b_list
  shift 2
  [[ $# -gt 0 ]] || { echo "dm_compare_checksums: no schema given" >&2; return 2; }
  tables=$(dm_table_list "${a%:*}" "${a##*:}" "$@") || return 2
  a_list=$tables
  b_list=$(dm_table_list "${b%:*}" "${b##*:}" "$@") || return 2
  a_sum=$(dm_checksums_of "${a%:*}" "${a##*:}" <<<"$tables")
  b_sum=$(dm_checksums_of "${b%:*}" "${b##*:}" <<<"$tables")
  if [[ "$a_sum" == "$b_sum" && "$a_list" == "$b_list" ]]; then
    return 0
  fi
  {
    echo "CHECKSUM TABLE differs between $a (<) and $b (>):"
    diff <(echo "$a_sum") <(echo "$b_sum") || true
    [[ "$a_list" == "$b_list" ]] || { echo "table lists differ:"; diff <(echo "$a_list") <(echo "$b_list") || true; }
  } >&2
  return 1
}
