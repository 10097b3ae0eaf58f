# shellcheck shell=bash
# Throwaway MariaDB and etcd servers for integration test scripts and the demo.
#
#   source tests/integration/lib/servers.sh
#   harness_init                      # trap: every server is stopped (by pid) on exit/INT/TERM
#   start_mariadb up1 --binlog-row-image=MINIMAL
#   mysql_exec up1 "select @@server_id"
#   start_etcd meta
#   etcdctl_exec meta put k v
#   start_mariadb_tls db1             # TLS on (throwaway CA and certs, make_tls_certs)
#   create_tls_users db1              # tls_ssl (REQUIRE SSL), tls_x509 (REQUIRE X509)
#
# Every server lives in its own directory $DM_RUN_DIR/NAME, where DM_RUN_DIR is a fresh
# `mktemp -d` under $DM_TEST_TMP (default /tmp) made on first use; it listens on a free
# 127.0.0.1 port and its pid is registered for cleanup.
# start_* export <NAME>_* variables (NAME upper-cased, non-alphanumerics -> _), e.g.
# `start_mariadb up1` sets UP1_PORT UP1_PID UP1_DIR UP1_SOCK UP1_LOG.
#
# Environment:
#   DM_TEST_TMP   parent of the run dir and of the cached template datadir (default /tmp)
#   DM_TEST_NO_TEMPLATE=1  run mariadb-install-db for every server instead of copying the
#                 cached template datadir (shared with src/dm/testing: same path and lock)
#   DM_KEEP_TMP=1 keep the directories (data, logs) after stop_all
#
# All functions return non-zero with a message on stderr naming what failed and which
# log to read; they are safe under `set -euo pipefail`.

if [[ -n "${_DM_SERVERS_SH_LOADED:-}" ]]; then
  return 0
fi
_DM_SERVERS_SH_LOADED=1

DM_MARIADBD=${DM_MARIADBD:-$(command -v mariadbd 2>/dev/null || echo /usr/sbin/mariadbd)}
DM_MARIADB_INSTALL_DB=${DM_MARIADB_INSTALL_DB:-mariadb-install-db}
DM_MARIADB_CLIENT=${DM_MARIADB_CLIENT:-mariadb}
DM_ETCD=${DM_ETCD:-etcd}
DM_ETCDCTL=${DM_ETCDCTL:-etcdctl}

_DM_PIDS=()                  # registered pids, in start order
declare -gA _DM_PID_NAME=()  # pid -> server name
declare -gA _DM_PID_LOG=()   # pid -> log file
declare -gA _DM_PORTS_USED=()
declare -gA _DM_MARIADB_ARGS=()  # name -> extra args (one string, %q-quoted) for restart
_DM_SERVER_SEQ=0

_dm_log() { echo "servers.sh: $*" >&2; }

