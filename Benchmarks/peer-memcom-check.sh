#!/usr/bin/env bash
# MEmCom's accuracy loss checked against the PyTorch peer: the uncompressed input table, MEmCom and
# the hashing trick at 16x, trained by the peer (Benchmarks/peer-hashed-input.py) and by CompactRec
# (Benchmarks/peer-memcom.json with its epochs set to EPOCHS) with the same budget, on Beauty,
# configuration A, T = 20, Adam at lr 0.003, seed 1, one thread each. Prints NDCG@10, HR@10, MRR@10
# and the change against the uncompressed model, side by side. Six trainings of EPOCHS epochs:
# about 1.5 hours at 2 epochs, 2 hours at 5 (the memcom plan's budget). Finished trainings of
# either side are kept under OUT/eEPOCHS/ and skipped when the script runs again.
# Usage: Benchmarks/peer-memcom-check.sh [EPOCHS] (default 2).
# Env: PY (the peer's Python; default: ../shared/peer/setup.sh installs it), OUT (default runs/peer-memcom).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-2}
PY=${PY:-$(../shared/peer/setup.sh)}
OUT=${OUT:-runs/peer-memcom}/e$EPOCHS
DATA=../shared/data/amazon-beauty_bert4rec/beauty.txt.gz
mkdir -p "$OUT"
# CompactRec's plan with the budget set; its runs' keys are those of any plan with the same settings.
python3 - "$EPOCHS" Benchmarks/peer-memcom.json "$OUT/plan.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[2]))
plan["defaults"]["epochs"] = int(sys.argv[1])
plan["description"] = plan["description"].replace("2 epochs", f"{sys.argv[1]} epochs")
json.dump(plan, open(sys.argv[3], "w"), indent=2)
PY
swift build -c release > /dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
for input in full memcom hashing; do
    if ! grep -q "\"input\": \"$input\"" "$OUT/peer.jsonl" 2>/dev/null; then
        echo "peer: $input, $EPOCHS epochs"
        "$PY" Benchmarks/peer-hashed-input.py --data "$DATA" --format pairs --max-len 20 --epochs "$EPOCHS" \
            --seed 1 --threads 1 --input "$input" --ratio 16 --lr 0.003 | paste -sd ' ' | sed 's/} {/, /' >> "$OUT/peer.jsonl"
    fi
done
echo "CompactRec: Benchmarks/peer-memcom.json, $EPOCHS epochs"
.build/release/compactrec experiment --plan "$OUT/plan.json" --data-root ../shared/data --out "$OUT/compactrec" --threads 1 --quiet
python3 - "$OUT/peer.jsonl" "$OUT/compactrec/results.jsonl" <<'PY'
import json, sys
peer = {r["input"]: r for r in map(json.loads, open(sys.argv[1]))}
ours = {r["configuration"].removesuffix("-x16"): r["metrics"] for r in map(json.loads, open(sys.argv[2]))}
print(f"{'input':8s} {'peer NDCG@10':>12s} {'Δ':>7s} {'HR@10':>7s} {'MRR@10':>7s}   {'ours NDCG@10':>12s} {'Δ':>7s} {'HR@10':>7s} {'MRR@10':>7s}")
for k in ("full", "memcom", "hashing"):
    p, o = peer[k], ours[k]
    dp = 100 * (p["ndcg@10"] / peer["full"]["ndcg@10"] - 1)
    do = 100 * (o["ndcg@10"] / ours["full"]["ndcg@10"] - 1)
    print(f"{k:8s} {p['ndcg@10']:12.4f} {dp:6.1f}% {p['hr@10']:7.4f} {p['mrr@10']:7.4f}   {o['ndcg@10']:12.4f} {do:6.1f}% {o['hr@10']:7.4f} {o['mrr@10']:7.4f}")
PY
