#!/usr/bin/env bash
# CompactRec's SASRec against RecBole 1.2.1's, side by side on this machine: one epoch each on
# the same data file and protocol (last item test, second-last validation, full ranking), the
# same model (2 layers, 2 heads, d 64, inner 256, dropout 0.5, tied tables, T = 20), batch 128,
# lr 0.001, the same threads; alternating ROUNDS times. RecBole trains each prefix's last
# position ("samples") and CompactRec every position of a window (--train-windows): both see
# each training interaction once per epoch as a target, so the figure is seconds per epoch.
# Also prints the machine's sgemm rate (from `compactrec benchmark`) and the useful GFLOP/s.
# Usage: Benchmarks/compare-recbole-sasrec.sh [ROUNDS] (default 2). Needs ../shared/peer/recbole/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
THREADS=${THREADS:-2}
DATA=../shared/data/amazon-beauty_bert4rec/beauty.txt.gz
swift build -c release > /dev/null
PEER=../shared/peer/recbole
PY=$($PEER/setup.sh)
(cd $PEER && $PY convert.py > /dev/null)
OUT=$(mktemp -d)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $THREADS threads"
for round in $(seq 1 "$ROUNDS"); do
  .build/release/compactrec train --data "$DATA" --encoder sasrec --max-len 20 --epochs 1 --learning-rate 0.001 \
      --train-windows --threads "$THREADS" --seed "$round" --json --quiet > "$OUT/ours-$round.json"
  (cd $PEER && $PY run.py --model SASRec --dataset beauty --epochs 1 --threads "$THREADS" --seed "$round" \
      --json-out "$OUT/peer-$round.json" > "$OUT/peer-$round.log" 2>&1)
done
.build/release/compactrec benchmark --data "$DATA" --encoder sasrec --max-len 20 --steps 20 --warmup 3 \
    --eval-users 200 --requests 200 --threads "$THREADS" --json > "$OUT/benchmark.json"
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys, statistics
out, rounds = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(f"{out}/ours-{r}.json")) for r in range(1, rounds + 1)]
peer = [json.load(open(f"{out}/peer-{r}.json")) for r in range(1, rounds + 1)]
bench = json.load(open(f"{out}/benchmark.json"))
o = statistics.median(x["epoch_seconds"][0] if isinstance(x["epoch_seconds"], list) else x["epoch_seconds"] for x in ours)
p = statistics.median(x["s_per_epoch"] for x in peer)
print(f"kernels: {bench['blas']}")
print(f"seconds per epoch (median of {rounds}): CompactRec {o:.1f} s, RecBole {p:.1f} s -> {p / o:.2f}x")
print(f"test NDCG@10 after one epoch: CompactRec {[round(x['ndcg@10'], 4) for x in ours]}, RecBole {[round(x['test']['ndcg@10'], 4) for x in peer]}")
print(f"a training step does {bench['train_step_gflops']:.1f} GFLOP/s of useful products = "
      f"{100 * bench['train_fraction_of_sgemm']:.0f}% of this machine's sgemm rate ({bench['sgemm_gflops_2048']:.0f} GFLOP/s at 2048^2)")
print(f"recommend p50 {bench['latency_ms_p50']:.3f} ms")
PY