# _dm_var NAME -> upper-cased identifier prefix
_dm_var() {
  local v=${1^^}
  v=${v//[^A-Z0-9_]/_}
  echo "$v"
}

# _dm_tmp_init: creates this script's run dir on first use: DM_RUN_DIR, a fresh
# `mktemp -d` under $DM_TEST_TMP (default $TMPDIR or /tmp). Scripts running in parallel
# under one DM_TEST_TMP never share a directory.
_dm_tmp_init() {
  if [[ -z "${DM_RUN_DIR:-}" || "${_DM_RUN_DIR_OWNER:-}" != "$BASHPID" ]]; then
    local parent=${DM_TEST_TMP:-${TMPDIR:-/tmp}}
    mkdir -p "$parent"
    DM_RUN_DIR=$(mktemp -d "$parent/dm-test.XXXXXX")
    _DM_RUN_DIR_OWNER=$BASHPID
    export DM_RUN_DIR
  fi
}

# dm_run_dir: prints the run dir (call _dm_tmp_init or harness_init first in this shell).
dm_run_dir() { echo "${DM_RUN_DIR:?call harness_init first}"; }

# free_port: prints a 127.0.0.1 TCP port nobody listens on. Ports are drawn from
# 20000-32767 (below the kernel's ephemeral range, so outgoing connections never take
# them later) and never handed out twice by this shell. Call as `p=$(free_port)`; the
# start_* functions call _dm_pick_port directly so the "used" set is kept.
free_port() {
  python3 - "${!_DM_PORTS_USED[@]}" <<'EOF'
import random, socket, sys
used = {int(p) for p in sys.argv[1:]}
for _ in range(500):
    p = random.randint(20000, 32767)
    if p in used:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("free_port: no free port found in 20000-32767")
EOF
}

# _dm_pick_port VAR: stores a free port in VAR and remembers it as used.
_dm_pick_port() {
  local __p
  __p=$(free_port) || return 1
  _DM_PORTS_USED[$__p]=1
  printf -v "$1" '%s' "$__p"
}

_dm_register() {  # pid name log
  _DM_PIDS+=("$1")
  _DM_PID_NAME[$1]=$2
  _DM_PID_LOG[$1]=$3
}

_dm_unregister() {  # pid
  local p keep=()
  for p in "${_DM_PIDS[@]}"; do
    [[ "$p" == "$1" ]] || keep+=("$p")
  done
  _DM_PIDS=("${keep[@]}")
  unset "_DM_PID_NAME[$1]" "_DM_PID_LOG[$1]"
}

# True while pid runs (zombies count as gone).
_dm_alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n "$st" && "$st" != Z* ]]
}

# _dm_kill_pid PID [TIMEOUT_S]: SIGTERM, wait up to TIMEOUT_S (10), then SIGKILL.
# Only signals PID if its command line still mentions our temp dir (no pid-reuse accidents).
_dm_kill_pid() {
  local pid=$1 timeout=${2:-10} i
  if ! _dm_alive "$pid"; then
    wait "$pid" 2>/dev/null || true
    return 0
  fi
  local cmdline
  cmdline=$( (tr '\0' ' ' <"/proc/$pid/cmdline") 2>/dev/null || true)
  # An exiting process has an empty cmdline: it is ours, just wait for it below.
  if [[ -n "$cmdline" && -n "${DM_RUN_DIR:-}" && "$cmdline" != *"$DM_RUN_DIR"* ]]; then
    _dm_log "pid $pid is no longer one of our servers; not signalling it"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 20; i++)); do
    _dm_alive "$pid" || break
    sleep 0.05
  done
  if _dm_alive "$pid"; then
    _dm_log "pid $pid (${_DM_PID_NAME[$pid]:-?}) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      _dm_alive "$pid" || break
      sleep 0.05
    done
  fi
  wait "$pid" 2>/dev/null || true
}

# Runs CMD... so that it dies with this shell even if the shell is SIGKILLed.
_dm_pdeathsig() {
  if command -v setpriv >/dev/null 2>&1; then
    echo setpriv --pdeathsig KILL --
  fi
}

_DM_REDO_LOG_SIZE=--innodb-log-file-size=48M

# _dm_install_db DATADIR LOG
_dm_install_db() {
  local user_args=()
  [[ $(id -u) -eq 0 ]] && user_args=(--user=root)
  if ! "$DM_MARIADB_INSTALL_DB" --no-defaults --datadir="$1" \
      --auth-root-authentication-method=normal --skip-test-db "$_DM_REDO_LOG_SIZE" \
      "${user_args[@]}" >"$2" 2>&1; then
    _dm_log "mariadb-install-db --datadir=$1 failed; see $2:"
    tail -n 20 "$2" >&2
    return 1
  fi
}

# _dm_mariadb_template: prints the path of a ready, freshly installed datadir, creating it
# once under a lock. mariadb-install-db takes seconds; a copy does not. Same path, lock and
# marker as TemplateDatadir() in src/dm/testing/mariadb_server.cc: keep them in step.
_dm_mariadb_template() {
  local parent key base
  parent=${DM_TEST_TMP:-${TMPDIR:-/tmp}}
  mkdir -p "$parent"
  parent=$(cd "$parent" && pwd)
  key=$(stat -L -c '%Y-%s' "$DM_MARIADBD") || return 1
  base=$parent/dm-mariadb-template-$(id -u)-$key-v1
  if [[ ! -f "$base/READY" ]]; then
    (
      flock 9
      if [[ ! -f "$base/READY" ]]; then
        rm -rf "$base" && mkdir -p "$base" &&
          _dm_install_db "$base/data" "$base/install.log" &&
          echo ok >"$base/READY"
      fi
    ) 9>"$base.lock" || return 1
  fi
  echo "$base/data"
}

