#!/usr/bin/env bash
# A long run of `compactrec serve` under load with hot reloads: wrk at CONNECTIONS (default 64)
# for MINUTES (default 10) with real histories, and at the end of every minute a reload through
# POST /v1/admin/reload; the reload at minute DAMAGED_MINUTE (default the middle one) finds the
# bundle damaged (bytes of model.safetensors overwritten) and must be refused while the previous
# model keeps serving; the bundle is then restored. The server's resident memory is read every
# minute. The server serves a copy of MODEL_DIR, which is never changed.
#
#   Benchmarks/serve-soak.sh MODEL_DIR [DATA_FILE] [MINUTES]
#
# Prints one line per minute and a last line a script can read; exits 1 on any failed request,
# unexpected reload answer or non-2xx response:
#   minute=3 rss_mib=… reload=200
#   soak minutes=… requests=… requests_per_s=… p50_ms=… p99_ms=… p999_ms=… errors=… non2xx=…
#        reloads_swapped=… reloads_refused=… rss_first_mib=… rss_last_mib=… rss_change_percent=…
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE_MODEL=${1:?usage: Benchmarks/serve-soak.sh MODEL_DIR [DATA_FILE] [MINUTES]}
DATA=${2:-Samples/beauty-3k.txt.gz}
MINUTES=${3:-10}
CONNECTIONS=${CONNECTIONS:-64}
DAMAGED_MINUTE=${DAMAGED_MINUTE:-$(( (MINUTES + 1) / 2 ))}
COMPACTREC=${COMPACTREC:-.build/release/compactrec}
WORK=$(mktemp -d)
SERVER_PID=
WRK_PID=
. Benchmarks/serve-common.sh
trap 'if [ -n "$WRK_PID" ]; then kill "$WRK_PID" 2>/dev/null || true; fi; cleanup' EXIT

MODEL="$WORK/model"
cp -r "$SOURCE_MODEL" "$MODEL"
histories "$DATA" "$WORK/histories.jsonl" 1000
wrk_script "$WORK/histories.jsonl" "$WORK/load.lua"
start_server
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
reload() { curl -s -o "$WORK/reload.json" -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/v1/admin/reload"; }

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $CONNECTIONS connections for $MINUTES min" >&2
wrk -t 2 -c "$CONNECTIONS" -d "$((MINUTES * 60))s" -s "$WORK/load.lua" "http://127.0.0.1:$PORT/v1/recommend" > "$WORK/wrk.out" &
WRK_PID=$!
start=$(date +%s)
failures=0
rss_first=
for minute in $(seq 1 "$MINUTES"); do
    sleep $(( start + minute * 60 - 5 - $(date +%s) ))  # five seconds before the minute ends
    rss=$(rss_mib)
    rss_first=${rss_first:-$rss}
    if [ "$minute" -eq "$MINUTES" ]; then echo "minute=$minute rss_mib=$rss"; break; fi
    if [ "$minute" -eq "$DAMAGED_MINUTE" ]; then
        cp "$MODEL/model.safetensors" "$WORK/good.safetensors"
        size=$(stat -c %s "$MODEL/model.safetensors")
        printf 'damaged!' | dd of="$MODEL/model.safetensors" bs=1 seek=$(( size / 2 )) conv=notrunc status=none
        code=$(reload)
        cp "$WORK/good.safetensors" "$MODEL/model.safetensors"
        expected=422
    else
        code=$(reload)
        expected=200
    fi
    echo "minute=$minute rss_mib=$rss reload=$code$([ "$code" = "$expected" ] || echo " (expected $expected: $(cat "$WORK/reload.json"))")"
    [ "$code" = "$expected" ] || failures=$((failures + 1))
done
wait "$WRK_PID"; WRK_PID=
metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics")
stop_server
requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$WORK/wrk.out")
summary=$(tail -n 1 "$WORK/wrk.out")
swapped=$( (printf '%s\n' "$metrics" | grep -E '^compactrec_model_reloads_total\{outcome="swapped"\}' || echo "x 0") | awk '{print $2}')
refused=$( (printf '%s\n' "$metrics" | grep -E '^compactrec_model_reloads_total\{outcome="refused"\}' || echo "x 0") | awk '{print $2}')
change=$(python3 -c "print(f'{100 * ($rss - $rss_first) / $rss_first:.1f}')")
echo "soak minutes=$MINUTES requests=$requests $summary reloads_swapped=$swapped reloads_refused=$refused" \
     "rss_first_mib=$rss_first rss_last_mib=$rss rss_change_percent=$change"
case "$summary" in *" errors=0 non2xx=0"*) ;; *) failures=$((failures + 1)) ;; esac
[ "$failures" -eq 0 ]
