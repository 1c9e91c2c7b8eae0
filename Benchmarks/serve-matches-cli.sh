#!/usr/bin/env bash
# Do answers over HTTP equal `compactrec recommend`'s? COUNT real histories (default 1,000) are
# sent to POST /v1/recommend by 16 concurrent clients (so micro-batching groups them) and given to
# `compactrec recommend --histories` in one file; the two answers are compared history by history.
#
#   Benchmarks/serve-matches-cli.sh MODEL_DIR [DATA_FILE] [COUNT]
#
# Prints one line a script can read, and exits 1 when any history's items differ:
#   match histories=… same_items=… same_scores=… max_score_difference=… unknown_differ=…
# Scores may differ in the last bits: a micro-batch of more than 8 histories is scored by gemm,
# a single history by the row kernel, and the two sum in different orders.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${1:?usage: Benchmarks/serve-matches-cli.sh MODEL_DIR [DATA_FILE] [COUNT]}
DATA=${2:-Samples/beauty-3k.txt.gz}
COUNT=${3:-1000}
COMPACTREC=${COMPACTREC:-.build/release/compactrec}
WORK=$(mktemp -d)
SERVER_PID=
. Benchmarks/serve-common.sh
trap cleanup EXIT

histories "$DATA" "$WORK/histories.jsonl" "$COUNT"
python3 -c 'import json, sys
for line in open(sys.argv[1]): print(" ".join(json.loads(line)))' "$WORK/histories.jsonl" > "$WORK/histories.txt"
"$COMPACTREC" recommend --model "$MODEL" --histories "$WORK/histories.txt" --top 10 --json --quiet > "$WORK/cli.json"
start_server
python3 - "$WORK/histories.jsonl" "$WORK/cli.json" "http://127.0.0.1:$PORT/v1/recommend" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
histories = [json.loads(line) for line in open(sys.argv[1])]
cli = json.load(open(sys.argv[2]))["answers"]
url = sys.argv[3]

def ask(history):
    body = json.dumps({"history": history, "k": 10}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)

with ThreadPoolExecutor(16) as pool:
    served = list(pool.map(ask, histories))
same_items = same_scores = unknown_differ = 0
largest = 0.0
for n, (http, local) in enumerate(zip(served, cli)):
    ours = [(item["id"], item["score"]) for item in http["items"]]
    theirs = [(item["item"], item["score"]) for item in local["recommendations"]]
    if [i for i, _ in ours] == [i for i, _ in theirs]:
        same_items += 1
    elif n - same_items < 5:
        print(f"history {n + 1}: served {ours} vs recommend {theirs}", file=sys.stderr)
    if ours == theirs:
        same_scores += 1
    if len(ours) == len(theirs):
        largest = max([largest] + [abs(a - b) for (_, a), (_, b) in zip(ours, theirs)])
    unknown_differ += sorted(http["unknown"]) != sorted(local["unknown_items"])
print(f"match histories={len(histories)} same_items={same_items} same_scores={same_scores} "
      f"max_score_difference={largest:.3g} unknown_differ={unknown_differ}")
sys.exit(0 if same_items == len(histories) and unknown_differ == 0 else 1)
PY