# start_mariadb NAME [extra mariadbd args...]
# Creates a datadir in $DM_RUN_DIR/NAME (a copy of the cached template), starts mariadbd on a free port with binlog
# (ROW, FULL image, FULL metadata) and waits until root@127.0.0.1 (empty password) can
# log in over TCP. Extra args come last, so they override defaults
# (e.g. --binlog-row-image=MINIMAL, --log-bin-compress=ON, --binlog-checksum=NONE).
# Exports NAME_PORT NAME_PID NAME_DIR NAME_SOCK NAME_LOG NAME_SERVER_ID.
start_mariadb() {
  local name=${1:?start_mariadb NAME [args...]}
  shift
  local var dir port pid attempt i server_id
  var=$(_dm_var "$name")
  _dm_tmp_init
  dir=$DM_RUN_DIR/$name
  if [[ -e "$dir/data/mysql" ]]; then
    _dm_log "start_mariadb $name: $dir already holds a datadir (name used twice?); use restart_mariadb"
    return 1
  fi
  mkdir -p "$dir"
  if [[ "${DM_TEST_NO_TEMPLATE:-0}" == 1 ]]; then
    _dm_install_db "$dir/data" "$dir/install.log" || return 1
  else
    local tmpl
    tmpl=$(_dm_mariadb_template) || return 1
    cp -a "$tmpl" "$dir/data" || { _dm_log "start_mariadb $name: cannot copy $tmpl to $dir/data"; return 1; }
  fi
  _DM_SERVER_SEQ=$((_DM_SERVER_SEQ + 1))
  server_id=$((100 + _DM_SERVER_SEQ))
  local extra=""
  (($# > 0)) && extra=$(printf '%q ' "$@")
  _DM_MARIADB_ARGS[$name]=$extra
  printf -v "${var}_SERVER_ID" '%s' "$server_id"
  export "${var}_SERVER_ID"
  for attempt in 1 2 3; do
    _dm_pick_port port || return 1
    _dm_launch_mariadb "$name" "$port" "$server_id" "$@" || return 1
    pid=$_DM_LAST_PID
    if _dm_wait_mariadb "$name" "$pid" "$port"; then
      return 0
    fi
    if grep -qE 'Address already in use|Bind on TCP/IP port' "$dir/error.log" 2>/dev/null &&
        ! _dm_alive "$pid"; then
      _dm_log "start_mariadb $name: port $port was taken meanwhile; retrying on another port"
      _dm_unregister "$pid"
      : >"$dir/error.log"
      continue
    fi
    return 1
  done
  return 1
}

# _dm_launch_mariadb NAME PORT SERVER_ID [args...]: starts mariadbd in the background,
# registers and exports its pid. Sets _DM_LAST_PID.
_dm_launch_mariadb() {
  local name=$1 port=$2 server_id=$3
  shift 3
  local var dir pid
  var=$(_dm_var "$name")
  dir=$DM_RUN_DIR/$name
  local user_args=()
  [[ $(id -u) -eq 0 ]] && user_args=(--user=root)
  mkdir -p "$dir/tmp"  # own temp dir: implicit temporary tables never meet in /tmp
  # shellcheck disable=SC2046
  $(_dm_pdeathsig) "$DM_MARIADBD" --no-defaults --tmpdir="$dir/tmp" \
    --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysql.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    "${user_args[@]}" --server-id="$server_id" \
    --log-bin="$dir/mysql-bin" --binlog-format=ROW --binlog-row-image=FULL \
    --binlog-row-metadata=FULL --gtid-domain-id=0 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=128M "$_DM_REDO_LOG_SIZE" --skip-name-resolve \
    "$@" </dev/null >"$dir/stdout.log" 2>&1 &
  pid=$!
  disown "$pid"  # no job-status noise; bash still reaps it, and we track it by pid
  _DM_LAST_PID=$pid
  _dm_register "$pid" "$name" "$dir/error.log"
  printf -v "${var}_PORT" '%s' "$port"
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_DIR" '%s' "$dir"
  printf -v "${var}_SOCK" '%s' "$dir/mysql.sock"
  printf -v "${var}_LOG" '%s' "$dir/error.log"
  export "${var}_PORT" "${var}_PID" "${var}_DIR" "${var}_SOCK" "${var}_LOG"
}

# _dm_wait_mariadb NAME PID PORT [TIMEOUT_S]
_dm_wait_mariadb() {
  local name=$1 pid=$2 port=$3 timeout=${4:-60} dir start
  dir=$DM_RUN_DIR/$name
  start=$SECONDS
  while ((SECONDS - start < timeout)); do
    if "$DM_MARIADB_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot \
        --connect-timeout=2 -e 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    if ! _dm_alive "$pid"; then
      _dm_log "start_mariadb $name: mariadbd (pid $pid, port $port) exited during startup; see $dir/error.log:"
      tail -n 30 "$dir/error.log" >&2 2>/dev/null || true
      tail -n 10 "$dir/stdout.log" >&2 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  _dm_log "start_mariadb $name: mariadbd (pid $pid) did not accept root@127.0.0.1:$port within ${timeout}s; see $dir/error.log:"
  tail -n 30 "$dir/error.log" >&2 2>/dev/null || true
  return 1
}

# make_tls_certs DIR [CN_PREFIX]: a throwaway PKI for TLS tests, made with the openssl CLI:
#   DIR/ca.pem ca-key.pem            a CA
#   DIR/server.pem server-key.pem    server certificate signed by it, CN=<prefix>-server,
#                                    SAN DNS:localhost, IP:127.0.0.1
#   DIR/client.pem client-key.pem    client certificate signed by it, CN=<prefix>-client
#   DIR/other-ca.pem                 an unrelated CA (for "wrong CA" tests)
#   DIR/other-server.pem other-server-key.pem  server cert for 127.0.0.1 signed by other-ca
#   DIR/wrongname-server.pem wrongname-server-key.pem  signed by ca, but only for the
#                                    name not-this-host.invalid (hostname check tests)
#   DIR/component.pem component-key.pem  signed by ca for server and client use (TLS between
#                                    dm-master, dm-worker, etcd), CN=<prefix>-component,
#                                    SAN DNS:localhost, IP:127.0.0.1
#   DIR/other-client.pem other-client-key.pem  client certificate signed by ca,
#                                    CN=<prefix>-other (cert-allowed-cn tests)
# Keys are 2048-bit RSA, mode 0600. Exports TLS_DIR=DIR.
make_tls_certs() {
  local dir=${1:?make_tls_certs DIR [CN_PREFIX]} cn=${2:-dm-test} log
  mkdir -p "$dir"
  log=$dir/openssl.log
  : >"$log"
  _dm_openssl() { openssl "$@" >>"$log" 2>&1 || { _dm_log "make_tls_certs: openssl $1 failed; see $log:"; tail -n 10 "$log" >&2; return 1; }; }
  local ext=$dir/server.ext
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >"$ext"
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=clientAuth' >"$dir/client.ext"
  local ca
  for ca in ca other-ca; do
    _dm_openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$cn-$ca" \
      -keyout "$dir/$ca-key.pem" -out "$dir/$ca.pem" || return 1
  done
  # name ca cert-cn extfile
  _dm_tls_leaf() {
    _dm_openssl req -newkey rsa:2048 -nodes -subj "/CN=$3" -keyout "$dir/$1-key.pem" \
      -out "$dir/$1.csr" || return 1
    _dm_openssl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.pem" -CAkey "$dir/$2-key.pem" \
      -CAcreateserial -days 2 -extfile "$4" -out "$dir/$1.pem" || return 1
    rm -f "$dir/$1.csr"
  }
  _dm_tls_leaf server ca "$cn-server" "$ext" || return 1
  _dm_tls_leaf client ca "$cn-client" "$dir/client.ext" || return 1
  _dm_tls_leaf other-server other-ca "$cn-server" "$ext" || return 1
  printf '%s\n' 'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
    'subjectAltName=DNS:not-this-host.invalid' >"$dir/wrongname.ext"
  _dm_tls_leaf wrongname-server ca not-this-host.invalid "$dir/wrongname.ext" || return 1
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth,clientAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    >"$dir/component.ext"
  _dm_tls_leaf component ca "$cn-component" "$dir/component.ext" || return 1
  _dm_tls_leaf other-client ca "$cn-other" "$dir/client.ext" || return 1
  chmod 600 "$dir"/*-key.pem
  TLS_DIR=$dir
  export TLS_DIR
}

# start_mariadb_tls NAME [extra mariadbd args...]: start_mariadb with TLS on, using the
# certificates of make_tls_certs (made in $DM_RUN_DIR/tls on first use). The server also
# accepts plain connections; accounts choose with REQUIRE SSL / REQUIRE X509
# (create_tls_users). Exports what start_mariadb does plus NAME_SSL_CA NAME_SSL_CERT
# NAME_SSL_KEY (the client's CA/cert/key to use against it).
start_mariadb_tls() {
  local name=${1:?start_mariadb_tls NAME [args...]} var
  shift
  _dm_tmp_init
  [[ -f "${TLS_DIR:-}/ca.pem" ]] || make_tls_certs "$DM_RUN_DIR/tls" || return 1
  start_mariadb "$name" --ssl-ca="$TLS_DIR/ca.pem" --ssl-cert="$TLS_DIR/server.pem" \
    --ssl-key="$TLS_DIR/server-key.pem" "$@" || return 1
  var=$(_dm_var "$name")
  printf -v "${var}_SSL_CA" '%s' "$TLS_DIR/ca.pem"
  printf -v "${var}_SSL_CERT" '%s' "$TLS_DIR/client.pem"
  printf -v "${var}_SSL_KEY" '%s' "$TLS_DIR/client-key.pem"
  export "${var}_SSL_CA" "${var}_SSL_CERT" "${var}_SSL_KEY"
  if [[ "$(mysql_exec "$name" "SELECT @@have_ssl")" != YES ]]; then
    _dm_log "start_mariadb_tls $name: the server did not enable TLS; see ${DM_RUN_DIR}/$name/error.log"
    return 1
  fi
}

# create_tls_users NAME [PASSWORD]: on that server, creates 'tls_ssl'@'%' (REQUIRE SSL)
# and 'tls_x509'@'%' (REQUIRE X509: a client certificate signed by the server's CA),
# both with every privilege and PASSWORD (default "tls-pass").
create_tls_users() {
  local name=${1:?create_tls_users NAME [PASSWORD]} pw=${2:-tls-pass} u
  pw=${pw//\\/\\\\}
  pw=${pw//\'/\\\'}
  for u in "tls_ssl:SSL" "tls_x509:X509"; do
    mysql_exec "$name" "CREATE USER '${u%%:*}'@'%' IDENTIFIED BY '$pw' REQUIRE ${u##*:};
      GRANT ALL PRIVILEGES ON *.* TO '${u%%:*}'@'%' WITH GRANT OPTION" || return 1
  done
}

# stop_server NAME [TIMEOUT_S]: stops one server (SIGTERM, then SIGKILL after TIMEOUT_S).
stop_server() {
  local var pidvar pid
  var=$(_dm_var "${1:?stop_server NAME}")
  pidvar=${var}_PID
  pid=${!pidvar:-}
  [[ -n "$pid" ]] || { _dm_log "stop_server $1: no such server"; return 1; }
  _dm_kill_pid "$pid" "${2:-10}"
  _dm_unregister "$pid"
}

# kill_server NAME [SIGNAL]: sends SIGNAL (default KILL) and reaps — a crash, for failure tests.
kill_server() {
  local var pidvar pid i
  var=$(_dm_var "${1:?kill_server NAME [SIGNAL]}")
  pidvar=${var}_PID
  pid=${!pidvar:-}
  [[ -n "$pid" ]] || { _dm_log "kill_server $1: no such server"; return 1; }
  kill "-${2:-KILL}" "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    _dm_alive "$pid" || break
    sleep 0.05
  done
  if _dm_alive "$pid"; then
    _dm_log "kill_server $1: pid $pid still alive 10s after SIG${2:-KILL}"
    return 1
  fi
  wait "$pid" 2>/dev/null || true
  _dm_unregister "$pid"
}

# restart_mariadb NAME [extra args...]: starts a stopped/killed server again on the same
# datadir and port (with the original extra args unless new ones are given).
restart_mariadb() {
  local name=${1:?restart_mariadb NAME [args...]}
  shift
  local var portvar pidvar sidvar port pid args=()
  var=$(_dm_var "$name")
  portvar=${var}_PORT pidvar=${var}_PID sidvar=${var}_SERVER_ID
  port=${!portvar:?restart_mariadb $name: never started}
  pid=${!pidvar:-}
  if [[ -n "$pid" ]] && _dm_alive "$pid"; then
    stop_server "$name"
  fi
  if (($# > 0)); then
    args=("$@")
  else
    eval "args=(${_DM_MARIADB_ARGS[$name]:-})"
  fi
  _dm_launch_mariadb "$name" "$port" "${!sidvar}" "${args[@]}" || return 1
  _dm_wait_mariadb "$name" "$_DM_LAST_PID" "$port"
}

# start_etcd NAME [extra etcd args...]: single-member etcd on free client/peer ports.
# Exports NAME_ENDPOINT (http://127.0.0.1:port) NAME_PORT NAME_PEER_PORT NAME_PID NAME_DIR NAME_LOG.
start_etcd() {
  local name=${1:?start_etcd NAME [args...]}
  shift
  local var dir cport pport pid attempt start ok
  var=$(_dm_var "$name")
  _dm_tmp_init
  dir=$DM_RUN_DIR/$name
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    _dm_pick_port cport || return 1
    _dm_pick_port pport || return 1
    rm -rf "$dir/data"
    # shellcheck disable=SC2046
    $(_dm_pdeathsig) "$DM_ETCD" --name "$name" --data-dir "$dir/data" \
      --listen-client-urls "http://127.0.0.1:$cport" \
      --advertise-client-urls "http://127.0.0.1:$cport" \
      --listen-peer-urls "http://127.0.0.1:$pport" \
      --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
      --initial-cluster "$name=http://127.0.0.1:$pport" \
      --initial-cluster-state new "$@" </dev/null >"$dir/etcd.log" 2>&1 &
    pid=$!
    disown "$pid"
    _dm_register "$pid" "$name" "$dir/etcd.log"
    printf -v "${var}_ENDPOINT" '%s' "http://127.0.0.1:$cport"
    printf -v "${var}_PORT" '%s' "$cport"
    printf -v "${var}_PEER_PORT" '%s' "$pport"
    printf -v "${var}_PID" '%s' "$pid"
    printf -v "${var}_DIR" '%s' "$dir"
    printf -v "${var}_LOG" '%s' "$dir/etcd.log"
    export "${var}_ENDPOINT" "${var}_PORT" "${var}_PEER_PORT" "${var}_PID" "${var}_DIR" "${var}_LOG"
    start=$SECONDS ok=""
    while ((SECONDS - start < 30)); do
      if ETCDCTL_API=3 "$DM_ETCDCTL" --endpoints="http://127.0.0.1:$cport" --dial-timeout=1s \
          --command-timeout=2s endpoint health >/dev/null 2>&1; then
        ok=1
        break
      fi
      _dm_alive "$pid" || break
      sleep 0.1
    done
    [[ -n "$ok" ]] && return 0
    if ! _dm_alive "$pid" && grep -q 'address already in use' "$dir/etcd.log"; then
      _dm_log "start_etcd $name: port taken meanwhile; retrying on other ports"
      wait "$pid" 2>/dev/null || true
      _dm_unregister "$pid"
      continue
    fi
    if _dm_alive "$pid"; then
      _dm_log "start_etcd $name: etcd (pid $pid) not healthy at http://127.0.0.1:$cport within 30s; see $dir/etcd.log:"
    else
      _dm_log "start_etcd $name: etcd (pid $pid) exited during startup; see $dir/etcd.log:"
    fi
    tail -n 30 "$dir/etcd.log" >&2
    return 1
  done
  return 1
}

# mysql_exec NAME SQL [extra client args...]: runs SQL as root over TCP; prints rows
# tab-separated without a header (-N -B). Fails (non-zero) on any SQL error.
mysql_exec() {
  local var portvar
  var=$(_dm_var "${1:?mysql_exec NAME SQL}")
  portvar=${var}_PORT
  [[ -n "${!portvar:-}" ]] || { _dm_log "mysql_exec $1: no such server"; return 1; }
  "$DM_MARIADB_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"${!portvar}" -uroot \
    --default-character-set=utf8mb4 -N -B "${@:3}" -e "${2:?mysql_exec NAME SQL}"
}

# etcdctl_exec NAME args...: ETCDCTL_API=3 etcdctl against that etcd.
etcdctl_exec() {
  local var epvar
  var=$(_dm_var "${1:?etcdctl_exec NAME args...}")
  epvar=${var}_ENDPOINT
  [[ -n "${!epvar:-}" ]] || { _dm_log "etcdctl_exec $1: no such etcd"; return 1; }
  ETCDCTL_API=3 "$DM_ETCDCTL" --endpoints="${!epvar}" --dial-timeout=2s "${@:2}"
}

# stop_all: stops every registered server (SIGTERM, up to 10 s, then SIGKILL), then removes
# the temp dir unless DM_KEEP_TMP=1. Idempotent. On a failing exit it prints each server's
# log tail first. Preserves $? for EXIT traps.
stop_all() {
  local rc=$? pid i
  if ((rc != 0)) && ((${#_DM_PIDS[@]} > 0)); then
    for pid in "${_DM_PIDS[@]}"; do
      if [[ -f "${_DM_PID_LOG[$pid]:-}" ]]; then
        _dm_log "---- last lines of ${_DM_PID_LOG[$pid]} (${_DM_PID_NAME[$pid]:-?}) ----"
        tail -n 15 "${_DM_PID_LOG[$pid]}" >&2 || true
      fi
    done
  fi
  # Stop in reverse start order; everything is signalled first so shutdowns overlap.
  for ((i = ${#_DM_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${_DM_PIDS[$i]}
    _dm_alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  for ((i = ${#_DM_PIDS[@]} - 1; i >= 0; i--)); do
    _dm_kill_pid "${_DM_PIDS[$i]}" 10
  done
  _DM_PIDS=()
  _DM_PID_NAME=()
  _DM_PID_LOG=()
  if [[ -n "${DM_RUN_DIR:-}" && "${_DM_RUN_DIR_OWNER:-}" == "$BASHPID" ]]; then
    if [[ "${DM_KEEP_TMP:-0}" == 1 ]]; then
      _dm_log "keeping $DM_RUN_DIR (DM_KEEP_TMP=1)"
    else
      rm -rf "$DM_RUN_DIR"
    fi
    unset DM_RUN_DIR _DM_RUN_DIR_OWNER
  fi
  ((rc != 0)) && [[ "${DM_KEEP_TMP:-0}" != 1 ]] && _dm_log "rerun with DM_KEEP_TMP=1 to keep server logs"
  return "$rc"
}

_dm_on_signal() {
  trap - INT TERM
  stop_all
  trap - EXIT
  [[ "$1" == INT ]] && exit 130
  exit 143
}

# harness_init: stops every server on EXIT, INT and TERM, whatever happens to the script.
harness_init() {
  trap stop_all EXIT
  trap '_dm_on_signal INT' INT
  trap '_dm_on_signal TERM' TERM
  _dm_tmp_init
}
