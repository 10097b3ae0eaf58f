#!/usr/bin/env bash
# Cross-checks `dm-binlog file` against the reference decoder `mariadb-binlog`.
#
# Starts one MariaDB (harness default: ROW, FULL image, FULL metadata, GTID), runs a
# generated workload of >= 100,000 row events (autocommit statements, multi-statement
# transactions, multi-row statements, statements split over several row events, DDL,
# three GTID domains, FLUSH BINARY LOGS so there are several files), then for every
# binlog file decodes it with both tools and compares:
#   (a) rows per table split by insert/update/delete,
#   (b) the ordered list of GTIDs (and that every dm-binlog event carries its
#       transaction's gtid),
#   (c) the ordered list of row events (end position, kind, table),
#   (d) every row value (before and after images), column by column.
# Prints a diff and exits 1 on any mismatch; prints the compared counts on success.
#
# Environment:
#   DM_BINLOG           dm-binlog binary (default: build/bin/dm-binlog under the repo)
#   DM_COMPARE_ROWS     approximate number of row events to generate (default 115000,
#                       must stay >= 100000 unless DM_COMPARE_ALLOW_SMALL=1)
#   DM_COMPARE_CORRUPT  counts|gtid|value|event: corrupt the expected side on purpose, to
#                       check that the comparison fails (the test must then exit 1)
#   DM_COMPARE_SERVER_ARGS  extra mariadbd arguments, split on spaces (e.g.
#                       "--log-bin-compress=ON"; a FULL row image is required)
#   DM_KEEP_TMP=1       keep the server dir and the decoded outputs
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/servers.sh
source "$HERE/lib/servers.sh"

fail() { echo "binlog_compare_test: FAIL: $*" >&2; exit 1; }

if ! command -v mariadbd >/dev/null && [[ ! -x /usr/sbin/mariadbd ]]; then
  if [[ "${DM_TEST_REQUIRE_SERVERS:-0}" == 1 ]]; then
    fail "mariadbd not installed (run scripts/deps.sh)"
  fi
  echo "binlog_compare_test: SKIP: mariadbd not installed; run scripts/deps.sh"
  exit 0
fi
command -v mariadb-binlog >/dev/null || fail "mariadb-binlog not installed"
command -v python3 >/dev/null || fail "python3 not installed"

DM_BINLOG=${DM_BINLOG:-$ROOT/build/bin/dm-binlog}
[[ -x "$DM_BINLOG" ]] || fail "$DM_BINLOG not built (cmake --build build --target dm-binlog)"
ROWS=${DM_COMPARE_ROWS:-115000}
if ((ROWS < 100000)) && [[ "${DM_COMPARE_ALLOW_SMALL:-0}" != 1 ]]; then
  fail "DM_COMPARE_ROWS=$ROWS < 100000"
fi

harness_init
read -r -a EXTRA_ARGS <<<"${DM_COMPARE_SERVER_ARGS:-}"
start_mariadb src --sync-binlog=0 --innodb-flush-log-at-trx-commit=0 \
  --innodb-buffer-pool-size=256M "${EXTRA_ARGS[@]}"
WORK=$DM_RUN_DIR/work
mkdir -p "$WORK"

# ---------------------------------------------------------------------------------------
# Workload: a generated SQL script run in one client session.
# ---------------------------------------------------------------------------------------
python3 - "$ROWS" >"$WORK/workload.sql" <<'PY'
import random, sys

target = int(sys.argv[1])
rnd = random.Random(20240611)
out = sys.stdout.write
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;:-_'"
UTF8 = ["h\u00e9llo", "\u65e5\u672c\u8a9e", "na\u00efve caf\u00e9", "\u00fcber", "\u2713 ok"]

def s(n_min, n_max):
    v = "".join(rnd.choice(ALPHA) for _ in range(rnd.randint(n_min, n_max)))
    r = rnd.random()
    if r < 0.03:
        v += " " + rnd.choice(UTF8)
    elif r < 0.04:
        v += "\ttab"
    return v

def q(v):
    if v is None:
        return "NULL"
    return "'" + v.replace("'", "''") + "'"

def dec(lo, hi, scale):
    v = rnd.randint(lo * 10**scale, hi * 10**scale)
    sign = "-" if v < 0 else ""
    v = abs(v)
    return f"{sign}{v // 10**scale}.{v % 10**scale:0{scale}d}"

def dt(frac=0):
    v = (f"20{rnd.randint(10, 29)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} "
         f"{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}")
    if frac:
        v += "." + "".join(rnd.choice("0123456789") for _ in range(frac))
    return v

