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
. Benchmarks/serve-common.sh
trap cleanup EXIT

# The wrk script: one request body per history, taken in turn by each connection.
histories "$DATA" "$WORK/histories.jsonl" 1000
wrk_script "$WORK/histories.jsonl" "$WORK/load.lua"

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
