#!/usr/bin/env bash
# CpRec's training speed on this machine, configuration A on Amazon Beauty: CompactRec's tree
# softmax, CompactRec's full softmax and the PyTorch reference's AdaptiveLogSoftmaxWithLoss at
# the same cut-offs and divisor, run in turn ROUNDS times (A B C A B C …) so that the ratios hold
# when a shared machine's speed drifts. Prints every run and the median of each ratio.
# Usage: Benchmarks/cprec-training-speed.sh [ROUNDS] (default 3). Env: DATA, CUTOFFS, STEPS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DATA=${DATA:-../shared/data/amazon-beauty_bert4rec/beauty.txt.gz}
CUTOFFS=${CUTOFFS:-2000,10000}
STEPS=${STEPS:-30}
swift build -c release > /dev/null
PY=$(../shared/peer/setup.sh)
common=(--data "$DATA" --max-len 20 --batch-size 128 --steps "$STEPS" --warmup 3 --eval-users 10 --requests 5 --no-validation --json)
seqs() { python3 -c 'import json,sys; d = json.load(sys.stdin); print(round(d["train_seq_per_s"]), d.get("blas", d.get("peer", "")).replace(" ", "_"))'; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
tree=() full=() peer=()
for round in $(seq "$ROUNDS"); do
    read -r t kernels < <(.build/release/compactrec benchmark "${common[@]}" --output-layer tree-softmax --cutoffs "$CUTOFFS" --rank-divisor 4 | seqs)
    read -r f _ < <(.build/release/compactrec benchmark "${common[@]}" | seqs)
    read -r p peername < <($PY ../shared/peer/nextitnet_torch.py --data "$DATA" --format pairs --max-len 20 --steps "$STEPS" \
        --eval-users 10 --cutoffs "$CUTOFFS" | seqs)
    echo "round $round: tree softmax $t seq/s, full softmax $f seq/s ($kernels), PyTorch adaptive softmax $p seq/s ($peername)"
    tree+=("$t") full+=("$f") peer+=("$p")
done
python3 - "${tree[*]}" "${full[*]}" "${peer[*]}" <<'PY'
import statistics, sys
tree, full, peer = ([float(x) for x in a.split()] for a in sys.argv[1:4])
print(f"tree / own full softmax:      median {statistics.median(t / f for t, f in zip(tree, full)):.2f}x  (pairs: "
      + ", ".join(f"{t / f:.2f}" for t, f in zip(tree, full)) + ")")
print(f"tree / PyTorch adaptive:      median {statistics.median(t / p for t, p in zip(tree, peer)):.2f}x  (pairs: "
      + ", ".join(f"{t / p:.2f}" for t, p in zip(tree, peer)) + ")")
PY
