#!/usr/bin/env bash
# TLS to the databases (source.yaml `from.security`, task.yaml target `security`), end to end
# through the cluster against two MariaDB servers with TLS on (lib/servers.sh
# start_mariadb_tls: a throwaway CA, server and client certificates made with openssl).
# Every account DM uses exists only with REQUIRE X509 (a client certificate signed by the
# CA) or REQUIRE SSL: a connection that is not TLS is refused by the server itself.
#   1. task-mode all: check-task (precheck) passes, dump + load + sync over TLS, rows
#      written during sync replicate, CHECKSUM TABLE equal; the server shows DM's sessions
#      (and the binlog dump) under the TLS-only account; no password or key in the logs.
#   2. an incremental task with start-task --remove-meta --start-time (master's remove-meta,
#      the binlog time finder) over TLS: exactly the rows after the time replicate.
#   3. dm-binlog stream over TLS reads the rows of (1); cert-allowed-cn accepted/refused.
#   4. errors: a wrong CA names host:port and says the certificate could not be verified;
#      a TLS-only account without `security` is told to add the security section; a
#      cert-allowed-cn that does not match the server's CN is refused; inline certificates
#      (ssl-ca-bytes, ssl-*-base64) work and land in private files.
#   5. dm-master/dm-worker TOML with a half-set ssl-* (TLS between the components, tested
#      in component_tls_test.sh) is refused with a clear message, never run in plaintext.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PW=tls-pass
start_mariadb_tls up
start_mariadb_tls down
create_tls_users up "$PW"
create_tls_users down "$PW"
log "TLS servers up on $UP_PORT and $DOWN_PORT (certificates in $TLS_DIR)"

# The accounts really refuse plain connections (the mariadb client uses TLS by default:
# --skip-ssl turns it off).
if mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$UP_PORT" -utls_ssl -p"$PW" --skip-ssl \
    -e 'select 1' >/dev/null 2>&1; then
  fail "tls_ssl logged in without TLS"
fi
cipher=$(mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$UP_PORT" -utls_x509 -p"$PW" \
  --ssl-ca="$UP_SSL_CA" --ssl-cert="$UP_SSL_CERT" --ssl-key="$UP_SSL_KEY" --ssl-verify-server-cert \
  -N -B -e "SHOW STATUS LIKE 'Ssl_cipher'" | cut -f2)
[[ -n "$cipher" ]] || fail "tls_x509 session has no Ssl_cipher"
log "tls_x509 session cipher: $cipher"

mysql_exec up "CREATE DATABASE tls_db;
  CREATE TABLE tls_db.t1 (id INT PRIMARY KEY, v VARCHAR(64), n BIGINT);
  INSERT INTO tls_db.t1 SELECT seq, CONCAT('row ', seq), seq * 7 FROM tls_db.seq_1_to_20000;
  CREATE TABLE tls_db.t2 (a INT, b TEXT);
  INSERT INTO tls_db.t2 SELECT seq % 100, REPEAT('x', seq % 50) FROM tls_db.seq_1_to_3000;"

# DM's own temp dir (inline certificates are written there) inside the run dir.
mkdir -p "$DM_RUN_DIR/dmtmp"
TMPDIR=$DM_RUN_DIR/dmtmp start_dm_master m1 ""
export DM_MASTERS=$M1_ADDR
lead() { dmctl list-member --leader | grep -q '"name": "m1"'; }
wait_for 60 "m1 leads" lead
TMPDIR=$DM_RUN_DIR/dmtmp start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3
registered() { dmctl list-member --worker | grep -q '"name": "w1"'; }
wait_for 30 "w1 registered" registered

cat >"$DM_RUN_DIR/source.yaml" <<YAML
source-id: s1
enable-gtid: true
from:
  host: 127.0.0.1
  port: $UP_PORT
  user: tls_x509
  password: "$PW"
  security:
    ssl-ca: $UP_SSL_CA
    ssl-cert: $UP_SSL_CERT
    ssl-key: $UP_SSL_KEY
checker: {backoff-max: 2s}
YAML
out=$(dmctl operate-source create "$DM_RUN_DIR/source.yaml") || fail "operate-source create: $out"

# task_yaml NAME MODE DB TARGET-SECURITY-YAML [USER]
task_yaml() {
  cat <<YAML
name: $1
task-mode: $2
target-database:
  host: 127.0.0.1
  port: $DOWN_PORT
  user: ${5:-tls_x509}
  password: "$PW"
$4
block-allow-list:
  bal: {do-dbs: [$3]}
mysql-instances:
  - source-id: s1
    block-allow-list: bal
YAML
}
GOOD_SEC="  security:
    ssl-ca: $DOWN_SSL_CA
    ssl-cert: $DOWN_SSL_CERT
    ssl-key: $DOWN_SSL_KEY
    cert-allowed-cn: [dm-test-server]"

# ---- 1. task-mode all over TLS ------------------------------------------------------------
log "1. task-mode all, every connection TLS"
task_yaml tls_all all tls_db "$GOOD_SEC" >"$DM_RUN_DIR/all.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/all.yaml") || fail "check-task over TLS: $out"
out=$(dmctl start-task "$DM_RUN_DIR/all.yaml") || fail "start-task: $out"
in_sync() { unit_is tls_all Sync/Running; }
wait_for 180 "tls_all to reach Sync" in_sync || fail "tls_all: $(dmctl query-status tls_all)"
mysql_exec up "INSERT INTO tls_db.t1 SELECT seq, CONCAT('late ', seq), seq FROM tls_db.seq_20001_to_21000;
  UPDATE tls_db.t1 SET v = CONCAT(v, ' updated') WHERE id % 10 = 0;
  DELETE FROM tls_db.t1 WHERE id % 97 = 0;
  INSERT INTO tls_db.t2 VALUES (1000, 'after the dump');
  CREATE TABLE tls_db.t3 (id INT PRIMARY KEY, d DATETIME);
  INSERT INTO tls_db.t3 VALUES (1, '2024-01-02 03:04:05');"
