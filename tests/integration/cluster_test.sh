#!/usr/bin/env bash
# Control-plane acceptance with real processes: 3 dm-masters (embedded etcd members) and
# 2 dm-workers on loopback, a real MariaDB source.
#  1. list-member: one leader, 3 masters, 2 workers; the source is bound to one worker.
#  2. kill -9 the leader: a new leader within 10 s; dmctl keeps working against the rest.
#  3. kill -9 the worker that holds the source: the other worker gets it within the TTL.
#  4. restart every process: sources and tasks are still there (state is in etcd).
#  5. bad inputs each give a clear error and change nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start_mariadb up
start_mariadb down
for m in m1 m2 m3; do reserve_master_ports "$m"; done
CLUSTER="m1=http://127.0.0.1:$M1_PEER_PORT,m2=http://127.0.0.1:$M2_PEER_PORT,m3=http://127.0.0.1:$M3_PEER_PORT"
for m in m1 m2 m3; do start_dm_master "$m" "$CLUSTER"; done
export DM_MASTERS="$M1_ADDR,$M2_ADDR,$M3_ADDR"
leader_name() { json_get "$(dmctl list-member --leader)" 'j["members"][0]["leader"]["name"]'; }
has_leader() { [[ -n "$(leader_name)" ]]; }
wait_for 60 "a leader among 3 masters" has_leader
JOIN="$M1_ADDR,$M2_ADDR,$M3_ADDR"
start_dm_worker w1 "$JOIN" --keepalive-ttl 3
start_dm_worker w2 "$JOIN" --keepalive-ttl 3
two_workers() { [[ $(json_get "$(dmctl list-member --worker)" 'len(j["members"][0]["worker"]["workers"])') == 2 ]]; }
wait_for 30 "2 workers registered" two_workers

cat >"$DM_RUN_DIR/source.yaml" <<YAML
source-id: mysql-01
from:
  host: 127.0.0.1
  port: $UP_PORT
  user: root
  password: ""
YAML
cat >"$DM_RUN_DIR/task.yaml" <<YAML
name: task1
task-mode: incremental
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
ignore-checking-items: ["table_schema"]
mysql-instances:
  - source-id: mysql-01
YAML

step "1. members and binding"
out=$(dmctl operate-source create "$DM_RUN_DIR/source.yaml") || fail "operate-source create: $out"
BOUND=$(json_get "$out" 'j["sources"][0]["worker"]')
[[ "$BOUND" == w1 || "$BOUND" == w2 ]] || fail "source not bound to a worker: $out"
members=$(dmctl list-member)
[[ $(json_get "$members" 'len(j["members"][1]["master"]["masters"])') == 3 ]] || fail "not 3 masters: $members"
[[ $(json_get "$members" 'len(j["members"][2]["worker"]["workers"])') == 2 ]] || fail "not 2 workers: $members"
echo "   source bound to $BOUND; leader $(leader_name)"
out=$(dmctl start-task "$DM_RUN_DIR/task.yaml") || fail "start-task: $out"
task_seen() { dmctl query-status task1 | grep -q '"name": "task1"'; }
wait_for 30 "task1 reported by its worker" task_seen

step "2. kill -9 the leader"
OLD=$(leader_name)
kill9 "$OLD"
start=$SECONDS
new_leader() { local l; l=$(leader_name) && [[ -n "$l" && "$l" != "$OLD" ]]; }
wait_for 20 "a new leader after killing $OLD" new_leader
elapsed=$((SECONDS - start))
echo "   new leader $(leader_name) after ${elapsed}s"
((elapsed <= 10)) || fail "new leader took ${elapsed}s (> 10 s)"
out=$(dmctl operate-source show) || fail "dmctl against the remaining masters: $out"

