#!/usr/bin/env bash
# The GPU check of the CUDA backend, for the GPU machine (run it there through the device tool, carrying .device/
# made by tools/pack-device.sh):
#   1. the conformance suite and the HF golden fixtures on --device cuda (GpuTestMain: the tests tagged gpu),
#   2. red-engine bench --device cuda --json (every op and a Llama-124M-like training step),
#   3. tools/torch_ops_bench.py: the same ops and shapes in PyTorch,
#   4. tools/bench_compare.py: both side by side with ratios, JSON + Markdown (date, device) in benchmarks/results/
#      (and in $OUT when the device tool sets it).
# TORCH_PYTHON names the Python that has PyTorch (default python3).
# Usage:  tools/gpu-test.sh [--device cuda|cuda-sim] [--size N] [--layers L] [--classes REGEX] [--skip-tests] [--skip-bench]
# --device cuda-sim is the dry run for a machine without a GPU: the same tests on the CUDA simulator (needs
# java-engine/target/native/libredengine_cudasim_test.so from native/build.sh), bench at tiny shapes, PyTorch on
# the CPU if it is installed. Exit code: 1 if a test failed, else 0 (a step that could not run says so).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
device=cuda size="" layers=12 classes='.*' skip_tests=0 skip_bench=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --classes) classes=$2; shift 2 ;;
    --skip-tests) skip_tests=1; shift ;;
    --skip-bench) skip_bench=1; shift ;;
    *) echo "usage: tools/gpu-test.sh [--device cuda|cuda-sim] [--size N] [--layers L] [--classes REGEX] [--skip-tests] [--skip-bench]" >&2; exit 2 ;;
  esac
done
[[ "$device" == cuda || "$device" == cuda-sim ]] || { echo "gpu-test.sh: --device must be cuda or cuda-sim" >&2; exit 2; }

# Java 25: the one on PATH if it is 25+, else the carried runtime
java=java
if ! { command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; }; then
  if [[ -f .device/jre.tgz ]]; then
    [[ -x /tmp/jre/bin/java ]] || tar xzf .device/jre.tgz -C /tmp
    java=/tmp/jre/bin/java
  elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    java=$JAVA_HOME/bin/java
  else
    echo "gpu-test.sh: no Java 25 (no .device/jre.tgz: run tools/pack-device.sh on the build machine)" >&2; exit 2
  fi
fi
jar=.device/red-engine.jar; [[ -f $jar ]] || jar=java-engine/target/red-engine.jar
tests=.device/java-engine-tests.jar; [[ -f $tests ]] || tests=java-engine/target/java-engine-tests.jar
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d)
jopts=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
simlib=$here/java-engine/target/native/libredengine_cudasim_test.so
[[ "$device" == cuda-sim ]] && jopts+=("-Dredengine.cudasim.lib=$simlib")
status=0

echo "== gpu-test.sh on $(hostname), device $device, $(date -u)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

if [[ $skip_tests == 0 ]]; then
  echo "== 1. conformance suite + HF goldens on $device (GpuTestMain)"
  python3 - "$tests" "$work" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.startswith("hf-golden/"):
        z.extract(n, sys.argv[2])
PY
  # JUnit: carried in .device/lib, or (dry run on the build machine) the newest of each jar in ~/.m2
  if [[ -d .device/lib ]]; then
    cp_junit=$(ls .device/lib/*.jar | tr '\n' ':')
  else
    cp_junit=$(find ~/.m2/repository/org/junit ~/.m2/repository/org/opentest4j ~/.m2/repository/org/apiguardian -name '*.jar' \
      | grep -E '(junit-jupiter-(api|engine|params)|junit-platform-(commons|engine|launcher)|opentest4j|apiguardian-api)-[0-9.]+\.jar$' \
      | sort -V | awk -F/ '{k=$(NF-2)} {last[k]=$0} END {for (k in last) print last[k]}' | tr '\n' ':')
  fi
  "$java" "${jopts[@]}" -Dredengine.fixtures="$work/hf-golden" -cp "$jar:$tests:$cp_junit" \
    dev.redengine.backend.cuda.GpuTestMain --device "$device" --classes "$classes" --json "$work/tests.json"
  rc=$?
  [[ $rc == 1 ]] && status=1
  [[ $rc == 3 ]] && echo "gpu-test.sh: no test ran (no GPU?)"
fi

if [[ $skip_bench == 0 ]]; then
  echo "== 2. red-engine bench --device $device"
  if [[ "$device" == cuda-sim ]]; then
    shape=(--size "${size:-16}" --dim 32 --heads 2 --vocab 64 --layers 1 --warmup 1 --repeat 2)
  else
    shape=(--size "${size:-1024}" --layers "$layers" --warmup 2 --repeat 10)
  fi
  "$java" "${jopts[@]}" -jar "$jar" bench --device "$device" "${shape[@]}" --out "$work/ours.json" || status=1
  if [[ -f $work/ours.json ]]; then
    echo "== 3. PyTorch, same ops and shapes"
    tdev=cpu; [[ "$device" == cuda ]] && tdev=cuda
    reps=(--warmup 2 --repeat 10); [[ "$device" == cuda-sim ]] && reps=(--warmup 1 --repeat 2)
    "${TORCH_PYTHON:-python3}" tools/torch_ops_bench.py --like "$work/ours.json" --device "$tdev" "${reps[@]}" --out "$work/torch.json"
    echo "== 4. side by side"
    out_dir=benchmarks/results
    name="gpu-test-$stamp-$device"
    python3 tools/bench_compare.py --ours "$work/ours.json" --torch "$work/torch.json" --tests "$work/tests.json" \
      --out-dir "$out_dir" --name "$name"
    if [[ -n "${OUT:-}" ]]; then
      cp "$out_dir/$name.json" "$out_dir/$name.md" "$OUT/"
      cp "$work"/*.json "$OUT/" 2>/dev/null
    fi
  fi
fi
rm -rf "$work"
exit $status
