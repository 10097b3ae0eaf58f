#!/usr/bin/env bash
# TLS between dm-master, dm-worker, dmctl and etcd (DM's ssl-ca / ssl-cert / ssl-key /
# cert-allowed-cn; docs/control-plane.md, TLS). A throwaway PKI from lib/servers.sh
# make_tls_certs: component.pem (server + client use) for the masters, workers and etcd,
# client.pem for dmctl and curl, other-client.pem (same CA, CN not allowed).
#   1. a half-set or unreadable TLS config is refused at start, naming the key and the file
#      (and never printing key material).
#   2. a master (TLS from its TOML config, with cert-allowed-cn) and a worker (TLS from
#      flags); dmctl with certificates: operate-source create, start-task (mode all), rows
#      arrive (full and incremental), query-status.
#   3. refused: dmctl without certificates (a clear message), plain-http curl, curl without
#      a client certificate, a client certificate whose CN is not in cert-allowed-cn (the
#      master logs why); curl with the right certificate gets /api/v1/cluster/info. The
#      worker's API and the embedded etcd (client and gateway) also require certificates.
#   4. three masters with TLS (https peer URLs, peer certificates required) elect a
#      leader; a fourth master joins (--join) over TLS; after a kill -9 of the leader
#      another one leads and the followers forward to it.
#   5. no private key material in any log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

make_tls_certs "$DM_RUN_DIR/pki" dm
T=$TLS_DIR
COMPONENT=(--ssl-ca "$T/ca.pem" --ssl-cert "$T/component.pem" --ssl-key "$T/component-key.pem")
CLIENT=(--ssl-ca "$T/ca.pem" --ssl-cert "$T/client.pem" --ssl-key "$T/client-key.pem")
dmctl() { "$DM_BIN/dmctl" --master-addr "$DM_MASTERS" "${CLIENT[@]}" "$@"; }
plain_dmctl() { "$DM_BIN/dmctl" --master-addr "$DM_MASTERS" "$@"; }
# curl_code CURL-ARGS...: the HTTP status, or "000" when no HTTP answer came.
curl_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }

step "1. half-set or unreadable TLS settings are refused at start"
printf 'name = "bad1"\nmaster-addr = "127.0.0.1:1"\nssl-ca = "%s"\nssl-cert = "%s"\n' \
  "$T/ca.pem" "$T/component.pem" >"$DM_RUN_DIR/bad1.toml"