events = 0  # row events we expect to generate (approximate: one per statement)

class Table:
    def __init__(self, name, cols, gen):
        self.name, self.cols, self.gen = name, cols, gen
        self.ids, self.idset, self.next_id = [], set(), 1
    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return i
    def add(self, i):
        self.ids.append(i); self.idset.add(i)
    def pick(self):
        while self.ids:
            k = rnd.randrange(len(self.ids))
            i = self.ids[k]
            if i in self.idset:
                return i
            self.ids[k] = self.ids[-1]; self.ids.pop()
        return None
    def remove(self, i):
        self.idset.discard(i)

def users_row(i):
    return [str(i), q(s(1, 30)), str(rnd.choice([rnd.randint(0, 120), 3000000000 + i])),
            dec(-99999, 99999, 2), q(dt()) if rnd.random() < 0.9 else "NULL",
            str(rnd.randint(-4000, 4000) / 8)]

def orders_row(i):
    return [str(i), str(rnd.randint(1, 5000)), dec(0, 9999, 2),
            q(s(0, 60)) if rnd.random() < 0.8 else "NULL", str(rnd.randint(-128, 127)),
            str(rnd.choice([rnd.randint(0, 10**6), 18446744073709551615 - i]))]

def items_row(i):
    return [str(i), q(f"SKU-{i:08d}"), str(rnd.randint(-32768, 32767)), dec(0, 99999, 3),
            q(s(0, 200))]

def events_row(i):
    return [str(i), q(rnd.choice(["login", "logout", "click", "view", "buy"])), q(dt(3)),
            str(rnd.randint(-2**63, 2**63 - 1))]

T = {
    "s1.users": Table("s1.users", ["id", "name", "age", "balance", "created", "score"], users_row),
    "s1.orders": Table("s1.orders", ["id", "user_id", "amount", "note", "flags", "big"], orders_row),
    "s2.items": Table("s2.items", ["id", "sku", "qty", "price", "descr"], items_row),
    "s2.events": Table("s2.events", ["id", "kind", "ts", "val"], events_row),
}
NAMES = list(T)

def insert(t, nrows=1):
    global events
    rows = []
    for _ in range(nrows):
        i = t.new_id()
        t.add(i)
        rows.append("(" + ",".join(t.gen(i)) + ")")
    out(f"INSERT INTO {t.name} ({','.join(t.cols)}) VALUES {','.join(rows)};\n")
    events += 1

def update(t):
    global events
    i = t.pick()
    if i is None:
        return insert(t)
    row = t.gen(i)
    k = rnd.randrange(1, len(t.cols))
    sets = [f"{t.cols[k]}={row[k]}"]
    if rnd.random() < 0.5:
        k2 = rnd.randrange(1, len(t.cols))
        sets.append(f"{t.cols[k2]}={row[k2]}")
    out(f"UPDATE {t.name} SET {', '.join(sets)} WHERE id={i};\n")
    events += 1  # an update that changes nothing still logs its row (FULL image)

def delete(t):
    global events
    i = t.pick()
    if i is None:
        return insert(t)
    t.remove(i)
    out(f"DELETE FROM {t.name} WHERE id={i};\n")
    events += 1

def random_stmt():
    t = T[rnd.choice(NAMES)]
    r = rnd.random()
    if r < 0.45 or len(t.idset) < 50:
        insert(t, 1 if rnd.random() < 0.9 else rnd.randint(2, 8))
    elif r < 0.82:
        update(t)
    else:
        delete(t)

domain = 0
def set_domain(d):
    global domain
    if d != domain:
        out(f"SET SESSION gtid_domain_id={d};\n")
        domain = d

out("""CREATE DATABASE s1; CREATE DATABASE s2;
CREATE TABLE s1.users (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, age INT UNSIGNED,
  balance DECIMAL(12,2), created DATETIME, score DOUBLE);
CREATE TABLE s1.orders (id BIGINT PRIMARY KEY, user_id INT NOT NULL, amount DECIMAL(10,2),
  note VARCHAR(100), flags TINYINT, big BIGINT UNSIGNED, KEY (user_id));
CREATE TABLE s2.items (id INT PRIMARY KEY, sku CHAR(16), qty SMALLINT, price DECIMAL(8,3),
  descr TEXT);
CREATE TABLE s2.events (id INT PRIMARY KEY, kind VARCHAR(20), ts DATETIME(3), val BIGINT);
""")

