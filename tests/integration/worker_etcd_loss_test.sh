#!/usr/bin/env bash
# A worker that loses etcd stops its subtasks (it may be partitioned while another worker
# takes its source) and comes back on its own when etcd returns.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start_mariadb up
start_mariadb down
start_master_and_workers w1
create_source s1
cat >"$DM_RUN_DIR/task.yaml" <<YAML
name: t1
task-mode: incremental
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
mysql-instances: [{source-id: s1}]
YAML
dmctl start-task "$DM_RUN_DIR/task.yaml" >/dev/null || fail "start task"
worker_tasks() {
  python3 -c '
import json, sys, urllib.request
j = json.load(urllib.request.urlopen("http://" + sys.argv[1] + "/api/v1/worker/status", timeout=3))
print(len(j["subTaskStatus"]))' "$W1_ADDR"
}
has_task() { [[ $(worker_tasks) == 1 ]]; }
no_task() { [[ $(worker_tasks) == 0 ]]; }
wait_for 30 "t1 on w1" has_task
metrics=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen("http://" + sys.argv[1] + "/metrics", timeout=3).read().decode())' "$W1_ADDR")
stage_re='dm_worker_subtasks\{stage="(Running|Paused)"\} 1'
[[ "$metrics" == *"dm_worker_bound 1"* && "$metrics" =~ $stage_re ]] || fail "worker metrics: $metrics"
step "kill -9 the only master (its etcd member dies with it)"
kill9 m1
start=$SECONDS
wait_for 30 "w1 to stop its subtasks after losing etcd" no_task
echo "   w1 stopped its subtasks $((SECONDS - start)) s after etcd went away (TTL 3 s)"
step "restart the master on the same data dir"
start_dm_master m1 ""
wait_for 60 "m1 leads again" m1_leads
wait_for 60 "w1 to come back and restart t1" has_task
log "OK"
