#!/usr/bin/env bash
# Load and fuzz `compactrec serve`: wrk with real histories from a data set, at several connection
# counts, with micro-batching on and off; then schemathesis against the served OpenAPI document.
#
#   Benchmarks/serve-load.sh MODEL_DIR [DATA_FILE]
#
# DATA_FILE is `user item` pairs in order (default: the bundled sample; the Beauty model's own
# data is ../shared/data/amazon-beauty_bert4rec/beauty.txt.gz). Each user's items but the last,
# the most recent 50 of them, make one history (the first 1,000 users), asked for k = 10.
# Settings (environment):
#   DURATION=10s  CONNECTIONS="1 16 64"  BATCHING="on off"  FUZZ_EXAMPLES=50 (0: no schemathesis)
#   COMPACTREC=.build/release/compactrec  SCHEMATHESIS=schemathesis
# Prints one line per run a script can read:
#   load batching=on connections=16 requests_per_s=… p50_ms=… p99_ms=… p999_ms=… errors=… non2xx=…
#   fuzz cases=… server_errors=… exit=…
# Needs wrk (Debian: apt-get install wrk), python3, curl, and schemathesis (PyPI) for the fuzz part.
# Run nothing else on the machine meanwhile: server and load generator share its cores.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${1:?usage: Benchmarks/serve-load.sh MODEL_DIR [DATA_FILE]}
DATA=${2:-Samples/beauty-3k.txt.gz}
DURATION=${DURATION-10s}
CONNECTIONS=${CONNECTIONS-"1 16 64"}
BATCHING=${BATCHING-"on off"}
FUZZ_EXAMPLES=${FUZZ_EXAMPLES:-50}
COMPACTREC=${COMPACTREC:-.build/release/compactrec}
SCHEMATHESIS=${SCHEMATHESIS:-schemathesis}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The wrk script: one request body per history, taken in turn by each connection.
python3 - "$DATA" "$WORK/load.lua" <<'PY'
import gzip, json, sys
source, target = sys.argv[1], sys.argv[2]
opener = gzip.open if source.endswith(".gz") else open
users, order = {}, []
with opener(source, "rt") as lines:
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            continue
        if fields[0] not in users:
            users[fields[0]] = []
            order.append(fields[0])
        users[fields[0]].append(fields[1])
bodies = []
for user in order:
    items = users[user][:-1][-50:]
    if items:
        bodies.append(json.dumps({"history": items, "k": 10}))
    if len(bodies) == 1000:
        break
if not bodies:
    sys.exit(f"{source}: no user with two or more items; expected 'user item' lines")
with open(target, "w") as out:
    out.write("wrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\nbodies = {\n")
    for body in bodies:
        out.write("  " + json.dumps(body) + ",\n")
    out.write("""}
local next_body = 0
request = function()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[next_body])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d non2xx=%d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, errors, summary.errors.status))
end
""")
print(f"{len(bodies)} histories from {source}", file=sys.stderr)
PY

start_server() {  # $@: extra serve flags; sets SERVER_PID and PORT
    "$COMPACTREC" serve --model "$MODEL" --port 0 --log-level warning "$@" > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\) .*/\1/p' "$WORK/server.out")
        [ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start:" >&2; cat "$WORK/server.err" >&2; exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
}

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for batching in $BATCHING; do
    flags=(); [ "$batching" = off ] && flags=(--no-micro-batching)
    start_server "${flags[@]}"
    for connections in $CONNECTIONS; do
        threads=$(( connections < 2 ? 1 : 2 ))
        result=$(wrk -t "$threads" -c "$connections" -d "$DURATION" -s "$WORK/load.lua" "http://127.0.0.1:$PORT/v1/recommend" | tail -n 1)
        echo "load batching=$batching connections=$connections $result"
    done
    stop_server
done

if [ "$FUZZ_EXAMPLES" -gt 0 ]; then
    start_server
    set +e
    "$SCHEMATHESIS" --config-file Benchmarks/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.yaml" --url "http://127.0.0.1:$PORT" --checks all \
        --max-examples "$FUZZ_EXAMPLES" --no-color > "$WORK/fuzz.txt" 2>&1
    status=$?
    set -e
    metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics")
    stop_server
    # (grep finding nothing is not an error here: no count, no server error.)
    cases=$( (grep -oE '[0-9]+ generated' "$WORK/fuzz.txt" || true) | awk '{s += $1} END {print s + 0}')
    server_errors=$( (printf '%s\n' "$metrics" | grep -E '^compactrec_http_requests_total\{.*status="5' || true) | awk '{s += $2} END {print s + 0}')
    echo "fuzz cases=$cases server_errors=$server_errors exit=$status"
    if [ "$status" -ne 0 ] || [ "$server_errors" -ne 0 ]; then
        tail -n 60 "$WORK/fuzz.txt" >&2
        exit 1
    fi
fi