# Phase 1: seed with multi-row inserts; one statement large enough to be split over
# several row events (binlog_row_event_max_size is 8 KiB).
for name in NAMES:
    for _ in range(60):
        insert(T[name], 10)
out("INSERT INTO s2.items (id, sku, qty, price, descr) VALUES " + ",".join(
    "(" + ",".join(items_row(i)) + ")" for i in range(1000000, 1000400)) + ";\n")
events += 10

# Phase 2: autocommit single statements, domain 0.
n2 = int(target * 0.42)
while events < n2:
    random_stmt()
out("FLUSH BINARY LOGS;\n")

# DDL in the middle of the stream: column added to a live table, a new table.
out("ALTER TABLE s2.items ADD COLUMN tag VARCHAR(10) DEFAULT 'n';\n")
T["s2.items"].cols.append("tag")
old_items_row = items_row
T["s2.items"].gen = lambda i: old_items_row(i) + [q(rnd.choice(["a", "b", "c", "long tag"]))]
out("CREATE TABLE s1.audit (id INT PRIMARY KEY, what VARCHAR(80), at DATETIME(6), amount DECIMAL(20,6));\n")
T["s1.audit"] = Table("s1.audit", ["id", "what", "at", "amount"],
                      lambda i: [str(i), q(s(1, 40)), q(dt(6)), dec(-10**12, 10**12, 6)])
NAMES.append("s1.audit")

# Phase 3: multi-statement transactions spread over three GTID domains.
n3 = int(target * 0.85)
while events < n3:
    set_domain(rnd.choice([0, 0, 1, 2]))
    out("BEGIN;\n")
    for _ in range(rnd.randint(2, 9)):
        random_stmt()
    out("COMMIT;\n")
set_domain(0)
out("FLUSH BINARY LOGS;\n")

# Phase 4: autocommit statements in domain 1, range updates/deletes touching many rows.
BUMP = {"s1.users": "score=score+0.5", "s1.orders": "amount=amount+1",
        "s2.items": "tag=CONCAT(LEFT(IFNULL(tag,''),8),'+')", "s2.events": "val=val DIV 2 + 1",
        "s1.audit": "what=CONCAT(LEFT(what,30),'+')"}
set_domain(1)
while events < target:
    r = rnd.random()
    if r < 0.02:
        t = T[rnd.choice(NAMES)]
        lo = t.pick() or 1
        out(f"UPDATE {t.name} SET {BUMP[t.name]} WHERE id BETWEEN {lo} AND {lo + 40};\n")
        events += 1
    elif r < 0.03:
        t = T[rnd.choice(NAMES)]
        lo = t.pick() or 1
        for i in range(lo, lo + 20):
            t.remove(i)
        out(f"DELETE FROM {t.name} WHERE id BETWEEN {lo} AND {lo + 19};\n")
        events += 1
    else:
        random_stmt()
set_domain(0)
out("DROP TABLE s1.audit;\n")
out("FLUSH BINARY LOGS;\n")
PY

echo "binlog_compare_test: workload: $(wc -l <"$WORK/workload.sql") SQL lines"
t0=$SECONDS
"$DM_MARIADB_CLIENT" --no-defaults --protocol=tcp -h127.0.0.1 -P"$SRC_PORT" -uroot \
  --default-character-set=utf8mb4 <"$WORK/workload.sql" ||
  fail "workload failed"
echo "binlog_compare_test: workload ran in $((SECONDS - t0)) s"

