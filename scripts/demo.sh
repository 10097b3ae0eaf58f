#!/usr/bin/env bash
# Main job demo: installs dependencies, builds, then on loopback:
#   1. starts two throwaway MariaDB servers (upstream with binlog, downstream),
#   2. starts a single-node cluster: dm-master (embedded etcd) + dm-worker,
#   3. registers the upstream as a source, runs the task precheck and starts a task-mode
#      `all` migration: consistent dump, parallel load, then binlog replication,
#   4. writes more upstream (inserts, updates, deletes, a DDL) while the task syncs,
#   5. shows query-status and compares both sides with CHECKSUM TABLE.
# Everything runs under a temp dir and is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

echo "==> installing dependencies"
bash scripts/deps.sh
echo "==> building"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j2 --target dm-master dm-worker dmctl dm-binlog
export DM_BIN=$ROOT/build/bin

# shellcheck source=../tests/integration/lib/cluster.sh
source tests/integration/lib/cluster.sh
harness_init
pretty() { python3 -m json.tool; }

echo "==> starting two throwaway MariaDB servers"
start_mariadb upstream
start_mariadb downstream
echo "    upstream 127.0.0.1:$UPSTREAM_PORT, downstream 127.0.0.1:$DOWNSTREAM_PORT"
mysql_exec upstream "CREATE DATABASE shop;
CREATE TABLE shop.customers (id INT UNSIGNED PRIMARY KEY, name VARCHAR(64), balance DECIMAL(12,2));
INSERT INTO shop.customers VALUES (1, 'Ada Lovelace', 1815.12), (2, 'Zoë 李', -3.50);"

echo "==> starting a single-node cluster (dm-master with embedded etcd, one dm-worker)"
start_dm_master master1 ""
export DM_MASTERS=$MASTER1_ADDR
leader() { dmctl list-member --leader | grep -q '"name": "master1"'; }
wait_for 60 "dm-master to lead" leader
start_dm_worker worker1 "$MASTER1_ADDR" --keepalive-ttl 10
registered() { dmctl list-member --worker | grep -q '"name": "worker1"'; }
wait_for 30 "dm-worker to register" registered

cat >"$DM_RUN_DIR/source.yaml" <<YAML
source-id: mysql-replica-01
from:
  host: 127.0.0.1
  port: $UPSTREAM_PORT
  user: root
  password: ""
YAML
cat >"$DM_RUN_DIR/task.yaml" <<YAML
name: demo
task-mode: all
target-database:
  host: 127.0.0.1
  port: $DOWNSTREAM_PORT
  user: root
  password: ""
block-allow-list:
  bw-rule-1:
    do-dbs: ["shop"]
mysql-instances:
  - source-id: mysql-replica-01
    block-allow-list: bw-rule-1
YAML

echo
echo "==> dmctl operate-source create source.yaml"
dmctl operate-source create "$DM_RUN_DIR/source.yaml"
echo
echo "==> dmctl list-member"
dmctl list-member
echo
echo "==> dmctl check-task task.yaml (DM's precheck against both servers)"
dmctl check-task "$DM_RUN_DIR/task.yaml" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("result:", r["result"])
for src in json.loads(r["msg"]):
    for item in src["results"]:
        print("  %-22s %s" % (item["name"], item["state"]))
'
echo
echo "==> dmctl start-task task.yaml"
dmctl start-task "$DM_RUN_DIR/task.yaml" | python3 -c '
import json, sys
r = json.load(sys.stdin); r.pop("checkResult", None); print(json.dumps(r, indent=4))'
status_of() {
  dmctl query-status demo 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["sources"][0]["subTaskStatus"][0]
print(s["unit"] + "/" + s["stage"])' 2>/dev/null
}
syncing() { [[ "$(status_of)" == Sync/Running ]]; }
if ! wait_for 120 "the task to finish its full phase and start syncing" syncing; then
  dmctl query-status demo
  exit 1
fi
echo "    dump + load done; the task now replicates the binlog"

echo
echo "==> upstream workload while the task syncs"
mysql_exec upstream "INSERT INTO shop.customers VALUES (3, 'Grace O''Hopper', 0.01);
BEGIN; UPDATE shop.customers SET balance = balance + 100 WHERE id = 1;
DELETE FROM shop.customers WHERE id = 2; COMMIT;
ALTER TABLE shop.customers ADD COLUMN note TEXT;
UPDATE shop.customers SET note = 'migrated by dm-cpp' WHERE id = 3;"
checksum() { mysql_exec "$1" "CHECKSUM TABLE shop.customers" | cut -f2; }
same() { [[ "$(checksum upstream)" == "$(checksum downstream)" ]]; }
wait_for 30 "the downstream to catch up" same || true
echo
echo "==> dmctl query-status demo"
dmctl query-status demo
echo
echo "==> upstream vs downstream"
echo "upstream:";   mysql_exec upstream "SELECT * FROM shop.customers ORDER BY id"
echo "downstream:"; mysql_exec downstream "SELECT * FROM shop.customers ORDER BY id"
echo "CHECKSUM TABLE shop.customers: upstream $(checksum upstream), downstream $(checksum downstream)"
same || { echo "demo: the two sides differ" >&2; exit 1; }
echo
echo "==> demo finished; stopping the cluster and the servers"
