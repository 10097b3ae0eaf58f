#!/usr/bin/env bash
# DM's OpenAPI on dm-master (/api/v1, docs/control-plane.md) with curl against real
# processes: dm-masters (a second one joins as a follower), two dm-workers, an upstream and
# a downstream MariaDB.
#  1. cluster: info, masters, workers in DM's shapes.
#  2. source: create from DM's Source JSON (201, password "******"), list, get with status;
#     400/404 in DM's error shape naming the problem (duplicate, missing field, bad JSON,
#     unknown source, an endpoint that is not implemented).
#  3. task: a Task without target_config or with a wrongly typed field is a 400 naming the
#     field; create from DM's Task JSON (stage Stopped, nothing written downstream); start:
#     the full data and then binlog changes arrive under the routed schema, the binlog
#     filter drops DELETEs; status in DM's SubTaskStatus shape (unit Sync); list, get.
#  4. delete of a running task is refused; stop keeps the task (Stopped, no replication);
#     start resumes from its checkpoint.
#  5. converters both ways; delete removes the task and its checkpoints.
#  6. a second master (a follower) forwards OpenAPI calls, answers and errors alike.
#  7. transfer, disable/enable (POSTs without a body, as in DM's docs), delete the source;
#     dmctl still works on its private prefix.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

start_mariadb up
start_mariadb down
start_dm_master m1 ""
export DM_MASTERS="$M1_ADDR"
API="http://$M1_ADDR/api/v1"