mapfile -t FILES < <(sed 's|.*/||' "$SRC_DIR/mysql-bin.index")
((${#FILES[@]} >= 3)) || fail "expected several binlog files, got: ${FILES[*]}"

# ---------------------------------------------------------------------------------------
# Decode each file with both tools.
# ---------------------------------------------------------------------------------------
t0=$SECONDS
for f in "${FILES[@]}"; do
  "$DM_BINLOG" file "$SRC_DIR/$f" >"$WORK/$f.dm.jsonl" 2>"$WORK/$f.dm.err" ||
    { cat "$WORK/$f.dm.err" >&2; fail "dm-binlog file $f failed"; }
  mariadb-binlog --no-defaults --base64-output=decode-rows --verbose "$SRC_DIR/$f" \
    >"$WORK/$f.ref.txt" 2>"$WORK/$f.ref.err" ||
    { cat "$WORK/$f.ref.err" >&2; fail "mariadb-binlog $f failed"; }
done
echo "binlog_compare_test: decoded ${#FILES[@]} files with both tools in $((SECONDS - t0)) s"

# The output does not depend on the number of decoding threads (the default is one per
# CPU): one thread and three threads, each file alone and all files in one run.
PATHS=()
for f in "${FILES[@]}"; do
  PATHS+=("$SRC_DIR/$f")
  for t in 1 3; do
    "$DM_BINLOG" file --threads "$t" "$SRC_DIR/$f" >"$WORK/$f.t$t.jsonl" ||
      fail "dm-binlog file --threads $t $f failed"
    cmp -s "$WORK/$f.dm.jsonl" "$WORK/$f.t$t.jsonl" ||
      fail "dm-binlog --threads $t output differs from the default for $f"
  done
done
for t in 1 3; do
  "$DM_BINLOG" file --threads "$t" "${PATHS[@]}" >"$WORK/all.t$t.jsonl" ||
    fail "dm-binlog file --threads $t (all files) failed"
done
cmp -s "$WORK/all.t1.jsonl" "$WORK/all.t3.jsonl" ||
  fail "dm-binlog --threads 3 output differs from --threads 1 over all files"
for t in 1 3; do
  "$DM_BINLOG" file --summary --threads "$t" "${PATHS[@]}" |
    sed -E 's/"seconds":[^}]*"event_types"/"event_types"/' >"$WORK/all.t$t.summary"
done
cmp -s "$WORK/all.t1.summary" "$WORK/all.t3.summary" ||
  fail "dm-binlog --summary counts differ between --threads 1 and 3"
echo "binlog_compare_test: same output with 1 and 3 decoding threads"

# ---------------------------------------------------------------------------------------
# Compare.
# ---------------------------------------------------------------------------------------
python3 - "$WORK" "${DM_COMPARE_CORRUPT:-}" "${FILES[@]}" <<'PY'
import collections, json, os, re, sys

work, corrupt, files = sys.argv[1], sys.argv[2], sys.argv[3:]
MIN_ROW_EVENTS = 100000

HDR = re.compile(r"^#\d{6} +\d+:\d\d:\d\d server id (\d+) +end_log_pos (\d+) .*?\t(.*)$")
ROWEV = re.compile(r"^(Write|Update|Delete)_(?:compressed_)?rows(?:_v1)?: table id (\d+)")
GTID = re.compile(r"^GTID (\d+)-(\d+)-(\d+)\b")
ROWSTART = re.compile(r"^### (INSERT INTO|UPDATE|DELETE FROM) `(.*?)`\.`(.*?)`$")
VAL = re.compile(r"^###   @(\d+)=(.*)$")
KIND = {"INSERT INTO": "insert", "UPDATE": "update", "DELETE FROM": "delete",
        "Write": "insert", "Update": "update", "Delete": "delete"}
UNSIGNED_PAIR = re.compile(r"^(-?\d+) \((\d+)\)$")
HEXESC = re.compile(r"\\x([0-9a-f]{2})")

def parse_ref(path):
    """mariadb-binlog -v output -> gtids, row events, rows."""
    gtids, events, rows = [], [], []
    row = None
    section = None
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode("utf-8", "surrogateescape").rstrip("\n")
            if line.startswith("#") and not line.startswith("###"):
                m = HDR.match(line)
                if not m:
                    continue
                body = m.group(3)
                g = GTID.match(body)
                if g:
                    gtids.append((int(g.group(1)), int(g.group(2)), int(g.group(3))))
                    continue
                r = ROWEV.match(body)
                if r:
                    events.append({"end": int(m.group(2)), "kind": KIND[r.group(1)],
                                   "table": None, "nrows": 0})
                continue
            if not line.startswith("###"):
                continue
            m = ROWSTART.match(line)
            if m:
                if not events:
                    raise SystemExit(f"{path}: row {line!r} before any recognised row event "
                                     "header (new event name? update ROWEV)")
                row = {"kind": KIND[m.group(1)], "table": f"{m.group(2)}.{m.group(3)}",
                       "before": [], "after": [], "event": len(events) - 1}
                rows.append(row)
                ev = events[-1]
                ev["nrows"] += 1
                if ev["table"] is None:
                    ev["table"] = row["table"]
                section = "after" if row["kind"] == "insert" else "before"
                continue
            if line == "### SET":
                section = "after"
                continue
            if line == "### WHERE":
                section = "before"
                continue
            m = VAL.match(line)
            if m and row is not None:
                vals = row[section]
                if int(m.group(1)) != len(vals) + 1:
                    raise SystemExit(f"{path}: unexpected column number in {line!r}")
                vals.append(m.group(2))
    return gtids, events, rows

def parse_dm(path):
    gtids, events, rows, problems = [], [], [], []
    maps = {}
    cur_gtid = None
    pending = 0
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            e = json.loads(line)
            t = e["type"]
            if t == "mariadb_gtid":
                g = (e["domain_id"], e["server_id"], e["seq_no"])
                gtids.append(g)
                cur_gtid = "%d-%d-%d" % g
                if e.get("gtid") != cur_gtid:
                    problems.append(f"line {n}: mariadb_gtid event has gtid {e.get('gtid')!r}, "
                                    f"expected {cur_gtid!r}")
            elif t == "table_map":
                maps[e["table_id"]] = e
            if t.startswith(("write_rows", "update_rows", "delete_rows")):
                kind = {"write": "insert", "update": "update", "delete": "delete"}[t.split("_")[0]]
                if e.get("gtid") != cur_gtid:
                    problems.append(f"line {n}: {t} at {e['pos']} has gtid {e.get('gtid')!r}, "
                                    f"transaction is {cur_gtid!r}")
                tm = maps.get(e["table_id"])
                if tm is None:
                    problems.append(f"line {n}: {t} without a table_map for id {e['table_id']}")
                    continue
                table = f"{e['schema']}.{e['table']}"
                # mariadb-binlog prints the rows of a statement split over several row
                # events after the last one (STMT_END_F): count them there too.
                pending += len(e["rows"])
                if e.get("flags", 0) & 1:
                    events.append({"end": e["next_pos"], "kind": kind, "table": table,
                                   "nrows": pending})
                    pending = 0
                else:
                    events.append({"end": e["next_pos"], "kind": kind, "table": None,
                                   "nrows": 0})
                for r in e["rows"]:
                    if kind == "update":
                        before, after = list(r["before"].values()), list(r["after"].values())
                    elif kind == "insert":
                        before, after = [], list(r.values())
                    else:
                        before, after = list(r.values()), []
                    rows.append({"kind": kind, "table": table, "before": before,
                                 "after": after, "cols": tm["columns"], "event": len(events) - 1})
    return gtids, events, rows, problems

def norm_ref(v, col):
    if v == "NULL":
        return None
    if len(v) >= 2 and v[0] == "'" and v[-1] == "'":
        return HEXESC.sub(lambda m: chr(int(m.group(1), 16)), v[1:-1])
    m = UNSIGNED_PAIR.match(v)
    if m:
        return m.group(2) if col.get("unsigned") else m.group(1)
    return v

def same(ref, dm, col):
    if ref == dm:
        return True
    if ref is None or dm is None or isinstance(dm, dict):
        return False
    if col.get("type") in ("float", "double"):
        try:
            return float(ref) == float(dm)
        except ValueError:
            return False
    return False

failures = []
def mismatch(msg):
    failures.append(msg)

totals = collections.Counter()
domains = set()
all_counts = collections.Counter()
value_rows_compared = 0
values_compared = 0
for f in files:
    rg, rev, rrows = parse_ref(f"{work}/{f}.ref.txt")
    dg, dev, drows, problems = parse_dm(f"{work}/{f}.dm.jsonl")
    for p in problems[:20]:
        mismatch(f"{f}: dm-binlog: {p}")

    if corrupt == "gtid" and f == files[0] and rg:
        rg[len(rg) // 2] = (rg[len(rg) // 2][0], rg[len(rg) // 2][1], rg[len(rg) // 2][2] + 1)
    if corrupt == "event" and f == files[0] and rev:
        rev[len(rev) // 3]["end"] += 1
    if corrupt == "value" and f == files[0]:
        for r in rrows:
            if r["table"] == "s1.users" and r["kind"] == "insert":
                r["after"][1] = "'corrupted'"
                break

    # (a) rows per table and kind.
    rc = collections.Counter((r["table"], r["kind"]) for r in rrows)
    dc = collections.Counter((r["table"], r["kind"]) for r in drows)
    if corrupt == "counts" and f == files[0]:
        rc[("s1.users", "insert")] += 1
    if rc != dc:
        lines = [f"{f}: rows per table/kind differ (table kind: mariadb-binlog vs dm-binlog):"]
        for k in sorted(set(rc) | set(dc)):
            mark = "   " if rc[k] == dc[k] else "!!!"
            lines.append(f"  {mark} {k[0]:<12} {k[1]:<6}: {rc[k]:>8} vs {dc[k]:>8}")
        mismatch("\n".join(lines))
    all_counts.update(dc)

    # (b) GTIDs, in order.
    if rg != dg:
        i = next((i for i, (a, b) in enumerate(zip(rg, dg)) if a != b), min(len(rg), len(dg)))
        fmt = lambda g: "%d-%d-%d" % g if g else "(none)"
        mismatch(f"{f}: GTID lists differ: mariadb-binlog has {len(rg)}, dm-binlog {len(dg)}; "
                 f"first difference at #{i}: {fmt(rg[i] if i < len(rg) else None)} vs "
                 f"{fmt(dg[i] if i < len(dg) else None)}")

    # (c) row events, in order: end position, kind, table, rows in the event.
    rkey = [(e["end"], e["kind"], e["table"], e["nrows"]) for e in rev]
    dkey = [(e["end"], e["kind"], e["table"], e["nrows"]) for e in dev]
    if rkey != dkey:
        i = next((i for i, (a, b) in enumerate(zip(rkey, dkey)) if a != b), min(len(rkey), len(dkey)))
        mismatch(f"{f}: row events differ: mariadb-binlog has {len(rkey)}, dm-binlog {len(dkey)}; "
                 f"first difference at #{i} (end_pos, kind, table, rows): "
                 f"{rkey[i] if i < len(rkey) else None} vs {dkey[i] if i < len(dkey) else None}")

    # (d) every value of every row, by column position.
    bad = 0
    if len(rrows) == len(drows):
        for n, (r, d) in enumerate(zip(rrows, drows)):
            if (r["table"], r["kind"]) != (d["table"], d["kind"]):
                mismatch(f"{f}: row #{n}: {r['kind']} {r['table']} vs {d['kind']} {d['table']}")
                bad += 1
            else:
                for side in ("before", "after"):
                    rv, dv = r[side], d[side]
                    if len(rv) != len(dv):
                        mismatch(f"{f}: row #{n} ({r['kind']} {r['table']}) {side}: "
                                 f"{len(rv)} columns vs {len(dv)}")
                        bad += 1
                        continue
                    for c, (a, b) in enumerate(zip(rv, dv)):
                        col = d["cols"][c] if c < len(d["cols"]) else {}
                        values_compared += 1
                        if not same(norm_ref(a, col), b, col):
                            bad += 1
                            if bad <= 10:
                                mismatch(f"{f}: row #{n} ({r['kind']} {r['table']}) {side} "
                                         f"@{c + 1} ({col.get('name')} {col.get('type')}): "
                                         f"mariadb-binlog {a!r} vs dm-binlog {b!r}")
                value_rows_compared += 1
            if bad > 10:
                mismatch(f"{f}: more value mismatches not shown")
                break
    totals["files"] += 1
    totals["gtids"] += len(dg)
    domains.update(g[0] for g in dg)
    totals["row_events"] += len(dev)
    totals["rows"] += len(drows)
    print(f"binlog_compare_test: {f}: {len(dg)} GTIDs, {len(dev)} row events, {len(drows)} rows "
          f"(mariadb-binlog: {len(rg)} GTIDs, {len(rev)} row events, {len(rrows)} rows)")

if failures:
    print("binlog_compare_test: MISMATCHES between mariadb-binlog and dm-binlog:", file=sys.stderr)
    for m in failures:
        print(m, file=sys.stderr)
    sys.exit(1)

print("binlog_compare_test: rows per table (insert/update/delete), identical in both tools:")
for t in sorted({k[0] for k in all_counts}):
    print(f"  {t:<12} {all_counts[(t, 'insert')]:>7} / {all_counts[(t, 'update')]:>7} / "
          f"{all_counts[(t, 'delete')]:>7}")
print(f"binlog_compare_test: GTID domains: {sorted(domains)}")
if len(domains) < 2:
    print("binlog_compare_test: FAIL: fewer than 2 GTID domains in the workload", file=sys.stderr)
    sys.exit(1)
print(f"binlog_compare_test: {totals['files']} files, {totals['gtids']} GTIDs, "
      f"{totals['row_events']} row events, {totals['rows']} rows, {values_compared} values "
      f"in {value_rows_compared} rows compared: all identical")
if totals["row_events"] < MIN_ROW_EVENTS:
    if os.environ.get("DM_COMPARE_ALLOW_SMALL") != "1":
        print(f"binlog_compare_test: FAIL: only {totals['row_events']} row events "
              f"(< {MIN_ROW_EVENTS})", file=sys.stderr)
        sys.exit(1)
PY
echo "binlog_compare_test: PASS"
