#!/usr/bin/env bash
# Scoring time per user of every output layer, configuration A, measured side by side: the full
# softmax, the compressed item matrices of the memcom-output plan at one ratio (MEmCom, hashing,
# QR-add, low-rank, mixed-dim) and CpRec's tree softmax, each run in turn ROUNDS times
# (A B C … A B C …) so that the ratios hold when a shared machine's speed drifts. A few training
# steps first (the timing does not depend on the weights); then full-ranking evaluation and
# single-history top-10 requests on one thread. Prints each run and, per layer, the median
# µs/user, recommend p50 and the speed-up over the full softmax.
# Usage: Benchmarks/output-scoring-speed.sh [ROUNDS] (default 3).
# Env: DATA, TEST (a separate test file, for session data), FORMAT, RATIO (default 16), USERS, THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DATA=${DATA:-../shared/data/amazon-beauty_bert4rec/beauty.txt.gz}
FORMAT=${FORMAT:-auto}
RATIO=${RATIO:-16}
USERS=${USERS:-5000}
THREADS=${THREADS:-1}
swift build -c release > /dev/null
common=(--data "$DATA" --format "$FORMAT" --max-len 20 --batch-size 128 --steps 2 --warmup 1 --eval-users "$USERS"
        --requests 1000 --no-validation --threads "$THREADS" --json --quiet)
[ -n "${TEST:-}" ] && common+=(--test "$TEST")
layers=(full-softmax memcom hashing qr low-rank mixed-dim tree-softmax)
options() {
    case $1 in
        full-softmax) ;;
        qr) echo --output-layer qr --output-ratio "$RATIO" --output-qr-operation add ;;
        mixed-dim) echo --output-layer mixed-dim --output-ratio "$RATIO" --cutoffs shares:0.1,0.15,0.25,0.25,0.25 ;;
        tree-softmax) echo --output-layer tree-softmax --cutoffs shares:0.52,0.3,0.18 --rank-divisor 4 ;;
        *) echo --output-layer "$1" --output-ratio "$RATIO" ;;
    esac
}
fields() {
    python3 -c 'import json,sys; d = json.load(sys.stdin); print(round(1e6 / d["eval_users_per_s"], 1), round(d["latency_ms_p50"], 4), d["blas"].replace(" ", "_"), round(d["sgemm_gflops_logits_shape"]))'
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; output ratio $RATIO; $THREADS thread(s)"
results=$(mktemp)
for round in $(seq "$ROUNDS"); do
    for layer in "${layers[@]}"; do
        # shellcheck disable=SC2046
        read -r us p50 kernels sgemm < <(.build/release/compactrec benchmark "${common[@]}" $(options "$layer") | fields)
        echo "round $round: $layer $us µs/user, recommend p50 $p50 ms ($kernels, sgemm $sgemm GFLOP/s at the logits shape)"
        echo "$layer $us $p50" >> "$results"
    done
done
python3 - "$results" "${layers[@]}" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
layers = sys.argv[2:]
median = {l: (statistics.median(float(r[1]) for r in rows if r[0] == l), statistics.median(float(r[2]) for r in rows if r[0] == l)) for l in layers}
full = median["full-softmax"]
print(f"{'output layer':14s} {'µs/user':>9s} {'speed-up':>9s} {'recommend p50':>14s} {'speed-up':>9s}")
for l in layers:
    us, p50 = median[l]
    print(f"{l:14s} {us:9.1f} {full[0] / us:8.2f}x {p50:12.4f} ms {full[1] / p50:8.2f}x")
PY
rm -f "$results"
