#!/usr/bin/env bash
# Main job demo: installs dependencies, builds, starts a throwaway MariaDB (binlog on,
# ROW, GTID), writes a small workload of every kind of change, then shows what dm-binlog
# reads from it: the live replication stream as JSON lines, and a summary of the files.
# Everything runs under a temp dir and the server is stopped on exit.
#
# (Until the dm-master/dm-worker cluster exists, this demo exercises the binlog decoder
#  and streaming client that the cluster's relay and sync units are built on.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

echo "==> installing dependencies"
bash scripts/deps.sh
echo "==> building"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j2 --target dm-binlog
BIN=build/bin/dm-binlog

# shellcheck source=../tests/integration/lib/servers.sh
source tests/integration/lib/servers.sh
harness_init

echo "==> starting a throwaway MariaDB"
start_mariadb demo
echo "    MariaDB on 127.0.0.1:${DEMO_PORT}, data in ${DEMO_DIR}"

echo "==> writing a workload (DDL, inserts, updates, deletes, a multi-statement transaction)"
mysql_exec demo "
CREATE DATABASE shop;
CREATE TABLE shop.customers (
  id INT UNSIGNED PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4,
  balance DECIMAL(12,2), born DATE, updated TIMESTAMP(3) NULL, avatar BLOB, tags SET('vip','new'));
INSERT INTO shop.customers VALUES
  (1, 'Ada Lovelace', 1815.12, '1815-12-10', '2024-01-02 03:04:05.678', 0x89504e47, 'vip'),
  (2, 'Zoë 李', -3.50, '0000-00-00', NULL, NULL, 'new,vip');
BEGIN;
UPDATE shop.customers SET balance = balance + 100 WHERE id = 1;
DELETE FROM shop.customers WHERE id = 2;
COMMIT;
ALTER TABLE shop.customers ADD COLUMN note TEXT;
"

echo
echo "==> dm-binlog stream --host 127.0.0.1 --port ${DEMO_PORT} --user root --file mysql-bin.000001 --pos 4"
echo "    (row events only, pretty-printed; every event is one JSON line)"
"$BIN" stream --host 127.0.0.1 --port "$DEMO_PORT" --user root --file mysql-bin.000001 --pos 4 \
  | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["type"] in ("mariadb_gtid", "query", "xid") or "rows" in e:
        keep = {k: e[k] for k in ("type", "pos", "next_pos", "gtid", "schema", "table", "query", "rows") if k in e}
        print(json.dumps(keep, ensure_ascii=False))
'

mysql_exec demo "FLUSH BINARY LOGS"
echo
echo "==> dm-binlog file --summary ${DEMO_DIR}/mysql-bin.000001"
"$BIN" file --summary "$DEMO_DIR"/mysql-bin.000001 | python3 -m json.tool
echo
echo "==> demo finished; the server is being stopped"
