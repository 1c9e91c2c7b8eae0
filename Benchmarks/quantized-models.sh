#!/bin/sh
# Accuracy kept, bytes and recommend latency of fp16, int8 and int4 copies of one Float32 model,
# side by side in one run (full ranking, every test user; recommend p50 with 1 thread, the
# latency runs alternated ROUNDS times).
#
#   Benchmarks/quantized-models.sh runs/beauty ../shared/data/amazon-beauty_bert4rec/beauty.txt.gz [ROUNDS]
set -eu
BIN=${BIN:-.build/release/compactrec}
MODEL=$1
DATA=$2
ROUNDS=${3:-3}
OUT=${OUT:-$(mktemp -d)}
lscpu | grep -E "Model name|Flags" | sed 's/\(Flags:\).*\(avx512[a-z_]*\|avx2\|f16c\).*/\1 (see lscpu)/'
grep -o -w -E "avx2|f16c|avx512f|avx512_vnni|avx_vnni" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
for precision in fp16 int8 int4; do
    "$BIN" quantize --model "$MODEL" --precision "$precision" --output "$OUT/$precision" >/dev/null
done
echo "model      ndcg@10   of-float32  bytes      bytes-ratio"
BASE=""
for m in float32 fp16 int8 int4; do
    dir="$OUT/$m"; [ "$m" = float32 ] && dir="$MODEL"
    "$BIN" evaluate --model "$dir" --data "$DATA" --json > "$OUT/$m.eval.json"
    BASE=${BASE:-$OUT/float32.eval.json}
    python3 - "$m" "$OUT/$m.eval.json" "$BASE" <<'PY'
import json, sys
name, mine, base = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print(f"{name:10s} {mine['ndcg@10']:.5f}   {100 * mine['ndcg@10'] / base['ndcg@10']:7.3f} %   {int(mine['bytes']):10d} {mine['bytes_ratio']:.2f}x")
PY
done
echo "recommend top-10 p50, 1 thread (rounds alternated):"
for round in $(seq 1 "$ROUNDS"); do
    for m in float32 fp16 int8 int4; do
        dir="$OUT/$m"; [ "$m" = float32 ] && dir="$MODEL"
        printf "round %s %-8s " "$round" "$m"
        "$BIN" benchmark --model "$dir" --data "$DATA" --threads 1 --eval-users 200 --requests 1000 | grep -E "^recommend" | head -1
    done
done