caught_up() { same_data tls_db; }
wait_for 120 "the downstream to converge" caught_up || { show_diff tls_db; fail "no convergence: $(dmctl query-status tls_all)"; }
log "   rows dumped, loaded and synced over TLS; CHECKSUM TABLE equal"

# Server side: DM's sessions are those of the TLS-only account (a non-TLS login is refused
# for it), the binlog dump included; and the servers did TLS handshakes.
dumps=$(mysql_exec up "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'tls_x509' AND COMMAND LIKE 'Binlog Dump%'")
((dumps >= 1)) || fail "no binlog dump session of tls_x509 on the upstream: $(mysql_exec up 'SHOW PROCESSLIST')"
down_sessions=$(mysql_exec down "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'tls_x509'")
((down_sessions >= 1)) || fail "no tls_x509 session on the downstream: $(mysql_exec down 'SHOW PROCESSLIST')"
for side in up down; do
  acc=$(mysql_exec "$side" "SHOW GLOBAL STATUS LIKE 'Ssl_accepts'" | cut -f2)
  ((acc >= 2)) || fail "$side server counted $acc TLS handshakes"
  other=$(mysql_exec "$side" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER NOT IN ('tls_x509', 'root', 'system user', 'event_scheduler')")
  [[ "$other" == 0 ]] || fail "$side has sessions of other accounts: $(mysql_exec "$side" 'SHOW PROCESSLIST')"
  log "   $side: $(mysql_exec "$side" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'tls_x509'") tls_x509 sessions, $acc TLS handshakes"
done

# ---- 2. incremental, --remove-meta and --start-time over TLS -----------------------------
log "2. start-task --remove-meta --start-time over TLS"
mysql_exec up "CREATE DATABASE tls_inc; CREATE TABLE tls_inc.t (id INT PRIMARY KEY, batch CHAR(1));
  INSERT INTO tls_inc.t SELECT seq, 'A' FROM tls_db.seq_1_to_100;"
mysql_exec down "CREATE DATABASE tls_inc; CREATE TABLE tls_inc.t (id INT PRIMARY KEY, batch CHAR(1));"
sleep 2
T=$(mysql_exec up "SELECT NOW()")
sleep 1
mysql_exec up "INSERT INTO tls_inc.t SELECT seq, 'B' FROM tls_db.seq_101_to_200"
task_yaml tls_inc incremental tls_inc "$GOOD_SEC" >"$DM_RUN_DIR/inc.yaml"
echo 'ignore-checking-items: ["table_schema"]' >>"$DM_RUN_DIR/inc.yaml"
out=$(dmctl start-task --remove-meta --start-time "$T" "$DM_RUN_DIR/inc.yaml") || fail "start-task tls_inc: $out"
inc_rows() { mysql_exec down "SELECT CONCAT(COUNT(*), ':', IFNULL(MIN(id), 0), ':', IFNULL(MAX(id), 0)) FROM tls_inc.t" 2>/dev/null; }
only_b() { [[ "$(inc_rows)" == "100:101:200" ]]; }
wait_for 90 "rows after the start-time" only_b || fail "tls_inc rows $(inc_rows), want 100:101:200: $(dmctl query-status tls_inc)"
unit_is tls_inc Sync/Running || fail "tls_inc: $(dmctl query-status tls_inc)"
dmctl stop-task tls_inc >/dev/null || fail "stop-task tls_inc"

