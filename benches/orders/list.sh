#!/usr/bin/env bash
# GET /api/v1/orders?limit=500 as the workshop meets it: 500 orders of 3 events each in a SQLite
# data directory, one HTTP round trip at a time, for two builds of the server alternated
# (A B A B …). Prints one line per round and build: the median and min–max of the round's requests.
#
#   benches/orders/list.sh OLD_BINARY NEW_BINARY [ROUNDS] [REQUESTS]
set -euo pipefail
old=$1 new=$2 rounds=${3:-5} n=${4:-20}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
port=18431
export ORFEVRE_LOG=warn ORFEVRE_PASSWORD='bench password 1234'

"$new" user add --email bench@shop.test --role workshop --data "$dir" >/dev/null
# 500 orders of one design, each placed, in production and shipped (three events).
python3 - "$dir/orfevre.db" <<'PY'
import sqlite3, sys, json, time
db = sqlite3.connect(sys.argv[1])
h = "ab" * 32
db.execute("INSERT OR IGNORE INTO designs (hash, catalog_version, body, created_at) VALUES (?, ?, ?, ?)",
           (h, "2026.12.0", json.dumps({"base": "moments-bracelet"}), 0))
now = int(time.time() * 1000)
for i in range(500):
    oid = f"ord_bench{i:05d}"
    db.execute("INSERT INTO orders (id, principal, idempotency_key, request_hash, user_id, token_id, quote_id, design_hash,"
               " catalog_version, total, currency, customer, status, created_at, updated_at)"
               " VALUES (?, 'token:t', ?, 'h', NULL, 't', ?, ?, '2026.12.0', '120.00', 'EUR', '{}', 'shipped', ?, ?)",
               (oid, f"k{i}", f"quo_{i}", h, now + i, now + i))
    for j, st in enumerate(["placed", "in_production", "shipped"]):
        db.execute("INSERT INTO order_events (id, order_id, status, actor, at) VALUES (?, ?, ?, 'bench', ?)",
                   (f"evt_{i}_{j}", oid, st, now + i + j))
db.commit()
PY

measure() { # binary label
  "$1" serve --data "$dir" --addr 127.0.0.1:$port >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.1; done
  local jar="$dir/jar"
  curl -sf -c "$jar" -H 'content-type: application/json' \
    -d '{"email":"bench@shop.test","password":"bench password 1234"}' localhost:$port/api/v1/session >/dev/null
  curl -sf -b "$jar" "localhost:$port/api/v1/orders?limit=500" >/dev/null # warm-up
  local times=()
  for _ in $(seq "$n"); do
    times+=("$(curl -sf -b "$jar" -o /dev/null -w '%{time_total}' "localhost:$port/api/v1/orders?limit=500")")
  done
  kill $pid; wait $pid 2>/dev/null || true
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$2" '{a[NR]=$1} END {printf "%s: median %.1f ms (min %.1f, max %.1f) over %d requests\n", l, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000, NR}'
}

for r in $(seq "$rounds"); do
  measure "$old" "round $r before"
  measure "$new" "round $r after "
done
