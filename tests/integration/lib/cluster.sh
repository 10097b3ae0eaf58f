# shellcheck shell=bash
# dm-master / dm-worker processes for integration tests and the demo (on top of servers.sh:
# same run dir, same cleanup by pid).
#
#   source tests/integration/lib/cluster.sh      # also sources servers.sh
#   harness_init
#   start_dm_master m1 "m1=http://127.0.0.1:$P1,..."   # exports M1_ADDR M1_PID M1_DIR M1_LOG
#   start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3  # exports W1_ADDR W1_PID W1_LOG
#   dmctl list-member                                # against $DM_MASTERS (comma list)
#
# Ports: masters take 3 free ports (API, etcd peer, etcd client) chosen by
# reserve_master_ports NAME before start (so an initial-cluster string can be built).

_DM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=servers.sh
source "$_DM_LIB_DIR/servers.sh"

DM_BIN=${DM_BIN:-$(cd "$_DM_LIB_DIR/../../.." && pwd)/build/bin}
DM_MASTERS=${DM_MASTERS:-}

# reserve_master_ports NAME: exports NAME_PORT NAME_PEER_PORT NAME_ETCD_PORT
reserve_master_ports() {
  local var p
  var=$(_dm_var "$1")
  _dm_tmp_init
  for suffix in PORT PEER_PORT ETCD_PORT; do
    _dm_pick_port p || return 1
    printf -v "${var}_${suffix}" '%s' "$p"
    export "${var}_${suffix}"
  done
}

# start_dm_master NAME INITIAL_CLUSTER|"" [extra flags...]
# Empty INITIAL_CLUSTER = a one-member cluster (or a restart of an existing data dir).
start_dm_master() {
  local name=${1:?} cluster=${2-} var dir
  shift 2
  var=$(_dm_var "$name")
  _dm_tmp_init
  local port_var="${var}_PORT"
  [[ -n "${!port_var:-}" ]] || reserve_master_ports "$name" || return 1
  local port=${!port_var} peer_var="${var}_PEER_PORT" etcd_var="${var}_ETCD_PORT"
  dir=$DM_RUN_DIR/$name
  mkdir -p "$dir"
  local args=(--name "$name" --master-addr "127.0.0.1:$port"
              --peer-urls "http://127.0.0.1:${!peer_var}"
              --etcd-client-addr "127.0.0.1:${!etcd_var}"
              --data-dir "$dir/data" --log-file "$dir/master.log")
  [[ -n "$cluster" ]] && args+=(--initial-cluster "$cluster")
  # shellcheck disable=SC2046
  $(_dm_pdeathsig) "$DM_BIN/dm-master" "${args[@]}" "$@" </dev/null >>"$dir/stdout.log" 2>&1 &
  local pid=$!
  disown "$pid"
  _dm_register "$pid" "$name" "$dir/master.log"
  printf -v "${var}_ADDR" '%s' "127.0.0.1:$port"
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_DIR" '%s' "$dir"
  printf -v "${var}_LOG" '%s' "$dir/master.log"
  export "${var}_ADDR" "${var}_PID" "${var}_DIR" "${var}_LOG"
}

# start_dm_worker NAME JOIN [extra flags...]; reuses NAME_PORT on restart.
start_dm_worker() {
  local name=${1:?} join=${2:?} var dir p
  shift 2
  var=$(_dm_var "$name")
  _dm_tmp_init
  local port_var="${var}_PORT"
  if [[ -z "${!port_var:-}" ]]; then
    _dm_pick_port p || return 1
    printf -v "$port_var" '%s' "$p"
    export "$port_var"
  fi
  dir=$DM_RUN_DIR/$name
  mkdir -p "$dir"
  # The worker runs in its own directory: relative paths in task configs (loader `dir`,
  # dumped data) land there, as they would in a dm-worker's deploy directory.
  # shellcheck disable=SC2046
  (cd "$dir" && exec $(_dm_pdeathsig) "$DM_BIN/dm-worker" --name "$name" \
    --worker-addr "127.0.0.1:${!port_var}" --join "$join" --relay-dir "$dir/relay" \
    --log-file "$dir/worker.log" "$@" </dev/null >>"$dir/stdout.log" 2>&1) &
  local pid=$!
  disown "$pid"
  _dm_register "$pid" "$name" "$dir/worker.log"
  printf -v "${var}_ADDR" '%s' "127.0.0.1:${!port_var}"
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_LOG" '%s' "$dir/worker.log"
  export "${var}_ADDR" "${var}_PID" "${var}_LOG"
}

# kill9 NAME: crash a process started above.
kill9() {
  local var pid_var
  var=$(_dm_var "$1")
  pid_var="${var}_PID"
  kill -KILL "${!pid_var}" 2>/dev/null || true
  wait "${!pid_var}" 2>/dev/null || true
  _dm_unregister "${!pid_var}"
}

dmctl() { "$DM_BIN/dmctl" --master-addr "$DM_MASTERS" "$@"; }

# wait_for TIMEOUT_S DESCRIPTION CMD...: retries CMD until it succeeds.
wait_for() {
  local timeout=$1 what=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - start >= timeout)); then
      _dm_log "timed out after ${timeout}s waiting for: $what"
      return 1
    fi
    sleep 0.2
  done
}

# json_get JSON PYTHON-EXPR: evaluates EXPR with j = the parsed JSON.
json_get() { python3 -c "import json,sys; j=json.loads(sys.argv[1]); print($2)" "$1"; }

# status TASK PYTHON-EXPR: EXPR over `s`, the first subtask status of TASK in query-status.
status() {
  local out
  out=$(dmctl query-status "$1" 2>/dev/null) || return 1
  python3 -c '
import json, sys
j = json.loads(sys.argv[1])
s = j["sources"][0]["subTaskStatus"][0]
print(eval(sys.argv[2]))' "$out" "$2"
}
# unit_is TASK UNIT/STAGE: e.g. unit_is t1 Sync/Running
unit_is() { [[ "$(status "$1" 's["unit"] + "/" + s["stage"]')" == "$2" ]]; }
