#!/usr/bin/env bash
# CompactRec against the PyTorch reference peer, side by side on this machine, configuration A:
# training sequences/s (full softmax), evaluation users/s, recommend latency, and the machine's
# sgemm rate. Usage: Benchmarks/compare-peer.sh [DATA] (default: Amazon Beauty from ../shared/data).
# The peer's environment is set up by ../shared/peer/setup.sh (a few minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/amazon-beauty_bert4rec/beauty.txt.gz}
FORMAT=${FORMAT:-pairs}
swift build -c release > /dev/null
PY=$(../shared/peer/setup.sh)

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
ours=$(.build/release/compactrec benchmark --data "$DATA" --format "$FORMAT" --max-len 20 --batch-size 128 \
       --steps 30 --warmup 3 --eval-users 500 --no-validation --json)
peer=$($PY ../shared/peer/nextitnet_torch.py --data "$DATA" --format "$FORMAT" --max-len 20 --steps 30 --eval-users 500)
echo "compactrec: $ours"
echo "peer:       $peer"
python3 - "$ours" "$peer" <<'PY'
import json, sys
o, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"kernels: {o['blas']}; peer {p['peer']}")
print(f"training  : {o['train_seq_per_s']:8.0f} seq/s vs {p['train_seq_per_s']:8.0f} seq/s  -> {o['train_seq_per_s']/p['train_seq_per_s']:.2f}x")
print(f"evaluation: {o['eval_users_per_s']:8.0f} users/s vs {p['eval_users_per_s']:8.0f}  -> {o['eval_users_per_s']/p['eval_users_per_s']:.2f}x")
print(f"recommend : p50 {o['latency_ms_p50']:.3f} ms vs {p['latency_ms_p50']:.3f} ms  -> {p['latency_ms_p50']/o['latency_ms_p50']:.2f}x faster")
print(f"a training step does {o['train_step_gflops']:.1f} GFLOP/s of useful products = "
      f"{100*o['train_fraction_of_sgemm']:.0f}% of this machine's sgemm rate ({o['sgemm_gflops_2048']:.0f} GFLOP/s at 2048^2)")
PY