step "3. kill -9 the worker holding the source"
kill9 "$BOUND"
OTHER=$([[ "$BOUND" == w1 ]] && echo w2 || echo w1)
moved() { [[ $(json_get "$(dmctl operate-source show)" 'j["sources"][0]["worker"]') == "$OTHER" ]]; }
start=$SECONDS
wait_for 20 "source rebound to $OTHER" moved
echo "   source moved to $OTHER after $((SECONDS - start))s (TTL 3 s)"
on_other() { dmctl query-status task1 | grep -q "\"worker\": \"$OTHER\""; }
wait_for 20 "task1 running on $OTHER" on_other

step "4. restart every process"
for p in m1 m2 m3 w1 w2; do
  var=$(_dm_var "$p")
  pid_var="${var}_PID"
  if _dm_alive "${!pid_var:-0}"; then
    _dm_kill_pid "${!pid_var}" 10
    _dm_unregister "${!pid_var}"
  fi
done
for m in m1 m2 m3; do start_dm_master "$m" ""; done
wait_for 60 "a leader after restarting all masters" has_leader
start_dm_worker w1 "$JOIN" --keepalive-ttl 3
start_dm_worker w2 "$JOIN" --keepalive-ttl 3
src_kept() { [[ $(json_get "$(dmctl operate-source show)" 'j["sources"][0]["source"]') == mysql-01 ]]; }
wait_for 30 "source kept across restart" src_kept
task_kept() { dmctl query-status | grep -q '"taskName": "task1"'; }
wait_for 30 "task kept across restart" task_kept

step "5. bad inputs"
expect_error() {  # DESCRIPTION EXPECTED-SUBSTRING CMD...
  local what=$1 want=$2 out
  shift 2
  if out=$("$@" 2>&1); then fail "$what: expected an error, got: $out"; fi
  [[ "$out" == *"$want"* ]] || fail "$what: error does not mention '$want': $out"
  echo "   ok: $what"
}
printf 'source-id: mysql-01\nfrom: {host: 127.0.0.1, port: %s, user: root}\n' "$UP_PORT" >"$DM_RUN_DIR/dup.yaml"
expect_error "duplicate source" "already exists" dmctl operate-source create "$DM_RUN_DIR/dup.yaml"
printf 'source-id: s2\nfrom: {host: 127.0.0.1, port: abc, user: root}\n' >"$DM_RUN_DIR/badport.yaml"
expect_error "port not a number" "port" dmctl operate-source create "$DM_RUN_DIR/badport.yaml"
printf 'source-id: [unclosed\n' >"$DM_RUN_DIR/malformed.yaml"
expect_error "malformed YAML" "malformed" dmctl operate-source create "$DM_RUN_DIR/malformed.yaml"
printf 'source-id: s9\nfrom: {host: 127.0.0.1, port: 1, user: root}\n' >"$DM_RUN_DIR/unreachable.yaml"
expect_error "unreachable source database" "cannot connect" dmctl operate-source create "$DM_RUN_DIR/unreachable.yaml"
dmctl operate-source show | grep -q '"s9"' && fail "the unreachable source s9 was saved"
sed 's/mysql-01/no-such-source/' "$DM_RUN_DIR/task.yaml" | sed 's/task1/task2/' >"$DM_RUN_DIR/task-missing.yaml"
expect_error "task on a missing source" "no-such-source" dmctl start-task "$DM_RUN_DIR/task-missing.yaml"
expect_error "task started twice" "already runs" dmctl start-task "$DM_RUN_DIR/task.yaml"
expect_error "stop a source used by a task" "used by task" dmctl operate-source stop mysql-01
expect_error "unknown task" "not found" dmctl pause-task nosuchtask
sed 's/task1/task3/; s/incremental/sideways/' "$DM_RUN_DIR/task.yaml" >"$DM_RUN_DIR/task-mode.yaml"
expect_error "bad task-mode" "task-mode" dmctl start-task "$DM_RUN_DIR/task-mode.yaml"
[[ $(json_get "$(dmctl operate-source show)" 'len(j["sources"])') == 1 ]] || fail "bad inputs changed the sources"
[[ $(json_get "$(dmctl query-status)" 'len(j["tasks"])') == 1 ]] || fail "bad inputs changed the tasks"

