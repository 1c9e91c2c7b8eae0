# Shared by the serve-*.sh benchmarks (sourced, not run): real histories from a data set, and
# starting and stopping `compactrec serve` on a free loopback port.
# Expects: COMPACTREC (the executable), MODEL (a model directory), WORK (a scratch directory).

# histories DATA OUT COUNT: OUT gets one JSON array of item ids per line, for the first COUNT users
# of DATA (`user item` pairs in order) with two or more items: each user's items but the last, the
# most recent 50 of them.
histories() {
    python3 - "$1" "$2" "$3" <<'PY'
import gzip, json, sys
source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
written = 0
with open(target, "w") as out:
    for user in order:
        items = users[user][:-1][-50:]
        if items:
            out.write(json.dumps(items) + "\n")
            written += 1
        if written == count:
            break
if not written:
    sys.exit(f"{source}: no user with two or more items; expected 'user item' lines")
print(f"{written} histories from {source}", file=sys.stderr)
PY
}

# wrk_script HISTORIES OUT: a wrk Lua script posting each history of HISTORIES (from `histories`)
# to /v1/recommend with k = 10, in turn; at the end it prints one line:
#   requests_per_s=… p50_ms=… p99_ms=… p999_ms=… errors=… non2xx=…
wrk_script() {
    python3 - "$1" "$2" <<'PY'
import json, sys
bodies = [json.dumps({"history": json.loads(line), "k": 10}) for line in open(sys.argv[1])]
with open(sys.argv[2], "w") as out:
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
PY
}

# start_server [serve flags…]: starts the server on a free port; sets SERVER_PID and PORT.
start_server() {
    "$COMPACTREC" serve --model "$MODEL" --port 0 --log-level warning "$@" > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\) .*/\1/p' "$WORK/server.out")
        [ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return 0
        sleep 0.1
    done
    echo "the server did not start:" >&2; cat "$WORK/server.err" >&2; exit 1
}

# stop_server: SIGTERM, then waits for in-flight requests to finish and the server to exit.
stop_server() {
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=
}

# cleanup: stops a running server and removes WORK (for `trap cleanup EXIT`).
cleanup() {
    if [ -n "${SERVER_PID:-}" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
