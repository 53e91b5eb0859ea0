#!/usr/bin/env bash
# Retrains models/chain-teacher with the commands of its model card (models/chain-teacher/README.md): the training
# text from tools/make_chain_task.py, one program per row (tools/chain_rows.py), then red-engine's `train` from the
# shipped config.json and tokenizer.
# About 20 minutes on 2 idle cores. The run is bit-reproducible for the same --threads: compare the result with
#   cmp OUT/model.safetensors models/chain-teacher/model.safetensors
# Usage: tools/train_chain_teacher.sh [OUT]   (env: JAR, JAVA, DATA)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-java-engine/target/red-engine.jar}
JAVA=${JAVA:-java}
OUT=${1:-/tmp/chain-teacher}
DATA=${DATA:-/tmp/chain-teacher-train}
python3 tools/make_chain_task.py "$DATA.jsonl" --depths 1-4 --n 75000 --distractors 0 --max-step 3 --seed 1000 --queries 26
python3 tools/chain_rows.py "$DATA.jsonl" "$DATA.safetensors" --seq-len 64
"$JAVA" -jar "$JAR" train --model models/chain-teacher --from-scratch --data "$DATA.safetensors" --seq-len 64 --batch 64 \
  --steps 2000 --lr 3e-3 --loss-after "?" --loss-span 2 --threads 2 --save-every 250 --log-every 25 --out "$OUT"
echo "now: cmp $OUT/model.safetensors models/chain-teacher/model.safetensors"