# ---- 3. dm-binlog over TLS -----------------------------------------------------------------
log "3. dm-binlog stream over TLS"
export DM_TLS_PW=$PW
BL=(timeout 120 "$DM_BIN/dm-binlog" stream -H 127.0.0.1 -P "$UP_PORT" -u tls_x509 --password-env DM_TLS_PW
    --ssl-ca "$UP_SSL_CA" --ssl-cert "$UP_SSL_CERT" --ssl-key "$UP_SSL_KEY" --max-retries 0
    --file mysql-bin.000001 --pos 4 --summary)
out=$("${BL[@]}" --cert-allowed-cn other --cert-allowed-cn dm-test-server) || fail "dm-binlog over TLS: $out"
inserted=$(json_get "$out" 'j["tables"]["tls_db.t1"][0] if isinstance(j["tables"]["tls_db.t1"], list) else j["tables"]["tls_db.t1"]["insert"]')
((inserted >= 21000)) || fail "dm-binlog over TLS saw $inserted inserts in tls_db.t1, want >= 21000: $out"
log "   $inserted row inserts of tls_db.t1 streamed over TLS"
# "localhost" is TCP to that name (not Connector/C's Unix socket), checked against the SAN.
out=$(timeout 60 "$DM_BIN/dm-binlog" stream -H localhost -P "$UP_PORT" -u tls_ssl --password-env DM_TLS_PW \
  --ssl-ca "$UP_SSL_CA" --max-retries 0 --summary 2>&1) || fail "dm-binlog to localhost over TLS: $out"
out=$("${BL[@]}" --cert-allowed-cn someone-else 2>&1) && fail "cert-allowed-cn did not refuse the server: $out"
expect_in "cert-allowed-cn mismatch" "$out" "127.0.0.1:$UP_PORT" "'dm-test-server'" "not in cert-allowed-cn"
out=$(timeout 60 "$DM_BIN/dm-binlog" stream -P "$UP_PORT" -u tls_ssl --password-env DM_TLS_PW \
  --ssl-ca "$TLS_DIR/other-ca.pem" --max-retries 0 --summary 2>&1) && fail "dm-binlog accepted a wrong CA: $out"
expect_in "dm-binlog wrong CA" "$out" "127.0.0.1:$UP_PORT" "could not be verified" "ssl-ca"

# ---- 4. errors through the cluster -------------------------------------------------------
log "4. errors: wrong CA, TLS-only account without security, cert-allowed-cn mismatch"
task_yaml bad_ca all tls_db "  security:
    ssl-ca: $TLS_DIR/other-ca.pem" tls_ssl >"$DM_RUN_DIR/bad_ca.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/bad_ca.yaml") && fail "check-task with a wrong CA passed: $out"
expect_in "wrong CA" "$out" "127.0.0.1:$DOWN_PORT" "certificate could not be verified" "ssl-ca" "other-ca.pem"
log "   wrong CA: $(grep -o 'cannot connect[^"]*' <<<"$out" | head -1)"

task_yaml no_sec all tls_db "" tls_ssl >"$DM_RUN_DIR/no_sec.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/no_sec.yaml") && fail "check-task of a TLS-only account without security passed: $out"
expect_in "TLS-only account without security" "$out" "127.0.0.1:$DOWN_PORT" "Access denied" "REQUIRE SSL" "security section"
log "   no security: $(grep -o 'cannot connect[^"]*' <<<"$out" | head -1)"

task_yaml bad_cn all tls_db "  security:
    ssl-ca: $DOWN_SSL_CA
    cert-allowed-cn: [someone-else]" tls_ssl >"$DM_RUN_DIR/bad_cn.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/bad_cn.yaml") && fail "check-task with a foreign cert-allowed-cn passed: $out"
expect_in "cert-allowed-cn" "$out" "127.0.0.1:$DOWN_PORT" "not in cert-allowed-cn"

# DM's inline forms (what the OpenAPI's ssl_*_content become): base64 of the PEM files,
# and a PEM block in ssl-ca-bytes; a precheck connects with them to the X509 account.
task_yaml inline all tls_db "  security:
    ssl-ca-bytes: |