step "6. stop the task and the source"
dmctl stop-task task1 >/dev/null || fail "stop-task"
dmctl operate-source stop mysql-01 >/dev/null || fail "operate-source stop"

step "7. encrypted passwords (dmctl encrypt) and a worker started from a TOML --config"
mysql_exec up "CREATE USER 'dm'@'127.0.0.1' IDENTIFIED BY 's3cret!pw'; GRANT ALL ON *.* TO 'dm'@'127.0.0.1'"
CIPHER=$(dmctl encrypt 's3cret!pw') || fail "encrypt: $CIPHER"
[[ "$CIPHER" != *s3cret* && -n "$CIPHER" ]] || fail "encrypt output: $CIPHER"
cat >"$DM_RUN_DIR/source2.yaml" <<YAML
source-id: mysql-02
from:
  host: 127.0.0.1
  port: $UP_PORT
  user: dm
  password: "$CIPHER"
YAML
cat >"$DM_RUN_DIR/w3.toml" <<TOML
name = "w3"
worker-addr = "127.0.0.1:$(free_port)"
join = "$JOIN"
keepalive-ttl = 3
log-file = "$DM_RUN_DIR/w3.log"
TOML
$(_dm_pdeathsig) "$DM_BIN/dm-worker" --config "$DM_RUN_DIR/w3.toml" </dev/null >"$DM_RUN_DIR/w3.out" 2>&1 &
W3_PID=$!
_dm_register "$W3_PID" w3 "$DM_RUN_DIR/w3.log"
three_workers() { [[ $(json_get "$(dmctl list-member --worker)" 'len(j["members"][0]["worker"]["workers"])') == 3 ]]; }
wait_for 30 "w3 registered from its TOML config" three_workers
out=$(dmctl operate-source create "$DM_RUN_DIR/source2.yaml") || fail "source with encrypted password: $out"
sed 's/mysql-01/mysql-02/; s/task1/task9/' "$DM_RUN_DIR/task.yaml" >"$DM_RUN_DIR/task9.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/task9.yaml") || fail "precheck with the decrypted password: $out"
shown=$(dmctl operate-source show -p mysql-02)
[[ "$shown" != *"$CIPHER"* && "$shown" == *"******"* ]] || fail "password not redacted: $shown"
step "8. a new master joins the running cluster (--join)"
start_dm_master m4 "" --join "$JOIN"
four() { [[ $(json_get "$(dmctl list-member --master)" 'len(j["members"][0]["master"]["masters"])') == 4 ]]; }
wait_for 60 "m4 joined the cluster" four
DM_MASTERS="$M4_ADDR" dmctl operate-source show >/dev/null || fail "dmctl through the joined master"
step "9. a dead master is listed as not alive, then removed with offline-member --master"
expect_error "offline-member of a running master" "online" dmctl offline-member --master --name m4
kill9 m4
m4_dead() { [[ $(json_get "$(dmctl list-member --master)" '[m["alive"] for m in j["members"][0]["master"]["masters"] if m["name"] == "m4"]') == "[False]" ]]; }
wait_for 60 "m4 listed as not alive" m4_dead || fail "m4 not shown as dead: $(dmctl list-member --master)"
out=$(dmctl offline-member --master --name m4) || fail "offline-member --master m4: $out"
three() { [[ $(json_get "$(dmctl list-member --master)" 'sorted(m["name"] for m in j["members"][0]["master"]["masters"])') == "['m1', 'm2', 'm3']" ]]; }
wait_for 30 "m4 gone from the member list" three || fail "after offline-member: $(dmctl list-member --master)"
expect_error "offline-member of an unknown master" "not a member" dmctl offline-member --master --name m4
dmctl operate-source show >/dev/null || fail "dmctl after offline-member --master"
echo "cluster_test: OK"
