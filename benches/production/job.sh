#!/usr/bin/env bash
# Job bags and laser plates as the workshop meets them, on one core (taskset -c 0):
#   - whole processes: `orfevre production job` for a charm bracelet (Moments, 7 positions) and a
#     solitaire ring (STL and 3MF, engraving inside the band), `orfevre production plate` with 24
#     name pendants on the demo's pendant jig;
#   - HTTP round trips: GET /api/v1/orders/{id}/job.zip of a paid bracelet order and ring order.
# Rounds interleave the cases (bracelet, ring, plate, bracelet over HTTP, ring over HTTP, …). Prints
# each case's median and min–max in milliseconds.
#
#   benches/production/job.sh BINARY [ROUNDS]
set -euo pipefail
bin=$(realpath "$1") rounds=${2:-15}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
port=18432
cd "$root"
ex=catalogs/demo/examples
python3 - "$ex/valid-engraved-pendant.json" "$dir" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = ["Léa", "Anaïs", "Chloé", "Zoé", "Inès", "Manon", "Camille", "Louise", "Jade", "Emma", "Alice", "Rose",
         "Lina", "Mia", "Ambre", "Julia", "Anna", "Léna", "Iris", "Agathe", "Nina", "Eva", "Margaux", "Sofia"]
for i, n in enumerate(names):
    d["fields"]["engraving"] = {"text": n, "font": "serif"}
    json.dump(d, open(f"{sys.argv[2]}/p{i:02d}.json", "w"))
PY
plate_args=()
for i in $(seq -w 0 23); do plate_args+=(--design "$dir/p$i.json=ORD-$i"); done

# A server with two paid orders (their designs stored as the API stores them).
export ORFEVRE_LOG=warn ORFEVRE_PASSWORD='bench password 1234'
"$bin" user add --email bench@shop.test --role workshop --data "$dir/data" >/dev/null
taskset -c 0 "$bin" serve --data "$dir/data" --addr 127.0.0.1:$port >/dev/null 2>&1 &
for _ in $(seq 300); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.1; done
python3 - "$dir/data/orfevre.db" "$bin" "$ex/valid-moments-bracelet.json" "$ex/valid-solitaire-ring.json" <<'PY'
import json, sqlite3, subprocess, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time() * 1000)
for i, path in enumerate(sys.argv[3:]):
    canon = subprocess.run([sys.argv[2], "design", "hash", "--canonical", path], capture_output=True, text=True, check=True).stdout.split("\n")
    body, h = canon[0].strip(), canon[1].strip()
    db.execute("INSERT OR IGNORE INTO designs (hash, catalog_version, body, created_at) VALUES (?, '2026.12.0', ?, ?)", (h, body, now))
    db.execute("INSERT INTO orders (id, principal, idempotency_key, request_hash, user_id, token_id, quote_id, design_hash,"
               " catalog_version, total, currency, customer, status, created_at, updated_at)"
               " VALUES (?, 'token:t', ?, 'h', NULL, 't', ?, ?, '2026.12.0', '120.00', 'EUR', '{}', 'placed', ?, ?)",
               (f"ord_bench{i}", f"k{i}", f"quo_{i}", h, now, now))
db.commit()
PY
jar="$dir/jar"
curl -sf -c "$jar" -H 'content-type: application/json' \
  -d '{"email":"bench@shop.test","password":"bench password 1234"}' localhost:$port/api/v1/session >/dev/null

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 )); }
declare -A samples
for r in $(seq "$rounds"); do
  samples[bracelet]+="$(ms taskset -c 0 "$bin" production job --design $ex/valid-moments-bracelet.json -o "$dir/b.zip") "
  samples[ring]+="$(ms taskset -c 0 "$bin" production job --design $ex/valid-solitaire-ring.json -o "$dir/r.zip") "
  samples[plate24]+="$(ms taskset -c 0 "$bin" production plate --jig pendant-plate "${plate_args[@]}" -o "$dir/p.zip") "
  samples[http_bracelet]+="$(ms curl -sf -b "$jar" -o "$dir/hb.zip" localhost:$port/api/v1/orders/ord_bench0/job.zip) "
  samples[http_ring]+="$(ms curl -sf -b "$jar" -o "$dir/hr.zip" localhost:$port/api/v1/orders/ord_bench1/job.zip) "
done
unzip -tq "$dir/hb.zip" >/dev/null && unzip -tq "$dir/hr.zip" >/dev/null || { echo "error: the server's job bags are not zips"; exit 1; }
for k in bracelet ring plate24 http_bracelet http_ring; do
  python3 - "$k" ${samples[$k]} <<'PY'
import statistics, sys
v = [int(x) / 1000 for x in sys.argv[2:]]
print(f"{sys.argv[1]:14} median {statistics.median(v):7.1f} ms  (min {min(v):.1f}, max {max(v):.1f}, n={len(v)})")
PY
done