$(sed 's/^/      /' "$DOWN_SSL_CA")
    ssl-cert-base64: $(base64 -w0 "$DOWN_SSL_CERT")
    ssl-key-base64: $(base64 -w0 "$DOWN_SSL_KEY")" >"$DM_RUN_DIR/inline.yaml"
out=$(dmctl check-task "$DM_RUN_DIR/inline.yaml") || fail "check-task with inline certificates: $out"
tlsdir=$DM_RUN_DIR/dmtmp/dm-tls-$(id -u)
[[ "$(stat -c %a "$tlsdir")" == 700 ]] || fail "$tlsdir is not private: $(stat -c %a "$tlsdir")"
n=0
for f in "$tlsdir"/*.pem; do
  [[ "$(stat -c %a "$f")" == 600 ]] || fail "$f has mode $(stat -c %a "$f")"
  n=$((n + 1))
done
((n == 3)) || fail "expected 3 materialized PEM files in $tlsdir, found $n"
cmp -s <(cat "$tlsdir"/*.pem | sort) <(cat "$DOWN_SSL_CA" "$DOWN_SSL_CERT" "$DOWN_SSL_KEY" | sort) ||
  fail "the materialized files differ from the inline content"
log "   inline ssl-ca-bytes / ssl-*-base64: precheck passes ($n private files in $tlsdir)"

# An upstream TLS-only account without security: the source's subtask cannot start.
cat >"$DM_RUN_DIR/source2.yaml" <<YAML
source-id: s2
enable-gtid: true
from: {host: 127.0.0.1, port: $UP_PORT, user: tls_ssl, password: "$PW"}
YAML
out=$(dmctl operate-source create "$DM_RUN_DIR/source2.yaml" 2>&1) || true
if [[ "$out" != *'"result": true'* && "$out" != *'"result":true'* ]]; then
  expect_in "source without security" "$out" "127.0.0.1:$UP_PORT" "security section"
  log "   source without security refused by operate-source create"
else
  sed -e 's/^name: no_sec$/name: no_sec_up/' -e 's/source-id: s1/source-id: s2/' \
    <(task_yaml no_sec all tls_db "$GOOD_SEC") >"$DM_RUN_DIR/no_sec_up.yaml"
  out=$(dmctl check-task "$DM_RUN_DIR/no_sec_up.yaml") && fail "check-task with an upstream TLS-only account without security passed: $out"
  expect_in "upstream without security" "$out" "127.0.0.1:$UP_PORT" "Access denied" "security section"
  log "   upstream without security: check-task fails with the security hint"
fi

# tls_all kept running through all this.
mysql_exec up "INSERT INTO tls_db.t3 VALUES (2, NOW())"
wait_for 60 "tls_all still replicating" caught_up || { show_diff tls_db; fail "tls_all stopped replicating: $(dmctl query-status tls_all)"; }

# No password and no key material in any log or output file of the cluster.
key_line=$(sed -n 2p "$UP_SSL_KEY")
for f in "$M1_DIR"/*.log "$DM_RUN_DIR"/w1/*.log; do
  [[ -f "$f" ]] || continue
  ! grep -qF -- "$PW" "$f" || fail "the password is in $f"
  ! grep -qF -- "$key_line" "$f" || fail "private key material is in $f"
  ! grep -qF -- "PRIVATE KEY" "$f" || fail "a private key is in $f"
done
dmctl stop-task tls_all >/dev/null || fail "stop-task tls_all"

# ---- 5. TLS between the components with ssl-ca only: refused, never silently plaintext --
printf 'name = "m9"\nmaster-addr = "127.0.0.1:1"\nssl-ca = "%s"\n' "$UP_SSL_CA" >"$DM_RUN_DIR/m9.toml"
out=$(timeout 20 "$DM_BIN/dm-master" --config "$DM_RUN_DIR/m9.toml" 2>&1) && fail "dm-master ran with ssl-ca: $out"
expect_in "dm-master with ssl-ca" "$out" "m9.toml" "ssl-cert and ssl-key are not"
printf 'name = "w9"\njoin = "127.0.0.1:1"\nssl-ca = "%s"\n' "$UP_SSL_CA" >"$DM_RUN_DIR/w9.toml"
out=$(timeout 20 "$DM_BIN/dm-worker" --config "$DM_RUN_DIR/w9.toml" 2>&1) && fail "dm-worker ran with ssl-ca: $out"
expect_in "dm-worker with ssl-ca" "$out" "w9.toml" "ssl-cert and ssl-key are not"
log "OK"