# api METHOD PATH [JSON]: sets CODE (HTTP status) and BODY.
api() {
  local out data=()
  [[ $# -ge 3 ]] && data=(--data "$3")
  out=$(curl -s -X "$1" -H 'Content-Type: application/json' "${data[@]}" \
    -w '\n%{http_code}' "$API$2") || fail "curl $1 $2 failed"
  CODE=${out##*$'\n'}
  BODY=${out%$'\n'*}
}
expect() {  # expect CODE "what": the last call answered CODE
  [[ "$CODE" == "$1" ]] || fail "$2: want HTTP $1, got $CODE: $BODY"
}
check() {  # check PYTHON-BOOL-EXPR "what": evaluated with j = the last body
  [[ $(json_get "$BODY" "bool($1)") == True ]] || fail "$2: $BODY"
}

has_leader() { [[ $(json_get "$(curl -s "http://$M1_ADDR/status")" 'j["leader"]') == True ]]; }
wait_for 60 "master m1 leads" has_leader
start_dm_worker w1 "$M1_ADDR"
one_worker() { api GET /cluster/workers; [[ $(json_get "$BODY" 'j["total"]') == 1 ]]; }
wait_for 30 "worker w1 registered" one_worker

step "1. cluster"
api GET /cluster/info
expect 200 "cluster info"
check 'isinstance(j["cluster_id"], int) and j["cluster_id"] > 0' "cluster_id"
api GET /cluster/masters
expect 200 "masters"
check 'j["total"] == 1 and j["data"][0]["name"] == "m1" and j["data"][0]["leader"] and j["data"][0]["alive"] and j["data"][0]["addr"] == "'"$M1_ADDR"'"' "masters shape"
api GET /cluster/workers
check 'j["data"][0]["name"] == "w1" and j["data"][0]["bound_stage"] == "free" and j["data"][0]["bound_source_name"] == ""' "workers shape"

step "2. source"
mysql_exec up "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20));
  INSERT INTO app.t VALUES (1,'a'),(2,'b'),(3,'c');
  CREATE USER 'dm'@'%' IDENTIFIED BY 'Secret-pw1'; GRANT ALL ON *.* TO 'dm'@'%'"
SOURCE='{"source": {"source_name": "mysql-01", "host": "127.0.0.1", "port": '"$UP_PORT"',
  "user": "dm", "password": "Secret-pw1", "enable_gtid": false, "enable": true}}'
api POST /sources "$SOURCE"
expect 201 "create source"
check 'j["source_name"] == "mysql-01" and j["password"] == "******" and j["port"] == '"$UP_PORT" "created source"
grep -q 'Secret-pw1' <<<"$BODY" && fail "the password came back: $BODY"
api POST /sources "$SOURCE"
expect 400 "create the same source twice"
check '"already exists" in j["error_msg"] and "error_code" in j' "duplicate source error"
api GET /sources
check 'j["total"] == 1 and j["data"][0]["source_name"] == "mysql-01" and j["data"][0]["password"] == "******"' "source list"
api GET "/sources/mysql-01?with_status=true"
expect 200 "get source"
check 'j["status_list"][0]["worker_name"] == "w1" and j["task_name_list"] == []' "source with status"
api GET /sources/mysql-01/status
check 'j["total"] == 1 and j["data"][0]["source_name"] == "mysql-01" and j["data"][0]["worker_name"] == "w1"' "source status"
api GET /sources/nope
expect 404 "unknown source"
check '"nope" in j["error_msg"]' "404 names the source"
api POST /sources '{"source": {"source_name": "bad", "host": "127.0.0.1", "user": "root", "enable_gtid": false, "enable": true}}'
expect 400 "source without port"
check '"source.port" in j["error_msg"]' "400 names the missing field"
api POST /sources 'not json'
expect 400 "malformed body"
api GET /sources/mysql-01/relay/enable
expect 404 "an endpoint not implemented"
check '"no such endpoint" in j["error_msg"]' "404 in DM's error shape"

step "3. task: create (Stopped), start, data arrives"
task_json() {  # task_json TARGET_PASSWORD_FIELD
  cat <<JSON
{"name": "t1", "task_mode": "all", "meta_schema": "dm_meta", "enhance_online_schema_change": true,
 "on_duplicate": "replace", $1
 "binlog_filter_rule": {"keep-rows": {"ignore_event": ["delete"]}},
 "table_migrate_rule": [{"source": {"source_name": "mysql-01", "schema": "app", "table": "t"},
                         "target": {"schema": "app_copy", "table": "t"},
                         "binlog_filter_rule": ["keep-rows"]}],
 "source_config": {"full_migrate_conf": {"export_threads": 2, "import_threads": 2},
                   "incr_migrate_conf": {"repl_threads": 4, "repl_batch": 50},
                   "source_conf": [{"source_name": "mysql-01"}]}}
JSON
}
TASK=$(task_json '"target_config": {"host": "127.0.0.1", "port": '"$DOWN_PORT"', "user": "root", "password": ""},')
api POST /tasks "{\"task\": {\"name\": \"t0\", \"task_mode\": \"all\", \"source_config\": {\"source_conf\": [{\"source_name\": \"mysql-01\"}]}}}"
expect 400 "task without target_config"
check '"task.target_config: required" in j["error_msg"]' "400 names task.target_config"
api POST /tasks "{\"task\": $(task_json '"target_config": {"host": "127.0.0.1", "port": "'"$DOWN_PORT"'", "user": "root", "password": ""},')}"
expect 400 "port given as a string"
check '"task.target_config.port: must be an integer" in j["error_msg"]' "400 names the wrong type"
api POST /tasks "{\"task\": $TASK}"
expect 201 "create task"
check 'j["task"]["name"] == "t1" and j["task"]["target_config"]["password"] == "******" and isinstance(j["check_result"], str)' "created task"
check 'j["task"]["table_migrate_rule"][0]["target"] == {"schema": "app_copy", "table": "t"} and j["task"]["binlog_filter_rule"] != {}' "task rules round trip"
api GET /tasks/t1/status
expect 200 "status of a created task"
check 'j["total"] == 1 and j["data"][0]["stage"] == "Stopped" and j["data"][0]["source_name"] == "mysql-01"' "created task is Stopped"
mysql_exec down "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='app_copy'" | grep -qx 0 ||
  fail "a created (not started) task already wrote downstream"
api POST /tasks/t1/start '{}'
expect 200 "start task"
in_sync() {
  api GET /tasks/t1/status
  [[ $(json_get "$BODY" 'j["data"][0]["stage"] + "/" + j["data"][0]["unit"]') == Running/Sync ]]
}
wait_for 90 "t1 in Sync" in_sync
check 'j["data"][0]["worker_name"] == "w1" and "sync_status" in j["data"][0] and isinstance(j["data"][0]["sync_status"]["total_events"], int)' "SubTaskStatus shape"
down_rows() { mysql_exec down "SELECT GROUP_CONCAT(id ORDER BY id) FROM app_copy.t" 2>/dev/null; }
rows_are() { [[ "$(down_rows)" == "$1" ]]; }
wait_for 30 "full data in app_copy.t" rows_are "1,2,3"
mysql_exec up "INSERT INTO app.t VALUES (4,'d'); DELETE FROM app.t WHERE id = 1; INSERT INTO app.t VALUES (5,'e')"
wait_for 30 "binlog rows in app_copy.t, the DELETE filtered" rows_are "1,2,3,4,5"
api GET "/tasks?with_status=true"
check 'j["total"] == 1 and j["data"][0]["name"] == "t1" and j["data"][0]["status_list"][0]["stage"] == "Running"' "task list"
api GET /tasks/t1
check 'j["source_config"]["source_conf"][0]["source_name"] == "mysql-01" and j["source_config"]["incr_migrate_conf"]["repl_threads"] == 4' "get task"

step "4. stop keeps the task; start resumes"
api DELETE /tasks/t1
expect 400 "delete a running task without force"
check '"running" in j["error_msg"]' "delete refusal says why"
api POST /tasks/t1/stop '{}'
expect 200 "stop task"
api GET /tasks/t1/status
check 'j["data"][0]["stage"] == "Stopped"' "stopped task"
mysql_exec up "INSERT INTO app.t VALUES (6,'f')"
sleep 3
rows_are "1,2,3,4,5" || fail "a stopped task still replicates: $(down_rows)"
api POST /tasks/t1/start '{"remove_meta": "yes"}'
expect 400 "remove_meta given as a string"
check '"wrong type" in j["error_msg"]' "400 says which kind of problem"
api POST /tasks/t1/start '{"remove_meta": false}'
expect 200 "restart task"
wait_for 60 "t1 resumes and copies row 6" rows_are "1,2,3,4,5,6"

step "5. converters, delete"
api POST /tasks/converters "{\"task\": $TASK}"
expect 201 "convert task JSON"
check '"name: t1" in j["task_config_file"] and j["task"]["name"] == "t1"' "task -> yaml"
YAML=$(json_get "$BODY" 'json.dumps(j["task_config_file"])')
api POST /tasks/converters "{\"task_config_file\": $YAML}"
expect 201 "convert task yaml"
check 'j["task"]["table_migrate_rule"][0]["source"]["table"] == "t"' "yaml -> task"
api POST /tasks/t1/stop '{}'
expect 200 "stop before delete"
api DELETE /tasks/t1
expect 204 "delete task"
api GET /tasks/t1
expect 404 "deleted task"
[[ $(mysql_exec down "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='dm_meta' AND TABLE_NAME LIKE 't1%'") == 0 ]] ||
  fail "delete left the task's checkpoints: $(mysql_exec down "SHOW TABLES FROM dm_meta")"

step "6. a follower forwards the OpenAPI to the leader"
start_dm_master m2 "" --join "$M1_ADDR"
two_masters() { api GET /cluster/masters; [[ $(json_get "$BODY" 'j["total"]') == 2 ]]; }
wait_for 60 "m2 joined" two_masters
check '[m["leader"] for m in j["data"] if m["name"] == "m2"] == [False]' "m2 is a follower"
API_LEADER=$API
API="http://$M2_ADDR/api/v1"
api GET /sources/mysql-01
expect 200 "get source through the follower"
check 'j["source_name"] == "mysql-01" and j["password"] == "******"' "forwarded answer"
api GET /tasks/nope/status
expect 404 "error through the follower"
check '"nope" in j["error_msg"]' "forwarded error body"
API=$API_LEADER

step "7. transfer, disable/enable, delete source"
start_dm_worker w2 "$M1_ADDR"
two_workers() { api GET /cluster/workers; [[ $(json_get "$BODY" 'j["total"]') == 2 ]]; }
wait_for 30 "worker w2 registered" two_workers
api POST /sources/mysql-01/transfer '{}'
expect 400 "transfer without worker_name"
api POST /sources/mysql-01/transfer '{"worker_name": "w2"}'
expect 200 "transfer source"
api GET /cluster/workers
check '[w["bound_source_name"] for w in j["data"] if w["name"] == "w2"] == ["mysql-01"]' "source moved to w2"
api POST /sources/mysql-01/disable
expect 200 "disable source"
api GET /sources/mysql-01
check 'j["enable"] == False' "disabled source"
api POST /sources/mysql-01/enable
expect 200 "enable source"
api GET /sources/mysql-01
check 'j["enable"] == True and j["password"] == "******"' "enabled source"
out=$(dmctl operate-source show) || fail "dmctl on /dmctl/v1: $out"
[[ $(json_get "$out" 'j["sources"][0]["worker"]') == w2 ]] || fail "dmctl operate-source show: $out"
api DELETE /sources/mysql-01
expect 204 "delete source"
api GET /sources/mysql-01
expect 404 "deleted source"
echo "openapi_test: OK"
