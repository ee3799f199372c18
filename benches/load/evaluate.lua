-- wrk script: POST the demo charm bracelet to /api/v1/designs/evaluate (see BENCHMARKS.md).
-- Run from the repository root: the design is read from catalogs/demo/examples.
local f = assert(io.open(os.getenv("DESIGN") or "catalogs/demo/examples/valid-moments-bracelet.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, requests %d, non-2xx+errors %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