rc=0
out=$("$DM_BIN/dm-master" --config "$DM_RUN_DIR/bad1.toml" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "dm-master with ssl-cert but no ssl-key exited $rc: $out"
expect_in "dm-master cert without key" "$out" "bad1.toml" "ssl-cert" "$T/component.pem" "ssl-key is not"
rc=0
out=$("$DM_BIN/dm-worker" --name bad2 --join 127.0.0.1:1 --ssl-ca "$T/missing-ca.pem" \
  --ssl-cert "$T/component.pem" --ssl-key "$T/component-key.pem" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "dm-worker with a missing ssl-ca exited $rc: $out"
expect_in "dm-worker missing CA" "$out" "ssl-ca" "$T/missing-ca.pem" "No such file"
rc=0
out=$("$DM_BIN/dm-worker" --name bad3 --join 127.0.0.1:1 --ssl-ca "$T/ca.pem" \
  --ssl-cert "$T/component.pem" --ssl-key "$T/client-key.pem" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "dm-worker with a key of another certificate exited $rc: $out"
expect_in "dm-worker wrong key" "$out" "ssl-key" "$T/client-key.pem" "does not belong to ssl-cert"
rc=0
out=$("$DM_BIN/dm-worker" --name bad4 --join 127.0.0.1:1 --ssl-ca "$T/ca.pem" \
  --ssl-cert "$T/component-key.pem" --ssl-key "$T/component-key.pem" 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "dm-worker with a key as ssl-cert exited $rc: $out"
expect_in "dm-worker key as certificate" "$out" "ssl-cert" "not a PEM certificate"
key_line=$(sed -n 10p "$T/component-key.pem")
[[ "$out" != *"$key_line"* ]] || fail "key material printed: $out"
out=$("$DM_BIN/dmctl" --master-addr 127.0.0.1:1 --ssl-ca "$T/ca.pem" --ssl-key "$T/client-key.pem" \
  list-member 2>&1) && fail "dmctl with ssl-key but no ssl-cert succeeded: $out"
expect_in "dmctl key without cert" "$out" "ssl-key" "ssl-cert is not"

step "2. a master and a worker with TLS; a task end to end"
start_mariadb up
start_mariadb down
mysql_exec up "CREATE DATABASE tls_app;
  CREATE TABLE tls_app.t (id INT PRIMARY KEY, v VARCHAR(32));
  INSERT INTO tls_app.t SELECT seq, CONCAT('v', seq) FROM tls_app.seq_1_to_500;"
cat >"$DM_RUN_DIR/m1.toml" <<TOML
ssl-ca = "$T/ca.pem"
ssl-cert = "$T/component.pem"
ssl-key = "$T/component-key.pem"
cert-allowed-cn = ["dm-component", "dm-client"]
TOML
start_dm_master m1 "" --config "$DM_RUN_DIR/m1.toml"
export DM_MASTERS=$M1_ADDR
wait_for 60 "m1 leads (over TLS)" m1_leads || fail "m1 never led: $(tail -20 "$M1_LOG")"
start_dm_worker w1 "$M1_ADDR" --keepalive-ttl 3 "${COMPONENT[@]}" \
  --cert-allowed-cn dm-component,dm-client
wait_for 30 "w1 registered" _dm_workers_registered w1 ||
  fail "w1 did not register: $(tail -20 "$W1_LOG")"
members=$(dmctl list-member --master)
expect_in "list-member over TLS" "$members" '"https://127.0.0.1:'"$M1_PORT"'"' \
  '"https://127.0.0.1:'"$M1_PEER_PORT"'"'

create_source s1 "enable-gtid: true"
cat >"$DM_RUN_DIR/task.yaml" <<YAML
name: tls_task
task-mode: all
target-database: {host: 127.0.0.1, port: $DOWN_PORT, user: root, password: ""}
block-allow-list:
  bal: {do-dbs: [tls_app]}
mysql-instances:
  - source-id: s1
    block-allow-list: bal
YAML
out=$(dmctl start-task "$DM_RUN_DIR/task.yaml") || fail "start-task over TLS: $out"
in_sync() { unit_is tls_task Sync/Running; }
wait_for 120 "tls_task in Sync" in_sync || fail "tls_task: $(dmctl query-status tls_task)"
mysql_exec up "INSERT INTO tls_app.t VALUES (1001, 'after'); UPDATE tls_app.t SET v = 'changed' WHERE id = 7"
rows_match() {
  [[ "$(mysql_exec down "SELECT COUNT(*), MAX(id), (SELECT v FROM tls_app.t WHERE id = 7) FROM tls_app.t" 2>/dev/null)" == \
     "$(printf '501\t1001\tchanged')" ]]
}
wait_for 60 "full and incremental rows downstream" rows_match ||
  fail "rows downstream: $(mysql_exec down 'SELECT COUNT(*), MAX(id) FROM tls_app.t' 2>&1)"
same_data tls_app || { show_diff tls_app; fail "tls_app differs"; }
qs=$(dmctl query-status tls_task) || fail "query-status over TLS: $qs"
expect_in "query-status" "$qs" '"worker": "w1"' '"stage": "Running"' '"unit": "Sync"'
log "task over TLS in sync; query-status works"

step "3. what TLS refuses"
rc=0
out=$(plain_dmctl query-status 2>&1) || rc=$?
[[ $rc != 0 ]] || fail "dmctl without certificates succeeded: $out"
expect_in "dmctl without certificates" "$out" '"result": false' "cannot reach 127.0.0.1:$M1_PORT" \
  "without an HTTP answer" "--ssl-ca"
out=$("$DM_BIN/dmctl" --master-addr "https://$M1_ADDR" query-status 2>&1) &&
  fail "dmctl https:// without --ssl-ca succeeded: $out"
expect_in "dmctl https without CA" "$out" "no ssl-ca is set"
API=https://$M1_ADDR/api/v1/cluster/info
[[ $(curl_code "http://$M1_ADDR/api/v1/cluster/info") == 000 ]] || fail "plain http to the master answered"
[[ $(curl_code --cacert "$T/ca.pem" "$API") == 000 ]] || fail "https without a client certificate answered"
[[ $(curl_code --cacert "$T/ca.pem" --cert "$T/other-client.pem" --key "$T/other-client-key.pem" "$API") == 000 ]] ||
  fail "a client certificate with CN dm-other (not in cert-allowed-cn) was accepted"
grep -q "its CN 'dm-other' is not in cert-allowed-cn" "$M1_LOG" ||
  fail "the master did not log the refused CN: $(tail -5 "$M1_LOG")"
[[ $(curl_code --cacert "$T/other-ca.pem" --cert "$T/client.pem" --key "$T/client-key.pem" "$API") == 000 ]] ||
  fail "curl trusting another CA accepted the master's certificate"
info=$(curl -sS --max-time 10 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client-key.pem" "$API") ||
  fail "curl with the right certificates: $info"
[[ $(json_get "$info" 'j["cluster_id"] > 0') == True ]] || fail "cluster/info: $info"
log "cluster/info over mutual TLS: $info"
# The worker's API: the same rules.
[[ $(curl_code "http://$W1_ADDR/api/v1/worker/status") == 000 ]] || fail "plain http to the worker answered"
ws=$(curl -sS --max-time 10 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client-key.pem" \
  "https://$W1_ADDR/api/v1/worker/status") || fail "worker status over TLS: $ws"
expect_in "worker status over TLS" "$ws" '"name":"w1"' tls_task
# The embedded etcd: https with client certificates only (the gateway too).
ETCD=127.0.0.1:$M1_ETCD_PORT
[[ $(curl_code "http://$ETCD/version") == 000 ]] || fail "plain http to etcd answered"
[[ $(curl_code --cacert "$T/ca.pem" "https://$ETCD/version") == 000 ]] || fail "etcd answered without a client certificate"
[[ $(curl_code --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client-key.pem" "https://$ETCD/version") == 200 ]] ||
  fail "etcd over mutual TLS did not answer"
etcdctl --endpoints "http://$ETCD" --dial-timeout 2s get --prefix /dm-worker/ >/dev/null 2>&1 &&
  fail "etcdctl without TLS read etcd"
keys=$(etcdctl --endpoints "https://$ETCD" --cacert "$T/ca.pem" --cert "$T/client.pem" \
  --key "$T/client-key.pem" get --prefix --keys-only /dm-worker/r/ 2>&1) || fail "etcdctl over TLS: $keys"
[[ "$keys" == /dm-worker/r/* ]] || fail "etcdctl over TLS does not see the worker's registration: $keys"

step "4. three masters with TLS elect a leader; a fourth joins; failover"
for m in a1 a2 a3; do reserve_master_ports "$m"; done
cluster="a1=https://127.0.0.1:$A1_PEER_PORT,a2=https://127.0.0.1:$A2_PEER_PORT,a3=https://127.0.0.1:$A3_PEER_PORT"
for m in a1 a2 a3; do start_dm_master "$m" "$cluster" "${COMPONENT[@]}"; done
export DM_MASTERS=$A1_ADDR,$A2_ADDR,$A3_ADDR
leader() { dmctl list-member --leader | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"][0]["leader"]["name"])'; }
has_leader() { [[ "$(leader 2>/dev/null)" == a[123] ]]; }
wait_for 90 "a leader among a1..a3" has_leader || fail "no leader: $(tail -5 "$A1_LOG" "$A1_DIR/data/etcd.log")"
first=$(leader)
alive3() { [[ $(dmctl list-member --master | grep -c '"alive": true') == 3 ]]; }
wait_for 30 "3 alive masters" alive3 || fail "masters: $(dmctl list-member --master)"
peers=$(dmctl list-member --master)
expect_in "peer URLs" "$peers" "https://127.0.0.1:$A1_PEER_PORT" "https://127.0.0.1:$A2_PEER_PORT" \
  "https://127.0.0.1:$A3_PEER_PORT"
PEER=https://127.0.0.1:$A1_PEER_PORT/members
[[ $(curl_code "http://127.0.0.1:$A1_PEER_PORT/members") == 000 ]] || fail "plain http to an etcd peer port answered"
[[ $(curl_code --cacert "$T/ca.pem" "$PEER") == 000 ]] || fail "an etcd peer port answered without a certificate"
code=$(curl_code --http1.1 --cacert "$T/ca.pem" --cert "$T/component.pem" --key "$T/component-key.pem" "$PEER")
[[ $code == 200 ]] || fail "the etcd peer port refused a peer certificate (HTTP $code)"
# A fourth master joins the TLS cluster (--join: the member add goes through etcd's
# gateway over https; before the kill, as etcd refuses a member add while one is down).
start_dm_master a4 "" --join "$A2_ADDR" "${COMPONENT[@]}"
a4_alive() { dmctl list-member --master | python3 -c '
import json, sys
ms = json.load(sys.stdin)["members"][0]["master"]["masters"]
sys.exit(0 if any(m["name"] == "a4" and m["alive"] for m in ms) else 1)'; }
wait_for 90 "a4 joined" a4_alive || fail "a4 did not join: $(tail -5 "$A4_LOG")"
log "a4 joined the TLS cluster"
export DM_MASTERS=$DM_MASTERS,$A4_ADDR
log "leader $first; kill -9 it"
kill9 "$first"
new_leader() { local l; l=$(leader 2>/dev/null) && [[ "$l" == a[1234] && "$l" != "$first" ]]; }
wait_for 60 "a new leader" new_leader || fail "no new leader after killing $first"
now=$(leader)
log "new leader $now"
# Every surviving master answers: followers forward to the leader over TLS.
for m in a1 a2 a3 a4; do
  [[ $m == "$first" ]] && continue
  var=$(_dm_var "$m")_ADDR
  out=$("$DM_BIN/dmctl" --master-addr "${!var}" "${CLIENT[@]}" list-member --leader) ||
    fail "list-member through $m: $out"
  expect_in "list-member through $m" "$out" "\"name\": \"$now\""
done

step "5. no private key material in the logs"
for key in "$T"/component-key.pem "$T"/client-key.pem; do
  line=$(sed -n 10p "$key")  # (the first lines of every RSA key look alike)
  found=$(find "$DM_RUN_DIR" -name '*.log' ! -name openssl.log -exec grep -lF -- "$line" {} + || true)
  [[ -z "$found" ]] || fail "key material of $key found in: $found"
done
log "PASS"
